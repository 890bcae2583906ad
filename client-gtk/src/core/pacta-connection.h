/*
 * pacta-desk: PactaConnection, the one connection of a desk to pactad.
 *
 * libwebsockets runs on the GLib main loop (LWS_SERVER_OPTION_GLIB with a
 * foreign loop on the thread-default main context); there is no network
 * thread and no call here blocks.  The server's CA is pinned
 * (LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS + the CA file).
 *
 * Life cycle:
 *   pacta_connection_new() -> set "url" and "ca-file" -> login_async():
 *   connect, auth.login, subscribe {} (or {since} when resuming), then
 *   state CONNECTED and "subscribed".  When the socket drops the state goes
 *   to WAITING with "retry-at" set; after the backoff delay (see
 *   pacta-backoff.h; close 4000 retries at once) it reconnects, sends
 *   auth.resume with the token and subscribe {since: last applied seq},
 *   and is CONNECTED again.  Close 4001 (session ended), 4002 (kicked) or a
 *   refused auth.resume end in state STOPPED with "stop-reason" set: the UI
 *   asks the user to log in again.  The password is used once and not kept.
 *
 * Requests (request_async) are sent only while CONNECTED; otherwise they
 * fail at once with PACTA_DESK_ERROR_DISCONNECTED.  A request in flight
 * when the socket drops fails with the same code.  Responses are matched
 * by id; events are emitted in arrival order; "last-seq" advances after
 * each durable event's handlers ran.
 *
 * Thread: main thread (the thread-default main context at _new time) only.
 */
#ifndef PACTA_DESK_CONNECTION_H
#define PACTA_DESK_CONNECTION_H

#include <gio/gio.h>
#include <jansson.h>

#include "pacta-error.h"

G_BEGIN_DECLS

typedef enum {
    PACTA_CONNECTION_STOPPED = 0,    /* not started, logged out, or ended (see stop-reason) */
    PACTA_CONNECTION_CONNECTING,     /* TCP/TLS/websocket handshake */
    PACTA_CONNECTION_AUTHENTICATING, /* auth.login / auth.resume / subscribe in flight */
    PACTA_CONNECTION_CONNECTED,      /* authenticated and subscribed: live */
    PACTA_CONNECTION_WAITING,        /* dropped; reconnecting at "retry-at" */
} PactaConnectionState;

GType pacta_connection_state_get_type(void);
#define PACTA_TYPE_CONNECTION_STATE (pacta_connection_state_get_type())

#define PACTA_TYPE_CONNECTION (pacta_connection_get_type())
G_DECLARE_FINAL_TYPE(PactaConnection, pacta_connection, PACTA, CONNECTION, GObject)

/*
 * Properties:
 *   "url"          wss://host:port/ (read-write; used at the next connect)
 *   "ca-file"      path of the pinned CA PEM (read-write; next connect)
 *   "client-name"  sent as auth.login's "client" (default "pacta-desk/VERSION")
 *   "state"        PactaConnectionState (read-only, notified)
 *   "retry-at"     gint64 g_get_real_time() µs of the next attempt, 0 if none
 *   "attempt"      guint reconnect attempts since the last success
 *   "username", "display-name", "role"  of the logged-in user ("" before)
 *   "last-seq"     gint64 highest durable event seq applied
 *   "stop-reason"  human text why the state is STOPPED after a failure, or NULL
 *   "backoff-base-ms", "backoff-max-ms"  guint, the reconnect schedule
 *                  (defaults 500 / 30000; tests may shorten)
 *
 * Signals:
 *   "event" (detailed by event name, e.g. "event::contract.updated")
 *       void (*)(PactaConnection *, const char *name, gint64 seq /0 for
 *                ephemeral/, gpointer data /const json_t *, borrowed/, gpointer user_data)
 *   "subscribed"  void (*)(PactaConnection *, gint64 head, gboolean resumed, gpointer)
 *       after every successful subscribe.  resumed == FALSE: a fresh
 *       subscription (first login, or the server refused our "since"):
 *       caches must reload everything (contracts.list).  resumed == TRUE:
 *       the replay of what was missed follows as "event" emissions.
 *   "closed"  void (*)(PactaConnection *, guint close_code, const char *reason, gpointer)
 *       whenever the socket goes away (close code 1006 when dropped without
 *       a close frame), before the state changes to WAITING or STOPPED.
 */
PactaConnection *pacta_connection_new(void);

/*
 * Connects (dropping any current connection), logs in, subscribes.
 * Completes when the state is CONNECTED (TRUE), or on the first failure
 * (FALSE with PACTA_DESK_ERROR_CONNECT / _UNAUTHENTICATED / ...; state
 * STOPPED; no automatic retry for a failed login).  A cancelled login
 * stops the connection.  The password is not stored.
 */
void pacta_connection_login_async(PactaConnection *self, const char *username, const char *password,
                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data);
gboolean pacta_connection_login_finish(PactaConnection *self, GAsyncResult *result, GError **error);

/*
 * auth.logout (if connected), then closes and goes to STOPPED without a
 * stop-reason.  Always completes TRUE unless cancelled; the local state is
 * logged out even if the server could not be told.
 */
void pacta_connection_logout_async(PactaConnection *self, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
gboolean pacta_connection_logout_finish(PactaConnection *self, GAsyncResult *result,
                                        GError **error);

/*
 * Sends {"id", "op", "args"} (args: borrowed, may be NULL for {}).
 * _finish returns the "result" object (new reference) on ok.  On an error
 * response it returns NULL with *error in PACTA_DESK_ERROR (code from the
 * wire, message from the server) and, if error_detail is non-NULL, the
 * whole wire "error" object (new ref: "code", "message", "field",
 * "current") in *error_detail.  Cancelling only drops interest in the
 * answer; a request already sent may still take effect.
 */
void pacta_connection_request_async(PactaConnection *self, const char *op, const json_t *args,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data);
json_t *pacta_connection_request_finish(PactaConnection *self, GAsyncResult *result,
                                        json_t **error_detail, GError **error);

/* Closes the connection and stops reconnecting (state STOPPED, no reason). */
void pacta_connection_close(PactaConnection *self);
/* While WAITING: try now instead of at retry-at ("Retry now" button). */
void pacta_connection_reconnect_now(PactaConnection *self);
/*
 * Drops the socket as if the network failed (state WAITING, backoff as
 * usual).  For tests and a "Reconnect" action; no-op unless connected.
 */
void pacta_connection_drop(PactaConnection *self);

PactaConnectionState pacta_connection_get_state(PactaConnection *self);
const char *pacta_connection_get_url(PactaConnection *self);
void pacta_connection_set_url(PactaConnection *self, const char *url);
const char *pacta_connection_get_ca_file(PactaConnection *self);
void pacta_connection_set_ca_file(PactaConnection *self, const char *ca_file);
const char *pacta_connection_get_username(PactaConnection *self);
const char *pacta_connection_get_display_name(PactaConnection *self);
const char *pacta_connection_get_role(PactaConnection *self); /* "viewer"/"editor"/"admin"/"" */
gboolean pacta_connection_is_admin(PactaConnection *self);
gboolean pacta_connection_can_edit(PactaConnection *self); /* editor or admin */
gint64 pacta_connection_get_retry_at(PactaConnection *self);
guint pacta_connection_get_attempt(PactaConnection *self);
gint64 pacta_connection_get_last_seq(PactaConnection *self);
/* The server's date ("YYYY-MM-DD") as its last subscribe answer or
 * server.day event said; "" before the first. */
const char *pacta_connection_get_server_today(PactaConnection *self);
const char *pacta_connection_get_stop_reason(PactaConnection *self);

G_END_DECLS

#endif
