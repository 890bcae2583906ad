/*
 * contracts.list's plans (db_list_plan.c) on test_srv_list's contracts: the
 * planner picks a seek for a narrow filter and a walk for a broad one;
 * EXPLAIN QUERY PLAN of the statements it builds never shows a full table
 * scan, a walk with a cursor seeks with it, and a walk in a date's order
 * starts at the page's range of that date.  That every plan gives the same
 * rows: test_srv_list.c, test_srv_list_mix.c.
 */

#include "test_srv_list_fixture.h"

/* ---- plans ---------------------------------------------------------------- */

static struct srv_list_explain explain(struct tdb *t, const struct pacta_list_args *a)
{
    sqlite3 *r = srv_db_reader_acquire(t->db);
    struct srv_list_explain e;
    struct pacta_error err;

    CHECKF(srv__list_explain(r, a, &e, &err) == 0, "%s", err.message);
    srv_db_reader_release(t->db, r);
    return e;
}

/* The planner's choices where they are clear-cut. */
static void test_plan_choice(struct tdb *t)
{
    struct {
        struct pacta_list_args a;
        enum srv_list_plan plan;
        const char *index;
    } cases[] = {
        {{.owner = "rare", .sort = PACTA_SORT_TITLE}, SRV_LIST_SEEK, "contracts_owner"},
        {{.status = "active", .sort = PACTA_SORT_TITLE}, SRV_LIST_WALK, "contracts_title"},
        {{.lifecycle = "expiring", .sort = PACTA_SORT_END_DATE}, SRV_LIST_WALK, "contracts_end"},
        {{.owner = "rare"}, SRV_LIST_WALK, "contracts_owner"},
        {{.currency = "EUR", .sort = PACTA_SORT_AMOUNT, .desc = 1},
         SRV_LIST_WALK,
         "contracts_currency"},
        /* q with a sort key: first a walk testing q on its rows (a probe),
         * unless q is whole words (no other term extends them) with fewer
         * hits than the bound: none here, so the search index */
        {{.q = "alph", .sort = PACTA_SORT_END_DATE}, SRV_LIST_WALK, "contracts_end"},
        {{.q = "nosuchword", .sort = PACTA_SORT_END_DATE}, SRV_LIST_FTS, "contracts_fts"},
        {{.q = "alpha"}, SRV_LIST_RANKED, ""},
        {{.sort = PACTA_SORT_UPDATED_AT, .desc = 1}, SRV_LIST_WALK, "contracts_updated"},
        /* a rare substring: its trigrams; under 3 characters: the short
         * index (one token) */
        {{.text = "R-1", .sort = PACTA_SORT_TITLE}, SRV_LIST_TEXT, "contracts_text"},
        {{.text = "zu"}, SRV_LIST_TEXT, "contracts_short"},
        {{.text = "#", .sort = PACTA_SORT_END_DATE}, SRV_LIST_TEXT, "contracts_short"},
        {{.text = "R-1", .q = "nosuchword"}, SRV_LIST_RANKED, ""},
        /* a date range by number: put in order from its index alone */
        {{.end_from = "2026-05-01", .end_to = "2026-12-31"}, SRV_LIST_RANGE, "contracts_end"},
        {{.start_to = "2026-01-01", .kind = "client"}, SRV_LIST_RANGE, "contracts_start"},
        {{.lifecycle = "upcoming"}, SRV_LIST_RANGE, "contracts_start"},
        {{.end_from = "2026-05-01", .sort = PACTA_SORT_TITLE}, SRV_LIST_WALK, "contracts_title"},
        /* several broad filters that few rows meet together: their index */
        {{.owner = "ana", .kind = "client", .currency = "EUR", .sort = PACTA_SORT_TITLE},
         SRV_LIST_SEEK,
         "contracts_combo"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct pacta_list_args a = cases[i].a;
        a.limit = 4;
        struct srv_list_explain e = explain(t, &a);
        CHECKF(e.plan == cases[i].plan && strcmp(e.index, cases[i].index) == 0,
               "case %zu: %s %s, want %s %s (%s)", i, srv__list_plan_name(e.plan), e.index,
               srv__list_plan_name(cases[i].plan), cases[i].index, e.detail);
        srv__list_explain_clear(&e);
    }
}

/*
 * No full table scan for the common filters and sorts, under every plan,
 * on a first page and on a later one; a walk with a cursor seeks with the
 * cursor's row value instead of reading from the start.
 */
static void test_no_table_scan(struct tdb *t)
{
    static const struct pacta_list_args filters[] = {
        {0},
        {.status = "active"},
        {.owner = "ana"},
        {.kind = "client"},
        {.lifecycle = "expiring"},
        {.lifecycle = "upcoming"},
        {.lifecycle = "expired"},
        {.end_from = "2026-01-01", .end_to = "2026-12-31"},
        {.sign_from = "2025-01-01", .kind = "client"},
        {.lifecycle = "unknown", .include_deleted = 1},
        {.currency = "EUR", .has_amount_min = 1, .amount_min = 1000},
        {.text = "alpha"},
        {.text = "R-1"},
        {.text = "R-1", .owner = "ana", .q = "alpha"},
        {.text = "zu"},
        {.text = "e"},
        {.text = "É", .owner = "ana"},
        {.q = "alpha"},
        {.owner = "bob", .status = "active", .lifecycle = "active"},
        {.owner = "ana", .lifecycle = "expiring"},
        {.kind = "client", .currency = "RON", .owner = "bob", .lifecycle = "upcoming"},
        {.q = "alpha", .lifecycle = "expiring"},
        {.q = "alpha", .lifecycle = "active"},
        {.q = "alpha", .end_from = "2026-01-01", .end_to = "2026-12-31"},
        {.status = "active", .lifecycle = "expiring"},
        {.status = "draft", .lifecycle = "upcoming"},
        {.status = "active", .start_from = "2026-01-01"},
    };
    static const enum srv_list_force forces[] = {SRV_LIST_AUTO, SRV_LIST_FORCE_WALK,
                                                 SRV_LIST_FORCE_SEEK, SRV_LIST_FORCE_QIDS};
    sqlite3 *r = srv_db_reader_acquire(t->db);

    for (size_t f = 0; f < sizeof(filters) / sizeof(filters[0]); f++)
        for (int s = PACTA_SORT_DEFAULT; s < PACTA_SORT__COUNT; s++)
            for (int desc = 0; desc < 2; desc++)
                for (size_t fo = 0; fo < sizeof(forces) / sizeof(forces[0]); fo++) {
                    struct pacta_list_args a = filters[f];
                    struct pacta_error err;
                    json_t *first = NULL;

                    if ((s == PACTA_SORT_RELEVANCE && !a.q) ||
                        (desc && (s == PACTA_SORT_RELEVANCE || (!s && a.q))))
                        continue;
                    a.sort = (enum pacta_list_sort)s;
                    a.desc = desc;
                    a.limit = 1;
                    srv__list_force(forces[fo]);
                    REQUIRE(srv_db_read_contracts(r, &a, &first, &err) == 0);
                    for (int later = 0; later < 2; later++) {
                        struct srv_list_explain e;
                        a.cursor = later ? t_str(first, "next_cursor") : NULL;
                        if (later && !a.cursor)
                            continue;
                        REQUIRE(srv__list_explain(r, &a, &e, &err) == 0);
                        for (const char *p = strstr(e.detail, "SCAN contracts"); p;
                             p = strstr(p + 1, "SCAN contracts"))
                            CHECKF(p[14] == '_' || strncmp(p + 14, " USING ", 7) == 0,
                                   "full scan: %s\n  %s", e.detail, e.sql);
                        if (e.plan == SRV_LIST_WALK || e.plan == SRV_LIST_SEEK)
                            CHECKF(strstr(e.detail, e.index) != NULL, "%s lacks %s", e.detail,
                                   e.index);
                        /* the date index alone in number order, then rows
                         * by rowid */
                        if (e.plan == SRV_LIST_RANGE)
                            CHECKF(strstr(e.detail, "SEARCH contracts USING INTEGER PRIMARY KEY "
                                                    "(rowid=?)") &&
                                       strstr(e.detail, e.index) && strstr(e.detail, "key>?"),
                                   "range plan: %s", e.detail);
                        /* the trigram (or short) index's hits, their ids
                         * from the search index's stored rows (by rowid),
                         * each contract by its key; by a key the search
                         * index stores, the first hits by it before the
                         * contracts (TEXT top) */
                        char vscan[128];
                        snprintf(vscan, sizeof(vscan), "SCAN %s VIRTUAL TABLE INDEX", e.index);
                        int stored = a.sort == PACTA_SORT_DEFAULT || /* number, here */
                                     a.sort == PACTA_SORT_NUMBER || a.sort == PACTA_SORT_TITLE ||
                                     a.sort == PACTA_SORT_COUNTERPARTY;
                        if (e.plan == SRV_LIST_TEXT)
                            CHECKF(strstr(e.detail, vscan) && e.text_top == stored &&
                                       strstr(e.detail, "SEARCH fc USING INTEGER PRIMARY KEY") &&
                                       strstr(e.detail, "SEARCH contracts USING INDEX "
                                                        "sqlite_autoindex_contracts_1"),
                                   "text plan (sort %d, top %d): %s", (int)a.sort, e.text_top,
                                   e.detail);
                        if (e.plan == SRV_LIST_WALK && later)
                            CHECKF(strstr(e.detail, "id)>(?,?)") || strstr(e.detail, "id)<(?,?)"),
                                   "walk without a keyset seek: %s", e.detail);
                        /* by a date, the page's range of it (the
                         * lifecycle's too) is where a walk of that date's
                         * index or of status and that date starts, whether
                         * it tests q on its rows or keeps the hits' ids:
                         * from the top of the index it first passed every
                         * contract beyond the range */
                        const char *range_col = NULL;
                        if (a.sort == PACTA_SORT_END_DATE &&
                            (a.end_from || a.end_to ||
                             (a.lifecycle && (strcmp(a.lifecycle, "expiring") == 0 ||
                                              strcmp(a.lifecycle, "active") == 0))) &&
                            (strcmp(e.index, "contracts_end") == 0 ||
                             strcmp(e.index, "contracts_status_end") == 0))
                            range_col = "end_key";
                        if (a.sort == PACTA_SORT_START_DATE &&
                            (a.start_from || a.start_to ||
                             (a.lifecycle && strcmp(a.lifecycle, "upcoming") == 0)) &&
                            (strcmp(e.index, "contracts_start") == 0 ||
                             strcmp(e.index, "contracts_status_start") == 0))
                            range_col = "start_key";
                        if (e.plan == SRV_LIST_WALK && !later && range_col) {
                            char gt[32], lt[32];
                            snprintf(gt, sizeof gt, "%s>?", range_col);
                            snprintf(lt, sizeof lt, "%s<?", range_col);
                            CHECKF(strstr(e.detail, gt) || strstr(e.detail, lt),
                                   "walk (force %d, desc %d) without its %s range: %s\n  %s",
                                   (int)forces[fo], desc, range_col, e.detail, e.sql);
                        }
                        srv__list_explain_clear(&e);
                    }
                    json_decref(first);
                }
    srv__list_force(SRV_LIST_AUTO);
    srv_db_reader_release(t->db, r);
}

int main(void)
{
    struct tdb t;
    json_t *all;

    list_fixture_open(&t, &all);
    test_plan_choice(&t);
    test_no_table_scan(&t);
    list_fixture_close(&t, all);
    return t_finish();
}
