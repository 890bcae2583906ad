/*
 * contracts.list `text` of one or two characters reads the same rows
 * whichever plan reads them: through contracts_short (TEXT), a walk with
 * the LIKE on every row, or a seek.  LIKE reads a character as SQLite's
 * sqlite3Utf8Read does, and that reads the noncharacters U+FFFE and U+FFFF
 * (valid UTF-8, which the protocol accepts in any text) as U+FFFD: "\uFFFD"
 * is LIKE "%\uFFFE%".  The tokenizer must make the same characters of them
 * (db_short.c), else a text found by a walk is missing from the same
 * listing read through the index.
 */
#include "db_list.h"
#include "db_list-private.h"
#include "db_short.h"
#include "test_srv_text_util.h"

#define FFFD "\xEF\xBF\xBD"
#define FFFE "\xEF\xBF\xBE"
#define FFFF "\xEF\xBF\xBF"

/* The numbers of one listing (a page of 100), space-separated. */
static void list(struct tdb *t, const char *text, enum srv_list_force force, char *out, size_t len)
{
    srv__list_force(force);
    t_list_numbers(t, (struct pacta_list_args){.text = text, .limit = 100}, out, len, 10);
    srv__list_force(SRV_LIST_AUTO);
}

/* The numbers of the contracts whose columns are LIKE the text (SQLite's
 * own LIKE, as the walk tests it). */
static void like(struct tdb *t, const char *text, char *out, size_t len)
{
    sqlite3 *r = srv_db_reader_acquire(t->db);
    char *pat = srv__list_like_pattern(text);
    sqlite3_stmt *st = NULL;
    size_t o = 0;

    out[0] = '\0';
    REQUIRE(sqlite3_prepare_v2(r,
                               "SELECT number FROM contracts WHERE number LIKE ?1 ESCAPE '\\'"
                               " OR title LIKE ?1 ESCAPE '\\' OR counterparty LIKE ?1 ESCAPE '\\'"
                               " ORDER BY number",
                               -1, &st, NULL) == SQLITE_OK);
    sqlite3_bind_text(st, 1, pat, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW)
        o += (size_t)snprintf(out + o, len - o, "%s%s", o ? " " : "",
                              (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    free(pat);
    srv_db_reader_release(t->db, r);
}

static void check_plans(struct tdb *t, const char *const *texts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char indexed[512], walked[512], sought[512], want[512];
        struct srv_list_explain e;
        struct pacta_error err;
        sqlite3 *r = srv_db_reader_acquire(t->db);
        struct pacta_list_args a = {.text = texts[i], .limit = 100};

        /* the automatic plan reads the short index */
        REQUIRE(srv__list_explain(r, &a, &e, &err) == 0);
        CHECKF(e.plan == SRV_LIST_TEXT && strcmp(e.index, "contracts_short") == 0,
               "text %zu: plan %s %s", i, srv__list_plan_name(e.plan), e.index);
        srv__list_explain_clear(&e);
        srv_db_reader_release(t->db, r);

        list(t, texts[i], SRV_LIST_AUTO, indexed, sizeof(indexed));
        list(t, texts[i], SRV_LIST_FORCE_WALK, walked, sizeof(walked));
        list(t, texts[i], SRV_LIST_FORCE_SEEK, sought, sizeof(sought));
        like(t, texts[i], want, sizeof(want));
        CHECKF(strcmp(indexed, want) == 0 && strcmp(walked, want) == 0 && strcmp(sought, want) == 0,
               "text %zu:\n index %s\n walk  %s\n seek  %s\n LIKE  %s", i, indexed, walked, sought,
               want);
    }
}

int main(void)
{
    static const char *const texts[] = {
        FFFD,     FFFE,     FFFF,      "a" FFFD,  "a" FFFE, FFFF "b",
        FFFE "b", FFFD "b", FFFD FFFD, FFFE FFFF, "x",
    };
    struct tdb t;

    t_open(&t);
    /* each noncharacter alone, after a letter, before one, and a pair */
    json_decref(t_create(&t, "admin", t_text_contract("N-1", "one " FFFE " two", "Acme")));
    json_decref(t_create(&t, "admin", t_text_contract("N-2", "a" FFFF "b", "Brite")));
    json_decref(t_create(&t, "admin", t_text_contract("N-3", "x" FFFD, "Cleanco")));
    json_decref(t_create(&t, "admin", t_text_contract("N-4", "plain", "a" FFFE FFFF "b")));
    json_decref(t_create(&t, "admin", t_text_contract("N-5", "plain", "none")));
    check_plans(&t, texts, sizeof(texts) / sizeof(texts[0]));

    /* the same after the titles change (the triggers' delete and insert) */
    sqlite3 *r = srv_db_reader_acquire(t.db);
    json_t *page = NULL;
    struct pacta_error err;
    struct pacta_list_args a = {.text = "plain", .limit = 10};
    REQUIRE(srv_db_read_contracts(r, &a, &page, &err) == 0);
    srv_db_reader_release(t.db, r);
    size_t i;
    json_t *rec;
    json_array_foreach(json_object_get(page, "items"), i, rec)
    {
        struct srv_write *w =
            t_write(&t, SRV_W_CONTRACT_UPDATE, "admin",
                    json_pack("{s:s, s:I, s:{s:s}}", "id", t_str(rec, "id"), "version",
                              t_int(rec, "version"), "changes", "title", FFFF "a" FFFE));
        REQUIRE(w->code == PACTA_OK);
        srv_write_free(w);
    }
    json_decref(page);
    check_plans(&t, texts, sizeof(texts) / sizeof(texts[0]));
    t_close(&t);
    return t_finish();
}
