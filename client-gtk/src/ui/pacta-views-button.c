/*
 * pacta-desk: PactaViewsButton (see pacta-views-button.h).
 */
#define G_LOG_DOMAIN "pacta-views"

#include "pacta-views-button.h"

#include <string.h>

#include <pacta/protocol.h>

struct _PactaViewsButton {
    GtkBox parent_instance;

    GtkMenuButton *button;
    GtkPopover *popover;
    GtkListBox *list;
    GtkLabel *empty_label;
    GtkEntry *name_entry;
    GtkButton *save_button;

    PactaConnection *connection;
    GCancellable *cancellable;
    json_t *views; /* the user's views, by name */
    PactaViewsGetFunc get;
    PactaViewsApplyFunc apply;
    gpointer user_data;
};

G_DEFINE_FINAL_TYPE(PactaViewsButton, pacta_views_button, GTK_TYPE_BOX)

enum { SIG_CHANGED, SIG_MESSAGE, N_SIGNALS };
static guint signals[N_SIGNALS];

static void message(PactaViewsButton *self, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void message(PactaViewsButton *self, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_signal_emit(self, signals[SIG_MESSAGE], 0, text);
}

static json_t *find_view(PactaViewsButton *self, const char *name, size_t *at)
{
    size_t i;
    json_t *v;
    json_array_foreach(self->views, i, v)
    {
        if (g_strcmp0(json_string_value(json_object_get(v, "name")), name) == 0) {
            if (at)
                *at = i;
            return v;
        }
    }
    return NULL;
}

/* ---- the menu's rows -------------------------------------------------------- */

static void on_recall_clicked(GtkButton *button, gpointer user_data)
{
    PactaViewsButton *self = user_data;
    const char *name = g_object_get_data(G_OBJECT(button), "view-name");
    gtk_popover_popdown(self->popover);
    pacta_views_button_recall(self, name);
}

static void on_delete_clicked(GtkButton *button, gpointer user_data)
{
    pacta_views_button_delete(user_data, g_object_get_data(G_OBJECT(button), "view-name"));
}

static GtkWidget *view_row(PactaViewsButton *self, const json_t *view)
{
    const char *name = json_string_value(json_object_get(view, "name"));
    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 4);
    GtkWidget *recall = gtk_button_new_with_label(name);
    GtkWidget *del = gtk_button_new_from_icon_name("user-trash-symbolic");

    gtk_widget_add_css_class(recall, "flat");
    gtk_widget_set_hexpand(recall, TRUE);
    gtk_widget_set_halign(gtk_button_get_child(GTK_BUTTON(recall)), GTK_ALIGN_START);
    gtk_widget_set_tooltip_text(recall, "Show the list with this view's filters and sort");
    g_object_set_data_full(G_OBJECT(recall), "view-name", g_strdup(name), g_free);
    g_signal_connect(recall, "clicked", G_CALLBACK(on_recall_clicked), self);
    gtk_widget_add_css_class(del, "flat");
    gtk_widget_set_tooltip_text(del, "Delete this view");
    gtk_accessible_update_property(GTK_ACCESSIBLE(del), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                   "Delete view", -1);
    g_object_set_data_full(G_OBJECT(del), "view-name", g_strdup(name), g_free);
    g_signal_connect(del, "clicked", G_CALLBACK(on_delete_clicked), self);
    gtk_box_append(GTK_BOX(box), recall);
    gtk_box_append(GTK_BOX(box), del);
    return box;
}

static int by_name(const void *a, const void *b)
{
    return g_strcmp0(json_string_value(json_object_get(*(json_t *const *)a, "name")),
                     json_string_value(json_object_get(*(json_t *const *)b, "name")));
}

/* Sorts the views by name (the server's order) and rebuilds the rows. */
static void views_changed(PactaViewsButton *self)
{
    size_t n = json_array_size(self->views);
    g_autofree json_t **sorted = g_new0(json_t *, n + 1);
    GtkWidget *child;

    for (size_t i = 0; i < n; i++)
        sorted[i] = json_incref(json_array_get(self->views, i));
    qsort(sorted, n, sizeof(sorted[0]), by_name);
    json_array_clear(self->views);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(self->views, sorted[i]);

    while ((child = gtk_widget_get_first_child(GTK_WIDGET(self->list))))
        gtk_list_box_remove(self->list, child);
    for (size_t i = 0; i < n; i++)
        gtk_list_box_append(self->list, view_row(self, json_array_get(self->views, i)));
    gtk_widget_set_visible(GTK_WIDGET(self->empty_label), n == 0);
    gtk_widget_set_visible(GTK_WIDGET(self->list), n > 0);
    g_signal_emit(self, signals[SIG_CHANGED], 0);
}

static void put_view(PactaViewsButton *self, const json_t *view)
{
    size_t at;
    if (!json_is_object(view))
        return;
    if (find_view(self, json_string_value(json_object_get(view, "name")), &at))
        json_array_set(self->views, at, (json_t *)view);
    else
        json_array_append(self->views, (json_t *)view);
    views_changed(self);
}

static void drop_view(PactaViewsButton *self, const char *name)
{
    size_t at;
    if (find_view(self, name, &at)) {
        json_array_remove(self->views, at);
        views_changed(self);
    }
}

/* ---- requests ----------------------------------------------------------------- */

static void list_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GError) error = NULL;
    json_t *res = pacta_connection_request_finish(PACTA_CONNECTION(source), result, NULL, &error);
    if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
        json_decref(res);
        return;
    }
    PactaViewsButton *self = user_data;
    if (!res) {
        g_debug("views.list: %s", error ? error->message : "?");
        return;
    }
    json_decref(self->views);
    self->views = json_deep_copy(json_object_get(res, "items"));
    if (!json_is_array(self->views)) {
        json_decref(self->views);
        self->views = json_array();
    }
    json_decref(res);
    views_changed(self);
}

static void reload(PactaViewsButton *self)
{
    pacta_connection_request_async(self->connection, "views.list", NULL, self->cancellable,
                                   list_done, self);
}

static void on_state(PactaViewsButton *self)
{
    if (pacta_connection_get_state(self->connection) == PACTA_CONNECTION_CONNECTED)
        reload(self);
}

/* Another desk of the same user saved or deleted a view. */
static void on_event(PactaConnection *connection, const char *name, gint64 seq, gpointer data,
                     gpointer user_data)
{
    PactaViewsButton *self = user_data;
    (void)connection;
    (void)seq;
    if (g_str_equal(name, PACTA_EV_VIEW_SAVED))
        put_view(self, json_object_get(data, "view"));
    else if (g_str_equal(name, PACTA_EV_VIEW_DELETED))
        drop_view(self, json_string_value(json_object_get(data, "name")));
    else if (g_str_equal(name, "server.reset")) /* a restore: views as at the backup */
        reload(self);
}

static void save_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GError) error = NULL;
    json_t *res = pacta_connection_request_finish(PACTA_CONNECTION(source), result, NULL, &error);
    if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
        json_decref(res);
        return;
    }
    PactaViewsButton *self = user_data;
    if (!res) {
        message(self, "Could not save the view: %s", error ? error->message : "unknown error");
        return;
    }
    const json_t *view = json_object_get(res, "view");
    put_view(self, view);
    message(self, "%s view “%s”",
            json_is_true(json_object_get(res, "replaced")) ? "Replaced" : "Saved",
            json_string_value(json_object_get(view, "name")));
    json_decref(res);
}

void pacta_views_button_save(PactaViewsButton *self, const char *name)
{
    g_return_if_fail(PACTA_IS_VIEWS_BUTTON(self));
    g_autofree char *trimmed = g_strstrip(g_strdup(name ? name : ""));
    if (!*trimmed) {
        message(self, "Give the view a name first");
        return;
    }
    if (!self->connection || !self->get)
        return;
    json_t *state = self->get(self->user_data);
    json_t *args =
        json_pack("{s:s, s:O, s:O}", "name", trimmed, "filter", json_object_get(state, "filter"),
                  "sort", json_object_get(state, "sort"));
    pacta_connection_request_async(self->connection, "views.save", args, self->cancellable,
                                   save_done, self);
    json_decref(args);
    json_decref(state);
}

gboolean pacta_views_button_recall(PactaViewsButton *self, const char *name)
{
    g_return_val_if_fail(PACTA_IS_VIEWS_BUTTON(self), FALSE);
    const json_t *view = find_view(self, name, NULL);
    if (!view || !self->apply)
        return FALSE;
    self->apply(view, self->user_data);
    return TRUE;
}

static void delete_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GError) error = NULL;
    json_t *res = pacta_connection_request_finish(PACTA_CONNECTION(source), result, NULL, &error);
    if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
        json_decref(res);
        return;
    }
    PactaViewsButton *self = user_data;
    if (!res) {
        message(self, "Could not delete the view: %s", error ? error->message : "unknown error");
        return;
    }
    g_autofree char *name = g_strdup(json_string_value(json_object_get(res, "name")));
    drop_view(self, name);
    message(self, "Deleted view “%s”", name ? name : "");
    json_decref(res);
}

gboolean pacta_views_button_delete(PactaViewsButton *self, const char *name)
{
    g_return_val_if_fail(PACTA_IS_VIEWS_BUTTON(self), FALSE);
    if (!find_view(self, name, NULL) || !self->connection)
        return FALSE;
    json_t *args = json_pack("{s:s}", "name", name);
    pacta_connection_request_async(self->connection, "views.delete", args, self->cancellable,
                                   delete_done, self);
    json_decref(args);
    return TRUE;
}

GStrv pacta_views_button_get_names(PactaViewsButton *self)
{
    g_return_val_if_fail(PACTA_IS_VIEWS_BUTTON(self), NULL);
    GStrvBuilder *b = g_strv_builder_new();
    size_t i;
    json_t *v;
    json_array_foreach(self->views, i, v)
        g_strv_builder_add(b, json_string_value(json_object_get(v, "name")));
    GStrv names = g_strv_builder_end(b);
    g_strv_builder_unref(b);
    return names;
}

GtkPopover *pacta_views_button_get_popover(PactaViewsButton *self)
{
    return self->popover;
}

static void on_save_activated(PactaViewsButton *self)
{
    pacta_views_button_save(self, gtk_editable_get_text(GTK_EDITABLE(self->name_entry)));
    gtk_editable_set_text(GTK_EDITABLE(self->name_entry), "");
    gtk_popover_popdown(self->popover);
}

void pacta_views_button_setup(PactaViewsButton *self, PactaConnection *connection,
                              PactaViewsGetFunc get, PactaViewsApplyFunc apply, gpointer user_data)
{
    g_return_if_fail(PACTA_IS_VIEWS_BUTTON(self));
    g_set_object(&self->connection, connection);
    self->get = get;
    self->apply = apply;
    self->user_data = user_data;
    g_signal_connect_object(connection, "notify::state", G_CALLBACK(on_state), self,
                            G_CONNECT_SWAPPED);
    g_signal_connect_object(connection, "event", G_CALLBACK(on_event), self, 0);
    on_state(self);
}

/* ---- GObject ---------------------------------------------------------------------- */

static void pacta_views_button_dispose(GObject *object)
{
    PactaViewsButton *self = PACTA_VIEWS_BUTTON(object);
    if (self->cancellable)
        g_cancellable_cancel(self->cancellable);
    g_clear_object(&self->cancellable);
    g_clear_object(&self->connection);
    g_clear_pointer(&self->views, json_decref);
    G_OBJECT_CLASS(pacta_views_button_parent_class)->dispose(object);
}

static void pacta_views_button_class_init(PactaViewsButtonClass *klass)
{
    G_OBJECT_CLASS(klass)->dispose = pacta_views_button_dispose;
    signals[SIG_CHANGED] = g_signal_new("changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 0);
    signals[SIG_MESSAGE] = g_signal_new("message", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void pacta_views_button_init(PactaViewsButton *self)
{
    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 8);
    GtkWidget *title = gtk_label_new("Saved Views");
    GtkWidget *save_box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);

    self->views = json_array();
    self->cancellable = g_cancellable_new();

    gtk_widget_add_css_class(title, "heading");
    gtk_widget_set_halign(title, GTK_ALIGN_START);
    self->empty_label = GTK_LABEL(gtk_label_new("No saved views yet"));
    gtk_widget_add_css_class(GTK_WIDGET(self->empty_label), "dim-label");
    self->list = GTK_LIST_BOX(gtk_list_box_new());
    gtk_list_box_set_selection_mode(self->list, GTK_SELECTION_NONE);
    gtk_widget_add_css_class(GTK_WIDGET(self->list), "boxed-list");
    gtk_widget_set_visible(GTK_WIDGET(self->list), FALSE);
    self->name_entry = GTK_ENTRY(gtk_entry_new());
    gtk_entry_set_placeholder_text(self->name_entry, "Name for the current list");
    gtk_editable_set_max_width_chars(GTK_EDITABLE(self->name_entry), 28);
    gtk_widget_set_hexpand(GTK_WIDGET(self->name_entry), TRUE);
    self->save_button = GTK_BUTTON(gtk_button_new_with_mnemonic("_Save"));
    gtk_widget_add_css_class(GTK_WIDGET(self->save_button), "suggested-action");
    gtk_widget_set_tooltip_text(GTK_WIDGET(self->save_button),
                                "Save the search, filters and sort under this name");
    g_signal_connect_swapped(self->save_button, "clicked", G_CALLBACK(on_save_activated), self);
    g_signal_connect_swapped(self->name_entry, "activate", G_CALLBACK(on_save_activated), self);
    gtk_box_append(GTK_BOX(save_box), GTK_WIDGET(self->name_entry));
    gtk_box_append(GTK_BOX(save_box), GTK_WIDGET(self->save_button));

    gtk_box_append(GTK_BOX(box), title);
    gtk_box_append(GTK_BOX(box), GTK_WIDGET(self->empty_label));
    gtk_box_append(GTK_BOX(box), GTK_WIDGET(self->list));
    gtk_box_append(GTK_BOX(box), gtk_separator_new(GTK_ORIENTATION_HORIZONTAL));
    gtk_box_append(GTK_BOX(box), save_box);

    self->popover = GTK_POPOVER(gtk_popover_new());
    gtk_popover_set_child(self->popover, box);
    self->button = GTK_MENU_BUTTON(gtk_menu_button_new());
    gtk_menu_button_set_label(self->button, "Views");
    gtk_menu_button_set_popover(self->button, GTK_WIDGET(self->popover));
    gtk_widget_set_tooltip_text(GTK_WIDGET(self->button), "Saved views: recall, save, delete");
    gtk_box_append(GTK_BOX(self), GTK_WIDGET(self->button));
}
