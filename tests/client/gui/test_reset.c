/*
 * GUI: an administrator restores a backup while a desk is open.  The desk
 * receives server.reset, drops what it held, reloads the restored list
 * (a contract created after the backup is gone, the one edited after it is
 * back to its old title) and says why in a toast.
 */
#include "gui_support.h"

struct rows_wait {
    PactaWindow *win;
    const char *gone, *number, *title;
};

static gboolean restored(gpointer data)
{
    struct rows_wait *w = data;
    PactaContract *c = gui_row_contract(w->win, w->number);
    return gui_find_row(w->win, w->gone) < 0 && c &&
           g_str_equal(pacta_contract_get_title(c), w->title);
}

static gboolean has_row(gpointer data)
{
    struct rows_wait *w = data;
    return gui_find_row(w->win, w->gone) >= 0;
}

int main(void)
{
    PactaApplication *app = gui_setup("gui_reset");
    const char *args[] = {"--backup-key-file", it_backup_key_file(), "--backup-time", "off", NULL};
    struct it_server *s = it_server_start(args);
    struct ctl_client *admin = it_login_admin(s);
    json_t *a = it_contract_create(admin, json_pack("{ss}", "title", "Before the backup"));
    REQUIRE(a);

    json_t *b = it_call(admin, "backups.create", json_pack("{ss}", "description", "gui"), NULL);
    REQUIRE(b);
    json_int_t backup_id = it_int(json_object_get(b, "backup"), "id");
    REQUIRE(backup_id > 0);
    json_decref(b);

    /* after the backup: one edit, one new contract */
    json_t *u = it_contract_update(admin, it_str(a, "id"), it_int(a, "version"),
                                   json_pack("{ss}", "title", "After the backup"), NULL, NULL);
    REQUIRE(u);
    json_decref(u);
    json_t *c = it_contract_create(admin, json_pack("{ss}", "title", "Created after"));
    REQUIRE(c);

    PactaWindow *win = gui_login(app, s, "admin", IT_ADMIN_PASSWORD);
    struct rows_wait w = {win, it_str(c, "number"), it_str(a, "number"), "Before the backup"};
    REQUIRE(gui_wait(has_row, &w, GUI_TIMEOUT_MS));

    json_t *r = it_call(admin, "backups.restore", json_pack("{sI}", "id", backup_id), NULL);
    CHECK(r != NULL);
    json_decref(r);

    CHECKF(gui_wait(restored, &w, GUI_TIMEOUT_MS), "the desk did not reload the restored data");
    const char *toast = pacta_window_get_last_toast(win);
    CHECKF(toast && strstr(toast, "restored"), "toast: %s", toast ? toast : "(none)");

    json_decref(a);
    json_decref(c);
    ctl_client_close(admin);
    gui_teardown(app);
    return it_done(test_summary());
}
