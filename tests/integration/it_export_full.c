/*
 * it_export_full: an export that meets a full disk gives the space back
 * (PROTOCOL.md §6.31 "unavailable: ... the disk is full").
 *
 * The export directory is put on a tmpfs of 4 MiB (DATA_DIR/exports a
 * symbolic link to it, then a restart), and 300 contracts with a long
 * description make an XLSX that cannot fit: libxlsxwriter fails while it
 * zips the sheet.  The answer is unavailable, and once it came every
 * block of the tmpfs is free again and pactad holds no file there (it
 * kept the sheet's temporary file open for ever: 1 MiB of the full disk,
 * and a descriptor, until a restart).  Then a CSV and an XLSX of a few
 * contracts are made on the same disk, and leave nothing in the export
 * directory once read; an XLSX's temporary directory that a crash left
 * is removed at start-up.
 *
 * Mounting a tmpfs needs root (CAP_SYS_ADMIN): without it the test says
 * so and checks nothing else.
 */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "it_export_util.h"

static char mnt[600];

/* Blocks of the tmpfs in use. */
static long long used_blocks(void)
{
    struct statvfs st;
    REQUIRE(statvfs(mnt, &st) == 0);
    return (long long)(st.f_blocks - st.f_bfree);
}

/* Entries in mnt (the export directory). */
static int entries(void)
{
    int n = 0;
    DIR *d = opendir(mnt);
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            fprintf(stderr, "in the export directory: %s\n", e->d_name);
            n++;
        }
    if (d)
        closedir(d);
    return n;
}

/* Descriptors of pid open on files under mnt. */
static int fds_under(pid_t pid)
{
    char dir[64], path[600], target[1024];
    int n = 0;
    snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pid);
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        ssize_t len = readlink(path, target, sizeof target - 1);
        if (len <= 0)
            continue;
        target[len] = '\0';
        if (strncmp(target, mnt, strlen(mnt)) == 0 && target[strlen(mnt)] == '/') {
            fprintf(stderr, "pactad holds %s\n", target);
            n++;
        }
    }
    if (d)
        closedir(d);
    return n;
}

int main(void)
{
    it_setup("it_export_full");
    snprintf(mnt, sizeof mnt, "%s/small-disk", it_tmp_dir());
    if (it_mount_tmpfs(mnt, "4m") != 0)
        return it_skipped();
    const char *extra[] = {"--export-min-free", "0", NULL};
    struct it_server *srv = it_server_start(extra);
    it_create_role_users(srv);
    struct ctl_client *ed = it_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    char *desc = malloc(10001);
    REQUIRE(desc);
    for (int i = 0; i < 10000; i++)
        desc[i] = (char)('a' + (i * 7919) % 26); /* compresses badly enough */
    desc[10000] = '\0';
    for (int i = 0; i < 300; i++) {
        char num[32];
        snprintf(num, sizeof num, "F-%04d", i);
        json_t *c = it_contract_create(
            ed, json_pack("{s:s, s:s}", "number", num, "description", i < 290 ? desc : "short"));
        REQUIRE(c);
        json_decref(c);
    }
    free(desc);
    ctl_client_close(ed);

    it_server_stop(srv);
    char exports[700];
    snprintf(exports, sizeof exports, "%s/exports", srv->data_dir);
    REQUIRE(rmdir(exports) == 0 && symlink(mnt, exports) == 0);
    /* what a crash during an XLSX export leaves: removed at start-up */
    char crash[700];
    snprintf(crash, sizeof crash, "%s/.xlsx-AbC123", mnt);
    REQUIRE(mkdir(crash, 0700) == 0);
    it_server_restart(srv);
    CHECK(entries() == 0);
    ed = it_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    long long before = used_blocks();

    json_t *err = it_call_err(ed, "export.contracts", json_pack("{s:s}", "format", "xlsx"));
    CHECKF(err && strcmp(it_err_code(err), "unavailable") == 0, "xlsx on a full disk: %s",
           err ? it_err_code(err) : "made");
    json_decref(err);
    /* the export's files are closed in the pool after the answer */
    long long used = -1;
    for (int i = 0; i < 100 && (used = used_blocks()) > before; i++)
        usleep(50 * 1000);
    CHECKF(used <= before,
           "%lld blocks of the export disk still used after the failure (%lld "
           "before)",
           used, before);
    CHECK(fds_under(srv->pid) == 0);

    /* the disk is usable again: small exports are made */
    struct blob b;
    json_t *made = it_export(
        ed, json_pack("{s:s, s:{s:s}}", "format", "xlsx", "filters", "text", "F-029"), &b);
    CHECKF(made && it_int(made, "rows") == 10, "xlsx of F-0290..F-0299 after the failure");
    json_decref(made);
    if (made)
        free(b.data);
    made =
        it_export(ed, json_pack("{s:s, s:{s:s}}", "format", "csv", "filters", "text", "F-029"), &b);
    CHECK(made != NULL);
    json_decref(made);
    if (made)
        free(b.data);

    /* read to the end, the exports are gone, their temporary directories too */
    for (int i = 0; i < 100 && entries() > 0; i++)
        usleep(50 * 1000);
    CHECK(entries() == 0);

    ctl_client_close(ed);
    it_server_stop(srv);
    it_unmount_tmpfs();
    return it_done(test_summary());
}
