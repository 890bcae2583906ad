/*
 * contracts.list's planner (see the top of db_list.c): the indexes that
 * can deliver each filter (drivers), their bounded counts, and the choice
 * between a walk, a seek, the search indexes and RANGE.  Any thread: state
 * is per page, except the test mode.
 */
#include <stdlib.h>
#include <string.h>

#include "db_list-private.h"
#include "schema_lists.h"

static enum srv_list_force forced_plan = SRV_LIST_AUTO;

void srv__list_force(enum srv_list_force force)
{
    forced_plan = force;
}

enum srv_list_force srv__list_forced(void)
{
    return forced_plan;
}

static struct driver *add_driver(struct page *p, const char *index, int ordered)
{
    struct driver *d = &p->drivers[p->ndrivers++];

    memset(d, 0, sizeof(*d));
    d->index = index;
    d->ordered = ordered;
    d->covers = strcmp(index, "contracts_end") == 0 || strcmp(index, "contracts_start") == 0 ||
                strcmp(index, "contracts_sign") == 0;
    return d;
}

/* A date's key, its index and the page's filter on it; a missing date's
 * key is above every date, so a range never takes it in. */
struct date_col {
    enum pacta_list_sort sort;
    const char *index, *from_sql, *to_sql, *open_to_sql;
};
static const struct date_col date_cols[] = {
    {PACTA_SORT_END_DATE, "contracts_end", "end_key >= :end_from", "end_key <= :end_to",
     "end_key <= '" MAX_DATE "'"},
    {PACTA_SORT_START_DATE, "contracts_start", "start_key >= :start_from", "start_key <= :start_to",
     "start_key <= '" MAX_DATE "'"},
    {PACTA_SORT_SIGN_DATE, "contracts_sign", "sign_key >= :sign_from", "sign_key <= :sign_to",
     "sign_key <= '" MAX_DATE "'"},
};
#define NDATES (sizeof(date_cols) / sizeof(date_cols[0]))

/* The page's range of a date's key from its own filter; 0 (both NULL) when
 * none. */
static int filter_range(const struct pacta_list_args *a, const struct date_col *c, const char **lo,
                        const char **hi)
{
    const char *from = c->sort == PACTA_SORT_END_DATE     ? a->end_from
                       : c->sort == PACTA_SORT_START_DATE ? a->start_from
                                                          : a->sign_from;
    const char *to = c->sort == PACTA_SORT_END_DATE     ? a->end_to
                     : c->sort == PACTA_SORT_START_DATE ? a->start_to
                                                        : a->sign_to;

    *lo = from ? c->from_sql : NULL;
    *hi = to ? c->to_sql : from ? c->open_to_sql : NULL;
    return from || to;
}

/* The range of a date's key that the page's lifecycle puts every row in
 * (srv_contract_derive's dates; the rest of it is checked per row); 0 (both
 * NULL) when none. */
static int lifecycle_range(const struct pacta_list_args *a, enum pacta_list_sort date,
                           const char **lo, const char **hi)
{
    static const struct {
        const char *lifecycle;
        enum pacta_list_sort date;
        const char *lo, *hi;
    } defs[] = {
        {PACTA_LIFECYCLE_EXPIRING, PACTA_SORT_END_DATE, "end_key >= :today", "end_key <= :until"},
        /* every active one ends today or later */
        {PACTA_LIFECYCLE_ACTIVE, PACTA_SORT_END_DATE, "end_key >= :today",
         "end_key <= '" MAX_DATE "'"},
        {PACTA_LIFECYCLE_UNKNOWN, PACTA_SORT_END_DATE, "end_key >= '" SRV_NO_DATE_KEY "'",
         "end_key <= '" SRV_NO_DATE_KEY "'"},
        {PACTA_LIFECYCLE_UPCOMING, PACTA_SORT_START_DATE, "start_key > :today",
         "start_key <= '" MAX_DATE "'"},
    };

    *lo = *hi = NULL;
    for (size_t i = 0; a->lifecycle && i < sizeof(defs) / sizeof(defs[0]); i++)
        if (defs[i].date == date && strcmp(defs[i].lifecycle, a->lifecycle) == 0) {
            *lo = defs[i].lo;
            *hi = defs[i].hi;
            return 1;
        }
    return 0;
}

/* The page's range of a date's key: its filter's, or else its lifecycle's
 * (both hold for every row: either one is a range to read). */
static int page_range(const struct pacta_list_args *a, const struct date_col *c, const char **lo,
                      const char **hi)
{
    return filter_range(a, c, lo, hi) || lifecycle_range(a, c->sort, lo, hi);
}

static const struct date_col *date_col_of(enum pacta_list_sort sort)
{
    for (size_t i = 0; i < NDATES; i++)
        if (date_cols[i].sort == sort)
            return &date_cols[i];
    return NULL;
}

/* A driver's range: the terms it reads its index between. */
static void set_range(struct driver *d, const char *lo, const char *hi)
{
    if (lo)
        snprintf(d->lo, sizeof(d->lo), "%s", lo);
    if (hi)
        snprintf(d->hi, sizeof(d->hi), "%s", hi);
}

/* The index of an equality on status that yields the sort order if any
 * does: (status, number, id), (status, end_key, id), (status, start_key, id). */
static const char *status_index(const struct page *p)
{
    return p->sort == PACTA_SORT_END_DATE     ? "contracts_status_end"
           : p->sort == PACTA_SORT_START_DATE ? "contracts_status_start"
                                              : "contracts_status";
}

/* The currencies in use, as a skip over contracts_currency: one seek each
 * (a few; a million rows hold four in the bench). */
#define CURRENCIES_IN_USE                                                                          \
    "(WITH RECURSIVE cur(c) AS (SELECT min(currency) FROM contracts UNION ALL"                     \
    " SELECT (SELECT min(currency) FROM contracts WHERE currency > cur.c) FROM cur"                \
    " WHERE cur.c IS NOT NULL) SELECT c FROM cur WHERE c IS NOT NULL)"

/*
 * An equality on status, on the index that yields the sort order if one
 * does; by a date, with that date's range when the page has one, so a walk
 * starts there (by end date, descending, Active + Expiring passed every
 * active contract ending after the window first: 1.6 s at a million).
 */
static void status_driver(struct page *p, const char *eq)
{
    int by_date = p->sort == PACTA_SORT_END_DATE || p->sort == PACTA_SORT_START_DATE;
    struct driver *d = add_driver(p, status_index(p), by_date || p->sort == PACTA_SORT_NUMBER);
    const char *lo, *hi;

    snprintf(d->eq, sizeof(d->eq), "%s", eq);
    if (by_date && page_range(p->a, date_col_of(p->sort), &lo, &hi))
        set_range(d, lo, hi);
}

/*
 * contracts_combo (schema_combo.h): kind, status, currency, owner, end_key.
 * A driver when the page names two of the first four, or the owner and an
 * end-date range: each column the page leaves open before the last one it
 * names becomes an IN list of every value it can hold (the CHECKs of
 * schema.c: two kinds, four statuses; the currencies in use), so the
 * entries read are the combination's own.  An end-date range is a range of
 * the index after the owner.  The owner is never listed (there may be
 * thousands): without it, the index is read down to the currency.
 */
static void combo_driver(struct page *p)
{
    const struct pacta_list_args *a = p->a;
    const char *lc = a->lifecycle;
    const char *lo, *hi;
    int named = !!a->kind + !!(a->status || (lc && strcmp(lc, PACTA_LIFECYCLE_TERMINATED) == 0)) +
                !!a->currency + !!a->owner;
    struct driver *d;
    char *eq;
    size_t n;

    page_range(a, date_col_of(PACTA_SORT_END_DATE), &lo, &hi);
    if (named < 2 && !(a->owner && hi))
        return;
    d = add_driver(p, "contracts_combo", 0);
    eq = d->eq;
    n = sizeof(d->eq);
    snprintf(eq, n, "%s", a->kind ? "kind = :kind" : "kind IN ('client', 'supplier')");
    if (a->status)
        snprintf(eq + strlen(eq), n - strlen(eq), " AND status = :status");
    else if (lc && strcmp(lc, PACTA_LIFECYCLE_TERMINATED) == 0)
        snprintf(eq + strlen(eq), n - strlen(eq), " AND status = 'terminated'");
    else if (lc && strcmp(lc, PACTA_LIFECYCLE_EXPIRED) != 0) /* the others: by their dates */
        snprintf(eq + strlen(eq), n - strlen(eq), " AND status IN ('draft', 'active')");
    else
        snprintf(eq + strlen(eq), n - strlen(eq),
                 " AND status IN ('draft', 'active', 'expired', 'terminated')");
    if (a->currency)
        snprintf(eq + strlen(eq), n - strlen(eq), " AND currency = :currency");
    else if (a->owner)
        snprintf(eq + strlen(eq), n - strlen(eq), " AND currency IN " CURRENCIES_IN_USE);
    if (!a->owner)
        return;
    snprintf(eq + strlen(eq), n - strlen(eq), " AND owner = :owner");
    set_range(d, lo, hi);
}

/* Every index that can deliver one of the filters on its own. */
static void find_drivers(struct page *p)
{
    const struct pacta_list_args *a = p->a;
    int by_number = p->sort == PACTA_SORT_NUMBER;
    struct driver *d;
    const size_t eq_size = sizeof(p->drivers[0].eq);
    const char *lo, *hi;

    if (a->status)
        status_driver(p, "status = :status");
    if (a->kind)
        snprintf(add_driver(p, "contracts_kind", by_number)->eq, eq_size, "kind = :kind");
    if (a->owner)
        snprintf(add_driver(p, "contracts_owner", by_number)->eq, eq_size, "owner = :owner");
    if (a->currency) {
        d = add_driver(p, "contracts_currency", p->sort == PACTA_SORT_AMOUNT);
        snprintf(d->eq, eq_size, "currency = :currency");
        if (a->has_amount_min)
            snprintf(d->lo, sizeof(d->lo), "amount_cents >= :amount_min");
        if (a->has_amount_max)
            snprintf(d->hi, sizeof(d->hi), "amount_cents <= :amount_max");
    }
    /* each date's filter, then the lifecycle's range (of the end or the
     * start date), each on its date's index */
    for (size_t i = 0; i < NDATES; i++)
        if (filter_range(a, &date_cols[i], &lo, &hi))
            set_range(add_driver(p, date_cols[i].index, p->sort == date_cols[i].sort), lo, hi);
    for (size_t i = 0; i < NDATES; i++)
        if (lifecycle_range(a, date_cols[i].sort, &lo, &hi))
            set_range(add_driver(p, date_cols[i].index, p->sort == date_cols[i].sort), lo, hi);
    if (a->lifecycle && strcmp(a->lifecycle, PACTA_LIFECYCLE_TERMINATED) == 0)
        status_driver(p, "status = 'terminated'");
    if (a->q && !p->qprobe) /* the probe tests q on the rows instead */
        add_driver(p, "contracts_fts", 0)->fts = 1;
    if (p->tmatch) {
        d = add_driver(p, p->tindex, 0);
        d->fts = d->text = 1;
    }
    combo_driver(p);
}

static void bind_text(sqlite3_stmt *st, const char *name, const char *value)
{
    int i = sqlite3_bind_parameter_index(st, name);
    if (i > 0 && value)
        sqlite3_bind_text(st, i, value, -1, SQLITE_TRANSIENT);
}

static void bind_int(sqlite3_stmt *st, const char *name, int64_t value)
{
    int i = sqlite3_bind_parameter_index(st, name);
    if (i > 0)
        sqlite3_bind_int64(st, i, value);
}

static void bind_double(sqlite3_stmt *st, const char *name, double value)
{
    int i = sqlite3_bind_parameter_index(st, name);
    if (i > 0)
        sqlite3_bind_double(st, i, value);
}

/* Every named parameter the statements of a page may use. */
void srv__list_bind_all(sqlite3_stmt *st, const struct page *p, int64_t limit)
{
    const struct pacta_list_args *a = p->a;

    bind_text(st, ":status", a->status);
    bind_text(st, ":kind", a->kind);
    bind_text(st, ":owner", a->owner);
    bind_text(st, ":currency", a->currency);
    bind_text(st, ":sign_from", a->sign_from);
    bind_text(st, ":sign_to", a->sign_to);
    bind_text(st, ":start_from", a->start_from);
    bind_text(st, ":start_to", a->start_to);
    bind_text(st, ":end_from", a->end_from);
    bind_text(st, ":end_to", a->end_to);
    if (a->has_amount_min)
        bind_int(st, ":amount_min", a->amount_min);
    if (a->has_amount_max)
        bind_int(st, ":amount_max", a->amount_max);
    bind_text(st, ":needle", p->needle);
    bind_text(st, ":today", p->today);
    bind_text(st, ":until", p->until);
    bind_text(st, ":match", p->match);
    bind_text(st, ":tmatch", p->tmatch);
    bind_text(st, ":qrids", p->qrids);
    if (p->ckey && json_is_integer(p->ckey))
        bind_int(st, ":ck", json_integer_value(p->ckey));
    else if (p->ckey)
        bind_text(st, ":ck", json_string_value(p->ckey));
    bind_text(st, ":cid", p->cid);
    bind_int(st, ":off", p->offset);
    if (p->rkey) {
        bind_double(st, ":cs", p->cscore);
        bind_int(st, ":crid", p->crid);
    }
    bind_int(st, ":rk", p->range_k);
    bind_int(st, ":lim", limit);
}

/* One integer from a statement over the page's parameters; -1 on error. */
static long query_long(sqlite3 *r, const struct page *p, const char *sql, int64_t bound)
{
    sqlite3_stmt *st = NULL;
    long n = -1;

    if (sqlite3_prepare_v2(r, sql, -1, &st, NULL) == SQLITE_OK) {
        srv__list_bind_all(st, p, bound);
        if (sqlite3_step(st) == SQLITE_ROW)
            n = (long)sqlite3_column_int64(st, 0);
    }
    if (n < 0)
        srv__log_error("db: list planning failed", sqlite3_errmsg(r));
    sqlite3_finalize(st);
    return n;
}

void srv__list_where_terms(struct sbuf *b, const struct driver *d, int with_lo, int with_hi)
{
    if (d->eq[0])
        srv__list_sb_add(b, " AND %s", d->eq);
    if (with_lo && d->lo[0])
        srv__list_sb_add(b, " AND %s", d->lo);
    if (with_hi && d->hi[0])
        srv__list_sb_add(b, " AND %s", d->hi);
}

/* Entries of one driver's index in its range, stopping at `bound`. */
long srv__list_count_driver(sqlite3 *r, const struct page *p, const struct driver *d, long bound)
{
    struct sbuf b = {0};
    long n;

    if (d->text)
        srv__list_sb_add(
            &b, "SELECT count(*) FROM (SELECT 1 FROM %s WHERE %s MATCH :tmatch LIMIT :lim)",
            d->index, d->index);
    else if (d->fts)
        srv__list_sb_add(
            &b, "SELECT count(*) FROM (SELECT 1 FROM contracts_fts WHERE contracts_fts MATCH "
                ":match LIMIT :lim)");
    else {
        srv__list_sb_add(&b, "SELECT count(*) FROM (SELECT 1 FROM contracts INDEXED BY %s WHERE 1",
                         d->index);
        srv__list_where_terms(&b, d, 1, 1);
        srv__list_sb_add(&b, " LIMIT :lim)");
    }
    n = query_long(r, p, b.s, bound);
    free(b.s);
    return n;
}

/* How a driver that does not yield the sort order is read. */
enum srv_list_plan srv__list_seek_plan(const struct driver *d)
{
    return d->text ? SRV_LIST_TEXT : d->fts ? SRV_LIST_FTS : SRV_LIST_SEEK;
}

/* isqrt(need * rows) within [MIN_BOUND, MAX_BOUND], for any rowid: the
 * product is never formed when it could pass MAX_BOUND^2 (a contract
 * with a hand-made rowid near 2^63 in a restored file overflowed it), and
 * the root is found by halving, not by counting up to it. */
long srv__list_bound(long need, long rows)
{
    long lo = MIN_BOUND, hi = MAX_BOUND;

    if (need < 1 || rows < 1)
        return MIN_BOUND;
    if (rows > (long)MAX_BOUND * MAX_BOUND / need) /* then need * rows > MAX_BOUND^2 */
        return MAX_BOUND;
    if (need * rows < lo * lo)
        return MIN_BOUND;
    while (lo < hi) { /* the largest x in [lo, hi] with x * x <= need * rows */
        long mid = lo + (hi - lo + 1) / 2;
        if (mid * mid <= need * rows)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

/* RANGE reads a date index's range without the rows (index only): this
 * many of its entries cost about one row read (measured: 44,500 entries
 * put in number order in 6-9 ms, a row read 2-3 us).  It is tried on
 * ranges of up to RANGE_BOUNDS bounds: counting further costs more than
 * the walk's budget it would save. */
#define INDEX_ENTRIES_PER_ROW 16
#define RANGE_BOUNDS 8

/*
 * Sorted by number, a date range can be put in order from its index alone
 * (schema_ranges.h): RANGE costs count / INDEX_ENTRIES_PER_ROW + the page's
 * rows, a cost that is known, where a walk's estimate takes the range as
 * independent of the number order — and numbers begin with the start year,
 * so a walk in number order can read hundreds of thousands of rows before
 * the range's first.  RANGE is taken when it costs less than the plan
 * chosen so far, or when that is a walk that may run for its whole budget
 * (BUDGET_BOUNDS bounds) before it knows.  The range is counted on to
 * RANGE_BOUNDS bounds (index only) when the first count stopped at the
 * bound.
 */
static int choose_range(sqlite3 *r, struct page *p, long bound, long best_cost)
{
    long need = p->a->limit + 1, cost, worst;
    struct driver *cov = NULL;

    for (int i = 0; i < p->ndrivers; i++)
        if (p->drivers[i].covers && (!cov || p->drivers[i].count < cov->count))
            cov = &p->drivers[i];
    if (!cov)
        return 0;
    /* a walk reads at most its budget, or its index's range if it is one
     * that holds fewer entries than the bound */
    worst = BUDGET_BOUNDS * bound;
    if (p->plan == SRV_LIST_WALK && p->drv && p->drv->count < bound)
        worst = p->drv->count;
    if (p->plan != SRV_LIST_WALK)
        worst = best_cost;
    if (cov->count >= bound) {
        if (worst <= bound / INDEX_ENTRIES_PER_ROW + need)
            return 0;
        if ((cov->count = srv__list_count_driver(r, p, cov, RANGE_BOUNDS * bound)) < 0)
            return -1;
        if (cov->count >= RANGE_BOUNDS * bound)
            return 0;
    }
    cost = cov->count / INDEX_ENTRIES_PER_ROW + need;
    if (cost < worst) {
        p->drv = cov;
        p->plan = SRV_LIST_RANGE;
        p->range_k = need;
        p->range_n = cov->count;
    }
    return 0;
}

/*
 * q's hits counted to the bound (the search index's driver), their rowids
 * kept as a JSON array when they are fewer (p->qrids): a walk that keeps
 * the hits' ids (choose_qids) lists them from there instead of asking
 * FTS5 again (7-13 ms for two prefix words at a million rows).  -1 on
 * error.
 */
static long count_q_hits(sqlite3 *r, struct page *p, long bound)
{
    sqlite3_stmt *st = NULL;
    long n = 0, cap = 0;
    int64_t *rids = NULL;
    int rc = sqlite3_prepare_v2(
        r, "SELECT rowid FROM contracts_fts WHERE contracts_fts MATCH :match LIMIT :lim", -1, &st,
        NULL);

    free(p->qrids);
    p->qrids = NULL;
    if (rc == SQLITE_OK) {
        srv__list_bind_all(st, p, bound);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            if (n == cap) {
                int64_t *more = realloc(rids, (size_t)(cap = cap ? 2 * cap : 256) * sizeof(*rids));
                if (!more) {
                    srv__log_error("fatal: out of memory", NULL);
                    abort();
                }
                rids = more;
            }
            rids[n++] = sqlite3_column_int64(st, 0);
        }
    }
    if (rc != SQLITE_DONE) {
        srv__log_error("db: list planning failed", sqlite3_errmsg(r));
        n = -1;
    }
    sqlite3_finalize(st);
    /* the list only under the bound (a common word's thousands are not
     * written out), each rowid without printf: 7,000 of them cost 1 ms */
    if (n >= 0 && n < bound) {
        char *s = malloc((size_t)n * 21 + 3), *o = s;
        if (!s) {
            srv__log_error("fatal: out of memory", NULL);
            abort();
        }
        *o++ = '[';
        for (long i = 0; i < n; i++) {
            char digits[20];
            int k = 0;
            uint64_t v = rids[i] < 0 ? 0 - (uint64_t)rids[i] : (uint64_t)rids[i];
            if (i > 0)
                *o++ = ',';
            if (rids[i] < 0)
                *o++ = '-';
            do
                digits[k++] = (char)('0' + v % 10);
            while ((v /= 10) > 0);
            while (k > 0)
                *o++ = digits[--k];
        }
        *o++ = ']';
        *o = '\0';
        p->qrids = s;
    }
    free(rids);
    return n;
}

/* Hits whose ids a walk looks up in the map cost about one row read for
 * this many (an index seek each, no table row). */
#define QIDS_PER_ROW 4

/*
 * q with a sort key and fewer hits than the bound: a walk of the sort
 * index (or of a filter's index in the same order, in its range) that
 * keeps the entries whose id is among the hits' ids, listed
 * once (each hit's id from the map: one seek) — the entries it passes over
 * are not read as rows.  Reading the hits' rows and sorting them (FTS)
 * costs a row read and a seek by id per hit, whatever the page: for 5,101
 * hits of "hooli cluj" by end date, 47 ms where this walk takes ~20
 * (bench/RESULTS.md).  The walk costs the entries it passes
 * (INDEX_ENTRIES_PER_ROW to a row), the hits' ids and the page's rows; it
 * is taken when that is the cheapest plan so far.
 */
static void choose_qids(struct page *p, long rows, long bound, long *best_cost)
{
    const struct driver *q = NULL;
    struct driver *ord = NULL;
    long need = p->a->limit + 1, m = bound, entries, cost;

    for (int i = 0; i < p->ndrivers; i++) {
        struct driver *d = &p->drivers[i];
        if (d->fts && !d->text)
            q = d;
        if (d->ordered && (!ord || d->count < ord->count))
            ord = d;
        if (d->count < m)
            m = d->count;
    }
    if (!q || p->sort == PACTA_SORT_RELEVANCE)
        return;
    m = m > 0 ? m : 1;
    /* the entries passed: the sort index's, or only the range of a filter
     * index in the sort order, which the walk then reads (an end date range
     * or the lifecycle's window by end date: walked from the top of the
     * whole index, "Expiring" by end date, descending, passed the 586,585
     * entries after the window first, 321 ms at a million) */
    entries = need * (rows / m);
    if (ord) {
        long c = ord->count >= bound ? rows : ord->count;
        entries = need * c / m < c ? need * c / m : c;
    }
    if (forced_plan != SRV_LIST_FORCE_QIDS) {
        if (forced_plan != SRV_LIST_AUTO || q->count >= bound || q->count == 0)
            return;
        cost = entries / INDEX_ENTRIES_PER_ROW + q->count / QIDS_PER_ROW + need;
        if (cost >= *best_cost)
            return;
        *best_cost = cost;
    }
    p->plan = SRV_LIST_WALK;
    p->drv = ord;
    p->qids = 1;
}

/*
 * Chooses the plan of a page (see the top of this file).  Costs are rows
 * read.  A count that reached the bound stands for "at least the bound":
 * walked, such a filter is taken to match every row.
 */
static int plan_page(sqlite3 *r, struct page *p)
{
    long rows, bound, m, best_cost, need = p->a->limit + 1;
    const struct driver *narrowest = NULL;

    /* planned afresh (again after a q probe that ran out) */
    p->plan = SRV_LIST_WALK;
    p->drv = p->fallback = NULL;
    p->qids = 0;
    p->ndrivers = 0;
    p->bound = p->range_k = p->range_n = 0;
    if (p->sort == PACTA_SORT_RELEVANCE) {
        /* the first hits ranked: the offset and four pages (most hits
         * are live rows), widened when the filters keep fewer; their
         * count is not known yet */
        p->plan = SRV_LIST_RANKED;
        p->range_k = p->offset + 4 * need;
        p->range_n = -1;
        return 0;
    }
    find_drivers(p);
    if (p->ndrivers == 0)
        return 0;
    rows = query_long(r, p, "SELECT coalesce(max(rowid), 0) FROM contracts", 0);
    if (rows < 0)
        return -1;
    rows = rows < 1 ? 1 : rows;
    bound = srv__list_bound(need, rows);
    m = bound;
    for (int i = 0; i < p->ndrivers; i++) {
        struct driver *d = &p->drivers[i];
        d->count =
            d->fts && !d->text ? count_q_hits(r, p, bound) : srv__list_count_driver(r, p, d, bound);
        if (d->count < 0)
            return -1;
        m = d->count < m ? d->count : m;
        if (!d->ordered && (!narrowest || d->count < narrowest->count))
            narrowest = d;
    }
    if (forced_plan == SRV_LIST_FORCE_SEEK && narrowest) {
        p->drv = narrowest;
        p->plan = srv__list_seek_plan(narrowest);
        if (p->sort == PACTA_SORT_NUMBER && narrowest->covers) {
            p->plan = SRV_LIST_RANGE;
            p->range_k = need;
            p->range_n = narrowest->count < bound ? narrowest->count : rows;
        }
        return 0;
    }
    /* the plain sort index: about page / density rows; a filter index in
     * the same order reads a part of it, so it wins a tie */
    best_cost = need * (rows / (m > 0 ? m : 1)) + 1;
    for (int i = 0; i < p->ndrivers; i++) {
        const struct driver *d = &p->drivers[i];
        long c = d->count >= bound ? rows : d->count, cost;

        if (d->ordered) {
            cost = m > 0 ? need * c / m : 0;
            cost = cost < c ? cost : c;
        } else if (d->count < bound && forced_plan != SRV_LIST_FORCE_WALK &&
                   forced_plan != SRV_LIST_FORCE_FALLBACK) {
            cost = c + c / 2; /* and the sort */
        } else {
            continue;
        }
        if (cost < best_cost ||
            (cost == best_cost && d->ordered && (!p->drv || !p->drv->ordered))) {
            best_cost = cost;
            p->drv = d;
        }
    }
    if (p->drv)
        p->plan = p->drv->ordered ? SRV_LIST_WALK : srv__list_seek_plan(p->drv);
    choose_qids(p, rows, bound, &best_cost);
    if (p->sort == PACTA_SORT_NUMBER && forced_plan == SRV_LIST_AUTO &&
        choose_range(r, p, bound, best_cost) != 0)
        return -1;
    /* the estimate takes the filters as independent of the sort order; when
     * they are not (contract numbers by year, a date range), a walk can
     * read far more than it expected: it then gets a budget */
    if (p->plan == SRV_LIST_WALK && narrowest && (!narrowest->fts || narrowest->text) &&
        (forced_plan == SRV_LIST_AUTO || forced_plan == SRV_LIST_FORCE_FALLBACK)) {
        p->fallback = narrowest;
        p->bound = bound;
    }
    return 0;
}

void srv__list_plan_text_top(struct page *p)
{
    p->text_top = p->plan == SRV_LIST_TEXT && p->sd->stored;
    if (p->text_top) {
        /* four pages, as a ranked page's first try */
        p->range_k = 4 * (long)(p->a->limit + 1);
        p->range_n = -1;
    }
}

int srv__list_choose_plan(sqlite3 *r, struct page *p)
{
    p->text_top = 0;
    if (plan_page(r, p) != 0)
        return -1;
    srv__list_plan_text_top(p);
    return 0;
}
