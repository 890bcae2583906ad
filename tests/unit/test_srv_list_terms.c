/*
 * contracts.list `q` with whole words where the search index allows
 * (db_list_terms.c): a word whose last token begins no term but itself is
 * searched as that term, not as a prefix.
 *
 * The query text for words that other terms extend, that none extends,
 * that are absent, without tokens, with quotes, accents, punctuation, a
 * token too long to check; the prefix query itself without the terms table
 * or without the search index; the same hits with the same bm25 scores
 * (to the last bit) as the prefix query for every query, before and after
 * an edit adds a term that extends a whole word and a delete; pactad's
 * readers have the table; listings use the whole words only when the
 * search index is read (a ranked page, not a q probe that fills its page).
 */
#include <stdio.h>

#include "db_list.h"
#include "db_list-private.h"
#include "db_list_terms.h"
#include "test_srv_db_util.h"

static const char *const queries[] = {
    "clean",  "cleaning",   "CLEANING",   "cleanco",   "asociatia", "ASOCIAȚIA", "asociații",
    "c-2026", "c-2026-0",   "c-2026-001", "lift esc",  "esc lift",  "escalator", "indexation",
    "-",      "- clean",    "\"",         "\"brite\"", "a b",       "of the",    "weekly st",
    "nosuch", "x",          "Înt",        "intr",      "șc",        "școală",    "2",
    "stairs", "  ",         "otis lift",  "alpha",     "alpha1",    "alphab",    "c-2026-00",
    "f-1",    "clean lift", "clea supp",
};

static json_t *contract(const char *number, const char *title, const char *counterparty,
                        const char *description)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "number", number, "title", title,
                     "counterparty", counterparty, "kind", "client", "currency", "EUR",
                     "description", description, "end_date", "2027-01-31", "status", "active");
}

static json_t *rows[8];

static void fixture(struct tdb *t)
{
    static const struct {
        const char *number, *title, *counterparty, *description;
    } defs[] = {
        {"C-2026-001", "Office cleaning", "Brite Services SRL", ""},
        {"C-2026-002", "Maintenance", "Asociația de proprietari Nr. 5",
         "Cleaning of the stairs, weekly"},
        {"X-77", "Cleaning supplies", "Cleanco", "cleaning cleaning"},
        {"C-2020-010", "Întreținere lift", "Otis", "a b c"},
        {"D-1", "Escalator", "Schindler \"Lift\"", "lift escalator"},
        {"D-2", "Școală", "Primăria", "weekly stairs"},
    };
    for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++) {
        rows[i] = t_create(
            t, "admin",
            contract(defs[i].number, defs[i].title, defs[i].counterparty, defs[i].description));
        REQUIRE(rows[i]);
    }
    /* a supplement's reason is indexed too */
    struct srv_write *w =
        t_write(t, SRV_W_CONTRACT_UPDATE, "admin",
                json_pack("{s:s, s:I, s:{s:I}, s:s}", "id", t_str(rows[0], "id"), "version",
                          t_int(rows[0], "version"), "changes", "amount_cents", (json_int_t)500,
                          "reason", "price indexation Ianuarie"));
    REQUIRE(w->code == PACTA_OK);
    srv_write_free(w);
    /* twenty terms that begin with "alpha" */
    json_decref(t_create(t, "admin",
                         contract("G-1", "Many", "Alphabet SRL",
                                  "alpha01 alpha02 alpha03 alpha04 alpha05 alpha06 alpha07 "
                                  "alpha08 alpha09 alpha10 alpha11 alpha12 alpha13 alpha14 "
                                  "alpha15 alpha16 alpha17 alpha18 alpha19 alpha20")));
    for (int i = 0; i < 80; i++) {
        char number[16];
        snprintf(number, sizeof(number), "F-%02d", i);
        json_decref(t_create(
            t, "admin",
            contract(number, i % 2 ? "Cleaning" : "Paper", "Filler SRL", "contract stairs")));
    }
}

/* The query text: whole words where no other term begins with the word. */
static void test_query_text(struct tdb *t)
{
    static const struct {
        const char *q, *want;
        int prefixes;
    } cases[] = {
        {"clean", "\"clean\"*", 1},           /* cleaning, cleanco */
        {"cleaning", "\"cleaning\"", 0},      /* whole */
        {"CLEANING", "\"CLEANING\"", 0},      /* folded as the index folds */
        {"cleanco", "\"cleanco\"", 0},        /* whole */
        {"asociații", "\"asociații\"", 0},    /* accents removed: asociatii */
        {"ASOCIAȚIA", "\"ASOCIAȚIA\"", 0},    /* asociatia */
        {"lift esc", "\"lift\" \"esc\"*", 1}, /* lift whole, esc begins escalator */
        {"c-2026", "\"c-2026\"", 0},          /* c 2026: no term begins with 2026 but itself */
        {"c-2026-0", "\"c-2026-0\"*", 1},     /* 0 begins 001, 002 */
        {"c-2026-001", "\"c-2026-001\"", 0},  /* 001 */
        {"nosuch", "\"nosuch\"", 0},          /* no term: nothing either way */
        {"Înt", "\"Înt\"*", 1},               /* intretinere */
        {"-", "\"-\"*", 0},                   /* no token: as it was, and free */
        {"- cleaning", "\"-\"* \"cleaning\"", 0},
        {"\"brite\"", "\"\"\"brite\"\"\"", 0},                  /* quotes doubled */
        {"\"", "\"\"\"\"*", 0},                                 /* a quote alone: no token */
        {"  ", "\"\"", 0},                                      /* no word */
        {"ianuarie\u00a0stairs", "\"ianuarie\" \"stairs\"", 0}, /* a no-break space */
    };
    sqlite3 *r = srv_db_reader_acquire(t->db);
    long made0 = srv__list_terms_exact();

    REQUIRE(sqlite3_exec(r, "BEGIN", NULL, NULL, NULL) == SQLITE_OK);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int pre = -1;
        char *got = srv__list_terms_query(r, cases[i].q, &pre);
        CHECKF(strcmp(got, cases[i].want) == 0 && pre == cases[i].prefixes,
               "q \"%s\": %s (%d prefixes), want %s (%d)", cases[i].q, got, pre, cases[i].want,
               cases[i].prefixes);
        free(got);
    }
    /* a token longer than the check holds stays a prefix */
    char longq[400];
    memset(longq, 'z', sizeof(longq) - 1);
    longq[sizeof(longq) - 1] = '\0';
    int pre = -1;
    char *got = srv__list_terms_query(r, longq, &pre), *plain = srv__list_fts_query(longq);
    CHECK(strcmp(got, plain) == 0 && pre == 1);
    free(got);
    free(plain);
    REQUIRE(sqlite3_exec(r, "COMMIT", NULL, NULL, NULL) == SQLITE_OK);
    /* cleaning, CLEANING, cleanco, asociații, ASOCIAȚIA, lift, c-2026,
     * c-2026-001, nosuch, cleaning, brite, ianuarie, stairs */
    CHECKF(srv__list_terms_exact() - made0 == 13, "%ld words made whole",
           srv__list_terms_exact() - made0);
    srv_db_reader_release(t->db, r);
}

/* For a page that does not rank: a word that a few terms extend is their
 * OR; more than 16 stay a prefix; the words AND-ed. */
static void test_set_text(struct tdb *t)
{
    static const struct {
        const char *q, *want;
        int prefixes;
    } cases[] = {
        {"cleaning", "\"cleaning\"", 0},
        {"clean", "(\"cleanco\" OR \"cleaning\")", 1},
        {"CLEAN lift", "(\"cleanco\" OR \"cleaning\") AND \"lift\"", 1},
        {"esc", "\"escalator\"", 1}, /* one term, not the word itself */
        {"Înt", "\"intretinere\"", 1},
        {"c-2026-00", "(\"c 2026 00\" OR \"c 2026 001\" OR \"c 2026 002\")", 1},
        {"alphab", "\"alphabet\"", 1},
        {"alpha1",
         "(\"alpha10\" OR \"alpha11\" OR \"alpha12\" OR \"alpha13\" OR \"alpha14\" OR "
         "\"alpha15\" OR \"alpha16\" OR \"alpha17\" OR \"alpha18\" OR \"alpha19\")",
         1},
        {"alpha", "\"alpha\"*", 1}, /* alphabet and alpha01..20: more than 16 */
        {"nosuch", "\"nosuch\"", 0},
        {"- cleaning", "\"cleaning\"", 0}, /* a word without tokens is left out */
        {"-", "\"-\"*", 0},                /* nothing else: as srv__list_fts_query */
    };
    sqlite3 *r = srv_db_reader_acquire(t->db);
    long listed0 = srv__list_terms_listed();

    REQUIRE(sqlite3_exec(r, "BEGIN", NULL, NULL, NULL) == SQLITE_OK);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int pre = -1;
        char *got = srv__list_terms_set_query(r, cases[i].q, &pre);
        CHECKF(strcmp(got, cases[i].want) == 0 && pre == cases[i].prefixes,
               "set, q \"%s\": %s (%d), want %s (%d)", cases[i].q, got, pre, cases[i].want,
               cases[i].prefixes);
        free(got);
    }
    REQUIRE(sqlite3_exec(r, "COMMIT", NULL, NULL, NULL) == SQLITE_OK);
    /* clean, CLEAN, esc, Înt, c-2026-00, alphab, alpha1 */
    CHECKF(srv__list_terms_listed() - listed0 == 7, "%ld listed",
           srv__list_terms_listed() - listed0);
    srv_db_reader_release(t->db, r);
}

/* Without the terms table, or without a search index: the prefix query. */
static void test_plain(struct tdb *t)
{
    sqlite3 *c = NULL, *m = NULL;

    REQUIRE(sqlite3_open_v2(t->path, &c, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
        int pre = -1;
        char *got = srv__list_terms_query(c, queries[i], &pre),
             *plain = srv__list_fts_query(queries[i]);
        CHECKF(strcmp(got, plain) == 0 && pre >= 0, "no table, q \"%s\": %s, want %s", queries[i],
               got, plain);
        free(got);
        free(plain);
    }
    /* then every word with tokens is a prefix */
    static const struct {
        const char *q;
        int prefixes;
    } counted[] = {{"lift esc", 2}, {"-", 0},  {"- cleaning", 1},
                   {"\"", 0},       {"  ", 0}, {"c-2026-001 x", 2}};
    for (size_t i = 0; i < sizeof(counted) / sizeof(counted[0]); i++) {
        int pre = -1;
        free(srv__list_terms_query(c, counted[i].q, &pre));
        CHECKF(pre == counted[i].prefixes, "no table, q \"%s\": %d prefixes, want %d", counted[i].q,
               pre, counted[i].prefixes);
    }
    sqlite3_close(c);
    /* the table made, but nothing to read it from: every read fails */
    REQUIRE(sqlite3_open(":memory:", &m) == SQLITE_OK);
    CHECK(srv__list_terms_attach(m) == 0);
    CHECK(srv__list_terms_attach(m) == 0); /* again is harmless */
    int pre = -1;
    char *got = srv__list_terms_query(m, "cleaning", &pre),
         *plain = srv__list_fts_query("cleaning");
    CHECKF(strcmp(got, plain) == 0 && pre == 1, "no index: %s %d", got, pre);
    free(got);
    free(plain);
    sqlite3_close(m);
}

/* Every hit with its bm25 score (%.17g: to the last bit), in rank order. */
static char *hits(sqlite3 *r, const char *match)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 64 * 1024, o = 0;
    char *out = malloc(cap);

    REQUIRE(out);
    out[0] = '\0';
    REQUIRE(sqlite3_prepare_v2(r,
                               "SELECT rowid, bm25(contracts_fts, 0, 10, 5, 3, 1, 1) AS s"
                               " FROM contracts_fts WHERE contracts_fts MATCH ?1 ORDER BY s, rowid",
                               -1, &st, NULL) == SQLITE_OK);
    sqlite3_bind_text(st, 1, match, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW && o + 64 < cap)
        o += (size_t)snprintf(out + o, cap - o, "%lld:%.17g ",
                              (long long)sqlite3_column_int64(st, 0), sqlite3_column_double(st, 1));
    sqlite3_finalize(st);
    return out;
}

/* Every hit's rowid, in rowid order. */
static char *rowids(sqlite3 *r, const char *match)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 64 * 1024, o = 0;
    char *out = malloc(cap);

    REQUIRE(out);
    out[0] = '\0';
    CHECKF(sqlite3_prepare_v2(r,
                              "SELECT rowid FROM contracts_fts WHERE contracts_fts MATCH ?1"
                              " ORDER BY rowid",
                              -1, &st, NULL) == SQLITE_OK,
           "%s: %s", match, sqlite3_errmsg(r));
    sqlite3_bind_text(st, 1, match, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && o + 32 < cap)
        o += (size_t)snprintf(out + o, cap - o, "%lld ", (long long)sqlite3_column_int64(st, 0));
    CHECKF(rc == SQLITE_DONE, "%s: %s", match, sqlite3_errmsg(r));
    sqlite3_finalize(st);
    return out;
}

/* The same hits and scores as the prefix query, for every query, and the
 * same hits for the query of a page that does not rank; returns how many
 * queries changed (had a whole word). */
static int same_hits(struct tdb *t, const char *when)
{
    sqlite3 *r = srv_db_reader_acquire(t->db);
    int changed = 0, nonempty = 0;

    for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
        REQUIRE(sqlite3_exec(r, "BEGIN", NULL, NULL, NULL) == SQLITE_OK);
        int pre;
        char *exact = srv__list_terms_query(r, queries[i], &pre),
             *plain = srv__list_fts_query(queries[i]);
        char *a = hits(r, exact), *b = hits(r, plain);
        CHECKF(strcmp(a, b) == 0, "%s, q \"%s\" (%s):\n whole  %s\n prefix %s", when, queries[i],
               exact, a, b);
        changed += strcmp(exact, plain) != 0;
        char *set = srv__list_terms_set_query(r, queries[i], &pre);
        char *c = rowids(r, set), *d = rowids(r, plain);
        CHECKF(strcmp(c, d) == 0, "%s, q \"%s\" (%s):\n set    %s\n prefix %s", when, queries[i],
               set, c, d);
        free(set);
        free(c);
        free(d);
        nonempty += b[0] != '\0';
        REQUIRE(sqlite3_exec(r, "COMMIT", NULL, NULL, NULL) == SQLITE_OK);
        free(exact);
        free(plain);
        free(a);
        free(b);
    }
    printf("%s: %d of %zu queries had a whole word, %d had hits\n", when, changed,
           sizeof(queries) / sizeof(queries[0]), nonempty);
    CHECK(nonempty > 15);
    srv_db_reader_release(t->db, r);
    return changed;
}

static void edit_title(struct tdb *t, const json_t *rec, const char *title)
{
    json_t *now = t_get(t, t_str(rec, "id"));
    struct srv_write *w =
        t_write(t, SRV_W_CONTRACT_UPDATE, "admin",
                json_pack("{s:s, s:I, s:{s:s}, s:s}", "id", t_str(now, "id"), "version",
                          t_int(now, "version"), "changes", "title", title, "reason", "renamed"));
    CHECKF(w->code == PACTA_OK, "%d %s %s", w->code, w->err.field, w->err.message);
    srv_write_free(w);
    json_decref(now);
}

static void test_same_hits(struct tdb *t)
{
    CHECK(same_hits(t, "fixture") > 10);
    /* a term that extends a whole word: "cleaning" is a prefix again and
     * finds the new term's row */
    edit_title(t, rows[5], "Cleaningservice");
    sqlite3 *r = srv_db_reader_acquire(t->db);
    REQUIRE(sqlite3_exec(r, "BEGIN", NULL, NULL, NULL) == SQLITE_OK);
    int pre;
    char *q = srv__list_terms_query(r, "cleaning", &pre);
    CHECKF(strcmp(q, "\"cleaning\"*") == 0, "%s", q);
    free(q);
    REQUIRE(sqlite3_exec(r, "COMMIT", NULL, NULL, NULL) == SQLITE_OK);
    srv_db_reader_release(t->db, r);
    same_hits(t, "after an edit");
    /* the only row with "escalator" deleted for good (no op does that; a
     * hand-typed session may): the same hits whatever the query says */
    sqlite3 *h = NULL;
    char sql[160];
    REQUIRE(sqlite3_open(t->path, &h) == SQLITE_OK);
    sqlite3_busy_timeout(h, 5000);
    snprintf(sql, sizeof(sql), "DELETE FROM contracts WHERE id = '%s'", t_str(rows[4], "id"));
    CHECKF(sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK, "%s", sqlite3_errmsg(h));
    sqlite3_close(h);
    same_hits(t, "after a delete");
}

/* A ranked page reads the index with whole words.  With a sort key, q of
 * whole words with fewer hits than the planner's bound (64 here) is
 * planned without a q probe; more hits, or a prefix, start with a probe as
 * before. */
static void test_listings(struct tdb *t)
{
    char ids[8192];
    long made0 = srv__list_terms_exact(), out0, probes0, skipped0;

    t_list_numbers(t, (struct pacta_list_args){.q = "stairs", .limit = 3}, ids, sizeof ids, 50);
    CHECKF(srv__list_terms_exact() - made0 >= 1, "%s", ids);
    CHECK(strstr(ids, "D-2") != NULL && strstr(ids, "C-2026-002") != NULL);

    /* a rare whole word by end date: no probe */
    probes0 = srv__list_probes(&out0);
    skipped0 = srv__list_probes_skipped();
    t_list_numbers(
        t, (struct pacta_list_args){.q = "ianuarie", .limit = 3, .sort = PACTA_SORT_END_DATE}, ids,
        sizeof ids, 50);
    CHECK_STR(ids, "C-2026-001");
    CHECK(srv__list_probes(NULL) == probes0 && srv__list_probes_skipped() == skipped0 + 1);

    /* a whole word in 80 rows, by number: a probe, which fills the page */
    probes0 = srv__list_probes(&out0);
    skipped0 = srv__list_probes_skipped();
    t_list_numbers(t,
                   (struct pacta_list_args){.q = "contract", .limit = 3, .sort = PACTA_SORT_NUMBER},
                   ids, sizeof ids, 1);
    CHECK(strncmp(ids, "F-00 F-01 F-02", 14) == 0);
    long out1, probes1 = srv__list_probes(&out1);
    CHECKF(probes1 == probes0 + 1 && out1 == out0 && srv__list_probes_skipped() == skipped0,
           "%ld probes, %ld ran out, %ld skipped", probes1 - probes0, out1 - out0,
           srv__list_probes_skipped() - skipped0);

    /* a prefix, rare: a probe, which runs out; then the index is read
     * with the word as its one term ("ianuarie") */
    probes0 = srv__list_probes(&out0);
    long listed0 = srv__list_terms_listed();
    t_list_numbers(t, (struct pacta_list_args){.q = "ianua", .limit = 3, .sort = PACTA_SORT_TITLE},
                   ids, sizeof ids, 50);
    CHECK_STR(ids, "C-2026-001");
    probes1 = srv__list_probes(&out1);
    CHECK(probes1 == probes0 + 1 && out1 == out0 + 1 && srv__list_probes_skipped() == skipped0);
    CHECK(srv__list_terms_listed() == listed0 + 1);
    /* ranked, the same prefix stays a prefix (BM25 scores the word) */
    listed0 = srv__list_terms_listed();
    t_list_numbers(t, (struct pacta_list_args){.q = "ianua", .limit = 3}, ids, sizeof ids, 50);
    CHECK_STR(ids, "C-2026-001");
    CHECK(srv__list_terms_listed() == listed0);
    /* a common prefix whose probe fills the page: its terms are not listed */
    t_list_numbers(t, (struct pacta_list_args){.q = "cont", .limit = 3, .sort = PACTA_SORT_NUMBER},
                   ids, sizeof ids, 1);
    CHECK(strncmp(ids, "F-00 F-01 F-02", 14) == 0);
    CHECK(srv__list_terms_listed() == listed0);
}

/* pactad's readers have the table; a write connection's table is its own. */
static void test_readers(struct tdb *t)
{
    sqlite3 *r = srv_db_reader_acquire(t->db);
    sqlite3_stmt *st = NULL;

    CHECKF(sqlite3_prepare_v2(r, "SELECT count(*) FROM temp." SRV_LIST_TERMS_TABLE, -1, &st,
                              NULL) == SQLITE_OK,
           "%s", sqlite3_errmsg(r));
    CHECK(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) > 100);
    sqlite3_finalize(st);
    /* still read-only */
    CHECK(sqlite3_exec(r, "CREATE TEMP TABLE x (a)", NULL, NULL, NULL) == SQLITE_READONLY);
    srv_db_reader_release(t->db, r);
}

int main(void)
{
    struct tdb t;

    t_open(&t);
    fixture(&t);
    test_query_text(&t);
    test_set_text(&t);
    test_plain(&t);
    test_same_hits(&t);
    test_listings(&t);
    test_readers(&t);
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        json_decref(rows[i]);
    t_close(&t);
    return t_finish();
}
