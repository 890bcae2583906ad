/*
 * Internals shared by the documents module's files:
 *   documents.c         ops: list, get, download, delete; start/stop; the
 *                       store's garbage collection; backup hooks
 *   documents_upload.c  documents.upload.*: the upload table, its per-upload
 *                       queue, stale uploads
 *   documents_store.c   the content-addressed store: placing a content,
 *                       pins, holds, collecting unreferenced contents
 *   documents_mime.c    content sniffing and the type allowlist
 *   documents_config.c  --documents-* options
 *   db_documents.c      the writer's side (rows, events) and the row JSON
 * Loop thread only unless a comment says otherwise.
 */
#ifndef PACTA_SRV_DOCUMENTS_PRIVATE_H
#define PACTA_SRV_DOCUMENTS_PRIVATE_H

#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>
#include <uv.h>

#include <pacta/documents.h>

#include "documents.h"
#include "srv.h"

struct doc_upload; /* documents_upload.c */

struct srv__docs_state {
    struct srv *srv;
    int started;
    char dir[4096];     /* DATA_DIR/documents */
    char uploads[4200]; /* DATA_DIR/documents/uploads */
    uv_timer_t tick;    /* stale uploads, deferred collections */
    uint64_t last_scan_ms;
    struct doc_upload *uploads_head;
    /* garbage collection: one job at a time, requests merged meanwhile */
    int gc_running;
    int gc_full;     /* a full pass is wanted */
    json_t *gc_shas; /* contents to look at, array (owned), NULL if none */
    int holds;       /* backups and restores running (srv__documents_backup_*) */
};
extern struct srv__docs_state srv__docs;

/* documents.c: a collection of these contents (NULL: of the whole store). */
void srv__docs_gc_request(const char *sha256);
void srv__docs_gc_request_full(void);
/* Answers and bookkeeping shared with the upload ops: the job counters a
 * session's async request holds (inflight, jobs_inflight, a ref). */
void srv__docs_request_begin(struct srv_session *s);
void srv__docs_request_end(struct srv_session *s, enum pacta_op op, uint64_t start_ns);

/* documents_upload.c (loop): the table, the queues, the answers */
int srv__docs_upload_handle(struct srv_session *s, const struct pacta_request *req);
void srv__docs_uploads_tick(void); /* stale uploads: from the module's timer */
void srv__docs_uploads_load(void); /* start: the uploads on disk, by owner */
void srv__docs_uploads_free(void);

/* One request on an upload, queued on it (documents_upload.c) and worked
 * in the pool (documents_upload_io.c). */
enum doc_req_kind { R_BEGIN, R_CHUNK, R_FINISH, R_EXPIRE };
struct doc_req {
    uv_work_t work;
    enum doc_req_kind kind;
    struct doc_upload *u;
    struct srv_session *s; /* NULL for R_EXPIRE */
    json_t *req_id;
    enum pacta_op op;
    uint64_t start_ns, request_id;
    char actor[65];
    struct pacta_doc_begin_args begin; /* strings borrowed from root */
    json_t *root;
    int64_t offset; /* chunk */
    uint8_t *buf;
    size_t len;
    char chunk_sha[65];
    char *types;      /* finish: the accepted types as when asked (a reload may change them) */
    int64_t min_free; /* bytes the disk must keep free */
    int ttl_sec;      /* expire */
    /* outcome */
    struct pacta_error err;
    json_t *result;
    int64_t received; /* -1: unknown (not in the error) */
    int placed;       /* finish: the content is in the store, pinned; expire: -1 removed */
    int collect;      /* finish: placing failed, maybe after the rename: collect the content */
    char mime[128];
    char upload_id[33]; /* its upload's id (u may be gone when a finish's row is done) */
    struct doc_req *next;
};

struct doc_upload {
    char id[33];
    char owner[65]; /* loop: the user, once a request of theirs succeeded */
    int busy;       /* loop */
    uint64_t last_ms;
    struct doc_req *q_head, *q_tail;
    struct doc_upload *next;
    /* written by the job running for it */
    int loaded; /* the fields below are known (files exist) */
    char user[65], contract_id[37], sha256[65];
    int64_t size;
    char *name, *mime;
};

/* A scan of the uploads directory for stale uploads. */
struct doc_scan_job {
    uv_work_t work;
    int ttl_sec;
    json_t *stale; /* ids */
};

/* documents_upload_io.c (pool) */
void srv__docs_job_work(uv_work_t *w);  /* the request w->data on its upload */
void srv__docs_scan_work(uv_work_t *w); /* a struct doc_scan_job */
void srv__docs_upload_paths(const char *id, char *part, char *meta, size_t n);
void srv__docs_upload_forget(struct doc_upload *u); /* drops what was loaded */

/* documents_store.c: any thread; a mutex guards pins, holds and removals.
 *
 * A content becomes referenced in two steps (placed by a finish in the
 * pool, then its row committed by the writer), and a backup reads the
 * contents its snapshot refers to some time after the snapshot.  So a
 * content is never removed while it is pinned (placed, row not yet
 * committed or failed) or while any backup or restore holds the store, and
 * the last check that no live row refers to it is made under the same
 * mutex as the removal. */
/* Moves part (fsynced by the caller) into the store as sha256, or drops it
 * when that content is stored already, and pins it.  0, or -1 with errno. */
int srv__docstore_place(const char *docs_dir, const char *part, const char *sha256);
void srv__docstore_unpin(const char *sha256);
void srv__docstore_hold(void);
/* 1 if a collection was skipped while the store was held (and it no
 * longer is): the caller asks for a full one. */
int srv__docstore_release(void);
/* Removes the contents among `shas` (array of hex strings; NULL: every
 * content in the store, and leftover temporary files) that no live row
 * refers to and that are neither pinned nor held.  Pool thread, with a
 * read-only connection.  Returns the number removed, or -1 when the store
 * was held (nothing done; srv__docstore_release reports it). */
int srv__docstore_gc(sqlite3 *r, const char *docs_dir, const json_t *shas);

/* documents_mime.c: the type of a file by its content (magic bytes; ZIP
 * containers by their central directory): "application/pdf",
 * "image/png", ..., "text/plain", else "application/zip" or
 * "application/octet-stream".  Any thread. */
const char *srv__docs_sniff(int fd, int64_t size);
/* 1 if mime is in the comma-separated list, whose entries are a type
 * ("image/png"), a wildcard subtype ("image/" then "*") or "*" for any;
 * compared without case. */
int srv__docs_type_allowed(const char *list, const char *mime);

/* db_documents.c: a row (selected as SRV_DOCUMENT_COLS) as sent on the wire. */
#define SRV_DOCUMENT_COLS                                                                          \
    "id, contract_id, name, size, sha256, mime, uploaded_by, uploaded_at, deleted_at"
json_t *srv__document_from_row(sqlite3_stmt *st);

#endif
