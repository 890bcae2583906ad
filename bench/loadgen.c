/*
 * loadgen: the benchmark client for pactad, Socket.IO and NATS (bench/run.sh).
 *
 * One process, one libwebsockets context (on a libuv loop), up to tens of
 * thousands of TLS websocket connections pinned to the bench CA.  lws
 * connects, reads and writes raw sockets; TLS is OpenSSL over memory BIOs
 * (lg_tls.c) and the websocket framing is lg_ws.c, a whole frame at a time
 * (lws 4.1's client parsed each byte with a call, most of the generator's
 * instructions).  The protocol code (lg_proto.c) only frames and parses;
 * connecting, the open-loop publisher, counting and the histogram are here
 * and shared by all three.  Each step and the edits run also print, on
 * stderr, the generator's own CPU (and instructions, lg_cost.c) per message.
 *
 * Scenarios (each prints Markdown table rows on stdout and, with --summary,
 * one machine-readable line per result to that file):
 *   fanout   N subscribers + 4 publishers (round robin; --publishers); for
 *            each target rate (deliveries/s) they send rate/N msg/s in all,
 *            open-loop for --secs, each
 *            message stamped with its *intended* send time (no coordinated
 *            omission); latency is receive time - that stamp, same clock
 *            (CLOCK_MONOTONIC, one machine).  A step is "sustained" with
 *            nothing lost and p99 <= --p99-ms (50); stepping goes on while
 *            nothing is lost and p99 <= --stop-ms (1000: not a growing backlog).
 *   edits    (PACTA) M writers, version-checked contracts.update on random
 *            contracts of K, one in flight each, as fast as acks come back.
 *            Drafts by default; --active makes the contracts active, so each
 *            edit carries a reason of its own and writes a supplement, as
 *            edits of signed contracts do.
 *   catchup  (PACTA) E events written while a client is unsubscribed, then
 *            subscribe {since}: time until the last missed event arrived.
 */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "client.h"
#include "lg.h"

struct lg_globals lg;

static struct {
    const char *scenario, *ca, *label, *summary, *path, *admin_pw;
    int port, subs, secs, writers, ncontracts, events, server_pid, max_handshakes;
    double p99_ms, stop_ms;
    int publishers, active;
    long replay_from;
    double targets[64];
    int ntargets;
} o = {.scenario = "fanout",
       .label = "?",
       .path = "/",
       .subs = 100,
       .secs = 3,
       .writers = 32,
       .ncontracts = 0,
       .events = 100000,
       .max_handshakes = 48,
       .p99_ms = 50,
       .stop_ms = 1000,
       .publishers = 4,
       .replay_from = -1};

static struct lws_context *ctx;
/*
 * lws runs on our own libuv loop (epoll): its default poll() loop scans
 * every fd on every iteration, which at 10,000 connections made the load
 * generator, not the server, the bottleneck.
 */
static uv_loop_t loop;

/* One turn of the loop; the 1 ms tick below bounds how long it blocks. */
static void lg_service(void)
{
    uv_run(&loop, UV_RUN_ONCE);
}
static struct lg_conn *conns;
static int nconns, launched, ready, dead, handshaking, conn_errors;
static struct lg_hist hist;
static lws_sorted_usec_list_t tick_sul;

/* fan-out step state */
static int step;
static int64_t pub_t0;
static double pub_rate;
static uint64_t pub_sent, pub_acked, pub_errors, delivered, stale;
static int64_t last_delivery_us;
/* edits / catch-up */
static int running;
static uint64_t acked, conflicts, other_errors;
static int64_t head0 = -1, catch_head = -1, catch_t0, catch_done_us;
static uint64_t catch_events;

int64_t lg_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void die(const char *msg)
{
    fprintf(stderr, "loadgen: %s\n", msg);
    exit(1);
}

/* ---- server process figures ---------------------------------------------- */
static double proc_cpu_secs(int pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')'); /* comm may hold spaces */
    unsigned long ut = 0, st = 0;
    if (p)
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st);
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static long proc_kb(int pid, const char *key)
{
    char path[64], line[256];
    long kb = 0;
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, strlen(key)) == 0)
            kb = atol(line + strlen(key));
    fclose(f);
    return kb;
}

static double self_cpu_secs(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static void summary(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void summary(const char *fmt, ...)
{
    if (!o.summary)
        return;
    FILE *f = fopen(o.summary, "a");
    if (!f)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fclose(f);
}

/* ---- connections -------------------------------------------------------- */
static struct lg_conn *in_rx; /* the connection whose received bytes are being handled */

void lg_send(struct lg_conn *c, const char *text, size_t len)
{
    if (c->state == LG_DEAD || !c->wsi)
        return;
    /* NATS over websocket is binary frames; the others are text */
    lg_ws_queue_frame(c, lg.proto == LG_NATS ? 2 : 1, text, len);
    if (c != in_rx) /* else written at the end of its RAW_RX */
        lws_callback_on_writable(c->wsi);
}

static int connecting; /* connect_all() is running: failed handshakes are retried */
static int *retry_q, retry_n, retried;

static void conn_dead(struct lg_conn *c)
{
    lg_tls_close(c);
    if (c->state == LG_DEAD)
        return;
    if (connecting && c->state != LG_READY && c->retries < 3) {
        /* a handshake the server dropped under load: a real client retries */
        c->retries++;
        retried++;
        handshaking--;
        c->state = LG_DEAD;
        c->wsi = NULL;
        c->rx_len = c->fb_len = c->frag_len = c->ob_len = 0;
        retry_q[retry_n++] = c->idx;
        return;
    }
    if (c->state != LG_READY)
        handshaking--;
    else
        ready--;
    c->state = LG_DEAD;
    dead++;
    c->wsi = NULL;
    c->ob_len = 0;
}

void lg_on_ready(struct lg_conn *c)
{
    if (c->state == LG_READY)
        return;
    c->state = LG_READY;
    handshaking--;
    ready++;
}

/* A whole websocket message (NATS: a frame's part of its byte stream). */
static void on_message(struct lg_conn *c, const char *msg, size_t len)
{
    lg_proto_rx(c, msg, len);
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    struct lg_conn *c = lws_get_opaque_user_data(wsi);
    (void)user;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        if (c) {
            if (conn_errors++ < 5)
                fprintf(stderr, "loadgen: connection %d failed: %s\n", c->idx,
                        in ? (const char *)in : "?");
            conn_dead(c);
        }
        return 0;
    case LWS_CALLBACK_RAW_CONNECTED: /* TCP is up: TLS, then the upgrade request */
        if (c) {
            char path[256];
            snprintf(path, sizeof path, "%s%s", o.path,
                     lg.proto == LG_SIO && c->role == LG_PUB ? "&role=pub" : "");
            c->wsi = wsi;
            if (lg_tls_open(c, "localhost"))
                return -1;
            lg_ws_request(c, "localhost", path, lg.proto == LG_PACTA ? "pacta.v1" : NULL);
            lws_callback_on_writable(wsi);
        }
        return 0;
    case LWS_CALLBACK_RAW_RX:
        if (c && c->state != LG_DEAD) {
            in_rx = c;
            int rc = lg_tls_rx(c, in, len, on_message);
            in_rx = NULL;
            if (rc) {
                if (lg_tls_pending(c) && !lws_partial_buffered(wsi))
                    lg_tls_write(c, wsi); /* a close frame's echo, if the socket takes it */
                return -1;
            }
            /* What the answers queued (a writer's next edit, a pong, TLS's
             * own) is written now, in one write: waiting for a WRITEABLE
             * callback cost two epoll_ctl (POLLOUT on, off) per edit. */
            if (lg_tls_pending(c) && c->state != LG_DEAD) {
                if (lws_partial_buffered(wsi))
                    lws_callback_on_writable(wsi); /* lws sends its rest first */
                else if (lg_tls_write(c, wsi))
                    return -1;
            }
        }
        return 0;
    case LWS_CALLBACK_RAW_WRITEABLE:
        return c && c->state != LG_DEAD ? lg_tls_write(c, wsi) : 0;
    case LWS_CALLBACK_RAW_CLOSE:
        if (c)
            conn_dead(c);
        return 0;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
    {.name = "bench", .callback = callback}, /* raw: reads go to pt_serv_buf_size */
    {0},
};

/*
 * No validity pings: with lws's default policy every received frame
 * re-arms a per-connection timer (a clock read and a uv_timer_start), which
 * was a third of the load generator's time in the catch-up profile.
 */
static const lws_retry_bo_t no_validity = {.secs_since_valid_ping = 0,
                                           .secs_since_valid_hangup = 0};

static void launch(struct lg_conn *c)
{
    struct lws_client_connect_info i;
    memset(&i, 0, sizeof i);
    i.context = ctx;
    i.address = "127.0.0.1";
    i.port = o.port;
    i.method = "RAW"; /* TLS (lg_tls.c) and websocket (lg_ws.c) over it */
    i.host = "localhost";
    i.local_protocol_name = "bench";
    i.opaque_user_data = c;
    i.retry_and_idle_policy = &no_validity;
    c->state = LG_CONNECTING;
    handshaking++;
    launched++;
    if (!lws_client_connect_via_info(&i))
        conn_dead(c);
}

/* Keeps at most max_handshakes TLS handshakes in flight: a burst of
 * thousands at once only makes every one of them time out. */
static void launch_more(int upto)
{
    while (retry_n > 0 && handshaking < o.max_handshakes) {
        struct lg_conn *c = &conns[retry_q[--retry_n]];
        launched--; /* launch() counts it again */
        launch(c);
    }
    while (launched < upto && handshaking < o.max_handshakes)
        launch(&conns[launched]);
}

static void tick(lws_sorted_usec_list_t *sul)
{
    (void)sul;
    lws_sul_schedule(ctx, 0, &tick_sul, tick, 1000); /* wakes the poll loop every ms */
}

static volatile sig_atomic_t interrupted;
static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* Runs the loop until cond() is true or timeout_ms passed; 0 when met. */
static int run_until(int (*cond)(void), int timeout_ms, void (*each)(void))
{
    int64_t end = lg_now_us() + (int64_t)timeout_ms * 1000;
    while (!cond()) {
        if (interrupted || lg_now_us() > end)
            return -1;
        if (each)
            each();
        lg_service();
    }
    return 0;
}

static int all_settled(void)
{
    return launched == nconns && handshaking == 0 && retry_n == 0;
}
static void connect_step(void)
{
    launch_more(nconns);
}

/* Opens every connection; returns the seconds it took. */
static double connect_all(void)
{
    int64_t t0 = lg_now_us();
    retry_q = calloc((size_t)nconns, sizeof *retry_q);
    connecting = 1;
    if (run_until(all_settled, 300000, connect_step))
        die("connections did not settle within 300 s");
    connecting = 0;
    if (retried)
        fprintf(stderr, "loadgen: %d handshakes failed and were retried\n", retried);
    if (ready != nconns) {
        fprintf(stderr, "loadgen: %d of %d connections ready (%d failed)\n", ready, nconns, dead);
        die("not every connection came up");
    }
    return (double)(lg_now_us() - t0) / 1e6;
}

#include "lg_scenarios.c"

static void parse_targets(const char *s)
{
    o.ntargets = 0;
    for (char *p = (char *)s; *p && o.ntargets < 64;) {
        o.targets[o.ntargets++] = strtod(p, &p);
        if (*p == ',')
            p++;
        else
            break;
    }
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"proto", 1, 0, 'P'},      {"port", 1, 0, 'p'},           {"ca", 1, 0, 'c'},
        {"scenario", 1, 0, 's'},   {"subs", 1, 0, 'n'},           {"targets", 1, 0, 't'},
        {"secs", 1, 0, 'd'},       {"label", 1, 0, 'l'},          {"summary", 1, 0, 'S'},
        {"server-pid", 1, 0, 'i'}, {"writers", 1, 0, 'w'},        {"contracts", 1, 0, 'k'},
        {"events", 1, 0, 'e'},     {"admin-password", 1, 0, 'a'}, {"p99-ms", 1, 0, 'q'},
        {"path", 1, 0, 'x'},       {"replay-from", 1, 0, 'r'},    {"stop-ms", 1, 0, 'm'},
        {"publishers", 1, 0, 'u'}, {"active", 0, 0, 'A'},         {0, 0, 0, 0}};
    int ch;
    parse_targets("1000");
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'P':
            lg.proto = strcmp(optarg, "pacta") == 0  ? LG_PACTA
                       : strcmp(optarg, "sio") == 0  ? LG_SIO
                       : strcmp(optarg, "nats") == 0 ? LG_NATS
                                                     : (die("--proto pacta|sio|nats"), LG_PACTA);
            break;
        case 'p':
            o.port = atoi(optarg);
            break;
        case 'c':
            o.ca = optarg;
            break;
        case 's':
            o.scenario = optarg;
            break;
        case 'n':
            o.subs = atoi(optarg);
            break;
        case 't':
            parse_targets(optarg);
            break;
        case 'd':
            o.secs = atoi(optarg);
            break;
        case 'l':
            o.label = optarg;
            break;
        case 'S':
            o.summary = optarg;
            break;
        case 'i':
            o.server_pid = atoi(optarg);
            break;
        case 'w':
            o.writers = atoi(optarg);
            break;
        case 'k':
            o.ncontracts = atoi(optarg);
            break;
        case 'e':
            o.events = atoi(optarg);
            break;
        case 'a':
            o.admin_pw = optarg;
            break;
        case 'q':
            o.p99_ms = atof(optarg);
            break;
        case 'x':
            o.path = optarg;
            break;
        case 'm':
            o.stop_ms = atof(optarg);
            break;
        case 'u':
            o.publishers = atoi(optarg);
            break;
        case 'A':
            o.active = 1;
            break;
        case 'r':
            o.replay_from = atol(optarg);
            break;
        default:
            die("bad option (see the comment at the top of bench/loadgen.c)");
        }
    }
    if (!o.port || !o.ca)
        die("--port and --ca are required");
    if (lg.proto == LG_SIO && strcmp(o.path, "/") == 0)
        o.path = "/socket.io/?EIO=4&transport=websocket";
    lg.pad = 200;
    lg_ws_seed((uint64_t)lg_now_us() ^ (uint64_t)getpid() << 32);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);

    int maxconns = strcmp(o.scenario, "fanout") == 0 ? o.subs + o.publishers : o.writers + 1;
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    void *loops[1] = {&loop};
    uv_loop_init(&loop);
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT | LWS_SERVER_OPTION_LIBUV;
    info.foreign_loops = loops;
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.client_ssl_ca_filepath = o.ca;
    /* no fd_limit_per_thread: with it lws 4.1 finds the connection of each
     * ready fd by a linear scan of its table (wsi_from_fd), a cost per
     * received chunk that grew with the subscribers; without it the table is
     * indexed by fd, sized by ulimit -n (bench/run.sh raises it) */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)maxconns + 64)
        die("ulimit -n is too low for this many connections");
    info.pt_serv_buf_size = 32768; /* a whole TLS record per read */
    info.timeout_secs = 60;
    lws_set_log_level(getenv("LG_LWS_LOG") ? atoi(getenv("LG_LWS_LOG")) : LLL_ERR, NULL);

    if (lg_tls_init(o.ca))
        die("cannot load the CA file (--ca)");
    if (lg.proto == LG_PACTA)
        pacta_setup();
    ctx = lws_create_context(&info);
    if (!ctx)
        die("lws_create_context failed");
    lws_sul_schedule(ctx, 0, &tick_sul, tick, 1000);

    int rc;
    if (strcmp(o.scenario, "fanout") == 0)
        rc = scenario_fanout();
    else if (strcmp(o.scenario, "edits") == 0)
        rc = scenario_edits();
    else if (strcmp(o.scenario, "catchup") == 0)
        rc = scenario_catchup();
    else
        die("--scenario fanout|edits|catchup");
    /* the process ends here: the kernel closes every connection */
    return rc;
}
