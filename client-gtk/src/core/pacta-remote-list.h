/*
 * pacta-desk: PactaRemoteList, the contract list as the server lists it: the
 * pages of contracts.list for one query (full-text words or a substring,
 * the Status/Kind/Lifecycle filters, one sort key), as a GListModel of the
 * store's PactaContracts.
 *
 * The window shows it instead of PactaListModel when the desk cannot or
 * should not filter its own rows: the server holds more contracts than the
 * store keeps (PactaContractStore "partial"), or the search is full text
 * (words of descriptions and amendment reasons, which the desk's rows do
 * not search).
 *
 * Pages come one at a time: the first when the query is set, the next when
 * the view asks for a row near the end of what has come (scrolling down).
 * Each record is applied to the store first (a version the store already
 * holds only refreshes the derived members), and the list holds the
 * store's object for it, so a row's cells follow live changes as the
 * store's rows do.  A contract deleted (by anyone) leaves the list; one
 * edited stays where the server put it (its new sort key or a filter it no
 * longer passes takes effect when the query runs again); one created (here
 * or elsewhere) goes on top when the query has no search and its filters
 * let it through, else it shows once the query runs again.  A contract the server returns
 * twice (its sort key moved between pages, PROTOCOL.md §6.4) is shown once.
 * When the store reloads (a fresh subscription, a restore on the server)
 * the query runs again.
 */
#ifndef PACTA_DESK_REMOTE_LIST_H
#define PACTA_DESK_REMOTE_LIST_H

#include <gio/gio.h>

#include "pacta-connection.h"
#include "pacta-contract-store.h"

G_BEGIN_DECLS

#define PACTA_TYPE_REMOTE_LIST (pacta_remote_list_get_type())
G_DECLARE_FINAL_TYPE(PactaRemoteList, pacta_remote_list, PACTA, REMOTE_LIST, GObject)

/* A query: every member may be NULL ("any", or the server's default sort:
 * relevance with `q`, number without).  Strings are copied. */
typedef struct {
    const char *q;    /* contracts.list `q`: full-text words */
    const char *text; /* `text`: substring of number, title or counterparty */
    const char *status, *kind, *lifecycle;
    const char *sort; /* a contracts.list sort key ("number", "title", ... "amount") */
    gboolean descending;
} PactaRemoteQuery;

/*
 * Properties:
 *   "pending"   gboolean, TRUE until the first page of the newest query
 *               came (the window's "(searching…)"; tests wait for FALSE)
 *   "complete"  gboolean, TRUE once the last page came
 *
 * Signals:
 *   "failed"    void (*)(PactaRemoteList *, const GError *, gpointer): a
 *               page was refused (not for a dropped connection).  The
 *               rows so far stay (none after a first page that failed)
 *               and no page is asked for until the query runs again: a
 *               new query, a refresh, or the connection's next
 *               subscription
 */
PactaRemoteList *pacta_remote_list_new(PactaConnection *connection, PactaContractStore *store);
/* Runs the query from its first page (the rows shown go once it answers). */
void pacta_remote_list_set_query(PactaRemoteList *self, const PactaRemoteQuery *query);
/* The same query again, from its first page. */
void pacta_remote_list_refresh(PactaRemoteList *self);
/* Asks for the next page if there is one and none is on its way. */
void pacta_remote_list_load_more(PactaRemoteList *self);
gboolean pacta_remote_list_get_pending(PactaRemoteList *self);
gboolean pacta_remote_list_get_complete(PactaRemoteList *self);

G_END_DECLS

#endif
