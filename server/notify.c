/*
 * Ops of issue 4: notifications.list, notifications.mark_read,
 * users.preferences, contracts.expiring and the test-only admin.clock.set.
 * Arguments are checked here on the loop (cheap, answers a bad request at
 * once); reads run in the thread pool with a read-only connection, writes
 * on the DB writer (db_expiry.c), through the helpers of ops.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "dashboard.h"
#include "db-private.h"
#include "expiry.h"
#include "srv.h"

int srv__notify_handle(struct srv_session *s, const struct pacta_request *req);

#define EXPIRING_MAX_ITEMS 2000

static int sql_fail(sqlite3 *r, int rc, struct pacta_error *err)
{
    return srv__sql_error(r, rc, "notifications read", err);
}

static int64_t count_unread(sqlite3 *r, const char *user)
{
    sqlite3_stmt *st = NULL;
    int64_t n = 0;
    if (sqlite3_prepare_v2(r,
                           "SELECT count(*) FROM notifications WHERE username = ?1 AND "
                           "read_at IS NULL",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return n;
}

/* Newest first; the cursor is the id of the last item of a page. */
static int read_notifications(sqlite3 *r, const char *actor, const json_t *args, json_t **result,
                              struct pacta_error *err)
{
    struct pacta_notifications_list_args a;
    sqlite3_stmt *st = NULL;
    json_t *items;
    int rc, n = 0;
    int64_t last = 0;

    if ((rc = pacta_decode_notifications_list(args, &a, err)) != 0)
        return rc;
    rc = sqlite3_prepare_v2(r, srv__notifications_list_sql(a.unread_only), -1, &st, NULL);
    if (rc != SQLITE_OK)
        return sql_fail(r, rc, err);
    sqlite3_bind_text(st, 1, actor, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, a.cursor > 0 ? a.cursor : INT64_MAX);
    sqlite3_bind_int(st, 3, a.limit + 1);
    items = json_array();
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == a.limit)
            break;
        json_t *summary = json_loads((const char *)sqlite3_column_text(st, 4), 0, NULL);
        last = sqlite3_column_int64(st, 0);
        json_array_append_new(
            items,
            json_pack("{s:I, s:I, s:s, s:s?, s:o*, s:s, s:b, s:s?}", "id", (json_int_t)last, "seq",
                      (json_int_t)sqlite3_column_int64(st, 1), "event", sqlite3_column_text(st, 2),
                      "contract_id", sqlite3_column_text(st, 3), "summary", summary, "created_at",
                      sqlite3_column_text(st, 5), "read", sqlite3_column_type(st, 6) != SQLITE_NULL,
                      "read_at", sqlite3_column_text(st, 6)));
        n++;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        json_decref(items);
        rc = sql_fail(r, rc, err);
        sqlite3_finalize(st);
        return rc;
    }
    int more = rc == SQLITE_ROW;
    sqlite3_finalize(st);
    char cursor[24];
    snprintf(cursor, sizeof cursor, "%lld", (long long)last);
    *result = json_pack("{s:o, s:s?, s:I}", "items", items, "next_cursor", more ? cursor : NULL,
                        "unread", (json_int_t)count_unread(r, actor));
    return 0;
}

/* The listing's order: end date, then number, then id. */
static int expiring_cmp(const void *x, const void *y)
{
    const json_t *a = *(json_t *const *)x, *b = *(json_t *const *)y;
    static const char *const keys[] = {"end_date", "number", "id"};
    int c = 0;

    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && c == 0; i++)
        c = strcmp(json_string_value(json_object_get(a, keys[i])),
                   json_string_value(json_object_get(b, keys[i])));
    return c;
}

/*
 * Active contracts whose end date is at most `days` away (or past and not
 * yet processed by the scheduler), soonest first, then by number.
 *
 * Read along contracts_status_end (status, end_key, id): end_key is the end
 * date (a missing one is above every date), so the range is the index's and
 * the rows come by end date, then id.  The first EXPIRING_MAX_ITEMS + 1 by
 * end date and number are among those rows up to the end of the day of the
 * (EXPIRING_MAX_ITEMS + 1)-th: reading stops there, and those are sorted.
 * (Before, with no statistics, SQLite took the status index and sorted
 * every active contract: seconds with a million, 0.25–0.6 s with 100,000.)
 */
static int read_expiring(sqlite3 *r, const char *actor, const json_t *args, json_t **result,
                         struct pacta_error *err)
{
    sqlite3_stmt *st = NULL;
    char today_s[11], until_s[11], last_day[11] = "";
    int64_t today = srv_today();
    json_t *items, *rows;
    int days, rc;

    (void)actor;
    if ((rc = pacta_decode_contracts_expiring(args, &days, err)) != 0)
        return rc;
    srv_date_format(today, today_s);
    srv_date_format(today + days, until_s);
    rc = sqlite3_prepare_v2(r,
                            "SELECT " SRV_CONTRACT_COLS " FROM contracts"
                            " INDEXED BY contracts_status_end WHERE status = 'active'"
                            " AND end_key <= ?1 AND deleted_at IS NULL ORDER BY end_key, id",
                            -1, &st, NULL);
    if (rc != SQLITE_OK)
        return sql_fail(r, rc, err);
    sqlite3_bind_text(st, 1, until_s, -1, SQLITE_STATIC);
    rows = json_array();
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *rec = srv__contract_from_row(st);
        const char *end = json_string_value(json_object_get(rec, "end_date"));

        if (json_array_size(rows) > EXPIRING_MAX_ITEMS && strcmp(end, last_day) != 0) {
            json_decref(rec); /* a later day: nothing from here on ranks */
            rc = SQLITE_DONE;
            break;
        }
        if (json_array_size(rows) == EXPIRING_MAX_ITEMS)
            snprintf(last_day, sizeof last_day, "%s", end);
        json_array_append_new(rows, rec);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        json_decref(rows);
        return sql_fail(r, rc, err);
    }
    size_t n = json_array_size(rows);
    json_t **v = n ? malloc(n * sizeof(*v)) : NULL;
    if (n && !v) {
        json_decref(rows);
        return pacta_error_set(err, PACTA_INTERNAL, NULL, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        v[i] = json_array_get(rows, i);
    qsort(v, n, sizeof(*v), expiring_cmp);
    items = json_array();
    for (size_t i = 0; i < n && i < EXPIRING_MAX_ITEMS; i++)
        json_array_append(items, v[i]);
    int truncated = n > EXPIRING_MAX_ITEMS;
    free(v);
    json_decref(rows);
    *result = json_pack("{s:s, s:i, s:o, s:b}", "today", today_s, "days", days, "items", items,
                        "truncated", truncated);
    return 0;
}

int srv__notify_handle(struct srv_session *s, const struct pacta_request *req)
{
    struct pacta_error err = {0};
    int rc = 0;

    switch (req->op) {
    case PACTA_OP_NOTIFICATIONS_LIST: {
        struct pacta_notifications_list_args a;
        if ((rc = pacta_decode_notifications_list(req->args, &a, &err)) == 0)
            srv__ops_read(s, req, read_notifications);
        break;
    }
    case PACTA_OP_CONTRACTS_EXPIRING: {
        int days;
        if ((rc = pacta_decode_contracts_expiring(req->args, &days, &err)) == 0)
            srv__ops_read(s, req, read_expiring);
        break;
    }
    case PACTA_OP_NOTIFICATIONS_MARK_READ: {
        json_t *ids = NULL;
        if ((rc = pacta_decode_notifications_mark_read(req->args, &ids, &err)) == 0)
            srv__ops_write(s, req, SRV_W_NOTIFICATIONS_READ,
                           json_pack("{s:s, s:o}", "username", s->username, "ids", ids));
        break;
    }
    case PACTA_OP_USERS_PREFERENCES: {
        int digest;
        if ((rc = pacta_decode_user_preferences(req->args, &digest, &err)) == 0) {
            json_t *args = json_pack("{s:s}", "username", s->username);
            if (digest >= 0) {
                /* the last day whose daily time has passed (as a moment,
                 * like the scheduler's): a reader who turns digests on gets
                 * the first at the next daily time, not at the next scan */
                int64_t now = srv_clock_now_ms(), today = srv_local_day(now, NULL);
                char passed[11];
                srv_date_format(now >= srv_local_ms(today, s->srv->cfg->alert_minute) ? today
                                                                                      : today - 1,
                                passed);
                json_object_set_new(args, "digest", json_boolean(digest));
                json_object_set_new(args, "digest_from", json_string(passed));
            }
            srv__ops_write(s, req, SRV_W_USER_PREFERENCES, args);
        }
        break;
    }
    case PACTA_OP_ADMIN_CLOCK_SET: {
        int64_t ms;
        if (!s->srv->cfg->fake_now_ms) {
            rc = pacta_error_set(&err, PACTA_FORBIDDEN, "",
                                 "the clock can only be moved on a test server (--fake-now)");
            break;
        }
        if ((rc = pacta_decode_clock_set(req->args, &ms, &err)) == 0) {
            srv__expiry_clock_set(s, req->id, ms);
            srv__dashboard_clock_moved(s->srv); /* the date windows moved */
        }
        break;
    }
    default:
        return 0;
    }
    if (rc)
        srv__respond_error(s, req->id, &err, NULL);
    return 1;
}
