/*
 * contracts.list `text` without case or accents (migration 20,
 * schema_fold_text.h): a row matches when the key (db_fold.h) of its
 * number, title or counterparty holds the text's key — "timisoara" finds
 * "Timișoara", "ÎNTRE" finds "Întreținere", "strasse" finds "Straße", and
 * since migration 22 "жук" finds "ЖУК" — and whichever plan reads the
 * listing gives the same rows: through the index
 * (contracts_short for a key of one or two characters, contracts_text for
 * three or more), a walk of the sort index, or a seek, each testing
 * pacta_contains on the row.
 */
#include "db_list.h"
#include "db_list-private.h"
#include "db_short.h"
#include "test_srv_text_util.h"

#define FFFD "\xEF\xBF\xBD"
#define FFFE "\xEF\xBF\xBE"
#define ACUTE "\xCC\x81" /* U+0301, combining */

/* The numbers of one listing (a page of 100), space-separated. */
static void list(struct tdb *t, const char *text, enum srv_list_force force, char *out, size_t len)
{
    srv__list_force(force);
    t_list_numbers(t, (struct pacta_list_args){.text = text, .limit = 100}, out, len, 10);
    srv__list_force(SRV_LIST_AUTO);
}

/* `text` lists `want` through its index, and the same by a walk and a seek. */
static void check(struct tdb *t, const char *text, const char *want)
{
    char indexed[512], walked[512], sought[512];
    struct srv_list_explain e;
    struct pacta_error err;
    sqlite3 *r = srv_db_reader_acquire(t->db);
    struct pacta_list_args a = {.text = text, .limit = 100};
    char *key = srv_text_key(text), *shortq = srv_short_query(key);
    const char *index = !key[0] ? NULL : shortq ? "contracts_short" : "contracts_text";

    REQUIRE(srv__list_explain(r, &a, &e, &err) == 0);
    if (index)
        CHECKF(e.plan == SRV_LIST_TEXT && strcmp(e.index, index) == 0,
               "\"%s\": plan %s %s, want %s", text, srv__list_plan_name(e.plan), e.index, index);
    srv__list_explain_clear(&e);
    srv_db_reader_release(t->db, r);
    free(shortq);
    free(key);

    list(t, text, SRV_LIST_AUTO, indexed, sizeof(indexed));
    list(t, text, SRV_LIST_FORCE_WALK, walked, sizeof(walked));
    list(t, text, SRV_LIST_FORCE_SEEK, sought, sizeof(sought));
    CHECKF(strcmp(indexed, want) == 0 && strcmp(walked, want) == 0 && strcmp(sought, want) == 0,
           "\"%s\":\n index %s\n walk  %s\n seek  %s\n want  %s", text, indexed, walked, sought,
           want);
}

static void check_all(struct tdb *t)
{
    /* accents and case, of one, two and more characters */
    check(t, "timisoara", "N-1");
    check(t, "TIMIȘOARA", "N-1");
    check(t, "ș", "N-1 N-2 N-3 N-4 N-5");
    check(t, "iȘo", "N-1");
    check(t, "î", "N-1 N-2 N-4");
    check(t, "ÎNTRE", "N-1");
    check(t, "intretinere", "N-1");
    check(t, "ță", "N-3 N-5");
    check(t, "Ta", "N-3 N-5");
    /* "ß" is "ss", both ways, and a letter whose key is two ("æ" "ae") */
    check(t, "strasse", "N-2");
    check(t, "STRAßE", "N-2");
    check(t, "ß", "N-2");
    check(t, "ss", "N-2");
    check(t, "ae", "N-2 N-4");
    check(t, "Æ", "N-2 N-4");
    /* an accent written apart (decomposed) is the same letter */
    check(t, "cafe", "N-4");
    check(t, "café", "N-4");
    check(t, "cafe" ACUTE, "N-4");
    check(t, "e" ACUTE, "N-1 N-2 N-3 N-4 N-5");
    check(t, "ne" ACUTE "re", "N-1");
    /* a text that is only accents filters nothing */
    check(t, ACUTE, "N-1 N-2 N-3 N-4 N-5");
    /* Greek and Cyrillic without case (migration 22), their accents kept */
    check(t, "Ωμέγα", "N-5");
    check(t, "ωμέγα", "N-5");
    check(t, "ΩΜΈΓΑ", "N-5");
    check(t, "ωμεγα", "");
    check(t, "жук", "N-5");
    check(t, "Жу", "N-5");
    /* the noncharacter U+FFFE is its own character, not U+FFFD */
    check(t, FFFE, "N-5");
    check(t, FFFD, "");
    /* nothing has it */
    check(t, "zq", "");
    check(t, "#", "");
    check(t, "nosuch", "");
    /* no run across two columns: "N-1" + "Întreținere..." is not "1în" */
    check(t, "1în", "");
}

/* `text` on a file that is not pactad's (t's own connection). */
static void check_file(struct tdb *t, const char *sql, const char *want)
{
    sqlite3 *c;
    char got[256];

    REQUIRE(sqlite3_open(t->path, &c) == SQLITE_OK);
    t_rows(c, sql, NULL, got, sizeof got);
    CHECKF(strcmp(got, want) == 0, "%s: got \"%s\", want \"%s\"", sql, got, want);
    sqlite3_close(c);
}

/*
 * Migration 20 on a file of version 19: contracts_text had SQLite's
 * trigram tokenizer (no accents folded), contracts_short tokens of other
 * rules (here: none at all, its rows deleted), and a title changed outside
 * pactad left a note of its old values.  Both indexes are made again from
 * the contracts as they are, and the note goes: the new title is found
 * without accents, the old one not at all, and both indexes pass FTS5's
 * own integrity-check.
 */
static void test_migration(void)
{
    struct tdb t;

    t_old_file(&t, 19,
               T_OLD_CONTRACTS T_OLD_CONTRACT(
                   "6f", "M-1", "Întreținere lift",
                   "Hooli Timișoara SRL") ";"
                                          "INSERT INTO contracts_short "
                                          "(contracts_short) VALUES ('delete-all');"
                                          "UPDATE contracts SET title = "
                                          "'Mentenanță' WHERE number = 'M-1';");
    check_file(&t, "SELECT count(*) FROM contracts_text_pending", "1");
    t_open_old(&t);
    {
        char latest[16];
        snprintf(latest, sizeof latest, "%d", srv__schema_latest());
        check_file(&t, "PRAGMA user_version", latest);
    }
    check_file(&t, "SELECT count(*) FROM contracts_text_pending", "0");
    check_file(&t,
               "SELECT instr(sql, 'pacta_trigram') > 0 FROM sqlite_schema"
               " WHERE name = 'contracts_text'",
               "1");
    check(&t, "timisoara", "M-1");
    check(&t, "mentenanta", "M-1");
    check(&t, "ță", "M-1");
    check(&t, "întreținere", "");
    check(&t, "ere", "");
    t_text_integrity(&t, "contracts_short");
    t_text_integrity(&t, "contracts_text");
    t_close(&t);
}

/*
 * Migration 22 on a file of version 21: the Greek and Cyrillic titles'
 * keys are written again, and the three indexes hold the new tokens: "жук"
 * finds "ЖУК" in `text` and `q`.
 */
static void test_migration_scripts(void)
{
    struct tdb t;

    /* the keys as version 21 made them (Cyrillic and Greek as written), and
     * text indexes without this file's tokens */
    t_old_file(
        &t, 21,
        T_OLD_CONTRACTS T_OLD_CONTRACT("6f", "M-1", "ЖУК лифт", "Σοφία ΑΕ") "," T_OLD_CONTRACT(
            "70", "M-2", "жук два",
            "Acme") ";"
                    "UPDATE contracts SET title_key = title, counterparty_key = counterparty;"
                    "DELETE FROM contracts_sort_pending;"
                    "INSERT INTO contracts_text (contracts_text) VALUES ('delete-all');"
                    "INSERT INTO contracts_short (contracts_short) VALUES ('delete-all');");
    t_open_old(&t);
    check_file(&t,
               "SELECT title_key || '|' || counterparty_key FROM contracts WHERE number = 'M-1'",
               "жук лифт|σοφία αε");
    check(&t, "жук", "M-1 M-2");
    check(&t, "ЖУ", "M-1 M-2");
    check(&t, "ΣΟΦΊΑ", "M-1");
    {
        sqlite3 *r = srv_db_reader_acquire(t.db);
        json_t *page = NULL;
        struct pacta_error e;
        struct pacta_list_args a = {.q = "ЖУК", .limit = 10, .sort = PACTA_SORT_NUMBER};
        REQUIRE(srv_db_read_contracts(r, &a, &page, &e) == 0);
        CHECKF(json_array_size(json_object_get(page, "items")) == 2, "q: %zu",
               json_array_size(json_object_get(page, "items")));
        json_decref(page);
        srv_db_reader_release(t.db, r);
    }
    t_text_integrity(&t, "contracts_short");
    t_text_integrity(&t, "contracts_text");
    t_text_integrity(&t, "contracts_fts");
    t_close(&t);
}

int main(void)
{
    struct tdb t;

    t_open(&t);
    json_decref(
        t_create(&t, "admin", t_text_contract("N-1", "Întreținere lift", "Hooli Timișoara SRL")));
    json_decref(t_create(&t, "admin", t_text_contract("N-2", "Straße Æsir", "Vest GmbH")));
    json_decref(t_create(&t, "admin", t_text_contract("N-3", "Mentenanță", "Argeș SA")));
    json_decref(t_create(&t, "admin", t_text_contract("N-4", "Café aerian", "Nord SRL")));
    json_decref(t_create(&t, "admin", t_text_contract("N-5", "Ωμέγα ЖУК " FFFE, "Delta SRL")));
    check_all(&t);

    /* the same after every title changes and back (the notes' delete and
     * insert: a row goes out of a contentless index by its folded tokens) */
    for (int round = 0; round < 2; round++) {
        sqlite3 *r = srv_db_reader_acquire(t.db);
        json_t *page = NULL, *rec;
        struct pacta_error err;
        struct pacta_list_args a = {.limit = 10};
        size_t i;

        REQUIRE(srv_db_read_contracts(r, &a, &page, &err) == 0);
        srv_db_reader_release(t.db, r);
        json_array_foreach(json_object_get(page, "items"), i, rec)
        {
            const char *title = t_str(rec, "title");
            char swapped[128];

            if (round == 0)
                snprintf(swapped, sizeof swapped, "Zz %s", title);
            else
                snprintf(swapped, sizeof swapped, "%s", title + 3);
            t_text_update(&t, rec, json_pack("{s:s}", "title", swapped));
        }
        json_decref(page);
    }
    check_all(&t);

    /* bytes that are not UTF-8, written outside pactad (the protocol takes
     * none): a stray continuation byte after "😀" is a character of its
     * own to both indexes, as to pacta_contains's comparison of bytes */
    {
        sqlite3 *h;
        REQUIRE(sqlite3_open(t.path, &h) == SQLITE_OK);
        sqlite3_busy_timeout(h, 5000);
        CHECKF(sqlite3_exec(h,
                            "UPDATE contracts SET title = CAST(X'F09F988080412D42' AS TEXT)"
                            " WHERE number = 'N-5'",
                            NULL, NULL, NULL) == SQLITE_OK,
               "%s", sqlite3_errmsg(h));
        sqlite3_close(h);
        /* pactad's next commit applies the note */
        sqlite3 *r = srv_db_reader_acquire(t.db);
        json_t *page = NULL;
        struct pacta_error err;
        struct pacta_list_args a = {.text = "Straße", .limit = 1};
        REQUIRE(srv_db_read_contracts(r, &a, &page, &err) == 0);
        srv_db_reader_release(t.db, r);
        t_text_update(&t, json_array_get(json_object_get(page, "items"), 0),
                      json_pack("{s:s}", "title", "Straße Æsir"));
        json_decref(page);
        check(&t, "\xF0\x9F\x98\x80", "N-5");
        check(&t,
              "\xF0\x9F\x98\x80"
              "A",
              "");
        check(&t, "A-b", "N-5");
    }
    t_text_integrity(&t, "contracts_short");
    t_text_integrity(&t, "contracts_text");
    t_close(&t);
    test_migration();
    test_migration_scripts();
    return t_finish();
}
