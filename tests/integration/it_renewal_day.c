/*
 * it_renewal_day: automatic renewals keep the day of the month the end
 * date was set to (fake time: pactad --fake-now and admin.clock.set).
 *
 * A monthly contract ending on the 30th renews to 28 February (February
 * has no 30th) and then back to the 30th, not to the month's end: before,
 * each renewal started from the clamped date and 28 February, a month
 * end, carried the contract to 31 March and every month end after it.
 *
 *  1. ends 30 Jan, monthly: 28 Feb, 30 Mar, 30 Apr, 30 May, one renewal a
 *     month;
 *  2. the same catching up several terms at once (an end already past);
 *  3. a person setting the end date sets the day kept from then on; a
 *     month end set by a person stays a month end (PROTOCOL §7.1);
 *  4. the day survives a restart.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "test.h"

static json_t *monthly(struct ctl_client *ad, const char *number, const char *end)
{
    json_t *c = it_contract_create(ad, json_pack("{s:s, s:s, s:s, s:s, s:i}", "status", "active",
                                                 "number", number, "end_date", end, "renewal",
                                                 "auto", "renewal_months", 1));
    REQUIRE(c != NULL);
    return c;
}

static void expect_end(struct ctl_client *ad, const json_t *c, const char *want)
{
    json_t *got = it_contract_get(ad, it_str(c, "id"));
    REQUIRE(got != NULL);
    CHECKF(strcmp(it_str(got, "end_date"), want) == 0, "%s ends %s, expected %s",
           it_str(c, "number"), it_str(got, "end_date"), want);
    CHECK_STR(it_str(got, "status"), "active");
    json_decref(got);
}

/* The end_date supplements the scheduler wrote, oldest first, as
 * "old>new " pairs. */
static void renewals(struct ctl_client *ad, const json_t *c, char *out, size_t cap)
{
    json_t *sup =
        it_call(ad, "supplements.list", json_pack("{s:s}", "contract_id", it_str(c, "id")), NULL);
    size_t i;
    json_t *s;

    out[0] = '\0';
    REQUIRE(sup != NULL);
    json_array_foreach(json_object_get(sup, "items"), i, s)
    {
        if (strcmp(it_str(s, "reason"), "automatic renewal") != 0)
            continue;
        char pair[64];
        snprintf(pair, sizeof pair, "%.10s>%.10s ", it_str(s, "old_value"), it_str(s, "new_value"));
        strncat(out, pair, cap - strlen(out) - 1);
    }
    json_decref(sup);
}

static void replace_fake_now(struct it_server *s, const char *now)
{
    for (int i = 0; s->args[i]; i++)
        if (strcmp(s->args[i], "--fake-now") == 0) {
            free(s->args[i + 1]);
            s->args[i + 1] = strdup(now);
        }
}

int main(void)
{
    static const char *const args[] = {"--session-ttl", "315360000", "--fake-now",
                                       "2027-01-10T09:00:00Z", NULL};
    char log[512];

    it_setup("it_renewal_day");
    struct it_server *srv = it_server_start(args);
    struct ctl_client *ad = it_login_admin(srv);

    /* 1. one renewal a month */
    json_t *a = monthly(ad, "R-30", "2027-01-30");
    /* 3. set by a person: a month end, and a day moved by an edit */
    json_t *m = monthly(ad, "R-APR-END", "2027-04-30");
    json_t *e = monthly(ad, "R-EDIT", "2027-01-31");
    json_t *u = it_contract_update(ad, it_str(e, "id"), it_int(e, "version"),
                                   json_pack("{s:s}", "end_date", "2027-01-29"), "new term", NULL);
    REQUIRE(u != NULL);
    json_decref(u);

    it_set_clock(ad, "2027-01-31T09:00:00.000Z");
    expect_end(ad, a, "2027-02-28");
    expect_end(ad, e, "2027-02-28"); /* 29 → 28: February 2027 has 28 days */
    it_set_clock(ad, "2027-03-01T09:00:00.000Z");
    expect_end(ad, a, "2027-03-30"); /* was 2027-03-31: 28 Feb read as a month end */
    expect_end(ad, e, "2027-03-29");
    it_set_clock(ad, "2027-03-31T09:00:00.000Z");
    expect_end(ad, a, "2027-04-30");
    expect_end(ad, e, "2027-04-29");

    /* 2. an end two terms past: three terms at once, the day kept */
    json_t *b = monthly(ad, "R-30-LATE", "2027-01-30");
    it_set_clock(ad, "2027-03-31T09:00:01.000Z");
    expect_end(ad, b, "2027-04-30"); /* was 2027-03-31 */

    /* 4. a restart keeps the days */
    ctl_client_close(ad);
    CHECK(it_server_stop(srv) == 0);
    replace_fake_now(srv, "2027-05-15T09:00:00Z");
    it_server_restart(srv);
    ad = it_login_admin(srv);
    it_set_clock(ad, "2027-05-15T09:00:01.000Z");
    expect_end(ad, a, "2027-05-30"); /* 30 Apr is a month end, but not the day set */
    expect_end(ad, b, "2027-05-30");
    expect_end(ad, m, "2027-05-31"); /* a month end set by a person stays one */
    expect_end(ad, e, "2027-05-29");
    renewals(ad, a, log, sizeof log);
    CHECK_STR(log, "2027-01-30>2027-02-28 2027-02-28>2027-03-30 2027-03-30>2027-04-30 "
                   "2027-04-30>2027-05-30 ");
    renewals(ad, b, log, sizeof log);
    CHECK_STR(log, "2027-01-30>2027-04-30 2027-04-30>2027-05-30 ");

    json_decref(a);
    json_decref(b);
    json_decref(m);
    json_decref(e);
    ctl_client_close(ad);
    return it_done(test_summary());
}
