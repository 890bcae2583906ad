/*
 * The notification writes of the expiry scheduler, on the DB writer thread:
 * SRV_W_NOTIFICATIONS_READ (mark a user's notifications read) and
 * SRV_W_USER_PREFERENCES (the digest choice), plus the unread count the
 * login result carries.  srv__expiry_write_apply (db_expiry.c) dispatches
 * here; the statements come from its cache (srv__expiry_stmt).
 */
#include "db-private.h"

/* ---- notifications and preferences -------------------------------------------- */

static int64_t unread_count(struct srv_db *db, const char *username, struct pacta_error *err)
{
    sqlite3_stmt *st = srv__expiry_stmt(db, SRV_X_UNREAD, err);
    int64_t n = 0;
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, username, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return n;
}

int srv__notify_mark_read(struct srv_db *db, struct srv_write *w)
{
    const char *user = json_string_value(json_object_get(w->args, "username"));
    const json_t *ids = json_object_get(w->args, "ids");
    char now[32];
    int64_t marked = 0, unread;
    size_t i;
    json_t *v;
    int rc;

    if (!user || !json_is_array(ids))
        return pacta_error_set(&w->err, PACTA_BAD_REQUEST, "ids", "required");
    srv_now_iso(now);
    json_array_foreach(ids, i, v)
    {
        sqlite3_stmt *st = srv__expiry_stmt(db, SRV_X_MARK_READ, &w->err);
        if (!st)
            return -PACTA_INTERNAL;
        sqlite3_bind_text(st, 1, user, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, json_integer_value(v));
        sqlite3_bind_text(st, 3, now, -1, SQLITE_TRANSIENT);
        if ((rc = srv__expiry_run(db, st, "mark read", &w->err)) != 0)
            return rc;
        marked += sqlite3_changes(db->w);
    }
    if ((unread = unread_count(db, user, &w->err)) < 0)
        return -PACTA_INTERNAL;
    w->result = json_pack("{s:I, s:I}", "marked", (json_int_t)marked, "unread", (json_int_t)unread);
    return 0;
}

int srv__notify_preferences(struct srv_db *db, struct srv_write *w)
{
    const char *user = json_string_value(json_object_get(w->args, "username"));
    const json_t *digest = json_object_get(w->args, "digest");
    sqlite3_stmt *st;
    int rc, value = 0;

    if (!user)
        return pacta_error_set(&w->err, PACTA_BAD_REQUEST, "username", "required");
    if (json_is_boolean(digest)) {
        if (!(st = srv__expiry_stmt(db, SRV_X_PREF_SET, &w->err)))
            return -PACTA_INTERNAL;
        sqlite3_bind_text(st, 1, user, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 2, json_is_true(digest));
        sqlite3_bind_text(st, 3, json_string_value(json_object_get(w->args, "digest_from")), -1,
                          SQLITE_TRANSIENT);
        if ((rc = srv__expiry_run(db, st, "set preferences", &w->err)) != 0)
            return rc;
    }
    if (!(st = srv__expiry_stmt(db, SRV_X_PREF_GET, &w->err)))
        return -PACTA_INTERNAL;
    sqlite3_bind_text(st, 1, user, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW)
        value = sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    w->result = json_pack("{s:b}", "digest", value);
    return 0;
}

int srv__expiry_login_result(struct srv_db *db, struct srv_write *w)
{
    const char *user = json_string_value(json_object_get(w->args, "username"));
    int64_t n = user ? unread_count(db, user, &w->err) : 0;
    if (n < 0)
        return -PACTA_INTERNAL;
    json_object_set_new(w->result, "unread_notifications", json_integer(n));
    return 0;
}

const char *srv__notifications_list_sql(int unread_only)
{
    /* ?1 user, ?2 the cursor (ids below it), ?3 limit: one index read from
     * the cursor on, notifications_unread (partial: SQLite would take
     * notifications_user and skip the read ones, most of them) or
     * notifications_user */
    return unread_only ? "SELECT id, seq, event, contract_id, summary, created_at, read_at FROM "
                         "notifications INDEXED BY notifications_unread WHERE username = ?1 "
                         "AND read_at IS NULL AND id < ?2 "
                         "ORDER BY id DESC LIMIT ?3"
                       : "SELECT id, seq, event, contract_id, summary, created_at, read_at FROM "
                         "notifications WHERE username = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3";
}
