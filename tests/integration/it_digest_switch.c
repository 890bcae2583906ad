/*
 * it_digest_switch: a user who turns digests on gets the first one at the
 * daily time (README: "then receives one notification.digest at the daily
 * time"), with a fake clock (--alert-time 08:00, zone UTC).  Turned on after
 * the day's time, the digest went out at the next scan of any kind (an
 * edit of a contract's dates, a restart), at whatever hour that was.
 *
 *  1. ed, told of an alert at 07:00, turns digests on at 10:00: no digest
 *     at the scans of that day (a clock move, a contract created), one at
 *     08:00 the next day listing the alert;
 *  2. ana turns them on before the day's time (07:30): that day's 08:00
 *     digest lists her alert of 07:00;
 *  3. ed turns digests off and on again after the day's digest: no second
 *     digest that day.
 */
#include <string.h>

#include "harness.h"
#include "test.h"

/* The digests received so far, as "USER:DATE:count ". */
static void drain(struct ctl_client *c, char *log, size_t cap)
{
    json_t *ev;
    while (ctl_client_next_event(c, 300, &ev) == 1) {
        const json_t *data = json_object_get(ev, "data");
        if (strcmp(it_str(ev, "event"), "notification.digest") == 0) {
            char line[96];
            snprintf(line, sizeof line, "%s:%s:%lld ", it_str(data, "user"), it_str(data, "date"),
                     (long long)it_int(data, "count"));
            strncat(log, line, cap - strlen(log) - 1);
        }
        json_decref(ev);
    }
}

static void digest(struct ctl_client *c, int on)
{
    json_t *r = it_call(c, "users.preferences", json_pack("{s:b}", "digest", on), NULL);
    CHECK(r && json_is_boolean(json_object_get(r, "digest")) &&
          json_is_true(json_object_get(r, "digest")) == on);
    json_decref(r);
}

static void create(struct ctl_client *ad, const char *owner, const char *end)
{
    json_t *k = it_contract_create(
        ad, json_pack("{s:s, s:s, s:s}", "owner", owner, "status", "active", "end_date", end));
    REQUIRE(k != NULL);
    json_decref(k);
}

int main(void)
{
    static const char *const args[] = {
        "--session-ttl", "315360000", "--fake-now", "2026-01-01T07:00:00Z",
        "--alert-time",  "08:00",     NULL};
    char log[512] = "";

    it_setup("it_digest_switch");
    struct it_server *srv = it_server_start(args);
    struct ctl_client *ad = it_login_admin(srv);
    REQUIRE(it_user_create(ad, "ed", IT_EDITOR_PASSWORD, "editor") == 0);
    REQUIRE(it_user_create(ad, "ana", IT_EDITOR_PASSWORD, "editor") == 0);
    struct ctl_client *ed = it_login(srv, "ed", IT_EDITOR_PASSWORD);
    struct ctl_client *ana = it_login(srv, "ana", IT_EDITOR_PASSWORD);
    json_decref(it_call(ad, "subscribe", json_object(), NULL));

    /* 1. ed's 30-day alert at 07:00 (single alert); digests on at 10:00 */
    create(ad, "ed", "2026-01-31");
    it_set_clock(ad, "2026-01-01T07:00:01Z");
    it_set_clock(ad, "2026-01-01T10:00:00Z");
    drain(ad, log, sizeof log);
    CHECK_STR(log, "");
    digest(ed, 1);
    it_set_clock(ad, "2026-01-01T10:00:05Z");
    create(ad, "admin", "2027-06-30");
    it_set_clock(ad, "2026-01-01T23:00:00Z");
    drain(ad, log, sizeof log);
    CHECKF(strcmp(log, "") == 0, "a digest at a scan after the day's time: %s", log);
    it_set_clock(ad, "2026-01-02T07:59:00Z");
    drain(ad, log, sizeof log);
    CHECK_STR(log, "");
    it_set_clock(ad, "2026-01-02T08:00:00Z");
    drain(ad, log, sizeof log);
    CHECK_STR(log, "ed:2026-01-02:1 ");

    /* 2. ana: her alert at 07:00 on 01-03, digests on at 07:30 */
    log[0] = '\0';
    create(ad, "ana", "2026-02-02");
    it_set_clock(ad, "2026-01-03T07:00:00Z");
    it_set_clock(ad, "2026-01-03T07:30:00Z");
    digest(ana, 1);
    it_set_clock(ad, "2026-01-03T08:00:00Z");
    drain(ad, log, sizeof log);
    CHECK_STR(log, "ana:2026-01-03:1 ");

    /* 3. off and on again after the day's time: nothing more that day */
    log[0] = '\0';
    digest(ana, 0);
    create(ad, "ana", "2026-01-10"); /* a 7-day alert at once, unread */
    digest(ana, 1);
    it_set_clock(ad, "2026-01-03T09:00:00Z");
    drain(ad, log, sizeof log);
    CHECK_STR(log, "");
    it_set_clock(ad, "2026-01-04T08:00:00Z");
    drain(ad, log, sizeof log);
    CHECK_STR(log, "ana:2026-01-04:1 ");

    ctl_client_close(ana);
    ctl_client_close(ed);
    ctl_client_close(ad);
    return it_done(test_summary());
}
