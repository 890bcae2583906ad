/*
 * pacta-desk: PactaLoginDialog (see pacta-login-dialog.h).
 */
#define G_LOG_DOMAIN "pacta-login"

#include "pacta-login-dialog.h"

#include <string.h>

struct _PactaLoginDialog {
    AdwApplicationWindow parent_instance;

    AdwEntryRow *url_row, *user_row;
    AdwPasswordEntryRow *password_row;
    AdwActionRow *ca_row;
    GtkButton *ca_button, *login_button;
    GtkLabel *error_label;
    GtkSpinner *spinner;

    char *ca_file;
    GtkFileChooserNative *chooser;
};

G_DEFINE_FINAL_TYPE(PactaLoginDialog, pacta_login_dialog, ADW_TYPE_APPLICATION_WINDOW)

enum { SIGNAL_SUBMIT, N_SIGNALS };
static guint signals[N_SIGNALS];

static void set_ca(PactaLoginDialog *self, const char *path)
{
    g_free(self->ca_file);
    self->ca_file = g_strdup(path ? path : "");
    adw_action_row_set_subtitle(self->ca_row,
                                *self->ca_file ? self->ca_file : "None chosen: required");
}

static void update_sensitive(PactaLoginDialog *self)
{
    gboolean ready = *gtk_editable_get_text(GTK_EDITABLE(self->url_row)) &&
                     *gtk_editable_get_text(GTK_EDITABLE(self->user_row)) &&
                     *gtk_editable_get_text(GTK_EDITABLE(self->password_row)) && *self->ca_file &&
                     !gtk_spinner_get_spinning(self->spinner);
    gtk_widget_set_sensitive(GTK_WIDGET(self->login_button), ready);
}

static void submit(PactaLoginDialog *self)
{
    if (!gtk_widget_get_sensitive(GTK_WIDGET(self->login_button)))
        return;
    g_autofree char *password = g_strdup(gtk_editable_get_text(GTK_EDITABLE(self->password_row)));
    /* The password lives only as long as the login needs it. */
    gtk_editable_set_text(GTK_EDITABLE(self->password_row), "");
    g_signal_emit(self, signals[SIGNAL_SUBMIT], 0,
                  gtk_editable_get_text(GTK_EDITABLE(self->url_row)), self->ca_file,
                  gtk_editable_get_text(GTK_EDITABLE(self->user_row)), password);
    memset(password, 0, strlen(password));
}

void pacta_login_dialog_submit_with(PactaLoginDialog *self, const char *password)
{
    gtk_editable_set_text(GTK_EDITABLE(self->password_row), password);
    submit(self);
}

static void chooser_response(GtkNativeDialog *dialog, int response, gpointer user_data)
{
    PactaLoginDialog *self = user_data;
    if (response == GTK_RESPONSE_ACCEPT) {
        g_autoptr(GFile) file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));
        g_autofree char *path = g_file_get_path(file);
        set_ca(self, path);
        update_sensitive(self);
    }
    g_clear_object(&self->chooser);
}

static void on_choose_ca(PactaLoginDialog *self)
{
    g_clear_object(&self->chooser);
    self->chooser = gtk_file_chooser_native_new("Trusted CA Certificate", GTK_WINDOW(self),
                                                GTK_FILE_CHOOSER_ACTION_OPEN, "_Choose", "_Cancel");
    g_autoptr(GtkFileFilter) filter = gtk_file_filter_new();
    gtk_file_filter_set_name(filter, "PEM certificates");
    gtk_file_filter_add_pattern(filter, "*.pem");
    gtk_file_filter_add_pattern(filter, "*.crt");
    gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(self->chooser), filter);
    g_signal_connect(self->chooser, "response", G_CALLBACK(chooser_response), self);
    gtk_native_dialog_show(GTK_NATIVE_DIALOG(self->chooser));
}

PactaLoginDialog *pacta_login_dialog_new(gpointer app)
{
    return g_object_new(PACTA_TYPE_LOGIN_DIALOG, "application", app, NULL);
}

void pacta_login_dialog_set_values(PactaLoginDialog *self, const char *url, const char *ca_file,
                                   const char *username)
{
    gtk_editable_set_text(GTK_EDITABLE(self->url_row), url && *url ? url : "wss://localhost:7443/");
    gtk_editable_set_text(GTK_EDITABLE(self->user_row), username ? username : "");
    set_ca(self, ca_file);
    update_sensitive(self);
    if (username && *username)
        gtk_widget_grab_focus(GTK_WIDGET(self->password_row));
}

void pacta_login_dialog_set_busy(PactaLoginDialog *self, gboolean busy)
{
    gtk_spinner_set_spinning(self->spinner, busy);
    gtk_widget_set_visible(GTK_WIDGET(self->spinner), busy);
    gtk_widget_set_sensitive(GTK_WIDGET(self->url_row), !busy);
    gtk_widget_set_sensitive(GTK_WIDGET(self->user_row), !busy);
    gtk_widget_set_sensitive(GTK_WIDGET(self->password_row), !busy);
    gtk_widget_set_sensitive(GTK_WIDGET(self->ca_button), !busy);
    update_sensitive(self);
}

void pacta_login_dialog_set_error(PactaLoginDialog *self, const char *message)
{
    gtk_label_set_text(self->error_label, message ? message : "");
    gtk_widget_set_visible(GTK_WIDGET(self->error_label), message && *message);
}

const char *pacta_login_dialog_get_error(PactaLoginDialog *self)
{
    return gtk_label_get_text(self->error_label);
}

static void pacta_login_dialog_dispose(GObject *object)
{
    PactaLoginDialog *self = PACTA_LOGIN_DIALOG(object);
    g_clear_object(&self->chooser);
    g_clear_pointer(&self->ca_file, g_free);
    G_OBJECT_CLASS(pacta_login_dialog_parent_class)->dispose(object);
}

static void pacta_login_dialog_class_init(PactaLoginDialogClass *klass)
{
    GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
    G_OBJECT_CLASS(klass)->dispose = pacta_login_dialog_dispose;
    signals[SIGNAL_SUBMIT] =
        g_signal_new("submit", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                     G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
    gtk_widget_class_set_template_from_resource(wc, "/org/pacta/Desk/pacta-login-dialog.ui");
    gtk_widget_class_bind_template_child(wc, PactaLoginDialog, url_row);
    gtk_widget_class_bind_template_child(wc, PactaLoginDialog, user_row);
    gtk_widget_class_bind_template_child(wc, PactaLoginDialog, password_row);
    gtk_widget_class_bind_template_child(wc, PactaLoginDialog, ca_row);
    gtk_widget_class_bind_template_child(wc, PactaLoginDialog, ca_button);
    gtk_widget_class_bind_template_child(wc, PactaLoginDialog, login_button);
    gtk_widget_class_bind_template_child(wc, PactaLoginDialog, error_label);
    gtk_widget_class_bind_template_child(wc, PactaLoginDialog, spinner);
}

static void pacta_login_dialog_init(PactaLoginDialog *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    self->ca_file = g_strdup("");
    set_ca(self, "");
    gtk_widget_set_visible(GTK_WIDGET(self->spinner), FALSE);
    g_signal_connect_swapped(self->url_row, "changed", G_CALLBACK(update_sensitive), self);
    g_signal_connect_swapped(self->user_row, "changed", G_CALLBACK(update_sensitive), self);
    g_signal_connect_swapped(self->password_row, "changed", G_CALLBACK(update_sensitive), self);
    g_signal_connect_swapped(self->password_row, "entry-activated", G_CALLBACK(submit), self);
    g_signal_connect_swapped(self->user_row, "entry-activated", G_CALLBACK(submit), self);
    g_signal_connect_swapped(self->login_button, "clicked", G_CALLBACK(submit), self);
    g_signal_connect_swapped(self->ca_button, "clicked", G_CALLBACK(on_choose_ca), self);
    adw_entry_row_set_activates_default(self->user_row, FALSE);
    gtk_window_set_default_widget(GTK_WINDOW(self), GTK_WIDGET(self->login_button));
    update_sensitive(self);
}
