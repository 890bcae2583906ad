/*
 * GUI: the Views menu after an administrator restores a backup.  Saved
 * views live in the database, so a restore brings them back as they were
 * at the backup, and server.reset says that everything held may be wrong
 * (PROTOCOL.md §7.2): the menu lists the user's views again.  It kept a
 * view saved after the backup (gone on the server: recalling it worked
 * from the desk's copy, deleting it failed) and missed one deleted after.
 */
#include "gui_support.h"
#include "pacta-views-button.h"

struct names_wait {
    PactaViewsButton *vb;
    const char *want;
};

static char *names(PactaViewsButton *vb)
{
    g_auto(GStrv) v = pacta_views_button_get_names(vb);
    return g_strjoinv(" ", v);
}

static gboolean names_are(gpointer data)
{
    struct names_wait *w = data;
    g_autofree char *got = names(w->vb);
    return g_str_equal(got, w->want);
}

static void save_view(struct ctl_client *admin, const char *name)
{
    json_t *r = it_call(admin, "views.save",
                        json_pack("{s:s, s:{s:s}, s:{s:s}}", "name", name, "filter", "kind",
                                  "client", "sort", "key", "amount"),
                        NULL);
    REQUIRE(r);
    json_decref(r);
}

int main(void)
{
    PactaApplication *app = gui_setup("gui_reset_views");
    const char *args[] = {"--backup-key-file", it_backup_key_file(), "--backup-time", "off", NULL};
    struct it_server *s = it_server_start(args);
    struct ctl_client *admin = it_login_admin(s);
    save_view(admin, "Kept");
    save_view(admin, "Deleted later");
    json_t *b = it_call(admin, "backups.create", json_pack("{ss}", "description", "gui"), NULL);
    REQUIRE(b);
    json_int_t backup_id = it_int(json_object_get(b, "backup"), "id");
    json_decref(b);
    json_t *r = it_call(admin, "views.delete", json_pack("{ss}", "name", "Deleted later"), NULL);
    CHECK(r != NULL);
    json_decref(r);
    save_view(admin, "Saved later");

    PactaWindow *win = gui_login(app, s, "admin", IT_ADMIN_PASSWORD);
    PactaViewsButton *vb = pacta_window_get_views_button(win);
    struct names_wait now = {vb, "Kept Saved later"};
    CHECK(gui_wait(names_are, &now, GUI_TIMEOUT_MS));

    r = it_call(admin, "backups.restore", json_pack("{sI}", "id", backup_id), NULL);
    CHECK(r != NULL);
    json_decref(r);
    CHECK(gui_wait(gui_restored_toast, win, GUI_TIMEOUT_MS));
    struct names_wait restored = {vb, "Deleted later Kept"};
    if (!gui_wait(names_are, &restored, 3000)) {
        g_autofree char *got = names(vb);
        CHECKF(0, "the Views menu lists \"%s\"", got);
    }

    ctl_client_close(admin);
    gui_teardown(app);
    return it_done(test_summary());
}
