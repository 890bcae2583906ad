/*
 * pacta-desk: PactaDocumentsPane, the documents attached to the contract
 * open in the editor (PROTOCOL.md §6.34-6.41).
 *
 * A list of the contract's documents (name, size, type, who attached it and
 * when), kept live by document.added / document.removed events; "Attach…"
 * (a GtkFileChooserNative, then an upload that resumes by itself after a
 * dropped connection), "Download…" per document (a save chooser, then a
 * download checked against the document's SHA-256 and moved into place),
 * and delete (after a confirmation), with a progress bar and Cancel while a
 * transfer runs.  Attach and delete show only to editors.  Everything is
 * asynchronous: the list, the files and the transfers never block the loop.
 *
 * Test hooks: PACTA_DESK_DOCUMENT_FILE (attach this file instead of asking)
 * and PACTA_DESK_DOCUMENT_SAVE (save downloads here instead of asking).
 *
 * Signals:
 *   "toast"  void (*)(PactaDocumentsPane *, const char *text, gpointer)
 */
#ifndef PACTA_DESK_DOCUMENTS_PANE_H
#define PACTA_DESK_DOCUMENTS_PANE_H

#include <adwaita.h>

#include "pacta-connection.h"

G_BEGIN_DECLS

#define PACTA_TYPE_DOCUMENTS_PANE (pacta_documents_pane_get_type())
G_DECLARE_FINAL_TYPE(PactaDocumentsPane, pacta_documents_pane, PACTA, DOCUMENTS_PANE, GtkBox)

void pacta_documents_pane_setup(PactaDocumentsPane *self, PactaConnection *connection);
/* The contract whose documents to show; NULL or "" (a new contract not
 * saved yet, or none): nothing, and the pane hides. */
void pacta_documents_pane_set_contract(PactaDocumentsPane *self, const char *contract_id);

/* The actions of its buttons. */
void pacta_documents_pane_attach(PactaDocumentsPane *self);
void pacta_documents_pane_download(PactaDocumentsPane *self, guint index);
void pacta_documents_pane_delete(PactaDocumentsPane *self, guint index);

/* For tests: what it shows. */
guint pacta_documents_pane_get_count(PactaDocumentsPane *self);
/* The document at index (borrowed), NULL past the end. */
const json_t *pacta_documents_pane_get_document(PactaDocumentsPane *self, guint index);
gboolean pacta_documents_pane_is_busy(PactaDocumentsPane *self); /* a transfer runs */
double pacta_documents_pane_get_progress(PactaDocumentsPane *self);
const char *pacta_documents_pane_get_status(PactaDocumentsPane *self);
gboolean pacta_documents_pane_can_attach(PactaDocumentsPane *self);
/* The delete confirmation while open, else NULL. */
AdwMessageDialog *pacta_documents_pane_get_confirm_dialog(PactaDocumentsPane *self);

G_END_DECLS

#endif
