/*
 * GUI: the filter bar's Lifecycle drop-down and Views menu (issue 7).
 *
 * The lifecycle filter shows the rows whose lifecycle the server derived;
 * a search + lifecycle + sort is saved as a view (stored on the server as
 * the user's own), the list is reset, and recalling the view puts back the
 * search text, the drop-down, the sort and so the same rows in the same
 * order.  A view saved from another desk of the same user appears in the
 * menu (view.saved); deleting one from the menu removes it on the server.
 */
#include "gui_support.h"

struct names_want {
    PactaViewsButton *vb;
    const char *want; /* names, space-separated */
};

static gboolean names_are(gpointer data)
{
    struct names_want *n = data;
    g_auto(GStrv) names = pacta_views_button_get_names(n->vb);
    g_autofree char *joined = g_strjoinv(" ", names);
    return g_strcmp0(joined, n->want) == 0;
}

static GtkColumnViewColumn *column(PactaWindow *win, guint i)
{
    GListModel *cols = gtk_column_view_get_columns(pacta_window_get_column_view(win));
    GtkColumnViewColumn *c = g_list_model_get_item(cols, i);
    g_object_unref(c); /* the view keeps it */
    return c;
}

int main(void)
{
    static const char *const extra[] = {"--fake-now", "2026-06-15T12:00:00Z", "--thresholds", "30",
                                        NULL};
    PactaApplication *app = gui_setup("gui_views");
    struct it_server *s = it_server_start(extra);
    struct ctl_client *admin = it_login_admin(s);
    static const char *const fields[] = {
        "{\"number\":\"V-1\",\"title\":\"Lift Alpha\",\"end_date\":\"2026-06-20\"}",
        "{\"number\":\"V-2\",\"title\":\"Lift Beta\",\"end_date\":\"2026-07-01\"}",
        "{\"number\":\"V-3\",\"title\":\"Lift Gamma\",\"end_date\":\"2027-03-01\"}",
        "{\"number\":\"V-4\",\"title\":\"Stairs\",\"end_date\":\"2026-06-25\"}",
        "{\"number\":\"V-5\",\"title\":\"Lift Delta\"}",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
        json_t *c = it_contract_create(admin, json_loads(fields[i], 0, NULL));
        REQUIRE(c);
        json_decref(c);
    }

    PactaWindow *win = gui_login(app, s, "admin", IT_ADMIN_PASSWORD);
    REQUIRE(gui_wait_rows(win, 5));
    PactaViewsButton *vb = pacta_window_get_views_button(win);
    GtkDropDown *lifecycle = pacta_window_get_lifecycle_filter(win);
    GtkEditable *search = pacta_window_get_search_entry(win);

    /* the lifecycle filter: expiring = ends within 30 days of 2026-06-15 */
    gtk_drop_down_set_selected(lifecycle, 3); /* Expiring */
    CHECK(gui_wait_rows(win, 3));
    g_autofree char *expiring = gui_visible_numbers(win, G_MAXUINT);
    CHECK_STR(expiring, "V-1 V-2 V-4");
    gtk_drop_down_set_selected(lifecycle, 6); /* No End Date */
    CHECK(gui_wait_rows(win, 1));
    gtk_drop_down_set_selected(lifecycle, 0);
    CHECK(gui_wait_rows(win, 5));

    /* search + lifecycle + sort by title descending, saved as a view */
    gtk_editable_set_text(search, "lift");
    gtk_drop_down_set_selected(lifecycle, 3);
    gtk_column_view_sort_by_column(pacta_window_get_column_view(win), column(win, 1),
                                   GTK_SORT_DESCENDING);
    CHECK(gui_wait_rows(win, 2));
    g_autofree char *before = gui_visible_numbers(win, G_MAXUINT);
    CHECK_STR(before, "V-2 V-1");
    pacta_views_button_save(vb, "Lifts ending");
    struct names_want n = {vb, "Lifts ending"};
    CHECK(gui_wait(names_are, &n, GUI_TIMEOUT_MS));
    CHECK(g_strrstr(pacta_window_get_last_toast(win), "Saved view") != NULL);

    /* stored on the server as the user's own view */
    json_t *list = it_call(admin, "views.list", NULL, NULL);
    json_t *v = json_array_get(json_object_get(list, "items"), 0);
    g_autofree char *filter = json_dumps(json_object_get(v, "filter"), JSON_COMPACT);
    g_autofree char *sort = json_dumps(json_object_get(v, "sort"), JSON_COMPACT);
    CHECK_STR(filter, "{\"text\":\"lift\",\"lifecycle\":\"expiring\"}");
    CHECK_STR(sort, "{\"key\":\"title\",\"order\":\"desc\"}");
    json_decref(list);

    /* reset the list, then recall the view */
    gtk_editable_set_text(search, "");
    gtk_drop_down_set_selected(lifecycle, 0);
    gtk_column_view_sort_by_column(pacta_window_get_column_view(win), column(win, 0),
                                   GTK_SORT_ASCENDING);
    CHECK(gui_wait_rows(win, 5));
    CHECK(pacta_views_button_recall(vb, "Lifts ending"));
    CHECK(gui_wait_rows(win, 2));
    g_autofree char *after = gui_visible_numbers(win, G_MAXUINT);
    CHECK_STR(after, before);
    CHECK_STR(gtk_editable_get_text(search), "lift");
    CHECK(gtk_drop_down_get_selected(lifecycle) == 3);
    CHECK(!pacta_views_button_recall(vb, "No such view"));

    /* a view saved on another desk of the same user shows up in the menu */
    json_t *r = it_call(admin, "views.save",
                        json_pack("{s:s, s:{s:s}, s:{s:s}}", "name", "Amounts", "filter", "kind",
                                  "client", "sort", "key", "amount"),
                        NULL);
    REQUIRE(r);
    json_decref(r);
    n.want = "Amounts Lifts ending";
    CHECK(gui_wait(names_are, &n, GUI_TIMEOUT_MS));

    /* the menu drawn open (cairo, under Xvfb) */
    gtk_popover_popup(pacta_views_button_get_popover(vb));
    gui_pump(200);
    g_autofree char *png = g_build_filename(it_tmp_dir(), "views.png", NULL);
    CHECK(gui_snapshot(GTK_WIDGET(pacta_views_button_get_popover(vb)), png));
    if (g_getenv("PACTA_VIEWS_PNG"))
        gui_snapshot(GTK_WIDGET(win), g_getenv("PACTA_VIEWS_PNG"));
    gtk_popover_popdown(pacta_views_button_get_popover(vb));

    /* delete from the menu: gone on the server too */
    CHECK(pacta_views_button_delete(vb, "Lifts ending"));
    n.want = "Amounts";
    CHECK(gui_wait(names_are, &n, GUI_TIMEOUT_MS));
    list = it_call(admin, "views.list", NULL, NULL);
    CHECK(json_array_size(json_object_get(list, "items")) == 1);
    json_decref(list);

    ctl_client_close(admin);
    gui_teardown(app);
    return it_done(test_summary());
}
