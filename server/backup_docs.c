/*
 * Documents in backups (issue 7).  No server state here: pactad runs these
 * in the uv thread pool (backup.c), pactactl runs them offline.
 *
 * A backup's database file holds the `documents` rows, not their bytes.
 * The bytes go to a store of the backup directory's own, next to the
 * backup files and sealed with the same key:
 *
 *   BACKUP_DIR/blobs/ab/cdef...      one content, encrypted, named by
 *                                    HMAC-SHA256(key, "pacta-document\n" ||
 *                                    its SHA-256): the name says nothing
 *                                    about the content to whoever reads the
 *                                    directory, yet is the same every time
 *   BACKUP_DIR/NAME.pbk.docs         the backup's index: the names of the
 *                                    contents its rows refer to, one a line
 *                                    (none when it refers to none)
 *
 * Why not append the contents to each backup file: the same signed PDF
 * would be copied into every daily backup for as long as retention keeps
 * them (7 copies of every document, at least).  Content-addressed, each
 * content is encrypted and written once, the first time a backup refers to
 * it; a backup then costs only what changed since the one before.
 * Retention removes a content when no remaining backup's index lists it
 * (srv_backup_docs_sweep).  The backup is still one thing to keep: the
 * .pbk, its .docs and the blobs directory.
 *
 * The manifest (authenticated by the backup's GCM tag) records
 * "documents": {"count", "bytes", "index_sha256"}: the number and total
 * size of the distinct contents the snapshot's live rows refer to, and the
 * SHA-256 of their sorted "sha256 size" lines.  Verify recomputes those
 * from the unpacked database, then decrypts every content and checks its
 * SHA-256; restore does the same and writes the contents the live store
 * lacks.
 *
 * A content missing from the live store or damaged there (its bytes no
 * longer hash to its name) cannot be backed up, and no earlier backup
 * holds it: the backup is made without it rather than not at all (the
 * database and every other document are what it protects), and says so:
 * "documents" gets "unavailable": [sha256, ...] (sorted), the facts
 * "documents_unavailable": N, and verify and restore skip exactly those.
 * The content was lost before the backup; the backup cannot bring it
 * back, and must not hide that it does not.
 *
 * A content file:  "PACTADC1" | nonce (12) | size (8, big-endian) |
 *                  AES-256-GCM ciphertext (size bytes) | tag (16);
 *                  additional data: the 28 header bytes and the name.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sqlite3.h>

#include "backup.h"
#include "backup_util.h"
#include "docstore.h"

#define MAGIC "PACTADC1"
#define HEADER_BYTES 28
#define NONCE_BYTES 12
#define TAG_BYTES 16
#define CHUNK (1u << 20)

static pthread_mutex_t blobs_mu = PTHREAD_MUTEX_INITIALIZER;

void srv_backup_docs_lock(void)
{
    pthread_mutex_lock(&blobs_mu);
}

void srv_backup_docs_unlock(void)
{
    pthread_mutex_unlock(&blobs_mu);
}

/* The content's name in the backup store. */
static void blob_name(const struct srv_backup_key *key, const char *sha, char out[65])
{
    char msg[96];
    uint8_t md[32];
    unsigned n = 0;
    int len = snprintf(msg, sizeof msg, "pacta-document\n%s", sha);
    HMAC(EVP_sha256(), key->k, SRV_BACKUP_KEY_BYTES, (const uint8_t *)msg, (size_t)len, md, &n);
    srv__bk_hex_encode(md, 32, out);
}

static void blob_path(const char *backup_dir, const char *name, char *out, size_t n)
{
    snprintf(out, n, "%s/blobs/%.2s/%s", backup_dir, name, name + 2);
}

static int make_dirs(const char *backup_dir, const char *name)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/blobs", backup_dir);
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
        return -1;
    snprintf(path, sizeof path, "%s/blobs/%.2s", backup_dir, name);
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

static enum srv_backup_err io_code(void)
{
    return errno == ENOSPC || errno == EDQUOT ? SRV_BK_NOSPACE : SRV_BK_IO;
}

static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static void dir_of(const char *path, char *out, size_t n)
{
    snprintf(out, n, "%s", path);
    char *slash = strrchr(out, '/');
    if (slash)
        *slash = '\0';
}

/* ---- what a database refers to -------------------------------------------- */

/*
 * The distinct contents the live rows of db refer to, sorted, as
 * [[sha256, size], ...], and their summary.  A database without a
 * documents table (an older schema) refers to none.
 */
static int referenced(const char *db, json_t **list, json_t **summary, char *err, size_t errlen)
{
    sqlite3 *d = NULL;
    sqlite3_stmt *st = NULL;
    EVP_MD_CTX *h = EVP_MD_CTX_new();
    uint8_t md[32];
    unsigned mdlen = 0;
    char digest[65], line[128];
    int64_t bytes = 0;
    int rc = SRV_BK_OK, step;

    *list = json_array();
    *summary = NULL;
    EVP_DigestInit_ex(h, EVP_sha256(), NULL);
    if (sqlite3_open_v2(db, &d, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        FAIL(SRV_BK_CORRUPT, "documents: open: %s", d ? sqlite3_errmsg(d) : "out of memory");
    sqlite3_db_config(d, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
    if (sqlite3_prepare_v2(d,
                           "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = "
                           "'documents'",
                           -1, &st, NULL) != SQLITE_OK)
        FAIL(SRV_BK_CORRUPT, "documents: %s", sqlite3_errmsg(d));
    step = sqlite3_step(st);
    sqlite3_finalize(st);
    st = NULL;
    if (step == SQLITE_ROW) {
        if (sqlite3_prepare_v2(d,
                               "SELECT sha256, max(size) FROM documents WHERE deleted_at IS NULL "
                               "GROUP BY sha256 ORDER BY sha256",
                               -1, &st, NULL) != SQLITE_OK)
            FAIL(SRV_BK_CORRUPT, "documents: %s", sqlite3_errmsg(d));
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
            const char *sha = (const char *)sqlite3_column_text(st, 0);
            int64_t size = sqlite3_column_int64(st, 1);
            int n = snprintf(line, sizeof line, "%s %lld\n", sha ? sha : "", (long long)size);
            EVP_DigestUpdate(h, line, (size_t)n);
            json_array_append_new(*list, json_pack("[s, I]", sha ? sha : "", (json_int_t)size));
            bytes += size;
        }
        if (step != SQLITE_DONE)
            FAIL(SRV_BK_CORRUPT, "documents: %s", sqlite3_errmsg(d));
    }
    EVP_DigestFinal_ex(h, md, &mdlen);
    srv__bk_hex_encode(md, 32, digest);
    *summary = json_pack("{s:I, s:I, s:s}", "count", (json_int_t)json_array_size(*list), "bytes",
                         (json_int_t)bytes, "index_sha256", digest);
out:
    sqlite3_finalize(st);
    sqlite3_close(d);
    EVP_MD_CTX_free(h);
    if (rc != SRV_BK_OK) {
        json_decref(*list);
        *list = NULL;
    }
    return rc;
}

/* ---- one content ---------------------------------------------------------- */

/* Encrypts the live content `src` (checking that its bytes are `sha`, of
 * `size` bytes) into the backup store as `name`. */
static int seal_one(const char *src, const char *sha, int64_t size, const char *backup_dir,
                    const char *name, const struct srv_backup_key *key, uint8_t *in, uint8_t *out,
                    char *err, size_t errlen)
{
    char final[4400], tmp[4500], digest[65];
    uint8_t header[HEADER_BYTES], tag[TAG_BYTES], md[32];
    unsigned mdlen = 0;
    EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
    EVP_MD_CTX *h = EVP_MD_CTX_new();
    int fd = -1, ofd = -1, rc = SRV_BK_OK, outl = 0;
    int64_t done = 0;

    blob_path(backup_dir, name, final, sizeof final);
    snprintf(tmp, sizeof tmp, "%s/blobs/%.2s/.tmp-%s", backup_dir, name, name + 2);
    if (make_dirs(backup_dir, name) != 0)
        FAIL(io_code(), "documents: mkdir: %s", strerror(errno));
    if ((fd = open(src, O_RDONLY | O_CLOEXEC)) < 0)
        FAIL(errno == ENOENT ? SRV_BK_DOCUMENTS : SRV_BK_IO,
             "documents: content %s is missing from the store: %s", sha, strerror(errno));
    memcpy(header, MAGIC, 8);
    if (RAND_bytes(header + 8, NONCE_BYTES) != 1)
        FAIL(SRV_BK_IO, "documents: no random nonce");
    for (int i = 0; i < 8; i++)
        header[20 + i] = (uint8_t)((uint64_t)size >> (56 - 8 * i));
    if ((ofd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
        FAIL(io_code(), "documents: create: %s", strerror(errno));
    if (!cx || !h || EVP_EncryptInit_ex(cx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_SET_IVLEN, NONCE_BYTES, NULL) != 1 ||
        EVP_EncryptInit_ex(cx, NULL, NULL, key->k, header + 8) != 1 ||
        EVP_EncryptUpdate(cx, NULL, &outl, header, HEADER_BYTES) != 1 ||
        EVP_EncryptUpdate(cx, NULL, &outl, (const uint8_t *)name, 64) != 1 ||
        EVP_DigestInit_ex(h, EVP_sha256(), NULL) != 1)
        FAIL(SRV_BK_IO, "documents: cipher setup failed");
    if (write_all(ofd, header, HEADER_BYTES) != 0)
        FAIL(io_code(), "documents: write: %s", strerror(errno));
    for (;;) {
        ssize_t n = read(fd, in, CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            FAIL(SRV_BK_IO, "documents: read: %s", strerror(errno));
        if (n == 0)
            break;
        done += n;
        EVP_DigestUpdate(h, in, (size_t)n);
        if (EVP_EncryptUpdate(cx, out, &outl, in, (int)n) != 1 ||
            write_all(ofd, out, (size_t)outl) != 0)
            FAIL(io_code(), "documents: write: %s", strerror(errno));
    }
    EVP_DigestFinal_ex(h, md, &mdlen);
    srv__bk_hex_encode(md, 32, digest);
    if (done != size || strcmp(digest, sha) != 0)
        FAIL(SRV_BK_DOCUMENTS, "documents: content %s in the store is damaged (%lld bytes)", sha,
             (long long)done);
    if (EVP_EncryptFinal_ex(cx, out, &outl) != 1 ||
        EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_GET_TAG, TAG_BYTES, tag) != 1 ||
        write_all(ofd, out, (size_t)outl) != 0 || write_all(ofd, tag, TAG_BYTES) != 0)
        FAIL(io_code(), "documents: write: %s", strerror(errno));
    if (fsync(ofd) != 0 || close(ofd) != 0) {
        ofd = -1;
        FAIL(io_code(), "documents: fsync: %s", strerror(errno));
    }
    ofd = -1;
    if (rename(tmp, final) != 0)
        FAIL(io_code(), "documents: rename: %s", strerror(errno));
    dir_of(final, tmp, sizeof tmp);
    if (srv_backup_fsync_dir(tmp) != 0)
        FAIL(SRV_BK_IO, "documents: fsync dir: %s", strerror(errno));
    tmp[0] = '\0';
out:
    if (fd >= 0)
        close(fd);
    if (ofd >= 0)
        close(ofd);
    if (rc != SRV_BK_OK && tmp[0])
        unlink(tmp);
    EVP_CIPHER_CTX_free(cx);
    EVP_MD_CTX_free(h);
    return rc;
}

/*
 * Decrypts the content `name` of the backup store, checks it is `sha` of
 * `size` bytes, and when `dest` is not NULL writes it there (through a
 * temporary file, fsynced, renamed).
 */
static int open_one(const char *backup_dir, const char *name, const char *sha, int64_t size,
                    const struct srv_backup_key *key, const char *dest, uint8_t *in, uint8_t *out,
                    char *err, size_t errlen)
{
    char path[4400], tmp[4500] = "", digest[65];
    uint8_t header[HEADER_BYTES], tag[TAG_BYTES], md[32];
    unsigned mdlen = 0;
    EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
    EVP_MD_CTX *h = EVP_MD_CTX_new();
    int fd = -1, ofd = -1, rc = SRV_BK_OK, outl = 0;
    struct stat st;
    uint64_t stored = 0;

    blob_path(backup_dir, name, path, sizeof path);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) != 0)
        FAIL(SRV_BK_DOCUMENTS, "documents: content %s is missing from the backup: %s", sha,
             strerror(errno));
    int r = srv__bk_read_full(fd, header, HEADER_BYTES);
    if (r < 0) /* the server's disk, not the backup */
        FAIL(SRV_BK_IO, "documents: content %s: read: %s", sha, strerror(errno));
    if (r > 0 || memcmp(header, MAGIC, 8) != 0)
        FAIL(SRV_BK_DOCUMENTS, "documents: content %s: not a content file", sha);
    for (int i = 0; i < 8; i++)
        stored = stored << 8 | header[20 + i];
    if ((int64_t)stored != size || (uint64_t)st.st_size != HEADER_BYTES + stored + TAG_BYTES)
        FAIL(SRV_BK_DOCUMENTS, "documents: content %s: size differs (truncated?)", sha);
    if (!cx || !h || EVP_DecryptInit_ex(cx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_SET_IVLEN, NONCE_BYTES, NULL) != 1 ||
        EVP_DecryptInit_ex(cx, NULL, NULL, key->k, header + 8) != 1 ||
        EVP_DecryptUpdate(cx, NULL, &outl, header, HEADER_BYTES) != 1 ||
        EVP_DecryptUpdate(cx, NULL, &outl, (const uint8_t *)name, 64) != 1 ||
        EVP_DigestInit_ex(h, EVP_sha256(), NULL) != 1)
        FAIL(SRV_BK_IO, "documents: cipher setup failed");
    if (dest) {
        dir_of(dest, path, sizeof path);
        snprintf(tmp, sizeof tmp, "%s/.restore-%s", path, strrchr(dest, '/') + 1);
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            FAIL(io_code(), "documents: mkdir: %s", strerror(errno));
        if ((ofd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
            FAIL(io_code(), "documents: create: %s", strerror(errno));
    }
    for (uint64_t left = stored; left;) {
        size_t want = left < CHUNK ? (size_t)left : CHUNK;
        if ((r = srv__bk_read_full(fd, in, want)) < 0)
            FAIL(SRV_BK_IO, "documents: content %s: read: %s", sha, strerror(errno));
        if (r > 0)
            FAIL(SRV_BK_DOCUMENTS, "documents: content %s is truncated", sha);
        left -= want;
        if (EVP_DecryptUpdate(cx, out, &outl, in, (int)want) != 1)
            FAIL(SRV_BK_DOCUMENTS, "documents: content %s: decrypt failed", sha);
        EVP_DigestUpdate(h, out, (size_t)outl);
        if (ofd >= 0 && write_all(ofd, out, (size_t)outl) != 0)
            FAIL(io_code(), "documents: write: %s", strerror(errno));
    }
    if ((r = srv__bk_read_full(fd, tag, TAG_BYTES)) < 0)
        FAIL(SRV_BK_IO, "documents: content %s: read: %s", sha, strerror(errno));
    if (r > 0 || EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_SET_TAG, TAG_BYTES, tag) != 1 ||
        EVP_DecryptFinal_ex(cx, out, &outl) != 1)
        FAIL(SRV_BK_DOCUMENTS, "documents: content %s failed authentication (damaged or changed)",
             sha);
    EVP_DigestFinal_ex(h, md, &mdlen);
    srv__bk_hex_encode(md, 32, digest);
    if (strcmp(digest, sha) != 0)
        FAIL(SRV_BK_DOCUMENTS, "documents: content %s: checksum differs", sha);
    if (ofd >= 0) {
        if (fsync(ofd) != 0 || close(ofd) != 0) {
            ofd = -1;
            FAIL(io_code(), "documents: fsync: %s", strerror(errno));
        }
        ofd = -1;
        if (rename(tmp, dest) != 0)
            FAIL(io_code(), "documents: rename: %s", strerror(errno));
        tmp[0] = '\0';
        dir_of(dest, path, sizeof path);
        srv_backup_fsync_dir(path);
    }
out:
    if (fd >= 0)
        close(fd);
    if (ofd >= 0)
        close(ofd);
    if (tmp[0])
        unlink(tmp);
    EVP_CIPHER_CTX_free(cx);
    EVP_MD_CTX_free(h);
    return rc;
}

/* ---- a backup's documents ------------------------------------------------------ */

/* sha is one of the strings of the array a (NULL: none). */
static int listed(const json_t *a, const char *sha)
{
    size_t i;
    const json_t *v;
    json_array_foreach(a, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), sha) == 0)
            return 1;
    }
    return 0;
}

int64_t srv_backup_docs_to_copy(const char *snapshot_db, const char *backup_dir,
                                const struct srv_backup_key *key)
{
    json_t *list = NULL, *summary = NULL, *v;
    char name[65], final[4400], err[256];
    int64_t bytes = 0;
    size_t i;
    if (referenced(snapshot_db, &list, &summary, err, sizeof err) != SRV_BK_OK)
        return -1;
    json_array_foreach(list, i, v)
    {
        blob_name(key, json_string_value(json_array_get(v, 0)), name);
        blob_path(backup_dir, name, final, sizeof final);
        if (access(final, F_OK) != 0)
            bytes += json_integer_value(json_array_get(v, 1));
    }
    json_decref(list);
    json_decref(summary);
    return bytes;
}

int srv_backup_docs_store(const char *snapshot_db, const char *docs_dir, const char *backup_dir,
                          const struct srv_backup_key *key, const char *index_path, json_t *facts,
                          srv_backup_progress_fn progress, void *ud, char *err, size_t errlen)
{
    json_t *list = NULL, *summary = NULL, *v, *unavailable = json_array();
    uint8_t *in = malloc(CHUNK), *out = malloc(CHUNK + 32);
    char name[65], src[4400], final[4400], tmp[4500] = "";
    uint64_t total = 0, done = 0;
    int rc, fd = -1;
    size_t i;

    if (!in || !out)
        abort();
    if ((rc = referenced(snapshot_db, &list, &summary, err, errlen)) != SRV_BK_OK)
        goto out;
    total = (uint64_t)json_integer_value(json_object_get(summary, "bytes"));
    json_array_foreach(list, i, v)
    {
        const char *sha = json_string_value(json_array_get(v, 0));
        int64_t size = json_integer_value(json_array_get(v, 1));
        blob_name(key, sha, name);
        blob_path(backup_dir, name, final, sizeof final);
        if (access(final, F_OK) != 0) { /* stored by an earlier backup: immutable */
            srv_docs_blob_path(docs_dir, sha, src, sizeof src);
            rc = seal_one(src, sha, size, backup_dir, name, key, in, out, err, errlen);
            if (rc == SRV_BK_DOCUMENTS) /* lost before this backup: made without it */
                json_array_append_new(unavailable, json_string(sha));
            else if (rc != SRV_BK_OK)
                goto out;
        }
        done += (uint64_t)size;
        if (progress)
            progress(ud, "documents", done, total);
    }
    /* the index: names only, sorted by content (as the list is), without the
     * unavailable ones; none for a backup without documents (its manifest
     * says so) */
    if (json_array_size(unavailable))
        json_object_set(summary, "unavailable", unavailable);
    json_object_set(facts, "documents", summary);
    json_object_set_new(facts, "documents_unavailable",
                        json_integer((json_int_t)json_array_size(unavailable)));
    if (json_array_size(list) == json_array_size(unavailable)) {
        unlink(index_path);
        rc = SRV_BK_OK;
        goto out;
    }
    snprintf(tmp, sizeof tmp, "%s.tmp", index_path);
    if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
        FAIL(io_code(), "documents: index: %s", strerror(errno));
    json_array_foreach(list, i, v)
    {
        if (listed(unavailable, json_string_value(json_array_get(v, 0))))
            continue;
        blob_name(key, json_string_value(json_array_get(v, 0)), name);
        name[64] = '\n';
        if (write_all(fd, name, 65) != 0)
            FAIL(io_code(), "documents: index: %s", strerror(errno));
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        fd = -1;
        FAIL(io_code(), "documents: index: %s", strerror(errno));
    }
    fd = -1;
    if (rename(tmp, index_path) != 0)
        FAIL(io_code(), "documents: index: %s", strerror(errno));
    tmp[0] = '\0';
    rc = SRV_BK_OK;
out:
    if (fd >= 0)
        close(fd);
    if (tmp[0])
        unlink(tmp);
    json_decref(list);
    json_decref(summary);
    json_decref(unavailable);
    free(in);
    free(out);
    return rc;
}

int srv_backup_docs_check(const char *db, const json_t *manifest, const char *backup_dir,
                          const struct srv_backup_key *key, const char *restore_docs_dir,
                          srv_backup_progress_fn progress, void *ud, char *err, size_t errlen)
{
    json_t *list = NULL, *summary = NULL, *v, *want = NULL;
    const json_t *unavailable =
        json_object_get(json_object_get(manifest, "documents"), "unavailable");
    uint8_t *in = malloc(CHUNK), *out = malloc(CHUNK + 32);
    char name[65], dest[4400];
    uint64_t total, done = 0;
    struct stat st;
    int rc;
    size_t i;

    if (!in || !out)
        abort();
    if ((rc = referenced(db, &list, &summary, err, errlen)) != SRV_BK_OK)
        goto out;
    /* a backup from before documents existed refers to none */
    if ((want = json_deep_copy(json_object_get(manifest, "documents"))))
        json_object_del(want, "unavailable");
    if (want ? !json_equal(want, summary) : json_array_size(list) > 0)
        FAIL(SRV_BK_CORRUPT, "documents: the database's documents differ from the manifest");
    total = (uint64_t)json_integer_value(json_object_get(summary, "bytes"));
    if (restore_docs_dir && mkdir(restore_docs_dir, 0700) != 0 && errno != EEXIST)
        FAIL(io_code(), "documents: mkdir: %s", strerror(errno));
    json_array_foreach(list, i, v)
    {
        const char *sha = json_string_value(json_array_get(v, 0));
        int64_t size = json_integer_value(json_array_get(v, 1));
        const char *to = NULL;
        if (listed(unavailable, sha)) /* lost before the backup (see above) */
            continue;
        blob_name(key, sha, name);
        if (restore_docs_dir) {
            srv_docs_blob_path(restore_docs_dir, sha, dest, sizeof dest);
            if (stat(dest, &st) != 0)
                to = dest; /* the live store lacks it: bring it back */
        }
        if ((rc = open_one(backup_dir, name, sha, size, key, to, in, out, err, errlen)) !=
            SRV_BK_OK)
            goto out;
        done += (uint64_t)size;
        if (progress)
            progress(ud, "documents", done, total);
    }
    rc = SRV_BK_OK;
out:
    json_decref(list);
    json_decref(summary);
    json_decref(want);
    free(in);
    free(out);
    return rc;
}

/* ---- retention ------------------------------------------------------------------ */

/* Adds the names an index lists to keep; -1 if it cannot be read. */
static int read_index(const char *path, json_t *keep)
{
    FILE *f = fopen(path, "re");
    char line[128];
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (strlen(line) == 64)
            json_object_set_new(keep, line, json_true());
    }
    fclose(f);
    return 0;
}

int srv_backup_docs_sweep(const char *backup_dir, char *err, size_t errlen)
{
    json_t *keep = json_object();
    DIR *d = NULL, *sub = NULL;
    struct dirent *e, *f;
    char path[4400], file[4700], name[65];
    int rc = 0, removed = 0;
    size_t sl = strlen(SRV_BACKUP_SUFFIX);

    if (pthread_mutex_trylock(&blobs_mu) != 0) {
        snprintf(err, errlen, "a backup is writing contents");
        json_decref(keep);
        return -1;
    }
    if (!(d = opendir(backup_dir)))
        FAIL(-1, "opendir: %s", strerror(errno));
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        snprintf(path, sizeof path, "%s/%s", backup_dir, e->d_name);
        if (n > sl && strcmp(e->d_name + n - sl, SRV_BACKUP_SUFFIX) == 0 && e->d_name[0] != '.') {
            snprintf(file, sizeof file, "%s.docs", path);
            if (read_index(file, keep) == 0)
                continue;
            /* no index: fine for a backup without documents, else keep all */
            json_t *m = NULL;
            char merr[128];
            int docs =
                srv_backup_read_manifest(path, &m, merr, sizeof merr) != SRV_BK_OK ||
                json_integer_value(json_object_get(json_object_get(m, "documents"), "count")) > 0;
            json_decref(m);
            if (docs)
                FAIL(-1, "%s has documents but no readable index: nothing removed", e->d_name);
        } else if (n > 5 && strcmp(e->d_name + n - 5, ".docs") == 0) {
            snprintf(file, sizeof file, "%.*s", (int)(strlen(path) - 5), path);
            if (access(file, F_OK) != 0)
                unlink(path); /* its backup is gone */
        }
    }
    closedir(d);
    snprintf(path, sizeof path, "%s/blobs", backup_dir);
    if (!(d = opendir(path))) {
        rc = 0; /* no contents at all */
        goto out;
    }
    while ((e = readdir(d))) {
        if (strlen(e->d_name) != 2 || e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/blobs/%s", backup_dir, e->d_name);
        if (!(sub = opendir(path)))
            continue;
        while ((f = readdir(sub))) {
            if (strcmp(f->d_name, ".") == 0 || strcmp(f->d_name, "..") == 0)
                continue;
            snprintf(file, sizeof file, "%s/%s", path, f->d_name);
            int is_name = f->d_name[0] != '.' && strlen(f->d_name) == 62;
            if (is_name) {
                memcpy(name, e->d_name, 2);
                memcpy(name + 2, f->d_name, 63);
            }
            if (!is_name || !json_object_get(keep, name)) {
                if (unlink(file) == 0 && f->d_name[0] != '.')
                    removed++;
            }
        }
        closedir(sub);
    }
    rc = removed;
out:
    if (d)
        closedir(d);
    json_decref(keep);
    pthread_mutex_unlock(&blobs_mu);
    return rc;
}
