/*
 * pacta-desk: PactaLoginDialog, the login window: server URL, username,
 * password and the CA file to pin.  It only collects values: "submit"
 * hands them to PactaApplication, which logs in and reports back with
 * set_busy / set_error.  The password field is cleared after each submit.
 *
 * Signal "submit": void (*)(PactaLoginDialog *, const char *url,
 *                  const char *ca_file, const char *username,
 *                  const char *password, gpointer)
 */
#ifndef PACTA_DESK_LOGIN_DIALOG_H
#define PACTA_DESK_LOGIN_DIALOG_H

#include <adwaita.h>

G_BEGIN_DECLS

#define PACTA_TYPE_LOGIN_DIALOG (pacta_login_dialog_get_type())
G_DECLARE_FINAL_TYPE(PactaLoginDialog, pacta_login_dialog, PACTA, LOGIN_DIALOG,
                     AdwApplicationWindow)

/* `app` is the GtkApplication the window belongs to. */
PactaLoginDialog *pacta_login_dialog_new(gpointer app);
void pacta_login_dialog_set_values(PactaLoginDialog *self, const char *url, const char *ca_file,
                                   const char *username);
void pacta_login_dialog_set_busy(PactaLoginDialog *self, gboolean busy);
/* NULL or "" hides the error. */
void pacta_login_dialog_set_error(PactaLoginDialog *self, const char *message);
const char *pacta_login_dialog_get_error(PactaLoginDialog *self);
/* Fills the password and submits, as a user pressing Enter would (tests). */
void pacta_login_dialog_submit_with(PactaLoginDialog *self, const char *password);

G_END_DECLS

#endif
