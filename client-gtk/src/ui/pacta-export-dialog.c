/*
 * pacta-desk: PactaExportDialog (see pacta-export-dialog.h).  Built in
 * code: a title, a status line, a progress bar and one button (Cancel
 * while running, Close after; Open shows the saved file).
 */
#define G_LOG_DOMAIN "pacta-export-dialog"

#include "pacta-export-dialog.h"

#include "pacta-export.h"

struct _PactaExportDialog {
    AdwWindow parent_instance;
    PactaConnection *connection;
    json_t *args;         /* export.contracts arguments but the format */
    char *suggested_name; /* without extension */
    gboolean report;      /* one contract: PDF only */
    GtkFileChooserNative *chooser;
    GtkLabel *status, *detail;
    GtkProgressBar *bar;
    GtkButton *button, *open_button;
    PactaExport *export;
    GCancellable *cancellable;
    gboolean running;
};

G_DEFINE_FINAL_TYPE(PactaExportDialog, pacta_export_dialog, ADW_TYPE_WINDOW)

enum { SIGNAL_DONE, N_SIGNALS };
static guint signals[N_SIGNALS];

static const char *const formats[] = {"xlsx", "csv", "pdf", NULL};
static const char *const format_labels[] = {"Spreadsheet (XLSX)", "CSV", "PDF report", NULL};

static void set_status(PactaExportDialog *self, const char *status, const char *detail)
{
    gtk_label_set_text(self->status, status);
    gtk_label_set_text(self->detail, detail ? detail : "");
}

static void on_progress(PactaExport *export, const char *stage, gint64 done, gint64 total,
                        gpointer data)
{
    PactaExportDialog *self = data;
    g_autofree char *text = NULL;
    (void)export;
    if (g_str_equal(stage, "downloading")) {
        text = g_strdup_printf("Downloading: %.1f of %.1f MB", done / 1e6, total / 1e6);
        gtk_progress_bar_set_fraction(self->bar, total > 0 ? (double)done / (double)total : 1);
    } else if (total >= 0) {
        text = g_strdup_printf("The server is writing the file: %" G_GINT64_FORMAT
                               " of %" G_GINT64_FORMAT " contracts",
                               done, total);
        gtk_progress_bar_set_fraction(self->bar, total > 0 ? (double)done / (double)total : 1);
    } else {
        text = g_strdup_printf("The server is selecting contracts: %" G_GINT64_FORMAT, done);
        gtk_progress_bar_pulse(self->bar);
    }
    set_status(self, "Exporting…", text);
}

static void finished(PactaExportDialog *self, gboolean ok, const char *status, const char *detail)
{
    self->running = FALSE;
    set_status(self, status, detail);
    gtk_button_set_label(self->button, "Close");
    gtk_widget_remove_css_class(GTK_WIDGET(self->button), "destructive-action");
    gtk_widget_set_visible(GTK_WIDGET(self->open_button), ok);
    g_signal_emit(self, signals[SIGNAL_DONE], 0, ok, detail ? detail : status);
}

static void export_done(GObject *src, GAsyncResult *res, gpointer data)
{
    PactaExportDialog *self = data;
    PactaExport *export = PACTA_EXPORT(src);
    g_autoptr(GError) error = NULL;
    if (pacta_export_run_finish(export, res, &error)) {
        g_autofree char *name = g_file_get_basename(pacta_export_get_dest(export));
        g_autofree char *detail = g_strdup_printf(
            "%s: %" G_GINT64_FORMAT " contract%s, %.1f MB", name, pacta_export_get_rows(export),
            pacta_export_get_rows(export) == 1 ? "" : "s", pacta_export_get_size(export) / 1e6);
        gtk_progress_bar_set_fraction(self->bar, 1);
        finished(self, TRUE, "Saved", detail);
    } else if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
        finished(self, FALSE, "Cancelled", "Nothing was saved.");
    } else {
        finished(self, FALSE, "The export failed", error->message);
    }
    g_object_unref(self); /* the run's reference */
}

/* `spreadsheet`: a CSV for spreadsheet programs, with a byte order mark and
 * texts starting with = + - @ made text (escape_formulas, PROTOCOL.md): an
 * editor's "=HYPERLINK(...)" title must not run when a viewer opens it. */
static void start_export(PactaExportDialog *self, GFile *file, const char *format,
                         gboolean spreadsheet)
{
    json_t *args = json_deep_copy(self->args);
    json_object_set_new(args, "format", json_string(format));
    if (spreadsheet && g_str_equal(format, "csv")) {
        json_object_set_new(args, "bom", json_true());
        json_object_set_new(args, "escape_formulas", json_true());
    }
    self->export = pacta_export_new(self->connection, args, file);
    json_decref(args);
    g_signal_connect(self->export, "progress", G_CALLBACK(on_progress), self);
    self->cancellable = g_cancellable_new();
    self->running = TRUE;
    set_status(self, "Exporting…", "Waiting for the server");
    gtk_window_present(GTK_WINDOW(self));
    pacta_export_run_async(self->export, self->cancellable, export_done, g_object_ref(self));
}

/* The file name with the format's extension (a name typed without one gets it). */
static GFile *with_extension(GFile *file, const char *format)
{
    g_autofree char *base = g_file_get_basename(file);
    g_autofree char *ext = g_strdup_printf(".%s", format);
    if (base && g_str_has_suffix(base, ext))
        return g_object_ref(file);
    g_autoptr(GFile) dir = g_file_get_parent(file);
    g_autofree char *name = g_strconcat(base ? base : "export", ext, NULL);
    return dir ? g_file_get_child(dir, name) : g_file_new_for_path(name);
}

/* Not from inside the chooser's own signal: it is ours to destroy. */
static void destroy_later(PactaExportDialog *self)
{
    g_idle_add_once((GSourceOnceFunc)gtk_window_destroy, self);
}

static void on_chooser_response(GtkNativeDialog *native, int response, gpointer data)
{
    PactaExportDialog *self = data;
    GtkFileChooser *chooser = GTK_FILE_CHOOSER(native);
    if (response != GTK_RESPONSE_ACCEPT) {
        destroy_later(self);
        return;
    }
    g_autoptr(GFile) chosen = gtk_file_chooser_get_file(chooser);
    const char *format = self->report ? "pdf" : gtk_file_chooser_get_choice(chooser, "format");
    const char *bom = self->report ? NULL : gtk_file_chooser_get_choice(chooser, "bom");
    if (!chosen || !format) {
        destroy_later(self);
        return;
    }
    g_autoptr(GFile) file = with_extension(chosen, format);
    start_export(self, file, format, g_strcmp0(bom, "true") == 0);
}

static void ask_for_file(PactaExportDialog *self, GtkWindow *parent)
{
    const char *test_file = g_getenv("PACTA_DESK_EXPORT_FILE");
    if (test_file && *test_file) { /* the test hook: no chooser, the format from the name */
        g_autoptr(GFile) file = g_file_new_for_path(test_file);
        const char *dot = strrchr(test_file, '.');
        start_export(self, file,
                     self->report ? "pdf"
                     : dot        ? dot + 1
                                  : "xlsx",
                     g_strcmp0(g_getenv("PACTA_DESK_EXPORT_SPREADSHEET"), "true") == 0);
        return;
    }
    self->chooser =
        gtk_file_chooser_native_new(self->report ? "Export Contract Report" : "Export Contracts",
                                    parent, GTK_FILE_CHOOSER_ACTION_SAVE, "_Export", "_Cancel");
    GtkFileChooser *chooser = GTK_FILE_CHOOSER(self->chooser);
    g_autofree char *name =
        g_strdup_printf("%s.%s", self->suggested_name, self->report ? "pdf" : "xlsx");
    gtk_file_chooser_set_current_name(chooser, name);
    if (!self->report) {
        gtk_file_chooser_add_choice(chooser, "format", "Format", (const char **)formats,
                                    (const char **)format_labels);
        gtk_file_chooser_set_choice(chooser, "format", "xlsx");
        gtk_file_chooser_add_choice(chooser, "bom",
                                    "CSV for spreadsheet programs (byte order mark, formulas"
                                    " shown as text)",
                                    NULL, NULL);
    }
    gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(self->chooser), TRUE);
    g_signal_connect(self->chooser, "response", G_CALLBACK(on_chooser_response), self);
    gtk_native_dialog_show(GTK_NATIVE_DIALOG(self->chooser));
}

void pacta_export_dialog_cancel(PactaExportDialog *self)
{
    g_return_if_fail(PACTA_IS_EXPORT_DIALOG(self));
    if (!self->running)
        return;
    set_status(self, "Cancelling…", NULL);
    g_cancellable_cancel(self->cancellable);
}

static void on_button(GtkButton *button, gpointer data)
{
    PactaExportDialog *self = data;
    (void)button;
    if (self->running) {
        pacta_export_dialog_cancel(self);
    } else {
        gtk_window_close(GTK_WINDOW(self));
    }
}

static void on_open(GtkButton *button, gpointer data)
{
    PactaExportDialog *self = data;
    (void)button;
    g_autofree char *uri = g_file_get_uri(pacta_export_get_dest(self->export));
    gtk_show_uri(GTK_WINDOW(self), uri, GDK_CURRENT_TIME);
}

/* Closing the window while it runs cancels the export first. */
static gboolean on_close_request(GtkWindow *window)
{
    PactaExportDialog *self = PACTA_EXPORT_DIALOG(window);
    if (self->running)
        g_cancellable_cancel(self->cancellable);
    return FALSE;
}

static void pacta_export_dialog_dispose(GObject *object)
{
    PactaExportDialog *self = PACTA_EXPORT_DIALOG(object);
    if (self->chooser) {
        g_signal_handlers_disconnect_by_data(self->chooser, self);
        gtk_native_dialog_destroy(GTK_NATIVE_DIALOG(self->chooser));
        g_clear_object(&self->chooser);
    }
    if (self->export)
        g_signal_handlers_disconnect_by_data(self->export, self);
    g_clear_object(&self->export);
    g_clear_object(&self->cancellable);
    g_clear_object(&self->connection);
    G_OBJECT_CLASS(pacta_export_dialog_parent_class)->dispose(object);
}

static void pacta_export_dialog_finalize(GObject *object)
{
    PactaExportDialog *self = PACTA_EXPORT_DIALOG(object);
    json_decref(self->args);
    g_free(self->suggested_name);
    G_OBJECT_CLASS(pacta_export_dialog_parent_class)->finalize(object);
}

static void pacta_export_dialog_class_init(PactaExportDialogClass *klass)
{
    G_OBJECT_CLASS(klass)->dispose = pacta_export_dialog_dispose;
    G_OBJECT_CLASS(klass)->finalize = pacta_export_dialog_finalize;
    GTK_WINDOW_CLASS(klass)->close_request = on_close_request;
    signals[SIGNAL_DONE] =
        g_signal_new("done", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                     G_TYPE_NONE, 2, G_TYPE_BOOLEAN, G_TYPE_STRING);
}

static void pacta_export_dialog_init(PactaExportDialog *self)
{
    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 12);
    GtkWidget *header = adw_header_bar_new();
    GtkWidget *body = gtk_box_new(GTK_ORIENTATION_VERTICAL, 12);
    GtkWidget *buttons = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);

    gtk_window_set_default_size(GTK_WINDOW(self), 420, -1);
    gtk_window_set_resizable(GTK_WINDOW(self), FALSE);
    gtk_widget_set_margin_start(body, 18);
    gtk_widget_set_margin_end(body, 18);
    gtk_widget_set_margin_bottom(body, 18);
    self->status = GTK_LABEL(gtk_label_new("Exporting…"));
    gtk_widget_add_css_class(GTK_WIDGET(self->status), "title-4");
    gtk_label_set_xalign(self->status, 0);
    self->detail = GTK_LABEL(gtk_label_new(""));
    gtk_label_set_xalign(self->detail, 0);
    gtk_label_set_wrap(self->detail, TRUE);
    gtk_widget_add_css_class(GTK_WIDGET(self->detail), "dim-label");
    self->bar = GTK_PROGRESS_BAR(gtk_progress_bar_new());
    self->button = GTK_BUTTON(gtk_button_new_with_mnemonic("_Cancel"));
    self->open_button = GTK_BUTTON(gtk_button_new_with_mnemonic("_Open"));
    gtk_widget_set_visible(GTK_WIDGET(self->open_button), FALSE);
    gtk_widget_add_css_class(GTK_WIDGET(self->open_button), "suggested-action");
    gtk_widget_set_halign(buttons, GTK_ALIGN_END);
    gtk_box_append(GTK_BOX(buttons), GTK_WIDGET(self->open_button));
    gtk_box_append(GTK_BOX(buttons), GTK_WIDGET(self->button));
    g_signal_connect(self->button, "clicked", G_CALLBACK(on_button), self);
    g_signal_connect(self->open_button, "clicked", G_CALLBACK(on_open), self);

    gtk_box_append(GTK_BOX(body), GTK_WIDGET(self->status));
    gtk_box_append(GTK_BOX(body), GTK_WIDGET(self->bar));
    gtk_box_append(GTK_BOX(body), GTK_WIDGET(self->detail));
    gtk_box_append(GTK_BOX(body), buttons);
    gtk_box_append(GTK_BOX(box), header);
    gtk_box_append(GTK_BOX(box), body);
    adw_window_set_content(ADW_WINDOW(self), box);
}

PactaExportDialog *pacta_export_dialog_start(GtkWindow *parent, PactaConnection *connection,
                                             const json_t *filters, const char *contract_id,
                                             const char *contract_number)
{
    g_return_val_if_fail(PACTA_IS_CONNECTION(connection), NULL);
    PactaExportDialog *self = g_object_new(PACTA_TYPE_EXPORT_DIALOG, NULL);
    self->connection = g_object_ref(connection);
    self->args = json_object();
    if (contract_id) {
        self->report = TRUE;
        json_object_set_new(self->args, "contract_id", json_string(contract_id));
        g_autofree char *safe = g_strdup(contract_number ? contract_number : "report");
        g_strdelimit(safe, "/\\:*?\"<>| ", '_');
        self->suggested_name = g_strdup_printf("contract-%s", safe);
        gtk_window_set_title(GTK_WINDOW(self), "Export Contract Report");
    } else {
        if (filters && json_object_size(filters))
            json_object_set_new(self->args, "filters", json_deep_copy(filters));
        g_autoptr(GDateTime) now = g_date_time_new_now_local();
        self->suggested_name = g_date_time_format(now, "contracts-%Y%m%d");
        gtk_window_set_title(GTK_WINDOW(self), "Export Contracts");
    }
    if (parent) {
        gtk_window_set_transient_for(GTK_WINDOW(self), parent);
        gtk_window_set_modal(GTK_WINDOW(self), TRUE);
    }
    ask_for_file(self, parent);
    return self;
}

const char *pacta_export_dialog_get_status(PactaExportDialog *self)
{
    return gtk_label_get_text(self->status);
}

gboolean pacta_export_dialog_is_running(PactaExportDialog *self)
{
    return self->running;
}
