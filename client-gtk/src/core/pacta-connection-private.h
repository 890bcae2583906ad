/*
 * pacta-desk: PactaConnection internals shared between the protocol layer
 * (pacta-connection.c), the socket layer (pacta-connection-lws.c) and the
 * properties (pacta-connection-props.c).
 */
#ifndef PACTA_DESK_CONNECTION_PRIVATE_H
#define PACTA_DESK_CONNECTION_PRIVATE_H

#include <libwebsockets.h>

#include "pacta-connection.h"

typedef void (*PactaInternalCb)(PactaConnection *self, const json_t *result, const json_t *error);

/* A request sent (or queued) and not answered yet. */
typedef struct {
    gint64 id;
    GTask *task;              /* a user request, or NULL */
    PactaInternalCb internal; /* one of our protocol steps, or NULL */
} PactaPending;

/* A complete message (text != NULL, !is_close), the websocket coming up
 * (text == NULL, !is_close) or the end of a socket, for the protocol layer. */
typedef struct {
    guint gen;
    gboolean is_close;
    gboolean opened; /* close: the websocket had been established */
    guint close_code;
    char *text; /* message (NUL-terminated) or close reason */
    size_t len;
} PactaInboxItem;

/* A frame waiting for WRITEABLE, with LWS_PRE headroom. */
typedef struct {
    unsigned char *buf; /* LWS_PRE + len bytes */
    size_t len;
} PactaFrame;

struct _PactaConnection {
    GObject parent_instance;
    GMainContext *main_context;

    /* settings */
    char *url, *ca_file, *client_name;
    guint backoff_base_ms, backoff_max_ms;

    /* state */
    PactaConnectionState state;
    char *username, *display_name, *role, *stop_reason;
    char *token; /* NULL when logged out */
    gint64 last_seq;
    char *server_today;  /* the server's date (subscribe, server.day): "" unknown */
    gboolean have_since; /* last_seq is a position in the server's log */
    gint64 retry_at;
    guint attempt;
    GSource *retry_source;

    GTask *login_task, *logout_task;
    char *login_username, *login_password; /* only while a login is in progress */

    /* requests */
    gint64 next_id;
    GHashTable *pending; /* gint64 id -> PactaPending */
    guint in_flight;     /* written and not answered */

    /* socket layer */
    struct pacta_lws_shared *lws_shared; /* the lws context for our CA file */
    struct lws *wsi;                     /* current socket, NULL if none */
    GHashTable *live_wsis;               /* every socket lws still has (current + orphans) */
    guint gen;                           /* generation of the current socket */
    gboolean opened;                     /* current socket reached ESTABLISHED */
    guint reported_gen;                  /* generation whose end is already in the inbox */
    gboolean in_connect;                 /* inside lws_client_connect_via_info() */
    guint peer_close_code;
    char *peer_close_reason;
    GByteArray *rx; /* message being reassembled */
    gboolean rx_overflow;
    GQueue outbox; /* PactaFrame */
    GQueue inbox;  /* PactaInboxItem */
    GSource *inbox_source;
};

/* GObject properties (pacta-connection-props.c) */
enum {
    PROP_0,
    PROP_URL,
    PROP_CA_FILE,
    PROP_CLIENT_NAME,
    PROP_STATE,
    PROP_RETRY_AT,
    PROP_ATTEMPT,
    PROP_USERNAME,
    PROP_DISPLAY_NAME,
    PROP_ROLE,
    PROP_LAST_SEQ,
    PROP_STOP_REASON,
    PROP_BACKOFF_BASE_MS,
    PROP_BACKOFF_MAX_MS,
    N_PROPS
};
void pacta__connection_notify(PactaConnection *self, guint prop);
void pacta__connection_set_string(char **slot, const char *value);
/* Installs the properties and their get/set handlers on the class. */
void pacta__connection_install_properties(GObjectClass *object_class);

void pacta__connection_set_state(PactaConnection *self, PactaConnectionState state);
void pacta__connection_inbox_push(PactaConnection *self, PactaInboxItem *item);
void pacta__connection_established(PactaConnection *self);
void pacta__connection_login_cancelled(GCancellable *cancellable, gpointer data);
gboolean pacta__connection_login_cancel_idle(gpointer data);

/* socket layer */
/* Starts a connect attempt to self->url (new generation); failures arrive
 * as a close item in the inbox. */
void pacta__connection_connect(PactaConnection *self);
/* Detaches the current socket (it is closed soon) and bumps the generation. */
void pacta__connection_orphan_socket(PactaConnection *self);
/* The current socket is gone: clear per-socket state (outbox, rx). */
void pacta__connection_forget_socket(PactaConnection *self);
void pacta__connection_queue_frame(PactaConnection *self, const char *text, size_t len);
void pacta__connection_request_writable(PactaConnection *self);
void pacta__connection_destroy_context(PactaConnection *self);

#endif
