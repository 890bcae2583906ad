/*
 * pacta-desk: PactaDashboardPage, the "Dashboard" page of the main window.
 *
 * Shows the server's dashboard figures (stats.dashboard: totals, expiring
 * 30/60/90 days, notice deadlines, lifecycle, value per currency, recent
 * changes) with a small bar chart drawn with cairo, and keeps them live
 * while it is on screen: when mapped it sends dashboard.watch {on: true}
 * (the answer is the figures) and applies every dashboard.updated the
 * server pushes; when unmapped it sends {on: false}.  After a reconnect
 * (the connection's "subscribed") it watches again, since the server
 * forgets a closed connection's watch.  An answer and an event can cross:
 * the newer figures win (pacta_dashboard_newer).
 *
 * Activating a recent change opens its contract (app.open-contract).
 */
#ifndef PACTA_DESK_DASHBOARD_PAGE_H
#define PACTA_DESK_DASHBOARD_PAGE_H

#include <adwaita.h>
#include <pacta/dashboard.h>

#include "pacta-connection.h"

G_BEGIN_DECLS

#define PACTA_TYPE_DASHBOARD_PAGE (pacta_dashboard_page_get_type())
G_DECLARE_FINAL_TYPE(PactaDashboardPage, pacta_dashboard_page, PACTA, DASHBOARD_PAGE, GtkBox)

/* The headline numbers, as shown on the page's cards. */
typedef enum {
    PACTA_DASHBOARD_CARD_TOTAL,
    PACTA_DASHBOARD_CARD_ACTIVE,
    PACTA_DASHBOARD_CARD_EXPIRING,
    PACTA_DASHBOARD_CARD_NOTICE,
} PactaDashboardCard;

void pacta_dashboard_page_set_connection(PactaDashboardPage *self, PactaConnection *connection);
/* The figures shown, or NULL before the first arrived (borrowed). */
const struct pacta_dashboard *pacta_dashboard_page_get_figures(PactaDashboardPage *self);
/* How many times figures were applied (answers and events). */
guint pacta_dashboard_page_get_updates(PactaDashboardPage *self);
/* Whether the page has asked the server for live figures. */
gboolean pacta_dashboard_page_is_watching(PactaDashboardPage *self);
/* The text of a headline card, as the user reads it. */
const char *pacta_dashboard_page_get_card_text(PactaDashboardPage *self, PactaDashboardCard card);
GtkWidget *pacta_dashboard_page_get_chart(PactaDashboardPage *self);

G_END_DECLS

#endif
