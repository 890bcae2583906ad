/*
 * srv_db: connections, the queue to the writer thread and its completions
 * back to the loop, and the reader pool.  The writer thread's batches
 * (group commit) and checkpoints live in db_writer.c, what each write does
 * in db_write.c, the queries in db_read.c, the schema in schema.c.
 *
 * Ordering promise: writes are queued FIFO, the writer takes the whole
 * queue as one batch, and finished batches are appended FIFO to the
 * completed list the loop drains; so done() callbacks run in submission
 * order, and the events they carry arrive in seq order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db-private.h"
#include "db_list.h"
#include "db_short.h"
#include "db_walbuf.h"
#include "log.h"

#define BUSY_TIMEOUT_MS 5000
#define GENERATED_PASSWORD_BYTES 18

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);

    if (!p) {
        srv__log_error("fatal: out of memory", NULL);
        abort();
    }
    return p;
}

struct srv_write *srv_write_new(enum srv_write_kind kind, const char *actor, json_t *args_steal)
{
    struct srv_write *w = xcalloc(1, sizeof(*w));

    w->kind = kind;
    w->actor = strdup(actor ? actor : "system");
    w->args = args_steal ? args_steal : json_object();
    return w;
}

void srv_write_free(struct srv_write *w)
{
    if (!w)
        return;
    free(w->actor);
    json_decref(w->args);
    json_decref(w->result);
    json_decref(w->error_extra);
    json_decref(w->events);
    free(w->result_text);
    free(w);
}

/* ---- the loop side ---------------------------------------------------- */

/* Runs done() for every completed write, oldest first.  The async handle
 * keeps the loop alive only while writes are in flight, so a loop with
 * nothing else to do can end. */
static void deliver_completed(struct srv_db *db)
{
    struct srv_write *w, *next;

    uv_mutex_lock(&db->mu);
    w = db->done_head;
    db->done_head = db->done_tail = NULL;
    uv_mutex_unlock(&db->mu);
    for (; w; w = next) {
        next = w->next;
        w->next = NULL;
        db->inflight--;
        w->done(w);
    }
    if (db->inflight == 0)
        uv_unref((uv_handle_t *)db->async);
}

static void on_async(uv_async_t *h)
{
    deliver_completed(h->data);
}

int srv_db_submit(struct srv_db *db, struct srv_write *w)
{
    if (db->shutdown_called)
        return -1;
    w->next = NULL;
    if (db->inflight++ == 0)
        uv_ref((uv_handle_t *)db->async);
    uv_mutex_lock(&db->mu);
    if (db->pending_tail)
        db->pending_tail->next = w;
    else
        db->pending_head = w;
    db->pending_tail = w;
    uv_cond_signal(&db->cond);
    uv_mutex_unlock(&db->mu);
    return 0;
}

void srv_db_get_stats(struct srv_db *db, struct srv_db_stats *out)
{
    uv_mutex_lock(&db->mu);
    *out = db->stats;
    uv_mutex_unlock(&db->mu);
}

void srv_db_shutdown(struct srv_db *db)
{
    db->shutdown_called = 1;
    uv_mutex_lock(&db->mu);
    db->stopping = 1;
    uv_cond_signal(&db->cond);
    uv_mutex_unlock(&db->mu);
}

int srv_db_writer_idle(const struct srv_db *db)
{
    return db->inflight == 0;
}

/* ---- reader pool ------------------------------------------------------ */

sqlite3 *srv_db_reader_acquire(struct srv_db *db)
{
    sqlite3 *r;

    uv_mutex_lock(&db->pool_mu);
    while (db->nidle == 0)
        uv_cond_wait(&db->pool_cond, &db->pool_mu);
    r = db->idle[--db->nidle];
    uv_mutex_unlock(&db->pool_mu);
    return r;
}

void srv_db_reader_release(struct srv_db *db, sqlite3 *r)
{
    uv_mutex_lock(&db->pool_mu);
    db->idle[db->nidle++] = r;
    uv_cond_signal(&db->pool_cond);
    uv_mutex_unlock(&db->pool_mu);
}

/* ---- open / close ----------------------------------------------------- */

static int open_writer(struct srv_db *db, const char *path, char *errbuf, size_t errlen)
{
    /* Checkpoints: SQLite's automatic one while migrations run, then the
     * writer's between batches (db_writer.c). */
    static const char *const pragmas[] = {
        "PRAGMA journal_mode = WAL",
        "PRAGMA synchronous = FULL",
        "PRAGMA foreign_keys = ON",
        /* A log that grew while it could not start over (a long export's
         * or backup's snapshot, checkpoints failing on a full disk) is
         * cut back to this when it does: SQLite reuses the file as it is,
         * and kept the disk it grew into for as long as pactad ran. */
        "PRAGMA journal_size_limit = 16777216",
    };
    sqlite3_stmt *st = NULL;
    /* the default VFS with its WAL writes gathered until each sync (db_walbuf.c) */
    int rc = sqlite3_open_v2(path, &db->w,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             srv__walbuf_vfs());

    if (rc != SQLITE_OK) {
        snprintf(errbuf, errlen, "cannot open %s: %s", path,
                 db->w ? sqlite3_errmsg(db->w) : sqlite3_errstr(rc));
        return -1;
    }
    sqlite3_busy_timeout(db->w, BUSY_TIMEOUT_MS);
    for (size_t i = 0; i < sizeof(pragmas) / sizeof(pragmas[0]); i++) {
        if (sqlite3_exec(db->w, pragmas[i], NULL, NULL, NULL) != SQLITE_OK) {
            snprintf(errbuf, errlen, "%s: %s", pragmas[i], sqlite3_errmsg(db->w));
            return -1;
        }
    }
    /* journal_mode answers with the mode it got, which may not be WAL (e.g.
     * on a file system without shared memory). */
    rc = sqlite3_prepare_v2(db->w, "PRAGMA journal_mode", -1, &st, NULL);
    if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
        strcmp((const char *)sqlite3_column_text(st, 0), "wal") != 0) {
        snprintf(errbuf, errlen, "%s: WAL journal mode is not available", path);
        rc = SQLITE_ERROR;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? 0 : -1;
}

static int open_readers(struct srv_db *db, const char *path, int n, int cache_mb, char *errbuf,
                        size_t errlen)
{
    char cache[64];

    snprintf(cache, sizeof cache, "PRAGMA cache_size = -%d",
             (cache_mb > 0 ? cache_mb : SRV_DB_READER_CACHE_MB) * 1024);
    db->readers = xcalloc((size_t)n, sizeof(sqlite3 *));
    db->idle = xcalloc((size_t)n, sizeof(sqlite3 *));
    for (int i = 0; i < n; i++) {
        sqlite3 *r = NULL;
        int rc = sqlite3_open_v2(path, &r, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);

        db->readers[db->nreaders++] = r;
        if (rc == SQLITE_OK)
            rc = sqlite3_db_config(r, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
        if (rc == SQLITE_OK)
            rc = sqlite3_busy_timeout(r, BUSY_TIMEOUT_MS);
        /* q's whole words, sort keys and ranked pages (db_list.h) */
        if (rc == SQLITE_OK && srv__list_reader_attach(r) != 0) {
            snprintf(errbuf, errlen,
                     "cannot open a reader on %s: cannot register the list functions: %s", path,
                     sqlite3_errmsg(r));
            return -1;
        }
        if (rc == SQLITE_OK)
            rc = sqlite3_exec(r, "PRAGMA query_only = ON", NULL, NULL, NULL);
        if (rc == SQLITE_OK)
            rc = sqlite3_exec(r, cache, NULL, NULL, NULL);
        if (rc == SQLITE_OK)
            srv__db_watch(&db->watch_readers, db, "reader", r);
        if (rc != SQLITE_OK) {
            snprintf(errbuf, errlen, "cannot open a reader on %s: %s", path,
                     r ? sqlite3_errmsg(r) : sqlite3_errstr(rc));
            return -1;
        }
        db->idle[db->nidle++] = r;
    }
    return 0;
}

/*
 * First start: without a user nobody could log in, so create "admin".  The
 * password comes from the environment (deployments), else it is generated
 * and handed back for the operator to read once.
 */
static int bootstrap_admin(struct srv_db *db, char **generated, char *errbuf, size_t errlen)
{
    const char *env = getenv("PACTA_ADMIN_PASSWORD");
    char gen[4 * ((GENERATED_PASSWORD_BYTES + 2) / 3) + 1], now[32];
    uint8_t raw[GENERATED_PASSWORD_BYTES];
    const char *password = env;
    sqlite3_stmt *st = NULL;
    char *hash = NULL;
    int rc, count = -1;

    rc = sqlite3_prepare_v2(db->w, "SELECT count(*) FROM users", -1, &st, NULL);
    if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        count = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    if (count < 0) {
        snprintf(errbuf, errlen, "cannot count users: %s", sqlite3_errmsg(db->w));
        return -1;
    }
    if (count > 0)
        return 0;
    if (env && env[0]) {
        if (strlen(env) < 8 || strlen(env) > 1024) {
            snprintf(errbuf, errlen, "PACTA_ADMIN_PASSWORD must be 8..1024 bytes");
            return -1;
        }
    } else {
        srv__random_bytes(raw, sizeof(raw));
        srv__b64url_encode(raw, sizeof(raw), gen);
        password = gen;
    }
    if (!(hash = srv_auth_hash_password(password))) {
        snprintf(errbuf, errlen, "cannot hash the admin password");
        return -1;
    }
    srv_now_iso(now);
    rc = sqlite3_prepare_v2(db->w,
                            "INSERT INTO users (username, display_name, password_hash, role, "
                            "disabled, created_at) VALUES ('admin', 'Administrator', ?, "
                            "'admin', 0, ?)",
                            -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, hash, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, now, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    if (rc != SQLITE_OK)
        snprintf(errbuf, errlen, "cannot create the admin user: %s", sqlite3_errmsg(db->w));
    else if (password == gen)
        *generated = strdup(gen);
    sqlite3_finalize(st);
    free(hash);
    return rc == SQLITE_OK ? 0 : -1;
}

static void free_async(uv_handle_t *h)
{
    free(h);
}

/* Everything but the async handle, which only the loop may close. */
static void close_connections(struct srv_db *db)
{
    for (int i = 0; i < db->nreaders; i++)
        sqlite3_close(db->readers[i]);
    free(db->readers);
    free(db->idle);
    if (db->w) {
        srv__write_finalize(db);
        /* Fold the WAL into the main file so a backup copy of the .db
         * alone is complete, and the -wal does not grow across restarts. */
        if (sqlite3_wal_checkpoint_v2(db->w, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL) !=
            SQLITE_OK)
            srv__log_error("db: final checkpoint failed", sqlite3_errmsg(db->w));
        sqlite3_close(db->w);
    }
    uv_mutex_destroy(&db->mu);
    uv_cond_destroy(&db->cond);
    uv_mutex_destroy(&db->pool_mu);
    uv_cond_destroy(&db->pool_cond);
}

int srv_db_open(const struct srv_db_options *opts, uv_loop_t *loop, struct srv_db **out,
                char **generated_password, char *errbuf, size_t errlen)
{
    struct srv_db *db;

    *out = NULL;
    if (generated_password)
        *generated_password = NULL;
    if (!opts || !opts->path || opts->readers < 1) {
        snprintf(errbuf, errlen, "srv_db_open: a path and at least one reader are required");
        return -1;
    }
    /* SQLite's allocation statistics (sqlite3_memory_used, nothing here
     * reads them) take a global mutex around every malloc and free: ~5% of
     * the writer's instructions on an edit.  Only possible before SQLite
     * initializes, so the first srv_db_open of a process decides (later
     * calls get SQLITE_MISUSE, harmlessly). */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    /* Each write's SAVEPOINT keeps the pages it changes in a statement
     * journal, which SQLite moves to a temp file past 64 KiB (a batch's
     * first bigger write) and then writes page by page: ~16 pwrite calls
     * an edit (strace, bench/RESULTS.md "Edits").  Kept in memory up to
     * 16 MiB; a migration's huge statement still spills.  SQLite makes the
     * first chunk that big: nearly free with glibc's malloc, an mmap and
     * unmap of 16 MiB per transaction with ASan's (the fuzzer sets less). */
    sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL,
                   opts->stmt_journal_spill > 0 ? opts->stmt_journal_spill : 16 * 1024 * 1024);
    /* contracts_short's and contracts_text's tokenizers on every connection from here on: the
     * writer, the readers, backups, restores and exports (db_short.h) */
    if (srv_short_install(errbuf, errlen) != 0)
        return -1;
    db = xcalloc(1, sizeof(*db));
    db->loop = loop;
    db->session_ttl_sec = opts->session_ttl_sec > 0 ? opts->session_ttl_sec : 86400;
    uv_mutex_init(&db->mu);
    uv_cond_init(&db->cond);
    uv_mutex_init(&db->pool_mu);
    uv_cond_init(&db->pool_cond);

    srv_db_set_slow_ms(db, opts->slow_statement_ms);

    char *generated = NULL;
    if (open_writer(db, opts->path, errbuf, errlen) != 0 ||
        srv__schema_migrate(db->w, errbuf, errlen) != 0)
        goto fail;
    /* migrations are long on purpose and logged on their own: the writer is
     * watched from the first statement after them */
    srv__db_watch(&db->watch_writer, db, "writer", db->w);
    if (bootstrap_admin(db, &generated, errbuf, errlen) != 0 ||
        open_readers(db, opts->path, opts->readers, opts->reader_cache_mb, errbuf, errlen) != 0)
        goto fail;

    db->async = xcalloc(1, sizeof(*db->async));
    uv_async_init(loop, db->async, on_async);
    db->async->data = db;
    uv_unref((uv_handle_t *)db->async);
    srv__writer_checkpoints(db); /* from here on, between batches */
    if (uv_thread_create(&db->writer, srv__writer_main, db) != 0) {
        snprintf(errbuf, errlen, "cannot start the writer thread");
        uv_close((uv_handle_t *)db->async, free_async);
        goto fail;
    }
    db->writer_started = 1;
    if (generated_password)
        *generated_password = generated;
    else
        free(generated);
    *out = db;
    return 0;
fail:
    free(generated);
    close_connections(db);
    free(db);
    return -1;
}

/*
 * Loop thread.  Lets the writer finish what was queued, runs the remaining
 * done() callbacks right here (the caller is leaving the loop), then closes
 * the connections, checkpointing the WAL away.  The async handle is freed
 * by its close callback on the next loop iteration.
 */
void srv_db_close(struct srv_db *db)
{
    if (!db)
        return;
    srv_db_shutdown(db);
    if (db->writer_started)
        uv_thread_join(&db->writer);
    deliver_completed(db);
    uv_close((uv_handle_t *)db->async, free_async);
    close_connections(db);
    free(db);
}
