/*
 * GUI: the list's lifecycle follows the server's date.  A contract that
 * starts tomorrow is "upcoming" today and "active" from midnight, and no
 * change event says so (the record's version does not move).  The desk
 * learns the date moved from server.day while connected, and from its
 * subscribe answer after a night offline, and reads the rows' derived
 * members again in place: the rows change, the list is not reloaded (the
 * same row objects, no loading state).  Before, the row said "upcoming"
 * until the user reloaded by hand.
 */
#include "gui_support.h"

struct lc_wait {
    PactaContractStore *store;
    const char *id, *lifecycle;
};

static gboolean has_lifecycle(gpointer data)
{
    struct lc_wait *w = data;
    PactaContract *c = pacta_contract_store_lookup(w->store, w->id);
    return c && g_str_equal(pacta_contract_get_lifecycle(c), w->lifecycle);
}

static gboolean banner_hidden(gpointer data)
{
    return !pacta_connection_banner_get_revealed(data);
}

static void count_loading(GObject *store, GParamSpec *p, gpointer data)
{
    (void)p;
    gboolean loading = FALSE;
    g_object_get(store, "loading", &loading, NULL);
    if (loading)
        (*(int *)data)++;
}

static void clock_set(struct ctl_client *admin, const char *now)
{
    json_t *r = it_call(admin, "admin.clock.set", json_pack("{s:s}", "now", now), NULL);
    CHECK(r != NULL);
    json_decref(r);
}

int main(void)
{
    PactaApplication *app = gui_setup("gui_lifecycle_day");
    static const char *const args[] = {"--session-ttl", "315360000", "--fake-now",
                                       "2026-03-01T12:00:00Z", NULL};
    struct it_server *s = it_server_start(args);
    struct ctl_client *admin = it_login_admin(s);
    json_t *a =
        it_contract_create(admin, json_pack("{s:s, s:s, s:s}", "status", "active", "start_date",
                                            "2026-03-02", "end_date", "2027-12-31"));
    json_t *c =
        it_contract_create(admin, json_pack("{s:s, s:s, s:s}", "status", "active", "start_date",
                                            "2026-03-05", "end_date", "2027-12-31"));
    REQUIRE(a && c);
    CHECK_STR(it_str(a, "lifecycle"), "upcoming");

    PactaWindow *win = gui_login(app, s, "admin", IT_ADMIN_PASSWORD);
    PactaContractStore *store = pacta_application_get_store(app);
    PactaContract *row_a = pacta_contract_store_lookup(store, it_str(a, "id"));
    REQUIRE(row_a != NULL);
    CHECK_STR(pacta_contract_get_lifecycle(row_a), "upcoming");
    int reloads = 0;
    g_signal_connect(store, "notify::loading", G_CALLBACK(count_loading), &reloads);

    /* midnight while connected */
    clock_set(admin, "2026-03-02T12:00:00Z");
    struct lc_wait wa = {store, it_str(a, "id"), "active"};
    CHECKF(gui_wait(has_lifecycle, &wa, GUI_TIMEOUT_MS), "A's row says %s on its first day",
           pacta_contract_get_lifecycle(pacta_contract_store_lookup(store, wa.id)));
    CHECK(pacta_contract_store_lookup(store, it_str(a, "id")) == row_a);
    CHECK_STR(pacta_contract_get_lifecycle(pacta_contract_store_lookup(store, it_str(c, "id"))),
              "upcoming");

    /* three nights offline: the server restarts and its date moves on
     * before the desk is back */
    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);
    it_server_restart(s);
    admin = it_login_admin(s);
    clock_set(admin, "2026-03-05T12:00:00Z");
    PactaConnection *conn = pacta_application_get_connection(app);
    pacta_connection_set_url(conn, s->url);
    pacta_connection_reconnect_now(conn);
    CHECK(gui_wait(banner_hidden, pacta_window_get_banner(win), GUI_TIMEOUT_MS));
    struct lc_wait wc = {store, it_str(c, "id"), "active"};
    CHECKF(gui_wait(has_lifecycle, &wc, GUI_TIMEOUT_MS), "C's row says %s after the resume",
           pacta_contract_get_lifecycle(pacta_contract_store_lookup(store, wc.id)));
    CHECK(pacta_contract_store_lookup(store, it_str(a, "id")) == row_a);
    CHECKF(reloads == 0, "the list was reloaded %d times", reloads);

    json_decref(a);
    json_decref(c);
    ctl_client_close(admin);
    gui_teardown(app);
    return it_done(test_summary());
}
