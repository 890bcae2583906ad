/*
 * GUI: the editor follows the role the desk has now.  An editor has a
 * contract open; an administrator makes them a viewer, and the desk learns
 * it when it resumes: the open form is read-only at once (no field takes
 * input, Delete is off), without closing and reopening it.  Made an editor
 * again, the same form takes input again.
 */
#include "gui_support.h"

static gboolean disconnected(gpointer data)
{
    return pacta_connection_get_state(data) != PACTA_CONNECTION_CONNECTED;
}

static gboolean connected(gpointer data)
{
    return pacta_connection_get_state(data) == PACTA_CONNECTION_CONNECTED;
}

static void drop_and_reconnect(PactaConnection *conn)
{
    pacta_connection_drop(conn);
    CHECK(gui_wait(disconnected, conn, GUI_TIMEOUT_MS));
    pacta_connection_reconnect_now(conn);
    CHECK(gui_wait(connected, conn, GUI_TIMEOUT_MS));
}

/* The button under w whose label is `label`, or NULL. */
static GtkWidget *find_button(GtkWidget *w, const char *label)
{
    if (GTK_IS_BUTTON(w) && g_strcmp0(gtk_button_get_label(GTK_BUTTON(w)), label) == 0)
        return w;
    for (GtkWidget *c = gtk_widget_get_first_child(w); c; c = gtk_widget_get_next_sibling(c)) {
        GtkWidget *hit = find_button(c, label);
        if (hit)
            return hit;
    }
    return NULL;
}

static gboolean role_is_viewer(gpointer data)
{
    return g_str_equal(pacta_connection_get_role(data), "viewer");
}

static gboolean role_is_editor(gpointer data)
{
    return g_str_equal(pacta_connection_get_role(data), "editor");
}

static void set_role(struct ctl_client *admin, const char *role)
{
    json_t *r = it_call(admin, "users.update",
                        json_pack("{s:s, s:s}", "username", IT_EDITOR_USER, "role", role), NULL);
    CHECK(r != NULL);
    json_decref(r);
}

int main(void)
{
    PactaApplication *app = gui_setup("gui_role_editor");
    struct it_server *s = it_server_start(NULL);
    it_create_role_users(s);
    struct ctl_client *admin = it_login_admin(s);
    json_t *c = it_contract_create(admin, json_pack("{ss}", "title", "Roles"));
    REQUIRE(c != NULL);

    PactaWindow *win = gui_login(app, s, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    PactaConnection *conn = pacta_application_get_connection(app);
    PactaEditor *editor = pacta_window_get_editor(win);
    REQUIRE(pacta_window_open_contract(win, it_str(c, "id")));
    gui_pump(200);
    GtkEditable *title = pacta_editor_get_entry(editor, "title");
    GtkEditable *amount = pacta_editor_get_entry(editor, "amount_cents");
    GtkWidget *del = find_button(GTK_WIDGET(editor), "_Delete…");
    REQUIRE(del != NULL);
    CHECK(gtk_editable_get_editable(title));
    CHECK(gtk_widget_get_sensitive(del));

    /* made a viewer: the desk learns it when it resumes */
    set_role(admin, "viewer");
    drop_and_reconnect(conn);
    CHECK(gui_wait(role_is_viewer, conn, GUI_TIMEOUT_MS));
    gui_pump(100);
    CHECK(pacta_editor_is_open(editor));
    CHECKF(!gtk_editable_get_editable(title), "a viewer can type in the title");
    CHECKF(!gtk_editable_get_editable(amount), "a viewer can type in the amount");
    CHECKF(!gtk_widget_get_sensitive(del), "a viewer has Delete");

    /* an editor again: the same form takes input */
    set_role(admin, "editor");
    drop_and_reconnect(conn);
    CHECK(gui_wait(role_is_editor, conn, GUI_TIMEOUT_MS));
    gui_pump(100);
    CHECK(gtk_editable_get_editable(title));
    CHECK(gtk_widget_get_sensitive(del));

    json_decref(c);
    ctl_client_close(admin);
    gui_teardown(app);
    return it_done(test_summary());
}
