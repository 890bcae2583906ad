/*
 * pacta_rank: FTS5's bm25 score, with the row's length handed in by the
 * query instead of read by FTS5 (db_list_rank.c).
 *
 * Why: for a word in most rows, bm25 spends 80 % of a ranked page on
 * xColumnSize, which reads each hit's contracts_fts_docsize row through a
 * statement of its own (reset, bind, step).  The same row read by the
 * ranking statement itself, joined on the docsize table's primary key,
 * costs a fraction of that: scoring a word in every row of a million,
 * 612 ms with bm25, 168 ms with pacta_rank (bench/RESULTS.md, issue 7).
 *
 * What it promises: the very double bm25(contracts_fts, w...) returns for
 * the same row and query, bit for bit (the same per-statement IDF and
 * average length, the same operations in the same order), when called as
 *
 *   pacta_rank(contracts_fts, <the row's contracts_fts_docsize.sz>, w...)
 *
 * (SRV_LIST_RANK_FROM and SRV_LIST_RANK_SIZE below.)
 *
 * A NULL size (no docsize row) or one that does not decode as FTS5 writes
 * it falls back to FTS5's own xColumnSize, which reports the corruption
 * itself.  tests/unit/test_srv_list_rank.c holds it to SQLite's bm25.
 */
#ifndef PACTA_SRV_DB_LIST_RANK_H
#define PACTA_SRV_DB_LIST_RANK_H

#include <sqlite3.h>

#define SRV_LIST_RANK_FUNCTION "pacta_rank"

/* A ranking statement reads contracts_fts joined to its docsize rows
 * (FROM SRV_LIST_RANK_FROM) and hands pacta_rank the row's size
 * (SRV_LIST_RANK_SIZE).  A join keeps the docsize cursor open from row to
 * row: 0.08 µs a hit at a million, where a correlated subquery costs 0.3
 * (bench/RESULTS.md).  LEFT: a hit without its docsize row still ranks,
 * through the fallback. */
#define SRV_LIST_RANK_FROM                                                                         \
    "contracts_fts LEFT JOIN contracts_fts_docsize AS fts_size ON fts_size.id = "                  \
    "contracts_fts.rowid"
#define SRV_LIST_RANK_SIZE "fts_size.sz"

/* Registers pacta_rank on one open connection, once per connection (FTS5
 * keeps every registration).  0, or -1 (this SQLite has no FTS5, out of
 * memory). */
int srv__list_rank_attach(sqlite3 *db);

/* How many scores took FTS5's own row length (a missing or undecodable
 * size) since the process began (for tests). */
long srv__list_rank_fallbacks(void);

#endif
