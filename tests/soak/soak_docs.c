/*
 * The soak's documents: files attached to the contracts the editors are
 * changing, uploads that lose their connection halfway and resume, and
 * every file downloaded again byte for byte (PROTOCOL.md §6.34).
 *
 * A resumed upload must report exactly the bytes whose chunks were
 * answered before the connection went, and the finished document must be
 * the file sent.  A contract deleted meanwhile makes begin or finish
 * not_found, which is its answer, not a failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "soak.h"

#define CHUNK 32768

struct file {
    unsigned char *bytes;
    size_t size;
    char sha[65];
};

static void sha256_hex(const unsigned char *p, size_t n, char hex[65])
{
    unsigned char d[32];
    unsigned len = 0;

    EVP_Digest(p, n, d, &len, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

/* UTF-8 text (the server sniffs text/plain) of 1..160 KiB. */
static void make_file(struct file *f, unsigned *seed, long k)
{
    static const char *const lines[] = {"Anexa nr. %ld: prețul se indexează anual.\n",
                                        "Cláusula %ld: la señal se devuelve íntegra.\n"};
    size_t cap = 1 + soak_rand(seed, 160 * 1024);

    f->bytes = malloc(cap + 64);
    f->size = 0;
    while (f->size < cap)
        f->size += (size_t)snprintf((char *)f->bytes + f->size, 64, lines[soak_rand(seed, 2)], k);
    sha256_hex(f->bytes, f->size, f->sha);
}

/* Begins (or resumes) the upload of f to contract: its id and what the
 * server has, or -1 (not_found: the contract was deleted; or a violation). */
static long begin(struct ctl_client *c, const char *contract, const struct file *f, long k,
                  char upload_id[40])
{
    char name[48];
    json_t *r = NULL;

    snprintf(name, sizeof name, "anexa-%ld.txt", k);
    int rc = soak_request(c, "documents.upload.begin",
                          json_pack("{s:s, s:s, s:I, s:s}", "contract_id", contract, "name", name,
                                    "size", (json_int_t)f->size, "sha256", f->sha),
                          &r);
    long received = rc == 0 ? (long)it_int(r, "received") : -1;
    if (rc == 0)
        snprintf(upload_id, 40, "%s", it_str(r, "upload_id"));
    else if (rc < 0)
        soak_no_answer("documents", "documents.upload.begin");
    else if (strcmp(it_err_code(r), "not_found") != 0)
        soak_violation("documents: begin: %s", it_err_code(r));
    json_decref(r);
    return received;
}

/* Chunks from `from` up to `to` (bytes), *answered the end of the last
 * one answered: 0, or -1. */
static int send_chunks(struct ctl_client *c, const char *upload_id, const struct file *f,
                       size_t from, size_t to, size_t *answered)
{
    char *b64 = malloc(4 * (CHUNK / 3) + 8);

    for (size_t off = from; off < to; off += CHUNK) {
        size_t n = to - off < CHUNK ? to - off : CHUNK;
        char sha[65];
        json_t *r = NULL;
        EVP_EncodeBlock((unsigned char *)b64, f->bytes + off, (int)n);
        sha256_hex(f->bytes + off, n, sha);
        int rc = soak_request(c, "documents.upload.chunk",
                              json_pack("{s:s, s:I, s:s, s:s}", "upload_id", upload_id, "offset",
                                        (json_int_t)off, "data", b64, "sha256", sha),
                              &r);
        int ok = rc == 0 && it_int(r, "received") == (json_int_t)(off + n);
        if (rc < 0)
            soak_no_answer("documents", "documents.upload.chunk");
        else if (!ok)
            soak_violation("documents: chunk at %zu: %s", off,
                           rc == 1 ? it_err_code(r) : "wrong received");
        json_decref(r);
        if (!ok) {
            free(b64);
            return -1;
        }
        *answered = off + n;
    }
    free(b64);
    return 0;
}

/* The document downloaded again: 0 when it is f, byte for byte. */
static int download(struct ctl_client *c, const char *doc, const struct file *f)
{
    unsigned char *got = malloc(f->size + 4 + 3 * 262144 / 4 * 4);
    size_t n = 0;
    int eof = 0;

    while (!eof && n <= f->size) {
        json_t *r = NULL;
        int rc = soak_request(c, "documents.download",
                              json_pack("{s:s, s:I}", "id", doc, "offset", (json_int_t)n), &r);
        if (rc != 0) {
            if (rc < 0)
                soak_no_answer("documents", "documents.download");
            else
                soak_violation("documents: download %s: %s", doc, it_err_code(r));
            json_decref(r);
            free(got);
            return -1;
        }
        const char *b64 = it_str(r, "data");
        size_t len = strlen(b64);
        int dec = EVP_DecodeBlock(got + n, (const unsigned char *)b64, (int)len);
        if (dec < 0) {
            soak_violation("documents: download %s: data is not base64", doc);
            json_decref(r);
            break;
        }
        n += (size_t)dec - (len > 0 && b64[len - 1] == '=') - (len > 1 && b64[len - 2] == '=');
        eof = json_is_true(json_object_get(r, "eof"));
        json_decref(r);
    }
    int same = n == f->size && memcmp(got, f->bytes, n) == 0;
    if (!same)
        soak_violation("documents: %s came back as %zu bytes of %zu, %s", doc, n, f->size,
                       n == f->size ? "other bytes" : "another size");
    free(got);
    return same ? 0 : -1;
}

/* After a lost connection (soak_no_answer, or ours on purpose): a new one. */
static int reconnect(struct ctl_client **c, int aborted)
{
    if (*c && !aborted)
        ctl_client_close(*c);
    *c = soak_login("soak-doc");
    return *c ? 0 : -1;
}

/* The rest of one file from what the server has: finish, download, maybe
 * delete.  0 done (or the contract was deleted meanwhile), 1 the
 * connection was lost before the file was attached (again from begin), -2
 * after. */
static int finish(struct ctl_client *c, const char *upload_id, const struct file *f, unsigned *seed,
                  size_t *answered)
{
    json_t *r = NULL;
    int rc =
        soak_request(c, "documents.upload.finish", json_pack("{s:s}", "upload_id", upload_id), &r);
    char doc[40];

    if (rc != 0) {
        if (rc < 0) { /* it may have attached the file: begin then starts afresh */
            *answered = 0;
            soak_no_answer("documents", "documents.upload.finish");
        } else if (strcmp(it_err_code(r), "not_found") != 0)
            soak_violation("documents: finish: %s", it_err_code(r));
        json_decref(r);
        return soak_connection_lost() ? 1 : 0;
    }
    snprintf(doc, sizeof doc, "%s", it_str(json_object_get(r, "document"), "id"));
    json_decref(r);
    atomic_fetch_add(&soak.n.uploads, 1);
    if (download(c, doc, f) == 0)
        atomic_fetch_add(&soak.n.downloads, 1);
    if (soak_rand(seed, 2) == 0) {
        json_t *d = NULL;
        int drc = soak_request(c, "documents.delete", json_pack("{s:s}", "id", doc), &d);
        if (drc == 0)
            atomic_fetch_add(&soak.n.doc_deletes, 1);
        else if (drc < 0)
            soak_no_answer("documents", "documents.delete");
        else
            soak_violation("documents: delete %s: %s", doc, it_err_code(d));
        json_decref(d);
    }
    return soak_connection_lost() ? -2 : 0; /* done; reconnect for the next file */
}

/* One file: begin; one time in three half the chunks and a lost network;
 * begin again (the server must have every chunk it answered), the rest,
 * finish, download, maybe delete.  A connection lost to a crash resumes
 * the same way, up to four times.  -1 when no client can be had. */
static int one_file(struct ctl_client **c, unsigned *seed, long k)
{
    struct file f;
    char contract[40] = "", upload_id[40];
    size_t answered = 0;
    int lose_network = soak_rand(seed, 3) == 0, rc = 0;

    /* a contract no editor is deleting (one may start meanwhile) */
    pthread_mutex_lock(&soak.mu);
    int i = soak.ncontracts ? (int)soak_rand(seed, (unsigned)soak.ncontracts) : -1;
    if (i >= 0 && soak.contracts[i].deleting)
        i = -1;
    if (i >= 0)
        memcpy(contract, soak.contracts[i].id, 40);
    pthread_mutex_unlock(&soak.mu);
    if (i < 0)
        return 0;
    make_file(&f, seed, k);
    size_t half = f.size / 2 / CHUNK * CHUNK;
    for (int attempt = 0; attempt < 5; attempt++) {
        long have = begin(*c, contract, &f, k, upload_id);
        /* exactly what was answered; after a crash, a chunk appended whose
         * answer was lost may be there too */
        int wrong = soak.crash_every > 0 ? have < (long)answered || have > (long)f.size
                                         : have != (long)answered;
        if (have >= 0 && wrong)
            soak_violation("documents: begin again: %ld bytes, %zu were answered", have, answered);
        if (have >= 0 && attempt > 0)
            atomic_fetch_add(&soak.n.resumed_uploads, 1);
        /* -1 gave up on this file, 0 done, -2 done and the connection lost
         * after, 1 lost before (begin again), 2 lost on purpose */
        int step = -1;
        if (have < 0)
            step = soak_connection_lost() ? 1 : -1;
        else if (lose_network && have == 0 && half > 0)
            step = send_chunks(*c, upload_id, &f, 0, half, &answered) == 0 ? 2
                   : soak_connection_lost()                                ? 1
                                                                           : -1;
        else if (send_chunks(*c, upload_id, &f, (size_t)have, f.size, &answered) != 0)
            step = soak_connection_lost() ? 1 : -1;
        else
            step = finish(*c, upload_id, &f, seed, &answered);
        if (step == 2) {
            ctl_client_abort(*c); /* a lost network mid-upload */
            lose_network = 0;
        }
        if (step == 1 || step == 2 || step == -2) {
            if (reconnect(c, step == 2) != 0) {
                rc = -1;
                break;
            }
        }
        if (step != 1 && step != 2)
            break;
    }
    free(f.bytes);
    return rc;
}

void *soak_documents(void *arg)
{
    unsigned seed = 0xd0c5u;
    struct ctl_client *c = soak_login("soak-doc");

    (void)arg;
    for (long k = 1; c && !atomic_load(&soak.stop); k++)
        if (one_file(&c, &seed, k) != 0)
            break;
    if (c)
        ctl_client_close(c);
    return NULL;
}
