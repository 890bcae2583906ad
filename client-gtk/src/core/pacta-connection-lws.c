/*
 * pacta-desk: the socket layer of PactaConnection — libwebsockets on the
 * GLib main loop (a foreign loop, LWS_SERVER_OPTION_GLIB), TLS pinned to
 * the configured CA.  The lws callback only moves bytes: complete messages
 * and socket ends go to the inbox (pacta-connection.c), frames come from
 * the outbox, one lws_write per WRITEABLE callback.
 */
#define G_LOG_DOMAIN "pacta-connection"

#include "pacta-connection-private.h"

#include <stdlib.h>
#include <string.h>

#define MAX_MESSAGE (64u << 20) /* server messages may be large (§2: >= 32 MiB) */
#define MAX_IN_FLIGHT 60        /* the server allows 64 */

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len);

static const struct lws_protocols protocols[] = {
    {"pacta.v1", callback, 0, 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0}, /* lws 4.1.6 has no LWS_PROTOCOL_LIST_TERM */
};

/* Keep-alive: a server that vanished without a FIN is noticed within a minute. */
static const lws_retry_bo_t keepalive = {
    .secs_since_valid_ping = 20,
    .secs_since_valid_hangup = 50,
};

/*
 * One lws context per CA file, shared by every PactaConnection of the
 * process (refcounted): cheaper than one each, and lws 4.1.6 leaks a client
 * SSL_CTX when several contexts with TLS clients live side by side.
 * Sockets find their PactaConnection through their opaque user data.
 */
struct pacta_lws_shared {
    struct lws_context *ctx;
    GMainLoop *loop; /* never run: hands the main context to lws */
    char *ca_file;
    int refs;
};
static GHashTable *shared_contexts; /* ca_file -> struct pacta_lws_shared */

static void lws_log(int level, const char *line)
{
    (void)level;
    g_debug("lws: %.*s", (int)strcspn(line, "\n"), line);
}

static void frame_free(gpointer data)
{
    PactaFrame *f = data;
    g_free(f->buf);
    g_free(f);
}

static void push_close(PactaConnection *self, guint code, const char *reason)
{
    if (self->reported_gen == self->gen)
        return;
    self->reported_gen = self->gen;
    PactaInboxItem *item = g_new0(PactaInboxItem, 1);
    item->gen = self->gen;
    item->is_close = TRUE;
    item->opened = self->opened;
    item->close_code = code;
    item->text = g_strdup(reason ? reason : "");
    pacta__connection_inbox_push(self, item);
}

static void push_message(PactaConnection *self, char *text, size_t len)
{
    PactaInboxItem *item = g_new0(PactaInboxItem, 1);
    item->gen = self->gen;
    item->text = text;
    item->len = len;
    pacta__connection_inbox_push(self, item);
}

static gboolean is_current(PactaConnection *self, struct lws *wsi)
{
    return self && (wsi == self->wsi || self->in_connect);
}

static int on_writeable(PactaConnection *self, struct lws *wsi)
{
    if (!is_current(self, wsi)) {
        /* An orphaned socket: say goodbye. */
        static const char bye[] = "client closing";
        lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, (unsigned char *)bye, sizeof bye - 1);
        return -1;
    }
    if (self->in_flight >= MAX_IN_FLIGHT)
        return 0; /* a response will ask for WRITEABLE again */
    PactaFrame *f = g_queue_pop_head(&self->outbox);
    if (!f)
        return 0;
    int n = lws_write(wsi, f->buf + LWS_PRE, f->len, LWS_WRITE_TEXT);
    frame_free(f);
    if (n < 0)
        return -1;
    self->in_flight++;
    if (!g_queue_is_empty(&self->outbox) && self->in_flight < MAX_IN_FLIGHT)
        lws_callback_on_writable(wsi);
    return 0;
}

static int on_receive(PactaConnection *self, struct lws *wsi, const void *in, size_t len)
{
    if (!is_current(self, wsi))
        return 0;
    if (!self->rx)
        self->rx = g_byte_array_new();
    if (self->rx->len + len > MAX_MESSAGE) {
        static const char why[] = "message too big";
        g_warning("server message over %u bytes: closing", MAX_MESSAGE);
        lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, (unsigned char *)why,
                         sizeof why - 1);
        return -1;
    }
    g_byte_array_append(self->rx, in, (guint)len);
    if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0) {
        size_t n = self->rx->len;
        g_byte_array_append(self->rx, (const guint8 *)"", 1);
        push_message(self, (char *)g_byte_array_free(self->rx, FALSE), n);
        self->rx = NULL;
    }
    return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    (void)user;
    PactaConnection *self = wsi ? lws_get_opaque_user_data(wsi) : NULL;
    if (!self) {
        /* A socket whose connection is gone: close it when lws lets us. */
        return reason == LWS_CALLBACK_CLIENT_WRITEABLE ? -1 : 0;
    }
    switch (reason) {
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        if (is_current(self, wsi)) {
            g_debug("connect error: %s", in ? (const char *)in : "?");
            push_close(self, 1006, in ? (const char *)in : "connection failed");
            self->wsi = NULL;
        }
        return 0;
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        if (!is_current(self, wsi))
            return -1;
        self->opened = TRUE;
        push_message(self, NULL, 0); /* "established" */
        return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        return on_receive(self, wsi, in, len);
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        return on_writeable(self, wsi);
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (is_current(self, wsi) && in && len >= 2) {
            const unsigned char *p = in;
            self->peer_close_code = (guint)(p[0] << 8 | p[1]);
            g_free(self->peer_close_reason);
            self->peer_close_reason = g_strndup((const char *)p + 2, len - 2);
        }
        return 0;
    case LWS_CALLBACK_WSI_DESTROY:
        g_hash_table_remove(self->live_wsis, wsi);
        /* fall through */
    case LWS_CALLBACK_CLIENT_CLOSED:
        if (wsi == self->wsi) {
            push_close(self, self->peer_close_code ? self->peer_close_code : 1006,
                       self->peer_close_reason ? self->peer_close_reason : "connection dropped");
            self->wsi = NULL;
        }
        return 0;
    default:
        return 0;
    }
}

static void shared_release(struct pacta_lws_shared *sh)
{
    if (--sh->refs > 0)
        return;
    g_hash_table_steal(shared_contexts, sh->ca_file);
    lws_context_destroy(sh->ctx);
    g_main_loop_unref(sh->loop);
    g_free(sh->ca_file);
    g_free(sh);
}

static gboolean ensure_context(PactaConnection *self, GError **error)
{
    if (self->lws_shared && g_strcmp0(self->lws_shared->ca_file, self->ca_file) == 0)
        return TRUE;
    pacta__connection_destroy_context(self);

    static gsize init_once = 0;
    if (g_once_init_enter(&init_once)) {
        /* PACTA_LWS_LOG=<lws level bits> shows lws's own log (with G_MESSAGES_DEBUG). */
        const char *lvl = g_getenv("PACTA_LWS_LOG");
        lws_set_log_level(lvl ? atoi(lvl) : LLL_ERR | LLL_WARN, lws_log);
        shared_contexts = g_hash_table_new(g_str_hash, g_str_equal);
        g_once_init_leave(&init_once, 1);
    }
    struct pacta_lws_shared *sh = g_hash_table_lookup(shared_contexts, self->ca_file);
    if (sh) {
        sh->refs++;
        self->lws_shared = sh;
        return TRUE;
    }
    sh = g_new0(struct pacta_lws_shared, 1);
    sh->loop = g_main_loop_new(self->main_context, FALSE);
    void *loops[1] = {sh->loop};
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT | LWS_SERVER_OPTION_GLIB;
    if (self->ca_file[0]) {
        /* Pin: trust this CA file only, not the OS store (DESIGN §7, §9). */
        info.options |= LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS;
        info.client_ssl_ca_filepath = self->ca_file;
    }
    info.foreign_loops = loops;
    info.timeout_secs = 10;
    info.fd_limit_per_thread = 64;
    sh->ctx = lws_create_context(&info);
    if (!sh->ctx) {
        g_main_loop_unref(sh->loop);
        g_free(sh);
        g_set_error(error, PACTA_DESK_ERROR, PACTA_DESK_ERROR_CONNECT,
                    "could not set up TLS (is %s a readable CA file?)",
                    self->ca_file[0] ? self->ca_file : "the system CA store");
        return FALSE;
    }
    sh->ca_file = g_strdup(self->ca_file);
    sh->refs = 1;
    g_hash_table_insert(shared_contexts, sh->ca_file, sh);
    self->lws_shared = sh;
    return TRUE;
}

void pacta__connection_connect(PactaConnection *self)
{
    pacta__connection_orphan_socket(self);
    pacta__connection_set_state(self, PACTA_CONNECTION_CONNECTING);

    g_autoptr(GError) error = NULL;
    g_autoptr(GUri) uri = g_uri_parse(self->url, G_URI_FLAGS_NONE, &error);
    if (uri && g_strcmp0(g_uri_get_scheme(uri), "wss") != 0) {
        g_clear_error(&error);
        g_set_error(&error, PACTA_DESK_ERROR, PACTA_DESK_ERROR_CONNECT,
                    "the server URL must start with wss://");
    }
    if (error || !ensure_context(self, &error)) {
        push_close(self, 1006, error->message);
        return;
    }
    const char *host = g_uri_get_host(uri);
    const char *path = g_uri_get_path(uri);
    int port = g_uri_get_port(uri) > 0 ? g_uri_get_port(uri) : 7443;

    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof ci);
    ci.context = self->lws_shared->ctx;
    ci.opaque_user_data = self;
    ci.address = host;
    ci.port = port;
    ci.ssl_connection = LCCSCF_USE_SSL;
    ci.path = path && *path ? path : "/";
    ci.host = host;
    /* No Origin: pactad refuses handshakes with one it was not told to allow
     * (that is how it tells browsers from desktop clients). */
    ci.protocol = "pacta.v1";
    ci.local_protocol_name = "pacta.v1";
    ci.retry_and_idle_policy = &keepalive;
    ci.pwsi = &self->wsi;
    self->in_connect = TRUE;
    struct lws *wsi = lws_client_connect_via_info(&ci);
    self->in_connect = FALSE;
    if (wsi)
        g_hash_table_add(self->live_wsis, wsi);
    if (!wsi) {
        self->wsi = NULL;
        push_close(self, 1006, "could not start the connection");
    }
}

void pacta__connection_forget_socket(PactaConnection *self)
{
    g_queue_clear_full(&self->outbox, frame_free);
    if (self->rx) {
        g_byte_array_free(self->rx, TRUE);
        self->rx = NULL;
    }
    self->peer_close_code = 0;
    g_clear_pointer(&self->peer_close_reason, g_free);
    self->opened = FALSE;
    self->in_flight = 0;
}

void pacta__connection_orphan_socket(PactaConnection *self)
{
    struct lws *old = self->wsi;
    self->wsi = NULL;
    self->gen++;
    if (old) {
        if (self->opened) {
            /* Polite close on its next WRITEABLE; killed if that never comes. */
            lws_callback_on_writable(old);
            lws_set_timeout(old, PENDING_TIMEOUT_CLOSE_SEND, 2);
        } else {
            lws_set_timeout(old, PENDING_TIMEOUT_AWAITING_CONNECT_RESPONSE, LWS_TO_KILL_ASYNC);
        }
    }
    pacta__connection_forget_socket(self);
}

void pacta__connection_queue_frame(PactaConnection *self, const char *text, size_t len)
{
    PactaFrame *f = g_new0(PactaFrame, 1);
    f->buf = g_malloc(LWS_PRE + len);
    memcpy(f->buf + LWS_PRE, text, len);
    f->len = len;
    g_queue_push_tail(&self->outbox, f);
    pacta__connection_request_writable(self);
}

void pacta__connection_request_writable(PactaConnection *self)
{
    if (self->wsi && self->opened && !g_queue_is_empty(&self->outbox))
        lws_callback_on_writable(self->wsi);
}

void pacta__connection_destroy_context(PactaConnection *self)
{
    self->wsi = NULL;
    self->gen++;
    /*
     * Our sockets (current and orphans saying goodbye) must not call back
     * into us any more: detach and close them now, synchronously.
     */
    GList *left = g_hash_table_get_keys(self->live_wsis);
    g_hash_table_remove_all(self->live_wsis);
    for (GList *l = left; l; l = l->next) {
        lws_set_opaque_user_data(l->data, NULL);
        lws_set_timeout(l->data, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_SYNC);
    }
    g_list_free(left);
    if (self->lws_shared) {
        shared_release(self->lws_shared);
        self->lws_shared = NULL;
    }
    pacta__connection_forget_socket(self);
}
