/*
 * Internals of contracts.list shared by its files: db_list.c (running a
 * page), db_list_sql.c (its statements and cursors) and db_list_plan.c (the
 * planner).  See the
 * comment at the top of db_list.c.
 */
#ifndef PACTA_SRV_DB_LIST_PRIVATE_H
#define PACTA_SRV_DB_LIST_PRIVATE_H

#include "db-private.h"
#include "db_list.h"
#include "db_list_rank.h"

/* bm25 (pacta_rank, db_list_rank.h), its weights in column order: id
 * (unindexed), number, title, counterparty, description, reasons: a hit in
 * the number counts most. */
#define RANK_SCORE                                                                                 \
    SRV_LIST_RANK_FUNCTION "(contracts_fts, " SRV_LIST_RANK_SIZE ", 0, 10, 5, 3, 1, 1)"
/* A ranked page's r_score and r_rid, after the contract's columns. */
#define RANK_KEY_COL 21

/* A sort key (db_list_sql.c). */
struct sort_def {
    const char *col;   /* the key column (generated for titles and dates) */
    const char *index; /* on (col, id) */
    const char *field; /* the record member the key comes from */
    int is_date;       /* a null date is SRV_NO_DATE_KEY */
    int is_int;
    /* the key as the search index's content table stores it (in the same
     * order), for a TEXT page's top candidates; NULL: not stored there */
    const char *stored;
    /* the cursor's key (the record's member, bound as :ck) as the column
     * holds it; NULL: as it is */
    const char *ck;
};

#define MAX_DATE "9999-12-31"
#define MAX_DRIVERS 16
#define MIN_BOUND 64
#define MAX_BOUND 50000
/* The planner's bound for a page of `need` rows over a table whose largest
 * rowid is `rows`: isqrt(need * rows) clamped to [MIN_BOUND, MAX_BOUND]. */
long srv__list_bound(long need, long rows);
/* A walk's budget, in rows it may read before the fallback is considered
 * (a multiple of the bound). */
#define BUDGET_BOUNDS 2

/* A growing SQL text (db_list.c); out of memory aborts. */
struct sbuf {
    char *s;
    size_t len, cap;
};
void srv__list_sb_add(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* An index that can deliver the rows of one filter: `eq` an equality
 * prefix, `lo`/`hi` a range of the column after it. */
struct driver {
    const char *index;
    char eq[384], lo[64], hi[64];
    int ordered; /* its order (after eq) is the sort's */
    int fts;     /* the search index, for q */
    int text;    /* the trigram or short index, for text (also fts: not a b-tree) */
    int covers;  /* a date index, which also holds number and deleted_at */
    long count;  /* entries, counted up to the bound */
};

struct page {
    const struct pacta_list_args *a;
    enum pacta_list_sort sort;
    const struct sort_def *sd;
    char today[11], until[11];
    char *needle, *match, *tmatch; /* needle: the key of text (db_fold.h) */
    const char *tindex;            /* tmatch's index: contracts_text, or contracts_short */
    char fp[17];
    /* the cursor */
    int has_cursor;
    json_t *ckey;
    char *cid;
    long offset;
    /* a ranked page after a row (the cursor's rank key): the page goes on
     * after that row's current bm25 score and its search rowid */
    int rkey;
    double cscore;
    int64_t crid;
    /* the rank key of a ranked page's last row (run_page) */
    double last_score;
    int64_t last_rid;
    /* the plan */
    struct driver drivers[MAX_DRIVERS];
    int ndrivers;
    enum srv_list_plan plan;
    const struct driver *drv;      /* NULL: the sort index itself */
    const struct driver *fallback; /* a walk that reads too long seeks with it */
    long bound;
    long range_k; /* RANGE: index entries put in order (:rk); RANKED, TEXT top: hits */
    long range_n; /* RANGE: entries in the range, or more; RANKED, TEXT top: hits, -1 unknown */
    /* TEXT by a key the search index stores (sort_def.stored): only the
     * first :rk candidates in that order are read and filtered, widened as
     * RANKED is (db_list.c widen_top) */
    int text_top;
    /* q probe: a walk that tests q on each row in C (no search index),
     * tried first when q has a sort key (db_list.c read_page) */
    int qprobe;
    struct srv_list_qmatch *qm;
    /* q tested in a walk by id against its hits' ids, listed once per
     * statement (db_list_plan.c choose_qids), instead of each row's id
     * looked up among the hits */
    int qids;
    char *qrids; /* the hits' search rowids, a JSON array, when under the bound */
    /* match has whole words where the index allows (db_list_terms.h): made
     * so once, when the search index is first about to be read;
     * match_prefixes of its words with tokens are not whole; match_set: a
     * page that does not rank has those of them with a few terms as those
     * terms */
    int match_exact, match_prefixes, match_set;
    struct sbuf sql;
};

/* ---- db_list_plan.c ------------------------------------------------------ */
/* The test mode of srv__list_force. */
enum srv_list_force srv__list_forced(void);
/* Binds every named parameter the statements of a page may use. */
void srv__list_bind_all(sqlite3_stmt *st, const struct page *p, int64_t limit);
/* A driver's own terms, " AND ..." (its range's bounds when asked). */
void srv__list_where_terms(struct sbuf *b, const struct driver *d, int with_lo, int with_hi);
/* Entries of a driver's index in its range, stopping at `bound`; -1 on
 * error. */
long srv__list_count_driver(sqlite3 *r, const struct page *p, const struct driver *d, long bound);
/* How a driver that does not yield the sort order is read. */
enum srv_list_plan srv__list_seek_plan(const struct driver *d);
/* Finds the filters' indexes, counts them and sets p->plan, p->drv,
 * p->fallback and the RANGE, RANKED and TEXT top fields; 0, or -1 when a
 * count failed. */
int srv__list_choose_plan(sqlite3 *r, struct page *p);
/* Sets the TEXT top fields for the plan p has now (after a fallback's seek
 * too). */
void srv__list_plan_text_top(struct page *p);

/* ---- db_list_match.c ----------------------------------------------------- */
/* q tested on one row, with the search index's own tokenizer and FTS5's
 * rules for srv__list_fts_query(q); see the top of that file. */
struct srv_list_qmatch;
/* 0 and *out, or -1 (no FTS5 tokenizer, or more than 64 words). */
/* FTS5's own API of this connection (db_list_match.c), NULL if none. */
fts5_api *srv__list_fts5_api(sqlite3 *db);
int srv__list_qmatch_new(sqlite3 *db, const char *q, struct srv_list_qmatch **out);
/* 1 when the row's indexed columns (number, title, counterparty,
 * description, reasons; NULL for none) match, 0 when not, -1 on error. */
int srv__list_qmatch_row(struct srv_list_qmatch *m, const char *const *cols, const int *lens,
                         int ncols);
void srv__list_qmatch_free(struct srv_list_qmatch *m);

/* db_list_sql.c: the sort key's column, index and record member; the
 * page's statement for its plan (p->sql); a cursor read into p (0, or -1
 * when it is not one of this listing's) and the cursor after a record. */
const struct sort_def *srv__list_sort_def(enum pacta_list_sort sort);
void srv__list_build_sql(struct page *p);
int srv__list_cursor_decode(struct page *p, const char *cursor);
char *srv__list_cursor_after(const struct page *p, const json_t *rec);

#endif
