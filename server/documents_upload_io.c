/*
 * The pool side of documents.upload.* (see documents_upload.c for the
 * design): each function is one request's work on an upload's files,
 * run by the one pool job the upload's queue allows at a time, plus the
 * scan of the uploads directory for stale ones.  Nothing here touches the
 * loop's state (the table, the queues, sessions).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "backup.h"
#include "db-private.h"
#include "docstore.h"
#include "documents-private.h"
#include "log.h"

#define HASH_CHUNK (1 << 20)

void srv__docs_upload_paths(const char *id, char *part, char *meta, size_t n)
{
    snprintf(part, n, "%s/%s.part", srv__docs.uploads, id);
    snprintf(meta, n, "%s/%s.json", srv__docs.uploads, id);
}

/* ---- pool: the steps --------------------------------------------------------- */

static int fail(struct doc_req *q, enum pacta_code code, const char *field, const char *msg)
{
    return pacta_error_set(&q->err, code, field, "%s", msg);
}

static int io_fail(struct doc_req *q, const char *what)
{
    int e = errno;
    srv_logf(SRV_LOG_ERROR, "documents: upload I/O failed", "{s:s,s:s,s:s}", "upload", q->u->id,
             "step", what, "error", strerror(e));
    if (e == ENOSPC || e == EDQUOT)
        return fail(q, PACTA_UNAVAILABLE, "", "the server's disk is full: try again later");
    if (e == EMFILE || e == ENFILE || e == ENOMEM)
        return fail(q, PACTA_UNAVAILABLE, "",
                    "the server is out of open files or memory: try again later");
    return fail(q, PACTA_INTERNAL, "", "the upload could not be stored");
}

static int space_for(struct doc_req *q, int64_t bytes)
{
    int64_t free_bytes = srv_backup_disk_free(srv__docs.uploads);
    if (free_bytes >= 0 && free_bytes < bytes + q->min_free)
        return fail(q, PACTA_UNAVAILABLE, "",
                    "not enough disk space on the server for this document: try again later");
    return 0;
}

void srv__docs_upload_forget(struct doc_upload *u)
{
    u->loaded = 0;
    free(u->name);
    free(u->mime);
    u->name = u->mime = NULL;
}

/* Removes the upload's files (finished, discarded or expired). */
static void remove_files(struct doc_upload *u)
{
    char part[4300], meta[4300];
    srv__docs_upload_paths(u->id, part, meta, sizeof part);
    unlink(part);
    unlink(meta);
    srv__docs_upload_forget(u);
}

/* Reads uploads/ID.json into u; not_found when it is not there or not the
 * asker's (another user's upload is not theirs to see). */
static int ensure_loaded(struct doc_req *q)
{
    struct doc_upload *u = q->u;
    char part[4300], meta[4300];
    if (!u->loaded) {
        srv__docs_upload_paths(u->id, part, meta, sizeof part);
        json_t *m = json_load_file(meta, 0, NULL);
        const char *user = json_string_value(json_object_get(m, "user"));
        const char *contract = json_string_value(json_object_get(m, "contract_id"));
        const char *sha = json_string_value(json_object_get(m, "sha256"));
        const char *name = json_string_value(json_object_get(m, "name"));
        json_int_t size = json_integer_value(json_object_get(m, "size"));
        if (user && contract && sha && name && size > 0 && strlen(user) < sizeof u->user &&
            pacta_valid_uuid(contract) && pacta_valid_sha256(sha)) {
            snprintf(u->user, sizeof u->user, "%s", user);
            snprintf(u->contract_id, sizeof u->contract_id, "%s", contract);
            snprintf(u->sha256, sizeof u->sha256, "%s", sha);
            u->size = size;
            u->name = strdup(name);
            const char *mime = json_string_value(json_object_get(m, "mime"));
            u->mime = mime ? strdup(mime) : NULL;
            u->loaded = 1;
        }
        json_decref(m);
    }
    if (!u->loaded || strcmp(u->user, q->actor) != 0)
        return fail(q, PACTA_NOT_FOUND, "upload_id",
                    "no such upload (finished, expired, or never begun)");
    return 0;
}

static int write_meta(struct doc_req *q, const char *meta)
{
    char tmp[4400];
    struct doc_upload *u = q->u;
    json_t *m = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s?}", "user", u->user, "contract_id",
                          u->contract_id, "name", u->name, "size", (json_int_t)u->size, "sha256",
                          u->sha256, "mime", u->mime);
    char *text = json_dumps(m, JSON_COMPACT);
    json_decref(m);
    snprintf(tmp, sizeof tmp, "%s/.%s.json.tmp", srv__docs.uploads, u->id);
    errno = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), rc = -1;
    size_t len = strlen(text);
    if (fd >= 0 && write(fd, text, len) == (ssize_t)len && fsync(fd) == 0 && close(fd) == 0) {
        fd = -1;
        rc = rename(tmp, meta);
    }
    int e = errno ? errno : ENOSPC; /* a short write sets none: the disk is full */
    if (fd >= 0)
        close(fd);
    free(text);
    if (rc != 0) {
        unlink(tmp);
        errno = e; /* the failure's, not unlink's (ENOENT when open failed) */
        return io_fail(q, "metadata");
    }
    return 0;
}

static void do_begin(struct doc_req *q)
{
    struct doc_upload *u = q->u;
    char part[4300], meta[4300];
    struct stat st;
    int rc;

    /* the contract must be there to attach to (checked again at commit) */
    sqlite3 *r = srv_db_reader_acquire(srv__docs.srv->db);
    sqlite3_stmt *s = NULL;
    int live = -1;
    if (sqlite3_prepare_v2(r, "SELECT deleted_at IS NULL FROM contracts WHERE id = ?1", -1, &s,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(s, 1, q->begin.contract_id, -1, SQLITE_STATIC);
        int step = sqlite3_step(s);
        live = step == SQLITE_ROW ? sqlite3_column_int(s, 0) : step == SQLITE_DONE ? -2 : -1;
    }
    if (live == -1)
        srv__sql_error(r, sqlite3_errcode(r), "upload begin", &q->err);
    sqlite3_finalize(s);
    srv_db_reader_release(srv__docs.srv->db, r);
    if (live == -1)
        return;
    if (live != 1) {
        fail(q, PACTA_NOT_FOUND, "contract_id",
             live == 0 ? "the contract was deleted" : "no such contract");
        return;
    }
    srv__docs_upload_paths(u->id, part, meta, sizeof part);
    int64_t have = stat(part, &st) == 0 ? (int64_t)st.st_size : 0;
    if (have > q->begin.size)
        have = 0; /* not this file's bytes: start again (truncated below) */
    if (space_for(q, q->begin.size - have) != 0)
        return;
    srv__docs_upload_forget(u);
    snprintf(u->user, sizeof u->user, "%s", q->actor);
    snprintf(u->contract_id, sizeof u->contract_id, "%s", q->begin.contract_id);
    snprintf(u->sha256, sizeof u->sha256, "%s", q->begin.sha256);
    u->size = q->begin.size;
    u->name = strdup(q->begin.name);
    u->mime = q->begin.mime ? strdup(q->begin.mime) : NULL;
    if ((rc = write_meta(q, meta)) != 0)
        return;
    int fd = open(part, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || fstat(fd, &st) != 0 || (st.st_size > u->size && ftruncate(fd, 0) != 0)) {
        io_fail(q, "create");
        if (fd >= 0)
            close(fd);
        return;
    }
    q->received = st.st_size > u->size ? 0 : (int64_t)st.st_size;
    close(fd);
    u->loaded = 1;
    q->result = json_pack("{s:s, s:I, s:I}", "upload_id", u->id, "received",
                          (json_int_t)q->received, "size", (json_int_t)u->size);
}

static void do_chunk(struct doc_req *q)
{
    struct doc_upload *u = q->u;
    char part[4300], meta[4300];
    struct stat st;

    srv__docs_upload_paths(u->id, part, meta, sizeof part);
    int fd = open(part, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || fstat(fd, &st) != 0) {
        io_fail(q, "open");
        goto out;
    }
    q->received = (int64_t)st.st_size;
    if (q->offset != q->received) {
        pacta_error_set(&q->err, PACTA_CONFLICT, "offset",
                        "this upload has %lld bytes: send the chunk at offset %lld",
                        (long long)q->received, (long long)q->received);
        goto out;
    }
    if (q->offset + (int64_t)q->len > u->size) {
        pacta_error_set(&q->err, PACTA_BAD_REQUEST, "data",
                        "the chunk goes past the declared size (%lld bytes): nothing was written",
                        (long long)u->size);
        goto out;
    }
    if (q->chunk_sha[0]) {
        uint8_t md[32];
        unsigned mdlen = 0;
        char hex[65];
        EVP_Digest(q->buf, q->len, md, &mdlen, EVP_sha256(), NULL);
        for (int i = 0; i < 32; i++)
            snprintf(hex + 2 * i, 3, "%02x", md[i]);
        if (strcmp(hex, q->chunk_sha) != 0) {
            fail(q, PACTA_BAD_REQUEST, "sha256",
                 "the chunk does not match its sha256 (damaged on the way): nothing was written, "
                 "send it again");
            goto out;
        }
    }
    if (space_for(q, (int64_t)q->len) != 0)
        goto out;
    size_t done = 0;
    while (done < q->len) {
        ssize_t n = pwrite(fd, q->buf + done, q->len - done, (off_t)(q->offset + (int64_t)done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    if (done != q->len) {
        int e = errno;
        if (ftruncate(fd, (off_t)q->offset) != 0)
            srv_logf(SRV_LOG_ERROR, "documents: cannot cut a failed chunk", "{s:s}", "upload",
                     u->id);
        errno = e ? e : EIO;
        io_fail(q, "write");
        goto out;
    }
    q->received = q->offset + (int64_t)q->len;
    q->result = json_pack("{s:I}", "received", (json_int_t)q->received);
out:
    if (fd >= 0)
        close(fd);
}

static int hash_file(int fd, char hex[65])
{
    uint8_t *buf = malloc(HASH_CHUNK), md[32];
    unsigned mdlen = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    off_t off = 0;
    ssize_t n;
    if (!buf || !c)
        abort();
    EVP_DigestInit_ex(c, EVP_sha256(), NULL);
    while ((n = pread(fd, buf, HASH_CHUNK, off)) > 0) {
        EVP_DigestUpdate(c, buf, (size_t)n);
        off += n;
    }
    EVP_DigestFinal_ex(c, md, &mdlen);
    EVP_MD_CTX_free(c);
    free(buf);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return n < 0 ? -1 : 0;
}

static void do_finish(struct doc_req *q)
{
    struct doc_upload *u = q->u;
    char part[4300], meta[4300], hex[65];
    struct stat st;

    srv__docs_upload_paths(u->id, part, meta, sizeof part);
    int fd = open(part, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno != ENOENT) {
        io_fail(q, "open");
        return;
    }
    q->received = fd >= 0 && fstat(fd, &st) == 0 ? (int64_t)st.st_size : 0;
    if (q->received != u->size) {
        pacta_error_set(&q->err, PACTA_BAD_REQUEST, "upload_id",
                        "the upload is incomplete: %lld of %lld bytes received",
                        (long long)q->received, (long long)u->size);
        goto out;
    }
    if (hash_file(fd, hex) != 0) {
        io_fail(q, "read");
        goto out;
    }
    if (strcmp(hex, u->sha256) != 0) {
        fail(q, PACTA_BAD_REQUEST, "sha256",
             "the file does not match its declared sha256: the upload was discarded");
        remove_files(u);
        q->received = -1;
        goto out;
    }
    snprintf(q->mime, sizeof q->mime, "%s", srv__docs_sniff(fd, u->size));
    if (!srv__docs_type_allowed(q->types, q->mime)) {
        pacta_error_set(&q->err, PACTA_BAD_REQUEST, "mime",
                        "this server does not accept files of type %s: the upload was discarded",
                        q->mime);
        remove_files(u);
        q->received = -1;
        goto out;
    }
    if (fsync(fd) != 0) {
        io_fail(q, "store");
        goto out;
    }
    if (srv__docstore_place(srv__docs.dir, part, u->sha256) != 0) {
        /* the rename may have happened (a directory fsync failed after it):
         * no row will refer to that content, so the loop asks for its
         * collection instead of leaving it until the next start-up */
        q->collect = 1;
        io_fail(q, "store");
        goto out;
    }
    q->placed = 1;
    /* the .json stays until the row is done (documents_upload.c
     * upload_after_row): a row that cannot commit now keeps the upload */
    /* the row's facts stay in q: u is forgotten now (its .part is gone) */
    q->result =
        json_pack("{s:s, s:s, s:I, s:s, s:s}", "contract_id", u->contract_id, "name", u->name,
                  "size", (json_int_t)u->size, "sha256", u->sha256, "mime", q->mime);
    srv__docs_upload_forget(u);
out:
    if (fd >= 0)
        close(fd);
}

/* Removes an upload whose files did not change for ttl seconds; a begin or
 * chunk that came in between (queued before this) made them recent. */
static void do_expire(struct doc_req *q)
{
    char part[4300], meta[4300];
    struct stat st;
    time_t newest = 0;
    srv__docs_upload_paths(q->u->id, part, meta, sizeof part);
    if (stat(part, &st) == 0 && st.st_mtime > newest)
        newest = st.st_mtime;
    if (stat(meta, &st) == 0 && st.st_mtime > newest)
        newest = st.st_mtime;
    if (time(NULL) - newest >= q->ttl_sec) {
        remove_files(q->u);
        q->placed = -1; /* removed */
    }
}

void srv__docs_job_work(uv_work_t *w)
{
    struct doc_req *q = w->data;
    switch (q->kind) {
    case R_BEGIN:
        do_begin(q);
        break;
    case R_CHUNK:
        if (ensure_loaded(q) == 0)
            do_chunk(q);
        break;
    case R_FINISH:
        if (ensure_loaded(q) == 0)
            do_finish(q);
        break;
    case R_EXPIRE:
        do_expire(q);
        break;
    }
}

/* Pool: uploads whose files did not change for ttl seconds, and temporary
 * files a crash left. */
void srv__docs_scan_work(uv_work_t *w)
{
    struct doc_scan_job *j = w->data;
    DIR *d = opendir(srv__docs.uploads);
    struct dirent *e;
    struct stat st;
    char path[4500], id[33];
    time_t now = time(NULL);
    json_t *newest = json_object();

    j->stale = json_array();
    while (d && (e = readdir(d))) {
        size_t n = strlen(e->d_name);
        snprintf(path, sizeof path, "%s/%s", srv__docs.uploads, e->d_name);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (e->d_name[0] == '.') {
            if (now - st.st_mtime >= j->ttl_sec)
                unlink(path);
            continue;
        }
        if (n != 37 || (strcmp(e->d_name + 32, ".part") != 0 && strcmp(e->d_name + 32, ".json")))
            continue;
        snprintf(id, sizeof id, "%.32s", e->d_name);
        if (!pacta_valid_upload_id(id))
            continue;
        json_int_t t = json_integer_value(json_object_get(newest, id));
        if (st.st_mtime > t)
            json_object_set_new(newest, id, json_integer(st.st_mtime));
    }
    if (d)
        closedir(d);
    const char *key;
    json_t *v;
    json_object_foreach(newest, key, v)
    {
        if (now - json_integer_value(v) >= j->ttl_sec)
            json_array_append_new(j->stale, json_string(key));
    }
    json_decref(newest);
}
