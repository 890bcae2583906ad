/*
 * it_server_day: the ephemeral server.day event (PROTOCOL.md §7.2) tells
 * every subscribed connection that the server's date changed, so a client
 * holding records knows their derived members (lifecycle, days_left) are
 * stale: a contract that starts tomorrow is `upcoming` today and `active`
 * from midnight, and no change event says so.
 *
 * With a fake clock (admin.clock.set): a move to the next day sends
 * server.day with the new date to a subscribed viewer, and the record it
 * then reads has the new lifecycle; a move within the same day sends
 * nothing; a connection that did not subscribe gets nothing.
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

/* The next server.day on c: its date, or "" when none comes. */
static void next_day(struct ctl_client *c, char out[16], int timeout_ms)
{
    json_t *ev = it_wait_event(c, "server.day", timeout_ms, NULL);
    const char *today =
        ev ? json_string_value(json_object_get(json_object_get(ev, "data"), "today")) : NULL;
    snprintf(out, 16, "%s", today ? today : "");
    json_decref(ev);
}

int main(void)
{
    char day[16];
    it_setup("it_server_day");
    const char *args[] = {"--fake-now", "2026-03-01T12:00:00Z", NULL};
    struct it_server *s = it_server_start(args);
    struct ctl_client *admin = it_login_admin(s);
    it_create_role_users(s);
    struct ctl_client *viewer = it_login(s, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    struct ctl_client *quiet = it_login(s, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    json_t *sub = it_call(viewer, "subscribe", json_object(), NULL);
    REQUIRE(sub);
    json_decref(sub);

    json_t *k =
        it_contract_create(admin, json_pack("{s:s, s:s, s:s}", "status", "active", "start_date",
                                            "2026-03-02", "end_date", "2027-12-31"));
    REQUIRE(k);
    CHECK_STR(it_str(k, "lifecycle"), "upcoming");

    /* the same day: nothing */
    clock_set(admin, "2026-03-01T18:00:00Z");
    /* the next day */
    clock_set(admin, "2026-03-02T12:00:00Z");
    next_day(viewer, day, 5000);
    CHECK_STR(day, "2026-03-02");
    json_t *got = it_call(viewer, "contracts.get", json_pack("{s:s}", "id", it_str(k, "id")), NULL);
    CHECK(got && strcmp(it_str(json_object_get(got, "contract"), "lifecycle"), "active") == 0);
    json_decref(got);

    /* back within that day, then a day later: one event, the later date */
    clock_set(admin, "2026-03-02T13:00:00Z");
    clock_set(admin, "2026-03-03T12:00:00Z");
    next_day(viewer, day, 5000);
    CHECK_STR(day, "2026-03-03");
    next_day(viewer, day, 300);
    CHECK_STR(day, "");

    /* not subscribed: not told */
    next_day(quiet, day, 300);
    CHECK_STR(day, "");

    json_decref(k);
    ctl_client_close(quiet);
    ctl_client_close(viewer);
    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);
    return it_done(test_summary());
}
