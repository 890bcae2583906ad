/*
 * it_admin_ops: what an admin relies on when managing users and
 * connections, at the edges the other tests leave out.
 *
 * - self: an admin who changes their own password (or disables their own
 *   account while another admin remains) gets the answer to users.update
 *   before their connection ends with 4001: the change was made, and a
 *   script must be able to tell;
 * - user_cap: --max-conns-per-user holds when the user's logins arrive on
 *   several connections at once (a login counts from the moment its
 *   password matched, not only once its session is written);
 * - kick_self: an admin may kick their own connection (PROTOCOL 6.19): the
 *   answer {} comes, then the close with 4002;
 * - lockout_log: a locked username or address logs that it was locked
 *   once, not again for every login refused while it stays locked (one
 *   small frame each: a client could write the server's log as fast as it
 *   sends);
 * - closing_requests: a connection being closed (its user disabled, or
 *   kicked) runs no more requests, even while the close waits behind
 *   answers its client does not read: a disabled editor kept creating
 *   contracts on such a connection;
 * - cap_after_odd_closes: connections that ended by a kick, a drop
 *   without a close frame, a login timeout or a logout leave nothing
 *   counted: the user can still open as many as the cap allows;
 * - watch_quiet: two admins watching, nothing else happening: no
 *   admin.connection.updated about either of them.  Each update a watcher
 *   received moved its own counters, which brought one about itself (and
 *   to the other) every 2 s for as long as they watched.
 */
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "test.h"

static void test_self(const struct it_server *srv)
{
    /* a new password for oneself: answered, then the socket ends */
    struct ctl_client *ad2 = it_login(srv, IT_ADMIN2_USER, IT_ADMIN2_PASSWORD);
    json_t *r = NULL;
    int rc = ctl_client_request(
        ad2, "users.update",
        json_pack("{s:s,s:s}", "username", IT_ADMIN2_USER, "password", "admin2-new-pass"),
        IT_TIMEOUT_MS, &r);
    CHECKF(rc == 0, "own password change: rc %d (close code %d)", rc,
           ctl_ws_close_code(ctl_client_ws(ad2)));
    CHECKF(rc != 0 || it_int(r, "sessions_revoked") >= 1, "sessions_revoked %lld",
           (long long)it_int(r, "sessions_revoked"));
    json_decref(r);
    int code = it_wait_close(ad2, IT_TIMEOUT_MS);
    CHECKF(code == 4001, "own password change: closed with %d", code);
    ctl_client_close(ad2);

    /* disabling oneself (another admin remains): the same */
    ad2 = it_login(srv, IT_ADMIN2_USER, "admin2-new-pass");
    rc = ctl_client_request(ad2, "users.update",
                            json_pack("{s:s,s:b}", "username", IT_ADMIN2_USER, "disabled", 1),
                            IT_TIMEOUT_MS, &r);
    CHECKF(rc == 0, "own account disabled: rc %d (close code %d)", rc,
           ctl_ws_close_code(ctl_client_ws(ad2)));
    CHECK(rc != 0 || json_is_true(json_object_get(json_object_get(r, "user"), "disabled")));
    json_decref(r);
    code = it_wait_close(ad2, IT_TIMEOUT_MS);
    CHECKF(code == 4001, "own account disabled: closed with %d", code);
    ctl_client_close(ad2);
}

static void test_kick_self(const struct it_server *srv)
{
    struct ctl_client *ad2 = it_login(srv, IT_ADMIN2_USER, IT_ADMIN2_PASSWORD);
    json_int_t self = -1;
    CHECK(it_sessions_of(ad2, IT_ADMIN2_USER, &self, 1) == 1);
    json_t *r = NULL;
    int rc = ctl_client_request(ad2, "admin.kick", json_pack("{s:I}", "session", self),
                                IT_TIMEOUT_MS, &r);
    CHECKF(rc == 0 && json_is_object(r) && json_object_size(r) == 0,
           "kick of one's own connection: rc %d (close code %d)", rc,
           ctl_ws_close_code(ctl_client_ws(ad2)));
    json_decref(r);
    int code = it_wait_close(ad2, IT_TIMEOUT_MS);
    CHECKF(code == 4002, "kick of one's own connection: closed with %d", code);
    ctl_client_close(ad2);
}

static void test_watch_quiet(const struct it_server *srv)
{
    struct ctl_client *w[2] = {it_login_admin(srv),
                               it_login(srv, IT_ADMIN2_USER, IT_ADMIN2_PASSWORD)};
    for (int i = 0; i < 2; i++) {
        json_t *r = it_call(w[i], "admin.connections.watch", json_pack("{s:b}", "on", 1), NULL);
        REQUIRE(r);
        json_decref(r);
    }
    /* the updates their own logins and watch requests bring (for 3 s),
     * then 5 s of nothing happening */
    json_t *ev;
    for (int64_t end = it_now_ms() + 3000; it_now_ms() < end;)
        for (int i = 0; i < 2; i++)
            if ((ev = it_wait_event(w[i], "admin.connection.updated", 100, NULL)))
                json_decref(ev);
    int n = 0;
    for (int64_t end = it_now_ms() + 5000; it_now_ms() < end;)
        if ((ev = it_wait_event(w[0], "admin.connection.updated", 200, NULL))) {
            n++;
            json_decref(ev);
        }
    CHECKF(n == 0, "%d admin.connection.updated in 5 s with nothing happening", n);
    for (int i = 0; i < 2; i++)
        ctl_client_close(w[i]);
}

#define RACERS 8

static void test_user_cap(void)
{
    const char *extra[] = {"--max-conns-per-user", "1", NULL};
    struct it_server *srv = it_server_start(extra);
    it_create_role_users(srv);
    struct ctl_ws *ws[RACERS];
    for (int i = 0; i < RACERS; i++)
        ws[i] = it_ws_connect(srv);
    /* every login in flight at once: argon2 checks them two at a time */
    for (int i = 0; i < RACERS; i++)
        it_ws_send(
            ws[i], 1, "auth.login",
            json_pack("{s:s,s:s}", "username", IT_VIEWER_USER, "password", IT_VIEWER_PASSWORD));
    int ok = 0, limited = 0;
    for (int i = 0; i < RACERS; i++) {
        json_t *r = it_ws_response(ws[i]);
        if (json_is_true(json_object_get(r, "ok")))
            ok++;
        else if (!strcmp(it_err_code(json_object_get(r, "error")), "rate_limited"))
            limited++;
        json_decref(r);
    }
    CHECKF(ok == 1 && limited == RACERS - 1,
           "cap 1, %d logins at once: %d logged in, %d rate_limited", RACERS, ok, limited);
    struct ctl_client *admin = it_login_admin(srv);
    json_int_t ids[RACERS];
    int n = it_sessions_of(admin, IT_VIEWER_USER, ids, RACERS);
    CHECKF(n == 1, "cap 1: %d connections of %s", n, IT_VIEWER_USER);
    ctl_client_close(admin);
    for (int i = 0; i < RACERS; i++)
        ctl_ws_close(ws[i], 1000);
    it_server_stop(srv);
}

/* Occurrences of needle in the server's log of its current run. */
static int log_count(const struct it_server *srv, const char *needle)
{
    char *log = it_read_file(srv->log_path);
    int n = 0;
    const char *p = log && (long)strlen(log) >= srv->log_start ? log + srv->log_start : "";
    while ((p = strstr(p, needle)) != NULL) {
        n++;
        p += strlen(needle);
    }
    free(log);
    return n;
}

static void test_lockout_log(void)
{
    const char *extra[] = {"--login-delay", "1", NULL};
    struct it_server *srv = it_server_start(extra);
    struct ctl_ws *w = it_ws_connect(srv);
    int refused = 0;
    /* 5 failures lock "ghost"; the rest are refused, and after 20 from
     * this address the address is locked too */
    for (int i = 0; i < 60; i++) {
        it_ws_send(w, i + 1, "auth.login",
                   json_pack("{s:s,s:s}", "username", "ghost", "password", "wrong-password"));
        json_t *r = it_ws_response(w);
        refused += !strcmp(it_err_code(json_object_get(r, "error")), "rate_limited");
        json_decref(r);
    }
    CHECKF(refused == 55, "%d of 60 refused as locked", refused);
    int lines = log_count(srv, "\"login locked\"");
    CHECKF(lines == 2, "'login locked' logged %d times (account and address: 2)", lines);
    ctl_ws_close(w, 1000);
    it_server_stop(srv);
}

/* Contracts whose number starts with `prefix`, as the admin sees them. */
static int count_numbered(struct ctl_client *admin, const char *prefix)
{
    json_t *r = it_call(admin, "contracts.list", json_pack("{s:s}", "text", prefix), NULL);
    int n = (int)json_array_size(json_object_get(r, "items"));
    json_decref(r);
    return n;
}

/*
 * A raw connection of `user` that stops reading: pipelined list pages of
 * ~2 MB each fill the socket's buffers, so whatever the server queues for
 * it (answers, the close frame) waits.  --queue-max-bytes is large, so the
 * server keeps reading its requests meanwhile.
 */
static struct ctl_ws *stalled(const struct it_server *srv, const char *user, const char *pw)
{
    struct ctl_ws *w = it_ws_login(srv, user, pw);
    for (int i = 0; i < 24; i++)
        it_ws_send(w, 100 + i, "contracts.list", json_pack("{s:i}", "limit", 200));
    usleep(1500000); /* the server reads them all and writes what fits */
    return w;
}

static void test_closing_requests(void)
{
    const char *extra[] = {"--queue-max-bytes", "268435456", NULL};
    struct it_server *srv = it_server_start(extra);
    it_create_role_users(srv);
    struct ctl_client *admin = it_login_admin(srv);
    /* 200 contracts of ~10 KB: a list page of 200 is ~2 MB */
    char *desc = malloc(10001);
    REQUIRE(desc);
    memset(desc, 'd', 10000);
    desc[10000] = '\0';
    for (int i = 0; i < 200; i++)
        json_decref(it_contract_create(admin, json_pack("{s:s}", "description", desc)));
    free(desc);

    /* disabled */
    struct ctl_ws *w = stalled(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    json_decref(it_call(admin, "users.update",
                        json_pack("{s:s,s:b}", "username", IT_EDITOR_USER, "disabled", 1), NULL));
    json_t *c = it_contract_args();
    json_object_set_new(c, "number", json_string("AFTER-DISABLE-1"));
    it_ws_send(w, 1, "contracts.create", c);
    usleep(1000000);
    int n = count_numbered(admin, "AFTER-DISABLE");
    CHECKF(n == 0, "a disabled editor created %d contract(s) on a connection being closed", n);
    ctl_ws_abort(w);
    json_decref(it_call(admin, "users.update",
                        json_pack("{s:s,s:b}", "username", IT_EDITOR_USER, "disabled", 0), NULL));

    /* kicked */
    w = stalled(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    json_int_t id = -1;
    CHECK(it_sessions_of(admin, IT_EDITOR_USER, &id, 1) == 1);
    json_decref(it_call(admin, "admin.kick", json_pack("{s:I}", "session", id), NULL));
    c = it_contract_args();
    json_object_set_new(c, "number", json_string("AFTER-KICK-1"));
    it_ws_send(w, 1, "contracts.create", c);
    usleep(1000000);
    n = count_numbered(admin, "AFTER-KICK");
    CHECKF(n == 0, "a kicked editor created %d contract(s) on a connection being closed", n);
    ctl_ws_abort(w);
    ctl_client_close(admin);
    it_server_stop(srv);
}

static void test_cap_after_odd_closes(void)
{
    const char *extra[] = {"--max-conns-per-user", "2", "--auth-timeout", "1", NULL};
    struct it_server *srv = it_server_start(extra);
    it_create_role_users(srv);
    struct ctl_client *admin = it_login_admin(srv);

    /* kicked */
    struct ctl_client *a = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    json_int_t id;
    CHECK(it_sessions_of(admin, IT_VIEWER_USER, &id, 1) == 1);
    json_decref(it_call(admin, "admin.kick", json_pack("{s:I}", "session", id), NULL));
    CHECK(it_wait_close(a, IT_TIMEOUT_MS) == 4002);
    ctl_client_close(a);
    /* dropped without a close frame, with a request in flight */
    a = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    ctl_ws_send_text(ctl_client_ws(a), "{\"id\":5,\"op\":\"contracts.list\"}", 31);
    ctl_client_abort(a);
    /* logged out on its own connection, which then timed out unauthenticated */
    a = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    json_decref(it_call(a, "auth.logout", json_object(), NULL));
    CHECK(it_wait_close(a, IT_TIMEOUT_MS) == 1008);
    ctl_client_close(a);
    /* a login in flight when the connection drops */
    struct ctl_ws *w = it_ws_connect(srv);
    it_ws_send(w, 1, "auth.login",
               json_pack("{s:s,s:s}", "username", IT_VIEWER_USER, "password", IT_VIEWER_PASSWORD));
    ctl_ws_abort(w);

    /* give the server a moment to see the drops, then two fit again */
    int n = -1;
    for (int i = 0; i < 100 && (n = it_sessions_of(admin, IT_VIEWER_USER, &id, 1)) != 0; i++)
        usleep(50000);
    CHECKF(n == 0, "%d connections of %s left", n, IT_VIEWER_USER);
    struct ctl_client *c1 = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    struct ctl_client *c2 = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    struct ctl_client *c3 = it_connect(srv);
    json_t *err = it_call_err(
        c3, "auth.login",
        json_pack("{s:s,s:s}", "username", IT_VIEWER_USER, "password", IT_VIEWER_PASSWORD));
    CHECK_STR(it_err_code(err), "rate_limited");
    json_decref(err);
    ctl_client_close(c1);
    ctl_client_close(c2);
    ctl_client_close(c3);
    ctl_client_close(admin);
    it_server_stop(srv);
}

int main(void)
{
    it_setup("it_admin_ops");
    struct it_server *srv = it_server_start(NULL);
    it_create_role_users(srv);
    test_kick_self(srv);
    test_watch_quiet(srv);
    test_self(srv);
    it_server_stop(srv);
    test_user_cap();
    test_lockout_log();
    test_closing_requests();
    test_cap_after_odd_closes();
    return it_done(test_summary());
}
