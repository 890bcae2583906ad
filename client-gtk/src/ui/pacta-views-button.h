/*
 * pacta-desk: PactaViewsButton, the "Views" menu of the contract list's
 * filter bar (issue 7).
 *
 * A saved view is the user's own named filter and sort on the server
 * (views.save / views.list / views.delete, PROTOCOL.md §6.44-6.46), so it
 * follows them to any desk and to `pactactl contracts list --view`.  The
 * menu lists the user's views (click: recall; trash: delete) and saves the
 * list's current search, filters and sort under a typed name (an existing
 * name is replaced).  It reloads after every (re)connection and follows
 * view.saved / view.deleted from the user's other desks.
 *
 * The window lends it two functions: `get` returns what the list shows now
 * as {"filter": {...}, "sort": {"key", "order"}} (new reference), `apply`
 * puts a view (borrowed) on the list.
 *
 * Signals: "changed" (no arguments) after the list of views changed;
 * "message" (const char *text) for the window's toast.
 */
#ifndef PACTA_DESK_VIEWS_BUTTON_H
#define PACTA_DESK_VIEWS_BUTTON_H

#include <adwaita.h>
#include <jansson.h>

#include "pacta-connection.h"

G_BEGIN_DECLS

#define PACTA_TYPE_VIEWS_BUTTON (pacta_views_button_get_type())
G_DECLARE_FINAL_TYPE(PactaViewsButton, pacta_views_button, PACTA, VIEWS_BUTTON, GtkBox)

typedef json_t *(*PactaViewsGetFunc)(gpointer user_data);
typedef void (*PactaViewsApplyFunc)(const json_t *view, gpointer user_data);

void pacta_views_button_setup(PactaViewsButton *self, PactaConnection *connection,
                              PactaViewsGetFunc get, PactaViewsApplyFunc apply, gpointer user_data);

/* What the menu's widgets do, for tests and keyboard users alike: save the
 * list as it is under `name`, recall or delete a saved view (FALSE if the
 * menu has no view of that name). */
void pacta_views_button_save(PactaViewsButton *self, const char *name);
gboolean pacta_views_button_recall(PactaViewsButton *self, const char *name);
gboolean pacta_views_button_delete(PactaViewsButton *self, const char *name);
/* The names in the menu, in its order (NULL-terminated, free with g_strfreev). */
GStrv pacta_views_button_get_names(PactaViewsButton *self);
/* The menu's popover (tests open it to draw it). */
GtkPopover *pacta_views_button_get_popover(PactaViewsButton *self);

G_END_DECLS

#endif
