/*
 * pacta-desk: PactaConflictDialog, the conflict view.
 *
 * Shows a PactaMerge: the fields merged automatically (only the user
 * changed them), and for each field both sides changed, the two values
 * side by side — "Mine" and "Theirs" with who changed it and when — as a
 * pair of radio rows.  "Save" (or "Apply" when reviewing without saving)
 * is sensitive once every conflict has a choice; it records the choices in
 * the merge and emits "resolved".  "Cancel" emits "cancelled": the caller
 * keeps the user's input as it was.
 */
#ifndef PACTA_DESK_CONFLICT_DIALOG_H
#define PACTA_DESK_CONFLICT_DIALOG_H

#include <adwaita.h>

#include "pacta-merge.h"

G_BEGIN_DECLS

#define PACTA_TYPE_CONFLICT_DIALOG (pacta_conflict_dialog_get_type())
G_DECLARE_FINAL_TYPE(PactaConflictDialog, pacta_conflict_dialog, PACTA, CONFLICT_DIALOG, AdwWindow)

/* save_mode: the button says "Save" (a save is pending) or "Apply". */
PactaConflictDialog *pacta_conflict_dialog_new(GtkWindow *parent, PactaMerge *merge,
                                               gboolean save_mode);
PactaMerge *pacta_conflict_dialog_get_merge(PactaConflictDialog *self);

/* What clicking a side does (tests use it too). */
gboolean pacta_conflict_dialog_choose(PactaConflictDialog *self, const char *field,
                                      PactaMergePick pick);
/* Clicks Save/Apply if every conflict has a choice; returns whether it did. */
gboolean pacta_conflict_dialog_accept(PactaConflictDialog *self);
/* The text shown for a field's side ("mine"/"theirs"), for tests. */
const char *pacta_conflict_dialog_get_value_text(PactaConflictDialog *self, const char *field,
                                                 PactaMergePick side);

G_END_DECLS

#endif
