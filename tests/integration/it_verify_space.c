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
#include <unistd.h>

#include "harness.h"
#include "test.h"

static char mnt[600];

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
        return it_skipped();
    snprintf(key_file, sizeof key_file, "%s", it_backup_key_file());
    const char *args[] = {
        "--backup-key-file", key_file, "--backup-time", "off", "--backup-dir", mnt, NULL};
    struct it_server *s = it_server_start(args);
    struct ctl_client *admin = it_login_admin(s);

    /* a backup of 40 MB, the live database small again */
    it_server_db_path(s, db, sizeof db);
    json_t *b = it_backup_of_a_big_past(admin, db);
    json_int_t id = it_int(b, "id");
    json_decref(b);
    FILE *f = fopen(db, "rb");
    REQUIRE(f && fseek(f, 0, SEEK_END) == 0);
    long live = ftell(f);
    fclose(f);
    REQUIRE(live > 0 && live < 5000000);

    /* ~30 MB left on the backup disk */
    it_fill_disk(mnt, 30LL * 1000000, filler, sizeof filler);
    long long before = it_free_bytes(mnt);

    check_refused(admin, "backups.verify", id);
    check_refused(admin, "backups.restore", id);
    CHECKF(it_free_bytes(mnt) == before, "the disk was used: %lld then %lld bytes free", before,
           it_free_bytes(mnt));
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
