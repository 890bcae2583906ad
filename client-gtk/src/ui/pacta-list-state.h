/*
 * pacta-desk: the contract list's search, filters and sort as a saved
 * view's JSON, and back (PactaWindow's half of PactaViewsButton).
 *
 * A view is {"filter": contracts.list filter members, "sort": {"key",
 * "order"}} (PROTOCOL.md §6.44).  The list's search box is the `text`
 * filter (a substring of number, title or counterparty, as the desk
 * searches), or with Full Text on the `q` filter (then with no sort column
 * the sort is `relevance`); the Status, Kind and Lifecycle drop-downs are `status`,
 * `kind`, `lifecycle`; the sort is the column view's first sort column
 * when it is Number, Title, Counterparty, End date or Amount (the keys both
 * the desk and the server sort by; a list sorted by Kind, Status or Owner
 * saves the default sort).  GTK 4.8 has no call that tells which column
 * the view sorts by, so the view's sorter is asked about synthetic rows.
 */
#ifndef PACTA_DESK_LIST_STATE_H
#define PACTA_DESK_LIST_STATE_H

#include <gtk/gtk.h>
#include <jansson.h>

#include "pacta-list-model.h"

G_BEGIN_DECLS

#define PACTA_LIST_COLUMNS 8
/* The window's widgets, lent for one call.  columns: Number, Title,
 * Counterparty, End date, Amount, Kind, Status, Owner. */
struct pacta_list_widgets {
    GtkEditable *search;
    GtkToggleButton *fulltext; /* Full Text: the search is `q`, else `text` */
    GtkDropDown *status, *kind, *lifecycle;
    const char *const *status_values, *const *kind_values, *const *lifecycle_values;
    guint n_status, n_kind, n_lifecycle; /* values[0] is NULL: "any" */
    GtkColumnView *view;
    GtkColumnViewColumn *columns[PACTA_LIST_COLUMNS];
};

/* {"filter", "sort"} of what the list shows now (new reference). */
json_t *pacta_list_state_get(const struct pacta_list_widgets *w);
/*
 * Puts a view on the list: search text, drop-downs, sort.  Returns NULL, or
 * the names of the view's filter members the desk has no widget for,
 * comma-separated (g_free), so the caller can say the list shows more.
 */
char *pacta_list_state_apply(const struct pacta_list_widgets *w, const json_t *view);
/* The column view's chain of sort columns as the list model's keys (their
 * fields are static strings), first first; returns how many (0: none). */
guint pacta_list_state_sort_chain(const struct pacta_list_widgets *w, PactaSortKey *keys);

G_END_DECLS

#endif
