/*
 * contracts.list `q` with a sort key read by a probe (db_list.c,
 * db_list_match.c): a walk that tests q on each row in C with the search
 * index's own tokenizer, tried before the search index is asked.
 *
 * The row test agrees with FTS5 on every row for every query (accents,
 * case, prefixes, words with punctuation, words without tokens, quotes,
 * supplement reasons); listings read through a probe (AUTO), through the
 * search index (forced seek), through a walk with the hits collected in
 * SQL (forced walk) and through a walk that keeps the hits' ids (forced
 * ids) are the same pages in the same order; a common q is
 * answered by the probe, a rare one runs it out and is planned again; the
 * probe's statement reads no table in full.
 */
#include "db_list.h"
#include "db_list-private.h"
#include "test_srv_db_util.h"

static const char *const queries[] = {
    "clean",     "CLEAN",      "cle",     "asociatia", "ASOCIAȚIA", "asociații",  "c-2026",
    "2026-00",   "c-2026-001", "c-20-01", "lift esc",  "esc lift",  "indexation", "ianuarie",
    "-",         "- clean",    "\"",      "\"brite\"", "a b",       "of the",     "stairs weekly",
    "weekly st", "nosuch",     "x",       "Înt",       "intr",      "șc",         "2",
};

static json_t *contract(const char *number, const char *title, const char *counterparty,
                        const char *description, const char *end)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "number", number, "title", title,
                     "counterparty", counterparty, "kind", "client", "currency", "EUR",
                     "description", description, "end_date", end, "status", "active");
}

static void fixture(struct tdb *t)
{
    static const struct {
        const char *number, *title, *counterparty, *description, *end;
    } rows[] = {
        {"C-2026-001", "Office cleaning", "Brite Services SRL", "", "2027-01-31"},
        {"C-2026-002", "Maintenance", "Asociația de proprietari Nr. 5",
         "Cleaning of the stairs, weekly", "2026-12-31"},
        {"X-77", "Cleaning supplies", "Cleanco", "cleaning cleaning", "2027-06-30"},
        {"C-2020-010", "Întreținere lift", "Otis", "a b c", "2026-08-01"},
        {"D-1", "Escalator", "Schindler \"Lift\"", "lift escalator", "2028-01-01"},
        {"D-2", "Școală", "Primăria", "weekly stairs", "2026-09-15"},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        json_t *rec = t_create(t, "admin",
                               contract(rows[i].number, rows[i].title, rows[i].counterparty,
                                        rows[i].description, rows[i].end));
        REQUIRE(rec);
        /* an active contract's edit writes a supplement with its reason */
        if (i == 0 || i == 3) {
            struct srv_write *w = t_write(
                t, SRV_W_CONTRACT_UPDATE, "admin",
                json_pack("{s:s, s:I, s:{s:I}, s:s}", "id", t_str(rec, "id"), "version",
                          t_int(rec, "version"), "changes", "amount_cents", (json_int_t)500,
                          "reason", i == 0 ? "price indexation Ianuarie" : "lift escalator"));
            REQUIRE(w->code == PACTA_OK);
            srv_write_free(w);
        }
        json_decref(rec);
    }
    /* filler: a listing of several pages for a common word */
    for (int i = 0; i < 40; i++) {
        char number[16];
        snprintf(number, sizeof(number), "F-%02d", i);
        json_decref(t_create(t, "admin",
                             contract(number, i % 2 ? "Cleaning" : "Paper", "Filler SRL",
                                      "contract", i % 3 ? "2027-03-01" : "2026-10-10")));
    }
}

/* The row test against FTS5 itself, for every query and every row. */
static void test_row_test(struct tdb *t)
{
    sqlite3 *r = srv_db_reader_acquire(t->db);
    sqlite3_stmt *rows = NULL, *fts = NULL;
    int compared = 0, matched = 0;

    REQUIRE(sqlite3_prepare_v2(r,
                               "SELECT m.rid, c.number, c.title, c.counterparty, c.description,"
                               " f.reasons FROM contracts c JOIN contracts_fts_map m ON m.id = c.id"
                               " JOIN contracts_fts f ON f.rowid = m.rid",
                               -1, &rows, NULL) == SQLITE_OK);
    REQUIRE(sqlite3_prepare_v2(r,
                               "SELECT count(*) FROM contracts_fts WHERE contracts_fts MATCH ?1"
                               " AND rowid = ?2",
                               -1, &fts, NULL) == SQLITE_OK);
    for (size_t q = 0; q < sizeof(queries) / sizeof(queries[0]); q++) {
        struct srv_list_qmatch *m = NULL;
        char *match = srv__list_fts_query(queries[q]);

        REQUIRE(srv__list_qmatch_new(r, queries[q], &m) == 0);
        while (sqlite3_step(rows) == SQLITE_ROW) {
            const char *text[5];
            int len[5];
            for (int c = 0; c < 5; c++) {
                text[c] = (const char *)sqlite3_column_text(rows, c + 1);
                len[c] = sqlite3_column_bytes(rows, c + 1);
            }
            sqlite3_bind_text(fts, 1, match, -1, SQLITE_STATIC);
            sqlite3_bind_int64(fts, 2, sqlite3_column_int64(rows, 0));
            REQUIRE(sqlite3_step(fts) == SQLITE_ROW);
            int want = sqlite3_column_int(fts, 0), got = srv__list_qmatch_row(m, text, len, 5);
            sqlite3_reset(fts);
            CHECKF(got == want, "q \"%s\", %s: row test %d, FTS5 %d", queries[q], text[0], got,
                   want);
            compared++;
            matched += want;
        }
        sqlite3_reset(rows);
        srv__list_qmatch_free(m);
        free(match);
    }
    printf("%d rows x queries compared, %d matches\n", compared, matched);
    CHECK(matched > 100 && matched < compared);
    sqlite3_finalize(rows);
    sqlite3_finalize(fts);
    srv_db_reader_release(t->db, r);
}

/* Every page of a listing; the ids in order, space-separated. */
static char *walk(struct tdb *t, struct pacta_list_args a)
{
    size_t cap = 64 * 1024;
    char *ids = malloc(cap);
    t_list_numbers(t, a, ids, cap, 200);
    return ids;
}

/* The same pages whichever way q is tested. */
static void test_listings(struct tdb *t)
{
    static const struct pacta_list_args shapes[] = {
        {.limit = 3, .sort = PACTA_SORT_NUMBER},
        {.limit = 2, .sort = PACTA_SORT_END_DATE, .desc = 1},
        {.limit = 500, .sort = PACTA_SORT_TITLE},
        {.limit = 4, .sort = PACTA_SORT_UPDATED_AT, .status = "active"},
        {.limit = 3, .sort = PACTA_SORT_NUMBER, .end_from = "2027-01-01"},
    };
    long out0, probes0 = srv__list_probes(&out0), out1, auto_qids = 0;

    for (size_t q = 0; q < sizeof(queries) / sizeof(queries[0]); q++)
        for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
            struct pacta_list_args a = shapes[s];
            char *probe, *seek, *walked, *qids;

            a.q = queries[q];
            long qids0 = srv__list_qids_walks();
            srv__list_force(SRV_LIST_AUTO);
            probe = walk(t, a);
            auto_qids += srv__list_qids_walks() - qids0;
            srv__list_force(SRV_LIST_FORCE_SEEK);
            seek = walk(t, a);
            srv__list_force(SRV_LIST_FORCE_WALK);
            walked = walk(t, a);
            srv__list_force(SRV_LIST_FORCE_QIDS);
            qids = walk(t, a);
            CHECKF(strcmp(probe, seek) == 0 && strcmp(seek, walked) == 0 &&
                       strcmp(walked, qids) == 0,
                   "q \"%s\", shape %zu:\n probe %s\n seek  %s\n walk  %s\n ids   %s", queries[q],
                   s, probe, seek, walked, qids);
            free(probe);
            free(seek);
            free(walked);
            free(qids);
        }
    srv__list_force(SRV_LIST_AUTO);
    long probes = srv__list_probes(&out1) - probes0;
    out1 -= out0;
    printf("%ld probes, %ld ran out, %ld pages walked by the hits' ids\n", probes, out1, auto_qids);
    /* common words were answered by a probe, rare ones ran it out; some of
     * those were then walked keeping the hits by id */
    CHECK(probes > 50 && out1 > 0 && out1 < probes);
    CHECK(auto_qids > 0);
}

/* A probe's statement: the sort index walked, each row's reasons read by
 * the search index's rowid, no table read in full; planned again after it
 * ran out. */
static void test_plans(struct tdb *t)
{
    sqlite3 *r = srv_db_reader_acquire(t->db);
    struct pacta_list_args a = {.q = "clean", .sort = PACTA_SORT_END_DATE, .limit = 2};
    struct srv_list_explain e;
    struct pacta_error err;

    REQUIRE(srv__list_explain(r, &a, &e, &err) == 0);
    CHECKF(e.probe && e.plan == SRV_LIST_WALK && strcmp(e.index, "contracts_end") == 0 &&
               strstr(e.detail, "SCAN contracts USING INDEX contracts_end") &&
               strstr(e.detail, "SEARCH contracts_fts_map USING PRIMARY KEY (id=?)") &&
               strstr(e.detail, "VIRTUAL TABLE INDEX 0:=") && !strstr(e.detail, "MATCH"),
           "%s", e.detail);
    srv__list_explain_clear(&e);
    /* a narrow other filter seeks: no probe */
    a.owner = "nosuchuser";
    REQUIRE(srv__list_explain(r, &a, &e, &err) == 0);
    CHECKF(!e.probe && e.plan != SRV_LIST_WALK, "%s %s", srv__list_plan_name(e.plan), e.detail);
    srv__list_explain_clear(&e);
    /* relevance never probes */
    a = (struct pacta_list_args){.q = "clean", .limit = 2};
    REQUIRE(srv__list_explain(r, &a, &e, &err) == 0);
    CHECK(!e.probe && e.plan == SRV_LIST_RANKED);
    srv__list_explain_clear(&e);
    srv_db_reader_release(t->db, r);
}

int main(void)
{
    struct tdb t;

    t_open(&t);
    fixture(&t);
    test_row_test(&t);
    test_listings(&t);
    test_plans(&t);
    t_close(&t);
    return t_finish();
}
