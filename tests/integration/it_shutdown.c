/*
 * it_shutdown: SIGTERM closes every websocket with 1001 (authenticated,
 * subscribed or not yet logged in), pactad exits 0, and everything it
 * acknowledged is there after a restart.  A failed login whose answer
 * is being held (--login-delay) does not hold the shutdown up: it waited
 * for it, up to 16 x the delay (16 minutes at the largest).
 */
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "test.h"

#define CONTRACTS 20

int main(void)
{
    it_setup("it_shutdown");
    struct it_server *srv = it_server_start(NULL);
    it_create_role_users(srv);

    struct ctl_client *ed = it_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    struct ctl_client *sub = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    struct ctl_client *ad = it_login_admin(srv);
    struct ctl_ws *anon = it_ws_connect(srv);
    json_t *r = it_call(sub, "subscribe", json_object(), NULL);
    REQUIRE(r);
    json_decref(r);

    json_t *made[CONTRACTS];
    for (int i = 0; i < CONTRACTS; i++) {
        made[i] = it_contract_create(ed, NULL);
        REQUIRE(made[i]);
    }
    r = it_contract_update(ed, it_str(made[0], "id"), 1, json_pack("{s:s}", "title", "Last edit"),
                           NULL, NULL);
    REQUIRE(r);
    json_decref(made[0]);
    made[0] = json_incref(json_object_get(r, "contract"));
    json_decref(r);

    int rc = it_server_stop(srv);
    CHECKF(rc == 0, "pactad exit status %d after SIGTERM", rc);

    struct ctl_client *clients[] = {ed, sub, ad};
    const char *names[] = {"editor", "subscriber", "admin"};
    for (int i = 0; i < 3; i++) {
        int code = it_wait_close(clients[i], IT_TIMEOUT_MS);
        CHECKF(code == 1001, "%s closed with %d", names[i], code);
        ctl_client_close(clients[i]);
    }
    int code = it_ws_wait_close(anon, IT_TIMEOUT_MS);
    CHECKF(code == 1001, "unauthenticated socket closed with %d", code);
    ctl_ws_close(anon, 1000);

    it_server_restart(srv);
    struct ctl_client *c = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    int same = 0;
    for (int i = 0; i < CONTRACTS; i++) {
        json_t *got = it_contract_get(c, it_str(made[i], "id"));
        CHECKF(got && json_equal(got, made[i]), "contract %d after restart", i);
        same += got && json_equal(got, made[i]);
        json_decref(got);
        json_decref(made[i]);
    }
    printf("%d/%d contracts identical after SIGTERM and restart\n", same, CONTRACTS);
    r = it_call(c, "subscribe", json_pack("{s:I}", "since", (json_int_t)0), NULL);
    CHECK(r);
    json_decref(r);
    int events = 0;
    json_t *ev;
    while ((ev = it_wait_event(c, NULL, 1000, NULL))) {
        events++;
        json_decref(ev);
    }
    CHECKF(events == CONTRACTS + 1, "%d events in the log after restart", events);
    ctl_client_close(c);
    CHECK(it_server_stop(srv) == 0);

    /* a failed login held for 20 s, then SIGTERM: out at once */
    const char *slow_args[] = {"--login-delay", "20000", NULL};
    struct it_server *slow = it_server_start(slow_args);
    struct ctl_ws *guess = it_ws_connect(slow);
    REQUIRE(guess);
    static const char login[] = "{\"id\":1,\"op\":\"auth.login\",\"args\":{\"username\":\"admin\","
                                "\"password\":\"not-the-password\"}}";
    REQUIRE(ctl_ws_send_text(guess, login, sizeof login - 1) == 0);
    usleep(1500 * 1000); /* the password checked, its answer held */
    int64_t t0 = it_now_ms();
    rc = it_server_stop(slow);
    int64_t took = it_now_ms() - t0;
    CHECKF(rc == 0 && took < 10000,
           "SIGTERM with a failed login held for 20 s: exit %d after %lld ms", rc, (long long)took);
    ctl_ws_close(guess, 1000);
    return it_done(test_summary());
}
