/*
 * pacta-desk: PactaEditor, the pane that edits one contract.
 *
 * It keeps the record it loaded (the base of a later merge) apart from the
 * widgets (what the user typed), validates every field before sending,
 * saves with the base's version, and on a stale save merges three-way:
 * fields only the user changed are re-sent at once at the new version;
 * fields both sides changed open the PactaConflictDialog.  If the contract
 * changes underneath, a banner says who changed it and when, with a Review
 * button that merges the same way without saving.  Nothing typed is thrown
 * away: cancelling a conflict leaves the input in the form.
 *
 * Signals:
 *   "closed"  void (*)(PactaEditor *, gpointer)   the pane should hide
 *   "toast"   void (*)(PactaEditor *, const char *text, gpointer)
 */
#ifndef PACTA_DESK_EDITOR_H
#define PACTA_DESK_EDITOR_H

#include <adwaita.h>

#include "pacta-connection.h"
#include "pacta-contract-store.h"
#include "pacta-presence.h"

G_BEGIN_DECLS

#define PACTA_TYPE_EDITOR (pacta_editor_get_type())
G_DECLARE_FINAL_TYPE(PactaEditor, pacta_editor, PACTA, EDITOR, GtkBox)

void pacta_editor_setup(PactaEditor *self, PactaConnection *connection, PactaContractStore *store,
                        PactaPresence *presence);

/* Loads a contract (NULL: a new draft).  Callers check is_dirty first. */
void pacta_editor_open(PactaEditor *self, PactaContract *contract);
/* Closes, asking first when there are unsaved changes. */
void pacta_editor_request_close(PactaEditor *self);
/* The same for the window's close: the window closes too once the editor
 * did (after "Discard", or "Save" once saved). */
void pacta_editor_request_close_window(PactaEditor *self);
/* Closes without asking. */
void pacta_editor_close(PactaEditor *self);
void pacta_editor_save(PactaEditor *self);
/* Asks for confirmation (and an optional reason), then deletes. */
void pacta_editor_request_delete(PactaEditor *self);

/* Scrolls to the amendment history (the clock button in the header). */
void pacta_editor_show_history(PactaEditor *self);

gboolean pacta_editor_is_open(PactaEditor *self);
gboolean pacta_editor_is_new(PactaEditor *self);
gboolean pacta_editor_is_dirty(PactaEditor *self);
gboolean pacta_editor_is_busy(PactaEditor *self); /* a save/delete in flight */
/* Id of the contract open (for a new one the id its create will send,
 * chosen when the draft opened), NULL when closed. */
const char *pacta_editor_get_contract_id(PactaEditor *self);
/* Version the edit is based on. */
gint64 pacta_editor_get_base_version(PactaEditor *self);

/* For tests and screenshots: the text widget of a field ("title",
 * "end_date", "amount_cents", "reason", ...) or NULL. */
GtkEditable *pacta_editor_get_entry(PactaEditor *self, const char *field);
/* The "changed underneath" banner. */
gboolean pacta_editor_get_changed_banner_visible(PactaEditor *self);
const char *pacta_editor_get_changed_banner_text(PactaEditor *self);
/* The conflict dialog while open, else NULL. */
GtkWindow *pacta_editor_get_conflict_dialog(PactaEditor *self);
/* The error shown under the form ("" when none). */
const char *pacta_editor_get_error(PactaEditor *self);
/* Rows of the amendment history shown. */
guint pacta_editor_get_history_count(PactaEditor *self);
/* The attached documents of the contract open (pacta-documents-pane.h). */
struct _PactaDocumentsPane *pacta_editor_get_documents(PactaEditor *self);

G_END_DECLS

#endif
