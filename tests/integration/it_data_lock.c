/*
 * it_data_lock: one process at a time on a data directory, whatever backup
 * directory each was given (docs/ARCHITECTURE.md "Offline": pactad refuses
 * to start while another process — an offline restore, another pactad —
 * holds the lock; PROTOCOL.md §6.30: the offline restore refuses to run
 * while pactad holds the data dir).
 *
 *  1. pactad runs with --backup-dir A: a second pactad on the same data
 *     dir with --backup-dir B does not start (exit 1);
 *  2. `pactactl backup restore FILE --data-dir DIR` without --backup-dir,
 *     and with another one, refuses ("running", exit 2) and leaves no
 *     safety backup behind;
 *  3. once pactad stopped, the same offline restore works, and pactad
 *     starts again on the restored data.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "test.h"

/* Files ending in .pbk in dir (0 if it does not exist). */
static int count_pbk(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d))) {
        size_t l = strlen(e->d_name);
        n += l > 4 && strcmp(e->d_name + l - 4, ".pbk") == 0;
    }
    if (d)
        closedir(d);
    return n;
}

static int restore(const char *file, const char *data_dir, const char *key_file,
                   const char *backup_dir, char **err)
{
    char *argv[] = {PACTACTL_BIN,
                    "backup",
                    "restore",
                    (char *)file,
                    "--data-dir",
                    (char *)data_dir,
                    "--key-file",
                    (char *)key_file,
                    backup_dir ? "--backup-dir" : NULL,
                    (char *)backup_dir,
                    NULL};
    return it_run(argv, NULL, 60000, NULL, err);
}

int main(void)
{
    char key_file[600], dir_a[600], dir_b[600], file[1200], cert[600], pkey[600], log[600];
    char default_dir[700];
    char *err = NULL;

    it_setup("it_data_lock");
    snprintf(key_file, sizeof key_file, "%s", it_backup_key_file());
    snprintf(dir_a, sizeof dir_a, "%s/backups-a", it_tmp_dir());
    snprintf(dir_b, sizeof dir_b, "%s/backups-b", it_tmp_dir());
    snprintf(cert, sizeof cert, "%s/certs/server.pem", it_tmp_dir());
    snprintf(pkey, sizeof pkey, "%s/certs/server.key", it_tmp_dir());
    snprintf(log, sizeof log, "%s/second.log", it_tmp_dir());

    const char *args[] = {
        "--backup-key-file", key_file, "--backup-dir", dir_a, "--backup-time", "off", NULL};
    struct it_server *s = it_server_start(args);
    snprintf(default_dir, sizeof default_dir, "%s/backups", s->data_dir);
    struct ctl_client *admin = it_login_admin(s);
    json_t *made = it_call(admin, "backups.create", json_pack("{s:s}", "description", "x"), NULL);
    REQUIRE(made);
    snprintf(file, sizeof file, "%s/%s", dir_a, it_str(json_object_get(made, "backup"), "file"));
    json_decref(made);
    json_decref(it_contract_create(admin, NULL)); /* after the backup */

    /* 1. a second pactad on the same data dir, its backups elsewhere */
    char *second[] = {PACTAD_BIN,    "--data-dir",    s->data_dir, "--listen",
                      "127.0.0.1:0", "--cert",        cert,        "--key",
                      pkey,          "--backup-dir",  dir_b,       "--backup-key-file",
                      key_file,      "--backup-time", "off",       NULL};
    int rc = it_run(second, NULL, 10000, NULL, &err);
    CHECKF(rc == 1, "a second pactad on the same data dir: exit %d (want 1: refused), %s", rc,
           err ? err : "");
    CHECKF(strstr(err ? err : "", "lock") != NULL, "says why: %s", err ? err : "");
    free(err);
    err = NULL;

    /* 2. the offline restore while pactad runs, without and with --backup-dir */
    int before = count_pbk(default_dir) + count_pbk(dir_b);
    rc = restore(file, s->data_dir, key_file, NULL, &err);
    CHECKF(rc == 2 && strstr(err ? err : "", "running"), "offline restore beside pactad: %d %s", rc,
           err ? err : "");
    free(err);
    err = NULL;
    rc = restore(file, s->data_dir, key_file, dir_b, &err);
    CHECKF(rc == 2 && strstr(err ? err : "", "running"),
           "offline restore beside pactad, other backup dir: %d %s", rc, err ? err : "");
    free(err);
    err = NULL;
    CHECKF(count_pbk(default_dir) + count_pbk(dir_b) == before,
           "a refused restore left %d safety backups",
           count_pbk(default_dir) + count_pbk(dir_b) - before);
    /* pactad still serves, on its data */
    json_t *list = it_call(admin, "contracts.list", json_object(), NULL);
    CHECK(json_array_size(json_object_get(list, "items")) == 1);
    json_decref(list);
    ctl_client_close(admin);

    /* 3. stopped: the offline restore runs, and pactad starts on its result */
    CHECK(it_server_stop(s) == 0);
    rc = restore(file, s->data_dir, key_file, dir_a, &err);
    CHECKF(rc == 0, "offline restore with pactad stopped: %d %s", rc, err ? err : "");
    free(err);
    err = NULL;
    it_server_restart(s);
    admin = it_login_admin(s);
    list = it_call(admin, "contracts.list", json_object(), NULL);
    CHECK(list && json_array_size(json_object_get(list, "items")) == 0);
    json_decref(list);
    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);
    return it_done(test_summary());
}
