/*
 * GUI: the create flow's refusals (PROTOCOL.md §6.6, §11) are shown next to
 * the field at fault, with everything typed kept: a number another contract
 * uses (conflict, field number), an owner who does not exist (bad_request,
 * field owner).  After fixing the field the same form creates the contract,
 * once, with the id the draft chose.
 */
#include "gui_support.h"

static void type(PactaEditor *editor, const char *field, const char *text)
{
    gtk_editable_set_text(pacta_editor_get_entry(editor, field), text);
}

static const char *text(PactaEditor *editor, const char *field)
{
    return gtk_editable_get_text(pacta_editor_get_entry(editor, field));
}

static gboolean marked(PactaEditor *editor, const char *field)
{
    return gtk_widget_has_css_class(GTK_WIDGET(pacta_editor_get_entry(editor, field)), "error");
}

static void save(PactaWindow *win, PactaEditor *editor)
{
    gtk_widget_activate_action(GTK_WIDGET(win), "win.save", NULL);
    gui_wait(gui_editor_idle, editor, GUI_TIMEOUT_MS);
    gui_pump(50);
}

int main(void)
{
    PactaApplication *app = gui_setup("gui_create_errors");
    struct it_server *s = it_server_start(NULL);
    it_create_role_users(s);
    struct ctl_client *other = it_login_admin(s);
    json_t *c = it_contract_create(other, json_pack("{ss}", "number", "C-2026-001"));
    REQUIRE(c != NULL);

    PactaWindow *win = gui_login(app, s, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    PactaEditor *editor = pacta_window_get_editor(win);
    gtk_widget_activate_action(GTK_WIDGET(win), "win.new-contract", NULL);
    REQUIRE(pacta_editor_is_new(editor));
    char *draft_id = g_strdup(pacta_editor_get_contract_id(editor));
    type(editor, "number", "C-2026-001");
    type(editor, "title", "Laptops");
    type(editor, "counterparty", "ACME SA");
    type(editor, "currency", "RON");
    type(editor, "amount_cents", "45,000.00");

    save(win, editor);
    CHECK(pacta_editor_is_new(editor));
    CHECKF(strstr(pacta_editor_get_error(editor), "Number") != NULL, "error: %s",
           pacta_editor_get_error(editor));
    CHECK(marked(editor, "number"));
    CHECK(!marked(editor, "title"));
    CHECK_STR(text(editor, "number"), "C-2026-001");
    CHECK_STR(text(editor, "title"), "Laptops");
    CHECK_STR(text(editor, "currency"), "RON");
    CHECK_STR(text(editor, "amount_cents"), "45,000.00");

    /* Typing clears the mark; an owner nobody has is refused next to it. */
    type(editor, "number", "C-2026-002");
    CHECK(!marked(editor, "number"));
    type(editor, "owner", "nobody");
    save(win, editor);
    CHECK(pacta_editor_is_new(editor));
    CHECKF(strstr(pacta_editor_get_error(editor), "Owner") != NULL, "error: %s",
           pacta_editor_get_error(editor));
    CHECK(marked(editor, "owner"));
    CHECK_STR(text(editor, "owner"), "nobody");
    CHECK_STR(text(editor, "number"), "C-2026-002");

    type(editor, "owner", IT_EDITOR_USER);
    save(win, editor);
    CHECKF(!pacta_editor_is_new(editor), "error: %s", pacta_editor_get_error(editor));
    CHECK_STR(pacta_editor_get_contract_id(editor), draft_id);
    json_t *made = it_contract_get(other, draft_id);
    REQUIRE(made != NULL);
    CHECK_STR(it_str(made, "number"), "C-2026-002");
    CHECK(it_int(made, "amount_cents") == 4500000);
    CHECK_STR(it_str(made, "currency"), "RON");
    json_decref(made);
    CHECK(gui_wait_rows(win, 2));

    g_free(draft_id);
    json_decref(c);
    ctl_client_close(other);
    gui_teardown(app);
    return it_done(test_summary());
}
