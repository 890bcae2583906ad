/*
 * pacta-desk: PactaConnection; see pacta-connection.h.
 *
 * Two layers.  The lws callback (pacta-connection-lws.c) only does I/O: it
 * reassembles messages and writes queued frames, and hands every complete
 * message and the end of a socket to an inbox.  An idle source on our main
 * context drains the inbox, so all protocol logic and every signal handler
 * runs outside lws callbacks: a handler may close, log in again or drop the
 * last reference without re-entering lws.
 *
 * Each connect attempt gets a generation number; inbox items of an older
 * generation (a socket we already gave up on) are discarded, and such an
 * orphaned socket is closed on its next WRITEABLE callback.
 */
#define G_LOG_DOMAIN "pacta-connection"

#include "pacta-connection-private.h"

#include <string.h>

#include "pacta-backoff.h"

#define MAX_IN_FLIGHT 60         /* the server allows 64; leave room */
#define MAX_MESSAGE (64u << 20)  /* server messages may be large (§2); refuse absurd ones */
#define INBOX_BATCH 200          /* messages per idle dispatch: keep the UI responsive */
#define CLIENT_MESSAGE_MAX 65536 /* PACTA_MAX_MESSAGE_BYTES */

enum { SIG_EVENT, SIG_SUBSCRIBED, SIG_CLOSED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(PactaConnection, pacta_connection, G_TYPE_OBJECT)

/* ---- small helpers ---------------------------------------------------------- */

void pacta__connection_set_state(PactaConnection *self, PactaConnectionState state)
{
    if (self->state == state)
        return;
    g_debug("state %d -> %d", self->state, state);
    self->state = state;
    pacta__connection_notify(self, PROP_STATE);
}

static void set_stop_reason(PactaConnection *self, const char *reason)
{
    if (g_strcmp0(self->stop_reason, reason) == 0)
        return;
    pacta__connection_set_string(&self->stop_reason, reason);
    pacta__connection_notify(self, PROP_STOP_REASON);
}

static void set_user(PactaConnection *self, const json_t *user)
{
    const char *u = json_string_value(json_object_get(user, "username"));
    const char *d = json_string_value(json_object_get(user, "display_name"));
    const char *r = json_string_value(json_object_get(user, "role"));
    g_object_freeze_notify(G_OBJECT(self));
    if (g_strcmp0(self->username, u ? u : "") != 0) {
        pacta__connection_set_string(&self->username, u ? u : "");
        pacta__connection_notify(self, PROP_USERNAME);
    }
    if (g_strcmp0(self->display_name, d ? d : (u ? u : "")) != 0) {
        pacta__connection_set_string(&self->display_name, d ? d : (u ? u : ""));
        pacta__connection_notify(self, PROP_DISPLAY_NAME);
    }
    if (g_strcmp0(self->role, r ? r : "") != 0) {
        pacta__connection_set_string(&self->role, r ? r : "");
        pacta__connection_notify(self, PROP_ROLE);
    }
    g_object_thaw_notify(G_OBJECT(self));
}

static void set_retry(PactaConnection *self, gint64 at, guint attempt)
{
    if (self->retry_at != at) {
        self->retry_at = at;
        pacta__connection_notify(self, PROP_RETRY_AT);
    }
    if (self->attempt != attempt) {
        self->attempt = attempt;
        pacta__connection_notify(self, PROP_ATTEMPT);
    }
}

static void cancel_retry_timer(PactaConnection *self)
{
    if (self->retry_source) {
        g_source_destroy(self->retry_source);
        g_clear_pointer(&self->retry_source, g_source_unref);
    }
}

/* ---- requests ------------------------------------------------------------------- */

static void pending_free(gpointer data)
{
    PactaPending *p = data;
    g_clear_object(&p->task);
    g_free(p);
}

/*
 * Queues one request frame.  `task` gets the response (its task data set to
 * the wire error object on failure, see request_finish); `internal` is the
 * alternative for our own protocol steps.  Returns FALSE (and queues nothing)
 * if the message is too large.
 */
static gboolean enqueue_request(PactaConnection *self, const char *op, const json_t *args,
                                GTask *task, PactaInternalCb internal, GError **error)
{
    gint64 id = ++self->next_id;
    json_auto_t *msg = json_object();
    json_object_set_new(msg, "id", json_integer(id));
    json_object_set_new(msg, "op", json_string(op));
    if (args)
        json_object_set(msg, "args", (json_t *)args);
    char *text = json_dumps(msg, JSON_COMPACT);
    if (!text)
        g_error("json_dumps: out of memory");
    size_t len = strlen(text);
    if (len > CLIENT_MESSAGE_MAX) {
        free(text);
        g_set_error(error, PACTA_DESK_ERROR, PACTA_DESK_ERROR_TOO_LARGE,
                    "The request is too large to send (%zu bytes)", len);
        return FALSE;
    }
    PactaPending *p = g_new0(PactaPending, 1);
    p->id = id;
    p->task = task ? g_object_ref(task) : NULL;
    p->internal = internal;
    g_hash_table_insert(self->pending, &p->id, p);
    pacta__connection_queue_frame(self, text, len);
    free(text);
    return TRUE;
}

static void fail_all_pending(PactaConnection *self, const char *message)
{
    GHashTable *old = self->pending;
    self->pending = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, pending_free);
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, old);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        PactaPending *p = value;
        if (p->task)
            g_task_return_new_error(p->task, PACTA_DESK_ERROR, PACTA_DESK_ERROR_DISCONNECTED, "%s",
                                    message);
    }
    g_hash_table_unref(old);
    self->in_flight = 0;
}

/* ---- the protocol state machine ------------------------------------------------ */

static void send_auth(PactaConnection *self);
static void send_subscribe(PactaConnection *self);
static void schedule_retry(PactaConnection *self, guint close_code);

static void complete_login(PactaConnection *self, GError *error)
{
    GTask *task = g_steal_pointer(&self->login_task);
    if (self->login_password) {
        memset(self->login_password, 0, strlen(self->login_password));
        g_clear_pointer(&self->login_password, g_free);
    }
    if (!task) {
        g_clear_error(&error);
        return;
    }
    if (error)
        g_task_return_error(task, error);
    else
        g_task_return_boolean(task, TRUE);
    g_object_unref(task);
}

/* Gives up on the current socket (if any) and goes to STOPPED. */
static void stop(PactaConnection *self, const char *reason)
{
    cancel_retry_timer(self);
    pacta__connection_orphan_socket(self);
    fail_all_pending(self, "Not connected to the server");
    set_retry(self, 0, 0);
    set_stop_reason(self, reason);
    pacta__connection_set_state(self, PACTA_CONNECTION_STOPPED);
}

static void on_subscribe(PactaConnection *self, const json_t *result, const json_t *error)
{
    if (error) {
        const char *field = json_string_value(json_object_get(error, "field"));
        if (g_strcmp0(field, "since") == 0 && self->have_since) {
            /* The server's log is not the one we followed: start over (§9). */
            g_message("server refused since=%" G_GINT64_FORMAT "; reloading", self->last_seq);
            self->have_since = FALSE;
            send_subscribe(self);
            return;
        }
        const char *msg = json_string_value(json_object_get(error, "message"));
        complete_login(self, g_error_new(PACTA_DESK_ERROR, PACTA_DESK_ERROR_PROTOCOL,
                                         "subscribe failed: %s", msg ? msg : "?"));
        stop(self, "The server refused the subscription");
        return;
    }
    gint64 head = json_integer_value(json_object_get(result, "head"));
    gboolean resumed = self->have_since;
    const char *today = json_string_value(json_object_get(result, "today"));
    pacta__connection_set_string(&self->server_today, today ? today : "");
    if (!resumed) {
        self->last_seq = head;
        self->have_since = TRUE;
        pacta__connection_notify(self, PROP_LAST_SEQ);
    }
    set_retry(self, 0, 0);
    set_stop_reason(self, NULL);
    pacta__connection_set_state(self, PACTA_CONNECTION_CONNECTED);
    g_signal_emit(self, signals[SIG_SUBSCRIBED], 0, head, resumed);
    complete_login(self, NULL);
    pacta__connection_request_writable(self); /* user requests may be waiting */
}

static void send_subscribe(PactaConnection *self)
{
    json_auto_t *args = json_object();
    if (self->have_since)
        json_object_set_new(args, "since", json_integer(self->last_seq));
    enqueue_request(self, "subscribe", args, NULL, on_subscribe, NULL);
}

static void on_auth(PactaConnection *self, const json_t *result, const json_t *error)
{
    if (error) {
        const char *code = json_string_value(json_object_get(error, "code"));
        const char *msg = json_string_value(json_object_get(error, "message"));
        if (g_strcmp0(code, "rate_limited") == 0 || g_strcmp0(code, "unavailable") == 0) {
            /* Busy server: not the user's fault; try again later. */
            if (!self->login_task) {
                pacta__connection_orphan_socket(self);
                schedule_retry(self, 1013);
                return;
            }
        }
        gboolean was_login = self->login_task != NULL;
        g_clear_pointer(&self->token, g_free);
        complete_login(self, g_error_new(PACTA_DESK_ERROR, pacta_desk_error_from_code(code), "%s",
                                         msg ? msg : "login failed"));
        /* A refused login is reported by login_finish; a refused resume
         * happens behind the user's back and needs the reason shown. */
        stop(self, was_login ? NULL : "Your session has expired. Log in again.");
        return;
    }
    const char *token = json_string_value(json_object_get(result, "token"));
    if (token)
        pacta__connection_set_string(&self->token, token);
    set_user(self, json_object_get(result, "user"));
    send_subscribe(self);
}

static void send_auth(PactaConnection *self)
{
    json_auto_t *args = json_object();
    if (self->login_password) {
        json_object_set_new(args, "username", json_string(self->login_username));
        json_object_set_new(args, "password", json_string(self->login_password));
        json_object_set_new(args, "client", json_string(self->client_name));
        enqueue_request(self, "auth.login", args, NULL, on_auth, NULL);
    } else {
        json_object_set_new(args, "token", json_string(self->token));
        json_object_set_new(args, "client", json_string(self->client_name));
        enqueue_request(self, "auth.resume", args, NULL, on_auth, NULL);
    }
}

static gboolean retry_cb(gpointer data)
{
    PactaConnection *self = data;
    g_clear_pointer(&self->retry_source, g_source_unref);
    pacta__connection_connect(self);
    return G_SOURCE_REMOVE;
}

static void schedule_retry(PactaConnection *self, guint close_code)
{
    cancel_retry_timer(self);
    guint attempt = self->attempt + 1;
    guint delay;
    /* A slow consumer reconnects at once the first time (§10). */
    if (close_code == 4000 && attempt == 1)
        delay = 0;
    else
        delay = pacta_backoff_delay_ms(attempt, self->backoff_base_ms, self->backoff_max_ms,
                                       g_random_double());
    set_retry(self, g_get_real_time() + (gint64)delay * 1000, attempt);
    pacta__connection_set_state(self, PACTA_CONNECTION_WAITING);
    self->retry_source = g_timeout_source_new(delay);
    g_source_set_callback(self->retry_source, retry_cb, self, NULL);
    g_source_attach(self->retry_source, self->main_context);
}

/* The socket of the current generation went away (or never came up). */
static void handle_close(PactaConnection *self, guint code, const char *reason, gboolean opened)
{
    g_debug("closed: %u %s (opened %d)", code, reason ? reason : "", opened);
    pacta__connection_forget_socket(self);
    fail_all_pending(self, "The connection to the server was lost");
    g_signal_emit(self, signals[SIG_CLOSED], 0, code, reason ? reason : "");

    if (code == 4001 || code == 4002) {
        g_clear_pointer(&self->token, g_free);
        complete_login(self, g_error_new(PACTA_DESK_ERROR,
                                         code == 4001 ? PACTA_DESK_ERROR_SESSION_ENDED
                                                      : PACTA_DESK_ERROR_KICKED,
                                         "%s", reason ? reason : ""));
        stop(self, code == 4001 ? "Your session ended (logged out elsewhere). Log in again."
                                : "Disconnected by an administrator.");
        return;
    }
    if (self->login_task) {
        /* The first connect of a login: report it, do not retry behind the user's back. */
        g_autofree char *msg =
            g_strdup_printf("Could not connect to %s: %s", self->url,
                            reason && *reason ? reason : (opened ? "connection closed" : "failed"));
        complete_login(self, g_error_new(PACTA_DESK_ERROR, PACTA_DESK_ERROR_CONNECT, "%s", msg));
        stop(self, msg);
        return;
    }
    if (!self->token) {
        stop(self, NULL);
        return;
    }
    if (code == 1002 || code == 1003 || code == 1007 || code == 1009)
        g_warning("the server closed with %u (%s): a client bug", code, reason ? reason : "");
    schedule_retry(self, code);
}

static void handle_response(PactaConnection *self, json_t *msg)
{
    json_t *jid = json_object_get(msg, "id");
    if (!json_is_integer(jid)) {
        g_warning("response without a usable id: dropped");
        return;
    }
    gint64 id = json_integer_value(jid);
    PactaPending *p = g_hash_table_lookup(self->pending, &id);
    if (!p) {
        g_debug("response to unknown request %" G_GINT64_FORMAT, id);
        return;
    }
    g_hash_table_steal(self->pending, &id);
    if (self->in_flight > 0)
        self->in_flight--;
    gboolean ok = json_is_true(json_object_get(msg, "ok"));
    json_t *result = json_object_get(msg, "result");
    json_t *error = json_object_get(msg, "error");
    if (p->internal) {
        p->internal(self, ok ? result : NULL, ok ? NULL : (error ? error : json_object()));
    } else if (p->task) {
        if (ok) {
            g_task_return_pointer(p->task, json_incref(result ? result : json_object()),
                                  (GDestroyNotify)json_decref);
        } else {
            const char *code = json_string_value(json_object_get(error, "code"));
            const char *text = json_string_value(json_object_get(error, "message"));
            g_task_set_task_data(p->task, json_incref(error), (GDestroyNotify)json_decref);
            g_task_return_new_error(p->task, PACTA_DESK_ERROR, pacta_desk_error_from_code(code),
                                    "%s", text ? text : (code ? code : "error"));
        }
    }
    pending_free(p);
    pacta__connection_request_writable(self);
}

static void handle_event(PactaConnection *self, json_t *msg)
{
    const char *name = json_string_value(json_object_get(msg, "event"));
    json_t *jseq = json_object_get(msg, "seq");
    gint64 seq = json_is_integer(jseq) ? json_integer_value(jseq) : 0;
    json_t *data = json_object_get(msg, "data");
    if (!name)
        return;
    if (seq > 0 && seq <= self->last_seq) {
        g_debug("duplicate event seq %" G_GINT64_FORMAT " skipped", seq);
        return;
    }
    const char *today = json_string_value(json_object_get(data, "today"));
    if (g_str_equal(name, "server.day") && today)
        pacta__connection_set_string(&self->server_today, today);
    json_auto_t *empty = json_object();
    g_signal_emit(self, signals[SIG_EVENT], g_quark_from_string(name), name, seq,
                  data ? data : empty);
    /* Applied: from now on a resume asks only for what follows. */
    if (seq > self->last_seq) {
        self->last_seq = seq;
        pacta__connection_notify(self, PROP_LAST_SEQ);
    }
}

static void handle_message(PactaConnection *self, const char *text, size_t len)
{
    json_error_t jerr;
    json_auto_t *msg = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(msg)) {
        g_warning("unparsable server message: %s", jerr.text);
        return;
    }
    if (json_object_get(msg, "ok"))
        handle_response(self, msg);
    else if (json_object_get(msg, "event"))
        handle_event(self, msg);
}

static gboolean inbox_dispatch(gpointer data)
{
    PactaConnection *self = data;
    g_object_ref(self);
    for (int n = 0; n < INBOX_BATCH; n++) {
        PactaInboxItem *item = g_queue_pop_head(&self->inbox);
        if (!item)
            break;
        if (item->gen == self->gen) {
            if (item->is_close)
                handle_close(self, item->close_code, item->text, item->opened);
            else if (!item->text)
                pacta__connection_established(self);
            else
                handle_message(self, item->text, item->len);
        }
        g_free(item->text);
        g_free(item);
    }
    gboolean more = !g_queue_is_empty(&self->inbox);
    if (!more)
        g_clear_pointer(&self->inbox_source, g_source_unref);
    g_object_unref(self);
    return more ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

void pacta__connection_inbox_push(PactaConnection *self, PactaInboxItem *item)
{
    g_queue_push_tail(&self->inbox, item);
    if (!self->inbox_source) {
        self->inbox_source = g_idle_source_new();
        g_source_set_priority(self->inbox_source, G_PRIORITY_DEFAULT);
        g_source_set_callback(self->inbox_source, inbox_dispatch, self, NULL);
        g_source_attach(self->inbox_source, self->main_context);
    }
}

/* Called by the socket layer when the websocket is up. */
void pacta__connection_established(PactaConnection *self)
{
    pacta__connection_set_state(self, PACTA_CONNECTION_AUTHENTICATING);
    send_auth(self);
}

/* ---- public API -------------------------------------------------------------------- */

void pacta_connection_login_async(PactaConnection *self, const char *username, const char *password,
                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data)
{
    g_return_if_fail(PACTA_IS_CONNECTION(self));
    g_return_if_fail(username && password);
    GTask *task = g_task_new(self, cancellable, callback, user_data);
    g_task_set_source_tag(task, pacta_connection_login_async);
    if (self->login_task)
        complete_login(self,
                       g_error_new(G_IO_ERROR, G_IO_ERROR_CANCELLED, "Replaced by a newer login"));
    stop(self, NULL);
    g_clear_pointer(&self->token, g_free);
    set_user(self, NULL);
    self->have_since = FALSE;
    self->last_seq = 0;
    pacta__connection_notify(self, PROP_LAST_SEQ);
    pacta__connection_set_string(&self->login_username, username);
    pacta__connection_set_string(&self->login_password, password);
    self->login_task = task;
    if (cancellable)
        g_cancellable_connect(cancellable, G_CALLBACK(pacta__connection_login_cancelled), self,
                              NULL);
    pacta__connection_connect(self);
}

void pacta__connection_login_cancelled(GCancellable *cancellable, gpointer data)
{
    (void)cancellable;
    PactaConnection *self = data;
    /* May run in the middle of anything: act from the main loop. */
    g_idle_add_full(G_PRIORITY_DEFAULT, pacta__connection_login_cancel_idle, g_object_ref(self),
                    g_object_unref);
}

gboolean pacta__connection_login_cancel_idle(gpointer data)
{
    PactaConnection *self = data;
    if (self->login_task && g_cancellable_is_cancelled(g_task_get_cancellable(self->login_task))) {
        complete_login(self, g_error_new(G_IO_ERROR, G_IO_ERROR_CANCELLED, "Login cancelled"));
        stop(self, NULL);
    }
    return G_SOURCE_REMOVE;
}

gboolean pacta_connection_login_finish(PactaConnection *self, GAsyncResult *result, GError **error)
{
    g_return_val_if_fail(g_task_is_valid(result, self), FALSE);
    return g_task_propagate_boolean(G_TASK(result), error);
}

static void on_logout(PactaConnection *self, const json_t *result, const json_t *error)
{
    (void)result;
    (void)error;
    GTask *task = g_steal_pointer(&self->logout_task);
    g_clear_pointer(&self->token, g_free);
    stop(self, NULL);
    set_user(self, NULL);
    if (task) {
        g_task_return_boolean(task, TRUE);
        g_object_unref(task);
    }
}

void pacta_connection_logout_async(PactaConnection *self, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
    g_return_if_fail(PACTA_IS_CONNECTION(self));
    GTask *task = g_task_new(self, cancellable, callback, user_data);
    g_task_set_source_tag(task, pacta_connection_logout_async);
    if (self->state == PACTA_CONNECTION_CONNECTED && !self->logout_task) {
        self->logout_task = task;
        enqueue_request(self, "auth.logout", NULL, NULL, on_logout, NULL);
        return;
    }
    g_clear_pointer(&self->token, g_free);
    stop(self, NULL);
    set_user(self, NULL);
    g_task_return_boolean(task, TRUE);
    g_object_unref(task);
}

gboolean pacta_connection_logout_finish(PactaConnection *self, GAsyncResult *result, GError **error)
{
    g_return_val_if_fail(g_task_is_valid(result, self), FALSE);
    return g_task_propagate_boolean(G_TASK(result), error);
}

void pacta_connection_request_async(PactaConnection *self, const char *op, const json_t *args,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data)
{
    g_return_if_fail(PACTA_IS_CONNECTION(self));
    g_return_if_fail(op != NULL);
    g_autoptr(GTask) task = g_task_new(self, cancellable, callback, user_data);
    g_task_set_source_tag(task, pacta_connection_request_async);
    g_task_set_return_on_cancel(task, TRUE);
    if (self->state != PACTA_CONNECTION_CONNECTED) {
        g_task_return_new_error(task, PACTA_DESK_ERROR, PACTA_DESK_ERROR_DISCONNECTED,
                                "Not connected to the server");
        return;
    }
    GError *error = NULL;
    if (!enqueue_request(self, op, args, task, NULL, &error))
        g_task_return_error(task, error);
}

json_t *pacta_connection_request_finish(PactaConnection *self, GAsyncResult *result,
                                        json_t **error_detail, GError **error)
{
    g_return_val_if_fail(g_task_is_valid(result, self), NULL);
    if (error_detail) {
        json_t *detail = g_task_get_task_data(G_TASK(result));
        *error_detail = detail ? json_incref(detail) : NULL;
    }
    return g_task_propagate_pointer(G_TASK(result), error);
}

void pacta_connection_close(PactaConnection *self)
{
    g_return_if_fail(PACTA_IS_CONNECTION(self));
    if (self->login_task)
        complete_login(self, g_error_new(G_IO_ERROR, G_IO_ERROR_CANCELLED, "Connection closed"));
    stop(self, NULL);
}

void pacta_connection_reconnect_now(PactaConnection *self)
{
    g_return_if_fail(PACTA_IS_CONNECTION(self));
    if (self->state != PACTA_CONNECTION_WAITING)
        return;
    cancel_retry_timer(self);
    set_retry(self, g_get_real_time(), self->attempt);
    pacta__connection_connect(self);
}

void pacta_connection_drop(PactaConnection *self)
{
    g_return_if_fail(PACTA_IS_CONNECTION(self));
    if (self->state != PACTA_CONNECTION_CONNECTED)
        return;
    pacta__connection_orphan_socket(self);
    PactaInboxItem *item = g_new0(PactaInboxItem, 1);
    item->gen = self->gen;
    item->is_close = TRUE;
    item->close_code = 1006;
    item->text = g_strdup("dropped");
    item->opened = TRUE;
    pacta__connection_inbox_push(self, item);
}

static void pacta_connection_dispose(GObject *object)
{
    PactaConnection *self = PACTA_CONNECTION(object);
    if (self->login_task)
        complete_login(self, g_error_new(G_IO_ERROR, G_IO_ERROR_CANCELLED, "Connection destroyed"));
    if (self->logout_task) {
        g_task_return_boolean(self->logout_task, TRUE);
        g_clear_object(&self->logout_task);
    }
    cancel_retry_timer(self);
    if (self->pending)
        fail_all_pending(self, "Connection destroyed");
    pacta__connection_destroy_context(self);
    if (self->inbox_source) {
        g_source_destroy(self->inbox_source);
        g_clear_pointer(&self->inbox_source, g_source_unref);
    }
    PactaInboxItem *item;
    while ((item = g_queue_pop_head(&self->inbox))) {
        g_free(item->text);
        g_free(item);
    }
    G_OBJECT_CLASS(pacta_connection_parent_class)->dispose(object);
}

static void pacta_connection_finalize(GObject *object)
{
    PactaConnection *self = PACTA_CONNECTION(object);
    g_clear_pointer(&self->pending, g_hash_table_unref);
    g_clear_pointer(&self->live_wsis, g_hash_table_unref);
    g_free(self->url);
    g_free(self->ca_file);
    g_free(self->client_name);
    g_free(self->username);
    g_free(self->display_name);
    g_free(self->server_today);
    g_free(self->role);
    g_free(self->stop_reason);
    g_free(self->token);
    g_free(self->login_username);
    g_free(self->login_password);
    g_main_context_unref(self->main_context);
    G_OBJECT_CLASS(pacta_connection_parent_class)->finalize(object);
}

static void pacta_connection_class_init(PactaConnectionClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    object_class->dispose = pacta_connection_dispose;
    object_class->finalize = pacta_connection_finalize;

    pacta__connection_install_properties(object_class);

    signals[SIG_EVENT] =
        g_signal_new("event", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED, 0,
                     NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_INT64, G_TYPE_POINTER);
    signals[SIG_SUBSCRIBED] =
        g_signal_new("subscribed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                     G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_BOOLEAN);
    signals[SIG_CLOSED] =
        g_signal_new("closed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                     G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_STRING);
}

static void pacta_connection_init(PactaConnection *self)
{
    self->main_context = g_main_context_ref_thread_default();
    self->url = g_strdup("");
    self->ca_file = g_strdup("");
    self->client_name = g_strdup("pacta-desk/" PACTA_VERSION);
    self->username = g_strdup("");
    self->display_name = g_strdup("");
    self->server_today = g_strdup("");
    self->role = g_strdup("");
    self->backoff_base_ms = PACTA_BACKOFF_BASE_MS;
    self->backoff_max_ms = PACTA_BACKOFF_MAX_MS;
    self->pending = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, pending_free);
    g_queue_init(&self->inbox);
    self->live_wsis = g_hash_table_new(g_direct_hash, g_direct_equal);
    g_queue_init(&self->outbox);
}

PactaConnection *pacta_connection_new(void)
{
    return g_object_new(PACTA_TYPE_CONNECTION, NULL);
}