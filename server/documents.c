/*
 * Documents attached to contracts (issue 7): the read ops (documents.list,
 * .get, .download), documents.delete, start-up and the module's timer, and
 * the collection of contents no live row refers to any more.  Uploads are
 * in documents_upload.c, the store's rules in documents_store.c.
 *
 * Threads: everything here runs on the loop except the *_work functions
 * and the srv_read_fn callbacks, which run in the uv thread pool (reads
 * with a read-only connection; the download's file read and base64 there
 * too, so a 1 MiB chunk never costs the loop more than queueing it).
 *
 * Contents are collected (removed) when the last live row referring to
 * them is deleted, and at start-up (whatever a crash left).  Backups do not
 * need the live store to keep anything: each backup's contents are copied,
 * encrypted, into the backup directory's own store (backup_docs.c), and a
 * restore copies back what its rows refer to.  A backup or restore holds
 * the store meanwhile (srv__documents_backup_begin), so nothing its
 * snapshot refers to disappears before it is copied.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db-private.h"
#include "docstore.h"
#include "documents-private.h"
#include "log.h"

#define TICK_MS 1000

struct srv__docs_state srv__docs;

/* ---- request bookkeeping (an async answer, like ops.c's jobs) -------------- */

void srv__docs_request_begin(struct srv_session *s)
{
    srv__session_ref(s);
    s->inflight++;
    s->srv->jobs_inflight++;
}

void srv__docs_request_end(struct srv_session *s, enum pacta_op op, uint64_t start_ns)
{
    srv__metrics_latency(s->srv, op, uv_hrtime() - start_ns);
    s->inflight--;
    s->srv->jobs_inflight--;
    srv__session_unref(s);
}

/* ---- reads (thread pool) ------------------------------------------------------ */

static int read_fail(sqlite3 *r, struct pacta_error *err)
{
    return srv__sql_error(r, sqlite3_errcode(r), "documents read", err);
}

/* 0 if the contract exists (deleted or not), else not_found. */
static int contract_exists(sqlite3 *r, const char *id, struct pacta_error *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(r, "SELECT 1 FROM contracts WHERE id = ?1", -1, &st, NULL) != SQLITE_OK)
        return read_fail(r, err);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int step = sqlite3_step(st), rc = 0;
    if (step == SQLITE_DONE)
        rc = pacta_error_set(err, PACTA_NOT_FOUND, "contract_id", "no such contract");
    else if (step != SQLITE_ROW)
        rc = read_fail(r, err);
    sqlite3_finalize(st);
    return rc;
}

/* The row of a document (deleted ones too), NULL with err set if none. */
static json_t *read_row(sqlite3 *r, const char *id, struct pacta_error *err)
{
    sqlite3_stmt *st = NULL;
    json_t *doc = NULL;
    if (sqlite3_prepare_v2(r, "SELECT " SRV_DOCUMENT_COLS " FROM documents WHERE id = ?1", -1, &st,
                           NULL) != SQLITE_OK) {
        read_fail(r, err);
        return NULL;
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        doc = srv__document_from_row(st);
    else if (step == SQLITE_DONE)
        pacta_error_set(err, PACTA_NOT_FOUND, "id", "no such document");
    else
        read_fail(r, err);
    sqlite3_finalize(st);
    return doc;
}

/* Oldest first; deleted ones only when asked. */
static int read_list(sqlite3 *r, const char *actor, const json_t *args, json_t **result,
                     struct pacta_error *err)
{
    struct pacta_doc_list_args a;
    sqlite3_stmt *st = NULL;
    int rc;
    (void)actor;
    if ((rc = pacta_decode_doc_list(args, &a, err)) != 0 ||
        (rc = contract_exists(r, a.contract_id, err)) != 0)
        return rc;
    if (sqlite3_prepare_v2(r,
                           "SELECT " SRV_DOCUMENT_COLS " FROM documents WHERE contract_id = ?1 "
                           "AND (?2 OR deleted_at IS NULL) ORDER BY uploaded_at, id",
                           -1, &st, NULL) != SQLITE_OK)
        return read_fail(r, err);
    sqlite3_bind_text(st, 1, a.contract_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, a.include_deleted);
    json_t *items = json_array();
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(items, srv__document_from_row(st));
    if (rc != SQLITE_DONE) {
        rc = read_fail(r, err);
        json_decref(items);
        sqlite3_finalize(st);
        return rc;
    }
    sqlite3_finalize(st);
    *result = json_pack("{s:o}", "items", items);
    return 0;
}

static int read_get(sqlite3 *r, const char *actor, const json_t *args, json_t **result,
                    struct pacta_error *err)
{
    const char *id;
    int rc;
    (void)actor;
    if ((rc = pacta_decode_doc_id(args, &id, err)) != 0)
        return rc;
    json_t *doc = read_row(r, id, err);
    if (!doc)
        return -(int)err->code;
    *result = json_pack("{s:o}", "document", doc);
    return 0;
}

/*
 * One chunk of a live document's content: {"offset", "data" (base64),
 * "eof"}.  The client asks for the next offset when it has this one, so a
 * slow reader paces its own download.
 */
static int read_download(sqlite3 *r, const char *actor, const json_t *args, json_t **result,
                         struct pacta_error *err)
{
    struct pacta_doc_download_args a;
    char path[4300];
    int rc, fd = -1;
    (void)actor;
    if ((rc = pacta_decode_doc_download(args, &a, err)) != 0)
        return rc;
    json_t *doc = read_row(r, a.id, err);
    if (!doc)
        return -(int)err->code;
    int64_t size = json_integer_value(json_object_get(doc, "size"));
    if (!json_is_null(json_object_get(doc, "deleted_at"))) {
        rc = pacta_error_set(err, PACTA_NOT_FOUND, "id", "the document was deleted");
        goto out;
    }
    if (a.offset > size) {
        rc = pacta_error_set(err, PACTA_BAD_REQUEST, "offset",
                             "must be at most the document's size (%lld)", (long long)size);
        goto out;
    }
    size_t len = (size_t)(size - a.offset < a.length ? size - a.offset : a.length);
    srv_docs_blob_path(srv__docs.dir, json_string_value(json_object_get(doc, "sha256")), path,
                       sizeof path);
    uint8_t *buf = malloc(len ? len : 1);
    char *text = malloc(PACTA_BASE64_ENCODED_LEN(len) + 1);
    if (!buf || !text)
        abort();
    size_t got = 0;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
        while (got < len) {
            ssize_t n = pread(fd, buf + got, len - got, (off_t)(a.offset + (int64_t)got));
            if (n <= 0)
                break;
            got += (size_t)n;
        }
    }
    int open_errno = fd < 0 ? errno : 0;
    json_t *now = NULL;
    if (got != len && open_errno == ENOENT && (now = read_row(r, a.id, err)) &&
        !json_is_null(json_object_get(now, "deleted_at"))) {
        /* deleted, and its content collected, since the row was read */
        rc = pacta_error_set(err, PACTA_NOT_FOUND, "id", "the document was deleted");
    } else if (got != len &&
               (open_errno == EMFILE || open_errno == ENFILE || open_errno == ENOMEM)) {
        /* a passing shortage, not a lost content (PROTOCOL.md §11) */
        srv_logf(SRV_LOG_ERROR, "documents: cannot open a content", "{s:s,s:s}", "document", a.id,
                 "error", strerror(open_errno));
        rc = pacta_error_set(err, PACTA_UNAVAILABLE, "",
                             "the server is out of open files or memory: try again later");
    } else if (got != len) {
        srv_logf(SRV_LOG_ERROR, "documents: content missing or short", "{s:s,s:s,s:s}", "document",
                 a.id, "sha256", json_string_value(json_object_get(doc, "sha256")), "error",
                 fd < 0 ? strerror(open_errno) : "short read");
        rc = pacta_error_set(err, PACTA_INTERNAL, "", "the document's content cannot be read");
    } else {
        size_t n = pacta_base64_encode(buf, len, text);
        *result = json_pack("{s:I, s:o, s:b}", "offset", (json_int_t)a.offset, "data",
                            json_stringn_nocheck(text, n), "eof", a.offset + (int64_t)len == size);
    }
    json_decref(now);
    free(buf);
    free(text);
out:
    if (fd >= 0)
        close(fd);
    json_decref(doc);
    return rc;
}

/* ---- delete -------------------------------------------------------------------- */

struct doc_write {
    struct srv_session *s;
    json_t *req_id;
    enum pacta_op op;
    uint64_t start_ns, request_id;
};

static void deleted(struct srv_write *w)
{
    struct doc_write *d = w->udata;
    struct srv *srv = srv__docs.srv;
    if (w->events && json_array_size(w->events)) {
        srv__broadcast(srv, w->events, d->request_id);
        srv->metrics.edits++;
    }
    if (w->code == PACTA_OK) {
        srv__docs_gc_request(
            json_string_value(json_object_get(json_object_get(w->result, "document"), "sha256")));
        if (srv__session_open(d->s))
            srv__respond_ok(d->s, d->req_id, json_incref(w->result));
    } else if (srv__session_open(d->s)) {
        srv__respond_error(d->s, d->req_id, &w->err, NULL);
    }
    srv__docs_request_end(d->s, d->op, d->start_ns);
    json_decref(d->req_id);
    free(d);
    srv_write_free(w);
}

static void start_delete(struct srv_session *s, const struct pacta_request *req, const char *id)
{
    struct doc_write *d = calloc(1, sizeof *d);
    if (!d)
        abort();
    d->s = s;
    d->req_id = json_incref(req->id);
    d->op = req->op;
    d->start_ns = uv_hrtime();
    d->request_id = s->srv->next_request_id;
    struct srv_write *w =
        srv_write_new(SRV_W_DOCUMENT_DELETE, s->username, json_pack("{s:s}", "id", id));
    w->done = deleted;
    w->udata = d;
    w->request_id = d->request_id;
    srv__docs_request_begin(s);
    if (srv_db_submit(s->srv->db, w) != 0) {
        struct pacta_error e;
        pacta_error_set(&e, PACTA_UNAVAILABLE, "", "server is shutting down");
        srv__respond_error(s, req->id, &e, NULL);
        srv__docs_request_end(s, d->op, d->start_ns);
        json_decref(d->req_id);
        free(d);
        srv_write_free(w);
    }
}

/* ---- collection of unreferenced contents ---------------------------------------- */

struct gc_job {
    uv_work_t work;
    json_t *shas; /* NULL: full */
    int removed;
};

static void gc_kick(void);

static void gc_work(uv_work_t *req)
{
    struct gc_job *g = req->data;
    sqlite3 *r = srv_db_reader_acquire(srv__docs.srv->db);
    g->removed = srv__docstore_gc(r, srv__docs.dir, g->shas);
    srv_db_reader_release(srv__docs.srv->db, r);
}

static void gc_after(uv_work_t *req, int status)
{
    struct gc_job *g = req->data;
    (void)status;
    if (g->removed > 0)
        srv_logf(SRV_LOG_INFO, "documents: unreferenced contents removed", "{s:i}", "count",
                 g->removed);
    srv__docs.gc_running = 0;
    srv__docs.srv->jobs_inflight--;
    json_decref(g->shas);
    free(g);
    gc_kick();
}

/* Starts one collection with what was asked for meanwhile; none while a
 * backup or restore holds the store (it asks again when it ends). */
static void gc_kick(void)
{
    struct srv__docs_state *d = &srv__docs;
    if (!d->started || d->gc_running || d->holds > 0 || d->srv->shutting_down ||
        (!d->gc_full && !d->gc_shas))
        return;
    struct gc_job *g = calloc(1, sizeof *g);
    if (!g)
        abort();
    g->work.data = g;
    g->shas = d->gc_full ? NULL : d->gc_shas;
    if (d->gc_full)
        json_decref(d->gc_shas);
    d->gc_shas = NULL;
    d->gc_full = 0;
    d->gc_running = 1;
    d->srv->jobs_inflight++;
    if (uv_queue_work(d->srv->loop, &g->work, gc_work, gc_after) != 0) {
        d->gc_running = 0;
        d->srv->jobs_inflight--;
        json_decref(g->shas);
        free(g);
    }
}

void srv__docs_gc_request(const char *sha256)
{
    if (!sha256)
        return;
    if (!srv__docs.gc_shas)
        srv__docs.gc_shas = json_array();
    json_array_append_new(srv__docs.gc_shas, json_string(sha256));
    gc_kick();
}

void srv__docs_gc_request_full(void)
{
    srv__docs.gc_full = 1;
    gc_kick();
}

void srv__documents_backup_begin(void)
{
    srv__docs.holds++;
    srv__docstore_hold();
}

void srv__documents_backup_end(int restored)
{
    srv__docs.holds--;
    if (srv__docstore_release() || restored)
        srv__docs.gc_full = 1;
    gc_kick();
}

/* ---- start, stop, timer ------------------------------------------------------------ */

static void on_tick(uv_timer_t *t)
{
    (void)t;
    srv__docs_uploads_tick();
    gc_kick();
}

static int make_dir(const char *path)
{
    if (mkdir(path, 0700) == 0 || errno == EEXIST)
        return 0;
    srv_logf(SRV_LOG_ERROR, "documents: cannot create a directory", "{s:s,s:s}", "dir", path,
             "error", strerror(errno));
    return -1;
}

void srv__documents_start(struct srv *srv)
{
    struct srv__docs_state *d = &srv__docs;
    d->srv = srv;
    srv_docs_dir(srv->cfg->data_dir, d->dir, sizeof d->dir);
    if (snprintf(d->uploads, sizeof d->uploads, "%s/" SRV_DOCS_UPLOADS_NAME, d->dir) >=
            (int)sizeof d->uploads ||
        make_dir(d->dir) != 0 || make_dir(d->uploads) != 0)
        srv_log(SRV_LOG_ERROR, "documents: uploads will fail until the directory can be created");
    uv_timer_init(srv->loop, &d->tick);
    uv_timer_start(&d->tick, on_tick, TICK_MS, TICK_MS);
    d->started = 1;
    srv__docs_uploads_load(); /* before any request: counted against the cap */
    srv__docs_uploads_tick(); /* the first scan of stale uploads, now */
    srv__docs_gc_request_full();
}

void srv__documents_stop(struct srv *srv)
{
    (void)srv;
    if (!srv__docs.started)
        return;
    srv__docs.started = 0;
    uv_timer_stop(&srv__docs.tick);
    uv_close((uv_handle_t *)&srv__docs.tick, NULL);
}

void srv__documents_cleanup(void)
{
    srv__docs_uploads_free();
    json_decref(srv__docs.gc_shas);
    srv__docs.gc_shas = NULL;
}

/* ---- ops ------------------------------------------------------------------------------ */

int srv__documents_handle(struct srv_session *s, const struct pacta_request *req)
{
    struct pacta_error err = {0};
    const char *id;
    int rc = 0;

    switch (req->op) {
    case PACTA_OP_DOCUMENTS_UPLOAD_BEGIN:
    case PACTA_OP_DOCUMENTS_UPLOAD_CHUNK:
    case PACTA_OP_DOCUMENTS_UPLOAD_FINISH:
        return srv__docs_upload_handle(s, req);
    case PACTA_OP_DOCUMENTS_LIST: {
        struct pacta_doc_list_args a;
        if ((rc = pacta_decode_doc_list(req->args, &a, &err)) == 0)
            srv__ops_read(s, req, read_list);
        break;
    }
    case PACTA_OP_DOCUMENTS_GET:
        if ((rc = pacta_decode_doc_id(req->args, &id, &err)) == 0)
            srv__ops_read(s, req, read_get);
        break;
    case PACTA_OP_DOCUMENTS_DOWNLOAD: {
        struct pacta_doc_download_args a;
        /* its answer: the base64 of up to `length` bytes, and the envelope */
        if ((rc = pacta_decode_doc_download(req->args, &a, &err)) == 0)
            srv__ops_read_large(s, req, read_download,
                                PACTA_BASE64_ENCODED_LEN((size_t)a.length) + 256);
        break;
    }
    case PACTA_OP_DOCUMENTS_DELETE:
        if ((rc = pacta_decode_doc_id(req->args, &id, &err)) == 0)
            start_delete(s, req, id);
        break;
    default:
        return 0;
    }
    if (rc)
        srv__respond_error(s, req->id, &err, NULL);
    return 1;
}
