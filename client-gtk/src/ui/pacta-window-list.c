/*
 * pacta-desk: PactaWindow's contract list (see pacta-window-private.h):
 * the search, the drop-downs and the column view's sort, saved views, the
 * count above the list, and which list the selection shows.  The desk's
 * own list (PactaListModel, filtered and sorted off the main thread) when
 * it holds every contract; the server's pages (PactaRemoteList) when the
 * store is partial or Full Text is on.
 */
#define G_LOG_DOMAIN "pacta-window"

#include <string.h>

#include "pacta-list-state.h"
#include "pacta-views-button.h"
#include "pacta-window-private.h"

static const char *const status_values[] = {NULL, "draft", "active", "expired", "terminated"};
static const char *const kind_values[] = {NULL, "client", "supplier"};
static const char *const lifecycle_values[] = {NULL,      "upcoming",   "active", "expiring",
                                               "expired", "terminated", "unknown"};

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

/* ---- setup -------------------------------------------------------------------------- */

json_t *pacta_window__list_filters(PactaWindow *self)
{
    json_t *filters = json_object();
    if (self->status_value)
        json_object_set_new(filters, "status", json_string(self->status_value));
    if (self->kind_value)
        json_object_set_new(filters, "kind", json_string(self->kind_value));
    if (self->lifecycle_value)
        json_object_set_new(filters, "lifecycle", json_string(self->lifecycle_value));
    if (self->search_raw) /* as the list searches */
        json_object_set_new(filters,
                            gtk_toggle_button_get_active(self->fulltext_button) ? "q" : "text",
                            json_string(self->search_raw));
    return filters;
}

/* The store refreshes only the rows its own load read: the rows the
 * server's list shows are read again. */
void pacta_window__list_new_day(PactaWindow *self)
{
    if (self->remote_shown)
        pacta_remote_list_refresh(self->remote);
}

void pacta_window__list_setup(PactaWindow *self)
{
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
    g_signal_connect_swapped(self->list, "notify::pending", G_CALLBACK(update_list_state), self);

    self->remote = pacta_remote_list_new(self->connection, self->store);
    g_signal_connect_swapped(self->remote, "items-changed", G_CALLBACK(update_list_state), self);
    g_signal_connect_swapped(self->remote, "notify::pending", G_CALLBACK(update_list_state), self);
    g_signal_connect_swapped(self->remote, "notify::complete", G_CALLBACK(update_list_state), self);
    g_signal_connect(self->remote, "failed", G_CALLBACK(on_remote_failed), self);

    g_signal_connect_swapped(self->store, "notify::partial", G_CALLBACK(choose_list), self);
    g_signal_connect_swapped(self->store, "notify::loading", G_CALLBACK(update_list_state), self);
    g_signal_connect_swapped(self->store, "notify::loaded", G_CALLBACK(update_list_state), self);
    g_signal_connect_swapped(self->fulltext_button, "toggled", G_CALLBACK(choose_list), self);
    g_signal_connect_swapped(self->search_entry, "search-changed", G_CALLBACK(on_filters_changed),
                             self);
    g_signal_connect_swapped(self->status_filter, "notify::selected",
                             G_CALLBACK(on_filters_changed), self);
    g_signal_connect_swapped(self->kind_filter, "notify::selected", G_CALLBACK(on_filters_changed),
                             self);
    g_signal_connect_swapped(self->lifecycle_filter, "notify::selected",
                             G_CALLBACK(on_filters_changed), self);
    pacta_views_button_setup(self->views_button, self->connection, view_state, apply_view, self);
    choose_list(self);
}

void pacta_window__list_dispose(PactaWindow *self)
{
    if (self->column_view) {
        g_signal_handlers_disconnect_by_data(gtk_column_view_get_sorter(self->column_view), self);
        gtk_column_view_set_model(self->column_view, NULL);
    }
    g_clear_object(&self->selection);
    if (self->list) /* a computation still running keeps it alive */
        g_signal_handlers_disconnect_by_data(self->list, self);
    g_clear_object(&self->list);
    if (self->remote)
        g_signal_handlers_disconnect_by_data(self->remote, self);
    g_clear_object(&self->remote);
    g_clear_pointer(&self->search_text, g_free);
    g_clear_pointer(&self->search_raw, g_free);
}
