/*
 * pacta-desk: PactaAdminWindow, the admin monitor.  Lists every connection
 * to the server live (a PactaPeerList watching admin.connections.watch):
 * user, address, client, connected since, last activity, messages in/out,
 * queue depth, and a "Disconnect" button (admin.kick, after confirmation).
 * Only admins get it (app.admin-monitor is disabled for other roles).
 */
#ifndef PACTA_DESK_ADMIN_WINDOW_H
#define PACTA_DESK_ADMIN_WINDOW_H

#include <adwaita.h>

#include "pacta-connection.h"
#include "pacta-peer-list.h"

G_BEGIN_DECLS

#define PACTA_TYPE_ADMIN_WINDOW (pacta_admin_window_get_type())
G_DECLARE_FINAL_TYPE(PactaAdminWindow, pacta_admin_window, PACTA, ADMIN_WINDOW, AdwWindow)

PactaAdminWindow *pacta_admin_window_new(PactaConnection *connection);
PactaPeerList *pacta_admin_window_get_peers(PactaAdminWindow *self);
/* TRUE once the first list arrived. */
gboolean pacta_admin_window_is_ready(PactaAdminWindow *self);
/* What the confirmation dialog's "Disconnect" does (tests call it). */
void pacta_admin_window_disconnect(PactaAdminWindow *self, gint64 session);
/* What the row's "Disconnect…" button does: asks, then disconnects. */
void pacta_admin_window_request_disconnect(PactaAdminWindow *self, gint64 session);

G_END_DECLS

#endif
