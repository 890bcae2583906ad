/*
 * Internals shared by the pacta-client files: the connection struct and the
 * transport under the websocket framing (URL parsing, TCP with deadlines,
 * TLS pinned to one CA, raw TLS I/O).  Not a public API: see client.h.
 */
#ifndef PACTA_CTL_WS_PRIVATE_H
#define PACTA_CTL_WS_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "client.h"

struct ctl_ws {
    int fd;
    SSL_CTX *ctx;
    SSL *ssl;
    /* Bytes read from TLS but not yet parsed into frames. */
    unsigned char *in;
    size_t in_len, in_cap;
    /* The message being reassembled from fragments (opcode 0 = none). */
    unsigned char *msg;
    size_t msg_len, msg_cap;
    int msg_opcode;
    int close_code; /* 0 while open */
    char close_reason[124];
    int close_sent;
    int broken;     /* transport failed: no more I/O */
    int cert_asked; /* the server asked for a client certificate we did not have */
    int pipe_guard; /* SIGPIPE was not ignored at connect: block it around TLS I/O */
};

struct url {
    char host[256]; /* without brackets */
    char port[8];
    char path[512];
    int is_ip;
};

void *ctl__xrealloc(void *p, size_t n); /* aborts when out of memory */
/* " (it asks for a client certificate: ...)" when a server in mTLS mode
 * asked for one we did not have (TLS 1.3 lets the client see the refusal
 * only when it next reads or writes), else "". */
const char *ctl__cert_hint(const struct ctl_ws *ws);
void ctl__seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Deadline for a timeout in ms; < 0 means none (-1). */
int64_t ctl__deadline_of(int timeout_ms);
/* ms left until the deadline (for poll), -1 for none. */
int ctl__remaining(int64_t deadline);
/* poll() one fd until the deadline: 1 ready, 0 timeout, -1 error. */
int ctl__wait_fd(int fd, short events, int64_t deadline);
/* wss://HOST[:PORT][/PATH] (https:// too, for the HTTP endpoints). */
int ctl__parse_url(const char *s, struct url *u, char *err, size_t errlen);
/* A connected non-blocking TCP socket, or -1 with err set; from source (an
 * IP literal) when not NULL. */
int ctl__tcp_connect(const struct url *u, const char *source, int64_t deadline, char *err,
                     size_t errlen);
/* TLS on ws->fd, verified against ca_file only and the URL's host/IP. */
int ctl__tls_setup(struct ctl_ws *ws, const struct url *u, const struct ctl_ws_options *o,
                   int64_t deadline, char *err, size_t errlen);
/* Writes all of buf: 0, or -1 (connection marked broken). */
int ctl__tls_write_all(struct ctl_ws *ws, const void *buf, size_t len, int64_t deadline);
/* Reads into ws->in: 1 read something, 0 timeout, -1 EOF, -2 error. */
int ctl__tls_fill(struct ctl_ws *ws, int64_t deadline);
/* Drops the first n bytes of ws->in. */
void ctl__in_consume(struct ctl_ws *ws, size_t n);
/* One attempt at sending close_notify (never raises SIGPIPE). */
void ctl__tls_shutdown(struct ctl_ws *ws);

#endif
