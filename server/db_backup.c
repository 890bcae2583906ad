/*
 * What the DB writer does for backups: the catalog rows (inside a group
 * commit like any write) and the restore, which the writer runs alone
 * between batches (db_writer.c, split_at_restore), because it replaces the whole
 * database under the writer's own connection.
 *
 * Doing the swap through the writer keeps DESIGN §9: the only connection
 * that ever writes the live database is the writer's; readers keep their
 * read-only connections and simply see the restored pages at their next
 * transaction.  Writes submitted meanwhile queue behind the restore — that
 * is the pause — and then run against the restored database.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup.h"
#include "db-private.h"
#include "log.h"

#define ROW_SQL "SELECT " SRV_BACKUP_COLS " FROM backups WHERE id = ?"

json_t *srv__backup_row(sqlite3_stmt *st)
{
    json_t *counts = json_loads((const char *)sqlite3_column_text(st, 11), 0, NULL);
    int verified = sqlite3_column_type(st, 13) != SQLITE_NULL;
    json_t *row = json_pack(
        "{s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:i, s:I, s:o, s:I, s:s?, s:o, s:s?}", "id",
        (json_int_t)sqlite3_column_int64(st, 0), "file", sqlite3_column_text(st, 1), "kind",
        sqlite3_column_text(st, 2), "description", sqlite3_column_text(st, 3), "created_at",
        sqlite3_column_text(st, 4), "created_by", sqlite3_column_text(st, 5), "db_bytes",
        (json_int_t)sqlite3_column_int64(st, 6), "file_bytes",
        (json_int_t)sqlite3_column_int64(st, 7), "sha256", sqlite3_column_text(st, 8),
        "schema_version", sqlite3_column_int(st, 9), "head_seq",
        (json_int_t)sqlite3_column_int64(st, 10), "counts", counts ? counts : json_object(),
        "duration_ms", (json_int_t)sqlite3_column_int64(st, 12), "verified_at",
        sqlite3_column_text(st, 13), "verified_ok",
        verified ? json_boolean(sqlite3_column_type(st, 14) == SQLITE_NULL) : json_null(),
        "verify_error", sqlite3_column_text(st, 14));
    json_object_set_new(row, "documents_unavailable",
                        json_integer((json_int_t)sqlite3_column_int64(st, 15)));
    return row;
}

static int sql_fail(struct srv_db *db, const char *what, struct srv_write *w)
{
    return srv__sql_error(db->w, sqlite3_errcode(db->w), what, &w->err);
}

static int record(struct srv_db *db, struct srv_write *w)
{
    sqlite3_stmt *st = NULL;
    const json_t *a = w->args;
    char *counts = json_dumps(json_object_get(a, "counts"), JSON_COMPACT);
    int rc;

    rc = sqlite3_prepare_v2(
        db->w,
        "INSERT INTO backups (file, kind, description, created_at, created_by, "
        "db_bytes, file_bytes, sha256, schema_version, head_seq, counts, "
        "duration_ms, documents_unavailable) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
        "?11, ?12, ?13)",
        -1, &st, NULL);
    if (rc == SQLITE_OK) {
        static const char *const text[] = {"file", "kind", "description", "created_at",
                                           "created_by"};
        for (int i = 0; i < 5; i++)
            sqlite3_bind_text(st, i + 1, json_string_value(json_object_get(a, text[i])), -1,
                              SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, json_integer_value(json_object_get(a, "db_bytes")));
        sqlite3_bind_int64(st, 7, json_integer_value(json_object_get(a, "file_bytes")));
        sqlite3_bind_text(st, 8, json_string_value(json_object_get(a, "sha256")), -1,
                          SQLITE_STATIC);
        sqlite3_bind_int64(st, 9, json_integer_value(json_object_get(a, "schema_version")));
        sqlite3_bind_int64(st, 10, json_integer_value(json_object_get(a, "head_seq")));
        sqlite3_bind_text(st, 11, counts ? counts : "{}", -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 12, json_integer_value(json_object_get(a, "duration_ms")));
        sqlite3_bind_int64(st, 13, json_integer_value(json_object_get(a, "documents_unavailable")));
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    sqlite3_finalize(st);
    free(counts);
    if (rc != SQLITE_OK)
        return sql_fail(db, "record backup", w);
    int64_t id = sqlite3_last_insert_rowid(db->w);
    if (sqlite3_prepare_v2(db->w, ROW_SQL, -1, &st, NULL) != SQLITE_OK)
        return sql_fail(db, "read backup", w);
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW)
        w->result = json_pack("{s:o}", "backup", srv__backup_row(st));
    sqlite3_finalize(st);
    return w->result ? 0 : sql_fail(db, "read backup", w);
}

/* One statement with one JSON text parameter; its change count into *n. */
static int exec_json(sqlite3 *d, struct srv_write *w, const char *sql, const json_t *arg,
                     const char *what, int *n)
{
    sqlite3_stmt *st = NULL;
    char *text = json_dumps(arg, JSON_COMPACT | JSON_ENCODE_ANY);
    int rc = sqlite3_prepare_v2(d, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, text ? text : "null", -1, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    sqlite3_finalize(st);
    free(text);
    if (rc != SQLITE_OK)
        return srv__sql_error(d, sqlite3_errcode(d), what, &w->err);
    if (n)
        *n = sqlite3_changes(d);
    return 0;
}

/* Rows given as JSON objects with the catalog's column names. */
#define INSERT_ROWS(verb)                                                                          \
    verb " INTO backups (id, file, kind, description, created_at, created_by, db_bytes, "          \
         "file_bytes, sha256, schema_version, head_seq, counts, duration_ms, verified_at, "        \
         "verify_error, documents_unavailable) " SRV_BACKUP_CATALOG_SELECT

int srv__backup_write_apply(struct srv_db *db, struct srv_write *w)
{
    int n = 0, rc;

    switch (w->kind) {
    case SRV_W_BACKUP_RECORD:
        return record(db, w);
    case SRV_W_BACKUP_FORGET:
        rc =
            exec_json(db->w, w, "DELETE FROM backups WHERE id IN (SELECT value FROM json_each(?1))",
                      json_object_get(w->args, "ids"), "forget backups", &n);
        if (rc == 0)
            w->result = json_pack("{s:i}", "deleted", n);
        return rc;
    case SRV_W_BACKUP_VERIFIED: {
        json_t *one = json_pack("[O]", w->args);
        rc = exec_json(db->w, w,
                       "UPDATE backups SET verified_at = j.value->>'at', verify_error = "
                       "j.value->>'error' FROM json_each(?1) AS j WHERE backups.id = "
                       "j.value->>'id'",
                       one, "backup verified", NULL);
        json_decref(one);
        if (rc == 0)
            w->result = json_object();
        return rc;
    }
    case SRV_W_BACKUP_ADOPT:
        rc = exec_json(db->w, w, INSERT_ROWS("INSERT OR IGNORE"), json_object_get(w->args, "rows"),
                       "adopt backups", &n);
        if (rc == 0)
            w->result = json_pack("{s:i}", "added", n);
        return rc;
    default:
        return pacta_error_set(&w->err, PACTA_INTERNAL, "", "unknown write");
    }
}

/* ---- restore ------------------------------------------------------------- */

static int restore_fail(struct srv_write *w, enum pacta_code code, const char *msg,
                        const char *detail)
{
    srv__log_error(msg, detail);
    w->code = code;
    pacta_error_set(&w->err, code, "", "%s", msg);
    return -1;
}

/* Copies src over the writer's database, all pages in one step: the
 * backup API writes them in one transaction of the writer's connection,
 * so it is the atomic swap (an error rolls it back). */
static int copy_into_writer(struct srv_db *db, const char *source, char *err, size_t errlen)
{
    sqlite3 *src = NULL;
    sqlite3_backup *b;
    int rc = sqlite3_open_v2(source, &src, SQLITE_OPEN_READONLY, NULL);

    if (rc == SQLITE_OK && !(b = sqlite3_backup_init(db->w, "main", src, "main")))
        rc = sqlite3_errcode(db->w);
    if (rc == SQLITE_OK) {
        rc = sqlite3_backup_step(b, -1);
        sqlite3_backup_finish(b);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    if (rc != SQLITE_OK)
        snprintf(err, errlen, "%s", sqlite3_errstr(rc));
    sqlite3_close(src);
    return rc == SQLITE_OK ? 0 : -1;
}

/*
 * The scratch database (the verified backup: a file of its own that only
 * this function opens, so DESIGN §9 is not concerned) gets everything the
 * restored database needs before its pages replace the live ones
 * (backup_restore.c, shared with pactactl's offline restore).  Anything
 * failing here leaves the live database untouched.
 */
static int prepare_scratch(sqlite3 *d, struct srv_write *w, const struct srv_backup_live *live,
                           const char *now, json_t **event, char *err, size_t errlen)
{
    if (srv_backup_prepare_restored(
            d, live, now, w->actor, json_incref(json_object_get(w->args, "backup_id")),
            json_string_value(json_object_get(w->args, "backup_created_at")), event, err,
            errlen) != 0)
        return -1;
    const json_t *data = json_object_get(*event, "data");
    /* who may stay connected, and as what: the loop applies it after the swap */
    char *users =
        srv_backup_query_text(d, "SELECT json_group_object(username, json_object('role', role, "
                                 "'display_name', display_name)) FROM users WHERE disabled = 0");
    json_t *uj = users ? json_loads(users, 0, NULL) : NULL;
    free(users);
    w->result = json_pack("{s:O, s:O, s:O, s:o}", "head", json_object_get(*event, "seq"),
                          "previous_head", json_object_get(data, "previous_head"), "restored_head",
                          json_object_get(data, "restored_head"), "users", uj ? uj : json_object());
    return 0;
}

/* 1 if username is an enabled admin in the live database (the writer's view). */
static int actor_is_admin(struct srv_db *db, const char *username)
{
    sqlite3_stmt *st = NULL;
    int yes = 0;
    if (sqlite3_prepare_v2(db->w,
                           "SELECT 1 FROM users WHERE username = ?1 AND role = 'admin' AND "
                           "disabled = 0",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, username ? username : "", -1, SQLITE_TRANSIENT);
        yes = sqlite3_step(st) == SQLITE_ROW;
    }
    sqlite3_finalize(st);
    return yes;
}

void srv__backup_restore(struct srv_db *db, struct srv_write *w)
{
    const char *source = json_string_value(json_object_get(w->args, "source"));
    const char *safety = json_string_value(json_object_get(w->args, "safety"));
    char err[256] = "", now[32];
    struct srv_backup_live live = {0};
    json_t *event = NULL;
    sqlite3 *scratch = NULL;

    w->code = PACTA_OK;
    memset(&w->err, 0, sizeof w->err);
    w->events = json_array();
    /*
     * Its author must still be an enabled admin now: the backup was verified
     * first (seconds for a large one), and an admin demoted or disabled
     * meanwhile, whose role applies at once (PROTOCOL.md §3.7), still had
     * every record replaced after the demotion had been answered.
     */
    if (!actor_is_admin(db, w->actor)) {
        w->code = PACTA_FORBIDDEN;
        pacta_error_set(&w->err, PACTA_FORBIDDEN, "", "backups.restore needs the admin role");
        goto out;
    }
    srv_now_iso(now);
    srv_backup_live_state(db->w, now, &live);

    /* 1. the state being replaced, exactly as of now: the writer is the
     * only writer and it is here, so nothing commits in between */
    if (srv_backup_copy_from(db->w, safety, NULL, NULL, err, sizeof err) != SRV_BK_OK) {
        restore_fail(w, PACTA_UNAVAILABLE, "restore: the safety copy failed; nothing changed", err);
        goto out;
    }
    /* 2. the restored database made complete, in its own file */
    if (sqlite3_open_v2(source, &scratch, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
        prepare_scratch(scratch, w, &live, now, &event, err, sizeof err) != 0) {
        if (!err[0])
            snprintf(err, sizeof err, "%s", scratch ? sqlite3_errmsg(scratch) : "out of memory");
        restore_fail(w, PACTA_UNAVAILABLE,
                     "restore: preparing the restored database failed; nothing changed", err);
        goto out;
    }
    sqlite3_close(scratch);
    scratch = NULL;
    /* 3. the swap, the last step: all pages in one transaction */
    if (copy_into_writer(db, source, err, sizeof err) != 0) {
        restore_fail(w, PACTA_UNAVAILABLE, "restore: copying the backup in failed; nothing changed",
                     err);
        json_decref(event);
        json_decref(w->result);
        w->result = NULL;
        goto out;
    }
    json_array_append_new(w->events, event);
    /* the copy went through the WAL: fold it back so it does not linger */
    if (sqlite3_wal_checkpoint_v2(db->w, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL) != SQLITE_OK)
        srv_logf(SRV_LOG_WARN, "restore: checkpoint failed", "{s:s}", "error",
                 sqlite3_errmsg(db->w));
out:
    sqlite3_close(scratch);
    srv_backup_live_clear(&live);
}
