/*
 * Expiry, renewals and notifications (issue 4).
 *
 * Calendar days are counted as day numbers (days since 1970-01-01), so
 * arithmetic on them is exact; ISO text is only for the store and the wire.
 *
 * "Today" is the calendar day of srv_clock_now_ms() in the server's zone:
 * pactad --timezone TZ (any TZ value: "Europe/Bucharest", or a POSIX rule
 * such as "EET-2EEST,M3.5.0/3,M10.5.0/4"), UTC by default.  pactad sets TZ
 * once at start-up, before any thread runs, and every module asks here.
 * A threshold falls due at 00:00 of its day in that zone; the daily scan
 * and the digests run at --alert-time (default 08:00) in that zone.
 */
#ifndef PACTA_SRV_EXPIRY_H
#define PACTA_SRV_EXPIRY_H

#include <stdint.h>

#include <jansson.h>

/* ---- date math (expiry_date.c; pure, any thread) --------------------------- */
int64_t srv_days_from_civil(int y, int m, int d);
void srv_civil_from_days(int64_t day, int *y, int *m, int *d);
/* "YYYY-MM-DD" -> day number; 0 or -1 if not a real date. */
int srv_date_parse(const char *iso, int64_t *day);
void srv_date_format(int64_t day, char out[11]);
int srv_days_in_month(int y, int m);
/*
 * day + months, clamped to the target month's length (31 Jan + 1 month =
 * 28 or 29 Feb).  A day that is the last of its month maps to the last of
 * the target month (28 Feb + 1 month = 31 Mar), so a month-end term does
 * not drift when it is renewed again and again.
 */
int64_t srv_date_add_months(int64_t day, int months);
/*
 * The day of the month a term keeps when it is renewed: day's own, or 31
 * when day is the last of its month ("a month end stays a month end").
 */
int srv_date_month_day(int64_t day);
/* day + months on day of the month month_day (1..31), clamped to the
 * target month's length: 28 Feb + 1 month on the 30th = 30 Mar. */
int64_t srv_date_add_months_on(int64_t day, int months, int month_day);
/* The server zone's calendar day of a Unix time, and minutes since its
 * local midnight. */
int64_t srv_local_day(int64_t unix_ms, int *minute_of_day);
/* Unix ms of local time `minute` (0..1439) on `day` in the server zone. */
int64_t srv_local_ms(int64_t day, int minute);
/* Today in the server zone, from srv_clock_now_ms(). */
int64_t srv_today(void);

/*
 * Appends the read-only, derived members to a Contract record:
 * notice_deadline (end_date - notice_days, or null), days_left (end_date -
 * today, or null) and lifecycle: terminated / expired by status, else
 * unknown without an end date, upcoming before start_date, expired after
 * end_date, expiring within the largest alert threshold (never for
 * evergreen), else active.
 */
void srv_contract_derive(json_t *rec, int64_t today);
/* The same members from the record's values (NULL for a null or absent
 * string): notice_deadline and days_left only when has_end. */
struct srv_derived {
    int has_end;
    char notice_deadline[11];
    int64_t days_left;
    const char *lifecycle; /* static */
};
void srv_contract_derived(const char *status, const char *renewal, const char *start,
                          const char *end_date, int64_t notice, int64_t today,
                          struct srv_derived *out);
/* Largest threshold: the "expiring" window of lifecycle (default 90). */
void srv_expiry_set_window(int days);
/* The window in days (contracts.list's lifecycle filter uses the same). */
int srv_expiry_window(void);

/* ---- the scheduler (expiry.c; loop thread) ------------------------------- */
struct srv;
struct srv_session;
/* Scans at once, then at the daily time, after every change of a
 * contract's dates or status, and at the next due moment (uv timers). */
void srv__expiry_start(struct srv *srv);
/* Stops the timers (close callbacks run on the loop); scans in flight
 * still complete. */
void srv__expiry_stop(struct srv *srv);
/* Committed events on their way to subscribers: contract changes that can
 * move a schedule start a scan of those contracts. */
void srv__expiry_note_events(struct srv *srv, const json_t *events);
/*
 * Test servers only (pactad --fake-now): pins the clock to unix_ms and
 * scans; the session gets {"now"} as the answer to request `id` once the
 * scan committed and its events were broadcast.
 */
void srv__expiry_clock_set(struct srv_session *s, const json_t *id, int64_t unix_ms);
#endif
