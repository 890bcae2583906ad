/*
 * pacta-desk: PactaContractStore; see pacta-contract-store.h.
 *
 * Rows live in a GPtrArray sorted like the server's list (number, then id,
 * byte order) with an id index beside it.  Deletions seen while loading are
 * kept as tombstones (id -> version) so an older page cannot resurrect them.
 * Loading the list and reading it again at midnight are in
 * pacta-contract-store-load.c.
 */
#define G_LOG_DOMAIN "pacta-store"

#include "pacta-contract-store-private.h"

#include "pacta-error.h"

#include <string.h>

#define DEFAULT_MAX_ROWS 100000 /* bench/RESULTS.md "pacta-desk with 100,000 contracts" */
#define HIGHLIGHT_MS 3000

enum { PROP_0, PROP_CONNECTION, PROP_LOADING, PROP_LOADED, PROP_PARTIAL, PROP_N_ITEMS, N_PROPS };
static GParamSpec *props[N_PROPS];
enum { SIG_CHANGED, SIG_REMOVED, SIG_LOAD_FAILED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void list_model_iface_init(GListModelInterface *iface);
G_DEFINE_FINAL_TYPE_WITH_CODE(PactaContractStore, pacta_contract_store, G_TYPE_OBJECT,
                              G_IMPLEMENT_INTERFACE(G_TYPE_LIST_MODEL, list_model_iface_init))

static GType get_item_type(GListModel *model)
{
    (void)model;
    return PACTA_TYPE_CONTRACT;
}

static guint get_n_items(GListModel *model)
{
    return PACTA_CONTRACT_STORE(model)->items->len;
}

static gpointer get_item(GListModel *model, guint position)
{
    PactaContractStore *self = PACTA_CONTRACT_STORE(model);
    if (position >= self->items->len)
        return NULL;
    return g_object_ref(g_ptr_array_index(self->items, position));
}

static void list_model_iface_init(GListModelInterface *iface)
{
    iface->get_item_type = get_item_type;
    iface->get_n_items = get_n_items;
    iface->get_item = get_item;
}

static void items_changed(PactaContractStore *self, guint pos, guint removed, guint added)
{
    g_list_model_items_changed(G_LIST_MODEL(self), pos, removed, added);
    if (removed != added)
        g_object_notify_by_pspec(G_OBJECT(self), props[PROP_N_ITEMS]);
}

static int compare_key(const char *num_a, const char *id_a, const char *num_b, const char *id_b)
{
    int c = strcmp(num_a, num_b);
    return c ? c : strcmp(id_a, id_b);
}

/* First position whose row sorts after (number, id). */
static guint insertion_point(PactaContractStore *self, const char *number, const char *id)
{
    guint lo = 0, hi = self->items->len;
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        PactaContract *c = g_ptr_array_index(self->items, mid);
        if (compare_key(pacta_contract_get_number(c), pacta_contract_get_id(c), number, id) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

guint pacta_contract_store_find(PactaContractStore *self, const char *id)
{
    g_return_val_if_fail(PACTA_IS_CONTRACT_STORE(self), G_MAXUINT);
    PactaContract *c = id ? g_hash_table_lookup(self->by_id, id) : NULL;
    if (!c)
        return G_MAXUINT;
    guint pos = insertion_point(self, pacta_contract_get_number(c), pacta_contract_get_id(c));
    return pos < self->items->len && g_ptr_array_index(self->items, pos) == c ? pos : G_MAXUINT;
}

PactaContract *pacta_contract_store_lookup(PactaContractStore *self, const char *id)
{
    g_return_val_if_fail(PACTA_IS_CONTRACT_STORE(self), NULL);
    return id ? g_hash_table_lookup(self->by_id, id) : NULL;
}

gboolean pacta_contract_store_get_loading(PactaContractStore *self)
{
    g_return_val_if_fail(PACTA_IS_CONTRACT_STORE(self), FALSE);
    return self->loading;
}

gboolean pacta_contract_store_get_loaded(PactaContractStore *self)
{
    g_return_val_if_fail(PACTA_IS_CONTRACT_STORE(self), FALSE);
    return self->loaded;
}

gboolean pacta_contract_store_get_partial(PactaContractStore *self)
{
    g_return_val_if_fail(PACTA_IS_CONTRACT_STORE(self), FALSE);
    return self->partial;
}

guint pacta_contract_store_get_max_rows(PactaContractStore *self)
{
    g_return_val_if_fail(PACTA_IS_CONTRACT_STORE(self), 0);
    return self->max_rows;
}

void pacta_contract_store__set_partial(PactaContractStore *self, gboolean partial)
{
    if (self->partial != partial) {
        self->partial = partial;
        g_object_notify_by_pspec(G_OBJECT(self), props[PROP_PARTIAL]);
    }
}

void pacta_contract_store__set_loading(PactaContractStore *self, gboolean loading, gboolean loaded)
{
    if (self->loading != loading) {
        self->loading = loading;
        g_object_notify_by_pspec(G_OBJECT(self), props[PROP_LOADING]);
    }
    if (self->loaded != loaded) {
        self->loaded = loaded;
        g_object_notify_by_pspec(G_OBJECT(self), props[PROP_LOADED]);
    }
}

void pacta_contract_store__clear_rows(PactaContractStore *self)
{
    guint n = self->items->len;
    g_hash_table_remove_all(self->by_id);
    g_hash_table_remove_all(self->tombstones);
    if (n) {
        g_ptr_array_set_size(self->items, 0);
        items_changed(self, 0, n, 0);
    }
}

void pacta_contract_store__load_failed(PactaContractStore *self, const GError *error)
{
    g_signal_emit(self, signals[SIG_LOAD_FAILED], 0, error);
}

static void refresh_presence(PactaContractStore *self, PactaContract *c)
{
    if (!self->presence)
        return;
    g_autofree char *text = pacta_presence_describe(self->presence, pacta_contract_get_id(c));
    pacta_contract_set_editing_text(c, text);
}

static void insert_row(PactaContractStore *self, PactaContract *c /* steals */)
{
    guint pos = insertion_point(self, pacta_contract_get_number(c), pacta_contract_get_id(c));
    g_ptr_array_insert(self->items, (gint)pos, c);
    g_hash_table_insert(self->by_id, (gpointer)pacta_contract_get_id(c), c);
    refresh_presence(self, c);
    items_changed(self, pos, 0, 1);
}

/* Removes c from the list; returns a reference the caller owns. */
static PactaContract *remove_row(PactaContractStore *self, PactaContract *c)
{
    guint pos = pacta_contract_store_find(self, pacta_contract_get_id(c));
    g_return_val_if_fail(pos != G_MAXUINT, NULL);
    g_hash_table_remove(self->by_id, pacta_contract_get_id(c));
    PactaContract *owned = g_ptr_array_steal_index(self->items, pos);
    items_changed(self, pos, 1, 0);
    return owned;
}

static gboolean clear_highlight(gpointer data)
{
    PactaContract *c = data;
    guint gen = GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(c), "pacta-highlight-gen"));
    guint mine = GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(c), "pacta-highlight-timer"));
    if (gen == mine)
        pacta_contract_set_highlight(c, FALSE);
    return G_SOURCE_REMOVE;
}

static void highlight(PactaContract *c)
{
    /* Only the newest change's timer clears the highlight. */
    guint gen = GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(c), "pacta-highlight-gen")) + 1;
    g_object_set_data(G_OBJECT(c), "pacta-highlight-gen", GUINT_TO_POINTER(gen));
    pacta_contract_set_highlight(c, TRUE);
    PactaContract *ref = g_object_ref(c);
    g_object_set_data(G_OBJECT(ref), "pacta-highlight-timer", GUINT_TO_POINTER(gen));
    g_timeout_add_full(G_PRIORITY_DEFAULT, HIGHLIGHT_MS, clear_highlight, ref, g_object_unref);
}

gboolean pacta_contract_store_apply_record(PactaContractStore *self, const json_t *record,
                                           const char *actor, const char *const *changed,
                                           gboolean live)
{
    g_return_val_if_fail(PACTA_IS_CONTRACT_STORE(self), FALSE);
    const char *id = json_string_value(json_object_get(record, "id"));
    const char *number = json_string_value(json_object_get(record, "number"));
    if (!id || !number)
        return FALSE;
    gint64 version = json_integer_value(json_object_get(record, "version"));
    gboolean deleted = json_is_string(json_object_get(record, "deleted_at"));
    gint64 *tomb = g_hash_table_lookup(self->tombstones, id);
    if (tomb && version <= *tomb)
        return FALSE;
    PactaContract *existing = g_hash_table_lookup(self->by_id, id);
    if (existing && version <= pacta_contract_get_version(existing))
        return FALSE;

    if (deleted) {
        gint64 *v = g_new(gint64, 1);
        *v = version;
        g_hash_table_insert(self->tombstones, g_strdup(id), v);
        if (!existing)
            return FALSE;
        g_autoptr(PactaContract) gone = remove_row(self, existing);
        pacta_contract_update_from_json(gone, record);
        if (live)
            g_signal_emit(self, signals[SIG_REMOVED], 0, gone, actor);
        return TRUE;
    }
    if (existing) {
        if (strcmp(number, pacta_contract_get_number(existing)) != 0) {
            /* Its sort key changed: move the row (same object, so bindings stay). */
            PactaContract *c = remove_row(self, existing);
            pacta_contract_update_from_json(c, record);
            insert_row(self, c);
        } else if (pacta_contract_update_from_json(existing, record)) {
            /* Changed in place: a list on top re-checks its filter and
             * place (PactaListModel: no change if neither moves). */
            pacta_contract_store_reannounce(self, existing);
        }
        if (live) {
            pacta_contract_set_last_change(existing, actor, changed);
            highlight(existing);
            g_signal_emit(self, signals[SIG_CHANGED], 0, existing, actor, FALSE);
        }
        return TRUE;
    }
    /* A desk that keeps only part of the contracts takes a new one, but not
     * a change of one it does not hold (it would grow with every contract
     * anyone edits); the lists that show it asked for it (PactaRemoteList). */
    if (live && self->partial && version > 1)
        return FALSE;
    PactaContract *c = pacta_contract_new_from_json(record, NULL);
    if (!c)
        return FALSE;
    insert_row(self, c);
    if (live) {
        pacta_contract_set_last_change(c, actor, changed);
        highlight(c);
        g_signal_emit(self, signals[SIG_CHANGED], 0, c, actor, TRUE);
    }
    return TRUE;
}

void pacta_contract_store_reannounce(PactaContractStore *self, PactaContract *c)
{
    g_return_if_fail(PACTA_IS_CONTRACT_STORE(self));
    guint pos = pacta_contract_store_find(self, pacta_contract_get_id(c));
    if (pos != G_MAXUINT)
        items_changed(self, pos, 1, 1);
}

gboolean pacta_contract_store_refresh_derived(PactaContractStore *self, const json_t *record)
{
    g_return_val_if_fail(PACTA_IS_CONTRACT_STORE(self), FALSE);
    const char *id = json_string_value(json_object_get(record, "id"));
    PactaContract *c = id ? g_hash_table_lookup(self->by_id, id) : NULL;
    if (!c || json_is_string(json_object_get(record, "deleted_at")) ||
        json_integer_value(json_object_get(record, "version")) != pacta_contract_get_version(c))
        return FALSE;
    /* Same version, same stored fields: only the derived ones can differ. */
    if (!pacta_contract_update_from_json(c, record))
        return FALSE;
    pacta_contract_store_reannounce(self, c);
    return TRUE;
}

PactaContract *pacta_contract_store_take(PactaContractStore *self, const json_t *record)
{
    g_return_val_if_fail(PACTA_IS_CONTRACT_STORE(self), NULL);
    if (!pacta_contract_store_apply_record(self, record, NULL, NULL, FALSE))
        pacta_contract_store_refresh_derived(self, record); /* same version */
    return pacta_contract_store_lookup(self, json_string_value(json_object_get(record, "id")));
}

static void on_fetched(GObject *source, GAsyncResult *res, gpointer data)
{
    g_autoptr(GTask) task = data;
    PactaContractStore *self = g_task_get_source_object(task);
    GError *error = NULL;
    json_auto_t *result =
        pacta_connection_request_finish(PACTA_CONNECTION(source), res, NULL, &error);
    PactaContract *c =
        result ? pacta_contract_store_take(self, json_object_get(result, "contract")) : NULL;
    if (c)
        g_task_return_pointer(task, g_object_ref(c), g_object_unref);
    else if (error)
        g_task_return_error(task, error);
    else /* deleted since, or refused by version */
        g_task_return_new_error(task, PACTA_DESK_ERROR, PACTA_DESK_ERROR_NOT_FOUND,
                                "the contract was deleted");
}

void pacta_contract_store_fetch_async(PactaContractStore *self, const char *id,
                                      GAsyncReadyCallback callback, gpointer user_data)
{
    g_return_if_fail(PACTA_IS_CONTRACT_STORE(self));
    GTask *task = g_task_new(self, NULL, callback, user_data);
    PactaContract *c = id ? pacta_contract_store_lookup(self, id) : NULL;
    if (c || !id || !self->connection) {
        if (c)
            g_task_return_pointer(task, g_object_ref(c), g_object_unref);
        else
            g_task_return_new_error(task, PACTA_DESK_ERROR, PACTA_DESK_ERROR_NOT_FOUND,
                                    "the contract is not in the list");
        g_object_unref(task);
        return;
    }
    json_auto_t *args = json_pack("{s:s}", "id", id);
    pacta_connection_request_async(self->connection, "contracts.get", args, NULL, on_fetched, task);
}

PactaContract *pacta_contract_store_fetch_finish(PactaContractStore *self, GAsyncResult *result,
                                                 GError **error)
{
    g_return_val_if_fail(g_task_is_valid(result, self), NULL);
    return g_task_propagate_pointer(G_TASK(result), error);
}

void pacta_contract_store_apply_page(PactaContractStore *self, const json_t *items)
{
    g_return_if_fail(PACTA_IS_CONTRACT_STORE(self));
    size_t n = json_array_size(items);
    /* Fast path: pages arrive in list order, so a page usually goes after
     * every row: append it with one items-changed instead of n. */
    gboolean append = TRUE;
    const char *prev_num = NULL, *prev_id = NULL;
    if (self->items->len > 0) {
        PactaContract *last = g_ptr_array_index(self->items, self->items->len - 1);
        prev_num = pacta_contract_get_number(last);
        prev_id = pacta_contract_get_id(last);
    }
    for (size_t i = 0; i < n && append; i++) {
        json_t *r = json_array_get(items, i);
        const char *num = json_string_value(json_object_get(r, "number"));
        const char *id = json_string_value(json_object_get(r, "id"));
        if (!num || !id || g_hash_table_contains(self->by_id, id) ||
            g_hash_table_contains(self->tombstones, id) ||
            json_is_string(json_object_get(r, "deleted_at")) ||
            (prev_num && compare_key(prev_num, prev_id, num, id) >= 0))
            append = FALSE;
        prev_num = num;
        prev_id = id;
    }
    if (!append) {
        for (size_t i = 0; i < n; i++)
            pacta_contract_store_apply_record(self, json_array_get(items, i), NULL, NULL, FALSE);
        return;
    }
    guint start = self->items->len;
    for (size_t i = 0; i < n; i++) {
        PactaContract *c = pacta_contract_new_from_json(json_array_get(items, i), NULL);
        g_ptr_array_add(self->items, c);
        g_hash_table_insert(self->by_id, (gpointer)pacta_contract_get_id(c), c);
        refresh_presence(self, c);
    }
    if (n)
        items_changed(self, start, 0, (guint)n);
}

static void on_server_day(PactaConnection *conn, const char *name, gint64 seq, gpointer data_json,
                          gpointer data)
{
    (void)name;
    (void)seq;
    (void)data_json;
    pacta_contract_store__refresh_for_today(data, pacta_connection_get_server_today(conn));
}

static void on_subscribed(PactaConnection *conn, gint64 head, gboolean resumed, gpointer data)
{
    (void)head;
    PactaContractStore *self = data;
    /* A resumed subscription replays what we missed onto rows we hold; a
     * fresh one, or a load the drop cut short, needs the whole list. */
    if (!resumed || !self->loaded)
        pacta_contract_store_reload(self);
    else
        pacta_contract_store__refresh_for_today(self, pacta_connection_get_server_today(conn));
}

static void on_contract_event(PactaConnection *conn, const char *name, gint64 seq,
                              gpointer data_json, gpointer data)
{
    (void)conn;
    (void)seq;
    (void)name;
    PactaContractStore *self = data;
    const json_t *ev = data_json;
    const char *actor = json_string_value(json_object_get(ev, "actor"));
    json_t *jchanged = json_object_get(ev, "changed");
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();
    size_t i;
    json_t *v;
    json_array_foreach(jchanged, i, v) if (json_is_string(v))
        g_strv_builder_add(b, json_string_value(v));
    g_auto(GStrv) changed = g_strv_builder_end(b);
    pacta_contract_store_apply_record(self, json_object_get(ev, "contract"), actor,
                                      (const char *const *)changed, TRUE);
}

static void on_presence_changed(PactaPresence *presence, const char *contract_id, gpointer data)
{
    (void)presence;
    PactaContractStore *self = data;
    PactaContract *c = pacta_contract_store_lookup(self, contract_id);
    if (c)
        refresh_presence(self, c);
}

void pacta_contract_store_set_presence(PactaContractStore *self, PactaPresence *presence)
{
    g_return_if_fail(PACTA_IS_CONTRACT_STORE(self));
    if (self->presence) {
        g_signal_handlers_disconnect_by_data(self->presence, self);
        g_clear_object(&self->presence);
    }
    if (presence) {
        self->presence = g_object_ref(presence);
        g_signal_connect(presence, "changed", G_CALLBACK(on_presence_changed), self);
    }
    for (guint i = 0; i < self->items->len; i++) {
        PactaContract *c = g_ptr_array_index(self->items, i);
        if (self->presence)
            refresh_presence(self, c);
        else
            pacta_contract_set_editing_text(c, NULL);
    }
}

/* ---- GObject ---------------------------------------------------------------------- */

static void pacta_contract_store_constructed(GObject *object)
{
    PactaContractStore *self = PACTA_CONTRACT_STORE(object);
    G_OBJECT_CLASS(pacta_contract_store_parent_class)->constructed(object);
    if (!self->connection)
        return;
    g_signal_connect(self->connection, "subscribed", G_CALLBACK(on_subscribed), self);
    g_signal_connect(self->connection, "event::contract.created", G_CALLBACK(on_contract_event),
                     self);
    g_signal_connect(self->connection, "event::contract.updated", G_CALLBACK(on_contract_event),
                     self);
    g_signal_connect(self->connection, "event::contract.deleted", G_CALLBACK(on_contract_event),
                     self);
    g_signal_connect(self->connection, "event::server.day", G_CALLBACK(on_server_day), self);
    /* Created after the login: load now. */
    if (pacta_connection_get_state(self->connection) == PACTA_CONNECTION_CONNECTED)
        pacta_contract_store_reload(self);
}

static void pacta_contract_store_get_property(GObject *object, guint prop_id, GValue *value,
                                              GParamSpec *pspec)
{
    PactaContractStore *self = PACTA_CONTRACT_STORE(object);
    switch (prop_id) {
    case PROP_CONNECTION:
        g_value_set_object(value, self->connection);
        break;
    case PROP_LOADING:
        g_value_set_boolean(value, self->loading);
        break;
    case PROP_LOADED:
        g_value_set_boolean(value, self->loaded);
        break;
    case PROP_PARTIAL:
        g_value_set_boolean(value, self->partial);
        break;
    case PROP_N_ITEMS:
        g_value_set_uint(value, self->items->len);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void pacta_contract_store_set_property(GObject *object, guint prop_id, const GValue *value,
                                              GParamSpec *pspec)
{
    PactaContractStore *self = PACTA_CONTRACT_STORE(object);
    switch (prop_id) {
    case PROP_CONNECTION:
        self->connection = g_value_dup_object(value);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void pacta_contract_store_dispose(GObject *object)
{
    PactaContractStore *self = PACTA_CONTRACT_STORE(object);
    pacta_contract_store__stop_loading(self);
    if (self->connection) {
        g_signal_handlers_disconnect_by_data(self->connection, self);
        g_clear_object(&self->connection);
    }
    pacta_contract_store_set_presence(self, NULL);
    G_OBJECT_CLASS(pacta_contract_store_parent_class)->dispose(object);
}

static void pacta_contract_store_finalize(GObject *object)
{
    PactaContractStore *self = PACTA_CONTRACT_STORE(object);
    g_hash_table_unref(self->by_id);
    g_hash_table_unref(self->tombstones);
    g_ptr_array_unref(self->items);
    g_free(self->cursor);
    g_free(self->today);
    G_OBJECT_CLASS(pacta_contract_store_parent_class)->finalize(object);
}

static void pacta_contract_store_class_init(PactaContractStoreClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    object_class->constructed = pacta_contract_store_constructed;
    object_class->get_property = pacta_contract_store_get_property;
    object_class->set_property = pacta_contract_store_set_property;
    object_class->dispose = pacta_contract_store_dispose;
    object_class->finalize = pacta_contract_store_finalize;
    const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
    props[PROP_CONNECTION] =
        g_param_spec_object("connection", NULL, NULL, PACTA_TYPE_CONNECTION,
                            G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
    props[PROP_LOADING] = g_param_spec_boolean("loading", NULL, NULL, FALSE, ro);
    props[PROP_LOADED] = g_param_spec_boolean("loaded", NULL, NULL, FALSE, ro);
    props[PROP_PARTIAL] = g_param_spec_boolean("partial", NULL, NULL, FALSE, ro);
    props[PROP_N_ITEMS] = g_param_spec_uint("n-items", NULL, NULL, 0, G_MAXUINT, 0, ro);
    g_object_class_install_properties(object_class, N_PROPS, props);
    signals[SIG_CHANGED] =
        g_signal_new("contract-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                     NULL, G_TYPE_NONE, 3, PACTA_TYPE_CONTRACT, G_TYPE_STRING, G_TYPE_BOOLEAN);
    signals[SIG_REMOVED] =
        g_signal_new("contract-removed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                     NULL, G_TYPE_NONE, 2, PACTA_TYPE_CONTRACT, G_TYPE_STRING);
    signals[SIG_LOAD_FAILED] =
        g_signal_new("load-failed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                     NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void pacta_contract_store_init(PactaContractStore *self)
{
    self->items = g_ptr_array_new_with_free_func(g_object_unref);
    self->by_id = g_hash_table_new(g_str_hash, g_str_equal);
    self->tombstones = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    /* PACTA_DESK_MAX_ROWS: how many contracts the desk keeps in memory */
    const char *max = g_getenv("PACTA_DESK_MAX_ROWS");
    guint64 n = DEFAULT_MAX_ROWS;
    if (max && !g_ascii_string_to_unsigned(max, 10, 1, G_MAXUINT, &n, NULL)) {
        g_message("PACTA_DESK_MAX_ROWS=\"%s\" is not a whole number from 1 up: keeping at most "
                  "%u contracts in memory",
                  max, DEFAULT_MAX_ROWS);
        n = DEFAULT_MAX_ROWS;
    }
    self->max_rows = (guint)n;
}

PactaContractStore *pacta_contract_store_new(PactaConnection *connection)
{
    return g_object_new(PACTA_TYPE_CONTRACT_STORE, "connection", connection, NULL);
}
