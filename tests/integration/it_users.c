/*
 * it_users: an admin's changes to a user reach that user's open sockets.
 *
 * - a new role applies to the next request on a connection already open;
 * - disabling a user closes their sockets (4001) and refuses their login
 *   and their old tokens; enabling them again lets them back in;
 * - a new password ends their sessions, the old password stops working;
 * - the last enabled admin can be neither demoted nor disabled;
 * - a token that expires closes the sockets using it (4001).
 */
#include <string.h>

#include "harness.h"
#include "test.h"

static json_t *update(struct ctl_client *admin, json_t *args_steal, json_t **err)
{
    return it_call(admin, "users.update", args_steal, err);
}

static const char *login_code(const struct it_server *srv, const char *user, const char *pw)
{
    static char code[32];
    struct ctl_client *c = it_connect(srv);
    json_t *r = NULL;
    int rc = ctl_client_request(c, "auth.login",
                                json_pack("{s:s,s:s}", "username", user, "password", pw),
                                IT_TIMEOUT_MS, &r);
    snprintf(code, sizeof code, "%s", rc == 0 ? "" : rc == 1 ? it_err_code(r) : "?");
    json_decref(r);
    ctl_client_close(c);
    return code;
}

static void test_role_and_disable(const struct it_server *srv, struct ctl_client *admin)
{
    struct ctl_client *ed = it_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    json_t *k = it_contract_create(ed, NULL);
    CHECK(k);
    json_decref(k);

    /* editor -> viewer: the open connection loses write access at once */
    json_t *r =
        update(admin, json_pack("{s:s,s:s}", "username", IT_EDITOR_USER, "role", "viewer"), NULL);
    CHECK(r && strcmp(it_str(json_object_get(r, "user"), "role"), "viewer") == 0);
    json_decref(r);
    json_t *err = it_call_err(ed, "contracts.create", it_contract_args());
    CHECK_STR(it_err_code(err), "forbidden");
    json_decref(err);
    r = update(admin, json_pack("{s:s,s:s}", "username", IT_EDITOR_USER, "role", "editor"), NULL);
    json_decref(r);
    k = it_contract_create(ed, NULL);
    CHECK(k);
    json_decref(k);

    /* disable: the socket ends, the login and the old token are refused */
    struct ctl_client *second = it_connect(srv);
    json_t *login = it_call(
        second, "auth.login",
        json_pack("{s:s,s:s}", "username", IT_EDITOR_USER, "password", IT_EDITOR_PASSWORD), NULL);
    char token[128];
    snprintf(token, sizeof token, "%s", it_str(login, "token"));
    json_decref(login);
    r = update(admin, json_pack("{s:s,s:b}", "username", IT_EDITOR_USER, "disabled", 1), NULL);
    CHECK(r && json_is_true(json_object_get(json_object_get(r, "user"), "disabled")) &&
          it_int(r, "sessions_revoked") >= 2);
    json_decref(r);
    int code = it_wait_close(ed, IT_TIMEOUT_MS);
    CHECKF(code == 4001, "disabled user's socket closed with %d", code);
    CHECK_STR(ctl_ws_close_reason(ctl_client_ws(ed)), "account disabled");
    ctl_client_close(ed);
    CHECK(it_wait_close(second, IT_TIMEOUT_MS) == 4001);
    ctl_client_close(second);
    CHECK_STR(login_code(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD), "unauthenticated");
    struct ctl_client *c = it_connect(srv);
    err = it_call_err(c, "auth.resume", json_pack("{s:s}", "token", token));
    CHECK_STR(it_err_code(err), "unauthenticated");
    json_decref(err);
    ctl_client_close(c);

    /* enabled again */
    r = update(admin, json_pack("{s:s,s:b}", "username", IT_EDITOR_USER, "disabled", 0), NULL);
    json_decref(r);
    CHECK_STR(login_code(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD), "");
}

static void test_password(const struct it_server *srv, struct ctl_client *admin)
{
    struct ctl_client *vi = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    json_t *r = update(
        admin, json_pack("{s:s,s:s}", "username", IT_VIEWER_USER, "password", "new-pass-4567"),
        NULL);
    CHECK(r);
    json_decref(r);
    CHECK(it_wait_close(vi, IT_TIMEOUT_MS) == 4001);
    ctl_client_close(vi);
    CHECK_STR(login_code(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD), "unauthenticated");
    CHECK_STR(login_code(srv, IT_VIEWER_USER, "new-pass-4567"), "");
}

static void test_errors(const struct it_server *srv, struct ctl_client *admin)
{
    json_t *err = NULL;
    /* a second admin may be disabled; then "admin" is the last one */
    json_t *r =
        update(admin, json_pack("{s:s,s:b}", "username", IT_ADMIN2_USER, "disabled", 1), NULL);
    CHECK(r);
    json_decref(r);
    CHECK(!update(admin, json_pack("{s:s,s:s}", "username", "admin", "role", "editor"), &err));
    CHECK_STR(it_err_code(err), "conflict");
    CHECK_STR(it_err_field(err), "role");
    json_decref(err);
    CHECK(!update(admin, json_pack("{s:s,s:b}", "username", "admin", "disabled", 1), &err));
    CHECK_STR(it_err_code(err), "conflict");
    CHECK_STR(it_err_field(err), "disabled");
    json_decref(err);
    CHECK(!update(admin, json_pack("{s:s,s:s}", "username", "nobody", "role", "viewer"), &err));
    CHECK_STR(it_err_code(err), "not_found");
    CHECK_STR(it_err_field(err), "username");
    json_decref(err);
    CHECK(!update(admin, json_pack("{s:s}", "username", IT_VIEWER_USER), &err));
    CHECK_STR(it_err_code(err), "bad_request");
    json_decref(err);
    struct ctl_client *ed = it_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    err = it_call_err(ed, "users.update",
                      json_pack("{s:s,s:s}", "username", IT_EDITOR_USER, "role", "admin"));
    CHECK_STR(it_err_code(err), "forbidden");
    json_decref(err);
    ctl_client_close(ed);
}

/* With a fake clock: a token's expiry ends the sockets that use it. */
static void test_token_expiry(void)
{
    static const char *const args[] = {"--fake-now", "2026-01-10T09:00:00Z", "--session-ttl",
                                       "3600", NULL};
    struct it_server *srv = it_server_start(args);
    struct ctl_client *admin = it_login_admin(srv);
    struct ctl_client *other = it_login_admin(srv);
    json_t *r =
        it_call(admin, "admin.clock.set", json_pack("{s:s}", "now", "2026-01-10T09:59:00Z"), NULL);
    CHECK(r);
    json_decref(r);
    json_t *ev = it_wait_event(other, NULL, 1500, NULL); /* nothing: still valid */
    CHECK(!ev && ctl_ws_close_code(ctl_client_ws(other)) == 0);
    json_decref(ev);
    r = it_call(admin, "admin.clock.set", json_pack("{s:s}", "now", "2026-01-10T10:00:01Z"), NULL);
    json_decref(r);
    int code = it_wait_close(other, IT_TIMEOUT_MS);
    CHECKF(code == 4001, "expired token's socket closed with %d", code);
    CHECK_STR(ctl_ws_close_reason(ctl_client_ws(other)), "session expired");
    ctl_client_close(other);
    ctl_client_close(admin);
    CHECK(it_server_stop(srv) == 0);
}

/* pactactl user update, and its usage errors. */
static void test_cli(const struct it_server *srv)
{
    char env_url[128], env_ca[700];
    snprintf(env_url, sizeof env_url, "PACTA_URL=%s", srv->url);
    snprintf(env_ca, sizeof env_ca, "PACTA_CA=%s", it_ca_file());
    char *env[] = {env_url, env_ca, "PACTA_PASSWORD=" IT_ADMIN_PASSWORD, NULL};
    struct {
        char *argv[8];
        int want;
    } cases[] = {
        {{PACTACTL_BIN, "user", "update", IT_VIEWER_USER, "--display-name", "Vi Ewer", NULL}, 0},
        {{PACTACTL_BIN, "user", "update", IT_VIEWER_USER, NULL}, 2},
        {{PACTACTL_BIN, "user", "update", IT_VIEWER_USER, "--disable", "--enable", NULL}, 2},
        {{PACTACTL_BIN, "user", "update", "nobody", "--role", "viewer", NULL}, 1},
        /* an unknown role is a usage error, as for user add (was the server's bad_request, 1) */
        {{PACTACTL_BIN, "user", "update", IT_VIEWER_USER, "--role", "boss", NULL}, 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *out = NULL, *err = NULL;
        int rc = it_run(cases[i].argv, env, 30000, &out, &err);
        CHECKF(rc == cases[i].want, "pactactl user update case %zu: exit %d, want %d: %s", i, rc,
               cases[i].want, err ? err : "");
        free(out);
        free(err);
    }
    struct ctl_client *admin = it_login_admin(srv);
    json_t *r = it_call(admin, "users.list", json_object(), NULL);
    size_t i;
    json_t *u;
    int renamed = 0;
    json_array_foreach(json_object_get(r, "items"), i, u) renamed |=
        strcmp(it_str(u, "username"), IT_VIEWER_USER) == 0 &&
        strcmp(it_str(u, "display_name"), "Vi Ewer") == 0;
    CHECK(renamed);
    json_decref(r);
    ctl_client_close(admin);
}

int main(void)
{
    it_setup("it_users");
    struct it_server *srv = it_server_start(NULL);
    it_create_role_users(srv);
    struct ctl_client *admin = it_login_admin(srv);
    test_role_and_disable(srv, admin);
    test_password(srv, admin);
    test_errors(srv, admin);
    test_cli(srv);
    ctl_client_close(admin);
    CHECK(it_server_stop(srv) == 0);
    test_token_expiry();
    return it_done(test_summary());
}
