/*
 * The statements of the expiry scheduler's and the notifications' writes
 * (db_expiry.c, db_notify.c): their SQL, prepared on first use on the
 * writer connection and kept until srv__expiry_finalize (db-private.h).
 */
#include "db-private.h"

#define DESYNC                                                                                     \
    "SELECT c.id, c.end_date, c.notice_days, c.renewal, c.renewal_months FROM contracts c "        \
    "LEFT JOIN expiry_schedule s ON s.contract_id = c.id WHERE c.deleted_at IS NULL AND "          \
    "c.status = 'active' AND c.end_date IS NOT NULL AND (s.contract_id IS NULL OR "                \
    "s.end_date IS NOT c.end_date OR s.notice_days IS NOT c.notice_days OR "                       \
    "s.renewal IS NOT c.renewal OR s.renewal_months IS NOT c.renewal_months)"
static const char *const xsql[SRV_X__COUNT] = {
    [SRV_X_SYNC_WALK] =
        "SELECT c.rowid, c.id, c.end_date, c.notice_days, c.renewal, c.renewal_months, "
        "c.deleted_at IS NULL AND c.status = 'active' AND c.end_date IS NOT NULL, "
        "s.contract_id IS NOT NULL, s.end_date IS NOT c.end_date OR "
        "s.notice_days IS NOT c.notice_days OR s.renewal IS NOT c.renewal OR "
        "s.renewal_months IS NOT c.renewal_months, s.armed_day, s.checked_day, s.next_due "
        "FROM contracts c LEFT JOIN expiry_schedule s "
        "ON s.contract_id = c.id WHERE c.rowid > ?1 ORDER BY c.rowid LIMIT ?2",
    [SRV_X_DESYNC_ONE] = DESYNC " AND c.id = ?1",
    [SRV_X_DROP_ONE] =
        "DELETE FROM expiry_schedule WHERE contract_id = ?1 AND NOT EXISTS (SELECT 1 FROM "
        "contracts WHERE id = ?1 AND deleted_at IS NULL AND status = 'active' AND "
        "end_date IS NOT NULL)",
    [SRV_X_ARM] =
        "INSERT OR REPLACE INTO expiry_schedule (contract_id, end_date, notice_days, renewal, "
        "renewal_months, armed_day, checked_day, next_due) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    [SRV_X_DUE] =
        "SELECT contract_id, end_date, notice_days, renewal, renewal_months, armed_day, "
        "checked_day FROM expiry_schedule WHERE next_due <= ?1 ORDER BY next_due, contract_id "
        "LIMIT ?2",
    [SRV_X_SCHED_UPDATE] =
        "UPDATE expiry_schedule SET end_date = ?2, armed_day = ?3, checked_day = ?4, "
        "next_due = ?5 WHERE contract_id = ?1",
    [SRV_X_SCHED_DELETE] = "DELETE FROM expiry_schedule WHERE contract_id = ?1",
    [SRV_X_CONTRACT] = "SELECT " SRV_CONTRACT_COLS " FROM contracts WHERE id = ?1",
    [SRV_X_ALERT_EXISTS] = "SELECT 1 FROM expiry_alerts WHERE contract_id = ?1 AND kind = ?2 AND "
                           "threshold = ?3 AND target_date = ?4",
    [SRV_X_ALERT_INSERT] = "INSERT INTO expiry_alerts (contract_id, kind, threshold, target_date, "
                           "due_date, fired_at, late, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    [SRV_X_RECIPIENTS] = "SELECT u.username, COALESCE(p.digest, 0) FROM users u LEFT JOIN "
                         "user_preferences p ON p.username = u.username WHERE u.disabled = 0 AND "
                         "(u.username = ?1 OR u.role = 'admin') ORDER BY u.username",
    [SRV_X_NOTIFY_INSERT] =
        "INSERT INTO notifications (username, seq, event, contract_id, summary, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?)",
    [SRV_X_EXPIRE] =
        "UPDATE contracts SET status = 'expired', version = version + 1, updated_at = ?2, "
        "updated_by = '" SRV_EXPIRY_ACTOR "' WHERE id = ?1 AND version = ?3 AND "
        "status = 'active' AND deleted_at IS NULL",
    [SRV_X_RENEW] = "UPDATE contracts SET end_date = ?4, version = version + 1, updated_at = ?2, "
                    "updated_by = '" SRV_EXPIRY_ACTOR "' WHERE id = ?1 AND version = ?3 AND "
                    "status = 'active' AND deleted_at IS NULL",
    [SRV_X_SUPPLEMENT] =
        "INSERT INTO supplements (contract_id, field, old_value, new_value, reason, "
        "effective_date, author, created_at) VALUES (?, 'end_date', ?, ?, ?, ?, '" SRV_EXPIRY_ACTOR
        "', ?)",
    [SRV_X_NEXT_DUE] = "SELECT min(next_due) FROM expiry_schedule WHERE next_due IS NOT NULL",
    [SRV_X_DIGEST_USERS] =
        "SELECT p.username FROM user_preferences p JOIN users u ON u.username = "
        "p.username WHERE p.digest = 1 AND u.disabled = 0 AND "
        "(p.last_digest_day IS NULL OR p.last_digest_day < ?1) ORDER BY p.username",
    [SRV_X_DIGEST_ITEMS] = "SELECT id, seq, event, contract_id, summary FROM notifications WHERE "
                           "username = ?1 AND digest_seq IS NULL AND read_at IS NULL ORDER BY id "
                           "LIMIT " SRV_DIGEST_ITEMS_MAX_SQL,
    [SRV_X_DIGEST_MARK] = "UPDATE notifications SET digest_seq = ?2 WHERE username = ?1 AND "
                          "digest_seq IS NULL AND read_at IS NULL",
    [SRV_X_DIGEST_DONE] = "UPDATE user_preferences SET last_digest_day = ?2 WHERE username = ?1",
    [SRV_X_MARK_READ] = "UPDATE notifications SET read_at = ?3 WHERE username = ?1 AND id = ?2 AND "
                        "read_at IS NULL",
    [SRV_X_UNREAD] = "SELECT count(*) FROM notifications WHERE username = ?1 AND read_at IS NULL",
    /* turned on: counted as digested up to ?3, the last day whose daily
     * time has passed (the first digest comes at the next daily time) */
    [SRV_X_PREF_SET] =
        "INSERT INTO user_preferences (username, digest, last_digest_day) "
        "VALUES (?1, ?2, CASE WHEN ?2 = 1 THEN ?3 END) ON CONFLICT(username) DO UPDATE SET "
        "last_digest_day = CASE WHEN excluded.digest = 1 AND digest = 0 AND ?3 IS NOT NULL "
        "THEN max(coalesce(last_digest_day, ''), ?3) ELSE last_digest_day END, "
        "digest = excluded.digest",
    [SRV_X_PREF_GET] = "SELECT digest FROM user_preferences WHERE username = ?1",
    [SRV_X_RENEWAL_DAY_GET] = "SELECT day FROM renewal_days WHERE contract_id = ?1",
    [SRV_X_DIGEST_COUNT] = "SELECT count(*) FROM notifications WHERE username = ?1 AND "
                           "digest_seq IS NULL AND read_at IS NULL",
    [SRV_X_RENEWAL_DAY_SET] =
        "INSERT OR REPLACE INTO renewal_days (contract_id, day) VALUES (?1, ?2)",
};

/* Writer thread only: statements of the one writer connection. */
static sqlite3_stmt *xstmts[SRV_X__COUNT];
static sqlite3 *xstmts_owner;

void srv__expiry_finalize(struct srv_db *db)
{
    if (xstmts_owner != db->w)
        return;
    for (int i = 0; i < SRV_X__COUNT; i++) {
        sqlite3_finalize(xstmts[i]);
        xstmts[i] = NULL;
    }
    xstmts_owner = NULL;
}

sqlite3_stmt *srv__expiry_stmt(struct srv_db *db, enum srv_xstmt id, struct pacta_error *err)
{
    sqlite3_stmt *st;
    int rc;

    if (xstmts_owner != db->w) {
        for (int i = 0; i < SRV_X__COUNT; i++) {
            sqlite3_finalize(xstmts[i]);
            xstmts[i] = NULL;
        }
        xstmts_owner = db->w;
    }
    if ((st = xstmts[id])) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return st;
    }
    rc = sqlite3_prepare_v3(db->w, xsql[id], -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK) {
        srv__sql_error(db->w, rc, "prepare expiry", err);
        return NULL;
    }
    xstmts[id] = st;
    return st;
}

int srv__expiry_run(struct srv_db *db, sqlite3_stmt *st, const char *what, struct pacta_error *err)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW)
        return 0;
    return srv__sql_error(db->w, rc, what, err);
}
