/*
 * pacta-desk: PactaApplication, the AdwApplication "org.pacta.Desk".
 *
 * It owns the one PactaConnection of the desk, the PactaContractStore and
 * the PactaPresence that follow it (created at startup, before any login,
 * so they never miss the first "subscribed"), the login window, the main
 * window and the admin monitor.  App actions: quit, about, logout,
 * admin-monitor (enabled only for admins), relogin.  Expiry alerts become
 * GNotifications with one id per contract, so a newer alert replaces the
 * older one instead of piling up.
 */
#ifndef PACTA_DESK_APPLICATION_H
#define PACTA_DESK_APPLICATION_H

#include <adwaita.h>

#include "pacta-connection.h"
#include "pacta-contract-store.h"
#include "pacta-presence.h"

G_BEGIN_DECLS

#define PACTA_TYPE_APPLICATION (pacta_application_get_type())
G_DECLARE_FINAL_TYPE(PactaApplication, pacta_application, PACTA, APPLICATION, AdwApplication)

PactaApplication *pacta_application_new(void);

PactaConnection *pacta_application_get_connection(PactaApplication *self);
PactaContractStore *pacta_application_get_store(PactaApplication *self);
PactaPresence *pacta_application_get_presence(PactaApplication *self);
/* The main window once logged in, else NULL (borrowed). */
GtkWindow *pacta_application_get_main_window(PactaApplication *self);
/* The login window while shown, else NULL (borrowed). */
GtkWindow *pacta_application_get_login_window(PactaApplication *self);
/* The admin monitor while open, else NULL (borrowed). */
GtkWindow *pacta_application_get_admin_window(PactaApplication *self);

/*
 * Logs in with these values (what the login window does on "Log In", and
 * what tests and `make run` use): on success the settings are saved
 * (without the password) and the main window is presented; on failure the
 * login window shows why.  `password` is not kept.
 */
void pacta_application_login(PactaApplication *self, const char *url, const char *ca_file,
                             const char *username, const char *password);

/* Shows the login window (after logout, session end or kick), with an
 * optional message. */
void pacta_application_show_login(PactaApplication *self, const char *message);

/* The id of the last desktop notification sent ("contract-<id>"), or NULL
 * (for tests: a GNotification cannot be read back). */
const char *pacta_application_get_last_notification(PactaApplication *self);
/* Its title and body as "TITLE\nBODY" (tests). */
const char *pacta_application_get_last_notification_text(PactaApplication *self);
/* Desktop notifications sent so far (tests). */
guint pacta_application_get_notification_count(PactaApplication *self);

G_END_DECLS

#endif
