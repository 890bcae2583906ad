/*
 * it_resource_wal: the database's write-ahead log gives back the disk it
 * grew into.  While something holds an old snapshot (here a reader of the
 * test's own; in production a long export or backup, or a checkpoint that
 * cannot write into a full disk) the log cannot start over and grows with
 * every edit; once the snapshot ends and a checkpoint completes, the log
 * starts over -- and its file must shrink back, not keep the tens of MB of
 * a small data disk for as long as pactad runs.
 *
 * pactad's data directory is a 64 MB tmpfs (root only: the test says it
 * skipped otherwise).  The log is grown past 24 MB under a held snapshot;
 * after the snapshot ends and more edits checkpoint, the -wal file is
 * back to at most 16 MiB and that room is free on the disk again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "test.h"

static char big_text[10001];

static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

int main(void)
{
    char data[640], db[700], wal[720];
    memset(big_text, 'x', sizeof big_text - 1);
    it_setup("it_resource_wal");
    snprintf(data, sizeof data, "%s/srv0", it_tmp_dir());
    if (it_mount_tmpfs(data, "64m") != 0)
        return it_skipped();
    struct it_server *s = it_server_start(NULL);
    it_create_role_users(s);
    struct ctl_client *ed = it_login(s, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    it_server_db_path(s, db, sizeof db);
    snprintf(wal, sizeof wal, "%s-wal", db);

    /* an old snapshot held: the log cannot start over */
    sqlite3 *r = NULL;
    REQUIRE(sqlite3_open_v2(db, &r, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    it_sql(r, "BEGIN");
    REQUIRE(it_sql_int(r, "SELECT count(*) FROM contracts") >= 0);
    json_t *k = it_contract_create(ed, NULL);
    REQUIRE(k);
    json_int_t v = 1;
    for (int i = 0; i < 5000 && file_size(wal) < 24LL << 20; i++) {
        json_t *u = it_contract_update(ed, it_str(k, "id"), v,
                                       json_pack("{s:s}", "description", i % 2 ? "y" : big_text),
                                       NULL, NULL);
        REQUIRE(u);
        v = it_int(json_object_get(u, "contract"), "version");
        json_decref(u);
    }
    long long grown = file_size(wal);
    long long free_grown = it_free_bytes(data);
    fprintf(stderr, "log grown to %lld bytes under a held snapshot\n", grown);
    REQUIRE(grown >= 24LL << 20);

    /* the snapshot ends: checkpoints complete, the log starts over */
    it_sql(r, "COMMIT");
    sqlite3_close(r);
    for (int i = 0; i < 400; i++) {
        json_t *u = it_contract_update(ed, it_str(k, "id"), v,
                                       json_pack("{s:s}", "description", i % 2 ? "y" : big_text),
                                       NULL, NULL);
        REQUIRE(u);
        v = it_int(json_object_get(u, "contract"), "version");
        json_decref(u);
    }
    long long after = file_size(wal);
    fprintf(stderr, "log after the snapshot ended: %lld bytes, %lld more bytes free\n", after,
            it_free_bytes(data) - free_grown);
    CHECKF(after >= 0 && after <= 16LL << 20, "the -wal file kept %lld bytes (it grew to %lld)",
           after, grown);
    json_decref(k);
    ctl_client_close(ed);
    CHECK(it_server_stop(s) == 0);
    it_unmount_tmpfs();
    return it_done(test_summary());
}
