/*
 * pacta-desk: PactaWindow's parts (private to client-gtk/src/ui/pacta-window*.c):
 * the instance struct, and what pacta-window.c asks of the contract list's
 * module, pacta-window-list.c (search, drop-downs, sort, saved views, and
 * which list shows: the desk's own PactaListModel or the server's
 * PactaRemoteList).
 */
#ifndef PACTA_DESK_WINDOW_PRIVATE_H
#define PACTA_DESK_WINDOW_PRIVATE_H

#include "pacta-application.h"
#include "pacta-list-model.h"
#include "pacta-remote-list.h"
#include "pacta-window.h"

G_BEGIN_DECLS

struct _PactaWindow {
    AdwApplicationWindow parent_instance;

    AdwToastOverlay *toast_overlay;
    GtkLabel *user_label;
    PactaConnectionBanner *banner;
    GtkSearchBar *search_bar;
    GtkSearchEntry *search_entry;
    GtkToggleButton *fulltext_button;
    GtkDropDown *status_filter, *kind_filter, *lifecycle_filter;
    PactaViewsButton *views_button;
    GtkLabel *count_label;
    AdwViewStack *view_stack;
    AdwViewStackPage *expiring_page;
    GtkStack *list_stack;
    GtkColumnView *column_view;
    GtkColumnViewColumn *col_number, *col_title, *col_counterparty, *col_kind, *col_status,
        *col_end, *col_amount, *col_owner;
    PactaEditor *editor;
    PactaExpiringView *expiring_view;
    PactaDashboardPage *dashboard_page;

    PactaApplication *app; /* weak: the application outlives its windows */
    PactaConnection *connection;
    PactaContractStore *store;
    PactaListModel *list;    /* filtered and sorted off the main thread */
    PactaRemoteList *remote; /* the server's pages, when the list is remote */
    gboolean remote_shown;   /* which of the two the selection shows */
    GtkSingleSelection *selection;

    char *search_text;                     /* pacta_search_fold()ed, NULL when empty */
    char *search_raw;                      /* as typed (stripped), NULL when empty */
    const char *status_value, *kind_value; /* static strings or NULL */
    const char *lifecycle_value;           /* likewise */

    guint pending_changes; /* changes by others not yet toasted */
    char *pending_text;    /* the toast if there is exactly one */
    guint toast_id;
    char *last_toast;
};

/* pacta-window-list.c */
/* The models, the selection, the filters' and sort's signals, the saved
 * views; once the window has its store and connection. */
void pacta_window__list_setup(PactaWindow *self);
void pacta_window__list_dispose(PactaWindow *self);
/* contracts.list's filters of the list as it shows now (new reference). */
json_t *pacta_window__list_filters(PactaWindow *self);
/* The server's date moved (server.day). */
void pacta_window__list_new_day(PactaWindow *self);

G_END_DECLS

#endif
