/*
 * notifications.list reads a page from an index, newest first from the
 * cursor on, for all of a user's notifications and for the unread ones:
 * no sort of everything the user ever had (an admin gets a notification
 * for every alert; the statement before migration 13 sorted them all, 0.47
 * s a page at 900,000: bench/RESULTS.md).  Checked on the schema pactad
 * creates, with EXPLAIN QUERY PLAN.
 */
#include "test_srv_db_util.h"

/* The plan's detail lines, joined. */
static void plan_of(sqlite3 *c, const char *sql, char *out, size_t cap)
{
    char q[1024];
    sqlite3_stmt *st = NULL;

    snprintf(q, sizeof q, "EXPLAIN QUERY PLAN %s", sql);
    out[0] = '\0';
    REQUIRE(sqlite3_prepare_v2(c, q, -1, &st, NULL) == SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        strncat(out, (const char *)sqlite3_column_text(st, 3), cap - strlen(out) - 2);
        strncat(out, "; ", cap - strlen(out) - 1);
    }
    sqlite3_finalize(st);
}

int main(void)
{
    struct tdb t;
    sqlite3 *c = NULL;
    char plan[1024];

    t_open(&t);
    REQUIRE(sqlite3_open_v2(t.path, &c, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);

    plan_of(c, srv__notifications_list_sql(0), plan, sizeof plan);
    CHECKF(strstr(plan, "INDEX notifications_user (username=? AND id<?)") != NULL, "all: %s", plan);
    CHECKF(strstr(plan, "TEMP B-TREE") == NULL, "all: %s", plan);

    plan_of(c, srv__notifications_list_sql(1), plan, sizeof plan);
    CHECKF(strstr(plan, "INDEX notifications_unread (username=? AND id<?)") != NULL, "unread: %s",
           plan);
    CHECKF(strstr(plan, "TEMP B-TREE") == NULL, "unread: %s", plan);

    sqlite3_close(c);
    t_close(&t);
    return test_summary();
}
