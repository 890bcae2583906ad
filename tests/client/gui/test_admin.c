/*
 * GUI: a non-admin does not get the admin monitor; an admin sees a second
 * client connect (live) and can disconnect it (close 4002).
 */
#include "gui_support.h"

static gboolean main_window_gone(gpointer data)
{
    return pacta_application_get_main_window(data) == NULL &&
           pacta_application_get_login_window(data) != NULL;
}

struct peer_wait {
    PactaPeerList *peers;
    const char *user;
    gboolean present;
};

static gint64 find_user(PactaPeerList *peers, const char *user)
{
    guint n = g_list_model_get_n_items(G_LIST_MODEL(peers));
    for (guint i = 0; i < n; i++) {
        g_autoptr(PactaPeer) p = g_list_model_get_item(G_LIST_MODEL(peers), i);
        if (g_strcmp0(pacta_peer_get_user(p), user) == 0)
            return pacta_peer_get_session(p);
    }
    return 0;
}

static gboolean peer_is(gpointer data)
{
    struct peer_wait *w = data;
    return (find_user(w->peers, w->user) != 0) == w->present;
}

static gboolean admin_ready(gpointer data)
{
    GtkWindow *w = pacta_application_get_admin_window(data);
    return w && pacta_admin_window_is_ready(PACTA_ADMIN_WINDOW(w));
}

int main(void)
{
    PactaApplication *app = gui_setup("gui_admin");
    struct it_server *s = it_server_start(NULL);
    it_create_role_users(s);

    /* An editor: the action is disabled, activating it opens nothing. */
    gui_login(app, s, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    CHECK(!g_action_group_get_action_enabled(G_ACTION_GROUP(app), "admin-monitor"));
    g_action_group_activate_action(G_ACTION_GROUP(app), "admin-monitor", NULL);
    gui_pump(200);
    CHECK(pacta_application_get_admin_window(app) == NULL);

    g_action_group_activate_action(G_ACTION_GROUP(app), "logout", NULL);
    REQUIRE(gui_wait(main_window_gone, app, GUI_TIMEOUT_MS));

    /* An admin. */
    gui_login(app, s, "admin", IT_ADMIN_PASSWORD);
    CHECK(g_action_group_get_action_enabled(G_ACTION_GROUP(app), "admin-monitor"));
    g_action_group_activate_action(G_ACTION_GROUP(app), "admin-monitor", NULL);
    REQUIRE(gui_wait(admin_ready, app, GUI_TIMEOUT_MS));
    PactaAdminWindow *monitor = PACTA_ADMIN_WINDOW(pacta_application_get_admin_window(app));
    PactaPeerList *peers = pacta_admin_window_get_peers(monitor);
    CHECK(find_user(peers, "admin") != 0); /* ourselves */

    /* A second client connects: it shows up live. */
    struct ctl_client *viewer = it_login(s, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    struct peer_wait w = {peers, IT_VIEWER_USER, TRUE};
    CHECK(gui_wait(peer_is, &w, GUI_TIMEOUT_MS));
    gint64 session = find_user(peers, IT_VIEWER_USER);
    REQUIRE(session > 0);

    /* Disconnect it: it is closed with 4002 and leaves the list. */
    pacta_admin_window_disconnect(monitor, session);
    w.present = FALSE;
    CHECK(gui_wait(peer_is, &w, GUI_TIMEOUT_MS));
    CHECK(it_wait_close(viewer, IT_TIMEOUT_MS) == 4002);
    CHECK(find_user(peers, "admin") != 0);

    ctl_client_close(viewer);
    gui_teardown(app);
    return it_done(test_summary());
}
