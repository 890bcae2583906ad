/*
 * The writer thread (srv__writer_main): takes the whole queue as one batch
 * and runs it in one transaction (group commit), hands it back to the loop
 * (db.c), and checkpoints the write-ahead log between batches.  The queue,
 * the completions and the connections are db.c's.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db-private.h"
#include "log.h"

static int exec_sql(struct srv_db *db, const char *sql)
{
    int rc = sqlite3_exec(db->w, sql, NULL, NULL, NULL);

    if (rc != SQLITE_OK) {
        char msg[96];
        snprintf(msg, sizeof(msg), "db: %s failed", sql);
        srv__log_error(msg, sqlite3_errmsg(db->w));
    }
    return rc;
}

/*
 * The statements that frame each batch and each write in it, prepared once
 * on the writer's connection and kept by srv__writer_main (writer thread only):
 * sqlite3_exec parsed "SAVEPOINT w" and "RELEASE w" again for every write,
 * ~19,000 instructions an edit (bench/RESULTS.md "Edits").  A restore
 * copies into the same connection, and SQLite re-prepares them if the
 * schema changed.
 */
enum { TX_BEGIN, TX_SAVEPOINT, TX_RELEASE, TX_ROLLBACK_TO, TX_COMMIT, TX__COUNT };
static const char *const tx_sql[TX__COUNT] = {[TX_BEGIN] = "BEGIN IMMEDIATE",
                                              [TX_SAVEPOINT] = "SAVEPOINT w",
                                              [TX_RELEASE] = "RELEASE w",
                                              [TX_ROLLBACK_TO] = "ROLLBACK TO w",
                                              [TX_COMMIT] = "COMMIT"};
struct tx_stmts {
    sqlite3_stmt *st[TX__COUNT];
    struct srv_fts_pending fts; /* the search indexes' noted rows, before COMMIT */
};

/* Runs one of them: SQLITE_OK, or the error, logged as exec_sql logs it. */
static int tx_run(struct srv_db *db, struct tx_stmts *tx, int which)
{
    sqlite3_stmt *st = tx->st[which];
    int rc = SQLITE_OK;

    if (!st) {
        rc = sqlite3_prepare_v3(db->w, tx_sql[which], -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
        if (rc == SQLITE_OK)
            tx->st[which] = st;
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc == SQLITE_DONE || rc == SQLITE_ROW)
            return SQLITE_OK;
    }
    char msg[96];
    snprintf(msg, sizeof(msg), "db: %s failed", tx_sql[which]);
    srv__log_error(msg, sqlite3_errmsg(db->w));
    return rc;
}

/* The search indexes' rows and the sort keys noted by the batch's edits,
 * brought up to date before the COMMIT: one FTS5 segment per index a batch
 * (schema_fts_pending.h, schema_sort_keys.h). */
static int fts_pending_apply(struct srv_db *db, struct tx_stmts *tx)
{
    int rc = srv__fts_pending_apply(db->w, &tx->fts);

    if (rc != SQLITE_OK)
        srv__log_error("db: bringing the search index and sort keys up to date failed",
                       sqlite3_errmsg(db->w));
    return rc;
}

static void tx_finalize(struct tx_stmts *tx)
{
    for (int i = 0; i < TX__COUNT; i++) {
        sqlite3_finalize(tx->st[i]);
        tx->st[i] = NULL;
    }
    srv__fts_pending_finalize(&tx->fts);
}

static void clear_outcome(struct srv_write *w)
{
    json_decref(w->result);
    w->result = NULL;
    free(w->result_text);
    w->result_text = NULL;
    json_array_clear(w->events);
}

/* The batch's transaction is gone: whatever each write did is undone, so
 * none of them may report success or carry events.  sqlite_rc is why (a
 * full disk is said as such: the user can tell someone, and retry). */
static void fail_batch(struct srv_write *batch, int sqlite_rc)
{
    const char *msg = (sqlite_rc & 0xff) == SQLITE_FULL
                          ? "the server's disk is full: nothing was changed, try again later"
                          : "the database is unavailable, try again";
    for (struct srv_write *w = batch; w; w = w->next) {
        clear_outcome(w);
        json_decref(w->error_extra);
        w->error_extra = NULL;
        w->code = PACTA_UNAVAILABLE;
        pacta_error_set(&w->err, PACTA_UNAVAILABLE, "", "%s", msg);
    }
}

/* The batch's COMMIT (unless broken: a write's error ended what the batch
 * could keep), after the search indexes' noted rows; 0, or -1 with every
 * write failed and the transaction gone. */
static int commit_batch(struct srv_db *db, struct tx_stmts *tx, struct srv_write *batch, int broken)
{
    if (broken || fts_pending_apply(db, tx) != SQLITE_OK ||
        tx_run(db, tx, TX_COMMIT) != SQLITE_OK) {
        int why = sqlite3_extended_errcode(db->w);
        if (!sqlite3_get_autocommit(db->w))
            exec_sql(db, "ROLLBACK");
        fail_batch(batch, why);
        return -1;
    }
    return 0;
}

/* Every write of the batch as it was submitted: no outcome, no error.  A
 * batch run again (run_plain) starts from here too. */
static void reset_outcomes(struct srv_write *batch)
{
    for (struct srv_write *w = batch; w; w = w->next) {
        if (!w->events)
            w->events = json_array();
        clear_outcome(w);
        json_decref(w->error_extra);
        w->error_extra = NULL;
        w->code = PACTA_OK;
        memset(&w->err, 0, sizeof(w->err));
    }
}

/* The write failed: its error stands, its outcome goes. */
static void write_failed(struct srv_write *w, int rc)
{
    w->code = -rc;
    if (w->err.code == PACTA_OK)
        pacta_error_set(&w->err, (enum pacta_code)w->code, "", "write failed");
    clear_outcome(w);
}

/*
 * The kinds that may run without a SAVEPOINT of their own (run_plain):
 * contract creates, updates and deletes, which change nothing outside the
 * database, so running one again is harmless, and which check what can be
 * refused (version, number, owner, fields) before they change anything.
 */
static int plain_kind(enum srv_write_kind kind)
{
    return kind == SRV_W_CONTRACT_CREATE || kind == SRV_W_CONTRACT_UPDATE ||
           kind == SRV_W_CONTRACT_DELETE;
}

/*
 * A batch of plain kinds only, in one transaction without a SAVEPOINT per
 * write.  A write's SAVEPOINT copies every page it changes into the
 * statement journal, which the contract writes hardly ever need: a write
 * refused before it changed a row (a conflict, a bad field, a taken
 * number) has nothing to undo, and one that fails half done is told by
 * sqlite3_total_changes64 moving across it (a failed statement itself is
 * undone by SQLite, or the whole transaction is).  Then the transaction is
 * rolled back and the batch runs again with its SAVEPOINTs (run_batch), so
 * that write alone fails, as before.  0 when committed, -1 when the batch
 * as a whole failed, 1 to run it again.
 */
static int run_plain(struct srv_db *db, struct tx_stmts *tx, struct srv_write *batch)
{
    if (tx_run(db, tx, TX_BEGIN) != SQLITE_OK) {
        fail_batch(batch, sqlite3_extended_errcode(db->w));
        return -1;
    }
    for (struct srv_write *w = batch; w; w = w->next) {
        sqlite3_int64 before = sqlite3_total_changes64(db->w);
        int rc = srv__write_apply(db, w);

        if (rc == 0)
            continue;
        write_failed(w, rc);
        if (sqlite3_get_autocommit(db->w)) { /* an error that ended the transaction */
            fail_batch(batch, sqlite3_extended_errcode(db->w));
            return -1;
        }
        if (sqlite3_total_changes64(db->w) != before) {
            exec_sql(db, "ROLLBACK");
            if (!sqlite3_get_autocommit(db->w)) {
                fail_batch(batch, sqlite3_extended_errcode(db->w));
                return -1;
            }
            return 1;
        }
    }
    return commit_batch(db, tx, batch, 0);
}

/*
 * One group commit: BEGIN IMMEDIATE, each write in its own SAVEPOINT (a
 * failing write is rolled back alone and reports its error), one COMMIT —
 * one fsync — for all of them.  A batch of contract writes only goes
 * without the SAVEPOINTs first (run_plain).  0, or -1 when the batch as a
 * whole failed.
 */
static int run_batch(struct srv_db *db, struct tx_stmts *tx, struct srv_write *batch)
{
    int broken = 0, plain = 1;

    reset_outcomes(batch);
    for (struct srv_write *w = batch; w && plain; w = w->next)
        plain = plain_kind(w->kind);
    if (plain) {
        int rc = run_plain(db, tx, batch);
        if (rc <= 0)
            return rc;
        uv_mutex_lock(&db->mu);
        db->stats.plain_reruns++;
        uv_mutex_unlock(&db->mu);
        reset_outcomes(batch);
    }
    if (tx_run(db, tx, TX_BEGIN) != SQLITE_OK) {
        fail_batch(batch, sqlite3_extended_errcode(db->w));
        return -1;
    }
    for (struct srv_write *w = batch; w && !broken; w = w->next) {
        int rc;

        if (tx_run(db, tx, TX_SAVEPOINT) != SQLITE_OK) {
            broken = 1;
            break;
        }
        rc = srv__write_apply(db, w);
        if (rc == 0) {
            if (tx_run(db, tx, TX_RELEASE) != SQLITE_OK)
                broken = 1;
            continue;
        }
        write_failed(w, rc);
        /* Some errors (disk full, I/O) end the whole transaction. */
        if (sqlite3_get_autocommit(db->w) || tx_run(db, tx, TX_ROLLBACK_TO) != SQLITE_OK ||
            tx_run(db, tx, TX_RELEASE) != SQLITE_OK)
            broken = 1;
    }
    return commit_batch(db, tx, batch, broken);
}

/*
 * A restore replaces the whole database, so it cannot share a transaction:
 * it runs alone, and writes queued after it wait and then run against the
 * restored database (that is the "pause").  Called with mu held: keeps in
 * *batch the writes before the first restore (or the restore alone) and
 * puts the rest back at the head of the queue, in order.
 */
static void split_at_restore(struct srv_db *db, struct srv_write *batch, struct srv_write **last)
{
    struct srv_write *cut = NULL, *rest;

    if (!batch)
        return;
    if (batch->kind == SRV_W_DB_RESTORE) {
        cut = batch;
    } else {
        for (cut = batch; cut->next && cut->next->kind != SRV_W_DB_RESTORE; cut = cut->next)
            ;
    }
    rest = cut->next;
    if (!rest)
        return;
    cut->next = NULL;
    db->pending_head = rest;
    db->pending_tail = *last;
    *last = cut;
}

/*
 * Benchmark knob: PACTA_WRITER_MAX_BATCH=N caps a batch at N writes, so N=1
 * turns group commit off (one transaction and one fsync per write).  bench/
 * run.sh uses it for the baseline of the edits scenario; unset or 0 (the
 * default) lets a batch take the whole queue.  Called with mu held, after
 * split_at_restore(); puts the rest back at the head of the queue, in order.
 */
static void split_at_max(struct srv_db *db, struct srv_write *batch, struct srv_write **last,
                         long max)
{
    struct srv_write *cut = batch;

    if (!batch || max <= 0)
        return;
    for (long n = 1; cut->next && n < max; n++)
        cut = cut->next;
    if (!cut->next)
        return;
    /* the queue may already hold what split_at_restore() put back */
    (*last)->next = db->pending_head;
    if (!db->pending_head)
        db->pending_tail = *last;
    db->pending_head = cut->next;
    cut->next = NULL;
    *last = cut;
}

/*
 * The write-ahead log's checkpoint, on the writer's connection and thread
 * (DESIGN section 9: a checkpoint on another connection beside the writer's
 * commits is SQLite 3.40's WAL-reset bug), but between batches instead of
 * inside the COMMIT that crosses SQLite's wal_autocheckpoint: the batch it
 * follows is on the done list by then, so its answers and events leave
 * while the pages are copied and the database is synced, instead of after.
 * Writes that arrive meanwhile wait for it, as they waited for the COMMIT
 * before.  Same size as SQLite's automatic one (1,000 pages): bigger ones
 * stall those writes for longer (bench/RESULTS.md "Edits ... second pass").
 */
#define CKPT_FRAMES 1000

/* sqlite3_wal_hook on the writer's connection, after each commit:
 * replaces the automatic checkpoint, and notes the log's length. */
static int wal_frames_hook(void *arg, sqlite3 *w, const char *name, int frames)
{
    struct srv_db *db = arg;

    (void)w;
    (void)name;
    if (frames < db->wal_frames)
        db->ckpt_retry_at = 0; /* the log started over */
    db->wal_frames = frames;
    return SQLITE_OK;
}

static void checkpoint_between_batches(struct srv_db *db)
{
    if (db->wal_frames < CKPT_FRAMES || db->wal_frames < db->ckpt_retry_at)
        return;
    int rc = sqlite3_wal_checkpoint_v2(db->w, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);

    uv_mutex_lock(&db->mu);
    db->stats.checkpoints++;
    if (rc != SQLITE_OK)
        db->stats.checkpoint_failures++;
    uv_mutex_unlock(&db->mu);
    if (rc != SQLITE_OK) {
        /* a full disk, an I/O error: the frames stay in the log, durable;
         * tried again (and logged) once it has grown by as much again, not
         * after every batch */
        db->ckpt_retry_at = db->wal_frames + CKPT_FRAMES;
        srv__log_error("db: checkpoint failed", sqlite3_errmsg(db->w));
    }
}

void srv__writer_checkpoints(struct srv_db *db)
{
    sqlite3_wal_hook(db->w, wal_frames_hook, db);
}

void srv__writer_main(void *arg)
{
    struct srv_db *db = arg;
    const char *max_env = getenv("PACTA_WRITER_MAX_BATCH");
    long max_batch = max_env ? strtol(max_env, NULL, 10) : 0;
    struct tx_stmts tx = {{0}, {0}};

    /* so top -H, perf and bench/loadgen can tell it from the loop thread */
    pthread_setname_np(pthread_self(), "pacta-writer");
    for (;;) {
        struct srv_write *batch, *last;
        uint64_t n = 0;

        uv_mutex_lock(&db->mu);
        while (!db->pending_head && !db->stopping)
            uv_cond_wait(&db->cond, &db->mu);
        batch = db->pending_head;
        last = db->pending_tail;
        db->pending_head = db->pending_tail = NULL;
        split_at_restore(db, batch, &last);
        split_at_max(db, batch, &last, max_batch);
        uv_mutex_unlock(&db->mu);
        if (!batch)
            break; /* stopping, and nothing is left */

        uint64_t t0 = uv_hrtime();
        int failed = 0;
        if (batch->kind == SRV_W_DB_RESTORE)
            srv__backup_restore(db, batch); /* alone: it replaces the database */
        else
            failed = run_batch(db, &tx, batch);
        double secs = (double)(uv_hrtime() - t0) / 1e9;
        /* Everything read from the batch is read now: once it is on the done
         * list, the loop may run and free it at any moment (an earlier
         * batch's uv_async_send can wake it). */
        json_t *ids = srv_log_enabled(SRV_LOG_DEBUG) ? json_array() : NULL;
        for (struct srv_write *w = batch; w; w = w->next) {
            n++;
            if (ids)
                json_array_append_new(ids, json_integer((json_int_t)w->request_id));
        }

        uv_mutex_lock(&db->mu);
        if (db->done_tail)
            db->done_tail->next = batch;
        else
            db->done_head = batch;
        db->done_tail = last;
        db->stats.batches++;
        db->stats.writes += n;
        if (n > db->stats.max_batch)
            db->stats.max_batch = n;
        srv_hist_observe(&db->stats.batch_size, &srv_hist_batch, (double)n);
        if (failed) {
            db->stats.failed_batches++;
        } else {
            srv_hist_observe(&db->stats.commit_secs, &srv_hist_seconds, secs);
            db->stats.last_commit_ms = srv_clock_now_ms();
        }
        uv_mutex_unlock(&db->mu);
        if (ids) {
            /* one line per batch: which requests shared this fsync */
            srv_logj(SRV_LOG_DEBUG, "batch committed",
                     json_pack("{s:I,s:o,s:I,s:b}", "writes", (json_int_t)n, "requests", ids,
                               "microseconds", (json_int_t)(secs * 1e6), "ok", !failed));
        }
        uv_async_send(db->async);
        checkpoint_between_batches(db);
    }
    tx_finalize(&tx);
}
