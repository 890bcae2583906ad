/*
 * it_dashboard_recount: stats.dashboard against a full recount in SQL,
 * after a random mix of everything that moves the counters on a real
 * pactad (PROTOCOL.md §6.42; schema_dashboard.h's triggers, one per series
 * since migration 11): creates, updates of each counted column alone and
 * together (with the supplements an active contract's edit writes),
 * deletes, the clock moved forward (the expiry scheduler expires and
 * renews contracts in its scan), backups made and restored.
 *
 * At each checkpoint the figures of stats.dashboard must equal what SQL
 * counts from the contracts table of the server's file as of the same
 * change (as_of_seq), for the server's today; and every row of
 * dashboard_counts must equal its recount from the contracts, series by
 * series (written here, not taken from the server's macros).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "test.h"

static uint64_t rng = 0x2545f4914f6cdd1dull;

static int pick(int n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (int)(rng % (uint64_t)n);
}

#define MAX_C 400
static struct {
    char id[40];
    int live;
} cs[MAX_C];
static int ncs;

static const char *statuses[] = {"draft", "active", "expired", "terminated"};
static const char *renewals[] = {"none", "auto", "evergreen"};
static const char *currencies[] = {"EUR", "USD", "RON"};

/* A day near the fake clock's (2026-01 .. 2026-12), as YYYY-MM-DD. */
static void day(char out[16], int lo_month)
{
    snprintf(out, 16, "2026-%02d-%02d", (lo_month + pick(13 - lo_month)) % 100,
             (1 + pick(28)) % 100);
}

static json_t *random_fields(void)
{
    json_t *f = json_object();
    char s[16], e[16];
    int what = pick(9);

    if (what == 0 || what == 8)
        json_object_set_new(f, "status", json_string(statuses[pick(4)]));
    if (what == 1 || what == 8)
        json_object_set_new(f, "kind", json_string(pick(2) ? "client" : "supplier"));
    if (what == 2 || what == 8) {
        json_object_set_new(f, "currency", json_string(currencies[pick(3)]));
        json_object_set_new(f, "amount_cents",
                            json_integer(pick(4) == 0 ? 1000000000000000LL - pick(1000)
                                                      : (json_int_t)pick(100000)));
    }
    if (what == 3 || what == 8)
        json_object_set_new(f, "amount_cents", json_integer(pick(50000)));
    if (what == 4 || what == 8) {
        /* start <= end, either one may be missing */
        day(s, 1);
        day(e, 1);
        if (strcmp(s, e) > 0) {
            char x[16];
            memcpy(x, s, 16);
            memcpy(s, e, 16);
            memcpy(e, x, 16);
        }
        json_object_set_new(f, "start_date", pick(4) ? json_string(s) : json_null());
        json_object_set_new(f, "end_date", pick(5) ? json_string(e) : json_null());
    }
    if (what == 5 || what == 8)
        json_object_set_new(f, "notice_days", json_integer(pick(3) ? pick(60) : 0));
    if (what == 6 || what == 8)
        json_object_set_new(f, "renewal", json_string(renewals[pick(3)]));
    if (what == 7)
        json_object_set_new(f, "title", json_string(pick(2) ? "Renamed" : "Other title"));
    return f;
}

static void create(struct ctl_client *c)
{
    json_t *f = random_fields(), *more = random_fields();
    json_object_update(f, more);
    json_decref(more);
    /* the update's start/end pair may clash with a date from the other */
    if (json_object_get(f, "end_date") && json_object_get(f, "start_date") &&
        json_is_string(json_object_get(f, "end_date")) &&
        json_is_string(json_object_get(f, "start_date")) &&
        strcmp(it_str(f, "start_date"), it_str(f, "end_date")) > 0)
        json_object_del(f, "start_date");
    json_t *rec = it_contract_create(c, f);
    if (rec && ncs < MAX_C) {
        snprintf(cs[ncs].id, sizeof cs[ncs].id, "%s", it_str(rec, "id"));
        cs[ncs++].live = 1;
    }
    json_decref(rec);
}

static void update(struct ctl_client *c, int i)
{
    json_t *rec = it_contract_get(c, cs[i].id), *err = NULL;
    if (!rec || !json_is_null(json_object_get(rec, "deleted_at"))) {
        json_decref(rec);
        cs[i].live = 0;
        return;
    }
    json_t *res = it_contract_update(c, cs[i].id, it_int(rec, "version"), random_fields(),
                                     "random edit", &err);
    /* a merged record whose end falls before its start is refused */
    CHECKF(res || strcmp(it_err_field(err), "end_date") == 0, "update refused: %s %s",
           it_err_code(err), it_err_field(err));
    json_decref(res);
    json_decref(err);
    json_decref(rec);
}

static void delete (struct ctl_client *c, int i)
{
    json_t *rec = it_contract_get(c, cs[i].id);
    if (!rec || !json_is_null(json_object_get(rec, "deleted_at"))) {
        json_decref(rec);
        cs[i].live = 0;
        return;
    }
    json_t *res =
        it_call(c, "contracts.delete",
                json_pack("{s:s, s:I}", "id", cs[i].id, "version", it_int(rec, "version")), NULL);
    CHECK(res != NULL);
    cs[i].live = 0;
    json_decref(res);
    json_decref(rec);
}

/* ---- the recount ---------------------------------------------------------- */

static sqlite3_int64 q1(sqlite3 *db, const char *sql, const char *today, const char *d2)
{
    sqlite3_stmt *st = NULL;
    sqlite3_int64 v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        CHECKF(0, "%s: %s", sql, sqlite3_errmsg(db));
        return -1;
    }
    if (sqlite3_bind_parameter_count(st) >= 1)
        sqlite3_bind_text(st, 1, today, -1, SQLITE_TRANSIENT);
    if (sqlite3_bind_parameter_count(st) >= 2)
        sqlite3_bind_text(st, 2, d2, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

#define LIVE "FROM contracts WHERE deleted_at IS NULL"
#define LIFECYCLE                                                                                  \
    "CASE WHEN status = 'terminated' THEN 'terminated' WHEN status = 'expired' THEN 'expired'"     \
    " WHEN end_date IS NULL THEN 'unknown' WHEN start_date > ?1 THEN 'upcoming'"                   \
    " WHEN end_date < ?1 THEN 'expired' WHEN end_date <= ?2 AND renewal <> 'evergreen'"            \
    " THEN 'expiring' ELSE 'active' END"

/* The figures of `dash` against SQL over the contracts; 0 when all equal. */
static int compare_figures(sqlite3 *db, const json_t *dash, const char *where)
{
    const char *today = it_str(dash, "today");
    char until[11], d[11], sql[1024];
    int bad = 0, window = (int)it_int(dash, "lifecycle_window_days");
    sqlite3_stmt *st = NULL;

    sqlite3_prepare_v2(db, "SELECT date(?1, '+' || ?2 || ' days')", -1, &st, NULL);
    sqlite3_bind_text(st, 1, today, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 2, window);
    sqlite3_step(st);
    snprintf(until, sizeof until, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);

#define SAME(got, sqltext, a2)                                                                     \
    do {                                                                                           \
        sqlite3_int64 want_ = q1(db, sqltext, today, a2);                                          \
        json_int_t got_ = (got);                                                                   \
        if (got_ != want_) {                                                                       \
            CHECKF(0, "%s: %s: dashboard %lld, recount %lld", where, sqltext, (long long)got_,     \
                   (long long)want_);                                                              \
            bad = 1;                                                                               \
        }                                                                                          \
    } while (0)

    SAME(it_int(dash, "total"), "SELECT count(*) " LIVE, NULL);
    for (int i = 0; i < 4; i++) {
        snprintf(sql, sizeof sql, "SELECT count(*) " LIVE " AND status = '%s'", statuses[i]);
        SAME(it_int(json_object_get(dash, "by_status"), statuses[i]), sql, NULL);
    }
    SAME(it_int(json_object_get(dash, "by_kind"), "client"),
         "SELECT count(*) " LIVE " AND kind = 'client'", NULL);
    SAME(it_int(json_object_get(dash, "by_kind"), "supplier"),
         "SELECT count(*) " LIVE " AND kind = 'supplier'", NULL);
    static const char *const lcs[] = {"upcoming", "active",     "expiring",
                                      "expired",  "terminated", "unknown"};
    for (int i = 0; i < 6; i++) {
        snprintf(sql, sizeof sql, "SELECT count(*) " LIVE " AND " LIFECYCLE " = '%s'", lcs[i]);
        SAME(it_int(json_object_get(dash, "by_lifecycle"), lcs[i]), sql, until);
    }
    json_t *w;
    size_t i;
    json_array_foreach(json_object_get(dash, "expiring"), i, w)
    {
        snprintf(d, sizeof d, "%s", "");
        sqlite3_prepare_v2(db, "SELECT date(?1, '+' || ?2 || ' days')", -1, &st, NULL);
        sqlite3_bind_text(st, 1, today, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 2, (int)it_int(w, "days"));
        sqlite3_step(st);
        snprintf(d, sizeof d, "%s", (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        SAME(it_int(w, "count"),
             "SELECT count(*) " LIVE " AND status = 'active' AND end_date IS NOT NULL"
             " AND end_date <= ?2 AND ?1 IS NOT NULL",
             d);
    }
    const json_t *notice = json_object_get(dash, "notice");
    sqlite3_prepare_v2(db, "SELECT date(?1, '+' || ?2 || ' days')", -1, &st, NULL);
    sqlite3_bind_text(st, 1, today, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 2, (int)it_int(notice, "days"));
    sqlite3_step(st);
    snprintf(d, sizeof d, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
#define NOTICE LIVE " AND status = 'active' AND end_date IS NOT NULL AND notice_days > 0"
    SAME(it_int(notice, "due"),
         "SELECT count(*) " NOTICE " AND date(end_date, '-' || notice_days || ' days') <= ?2"
         " AND ?1 IS NOT NULL",
         d);
    SAME(it_int(notice, "passed"),
         "SELECT count(*) " NOTICE " AND date(end_date, '-' || notice_days || ' days') < ?1", NULL);
    /* values: every active currency, contracts and the exact sum */
    SAME((json_int_t)json_array_size(json_object_get(dash, "value_by_currency")),
         "SELECT count(DISTINCT currency) " LIVE " AND status = 'active'", NULL);
    json_array_foreach(json_object_get(dash, "value_by_currency"), i, w)
    {
        char want[64] = "";
        snprintf(sql, sizeof sql,
                 "SELECT count(*) " LIVE " AND status = 'active' AND currency = '%s'",
                 it_str(w, "currency"));
        SAME(it_int(w, "contracts"), sql, NULL);
        snprintf(sql, sizeof sql,
                 "SELECT CAST(sum(amount_cents) AS TEXT) " LIVE
                 " AND status = 'active' AND currency = '%s'",
                 it_str(w, "currency"));
        sqlite3_prepare_v2(db, sql, -1, &st, NULL);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
            snprintf(want, sizeof want, "%s", (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        if (strcmp(want, it_str(w, "amount_cents")) != 0) {
            CHECKF(0, "%s: %s amount %s, recount %s", where, it_str(w, "currency"),
                   it_str(w, "amount_cents"), want);
            bad = 1;
        }
    }
    return bad;
}

/* Each series' counter rows recounted from the contracts (the meaning of
 * schema_dashboard.h's table, written out here): rows of dashboard_counts
 * that differ from it (either way). */
#define D_OPEN "deleted_at IS NULL AND status IN ('draft', 'active')"
#define D_DATED D_OPEN " AND end_date IS NOT NULL"
#define D_ACTIVE_END "deleted_at IS NULL AND status = 'active' AND end_date IS NOT NULL"
static const char *const recount_sql =
    "WITH r(series, k1, k2, n, amount) AS ("
    " SELECT 'status', status, '', count(*), 0 " LIVE " GROUP BY 2, 3"
    " UNION ALL SELECT 'kind', kind, '', count(*), 0 " LIVE " GROUP BY 2, 3"
    " UNION ALL SELECT 'value', currency, '', count(*), sum(amount_cents) " LIVE
    " AND status = 'active' GROUP BY 2, 3"
    " UNION ALL SELECT 'noend', status, '', count(*), 0 FROM contracts WHERE " D_OPEN
    " AND end_date IS NULL GROUP BY 2, 3"
    " UNION ALL SELECT 'end', end_date, CASE renewal WHEN 'evergreen' THEN 'evergreen' ELSE '' END,"
    " count(*), 0 FROM contracts WHERE " D_DATED " GROUP BY 2, 3"
    " UNION ALL SELECT 'start', start_date, '', count(*), 0 FROM contracts WHERE " D_DATED
    " AND start_date IS NOT NULL GROUP BY 2, 3"
    " UNION ALL SELECT 'span', start_date, end_date, count(*), 0 FROM contracts WHERE " D_DATED
    " AND start_date IS NOT NULL AND renewal <> 'evergreen'"
    " AND julianday(end_date) - julianday(start_date) <= 3650 GROUP BY 2, 3"
    " UNION ALL SELECT 'active_end', end_date, '', count(*), 0 FROM contracts WHERE " D_ACTIVE_END
    " GROUP BY 2, 3"
    " UNION ALL SELECT 'notice', date(end_date, '-' || notice_days || ' days'), '', count(*), 0"
    " FROM contracts WHERE " D_ACTIVE_END " AND notice_days > 0 GROUP BY 2, 3),"
    " s(series, k1, k2, n, amount) AS (SELECT series, k1, k2, n,"
    " amount_hi * 1000000000 + amount_lo FROM dashboard_counts)"
    " SELECT 'counter', * FROM (SELECT * FROM s EXCEPT SELECT * FROM r)"
    " UNION ALL SELECT 'recount', * FROM (SELECT * FROM r EXCEPT SELECT * FROM s)";

static int compare_counters(sqlite3 *db, const char *where)
{
    sqlite3_stmt *st = NULL;
    int bad = 0;

    REQUIRE(sqlite3_prepare_v2(db, recount_sql, -1, &st, NULL) == SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        CHECKF(0, "%s: only in the %s: %s %s %s n=%lld amount=%lld", where,
               sqlite3_column_text(st, 0), sqlite3_column_text(st, 1), sqlite3_column_text(st, 2),
               sqlite3_column_text(st, 3), (long long)sqlite3_column_int64(st, 4),
               (long long)sqlite3_column_int64(st, 5));
        bad = 1;
    }
    sqlite3_finalize(st);
    return bad;
}

/* The search indexes in step with the contracts (the same mix moves them):
 * contracts_fts holds each contract's indexed columns and its supplements'
 * distinct reasons in order; the trigram index finds each live contract by
 * the first three characters of its title (a contentless index forgets or
 * keeps a row only as its triggers tell it). */
static void compare_search(sqlite3 *db, const char *where)
{
    int n = it_sql_int(
        db, "SELECT count(*) FROM contracts c LEFT JOIN contracts_fts_map m ON m.id = c.id"
            " LEFT JOIN contracts_fts f ON f.rowid = m.rid WHERE f.rowid IS NULL"
            " OR f.id IS NOT c.id OR f.number IS NOT c.number OR f.title IS NOT c.title"
            " OR f.counterparty IS NOT c.counterparty OR f.description IS NOT c.description"
            " OR f.reasons IS NOT coalesce((SELECT group_concat(reason, char(10)) FROM"
            " (SELECT reason FROM supplements WHERE contract_id = c.id GROUP BY reason"
            " ORDER BY min(id))), '')");
    CHECKF(n == 0, "%s: %d contracts whose search row differs", where, n);
    n = it_sql_int(db, "SELECT (SELECT count(*) FROM contracts_fts) - (SELECT count(*) FROM"
                       " contracts)");
    CHECKF(n == 0, "%s: %d search rows more than contracts", where, n);
    n = it_sql_int(db, "SELECT count(*) FROM contracts c JOIN contracts_fts_map m ON m.id = c.id"
                       " WHERE length(c.title) >= 3 AND NOT EXISTS (SELECT 1 FROM contracts_text"
                       " WHERE contracts_text MATCH '\"' || replace(substr(c.title, 1, 3), '\"',"
                       " '\"\"') || '\"' AND rowid = m.rid)");
    CHECKF(n == 0, "%s: %d contracts the trigram index does not find by their title", where, n);
}

/* stats.dashboard and the file, as of the same change: retried while the
 * scheduler is still writing (the figures' as_of_seq is not the file's). */
static void checkpoint(const struct it_server *s, struct ctl_client *c, const char *where)
{
    char path[600];
    it_server_db_path(s, path, sizeof path);
    for (int attempt = 0; attempt < 50; attempt++) {
        json_t *dash = it_call(c, "stats.dashboard", json_object(), NULL);
        sqlite3 *db = NULL;
        REQUIRE(dash);
        REQUIRE(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
        sqlite3_busy_timeout(db, 5000);
        it_sql(db, "BEGIN");
        int head = it_sql_int(db, "SELECT coalesce(max(seq), 0) FROM changes");
        if (head == it_int(dash, "as_of_seq")) {
            compare_figures(db, dash, where);
            compare_counters(db, where);
            compare_search(db, where);
            it_sql(db, "COMMIT");
            sqlite3_close(db);
            json_decref(dash);
            return;
        }
        it_sql(db, "COMMIT");
        sqlite3_close(db);
        json_decref(dash);
        usleep(100 * 1000);
    }
    CHECKF(0, "%s: the dashboard never caught up with the file", where);
}

int main(void)
{
    char key_file[600], now[64] = "2026-01-01", where[96];
    int month = 1, mday = 1, checkpoints = 0, restores = 0, backups = 0, tick = 0;
    json_int_t backup_ids[32];

    it_setup("it_dashboard_recount");
    snprintf(key_file, sizeof key_file, "%s", it_backup_key_file());
    const char *args[] = {"--session-ttl",
                          "315360000",
                          "--fake-now",
                          "2026-01-01T09:00:00Z",
                          "--alert-time",
                          "08:00",
                          "--backup-key-file",
                          key_file,
                          "--backup-time",
                          "off",
                          "--backup-keep-days",
                          "365",
                          NULL};
    struct it_server *s = it_server_start(args);
    struct ctl_client *admin = it_login_admin(s);

    for (int i = 0; i < 40; i++)
        create(admin);
    checkpoint(s, admin, "after the creates");
    for (int step = 0; step < 400; step++) {
        int what = pick(100), i = pick(ncs);
        if (what < 15) {
            create(admin);
        } else if (what < 70) {
            if (cs[i].live)
                update(admin, i);
        } else if (what < 78) {
            if (cs[i].live)
                delete (admin, i);
        } else if (what < 88) {
            /* the clock forward a few days: the scan expires and renews */
            mday += 1 + pick(12);
            if (mday > 28) {
                mday -= 28;
                month++;
            }
            if (month > 12)
                month = 12;
            snprintf(now, sizeof now, "2026-%02d-%02dT09:%02d:%02d.000Z", month % 100, mday % 100,
                     (tick / 60) % 60, tick % 60);
            json_t *r = it_call(admin, "admin.clock.set", json_pack("{s:s}", "now", now), NULL);
            CHECK(r != NULL);
            json_decref(r);
        } else if (what < 95) {
            /* a frozen fake clock would give two backups the same file
             * name (the second fails): a second later each time */
            tick++;
            snprintf(now, sizeof now, "2026-%02d-%02dT09:%02d:%02d.000Z", month % 100, mday % 100,
                     (tick / 60) % 60, tick % 60);
            json_decref(it_call(admin, "admin.clock.set", json_pack("{s:s}", "now", now), NULL));
            json_t *made = it_call(admin, "backups.create", json_object(), NULL);
            CHECK(made != NULL);
            if (made && backups < 32)
                backup_ids[backups++] = it_int(json_object_get(made, "backup"), "id");
            json_decref(made);
        } else if (backups > 0) {
            tick++; /* the safety backup's name too */
            snprintf(now, sizeof now, "2026-%02d-%02dT09:%02d:%02d.000Z", month % 100, mday % 100,
                     (tick / 60) % 60, tick % 60);
            json_decref(it_call(admin, "admin.clock.set", json_pack("{s:s}", "now", now), NULL));
            json_t *r = it_call(admin, "backups.restore",
                                json_pack("{s:I}", "id", backup_ids[pick(backups)]), NULL);
            CHECK(r != NULL);
            json_decref(r);
            restores++;
            for (int k = 0; k < ncs; k++) /* which are live is asked per edit */
                cs[k].live = 1;
        }
        if (step % 20 == 19) {
            snprintf(where, sizeof where, "step %d (%s)", step, now);
            checkpoint(s, admin, where);
            checkpoints++;
        }
    }
    printf("%d contracts, %d checkpoints, %d backups, %d restores\n", ncs, checkpoints, backups,
           restores);
    CHECK(restores > 0);
    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);
    return it_done(test_summary());
}
