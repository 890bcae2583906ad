/*
 * it_backup: online backups against a real pactad.
 *
 *  1. a backup taken while 10 clients edit continuously completes, verifies,
 *     reports progress to the admin who asked, and a restore gives exactly
 *     the rows committed up to the backup's snapshot point (checked row by
 *     row against the event log a subscriber collected); connected clients
 *     get server.reset (numbered above every seq they saw) and reload;
 *     admin.stats shows the last backup; the restore left a safety backup;
 *     a document attached before the backup and deleted after it is back,
 *     byte for byte;
 *  2. disk full in the middle of a backup (injected ENOSPC) fails cleanly:
 *     `unavailable`, no file left behind, nothing recorded, and the server
 *     keeps serving.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "it_documents_util.h"
#include "test.h"

#define EDITORS 10
#define CONTRACTS 20

static const struct it_server *srv;
static atomic_int stop_editing, edits_done;
static char ids[CONTRACTS][40];

/* Each editor updates its own two contracts as fast as it can. */
static void *editor(void *arg)
{
    int k = (int)(intptr_t)arg, n = 0;
    struct ctl_client *c = it_login_admin(srv);
    json_int_t version[2] = {1, 1};
    while (!atomic_load(&stop_editing)) {
        int i = n % 2;
        char title[64];
        snprintf(title, sizeof title, "editor %d edit %d", k, n);
        json_t *err = NULL;
        json_t *r = it_contract_update(c, ids[2 * k + i], version[i],
                                       json_pack("{s:s}", "title", title), NULL, &err);
        if (r) {
            version[i] = it_int(json_object_get(r, "contract"), "version");
            atomic_fetch_add(&edits_done, 1);
        } else
            break;
        json_decref(r);
        json_decref(err);
        n++;
    }
    ctl_client_close(c);
    return (void *)(intptr_t)n;
}

static int files_in(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, ".lock") &&
            strcmp(e->d_name, "blobs") && !strstr(e->d_name, ".pbk.docs"))
            n++; /* backup files and leftovers; not the documents' index and store */
    if (d)
        closedir(d);
    return n;
}

static void test_backup_under_load_and_restore(const char *key)
{
    const char *args[] = {
        "--backup-key-file", key, "--backup-time", "off", "--queue-max-events", "200000", NULL};
    struct it_server *s = it_server_start(args);
    srv = s;
    struct ctl_client *admin = it_login_admin(s), *sub = it_login_admin(s);
    json_t *r = it_call(sub, "subscribe", json_object(), NULL);
    REQUIRE(r);
    json_decref(r);
    for (int i = 0; i < CONTRACTS; i++) {
        json_t *c = it_contract_create(admin, NULL);
        REQUIRE(c);
        snprintf(ids[i], sizeof ids[i], "%s", it_str(c, "id"));
        json_decref(c);
    }

    /* a signed scan, attached before the backup and deleted after it */
    size_t scan_len = 2 * PACTA_DOC_CHUNK_MAX + 99;
    uint8_t *scan = doc_png_bytes(scan_len, 5);
    json_t *doc = doc_upload(admin, ids[0], "signed.png", scan, scan_len);
    REQUIRE(doc);

    pthread_t th[EDITORS];
    for (int k = 0; k < EDITORS; k++)
        pthread_create(&th[k], NULL, editor, (void *)(intptr_t)k);
    /* editing in full swing (logins take a while on a loaded machine) */
    for (int64_t t = it_now_ms(); atomic_load(&edits_done) < 50 && it_now_ms() - t < 20000;)
        usleep(10 * 1000);
    json_t *created =
        it_call(admin, "backups.create", json_pack("{s:s}", "description", "load"), NULL);
    int at_backup = atomic_load(&edits_done);
    for (int64_t t = it_now_ms();
         atomic_load(&edits_done) < at_backup + 50 && it_now_ms() - t < 20000;)
        usleep(10 * 1000);
    atomic_store(&stop_editing, 1);
    long edits = 0;
    for (int k = 0; k < EDITORS; k++) {
        void *n;
        pthread_join(th[k], &n);
        edits += (long)(intptr_t)n;
    }
    REQUIRE(created);
    json_t *b = json_object_get(created, "backup");
    json_int_t bid = it_int(b, "id"), point = it_int(b, "head_seq");
    fprintf(stderr, "backup %lld at seq %lld, %ld edits meanwhile\n", (long long)bid,
            (long long)point, edits);
    CHECK(edits > 20);
    CHECK(point > CONTRACTS);
    CHECK(it_int(b, "file_bytes") > 0 && it_int(b, "file_bytes") < it_int(b, "db_bytes"));
    CHECK(it_int(json_object_get(b, "counts"), "contracts") == CONTRACTS);
    CHECK(it_int(json_object_get(b, "counts"), "documents") == 1);
    json_decref(
        it_call(admin, "documents.delete", json_pack("{s:s}", "id", it_str(doc, "id")), NULL));
    /* progress went to the admin who asked */
    json_t *ev = it_wait_event(admin, "backup.progress", 2000, NULL);
    CHECK(ev != NULL);
    json_decref(ev);

    /* the state at the snapshot point, from the events a subscriber saw */
    json_t *expect = json_object();
    json_int_t last_seq = 0;
    while ((ev = it_wait_event(sub, NULL, 1000, NULL))) {
        json_int_t seq = it_int(ev, "seq");
        CHECK(seq > last_seq);
        last_seq = seq;
        json_t *c = json_object_get(json_object_get(ev, "data"), "contract");
        if (seq <= point && c)
            json_object_set(expect, it_str(c, "id"), c);
        json_decref(ev);
    }
    CHECK(last_seq > point); /* edits went on after the snapshot */
    CHECK(json_object_size(expect) == CONTRACTS);

    r = it_call(admin, "backups.verify", json_pack("{s:I}", "id", bid), NULL);
    CHECK(r && json_is_true(json_object_get(r, "ok")));
    /* the answer's Backup as backups.list then shows it: when, and that it passed */
    json_t *vb = json_object_get(r, "backup");
    CHECK(json_is_true(json_object_get(vb, "verified_ok")));
    CHECK(json_is_null(json_object_get(vb, "verify_error")));
    CHECK(json_is_string(json_object_get(vb, "verified_at")));
    json_decref(r);

    /* restore: subscribers get server.reset above every seq they saw */
    json_t *res = it_call(admin, "backups.restore", json_pack("{s:I}", "id", bid), NULL);
    REQUIRE(res);
    CHECK(it_int(res, "head") == last_seq + 1);
    CHECK(json_is_object(json_object_get(res, "safety_backup")));
    CHECK_STR(it_str(json_object_get(res, "safety_backup"), "kind"), "safety");
    ev = it_wait_event(sub, "server.reset", 5000, NULL);
    REQUIRE(ev);
    CHECK(it_int(ev, "seq") == last_seq + 1);
    CHECK(it_int(json_object_get(ev, "data"), "backup_id") == bid);
    CHECK(it_int(json_object_get(ev, "data"), "restored_head") == point);
    json_decref(ev);

    /* reload: exactly the rows of the snapshot point, row by row */
    json_t *list = it_call(sub, "contracts.list", json_pack("{s:i}", "limit", 500), NULL);
    REQUIRE(list);
    size_t i;
    json_t *row;
    int same = 0;
    CHECK(json_array_size(json_object_get(list, "items")) == CONTRACTS);
    json_array_foreach(json_object_get(list, "items"), i, row)
    {
        json_t *want = json_object_get(expect, it_str(row, "id"));
        REQUIRE(want);
        static const char *const keys[] = {"version", "title", "updated_at", "number", NULL};
        int ok = 1;
        for (int k = 0; keys[k]; k++)
            ok &= json_equal(json_object_get(row, keys[k]), json_object_get(want, keys[k]));
        CHECKF(ok, "contract %s: version %lld, want %lld", it_str(row, "id"),
               (long long)it_int(row, "version"), (long long)it_int(want, "version"));
        same += ok;
    }
    CHECK(same == CONTRACTS);
    json_decref(list);
    size_t got = 0;
    uint8_t *back = doc_download(sub, it_str(doc, "id"), 1 << 16, &got, NULL);
    CHECK(back && got == scan_len && memcmp(back, scan, scan_len) == 0);
    free(back);
    free(scan);
    json_decref(doc);

    /* the subscription goes on: a new edit arrives with a seq above the reset */
    json_t *c = it_contract_create(admin, NULL);
    CHECK(c != NULL);
    json_decref(c);
    ev = it_wait_event(sub, "contract.created", 5000, NULL);
    CHECK(ev && it_int(ev, "seq") == last_seq + 2);
    json_decref(ev);
    /* a desk that followed the old log and reconnects with its since */
    json_t *err = it_call_err(admin, "subscribe", json_pack("{s:I}", "since", last_seq + 5));
    CHECK_STR(it_err_field(err), "since");
    json_decref(err);

    json_t *stats = it_call(admin, "admin.stats", json_object(), NULL);
    CHECK(stats && json_is_string(json_object_get(stats, "last_backup_at")));
    CHECK(stats && it_int(stats, "last_backup_bytes") > 0);
    json_decref(stats);
    json_t *bl = it_call(admin, "backups.list", json_object(), NULL);
    CHECK(bl && json_array_size(json_object_get(bl, "items")) == 2);
    json_decref(bl);

    json_decref(res);
    json_decref(expect);
    json_decref(created);
    ctl_client_close(admin);
    ctl_client_close(sub);
    CHECK(it_server_stop(s) == 0);
}

static void test_disk_full(const char *key)
{
    const char *args[] = {"--backup-key-file", key, "--backup-time", "off", NULL};
    char dir[700];
    setenv("PACTA_TEST_BACKUP_ENOSPC_AT", "3000", 1);
    struct it_server *s = it_server_start(args);
    unsetenv("PACTA_TEST_BACKUP_ENOSPC_AT");
    struct ctl_client *admin = it_login_admin(s);
    for (int i = 0; i < 30; i++)
        json_decref(it_contract_create(admin, NULL));
    json_t *err = it_call_err(admin, "backups.create", json_object());
    CHECK_STR(it_err_code(err), "unavailable");
    CHECK(strstr(it_str(err, "message"), "disk space") != NULL);
    json_decref(err);
    snprintf(dir, sizeof dir, "%s/backups", s->data_dir);
    CHECK(files_in(dir) == 0);
    json_t *bl = it_call(admin, "backups.list", json_object(), NULL);
    CHECK(bl && json_array_size(json_object_get(bl, "items")) == 0);
    CHECK(bl && json_is_null(json_object_get(bl, "last_ok_at")));
    json_decref(bl);
    json_t *c = it_contract_create(admin, NULL); /* still serving */
    CHECK(c != NULL);
    json_decref(c);
    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);
}

/* A restore that fails at the last step before the swap (an injected
 * failure where the finished database is committed) changes nothing: the
 * rows, the log (no seq is skipped or reused) and the catalog stay. */
static void test_restore_failure(const char *key)
{
    const char *args[] = {"--backup-key-file", key, "--backup-time", "off", NULL};
    char dir[700];
    setenv("PACTA_TEST_RESTORE_FAIL", "1", 1);
    struct it_server *s = it_server_start(args);
    unsetenv("PACTA_TEST_RESTORE_FAIL");
    struct ctl_client *admin = it_login_admin(s), *sub = it_login_admin(s);
    json_decref(it_call(sub, "subscribe", json_object(), NULL));
    for (int i = 0; i < 3; i++)
        json_decref(it_contract_create(admin, NULL));
    json_t *created = it_call(admin, "backups.create", json_object(), NULL);
    REQUIRE(created);
    json_int_t bid = it_int(json_object_get(created, "backup"), "id");
    json_decref(created);
    for (int i = 0; i < 2; i++)
        json_decref(it_contract_create(admin, NULL));
    json_t *ev;
    json_int_t last_seq = 0;
    while ((ev = it_wait_event(sub, NULL, 1000, NULL))) {
        last_seq = it_int(ev, "seq");
        json_decref(ev);
    }
    json_t *err = it_call_err(admin, "backups.restore", json_pack("{s:I}", "id", bid));
    CHECK_STR(it_err_code(err), "unavailable");
    json_decref(err);
    json_t *list = it_call(admin, "contracts.list", json_object(), NULL);
    CHECK(list && json_array_size(json_object_get(list, "items")) == 5);
    json_decref(list);
    json_decref(it_contract_create(admin, NULL));
    ev = it_wait_event(sub, NULL, 5000, NULL);
    CHECKF(ev && strcmp(it_str(ev, "event"), "contract.created") == 0 &&
               it_int(ev, "seq") == last_seq + 1,
           "after the failed restore: %s seq %lld, want seq %lld", ev ? it_str(ev, "event") : "-",
           ev ? (long long)it_int(ev, "seq") : 0LL, (long long)last_seq + 1);
    json_decref(ev);
    json_t *bl = it_call(admin, "backups.list", json_object(), NULL);
    CHECK(bl && json_array_size(json_object_get(bl, "items")) == 1);
    json_decref(bl);
    snprintf(dir, sizeof dir, "%s/backups", s->data_dir);
    CHECK(files_in(dir) == 1);
    ctl_client_close(admin);
    ctl_client_close(sub);
    CHECK(it_server_stop(s) == 0);
}

static json_t *login_as(const struct it_server *s, struct ctl_client **c, const char *user,
                        const char *password)
{
    *c = it_connect(s);
    return it_call(*c, "auth.login",
                   json_pack("{s:s, s:s}", "username", user, "password", password), NULL);
}

/* A restore brings back no revoked token, and ends the connections of the
 * users the restored data does not have. */
static void test_restore_sessions(const char *key)
{
    const char *args[] = {"--backup-key-file", key, "--backup-time", "off", NULL};
    struct it_server *s = it_server_start(args);
    struct ctl_client *admin = it_login_admin(s), *early, *late, *again;
    char token[512];
    CHECK(it_user_create(admin, "early", "early-pass-123", "editor") == 0);
    json_t *r = login_as(s, &early, "early", "early-pass-123");
    REQUIRE(r);
    snprintf(token, sizeof token, "%s", it_str(r, "token"));
    json_decref(r);
    json_t *created = it_call(admin, "backups.create", json_object(), NULL);
    REQUIRE(created);
    json_int_t bid = it_int(json_object_get(created, "backup"), "id");
    json_decref(created);
    json_decref(it_call(early, "auth.logout", json_object(), NULL));
    CHECK(it_user_create(admin, "late", "late-pass-123", "editor") == 0);
    json_decref(login_as(s, &late, "late", "late-pass-123"));

    r = it_call(admin, "backups.restore", json_pack("{s:I}", "id", bid), NULL);
    CHECK(r != NULL);
    json_decref(r);
    CHECK(it_wait_close(late, 5000) == 4001); /* "late" is not in the restored data */
    again = it_connect(s);
    json_t *err = it_call_err(again, "auth.resume", json_pack("{s:s}", "token", token));
    CHECK(err != NULL); /* revoked before the restore, revoked after it */
    json_decref(err);
    /* the admin who restored is still logged in */
    json_t *bl = it_call(admin, "backups.list", json_object(), NULL);
    CHECK(bl != NULL);
    json_decref(bl);
    ctl_client_close(again);
    ctl_client_close(late);
    ctl_client_close(early);
    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);
}

/* The same with the server stopped (pactactl backup restore FILE
 * --data-dir): a token revoked since the backup stays revoked, one live at
 * the restore still works, and the catalog keeps the backups made since. */
static void test_offline_restore_sessions(const char *key)
{
    const char *args[] = {"--backup-key-file", key, "--backup-time", "off", NULL};
    struct it_server *s = it_server_start(args);
    struct ctl_client *admin = it_login_admin(s), *early, *kept, *again;
    char revoked[512], live[512], file[1200];
    CHECK(it_user_create(admin, "early", "early-pass-123", "editor") == 0);
    CHECK(it_user_create(admin, "kept", "kept-pass-1234", "editor") == 0);
    json_t *r = login_as(s, &early, "early", "early-pass-123");
    REQUIRE(r);
    snprintf(revoked, sizeof revoked, "%s", it_str(r, "token"));
    json_decref(r);
    r = login_as(s, &kept, "kept", "kept-pass-1234");
    REQUIRE(r);
    snprintf(live, sizeof live, "%s", it_str(r, "token"));
    json_decref(r);
    json_t *created = it_call(admin, "backups.create", json_object(), NULL);
    REQUIRE(created);
    snprintf(file, sizeof file, "%s/backups/%s", s->data_dir,
             it_str(json_object_get(created, "backup"), "file"));
    json_decref(created);
    json_decref(it_call(early, "auth.logout", json_object(), NULL));
    json_decref(it_call(admin, "backups.create", json_object(), NULL)); /* made since */
    ctl_client_close(early);
    ctl_client_close(kept);
    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);

    char *argv[] = {PACTACTL_BIN, "backup",     "restore",   file, "--key-file",
                    (char *)key,  "--data-dir", s->data_dir, NULL};
    char *err = NULL;
    CHECKF(it_run(argv, NULL, 60000, NULL, &err) == 0, "%s", err ? err : "");
    free(err);
    it_server_restart(s);
    again = it_connect(s);
    json_t *e = it_call_err(again, "auth.resume", json_pack("{s:s}", "token", revoked));
    CHECK(e != NULL); /* revoked before the restore, revoked after it */
    json_decref(e);
    ctl_client_close(again);
    again = it_connect(s);
    r = it_call(again, "auth.resume", json_pack("{s:s}", "token", live), NULL);
    CHECK(r != NULL); /* logged in at the restore: still logged in */
    json_decref(r);
    ctl_client_close(again);
    admin = it_login_admin(s);
    json_t *bl = it_call(admin, "backups.list", json_object(), NULL);
    /* both backups (the second was made after the restored one) and the
     * offline restore's safety backup */
    CHECK(bl && json_array_size(json_object_get(bl, "items")) == 3);
    json_decref(bl);
    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);
}

int main(void)
{
    char key[600];
    it_setup("it_backup");
    snprintf(key, sizeof key, "%s", it_backup_key_file());
    test_backup_under_load_and_restore(key);
    test_disk_full(key);
    test_restore_failure(key);
    test_restore_sessions(key);
    test_offline_restore_sessions(key);
    return it_done(test_summary());
}
