/*
 * GUI: an update made with pactactl appears in the matching row, in place,
 * highlighted with who made it; a contract created elsewhere appears and
 * one deleted elsewhere disappears.  With the list sorted by title, a
 * title changed elsewhere moves its row to its new place; with a search
 * on, a change that makes a row match brings it in.
 */
#include "gui_support.h"

struct title_wait {
    PactaWindow *win;
    const char *number, *title;
};

static gboolean row_has_title(gpointer data)
{
    struct title_wait *w = data;
    PactaContract *c = gui_row_contract(w->win, w->number);
    return c && g_str_equal(pacta_contract_get_title(c), w->title);
}

static gboolean row_gone(gpointer data)
{
    struct title_wait *w = data;
    return gui_find_row(w->win, w->number) < 0;
}

int main(void)
{
    PactaApplication *app = gui_setup("gui_live_update");
    struct it_server *s = it_server_start(NULL);
    struct ctl_client *admin = it_login_admin(s);
    json_t *a = it_contract_create(admin, json_pack("{ss}", "title", "Old title"));
    json_t *b = it_contract_create(admin, NULL);
    REQUIRE(a && b);

    PactaWindow *win = gui_login(app, s, "admin", IT_ADMIN_PASSWORD);
    PactaContract *row = gui_row_contract(win, it_str(a, "number"));
    REQUIRE(row != NULL);
    g_object_ref(row);

    /* pactactl, as a person at another terminal would run it. */
    g_autofree char *version = g_strdup_printf("%" JSON_INTEGER_FORMAT, it_int(a, "version"));
    char *argv[] = {PACTACTL_BIN,
                    "--url",
                    s->url,
                    "--ca",
                    (char *)it_ca_file(),
                    "contracts",
                    "update",
                    (char *)it_str(a, "id"),
                    "--version",
                    version,
                    "--set",
                    "title=New title from pactactl",
                    NULL};
    char *env[] = {"PACTA_PASSWORD=" IT_ADMIN_PASSWORD, "PACTA_USER=admin", NULL};
    char *out = NULL, *err = NULL;
    int rc = it_run(argv, env, 20000, &out, &err);
    CHECKF(rc == 0, "pactactl exit %d: %s %s", rc, out ? out : "", err ? err : "");
    free(out);
    free(err);

    struct title_wait w = {win, it_str(a, "number"), "New title from pactactl"};
    CHECK(gui_wait(row_has_title, &w, GUI_TIMEOUT_MS));
    /* Updated in place: the same object, flashing, naming the author. */
    CHECK(gui_row_contract(win, it_str(a, "number")) == row);
    CHECK(pacta_contract_get_highlight(row));
    CHECK_STR(pacta_contract_get_last_actor(row), "admin");
    CHECK(pacta_contract_get_version(row) == it_int(a, "version") + 1);
    g_object_unref(row);

    /* Created and deleted elsewhere. */
    json_t *c = it_contract_create(admin, json_pack("{ss}", "title", "Brand new"));
    REQUIRE(c != NULL);
    struct title_wait wc = {win, it_str(c, "number"), "Brand new"};
    CHECK(gui_wait(row_has_title, &wc, GUI_TIMEOUT_MS));
    json_t *del =
        it_call(admin, "contracts.delete",
                json_pack("{sssI}", "id", it_str(b, "id"), "version", it_int(b, "version")), NULL);
    CHECK(del != NULL);
    json_decref(del);
    struct title_wait wb = {win, it_str(b, "number"), NULL};
    CHECK(gui_wait(row_gone, &wb, GUI_TIMEOUT_MS));
    CHECK(gui_wait_rows(win, 2));

    /* Sorted by title ("Brand new", "New title from pactactl"): a title
     * changed elsewhere moves its row. */
    GtkColumnView *view = pacta_window_get_column_view(win);
    g_autoptr(GtkColumnViewColumn) title_col =
        g_list_model_get_item(gtk_column_view_get_columns(view), 1);
    gtk_column_view_sort_by_column(view, title_col, GTK_SORT_ASCENDING);
    CHECK(gui_wait_rows(win, 2));
    CHECK(gui_find_row(win, it_str(a, "number")) == 1);
    json_t *moved = it_contract_update(admin, it_str(a, "id"), it_int(a, "version") + 1,
                                       json_pack("{ss}", "title", "Aardvark supplies"), NULL, NULL);
    REQUIRE(moved != NULL);
    struct title_wait wm = {win, it_str(a, "number"), "Aardvark supplies"};
    CHECK(gui_wait(row_has_title, &wm, GUI_TIMEOUT_MS));
    CHECKF(gui_find_row(win, it_str(a, "number")) == 0, "renamed row at %d, want 0",
           gui_find_row(win, it_str(a, "number")));

    /* A search on: a change elsewhere that makes a row match shows it. */
    gtk_editable_set_text(pacta_window_get_search_entry(win), "zebra");
    CHECK(gui_wait_rows(win, 0));
    json_t *zebra =
        it_contract_update(admin, it_str(c, "id"), it_int(c, "version"),
                           json_pack("{ss}", "title", "Zebra crossing paint"), NULL, NULL);
    REQUIRE(zebra != NULL);
    CHECK(gui_wait_rows(win, 1));
    CHECK(gui_find_row(win, it_str(c, "number")) == 0);
    gtk_editable_set_text(pacta_window_get_search_entry(win), "");
    CHECK(gui_wait_rows(win, 2));
    json_decref(moved);
    json_decref(zebra);

    json_decref(a);
    json_decref(b);
    json_decref(c);
    ctl_client_close(admin);
    gui_teardown(app);
    return it_done(test_summary());
}
