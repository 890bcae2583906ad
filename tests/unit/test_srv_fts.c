/*
 * Full-text search (schema migration 4, contracts.list `q`): word and
 * prefix matching, accents folded, bm25 ranking, the index kept in step
 * by the schema's triggers and the writer (edits' notes brought up to date
 * before each COMMIT, or at the next open), supplement reasons (the lists
 * migration), offset cursors, migration of existing rows, and query plans
 * that use indexes rather than full scans.
 */
#include "db_list.h"
#include "db_short.h"
#include "test_srv_text_util.h"

static json_t *contract(const char *number, const char *title, const char *counterparty,
                        const char *description)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "number", number, "title", title,
                     "counterparty", counterparty, "kind", "client", "currency", "EUR",
                     "description", description);
}

/* One page of a `q` listing; the numbers of its items, space-separated,
 * in *numbers (caller frees the page). */
static json_t *search(struct tdb *t, const char *q, const char *cursor, int limit, char *numbers,
                      size_t len)
{
    struct pacta_list_args a = {.q = q, .cursor = cursor, .limit = limit};
    struct pacta_error err;
    sqlite3 *r = srv_db_reader_acquire(t->db);
    json_t *page = NULL;
    size_t i, o = 0;
    json_t *it;

    numbers[0] = '\0';
    if (srv_db_read_contracts(r, &a, &page, &err) != 0)
        CHECKF(0, "search %s: %s %s", q, err.field, err.message);
    srv_db_reader_release(t->db, r);
    if (!page)
        return NULL;
    json_array_foreach(json_object_get(page, "items"), i, it)
    {
        o += (size_t)snprintf(numbers + o, len - o, "%s%s", o ? " " : "", t_str(it, "number"));
        if (o >= len)
            break;
    }
    return page;
}

static void check_search(struct tdb *t, const char *q, const char *want)
{
    char got[512];
    json_t *page = search(t, q, NULL, 0, got, sizeof(got));

    CHECKF(strcmp(got, want) == 0, "q=\"%s\": got \"%s\", want \"%s\"", q, got, want);
    json_decref(page);
}

static void test_matching(void)
{
    struct tdb t;
    json_t *a, *b, *c;
    struct srv_write *w;

    t_open(&t);
    a = t_create(&t, "admin", contract("C-2026-001", "Office cleaning", "Brite Services SRL", ""));
    b = t_create(&t, "admin",
                 contract("C-2026-002", "Maintenance", "Asociația de proprietari Nr. 5",
                          "Cleaning of the stairs, weekly"));
    c = t_create(&t, "admin",
                 contract("X-77", "Cleaning supplies", "Cleanco", "cleaning cleaning"));
    REQUIRE(a && b && c);

    /* a word, case-insensitive */
    check_search(&t, "maintenance", "C-2026-002");
    /* prefix: every word is a prefix */
    check_search(&t, "maint", "C-2026-002");
    check_search(&t, "brit serv", "C-2026-001");
    /* words AND-ed */
    check_search(&t, "cleaning brite", "C-2026-001");
    check_search(&t, "cleaning nosuchword", "");
    /* the number, punctuation split by the tokenizer */
    check_search(&t, "C-2026", "C-2026-001 C-2026-002");
    check_search(&t, "2026-002", "C-2026-002");
    /* accents folded both ways */
    check_search(&t, "asociatia", "C-2026-002");
    check_search(&t, "ASOCIAȚIA", "C-2026-002");
    /* description is searched */
    check_search(&t, "stairs", "C-2026-002");
    /* FTS5 syntax is plain text, never an error */
    check_search(&t, "\"", "");
    check_search(&t, "clean AND OR NOT", "");
    check_search(&t, "title:office", "");
    check_search(&t, "-", "");
    check_search(&t, "NEAR(a b)", "");
    check_search(&t, "   ", "");

    /* ranking: the number counts most, then title, counterparty,
     * description; X-77 has "clean" in title, counterparty and description */
    check_search(&t, "clean", "X-77 C-2026-001 C-2026-002");
    check_search(&t, "x-77", "X-77");

    /* letters that Unicode does not decompose fold too (migration 21), as
     * `text` has them: "ł" "l", "ø" "o", "æ" "ae", "đ" "d", "ß" "ss" */
    json_t *d =
        t_create(&t, "admin", contract("P-1", "Łódź depot", "Øresund Æsir Đakovo", "Straßenbahn"));
    REQUIRE(d);
    check_search(&t, "lodz", "P-1");
    check_search(&t, "ŁÓDŹ", "P-1");
    check_search(&t, "oresund", "P-1");
    check_search(&t, "aesir", "P-1");
    check_search(&t, "æsir", "P-1");
    check_search(&t, "dakovo", "P-1");
    check_search(&t, "strassenbahn", "P-1");
    check_search(&t, "strass", "P-1"); /* a prefix */
    check_search(&t, "straß", "P-1");
    json_decref(d);

    /* q combines with the other filters and with `text` */
    {
        struct pacta_list_args la = {.q = "clean", .text = "C-2026"};
        struct pacta_error err;
        sqlite3 *r = srv_db_reader_acquire(t.db);
        json_t *page = NULL;

        CHECK(srv_db_read_contracts(r, &la, &page, &err) == 0);
        CHECK(json_array_size(json_object_get(page, "items")) == 2);
        json_decref(page);
        la.text = NULL;
        la.status = "active";
        CHECK(srv_db_read_contracts(r, &la, &page, &err) == 0);
        CHECK(json_array_size(json_object_get(page, "items")) == 0);
        json_decref(page);
        srv_db_reader_release(t.db, r);
    }

    /* kept in step: an update replaces the indexed words */
    w = t_write(&t, SRV_W_CONTRACT_UPDATE, "admin",
                json_pack("{s:s, s:I, s:{s:s}}", "id", t_str(a, "id"), "version",
                          (json_int_t)t_int(a, "version"), "changes", "title", "Window washing"));
    CHECKF(w->code == PACTA_OK, "%s", w->err.message);
    srv_write_free(w);
    check_search(&t, "window", "C-2026-001");
    check_search(&t, "office", "");
    check_search(&t, "clean", "X-77 C-2026-002");
    /* a field outside the index leaves it alone */
    w = t_write(&t, SRV_W_CONTRACT_UPDATE, "admin",
                json_pack("{s:s, s:I, s:{s:s}}", "id", t_str(a, "id"), "version",
                          (json_int_t)t_int(a, "version") + 1, "changes", "status", "active"));
    CHECKF(w->code == PACTA_OK, "%s", w->err.message);
    srv_write_free(w);
    check_search(&t, "window", "C-2026-001");

    /* deleted: gone from the listing, back with include_deleted */
    w = t_write(
        &t, SRV_W_CONTRACT_DELETE, "admin",
        json_pack("{s:s, s:I}", "id", t_str(c, "id"), "version", (json_int_t)t_int(c, "version")));
    CHECKF(w->code == PACTA_OK, "%s", w->err.message);
    srv_write_free(w);
    check_search(&t, "clean", "C-2026-002");
    {
        struct pacta_list_args la = {.q = "clean", .include_deleted = 1};
        struct pacta_error err;
        sqlite3 *r = srv_db_reader_acquire(t.db);
        json_t *page = NULL;

        CHECK(srv_db_read_contracts(r, &la, &page, &err) == 0);
        CHECK(json_array_size(json_object_get(page, "items")) == 2);
        json_decref(page);
        srv_db_reader_release(t.db, r);
    }
    /* a new contract may take the deleted one's number; both stay indexed */
    json_decref(t_create(&t, "admin", contract("X-77", "Gardening", "Green SRL", "")));
    check_search(&t, "x-77", "X-77");
    check_search(&t, "garden", "X-77");

    json_decref(a);
    json_decref(b);
    json_decref(c);
    t_close(&t);
}

/* The index and the table agree row for row (what the triggers promise). */
static void check_in_step(struct tdb *t)
{
    sqlite3 *r = srv_db_reader_acquire(t->db);
    sqlite3_stmt *st = NULL;

    REQUIRE(
        sqlite3_prepare_v2(r,
                           "SELECT (SELECT count(*) FROM contracts),"
                           " (SELECT count(*) FROM contracts_fts),"
                           " (SELECT count(*) FROM contracts c JOIN contracts_fts f"
                           "  ON f.id = c.id AND f.number = c.number AND f.title = c.title"
                           "  AND f.counterparty = c.counterparty"
                           "  AND f.description = c.description"
                           /* each distinct reason once, oldest first */
                           "  AND f.reasons = coalesce((SELECT group_concat(reason, char(10))"
                           "   FROM (SELECT reason FROM supplements s WHERE s.contract_id = c.id"
                           "   GROUP BY reason ORDER BY min(s.id))), '')),"
                           /* the id -> index row map points at the right rows */
                           " (SELECT count(*) FROM contracts_fts_map m JOIN contracts_fts f"
                           "  ON f.rowid = m.rid AND f.id = m.id)",
                           -1, &st, NULL) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    CHECKF(sqlite3_column_int(st, 0) == sqlite3_column_int(st, 1) &&
               sqlite3_column_int(st, 0) == sqlite3_column_int(st, 2) &&
               sqlite3_column_int(st, 0) == sqlite3_column_int(st, 3),
           "contracts %d, index %d, agreeing %d, mapped %d", sqlite3_column_int(st, 0),
           sqlite3_column_int(st, 1), sqlite3_column_int(st, 2), sqlite3_column_int(st, 3));
    sqlite3_finalize(st);
    srv_db_reader_release(t->db, r);
}

/* Ranked pages: offset cursors walk every hit once, in rank order. */
static void test_pages(void)
{
    struct tdb t;
    char number[32], got[512], all[4096] = "";
    char *cursor = NULL;
    int pages = 0;

    t_open(&t);
    for (int i = 0; i < 23; i++) {
        snprintf(number, sizeof(number), "P-%02d", i);
        /* more "alpha" words in the description rank higher */
        json_decref(
            t_create(&t, "admin",
                     contract(number, "Paged", "Alpha Co", i % 2 ? "alpha alpha alpha" : "beta")));
    }
    check_in_step(&t);
    for (;;) {
        json_t *page = search(&t, "alph", cursor, 5, got, sizeof(got));

        REQUIRE(page != NULL);
        pages++;
        if (all[0] && got[0])
            strcat(all, " ");
        strcat(all, got);
        free(cursor);
        cursor = NULL;
        if (json_is_null(json_object_get(page, "next_cursor"))) {
            json_decref(page);
            break;
        }
        cursor = strdup(t_str(page, "next_cursor"));
        json_decref(page);
        if (pages > 20)
            break;
    }
    free(cursor);
    CHECKF(pages == 5, "pages %d", pages);
    /* the 11 odd ones (alpha in the description too) first, each group by number */
    CHECKF(strncmp(all, "P-01 P-03 P-05 P-07 P-09 P-11 P-13 P-15 P-17 P-19 P-21 P-00 P-02", 64) ==
               0,
           "order: %s", all);
    CHECK(strlen(all) == 23 * 5 - 1);

    /* a keyset cursor is not a q cursor, and the reverse */
    {
        struct pacta_list_args la = {.limit = 2};
        struct pacta_error err;
        sqlite3 *r = srv_db_reader_acquire(t.db);
        json_t *page = NULL, *qpage = NULL, *none = NULL;

        CHECK(srv_db_read_contracts(r, &la, &page, &err) == 0);
        la.q = "alpha";
        la.cursor = t_str(page, "next_cursor");
        CHECK(srv_db_read_contracts(r, &la, &none, &err) != 0 && none == NULL);
        CHECK(strcmp(err.field, "cursor") == 0);
        CHECK(srv_db_read_contracts(r, &(struct pacta_list_args){.q = "alpha", .limit = 2}, &qpage,
                                    &err) == 0);
        la = (struct pacta_list_args){.cursor = t_str(qpage, "next_cursor")};
        CHECK(srv_db_read_contracts(r, &la, &none, &err) != 0 && none == NULL);
        CHECK(strcmp(err.field, "cursor") == 0);
        json_decref(qpage);
        json_decref(page);
        srv_db_reader_release(t.db, r);
    }
    t_close(&t);
}

/* A file of an older version, made by the real migrations up to `version`,
 * with one user and one contract (and, when `reason` is given, two
 * supplements with that reason) inserted by hand, opened by pactad. */
static void old_file(struct tdb *t, int version, const char *reason)
{
    char sql[1024];
    int n = snprintf(sql, sizeof(sql), "%s;",
                     T_OLD_CONTRACTS T_OLD_CONTRACT("6f", "M-1", "Pre-existing", "Vechi SRL"));

    for (int i = 0; reason && i < 2; i++)
        n += snprintf(sql + n, sizeof(sql) - (size_t)n,
                      "INSERT INTO supplements (contract_id, field, old_value, new_value, reason,"
                      " effective_date, author, created_at) VALUES"
                      " ('0193a5f2-7c1e-7b3a-9f00-1a2b3c4d5e6f', 'title', '\"a\"', '\"b\"', '%s',"
                      " '2026-01-01', 'admin', '2026-01-01');",
                      reason);
    REQUIRE(n < (int)sizeof(sql));
    t_old_file(t, version, sql);
    t_open_old(t);
}

/* Migration 4 indexes the rows a version-3 file already has, and the
 * lists migration those of the versions before it, supplement reasons
 * included (each once): a file of any older version ends up searchable. */
static void test_migration(void)
{
    for (int version = 3; version < srv__schema_latest(); version++) {
        struct tdb t;
        char got[512];
        json_t *page;

        old_file(&t, version, "scope widened");
        page = search(&t, "vechi", NULL, 0, got, sizeof(got));
        CHECKF(strcmp(got, "M-1") == 0, "from version %d: got %s", version, got);
        json_decref(page);
        page = search(&t, "widen", NULL, 0, got, sizeof(got));
        CHECKF(strcmp(got, "M-1") == 0, "from version %d: reason: got %s", version, got);
        json_decref(page);
        check_in_step(&t);
        t_close(&t);
    }
}

/*
 * Migration 21 on a file of version 20, whose word index had unicode61:
 * the index names pacta_words and is made again from what it held, so
 * "lodz" finds "Łódź"; a note an edit outside pactad left (its
 * description) is applied after it; FTS5's integrity-check passes.
 */
static void test_migration_words(void)
{
    struct tdb t;
    char err[256] = "", got[512];
    sqlite3 *c;
    json_t *page;

    t_mkdir(&t);
    REQUIRE(sqlite3_open(t.path, &c) == SQLITE_OK);
    REQUIRE(srv__schema_migrate_to(c, 20, err, sizeof(err)) == 0);
    CHECKF(
        sqlite3_exec(c,
                     "INSERT INTO users (username, display_name, password_hash, role,"
                     " created_at) VALUES ('admin', 'admin', '$argon2id$x', 'admin',"
                     " '2026-01-01');"
                     "INSERT INTO contracts (id, number, title, counterparty, kind, currency,"
                     " owner, created_at, updated_at, updated_by, description) VALUES"
                     " ('0193a5f2-7c1e-7b3a-9f00-1a2b3c4d5e6f', 'M-1', 'Łódź depot',"
                     " 'Vechi SRL', 'client', 'EUR', 'admin', '2026-01-01', '2026-01-01',"
                     " 'admin', 'old words');"
                     "UPDATE contracts SET description = 'Øresund crossing' WHERE number = 'M-1';",
                     NULL, NULL, NULL) == SQLITE_OK,
        "%s", sqlite3_errmsg(c));
    /* as the old index has it: "lodz" is not a word of "Łódź" */
    t_rows(c, "SELECT count(*) FROM contracts_fts WHERE contracts_fts MATCH 'lodz'", NULL, got,
           sizeof got);
    CHECK_STR(got, "0");
    sqlite3_close(c);
    CHECKF(t_open_at(&t, err, sizeof(err)) == 0, "%s", err);
    REQUIRE(t.db != NULL);
    REQUIRE(sqlite3_open(t.path, &c) == SQLITE_OK);
    t_rows(c,
           "SELECT instr(sql, 'pacta_words') > 0 AND instr(sql, 'unicode61') = 0"
           " FROM sqlite_schema WHERE name = 'contracts_fts'",
           NULL, got, sizeof got);
    CHECK_STR(got, "1");
    t_rows(c, "SELECT count(*) FROM contracts_fts_pending", NULL, got, sizeof got);
    CHECK_STR(got, "0");
    sqlite3_close(c);
    page = search(&t, "lodz", NULL, 0, got, sizeof(got));
    CHECK_STR(got, "M-1");
    json_decref(page);
    page = search(&t, "oresund", NULL, 0, got, sizeof(got));
    CHECK_STR(got, "M-1");
    json_decref(page);
    page = search(&t, "old words", NULL, 0, got, sizeof(got));
    CHECK_STR(got, "");
    json_decref(page);
    t_text_integrity(&t, "contracts_fts");
    check_in_step(&t);
    t_close(&t);
}

/* A supplement's reason finds its contract; each distinct reason is
 * indexed once, whatever wrote it (an edit of an active contract, an
 * automatic renewal). */
static void test_reasons(void)
{
    struct tdb t;
    struct srv_write *w;
    json_t *a, *b;

    t_open(&t);
    a = t_create(&t, "admin", contract("S-1", "Lift", "Otis", ""));
    b = t_create(&t, "admin", contract("S-2", "Stairs", "Brite", ""));
    REQUIRE(a && b);
    /* a draft's edits write no supplement: nothing to find */
    w = t_write(&t, SRV_W_CONTRACT_UPDATE, "admin",
                json_pack("{s:s, s:I, s:{s:s}, s:s}", "id", t_str(a, "id"), "version",
                          (json_int_t)1, "changes", "status", "active", "reason", "signed"));
    CHECKF(w->code == PACTA_OK, "%s", w->err.message);
    srv_write_free(w);
    check_search(&t, "signed", "");
    /* active: three fields, one reason -> three supplements, one line */
    w = t_write(&t, SRV_W_CONTRACT_UPDATE, "admin",
                json_pack("{s:s, s:I, s:{s:s, s:I, s:I}, s:s}", "id", t_str(a, "id"), "version",
                          (json_int_t)2, "changes", "title", "Lift and escalator", "amount_cents",
                          (json_int_t)500, "notice_days", (json_int_t)30, "reason",
                          "price indexation Ianuarie"));
    CHECKF(w->code == PACTA_OK, "%s", w->err.message);
    srv_write_free(w);
    check_search(&t, "indexation", "S-1");
    check_search(&t, "ianuarie", "S-1");
    check_search(&t, "indexation lift", "S-1");
    check_search(&t, "indexation stairs", "");
    w = t_write(&t, SRV_W_CONTRACT_UPDATE, "admin",
                json_pack("{s:s, s:I, s:{s:s}, s:s}", "id", t_str(a, "id"), "version",
                          (json_int_t)3, "changes", "counterparty", "Schindler", "reason",
                          "supplier changed"));
    CHECKF(w->code == PACTA_OK, "%s", w->err.message);
    srv_write_free(w);
    check_search(&t, "indexation", "S-1");
    check_search(&t, "schindler supplier", "S-1");
    check_in_step(&t);
    {
        sqlite3 *r = srv_db_reader_acquire(t.db);
        sqlite3_stmt *st = NULL;
        REQUIRE(sqlite3_prepare_v2(r,
                                   "SELECT f.reasons FROM contracts_fts f JOIN contracts_fts_map m"
                                   " ON f.rowid = m.rid WHERE m.id = ?",
                                   -1, &st, NULL) == SQLITE_OK);
        sqlite3_bind_text(st, 1, t_str(a, "id"), -1, SQLITE_STATIC);
        REQUIRE(sqlite3_step(st) == SQLITE_ROW);
        CHECK_STR((const char *)sqlite3_column_text(st, 0),
                  "price indexation Ianuarie\nsupplier changed");
        sqlite3_finalize(st);
        srv_db_reader_release(t.db, r);
    }
    json_decref(a);
    json_decref(b);
    t_close(&t);
}

/* The statements contracts.list builds for q read the search index, then
 * each hit by primary key: no full scan of contracts. */
static void test_plans(void)
{
    struct tdb t;
    sqlite3 *r;
    static const struct pacta_list_args cases[] = {
        {.q = "x"},
        {.q = "x", .status = "active"},
        {.q = "x", .sort = PACTA_SORT_END_DATE},
        {.q = "x", .text = "a", .sort = PACTA_SORT_TITLE, .desc = 1},
    };

    t_open(&t);
    r = srv_db_reader_acquire(t.db);
    /* the search index's plans: with a sort key, a page first tries a walk
     * that tests q on its rows (test_srv_list_q.c); forced seeks skip it */
    srv__list_force(SRV_LIST_FORCE_SEEK);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct srv_list_explain e;
        struct pacta_error err;

        REQUIRE(srv__list_explain(r, &cases[i], &e, &err) == 0);
        CHECKF(strstr(e.detail, "VIRTUAL TABLE INDEX") != NULL, "case %zu: %s", i, e.detail);
        CHECKF(strstr(e.detail, "SEARCH contracts USING INDEX sqlite_autoindex_contracts_1"),
               "case %zu: %s", i, e.detail);
        for (const char *p = strstr(e.detail, "SCAN contracts"); p;
             p = strstr(p + 1, "SCAN contracts"))
            CHECKF(p[14] == '_', "case %zu: full scan in %s", i, e.detail);
        srv__list_explain_clear(&e);
    }
    srv__list_force(SRV_LIST_AUTO);
    srv_db_reader_release(t.db, r);
    t_close(&t);
}

/* An edit made outside pactad's writer (a tool, the sqlite3 shell) leaves
 * its note (schema_fts_pending.h): the next open brings the index up to
 * date before anything reads it.  If that fails, the open says so and the
 * file keeps its note for the next one. */
static void test_pending_left_behind(void)
{
    struct tdb t;
    char err[256] = "";
    sqlite3 *raw;

    t_open(&t);
    json_decref(t_create(&t, "admin", contract("L-1", "Lease", "Acme SRL", "old words")));
    json_decref(t_create(&t, "admin", contract("L-2", "Hotel", "Acme SRL", "")));
    t_close_db(&t);

    /* the shell: L-1 gets a new description and title; L-2 a new title, and
     * is then deleted for good in the same transaction, so the substring
     * indexes must lose the title they hold, not the one it had last */
    raw = t_raw(&t);
    REQUIRE(srv_short_register(raw, err, sizeof(err)) == 0);
    REQUIRE(sqlite3_exec(raw,
                         "BEGIN;"
                         "UPDATE contracts SET description = 'zulu', title = 'Yankee'"
                         " WHERE number = 'L-1';"
                         "UPDATE contracts SET title = 'Whiskey' WHERE number = 'L-2';"
                         "DELETE FROM contracts WHERE number = 'L-2';"
                         "COMMIT",
                         NULL, NULL, NULL) == SQLITE_OK);
    /* L-2's word-index note stays (its row went with the contract: the
     * apply finds nothing to do); its substring note went with it */
    CHECK(t_count(raw, "SELECT count(*) FROM contracts_fts_pending", NULL) == 2);
    CHECK(t_count(raw, "SELECT count(*) FROM contracts_text_pending", NULL) == 1);
    CHECK(t_count(raw,
                  "SELECT count(*) FROM contracts_text WHERE contracts_text MATCH 'hotel'"
                  " OR contracts_text MATCH 'whiskey'",
                  NULL) == 0);
    CHECK(t_count(raw, "SELECT count(*) FROM contracts_text WHERE contracts_text MATCH 'lease'",
                  NULL) == 1);
    CHECK(t_count(raw, "SELECT count(*) FROM contracts_fts WHERE contracts_fts MATCH 'zulu'",
                  NULL) == 0);
    /* the first open fails to clear the note */
    REQUIRE(sqlite3_exec(raw,
                         "CREATE TRIGGER test_keep BEFORE DELETE ON contracts_fts_pending"
                         " BEGIN SELECT RAISE(ABORT, 'kept by the test'); END",
                         NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(raw);
    CHECK(t_open_at(&t, err, sizeof(err)) != 0 && t.db == NULL);
    CHECKF(strstr(err, "cannot bring the search index and sort keys up to date") &&
               strstr(err, "kept by the test"),
           "%s", err);
    uv_loop_close(&t.loop);
    raw = t_raw(&t);
    CHECK(t_count(raw, "SELECT count(*) FROM contracts_fts_pending", NULL) == 2);
    CHECK(t_count(raw, "SELECT count(*) FROM contracts_fts WHERE contracts_fts MATCH 'old'",
                  NULL) == 1);
    REQUIRE(sqlite3_exec(raw, "DROP TRIGGER test_keep", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(raw);

    CHECKF(t_open_at(&t, err, sizeof(err)) == 0, "%s", err);
    REQUIRE(t.db != NULL);
    check_search(&t, "zulu", "L-1");
    check_search(&t, "old", "");
    check_in_step(&t);
    raw = t_raw(&t);
    REQUIRE(srv_short_register(raw, err, sizeof(err)) == 0);
    CHECK(t_count(raw, "SELECT count(*) FROM contracts_fts_pending", NULL) == 0);
    CHECK(t_count(raw, "SELECT count(*) FROM contracts_text_pending", NULL) == 0);
    /* the substring indexes: L-1 by its new title only, L-2 by nothing */
    CHECK(t_count(raw, "SELECT count(*) FROM contracts_text WHERE contracts_text MATCH 'yankee'",
                  NULL) == 1);
    CHECK(t_count(raw,
                  "SELECT count(*) FROM contracts_text WHERE contracts_text MATCH 'lease'"
                  " OR contracts_text MATCH 'hotel' OR contracts_text MATCH 'whiskey'",
                  NULL) == 0);
    CHECK(t_count(raw, "SELECT count(*) FROM contracts_short WHERE contracts_short MATCH 'y'",
                  NULL) == 1);
    CHECK(t_count(raw, "SELECT count(*) FROM contracts_short WHERE contracts_short MATCH 'w'",
                  NULL) == 0);
    sqlite3_close(raw);
    t_close(&t);
}

/* The writer cannot bring the index up to date before its COMMIT: the
 * batch fails as a whole (unavailable, nothing kept), and the next one,
 * once the cause is gone, goes through. */
static void test_pending_apply_fails(void)
{
    struct tdb t;
    struct srv_write *w;
    json_t *a;
    sqlite3 *raw;

    t_open(&t);
    a = t_create(&t, "admin", contract("F-1", "Fuel", "Petro SA", "diesel"));
    REQUIRE(a);
    raw = t_raw(&t);
    REQUIRE(sqlite3_exec(raw,
                         "CREATE TRIGGER test_keep BEFORE DELETE ON contracts_fts_pending"
                         " BEGIN SELECT RAISE(ABORT, 'kept by the test'); END",
                         NULL, NULL, NULL) == SQLITE_OK);
    w = t_write(&t, SRV_W_CONTRACT_UPDATE, "admin",
                json_pack("{s:s, s:I, s:{s:s, s:s}}", "id", t_str(a, "id"), "version",
                          (json_int_t)t_int(a, "version"), "changes", "description", "petrol",
                          "title", "Gasoline"));
    CHECKF(w->code == PACTA_UNAVAILABLE, "code %d %s", w->code, w->err.message);
    CHECK(w->result_text == NULL && json_array_size(w->events) == 0);
    srv_write_free(w);
    check_search(&t, "diesel", "F-1");
    check_search(&t, "petrol", "");
    json_t *now = t_get(&t, t_str(a, "id"));
    CHECK(t_int(now, "version") == t_int(a, "version"));
    json_decref(now);
    CHECK(t_count(raw, "SELECT count(*) FROM contracts_fts_pending", NULL) == 0);
    CHECK(t_count(raw, "SELECT count(*) FROM contracts_text_pending", NULL) == 0);
    CHECK(t_count(raw, "SELECT count(*) FROM contracts_text WHERE contracts_text MATCH 'fuel'",
                  NULL) == 1);

    REQUIRE(sqlite3_exec(raw, "DROP TRIGGER test_keep", NULL, NULL, NULL) == SQLITE_OK);
    w = t_write(&t, SRV_W_CONTRACT_UPDATE, "admin",
                json_pack("{s:s, s:I, s:{s:s, s:s}}", "id", t_str(a, "id"), "version",
                          (json_int_t)t_int(a, "version"), "changes", "description", "petrol",
                          "title", "Gasoline"));
    CHECKF(w->code == PACTA_OK, "%s", w->err.message);
    srv_write_free(w);
    check_search(&t, "petrol", "F-1");
    check_search(&t, "diesel", "");
    CHECK(t_count(raw, "SELECT count(*) FROM contracts_text WHERE contracts_text MATCH 'fuel'",
                  NULL) == 0);
    CHECK(t_count(raw, "SELECT count(*) FROM contracts_text WHERE contracts_text MATCH 'gasoline'",
                  NULL) == 1);
    sqlite3_close(raw);
    check_in_step(&t);
    json_decref(a);
    t_close(&t);
}

int main(void)
{
    test_matching();
    test_pages();
    test_migration();
    test_migration_words();
    test_reasons();
    test_plans();
    test_pending_left_behind();
    test_pending_apply_fails();
    return t_finish();
}
