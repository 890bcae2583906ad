/*
 * Backups in pactad, the part that runs by itself (see backup.c for the
 * threads and the operations): the schedule's tick, retention, the
 * catalog's start-up reconciliation with the files on disk, start / stop
 * and the backup directory's lock.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "backup-private.h"
#include "backup.h"
#include "db-private.h"
#include "expiry.h"
#include "log.h"
#include "srv.h"

#define TICK_MS 500

/* ---- retention ------------------------------------------------------------- */

/*
 * Pool: keeps every backup made in the last keep_days days and the newest
 * one known to restore whatever its age; deletes the files of the others,
 * then (writer) their rows.  Rows whose file was deleted by hand go the
 * same way once they age out; a file whose row went is adopted again at
 * the next start and then aged out: the two always end up agreeing.
 *
 * Known to restore: before deleting anything, the newest good backup
 * (present, not failed) is read through (check()); a damaged one is
 * recorded failed and the next older one is read, and so on.  One whose
 * check could not run (an I/O error) is kept as well, and the search goes
 * on.  Never-verified files are not trusted blindly: a newest backup
 * damaged on disk must not be the reason the good ones are deleted.
 */
enum { CHECK_OK, CHECK_FAILED, CHECK_NOT_OURS, CHECK_UNKNOWN };

/* The file authenticated with our key and its database's SHA-256 the
 * catalog's (srv_backup_unpack without an output: read only). */
static int check(const char *path, const char *sha, char *why, size_t n)
{
    json_t *m = NULL;
    char err[256];
    int rc = srv_backup_unpack(path, &srv__bk.key, srv__schema_latest(), NULL, &m, NULL, NULL, err,
                               sizeof err);
    int ok = rc == SRV_BK_OK &&
             strcmp(json_string_value(json_object_get(m, "sha256")) ?: "", sha ?: "-") == 0;
    json_decref(m);
    if (rc == SRV_BK_OK && !ok)
        rc = SRV_BK_CORRUPT;
    snprintf(why, n, "%s", srv_backup_strerror((enum srv_backup_err)rc));
    /* a file sealed with another key (or by a newer server) is useless to
     * this server, but not damaged: nothing is recorded against it */
    return ok                                                           ? CHECK_OK
           : rc == SRV_BK_WRONG_KEY || rc == SRV_BK_NEWER_SCHEMA        ? CHECK_NOT_OURS
           : rc == SRV_BK_IO || rc == SRV_BK_NOSPACE || rc == SRV_BK_DB ? CHECK_UNKNOWN
                                                                        : CHECK_FAILED;
}

/* Walks the good rows of `rows` (newest first) that `future` selects,
 * reading each through until one passes (returns 1): marks the ones to
 * keep ("keep"), appends the damaged ones' verification to `failed`. */
static int find_restorable(json_t *rows, int future, json_t *failed)
{
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        if (json_is_true(json_object_get(row, "future")) != future ||
            !json_is_true(json_object_get(row, "good")))
            continue;
        char why[128], now[32];
        int c = check(json_string_value(json_object_get(row, "path")),
                      json_string_value(json_object_get(row, "sha256")), why, sizeof why);
        if (c == CHECK_OK || c == CHECK_UNKNOWN)
            json_object_set_new(row, "keep", json_true());
        if (c == CHECK_OK)
            return 1;
        if (c == CHECK_FAILED) {
            srv_now_iso(now);
            srv_logf(SRV_LOG_ERROR, "backups: retention found a damaged backup", "{s:O,s:s}", "id",
                     json_object_get(row, "id"), "error", why);
            json_array_append_new(failed,
                                  json_pack("{s:O, s:s, s:s}", "id", json_object_get(row, "id"),
                                            "at", now, "error", why));
        }
    }
    return 0;
}

static void retention_work(uv_work_t *req)
{
    struct bk_op *op = req->data;
    sqlite3 *r = srv_db_reader_acquire(srv__bk.srv->db);
    sqlite3_stmt *st = NULL;
    int64_t cutoff = srv_clock_now_ms() - (int64_t)srv__bk.srv->cfg->backup_keep_days * 86400000;
    int64_t now = srv_clock_now_ms();
    json_t *rows = json_array();
    int64_t first[2] = {0, 0}; /* the newest good backup from the past, from the future */
    char path[4400];

    op->list = json_array();
    op->row = json_array(); /* verifications that failed, to record */
    if (sqlite3_prepare_v2(r,
                           "SELECT id, file, created_at, verify_error IS NULL, sha256 FROM backups "
                           "ORDER BY created_at DESC, id DESC",
                           -1, &st, NULL) == SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW) {
            int64_t ms = 0;
            pacta_parse_timestamp((const char *)sqlite3_column_text(st, 2), &ms);
            snprintf(path, sizeof path, "%s/%s", srv__bk.dir,
                     (const char *)sqlite3_column_text(st, 1));
            int good = sqlite3_column_int(st, 3) && srv__bk_file_size(path) >= 0;
            if (good && !first[ms > now])
                first[ms > now] = sqlite3_column_int64(st, 0);
            /* a future created_at sorts first but is no proof of being the
             * newest: it is relied on only when no backup from the past is */
            json_array_append_new(rows,
                                  json_pack("{s:I, s:s, s:I, s:b, s:b, s:s?}", "id",
                                            (json_int_t)sqlite3_column_int64(st, 0), "path", path,
                                            "ms", (json_int_t)ms, "good", good, "future", ms > now,
                                            "sha256", (const char *)sqlite3_column_text(st, 4)));
        }
    }
    sqlite3_finalize(st);
    srv_db_reader_release(srv__bk.srv->db, r);
    /* read through only when something besides the backup relied on
     * would be deleted (not every hour for one old backup kept anyway) */
    int64_t relied = first[0] ? first[0] : first[1];
    int others = 0;
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        others |= json_integer_value(json_object_get(row, "ms")) < cutoff &&
                  json_integer_value(json_object_get(row, "id")) != relied;
    }
    if (others && !find_restorable(rows, 0, op->row))
        find_restorable(rows, 1, op->row);
    if (!others) { /* nothing else goes: kept as it is */
        json_array_foreach(rows, i, row)
        {
            if (json_integer_value(json_object_get(row, "id")) == relied)
                json_object_set_new(row, "keep", json_true());
        }
    }
    srv__bk_test_hold(1);
    json_array_foreach(rows, i, row)
    {
        int64_t id = json_integer_value(json_object_get(row, "id"));
        if (json_integer_value(json_object_get(row, "ms")) >= cutoff ||
            json_is_true(json_object_get(row, "keep")))
            continue;
        /* not the backup a verify or restore started meanwhile is reading
         * (a later pass deletes it); one that starts after this finds the
         * file gone, as it would a moment later */
        uv_mutex_lock(&srv__bk.use_mu);
        int busy = id == srv__bk.in_use;
        if (!busy) {
            unlink(json_string_value(json_object_get(row, "path")));
            snprintf(path, sizeof path, "%s.docs", json_string_value(json_object_get(row, "path")));
            unlink(path); /* its index of documents */
        }
        uv_mutex_unlock(&srv__bk.use_mu);
        if (!busy)
            json_array_append_new(op->list, json_integer(id));
    }
    json_decref(rows);
    if (json_array_size(op->list))
        srv_backup_fsync_dir(srv__bk.dir);
    /* contents no remaining backup lists (backup_docs.c) */
    char err[256];
    int gone = srv_backup_docs_sweep(srv__bk.dir, err, sizeof err);
    if (gone > 0)
        srv_logf(SRV_LOG_INFO, "backups: document contents no backup needs removed", "{s:i}",
                 "count", gone);
    else if (gone < 0)
        srv_logf(SRV_LOG_INFO, "backups: document contents kept", "{s:s}", "reason", err);
}

static void forgotten(struct srv_write *w)
{
    struct bk_op *op = w->udata;
    if (w->code == PACTA_OK)
        srv_logf(SRV_LOG_INFO, "backups purged", "{s:O}", "ids", op->list);
    srv_write_free(w);
    srv__bk_op_free(op);
}

static void failure_recorded(struct srv_write *w)
{
    srv_write_free(w);
    srv__bk_read_last_good(); /* it may have been the newest good one */
}

static void retention_after(uv_work_t *req, int status)
{
    struct bk_op *op = req->data;
    (void)status;
    /* the damaged backups found: failed, as a backups.verify would say
     * (before the rows go: the writer runs them in order) */
    size_t i;
    json_t *one;
    json_array_foreach(op->row, i, one)
    {
        struct srv_write *w = srv_write_new(SRV_W_BACKUP_VERIFIED, op->actor, json_incref(one));
        w->done = failure_recorded;
        if (srv_db_submit(srv__bk.srv->db, w) != 0)
            srv_write_free(w);
    }
    if (!json_array_size(op->list) ||
        srv__bk_submit(op, SRV_W_BACKUP_FORGET, json_pack("{s:O}", "ids", op->list), forgotten) !=
            0)
        srv__bk_op_free(op);
}

void srv__bk_start_retention(void)
{
    if (!srv__bk.catalog_ready || srv__bk.srv->shutting_down)
        return;
    srv__bk.retention_ms = srv_clock_now_ms();
    struct bk_op *op = srv__bk_op_new(BK_RETENTION, NULL, NULL);
    srv__bk_queue(op, retention_work, retention_after);
}

/* ---- start-up: the catalog and the files ---------------------------------- */

/* Pool: files in the directory without a row become rows again (from their
 * manifest); the newest good backup's time feeds the schedule and stats. */
static void reconcile_work(uv_work_t *req)
{
    struct bk_op *op = req->data;
    sqlite3 *r = srv_db_reader_acquire(srv__bk.srv->db);
    sqlite3_stmt *st = NULL;
    json_t *known = json_object();
    DIR *d;
    struct dirent *e;
    char path[4400];

    op->list = json_array();
    if (sqlite3_prepare_v2(r, "SELECT file FROM backups", -1, &st, NULL) == SQLITE_OK)
        while (sqlite3_step(st) == SQLITE_ROW)
            json_object_set_new(known, (const char *)sqlite3_column_text(st, 0), json_true());
    sqlite3_finalize(st);
    srv_db_reader_release(srv__bk.srv->db, r);
    if ((d = opendir(srv__bk.dir))) {
        while ((e = readdir(d))) {
            size_t n = strlen(e->d_name), sl = strlen(SRV_BACKUP_SUFFIX);
            snprintf(path, sizeof path, "%s/%s", srv__bk.dir, e->d_name);
            if (e->d_name[0] == '.' &&
                (strstr(e->d_name, ".tmp") || strncmp(e->d_name, ".snapshot-", 10) == 0 ||
                 strncmp(e->d_name, ".restore-", 9) == 0)) {
                unlink(path); /* left by a crash mid-operation */
                continue;
            }
            if (n <= sl || strcmp(e->d_name + n - sl, SRV_BACKUP_SUFFIX) != 0 || n > 200 ||
                json_object_get(known, e->d_name))
                continue;
            json_t *m = NULL;
            char err[128];
            if (srv_backup_read_manifest(path, &m, err, sizeof err) != SRV_BK_OK ||
                !json_string_value(json_object_get(m, "created_at"))) {
                json_decref(m);
                continue;
            }
            /* sealed with another key (or a zeroed one): not ours to list,
             * restore or count as the newest good backup */
            if (strcmp(json_string_value(json_object_get(m, "key_id")) ?: "", srv__bk.key.id) !=
                0) {
                srv_logf(SRV_LOG_WARN, "backup file made with another key: not adopted",
                         "{s:s,s:s}", "file", e->d_name, "key_id",
                         json_string_value(json_object_get(m, "key_id")) ?: "?");
                json_decref(m);
                continue;
            }
            const char *kind = json_string_value(json_object_get(m, "kind"));
            if (!kind ||
                (strcmp(kind, "scheduled") && strcmp(kind, "manual") && strcmp(kind, "safety")))
                json_object_set_new(m, "kind", json_string("manual"));
            if (!json_string_value(json_object_get(m, "created_by")))
                json_object_set_new(m, "created_by", json_string("system"));
            json_object_set_new(m, "file", json_string(e->d_name));
            json_object_set_new(m, "file_bytes", json_integer((json_int_t)srv__bk_file_size(path)));
            json_array_append_new(op->list, m);
        }
        closedir(d);
    }
    json_decref(known);
}

static void read_last(void);

static void adopted(struct srv_write *w)
{
    struct bk_op *op = w->udata;
    if (w->code == PACTA_OK)
        srv_logf(SRV_LOG_INFO, "backups adopted from the directory", "{s:O}", "added",
                 json_object_get(w->result, "added"));
    srv_write_free(w);
    srv__bk_op_free(op);
    read_last();
}

static void reconcile_after(uv_work_t *req, int status)
{
    struct bk_op *op = req->data;
    (void)status;
    if (json_array_size(op->list)) {
        if (srv__bk_submit(op, SRV_W_BACKUP_ADOPT, json_pack("{s:O}", "rows", op->list), adopted) !=
            0)
            srv__bk_op_free(op);
        return;
    }
    srv__bk_op_free(op);
    read_last();
}

/* Loop (a small indexed read): the newest good backup whose file is there
 * (stats, /metrics, /readyz) and the schedule's reference, the newest good
 * one not a safety copy (a present one first).  Computed, then set: pool
 * threads read last_ok_ms. */
void srv__bk_read_last_good(void)
{
    sqlite3 *r = srv_db_reader_acquire(srv__bk.srv->db);
    sqlite3_stmt *st = NULL;
    json_t *ok_row = NULL;
    int64_t ref_ms = 0, ref_present_ms = 0;
    if (sqlite3_prepare_v2(r,
                           "SELECT " SRV_BACKUP_COLS " FROM backups WHERE verify_error IS NULL "
                           "ORDER BY created_at DESC, id DESC LIMIT 50",
                           -1, &st, NULL) == SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW) {
            json_t *row = srv__backup_row(st);
            char path[4400];
            snprintf(path, sizeof path, "%s/%s", srv__bk.dir,
                     json_string_value(json_object_get(row, "file")));
            int present = srv__bk_file_size(path) >= 0;
            int safety = strcmp(json_string_value(json_object_get(row, "kind")), "safety") == 0;
            if (present && !ok_row)
                ok_row = json_incref(row);
            if (!safety) {
                int64_t ms = 0;
                pacta_parse_timestamp(json_string_value(json_object_get(row, "created_at")), &ms);
                if (!ref_ms)
                    ref_ms = srv__bk_clamp_now(ms);
                if (present && !ref_present_ms)
                    ref_present_ms = srv__bk_clamp_now(ms);
            }
            json_decref(row);
        }
    }
    sqlite3_finalize(st);
    srv_db_reader_release(srv__bk.srv->db, r);
    if (ok_row) {
        srv__bk_note_ok(ok_row);
        json_decref(ok_row);
    } else {
        srv__bk.last_ok_ms = 0;
        srv__bk.last_bytes = 0;
    }
    srv__bk.last_ref_ms = ref_present_ms ? ref_present_ms : ref_ms;
}

static void read_last(void)
{
    srv__bk_read_last_good();
    srv__bk.catalog_ready = 1;
    srv__bk_start_retention();
}

/* ---- schedule ----------------------------------------------------------------- */

/* Due when the last daily time has passed since the newest backup, or
 * every_min minutes went by; checked every tick against srv_clock_now_ms(),
 * so a clock moved by a test, or a server that was down at the daily time,
 * backs up at once. */
static int schedule_due(int64_t now)
{
    const struct srv_config *cfg = srv__bk.srv->cfg;
    if (cfg->backup_every_min > 0 &&
        now - srv__bk.last_ref_ms >= (int64_t)cfg->backup_every_min * 60000)
        return 1;
    if (cfg->backup_minute >= 0) {
        /* the last daily time as a moment, not by the clock's reading: a
         * 02:30 that does not exist (clocks going forward) is 03:30, still
         * ahead at 03:10, when the reading had passed it (a backup every
         * tick until 03:30) */
        int64_t day = srv_local_day(now, NULL);
        int64_t point = srv_local_ms(day, cfg->backup_minute);
        if (point > now)
            point = srv_local_ms(day - 1, cfg->backup_minute);
        if (srv__bk.last_ref_ms < point)
            return 1;
    }
    return 0;
}

static void on_tick(uv_timer_t *t)
{
    (void)t;
    if (srv__bk.op)
        srv__bk_send_progress(srv__bk.op, 0);
    int64_t now = srv_clock_now_ms();
    if (!srv__bk.have_key || !srv__bk.catalog_ready || srv__bk.op || srv__bk.srv->shutting_down ||
        now < srv__bk.retry_after_ms)
        return;
    if (schedule_due(now))
        srv__bk_start_create(NULL, NULL, "scheduled", "");
    else if (now - srv__bk.retention_ms >= 3600000 || now < srv__bk.retention_ms)
        srv__bk_start_retention(); /* hourly, so backups age out even when none are made */
}

/* ---- start / stop ----------------------------------------------------------- */

static void backup_dir_of(const struct srv_config *cfg, char *out, size_t n);

void srv__backup_start(struct srv *srv)
{
    const struct srv_config *cfg = srv->cfg;
    char err[256];

    srv__bk.srv = srv;
    uv_mutex_init(&srv__bk.use_mu);
    backup_dir_of(cfg, srv__bk.dir, sizeof srv__bk.dir);
    snprintf(srv__bk.db_path, sizeof srv__bk.db_path, "%s/pacta.db", cfg->data_dir);
    int k = srv_backup_key_load(cfg->backup_key_file, &srv__bk.key, err, sizeof err);
    if (k < 0) {
        srv_logf(SRV_LOG_ERROR, "backups disabled: bad key", "{s:s}", "error", err);
    } else if (k > 0) {
        srv_log(SRV_LOG_WARN, "backups disabled: no key (--backup-key-file or PACTA_BACKUP_KEY)");
    } else if (mkdir(srv__bk.dir, 0700) != 0 && errno != EEXIST) {
        srv_logf(SRV_LOG_ERROR, "backups disabled: cannot create the backup directory", "{s:s,s:s}",
                 "dir", srv__bk.dir, "error", strerror(errno));
    } else {
        srv__bk.have_key = 1;
        if (srv__bk.key.file_mode & 077) {
            char mode[16];
            snprintf(mode, sizeof mode, "%04o", srv__bk.key.file_mode);
            srv_logf(SRV_LOG_WARN,
                     "the backup key file can be read by other users: whoever reads it can "
                     "decrypt every backup (chmod 600 it)",
                     "{s:s,s:s}", "file", cfg->backup_key_file, "mode", mode);
        }
        srv_logf(SRV_LOG_INFO, "backups enabled", "{s:s,s:s,s:i,s:i,s:s}", "dir", srv__bk.dir,
                 "key_id", srv__bk.key.id, "keep_days", cfg->backup_keep_days, "every_minutes",
                 cfg->backup_every_min, "method",
                 cfg->backup_method == SRV_BACKUP_VACUUM ? "vacuum" : "api");
    }
    uv_timer_init(srv->loop, &srv__bk.tick);
    uv_timer_start(&srv__bk.tick, on_tick, TICK_MS, TICK_MS);
    srv__bk.started = 1;
    if (srv__bk.have_key) {
        struct bk_op *op = srv__bk_op_new(BK_RECONCILE, NULL, NULL);
        srv__bk_queue(op, reconcile_work, reconcile_after);
    } else {
        read_last();
    }
}

void srv__backup_stop(struct srv *srv)
{
    (void)srv;
    if (!srv__bk.started)
        return;
    srv__bk.started = 0;
    uv_timer_stop(&srv__bk.tick);
    uv_close((uv_handle_t *)&srv__bk.tick, NULL);
}

static void backup_dir_of(const struct srv_config *cfg, char *out, size_t n)
{
    if (cfg->backup_dir)
        snprintf(out, n, "%s", cfg->backup_dir);
    else
        snprintf(out, n, "%s/backups", cfg->data_dir);
}

int srv__backup_lock(const struct srv_config *cfg)
{
    char dir[4096], lock[4200];
    /* the data directory's own lock first: the backup directory's alone
     * let a second pactad, or an offline restore, given another backup
     * directory run on the same database */
    srv__bk.data_lock_fd = srv_backup_data_lock(cfg->data_dir);
    if (srv__bk.data_lock_fd == -2) {
        srv_logf(SRV_LOG_ERROR,
                 "another process holds the data directory's lock (another pactad, or an "
                 "offline restore): not starting",
                 "{s:s}", "dir", cfg->data_dir);
        srv__bk.data_lock_fd = -1;
        return -1;
    }
    if (srv__bk.data_lock_fd < 0)
        srv_logf(SRV_LOG_WARN, "cannot create the data directory's lock", "{s:s,s:s}", "dir",
                 cfg->data_dir, "error", strerror(errno));
    backup_dir_of(cfg, dir, sizeof dir);
    snprintf(lock, sizeof lock, "%s/.lock", dir);
    if ((mkdir(dir, 0700) != 0 && errno != EEXIST) ||
        (srv__bk.lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
        /* nobody else can hold a lock that cannot be created either */
        srv_logf(SRV_LOG_WARN, "cannot create the backup directory's lock", "{s:s,s:s}", "file",
                 lock, "error", strerror(errno));
        return 0;
    }
    if (flock(srv__bk.lock_fd, LOCK_EX | LOCK_NB) != 0) {
        srv_logf(SRV_LOG_ERROR,
                 "another process holds the backup directory's lock (another pactad, or an "
                 "offline restore): not starting",
                 "{s:s}", "file", lock);
        close(srv__bk.lock_fd);
        srv__bk.lock_fd = -1;
        return -1;
    }
    return 0;
}

/* Not in srv__backup_stop(): pool work may still be packing a backup with
 * the key until the loop has ended (a file sealed with a zeroed key would
 * be unreadable and still look like the newest backup). */
void srv__backup_cleanup(void)
{
    OPENSSL_cleanse(&srv__bk.key, sizeof srv__bk.key);
    srv__bk.have_key = 0;
    if (srv__bk.lock_fd >= 0) /* held until the database is closed */
        close(srv__bk.lock_fd);
    srv__bk.lock_fd = -1;
    if (srv__bk.data_lock_fd >= 0)
        close(srv__bk.data_lock_fd);
    srv__bk.data_lock_fd = -1;
}
