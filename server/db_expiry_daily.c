/*
 * The expiry scheduler's daily housekeeping, run by its scan at the daily
 * time (db_expiry.c expiry_scan): one notification.digest per digest
 * reader, and the purge of sessions long ended.  Writer thread.
 */
#include <stdio.h>
#include <string.h>

#include "db-private.h"
#include "expiry.h"

/* One notification.digest per digest reader, once a day, counting what
 * they were notified of since their last digest and have not read, and
 * listing the first SRV_DIGEST_ITEMS_MAX_SQL of it. */
int srv__expiry_digests(struct srv_db *db, struct srv_write *w, int64_t day)
{
    struct pacta_error *err = &w->err;
    sqlite3_stmt *st = srv__expiry_stmt(db, SRV_X_DIGEST_USERS, err);
    json_t *users = json_array();
    char today[11];
    size_t i;
    json_t *u;
    int rc = 0;

    if (!st) {
        json_decref(users);
        return -PACTA_INTERNAL;
    }
    srv_date_format(day, today);
    sqlite3_bind_text(st, 1, today, -1, SQLITE_TRANSIENT);
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(users, json_string((const char *)sqlite3_column_text(st, 0)));
    sqlite3_reset(st);
    json_array_foreach(users, i, u)
    {
        const char *name = json_string_value(u);
        json_t *items = json_array();
        int64_t seq, count = 0;

        if (!(st = srv__expiry_stmt(db, SRV_X_DIGEST_COUNT, err))) {
            json_decref(items);
            rc = -PACTA_INTERNAL;
            break;
        }
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW)
            count = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        if (!(st = srv__expiry_stmt(db, SRV_X_DIGEST_ITEMS, err))) {
            json_decref(items);
            rc = -PACTA_INTERNAL;
            break;
        }
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
        while (sqlite3_step(st) == SQLITE_ROW) {
            json_t *summary = json_loads((const char *)sqlite3_column_text(st, 4), 0, NULL);
            json_array_append_new(items, json_pack("{s:I, s:I, s:s, s:s?, s:o*}", "id",
                                                   (json_int_t)sqlite3_column_int64(st, 0), "seq",
                                                   (json_int_t)sqlite3_column_int64(st, 1), "event",
                                                   sqlite3_column_text(st, 2), "contract_id",
                                                   sqlite3_column_text(st, 3), "summary", summary));
        }
        sqlite3_reset(st);
        if (json_array_size(items) > 0) {
            /* the first SRV_DIGEST_ITEMS_MAX_SQL listed, all counted, all
             * marked: the rest are in notifications.list */
            if (count < (int64_t)json_array_size(items))
                count = (int64_t)json_array_size(items);
            rc = srv__append_change(db, w, PACTA_EV_NOTIFICATION_DIGEST, name, 1, SRV_EXPIRY_ACTOR,
                                    json_pack("{s:s, s:s, s:I, s:o}", "user", name, "date", today,
                                              "count", (json_int_t)count, "items", items),
                                    &seq);
            if (rc == 0 && (st = srv__expiry_stmt(db, SRV_X_DIGEST_MARK, err))) {
                sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
                sqlite3_bind_int64(st, 2, seq);
                rc = srv__expiry_run(db, st, "digest mark", err);
            }
        } else
            json_decref(items);
        if (rc == 0 && (st = srv__expiry_stmt(db, SRV_X_DIGEST_DONE, err))) {
            sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 2, today, -1, SQLITE_TRANSIENT);
            rc = srv__expiry_run(db, st, "digest done", err);
        }
        if (rc != 0)
            break;
    }
    json_decref(users);
    return rc;
}

/* Sessions revoked or expired this long ago are deleted at the daily
 * scan: every pactactl command leaves one (logged out), so the table grew
 * without end.  A token whose row is gone resumes as an unknown one would
 * (unauthenticated), as a revoked or expired one already did. */
#define SESSION_KEEP_MS (30LL * 86400 * 1000)

int srv__expiry_purge_sessions(struct srv_db *db, struct srv_write *w, int64_t day)
{
    char cut[32];
    sqlite3_stmt *st = NULL;
    if (db->sessions_purged_day == day) /* once a day */
        return 0;
    srv__iso_from_ms(srv_clock_now_ms() - SESSION_KEEP_MS, cut);
    int rc = sqlite3_prepare_v2(
        db->w, "DELETE FROM sessions WHERE expires_at < ?1 OR revoked_at < ?1", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, cut, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return srv__sql_error(db->w, rc, "sessions purge", &w->err);
    db->sessions_purged_day = day; /* a rolled back batch only delays it a day */
    return 0;
}
