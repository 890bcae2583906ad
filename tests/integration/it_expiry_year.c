/*
 * it_expiry_year (issue 4, "done when"): with fake time, a year of calendar
 * for 10,000 contracts produces exactly the expected alerts, each once; a
 * desk connected live sees them arrive; one that was offline gets them all
 * on reconnect with `since`.  (1,000 contracts under valgrind.)
 *
 * The contracts are created through the real op (contracts.create),
 * pipelined 60 at a time on one raw connection so group commit keeps it
 * fast.  Contract i ends 1 + i % 400 days after day 0 with notice_days
 * (i % 3) * 10, so ends, thresholds and notice deadlines cover every
 * distance.  Expected: for each default threshold t, "expiring" if end - t
 * is within [day 0, day 365], "notice_due" (notice > 0) if end - notice - t
 * is, and "expired" if end + 1 is (day 0 is the arming day: earlier
 * thresholds are not raised).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pacta/protocol.h>

#include "harness.h"
#include "test.h"

/* 10,000; under valgrind (make memcheck) 1,000, which still covers every
 * distance of end date, threshold and notice (i % 400, i % 3) */
#define N_CONTRACTS (it_wrapped() ? 1000 : 10000)
#define DAYS 365
#define PIPELINE 60

static const int thresholds[] = {90, 60, 30, 7, 1};

struct seen {
    struct ctl_client *c;
    atomic_int stop;
    char **keys; /* "id event threshold" of every alert */
    size_t n, cap;
    int closed;
};

static void add_key(struct seen *s, const json_t *ev)
{
    const char *name = it_str(ev, "event");
    if (strcmp(name, "contract.expiring") && strcmp(name, "contract.notice_due") &&
        strcmp(name, "contract.expired"))
        return;
    const json_t *data = json_object_get(ev, "data");
    char key[128];
    snprintf(key, sizeof key, "%s %s %lld", it_str(json_object_get(data, "contract"), "id"), name,
             (long long)it_int(data, "threshold"));
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 1024;
        s->keys = realloc(s->keys, s->cap * sizeof *s->keys);
        REQUIRE(s->keys != NULL);
    }
    s->keys[s->n++] = strdup(key);
}

static void *live_reader(void *arg)
{
    struct seen *s = arg;
    json_t *ev;
    for (;;) {
        int rc = ctl_client_next_event(s->c, 200, &ev);
        if (rc == 1) {
            add_key(s, ev);
            json_decref(ev);
        } else if (rc < 0) {
            s->closed = 1;
            break;
        } else if (atomic_load(&s->stop))
            break;
    }
    return NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every key once: sorted, no two equal. */
static size_t duplicates(struct seen *s)
{
    size_t d = 0;
    qsort(s->keys, s->n, sizeof *s->keys, cmp_str);
    for (size_t i = 1; i < s->n; i++)
        d += strcmp(s->keys[i - 1], s->keys[i]) == 0;
    return d;
}

static void free_seen(struct seen *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->keys[i]);
    free(s->keys);
}

static long expected_alerts(void)
{
    long n = 0;
    for (int i = 0; i < N_CONTRACTS; i++) {
        int end = 1 + i % 400, notice = (i % 3) * 10;
        for (int t = 0; t < 5; t++) {
            int due = end - thresholds[t];
            n += due >= 0 && due <= DAYS;
            due = end - notice - thresholds[t];
            n += notice > 0 && due >= 0 && due <= DAYS;
        }
        n += end + 1 <= DAYS;
    }
    return n;
}

static int64_t day0_ms;

static void iso_day(int day, char out[32])
{
    int64_t ms = day0_ms + (int64_t)day * 86400000;
    time_t sec = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&sec, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
}

/* Creates the contracts on a raw connection, PIPELINE requests in flight. */
static void create_all(struct it_server *srv)
{
    struct ctl_ws *ws = it_ws_login(srv, "admin", IT_ADMIN_PASSWORD);
    char buf[512], *msg;
    size_t len;
    int sent = 0, done = 0, failed = 0;

    /* the server rate-limits a connection that sends too fast: such a
     * request is sent again after a pause (it did nothing) */
    int retry[PIPELINE * 4], nretry = 0;
    while (done < N_CONTRACTS) {
        while ((nretry > 0 || sent < N_CONTRACTS) && sent - done < PIPELINE) {
            int i = nretry > 0 ? retry[--nretry] : sent++;
            char end[32];
            iso_day(1 + i % 400, end);
            end[10] = '\0';
            int n =
                snprintf(buf, sizeof buf,
                         "{\"id\":%d,\"op\":\"contracts.create\",\"args\":{\"number\":\"Y-%05d\","
                         "\"title\":\"Year contract %d\",\"counterparty\":\"ACME\",\"kind\":"
                         "\"supplier\",\"currency\":\"EUR\",\"status\":\"active\","
                         "\"end_date\":\"%s\",\"notice_days\":%d}}",
                         i + 1, i, i, end, (i % 3) * 10);
            REQUIRE(ctl_ws_send_text(ws, buf, (size_t)n) == 0);
            if (nretry == 0 && i + 1 != sent)
                break; /* a retried one went out: read before sending more */
        }
        REQUIRE(ctl_ws_recv(ws, IT_TIMEOUT_MS * 3, &msg, &len) == 1);
        if (strstr(msg, "\"rate_limited\"")) {
            json_t *j = json_loads(msg, 0, NULL);
            REQUIRE(j && nretry < PIPELINE * 4);
            retry[nretry++] = (int)it_int(j, "id") - 1;
            json_decref(j);
            usleep(2000);
            done--; /* still in flight: it goes out again */
        } else if (!strstr(msg, "\"ok\":true") && failed++ < 3)
            fprintf(stderr, "create failed: %.200s\n", msg);
        free(msg);
        done++;
    }
    CHECK(failed == 0);
    ctl_ws_close(ws, 1000);
}

int main(void)
{
    static const char *const args[] = {
        /* tokens must outlive months of fake time */ "--session-ttl", "315360000", "--fake-now",
        "2026-01-01T09:00:00Z", NULL};
    struct seen live = {0}, offline = {0};
    pthread_t th;
    int64_t t0 = it_now_ms();

    it_setup("it_expiry_year");
    REQUIRE(pacta_parse_timestamp("2026-01-01T09:00:00Z", &day0_ms) == 0);
    struct it_server *srv = it_server_start(args);
    live.c = it_login_admin(srv);
    json_t *r = it_call(live.c, "subscribe", json_pack("{}"), NULL);
    REQUIRE(r != NULL);
    json_int_t head0 = it_int(r, "head");
    json_decref(r);
    REQUIRE(pthread_create(&th, NULL, live_reader, &live) == 0);

    create_all(srv);
    fprintf(stderr, "created %d contracts in %lld ms\n", N_CONTRACTS,
            (long long)(it_now_ms() - t0));
    /* logged in only now: a client that sends nothing and reads nothing
     * while the contracts are created (over a minute on a loaded machine)
     * misses the server's pings and is dropped as dead */
    struct ctl_client *ad = it_login_admin(srv);
    for (int d = 1; d <= DAYS; d++) {
        char now[32];
        iso_day(d, now);
        r = it_call(ad, "admin.clock.set", json_pack("{s:s}", "now", now), NULL);
        REQUIRE(r != NULL);
        json_decref(r);
    }
    fprintf(stderr, "a year of days in %lld ms\n", (long long)(it_now_ms() - t0));
    /* the last scan's events were queued before its answer; let the live
     * desk read them */
    r = it_call(ad, "ping", NULL, NULL);
    json_decref(r);
    int64_t wait_until = it_now_ms() + 3 * IT_TIMEOUT_MS; /* 30 s, 300 s under valgrind */
    long want = expected_alerts();
    while ((long)live.n < want && it_now_ms() < wait_until && !live.closed)
        usleep(50000);
    atomic_store(&live.stop, 1);
    pthread_join(th, NULL);
    CHECKF((long)live.n == want, "live desk saw %zu alerts, want %ld", live.n, want);
    CHECK(!live.closed);
    CHECK(duplicates(&live) == 0);

    /* an offline desk: subscribe from before it all */
    offline.c = it_login_admin(srv);
    r = it_call(offline.c, "subscribe", json_pack("{s:I}", "since", head0), NULL);
    REQUIRE(r != NULL);
    json_decref(r);
    json_t *ev;
    while ((long)offline.n < want &&
           ctl_client_next_event(offline.c, IT_TIMEOUT_MS / 2, &ev) == 1) {
        add_key(&offline, ev);
        json_decref(ev);
    }
    CHECKF((long)offline.n == want, "offline desk got %zu alerts, want %ld", offline.n, want);
    CHECK(duplicates(&offline) == 0);
    fprintf(stderr, "%ld alerts, each once, live and replayed; total %lld ms\n", want,
            (long long)(it_now_ms() - t0));

    free_seen(&live);
    free_seen(&offline);
    ctl_client_close(offline.c);
    ctl_client_close(live.c);
    ctl_client_close(ad);
    return it_done(test_summary());
}
