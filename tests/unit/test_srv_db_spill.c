/*
 * A statement whose statement journal outgrows memory, on the writer's
 * connection: the journal (kept in memory up to 16 MiB, db.c
 * SQLITE_CONFIG_STMTJRNL_SPILL) goes to its temp file in one 16 MiB write,
 * which the unix VFS of SQLite 3.40 cuts to nothing (it masks a write's
 * length to 17 bits): the statement failed with "database or disk is full"
 * — the first expiry scan at a million contracts did.  The writer's VFS
 * (db_walbuf.c) writes in pieces: the statement succeeds.
 *
 * The statement: in a transaction that already wrote, an UPDATE of every
 * row of a ~30 MB table with a CHECK (so SQLite keeps a statement journal
 * to undo it alone), like the renewal of a million contracts.
 */
#include "test_srv_db_util.h"

#define ROWS 150000 /* the CTE below says it too */

static void exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
    CHECKF(rc == SQLITE_OK, "%s: %s", sql, err ? err : "?");
    sqlite3_free(err);
}

int main(void)
{
    struct tdb t = {0};
    t_open(&t);
    /* the writer is idle (waiting on its condition): its connection is ours */
    sqlite3 *w = t.db->w;
    exec(w, "CREATE TABLE spill_t (id INTEGER PRIMARY KEY, x TEXT CHECK (length(x) < 1000))");
    exec(w, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 150000) "
            "INSERT INTO spill_t (x) SELECT printf('%.200c', 'a') FROM n");

    exec(w, "BEGIN IMMEDIATE");
    exec(w, "INSERT INTO spill_t (x) VALUES ('first')");
    char *err = NULL;
    int rc = sqlite3_exec(w, "UPDATE spill_t SET x = x || 'b'", NULL, NULL, &err);
    CHECKF(rc == SQLITE_OK, "the big UPDATE: %s (%d)", err ? err : "?", rc);
    sqlite3_free(err);
    exec(w, "COMMIT");

    sqlite3_stmt *st = NULL;
    REQUIRE(sqlite3_prepare_v2(w, "SELECT count(*) FROM spill_t WHERE x LIKE '%b'", -1, &st,
                               NULL) == SQLITE_OK);
    CHECK(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == ROWS + 1);
    sqlite3_finalize(st);
    exec(w, "DROP TABLE spill_t");
    t_close(&t);
    return t_finish();
}
