/*
 * Helpers of the tests of contracts.list `text` and its two indexes
 * (test_srv_text.c: contracts_text, trigrams; test_srv_short.c and
 * test_srv_short_like.c: contracts_short, characters and pairs): a
 * contract of three texts, a statement's rows as text, an index checked
 * against pacta_contains on the table, its integrity-check, an update.
 */
#ifndef PACTA_TEST_SRV_TEXT_UTIL_H
#define PACTA_TEST_SRV_TEXT_UTIL_H

#include "db_list.h"
#include "db_short.h"
#include "test_srv_db_util.h"

/* INSERT of contracts with these texts (the rest the same), for
 * t_old_file. */
#define T_OLD_CONTRACTS                                                                            \
    "INSERT INTO contracts (id, number, title, counterparty, kind, currency,"                      \
    " owner, created_at, updated_at, updated_by) VALUES "
#define T_OLD_CONTRACT(id, number, title, counterparty)                                            \
    "('0193a5f2-7c1e-7b3a-9f00-1a2b3c4d5e" id "', '" number "', '" title "', '" counterparty       \
    "', 'client', 'EUR', 'admin', '2026-01-01', '2026-01-01', 'admin')"

/* A file of an older version, made by the real migrations up to `version`
 * on a plain connection (no pactad), with the admin user and what `sql`
 * writes; t_open_old opens it. */
static inline void t_old_file(struct tdb *t, int version, const char *sql)
{
    char err[256] = "";
    sqlite3 *c;

    t_mkdir(t);
    REQUIRE(sqlite3_open(t->path, &c) == SQLITE_OK);
    REQUIRE(srv__schema_migrate_to(c, version, err, sizeof(err)) == 0);
    CHECKF(sqlite3_exec(c,
                        "INSERT INTO users (username, display_name, password_hash, role,"
                        " created_at) VALUES ('admin', 'admin', '$argon2id$x', 'admin',"
                        " '2026-01-01');",
                        NULL, NULL, NULL) == SQLITE_OK &&
               sqlite3_exec(c, sql, NULL, NULL, NULL) == SQLITE_OK,
           "%s", sqlite3_errmsg(c));
    sqlite3_close(c);
}

/* The file t_old_file made, opened by pactad, which migrates the rest. */
static inline void t_open_old(struct tdb *t)
{
    char err[256] = "";

    CHECKF(t_open_at(t, err, sizeof(err)) == 0, "%s", err);
    REQUIRE(t->db != NULL);
}

/* contracts.create's arguments for a client contract in EUR. */
static inline json_t *t_text_contract(const char *number, const char *title,
                                      const char *counterparty)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s}", "number", number, "title", title, "counterparty",
                     counterparty, "kind", "client", "currency", "EUR");
}

/* The rows of a statement's first column, separated by |, in `out`
 * (bind1: its ?1, or NULL). */
static inline void t_rows(sqlite3 *c, const char *sql, const char *bind1, char *out, size_t len)
{
    sqlite3_stmt *st = NULL;
    size_t o = 0;

    out[0] = '\0';
    CHECKF(sqlite3_prepare_v2(c, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql,
           sqlite3_errmsg(c));
    if (bind1)
        sqlite3_bind_text(st, 1, bind1, -1, SQLITE_TRANSIENT);
    while (st && sqlite3_step(st) == SQLITE_ROW && o < len)
        o += (size_t)snprintf(out + o, len - o, "%s%s", o ? "|" : "",
                              (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

/*
 * The index and the table agree: for each substring, the rows `index`
 * yields for query(its key) are exactly those whose number, title or
 * counterparty contain it (pacta_contains, the row's test).  Deleted
 * contracts stay indexed (the listing filters them), so every row counts.
 */
static inline void t_text_in_step(struct tdb *t, const char *index, char *(*query)(const char *key),
                                  const char *const *subs)
{
    sqlite3 *r = srv_db_reader_acquire(t->db);
    char sql[200];

    snprintf(sql, sizeof sql, "SELECT rowid FROM %s WHERE %s MATCH ? ORDER BY rowid", index, index);
    for (; *subs; subs++) {
        char *key = srv_text_key(*subs), *m = query(key);
        char got[2048], want[2048];

        REQUIRE(m != NULL);
        t_rows(r, sql, m, got, sizeof(got));
        t_rows(r,
               "SELECT m.rid FROM contracts c JOIN contracts_fts_map m ON m.id = c.id"
               " WHERE pacta_contains(?1, c.number, c.title, c.counterparty) ORDER BY m.rid",
               key, want, sizeof(want));
        CHECKF(strcmp(got, want) == 0, "%s \"%s\": index %s, table %s", index, *subs, got, want);
        free(m);
        free(key);
    }
    srv_db_reader_release(t->db, r);
}

/* An FTS5 index's own integrity-check, on a connection of the test's own
 * (which has pacta_short: srv_db_open installed it for the process). */
static inline void t_text_integrity(struct tdb *t, const char *index)
{
    sqlite3 *c;
    char sql[200];

    snprintf(sql, sizeof sql, "INSERT INTO %s (%s, rank) VALUES ('integrity-check', 0)", index,
             index);
    REQUIRE(sqlite3_open(t->path, &c) == SQLITE_OK);
    sqlite3_busy_timeout(c, 5000);
    CHECKF(sqlite3_exec(c, sql, NULL, NULL, NULL) == SQLITE_OK, "%s integrity-check: %s", index,
           sqlite3_errmsg(c));
    sqlite3_close(c);
}

/* contracts.update of rec by admin (no reason: rec is not active); rec
 * follows the stored record. */
static inline void t_text_update(struct tdb *t, json_t *rec, json_t *changes)
{
    struct srv_write *w = t_write(t, SRV_W_CONTRACT_UPDATE, "admin",
                                  json_pack("{s:s, s:I, s:o}", "id", t_str(rec, "id"), "version",
                                            t_int(rec, "version"), "changes", changes));
    REQUIRE(w->code == PACTA_OK);
    json_object_update(rec, json_object_get(w->result, "contract"));
    srv_write_free(w);
}

#endif
