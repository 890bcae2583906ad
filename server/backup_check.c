/*
 * backups.verify and backups.restore (PROTOCOL.md §6.29, §6.30): the pool
 * reads the catalog row and unpacks and checks the file into a scratch
 * database; a verify records its outcome, a restore goes on to the
 * writer's swap (safety copy, pages, migration, server.reset), the
 * restored users applied to open connections, and the safety copy packed
 * as a backup of its own.  The operation's lifetime, answers and the
 * create path they share are in backup.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup-private.h"
#include "backup.h"
#include "db-private.h"
#include "docstore.h"
#include "documents.h"
#include "expiry.h"
#include "log.h"
#include "srv.h"

/* ---- verify and restore -------------------------------------------------- */

/* Pool: the catalog row of op->backup_id, then the full check of its file;
 * the database stays in op->restore_db. */
static void verify_work(uv_work_t *req)
{
    struct bk_op *op = req->data;
    srv__bk_test_hold(2);
    sqlite3 *r = srv_db_reader_acquire(srv__bk.srv->db);
    sqlite3_stmt *st = NULL;
    char path[4400];

    if (sqlite3_prepare_v2(r, "SELECT " SRV_BACKUP_COLS " FROM backups WHERE id = ?", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, op->backup_id);
        if (sqlite3_step(st) == SQLITE_ROW)
            op->row = srv__backup_row(st);
    }
    sqlite3_finalize(st);
    srv_db_reader_release(srv__bk.srv->db, r);
    if (!op->row) {
        op->rc = -PACTA_NOT_FOUND;
        return;
    }
    snprintf(op->file, sizeof op->file, "%s", json_string_value(json_object_get(op->row, "file")));
    snprintf(path, sizeof path, "%s/%s", srv__bk.dir, op->file);
    int64_t size = srv__bk_file_size(path);
    if (size < 0) {
        op->rc = SRV_BK_IO;
        snprintf(op->err, sizeof op->err, "the file is missing");
        return;
    }
    if (size < json_integer_value(json_object_get(op->row, "file_bytes"))) {
        op->rc = SRV_BK_TRUNCATED;
        snprintf(op->err, sizeof op->err, "file is %lld bytes, catalog says %lld", (long long)size,
                 (long long)json_integer_value(json_object_get(op->row, "file_bytes")));
        return;
    }
    /* the scratch copy is the backup's database, not the live one: after
     * restoring a small backup, verifying a big one filled the disk (the
     * live database's too, when they share it) before failing */
    int64_t need = json_integer_value(json_object_get(op->row, "db_bytes")) + SRV_BK_SPACE_MARGIN;
    int64_t free_bytes = srv_backup_disk_free(srv__bk.dir);
    if (free_bytes >= 0 && free_bytes < need) {
        op->rc = SRV_BK_NOSPACE;
        snprintf(op->err, sizeof op->err, "%lld MB are needed and %lld MB are free",
                 (long long)(need >> 20), (long long)(free_bytes >> 20));
        return;
    }
    json_t *m = NULL;
    op->rc = srv_backup_unpack(path, &srv__bk.key, srv__schema_latest(), op->restore_db, &m,
                               srv__bk_progress_cb, op, op->err, sizeof op->err);
    if (op->rc == SRV_BK_OK &&
        strcmp(json_string_value(json_object_get(m, "sha256")) ?: "",
               json_string_value(json_object_get(op->row, "sha256")) ?: "-") != 0) {
        op->rc = SRV_BK_CORRUPT;
        snprintf(op->err, sizeof op->err, "checksum differs from the catalog");
    }
    if (op->rc == SRV_BK_OK) {
        /* the documents: every content there and authentic; a restore also
         * brings back what the live store lacks (held: see op_new) */
        char docs[4200];
        srv_docs_dir(srv__bk.srv->cfg->data_dir, docs, sizeof docs);
        op->rc = srv_backup_docs_check(op->restore_db, m, srv__bk.dir, &srv__bk.key,
                                       op->what == BK_RESTORE ? docs : NULL, srv__bk_progress_cb,
                                       op, op->err, sizeof op->err);
    }
    json_decref(m);
    if (op->rc != SRV_BK_OK || op->what == BK_VERIFY) {
        unlink(op->restore_db);
        op->restore_db[0] = '\0';
    }
}

static void verified_recorded(struct srv_write *w)
{
    struct bk_op *op = w->udata;
    if (op->rc != SRV_BK_OK)
        srv__bk_read_last_good(); /* it may have been the newest good one */
    if (op->what == BK_VERIFY) {
        if (op->rc != SRV_BK_OK) {
            srv__bk_answer_failure(op, "verify");
        } else {
            json_object_set_new(op->row, "verified_ok", json_true());
            json_object_set(op->row, "verified_at", json_object_get(w->args, "at"));
            srv__bk_answer_ok(op, json_pack("{s:b, s:O}", "ok", 1, "backup", op->row));
        }
    } else {
        srv__bk_answer_failure(op, "restore"); /* a restore that failed verification */
    }
    srv_write_free(w);
    srv__bk_op_free(op);
}

/* Stores the outcome of a verification on the row: not for "no such row",
 * nor when the check itself could not run (the disk full, an I/O error on
 * the server's side), which says nothing about the backup: recorded, it
 * would mark a good backup failed, and retention would no longer keep it. */
static void record_verification(struct bk_op *op)
{
    char now[32];
    if (op->rc == -PACTA_NOT_FOUND || op->rc == SRV_BK_NOSPACE || op->rc == SRV_BK_IO ||
        op->rc == SRV_BK_DB) {
        srv__bk_answer_failure(op, srv__bk_what_name(op->what));
        srv__bk_op_free(op);
        return;
    }
    srv_now_iso(now);
    json_t *args = json_pack("{s:I, s:s}", "id", (json_int_t)op->backup_id, "at", now);
    if (op->rc != SRV_BK_OK)
        json_object_set_new(args, "error",
                            json_string(srv_backup_strerror((enum srv_backup_err)op->rc)));
    if (srv__bk_submit(op, SRV_W_BACKUP_VERIFIED, args, verified_recorded) != 0)
        srv__bk_op_free(op);
}

static void verify_after(uv_work_t *req, int status)
{
    (void)status;
    record_verification(req->data);
}

static void safety_recorded(struct srv_write *w)
{
    struct bk_op *op = w->udata;
    json_t *result = json_pack("{s:O, s:O*, s:O}", "restored", op->restored, "safety_backup",
                               w->code == PACTA_OK ? json_object_get(w->result, "backup") : NULL,
                               "head", json_object_get(op->list, "head"));
    if (w->code == PACTA_OK)
        srv__bk_note_ok(json_object_get(w->result, "backup"));
    srv__bk_answer_ok(op, result);
    srv_write_free(w);
    srv__bk_op_free(op);
}

static void safety_work(uv_work_t *req)
{
    srv__bk_pack_snapshot(req->data);
}

static void safety_after(uv_work_t *req, int status)
{
    struct bk_op *op = req->data;
    (void)status;
    if (op->rc != SRV_BK_OK) {
        /* the restore itself succeeded: say so, and that the safety copy was
         * not packed; the plain copy of the replaced database stays */
        srv_logf(SRV_LOG_ERROR,
                 "restore: packing the safety backup failed; the unpacked copy is kept",
                 "{s:s,s:s,s:s}", "error", srv_backup_strerror((enum srv_backup_err)op->rc),
                 "detail", op->err, "kept", op->snap);
        op->snap[0] = '\0';
        srv__bk_answer_ok(
            op, json_pack("{s:O, s:n, s:O, s:s}", "restored", op->restored, "safety_backup", "head",
                          json_object_get(op->list, "head"), "warning",
                          "the safety backup could not be packed; an unpacked copy of the "
                          "replaced database is kept in the backup directory (see the "
                          "server log)"));
        srv__bk_op_free(op);
        return;
    }
    if (srv__bk_submit(op, SRV_W_BACKUP_RECORD, json_incref(op->row), safety_recorded) != 0)
        srv__bk_op_free(op);
}

/*
 * The restored database decides who may be connected: an open connection
 * whose user is missing or disabled there ends with 4001 (its token was
 * revoked in the restored data too), the others take the restored role and
 * name, as after a users.update.  Pending auth.resume reads retry.
 */
static void apply_restored_users(const json_t *users)
{
    srv__bk.srv->revocations++;
    for (struct srv_session *o = srv__bk.srv->sessions; o; o = o->next) {
        if (!o->authenticated || o->close_code)
            continue;
        const json_t *u = json_object_get(users, o->username);
        if (!u) {
            srv__session_close(o, PACTA_CLOSE_SESSION_ENDED, "session ended", 1);
            continue;
        }
        const char *display = json_string_value(json_object_get(u, "display_name"));
        o->role = pacta_role_from_name(json_string_value(json_object_get(u, "role")));
        if (o->role != PACTA_ROLE_ADMIN)
            o->admin_watch = 0;
        free(o->display_name);
        o->display_name = display ? strdup(display) : NULL;
        srv__admin_changed(o);
    }
}

static void swapped(struct srv_write *w)
{
    struct bk_op *op = w->udata;
    unlink(op->restore_db);
    op->restore_db[0] = '\0';
    if (w->code != PACTA_OK) {
        srv__bk_answer_error(op, (enum pacta_code)w->code, "", "%s", w->err.message);
        srv_write_free(w);
        srv__bk_op_free(op);
        return;
    }
    json_t *users = json_incref(json_object_get(w->result, "users"));
    json_object_del(w->result, "users");
    srv_logf(SRV_LOG_WARN, "database restored", "{s:I,s:s,s:O}", "backup",
             (json_int_t)op->backup_id, "actor", op->actor, "result", w->result);
    srv__broadcast(srv__bk.srv, w->events, 0);
    apply_restored_users(users);
    json_decref(users);
    op->list = json_incref(w->result);
    op->restored = op->row;
    op->row = NULL;
    srv_write_free(w);
    /* the pre-restore state, copied by the writer, becomes a safety backup */
    memcpy(op->snap, op->safety, sizeof op->snap);
    op->safety[0] = '\0';
    snprintf(op->kind, sizeof op->kind, "safety");
    snprintf(op->description, sizeof op->description, "before restoring backup %lld",
             (long long)op->backup_id);
    srv__bk_file_name(op->file, sizeof op->file, "safety", op->t0_ms);
    srv__bk_queue(op, safety_work, safety_after);
}

static void restore_after(uv_work_t *req, int status)
{
    struct bk_op *op = req->data;
    (void)status;
    if (op->rc != SRV_BK_OK) {
        record_verification(op); /* refused: nothing changed */
        return;
    }
    if (!srv__bk_restore_space_ok(op)) {
        srv__bk_op_free(op);
        return;
    }
    srv__bk_progress_cb(op, "swap", 0, 0);
    snprintf(op->safety, sizeof op->safety, "%s/.safety-%lld.db", srv__bk.dir,
             (long long)op->t0_ms);
    json_t *args = json_pack("{s:s, s:s, s:I, s:O}", "source", op->restore_db, "safety", op->safety,
                             "backup_id", (json_int_t)op->backup_id, "backup_created_at",
                             json_object_get(op->row, "created_at"));
    if (srv__bk_submit(op, SRV_W_DB_RESTORE, args, swapped) != 0)
        srv__bk_op_free(op);
}

void srv__bk_start_check(struct srv_session *s, const json_t *id, enum bk_what what,
                         int64_t backup_id)
{
    if (srv__bk_refuse_if_unready(s, id))
        return;
    struct bk_op *op = srv__bk_op_new(what, s, id);
    op->backup_id = backup_id;
    uv_mutex_lock(&srv__bk.use_mu); /* retention keeps its file and row */
    srv__bk.in_use = backup_id;
    uv_mutex_unlock(&srv__bk.use_mu);
    snprintf(op->restore_db, sizeof op->restore_db, "%s/.restore-%lld.db", srv__bk.dir,
             (long long)op->t0_ms);
    /* room for the decrypted database: checked in verify_work, which reads
     * its size from the catalog */
    srv__bk_queue(op, verify_work, what == BK_VERIFY ? verify_after : restore_after);
}
