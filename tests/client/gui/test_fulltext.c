/*
 * GUI: Full Text in the search bar, on a desk that holds every contract.
 * The desk's own search looks at number, title and counterparty; Full Text
 * asks the server's full-text search (`q`), which also finds a word of a
 * description or of an amendment reason.  Turning it off brings the
 * desk's own list back, with every row.  A view saved with Full Text keeps
 * `q` and the relevance order, and recalling it turns Full Text on.
 */
#include "gui_support.h"
#include "pacta-remote-list.h"

static gboolean rows_are(gpointer data)
{
    void **d = data;
    PactaWindow *win = d[0];
    GListModel *m = pacta_window_get_visible_model(win);
    if (pacta_window_get_list_pending(win) || PACTA_IS_REMOTE_LIST(m) != GPOINTER_TO_INT(d[1]))
        return FALSE;
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < g_list_model_get_n_items(m); i++) {
        g_autoptr(PactaContract) c = g_list_model_get_item(m, i);
        g_string_append_printf(s, "%s%s", i ? " " : "", pacta_contract_get_number(c));
    }
    gboolean same = g_str_equal(s->str, d[2]);
    g_string_free(s, TRUE);
    return same;
}

static gboolean toast_has(gpointer data)
{
    void **d = data;
    const char *t = pacta_window_get_last_toast(d[0]);
    return t && strstr(t, d[1]) != NULL;
}

/* Waits until the list shown is the server's (remote) or the desk's own,
 * with these numbers in this order. */
static gboolean wait_list(PactaWindow *win, gboolean remote, const char *numbers)
{
    void *d[] = {win, GINT_TO_POINTER(remote), (void *)numbers};
    return gui_wait(rows_are, d, GUI_TIMEOUT_MS);
}

int main(void)
{
    PactaApplication *app = gui_setup("gui_fulltext");
    struct it_server *s = it_server_start(NULL);
    struct ctl_client *admin = it_login_admin(s);
    static const char *const fields[] = {
        "{\"number\":\"F-1\",\"title\":\"Lift\",\"description\":\"Escalator and lift care\"}",
        "{\"number\":\"F-2\",\"title\":\"Escalator parts\"}",
        "{\"number\":\"F-3\",\"title\":\"Cleaning\",\"status\":\"active\"}",
    };
    json_t *c3 = NULL;
    for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
        json_t *c = it_contract_create(admin, json_loads(fields[i], 0, NULL));
        REQUIRE(c);
        if (i == 2)
            c3 = c;
        else
            json_decref(c);
    }
    /* an amendment's reason is searched too */
    json_t *r = it_contract_update(admin, it_str(c3, "id"), it_int(c3, "version"),
                                   json_pack("{s:I}", "amount_cents", (json_int_t)5000),
                                   "Escalator added to the scope", NULL);
    REQUIRE(r);
    json_decref(r);
    json_decref(c3);

    PactaWindow *win = gui_login(app, s, "admin", IT_ADMIN_PASSWORD);
    GtkEditable *search = pacta_window_get_search_entry(win);
    GtkToggleButton *fulltext = pacta_window_get_fulltext_button(win);
    CHECK(wait_list(win, FALSE, "F-1 F-2 F-3"));

    /* the desk's own search: the title only */
    gtk_editable_set_text(search, "escalator");
    CHECK(wait_list(win, FALSE, "F-2"));

    /* Full Text (Ctrl+Shift+F): the title (weighs most), the description,
     * the reason */
    CHECK(gtk_widget_activate_action(GTK_WIDGET(win), "win.search-fulltext", NULL));
    CHECK(gtk_toggle_button_get_active(fulltext));
    CHECK(wait_list(win, TRUE, "F-2 F-1 F-3"));
    gtk_editable_set_text(search, "escalator care");
    CHECK(wait_list(win, TRUE, "F-1"));
    CHECK_STR(pacta_window_get_count_text(win), "1 contract found");

    /* saved as a view with `q` and the relevance order, and recalled */
    PactaViewsButton *vb = pacta_window_get_views_button(win);
    pacta_views_button_save(vb, "Escalator care");
    void *saved[] = {win, "Saved view"};
    CHECK(gui_wait(toast_has, saved, GUI_TIMEOUT_MS));
    json_t *list = it_call(admin, "views.list", NULL, NULL);
    json_t *v = json_array_get(json_object_get(list, "items"), 0);
    g_autofree char *filter = json_dumps(json_object_get(v, "filter"), JSON_COMPACT);
    g_autofree char *sort = json_dumps(json_object_get(v, "sort"), JSON_COMPACT);
    CHECK_STR(filter, "{\"q\":\"escalator care\"}");
    CHECK_STR(sort, "{\"key\":\"relevance\",\"order\":\"asc\"}");
    json_decref(list);
    gtk_toggle_button_set_active(fulltext, FALSE);
    gtk_editable_set_text(search, "");
    CHECK(wait_list(win, FALSE, "F-1 F-2 F-3"));
    CHECK(pacta_views_button_recall(vb, "Escalator care"));
    CHECK(gtk_toggle_button_get_active(fulltext));
    CHECK(wait_list(win, TRUE, "F-1"));
    void *recalled[] = {win, "View “Escalator care”"};
    CHECK(gui_wait(toast_has, recalled, GUI_TIMEOUT_MS));
    CHECK(strstr(pacta_window_get_last_toast(win), "not shown") == NULL);

    /* off again: the desk's own list and search */
    gtk_toggle_button_set_active(fulltext, FALSE);
    CHECK(wait_list(win, FALSE, ""));
    gtk_editable_set_text(search, "");
    CHECK(wait_list(win, FALSE, "F-1 F-2 F-3"));
    CHECK_STR(pacta_window_get_count_text(win), "3 contracts");

    ctl_client_close(admin);
    gui_teardown(app);
    return it_done(test_summary());
}
