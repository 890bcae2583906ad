/*
 * The word index's rows noted by edits (contracts_fts_pending), brought up
 * to date from their contracts: by the writer before each batch's COMMIT
 * (db_writer.c), and by srv__schema_migrate for notes a transaction
 * outside pactad left.  schema_fts_pending.h says why the index is kept
 * this way.
 */
#include "db-private.h"

/* Whether anything waits: a read, so a batch without text edits writes
 * nothing more. */
static const char any_sql[] = "SELECT EXISTS (SELECT 1 FROM contracts_fts_pending)";

/* Each noted row's indexed columns as its contract has them now (a hard
 * delete in the same transaction took the map row: nothing to do). */
static const char rows_sql[] =
    "SELECT m.rid, c.id, c.number, c.title, c.counterparty, c.description"
    " FROM contracts_fts_pending p JOIN contracts_fts_map m ON m.rid = p.rid"
    " JOIN contracts c ON c.id = m.id";

/* One row by its rowid: a statement that needs no statement journal, so
 * FTS5 keeps every row of the batch in memory and writes them as one
 * segment at the COMMIT.  (One UPDATE of all the noted rows would be one
 * segment too, but FTS5 prepared its content lookup again each time.)
 * reasons stays as the supplements trigger keeps it. */
static const char set_sql[] = "UPDATE contracts_fts SET id = ?2, number = ?3, title = ?4,"
                              " counterparty = ?5, description = ?6 WHERE rowid = ?1";

static const char clear_sql[] = "DELETE FROM contracts_fts_pending";

static int prepared(sqlite3 *w, sqlite3_stmt **st, const char *sql)
{
    if (*st)
        return SQLITE_OK;
    return sqlite3_prepare_v3(w, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
}

int srv__fts_pending_apply(sqlite3 *w, struct srv_fts_pending *p)
{
    int rc, any = 0;

    if ((rc = prepared(w, &p->any, any_sql)) != SQLITE_OK)
        return rc;
    rc = sqlite3_step(p->any);
    if (rc == SQLITE_ROW)
        any = sqlite3_column_int(p->any, 0);
    sqlite3_reset(p->any);
    if (rc != SQLITE_ROW)
        return rc;
    if (!any)
        return SQLITE_OK;
    if ((rc = prepared(w, &p->rows, rows_sql)) != SQLITE_OK ||
        (rc = prepared(w, &p->set, set_sql)) != SQLITE_OK ||
        (rc = prepared(w, &p->clear, clear_sql)) != SQLITE_OK)
        return rc;
    while ((rc = sqlite3_step(p->rows)) == SQLITE_ROW) {
        for (int i = 0; i < 6; i++)
            sqlite3_bind_value(p->set, i + 1, sqlite3_column_value(p->rows, i));
        rc = sqlite3_step(p->set);
        sqlite3_reset(p->set);
        if (rc != SQLITE_DONE)
            break;
    }
    sqlite3_reset(p->rows);
    sqlite3_clear_bindings(p->set); /* the row's values were only borrowed */
    if (rc != SQLITE_DONE)
        return rc;
    rc = sqlite3_step(p->clear);
    sqlite3_reset(p->clear);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

void srv__fts_pending_finalize(struct srv_fts_pending *p)
{
    sqlite3_finalize(p->any);
    sqlite3_finalize(p->rows);
    sqlite3_finalize(p->set);
    sqlite3_finalize(p->clear);
    p->any = p->rows = p->set = p->clear = NULL;
}
