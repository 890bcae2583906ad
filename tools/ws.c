/*
 * A blocking RFC 6455 websocket client over OpenSSL, for pactactl and the
 * tests.  One struct ctl_ws is one TLS connection used by one thread.
 *
 * The socket is non-blocking and every wait is a poll() bounded by the
 * caller's timeout, so nothing here can hang forever on a silent peer.  The
 * server certificate is verified against the one CA file given (never the OS
 * store) and against the host name or IP address of the URL.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "ws-private.h"

/* Largest message we accept from the server; a larger one fails the
 * connection with 1009 rather than growing without bound. */
#define WS_MAX_MESSAGE (32u * 1024 * 1024) /* PROTOCOL.md §2: clients accept >= 32 MiB */
#define WS_MAX_HANDSHAKE 16384
#define WS_DEFAULT_TIMEOUT_MS 10000
/* How long close/send wait for a peer that does not read. */
#define WS_WRITE_TIMEOUT_MS 10000
#define WS_CLOSE_WAIT_MS 500

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

enum { OP_CONT = 0, OP_TEXT = 1, OP_BINARY = 2, OP_CLOSE = 8, OP_PING = 9, OP_PONG = 10 };

/* ---- handshake ----------------------------------------------------------- */

static void base64(const unsigned char *in, size_t n, char *out)
{
    EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

static void expected_accept(const char *key, char out[64])
{
    char buf[128];
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    snprintf(buf, sizeof(buf), "%s%s", key, WS_GUID);
    EVP_Digest(buf, strlen(buf), md, &mdlen, EVP_sha1(), NULL);
    base64(md, mdlen, out);
}

/* Value of header `name` in the response head (NUL-terminated, CRLF lines),
 * trimmed, copied into out; 1 if present. */
static int header_value(const char *head, const char *name, char *out, size_t outlen)
{
    size_t nl = strlen(name);
    for (const char *line = strstr(head, "\r\n"); line && line[2]; line = strstr(line, "\r\n")) {
        line += 2;
        if (strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
            const char *v = line + nl + 1, *end = strstr(v, "\r\n");
            if (!end)
                end = v + strlen(v);
            while (v < end && (*v == ' ' || *v == '\t'))
                v++;
            while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
                end--;
            size_t l = (size_t)(end - v);
            if (l >= outlen)
                l = outlen - 1;
            memcpy(out, v, l);
            out[l] = '\0';
            return 1;
        }
    }
    return 0;
}

/* 1 if the comma-separated list `value` contains token (case-insensitive). */
static int has_token(const char *value, const char *token)
{
    size_t tl = strlen(token);
    const char *p = value;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t l = strcspn(p, ",");
        size_t t = l;
        while (t > 0 && p[t - 1] == ' ')
            t--;
        if (t == tl && strncasecmp(p, token, tl) == 0)
            return 1;
        p += l;
    }
    return 0;
}

static int ws_handshake(struct ctl_ws *ws, const struct url *u, const char *proto,
                        const char *origin, int64_t deadline, char *err, size_t errlen)
{
    unsigned char nonce[16];
    char key[32], accept[64], req[2048], hosthdr[300];
    if (RAND_bytes(nonce, sizeof(nonce)) != 1) {
        ctl__seterr(err, errlen, "no randomness for Sec-WebSocket-Key");
        return -1;
    }
    base64(nonce, sizeof(nonce), key);
    if (strchr(u->host, ':'))
        snprintf(hosthdr, sizeof(hosthdr), "[%s]:%s", u->host, u->port);
    else
        snprintf(hosthdr, sizeof(hosthdr), "%s:%s", u->host, u->port);
    int n = snprintf(req, sizeof(req),
                     "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                     "Sec-WebSocket-Version: 13\r\n%s%s%s%s%s%s"
                     "User-Agent: pactactl/" PACTA_VERSION "\r\n\r\n",
                     u->path, hosthdr, key, *proto ? "Sec-WebSocket-Protocol: " : "", proto,
                     *proto ? "\r\n" : "", origin ? "Origin: " : "", origin ? origin : "",
                     origin ? "\r\n" : "");
    if (n < 0 || (size_t)n >= sizeof(req)) {
        ctl__seterr(err, errlen, "handshake request too long");
        return -1;
    }
    if (ctl__tls_write_all(ws, req, (size_t)n, deadline) < 0) {
        ctl__seterr(err, errlen, "handshake failed: connection lost while sending%s",
                    ctl__cert_hint(ws));
        return -1;
    }
    char *end;
    for (;;) {
        end = ws->in_len ? memmem(ws->in, ws->in_len, "\r\n\r\n", 4) : NULL;
        if (end)
            break;
        if (ws->in_len > WS_MAX_HANDSHAKE) {
            ctl__seterr(err, errlen, "handshake failed: response header too large");
            return -1;
        }
        int r = ctl__tls_fill(ws, deadline);
        if (r == 0) {
            ctl__seterr(err, errlen, "handshake timed out");
            return -1;
        }
        if (r < 0) {
            ctl__seterr(err, errlen, "handshake failed: connection closed by server%s",
                        ctl__cert_hint(ws));
            return -1;
        }
    }
    size_t head_len = (size_t)(end - (char *)ws->in) + 4;
    char *head = ctl__xrealloc(NULL, head_len + 1);
    memcpy(head, ws->in, head_len - 2); /* keep the last header's CRLF */
    head[head_len - 2] = '\0';
    ctl__in_consume(ws, head_len); /* anything after the head is frame data */

    int rc = -1, status = 0;
    char val[256];
    if (sscanf(head, "HTTP/1.1 %d", &status) != 1) {
        ctl__seterr(err, errlen, "handshake failed: not an HTTP/1.1 response");
        goto out;
    }
    if (status != 101) {
        ctl__seterr(err, errlen, "handshake status %d", status);
        goto out;
    }
    if (!header_value(head, "Upgrade", val, sizeof(val)) || strcasecmp(val, "websocket") != 0 ||
        !header_value(head, "Connection", val, sizeof(val)) || !has_token(val, "upgrade")) {
        ctl__seterr(err, errlen, "handshake failed: no websocket upgrade in the response");
        goto out;
    }
    expected_accept(key, accept);
    if (!header_value(head, "Sec-WebSocket-Accept", val, sizeof(val)) || strcmp(val, accept)) {
        ctl__seterr(err, errlen, "handshake failed: wrong Sec-WebSocket-Accept");
        goto out;
    }
    int got = header_value(head, "Sec-WebSocket-Protocol", val, sizeof(val));
    if (*proto && (!got || strcmp(val, proto) != 0)) {
        ctl__seterr(err, errlen, "handshake failed: server did not accept subprotocol %s", proto);
        goto out;
    }
    if (!*proto && got) {
        ctl__seterr(err, errlen, "handshake failed: server chose subprotocol %s we did not offer",
                    val);
        goto out;
    }
    rc = 0;
out:
    free(head);
    return rc;
}

int ctl_ws_connect(const struct ctl_ws_options *o, struct ctl_ws **out, char *err, size_t errlen)
{
    struct url u;
    *out = NULL;
    if (!o || !o->ca_file || !*o->ca_file) {
        ctl__seterr(err, errlen, "no CA file given");
        return -1;
    }
    if (ctl__parse_url(o->url, &u, err, errlen) < 0)
        return -1;
    /* A write to a socket the server just closed is an error return, not a
     * process kill: transport.c blocks SIGPIPE around its TLS calls. */
    int64_t deadline = ctl__deadline_of(o->timeout_ms > 0 ? o->timeout_ms : WS_DEFAULT_TIMEOUT_MS);
    struct ctl_ws *ws = ctl__xrealloc(NULL, sizeof(*ws));
    memset(ws, 0, sizeof(*ws));
    ws->fd = ctl__tcp_connect(&u, o->source_address, deadline, err, errlen);
    if (ws->fd < 0)
        goto fail;
    if (ctl__tls_setup(ws, &u, o, deadline, err, errlen) < 0)
        goto fail;
    if (ws_handshake(ws, &u, o->subprotocol ? o->subprotocol : "pacta.v1", o->origin, deadline, err,
                     errlen) < 0)
        goto fail;
    *out = ws;
    return 0;
fail:
    ctl_ws_abort(ws);
    return -1;
}

/* ---- frames -------------------------------------------------------------- */

/* Builds one masked client frame and writes it. */
static int send_frame(struct ctl_ws *ws, int opcode, int fin, const void *buf, size_t len)
{
    if (!ws || ws->broken || ws->close_sent)
        return -1;
    unsigned char *f = ctl__xrealloc(NULL, len + 14);
    size_t h = 0;
    f[h++] = (unsigned char)((fin ? 0x80 : 0) | (opcode & 0x0f));
    if (len < 126) {
        f[h++] = (unsigned char)(0x80 | len);
    } else if (len <= 0xffff) {
        f[h++] = 0x80 | 126;
        f[h++] = (unsigned char)(len >> 8);
        f[h++] = (unsigned char)len;
    } else {
        f[h++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--)
            f[h++] = (unsigned char)((uint64_t)len >> (8 * i));
    }
    unsigned char *mask = f + h;
    if (RAND_bytes(mask, 4) != 1) {
        free(f);
        return -1;
    }
    h += 4;
    const unsigned char *src = buf;
    for (size_t i = 0; i < len; i++)
        f[h + i] = src[i] ^ mask[i & 3];
    int rc = ctl__tls_write_all(ws, f, h + len, ctl__deadline_of(WS_WRITE_TIMEOUT_MS));
    free(f);
    if (rc == 0 && opcode == OP_CLOSE)
        ws->close_sent = 1;
    return rc;
}

int ctl_ws_send_frame(struct ctl_ws *ws, int opcode, int fin, const void *buf, size_t len)
{
    return send_frame(ws, opcode, fin, buf, len);
}

int ctl_ws_send_text(struct ctl_ws *ws, const char *buf, size_t len)
{
    return send_frame(ws, OP_TEXT, 1, buf, len);
}

static int send_close(struct ctl_ws *ws, int code, const char *reason)
{
    unsigned char p[125];
    size_t n = 0;
    if (code > 0) {
        p[0] = (unsigned char)(code >> 8);
        p[1] = (unsigned char)code;
        n = 2;
        size_t rl = reason ? strlen(reason) : 0;
        if (rl > sizeof(p) - 2)
            rl = sizeof(p) - 2;
        if (rl)
            memcpy(p + 2, reason, rl);
        n += rl;
    }
    return send_frame(ws, OP_CLOSE, 1, p, n);
}

/* We failed the connection ourselves (bad frame from the server). */
static int fail_connection(struct ctl_ws *ws, int code, const char *why)
{
    send_close(ws, code, why);
    ws->close_code = code;
    snprintf(ws->close_reason, sizeof(ws->close_reason), "%s", why);
    ws->broken = 1;
    return -2;
}

/*
 * Parses one frame from ws->in if it is complete.  Returns 0 if more bytes
 * are needed, 1 if a frame was consumed (setting *done, *msg and *len when
 * it completed a data message), -1 if it was a close frame, -2 on a
 * protocol error.
 */
static int parse_frame(struct ctl_ws *ws, int *done, char **msg, size_t *len)
{
    unsigned char *b = ws->in;
    if (ws->in_len < 2)
        return 0;
    int fin = b[0] & 0x80, opcode = b[0] & 0x0f, masked = b[1] & 0x80;
    uint64_t plen = b[1] & 0x7f;
    size_t h = 2;
    if (plen == 126) {
        if (ws->in_len < 4)
            return 0;
        plen = ((uint64_t)b[2] << 8) | b[3];
        h = 4;
    } else if (plen == 127) {
        if (ws->in_len < 10)
            return 0;
        plen = 0;
        for (int i = 0; i < 8; i++)
            plen = (plen << 8) | b[2 + i];
        h = 10;
    }
    if (b[0] & 0x70)
        return fail_connection(ws, 1002, "reserved bits set");
    if (masked)
        return fail_connection(ws, 1002, "masked frame from server");
    if (opcode >= 8 && (!fin || plen > 125))
        return fail_connection(ws, 1002, "bad control frame");
    if ((opcode > 2 && opcode < 8) || opcode > 10)
        return fail_connection(ws, 1002, "unknown opcode");
    if (opcode < 8 && (plen > WS_MAX_MESSAGE || ws->msg_len + plen > WS_MAX_MESSAGE))
        return fail_connection(ws, 1009, "message too big");
    if (ws->in_len < h + plen)
        return 0;
    unsigned char *p = b + h;

    switch (opcode) {
    case OP_PING:
        send_frame(ws, OP_PONG, 1, p, (size_t)plen);
        break;
    case OP_PONG:
        break;
    case OP_CLOSE: {
        int code = 1005;
        ws->close_reason[0] = '\0';
        if (plen >= 2) {
            code = (p[0] << 8) | p[1];
            size_t rl = (size_t)plen - 2;
            if (rl >= sizeof(ws->close_reason))
                rl = sizeof(ws->close_reason) - 1;
            memcpy(ws->close_reason, p + 2, rl);
            ws->close_reason[rl] = '\0';
        }
        /* Echo the code, as RFC 6455 5.5.1 asks, before the server drops us. */
        if (!ws->close_sent)
            send_close(ws, code == 1005 ? 1000 : code, NULL);
        ws->close_code = code;
        ctl__in_consume(ws, h + (size_t)plen);
        return -1;
    }
    default:
        if (opcode == OP_CONT && !ws->msg_opcode)
            return fail_connection(ws, 1002, "continuation without a message");
        if (opcode != OP_CONT && ws->msg_opcode)
            return fail_connection(ws, 1002, "new message inside a fragmented one");
        if (opcode != OP_CONT)
            ws->msg_opcode = opcode;
        if (ws->msg_cap < ws->msg_len + plen + 1) {
            ws->msg_cap = ws->msg_len + (size_t)plen + 1;
            ws->msg = ctl__xrealloc(ws->msg, ws->msg_cap);
        }
        memcpy(ws->msg + ws->msg_len, p, (size_t)plen);
        ws->msg_len += (size_t)plen;
        if (fin) {
            ws->msg[ws->msg_len] = '\0';
            *msg = (char *)ws->msg;
            *len = ws->msg_len;
            *done = 1;
            ws->msg = NULL;
            ws->msg_len = ws->msg_cap = 0;
            ws->msg_opcode = 0;
        }
    }
    ctl__in_consume(ws, h + (size_t)plen);
    return 1;
}

int ctl_ws_recv(struct ctl_ws *ws, int timeout_ms, char **msg, size_t *len)
{
    int64_t deadline = ctl__deadline_of(timeout_ms);
    *msg = NULL;
    *len = 0;
    if (ws->close_code)
        return ws->broken && ws->close_code != 1006 ? -2 : -1;
    for (;;) {
        int done = 0;
        int r = parse_frame(ws, &done, msg, len);
        if (done)
            return 1;
        if (r == 1)
            continue;
        if (r < 0)
            return r;
        r = ctl__tls_fill(ws, deadline);
        if (r == 0)
            return 0;
        if (r < 0) {
            ws->close_code = 1006;
            ws->close_reason[0] = '\0';
            return r;
        }
    }
}

int ctl_ws_close_code(const struct ctl_ws *ws)
{
    return ws->close_code;
}

const char *ctl_ws_close_reason(const struct ctl_ws *ws)
{
    return ws->close_reason;
}

void ctl_ws_close(struct ctl_ws *ws, int code)
{
    if (!ws)
        return;
    if (!ws->close_code && !ws->broken && send_close(ws, code, NULL) == 0) {
        /* Give the server a moment to answer our close, so it sees a clean
         * close rather than a dropped connection. */
        int64_t deadline = ctl__deadline_of(WS_CLOSE_WAIT_MS);
        char *m;
        size_t l;
        int r;
        while ((r = ctl_ws_recv(ws, ctl__remaining(deadline), &m, &l)) == 1)
            free(m);
    }
    if (ws->ssl && !ws->broken)
        ctl__tls_shutdown(ws); /* one attempt: send close_notify, do not wait */
    ctl_ws_abort(ws);
}

void ctl_ws_abort(struct ctl_ws *ws)
{
    if (!ws)
        return;
    if (ws->ssl)
        SSL_free(ws->ssl);
    if (ws->ctx)
        SSL_CTX_free(ws->ctx);
    if (ws->fd >= 0)
        close(ws->fd);
    free(ws->in);
    free(ws->msg);
    free(ws);
    ERR_clear_error();
}
