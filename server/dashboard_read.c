/*
 * The dashboard figures, read from dashboard_counts (schema_dashboard.h)
 * and the newest rows of the changes log, in one read transaction so every
 * number is as of the same commit (as_of_seq).  Nothing here reads the
 * contracts table: the cost depends on how many distinct days and
 * currencies are in use, not on how many contracts there are
 * (bench/RESULTS.md "Dashboard").
 *
 * The lifecycle counts follow srv_contract_derive exactly: for a contract
 * that is draft or active (D/A), unknown without an end date, else upcoming
 * before its start date, else expired after its end date, else expiring
 * within `window` days unless evergreen, else active.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dashboard.h"
#include "db-private.h"
#include "expiry.h"

#define RECENT_EVENTS                                                                              \
    "'contract.created', 'contract.updated', 'contract.deleted', 'contract.expired', "             \
    "'contract.renewed', 'server.reset'"

static const char *const sql_keyed =
    "SELECT series, k1, n, amount_hi, amount_lo FROM dashboard_counts "
    "WHERE series IN ('status', 'kind', 'value', 'noend') ORDER BY series, k1";

/* ?1 today, ?2 today + window, ?3..?5 today + 30/60/90, ?6 today + 30. */
#define SUM(where) "(SELECT coalesce(sum(n), 0) FROM dashboard_counts WHERE " where "), "
#define UPCOMING SUM("series = 'start' AND k1 > ?1")
#define PAST_END SUM("series = 'end' AND k1 < ?1")
#define IN_WINDOW SUM("series = 'end' AND k1 BETWEEN ?1 AND ?2 AND k2 = ''")
#define UPCOMING_IN_WINDOW SUM("series = 'span' AND k1 > ?1 AND k1 <= ?2 AND k2 <= ?2")
#define ENDING_BY(day) SUM("series = 'active_end' AND k1 <= " day)
#define NOTICE_DUE SUM("series = 'notice' AND k1 <= ?6")
#define NOTICE_PASSED SUM("series = 'notice' AND k1 < ?1")
/* One row; read_dates reads its columns in this order (as_of_seq last). */
static const char *const sql_dates =
    "SELECT " UPCOMING PAST_END IN_WINDOW UPCOMING_IN_WINDOW ENDING_BY("?3") ENDING_BY("?4")
        ENDING_BY("?5") NOTICE_DUE NOTICE_PASSED "(SELECT coalesce(max(seq), 0) FROM changes)";

/* The newest changes that altered a contract (alerts are left out: they
 * have their own page), and restores. */
static const char *const sql_recent =
    "SELECT seq, event, entity_id, actor, created_at, json_extract(payload, '$.contract.number'), "
    "json_extract(payload, '$.contract.title') FROM changes WHERE event IN (" RECENT_EVENTS ") "
    "ORDER BY seq DESC LIMIT 10";
_Static_assert(PACTA_DASHBOARD_RECENT == 10, "sql_recent's LIMIT");

static int index_of(const char *name, const char *(*name_of)(int), int count)
{
    for (int i = 0; i < count; i++)
        if (strcmp(name, name_of(i)) == 0)
            return i;
    return -1;
}

static const char *status_of(int i)
{
    return pacta_dashboard_status_name((enum pacta_dash_status)i);
}

static const char *kind_of(int i)
{
    return pacta_dashboard_kind_name((enum pacta_dash_kind)i);
}

static void copy_text(char *dst, size_t cap, const unsigned char *src)
{
    snprintf(dst, cap, "%s", src ? (const char *)src : "");
}

/* amount_hi * 10^9 + amount_lo as decimal digits. */
static void format_amount(int64_t hi, int64_t lo, char *out, size_t cap)
{
    if (hi > 0)
        snprintf(out, cap, "%lld%09lld", (long long)hi, (long long)lo);
    else
        snprintf(out, cap, "%lld", (long long)lo);
}

static int read_keyed(sqlite3 *r, struct pacta_dashboard *d, int64_t noend[2],
                      struct pacta_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(r, sql_keyed, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return srv__sql_error(r, rc, "dashboard counts", err);
    d->values = calloc(PACTA_DASHBOARD_MAX_CURRENCIES, sizeof *d->values);
    if (!d->values)
        abort();
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *series = (const char *)sqlite3_column_text(st, 0);
        const char *key = (const char *)sqlite3_column_text(st, 1);
        int64_t n = sqlite3_column_int64(st, 2);
        int i;
        if (!series || !key)
            continue;
        if (!strcmp(series, "status") && (i = index_of(key, status_of, 4)) >= 0)
            d->by_status[i] = n;
        else if (!strcmp(series, "kind") && (i = index_of(key, kind_of, 2)) >= 0)
            d->by_kind[i] = n;
        else if (!strcmp(series, "noend") && (i = index_of(key, status_of, 2)) >= 0)
            noend[i] = n;
        else if (!strcmp(series, "value") && d->n_values < PACTA_DASHBOARD_MAX_CURRENCIES) {
            struct pacta_dashboard_value *v = &d->values[d->n_values++];
            snprintf(v->currency, sizeof v->currency, "%s", key);
            v->contracts = n;
            format_amount(sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4), v->amount_cents,
                          sizeof v->amount_cents);
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : srv__sql_error(r, rc, "dashboard counts", err);
}

static int read_dates(sqlite3 *r, struct pacta_dashboard *d, int64_t today, int window,
                      const int64_t noend[2], struct pacta_error *err)
{
    sqlite3_stmt *st = NULL;
    char day[6][11];
    int rc = sqlite3_prepare_v2(r, sql_dates, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return srv__sql_error(r, rc, "dashboard dates", err);
    srv_date_format(today, day[0]);
    srv_date_format(today + window, day[1]);
    for (int i = 0; i < PACTA_DASHBOARD_WINDOWS; i++)
        srv_date_format(today + pacta_dashboard_windows[i], day[2 + i]);
    srv_date_format(today + PACTA_DASHBOARD_NOTICE_DAYS, day[5]);
    for (int i = 0; i < 6; i++)
        sqlite3_bind_text(st, i + 1, day[i], -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(st);
        return srv__sql_error(r, rc, "dashboard dates", err);
    }
    int64_t upcoming = sqlite3_column_int64(st, 0), past_end = sqlite3_column_int64(st, 1),
            in_window = sqlite3_column_int64(st, 2),
            upcoming_in_window = sqlite3_column_int64(st, 3);
    for (int i = 0; i < PACTA_DASHBOARD_WINDOWS; i++)
        d->expiring[i] = sqlite3_column_int64(st, 4 + i);
    d->notice_due = sqlite3_column_int64(st, 7);
    d->notice_passed = sqlite3_column_int64(st, 8);
    d->as_of_seq = sqlite3_column_int64(st, 9);
    sqlite3_finalize(st);

    int64_t open = d->by_status[PACTA_DASH_DRAFT] + d->by_status[PACTA_DASH_ACTIVE];
    int64_t *lc = d->by_lifecycle;
    lc[PACTA_DASH_LC_TERMINATED] = d->by_status[PACTA_DASH_TERMINATED];
    lc[PACTA_DASH_LC_EXPIRED] = d->by_status[PACTA_DASH_EXPIRED] + past_end;
    lc[PACTA_DASH_LC_UNKNOWN] = noend[0] + noend[1];
    lc[PACTA_DASH_LC_UPCOMING] = upcoming;
    lc[PACTA_DASH_LC_EXPIRING] = in_window - upcoming_in_window;
    lc[PACTA_DASH_LC_ACTIVE] =
        open - lc[PACTA_DASH_LC_UNKNOWN] - upcoming - past_end - lc[PACTA_DASH_LC_EXPIRING];
    return 0;
}

static int read_recent(sqlite3 *r, struct pacta_dashboard *d, struct pacta_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(r, sql_recent, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return srv__sql_error(r, rc, "dashboard changes", err);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && d->n_recent < PACTA_DASHBOARD_RECENT) {
        struct pacta_dashboard_change *c = &d->recent[d->n_recent++];
        c->seq = sqlite3_column_int64(st, 0);
        copy_text(c->event, sizeof c->event, sqlite3_column_text(st, 1));
        if (strncmp(c->event, "contract.", 9) == 0)
            copy_text(c->contract_id, sizeof c->contract_id, sqlite3_column_text(st, 2));
        copy_text(c->actor, sizeof c->actor, sqlite3_column_text(st, 3));
        copy_text(c->at, sizeof c->at, sqlite3_column_text(st, 4));
        copy_text(c->number, sizeof c->number, sqlite3_column_text(st, 5));
        copy_text(c->title, sizeof c->title, sqlite3_column_text(st, 6));
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0
                                                 : srv__sql_error(r, rc, "dashboard changes", err);
}

int srv__dashboard_read(sqlite3 *r, int64_t today, int window, struct pacta_dashboard *out,
                        struct pacta_error *err)
{
    int64_t noend[2] = {0, 0};
    int rc;

    memset(out, 0, sizeof *out);
    srv_date_format(today, out->today);
    out->window_days = window;
    rc = sqlite3_exec(r, "BEGIN", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return srv__sql_error(r, rc, "dashboard begin", err);
    if ((rc = read_keyed(r, out, noend, err)) == 0 &&
        (rc = read_dates(r, out, today, window, noend, err)) == 0)
        rc = read_recent(r, out, err);
    sqlite3_exec(r, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
    for (int i = 0; i < PACTA_DASH_STATUS__COUNT; i++)
        out->total += out->by_status[i];
    return rc;
}
