/*
 * it_verify_space: the disk-space check before a verification or a restore
 * counts the backup's own database (its catalog db_bytes), not the live
 * one.
 *
 * The backup directory is a 100 MB tmpfs (root only: the test says it
 * skipped otherwise).  A backup is made of a 40 MB database (a compressible
 * filler: the packed file is small), then the filler is dropped and the
 * live database vacuumed back to a few hundred KB, and the disk is filled
 * to ~30 MB free.  Verifying the backup needs its 40 MB decrypted: it must
 * be refused before it starts, naming the space, not start on the live
 * database's size and run the disk full (the live database's disk too,
 * when the backups are under the data directory).  The same for a restore;
 * with the room back, the backup verifies.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <sqlite3.h>

#include "harness.h"
#include "test.h"

static char mnt[600];

static long long free_bytes(const char *path)
{
    struct statvfs v;
    return statvfs(path, &v) == 0 ? (long long)v.f_bavail * (long long)v.f_frsize : -1;
}

/* A call refused for space before it started: unavailable, naming sizes. */
static void check_refused(struct ctl_client *admin, const char *op, json_int_t id)
{
    json_t *e = it_call_err(admin, op, json_pack("{s:I}", "id", id));
    const char *msg = e ? json_string_value(json_object_get(e, "message")) : NULL;
    CHECKF(e && strcmp(it_err_code(e), "unavailable") == 0 && msg && strstr(msg, "MB are needed"),
           "%s of a 40 MB backup with ~30 MB free: %s", op, msg ? msg : "no error");
    json_decref(e);
}

int main(void)
{
    char key_file[600], db[700], filler[700];
    it_setup("it_verify_space");
    snprintf(mnt, sizeof mnt, "%s/backups", it_tmp_dir());
    if (it_mount_tmpfs(mnt, "100m") != 0)
        return it_done(test_summary());
    snprintf(key_file, sizeof key_file, "%s", it_backup_key_file());
    const char *args[] = {
        "--backup-key-file", key_file, "--backup-time", "off", "--backup-dir", mnt, NULL};
    struct it_server *s = it_server_start(args);
    struct ctl_client *admin = it_login_admin(s);

    /* 40 MB of zeros in the database, backed up */
    sqlite3 *w = NULL;
    it_server_db_path(s, db, sizeof db);
    REQUIRE(sqlite3_open_v2(db, &w, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK);
    sqlite3_busy_timeout(w, 10000);
    it_sql(w, "CREATE TABLE it_filler(b BLOB)");
    for (int i = 0; i < 40; i++)
        it_sql(w, "INSERT INTO it_filler VALUES (zeroblob(1000000))");
    json_t *made = it_call(admin, "backups.create", json_object(), NULL);
    REQUIRE(made);
    json_t *b = json_object_get(made, "backup");
    json_int_t id = it_int(b, "id"), db_bytes = it_int(b, "db_bytes");
    REQUIRE(db_bytes > 40000000 && it_int(b, "file_bytes") < 5000000);
    json_decref(made);

    /* the live database small again */
    it_sql(w, "DROP TABLE it_filler");
    it_sql(w, "VACUUM");
    it_sql(w, "PRAGMA wal_checkpoint(TRUNCATE)");
    sqlite3_close(w);
    FILE *f = fopen(db, "rb");
    REQUIRE(f && fseek(f, 0, SEEK_END) == 0);
    long live = ftell(f);
    fclose(f);
    REQUIRE(live > 0 && live < 5000000);

    /* ~30 MB left on the backup disk */
    snprintf(filler, sizeof filler, "%s/filler", mnt);
    long long fill = free_bytes(mnt) - 30LL * 1000000;
    REQUIRE(fill > 0);
    f = fopen(filler, "wb");
    REQUIRE(f);
    static char block[1 << 16];
    for (long long done = 0; done < fill; done += sizeof block)
        REQUIRE(fwrite(block, 1, sizeof block, f) == sizeof block);
    REQUIRE(fclose(f) == 0);
    long long before = free_bytes(mnt);

    check_refused(admin, "backups.verify", id);
    check_refused(admin, "backups.restore", id);
    CHECKF(free_bytes(mnt) == before, "the disk was used: %lld then %lld bytes free", before,
           free_bytes(mnt));
    json_t *item = it_backup_item(admin, id);
    CHECKF(item && strcmp(it_str(item, "status"), "ok") == 0 &&
               json_is_null(json_object_get(item, "verify_error")),
           "after the refusal: status %s", item ? it_str(item, "status") : "-");
    json_decref(item);

    /* with room again it verifies */
    REQUIRE(unlink(filler) == 0);
    json_t *ok = it_call(admin, "backups.verify", json_pack("{s:I}", "id", id), NULL);
    CHECK(ok && json_is_true(json_object_get(ok, "ok")));
    json_decref(ok);

    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);
    it_unmount_tmpfs();
    return it_done(test_summary());
}
