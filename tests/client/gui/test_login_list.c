/*
 * GUI: log in through the login window and see the server's contracts in
 * the list; search and the status filter narrow it.
 */
#include "gui_support.h"

int main(void)
{
    PactaApplication *app = gui_setup("gui_login_list");
    struct it_server *s = it_server_start(NULL);
    struct ctl_client *admin = it_login_admin(s);
    json_t *a = it_contract_create(admin, json_pack("{ss}", "title", "Office cleaning"));
    json_t *b =
        it_contract_create(admin, json_pack("{ssss}", "title", "Laptops", "status", "active"));
    json_t *c = it_contract_create(admin, json_pack("{ss}", "title", "Canteen"));
    REQUIRE(a && b && c);

    /* A wrong password keeps the login window, with a message. */
    GtkWindow *login = pacta_application_get_login_window(app);
    REQUIRE(login != NULL);
    pacta_login_dialog_set_values(PACTA_LOGIN_DIALOG(login), s->url, it_ca_file(), "admin");
    pacta_login_dialog_submit_with(PACTA_LOGIN_DIALOG(login), "wrong-password");
    int64_t deadline = it_now_ms() + GUI_TIMEOUT_MS;
    while (!*pacta_login_dialog_get_error(PACTA_LOGIN_DIALOG(login)) && it_now_ms() < deadline)
        g_main_context_iteration(NULL, TRUE);
    CHECK_STR(pacta_login_dialog_get_error(PACTA_LOGIN_DIALOG(login)),
              "Wrong username or password.");
    CHECK(pacta_application_get_main_window(app) == NULL);

    PactaWindow *win = gui_login(app, s, "admin", IT_ADMIN_PASSWORD);
    GListModel *rows = pacta_window_get_visible_model(win);
    CHECK(g_list_model_get_n_items(rows) == 3);
    PactaContract *row = gui_row_contract(win, it_str(b, "number"));
    REQUIRE(row != NULL);
    CHECK_STR(pacta_contract_get_title(row), "Laptops");
    CHECK_STR(pacta_contract_get_status(row), "active");
    CHECK(pacta_application_get_login_window(app) == NULL);

    /* Remembered for next time, without the password. */
    g_autofree char *settings_path =
        g_build_filename(it_tmp_dir(), "config", "pacta-desk", "settings.ini", NULL);
    g_autofree char *settings = it_read_file(settings_path);
    CHECK(settings && strstr(settings, "admin") && !strstr(settings, IT_ADMIN_PASSWORD));

    /* Ctrl+F's action focuses the search; typing narrows the list. */
    gtk_widget_activate_action(GTK_WIDGET(win), "win.search", NULL);
    gtk_editable_set_text(pacta_window_get_search_entry(win), "cant");
    CHECK(gui_wait_rows(win, 1));
    CHECK(gui_find_row(win, it_str(c, "number")) == 0);
    gtk_editable_set_text(pacta_window_get_search_entry(win), "");
    CHECK(gui_wait_rows(win, 3));

    /* Typing on and deleting, one keystroke at a time: the filter re-checks
     * only the shown rows (or only the hidden ones), and must end where a
     * fresh search would. */
    static const char *const typed[] = {"c", "ca", "can", "ca", "c", "cl", "c", "o", ""};
    GListModel *all = G_LIST_MODEL(pacta_application_get_store(app));
    for (size_t k = 0; k < G_N_ELEMENTS(typed); k++) {
        guint want = 0;
        for (guint i = 0; i < g_list_model_get_n_items(all); i++) {
            g_autoptr(PactaContract) r = g_list_model_get_item(all, i);
            g_autofree char *needle = pacta_search_fold(typed[k]);
            want += !*typed[k] || pacta_contract_matches_search(r, needle);
        }
        gtk_editable_set_text(pacta_window_get_search_entry(win), typed[k]);
        CHECKF(gui_wait_rows(win, want), "\"%s\": %u rows shown, %u match", typed[k],
               g_list_model_get_n_items(rows), want);
    }

    /* Ctrl+? shows the keyboard shortcuts window from the resources. */
    gtk_widget_activate_action(GTK_WIDGET(win), "win.show-help-overlay", NULL);
    gui_pump(100);
    GtkShortcutsWindow *help = gtk_application_window_get_help_overlay(GTK_APPLICATION_WINDOW(win));
    CHECK(help != NULL && gtk_widget_get_visible(GTK_WIDGET(help)));
    g_auto(GStrv) accels = gtk_application_get_accels_for_action(GTK_APPLICATION(app), "win.save");
    CHECK(accels && accels[0] && g_str_equal(accels[0], "<Control>s"));

    json_decref(a);
    json_decref(b);
    json_decref(c);
    ctl_client_close(admin);
    gui_teardown(app);
    return it_done(test_summary());
}
