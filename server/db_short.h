/*
 * pacta_short, the FTS5 tokenizer of contracts_short (schema_short.h): the
 * index of contracts.list `text` of one or two characters.  A connection
 * that inserts or deletes contracts (the triggers index them), applies the
 * notes of edits (db_fts_pending.c) or reads contracts_short must have it;
 * one without gets "no such tokenizer: pacta_short" and its statement
 * fails, changing nothing.  Only SQLite:
 * pactactl and the test harness build this file too.
 */
#ifndef PACTA_SRV_DB_SHORT_H
#define PACTA_SRV_DB_SHORT_H

#include <stddef.h>
#include <sqlite3.h>

/* The tokenizer's name in contracts_short's tokenize option. */
#define SRV_SHORT_TOKENIZER "pacta_short"

/* Registers pacta_short on one open connection: 0, or -1 with the reason
 * in errbuf (FTS5 missing from this SQLite, out of memory). */
int srv_short_register(sqlite3 *db, char *errbuf, size_t errlen);

/* Registers it on every connection this process opens from now on
 * (sqlite3_auto_extension; again is harmless): 0, or -1 with the reason.
 * It initializes SQLite, so a process's sqlite3_config calls go first.
 * A later open whose registration fails fails itself ("automatic
 * extension loading failed: ..."). */
int srv_short_install(char *errbuf, size_t errlen);

/* What the tokenizer makes of `text` as a query: `text` folded as LIKE
 * folds it (ASCII letters to lower case), as one FTS5 string ("..." with
 * `"` doubled), when it is one or two characters; NULL otherwise.  The
 * caller frees it. */
char *srv_short_query(const char *text);

#endif
