/*
 * it_time_zone: the server's date is the calendar day of its zone
 * (pactad --timezone, PROTOCOL.md §5, §6.10, §7.2), everywhere it is sent,
 * and its day timers behave on the days clocks change.
 *
 *  1. Europe/Bucharest (UTC+2 in March): at 00:30 local on 03-02 (22:30Z
 *     on 03-01) server.day says 2026-03-02, and subscribe's `today` is
 *     that day too — the day the derived members (days_left) are for.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "test.h"

static void clock_set(struct ctl_client *admin, const char *now)
{
    json_t *r = it_call(admin, "admin.clock.set", json_pack("{s:s}", "now", now), NULL);
    REQUIRE(r);
    json_decref(r);
}

static void test_day_in_zone(void)
{
    const char *args[] = {"--fake-now", "2026-03-01T20:00:00Z", "--timezone", "Europe/Bucharest",
                          NULL};
    struct it_server *s = it_server_start(args);
    struct ctl_client *admin = it_login_admin(s);
    json_t *sub = it_call(admin, "subscribe", json_object(), NULL);
    REQUIRE(sub);
    CHECK_STR(it_str(sub, "today"), "2026-03-01");
    json_decref(sub);
    json_t *k = it_contract_create(admin, json_pack("{s:s}", "end_date", "2026-03-12"));
    REQUIRE(k);
    CHECK(it_int(k, "days_left") == 11);

    /* 00:30 in Bucharest, still 03-01 in UTC */
    clock_set(admin, "2026-03-01T22:30:00Z");
    json_t *ev = it_wait_event(admin, "server.day", 5000, NULL);
    CHECK(ev != NULL);
    CHECK_STR(it_str(json_object_get(ev, "data"), "today"), "2026-03-02");
    json_decref(ev);
    json_t *got = it_contract_get(admin, it_str(k, "id"));
    CHECK(got && it_int(got, "days_left") == 10);
    json_decref(got);

    struct ctl_client *other = it_login_admin(s);
    sub = it_call(other, "subscribe", json_object(), NULL);
    REQUIRE(sub);
    CHECK_STR(it_str(sub, "today"), "2026-03-02");
    json_decref(sub);

    json_decref(k);
    ctl_client_close(other);
    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);
}

int main(void)
{
    it_setup("it_time_zone");
    test_day_in_zone();
    return it_done(test_summary());
}
