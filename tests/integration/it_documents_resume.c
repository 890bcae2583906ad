/*
 * it_documents_resume: uploads survive what goes wrong between chunks.
 *
 *  1. the client's connection drops mid-upload (no close frame): a new
 *     connection that begins the same file gets the same upload and the
 *     bytes already received, sends the rest, and the document is byte for
 *     byte the file;
 *  2. the server stops mid-upload (SIGTERM) and starts again: beginning
 *     again finds the bytes received before the restart;
 *  3. an upload nobody continues is removed after --documents-upload-ttl
 *     (its files too), whether the server knew it or found it on disk at
 *     start-up; a user's unfinished uploads are capped
 *     (--documents-max-uploads), and a finished one frees its place.
 */
#include <dirent.h>
#include <unistd.h>

#include "harness.h"
#include "it_documents_util.h"
#include "test.h"

static int uploads_on_disk(const struct it_server *s)
{
    char dir[700];
    int n = 0;
    snprintf(dir, sizeof dir, "%s/documents/uploads", s->data_dir);
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

static char *new_contract(struct ctl_client *c)
{
    json_t *k = it_contract_create(c, NULL);
    REQUIRE(k);
    char *id = strdup(it_str(k, "id"));
    json_decref(k);
    return id;
}

static void finish_and_check(struct ctl_client *c, const char *id, const uint8_t *data, size_t n)
{
    json_t *f = it_call(c, "documents.upload.finish", json_pack("{s:s}", "upload_id", id), NULL);
    REQUIRE(f);
    size_t got = 0;
    uint8_t *back =
        doc_download(c, it_str(json_object_get(f, "document"), "id"), 1 << 20, &got, NULL);
    CHECKF(back && got == n && memcmp(back, data, n) == 0, "downloaded %zu bytes of %zu", got, n);
    free(back);
    json_decref(f);
}

static void test_dropped_connection(struct it_server *s)
{
    struct ctl_client *ed = it_login(s, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    char *contract = new_contract(ed);
    size_t n = 8 * PACTA_DOC_CHUNK_MAX + 3;
    uint8_t *bin = doc_png_bytes(n, 11);
    json_t *b = doc_begin(ed, contract, "signed.png", bin, n, NULL, NULL);
    REQUIRE(b);
    char id[40];
    snprintf(id, sizeof id, "%s", it_str(b, "upload_id"));
    json_decref(b);
    REQUIRE(doc_send(ed, id, bin, 0, 3 * PACTA_DOC_CHUNK_MAX, PACTA_DOC_CHUNK_MAX) == 0);
    ctl_client_abort(ed); /* the network goes away, no close frame */

    ed = it_login(s, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    b = doc_begin(ed, contract, "signed.png", bin, n, NULL, NULL);
    REQUIRE(b);
    CHECK_STR(it_str(b, "upload_id"), id);
    CHECK(it_int(b, "received") == 3 * PACTA_DOC_CHUNK_MAX);
    REQUIRE(doc_send(ed, id, bin, (size_t)it_int(b, "received"), n, PACTA_DOC_CHUNK_MAX) == 0);
    json_decref(b);
    finish_and_check(ed, id, bin, n);
    ctl_client_close(ed);
    free(bin);
    free(contract);
}

static void test_server_restart(struct it_server *s)
{
    struct ctl_client *ed = it_login(s, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    char *contract = new_contract(ed);
    size_t n = 5 * PACTA_DOC_CHUNK_MAX - 1;
    uint8_t *bin = doc_png_bytes(n, 13);
    json_t *b = doc_begin(ed, contract, "restart.png", bin, n, NULL, NULL);
    REQUIRE(b);
    char id[40];
    snprintf(id, sizeof id, "%s", it_str(b, "upload_id"));
    json_decref(b);
    REQUIRE(doc_send(ed, id, bin, 0, 2 * PACTA_DOC_CHUNK_MAX + 100, PACTA_DOC_CHUNK_MAX) == 0);
    ctl_client_close(ed);
    CHECK(it_server_stop(s) == 0);
    it_server_restart(s);

    ed = it_login(s, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    /* a chunk before the new begin works too: the upload is on disk */
    json_t *err = NULL, *r = doc_chunk(ed, id, bin, 0, 10, 0, &err);
    CHECK(!r && strcmp(it_err_code(err), "conflict") == 0 &&
          it_int(err, "received") == 2 * PACTA_DOC_CHUNK_MAX + 100);
    json_decref(err);
    b = doc_begin(ed, contract, "restart.png", bin, n, NULL, NULL);
    REQUIRE(b);
    CHECK_STR(it_str(b, "upload_id"), id);
    CHECK(it_int(b, "received") == 2 * PACTA_DOC_CHUNK_MAX + 100);
    REQUIRE(doc_send(ed, id, bin, (size_t)it_int(b, "received"), n, PACTA_DOC_CHUNK_MAX) == 0);
    json_decref(b);
    finish_and_check(ed, id, bin, n);
    ctl_client_close(ed);
    free(bin);
    free(contract);
}

static void test_stale_and_cap(void)
{
    const char *args[] = {"--documents-upload-ttl", "3", "--documents-max-uploads", "2", NULL};
    struct it_server *s = it_server_start(args);
    it_create_role_users(s);
    struct ctl_client *ed = it_login(s, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    char *contract = new_contract(ed);
    uint8_t *a = doc_png_bytes(5000, 1), *b2 = doc_png_bytes(5000, 2), *c3 = doc_png_bytes(5000, 3);

    json_t *ba = doc_begin(ed, contract, "a.png", a, 5000, NULL, NULL);
    json_t *bb = doc_begin(ed, contract, "b.png", b2, 5000, NULL, NULL);
    REQUIRE(ba && bb);
    REQUIRE(doc_send(ed, it_str(ba, "upload_id"), a, 0, 1000, 1000) == 0);
    json_t *err = NULL, *bc = doc_begin(ed, contract, "c.png", c3, 5000, NULL, &err);
    CHECK(!bc && strcmp(it_err_code(err), "rate_limited") == 0);
    json_decref(err);
    /* beginning one of the two again is not a third */
    json_t *again = doc_begin(ed, contract, "a.png", a, 5000, NULL, NULL);
    CHECK(again && it_int(again, "received") == 1000);
    json_decref(again);
    /* a finished upload frees its place */
    REQUIRE(doc_send(ed, it_str(bb, "upload_id"), b2, 0, 5000, 5000) == 0);
    json_t *f = it_call(ed, "documents.upload.finish",
                        json_pack("{s:s}", "upload_id", it_str(bb, "upload_id")), NULL);
    CHECK(f != NULL);
    json_decref(f);
    bc = doc_begin(ed, contract, "c.png", c3, 5000, NULL, NULL);
    CHECK(bc != NULL);
    CHECK(uploads_on_disk(s) == 4); /* a and c: .part and .json each */

    /* nobody continues: after the ttl both are gone, files included */
    int64_t t0 = it_now_ms();
    while (uploads_on_disk(s) > 0 && it_now_ms() - t0 < 10000)
        usleep(100 * 1000);
    CHECK(uploads_on_disk(s) == 0);
    err = NULL;
    json_t *r = doc_chunk(ed, it_str(ba, "upload_id"), a, 1000, 1000, 0, &err);
    CHECK(!r && strcmp(it_err_code(err), "not_found") == 0);
    json_decref(err);

    /* one left over from before a restart is found on disk and removed */
    json_t *bd = doc_begin(ed, contract, "d.png", a, 5000, NULL, NULL);
    REQUIRE(bd);
    REQUIRE(doc_send(ed, it_str(bd, "upload_id"), a, 0, 1000, 1000) == 0);
    ctl_client_close(ed);
    CHECK(it_server_stop(s) == 0);
    sleep(4);
    CHECK(uploads_on_disk(s) == 2);
    it_server_restart(s);
    t0 = it_now_ms();
    while (uploads_on_disk(s) > 0 && it_now_ms() - t0 < 10000)
        usleep(100 * 1000);
    CHECK(uploads_on_disk(s) == 0);
    CHECK(it_server_stop(s) == 0);
    json_decref(ba);
    json_decref(bb);
    json_decref(bc);
    json_decref(bd);
    free(a);
    free(b2);
    free(c3);
    free(contract);
}

/* The cap counts the uploads a restart left on disk at once: before, the
 * table started empty and each restart let a user begin as many again. */
static void test_cap_after_restart(void)
{
    const char *args[] = {"--documents-max-uploads", "2", NULL};
    struct it_server *s = it_server_start(args);
    it_create_role_users(s);
    struct ctl_client *ed = it_login(s, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    char *contract = new_contract(ed);
    uint8_t *a = doc_png_bytes(5000, 4), *b = doc_png_bytes(5000, 5), *c = doc_png_bytes(5000, 6);
    json_t *ba = doc_begin(ed, contract, "a.png", a, 5000, NULL, NULL);
    json_t *bb = doc_begin(ed, contract, "b.png", b, 5000, NULL, NULL);
    REQUIRE(ba && bb);
    REQUIRE(doc_send(ed, it_str(ba, "upload_id"), a, 0, 1000, 1000) == 0);
    ctl_client_close(ed);
    CHECK(it_server_stop(s) == 0);
    it_server_restart(s);

    ed = it_login(s, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    json_t *err = NULL, *bc = doc_begin(ed, contract, "c.png", c, 5000, NULL, &err);
    CHECKF(!bc && err && strcmp(it_err_code(err), "rate_limited") == 0,
           "a third upload after a restart: %s", bc ? "accepted" : it_err_code(err));
    json_decref(bc);
    json_decref(err);
    /* its own uploads go on, and finishing one frees its place */
    json_t *again = doc_begin(ed, contract, "a.png", a, 5000, NULL, NULL);
    CHECK(again && it_int(again, "received") == 1000);
    json_decref(again);
    REQUIRE(doc_send(ed, it_str(ba, "upload_id"), a, 1000, 5000, 4000) == 0);
    finish_and_check(ed, it_str(ba, "upload_id"), a, 5000);
    bc = doc_begin(ed, contract, "c.png", c, 5000, NULL, NULL);
    CHECK(bc != NULL);
    /* the cap is the user's: another editor is not held by it */
    struct ctl_client *ad = it_login(s, IT_ADMIN2_USER, IT_ADMIN2_PASSWORD);
    json_t *bo = doc_begin(ad, contract, "a.png", a, 5000, NULL, NULL);
    CHECK(bo != NULL);
    json_decref(bo);
    ctl_client_close(ad);
    ctl_client_close(ed);
    CHECK(it_server_stop(s) == 0);
    json_decref(ba);
    json_decref(bb);
    json_decref(bc);
    free(a);
    free(b);
    free(c);
    free(contract);
}

int main(void)
{
    it_setup("it_documents_resume");
    struct it_server *s = it_server_start(NULL);
    it_create_role_users(s);
    test_dropped_connection(s);
    test_server_restart(s);
    CHECK(it_server_stop(s) == 0);
    test_stale_and_cap();
    test_cap_after_restart();
    return it_done(test_summary());
}
