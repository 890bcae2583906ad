/*
 * it_admin: presence ("ana is editing") and the admin connection monitor.
 *
 * - presence.set reaches every subscribed desk as presence.updated, is in
 *   presence.list, and ends with presence.set null, logout or disconnect;
 * - admin.connections.list shows every connection with its user, client
 *   and counters; a viewer or editor gets forbidden;
 * - admin.connections.watch streams opened / updated / closed events;
 * - admin.kick closes the connection with 4002; an unknown session is
 *   not_found.
 */
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "test.h"

static json_t *find_session(const json_t *items, json_int_t session)
{
    size_t i;
    json_t *c;
    json_array_foreach(items, i, c) if (it_int(c, "session") == session) return c;
    return NULL;
}

/* The session id of a client, read from admin.connections.list by client name. */
static json_int_t session_of(struct ctl_client *admin, const char *client)
{
    json_t *r = it_call(admin, "admin.connections.list", json_object(), NULL);
    json_int_t id = -1;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(r, "items"), i, c)
    {
        const char *name = it_str(c, "client"); /* null for a client that gave none */
        if (name && strcmp(name, client) == 0)
            id = it_int(c, "session");
    }
    json_decref(r);
    return id;
}

static struct ctl_client *login_as(const struct it_server *srv, const char *user,
                                   const char *password, const char *client)
{
    struct ctl_client *c = it_connect(srv);
    json_t *r = it_call(
        c, "auth.login",
        json_pack("{s:s,s:s,s:s}", "username", user, "password", password, "client", client), NULL);
    REQUIRE(r);
    json_decref(r);
    return c;
}

static void test_presence(const struct it_server *srv)
{
    struct ctl_client *ed = login_as(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD, "desk-ed");
    struct ctl_client *vi = login_as(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD, "desk-vi");
    json_t *k = it_contract_create(ed, NULL);
    REQUIRE(k);
    const char *id = it_str(k, "id");
    json_decref(it_call(ed, "subscribe", json_object(), NULL));

    /* the viewer opens the contract: the editor's desk hears of it */
    json_t *r = it_call(vi, "presence.set", json_pack("{s:s}", "contract_id", id), NULL);
    CHECK(r && json_object_size(r) == 0);
    json_decref(r);
    json_t *ev = it_wait_event(ed, "presence.updated", IT_TIMEOUT_MS, NULL);
    json_t *d = json_object_get(ev, "data");
    json_t *eds = json_object_get(d, "editors");
    CHECK(ev && !json_object_get(ev, "seq"));
    CHECK_STR(it_str(d, "contract_id"), id);
    CHECK(json_array_size(eds) == 1 &&
          strcmp(it_str(json_array_get(eds, 0), "user"), IT_VIEWER_USER) == 0 &&
          json_is_string(json_object_get(json_array_get(eds, 0), "since")));
    json_decref(ev);

    r = it_call(ed, "presence.list", json_object(), NULL);
    json_t *items = json_object_get(r, "items");
    CHECK(json_array_size(items) == 1 &&
          strcmp(it_str(json_array_get(items, 0), "contract_id"), id) == 0);
    json_decref(r);

    /* null: editing nothing any more */
    r = it_call(vi, "presence.set", json_pack("{s:n}", "contract_id"), NULL);
    CHECK(r);
    json_decref(r);
    ev = it_wait_event(ed, "presence.updated", IT_TIMEOUT_MS, NULL);
    CHECK(ev && json_array_size(json_object_get(json_object_get(ev, "data"), "editors")) == 0);
    json_decref(ev);

    /* a desk that disconnects while editing stops editing */
    json_decref(it_call(vi, "presence.set", json_pack("{s:s}", "contract_id", id), NULL));
    json_decref(it_wait_event(ed, "presence.updated", IT_TIMEOUT_MS, NULL));
    ctl_client_close(vi);
    ev = it_wait_event(ed, "presence.updated", IT_TIMEOUT_MS, NULL);
    CHECK(ev && json_array_size(json_object_get(json_object_get(ev, "data"), "editors")) == 0);
    json_decref(ev);

    /* bad input */
    json_t *err = it_call_err(ed, "presence.set", json_pack("{s:s}", "contract_id", "C-1"));
    CHECK_STR(it_err_code(err), "bad_request");
    CHECK_STR(it_err_field(err), "contract_id");
    json_decref(err);
    json_decref(k);
    ctl_client_close(ed);
}

static void test_monitor(const struct it_server *srv)
{
    struct ctl_client *admin = login_as(srv, "admin", IT_ADMIN_PASSWORD, "monitor");
    struct ctl_client *vi = login_as(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD, "desk-vi2");

    /* only admins */
    json_t *err = it_call_err(vi, "admin.connections.list", json_object());
    CHECK_STR(it_err_code(err), "forbidden");
    json_decref(err);
    err = it_call_err(vi, "admin.kick", json_pack("{s:i}", "session", 1));
    CHECK_STR(it_err_code(err), "forbidden");
    json_decref(err);

    json_int_t vid = session_of(admin, "desk-vi2");
    REQUIRE(vid > 0);
    json_t *r = it_call(admin, "admin.connections.list", json_object(), NULL);
    json_t *c = find_session(json_object_get(r, "items"), vid);
    CHECK(c && strcmp(it_str(c, "user"), IT_VIEWER_USER) == 0 &&
          strcmp(it_str(c, "role"), "viewer") == 0 &&
          strcmp(it_str(c, "address"), "127.0.0.1") == 0 && it_int(c, "messages_in") >= 2 &&
          it_int(c, "messages_out") >= 2 && it_int(c, "bytes_in") > 0 &&
          json_is_string(json_object_get(c, "connected_at")) &&
          json_is_false(json_object_get(c, "subscribed")));
    json_decref(r);

    /* watch: the current list, then opened / updated / closed */
    r = it_call(admin, "admin.connections.watch", json_pack("{s:b}", "on", 1), NULL);
    CHECK(r && find_session(json_object_get(r, "items"), vid));
    json_decref(r);
    struct ctl_client *ed = it_connect(srv);
    json_t *ev = it_wait_event(admin, "admin.connection.opened", IT_TIMEOUT_MS, NULL);
    json_int_t eid = it_int(json_object_get(json_object_get(ev, "data"), "connection"), "session");
    CHECK(ev && json_is_null(json_object_get(
                    json_object_get(json_object_get(ev, "data"), "connection"), "user")));
    json_decref(ev);
    r = it_call(ed, "auth.login",
                json_pack("{s:s,s:s,s:s}", "username", IT_EDITOR_USER, "password",
                          IT_EDITOR_PASSWORD, "client", "desk-ed2/1.0"),
                NULL);
    json_decref(r);
    int found = 0;
    for (int i = 0; i < 5 && !found; i++) {
        ev = it_wait_event(admin, "admin.connection.updated", IT_TIMEOUT_MS, NULL);
        json_t *ec = json_object_get(json_object_get(ev, "data"), "connection");
        found = ev && it_int(ec, "session") == eid &&
                strcmp(it_str(ec, "user"), IT_EDITOR_USER) == 0 &&
                strcmp(it_str(ec, "client"), "desk-ed2/1.0") == 0;
        json_decref(ev);
    }
    CHECKF(found, "no admin.connection.updated after the login");

    /* kick: the editor is closed with 4002 and the admin sees it closed */
    r = it_call(admin, "admin.kick", json_pack("{s:I}", "session", eid), NULL);
    CHECK(r && json_object_size(r) == 0);
    json_decref(r);
    int code = it_wait_close(ed, IT_TIMEOUT_MS);
    CHECKF(code == 4002, "kicked connection closed with %d", code);
    ev = it_wait_event(admin, "admin.connection.closed", IT_TIMEOUT_MS, NULL);
    CHECK(ev && it_int(json_object_get(ev, "data"), "session") == eid &&
          it_int(json_object_get(ev, "data"), "code") == 4002);
    json_decref(ev);
    ctl_client_close(ed);

    err = it_call_err(admin, "admin.kick", json_pack("{s:I}", "session", eid));
    CHECK_STR(it_err_code(err), "not_found");
    CHECK_STR(it_err_field(err), "session");
    json_decref(err);
    err = it_call_err(admin, "admin.kick", json_pack("{s:s}", "session", "x"));
    CHECK_STR(it_err_code(err), "bad_request");
    json_decref(err);

    /* watch off: no more connection events.  Those the server sent before
     * its answer (the admin's own activity, the kick's close) were read
     * with it and wait in the client: they are not "after" (a flake once) */
    r = it_call(admin, "admin.connections.watch", json_pack("{s:b}", "on", 0), NULL);
    CHECK(r);
    json_decref(r);
    while (ctl_client_next_event(admin, 0, &ev) > 0)
        json_decref(ev);
    struct ctl_client *x = it_connect(srv);
    ev = it_wait_event(admin, NULL, 500, NULL);
    CHECKF(!ev, "event after watch off: %s", ev ? it_str(ev, "event") : "");
    json_decref(ev);
    ctl_client_close(x);
    ctl_client_close(vi);
    ctl_client_close(admin);
}

/* The server pings each connection and shows its round trip to admins. */
static void test_rtt(void)
{
    static const char *const args[] = {"--ping-interval", "1", NULL};
    struct it_server *srv = it_server_start(args);
    struct ctl_client *admin = login_as(srv, "admin", IT_ADMIN_PASSWORD, "rtt-probe");
    json_int_t rtt = -1;
    for (int i = 0; i < 40 && rtt < 0; i++) {
        /* reading answers also answers the server's pings (the client pongs) */
        json_t *r = it_call(admin, "admin.connections.list", json_object(), NULL);
        size_t k;
        json_t *c;
        json_array_foreach(json_object_get(r, "items"), k,
                           c) if (strcmp(it_str(c, "client"), "rtt-probe") == 0 &&
                                  json_is_integer(json_object_get(c, "rtt_ms"))) rtt =
            it_int(c, "rtt_ms");
        json_decref(r);
        if (rtt < 0)
            usleep(100 * 1000);
    }
    printf("round trip measured by the server's ping: %lld ms\n", (long long)rtt);
    CHECKF(rtt >= 0 && rtt < 5000, "rtt_ms %lld", (long long)rtt);
    ctl_client_close(admin);
    CHECK(it_server_stop(srv) == 0);
}

/* A reconnect (auth.resume on a new connection) shows the client name it
 * sends, as a login does; one that sends none shows none. */
static void test_resume_client(const struct it_server *srv)
{
    struct ctl_client *admin = login_as(srv, "admin", IT_ADMIN_PASSWORD, "monitor-2");
    struct ctl_client *first = it_connect(srv);
    json_t *r = it_call(first, "auth.login",
                        json_pack("{s:s,s:s,s:s}", "username", IT_VIEWER_USER, "password",
                                  IT_VIEWER_PASSWORD, "client", "desk-before/1"),
                        NULL);
    REQUIRE(r);
    char *token = strdup(it_str(r, "token"));
    json_decref(r);
    ctl_client_close(first); /* the desk lost its connection */

    struct ctl_client *again = it_connect(srv);
    r = it_call(again, "auth.resume",
                json_pack("{s:s,s:s}", "token", token, "client", "desk-after/2"), NULL);
    CHECK(r != NULL);
    json_decref(r);
    CHECK(session_of(admin, "desk-after/2") > 0);
    CHECK(session_of(admin, "desk-before/1") < 0);
    json_t *err = it_call_err(again, "auth.resume",
                              json_pack("{s:s,s:s}", "token", token, "client", "two\nlines"));
    CHECK_STR(it_err_code(err), "bad_request");
    CHECK_STR(it_err_field(err), "client");
    json_decref(err);
    ctl_client_close(again);
    free(token);
    ctl_client_close(admin);
}

int main(void)
{
    it_setup("it_admin");
    test_rtt();
    struct it_server *srv = it_server_start(NULL);
    it_create_role_users(srv);
    test_presence(srv);
    test_monitor(srv);
    test_resume_client(srv);
    return it_done(test_summary());
}
