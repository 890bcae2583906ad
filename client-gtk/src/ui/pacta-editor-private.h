/*
 * pacta-desk: PactaEditor internals shared by pacta-editor.c (form,
 * header, open/close), pacta-editor-live.c (changes underneath: the
 * banner, set_base, adopt_created, catch_up) and pacta-editor-save.c (save,
 * three-way merge, conflict view, review, delete).  Not for other files.
 */
#ifndef PACTA_DESK_EDITOR_PRIVATE_H
#define PACTA_DESK_EDITOR_PRIVATE_H

#include "pacta-editor.h"

#include "pacta-conflict-dialog.h"
#include "pacta-documents-pane.h"
#include "pacta-merge.h"

G_BEGIN_DECLS

struct _PactaEditor {
    GtkBox parent_instance;

    AdwWindowTitle *window_title;
    GtkLabel *presence_label;
    GtkRevealer *changed_revealer;
    GtkLabel *changed_label;
    GtkButton *review_button;
    AdwEntryRow *number_row, *title_row, *counterparty_row, *owner_row;
    AdwComboRow *kind_row, *status_row, *renewal_row;
    AdwEntryRow *sign_date_row, *start_date_row, *end_date_row;
    GtkSpinButton *notice_spin;
    GtkSpinButton *renewal_months_spin;
    AdwEntryRow *amount_row, *currency_row, *reason_row;
    AdwPreferencesGroup *reason_group, *history_group;
    GtkTextView *description_view;
    GtkLabel *error_label, *meta_label;
    GtkListBox *history_list;
    GtkButton *delete_button, *save_button, *revert_button, *history_button;
    GtkScrolledWindow *scroller;
    PactaDocumentsPane *documents; /* after the history; its own file */

    PactaConnection *connection;
    PactaContractStore *store;
    PactaPresence *presence;

    gboolean open;
    PactaContract *base; /* the record the edit is based on (a copy) */
    gboolean loading;    /* filling widgets: not a user edit */
    gboolean busy;
    gboolean deleted_underneath;
    guint auto_merges;
    guint history_count;
    guint history_gen;             /* the latest history load: older ones' pages are dropped */
    PactaConflictDialog *conflict; /* weak */
    GCancellable *cancellable;     /* requests of the open contract */
    guint hide_banner_id;
    /* "Save" in the close dialog: close once the save went through (and the
     * window too when it was the window's close) */
    gboolean close_after_save, close_window_after;
};

/* pacta-editor.c */
void pacta_editor__toast(PactaEditor *self, const char *text);
/* Marks the row of `field` (may be NULL) and shows `message` (NULL hides). */
void pacta_editor__set_error(PactaEditor *self, const char *field, const char *message);
void pacta_editor__clear_errors(PactaEditor *self);
/* Widgets <- record (not a user edit). */
void pacta_editor__fill_form(PactaEditor *self, PactaContract *c);
/* The form as a contract (new ref), validated; NULL + *bad_fieldand *error set. */
PactaContract *pacta_editor__form_to_contract(PactaEditor *self, const char **bad_field,
                                              GError **error);
/* diff(base, form) (new ref), or NULL if a field is invalid. */
json_t *pacta_editor__form_changes(PactaEditor *self);
void pacta_editor__update_header(PactaEditor *self);
/* A copy of `record` becomes the base of the edit. */
void pacta_editor__set_base(PactaEditor *self, PactaContract *record);
void pacta_editor__hide_changed_banner(PactaEditor *self);
void pacta_editor__load_history(PactaEditor *self);
/* The draft's create went through although its answer was lost: `record`
 * (the contract with the draft's id) becomes the base of the edit. */
void pacta_editor__adopt_created(PactaEditor *self, PactaContract *record);
/* A write ended without a newer record: takes in a change of the open
 * contract that arrived while it was on its way (ignored then). */
void pacta_editor__catch_up(PactaEditor *self);
/* A save landed: closes the editor if the close dialog's "Save" asked for it. */
void pacta_editor__close_if_asked(PactaEditor *self);

/* pacta-editor-live.c: the store's signals for the contract open */
void pacta_editor__on_store_changed(PactaContractStore *store, PactaContract *c, const char *actor,
                                    gboolean created, gpointer user_data);
void pacta_editor__on_store_removed(PactaContractStore *store, PactaContract *c, const char *actor,
                                    gpointer user_data);
void pacta_editor__on_store_loaded(PactaEditor *self);

/* pacta-editor-save.c */
/* "Review": merges what changed underneath into the form, no save. */
void pacta_editor__on_review(PactaEditor *self);

G_END_DECLS

#endif
