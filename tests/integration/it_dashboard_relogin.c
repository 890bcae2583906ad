/*
 * it_dashboard_relogin: a new login on a connection that watches the
 * dashboard does not watch until it asks (PROTOCOL.md §6.43: "a new login
 * on the same connection does not watch until it asks").  The watch
 * survived the login: the connection, now another user, went on receiving
 * dashboard.updated it never asked for.
 *
 *  1. admin watches, logs in again as a viewer on the same connection: a
 *     change brings it no dashboard.updated (a control watcher gets one);
 *  2. the viewer asks: the next change brings it one;
 *  3. the same with auth.resume (a token of the viewer's) instead of a
 *     login.
 */
#include <string.h>

#include "harness.h"
#include "test.h"

/* Changes the amount of contract k (its version is followed in *version). */
static void change(struct ctl_client *c, const json_t *k, json_int_t *version, json_int_t amount)
{
    json_t *r = it_contract_update(c, it_str(k, "id"), *version,
                                   json_pack("{s:I}", "amount_cents", amount), "test", NULL);
    REQUIRE(r != NULL);
    *version = it_int(json_object_get(r, "contract"), "version");
    json_decref(r);
}

/* 1 if c receives a dashboard.updated within ms. */
static int gets_update(struct ctl_client *c, int ms)
{
    json_t *ev = it_wait_event(c, "dashboard.updated", ms, NULL);
    json_decref(ev);
    return ev != NULL;
}

static void watch(struct ctl_client *c)
{
    json_t *r = it_call(c, "dashboard.watch", json_pack("{s:b}", "on", 1), NULL);
    REQUIRE(r != NULL);
    json_decref(r);
}

int main(void)
{
    it_setup("it_dashboard_relogin");
    struct it_server *s = it_server_start(NULL);
    it_create_role_users(s);
    struct ctl_client *ed = it_login(s, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    struct ctl_client *control = it_login(s, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    json_t *k = it_contract_create(ed, json_pack("{s:s}", "status", "active"));
    REQUIRE(k != NULL);
    json_int_t version = it_int(k, "version");
    watch(control);

    /* 1. a login as someone else: the watch ends with the old identity */
    struct ctl_client *c = it_login_admin(s);
    watch(c);
    json_t *error = NULL;
    CHECK(ctl_client_login(c, IT_VIEWER_USER, IT_VIEWER_PASSWORD, &error) == 0);
    json_decref(error);
    change(ed, k, &version, 1000);
    CHECK(gets_update(control, IT_TIMEOUT_MS));
    CHECKF(!gets_update(c, 1500), "a new login receives dashboard.updated it did not ask for");

    /* 2. asked again: it watches */
    watch(c);
    change(ed, k, &version, 2000);
    CHECK(gets_update(control, IT_TIMEOUT_MS));
    CHECK(gets_update(c, IT_TIMEOUT_MS));

    /* 3. auth.resume on a watching connection: the same */
    json_t *login = NULL;
    struct ctl_client *other = it_connect(s);
    CHECK(ctl_client_request(
              other, "auth.login",
              json_pack("{s:s, s:s}", "username", IT_VIEWER_USER, "password", IT_VIEWER_PASSWORD),
              IT_TIMEOUT_MS, &login) == 0);
    const char *token = login ? it_str(login, "token") : "";
    json_t *r = it_call(c, "auth.resume", json_pack("{s:s}", "token", token), NULL);
    CHECK(r != NULL);
    json_decref(r);
    change(ed, k, &version, 3000);
    CHECK(gets_update(control, IT_TIMEOUT_MS));
    CHECKF(!gets_update(c, 1500),
           "a resumed session receives dashboard.updated it did not ask for");

    json_decref(login);
    json_decref(k);
    ctl_client_close(other);
    ctl_client_close(c);
    ctl_client_close(control);
    ctl_client_close(ed);
    return it_done(test_summary());
}
