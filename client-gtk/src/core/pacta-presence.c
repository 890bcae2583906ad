/*
 * pacta-desk: PactaPresence; see pacta-presence.h.
 */
#define G_LOG_DOMAIN "pacta-presence"

#include "pacta-presence.h"

#include <string.h>

struct _PactaPresence {
    GObject parent_instance;
    PactaConnection *connection;
    GHashTable *editors; /* contract_id -> json_t array of Editor (owned) */
    char *editing;       /* our open contract, or NULL */
    char *username;      /* ours */
};

enum { PROP_0, PROP_CONNECTION, N_PROPS };
static GParamSpec *props[N_PROPS];
enum { SIG_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(PactaPresence, pacta_presence, G_TYPE_OBJECT)

static void emit_changed(PactaPresence *self, const char *contract_id)
{
    g_signal_emit(self, signals[SIG_CHANGED], 0, contract_id);
}

void pacta_presence_apply(PactaPresence *self, const json_t *entry)
{
    g_return_if_fail(PACTA_IS_PRESENCE(self));
    const char *id = json_string_value(json_object_get(entry, "contract_id"));
    json_t *editors = json_object_get(entry, "editors");
    if (!id)
        return;
    if (json_array_size(editors) == 0) {
        if (!g_hash_table_remove(self->editors, id))
            return;
    } else {
        g_hash_table_insert(self->editors, g_strdup(id), json_incref(editors));
    }
    emit_changed(self, id);
}

void pacta_presence_clear(PactaPresence *self)
{
    g_return_if_fail(PACTA_IS_PRESENCE(self));
    g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, self->editors);
    while (g_hash_table_iter_next(&it, &key, NULL))
        g_ptr_array_add(ids, g_strdup(key));
    /* Empty first, so handlers asking about a contract see it cleared. */
    g_hash_table_remove_all(self->editors);
    for (guint i = 0; i < ids->len; i++)
        emit_changed(self, g_ptr_array_index(ids, i));
}

void pacta_presence_set_username(PactaPresence *self, const char *username)
{
    g_return_if_fail(PACTA_IS_PRESENCE(self));
    g_free(self->username);
    self->username = g_strdup(username);
}

static void send_editing(PactaPresence *self)
{
    if (!self->connection ||
        pacta_connection_get_state(self->connection) != PACTA_CONNECTION_CONNECTED)
        return;
    json_auto_t *args = json_object();
    json_object_set_new(args, "contract_id",
                        self->editing ? json_string(self->editing) : json_null());
    /* Best effort: presence is a courtesy, a failure must not bother the user. */
    pacta_connection_request_async(self->connection, "presence.set", args, NULL, NULL, NULL);
}

void pacta_presence_set_editing(PactaPresence *self, const char *contract_id)
{
    g_return_if_fail(PACTA_IS_PRESENCE(self));
    if (g_strcmp0(self->editing, contract_id) == 0)
        return;
    char *old = g_steal_pointer(&self->editing);
    self->editing = g_strdup(contract_id);
    send_editing(self);
    /* Our own entry is hidden only on the contract we have open. */
    if (old)
        emit_changed(self, old);
    if (contract_id)
        emit_changed(self, contract_id);
    g_free(old);
}

const char *pacta_presence_get_editing(PactaPresence *self)
{
    g_return_val_if_fail(PACTA_IS_PRESENCE(self), NULL);
    return self->editing;
}

GStrv pacta_presence_get_editors(PactaPresence *self, const char *contract_id)
{
    g_return_val_if_fail(PACTA_IS_PRESENCE(self), NULL);
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();
    json_t *editors = contract_id ? g_hash_table_lookup(self->editors, contract_id) : NULL;
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    gboolean skip_self =
        self->editing && self->username && g_strcmp0(self->editing, contract_id) == 0;
    size_t i;
    json_t *e;
    json_array_foreach(editors, i, e)
    {
        const char *user = json_string_value(json_object_get(e, "user"));
        const char *name = json_string_value(json_object_get(e, "display_name"));
        if (skip_self && g_strcmp0(user, self->username) == 0) {
            skip_self = FALSE; /* one of our sessions: this desk */
            continue;
        }
        const char *shown = name && *name ? name : user;
        /* One person on two desks is still one name. */
        if (shown && g_hash_table_add(seen, (gpointer)shown))
            g_strv_builder_add(b, shown);
    }
    return g_strv_builder_end(b);
}

char *pacta_presence_describe(PactaPresence *self, const char *contract_id)
{
    g_return_val_if_fail(PACTA_IS_PRESENCE(self), NULL);
    g_auto(GStrv) names = pacta_presence_get_editors(self, contract_id);
    guint n = g_strv_length(names);
    switch (n) {
    case 0:
        return NULL;
    case 1:
        return g_strdup_printf("%s is editing", names[0]);
    case 2:
        return g_strdup_printf("%s and %s are editing", names[0], names[1]);
    case 3:
        return g_strdup_printf("%s, %s and %s are editing", names[0], names[1], names[2]);
    default:
        return g_strdup_printf("%s, %s and %u others are editing", names[0], names[1], n - 2);
    }
}

static void on_list(GObject *source, GAsyncResult *res, gpointer data)
{
    PactaPresence *self = data;
    json_auto_t *result =
        pacta_connection_request_finish(PACTA_CONNECTION(source), res, NULL, NULL);
    if (result) {
        pacta_presence_clear(self);
        size_t i;
        json_t *item;
        json_array_foreach(json_object_get(result, "items"), i, item)
            pacta_presence_apply(self, item);
    }
    g_object_unref(self);
}

static void on_subscribed(PactaConnection *conn, gint64 head, gboolean resumed, gpointer data)
{
    (void)head;
    (void)resumed;
    PactaPresence *self = data;
    pacta_presence_set_username(self, pacta_connection_get_username(conn));
    send_editing(self);
    pacta_connection_request_async(conn, "presence.list", NULL, NULL, on_list, g_object_ref(self));
}

static void on_state(PactaConnection *conn, GParamSpec *pspec, gpointer data)
{
    (void)pspec;
    /* Presence is ephemeral: while not connected we know nothing. */
    if (pacta_connection_get_state(conn) != PACTA_CONNECTION_CONNECTED)
        pacta_presence_clear(data);
}

static void on_event(PactaConnection *conn, const char *name, gint64 seq, gpointer ev,
                     gpointer data)
{
    (void)conn;
    (void)name;
    (void)seq;
    pacta_presence_apply(data, ev);
}

static void pacta_presence_constructed(GObject *object)
{
    PactaPresence *self = PACTA_PRESENCE(object);
    G_OBJECT_CLASS(pacta_presence_parent_class)->constructed(object);
    if (!self->connection)
        return;
    g_signal_connect(self->connection, "subscribed", G_CALLBACK(on_subscribed), self);
    g_signal_connect(self->connection, "notify::state", G_CALLBACK(on_state), self);
    g_signal_connect(self->connection, "event::presence.updated", G_CALLBACK(on_event), self);
    if (pacta_connection_get_state(self->connection) == PACTA_CONNECTION_CONNECTED)
        on_subscribed(self->connection, 0, TRUE, self);
}

static void pacta_presence_set_property(GObject *object, guint prop_id, const GValue *value,
                                        GParamSpec *pspec)
{
    PactaPresence *self = PACTA_PRESENCE(object);
    if (prop_id == PROP_CONNECTION)
        self->connection = g_value_dup_object(value);
    else
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
}

static void pacta_presence_get_property(GObject *object, guint prop_id, GValue *value,
                                        GParamSpec *pspec)
{
    PactaPresence *self = PACTA_PRESENCE(object);
    if (prop_id == PROP_CONNECTION)
        g_value_set_object(value, self->connection);
    else
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
}

static void pacta_presence_dispose(GObject *object)
{
    PactaPresence *self = PACTA_PRESENCE(object);
    if (self->connection) {
        g_signal_handlers_disconnect_by_data(self->connection, self);
        g_clear_object(&self->connection);
    }
    G_OBJECT_CLASS(pacta_presence_parent_class)->dispose(object);
}

static void pacta_presence_finalize(GObject *object)
{
    PactaPresence *self = PACTA_PRESENCE(object);
    g_hash_table_unref(self->editors);
    g_free(self->editing);
    g_free(self->username);
    G_OBJECT_CLASS(pacta_presence_parent_class)->finalize(object);
}

static void pacta_presence_class_init(PactaPresenceClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    object_class->constructed = pacta_presence_constructed;
    object_class->set_property = pacta_presence_set_property;
    object_class->get_property = pacta_presence_get_property;
    object_class->dispose = pacta_presence_dispose;
    object_class->finalize = pacta_presence_finalize;
    props[PROP_CONNECTION] =
        g_param_spec_object("connection", NULL, NULL, PACTA_TYPE_CONNECTION,
                            G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
    g_object_class_install_properties(object_class, N_PROPS, props);
    signals[SIG_CHANGED] = g_signal_new("changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void pacta_presence_init(PactaPresence *self)
{
    self->editors =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)json_decref);
}

PactaPresence *pacta_presence_new(PactaConnection *connection)
{
    return g_object_new(PACTA_TYPE_PRESENCE, "connection", connection, NULL);
}
