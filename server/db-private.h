/*
 * Internals shared by db.c (connections, writer thread, reader pool),
 * db_write.c (what each write does), db_read.c (queries and the record
 * JSON), schema.c (migrations) and auth.c.  Not for other modules: they use
 * db.h.
 */
#ifndef PACTA_SRV_DB_PRIVATE_H
#define PACTA_SRV_DB_PRIVATE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <pacta/json_text.h>

#include "db.h"

/* Statements the writer prepares once and keeps (db_write.c). */
enum srv_wstmt {
    SRV_WS_CONTRACT_GET,
    SRV_WS_CONTRACT_ID_TAKEN,
    SRV_WS_NUMBER_TAKEN,
    SRV_WS_USER_EXISTS,
    SRV_WS_USER_ACTIVE,
    SRV_WS_CONTRACT_INSERT,
    SRV_WS_CONTRACT_DELETE,
    SRV_WS_SUPPLEMENT_INSERT,
    SRV_WS_CHANGE_INSERT,
    SRV_WS_USER_INSERT,
    SRV_WS_SESSION_INSERT,
    SRV_WS_SESSION_REVOKE,
    SRV_WS__COUNT
};

/* Whose statements a slow-statement log line names (db_slow.c). */
struct srv_db_watch {
    struct srv_db *db;
    const char *role; /* "writer" or "reader" */
};
/* Logs c's statements that take longer than db's --slow-statement-ms. */
void srv__db_watch(struct srv_db_watch *w, struct srv_db *db, const char *role, sqlite3 *c);

struct srv_db {
    uv_loop_t *loop;
    uv_async_t *async; /* malloc'd; freed in its close callback */
    uv_thread_t writer;
    int writer_started;
    int64_t session_ttl_sec;
    int64_t sessions_purged_day; /* writer thread: the day of the last purge (db_expiry.c) */
    /* Writer thread: the log's length after the last commit (db_writer.c
     * wal_frames_hook), and after a failed checkpoint the length the next
     * try waits for. */
    int wal_frames, ckpt_retry_at;

    /* Guarded by mu: the queue to the writer, the completed list back to
     * the loop, the stop flag and the stats. */
    uv_mutex_t mu;
    uv_cond_t cond;
    struct srv_write *pending_head, *pending_tail;
    struct srv_write *done_head, *done_tail;
    int stopping;
    struct srv_db_stats stats;

    /* Loop thread only. */
    int shutdown_called;
    uint64_t inflight; /* submitted, done() not yet called */

    /* Writer thread only (and open/close before/after it runs). */
    sqlite3 *w;
    sqlite3_stmt *wstmt[SRV_WS__COUNT];
    /* contracts.update's statements, one per set of changed columns (db_write.c) */
    struct {
        uint32_t mask;
        sqlite3_stmt *st;
    } upd[16];
    unsigned upd_next;

    /* Reader pool. */
    uv_mutex_t pool_mu;
    uv_cond_t pool_cond;
    sqlite3 **readers; /* all of them, for close */
    sqlite3 **idle;    /* stack of lent-out-able ones */
    int nreaders, nidle;

    /* Slow statements (db_slow.c): the bound in ns (0: off), set from any
     * thread, and the contexts of the writer's and the readers' callbacks. */
    _Atomic int64_t slow_ns;
    struct srv_db_watch watch_writer, watch_readers;
};

/* The columns of a contract, in wire order; srv__contract_from_row reads
 * them by name from a statement that selected exactly these. */
#define SRV_CONTRACT_COLS                                                                          \
    "id, number, title, counterparty, kind, status, sign_date, start_date, end_date, "             \
    "amount_cents, currency, owner, description, notice_days, renewal, renewal_months, version, "  \
    "created_at, updated_at, updated_by, deleted_at"

/* db_writer.c: the writer thread's body (uv_thread_create's), and the
 * checkpoints between its batches, installed on db->w once migrations ran
 * (until then SQLite's automatic checkpoint). */
void srv__writer_main(void *arg);
void srv__writer_checkpoints(struct srv_db *db);

/* db_fts_pending.c: the search indexes' rows that edits noted in
 * contracts_fts_pending and contracts_text_pending (schema_fts_pending.h),
 * and the sort keys of the rows noted in contracts_sort_pending
 * (schema_sort_keys.h), brought up to date inside the caller's transaction
 * and the notes cleared; SQLITE_OK or SQLite's error (sqlite3_errmsg(w)
 * says it).  The statements are kept in *p for the next call until
 * srv__fts_pending_finalize.  The connection needs pacta_short and
 * pacta_fold. */
struct srv_fts_pending {
    sqlite3_stmt *any, *fts_rows, *fts_set, *fts_reasons, *fts_clear, *text_rows, *text_clear,
        *text[4], *sort_rows, *sort_set, *sort_clear;
};
int srv__fts_pending_apply(sqlite3 *w, struct srv_fts_pending *p);
void srv__fts_pending_finalize(struct srv_fts_pending *p);
/* The statements that read the notes with their rows (0: the word index's,
 * 1: the trigram and short-text indexes'; NULL past them), for the tests
 * that explain them. */
const char *srv__fts_pending_rows_sql(int which);

/* schema.c: brings the writer connection to the newest schema version. */
int srv__schema_migrate(sqlite3 *w, char *errbuf, size_t errlen);
/* Only up to user_version `target` (tests: files of an older version). */
int srv__schema_migrate_to(sqlite3 *w, int target, char *errbuf, size_t errlen);
int srv__schema_latest(void);

/* db_write.c: runs one write inside the caller's SAVEPOINT. 0 or -code
 * with w->err set; on success w->result (and w->events) are filled. */
int srv__write_apply(struct srv_db *db, struct srv_write *w);
int srv__append_change(struct srv_db *db, struct srv_write *w, const char *event,
                       const char *entity, json_int_t version, const char *actor,
                       json_t *data_steal, int64_t *seq); /* db_write.c */
/* db_write.c: the writer's kept statements (reset and unbound), a step of
 * one whose row is ignored, and whether one has a row (1, 0, or < 0). */
sqlite3_stmt *srv__wstmt(struct srv_db *db, enum srv_wstmt id, struct pacta_error *err);
int srv__step_done(struct srv_db *db, sqlite3_stmt *st, const char *what, struct pacta_error *err);
int srv__wexists(struct srv_db *db, enum srv_wstmt id, const char *a, const char *b,
                 struct pacta_error *err);
/* db_users.c */
int srv__user_update(struct srv_db *db, struct srv_write *w);
int srv__user_create(struct srv_db *db, struct srv_write *w);
int srv__session_create(struct srv_db *db, struct srv_write *w); /* token only in its result */
int srv__session_revoke(struct srv_db *db, struct srv_write *w);
void srv__write_finalize(struct srv_db *db);

/* db_expiry.c: the expiry and notification writes (SRV_W_EXPIRY_SCAN,
 * SRV_W_NOTIFICATIONS_READ, SRV_W_USER_PREFERENCES), and the login hook that
 * adds "unread_notifications" to a new session's result. */
int srv__expiry_write_apply(struct srv_db *db, struct srv_write *w);
/* The scan's daily housekeeping (db_expiry_daily.c), on `day` (the zone's
 * today): the digests, and the purge of sessions ended 30 days ago. */
int srv__expiry_digests(struct srv_db *db, struct srv_write *w, int64_t day);
int srv__expiry_purge_sessions(struct srv_db *db, struct srv_write *w, int64_t day);
int srv__expiry_login_result(struct srv_db *db, struct srv_write *w);
void srv__expiry_finalize(struct srv_db *db);

/* db_backup.c: the backup catalog writes (inside a batch), and the restore,
 * which the writer runs alone outside any transaction (srv__backup_restore). */
#define SRV_BACKUP_COLS                                                                            \
    "id, file, kind, description, created_at, created_by, db_bytes, file_bytes, sha256, "          \
    "schema_version, head_seq, counts, duration_ms, verified_at, verify_error, "                   \
    "documents_unavailable"
/* A catalog row (selected as SRV_BACKUP_COLS) as sent on the wire. */
json_t *srv__backup_row(sqlite3_stmt *st);
int srv__backup_write_apply(struct srv_db *db, struct srv_write *w);
void srv__backup_restore(struct srv_db *db, struct srv_write *w);
/* db_documents.c: SRV_W_DOCUMENT_ADD and SRV_W_DOCUMENT_DELETE. */
int srv__documents_write_apply(struct srv_db *db, struct srv_write *w);
/* db_views.c: SRV_W_VIEW_SAVE and SRV_W_VIEW_DELETE. */
int srv__views_write_apply(struct srv_db *db, struct srv_write *w);

/* db_read.c */
json_t *srv__contract_from_row(sqlite3_stmt *st);
/* The same without the derived members (the writer adds them once it knows
 * the record it hands out, srv_contract_derive). */
json_t *srv__contract_from_row_underived(sqlite3_stmt *st);

/* db_contract_row.c: contracts.update's row as C values, no JSON tree. */
#define SRV_CROW_COLS 21 /* SRV_CONTRACT_COLS */
enum {                   /* some of their places */
       SRV_CROW_STATUS = 5,
       SRV_CROW_VERSION = 16,
       SRV_CROW_UPDATED_AT = 18,
       SRV_CROW_UPDATED_BY = 19,
       SRV_CROW_DELETED_AT = 20,
};
struct srv_crow {
    struct {
        int type; /* SQLITE_INTEGER, SQLITE_NULL, or text */
        int64_t i;
        const char *s; /* the text, NUL-terminated, in buf */
        size_t len;
    } col[SRV_CROW_COLS];
    char *buf;
};
/* Copies the statement's current row (SELECT SRV_CONTRACT_COLS): 0, or -1. */
int srv__crow_read(sqlite3_stmt *st, struct srv_crow *r);
void srv__crow_clear(struct srv_crow *r);
const char *srv__crow_str(const struct srv_crow *r, int col); /* NULL unless text */
int64_t srv__crow_int(const struct srv_crow *r, int col);     /* 0 unless an integer */
/* Checks `changes` as merge into the row would (each field, then the merged
 * record's cross-field rules); *changed gets the fields whose value differs,
 * in wire order, *before their values in the row, *mask their bits in
 * writable[] order.  0, or -code with err set. */
int srv__crow_merge(const struct srv_crow *r, const json_t *changes, json_t **changed,
                    json_t **before, uint32_t *mask, struct pacta_error *err);
/* The row as srv__contract_from_row reads it (derived members included). */
json_t *srv__crow_record(const struct srv_crow *r, int64_t today);
/* Appends the compact text of the record the update writes: the row with
 * the changed columns (mask) from `changes`, version, updated_at (now) and
 * updated_by (actor) set, and the derived members of the merged values. */
int srv__crow_append_updated(struct pacta_buf *b, const struct srv_crow *r, const json_t *changes,
                             uint32_t mask, int64_t version, const char *now, const char *actor,
                             int64_t today);
/* Maps a failed SQLite call to a client-safe error and logs the detail. */
int srv__sql_error(sqlite3 *db, int rc, const char *what, struct pacta_error *err);
/* One JSON log line on stderr: {"level":"error","msg":msg,"detail"?:detail}. */
void srv__log_error(const char *msg, const char *detail);

/* clock.c: "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC) for any Unix time in ms. */

/* auth.c */
void srv__random_bytes(void *buf, size_t len); /* aborts if the CSPRNG fails */
/* base64url without padding; out needs 4*ceil(len/3)+1 bytes. */
void srv__b64url_encode(const uint8_t *in, size_t len, char *out);
/* 0 and *outlen, or -1 on a bad character or if it does not fit in cap. */
int srv__b64url_decode(const char *in, uint8_t *out, size_t cap, size_t *outlen);

/* db_expiry_sql.c: the statements of the expiry and notification writes,
 * prepared on first use on the writer connection and kept until
 * srv__expiry_finalize.  The scheduler's changes are made as this actor. */
#define SRV_EXPIRY_ACTOR "system"
/* A notification.digest lists at most this many of the day's alerts (the
 * oldest) and counts them all: it is a durable event every subscriber
 * receives (PROTOCOL.md §7.1). */
#define SRV_DIGEST_ITEMS_MAX_SQL "100"
enum srv_xstmt {
    SRV_X_SYNC_WALK,
    SRV_X_DESYNC_ONE,
    SRV_X_DROP_ONE,
    SRV_X_ARM,
    SRV_X_DUE,
    SRV_X_SCHED_UPDATE,
    SRV_X_SCHED_DELETE,
    SRV_X_CONTRACT,
    SRV_X_ALERT_EXISTS,
    SRV_X_ALERT_INSERT,
    SRV_X_RECIPIENTS,
    SRV_X_NOTIFY_INSERT,
    SRV_X_EXPIRE,
    SRV_X_RENEW,
    SRV_X_SUPPLEMENT,
    SRV_X_NEXT_DUE,
    SRV_X_DIGEST_USERS,
    SRV_X_DIGEST_ITEMS,
    SRV_X_DIGEST_MARK,
    SRV_X_DIGEST_DONE,
    SRV_X_MARK_READ,
    SRV_X_UNREAD,
    SRV_X_PREF_SET,
    SRV_X_PREF_GET,
    SRV_X_RENEWAL_DAY_GET,
    SRV_X_RENEWAL_DAY_SET,
    SRV_X_DIGEST_COUNT,
    SRV_X__COUNT
};
sqlite3_stmt *srv__expiry_stmt(struct srv_db *db, enum srv_xstmt id, struct pacta_error *err);
/* notifications.list's statement, on a reader (notify.c; tests check its
 * plan): ?1 user, ?2 ids below it (the cursor), ?3 limit. */
const char *srv__notifications_list_sql(int unread_only);
/* Steps st once and resets it; 0, or -code with err set. */
int srv__expiry_run(struct srv_db *db, sqlite3_stmt *st, const char *what, struct pacta_error *err);

/* db_notify.c: SRV_W_NOTIFICATIONS_READ and SRV_W_USER_PREFERENCES. */
int srv__notify_mark_read(struct srv_db *db, struct srv_write *w);
int srv__notify_preferences(struct srv_db *db, struct srv_write *w);

#endif
