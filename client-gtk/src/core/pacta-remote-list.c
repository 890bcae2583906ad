/*
 * pacta-desk: PactaRemoteList; see pacta-remote-list.h.
 *
 * One request at a time: a new query cancels the page on its way (its
 * answer is dropped) and its first page replaces the rows in one
 * items-changed; later pages append.  A page is asked for from get_item()
 * when the view wants a row within PREFETCH of the end, on an idle so that
 * no items-changed happens inside get_item().
 */
#define G_LOG_DOMAIN "pacta-remote"

#include "pacta-remote-list.h"

#include <string.h>

#include "pacta-error.h"

#define PAGE_SIZE 100
#define PREFETCH 40 /* rows before the end at which the next page is asked for */

struct _PactaRemoteList {
    GObject parent_instance;
    PactaConnection *connection;
    PactaContractStore *store;
    GPtrArray *items;     /* PactaContract (a reference each; the store's objects) */
    GHashTable *shown;    /* id (owned copy) -> PactaContract of items (borrowed) */
    json_t *args;         /* the query's contracts.list args, without limit and cursor */
    char *cursor;         /* next page's; NULL when complete or before the first page */
    GCancellable *cancel; /* the page on its way, NULL if none */
    gboolean first;       /* the page on its way is the query's first */
    gboolean pending, complete;
    gboolean stalled; /* the last page failed: no more asking until the
                       * query runs again (or the connection is back) */
    guint more_idle;
};

enum { PROP_0, PROP_PENDING, PROP_COMPLETE, N_PROPS };
static GParamSpec *props[N_PROPS];
enum { SIG_FAILED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void list_model_iface_init(GListModelInterface *iface);
G_DEFINE_FINAL_TYPE_WITH_CODE(PactaRemoteList, pacta_remote_list, G_TYPE_OBJECT,
                              G_IMPLEMENT_INTERFACE(G_TYPE_LIST_MODEL, list_model_iface_init))

static gboolean more_idle(gpointer data)
{
    PactaRemoteList *self = data;
    self->more_idle = 0;
    pacta_remote_list_load_more(self);
    return G_SOURCE_REMOVE;
}

static GType get_item_type(GListModel *model)
{
    (void)model;
    return PACTA_TYPE_CONTRACT;
}

static guint get_n_items(GListModel *model)
{
    return PACTA_REMOTE_LIST(model)->items->len;
}

static gpointer get_item(GListModel *model, guint position)
{
    PactaRemoteList *self = PACTA_REMOTE_LIST(model);
    if (position >= self->items->len)
        return NULL;
    if (position + PREFETCH >= self->items->len && self->cursor && !self->cancel &&
        !self->stalled && !self->more_idle)
        self->more_idle = g_idle_add(more_idle, self);
    return g_object_ref(g_ptr_array_index(self->items, position));
}

static void list_model_iface_init(GListModelInterface *iface)
{
    iface->get_item_type = get_item_type;
    iface->get_n_items = get_n_items;
    iface->get_item = get_item;
}

static void set_flags(PactaRemoteList *self, gboolean pending, gboolean complete)
{
    if (self->pending != pending) {
        self->pending = pending;
        g_object_notify_by_pspec(G_OBJECT(self), props[PROP_PENDING]);
    }
    if (self->complete != complete) {
        self->complete = complete;
        g_object_notify_by_pspec(G_OBJECT(self), props[PROP_COMPLETE]);
    }
}

static void cancel_page(PactaRemoteList *self)
{
    if (self->cancel) {
        g_cancellable_cancel(self->cancel);
        g_clear_object(&self->cancel);
    }
}

static void on_page(GObject *source, GAsyncResult *res, gpointer data)
{
    g_autoptr(PactaRemoteList) self = data; /* the request's ref, dropped on return */
    GCancellable *cancel = g_task_get_cancellable(G_TASK(res));
    g_autoptr(GError) error = NULL;
    json_auto_t *result =
        pacta_connection_request_finish(PACTA_CONNECTION(source), res, NULL, &error);
    if (g_cancellable_is_cancelled(cancel) || cancel != self->cancel)
        return;
    g_clear_object(&self->cancel);
    gboolean first = self->first;
    if (!result) {
        /* The rows so far stay and the view's scrolling asks no more (it
         * would ask on every frame) until the query runs again, which the
         * connection's next subscription does.  A first page that failed
         * leaves none of the old query's rows (they would not answer the
         * new one).  A dropped connection is the banner's to say. */
        self->stalled = TRUE;
        if (first) {
            guint n = self->items->len;
            g_hash_table_remove_all(self->shown);
            g_ptr_array_set_size(self->items, 0);
            g_clear_pointer(&self->cursor, g_free);
            if (n)
                g_list_model_items_changed(G_LIST_MODEL(self), 0, n, 0);
            set_flags(self, FALSE, FALSE);
        }
        if (!g_error_matches(error, PACTA_DESK_ERROR, PACTA_DESK_ERROR_DISCONNECTED))
            g_signal_emit(self, signals[SIG_FAILED], 0, error);
        return;
    }
    guint removed = 0;
    if (first) {
        removed = self->items->len;
        g_hash_table_remove_all(self->shown);
        g_ptr_array_set_size(self->items, 0);
    }
    guint start = self->items->len;
    size_t i;
    json_t *record;
    json_array_foreach(json_object_get(result, "items"), i, record)
    {
        PactaContract *c = pacta_contract_store_take(self->store, record);
        if (!c || g_hash_table_contains(self->shown, pacta_contract_get_id(c)))
            continue;
        g_ptr_array_add(self->items, g_object_ref(c));
        g_hash_table_insert(self->shown, g_strdup(pacta_contract_get_id(c)), c);
    }
    g_free(self->cursor);
    self->cursor = g_strdup(json_string_value(json_object_get(result, "next_cursor")));
    if (removed || self->items->len > start)
        g_list_model_items_changed(G_LIST_MODEL(self), first ? 0 : start, removed,
                                   self->items->len - start);
    set_flags(self, FALSE, self->cursor == NULL);
}

static void request_page(PactaRemoteList *self, gboolean first)
{
    json_auto_t *args = json_deep_copy(self->args);
    json_object_set_new(args, "limit", json_integer(PAGE_SIZE));
    if (!first && self->cursor)
        json_object_set_new(args, "cursor", json_string(self->cursor));
    cancel_page(self);
    self->cancel = g_cancellable_new();
    self->first = first;
    pacta_connection_request_async(self->connection, "contracts.list", args, self->cancel, on_page,
                                   g_object_ref(self));
}

void pacta_remote_list_load_more(PactaRemoteList *self)
{
    g_return_if_fail(PACTA_IS_REMOTE_LIST(self));
    if (self->cursor && !self->cancel && self->args)
        request_page(self, FALSE);
}

void pacta_remote_list_refresh(PactaRemoteList *self)
{
    g_return_if_fail(PACTA_IS_REMOTE_LIST(self));
    if (!self->args)
        return;
    self->stalled = FALSE;
    g_clear_pointer(&self->cursor, g_free);
    set_flags(self, TRUE, FALSE);
    request_page(self, TRUE);
}

static void set_text(json_t *args, const char *key, const char *value)
{
    if (value && *value)
        json_object_set_new(args, key, json_string(value));
}

void pacta_remote_list_set_query(PactaRemoteList *self, const PactaRemoteQuery *q)
{
    g_return_if_fail(PACTA_IS_REMOTE_LIST(self));
    json_t *args = json_object();
    set_text(args, "q", q->q);
    set_text(args, "text", q->text);
    set_text(args, "status", q->status);
    set_text(args, "kind", q->kind);
    set_text(args, "lifecycle", q->lifecycle);
    if (q->sort) {
        json_object_set_new(args, "sort", json_string(q->sort));
        json_object_set_new(args, "order", json_string(q->descending ? "desc" : "asc"));
    }
    if (self->args && json_equal(self->args, args) &&
        (self->pending || self->cursor || self->complete)) {
        json_decref(args); /* the same query, already running or shown */
        return;
    }
    json_decref(self->args);
    self->args = args;
    pacta_remote_list_refresh(self);
}

gboolean pacta_remote_list_get_pending(PactaRemoteList *self)
{
    g_return_val_if_fail(PACTA_IS_REMOTE_LIST(self), FALSE);
    return self->pending;
}

gboolean pacta_remote_list_get_complete(PactaRemoteList *self)
{
    g_return_val_if_fail(PACTA_IS_REMOTE_LIST(self), FALSE);
    return self->complete;
}

/* ---- following the store ------------------------------------------------------------ */

static void on_removed(PactaContractStore *store, PactaContract *c, const char *actor,
                       gpointer data)
{
    (void)store;
    (void)actor;
    PactaRemoteList *self = data;
    PactaContract *mine = g_hash_table_lookup(self->shown, pacta_contract_get_id(c));
    guint pos;
    if (!mine || !g_ptr_array_find(self->items, mine, &pos))
        return;
    g_hash_table_remove(self->shown, pacta_contract_get_id(c));
    g_ptr_array_remove_index(self->items, pos);
    g_list_model_items_changed(G_LIST_MODEL(self), pos, 1, 0);
}

/* Whether the query's `member` filter (if any) lets `value` through. */
static gboolean passes(PactaRemoteList *self, const char *member, const char *value)
{
    const char *want = json_string_value(json_object_get(self->args, member));
    return !want || g_strcmp0(want, value) == 0;
}

/* A contract created (here or elsewhere) goes on top while the query has no
 * search (a search's matches are the server's to say) and its filters let
 * it through: the user sees what they just made without losing their
 * place; the query run again puts it where it sorts. */
static void on_changed(PactaContractStore *store, PactaContract *c, const char *actor,
                       gboolean created, gpointer data)
{
    (void)store;
    (void)actor;
    PactaRemoteList *self = data;
    if (!created || !self->args || self->pending || json_object_get(self->args, "q") ||
        json_object_get(self->args, "text") ||
        g_hash_table_contains(self->shown, pacta_contract_get_id(c)) ||
        !passes(self, "status", pacta_contract_get_status(c)) ||
        !passes(self, "kind", pacta_contract_get_kind(c)) ||
        !passes(self, "lifecycle", pacta_contract_get_lifecycle(c)))
        return;
    g_ptr_array_insert(self->items, 0, g_object_ref(c));
    g_hash_table_insert(self->shown, g_strdup(pacta_contract_get_id(c)), c);
    g_list_model_items_changed(G_LIST_MODEL(self), 0, 0, 1);
}

/* The store reloads (a fresh subscription or a restore): its objects are
 * new ones, so the rows are asked for again. */
static void on_store_loading(PactaContractStore *store, GParamSpec *pspec, gpointer data)
{
    (void)pspec;
    if (pacta_contract_store_get_loading(store))
        pacta_remote_list_refresh(data);
}

/* Back online: a resumed subscription keeps the store's rows (no reload),
 * so a query that failed while offline runs again here. */
static void on_subscribed(PactaConnection *connection, gint64 head, gboolean resumed, gpointer data)
{
    (void)connection;
    (void)head;
    PactaRemoteList *self = data;
    if (resumed && self->stalled)
        pacta_remote_list_refresh(self);
}

/* ---- GObject ------------------------------------------------------------------------ */

static void pacta_remote_list_get_property(GObject *object, guint prop_id, GValue *value,
                                           GParamSpec *pspec)
{
    PactaRemoteList *self = PACTA_REMOTE_LIST(object);
    switch (prop_id) {
    case PROP_PENDING:
        g_value_set_boolean(value, self->pending);
        break;
    case PROP_COMPLETE:
        g_value_set_boolean(value, self->complete);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void pacta_remote_list_dispose(GObject *object)
{
    PactaRemoteList *self = PACTA_REMOTE_LIST(object);
    cancel_page(self);
    g_clear_handle_id(&self->more_idle, g_source_remove);
    if (self->store) {
        g_signal_handlers_disconnect_by_data(self->store, self);
        g_clear_object(&self->store);
    }
    if (self->connection) {
        g_signal_handlers_disconnect_by_data(self->connection, self);
        g_clear_object(&self->connection);
    }
    G_OBJECT_CLASS(pacta_remote_list_parent_class)->dispose(object);
}

static void pacta_remote_list_finalize(GObject *object)
{
    PactaRemoteList *self = PACTA_REMOTE_LIST(object);
    g_hash_table_unref(self->shown);
    g_ptr_array_unref(self->items);
    json_decref(self->args);
    g_free(self->cursor);
    G_OBJECT_CLASS(pacta_remote_list_parent_class)->finalize(object);
}

static void pacta_remote_list_class_init(PactaRemoteListClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    object_class->get_property = pacta_remote_list_get_property;
    object_class->dispose = pacta_remote_list_dispose;
    object_class->finalize = pacta_remote_list_finalize;
    const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
    props[PROP_PENDING] = g_param_spec_boolean("pending", NULL, NULL, FALSE, ro);
    props[PROP_COMPLETE] = g_param_spec_boolean("complete", NULL, NULL, FALSE, ro);
    g_object_class_install_properties(object_class, N_PROPS, props);
    signals[SIG_FAILED] = g_signal_new("failed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                       NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void pacta_remote_list_init(PactaRemoteList *self)
{
    self->items = g_ptr_array_new_with_free_func(g_object_unref);
    self->shown = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}

PactaRemoteList *pacta_remote_list_new(PactaConnection *connection, PactaContractStore *store)
{
    g_return_val_if_fail(PACTA_IS_CONNECTION(connection), NULL);
    g_return_val_if_fail(PACTA_IS_CONTRACT_STORE(store), NULL);
    PactaRemoteList *self = g_object_new(PACTA_TYPE_REMOTE_LIST, NULL);
    self->connection = g_object_ref(connection);
    self->store = g_object_ref(store);
    g_signal_connect(store, "contract-removed", G_CALLBACK(on_removed), self);
    g_signal_connect(store, "contract-changed", G_CALLBACK(on_changed), self);
    g_signal_connect(store, "notify::loading", G_CALLBACK(on_store_loading), self);
    g_signal_connect(connection, "subscribed", G_CALLBACK(on_subscribed), self);
    return self;
}
