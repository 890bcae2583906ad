/*
 * it_cli_kick: the pactactl commands that follow the server until stopped
 * (`watch`, `dashboard --watch`) reconnect by themselves after a drop, but
 * not after a close the user must hear about (PROTOCOL.md §12): 4002, an
 * admin's `admin.kick` ("do not reconnect on your own"), and 4001, the
 * session ended (here: the account disabled).  They say why and exit 1, and
 * their user has no connection left afterwards.  They came straight back
 * after a kick (0.1 s for watch, 0.5 s for dashboard --watch).
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "test.h"

static char env_url[128], env_ca[600];

/* Waits until `user` has a connection; its session id, or -1. */
static json_int_t wait_connected(struct ctl_client *admin, const char *user)
{
    json_int_t id = -1;
    for (int i = 0; i < 500 && it_sessions_of(admin, user, &id, 1) == 0; i++)
        usleep(20000);
    return id;
}

/* Runs `argv` as user (password pw) until the server closes it with
 * `close`: 4002 by admin.kick, or 4001 by disabling the account. */
static void check_ends(struct ctl_client *admin, char *const argv[], const char *user,
                       const char *pw, int close, const char *what)
{
    char env_user[64], env_pw[96], log[600];
    snprintf(env_user, sizeof env_user, "PACTA_USER=%s", user);
    snprintf(env_pw, sizeof env_pw, "PACTA_PASSWORD=%s", pw);
    char *env[] = {env_url, env_ca, env_user, env_pw, NULL};
    snprintf(log, sizeof log, "%s/%s-%d.out", it_tmp_dir(), argv[1], close);

    pid_t pid = it_spawn(argv, env, log);
    json_int_t session = wait_connected(admin, user);
    CHECKF(session > 0, "%s: never connected", what);
    usleep(300000); /* past its login and subscribe */
    json_t *r = close == 4002
                    ? it_call(admin, "admin.kick", json_pack("{s:I}", "session", session), NULL)
                    : it_call(admin, "users.update",
                              json_pack("{s:s,s:b}", "username", user, "disabled", 1), NULL);
    CHECKF(r != NULL, "%s: the admin call failed", what);
    json_decref(r);
    int rc = it_wait_pid(pid, IT_TIMEOUT_MS);
    char *out = it_read_file(log);
    CHECKF(rc == 1, "%s: exit %d (still running: -1); output:\n%s", what, rc, out ? out : "");
    char code[8];
    snprintf(code, sizeof code, "(%d)", close);
    CHECKF(out && strstr(out, code), "%s: output does not say %s:\n%s", what, code, out ? out : "");
    CHECKF(!out || !strstr(out, "reconnecting in"), "%s reconnected:\n%s", what, out);
    free(out);
    json_int_t left;
    CHECKF(it_sessions_of(admin, user, &left, 1) == 0, "%s: %s still connected", what, user);
}

int main(void)
{
    it_setup("it_cli_kick");
    struct it_server *srv = it_server_start(NULL);
    it_create_role_users(srv);
    snprintf(env_url, sizeof env_url, "PACTA_URL=%s", srv->url);
    snprintf(env_ca, sizeof env_ca, "PACTA_CA=%s", it_ca_file());
    struct ctl_client *admin = it_login_admin(srv);

    char *watch[] = {PACTACTL_BIN, "watch", NULL};
    char *dash[] = {PACTACTL_BIN, "dashboard", "--watch", "--json", NULL};
    check_ends(admin, watch, IT_VIEWER_USER, IT_VIEWER_PASSWORD, 4002, "watch, kicked");
    check_ends(admin, dash, IT_VIEWER_USER, IT_VIEWER_PASSWORD, 4002, "dashboard --watch, kicked");
    check_ends(admin, dash, IT_EDITOR_USER, IT_EDITOR_PASSWORD, 4001,
               "dashboard --watch, account disabled");

    ctl_client_close(admin);
    return it_done(test_summary());
}
