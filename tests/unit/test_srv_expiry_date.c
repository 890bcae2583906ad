/*
 * Date math of the expiry scheduler (server/expiry_date.c): day numbers,
 * month addition at month ends and leap days, the zone's "today" around
 * midnight and DST changes, and the derived members of a record.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pacta/protocol.h>

#include "expiry.h"
#include "test.h"

static int64_t day(const char *iso)
{
    int64_t d = 0;
    REQUIRE(srv_date_parse(iso, &d) == 0);
    return d;
}

static void check_add(const char *from, int months, const char *want)
{
    char out[11];
    srv_date_format(srv_date_add_months(day(from), months), out);
    CHECKF(strcmp(out, want) == 0, "%s + %d months = %s, want %s", from, months, out, want);
}

static void test_days(void)
{
    char out[11];
    CHECK(day("1970-01-01") == 0);
    CHECK(day("2000-03-01") - day("2000-02-28") == 2); /* 2000 is a leap year */
    CHECK(day("1900-03-01") - day("1900-02-28") == 1); /* 1900 is not */
    CHECK(day("2025-01-01") - day("2024-01-01") == 366);
    /* every day of four centuries round-trips */
    for (int64_t d = day("1900-01-01"); d < day("2300-01-01"); d++) {
        int64_t back;
        srv_date_format(d, out);
        if (srv_date_parse(out, &back) != 0 || back != d) {
            CHECKF(0, "day %lld -> %s", (long long)d, out);
            break;
        }
    }
    CHECK(srv_date_parse("2023-02-29", &(int64_t){0}) == -1);
    CHECK(srv_date_parse("2026-1-01", &(int64_t){0}) == -1);
}

static void test_months(void)
{
    static const struct {
        const char *from;
        int months;
        const char *want;
    } cases[] = {
        {"2026-01-31", 1, "2026-02-28"},  {"2024-01-31", 1, "2024-02-29"},
        {"2024-02-29", 12, "2025-02-28"}, {"2024-02-29", 48, "2028-02-29"},
        {"2026-02-28", 1, "2026-03-31"}, /* a month end stays a month end */
        {"2026-01-30", 1, "2026-02-28"},  {"2026-03-30", 1, "2026-04-30"},
        {"2026-01-15", 1, "2026-02-15"},  {"2026-12-31", 1, "2027-01-31"},
        {"2026-11-30", 3, "2027-02-28"},  {"2026-05-17", 120, "2036-05-17"},
        {"2026-04-30", 12, "2027-04-30"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_add(cases[i].from, cases[i].months, cases[i].want);
    /* renewing 31 Jan monthly does not drift to the 28th */
    int64_t d = day("2026-01-31");
    char out[11];
    for (int i = 0; i < 3; i++)
        d = srv_date_add_months(d, 1);
    srv_date_format(d, out);
    CHECK_STR(out, "2026-04-30");
    /* a term on the 30th keeps it after February (on the clamped date
     * alone, 28 Feb would read as a month end and give 31 Mar) */
    CHECK(srv_date_month_day(day("2026-01-30")) == 30);
    CHECK(srv_date_month_day(day("2026-04-30")) == 31); /* a month end */
    CHECK(srv_date_month_day(day("2024-02-29")) == 31);
    CHECK(srv_date_month_day(day("2026-02-28")) == 31);
    CHECK(srv_date_month_day(day("2026-01-01")) == 1);
    static const char *const on30[] = {"2026-02-28", "2026-03-30", "2026-04-30", "2026-05-30"};
    d = day("2026-01-30");
    for (size_t i = 0; i < sizeof on30 / sizeof on30[0]; i++) {
        d = srv_date_add_months_on(d, 1, 30);
        srv_date_format(d, out);
        CHECK_STR(out, on30[i]);
    }
    srv_date_format(srv_date_add_months_on(day("2026-02-28"), 1, 31), out);
    CHECK_STR(out, "2026-03-31");
    srv_date_format(srv_date_add_months_on(day("2023-12-29"), 2, 29), out);
    CHECK_STR(out, "2024-02-29"); /* a leap year's February has the 29th */
    srv_date_format(srv_date_add_months_on(day("2026-03-29"), -1, 29), out);
    CHECK_STR(out, "2026-02-28");
}

static void test_zones(void)
{
    int64_t ms = 0;
    int minute;
    /* UTC: 23:59 is still the same day */
    setenv("TZ", "UTC", 1);
    tzset();
    REQUIRE(pacta_parse_timestamp("2026-03-28T23:59:00Z", &ms) == 0);
    CHECK(srv_local_day(ms, &minute) == day("2026-03-28") && minute == 23 * 60 + 59);
    /* Bucharest (POSIX rule: needs no tzdata): UTC+2, UTC+3 from the last
     * Sunday of March 03:00 */
    setenv("TZ", "EET-2EEST,M3.5.0/3,M10.5.0/4", 1);
    tzset();
    CHECK(srv_local_day(ms, &minute) == day("2026-03-29") && minute == 1 * 60 + 59);
    REQUIRE(pacta_parse_timestamp("2026-06-30T21:30:00Z", &ms) == 0);
    CHECK(srv_local_day(ms, &minute) == day("2026-07-01") && minute == 30);
    /* local midnight of 2026-07-01 is 21:00 UTC the day before (summer) */
    REQUIRE(pacta_parse_timestamp("2026-06-30T21:00:00Z", &ms) == 0);
    CHECK(srv_local_ms(day("2026-07-01"), 0) == ms);
    REQUIRE(pacta_parse_timestamp("2026-01-14T22:00:00Z", &ms) == 0);
    CHECK(srv_local_ms(day("2026-01-15"), 0) == ms);
    /* 03:30 on the spring-forward day does not exist: moves to 04:30 */
    REQUIRE(pacta_parse_timestamp("2026-03-29T01:30:00Z", &ms) == 0);
    CHECK(srv_local_ms(day("2026-03-29"), 3 * 60 + 30) == ms);
    /* New York, west of UTC: 02:00 UTC is the previous day there */
    setenv("TZ", "EST5EDT,M3.2.0,M11.1.0", 1);
    tzset();
    REQUIRE(pacta_parse_timestamp("2026-01-01T02:00:00Z", &ms) == 0);
    CHECK(srv_local_day(ms, NULL) == day("2025-12-31"));
    setenv("TZ", "UTC", 1);
    tzset();
}

static const char *life(const char *status, const char *start, const char *end, int notice,
                        const char *renewal, const char *today, json_t **out)
{
    json_t *rec = json_pack("{s:s, s:s?, s:s?, s:i, s:s}", "status", status, "start_date", start,
                            "end_date", end, "notice_days", notice, "renewal", renewal);
    srv_contract_derive(rec, day(today));
    *out = rec;
    return json_string_value(json_object_get(rec, "lifecycle"));
}

static void test_derive(void)
{
    json_t *r;
    srv_expiry_set_window(90);
    CHECK_STR(life("active", "2026-01-01", "2026-12-31", 30, "none", "2026-06-01", &r), "active");
    CHECK_STR(json_string_value(json_object_get(r, "notice_deadline")), "2026-12-01");
    CHECK(json_integer_value(json_object_get(r, "days_left")) == 213);
    json_decref(r);
    CHECK_STR(life("active", "2026-01-01", "2026-12-31", 0, "none", "2026-10-02", &r), "expiring");
    CHECK(json_integer_value(json_object_get(r, "days_left")) == 90);
    json_decref(r);
    CHECK_STR(life("active", NULL, "2026-12-31", 0, "none", "2026-10-01", &r), "active");
    json_decref(r);
    CHECK_STR(life("active", NULL, "2026-12-31", 0, "evergreen", "2026-12-30", &r), "active");
    json_decref(r);
    CHECK_STR(life("active", "2027-01-01", "2027-12-31", 0, "none", "2026-12-30", &r), "upcoming");
    json_decref(r);
    CHECK_STR(life("active", NULL, "2026-12-31", 0, "none", "2027-01-01", &r), "expired");
    CHECK(json_integer_value(json_object_get(r, "days_left")) == -1);
    json_decref(r);
    CHECK_STR(life("expired", NULL, "2026-12-31", 0, "none", "2026-01-01", &r), "expired");
    json_decref(r);
    CHECK_STR(life("terminated", NULL, NULL, 0, "none", "2026-01-01", &r), "terminated");
    json_decref(r);
    CHECK_STR(life("active", "2026-01-01", NULL, 10, "auto", "2026-01-01", &r), "unknown");
    CHECK(json_is_null(json_object_get(r, "days_left")));
    CHECK(json_is_null(json_object_get(r, "notice_deadline")));
    json_decref(r);
}

/* A wall time that happens twice (clocks go back) is its first moment,
 * whatever was asked before: glibc's mktime (tm_isdst -1) answers either
 * one depending on its previous calls, so the daily alert time of that day
 * moved with the history of the process. */
static void test_repeated_hour(void)
{
    int64_t first = 0, ms;
    setenv("TZ", "EST5EDT,M3.2.0,M11.1.0", 1);
    tzset();
    /* 01:30 on 2026-11-01: EDT (05:30Z), then again EST (06:30Z) */
    REQUIRE(pacta_parse_timestamp("2026-11-01T05:30:00Z", &first) == 0);
    (void)srv_local_ms(day("2026-10-31"), 90);
    ms = srv_local_ms(day("2026-11-01"), 90);
    CHECKF(ms == first, "after 10-31: %lld, want %lld", (long long)ms, (long long)first);
    (void)srv_local_ms(day("2026-11-02"), 90);
    ms = srv_local_ms(day("2026-11-01"), 90);
    CHECKF(ms == first, "after 11-02: %lld, want %lld", (long long)ms, (long long)first);
    /* Bucharest: 03:30 on 2026-10-25 is 00:30Z (EEST), then 01:30Z (EET) */
    setenv("TZ", "EET-2EEST,M3.5.0/3,M10.5.0/4", 1);
    tzset();
    REQUIRE(pacta_parse_timestamp("2026-10-25T00:30:00Z", &first) == 0);
    (void)srv_local_ms(day("2026-10-24"), 210);
    ms = srv_local_ms(day("2026-10-25"), 210);
    CHECKF(ms == first, "after 10-24: %lld, want %lld", (long long)ms, (long long)first);
    (void)srv_local_ms(day("2026-10-26"), 0);
    ms = srv_local_ms(day("2026-10-25"), 210);
    CHECKF(ms == first, "after 10-26: %lld, want %lld", (long long)ms, (long long)first);
    /* a gap still moves forward by its length, whatever came before */
    REQUIRE(pacta_parse_timestamp("2026-03-29T01:30:00Z", &first) == 0);
    (void)srv_local_ms(day("2026-03-30"), 0);
    CHECK(srv_local_ms(day("2026-03-29"), 3 * 60 + 30) == first);
    (void)srv_local_ms(day("2026-03-28"), 0);
    CHECK(srv_local_ms(day("2026-03-29"), 3 * 60 + 30) == first);
    setenv("TZ", "UTC", 1);
    tzset();
}

int main(void)
{
    test_days();
    test_months();
    test_zones();
    test_repeated_hour();
    test_derive();
    return test_summary();
}
