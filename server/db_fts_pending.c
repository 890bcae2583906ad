/*
 * The search indexes' rows noted by edits (contracts_fts_pending for the
 * word index, contracts_text_pending for the trigram and short-text ones)
 * and the sort keys of the contracts noted in contracts_sort_pending,
 * brought up to date from their contracts: by the writer before each
 * batch's COMMIT (db_writer.c), and by srv__schema_migrate for notes a
 * transaction outside pactad left.  schema_fts_pending.h and
 * schema_sort_keys.h say why they are kept this way.
 *
 * The notes' statements read the notes first and each one's rows by key
 * (CROSS JOIN keeps that order): with no statistics, SQLite 3.40 chose to
 * walk the whole of contracts_fts_map and look each rid up in the notes,
 * ~40 ms a batch with 100,000 contracts — every edit of a text or with a
 * reason (bench/RESULTS.md 2026-11-24 03:14–03:22; test_srv_fts_pending_plan).
 *
 * Every statement here changes one row of one index: statements that need
 * no statement journal, so FTS5 keeps all the batch's rows in memory and
 * writes them as one segment per index at the COMMIT.  (One UPDATE of all
 * the noted rows would be one segment too, but FTS5 prepared its content
 * lookup again each time.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db-private.h"
#include "db_fold.h"

/* What waits, one flag per table: reads, so a batch without text edits
 * writes nothing more. */
static const char any_sql[] = "SELECT EXISTS (SELECT 1 FROM contracts_fts_pending),"
                              " EXISTS (SELECT 1 FROM contracts_text_pending),"
                              " EXISTS (SELECT 1 FROM contracts_sort_pending)";

/* The word index: each noted row's indexed columns as its contract has them
 * now (a hard delete in the same transaction took the map row: nothing to
 * do), the note's first supplement, the reasons the index holds, and
 * whether it holds the other columns as they are (a note taken for a
 * reason alone, or an edit undone by the next).  What the index holds is
 * read from its content table, whose c0..c5 are contracts_fts's columns in
 * order (id, number, title, counterparty, description, reasons), not
 * through the index itself, which the loop then writes. */
static const char fts_rows_sql[] =
    "SELECT m.rid, c.id, c.number, c.title, c.counterparty, c.description, p.since, f.c5,"
    " f.c0 IS c.id AND f.c1 IS c.number AND f.c2 IS c.title AND f.c3 IS c.counterparty"
    " AND f.c4 IS c.description"
    " FROM contracts_fts_pending p CROSS JOIN contracts_fts_map m ON m.rid = p.rid"
    " CROSS JOIN contracts c ON c.id = m.id LEFT JOIN contracts_fts_content f ON f.id = m.rid";
enum { ROW_SINCE = 6, ROW_REASONS, ROW_SAME };
static const char fts_set_sql[] = "UPDATE contracts_fts SET id = ?2, number = ?3, title = ?4,"
                                  " counterparty = ?5, description = ?6, reasons = ?7"
                                  " WHERE rowid = ?1";
/* The contract's supplements from the note's first one, oldest first. */
static const char fts_reasons_sql[] =
    "SELECT reason FROM supplements WHERE contract_id = ?1 AND id >= ?2 ORDER BY id";
static const char fts_clear_sql[] = "DELETE FROM contracts_fts_pending";

/* The trigram and short-text indexes keep no content: a row goes out with
 * the values it went in with, which the note holds (the first note of the
 * transaction: the values before it), and comes in with the contract's. */
static const char text_rows_sql[] =
    "SELECT p.rid, p.number, p.title, p.counterparty, c.number, c.title, c.counterparty"
    " FROM contracts_text_pending p CROSS JOIN contracts_fts_map m ON m.rid = p.rid"
    " CROSS JOIN contracts c ON c.id = m.id";
static const char *const text_sql[4] = {
    "INSERT INTO contracts_text (contracts_text, rowid, number, title, counterparty)"
    " VALUES ('delete', ?1, ?2, ?3, ?4)",
    "INSERT INTO contracts_short (contracts_short, rowid, number, title, counterparty)"
    " VALUES ('delete', ?1, ?2, ?3, ?4)",
    "INSERT INTO contracts_text (rowid, number, title, counterparty) VALUES (?1, ?2, ?3, ?4)",
    "INSERT INTO contracts_short (rowid, number, title, counterparty) VALUES (?1, ?2, ?3, ?4)",
};
static const char text_clear_sql[] = "DELETE FROM contracts_text_pending";

/* The sort keys: each noted contract's written from its title and
 * counterparty as they are (a contract deleted since: nothing to do). */
static const char sort_rows_sql[] = "SELECT id FROM contracts_sort_pending";
static const char sort_set_sql[] = "UPDATE contracts SET title_key = " SRV_FOLD_FUNCTION "(title),"
                                   " counterparty_key = " SRV_FOLD_FUNCTION "(counterparty)"
                                   " WHERE id = ?1";
static const char sort_clear_sql[] = "DELETE FROM contracts_sort_pending";

const char *srv__fts_pending_rows_sql(int which)
{
    return which == 0 ? fts_rows_sql : which == 1 ? text_rows_sql : NULL;
}

static int prepared(sqlite3 *w, sqlite3_stmt **st, const char *sql)
{
    if (*st)
        return SQLITE_OK;
    return sqlite3_prepare_v3(w, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
}

/* Runs st once with the row's first column as ?1 and its n columns from
 * column `from` as ?2..: SQLITE_DONE, or the error with st left as it
 * failed (finish() resets it last, so the connection's message is its). */
static int step_with(sqlite3_stmt *st, sqlite3_stmt *row, int from, int n)
{
    sqlite3_bind_value(st, 1, sqlite3_column_value(row, 0));
    for (int i = 0; i < n; i++)
        sqlite3_bind_value(st, i + 2, sqlite3_column_value(row, from + i));
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st); /* the row's values were only borrowed */
    }
    return rc;
}

/* The rows' statement done with (rc: how the loop over it ended; failed:
 * the statement that ended it, if not the rows'), then the notes cleared. */
static int finish(sqlite3_stmt *rows, sqlite3_stmt *failed, int rc, sqlite3_stmt *clear)
{
    sqlite3_reset(rows);
    if (failed) {
        sqlite3_reset(failed); /* its error, not the rows' reset, is the connection's */
        sqlite3_clear_bindings(failed);
    }
    if (rc != SQLITE_DONE)
        return rc == SQLITE_ROW ? SQLITE_ERROR : rc;
    rc = sqlite3_step(clear);
    sqlite3_reset(clear);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* *reasons (malloc'd, one per line) with r appended unless the lines
 * already hold it: the test of the lists migration's trigger, instr() of
 * "\n" r "\n" in "\n" reasons "\n".  1 if appended, 0 if not, -1 out of
 * memory. */
static int add_reason(char **reasons, const char *r)
{
    size_t n = strlen(*reasons), rn = strlen(r);
    char *hay = malloc(n + 3), *needle = malloc(rn + 3);
    int found = 0;

    if (!hay || !needle) {
        free(hay);
        free(needle);
        return -1;
    }
    snprintf(hay, n + 3, "\n%s\n", *reasons);
    snprintf(needle, rn + 3, "\n%s\n", r);
    found = memmem(hay, n + 2, needle, rn + 2) != NULL;
    free(hay);
    free(needle);
    if (found)
        return 0;
    char *more = realloc(*reasons, n + rn + 2);
    if (!more)
        return -1;
    if (n)
        more[n++] = '\n';
    memcpy(more + n, r, rn + 1);
    *reasons = more;
    return 1;
}

/* The row's reasons with its new supplements' taken in: *out (malloc'd),
 * *changed whether any was new; SQLITE_OK or the error. */
static int merged_reasons(sqlite3 *w, struct srv_fts_pending *p, sqlite3_stmt *row, char **out,
                          int *changed)
{
    const char *held = (const char *)sqlite3_column_text(row, ROW_REASONS);
    int rc;

    *changed = 0;
    if (!(*out = strdup(held ? held : "")))
        return SQLITE_NOMEM;
    if (sqlite3_column_type(row, ROW_SINCE) == SQLITE_NULL)
        return SQLITE_OK;
    if ((rc = prepared(w, &p->fts_reasons, fts_reasons_sql)) != SQLITE_OK)
        return rc;
    sqlite3_bind_value(p->fts_reasons, 1, sqlite3_column_value(row, 1));
    sqlite3_bind_value(p->fts_reasons, 2, sqlite3_column_value(row, ROW_SINCE));
    while ((rc = sqlite3_step(p->fts_reasons)) == SQLITE_ROW) {
        const char *r = (const char *)sqlite3_column_text(p->fts_reasons, 0);
        int added = r ? add_reason(out, r) : 0;
        if (added < 0) {
            rc = SQLITE_NOMEM;
            break;
        }
        *changed |= added;
    }
    if (rc != SQLITE_DONE && rc != SQLITE_NOMEM)
        return rc; /* left as it failed: finish() resets it last */
    sqlite3_reset(p->fts_reasons);
    sqlite3_clear_bindings(p->fts_reasons);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int apply_fts(sqlite3 *w, struct srv_fts_pending *p)
{
    sqlite3_stmt *failed = NULL;
    int rc;

    if ((rc = prepared(w, &p->fts_rows, fts_rows_sql)) != SQLITE_OK ||
        (rc = prepared(w, &p->fts_set, fts_set_sql)) != SQLITE_OK ||
        (rc = prepared(w, &p->fts_clear, fts_clear_sql)) != SQLITE_OK)
        return rc;
    while ((rc = sqlite3_step(p->fts_rows)) == SQLITE_ROW) {
        char *reasons = NULL;
        int changed = 0;

        if ((rc = merged_reasons(w, p, p->fts_rows, &reasons, &changed)) != SQLITE_OK) {
            free(reasons);
            failed = rc == SQLITE_NOMEM || !p->fts_reasons ? NULL : p->fts_reasons;
            break;
        }
        if (changed || !sqlite3_column_int(p->fts_rows, ROW_SAME)) {
            sqlite3_bind_text(p->fts_set, 7, reasons, -1, SQLITE_TRANSIENT);
            rc = step_with(p->fts_set, p->fts_rows, 1, 5);
        } else {
            rc = SQLITE_DONE; /* the index holds the row as it is */
        }
        free(reasons);
        if (rc != SQLITE_DONE) {
            failed = p->fts_set;
            break;
        }
    }
    return finish(p->fts_rows, failed, rc, p->fts_clear);
}

static int apply_text(sqlite3 *w, struct srv_fts_pending *p)
{
    sqlite3_stmt *failed = NULL;
    int rc;

    if ((rc = prepared(w, &p->text_rows, text_rows_sql)) != SQLITE_OK ||
        (rc = prepared(w, &p->text_clear, text_clear_sql)) != SQLITE_OK)
        return rc;
    for (int i = 0; i < 4; i++)
        if ((rc = prepared(w, &p->text[i], text_sql[i])) != SQLITE_OK)
            return rc;
    while (!failed && (rc = sqlite3_step(p->text_rows)) == SQLITE_ROW) {
        /* out of both with the values indexed, into both with the contract's */
        for (int i = 0; i < 4 && !failed; i++)
            if ((rc = step_with(p->text[i], p->text_rows, i < 2 ? 1 : 4, 3)) != SQLITE_DONE)
                failed = p->text[i];
    }
    return finish(p->text_rows, failed, rc, p->text_clear);
}

static int apply_sort(sqlite3 *w, struct srv_fts_pending *p)
{
    sqlite3_stmt *failed = NULL;
    int rc;

    if ((rc = prepared(w, &p->sort_rows, sort_rows_sql)) != SQLITE_OK ||
        (rc = prepared(w, &p->sort_set, sort_set_sql)) != SQLITE_OK ||
        (rc = prepared(w, &p->sort_clear, sort_clear_sql)) != SQLITE_OK)
        return rc;
    while ((rc = sqlite3_step(p->sort_rows)) == SQLITE_ROW)
        if ((rc = step_with(p->sort_set, p->sort_rows, 1, 0)) != SQLITE_DONE) {
            failed = p->sort_set;
            break;
        }
    return finish(p->sort_rows, failed, rc, p->sort_clear);
}

int srv__fts_pending_apply(sqlite3 *w, struct srv_fts_pending *p)
{
    int rc, fts = 0, text = 0, sort = 0;

    if ((rc = prepared(w, &p->any, any_sql)) != SQLITE_OK)
        return rc;
    rc = sqlite3_step(p->any);
    if (rc == SQLITE_ROW) {
        fts = sqlite3_column_int(p->any, 0);
        text = sqlite3_column_int(p->any, 1);
        sort = sqlite3_column_int(p->any, 2);
    }
    sqlite3_reset(p->any);
    if (rc != SQLITE_ROW)
        return rc;
    if (fts && (rc = apply_fts(w, p)) != SQLITE_OK)
        return rc;
    if (text && (rc = apply_text(w, p)) != SQLITE_OK)
        return rc;
    return sort ? apply_sort(w, p) : SQLITE_OK;
}

void srv__fts_pending_finalize(struct srv_fts_pending *p)
{
    sqlite3_finalize(p->any);
    sqlite3_finalize(p->fts_rows);
    sqlite3_finalize(p->fts_set);
    sqlite3_finalize(p->fts_clear);
    sqlite3_finalize(p->fts_reasons);
    sqlite3_finalize(p->text_rows);
    sqlite3_finalize(p->text_clear);
    for (int i = 0; i < 4; i++)
        sqlite3_finalize(p->text[i]);
    sqlite3_finalize(p->sort_rows);
    sqlite3_finalize(p->sort_set);
    sqlite3_finalize(p->sort_clear);
    memset(p, 0, sizeof(*p));
}
