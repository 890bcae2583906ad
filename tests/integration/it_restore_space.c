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
#include <unistd.h>

#include "harness.h"
#include "test.h"

static char backups[64] = "/tmp/pacta-it-restore-bk-XXXXXX";

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
        return it_skipped();
    REQUIRE(mkdtemp(backups) != NULL);
    atexit(remove_backups);
    snprintf(key_file, sizeof key_file, "%s", it_backup_key_file());
    const char *args[] = {
        "--backup-key-file", key_file, "--backup-time", "off", "--backup-dir", backups, NULL};
    struct it_server *s = it_server_start(args);
    struct ctl_client *admin = it_login_admin(s);

    /* a backup of 40 MB, the live database small again */
    it_server_db_path(s, db, sizeof db);
    json_t *b = it_backup_of_a_big_past(admin, db);
    json_int_t id = it_int(b, "id");
    json_decref(b);
    json_t *k = it_contract_create(admin, NULL); /* made after the backup */
    REQUIRE(k);

    /* ~30 MB left on the data disk */
    it_fill_disk(data, 30LL * 1000000, filler, sizeof filler);

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
