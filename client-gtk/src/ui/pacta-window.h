/*
 * pacta-desk: PactaWindow, the main window.
 *
 * The contract list is the application's PactaContractStore seen through a
 * PactaListModel (search text, status, kind, lifecycle, and the column
 * view's sort columns), which filters and sorts in a worker thread so
 * 100,000 rows never stall the window; GtkColumnView recycles row widgets,
 * so only the visible rows have any.
 * Beside it the PactaEditor pane; above it the connection banner; a
 * second page lists expiry alerts, a third is the dashboard.  Live changes flash the cells they
 * touched and name who made them; changes by others are summed up in a
 * toast ("3 changes arrived").
 *
 * Window actions: search, new-contract, save, delete, close-editor, reload,
 * show-contracts, show-expiring (see pacta-application.c for the accels),
 * export (the list as filtered now) and export-contract (the open
 * contract's PDF report): PactaExportDialog.
 */
#ifndef PACTA_DESK_WINDOW_H
#define PACTA_DESK_WINDOW_H

#include <adwaita.h>

#include "pacta-application.h"
#include "pacta-connection-banner.h"
#include "pacta-dashboard-page.h"
#include "pacta-editor.h"
#include "pacta-expiring-view.h"
#include "pacta-views-button.h"

G_BEGIN_DECLS

#define PACTA_TYPE_WINDOW (pacta_window_get_type())
G_DECLARE_FINAL_TYPE(PactaWindow, pacta_window, PACTA, WINDOW, AdwApplicationWindow)

PactaWindow *pacta_window_new(PactaApplication *app);

/* Opens the contract with this id in the editor (if the store has it; a
 * desk that keeps only part of the contracts asks the server and opens it
 * when it comes, or says it was deleted). */
gboolean pacta_window_open_contract(PactaWindow *self, const char *id);
/* Shows a toast (and remembers its text for tests). */
void pacta_window_toast(PactaWindow *self, const char *text);

/* For tests and screenshots. */
GtkColumnView *pacta_window_get_column_view(PactaWindow *self);
/* The list shown: a PactaListModel, or a PactaRemoteList when the desk
 * holds only part of the contracts or the search is Full Text. */
GListModel *pacta_window_get_visible_model(PactaWindow *self);
/* TRUE while that list's newest filter, sort or search is being computed
 * or asked of the server. */
gboolean pacta_window_get_list_pending(PactaWindow *self);
GtkToggleButton *pacta_window_get_fulltext_button(PactaWindow *self);
/* The count above the list ("3 of 10 contracts", "First 100 contracts …"). */
const char *pacta_window_get_count_text(PactaWindow *self);
PactaEditor *pacta_window_get_editor(PactaWindow *self);
PactaConnectionBanner *pacta_window_get_banner(PactaWindow *self);
PactaExpiringView *pacta_window_get_expiring_view(PactaWindow *self);
PactaDashboardPage *pacta_window_get_dashboard_page(PactaWindow *self);
GtkEditable *pacta_window_get_search_entry(PactaWindow *self);
/* The filter bar's Lifecycle drop-down and Views menu (issue 7). */
GtkDropDown *pacta_window_get_lifecycle_filter(PactaWindow *self);
PactaViewsButton *pacta_window_get_views_button(PactaWindow *self);
const char *pacta_window_get_last_toast(PactaWindow *self);
/* Shows the "contracts", "expiring" or "dashboard" page. */
void pacta_window_show_page(PactaWindow *self, const char *name);

G_END_DECLS

#endif
