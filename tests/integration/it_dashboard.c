/*
 * it_dashboard: stats.dashboard and dashboard.watch (PROTOCOL.md §6.42-6.43)
 * through a real pactad with a pinned clock (--fake-now 2026-01-10).
 *
 *  1. a fixture of ten contracts: every figure equals what the fixture
 *     implies (status, kind, lifecycle, expiring 30/60/90, notice due and
 *     passed, value per currency, recent changes), for a viewer;
 *  2. a watching viewer gets dashboard.updated after an update, a delete
 *     and a status change, each with the new figures; a session that does
 *     not watch gets none;
 *  3. the day boundary: moving the clock a day shifts the date windows and
 *     the watchers get the figures of the new day;
 *  4. coalescing: 40 edits sent at once give a few events, and the last
 *     one equals a fresh stats.dashboard;
 *  5. watch off, and a logout, stop the events;
 *  6. unauthenticated, bad arguments;
 *  7. the server's zone (--timezone Pacific/Auckland, UTC+13 in January):
 *     "today" and every date window follow the local day, not UTC's, and
 *     local midnight moves them;
 *  8. watchers that close or log out while the figures are computed, and a
 *     shutdown with a computation due.
 */
#include <string.h>

#include <pacta/dashboard.h>

#include "harness.h"
#include "test.h"

/* What the figures must be. */
struct want {
    const char *today;
    int64_t total, status[4], kind[2], lifecycle[6], expiring[3], notice_due, notice_passed;
    struct {
        const char *currency;
        int64_t contracts;
        const char *amount;
    } values[4];
};

static void check_figures(const json_t *j, const struct want *w, const char *when)
{
    struct pacta_dashboard d;
    struct pacta_error err = {0};
    int rc = pacta_dashboard_from_json(j, &d, &err);
    CHECKF(rc == 0, "%s: decodes (%s: %s)", when, err.field, err.message);
    if (rc == 0) {
        CHECKF(strcmp(d.today, w->today) == 0, "%s: today %s", when, d.today);
        CHECKF(d.total == w->total, "%s: total %lld", when, (long long)d.total);
        for (int i = 0; i < 4; i++)
            CHECKF(d.by_status[i] == w->status[i], "%s: status %s = %lld, want %lld", when,
                   pacta_dashboard_status_name(i), (long long)d.by_status[i],
                   (long long)w->status[i]);
        for (int i = 0; i < 2; i++)
            CHECKF(d.by_kind[i] == w->kind[i], "%s: kind %d = %lld", when, i,
                   (long long)d.by_kind[i]);
        for (int i = 0; i < 6; i++)
            CHECKF(d.by_lifecycle[i] == w->lifecycle[i], "%s: lifecycle %s = %lld, want %lld", when,
                   pacta_dashboard_lifecycle_name(i), (long long)d.by_lifecycle[i],
                   (long long)w->lifecycle[i]);
        for (int i = 0; i < 3; i++)
            CHECKF(d.expiring[i] == w->expiring[i], "%s: expiring %d = %lld, want %lld", when,
                   pacta_dashboard_windows[i], (long long)d.expiring[i], (long long)w->expiring[i]);
        CHECKF(d.notice_due == w->notice_due && d.notice_passed == w->notice_passed,
               "%s: notice %lld/%lld", when, (long long)d.notice_due, (long long)d.notice_passed);
        CHECKF(d.window_days == 90, "%s: window %d", when, d.window_days);
        size_t n = 0;
        while (n < 4 && w->values[n].currency)
            n++;
        CHECKF(d.n_values == n, "%s: %zu currencies", when, d.n_values);
        for (size_t i = 0; i < n && i < d.n_values; i++)
            CHECKF(!strcmp(d.values[i].currency, w->values[i].currency) &&
                       d.values[i].contracts == w->values[i].contracts &&
                       !strcmp(d.values[i].amount_cents, w->values[i].amount),
                   "%s: value %s %lld %s", when, d.values[i].currency,
                   (long long)d.values[i].contracts, d.values[i].amount_cents);
    }
    pacta_dashboard_clear(&d);
}

static json_t *create(struct ctl_client *c, const char *number, json_t *fields)
{
    json_object_set_new(fields, "number", json_string(number));
    json_t *k = it_contract_create(c, fields);
    REQUIRE(k != NULL);
    return k;
}

/* The next dashboard.updated (new ref) within the test timeout. */
static json_t *next_update(struct ctl_client *c)
{
    json_t *ev = it_wait_event(c, "dashboard.updated", IT_TIMEOUT_MS, NULL);
    CHECKF(ev != NULL, "a dashboard.updated arrives");
    json_t *data = ev ? json_incref(json_object_get(ev, "data")) : NULL;
    json_decref(ev);
    return data;
}

/* Events until the server has been quiet for quiet_ms; the last one's data. */
static json_t *drain_updates(struct ctl_client *c, int quiet_ms, int *count)
{
    json_t *last = NULL, *ev;
    *count = 0;
    while ((ev = it_wait_event(c, "dashboard.updated", quiet_ms, NULL)) != NULL) {
        json_decref(last);
        last = json_incref(json_object_get(ev, "data"));
        json_decref(ev);
        (*count)++;
    }
    return last;
}

static json_t *stats(struct ctl_client *c)
{
    json_t *r = it_call(c, "stats.dashboard", json_object(), NULL);
    REQUIRE(r != NULL);
    return r;
}

static json_int_t update(struct ctl_client *c, const json_t *k, json_t *changes, const char *reason)
{
    json_t *r = it_contract_update(c, it_str(k, "id"), it_int(k, "version"), changes, reason, NULL);
    REQUIRE(r != NULL);
    json_int_t v = it_int(json_object_get(r, "contract"), "version");
    json_decref(r);
    return v;
}

static void check_error(struct ctl_client *c, const char *op, json_t *args, const char *code,
                        const char *field)
{
    json_t *e = it_call_err(c, op, args);
    CHECKF(e && !strcmp(it_err_code(e), code) && !strcmp(it_err_field(e), field),
           "%s: %s/%s, want %s/%s", op, e ? it_err_code(e) : "-", e ? it_err_field(e) : "-", code,
           field);
    json_decref(e);
}

static void set_amount(struct ctl_client *c, const json_t *k, json_int_t version, json_int_t amount)
{
    json_t *r = it_contract_update(c, it_str(k, "id"), version,
                                   json_pack("{s:I}", "amount_cents", amount), "repriced", NULL);
    CHECKF(r != NULL, "amount %lld", (long long)amount);
    json_decref(r);
}

/* 7: a server in Pacific/Auckland; 10:59:59Z is 23:59:59 local on 01-10,
 * 11:00:00Z is local midnight of 01-11 (UTC is still on 01-10 all along). */
static void test_zone(void)
{
    static const char *const args[] = {"--fake-now", "2026-01-10T10:59:59Z", "--timezone",
                                       "Pacific/Auckland", NULL};
    struct it_server *srv = it_server_start(args);
    it_create_role_users(srv);
    struct ctl_client *ed = it_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    struct ctl_client *ad = it_login_admin(srv);
    json_t *k[] = {
        create(ed, "Z-A",
               json_pack("{s:s,s:s,s:s,s:I,s:s}", "status", "active", "kind", "client", "end_date",
                         "2026-01-10", "amount_cents", (json_int_t)100, "currency", "EUR")),
        create(ed, "Z-B",
               json_pack("{s:s,s:s,s:s,s:I,s:s}", "status", "active", "kind", "client", "end_date",
                         "2026-02-10", "amount_cents", (json_int_t)100, "currency", "EUR")),
    };
    /* local 01-10: A ends today (expiring), B ends in 31 days */
    struct want w = {.today = "2026-01-10",
                     .total = 2,
                     .status = {0, 2, 0, 0},
                     .kind = {2, 0},
                     .lifecycle = {0, 0, 2, 0, 0, 0},
                     .expiring = {1, 2, 2},
                     .values = {{"EUR", 2, "200"}}};
    json_t *r = stats(ed);
    check_figures(r, &w, "zone, 23:59:59 local");
    json_decref(r);
    r = it_call(ed, "dashboard.watch", json_pack("{s:b}", "on", 1), NULL);
    json_decref(r);
    r = it_call(ad, "admin.clock.set", json_pack("{s:s}", "now", "2026-01-10T11:00:00.000Z"), NULL);
    REQUIRE(r != NULL);
    json_decref(r);
    /* local 01-11: A is past its end, and the scheduler, on the same local
     * day, expires it (the counters follow its UPDATE); B ends in 30 days */
    w.today = "2026-01-11", w.status[1] = 1, w.status[2] = 1;
    w.lifecycle[2] = 1, w.lifecycle[3] = 1;
    w.expiring[0] = w.expiring[1] = w.expiring[2] = 1;
    w.values[0].contracts = 1, w.values[0].amount = "100";
    int n = 0;
    json_t *up = drain_updates(ed, 1500, &n);
    CHECKF(n >= 1 && up, "zone: local midnight pushed %d events", n);
    if (up)
        check_figures(up, &w, "zone, local midnight (event)");
    json_decref(up);
    r = stats(ed);
    check_figures(r, &w, "zone, local midnight");
    json_t *top = json_array_get(json_object_get(r, "recent_changes"), 0);
    CHECK_STR(it_str(top, "event"), "contract.expired");
    CHECK_STR(it_str(top, "number"), "Z-A");
    json_decref(r);

    /* 8. watchers that go away while the figures are computed (run under
     * ASan by make test-asan): one closes right after a change, one logs
     * out; the others still get the figures, then the server stops with
     * a computation due and exits cleanly */
    struct ctl_client *gone = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    struct ctl_client *out = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    json_decref(it_call(gone, "dashboard.watch", json_pack("{s:b}", "on", 1), NULL));
    json_decref(it_call(out, "dashboard.watch", json_pack("{s:b}", "on", 1), NULL));
    json_t *b = it_contract_get(ed, it_str(k[1], "id"));
    json_int_t bv = it_int(b, "version");
    json_decref(b);
    set_amount(ed, k[1], bv++, 300);
    ctl_client_close(gone);
    json_decref(it_call(out, "auth.logout", json_object(), NULL));
    w.values[0].amount = "300";
    up = drain_updates(ed, 1500, &n);
    CHECKF(n >= 1 && up, "after a watcher left: %d events", n);
    if (up)
        check_figures(up, &w, "after a watcher left");
    json_decref(up);
    set_amount(ed, k[1], bv++, 400);
    set_amount(ed, k[1], bv++, 500);
    CHECK(it_server_stop(srv) == 0);

    json_decref(k[0]);
    json_decref(k[1]);
    ctl_client_close(out);
    ctl_client_close(ad);
    ctl_client_close(ed);
}

int main(void)
{
    static const char *const args[] = {"--fake-now", "2026-01-10T09:00:00Z", NULL};
    it_setup("it_dashboard");
    struct it_server *srv = it_server_start(args);
    it_create_role_users(srv);
    struct ctl_client *ed = it_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    struct ctl_client *vi = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    struct ctl_client *ad = it_login_admin(srv);

    /* empty */
    json_t *r = stats(vi);
    check_figures(r, &(struct want){.today = "2026-01-10"}, "empty");
    CHECK(json_array_size(json_object_get(r, "recent_changes")) == 0);
    json_decref(r);

    /* 1. the fixture; today 2026-01-10, window 90, notice window to 02-09 */
#define C(...) json_pack(__VA_ARGS__)
    json_t *a = create(ed, "D-A",
                       C("{s:s,s:s,s:s,s:s,s:I,s:s,s:i}", "status", "active", "kind", "client",
                         "start_date", "2025-01-26", "end_date", "2026-01-25", "amount_cents",
                         (json_int_t)100000, "currency", "EUR", "notice_days",
                         30)); /* expiring, deadline 12-26 passed */
    json_t *b = create(ed, "D-B",
                       C("{s:s,s:s,s:s,s:I,s:s}", "status", "active", "kind", "supplier",
                         "end_date", "2026-03-01", "amount_cents", (json_int_t)250000, "currency",
                         "EUR")); /* expiring, 50 days */
    json_t *c = create(ed, "D-C",
                       C("{s:s,s:s,s:s,s:I,s:s,s:i}", "status", "active", "kind", "supplier",
                         "end_date", "2027-01-09", "amount_cents", (json_int_t)5000, "currency",
                         "USD", "notice_days", 60));
    json_t *dd = create(ed, "D-D",
                        C("{s:s,s:s,s:s,s:s,s:I,s:s,s:i}", "status", "active", "kind", "client",
                          "start_date", "2026-02-01", "end_date", "2026-12-31", "amount_cents",
                          (json_int_t)700, "currency", "RON", "notice_days", 10)); /* upcoming */
    json_t *e = create(ed, "D-E",
                       C("{s:s,s:I,s:s}", "kind", "client", "amount_cents", (json_int_t)999,
                         "currency", "EUR")); /* draft, no dates */
    json_t *f = create(ed, "D-F",
                       C("{s:s,s:s,s:s,s:s}", "status", "expired", "kind", "supplier", "end_date",
                         "2025-06-30", "currency", "EUR"));
    json_t *g = create(ed, "D-G",
                       C("{s:s,s:s,s:s,s:s}", "status", "terminated", "kind", "client", "end_date",
                         "2026-06-30", "currency", "EUR"));
    json_t *h =
        create(ed, "D-H",
               C("{s:s,s:s,s:s,s:s,s:I,s:s,s:i}", "status", "active", "kind", "client", "renewal",
                 "evergreen", "end_date", "2026-01-20", "amount_cents", (json_int_t)5000,
                 "currency", "EUR", "notice_days", 20)); /* never "expiring"; deadline passed */
    json_t *i =
        create(ed, "D-I",
               C("{s:s,s:s,s:s,s:s}", "kind", "supplier", "start_date", "2025-01-01", "end_date",
                 "2025-12-01", "currency", "EUR")); /* draft past its end: expired */
    json_t *j = create(ed, "D-J",
                       C("{s:s,s:s,s:s,s:s,s:I,s:s}", "status", "active", "kind", "client",
                         "start_date", "2025-02-11", "end_date", "2026-02-10", "amount_cents",
                         (json_int_t)10, "currency", "EUR"));
#undef C
    /* status d/a/e/t; kind c/s; lifecycle upcoming/active/expiring/expired/terminated/unknown */
    struct want w = {.today = "2026-01-10",
                     .total = 10,
                     .status = {2, 6, 1, 1},
                     .kind = {6, 4},
                     .lifecycle = {1, 2, 3, 2, 1, 1},
                     .expiring = {2, 4, 4},
                     .notice_due = 2,
                     .notice_passed = 2,
                     .values = {{"EUR", 4, "355010"}, {"RON", 1, "700"}, {"USD", 1, "5000"}}};
    r = stats(vi);
    check_figures(r, &w, "fixture");
    json_t *recent = json_object_get(r, "recent_changes");
    CHECK(json_array_size(recent) == 10);
    json_t *top = json_array_get(recent, 0);
    CHECK_STR(it_str(top, "event"), "contract.created");
    CHECK_STR(it_str(top, "number"), "D-J");
    CHECK_STR(it_str(top, "contract_id"), it_str(j, "id"));
    CHECK_STR(it_str(top, "actor"), IT_EDITOR_USER);
    CHECK(it_int(top, "seq") == it_int(r, "as_of_seq"));
    json_decref(r);

    /* 2. live: the viewer watches; the answer is the figures */
    r = it_call(vi, "dashboard.watch", json_pack("{s:b}", "on", 1), NULL);
    check_figures(r, &w, "watch answer");
    json_decref(r);

    /* an update: B terminated */
    json_int_t bv = update(ed, b, json_pack("{s:s}", "status", "terminated"), "ended early");
    w.status[1] = 5, w.status[3] = 2, w.lifecycle[2] = 2, w.lifecycle[4] = 2;
    w.expiring[1] = 3, w.expiring[2] = 3;
    w.values[0].contracts = 3, w.values[0].amount = "105010";
    json_t *up = next_update(vi);
    check_figures(up, &w, "after update");
    top = json_array_get(json_object_get(up, "recent_changes"), 0);
    CHECK_STR(it_str(top, "event"), "contract.updated");
    CHECK_STR(it_str(top, "number"), "D-B");
    CHECK(bv == 2);
    json_decref(up);

    /* a delete: C (active, USD, supplier, notice 60 not due) */
    r = it_call(ed, "contracts.delete",
                json_pack("{s:s,s:I,s:s}", "id", it_str(c, "id"), "version", it_int(c, "version"),
                          "reason", "duplicate"),
                NULL);
    REQUIRE(r != NULL);
    json_decref(r);
    w.total = 9, w.status[1] = 4, w.kind[1] = 3, w.lifecycle[1] = 1;
    w.values[2].currency = NULL;
    up = next_update(vi);
    check_figures(up, &w, "after delete");
    CHECK_STR(it_str(json_array_get(json_object_get(up, "recent_changes"), 0), "event"),
              "contract.deleted");
    json_decref(up);

    /* a status change: E draft -> active (no end date: still unknown) */
    update(ed, e, json_pack("{s:s}", "status", "active"), NULL);
    w.status[0] = 1, w.status[1] = 5;
    w.values[0].contracts = 4, w.values[0].amount = "106009";
    up = next_update(vi);
    check_figures(up, &w, "after status change");
    json_decref(up);

    /* the editor never asked: no dashboard event reached it */
    CHECK(it_wait_event(ed, "dashboard.updated", 300, NULL) == NULL);

    /* 3. the next day: J (ends 02-10) enters the 30-day window */
    r = it_call(ad, "admin.clock.set", json_pack("{s:s}", "now", "2026-01-11T09:00:00.000Z"), NULL);
    REQUIRE(r != NULL);
    json_decref(r);
    w.today = "2026-01-11", w.expiring[0] = 3;
    int n = 0;
    up = drain_updates(vi, 1500, &n);
    CHECKF(n >= 1, "day change: %d events", n);
    if (up)
        check_figures(up, &w, "next day");
    json_decref(up);

    /* 4. a burst: 40 updates of J pipelined on one connection */
    json_t *cur = it_contract_get(ed, it_str(j, "id"));
    json_int_t v = it_int(cur, "version");
    json_decref(cur);
    struct ctl_ws *ws = ctl_client_ws(ed);
    for (int k = 0; k < 40; k++) {
        char *frame = NULL;
        json_t *req = json_pack("{s:i,s:s,s:{s:s,s:I,s:{s:I},s:s}}", "id", 9000 + k, "op",
                                "contracts.update", "args", "id", it_str(j, "id"), "version", v + k,
                                "changes", "amount_cents", (json_int_t)(11 + k), "reason", "burst");
        frame = json_dumps(req, JSON_COMPACT);
        CHECK(ctl_ws_send_text(ws, frame, strlen(frame)) == 0);
        free(frame);
        json_decref(req);
    }
    int64_t t0 = it_now_ms();
    int answered = 0, ok = 0;
    while (answered < 40) {
        char *msg = NULL;
        size_t len;
        if (ctl_ws_recv(ws, IT_TIMEOUT_MS, &msg, &len) != 1)
            break;
        json_t *m = json_loads(msg, 0, NULL);
        free(msg);
        if (json_object_get(m, "ok")) {
            answered++;
            ok += json_is_true(json_object_get(m, "ok"));
        }
        json_decref(m);
    }
    int64_t burst_ms = it_now_ms() - t0;
    CHECKF(answered == 40 && ok == 40, "burst: %d answered, %d ok", answered, ok);
    json_t *last = drain_updates(vi, 1500, &n);
    /* at most one computation per 500 ms, plus the one running when the
     * burst began and the one that follows the last edit */
    CHECKF(n >= 1 && n <= 2 + (int)(burst_ms / 500) && n < 20, "burst: %d events in %lld ms", n,
           (long long)burst_ms);
    w.values[0].amount = "106049"; /* J from 10 to 50 */
    r = stats(vi);
    CHECKF(last && json_equal(last, r), "the last event equals stats.dashboard");
    check_figures(r, &w, "after burst");
    json_decref(r);
    json_decref(last);

    /* 5. watch off: nothing more; the admin, watching, still gets them */
    r = it_call(vi, "dashboard.watch", json_pack("{s:b}", "on", 0), NULL);
    CHECK(r && json_object_size(r) == 0);
    json_decref(r);
    r = it_call(ad, "dashboard.watch", json_pack("{s:b}", "on", 1), NULL);
    json_decref(r);
    update(ed, g, json_pack("{s:s}", "title", "retitled"), NULL);
    up = next_update(ad);
    json_decref(up);
    CHECK(it_wait_event(vi, "dashboard.updated", 700, NULL) == NULL);
    /* a logout ends the watch; logging in again does not bring it back */
    r = it_call(ad, "auth.logout", json_object(), NULL);
    json_decref(r);
    json_t *error = NULL;
    CHECK(ctl_client_login(ad, "admin", IT_ADMIN_PASSWORD, &error) == 0);
    json_decref(error);
    update(ed, i, json_pack("{s:s}", "title", "retitled too"), NULL);
    CHECK(it_wait_event(ad, "dashboard.updated", 1200, NULL) == NULL);

    /* 6. errors */
    struct ctl_client *anon = it_connect(srv);
    check_error(anon, "stats.dashboard", json_object(), "unauthenticated", "");
    check_error(anon, "dashboard.watch", json_pack("{s:b}", "on", 1), "unauthenticated", "");
    check_error(vi, "stats.dashboard", json_pack("{s:i}", "days", 30), "bad_request", "days");
    check_error(vi, "dashboard.watch", json_object(), "bad_request", "on");
    check_error(vi, "dashboard.watch", json_pack("{s:s}", "on", "yes"), "bad_request", "on");
    check_error(vi, "dashboard.watch", json_pack("{s:b,s:i}", "on", 1, "every", 2), "bad_request",
                "every");
    ctl_client_close(anon);

    test_zone();

    json_t *all[] = {a, b, c, dd, e, f, g, h, i, j};
    for (size_t k = 0; k < sizeof all / sizeof *all; k++)
        json_decref(all[k]);
    ctl_client_close(ad);
    ctl_client_close(vi);
    ctl_client_close(ed);
    return it_done(test_summary());
}
