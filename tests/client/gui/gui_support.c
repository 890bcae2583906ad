/*
 * GUI test support (see gui_support.h).
 */
#include "gui_support.h"

#include "pacta-remote-list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pacta-list-model.h"

gboolean gui_list_pending(PactaWindow *win)
{
    return pacta_window_get_list_pending(win);
}

static gboolean timed_out(gpointer data)
{
    *(gboolean *)data = TRUE;
    return G_SOURCE_REMOVE;
}

gboolean gui_wait(gboolean (*cond)(gpointer data), gpointer data, int timeout_ms)
{
    gboolean expired = FALSE;
    guint id = g_timeout_add(timeout_ms, timed_out, &expired);
    gboolean ok;
    while (!(ok = cond(data)) && !expired)
        g_main_context_iteration(NULL, TRUE);
    if (!expired)
        g_source_remove(id);
    return ok;
}

static gboolean never(gpointer data)
{
    (void)data;
    return FALSE;
}

void gui_pump(int ms)
{
    gui_wait(never, NULL, ms);
}

PactaApplication *gui_setup(const char *test_name)
{
    it_setup(test_name);
    g_autofree char *config = g_build_filename(it_tmp_dir(), "config", NULL);
    g_setenv("XDG_CONFIG_HOME", config, TRUE);
    g_unsetenv("PACTA_PASSWORD");
    g_unsetenv("PACTA_URL");
    PactaApplication *app = pacta_application_new();
    g_autoptr(GError) error = NULL;
    REQUIRE(g_application_register(G_APPLICATION(app), NULL, &error));
    /* What g_application_run does for a first instance: show the login. */
    g_application_activate(G_APPLICATION(app));
    return app;
}

struct login_wait {
    PactaApplication *app;
};

static gboolean logged_in(gpointer data)
{
    PactaApplication *app = data;
    GtkWindow *w = pacta_application_get_main_window(app);
    PactaContractStore *store = pacta_application_get_store(app);
    /* Loaded, and the list (filtered and sorted off the main thread) has
     * caught up; or, when the desk keeps only part of the contracts, the
     * server's first page came. */
    if (!w || !pacta_contract_store_get_loaded(store) || gui_list_pending(PACTA_WINDOW(w)))
        return FALSE;
    GListModel *shown = pacta_window_get_visible_model(PACTA_WINDOW(w));
    return PACTA_IS_REMOTE_LIST(shown)
               ? g_list_model_get_n_items(shown) > 0
               : g_list_model_get_n_items(shown) == g_list_model_get_n_items(G_LIST_MODEL(store));
}

PactaWindow *gui_login(PactaApplication *app, const struct it_server *s, const char *user,
                       const char *password)
{
    GtkWindow *login = pacta_application_get_login_window(app);
    if (!login) {
        pacta_application_show_login(app, NULL);
        login = pacta_application_get_login_window(app);
    }
    REQUIRE(login != NULL);
    pacta_login_dialog_set_values(PACTA_LOGIN_DIALOG(login), s->url, it_ca_file(), user);
    pacta_login_dialog_submit_with(PACTA_LOGIN_DIALOG(login), password);
    if (!gui_wait(logged_in, app, GUI_TIMEOUT_MS)) {
        GtkWindow *l = pacta_application_get_login_window(app);
        fprintf(stderr, "login failed: %s\n",
                l ? pacta_login_dialog_get_error(PACTA_LOGIN_DIALOG(l)) : "(no login window)");
        REQUIRE(!"logged in");
    }
    return PACTA_WINDOW(pacta_application_get_main_window(app));
}

struct rows_wait {
    PactaWindow *win;
    guint n;
};

static gboolean rows_are(gpointer data)
{
    struct rows_wait *w = data;
    return !gui_list_pending(w->win) &&
           g_list_model_get_n_items(pacta_window_get_visible_model(w->win)) == w->n;
}

gboolean gui_wait_rows(PactaWindow *win, guint n)
{
    struct rows_wait w = {win, n};
    return gui_wait(rows_are, &w, GUI_TIMEOUT_MS);
}

char *gui_visible_numbers(PactaWindow *win, guint max)
{
    GListModel *rows = pacta_window_get_visible_model(win);
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < g_list_model_get_n_items(rows) && i < max; i++) {
        g_autoptr(PactaContract) c = g_list_model_get_item(rows, i);
        g_string_append_printf(s, "%s%s", i ? " " : "", pacta_contract_get_number(c));
    }
    return g_string_free(s, FALSE);
}

GtkColumnViewColumn *gui_column(PactaWindow *win, const char *title)
{
    GListModel *cols = gtk_column_view_get_columns(pacta_window_get_column_view(win));
    for (guint i = 0; i < g_list_model_get_n_items(cols); i++) {
        GtkColumnViewColumn *c = g_list_model_get_item(cols, i);
        g_object_unref(c); /* the view keeps it */
        if (g_str_equal(gtk_column_view_column_get_title(c), title))
            return c;
    }
    REQUIRE(!"column found");
    return NULL;
}

static void on_export_done(PactaExportDialog *d, gboolean ok, const char *message, gpointer data)
{
    struct gui_export_done *w = data;
    (void)d;
    w->done = TRUE;
    w->ok = ok;
    g_free(w->message);
    w->message = g_strdup(message);
}

void gui_export_follow(PactaExportDialog *d, struct gui_export_done *w)
{
    g_signal_connect(d, "done", G_CALLBACK(on_export_done), w);
}

gboolean gui_export_is_done(gpointer w)
{
    return ((struct gui_export_done *)w)->done;
}

gboolean gui_export(PactaWindow *win, const char *action, const char *path, int timeout_ms,
                    struct gui_export_done *w)
{
    g_free(w->message);
    *w = (struct gui_export_done){0};
    g_setenv("PACTA_DESK_EXPORT_FILE", path, TRUE);
    gtk_widget_activate_action(GTK_WIDGET(win), action, NULL);
    PactaExportDialog *d = NULL;
    GListModel *tops = gtk_window_get_toplevels();
    for (guint i = 0; i < g_list_model_get_n_items(tops) && !d; i++) {
        g_autoptr(GObject) o = g_list_model_get_item(tops, i);
        if (PACTA_IS_EXPORT_DIALOG(o))
            d = PACTA_EXPORT_DIALOG(o);
    }
    if (!d)
        return FALSE;
    CHECK(pacta_export_dialog_is_running(d)); /* asynchronous: the call returned at once */
    gui_export_follow(d, w);
    gboolean ended = gui_wait(gui_export_is_done, w, timeout_ms);
    gtk_window_destroy(GTK_WINDOW(d));
    gui_pump(50);
    return ended;
}

int gui_find_row(PactaWindow *win, const char *number)
{
    GListModel *m = pacta_window_get_visible_model(win);
    guint n = g_list_model_get_n_items(m);
    for (guint i = 0; i < n; i++) {
        g_autoptr(PactaContract) c = g_list_model_get_item(m, i);
        if (g_str_equal(pacta_contract_get_number(c), number))
            return (int)i;
    }
    return -1;
}

PactaContract *gui_row_contract(PactaWindow *win, const char *number)
{
    int pos = gui_find_row(win, number);
    if (pos < 0)
        return NULL;
    PactaContract *c = g_list_model_get_item(pacta_window_get_visible_model(win), (guint)pos);
    g_object_unref(c); /* the store keeps it */
    return c;
}

gboolean gui_restored_toast(gpointer win)
{
    const char *t = pacta_window_get_last_toast(win);
    return t && strstr(t, "restored") != NULL;
}

gboolean gui_editor_banner_shown(gpointer editor)
{
    return pacta_editor_get_changed_banner_visible(editor);
}

gboolean gui_editor_conflict_open(gpointer editor)
{
    return pacta_editor_get_conflict_dialog(editor) != NULL;
}

gboolean gui_editor_idle(gpointer editor)
{
    return !pacta_editor_is_busy(editor);
}

struct version_wait {
    PactaEditor *editor;
    gint64 version;
};

static gboolean saved_at(gpointer data)
{
    struct version_wait *w = data;
    return !pacta_editor_is_busy(w->editor) &&
           pacta_editor_get_base_version(w->editor) == w->version;
}

gboolean gui_editor_wait_saved(PactaEditor *editor, gint64 version)
{
    struct version_wait w = {editor, version};
    return gui_wait(saved_at, &w, GUI_TIMEOUT_MS);
}

gboolean gui_snapshot(GtkWidget *widget, const char *path)
{
    int w = gtk_widget_get_width(widget), h = gtk_widget_get_height(widget);
    if (w <= 0 || h <= 0)
        return FALSE;
    g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new(widget);
    GtkSnapshot *snapshot = gtk_snapshot_new();
    gdk_paintable_snapshot(paintable, GDK_SNAPSHOT(snapshot), w, h);
    g_autoptr(GskRenderNode) node = gtk_snapshot_free_to_node(snapshot);
    if (!node)
        return FALSE;
    GskRenderer *renderer = gtk_native_get_renderer(gtk_widget_get_native(widget));
    g_autoptr(GdkTexture) texture =
        gsk_renderer_render_texture(renderer, node, &GRAPHENE_RECT_INIT(0, 0, w, h));
    return gdk_texture_save_to_png(texture, path);
}

void gui_teardown(PactaApplication *app)
{
    GList *windows = g_list_copy(gtk_application_get_windows(GTK_APPLICATION(app)));
    for (GList *l = windows; l; l = l->next)
        gtk_window_destroy(GTK_WINDOW(l->data));
    g_list_free(windows);
    pacta_connection_close(pacta_application_get_connection(app));
    gui_pump(100);
    g_object_unref(app);
}

gboolean gui_expiring_has_count(gpointer data)
{
    struct gui_count_wait *w = data;
    return pacta_expiring_view_get_count(w->view) >= w->n;
}

void gui_need_session_bus(char **argv)
{
    if (g_getenv("DBUS_SESSION_BUS_ADDRESS"))
        return;
    execlp("dbus-run-session", "dbus-run-session", "--", argv[0], (char *)NULL);
    perror("dbus-run-session");
    exit(1);
}
