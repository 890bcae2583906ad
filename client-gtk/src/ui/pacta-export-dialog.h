/*
 * pacta-desk: PactaExportDialog, "Export…" of the contract list (with the
 * list's current filters) or of one contract (its PDF report).
 *
 * pacta_export_dialog_start() first asks where to save with a
 * GtkFileChooserNative (GTK 4.8 has no GtkFileDialog), whose choices pick
 * the format (XLSX, CSV, PDF) and, for CSV, a byte order mark.  Then this
 * small window shows the export's progress (the server selecting and
 * writing rows, then the download) with a Cancel button, and at the end
 * what was saved, or why not.  All of it asynchronous: the main loop never
 * waits (PactaExport).
 *
 * Test hook: when $PACTA_DESK_EXPORT_FILE is set, the file chooser is
 * skipped and that path is used; the format is its extension (.xlsx, .csv,
 * .pdf), and $PACTA_DESK_EXPORT_SPREADSHEET=true stands for the chooser's
 * "CSV for spreadsheet programs" box.  Nothing else changes.
 *
 * Signal "done": void (*)(PactaExportDialog *, gboolean ok, const char
 * *message, gpointer) when the export ended (ok, failed or cancelled).
 */
#ifndef PACTA_DESK_EXPORT_DIALOG_H
#define PACTA_DESK_EXPORT_DIALOG_H

#include <adwaita.h>
#include <jansson.h>

#include "pacta-connection.h"

G_BEGIN_DECLS

#define PACTA_TYPE_EXPORT_DIALOG (pacta_export_dialog_get_type())
G_DECLARE_FINAL_TYPE(PactaExportDialog, pacta_export_dialog, PACTA, EXPORT_DIALOG, AdwWindow)

/*
 * filters: contracts.list filters (borrowed; NULL or {} for all) for the
 * list; or contract_id (and its number, for the file name) for a contract
 * report.  Returns the dialog (owned by GTK as a toplevel; shown once a
 * file was chosen, destroyed if the choice is cancelled).
 */
PactaExportDialog *pacta_export_dialog_start(GtkWindow *parent, PactaConnection *connection,
                                             const json_t *filters, const char *contract_id,
                                             const char *contract_number);
/* The status line shown now (tests). */
const char *pacta_export_dialog_get_status(PactaExportDialog *self);
/* TRUE while the export runs. */
gboolean pacta_export_dialog_is_running(PactaExportDialog *self);
/* What the Cancel button does: stops a running export (nothing is saved). */
void pacta_export_dialog_cancel(PactaExportDialog *self);

G_END_DECLS

#endif
