/*
 * contracts.list by title or counterparty without case or accents (issue 7,
 * migration 18, schema_sort_keys.h): the keys (db_fold.c) letter by letter,
 * the listings in both directions by cursors through every plan, edits
 * and rows written outside pactad, a file of version 17 migrated, and a
 * batch whose keys cannot be written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_fold.h"
#include "db_list.h"
#include "test_srv_text_util.h"

static void check_fold(const char *text, const char *want)
{
    char out[256];
    size_t n = pacta_fold(text, strlen(text), out);

    out[n] = '\0';
    CHECKF(strcmp(out, want) == 0, "fold \"%s\": got \"%s\", want \"%s\"", text, out, want);
}

static void test_fold(void)
{
    check_fold("", "");
    check_fold("ABC-12_x z", "abc-12_x z");
    check_fold("Ávila", "avila");
    check_fold("ÎNTREȚINERE Brașov", "intretinere brasov");
    check_fold("Întreţinere Braşov", "intretinere brasov"); /* cedilla forms too */
    check_fold("Ñandú Échafaudage Ça Öl Ÿ", "nandu echafaudage ca ol y");
    check_fold("Straße Æble Œuvre Ĳssel Þór Ðan Đak", "strasse aeble oeuvre ijssel thor dan dak");
    check_fold("Łódź Ølstad ſ İı", "lodz olstad s ii");
    check_fold("Nguyễn Đặng Phương", "nguyen dang phuong"); /* three-byte letters too */
    check_fold("ǅemal ǉubav Ǎ ẞ ḌḤ", "dzemal ljubav a ss dh");
    check_fold("ƀ ǝ ɏ ẚ", "ƀ ǝ ɏ ẚ");                   /* no base letter to fold to */
    check_fold("\xe0\x83\x80", "\xe0\x83\x80");         /* "À" overlong: not a letter */
    check_fold("Cafe\xcc\x81 A\xcc\x8a", "cafe a");     /* decomposed: the accents left out */
    check_fold("Ωmega Жук € ×÷ 😀", "ωmega жук € ×÷ 😀"); /* Greek, Cyrillic: case only */
    check_fold("ΆΣΟΣ άσος Йод Ёж ԀԁӀ", "άσοσ άσοσ йод ёж ԁԁӏ"); /* accents kept; ς as σ */
    check_fold("Աբ ᲐᲑ 日本", "Աբ ᲐᲑ 日本");     /* other scripts as they are */
    check_fold("a\xc3", "a\xc3");                               /* a sequence cut short */
    check_fold("\xc3(\x80z", "\xc3(\x80z");                     /* stray bytes */

    /* Every two- and three-byte code point: a key no longer than the text;
     * a folded one is ASCII lower case (nothing for a mark) or, for a Greek
     * or Cyrillic letter, another letter of theirs that folds to itself; an
     * unfolded one itself. */
    int folded2 = 0, folded3 = 0;
    for (unsigned c = 0x80; c < 0x10000; c++) {
        if (c >= 0xD800 && c <= 0xDFFF)
            continue; /* surrogates: not UTF-8 */
        char in[3], out[3];
        size_t len = c < 0x800 ? 2 : 3;
        if (len == 2) {
            in[0] = (char)(0xC0 | (c >> 6));
            in[1] = (char)(0x80 | (c & 0x3F));
        } else {
            in[0] = (char)(0xE0 | (c >> 12));
            in[1] = (char)(0x80 | ((c >> 6) & 0x3F));
            in[2] = (char)(0x80 | (c & 0x3F));
        }
        size_t n = pacta_fold(in, len, out);
        int same = n == len && memcmp(in, out, len) == 0, lower = 1;
        if (!same && c >= 0x370 && c <= 0x52F) {
            char again[3];
            unsigned to = n == 2 ? (((unsigned)out[0] & 0x1F) << 6) | ((unsigned)out[1] & 0x3F) : 0;
            lower = n == 2 && to >= 0x370 && to <= 0x52F && to != c &&
                    pacta_fold(out, 2, again) == 2 && memcmp(out, again, 2) == 0;
        } else {
            for (size_t i = 0; i < n && !same; i++)
                lower &= out[i] >= 'a' && out[i] <= 'z';
        }
        CHECKF(n <= len && (same || lower), "U+%04X: %zu bytes", c, n);
        if (!same)
            *(len == 2 ? &folded2 : &folded3) += 1;
    }
    /* U+00C0..U+024F's letters with an ASCII base and U+0300..U+036F's
     * 112 marks, 397; Greek's and Cyrillic's upper-case letters (and ς,
     * ϐ...), 213; U+1E00..U+1EFF's letters (protocol/src/fold.c's table) */
    CHECKF(folded2 == 610 && folded3 == 246, "%d two-byte, %d three-byte folded", folded2, folded3);

    /* the SQL function */
    sqlite3 *c;
    char got[256];
    REQUIRE(sqlite3_open(":memory:", &c) == SQLITE_OK);
    REQUIRE(srv_fold_register(c) == SQLITE_OK);
    t_rows(c,
           "SELECT coalesce(pacta_fold(NULL), 'null') UNION ALL SELECT pacta_fold('Ávila')"
           " UNION ALL SELECT pacta_fold(12) UNION ALL SELECT pacta_fold('')",
           NULL, got, sizeof(got));
    CHECK_STR(got, "null|avila|12|");

    /* the collation orders every pair as their keys do (BINARY: bytes,
     * then the shorter first) */
    static const char *const texts[] = {"",
                                        "a",
                                        "A",
                                        "ab",
                                        "á",
                                        "a\xcc\x81"
                                        "b",
                                        "Straße",
                                        "strasse",
                                        "sß",
                                        "strassé",
                                        "Ærø",
                                        "aero",
                                        "aeró",
                                        "Ωmega",
                                        "zulu",
                                        "Жук",
                                        "ĳ",
                                        "ij",
                                        "\xc3(",
                                        "\xc3",
                                        "Þór",
                                        "thor",
                                        "ŉ",
                                        "n",
                                        "Đặng",
                                        "dang",
                                        "ư",
                                        "u",
                                        "\xe1\xba",
                                        "\xe1\xba\xb7"};
    size_t nt = sizeof(texts) / sizeof(texts[0]);
    sqlite3_stmt *st;
    REQUIRE(
        sqlite3_prepare_v2(c,
                           "SELECT (?1 COLLATE pacta_fold > ?2) - (?1 COLLATE pacta_fold < ?2),"
                           " (pacta_fold(?1) > pacta_fold(?2)) - (pacta_fold(?1) < pacta_fold(?2))",
                           -1, &st, NULL) == SQLITE_OK);
    int pairs = 0, equal = 0;
    for (size_t i = 0; i < nt; i++)
        for (size_t j = 0; j < nt; j++) {
            sqlite3_bind_text(st, 1, texts[i], -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, texts[j], -1, SQLITE_STATIC);
            REQUIRE(sqlite3_step(st) == SQLITE_ROW);
            int by_collation = sqlite3_column_int(st, 0), by_keys = sqlite3_column_int(st, 1);
            CHECKF(by_collation == by_keys, "\"%s\" vs \"%s\": collation %d, keys %d", texts[i],
                   texts[j], by_collation, by_keys);
            pairs++;
            equal += by_keys == 0;
            sqlite3_reset(st);
        }
    sqlite3_finalize(st);
    CHECKF(pairs == 900 && equal > 30 + 10, "%d pairs, %d equal", pairs, equal);
    sqlite3_close(c);
}

/* The titles (and, reversed, counterparties) of the listings, and their
 * order: ties ("ábaco", "Abaco") by id. */
static const char *const titles[] = {"Zulu",     "Ávila", "avión",  "Avenida", "Échafaudage",
                                     "Edificio", "Ñandú", "Nube",   "ábaco",   "Abaco",
                                     "Ωmega",    "Ærø",   "Straße", "Strasse"};
#define NTITLES (int)(sizeof(titles) / sizeof(titles[0]))

struct field_out {
    const char *field;
    char *p;
    size_t len, o;
};

static void add_field(const json_t *it, void *ctx)
{
    struct field_out *out = ctx;
    out->o += (size_t)snprintf(out->p + out->o, out->len - out->o, "%s%s", out->o ? "|" : "",
                               t_str(it, out->field));
}

/* Every page of `a` (pages of 3) by cursors: the titles (or
 * counterparties), one string. */
static void listing(struct tdb *t, struct pacta_list_args a, enum srv_list_force force, char *out,
                    size_t len)
{
    struct field_out o = {a.sort == PACTA_SORT_COUNTERPARTY ? "counterparty" : "title", out, len,
                          0};

    out[0] = '\0';
    a.limit = 3;
    t_pages(t, a, force, add_field, &o);
}

/* The expected listing: titles[] in key order (ties by id: ids[]). */
static void expected(char *const *ids, int desc, char *out, size_t len)
{
    int order[NTITLES];
    size_t o = 0;

    for (int i = 0; i < NTITLES; i++)
        order[i] = i;
    for (int i = 1; i < NTITLES; i++)
        for (int j = i; j > 0; j--) {
            int a = order[j - 1], b = order[j];
            int c = t_key_cmp(titles[a], titles[b]);
            if (c == 0)
                c = strcmp(ids[a], ids[b]);
            if ((desc ? -c : c) <= 0)
                break;
            order[j - 1] = b;
            order[j] = a;
        }
    out[0] = '\0';
    for (int i = 0; i < NTITLES; i++)
        o += (size_t)snprintf(out + o, len - o, "%s%s", o ? "|" : "", titles[order[i]]);
}

static void create_all(struct tdb *t, char **ids)
{
    for (int i = 0; i < NTITLES; i++) {
        char number[16];
        snprintf(number, sizeof(number), "S-%02d", i);
        json_t *rec = t_create(t, "admin", t_text_contract(number, titles[i], titles[i]));
        REQUIRE(rec);
        ids[i] = strdup(t_str(rec, "id"));
        json_decref(rec);
    }
}

static void check_listings(struct tdb *t, char **ids)
{
    static const enum srv_list_force forces[] = {SRV_LIST_AUTO, SRV_LIST_FORCE_WALK,
                                                 SRV_LIST_FORCE_SEEK, SRV_LIST_FORCE_FALLBACK};
    char got[2048], want[2048];

    for (int desc = 0; desc < 2; desc++) {
        expected(ids, desc, want, sizeof(want));
        for (int s = 0; s < 2; s++)
            for (size_t f = 0; f < sizeof(forces) / sizeof(forces[0]); f++) {
                struct pacta_list_args a = {.sort = s ? PACTA_SORT_COUNTERPARTY : PACTA_SORT_TITLE,
                                            .desc = desc};
                listing(t, a, forces[f], got, sizeof(got));
                CHECKF(strcmp(got, want) == 0, "sort %d desc %d force %d:\n got  %s\n want %s", s,
                       desc, (int)forces[f], got, want);
                /* a `text` every row has: the search index's candidates,
                 * in the same order */
                a.text = "-";
                listing(t, a, forces[f], got, sizeof(got));
                CHECKF(strcmp(got, want) == 0,
                       "text, sort %d desc %d force %d:\n got  %s\n want %s", s, desc,
                       (int)forces[f], got, want);
            }
    }
}

static void test_order(void)
{
    struct tdb t;
    char *ids[NTITLES], got[2048];

    t_open(&t);
    create_all(&t, ids);
    check_listings(&t, ids);
    /* spelled out once, not by the oracle: "ábaco"/"Abaco" tie (by id) */
    listing(&t, (struct pacta_list_args){.sort = PACTA_SORT_TITLE}, SRV_LIST_AUTO, got,
            sizeof(got));
    const char *tail = "|Ærø|Avenida|Ávila|avión|Échafaudage|Edificio|Ñandú|Nube|Stra";
    CHECKF(strstr(got, tail) && strstr(got, "|Zulu|Ωmega") &&
               (strncmp(got, "ábaco|Abaco|", strlen("ábaco|Abaco|")) == 0 ||
                strncmp(got, "Abaco|ábaco|", strlen("Abaco|ábaco|")) == 0),
           "%s", got);
    CHECK(strstr(got, "Straße|Strasse") || strstr(got, "Strasse|Straße"));
    /* an edit moves its row */
    json_t *rec = t_get(&t, ids[0]); /* "Zulu" */
    struct srv_write *w =
        t_write(&t, SRV_W_CONTRACT_UPDATE, "admin",
                json_pack("{s:s, s:I, s:{s:s}}", "id", ids[0], "version",
                          (json_int_t)t_int(rec, "version"), "changes", "title", "Ábside"));
    CHECK(w->code == PACTA_OK);
    srv_write_free(w);
    json_decref(rec);
    listing(&t, (struct pacta_list_args){.sort = PACTA_SORT_TITLE}, SRV_LIST_FORCE_WALK, got,
            sizeof(got));
    CHECKF(strstr(got, "|Ábside|Ærø|Avenida|") && !strstr(got, "Zulu"), "%s", got);
    sqlite3 *raw = t_raw(&t);
    CHECK(t_count(raw, "SELECT count(*) FROM contracts_sort_pending", NULL) == 0);
    CHECK(t_count(raw, "SELECT count(*) FROM contracts WHERE title_key IS NULL", NULL) == 0);
    sqlite3_close(raw);
    for (int i = 0; i < NTITLES; i++)
        free(ids[i]);
    t_close(&t);
}

/* Rows written by a connection without pacta_fold (the sqlite3 shell):
 * their keys follow at pactad's next commit, and at its next open. */
static void test_foreign(void)
{
    struct tdb t;
    char *ids[NTITLES], got[2048], err[256] = "";

    t_open(&t);
    create_all(&t, ids);
    sqlite3 *raw = t_raw(&t);
    CHECK(sqlite3_exec(raw, "UPDATE contracts SET title = 'Ábside' WHERE number = 'S-00'", NULL,
                       NULL, NULL) == SQLITE_OK);
    CHECK(t_count(raw, "SELECT count(*) FROM contracts_sort_pending", NULL) == 1);
    /* until pactad writes, the row keeps its old key */
    listing(&t, (struct pacta_list_args){.sort = PACTA_SORT_TITLE}, SRV_LIST_AUTO, got,
            sizeof(got));
    CHECKF(strstr(got, "|Ábside|Ωmega"), "%s", got);
    json_t *rec = t_create(&t, "admin", t_text_contract("S-99", "Mango", "Mango"));
    REQUIRE(rec);
    json_decref(rec);
    CHECK(t_count(raw, "SELECT count(*) FROM contracts_sort_pending", NULL) == 0);
    listing(&t, (struct pacta_list_args){.sort = PACTA_SORT_TITLE}, SRV_LIST_AUTO, got,
            sizeof(got));
    CHECKF(strstr(got, "|Ábside|Ærø|Avenida|") && strstr(got, "|Edificio|Mango|Ñandú|"), "%s", got);

    /* while pactad is closed: a new counterparty, left for the next open */
    t_close_db(&t);
    CHECK(sqlite3_exec(raw, "UPDATE contracts SET counterparty = 'Öko AG' WHERE number = 'S-01'",
                       NULL, NULL, NULL) == SQLITE_OK);
    CHECK(t_count(raw, "SELECT count(*) FROM contracts_sort_pending", NULL) == 1);
    sqlite3_close(raw);
    CHECKF(t_open_at(&t, err, sizeof(err)) == 0, "%s", err);
    REQUIRE(t.db);
    listing(&t, (struct pacta_list_args){.sort = PACTA_SORT_COUNTERPARTY}, SRV_LIST_AUTO, got,
            sizeof(got));
    CHECKF(strstr(got, "|Nube|Öko AG|Stra"), "%s", got);
    raw = t_raw(&t);
    CHECK(t_count(raw, "SELECT count(*) FROM contracts_sort_pending", NULL) == 0);
    sqlite3_close(raw);
    for (int i = 0; i < NTITLES; i++)
        free(ids[i]);
    t_close(&t);
}

/* A file of version 17 (title_key the title under NOCASE) with rows in it:
 * the migration writes every row's keys. */
static void test_migration(void)
{
    struct tdb t;
    char err[256] = "", got[2048];
    sqlite3 *c;

    t_mkdir(&t);
    REQUIRE(sqlite3_open(t.path, &c) == SQLITE_OK);
    REQUIRE(srv__schema_migrate_to(c, 17, err, sizeof(err)) == 0);
    CHECK(sqlite3_exec(c,
                       "INSERT INTO users (username, display_name, password_hash, role, created_at)"
                       " VALUES ('admin', 'admin', '$argon2id$x', 'admin', '2026-01-01');",
                       NULL, NULL, NULL) == SQLITE_OK);
    for (int i = 0; i < NTITLES; i++) {
        char sql[512];
        snprintf(sql, sizeof(sql),
                 "INSERT INTO contracts (id, number, title, counterparty, kind, currency, owner,"
                 " created_at, updated_at, updated_by) VALUES"
                 " ('0193a5f2-7c1e-7b3a-9f00-1a2b3c4d5e%02d', 'M-%d', '%s', '%s', 'client', 'EUR',"
                 " 'admin', '2026-01-01', '2026-01-01', 'admin')",
                 i, i, titles[i], titles[i]);
        CHECKF(sqlite3_exec(c, sql, NULL, NULL, NULL) == SQLITE_OK, "%s", sqlite3_errmsg(c));
    }
    sqlite3_close(c);
    CHECKF(t_open_at(&t, err, sizeof(err)) == 0, "%s", err);
    REQUIRE(t.db);
    char *ids[NTITLES];
    for (int i = 0; i < NTITLES; i++) {
        ids[i] = malloc(40);
        snprintf(ids[i], 40, "0193a5f2-7c1e-7b3a-9f00-1a2b3c4d5e%02d", i);
    }
    check_listings(&t, ids);
    sqlite3 *raw = t_raw(&t);
    t_rows(raw, "SELECT title_key FROM contracts WHERE number = 'M-4'", NULL, got, sizeof(got));
    CHECK_STR(got, "echafaudage");
    CHECK(t_count(raw, "SELECT count(*) FROM contracts_sort_pending", NULL) == 0);
    CHECK(t_count(raw, "PRAGMA user_version", NULL) == srv__schema_latest());
    sqlite3_close(raw);
    for (int i = 0; i < NTITLES; i++)
        free(ids[i]);
    t_close(&t);
}

/* Keys that cannot be written: the batch fails whole, and an open with
 * notes it cannot apply is refused, the notes kept. */
static void test_apply_fails(void)
{
    struct tdb t;
    char err[256] = "";

    t_open(&t);
    json_t *a = t_create(&t, "admin", t_text_contract("F-1", "Fuel", "Petro SA"));
    REQUIRE(a);
    sqlite3 *raw = t_raw(&t);
    REQUIRE(sqlite3_exec(raw,
                         "CREATE TRIGGER test_keep BEFORE DELETE ON contracts_sort_pending"
                         " BEGIN SELECT RAISE(ABORT, 'kept by the test'); END",
                         NULL, NULL, NULL) == SQLITE_OK);
    struct srv_write *w =
        t_write(&t, SRV_W_CONTRACT_CREATE, "admin", t_text_contract("F-2", "Gasoline", "Petro SA"));
    CHECKF(w->code == PACTA_UNAVAILABLE, "code %d %s", w->code, w->err.message);
    srv_write_free(w);
    w = t_write(&t, SRV_W_CONTRACT_UPDATE, "admin",
                json_pack("{s:s, s:I, s:{s:s}}", "id", t_str(a, "id"), "version",
                          (json_int_t)t_int(a, "version"), "changes", "title", "Diesel"));
    CHECKF(w->code == PACTA_UNAVAILABLE, "code %d %s", w->code, w->err.message);
    srv_write_free(w);
    CHECK(t_count(raw, "SELECT count(*) FROM contracts", NULL) == 1);
    CHECK(t_count(raw, "SELECT count(*) FROM contracts WHERE title = 'Fuel' AND title_key = 'fuel'",
                  NULL) == 1);
    CHECK(t_count(raw, "SELECT count(*) FROM contracts_sort_pending", NULL) == 0);

    /* a note left by the shell, and an open that cannot apply it */
    CHECK(sqlite3_exec(raw, "UPDATE contracts SET title = 'Ölwerk' WHERE number = 'F-1'", NULL,
                       NULL, NULL) == SQLITE_OK);
    t_close_db(&t);
    CHECK(t_open_at(&t, err, sizeof(err)) != 0 && t.db == NULL);
    CHECKF(strstr(err, "cannot bring the search index and sort keys up to date") &&
               strstr(err, "kept by the test"),
           "%s", err);
    uv_loop_close(&t.loop);
    CHECK(t_count(raw, "SELECT count(*) FROM contracts_sort_pending", NULL) == 1);
    REQUIRE(sqlite3_exec(raw, "DROP TRIGGER test_keep", NULL, NULL, NULL) == SQLITE_OK);
    CHECKF(t_open_at(&t, err, sizeof(err)) == 0, "%s", err);
    REQUIRE(t.db);
    CHECK(t_count(raw, "SELECT count(*) FROM contracts WHERE title_key = 'olwerk'", NULL) == 1);
    CHECK(t_count(raw, "SELECT count(*) FROM contracts_sort_pending", NULL) == 0);
    sqlite3_close(raw);
    json_decref(a);
    t_close(&t);
}

int main(void)
{
    test_fold();
    test_order();
    test_foreign();
    test_migration();
    test_apply_fails();
    return t_finish();
}
