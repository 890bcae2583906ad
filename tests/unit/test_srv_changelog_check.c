/*
 * Migration 19 (issue 8): the change log's payload loses its CHECK
 * (json_valid(payload)) by an edit of the table's SQL in place.  On a file
 * of version 18 with rows: the rows stay as they were, the other CHECKs of
 * `changes` still refuse, the connection that migrated and one opened
 * before the migration both see the new schema (no stale CHECK), the file
 * passes integrity_check, and pactad opens it and writes its changes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_srv_text_util.h"

#define INSERT_CHANGE(event, version, payload)                                                     \
    "INSERT INTO changes (event, entity_id, version, actor, created_at, payload) VALUES ('" event  \
    "', 'x', " version ", 'admin', '2026-01-01', '" payload "')"

static int exec_rc(sqlite3 *c, const char *sql)
{
    return sqlite3_exec(c, sql, NULL, NULL, NULL);
}

static void test_migration_19(void)
{
    struct tdb t;
    char err[256] = "", got[4096] = "";
    sqlite3 *c, *other;

    t_mkdir(&t);
    REQUIRE(sqlite3_open(t.path, &c) == SQLITE_OK);
    REQUIRE(srv__schema_migrate_to(c, 18, err, sizeof(err)) == 0);
    CHECK(exec_rc(c, INSERT_CHANGE("contract.created", "1", "{\"a\":1}")) == SQLITE_OK);
    CHECK(exec_rc(c, INSERT_CHANGE("contract.updated", "2", "[1,2,3]")) == SQLITE_OK);
    /* version 18: not JSON is refused */
    CHECK(exec_rc(c, INSERT_CHANGE("contract.updated", "3", "not json")) == SQLITE_CONSTRAINT);

    /* a connection open before the migration, its schema read */
    REQUIRE(sqlite3_open(t.path, &other) == SQLITE_OK);
    CHECK(t_count(other, "SELECT count(*) FROM changes", NULL) == 2);

    REQUIRE(srv__schema_migrate_to(c, 19, err, sizeof(err)) == 0);
    t_rows(c, "SELECT sql FROM sqlite_schema WHERE name = 'changes'", NULL, got, sizeof(got));
    CHECKF(!strstr(got, "json_valid"), "%s", got);
    CHECKF(strstr(got, "CHECK (length(event) BETWEEN 1 AND 64)") &&
               strstr(got, "CHECK (version >= 1)") && strstr(got, "payload TEXT NOT NULL"),
           "%s", got);
    CHECK(t_count(c, "PRAGMA writable_schema", NULL) == 0);
    CHECK(t_count(c, "SELECT count(*) FROM sqlite_schema WHERE name = 'schema_cookie'", NULL) == 0);

    /* the migrating connection: the payload check is gone, the others hold */
    CHECK(exec_rc(c, INSERT_CHANGE("contract.updated", "3", "not json")) == SQLITE_OK);
    CHECK(exec_rc(c, INSERT_CHANGE("contract.updated", "0", "{}")) == SQLITE_CONSTRAINT);
    CHECK(exec_rc(c, INSERT_CHANGE("", "4", "{}")) == SQLITE_CONSTRAINT);
    /* the other connection reloads its schema too */
    CHECK(exec_rc(other, INSERT_CHANGE("contract.updated", "4", "also not json")) == SQLITE_OK);
    CHECK(exec_rc(other, INSERT_CHANGE("contract.updated", "0", "{}")) == SQLITE_CONSTRAINT);
    /* still append-only */
    CHECK(exec_rc(other, "DELETE FROM changes WHERE seq = 1") == SQLITE_CONSTRAINT);

    t_rows(c, "SELECT seq || ':' || version || ':' || payload FROM changes ORDER BY seq", NULL, got,
           sizeof(got));
    CHECK_STR(got, "1:1:{\"a\":1}|2:2:[1,2,3]|3:3:not json|4:4:also not json");
    t_rows(c, "PRAGMA integrity_check", NULL, got, sizeof(got));
    CHECK_STR(got, "ok");
    CHECK(t_count(c, "PRAGMA user_version", NULL) == 19);
    sqlite3_close(other);
    sqlite3_close(c);

    /* pactad opens it (nothing left to migrate) and logs its writes */
    CHECKF(t_open_at(&t, err, sizeof(err)) == 0, "%s", err);
    REQUIRE(t.db);
    t_add_user(&t, "ana", "editor");
    json_t *made = t_create(&t, "ana", t_text_contract("C-19", "T", "ACME"));
    CHECK(made != NULL);
    json_decref(made);
    sqlite3 *raw = t_raw(&t);
    CHECK(t_count(raw,
                  "SELECT count(*) FROM changes WHERE event = 'contract.created' AND"
                  " json_valid(payload) AND json_extract(payload, '$.contract.number') = ?",
                  "C-19") == 1);
    CHECK(t_count(raw, "PRAGMA user_version", NULL) == srv__schema_latest());
    sqlite3_close(raw);
    t_close(&t);
}

int main(void)
{
    test_migration_19();
    return test_summary();
}
