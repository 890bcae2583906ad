/*
 * it_sessions_purge: sessions revoked or expired more than 30 days ago
 * are deleted at the daily scan.  Every pactactl command logs in and out,
 * leaving a revoked row, so the table grew for ever (found by the admin
 * ops review: 31 revoked rows on one test server).
 *
 * Fake clock (--fake-now, --alert-time 08:00, tokens valid for years): a
 * live session, one logged out on Jan 1 and one on Jan 20.  On Jan 20 all
 * three rows are there; on Feb 5 (the daily scan) the Jan 1 one is gone,
 * the live one and the Jan 20 one stay, and the live one still works.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "harness.h"
#include "test.h"

static void clock_set(struct ctl_client *admin, const char *now)
{
    json_t *r = it_call(admin, "admin.clock.set", json_pack("{s:s}", "now", now), NULL);
    REQUIRE(r);
    json_decref(r);
}

/* A login on a connection of its own, then auth.logout. */
static void login_logout(struct it_server *s)
{
    struct ctl_client *c = it_login_admin(s);
    json_t *r = it_call(c, "auth.logout", json_object(), NULL);
    CHECK(r != NULL);
    json_decref(r);
    ctl_client_close(c);
}

/* The sessions' revoked_at dates ("-" when live), oldest first. */
static void revoked(const char *db, char *out, size_t n)
{
    sqlite3 *d = NULL;
    sqlite3_stmt *st = NULL;
    size_t o = 0;
    out[0] = '\0';
    REQUIRE(sqlite3_open_v2(db, &d, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    REQUIRE(sqlite3_prepare_v2(d,
                               "SELECT coalesce(substr(revoked_at, 1, 10), '-') FROM sessions"
                               " ORDER BY created_at",
                               -1, &st, NULL) == SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW && o < n)
        o += (size_t)snprintf(out + o, n - o, "%s%s", o ? " " : "",
                              (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(d);
}

int main(void)
{
    char db[700], rows[256];
    it_setup("it_sessions_purge");
    const char *args[] = {"--fake-now", "2026-01-01T09:00:00Z", "--alert-time",
                          "08:00",      "--session-ttl",        "315360000",
                          NULL};
    struct it_server *s = it_server_start(args);
    it_server_db_path(s, db, sizeof db);
    struct ctl_client *admin = it_login_admin(s);
    login_logout(s);

    clock_set(admin, "2026-01-20T09:00:00Z");
    login_logout(s);
    revoked(db, rows, sizeof rows);
    CHECK_STR(rows, "- 2026-01-01 2026-01-20");

    clock_set(admin, "2026-02-05T09:00:00Z");
    revoked(db, rows, sizeof rows);
    CHECK_STR(rows, "- 2026-01-20");
    json_t *r = it_call(admin, "admin.stats", json_object(), NULL); /* still logged in */
    CHECK(r != NULL);
    json_decref(r);

    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);
    return it_done(test_summary());
}
