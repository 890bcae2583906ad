/*
 * GUI: a delete refused as stale (someone changed the contract while the
 * delete was on its way, PROTOCOL.md §6.8) says "Not deleted: someone
 * changed it meanwhile. Review their change first."  Their change arrived
 * while the delete was in flight, when the editor does not follow changes,
 * so it was dropped: the form stayed at the old version with no banner and
 * no Review, and every further Delete was refused the same way until the
 * contract was opened again.  Now the editor takes their change in (the
 * form follows it when nothing is typed, else the banner offers Review) and
 * the next Delete goes through.
 */
#include "gui_support.h"

static GtkWindow *message_dialog(void)
{
    GtkWindow *found = NULL;
    GList *tops = gtk_window_list_toplevels();
    for (GList *l = tops; l; l = l->next)
        if (ADW_IS_MESSAGE_DIALOG(l->data) && gtk_widget_get_visible(l->data))
            found = l->data;
    g_list_free(tops);
    return found;
}

static gboolean dialog_shown(gpointer data)
{
    (void)data;
    return message_dialog() != NULL;
}

static gboolean no_dialog(gpointer data)
{
    (void)data;
    return message_dialog() == NULL;
}

/* Delete as the user does: the confirmation, then "Delete".  With `meanwhile`,
 * someone changes the title while the confirmation is up: the desk sends
 * its delete before it has read their event. */
static void delete_contract(PactaEditor *editor, struct ctl_client *other, const char *id,
                            json_int_t other_version)
{
    pacta_editor_request_delete(editor);
    REQUIRE(gui_wait(dialog_shown, NULL, GUI_TIMEOUT_MS));
    if (other) {
        json_t *err = NULL;
        json_t *r = it_contract_update(other, id, other_version,
                                       json_pack("{ss}", "title", "Renamed meanwhile"), NULL, &err);
        REQUIRE(r != NULL);
        json_decref(r);
    }
    /* as its button does: the response, then the dialog closes */
    GtkWindow *dialog = message_dialog();
    adw_message_dialog_response(ADW_MESSAGE_DIALOG(dialog), "delete");
    gtk_window_destroy(dialog);
    REQUIRE(gui_wait(no_dialog, NULL, GUI_TIMEOUT_MS));
    gui_wait(gui_editor_idle, editor, GUI_TIMEOUT_MS);
    gui_pump(100);
}

int main(void)
{
    PactaApplication *app = gui_setup("gui_delete_stale");
    struct it_server *s = it_server_start(NULL);
    it_create_role_users(s);
    struct ctl_client *other = it_login_admin(s);
    json_t *c = it_contract_create(other, json_pack("{ss}", "title", "Office cleaning"));
    REQUIRE(c != NULL);
    const char *id = it_str(c, "id");

    PactaWindow *win = gui_login(app, s, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    PactaEditor *editor = pacta_window_get_editor(win);
    REQUIRE(pacta_window_open_contract(win, id));

    delete_contract(editor, other, id, 1);
    CHECKF(strstr(pacta_editor_get_error(editor), "Not deleted") != NULL, "error: %s",
           pacta_editor_get_error(editor));
    CHECK(pacta_editor_is_open(editor));
    /* Their change is in the form (nothing was typed). */
    CHECK(pacta_editor_get_base_version(editor) == 2);
    CHECK_STR(gtk_editable_get_text(pacta_editor_get_entry(editor, "title")), "Renamed meanwhile");

    /* Delete again, having seen their change: it goes through. */
    delete_contract(editor, NULL, id, 0);
    json_t *now = it_contract_get(other, id);
    REQUIRE(now != NULL);
    CHECKF(json_is_string(json_object_get(now, "deleted_at")), "not deleted, version %d",
           (int)it_int(now, "version"));
    json_decref(now);
    CHECK(!pacta_editor_is_open(editor));

    json_decref(c);
    ctl_client_close(other);
    gui_teardown(app);
    return it_done(test_summary());
}
