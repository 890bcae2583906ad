/*
 * it_expiry_thresholds: a server restarted with other --thresholds raises
 * the new ones on their day (README: "--thresholds 120,30,7: days before
 * the end and notice dates").  Each schedule kept the next due day it was
 * given under the old thresholds, and the start-up scan re-armed only
 * contracts whose terms had changed: a threshold added between two old
 * ones waited for the next old one, and came that many days late, marked
 * late.
 *
 *  1. thresholds 90,60,30,7,1; a contract ending 2026-03-02 armed on
 *     01-01 raises its 60-day alert that day (its 30-day one is next, on
 *     01-31);
 *  2. restarted with 90,60,45,30,7,1: on 01-16 the 45-day alert is raised,
 *     not late, for the contract's owner (a notification), and on 01-31
 *     the 30-day one, once each;
 *  3. restarted with 90,60,45,30,1 (7, the next one, gone): nothing on
 *     02-23, the 1-day alert on 03-01.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "test.h"

/* The expiry alerts received so far, as "threshold[L] " (L: late). */
static void drain(struct ctl_client *c, char *log, size_t cap)
{
    json_t *ev;
    while (ctl_client_next_event(c, 300, &ev) == 1) {
        const char *name = it_str(ev, "event");
        json_t *data = json_object_get(ev, "data");
        if (strcmp(name, "contract.expiring") == 0) {
            char line[32];
            snprintf(line, sizeof line, "%lld%s ", (long long)it_int(data, "threshold"),
                     json_is_true(json_object_get(data, "late")) ? "L" : "");
            strncat(log, line, cap - strlen(log) - 1);
        }
        json_decref(ev);
    }
}

/* Stops s and starts it again at `now` with these thresholds. */
static void restart_with(struct it_server *s, const char *now, const char *thresholds)
{
    CHECK(it_server_stop(s) == 0);
    for (int i = 0; i + 1 < s->nargs; i++)
        if (strcmp(s->args[i], "--thresholds") == 0) {
            free(s->args[i + 1]);
            s->args[i + 1] = strdup(thresholds);
        } else if (strcmp(s->args[i], "--fake-now") == 0) {
            free(s->args[i + 1]);
            s->args[i + 1] = strdup(now);
        }
    it_server_restart(s);
}

static struct ctl_client *subscribed_admin(struct it_server *s)
{
    struct ctl_client *c = it_login_admin(s);
    json_t *r = it_call(c, "subscribe", json_object(), NULL);
    REQUIRE(r != NULL);
    json_decref(r);
    return c;
}

int main(void)
{
    static const char *const args[] = {
        "--session-ttl", "315360000",    "--fake-now", "2026-01-01T09:00:00Z",
        "--thresholds",  "90,60,30,7,1", NULL};
    char log[512] = "";

    it_setup("it_expiry_thresholds");
    struct it_server *s = it_server_start(args);
    struct ctl_client *ad = subscribed_admin(s);

    /* 1. 60 days before its end on the day it is armed */
    json_t *k = it_contract_create(ad, json_pack("{s:s, s:s, s:s}", "status", "active", "end_date",
                                                 "2026-03-02", "renewal", "none"));
    REQUIRE(k != NULL);
    it_set_clock(ad, "2026-01-01T09:00:01.000Z");
    drain(ad, log, sizeof log);
    CHECK_STR(log, "60 ");
    ctl_client_close(ad);

    /* 2. a threshold added between 60 and 30 */
    restart_with(s, "2026-01-02T09:00:00Z", "90,60,45,30,7,1");
    ad = subscribed_admin(s);
    log[0] = '\0';
    it_set_clock(ad, "2026-01-15T09:00:00.000Z");
    drain(ad, log, sizeof log);
    CHECK_STR(log, "");
    it_set_clock(ad, "2026-01-16T09:00:00.000Z");
    drain(ad, log, sizeof log);
    CHECKF(strcmp(log, "45 ") == 0, "on its day the 45-day alert is raised: got \"%s\"", log);
    json_t *r = it_call(ad, "notifications.list", json_pack("{s:i}", "limit", 1), NULL);
    json_t *n = json_array_get(json_object_get(r, "items"), 0);
    CHECK(it_int(json_object_get(n, "summary"), "threshold") == 45);
    CHECK_STR(it_str(json_object_get(n, "summary"), "due_date"), "2026-01-16");
    json_decref(r);
    log[0] = '\0';
    it_set_clock(ad, "2026-01-31T09:00:00.000Z");
    drain(ad, log, sizeof log);
    CHECK_STR(log, "30 ");
    ctl_client_close(ad);

    /* 3. thresholds taken away: the next one left is on its day */
    restart_with(s, "2026-02-01T09:00:00Z", "90,60,45,30,1");
    ad = subscribed_admin(s);
    log[0] = '\0';
    it_set_clock(ad, "2026-02-22T09:00:00.000Z");
    drain(ad, log, sizeof log);
    CHECK_STR(log, "");
    it_set_clock(ad, "2026-02-23T09:00:00.000Z");
    drain(ad, log, sizeof log);
    CHECK_STR(log, "");
    it_set_clock(ad, "2026-03-01T09:00:00.000Z");
    drain(ad, log, sizeof log);
    CHECK_STR(log, "1 ");

    json_decref(k);
    ctl_client_close(ad);
    return it_done(test_summary());
}
