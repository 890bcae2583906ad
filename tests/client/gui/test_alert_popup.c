/*
 * GUI: expiry alerts reach every desk (the Expiring page lists them all),
 * but a desktop notification pops up only for a user the alert's "notify"
 * names (PROTOCOL.md §6.23, §7.1): not for someone else's contract, yes
 * for one's own, and not once the user reads digests instead.  The alerts
 * come from contracts created active with an end date already past: the
 * server expires them at its next scan, right after the create.  A
 * notification goes out over the session bus: the test runs under a
 * private one (dbus-run-session).
 */
#include "gui_support.h"

#include "pacta-expiring-view.h"

/* An active contract of `owner` whose end date is past: expired at once. */
static json_t *create_past(struct ctl_client *admin, const char *owner)
{
    json_t *c =
        it_contract_create(admin, json_pack("{s:s, s:s, s:s, s:s, s:s}", "status", "active",
                                            "start_date", "2020-01-01", "end_date", "2020-12-31",
                                            "owner", owner, "renewal", "none"));
    REQUIRE(c != NULL);
    return c;
}

int main(int argc, char **argv)
{
    (void)argc;
    gui_need_session_bus(argv);
    PactaApplication *app = gui_setup("gui_alert_popup");
    struct it_server *s = it_server_start(NULL);
    it_create_role_users(s);
    struct ctl_client *admin = it_login_admin(s);

    PactaWindow *win = gui_login(app, s, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    PactaExpiringView *view = pacta_window_get_expiring_view(win);
    CHECK(pacta_application_get_last_notification(app) == NULL);

    /* someone else's contract: listed, no pop-up */
    json_t *a = create_past(admin, "admin");
    struct gui_count_wait one = {view, 1};
    CHECK(gui_wait(gui_expiring_has_count, &one, GUI_TIMEOUT_MS));
    gui_pump(700); /* alerts are gathered for 400 ms before they pop up */
    CHECKF(pacta_application_get_last_notification(app) == NULL,
           "a pop-up for someone else's contract: %s",
           pacta_application_get_last_notification(app));

    /* one's own: a pop-up */
    json_t *b = create_past(admin, IT_VIEWER_USER);
    struct gui_count_wait two = {view, 2};
    CHECK(gui_wait(gui_expiring_has_count, &two, GUI_TIMEOUT_MS));
    gui_pump(700); /* alerts are gathered for 400 ms before they pop up */
    g_autofree char *mine = g_strdup_printf("contract-%s", it_str(b, "id"));
    CHECK_STR(pacta_application_get_last_notification(app), mine);

    /* a digest reader: the daily digest instead of pop-ups */
    struct ctl_client *vi = it_login(s, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    json_t *r = it_call(vi, "users.preferences", json_pack("{s:b}", "digest", 1), NULL);
    CHECK(r != NULL);
    json_decref(r);
    json_t *c = create_past(admin, IT_VIEWER_USER);
    struct gui_count_wait three = {view, 3};
    CHECK(gui_wait(gui_expiring_has_count, &three, GUI_TIMEOUT_MS));
    gui_pump(700); /* alerts are gathered for 400 ms before they pop up */
    CHECK_STR(pacta_application_get_last_notification(app), mine);

    json_decref(a);
    json_decref(b);
    json_decref(c);
    ctl_client_close(vi);
    ctl_client_close(admin);
    gui_teardown(app);
    return it_done(test_summary());
}
