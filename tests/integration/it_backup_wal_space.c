/*
 * it_backup_wal_space: the disk-space check before a backup counts the
 * changes still in the WAL (PROTOCOL.md §6.27: "checked before starting:
 * not enough disk space for the backup").
 *
 * The backup directory is a 36 MB tmpfs (root only: the test says it
 * skipped otherwise).  A backup of the small database fits and is made.
 * Then 20 MB of incompressible rows are committed while a reader holds
 * checkpoints off, so they stay in the WAL and pacta.db stays small: the
 * snapshot (20 MB) and its packed file (20 MB) cannot both fit.  The
 * backup must be refused before it starts (the message names the space),
 * not start on an estimate of pacta.db alone and fill the disk.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "harness.h"
#include "test.h"

static char mnt[600];
static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

int main(void)
{
    char key_file[600], db[700], wal[720];
    it_setup("it_backup_wal_space");
    snprintf(mnt, sizeof mnt, "%s/backups", it_tmp_dir());
    if (it_mount_tmpfs(mnt, "36m") != 0)
        return it_skipped();
    snprintf(key_file, sizeof key_file, "%s", it_backup_key_file());
    const char *args[] = {
        "--backup-key-file", key_file, "--backup-time", "off", "--backup-dir", mnt, NULL};
    struct it_server *s = it_server_start(args);
    struct ctl_client *admin = it_login_admin(s);

    /* the small database fits */
    json_t *made = it_call(admin, "backups.create", json_object(), NULL);
    CHECK(made != NULL);
    json_decref(made);

    /* 20 MB committed, held in the WAL by a reader that began before */
    sqlite3 *reader = NULL, *writer = NULL;
    it_server_db_path(s, db, sizeof db);
    REQUIRE(sqlite3_open_v2(db, &reader, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    REQUIRE(sqlite3_open_v2(db, &writer, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK);
    sqlite3_db_config(reader, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
    sqlite3_db_config(writer, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
    sqlite3_busy_timeout(writer, 10000);
    it_sql(reader, "BEGIN; SELECT count(*) FROM sqlite_master");
    it_sql(writer, "PRAGMA wal_autocheckpoint = 0");
    it_sql(writer, "CREATE TABLE it_filler(b BLOB)");
    for (int i = 0; i < 20; i++)
        it_sql(writer, "INSERT INTO it_filler VALUES (randomblob(1000000))");
    /* pactad's own writes (and their checkpoints) go on meanwhile */
    json_decref(it_contract_create(admin, NULL));
    snprintf(wal, sizeof wal, "%s-wal", db);
    long long db_bytes = file_size(db), wal_bytes = file_size(wal);
    REQUIRE(db_bytes < 4000000 && wal_bytes > 20000000);

    json_t *e = it_call_err(admin, "backups.create", json_object());
    const char *msg = e ? json_string_value(json_object_get(e, "message")) : NULL;
    CHECKF(e && strcmp(it_err_code(e), "unavailable") == 0 && msg &&
               strstr(msg, "not enough disk space for the backup"),
           "a backup of %lld + %lld WAL bytes on a 36 MB disk: %s", db_bytes, wal_bytes,
           msg ? msg : "made");
    json_decref(e);
    it_sql(reader, "COMMIT");
    sqlite3_close(reader);
    sqlite3_close(writer);
    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);
    it_unmount_tmpfs();
    return it_done(test_summary());
}
