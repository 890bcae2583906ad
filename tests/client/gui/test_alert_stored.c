/*
 * GUI: an expiry alert raised while the desk was closed is on the Expiring
 * page when the user logs in (the server stores it as a notification,
 * PROTOCOL §6.21), and it counts as read once the user has looked at the
 * page (notifications.mark_read), not before.  The desk only showed the
 * alerts that arrived while it ran: an alert raised overnight was never
 * seen on the desk.
 */
#include "gui_support.h"

#include "pacta-expiring-view.h"

static struct ctl_client *admin;

/* The admin's unread notifications as the server counts them, -1 on error. */
static json_int_t unread(void)
{
    json_t *r = it_call(admin, "notifications.list",
                        json_pack("{s:b, s:i}", "unread_only", 1, "limit", 1), NULL);
    json_int_t n = r ? it_int(r, "unread") : -1;
    json_decref(r);
    return n;
}

static gboolean none_unread(gpointer data)
{
    (void)data;
    return unread() == 0;
}

static gboolean has_alert(gpointer data)
{
    return pacta_expiring_view_get_count(data) == 1;
}

int main(void)
{
    PactaApplication *app = gui_setup("gui_alert_stored");
    static const char *const args[] = {"--session-ttl", "315360000", "--fake-now",
                                       "2026-01-01T09:00:00Z", NULL};
    struct it_server *s = it_server_start(args);
    admin = it_login_admin(s);
    json_t *c =
        it_contract_create(admin, json_pack("{s:s, s:s, s:s}", "status", "active", "start_date",
                                            "2025-12-01", "end_date", "2026-04-20"));
    REQUIRE(c != NULL);

    /* overnight, no desk running: 85 days before the end, the 90-day alert */
    json_t *r =
        it_call(admin, "admin.clock.set", json_pack("{s:s}", "now", "2026-01-25T09:00:00Z"), NULL);
    REQUIRE(r != NULL);
    json_decref(r);
    for (int i = 0; i < 250 && unread() < 1; i++)
        g_usleep(20000);
    REQUIRE(unread() == 1);

    /* in the morning: logged in, the list on screen, the alert waiting */
    PactaWindow *win = gui_login(app, s, "admin", IT_ADMIN_PASSWORD);
    PactaExpiringView *view = pacta_window_get_expiring_view(win);
    CHECKF(gui_wait(has_alert, view, GUI_TIMEOUT_MS), "the Expiring page lists %u alerts",
           pacta_expiring_view_get_count(view));
    gui_pump(300);
    CHECKF(unread() == 1, "marked read before the page was shown: %lld unread",
           (long long)unread());

    /* the user opens the Expiring page: seen */
    gtk_widget_activate_action(GTK_WIDGET(win), "win.show-expiring", NULL);
    CHECKF(gui_wait(none_unread, NULL, GUI_TIMEOUT_MS),
           "still %lld unread after the page was shown", (long long)unread());
    CHECK(pacta_expiring_view_get_count(view) == 1); /* still listed */

    json_decref(c);
    ctl_client_close(admin);
    gui_teardown(app);
    return it_done(test_summary());
}
