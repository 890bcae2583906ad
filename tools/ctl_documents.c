/*
 * pactactl documents: the files attached to a contract (PROTOCOL.md
 * "Documents").
 *
 *   documents list CONTRACT [--all] [--json]
 *   documents upload CONTRACT FILE [--name NAME]
 *   documents download ID [-o FILE]
 *   documents delete ID
 *
 * upload sends the file in checksummed chunks, several in flight; when the
 * connection drops it reconnects and goes on from what the server has (an
 * upload is named by user, contract and content, so running the same
 * command again after an interruption resumes it too).  download checks
 * the size and SHA-256 of what arrived and writes the file atomically
 * (a temporary file, fsynced, renamed), so a partial or damaged download
 * never sits under the real name.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <pacta/documents.h>

#include "ctl.h"

#define WINDOW 8   /* chunks in flight */
#define ATTEMPTS 6 /* connections an upload may use */
#define HASH_BUF (1 << 20)

static const char usage_text[] =
    "Usage: pactactl documents list CONTRACT [--all] [--json]\n"
    "       pactactl documents upload CONTRACT FILE [--name NAME]\n"
    "       pactactl documents download ID [-o FILE]\n"
    "       pactactl documents delete ID\n"
    "Files attached to a contract.  `list` shows its documents (--all: deleted ones\n"
    "too).  `upload` attaches FILE (its name unless --name); an interrupted upload\n"
    "resumes from what the server received, automatically or by running the same\n"
    "command again.  `download` saves a document as -o FILE (default: its name, in\n"
    "the current directory, never over an existing file), checking its SHA-256.\n"
    "Uploading and deleting need the editor role.\n";

/* ---- progress ------------------------------------------------------------------ */

static void bar(const char *what, int64_t done, int64_t total)
{
    static int last = -1;
    if (!isatty(2))
        return;
    int pct = total ? (int)(done * 100 / total) : 100;
    if (pct == last)
        return;
    last = pct;
    fprintf(stderr, "\r%-10s [", what);
    for (int i = 0; i < 25; i++)
        fputc(i < pct / 4 ? '#' : '.', stderr);
    fprintf(stderr, "] %3d%%", pct);
    fflush(stderr);
}

static void bar_end(void)
{
    if (isatty(2))
        fputs("\r\033[K", stderr);
}

static void hex32(const uint8_t *md, char out[65])
{
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* ---- list / delete --------------------------------------------------------------- */

static int cmd_list(const struct ctl_global *g, const char *contract, int all, int as_json)
{
    struct ctl_client *c;
    json_t *r;
    int rc = ctl__session_open(g, &c);
    if (rc)
        return rc;
    rc = ctl__request(c, "documents.list",
                      json_pack("{s:s, s:b}", "contract_id", contract, "include_deleted", all), &r);
    if (rc == 0) {
        size_t i;
        json_t *d;
        if (!as_json)
            printf("%-36s  %10s  %-16s  %-24s  %-12s  %s\n", "ID", "SIZE", "TYPE", "UPLOADED", "BY",
                   "NAME");
        json_array_foreach(json_object_get(r, "items"), i, d)
        {
            if (as_json) {
                ctl__print_json(d, 0);
                continue;
            }
            const char *mime = json_string_value(json_object_get(d, "mime"));
            const char *slash = mime ? strrchr(mime, '.') : NULL; /* vnd.* types are long */
            printf("%-36s  %10lld  ", json_string_value(json_object_get(d, "id")),
                   (long long)json_integer_value(json_object_get(d, "size")));
            ctl__print_cell(slash && strlen(mime) > 16 ? slash + 1 : mime, 16, 0);
            printf("  %-24s  ", json_string_value(json_object_get(d, "uploaded_at")));
            ctl__print_cell(json_string_value(json_object_get(d, "uploaded_by")), 12, 0);
            printf("  %s%s\n", json_string_value(json_object_get(d, "name")),
                   json_is_null(json_object_get(d, "deleted_at")) ? "" : " (deleted)");
        }
        fflush(stdout);
        json_decref(r);
    }
    ctl__session_close(c);
    return rc;
}

static int cmd_delete(const struct ctl_global *g, const char *id)
{
    struct ctl_client *c;
    json_t *r;
    int rc = ctl__session_open(g, &c);
    if (rc)
        return rc;
    if ((rc = ctl__request(c, "documents.delete", json_pack("{s:s}", "id", id), &r)) == 0) {
        ctl__print_json(json_object_get(r, "document"), 1);
        json_decref(r);
    }
    ctl__session_close(c);
    return rc;
}

/* ---- upload ------------------------------------------------------------------------ */

struct upload {
    const char *contract, *name, *path;
    int fd;
    int64_t size;
    char sha[65];
    char id[40];
    int64_t received;
};

static int hash_fd(int fd, char out[65], int64_t *size)
{
    uint8_t *buf = malloc(HASH_BUF), md[32];
    unsigned n = 0;
    EVP_MD_CTX *h = EVP_MD_CTX_new();
    ssize_t got;
    *size = 0;
    EVP_DigestInit_ex(h, EVP_sha256(), NULL);
    while ((got = read(fd, buf, HASH_BUF)) > 0) {
        EVP_DigestUpdate(h, buf, (size_t)got);
        *size += got;
    }
    EVP_DigestFinal_ex(h, md, &n);
    EVP_MD_CTX_free(h);
    free(buf);
    hex32(md, out);
    return got < 0 ? -1 : 0;
}

/* 1 if an error answer means "go on from the server's received": it has
 * another offset (a conflict), or the chunk was damaged on the way;
 * otherwise prints it and returns 0 (final). */
static int chunk_error(const json_t *e, int64_t *received)
{
    const char *code = json_string_value(json_object_get(e, "code")) ?: "error";
    const char *field = json_string_value(json_object_get(e, "field")) ?: "";
    const json_t *r = json_object_get(e, "received");
    if (json_is_integer(r) && (strcmp(code, "conflict") == 0 || (strcmp(code, "bad_request") == 0 &&
                                                                 strcmp(field, "sha256") == 0))) {
        *received = json_integer_value(r);
        return 1;
    }
    ctl__errorf("%s: %s", code, json_string_value(json_object_get(e, "message")) ?: "");
    return 0;
}

/*
 * Sends the file from u->received on, WINDOW chunks in flight, answers
 * matched by id.  0 when everything was received; 1 to begin again (the
 * server's received differs, or an answer refused a chunk); CTL_EXIT_* on
 * a final error or a lost connection (CTL_EXIT_CONNECT: try another one).
 */
static int send_chunks(struct ctl_client *c, struct upload *u)
{
    struct ctl_ws *ws = ctl_client_ws(c);
    uint8_t *buf = malloc(PACTA_DOC_CHUNK_MAX), md[32];
    char *text = malloc(PACTA_BASE64_ENCODED_LEN(PACTA_DOC_CHUNK_MAX) + 1), sha[65], rid[32];
    int64_t next = u->received, acked = u->received;
    int inflight = 0, rc = 0, again = 0;

    while (acked < u->size) {
        while (!again && inflight < WINDOW && next < u->size) {
            size_t n = (size_t)(u->size - next < PACTA_DOC_CHUNK_MAX ? u->size - next
                                                                     : PACTA_DOC_CHUNK_MAX);
            if (pread(u->fd, buf, n, (off_t)next) != (ssize_t)n) {
                ctl__errorf("%s: read: %s", u->path, strerror(errno));
                rc = CTL_EXIT_USAGE;
                goto out;
            }
            unsigned mdl = 0;
            EVP_Digest(buf, n, md, &mdl, EVP_sha256(), NULL);
            hex32(md, sha);
            pacta_base64_encode(buf, n, text);
            snprintf(rid, sizeof rid, "chunk-%lld", (long long)next);
            json_t *req = json_pack("{s:s, s:s, s:{s:s, s:I, s:s, s:s}}", "id", rid, "op",
                                    "documents.upload.chunk", "args", "upload_id", u->id, "offset",
                                    (json_int_t)next, "data", text, "sha256", sha);
            char *frame = json_dumps(req, JSON_COMPACT);
            json_decref(req);
            int sent = ctl_ws_send_text(ws, frame, strlen(frame));
            free(frame);
            if (sent != 0) {
                rc = CTL_EXIT_CONNECT;
                goto out;
            }
            next += (int64_t)n;
            inflight++;
        }
        if (inflight == 0)
            break; /* refused: begin again */
        char *msg = NULL;
        size_t len = 0;
        int got = ctl_ws_recv(ws, CTL_REQUEST_TIMEOUT_MS, &msg, &len);
        if (got != 1) {
            rc = CTL_EXIT_CONNECT;
            goto out;
        }
        json_t *m = json_loadb(msg, len, 0, NULL);
        free(msg);
        const char *id = json_string_value(json_object_get(m, "id"));
        if (!json_object_get(m, "ok") || !id || strncmp(id, "chunk-", 6) != 0) {
            json_decref(m); /* an event, or not ours */
            continue;
        }
        inflight--;
        if (json_is_true(json_object_get(m, "ok"))) {
            int64_t r =
                json_integer_value(json_object_get(json_object_get(m, "result"), "received"));
            if (r > acked)
                acked = r;
            bar("upload", acked, u->size);
        } else if (!again) {
            int64_t r = acked;
            if (chunk_error(json_object_get(m, "error"), &r)) {
                again = 1; /* the rest in flight will be refused too: drain them */
                u->received = r;
            } else {
                rc = CTL_EXIT_SERVER;
                again = 1;
            }
        }
        json_decref(m);
    }
    if (!rc && again)
        rc = 1;
    if (!rc)
        u->received = acked;
out:
    free(buf);
    free(text);
    return rc;
}

/* One connection's worth of the upload: begin, chunks, finish.  0 done,
 * CTL_EXIT_CONNECT to retry on another connection, else final. */
static int upload_once(const struct ctl_global *g, struct upload *u, json_t **doc)
{
    struct ctl_client *c;
    json_t *r = NULL;
    int rc = ctl__session_open(g, &c);
    if (rc)
        return rc;
    for (int rounds = 0; rounds < 100; rounds++) {
        rc = ctl__request(c, "documents.upload.begin",
                          json_pack("{s:s, s:s, s:I, s:s}", "contract_id", u->contract, "name",
                                    u->name, "size", (json_int_t)u->size, "sha256", u->sha),
                          &r);
        if (rc)
            break;
        snprintf(u->id, sizeof u->id, "%s", json_string_value(json_object_get(r, "upload_id")));
        int64_t had = u->received;
        u->received = json_integer_value(json_object_get(r, "received"));
        json_decref(r);
        if (u->received > 0 && rounds == 0 && had == 0 && isatty(2))
            fprintf(stderr, "pactactl: resuming: the server has %lld of %lld bytes\n",
                    (long long)u->received, (long long)u->size);
        rc = send_chunks(c, u);
        if (rc == 1)
            continue;
        if (rc)
            break;
        rc = ctl__request(c, "documents.upload.finish", json_pack("{s:s}", "upload_id", u->id), &r);
        if (rc == 0) {
            *doc = json_incref(json_object_get(r, "document"));
            json_decref(r);
        }
        break;
    }
    bar_end();
    if (rc == CTL_EXIT_CONNECT)
        rc = ctl__report_lost(c);
    ctl__session_close(c);
    return rc;
}

static int cmd_upload(const struct ctl_global *g, const char *contract, const char *path,
                      const char *name)
{
    struct upload u = {.contract = contract, .path = path, .fd = -1};
    json_t *doc = NULL;
    int rc;
    if ((u.fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        ctl__errorf("%s: %s", path, strerror(errno));
        return CTL_EXIT_USAGE;
    }
    if (hash_fd(u.fd, u.sha, &u.size) != 0) {
        ctl__errorf("%s: read: %s", path, strerror(errno));
        close(u.fd);
        return CTL_EXIT_USAGE;
    }
    const char *slash = strrchr(path, '/');
    u.name = name ? name : slash ? slash + 1 : path;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        if (attempt) {
            fprintf(stderr, "pactactl: connection lost; resuming the upload (attempt %d of %d)\n",
                    attempt + 1, ATTEMPTS);
            sleep(attempt < 3 ? (unsigned)attempt : 3u);
        }
        if ((rc = upload_once(g, &u, &doc)) != CTL_EXIT_CONNECT)
            break;
    }
    close(u.fd);
    if (rc == 0) {
        ctl__print_json(doc, 1);
        json_decref(doc);
    }
    return rc;
}

/* ---- download ------------------------------------------------------------------------ */

static int cmd_download(const struct ctl_global *g, const char *id, const char *out_path)
{
    struct ctl_client *c;
    json_t *r = NULL;
    char tmp[4200] = "", sha[65], dest[4096];
    uint8_t *buf = malloc(PACTA_DOC_DOWNLOAD_MAX), md[32];
    unsigned mdl = 0;
    EVP_MD_CTX *h = EVP_MD_CTX_new();
    int fd = -1, rc = ctl__session_open(g, &c);
    int64_t size, done = 0;

    if (rc)
        goto done;
    if ((rc = ctl__request(c, "documents.get", json_pack("{s:s}", "id", id), &r)) != 0)
        goto out;
    json_t *doc = json_object_get(r, "document");
    size = json_integer_value(json_object_get(doc, "size"));
    const char *name = json_string_value(json_object_get(doc, "name"));
    /* without -o, the server's name is used only if it is a plain file name
     * as the protocol allows one (no directory of its own, no "..") */
    if (!out_path && !pacta_valid_doc_name(name)) {
        ctl__errorf("the server named the document \"%.100s\", not a plain file name: choose "
                    "one with -o FILE",
                    name ? name : "");
        rc = CTL_EXIT_SERVER;
        goto out;
    }
    snprintf(dest, sizeof dest, "%s", out_path ? out_path : name);
    if (!out_path && access(dest, F_OK) == 0) {
        ctl__errorf("%s exists: choose another name with -o FILE", dest);
        rc = CTL_EXIT_USAGE;
        goto out;
    }
    const char *slash = strrchr(dest, '/');
    /* DIR/.NAME.part-XXXXXX: same file system, so the rename is atomic */
    snprintf(tmp, sizeof tmp, "%.*s.%s.part-XXXXXX", slash ? (int)(slash - dest + 1) : 0, dest,
             slash ? slash + 1 : dest);
    if ((fd = ctl__tmpfile_make(tmp)) < 0) {
        ctl__errorf("cannot write next to %s: %s", dest, strerror(errno));
        tmp[0] = '\0';
        rc = CTL_EXIT_USAGE;
        goto out;
    }
    EVP_DigestInit_ex(h, EVP_sha256(), NULL);
    for (;;) {
        json_t *piece = NULL;
        if ((rc = ctl__request(c, "documents.download",
                               json_pack("{s:s, s:I, s:i}", "id", id, "offset", (json_int_t)done,
                                         "length", PACTA_DOC_DOWNLOAD_MAX),
                               &piece)) != 0)
            goto out;
        const char *data = json_string_value(json_object_get(piece, "data"));
        size_t n = 0;
        if (!data ||
            pacta_base64_decode(data, strlen(data), buf, PACTA_DOC_DOWNLOAD_MAX, &n) != 0 ||
            write(fd, buf, n) != (ssize_t)n) {
            ctl__errorf("download failed: %s", data ? strerror(errno) : "bad answer");
            json_decref(piece);
            rc = CTL_EXIT_SERVER;
            goto out;
        }
        EVP_DigestUpdate(h, buf, n);
        done += (int64_t)n;
        bar("download", done, size);
        int eof = json_is_true(json_object_get(piece, "eof"));
        json_decref(piece);
        if (eof)
            break;
    }
    bar_end();
    EVP_DigestFinal_ex(h, md, &mdl);
    hex32(md, sha);
    if (done != size || strcmp(sha, json_string_value(json_object_get(doc, "sha256")) ?: "")) {
        ctl__errorf("the download does not match the document (%lld of %lld bytes, sha256 %s): "
                    "nothing was saved",
                    (long long)done, (long long)size, sha);
        rc = CTL_EXIT_SERVER;
        goto out;
    }
    if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, dest) != 0) {
        fd = -1;
        ctl__errorf("cannot save %s: %s", dest, strerror(errno));
        rc = CTL_EXIT_USAGE;
        goto out;
    }
    fd = -1;
    tmp[0] = '\0';
    fprintf(stderr, "pactactl: saved %s (%lld bytes, sha256 checked)\n", dest, (long long)size);
out:
    bar_end();
    if (fd >= 0)
        close(fd);
    if (tmp[0])
        unlink(tmp);
    ctl__tmpfile_disarm();
    json_decref(r);
    ctl__session_close(c);
done:
    EVP_MD_CTX_free(h);
    free(buf);
    return rc;
}

/* ---- command ----------------------------------------------------------------------------- */

int ctl__cmd_documents(const struct ctl_global *g, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : NULL, *args[2] = {NULL, NULL};
    const char *name = NULL, *out = NULL;
    int nargs = 0, all = 0, as_json = 0;

    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage_text, stdout);
            return CTL_EXIT_OK;
        } else if (strcmp(a, "--all") == 0) {
            all = 1;
        } else if (strcmp(a, "--json") == 0) {
            as_json = 1;
        } else if (strcmp(a, "--name") == 0 || strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            if (i + 1 >= argc) {
                ctl__errorf("%s needs a value", a);
                return CTL_EXIT_USAGE;
            }
            *(strcmp(a, "--name") == 0 ? &name : &out) = argv[++i];
        } else if (a[0] != '-' && nargs < 2) {
            args[nargs++] = a;
        } else {
            fputs(usage_text, stderr);
            return CTL_EXIT_USAGE;
        }
    }
    if (!sub || strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        fputs(usage_text, sub ? stdout : stderr);
        return sub ? CTL_EXIT_OK : CTL_EXIT_USAGE;
    }
    if (strcmp(sub, "list") == 0 && nargs == 1)
        return cmd_list(g, args[0], all, as_json);
    if (strcmp(sub, "upload") == 0 && nargs == 2)
        return cmd_upload(g, args[0], args[1], name);
    if (strcmp(sub, "download") == 0 && nargs == 1)
        return cmd_download(g, args[0], out);
    if (strcmp(sub, "delete") == 0 && nargs == 1)
        return cmd_delete(g, args[0]);
    fputs(usage_text, stderr);
    return CTL_EXIT_USAGE;
}
