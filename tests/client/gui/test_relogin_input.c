/*
 * GUI: the session ends while the user is typing (an administrator changed
 * their password: close 4001, PROTOCOL.md §3.7); the banner's "Log In…"
 * asks for the password again.  What the user typed in the editor must
 * still be there after logging in again (README: "Nothing you typed is
 * lost"): "Log In…" destroyed the main window and the unsaved input with
 * it, without asking.  After the login the edit saves at its version.
 * Logging in as someone else does not show them the first user's input.
 */
#include "gui_support.h"

static gboolean stopped(gpointer data)
{
    return pacta_connection_get_state(data) == PACTA_CONNECTION_STOPPED;
}

static gboolean connected_loaded(gpointer data)
{
    PactaApplication *app = data;
    return pacta_connection_get_state(pacta_application_get_connection(app)) ==
               PACTA_CONNECTION_CONNECTED &&
           pacta_contract_store_get_loaded(pacta_application_get_store(app)) &&
           pacta_application_get_main_window(app) != NULL;
}

static void relogin(PactaApplication *app, const struct it_server *s, const char *user,
                    const char *password)
{
    GtkWindow *login = pacta_application_get_login_window(app);
    REQUIRE(login != NULL);
    pacta_login_dialog_set_values(PACTA_LOGIN_DIALOG(login), s->url, it_ca_file(), user);
    pacta_login_dialog_submit_with(PACTA_LOGIN_DIALOG(login), password);
    REQUIRE(gui_wait(connected_loaded, app, GUI_TIMEOUT_MS));
    gui_pump(100);
}

static void change_password(struct ctl_client *admin, const char *user, const char *password)
{
    json_t *r = it_call(admin, "users.update",
                        json_pack("{ssss}", "username", user, "password", password), NULL);
    REQUIRE(r != NULL);
    json_decref(r);
}

int main(void)
{
    PactaApplication *app = gui_setup("gui_relogin_input");
    struct it_server *s = it_server_start(NULL);
    it_create_role_users(s);
    struct ctl_client *admin = it_login_admin(s);
    json_t *c = it_contract_create(admin, json_pack("{ss}", "title", "Office cleaning"));
    REQUIRE(c != NULL);

    PactaWindow *win = gui_login(app, s, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    PactaConnection *conn = pacta_application_get_connection(app);
    REQUIRE(pacta_window_open_contract(win, it_str(c, "id")));
    PactaEditor *editor = pacta_window_get_editor(win);
    gtk_editable_set_text(pacta_editor_get_entry(editor, "title"), "Office and stairs cleaning");

    change_password(admin, IT_EDITOR_USER, "a-new-password-1");
    REQUIRE(gui_wait(stopped, conn, GUI_TIMEOUT_MS));
    PactaConnectionBanner *banner = pacta_window_get_banner(win);
    CHECK(pacta_connection_banner_get_revealed(banner));

    /* The banner's "Log In…" */
    g_action_group_activate_action(G_ACTION_GROUP(app), "relogin", NULL);
    gui_pump(50);
    relogin(app, s, IT_EDITOR_USER, "a-new-password-1");
    win = PACTA_WINDOW(pacta_application_get_main_window(app));
    editor = pacta_window_get_editor(win);
    CHECK(pacta_editor_is_open(editor));
    CHECK(pacta_editor_is_dirty(editor));
    CHECK_STR(pacta_editor_get_contract_id(editor) ? pacta_editor_get_contract_id(editor) : "",
              it_str(c, "id"));
    CHECK_STR(gtk_editable_get_text(pacta_editor_get_entry(editor, "title")),
              "Office and stairs cleaning");
    gtk_widget_activate_action(GTK_WIDGET(win), "win.save", NULL);
    CHECK(gui_editor_wait_saved(editor, 2));
    json_t *now = it_contract_get(admin, it_str(c, "id"));
    REQUIRE(now != NULL);
    CHECK_STR(it_str(now, "title"), "Office and stairs cleaning");
    json_decref(now);

    /* Typing again; the session ends; someone else logs in at this desk. */
    gtk_editable_set_text(pacta_editor_get_entry(editor, "title"), "Secret draft");
    change_password(admin, IT_EDITOR_USER, "a-new-password-2");
    REQUIRE(gui_wait(stopped, conn, GUI_TIMEOUT_MS));
    g_action_group_activate_action(G_ACTION_GROUP(app), "relogin", NULL);
    gui_pump(50);
    relogin(app, s, "admin", IT_ADMIN_PASSWORD);
    win = PACTA_WINDOW(pacta_application_get_main_window(app));
    editor = pacta_window_get_editor(win);
    CHECK(!pacta_editor_is_open(editor) ||
          strcmp(gtk_editable_get_text(pacta_editor_get_entry(editor, "title")), "Secret draft"));

    json_decref(c);
    ctl_client_close(admin);
    gui_teardown(app);
    return it_done(test_summary());
}
