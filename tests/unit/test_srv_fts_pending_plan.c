/*
 * The notes' statements (db_fts_pending.c) read each noted row by key, never
 * a whole table: with 100,000 contracts and no statistics, SQLite 3.40 had
 * walked all of contracts_fts_map for every batch with a text edit or a
 * reason, ~40 ms a batch (bench/RESULTS.md 2026-11-24 03:14–03:22).  Checked on a
 * file with many contracts and few notes, where a scan would be the
 * planner's choice if the statement let it, and by what a batch costs: the
 * statements' virtual machine steps, which a walk of the map multiplies by
 * the contracts.
 */
#include "db-private.h"
#include "test_srv_db_util.h"

/* EXPLAIN QUERY PLAN of sql, its lines joined by "; ". */
static void plan_of(sqlite3 *c, const char *sql, char *out, size_t len)
{
    char *eqp = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sql);
    sqlite3_stmt *st = NULL;
    size_t o = 0;

    out[0] = '\0';
    CHECKF(sqlite3_prepare_v2(c, eqp, -1, &st, NULL) == SQLITE_OK, "%s", sqlite3_errmsg(c));
    while (st && sqlite3_step(st) == SQLITE_ROW && o < len)
        o += (size_t)snprintf(out + o, len - o, "%s%s", o ? "; " : "",
                              (const char *)sqlite3_column_text(st, 3));
    sqlite3_finalize(st);
    sqlite3_free(eqp);
}

/* The steps of running sql once to the end. */
static int steps_of(sqlite3 *c, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int n;

    REQUIRE(sqlite3_prepare_v2(c, sql, -1, &st, NULL) == SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW)
        ;
    n = sqlite3_stmt_status(st, SQLITE_STMTSTATUS_VM_STEP, 0);
    sqlite3_finalize(st);
    return n;
}

int main(void)
{
    struct tdb t;
    sqlite3 *c;
    char plan[1024];
    json_t *first = NULL;

    t_open(&t);
    for (int i = 0; i < 400; i++) {
        char number[16];
        snprintf(number, sizeof number, "P-%03d", i);
        json_t *rec =
            t_create(&t, "admin",
                     json_pack("{s:s, s:s, s:s, s:s, s:s}", "number", number, "title", "Plan",
                               "counterparty", "Acme", "kind", "client", "currency", "EUR"));
        REQUIRE(rec);
        if (!first)
            first = rec;
        else
            json_decref(rec);
    }
    REQUIRE(sqlite3_open(t.path, &c) == SQLITE_OK);
    sqlite3_busy_timeout(c, 5000);
    /* one note of each kind, left by an edit outside pactad's writer */
    char sql[256];
    snprintf(sql, sizeof sql, "UPDATE contracts SET title = 'Noted' WHERE id = '%s'",
             t_str(first, "id"));
    CHECKF(sqlite3_exec(c, sql, NULL, NULL, NULL) == SQLITE_OK, "%s", sqlite3_errmsg(c));
    for (int i = 0; srv__fts_pending_rows_sql(i); i++) {
        const char *rows = srv__fts_pending_rows_sql(i);
        plan_of(c, rows, plan, sizeof plan);
        CHECKF(strstr(plan, "SCAN p") && !strstr(plan, "SCAN m") && !strstr(plan, "SCAN c") &&
                   strstr(plan, "SEARCH m USING INDEX") && strstr(plan, "SEARCH c USING INDEX"),
               "statement %d: %s", i, plan);
        /* a walk of the map would be hundreds of steps for each of the 400 */
        int steps = steps_of(c, rows);
        CHECKF(steps < 200, "statement %d: %d steps for one note", i, steps);
    }
    sqlite3_close(c);
    json_decref(first);
    t_close(&t);
    return t_finish();
}
