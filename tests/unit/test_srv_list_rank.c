/*
 * pacta_rank (db_list_rank.c), the score of ranked contracts.list pages,
 * held to SQLite's own bm25: for every hit of every query, the same
 * double to the last bit, on rows whose lengths need one-, two- and
 * three-byte varints in the docsize record (a column of 200 and of 20,000
 * tokens), a word in every row (the IDF floor), rare words, several
 * words, prefixes, phrases, OR, NOT and column filters, with the weights
 * pactad uses, fewer weights than columns and none.  A size that is NULL,
 * truncated, too short or long or not a blob falls back to FTS5's own row length
 * (the same score, and counted); a corrupt docsize row is an error, as
 * bm25's; no size argument is an error.  Through pactad's readers, a
 * ranked page over contracts with long descriptions comes in bm25's order,
 * and the cursors go on through rows of 300 and 1,200 words without a
 * skip or a repeat.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "db_list-private.h"
#include "db_list_rank.h"
#include "test_srv_db_util.h"

static const char *const vocab[] = {"alpha",  "lift",  "stairs", "cleaning", "școală",  "otis",
                                    "weekly", "brite", "maint",  "maintain", "office",  "supply",
                                    "rare",   "escal", "int",    "intr",     "contract"};
#define NVOCAB (sizeof(vocab) / sizeof(vocab[0]))

static uint32_t seed = 12345;

static uint32_t next_rand(void)
{
    seed = seed * 1103515245u + 12345u;
    return seed >> 8;
}

/* `n` words, every one "alpha" or drawn from the vocabulary ("rare" only
 * where asked). */
static char *words(int n, int with_rare)
{
    size_t cap = (size_t)n * 12 + 16, o = 0;
    char *s = malloc(cap);

    REQUIRE(s);
    s[0] = '\0';
    for (int i = 0; i < n; i++) {
        const char *w = vocab[next_rand() % NVOCAB];

        if (!with_rare && strcmp(w, "rare") == 0)
            w = "alpha";
        o += (size_t)snprintf(s + o, cap - o, "%s%s", i ? " " : "", w);
    }
    return s;
}

static void fill(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;

    REQUIRE(
        sqlite3_exec(db,
                     "CREATE VIRTUAL TABLE contracts_fts USING fts5(id UNINDEXED, number, title,"
                     " counterparty, description, reasons,"
                     " tokenize = 'unicode61 remove_diacritics 2')",
                     NULL, NULL, NULL) == SQLITE_OK);
    REQUIRE(sqlite3_prepare_v2(db, "INSERT INTO contracts_fts VALUES (?1, ?2, ?3, ?4, ?5, ?6)", -1,
                               &st, NULL) == SQLITE_OK);
    for (int i = 0; i < 300; i++) {
        /* the description's length: mostly short, one of 200 tokens (a
         * two-byte size), one of 20,000 (three bytes), one empty */
        int dlen = i == 7 ? 200 : i == 11 ? 20000 : i == 13 ? 0 : 1 + (int)(next_rand() % 30);
        char id[16], *cols[5];

        snprintf(id, sizeof id, "id-%d", i);
        cols[0] = words(1 + (int)(next_rand() % 3), i % 50 == 0);
        cols[1] = words(1 + (int)(next_rand() % 6), i % 50 == 0);
        cols[2] = words(1 + (int)(next_rand() % 4), 0);
        cols[3] = words(dlen, i == 11);
        cols[4] = i % 3 ? words((int)(next_rand() % 3), 0) : NULL;
        /* every row has alpha: its IDF is the floor */
        char *title = sqlite3_mprintf("alpha %s%s", i % 50 == 0 ? "rare " : "", cols[1]);
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, cols[0], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, title, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, cols[2], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, cols[3], -1, SQLITE_STATIC);
        if (cols[4])
            sqlite3_bind_text(st, 6, cols[4], -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 6);
        REQUIRE(sqlite3_step(st) == SQLITE_DONE);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        sqlite3_free(title);
        for (int c = 0; c < 5; c++)
            free(cols[c]);
    }
    sqlite3_finalize(st);
}

/* Every hit of `match`: bm25 with `weights` against pacta_rank with the
 * size `size` and the same weights; the hits that differ in any bit.
 * *hits: how many rows matched. */
static int compare(sqlite3 *db, const char *match, const char *weights, const char *size, int *hits)
{
    char *sql = sqlite3_mprintf(
        "SELECT contracts_fts.rowid, bm25(contracts_fts%s), " SRV_LIST_RANK_FUNCTION
        "(contracts_fts, %s%s) FROM " SRV_LIST_RANK_FROM " WHERE contracts_fts MATCH ?1",
        weights, size, weights);
    sqlite3_stmt *st = NULL;
    int differ = 0, rc;

    *hits = 0;
    REQUIRE(sql);
    rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    CHECKF(rc == SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
    sqlite3_free(sql);
    sqlite3_bind_text(st, 1, match, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        double want = sqlite3_column_double(st, 1), got = sqlite3_column_double(st, 2);

        (*hits)++;
        if (memcmp(&want, &got, sizeof want) != 0) {
            if (differ++ < 3)
                fprintf(stderr, "  %s rowid %lld: bm25 %.17g, pacta_rank %.17g\n", match,
                        (long long)sqlite3_column_int64(st, 0), want, got);
        }
    }
    CHECKF(rc == SQLITE_DONE, "%s: %s", match, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return differ;
}

static void test_same_scores(void)
{
    static const char *const matches[] = {
        "alpha",
        "lift",
        "rare",
        "lift stairs",
        "\"lift stairs\"",
        "main*",
        "int*",
        "sco*",
        "lift OR rare",
        "alpha NOT lift",
        "title: lift",
        "{number title}: otis",
        "contract",
        "weekly alpha lift",
        "nosuchword",
        "description: rare",
        "reasons: lift",
    };
    static const char *const weightings[] = {
        ", 0, 10, 5, 3, 1, 1", ", 0, 10", "", ", 1, 2, 3, 4, 5, 6, 7",
        /* weights past the last column */
        ", 0, 10, 5, 3, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9"};
    sqlite3 *db;
    long before = srv__list_rank_fallbacks();
    int total = 0;

    REQUIRE(sqlite3_open(":memory:", &db) == SQLITE_OK);
    REQUIRE(srv__list_rank_attach(db) == 0);
    fill(db);
    for (size_t m = 0; m < sizeof(matches) / sizeof(matches[0]); m++)
        for (size_t w = 0; w < sizeof(weightings) / sizeof(weightings[0]); w++) {
            int hits, differ = compare(db, matches[m], weightings[w], SRV_LIST_RANK_SIZE, &hits);

            CHECKF(differ == 0, "\"%s\" weights \"%s\": %d of %d hits differ", matches[m],
                   weightings[w], differ, hits);
            total += hits;
        }
    /* the cases above must have hits, and the long rows among them */
    CHECKF(total > 8000, "only %d hits", total);
    int hits = 0;
    CHECKF(compare(db, "rare", "", SRV_LIST_RANK_SIZE, &hits) == 0 && hits >= 7, "rare: %d hits",
           hits);
    CHECKF(srv__list_rank_fallbacks() == before, "%ld fallbacks",
           srv__list_rank_fallbacks() - before);

    /* the sizes really are of every varint length */
    sqlite3_stmt *st = NULL;
    REQUIRE(sqlite3_prepare_v2(db, "SELECT max(length(sz)) FROM contracts_fts_docsize", -1, &st,
                               NULL) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    CHECKF(sqlite3_column_int(st, 0) == 6 + 2, "longest size record %d bytes",
           sqlite3_column_int(st, 0));
    sqlite3_finalize(st);

    /* a size it cannot read: FTS5's own length, the same score, and every
     * row counted as a fallback */
    static const char *const odd[] = {
        "NULL",
        "X'FF'",                 /* a varint that runs past the end */
        "X'000000000000000000'", /* a column too many */
        "X'0000'",               /* too few */
        "'text'",                /* not a blob */
        /* no such docsize row */
        "(SELECT sz FROM contracts_fts_docsize WHERE id = contracts_fts.rowid + 100000)",
    };
    for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
        long was = srv__list_rank_fallbacks();
        int differ = compare(db, "alpha", ", 0, 10, 5, 3, 1, 1", odd[i], &hits);

        CHECKF(differ == 0 && hits == 300, "size %s: %d of %d differ", odd[i], differ, hits);
        CHECKF(srv__list_rank_fallbacks() - was == 300, "size %s: %ld fallbacks", odd[i],
               srv__list_rank_fallbacks() - was);
    }

    /* several calls in one statement share its data (FTS5 keeps one per
     * function and cursor): the same row asked again (a cursor's WHERE
     * and the sort key), other weights, no size; each call its own score */
    REQUIRE(sqlite3_prepare_v2(
                db,
                "SELECT b1, r1, b2, r2, r3 FROM (SELECT contracts_fts.rowid AS rid,"
                " bm25(contracts_fts, 0, 10) AS b1, bm25(contracts_fts, 1, 1, 9) AS "
                "b2, " SRV_LIST_RANK_FUNCTION "(contracts_fts, " SRV_LIST_RANK_SIZE
                ", 0, 10) AS r1, " SRV_LIST_RANK_FUNCTION "(contracts_fts, " SRV_LIST_RANK_SIZE
                ", 1, 1, 9) AS r2, " SRV_LIST_RANK_FUNCTION
                "(contracts_fts, NULL, 0, 10) AS r3 FROM " SRV_LIST_RANK_FROM
                " WHERE contracts_fts MATCH 'lift') WHERE (r1, rid) > (-1e9, 0) AND r2 < 1"
                " ORDER BY r1, r2, rid",
                -1, &st, NULL) == SQLITE_OK);
    int rows = 0, differ = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        double v[5];
        for (int c = 0; c < 5; c++)
            v[c] = sqlite3_column_double(st, c);
        rows++;
        differ += memcmp(&v[0], &v[1], sizeof(double)) != 0 ||
                  memcmp(&v[2], &v[3], sizeof(double)) != 0 ||
                  memcmp(&v[0], &v[4], sizeof(double)) != 0;
    }
    sqlite3_finalize(st);
    CHECKF(rows > 50 && differ == 0, "two weightings in one statement: %d of %d rows differ",
           differ, rows);

    /* no size at all: an error, not a score */
    REQUIRE(sqlite3_prepare_v2(db,
                               "SELECT " SRV_LIST_RANK_FUNCTION "(contracts_fts) FROM contracts_fts"
                               " WHERE contracts_fts MATCH 'alpha'",
                               -1, &st, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(st) == SQLITE_ERROR);
    CHECKF(strstr(sqlite3_errmsg(db), "size is missing") != NULL, "%s", sqlite3_errmsg(db));
    sqlite3_finalize(st);

    /* a docsize row FTS5 cannot read either: both report it */
    REQUIRE(sqlite3_exec(db, "UPDATE contracts_fts_docsize SET sz = X'00' WHERE id = 5", NULL, NULL,
                         NULL) == SQLITE_OK);
    static const char *const both[] = {"bm25(contracts_fts)", SRV_LIST_RANK_FUNCTION
                                       "(contracts_fts, " SRV_LIST_RANK_SIZE ")"};
    for (size_t i = 0; i < 2; i++) {
        char *sql = sqlite3_mprintf("SELECT %s FROM " SRV_LIST_RANK_FROM " WHERE contracts_fts"
                                    " MATCH 'alpha' AND contracts_fts.rowid = 5",
                                    both[i]);
        REQUIRE(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK);
        int rc = sqlite3_step(st);
        CHECKF(rc != SQLITE_ROW && (sqlite3_extended_errcode(db) & 0xff) == SQLITE_CORRUPT,
               "%s: rc %d, %s", both[i], rc, sqlite3_errmsg(db));
        sqlite3_finalize(st);
        sqlite3_free(sql);
    }
    sqlite3_close(db);
}

static json_t *contract(int i, const char *description)
{
    char number[32], title[64];

    snprintf(number, sizeof number, "R-%03d", i);
    snprintf(title, sizeof title, "Lift service %d", i);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "number", number, "title", title,
                     "counterparty", "Otis", "kind", "client", "currency", "EUR", "description",
                     description, "end_date", "2027-01-31", "status", "active");
}

/* The numbers of bm25's order for `q` (a plain word), one per line. */
static void bm25_order(struct tdb *t, const char *q, char *out, size_t len)
{
    sqlite3 *r = srv_db_reader_acquire(t->db);
    sqlite3_stmt *st = NULL;
    size_t o = 0;

    out[0] = '\0';
    REQUIRE(
        sqlite3_prepare_v2(r,
                           "SELECT c.number FROM contracts_fts f JOIN contracts c ON c.id = f.id"
                           " WHERE contracts_fts MATCH ?1"
                           " ORDER BY bm25(contracts_fts, 0, 10, 5, 3, 1, 1), f.rowid",
                           -1, &st, NULL) == SQLITE_OK);
    sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW && o + 16 < len)
        o += (size_t)snprintf(out + o, len - o, "%s\n", sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    srv_db_reader_release(t->db, r);
}

static void test_ranked_pages(void)
{
    struct tdb t;
    char want[8192], got[8192];
    size_t o = 0;
    const char *cursor = NULL;
    json_t *page = NULL;

    t_open(&t);
    for (int i = 0; i < 40; i++) {
        /* lift in every row, as often as i / 4 more times; lengths from
         * a few words to 1,200 (a description holds 10,000 characters) */
        int extra = i % 10 == 3 ? 1200 : i % 10 == 5 ? 300 : i % 7;
        char *filler = words(extra, 0), *d = sqlite3_mprintf("%s lift", filler);

        for (int k = 0; k < i / 4; k++) {
            char *more = sqlite3_mprintf("%s lift", d);
            sqlite3_free(d);
            d = more;
        }
        json_t *row = t_create(&t, "admin", contract(i, d));

        REQUIRE(row);
        json_decref(row);
        sqlite3_free(d);
        free(filler);
    }
    bm25_order(&t, "lift", want, sizeof want);
    got[0] = '\0';
    /* pages of 7: the cursors go on by score, through the long rows */
    for (int n = 0; n < 10; n++) {
        struct pacta_list_args a = {.q = "lift", .cursor = cursor, .limit = 7};
        struct pacta_error err;
        sqlite3 *r = srv_db_reader_acquire(t.db);
        json_t *next = NULL, *it;
        size_t i;
        int rc = srv_db_read_contracts(r, &a, &next, &err);

        srv_db_reader_release(t.db, r);
        CHECKF(rc == 0, "page %d: %s", n, err.message);
        if (rc != 0)
            break;
        json_array_foreach(json_object_get(next, "items"), i, it) o +=
            (size_t)snprintf(got + o, sizeof got - o, "%s\n", t_str(it, "number"));
        json_decref(page);
        page = next;
        cursor = json_string_value(json_object_get(page, "next_cursor"));
        if (!cursor)
            break;
    }
    json_decref(page);
    CHECKF(strcmp(got, want) == 0 && strlen(want) == 40 * 6, "ranked pages:\n%s\nbm25:\n%s", got,
           want);
    t_close(&t);
}

int main(void)
{
    test_same_scores();
    test_ranked_pages();
    return test_summary();
}
