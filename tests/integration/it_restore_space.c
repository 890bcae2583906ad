/*
 * it_restore_space: the disk-space check before a restore's swap counts
 * what the swap writes where it writes it (PROTOCOL.md §6.30): the
 * restored database's pages go through the live database's WAL and then
 * into its file, on the data directory's disk, not the backup directory's.
 *
 * The data directory (the harness's srv0) is on a 160 MB tmpfs (root only: the test says it
 * skipped otherwise), the backups on the ordinary disk.  A backup is made
 * of a 40 MB database (a compressible filler), the live one is vacuumed
 * back to a few hundred KB, and the data disk is filled to ~30 MB free.
 * Restoring the backup needs ~80 MB there: it must be refused before the
 * safety copy and the swap, naming the space, and nothing changes (it was
 * checked against the backup disk, started, and failed in the middle of
 * the swap with the data disk full).  With the room back it restores.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <sqlite3.h>

#include "harness.h"
#include "test.h"

static char backups[64] = "/tmp/pacta-it-restore-bk-XXXXXX";

static long long free_bytes(const char *path)
{
    struct statvfs v;
    return statvfs(path, &v) == 0 ? (long long)v.f_bavail * (long long)v.f_frsize : -1;
}

static void remove_backups(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", backups);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", backups);
}

int main(void)
{
    char key_file[600], db[700], filler[700], data[640];
    it_setup("it_restore_space");
    snprintf(data, sizeof data, "%s/srv0", it_tmp_dir());
    if (it_mount_tmpfs(data, "160m") != 0)
        return it_done(test_summary());
    REQUIRE(mkdtemp(backups) != NULL);
    atexit(remove_backups);
    snprintf(key_file, sizeof key_file, "%s", it_backup_key_file());
    const char *args[] = {
        "--backup-key-file", key_file, "--backup-time", "off", "--backup-dir", backups, NULL};
    struct it_server *s = it_server_start(args);
    struct ctl_client *admin = it_login_admin(s);

    /* 40 MB of zeros in the database, backed up, then gone from it */
    sqlite3 *w = NULL;
    it_server_db_path(s, db, sizeof db);
    REQUIRE(sqlite3_open_v2(db, &w, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK);
    sqlite3_busy_timeout(w, 10000);
    it_sql(w, "CREATE TABLE it_filler(b BLOB)");
    for (int i = 0; i < 40; i++)
        it_sql(w, "INSERT INTO it_filler VALUES (zeroblob(1000000))");
    it_sql(w, "PRAGMA wal_checkpoint(TRUNCATE)");
    json_t *made = it_call(admin, "backups.create", json_object(), NULL);
    REQUIRE(made);
    json_int_t id = it_int(json_object_get(made, "backup"), "id");
    REQUIRE(it_int(json_object_get(made, "backup"), "db_bytes") > 40000000);
    json_decref(made);
    it_sql(w, "DROP TABLE it_filler");
    it_sql(w, "VACUUM");
    it_sql(w, "PRAGMA wal_checkpoint(TRUNCATE)");
    sqlite3_close(w);
    json_t *k = it_contract_create(admin, NULL); /* made after the backup */
    REQUIRE(k);

    /* ~30 MB left on the data disk */
    snprintf(filler, sizeof filler, "%s/filler", data);
    long long fill = free_bytes(data) - 30LL * 1000000;
    REQUIRE(fill > 0);
    FILE *f = fopen(filler, "wb");
    REQUIRE(f);
    static char block[1 << 16];
    for (long long done = 0; done < fill; done += sizeof block)
        REQUIRE(fwrite(block, 1, sizeof block, f) == sizeof block);
    REQUIRE(fclose(f) == 0);

    json_t *e = it_call_err(admin, "backups.restore", json_pack("{s:I}", "id", id));
    const char *msg = e ? json_string_value(json_object_get(e, "message")) : NULL;
    CHECKF(e && strcmp(it_err_code(e), "unavailable") == 0 && msg &&
               strstr(msg, "not enough disk space for the restore") && strstr(msg, "MB are needed"),
           "restore of a 40 MB database with ~30 MB free on the data disk: %s",
           msg ? msg : "restored");
    json_decref(e);
    /* nothing changed: the contract made after the backup is there, no
     * safety backup was made */
    json_t *got = it_contract_get(admin, it_str(k, "id"));
    CHECK(got != NULL);
    json_decref(got);
    json_t *list = it_call(admin, "backups.list", json_object(), NULL);
    CHECKF(list && json_array_size(json_object_get(list, "items")) == 1,
           "backups after the refused restore: %zu",
           list ? json_array_size(json_object_get(list, "items")) : 0);
    json_decref(list);

    /* with room again it restores */
    REQUIRE(unlink(filler) == 0);
    json_t *ok = it_call(admin, "backups.restore", json_pack("{s:I}", "id", id), NULL);
    CHECK(ok != NULL);
    json_decref(ok);

    json_decref(k);
    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);
    it_unmount_tmpfs();
    return it_done(test_summary());
}
