/*
 * it_expiry_again: a contract that reaches the same end of term twice
 * (fake time: pactad --fake-now and admin.clock.set).
 *
 *  - X (renewal none) expires on the day after its end date; a person makes
 *    it active again without moving the end date; the scheduler expires it
 *    again at once;
 *  - R (auto, monthly) renews; a person sets its end date back to the one it
 *    renewed from; the scheduler renews it again.
 *
 * Each second end of term changes the record (version + 1) and must reach
 * every subscriber, live and by replay, as contract.updated by the system
 * with what changed and why: the soak (make soak --calendar-days) found
 * the second one written with no event, so desks kept the active record
 * and their next edit met a version they had never seen.  The alert is the
 * same one, so it is not raised or notified twice: the owner's
 * notifications hold one expiry of X and one renewal of R.
 */
#include <string.h>

#include "harness.h"
#include "test.h"

static json_t *create(struct ctl_client *ad, const char *number, const char *renewal)
{
    json_t *c = it_contract_create(ad, json_pack("{s:s, s:s, s:s, s:s, s:i}", "status", "active",
                                                 "number", number, "end_date", "2027-01-12",
                                                 "renewal", renewal, "renewal_months", 1));
    REQUIRE(c != NULL);
    return c;
}

static json_t *edit(struct ctl_client *ad, const json_t *c, json_t *changes_steal)
{
    json_t *got = it_contract_get(ad, it_str(c, "id"));
    REQUIRE(got != NULL);
    json_t *u = it_contract_update(ad, it_str(c, "id"), it_int(got, "version"), changes_steal,
                                   "reopened", NULL);
    REQUIRE(u != NULL);
    json_decref(got);
    return u;
}

/* The events of contract c that client s has received until it holds
 * version `until` (or 5 s pass): each version once, in order, from 1; the
 * names of the changes in order ("created expired updated ..."), and the last
 * one kept. */
static void chain(struct ctl_client *s, const json_t *c, json_int_t until, char *names, size_t cap,
                  json_t **last)
{
    json_int_t version = 0;
    json_t *ev;

    names[0] = '\0';
    while (version < until && (ev = it_wait_event(s, NULL, 5000, NULL)) != NULL) {
        const json_t *data = json_object_get(ev, "data");
        const json_t *rec = json_object_get(data, "contract");
        const char *name = it_str(ev, "event");
        if (strcmp(it_str(rec, "id"), it_str(c, "id")) != 0 || strncmp(name, "contract.", 9)) {
            json_decref(ev);
            continue;
        }
        int warning = !strcmp(name, "contract.expiring") || !strcmp(name, "contract.notice_due");
        CHECKF(it_int(rec, "version") == version + !warning, "%s: %s of version %lld after %lld",
               it_str(c, "number"), name, (long long)it_int(rec, "version"), (long long)version);
        version = it_int(rec, "version");
        if (warning) { /* its 1-day warning, late: not a change */
            json_decref(ev);
            continue;
        }
        strncat(names, name + 9, cap - strlen(names) - 2);
        strcat(names, " ");
        json_decref(*last);
        *last = ev;
    }
    CHECKF(version == until, "%s: version %lld reached the subscriber, the server has %lld",
           it_str(c, "number"), (long long)version, (long long)until);
}

static void expect_again(struct ctl_client *s, const json_t *c, const char *names_want,
                         const char *field, const char *reason)
{
    char names[256];
    json_t *last = NULL;

    chain(s, c, 4, names, sizeof names, &last);
    CHECK_STR(names, names_want);
    const json_t *data = json_object_get(last, "data");
    CHECK_STR(it_str(data, "actor"), "system");
    CHECK_STR(it_str(data, "reason"), reason);
    CHECK(json_array_size(json_object_get(data, "changed")) == 1);
    CHECK_STR(json_string_value(json_array_get(json_object_get(data, "changed"), 0)), field);
    json_decref(last);
}

/* How many of the caller's notifications are `event` about contract c. */
static int notified(struct ctl_client *ad, const json_t *c, const char *event)
{
    json_t *r = it_call(ad, "notifications.list", json_pack("{s:i}", "limit", 500), NULL);
    size_t i;
    json_t *n;
    int count = 0;

    REQUIRE(r != NULL);
    json_array_foreach(json_object_get(r, "items"), i, n) count +=
        !strcmp(it_str(n, "contract_id"), it_str(c, "id")) && !strcmp(it_str(n, "event"), event);
    json_decref(r);
    return count;
}

static void subscribe(struct ctl_client *s)
{
    json_t *r = it_call(s, "subscribe", json_pack("{s:i}", "since", 0), NULL);
    REQUIRE(r != NULL);
    json_decref(r);
}

int main(void)
{
    static const char *const args[] = {"--session-ttl", "315360000", "--fake-now",
                                       "2027-01-10T09:00:00Z", NULL};

    it_setup("it_expiry_again");
    struct it_server *srv = it_server_start(args);
    struct ctl_client *ad = it_login_admin(srv), *live = it_login_admin(srv);
    subscribe(live);

    json_t *x = create(ad, "X-NONE", "none"), *r = create(ad, "R-AUTO", "auto");
    it_set_clock(ad, "2027-01-13T09:00:00.000Z"); /* X expires, R renews to 12 Feb */
    json_t *u = edit(ad, x, json_pack("{s:s}", "status", "active"));
    json_decref(u);
    u = edit(ad, r, json_pack("{s:s}", "end_date", "2027-01-12"));
    json_decref(u);
    it_set_clock(ad, "2027-01-13T09:00:01.000Z"); /* the scan of both edits is done */

    json_t *gx = it_contract_get(ad, it_str(x, "id")), *gr = it_contract_get(ad, it_str(r, "id"));
    REQUIRE(gx && gr);
    CHECK(it_int(gx, "version") == 4);
    CHECK_STR(it_str(gx, "status"), "expired");
    CHECK(it_int(gr, "version") == 4);
    CHECK_STR(it_str(gr, "end_date"), "2027-02-12");
    CHECK_STR(it_str(gr, "status"), "active");

    /* live, then by replay on a new connection */
    expect_again(live, x, "created expired updated updated ", "status", "ended on 2027-01-12");
    ctl_client_close(live);
    live = it_login_admin(srv);
    subscribe(live);
    expect_again(live, r, "created renewed updated updated ", "end_date", "automatic renewal");

    /* one alert each, notified once; the renewal's supplement twice */
    CHECK(notified(ad, x, "contract.expired") == 1);
    CHECK(notified(ad, r, "contract.renewed") == 1);
    json_t *sup =
        it_call(ad, "supplements.list", json_pack("{s:s}", "contract_id", it_str(r, "id")), NULL);
    size_t i, renewals = 0;
    json_t *s;
    REQUIRE(sup != NULL);
    json_array_foreach(json_object_get(sup, "items"), i, s) renewals +=
        !strcmp(it_str(s, "reason"), "automatic renewal");
    CHECK(renewals == 2);

    json_decref(sup);
    json_decref(gx);
    json_decref(gr);
    json_decref(x);
    json_decref(r);
    ctl_client_close(live);
    ctl_client_close(ad);
    return it_done(test_summary());
}
