/*
 * loadgen's websocket framing (bench/lg_ws.c), without a server: the upgrade
 * request and the checks of its answer, frames received whole and split at
 * every byte, fragmented messages, 16- and 64-bit lengths, ping -> pong,
 * close, and the frames a server must not send.  What goes out is unmasked
 * here and compared with what was queued.
 */
#include <string.h>

#include <openssl/evp.h>

#include "lg.h"
#include "test.h"

struct lg_globals lg;

static int opened;
void lg_proto_open(struct lg_conn *c)
{
    (void)c;
    opened++;
}

static char got[8][512];
static size_t got_len[8];
static int ngot;
static void on_message(struct lg_conn *c, const char *msg, size_t len)
{
    (void)c;
    if (ngot < 8 && len < sizeof got[0]) {
        memcpy(got[ngot], msg, len);
        got_len[ngot] = len;
    }
    ngot++;
}

/* What the server computes from the key (RFC 6455 §4.2.2). */
static void accept_of(const char *key, char out[64])
{
    char buf[128];
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    snprintf(buf, sizeof buf, "%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", key);
    EVP_Digest(buf, strlen(buf), md, &n, EVP_sha1(), NULL);
    EVP_EncodeBlock((unsigned char *)out, md, (int)n);
}

/* A fresh connection that sent its upgrade request; *answer: a 101 for it. */
static void start(struct lg_conn *c, char answer[512])
{
    free(c->ob);
    free(c->fb);
    free(c->frag);
    memset(c, 0, sizeof *c);
    c->state = LG_HANDSHAKE;
    ngot = opened = 0;
    lg_ws_request(c, "localhost", "/x?a=1", "pacta.v1");
    char req[1024];
    REQUIRE(c->ob_len < sizeof req);
    memcpy(req, c->ob, c->ob_len);
    req[c->ob_len] = '\0';
    CHECK(strncmp(req, "GET /x?a=1 HTTP/1.1\r\nHost: localhost\r\n", 38) == 0);
    CHECK(strstr(req, "\r\nSec-WebSocket-Protocol: pacta.v1\r\n") != NULL);
    CHECK(strstr(req, "\r\nSec-WebSocket-Version: 13\r\n") != NULL);
    CHECK(strcmp(req + strlen(req) - 4, "\r\n\r\n") == 0);
    const char *k = strstr(req, "Sec-WebSocket-Key: ");
    REQUIRE(k);
    char key[64] = {0}, acc[64];
    k += 19;
    memcpy(key, k, (size_t)(strchr(k, '\r') - k));
    CHECK(strlen(key) == 24);
    accept_of(key, acc);
    snprintf(answer, 512,
             "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-ACCEPT:  %s\r\n\r\n",
             acc);
    c->ob_len = 0;
}

/* A server frame (never masked). */
static size_t frame(unsigned char *out, int b0, const char *payload, size_t len)
{
    size_t h = 0;
    out[h++] = (unsigned char)b0;
    if (len < 126) {
        out[h++] = (unsigned char)len;
    } else if (len < 65536) {
        out[h++] = 126;
        out[h++] = (unsigned char)(len >> 8);
        out[h++] = (unsigned char)len;
    } else {
        out[h++] = 127;
        for (int i = 7; i >= 0; i--)
            out[h++] = (unsigned char)((uint64_t)len >> (8 * i));
    }
    memcpy(out + h, payload, len);
    return h + len;
}

/* The first frame queued on c, unmasked: its opcode byte and payload. */
static int sent_frame(const struct lg_conn *c, char *payload, size_t *len)
{
    const unsigned char *p = c->ob;
    if (c->ob_len < 6 || !(p[1] & 0x80))
        return -1; /* a client frame must be masked */
    size_t n = p[1] & 0x7f, h = 2;
    if (n == 126) {
        n = (size_t)p[2] << 8 | p[3];
        h = 4;
    } else if (n == 127) {
        n = 0;
        for (int i = 2; i < 10; i++)
            n = n << 8 | p[i];
        h = 10;
    }
    const unsigned char *mask = p + h;
    for (size_t i = 0; i < n; i++)
        payload[i] = (char)(p[h + 4 + i] ^ mask[i & 3]);
    *len = n;
    return p[0];
}

static void test_rfc_vector(void)
{
    char acc[64];
    accept_of("dGhlIHNhbXBsZSBub25jZQ==", acc); /* RFC 6455 §1.3's example */
    CHECK_STR(acc, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

static void test_refused_answers(void)
{
    struct lg_conn c = {0};
    char ok[512];
    static const char *bad[] = {
        "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: "
        "AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n",
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        start(&c, ok);
        CHECKF(lg_ws_rx(&c, (const unsigned char *)bad[i], strlen(bad[i]), on_message) == -1,
               "answer %zu accepted", i);
        CHECK(opened == 0);
    }
    /* no end of headers within 8 KiB */
    start(&c, ok);
    static char junk[9000];
    memset(junk, 'x', sizeof junk);
    CHECK(lg_ws_rx(&c, (const unsigned char *)junk, sizeof junk, on_message) == -1);
    free(c.ob);
    free(c.fb);
    free(c.frag);
}

/* The answer and a stream of frames, fed in chunks of every size from 1. */
static void test_stream(void)
{
    static char big[70000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)('a' + i % 26);
    struct lg_conn c = {0};
    char ans[512];
    static unsigned char s[80000];
    for (size_t chunk = 1; chunk <= 17; chunk += (chunk < 4 ? 1 : 13)) {
        start(&c, ans);
        size_t n = strlen(ans);
        memcpy(s, ans, n);
        n += frame(s + n, 0x81, "hello", 5);
        n += frame(s + n, 0x89, "p1", 2);               /* ping */
        n += frame(s + n, 0x82, big, 300);              /* 16-bit length, binary */
        n += frame(s + n, 0x01, "ab", 2);               /* fragmented: first */
        n += frame(s + n, 0x8a, "", 0);                 /* a pong in between */
        n += frame(s + n, 0x00, "cd", 2);               /* continuation */
        n += frame(s + n, 0x80, "ef", 2);               /* last */
        n += frame(s + n, 0x81, big, sizeof big - 100); /* 64-bit length */
        size_t step = chunk == 17 ? n : chunk;          /* 17: all in one chunk */
        int rc = 0;
        for (size_t at = 0; at < n && !rc; at += step)
            rc = lg_ws_rx(&c, s + at, at + step <= n ? step : n - at, on_message);
        CHECKF(rc == 0, "chunk %zu", chunk);
        CHECK(opened == 1);
        REQUIRE(ngot == 4);
        CHECK(got_len[0] == 5 && memcmp(got[0], "hello", 5) == 0);
        CHECK(got_len[1] == 300 && memcmp(got[1], big, 300) == 0);
        CHECK(got_len[2] == 6 && memcmp(got[2], "abcdef", 6) == 0);
        CHECK(c.fb_len == 0 && c.in_msg == 0);
        char pong[8];
        size_t plen;
        CHECK(sent_frame(&c, pong, &plen) == 0x8a && plen == 2 && memcmp(pong, "p1", 2) == 0);
    }
    free(c.ob);
    free(c.fb);
    free(c.frag);
}

static void test_refused_frames(void)
{
    struct lg_conn c = {0};
    char ans[512];
    unsigned char s[600];
    static const unsigned char masked[] = {0x81, 0x82, 1, 2, 3, 4, 'a', 'b'};
    static const unsigned char opcode3[] = {0x83, 0x00};
    static const unsigned char cont[] = {0x80, 0x01, 'x'};
    static const unsigned char huge[] = {0x82, 127, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    const struct {
        const unsigned char *f;
        size_t n;
    } bad[] = {{masked, sizeof masked},
               {opcode3, sizeof opcode3},
               {cont, sizeof cont},
               {huge, sizeof huge}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        start(&c, ans);
        size_t n = strlen(ans);
        memcpy(s, ans, n);
        memcpy(s + n, bad[i].f, bad[i].n);
        CHECKF(lg_ws_rx(&c, s, n + bad[i].n, on_message) == -1, "frame %zu accepted", i);
    }
    /* a new message inside a fragmented one */
    start(&c, ans);
    size_t n = strlen(ans);
    memcpy(s, ans, n);
    n += frame(s + n, 0x01, "ab", 2);
    n += frame(s + n, 0x81, "cd", 2);
    CHECK(lg_ws_rx(&c, s, n, on_message) == -1);
    /* close: its code is kept and echoed, and the connection ends */
    start(&c, ans);
    n = strlen(ans);
    memcpy(s, ans, n);
    n += frame(s + n, 0x88, "\x0f\xa1", 2); /* 4001 */
    CHECK(lg_ws_rx(&c, s, n, on_message) == -1);
    CHECK(c.close_code == 4001);
    char echo[8];
    size_t elen;
    CHECK(sent_frame(&c, echo, &elen) == 0x88 && elen == 2 && memcmp(echo, "\x0f\xa1", 2) == 0);
    free(c.ob);
    free(c.fb);
    free(c.frag);
}

static void test_queue_frame(void)
{
    static char big[70000];
    static char back[70000];
    memset(big, 'z', sizeof big);
    const size_t lens[] = {0, 5, 125, 126, 300, 65535, 65536, sizeof big};
    struct lg_conn c = {0};
    lg_ws_seed(42);
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        c.ob_len = 0;
        lg_ws_queue_frame(&c, 1, big, lens[i]);
        size_t n;
        CHECKF(sent_frame(&c, back, &n) == 0x81 && n == lens[i] && memcmp(back, big, n) == 0,
               "length %zu", lens[i]);
        size_t h = lens[i] < 126 ? 2 : lens[i] < 65536 ? 4 : 10;
        CHECK(c.ob_len == h + 4 + lens[i]);
    }
    /* two frames queued: one buffer, written in one go */
    c.ob_len = 0;
    lg_ws_queue_frame(&c, 2, "ab", 2);
    lg_ws_queue_frame(&c, 2, "cd", 2);
    CHECK(c.ob_len == 2 * (2 + 4 + 2) && c.ob[0] == 0x82 && c.ob[8] == 0x82);
    free(c.ob);
}

int main(void)
{
    test_rfc_vector();
    test_refused_answers();
    test_stream();
    test_refused_frames();
    test_queue_frame();
    return test_summary();
}
