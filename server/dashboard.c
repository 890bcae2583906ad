/*
 * stats.dashboard, dashboard.watch and the live dashboard.updated event
 * (PROTOCOL.md §6.42-6.43), on the loop thread.
 *
 * A watching session gets fresh figures after committed changes and when
 * the day changes (the date windows move at midnight in the server's
 * zone).  However many changes there are, the figures are computed at most
 * once per DASHBOARD_INTERVAL_MS for the whole server — in the thread pool
 * with a read-only connection (dashboard_read.c), one computation at a
 * time — and the one serialized frame is queued to every watcher, like a
 * broadcast.  A change that lands while a computation runs marks the
 * figures dirty, so the next one starts when the interval allows: the
 * last figures a watcher receives always include the last change.
 *
 * A computation that fails (the database unreadable for a moment, out of
 * memory) leaves the figures dirty: it is tried again after the interval,
 * doubled after each failure in a row up to a minute, so watchers are not
 * left with figures that miss a change until the next one comes.
 *
 * The event is ephemeral (no seq, never replayed): a desk that reconnects
 * calls dashboard.watch again and gets the current figures as its answer.
 *
 * The same day timer tells every subscriber that the server's date changed
 * (server.day, admin.c): the derived members of the records they hold
 * (lifecycle, days_left) are for another day now.
 */
#include <stdlib.h>
#include <string.h>

#include "dashboard.h"
#include "expiry.h"
#include "log.h"
#include "srv.h"

/* At most one computation (and one event per watcher) this often. */
#define DASHBOARD_INTERVAL_MS 500
/* After failures in a row, the next try waits up to this long. */
#define DASHBOARD_RETRY_MAX_MS (60 * 1000)
/* The day timer re-checks at least this often: a wall clock that jumped
 * (suspend, NTP) is noticed within the hour. */
#define DAY_MAX_SLEEP_MS (3600 * 1000)

struct dash_job {
    uv_work_t work;
    struct srv *srv;
    int64_t today;
    int window;
    char *text; /* the whole event frame, encoded in the pool */
    size_t len;
    struct pacta_error err;
    int rc;
    int fail; /* tests: fail without reading (PACTA_TEST_DASHBOARD_FAIL) */
};

static struct {
    struct srv *srv;
    uv_timer_t throttle, day;
    int started, stopping;
    int dirty;              /* something changed since the last computation began */
    int running;            /* a computation is in the pool */
    int throttle_armed;     /* kick() is due when `throttle` fires */
    uint64_t last_start_ms; /* monotonic; 0 before the first */
    int64_t day_armed;      /* today when the day timer was armed */
    int64_t day_announced;  /* the date subscribers were last told about */
    int failures;           /* computations failed in a row */
    long fail_left;         /* tests: computations still to fail */
} D;

/* server.day to every subscriber when the date is not the one announced. */
static void announce_day(void)
{
    int64_t today = srv_today();
    if (today == D.day_announced)
        return;
    D.day_announced = today;
    srv__admin_day_changed(D.srv);
}

static int is_watcher(const struct srv_session *o)
{
    return o->dashboard_watch && o->authenticated && srv__session_open(o);
}

static int anyone_watching(const struct srv *srv)
{
    for (const struct srv_session *o = srv->sessions; o; o = o->next)
        if (is_watcher(o))
            return 1;
    return 0;
}

/* Pool thread: the figures, and the event frame around them. */
static void job_work(uv_work_t *req)
{
    struct dash_job *j = req->data;
    struct pacta_dashboard d = {0};
    if (j->fail) {
        j->rc = pacta_error_set(&j->err, PACTA_UNAVAILABLE, "", "failure asked for by the test");
        return;
    }
    sqlite3 *r = srv_db_reader_acquire(j->srv->db);
    j->rc = srv__dashboard_read(r, j->today, j->window, &d, &j->err);
    srv_db_reader_release(j->srv->db, r);
    if (j->rc == 0)
        j->text =
            pacta_encode_event(PACTA_EV_DASHBOARD_UPDATED, 0, pacta_dashboard_to_json(&d), &j->len);
    pacta_dashboard_clear(&d);
}

static void kick(void);

static void job_after(uv_work_t *req, int status)
{
    struct dash_job *j = req->data;
    struct srv *srv = j->srv;

    D.running = 0;
    srv->jobs_inflight--;
    if (status == 0 && j->rc == 0 && j->text && !D.stopping) {
        struct srv_msg *m = srv__msg_new(j->text, j->len);
        for (struct srv_session *o = srv->sessions; o; o = o->next)
            if (is_watcher(o))
                srv__session_queue_event(o, m);
        srv__msg_unref(m);
        D.failures = 0;
    } else if (status == 0) {
        /* the change it was for is still untold: again, later */
        D.failures++;
        D.dirty = 1;
        srv_logf(SRV_LOG_ERROR, "dashboard figures failed", "{s:s,s:i}", "error",
                 j->rc != 0 ? j->err.message : "out of memory", "failures", D.failures);
    }
    free(j->text);
    free(j);
    kick();
}

static void start_job(void)
{
    struct dash_job *j = calloc(1, sizeof *j);
    if (!j)
        abort();
    j->work.data = j;
    j->srv = D.srv;
    j->today = srv_today();
    j->window = srv_expiry_window();
    if (D.fail_left > 0) {
        j->fail = 1;
        D.fail_left--;
    }
    D.dirty = 0;
    D.running = 1;
    D.last_start_ms = srv__now_ms();
    D.srv->jobs_inflight++;
    if (uv_queue_work(D.srv->loop, &j->work, job_work, job_after) != 0) {
        D.running = 0;
        D.srv->jobs_inflight--;
        D.failures++;
        D.dirty = 1; /* tried again after the interval */
        free(j);
        kick();
    }
}

static void on_throttle(uv_timer_t *t)
{
    (void)t;
    D.throttle_armed = 0;
    kick();
}

/* Starts the computation the dirty figures need, now or when the interval
 * since the last one has passed. */
static void kick(void)
{
    if (!D.dirty || D.running || D.stopping || D.srv->shutting_down)
        return;
    if (!anyone_watching(D.srv)) {
        D.dirty = 0; /* nobody to tell; a new watcher gets figures in its answer */
        D.failures = 0;
        return;
    }
    uint64_t wait = DASHBOARD_INTERVAL_MS;
    for (int i = 0; i < D.failures && wait < DASHBOARD_RETRY_MAX_MS; i++)
        wait *= 2;
    if (wait > DASHBOARD_RETRY_MAX_MS)
        wait = DASHBOARD_RETRY_MAX_MS;
    uint64_t now = srv__now_ms(), due = D.last_start_ms + wait;
    if (D.last_start_ms && now < due) {
        if (!D.throttle_armed) {
            D.throttle_armed = 1;
            uv_timer_start(&D.throttle, on_throttle, due - now, 0);
        }
        return;
    }
    start_job();
}

void srv__dashboard_changed(struct srv *srv)
{
    (void)srv;
    if (!D.started || D.stopping || D.dirty)
        return;
    D.dirty = 1;
    kick();
}

static void on_day(uv_timer_t *t);

/* Wakes at the next midnight in the server's zone (or within the hour). */
static void arm_day_timer(void)
{
    int64_t now = srv_clock_now_ms();
    D.day_armed = srv_local_day(now, NULL);
    int64_t delay = srv_local_ms(D.day_armed + 1, 0) - now;
    if (delay > DAY_MAX_SLEEP_MS)
        delay = DAY_MAX_SLEEP_MS;
    if (delay < 1000)
        delay = 1000;
    uv_timer_start(&D.day, on_day, (uint64_t)delay, 0);
}

static void on_day(uv_timer_t *t)
{
    (void)t;
    if (srv_today() != D.day_armed)
        srv__dashboard_changed(D.srv);
    announce_day();
    arm_day_timer();
}

void srv__dashboard_clock_moved(struct srv *srv)
{
    if (!D.started || D.stopping)
        return;
    arm_day_timer();
    srv__dashboard_changed(srv);
    announce_day();
}

void srv__dashboard_start(struct srv *srv)
{
    D.srv = srv;
    uv_timer_init(srv->loop, &D.throttle);
    uv_timer_init(srv->loop, &D.day);
    D.started = 1;
    D.day_announced = srv_today();
    const char *fail = getenv("PACTA_TEST_DASHBOARD_FAIL");
    D.fail_left = fail ? strtol(fail, NULL, 10) : 0;
    arm_day_timer();
}

void srv__dashboard_stop(struct srv *srv)
{
    (void)srv;
    if (!D.started || D.stopping)
        return;
    D.stopping = 1;
    uv_timer_stop(&D.throttle);
    uv_timer_stop(&D.day);
    uv_close((uv_handle_t *)&D.throttle, NULL);
    uv_close((uv_handle_t *)&D.day, NULL);
}

/* ---- ops ------------------------------------------------------------------------ */

/* Pool thread (srv__ops_read): the figures as the request's result. */
static int read_dashboard(sqlite3 *r, const char *actor, const json_t *args, json_t **result,
                          struct pacta_error *err)
{
    struct pacta_dashboard d;
    (void)actor;
    (void)args;
    int rc = srv__dashboard_read(r, srv_today(), srv_expiry_window(), &d, err);
    if (rc == 0)
        *result = pacta_dashboard_to_json(&d);
    pacta_dashboard_clear(&d);
    return rc;
}

int srv__dashboard_handle(struct srv_session *s, const struct pacta_request *req)
{
    struct pacta_error err = {0};
    int rc = 0, on = 0;

    switch (req->op) {
    case PACTA_OP_STATS_DASHBOARD:
        if ((rc = pacta_decode_stats_dashboard(req->args, &err)) == 0)
            srv__ops_read(s, req, read_dashboard);
        break;
    case PACTA_OP_DASHBOARD_WATCH:
        if ((rc = pacta_decode_dashboard_watch(req->args, &on, &err)) != 0)
            break;
        /* on before the read: a change committed after the read's snapshot
         * reaches this session as an event */
        s->dashboard_watch = on;
        if (on)
            srv__ops_read(s, req, read_dashboard);
        else
            srv__respond_ok(s, req->id, NULL);
        break;
    default:
        return 0;
    }
    if (rc)
        srv__respond_error(s, req->id, &err, NULL);
    return 1;
}
