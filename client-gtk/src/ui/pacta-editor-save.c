/*
 * pacta-desk: PactaEditor's saving side (see pacta-editor.h): save with
 * the base's version, the three-way merge of a stale save (only-mine
 * fields re-sent at once, real conflicts to PactaConflictDialog), Review,
 * and delete.
 */
#define G_LOG_DOMAIN "pacta-editor"

#include "pacta-editor-private.h"

/* Stale saves merged and re-sent without asking, in a row, before the
 * user is asked anyway (someone saving in a loop). */
#define MAX_AUTO_MERGES 3

/* ---- saving ----------------------------------------------------------------------- */

static void open_conflict(PactaEditor *self, PactaMerge *merge, gboolean save_mode);

static void set_busy(PactaEditor *self, gboolean busy)
{
    self->busy = busy;
    pacta_editor__update_header(self);
}

static gboolean typed_since_sent(PactaEditor *self, const json_t *sent);

/* After a save: the new base, and the form follows it unless the user
 * typed something else meanwhile — a field set back or a value that does
 * not parse yet counts too (typed_since_sent).  A create sent every field
 * of the form, not a diff: there only a field that differs from what was
 * sent, or a form that does not parse, counts. */
static void adopt_saved(PactaEditor *self, const json_t *record, const json_t *sent,
                        gboolean create)
{
    g_autoptr(PactaContract) saved = pacta_contract_new_from_json(record, NULL);
    if (!saved)
        return;
    gboolean typed_more = !create && typed_since_sent(self, sent);
    if (create) {
        json_auto_t *pending = pacta_editor__form_changes(self);
        const char *k;
        json_t *v;
        typed_more = !pending;
        json_object_foreach(pending, k, v)
        {
            typed_more |= !pacta_merge_values_equal(v, json_object_get(sent, k));
        }
    }
    pacta_editor__set_base(self, saved);
    if (!typed_more)
        pacta_editor__fill_form(self, self->base);
}

static void save_done(GObject *source, GAsyncResult *result, gpointer user_data);

typedef struct {
    PactaEditor *self;
    json_t *changes; /* what was sent */
    gboolean create;
} SaveCtx;

static void save_ctx_free(SaveCtx *ctx)
{
    g_object_unref(ctx->self);
    json_decref(ctx->changes);
    g_free(ctx);
}

static void send_update(PactaEditor *self, json_t *changes_steal)
{
    const char *reason = gtk_editable_get_text(GTK_EDITABLE(self->reason_row));
    json_auto_t *args =
        json_pack("{sssIsO}", "id", pacta_contract_get_id(self->base), "version",
                  (json_int_t)pacta_contract_get_version(self->base), "changes", changes_steal);
    if (*reason)
        json_object_set_new(args, "reason", json_string(reason));
    SaveCtx *ctx = g_new0(SaveCtx, 1);
    ctx->self = g_object_ref(self);
    ctx->changes = changes_steal;
    set_busy(self, TRUE);
    pacta_connection_request_async(self->connection, "contracts.update", args, self->cancellable,
                                   save_done, ctx);
}

/* Not connected: nothing would be sent.  Says so (input kept); TRUE then. */
static gboolean refuse_offline(PactaEditor *self)
{
    if (pacta_connection_get_state(self->connection) == PACTA_CONNECTION_CONNECTED)
        return FALSE;
    pacta_editor__set_error(self, NULL,
                            "Not saved: not connected to the server. Your input is kept; save "
                            "again once the connection is back.");
    return TRUE;
}

void pacta_editor_save(PactaEditor *self)
{
    if (!self->open || self->busy || !self->connection ||
        !pacta_connection_can_edit(self->connection) || self->deleted_underneath)
        return;
    pacta_editor__clear_errors(self);

    const char *bad = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(PactaContract) mine = pacta_editor__form_to_contract(self, &bad, &error);
    if (!mine) {
        pacta_editor__set_error(self, bad, error->message);
        return;
    }

    if (pacta_editor_is_new(self)) {
        if (!pacta_contract_validate(mine, &bad, &error)) {
            pacta_editor__set_error(self, bad, error->message);
            return;
        }
        if (refuse_offline(self))
            return;
        json_auto_t *args = pacta_contract_to_create_args(mine);
        SaveCtx *ctx = g_new0(SaveCtx, 1);
        ctx->self = g_object_ref(self);
        ctx->changes = json_incref(args);
        ctx->create = TRUE;
        set_busy(self, TRUE);
        pacta_connection_request_async(self->connection, "contracts.create", args,
                                       self->cancellable, save_done, ctx);
        return;
    }

    json_t *changes = pacta_contract_diff(self->base, mine);
    if (json_object_size(changes) == 0) {
        json_decref(changes);
        pacta_editor__toast(self, "No changes to save");
        return;
    }
    g_autofree char *reason =
        g_strstrip(g_strdup(gtk_editable_get_text(GTK_EDITABLE(self->reason_row))));
    if (g_str_equal(pacta_contract_get_status(self->base), "active") && !*reason) {
        json_decref(changes);
        gtk_widget_add_css_class(GTK_WIDGET(self->reason_row), "error");
        pacta_editor__set_error(self, NULL,
                                "Reason: this contract is active, so say why it changes.");
        gtk_widget_grab_focus(GTK_WIDGET(self->reason_row));
        return;
    }
    if (refuse_offline(self)) {
        json_decref(changes);
        return;
    }
    send_update(self, changes);
}

/* TRUE when the form no longer holds what a save sent: the user typed on
 * while it was on its way (the form stays editable), or the form does not
 * parse now.  The base has not moved meanwhile (on_store_changed waits for
 * the answer). */
static gboolean typed_since_sent(PactaEditor *self, const json_t *sent)
{
    json_auto_t *pending = pacta_editor__form_changes(self);
    const char *k;
    json_t *v;
    if (!pending || json_object_size(pending) != json_object_size(sent))
        return TRUE;
    json_object_foreach(pending, k, v)
    {
        const json_t *s = json_object_get(sent, k);
        if (!s || !pacta_merge_values_equal(v, s))
            return TRUE;
    }
    return FALSE;
}

/* A stale save: merge three-way.  Only-mine fields go straight back at the
 * new version; real conflicts go to the user.  If the user typed on while
 * the save was on its way, a merge of what it sent would fill the form
 * without what they typed since: the form and its base stay as they are
 * and the next Save (or Review) merges everything in the form. */
static void handle_conflict(PactaEditor *self, const json_t *changes, const json_t *current)
{
    if (typed_since_sent(self, changes)) {
        pacta_editor__set_error(self, NULL,
                                "Not saved yet: someone else changed this contract while you "
                                "were typing. Your input is kept; use Review or Save again to "
                                "merge.");
        return;
    }
    json_auto_t *base = pacta_contract_to_json(self->base);
    g_autoptr(PactaMerge) merge = pacta_merge_new(base, changes, current);
    if (pacta_merge_count(merge, PACTA_MERGE_CONFLICT) == 0 &&
        self->auto_merges < MAX_AUTO_MERGES) {
        self->auto_merges++;
        json_auto_t *merged = pacta_merge_get_result(merge);
        g_autoptr(PactaContract) theirs = pacta_contract_new_from_json(current, NULL);
        pacta_editor__set_base(self, theirs);
        g_autoptr(PactaContract) m = pacta_contract_new_from_json(merged, NULL);
        pacta_editor__fill_form(self, m);
        json_t *again = pacta_merge_get_changes(merge);
        if (json_object_size(again) == 0) {
            json_decref(again);
            pacta_editor__set_base(self, m);
            pacta_editor__update_header(self);
            pacta_editor__toast(self, "They already made the same changes");
            return;
        }
        send_update(self, again);
        return;
    }
    open_conflict(self, merge, TRUE);
}

/* A save whose answer did not come: {"contract": record} (new ref) when the
 * store shows it went through — a create: the contract with the draft's id
 * (only this editor knows it); an update: a newer version holding every
 * value it sent — else NULL. */
static json_t *landed_record(PactaEditor *self, SaveCtx *ctx)
{
    PactaContract *c =
        self->store ? pacta_contract_store_lookup(self->store, pacta_contract_get_id(self->base))
                    : NULL;
    if (!c)
        return NULL;
    json_t *record = pacta_contract_to_json(c);
    if (!ctx->create) {
        if (pacta_contract_get_version(c) <= pacta_contract_get_version(self->base)) {
            json_decref(record);
            return NULL;
        }
        const char *k;
        json_t *v;
        json_object_foreach(ctx->changes, k, v)
        {
            if (!pacta_merge_values_equal(v, json_object_get(record, k))) {
                json_decref(record);
                return NULL;
            }
        }
    }
    return json_pack("{so}", "contract", record);
}

static void save_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    SaveCtx *ctx = user_data;
    PactaEditor *self = ctx->self;
    g_autoptr(GError) error = NULL;
    json_t *detail = NULL;
    json_t *res =
        pacta_connection_request_finish(PACTA_CONNECTION(source), result, &detail, &error);
    if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
        json_decref(detail);
        save_ctx_free(ctx);
        return;
    }
    set_busy(self, FALSE);

    if (!res &&
        (g_error_matches(error, PACTA_DESK_ERROR, PACTA_DESK_ERROR_DISCONNECTED) ||
         (ctx->create && g_error_matches(error, PACTA_DESK_ERROR, PACTA_DESK_ERROR_CONFLICT)))) {
        /* The answer was lost, or a create tried again found its id taken:
         * the write may have gone through all the same (its event comes
         * before its answer, PROTOCOL.md §7).  If so, it did. */
        json_t *landed = landed_record(self, ctx);
        if (landed) {
            g_clear_error(&error);
            g_clear_pointer(&detail, json_decref);
            res = landed;
        }
    }

    if (res) {
        const json_t *record = json_object_get(res, "contract");
        const char *changed_arr[32] = {NULL};
        const json_t *changed = json_object_get(res, "changed");
        for (size_t i = 0; i < json_array_size(changed) && i < 31; i++)
            changed_arr[i] = json_string_value(json_array_get(changed, i));
        if (self->store)
            pacta_contract_store_apply_record(self->store, record, NULL, changed_arr, FALSE);
        adopt_saved(self, record, ctx->changes, ctx->create);
        gtk_editable_set_text(GTK_EDITABLE(self->reason_row), "");
        pacta_editor__hide_changed_banner(self);
        self->auto_merges = 0;
        if (self->presence && ctx->create)
            pacta_presence_set_editing(self->presence, pacta_contract_get_id(self->base));
        pacta_editor__update_header(self);
        pacta_editor__load_history(self);
        pacta_editor__toast(self, ctx->create ? "Contract created" : "Saved");
        json_decref(res);
        save_ctx_free(ctx);
        pacta_editor__close_if_asked(self);
        return;
    }

    const char *field = json_string_value(json_object_get(detail, "field"));
    const json_t *current = json_object_get(detail, "current");
    gboolean stale = g_error_matches(error, PACTA_DESK_ERROR, PACTA_DESK_ERROR_CONFLICT) && current;
    if (!stale)
        pacta_editor__catch_up(self);
    if (stale && !ctx->create) {
        handle_conflict(self, ctx->changes, current);
    } else if (g_error_matches(error, PACTA_DESK_ERROR, PACTA_DESK_ERROR_DISCONNECTED)) {
        pacta_editor__set_error(
            self, NULL,
            "The connection dropped before the server answered. Your input is kept; once "
            "the connection is back the form shows whether it was saved (save again if not).");
    } else if (g_error_matches(error, PACTA_DESK_ERROR, PACTA_DESK_ERROR_NOT_FOUND)) {
        self->deleted_underneath = TRUE;
        pacta_editor__set_error(self, NULL,
                                "Not saved: this contract was deleted. Your input is kept.");
    } else {
        g_autofree char *msg = g_strdup_printf(
            "Not saved: %s%s%s", field && *field ? pacta_contract_field_label(field) : "",
            field && *field ? ": " : "", error->message);
        pacta_editor__set_error(self, field, msg);
    }
    pacta_editor__update_header(self);
    json_decref(detail);
    save_ctx_free(ctx);
    if (!self->busy) /* not merged and re-sent: the close waits for the user */
        self->close_after_save = self->close_window_after = FALSE;
}

/* ---- conflict view ------------------------------------------------------------------- */

typedef struct {
    PactaEditor *self;
    PactaMerge *merge;
    gboolean save_mode;
} ConflictCtx;

static void conflict_ctx_free(gpointer data, GClosure *closure)
{
    (void)closure;
    ConflictCtx *ctx = data;
    g_object_unref(ctx->merge);
    g_free(ctx);
}

static void on_conflict_resolved(PactaConflictDialog *dialog, gpointer user_data)
{
    ConflictCtx *ctx = user_data;
    PactaEditor *self = ctx->self;
    json_auto_t *merged = pacta_merge_get_result(ctx->merge);
    json_auto_t *theirs_json = pacta_merge_get_result(ctx->merge);
    const char *const *fields = pacta_contract_writable_fields();
    for (guint i = 0; fields[i]; i++)
        json_object_set_new(theirs_json, fields[i],
                            json_deep_copy(pacta_merge_get_theirs(ctx->merge, fields[i])));

    g_autoptr(PactaContract) theirs = pacta_contract_new_from_json(theirs_json, NULL);
    g_autoptr(PactaContract) m = pacta_contract_new_from_json(merged, NULL);
    gboolean save = ctx->save_mode;
    gtk_window_destroy(GTK_WINDOW(dialog));
    if (!theirs || !m)
        return;
    pacta_editor__set_base(self, theirs);
    pacta_editor__fill_form(self, m);
    pacta_editor__hide_changed_banner(self);
    pacta_editor__update_header(self);
    if (save) {
        json_auto_t *changes = pacta_contract_diff(self->base, m);
        if (json_object_size(changes) == 0) {
            pacta_editor__toast(self, "Kept their version");
            return;
        }
        pacta_editor_save(self);
    }
}

static void on_conflict_cancelled(PactaConflictDialog *dialog, gpointer user_data)
{
    ConflictCtx *ctx = user_data;
    gtk_window_destroy(GTK_WINDOW(dialog));
    pacta_editor__set_error(
        ctx->self, NULL,
        "Not saved yet: someone else changed this contract. Your input is kept; "
        "use Review or Save again to merge.");
}

static void open_conflict(PactaEditor *self, PactaMerge *merge, gboolean save_mode)
{
    self->close_after_save = self->close_window_after = FALSE; /* the user decides first */
    if (self->conflict)
        gtk_window_destroy(GTK_WINDOW(self->conflict));
    GtkWindow *parent = GTK_WINDOW(gtk_widget_get_root(GTK_WIDGET(self)));
    self->conflict = pacta_conflict_dialog_new(parent, merge, save_mode);
    g_object_add_weak_pointer(G_OBJECT(self->conflict), (gpointer *)&self->conflict);
    ConflictCtx *ctx = g_new0(ConflictCtx, 1);
    ctx->self = self;
    ctx->merge = g_object_ref(merge);
    ctx->save_mode = save_mode;
    g_signal_connect_data(self->conflict, "resolved", G_CALLBACK(on_conflict_resolved), ctx,
                          conflict_ctx_free, 0);
    g_signal_connect(self->conflict, "cancelled", G_CALLBACK(on_conflict_cancelled), ctx);
    gtk_window_present(GTK_WINDOW(self->conflict));
}

/* "Review": merge what changed underneath into the form without saving. */
void pacta_editor__on_review(PactaEditor *self)
{
    if (!self->open || !self->store)
        return;
    PactaContract *live =
        pacta_contract_store_lookup(self->store, pacta_contract_get_id(self->base));
    if (!live)
        return;
    json_auto_t *changes = pacta_editor__form_changes(self);
    if (!changes) {
        const char *bad = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(PactaContract) mine = pacta_editor__form_to_contract(self, &bad, &error);
        pacta_editor__set_error(self, bad,
                                error ? error->message : "Fix the highlighted field first.");
        return;
    }
    json_auto_t *base = pacta_contract_to_json(self->base);
    json_auto_t *theirs = pacta_contract_to_json(live);
    g_autoptr(PactaMerge) merge = pacta_merge_new(base, changes, theirs);
    if (pacta_merge_count(merge, PACTA_MERGE_CONFLICT) == 0) {
        json_auto_t *merged = pacta_merge_get_result(merge);
        g_autoptr(PactaContract) m = pacta_contract_new_from_json(merged, NULL);
        pacta_editor__set_base(self, live);
        pacta_editor__fill_form(self, m);
        pacta_editor__hide_changed_banner(self);
        pacta_editor__update_header(self);
        pacta_editor__toast(self, "Their changes are merged into your edit");
        return;
    }
    open_conflict(self, merge, FALSE);
}

/* ---- delete ---------------------------------------------------------------------- */

static void delete_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(PactaEditor) self = user_data;
    g_autoptr(GError) error = NULL;
    json_t *res = pacta_connection_request_finish(PACTA_CONNECTION(source), result, NULL, &error);
    if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
    set_busy(self, FALSE);
    /* The answer was lost: if the contract left the list (its event comes
     * before the answer), the delete went through. */
    gboolean landed =
        !res && g_error_matches(error, PACTA_DESK_ERROR, PACTA_DESK_ERROR_DISCONNECTED) &&
        self->store && !pacta_contract_store_lookup(self->store, pacta_contract_get_id(self->base));
    if (!res && !landed) {
        pacta_editor__catch_up(self); /* a change that made it stale came meanwhile */
        g_autofree char *msg =
            g_error_matches(error, PACTA_DESK_ERROR, PACTA_DESK_ERROR_CONFLICT)
                ? g_strdup("Not deleted: someone changed it meanwhile. Review their change "
                           "first.")
                : g_strdup_printf("Not deleted: %s", error->message);
        pacta_editor__set_error(self, NULL, msg);
        return;
    }
    g_autofree char *text = g_strdup_printf("Deleted %s", pacta_contract_get_number(self->base));
    if (self->store && res)
        pacta_contract_store_apply_record(self->store, json_object_get(res, "contract"), NULL, NULL,
                                          FALSE);
    if (res)
        json_decref(res);
    pacta_editor_close(self);
    pacta_editor__toast(self, text);
}

static void delete_response(AdwMessageDialog *dialog, const char *response, gpointer user_data)
{
    PactaEditor *self = user_data;
    if (!g_str_equal(response, "delete") || !self->open)
        return;
    GtkEditable *entry = GTK_EDITABLE(adw_message_dialog_get_extra_child(dialog));
    const char *reason = gtk_editable_get_text(entry);
    json_auto_t *args = json_pack("{sssI}", "id", pacta_contract_get_id(self->base), "version",
                                  (json_int_t)pacta_contract_get_version(self->base));
    if (*reason)
        json_object_set_new(args, "reason", json_string(reason));
    set_busy(self, TRUE);
    pacta_connection_request_async(self->connection, "contracts.delete", args, self->cancellable,
                                   delete_done, g_object_ref(self));
}

void pacta_editor_request_delete(PactaEditor *self)
{
    if (!self->open || pacta_editor_is_new(self) || self->busy || !self->connection ||
        !pacta_connection_can_edit(self->connection))
        return;
    GtkWindow *parent = GTK_WINDOW(gtk_widget_get_root(GTK_WIDGET(self)));
    g_autofree char *heading = g_strdup_printf("Delete %s?", pacta_contract_get_number(self->base));
    GtkWidget *dialog = adw_message_dialog_new(
        parent, heading,
        "It disappears from every desk. Its amendment history is kept for the audit trail.");
    GtkWidget *entry = gtk_entry_new();
    gtk_entry_set_placeholder_text(GTK_ENTRY(entry), "Reason (optional)");
    gtk_entry_set_activates_default(GTK_ENTRY(entry), TRUE);
    adw_message_dialog_set_extra_child(ADW_MESSAGE_DIALOG(dialog), entry);
    adw_message_dialog_add_responses(ADW_MESSAGE_DIALOG(dialog), "cancel", "_Cancel", "delete",
                                     "_Delete", NULL);
    adw_message_dialog_set_response_appearance(ADW_MESSAGE_DIALOG(dialog), "delete",
                                               ADW_RESPONSE_DESTRUCTIVE);
    adw_message_dialog_set_close_response(ADW_MESSAGE_DIALOG(dialog), "cancel");
    adw_message_dialog_set_default_response(ADW_MESSAGE_DIALOG(dialog), "cancel");
    g_signal_connect(dialog, "response", G_CALLBACK(delete_response), self);
    gtk_window_present(GTK_WINDOW(dialog));
}
