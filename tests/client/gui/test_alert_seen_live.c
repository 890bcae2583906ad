/*
 * GUI: an expiry alert that arrives while the desk runs counts as read once
 * the user has seen it on the Expiring page, as a stored one does (README:
 * alerts "count as read once you open the page").  The page marked read
 * only the notifications it had listed at login: one raised live stayed
 * unread on the server for ever, so it came back as new on the page at
 * every later login, the login's unread count only grew, and a digest
 * reader's daily digest listed alerts already looked at.
 *
 *  1. the contracts page on screen: an alert for the user arrives, is
 *     listed, and stays unread;
 *  2. the user opens the Expiring page: it is read;
 *  3. with the page on screen, the next alert is read as it arrives; an
 *     alert about someone else's contract (listed too) is no concern of
 *     this user's notifications;
 *  4. (between 2 and 3) a restore (server.reset) of a backup made while
 *     the first alert was unread: the page starts over with what the
 *     restored data holds, so that alert is listed again (the page stayed
 *     empty until the next login), and read again as the page is on
 *     screen.
 */
#include "gui_support.h"

#include "pacta-expiring-view.h"

static struct ctl_client *admin;

/* The user's unread notifications as the server counts them, -1 on error. */
static json_int_t unread(struct ctl_client *c)
{
    json_t *r = it_call(c, "notifications.list",
                        json_pack("{s:b, s:i}", "unread_only", 1, "limit", 1), NULL);
    json_int_t n = r ? it_int(r, "unread") : -1;
    json_decref(r);
    return n;
}

static gboolean none_unread(gpointer data)
{
    return unread(data) == 0;
}

static json_t *contract_ending(const char *end, const char *owner)
{
    json_t *c = it_contract_create(admin, json_pack("{s:s, s:s, s:s, s:s}", "status", "active",
                                                    "start_date", "2025-12-01", "end_date", end,
                                                    "owner", owner));
    REQUIRE(c != NULL);
    return c;
}

int main(void)
{
    PactaApplication *app = gui_setup("gui_alert_seen_live");
    const char *args[] = {"--session-ttl",
                          "315360000",
                          "--fake-now",
                          "2026-01-01T09:00:00Z",
                          "--backup-key-file",
                          it_backup_key_file(),
                          "--backup-time",
                          "off",
                          NULL};
    struct it_server *s = it_server_start(args);
    it_create_role_users(s);
    admin = it_login_admin(s);
    struct ctl_client *ed = it_login(s, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    /* the 90-day alerts fall on 01-20, 01-25 and 01-30 */
    json_t *a = contract_ending("2026-04-20", IT_EDITOR_USER);
    json_t *b = contract_ending("2026-04-25", IT_EDITOR_USER);
    json_t *other = contract_ending("2026-04-30", "admin");

    PactaWindow *win = gui_login(app, s, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    PactaExpiringView *view = pacta_window_get_expiring_view(win);
    CHECK(unread(ed) == 0);

    /* 1. the alert arrives while the contracts page is on screen */
    it_set_clock(admin, "2026-01-20T09:00:00Z");
    struct gui_count_wait one = {view, 1};
    CHECK(gui_wait(gui_expiring_has_count, &one, GUI_TIMEOUT_MS));
    gui_pump(500);
    CHECKF(unread(ed) == 1, "marked read before the page was shown: %lld unread",
           (long long)unread(ed));
    json_t *r = it_call(admin, "backups.create", json_pack("{s:s}", "description", "gui"), NULL);
    REQUIRE(r != NULL);
    json_int_t backup_id = it_int(json_object_get(r, "backup"), "id");
    json_decref(r);

    /* 2. seen */
    gtk_widget_activate_action(GTK_WIDGET(win), "win.show-expiring", NULL);
    CHECKF(gui_wait(none_unread, ed, GUI_TIMEOUT_MS),
           "an alert that arrived live is still unread (%lld) after the page was shown",
           (long long)unread(ed));

    /* 4. the restore: listed again, and read again */
    r = it_call(admin, "backups.restore", json_pack("{s:I}", "id", backup_id), NULL);
    REQUIRE(r != NULL);
    json_decref(r);
    CHECK(gui_wait(gui_restored_toast, win, GUI_TIMEOUT_MS));
    CHECKF(gui_wait(gui_expiring_has_count, &one, GUI_TIMEOUT_MS),
           "after the restore the page lists %u alerts, the restored data 1 unread",
           pacta_expiring_view_get_count(view));
    CHECK(gui_wait(none_unread, ed, GUI_TIMEOUT_MS));

    /* 3. the page on screen: read as it arrives; someone else's is listed */
    it_set_clock(admin, "2026-01-25T09:00:00Z");
    struct gui_count_wait two = {view, 2};
    CHECK(gui_wait(gui_expiring_has_count, &two, GUI_TIMEOUT_MS));
    CHECKF(gui_wait(none_unread, ed, GUI_TIMEOUT_MS),
           "an alert shown on the open page is still unread (%lld)", (long long)unread(ed));
    json_int_t admin_unread = unread(admin);
    it_set_clock(admin, "2026-01-30T09:00:00Z");
    struct gui_count_wait three = {view, 3};
    CHECK(gui_wait(gui_expiring_has_count, &three, GUI_TIMEOUT_MS));
    gui_pump(500);
    CHECK(unread(ed) == 0);
    CHECK(unread(admin) == admin_unread + 1); /* the admin's own, untouched */

    json_decref(a);
    json_decref(b);
    json_decref(other);
    ctl_client_close(ed);
    ctl_client_close(admin);
    gui_teardown(app);
    return it_done(test_summary());
}
