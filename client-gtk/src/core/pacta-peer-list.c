/*
 * pacta-desk: PactaPeer and PactaPeerList, the admin monitor's model; see
 * pacta-peer-list.h.
 */
#define G_LOG_DOMAIN "pacta-peers"

#include "pacta-peer-list.h"

#include <string.h>

/* ---- PactaPeer ------------------------------------------------------------------ */

typedef enum { PT_STRING, PT_INT64, PT_BOOL } PeerFieldType;
static const struct {
    const char *member, *prop;
    PeerFieldType type;
} peer_fields[] = {
    {"session", "session", PT_INT64},
    {"user", "user", PT_STRING},
    {"role", "role", PT_STRING},
    {"address", "address", PT_STRING},
    {"client", "client", PT_STRING},
    {"connected_at", "connected-at", PT_STRING},
    {"last_activity_at", "last-activity-at", PT_STRING},
    {"messages_in", "messages-in", PT_INT64},
    {"messages_out", "messages-out", PT_INT64},
    {"bytes_in", "bytes-in", PT_INT64},
    {"bytes_out", "bytes-out", PT_INT64},
    {"queue_depth", "queue-depth", PT_INT64},
    {"subscribed", "subscribed", PT_BOOL},
    {"editing", "editing", PT_STRING},
};
#define N_PEER_FIELDS G_N_ELEMENTS(peer_fields)
static GParamSpec *peer_props[N_PEER_FIELDS + 1];

struct _PactaPeer {
    GObject parent_instance;
    json_t *record; /* owned object */
};

G_DEFINE_FINAL_TYPE(PactaPeer, pacta_peer, G_TYPE_OBJECT)

static void pacta_peer_get_property(GObject *object, guint prop_id, GValue *value,
                                    GParamSpec *pspec)
{
    PactaPeer *self = PACTA_PEER(object);
    if (prop_id < 1 || prop_id > N_PEER_FIELDS) {
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
        return;
    }
    json_t *v = json_object_get(self->record, peer_fields[prop_id - 1].member);
    switch (peer_fields[prop_id - 1].type) {
    case PT_STRING:
        g_value_set_string(value, json_string_value(v));
        break;
    case PT_INT64:
        g_value_set_int64(value, json_integer_value(v));
        break;
    case PT_BOOL:
        g_value_set_boolean(value, json_is_true(v));
        break;
    }
}

static void pacta_peer_finalize(GObject *object)
{
    json_decref(PACTA_PEER(object)->record);
    G_OBJECT_CLASS(pacta_peer_parent_class)->finalize(object);
}

static void pacta_peer_class_init(PactaPeerClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    object_class->get_property = pacta_peer_get_property;
    object_class->finalize = pacta_peer_finalize;
    const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
    for (guint i = 0; i < N_PEER_FIELDS; i++) {
        const char *p = peer_fields[i].prop;
        switch (peer_fields[i].type) {
        case PT_STRING:
            peer_props[i + 1] = g_param_spec_string(p, NULL, NULL, NULL, ro);
            break;
        case PT_INT64:
            peer_props[i + 1] = g_param_spec_int64(p, NULL, NULL, G_MININT64, G_MAXINT64, 0, ro);
            break;
        case PT_BOOL:
            peer_props[i + 1] = g_param_spec_boolean(p, NULL, NULL, FALSE, ro);
            break;
        }
    }
    g_object_class_install_properties(object_class, N_PEER_FIELDS + 1, peer_props);
}

static void pacta_peer_init(PactaPeer *self)
{
    self->record = json_object();
}

static void peer_update(PactaPeer *self, const json_t *record)
{
    g_object_freeze_notify(G_OBJECT(self));
    for (guint i = 0; i < N_PEER_FIELDS; i++) {
        json_t *nv = json_object_get(record, peer_fields[i].member);
        json_t *ov = json_object_get(self->record, peer_fields[i].member);
        if ((nv == NULL) != (ov == NULL) || (nv && !json_equal(nv, ov))) {
            if (nv)
                json_object_set(self->record, peer_fields[i].member, nv);
            else
                json_object_del(self->record, peer_fields[i].member);
            g_object_notify_by_pspec(G_OBJECT(self), peer_props[i + 1]);
        }
    }
    g_object_thaw_notify(G_OBJECT(self));
}

#define PEER_STR(name)                                                                             \
    const char *pacta_peer_get_##name(PactaPeer *self)                                             \
    {                                                                                              \
        g_return_val_if_fail(PACTA_IS_PEER(self), NULL);                                           \
        return json_string_value(json_object_get(self->record, #name));                            \
    }
#define PEER_INT(name)                                                                             \
    gint64 pacta_peer_get_##name(PactaPeer *self)                                                  \
    {                                                                                              \
        g_return_val_if_fail(PACTA_IS_PEER(self), 0);                                              \
        return json_integer_value(json_object_get(self->record, #name));                           \
    }
PEER_INT(session)
PEER_STR(user)
PEER_STR(role)
PEER_STR(address)
PEER_STR(client)
PEER_STR(connected_at)
PEER_STR(last_activity_at)
PEER_INT(messages_in)
PEER_INT(messages_out)
PEER_INT(queue_depth)
PEER_STR(editing)

gboolean pacta_peer_get_subscribed(PactaPeer *self)
{
    g_return_val_if_fail(PACTA_IS_PEER(self), FALSE);
    return json_is_true(json_object_get(self->record, "subscribed"));
}

/* ---- PactaPeerList ------------------------------------------------------------------- */

struct _PactaPeerList {
    GObject parent_instance;
    PactaConnection *connection;
    GPtrArray *items; /* PactaPeer, oldest first */
    gboolean watching;
};

enum { PROP_0, PROP_CONNECTION, PROP_WATCHING, N_PROPS };
static GParamSpec *props[N_PROPS];

static void list_model_iface_init(GListModelInterface *iface);
G_DEFINE_FINAL_TYPE_WITH_CODE(PactaPeerList, pacta_peer_list, G_TYPE_OBJECT,
                              G_IMPLEMENT_INTERFACE(G_TYPE_LIST_MODEL, list_model_iface_init))

static GType get_item_type(GListModel *model)
{
    (void)model;
    return PACTA_TYPE_PEER;
}

static guint get_n_items(GListModel *model)
{
    return PACTA_PEER_LIST(model)->items->len;
}

static gpointer get_item(GListModel *model, guint position)
{
    PactaPeerList *self = PACTA_PEER_LIST(model);
    return position < self->items->len ? g_object_ref(g_ptr_array_index(self->items, position))
                                       : NULL;
}

static void list_model_iface_init(GListModelInterface *iface)
{
    iface->get_item_type = get_item_type;
    iface->get_n_items = get_n_items;
    iface->get_item = get_item;
}

guint pacta_peer_list_find(PactaPeerList *self, gint64 session)
{
    g_return_val_if_fail(PACTA_IS_PEER_LIST(self), G_MAXUINT);
    for (guint i = 0; i < self->items->len; i++)
        if (pacta_peer_get_session(g_ptr_array_index(self->items, i)) == session)
            return i;
    return G_MAXUINT;
}

void pacta_peer_list_apply_connection(PactaPeerList *self, const json_t *connection)
{
    g_return_if_fail(PACTA_IS_PEER_LIST(self));
    json_t *js = json_object_get(connection, "session");
    if (!json_is_integer(js))
        return;
    guint pos = pacta_peer_list_find(self, json_integer_value(js));
    if (pos != G_MAXUINT) {
        peer_update(g_ptr_array_index(self->items, pos), connection);
        return;
    }
    PactaPeer *peer = g_object_new(PACTA_TYPE_PEER, NULL);
    peer_update(peer, connection);
    g_ptr_array_add(self->items, peer);
    g_list_model_items_changed(G_LIST_MODEL(self), self->items->len - 1, 0, 1);
}

void pacta_peer_list_remove_session(PactaPeerList *self, gint64 session)
{
    g_return_if_fail(PACTA_IS_PEER_LIST(self));
    guint pos = pacta_peer_list_find(self, session);
    if (pos == G_MAXUINT)
        return;
    g_ptr_array_remove_index(self->items, pos);
    g_list_model_items_changed(G_LIST_MODEL(self), pos, 1, 0);
}

void pacta_peer_list_apply_items(PactaPeerList *self, const json_t *items)
{
    g_return_if_fail(PACTA_IS_PEER_LIST(self));
    guint old = self->items->len;
    g_ptr_array_set_size(self->items, 0);
    size_t i;
    json_t *c;
    json_array_foreach(items, i, c)
    {
        if (!json_is_integer(json_object_get(c, "session")))
            continue;
        PactaPeer *peer = g_object_new(PACTA_TYPE_PEER, NULL);
        peer_update(peer, c);
        g_ptr_array_add(self->items, peer);
    }
    g_list_model_items_changed(G_LIST_MODEL(self), 0, old, self->items->len);
}

static void set_watching(PactaPeerList *self, gboolean on)
{
    if (self->watching == on)
        return;
    self->watching = on;
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_WATCHING]);
}

static void on_watch(GObject *source, GAsyncResult *res, gpointer data)
{
    GTask *task = data;
    PactaPeerList *self = g_task_get_source_object(task);
    GError *error = NULL;
    json_auto_t *result =
        pacta_connection_request_finish(PACTA_CONNECTION(source), res, NULL, &error);
    if (result) {
        pacta_peer_list_apply_items(self, json_object_get(result, "items"));
        g_task_return_boolean(task, TRUE);
    } else {
        /* A drop before the answer: the next subscribe asks again. */
        if (!g_error_matches(error, PACTA_DESK_ERROR, PACTA_DESK_ERROR_DISCONNECTED))
            set_watching(self, FALSE);
        g_task_return_error(task, error);
    }
    g_object_unref(task);
}

static void send_watch(PactaPeerList *self, GTask *task)
{
    json_auto_t *args = json_pack("{s:b}", "on", 1);
    pacta_connection_request_async(self->connection, "admin.connections.watch", args,
                                   task ? g_task_get_cancellable(task) : NULL, on_watch,
                                   task ? task : g_task_new(self, NULL, NULL, NULL));
}

void pacta_peer_list_start_async(PactaPeerList *self, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
    g_return_if_fail(PACTA_IS_PEER_LIST(self));
    GTask *task = g_task_new(self, cancellable, callback, user_data);
    g_task_set_source_tag(task, pacta_peer_list_start_async);
    if (!self->connection) {
        g_task_return_new_error(task, PACTA_DESK_ERROR, PACTA_DESK_ERROR_DISCONNECTED,
                                "Not connected to the server");
        g_object_unref(task);
        return;
    }
    set_watching(self, TRUE);
    send_watch(self, task);
}

gboolean pacta_peer_list_start_finish(PactaPeerList *self, GAsyncResult *result, GError **error)
{
    g_return_val_if_fail(g_task_is_valid(result, self), FALSE);
    return g_task_propagate_boolean(G_TASK(result), error);
}

void pacta_peer_list_stop(PactaPeerList *self)
{
    g_return_if_fail(PACTA_IS_PEER_LIST(self));
    if (self->watching && self->connection &&
        pacta_connection_get_state(self->connection) == PACTA_CONNECTION_CONNECTED) {
        json_auto_t *args = json_pack("{s:b}", "on", 0);
        pacta_connection_request_async(self->connection, "admin.connections.watch", args, NULL,
                                       NULL, NULL);
    }
    set_watching(self, FALSE);
    pacta_peer_list_apply_items(self, NULL);
}

static void on_kick(GObject *source, GAsyncResult *res, gpointer data)
{
    GTask *task = data;
    GError *error = NULL;
    json_auto_t *result =
        pacta_connection_request_finish(PACTA_CONNECTION(source), res, NULL, &error);
    if (result)
        g_task_return_boolean(task, TRUE);
    else
        g_task_return_error(task, error);
    g_object_unref(task);
}

void pacta_peer_list_kick_async(PactaPeerList *self, gint64 session, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
    g_return_if_fail(PACTA_IS_PEER_LIST(self));
    GTask *task = g_task_new(self, cancellable, callback, user_data);
    g_task_set_source_tag(task, pacta_peer_list_kick_async);
    if (!self->connection) {
        g_task_return_new_error(task, PACTA_DESK_ERROR, PACTA_DESK_ERROR_DISCONNECTED,
                                "Not connected to the server");
        g_object_unref(task);
        return;
    }
    json_auto_t *args = json_pack("{s:I}", "session", (json_int_t)session);
    pacta_connection_request_async(self->connection, "admin.kick", args, cancellable, on_kick,
                                   task);
}

gboolean pacta_peer_list_kick_finish(PactaPeerList *self, GAsyncResult *result, GError **error)
{
    g_return_val_if_fail(g_task_is_valid(result, self), FALSE);
    return g_task_propagate_boolean(G_TASK(result), error);
}

static void on_event(PactaConnection *conn, const char *name, gint64 seq, gpointer ev,
                     gpointer data)
{
    (void)conn;
    (void)seq;
    PactaPeerList *self = data;
    if (!self->watching)
        return;
    const json_t *d = ev;
    if (strcmp(name, "admin.connection.closed") == 0)
        pacta_peer_list_remove_session(self, json_integer_value(json_object_get(d, "session")));
    else
        pacta_peer_list_apply_connection(self, json_object_get(d, "connection"));
}

static void on_subscribed(PactaConnection *conn, gint64 head, gboolean resumed, gpointer data)
{
    (void)conn;
    (void)head;
    (void)resumed;
    PactaPeerList *self = data;
    /* The watch belongs to the old connection: ask again on this one. */
    if (self->watching)
        send_watch(self, NULL);
}

static void pacta_peer_list_constructed(GObject *object)
{
    PactaPeerList *self = PACTA_PEER_LIST(object);
    G_OBJECT_CLASS(pacta_peer_list_parent_class)->constructed(object);
    if (!self->connection)
        return;
    g_signal_connect(self->connection, "subscribed", G_CALLBACK(on_subscribed), self);
    g_signal_connect(self->connection, "event::admin.connection.opened", G_CALLBACK(on_event),
                     self);
    g_signal_connect(self->connection, "event::admin.connection.updated", G_CALLBACK(on_event),
                     self);
    g_signal_connect(self->connection, "event::admin.connection.closed", G_CALLBACK(on_event),
                     self);
}

static void pacta_peer_list_set_property(GObject *object, guint prop_id, const GValue *value,
                                         GParamSpec *pspec)
{
    PactaPeerList *self = PACTA_PEER_LIST(object);
    if (prop_id == PROP_CONNECTION)
        self->connection = g_value_dup_object(value);
    else
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
}

static void pacta_peer_list_get_property(GObject *object, guint prop_id, GValue *value,
                                         GParamSpec *pspec)
{
    PactaPeerList *self = PACTA_PEER_LIST(object);
    if (prop_id == PROP_CONNECTION)
        g_value_set_object(value, self->connection);
    else if (prop_id == PROP_WATCHING)
        g_value_set_boolean(value, self->watching);
    else
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
}

static void pacta_peer_list_dispose(GObject *object)
{
    PactaPeerList *self = PACTA_PEER_LIST(object);
    if (self->connection) {
        g_signal_handlers_disconnect_by_data(self->connection, self);
        g_clear_object(&self->connection);
    }
    G_OBJECT_CLASS(pacta_peer_list_parent_class)->dispose(object);
}

static void pacta_peer_list_finalize(GObject *object)
{
    g_ptr_array_unref(PACTA_PEER_LIST(object)->items);
    G_OBJECT_CLASS(pacta_peer_list_parent_class)->finalize(object);
}

static void pacta_peer_list_class_init(PactaPeerListClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    object_class->constructed = pacta_peer_list_constructed;
    object_class->set_property = pacta_peer_list_set_property;
    object_class->get_property = pacta_peer_list_get_property;
    object_class->dispose = pacta_peer_list_dispose;
    object_class->finalize = pacta_peer_list_finalize;
    props[PROP_CONNECTION] =
        g_param_spec_object("connection", NULL, NULL, PACTA_TYPE_CONNECTION,
                            G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
    props[PROP_WATCHING] =
        g_param_spec_boolean("watching", NULL, NULL, FALSE,
                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
    g_object_class_install_properties(object_class, N_PROPS, props);
}

static void pacta_peer_list_init(PactaPeerList *self)
{
    self->items = g_ptr_array_new_with_free_func(g_object_unref);
}

PactaPeerList *pacta_peer_list_new(PactaConnection *connection)
{
    return g_object_new(PACTA_TYPE_PEER_LIST, "connection", connection, NULL);
}
