/*
 * pacta-desk: the remembered login settings, a keyfile at
 * $XDG_CONFIG_HOME/pacta-desk/settings.ini (g_get_user_config_dir()):
 *
 *   [server]
 *   url=wss://localhost:7443/
 *   ca-file=/path/to/ca.pem
 *   [login]
 *   username=ana
 *
 * The password is never written (not here, not anywhere).
 */
#ifndef PACTA_DESK_SETTINGS_H
#define PACTA_DESK_SETTINGS_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
    char *url;      /* "" if unknown */
    char *ca_file;  /* "" if unknown */
    char *username; /* "" if unknown */
} PactaSettings;

/* Path of the keyfile (newly allocated). */
char *pacta_settings_path(void);
/*
 * Loads the keyfile; a missing file is not an error (empty settings).
 * Returns NULL and *error only for an unreadable/corrupt file.
 */
PactaSettings *pacta_settings_load(GError **error);
/* Writes atomically (mode 0600, directory created 0700). */
gboolean pacta_settings_save(const PactaSettings *settings, GError **error);
/*
 * Overrides from the environment: PACTA_URL, PACTA_CA, PACTA_USER (what
 * `make run` and tests pass).  Returns the value of PACTA_PASSWORD, or
 * NULL: it is handed to the login, never stored in settings.
 */
const char *pacta_settings_apply_env(PactaSettings *settings);
void pacta_settings_free(PactaSettings *settings);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PactaSettings, pacta_settings_free)

G_END_DECLS

#endif
