/*
 * it_documents: documents attached to contracts, against a real pactad
 * (PROTOCOL.md "Documents").
 *
 *  1. a multi-chunk binary file with every byte value and a PDF round-trip
 *     byte for byte (downloaded in pieces of several sizes), with their
 *     sniffed types; the content is stored once, under its SHA-256;
 *  2. another subscriber gets document.added and document.removed, and a
 *     replay from 0 finds them too;
 *  3. a corrupted chunk (wrong checksum), a chunk at the wrong offset and
 *     one past the declared size are refused with the current `received`,
 *     and nothing was appended: the upload goes on and finishes intact;
 *  4. a wrong whole-file sha256 and a type the server does not accept are
 *     refused at finish and the upload is discarded; a declared type it
 *     does not accept and a size over the limit are refused at begin;
 *  5. a viewer cannot upload or delete but can list and download; an
 *     upload is its uploader's only;
 *  6. deleting hides the document from the list (include_deleted shows
 *     it), download answers not_found, and the content leaves the store
 *     only when no live document refers to it;
 *  7. chunks sent without waiting (pipelined) are appended in order;
 *  8. bad arguments: unknown contract, bad offsets, unknown ids.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "it_documents_util.h"
#include "test.h"

#define MAX_BYTES 400000

static struct it_server *srv;
static struct ctl_client *ed, *vi, *watcher;
static char contract[40];

static int blob_exists(const char *sha)
{
    char path[1024];
    struct stat st;
    snprintf(path, sizeof path, "%s/documents/%.2s/%s", srv->data_dir, sha, sha + 2);
    return stat(path, &st) == 0;
}

/* Waits up to 5 s for the content's file to go (the collection runs in
 * the pool after the delete's answer). */
static int blob_gone(const char *sha)
{
    for (int i = 0; i < 100; i++) {
        if (!blob_exists(sha))
            return 1;
        usleep(50 * 1000);
    }
    return 0;
}

static void check_roundtrip(const char *what, const json_t *doc, const uint8_t *data, size_t len)
{
    static const size_t pieces[] = {PACTA_DOC_DOWNLOAD_DEFAULT, 1, 4096, 100000,
                                    PACTA_DOC_DOWNLOAD_MAX};
    char sha[65];
    doc_sha256(data, len, sha);
    CHECK_STR(it_str(doc, "sha256"), sha);
    CHECK(it_int(doc, "size") == (json_int_t)len);
    for (size_t p = 0; p < sizeof pieces / sizeof pieces[0]; p++) {
        if (pieces[p] == 1 && len > 5000)
            continue; /* one request per byte: only for small files */
        size_t got = 0;
        uint8_t *back = doc_download(vi, it_str(doc, "id"), pieces[p], &got, NULL);
        CHECKF(back && got == len && memcmp(back, data, len) == 0,
               "%s: download in pieces of %zu: %zu bytes, want %zu", what, pieces[p], got, len);
        free(back);
    }
}

static void test_roundtrip(void)
{
    size_t n = 5 * PACTA_DOC_CHUNK_MAX + 777; /* six chunks, the last one short */
    uint8_t *bin = doc_png_bytes(n, 1);
    int values[256] = {0}, distinct = 0;
    for (size_t i = 0; i < n; i++)
        distinct += values[bin[i]]++ == 0;
    CHECK(distinct == 256);
    json_t *doc = doc_upload(ed, contract, "scan 1.png", bin, n);
    REQUIRE(doc);
    CHECK_STR(it_str(doc, "mime"), "image/png");
    CHECK_STR(it_str(doc, "name"), "scan 1.png");
    CHECK_STR(it_str(doc, "contract_id"), contract);
    CHECK_STR(it_str(doc, "uploaded_by"), IT_EDITOR_USER);
    CHECK(json_is_null(json_object_get(doc, "deleted_at")));
    CHECK(blob_exists(it_str(doc, "sha256")));
    check_roundtrip("png", doc, bin, n);

    json_t *ev = it_wait_event(watcher, "document.added", IT_TIMEOUT_MS, NULL);
    CHECK(ev && json_equal(json_object_get(json_object_get(ev, "data"), "document"), doc));
    CHECK(ev && strcmp(it_str(json_object_get(ev, "data"), "actor"), IT_EDITOR_USER) == 0);
    json_decref(ev);

    size_t pl;
    char *pdf = doc_pdf_bytes(&pl, "Contrato firmado");
    json_t *pdoc = doc_upload(ed, contract, "Contrato firmado (ñ).pdf", pdf, pl);
    REQUIRE(pdoc);
    CHECK_STR(it_str(pdoc, "mime"), "application/pdf");
    CHECK_STR(it_str(pdoc, "name"), "Contrato firmado (ñ).pdf");
    check_roundtrip("pdf", pdoc, (const uint8_t *)pdf, pl);
    json_decref(it_wait_event(watcher, "document.added", IT_TIMEOUT_MS, NULL));

    /* documents.get; the list in upload order */
    json_t *g = it_call(vi, "documents.get", json_pack("{s:s}", "id", it_str(pdoc, "id")), NULL);
    CHECK(g && json_equal(json_object_get(g, "document"), pdoc));
    json_decref(g);
    json_t *l = it_call(vi, "documents.list", json_pack("{s:s}", "contract_id", contract), NULL);
    json_t *items = l ? json_object_get(l, "items") : NULL;
    CHECK(json_array_size(items) == 2);
    CHECK(json_equal(json_array_get(items, 0), doc) && json_equal(json_array_get(items, 1), pdoc));
    json_decref(l);

    /* the same bytes again (another name): a second document, one content */
    json_t *again = doc_upload(ed, contract, "copy.png", bin, n);
    CHECK(again && strcmp(it_str(again, "sha256"), it_str(doc, "sha256")) == 0 &&
          strcmp(it_str(again, "id"), it_str(doc, "id")) != 0);
    json_decref(it_wait_event(watcher, "document.added", IT_TIMEOUT_MS, NULL));

    /* 6. delete: hidden, not downloadable; the content stays while the
     * copy refers to it, and goes with the last one */
    json_t *d = it_call(ed, "documents.delete", json_pack("{s:s}", "id", it_str(doc, "id")), NULL);
    CHECK(d && json_is_string(json_object_get(json_object_get(d, "document"), "deleted_at")));
    json_decref(d);
    ev = it_wait_event(watcher, "document.removed", IT_TIMEOUT_MS, NULL);
    CHECK(ev && strcmp(it_str(json_object_get(json_object_get(ev, "data"), "document"), "id"),
                       it_str(doc, "id")) == 0);
    json_decref(ev);
    l = it_call(vi, "documents.list", json_pack("{s:s}", "contract_id", contract), NULL);
    CHECK(l && json_array_size(json_object_get(l, "items")) == 2);
    json_decref(l);
    l = it_call(vi, "documents.list",
                json_pack("{s:s, s:b}", "contract_id", contract, "include_deleted", 1), NULL);
    CHECK(l && json_array_size(json_object_get(l, "items")) == 3);
    json_decref(l);
    json_t *err =
        it_call_err(vi, "documents.download", json_pack("{s:s}", "id", it_str(doc, "id")));
    CHECK_STR(it_err_code(err), "not_found");
    json_decref(err);
    err = it_call_err(ed, "documents.delete", json_pack("{s:s}", "id", it_str(doc, "id")));
    CHECK_STR(it_err_code(err), "not_found");
    json_decref(err);
    usleep(300 * 1000);
    CHECK(blob_exists(it_str(doc, "sha256")));
    check_roundtrip("copy", again, bin, n);
    d = it_call(ed, "documents.delete", json_pack("{s:s}", "id", it_str(again, "id")), NULL);
    CHECK(d != NULL);
    json_decref(d);
    CHECK(blob_gone(it_str(doc, "sha256")));
    CHECK(blob_exists(it_str(pdoc, "sha256")));
    json_decref(it_wait_event(watcher, "document.removed", IT_TIMEOUT_MS, NULL));

    /* a replay from the start has them all, in order */
    struct ctl_client *late = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    json_decref(it_call(late, "subscribe", json_pack("{s:i}", "since", 0), NULL));
    int added = 0, removed = 0;
    while ((ev = it_wait_event(late, NULL, 1000, NULL))) {
        added += strcmp(it_str(ev, "event"), "document.added") == 0;
        removed += strcmp(it_str(ev, "event"), "document.removed") == 0;
        json_decref(ev);
    }
    CHECK(added == 3 && removed == 2);
    ctl_client_close(late);

    json_decref(again);
    json_decref(doc);
    json_decref(pdoc);
    free(pdf);
    free(bin);
}

static void test_bad_chunks(void)
{
    size_t n = 3 * PACTA_DOC_CHUNK_MAX;
    uint8_t *bin = doc_png_bytes(n, 7);
    json_t *b = doc_begin(ed, contract, "chunks.png", bin, n, NULL, NULL);
    REQUIRE(b);
    char id[40];
    snprintf(id, sizeof id, "%s", it_str(b, "upload_id"));
    CHECK(it_int(b, "received") == 0 && it_int(b, "size") == (json_int_t)n);
    json_decref(b);
    REQUIRE(doc_send(ed, id, bin, 0, PACTA_DOC_CHUNK_MAX, PACTA_DOC_CHUNK_MAX) == 0);

    /* damaged on the way: refused, nothing appended */
    json_t *err = NULL, *r = doc_chunk(ed, id, bin, PACTA_DOC_CHUNK_MAX, 1000, 1, &err);
    CHECK(!r);
    CHECK_STR(it_err_code(err), "bad_request");
    CHECK_STR(it_err_field(err), "sha256");
    CHECK(it_int(err, "received") == PACTA_DOC_CHUNK_MAX);
    json_decref(err);
    /* the wrong offset: a gap, and a repeat */
    r = doc_chunk(ed, id, bin, PACTA_DOC_CHUNK_MAX + 10, 100, 0, &err);
    CHECK(!r && strcmp(it_err_code(err), "conflict") == 0 &&
          strcmp(it_err_field(err), "offset") == 0 &&
          it_int(err, "received") == PACTA_DOC_CHUNK_MAX);
    json_decref(err);
    r = doc_chunk(ed, id, bin, 0, 100, 0, &err);
    CHECK(!r && strcmp(it_err_code(err), "conflict") == 0);
    json_decref(err);
    /* past the declared size: refused, nothing appended */
    uint8_t *longer = doc_png_bytes(n + 10, 7);
    REQUIRE(doc_send(ed, id, longer, PACTA_DOC_CHUNK_MAX, n - 5, PACTA_DOC_CHUNK_MAX) == 0);
    r = doc_chunk(ed, id, longer, n - 5, 15, 0, &err);
    CHECK(!r && strcmp(it_err_code(err), "bad_request") == 0 &&
          strcmp(it_err_field(err), "data") == 0 && it_int(err, "received") == (json_int_t)n - 5);
    json_decref(err);
    /* finish before the end: refused, the upload stays */
    err = it_call_err(ed, "documents.upload.finish", json_pack("{s:s}", "upload_id", id));
    CHECK_STR(it_err_code(err), "bad_request");
    CHECK_STR(it_err_field(err), "upload_id");
    CHECK(it_int(err, "received") == (json_int_t)n - 5);
    json_decref(err);
    /* begin again: the bytes so far */
    b = doc_begin(ed, contract, "chunks.png", bin, n, NULL, NULL);
    CHECK(b && strcmp(it_str(b, "upload_id"), id) == 0 &&
          it_int(b, "received") == (json_int_t)n - 5);
    json_decref(b);
    REQUIRE(doc_send(ed, id, bin, n - 5, n, PACTA_DOC_CHUNK_MAX) == 0);
    json_t *f = it_call(ed, "documents.upload.finish", json_pack("{s:s}", "upload_id", id), NULL);
    REQUIRE(f);
    size_t got = 0;
    uint8_t *back =
        doc_download(vi, it_str(json_object_get(f, "document"), "id"), 70000, &got, NULL);
    CHECK(back && got == n && memcmp(back, bin, n) == 0);
    free(back);
    json_decref(f);
    /* finished: the upload is gone */
    err = it_call_err(ed, "documents.upload.finish", json_pack("{s:s}", "upload_id", id));
    CHECK_STR(it_err_code(err), "not_found");
    json_decref(err);
    free(longer);
    free(bin);
}

static void test_refusals(void)
{
    uint8_t *bin = doc_png_bytes(1000, 3);
    char other[65];
    doc_sha256("something else", 14, other);
    /* the whole file does not match its declared sha256: discarded */
    json_t *b = doc_begin(ed, contract, "wrong.png", bin, 1000, other, NULL);
    REQUIRE(b);
    char id[40];
    snprintf(id, sizeof id, "%s", it_str(b, "upload_id"));
    json_decref(b);
    REQUIRE(doc_send(ed, id, bin, 0, 1000, 400) == 0);
    json_t *err = it_call_err(ed, "documents.upload.finish", json_pack("{s:s}", "upload_id", id));
    CHECK_STR(it_err_code(err), "bad_request");
    CHECK_STR(it_err_field(err), "sha256");
    json_decref(err);
    err = it_call_err(ed, "documents.upload.chunk",
                      json_pack("{s:s, s:i, s:s}", "upload_id", id, "offset", 0, "data", "AAAA"));
    CHECK_STR(it_err_code(err), "not_found");
    json_decref(err);

    /* a type the server does not take (an executable): discarded at finish */
    uint8_t elf[600] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
    json_t *doc = doc_upload(ed, contract, "tool", elf, sizeof elf);
    CHECK(doc == NULL);
    b = doc_begin(ed, contract, "tool", elf, sizeof elf, NULL, NULL);
    REQUIRE(b);
    CHECK(it_int(b, "received") == 0); /* the refused one was discarded */
    snprintf(id, sizeof id, "%s", it_str(b, "upload_id"));
    json_decref(b);
    REQUIRE(doc_send(ed, id, elf, 0, sizeof elf, 600) == 0);
    err = it_call_err(ed, "documents.upload.finish", json_pack("{s:s}", "upload_id", id));
    CHECK_STR(it_err_code(err), "bad_request");
    CHECK_STR(it_err_field(err), "mime");
    CHECK(strstr(it_str(err, "message"), "application/octet-stream") != NULL);
    json_decref(err);
    /* a declared type it does not take, and a size over the limit: at begin */
    err =
        it_call_err(ed, "documents.upload.begin",
                    json_pack("{s:s, s:s, s:i, s:s, s:s}", "contract_id", contract, "name", "x.exe",
                              "size", 10, "sha256", other, "mime", "application/x-msdownload"));
    CHECK_STR(it_err_code(err), "bad_request");
    CHECK_STR(it_err_field(err), "mime");
    json_decref(err);
    err = it_call_err(ed, "documents.upload.begin",
                      json_pack("{s:s, s:s, s:i, s:s}", "contract_id", contract, "name", "big.pdf",
                                "size", MAX_BYTES + 1, "sha256", other));
    CHECK_STR(it_err_code(err), "too_large");
    CHECK_STR(it_err_field(err), "size");
    json_decref(err);
    b = doc_begin(ed, contract, "max.png", bin, 1000, NULL, NULL); /* at the limit is fine */
    CHECK(b != NULL);
    json_decref(b);

    /* 5. roles: a viewer reads, an editor writes; an upload is its uploader's */
    err = it_call_err(vi, "documents.upload.begin",
                      json_pack("{s:s, s:s, s:i, s:s}", "contract_id", contract, "name", "v.pdf",
                                "size", 10, "sha256", other));
    CHECK_STR(it_err_code(err), "forbidden");
    json_decref(err);
    b = doc_begin(ed, contract, "mine.png", bin, 1000, NULL, NULL);
    REQUIRE(b);
    struct ctl_client *admin = it_login_admin(srv);
    err = it_call_err(admin, "documents.upload.chunk",
                      json_pack("{s:s, s:i, s:s}", "upload_id", it_str(b, "upload_id"), "offset", 0,
                                "data", "AAAA"));
    CHECK_STR(it_err_code(err), "not_found");
    json_decref(err);
    REQUIRE(doc_send(ed, it_str(b, "upload_id"), bin, 0, 1000, 1000) == 0);
    err = it_call_err(admin, "documents.upload.finish",
                      json_pack("{s:s}", "upload_id", it_str(b, "upload_id")));
    CHECK_STR(it_err_code(err), "not_found");
    CHECK_STR(it_err_field(err), "upload_id");
    json_decref(err);
    ctl_client_close(admin);
    json_t *mine = doc_begin(ed, contract, "mine.png", bin, 1000, NULL, NULL);
    CHECK(mine && it_int(mine, "received") == 1000); /* untouched by the other user */
    json_decref(mine);
    json_decref(b);
    json_t *l = it_call(vi, "documents.list", json_pack("{s:s}", "contract_id", contract), NULL);
    json_t *first = l ? json_array_get(json_object_get(l, "items"), 0) : NULL;
    REQUIRE(first);
    err = it_call_err(vi, "documents.delete", json_pack("{s:s}", "id", it_str(first, "id")));
    CHECK_STR(it_err_code(err), "forbidden");
    json_decref(err);
    size_t got;
    uint8_t *back = doc_download(vi, it_str(first, "id"), 1 << 20, &got, NULL);
    CHECK(back && got == (size_t)it_int(first, "size"));
    free(back);

    /* 8. bad arguments */
    err = it_call_err(ed, "documents.upload.begin",
                      json_pack("{s:s, s:s, s:i, s:s}", "contract_id",
                                "0193a5f2-7c1e-7b3a-9f00-123456789abc", "name", "x.pdf", "size", 10,
                                "sha256", other));
    CHECK_STR(it_err_code(err), "not_found");
    CHECK_STR(it_err_field(err), "contract_id");
    json_decref(err);
    err = it_call_err(vi, "documents.list",
                      json_pack("{s:s}", "contract_id", "0193a5f2-7c1e-7b3a-9f00-123456789abc"));
    CHECK_STR(it_err_code(err), "not_found");
    json_decref(err);
    err = it_call_err(vi, "documents.get",
                      json_pack("{s:s}", "id", "0193a5f2-7c1e-7b3a-9f00-123456789abc"));
    CHECK_STR(it_err_code(err), "not_found");
    json_decref(err);
    err = it_call_err(
        vi, "documents.download",
        json_pack("{s:s, s:I}", "id", it_str(first, "id"), "offset", it_int(first, "size") + 1));
    CHECK_STR(it_err_code(err), "bad_request");
    CHECK_STR(it_err_field(err), "offset");
    json_decref(err);
    json_t *r = it_call(
        vi, "documents.download",
        json_pack("{s:s, s:I}", "id", it_str(first, "id"), "offset", it_int(first, "size")), NULL);
    CHECK(r && json_is_true(json_object_get(r, "eof")) && strcmp(it_str(r, "data"), "") == 0);
    json_decref(r);
    err = it_call_err(ed, "documents.upload.chunk",
                      json_pack("{s:s, s:i, s:s}", "upload_id", "0123456789abcdef0123456789abcdef",
                                "offset", 0, "data", "AAAA"));
    CHECK_STR(it_err_code(err), "not_found");
    CHECK_STR(it_err_field(err), "upload_id");
    json_decref(err);
    json_decref(l);
    free(bin);
}

/* 7. pipelined: every chunk sent before any answer is read */
static void test_pipelined(void)
{
    size_t n = 12 * PACTA_DOC_CHUNK_MAX + 5;
    uint8_t *bin = doc_png_bytes(n, 9);
    json_t *b = doc_begin(ed, contract, "fast.png", bin, n, NULL, NULL);
    REQUIRE(b);
    char id[40];
    snprintf(id, sizeof id, "%s", it_str(b, "upload_id"));
    json_decref(b);
    struct ctl_ws *ws = ctl_client_ws(ed);
    int chunks = 0;
    char *text = malloc(PACTA_BASE64_ENCODED_LEN(PACTA_DOC_CHUNK_MAX) + 1);
    for (size_t off = 0; off < n; off += PACTA_DOC_CHUNK_MAX, chunks++) {
        size_t len = n - off < PACTA_DOC_CHUNK_MAX ? n - off : PACTA_DOC_CHUNK_MAX;
        pacta_base64_encode(bin + off, len, text);
        json_t *req =
            json_pack("{s:s, s:s, s:{s:s, s:I, s:s}}", "id", "pipe", "op", "documents.upload.chunk",
                      "args", "upload_id", id, "offset", (json_int_t)off, "data", text);
        char *frame = json_dumps(req, JSON_COMPACT);
        CHECK(strlen(frame) < PACTA_MAX_MESSAGE_BYTES);
        CHECK(ctl_ws_send_text(ws, frame, strlen(frame)) == 0);
        free(frame);
        json_decref(req);
    }
    free(text);
    json_int_t last = 0;
    int ok = 0;
    for (int i = 0; i < chunks; i++) {
        char *msg = NULL;
        size_t len = 0;
        if (ctl_ws_recv(ws, IT_TIMEOUT_MS, &msg, &len) != 1)
            break;
        json_t *m = json_loadb(msg, len, 0, NULL);
        free(msg);
        json_int_t got = it_int(json_object_get(m, "result"), "received");
        ok += json_is_true(json_object_get(m, "ok")) && got > last;
        last = got;
        json_decref(m);
    }
    CHECKF(ok == chunks && last == (json_int_t)n, "%d of %d chunks in order, received %lld", ok,
           chunks, (long long)last);
    json_t *f = it_call(ed, "documents.upload.finish", json_pack("{s:s}", "upload_id", id), NULL);
    REQUIRE(f);
    size_t got = 0;
    uint8_t *back = doc_download(vi, it_str(json_object_get(f, "document"), "id"),
                                 PACTA_DOC_DOWNLOAD_MAX, &got, NULL);
    CHECK(back && got == n && memcmp(back, bin, n) == 0);
    free(back);
    json_decref(f);
    free(bin);
}

/*
 * The contract deleted under an upload: the finish is refused (not_found
 * contract_id), the content it had moved into the store is removed again
 * (no row refers to it), and the upload is gone; a begin on the deleted
 * contract is refused.  A document attached before the delete stays listed
 * and downloadable (PROTOCOL.md 6.38).
 */
static void test_contract_deleted(void)
{
    size_t n = 3000, got = 0;
    uint8_t *bin = doc_png_bytes(n, 91), *kept = doc_png_bytes(2000, 92);
    char sha[65], path[800];
    json_t *k = it_contract_create(ed, NULL);
    REQUIRE(k);
    json_t *before = doc_upload(ed, it_str(k, "id"), "before.png", kept, 2000);
    REQUIRE(before);
    json_t *b = doc_begin(ed, it_str(k, "id"), "late.png", bin, n, NULL, NULL);
    REQUIRE(b);
    REQUIRE(doc_send(ed, it_str(b, "upload_id"), bin, 0, n, PACTA_DOC_CHUNK_MAX) == 0);
    json_t *d = it_call(
        ed, "contracts.delete",
        json_pack("{s:s, s:I}", "id", it_str(k, "id"), "version", it_int(k, "version")), NULL);
    REQUIRE(d);
    json_decref(d);

    json_t *err = it_call_err(ed, "documents.upload.finish",
                              json_pack("{s:s}", "upload_id", it_str(b, "upload_id")));
    CHECK_STR(it_err_code(err), "not_found");
    CHECK_STR(it_err_field(err), "contract_id");
    json_decref(err);
    doc_sha256(bin, n, sha);
    snprintf(path, sizeof path, "%s/documents/%.2s/%s", srv->data_dir, sha, sha + 2);
    int64_t t0 = it_now_ms();
    while (access(path, F_OK) == 0 && it_now_ms() - t0 < 5000)
        usleep(20 * 1000);
    CHECKF(access(path, F_OK) != 0, "%s is still in the store", path);
    err = it_call_err(ed, "documents.upload.finish",
                      json_pack("{s:s}", "upload_id", it_str(b, "upload_id")));
    CHECK_STR(it_err_code(err), "not_found");
    CHECK_STR(it_err_field(err), "upload_id");
    json_decref(err);
    err = it_call_err(ed, "documents.upload.begin",
                      json_pack("{s:s, s:s, s:I, s:s}", "contract_id", it_str(k, "id"), "name",
                                "late.png", "size", (json_int_t)n, "sha256", sha));
    CHECK_STR(it_err_code(err), "not_found");
    CHECK_STR(it_err_field(err), "contract_id");
    CHECK(err && strstr(it_str(err, "message"), "deleted") != NULL);
    json_decref(err);

    json_t *l =
        it_call(vi, "documents.list", json_pack("{s:s}", "contract_id", it_str(k, "id")), NULL);
    CHECK(l && json_array_size(json_object_get(l, "items")) == 1);
    json_decref(l);
    uint8_t *back = doc_download(vi, it_str(before, "id"), 1 << 20, &got, NULL);
    CHECK(back && got == 2000 && memcmp(back, kept, 2000) == 0);
    free(back);
    json_decref(before);
    json_decref(b);
    json_decref(k);
    free(bin);
    free(kept);
}

/* A live document whose content is gone from the store (removed by hand,
 * a damaged disk): its download is an internal error, not a short file. */
static void test_content_missing(void)
{
    uint8_t *bin = doc_png_bytes(1500, 93);
    char sha[65], path[800];
    json_t *doc = doc_upload(ed, contract, "lost.png", bin, 1500);
    REQUIRE(doc);
    doc_sha256(bin, 1500, sha);
    snprintf(path, sizeof path, "%s/documents/%.2s/%s", srv->data_dir, sha, sha + 2);
    REQUIRE(unlink(path) == 0);
    json_t *err =
        it_call_err(vi, "documents.download", json_pack("{s:s}", "id", it_str(doc, "id")));
    CHECK_STR(it_err_code(err), "internal");
    CHECK(err && strstr(it_str(err, "message"), "cannot be read") != NULL);
    json_decref(err);
    json_t *d = it_call(ed, "documents.delete", json_pack("{s:s}", "id", it_str(doc, "id")), NULL);
    CHECK(d != NULL);
    json_decref(d);
    json_decref(doc);
    free(bin);
}

int main(void)
{
    char max[32];
    snprintf(max, sizeof max, "%d", MAX_BYTES);
    const char *args[] = {"--documents-max-bytes", max, NULL};
    it_setup("it_documents");
    srv = it_server_start(args);
    it_create_role_users(srv);
    ed = it_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    vi = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    watcher = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    json_decref(it_call(watcher, "subscribe", json_object(), NULL));
    json_t *c = it_contract_create(ed, NULL);
    REQUIRE(c);
    snprintf(contract, sizeof contract, "%s", it_str(c, "id"));
    json_decref(c);

    test_roundtrip();
    test_bad_chunks();
    test_refusals();
    test_pipelined();
    test_contract_deleted();
    test_content_missing();

    ctl_client_close(ed);
    ctl_client_close(vi);
    ctl_client_close(watcher);
    CHECK(it_server_stop(srv) == 0);
    return it_done(test_summary());
}
