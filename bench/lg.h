/*
 * loadgen: one libwebsockets client process, many TLS websocket connections
 * (lws's raw sockets, lg_tls.c, lg_ws.c), three protocols (PACTA pacta.v1,
 * Socket.IO 4 / Engine.IO v4, NATS).  The protocol code only frames and
 * parses; timing, counting and the histogram are shared (lg_hist.c,
 * loadgen.c), so only the server differs.
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

/* ---- the generator's own cost over a window (lg_cost.c) ------------------ */
struct lg_cost {
    double cpu;       /* process CPU seconds at the start */
    uint64_t ins;     /* user-space instructions at the start (0: not countable) */
    uint64_t reads;   /* lg_tls_reads at the start */
    uint64_t records; /* lg_tls_records at the start */
};
void lg_cost_start(struct lg_cost *c);
/* Per each of n messages: CPU microseconds, instructions (-1: not countable). */
void lg_cost_end(struct lg_cost *c, uint64_t n, double *us_per, double *ins_per);
/* ins_per as text: the number, or "n/a" (static buffer). */
const char *lg_cost_fmt(double ins_per);
/* Per each of n messages: socket reads that brought data, TLS records. */
void lg_cost_io(const struct lg_cost *c, uint64_t n, double *reads_per, double *records_per);

/* ---- connections --------------------------------------------------------- */
enum lg_proto { LG_PACTA, LG_SIO, LG_NATS };
enum lg_role { LG_SUB, LG_PUB, LG_WRITER, LG_CATCHUP };
enum lg_state { LG_CONNECTING, LG_HANDSHAKE, LG_SUBSCRIBING, LG_READY, LG_DEAD };

struct lg_conn {
    struct lws *wsi;
    int idx;
    enum lg_role role;
    enum lg_state state;
    char *rx; /* NATS: the byte stream not parsed yet */
    size_t rx_len, rx_cap;
    char *frag; /* a fragmented websocket message being reassembled */
    size_t frag_len, frag_cap;
    unsigned char *ob; /* plaintext to send: the upgrade request, then frames */
    size_t ob_len, ob_cap;
    unsigned char *fb; /* received bytes of a frame not complete yet */
    size_t fb_len, fb_cap;
    int ws_open; /* the server answered the upgrade */
    int in_msg;  /* a fragmented message is being received */
    char ws_accept[32];
    struct ssl_st *ssl; /* lg_tls.c; NULL until connected */
    int tls_done;       /* the TLS handshake finished */
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

/* ---- TLS over memory BIOs on lws's raw connections (lg_tls.c) ----------- */
extern uint64_t lg_tls_reads, lg_tls_records; /* chunks lws read, records decrypted */
int lg_tls_init(const char *ca_file);
/* A new connection: its SSL, and the ClientHello waiting to be written. */
int lg_tls_open(struct lg_conn *c, const char *host);
void lg_tls_close(struct lg_conn *c);
/* Ciphertext read by lws: handshake, then each record's plaintext to
 * lg_ws_rx.  -1: end the connection. */
int lg_tls_rx(struct lg_conn *c, const void *in, size_t len,
              void (*on_message)(struct lg_conn *, const char *, size_t));
/* Something to write (queued frames once TLS is up, or TLS's own bytes). */
int lg_tls_pending(struct lg_conn *c);
/* From a WRITEABLE callback: encrypts what is queued, one lws_write. */
int lg_tls_write(struct lg_conn *c, struct lws *wsi);

/* ---- websocket framing on a raw TLS connection (lg_ws.c) ------------------ */
void lg_ws_seed(uint64_t seed);
/* Queues the upgrade request (GET path, Sec-WebSocket-Key, ...). */
void lg_ws_request(struct lg_conn *c, const char *host, const char *path, const char *subprotocol);
void lg_ws_queue_raw(struct lg_conn *c, const void *bytes, size_t len);
/* Queues one masked frame (opcode 1 text, 2 binary, 8 close, 10 pong). */
void lg_ws_queue_frame(struct lg_conn *c, int opcode, const void *payload, size_t len);
/* Received bytes: the upgrade answer (then lg_proto_open), then frames; each
 * whole message goes to on_message.  -1: end the connection. */
int lg_ws_rx(struct lg_conn *c, const unsigned char *in, size_t len,
             void (*on_message)(struct lg_conn *, const char *, size_t));

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
/* A decimal integer at p, read no further than end (messages are parsed in
 * place, not NUL-terminated); -1 without a digit.  *stop: after it. */
int64_t lg_scan_int(const char *p, const char *end, const char **stop);

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
