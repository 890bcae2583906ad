/*
 * it_backup_documents: documents in backups (server/backup_docs.c).
 *
 *  1. a backup holds the documents its snapshot refers to: their contents
 *     go, encrypted, into the backup directory's store once each (a second
 *     backup copies only what is new), a restore brings back a document
 *     deleted since -- byte for byte, its content included -- and drops
 *     the ones added since; verify (online and offline) checks every
 *     content, and a damaged or missing one fails it and the restore;
 *  2. `pactactl backup restore FILE --data-dir` with the server stopped
 *     brings the contents back into a data directory that lost them;
 *  3. retention removes the contents no remaining backup refers to, and
 *     keeps those a kept backup lists;
 *  4. a content lost from the live store (damaged or gone) before any
 *     backup held it does not stop backups: they are made without it and
 *     say so, verify, and restore the rest.
 */
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "it_documents_util.h"
#include "test.h"

static char key_file[600];

static int live_blob(const struct it_server *s, const char *sha)
{
    char path[1024];
    struct stat st;
    snprintf(path, sizeof path, "%s/documents/%.2s/%s", s->data_dir, sha, sha + 2);
    return stat(path, &st) == 0;
}

static int wait_live_blob(const struct it_server *s, const char *sha, int want)
{
    for (int i = 0; i < 100 && live_blob(s, sha) != want; i++)
        usleep(50 * 1000);
    return live_blob(s, sha) == want;
}

/* Every content file of a backup store, as a set of paths. */
static json_t *blob_set(const char *dir)
{
    char path[1200], file[1500];
    json_t *set = json_object();
    DIR *d = opendir(dir), *sub;
    struct dirent *e, *f;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (!(sub = opendir(path)))
            continue;
        while ((f = readdir(sub)))
            if (f->d_name[0] != '.') {
                snprintf(file, sizeof file, "%s/%s", path, f->d_name);
                json_object_set_new(set, file, json_true());
            }
        closedir(sub);
    }
    if (d)
        closedir(d);
    return set;
}

static int count_blobs(const char *dir)
{
    json_t *set = blob_set(dir);
    int n = (int)json_object_size(set);
    json_decref(set);
    return n;
}

static void flip_byte(const char *path, long at)
{
    FILE *f = fopen(path, "r+b");
    REQUIRE(f);
    fseek(f, at, SEEK_SET);
    int c = fgetc(f);
    fseek(f, at, SEEK_SET);
    fputc(c ^ 0x40, f);
    fclose(f);
}

static int ctl_backup(const char *sub, const char *file, const char *data_dir, char **err)
{
    char *argv[] = {PACTACTL_BIN,
                    "backup",
                    (char *)sub,
                    (char *)file,
                    "--key-file",
                    key_file,
                    data_dir ? "--data-dir" : NULL,
                    (char *)data_dir,
                    NULL};
    return it_run(argv, NULL, 60000, NULL, err);
}

static json_t *list_docs(struct ctl_client *c, const char *contract)
{
    json_t *l = it_call(c, "documents.list", json_pack("{s:s}", "contract_id", contract), NULL);
    json_t *items = l ? json_incref(json_object_get(l, "items")) : json_array();
    json_decref(l);
    return items;
}

static void check_download(struct ctl_client *c, const char *id, const void *data, size_t len)
{
    size_t got = 0;
    uint8_t *back = doc_download(c, id, PACTA_DOC_DOWNLOAD_DEFAULT, &got, NULL);
    CHECKF(back && got == len && memcmp(back, data, len) == 0, "document %s: %zu bytes, want %zu",
           id, got, len);
    free(back);
}

static void test_backup_restore(void)
{
    const char *args[] = {"--backup-key-file", key_file, "--backup-time", "off", NULL};
    struct it_server *s = it_server_start(args);
    struct ctl_client *admin = it_login_admin(s);
    char blobs[700], file1[900], file2[900], *err = NULL;
    snprintf(blobs, sizeof blobs, "%s/backups/blobs", s->data_dir);
    json_t *k = it_contract_create(admin, NULL);
    REQUIRE(k);
    char contract[40];
    snprintf(contract, sizeof contract, "%s", it_str(k, "id"));
    json_decref(k);

    size_t na = 3 * PACTA_DOC_CHUNK_MAX + 17, nb, nc;
    char *b = doc_pdf_bytes(&nb, "Acta de entrega");
    nc = nb; /* C as big as B: their sealed files differ only by what GCM authenticates */
    uint8_t *a = doc_png_bytes(na, 21), *c = doc_png_bytes(nc, 22);
    json_t *da = doc_upload(admin, contract, "a.png", a, na);
    json_t *db = doc_upload(admin, contract, "b.pdf", b, nb);
    REQUIRE(da && db);

    json_t *r1 = it_call(admin, "backups.create", json_object(), NULL);
    REQUIRE(r1);
    json_t *b1 = json_object_get(r1, "backup");
    CHECK(it_int(json_object_get(b1, "counts"), "documents") == 2);
    CHECK(count_blobs(blobs) == 2);
    snprintf(file1, sizeof file1, "%s/backups/%s", s->data_dir, it_str(b1, "file"));
    char index[1000];
    snprintf(index, sizeof index, "%s.docs", file1);
    char *idx = it_read_file(index);
    CHECK(idx && strlen(idx) == 2 * 65);              /* two names, one a line */
    CHECK(idx && !strstr(idx, it_str(da, "sha256"))); /* names say nothing of the contents */
    free(idx);

    /* A deleted: its live content goes; C added */
    json_decref(
        it_call(admin, "documents.delete", json_pack("{s:s}", "id", it_str(da, "id")), NULL));
    CHECK(wait_live_blob(s, it_str(da, "sha256"), 0));
    json_t *dc = doc_upload(admin, contract, "c.png", c, nc);
    REQUIRE(dc);
    json_t *before = blob_set(blobs);
    json_t *r2 = it_call(admin, "backups.create", json_object(), NULL);
    REQUIRE(r2);
    snprintf(file2, sizeof file2, "%s/backups/%s", s->data_dir,
             it_str(json_object_get(r2, "backup"), "file"));
    CHECK(count_blobs(blobs) == 3); /* only C was new: B is not stored twice */

    /* verify, online and offline */
    json_int_t id1 = it_int(b1, "id");
    json_t *v = it_call(admin, "backups.verify", json_pack("{s:I}", "id", id1), NULL);
    CHECK(v && json_is_true(json_object_get(v, "ok")));
    json_decref(v);
    CHECK(ctl_backup("verify", file1, NULL, &err) == 0);
    free(err);
    err = NULL;

    /* a damaged content fails verify and the restore; nothing changes */
    char c_blob[1500] = "", saved[1600];
    json_t *after = blob_set(blobs);
    const char *path;
    json_t *yes;
    json_object_foreach(after, path, yes) if (!json_object_get(before, path))
        snprintf(c_blob, sizeof c_blob, "%s", path); /* C's: the one the second backup added */
    json_decref(after);
    json_decref(before);
    snprintf(saved, sizeof saved, "%s.saved", file2);
    REQUIRE(c_blob[0]);
    {
        FILE *in = fopen(c_blob, "rb"), *out = fopen(saved, "wb");
        REQUIRE(in && out);
        int ch;
        while ((ch = fgetc(in)) != EOF)
            fputc(ch, out);
        fclose(in);
        fclose(out);
    }
    flip_byte(c_blob, 100);
    json_int_t id2 = it_int(json_object_get(r2, "backup"), "id");
    json_t *e = it_call_err(admin, "backups.verify", json_pack("{s:I}", "id", id2));
    CHECK_STR(it_err_code(e), "bad_request");
    CHECK(strstr(it_str(e, "message"), "document") != NULL);
    json_decref(e);
    e = it_call_err(admin, "backups.restore", json_pack("{s:I}", "id", id2));
    CHECK_STR(it_err_code(e), "bad_request");
    json_decref(e);
    CHECK(ctl_backup("verify", file2, NULL, &err) == 1);
    CHECK(err && strstr(err, "document") != NULL);
    free(err);
    err = NULL;
    json_t *items = list_docs(admin, contract);
    CHECK(json_array_size(items) == 2); /* B and C, as before */
    json_decref(items);
    CHECK(rename(saved, c_blob) == 0); /* repaired */
    /* B's file (the same size) put under C's name: each is sealed with its
     * own name as additional data, so it is refused, by verify and offline */
    {
        char other[1500] = "", cmd[6400];
        struct stat sc, so;
        json_t *all = blob_set(blobs);
        REQUIRE(stat(c_blob, &sc) == 0);
        json_object_foreach(all, path, yes) if (strcmp(path, c_blob) != 0 && stat(path, &so) == 0 &&
                                                so.st_size == sc.st_size)
            snprintf(other, sizeof other, "%s", path);
        json_decref(all);
        REQUIRE(other[0]);
        snprintf(cmd, sizeof cmd, "cp '%s' '%s' && cp '%s' '%s'", c_blob, saved, other, c_blob);
        REQUIRE(system(cmd) == 0);
        e = it_call_err(admin, "backups.verify", json_pack("{s:I}", "id", id2));
        CHECK_STR(it_err_code(e), "bad_request");
        CHECK(strstr(it_str(e, "message"), "document") != NULL);
        json_decref(e);
        CHECK(ctl_backup("verify", file2, NULL, &err) == 1);
        free(err);
        err = NULL;
        CHECK(rename(saved, c_blob) == 0);
    }
    json_t *ok2 = it_call(admin, "backups.verify", json_pack("{s:I}", "id", id2), NULL);
    CHECK(ok2 && json_is_true(json_object_get(ok2, "ok")));
    json_decref(ok2);

    /* restore the first: A is back, byte for byte, C is not */
    json_t *res = it_call(admin, "backups.restore", json_pack("{s:I}", "id", id1), NULL);
    REQUIRE(res);
    json_decref(res);
    items = list_docs(admin, contract);
    CHECK(json_array_size(items) == 2);
    CHECK_STR(it_str(json_array_get(items, 0), "id"), it_str(da, "id"));
    CHECK_STR(it_str(json_array_get(items, 1), "id"), it_str(db, "id"));
    json_decref(items);
    CHECK(live_blob(s, it_str(da, "sha256")));
    check_download(admin, it_str(da, "id"), a, na);
    check_download(admin, it_str(db, "id"), b, nb);
    CHECK(wait_live_blob(s, it_str(dc, "sha256"), 0)); /* no live row refers to C now */
    e = it_call_err(admin, "documents.get", json_pack("{s:s}", "id", it_str(dc, "id")));
    CHECK_STR(it_err_code(e), "not_found");
    json_decref(e);
    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);

    /* 2. offline: a data dir that lost its documents gets back the second
     * backup's (B and C) */
    char docs[700], cmd[800];
    snprintf(docs, sizeof docs, "%s/documents", s->data_dir);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", docs);
    CHECK(system(cmd) == 0);
    CHECK(ctl_backup("restore", file2, s->data_dir, &err) == 0);
    free(err);
    it_server_restart(s);
    admin = it_login_admin(s);
    items = list_docs(admin, contract);
    CHECK(json_array_size(items) == 2);
    CHECK_STR(it_str(json_array_get(items, 1), "id"), it_str(dc, "id"));
    json_decref(items);
    check_download(admin, it_str(db, "id"), b, nb);
    check_download(admin, it_str(dc, "id"), c, nc);
    e = it_call_err(admin, "documents.download", json_pack("{s:s}", "id", it_str(da, "id")));
    CHECK_STR(it_err_code(e), "not_found"); /* deleted in that backup's data */
    json_decref(e);
    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);

    json_decref(da);
    json_decref(db);
    json_decref(dc);
    json_decref(r1);
    json_decref(r2);
    free(a);
    free(b);
    free(c);
}

/* 3. keep 2 days: the content only the oldest backups listed goes with
 * them, the one a kept backup lists stays */
static void test_retention(void)
{
    const char *args[] = {"--backup-key-file",
                          key_file,
                          "--backup-time",
                          "off",
                          "--backup-keep-days",
                          "2",
                          "--session-ttl",
                          "31536000",
                          "--fake-now",
                          "2026-03-01T03:00:00Z",
                          NULL};
    struct it_server *s = it_server_start(args);
    struct ctl_client *admin = it_login_admin(s);
    char blobs[700];
    snprintf(blobs, sizeof blobs, "%s/backups/blobs", s->data_dir);
    json_t *k = it_contract_create(admin, NULL);
    REQUIRE(k);
    uint8_t *x = doc_png_bytes(3000, 31), *y = doc_png_bytes(3000, 32);
    json_t *dx = doc_upload(admin, it_str(k, "id"), "x.png", x, 3000);
    REQUIRE(dx);
    json_decref(it_call(admin, "backups.create", json_object(), NULL)); /* day 1: X */
    it_set_clock(admin, "2026-03-02T03:00:00Z");
    json_decref(
        it_call(admin, "documents.delete", json_pack("{s:s}", "id", it_str(dx, "id")), NULL));
    json_t *dy = doc_upload(admin, it_str(k, "id"), "y.png", y, 3000);
    REQUIRE(dy);
    json_decref(it_call(admin, "backups.create", json_object(), NULL)); /* day 2: Y */
    CHECK(count_blobs(blobs) == 2);
    it_set_clock(admin, "2026-03-05T03:00:00Z");
    json_decref(it_call(admin, "backups.create", json_object(), NULL)); /* day 5: Y */
    /* day 1 and day 2 are past keeping; X went with them, Y is day 5's */
    int64_t t0 = it_now_ms();
    while (count_blobs(blobs) != 1 && it_now_ms() - t0 < 5000)
        usleep(100 * 1000);
    CHECK(count_blobs(blobs) == 1);
    /* the files go first, then their rows (through the writer) */
    json_t *bl = NULL;
    for (t0 = it_now_ms(); it_now_ms() - t0 < 5000; usleep(100 * 1000)) {
        json_decref(bl);
        bl = it_call(admin, "backups.list", json_object(), NULL);
        if (bl && json_array_size(json_object_get(bl, "items")) == 1)
            break;
    }
    CHECK(bl && json_array_size(json_object_get(bl, "items")) == 1);
    json_t *only = bl ? json_array_get(json_object_get(bl, "items"), 0) : NULL;
    json_t *v =
        only ? it_call(admin, "backups.verify", json_pack("{s:I}", "id", it_int(only, "id")), NULL)
             : NULL;
    CHECK(v && json_is_true(json_object_get(v, "ok")));
    json_decref(v);
    json_decref(bl);
    json_decref(dx);
    json_decref(dy);
    json_decref(k);
    free(x);
    free(y);
    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);
}

/* 4. contents lost from the live store before any backup held them (one
 * damaged, one gone): a backup is still made, of the database and every
 * other content, says how many it lacks (create, list, the manifest),
 * verifies, and restores the rest byte for byte. */
static void test_lost_content(void)
{
    const char *args[] = {"--backup-key-file", key_file, "--backup-time", "off", NULL};
    struct it_server *s = it_server_start(args);
    struct ctl_client *admin = it_login_admin(s);
    char path[1024], *err = NULL;
    json_t *k = it_contract_create(admin, NULL);
    REQUIRE(k);
    uint8_t *g = doc_png_bytes(5000, 41), *d = doc_png_bytes(5000, 42), *m = doc_png_bytes(700, 43);
    json_t *dg = doc_upload(admin, it_str(k, "id"), "good.png", g, 5000);
    json_t *dd = doc_upload(admin, it_str(k, "id"), "damaged.png", d, 5000);
    json_t *dm = doc_upload(admin, it_str(k, "id"), "gone.png", m, 700);
    REQUIRE(dg && dd && dm);
    snprintf(path, sizeof path, "%s/documents/%.2s/%s", s->data_dir, it_str(dd, "sha256"),
             it_str(dd, "sha256") + 2);
    flip_byte(path, 1000);
    snprintf(path, sizeof path, "%s/documents/%.2s/%s", s->data_dir, it_str(dm, "sha256"),
             it_str(dm, "sha256") + 2);
    CHECK(unlink(path) == 0);

    json_t *r = it_call(admin, "backups.create", json_object(), NULL);
    REQUIRE(r);
    json_t *b = json_object_get(r, "backup");
    CHECK(it_int(b, "documents_unavailable") == 2);
    CHECK(it_int(json_object_get(b, "counts"), "documents") == 3);
    char file[900], index[1000];
    snprintf(file, sizeof file, "%s/backups/%s", s->data_dir, it_str(b, "file"));
    snprintf(index, sizeof index, "%s.docs", file);
    char *idx = it_read_file(index);
    CHECK(idx && strlen(idx) == 65); /* only the good one's content */
    free(idx);
    json_t *bl = it_call(admin, "backups.list", NULL, NULL);
    CHECK(bl &&
          it_int(json_array_get(json_object_get(bl, "items"), 0), "documents_unavailable") == 2);
    json_decref(bl);
    json_t *v = it_call(admin, "backups.verify", json_pack("{s:I}", "id", it_int(b, "id")), NULL);
    CHECK(v && json_is_true(json_object_get(v, "ok")));
    json_decref(v);
    CHECK(ctl_backup("verify", file, NULL, &err) == 0);
    free(err);
    err = NULL;
    /* the server log names what is lost */
    char *log = it_read_file(s->log_path);
    CHECK(log && strstr(log, "backup made without documents lost from the store") &&
          strstr(log, it_str(dd, "sha256")) && strstr(log, it_str(dm, "sha256")));
    free(log);

    /* the good one deleted, then the backup restored: it is back */
    json_decref(
        it_call(admin, "documents.delete", json_pack("{s:s}", "id", it_str(dg, "id")), NULL));
    CHECK(wait_live_blob(s, it_str(dg, "sha256"), 0));
    json_t *res =
        it_call(admin, "backups.restore", json_pack("{s:I}", "id", it_int(b, "id")), NULL);
    CHECK(res != NULL);
    json_decref(res);
    check_download(admin, it_str(dg, "id"), g, 5000);
    json_t *items = list_docs(admin, it_str(k, "id"));
    CHECK(json_array_size(items) == 3); /* the rows are all there */
    json_decref(items);

    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);
    json_decref(r);
    json_decref(dg);
    json_decref(dd);
    json_decref(dm);
    json_decref(k);
    free(g);
    free(d);
    free(m);
}

int main(void)
{
    it_setup("it_backup_documents");
    snprintf(key_file, sizeof key_file, "%s", it_backup_key_file());
    test_backup_restore();
    test_retention();
    test_lost_content();
    return it_done(test_summary());
}
