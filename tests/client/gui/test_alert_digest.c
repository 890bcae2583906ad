/*
 * GUI: a digest reader (users.preferences {digest: true}) gets no pop-up
 * per alert but one desktop notification a day, when the server sends its
 * notification.digest (PROTOCOL.md §6.23, §7.1): "N contract alerts" with
 * the contracts named.  Another user's digest pops up nothing.  Before,
 * the desk ignored the digest: a digest reader got no notification at all.
 * Fake clock (--fake-now, --alert-time 08:00 UTC); under a private session
 * bus (dbus-run-session) for the notifications.
 */
#include "gui_support.h"

#include "pacta-expiring-view.h"

static gboolean has_digest(gpointer data)
{
    return g_strcmp0(pacta_application_get_last_notification(data), "digest") == 0;
}

/* An active contract of `owner` whose end date is past: expired at once. */
static json_t *create_past(struct ctl_client *admin, const char *owner, const char *title)
{
    json_t *c =
        it_contract_create(admin, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "status", "active",
                                            "start_date", "2020-01-01", "end_date", "2020-12-31",
                                            "owner", owner, "renewal", "none", "title", title));
    REQUIRE(c != NULL);
    return c;
}

static void set_digest(struct it_server *s, const char *user, const char *password)
{
    struct ctl_client *c = it_login(s, user, password);
    json_t *r = it_call(c, "users.preferences", json_pack("{s:b}", "digest", 1), NULL);
    CHECK(r != NULL);
    json_decref(r);
    ctl_client_close(c);
}

int main(int argc, char **argv)
{
    (void)argc;
    gui_need_session_bus(argv);
    PactaApplication *app = gui_setup("gui_alert_digest");
    static const char *const args[] = {
        "--session-ttl", "315360000", "--fake-now", "2026-03-01T09:00:00Z",
        "--alert-time",  "08:00",     NULL};
    struct it_server *s = it_server_start(args);
    it_create_role_users(s);
    struct ctl_client *admin = it_login_admin(s);
    set_digest(s, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    set_digest(s, IT_EDITOR_USER, IT_EDITOR_PASSWORD);

    PactaWindow *win = gui_login(app, s, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    PactaExpiringView *view = pacta_window_get_expiring_view(win);

    /* the editor's digest first (a day with only ed's alert) */
    json_t *e = create_past(admin, IT_EDITOR_USER, "Editor's lease");
    struct gui_count_wait one = {view, 1};
    CHECK(gui_wait(gui_expiring_has_count, &one, GUI_TIMEOUT_MS));
    json_t *r =
        it_call(admin, "admin.clock.set", json_pack("{s:s}", "now", "2026-03-02T08:30:00Z"), NULL);
    CHECK(r != NULL);
    json_decref(r);
    gui_pump(300);
    CHECKF(pacta_application_get_last_notification(app) == NULL,
           "another user's digest popped up: %s", pacta_application_get_last_notification(app));

    /* two alerts of the viewer's own: no pop-up each, one digest next day */
    json_t *a = create_past(admin, IT_VIEWER_USER, "Office cleaning");
    json_t *b = create_past(admin, IT_VIEWER_USER, "Printer lease");
    struct gui_count_wait three = {view, 3};
    CHECK(gui_wait(gui_expiring_has_count, &three, GUI_TIMEOUT_MS));
    gui_pump(200);
    CHECKF(pacta_application_get_last_notification(app) == NULL, "a pop-up per alert: %s",
           pacta_application_get_last_notification(app));
    r = it_call(admin, "admin.clock.set", json_pack("{s:s}", "now", "2026-03-03T08:30:00Z"), NULL);
    CHECK(r != NULL);
    json_decref(r);
    CHECKF(gui_wait(has_digest, app, GUI_TIMEOUT_MS), "no digest notification");
    const char *text = pacta_application_get_last_notification_text(app);
    CHECKF(text && g_str_has_prefix(text, "2 contract alerts\n") &&
               strstr(text, it_str(a, "number")) && strstr(text, "Office cleaning") &&
               strstr(text, it_str(b, "number")) && strstr(text, "Printer lease") &&
               !strstr(text, it_str(e, "number")),
           "digest notification: %s", text ? text : "(none)");

    json_decref(a);
    json_decref(b);
    json_decref(e);
    ctl_client_close(admin);
    gui_teardown(app);
    return it_done(test_summary());
}
