/*
 * contracts.list's query planner (db_list.c, db_list_plan.c), for the tests
 * and bench/ that look inside it.  The server itself only calls
 * srv_db_read_contracts (db.h).
 */
#ifndef PACTA_SRV_DB_LIST_H
#define PACTA_SRV_DB_LIST_H

#include "db.h"

/*
 * How a page is read (see the comment at the top of db_list.c):
 *  WALK     the sort key's index (or a filter index that yields the same
 *           order) in order, each row checked against the filters, until
 *           the page is full;
 *  SEEK     the narrowest filter's index: every match, then sorted;
 *  FTS      the full-text hits of q, then sorted;
 *  RANKED   q by relevance (bm25), pages by position;
 *  TEXT     the trigram (or short) index's candidates for text, each
 *           checked with pacta_contains, then sorted;
 *  RANGE    sorted by number: a date range's index entries put in number
 *           order without reading rows, then the rows of the first ones.
 */
enum srv_list_plan {
    SRV_LIST_WALK,
    SRV_LIST_SEEK,
    SRV_LIST_FTS,
    SRV_LIST_RANKED,
    SRV_LIST_TEXT,
    SRV_LIST_RANGE
};

/* Tests: make every page take one kind of plan where it can (AUTO: the
 * cost estimate decides; FALLBACK: walks where it can, and a walk that has
 * a fallback runs out of budget at once).  Results must not depend on it. */
enum srv_list_force {
    SRV_LIST_AUTO,
    SRV_LIST_FORCE_WALK,
    SRV_LIST_FORCE_SEEK,
    SRV_LIST_FORCE_FALLBACK,
    /* q with a sort key walks with its hits' ids (page->qids) */
    SRV_LIST_FORCE_QIDS
};
void srv__list_force(enum srv_list_force force);
/* Walks that ran out of budget so far; *seeks (may be NULL): how many of
 * them then sought with their fallback (the others walked on). */
long srv__list_fallbacks(long *seeks);
/* q probes (a walk testing q on its rows, tried first for q with a sort
 * key) so far; *ran_out (may be NULL): how many read their rows without
 * filling the page and were planned again. */
long srv__list_probes(long *ran_out);
/* Pages read so far by a walk that kept q's hits by their ids (planned so
 * after a probe ran out, or forced). */
long srv__list_qids_walks(void);
/* Pages read so far by TEXT top (the first candidates by a key the search
 * index stores); *widened (may be NULL): how many more reads they took
 * because the filters refused too many candidates. */
long srv__list_text_tops(long *widened);
/* What a connection that reads contracts.list pages needs, made before its
 * PRAGMA query_only: q's whole-word terms table (db_list_terms.h; without
 * it, whole words are searched as prefixes, the same rows), pacta_fold
 * (db_fold.h; pages by title or counterparty after a cursor, and TEXT pages
 * by them, fail without it) and pacta_rank (db_list_rank.h; ranked pages
 * fail without it).  0, or -1 when a function could not be registered. */
int srv__list_reader_attach(sqlite3 *r);
/* Pages of q with a sort key planned without a probe so far: q was whole
 * words only (db_list_terms.h) with fewer hits than the bound. */
long srv__list_probes_skipped(void);

struct srv_list_explain {
    enum srv_list_plan plan;
    char index[64]; /* the index the plan walks or seeks ("" for RANKED) */
    char *sql;      /* the page's statement (malloc'd) */
    char *detail;   /* its EXPLAIN QUERY PLAN lines, "; "-separated (malloc'd) */
    int probe;      /* a q probe: a walk that tests q in C, planned again
                     * if it reads its rows without filling the page */
    int text_top;   /* TEXT: the first candidates by the key the search
                     * index stores, then their rows */
};
/*
 * Plans the first page of `a` (its cursor, if any, too) exactly as
 * srv_db_read_contracts would, and explains it instead of running it.
 * 0, or < 0 with *err set (a bad cursor).  Free with srv__list_explain_clear.
 */
int srv__list_explain(sqlite3 *r, const struct pacta_list_args *a, struct srv_list_explain *out,
                      struct pacta_error *err);
void srv__list_explain_clear(struct srv_list_explain *e);
const char *srv__list_plan_name(enum srv_list_plan plan);

/* ---- db_list_text.c: internals of db_list.c ---------------------------- */
/* 16 hex digits of FNV-1a over the canonical filters, the sort and the
 * order: a cursor is valid only for the listing it came from. */
void srv__list_fingerprint(const struct pacta_list_args *a, enum pacta_list_sort sort,
                           char out[17]);
/* base64url of the compact JSON of arr_steal (malloc'd). */
char *srv__list_b64_json(json_t *arr_steal);
/* Bytes of the space that separates q's words at s, 0 when none: U+0020,
 * tab and the other spaces the protocol calls blank (protocol/src/text.c:
 * U+00A0, U+2000..U+200B, U+2028, U+2029, U+202F, U+205F, U+3000, U+FEFF).
 * s is valid UTF-8, NUL-terminated. */
size_t srv__list_q_space(const char *s);
/* The next word of q[0..len) from *at (0 at first): q[*start..*end), *at
 * moved past it and its space; 0 when no word is left. */
int srv__list_q_word(const char *q, size_t len, size_t *at, size_t *start, size_t *end);
/* q as an FTS5 query of quoted prefix phrases (malloc'd). */
char *srv__list_fts_query(const char *q);

#endif
