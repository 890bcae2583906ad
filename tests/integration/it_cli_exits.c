/*
 * it_cli_exits: what a script sees from pactactl when things go wrong after
 * the server was reached.
 *
 *  - A request over the server's message limit: the server closes with 1009
 *    ("message too big", PROTOCOL.md §12: fix the client, do not resend).
 *    The server was reached and refused the request, so pactactl exits 1
 *    (the server answered with an error) and names the limit, not 3
 *    ("cannot connect": a script would retry the same request forever).
 *    `contracts update` with a 70 KB description and `call` with a 70 KB
 *    argument both.
 *  - `pactactl watch | head -1`: once the reader of its output is gone,
 *    watch ends at its next line instead of following the server forever
 *    (it ignored SIGPIPE for its socket's sake, so its writes to the closed
 *    pipe failed unnoticed).  The test's own process ignores SIGPIPE (the
 *    harness does), which pactactl inherits: it must end all the same.
 *  - `contracts list --all` into a closed pipe ends too, by SIGPIPE, rather
 *    than walking every page.
 *  - Output that cannot be written (a full disk: /dev/full) is an error a
 *    script can see: `contracts list > /dev/full` exits 2 and says so
 *    (it exited 0 with nothing written), `watch` and `dashboard --watch`
 *    end instead of consuming events they cannot print.
 *  - `pactactl contracts --help` names a flag for every writable field of
 *    the protocol's contract (the flags are made from that table; the help
 *    is written by hand).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pacta/protocol.h>

#include "harness.h"
#include "test.h"

static char env_url[128], env_ca[600];
static char *ctl_env[] = {env_url, env_ca, "PACTA_PASSWORD=" IT_ADMIN_PASSWORD, "PACTA_USER=admin",
                          NULL};

/* Starts pactactl argv with its stdout the write end of a pipe whose read
 * end is closed at once (a reader that went away), or /dev/full when
 * full, stderr to err_path. */
static pid_t spawn_into(char *const argv[], const char *err_path, int full)
{
    int p[2];
    REQUIRE(pipe(p) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        for (char *const *e = ctl_env; *e; e++)
            putenv(*e);
        int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int out = full ? open("/dev/full", O_WRONLY) : p[1];
        dup2(out, 1);
        if (fd >= 0)
            dup2(fd, 2);
        close(p[0]);
        close(p[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(p[1]);
    close(p[0]);
    return pid;
}

static pid_t spawn_into_closed_pipe(char *const argv[], const char *err_path)
{
    return spawn_into(argv, err_path, 0);
}

/* Waits up to timeout_ms for pid, editing the contract every 100 ms so that
 * a watcher has lines to write.  The wait status, or -1 if still running
 * (then killed). */
static int wait_while_editing(pid_t pid, struct ctl_client *admin, const char *id, int timeout_ms)
{
    json_t *k = it_contract_get(admin, id);
    json_int_t version = k ? it_int(k, "version") : 1;
    json_decref(k);
    int64_t deadline = it_now_ms() + timeout_ms;
    int st;
    for (int i = 0; it_now_ms() < deadline; i++) {
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid)
            return st;
        char title[64];
        snprintf(title, sizeof title, "Edit %d", i);
        json_t *r =
            it_contract_update(admin, id, version, json_pack("{s:s}", "title", title), NULL, NULL);
        if (r)
            version = it_int(json_object_get(r, "contract"), "version");
        json_decref(r);
        usleep(100000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    return -1;
}

int main(void)
{
    it_setup("it_cli_exits");
    struct it_server *srv = it_server_start(NULL);
    snprintf(env_url, sizeof env_url, "PACTA_URL=%s", srv->url);
    snprintf(env_ca, sizeof env_ca, "PACTA_CA=%s", it_ca_file());
    struct ctl_client *admin = it_login_admin(srv);
    json_t *k = it_contract_create(admin, NULL);
    REQUIRE(k);
    char id[40];
    snprintf(id, sizeof id, "%s", it_str(k, "id"));
    json_decref(k);

    /* ---- a request over the message limit: exit 1, not 3 -------------- */
    size_t big_len = 70000;
    char *big = malloc(big_len + 1);
    REQUIRE(big);
    memset(big, 'a', big_len);
    big[big_len] = '\0';
    {
        char *out = NULL, *err = NULL;
        char *argv[] = {PACTACTL_BIN, "contracts",     "update", id,  "--version",
                        "1",          "--description", big,      NULL};
        int rc = it_run(argv, ctl_env, 30000, &out, &err);
        CHECKF(rc == 1, "contracts update with a 70 KB description: exit %d (want 1): %s", rc,
               err ? err : "");
        CHECKF(err && strstr(err, "1009"), "stderr does not name the close: %s", err ? err : "");
        CHECKF(err && strstr(err, "too large"), "stderr does not say the request is too large: %s",
               err ? err : "");
        free(out);
        free(err);
    }
    {
        char *out = NULL, *err = NULL;
        size_t n = big_len + 64;
        char *args = malloc(n);
        REQUIRE(args);
        snprintf(args, n, "{\"id\":\"%s\",\"pad\":\"%s\"}", id, big);
        char *argv[] = {PACTACTL_BIN, "call", "contracts.get", args, NULL};
        int rc = it_run(argv, ctl_env, 30000, &out, &err);
        CHECKF(rc == 1, "call with a 70 KB argument: exit %d (want 1): %s", rc, err ? err : "");
        free(args);
        free(out);
        free(err);
    }
    free(big);
    /* The contract was not changed, and a request of normal size works. */
    k = it_contract_get(admin, id);
    CHECK(k && it_int(k, "version") == 1);
    json_decref(k);

    /* ---- watch into a pipe nobody reads any more ----------------------- */
    {
        char errp[600];
        snprintf(errp, sizeof errp, "%s/watch.err", it_tmp_dir());
        char *argv[] = {PACTACTL_BIN, "watch", NULL};
        pid_t pid = spawn_into_closed_pipe(argv, errp);
        int st = wait_while_editing(pid, admin, id, 15000);
        CHECKF(st != -1, "pactactl watch kept running with its output closed");
        if (st != -1)
            CHECKF((WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE) ||
                       (WIFEXITED(st) && WEXITSTATUS(st) != 0),
                   "watch ended with status 0x%x (want SIGPIPE or a failure exit)", st);
    }

    /* ---- contracts list --all into a closed pipe ----------------------- */
    for (int i = 0; i < 30; i++)
        json_decref(it_contract_create(admin, NULL));
    {
        char errp[600];
        snprintf(errp, sizeof errp, "%s/list.err", it_tmp_dir());
        char *argv[] = {PACTACTL_BIN, "contracts", "list", "--all", "--limit", "1", NULL};
        pid_t pid = spawn_into_closed_pipe(argv, errp);
        int st = it_wait_pid(pid, 30000);
        CHECKF(st != 0 && st != -1, "contracts list --all into a closed pipe: status %d", st);
    }

    /* ---- output to a full disk ----------------------------------------- */
    {
        char errp[600];
        snprintf(errp, sizeof errp, "%s/full.err", it_tmp_dir());
        char *argv[] = {PACTACTL_BIN, "contracts", "list", NULL};
        pid_t pid = spawn_into(argv, errp, 1);
        int st = it_wait_pid(pid, 30000);
        char *err = it_read_file(errp);
        CHECKF(st == 2, "contracts list > /dev/full: status %d (want 2): %s", st, err ? err : "");
        CHECKF(err && strstr(err, "cannot write the output"), "no word of the failed write: %s",
               err ? err : "");
        free(err);
        char *wargv[] = {PACTACTL_BIN, "watch", NULL};
        pid = spawn_into(wargv, errp, 1);
        st = wait_while_editing(pid, admin, id, 15000);
        CHECKF(st != -1, "pactactl watch > /dev/full kept running");
        if (st != -1)
            CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 2, "watch > /dev/full: status 0x%x", st);
        char *dargv[] = {PACTACTL_BIN, "dashboard", "--watch", NULL};
        pid = spawn_into(dargv, errp, 1);
        st = wait_while_editing(pid, admin, id, 15000);
        CHECKF(st != -1, "pactactl dashboard --watch > /dev/full kept running");
        if (st != -1)
            CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 2,
                   "dashboard --watch > /dev/full: status 0x%x", st);
    }

    /* ---- every field flag in the help ----------------------------------- */
    {
        char *out = NULL;
        char *argv[] = {PACTACTL_BIN, "contracts", "--help", NULL};
        CHECK(it_run(argv, NULL, 10000, &out, NULL) == 0);
        for (int i = 0; out && pacta_contract_fields[i].name; i++) {
            char flag[64];
            snprintf(flag, sizeof flag, "--%s", pacta_contract_fields[i].name);
            for (char *p = flag + 2; *p; p++)
                if (*p == '_')
                    *p = '-';
            /* a whole flag: not the prefix of a longer one */
            const char *at = out;
            int found = 0;
            while (!found && (at = strstr(at, flag)) != NULL) {
                at += strlen(flag);
                found = *at != '-' && (*at < 'a' || *at > 'z');
            }
            CHECKF(found, "contracts --help does not name %s", flag);
        }
        free(out);
    }

    ctl_client_close(admin);
    return it_done(test_summary());
}
