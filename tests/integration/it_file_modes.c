/*
 * it_file_modes: what pactad writes in its data directory is its own.
 *
 * The database holds every contract, the users' password hashes and their
 * session hashes in plain SQLite; the documents, the exports and the
 * backups are as private.  pactad makes its directories 0700, but an
 * operator often makes the data directory itself (a package, systemd's
 * StateDirectory=, both 0755 by default): a file readable by others in it
 * is readable by every account on the machine.  So every file pactad
 * creates there must have no group or other permission, whatever the umask
 * it was started with (022 here, the usual one); and a database left
 * readable by others (an older pactad made it so) is warned about.
 */
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"
#include "it_documents_util.h"
#include "test.h"

static int n_files, n_open;
static char open_files[2048];

static int visit(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)ftw;
    if (flag != FTW_F && flag != FTW_D)
        return 0;
    n_files++;
    if (st->st_mode & 077) {
        n_open++;
        size_t used = strlen(open_files);
        snprintf(open_files + used, sizeof open_files - used, " %s (%03o)", path,
                 (unsigned)st->st_mode & 0777);
    }
    return 0;
}

int main(void)
{
    it_setup("it_file_modes");
    umask(022);
    const char *args[] = {"--backup-key-file", it_backup_key_file(), "--backup-time", "off", NULL};
    struct it_server *srv = it_server_start(args);
    struct ctl_client *admin = it_login_admin(srv);

    /* something in each place: the database, a document, an export, a backup */
    json_t *c = it_contract_create(admin, NULL);
    REQUIRE(c != NULL);
    size_t len = 5000;
    uint8_t *data = doc_png_bytes(len, 3);
    json_t *doc = doc_upload(admin, it_str(c, "id"), "scan.png", data, len);
    CHECK(doc != NULL);
    json_decref(doc);
    free(data);
    json_t *e = it_call(admin, "export.contracts", json_pack("{s:s}", "format", "csv"), NULL);
    CHECK(e != NULL); /* made, not read: its file waits in exports/ */
    json_decref(e);
    json_t *b = it_call(admin, "backups.create", json_object(), NULL);
    CHECK(b != NULL);
    json_decref(b);
    json_decref(c);

    /* while it runs (the -wal and -shm are there) */
    nftw(srv->data_dir, visit, 16, FTW_PHYS);
    CHECK(n_files >= 8);
    CHECKF(n_open == 0, "%d of %d readable by others:%s", n_open, n_files, open_files);
    ctl_client_close(admin);

    /* a database made readable by an older server: said at start-up */
    CHECK(it_server_stop(srv) == 0);
    char db[600];
    it_server_db_path(srv, db, sizeof db);
    CHECK(chmod(db, 0644) == 0);
    it_server_restart(srv);
    char *log = it_read_file(srv->log_path);
    CHECKF(log && strstr(log + srv->log_start, "the database file is readable by other accounts"),
           "no warning about %s (0644)", db);
    free(log);
    return it_done(test_summary());
}
