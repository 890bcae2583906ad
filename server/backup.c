/*
 * Backups in pactad (issue 6): backups.create / list / verify / restore
 * and their progress events.  The schedule, retention, the catalog's
 * start-up reconciliation with the files on disk and the directory lock
 * are in backup_schedule.c, verify and restore in backup_check.c; what
 * they share is in backup-private.h.
 *
 * Threads: everything here runs on the loop, except the *_work functions,
 * which run in the uv thread pool and touch only their struct bk_op (and
 * its progress fields under op->mu).  The heavy steps are in
 * backup_file.c; the catalog rows and the restore swap are writes that the
 * DB writer does (db_backup.c).  One operation runs at a time: a second
 * request gets `unavailable`, a scheduled backup waits for its turn.
 *
 * Create:  pool: snapshot (own read-only connection) -> integrity_check
 *          -> zstd -> AES-256-GCM -> tmp, fsync, rename, fsync dir
 *          writer: catalog row; then retention.
 * Verify:  pool: read row, unpack into a temp file (tag, checksum,
 *          integrity_check, counts), delete it; writer: verified_at/error.
 * Restore: pool: verify as above, keeping the database; writer (alone):
 *          safety copy of the live database, swap, migrate, server.reset
 *          event; loop: broadcast; pool: pack the safety copy; writer: its
 *          catalog row; then answer.
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

#define RETRY_AFTER_FAILURE_MS (5 * 60 * 1000)

struct srv__backup_state srv__bk = {.lock_fd = -1, .data_lock_fd = -1};

int64_t srv__backup_last_ok_ms(void)
{
    return srv__bk.last_ok_ms;
}

int64_t srv__backup_last_bytes(void)
{
    return srv__bk.last_bytes;
}

int srv__backup_busy(void)
{
    return srv__bk.op != NULL;
}

/* ---- operations: lifetime, progress, answers ------------------------------ */

void srv__bk_progress_cb(void *ud, const char *stage, uint64_t done, uint64_t total)
{
    struct bk_op *op = ud;
    uv_mutex_lock(&op->mu);
    snprintf(op->stage, sizeof op->stage, "%s", stage);
    op->done = done;
    op->total = total;
    op->dirty = 1;
    uv_mutex_unlock(&op->mu);
}

const char *srv__bk_what_name(enum bk_what w)
{
    return w == BK_CREATE ? "create" : w == BK_VERIFY ? "verify" : "restore";
}

/* An ephemeral backup.progress event to the admin who asked. */
void srv__bk_send_progress(struct bk_op *op, int final)
{
    char stage[32];
    uint64_t done, total;
    int dirty;

    uv_mutex_lock(&op->mu);
    dirty = op->dirty;
    op->dirty = 0;
    memcpy(stage, op->stage, sizeof stage);
    done = op->done;
    total = op->total;
    uv_mutex_unlock(&op->mu);
    if (!op->s || !srv__session_open(op->s) || (!dirty && !final) || op->what > BK_RESTORE)
        return;
    if (final) {
        snprintf(stage, sizeof stage, "done");
        done = total = 1;
    }
    json_t *ev =
        json_pack("{s:s, s:{s:s, s:s, s:I, s:I, s:i}}", "event", "backup.progress", "data", "op",
                  srv__bk_what_name(op->what), "stage", stage, "done", (json_int_t)done, "total",
                  (json_int_t)total, "percent", total ? (int)(done * 100 / total) : 0);
    char *text = json_dumps(ev, JSON_COMPACT);
    json_decref(ev);
    struct srv_msg *m = srv__msg_new(text, strlen(text));
    free(text);
    srv__session_queue_event(op->s, m);
    srv__msg_unref(m);
}

struct bk_op *srv__bk_op_new(enum bk_what what, struct srv_session *s, const json_t *req_id)
{
    struct bk_op *op = calloc(1, sizeof *op);
    if (!op)
        abort();
    op->what = what;
    op->work.data = op;
    op->t0_ms = srv_clock_now_ms();
    uv_mutex_init(&op->mu);
    snprintf(op->actor, sizeof op->actor, "%s", s ? s->username : "system");
    if (s) {
        op->s = s;
        srv__session_ref(s);
        op->req_id = json_incref((json_t *)req_id);
    }
    srv__bk.srv->jobs_inflight++;
    if (what <= BK_RESTORE)
        srv__bk.op = op;
    if (what == BK_CREATE || what == BK_RESTORE)
        srv__documents_backup_begin(); /* no content leaves the store meanwhile */
    return op;
}

void srv__bk_test_hold(int times)
{
    const char *v = getenv("PACTA_TEST_BACKUP_HOLD_MS");
    long ms = v && *v ? strtol(v, NULL, 10) : 0;
    if (ms > 0)
        uv_sleep((unsigned)(ms * times));
}

void srv__bk_op_free(struct bk_op *op)
{
    if (srv__bk.op == op)
        srv__bk.op = NULL;
    if (op->what == BK_VERIFY || op->what == BK_RESTORE) {
        uv_mutex_lock(&srv__bk.use_mu);
        srv__bk.in_use = 0;
        uv_mutex_unlock(&srv__bk.use_mu);
    }
    srv__bk.srv->jobs_inflight--;
    if (op->what == BK_CREATE || op->what == BK_RESTORE)
        srv__documents_backup_end(op->what == BK_RESTORE);
    if (op->snap[0])
        unlink(op->snap);
    if (op->restore_db[0])
        unlink(op->restore_db);
    if (op->safety[0])
        unlink(op->safety);
    if (op->s)
        srv__session_unref(op->s);
    json_decref(op->req_id);
    json_decref(op->row);
    json_decref(op->restored);
    json_decref(op->list);
    uv_mutex_destroy(&op->mu);
    free(op);
}

void srv__bk_answer_ok(struct bk_op *op, json_t *result_steal)
{
    srv__bk_send_progress(op, 1);
    if (op->s && srv__session_open(op->s))
        srv__respond_ok(op->s, op->req_id, result_steal);
    else
        json_decref(result_steal);
}

void srv__bk_answer_error(struct bk_op *op, enum pacta_code code, const char *field,
                          const char *fmt, const char *arg)
{
    if (op->s && srv__session_open(op->s)) {
        struct pacta_error e;
        pacta_error_set(&e, code, field, fmt, arg);
        srv__respond_error(op->s, op->req_id, &e, NULL);
    }
}

/* The client-facing error of a failed step; the detail goes to the log. */
void srv__bk_answer_failure(struct bk_op *op, const char *what)
{
    srv_logf(SRV_LOG_ERROR, "backup failed", "{s:s,s:s,s:s,s:I}", "step", what, "error",
             srv_backup_strerror((enum srv_backup_err)op->rc), "detail", op->err, "backup",
             (json_int_t)op->backup_id);
    if (op->rc == -PACTA_NOT_FOUND)
        srv__bk_answer_error(op, PACTA_NOT_FOUND, "id", "%s", "no such backup");
    else if (op->rc == SRV_BK_NOSPACE && op->err[0])
        srv__bk_answer_error(op, PACTA_UNAVAILABLE, "",
                             "backup failed: not enough disk space (%s), nothing was changed",
                             op->err);
    else if (op->rc == SRV_BK_NOSPACE || op->rc == SRV_BK_IO || op->rc == SRV_BK_DB ||
             (op->rc == SRV_BK_DOCUMENTS && op->what == BK_CREATE))
        srv__bk_answer_error(op, PACTA_UNAVAILABLE, "", "backup failed: %s, nothing was changed",
                             srv_backup_strerror((enum srv_backup_err)op->rc));
    else
        srv__bk_answer_error(op, PACTA_BAD_REQUEST, "id", "the backup failed verification: %s",
                             srv_backup_strerror((enum srv_backup_err)op->rc));
}

int64_t srv__bk_file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
}

/* The most a snapshot of the live database can be: its file and its WAL
 * (every page of the newest commit is in one or the other).  The file
 * alone was too little while the WAL held changes not yet checkpointed
 * (a long read holds checkpoints off): the snapshot then filled the disk
 * the estimate said had room.  Stat only: the loop must not wait. */
static int64_t live_db_bytes(void)
{
    char wal[4200];
    snprintf(wal, sizeof wal, "%s-wal", srv__bk.db_path);
    int64_t db = srv__bk_file_size(srv__bk.db_path), w = srv__bk_file_size(wal);
    return (db > 0 ? db : 0) + (w > 0 ? w : 0);
}

/* Refuses clearly before starting when the disk of dir would fill. */
static int space_ok_in(struct bk_op *op, const char *dir, int64_t need)
{
    int64_t free_bytes = srv_backup_disk_free(dir);
    if (free_bytes < 0 || free_bytes >= need + SRV_BK_SPACE_MARGIN)
        return 1;
    char msg[4400];
    snprintf(msg, sizeof msg, "%lld MB are needed and %lld MB are free in %s",
             (long long)((need + SRV_BK_SPACE_MARGIN) >> 20), (long long)(free_bytes >> 20), dir);
    srv_logf(SRV_LOG_WARN, "backup refused: not enough disk space", "{s:s,s:I,s:I}", "dir", dir,
             "need", (json_int_t)need, "free", (json_int_t)free_bytes);
    srv__bk_answer_error(op, PACTA_UNAVAILABLE, "",
                         op->what == BK_RESTORE ? "not enough disk space for the restore: %s"
                                                : "not enough disk space for the backup: %s",
                         msg);
    return 0;
}

static int space_ok(struct bk_op *op, int64_t need)
{
    return space_ok_in(op, srv__bk.dir, need);
}

/* A restore writes the safety copy of the live database and its packed
 * file into the backup directory, and the restored pages through the
 * live database's WAL, then into the file itself (growing it when the
 * restored database is the bigger): each disk must hold its share, both
 * together when they are one. */
int srv__bk_restore_space_ok(struct bk_op *op)
{
    int64_t live = live_db_bytes(), restored = srv__bk_file_size(op->restore_db);
    if (restored < 0)
        restored = 0;
    int64_t in_backups = 2 * live, in_data = restored + (restored > live ? restored - live : 0);
    const char *data_dir = srv__bk.srv->cfg->data_dir;
    struct stat a, b;
    if (stat(srv__bk.dir, &a) == 0 && stat(data_dir, &b) == 0 && a.st_dev == b.st_dev)
        return space_ok_in(op, srv__bk.dir, in_backups + in_data);
    return space_ok_in(op, srv__bk.dir, in_backups) && space_ok_in(op, data_dir, in_data);
}

void srv__bk_queue(struct bk_op *op, uv_work_cb work, uv_after_work_cb after)
{
    if (uv_queue_work(srv__bk.srv->loop, &op->work, work, after) != 0) {
        srv__bk_answer_error(op, PACTA_INTERNAL, "", "%s", "internal error");
        srv__bk_op_free(op);
    }
}

int srv__bk_submit(struct bk_op *op, enum srv_write_kind kind, json_t *args,
                   void (*done)(struct srv_write *))
{
    struct srv_write *w = srv_write_new(kind, op->actor, args);
    w->done = done;
    w->udata = op;
    if (srv_db_submit(srv__bk.srv->db, w) != 0) {
        srv_write_free(w);
        srv__bk_answer_error(op, PACTA_UNAVAILABLE, "", "%s", "server is shutting down");
        return -1;
    }
    return 0;
}

/* ---- create ---------------------------------------------------------------- */

/* pacta-20261122-140203-123-manual.pbk; a second backup in the same
 * millisecond (a clock stepped back, a test's stopped clock) is ...-2.pbk,
 * not a failed one (the pack's link() never replaces a file).  Stat only. */
void srv__bk_file_name(char *out, size_t n, const char *kind, int64_t ms)
{
    char iso[32], stem[128], path[4400];
    srv__iso_from_ms(ms, iso); /* 2026-11-22T14:02:03.123Z */
    snprintf(stem, sizeof stem, "pacta-%.4s%.2s%.2s-%.2s%.2s%.2s-%.3s-%s", iso, iso + 5, iso + 8,
             iso + 11, iso + 14, iso + 17, iso + 20, kind);
    snprintf(out, n, "%s" SRV_BACKUP_SUFFIX, stem);
    for (int i = 2; i < 1000; i++) {
        snprintf(path, sizeof path, "%s/%s", srv__bk.dir, out);
        if (srv__bk_file_size(path) < 0)
            return;
        snprintf(out, n, "%s-%d" SRV_BACKUP_SUFFIX, stem, i);
    }
}

/* Pool: from a snapshot file (op->snap, made here or by the writer) to a
 * packed backup and the row to record. */
void srv__bk_pack_snapshot(struct bk_op *op)
{
    json_t *facts = NULL;
    char now[32];

    if ((op->rc = srv_backup_inspect(op->snap, &facts, srv__bk_progress_cb, op, op->err,
                                     sizeof op->err)) != SRV_BK_OK)
        return;
    srv__iso_from_ms(op->t0_ms, now);
    json_object_set_new(facts, "created_at", json_string(now));
    json_object_set_new(facts, "created_by", json_string(op->actor));
    json_object_set_new(facts, "kind", json_string(op->kind));
    json_object_set_new(facts, "description", json_string(op->description));
    json_object_set_new(facts, "server_version", json_string(PACTA_VERSION));
    /* the documents' contents first (backup_docs.c), into the backup
     * directory's own store; the lock keeps retention's sweep away until
     * the backup file that lists them exists */
    char docs[4200], index[4400];
    srv_docs_dir(srv__bk.srv->cfg->data_dir, docs, sizeof docs);
    snprintf(index, sizeof index, "%s/%s.docs", srv__bk.dir, op->file);
    /* the documents added since the last backup and the packed file to
     * come must fit too: the check before starting knew only the
     * database's size, not how many new contents the backup copies */
    int64_t copy = srv_backup_docs_to_copy(op->snap, srv__bk.dir, &srv__bk.key);
    int64_t free_bytes = srv_backup_disk_free(srv__bk.dir), snap = srv__bk_file_size(op->snap);
    if (copy > 0 && free_bytes >= 0 && free_bytes < copy + snap + SRV_BK_SPACE_MARGIN) {
        op->rc = SRV_BK_NOSPACE;
        snprintf(op->err, sizeof op->err,
                 "documents: %lld MB of new contents and the packed file, %lld MB free",
                 (long long)((copy + snap + SRV_BK_SPACE_MARGIN) >> 20),
                 (long long)(free_bytes >> 20));
        json_decref(facts);
        return;
    }
    srv_backup_docs_lock();
    op->rc = srv_backup_docs_store(op->snap, docs, srv__bk.dir, &srv__bk.key, index, facts,
                                   srv__bk_progress_cb, op, op->err, sizeof op->err);
    if (op->rc == SRV_BK_OK)
        op->rc = srv_backup_pack(op->snap, srv__bk.dir, op->file, facts, &srv__bk.key,
                                 srv__bk_progress_cb, op, &op->file_bytes, op->err, sizeof op->err);
    if (op->rc != SRV_BK_OK)
        unlink(index);
    srv_backup_docs_unlock();
    if (op->rc == SRV_BK_OK) {
        /* on failure it stays: a restore's safety copy is the only copy of
         * the replaced data (safety_after keeps it; op_free drops others) */
        unlink(op->snap);
        op->snap[0] = '\0';
        json_object_set_new(facts, "file", json_string(op->file));
        json_object_set_new(facts, "file_bytes", json_integer((json_int_t)op->file_bytes));
        json_object_set_new(facts, "duration_ms",
                            json_integer((json_int_t)(srv_clock_now_ms() - op->t0_ms)));
        op->row = json_incref(facts);
    }
    json_decref(facts);
}

static void create_work(uv_work_t *req)
{
    struct bk_op *op = req->data;
    op->rc = srv_backup_snapshot(srv__bk.db_path, op->snap,
                                 (enum srv_backup_method)srv__bk.srv->cfg->backup_method,
                                 srv__bk_progress_cb, op, op->err, sizeof op->err);
    if (op->rc == SRV_BK_OK)
        srv__bk_pack_snapshot(op);
}

/* A created_at in the future (a clock that was ahead, a planted file)
 * counts as now: it must not hold the schedule off until that date. */
int64_t srv__bk_clamp_now(int64_t ms)
{
    int64_t now = srv_clock_now_ms();
    return ms > now ? now : ms;
}

void srv__bk_note_ok(const json_t *row)
{
    int64_t ms = 0;
    pacta_parse_timestamp(json_string_value(json_object_get(row, "created_at")), &ms);
    ms = srv__bk_clamp_now(ms);
    srv__bk.last_ok_ms = ms;
    srv__bk.last_bytes = (int64_t)json_integer_value(json_object_get(row, "file_bytes"));
    if (strcmp(json_string_value(json_object_get(row, "kind")) ?: "", "safety") != 0)
        srv__bk.last_ref_ms = ms;
}

static void recorded(struct srv_write *w)
{
    struct bk_op *op = w->udata;
    if (w->code != PACTA_OK) {
        srv_logf(SRV_LOG_ERROR, "backup: recording failed", "{s:s}", "file", op->file);
        srv__bk_answer_error(op, (enum pacta_code)w->code, "", "%s",
                             "the backup could not be recorded");
    } else {
        json_t *row = json_object_get(w->result, "backup");
        srv__bk_note_ok(row);
        srv_logf(SRV_LOG_INFO, "backup done", "{s:O}", "backup", row);
        if (json_integer_value(json_object_get(row, "documents_unavailable")) > 0)
            srv_logf(SRV_LOG_ERROR, "backup made without documents lost from the store",
                     "{s:s, s:O}", "file", op->file, "sha256",
                     json_object_get(json_object_get(op->row, "documents"), "unavailable"));
        srv__bk_answer_ok(op, json_incref(w->result));
    }
    srv_write_free(w);
    srv__bk_op_free(op);
    srv__bk_start_retention();
}

static void create_after(uv_work_t *req, int status)
{
    struct bk_op *op = req->data;
    (void)status;
    if (op->rc != SRV_BK_OK) {
        srv__bk_answer_failure(op, "create");
        if (!op->s)
            srv__bk.retry_after_ms = srv_clock_now_ms() + RETRY_AFTER_FAILURE_MS;
        srv__bk_op_free(op);
        return;
    }
    if (srv__bk_submit(op, SRV_W_BACKUP_RECORD, json_incref(op->row), recorded) != 0)
        srv__bk_op_free(op);
}

int srv__bk_refuse_if_unready(struct srv_session *s, const json_t *id)
{
    struct pacta_error e;
    if (!srv__bk.have_key)
        pacta_error_set(&e, PACTA_UNAVAILABLE, "",
                        "backups are not configured on this server (no backup key)");
    else if (srv__bk.op)
        pacta_error_set(&e, PACTA_UNAVAILABLE, "",
                        "another backup operation is running: retry when it ends");
    else
        return 0;
    if (s)
        srv__respond_error(s, id, &e, NULL);
    return 1;
}

void srv__bk_start_create(struct srv_session *s, const json_t *id, const char *kind,
                          const char *description)
{
    if (srv__bk_refuse_if_unready(s, id))
        return;
    struct bk_op *op = srv__bk_op_new(BK_CREATE, s, id);
    snprintf(op->kind, sizeof op->kind, "%s", kind);
    snprintf(op->description, sizeof op->description, "%s", description ? description : "");
    srv__bk_file_name(op->file, sizeof op->file, kind, op->t0_ms);
    snprintf(op->snap, sizeof op->snap, "%s/.snapshot-%lld.db", srv__bk.dir, (long long)op->t0_ms);
    /* the snapshot, then the packed file (zstd usually halves it or better) */
    if (!space_ok(op, live_db_bytes() + live_db_bytes() / 2)) {
        if (!s) /* the schedule asks again after a while, not every tick */
            srv__bk.retry_after_ms = srv_clock_now_ms() + RETRY_AFTER_FAILURE_MS;
        op->snap[0] = '\0';
        srv__bk_op_free(op);
        return;
    }
    srv__bk_queue(op, create_work, create_after);
}

/* ---- list ------------------------------------------------------------------ */

/* Newest first; "status": ok, failed (its last verification failed) or
 * missing (the file was deleted by hand). */
static int read_list(sqlite3 *r, const char *actor, const json_t *args, json_t **result,
                     struct pacta_error *err)
{
    sqlite3_stmt *st = NULL;
    json_t *items = json_array();
    char path[4400];
    int rc;
    (void)actor;
    (void)args;
    rc = sqlite3_prepare_v2(
        r, "SELECT " SRV_BACKUP_COLS " FROM backups ORDER BY created_at DESC, id DESC", -1, &st,
        NULL);
    if (rc != SQLITE_OK) {
        json_decref(items);
        return srv__sql_error(r, rc, "backups list", err);
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *row = srv__backup_row(st);
        snprintf(path, sizeof path, "%s/%s", srv__bk.dir,
                 json_string_value(json_object_get(row, "file")));
        const char *status = srv__bk_file_size(path) < 0                          ? "missing"
                             : json_is_false(json_object_get(row, "verified_ok")) ? "failed"
                                                                                  : "ok";
        json_object_set_new(row, "status", json_string(status));
        json_array_append_new(items, row);
    }
    sqlite3_finalize(st);
    const struct srv_config *cfg = srv__bk.srv->cfg;
    char daily[16] = "";
    if (cfg->backup_minute >= 0)
        snprintf(daily, sizeof daily, "%02d:%02d", cfg->backup_minute / 60,
                 cfg->backup_minute % 60);
    int64_t last_ok_ms = srv__bk.last_ok_ms; /* the loop may be setting it */
    json_t *last = last_ok_ms ? json_string("") : json_null();
    if (last_ok_ms) {
        char iso[32];
        srv__iso_from_ms(last_ok_ms, iso);
        json_string_set(last, iso);
    }
    *result =
        json_pack("{s:o, s:{s:b, s:s?, s:i, s:i, s:s}, s:o}", "items", items, "policy", "enabled",
                  srv__bk.have_key, "daily_at", daily[0] ? daily : NULL, "every_minutes",
                  cfg->backup_every_min, "keep_days", cfg->backup_keep_days, "method",
                  cfg->backup_method == SRV_BACKUP_VACUUM ? "vacuum" : "api", "last_ok_at", last);
    return 0;
}

/* ---- ops ------------------------------------------------------------------------ */

int srv__backup_handle(struct srv_session *s, const struct pacta_request *req)
{
    struct pacta_error err = {0};
    int64_t id;
    int rc = 0;

    switch (req->op) {
    case PACTA_OP_BACKUPS_CREATE: {
        const char *description;
        if ((rc = pacta_decode_backup_create(req->args, &description, &err)) == 0)
            srv__bk_start_create(s, req->id, "manual", description);
        break;
    }
    case PACTA_OP_BACKUPS_LIST:
        if ((rc = pacta_decode_empty(req->args, &err)) == 0)
            srv__ops_read(s, req, read_list);
        break;
    case PACTA_OP_BACKUPS_VERIFY:
    case PACTA_OP_BACKUPS_RESTORE:
        if ((rc = pacta_decode_backup_id(req->args, &id, &err)) == 0)
            srv__bk_start_check(s, req->id,
                                req->op == PACTA_OP_BACKUPS_VERIFY ? BK_VERIFY : BK_RESTORE, id);
        break;
    default:
        return 0;
    }
    if (rc)
        srv__respond_error(s, req->id, &err, NULL);
    return 1;
}
