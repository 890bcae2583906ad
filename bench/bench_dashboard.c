/*
 * bench_dashboard (`make bench-dashboard`): what the dashboard costs with
 * 1,000,000 contracts (issue 7).
 *
 *  1. builds (or reuses) a database of N contracts with pactad's schema
 *     (gen_contracts.c, cached under the build dir);
 *  2. times srv__dashboard_read — the function behind stats.dashboard and
 *     every dashboard.updated — on a read-only connection as the server's
 *     pool uses it, and, for comparison, the same status and lifecycle
 *     figures counted straight from the contracts table;
 *  3. times what the counters add to each write: the same sequence of
 *     writes (the writer's own UPDATE statement: title only, status and end
 *     date moved; INSERTs) with and without the dashboard triggers, inside
 *     a transaction that is rolled back, so the cached file never changes;
 *  4. times the migration's count of the existing rows (what upgrading a
 *     server with a million contracts costs once).
 *
 * Usage: bench_dashboard [--contracts N] [--cache DIR] [--reads N] [--writes N]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_time.h"
#include "dashboard.h"
#include "db-private.h"
#include "expiry.h"
#include "gen_contracts.h"
#include "schema_dashboard.h"

/* CPU time of this thread: what a write costs, not how long a neighbour
 * on this shared two-core machine kept it waiting. */
static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pctl(double *v, int n, double p)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return v[(int)(p / 100.0 * (n - 1))];
}

static void must(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "bench_dashboard: %s: %s\n", sql, msg ? msg : sqlite3_errmsg(db));
        exit(1);
    }
}

static int64_t scalar(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* ---- reads ----------------------------------------------------------------- */

static void bench_reads(const char *path, int64_t today, int reads)
{
    sqlite3 *r;
    struct pacta_dashboard d;
    struct pacta_error err = {0};
    double *t = calloc((size_t)reads, sizeof *t), *cpu = calloc((size_t)reads, sizeof *cpu);

    if (sqlite3_open_v2(path, &r, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        exit(1);
    double t0 = now_ms();
    if (srv__dashboard_read(r, today, 90, &d, &err) != 0) {
        fprintf(stderr, "bench_dashboard: read: %s\n", err.message);
        exit(1);
    }
    double cold = now_ms() - t0;
    printf("figures: total %lld; status draft/active/expired/terminated %lld/%lld/%lld/%lld; "
           "lifecycle upcoming/active/expiring/expired/terminated/unknown "
           "%lld/%lld/%lld/%lld/%lld/%lld; expiring 30/60/90 %lld/%lld/%lld; notice due %lld "
           "(passed %lld); %zu currencies\n",
           (long long)d.total, (long long)d.by_status[0], (long long)d.by_status[1],
           (long long)d.by_status[2], (long long)d.by_status[3], (long long)d.by_lifecycle[0],
           (long long)d.by_lifecycle[1], (long long)d.by_lifecycle[2], (long long)d.by_lifecycle[3],
           (long long)d.by_lifecycle[4], (long long)d.by_lifecycle[5], (long long)d.expiring[0],
           (long long)d.expiring[1], (long long)d.expiring[2], (long long)d.notice_due,
           (long long)d.notice_passed, d.n_values);
    pacta_dashboard_clear(&d);
    for (int i = 0; i < reads; i++) {
        double c0 = cpu_ms();
        t0 = now_ms();
        srv__dashboard_read(r, today, 90, &d, &err);
        t[i] = now_ms() - t0;
        cpu[i] = cpu_ms() - c0;
        pacta_dashboard_clear(&d);
    }
    printf("| srv__dashboard_read (stats.dashboard, each dashboard.updated) | %.2f | %.2f | %.2f "
           "| %.2f |\n",
           cold, pctl(t, reads, 50), pctl(t, reads, 99), pctl(cpu, reads, 50));

    /* the same figures without counters: every live row, counted */
    char sql[1024], day[11], win[11];
    srv_date_format(today, day);
    srv_date_format(today + 90, win);
    snprintf(sql, sizeof sql,
             "SELECT status, count(*), sum(end_date IS NULL), sum(start_date > '%s'), "
             "sum(end_date < '%s'), sum(end_date BETWEEN '%s' AND '%s' AND renewal <> "
             "'evergreen') FROM contracts WHERE deleted_at IS NULL GROUP BY status",
             day, day, day, win);
    int scans = reads < 5 ? reads : 5;
    for (int i = 0; i < scans; i++) {
        sqlite3_stmt *st;
        t0 = now_ms();
        sqlite3_prepare_v2(r, sql, -1, &st, NULL);
        while (sqlite3_step(st) == SQLITE_ROW)
            ;
        sqlite3_finalize(st);
        t[i] = now_ms() - t0;
    }
    printf("| for comparison: status + lifecycle counted from `contracts` (no counters) | %.2f | "
           "%.2f | — | — |\n",
           t[0], pctl(t, scans, 50));
    sqlite3_close(r);
    free(t);
    free(cpu);
}

/* ---- writes ---------------------------------------------------------------- */

/* The writer's statement (db_write.c SRV_WS_CONTRACT_UPDATE): every column. */
static const char *const update_sql =
    "UPDATE contracts SET number = ?2, title = ?3, counterparty = ?4, kind = ?5, status = ?6, "
    "sign_date = ?7, start_date = ?8, end_date = ?9, amount_cents = ?10, currency = ?11, "
    "owner = ?12, description = ?13, notice_days = ?14, renewal = ?15, renewal_months = ?16, "
    "version = version + 1, updated_at = ?17, updated_by = ?18 "
    "WHERE id = ?1 AND deleted_at IS NULL";
/* The writer's statement when only the amount changed (db_write.c sets the
 * columns a request changes); bind_row's other parameters find no slot. */
static const char *const amount_sql =
    "UPDATE contracts SET amount_cents = ?10, version = version + 1, updated_at = ?17, "
    "updated_by = ?18 WHERE id = ?1 AND deleted_at IS NULL";
static const char *const insert_sql =
    "INSERT INTO contracts (id, number, title, counterparty, kind, status, sign_date, "
    "start_date, end_date, amount_cents, currency, owner, description, notice_days, renewal, "
    "renewal_months, version, created_at, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4, ?5, "
    "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, 1, ?17, ?17, ?18)";

static void bind_row(sqlite3_stmt *st, const struct gen_contract *c)
{
    sqlite3_bind_text(st, 1, c->id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, c->number, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, c->title, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, c->counterparty, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, c->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, c->status, -1, SQLITE_STATIC);
    const char *dates[] = {c->sign_date, c->start_date, c->end_date};
    for (int i = 0; i < 3; i++)
        if (dates[i][0])
            sqlite3_bind_text(st, 7 + i, dates[i], -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(st, 7 + i);
    sqlite3_bind_int64(st, 10, c->amount_cents);
    sqlite3_bind_text(st, 11, c->currency, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 12, c->owner, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 13, c->description, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 14, c->notice_days);
    sqlite3_bind_text(st, 15, c->renewal, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 16, c->renewal_months);
    sqlite3_bind_text(st, 17, "2026-11-22T10:00:00.000Z", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 18, "admin", -1, SQLITE_STATIC);
}

enum { W_TITLE, W_AMOUNT, W_MOVE, W_INSERT, W__COUNT };
static const char *const write_names[W__COUNT] = {
    "update, title only (the writer's statement; trigger WHEN false)",
    "update, amount only (the writer's statement for it; counted if active)",
    "update, status + end date + amount moved", "insert"};

/* Runs `writes` writes of kind k; CPU µs per write, and the SQLite VM
 * operations per write in *steps (trigger programs included): a measure
 * of the work that a busy machine does not blur. */
static double run_writes(sqlite3 *db, const struct gen_options *o, long n, int k, int writes,
                         unsigned pass, double *steps)
{
    sqlite3_stmt *st;
    struct gen_contract c;
    static const char *const statuses[] = {"draft", "active", "expired", "terminated"};
    const char *sql = k == W_INSERT ? insert_sql : k == W_AMOUNT ? amount_sql : update_sql;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        exit(1);
    double t0 = cpu_ms();
    for (int i = 0; i < writes; i++) {
        long row = (long)(((uint64_t)i * 2654435761u + pass * 7919u) % (uint64_t)n);
        gen_contract_row(o, row, &c);
        if (k == W_TITLE) {
            snprintf(c.title, sizeof c.title, "Edited title %u/%d", pass, i);
        } else if (k == W_AMOUNT) {
            c.amount_cents += 1 + i;
        } else if (k == W_MOVE) {
            c.status = statuses[(i + pass) % 4];
            if (c.end_date[0]) {
                int64_t end;
                srv_date_parse(c.end_date, &end);
                srv_date_format(end + 1 + (i % 40), c.end_date);
            }
            c.amount_cents += i;
        } else {
            snprintf(c.id, sizeof c.id, "ffff%04x-0000-7000-8000-%012x", pass & 0xffffu,
                     (unsigned)i);
            snprintf(c.number, sizeof c.number, "N-%u-%d", pass & 0xffffu, i % 10000000);
        }
        bind_row(st, &c);
        if (sqlite3_step(st) != SQLITE_DONE) {
            fprintf(stderr, "bench_dashboard: write: %s\n", sqlite3_errmsg(db));
            exit(1);
        }
        sqlite3_reset(st);
    }
    double us = (cpu_ms() - t0) * 1000.0 / writes;
    if (steps)
        *steps = (double)sqlite3_stmt_status(st, SQLITE_STMTSTATUS_VM_STEP, 0) / writes;
    sqlite3_finalize(st);
    return us;
}

/* The triggers on contracts that keep dashboard_counts (one per series for
 * updates since migration 11), by name from the schema. */
static void drop_counter_triggers(sqlite3 *db)
{
    sqlite3_stmt *st;
    char sql[128];
    int n = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT name FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = "
                           "'contracts' AND name LIKE 'dashboard\\_%' ESCAPE '\\'",
                           -1, &st, NULL) != SQLITE_OK)
        exit(1);
    char names[32][64];
    while (sqlite3_step(st) == SQLITE_ROW && n < 32)
        snprintf(names[n++], sizeof names[0], "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    for (int i = 0; i < n; i++) {
        snprintf(sql, sizeof sql, "DROP TRIGGER \"%.63s\"", names[i]);
        must(db, sql);
    }
    if (n < 3) {
        fprintf(stderr, "bench_dashboard: only %d counter triggers found\n", n);
        exit(1);
    }
}

/*
 * Each kind of write in rounds, without then with the triggers, from the
 * same state (savepoints rolled back); the median round of each.  Which
 * side goes first alternates, and rounds interleave, so neither the order
 * nor a neighbour's load on this shared machine favours one side.
 */
#define ROUNDS 7
static void bench_writes(const char *path, const struct gen_options *o, long n, int writes)
{
    sqlite3 *w;
    double with[ROUNDS], without[ROUNDS], steps[2];
    int per = writes / ROUNDS > 0 ? writes / ROUNDS : 1;
    if (sqlite3_open_v2(path, &w, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        exit(1);
    must(w, "PRAGMA cache_size = -262144; BEGIN IMMEDIATE");
    must(w, "SAVEPOINT warm"); /* the pages both sides touch, into the cache */
    for (int k = 0; k < W__COUNT; k++)
        run_writes(w, o, n, k, writes, 99, NULL);
    must(w, "ROLLBACK TO warm; RELEASE warm");
    for (int k = 0; k < W__COUNT; k++) {
        for (int r = 0; r < ROUNDS; r++) {
            unsigned pass = (unsigned)(k * ROUNDS + r + 1);
            for (int side = 0; side < 2; side++) {
                int counters = (side + r) % 2; /* which goes first alternates */
                must(w, "SAVEPOINT pass");
                if (!counters)
                    drop_counter_triggers(w);
                (counters ? with : without)[r] =
                    run_writes(w, o, n, k, per, pass, &steps[counters]);
                must(w, "ROLLBACK TO pass; RELEASE pass");
            }
        }
        double a = pctl(without, ROUNDS, 50), b = pctl(with, ROUNDS, 50);
        printf("| %s | %.1f | %.1f | %+.1f | %.0f | %.0f |\n", write_names[k], a, b, b - a,
               steps[0], steps[1]);
    }

    /* what the migration costs on an existing database of this size */
    must(w, "SAVEPOINT init; DELETE FROM dashboard_counts");
    double t0 = now_ms();
    must(w, SRV_DASH_INIT);
    printf("\nmigration count of the existing rows: %.1f s\n", (now_ms() - t0) / 1000.0);
    must(w, "ROLLBACK TO init; RELEASE init; ROLLBACK; PRAGMA wal_checkpoint(TRUNCATE)");
    sqlite3_close(w);
}

int main(int argc, char **argv)
{
    struct gen_options o = {.contracts = GEN_DEFAULT_CONTRACTS};
    const char *cache = "build/bench-data";
    int reads = 200, writes = 20000;
    setvbuf(stdout, NULL, _IOLBF, 0);
    static const struct option opts[] = {{"contracts", required_argument, NULL, 'n'},
                                         {"cache", required_argument, NULL, 'c'},
                                         {"reads", required_argument, NULL, 'r'},
                                         {"writes", required_argument, NULL, 'w'},
                                         {NULL, 0, NULL, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch == 'n')
            o.contracts = atol(optarg);
        else if (ch == 'c')
            cache = optarg;
        else if (ch == 'r')
            reads = atoi(optarg);
        else if (ch == 'w')
            writes = atoi(optarg);
        else {
            fprintf(stderr, "usage: bench_dashboard [--contracts N] [--cache DIR] [--reads N] "
                            "[--writes N]\n");
            return 2;
        }
    }
    if (reads < 1 || writes < 1 || o.contracts < 1000)
        return 2;

    char path[1024], err[512];
    double t0 = now_ms();
    if (gen_contracts_cached(cache, &o, path, sizeof path, err, sizeof err) != 0) {
        fprintf(stderr, "bench_dashboard: %s\n", err);
        return 1;
    }
    printf("database: %s (ready in %.1f s)\n", path, (now_ms() - t0) / 1000.0);

    int64_t today;
    srv_date_parse(GEN_DEFAULT_TODAY, &today);
    sqlite3 *db;
    sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
    printf("contracts %lld, dashboard_counts rows %lld (span %lld), database %lld MB\n",
           (long long)scalar(db, "SELECT count(*) FROM contracts"),
           (long long)scalar(db, "SELECT count(*) FROM dashboard_counts"),
           (long long)scalar(db, "SELECT count(*) FROM dashboard_counts WHERE series = 'span'"),
           (long long)(scalar(db, "PRAGMA page_count") * scalar(db, "PRAGMA page_size") >> 20));
    sqlite3_close(db);

    printf("\n| read | first ms | p50 ms | p99 ms | CPU p50 ms |\n|---|---|---|---|---|\n");
    bench_reads(path, today, reads);
    printf("\n| write (%d of each in 7 rounds, one transaction) | CPU µs without counters | CPU µs "
           "with | added | VM ops without | VM ops with |\n"
           "|---|---|---|---|---|---|\n",
           writes);
    bench_writes(path, &o, o.contracts, writes);
    return 0;
}
