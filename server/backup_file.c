/*
 * Backup files: snapshot, inspection, packing (zstd + AES-256-GCM) and
 * verified unpacking.  No server state here: pactad runs these in the uv
 * thread pool, pactactl runs them offline.  Everything is streamed in
 * CHUNK-sized pieces, so memory stays flat whatever the database size.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sqlite3.h>
#include <zstd.h>

#include "backup.h"
#include "backup_util.h"
#include "db_short.h"

#define CHUNK (1u << 20)
#define NONCE_BYTES 12
#define TAG_BYTES 16
#define FORMAT_VERSION 1
#define MANIFEST_MAX (1u << 20)
#define ZSTD_LEVEL 3
#define SNAPSHOT_PAGES_PER_STEP 4096

const char *srv_backup_strerror(enum srv_backup_err e)
{
    switch (e) {
    case SRV_BK_OK:
        return "ok";
    case SRV_BK_IO:
        return "cannot read or write the backup";
    case SRV_BK_NOSPACE:
        return "not enough disk space";
    case SRV_BK_FORMAT:
        return "not a PACTA backup file, or its header is damaged";
    case SRV_BK_TRUNCATED:
        return "the backup file is truncated";
    case SRV_BK_WRONG_KEY:
        return "the backup was made with a different key";
    case SRV_BK_TAMPERED:
        return "the backup failed authentication: it is damaged or was modified";
    case SRV_BK_NEWER_SCHEMA:
        return "the backup was made by a newer server (schema too new)";
    case SRV_BK_CORRUPT:
        return "the backed-up database does not match its manifest or fails its integrity check";
    case SRV_BK_DB:
        return "the database could not be copied";
    case SRV_BK_DOCUMENTS:
        return "a document's content is missing or damaged";
    }
    return "backup error";
}

/* ---- small file helpers ------------------------------------------------- */

int64_t srv_backup_disk_free(const char *path)
{
    struct statvfs v;
    if (statvfs(path, &v) != 0)
        return -1;
    return (int64_t)v.f_bavail * (int64_t)v.f_frsize;
}

int srv_backup_fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int srv_backup_data_lock(const char *data_dir)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/.lock", data_dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return -2;
    }
    return fd;
}

static int fsync_path(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Tests inject a full disk: writes fail with ENOSPC past this many bytes
 * of one output file (PACTA_TEST_BACKUP_ENOSPC_AT). */
static uint64_t enospc_at(void)
{
    const char *v = getenv("PACTA_TEST_BACKUP_ENOSPC_AT");
    return v && *v ? strtoull(v, NULL, 10) : 0;
}

struct out_file {
    int fd;
    uint64_t written, limit;
};

static int write_all(struct out_file *o, const void *buf, size_t len)
{
    const char *p = buf;
    if (o->limit && o->written + len > o->limit) {
        errno = ENOSPC;
        return -1;
    }
    while (len) {
        ssize_t n = write(o->fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
        o->written += (uint64_t)n;
    }
    return 0;
}

/* A read that failed is the server's disk, not the backup: SRV_BK_IO (a
 * verification that could not run records nothing); one that found the
 * file ended is `short_code`. */
#define READ_OR_FAIL(fd, buf, len, short_code, what)                                               \
    do {                                                                                           \
        int r_ = srv__bk_read_full(fd, buf, len);                                                  \
        if (r_ < 0)                                                                                \
            FAIL(SRV_BK_IO, "read: %s", strerror(errno));                                          \
        if (r_ > 0)                                                                                \
            FAIL(short_code, "%s", what);                                                          \
    } while (0)

static enum srv_backup_err io_code(void)
{
    return errno == ENOSPC || errno == EDQUOT ? SRV_BK_NOSPACE : SRV_BK_IO;
}

/* ---- snapshot ------------------------------------------------------------- */

/* Leaves the copy in rollback-journal mode, so it is one self-contained file. */
static int to_rollback_mode(const char *path, char *err, size_t errlen)
{
    sqlite3 *d = NULL;
    int rc = sqlite3_open_v2(path, &d, SQLITE_OPEN_READWRITE, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(d, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        snprintf(err, errlen, "snapshot: %s", d ? sqlite3_errmsg(d) : sqlite3_errstr(rc));
    sqlite3_close(d);
    return rc == SQLITE_OK ? 0 : -1;
}

int srv_backup_copy_from(sqlite3 *src, const char *dest, srv_backup_progress_fn progress, void *ud,
                         char *err, size_t errlen)
{
    sqlite3 *dst = NULL;
    sqlite3_backup *b = NULL;
    int rc = SRV_BK_OK, step_rc;

    unlink(dest);
    if (sqlite3_open_v2(dest, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
            SQLITE_OK ||
        sqlite3_exec(dst, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF", NULL, NULL,
                     NULL) != SQLITE_OK)
        FAIL(SRV_BK_IO, "snapshot: create: %s", dst ? sqlite3_errmsg(dst) : "out of memory");
    if (!(b = sqlite3_backup_init(dst, "main", src, "main")))
        FAIL(SRV_BK_DB, "snapshot: %s", sqlite3_errmsg(dst));
    do {
        step_rc = sqlite3_backup_step(b, SNAPSHOT_PAGES_PER_STEP);
        if (progress) {
            int total = sqlite3_backup_pagecount(b);
            progress(ud, "snapshot", (uint64_t)(total - sqlite3_backup_remaining(b)),
                     (uint64_t)total);
        }
    } while (step_rc == SQLITE_OK || step_rc == SQLITE_BUSY || step_rc == SQLITE_LOCKED);
    sqlite3_backup_finish(b);
    b = NULL;
    if (step_rc != SQLITE_DONE)
        FAIL(step_rc == SQLITE_FULL || sqlite3_errcode(dst) == SQLITE_FULL ? SRV_BK_NOSPACE
                                                                           : SRV_BK_DB,
             "snapshot: copy: %s", sqlite3_errstr(step_rc));
    sqlite3_close(dst);
    dst = NULL;
    if (to_rollback_mode(dest, err, errlen) != 0) {
        rc = SRV_BK_DB;
        goto out;
    }
    if (fsync_path(dest) != 0)
        FAIL(io_code(), "snapshot: fsync: %s", strerror(errno));
out:
    if (b)
        sqlite3_backup_finish(b);
    sqlite3_close(dst);
    if (rc != SRV_BK_OK)
        unlink(dest);
    return rc;
}

int srv_backup_snapshot(const char *db_path, const char *dest, enum srv_backup_method method,
                        srv_backup_progress_fn progress, void *ud, char *err, size_t errlen)
{
    sqlite3 *src = NULL;
    int rc = SRV_BK_OK, src_rc;

    unlink(dest);
    src_rc = sqlite3_open_v2(db_path, &src, SQLITE_OPEN_READONLY, NULL);
    if (src_rc == SQLITE_OK)
        src_rc = sqlite3_db_config(src, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
    if (src_rc == SQLITE_OK)
        src_rc = sqlite3_busy_timeout(src, 5000);
    if (src_rc != SQLITE_OK)
        FAIL(SRV_BK_DB, "snapshot: open: %s", src ? sqlite3_errmsg(src) : "out of memory");
    if (method == SRV_BACKUP_VACUUM) {
        char *sql = sqlite3_mprintf("VACUUM INTO %Q", dest);
        if (progress)
            progress(ud, "snapshot", 0, 0);
        src_rc = sqlite3_exec(src, sql, NULL, NULL, NULL);
        sqlite3_free(sql);
        if (src_rc != SQLITE_OK)
            FAIL(sqlite3_errcode(src) == SQLITE_FULL ? SRV_BK_NOSPACE : SRV_BK_DB,
                 "snapshot: VACUUM INTO: %s", sqlite3_errmsg(src));
        sqlite3_close(src);
        src = NULL;
        if (to_rollback_mode(dest, err, errlen) != 0) {
            rc = SRV_BK_DB;
            goto out;
        }
        if (fsync_path(dest) != 0)
            FAIL(io_code(), "snapshot: fsync: %s", strerror(errno));
    } else {
        /* One read transaction for the whole copy: the pages come from one
         * commit however many steps it takes, and writers are not blocked
         * (WAL).  Without it each step would restart after a commit. */
        if (sqlite3_exec(src, "BEGIN; SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) !=
            SQLITE_OK)
            FAIL(SRV_BK_DB, "snapshot: begin: %s", sqlite3_errmsg(src));
        rc = srv_backup_copy_from(src, dest, progress, ud, err, errlen);
        sqlite3_exec(src, "COMMIT", NULL, NULL, NULL);
    }
out:
    sqlite3_close(src);
    if (rc != SRV_BK_OK)
        unlink(dest);
    return rc;
}

/* ---- inspection ----------------------------------------------------------- */

static int sha256_file(const char *path, char out[65], uint64_t *size)
{
    uint8_t *buf = malloc(CHUNK), md[32];
    unsigned mdlen = 0;
    int fd = open(path, O_RDONLY), rc = -1;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    ssize_t n;

    *size = 0;
    if (!buf || !c || fd < 0)
        goto out;
    EVP_DigestInit_ex(c, EVP_sha256(), NULL);
    while ((n = read(fd, buf, CHUNK)) > 0) {
        EVP_DigestUpdate(c, buf, (size_t)n);
        *size += (uint64_t)n;
    }
    if (n < 0)
        goto out;
    EVP_DigestFinal_ex(c, md, &mdlen);
    srv__bk_hex_encode(md, 32, out);
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    EVP_MD_CTX_free(c);
    free(buf);
    return rc;
}

int srv_backup_inspect(const char *db_path, json_t **facts, srv_backup_progress_fn progress,
                       void *ud, char *err, size_t errlen)
{
    sqlite3 *d = NULL;
    sqlite3_stmt *st = NULL;
    json_t *counts = json_object();
    char sha[65], *sql = NULL;
    uint64_t size = 0;
    int64_t head = 0;
    int rc = SRV_BK_OK, version = -1;
    char tok_err[256];

    *facts = NULL;
    if (progress)
        progress(ud, "integrity_check", 0, 0);
    if (sqlite3_open_v2(db_path, &d, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        FAIL(SRV_BK_CORRUPT, "inspect: open: %s", d ? sqlite3_errmsg(d) : "out of memory");
    sqlite3_db_config(d, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
    /* the search indexes' tokenizers, so that every table counts here as in
     * pactad, which made the manifest (pactactl has no other registration) */
    if (srv_short_register(d, tok_err, sizeof tok_err) != 0)
        FAIL(SRV_BK_DB, "inspect: %s", tok_err);
    if (sqlite3_prepare_v2(d, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW)
        FAIL(SRV_BK_CORRUPT, "integrity_check: %s", sqlite3_errmsg(d));
    if (strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0)
        FAIL(SRV_BK_CORRUPT, "integrity_check: %s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(d, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    /* every table's row count: a restore compares them all */
    if (sqlite3_prepare_v2(d,
                           "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                           "'sqlite_%' ORDER BY name",
                           -1, &st, NULL) != SQLITE_OK)
        FAIL(SRV_BK_CORRUPT, "inspect: %s", sqlite3_errmsg(d));
    while (sqlite3_step(st) == SQLITE_ROW) {
        sqlite3_stmt *c = NULL;
        const char *name = (const char *)sqlite3_column_text(st, 0);
        sql = sqlite3_mprintf("SELECT count(*) FROM \"%w\"", name);
        if (sqlite3_prepare_v2(d, sql, -1, &c, NULL) == SQLITE_OK && sqlite3_step(c) == SQLITE_ROW)
            json_object_set_new(counts, name, json_integer(sqlite3_column_int64(c, 0)));
        sqlite3_finalize(c);
        sqlite3_free(sql);
        sql = NULL;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (json_object_get(counts, "changes") &&
        sqlite3_prepare_v2(d, "SELECT coalesce(max(seq), 0) FROM changes", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        head = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    sqlite3_close(d);
    d = NULL;
    if (sha256_file(db_path, sha, &size) != 0)
        FAIL(SRV_BK_IO, "inspect: read: %s", strerror(errno));
    *facts =
        json_pack("{s:i, s:I, s:s, s:I, s:O}", "schema_version", version, "db_bytes",
                  (json_int_t)size, "sha256", sha, "head_seq", (json_int_t)head, "counts", counts);
out:
    sqlite3_finalize(st);
    sqlite3_close(d);
    json_decref(counts);
    return rc;
}

/* ---- pack ----------------------------------------------------------------- */

static json_t *header_json(json_t *manifest, uint8_t **hdr, size_t *hdr_len)
{
    char *text = json_dumps(manifest, JSON_COMPACT | JSON_SORT_KEYS);
    size_t n = strlen(text);
    *hdr_len = 12 + n;
    *hdr = malloc(*hdr_len);
    if (!*hdr)
        abort();
    memcpy(*hdr, SRV_BACKUP_MAGIC, 8);
    (*hdr)[8] = (uint8_t)(n >> 24);
    (*hdr)[9] = (uint8_t)(n >> 16);
    (*hdr)[10] = (uint8_t)(n >> 8);
    (*hdr)[11] = (uint8_t)n;
    memcpy(*hdr + 12, text, n);
    free(text);
    return manifest;
}

/* Encrypts and writes what zstd produced. */
static int seal(EVP_CIPHER_CTX *cx, struct out_file *o, const uint8_t *in, size_t n, uint8_t *tmp)
{
    int outl = 0;
    if (n == 0)
        return 0;
    if (EVP_EncryptUpdate(cx, tmp, &outl, in, (int)n) != 1)
        return -1;
    return write_all(o, tmp, (size_t)outl);
}

/*
 * The payload's length is not in the manifest: the manifest is the GCM
 * additional data and must be written before the payload exists.  A
 * truncated file is recognised on reading instead (the tag fails and the
 * zstd frame is incomplete), and the catalog keeps the file size too.
 */
int srv_backup_pack(const char *db_path, const char *dir, const char *name, json_t *manifest,
                    const struct srv_backup_key *key, srv_backup_progress_fn progress, void *ud,
                    uint64_t *file_bytes, char *err, size_t errlen)
{
    uint8_t nonce[NONCE_BYTES], tag[TAG_BYTES], *in = NULL, *zout = NULL, *ctext = NULL;
    uint8_t *hdr = NULL;
    char nonce_hex[2 * NONCE_BYTES + 1], tmp[4096], final[4096];
    size_t hdr_len = 0, zcap = ZSTD_CStreamOutSize();
    struct out_file o = {.fd = -1, .limit = enospc_at()};
    EVP_CIPHER_CTX *cx = NULL;
    ZSTD_CCtx *z = NULL;
    uint64_t total = 0, done = 0;
    struct stat sb;
    int fd = -1, rc = SRV_BK_OK, outl = 0;
    ssize_t n;

    *file_bytes = 0;
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
    snprintf(final, sizeof final, "%s/%s", dir, name);
    if (RAND_bytes(nonce, sizeof nonce) != 1)
        FAIL(SRV_BK_IO, "pack: no random nonce");
    srv__bk_hex_encode(nonce, sizeof nonce, nonce_hex);
    if ((fd = open(db_path, O_RDONLY)) < 0 || fstat(fd, &sb) != 0)
        FAIL(SRV_BK_IO, "pack: open snapshot: %s", strerror(errno));
    total = (uint64_t)sb.st_size;
    json_object_set_new(manifest, "format", json_integer(FORMAT_VERSION));
    json_object_set_new(manifest, "compression", json_string("zstd"));
    json_object_set_new(manifest, "cipher", json_string("aes-256-gcm"));
    json_object_set_new(manifest, "nonce", json_string(nonce_hex));
    json_object_set_new(manifest, "key_id", json_string(key->id));
    header_json(manifest, &hdr, &hdr_len);

    in = malloc(CHUNK);
    zout = malloc(zcap);
    ctext = malloc(zcap + 32);
    if (!in || !zout || !ctext)
        abort();
    if ((o.fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
        FAIL(io_code(), "pack: create: %s", strerror(errno));
    if (!(cx = EVP_CIPHER_CTX_new()) ||
        EVP_EncryptInit_ex(cx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_SET_IVLEN, NONCE_BYTES, NULL) != 1 ||
        EVP_EncryptInit_ex(cx, NULL, NULL, key->k, nonce) != 1 ||
        EVP_EncryptUpdate(cx, NULL, &outl, hdr, (int)hdr_len) != 1)
        FAIL(SRV_BK_IO, "pack: cipher setup failed");
    if (write_all(&o, hdr, hdr_len) != 0)
        FAIL(io_code(), "pack: write: %s", strerror(errno));
    z = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(z, ZSTD_c_compressionLevel, ZSTD_LEVEL);
    ZSTD_CCtx_setParameter(z, ZSTD_c_checksumFlag, 1);
    ZSTD_CCtx_setPledgedSrcSize(z, total);
    for (;;) {
        n = read(fd, in, CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            FAIL(SRV_BK_IO, "pack: read: %s", strerror(errno));
        ZSTD_EndDirective mode = n == 0 ? ZSTD_e_end : ZSTD_e_continue;
        ZSTD_inBuffer zi = {in, (size_t)n, 0};
        int finished = 0;
        do {
            ZSTD_outBuffer zo = {zout, zcap, 0};
            size_t left = ZSTD_compressStream2(z, &zo, &zi, mode);
            if (ZSTD_isError(left))
                FAIL(SRV_BK_IO, "pack: zstd: %s", ZSTD_getErrorName(left));
            if (seal(cx, &o, zout, zo.pos, ctext) != 0)
                FAIL(io_code(), "pack: write: %s", strerror(errno));
            finished = mode == ZSTD_e_end ? left == 0 : zi.pos == zi.size;
        } while (!finished);
        done += (uint64_t)n;
        if (progress)
            progress(ud, "compress", done, total);
        if (n == 0)
            break;
    }
    if (EVP_EncryptFinal_ex(cx, ctext, &outl) != 1 ||
        EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_GET_TAG, TAG_BYTES, tag) != 1)
        FAIL(SRV_BK_IO, "pack: cipher final failed");
    if (write_all(&o, ctext, (size_t)outl) != 0 || write_all(&o, tag, TAG_BYTES) != 0)
        FAIL(io_code(), "pack: write: %s", strerror(errno));
    if (fsync(o.fd) != 0)
        FAIL(io_code(), "pack: fsync: %s", strerror(errno));
    if (close(o.fd) != 0) {
        o.fd = -1;
        FAIL(io_code(), "pack: close: %s", strerror(errno));
    }
    o.fd = -1;
    /* link, not rename: a file of the same name (same millisecond and
     * kind) is never replaced; EEXIST fails this backup instead */
    if (link(tmp, final) != 0)
        FAIL(errno == EEXIST ? SRV_BK_IO : io_code(), "pack: link: %s", strerror(errno));
    unlink(tmp);
    if (srv_backup_fsync_dir(dir) != 0) {
        /* not durable: reported as failed, so it must not stay either */
        int e = errno;
        unlink(final);
        FAIL(SRV_BK_IO, "pack: fsync dir: %s", strerror(e));
    }
    *file_bytes = o.written;
out:
    if (o.fd >= 0)
        close(o.fd);
    if (rc != SRV_BK_OK)
        unlink(tmp);
    if (fd >= 0)
        close(fd);
    ZSTD_freeCCtx(z);
    EVP_CIPHER_CTX_free(cx);
    free(in);
    free(zout);
    free(ctext);
    free(hdr);
    return rc;
}

/* ---- read and unpack ------------------------------------------------------- */

/* Reads magic, length and manifest; leaves fd at the payload. */
static int read_header(int fd, json_t **manifest, uint8_t **hdr, size_t *hdr_len, char *err,
                       size_t errlen)
{
    uint8_t head[12];
    int rc = SRV_BK_OK;

    *manifest = NULL;
    *hdr = NULL;
    READ_OR_FAIL(fd, head, sizeof head, SRV_BK_FORMAT, "bad magic");
    if (memcmp(head, SRV_BACKUP_MAGIC, 8) != 0)
        FAIL(SRV_BK_FORMAT, "bad magic");
    size_t n = (size_t)head[8] << 24 | (size_t)head[9] << 16 | (size_t)head[10] << 8 | head[11];
    if (n == 0 || n > MANIFEST_MAX)
        FAIL(SRV_BK_FORMAT, "bad manifest length");
    *hdr_len = 12 + n;
    if (!(*hdr = malloc(*hdr_len)))
        abort();
    memcpy(*hdr, head, 12);
    READ_OR_FAIL(fd, *hdr + 12, n, SRV_BK_TRUNCATED, "manifest cut short");
    if (!(*manifest = json_loadb((const char *)*hdr + 12, n, JSON_REJECT_DUPLICATES, NULL)) ||
        !json_is_object(*manifest))
        FAIL(SRV_BK_FORMAT, "manifest is not JSON");
    if (json_integer_value(json_object_get(*manifest, "format")) != FORMAT_VERSION)
        FAIL(SRV_BK_FORMAT, "unknown format version");
out:
    if (rc != SRV_BK_OK) {
        json_decref(*manifest);
        *manifest = NULL;
        free(*hdr);
        *hdr = NULL;
    }
    return rc;
}

int srv_backup_read_manifest(const char *file, json_t **manifest, char *err, size_t errlen)
{
    uint8_t *hdr = NULL;
    size_t hdr_len = 0;
    int fd = open(file, O_RDONLY | O_CLOEXEC), rc;
    if (fd < 0) {
        snprintf(err, errlen, "open: %s", strerror(errno));
        return SRV_BK_IO;
    }
    rc = read_header(fd, manifest, &hdr, &hdr_len, err, errlen);
    close(fd);
    free(hdr);
    return rc;
}

/* The manifest's integer member, -1 if absent. */
static int64_t m_int(const json_t *m, const char *k)
{
    const json_t *v = json_object_get(m, k);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
}

int srv_backup_unpack(const char *file, const struct srv_backup_key *key, int max_schema,
                      const char *out_db, json_t **manifest_out, srv_backup_progress_fn progress,
                      void *ud, char *err, size_t errlen)
{
    uint8_t nonce[NONCE_BYTES], tag[TAG_BYTES], *hdr = NULL, *cbuf = NULL, *pbuf = NULL;
    uint8_t *dbuf = NULL, md[32];
    size_t hdr_len = 0, dcap = ZSTD_DStreamOutSize();
    struct out_file o = {.fd = -1, .limit = enospc_at()};
    json_t *m = NULL, *facts = NULL;
    EVP_CIPHER_CTX *cx = NULL;
    EVP_MD_CTX *h = NULL;
    ZSTD_DCtx *z = NULL;
    struct stat sb;
    char sha[65];
    unsigned mdlen = 0;
    int fd = -1, rc = SRV_BK_OK, outl = 0, zerr = 0;
    size_t zleft = 1;
    uint64_t payload, done = 0;

    if (manifest_out)
        *manifest_out = NULL;
    if (out_db)
        unlink(out_db);
    if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &sb) != 0)
        FAIL(SRV_BK_IO, "open: %s", strerror(errno));
    if ((rc = read_header(fd, &m, &hdr, &hdr_len, err, errlen)) != SRV_BK_OK)
        goto out;
    if (strcmp(json_string_value(json_object_get(m, "key_id")) ?: "", key->id) != 0)
        FAIL(SRV_BK_WRONG_KEY, "key id %s, ours %s",
             json_string_value(json_object_get(m, "key_id")) ?: "?", key->id);
    if (m_int(m, "schema_version") > max_schema)
        FAIL(SRV_BK_NEWER_SCHEMA, "schema %lld > %d", (long long)m_int(m, "schema_version"),
             max_schema);
    const char *nh = json_string_value(json_object_get(m, "nonce"));
    if (!nh || srv__bk_hex_decode(nh, nonce, NONCE_BYTES) != 0 || m_int(m, "db_bytes") < 0 ||
        !json_string_value(json_object_get(m, "sha256")))
        FAIL(SRV_BK_FORMAT, "manifest lacks nonce, size or checksum");
    if ((uint64_t)sb.st_size < hdr_len + TAG_BYTES)
        FAIL(SRV_BK_TRUNCATED, "no payload");
    payload = (uint64_t)sb.st_size - hdr_len - TAG_BYTES;
    cbuf = malloc(CHUNK);
    pbuf = malloc(CHUNK + 32);
    dbuf = malloc(dcap);
    if (!cbuf || !pbuf || !dbuf)
        abort();
    if (out_db && (o.fd = open(out_db, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
        FAIL(io_code(), "create: %s", strerror(errno));
    if (!(cx = EVP_CIPHER_CTX_new()) ||
        EVP_DecryptInit_ex(cx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_SET_IVLEN, NONCE_BYTES, NULL) != 1 ||
        EVP_DecryptInit_ex(cx, NULL, NULL, key->k, nonce) != 1 ||
        EVP_DecryptUpdate(cx, NULL, &outl, hdr, (int)hdr_len) != 1)
        FAIL(SRV_BK_IO, "cipher setup failed");
    z = ZSTD_createDCtx();
    h = EVP_MD_CTX_new();
    EVP_DigestInit_ex(h, EVP_sha256(), NULL);
    while (done < payload) {
        size_t want = payload - done < CHUNK ? (size_t)(payload - done) : CHUNK;
        READ_OR_FAIL(fd, cbuf, want, SRV_BK_TRUNCATED, "payload cut short");
        done += want;
        if (EVP_DecryptUpdate(cx, pbuf, &outl, cbuf, (int)want) != 1)
            FAIL(SRV_BK_TAMPERED, "decrypt failed");
        /* A damaged payload may confuse zstd before the tag is checked:
         * keep decrypting to the end, so the tag decides what to say. */
        ZSTD_inBuffer zi = {pbuf, (size_t)outl, 0};
        while (!zerr && zi.pos < zi.size) {
            ZSTD_outBuffer zo = {dbuf, dcap, 0};
            zleft = ZSTD_decompressStream(z, &zo, &zi);
            if (ZSTD_isError(zleft)) {
                zerr = 1;
                break;
            }
            /* never more than the manifest's size: a damaged or forged
             * stream must not fill the disk before the tag is checked */
            if (o.written + zo.pos > (uint64_t)m_int(m, "db_bytes")) {
                zerr = 1;
                break;
            }
            EVP_DigestUpdate(h, dbuf, zo.pos);
            if (!out_db)
                o.written += zo.pos; /* only read through */
            else if (write_all(&o, dbuf, zo.pos) != 0)
                FAIL(io_code(), "write: %s", strerror(errno));
        }
        if (progress)
            progress(ud, "decrypt", done, payload);
    }
    READ_OR_FAIL(fd, tag, TAG_BYTES, SRV_BK_TRUNCATED, "tag missing");
    if (EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_SET_TAG, TAG_BYTES, tag) != 1 ||
        EVP_DecryptFinal_ex(cx, pbuf, &outl) != 1)
        FAIL(!zerr && zleft != 0 ? SRV_BK_TRUNCATED : SRV_BK_TAMPERED, "GCM tag mismatch%s",
             !zerr && zleft != 0 ? " (data ends mid-stream)" : "");
    if (zerr || zleft != 0)
        FAIL(SRV_BK_CORRUPT, "zstd stream damaged or incomplete");
    if (out_db && fsync(o.fd) != 0)
        FAIL(io_code(), "fsync: %s", strerror(errno));
    if (out_db)
        close(o.fd);
    o.fd = -1;
    EVP_DigestFinal_ex(h, md, &mdlen);
    srv__bk_hex_encode(md, 32, sha);
    if (strcmp(sha, json_string_value(json_object_get(m, "sha256"))) != 0 ||
        (int64_t)o.written != m_int(m, "db_bytes"))
        FAIL(SRV_BK_CORRUPT, "checksum or size differs from the manifest");
    if (out_db && (rc = srv_backup_inspect(out_db, &facts, progress, ud, err, errlen)) != SRV_BK_OK)
        goto out;
    if (out_db && (!json_equal(json_object_get(facts, "counts"), json_object_get(m, "counts")) ||
                   m_int(facts, "schema_version") != m_int(m, "schema_version") ||
                   m_int(facts, "head_seq") != m_int(m, "head_seq")))
        FAIL(SRV_BK_CORRUPT, "row counts or schema differ from the manifest");
    if (manifest_out)
        *manifest_out = json_incref(m);
out:
    if (o.fd >= 0)
        close(o.fd);
    if (rc != SRV_BK_OK && out_db)
        unlink(out_db);
    if (fd >= 0)
        close(fd);
    EVP_CIPHER_CTX_free(cx);
    EVP_MD_CTX_free(h);
    ZSTD_freeDCtx(z);
    json_decref(m);
    json_decref(facts);
    free(hdr);
    free(cbuf);
    free(pbuf);
    free(dbuf);
    return rc;
}
