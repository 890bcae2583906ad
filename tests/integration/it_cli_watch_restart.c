/*
 * it_cli_watch_restart: `pactactl watch` across a server restart keeps the
 * exit status README gives for how it ends.
 *
 * The server stops; watch's reconnect attempts are refused ("cannot
 * connect", a transient failure it retries) until the server is back on the
 * same port; watch resumes.  An admin's kick then ends it with status 1
 * (README: kicked or session ended -> "they say so and exit with status
 * 1"), not with the 3 of the refused connect it had retried long before.
 */
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "test.h"

/* A TCP port nothing listens on right now. */
static int free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    REQUIRE(s >= 0 && bind(s, (struct sockaddr *)&a, sizeof a) == 0 &&
            getsockname(s, (struct sockaddr *)&a, &len) == 0);
    close(s);
    return ntohs(a.sin_port);
}

/* Waits up to timeout_ms for `needle` in the file at path; 1 if seen. */
static int wait_text(const char *path, const char *needle, int timeout_ms)
{
    int64_t deadline = it_now_ms() + timeout_ms;
    do {
        char *text = it_read_file(path);
        int found = text && strstr(text, needle);
        free(text);
        if (found)
            return 1;
        usleep(20000);
    } while (it_now_ms() < deadline);
    return 0;
}

/* Edits the contract until watch has printed the edit (its title in the
 * output); 1 if it did within timeout_ms. */
static int edit_seen(struct ctl_client *admin, const char *id, const char *title, const char *log,
                     int timeout_ms)
{
    json_t *k = it_contract_get(admin, id);
    json_t *r = k ? it_contract_update(admin, id, it_int(k, "version"),
                                       json_pack("{s:s}", "title", title), NULL, NULL)
                  : NULL;
    json_decref(k);
    json_decref(r);
    return r && wait_text(log, title, timeout_ms);
}

int main(void)
{
    it_setup("it_cli_watch_restart");
    char listen[32];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", free_port());
    const char *args[] = {"--listen", listen, NULL};
    struct it_server *srv = it_server_start(args);
    it_create_role_users(srv);
    struct ctl_client *admin = it_login_admin(srv);
    json_t *k = it_contract_create(admin, NULL);
    REQUIRE(k);
    char id[40];
    snprintf(id, sizeof id, "%s", it_str(k, "id"));
    json_decref(k);

    char env_url[128], env_ca[600], log[600];
    snprintf(env_url, sizeof env_url, "PACTA_URL=%s", srv->url);
    snprintf(env_ca, sizeof env_ca, "PACTA_CA=%s", it_ca_file());
    char *env[] = {env_url, env_ca, "PACTA_USER=" IT_VIEWER_USER,
                   "PACTA_PASSWORD=" IT_VIEWER_PASSWORD, NULL};
    snprintf(log, sizeof log, "%s/watch.out", it_tmp_dir());
    char *argv[] = {PACTACTL_BIN, "watch", NULL};
    pid_t pid = it_spawn(argv, env, log);
    int seen = 0;
    for (int i = 0; i < 50 && !seen; i++)
        seen = edit_seen(admin, id, i % 2 ? "Before restart A" : "Before restart B", log, 200);
    CHECKF(seen, "watch printed no edit before the restart");

    /* down, a refused reconnect, back on the same port */
    ctl_client_close(admin);
    REQUIRE(it_server_stop(srv) == 0);
    CHECKF(wait_text(log, "cannot connect", 10000), "watch tried no reconnect while down");
    it_server_restart(srv);
    CHECK(strstr(srv->url, listen) != NULL);
    admin = it_login_admin(srv);
    seen = 0;
    for (int i = 0; i < 100 && !seen; i++)
        seen = edit_seen(admin, id, i % 2 ? "After restart A" : "After restart B", log, 200);
    CHECKF(seen, "watch did not resume after the restart");

    /* kicked: status 1 */
    json_int_t session = -1;
    CHECK(it_sessions_of(admin, IT_VIEWER_USER, &session, 1) == 1);
    json_decref(it_call(admin, "admin.kick", json_pack("{s:I}", "session", session), NULL));
    int rc = it_wait_pid(pid, IT_TIMEOUT_MS);
    char *out = it_read_file(log);
    CHECKF(rc == 1, "watch kicked after a restart: exit %d (want 1); output:\n%s", rc,
           out ? out : "");
    CHECKF(out && strstr(out, "(4002)"), "watch did not say it was kicked:\n%s", out ? out : "");
    free(out);

    ctl_client_close(admin);
    return it_done(test_summary());
}
