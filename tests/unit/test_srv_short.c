/*
 * contracts.list `text` of one or two characters through contracts_short
 * (schema migration 15, schema_short.h; its tokenizer db_short.c): the
 * tokens are the characters and adjacent pairs of each column's key
 * (db_fold.h; migration 20); the index yields exactly the rows whose
 * number, title or counterparty contain such a text (pacta_contains),
 * after creates, edits, soft and hard deletes and a migration of existing
 * rows; `text` keeps its meaning (no case, no accents, %, _ and \ literal,
 * no pair across two columns) and is read through the index, not a walk.
 * A connection without the tokenizers cannot delete a contract.
 */
#include "db_short.h"
#include "test_srv_text_util.h"

/* The tokenizer alone: the terms of one document, through fts5vocab. */
static void test_tokens(void)
{
    static const struct {
        const char *text, *terms;
    } cases[] = {
        /* ASCII letters folded, every character and every pair */
        {"Ab-C", "-|-c|a|ab|b|b-|c"},
        /* other Latin letters by their keys: "ÉéØ" is "eeo" */
        {"ÉéØ", "e|ee|eo|o"},
        {"ßÆ", "a|ae|e|s|sa|ss"},
        /* a repeated pair is one term; spaces and punctuation are characters */
        {"%_%_", "%|%_|_|_%"},
        {"a b", " | b|a|a |b"},
        {"x", "x"},
    };
    sqlite3 *c;
    char err[256], got[256];

    REQUIRE(sqlite3_open(":memory:", &c) == SQLITE_OK);
    CHECKF(srv_short_register(c, err, sizeof(err)) == 0, "%s", err);
    REQUIRE(sqlite3_exec(c,
                         "CREATE VIRTUAL TABLE d USING fts5(a, b, tokenize = 'pacta_short');"
                         "CREATE VIRTUAL TABLE v USING fts5vocab(d, 'row');",
                         NULL, NULL, NULL) == SQLITE_OK);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sqlite3_stmt *st = NULL;
        REQUIRE(sqlite3_exec(c, "DELETE FROM d", NULL, NULL, NULL) == SQLITE_OK);
        REQUIRE(sqlite3_prepare_v2(c, "INSERT INTO d (a) VALUES (?)", -1, &st, NULL) == SQLITE_OK);
        sqlite3_bind_text(st, 1, cases[i].text, -1, SQLITE_STATIC);
        CHECK(sqlite3_step(st) == SQLITE_DONE);
        sqlite3_finalize(st);
        t_rows(c, "SELECT term FROM v ORDER BY term", NULL, got, sizeof(got));
        CHECKF(strcmp(got, cases[i].terms) == 0, "\"%s\": terms \"%s\", want \"%s\"", cases[i].text,
               got, cases[i].terms);
    }
    /* a pair never spans two columns; a query is one token, folded */
    REQUIRE(sqlite3_exec(c, "DELETE FROM d; INSERT INTO d (rowid, a, b) VALUES (7, 'ab', 'cd')",
                         NULL, NULL, NULL) == SQLITE_OK);
    t_rows(c, "SELECT term FROM v ORDER BY term", NULL, got, sizeof(got));
    CHECK_STR(got, "a|ab|b|c|cd|d");
    t_rows(c, "SELECT rowid FROM d WHERE d MATCH ?", "\"BC\"", got, sizeof(got));
    CHECK_STR(got, "");
    t_rows(c, "SELECT rowid FROM d WHERE d MATCH ?", "\"CD\"", got, sizeof(got));
    CHECK_STR(got, "7");
    t_rows(c, "SELECT rowid FROM d WHERE d MATCH ?", "\"abc\"", got, sizeof(got));
    CHECK_STR(got, "");
    /* the tokenizer takes no options */
    CHECK(sqlite3_exec(c, "CREATE VIRTUAL TABLE e USING fts5(a, tokenize = 'pacta_short x')", NULL,
                       NULL, NULL) != SQLITE_OK);
    sqlite3_close(c);
}

/* The query of a text: one or two characters (not bytes), quoted. */
static void test_query(void)
{
    static const struct {
        const char *text, *query;
    } cases[] = {
        {"a", "\"a\""},     {"Zq", "\"Zq\""},     {"Øé", "\"Øé\""},
        {"\"", "\"\"\"\""}, {"a\"", "\"a\"\"\""}, {"€", "\"€\""},
        {"abc", NULL},      {"Øéx", NULL},        {"", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *q = srv_short_query(cases[i].text);
        CHECKF((q == NULL) == (cases[i].query == NULL) && (!q || strcmp(q, cases[i].query) == 0),
               "\"%s\": %s", cases[i].text, q ? q : "NULL");
        free(q);
    }
}

/* One listing's numbers (a page of 100), space-separated; its plan and index. */
static void list(struct tdb *t, struct pacta_list_args a, struct srv_list_explain *e, char *out,
                 size_t len)
{
    sqlite3 *r = srv_db_reader_acquire(t->db);
    struct pacta_error err;
    json_t *page = NULL, *it;
    size_t i, o = 0;

    out[0] = '\0';
    a.limit = 100;
    REQUIRE(srv__list_explain(r, &a, e, &err) == 0);
    REQUIRE(srv_db_read_contracts(r, &a, &page, &err) == 0);
    json_array_foreach(json_object_get(page, "items"), i, it) o +=
        (size_t)snprintf(out + o, len - o, "%s%s", o ? " " : "", t_str(it, "number"));
    json_decref(page);
    srv_db_reader_release(t->db, r);
}

/* `text` lists `want`, read through contracts_short (no walk). */
static void check_text(struct tdb *t, const char *text, const char *want)
{
    struct srv_list_explain e;
    char got[1024];

    list(t, (struct pacta_list_args){.text = text}, &e, got, sizeof(got));
    CHECKF(strcmp(got, want) == 0, "text \"%s\": got \"%s\", want \"%s\"", text, got, want);
    CHECKF(e.plan == SRV_LIST_TEXT && strcmp(e.index, "contracts_short") == 0 &&
               strstr(e.detail, "SCAN contracts_short VIRTUAL TABLE INDEX") &&
               !strstr(e.detail, "SCAN contracts "),
           "text \"%s\": plan %s %s: %s", text, srv__list_plan_name(e.plan), e.index, e.detail);
    srv__list_explain_clear(&e);
}

/* What `text` of one or two characters matches, as PROTOCOL.md §6.4 says. */
static void test_meaning(void)
{
    struct tdb t;
    json_t *a, *b, *c;

    t_open(&t);
    a = t_create(&t, "admin",
                 t_text_contract("C-2026-001", "Office cleaning", "Brite Services SRL"));
    b = t_create(&t, "admin",
                 t_text_contract("C-2026-002", "Échafaudage", "Asociația \"Nord\" 50%"));
    c = t_create(&t, "admin", t_text_contract("X-77", "Lift_repair\\5", "Ølstad AS"));
    REQUIRE(a && b && c);

    /* ASCII letters in any case, one or two */
    check_text(&t, "f", "C-2026-001 C-2026-002 X-77");
    check_text(&t, "FF", "C-2026-001");
    check_text(&t, "oF", "C-2026-001");
    check_text(&t, "x", "X-77");
    check_text(&t, "-7", "X-77");
    /* other Latin letters without case or accents */
    check_text(&t, "É", "C-2026-001 C-2026-002 X-77");
    check_text(&t, "é", "C-2026-001 C-2026-002 X-77");
    check_text(&t, "Éc", "C-2026-002");
    check_text(&t, "ÉC", "C-2026-002");
    check_text(&t, "éc", "C-2026-002");
    check_text(&t, "ec", "C-2026-002");
    check_text(&t, "Øl", "X-77");
    check_text(&t, "øL", "X-77");
    check_text(&t, "ol", "X-77");
    check_text(&t, "ți", "C-2026-002");
    check_text(&t, "TI", "C-2026-002");
    check_text(&t, "ia", "C-2026-002");
    /* %, _, \ and quotes are literal */
    check_text(&t, "%", "C-2026-002");
    check_text(&t, "0%", "C-2026-002");
    check_text(&t, "_", "X-77");
    check_text(&t, "t_", "X-77");
    check_text(&t, "\\", "X-77");
    check_text(&t, "\\5", "X-77");
    check_text(&t, "\"", "C-2026-002");
    check_text(&t, "\"N", "C-2026-002");
    check_text(&t, " ", "C-2026-001 C-2026-002 X-77");
    /* a character or pair no row has */
    check_text(&t, "#", "");
    check_text(&t, "zq", "");
    check_text(&t, "€", "");
    /* no pair across two columns: "X-77" + "Lift..." is not "7L", nor
     * "...\\5" + "Ølstad" "5Ø", nor "...ing" + "Brite" "gB" */
    check_text(&t, "7L", "");
    check_text(&t, "5Ø", "");
    check_text(&t, "gb", "");
    check_text(&t, "1O", "");
    /* with a sort key and another filter, the same rows (by title without
     * accents, descending: "Office...", "Lift...", "Échafaudage") */
    {
        struct srv_list_explain e;
        char got[256];
        list(&t, (struct pacta_list_args){.text = "a", .sort = PACTA_SORT_TITLE, .desc = 1}, &e,
             got, sizeof(got));
        CHECK_STR(got, "C-2026-001 X-77 C-2026-002");
        CHECK(e.plan == SRV_LIST_TEXT);
        srv__list_explain_clear(&e);
        list(&t, (struct pacta_list_args){.text = "Øl", .kind = "client"}, &e, got, sizeof(got));
        CHECK_STR(got, "X-77");
        srv__list_explain_clear(&e);
    }

    json_decref(a);
    json_decref(b);
    json_decref(c);
    t_close(&t);
}

static const char *const in_step_subs[] = {
    "l", "O",  "w",  "C",  "X",  "Y",  "8",  "-", "S",  "_",  "Ø",  "ø",  "é",  "É",
    "s", "Of", "wa", "c-", "sh", "88", "ce", "g", "-0", "GM", "t ", "Øl", "ic", NULL,
};

/* The triggers keep the index in step with every write. */
static void test_in_step(void)
{
    struct tdb t;
    json_t *a, *b, *c;
    struct srv_write *w;
    sqlite3 *h;
    char sql[256];

    t_open(&t);
    a = t_create(&t, "admin",
                 t_text_contract("C-2026-001", "Office cleaning", "Brite Services SRL"));
    b = t_create(&t, "admin", t_text_contract("C-2026-002", "Lift_repair", "Otis SRL"));
    c = t_create(&t, "admin", t_text_contract("X-77", "Gardening", "Ølstad SRL"));
    REQUIRE(a && b && c);
    t_text_in_step(&t, "contracts_short", srv_short_query, in_step_subs);

    /* each column, alone and together; a field outside the index */
    t_text_update(&t, a, json_pack("{s:s}", "title", "Window washing"));
    t_text_in_step(&t, "contracts_short", srv_short_query, in_step_subs);
    check_text(&t, "Of", "");
    check_text(&t, "wa", "C-2026-001");
    t_text_update(&t, b, json_pack("{s:s, s:s}", "number", "Y-88", "counterparty", "Otis GmbH"));
    t_text_in_step(&t, "contracts_short", srv_short_query, in_step_subs);
    t_text_update(&t, c,
                  json_pack("{s:I, s:s}", "amount_cents", (json_int_t)888, "description", "ice"));
    t_text_in_step(&t, "contracts_short", srv_short_query, in_step_subs);
    t_text_update(&t, a,
                  json_pack("{s:s, s:s, s:s}", "number", "C-2026-888", "title", "Office é",
                            "counterparty", "Brite"));
    t_text_in_step(&t, "contracts_short", srv_short_query, in_step_subs);
    check_text(&t, "wa", "");
    check_text(&t, " é", "C-2026-888");

    /* soft delete: still indexed, not listed; its number can be taken */
    w = t_write(&t, SRV_W_CONTRACT_DELETE, "admin",
                json_pack("{s:s, s:I}", "id", t_str(c, "id"), "version", t_int(c, "version")));
    REQUIRE(w->code == PACTA_OK);
    srv_write_free(w);
    check_text(&t, "Øl", "");
    json_decref(t_create(&t, "admin", t_text_contract("X-77", "Lift_ice", "Green SRL")));
    t_text_in_step(&t, "contracts_short", srv_short_query, in_step_subs);
    check_text(&t, "x-", "X-77");
    {
        struct srv_list_explain e;
        char got[256];
        list(&t, (struct pacta_list_args){.text = "x-", .include_deleted = 1}, &e, got,
             sizeof(got));
        CHECK_STR(got, "X-77 X-77");
        srv__list_explain_clear(&e);
    }

    /* a hard delete (no op does one; a hand-typed session may) */
    REQUIRE(sqlite3_open(t.path, &h) == SQLITE_OK);
    sqlite3_busy_timeout(h, 5000);
    snprintf(sql, sizeof(sql), "DELETE FROM contracts WHERE id = '%s'", t_str(c, "id"));
    CHECKF(sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK, "%s", sqlite3_errmsg(h));
    sqlite3_close(h);
    t_text_in_step(&t, "contracts_short", srv_short_query, in_step_subs);
    t_text_integrity(&t, "contracts_short");

    json_decref(a);
    json_decref(b);
    json_decref(c);
    t_close(&t);
}

/*
 * A connection without the tokenizer (a plain sqlite3 shell) cannot delete
 * a contract: the statement fails with "no such tokenizer" and changes
 * nothing, so the index never falls out of step.  Since migration 17 it
 * may change an indexed column: that only notes the row
 * (schema_fts_pending.h), and the index follows at pactad's next commit,
 * whatever that commit writes.  Other columns are always its to change.
 */
static void test_without_tokenizer(void)
{
    struct tdb t;
    json_t *a, *b;
    sqlite3 *h;
    char sql[256], err[256];

    t_open(&t);
    a = t_create(&t, "admin", t_text_contract("N-1", "Zq works", "Acme SRL"));
    b = t_create(&t, "admin", t_text_contract("N-2", "Bystander", "Acme SRL"));
    REQUIRE(a && b);
    sqlite3_reset_auto_extension(); /* this process's later connections: none */
    REQUIRE(sqlite3_open(t.path, &h) == SQLITE_OK);
    sqlite3_busy_timeout(h, 5000);
    snprintf(sql, sizeof(sql), "DELETE FROM contracts WHERE id = '%s'", t_str(a, "id"));
    CHECK(sqlite3_exec(h, sql, NULL, NULL, NULL) != SQLITE_OK);
    CHECKF(strstr(sqlite3_errmsg(h), "no such tokenizer: pacta_") != NULL, "%s", sqlite3_errmsg(h));
    snprintf(sql, sizeof(sql), "UPDATE contracts SET title = 'Other' WHERE id = '%s'",
             t_str(a, "id"));
    CHECKF(sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK, "%s", sqlite3_errmsg(h));
    snprintf(sql, sizeof(sql), "UPDATE contracts SET amount_cents = 5 WHERE id = '%s'",
             t_str(a, "id"));
    CHECKF(sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK, "%s", sqlite3_errmsg(h));
    sqlite3_close(h);
    CHECK(srv_short_install(err, sizeof(err)) == 0);
    /* not yet: the index still has the title pactad last committed (the
     * listing's LIKE keeps "zq" from finding the row that no longer has it) */
    check_text(&t, "zq", "");
    check_text(&t, "ot", "");
    /* pactad's next commit, of another contract, brings it up to date */
    CHECK(t_write_code(&t, SRV_W_CONTRACT_UPDATE, "admin",
                       json_pack("{s:s, s:I, s:{s:I}}", "id", t_str(b, "id"), "version",
                                 (json_int_t)t_int(b, "version"), "changes", "amount_cents",
                                 (json_int_t)7)) == PACTA_OK);
    check_text(&t, "ot", "N-1");
    check_text(&t, "zq", "");
    t_text_in_step(&t, "contracts_short", srv_short_query, in_step_subs);
    json_decref(a);
    json_decref(b);
    t_close(&t);
}

/* A file of every older version gets its existing rows indexed, migrated by
 * pactad (srv_db_open) or on a plain connection (a restore, a tool). */
static void test_migration(void)
{
    static const char *const subs[] = {"P", "ve", "M", "-1", "ă", "Ă", "x", NULL};

    for (int version = 4; version < srv__schema_latest(); version++)
        for (int plain = 0; plain < 2; plain++) {
            struct tdb t;
            char err[256] = "";
            sqlite3 *c;

            t_mkdir(&t);
            REQUIRE(sqlite3_open(t.path, &c) == SQLITE_OK);
            REQUIRE(srv__schema_migrate_to(c, version, err, sizeof(err)) == 0);
            CHECK(sqlite3_exec(c,
                               "INSERT INTO users (username, display_name, password_hash, role,"
                               " created_at) VALUES ('admin', 'admin', '$argon2id$x', 'admin',"
                               " '2026-01-01');"
                               "INSERT INTO contracts (id, number, title, counterparty, kind,"
                               " currency, owner, created_at, updated_at, updated_by) VALUES"
                               " ('0193a5f2-7c1e-7b3a-9f00-1a2b3c4d5e6f', 'M-1', 'Pre-existing',"
                               " 'Vechi Brăila', 'client', 'EUR', 'admin', '2026-01-01',"
                               " '2026-01-01', 'admin');",
                               NULL, NULL, NULL) == SQLITE_OK);
            if (plain)
                CHECKF(srv__schema_migrate(c, err, sizeof(err)) == 0, "%s", err);
            sqlite3_close(c);
            CHECKF(t_open_at(&t, err, sizeof(err)) == 0, "%s", err);
            REQUIRE(t.db != NULL);
            check_text(&t, "VE", "M-1");
            check_text(&t, "ă", "M-1");
            check_text(&t, "Ă", "M-1");
            check_text(&t, "rĂ", "M-1");
            t_text_in_step(&t, "contracts_short", srv_short_query, subs);
            t_close(&t);
        }
}

int main(void)
{
    test_tokens();
    test_query();
    test_meaning();
    test_in_step();
    test_without_tokenizer();
    test_migration();
    return t_finish();
}
