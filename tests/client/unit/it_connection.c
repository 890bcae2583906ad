/*
 * pacta-desk core against a real pactad (GTest + the integration harness):
 * login, the contract store loading and following live events, conflicts,
 * reconnect + resume after a drop and after a server restart (events made
 * meanwhile arrive), presence, the admin peer list and kick.
 */
#include <pacta-core.h>

#include "harness.h"

static struct it_server *srv;

/* Iterates the main loop until cond(data) or the timeout; returns cond(data). */
static gboolean spin_until(gboolean (*cond)(gpointer), gpointer data, int timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    while (!cond(data) && g_get_monotonic_time() < deadline)
        if (!g_main_context_iteration(NULL, FALSE))
            g_usleep(1000);
    return cond(data);
}

static gboolean is_connected(gpointer c)
{
    return pacta_connection_get_state(c) == PACTA_CONNECTION_CONNECTED;
}

static gboolean is_waiting(gpointer c)
{
    return pacta_connection_get_state(c) == PACTA_CONNECTION_WAITING;
}

static gboolean is_stopped(gpointer c)
{
    return pacta_connection_get_state(c) == PACTA_CONNECTION_STOPPED;
}

static gboolean store_loaded(gpointer s)
{
    return pacta_contract_store_get_loaded(s);
}

typedef struct {
    gboolean done;
    gboolean ok;
    GError *error;
    json_t *result, *detail;
} Wait;

static gboolean wait_done(gpointer w)
{
    return ((Wait *)w)->done;
}

static void on_login(GObject *src, GAsyncResult *res, gpointer data)
{
    Wait *w = data;
    w->ok = pacta_connection_login_finish(PACTA_CONNECTION(src), res, &w->error);
    w->done = TRUE;
}

static void on_request(GObject *src, GAsyncResult *res, gpointer data)
{
    Wait *w = data;
    w->result = pacta_connection_request_finish(PACTA_CONNECTION(src), res, &w->detail, &w->error);
    w->done = TRUE;
}

static void wait_clear(Wait *w)
{
    g_clear_error(&w->error);
    json_decref(w->result);
    json_decref(w->detail);
    memset(w, 0, sizeof *w);
}

static PactaConnection *connection_for(struct it_server *s)
{
    PactaConnection *c = pacta_connection_new();
    g_object_set(c, "url", s->url, "ca-file", it_ca_file(), "backoff-base-ms", 200u,
                 "backoff-max-ms", 1000u, NULL);
    return c;
}

static PactaConnection *login(struct it_server *s, const char *user, const char *password)
{
    PactaConnection *c = connection_for(s);
    Wait w = {0};
    pacta_connection_login_async(c, user, password, NULL, on_login, &w);
    g_assert_true(spin_until(wait_done, &w, IT_TIMEOUT_MS));
    g_assert_no_error(w.error);
    g_assert_true(w.ok);
    g_assert_cmpint(pacta_connection_get_state(c), ==, PACTA_CONNECTION_CONNECTED);
    return c;
}

static json_t *request(PactaConnection *c, const char *op, json_t *args_steal, json_t **detail,
                       GError **error)
{
    Wait w = {0};
    pacta_connection_request_async(c, op, args_steal, NULL, on_request, &w);
    json_decref(args_steal);
    g_assert_true(spin_until(wait_done, &w, IT_TIMEOUT_MS));
    json_t *r = w.result;
    if (detail)
        *detail = w.detail;
    else
        json_decref(w.detail);
    if (error)
        *error = w.error;
    else
        g_clear_error(&w.error);
    return r;
}

static void test_bad_login(void)
{
    Wait w = {0};
    {
        g_autoptr(PactaConnection) c = connection_for(srv);
        pacta_connection_login_async(c, "admin", "wrong-password", NULL, on_login, &w);
        g_assert_true(spin_until(wait_done, &w, IT_TIMEOUT_MS));
        g_assert_false(w.ok);
        g_assert_error(w.error, PACTA_DESK_ERROR, PACTA_DESK_ERROR_UNAUTHENTICATED);
        g_assert_cmpint(pacta_connection_get_state(c), ==, PACTA_CONNECTION_STOPPED);
        wait_clear(&w);

        /* Requests while not connected fail at once. */
        GError *error = NULL;
        g_assert_null(request(c, "ping", NULL, NULL, &error));
        g_assert_error(error, PACTA_DESK_ERROR, PACTA_DESK_ERROR_DISCONNECTED);
        g_clear_error(&error);
    }

    /*
     * A CA that did not sign the server's certificate: refused (pinning).
     * (After the first connection is gone: lws 4.1.6 leaks an SSL_CTX when
     * contexts for two CA files live at once; the desk only ever has one.)
     */
    g_autoptr(PactaConnection) c2 = connection_for(srv);
    g_autofree char *other = g_build_filename(it_tmp_dir(), "other-ca", NULL);
    char *argv[] = {"/bin/sh", PACTA_SOURCE_DIR "/certs/gen-dev-certs.sh", other, NULL};
    g_assert_cmpint(it_run(argv, NULL, 60000, NULL, NULL), ==, 0);
    g_autofree char *other_ca = g_build_filename(other, "ca.pem", NULL);
    pacta_connection_set_ca_file(c2, other_ca);
    pacta_connection_login_async(c2, "admin", IT_ADMIN_PASSWORD, NULL, on_login, &w);
    g_assert_true(spin_until(wait_done, &w, IT_TIMEOUT_MS));
    g_assert_false(w.ok);
    g_assert_error(w.error, PACTA_DESK_ERROR, PACTA_DESK_ERROR_CONNECT);
    wait_clear(&w);
}

typedef struct {
    int changed, removed;
    char *actor;
} StoreSeen;

static void on_changed(PactaContractStore *s, PactaContract *c, const char *actor, gboolean created,
                       StoreSeen *seen)
{
    (void)s, (void)c, (void)created;
    seen->changed++;
    g_free(seen->actor);
    seen->actor = g_strdup(actor);
}

static void on_removed(PactaContractStore *s, PactaContract *c, const char *actor, StoreSeen *seen)
{
    (void)s, (void)c, (void)actor;
    seen->removed++;
}

typedef struct {
    PactaContract *row;
    const char *title;
} TitleIs;

static gboolean title_is(gpointer d)
{
    TitleIs *t = d;
    return g_strcmp0(pacta_contract_get_title(t->row), t->title) == 0;
}

typedef struct {
    PactaContractStore *store;
    const char *id;
    gboolean present;
} Presence;

static gboolean row_present(gpointer d)
{
    Presence *p = d;
    return (pacta_contract_store_lookup(p->store, p->id) != NULL) == p->present;
}

static void test_live(void)
{
    struct ctl_client *ctl = it_login_admin(srv);
    json_auto_t *c1 = it_contract_create(ctl, NULL);
    json_auto_t *c2 = it_contract_create(ctl, NULL);
    g_assert_nonnull(c1);
    g_assert_nonnull(c2);

    g_autoptr(PactaConnection) conn = login(srv, "admin", IT_ADMIN_PASSWORD);
    g_assert_true(pacta_connection_is_admin(conn));
    g_autoptr(PactaContractStore) store = pacta_contract_store_new(conn);
    g_assert_true(spin_until(store_loaded, store, IT_TIMEOUT_MS));
    g_assert_cmpuint(g_list_model_get_n_items(G_LIST_MODEL(store)), >=, 2);
    const char *id1 = it_str(c1, "id");
    PactaContract *row = pacta_contract_store_lookup(store, id1);
    g_assert_nonnull(row);
    StoreSeen seen = {0};
    g_signal_connect(store, "contract-changed", G_CALLBACK(on_changed), &seen);
    g_signal_connect(store, "contract-removed", G_CALLBACK(on_removed), &seen);

    /* An update made elsewhere reaches the same row object. */
    json_auto_t *r = it_contract_update(ctl, id1, it_int(c1, "version"),
                                        json_pack("{s:s}", "title", "Live title"), NULL, NULL);
    g_assert_nonnull(r);
    TitleIs t = {row, "Live title"};
    g_assert_true(spin_until(title_is, &t, IT_TIMEOUT_MS));
    g_assert_cmpint(seen.changed, ==, 1);
    g_assert_cmpstr(seen.actor, ==, "admin");
    g_assert_true(pacta_contract_get_highlight(row));

    /* A stale save: conflict with the current record, nothing changed. */
    GError *error = NULL;
    json_t *detail = NULL;
    json_t *args = json_pack("{s:s, s:I, s:{s:s}}", "id", id1, "version", it_int(c1, "version"),
                             "changes", "title", "Mine");
    json_auto_t *res = request(conn, "contracts.update", args, &detail, &error);
    g_assert_null(res);
    g_assert_error(error, PACTA_DESK_ERROR, PACTA_DESK_ERROR_CONFLICT);
    g_clear_error(&error);
    json_t *current = json_object_get(detail, "current");
    g_assert_cmpint(json_integer_value(json_object_get(current, "version")), ==,
                    pacta_contract_get_version(row));
    /* Merge and save at the new version: only my field goes. */
    json_auto_t *base = json_deep_copy(c1);
    json_auto_t *mine = json_pack("{s:s}", "counterparty", "Mine Ltd");
    g_autoptr(PactaMerge) m = pacta_merge_new(base, mine, current);
    g_assert_true(pacta_merge_is_resolved(m));
    args = json_pack("{s:s, s:I, s:o}", "id", id1, "version", pacta_merge_get_their_version(m),
                     "changes", pacta_merge_get_changes(m));
    json_auto_t *saved = request(conn, "contracts.update", args, NULL, &error);
    g_assert_no_error(error);
    g_assert_nonnull(saved);
    json_decref(detail);

    /* Deleted elsewhere: the row leaves the list. */
    json_auto_t *del = it_call(
        ctl, "contracts.delete",
        json_pack("{s:s, s:I}", "id", it_str(c2, "id"), "version", it_int(c2, "version")), NULL);
    g_assert_nonnull(del);
    Presence gone = {store, it_str(c2, "id"), FALSE};
    g_assert_true(spin_until(row_present, &gone, IT_TIMEOUT_MS));
    g_assert_cmpint(seen.removed, ==, 1);
    g_free(seen.actor);
    ctl_client_close(ctl);
}

static void test_reconnect(void)
{
    struct ctl_client *ctl = it_login_admin(srv);
    json_auto_t *c1 = it_contract_create(ctl, NULL);
    g_autoptr(PactaConnection) conn = login(srv, "admin", IT_ADMIN_PASSWORD);
    g_autoptr(PactaContractStore) store = pacta_contract_store_new(conn);
    g_assert_true(spin_until(store_loaded, store, IT_TIMEOUT_MS));
    PactaContract *row = pacta_contract_store_lookup(store, it_str(c1, "id"));
    g_assert_nonnull(row);

    /* A network drop: WAITING with a retry time, then resumed. */
    pacta_connection_drop(conn);
    g_assert_true(spin_until(is_waiting, conn, IT_TIMEOUT_MS));
    g_assert_cmpint(pacta_connection_get_retry_at(conn), >, 0);
    g_assert_cmpuint(pacta_connection_get_attempt(conn), ==, 1);
    /* Changes made while we are away arrive through the replay. */
    json_auto_t *r1 = it_contract_update(ctl, it_str(c1, "id"), it_int(c1, "version"),
                                         json_pack("{s:s}", "title", "While away"), NULL, NULL);
    g_assert_nonnull(r1);
    json_auto_t *created = it_contract_create(ctl, NULL);
    g_assert_true(spin_until(is_connected, conn, IT_TIMEOUT_MS));
    TitleIs t = {row, "While away"};
    g_assert_true(spin_until(title_is, &t, IT_TIMEOUT_MS));
    Presence appears = {store, it_str(created, "id"), TRUE};
    g_assert_true(spin_until(row_present, &appears, IT_TIMEOUT_MS));
    g_assert_true(pacta_contract_store_lookup(store, it_str(c1, "id")) == row);
    ctl_client_close(ctl);

    /* The server goes away and comes back (on a new port). */
    g_assert_cmpint(it_server_stop(srv), ==, 0);
    g_assert_true(spin_until(is_waiting, conn, IT_TIMEOUT_MS));
    it_server_restart(srv);
    ctl = it_login_admin(srv);
    json_t *v = json_object_get(json_object_get(r1, "contract"), "version");
    json_auto_t *r2 = it_contract_update(ctl, it_str(c1, "id"), json_integer_value(v),
                                         json_pack("{s:s}", "title", "After restart"), NULL, NULL);
    g_assert_nonnull(r2);
    pacta_connection_set_url(conn, srv->url);
    pacta_connection_reconnect_now(conn);
    g_assert_true(spin_until(is_connected, conn, IT_TIMEOUT_MS));
    t.title = "After restart";
    g_assert_true(spin_until(title_is, &t, IT_TIMEOUT_MS));
    g_assert_cmpuint(pacta_connection_get_attempt(conn), ==, 0);
    ctl_client_close(ctl);
}

typedef struct {
    PactaPeerList *list;
    const char *user;
    gboolean present;
} PeerIs;

static gboolean peer_present(gpointer d)
{
    PeerIs *p = d;
    guint n = g_list_model_get_n_items(G_LIST_MODEL(p->list));
    gboolean found = FALSE;
    for (guint i = 0; i < n && !found; i++) {
        g_autoptr(PactaPeer) peer = g_list_model_get_item(G_LIST_MODEL(p->list), i);
        found = g_strcmp0(pacta_peer_get_user(peer), p->user) == 0;
    }
    return found == p->present;
}

static void on_peer_kick(GObject *src, GAsyncResult *res, gpointer data)
{
    Wait *w = data;
    w->ok = pacta_peer_list_kick_finish(PACTA_PEER_LIST(src), res, &w->error);
    w->done = TRUE;
}

static void on_peer_start(GObject *src, GAsyncResult *res, gpointer data)
{
    Wait *w = data;
    w->ok = pacta_peer_list_start_finish(PACTA_PEER_LIST(src), res, &w->error);
    w->done = TRUE;
}

typedef struct {
    PactaPresence *p;
    const char *id;
} EditingIs;

static gboolean someone_editing(gpointer d)
{
    EditingIs *e = d;
    g_autofree char *text = pacta_presence_describe(e->p, e->id);
    return text != NULL;
}

static void test_admin_presence(void)
{
    it_create_role_users(srv);
    g_autoptr(PactaConnection) admin = login(srv, "admin", IT_ADMIN_PASSWORD);
    g_autoptr(PactaConnection) ed = login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    g_assert_true(pacta_connection_can_edit(ed));
    g_assert_false(pacta_connection_is_admin(ed));

    /* A non-admin is refused the monitor. */
    g_autoptr(PactaPeerList) denied = pacta_peer_list_new(ed);
    Wait w = {0};
    pacta_peer_list_start_async(denied, NULL, on_peer_start, &w);
    g_assert_true(spin_until(wait_done, &w, IT_TIMEOUT_MS));
    g_assert_error(w.error, PACTA_DESK_ERROR, PACTA_DESK_ERROR_FORBIDDEN);
    wait_clear(&w);

    g_autoptr(PactaPeerList) peers = pacta_peer_list_new(admin);
    pacta_peer_list_start_async(peers, NULL, on_peer_start, &w);
    g_assert_true(spin_until(wait_done, &w, IT_TIMEOUT_MS));
    g_assert_true(w.ok);
    wait_clear(&w);
    PeerIs ed_there = {peers, IT_EDITOR_USER, TRUE};
    g_assert_true(spin_until(peer_present, &ed_there, IT_TIMEOUT_MS));

    /* Presence: the editor opens a contract, the admin's desk sees it. */
    struct ctl_client *ctl = it_login_admin(srv);
    json_auto_t *c = it_contract_create(ctl, NULL);
    ctl_client_close(ctl);
    g_autoptr(PactaPresence) p_admin = pacta_presence_new(admin);
    g_autoptr(PactaPresence) p_ed = pacta_presence_new(ed);
    pacta_presence_set_editing(p_ed, it_str(c, "id"));
    EditingIs e = {p_admin, it_str(c, "id")};
    g_assert_true(spin_until(someone_editing, &e, IT_TIMEOUT_MS));
    /* The editor does not see itself. */
    g_autofree char *self_text = pacta_presence_describe(p_ed, it_str(c, "id"));
    g_assert_null(self_text);

    /* Kick: the editor's desk stops with the reason, no reconnect. */
    guint n = g_list_model_get_n_items(G_LIST_MODEL(peers));
    gint64 session = 0;
    for (guint i = 0; i < n; i++) {
        g_autoptr(PactaPeer) peer = g_list_model_get_item(G_LIST_MODEL(peers), i);
        if (g_strcmp0(pacta_peer_get_user(peer), IT_EDITOR_USER) == 0)
            session = pacta_peer_get_session(peer);
    }
    g_assert_cmpint(session, >, 0);
    pacta_peer_list_kick_async(peers, session, NULL, on_peer_kick, &w);
    g_assert_true(spin_until(wait_done, &w, IT_TIMEOUT_MS));
    g_assert_no_error(w.error);
    wait_clear(&w);
    g_assert_true(spin_until(is_stopped, ed, IT_TIMEOUT_MS));
    g_assert_cmpstr(pacta_connection_get_stop_reason(ed), ==, "Disconnected by an administrator.");
    PeerIs ed_gone = {peers, IT_EDITOR_USER, FALSE};
    g_assert_true(spin_until(peer_present, &ed_gone, IT_TIMEOUT_MS));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    it_setup("desk_core");
    setenv("PACTA_ADMIN_PASSWORD", IT_ADMIN_PASSWORD, 1);
    srv = it_server_start(NULL);
    g_test_add_func("/connection/bad-login", test_bad_login);
    g_test_add_func("/connection/live", test_live);
    g_test_add_func("/connection/admin-presence", test_admin_presence);
    g_test_add_func("/connection/reconnect", test_reconnect); /* last: restarts the server */
    return it_done(g_test_run());
}
