/*
 * pacta-desk: PactaWindow (see pacta-window.h): the toasts, the store's
 * and the connection's signals, opening contracts, the actions.  The
 * contract list's filters, sort and models are pacta-window-list.c's.
 */
#define G_LOG_DOMAIN "pacta-window"

#include "pacta-window.h"

#include <string.h>

#include "pacta-contract-columns.h"
#include "pacta-export-dialog.h"
#include "pacta-views-button.h"
#include "pacta-window-private.h"

#define TOAST_GATHER_MS 1200

G_DEFINE_FINAL_TYPE(PactaWindow, pacta_window, ADW_TYPE_APPLICATION_WINDOW)

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
    json_t *filters = pacta_window__list_filters(self);
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
    /* a new day moves lifecycles (the list reads the server's rows again) */
    if (g_str_equal(name, "server.day")) {
        pacta_window__list_new_day(self);
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
    g_signal_connect_swapped(self->views_button, "message", G_CALLBACK(pacta_window_toast), self);
    pacta_window__list_setup(self);
    update_user(self);
    gtk_widget_grab_focus(GTK_WIDGET(self->column_view));
    return self;
}

/* ---- accessors -------------------------------------------------------------------- */

GtkColumnView *pacta_window_get_column_view(PactaWindow *self)
{
    return self->column_view;
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
    pacta_window__list_dispose(self);
    g_clear_object(&self->col_kind);
    g_clear_object(&self->col_end);
    g_clear_object(&self->col_owner);
    g_clear_object(&self->store);
    g_clear_object(&self->connection);
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
    g_signal_connect(self->column_view, "activate", G_CALLBACK(on_activate), self);
    g_signal_connect(self->editor, "toast", G_CALLBACK(on_editor_toast), self);
    g_signal_connect(self->editor, "closed", G_CALLBACK(on_editor_closed), self);
    g_signal_connect_swapped(self->editor, "notify::visible", G_CALLBACK(on_editor_visible), self);
    g_signal_connect_swapped(self->expiring_view, "changed", G_CALLBACK(update_expiring_badge),
                             self);
    g_signal_connect_swapped(self->view_stack, "notify::visible-child-name",
                             G_CALLBACK(on_page_changed), self);
}
