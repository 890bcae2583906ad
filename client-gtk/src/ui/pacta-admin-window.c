/*
 * pacta-desk: PactaAdminWindow (see pacta-admin-window.h).
 *
 * Cells bind to PactaPeer's properties with GBinding (through transform
 * functions for times and numbers), so updates from
 * admin.connection.updated show without rebuilding rows.
 */
#define G_LOG_DOMAIN "pacta-admin"

#include "pacta-admin-window.h"

#include "pacta-contract.h"

struct _PactaAdminWindow {
    AdwWindow parent_instance;

    AdwToastOverlay *toast_overlay;
    AdwWindowTitle *window_title;
    GtkStack *stack;
    AdwStatusPage *empty_page;
    GtkColumnView *column_view;
    GtkColumnViewColumn *col_user, *col_address, *col_client, *col_since, *col_activity, *col_in,
        *col_out, *col_queue, *col_action;

    PactaConnection *connection;
    PactaPeerList *peers;
    GCancellable *cancellable;
    gboolean ready;
};

G_DEFINE_FINAL_TYPE(PactaAdminWindow, pacta_admin_window, ADW_TYPE_WINDOW)

/* ---- cells ------------------------------------------------------------------ */

static gboolean time_to_text(GBinding *b, const GValue *from, GValue *to, gpointer data)
{
    (void)b;
    (void)data;
    const char *ts = g_value_get_string(from);
    g_value_take_string(to, ts ? pacta_format_timestamp(ts) : g_strdup(""));
    return TRUE;
}

static gboolean int_to_text(GBinding *b, const GValue *from, GValue *to, gpointer data)
{
    (void)b;
    (void)data;
    g_value_take_string(to, g_strdup_printf("%" G_GINT64_FORMAT, g_value_get_int64(from)));
    return TRUE;
}

static gboolean nullable_to_text(GBinding *b, const GValue *from, GValue *to, gpointer data)
{
    (void)b;
    const char *s = g_value_get_string(from);
    g_value_set_string(to, s && *s ? s : (const char *)data);
    return TRUE;
}

typedef enum { CELL_TEXT, CELL_TIME, CELL_INT, CELL_USER } CellKind;

typedef struct {
    const char *property;
    CellKind kind;
    gboolean numeric;
} CellSpec;

static void text_setup(GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
    (void)f;
    const CellSpec *spec = data;
    GtkWidget *label = gtk_label_new(NULL);
    gtk_label_set_xalign(GTK_LABEL(label), spec->numeric ? 1.0f : 0.0f);
    gtk_label_set_ellipsize(GTK_LABEL(label), PANGO_ELLIPSIZE_END);
    if (spec->numeric)
        gtk_widget_add_css_class(label, "numeric");
    gtk_list_item_set_child(item, label);
}

static void text_bind(GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
    (void)f;
    const CellSpec *spec = data;
    GObject *peer = gtk_list_item_get_item(item);
    GtkWidget *label = gtk_list_item_get_child(item);
    GBinding *binding = NULL;
    switch (spec->kind) {
    case CELL_TIME:
        binding =
            g_object_bind_property_full(peer, spec->property, label, "label", G_BINDING_SYNC_CREATE,
                                        time_to_text, NULL, NULL, NULL);
        break;
    case CELL_INT:
        binding = g_object_bind_property_full(peer, spec->property, label, "label",
                                              G_BINDING_SYNC_CREATE, int_to_text, NULL, NULL, NULL);
        break;
    case CELL_USER:
        binding =
            g_object_bind_property_full(peer, spec->property, label, "label", G_BINDING_SYNC_CREATE,
                                        nullable_to_text, NULL, (gpointer) "(not logged in)", NULL);
        break;
    case CELL_TEXT:
        binding =
            g_object_bind_property_full(peer, spec->property, label, "label", G_BINDING_SYNC_CREATE,
                                        nullable_to_text, NULL, (gpointer) "—", NULL);
        break;
    }
    g_object_set_data(G_OBJECT(item), "binding", binding);
}

static void text_unbind(GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
    (void)f;
    (void)data;
    GBinding *binding = g_object_get_data(G_OBJECT(item), "binding");
    if (binding)
        g_binding_unbind(binding);
    g_object_set_data(G_OBJECT(item), "binding", NULL);
}

static const CellSpec spec_user = {"user", CELL_USER, FALSE};
static const CellSpec spec_address = {"address", CELL_TEXT, FALSE};
static const CellSpec spec_client = {"client", CELL_TEXT, FALSE};
static const CellSpec spec_since = {"connected-at", CELL_TIME, FALSE};
static const CellSpec spec_activity = {"last-activity-at", CELL_TIME, FALSE};
static const CellSpec spec_in = {"messages-in", CELL_INT, TRUE};
static const CellSpec spec_out = {"messages-out", CELL_INT, TRUE};
static const CellSpec spec_queue = {"queue-depth", CELL_INT, TRUE};

static void set_text_factory(GtkColumnViewColumn *col, const CellSpec *spec)
{
    GtkListItemFactory *f = gtk_signal_list_item_factory_new();
    g_signal_connect(f, "setup", G_CALLBACK(text_setup), (gpointer)spec);
    g_signal_connect(f, "bind", G_CALLBACK(text_bind), (gpointer)spec);
    g_signal_connect(f, "unbind", G_CALLBACK(text_unbind), (gpointer)spec);
    gtk_column_view_column_set_factory(col, f);
    g_object_unref(f);
}

/* The user cell adds the role and, when editing, a hint. */
static void user_bind_extra(GtkListItem *item)
{
    PactaPeer *peer = gtk_list_item_get_item(item);
    GtkWidget *label = gtk_list_item_get_child(item);
    g_autofree char *tip =
        g_strdup_printf("Session %" G_GINT64_FORMAT "%s%s", pacta_peer_get_session(peer),
                        pacta_peer_get_role(peer) ? ", " : "",
                        pacta_peer_get_role(peer) ? pacta_peer_get_role(peer) : "");
    gtk_widget_set_tooltip_text(label, tip);
}

static void user_bind(GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
    text_bind(f, item, data);
    user_bind_extra(item);
}

/* ---- disconnect ---------------------------------------------------------------- */

static void kick_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(PactaAdminWindow) self = user_data;
    g_autoptr(GError) error = NULL;
    if (!pacta_peer_list_kick_finish(PACTA_PEER_LIST(source), result, &error)) {
        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            return;
        g_autofree char *msg = g_strdup_printf("Could not disconnect: %s", error->message);
        adw_toast_overlay_add_toast(self->toast_overlay, adw_toast_new(msg));
        return;
    }
    adw_toast_overlay_add_toast(self->toast_overlay, adw_toast_new("Disconnected"));
}

void pacta_admin_window_disconnect(PactaAdminWindow *self, gint64 session)
{
    pacta_peer_list_kick_async(self->peers, session, self->cancellable, kick_done,
                               g_object_ref(self));
}

static void confirm_response(AdwMessageDialog *dialog, const char *response, gpointer user_data)
{
    PactaAdminWindow *self = user_data;
    if (g_str_equal(response, "disconnect"))
        pacta_admin_window_disconnect(
            self, GPOINTER_TO_SIZE(g_object_get_data(G_OBJECT(dialog), "session")));
}

void pacta_admin_window_request_disconnect(PactaAdminWindow *self, gint64 session)
{
    guint pos = pacta_peer_list_find(self->peers, session);
    if (pos == G_MAXUINT)
        return;
    g_autoptr(PactaPeer) peer = g_list_model_get_item(G_LIST_MODEL(self->peers), pos);
    const char *user = pacta_peer_get_user(peer);
    g_autofree char *heading = g_strdup_printf("Disconnect %s?", user ? user : "this client");
    g_autofree char *body = g_strdup_printf(
        "%s at %s is disconnected at once and told an administrator did it. They may log in "
        "again.",
        pacta_peer_get_client(peer) ? pacta_peer_get_client(peer) : "The client",
        pacta_peer_get_address(peer) ? pacta_peer_get_address(peer) : "?");
    GtkWidget *dialog = adw_message_dialog_new(GTK_WINDOW(self), heading, body);
    adw_message_dialog_add_responses(ADW_MESSAGE_DIALOG(dialog), "cancel", "_Cancel", "disconnect",
                                     "_Disconnect", NULL);
    adw_message_dialog_set_response_appearance(ADW_MESSAGE_DIALOG(dialog), "disconnect",
                                               ADW_RESPONSE_DESTRUCTIVE);
    adw_message_dialog_set_close_response(ADW_MESSAGE_DIALOG(dialog), "cancel");
    g_object_set_data(G_OBJECT(dialog), "session", GSIZE_TO_POINTER((gsize)session));
    g_signal_connect(dialog, "response", G_CALLBACK(confirm_response), self);
    gtk_window_present(GTK_WINDOW(dialog));
}

static void on_disconnect_clicked(GtkButton *button, gpointer user_data)
{
    PactaAdminWindow *self = user_data;
    GtkListItem *item = g_object_get_data(G_OBJECT(button), "item");
    PactaPeer *peer = gtk_list_item_get_item(item);
    if (peer)
        pacta_admin_window_request_disconnect(self, pacta_peer_get_session(peer));
}

static void action_setup(GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
    (void)f;
    GtkWidget *button = gtk_button_new_with_mnemonic("_Disconnect…");
    gtk_widget_add_css_class(button, "pacta-kick");
    gtk_widget_set_halign(button, GTK_ALIGN_END);
    g_object_set_data(G_OBJECT(button), "item", item);
    g_signal_connect(button, "clicked", G_CALLBACK(on_disconnect_clicked), data);
    gtk_list_item_set_child(item, button);
}

static void action_bind(GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
    (void)f;
    (void)data;
    PactaPeer *peer = gtk_list_item_get_item(item);
    const char *user = pacta_peer_get_user(peer);
    g_autofree char *label = g_strdup_printf("Disconnect %s", user ? user : "client");
    gtk_accessible_update_property(GTK_ACCESSIBLE(gtk_list_item_get_child(item)),
                                   GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

/* ---- life cycle ---------------------------------------------------------------- */

static void update_title(PactaAdminWindow *self)
{
    guint n = g_list_model_get_n_items(G_LIST_MODEL(self->peers));
    g_autofree char *sub = g_strdup_printf(n == 1 ? "%u connection" : "%u connections", n);
    adw_window_title_set_subtitle(self->window_title, sub);
    gtk_stack_set_visible_child_name(self->stack, n ? "list" : "empty");
}

static void start_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(PactaAdminWindow) self = user_data;
    g_autoptr(GError) error = NULL;
    if (!pacta_peer_list_start_finish(PACTA_PEER_LIST(source), result, &error)) {
        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            return;
        adw_status_page_set_title(self->empty_page, "Cannot Watch Connections");
        adw_status_page_set_description(self->empty_page, error->message);
        return;
    }
    self->ready = TRUE;
    update_title(self);
}

PactaAdminWindow *pacta_admin_window_new(PactaConnection *connection)
{
    PactaAdminWindow *self = g_object_new(PACTA_TYPE_ADMIN_WINDOW, NULL);
    self->connection = g_object_ref(connection);
    self->peers = pacta_peer_list_new(connection);
    g_signal_connect_swapped(self->peers, "items-changed", G_CALLBACK(update_title), self);

    GtkNoSelection *sel = gtk_no_selection_new(g_object_ref(G_LIST_MODEL(self->peers)));
    gtk_column_view_set_model(self->column_view, GTK_SELECTION_MODEL(sel));
    g_object_unref(sel);

    pacta_peer_list_start_async(self->peers, self->cancellable, start_done, g_object_ref(self));
    return self;
}

PactaPeerList *pacta_admin_window_get_peers(PactaAdminWindow *self)
{
    return self->peers;
}

gboolean pacta_admin_window_is_ready(PactaAdminWindow *self)
{
    return self->ready;
}

static void pacta_admin_window_dispose(GObject *object)
{
    PactaAdminWindow *self = PACTA_ADMIN_WINDOW(object);
    if (self->cancellable)
        g_cancellable_cancel(self->cancellable);
    g_clear_object(&self->cancellable);
    if (self->peers) {
        g_signal_handlers_disconnect_by_data(self->peers, self);
        pacta_peer_list_stop(self->peers);
    }
    g_clear_object(&self->peers);
    g_clear_object(&self->connection);
    G_OBJECT_CLASS(pacta_admin_window_parent_class)->dispose(object);
}

static void pacta_admin_window_class_init(PactaAdminWindowClass *klass)
{
    GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
    G_OBJECT_CLASS(klass)->dispose = pacta_admin_window_dispose;
    gtk_widget_class_set_template_from_resource(wc, "/org/pacta/Desk/pacta-admin-window.ui");
#define BIND(name) gtk_widget_class_bind_template_child(wc, PactaAdminWindow, name)
    BIND(toast_overlay);
    BIND(window_title);
    BIND(stack);
    BIND(empty_page);
    BIND(column_view);
    BIND(col_user);
    BIND(col_address);
    BIND(col_client);
    BIND(col_since);
    BIND(col_activity);
    BIND(col_in);
    BIND(col_out);
    BIND(col_queue);
    BIND(col_action);
#undef BIND
    gtk_widget_class_add_binding_action(wc, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);
    gtk_widget_class_add_binding_action(wc, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void pacta_admin_window_init(PactaAdminWindow *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    self->cancellable = g_cancellable_new();

    GtkListItemFactory *f = gtk_signal_list_item_factory_new();
    g_signal_connect(f, "setup", G_CALLBACK(text_setup), (gpointer)&spec_user);
    g_signal_connect(f, "bind", G_CALLBACK(user_bind), (gpointer)&spec_user);
    g_signal_connect(f, "unbind", G_CALLBACK(text_unbind), (gpointer)&spec_user);
    gtk_column_view_column_set_factory(self->col_user, f);
    g_object_unref(f);

    set_text_factory(self->col_address, &spec_address);
    set_text_factory(self->col_client, &spec_client);
    set_text_factory(self->col_since, &spec_since);
    set_text_factory(self->col_activity, &spec_activity);
    set_text_factory(self->col_in, &spec_in);
    set_text_factory(self->col_out, &spec_out);
    set_text_factory(self->col_queue, &spec_queue);

    f = gtk_signal_list_item_factory_new();
    g_signal_connect(f, "setup", G_CALLBACK(action_setup), self);
    g_signal_connect(f, "bind", G_CALLBACK(action_bind), self);
    gtk_column_view_column_set_factory(self->col_action, f);
    g_object_unref(f);
}
