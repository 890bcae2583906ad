/*
 * pacta-desk: PactaConnection properties: the state enum type, the GObject
 * property table, the getters and setters; see pacta-connection.h.
 */
#define G_LOG_DOMAIN "pacta-connection"

#include "pacta-connection-private.h"

#include "pacta-backoff.h"

static GParamSpec *props[N_PROPS];

GType pacta_connection_state_get_type(void)
{
    static gsize type_id = 0;
    if (g_once_init_enter(&type_id)) {
        static const GEnumValue values[] = {
            {PACTA_CONNECTION_STOPPED, "PACTA_CONNECTION_STOPPED", "stopped"},
            {PACTA_CONNECTION_CONNECTING, "PACTA_CONNECTION_CONNECTING", "connecting"},
            {PACTA_CONNECTION_AUTHENTICATING, "PACTA_CONNECTION_AUTHENTICATING", "authenticating"},
            {PACTA_CONNECTION_CONNECTED, "PACTA_CONNECTION_CONNECTED", "connected"},
            {PACTA_CONNECTION_WAITING, "PACTA_CONNECTION_WAITING", "waiting"},
            {0, NULL, NULL},
        };
        GType t = g_enum_register_static(g_intern_static_string("PactaConnectionState"), values);
        g_once_init_leave(&type_id, t);
    }
    return type_id;
}

void pacta__connection_set_string(char **slot, const char *value)
{
    g_free(*slot);
    *slot = g_strdup(value);
}

void pacta__connection_notify(PactaConnection *self, guint prop)
{
    g_object_notify_by_pspec(G_OBJECT(self), props[prop]);
}

#define GETTER(type, name, expr)                                                                   \
    type pacta_connection_get_##name(PactaConnection *self)                                        \
    {                                                                                              \
        g_return_val_if_fail(PACTA_IS_CONNECTION(self), 0);                                        \
        return expr;                                                                               \
    }
GETTER(PactaConnectionState, state, self->state)
GETTER(const char *, url, self->url)
GETTER(const char *, ca_file, self->ca_file)
GETTER(const char *, username, self->username)
GETTER(const char *, display_name, self->display_name)
GETTER(const char *, role, self->role)
GETTER(gint64, retry_at, self->retry_at)
GETTER(guint, attempt, self->attempt)
GETTER(gint64, last_seq, self->last_seq)
GETTER(const char *, stop_reason, self->stop_reason)
GETTER(const char *, server_today, self->server_today)

gboolean pacta_connection_is_admin(PactaConnection *self)
{
    g_return_val_if_fail(PACTA_IS_CONNECTION(self), FALSE);
    return g_strcmp0(self->role, "admin") == 0;
}

gboolean pacta_connection_can_edit(PactaConnection *self)
{
    g_return_val_if_fail(PACTA_IS_CONNECTION(self), FALSE);
    return g_strcmp0(self->role, "admin") == 0 || g_strcmp0(self->role, "editor") == 0;
}

void pacta_connection_set_url(PactaConnection *self, const char *url)
{
    g_return_if_fail(PACTA_IS_CONNECTION(self));
    if (g_strcmp0(self->url, url ? url : "") == 0)
        return;
    pacta__connection_set_string(&self->url, url ? url : "");
    pacta__connection_notify(self, PROP_URL);
}

void pacta_connection_set_ca_file(PactaConnection *self, const char *ca_file)
{
    g_return_if_fail(PACTA_IS_CONNECTION(self));
    if (g_strcmp0(self->ca_file, ca_file ? ca_file : "") == 0)
        return;
    pacta__connection_set_string(&self->ca_file, ca_file ? ca_file : "");
    pacta__connection_notify(self, PROP_CA_FILE);
}

static void pacta_connection_get_property(GObject *object, guint prop_id, GValue *value,
                                          GParamSpec *pspec)
{
    PactaConnection *self = PACTA_CONNECTION(object);
    switch (prop_id) {
    case PROP_URL:
        g_value_set_string(value, self->url);
        break;
    case PROP_CA_FILE:
        g_value_set_string(value, self->ca_file);
        break;
    case PROP_CLIENT_NAME:
        g_value_set_string(value, self->client_name);
        break;
    case PROP_STATE:
        g_value_set_enum(value, self->state);
        break;
    case PROP_RETRY_AT:
        g_value_set_int64(value, self->retry_at);
        break;
    case PROP_ATTEMPT:
        g_value_set_uint(value, self->attempt);
        break;
    case PROP_USERNAME:
        g_value_set_string(value, self->username);
        break;
    case PROP_DISPLAY_NAME:
        g_value_set_string(value, self->display_name);
        break;
    case PROP_ROLE:
        g_value_set_string(value, self->role);
        break;
    case PROP_LAST_SEQ:
        g_value_set_int64(value, self->last_seq);
        break;
    case PROP_STOP_REASON:
        g_value_set_string(value, self->stop_reason);
        break;
    case PROP_BACKOFF_BASE_MS:
        g_value_set_uint(value, self->backoff_base_ms);
        break;
    case PROP_BACKOFF_MAX_MS:
        g_value_set_uint(value, self->backoff_max_ms);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void pacta_connection_set_property(GObject *object, guint prop_id, const GValue *value,
                                          GParamSpec *pspec)
{
    PactaConnection *self = PACTA_CONNECTION(object);
    switch (prop_id) {
    case PROP_URL:
        pacta_connection_set_url(self, g_value_get_string(value));
        break;
    case PROP_CA_FILE:
        pacta_connection_set_ca_file(self, g_value_get_string(value));
        break;
    case PROP_CLIENT_NAME:
        pacta__connection_set_string(&self->client_name, g_value_get_string(value));
        break;
    case PROP_BACKOFF_BASE_MS:
        self->backoff_base_ms = MAX(1u, g_value_get_uint(value));
        break;
    case PROP_BACKOFF_MAX_MS:
        self->backoff_max_ms = MAX(1u, g_value_get_uint(value));
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

void pacta__connection_install_properties(GObjectClass *object_class)
{
    object_class->get_property = pacta_connection_get_property;
    object_class->set_property = pacta_connection_set_property;

    const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
    const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
    props[PROP_URL] = g_param_spec_string("url", NULL, NULL, "", rw);
    props[PROP_CA_FILE] = g_param_spec_string("ca-file", NULL, NULL, "", rw);
    props[PROP_CLIENT_NAME] =
        g_param_spec_string("client-name", NULL, NULL, "pacta-desk/" PACTA_VERSION, rw);
    props[PROP_STATE] = g_param_spec_enum("state", NULL, NULL, PACTA_TYPE_CONNECTION_STATE,
                                          PACTA_CONNECTION_STOPPED, ro);
    props[PROP_RETRY_AT] = g_param_spec_int64("retry-at", NULL, NULL, 0, G_MAXINT64, 0, ro);
    props[PROP_ATTEMPT] = g_param_spec_uint("attempt", NULL, NULL, 0, G_MAXUINT, 0, ro);
    props[PROP_USERNAME] = g_param_spec_string("username", NULL, NULL, "", ro);
    props[PROP_DISPLAY_NAME] = g_param_spec_string("display-name", NULL, NULL, "", ro);
    props[PROP_ROLE] = g_param_spec_string("role", NULL, NULL, "", ro);
    props[PROP_LAST_SEQ] = g_param_spec_int64("last-seq", NULL, NULL, 0, G_MAXINT64, 0, ro);
    props[PROP_STOP_REASON] = g_param_spec_string("stop-reason", NULL, NULL, NULL, ro);
    props[PROP_BACKOFF_BASE_MS] =
        g_param_spec_uint("backoff-base-ms", NULL, NULL, 1, G_MAXUINT, PACTA_BACKOFF_BASE_MS, rw);
    props[PROP_BACKOFF_MAX_MS] =
        g_param_spec_uint("backoff-max-ms", NULL, NULL, 1, G_MAXUINT, PACTA_BACKOFF_MAX_MS, rw);
    g_object_class_install_properties(object_class, N_PROPS, props);
}
