/*
 * pacta-desk: PactaDocumentsPane (see pacta-documents-pane.h).
 */
#define G_LOG_DOMAIN "pacta-documents"

#include "pacta-documents-pane.h"

#include "pacta-contract.h"
#include "pacta-document-transfer.h"

struct _PactaDocumentsPane {
    GtkBox parent_instance;

    AdwPreferencesGroup *group;
    GtkButton *attach_button, *cancel_button;
    GtkListBox *list;
    GtkRevealer *progress_revealer;
    GtkProgressBar *progress_bar;
    GtkLabel *status_label;

    PactaConnection *connection;
    gulong added_handler, removed_handler, subscribed_handler, role_handler, reset_handler;
    char *contract_id;
    json_t *items;             /* the documents shown, oldest first */
    GCancellable *list_cancel; /* the documents.list of this contract */
    GCancellable *transfer_cancel;
    PactaDocumentTransfer *transfer;
    GtkFileChooserNative *chooser;
    AdwMessageDialog *confirm; /* weak */
    char *status;
    double progress;
};

G_DEFINE_FINAL_TYPE(PactaDocumentsPane, pacta_documents_pane, GTK_TYPE_BOX)

enum { SIGNAL_TOAST, N_SIGNALS };
static guint signals[N_SIGNALS];

static void set_status(PactaDocumentsPane *self, const char *text)
{
    g_free(self->status);
    self->status = g_strdup(text ? text : "");
    gtk_label_set_text(self->status_label, self->status);
    gtk_widget_set_visible(GTK_WIDGET(self->status_label), text && *text);
}

static void toast(PactaDocumentsPane *self, const char *text)
{
    set_status(self, text);
    g_signal_emit(self, signals[SIGNAL_TOAST], 0, text);
}

static char *size_text(gint64 bytes)
{
    if (bytes < 1024)
        return g_strdup_printf("%" G_GINT64_FORMAT " bytes", bytes);
    return g_format_size_full((guint64)bytes, G_FORMAT_SIZE_IEC_UNITS);
}

/* "PDF", "PNG", "Word", ... for people; the MIME type otherwise. */
static const char *type_text(const char *mime)
{
    static const struct {
        const char *mime, *text;
    } names[] = {
        {"application/pdf", "PDF"},
        {"image/png", "PNG image"},
        {"image/jpeg", "JPEG image"},
        {"image/tiff", "TIFF image"},
        {"text/plain", "Text"},
        {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word"},
        {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel"},
        {"application/vnd.openxmlformats-officedocument.presentationml.presentation", "PowerPoint"},
        {"application/vnd.oasis.opendocument.text", "OpenDocument text"},
        {"application/vnd.oasis.opendocument.spreadsheet", "OpenDocument spreadsheet"},
        {"application/vnd.oasis.opendocument.presentation", "OpenDocument presentation"},
    };
    for (gsize i = 0; mime && i < G_N_ELEMENTS(names); i++)
        if (g_str_equal(mime, names[i].mime))
            return names[i].text;
    return mime ? mime : "";
}

static gboolean can_edit(PactaDocumentsPane *self)
{
    return self->connection && pacta_connection_can_edit(self->connection);
}

static void on_row_download(GtkButton *button, gpointer data)
{
    guint index = GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(button), "index"));
    pacta_documents_pane_download(data, index);
}

static void on_row_delete(GtkButton *button, gpointer data)
{
    guint index = GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(button), "index"));
    pacta_documents_pane_delete(data, index);
}

static GtkWidget *row_button(PactaDocumentsPane *self, const char *icon, const char *tooltip,
                             guint index, GCallback handler)
{
    GtkWidget *b = gtk_button_new_from_icon_name(icon);
    gtk_widget_set_valign(b, GTK_ALIGN_CENTER);
    gtk_widget_set_tooltip_text(b, tooltip);
    gtk_widget_add_css_class(b, "flat");
    gtk_accessible_update_property(GTK_ACCESSIBLE(b), GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip, -1);
    g_object_set_data(G_OBJECT(b), "index", GUINT_TO_POINTER(index));
    g_signal_connect(b, "clicked", handler, self);
    gtk_widget_set_sensitive(b, self->transfer == NULL);
    return b;
}

/* The list from self->items (few rows: rebuilt whole). */
static void rebuild(PactaDocumentsPane *self)
{
    GtkWidget *child;
    while ((child = gtk_widget_get_first_child(GTK_WIDGET(self->list))))
        gtk_list_box_remove(self->list, child);
    gboolean editor = can_edit(self), busy = self->transfer != NULL;
    gtk_widget_set_visible(GTK_WIDGET(self->attach_button), editor);
    gtk_widget_set_sensitive(GTK_WIDGET(self->attach_button), !busy);
    if (json_array_size(self->items) == 0) {
        GtkWidget *row = adw_action_row_new();
        adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), "No documents attached");
        adw_action_row_set_subtitle(ADW_ACTION_ROW(row),
                                    editor ? "Attach the signed contract, scans or annexes."
                                           : "Documents attached to this contract appear here.");
        gtk_widget_add_css_class(row, "dim-label");
        gtk_list_box_append(self->list, row);
        return;
    }
    size_t i;
    json_t *d;
    json_array_foreach(self->items, i, d)
    {
        const char *name = json_string_value(json_object_get(d, "name"));
        g_autofree char *size = size_text(json_integer_value(json_object_get(d, "size")));
        g_autofree char *when =
            pacta_format_timestamp(json_string_value(json_object_get(d, "uploaded_at")));
        g_autofree char *title = g_markup_escape_text(name ? name : "", -1);
        g_autofree char *subtitle = g_markup_printf_escaped(
            "%s · %s · %s, %s", size, type_text(json_string_value(json_object_get(d, "mime"))),
            json_string_value(json_object_get(d, "uploaded_by")) ?: "?", when ? when : "");
        GtkWidget *row = adw_action_row_new();
        adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), title);
        adw_action_row_set_subtitle(ADW_ACTION_ROW(row), subtitle);
        adw_action_row_set_icon_name(ADW_ACTION_ROW(row), "text-x-generic-symbolic");
        adw_action_row_add_suffix(ADW_ACTION_ROW(row),
                                  row_button(self, "document-save-symbolic", "Download…", (guint)i,
                                             G_CALLBACK(on_row_download)));
        if (editor)
            adw_action_row_add_suffix(ADW_ACTION_ROW(row),
                                      row_button(self, "user-trash-symbolic", "Delete document",
                                                 (guint)i, G_CALLBACK(on_row_delete)));
        gtk_list_box_append(self->list, row);
    }
}

/* ---- the list: loaded, then followed by events ---------------------------------- */

static void on_listed(GObject *source, GAsyncResult *res, gpointer data)
{
    g_autoptr(GError) error = NULL;
    json_t *r = pacta_connection_request_finish(PACTA_CONNECTION(source), res, NULL, &error);
    if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
        json_decref(r);
        return; /* another contract now, or the pane went */
    }
    PactaDocumentsPane *self = data;
    if (!r) {
        set_status(self, error->message);
        return;
    }
    json_decref(self->items);
    self->items = json_incref(json_object_get(r, "items"));
    json_decref(r);
    rebuild(self);
}

static void reload(PactaDocumentsPane *self)
{
    if (self->list_cancel)
        g_cancellable_cancel(self->list_cancel);
    g_clear_object(&self->list_cancel);
    if (!self->contract_id || !self->connection)
        return;
    self->list_cancel = g_cancellable_new();
    json_auto_t *args = json_pack("{s:s}", "contract_id", self->contract_id);
    pacta_connection_request_async(self->connection, "documents.list", args, self->list_cancel,
                                   on_listed, self);
}

static gssize find(PactaDocumentsPane *self, const char *id)
{
    size_t i;
    json_t *d;
    json_array_foreach(self->items, i, d) if (g_strcmp0(json_string_value(json_object_get(d, "id")),
                                                        id) == 0) return (gssize)i;
    return -1;
}

static void on_document_event(PactaConnection *connection, const char *name, gint64 seq,
                              gpointer data, gpointer user_data)
{
    PactaDocumentsPane *self = user_data;
    const json_t *doc = json_object_get(data, "document");
    const char *contract = json_string_value(json_object_get(doc, "contract_id"));
    (void)connection;
    (void)seq;
    if (!self->contract_id || g_strcmp0(contract, self->contract_id) != 0)
        return;
    gssize at = find(self, json_string_value(json_object_get(doc, "id")));
    if (g_str_equal(name, "document.added") && at < 0)
        json_array_append_new(self->items, json_deep_copy(doc));
    else if (g_str_equal(name, "document.removed") && at >= 0)
        json_array_remove(self->items, (size_t)at);
    else
        return;
    rebuild(self);
}

static void on_subscribed(PactaConnection *connection, gint64 head, gboolean resumed, gpointer data)
{
    (void)connection;
    (void)head;
    if (!resumed) /* a fresh subscription (or a restore): what we show may be stale */
        reload(data);
}

/* server.reset: a restore brought the documents back as they were at the
 * backup (PROTOCOL.md §6.30, §7.2), and the subscription stays: list again. */
static void on_reset(PactaConnection *connection, const char *name, gint64 seq, gpointer data,
                     gpointer user_data)
{
    (void)connection;
    (void)name;
    (void)seq;
    (void)data;
    reload(user_data);
}

static void on_role(GObject *object, GParamSpec *pspec, gpointer data)
{
    (void)object;
    (void)pspec;
    rebuild(data);
}

void pacta_documents_pane_setup(PactaDocumentsPane *self, PactaConnection *connection)
{
    g_return_if_fail(self->connection == NULL);
    self->connection = g_object_ref(connection);
    self->added_handler =
        g_signal_connect(connection, "event::document.added", G_CALLBACK(on_document_event), self);
    self->removed_handler = g_signal_connect(connection, "event::document.removed",
                                             G_CALLBACK(on_document_event), self);
    self->subscribed_handler =
        g_signal_connect(connection, "subscribed", G_CALLBACK(on_subscribed), self);
    self->role_handler = g_signal_connect(connection, "notify::role", G_CALLBACK(on_role), self);
    self->reset_handler =
        g_signal_connect(connection, "event::server.reset", G_CALLBACK(on_reset), self);
}

void pacta_documents_pane_set_contract(PactaDocumentsPane *self, const char *contract_id)
{
    if (contract_id && !*contract_id)
        contract_id = NULL;
    if (g_strcmp0(contract_id, self->contract_id) == 0)
        return;
    g_free(self->contract_id);
    self->contract_id = g_strdup(contract_id);
    json_decref(self->items);
    self->items = json_array();
    set_status(self, NULL);
    rebuild(self);
    gtk_widget_set_visible(GTK_WIDGET(self), contract_id != NULL);
    reload(self);
}

/* ---- transfers ------------------------------------------------------------------- */

static void on_progress(PactaDocumentTransfer *transfer, gint64 done, gint64 total, gpointer data)
{
    PactaDocumentsPane *self = data;
    self->progress = total > 0 ? (double)done / (double)total : 0;
    g_autofree char *d = size_text(done), *t = size_text(total);
    g_autofree char *text = g_strdup_printf(
        "%s %s: %s of %s", pacta_document_transfer_is_upload(transfer) ? "Sending" : "Saving",
        pacta_document_transfer_get_name(transfer), d, t);
    gtk_progress_bar_set_fraction(self->progress_bar, self->progress);
    gtk_progress_bar_set_text(self->progress_bar, text);
}

static void transfer_ended(PactaDocumentsPane *self)
{
    g_clear_object(&self->transfer);
    g_clear_object(&self->transfer_cancel);
    gtk_revealer_set_reveal_child(self->progress_revealer, FALSE);
    rebuild(self);
}

static void on_transfer_done(GObject *source, GAsyncResult *res, gpointer data)
{
    PactaDocumentsPane *self = data;
    PactaDocumentTransfer *t = PACTA_DOCUMENT_TRANSFER(source);
    g_autoptr(GError) error = NULL;
    g_autofree char *text = NULL;
    if (pacta_document_transfer_run_finish(t, res, &error)) {
        if (pacta_document_transfer_is_upload(t)) {
            const json_t *doc = pacta_document_transfer_get_document(t);
            /* the event may come after the answer: show it now either way */
            if (doc && find(self, json_string_value(json_object_get(doc, "id"))) < 0 &&
                g_strcmp0(json_string_value(json_object_get(doc, "contract_id")),
                          self->contract_id) == 0)
                json_array_append_new(self->items, json_deep_copy(doc));
            text = g_strdup_printf("Attached %s", pacta_document_transfer_get_name(t));
        } else {
            text = g_strdup_printf("Saved %s", pacta_document_transfer_get_name(t));
        }
    } else if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
        text = g_strdup_printf("Cancelled: %s", pacta_document_transfer_get_name(t));
    } else {
        text = g_strdup_printf("%s failed: %s",
                               pacta_document_transfer_is_upload(t) ? "Attaching" : "Saving",
                               error->message);
    }
    self->progress = 1;
    transfer_ended(self);
    toast(self, text);
    g_object_unref(self);
}

static void start(PactaDocumentsPane *self, PactaDocumentTransfer *transfer)
{
    self->transfer = transfer;
    self->transfer_cancel = g_cancellable_new();
    self->progress = 0;
    g_signal_connect_object(transfer, "progress", G_CALLBACK(on_progress), self, 0);
    gtk_progress_bar_set_fraction(self->progress_bar, 0);
    gtk_progress_bar_set_text(self->progress_bar, pacta_document_transfer_get_name(transfer));
    gtk_revealer_set_reveal_child(self->progress_revealer, TRUE);
    set_status(self, NULL);
    rebuild(self);
    pacta_document_transfer_run_async(transfer, self->transfer_cancel, on_transfer_done,
                                      g_object_ref(self));
}

static void on_cancel_clicked(PactaDocumentsPane *self)
{
    if (self->transfer_cancel)
        g_cancellable_cancel(self->transfer_cancel);
}

static void upload_file(PactaDocumentsPane *self, GFile *file)
{
    if (!self->contract_id || self->transfer)
        return;
    start(self,
          pacta_document_transfer_new_upload(self->connection, self->contract_id, file, NULL));
}

static void on_open_response(GtkNativeDialog *dialog, int response, gpointer data)
{
    PactaDocumentsPane *self = data;
    if (response == GTK_RESPONSE_ACCEPT) {
        g_autoptr(GFile) file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));
        if (file)
            upload_file(self, file);
    }
    gtk_native_dialog_destroy(dialog);
    g_clear_object(&self->chooser);
}

static GtkWindow *window_of(PactaDocumentsPane *self)
{
    GtkRoot *root = gtk_widget_get_root(GTK_WIDGET(self));
    return GTK_IS_WINDOW(root) ? GTK_WINDOW(root) : NULL;
}

void pacta_documents_pane_attach(PactaDocumentsPane *self)
{
    if (!self->contract_id || self->transfer || self->chooser || !can_edit(self))
        return;
    const char *test_file = g_getenv("PACTA_DESK_DOCUMENT_FILE");
    if (test_file && *test_file) { /* the test hook: no chooser */
        g_autoptr(GFile) file = g_file_new_for_path(test_file);
        upload_file(self, file);
        return;
    }
    self->chooser = gtk_file_chooser_native_new("Attach a Document", window_of(self),
                                                GTK_FILE_CHOOSER_ACTION_OPEN, "_Attach", "_Cancel");
    gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(self->chooser), TRUE);
    g_signal_connect(self->chooser, "response", G_CALLBACK(on_open_response), self);
    gtk_native_dialog_show(GTK_NATIVE_DIALOG(self->chooser));
}

static void on_attach_clicked(PactaDocumentsPane *self)
{
    pacta_documents_pane_attach(self);
}

static void download_to(PactaDocumentsPane *self, const json_t *doc, GFile *dest)
{
    if (self->transfer)
        return;
    start(self, pacta_document_transfer_new_download(self->connection, doc, dest));
}

static void on_save_response(GtkNativeDialog *dialog, int response, gpointer data)
{
    PactaDocumentsPane *self = data;
    json_t *doc = g_object_get_data(G_OBJECT(dialog), "document");
    if (response == GTK_RESPONSE_ACCEPT) {
        g_autoptr(GFile) file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));
        if (file)
            download_to(self, doc, file);
    }
    gtk_native_dialog_destroy(dialog);
    g_clear_object(&self->chooser);
}

void pacta_documents_pane_download(PactaDocumentsPane *self, guint index)
{
    const json_t *doc = pacta_documents_pane_get_document(self, index);
    if (!doc || self->transfer || self->chooser)
        return;
    const char *test_path = g_getenv("PACTA_DESK_DOCUMENT_SAVE");
    if (test_path && *test_path) {
        g_autoptr(GFile) file = g_file_new_for_path(test_path);
        download_to(self, doc, file);
        return;
    }
    self->chooser = gtk_file_chooser_native_new("Save the Document", window_of(self),
                                                GTK_FILE_CHOOSER_ACTION_SAVE, "_Save", "_Cancel");
    gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(self->chooser), TRUE);
    gtk_file_chooser_set_current_name(GTK_FILE_CHOOSER(self->chooser),
                                      json_string_value(json_object_get(doc, "name")));
    g_object_set_data_full(G_OBJECT(self->chooser), "document", json_deep_copy(doc),
                           (GDestroyNotify)json_decref);
    g_signal_connect(self->chooser, "response", G_CALLBACK(on_save_response), self);
    gtk_native_dialog_show(GTK_NATIVE_DIALOG(self->chooser));
}

/* ---- delete ---------------------------------------------------------------------------- */

static void on_deleted(GObject *source, GAsyncResult *res, gpointer data)
{
    PactaDocumentsPane *self = data;
    g_autoptr(GError) error = NULL;
    json_t *r = pacta_connection_request_finish(PACTA_CONNECTION(source), res, NULL, &error);
    if (r) {
        const json_t *doc = json_object_get(r, "document");
        gssize at = find(self, json_string_value(json_object_get(doc, "id")));
        if (at >= 0)
            json_array_remove(self->items, (size_t)at);
        g_autofree char *text =
            g_strdup_printf("Deleted %s", json_string_value(json_object_get(doc, "name")));
        rebuild(self);
        toast(self, text);
    } else {
        g_autofree char *text = g_strdup_printf("Deleting failed: %s", error->message);
        toast(self, text);
    }
    json_decref(r);
    g_object_unref(self);
}

static void on_confirm_response(AdwMessageDialog *dialog, const char *response, gpointer data)
{
    PactaDocumentsPane *self = data;
    const char *id = g_object_get_data(G_OBJECT(dialog), "id");
    if (g_str_equal(response, "delete") && id) {
        json_auto_t *args = json_pack("{s:s}", "id", id);
        pacta_connection_request_async(self->connection, "documents.delete", args, NULL, on_deleted,
                                       g_object_ref(self));
    }
}

void pacta_documents_pane_delete(PactaDocumentsPane *self, guint index)
{
    const json_t *doc = pacta_documents_pane_get_document(self, index);
    if (!doc || self->confirm || !can_edit(self))
        return;
    const char *name = json_string_value(json_object_get(doc, "name"));
    GtkWidget *dialog = adw_message_dialog_new(window_of(self), "Delete the document?", NULL);
    adw_message_dialog_format_body(ADW_MESSAGE_DIALOG(dialog),
                                   "“%s” will no longer be listed or downloadable. The "
                                   "record of it stays in the contract's history.",
                                   name ? name : "");
    adw_message_dialog_add_responses(ADW_MESSAGE_DIALOG(dialog), "cancel", "_Cancel", "delete",
                                     "_Delete", NULL);
    adw_message_dialog_set_response_appearance(ADW_MESSAGE_DIALOG(dialog), "delete",
                                               ADW_RESPONSE_DESTRUCTIVE);
    adw_message_dialog_set_default_response(ADW_MESSAGE_DIALOG(dialog), "cancel");
    adw_message_dialog_set_close_response(ADW_MESSAGE_DIALOG(dialog), "cancel");
    g_object_set_data_full(G_OBJECT(dialog), "id",
                           g_strdup(json_string_value(json_object_get(doc, "id"))), g_free);
    g_signal_connect(dialog, "response", G_CALLBACK(on_confirm_response), self);
    self->confirm = ADW_MESSAGE_DIALOG(dialog);
    g_object_add_weak_pointer(G_OBJECT(dialog), (gpointer *)&self->confirm);
    gtk_window_present(GTK_WINDOW(dialog));
}

/* ---- accessors ---------------------------------------------------------------------------- */

guint pacta_documents_pane_get_count(PactaDocumentsPane *self)
{
    return (guint)json_array_size(self->items);
}

const json_t *pacta_documents_pane_get_document(PactaDocumentsPane *self, guint index)
{
    return json_array_get(self->items, index);
}

gboolean pacta_documents_pane_is_busy(PactaDocumentsPane *self)
{
    return self->transfer != NULL;
}

double pacta_documents_pane_get_progress(PactaDocumentsPane *self)
{
    return self->progress;
}

const char *pacta_documents_pane_get_status(PactaDocumentsPane *self)
{
    return self->status ? self->status : "";
}

gboolean pacta_documents_pane_can_attach(PactaDocumentsPane *self)
{
    return gtk_widget_get_visible(GTK_WIDGET(self->attach_button)) &&
           gtk_widget_get_sensitive(GTK_WIDGET(self->attach_button));
}

AdwMessageDialog *pacta_documents_pane_get_confirm_dialog(PactaDocumentsPane *self)
{
    return self->confirm;
}

/* ---- GObject ------------------------------------------------------------------------------- */

static void pacta_documents_pane_dispose(GObject *object)
{
    PactaDocumentsPane *self = PACTA_DOCUMENTS_PANE(object);
    if (self->list_cancel)
        g_cancellable_cancel(self->list_cancel);
    g_clear_object(&self->list_cancel);
    if (self->transfer_cancel)
        g_cancellable_cancel(self->transfer_cancel);
    if (self->chooser)
        gtk_native_dialog_destroy(GTK_NATIVE_DIALOG(self->chooser));
    g_clear_object(&self->chooser);
    if (self->connection) {
        g_clear_signal_handler(&self->added_handler, self->connection);
        g_clear_signal_handler(&self->removed_handler, self->connection);
        g_clear_signal_handler(&self->subscribed_handler, self->connection);
        g_clear_signal_handler(&self->role_handler, self->connection);
        g_clear_signal_handler(&self->reset_handler, self->connection);
    }
    g_clear_object(&self->connection);
    gtk_widget_dispose_template(GTK_WIDGET(self), PACTA_TYPE_DOCUMENTS_PANE);
    G_OBJECT_CLASS(pacta_documents_pane_parent_class)->dispose(object);
}

static void pacta_documents_pane_finalize(GObject *object)
{
    PactaDocumentsPane *self = PACTA_DOCUMENTS_PANE(object);
    g_free(self->contract_id);
    g_free(self->status);
    json_decref(self->items);
    G_OBJECT_CLASS(pacta_documents_pane_parent_class)->finalize(object);
}

static void pacta_documents_pane_class_init(PactaDocumentsPaneClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
    object_class->dispose = pacta_documents_pane_dispose;
    object_class->finalize = pacta_documents_pane_finalize;
    signals[SIGNAL_TOAST] = g_signal_new("toast", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/pacta/Desk/pacta-documents-pane.ui");
    gtk_widget_class_bind_template_child(widget_class, PactaDocumentsPane, group);
    gtk_widget_class_bind_template_child(widget_class, PactaDocumentsPane, attach_button);
    gtk_widget_class_bind_template_child(widget_class, PactaDocumentsPane, cancel_button);
    gtk_widget_class_bind_template_child(widget_class, PactaDocumentsPane, list);
    gtk_widget_class_bind_template_child(widget_class, PactaDocumentsPane, progress_revealer);
    gtk_widget_class_bind_template_child(widget_class, PactaDocumentsPane, progress_bar);
    gtk_widget_class_bind_template_child(widget_class, PactaDocumentsPane, status_label);
    gtk_widget_class_bind_template_callback(widget_class, on_attach_clicked);
    gtk_widget_class_bind_template_callback(widget_class, on_cancel_clicked);
}

static void pacta_documents_pane_init(PactaDocumentsPane *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    self->items = json_array();
    gtk_widget_set_visible(GTK_WIDGET(self), FALSE);
    rebuild(self);
}
