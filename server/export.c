/*
 * Exports in pactad (issue 7, PROTOCOL.md §6.31-6.33): export.contracts
 * makes a CSV, XLSX or PDF file of the contracts a contracts.list filter
 * selects (or a PDF report of one contract), export.read hands it out in
 * chunks the client pulls, export.cancel drops one.
 *
 * Threads: everything here runs on the loop.  Generation is a series of
 * short steps in the uv thread pool (srv__ex_step, export_run.c); between
 * two steps the loop sends export.progress (at most PROGRESS_MS apart),
 * and sees a cancel, a closed connection or a shutdown.  A chunk is read
 * and base64-encoded in the pool too, so neither the disk nor the encoding
 * ever runs on the loop.  While an export runs, other requests of every
 * client go on being served: a step holds one pool thread for at most
 * STEP_BUDGET_MS, and the export has its own read-only connection.
 *
 * Lifetime: see export.h.  Pulling chunks one by one is the flow control:
 * the server never pushes more than the client asked for.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

#include "db-private.h"
#include "export-private.h"
#include "export.h"
#include "expiry.h"
#include "log.h"
#include "srv.h"

#define STEP_BUDGET_MS 20
#define PROGRESS_MS 250

/* Why an export ends early: export.cancel, its connection closed (nobody to
 * answer), its login ended on a connection that stays open (answered), or
 * the server stops (answered). */
enum ex_cancel { EXC_NONE, EXC_CANCELLED, EXC_CLOSED, EXC_LOGGED_OUT, EXC_SHUTDOWN };

struct srv_export {
    struct srv_export *next;
    struct srv *srv;
    struct srv_session *s;
    char id[37];
    char user[65];
    char token_hash[65];   /* of the login that asked: a logout (or another login) ends it */
    json_t *req_id, *root; /* root keeps the decoded args' strings alive */
    uint64_t start_ns;
    struct ex_job job;
    uv_work_t work;
    int running;     /* being made; answered when done */
    int step_queued; /* a step is in the pool */
    int step_done;   /* the last step finished the job */
    enum ex_cancel cancel;
    uint64_t progress_ms;
    /* made (the file's descriptor is job.fd) */
    uint64_t held; /* its bytes in held_bytes */
    char filename[128];
    const char *content_type;
    uint64_t expires_ms; /* monotonic: ended if not read again by then */
    int reads_inflight;
    int finished; /* its last chunk was sent: no more reads */
};

static struct srv_export *exports;
static int n_running;
/* Bytes of the made exports not yet ended: their files hold the disk
 * until then (--export-max-bytes). */
static uint64_t held_bytes;
static char export_dir[1024];

static const char *const content_types[] = {
    [PACTA_EXPORT_CSV] = "text/csv; charset=utf-8",
    [PACTA_EXPORT_XLSX] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    [PACTA_EXPORT_PDF] = "application/pdf",
};

/* ---- start-up ------------------------------------------------------------------ */

/* Without a usable directory, export_dir stays empty and export.contracts
 * is answered unavailable (rather than failing later as an internal error). */
void srv__export_start(struct srv *srv)
{
    char dir[sizeof export_dir];
    snprintf(dir, sizeof dir, "%s/exports", srv->cfg->data_dir);
    DIR *d = NULL;
    if ((mkdir(dir, 0700) != 0 && errno != EEXIST) || !(d = opendir(dir))) {
        srv_logf(SRV_LOG_ERROR, "cannot use the export directory: exports are off", "{s:s,s:s}",
                 "dir", dir, "error", strerror(errno));
        return;
    }
    snprintf(export_dir, sizeof export_dir, "%s", dir);
    /* whatever is here was being made when the server stopped */
    struct dirent *e;
    int removed = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
        /* and the (empty) directories of XLSX temporary files (export_xlsx.c) */
        if (unlinkat(dirfd(d), e->d_name, 0) == 0 ||
            (errno == EISDIR && unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR) == 0))
            removed++;
    }
    closedir(d);
    if (removed)
        srv_logf(SRV_LOG_INFO, "removed unfinished exports", "{s:i}", "files", removed);
}

/* ---- lifetime ------------------------------------------------------------------- */

/* An export the session may still use: its own, of its current login, not ended. */
static int usable_by(const struct srv_export *e, const struct srv_session *s)
{
    return e->s == s && s->authenticated && strcmp(e->token_hash, s->token_hash) == 0 &&
           !e->finished && !e->cancel;
}

static struct srv_export *find(struct srv_session *s, const char *id)
{
    for (struct srv_export *e = exports; e; e = e->next)
        if (usable_by(e, s) && strcmp(e->id, id) == 0)
            return e;
    return NULL;
}

/* Pool: what the job still holds (a writer closing a partial XLSX or PDF
 * writes it out; spool and file blocks are freed on close) is disk work. */
static void cleanup_work(uv_work_t *w)
{
    struct srv_export *e = w->data;
    srv__ex_job_cleanup(&e->job); /* closes the made file: its space is freed */
}

static void cleanup_after(uv_work_t *w, int status)
{
    struct srv_export *e = w->data;
    (void)status;
    e->srv->jobs_inflight--;
    srv__session_unref(e->s);
    json_decref(e->req_id);
    json_decref(e->root);
    free(e);
}

/* Unlinks the export and frees it through the pool.  No step or read of it
 * may be in flight. */
static void export_free(struct srv_export *e)
{
    struct srv_export **pp = &exports;
    while (*pp && *pp != e)
        pp = &(*pp)->next;
    if (*pp)
        *pp = e->next;
    if (e->running) {
        n_running--;
        e->s->inflight--;
        srv__metrics_latency(e->srv, PACTA_OP_EXPORT_CONTRACTS, uv_hrtime() - e->start_ns);
    }
    held_bytes -= e->held;
    e->held = 0;
    e->srv->jobs_inflight++; /* shutdown waits for it */
    e->work.data = e;
    if (uv_queue_work(e->srv->loop, &e->work, cleanup_work, cleanup_after) != 0) {
        cleanup_work(&e->work);
        cleanup_after(&e->work, 0);
    }
}

/* Ends a made export now, or once its reads in flight are answered. */
static void export_end(struct srv_export *e, const char *why)
{
    srv_logf(SRV_LOG_DEBUG, "export ended", "{s:s,s:s}", "export", e->id, "why", why);
    e->finished = 1;
    if (!e->reads_inflight)
        export_free(e);
}

static void send_progress(struct srv_export *e)
{
    const struct ex_job *j = &e->job;
    if (!srv__session_open(e->s))
        return;
    int writing = j->stage >= EX_WRITE;
    json_t *data = json_pack("{s:s, s:s, s:I, s:o}", "export_id", e->id, "stage",
                             writing ? "writing" : "reading", "rows_done",
                             (json_int_t)(writing ? j->rows_done : j->rows_read), "rows_total",
                             writing ? json_integer(j->rows_total) : json_null());
    size_t len;
    char *text = pacta_encode_event(PACTA_EV_EXPORT_PROGRESS, 0, data, &len);
    struct srv_msg *m = srv__msg_new(text, len);
    free(text);
    srv__session_queue_event(e->s, m);
    srv__msg_unref(m);
    e->progress_ms = srv__now_ms();
}

static void answer_error(struct srv_export *e, const struct pacta_error *err)
{
    if (srv__session_open(e->s))
        srv__respond_error(e->s, e->req_id, err, NULL);
}

/* ---- making it -------------------------------------------------------------------- */

static void step_work(uv_work_t *w)
{
    struct srv_export *e = w->data;
    e->step_done = srv__ex_step(&e->job, STEP_BUDGET_MS);
}

static void step_after(uv_work_t *w, int status);

static void queue_step(struct srv_export *e)
{
    e->step_queued = 1;
    e->srv->jobs_inflight++;
    if (uv_queue_work(e->srv->loop, &e->work, step_work, step_after) != 0) {
        e->step_queued = 0;
        e->srv->jobs_inflight--;
        struct pacta_error err;
        pacta_error_set(&err, PACTA_INTERNAL, "", "internal error");
        answer_error(e, &err);
        export_free(e);
    }
}

static void file_name(struct srv_export *e)
{
    const char *g = e->job.generated_at; /* 2026-11-22T14:02:03.123Z */
    const char *ext = pacta_export_format_name(e->job.format);
    if (e->job.contract_id) {
        char safe[65];
        size_t i = 0;
        for (const char *p = e->job.number; *p && i < sizeof safe - 1; p++)
            safe[i++] = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                                (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'
                            ? *p
                            : '_';
        safe[i] = '\0';
        snprintf(e->filename, sizeof e->filename, "contract-%s.%s", safe, ext);
    } else {
        snprintf(e->filename, sizeof e->filename, "contracts-%.4s%.2s%.2s-%.2s%.2s%.2s.%s", g,
                 g + 5, g + 8, g + 11, g + 14, g + 17, ext);
    }
}

/* The file is made (open for reading and unlinked in the pool, job.fd):
 * answer. */
static void made(struct srv_export *e)
{
    struct ex_job *j = &e->job;
    e->held = j->size;
    held_bytes += e->held;
    file_name(e);
    e->content_type = content_types[j->format];
    e->running = 0;
    n_running--;
    e->s->inflight--;
    srv__metrics_latency(e->srv, PACTA_OP_EXPORT_CONTRACTS, uv_hrtime() - e->start_ns);
    e->expires_ms = srv__now_ms() + (uint64_t)e->srv->cfg->export_ttl_sec * 1000;
    srv_logf(SRV_LOG_INFO, "export made", "{s:s,s:s,s:s,s:I,s:I,s:I}", "export", e->id, "user",
             e->user, "format", pacta_export_format_name(j->format), "rows",
             (json_int_t)j->rows_total, "bytes", (json_int_t)j->size, "ms",
             (json_int_t)((uv_hrtime() - e->start_ns) / 1000000));
    if (!srv__session_open(e->s)) {
        export_end(e, "connection closed");
        return;
    }
    srv__respond_ok(e->s, e->req_id,
                    json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:I}", "export_id", e->id, "format",
                              pacta_export_format_name(j->format), "filename", e->filename,
                              "content_type", e->content_type, "size", (json_int_t)j->size,
                              "sha256", j->sha256, "rows", (json_int_t)j->rows_total));
}

static void step_after(uv_work_t *w, int status)
{
    struct srv_export *e = w->data;
    e->step_queued = 0;
    e->srv->jobs_inflight--;
    if (status == UV_ECANCELED && !e->cancel)
        e->cancel = EXC_SHUTDOWN;
    if (e->cancel) {
        struct pacta_error err;
        if (e->cancel == EXC_CANCELLED)
            pacta_error_set(&err, PACTA_NOT_FOUND, "export_id", "the export was cancelled");
        else if (e->cancel == EXC_LOGGED_OUT)
            pacta_error_set(&err, PACTA_NOT_FOUND, "export_id",
                            "the export ended with the login that asked for it");
        else
            pacta_error_set(&err, PACTA_UNAVAILABLE, "", "server is shutting down");
        if (e->cancel != EXC_CLOSED)
            answer_error(e, &err); /* a connection that stays open gets its answer */
        export_free(e);
        return;
    }
    if (e->step_done) {
        if (e->job.failed) {
            answer_error(e, &e->job.err);
            export_free(e);
        } else {
            made(e);
        }
        return;
    }
    if (srv__now_ms() - e->progress_ms >= PROGRESS_MS)
        send_progress(e);
    queue_step(e);
}

static int start_export(struct srv_session *s, const struct pacta_request *req,
                        struct pacta_error *err)
{
    struct srv *srv = s->srv;
    struct srv_export *e;
    struct pacta_export_args a;
    int mine = 0;

    if (pacta_decode_export(req->args, &a, err) != 0)
        return -1;
    if (!export_dir[0])
        return pacta_error_set(err, PACTA_UNAVAILABLE, "", "exports are not available");
    for (e = exports; e; e = e->next)
        mine += usable_by(e, s);
    if (mine >= srv->cfg->export_max_per_session)
        return pacta_error_set(err, PACTA_RATE_LIMITED, "",
                               "at most %d exports per connection: read or cancel one first",
                               srv->cfg->export_max_per_session);
    if (n_running >= srv->cfg->export_max_running)
        return pacta_error_set(err, PACTA_RATE_LIMITED, "",
                               "the server is making other exports: retry shortly");
    if (held_bytes >= (uint64_t)srv->cfg->export_max_bytes)
        return pacta_error_set(err, PACTA_RATE_LIMITED, "",
                               "exports waiting to be read fill the server's room for "
                               "exports: retry when they are read");

    e = calloc(1, sizeof *e);
    if (!e)
        abort();
    struct ex_job *j = &e->job;
    e->srv = srv;
    e->s = s;
    j->fd = -1;
    srv__session_ref(s);
    e->req_id = json_incref(req->id);
    e->root = json_incref(req->root);
    e->start_ns = uv_hrtime();
    e->work.data = e;
    snprintf(e->user, sizeof e->user, "%s", s->username);
    snprintf(e->token_hash, sizeof e->token_hash, "%s", s->token_hash);
    uint8_t rnd[10];
    srv__random_bytes(rnd, sizeof rnd);
    pacta_uuid_v7(e->id, (uint64_t)srv_clock_now_ms(), rnd);

    j->format = a.format;
    j->bom = a.bom;
    j->escape_formulas = a.escape_formulas;
    j->filters = a.filters;
    j->filters_json = json_object_get(req->args, "filters");
    if (json_is_null(j->filters_json))
        j->filters_json = NULL;
    j->contract_id = a.contract_id;
    j->writer = a.format == PACTA_EXPORT_CSV    ? &srv__ex_csv
                : a.format == PACTA_EXPORT_XLSX ? &srv__ex_xlsx
                                                : &srv__ex_pdf_list;
    snprintf(j->db_path, sizeof j->db_path, "%s/pacta.db", srv->cfg->data_dir);
    snprintf(j->tmp_dir, sizeof j->tmp_dir, "%s", export_dir);
    snprintf(j->out_path, sizeof j->out_path, "%s/%s.%s", export_dir, e->id,
             pacta_export_format_name(a.format));
    j->max_rows = srv->cfg->export_max_rows;
    if (a.format == PACTA_EXPORT_XLSX && j->max_rows > EX_XLSX_MAX_ROWS)
        j->max_rows = EX_XLSX_MAX_ROWS; /* refused while reading, not after writing a full sheet */
    j->min_free = srv->cfg->export_min_free;
    j->today = srv_today();
    srv_now_iso(j->generated_at);
    snprintf(j->actor, sizeof j->actor, "%s", s->username);

    e->running = 1;
    n_running++;
    s->inflight++;
    e->next = exports;
    exports = e;
    send_progress(e); /* the client learns the export's id at once (export.cancel) */
    queue_step(e);
    return 0;
}

/* ---- reading it ---------------------------------------------------------------------- */

struct ex_read {
    uv_work_t work;
    struct srv_export *e;
    json_t *req_id;
    int64_t offset, length;
    uint64_t start_ns;
    size_t reserved; /* answer bytes held against --queue-max-bytes (limits.c) */
    /* filled in the pool */
    int eof, failed;
    char *response;
    size_t response_len;
};

/* Pool: the bytes, their base64 and the whole response frame. */
static void read_work(uv_work_t *w)
{
    struct ex_read *r = w->data;
    uint64_t size = r->e->job.size;
    size_t want = (uint64_t)r->offset + (uint64_t)r->length > size
                      ? (size_t)(size - (uint64_t)r->offset)
                      : (size_t)r->length;
    uint8_t *buf = malloc(want ? want : 1);
    char *b64 = malloc(PACTA_BASE64_ENCODED_LEN(want) + 1);
    size_t got = 0;
    if (!buf || !b64)
        abort();
    while (got < want) {
        ssize_t n = pread(r->e->job.fd, buf + got, want - got, r->offset + (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (got != want) {
        r->failed = 1;
    } else {
        pacta_base64_encode(buf, got, b64);
        r->eof = (uint64_t)r->offset + got == size;
        r->response = pacta_encode_ok(r->req_id,
                                      json_pack("{s:I, s:s, s:b}", "offset", (json_int_t)r->offset,
                                                "data", b64, "eof", r->eof),
                                      &r->response_len);
    }
    free(buf);
    free(b64);
}

static void read_after(uv_work_t *w, int status)
{
    struct ex_read *r = w->data;
    struct srv_export *e = r->e;
    struct srv_session *s = e->s;
    e->srv->jobs_inflight--;
    e->reads_inflight--;
    s->inflight--;
    srv__limits_release_answer(s, r->reserved);
    srv__metrics_latency(e->srv, PACTA_OP_EXPORT_READ, uv_hrtime() - r->start_ns);
    if (status == 0 && !r->failed && srv__session_open(s)) {
        e->srv->metrics.responses[PACTA_OK]++;
        srv__session_send_text(s, r->response, r->response_len);
        r->response = NULL;
    } else if (srv__session_open(s)) {
        struct pacta_error err;
        pacta_error_set(&err, PACTA_INTERNAL, "", "the export could not be read");
        srv__respond_error(s, r->req_id, &err, NULL);
    }
    if (!r->failed && r->eof && !e->finished)
        export_end(e, "read to the end");
    else if (e->finished && !e->reads_inflight)
        export_free(e);
    else
        e->expires_ms = srv__now_ms() + (uint64_t)e->srv->cfg->export_ttl_sec * 1000;
    json_decref(r->req_id);
    free(r->response);
    free(r);
}

static int read_chunk(struct srv_session *s, const struct pacta_request *req,
                      struct pacta_error *err)
{
    struct pacta_export_read_args a;
    int rc = pacta_decode_export_read(req->args, &a, err);
    if (rc)
        return rc;
    struct srv_export *e = find(s, a.export_id);
    if (!e)
        return pacta_error_set(err, PACTA_NOT_FOUND, "export_id", "no such export");
    if (e->running)
        return pacta_error_set(err, PACTA_BAD_REQUEST, "export_id",
                               "the export is not made yet: wait for the export.contracts answer");
    if ((uint64_t)a.offset > e->job.size)
        return pacta_error_set(err, PACTA_BAD_REQUEST, "offset",
                               "beyond the end of the export (%llu bytes)",
                               (unsigned long long)e->job.size);
    /* its answer: the base64 of what is left up to `length`, and the
     * envelope; not made while the connection's unread answers would pass
     * --queue-max-bytes (a client reading chunk after chunk never meets it) */
    uint64_t left = e->job.size - (uint64_t)a.offset;
    size_t bytes = PACTA_BASE64_ENCODED_LEN(left < (uint64_t)a.length ? left : (uint64_t)a.length);
    if (!srv__limits_reserve_answer(s, bytes + 256))
        return pacta_error_set(err, PACTA_RATE_LIMITED, "",
                               "too much data asked for at once: read the answers first");
    struct ex_read *r = calloc(1, sizeof *r);
    if (!r)
        abort();
    r->reserved = bytes + 256;
    r->work.data = r;
    r->e = e;
    r->req_id = json_incref(req->id);
    r->offset = a.offset;
    r->length = a.length;
    r->start_ns = uv_hrtime();
    if (uv_queue_work(s->srv->loop, &r->work, read_work, read_after) != 0) {
        srv__limits_release_answer(s, r->reserved);
        json_decref(r->req_id);
        free(r);
        return pacta_error_set(err, PACTA_INTERNAL, "", "internal error");
    }
    e->reads_inflight++;
    s->inflight++;
    s->srv->jobs_inflight++;
    return 0;
}

/* ---- ops ------------------------------------------------------------------------------- */

static int cancel(struct srv_session *s, const struct pacta_request *req, struct pacta_error *err)
{
    const char *id;
    int rc = pacta_decode_export_cancel(req->args, &id, err);
    if (rc)
        return rc;
    struct srv_export *e = find(s, id);
    if (!e)
        return pacta_error_set(err, PACTA_NOT_FOUND, "export_id", "no such export");
    if (e->running)
        e->cancel = EXC_CANCELLED; /* its request is answered when the step in flight ends */
    else
        export_end(e, "cancelled");
    srv__respond_ok(s, req->id, NULL);
    return 0;
}

int srv__export_handle(struct srv_session *s, const struct pacta_request *req)
{
    struct pacta_error err = {0};
    int rc;
    switch (req->op) {
    case PACTA_OP_EXPORT_CONTRACTS:
        rc = start_export(s, req, &err);
        break;
    case PACTA_OP_EXPORT_READ:
        rc = read_chunk(s, req, &err);
        break;
    case PACTA_OP_EXPORT_CANCEL:
        rc = cancel(s, req, &err);
        break;
    default:
        return 0;
    }
    if (rc)
        srv__respond_error(s, req->id, &err, NULL);
    return 1;
}

void srv__export_tick(struct srv *srv)
{
    uint64_t now = srv__now_ms();
    struct srv_export *e = exports, *next;
    for (; e; e = next) {
        next = e->next;
        struct srv_session *s = e->s;
        enum ex_cancel why = EXC_NONE;
        if (srv->shutting_down)
            why = EXC_SHUTDOWN;
        else if (!srv__session_open(s))
            why = EXC_CLOSED;
        else if (!s->authenticated || strcmp(s->token_hash, e->token_hash) != 0)
            why = EXC_LOGGED_OUT;
        if (e->running) {
            if (why && !e->cancel)
                e->cancel = why; /* ends when its step in flight comes back */
            continue;
        }
        if (e->finished)
            continue;
        if (why)
            export_end(e, why == EXC_SHUTDOWN ? "shutdown"
                          : why == EXC_CLOSED ? "connection closed"
                                              : "logged out");
        else if (now >= e->expires_ms && !e->reads_inflight)
            export_end(e, "not read in time");
    }
}
