/*
 * srv__dashboard_read against brute force: a real database file with the
 * server's migrations, random contracts written with plain SQL (so the
 * triggers of schema_dashboard.h are what keeps the counters), random
 * edits, soft and hard deletes; after each phase the figures for several
 * days and windows must equal what counting every row with
 * srv_contract_derive gives.  Also: the migration's count of existing rows
 * gives the same counters as the triggers, sums past 2^63 stay exact, and
 * recent_changes lists the right events newest first.  The first rows
 * and edits are made at schema version 10 (one update trigger for every
 * series), the rest after migration 11 (one per series); a recount after
 * each phase compares every counter row, not only what the figures show.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dashboard.h"
#include "db-private.h"
#include "expiry.h"
#include "schema_dashboard.h"
#include "test.h"

static sqlite3 *db;
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static int64_t base_day; /* 2026-01-01 */

static uint64_t next_rand(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int pick(int n)
{
    return (int)(next_rand() % (uint64_t)n);
}

static void exec(const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "sql failed: %s\n%s\n", msg, sql);
        exit(1);
    }
}

static const char *statuses[] = {"draft", "active", "expired", "terminated"};
static const char *renewals[] = {"none", "auto", "evergreen"};
static const char *currencies[] = {"EUR", "USD", "RON"};

/* Random terms: NULL dates now and then, start <= end always. */
static void random_terms(sqlite3_stmt *st, int first_param)
{
    int64_t start = base_day - 400 + pick(800), end = start + pick(500);
    char s[11], e[11];
    srv_date_format(start, s);
    srv_date_format(end, e);
    int shape = pick(6);
    if (shape == 0)
        sqlite3_bind_null(st, first_param);
    else
        sqlite3_bind_text(st, first_param, s, -1, SQLITE_TRANSIENT);
    if (shape == 1)
        sqlite3_bind_null(st, first_param + 1);
    else
        sqlite3_bind_text(st, first_param + 1, e, -1, SQLITE_TRANSIENT);
}

static int64_t contract_seq;

static void insert_contract(int64_t amount)
{
    sqlite3_stmt *st;
    char id[37], number[32];
    contract_seq++;
    snprintf(id, sizeof id, "00000000-0000-7000-8000-%012llx", (unsigned long long)contract_seq);
    snprintf(number, sizeof number, "D-%lld", (long long)contract_seq);
    REQUIRE(sqlite3_prepare_v2(
                db,
                "INSERT INTO contracts (id, number, title, counterparty, kind, status, start_date, "
                "end_date, amount_cents, currency, owner, notice_days, renewal, created_at, "
                "updated_at, updated_by) VALUES (?1, ?2, 'T', 'C', ?3, ?4, ?5, ?6, ?7, ?8, 'ana', "
                "?9, ?10, 'x', 'x', 'ana')",
                -1, &st, NULL) == SQLITE_OK);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, number, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, pick(2) ? "client" : "supplier", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, statuses[pick(4)], -1, SQLITE_STATIC);
    random_terms(st, 5);
    sqlite3_bind_int64(st, 7, amount >= 0 ? amount : (int64_t)pick(1000000));
    sqlite3_bind_text(st, 8, currencies[pick(3)], -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 9, pick(3) ? 0 : pick(120));
    sqlite3_bind_text(st, 10, renewals[pick(3)], -1, SQLITE_STATIC);
    REQUIRE(sqlite3_step(st) == SQLITE_DONE);
    sqlite3_finalize(st);
}

/* One random edit of a random contract, as the server's writers do them:
 * UPDATE of some columns, a soft delete, or (rarely) a hard delete. */
static void random_edit(void)
{
    char id[37], sql[512];
    snprintf(id, sizeof id, "00000000-0000-7000-8000-%012llx",
             (unsigned long long)(1 + pick((int)contract_seq)));
    sqlite3_stmt *st;
    switch (pick(9)) {
    case 0:
        snprintf(sql, sizeof sql, "UPDATE contracts SET status = '%s' WHERE id = ?1",
                 statuses[pick(4)]);
        break;
    case 1:
        snprintf(sql, sizeof sql,
                 "UPDATE contracts SET start_date = ?2, end_date = ?3, version = version + 1 "
                 "WHERE id = ?1");
        break;
    case 2:
        snprintf(sql, sizeof sql,
                 "UPDATE contracts SET renewal = '%s', notice_days = %d, amount_cents = %d "
                 "WHERE id = ?1",
                 renewals[pick(3)], pick(2) ? 0 : pick(90), pick(5000));
        break;
    case 3:
        snprintf(sql, sizeof sql, "UPDATE contracts SET currency = '%s', kind = '%s' WHERE id = ?1",
                 currencies[pick(3)], pick(2) ? "client" : "supplier");
        break;
    case 4:
        snprintf(sql, sizeof sql,
                 "UPDATE contracts SET deleted_at = 'x' WHERE id = ?1 AND deleted_at IS NULL");
        break;
    case 5:
        snprintf(sql, sizeof sql, "UPDATE contracts SET title = 'retitled' WHERE id = ?1");
        break;
    case 6: { /* one counted column alone: each series has its own trigger and columns */
        static const char *const one[] = {
            "status = '%s'",    "kind = '%s'",    "currency = '%s'",   "amount_cents = %d",
            "notice_days = %d", "renewal = '%s'", "deleted_at = NULL", "deleted_at = 'x'"};
        int c = pick(10);
        if (c == 8) /* start alone, kept at most the end (the table's CHECK) */
            snprintf(sql, sizeof sql,
                     "UPDATE contracts SET start_date = ?2 WHERE id = ?1 AND (?2 IS NULL OR "
                     "end_date IS NULL OR ?2 <= end_date) AND ?3 IS NOT 0");
        else if (c == 9) /* end alone, kept at least the start */
            snprintf(sql, sizeof sql,
                     "UPDATE contracts SET end_date = ?3 WHERE id = ?1 AND (?3 IS NULL OR "
                     "start_date IS NULL OR start_date <= ?3) AND ?2 IS NOT 0");
        else {
            char set[64];
            if (c == 3 || c == 4)
                snprintf(set, sizeof set, one[c], pick(c == 3 ? 5000 : 90));
            else
                snprintf(set, sizeof set, one[c],
                         c == 0   ? statuses[pick(4)]
                         : c == 1 ? (pick(2) ? "client" : "supplier")
                         : c == 2 ? currencies[pick(3)]
                                  : renewals[pick(3)]);
            snprintf(sql, sizeof sql, "UPDATE contracts SET %s WHERE id = ?1", set);
        }
        break;
    }
    case 7: /* the writer's own statement shape: every column at once */
        snprintf(sql, sizeof sql,
                 "UPDATE contracts SET status = status, kind = kind, start_date = ?2, end_date = "
                 "?3, amount_cents = amount_cents / 2 WHERE id = ?1");
        break;
    default:
        snprintf(sql, sizeof sql,
                 "DELETE FROM contracts WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM "
                 "expiry_schedule WHERE contract_id = ?1)");
        break;
    }
    REQUIRE(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    if (sqlite3_bind_parameter_count(st) >= 3)
        random_terms(st, 2);
    int rc = sqlite3_step(st);
    CHECKF(rc == SQLITE_DONE, "%s: %s", sql, sqlite3_errmsg(db));
    sqlite3_finalize(st);
}

struct expect {
    int64_t status[4], kind[2], lifecycle[6], expiring[3], notice_due, notice_passed;
    int64_t currency_n[3];
    __int128 currency_sum[3];
};

static int index_in(const char *const *names, int n, const char *v)
{
    for (int i = 0; i < n; i++)
        if (v && strcmp(names[i], v) == 0)
            return i;
    return -1;
}

static void brute_force(int64_t today, int window, struct expect *x)
{
    static const char *const lc_names[] = {"upcoming", "active",     "expiring",
                                           "expired",  "terminated", "unknown"};
    sqlite3_stmt *st;
    memset(x, 0, sizeof *x);
    srv_expiry_set_window(window);
    REQUIRE(sqlite3_prepare_v2(db,
                               "SELECT status, kind, start_date, end_date, amount_cents, currency, "
                               "notice_days, renewal FROM contracts WHERE deleted_at IS NULL",
                               -1, &st, NULL) == SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *status = (const char *)sqlite3_column_text(st, 0);
        const char *kind = (const char *)sqlite3_column_text(st, 1);
        const char *start = (const char *)sqlite3_column_text(st, 2);
        const char *end = (const char *)sqlite3_column_text(st, 3);
        int64_t amount = sqlite3_column_int64(st, 4), notice = sqlite3_column_int64(st, 6);
        const char *currency = (const char *)sqlite3_column_text(st, 5);
        json_t *rec = json_pack("{s:s, s:s?, s:s?, s:I, s:s}", "status", status, "start_date",
                                start, "end_date", end, "notice_days", (json_int_t)notice,
                                "renewal", (const char *)sqlite3_column_text(st, 7));
        srv_contract_derive(rec, today);
        x->status[index_in(statuses, 4, status)]++;
        x->kind[strcmp(kind, "client") == 0 ? 0 : 1]++;
        x->lifecycle[index_in(lc_names, 6, json_string_value(json_object_get(rec, "lifecycle")))]++;
        json_decref(rec);
        int64_t e;
        if (strcmp(status, "active") != 0)
            continue;
        int c = index_in(currencies, 3, currency);
        x->currency_n[c]++;
        x->currency_sum[c] += amount;
        if (!end || srv_date_parse(end, &e) != 0)
            continue;
        for (int i = 0; i < 3; i++)
            x->expiring[i] += e <= today + pacta_dashboard_windows[i];
        if (notice > 0 && e - notice <= today + 30) {
            x->notice_due++;
            x->notice_passed += e - notice < today;
        }
    }
    sqlite3_finalize(st);
}

static void format_i128(__int128 v, char *out)
{
    char tmp[64];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v > 0);
    for (int i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
}

/* The figures for a few days around the data and a few windows. */
static void compare(const char *phase, int step)
{
    static const int windows[] = {90, 0, 30, 365};
    for (int w = 0; w < 4; w++)
        for (int64_t today = base_day - 450; today <= base_day + 500; today += step) {
            struct expect x;
            struct pacta_dashboard d;
            struct pacta_error err = {0};
            brute_force(today, windows[w], &x);
            REQUIRE(srv__dashboard_read(db, today, windows[w], &d, &err) == 0);
            int ok = memcmp(d.by_status, x.status, sizeof x.status) == 0 &&
                     memcmp(d.by_kind, x.kind, sizeof x.kind) == 0 &&
                     memcmp(d.by_lifecycle, x.lifecycle, sizeof x.lifecycle) == 0 &&
                     memcmp(d.expiring, x.expiring, sizeof x.expiring) == 0 &&
                     d.notice_due == x.notice_due && d.notice_passed == x.notice_passed &&
                     d.total == x.status[0] + x.status[1] + x.status[2] + x.status[3];
            CHECKF(ok, "%s: day %lld window %d", phase, (long long)(today - base_day), windows[w]);
            if (!ok) {
                for (int i = 0; i < 6; i++)
                    fprintf(stderr, "  lifecycle %d: %lld vs %lld\n", i,
                            (long long)d.by_lifecycle[i], (long long)x.lifecycle[i]);
                for (int i = 0; i < 3; i++)
                    fprintf(stderr, "  expiring %d: %lld vs %lld\n", i, (long long)d.expiring[i],
                            (long long)x.expiring[i]);
                fprintf(stderr, "  notice %lld/%lld vs %lld/%lld\n", (long long)d.notice_due,
                        (long long)d.notice_passed, (long long)x.notice_due,
                        (long long)x.notice_passed);
            }
            /* value: one entry per currency with active contracts */
            size_t want = 0;
            for (int c = 0; c < 3; c++) {
                if (!x.currency_n[c])
                    continue;
                want++;
                char sum[64];
                format_i128(x.currency_sum[c], sum);
                int found = 0;
                for (size_t i = 0; i < d.n_values; i++)
                    if (!strcmp(d.values[i].currency, currencies[c]))
                        found = d.values[i].contracts == x.currency_n[c] &&
                                !strcmp(d.values[i].amount_cents, sum);
                CHECKF(found, "%s: value %s = %s", phase, currencies[c], sum);
            }
            CHECK(d.n_values == want);
            pacta_dashboard_clear(&d);
        }
}

/* The counters the triggers kept equal the migration's count of the rows
 * as they are now (every series, every key, not only what the figures
 * show), and no key counting nothing is kept. */
static void check_recount(const char *phase)
{
    sqlite3_stmt *st;
    exec("CREATE TEMP TABLE kept AS SELECT * FROM dashboard_counts");
    exec("DELETE FROM dashboard_counts");
    exec(SRV_DASH_INIT);
    REQUIRE(sqlite3_prepare_v2(db,
                               "SELECT (SELECT count(*) FROM (SELECT * FROM kept EXCEPT SELECT * "
                               "FROM dashboard_counts)) + (SELECT count(*) FROM (SELECT * FROM "
                               "dashboard_counts EXCEPT SELECT * FROM kept)), (SELECT count(*) "
                               "FROM kept WHERE n = 0)",
                               -1, &st, NULL) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    CHECKF(sqlite3_column_int64(st, 0) == 0, "%s: %lld counter rows differ from a recount", phase,
           (long long)sqlite3_column_int64(st, 0));
    CHECKF(sqlite3_column_int64(st, 1) == 0, "%s: zero rows kept", phase);
    sqlite3_finalize(st);
    exec("DROP TABLE temp.kept");
}

static void test_recent(void)
{
    static const char *const events[] = {"contract.created", "contract.expiring",
                                         "notification.digest", "server.reset", "contract.updated"};
    for (int i = 0; i < 14; i++) {
        char sql[512];
        const char *ev = events[i % 5];
        snprintf(sql, sizeof sql,
                 "INSERT INTO changes (event, entity_id, version, actor, created_at, payload) "
                 "VALUES ('%s', 'e%d', 1, 'ana', '2026-01-01T00:00:%02d.000Z', '%s')",
                 ev, i, i,
                 strncmp(ev, "contract.", 9) == 0
                     ? "{\"contract\":{\"number\":\"N\",\"title\":\"Tïtle\"}}"
                     : "{\"reason\":\"restore\"}");
        exec(sql);
    }
    struct pacta_dashboard d;
    struct pacta_error err = {0};
    REQUIRE(srv__dashboard_read(db, base_day, 90, &d, &err) == 0);
    /* 14 rows: the 8 created/updated/reset ones qualify, newest first;
     * the newest of all is a reset (13 % 5 == 3) */
    CHECK(d.n_recent == 8);
    int64_t head = 0;
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "SELECT max(seq) FROM changes", -1, &st, NULL);
    if (sqlite3_step(st) == SQLITE_ROW)
        head = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    CHECK(d.as_of_seq == head);
    CHECK(d.recent[0].seq == head);
    CHECK_STR(d.recent[0].event, "server.reset");
    CHECK(d.recent[0].contract_id[0] == '\0' && d.recent[0].number[0] == '\0');
    CHECK_STR(d.recent[1].event, "contract.created");
    CHECK_STR(d.recent[1].title, "Tïtle");
    CHECK_STR(d.recent[1].contract_id, "e10");
    for (size_t i = 1; i < d.n_recent; i++)
        CHECK(d.recent[i].seq < d.recent[i - 1].seq);
    pacta_dashboard_clear(&d);
}

int main(void)
{
    char dir[] = "/tmp/pacta-dash-XXXXXX", path[128], errbuf[256];
    REQUIRE(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/t.db", dir);
    REQUIRE(sqlite3_open(path, &db) == SQLITE_OK);
    exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF");
    /* version 10 first: its one update trigger counts the first rows,
     * then migration 11's per-series triggers take over */
    REQUIRE(srv__schema_migrate_to(db, 10, errbuf, sizeof errbuf) == 0);
    exec("INSERT INTO users (username, display_name, password_hash, role, created_at) "
         "VALUES ('ana', 'Ana', '$argon2id$x', 'editor', 'x')");
    REQUIRE(srv_date_parse("2026-01-01", &base_day) == 0);

    struct pacta_dashboard d;
    struct pacta_error err = {0};
    REQUIRE(srv__dashboard_read(db, base_day, 90, &d, &err) == 0); /* empty */
    CHECK(d.total == 0 && d.n_values == 0 && d.n_recent == 0 && d.as_of_seq == 0);
    CHECK_STR(d.today, "2026-01-01");
    pacta_dashboard_clear(&d);

    exec("BEGIN");
    for (int i = 0; i < 400; i++)
        insert_contract(-1);
    exec("COMMIT");
    compare("inserted", 37);
    for (int i = 0; i < 300; i++)
        random_edit();
    compare("edited at version 10", 37);
    REQUIRE(srv__schema_migrate(db, errbuf, sizeof errbuf) == 0);
    check_recount("migrated to the latest version");
    for (int i = 0; i < 600; i++)
        random_edit();
    compare("edited", 37);

    check_recount("edited");

    /* sums past 2^63: 10,000 active contracts of 10^15 in one currency */
    exec("BEGIN");
    for (int i = 0; i < 10000; i++)
        insert_contract(1000000000000000LL);
    exec("COMMIT");
    compare("big amounts", 311);
    for (int i = 0; i < 300; i++)
        random_edit();
    compare("big amounts edited", 311);
    check_recount("big amounts edited");

    test_recent();
    sqlite3_close(db);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return test_summary();
}
