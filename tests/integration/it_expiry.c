/*
 * it_expiry: the expiry scheduler with fake time (pactad --fake-now and
 * admin.clock.set), default thresholds 90, 60, 30, 7, 1.
 *
 *  1. thresholds fire once each, in day order, for the end date and the
 *     notice deadline; the day after the end the contract expires (status,
 *     version + 1); thresholds already past when the contract was armed
 *     are not raised, but an end already past expires it, late;
 *  2. nothing fires twice across a restart;
 *  3. a server down over three thresholds fires them late on start, and a
 *     desk that subscribes with the `since` it had before the downtime
 *     receives them;
 *  4. editing the end date re-arms; an auto contract renews (end + term,
 *     supplement "automatic renewal"); an evergreen contract starts a new
 *     period and never expires; notifications and the login's unread count.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "test.h"

/* Drains the events already received (the clock's answer comes after the
 * events of its scan). Appends "event:threshold" lines to log. */
static int drain(struct ctl_client *c, char *log, size_t cap, json_int_t *last_seq, int late_want)
{
    json_t *ev;
    int n = 0;
    while (ctl_client_next_event(c, 300, &ev) == 1) {
        const char *name = it_str(ev, "event");
        json_t *data = json_object_get(ev, "data");
        if (it_int(ev, "seq") > *last_seq)
            *last_seq = it_int(ev, "seq");
        if (strncmp(name, "contract.", 9) == 0 && strcmp(name, "contract.created") &&
            strcmp(name, "contract.updated")) {
            char line[96];
            snprintf(line, sizeof line, "%s:%lld%s ", name + 9,
                     (long long)it_int(data, "threshold"),
                     json_is_true(json_object_get(data, "late")) ? "L" : "");
            strncat(log, line, cap - strlen(log) - 1);
            if (late_want >= 0)
                CHECK(json_is_true(json_object_get(data, "late")) == late_want);
            n++;
        }
        json_decref(ev);
    }
    return n;
}

static void step_days(struct ctl_client *c, const char *from, int days, char *log, size_t cap,
                      json_int_t *seq)
{
    /* from is "YYYY-MM-": day 1..days of that month, at 09:00 UTC */
    for (int d = 1; d <= days; d++) {
        char now[32];
        snprintf(now, sizeof now, "%s%02dT09:00:00.000Z", from, d);
        it_set_clock(c, now);
        drain(c, log, cap, seq, 0);
    }
}

static void replace_fake_now(struct it_server *s, const char *now)
{
    for (int i = 0; i + 1 < s->nargs; i++)
        if (strcmp(s->args[i], "--fake-now") == 0) {
            free(s->args[i + 1]);
            s->args[i + 1] = strdup(now);
        }
}

int main(void)
{
    static const char *const args[] = {
        /* tokens must outlive months of fake time */ "--session-ttl", "315360000", "--fake-now",
        "2026-01-01T09:00:00Z", NULL};
    char log[4096] = "";
    json_int_t seq = 0;

    it_setup("it_expiry");
    struct it_server *srv = it_server_start(args);
    struct ctl_client *ad = it_login_admin(srv);
    json_t *r = it_call(ad, "subscribe", json_pack("{}"), NULL);
    json_decref(r);

    /* 0. an active contract that ended before it was armed: none of its
     * alerts is raised, but it expires at the next scan, late; then its
     * schedule is gone and the scheduler carries on with the others (a
     * schedule with nothing ahead once overflowed into a date the schema
     * refused, and every later scan failed: found by fuzz_dispatch) */
    json_t *past = it_contract_create(ad, json_pack("{s:s, s:s, s:s}", "status", "active", "number",
                                                    "C-PAST", "end_date", "2025-06-30"));
    REQUIRE(past != NULL);
    it_set_clock(ad, "2026-01-01T09:00:01.000Z");
    drain(ad, log, sizeof log, &seq, 1);
    CHECK_STR(log, "expired:0L ");
    json_t *ended = it_contract_get(ad, it_str(past, "id"));
    CHECK_STR(it_str(ended, "status"), "expired");
    CHECK_STR(it_str(ended, "updated_by"), "system");
    json_decref(ended);
    json_decref(past);
    log[0] = '\0';

    /* 1. end 2026-03-01, notice 10 days: deadline 02-19 */
    json_t *a = it_contract_create(ad, json_pack("{s:s, s:s, s:i}", "status", "active", "end_date",
                                                 "2026-03-01", "notice_days", 10));
    REQUIRE(a != NULL);
    CHECK_STR(it_str(a, "notice_deadline"), "2026-02-19");
    CHECK(it_int(a, "days_left") == 59);
    CHECK_STR(it_str(a, "lifecycle"), "expiring");
    step_days(ad, "2026-01-", 31, log, sizeof log, &seq);
    step_days(ad, "2026-02-", 28, log, sizeof log, &seq);
    step_days(ad, "2026-03-", 3, log, sizeof log, &seq);
    CHECK_STR(log, "notice_due:30 expiring:30 notice_due:7 notice_due:1 expiring:7 expiring:1 "
                   "expired:0 ");
    json_t *got = it_contract_get(ad, it_str(a, "id"));
    CHECK_STR(it_str(got, "status"), "expired");
    CHECK(it_int(got, "version") == 2);
    CHECK_STR(it_str(got, "updated_by"), "system");
    json_decref(got);

    /* 1b. an edit of the end date is scanned at once, without waiting for
     * a day to pass: 30 days ahead, its 30-day alert is due today (the
     * writer's contract.updated event names the contract and what changed
     * without its data: expiry.c reads them from there) */
    json_t *moved =
        it_contract_create(ad, json_pack("{s:s, s:s, s:s}", "status", "active", "number", "C-MOVED",
                                         "end_date", "2027-06-30"));
    REQUIRE(moved != NULL);
    drain(ad, log, sizeof log, &seq, -1);
    log[0] = '\0';
    json_t *mv = it_contract_update(ad, it_str(moved, "id"), it_int(moved, "version"),
                                    json_pack("{s:s}", "end_date", "2026-04-02"), "moved", NULL);
    CHECK(mv != NULL);
    json_decref(mv);
    for (int i = 0; i < 20 && !strstr(log, "expiring:30"); i++)
        drain(ad, log, sizeof log, &seq, 0);
    CHECK(strstr(log, "expiring:30 ") != NULL);
    /* gone again, so that it raises nothing in the steps below */
    json_t *del = it_call(ad, "contracts.delete",
                          json_pack("{s:s, s:I, s:s}", "id", it_str(moved, "id"), "version",
                                    it_int(moved, "version") + 1, "reason", "test over"),
                          NULL);
    CHECK(del != NULL);
    json_decref(del);
    drain(ad, log, sizeof log, &seq, -1);
    json_decref(moved);
    log[0] = '\0';

    /* 2. restart: nothing again */
    ctl_client_close(ad);
    CHECK(it_server_stop(srv) == 0);
    replace_fake_now(srv, "2026-03-03T09:00:00Z");
    it_server_restart(srv);
    ad = it_login_admin(srv);
    r = it_call(ad, "subscribe", json_pack("{s:I}", "since", seq), NULL);
    json_decref(r);
    it_set_clock(ad, "2026-03-03T10:00:00.000Z");
    log[0] = '\0';
    CHECK(drain(ad, log, sizeof log, &seq, -1) == 0);

    /* 3. down over 90, 60 and 30 days before 2026-06-30 */
    json_t *b = it_contract_create(
        ad, json_pack("{s:s, s:s}", "status", "active", "end_date", "2026-06-30"));
    REQUIRE(b != NULL);
    drain(ad, log, sizeof log, &seq, -1);
    json_int_t before_downtime = seq;
    ctl_client_close(ad);
    CHECK(it_server_stop(srv) == 0);
    replace_fake_now(srv, "2026-06-05T09:00:00Z");
    it_server_restart(srv);
    ad = it_login_admin(srv);
    r = it_call(ad, "subscribe", json_pack("{s:I}", "since", before_downtime), NULL);
    json_decref(r);
    log[0] = '\0';
    CHECK(drain(ad, log, sizeof log, &seq, 1) == 3);
    CHECK_STR(log, "expiring:90L expiring:60L expiring:30L ");

    /* 4. end date moved to 2026-12-31 re-arms 90 (due 10-02) */
    json_t *upd =
        it_contract_update(ad, it_str(b, "id"), it_int(b, "version"),
                           json_pack("{s:s}", "end_date", "2026-12-31"), "extended", NULL);
    CHECK(upd != NULL);
    json_decref(upd);
    it_set_clock(ad, "2026-10-01T09:00:00.000Z");
    log[0] = '\0';
    drain(ad, log, sizeof log, &seq, 0);
    CHECK_STR(log, "");
    /* auto (1 month) and evergreen (1 month) contracts ending in October */
    json_t *c =
        it_contract_create(ad, json_pack("{s:s, s:s, s:s, s:i}", "status", "active", "end_date",
                                         "2026-10-31", "renewal", "auto", "renewal_months", 1));
    json_t *e = it_contract_create(ad, json_pack("{s:s, s:s, s:s, s:i, s:i}", "status", "active",
                                                 "end_date", "2026-10-15", "renewal", "evergreen",
                                                 "renewal_months", 1, "notice_days", 5));
    REQUIRE(c && e);
    CHECK_STR(it_str(e, "lifecycle"), "active"); /* evergreen: never "expiring" */
    it_set_clock(ad, "2026-10-02T09:00:00.000Z");
    it_set_clock(ad, "2026-11-01T09:00:00.000Z");
    log[0] = '\0';
    drain(ad, log, sizeof log, &seq, -1);
    /* 10-02: B expiring 90; C expiring 30 (10-01 was its arming day:
     * 30 = 10-01 fired then); E notice 7 (10-03), 1 (10-09) late on 11-01 ... */
    CHECK(strstr(log, "renewed:0") != NULL);
    CHECK(strstr(log, "expired") == NULL);
    got = it_contract_get(ad, it_str(c, "id"));
    CHECK_STR(it_str(got, "end_date"), "2026-11-30"); /* 31 Oct + 1 month: month end */
    CHECK_STR(it_str(got, "status"), "active");
    json_decref(got);
    got = it_contract_get(ad, it_str(e, "id"));
    CHECK_STR(it_str(got, "end_date"), "2026-11-15");
    CHECK_STR(it_str(got, "status"), "active");
    json_decref(got);
    json_t *sup =
        it_call(ad, "supplements.list", json_pack("{s:s}", "contract_id", it_str(c, "id")), NULL);
    json_t *s0 = json_array_get(json_object_get(sup, "items"), 0);
    CHECK_STR(it_str(s0, "reason"), "automatic renewal");
    CHECK_STR(it_str(s0, "field"), "end_date");
    CHECK_STR(it_str(s0, "new_value"), "2026-11-30");
    CHECK_STR(it_str(s0, "effective_date"), "2026-11-01");
    json_decref(sup);
    /* a year later the evergreen one is still active */
    for (int m = 12; m <= 24; m++) {
        char now[32];
        snprintf(now, sizeof now, "%04d-%02d-20T09:00:00.000Z", 2026 + (m - 1) / 12,
                 (m - 1) % 12 + 1);
        it_set_clock(ad, now);
    }
    drain(ad, log, sizeof log, &seq, -1);
    got = it_contract_get(ad, it_str(e, "id"));
    CHECK_STR(it_str(got, "status"), "active");
    CHECK_STR(it_str(got, "end_date"), "2028-01-15");
    json_decref(got);

    /* notifications: the admin (owner) has them; marking reads them */
    json_t *nl = it_call(ad, "notifications.list",
                         json_pack("{s:b, s:i}", "unread_only", 1, "limit", 2), NULL);
    REQUIRE(nl != NULL);
    json_int_t unread = it_int(nl, "unread");
    CHECK(unread > 10);
    CHECK(json_array_size(json_object_get(nl, "items")) == 2);
    CHECK(json_is_string(json_object_get(nl, "next_cursor")));
    json_int_t id0 = it_int(json_array_get(json_object_get(nl, "items"), 0), "id");
    json_t *mr = it_call(ad, "notifications.mark_read", json_pack("{s:[I]}", "ids", id0), NULL);
    CHECK(mr && it_int(mr, "marked") == 1 && it_int(mr, "unread") == unread - 1);
    json_decref(mr);
    json_decref(nl);
    struct ctl_client *ad2 = it_connect(srv);
    r = it_call(ad2, "auth.login",
                json_pack("{s:s, s:s}", "username", "admin", "password", IT_ADMIN_PASSWORD), NULL);
    CHECK(r && it_int(r, "unread_notifications") == unread - 1);
    json_decref(r);
    /* preferences; expiring list */
    r = it_call(ad2, "users.preferences", json_pack("{s:b}", "digest", 1), NULL);
    CHECK(r && json_is_true(json_object_get(r, "digest")));
    json_decref(r);
    r = it_call(ad2, "contracts.expiring", json_pack("{s:i}", "days", 3650), NULL);
    CHECK(r && json_array_size(json_object_get(r, "items")) >= 2);
    json_decref(r);
    ctl_client_close(ad2);

    json_decref(a);
    json_decref(b);
    json_decref(c);
    json_decref(e);
    ctl_client_close(ad);
    return it_done(test_summary());
}
