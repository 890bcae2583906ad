/*
 * pacta-desk: PactaEditor's closing (see pacta-editor.h): with unsaved
 * input it asks first — Keep Editing, Discard, or Save and then close (the
 * window too when the close was the window's).
 */
#define G_LOG_DOMAIN "pacta-editor"

#include "pacta-editor-private.h"

static gboolean close_window_idle(gpointer data)
{
    gtk_window_close(GTK_WINDOW(data));
    return G_SOURCE_REMOVE;
}

/* Closes the editor, and its window when that was asked: from the main
 * loop, not inside the close dialog's response (the dialog, transient for
 * the window, is torn down after its handlers). */
static void close_as_asked(PactaEditor *self, gboolean window)
{
    GtkRoot *root = gtk_widget_get_root(GTK_WIDGET(self));
    pacta_editor_close(self);
    if (window && GTK_IS_WINDOW(root))
        g_idle_add_full(G_PRIORITY_DEFAULT, close_window_idle, g_object_ref(root), g_object_unref);
}

void pacta_editor__close_if_asked(PactaEditor *self)
{
    if (self->open && self->close_after_save && !self->busy && !pacta_editor_is_dirty(self))
        close_as_asked(self, self->close_window_after);
    self->close_after_save = self->close_window_after = FALSE;
}

static void discard_response(AdwMessageDialog *dialog, const char *response, gpointer user_data)
{
    PactaEditor *self = user_data;
    gboolean window = GPOINTER_TO_INT(g_object_get_data(G_OBJECT(dialog), "pacta-close-window"));
    if (!self->open)
        return;
    if (g_str_equal(response, "discard")) {
        close_as_asked(self, window);
    } else if (g_str_equal(response, "save")) {
        self->close_after_save = TRUE;
        self->close_window_after = window;
        pacta_editor_save(self);
        if (!self->busy) /* not sent (a field to fix, a reason missing): all stays */
            pacta_editor__close_if_asked(self);
    }
}

static void request_close(PactaEditor *self, gboolean window)
{
    if (!self->open)
        return;
    if (!pacta_editor_is_dirty(self)) {
        close_as_asked(self, window);
        return;
    }
    GtkWindow *parent = GTK_WINDOW(gtk_widget_get_root(GTK_WIDGET(self)));
    GtkWidget *dialog = adw_message_dialog_new(parent, "Discard Unsaved Changes?",
                                               "Your changes to this contract are not saved yet.");
    adw_message_dialog_add_responses(ADW_MESSAGE_DIALOG(dialog), "cancel", "_Keep Editing",
                                     "discard", "_Discard", "save", "_Save", NULL);
    adw_message_dialog_set_response_appearance(ADW_MESSAGE_DIALOG(dialog), "discard",
                                               ADW_RESPONSE_DESTRUCTIVE);
    adw_message_dialog_set_response_appearance(ADW_MESSAGE_DIALOG(dialog), "save",
                                               ADW_RESPONSE_SUGGESTED);
    adw_message_dialog_set_default_response(ADW_MESSAGE_DIALOG(dialog), "save");
    adw_message_dialog_set_close_response(ADW_MESSAGE_DIALOG(dialog), "cancel");
    g_object_set_data(G_OBJECT(dialog), "pacta-close-window", GINT_TO_POINTER(window));
    g_signal_connect_object(dialog, "response", G_CALLBACK(discard_response), self, 0);
    gtk_window_present(GTK_WINDOW(dialog));
}

void pacta_editor_request_close(PactaEditor *self)
{
    request_close(self, FALSE);
}

void pacta_editor_request_close_window(PactaEditor *self)
{
    request_close(self, TRUE);
}
