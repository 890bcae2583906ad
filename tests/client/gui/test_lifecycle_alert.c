/*
 * GUI: the list's lifecycle follows the expiry alerts.  A contract's
 * lifecycle is derived by the server from its dates and today, so it moves
 * without a new version: when the server raises contract.expiring (the
 * contract enters the 90-day window) its record says "expiring" at the
 * same version.  The row shows it and the "Expiring" lifecycle filter
 * brings it in, as the Expiring page lists the alert (the list kept
 * "active": the alert's record was dropped as no newer).
 */
#include "gui_support.h"

#include "pacta-expiring-view.h"

static gboolean has_alert(gpointer data)
{
    return pacta_expiring_view_get_count(data) >= 1;
}

int main(void)
{
    PactaApplication *app = gui_setup("gui_lifecycle_alert");
    static const char *const args[] = {"--session-ttl", "315360000", "--fake-now",
                                       "2026-01-01T09:00:00Z", NULL};
    struct it_server *s = it_server_start(args);
    struct ctl_client *admin = it_login_admin(s);
    json_t *c =
        it_contract_create(admin, json_pack("{s:s, s:s, s:s}", "status", "active", "start_date",
                                            "2025-12-01", "end_date", "2026-04-20"));
    REQUIRE(c != NULL);
    CHECK_STR(it_str(c, "lifecycle"), "active");

    PactaWindow *win = gui_login(app, s, "admin", IT_ADMIN_PASSWORD);
    PactaContract *row = gui_row_contract(win, it_str(c, "number"));
    REQUIRE(row != NULL);
    CHECK_STR(pacta_contract_get_lifecycle(row), "active");
    gtk_drop_down_set_selected(pacta_window_get_lifecycle_filter(win), 3); /* Expiring */
    CHECK(gui_wait_rows(win, 0));

    /* 85 days before the end: inside the 90-day window */
    json_t *r =
        it_call(admin, "admin.clock.set", json_pack("{s:s}", "now", "2026-01-25T09:00:00Z"), NULL);
    CHECK(r != NULL);
    json_decref(r);
    CHECK(gui_wait(has_alert, pacta_window_get_expiring_view(win), GUI_TIMEOUT_MS));
    CHECKF(gui_wait_rows(win, 1), "the Expiring filter shows %u rows",
           g_list_model_get_n_items(pacta_window_get_visible_model(win)));
    PactaContract *now =
        pacta_contract_store_lookup(pacta_application_get_store(app), it_str(c, "id"));
    CHECK(now && g_str_equal(pacta_contract_get_lifecycle(now), "expiring"));
    CHECK(now && pacta_contract_get_version(now) == it_int(c, "version"));

    json_decref(c);
    ctl_client_close(admin);
    gui_teardown(app);
    return it_done(test_summary());
}
