/*
 * pacta-client: a small blocking wss client for pactactl and the tests.
 *
 * It is a real RFC 6455 client over OpenSSL TLS: it verifies the server
 * certificate against one pinned CA file only (never the OS store) and the
 * host name, sends masked frames, reassembles fragments, answers pings and
 * reports the peer's close code.  One thread per client; no callbacks.
 */
#ifndef PACTA_CTL_CLIENT_H
#define PACTA_CTL_CLIENT_H

#include <stddef.h>

#include <jansson.h>

/* ---- raw websocket ------------------------------------------------------- */
struct ctl_ws;

struct ctl_ws_options {
    const char *url;            /* wss://HOST:PORT[/PATH] */
    const char *ca_file;        /* PEM CA to pin; required */
    const char *subprotocol;    /* NULL -> "pacta.v1"; "" -> none offered */
    int timeout_ms;             /* connect + TLS + handshake */
    const char *origin;         /* an Origin header to send (browsers do), or NULL */
    const char *cert_file;      /* a client certificate (PEM chain) for mTLS, or NULL */
    const char *key_file;       /* its key; NULL: in cert_file */
    const char *source_address; /* local IP to connect from (tests: 127.0.0.2), or NULL */
};

/* 0 on success; < 0 with a one-line reason in err. */
int ctl_ws_connect(const struct ctl_ws_options *o, struct ctl_ws **out, char *err, size_t errlen);
int ctl_ws_send_text(struct ctl_ws *ws, const char *buf, size_t len);
/* A raw frame with any opcode/FIN bit (tests use it for fragments, binary,
 * bad UTF-8).  0 or < 0. */
int ctl_ws_send_frame(struct ctl_ws *ws, int opcode, int fin, const void *buf, size_t len);
/*
 * Waits up to timeout_ms for one whole message.  Returns 1 with *msg
 * (malloc'd, NUL-terminated, caller frees) and *len; 0 on timeout; -1 when
 * the peer closed (see ctl_ws_close_code); -2 on a transport error.
 */
int ctl_ws_recv(struct ctl_ws *ws, int timeout_ms, char **msg, size_t *len);
int ctl_ws_close_code(const struct ctl_ws *ws); /* 0 until closed; 1006 if no close frame */
const char *ctl_ws_close_reason(const struct ctl_ws *ws); /* "" if none */
/* Sends a close frame with code (if still open) and frees everything. */
void ctl_ws_close(struct ctl_ws *ws, int code);
/* Drops the TCP connection without a close frame (simulates a crash). */
void ctl_ws_abort(struct ctl_ws *ws);

/* ---- plain HTTPS (the server's /healthz, /readyz, /metrics) ---------------- */
/*
 * GET o->url's host and port at `path` over TLS pinned to o->ca_file, with
 * "Authorization: Bearer <bearer>" when bearer is not NULL.  Returns 0 with
 * the HTTP *status and *body (malloc'd, NUL-terminated), or < 0 with err.
 */
int ctl_https_get(const struct ctl_ws_options *o, const char *path, const char *bearer, int *status,
                  char **body, char *err, size_t errlen);

/* ---- request/response on top --------------------------------------------- */
struct ctl_client;

int ctl_client_connect(const struct ctl_ws_options *o, struct ctl_client **out, char *err,
                       size_t errlen);
struct ctl_ws *ctl_client_ws(struct ctl_client *c);
/*
 * Sends {"id":n,"op":op,"args":args} and waits for the response with id n;
 * events arriving meanwhile are queued for ctl_client_next_event().
 * Returns 0 with *response (the whole response frame, new reference), or
 * < 0 on timeout (-1) or a closed/broken connection (-2).
 */
int ctl_client_call(struct ctl_client *c, const char *op, json_t *args_steal, int timeout_ms,
                    json_t **response);
/* Convenience: call, and on "ok": true return 0 with *result (new ref);
 * on an error response return 1 with *result = the "error" object. */
int ctl_client_request(struct ctl_client *c, const char *op, json_t *args_steal, int timeout_ms,
                       json_t **result);
/* auth.login; 0 on ok, 1 on an error response (error in *error if non-NULL), < 0 transport. */
int ctl_client_login(struct ctl_client *c, const char *user, const char *password, json_t **error);
/* Next event frame: 1 with *event (new ref), 0 on timeout, < 0 closed. */
int ctl_client_next_event(struct ctl_client *c, int timeout_ms, json_t **event);
/* How many events are queued.  Right after ctl_client_request returns,
 * these all arrived before its response: a snapshot it answered (a list)
 * is newer than they are. */
size_t ctl_client_queued(const struct ctl_client *c);
void ctl_client_close(struct ctl_client *c);
/* Drops the connection without a close frame (a lost network, for tests)
 * and frees the client. */
void ctl_client_abort(struct ctl_client *c);

#endif
