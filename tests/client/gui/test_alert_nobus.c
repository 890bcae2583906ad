/*
 * GUI: an expiry alert for the user's own contract on a desk with no
 * session bus (a bare X session): no desktop notification can be sent, and
 * none is tried (GIO's fallback called D-Bus with no connection, a
 * critical); the Expiring page still lists the alert.
 */
#include "gui_support.h"

#include "pacta-expiring-view.h"

static gboolean has_alert(gpointer data)
{
    return pacta_expiring_view_get_count(data) >= 1;
}

int main(void)
{
    g_unsetenv("DBUS_SESSION_BUS_ADDRESS");
    PactaApplication *app = gui_setup("gui_alert_nobus");
    struct it_server *s = it_server_start(NULL);
    it_create_role_users(s);
    struct ctl_client *admin = it_login_admin(s);
    PactaWindow *win = gui_login(app, s, IT_VIEWER_USER, IT_VIEWER_PASSWORD);

    /* active, its end date past: the server expires it at once */
    json_t *c = it_contract_create(admin, json_pack("{s:s, s:s, s:s, s:s}", "status", "active",
                                                    "start_date", "2020-01-01", "end_date",
                                                    "2020-12-31", "owner", IT_VIEWER_USER));
    REQUIRE(c != NULL);
    CHECK(gui_wait(has_alert, pacta_window_get_expiring_view(win), GUI_TIMEOUT_MS));
    gui_pump(200);
    CHECK(pacta_application_get_last_notification(app) == NULL);

    json_decref(c);
    ctl_client_close(admin);
    gui_teardown(app);
    return it_done(test_summary());
}
