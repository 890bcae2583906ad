/*
 * GUI: what the user types while a save is on its way is kept when that
 * save comes back as a conflict (PROTOCOL.md §8: "never throw the user's
 * input away").  The form stays editable while a save is in flight; the
 * merge of a stale save used only the fields that save sent, and filled
 * the form with its result, so anything typed after pressing Save was
 * replaced by the server's value.
 *
 *  1. Only-mine conflict (merged without asking): the user changes the
 *     title and saves; someone else had changed the end date; before the
 *     answer arrives the user types a new counterparty.  The counterparty
 *     must still be in the form afterwards, and saving again stores the
 *     title, the counterparty and their end date.
 *  2. A real conflict (the conflict view): both changed the amount; the
 *     user types a new counterparty while the save is on its way.  The
 *     counterparty is kept, and the next Save's conflict view lists it as
 *     the user's.
 *  3. A save that succeeds: a field the user set back, or a value that does
 *     not parse yet, typed while it was on its way, stays in the form.
 */
#include "gui_support.h"

struct open_wait {
    PactaWindow *win;
    const char *id;
};

static gboolean opened(gpointer data)
{
    struct open_wait *o = data;
    return pacta_window_open_contract(o->win, o->id);
}

/* Opens a fresh draft contract in the editor; returns its id (owned). */
static char *open_new(PactaWindow *win, struct ctl_client *other, json_t *fields_steal)
{
    json_t *c = it_contract_create(other, fields_steal);
    REQUIRE(c != NULL);
    char *id = g_strdup(it_str(c, "id"));
    json_decref(c);
    struct open_wait o = {win, id}; /* once its event reached the list */
    REQUIRE(gui_wait(opened, &o, GUI_TIMEOUT_MS));
    return id;
}

/* Someone else saves `changes` at version 1; the editor sees the event. */
static void other_saves(struct ctl_client *other, PactaEditor *editor, const char *id,
                        json_t *changes_steal)
{
    json_t *err = NULL;
    json_t *r = it_contract_update(other, id, 1, changes_steal, NULL, &err);
    REQUIRE(r != NULL);
    json_decref(r);
    CHECK(gui_wait(gui_editor_banner_shown, editor, GUI_TIMEOUT_MS));
}

static void only_mine(PactaWindow *win, PactaEditor *editor, struct ctl_client *other)
{
    g_autofree char *id =
        open_new(win, other,
                 json_pack("{ss ss ss}", "title", "Window cleaning", "counterparty", "Brite SRL",
                           "end_date", "2027-01-31"));
    CHECK(pacta_editor_get_base_version(editor) == 1);
    gtk_editable_set_text(pacta_editor_get_entry(editor, "title"), "Window and door cleaning");
    other_saves(other, editor, id, json_pack("{ss}", "end_date", "2027-06-30"));

    gtk_widget_activate_action(GTK_WIDGET(win), "win.save", NULL);
    CHECK(pacta_editor_is_busy(editor));
    /* Typed before the answer arrives (the loop has not run since Save). */
    gtk_editable_set_text(pacta_editor_get_entry(editor, "counterparty"), "Brite Services SRL");
    CHECK(gui_wait(gui_editor_idle, editor, GUI_TIMEOUT_MS));
    gui_pump(200); /* an automatic re-send, if any, has been answered */
    CHECK(gui_wait(gui_editor_idle, editor, GUI_TIMEOUT_MS));
    CHECK_STR(gtk_editable_get_text(pacta_editor_get_entry(editor, "counterparty")),
              "Brite Services SRL");
    CHECK_STR(gtk_editable_get_text(pacta_editor_get_entry(editor, "title")),
              "Window and door cleaning");
    CHECK(pacta_editor_is_dirty(editor));

    /* Saving again stores everything the user typed, on top of their change. */
    gtk_widget_activate_action(GTK_WIDGET(win), "win.save", NULL);
    CHECK(gui_editor_wait_saved(editor, 3));
    CHECK(!pacta_editor_is_dirty(editor));
    json_t *now = it_contract_get(other, id);
    REQUIRE(now != NULL);
    CHECK(it_int(now, "version") == 3);
    CHECK_STR(it_str(now, "title"), "Window and door cleaning");
    CHECK_STR(it_str(now, "counterparty"), "Brite Services SRL");
    CHECK_STR(it_str(now, "end_date"), "2027-06-30");
    json_decref(now);
    pacta_editor_close(editor);
}

static void real_conflict(PactaWindow *win, PactaEditor *editor, struct ctl_client *other)
{
    g_autofree char *id = open_new(win, other,
                                   json_pack("{ss ss sI}", "title", "Laptops", "counterparty",
                                             "ACME SA", "amount_cents", (json_int_t)4500000));
    gtk_editable_set_text(pacta_editor_get_entry(editor, "amount_cents"), "46,000.00");
    other_saves(other, editor, id, json_pack("{sI}", "amount_cents", (json_int_t)4550000));

    gtk_widget_activate_action(GTK_WIDGET(win), "win.save", NULL);
    CHECK(pacta_editor_is_busy(editor));
    gtk_editable_set_text(pacta_editor_get_entry(editor, "counterparty"), "ACME Europe SA");
    CHECK(gui_wait(gui_editor_idle, editor, GUI_TIMEOUT_MS));
    gui_pump(200);
    /* However the editor goes on (a message or the conflict view), the
     * counterparty the user typed stays, and nothing was saved. */
    GtkWindow *dialog = pacta_editor_get_conflict_dialog(editor);
    if (dialog) {
        PactaMerge *merge = pacta_conflict_dialog_get_merge(PACTA_CONFLICT_DIALOG(dialog));
        CHECKF(pacta_merge_get_kind(merge, "counterparty") == PACTA_MERGE_MINE,
               "the conflict view leaves out the counterparty typed during the save (kind %d)",
               (int)pacta_merge_get_kind(merge, "counterparty"));
        CHECK(pacta_conflict_dialog_choose(PACTA_CONFLICT_DIALOG(dialog), "amount_cents",
                                           PACTA_MERGE_PICK_MINE));
        CHECK(pacta_conflict_dialog_accept(PACTA_CONFLICT_DIALOG(dialog)));
        CHECK(gui_wait(gui_editor_idle, editor, GUI_TIMEOUT_MS));
        gui_pump(200);
        CHECK(gui_wait(gui_editor_idle, editor, GUI_TIMEOUT_MS));
    }
    CHECK_STR(gtk_editable_get_text(pacta_editor_get_entry(editor, "counterparty")),
              "ACME Europe SA");
    CHECK_STR(gtk_editable_get_text(pacta_editor_get_entry(editor, "amount_cents")), "46,000.00");

    if (!dialog) {
        /* The next Save merges everything in the form. */
        gtk_widget_activate_action(GTK_WIDGET(win), "win.save", NULL);
        REQUIRE(gui_wait(gui_editor_conflict_open, editor, GUI_TIMEOUT_MS));
        PactaConflictDialog *d = PACTA_CONFLICT_DIALOG(pacta_editor_get_conflict_dialog(editor));
        PactaMerge *merge = pacta_conflict_dialog_get_merge(d);
        CHECK(pacta_merge_get_kind(merge, "counterparty") == PACTA_MERGE_MINE);
        CHECK(pacta_merge_get_kind(merge, "amount_cents") == PACTA_MERGE_CONFLICT);
        CHECK(pacta_conflict_dialog_choose(d, "amount_cents", PACTA_MERGE_PICK_MINE));
        CHECK(pacta_conflict_dialog_accept(d));
        CHECK(gui_editor_wait_saved(editor, 3));
        json_t *now = it_contract_get(other, id);
        REQUIRE(now != NULL);
        CHECK(it_int(now, "version") == 3);
        CHECK(it_int(now, "amount_cents") == 4600000);
        CHECK_STR(it_str(now, "counterparty"), "ACME Europe SA");
        json_decref(now);
    }
    pacta_editor_close(editor);
}

/* 3. A save that succeeds: what the user typed meanwhile stays in the form
 * too — a field set back to what it was, and a value that does not parse
 * yet — instead of the saved record's values. */
static void saved_while_typing(PactaWindow *win, PactaEditor *editor, struct ctl_client *other)
{
    g_autofree char *id =
        open_new(win, other, json_pack("{ss ss}", "title", "Printers", "counterparty", "Toner SA"));
    gtk_editable_set_text(pacta_editor_get_entry(editor, "title"), "Printers and toner");
    gtk_widget_activate_action(GTK_WIDGET(win), "win.save", NULL);
    CHECK(pacta_editor_is_busy(editor));
    gtk_editable_set_text(pacta_editor_get_entry(editor, "title"), "Printers"); /* set back */
    CHECK(gui_editor_wait_saved(editor, 2));
    CHECK_STR(gtk_editable_get_text(pacta_editor_get_entry(editor, "title")), "Printers");
    CHECK(pacta_editor_is_dirty(editor));
    gtk_widget_activate_action(GTK_WIDGET(win), "win.save", NULL);
    CHECK(gui_editor_wait_saved(editor, 3));
    json_t *now = it_contract_get(other, id);
    CHECK(now && it_int(now, "version") == 3 && !strcmp(it_str(now, "title"), "Printers"));
    json_decref(now);

    gtk_editable_set_text(pacta_editor_get_entry(editor, "counterparty"), "Toner Europe SA");
    gtk_widget_activate_action(GTK_WIDGET(win), "win.save", NULL);
    CHECK(pacta_editor_is_busy(editor));
    gtk_editable_set_text(pacta_editor_get_entry(editor, "amount_cents"), "12x"); /* not yet */
    CHECK(gui_editor_wait_saved(editor, 4));
    CHECK_STR(gtk_editable_get_text(pacta_editor_get_entry(editor, "amount_cents")), "12x");
    CHECK_STR(gtk_editable_get_text(pacta_editor_get_entry(editor, "counterparty")),
              "Toner Europe SA");
    gtk_editable_set_text(pacta_editor_get_entry(editor, "amount_cents"), "");
    pacta_editor_close(editor);
}

int main(void)
{
    PactaApplication *app = gui_setup("gui_conflict_typing");
    struct it_server *s = it_server_start(NULL);
    it_create_role_users(s);
    struct ctl_client *other = it_login_admin(s);
    PactaWindow *win = gui_login(app, s, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    PactaEditor *editor = pacta_window_get_editor(win);

    only_mine(win, editor, other);
    real_conflict(win, editor, other);
    saved_while_typing(win, editor, other);

    ctl_client_close(other);
    gui_teardown(app);
    return it_done(test_summary());
}
