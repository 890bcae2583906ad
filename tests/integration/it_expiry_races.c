/*
 * it_expiry_races: the expiry scan in small steps (--expiry-step 2: 2
 * contracts looked at, 1 due schedule handled and 1 contract re-armed by id
 * per write) against what happens between its steps.
 *
 *  - orphan: a schedule whose contract row is gone (deleted with the
 *    sqlite3 shell, which does not enforce foreign keys) is dropped when it
 *    falls due; the due phase does not hand it out again step after step
 *    (it did, for ever: the scan never ended, the clock's answer never came
 *    and the contracts due after it never expired).
 *  - stale: contracts due to expire whose end dates are moved while the due
 *    phase runs (their re-arms by id are queued behind the due steps) are
 *    not expired on the old dates: a due step re-arms a schedule whose terms
 *    no longer match its contract instead of firing it.
 *  - retry: a step that fails (the database locked by another process
 *    for longer than the writer's busy timeout) is logged and tried again
 *    a moment later: what is due fires without waiting for the next day.
 *  - crash: killed again and again during the start-up scan's steps, the
 *    server walks from the start next time and every contract still
 *    expires or renews exactly once.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "test.h"

static const char *const step2_args[] = {
    "--session-ttl", "315360000", "--expiry-step", "2", "--fake-now", "2026-01-01T09:00:00Z", NULL};

/* n active contracts ending on `end`; their ids in order (new ref). */
static json_t *create_n(struct ctl_client *ad, int n, const char *prefix, const char *end)
{
    json_t *ids = json_array();
    for (int i = 0; i < n; i++) {
        char number[32];
        snprintf(number, sizeof number, "%s-%02d", prefix, i);
        json_t *c = it_contract_create(ad, json_pack("{s:s, s:s, s:s}", "status", "active",
                                                     "number", number, "end_date", end));
        REQUIRE(c != NULL);
        json_array_append_new(ids, json_string(it_str(c, "id")));
        json_decref(c);
    }
    return ids;
}

static void raw_send(struct ctl_ws *ws, json_int_t id, const char *op, json_t *args_steal)
{
    json_t *req = json_pack("{s:I, s:s, s:o}", "id", id, "op", op, "args", args_steal);
    char *s = json_dumps(req, JSON_COMPACT);
    REQUIRE(s && ctl_ws_send_text(ws, s, strlen(s)) == 0);
    free(s);
    json_decref(req);
}

/* The next response on a raw connection (events skipped), or NULL. */
static json_t *raw_response(struct ctl_ws *ws, int timeout_ms)
{
    int64_t until = it_now_ms() + timeout_ms;
    while (it_now_ms() < until) {
        char *msg = NULL;
        size_t len;
        if (ctl_ws_recv(ws, (int)(until - it_now_ms()), &msg, &len) != 1)
            return NULL;
        json_t *j = json_loads(msg, 0, NULL);
        free(msg);
        if (j && json_object_get(j, "ok"))
            return j;
        json_decref(j);
    }
    return NULL;
}

static const char *event_contract(const json_t *ev)
{
    return json_string_value(
        json_object_get(json_object_get(json_object_get(ev, "data"), "contract"), "id"));
}

/* ---- orphan ------------------------------------------------------------------ */

static void part_orphan(void)
{
    char path[600];
    struct it_server *srv = it_server_start(step2_args);
    struct ctl_client *ad = it_login_admin(srv);
    json_t *ids = create_n(ad, 3, "C-ORPH", "2026-02-10");
    ctl_client_close(ad);
    CHECK(it_server_stop(srv) == 0);

    /* the middle one goes behind the server's back: its schedule stays */
    it_server_db_path(srv, path, sizeof path);
    sqlite3 *db = NULL;
    REQUIRE(sqlite3_open(path, &db) == SQLITE_OK);
    char *q = sqlite3_mprintf("DELETE FROM contracts WHERE id = '%q'",
                              json_string_value(json_array_get(ids, 1)));
    it_sql(db, q);
    sqlite3_free(q);
    CHECK(it_sql_int(db, "SELECT count(*) FROM expiry_schedule") == 3);
    sqlite3_close(db);

    it_server_restart(srv);
    ad = it_login_admin(srv);
    json_decref(it_call(ad, "subscribe", json_pack("{s:i}", "since", 0), NULL));
    /* the end passed: the two left expire; the answer comes after the scan */
    it_set_clock(ad, "2026-02-11T09:00:00.000Z");
    int expired = 0, wrong = 0;
    json_t *ev;
    while (ctl_client_next_event(ad, 300, &ev) == 1) {
        if (!strcmp(it_str(ev, "event"), "contract.expired")) {
            const char *id = event_contract(ev);
            if (id && (!strcmp(id, json_string_value(json_array_get(ids, 0))) ||
                       !strcmp(id, json_string_value(json_array_get(ids, 2)))))
                expired++;
            else
                wrong++;
        }
        json_decref(ev);
    }
    CHECKF(expired == 2 && wrong == 0, "expired %d, wrong %d", expired, wrong);
    ctl_client_close(ad);
    CHECK(it_server_stop(srv) == 0);

    REQUIRE(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(it_sql_int(db, "SELECT count(*) FROM expiry_schedule") == 0);
    CHECK(it_sql_int(db, "SELECT count(*) FROM contracts WHERE status = 'expired'") == 2);
    sqlite3_close(db);
    json_decref(ids);
}

/* ---- stale ------------------------------------------------------------------- */

#define STALE_N 24

static void part_stale(void)
{
    struct it_server *srv = it_server_start(step2_args);
    struct ctl_client *ad = it_login_admin(srv);
    json_t *ids = create_n(ad, STALE_N, "C-STALE", "2026-02-10");
    /* every threshold fired: next is the end, due 02-11 */
    it_set_clock(ad, "2026-02-10T09:00:00.000Z");
    struct ctl_client *ev_c = it_login_admin(srv);
    json_decref(it_call(ev_c, "subscribe", json_pack("{}"), NULL));
    struct ctl_ws *clock_ws = it_ws_login(srv, "admin", IT_ADMIN_PASSWORD),
                  *edit_ws = it_ws_login(srv, "admin", IT_ADMIN_PASSWORD);

    /* the walk (12 steps) then one due contract per step */
    raw_send(clock_ws, 1, "admin.clock.set", json_pack("{s:s}", "now", "2026-02-11T09:00:00.000Z"));
    json_t *expired_early = json_object(), *ev;
    while (json_object_size(expired_early) == 0) {
        ev = it_wait_event(ev_c, "contract.expired", IT_TIMEOUT_MS, NULL);
        REQUIRE(ev != NULL);
        json_object_set_new(expired_early, event_contract(ev), json_true());
        json_decref(ev);
    }
    /* at once, every one not seen expiring yet gets a later end */
    size_t i;
    json_t *v;
    int sent = 0;
    json_array_foreach(ids, i, v)
    {
        if (json_object_get(expired_early, json_string_value(v)))
            continue;
        raw_send(edit_ws, (json_int_t)i + 1, "contracts.update",
                 json_pack("{s:O, s:i, s:{s:s}, s:s}", "id", v, "version", 1, "changes", "end_date",
                           "2027-02-10", "reason", "extended"));
        sent++;
    }
    json_t *moved = json_object();
    int conflicts = 0;
    for (int k = 0; k < sent; k++) {
        json_t *r = raw_response(edit_ws, IT_TIMEOUT_MS);
        REQUIRE(r != NULL);
        if (json_is_true(json_object_get(r, "ok"))) {
            json_int_t idx = it_int(r, "id") - 1;
            json_object_set_new(moved, json_string_value(json_array_get(ids, (size_t)idx)),
                                json_true());
        } else {
            char *e = json_dumps(r, JSON_COMPACT);
            CHECKF(!strcmp(it_err_code(json_object_get(r, "error")), "conflict"), "update: %s", e);
            free(e);
            conflicts++; /* it expired first */
        }
        json_decref(r);
    }
    json_t *r = raw_response(clock_ws, IT_TIMEOUT_MS * 3);
    CHECK(r && json_is_true(json_object_get(r, "ok")));
    json_decref(r);
    fprintf(stderr, "stale: %d moved, %d expired before their edit\n", (int)json_object_size(moved),
            conflicts);
    CHECK(json_object_size(moved) > 0);

    /* no contract whose end moved to 2027 expired */
    int bad = 0, expired = (int)json_object_size(expired_early);
    while (ctl_client_next_event(ev_c, 300, &ev) == 1) {
        if (!strcmp(it_str(ev, "event"), "contract.expired")) {
            expired++;
            if (json_object_get(moved, event_contract(ev)))
                bad++;
        }
        json_decref(ev);
    }
    CHECKF(bad == 0, "%d contracts expired on their old end after it moved", bad);
    CHECKF(expired == STALE_N - (int)json_object_size(moved), "expired %d of %d, %d moved", expired,
           STALE_N, (int)json_object_size(moved));
    const char *id;
    json_object_foreach(moved, id, v)
    {
        json_t *c = it_contract_get(ad, id);
        CHECK(c && !strcmp(it_str(c, "status"), "active") &&
              !strcmp(it_str(c, "end_date"), "2027-02-10"));
        json_decref(c);
    }
    /* and the moved ones are armed on their new end: 90 days before it */
    it_set_clock(ad, "2026-11-12T09:00:00.000Z");
    int exp90 = 0;
    while (ctl_client_next_event(ev_c, 300, &ev) == 1) {
        if (!strcmp(it_str(ev, "event"), "contract.expiring") &&
            it_int(json_object_get(ev, "data"), "threshold") == 90 &&
            json_object_get(moved, event_contract(ev)))
            exp90++;
        json_decref(ev);
    }
    CHECK(exp90 == (int)json_object_size(moved));

    ctl_ws_close(clock_ws, 1000);
    ctl_ws_close(edit_ws, 1000);
    ctl_client_close(ev_c);
    ctl_client_close(ad);
    CHECK(it_server_stop(srv) == 0);
    json_decref(moved);
    json_decref(expired_early);
    json_decref(ids);
}

/* ---- retry ------------------------------------------------------------------- */

static void part_retry(void)
{
    char path[600];
    struct it_server *srv = it_server_start(step2_args);
    struct ctl_client *ad = it_login_admin(srv);
    json_t *ids = create_n(ad, 3, "C-RETRY", "2026-02-10");
    json_decref(it_call(ad, "subscribe", json_pack("{}"), NULL));

    /* another process holds the write lock past the writer's 5 s */
    it_server_db_path(srv, path, sizeof path);
    struct ctl_ws *clock_ws = it_ws_login(srv, "admin", IT_ADMIN_PASSWORD);
    sqlite3 *db = NULL;
    REQUIRE(sqlite3_open(path, &db) == SQLITE_OK);
    it_sql(db, "BEGIN IMMEDIATE");
    raw_send(clock_ws, 1, "admin.clock.set", json_pack("{s:s}", "now", "2026-02-11T09:00:00.000Z"));
    /* the scan's first step waits for the lock, then fails */
    int64_t until = it_now_ms() + 3 * IT_TIMEOUT_MS;
    char *log = NULL;
    while (it_now_ms() < until) {
        free(log);
        log = it_read_file(srv->log_path);
        if (log && strstr(log + srv->log_start, "expiry scan failed"))
            break;
        usleep(100000);
    }
    CHECK(log && strstr(log + srv->log_start, "expiry scan failed"));
    free(log);
    it_sql(db, "ROLLBACK");
    sqlite3_close(db);

    /* tried again soon: the three expire (not at the next daily time) */
    json_t *got = json_object(), *ev;
    until = it_now_ms() + 2 * IT_TIMEOUT_MS;
    while (json_object_size(got) < 3 && it_now_ms() < until) {
        ev = it_wait_event(ad, "contract.expired", (int)(until - it_now_ms()), NULL);
        if (!ev)
            break;
        json_object_set_new(got, event_contract(ev), json_true());
        json_decref(ev);
    }
    CHECKF(json_object_size(got) == 3, "expired after the failed step: %d of 3",
           (int)json_object_size(got));
    json_t *r = raw_response(clock_ws, IT_TIMEOUT_MS);
    CHECK(r != NULL);
    json_decref(r);
    ctl_ws_close(clock_ws, 1000);
    ctl_client_close(ad);
    CHECK(it_server_stop(srv) == 0);
    json_decref(got);
    json_decref(ids);
}

/* ---- crash ------------------------------------------------------------------- */

#define CRASH_N 30

static void replace_fake_now(struct it_server *s, const char *now)
{
    for (int i = 0; i + 1 < s->nargs; i++)
        if (strcmp(s->args[i], "--fake-now") == 0) {
            free(s->args[i + 1]);
            s->args[i + 1] = strdup(now);
        }
}

/* Killed in the middle of the start-up scan (its walk or its due steps),
 * again and again: nothing is persisted about the walk, the next start
 * walks from the first contract, and each contract still expires or renews
 * exactly once. */
static void part_crash(void)
{
    char path[600];
    struct it_server *srv = it_server_start(step2_args);
    struct ctl_client *ad = it_login_admin(srv);
    json_t *ended = create_n(ad, CRASH_N, "C-CRASH", "2026-02-10");
    for (int i = 0; i < CRASH_N; i += 2) { /* every other one renews */
        json_t *r = it_contract_update(ad, json_string_value(json_array_get(ended, (size_t)i)), 1,
                                       json_pack("{s:s}", "renewal", "auto"), "renews", NULL);
        CHECK(r != NULL);
        json_decref(r);
    }
    ctl_client_close(ad);
    CHECK(it_server_stop(srv) == 0);
    it_server_db_path(srv, path, sizeof path);
    sqlite3 *db = NULL;
    REQUIRE(sqlite3_open(path, &db) == SQLITE_OK);
    it_sql(db, "DELETE FROM expiry_schedule"); /* nothing armed: a long walk */
    sqlite3_close(db);

    replace_fake_now(srv, "2026-03-01T09:00:00Z");
    static const int kill_after_ms[] = {0, 5, 15, 40, 80, 150};
    for (size_t k = 0; k < sizeof kill_after_ms / sizeof kill_after_ms[0]; k++) {
        it_server_restart(srv);
        usleep((useconds_t)kill_after_ms[k] * 1000);
        it_server_kill(srv);
        REQUIRE(sqlite3_open(path, &db) == SQLITE_OK);
        fprintf(stderr, "crash: killed after %d ms: %d armed, %d ended\n", kill_after_ms[k],
                it_sql_int(db, "SELECT count(*) FROM expiry_schedule"),
                it_sql_int(db, "SELECT count(*) FROM changes WHERE event IN ('contract.expired', "
                               "'contract.renewed')"));
        sqlite3_close(db);
    }
    it_server_restart(srv);
    ad = it_login_admin(srv);
    it_set_clock(ad, "2026-03-01T10:00:00.000Z"); /* after the whole scan */
    ctl_client_close(ad);
    CHECK(it_server_stop(srv) == 0);

    REQUIRE(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(it_sql_int(db, "SELECT count(*) FROM changes WHERE event = 'contract.expired'") ==
          CRASH_N / 2);
    CHECK(it_sql_int(db, "SELECT count(*) FROM changes WHERE event = 'contract.renewed'") ==
          CRASH_N / 2);
    CHECK(it_sql_int(db, "SELECT count(DISTINCT entity_id) FROM changes WHERE event IN "
                         "('contract.expired', 'contract.renewed')") == CRASH_N);
    CHECK(it_sql_int(db, "SELECT count(*) FROM changes WHERE event LIKE 'contract.%' AND event NOT "
                         "IN ('contract.created', 'contract.updated', 'contract.expired', "
                         "'contract.renewed')") == 0);
    CHECK(it_sql_int(db, "SELECT count(*) FROM supplements WHERE author = 'system'") ==
          CRASH_N / 2);
    CHECK(it_sql_int(db, "SELECT count(*) FROM contracts WHERE status = 'expired'") == CRASH_N / 2);
    CHECK(it_sql_int(db, "SELECT count(*) FROM expiry_schedule") == CRASH_N / 2);
    sqlite3_close(db);
    json_decref(ended);
}

int main(int argc, char **argv)
{
    it_setup("it_expiry_races");
    const char *only = argc > 1 ? argv[1] : NULL;
    if (!only || !strcmp(only, "orphan"))
        part_orphan();
    if (!only || !strcmp(only, "stale"))
        part_stale();
    if (!only || !strcmp(only, "retry"))
        part_retry();
    if (!only || !strcmp(only, "crash"))
        part_crash();
    return it_done(test_summary());
}
