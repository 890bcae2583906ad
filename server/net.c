/*
 * The network side of pactad: a libwebsockets context running on the
 * server's own libuv loop (LWS_SERVER_OPTION_LIBUV with a foreign loop), TLS
 * always, one websocket protocol "pacta.v1".  This file turns lws callbacks
 * into session events: connect, one whole message, writable, closed.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "srv.h"

/* Mozilla "intermediate" TLS 1.2 suites; TLS 1.3 suites are OpenSSL's defaults. */
static const char tls12_ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";
static const char tls13_ciphers[] =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

/* Idle connections are pinged after 30 s and dropped 30 s later without a pong. */
static const lws_retry_bo_t idle_policy = {
    .secs_since_valid_ping = 30,
    .secs_since_valid_hangup = 60,
};

/* 1 if the comma-separated Sec-WebSocket-Protocol header offers pacta.v1. */
static int offers_subprotocol(struct lws *wsi)
{
    char buf[256];
    if (lws_hdr_copy(wsi, buf, sizeof buf, WSI_TOKEN_PROTOCOL) <= 0)
        return 0;
    for (char *save = NULL, *tok = strtok_r(buf, ", ", &save); tok;
         tok = strtok_r(NULL, ", ", &save))
        if (strcmp(tok, PACTA_SUBPROTOCOL) == 0)
            return 1;
    return 0;
}

/*
 * Desktop clients send no Origin; a browser always does.  A handshake with
 * an Origin must name one the operator allowed (--allow-origin), so a page
 * on another site cannot ride a user's network position to the server.
 */
static int origin_allowed(struct srv *srv, struct lws *wsi)
{
    char origin[256];
    if (lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) <= 0)
        return 1;
    /* lws_hdr_copy gives -1 for one longer than the buffer: a site with a
     * long name is still a foreign site (no allowed origin is that long) */
    int n = lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN);
    if (n <= 0) {
        srv_log(SRV_LOG_WARN, "origin refused: too long");
        return 0;
    }
    const char *list = srv->cfg->allowed_origins;
    size_t len = (size_t)n;
    for (const char *p = list; p && *p;) {
        size_t item = strcspn(p, ",");
        if (item == len && strncmp(p, origin, len) == 0)
            return 1;
        p += item + (p[item] == ',');
    }
    srv_logf(SRV_LOG_WARN, "origin refused", "{s:s}", "origin", origin);
    return 0;
}

/*
 * Assembles fragments into one message, enforcing the size limit as bytes
 * arrive (lws itself does not limit message size, DESIGN §9).  Returns -1
 * when the connection must close (close reason already set).
 */
static int on_receive(struct srv_session *s, struct lws *wsi, const void *in, size_t len)
{
    if (lws_frame_is_binary(wsi)) {
        static const char r[] = "binary frames are not supported";
        lws_close_reason(wsi, LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE, (unsigned char *)r,
                         sizeof r - 1);
        return -1;
    }
    if (lws_is_first_fragment(wsi))
        s->rx_len = 0;
    if (lws_is_first_fragment(wsi) && lws_is_final_fragment(wsi) &&
        !lws_remaining_packet_payload(wsi) && len <= PACTA_MAX_MESSAGE_BYTES) {
        /*
         * The usual case, a whole message in one callback: handled in
         * place (the parser takes a length), so an idle connection keeps
         * no reassembly buffer (bench/RESULTS.md, memory per connection).
         */
        s->msgs_in++;
        s->bytes_in += len;
        s->srv->metrics.messages_in++;
        s->srv->metrics.bytes_in += len;
        s->last_activity_ms = srv_clock_now_ms();
        s->admin_dirty = 1;
        srv__ops_handle(s, in, len);
        return 0;
    }
    size_t total = s->rx_len + len + lws_remaining_packet_payload(wsi);
    if (total > PACTA_MAX_MESSAGE_BYTES) {
        static const char r[] = "message too big";
        srv_logf(SRV_LOG_WARN, "message too big", "{s:I,s:I}", "session", (json_int_t)s->id,
                 "bytes", (json_int_t)total);
        lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, (unsigned char *)r, sizeof r - 1);
        return -1;
    }
    if (s->rx_len + len + 1 > s->rx_cap) {
        size_t cap = s->rx_cap ? s->rx_cap : 4096;
        while (cap < s->rx_len + len + 1)
            cap *= 2;
        char *p = realloc(s->rx, cap);
        if (!p)
            abort();
        s->rx = p;
        s->rx_cap = cap;
    }
    memcpy(s->rx + s->rx_len, in, len);
    s->rx_len += len;
    if (!lws_is_final_fragment(wsi))
        return 0;
    s->rx[s->rx_len] = '\0';
    s->msgs_in++;
    s->bytes_in += s->rx_len;
    s->srv->metrics.messages_in++;
    s->srv->metrics.bytes_in += s->rx_len;
    s->last_activity_ms = srv_clock_now_ms();
    s->admin_dirty = 1;
    srv__ops_handle(s, s->rx, s->rx_len);
    s->rx_len = 0;
    /* give a large buffer back after a large message */
    if (s->rx_cap > 16384) {
        free(s->rx);
        s->rx = NULL;
        s->rx_cap = 0;
    }
    return 0;
}

static int callback_pacta(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                          size_t len)
{
    struct srv_pss *pss = user;
    struct srv *srv = lws_context_user(lws_get_context(wsi));

    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        /* refuse upgrades that do not speak pacta.v1, come from a page of
         * another site (cross-site websocket hijacking), or arrive during shutdown */
        if (!srv || srv->shutting_down || !offers_subprotocol(wsi) || !origin_allowed(srv, wsi))
            return 1;
        return 0;

    case LWS_CALLBACK_ESTABLISHED:
        if (!pss)
            return -1;
        pss->s = srv__session_new(srv, wsi);
        srv_logf(SRV_LOG_INFO, "connection opened", "{s:I,s:s}", "session", (json_int_t)pss->s->id,
                 "peer", pss->s->peer);
        if (!srv__limits_address_ok(pss->s))
            srv__session_close(pss->s, PACTA_CLOSE_POLICY, "too many connections from this address",
                               0);
        return 0;

    case LWS_CALLBACK_RECEIVE:
        if (!pss || !pss->s)
            return -1;
        return on_receive(pss->s, wsi, in, len);

    case LWS_CALLBACK_RECEIVE_PONG:
        if (pss && pss->s && pss->s->ping_sent_ms) {
            pss->s->rtt_ms = (int64_t)(srv__now_ms() - pss->s->ping_sent_ms);
            pss->s->ping_sent_ms = 0;
            pss->s->admin_dirty = 1;
        }
        return 0;

    case LWS_CALLBACK_SERVER_WRITEABLE:
        if (!pss || !pss->s)
            return -1;
        return srv__session_writeable(pss->s);

    case LWS_CALLBACK_CLOSED:
        if (pss && pss->s) {
            srv__session_closed(pss->s);
            pss->s = NULL;
        }
        return 0;

    case LWS_CALLBACK_OPENSSL_PERFORM_CLIENT_CERT_VERIFICATION:
        /* mTLS: lws asks us, and whatever we return wins over OpenSSL's own
         * verdict (len carries it: preverify_ok), so pass that on */
        if (!len)
            srv_log(SRV_LOG_WARN, "client certificate refused");
        return len ? 0 : 1;

    /* lws has no per-session data for a connection that failed before HTTP
     * (a refused TLS handshake still ends in CLOSED_HTTP, with user NULL) */
    case LWS_CALLBACK_HTTP:
        return pss ? srv__http_request(srv, wsi, pss, in ? (const char *)in : "/") : -1;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return pss ? srv__http_writeable(wsi, pss) : -1;
    case LWS_CALLBACK_CLOSED_HTTP:
        if (pss)
            srv__http_closed(pss);
        return 0;

    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
    {
        .name = PACTA_SUBPROTOCOL,
        .callback = callback_pacta,
        .per_session_data_size = sizeof(struct srv_pss),
        /*
         * lws mallocs rx_buffer_size + LWS_PRE for every websocket, for
         * its whole life: 4 KiB holds a typical request in one callback
         * (bigger ones are reassembled in on_receive) and saves 12 KiB per
         * idle connection over 16 KiB.  lws also caps each send() at this
         * size unless tx_packet_size is set: keep sends at 16 KiB.
         */
        .rx_buffer_size = 4096,
        .tx_packet_size = 16384,
    },
    {0}, /* lws 4.1.6 has no LWS_PROTOCOL_LIST_TERM */
};

static void lws_log_to_json(int level, const char *line)
{
    char msg[256];
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        n--;
    snprintf(msg, sizeof msg, "%.*s", (int)n, line);
    /* out of descriptors: the waiting connection refused, logged there */
    if (srv__net_fds_accept_failed(msg))
        return;
    enum srv_log_level lvl = level == LLL_ERR ? SRV_LOG_ERROR : SRV_LOG_WARN;
    /* lws 4.1.6 reports a peer's close answer arriving after our close as an error */
    if (strstr(msg, "LRS_DEAD_SOCKET") || !(level & (LLL_ERR | LLL_WARN)))
        lvl = SRV_LOG_DEBUG;
    srv_logf(lvl, "libwebsockets", "{s:s}", "detail", msg);
}

int srv__net_start(struct srv *srv)
{
    struct lws_context_creation_info info;
    void *loops[1] = {srv->loop};

    lws_set_log_level(getenv("PACTA_LWS_DEBUG") ? 0xffff : (LLL_ERR | LLL_WARN), lws_log_to_json);
    memset(&info, 0, sizeof info);
    info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT |
                   LWS_SERVER_OPTION_VALIDATE_UTF8 | LWS_SERVER_OPTION_DISABLE_IPV6 |
                   LWS_SERVER_OPTION_HTTP_HEADERS_SECURITY_BEST_PRACTICES_ENFORCE;
    info.foreign_loops = loops;
    info.user = srv;
    info.pcontext = &srv->lws;
    info.port = srv->cfg->listen_port; /* 0: the kernel picks, logged below */
    info.iface = srv->cfg->listen_host;
    info.protocols = protocols;
    info.vhost_name = "pactad";
    info.ssl_cert_filepath = srv->cfg->cert_file;
    info.ssl_private_key_filepath = srv->cfg->key_file;
    info.ssl_cipher_list = tls12_ciphers;
    info.tls1_3_plus_cipher_list = tls13_ciphers;
    /* no session tickets: OpenSSL's ticket key would live, unrotated, as long as the process */
    info.ssl_options_set = SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1 | SSL_OP_NO_TICKET;
    info.alpn = "http/1.1"; /* no client speaks h2 to us: do not offer lws's h2 code */
    /* Mozilla intermediate: the client's suite order wins (lws sets the opposite) */
    info.ssl_options_clear = SSL_OP_CIPHER_SERVER_PREFERENCE;
    if (srv->cfg->client_ca) {
        /* mTLS: only clients with a certificate from this CA get past TLS */
        info.ssl_ca_filepath = srv->cfg->client_ca;
        info.options |= LWS_SERVER_OPTION_REQUIRE_VALID_OPENSSL_CLIENT_CERT;
    }
    info.retry_and_idle_policy = &idle_policy;
    /* TLS + HTTP upgrade must finish within this: half-open floods cost little */
    info.timeout_secs = (unsigned int)srv->cfg->handshake_timeout_sec;
    info.timeout_secs_ah_idle = (unsigned int)srv->cfg->handshake_timeout_sec;
    info.server_string = "pactad";

    srv->lws = lws_create_context(&info);
    if (!srv->lws) {
        srv_logf(SRV_LOG_ERROR, "cannot start listener", "{s:s,s:s,s:s,s:i}", "cert",
                 srv->cfg->cert_file, "key", srv->cfg->key_file, "host",
                 srv->cfg->listen_host ? srv->cfg->listen_host : "*", "port",
                 srv->cfg->listen_port);
        return -1;
    }
    srv->vhost = lws_get_vhost_by_name(srv->lws, "pactad");
    srv__net_fds_start(lws_get_vhost_listen_port(srv->vhost));
    return 0;
}

/*
 * With a foreign loop the context is destroyed from inside the loop, and the
 * loop keeps running until lws has closed its handles (DESIGN §9).
 */
void srv__net_stop(struct srv *srv)
{
    if (srv->lws)
        lws_context_destroy(srv->lws);
}

/*
 * After the loop ended: the second lws_context_destroy() frees what the
 * first one could only start closing (lws clears srv->lws through
 * info.pcontext once the context is gone).
 */
void srv__net_finish(struct srv *srv)
{
    if (srv->lws)
        lws_context_destroy(srv->lws);
    srv->lws = NULL;
    srv__net_fds_stop();
}
