/*
 * it_cli_interrupt: an interrupted `pactactl export` or `documents
 * download` leaves nothing behind (README: "an interrupted export never
 * leaves a half file").  Both fill a temporary file next to the target and
 * rename it into place once its SHA-256 is checked; Ctrl-C (SIGINT), kill
 * (SIGTERM) or a closed terminal (SIGHUP) in between must remove that
 * temporary file too, not leave a hidden partial copy in the user's
 * directory.
 *
 *  - export: pointed at a server that accepts the TCP connection and then
 *    says nothing, pactactl waits in the TLS handshake with its temporary
 *    file made (it is made before connecting); SIGINT, then SIGTERM, each
 *    sent 20 times the moment the file is created.
 *  - download: a 6 MiB document; once the ".NAME.part-" file is there, the
 *    server is stopped (SIGSTOP) so the download waits for its next chunk,
 *    pactactl gets SIGHUP, and the server is let go again.
 *  - offline `backup verify FILE`: it decrypts the backup's whole database
 *    into a temporary file (in $TMPDIR, not always /tmp); stopped there by
 *    SIGINT, that plaintext copy of every contract must not stay behind.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "it_documents_util.h"
#include "test.h"

static char env_url[128], env_ca[600];
static char *ctl_env[] = {env_url, env_ca, "PACTA_PASSWORD=" IT_ADMIN_PASSWORD, "PACTA_USER=admin",
                          NULL};

/* Files in dir (any name), and the name of the first one in *first. */
static int count_files(const char *dir, char *first, size_t n)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int count = 0;
    if (first && n)
        first[0] = '\0';
    while (d && (e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (count++ == 0 && first)
            snprintf(first, n, "%s", e->d_name);
    }
    if (d)
        closedir(d);
    return count;
}

/* Waits up to timeout_ms for a file to appear in dir; 1 if one did. */
static int wait_for_file(const char *dir, int timeout_ms)
{
    int64_t deadline = it_now_ms() + timeout_ms;
    while (it_now_ms() < deadline) {
        if (count_files(dir, NULL, 0) > 0)
            return 1;
        usleep(1000);
    }
    return 0;
}

static pid_t spawn_ctl(char *const argv[], const char *log)
{
    return it_spawn(argv, ctl_env, log);
}

/* export to dir/out.csv against a server that never answers, stopped by sig
 * the moment the temporary file is created (inotify): the signal then lands
 * as close as a user's can to the file's making, where pactactl once died
 * without having recorded the file's name yet; done `rounds` times */
static void export_interrupted(int sig, const char *silent_url, int rounds)
{
    char dir[600], out[700], log[600], left[256];
    snprintf(dir, sizeof dir, "%s/export-%d", it_tmp_dir(), sig);
    REQUIRE(mkdir(dir, 0700) == 0);
    snprintf(out, sizeof out, "%s/out.csv", dir);
    snprintf(log, sizeof log, "%s/export-%d.log", it_tmp_dir(), sig);
    char *argv[] = {PACTACTL_BIN, "--url", (char *)silent_url, "export", "--format", "csv", "-o",
                    out,          NULL};
    int in = inotify_init1(IN_CLOEXEC);
    REQUIRE(in >= 0 && inotify_add_watch(in, dir, IN_CREATE) >= 0);
    for (int r = 0; r < rounds; r++) {
        pid_t pid = spawn_ctl(argv, log);
        struct pollfd p = {.fd = in, .events = POLLIN};
        char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
        int made = poll(&p, 1, 5000) == 1 && read(in, ev, sizeof ev) > 0;
        kill(pid, sig);
        CHECKF(made, "export made no temporary file in %s", dir);
        int st = it_wait_pid(pid, 10000);
        CHECKF(st != -1 && st != 0, "export after signal %d: status %d", sig, st);
        int n = count_files(dir, left, sizeof left);
        CHECKF(n == 0, "signal %d, round %d: export left %d file(s) behind: %s", sig, r, n, left);
        if (!made || n)
            break;
    }
    close(in);
}

int main(void)
{
    it_setup("it_cli_interrupt");
    const char *args[] = {"--backup-key-file", it_backup_key_file(), "--backup-time", "off", NULL};
    struct it_server *srv = it_server_start(args);
    snprintf(env_url, sizeof env_url, "PACTA_URL=%s", srv->url);
    snprintf(env_ca, sizeof env_ca, "PACTA_CA=%s", it_ca_file());

    /* ---- export: a server that never says a word ------------------------ */
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    REQUIRE(ls >= 0 && bind(ls, (struct sockaddr *)&a, sizeof a) == 0 && listen(ls, 8) == 0 &&
            getsockname(ls, (struct sockaddr *)&a, &alen) == 0);
    char silent_url[64];
    snprintf(silent_url, sizeof silent_url, "wss://127.0.0.1:%d", ntohs(a.sin_port));
    export_interrupted(SIGINT, silent_url, 20);
    export_interrupted(SIGTERM, silent_url, 20);
    close(ls);

    /* ---- documents download stopped half way ---------------------------- */
    struct ctl_client *admin = it_login_admin(srv);
    json_t *k = it_contract_create(admin, NULL);
    REQUIRE(k);
    size_t len = 6u << 20;
    uint8_t *data = doc_png_bytes(len, 7);
    json_t *doc = doc_upload(admin, it_str(k, "id"), "scan.png", data, len);
    free(data);
    REQUIRE(doc);
    char dir[600], out[700], log[600], left[256];
    snprintf(dir, sizeof dir, "%s/download", it_tmp_dir());
    REQUIRE(mkdir(dir, 0700) == 0);
    snprintf(out, sizeof out, "%s/scan.png", dir);
    snprintf(log, sizeof log, "%s/download.log", it_tmp_dir());
    char *argv[] = {PACTACTL_BIN, "documents", "download", (char *)it_str(doc, "id"),
                    "-o",         out,         NULL};
    /* the server is stopped as soon as the part file shows; on a loaded
     * machine the whole download can finish before that (the test was
     * descheduled): then it is done again, up to 5 times */
    pid_t pid = -1;
    int seen = 0, n = 0;
    for (int attempt = 0; attempt < 5; attempt++) {
        pid = spawn_ctl(argv, log);
        seen = wait_for_file(dir, 10000);
        kill(srv->pid, SIGSTOP);
        n = count_files(dir, left, sizeof left);
        if (seen && n == 1 && strstr(left, ".part-"))
            break;
        kill(srv->pid, SIGCONT);
        it_wait_pid(pid, 10000);
        unlink(out); /* finished before it could be stopped */
    }
    CHECKF(seen && n == 1 && strstr(left, ".part-"),
           "no half-done download to interrupt (%d file(s): %s)", n, left);
    kill(pid, SIGHUP);
    int st = it_wait_pid(pid, 10000);
    kill(srv->pid, SIGCONT);
    CHECKF(st != -1 && st != 0, "download after SIGHUP: status %d", st);
    n = count_files(dir, left, sizeof left);
    CHECKF(n == 0, "the interrupted download left %d file(s) behind: %s", n, left);

    /* ---- offline backup verify stopped while it decrypts ----------------- */
    char db[600], file[900], vdir[600], vlog[600], tmpdir_env[700];
    it_server_db_path(srv, db, sizeof db);
    json_t *b = it_backup_of_a_big_past(admin, db);
    snprintf(file, sizeof file, "%s/backups/%s", srv->data_dir, it_str(b, "file"));
    json_decref(b);
    snprintf(vdir, sizeof vdir, "%s/verify-tmp", it_tmp_dir());
    REQUIRE(mkdir(vdir, 0700) == 0);
    snprintf(vlog, sizeof vlog, "%s/verify.log", it_tmp_dir());
    snprintf(tmpdir_env, sizeof tmpdir_env, "TMPDIR=%s", vdir);
    char *venv[] = {tmpdir_env, NULL};
    char *vargv[] = {
        PACTACTL_BIN, "backup", "verify", file, "--key-file", (char *)it_backup_key_file(), NULL};
    for (int attempt = 0; attempt < 5; attempt++) { /* as the download, above */
        pid = it_spawn(vargv, venv, vlog);
        seen = wait_for_file(vdir, 10000);
        kill(pid, SIGSTOP);
        n = count_files(vdir, left, sizeof left);
        if (seen && n == 1)
            break;
        kill(pid, SIGCONT);
        it_wait_pid(pid, 10000);
    }
    CHECKF(seen && n == 1, "no decrypted copy in $TMPDIR while verifying (%d file(s): %s)", n,
           left);
    kill(pid, SIGINT);
    kill(pid, SIGCONT);
    st = it_wait_pid(pid, 10000);
    CHECKF(st != -1 && st != 0, "verify after SIGINT: status %d", st);
    n = count_files(vdir, left, sizeof left);
    CHECKF(n == 0, "the interrupted verify left %d file(s) behind: %s", n, left);

    json_decref(doc);
    json_decref(k);
    ctl_client_close(admin);
    return it_done(test_summary());
}
