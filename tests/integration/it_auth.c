/*
 * it_auth: the session rules of PROTOCOL.md.  Nothing before login; bad
 * credentials never say which part was wrong; roles are enforced on every
 * message and a refused write changes nothing; tokens resume on a new
 * connection until logout, which closes the token's other sockets with
 * 4001 (and the logged-out one is unsubscribed and on the authentication
 * clock again); a connection that never authenticates is closed with 1008
 * after --auth-timeout (1 s here, so the test stays fast), also when it
 * chains failed logins back to back.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "test.h"

static void test_before_login(const struct it_server *srv)
{
    struct ctl_client *c = it_connect(srv);
    static const char *const ops[] = {"contracts.list", "ping",        "subscribe",
                                      "users.list",     "auth.logout", NULL};
    for (int i = 0; ops[i]; i++) {
        json_t *err = it_call_err(c, ops[i], json_object());
        CHECKF(strcmp(it_err_code(err), "unauthenticated") == 0, "%s -> %s", ops[i],
               it_err_code(err));
        json_decref(err);
    }
    json_t *err = it_call_err(c, "contracts.create", it_contract_args());
    CHECK_STR(it_err_code(err), "unauthenticated");
    json_decref(err);
    /* The connection is still usable: login works now. */
    json_t *lerr = NULL;
    CHECK(ctl_client_login(c, IT_VIEWER_USER, IT_VIEWER_PASSWORD, &lerr) == 0);
    json_decref(lerr);
    json_t *r = it_call(c, "ping", json_object(), NULL);
    CHECK(r && json_is_string(json_object_get(r, "time")));
    json_decref(r);
    ctl_client_close(c);
}

/* One failed login on a fresh connection (each has its own 1 s clock, so a
 * slow machine does not turn this into an auth-timeout test); the
 * connection is still unauthenticated after it. */
static json_t *failed_login(const struct it_server *srv, const char *user, const char *password)
{
    struct ctl_client *c = it_connect(srv);
    json_t *e = NULL;
    CHECKF(ctl_client_login(c, user, password, &e) == 1, "login %s/%s", user, password);
    json_t *err = it_call_err(c, "contracts.list", json_object());
    CHECK_STR(it_err_code(err), "unauthenticated");
    json_decref(err);
    ctl_client_close(c);
    return e;
}

static void test_bad_credentials(const struct it_server *srv)
{
    json_t *e1 = failed_login(srv, "admin", "wrong-password-123");
    json_t *e2 = failed_login(srv, "nobody-here", "wrong-password-123");
    json_t *e3 = failed_login(srv, IT_EDITOR_USER, "x");
    CHECK_STR(it_err_code(e1), "unauthenticated");
    CHECK_STR(it_err_code(e2), "unauthenticated");
    CHECK_STR(it_err_code(e3), "unauthenticated");
    /* Same answer for a wrong password and an unknown user. */
    CHECK_STR(it_str(e1, "message"), it_str(e2, "message"));
    CHECK_STR(it_err_field(e1), it_err_field(e2));
    json_decref(e1);
    json_decref(e2);
    json_decref(e3);
}

static void test_roles(const struct it_server *srv)
{
    struct ctl_client *ed = it_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    struct ctl_client *vi = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    json_t *c = it_contract_create(ed, NULL);
    REQUIRE(c);
    const char *id = it_str(c, "id");
    json_t *list0 = it_call(vi, "contracts.list", json_object(), NULL);
    REQUIRE(list0);

    json_t *err = it_call_err(vi, "contracts.create", it_contract_args());
    CHECK_STR(it_err_code(err), "forbidden");
    json_decref(err);
    json_t *r =
        it_contract_update(vi, id, 1, json_pack("{s:s}", "title", "Viewer was here"), NULL, &err);
    CHECK(!r);
    CHECK_STR(it_err_code(err), "forbidden");
    json_decref(r);
    json_decref(err);
    err = it_call_err(vi, "contracts.delete",
                      json_pack("{s:s, s:I}", "id", id, "version", (json_int_t)1));
    CHECK_STR(it_err_code(err), "forbidden");
    json_decref(err);
    err = it_call_err(vi, "users.create",
                      json_pack("{s:s, s:s, s:s}", "username", "mallory", "password",
                                "mallory-pass-1", "role", "admin"));
    CHECK_STR(it_err_code(err), "forbidden");
    json_decref(err);

    /* Nothing changed. */
    json_t *now = it_contract_get(vi, id);
    CHECK(now && json_equal(now, c));
    json_decref(now);
    json_t *list1 = it_call(vi, "contracts.list", json_object(), NULL);
    CHECK(list1 && json_equal(json_object_get(list0, "items"), json_object_get(list1, "items")));
    json_decref(list1);
    json_decref(list0);

    /* Viewer reads: list, get, supplements, subscribe, ping. */
    static const char *const reads[] = {"supplements.list", "subscribe", "ping", NULL};
    for (int i = 0; reads[i]; i++) {
        json_t *args = i == 0 ? json_pack("{s:s}", "contract_id", id) : json_object();
        r = it_call(vi, reads[i], args, NULL);
        CHECKF(r, "viewer %s", reads[i]);
        json_decref(r);
    }

    /* An editor writes contracts but does not manage users. */
    err = it_call_err(ed, "users.create",
                      json_pack("{s:s, s:s, s:s}", "username", "mallory", "password",
                                "mallory-pass-1", "role", "editor"));
    CHECK_STR(it_err_code(err), "forbidden");
    json_decref(err);
    err = it_call_err(ed, "users.list", json_object());
    CHECK_STR(it_err_code(err), "forbidden");
    json_decref(err);
    struct ctl_client *ad = it_login_admin(srv);
    r = it_call(ad, "users.list", json_object(), NULL);
    CHECK(r);
    int mallory = 0;
    for (size_t i = 0; r && i < json_array_size(json_object_get(r, "items")); i++)
        mallory |= strcmp(it_str(json_array_get(json_object_get(r, "items"), i), "username"),
                          "mallory") == 0;
    CHECK(!mallory);
    json_decref(r);
    /* An admin may: the new user can log in with its role. */
    CHECK(it_user_create(ad, "newed", "newed-pass-123", "editor") == 0);
    struct ctl_client *ne = it_connect(srv);
    r = it_call(ne, "auth.login",
                json_pack("{s:s, s:s}", "username", "newed", "password", "newed-pass-123"), NULL);
    CHECK(r && strcmp(it_str(json_object_get(r, "user"), "role"), "editor") == 0);
    json_decref(r);
    ctl_client_close(ne);
    ctl_client_close(ad);

    json_decref(c);
    ctl_client_close(vi);
    ctl_client_close(ed);
}

static void test_resume_and_logout(const struct it_server *srv)
{
    struct ctl_client *a = it_connect(srv);
    json_t *r = it_call(
        a, "auth.login",
        json_pack("{s:s, s:s}", "username", IT_EDITOR_USER, "password", IT_EDITOR_PASSWORD), NULL);
    REQUIRE(r);
    char token[512];
    snprintf(token, sizeof token, "%s", it_str(r, "token"));
    CHECKF(strlen(token) >= 32, "token \"%s\"", token);
    CHECK(json_is_string(json_object_get(r, "expires_at")));
    char expires[64];
    snprintf(expires, sizeof expires, "%s", it_str(r, "expires_at"));
    CHECK_STR(it_str(json_object_get(r, "user"), "username"), IT_EDITOR_USER);
    CHECK_STR(it_str(json_object_get(r, "user"), "role"), "editor");
    json_decref(r);

    /* The token works on a new connection, with the same user, role and expiry. */
    struct ctl_client *b = it_connect(srv);
    r = it_call(b, "auth.resume", json_pack("{s:s}", "token", token), NULL);
    CHECK(r && strcmp(it_str(json_object_get(r, "user"), "username"), IT_EDITOR_USER) == 0);
    CHECK(r && strcmp(it_str(r, "expires_at"), expires) == 0);
    json_decref(r);
    json_t *c = it_contract_create(b, NULL);
    CHECK(c && strcmp(it_str(c, "updated_by"), IT_EDITOR_USER) == 0);
    json_decref(c);

    /* A bad token does not. */
    struct ctl_client *x = it_connect(srv);
    json_t *err = it_call_err(x, "auth.resume", json_pack("{s:s}", "token", "not-a-token"));
    CHECK_STR(it_err_code(err), "unauthenticated");
    json_decref(err);
    ctl_client_close(x);

    /* Logout on a: b (same token) is closed with 4001, a stays open but
     * unauthenticated and its subscription ends. */
    r = it_call(a, "subscribe", json_object(), NULL);
    CHECK(r);
    json_decref(r);
    r = it_call(a, "auth.logout", json_object(), NULL);
    CHECKF(r && json_object_size(r) == 0, "auth.logout result is not {}");
    json_decref(r);
    int64_t logout_ms = it_now_ms();
    int code = it_wait_close(b, IT_TIMEOUT_MS);
    CHECKF(code == 4001, "other socket of the token closed with %d (reason \"%s\")", code,
           ctl_ws_close_reason(ctl_client_ws(b)));
    ctl_client_close(b);
    err = it_call_err(a, "contracts.list", json_object());
    CHECK_STR(it_err_code(err), "unauthenticated");
    json_decref(err);
    struct ctl_client *ed2 = it_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    c = it_contract_create(ed2, NULL);
    CHECK(c);
    json_decref(c);
    ctl_client_close(ed2);
    json_t *ev = it_wait_event(a, NULL, 300, NULL);
    CHECKF(!ev, "event delivered after logout");
    json_decref(ev);
    /* ... and the authentication deadline starts again (1 s here). */
    code = it_wait_close(a, IT_TIMEOUT_MS);
    printf("logged-out connection closed %lld ms after logout with %d\n",
           (long long)(it_now_ms() - logout_ms), code);
    CHECKF(code == 1008, "logged-out connection closed with %d", code);
    ctl_client_close(a);

    /* The token no longer resumes. */
    x = it_connect(srv);
    err = it_call_err(x, "auth.resume", json_pack("{s:s}", "token", token));
    CHECK_STR(it_err_code(err), "unauthenticated");
    json_decref(err);
    ctl_client_close(x);
}

/* Logging in again on an authenticated connection switches its identity. */
static void test_relogin(const struct it_server *srv)
{
    struct ctl_client *c = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    json_t *err = it_call_err(c, "contracts.create", it_contract_args());
    CHECK_STR(it_err_code(err), "forbidden");
    json_decref(err);
    json_t *lerr = NULL;
    CHECK(ctl_client_login(c, IT_EDITOR_USER, IT_EDITOR_PASSWORD, &lerr) == 0);
    json_decref(lerr);
    json_t *k = it_contract_create(c, NULL);
    CHECK(k && strcmp(it_str(k, "updated_by"), IT_EDITOR_USER) == 0);
    json_decref(k);
    /* And back down: the viewer may not write again. */
    CHECK(ctl_client_login(c, IT_VIEWER_USER, IT_VIEWER_PASSWORD, &lerr) == 0);
    json_decref(lerr);
    err = it_call_err(c, "contracts.create", it_contract_args());
    CHECK_STR(it_err_code(err), "forbidden");
    json_decref(err);
    ctl_client_close(c);
}

static void test_auth_timeout(const struct it_server *srv)
{
    /* Two idle connections, one raw and one that failed a login. */
    int64_t t0 = it_now_ms();
    struct ctl_ws *ws = it_ws_connect(srv);
    struct ctl_client *c = it_connect(srv);
    json_t *e = NULL;
    CHECK(ctl_client_login(c, "admin", "bad-password-99", &e) == 1);
    json_decref(e);
    int code = it_ws_wait_close(ws, IT_TIMEOUT_MS);
    int64_t elapsed = it_now_ms() - t0;
    printf("unauthenticated connection closed after %lld ms with %d\n", (long long)elapsed, code);
    CHECKF(code == 1008, "closed with %d", code);
    CHECKF(elapsed >= 900, "closed after only %lld ms", (long long)elapsed);
    ctl_ws_close(ws, 1000);
    code = it_wait_close(c, IT_TIMEOUT_MS);
    CHECKF(code == 1008, "closed with %d", code);
    ctl_client_close(c);

    /* An authenticated connection is not closed by the timer. */
    c = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    json_t *ev = NULL;
    CHECK(ctl_client_next_event(c, 2000, &ev) == 0);
    json_decref(ev);
    json_t *r = it_call(c, "ping", json_object(), NULL);
    CHECK(r);
    json_decref(r);
    ctl_client_close(c);
}

/* A failed login answered after the authentication deadline (each is
 * answered after --login-delay, 1.5 s here, past the 1 s deadline) is not
 * a way to stay connected: the next login, asked for at once, closes the
 * connection instead of starting.  (A login in flight defers the close to
 * the next tick, so a client that always had the next one in flight stayed
 * connected for as long as it liked, unauthenticated.) */
static void test_login_chain(void)
{
    static const char *const args[] = {
        "--auth-timeout", "1", "--login-max-failures", "100000", "--login-delay", "1500", NULL};
    struct it_server *srv = it_server_start(args);
    struct ctl_client *c = it_connect(srv);
    json_t *e = NULL;
    /* asked for in time, answered after the deadline: that one is answered */
    CHECK(ctl_client_login(c, "nobody-1", "wrong-password-123", &e) == 1);
    json_decref(e);
    e = NULL;
    int rc = ctl_client_login(c, "nobody-2", "wrong-password-123", &e);
    json_decref(e);
    CHECKF(rc < 0, "a login asked for after the deadline was answered (%d)", rc);
    int code = rc < 0 ? it_wait_close(c, IT_TIMEOUT_MS) : 0;
    CHECKF(code == 1008, "closed with %d", code);
    ctl_client_close(c);
    CHECK(it_server_stop(srv) == 0);
}

/* A display name of 200 two-byte characters is valid (limits count
 * characters) and comes back whole in the login answer. */
static void test_unicode_display_name(const struct it_server *srv)
{
    char name[512] = "";
    for (int i = 0; i < 200; i++)
        strcat(name, "\xc3\xa9"); /* é */
    struct ctl_client *admin = it_login_admin(srv);
    json_t *r = it_call(admin, "users.create",
                        json_pack("{s:s,s:s,s:s,s:s}", "username", "eee", "password",
                                  "eee-pass-0123", "role", "viewer", "display_name", name),
                        NULL);
    CHECK(r);
    json_decref(r);
    ctl_client_close(admin);
    struct ctl_client *c = it_connect(srv);
    r = it_call(c, "auth.login",
                json_pack("{s:s,s:s}", "username", "eee", "password", "eee-pass-0123"), NULL);
    CHECK(r && strcmp(it_str(json_object_get(r, "user"), "display_name"), name) == 0);
    json_decref(r);
    ctl_client_close(c);
}

/* One connection may have one login in flight; a second gets rate_limited. */
static void test_one_login_at_a_time(const struct it_server *srv)
{
    struct ctl_client *c = it_connect(srv);
    struct ctl_ws *ws = ctl_client_ws(c);
    static const char req[] =
        "{\"id\":%d,\"op\":\"auth.login\",\"args\":{\"username\":\"" IT_EDITOR_USER
        "\",\"password\":\"" IT_EDITOR_PASSWORD "\"}}";
    char buf[256];
    for (int id = 901; id <= 902; id++) {
        int n = snprintf(buf, sizeof buf, req, id);
        REQUIRE(ctl_ws_send_text(ws, buf, (size_t)n) == 0);
    }
    int ok = 0, limited = 0;
    for (int i = 0; i < 2; i++) {
        char *msg = NULL;
        size_t len;
        if (ctl_ws_recv(ws, IT_TIMEOUT_MS, &msg, &len) != 1)
            break;
        json_t *m = json_loads(msg, 0, NULL);
        free(msg);
        if (json_is_true(json_object_get(m, "ok")) && it_int(m, "id") == 901)
            ok++;
        if (strcmp(it_err_code(json_object_get(m, "error")), "rate_limited") == 0 &&
            it_int(m, "id") == 902)
            limited++;
        json_decref(m);
    }
    CHECKF(ok == 1 && limited == 1, "pipelined logins: %d ok, %d rate_limited", ok, limited);
    ctl_client_close(c);
}

/* Many clients logging in at once all get in: password checks wait their
 * turn on the server instead of failing, and a login still waiting when the
 * connection's 1 s authentication deadline passes is answered, not cut off
 * (96 argon2 checks, two at a time, take longer than 1 s here). */
#define STORM 96
static void *storm_login(void *arg)
{
    const struct it_server *srv = arg;
    struct ctl_client *c = it_try_connect(srv);
    intptr_t ok = c && ctl_client_login(c, IT_VIEWER_USER, IT_VIEWER_PASSWORD, NULL) == 0;
    if (c)
        ctl_client_close(c);
    return (void *)ok;
}

static void test_login_storm(const struct it_server *srv)
{
    pthread_t t[STORM];
    int ok = 0, n = it_wrapped() ? STORM / 8 : STORM; /* valgrind: argon2 is ~50x slower */
    int64_t t0 = it_now_ms();
    for (int i = 0; i < n; i++)
        pthread_create(&t[i], NULL, storm_login, (void *)srv);
    for (int i = 0; i < n; i++) {
        void *r;
        pthread_join(t[i], &r);
        ok += r != NULL;
    }
    printf("%d concurrent logins: %d ok in %lld ms\n", n, ok, (long long)(it_now_ms() - t0));
    CHECK(ok == n);
}

int main(void)
{
    it_setup("it_auth");
    static const char *const args[] = {"--auth-timeout", "1", NULL};
    struct it_server *srv = it_server_start(args);
    it_create_role_users(srv);

    test_before_login(srv);
    test_bad_credentials(srv);
    test_roles(srv);
    test_resume_and_logout(srv);
    test_relogin(srv);
    test_unicode_display_name(srv);
    test_one_login_at_a_time(srv);
    test_login_storm(srv);
    test_auth_timeout(srv);
    test_login_chain();
    return it_done(test_summary());
}
