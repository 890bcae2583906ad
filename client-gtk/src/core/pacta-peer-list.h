/*
 * pacta-desk: the admin monitor's model.  PactaPeerList is a GListModel of
 * PactaPeer, one per connection to the server (PROTOCOL.md §6.17–6.19),
 * oldest first, kept live with admin.connections.watch and the ephemeral
 * admin.connection.opened/updated/closed events.
 *
 * PactaPeer properties (read-only, notified when an update changes them):
 *   "session" gint64, "user" (NULL before login), "role", "address",
 *   "client", "connected-at", "last-activity-at", "messages-in",
 *   "messages-out", "bytes-in", "bytes-out", "queue-depth" (gint64 each),
 *   "subscribed" gboolean, "editing" (contract id or NULL)
 */
#ifndef PACTA_DESK_PEER_LIST_H
#define PACTA_DESK_PEER_LIST_H

#include <gio/gio.h>
#include <jansson.h>

#include "pacta-connection.h"

G_BEGIN_DECLS

#define PACTA_TYPE_PEER (pacta_peer_get_type())
G_DECLARE_FINAL_TYPE(PactaPeer, pacta_peer, PACTA, PEER, GObject)

gint64 pacta_peer_get_session(PactaPeer *self);
const char *pacta_peer_get_user(PactaPeer *self);
const char *pacta_peer_get_role(PactaPeer *self);
const char *pacta_peer_get_address(PactaPeer *self);
const char *pacta_peer_get_client(PactaPeer *self);
const char *pacta_peer_get_connected_at(PactaPeer *self);
const char *pacta_peer_get_last_activity_at(PactaPeer *self);
gint64 pacta_peer_get_messages_in(PactaPeer *self);
gint64 pacta_peer_get_messages_out(PactaPeer *self);
gint64 pacta_peer_get_queue_depth(PactaPeer *self);
gboolean pacta_peer_get_subscribed(PactaPeer *self);
const char *pacta_peer_get_editing(PactaPeer *self);

#define PACTA_TYPE_PEER_LIST (pacta_peer_list_get_type())
G_DECLARE_FINAL_TYPE(PactaPeerList, pacta_peer_list, PACTA, PEER_LIST, GObject)

/* Property "connection" (construct-only, may be NULL in tests), "watching". */
PactaPeerList *pacta_peer_list_new(PactaConnection *connection);

/*
 * Starts watching (admin.connections.watch {on: true}; re-issued after
 * every reconnect) and fills the list from its result.  Completes TRUE
 * once the first list arrived; FALSE with PACTA_DESK_ERROR_FORBIDDEN for a
 * non-admin.
 */
void pacta_peer_list_start_async(PactaPeerList *self, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data);
gboolean pacta_peer_list_start_finish(PactaPeerList *self, GAsyncResult *result, GError **error);
/* Stops watching ({on: false}, best effort) and empties the list. */
void pacta_peer_list_stop(PactaPeerList *self);

/* admin.kick {session}: closes that connection with 4002. */
void pacta_peer_list_kick_async(PactaPeerList *self, gint64 session, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data);
gboolean pacta_peer_list_kick_finish(PactaPeerList *self, GAsyncResult *result, GError **error);

/* Position of a session, or G_MAXUINT. */
guint pacta_peer_list_find(PactaPeerList *self, gint64 session);

/* Model updates from wire data; the event handlers use them, tests too. */
void pacta_peer_list_apply_items(PactaPeerList *self, const json_t *items); /* replaces all */
void pacta_peer_list_apply_connection(PactaPeerList *self, const json_t *connection);
void pacta_peer_list_remove_session(PactaPeerList *self, gint64 session);

G_END_DECLS

#endif
