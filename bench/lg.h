/*
 * loadgen: one libwebsockets client process, many TLS websocket connections,
 * three protocols (PACTA pacta.v1, Socket.IO 4 / Engine.IO v4, NATS).  The
 * protocol code only frames and parses; timing, counting and the histogram
 * are shared (lg_hist.c, loadgen.c), so only the server differs.
 */
#ifndef PACTA_BENCH_LG_H
#define PACTA_BENCH_LG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <libwebsockets.h>

/* ---- HDR-style histogram: log-linear buckets, ~3% resolution ------------ */
#define LG_HIST_SUB 32 /* buckets per power of two */
#define LG_HIST_N 2048

struct lg_hist {
    uint64_t count;
    uint64_t max;
    uint64_t b[LG_HIST_N];
};

void lg_hist_reset(struct lg_hist *h);
void lg_hist_add(struct lg_hist *h, uint64_t v);
/* Value (same unit as added) at percentile p (0..100). */
uint64_t lg_hist_pct(const struct lg_hist *h, double p);

/* ---- per-thread CPU of a process over a window (lg_threads.c) ------------ */
#define LG_THREADS_MAX 64

struct lg_thread {
    int tid;
    char name[32];
    unsigned long long run_ns, wait_ns; /* on a CPU; runnable, waiting for one */
};
struct lg_threads {
    int n;
    struct lg_thread t[LG_THREADS_MAX];
};

void lg_threads_take(int pid, struct lg_threads *s);
/* One line: each thread's share of the window on a CPU and waiting for one. */
void lg_threads_report(FILE *out, const char *who, int main_tid, const struct lg_threads *a,
                       const struct lg_threads *b, double wall_secs);

/* ---- connections --------------------------------------------------------- */
enum lg_proto { LG_PACTA, LG_SIO, LG_NATS };
enum lg_role { LG_SUB, LG_PUB, LG_WRITER, LG_CATCHUP };
enum lg_state { LG_CONNECTING, LG_HANDSHAKE, LG_SUBSCRIBING, LG_READY, LG_DEAD };

struct lg_out {
    struct lg_out *next;
    size_t len;
    unsigned char buf[]; /* LWS_PRE headroom, then len bytes */
};

struct lg_conn {
    struct lws *wsi;
    int idx;
    enum lg_role role;
    enum lg_state state;
    char *rx; /* one websocket message being reassembled (NATS: the byte stream) */
    size_t rx_len, rx_cap;
    struct lg_out *oh, *ot;
    int64_t next_id;
    /* writers (edits, catch-up filler) */
    int contract;      /* index into lg.contracts */
    int64_t sent_us;   /* when the request in flight was sent */
    int64_t caught_up; /* catch-up: events received */
    int close_code;
    int retries; /* connection attempts that failed before it was ready */
};

/* Queues text (copied) on c and asks for a WRITEABLE callback. */
void lg_send(struct lg_conn *c, const char *text, size_t len);

/* ---- protocol hooks (lg_proto.c) ---------------------------------------- */
/* The websocket is open: start the protocol's own handshake. */
void lg_proto_open(struct lg_conn *c);
/* Bytes of one websocket message (NATS: any chunk of the stream). */
void lg_proto_rx(struct lg_conn *c, const char *msg, size_t len);
/* A published message with the "@ts=US:STEP" marker inside ~300 bytes of JSON. */
void lg_proto_publish(struct lg_conn *c, int64_t ts_us, int step, uint64_t n);

/* ---- called back by the protocol code (loadgen.c) ------------------------ */
/* The connection is authenticated/subscribed and counts from now on. */
void lg_on_ready(struct lg_conn *c);
/* A message carrying the marker arrived at a subscriber. */
void lg_on_delivery(struct lg_conn *c, const char *marker, size_t len);
/* A PACTA response: ok or not, the contract version it names (or -1), the
 * raw text (the publisher and writers use it). */
void lg_on_response(struct lg_conn *c, int ok, int64_t version, const char *msg, size_t len);
/* A PACTA durable event with its seq (catch-up counts these). */
void lg_on_seq(struct lg_conn *c, int64_t seq);

int64_t lg_now_us(void);

struct lg_globals {
    enum lg_proto proto;
    const char *token; /* PACTA: auth.resume token */
    char **contracts;  /* PACTA: contract ids */
    int64_t *versions; /* their last known versions */
    int ncontracts;
    int64_t catchup_since; /* PACTA catch-up: subscribe since */
    int pad;               /* payload padding so the published JSON is ~300 bytes */
};
extern struct lg_globals lg;

#endif
