/*
 * GUI test support for pacta-desk: a real PactaApplication in this
 * process (registered, not run: the test drives the GLib main loop itself),
 * a real pactad from the integration harness, and helpers to wait for what
 * a user would see.  Tests run under `xvfb-run -a` with GSK_RENDERER=cairo.
 *
 * Waiting never sleeps the loop: gui_wait() iterates the default main
 * context until the condition holds or the timeout passes, so lws, GTK and
 * the application keep running exactly as in the real program.
 */
#ifndef PACTA_GUI_SUPPORT_H
#define PACTA_GUI_SUPPORT_H

#include <adwaita.h>

#include "harness.h"
#include "pacta-admin-window.h"
#include "pacta-application.h"
#include "pacta-conflict-dialog.h"
#include "pacta-editor.h"
#include "pacta-expiring-view.h"
#include "pacta-export-dialog.h"
#include "pacta-login-dialog.h"
#include "pacta-window.h"
#include "test.h"

#define GUI_TIMEOUT_MS 15000

/* it_setup() + a private XDG config dir + the registered application. */
PactaApplication *gui_setup(const char *test_name);
/* Logs in through the login window as a user would; returns the main
 * window once the contract list has loaded (REQUIREs it). */
PactaWindow *gui_login(PactaApplication *app, const struct it_server *s, const char *user,
                       const char *password);
/* Iterates the main loop until cond(data) or timeout; returns cond's last value. */
gboolean gui_wait(gboolean (*cond)(gpointer data), gpointer data, int timeout_ms);
/* Condition for gui_wait(): the Expiring page lists at least n alerts. */
struct gui_count_wait {
    PactaExpiringView *view;
    guint n;
};
gboolean gui_expiring_has_count(gpointer data);
/* Iterates the main loop for ms milliseconds (lets animations finish). */
void gui_pump(int ms);
/* Desktop notifications go over the session bus: without one, the test
 * runs itself again under a private bus (dbus-run-session). */
void gui_need_session_bus(char **argv);
/* TRUE while the list's filter or sort is being computed. */
gboolean gui_list_pending(PactaWindow *win);
/* Waits until the visible (filtered) list has n rows and is not pending. */
gboolean gui_wait_rows(PactaWindow *win, guint n);
/* The numbers of the first `max` visible rows, space-separated (g_free). */
char *gui_visible_numbers(PactaWindow *win, guint max);
/* The list's column with this header (REQUIREs it; the view keeps it). */
GtkColumnViewColumn *gui_column(PactaWindow *win, const char *title);
/* Position of the row whose number is `number` in the visible list, or -1. */
int gui_find_row(PactaWindow *win, const char *number);
/* The contract shown in that row (borrowed from the store), or NULL. */
PactaContract *gui_row_contract(PactaWindow *win, const char *number);
/* Conditions for gui_wait() on a PactaEditor: its "changed underneath"
 * banner shows; its conflict view is open; no save is in flight. */
gboolean gui_editor_banner_shown(gpointer editor);
/* Condition for gui_wait() on a PactaWindow: its last toast says the
 * server's data was restored (server.reset). */
gboolean gui_restored_toast(gpointer win);
gboolean gui_editor_conflict_open(gpointer editor);
gboolean gui_editor_idle(gpointer editor);
/* Waits until the editor is idle with its base at `version` (a save landed). */
gboolean gui_editor_wait_saved(PactaEditor *editor, gint64 version);
/* Writes a PNG of the widget as drawn now (DESIGN §9). */
gboolean gui_snapshot(GtkWidget *widget, const char *path);
/* An export dialog's end, as its "done" signal told it (message: g_free). */
struct gui_export_done {
    gboolean done, ok;
    char *message;
};
/* Follows d's "done" into w. */
void gui_export_follow(PactaExportDialog *d, struct gui_export_done *w);
/* Condition for gui_wait(): the dialog followed into w is done. */
gboolean gui_export_is_done(gpointer w);
/* Activates `action` (win.export, win.export-contract) with the dialog's
 * file choice answered by `path` (PACTA_DESK_EXPORT_FILE), checks that the
 * export runs without blocking, waits up to timeout_ms for its end into w
 * (cleared first) and destroys the dialog; TRUE if it ended. */
gboolean gui_export(PactaWindow *win, const char *action, const char *path, int timeout_ms,
                    struct gui_export_done *w);
/* Closes every window and releases the application. */
void gui_teardown(PactaApplication *app);

#endif
