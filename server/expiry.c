/*
 * The expiry scheduler, on the loop thread.  It never touches the database
 * itself: each scan is one SRV_W_EXPIRY_SCAN write (db_expiry.c) run by the
 * writer inside a group-commit transaction; its events come back here and
 * are broadcast like any other committed change.
 *
 * When it scans: at start-up (a full scan, which also fires what fell due
 * while the server was down, marked late), after any committed change that
 * can move a contract's schedule (only those contracts are re-armed), at
 * the configured time each day (a full scan plus the digests), at 00:00 of
 * the next day something falls due, and when a test moves the fake clock.
 * One scan runs at a time; requests arriving meanwhile are merged into the
 * next one.  Timers are one-shot and re-armed after every scan: no polling.
 *
 * A scan is done in steps (db_expiry.c: a full sync walks the contracts in
 * slices, the due ones are handled a few hundred at a time, and at most
 * --expiry-step / 5 contracts re-armed by id): each step is one short write and
 * the next is submitted when it comes back, so the writes of users go
 * between steps.  Waiters are answered, and last_expiry_scan set, when the
 * last step is over.  A step that fails (the database busy, full, or
 * failing) did nothing: it is logged and submitted again after 1 s, 2 s,
 * 4 s ... (at most MAX_RETRY_MS), the walk from where it was and with the
 * same ids, its waiters still waiting.
 */
#include <stdlib.h>
#include <string.h>

#include "expiry.h"
#include "log.h"
#include "srv.h"

/* A timer wake-up re-checks at least this often, so a wall clock that
 * jumped (suspend, NTP) is noticed within the hour. */
#define MAX_SLEEP_MS (3600 * 1000)
/* A failed step (the database busy or full) is tried again after 1 s,
 * doubled after each failure in a row up to this. */
#define MAX_RETRY_MS (300 * 1000)

struct waiter {
    struct srv_session *s;
    json_t *id;
    struct waiter *next;
};

static struct {
    struct srv *srv;
    uv_timer_t timer;
    int started, stopping;
    int running;             /* a scan is with the writer */
    int want, want_full;     /* another scan is wanted after it */
    json_t *want_ids;        /* contract ids it must re-arm */
    int syncing;             /* a full sync is under way, */
    json_int_t sync_after;   /* ... and goes on after this contract rowid */
    struct waiter *waiting;  /* answered when the wanted scan completes */
    struct waiter *inflight; /* answered when the running scan completes */
    int64_t wake_ms;         /* what the timer is armed for (Unix ms) */
    int64_t due_ms;          /* 00:00 of the last scan's next_due (0: none) */
    int retrying;            /* the timer is for trying a failed step again */
    int failures;            /* steps failed in a row */
} X;

static void submit(void);

static json_t *thresholds(void)
{
    json_t *a = json_array();
    const struct srv_config *cfg = X.srv->cfg;
    for (int i = 0; i < cfg->nthresholds; i++)
        json_array_append_new(a, json_integer(cfg->thresholds[i]));
    return a;
}

static void answer(struct waiter *list)
{
    char now[32];
    srv_now_iso(now);
    while (list) {
        struct waiter *n = list->next;
        srv__respond_ok(list->s, list->id, json_pack("{s:s}", "now", now));
        json_decref(list->id);
        srv__session_unref(list->s);
        free(list);
        list = n;
    }
}

static void on_timer(uv_timer_t *t);

/* The next moment something is due: 00:00 of next_due, or the daily time.
 * Today's daily time is compared as a moment, not as the clock's reading:
 * on a day the clocks go back, the second 01:10 reads before a 01:30 that
 * already passed (the timer fired every second until the reading caught
 * up), and on a day they go forward a 02:30 that does not exist is 03:30,
 * so a wake-up at 03:10 has it still ahead (it was skipped for the day). */
static void arm_timer(const char *next_due)
{
    int64_t now = srv_clock_now_ms(), day, due_day;
    int64_t wake;

    /* a scan says when its next due day begins; an early wake-up (no
     * scan) keeps what the last scan said: it dropped it, and the day's
     * thresholds waited for the daily time instead of 00:00 */
    if (next_due)
        X.due_ms = srv_date_parse(next_due, &due_day) == 0 ? srv_local_ms(due_day, 0) : 0;

    day = srv_local_day(now, NULL);
    wake = srv_local_ms(day, X.srv->cfg->alert_minute);
    if (wake <= now)
        wake = srv_local_ms(day + 1, X.srv->cfg->alert_minute);
    if (X.due_ms > now && X.due_ms < wake)
        wake = X.due_ms;
    X.wake_ms = wake;
    if (srv_log_enabled(SRV_LOG_DEBUG)) {
        char iso[32];
        srv__iso_from_ms(wake, iso);
        srv_logf(SRV_LOG_DEBUG, "expiry timer", "{s:s}", "wake", iso);
    }
    int64_t delay = wake - now;
    if (delay > MAX_SLEEP_MS)
        delay = MAX_SLEEP_MS;
    if (delay < 1000)
        delay = 1000;
    uv_timer_start(&X.timer, on_timer, (uint64_t)delay, 0);
}

static void scan_done(struct srv_write *w)
{
    struct waiter *done = X.inflight;
    const json_t *after = json_object_get(w->result, "sync_after");
    int more = 0;

    X.inflight = NULL;
    X.running = 0;
    if (w->events && json_array_size(w->events))
        srv__broadcast(X.srv, w->events, w->request_id);
    if (w->code != PACTA_OK) {
        /* The step did nothing: it is tried again (the walk from the same
         * contract, its ids re-armed) after a pause, and its waiters wait
         * for it.  The walk is not given up, so no later step handles due
         * schedules before the walk is through. */
        size_t i;
        json_t *id;
        json_t *ids = json_deep_copy(json_object_get(w->args, "ids"));
        if (!ids)
            ids = json_array();
        int64_t retry_ms = X.failures < 20 ? (int64_t)1000 << X.failures : MAX_RETRY_MS;

        if (retry_ms > MAX_RETRY_MS)
            retry_ms = MAX_RETRY_MS;
        X.failures++;
        srv_logf(SRV_LOG_ERROR, "expiry scan failed", "{s:s, s:I, s:i}", "error", w->err.message,
                 "retry_in_ms", (json_int_t)retry_ms, "failures", X.failures);
        json_array_foreach(X.want_ids, i, id)
        {
            json_array_append(ids, id);
        }
        json_decref(X.want_ids);
        X.want_ids = json_array_size(ids) ? ids : (json_decref(ids), NULL);
        X.retrying = (int)retry_ms;
        more = 1;
    } else {
        X.failures = 0;
        X.retrying = 0;
        if (json_integer_value(json_object_get(w->result, "fired")) > 0)
            srv_logf(SRV_LOG_INFO, "expiry scan", "{s:O}", "result", w->result);
        if (json_is_true(json_object_get(w->args, "full"))) {
            X.syncing = json_is_integer(after);
            X.sync_after = json_integer_value(after);
        }
        more = X.syncing || json_is_true(json_object_get(w->result, "more_due"));
    }
    if (more) { /* its waiters wait for the last step */
        struct waiter **tail = &done;
        while (*tail)
            tail = &(*tail)->next;
        *tail = X.waiting;
        X.waiting = done;
        X.want = 1;
        done = NULL;
    } else if (w->code == PACTA_OK)
        X.srv->last_expiry_scan_ms = srv_clock_now_ms(); /* admin.stats */
    answer(done);
    if (!X.stopping && !X.srv->shutting_down) {
        if (X.retrying)
            uv_timer_start(&X.timer, on_timer, (uint64_t)X.retrying, 0);
        else {
            arm_timer(json_string_value(json_object_get(w->result, "next_due")) ?: "");
            if (X.want)
                submit();
        }
    }
    srv_write_free(w);
}

/* Starts the wanted scan now if none runs (else it starts after). */
static void submit(void)
{
    struct srv_write *w;
    char today_s[11];
    int64_t today, now;

    if (X.running || X.stopping)
        return;
    now = srv_clock_now_ms();
    today = srv_local_day(now, NULL);
    srv_date_format(today, today_s);
    if (X.want_full && !X.syncing) {
        X.syncing = 1;
        X.sync_after = 0;
    }
    json_t *ids = json_array();
    size_t nids = X.want_ids ? json_array_size(X.want_ids) : 0;
    size_t ids_step = (size_t)X.srv->cfg->expiry_step / 5 + 1;
    for (size_t i = 0; i < nids && i < ids_step; i++)
        json_array_append(ids, json_array_get(X.want_ids, i));
    if (nids > ids_step) { /* the rest in the next step */
        json_t *rest = json_array();
        for (size_t i = ids_step; i < nids; i++)
            json_array_append(rest, json_array_get(X.want_ids, i));
        json_decref(X.want_ids);
        X.want_ids = rest;
    } else {
        json_decref(X.want_ids);
        X.want_ids = NULL;
    }
    json_t *args = json_pack("{s:s, s:o, s:b, s:I, s:i, s:b, s:o}", "today", today_s, "thresholds",
                             thresholds(), "full", X.syncing, "after", X.sync_after, "step",
                             X.srv->cfg->expiry_step, "digest",
                             /* the day's time passed, as a moment (arm_timer) */
                             now >= srv_local_ms(today, X.srv->cfg->alert_minute), "ids", ids);
    X.want = X.want_ids != NULL; /* ids left for the next step */
    X.want_full = 0;
    w = srv_write_new(SRV_W_EXPIRY_SCAN, "system", args);
    w->done = scan_done;
    if (srv_db_submit(X.srv->db, w) != 0) {
        srv_write_free(w); /* shutting down: nothing more to scan */
        answer(X.waiting);
        X.waiting = NULL;
        return;
    }
    X.running = 1;
    X.inflight = X.waiting;
    X.waiting = NULL;
}

static void want(int full, const char *id)
{
    X.want = 1;
    X.want_full |= full;
    if (id) {
        if (!X.want_ids)
            X.want_ids = json_array();
        json_array_append_new(X.want_ids, json_string(id));
    }
    submit();
}

static void on_timer(uv_timer_t *t)
{
    (void)t;
    if (X.retrying) { /* after a failed step: the same scan again */
        X.want = 1;
        submit();
        return;
    }
    if (srv_clock_now_ms() + 500 < X.wake_ms) {
        arm_timer(NULL); /* woke early (the hourly re-check): sleep on */
        return;
    }
    want(1, NULL);
}

void srv__expiry_start(struct srv *srv)
{
    X.srv = srv;
    srv_expiry_set_window(srv->cfg->nthresholds ? srv->cfg->thresholds[0] : 0);
    uv_timer_init(srv->loop, &X.timer);
    X.started = 1;
    want(1, NULL);
}

void srv__expiry_stop(struct srv *srv)
{
    (void)srv;
    if (!X.started || X.stopping)
        return;
    X.stopping = 1;
    uv_timer_stop(&X.timer);
    uv_close((uv_handle_t *)&X.timer, NULL);
    json_decref(X.want_ids);
    X.want_ids = NULL;
    answer(X.waiting);
    X.waiting = NULL;
}

/* Only edits that can move a schedule start a scan: a create, a delete,
 * and an update of the dates, terms or status; and a restore (a full scan). */
void srv__expiry_note_events(struct srv *srv, const json_t *events)
{
    static const char *const moving[] = {"status",  "end_date",       "notice_days",
                                         "renewal", "renewal_months", NULL};
    size_t i;
    const json_t *ev;

    if (!X.started || X.stopping || srv->shutting_down)
        return;
    json_array_foreach(events, i, ev)
    {
        const char *name = json_string_value(json_object_get(ev, "event"));
        const json_t *data = json_object_get(ev, "data");
        const char *id =
            json_string_value(json_object_get(json_object_get(data, "contract"), "id"));
        const json_t *changed = json_object_get(data, "changed");
        int moves = 0;

        if (!data) { /* contracts.update's: its payload, the contract and what changed */
            id = json_string_value(json_object_get(ev, "entity"));
            changed = json_object_get(ev, "changed");
        }

        /* a restore: the data is another one, and what fell due in it since
         * its backup is handled now, as at a start */
        if (name && !strcmp(name, "server.reset")) {
            want(1, NULL);
            continue;
        }
        if (!name || !id)
            continue;
        if (!strcmp(name, PACTA_EV_CONTRACT_CREATED) || !strcmp(name, PACTA_EV_CONTRACT_DELETED))
            moves = 1;
        else if (!strcmp(name, PACTA_EV_CONTRACT_UPDATED)) {
            size_t k;
            const json_t *f;
            json_array_foreach(changed, k, f)
            {
                for (int m = 0; moving[m] && !moves; m++)
                    moves = json_is_string(f) && !strcmp(json_string_value(f), moving[m]);
            }
        }
        if (moves)
            want(0, id);
    }
}

void srv__expiry_clock_set(struct srv_session *s, const json_t *id, int64_t unix_ms)
{
    struct waiter *wt = calloc(1, sizeof *wt);
    if (!wt)
        abort();
    srv_clock_pin_ms(unix_ms); /* the epoch too: set_fake_ms(0) would mean the real clock */
    srv_logf(SRV_LOG_INFO, "clock moved (test)", "{s:I}", "unix_ms", (json_int_t)unix_ms);
    srv__session_ref(s);
    wt->s = s;
    wt->id = json_incref((json_t *)id);
    /* answered after the scan that sees the new time, so its events go out
     * before the answer */
    wt->next = X.waiting;
    X.waiting = wt;
    want(1, NULL);
}
