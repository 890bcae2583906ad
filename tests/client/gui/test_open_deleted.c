/*
 * GUI: opening a contract that was deleted since its alert (a row of the
 * Expiring page, a desktop notification, a recent change on the
 * Dashboard: all activate app.open-contract) says so.  It did nothing at
 * all: the click was ignored without a word.
 */
#include <string.h>

#include "gui_support.h"

#include "pacta-expiring-view.h"

static gboolean has_alert(gpointer data)
{
    return pacta_expiring_view_get_count(data) >= 1;
}

static gboolean row_gone(gpointer data)
{
    return gui_find_row(data, "C-GONE") < 0;
}

int main(void)
{
    PactaApplication *app = gui_setup("gui_open_deleted");
    struct it_server *s = it_server_start(NULL);
    struct ctl_client *admin = it_login_admin(s);
    PactaWindow *win = gui_login(app, s, "admin", IT_ADMIN_PASSWORD);
    PactaExpiringView *view = pacta_window_get_expiring_view(win);

    /* ended before it was armed: expired at the next scan, an alert */
    json_t *c = it_contract_create(admin, json_pack("{s:s, s:s, s:s, s:s, s:s}", "number", "C-GONE",
                                                    "status", "active", "start_date", "2020-01-01",
                                                    "end_date", "2020-12-31", "renewal", "none"));
    REQUIRE(c != NULL);
    CHECK(gui_wait(has_alert, view, GUI_TIMEOUT_MS));
    json_t *now = it_contract_get(admin, it_str(c, "id"));
    REQUIRE(now != NULL);
    json_t *r = it_call(admin, "contracts.delete",
                        json_pack("{s:s, s:I}", "id", it_str(c, "id"), "version",
                                  (json_int_t)it_int(now, "version")),
                        NULL);
    CHECK(r != NULL);
    json_decref(r);
    CHECK(gui_wait(row_gone, win, GUI_TIMEOUT_MS));
    gui_pump(1500); /* the "deleted by" toast of the change goes first */

    g_action_group_activate_action(G_ACTION_GROUP(app), "open-contract",
                                   g_variant_new_string(it_str(c, "id")));
    gui_pump(100);
    const char *toast = pacta_window_get_last_toast(win);
    CHECKF(toast && strstr(toast, "deleted") && strstr(toast, "not in the list"),
           "opening a deleted contract says: %s", toast ? toast : "(nothing)");

    json_decref(now);
    json_decref(c);
    ctl_client_close(admin);
    gui_teardown(app);
    return it_done(test_summary());
}
