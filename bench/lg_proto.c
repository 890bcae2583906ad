/*
 * The three wire protocols of loadgen: framing and parsing only.  Each
 * subscriber finds the "@ts=US:STEP" marker in what it receives and hands
 * it to lg_on_delivery(); everything measured happens there, the same for
 * all three.
 *
 *  PACTA      auth.resume {token} -> (subscribers) subscribe {} -> events
 *             {"event":"contract.updated","seq":N,...} whose contract's
 *             description carries the marker.  Publishing is a real
 *             contracts.update (durable commit, then broadcast).
 *  Socket.IO  Engine.IO v4 over a plain websocket: server "0{open}",
 *             client "40" (namespace /), server "40{sid}"; "2" ping ->
 *             "3" pong; events are "42[name,payload]".
 *  NATS       text protocol over websocket frames (a frame may hold any
 *             part of the stream): INFO -> CONNECT, SUB, PING; the first
 *             PONG means subscribed; MSG subject sid len\r\npayload\r\n.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lg.h"

#define MARK "@ts="

static char pad_buf[1024];

static const char *pad(void)
{
    if (!pad_buf[0]) {
        int n = lg.pad > 0 && lg.pad < (int)sizeof pad_buf ? lg.pad : 200;
        memset(pad_buf, 'x', (size_t)n);
        pad_buf[n] = '\0';
    }
    return pad_buf;
}

/* The marker is found by its '@' (memchr, vectorised), then checked: a
 * memmem of the whole ~900-byte event was 10% of the generator's
 * instructions per pactad delivery once framing was cheap. */
static void delivery_if_marked(struct lg_conn *c, const char *msg, size_t len)
{
    const char *p = msg, *end = msg + len;
    while ((p = memchr(p, '@', (size_t)(end - p)))) {
        if ((size_t)(end - p) >= sizeof MARK - 1 && memcmp(p, MARK, sizeof MARK - 1) == 0) {
            p += sizeof MARK - 1;
            lg_on_delivery(c, p, (size_t)(end - p));
            return;
        }
        p++;
    }
}

/* ---- PACTA -------------------------------------------------------------- */
static void pacta_send(struct lg_conn *c, const char *op, const char *args)
{
    char buf[1024];
    int n = snprintf(buf, sizeof buf, "{\"id\":%" PRId64 ",\"op\":\"%s\",\"args\":%s}",
                     ++c->next_id, op, args);
    lg_send(c, buf, (size_t)n);
}

int64_t lg_scan_int(const char *p, const char *end, const char **stop)
{
    int64_t v = 0;
    const char *s = p;
    while (p < end && *p >= '0' && *p <= '9')
        v = v * 10 + (*p++ - '0');
    if (stop)
        *stop = p;
    return p > s ? v : -1;
}

static int64_t find_int(const char *msg, size_t len, const char *key)
{
    size_t kl = strlen(key);
    const char *p = memmem(msg, len, key, kl);
    return p ? lg_scan_int(p + kl, msg + len, NULL) : -1;
}

static void pacta_rx(struct lg_conn *c, const char *msg, size_t len)
{
    if (len > 9 && memcmp(msg, "{\"event\":", 9) == 0) {
        if (c->role == LG_CATCHUP)
            lg_on_seq(c, find_int(msg, len, "\"seq\":"));
        else
            delivery_if_marked(c, msg, len);
        return;
    }
    int ok = memmem(msg, len, "\"ok\":true", 9) != NULL;
    switch (c->state) {
    case LG_HANDSHAKE:
        if (!ok) {
            fprintf(stderr, "loadgen: auth.resume refused: %.*s\n", (int)len, msg);
            c->state = LG_DEAD;
            return;
        }
        if (c->role == LG_SUB) {
            c->state = LG_SUBSCRIBING;
            pacta_send(c, "subscribe", "{}");
        } else {
            lg_on_ready(c);
        }
        return;
    case LG_SUBSCRIBING:
        if (!ok) {
            fprintf(stderr, "loadgen: subscribe refused: %.*s\n", (int)len, msg);
            c->state = LG_DEAD;
            return;
        }
        lg_on_ready(c);
        return;
    default:
        lg_on_response(c, ok, find_int(msg, len, "\"version\":"), msg, len);
        return;
    }
}

/* ---- Socket.IO ----------------------------------------------------------- */
static void sio_rx(struct lg_conn *c, const char *msg, size_t len)
{
    if (len >= 2 && msg[0] == '4' && msg[1] == '2') {
        delivery_if_marked(c, msg, len);
    } else if (len >= 1 && msg[0] == '2') {
        lg_send(c, "3", 1); /* Engine.IO ping from the server */
    } else if (len >= 1 && msg[0] == '0') {
        lg_send(c, "40", 2); /* open -> connect to namespace "/" */
    } else if (len >= 2 && msg[0] == '4' && msg[1] == '0') {
        lg_on_ready(c);
    } else if (len >= 2 && msg[0] == '4' && msg[1] == '4') {
        fprintf(stderr, "loadgen: socket.io connect error: %.*s\n", (int)len, msg);
        c->state = LG_DEAD;
    }
}

/* ---- NATS ------------------------------------------------------------------ */
static void nats_line(struct lg_conn *c, const char *line, size_t len)
{
    if (len >= 4 && memcmp(line, "INFO", 4) == 0) {
        static const char con[] = "CONNECT {\"verbose\":false,\"pedantic\":false,\"echo\":false,"
                                  "\"name\":\"loadgen\",\"lang\":\"c\",\"version\":\"1\","
                                  "\"protocol\":1}\r\n";
        lg_send(c, con, sizeof con - 1);
        if (c->role == LG_SUB)
            lg_send(c, "SUB bench 1\r\n", 13);
        lg_send(c, "PING\r\n", 6);
    } else if (len >= 4 && memcmp(line, "PING", 4) == 0) {
        lg_send(c, "PONG\r\n", 6);
    } else if (len >= 4 && memcmp(line, "PONG", 4) == 0) {
        if (c->state != LG_READY)
            lg_on_ready(c); /* the server processed our SUB before this PONG */
    } else if (len >= 4 && memcmp(line, "-ERR", 4) == 0) {
        fprintf(stderr, "loadgen: nats: %.*s\n", (int)len, line);
    }
}

/* The stream: lines, and MSG's payload of a stated length after its line. */
static void nats_rx(struct lg_conn *c, const char *in, size_t len)
{
    if (c->rx_len + len > c->rx_cap) {
        size_t cap = c->rx_cap ? c->rx_cap : 8192;
        while (cap < c->rx_len + len)
            cap *= 2;
        c->rx = realloc(c->rx, cap);
        if (!c->rx)
            abort();
        c->rx_cap = cap;
    }
    memcpy(c->rx + c->rx_len, in, len);
    c->rx_len += len;

    size_t pos = 0;
    for (;;) {
        char *eol = memmem(c->rx + pos, c->rx_len - pos, "\r\n", 2);
        if (!eol)
            break;
        size_t llen = (size_t)(eol - (c->rx + pos));
        if (llen >= 4 && memcmp(c->rx + pos, "MSG ", 4) == 0) {
            /* MSG <subject> <sid> [reply-to] <#bytes>: the size is the last field */
            const char *sp = eol;
            while (sp > c->rx + pos && sp[-1] != ' ')
                sp--;
            size_t plen = (size_t)strtoull(sp, NULL, 10);
            size_t need = llen + 2 + plen + 2;
            if (c->rx_len - pos < need)
                break; /* payload not complete yet */
            delivery_if_marked(c, eol + 2, plen);
            pos += need;
        } else {
            nats_line(c, c->rx + pos, llen);
            pos += llen + 2;
        }
    }
    memmove(c->rx, c->rx + pos, c->rx_len - pos);
    c->rx_len -= pos;
}

/* ---- hooks ----------------------------------------------------------------- */
void lg_proto_open(struct lg_conn *c)
{
    c->state = LG_HANDSHAKE;
    if (lg.proto == LG_PACTA) {
        char args[256];
        snprintf(args, sizeof args, "{\"token\":\"%s\"}", lg.token);
        pacta_send(c, "auth.resume", args);
    }
    /* Socket.IO and NATS: the server speaks first */
}

void lg_proto_rx(struct lg_conn *c, const char *msg, size_t len)
{
    switch (lg.proto) {
    case LG_PACTA:
        pacta_rx(c, msg, len);
        break;
    case LG_SIO:
        sio_rx(c, msg, len);
        break;
    case LG_NATS:
        nats_rx(c, msg, len);
        break;
    }
}

void lg_proto_publish(struct lg_conn *c, int64_t ts_us, int step, uint64_t n)
{
    char buf[1024], body[700];
    int len = 0;
    switch (lg.proto) {
    case LG_PACTA: {
        /* pipelined: each update is based on the version the previous one makes */
        int64_t v = lg.versions[c->idx]++; /* publisher i updates contract i */
        len = snprintf(buf, sizeof buf,
                       "{\"id\":%" PRId64 ",\"op\":\"contracts.update\",\"args\":{\"id\":\"%s\","
                       "\"version\":%" PRId64 ",\"changes\":{\"description\":\"" MARK "%" PRId64
                       ":%d n=%" PRIu64 " %s\"}}}",
                       ++c->next_id, lg.contracts[c->idx], v, ts_us, step, n, pad());
        break;
    }
    case LG_SIO:
        len = snprintf(buf, sizeof buf,
                       "42[\"pub\",{\"kind\":\"bench\",\"n\":%" PRIu64 ",\"note\":\"" MARK
                       "%" PRId64 ":%d %s\"}]",
                       n, ts_us, step, pad());
        break;
    case LG_NATS: {
        int blen = snprintf(body, sizeof body,
                            "{\"kind\":\"bench\",\"n\":%" PRIu64 ",\"note\":\"" MARK "%" PRId64
                            ":%d %s\"}",
                            n, ts_us, step, pad());
        len = snprintf(buf, sizeof buf, "PUB bench %d\r\n%s\r\n", blen, body);
        break;
    }
    }
    lg_send(c, buf, (size_t)len);
}
