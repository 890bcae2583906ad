/*
 * it_limits: what stops a client that tries too hard.
 *
 * - failed logins lock the account out (rate_limited with retry_after),
 *   even for the right password, until the lockout ends; unknown usernames
 *   lock the same way (no enumeration); a success clears the count;
 * - too many failures from one address lock the address for every user;
 * - a connection over its request rate gets rate_limited and recovers;
 * - connections per user and per address are capped.
 */
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "test.h"

/* auth.login on a fresh connection; returns the error code ("" on success). */
static char last_code[32];
static json_int_t last_retry;
static const char *try_login(const struct it_server *srv, const char *user, const char *pw)
{
    struct ctl_client *c = it_connect(srv);
    json_t *r = NULL;
    int rc = ctl_client_request(c, "auth.login",
                                json_pack("{s:s,s:s}", "username", user, "password", pw),
                                IT_TIMEOUT_MS, &r);
    snprintf(last_code, sizeof last_code, "%s", rc == 0 ? "" : rc == 1 ? it_err_code(r) : "?");
    last_retry = rc == 1 ? it_int(r, "retry_after") : -1;
    json_decref(r);
    ctl_client_close(c);
    return last_code;
}

static void test_account_lockout(void)
{
    static const char *const args[] = {"--login-max-failures", "3", "--login-lockout", "1", NULL};
    struct it_server *srv = it_server_start(args);
    it_create_role_users(srv);

    for (int i = 0; i < 3; i++)
        CHECK_STR(try_login(srv, IT_EDITOR_USER, "wrong-password"), "unauthenticated");
    /* locked: even the right password is refused, with a retry hint */
    CHECK_STR(try_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD), "rate_limited");
    CHECKF(last_retry >= 1 && last_retry <= 2, "retry_after %lld", (long long)last_retry);
    /* other accounts are not affected */
    CHECK_STR(try_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD), "");
    /* an unknown name locks the same way: the lockout says nothing about existence */
    for (int i = 0; i < 3; i++)
        CHECK_STR(try_login(srv, "nosuchuser", "whatever"), "unauthenticated");
    CHECK_STR(try_login(srv, "nosuchuser", "whatever"), "rate_limited");

    /* the lockout ends; one more failure locks again, for twice as long */
    usleep(1300 * 1000);
    CHECK_STR(try_login(srv, IT_EDITOR_USER, "wrong-password"), "unauthenticated");
    CHECK_STR(try_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD), "rate_limited");
    CHECKF(last_retry == 2, "second lockout retry_after %lld", (long long)last_retry);
    /* after it, the right password works and clears the count */
    usleep(2300 * 1000);
    CHECK_STR(try_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD), "");
    CHECK_STR(try_login(srv, IT_EDITOR_USER, "wrong-password"), "unauthenticated");
    CHECK_STR(try_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD), "");

    /* 12 failures from this address (4 x 3) lock the address for everyone */
    for (int i = 0; i < 12; i++) {
        char name[32];
        snprintf(name, sizeof name, "probe%d", i);
        try_login(srv, name, "x");
    }
    CHECK_STR(try_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD), "rate_limited");
    CHECK(it_server_stop(srv) == 0);
}

static void test_request_rate(void)
{
    static const char *const args[] = {"--rate", "5", NULL};
    struct it_server *srv = it_server_start(args);
    struct ctl_client *c = it_login_admin(srv);
    int ok = 0, limited = 0;
    for (int i = 0; i < 30; i++) {
        json_t *r = NULL;
        int rc = ctl_client_request(c, "ping", json_object(), IT_TIMEOUT_MS, &r);
        if (rc == 0)
            ok++;
        else if (rc == 1 && strcmp(it_err_code(r), "rate_limited") == 0)
            limited++;
        json_decref(r);
    }
    printf("30 pings at once with --rate 5: %d ok, %d rate_limited\n", ok, limited);
    CHECK(ok >= 5 && ok < 30 && ok + limited == 30);
    usleep(1100 * 1000);
    json_t *r = it_call(c, "ping", json_object(), NULL);
    CHECKF(r, "still limited after a second");
    json_decref(r);
    ctl_client_close(c);
    CHECK(it_server_stop(srv) == 0);
}

static void test_connection_caps(void)
{
    static const char *const args[] = {"--max-conns-per-user", "2", "--max-conns-per-address", "4",
                                       NULL};
    struct it_server *srv = it_server_start(args);
    struct ctl_client *a = it_login_admin(srv);
    struct ctl_client *b = it_login_admin(srv);
    CHECK_STR(try_login(srv, "admin", IT_ADMIN_PASSWORD), "rate_limited");
    ctl_client_close(b);
    usleep(200 * 1000);
    CHECK_STR(try_login(srv, "admin", IT_ADMIN_PASSWORD), "");

    /* 4 per address: a, and three more; the fifth is closed with 1008 */
    struct ctl_ws *w[4];
    for (int i = 0; i < 3; i++)
        w[i] = it_ws_connect(srv);
    w[3] = it_ws_connect(srv);
    int code = it_ws_wait_close(w[3], IT_TIMEOUT_MS);
    CHECKF(code == 1008, "fifth connection from one address closed with %d", code);
    for (int i = 0; i < 4; i++)
        ctl_ws_close(w[i], 1000);
    ctl_client_close(a);
    CHECK(it_server_stop(srv) == 0);
}

int main(void)
{
    it_setup("it_limits");
    test_account_lockout();
    test_request_rate();
    test_connection_caps();
    return it_done(test_summary());
}
