/*
 * GUI: a contract is open in the editor (nothing typed) when an
 * administrator restores a backup taken before its last edit.  The list
 * reloads (server.reset) and so does the open form: it shows the restored
 * record, and the next change someone makes to it appears in the form.
 * Before, the form kept the pre-restore record and version, and ignored
 * the changes made after the restore until one numbered above the old
 * version came.  A contract open in the editor that the restore took away
 * is shown as gone (Save off, the input kept).
 */
#include "gui_support.h"

struct text_wait {
    GtkEditable *entry;
    const char *text;
};

static gboolean entry_is(gpointer data)
{
    struct text_wait *w = data;
    return g_str_equal(gtk_editable_get_text(w->entry), w->text);
}

static gboolean row_title_is(PactaWindow *win, const char *number, const char *title)
{
    PactaContract *c = gui_row_contract(win, number);
    return c && g_str_equal(pacta_contract_get_title(c), title);
}

struct row_wait {
    PactaWindow *win;
    const char *number, *title;
};

static gboolean row_has_title(gpointer data)
{
    struct row_wait *w = data;
    return row_title_is(w->win, w->number, w->title);
}

static gboolean row_gone(gpointer data)
{
    struct row_wait *w = data;
    return gui_find_row(w->win, w->number) < 0;
}

static gboolean banner_shown(gpointer data)
{
    return pacta_editor_get_changed_banner_visible(data);
}

/* Restores backup `id` (the desk gets server.reset). */
static void restore(struct ctl_client *admin, json_int_t id)
{
    json_t *r = it_call(admin, "backups.restore", json_pack("{sI}", "id", id), NULL);
    CHECK(r != NULL);
    json_decref(r);
}

static json_int_t backup(struct ctl_client *admin)
{
    json_t *b = it_call(admin, "backups.create", json_pack("{ss}", "description", "gui"), NULL);
    REQUIRE(b);
    json_int_t id = it_int(json_object_get(b, "backup"), "id");
    REQUIRE(id > 0);
    json_decref(b);
    return id;
}

int main(void)
{
    PactaApplication *app = gui_setup("gui_reset_editor");
    const char *args[] = {"--backup-key-file", it_backup_key_file(), "--backup-time", "off", NULL};
    struct it_server *s = it_server_start(args);
    struct ctl_client *admin = it_login_admin(s);
    json_t *a = it_contract_create(admin, json_pack("{ss}", "title", "Before the backup"));
    REQUIRE(a);
    json_int_t first = backup(admin);
    json_t *u = it_contract_update(admin, it_str(a, "id"), it_int(a, "version"),
                                   json_pack("{ss}", "title", "After the backup"), NULL, NULL);
    REQUIRE(u);
    json_decref(u);

    PactaWindow *win = gui_login(app, s, "admin", IT_ADMIN_PASSWORD);
    PactaEditor *editor = pacta_window_get_editor(win);
    REQUIRE(pacta_window_open_contract(win, it_str(a, "id")));
    GtkEditable *title = pacta_editor_get_entry(editor, "title");
    CHECK_STR(gtk_editable_get_text(title), "After the backup");
    CHECK(pacta_editor_get_base_version(editor) == 2);

    /* the restore takes it back to version 1 */
    restore(admin, first);
    struct row_wait back = {win, it_str(a, "number"), "Before the backup"};
    CHECK(gui_wait(row_has_title, &back, GUI_TIMEOUT_MS));
    struct text_wait before = {title, "Before the backup"};
    CHECKF(gui_wait(entry_is, &before, GUI_TIMEOUT_MS), "the form shows \"%s\"",
           gtk_editable_get_text(title));
    CHECK(pacta_editor_get_base_version(editor) == 1);
    CHECK(!pacta_editor_is_dirty(editor));

    /* someone edits it after the restore (version 2 again): the form follows */
    ctl_client_close(admin);
    admin = it_login_admin(s);
    u = it_contract_update(admin, it_str(a, "id"), 1,
                           json_pack("{ss}", "title", "Edited after the restore"), NULL, NULL);
    REQUIRE(u);
    json_decref(u);
    struct text_wait edited = {title, "Edited after the restore"};
    CHECKF(gui_wait(entry_is, &edited, GUI_TIMEOUT_MS), "the form shows \"%s\"",
           gtk_editable_get_text(title));
    CHECK(pacta_editor_get_base_version(editor) == 2);

    /* a contract the restore takes away, open with input typed */
    json_int_t second = backup(admin);
    json_t *c = it_contract_create(admin, json_pack("{ss}", "title", "Created after"));
    REQUIRE(c);
    struct row_wait has_c = {win, it_str(c, "number"), "Created after"};
    CHECK(gui_wait(row_has_title, &has_c, GUI_TIMEOUT_MS));
    REQUIRE(pacta_window_open_contract(win, it_str(c, "id")));
    gtk_editable_set_text(pacta_editor_get_entry(editor, "counterparty"), "Typed here");
    CHECK(pacta_editor_is_dirty(editor));
    restore(admin, second);
    CHECK(gui_wait(row_gone, &has_c, GUI_TIMEOUT_MS));
    CHECKF(gui_wait(banner_shown, editor, GUI_TIMEOUT_MS), "no word that it is gone");
    CHECK(pacta_editor_is_open(editor));
    CHECK_STR(gtk_editable_get_text(pacta_editor_get_entry(editor, "counterparty")), "Typed here");
    CHECKF(strstr(pacta_editor_get_changed_banner_text(editor), "no longer") != NULL, "banner: %s",
           pacta_editor_get_changed_banner_text(editor));

    json_decref(a);
    json_decref(c);
    ctl_client_close(admin);
    gui_teardown(app);
    return it_done(test_summary());
}
