/*
 * The websocket client side of loadgen (RFC 6455), on a raw connection of
 * libwebsockets with TLS over memory BIOs (lg_tls.c).
 *
 * lws 4.1's client parses every received byte through its frame state
 * machine (lws_ws_client_rx_sm, one call per byte): under callgrind that was
 * 83% of the load generator's instructions per pactad delivery, and perf put
 * it at a third of its CPU, so the generator, not the server, set the
 * fan-out ceilings.  Here lws still connects, reads, writes and runs the
 * loop; lg_tls.c decrypts and encrypts; this file frames and parses, a whole frame at a time, in
 * place when the frame lies in one received chunk.  The three protocols and the timing path
 * (lg_proto.c, loadgen.c) are the same for every server.
 *
 * Client frames are masked (a fresh xorshift key per frame: the servers
 * unmask as they do for any client); server frames must not be.  Pings are
 * answered, a close frame is echoed and ends the connection, text and binary
 * messages (fragmented or not) go to on_message.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "lg.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd32(void)
{
    uint64_t x = rnd_state; /* xorshift64 */
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    rnd_state = x;
    return (uint32_t)(x >> 16);
}

void lg_ws_seed(uint64_t seed)
{
    rnd_state = seed | 1;
}

/* *buf with room for need bytes (doubling; kept for the connection's life). */
static void *grow(void *buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return buf;
    size_t n = *cap ? *cap : 4096;
    while (n < need)
        n *= 2;
    buf = realloc(buf, n);
    if (!buf)
        abort();
    *cap = n;
    return buf;
}

/* Room for len more bytes to send. */
static unsigned char *out_room(struct lg_conn *c, size_t len)
{
    c->ob = grow(c->ob, &c->ob_cap, c->ob_len + len);
    return c->ob + c->ob_len;
}

void lg_ws_queue_raw(struct lg_conn *c, const void *bytes, size_t len)
{
    memcpy(out_room(c, len), bytes, len);
    c->ob_len += len;
}

void lg_ws_queue_frame(struct lg_conn *c, int opcode, const void *payload, size_t len)
{
    unsigned char *p = out_room(c, 14 + len), *start = p;
    *p++ = (unsigned char)(0x80 | opcode); /* FIN: never fragmented */
    if (len < 126) {
        *p++ = (unsigned char)(0x80 | len);
    } else if (len < 65536) {
        *p++ = 0x80 | 126;
        *p++ = (unsigned char)(len >> 8);
        *p++ = (unsigned char)len;
    } else {
        *p++ = 0x80 | 127;
        for (int i = 7; i >= 0; i--)
            *p++ = (unsigned char)((uint64_t)len >> (8 * i));
    }
    uint32_t key = rnd32();
    unsigned char mask[4] = {(unsigned char)(key >> 24), (unsigned char)(key >> 16),
                             (unsigned char)(key >> 8), (unsigned char)key};
    memcpy(p, mask, 4);
    p += 4;
    /* eight bytes at a time (a byte loop was 5% of a writer's instructions) */
    const unsigned char *s = payload;
    uint64_t m8;
    unsigned char m[8];
    memcpy(m, mask, 4);
    memcpy(m + 4, mask, 4);
    memcpy(&m8, m, 8);
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        w ^= m8;
        memcpy(p + i, &w, 8);
    }
    for (; i < len; i++)
        p[i] = s[i] ^ mask[i & 3];
    c->ob_len += (size_t)(p - start) + len;
}

/* base64(SHA-1(key + GUID)): what the server must answer (RFC 6455 §4.2.2). */
static void expected_accept(const char *key, char out[32])
{
    char buf[64];
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    int n = snprintf(buf, sizeof buf, "%s" WS_GUID, key);
    EVP_Digest(buf, (size_t)n, md, &mdlen, EVP_sha1(), NULL);
    EVP_EncodeBlock((unsigned char *)out, md, (int)mdlen);
}

void lg_ws_request(struct lg_conn *c, const char *host, const char *path, const char *subprotocol)
{
    unsigned char raw[16];
    char key[32], req[1024];
    for (int i = 0; i < 16; i += 4) {
        uint32_t r = rnd32();
        memcpy(raw + i, &r, 4);
    }
    EVP_EncodeBlock((unsigned char *)key, raw, 16);
    expected_accept(key, c->ws_accept);
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n%s%s%s\r\n",
                     path, host, key, subprotocol ? "Sec-WebSocket-Protocol: " : "",
                     subprotocol ? subprotocol : "", subprotocol ? "\r\n" : "");
    c->ws_open = 0;
    c->in_msg = 0;
    c->fb_len = c->frag_len = 0;
    lg_ws_queue_raw(c, req, (size_t)n);
}

/* The server's answer to the upgrade: 101 and the right accept value. */
static int check_response(struct lg_conn *c, const char *h, size_t len)
{
    if (len < 12 || memcmp(h, "HTTP/1.1 101", 12) != 0)
        return -1;
    static const char name[] = "\r\nsec-websocket-accept:";
    for (size_t i = 0; i + sizeof name - 1 < len; i++) {
        if (strncasecmp(h + i, name, sizeof name - 1) != 0)
            continue;
        const char *v = h + i + sizeof name - 1, *end = h + len;
        while (v < end && *v == ' ')
            v++;
        size_t want = strlen(c->ws_accept);
        return (size_t)(end - v) >= want && memcmp(v, c->ws_accept, want) == 0 ? 0 : -1;
    }
    return -1;
}

/* Appends a message fragment to c->frag; the whole message goes on at its
 * last fragment. */
static void fragment(struct lg_conn *c, const unsigned char *p, size_t len, int fin,
                     void (*on_message)(struct lg_conn *, const char *, size_t))
{
    c->frag = grow(c->frag, &c->frag_cap, c->frag_len + len);
    memcpy(c->frag + c->frag_len, p, len);
    c->frag_len += len;
    if (fin) {
        size_t n = c->frag_len;
        c->frag_len = 0;
        c->in_msg = 0;
        on_message(c, c->frag, n);
    }
}

/* One whole frame; -1 ends the connection. */
static int frame(struct lg_conn *c, int b0, const unsigned char *p, size_t len,
                 void (*on_message)(struct lg_conn *, const char *, size_t))
{
    int fin = b0 & 0x80, op = b0 & 0x0f;
    switch (op) {
    case 0x1: /* text */
    case 0x2: /* binary */
        if (c->in_msg)
            return -1; /* a new message inside a fragmented one */
        if (fin) {
            on_message(c, (const char *)p, len); /* in place: the usual case */
            return 0;
        }
        c->in_msg = 1;
        c->frag_len = 0;
        fragment(c, p, len, 0, on_message);
        return 0;
    case 0x0: /* continuation */
        if (!c->in_msg)
            return -1;
        fragment(c, p, len, fin, on_message);
        return 0;
    case 0x8: /* close: echo its code, then the connection ends */
        if (len >= 2)
            c->close_code = p[0] << 8 | p[1];
        lg_ws_queue_frame(c, 0x8, p, len >= 2 ? 2 : 0);
        return -1;
    case 0x9: /* ping */
        lg_ws_queue_frame(c, 0xa, p, len);
        return 0;
    case 0xa: /* pong */
        return 0;
    default:
        return -1;
    }
}

/* Parses data[0..n): returns how many bytes were used (the rest is an
 * incomplete frame or response), or -1 to end the connection. */
static long parse(struct lg_conn *c, const unsigned char *data, size_t n,
                  void (*on_message)(struct lg_conn *, const char *, size_t))
{
    size_t pos = 0;
    if (!c->ws_open) {
        const unsigned char *e = memmem(data, n, "\r\n\r\n", 4);
        if (!e)
            return n > 8192 ? -1 : 0;
        if (check_response(c, (const char *)data, (size_t)(e - data) + 2))
            return -1;
        c->ws_open = 1;
        pos = (size_t)(e - data) + 4;
        lg_proto_open(c);
    }
    while (pos < n && c->state != LG_DEAD) {
        size_t avail = n - pos, hl = 2;
        if (avail < 2)
            break;
        const unsigned char *h = data + pos;
        if (h[1] & 0x80)
            return -1; /* a server must not mask */
        uint64_t plen = h[1] & 0x7f;
        if (plen == 126) {
            hl = 4;
            if (avail < hl)
                break;
            plen = (uint64_t)h[2] << 8 | h[3];
        } else if (plen == 127) {
            hl = 10;
            if (avail < hl)
                break;
            plen = 0;
            for (int i = 2; i < 10; i++)
                plen = plen << 8 | h[i];
            if (plen > (1ull << 31))
                return -1;
        }
        if (avail - hl < plen)
            break;
        if (frame(c, h[0], h + hl, (size_t)plen, on_message))
            return -1;
        pos += hl + (size_t)plen;
    }
    return (long)pos;
}

int lg_ws_rx(struct lg_conn *c, const unsigned char *in, size_t len,
             void (*on_message)(struct lg_conn *, const char *, size_t))
{
    const unsigned char *data = in;
    size_t n = len;
    if (c->fb_len) { /* the rest of a frame that began in an earlier chunk */
        c->fb = grow(c->fb, &c->fb_cap, c->fb_len + len);
        memcpy(c->fb + c->fb_len, in, len);
        c->fb_len += len;
        data = c->fb;
        n = c->fb_len;
    }
    long used = parse(c, data, n, on_message);
    if (used < 0)
        return -1;
    size_t rest = n - (size_t)used;
    if (data == c->fb) {
        memmove(c->fb, c->fb + used, rest);
        c->fb_len = rest;
    } else if (rest) {
        c->fb = grow(c->fb, &c->fb_cap, rest);
        memcpy(c->fb, in + used, rest);
        c->fb_len = rest;
    }
    return 0;
}
