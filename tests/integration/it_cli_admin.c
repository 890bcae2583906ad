/*
 * it_cli_admin: pactactl's exit codes and output where an operator's
 * script depends on them (README "Exit codes: 0 ok, 1 the server answered
 * with an error, 2 usage error, 3 cannot connect").
 *
 * - follow: `watch` and `dashboard --watch` reconnect after a drop, but a
 *   URL that is not wss://, a CA file that cannot be read (2) or a server
 *   certificate the pinned CA did not issue (3) cannot get better by
 *   retrying: they say so and exit instead of retrying for ever;
 * - http: `health` and `metrics` treat a CA file that cannot be read as
 *   every other command does (2, not 3 "cannot be reached");
 * - self: `user update` of one's own password (or account) prints the
 *   update and exits 0, though the server then ends the session;
 * - slow_refusal: a wrong password whose answer the server holds longer
 *   than 10 s (--login-delay, doubling with each failure) is still
 *   "invalid credentials", exit 1 (pactactl gave up after 10 s and said
 *   "no answer from the server within 30 s", exit 3);
 * - nothing is printed on stdout for any of these errors.
 */
#include <string.h>

#include "harness.h"
#include "test.h"

static char env_url[128], env_ca[600], env_user[80], env_pw[120];

/* Runs pactactl with up to 4 args and env overrides (NULL-terminated,
 * after the defaults); exit status, output in *out (stdout) and *err. */
static int ctl(char *const extra_env[], char **out, char **err, const char *a1, const char *a2,
               const char *a3, const char *a4)
{
    char *env[16];
    int n = 0;
    env[n++] = env_url;
    env[n++] = env_ca;
    env[n++] = env_user;
    env[n++] = env_pw;
    for (int i = 0; extra_env && extra_env[i] && n < 15; i++)
        env[n++] = extra_env[i];
    env[n] = NULL;
    char *argv[] = {PACTACTL_BIN, (char *)a1, (char *)a2, (char *)a3, (char *)a4, NULL};
    int rc = it_run(argv, env, 20000, out, err);
    fprintf(stderr, "pactactl %s %s %s -> %d\n", a1 ? a1 : "", a2 ? a2 : "", a3 ? a3 : "", rc);
    return rc;
}

/* Runs one failing case: exit `want`, stderr holding `says`, stdout empty. */
static void expect_fail(char *const extra_env[], int want, const char *says, const char *what,
                        const char *a1, const char *a2, const char *a3)
{
    char *out = NULL, *err = NULL;
    int rc = ctl(extra_env, &out, &err, a1, a2, a3, NULL);
    CHECKF(rc == want, "%s: exit %d, want %d (-1: still running after 20 s); stderr:\n%s", what, rc,
           want, err ? err : "");
    CHECKF(err && strstr(err, says), "%s: stderr does not say \"%s\":\n%s", what, says,
           err ? err : "");
    CHECKF(!out || !*out, "%s: stdout not empty:\n%s", what, out);
    free(out);
    free(err);
}

static void test_follow(const char *other_ca)
{
    static char bad_url[] = "PACTA_URL=ws://127.0.0.1:1";
    static char no_ca[] = "PACTA_CA=/nonexistent/ca.pem";
    char wrong_ca[720];
    snprintf(wrong_ca, sizeof wrong_ca, "PACTA_CA=%s", other_ca);
    char *env_bad_url[] = {bad_url, NULL}, *env_no_ca[] = {no_ca, NULL},
         *env_wrong_ca[] = {wrong_ca, NULL};
    static const char *const cmds[][2] = {{"watch", NULL}, {"dashboard", "--watch"}};
    for (int i = 0; i < 2; i++) {
        const char *a1 = cmds[i][0], *a2 = cmds[i][1];
        char what[96];
        snprintf(what, sizeof what, "%s%s%s, bad URL", a1, a2 ? " " : "", a2 ? a2 : "");
        expect_fail(env_bad_url, 2, "bad URL", what, a1, a2, NULL);
        snprintf(what, sizeof what, "%s%s%s, CA file missing", a1, a2 ? " " : "", a2 ? a2 : "");
        expect_fail(env_no_ca, 2, "/nonexistent/ca.pem", what, a1, a2, NULL);
        snprintf(what, sizeof what, "%s%s%s, another CA", a1, a2 ? " " : "", a2 ? a2 : "");
        expect_fail(env_wrong_ca, 3, "TLS verify failed", what, a1, a2, NULL);
    }
}

static void test_http(void)
{
    static char no_ca[] = "PACTA_CA=/nonexistent/ca.pem";
    char *env[] = {no_ca, NULL};
    expect_fail(env, 2, "/nonexistent/ca.pem", "health, CA file missing", "health", NULL, NULL);
    expect_fail(env, 2, "/nonexistent/ca.pem", "metrics, CA file missing", "metrics", NULL, NULL);
}

static void test_self(void)
{
    /* ad2 changes its own password (read from stdin: none here, so from a file) */
    static char user[] = "PACTA_USER=" IT_ADMIN2_USER, pw[] = "PACTA_PASSWORD=" IT_ADMIN2_PASSWORD;
    char *env[] = {user, pw, NULL};
    char path[600], *out = NULL, *err = NULL;
    snprintf(path, sizeof path, "%s/newpw", it_tmp_dir());
    FILE *f = fopen(path, "w");
    REQUIRE(f);
    fputs("admin2-other-pass\n", f);
    fclose(f);
    /* stdin from the file: it_run gives the child /dev/null, so use sh */
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "exec '%s' user update " IT_ADMIN2_USER " --password < '%s'",
             PACTACTL_BIN, path);
    char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    char *full_env[] = {env_url, env_ca, env[0], env[1], NULL};
    int rc = it_run(argv, full_env, 20000, &out, &err);
    CHECKF(rc == 0, "own password: exit %d; stderr:\n%s", rc, err ? err : "");
    CHECKF(out && strstr(out, "updated user " IT_ADMIN2_USER), "own password: stdout:\n%s",
           out ? out : "");
    free(out);
    free(err);
}

static void test_slow_refusal(void)
{
    const char *extra[] = {"--login-delay", "11000", NULL};
    struct it_server *slow = it_server_start(extra);
    char url[128], wrong[] = "PACTA_PASSWORD=not-the-password";
    snprintf(url, sizeof url, "PACTA_URL=%s", slow->url);
    char *env[] = {url, wrong, NULL};
    expect_fail(env, 1, "invalid credentials", "a failed login held 11 s", "stats", NULL, NULL);
    it_server_stop(slow);
}

int main(void)
{
    it_setup("it_cli_admin");
    struct it_server *srv = it_server_start(NULL);
    it_create_role_users(srv);
    snprintf(env_url, sizeof env_url, "PACTA_URL=%s", srv->url);
    snprintf(env_ca, sizeof env_ca, "PACTA_CA=%s", it_ca_file());
    snprintf(env_user, sizeof env_user, "PACTA_USER=admin");
    snprintf(env_pw, sizeof env_pw, "PACTA_PASSWORD=" IT_ADMIN_PASSWORD);

    /* a CA of its own, which did not issue the server's certificate */
    char other[600], script[600];
    snprintf(other, sizeof other, "%s/other-ca", it_tmp_dir());
    snprintf(script, sizeof script, "%s/certs/gen-dev-certs.sh", PACTA_SOURCE_DIR);
    char *gen[] = {script, other, NULL};
    REQUIRE(it_run(gen, NULL, 60000, NULL, NULL) == 0);
    char other_ca[700];
    snprintf(other_ca, sizeof other_ca, "%s/ca.pem", other);

    test_follow(other_ca);
    test_http();
    test_self();
    test_slow_refusal();
    return it_done(test_summary());
}
