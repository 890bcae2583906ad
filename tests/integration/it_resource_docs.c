/*
 * it_resource_docs: a document upload whose finish meets a full data disk
 * (PROTOCOL.md §6.37, §11 `unavailable`: try again later) keeps the
 * upload, so finishing again once room is made attaches the document
 * without sending the file again.
 *
 * pactad's data directory is a 24 MB tmpfs (root only: the test says it
 * skipped otherwise), --min-free-mb 0.  Every byte of eight 200 KB files
 * is received, then the disk is filled and the database's log grown until
 * a contract is refused, and the uploads are finished until one's row
 * cannot commit: that finish is refused with `unavailable`; with the room
 * back, finishing it again attaches the very bytes (it answered not_found:
 * the upload was gone, its bytes moved to the store and collected, and the
 * user had to upload it all again).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "it_documents_util.h"
#include "test.h"

#define DOC_LEN (200 * 1024)
#define CANDIDATES 8

static char big_text[10001];

/* Contracts with a description of `len` until one is refused: the
 * database's log has no room left for one.  1 when one was refused. */
static int exhaust_db(struct ctl_client *c, size_t len)
{
    static int n;
    big_text[len] = '\0';
    for (int i = 0; i < 3000; i++) {
        char number[64];
        snprintf(number, sizeof number, "FULL-%05d", n++);
        json_t *err = NULL;
        json_t *r = it_call(c, "contracts.create",
                            json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "number", number, "title",
                                      "Disk full", "counterparty", "ACME", "kind", "client",
                                      "currency", "EUR", "description", big_text),
                            &err);
        json_decref(r);
        int refused = !r && strcmp(it_err_code(err), "unavailable") == 0;
        json_decref(err);
        if (!r) {
            big_text[len] = 'x';
            return refused;
        }
    }
    return 0;
}

int main(void)
{
    char data[640], filler[700];
    memset(big_text, 'x', sizeof big_text - 1);
    it_setup("it_resource_docs");
    snprintf(data, sizeof data, "%s/srv0", it_tmp_dir());
    if (it_mount_tmpfs(data, "24m") != 0)
        return it_skipped();
    const char *args[] = {"--min-free-mb", "0", NULL};
    struct it_server *s = it_server_start(args);
    it_create_role_users(s);
    struct ctl_client *ed = it_login(s, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    json_t *k = it_contract_create(ed, NULL);
    REQUIRE(k);
    /* several uploads received whole: the first finish whose row does not
     * fit is the one looked at (a small row may still fit in the log's
     * last room, then that document is attached, whole) */
    uint8_t *cand[CANDIDATES];
    char uploads[CANDIDATES][40];
    for (int i = 0; i < CANDIDATES; i++) {
        cand[i] = doc_png_bytes(DOC_LEN, 7 + (unsigned)i);
        json_t *b = doc_begin(ed, it_str(k, "id"), "scan.png", cand[i], DOC_LEN, NULL, NULL);
        REQUIRE(b);
        snprintf(uploads[i], sizeof uploads[i], "%s", it_str(b, "upload_id"));
        json_decref(b);
        REQUIRE(doc_send(ed, uploads[i], cand[i], 0, DOC_LEN, PACTA_DOC_CHUNK_MAX) == 0);
    }

    it_fill_disk(data, 128 * 1024, filler, sizeof filler);
    REQUIRE(exhaust_db(ed, 10000) && exhaust_db(ed, 1000) && exhaust_db(ed, 10));
    json_t *err = NULL, *f = NULL;
    int refused = -1, attached = 0;
    for (int i = 0; i < CANDIDATES && refused < 0; i++) {
        err = NULL;
        f = it_call(ed, "documents.upload.finish", json_pack("{s:s}", "upload_id", uploads[i]),
                    &err);
        if (f) {
            attached++;
            json_decref(f);
            continue;
        }
        refused = i;
    }
    fprintf(stderr, "%d finishes attached on a full disk before one was refused\n", attached);
    REQUIRE(refused >= 0);
    const char *msg = json_string_value(json_object_get(err, "message"));
    fprintf(stderr, "finish on a full disk: %s %s\n", it_err_code(err), msg ? msg : "");
    CHECKF(strcmp(it_err_code(err), "unavailable") == 0, "finish on a full disk: %s",
           it_err_code(err));
    /* the error says the bytes are kept */
    CHECKF(it_int(err, "received") == DOC_LEN, "received in the error: %lld",
           (long long)it_int(err, "received"));
    json_decref(err);
    char upload[40];
    snprintf(upload, sizeof upload, "%s", uploads[refused]);
    uint8_t *bytes = cand[refused];

    /* room again: finishing again attaches the bytes already received */
    REQUIRE(unlink(filler) == 0);
    err = NULL;
    f = it_call(ed, "documents.upload.finish", json_pack("{s:s}", "upload_id", upload), &err);
    CHECKF(f != NULL, "finish again once room was made: %s", f ? "" : it_err_code(err));
    json_decref(err);
    const json_t *doc = json_object_get(f, "document");
    if (doc) {
        size_t got_len = 0;
        uint8_t *got = doc_download(ed, it_str(doc, "id"), 65536, &got_len, NULL);
        CHECK(got && got_len == DOC_LEN && memcmp(got, bytes, DOC_LEN) == 0);
        free(got);
    }
    json_decref(f);
    json_t *list =
        it_call(ed, "documents.list", json_pack("{s:s}", "contract_id", it_str(k, "id")), NULL);
    CHECKF(list && json_array_size(json_object_get(list, "items")) == (size_t)attached + 1,
           "documents: %zu", list ? json_array_size(json_object_get(list, "items")) : 0);
    json_decref(list);
    /* the upload is finished now: nothing of it is left to finish */
    err = NULL;
    f = it_call(ed, "documents.upload.finish", json_pack("{s:s}", "upload_id", upload), &err);
    CHECK(!f && strcmp(it_err_code(err), "not_found") == 0);
    json_decref(f);
    json_decref(err);

    /* chunks meeting a full disk: refused with what the upload has, and
     * nothing half-written in it; with room again the upload goes on from
     * there (a begin of the same file says where) */
    uint8_t *bytes2 = doc_png_bytes(4 * DOC_LEN, 11);
    json_t *b = doc_begin(ed, it_str(k, "id"), "big.png", bytes2, 4 * DOC_LEN, NULL, NULL);
    REQUIRE(b);
    snprintf(upload, sizeof upload, "%s", it_str(b, "upload_id"));
    json_decref(b);
    it_fill_disk(data, 300 * 1024, filler, sizeof filler);
    size_t off = 0;
    json_t *r = NULL;
    err = NULL;
    while (off < 4 * DOC_LEN) {
        size_t n =
            4 * DOC_LEN - off < PACTA_DOC_CHUNK_MAX ? 4 * DOC_LEN - off : PACTA_DOC_CHUNK_MAX;
        if (!(r = doc_chunk(ed, upload, bytes2, off, n, 0, &err)))
            break;
        off += n;
        json_decref(r);
    }
    CHECKF(!r && strcmp(it_err_code(err), "unavailable") == 0 &&
               it_int(err, "received") == (json_int_t)off,
           "a chunk on a full disk at %zu: %s, received %lld", off,
           r ? "written" : it_err_code(err), (long long)it_int(err, "received"));
    json_decref(err);
    REQUIRE(unlink(filler) == 0);
    b = doc_begin(ed, it_str(k, "id"), "big.png", bytes2, 4 * DOC_LEN, NULL, NULL);
    CHECKF(b && it_int(b, "received") == (json_int_t)off, "begin again: received %lld of %zu",
           b ? (long long)it_int(b, "received") : -1LL, off);
    json_decref(b);
    CHECK(doc_send(ed, upload, bytes2, off, 4 * DOC_LEN, PACTA_DOC_CHUNK_MAX) == 0);
    f = it_call(ed, "documents.upload.finish", json_pack("{s:s}", "upload_id", upload), NULL);
    doc = json_object_get(f, "document");
    CHECK(doc != NULL);
    if (doc) {
        size_t got_len = 0;
        uint8_t *got = doc_download(ed, it_str(doc, "id"), 65536, &got_len, NULL);
        CHECK(got && got_len == 4 * DOC_LEN && memcmp(got, bytes2, 4 * DOC_LEN) == 0);
        free(got);
    }
    json_decref(f);
    free(bytes2);

    for (int i = 0; i < CANDIDATES; i++)
        free(cand[i]);
    json_decref(k);
    ctl_client_close(ed);
    CHECK(it_server_stop(s) == 0);
    it_unmount_tmpfs();
    return it_done(test_summary());
}
