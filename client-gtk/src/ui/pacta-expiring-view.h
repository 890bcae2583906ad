/*
 * pacta-desk: PactaExpiringView, the "Expiring" page.  One row per
 * contract for the latest expiry alert the server sent about it
 * (contract.expiring, contract.notice_due, contract.expired,
 * contract.renewed; data carries "contract"), newest on top; activating a
 * row opens the contract (action app.open-contract).  An empty state until
 * alerts arrive.  Signal "changed" (no arguments) after a row was added
 * or replaced.  At each subscribe (login, reconnect), after a live alert
 * addressed to the user and after a restore (server.reset) it also lists
 * the user's unread stored notifications (PROTOCOL §6.21: alerts raised
 * while the desk was closed, and the live ones' own) and marks them read
 * once the page is on screen.
 */
#ifndef PACTA_DESK_EXPIRING_VIEW_H
#define PACTA_DESK_EXPIRING_VIEW_H

#include <adwaita.h>
#include <jansson.h>

#include "pacta-connection.h"

G_BEGIN_DECLS

#define PACTA_TYPE_EXPIRING_VIEW (pacta_expiring_view_get_type())
G_DECLARE_FINAL_TYPE(PactaExpiringView, pacta_expiring_view, PACTA, EXPIRING_VIEW, GtkBox)

void pacta_expiring_view_set_connection(PactaExpiringView *self, PactaConnection *connection);
/* Adds or replaces the alert row of data's contract; FALSE if `name` is
 * not an expiry event or data has no contract. */
gboolean pacta_expiring_view_add_alert(PactaExpiringView *self, const char *name,
                                       const json_t *data);
guint pacta_expiring_view_get_count(PactaExpiringView *self);

G_END_DECLS

#endif
