/*
 * pacta-desk: PactaConnectionBanner (see pacta-connection-banner.h).
 */
#define G_LOG_DOMAIN "pacta-banner"

#include "pacta-connection-banner.h"

struct _PactaConnectionBanner {
    GtkWidget parent_instance;

    GtkRevealer *revealer;
    GtkWidget *bar;
    GtkImage *icon;
    GtkLabel *label;
    GtkButton *button;

    PactaConnection *connection;
    guint tick_id;     /* 1 s countdown while WAITING */
    gboolean was_live; /* connected at least once: later drops show the banner */
};

G_DEFINE_FINAL_TYPE(PactaConnectionBanner, pacta_connection_banner, GTK_TYPE_WIDGET)

static void update(PactaConnectionBanner *self);

static gboolean tick(gpointer user_data)
{
    update(PACTA_CONNECTION_BANNER(user_data));
    return G_SOURCE_CONTINUE;
}

static void set_ticking(PactaConnectionBanner *self, gboolean on)
{
    if (on && !self->tick_id)
        self->tick_id = g_timeout_add_seconds(1, tick, self);
    else if (!on && self->tick_id)
        g_clear_handle_id(&self->tick_id, g_source_remove);
}

/* Text and button for the connection's state; called on every state change
 * and each second while a retry is scheduled. */
static void update(PactaConnectionBanner *self)
{
    PactaConnectionState state =
        self->connection ? pacta_connection_get_state(self->connection) : PACTA_CONNECTION_STOPPED;
    gboolean reveal = FALSE;
    g_autofree char *text = NULL;
    const char *button = NULL;
    gboolean error = FALSE;

    switch (state) {
    case PACTA_CONNECTION_CONNECTED:
        self->was_live = TRUE;
        break;
    case PACTA_CONNECTION_WAITING: {
        gint64 at = pacta_connection_get_retry_at(self->connection);
        gint64 secs = at ? (at - g_get_real_time() + 999999) / 1000000 : 0;
        if (secs > 0)
            text =
                g_strdup_printf("Connection lost. Reconnecting in %" G_GINT64_FORMAT " s…", secs);
        else
            text = g_strdup("Connection lost. Reconnecting…");
        button = "_Retry Now";
        reveal = TRUE;
        break;
    }
    case PACTA_CONNECTION_CONNECTING:
    case PACTA_CONNECTION_AUTHENTICATING:
        if (self->was_live) {
            text = g_strdup("Connection lost. Reconnecting…");
            reveal = TRUE;
        }
        break;
    case PACTA_CONNECTION_STOPPED: {
        const char *reason =
            self->connection ? pacta_connection_get_stop_reason(self->connection) : NULL;
        if (self->was_live && reason) {
            text = g_strdup_printf("Disconnected: %s", reason);
            button = "_Log In…";
            error = TRUE;
            reveal = TRUE;
        }
        break;
    }
    }

    set_ticking(self, state == PACTA_CONNECTION_WAITING);
    if (text) {
        gtk_label_set_text(self->label, text);
        gtk_accessible_update_property(GTK_ACCESSIBLE(self->bar),
                                       GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
    }
    gtk_widget_set_visible(GTK_WIDGET(self->button), button != NULL);
    if (button)
        gtk_button_set_label(self->button, button);
    gtk_image_set_from_icon_name(self->icon,
                                 error ? "dialog-error-symbolic" : "network-offline-symbolic");
    if (error)
        gtk_widget_add_css_class(self->bar, "error");
    else
        gtk_widget_remove_css_class(self->bar, "error");
    gtk_revealer_set_reveal_child(self->revealer, reveal);
}

static void on_button_clicked(PactaConnectionBanner *self)
{
    if (!self->connection)
        return;
    if (pacta_connection_get_state(self->connection) == PACTA_CONNECTION_STOPPED)
        gtk_widget_activate_action(GTK_WIDGET(self), "app.relogin", NULL);
    else
        pacta_connection_reconnect_now(self->connection);
}

void pacta_connection_banner_set_connection(PactaConnectionBanner *self,
                                            PactaConnection *connection)
{
    if (self->connection) {
        g_signal_handlers_disconnect_by_data(self->connection, self);
        g_clear_object(&self->connection);
    }
    if (connection) {
        self->connection = g_object_ref(connection);
        self->was_live = pacta_connection_get_state(connection) == PACTA_CONNECTION_CONNECTED;
        g_signal_connect_swapped(connection, "notify::state", G_CALLBACK(update), self);
        g_signal_connect_swapped(connection, "notify::retry-at", G_CALLBACK(update), self);
    }
    update(self);
}

gboolean pacta_connection_banner_get_revealed(PactaConnectionBanner *self)
{
    return gtk_revealer_get_reveal_child(self->revealer);
}

const char *pacta_connection_banner_get_text(PactaConnectionBanner *self)
{
    return gtk_label_get_text(self->label);
}

static void pacta_connection_banner_dispose(GObject *object)
{
    PactaConnectionBanner *self = PACTA_CONNECTION_BANNER(object);
    set_ticking(self, FALSE);
    pacta_connection_banner_set_connection(self, NULL);
    gtk_widget_dispose_template(GTK_WIDGET(self), PACTA_TYPE_CONNECTION_BANNER);
    G_OBJECT_CLASS(pacta_connection_banner_parent_class)->dispose(object);
}

static void pacta_connection_banner_class_init(PactaConnectionBannerClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
    G_OBJECT_CLASS(klass)->dispose = pacta_connection_banner_dispose;
    gtk_widget_class_set_layout_manager_type(widget_class, GTK_TYPE_BIN_LAYOUT);
    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/pacta/Desk/pacta-connection-banner.ui");
    gtk_widget_class_bind_template_child(widget_class, PactaConnectionBanner, revealer);
    gtk_widget_class_bind_template_child(widget_class, PactaConnectionBanner, bar);
    gtk_widget_class_bind_template_child(widget_class, PactaConnectionBanner, icon);
    gtk_widget_class_bind_template_child(widget_class, PactaConnectionBanner, label);
    gtk_widget_class_bind_template_child(widget_class, PactaConnectionBanner, button);
    gtk_widget_class_set_accessible_role(widget_class, GTK_ACCESSIBLE_ROLE_STATUS);
}

static void pacta_connection_banner_init(PactaConnectionBanner *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    g_signal_connect_swapped(self->button, "clicked", G_CALLBACK(on_button_clicked), self);
}
