/*
 * GUI: sorting and searching the contract list (computed off the main
 * thread) keep what the user has: the selected row stays selected through a
 * sort, a search that still shows it, and a live change that moves it; the
 * contract open in the editor stays open.  Clicking two headers sorts by
 * the last one, then the first (GTK's chain), also when they pull opposite
 * ways, and a view saved then names the last one.  A cell's tooltip says
 * who just changed the row.  Closing the window while a sort is computed
 * is safe.
 */
#include <dlfcn.h>

#include <gdk/x11/gdkx.h>

#include "gui_support.h"

static gboolean has_label(GtkWidget *w, const char *text)
{
    if (GTK_IS_LABEL(w) && g_str_equal(gtk_label_get_text(GTK_LABEL(w)), text))
        return TRUE;
    for (GtkWidget *c = gtk_widget_get_first_child(w); c; c = gtk_widget_get_next_sibling(c))
        if (has_label(c, text))
            return TRUE;
    return FALSE;
}

/* GTK 4.8's header button of a column (a private type). */
static GtkWidget *header(GtkWidget *w, const char *title)
{
    if (g_str_equal(G_OBJECT_TYPE_NAME(w), "GtkColumnViewTitle") && has_label(w, title))
        return w;
    for (GtkWidget *c = gtk_widget_get_first_child(w); c; c = gtk_widget_get_next_sibling(c)) {
        GtkWidget *h = header(c, title);
        if (h)
            return h;
    }
    return NULL;
}

/*
 * A click on a column's header, as a user makes it: a real button press
 * and release through the X server (XTest, loaded at run time from
 * libxtst6), since GTK adds the column to the front of its sort chain only
 * for a primary button (gtk_column_view_sort_by_column() would replace the
 * chain).
 */
typedef int (*FakeMotion)(Display *, int, int, int, unsigned long);
typedef int (*FakeButton)(Display *, unsigned int, int, unsigned long);
typedef int (*Translate)(Display *, Window, Window, int, int, int *, int *, Window *);
typedef int (*Flush)(Display *);

/* Moves the pointer (through the X server) to the middle of w; with
 * `click`, presses and releases the primary button there. */
static void pointer_to(GtkWidget *w, gboolean click)
{
    void *xtst = dlopen("libXtst.so.6", RTLD_NOW);
    REQUIRE(xtst != NULL); /* scripts/install-deps.sh installs libxtst6 */
    FakeMotion motion = (FakeMotion)dlsym(xtst, "XTestFakeMotionEvent");
    FakeButton button = (FakeButton)dlsym(xtst, "XTestFakeButtonEvent");
    Translate translate = (Translate)dlsym(RTLD_DEFAULT, "XTranslateCoordinates");
    Flush flush = (Flush)dlsym(RTLD_DEFAULT, "XFlush");
    REQUIRE(motion && button && translate && flush);

    GtkNative *native = gtk_widget_get_native(w);
    graphene_point_t p;
    REQUIRE(gtk_widget_compute_point(
        w, GTK_WIDGET(native),
        &GRAPHENE_POINT_INIT(gtk_widget_get_width(w) / 2.0f, gtk_widget_get_height(w) / 2.0f), &p));
    double sx, sy;
    gtk_native_get_surface_transform(native, &sx, &sy);
    Display *d = gdk_x11_display_get_xdisplay(gtk_widget_get_display(w));
    Window xid = gdk_x11_surface_get_xid(gtk_native_get_surface(native));
    int rx, ry;
    Window child;
    translate(d, xid, DefaultRootWindow(d), (int)(p.x + sx), (int)(p.y + sy), &rx, &ry, &child);
    motion(d, -1, rx, ry, 0);
    if (click) {
        button(d, 1, True, 0);
        button(d, 1, False, 0);
    }
    flush(d);
}

static void click_header(PactaWindow *win, const char *title)
{
    GtkWidget *h = header(GTK_WIDGET(pacta_window_get_column_view(win)), title);
    REQUIRE(h != NULL);
    pointer_to(h, TRUE);
    /* past the double-click time, so the next click is a click of its own */
    gui_pump(600);
}

/* A mapped label showing `text` under w, or NULL. */
static GtkWidget *find_label(GtkWidget *w, const char *text)
{
    if (GTK_IS_LABEL(w) && gtk_widget_get_mapped(w) &&
        g_str_equal(gtk_label_get_text(GTK_LABEL(w)), text))
        return w;
    for (GtkWidget *c = gtk_widget_get_first_child(w); c; c = gtk_widget_get_next_sibling(c)) {
        GtkWidget *l = find_label(c, text);
        if (l)
            return l;
    }
    return NULL;
}

struct tip_wait {
    GtkWidget *root;
    const char *text;
};

/* GTK 4.8 shows a tooltip in a GtkTooltipWindow parented to the window. */
static gboolean tooltip_shows(gpointer data)
{
    struct tip_wait *t = data;
    return find_label(t->root, t->text) != NULL;
}

static GtkSingleSelection *selection(PactaWindow *win)
{
    return GTK_SINGLE_SELECTION(gtk_column_view_get_model(pacta_window_get_column_view(win)));
}

static const char *selected_number(PactaWindow *win)
{
    PactaContract *c = gtk_single_selection_get_selected_item(selection(win));
    return c ? pacta_contract_get_number(c) : "(none)";
}

struct order_wait {
    PactaWindow *win;
    const char *want;
};

static gboolean order_is(gpointer data)
{
    struct order_wait *w = data;
    g_autofree char *got = gui_visible_numbers(w->win, G_MAXUINT);
    return !gui_list_pending(w->win) && g_str_equal(got, w->want);
}

int main(void)
{
    PactaApplication *app = gui_setup("gui_list_sort");
    struct it_server *s = it_server_start(NULL);
    struct ctl_client *admin = it_login_admin(s);
    static const char *const fields[] = {
        "{\"number\":\"S-1\",\"title\":\"Delta\",\"amount_cents\":100}",
        "{\"number\":\"S-2\",\"title\":\"Alpha\",\"amount_cents\":300}",
        "{\"number\":\"S-3\",\"title\":\"Charlie\",\"amount_cents\":200}",
        "{\"number\":\"S-4\",\"title\":\"Alpha\",\"amount_cents\":900}",
        "{\"number\":\"S-5\",\"title\":\"Bravo\",\"amount_cents\":500}",
    };
    json_t *made[G_N_ELEMENTS(fields)];
    for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
        made[i] = it_contract_create(admin, json_loads(fields[i], 0, NULL));
        REQUIRE(made[i]);
    }
    PactaWindow *win = gui_login(app, s, "admin", IT_ADMIN_PASSWORD);
    REQUIRE(gui_wait_rows(win, 5));
    GtkColumnView *view = pacta_window_get_column_view(win);

    /* S-3 selected and open in the editor */
    gtk_single_selection_set_selected(selection(win), (guint)gui_find_row(win, "S-3"));
    CHECK_STR(selected_number(win), "S-3");
    CHECK(pacta_window_open_contract(win, it_str(made[2], "id")));

    /* sort by title: the selection and the editor stay */
    gtk_column_view_sort_by_column(view, gui_column(win, "Title"), GTK_SORT_ASCENDING);
    struct order_wait w = {win, "S-2 S-4 S-5 S-3 S-1"};
    CHECK(gui_wait(order_is, &w, GUI_TIMEOUT_MS));
    CHECK_STR(selected_number(win), "S-3");
    CHECK(pacta_editor_is_open(pacta_window_get_editor(win)));
    CHECK_STR(pacta_editor_get_contract_id(pacta_window_get_editor(win)), it_str(made[2], "id"));

    /* a search that still shows it, typed on */
    GtkEditable *search = pacta_window_get_search_entry(win);
    gtk_editable_set_text(search, "a");
    w.want = "S-2 S-4 S-5 S-3 S-1";
    CHECK(gui_wait(order_is, &w, GUI_TIMEOUT_MS));
    gtk_editable_set_text(search, "ar");
    w.want = "S-3"; /* Charlie */
    CHECK(gui_wait(order_is, &w, GUI_TIMEOUT_MS));
    CHECK_STR(selected_number(win), "S-3");
    gtk_editable_set_text(search, "");
    w.want = "S-2 S-4 S-5 S-3 S-1";
    CHECK(gui_wait(order_is, &w, GUI_TIMEOUT_MS));
    CHECK_STR(selected_number(win), "S-3");

    /* renamed elsewhere: it moves to its sorted place, still selected */
    json_t *moved = it_contract_update(admin, it_str(made[2], "id"), it_int(made[2], "version"),
                                       json_pack("{ss}", "title", "Aardvark"), NULL, NULL);
    REQUIRE(moved);
    w.want = "S-3 S-2 S-4 S-5 S-1";
    CHECK(gui_wait(order_is, &w, GUI_TIMEOUT_MS));
    CHECK_STR(selected_number(win), "S-3");
    json_decref(moved);
    /* its Title cell's tooltip, made when the pointer rests on it, says who
     * just changed it (the highlight lasts a few seconds) */
    gui_pump(200); /* laid out in its new place */
    GtkWidget *cell = find_label(GTK_WIDGET(pacta_window_get_column_view(win)), "Aardvark");
    REQUIRE(cell != NULL);
    pointer_to(cell, FALSE);
    struct tip_wait tip = {GTK_WIDGET(win), "Aardvark — just changed by admin"};
    CHECK(gui_wait(tooltip_shows, &tip, 2500));
    pointer_to(GTK_WIDGET(pacta_window_get_search_entry(win)), FALSE);

    /* Headers clicked: Amount twice (descending), then Title (ascending,
     * amount descending among the two Alphas); Amount twice again makes
     * amount first (descending), title second.  A view saved then names
     * amount, which pulls the other way from title. */
    gtk_column_view_sort_by_column(view, NULL, GTK_SORT_ASCENDING);
    click_header(win, "Amount");
    click_header(win, "Amount");
    w.want = "S-4 S-5 S-2 S-3 S-1";
    CHECK(gui_wait(order_is, &w, GUI_TIMEOUT_MS));
    click_header(win, "Title");
    w.want = "S-3 S-4 S-2 S-5 S-1";
    CHECK(gui_wait(order_is, &w, GUI_TIMEOUT_MS));
    CHECK_STR(selected_number(win), "S-3");
    click_header(win, "Amount");
    click_header(win, "Amount");
    w.want = "S-4 S-5 S-2 S-3 S-1";
    CHECK(gui_wait(order_is, &w, GUI_TIMEOUT_MS));
    pacta_views_button_save(pacta_window_get_views_button(win), "By amount");
    gui_pump(500);
    json_t *list = it_call(admin, "views.list", NULL, NULL);
    json_t *v = json_array_get(json_object_get(list, "items"), 0);
    g_autofree char *sort = json_dumps(json_object_get(v, "sort"), JSON_COMPACT);
    CHECK_STR(sort, "{\"key\":\"amount\",\"order\":\"desc\"}");
    json_decref(list);

    /* the window closed while a sort is being computed (its result then
     * finds no window: checked under ASan) */
    gtk_column_view_sort_by_column(view, gui_column(win, "Number"), GTK_SORT_DESCENDING);
    CHECK(gui_list_pending(win));

    for (size_t i = 0; i < G_N_ELEMENTS(made); i++)
        json_decref(made[i]);
    ctl_client_close(admin);
    gui_teardown(app);
    return it_done(test_summary());
}
