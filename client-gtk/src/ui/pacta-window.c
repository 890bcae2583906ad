/*
 * pacta-desk: PactaWindow (see pacta-window.h).
 */
#define G_LOG_DOMAIN "pacta-window"

#include "pacta-window.h"

#include <string.h>

#include "pacta-contract-columns.h"
#include "pacta-export-dialog.h"
#include "pacta-list-model.h"
#include "pacta-remote-list.h"
#include "pacta-views-button.h"
#include "pacta-list-state.h"

#define TOAST_GATHER_MS 1200

struct _PactaWindow {
    AdwApplicationWindow parent_instance;

    AdwToastOverlay *toast_overlay;
    GtkLabel *user_label;
    PactaConnectionBanner *banner;
    GtkSearchBar *search_bar;
    GtkSearchEntry *search_entry;
    GtkToggleButton *fulltext_button;
    GtkDropDown *status_filter, *kind_filter, *lifecycle_filter;
    PactaViewsButton *views_button;
    GtkLabel *count_label;
    AdwViewStack *view_stack;
    AdwViewStackPage *expiring_page;
    GtkStack *list_stack;
    GtkColumnView *column_view;
    GtkColumnViewColumn *col_number, *col_title, *col_counterparty, *col_kind, *col_status,
        *col_end, *col_amount, *col_owner;
    PactaEditor *editor;
    PactaExpiringView *expiring_view;
    PactaDashboardPage *dashboard_page;

    PactaApplication *app; /* weak: the application outlives its windows */
    PactaConnection *connection;
    PactaContractStore *store;
    PactaListModel *list;    /* filtered and sorted off the main thread */
    PactaRemoteList *remote; /* the server's pages, when the list is remote */
    gboolean remote_shown;   /* which of the two the selection shows */
    GtkSingleSelection *selection;

    char *search_text;                     /* pacta_search_fold()ed, NULL when empty */
    char *search_raw;                      /* as typed (stripped), NULL when empty */
    const char *status_value, *kind_value; /* static strings or NULL */
    const char *lifecycle_value;           /* likewise */

    guint pending_changes; /* changes by others not yet toasted */
    char *pending_text;    /* the toast if there is exactly one */
    guint toast_id;
    char *last_toast;
};

G_DEFINE_FINAL_TYPE(PactaWindow, pacta_window, ADW_TYPE_APPLICATION_WINDOW)

static const char *const status_values[] = {NULL, "draft", "active", "expired", "terminated"};
static const char *const kind_values[] = {NULL, "client", "supplier"};
static const char *const lifecycle_values[] = {NULL,      "upcoming",   "active", "expiring",
                                               "expired", "terminated", "unknown"};

/* ---- toasts ----------------------------------------------------------------- */

void pacta_window_toast(PactaWindow *self, const char *text)
{
    g_free(self->last_toast);
    self->last_toast = g_strdup(text);
    AdwToast *t = adw_toast_new(text);
    adw_toast_set_timeout(t, 3);
    adw_toast_overlay_add_toast(self->toast_overlay, t);
}

static gboolean flush_changes_toast(gpointer user_data)
{
    PactaWindow *self = user_data;
    self->toast_id = 0;
    if (self->pending_changes == 1 && self->pending_text) {
        pacta_window_toast(self, self->pending_text);
    } else if (self->pending_changes > 1) {
        g_autofree char *t = g_strdup_printf("%u changes arrived", self->pending_changes);
        pacta_window_toast(self, t);
    }
    self->pending_changes = 0;
    g_clear_pointer(&self->pending_text, g_free);
    return G_SOURCE_REMOVE;
}

/* Changes by other people are gathered for a moment, so a burst (or the
 * replay after a reconnect) is one toast, not a pile. */
static void note_change(PactaWindow *self, const char *actor, const char *verb, PactaContract *c)
{
    const char *me = pacta_connection_get_username(self->connection);
    if (actor && me && g_str_equal(actor, me))
        return;
    self->pending_changes++;
    g_free(self->pending_text);
    self->pending_text = g_strdup_printf("%s %s %s", actor && *actor ? actor : "Someone", verb,
                                         pacta_contract_get_number(c));
    if (!self->toast_id)
        self->toast_id = g_timeout_add(TOAST_GATHER_MS, flush_changes_toast, self);
}

/* ---- filtering ----------------------------------------------------------------- */

static gboolean filter_active(PactaWindow *self)
{
    return self->search_text || self->status_value || self->kind_value || self->lifecycle_value;
}

/* The remote list's count: what has come, and whether more is below. */
static void update_remote_state(PactaWindow *self, guint shown)
{
    gboolean pending = pacta_remote_list_get_pending(self->remote);
    gboolean more = !pacta_remote_list_get_complete(self->remote);
    g_autofree char *count = NULL;
    if (pending)
        count = g_strdup("Searching the server…");
    else if (more)
        count = g_strdup_printf("First %u contracts (more as you scroll)", shown);
    else
        count = g_strdup_printf(shown == 1 ? "%u contract found" : "%u contracts found", shown);
    gtk_label_set_text(self->count_label, count);
    gtk_stack_set_visible_child_name(self->list_stack, shown > 0 ? "list"
                                                       : pending ? "loading"
                                                                 : "empty");
}

static void update_list_state(PactaWindow *self)
{
    guint shown = g_list_model_get_n_items(pacta_window_get_visible_model(self));
    if (self->remote_shown) {
        update_remote_state(self, shown);
        return;
    }
    guint total = g_list_model_get_n_items(G_LIST_MODEL(self->store));
    gboolean loading = pacta_contract_store_get_loading(self->store);
    /* a search or sort being computed: the rows shown are still the last ones */
    const char *note = loading                                    ? " (loading…)"
                       : pacta_list_model_get_pending(self->list) ? " (updating…)"
                                                                  : "";

    g_autofree char *count = NULL;
    if (filter_active(self))
        count = g_strdup_printf("%u of %u contracts%s", shown, total, note);
    else
        count = g_strdup_printf(total == 1 ? "%u contract%s" : "%u contracts%s", total, note);
    gtk_label_set_text(self->count_label, count);

    if (shown > 0)
        gtk_stack_set_visible_child_name(self->list_stack, "list");
    else if (loading || !pacta_contract_store_get_loaded(self->store))
        gtk_stack_set_visible_child_name(self->list_stack, "loading");
    else
        gtk_stack_set_visible_child_name(self->list_stack, "empty");
}

/* ---- the server's list (PactaRemoteList) ------------------------------------------ */

/* contracts.list's sort key for a column's field, or NULL (Kind, Status and
 * Owner: the server does not sort by them). */
static const char *remote_sort_key(const char *field)
{
    static const char *const map[][2] = {{"number", "number"},
                                         {"title", "title"},
                                         {"counterparty", "counterparty"},
                                         {"end_date", "end_date"},
                                         {"amount_cents", "amount"}};
    for (guint i = 0; i < G_N_ELEMENTS(map); i++)
        if (g_str_equal(field, map[i][0]))
            return map[i][1];
    return NULL;
}

static void list_widgets(PactaWindow *self, struct pacta_list_widgets *w);

/* The remote list's query from the search, the filters and the first sort
 * column: Full Text searches with `q` (words, descriptions and amendment
 * reasons too), otherwise with `text` (a substring of number, title or
 * counterparty, as the desk's own search). */
static void update_remote_query(PactaWindow *self)
{
    if (!self->remote_shown)
        return;
    struct pacta_list_widgets w;
    PactaSortKey keys[PACTA_LIST_MODEL_MAX_KEYS];
    list_widgets(self, &w);
    guint n = pacta_list_state_sort_chain(&w, keys);
    gboolean fulltext = gtk_toggle_button_get_active(self->fulltext_button);
    PactaRemoteQuery q = {
        .q = fulltext ? self->search_raw : NULL,
        .text = fulltext ? NULL : self->search_raw,
        .status = self->status_value,
        .kind = self->kind_value,
        .lifecycle = self->lifecycle_value,
        .sort = n ? remote_sort_key(keys[0].field) : NULL,
        .descending = n && keys[0].descending,
    };
    pacta_remote_list_set_query(self->remote, &q);
}

/* The desk's own list takes the search, drop-downs and sort (it follows
 * none of them while the server's list is shown: a filter or sort of every
 * row in memory for a list nobody sees cost ~0.1 s a keystroke). */
static void update_local_list(PactaWindow *self)
{
    struct pacta_list_widgets w;
    PactaSortKey keys[PACTA_LIST_MODEL_MAX_KEYS];
    list_widgets(self, &w);
    guint n = pacta_list_state_sort_chain(&w, keys);
    pacta_list_model_set_filter(self->list, self->search_text, self->status_value, self->kind_value,
                                self->lifecycle_value);
    pacta_list_model_set_sort(self->list, keys, n);
}

/* The list shows the server's pages when the desk does not hold every
 * contract (the store stopped at its limit) or the search is full text. */
static void choose_list(PactaWindow *self)
{
    gboolean remote = pacta_contract_store_get_partial(self->store) ||
                      gtk_toggle_button_get_active(self->fulltext_button);
    g_object_set(self->search_entry, "placeholder-text",
                 gtk_toggle_button_get_active(self->fulltext_button)
                     ? "Search words in every field, descriptions too"
                     : "Search number, title or counterparty",
                 NULL);
    if (remote != self->remote_shown) {
        self->remote_shown = remote;
        if (!remote)
            update_local_list(self);
        gtk_single_selection_set_model(self->selection, remote ? G_LIST_MODEL(self->remote)
                                                               : G_LIST_MODEL(self->list));
    }
    update_remote_query(self);
    update_list_state(self);
}

static void on_remote_failed(PactaRemoteList *remote, const GError *error, gpointer user_data)
{
    (void)remote;
    g_autofree char *t =
        g_strdup_printf("The server could not list the contracts: %s", error->message);
    pacta_window_toast(PACTA_WINDOW(user_data), t);
}

static void on_filters_changed(PactaWindow *self)
{
    const char *text = gtk_editable_get_text(GTK_EDITABLE(self->search_entry));
    g_autofree char *stripped = g_strstrip(g_strdup(text));
    g_autofree char *old_text = g_steal_pointer(&self->search_text);
    g_clear_pointer(&self->search_raw, g_free);
    if (*stripped) {
        self->search_text = pacta_search_fold(stripped);
        self->search_raw = g_strdup(stripped);
    }
    const char *status = status_values[gtk_drop_down_get_selected(self->status_filter) %
                                       G_N_ELEMENTS(status_values)];
    const char *kind =
        kind_values[gtk_drop_down_get_selected(self->kind_filter) % G_N_ELEMENTS(kind_values)];
    const char *lifecycle = lifecycle_values[gtk_drop_down_get_selected(self->lifecycle_filter) %
                                             G_N_ELEMENTS(lifecycle_values)];
    if (status == self->status_value && kind == self->kind_value &&
        lifecycle == self->lifecycle_value && g_strcmp0(old_text, self->search_text) == 0)
        return; /* nothing the filter looks at changed */
    self->status_value = status;
    self->kind_value = kind;
    self->lifecycle_value = lifecycle;
    /* Filtered (and sorted) in a worker thread; the list follows when done. */
    if (self->remote_shown)
        update_remote_query(self);
    else
        pacta_list_model_set_filter(self->list, self->search_text, status, kind, lifecycle);
    update_list_state(self);
}

/* ---- saved views (PactaViewsButton, pacta-list-state.c) ------------------------- */

static void list_widgets(PactaWindow *self, struct pacta_list_widgets *w)
{
    *w = (struct pacta_list_widgets){
        .search = GTK_EDITABLE(self->search_entry),
        .fulltext = self->fulltext_button,
        .status = self->status_filter,
        .kind = self->kind_filter,
        .lifecycle = self->lifecycle_filter,
        .status_values = status_values,
        .kind_values = kind_values,
        .lifecycle_values = lifecycle_values,
        .n_status = G_N_ELEMENTS(status_values),
        .n_kind = G_N_ELEMENTS(kind_values),
        .n_lifecycle = G_N_ELEMENTS(lifecycle_values),
        .view = self->column_view,
        .columns = {self->col_number, self->col_title, self->col_counterparty, self->col_end,
                    self->col_amount, self->col_kind, self->col_status, self->col_owner},
    };
}

static json_t *view_state(gpointer user_data)
{
    struct pacta_list_widgets w;
    list_widgets(user_data, &w);
    return pacta_list_state_get(&w);
}

static void apply_view(const json_t *view, gpointer user_data)
{
    PactaWindow *self = user_data;
    struct pacta_list_widgets w;
    g_autofree char *skipped = NULL;
    list_widgets(self, &w);
    adw_view_stack_set_visible_child_name(self->view_stack, "contracts");
    skipped = pacta_list_state_apply(&w, view);
    g_autofree char *text =
        skipped ? g_strdup_printf("View “%s” (not shown in the desk: %s)",
                                  json_string_value(json_object_get(view, "name")), skipped)
                : g_strdup_printf("View “%s”", json_string_value(json_object_get(view, "name")));
    pacta_window_toast(self, text);
}

/* A header was clicked: the list is sorted by the column view's chain of
 * sort columns, off the main thread. */
static void on_sort_changed(PactaWindow *self)
{
    struct pacta_list_widgets w;
    PactaSortKey keys[PACTA_LIST_MODEL_MAX_KEYS];
    list_widgets(self, &w);
    guint n = pacta_list_state_sort_chain(&w, keys);
    if (!self->remote_shown) {
        pacta_list_model_set_sort(self->list, keys, n);
        return;
    }
    if (n && !remote_sort_key(keys[0].field)) {
        /* no header shows an order the list does not have: cleared, which
         * comes back here with no sort (the server's default) */
        pacta_window_toast(self, "With the server's list, sort by number, title, counterparty, "
                                 "end date or amount");
        gtk_column_view_sort_by_column(self->column_view, NULL, GTK_SORT_ASCENDING);
        return;
    }
    update_remote_query(self);
}

/* ---- store signals ------------------------------------------------------------- */

static void on_contract_changed(PactaContractStore *store, PactaContract *c, const char *actor,
                                gboolean created, gpointer user_data)
{
    PactaWindow *self = user_data;
    (void)store;
    /* The list model re-checks the row's filter and place itself (the
     * store re-announces a row changed in place). */
    note_change(self, actor, created ? "created" : "updated", c);
}

static void on_contract_removed(PactaContractStore *store, PactaContract *c, const char *actor,
                                gpointer user_data)
{
    PactaWindow *self = user_data;
    (void)store;
    note_change(self, actor, "deleted", c);
    if (pacta_editor_is_open(self->editor) && !pacta_editor_is_dirty(self->editor) &&
        g_strcmp0(pacta_editor_get_contract_id(self->editor), pacta_contract_get_id(c)) == 0)
        pacta_editor_close(self->editor);
}

static void on_load_failed(PactaContractStore *store, const GError *error, gpointer user_data)
{
    (void)store;
    g_autofree char *t = g_strdup_printf("Could not load the contracts: %s", error->message);
    pacta_window_toast(PACTA_WINDOW(user_data), t);
}

/* ---- opening ------------------------------------------------------------------- */

/* A desk that keeps only part of the contracts asks the server for one it
 * does not hold (an alert, a recent change, a notification about it). */
static void on_fetched(GObject *source, GAsyncResult *res, gpointer data)
{
    g_autoptr(PactaWindow) self = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(PactaContract) c =
        pacta_contract_store_fetch_finish(PACTA_CONTRACT_STORE(source), res, &error);
    if (!self->store) /* the window closed meanwhile */
        return;
    if (c) {
        pacta_window_open_contract(self, pacta_contract_get_id(c));
        return;
    }
    g_autofree char *t = g_error_matches(error, PACTA_DESK_ERROR, PACTA_DESK_ERROR_NOT_FOUND)
                             ? g_strdup("That contract is not in the list: it was deleted")
                             : g_strdup_printf("Could not open the contract: %s", error->message);
    pacta_window_toast(self, t);
}

gboolean pacta_window_open_contract(PactaWindow *self, const char *id)
{
    PactaContract *c = pacta_contract_store_lookup(self->store, id);
    if (!c && id && pacta_contract_store_get_partial(self->store)) {
        pacta_contract_store_fetch_async(self->store, id, on_fetched, g_object_ref(self));
        return TRUE; /* opens when it comes */
    }
    if (!c) {
        /* an alert, a notification or a recent change about a contract
         * deleted since: say so rather than do nothing */
        pacta_window_toast(self, "That contract is not in the list: it was deleted");
        return FALSE;
    }
    if (pacta_editor_is_open(self->editor) && pacta_editor_is_dirty(self->editor) &&
        g_strcmp0(pacta_editor_get_contract_id(self->editor), id) != 0) {
        pacta_window_toast(self, "Save or revert your changes first");
        return FALSE;
    }
    if (g_strcmp0(pacta_editor_get_contract_id(self->editor), id) != 0)
        pacta_editor_open(self->editor, c);
    adw_view_stack_set_visible_child_name(self->view_stack, "contracts");
    return TRUE;
}

static void on_activate(GtkColumnView *view, guint position, gpointer user_data)
{
    PactaWindow *self = user_data;
    (void)view;
    g_autoptr(PactaContract) c = g_list_model_get_item(G_LIST_MODEL(self->selection), position);
    if (c)
        pacta_window_open_contract(self, pacta_contract_get_id(c));
}

/* With the editor beside it the list is narrow: the least needed columns
 * step aside so the rest stay readable.  They are removed rather than
 * hidden: GTK 4.8 still counts hidden columns when it shares out the
 * width of expanding ones, which leaves a gap. */
static void on_editor_visible(PactaWindow *self)
{
    gboolean wide = !gtk_widget_get_visible(GTK_WIDGET(self->editor));
    GtkColumnViewColumn *cols[] = {self->col_kind, self->col_end, self->col_owner};
    guint positions[] = {3, 5, 7};
    GListModel *current = gtk_column_view_get_columns(self->column_view);
    gboolean present = FALSE;
    for (guint i = 0; i < g_list_model_get_n_items(current); i++) {
        g_autoptr(GtkColumnViewColumn) c = g_list_model_get_item(current, i);
        if (c == self->col_kind)
            present = TRUE;
    }
    if (wide && !present) {
        for (guint i = 0; i < G_N_ELEMENTS(cols); i++)
            gtk_column_view_insert_column(self->column_view, positions[i], cols[i]);
    } else if (!wide && present) {
        for (guint i = 0; i < G_N_ELEMENTS(cols); i++)
            gtk_column_view_remove_column(self->column_view, cols[i]);
    }
}

static void on_editor_toast(PactaEditor *editor, const char *text, gpointer user_data)
{
    (void)editor;
    pacta_window_toast(PACTA_WINDOW(user_data), text);
}

static void on_editor_closed(PactaEditor *editor, gpointer user_data)
{
    PactaWindow *self = user_data;
    (void)editor;
    gtk_widget_grab_focus(GTK_WIDGET(self->column_view));
}

/* ---- actions ------------------------------------------------------------------- */

static void action_search(GtkWidget *w, const char *name, GVariant *p)
{
    (void)name;
    (void)p;
    PactaWindow *self = PACTA_WINDOW(w);
    adw_view_stack_set_visible_child_name(self->view_stack, "contracts");
    gtk_search_bar_set_search_mode(self->search_bar, TRUE);
    gtk_widget_grab_focus(GTK_WIDGET(self->search_entry));
}

/* Ctrl+Shift+F: the search with Full Text on. */
static void action_search_fulltext(GtkWidget *w, const char *name, GVariant *p)
{
    gtk_toggle_button_set_active(PACTA_WINDOW(w)->fulltext_button, TRUE);
    action_search(w, name, p);
}

static void action_new(GtkWidget *w, const char *name, GVariant *p)
{
    (void)name;
    (void)p;
    PactaWindow *self = PACTA_WINDOW(w);
    if (!pacta_connection_can_edit(self->connection)) {
        pacta_window_toast(self, "Your role can read contracts but not create them");
        return;
    }
    if (pacta_editor_is_dirty(self->editor)) {
        pacta_window_toast(self, "Save or revert your changes first");
        return;
    }
    adw_view_stack_set_visible_child_name(self->view_stack, "contracts");
    pacta_editor_open(self->editor, NULL);
}

static void action_save(GtkWidget *w, const char *name, GVariant *p)
{
    (void)name;
    (void)p;
    pacta_editor_save(PACTA_WINDOW(w)->editor);
}

static void action_delete(GtkWidget *w, const char *name, GVariant *p)
{
    (void)name;
    (void)p;
    pacta_editor_request_delete(PACTA_WINDOW(w)->editor);
}

/* Export… of the list as it is filtered now (PactaExportDialog). */
static void action_export(GtkWidget *w, const char *name, GVariant *p)
{
    (void)name;
    (void)p;
    PactaWindow *self = PACTA_WINDOW(w);
    json_t *filters = json_object();
    g_autofree char *text =
        g_strstrip(g_strdup(gtk_editable_get_text(GTK_EDITABLE(self->search_entry))));
    if (self->status_value)
        json_object_set_new(filters, "status", json_string(self->status_value));
    if (self->kind_value)
        json_object_set_new(filters, "kind", json_string(self->kind_value));
    if (self->lifecycle_value)
        json_object_set_new(filters, "lifecycle", json_string(self->lifecycle_value));
    if (*text) /* as the list searches */
        json_object_set_new(filters,
                            gtk_toggle_button_get_active(self->fulltext_button) ? "q" : "text",
                            json_string(text));
    pacta_export_dialog_start(GTK_WINDOW(self), self->connection, filters, NULL, NULL);
    json_decref(filters);
}

/* Export… of the contract open in the editor: its PDF report. */
static void action_export_contract(GtkWidget *w, const char *name, GVariant *p)
{
    (void)name;
    (void)p;
    PactaWindow *self = PACTA_WINDOW(w);
    const char *id =
        pacta_editor_is_open(self->editor) ? pacta_editor_get_contract_id(self->editor) : NULL;
    PactaContract *c = id ? pacta_contract_store_lookup(self->store, id) : NULL;
    if (!c) {
        pacta_window_toast(self, "Open a saved contract to export its report");
        return;
    }
    pacta_export_dialog_start(GTK_WINDOW(self), self->connection, NULL, id,
                              pacta_contract_get_number(c));
}

static void action_close_editor(GtkWidget *w, const char *name, GVariant *p)
{
    (void)name;
    (void)p;
    PactaWindow *self = PACTA_WINDOW(w);
    if (pacta_editor_is_open(self->editor))
        pacta_editor_request_close(self->editor);
    else
        gtk_window_close(GTK_WINDOW(self));
}

static void action_reload(GtkWidget *w, const char *name, GVariant *p)
{
    (void)name;
    (void)p;
    PactaWindow *self = PACTA_WINDOW(w);
    if (pacta_connection_get_state(self->connection) == PACTA_CONNECTION_CONNECTED)
        pacta_contract_store_reload(self->store);
    else
        pacta_window_toast(self, "Not connected: the list refreshes itself once it is back");
}

static void action_show(GtkWidget *w, const char *name, GVariant *p)
{
    (void)p;
    pacta_window_show_page(PACTA_WINDOW(w),
                           g_str_equal(name, "win.show-expiring") ? "expiring" : "contracts");
}

void pacta_window_show_page(PactaWindow *self, const char *name)
{
    adw_view_stack_set_visible_child_name(self->view_stack, name);
}

/* ---- connection ------------------------------------------------------------------- */

static void update_user(PactaWindow *self)
{
    const char *name = pacta_connection_get_display_name(self->connection);
    const char *role = pacta_connection_get_role(self->connection);
    g_autofree char *text = name && *name ? g_strdup_printf("%s · %s", name, role) : g_strdup("");
    gtk_label_set_text(self->user_label, text);
    gboolean can_edit = pacta_connection_can_edit(self->connection);
    gtk_widget_action_set_enabled(GTK_WIDGET(self), "win.new-contract", can_edit);
}

static void update_expiring_badge(PactaWindow *self)
{
    guint n = pacta_expiring_view_get_count(self->expiring_view);
    adw_view_stack_page_set_badge_number(self->expiring_page, n);
    adw_view_stack_page_set_needs_attention(self->expiring_page, n > 0);
}

/* Expiry events carry the whole record; expired and renewed ones changed
 * it (status, end date, version), so the row follows. */
/*
 * server.reset: an administrator restored a backup, so every record held
 * here may be wrong.  The list is reloaded from scratch (PROTOCOL.md §7.2)
 * and the user is told why their screen changed.
 */
static void on_server_reset(PactaWindow *self, const json_t *data)
{
    const char *when = json_string_value(json_object_get(data, "backup_created_at"));
    g_autofree char *day = when ? g_strndup(when, 10) : NULL;
    g_autofree char *text =
        day ? g_strdup_printf("The administrator restored the data of %s: the list was reloaded",
                              day)
            : g_strdup("The administrator restored the data: the list was reloaded");
    pacta_contract_store_reload(self->store);
    pacta_window_toast(self, text);
}

static void on_expiry_event(PactaConnection *connection, const char *name, gint64 seq,
                            gpointer data, gpointer user_data)
{
    PactaWindow *self = user_data;
    (void)connection;
    (void)seq;
    if (g_str_equal(name, "server.reset")) {
        on_server_reset(self, data);
        return;
    }
    /* a new day moves lifecycles: the rows the server's list shows are read
     * again (the store refreshes only the rows its own load read) */
    if (g_str_equal(name, "server.day") && self->remote_shown) {
        pacta_remote_list_refresh(self->remote);
        return;
    }
    const json_t *record = json_object_get(data, "contract");
    /* contract.expiring and notice_due keep the version, but the record's
     * lifecycle and days left moved with the server's today. */
    if (json_is_object(record) &&
        (g_str_equal(name, "contract.expiring") || g_str_equal(name, "contract.notice_due")))
        pacta_contract_store_refresh_derived(self->store, record);
    if (!g_str_equal(name, "contract.expired") && !g_str_equal(name, "contract.renewed"))
        return;
    if (json_is_object(record))
        pacta_contract_store_apply_record(self->store, record, "system", NULL, TRUE);
}

/* The search bar filters the contract list only. */
static void on_page_changed(PactaWindow *self)
{
    const char *page = adw_view_stack_get_visible_child_name(self->view_stack);
    gtk_widget_set_visible(GTK_WIDGET(self->search_bar), g_strcmp0(page, "contracts") == 0);
}

PactaWindow *pacta_window_new(PactaApplication *app)
{
    PactaWindow *self = g_object_new(PACTA_TYPE_WINDOW, "application", app, NULL);
    self->app = app;
    self->connection = g_object_ref(pacta_application_get_connection(app));
    self->store = g_object_ref(pacta_application_get_store(app));

    /* Filtered and sorted in a worker thread and put in as one change
     * (PactaListModel): a sort of 100,000 rows took ~1.5 s of the main
     * thread through GtkSortListModel (bench/RESULTS.md).  The column view's
     * sorter only says which columns the user clicked. */
    self->list = pacta_list_model_new(self->store);
    g_signal_connect_swapped(gtk_column_view_get_sorter(self->column_view), "changed",
                             G_CALLBACK(on_sort_changed), self);
    self->selection = gtk_single_selection_new(g_object_ref(G_LIST_MODEL(self->list)));
    gtk_single_selection_set_autoselect(self->selection, FALSE);
    gtk_single_selection_set_can_unselect(self->selection, TRUE);
    gtk_column_view_set_model(self->column_view, GTK_SELECTION_MODEL(self->selection));

    g_signal_connect_swapped(self->list, "items-changed", G_CALLBACK(update_list_state), self);
    self->remote = pacta_remote_list_new(self->connection, self->store);
    g_signal_connect_swapped(self->remote, "items-changed", G_CALLBACK(update_list_state), self);
    g_signal_connect_swapped(self->remote, "notify::pending", G_CALLBACK(update_list_state), self);
    g_signal_connect_swapped(self->remote, "notify::complete", G_CALLBACK(update_list_state), self);
    g_signal_connect(self->remote, "failed", G_CALLBACK(on_remote_failed), self);
    g_signal_connect_swapped(self->store, "notify::partial", G_CALLBACK(choose_list), self);
    g_signal_connect_swapped(self->fulltext_button, "toggled", G_CALLBACK(choose_list), self);
    g_signal_connect_swapped(self->list, "notify::pending", G_CALLBACK(update_list_state), self);
    g_signal_connect_swapped(self->store, "notify::loading", G_CALLBACK(update_list_state), self);
    g_signal_connect_swapped(self->store, "notify::loaded", G_CALLBACK(update_list_state), self);
    g_signal_connect(self->store, "contract-changed", G_CALLBACK(on_contract_changed), self);
    g_signal_connect(self->store, "contract-removed", G_CALLBACK(on_contract_removed), self);
    g_signal_connect(self->store, "load-failed", G_CALLBACK(on_load_failed), self);
    g_signal_connect_swapped(self->connection, "notify::role", G_CALLBACK(update_user), self);
    g_signal_connect_swapped(self->connection, "notify::display-name", G_CALLBACK(update_user),
                             self);

    g_signal_connect(self->connection, "event", G_CALLBACK(on_expiry_event), self);
    pacta_connection_banner_set_connection(self->banner, self->connection);
    pacta_editor_setup(self->editor, self->connection, self->store,
                       pacta_application_get_presence(app));
    pacta_expiring_view_set_connection(self->expiring_view, self->connection);
    pacta_dashboard_page_set_connection(self->dashboard_page, self->connection);
    pacta_views_button_setup(self->views_button, self->connection, view_state, apply_view, self);
    g_signal_connect_swapped(self->views_button, "message", G_CALLBACK(pacta_window_toast), self);
    update_user(self);
    choose_list(self);
    gtk_widget_grab_focus(GTK_WIDGET(self->column_view));
    return self;
}

/* ---- accessors -------------------------------------------------------------------- */

GtkColumnView *pacta_window_get_column_view(PactaWindow *self)
{
    return self->column_view;
}

GListModel *pacta_window_get_visible_model(PactaWindow *self)
{
    return self->remote_shown ? G_LIST_MODEL(self->remote) : G_LIST_MODEL(self->list);
}

gboolean pacta_window_get_list_pending(PactaWindow *self)
{
    return self->remote_shown ? pacta_remote_list_get_pending(self->remote)
                              : pacta_list_model_get_pending(self->list);
}

GtkToggleButton *pacta_window_get_fulltext_button(PactaWindow *self)
{
    return self->fulltext_button;
}

const char *pacta_window_get_count_text(PactaWindow *self)
{
    return gtk_label_get_text(self->count_label);
}

PactaEditor *pacta_window_get_editor(PactaWindow *self)
{
    return self->editor;
}

PactaConnectionBanner *pacta_window_get_banner(PactaWindow *self)
{
    return self->banner;
}

PactaExpiringView *pacta_window_get_expiring_view(PactaWindow *self)
{
    return self->expiring_view;
}

PactaDashboardPage *pacta_window_get_dashboard_page(PactaWindow *self)
{
    return self->dashboard_page;
}

GtkEditable *pacta_window_get_search_entry(PactaWindow *self)
{
    return GTK_EDITABLE(self->search_entry);
}

GtkDropDown *pacta_window_get_lifecycle_filter(PactaWindow *self)
{
    return self->lifecycle_filter;
}

PactaViewsButton *pacta_window_get_views_button(PactaWindow *self)
{
    return self->views_button;
}

const char *pacta_window_get_last_toast(PactaWindow *self)
{
    return self->last_toast;
}

/* ---- GObject ---------------------------------------------------------------------- */

/* Closing the window with unsaved edits asks first (nothing typed is lost
 * by accident). */
static gboolean pacta_window_close_request(GtkWindow *window)
{
    PactaWindow *self = PACTA_WINDOW(window);
    if (pacta_editor_is_dirty(self->editor)) {
        pacta_editor_request_close_window(self->editor);
        return TRUE;
    }
    return GTK_WINDOW_CLASS(pacta_window_parent_class)->close_request(window);
}

static void pacta_window_dispose(GObject *object)
{
    PactaWindow *self = PACTA_WINDOW(object);
    g_clear_handle_id(&self->toast_id, g_source_remove);
    if (self->store)
        g_signal_handlers_disconnect_by_data(self->store, self);
    if (self->connection)
        g_signal_handlers_disconnect_by_data(self->connection, self);
    if (self->column_view) {
        g_signal_handlers_disconnect_by_data(gtk_column_view_get_sorter(self->column_view), self);
        gtk_column_view_set_model(self->column_view, NULL);
    }
    g_clear_object(&self->col_kind);
    g_clear_object(&self->col_end);
    g_clear_object(&self->col_owner);
    g_clear_object(&self->selection);
    if (self->list) /* a computation still running keeps it alive */
        g_signal_handlers_disconnect_by_data(self->list, self);
    g_clear_object(&self->list);
    if (self->remote)
        g_signal_handlers_disconnect_by_data(self->remote, self);
    g_clear_object(&self->remote);
    g_clear_object(&self->store);
    g_clear_object(&self->connection);
    g_clear_pointer(&self->search_text, g_free);
    g_clear_pointer(&self->search_raw, g_free);
    g_clear_pointer(&self->pending_text, g_free);
    g_clear_pointer(&self->last_toast, g_free);
    gtk_widget_dispose_template(GTK_WIDGET(self), PACTA_TYPE_WINDOW);
    G_OBJECT_CLASS(pacta_window_parent_class)->dispose(object);
}

static void pacta_window_class_init(PactaWindowClass *klass)
{
    GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
    G_OBJECT_CLASS(klass)->dispose = pacta_window_dispose;
    GTK_WINDOW_CLASS(klass)->close_request = pacta_window_close_request;

    g_type_ensure(PACTA_TYPE_CONNECTION_BANNER);
    g_type_ensure(PACTA_TYPE_EDITOR);
    g_type_ensure(PACTA_TYPE_EXPIRING_VIEW);
    g_type_ensure(PACTA_TYPE_DASHBOARD_PAGE);
    g_type_ensure(PACTA_TYPE_VIEWS_BUTTON);

    gtk_widget_class_set_template_from_resource(wc, "/org/pacta/Desk/pacta-window.ui");
#define BIND(name) gtk_widget_class_bind_template_child(wc, PactaWindow, name)
    BIND(toast_overlay);
    BIND(user_label);
    BIND(banner);
    BIND(search_bar);
    BIND(search_entry);
    BIND(fulltext_button);
    BIND(status_filter);
    BIND(kind_filter);
    BIND(lifecycle_filter);
    BIND(views_button);
    BIND(count_label);
    BIND(view_stack);
    BIND(expiring_page);
    BIND(list_stack);
    BIND(column_view);
    BIND(col_number);
    BIND(col_title);
    BIND(col_counterparty);
    BIND(col_kind);
    BIND(col_status);
    BIND(col_end);
    BIND(col_amount);
    BIND(col_owner);
    BIND(editor);
    BIND(expiring_view);
    BIND(dashboard_page);
#undef BIND

    gtk_widget_class_install_action(wc, "win.search", NULL, action_search);
    gtk_widget_class_install_action(wc, "win.search-fulltext", NULL, action_search_fulltext);
    gtk_widget_class_install_action(wc, "win.new-contract", NULL, action_new);
    gtk_widget_class_install_action(wc, "win.save", NULL, action_save);
    gtk_widget_class_install_action(wc, "win.delete", NULL, action_delete);
    gtk_widget_class_install_action(wc, "win.close-editor", NULL, action_close_editor);
    gtk_widget_class_install_action(wc, "win.export", NULL, action_export);
    gtk_widget_class_install_action(wc, "win.export-contract", NULL, action_export_contract);
    gtk_widget_class_install_action(wc, "win.reload", NULL, action_reload);
    gtk_widget_class_install_action(wc, "win.show-contracts", NULL, action_show);
    gtk_widget_class_install_action(wc, "win.show-expiring", NULL, action_show);
}

static void pacta_window_init(PactaWindow *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));

    pacta_contract_column_setup(self->col_number, PACTA_COLUMN_NUMBER);
    pacta_contract_column_setup(self->col_title, PACTA_COLUMN_TITLE);
    pacta_contract_column_setup(self->col_counterparty, PACTA_COLUMN_COUNTERPARTY);
    pacta_contract_column_setup(self->col_kind, PACTA_COLUMN_KIND);
    pacta_contract_column_setup(self->col_status, PACTA_COLUMN_STATUS);
    pacta_contract_column_setup(self->col_end, PACTA_COLUMN_END_DATE);
    pacta_contract_column_setup(self->col_amount, PACTA_COLUMN_AMOUNT);
    pacta_contract_column_setup(self->col_owner, PACTA_COLUMN_OWNER);
    /* Our own references: these columns leave the view while the editor
     * is open (on_editor_visible). */
    g_object_ref(self->col_kind);
    g_object_ref(self->col_end);
    g_object_ref(self->col_owner);

    gtk_search_bar_connect_entry(self->search_bar, GTK_EDITABLE(self->search_entry));
    g_signal_connect_swapped(self->search_entry, "search-changed", G_CALLBACK(on_filters_changed),
                             self);
    g_signal_connect_swapped(self->status_filter, "notify::selected",
                             G_CALLBACK(on_filters_changed), self);
    g_signal_connect_swapped(self->kind_filter, "notify::selected", G_CALLBACK(on_filters_changed),
                             self);
    g_signal_connect_swapped(self->lifecycle_filter, "notify::selected",
                             G_CALLBACK(on_filters_changed), self);
    g_signal_connect(self->column_view, "activate", G_CALLBACK(on_activate), self);
    g_signal_connect(self->editor, "toast", G_CALLBACK(on_editor_toast), self);
    g_signal_connect(self->editor, "closed", G_CALLBACK(on_editor_closed), self);
    g_signal_connect_swapped(self->editor, "notify::visible", G_CALLBACK(on_editor_visible), self);
    g_signal_connect_swapped(self->expiring_view, "changed", G_CALLBACK(update_expiring_badge),
                             self);
    g_signal_connect_swapped(self->view_stack, "notify::visible-child-name",
                             G_CALLBACK(on_page_changed), self);
}
