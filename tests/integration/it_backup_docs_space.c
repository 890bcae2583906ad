/*
 * it_backup_docs_space: a backup that would fill the disk with the
 * documents it copies is refused before it copies any (PROTOCOL.md §6.27:
 * the disk "has not enough free space ... nothing is left behind").
 *
 * The backup directory is a 36 MB tmpfs (root only: the test says it
 * skipped otherwise).  A backup of the small database fits and is made.
 * Then three 13 MB documents are attached: the database stays small (the
 * check before starting passes), but their contents (39 MB) cannot all be
 * copied into the backup directory's store.  The backup must fail without
 * writing any of them, not copy two and fill the disk with the third.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "harness.h"
#include "it_documents_util.h"
#include "test.h"

#define DOC_BYTES (13u << 20)

static char mnt[600];
/* Files under dir, recursively. */
static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[1200];
    int n = 0;
    if (!d)
        return 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) == 0)
            n += S_ISDIR(st.st_mode) ? count_files(path) : 1;
    }
    closedir(d);
    return n;
}

static long long free_mb(const char *dir)
{
    struct statvfs v;
    return statvfs(dir, &v) == 0 ? (long long)v.f_bavail * (long long)v.f_frsize >> 20 : -1;
}

int main(void)
{
    char key_file[600], blobs[700];
    it_setup("it_backup_docs_space");
    snprintf(mnt, sizeof mnt, "%s/backups", it_tmp_dir());
    if (it_mount_tmpfs(mnt, "36m") != 0)
        return it_skipped();
    snprintf(blobs, sizeof blobs, "%s/blobs", mnt);
    snprintf(key_file, sizeof key_file, "%s", it_backup_key_file());
    const char *args[] = {
        "--backup-key-file", key_file, "--backup-time", "off", "--backup-dir", mnt, NULL};
    struct it_server *s = it_server_start(args);
    struct ctl_client *admin = it_login_admin(s);

    json_t *k = it_contract_create(admin, NULL);
    REQUIRE(k);
    char contract[40];
    snprintf(contract, sizeof contract, "%s", it_str(k, "id"));
    json_decref(k);
    /* the small database fits */
    json_t *made = it_call(admin, "backups.create", json_object(), NULL);
    CHECK(made != NULL);
    json_decref(made);

    for (unsigned i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "scan-%u.png", i);
        uint8_t *bytes = doc_png_bytes(DOC_BYTES, 40 + i);
        json_t *doc = doc_upload(admin, contract, name, bytes, DOC_BYTES);
        REQUIRE(doc);
        json_decref(doc);
        free(bytes);
    }
    long long before = free_mb(mnt);
    json_t *e = it_call_err(admin, "backups.create", json_object());
    CHECKF(e && strcmp(it_err_code(e), "unavailable") == 0,
           "a backup of 39 MB of documents "
           "on a 36 MB disk: %s",
           e ? it_err_code(e) : "made");
    json_decref(e);
    CHECKF(count_files(blobs) == 0, "%d contents copied before the disk was full, %lld MB free",
           count_files(blobs), free_mb(mnt));
    CHECKF(free_mb(mnt) == before, "%lld MB free after the refused backup, %lld before",
           free_mb(mnt), before);
    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);
    it_unmount_tmpfs();
    return it_done(test_summary());
}
