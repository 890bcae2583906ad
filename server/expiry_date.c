/*
 * Calendar arithmetic for expiry: day numbers (proleptic Gregorian, after
 * H. Hinnant's days_from_civil algorithm, written out here from its
 * description), month addition that respects month ends, the server zone's
 * "today", and the derived members of a Contract record.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "expiry.h"

static _Atomic int window_days = 90;

void srv_expiry_set_window(int days)
{
    atomic_store(&window_days, days);
}

int srv_expiry_window(void)
{
    return atomic_load(&window_days);
}

int64_t srv_days_from_civil(int y, int m, int d)
{
    int64_t yy = (int64_t)y - (m <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;                                  /* 0..399 */
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* 0..365, from 1 March */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void srv_civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

int srv_days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return days[m - 1] + (m == 2 && leap);
}

int srv_date_parse(const char *iso, int64_t *day)
{
    if (!iso || !pacta_valid_date(iso))
        return -1;
    int y = (iso[0] - '0') * 1000 + (iso[1] - '0') * 100 + (iso[2] - '0') * 10 + (iso[3] - '0');
    int m = (iso[5] - '0') * 10 + (iso[6] - '0');
    int d = (iso[8] - '0') * 10 + (iso[9] - '0');
    *day = srv_days_from_civil(y, m, d);
    return 0;
}

void srv_date_format(int64_t day, char out[11])
{
    int y, m, d;
    char tmp[48];
    srv_civil_from_days(day, &y, &m, &d);
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", y, m, d);
    memcpy(out, tmp, 10);
    out[10] = '\0';
}

int srv_date_month_day(int64_t day)
{
    int y, m, d;
    srv_civil_from_days(day, &y, &m, &d);
    return d == srv_days_in_month(y, m) ? 31 : d;
}

int64_t srv_date_add_months_on(int64_t day, int months, int month_day)
{
    int y, m, d;
    srv_civil_from_days(day, &y, &m, &d);
    int64_t idx = (int64_t)y * 12 + (m - 1) + months;
    int ny = (int)(idx / 12), nm = (int)(idx % 12) + 1;
    int last = srv_days_in_month(ny, nm);
    return srv_days_from_civil(ny, nm, month_day > last ? last : month_day);
}

int64_t srv_date_add_months(int64_t day, int months)
{
    return srv_date_add_months_on(day, months, srv_date_month_day(day));
}

int64_t srv_local_day(int64_t unix_ms, int *minute_of_day)
{
    time_t sec = (time_t)(unix_ms / 1000);
    struct tm tm;
    localtime_r(&sec, &tm);
    if (minute_of_day)
        *minute_of_day = tm.tm_hour * 60 + tm.tm_min;
    return srv_days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* mktime of a local time read as standard (isdst 0), summer (1) or either
 * (-1): Unix seconds, and the local minute it really shows (day * 1440 +
 * minute) in *shows. */
static time_t local_try(int y, int m, int d, int minute, int isdst, int64_t *shows)
{
    struct tm tm, out;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    tm.tm_hour = minute / 60;
    tm.tm_min = minute % 60;
    tm.tm_isdst = isdst;
    time_t t = mktime(&tm);
    localtime_r(&t, &out);
    *shows = srv_days_from_civil(out.tm_year + 1900, out.tm_mon + 1, out.tm_mday) * 1440 +
             out.tm_hour * 60 + out.tm_min;
    return t;
}

/* mktime alone (tm_isdst -1) answers either moment of a time that happens
 * twice (clocks going back), depending on its earlier calls.  Every reading
 * is tried: the earliest moment that shows the time asked is the answer; a
 * time that does not exist (a DST gap) moves forward by the gap's length,
 * which is what an alarm clock does too (the earliest moment after it). */
int64_t srv_local_ms(int64_t day, int minute)
{
    int y, m, d;
    int64_t want = day * 1440 + minute, shows, best = 0, after = 0, plain = 0;
    int have_best = 0, have_after = 0;
    srv_civil_from_days(day, &y, &m, &d);
    for (int isdst = -1; isdst <= 1; isdst++) {
        int64_t t = (int64_t)local_try(y, m, d, minute, isdst, &shows);
        if (isdst == -1)
            plain = t;
        if (shows == want && (!have_best || t < best)) {
            best = t;
            have_best = 1;
        } else if (shows > want && (!have_after || t < after)) {
            after = t;
            have_after = 1;
        }
    }
    return (have_best ? best : have_after ? after : plain) * 1000;
}

int64_t srv_today(void)
{
    return srv_local_day(srv_clock_now_ms(), NULL);
}

void srv_contract_derived(const char *status, const char *renewal, const char *start,
                          const char *end_date, int64_t notice, int64_t today,
                          struct srv_derived *out)
{
    int64_t end, begin;
    int has_end = srv_date_parse(end_date, &end) == 0;

    out->has_end = has_end;
    if (has_end) {
        srv_date_format(end - notice, out->notice_deadline);
        out->days_left = end - today;
    }
    if (status && strcmp(status, "terminated") == 0)
        out->lifecycle = PACTA_LIFECYCLE_TERMINATED;
    else if (status && strcmp(status, "expired") == 0)
        out->lifecycle = PACTA_LIFECYCLE_EXPIRED;
    else if (!has_end)
        out->lifecycle = PACTA_LIFECYCLE_UNKNOWN;
    else if (start && srv_date_parse(start, &begin) == 0 && today < begin)
        out->lifecycle = PACTA_LIFECYCLE_UPCOMING;
    else if (today > end)
        out->lifecycle = PACTA_LIFECYCLE_EXPIRED;
    else if (end - today <= atomic_load(&window_days) &&
             !(renewal && !strcmp(renewal, "evergreen")))
        out->lifecycle = PACTA_LIFECYCLE_EXPIRING;
    else
        out->lifecycle = PACTA_LIFECYCLE_ACTIVE;
}

void srv_contract_derive(json_t *rec, int64_t today)
{
    struct srv_derived d;

    srv_contract_derived(json_string_value(json_object_get(rec, "status")),
                         json_string_value(json_object_get(rec, "renewal")),
                         json_string_value(json_object_get(rec, "start_date")),
                         json_string_value(json_object_get(rec, "end_date")),
                         json_integer_value(json_object_get(rec, "notice_days")), today, &d);
    if (d.has_end) {
        json_object_set_new(rec, "notice_deadline", json_string(d.notice_deadline));
        json_object_set_new(rec, "days_left", json_integer(d.days_left));
    } else {
        json_object_set_new(rec, "notice_deadline", json_null());
        json_object_set_new(rec, "days_left", json_null());
    }
    json_object_set_new(rec, "lifecycle", json_string(d.lifecycle));
}
