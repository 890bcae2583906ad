/*
 * GUI: the conflict view is open (both changed the amount) when someone
 * deletes the contract.  The editor said so in its banner ("Deleted by
 * ... Your input is still here to copy") but left the conflict view up;
 * choosing a side and Save in it hid that banner and did nothing else —
 * no save (the contract is gone), no message: the user was left believing
 * the choice was saved.  Now the deletion closes the conflict view; the
 * banner stays and the form keeps what the user typed.
 */
#include "gui_support.h"

/* the deletion has reached the editor: its banner says so and the
 * conflict view is closed (a fixed wait failed under ASan on a busy
 * machine: the event came later) */
static gboolean deletion_shown(gpointer editor)
{
    const char *text = pacta_editor_get_changed_banner_text(editor);
    return text && strstr(text, "Deleted by") && !pacta_editor_get_conflict_dialog(editor);
}

int main(void)
{
    PactaApplication *app = gui_setup("gui_conflict_deleted");
    struct it_server *s = it_server_start(NULL);
    it_create_role_users(s);
    struct ctl_client *other = it_login_admin(s);
    json_t *c = it_contract_create(other, json_pack("{sssI}", "title", "Office cleaning",
                                                    "amount_cents", (json_int_t)1250000));
    REQUIRE(c != NULL);
    const char *id = it_str(c, "id");

    PactaWindow *win = gui_login(app, s, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    PactaEditor *editor = pacta_window_get_editor(win);
    REQUIRE(pacta_window_open_contract(win, id));
    gtk_editable_set_text(pacta_editor_get_entry(editor, "amount_cents"), "13,000.00");

    json_t *err = NULL;
    json_t *r = it_contract_update(
        other, id, 1, json_pack("{sI}", "amount_cents", (json_int_t)1275000), NULL, &err);
    REQUIRE(r != NULL);
    json_decref(r);
    REQUIRE(gui_wait(gui_editor_banner_shown, editor, GUI_TIMEOUT_MS));
    gtk_widget_activate_action(GTK_WIDGET(win), "win.save", NULL);
    REQUIRE(gui_wait(gui_editor_conflict_open, editor, GUI_TIMEOUT_MS));

    r = it_call(other, "contracts.delete", json_pack("{sssI}", "id", id, "version", (json_int_t)2),
                &err);
    REQUIRE(r != NULL);
    json_decref(r);
    gui_wait(deletion_shown, editor, GUI_TIMEOUT_MS);
    CHECK(strstr(pacta_editor_get_changed_banner_text(editor), "Deleted by") != NULL);

    PactaConflictDialog *dialog = PACTA_CONFLICT_DIALOG(pacta_editor_get_conflict_dialog(editor));
    CHECK(dialog == NULL);
    if (dialog) { /* what the user would do next */
        pacta_conflict_dialog_choose(dialog, "amount_cents", PACTA_MERGE_PICK_MINE);
        pacta_conflict_dialog_accept(dialog);
        gui_pump(300);
    }
    CHECK(pacta_editor_get_changed_banner_visible(editor));
    CHECK(strstr(pacta_editor_get_changed_banner_text(editor), "Deleted by") != NULL);
    CHECK_STR(gtk_editable_get_text(pacta_editor_get_entry(editor, "amount_cents")), "13,000.00");
    CHECK(pacta_editor_is_open(editor));

    json_decref(c);
    ctl_client_close(other);
    gui_teardown(app);
    return it_done(test_summary());
}
