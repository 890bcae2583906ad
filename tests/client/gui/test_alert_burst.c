/*
 * GUI: alerts that arrive together pop up as one desktop notification,
 * "5 contract alerts", naming the first three and opening the Expiring
 * page, not one per contract: after a server outage its late alerts come
 * in one scan (and a desk that reconnects gets the missed ones replayed),
 * and an owner or admin with many contracts got hundreds of pop-ups.  A
 * single alert still pops up alone, for its contract (test_alert_popup).
 * The alerts come from contracts created active with an end date already
 * past: the server expires each at its next scan, right after the create.
 */
#include "gui_support.h"

#include "pacta-expiring-view.h"

#define N_BURST 5

static gboolean notified(gpointer data)
{
    return pacta_application_get_last_notification(data) != NULL;
}

int main(int argc, char **argv)
{
    (void)argc;
    gui_need_session_bus(argv);
    PactaApplication *app = gui_setup("gui_alert_burst");
    struct it_server *s = it_server_start(NULL);
    it_create_role_users(s);
    struct ctl_client *admin = it_login_admin(s);

    PactaWindow *win = gui_login(app, s, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    PactaExpiringView *view = pacta_window_get_expiring_view(win);
    CHECK(pacta_application_get_notification_count(app) == 0);

    for (int i = 0; i < N_BURST; i++) {
        char number[32];
        snprintf(number, sizeof number, "BURST-%d", i);
        json_t *c = it_contract_create(
            admin, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "number", number, "status", "active",
                             "start_date", "2020-01-01", "end_date", "2020-12-31", "owner",
                             IT_VIEWER_USER, "renewal", "none"));
        REQUIRE(c != NULL);
        json_decref(c);
    }
    struct gui_count_wait all = {view, N_BURST};
    CHECK(gui_wait(gui_expiring_has_count, &all, GUI_TIMEOUT_MS));
    CHECK(gui_wait(notified, app, GUI_TIMEOUT_MS));
    gui_pump(1500); /* anything else that would pop up */
    CHECKF(pacta_application_get_notification_count(app) == 1, "%u pop-ups for %d alerts",
           pacta_application_get_notification_count(app), N_BURST);
    CHECK_STR(pacta_application_get_last_notification(app), "alerts");
    const char *text = pacta_application_get_last_notification_text(app);
    CHECKF(g_str_has_prefix(text, "5 contract alerts\nBURST-0 has expired\n"), "%s", text);
    CHECKF(strstr(text, "\nand 2 more") != NULL, "%s", text);

    ctl_client_close(admin);
    gui_teardown(app);
    return it_done(test_summary());
}
