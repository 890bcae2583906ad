/*
 * pacta-desk: PactaEditor (see pacta-editor.h).
 *
 * The form is the source of "mine": pacta_editor__form_to_contract() rebuilds a
 * PactaContract from the widgets on top of a copy of the base, validating
 * every field as the server would.  Saving sends diff(base, mine) with the
 * base's version; everything that changes the base (a save, a merge, a
 * review) goes through pacta_editor__set_base().
 */
#define G_LOG_DOMAIN "pacta-editor"

#include "pacta-editor-private.h"

#include "pacta-editor-history.h"

#include <pacta/protocol.h>

G_DEFINE_FINAL_TYPE(PactaEditor, pacta_editor, GTK_TYPE_BOX)

enum { SIGNAL_CLOSED, SIGNAL_TOAST, N_SIGNALS };
static guint signals[N_SIGNALS];

/* Text fields: wire name -> row.  amount_cents is parsed, dates may be empty. */
static AdwEntryRow *entry_for(PactaEditor *self, const char *field)
{
    const struct {
        const char *field;
        size_t offset;
    } table[] = {
        {"number", G_STRUCT_OFFSET(PactaEditor, number_row)},
        {"title", G_STRUCT_OFFSET(PactaEditor, title_row)},
        {"counterparty", G_STRUCT_OFFSET(PactaEditor, counterparty_row)},
        {"owner", G_STRUCT_OFFSET(PactaEditor, owner_row)},
        {"sign_date", G_STRUCT_OFFSET(PactaEditor, sign_date_row)},
        {"start_date", G_STRUCT_OFFSET(PactaEditor, start_date_row)},
        {"end_date", G_STRUCT_OFFSET(PactaEditor, end_date_row)},
        {"amount_cents", G_STRUCT_OFFSET(PactaEditor, amount_row)},
        {"currency", G_STRUCT_OFFSET(PactaEditor, currency_row)},
        {"reason", G_STRUCT_OFFSET(PactaEditor, reason_row)},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(table); i++)
        if (g_str_equal(table[i].field, field))
            return G_STRUCT_MEMBER(AdwEntryRow *, self, table[i].offset);
    return NULL;
}

static AdwComboRow *combo_for(PactaEditor *self, const char *field)
{
    if (g_str_equal(field, "kind"))
        return self->kind_row;
    if (g_str_equal(field, "status"))
        return self->status_row;
    if (g_str_equal(field, "renewal"))
        return self->renewal_row;
    return NULL;
}

static const char *choice_label(const char *value)
{
    static const struct {
        const char *value, *label;
    } labels[] = {
        {"client", "Client"}, {"supplier", "Supplier"}, {"draft", "Draft"},
        {"active", "Active"}, {"expired", "Expired"},   {"terminated", "Terminated"},
        {"none", "None"},     {"auto", "Automatic"},    {"evergreen", "Evergreen"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(labels); i++)
        if (g_str_equal(labels[i].value, value))
            return labels[i].label;
    return value;
}

void pacta_editor__toast(PactaEditor *self, const char *text)
{
    g_signal_emit(self, signals[SIGNAL_TOAST], 0, text);
}

/* "1250000" cents -> "12,500.00" (no currency: it has its own row). */
static char *format_amount_plain(gint64 cents)
{
    g_autoptr(GString) digits = g_string_new(NULL);
    g_string_printf(digits, "%" G_GINT64_FORMAT, cents / 100);
    GString *out = g_string_new(NULL);
    for (gsize i = 0; i < digits->len; i++) {
        if (i > 0 && (digits->len - i) % 3 == 0)
            g_string_append_c(out, ',');
        g_string_append_c(out, digits->str[i]);
    }
    g_string_append_printf(out, ".%02d", (int)(cents % 100));
    return g_string_free(out, FALSE);
}

void pacta_editor__set_error(PactaEditor *self, const char *field, const char *message)
{
    AdwEntryRow *row = field ? entry_for(self, field) : NULL;
    if (row)
        gtk_widget_add_css_class(GTK_WIDGET(row), "error");
    gtk_label_set_text(self->error_label, message ? message : "");
    gtk_widget_set_visible(GTK_WIDGET(self->error_label), message && *message);
}

void pacta_editor__clear_errors(PactaEditor *self)
{
    const char *const *fields = pacta_contract_writable_fields();
    for (guint i = 0; fields[i]; i++) {
        AdwEntryRow *row = entry_for(self, fields[i]);
        if (row)
            gtk_widget_remove_css_class(GTK_WIDGET(row), "error");
    }
    gtk_widget_remove_css_class(GTK_WIDGET(self->reason_row), "error");
    pacta_editor__set_error(self, NULL, NULL);
}

/* ---- form <-> record ----------------------------------------------------- */

void pacta_editor__fill_form(PactaEditor *self, PactaContract *c)
{
    self->loading = TRUE;
    const char *texts[] = {"number", "title", "counterparty", "owner", "currency", NULL};
    for (guint i = 0; texts[i]; i++) {
        json_auto_t *v = pacta_contract_get_field(c, texts[i]);
        gtk_editable_set_text(GTK_EDITABLE(entry_for(self, texts[i])),
                              json_string_value(v) ? json_string_value(v) : "");
    }
    const char *dates[] = {"sign_date", "start_date", "end_date", NULL};
    for (guint i = 0; dates[i]; i++) {
        json_auto_t *v = pacta_contract_get_field(c, dates[i]);
        gtk_editable_set_text(GTK_EDITABLE(entry_for(self, dates[i])),
                              json_is_string(v) ? json_string_value(v) : "");
    }
    g_autofree char *amount = format_amount_plain(pacta_contract_get_amount_cents(c));
    gtk_editable_set_text(GTK_EDITABLE(self->amount_row), amount);
    gtk_spin_button_set_value(self->notice_spin, pacta_contract_get_notice_days(c));
    json_auto_t *term = pacta_contract_get_field(c, "renewal_months");
    gtk_spin_button_set_value(self->renewal_months_spin, (double)json_integer_value(term));
    const char *combos[] = {"kind", "status", "renewal", NULL};
    for (guint i = 0; combos[i]; i++) {
        json_auto_t *v = pacta_contract_get_field(c, combos[i]);
        const char *const *choices = pacta_contract_field_choices(combos[i]);
        for (guint j = 0; choices[j]; j++)
            if (json_string_value(v) && g_str_equal(choices[j], json_string_value(v)))
                adw_combo_row_set_selected(combo_for(self, combos[i]), j);
    }
    gtk_text_buffer_set_text(gtk_text_view_get_buffer(self->description_view),
                             pacta_contract_get_description(c), -1);
    self->loading = FALSE;
}

/*
 * The form as a contract: a copy of the base with every widget's value
 * set through the core's validation.  NULL with *bad_field and *error set on the
 * first invalid field.
 */
PactaContract *pacta_editor__form_to_contract(PactaEditor *self, const char **bad_field,
                                              GError **error)
{
    g_autoptr(PactaContract) mine = pacta_contract_copy(self->base);
    const char *const *fields = pacta_contract_writable_fields();

    for (guint i = 0; fields[i]; i++) {
        const char *f = fields[i];
        json_auto_t *value = NULL;
        AdwEntryRow *row = entry_for(self, f);
        AdwComboRow *combo = combo_for(self, f);
        if (g_str_equal(f, "amount_cents")) {
            gint64 cents = 0;
            const char *text = gtk_editable_get_text(GTK_EDITABLE(row));
            if (!pacta_parse_amount(text, &cents)) {
                *bad_field = f;
                g_set_error(error, PACTA_DESK_ERROR, PACTA_DESK_ERROR_INVALID,
                            "Amount: enter a number like 12,500.00");
                return NULL;
            }
            value = json_integer(cents);
        } else if (g_str_equal(f, "notice_days")) {
            value = json_integer(gtk_spin_button_get_value_as_int(self->notice_spin));
        } else if (g_str_equal(f, "renewal_months")) {
            json_auto_t *had = pacta_contract_get_field(self->base, f);
            if (json_integer_value(had) < 1)
                continue; /* a record without it: the spin's 1 is not the user's */
            value = json_integer(gtk_spin_button_get_value_as_int(self->renewal_months_spin));
        } else if (g_str_equal(f, "description")) {
            GtkTextBuffer *buf = gtk_text_view_get_buffer(self->description_view);
            GtkTextIter a, b;
            gtk_text_buffer_get_bounds(buf, &a, &b);
            g_autofree char *text = gtk_text_buffer_get_text(buf, &a, &b, FALSE);
            value = json_string(text);
        } else if (combo) {
            const char *const *choices = pacta_contract_field_choices(f);
            value = json_string(choices[adw_combo_row_get_selected(combo)]);
        } else if (row) {
            const char *text = gtk_editable_get_text(GTK_EDITABLE(row));
            gboolean is_date = g_str_has_suffix(f, "_date");
            if (is_date && !*text)
                value = json_null();
            else if (g_str_equal(f, "owner") && !*text && pacta_editor_is_new(self))
                continue; /* the server defaults it to the creator */
            else
                value = json_string(text);
        } else {
            continue;
        }
        g_autoptr(GError) local = NULL;
        if (!pacta_contract_set_field(mine, f, value, &local)) {
            *bad_field = f;
            g_set_error(error, PACTA_DESK_ERROR, PACTA_DESK_ERROR_INVALID, "%s: %s",
                        pacta_contract_field_label(f), local->message);
            return NULL;
        }
    }
    return g_steal_pointer(&mine);
}

/* The changes the form holds against the base, or NULL if a field is
 * invalid (which counts as a change for the dirty check). */
json_t *pacta_editor__form_changes(PactaEditor *self)
{
    const char *bad = NULL;
    g_autoptr(PactaContract) mine = pacta_editor__form_to_contract(self, &bad, NULL);
    return mine ? pacta_contract_diff(self->base, mine) : NULL;
}

gboolean pacta_editor_is_dirty(PactaEditor *self)
{
    if (!self->open)
        return FALSE;
    json_auto_t *changes = pacta_editor__form_changes(self);
    return !changes || json_object_size(changes) > 0;
}

/* ---- header, buttons, presence ---------------------------------------------- */

void pacta_editor__update_header(PactaEditor *self)
{
    if (!self->open)
        return;
    gboolean is_new = pacta_editor_is_new(self);
    gboolean dirty = pacta_editor_is_dirty(self);
    gboolean can_edit = self->connection && pacta_connection_can_edit(self->connection);
    const char *number = pacta_contract_get_number(self->base);

    g_autofree char *title =
        is_new ? g_strdup("New Contract") : g_strdup_printf("%s%s", number, dirty ? " •" : "");
    adw_window_title_set_title(self->window_title, title);
    g_autofree char *subtitle = NULL;
    if (is_new)
        subtitle = g_strdup("Not saved yet");
    else if (self->deleted_underneath)
        subtitle = g_strdup("Deleted");
    else
        subtitle =
            g_strdup_printf("%s · version %" G_GINT64_FORMAT, pacta_contract_get_title(self->base),
                            pacta_contract_get_version(self->base));
    adw_window_title_set_subtitle(self->window_title, subtitle);

    gtk_widget_set_sensitive(GTK_WIDGET(self->save_button), can_edit && !self->busy &&
                                                                !self->deleted_underneath &&
                                                                (dirty || is_new));
    gtk_widget_set_sensitive(GTK_WIDGET(self->revert_button), dirty && !self->busy);
    gtk_widget_set_visible(GTK_WIDGET(self->delete_button), !is_new);
    gtk_widget_set_sensitive(GTK_WIDGET(self->delete_button),
                             can_edit && !self->busy && !self->deleted_underneath);
    gtk_widget_set_visible(GTK_WIDGET(self->reason_group),
                           !is_new && g_str_equal(pacta_contract_get_status(self->base), "active"));
    gtk_widget_set_visible(GTK_WIDGET(self->history_group), !is_new);
    if (self->documents)
        pacta_documents_pane_set_contract(self->documents,
                                          is_new ? NULL : pacta_contract_get_id(self->base));
    gtk_widget_set_visible(GTK_WIDGET(self->history_button), !is_new);

    if (!is_new) {
        g_autofree char *created =
            pacta_format_timestamp(pacta_contract_get_created_at(self->base));
        g_autofree char *updated =
            pacta_format_timestamp(pacta_contract_get_updated_at(self->base));
        g_autofree char *meta = g_strdup_printf("Created %s · last changed by %s, %s", created,
                                                pacta_contract_get_updated_by(self->base), updated);
        gtk_label_set_text(self->meta_label, meta);
    } else {
        gtk_label_set_text(self->meta_label, "");
    }
}

static void update_presence(PactaEditor *self)
{
    g_autofree char *text = NULL;
    if (self->open && self->presence && !pacta_editor_is_new(self))
        text = pacta_presence_describe(self->presence, pacta_contract_get_id(self->base));
    gtk_label_set_text(self->presence_label, text ? text : "");
    gtk_widget_set_visible(GTK_WIDGET(self->presence_label), text != NULL);
}

static void on_presence_changed(PactaPresence *presence, const char *contract_id,
                                gpointer user_data)
{
    PactaEditor *self = user_data;
    (void)presence;
    if (self->open && contract_id && g_str_equal(contract_id, pacta_contract_get_id(self->base)))
        update_presence(self);
}

static void on_form_changed(PactaEditor *self)
{
    if (self->loading)
        return;
    pacta_editor__clear_errors(self);
    pacta_editor__update_header(self);
}

static void set_editable(PactaEditor *self, gboolean editable)
{
    const char *const *fields = pacta_contract_writable_fields();
    for (guint i = 0; fields[i]; i++) {
        AdwEntryRow *row = entry_for(self, fields[i]);
        AdwComboRow *combo = combo_for(self, fields[i]);
        if (row)
            gtk_editable_set_editable(GTK_EDITABLE(row), editable);
        if (combo)
            gtk_widget_set_sensitive(GTK_WIDGET(combo), editable);
    }
    gtk_editable_set_editable(GTK_EDITABLE(self->notice_spin), editable);
    gtk_widget_set_sensitive(GTK_WIDGET(self->notice_spin), editable);
    gtk_editable_set_editable(GTK_EDITABLE(self->renewal_months_spin), editable);
    gtk_widget_set_sensitive(GTK_WIDGET(self->renewal_months_spin), editable);
    gtk_text_view_set_editable(self->description_view, editable);
}

/* The role can change while a form is open (an administrator's users.update,
 * learnt when the desk resumes): the form follows it at once. */
static void on_role_changed(PactaEditor *self)
{
    if (!self->open)
        return;
    set_editable(self, self->connection && pacta_connection_can_edit(self->connection));
    pacta_editor__update_header(self);
}

/* ---- history ------------------------------------------------------------------- */

/* One history load: supplements.list page after page (PROTOCOL.md §6.9),
 * shown once all are in. */
struct history_load {
    PactaEditor *self; /* a reference */
    guint gen;
    char *contract_id;
    json_t *items; /* every page so far */
};

static void history_load_free(struct history_load *h)
{
    g_object_unref(h->self);
    g_free(h->contract_id);
    json_decref(h->items);
    g_free(h);
}

static void history_request(struct history_load *h, const char *cursor);

static void history_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    struct history_load *h = user_data;
    PactaEditor *self = h->self;
    g_autoptr(GError) error = NULL;
    json_t *res = pacta_connection_request_finish(PACTA_CONNECTION(source), result, NULL, &error);
    if (!res || h->gen != self->history_gen) { /* failed, or a newer load began */
        json_decref(res);
        history_load_free(h);
        return;
    }
    json_array_extend(h->items, json_object_get(res, "items"));
    const char *next = json_string_value(json_object_get(res, "next_cursor"));
    if (next) {
        history_request(h, next);
        json_decref(res);
        return;
    }
    json_decref(res);
    GtkWidget *child;
    while ((child = gtk_widget_get_first_child(GTK_WIDGET(self->history_list))))
        gtk_list_box_remove(self->history_list, child);
    self->history_count = pacta_editor_history_fill(self->history_list, h->items);
    history_load_free(h);
}

static void history_request(struct history_load *h, const char *cursor)
{
    json_auto_t *args = json_pack("{ss, si}", "contract_id", h->contract_id, "limit", 500);
    if (cursor)
        json_object_set_new(args, "cursor", json_string(cursor));
    pacta_connection_request_async(h->self->connection, "supplements.list", args,
                                   h->self->cancellable, history_done, h);
}

void pacta_editor__load_history(PactaEditor *self)
{
    if (!self->open || pacta_editor_is_new(self) || !self->connection)
        return;
    struct history_load *h = g_new0(struct history_load, 1);
    h->self = g_object_ref(self);
    h->gen = ++self->history_gen;
    h->contract_id = g_strdup(pacta_contract_get_id(self->base));
    h->items = json_array();
    history_request(h, NULL);
}

/* ---- open / close ---------------------------------------------------------------- */

void pacta_editor_setup(PactaEditor *self, PactaConnection *connection, PactaContractStore *store,
                        PactaPresence *presence)
{
    g_set_object(&self->connection, connection);
    g_set_object(&self->store, store);
    g_set_object(&self->presence, presence);
    g_signal_connect(store, "contract-changed", G_CALLBACK(pacta_editor__on_store_changed), self);
    g_signal_connect(store, "contract-removed", G_CALLBACK(pacta_editor__on_store_removed), self);
    g_signal_connect_swapped(store, "notify::loaded", G_CALLBACK(pacta_editor__on_store_loaded),
                             self);
    g_signal_connect(presence, "changed", G_CALLBACK(on_presence_changed), self);
    g_signal_connect_swapped(connection, "notify::role", G_CALLBACK(on_role_changed), self);
    /* the attached documents, below the history */
    self->documents = g_object_new(PACTA_TYPE_DOCUMENTS_PANE, NULL);
    gtk_box_insert_child_after(GTK_BOX(gtk_widget_get_parent(GTK_WIDGET(self->history_group))),
                               GTK_WIDGET(self->documents), GTK_WIDGET(self->history_group));
    pacta_documents_pane_setup(self->documents, connection);
    g_signal_connect_swapped(self->documents, "toast", G_CALLBACK(pacta_editor__toast), self);
}

struct _PactaDocumentsPane *pacta_editor_get_documents(PactaEditor *self)
{
    return self->documents;
}

void pacta_editor_open(PactaEditor *self, PactaContract *contract)
{
    if (self->cancellable)
        g_cancellable_cancel(self->cancellable);
    g_clear_object(&self->cancellable);
    self->cancellable = g_cancellable_new();
    if (self->conflict)
        gtk_window_destroy(GTK_WINDOW(self->conflict));

    self->open = TRUE;
    self->busy = FALSE;
    self->deleted_underneath = FALSE;
    self->close_after_save = self->close_window_after = FALSE;
    self->auto_merges = 0;
    g_clear_object(&self->base);
    if (contract) {
        self->base = pacta_contract_copy(contract);
    } else {
        self->base = pacta_contract_new();
        /* The draft's id, chosen here (PROTOCOL.md §5) and sent with every
         * try: a create whose answer was lost is found by it, never made
         * twice (pacta_editor__adopt_landed). */
        uint8_t rnd[10];
        for (guint i = 0; i < sizeof rnd; i++)
            rnd[i] = (uint8_t)g_random_int_range(0, 256);
        char id[37];
        pacta_uuid_v7(id, (uint64_t)(g_get_real_time() / 1000), rnd);
        json_auto_t *jid = json_string(id);
        pacta_contract_set_field(self->base, "id", jid, NULL);
    }
    pacta_editor__hide_changed_banner(self);
    pacta_editor__clear_errors(self);
    pacta_editor__fill_form(self, self->base);
    if (!contract && self->connection) {
        self->loading = TRUE;
        gtk_editable_set_text(GTK_EDITABLE(self->owner_row),
                              pacta_connection_get_username(self->connection));
        self->loading = FALSE;
    }
    gtk_editable_set_text(GTK_EDITABLE(self->reason_row), "");
    GtkWidget *child;
    while ((child = gtk_widget_get_first_child(GTK_WIDGET(self->history_list))))
        gtk_list_box_remove(self->history_list, child);
    self->history_count = 0;

    set_editable(self, self->connection && pacta_connection_can_edit(self->connection));
    if (self->presence)
        pacta_presence_set_editing(self->presence,
                                   contract ? pacta_contract_get_id(contract) : NULL);
    pacta_editor__update_header(self);
    update_presence(self);
    pacta_editor__load_history(self);
    gtk_widget_set_visible(GTK_WIDGET(self), TRUE);
    gtk_widget_grab_focus(GTK_WIDGET(contract ? self->title_row : self->number_row));
}

void pacta_editor_close(PactaEditor *self)
{
    if (!self->open)
        return;
    if (self->cancellable)
        g_cancellable_cancel(self->cancellable);
    if (self->conflict)
        gtk_window_destroy(GTK_WINDOW(self->conflict));
    self->open = FALSE;
    self->busy = FALSE;
    self->close_after_save = self->close_window_after = FALSE;
    if (self->documents)
        pacta_documents_pane_set_contract(self->documents, NULL);
    if (self->presence)
        pacta_presence_set_editing(self->presence, NULL);
    pacta_editor__hide_changed_banner(self);
    gtk_widget_set_visible(GTK_WIDGET(self), FALSE);
    g_signal_emit(self, signals[SIGNAL_CLOSED], 0);
}

static void on_revert(PactaEditor *self)
{
    /* Back to the contract as the server has it now: a change by someone
     * else that came while the user typed (kept apart then, the banner)
     * is what the form shows once the input is thrown away. */
    PactaContract *live =
        self->store && !pacta_editor_is_new(self) && !self->deleted_underneath
            ? pacta_contract_store_lookup(self->store, pacta_contract_get_id(self->base))
            : NULL;
    if (live && pacta_contract_get_version(live) > pacta_contract_get_version(self->base))
        pacta_editor__set_base(self, live);
    pacta_editor__fill_form(self, self->base);
    pacta_editor__clear_errors(self);
    pacta_editor__hide_changed_banner(self);
    pacta_editor__update_header(self);
}

/* ---- history button ---------------------------------------------------------------- */

void pacta_editor_show_history(PactaEditor *self)
{
    graphene_point_t p;
    GtkWidget *content = gtk_scrolled_window_get_child(self->scroller);
    if (!gtk_widget_compute_point(GTK_WIDGET(self->history_group), content,
                                  &GRAPHENE_POINT_INIT(0, 0), &p))
        return;
    GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment(self->scroller);
    gtk_adjustment_set_value(adj, p.y - 12);
}

/* ---- accessors -------------------------------------------------------------------- */

gboolean pacta_editor_is_open(PactaEditor *self)
{
    return self->open;
}

gboolean pacta_editor_is_new(PactaEditor *self)
{
    return self->base && pacta_contract_get_version(self->base) == 0;
}

gboolean pacta_editor_is_busy(PactaEditor *self)
{
    return self->busy;
}

const char *pacta_editor_get_contract_id(PactaEditor *self)
{
    return self->open ? pacta_contract_get_id(self->base) : NULL;
}

gint64 pacta_editor_get_base_version(PactaEditor *self)
{
    return self->base ? pacta_contract_get_version(self->base) : 0;
}

GtkEditable *pacta_editor_get_entry(PactaEditor *self, const char *field)
{
    AdwEntryRow *row = entry_for(self, field);
    return row ? GTK_EDITABLE(row) : NULL;
}

gboolean pacta_editor_get_changed_banner_visible(PactaEditor *self)
{
    return gtk_revealer_get_reveal_child(self->changed_revealer);
}

const char *pacta_editor_get_changed_banner_text(PactaEditor *self)
{
    return gtk_label_get_text(self->changed_label);
}

GtkWindow *pacta_editor_get_conflict_dialog(PactaEditor *self)
{
    return self->conflict ? GTK_WINDOW(self->conflict) : NULL;
}

const char *pacta_editor_get_error(PactaEditor *self)
{
    return gtk_widget_get_visible(GTK_WIDGET(self->error_label))
               ? gtk_label_get_text(self->error_label)
               : "";
}

guint pacta_editor_get_history_count(PactaEditor *self)
{
    return self->history_count;
}

/* ---- GObject ---------------------------------------------------------------------- */

static void pacta_editor_dispose(GObject *object)
{
    PactaEditor *self = PACTA_EDITOR(object);
    if (self->cancellable)
        g_cancellable_cancel(self->cancellable);
    g_clear_object(&self->cancellable);
    g_clear_handle_id(&self->hide_banner_id, g_source_remove);
    if (self->store)
        g_signal_handlers_disconnect_by_data(self->store, self);
    if (self->presence)
        g_signal_handlers_disconnect_by_data(self->presence, self);
    if (self->connection)
        g_signal_handlers_disconnect_by_data(self->connection, self);
    g_clear_object(&self->store);
    g_clear_object(&self->presence);
    g_clear_object(&self->connection);
    g_clear_object(&self->base);
    gtk_widget_dispose_template(GTK_WIDGET(self), PACTA_TYPE_EDITOR);
    G_OBJECT_CLASS(pacta_editor_parent_class)->dispose(object);
}

static void pacta_editor_class_init(PactaEditorClass *klass)
{
    GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
    G_OBJECT_CLASS(klass)->dispose = pacta_editor_dispose;

    signals[SIGNAL_CLOSED] = g_signal_new("closed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                          NULL, NULL, NULL, G_TYPE_NONE, 0);
    signals[SIGNAL_TOAST] = g_signal_new("toast", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

    gtk_widget_class_set_template_from_resource(wc, "/org/pacta/Desk/pacta-editor.ui");
#define BIND(name) gtk_widget_class_bind_template_child(wc, PactaEditor, name)
    BIND(window_title);
    BIND(presence_label);
    BIND(changed_revealer);
    BIND(changed_label);
    BIND(review_button);
    BIND(number_row);
    BIND(title_row);
    BIND(counterparty_row);
    BIND(owner_row);
    BIND(kind_row);
    BIND(status_row);
    BIND(renewal_row);
    BIND(sign_date_row);
    BIND(start_date_row);
    BIND(end_date_row);
    BIND(notice_spin);
    BIND(renewal_months_spin);
    BIND(amount_row);
    BIND(currency_row);
    BIND(reason_row);
    BIND(reason_group);
    BIND(history_group);
    BIND(description_view);
    BIND(error_label);
    BIND(meta_label);
    BIND(history_list);
    BIND(delete_button);
    BIND(save_button);
    BIND(revert_button);
    BIND(history_button);
    BIND(scroller);
#undef BIND
}

static void fill_combo_model(AdwComboRow *row, const char *field)
{
    const char *const *choices = pacta_contract_field_choices(field);
    g_autoptr(GtkStringList) list = gtk_string_list_new(NULL);
    for (guint i = 0; choices[i]; i++)
        gtk_string_list_append(list, choice_label(choices[i]));
    adw_combo_row_set_model(row, G_LIST_MODEL(list));
}

static void pacta_editor_init(PactaEditor *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));

    fill_combo_model(self->kind_row, "kind");
    fill_combo_model(self->status_row, "status");
    fill_combo_model(self->renewal_row, "renewal");

    const char *const *fields = pacta_contract_writable_fields();
    for (guint i = 0; fields[i]; i++) {
        AdwEntryRow *row = entry_for(self, fields[i]);
        AdwComboRow *combo = combo_for(self, fields[i]);
        if (row)
            g_signal_connect_swapped(row, "changed", G_CALLBACK(on_form_changed), self);
        if (combo)
            g_signal_connect_swapped(combo, "notify::selected", G_CALLBACK(on_form_changed), self);
    }
    g_signal_connect_swapped(self->reason_row, "changed", G_CALLBACK(on_form_changed), self);
    g_signal_connect_swapped(self->notice_spin, "value-changed", G_CALLBACK(on_form_changed), self);
    g_signal_connect_swapped(self->renewal_months_spin, "value-changed",
                             G_CALLBACK(on_form_changed), self);
    g_signal_connect_swapped(gtk_text_view_get_buffer(self->description_view), "changed",
                             G_CALLBACK(on_form_changed), self);
    g_signal_connect_swapped(self->review_button, "clicked", G_CALLBACK(pacta_editor__on_review),
                             self);
    g_signal_connect_swapped(self->revert_button, "clicked", G_CALLBACK(on_revert), self);
    g_signal_connect_swapped(self->history_button, "clicked", G_CALLBACK(pacta_editor_show_history),
                             self);
}
