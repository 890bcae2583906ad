/*
 * GUI: Revert after someone else changed the open contract.  The user
 * typed a title; meanwhile someone else moved the end date (the banner:
 * "Changed by admin — your edits are kept").  Revert threw the typed title
 * away, as asked, but went back to the record as it was when the contract
 * was opened, and hid the banner: the form showed the old end date, at the
 * old version, with nothing saying the server had another — the other
 * user's change was no longer seen.  Now Revert goes back to the
 * contract as the server has it.
 */
#include "gui_support.h"

int main(void)
{
    PactaApplication *app = gui_setup("gui_revert_live");
    struct it_server *s = it_server_start(NULL);
    it_create_role_users(s);
    struct ctl_client *other = it_login_admin(s);
    json_t *c = it_contract_create(
        other, json_pack("{ssss}", "title", "Office cleaning", "end_date", "2027-01-31"));
    REQUIRE(c != NULL);
    const char *id = it_str(c, "id");

    PactaWindow *win = gui_login(app, s, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    PactaEditor *editor = pacta_window_get_editor(win);
    REQUIRE(pacta_window_open_contract(win, id));
    gtk_editable_set_text(pacta_editor_get_entry(editor, "title"), "Office and stairs cleaning");

    json_t *err = NULL;
    json_t *r =
        it_contract_update(other, id, 1, json_pack("{ss}", "end_date", "2027-06-30"), NULL, &err);
    REQUIRE(r != NULL);
    json_decref(r);
    REQUIRE(gui_wait(gui_editor_banner_shown, editor, GUI_TIMEOUT_MS));

    GtkWidget *revert = (GtkWidget *)gtk_widget_get_template_child(
        GTK_WIDGET(editor), PACTA_TYPE_EDITOR, "revert_button");
    REQUIRE(revert != NULL && gtk_widget_get_sensitive(revert));
    g_signal_emit_by_name(revert, "clicked");
    gui_pump(100);

    CHECK(!pacta_editor_is_dirty(editor));
    CHECK_STR(gtk_editable_get_text(pacta_editor_get_entry(editor, "title")), "Office cleaning");
    CHECK_STR(gtk_editable_get_text(pacta_editor_get_entry(editor, "end_date")), "2027-06-30");
    CHECK(pacta_editor_get_base_version(editor) == 2);

    json_decref(c);
    ctl_client_close(other);
    gui_teardown(app);
    return it_done(test_summary());
}
