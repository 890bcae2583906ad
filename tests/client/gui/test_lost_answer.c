/*
 * GUI: a write whose answer is lost when the connection drops.  The server
 * queues a write's event before its answer (PROTOCOL.md §7), so dropping
 * the connection from the event's handler is the network failing after the
 * write committed and before its answer arrived: the write took effect.
 * The desk must not say "Not saved" and must not apply it twice.
 *
 *  1. Create: the desk reported "Not saved: the connection dropped" and
 *     kept the form as a new draft although the contract was in its list;
 *     saving again was refused as a taken number, and a user who then
 *     changed the number made a second contract.  Now the draft carries
 *     the id the desk chose (§5: "the client may choose it"), the desk
 *     recognises its contract and the form edits it.
 *  2. Update: "Not saved" although the change was in; the form stayed
 *     dirty at the old version.
 *  3. Delete: "Not deleted" although the contract was gone from the list;
 *     the editor (with something typed) stayed open, with Delete enabled.
 *  4. The replay path: a write whose event was lost with its answer
 *     arrives after the reconnect.  A record that already holds every
 *     change in the form is followed (the form is clean at its version)
 *     instead of "your edits are kept"; a contract with the draft's id is
 *     the draft's, and the form edits it.
 */
#include "gui_support.h"

static gboolean drop_armed;

static void drop_on_event(PactaConnection *conn, const char *name, gint64 seq, gpointer data,
                          gpointer user_data)
{
    (void)seq;
    (void)data;
    (void)user_data;
    if (!drop_armed || !g_str_has_prefix(name, "contract."))
        return;
    drop_armed = FALSE;
    pacta_connection_drop(conn);
}

struct back_wait {
    PactaConnection *conn;
    PactaEditor *editor;
};

static gboolean back_and_idle(gpointer data)
{
    struct back_wait *w = data;
    return pacta_connection_get_state(w->conn) == PACTA_CONNECTION_CONNECTED &&
           !pacta_editor_is_busy(w->editor);
}

static int count_contracts(struct ctl_client *c, const char *title)
{
    json_t *res = it_call(c, "contracts.list", json_pack("{sI}", "limit", (json_int_t)500), NULL);
    REQUIRE(res != NULL);
    int n = 0;
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(res, "items"), i, item)
    {
        if (g_str_equal(it_str(item, "title"), title))
            n++;
    }
    json_decref(res);
    return n;
}

static void respond_delete(void)
{
    GList *tops = gtk_window_list_toplevels();
    for (GList *l = tops; l; l = l->next)
        if (ADW_IS_MESSAGE_DIALOG(l->data) && gtk_widget_get_visible(l->data)) {
            adw_message_dialog_response(l->data, "delete");
            break;
        }
    g_list_free(tops);
}

static gboolean dialog_shown(gpointer data)
{
    (void)data;
    gboolean found = FALSE;
    GList *tops = gtk_window_list_toplevels();
    for (GList *l = tops; l; l = l->next)
        found |= ADW_IS_MESSAGE_DIALOG(l->data) && gtk_widget_get_visible(l->data);
    g_list_free(tops);
    return found;
}

int main(void)
{
    PactaApplication *app = gui_setup("gui_lost_answer");
    struct it_server *s = it_server_start(NULL);
    it_create_role_users(s);
    struct ctl_client *other = it_login_admin(s);
    json_t *c = it_contract_create(other, json_pack("{ss}", "title", "Office cleaning"));
    json_t *d = it_contract_create(other, json_pack("{ss}", "title", "To be deleted"));
    REQUIRE(c != NULL && d != NULL);

    PactaWindow *win = gui_login(app, s, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    PactaEditor *editor = pacta_window_get_editor(win);
    PactaConnection *conn = pacta_application_get_connection(app);
    g_object_set(conn, "backoff-base-ms", 50u, "backoff-max-ms", 200u, NULL);
    g_signal_connect(conn, "event", G_CALLBACK(drop_on_event), NULL);
    struct back_wait bw = {conn, editor};

    /* 1. create */
    gtk_widget_activate_action(GTK_WIDGET(win), "win.new-contract", NULL);
    REQUIRE(pacta_editor_is_open(editor) && pacta_editor_is_new(editor));
    gtk_editable_set_text(pacta_editor_get_entry(editor, "number"), "LOST-1");
    gtk_editable_set_text(pacta_editor_get_entry(editor, "title"), "Lost answer");
    gtk_editable_set_text(pacta_editor_get_entry(editor, "counterparty"), "ACME SA");
    gtk_editable_set_text(pacta_editor_get_entry(editor, "currency"), "EUR");
    drop_armed = TRUE;
    gtk_widget_activate_action(GTK_WIDGET(win), "win.save", NULL);
    REQUIRE(gui_wait(back_and_idle, &bw, GUI_TIMEOUT_MS));
    CHECK(!drop_armed);
    CHECK(gui_row_contract(win, "LOST-1") != NULL);
    CHECKF(!pacta_editor_is_new(editor), "error: %s", pacta_editor_get_error(editor));
    CHECKF(strstr(pacta_editor_get_error(editor), "Not saved") == NULL, "error: %s",
           pacta_editor_get_error(editor));
    /* The user goes on: a new number, Save.  One contract, changed. */
    gtk_editable_set_text(pacta_editor_get_entry(editor, "number"), "LOST-2");
    gtk_widget_activate_action(GTK_WIDGET(win), "win.save", NULL);
    gui_wait(gui_editor_idle, editor, GUI_TIMEOUT_MS);
    gui_pump(200);
    CHECK(count_contracts(other, "Lost answer") == 1);
    CHECK(gui_row_contract(win, "LOST-2") != NULL);
    CHECK(gui_row_contract(win, "LOST-1") == NULL);
    pacta_editor_close(editor);

    /* 2. update */
    REQUIRE(pacta_window_open_contract(win, it_str(c, "id")));
    gtk_editable_set_text(pacta_editor_get_entry(editor, "title"), "Office and stairs cleaning");
    drop_armed = TRUE;
    gtk_widget_activate_action(GTK_WIDGET(win), "win.save", NULL);
    REQUIRE(gui_wait(back_and_idle, &bw, GUI_TIMEOUT_MS));
    CHECK(!drop_armed);
    CHECKF(strstr(pacta_editor_get_error(editor), "Not saved") == NULL, "error: %s",
           pacta_editor_get_error(editor));
    CHECK(pacta_editor_get_base_version(editor) == 2);
    CHECK(!pacta_editor_is_dirty(editor));
    json_t *now = it_contract_get(other, it_str(c, "id"));
    REQUIRE(now != NULL);
    CHECK(it_int(now, "version") == 2);
    json_decref(now);
    pacta_editor_close(editor);

    /* 3. delete */
    REQUIRE(pacta_window_open_contract(win, it_str(d, "id")));
    /* typed, then decided to delete it instead (a clean form is closed by
     * the window when its contract leaves the list) */
    gtk_editable_set_text(pacta_editor_get_entry(editor, "title"), "Never mind");
    pacta_editor_request_delete(editor);
    REQUIRE(gui_wait(dialog_shown, NULL, GUI_TIMEOUT_MS));
    drop_armed = TRUE;
    respond_delete();
    REQUIRE(gui_wait(back_and_idle, &bw, GUI_TIMEOUT_MS));
    CHECK(!drop_armed);
    CHECK(gui_row_contract(win, it_str(d, "number")) == NULL);
    CHECKF(strstr(pacta_editor_get_error(editor), "Not deleted") == NULL, "error: %s",
           pacta_editor_get_error(editor));
    CHECK(!pacta_editor_is_open(editor));

    /* 4a. An update arrives that already holds what the user typed. */
    REQUIRE(pacta_window_open_contract(win, it_str(c, "id")));
    gint64 v = pacta_editor_get_base_version(editor);
    gtk_editable_set_text(pacta_editor_get_entry(editor, "counterparty"), "Brite Services SRL");
    json_t *err = NULL;
    json_t *r = it_contract_update(
        other, it_str(c, "id"), v,
        json_pack("{ssss}", "counterparty", "Brite Services SRL", "end_date", "2027-06-30"), NULL,
        &err);
    REQUIRE(r != NULL);
    json_decref(r);
    CHECK(gui_wait(gui_editor_banner_shown, editor, GUI_TIMEOUT_MS));
    CHECK(pacta_editor_get_base_version(editor) == v + 1);
    CHECK(!pacta_editor_is_dirty(editor));
    CHECK_STR(gtk_editable_get_text(pacta_editor_get_entry(editor, "end_date")), "2027-06-30");
    CHECK_STR(gtk_editable_get_text(pacta_editor_get_entry(editor, "counterparty")),
              "Brite Services SRL");
    pacta_editor_close(editor);

    /* 4b. The contract with the draft's id arrives. */
    gtk_widget_activate_action(GTK_WIDGET(win), "win.new-contract", NULL);
    REQUIRE(pacta_editor_is_open(editor) && pacta_editor_is_new(editor));
    char *draft_id = g_strdup(pacta_editor_get_contract_id(editor));
    CHECK(strlen(draft_id) == 36);
    gtk_editable_set_text(pacta_editor_get_entry(editor, "number"), "LOST-3");
    gtk_editable_set_text(pacta_editor_get_entry(editor, "title"), "Replayed");
    gtk_editable_set_text(pacta_editor_get_entry(editor, "counterparty"), "ACME SA");
    gtk_editable_set_text(pacta_editor_get_entry(editor, "currency"), "EUR");
    json_t *e = it_contract_create(other, json_pack("{sssssssssssssI}", "id", draft_id, "number",
                                                    "LOST-3", "title", "Replayed", "counterparty",
                                                    "ACME SA", "kind", "client", "owner",
                                                    IT_EDITOR_USER, "amount_cents", (json_int_t)0));
    REQUIRE(e != NULL);
    CHECK(gui_wait_rows(win, 3));
    gui_pump(100);
    CHECK(!pacta_editor_is_new(editor));
    CHECK(!pacta_editor_is_dirty(editor));
    CHECK_STR(pacta_editor_get_contract_id(editor), draft_id);
    g_free(draft_id);
    json_decref(e);

    json_decref(c);
    json_decref(d);
    ctl_client_close(other);
    gui_teardown(app);
    return it_done(test_summary());
}
