/*
 * it_lockout_parallel: wrong passwords for one account sent on many
 * connections at once (PROTOCOL.md §3.5: after N failures for a username,
 * further logins for it are refused without checking the password).
 *
 * The server checks two passwords at a time and queues the rest; a queued
 * login is looked at again when it gets its slot.  When the N-th failure
 * is counted, the only other check that may still be running is the one
 * in the other slot, begun before: at most N + 1 passwords are checked,
 * every other login is refused with rate_limited and retry_after.  The
 * slot of the N-th failure was handed to the next queued login before
 * that failure was counted, so one more password was checked after the
 * lock should have begun (N + 2).
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "test.h"

#define FAILURES 3
#define CONNS 16

int main(void)
{
    it_setup("it_lockout_parallel");
    const char *args[] = {
        "--login-max-failures", "3", "--login-lockout", "60", "--login-delay", "0", NULL};
    struct it_server *srv = it_server_start(args);
    it_create_role_users(srv);

    struct ctl_ws *ws[CONNS];
    for (int i = 0; i < CONNS; i++)
        ws[i] = it_ws_connect(srv);
    /* every login sent before the first check can end (argon2 takes a while) */
    for (int i = 0; i < CONNS; i++) {
        const char *req = "{\"id\":1,\"op\":\"auth.login\",\"args\":{\"username\":\"vi\","
                          "\"password\":\"not-the-password\"}}";
        if (ctl_ws_send_text(ws[i], req, strlen(req)) != 0)
            it_fatal("send failed");
    }
    int checked = 0, refused = 0;
    for (int i = 0; i < CONNS; i++) {
        char *msg = NULL;
        size_t len = 0;
        REQUIRE(ctl_ws_recv(ws[i], IT_TIMEOUT_MS, &msg, &len) == 1);
        json_t *r = json_loadb(msg, len, 0, NULL);
        free(msg);
        const char *code = it_err_code(json_object_get(r, "error"));
        checked += strcmp(code, "unauthenticated") == 0;
        refused += strcmp(code, "rate_limited") == 0 &&
                   json_is_integer(json_object_get(json_object_get(r, "error"), "retry_after"));
        json_decref(r);
        ctl_ws_close(ws[i], 1000);
    }
    CHECKF(checked >= FAILURES && checked <= FAILURES + 1,
           "%d passwords checked for an account that locks after %d failures", checked, FAILURES);
    CHECKF(checked + refused == CONNS, "%d checked + %d refused of %d", checked, refused, CONNS);
    return it_done(test_summary());
}
