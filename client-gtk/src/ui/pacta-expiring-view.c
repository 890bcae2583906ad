/*
 * pacta-desk: PactaExpiringView (see pacta-expiring-view.h).
 */
#define G_LOG_DOMAIN "pacta-expiring"

#include "pacta-expiring-view.h"

#include "pacta-contract.h"

struct _PactaExpiringView {
    GtkBox parent_instance;

    GtkStack *stack;
    GtkListBox *list_box;

    PactaConnection *connection;
    GHashTable *rows;       /* contract id -> row (borrowed; the list box owns it) */
    GHashTable *unseen;     /* gint64 ids of stored notifications listed, not yet seen */
    GCancellable *requests; /* notifications.list / mark_read in flight */
    gboolean listing;       /* a notifications.list is in flight */
    gboolean relist;        /* ... and another is wanted after it */
};

G_DEFINE_FINAL_TYPE(PactaExpiringView, pacta_expiring_view, GTK_TYPE_BOX)

enum { SIGNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static const struct {
    const char *event, *label, *css, *icon;
} kinds[] = {
    {"contract.expiring", "Expiring", "status-expired", "alarm-symbolic"},
    {"contract.notice_due", "Notice due", "status-expired", "mail-send-symbolic"},
    {"contract.expired", "Expired", "status-terminated", "dialog-warning-symbolic"},
    {"contract.renewed", "Renewed", "status-active", "view-refresh-symbolic"},
};

/* Days from the server's today to `target` (both "YYYY-MM-DD"); FALSE if
 * either is unknown. */
static gboolean days_until(const char *today, const char *target, gint64 *days)
{
    int y[2], m[2], d[2];
    const char *s[2] = {today, target};
    GDate dates[2];
    for (int i = 0; i < 2; i++) {
        if (!s[i] || sscanf(s[i], "%4d-%2d-%2d", &y[i], &m[i], &d[i]) != 3 ||
            !g_date_valid_dmy((GDateDay)d[i], (GDateMonth)m[i], (GDateYear)y[i]))
            return FALSE;
        g_date_clear(&dates[i], 1);
        g_date_set_dmy(&dates[i], (GDateDay)d[i], (GDateMonth)m[i], (GDateYear)y[i]);
    }
    *days = g_date_days_between(&dates[0], &dates[1]);
    return TRUE;
}

/*
 * A row's subtitle: what the alert is about (kept on the row as
 * "pacta-what"), the days left to its date ("pacta-target": the end or the
 * notice deadline) counted from the server's today, so it counts down with
 * server.day, then the counterparty ("pacta-party").  Without a known
 * today, the days the alert itself said ("pacta-days").
 */
static void show_subtitle(PactaExpiringView *self, GtkWidget *row)
{
    const char *what = g_object_get_data(G_OBJECT(row), "pacta-what");
    const char *target = g_object_get_data(G_OBJECT(row), "pacta-target");
    const char *party = g_object_get_data(G_OBJECT(row), "pacta-party");
    const gint64 *said = g_object_get_data(G_OBJECT(row), "pacta-days");
    const char *today =
        self->connection ? pacta_connection_get_server_today(self->connection) : NULL;
    gint64 days = 0;
    gboolean known = target && days_until(today, target, &days);
    if (!known && said) {
        days = *said;
        known = TRUE;
    }
    g_autoptr(GString) sub = g_string_new(what);
    if (known && days > 0)
        g_string_append_printf(sub, days == 1 ? " — tomorrow" : " — in %" G_GINT64_FORMAT " days",
                               days);
    if (party)
        g_string_append_printf(sub, "%s%s", sub->len ? " · " : "", party);
    g_autofree char *markup = g_markup_escape_text(sub->str, -1);
    adw_action_row_set_subtitle(ADW_ACTION_ROW(row), markup);
}

/* The server's date changed (server.day, a subscribe): the days left did. */
static void show_subtitles(PactaExpiringView *self)
{
    GHashTableIter it;
    gpointer row;
    g_hash_table_iter_init(&it, self->rows);
    while (g_hash_table_iter_next(&it, NULL, &row))
        show_subtitle(self, GTK_WIDGET(row));
}

gboolean pacta_expiring_view_add_alert(PactaExpiringView *self, const char *name,
                                       const json_t *data)
{
    size_t k;
    for (k = 0; k < G_N_ELEMENTS(kinds); k++)
        if (g_str_equal(kinds[k].event, name))
            break;
    const json_t *c = json_object_get(data, "contract");
    const char *id = json_string_value(json_object_get(c, "id"));
    if (k == G_N_ELEMENTS(kinds) || !id)
        return FALSE;

    GtkWidget *old = g_hash_table_lookup(self->rows, id);
    if (old) {
        g_hash_table_remove(self->rows, id);
        gtk_list_box_remove(self->list_box, old);
    }

    const char *number = json_string_value(json_object_get(c, "number"));
    const char *title = json_string_value(json_object_get(c, "title"));
    const char *party = json_string_value(json_object_get(c, "counterparty"));
    const char *end = json_string_value(json_object_get(data, "end_date"));
    if (!end)
        end = json_string_value(json_object_get(c, "end_date"));
    const char *deadline = json_string_value(json_object_get(data, "notice_deadline"));
    const char *previous = json_string_value(json_object_get(data, "previous_end_date"));
    const json_t *days = json_object_get(data, "days_left");

    g_autofree char *row_title =
        g_markup_printf_escaped("%s · %s", number ? number : "?", title ? title : "");
    /* What the alert is about, in words (show_subtitle adds the days left
     * and who the counterparty is). */
    g_autoptr(GString) sub = g_string_new(NULL);
    if (g_str_equal(name, "contract.notice_due") && deadline)
        g_string_append_printf(sub, "Notice deadline %s", deadline);
    else if (g_str_equal(name, "contract.renewed") && end)
        g_string_append_printf(sub, "Renewed%s%s to %s", previous ? " from " : "",
                               previous ? previous : "", end);
    else if (g_str_equal(name, "contract.expired") && end)
        g_string_append_printf(sub, "Ended %s", end);
    else if (end)
        g_string_append_printf(sub, "Ends %s", end);
    /* the days left: to the notice deadline or the end, before it passes */
    const char *target = g_str_equal(name, "contract.notice_due") ? deadline
                         : g_str_equal(name, "contract.expiring") ? end
                                                                  : NULL;

    GtkWidget *row = adw_action_row_new();
    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), row_title);
    g_object_set_data_full(G_OBJECT(row), "pacta-what", g_string_free(g_steal_pointer(&sub), FALSE),
                           g_free);
    g_object_set_data_full(G_OBJECT(row), "pacta-target", g_strdup(target), g_free);
    g_object_set_data_full(G_OBJECT(row), "pacta-party", g_strdup(party), g_free);
    if (target && json_is_integer(days)) {
        gint64 *said = g_new(gint64, 1);
        *said = json_integer_value(days);
        g_object_set_data_full(G_OBJECT(row), "pacta-days", said, g_free);
    }
    show_subtitle(self, row);
    adw_action_row_set_icon_name(ADW_ACTION_ROW(row), kinds[k].icon);
    gtk_list_box_row_set_activatable(GTK_LIST_BOX_ROW(row), TRUE);
    GtkWidget *pill = gtk_label_new(kinds[k].label);
    gtk_widget_add_css_class(pill, "pacta-pill");
    gtk_widget_add_css_class(pill, kinds[k].css);
    gtk_widget_set_valign(pill, GTK_ALIGN_CENTER);
    adw_action_row_add_suffix(ADW_ACTION_ROW(row), pill);
    GtkWidget *arrow = gtk_image_new_from_icon_name("go-next-symbolic");
    adw_action_row_add_suffix(ADW_ACTION_ROW(row), arrow);
    gtk_actionable_set_action_name(GTK_ACTIONABLE(row), "app.open-contract");
    gtk_actionable_set_action_target(GTK_ACTIONABLE(row), "s", id);

    gtk_list_box_prepend(self->list_box, row);
    g_hash_table_insert(self->rows, g_strdup(id), row);
    gtk_stack_set_visible_child_name(self->stack, "list");
    g_signal_emit(self, signals[SIGNAL_CHANGED], 0);
    return TRUE;
}

guint pacta_expiring_view_get_count(PactaExpiringView *self)
{
    return g_hash_table_size(self->rows);
}

/* After a restore (server.reset) the alerts shown may be about data that no
 * longer exists: start over with what the server raises next. */
static void clear_alerts(PactaExpiringView *self)
{
    GHashTableIter it;
    gpointer row;
    g_hash_table_iter_init(&it, self->rows);
    while (g_hash_table_iter_next(&it, NULL, &row))
        gtk_list_box_remove(self->list_box, GTK_WIDGET(row));
    g_hash_table_remove_all(self->rows);
    gtk_stack_set_visible_child_name(self->stack, "empty");
    g_signal_emit(self, signals[SIGNAL_CHANGED], 0);
}

static void list_stored(PactaExpiringView *self);

/* Whether the alert's "notify" or "digest" names this desk's user: the
 * server stored a notification for them with it (§7.1). */
static gboolean names_me(PactaExpiringView *self, const json_t *data)
{
    const char *me = pacta_connection_get_username(self->connection);
    const char *lists[] = {"notify", "digest"};
    size_t i;
    json_t *who;
    for (size_t l = 0; me && l < G_N_ELEMENTS(lists); l++)
        json_array_foreach(json_object_get(data, lists[l]), i, who)
        {
            if (g_strcmp0(json_string_value(who), me) == 0)
                return TRUE;
        }
    return FALSE;
}

static void on_event(PactaConnection *connection, const char *name, gint64 seq, gpointer data,
                     gpointer user_data)
{
    PactaExpiringView *self = PACTA_EXPIRING_VIEW(user_data);
    (void)connection;
    (void)seq;
    if (g_str_equal(name, "server.day")) {
        show_subtitles(self);
    } else if (g_str_equal(name, "server.reset")) {
        /* the restored data has its own unread notifications */
        g_hash_table_remove_all(self->unseen);
        clear_alerts(self);
        list_stored(self);
    } else if (pacta_expiring_view_add_alert(self, name, data) && names_me(self, data)) {
        /* the alert's notification, to be read with the page like a stored one */
        list_stored(self);
    }
}

/* ---- alerts stored as the user's notifications --------------------------- */

static void marked(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GError) error = NULL;
    json_t *res = pacta_connection_request_finish(PACTA_CONNECTION(source), result, NULL, &error);
    (void)user_data;
    if (!res && !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug("notifications.mark_read: %s", error ? error->message : "?");
    json_decref(res);
}

/* The page is on screen: the stored alerts it lists have been seen. */
static void mark_seen(PactaExpiringView *self)
{
    if (!self->connection || g_hash_table_size(self->unseen) == 0 ||
        !gtk_widget_get_mapped(GTK_WIDGET(self)))
        return;
    json_auto_t *ids = json_array();
    GHashTableIter it;
    gpointer id;
    g_hash_table_iter_init(&it, self->unseen);
    while (json_array_size(ids) < 500 && g_hash_table_iter_next(&it, &id, NULL)) {
        json_array_append_new(ids, json_integer(*(gint64 *)id));
        g_hash_table_iter_remove(&it);
    }
    json_auto_t *args = json_pack("{s:O}", "ids", ids);
    pacta_connection_request_async(self->connection, "notifications.mark_read", args,
                                   self->requests, marked, NULL);
}

static void on_map(GtkWidget *widget, gpointer user_data)
{
    (void)user_data;
    mark_seen(PACTA_EXPIRING_VIEW(widget));
}

/* One stored notification (PROTOCOL §6.21) as the alert event it came from,
 * unless an alert about its contract is shown already (a live one is
 * newer); either way the page now shows it, so it is read once seen. */
static void add_stored(PactaExpiringView *self, const json_t *n)
{
    const char *event = json_string_value(json_object_get(n, "event"));
    const char *id = json_string_value(json_object_get(n, "contract_id"));
    const json_t *sum = json_object_get(n, "summary");
    const char *target = json_string_value(json_object_get(sum, "target_date"));
    if (!event || !id)
        return;
    gint64 *nid = g_new(gint64, 1);
    *nid = json_integer_value(json_object_get(n, "id"));
    if (g_hash_table_contains(self->rows, id)) {
        g_hash_table_add(self->unseen, nid);
        return;
    }
    json_auto_t *data =
        json_pack("{s:{s:s, s:O?, s:O?}}", "contract", "id", id, "number",
                  json_object_get(sum, "number"), "title", json_object_get(sum, "title"));
    if (target)
        json_object_set_new(
            data, g_str_equal(event, "contract.notice_due") ? "notice_deadline" : "end_date",
            json_string(target));
    if (pacta_expiring_view_add_alert(self, event, data))
        g_hash_table_add(self->unseen, nid);
    else
        g_free(nid);
}

static void listed(GObject *source, GAsyncResult *result, gpointer user_data)
{
    g_autoptr(GError) error = NULL;
    json_t *res = pacta_connection_request_finish(PACTA_CONNECTION(source), result, NULL, &error);
    if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
        json_decref(res);
        return;
    }
    PactaExpiringView *self = user_data;
    self->listing = FALSE;
    if (!res) {
        g_debug("notifications.list: %s", error ? error->message : "?");
    } else {
        const json_t *items = json_object_get(res, "items");
        /* newest first: added oldest first, so the newest ends on top */
        for (size_t i = json_array_size(items); i-- > 0;)
            add_stored(self, json_array_get(items, i));
        json_decref(res);
        mark_seen(self);
    }
    if (self->relist) {
        self->relist = FALSE;
        list_stored(self);
    }
}

/* The user's unread stored alerts, one list at a time: a burst of live
 * alerts (a scan at midnight) asks once more after the one in flight. */
static void list_stored(PactaExpiringView *self)
{
    if (!self->connection ||
        pacta_connection_get_state(self->connection) != PACTA_CONNECTION_CONNECTED)
        return;
    if (self->listing) {
        self->relist = TRUE;
        return;
    }
    self->listing = TRUE;
    json_auto_t *args = json_pack("{s:b, s:i}", "unread_only", 1, "limit", 500);
    pacta_connection_request_async(self->connection, "notifications.list", args, self->requests,
                                   listed, self);
}

/* Subscribed (at login, after a reconnect): the unread alerts stored for
 * this user — the desk may have been closed when they were raised.  Not
 * resumed: the desk starts over (the server's log is not the one it
 * followed, §9), and the alerts shown may be about data it no longer has,
 * as after a restore. */
static void on_subscribed(PactaConnection *connection, gint64 head, gboolean resumed,
                          gpointer user_data)
{
    PactaExpiringView *self = user_data;
    (void)connection;
    (void)head;
    if (!resumed && g_hash_table_size(self->rows) > 0) {
        g_hash_table_remove_all(self->unseen);
        clear_alerts(self);
    }
    show_subtitles(self); /* a night offline: another day */
    list_stored(self);
}

void pacta_expiring_view_set_connection(PactaExpiringView *self, PactaConnection *connection)
{
    if (self->connection) {
        g_signal_handlers_disconnect_by_data(self->connection, self);
        g_clear_object(&self->connection);
    }
    if (connection) {
        self->connection = g_object_ref(connection);
        g_signal_connect(connection, "event", G_CALLBACK(on_event), self);
        g_signal_connect(connection, "subscribed", G_CALLBACK(on_subscribed), self);
        /* the window is made after the login's subscribe */
        if (pacta_connection_get_state(connection) == PACTA_CONNECTION_CONNECTED)
            on_subscribed(connection, 0, FALSE, self);
    }
}

static void pacta_expiring_view_dispose(GObject *object)
{
    PactaExpiringView *self = PACTA_EXPIRING_VIEW(object);
    g_cancellable_cancel(self->requests);
    g_clear_object(&self->requests);
    pacta_expiring_view_set_connection(self, NULL);
    g_clear_pointer(&self->rows, g_hash_table_unref);
    g_clear_pointer(&self->unseen, g_hash_table_unref);
    gtk_widget_dispose_template(GTK_WIDGET(self), PACTA_TYPE_EXPIRING_VIEW);
    G_OBJECT_CLASS(pacta_expiring_view_parent_class)->dispose(object);
}

static void pacta_expiring_view_class_init(PactaExpiringViewClass *klass)
{
    GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
    G_OBJECT_CLASS(klass)->dispose = pacta_expiring_view_dispose;
    signals[SIGNAL_CHANGED] = g_signal_new("changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 0);
    gtk_widget_class_set_template_from_resource(wc, "/org/pacta/Desk/pacta-expiring-view.ui");
    gtk_widget_class_bind_template_child(wc, PactaExpiringView, stack);
    gtk_widget_class_bind_template_child(wc, PactaExpiringView, list_box);
}

static void pacta_expiring_view_init(PactaExpiringView *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    self->rows = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    self->unseen = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    self->requests = g_cancellable_new();
    gtk_stack_set_visible_child_name(self->stack, "empty");
    g_signal_connect(self, "map", G_CALLBACK(on_map), NULL);
}
