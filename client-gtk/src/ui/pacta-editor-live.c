/*
 * pacta-desk: PactaEditor's side that follows the contract open while
 * others change it (see pacta-editor.h): the "changed underneath" banner,
 * a change taken in when nothing typed differs, one kept apart (Review)
 * when something does, a deletion, a reload of the whole list, and a
 * write of ours whose answer was lost recognised when its record comes.
 */
#define G_LOG_DOMAIN "pacta-editor"

#include "pacta-editor-private.h"

/* ---- changed underneath ------------------------------------------------------ */

static void show_changed_banner(PactaEditor *self, const char *text, gboolean review)
{
    g_clear_handle_id(&self->hide_banner_id, g_source_remove);
    gtk_label_set_text(self->changed_label, text);
    gtk_widget_set_visible(GTK_WIDGET(self->review_button), review);
    gtk_revealer_set_reveal_child(self->changed_revealer, TRUE);
}

static gboolean hide_banner_cb(gpointer user_data)
{
    PactaEditor *self = user_data;
    self->hide_banner_id = 0;
    gtk_revealer_set_reveal_child(self->changed_revealer, FALSE);
    return G_SOURCE_REMOVE;
}

void pacta_editor__hide_changed_banner(PactaEditor *self)
{
    g_clear_handle_id(&self->hide_banner_id, g_source_remove);
    gtk_revealer_set_reveal_child(self->changed_revealer, FALSE);
}

void pacta_editor__set_base(PactaEditor *self, PactaContract *record)
{
    g_clear_object(&self->base);
    self->base = pacta_contract_copy(record);
}

/* TRUE when `record` already holds every change the form makes to the base
 * (nothing typed differs from it). */
static gboolean record_holds_form(PactaEditor *self, PactaContract *record)
{
    json_auto_t *changes = pacta_editor__form_changes(self);
    if (!changes)
        return FALSE;
    json_auto_t *theirs = pacta_contract_to_json(record);
    const char *k;
    json_t *v;
    json_object_foreach(changes, k, v)
    {
        if (!pacta_merge_values_equal(v, json_object_get(theirs, k)))
            return FALSE;
    }
    return TRUE;
}

/* The draft open here was created on the server (its id is the one this
 * editor chose): the answer of its create was lost.  The form edits that
 * contract from now on; what was typed since stays as an edit of it. */
void pacta_editor__adopt_created(PactaEditor *self, PactaContract *record)
{
    pacta_editor__set_base(self, record);
    json_auto_t *pending = pacta_editor__form_changes(self);
    if (pending && json_object_size(pending) == 0)
        pacta_editor__fill_form(self, self->base);
    pacta_editor__clear_errors(self);
    if (self->presence)
        pacta_presence_set_editing(self->presence, pacta_contract_get_id(self->base));
    pacta_editor__update_header(self);
    pacta_editor__load_history(self);
    pacta_editor__toast(self, "Contract created");
}

void pacta_editor__on_store_changed(PactaContractStore *store, PactaContract *c, const char *actor,
                                    gboolean created, gpointer user_data)
{
    PactaEditor *self = user_data;
    (void)store;
    (void)created;
    if (!self->open || !g_str_equal(pacta_contract_get_id(c), pacta_contract_get_id(self->base)))
        return;
    if (pacta_editor_is_new(self)) {
        /* Our draft's own id: a create of ours whose answer was lost, seen
         * now (the replay after a reconnect).  A create still on its way
         * is settled by its answer. */
        if (!self->busy)
            pacta_editor__adopt_created(self, c);
        return;
    }
    if (pacta_contract_get_version(c) <= pacta_contract_get_version(self->base) || self->busy)
        return;

    g_autofree char *when = pacta_format_timestamp(pacta_contract_get_updated_at(c));
    const char *who = actor && *actor ? actor : pacta_contract_get_updated_by(c);
    /* Nothing typed, or the server already has all of it (the same change
     * by someone else, or a save of ours whose answer the connection lost):
     * follow the server, and say so. */
    if (!pacta_editor_is_dirty(self) || record_holds_form(self, c)) {
        pacta_editor__clear_errors(self);
        pacta_editor__set_base(self, c);
        pacta_editor__fill_form(self, self->base);
        g_autofree char *text = g_strdup_printf("Updated by %s at %s", who, when);
        show_changed_banner(self, text, FALSE);
        self->hide_banner_id = g_timeout_add_seconds(8, hide_banner_cb, self);
        pacta_editor__update_header(self);
    } else {
        g_autofree char *text =
            g_strdup_printf("Changed by %s at %s — your edits are kept", who, when);
        show_changed_banner(self, text, TRUE);
    }
    pacta_editor__load_history(self);
}

void pacta_editor__catch_up(PactaEditor *self)
{
    if (!self->open || self->busy || pacta_editor_is_new(self) || !self->store)
        return;
    PactaContract *c = pacta_contract_store_lookup(self->store, pacta_contract_get_id(self->base));
    if (c && pacta_contract_get_version(c) > pacta_contract_get_version(self->base))
        pacta_editor__on_store_changed(self->store, c, NULL, FALSE, self);
}

void pacta_editor__on_store_removed(PactaContractStore *store, PactaContract *c, const char *actor,
                                    gpointer user_data)
{
    PactaEditor *self = user_data;
    (void)store;
    if (!self->open || pacta_editor_is_new(self) || self->busy ||
        !g_str_equal(pacta_contract_get_id(c), pacta_contract_get_id(self->base)))
        return;
    self->deleted_underneath = TRUE;
    /* Nothing to merge with any more: a conflict view open would only hide
     * the news (its Save cannot save); the form keeps the input. */
    if (self->conflict)
        gtk_window_destroy(GTK_WINDOW(self->conflict));
    g_autofree char *when = pacta_format_timestamp(pacta_contract_get_updated_at(c));
    g_autofree char *text =
        g_strdup_printf("Deleted by %s at %s. Your input is still here to copy.",
                        actor && *actor ? actor : "someone", when);
    show_changed_banner(self, text, FALSE);
    pacta_editor__update_header(self);
}

/*
 * The store loaded the whole list again (F5, a refused `since`, server.reset
 * after a restore).  No change event says what happened to the record open
 * here, and a restore goes back in time: the server's copy may be older than
 * the base (later changes, numbered from there, would look stale to
 * on_store_changed), different at the same version, or gone.
 */
static void store_loaded(PactaEditor *self, gboolean fetched);

/* The open contract, asked of the server after a reload of a store that
 * keeps only part of the contracts (it may simply not be among them). */
struct refetch {
    PactaEditor *editor; /* a reference */
    char *id;
};

static void on_refetched(GObject *source, GAsyncResult *res, gpointer data)
{
    struct refetch *r = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(PactaContract) c =
        pacta_contract_store_fetch_finish(PACTA_CONTRACT_STORE(source), res, &error);
    PactaEditor *self = r->editor;
    /* still open on that contract (not closed, not another one meanwhile);
     * found, or not found (gone: said as for a full store); offline: the
     * next reload asks again */
    if (self->store && self->open && !pacta_editor_is_new(self) &&
        g_strcmp0(pacta_contract_get_id(self->base), r->id) == 0 &&
        (c || g_error_matches(error, PACTA_DESK_ERROR, PACTA_DESK_ERROR_NOT_FOUND)))
        store_loaded(self, TRUE);
    g_object_unref(self);
    g_free(r->id);
    g_free(r);
}

void pacta_editor__on_store_loaded(PactaEditor *self)
{
    store_loaded(self, FALSE);
}

static void store_loaded(PactaEditor *self, gboolean fetched)
{
    if (!self->open || pacta_editor_is_new(self) || self->busy || self->deleted_underneath ||
        !pacta_contract_store_get_loaded(self->store))
        return;
    PactaContract *c = pacta_contract_store_lookup(self->store, pacta_contract_get_id(self->base));
    if (!c && !fetched && pacta_contract_store_get_partial(self->store)) {
        struct refetch *r = g_new(struct refetch, 1);
        r->editor = g_object_ref(self);
        r->id = g_strdup(pacta_contract_get_id(self->base));
        pacta_contract_store_fetch_async(self->store, r->id, on_refetched, r);
        return;
    }
    if (!c) {
        self->deleted_underneath = TRUE;
        if (self->conflict) /* as in on_store_removed */
            gtk_window_destroy(GTK_WINDOW(self->conflict));
        show_changed_banner(self,
                            "This contract is no longer on the server (the list was reloaded). "
                            "Your input is still here to copy.",
                            FALSE);
        pacta_editor__update_header(self);
        return;
    }
    if (pacta_contract_get_version(c) == pacta_contract_get_version(self->base) &&
        g_strcmp0(pacta_contract_get_updated_at(c), pacta_contract_get_updated_at(self->base)) == 0)
        return;
    if (!pacta_editor_is_dirty(self)) {
        pacta_editor__set_base(self, c);
        pacta_editor__fill_form(self, self->base);
        show_changed_banner(self, "Reloaded from the server", FALSE);
        self->hide_banner_id = g_timeout_add_seconds(8, hide_banner_cb, self);
        pacta_editor__update_header(self);
    } else {
        show_changed_banner(
            self, "Changed on the server (the list was reloaded) — your edits are kept", TRUE);
    }
    pacta_editor__load_history(self);
}
