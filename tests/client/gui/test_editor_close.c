/*
 * GUI: closing the editor with unsaved input asks first.  "Keep Editing"
 * keeps the form and what was typed; "Save" saves and then closes (the
 * user asked to close: the editor stayed open after the save); "Discard"
 * closes without saving.  Closing the window with unsaved input asks the
 * same, and the window closes after "Discard" or a save that went through
 * (it stayed open, the editor closed).  A save that cannot go (a reason is
 * missing) keeps everything open.
 */
#include "gui_support.h"

static AdwMessageDialog *close_dialog(void)
{
    GListModel *tops = gtk_window_get_toplevels();
    for (guint i = 0; i < g_list_model_get_n_items(tops); i++) {
        g_autoptr(GObject) w = g_list_model_get_item(tops, i);
        if (ADW_IS_MESSAGE_DIALOG(w) && gtk_widget_get_visible(GTK_WIDGET(w)) &&
            g_strcmp0(adw_message_dialog_get_heading(ADW_MESSAGE_DIALOG(w)),
                      "Discard Unsaved Changes?") == 0)
            return ADW_MESSAGE_DIALOG(w);
    }
    return NULL;
}

static gboolean dialog_shown(gpointer data)
{
    (void)data;
    return close_dialog() != NULL;
}

/* Answers the close dialog (it must be showing) with `response`. */
static void answer(const char *response)
{
    REQUIRE(gui_wait(dialog_shown, NULL, GUI_TIMEOUT_MS));
    AdwMessageDialog *d = close_dialog();
    adw_message_dialog_response(d, response);
    gtk_window_destroy(GTK_WINDOW(d));
    gui_pump(50);
}

static gboolean editor_closed(gpointer data)
{
    return !pacta_editor_is_open(data);
}

static gboolean window_gone(gpointer data)
{
    return pacta_application_get_main_window(data) == NULL;
}

static void type_title(PactaEditor *editor, const char *text)
{
    gtk_editable_set_text(pacta_editor_get_entry(editor, "title"), text);
    CHECK(pacta_editor_is_dirty(editor));
}

static const char *server_title(struct ctl_client *admin, const char *id)
{
    static char title[256];
    json_t *c = it_contract_get(admin, id);
    snprintf(title, sizeof title, "%s", c ? it_str(c, "title") : "?");
    json_decref(c);
    return title;
}

int main(void)
{
    PactaApplication *app = gui_setup("gui_editor_close");
    struct it_server *s = it_server_start(NULL);
    struct ctl_client *admin = it_login_admin(s);
    json_t *a = it_contract_create(admin, json_pack("{ss}", "title", "Draft one"));
    json_t *b =
        it_contract_create(admin, json_pack("{ss, ss}", "title", "Active one", "status", "active"));
    REQUIRE(a && b);
    const char *id = it_str(a, "id");

    PactaWindow *win = gui_login(app, s, "admin", IT_ADMIN_PASSWORD);
    PactaEditor *editor = pacta_window_get_editor(win);
    REQUIRE(pacta_window_open_contract(win, id));

    /* Keep Editing: all stays */
    type_title(editor, "Typed, kept");
    pacta_editor_request_close(editor);
    answer("cancel");
    CHECK(pacta_editor_is_open(editor));
    CHECK_STR(gtk_editable_get_text(pacta_editor_get_entry(editor, "title")), "Typed, kept");

    /* Save: saved, then closed */
    pacta_editor_request_close(editor);
    answer("save");
    CHECK(gui_editor_wait_saved(editor, 2) || !pacta_editor_is_open(editor));
    CHECKF(gui_wait(editor_closed, editor, GUI_TIMEOUT_MS), "the editor stayed open after Save");
    CHECK_STR(server_title(admin, id), "Typed, kept");

    /* Discard: closed, nothing saved */
    REQUIRE(pacta_window_open_contract(win, id));
    type_title(editor, "Thrown away");
    pacta_editor_request_close(editor);
    answer("discard");
    CHECK(!pacta_editor_is_open(editor));
    CHECK_STR(server_title(admin, id), "Typed, kept");

    /* an active contract without a reason: Save cannot go, all stays open */
    REQUIRE(pacta_window_open_contract(win, it_str(b, "id")));
    type_title(editor, "Needs a reason");
    gtk_window_close(GTK_WINDOW(win));
    answer("save");
    gui_pump(300);
    CHECK(pacta_editor_is_open(editor));
    CHECK(pacta_application_get_main_window(app) != NULL);
    CHECK(strstr(pacta_editor_get_error(editor), "Reason") != NULL);
    /* closing the editor by hand later does not close the window */
    gtk_editable_set_text(pacta_editor_get_entry(editor, "title"), "Active one");
    gui_pump(50);
    CHECK(!pacta_editor_is_dirty(editor));
    pacta_editor_request_close(editor);
    CHECK(!pacta_editor_is_open(editor));
    gui_pump(100);
    CHECK(pacta_application_get_main_window(app) != NULL);

    /* closing the window: Discard closes the window too */
    REQUIRE(pacta_window_open_contract(win, id));
    type_title(editor, "Window closing");
    g_object_ref(app); /* the application outlives its last window here */
    gtk_window_close(GTK_WINDOW(win));
    answer("discard");
    CHECKF(gui_wait(window_gone, app, GUI_TIMEOUT_MS), "the window stayed open after Discard");
    CHECK_STR(server_title(admin, id), "Typed, kept");
    g_object_unref(app);

    json_decref(a);
    json_decref(b);
    ctl_client_close(admin);
    gui_teardown(app);
    return it_done(test_summary());
}
