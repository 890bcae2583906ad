/*
 * pacta-desk: the settings keyfile; see pacta-settings.h.
 */
#define G_LOG_DOMAIN "pacta-settings"

#include "pacta-settings.h"

#include <errno.h>
#include <glib/gstdio.h>

char *pacta_settings_path(void)
{
    return g_build_filename(g_get_user_config_dir(), "pacta-desk", "settings.ini", NULL);
}

static char *get_or_empty(GKeyFile *kf, const char *group, const char *key)
{
    char *v = g_key_file_get_string(kf, group, key, NULL);
    return v ? v : g_strdup("");
}

PactaSettings *pacta_settings_load(GError **error)
{
    g_autofree char *path = pacta_settings_path();
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) local = NULL;
    PactaSettings *s = g_new0(PactaSettings, 1);
    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &local)) {
        if (!g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
            g_propagate_prefixed_error(error, g_steal_pointer(&local), "%s: ", path);
            pacta_settings_free(s);
            return NULL;
        }
    }
    s->url = get_or_empty(kf, "server", "url");
    s->ca_file = get_or_empty(kf, "server", "ca-file");
    s->username = get_or_empty(kf, "login", "username");
    return s;
}

gboolean pacta_settings_save(const PactaSettings *settings, GError **error)
{
    g_return_val_if_fail(settings, FALSE);
    g_autofree char *path = pacta_settings_path();
    g_autofree char *dir = g_path_get_dirname(path);
    if (g_mkdir_with_parents(dir, 0700) < 0) {
        int e = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "%s: %s", dir, g_strerror(e));
        return FALSE;
    }
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_key_file_set_string(kf, "server", "url", settings->url ? settings->url : "");
    g_key_file_set_string(kf, "server", "ca-file", settings->ca_file ? settings->ca_file : "");
    g_key_file_set_string(kf, "login", "username", settings->username ? settings->username : "");
    gsize len = 0;
    g_autofree char *data = g_key_file_to_data(kf, &len, NULL);
    /* g_file_set_contents_full writes a temp file and renames it: a crash
     * mid-write never leaves a truncated settings file. */
    return g_file_set_contents_full(path, data, (gssize)len, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
                                    error);
}

static void replace(char **slot, const char *value)
{
    if (value && *value) {
        g_free(*slot);
        *slot = g_strdup(value);
    }
}

const char *pacta_settings_apply_env(PactaSettings *settings)
{
    g_return_val_if_fail(settings, NULL);
    replace(&settings->url, g_getenv("PACTA_URL"));
    replace(&settings->ca_file, g_getenv("PACTA_CA"));
    replace(&settings->username, g_getenv("PACTA_USER"));
    const char *pw = g_getenv("PACTA_PASSWORD");
    return pw && *pw ? pw : NULL;
}

void pacta_settings_free(PactaSettings *settings)
{
    if (!settings)
        return;
    g_free(settings->url);
    g_free(settings->ca_file);
    g_free(settings->username);
    g_free(settings);
}
