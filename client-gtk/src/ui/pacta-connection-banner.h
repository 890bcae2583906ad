/*
 * pacta-desk: PactaConnectionBanner, the persistent banner under the header
 * bar while the desk is not live: "Connection lost. Reconnecting in 12 s"
 * with a "Retry Now" button (WAITING), "Reconnecting…" (CONNECTING /
 * AUTHENTICATING after a drop), or the reason the connection ended with a
 * "Log In…" button (STOPPED after a failure: session ended, kicked).
 * Hidden while CONNECTED.  A GtkRevealer, since libadwaita 1.2 has no
 * AdwBanner.
 */
#ifndef PACTA_DESK_CONNECTION_BANNER_H
#define PACTA_DESK_CONNECTION_BANNER_H

#include <gtk/gtk.h>

#include "pacta-connection.h"

G_BEGIN_DECLS

#define PACTA_TYPE_CONNECTION_BANNER (pacta_connection_banner_get_type())
G_DECLARE_FINAL_TYPE(PactaConnectionBanner, pacta_connection_banner, PACTA, CONNECTION_BANNER,
                     GtkWidget)

void pacta_connection_banner_set_connection(PactaConnectionBanner *self,
                                            PactaConnection *connection);
/* TRUE while the banner is (being) shown. */
gboolean pacta_connection_banner_get_revealed(PactaConnectionBanner *self);
/* The text shown (tests, screenshots). */
const char *pacta_connection_banner_get_text(PactaConnectionBanner *self);

G_END_DECLS

#endif
