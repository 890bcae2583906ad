/*
 * documents.upload.begin / .chunk / .finish (PROTOCOL.md "Documents"):
 * resumable uploads whose state is on disk, so they survive a dropped
 * connection and a server restart.
 *
 * An upload is named by what it uploads: its id is derived from (user,
 * contract, SHA-256, size), so beginning the same file again -- after a
 * reconnect or a restart -- finds the same upload and its bytes so far,
 * with no table to keep.  On disk (docstore.h): uploads/ID.json, what the
 * begin declared, and uploads/ID.part, the bytes received; `received` is
 * the .part file's size.
 *
 * Requests for one upload run one at a time, in arrival order, in the
 * thread pool: each upload has a FIFO on the loop, and its next request is
 * queued to the pool when the previous one finished.  So a client may keep
 * several chunks in flight (they are appended in order), and a finish never
 * races a chunk.  A chunk whose offset is not `received`, whose checksum is
 * wrong, or that goes past the declared size is refused and nothing is
 * written.  The finish hashes the whole file, sniffs its type, moves it
 * into the store (documents_store.c), and the writer inserts the row and
 * its event (db_documents.c).
 *
 * Stale uploads: one that got nothing for --documents-upload-ttl seconds is
 * removed (its files' mtime after a restart, its last request before).
 *
 * Threads: the table, the FIFOs and `busy` are the loop's; an upload's other
 * fields are written by the one pool job running for it (busy), and read
 * by the loop only when it is not busy.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "db-private.h"
#include "docstore.h"
#include "documents-private.h"
#include "log.h"

/* ---- the table ------------------------------------------------------------- */

static struct doc_upload *find(const char *id)
{
    for (struct doc_upload *u = srv__docs.uploads_head; u; u = u->next)
        if (strcmp(u->id, id) == 0)
            return u;
    return NULL;
}

static struct doc_upload *find_or_add(const char *id)
{
    struct doc_upload *u = find(id);
    if (u)
        return u;
    if (!(u = calloc(1, sizeof *u)))
        abort();
    snprintf(u->id, sizeof u->id, "%s", id);
    u->last_ms = srv__now_ms();
    u->next = srv__docs.uploads_head;
    srv__docs.uploads_head = u;
    return u;
}

static void upload_free(struct doc_upload *u)
{
    for (struct doc_upload **p = &srv__docs.uploads_head; *p; p = &(*p)->next)
        if (*p == u) {
            *p = u->next;
            break;
        }
    free(u->name);
    free(u->mime);
    free(u);
}

void srv__docs_uploads_free(void)
{
    while (srv__docs.uploads_head)
        upload_free(srv__docs.uploads_head);
}

static int open_uploads(const char *user)
{
    int n = 0;
    for (struct doc_upload *u = srv__docs.uploads_head; u; u = u->next)
        n += strcmp(u->owner, user) == 0;
    return n;
}

/* The upload's id: the first 16 bytes of SHA-256 over what names it. */
static void upload_id(const char *user, const char *contract, const char *sha, int64_t size,
                      char out[33])
{
    char text[512];
    uint8_t md[32];
    unsigned mdlen = 0;
    int n = snprintf(text, sizeof text, "pacta-upload\n%s\n%s\n%s\n%lld", user, contract, sha,
                     (long long)size);
    EVP_Digest(text, (size_t)n, md, &mdlen, EVP_sha256(), NULL);
    for (int i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* ---- loop: queueing and answers ----------------------------------------------- */

static void start_next(struct doc_upload *u);

static void req_free(struct doc_req *q)
{
    json_decref(q->req_id);
    json_decref(q->root);
    json_decref(q->result);
    free(q->buf);
    free(q->types);
    free(q);
}

/* The request is answered (or dropped): its counters go. */
static void req_done(struct doc_req *q)
{
    if (q->s)
        srv__docs_request_end(q->s, q->op, q->start_ns);
    else
        srv__docs.srv->jobs_inflight--;
    req_free(q);
}

static void answer_error(struct doc_req *q)
{
    if (!q->s || !srv__session_open(q->s))
        return;
    json_t *extra =
        q->received >= 0 ? json_pack("{s:I}", "received", (json_int_t)q->received) : NULL;
    srv__respond_error(q->s, q->req_id, &q->err, extra);
}

/*
 * A finish's row is done; its upload's .json was left in place for this.
 * Committed: the upload is over.  Refused because the disk is full or
 * failing (unavailable: "try again later"): the bytes go back to the
 * upload's .part -- a link to the content placed, which takes no room --
 * so finishing again attaches them without sending the file again.  Any
 * other refusal (the contract was deleted meanwhile) ends the upload.
 * Returns the upload's bytes when it is kept, else -1.
 */
static int64_t upload_after_row(const struct doc_req *q, const char *sha, int code)
{
    char part[4300], meta[4300], blob[4300];
    srv__docs_upload_paths(q->upload_id, part, meta, sizeof part);
    if (code == PACTA_UNAVAILABLE && sha) {
        srv_docs_blob_path(srv__docs.dir, sha, blob, sizeof blob);
        if (link(blob, part) == 0)
            return (int64_t)json_integer_value(json_object_get(q->result, "size"));
        srv_logf(SRV_LOG_ERROR, "documents: cannot keep the upload whose row failed", "{s:s,s:s}",
                 "upload", q->upload_id, "error", strerror(errno));
    }
    unlink(meta);
    return -1;
}

static void added(struct srv_write *w)
{
    struct doc_req *q = w->udata;
    const char *sha = json_string_value(json_object_get(q->result, "sha256"));
    srv__docstore_unpin(sha);
    if (w->events && json_array_size(w->events)) {
        srv__broadcast(srv__docs.srv, w->events, q->request_id);
        srv__docs.srv->metrics.edits++;
    }
    if (w->code == PACTA_OK) {
        upload_after_row(q, sha, PACTA_OK);
        srv_logf(SRV_LOG_INFO, "document added", "{s:O}", "document",
                 json_object_get(w->result, "document"));
        if (srv__session_open(q->s))
            srv__respond_ok(q->s, q->req_id, json_incref(w->result));
    } else {
        q->received = upload_after_row(q, sha, w->code);
        srv__docs_gc_request(sha); /* nothing refers to the content it placed */
        q->err = w->err;
        answer_error(q);
    }
    srv_write_free(w);
    req_done(q);
}

/* A finish whose content is in the store: the row, through the writer. */
static void submit_row(struct doc_req *q)
{
    char id[37];
    uint8_t rnd[10];
    srv__random_bytes(rnd, sizeof rnd);
    pacta_uuid_v7(id, (uint64_t)srv_clock_now_ms(), rnd);
    json_object_set_new(q->result, "id", json_string(id));
    struct srv_write *w = srv_write_new(SRV_W_DOCUMENT_ADD, q->actor, json_incref(q->result));
    w->done = added;
    w->udata = q;
    w->request_id = q->request_id;
    if (srv_db_submit(srv__docs.srv->db, w) != 0) {
        srv_write_free(w);
        const char *sha = json_string_value(json_object_get(q->result, "sha256"));
        srv__docstore_unpin(sha);
        q->received = upload_after_row(q, sha, PACTA_UNAVAILABLE); /* kept for the next start */
        srv__docs_gc_request(sha);
        pacta_error_set(&q->err, PACTA_UNAVAILABLE, "", "server is shutting down");
        answer_error(q);
        req_done(q);
    }
}

static void job_after(uv_work_t *w, int status)
{
    struct doc_req *q = w->data;
    struct doc_upload *u = q->u;
    (void)status;
    u->busy = 0;
    u->last_ms = srv__now_ms();
    int begin_queued = 0;
    for (struct doc_req *n = u->q_head; n; n = n->next)
        begin_queued |= n->kind == R_BEGIN;
    if (u->loaded)
        snprintf(u->owner, sizeof u->owner, "%s", u->user);
    else if (!begin_queued)
        u->owner[0] = '\0';
    if (q->kind == R_EXPIRE) {
        if (q->placed < 0)
            srv_logf(SRV_LOG_INFO, "documents: stale upload removed", "{s:s}", "upload", u->id);
        req_done(q);
    } else if (q->placed) {
        submit_row(q);
    } else if (q->result) {
        if (srv__session_open(q->s)) {
            srv__respond_ok(q->s, q->req_id, q->result);
            q->result = NULL;
        }
        req_done(q);
    } else {
        if (q->collect)
            srv__docs_gc_request(u->sha256);
        if (q->err.code == PACTA_OK)
            pacta_error_set(&q->err, PACTA_INTERNAL, "", "internal error");
        answer_error(q);
        req_done(q);
    }
    if (!u->q_head && !u->loaded)
        upload_free(u);
    else
        start_next(u);
}

static void start_next(struct doc_upload *u)
{
    while (!u->busy && u->q_head) {
        struct doc_req *q = u->q_head;
        u->q_head = q->next;
        if (!u->q_head)
            u->q_tail = NULL;
        u->busy = 1;
        if (uv_queue_work(srv__docs.srv->loop, &q->work, srv__docs_job_work, job_after) == 0)
            return;
        u->busy = 0;
        pacta_error_set(&q->err, PACTA_INTERNAL, "", "internal error");
        answer_error(q);
        req_done(q);
    }
    if (!u->busy && !u->q_head && !u->loaded)
        upload_free(u);
}

static struct doc_req *req_new(struct srv_session *s, const struct pacta_request *req,
                               enum doc_req_kind kind, struct doc_upload *u)
{
    struct doc_req *q = calloc(1, sizeof *q);
    if (!q)
        abort();
    q->work.data = q;
    q->kind = kind;
    q->u = u;
    snprintf(q->upload_id, sizeof q->upload_id, "%s", u->id);
    q->received = -1;
    q->min_free = (int64_t)srv__docs.srv->cfg->min_free_mb << 20;
    if (s) {
        q->s = s;
        q->req_id = json_incref(req->id);
        q->root = json_incref(req->root);
        q->op = req->op;
        q->start_ns = uv_hrtime();
        q->request_id = s->srv->next_request_id;
        snprintf(q->actor, sizeof q->actor, "%s", s->username);
        srv__docs_request_begin(s);
    } else {
        srv__docs.srv->jobs_inflight++;
    }
    return q;
}

static void enqueue(struct doc_req *q)
{
    struct doc_upload *u = q->u;
    if (u->q_tail)
        u->q_tail->next = q;
    else
        u->q_head = q;
    u->q_tail = q;
    start_next(u);
}

/*
 * Decodes on the loop (a bad request is answered at once, and a chunk's
 * base64 is decoded here, into the buffer the pool job writes), checks
 * what needs no disk (size limit, declared type, open uploads), and queues
 * the request on its upload.
 */
int srv__docs_upload_handle(struct srv_session *s, const struct pacta_request *req)
{
    const struct srv_config *cfg = s->srv->cfg;
    struct pacta_error err = {0};
    struct doc_upload *u;
    struct doc_req *q;
    int rc = 0;

    if (!srv__docs.started) {
        pacta_error_set(&err, PACTA_UNAVAILABLE, "", "documents are not available right now");
        srv__respond_error(s, req->id, &err, NULL);
        return 1;
    }
    switch (req->op) {
    case PACTA_OP_DOCUMENTS_UPLOAD_BEGIN: {
        struct pacta_doc_begin_args a;
        char id[33];
        if ((rc = pacta_decode_doc_upload_begin(req->args, &a, &err)) != 0)
            break;
        if (a.size > cfg->documents_max_bytes) {
            rc = pacta_error_set(&err, PACTA_TOO_LARGE, "size",
                                 "the document is %lld bytes; this server accepts at most %lld",
                                 (long long)a.size, (long long)cfg->documents_max_bytes);
            break;
        }
        if (a.mime && !srv__docs_type_allowed(cfg->documents_types, a.mime)) {
            rc = pacta_error_set(&err, PACTA_BAD_REQUEST, "mime",
                                 "this server does not accept files of type %s", a.mime);
            break;
        }
        upload_id(s->username, a.contract_id, a.sha256, a.size, id);
        u = find(id);
        if ((!u || strcmp(u->owner, s->username) != 0) &&
            open_uploads(s->username) >= cfg->documents_max_uploads) {
            rc = pacta_error_set(&err, PACTA_RATE_LIMITED, "",
                                 "too many unfinished uploads (%d): finish them or let them "
                                 "expire",
                                 cfg->documents_max_uploads);
            break;
        }
        q = req_new(s, req, R_BEGIN, find_or_add(id));
        /* counted at once, so begins sent together cannot pass the cap */
        snprintf(q->u->owner, sizeof q->u->owner, "%s", s->username);
        q->begin = a;
        enqueue(q);
        return 1;
    }
    case PACTA_OP_DOCUMENTS_UPLOAD_CHUNK: {
        struct pacta_doc_chunk_args a;
        uint8_t *buf = malloc(PACTA_DOC_CHUNK_MAX);
        if (!buf)
            abort();
        if ((rc = pacta_decode_doc_upload_chunk(req->args, &a, buf, &err)) != 0) {
            free(buf);
            break;
        }
        q = req_new(s, req, R_CHUNK, find_or_add(a.upload_id));
        q->buf = buf;
        q->len = a.len;
        q->offset = a.offset;
        if (a.sha256)
            snprintf(q->chunk_sha, sizeof q->chunk_sha, "%s", a.sha256);
        enqueue(q);
        return 1;
    }
    case PACTA_OP_DOCUMENTS_UPLOAD_FINISH: {
        const char *id;
        if ((rc = pacta_decode_doc_upload_finish(req->args, &id, &err)) != 0)
            break;
        q = req_new(s, req, R_FINISH, find_or_add(id));
        if (!(q->types = strdup(cfg->documents_types)))
            abort();
        enqueue(q);
        return 1;
    }
    default:
        return 0;
    }
    if (rc)
        srv__respond_error(s, req->id, &err, NULL);
    return 1;
}

/*
 * At start-up, before any request: the uploads left on disk count towards
 * their users' --documents-max-uploads at once (else each restart would
 * let every user begin that many more).  Only the owner is read; the rest
 * is loaded by the upload's next request, and the timer expires them.
 */
void srv__docs_uploads_load(void)
{
    DIR *d = opendir(srv__docs.uploads);
    struct dirent *e;
    char path[4500], id[33];

    while (d && (e = readdir(d))) {
        if (strlen(e->d_name) != 37 || strcmp(e->d_name + 32, ".json") != 0)
            continue;
        snprintf(id, sizeof id, "%.32s", e->d_name);
        if (!pacta_valid_upload_id(id))
            continue;
        snprintf(path, sizeof path, "%s/%s", srv__docs.uploads, e->d_name);
        json_t *m = json_load_file(path, 0, NULL);
        const char *user = json_string_value(json_object_get(m, "user"));
        struct stat st;
        time_t newest = stat(path, &st) == 0 ? st.st_mtime : 0;
        snprintf(path, sizeof path, "%s/%s.part", srv__docs.uploads, id);
        if (stat(path, &st) == 0 && st.st_mtime > newest)
            newest = st.st_mtime;
        /* a stale one is left to the first scan, which removes it */
        int stale = time(NULL) - newest >= srv__docs.srv->cfg->documents_upload_ttl_sec;
        if (user && !stale && strlen(user) < sizeof((struct doc_upload *)0)->owner) {
            struct doc_upload *u = find_or_add(id);
            snprintf(u->owner, sizeof u->owner, "%s", user);
            /* its clock goes on from its files' last change */
            uint64_t idle_ms = newest < time(NULL) ? (uint64_t)(time(NULL) - newest) * 1000 : 0;
            u->last_ms = u->last_ms > idle_ms ? u->last_ms - idle_ms : 0;
        }
        json_decref(m);
    }
    if (d)
        closedir(d);
}

/* ---- stale uploads ---------------------------------------------------------------- */

static void expire(struct doc_upload *u, int ttl_sec)
{
    struct doc_req *q = req_new(NULL, NULL, R_EXPIRE, u);
    q->ttl_sec = ttl_sec;
    enqueue(q);
}

static void scan_after(uv_work_t *w, int status)
{
    struct doc_scan_job *j = w->data;
    size_t i;
    json_t *v;
    (void)status;
    srv__docs.srv->jobs_inflight--;
    json_array_foreach(j->stale, i, v)
    {
        struct doc_upload *u = find(json_string_value(v));
        if (u) /* known: its own clock decides (srv__docs_uploads_tick) */
            continue;
        if (!srv__docs.srv->shutting_down)
            expire(find_or_add(json_string_value(v)), j->ttl_sec);
    }
    json_decref(j->stale);
    free(j);
}

/*
 * From the module's timer: uploads known here that got no request for ttl
 * seconds are expired now; the directory is scanned every ttl/4 (1 s ..
 * 5 min) for uploads begun before a restart that nobody continued.
 */
void srv__docs_uploads_tick(void)
{
    struct srv *srv = srv__docs.srv;
    int ttl = srv->cfg->documents_upload_ttl_sec;
    uint64_t now = srv__now_ms(), every = (uint64_t)ttl * 250;
    if (srv->shutting_down)
        return;
    for (struct doc_upload *u = srv__docs.uploads_head, *next; u; u = next) {
        next = u->next;
        if (!u->busy && !u->q_head && now - u->last_ms >= (uint64_t)ttl * 1000)
            expire(u, ttl);
    }
    every = every < 1000 ? 1000 : every > 300000 ? 300000 : every;
    if (srv__docs.last_scan_ms && now - srv__docs.last_scan_ms < every)
        return;
    srv__docs.last_scan_ms = now;
    struct doc_scan_job *j = calloc(1, sizeof *j);
    if (!j)
        abort();
    j->work.data = j;
    j->ttl_sec = ttl;
    srv->jobs_inflight++;
    if (uv_queue_work(srv->loop, &j->work, srv__docs_scan_work, scan_after) != 0) {
        srv->jobs_inflight--;
        free(j);
    }
}
