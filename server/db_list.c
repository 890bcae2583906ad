/*
 * contracts.list (PROTOCOL.md §6.4): any combination of filters, a sort key
 * in either direction, keyset pages — fast with a million contracts.
 *
 * Every sort key has an index on (key, id) (schema_lists.h), so a page can
 * be read in two ways, and which one is cheaper depends on how many rows
 * the filters leave:
 *
 *  - WALK: the sort index in order from the cursor, each row checked
 *    against the filters, until the page is full.  It reads about
 *    page / density rows: perfect when most rows match, slow when few do.
 *    A filter whose index yields the sort order too is walked instead of
 *    the plain sort index, restricted to its range (an end date range when
 *    sorting by end date, status = ? when sorting by number: contracts_status
 *    is (status, number, id); status = ? and the page's end date range, its
 *    lifecycle's included, by end date: (status, end_key, id)).  So is a
 *    walk that keeps q's hits by id.
 *  - SEEK (or FTS for q): the index of the narrowest filter (or the search
 *    index), every match, then sorted.  It reads as many rows as that filter
 *    matches, whatever the page: perfect when few rows match.
 *
 * Before each page the planner (db_list_plan.c) counts, in each usable
 * filter index, the entries of that filter alone, stopping at a bound K
 * (index only, no row read): K = sqrt(page × rows), where both ways cost the same for a single
 * filter (page × rows / K = K); 7,000 for a page of 50 of a million.  A
 * filter under K makes SEEK cost its count; the WALK of an index costs
 * about page × (its range) / (the smallest count).  The cheaper wins, so a
 * page never reads much more than K rows when one filter alone is narrow or
 * all are broad.  Several broad filters whose combination is narrow (each
 * matches 10 %, together 0.01 %) have one index for them all when they are
 * among kind, status, currency, owner and the end date (contracts_combo,
 * schema_combo.h; db_list_plan.c combo_driver); bench/RESULTS.md has the
 * figures.
 *
 * Sorted by number, a date range has a third way (RANGE, db_list_plan.c):
 * the date indexes also hold number (schema_ranges.h), so the range's
 * entries are put in number order without reading a row, and only the
 * page's rows are read.
 *
 * `q` with a sort key is tried first as a walk that tests q on each row in
 * C (a q probe, db_list_match.c): a common word fills the page in its first
 * rows without asking FTS5, which costs tens of milliseconds for it.  A
 * probe reads a few pages' worth of rows at most; then the page is planned
 * again with the search index as a driver — or, when its hits are under K,
 * as a walk of the sort index that keeps the entries whose id is one of the
 * hits' (db_list_plan.c choose_qids): rows that are not hits are passed
 * over on their index entry.
 *
 * `text` is also a driver: of three characters or more, the trigram index
 * (schema_text.h), of one or two the index of characters and pairs
 * (schema_short.h) yields the rows that contain it, counted like the
 * others; when it is the narrow one the page is those candidates (TEXT),
 * each still checked with pacta_contains (db_fold.h: the keys of number,
 * title and counterparty hold the text's key), which alone decides what
 * `text` matches.  Sorted by number, title or counterparty, which the search
 * index also stores (contracts_fts_content, kept by the same triggers),
 * the candidates are first put in order there, one read each by rowid,
 * and only the first of them are read as rows and filtered (TEXT top),
 * widened as RANKED pages are (below) when the filters refuse too many.
 *
 * Each plan names its index (INDEXED BY), so SQLite cannot pick another one
 * or a full table scan; tests/unit/test_srv_list_plans.c explains the statements
 * built here for the common combinations and fails on a table scan.
 *
 * Pages: the cursor is the sort key and id of a page's last row and a
 * fingerprint of the filters and sort, so a cursor used with other filters
 * is refused.  The next page is the rows after (key, id) in the sort order:
 * a contract that matches the filters for the whole walk and whose sort key
 * does not change is returned exactly once, whatever else changes between
 * pages.  Ranked pages (q by relevance) are keyset pages on the rank: the
 * cursor names the page's last row, and the next page is the hits ranked
 * after that row's current score (bm25 is computed again, so a score that
 * every edit elsewhere moves a little moves that row's with it) and its
 * search rowid.  A position would skip a row for each one deleted above
 * the boundary and repeat one for each new hit there.
 *
 * Ranked (RANKED): the search index ranks its hits by itself (bm25, as
 * pacta_rank computes it with the row lengths joined in: db_list_rank.h,
 * and its rowid, which is creation order, as the tie-break) and only the first
 * :rk of them are joined to contracts and filtered, instead of reading
 * every hit's row and sorting whole rows (bench/RESULTS.md has the figures
 * for a million contracts).  When the filters leave fewer rows than
 * the page needs among those, :rk grows from the density they kept, up to
 * every hit, so the page is the one a full ranking would give.
 */
#include <limits.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_fold.h"
#include "db_list-private.h"
#include "db_list_terms.h"
#include "db_short.h"
#include "expiry.h"

static atomic_long fallbacks, fallback_seeks, probes, probes_out, qids_walks, probes_skipped,
    text_tops, text_tops_widened;

int srv__list_reader_attach(sqlite3 *r)
{
    srv__list_terms_attach(r);
    if (srv_fold_register(r) != SQLITE_OK) /* the title and counterparty keys (db_fold.h) */
        return -1;
    return srv__list_rank_attach(r);
}

long srv__list_text_tops(long *widened)
{
    if (widened)
        *widened = atomic_load(&text_tops_widened);
    return atomic_load(&text_tops);
}

long srv__list_probes_skipped(void)
{
    return atomic_load(&probes_skipped);
}

long srv__list_qids_walks(void)
{
    return atomic_load(&qids_walks);
}

long srv__list_probes(long *ran_out)
{
    if (ran_out)
        *ran_out = atomic_load(&probes_out);
    return atomic_load(&probes);
}

long srv__list_fallbacks(long *seeks)
{
    if (seeks)
        *seeks = atomic_load(&fallback_seeks);
    return atomic_load(&fallbacks);
}

const char *srv__list_plan_name(enum srv_list_plan plan)
{
    static const char *const names[] = {"walk", "seek", "fts", "ranked", "text", "range"};
    return (unsigned)plan < sizeof(names) / sizeof(names[0]) ? names[plan] : "?";
}

/* ---- a page --------------------------------------------------------------- */

static void page_clear(struct page *p)
{
    free(p->needle);
    free(p->match);
    free(p->tmatch);
    free(p->qrids);
    srv__list_qmatch_free(p->qm);
    json_decref(p->ckey);
    free(p->cid);
    free(p->sql.s);
}

/* A ranked cursor's row as it ranks now, when it is still a hit: every
 * edit moves the bm25 scores a little (the row count, the average length,
 * how many rows have each word), its ties' with it.  0, or -1. */
static int rank_now(sqlite3 *r, struct page *p)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(r,
                                "SELECT " RANK_SCORE " FROM " SRV_LIST_RANK_FROM
                                " WHERE contracts_fts MATCH :match"
                                " AND contracts_fts.rowid = :crid",
                                -1, &st, NULL);

    if (rc == SQLITE_OK) {
        srv__list_bind_all(st, p, 0);
        if ((rc = sqlite3_step(st)) == SQLITE_ROW)
            p->cscore = sqlite3_column_double(st, 0);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* q's search query with whole words where the index allows
 * (db_list_terms.h): once a page, in its read transaction, before the
 * search index is first read (a q probe does not read it). */
static void match_exact(sqlite3 *r, struct page *p)
{
    if (!p->match || p->match_exact)
        return;
    free(p->match);
    p->match = srv__list_terms_query(r, p->a->q, &p->match_prefixes);
    p->match_exact = 1;
}

/* ... and for a page that does not rank, a word that a few terms extend
 * as those terms, once the search index is to be read (up to 17 seeks a
 * word: not for a probe that may answer alone). */
static void match_index(sqlite3 *r, struct page *p)
{
    int prefixes;

    match_exact(r, p);
    if (!p->match || p->match_set || p->match_prefixes == 0 || p->sort == PACTA_SORT_RELEVANCE)
        return;
    free(p->match);
    p->match = srv__list_terms_set_query(r, p->a->q, &prefixes);
    p->match_set = 1;
}

/* Decodes the cursor, plans and builds the statement. */
static int page_prepare(sqlite3 *r, const struct pacta_list_args *a, struct page *p,
                        struct pacta_error *err)
{
    int64_t today = srv_today();

    memset(p, 0, sizeof(*p));
    p->a = a;
    p->sort = a->sort != PACTA_SORT_DEFAULT ? a->sort
              : a->q                        ? PACTA_SORT_RELEVANCE
                                            : PACTA_SORT_NUMBER;
    if (p->sort == PACTA_SORT_RELEVANCE && !a->q)
        return pacta_error_set(err, PACTA_BAD_REQUEST, "sort", "relevance needs q");
    p->sd = p->sort == PACTA_SORT_RELEVANCE ? NULL : srv__list_sort_def(p->sort);
    srv_date_format(today, p->today);
    srv_date_format(today + srv_expiry_window(), p->until);
    if (a->text && a->text[0]) {
        /* what the rows' keys must contain; a text whose key is empty (it
         * is only combining accents) filters nothing, as an empty one */
        p->needle = srv_text_key(a->text);
        if (!p->needle[0]) {
            free(p->needle);
            p->needle = NULL;
        }
    }
    if (p->needle) {
        /* three characters or more: trigrams; one or two: the short index */
        p->tmatch = srv_trigram_query(p->needle);
        p->tindex = "contracts_text";
        if (!p->tmatch && (p->tmatch = srv_short_query(p->needle)) != NULL)
            p->tindex = "contracts_short";
    }
    if (a->q)
        p->match = srv__list_fts_query(a->q);
    srv__list_fingerprint(a, p->sort, p->fp);
    if (a->cursor && srv__list_cursor_decode(p, a->cursor) != 0)
        return pacta_error_set(err, PACTA_BAD_REQUEST, "cursor", "invalid cursor");
    if (p->rkey)
        match_exact(r, p);
    if (p->rkey && rank_now(r, p) != 0)
        return srv__sql_error(r, SQLITE_ERROR, "rank of the cursor's row", err);
    /* q with a sort key: first a walk that tests q on its rows (planned
     * without the search index, so FTS5 is not asked at all), when the
     * other filters make it a walk (read_page) */
    if (p->match && p->sort != PACTA_SORT_RELEVANCE && srv__list_forced() == SRV_LIST_AUTO &&
        srv__list_qmatch_new(r, a->q, &p->qm) == 0)
        p->qprobe = 1;
    /* ... unless q is whole words only: FTS5 then reads its hits lazily,
     * so they are counted first (to the bound), and the probe is kept for
     * more hits than that — a page it would fill in its first rows.  Under
     * the bound the probe would read its rows and run out (it finds one
     * page in PROBE_PAGES when the hits are one row in PROBE_PAGES, far
     * above the bound's share of rows). */
    int planned = 0;
    if (p->qprobe) {
        match_exact(r, p);
        if (p->match_prefixes == 0) {
            p->qprobe = 0;
            if (srv__list_choose_plan(r, p) != 0)
                return srv__sql_error(r, SQLITE_ERROR, "plan contracts list", err);
            planned = p->qrids != NULL; /* the hits were under the bound */
            p->qprobe = !planned;
            if (planned)
                atomic_fetch_add(&probes_skipped, 1);
        }
    }
    if (!p->qprobe)
        match_index(r, p);
    if (!planned && srv__list_choose_plan(r, p) != 0)
        return srv__sql_error(r, SQLITE_ERROR, "plan contracts list", err);
    if (p->qprobe && p->plan != SRV_LIST_WALK) {
        p->qprobe = 0;
        match_index(r, p);
        if (srv__list_choose_plan(r, p) != 0)
            return srv__sql_error(r, SQLITE_ERROR, "plan contracts list", err);
    }
    srv__list_build_sql(p);
    return 0;
}

static int page_limit(const struct pacta_list_args *a)
{
    if (a->limit <= 0)
        return PACTA_LIST_DEFAULT_LIMIT;
    return a->limit > PACTA_LIST_MAX_LIMIT ? PACTA_LIST_MAX_LIMIT : a->limit;
}

/* SQLite VM steps per row read in a walk (measured: 6 to 10 for a row a
 * filter refuses). */
#define STEPS_PER_ROW 10
#define PROGRESS_STEPS 1000
/* A row a seek reads costs about this many rows of a walk (each one is a
 * random read of the table, and then it is sorted). */
#define SEEK_ROW_COST 3

static int over_budget(void *ctx)
{
    long *left = ctx;
    return --*left < 0;
}

/* A q probe reads at most this many rows (pages of PROBE_PAGES times the
 * page: it fills a page when at least 1 row in PROBE_PAGES has q), and
 * this many VM steps per row (its reasons read included). */
#define PROBE_PAGES 8
#define PROBE_MAX_ROWS 4000
#define PROBE_STEPS_PER_ROW 40

/* Is the row q's (a q probe)?  1, 0, or -1 on error. */
static int probe_row(const struct page *p, sqlite3_stmt *st)
{
    static const int cols[] = {1, 2, 3, 12, 21}; /* number ... description, q_reasons */
    const char *text[5];
    int len[5];

    for (int i = 0; i < 5; i++) {
        text[i] = (const char *)sqlite3_column_text(st, cols[i]);
        len[i] = sqlite3_column_bytes(st, cols[i]);
    }
    return srv__list_qmatch_row(p->qm, text, len, 5);
}

/* Runs the page's statement into `items`; SQLITE_DONE, or SQLITE_INTERRUPT
 * when `budget` (progress calls, 0: none) ran out or a q probe read its
 * rows, or an error. */
static int run_page(sqlite3 *r, struct page *p, json_t *items, int limit, int *rows, long budget)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(r, p->sql.s, -1, &st, NULL), budgeted = budget > 0;
    long read = 0, max_read = (long)(limit + 1) * PROBE_PAGES;

    if (max_read > PROBE_MAX_ROWS)
        max_read = PROBE_MAX_ROWS;

    *rows = 0;
    json_array_clear(items);
    if (rc != SQLITE_OK)
        return rc;
    /* a probe's LIMIT is on rows read, before q is tested: one more than
     * it may read, so that reading them all is told from running out */
    srv__list_bind_all(st, p, p->qprobe ? max_read + 1 : limit + 1);
    if (budgeted)
        sqlite3_progress_handler(r, PROGRESS_STEPS, over_budget, &budget);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (p->qprobe) {
            int m = probe_row(p, st);
            if (m < 0 || ++read > max_read) {
                rc = m < 0 ? SQLITE_ERROR : SQLITE_INTERRUPT;
                break;
            }
            if (m == 0)
                continue;
        }
        if ((*rows)++ == limit)
            break;
        json_t *rec = srv__contract_from_row(st);
        json_object_del(rec, "q_reasons");
        if (p->plan == SRV_LIST_RANKED) { /* the next cursor's rank key */
            p->last_score = sqlite3_column_double(st, RANK_KEY_COL);
            p->last_rid = sqlite3_column_int64(st, RANK_KEY_COL + 1);
            json_object_del(rec, "r_score");
            json_object_del(rec, "r_rid");
        }
        json_array_append_new(items, rec);
    }
    if (budgeted)
        sqlite3_progress_handler(r, 0, NULL, NULL);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? SQLITE_DONE : rc;
}

/*
 * A ranked page (or a TEXT top page) came back short (`rows` of it, past
 * the offset) from the first p->range_k hits (candidates): SQLITE_ROW with
 * a larger range_k when there are more, SQLITE_DONE when there are not, or
 * an error.  The filters kept about (offset + rows) of range_k; range_k
 * grows to what that density needs twice over (at least 8 times), to every
 * hit once that is most of them, and to every hit the second time: a page
 * is read three times at most.
 */
static int widen_top(sqlite3 *r, struct page *p, int rows)
{
    int first = p->range_n < 0;
    if (first) {
        sqlite3_stmt *st = NULL;
        char sql[128];
        int rc;

        if (p->text_top)
            snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE %s MATCH :tmatch", p->tindex,
                     p->tindex);
        else
            snprintf(sql, sizeof sql,
                     "SELECT count(*) FROM contracts_fts WHERE contracts_fts MATCH :match");
        rc = sqlite3_prepare_v2(r, sql, -1, &st, NULL);
        if (rc == SQLITE_OK) {
            srv__list_bind_all(st, p, 0);
            if ((rc = sqlite3_step(st)) == SQLITE_ROW)
                p->range_n = (long)sqlite3_column_int64(st, 0);
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_ROW)
            return rc;
    }
    if (p->range_k >= p->range_n)
        return SQLITE_DONE;
    if (!first) {
        p->range_k = p->range_n;
        return SQLITE_ROW;
    }
    long need = p->offset + p->a->limit + 1, kept = rows > 0 ? p->offset + rows : 0;
    long k =
        kept > 0 && need <= LONG_MAX / 2 / p->range_k ? 2 * need * p->range_k / kept : p->range_n;
    if (k < p->range_k * 8)
        k = p->range_k * 8;
    p->range_k = k >= p->range_n / 2 ? p->range_n : k;
    return SQLITE_ROW;
}

/*
 * One page: {"items": [...], "next_cursor": "..." | null}.  Reads limit + 1
 * rows: the extra one only says whether a next page exists, so next_cursor
 * is null exactly on the last page.
 */
int srv_db_read_contracts(sqlite3 *r, const struct pacta_list_args *args, json_t **out,
                          struct pacta_error *err)
{
    struct pacta_list_args a = *args;
    struct page p;
    json_t *items = json_array();
    int rc, rows = 0;
    /* One snapshot for the page's statements (counts, the page, RANGE's
     * re-reads, a probe's re-plan): RANGE stops at the range's count, so a
     * write landing between the two would end the listing early.  A caller
     * already in a transaction (an export) has one. */
    int own_tx = sqlite3_get_autocommit(r) && sqlite3_exec(r, "BEGIN", NULL, NULL, NULL) == 0;

    *out = NULL;
    a.limit = page_limit(args);
    if ((rc = page_prepare(r, &a, &p, err)) != 0)
        goto out;
    /* a q probe: a page, or it ran out and the page is planned again
     * without it (the search index then counts and may drive) */
    if (p.qprobe) {
        long steps = (long)(a.limit + 1) * PROBE_PAGES * PROBE_STEPS_PER_ROW / PROGRESS_STEPS;
        if (steps < 1) /* a page of 1 or 2: 0 would be no budget at all */
            steps = 1;
        atomic_fetch_add(&probes, 1);
        rc = run_page(r, &p, items, a.limit, &rows, steps);
        if (rc == SQLITE_INTERRUPT) {
            atomic_fetch_add(&probes_out, 1);
            p.qprobe = 0;
            match_index(r, &p);
            if (srv__list_choose_plan(r, &p) != 0) {
                rc = srv__sql_error(r, SQLITE_ERROR, "plan contracts list", err);
                goto out;
            }
            p.sql.len = 0;
            srv__list_build_sql(&p);
        }
    }
    /* progress calls; the test mode runs out at the first */
    long budget = !p.fallback ? 0
                  : srv__list_forced() == SRV_LIST_FORCE_FALLBACK
                      ? 1
                      : BUDGET_BOUNDS * p.bound * STEPS_PER_ROW / PROGRESS_STEPS;
    if (!p.qprobe && p.qids)
        atomic_fetch_add(&qids_walks, 1);
    if (!p.qprobe)
        rc = run_page(r, &p, items, a.limit, &rows, budget);
    if (rc == SQLITE_INTERRUPT && p.fallback) {
        atomic_fetch_add(&fallbacks, 1);
        /* The walk read its budget (about `read` rows) and found `rows` of
         * the page: at that density the rest of the page is about
         * (need - rows) * read / (rows + 1) more rows.  Seek with the
         * narrowest filter if that costs less, else walk on. */
        long read = budget * PROGRESS_STEPS / STEPS_PER_ROW, need = a.limit + 1;
        long rest = (need - rows) * (read / (rows + 1));
        long n = srv__list_count_driver(r, &p, p.fallback, rest / SEEK_ROW_COST + 1);
        if (n >= 0 && n <= rest / SEEK_ROW_COST) {
            atomic_fetch_add(&fallback_seeks, 1);
            p.drv = p.fallback;
            p.plan = srv__list_seek_plan(p.fallback);
            srv__list_plan_text_top(&p);
            p.sql.len = 0;
            srv__list_build_sql(&p);
        }
        rc = run_page(r, &p, items, a.limit, &rows, 0);
    }
    /* RANGE: the filters refused some of the first entries; take more
     * (each time the range is read again, index only) until the page is
     * full or the range is used up */
    while (rc == SQLITE_DONE && p.plan == SRV_LIST_RANGE && rows <= a.limit &&
           p.range_k < p.range_n) {
        p.range_k *= 8;
        rc = run_page(r, &p, items, a.limit, &rows, 0);
    }
    /* RANKED and TEXT top: the same when the filters refused too many of
     * the first hits; the hits are counted only then */
    if (p.text_top)
        atomic_fetch_add(&text_tops, 1);
    while (rc == SQLITE_DONE && (p.plan == SRV_LIST_RANKED || p.text_top) && rows <= a.limit &&
           (rc = widen_top(r, &p, rows)) == SQLITE_ROW) {
        if (p.text_top)
            atomic_fetch_add(&text_tops_widened, 1);
        rc = run_page(r, &p, items, a.limit, &rows, 0);
    }
    if (rc != SQLITE_DONE) {
        rc = srv__sql_error(r, rc, "list contracts", err);
        goto out;
    }
    *out = json_object();
    if (rows > a.limit) {
        char *c =
            p.plan == SRV_LIST_RANKED
                ? srv__list_b64_json(json_pack("[s, s, f, I]", "r", p.fp,
                                               isfinite(p.last_score) ? p.last_score : 0.0,
                                               (json_int_t)p.last_rid))
                : srv__list_cursor_after(&p, json_array_get(items, json_array_size(items) - 1));
        json_object_set_new(*out, "next_cursor", json_string(c));
        free(c);
    } else {
        json_object_set_new(*out, "next_cursor", json_null());
    }
    json_object_set(*out, "items", items);
    rc = 0;
out:
    if (own_tx && !sqlite3_get_autocommit(r))
        sqlite3_exec(r, "COMMIT", NULL, NULL, NULL);
    json_decref(items);
    page_clear(&p);
    return rc;
}

int srv__list_explain(sqlite3 *r, const struct pacta_list_args *args, struct srv_list_explain *out,
                      struct pacta_error *err)
{
    struct pacta_list_args a = *args;
    struct page p;
    struct sbuf sql = {0}, detail = {0};
    sqlite3_stmt *st = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    a.limit = page_limit(args);
    if ((rc = page_prepare(r, &a, &p, err)) != 0)
        goto out;
    srv__list_sb_add(&sql, "EXPLAIN QUERY PLAN %s", p.sql.s);
    rc = sqlite3_prepare_v2(r, sql.s, -1, &st, NULL);
    if (rc != SQLITE_OK) {
        rc = srv__sql_error(r, rc, "explain contracts list", err);
        goto out;
    }
    srv__list_bind_all(st, &p, a.limit + 1);
    srv__list_sb_add(&detail, "%s", "");
    while (sqlite3_step(st) == SQLITE_ROW)
        srv__list_sb_add(&detail, "%s%s", detail.len ? "; " : "",
                         (const char *)sqlite3_column_text(st, 3));
    out->plan = p.plan;
    out->probe = p.qprobe;
    out->text_top = p.text_top;
    snprintf(out->index, sizeof(out->index), "%s", p.drv ? p.drv->index : p.sd ? p.sd->index : "");
    out->sql = p.sql.s;
    p.sql.s = NULL;
    out->detail = detail.s;
    detail.s = NULL;
    rc = 0;
out:
    sqlite3_finalize(st);
    free(sql.s);
    free(detail.s);
    page_clear(&p);
    return rc;
}

void srv__list_explain_clear(struct srv_list_explain *e)
{
    free(e->sql);
    free(e->detail);
    memset(e, 0, sizeof(*e));
}
