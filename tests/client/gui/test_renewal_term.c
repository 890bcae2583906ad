/*
 * GUI: the renewal term (`renewal_months`, PROTOCOL.md §5, writable) in the
 * editor.  README promises "Editor: every field"; the desk did not know the
 * field at all: a contract's term could not be seen or set, a change of it
 * by someone else never reached the open form, and the conflict view
 * never showed it.  Now: the form shows it, follows someone else's change
 * of it, saves the user's change, creates with it, and merges it
 * three-way like the other fields.
 */
#include "gui_support.h"

static GtkSpinButton *term_spin(PactaEditor *editor)
{
    GObject *o =
        gtk_widget_get_template_child(GTK_WIDGET(editor), PACTA_TYPE_EDITOR, "renewal_months_spin");
    return o ? GTK_SPIN_BUTTON(o) : NULL;
}

int main(void)
{
    PactaApplication *app = gui_setup("gui_renewal_term");
    struct it_server *s = it_server_start(NULL);
    it_create_role_users(s);
    struct ctl_client *other = it_login_admin(s);
    json_t *c =
        it_contract_create(other, json_pack("{sssssI}", "title", "Office cleaning", "renewal",
                                            "auto", "renewal_months", (json_int_t)24));
    REQUIRE(c != NULL);
    const char *id = it_str(c, "id");

    PactaWindow *win = gui_login(app, s, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    PactaEditor *editor = pacta_window_get_editor(win);
    REQUIRE(pacta_window_open_contract(win, id));
    GtkSpinButton *spin = term_spin(editor);
    REQUIRE(spin != NULL);
    CHECK(gtk_spin_button_get_value_as_int(spin) == 24);
    CHECK(!pacta_editor_is_dirty(editor));

    /* Someone else changes it: the clean form follows. */
    json_t *err = NULL;
    json_t *r = it_contract_update(other, id, 1,
                                   json_pack("{sI}", "renewal_months", (json_int_t)36), NULL, &err);
    REQUIRE(r != NULL);
    json_decref(r);
    REQUIRE(gui_wait(gui_editor_banner_shown, editor, GUI_TIMEOUT_MS));
    CHECK(gtk_spin_button_get_value_as_int(spin) == 36);
    CHECK(pacta_editor_get_base_version(editor) == 2);

    /* The user changes it and saves. */
    gtk_spin_button_set_value(spin, 6);
    CHECK(pacta_editor_is_dirty(editor));
    gtk_widget_activate_action(GTK_WIDGET(win), "win.save", NULL);
    CHECK(gui_editor_wait_saved(editor, 3));
    json_t *now = it_contract_get(other, id);
    REQUIRE(now != NULL);
    CHECK(it_int(now, "renewal_months") == 6);
    json_decref(now);

    /* Both change it: the conflict view shows it. */
    gtk_spin_button_set_value(spin, 18);
    r = it_contract_update(other, id, 3, json_pack("{sI}", "renewal_months", (json_int_t)60), NULL,
                           &err);
    REQUIRE(r != NULL);
    json_decref(r);
    REQUIRE(gui_wait(gui_editor_banner_shown, editor, GUI_TIMEOUT_MS));
    CHECK(gtk_spin_button_get_value_as_int(spin) == 18); /* the input is kept */
    gtk_widget_activate_action(GTK_WIDGET(win), "win.save", NULL);
    REQUIRE(gui_wait(gui_editor_conflict_open, editor, GUI_TIMEOUT_MS));
    PactaConflictDialog *dialog = PACTA_CONFLICT_DIALOG(pacta_editor_get_conflict_dialog(editor));
    PactaMerge *merge = pacta_conflict_dialog_get_merge(dialog);
    CHECK(pacta_merge_get_kind(merge, "renewal_months") == PACTA_MERGE_CONFLICT);
    CHECK(pacta_conflict_dialog_choose(dialog, "renewal_months", PACTA_MERGE_PICK_MINE));
    CHECK(pacta_conflict_dialog_accept(dialog));
    CHECK(gui_editor_wait_saved(editor, 5));
    now = it_contract_get(other, id);
    REQUIRE(now != NULL);
    CHECK(it_int(now, "renewal_months") == 18);
    json_decref(now);
    pacta_editor_close(editor);

    /* A new contract: 12 months unless set. */
    gtk_widget_activate_action(GTK_WIDGET(win), "win.new-contract", NULL);
    REQUIRE(pacta_editor_is_new(editor));
    CHECK(gtk_spin_button_get_value_as_int(spin) == 12);
    gtk_editable_set_text(pacta_editor_get_entry(editor, "number"), "TERM-1");
    gtk_editable_set_text(pacta_editor_get_entry(editor, "title"), "Printer lease");
    gtk_editable_set_text(pacta_editor_get_entry(editor, "counterparty"), "ACME SA");
    gtk_editable_set_text(pacta_editor_get_entry(editor, "currency"), "EUR");
    gtk_spin_button_set_value(spin, 48);
    char *new_id = g_strdup(pacta_editor_get_contract_id(editor));
    gtk_widget_activate_action(GTK_WIDGET(win), "win.save", NULL);
    CHECK(gui_editor_wait_saved(editor, 1));
    now = it_contract_get(other, new_id);
    REQUIRE(now != NULL);
    CHECK(it_int(now, "renewal_months") == 48);
    json_decref(now);
    g_free(new_id);

    json_decref(c);
    ctl_client_close(other);
    gui_teardown(app);
    return it_done(test_summary());
}
