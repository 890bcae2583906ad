/*
 * GUI: Log Out with unsaved input in the editor.  Logging out closes the
 * main window; it did so at once, throwing the typed input away without a
 * word, while closing the window asks first (README: "Nothing you typed is
 * lost").  Now it asks: Keep Editing leaves everything as it was (still
 * logged in, input in the form); Discard and Log Out logs out.
 */
#include "gui_support.h"

static GtkWindow *message_dialog(void)
{
    GtkWindow *found = NULL;
    GList *tops = gtk_window_list_toplevels();
    for (GList *l = tops; l; l = l->next)
        if (ADW_IS_MESSAGE_DIALOG(l->data) && gtk_widget_get_visible(l->data))
            found = l->data;
    g_list_free(tops);
    return found;
}

static gboolean login_shown(gpointer data)
{
    PactaApplication *app = data;
    return pacta_application_get_login_window(app) != NULL &&
           pacta_application_get_main_window(app) == NULL;
}

int main(void)
{
    PactaApplication *app = gui_setup("gui_logout_input");
    struct it_server *s = it_server_start(NULL);
    it_create_role_users(s);
    struct ctl_client *other = it_login_admin(s);
    json_t *c = it_contract_create(other, json_pack("{ss}", "title", "Office cleaning"));
    REQUIRE(c != NULL);

    PactaWindow *win = gui_login(app, s, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    PactaConnection *conn = pacta_application_get_connection(app);
    PactaEditor *editor = pacta_window_get_editor(win);
    REQUIRE(pacta_window_open_contract(win, it_str(c, "id")));
    gtk_editable_set_text(pacta_editor_get_entry(editor, "title"), "Office and stairs cleaning");

    g_action_group_activate_action(G_ACTION_GROUP(app), "logout", NULL);
    gui_pump(300);
    REQUIRE(pacta_application_get_main_window(app) == GTK_WINDOW(win));
    CHECK(pacta_connection_get_state(conn) == PACTA_CONNECTION_CONNECTED);
    GtkWindow *dialog = message_dialog();
    REQUIRE(dialog != NULL);
    /* Keep Editing */
    adw_message_dialog_response(ADW_MESSAGE_DIALOG(dialog), "cancel");
    gtk_window_destroy(dialog);
    gui_pump(100);
    CHECK(pacta_application_get_main_window(app) == GTK_WINDOW(win));
    CHECK(pacta_connection_get_state(conn) == PACTA_CONNECTION_CONNECTED);
    CHECK_STR(gtk_editable_get_text(pacta_editor_get_entry(editor, "title")),
              "Office and stairs cleaning");

    /* Discard and Log Out */
    g_action_group_activate_action(G_ACTION_GROUP(app), "logout", NULL);
    gui_pump(100);
    dialog = message_dialog();
    REQUIRE(dialog != NULL);
    adw_message_dialog_response(ADW_MESSAGE_DIALOG(dialog), "logout");
    gtk_window_destroy(dialog);
    CHECK(gui_wait(login_shown, app, GUI_TIMEOUT_MS));
    CHECK(pacta_connection_get_state(conn) == PACTA_CONNECTION_STOPPED);

    json_decref(c);
    ctl_client_close(other);
    gui_teardown(app);
    return it_done(test_summary());
}
