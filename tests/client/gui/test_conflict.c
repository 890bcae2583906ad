/*
 * GUI: a stale save opens the conflict view.  The user edits title (only
 * they change it) and amount; someone else saves amount and end date
 * meanwhile.  The editor's banner says so; Save is refused as stale; the
 * conflict view merges title and end date by itself, shows both amounts,
 * and choosing "mine" saves at the new version with nothing lost.
 */
#include "gui_support.h"

int main(void)
{
    PactaApplication *app = gui_setup("gui_conflict");
    struct it_server *s = it_server_start(NULL);
    it_create_role_users(s);
    struct ctl_client *other = it_login_admin(s);
    json_t *c = it_contract_create(other, json_pack("{ss sI ss}", "title", "Office cleaning",
                                                    "amount_cents", (json_int_t)1250000, "end_date",
                                                    "2027-01-31"));
    REQUIRE(c != NULL);
    const char *id = it_str(c, "id");

    PactaWindow *win = gui_login(app, s, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    PactaEditor *editor = pacta_window_get_editor(win);
    REQUIRE(pacta_window_open_contract(win, id));
    CHECK(pacta_editor_get_base_version(editor) == 1);

    /* What the user types. */
    gtk_editable_set_text(pacta_editor_get_entry(editor, "title"), "Office and stairs cleaning");
    gtk_editable_set_text(pacta_editor_get_entry(editor, "amount_cents"), "13,000.00");
    CHECK(pacta_editor_is_dirty(editor));

    /* Meanwhile, someone else. */
    json_t *err = NULL;
    json_t *r = it_contract_update(
        other, id, 1,
        json_pack("{sIss}", "amount_cents", (json_int_t)1275000, "end_date", "2027-06-30"), NULL,
        &err);
    REQUIRE(r != NULL);
    json_decref(r);
    CHECK(gui_wait(gui_editor_banner_shown, editor, GUI_TIMEOUT_MS));
    CHECK(strstr(pacta_editor_get_changed_banner_text(editor), "Changed by admin") != NULL);
    /* The user's input is untouched by the event. */
    CHECK_STR(gtk_editable_get_text(pacta_editor_get_entry(editor, "amount_cents")), "13,000.00");

    gtk_widget_activate_action(GTK_WIDGET(win), "win.save", NULL);
    REQUIRE(gui_wait(gui_editor_conflict_open, editor, GUI_TIMEOUT_MS));
    PactaConflictDialog *dialog = PACTA_CONFLICT_DIALOG(pacta_editor_get_conflict_dialog(editor));
    PactaMerge *merge = pacta_conflict_dialog_get_merge(dialog);
    CHECK(pacta_merge_get_kind(merge, "title") == PACTA_MERGE_MINE);
    CHECK(pacta_merge_get_kind(merge, "end_date") == PACTA_MERGE_THEIRS);
    CHECK(pacta_merge_get_kind(merge, "amount_cents") == PACTA_MERGE_CONFLICT);
    CHECK(pacta_merge_count(merge, PACTA_MERGE_CONFLICT) == 1);
    const char *mine =
        pacta_conflict_dialog_get_value_text(dialog, "amount_cents", PACTA_MERGE_PICK_MINE);
    const char *theirs =
        pacta_conflict_dialog_get_value_text(dialog, "amount_cents", PACTA_MERGE_PICK_THEIRS);
    CHECKF(mine && strstr(mine, "13,000.00"), "mine: %s", mine ? mine : "(null)");
    CHECKF(theirs && strstr(theirs, "12,750.00"), "theirs: %s", theirs ? theirs : "(null)");
    /* Save stays off until the user has chosen. */
    CHECK(!pacta_conflict_dialog_accept(dialog));

    CHECK(pacta_conflict_dialog_choose(dialog, "amount_cents", PACTA_MERGE_PICK_MINE));
    CHECK(pacta_conflict_dialog_accept(dialog));
    CHECK(gui_editor_wait_saved(editor, 3));
    CHECK(pacta_editor_get_conflict_dialog(editor) == NULL);
    CHECK(!pacta_editor_is_dirty(editor));

    json_t *now = it_contract_get(other, id);
    REQUIRE(now != NULL);
    CHECK(it_int(now, "version") == 3);
    CHECK_STR(it_str(now, "title"), "Office and stairs cleaning");
    CHECK(it_int(now, "amount_cents") == 1300000);
    CHECK_STR(it_str(now, "end_date"), "2027-06-30");
    CHECK_STR(it_str(now, "updated_by"), IT_EDITOR_USER);

    json_decref(now);
    json_decref(c);
    ctl_client_close(other);
    gui_teardown(app);
    return it_done(test_summary());
}
