/*
 * GUI: a server with more contracts than the desk keeps in memory (issue
 * 7: a list of a million).  With PACTA_DESK_MAX_ROWS=40 and 150 contracts
 * on a real pactad, the store loads none of them (the server's count is
 * over its limit) and the window lists the server's pages instead: the first page, the next ones as
 * the view asks for rows near the end, the search as the server's `text` (a substring of number,
 * title or counterparty, without case or accents as the desk's own search) and, with Full Text, as
 * `q`, which finds a word of a description; a sort by Title from the server; a change and a
 * deletion made elsewhere reach the rows shown; a sort the server does not have and a search the
 * server refuses are said, and lose nothing.  A contract created elsewhere goes on top; a change
 * elsewhere to one the desk does not hold stays out of memory; opening such a contract asks the
 * server for it.  A search typed while the connection is down runs when it is back.  At midnight
 * the rows shown are read again.  The store loads nothing when the server's count is over the
 * limit, and stops at the limit when it has no count.
 */
#include "gui_support.h"
#include "pacta-remote-list.h"

#define N_CONTRACTS 150

struct remote_wait {
    PactaWindow *win;
    guint n;
    gboolean complete;
};

/* The server's list shows n rows, nothing on its way, complete or not. */
static gboolean remote_rows(gpointer data)
{
    struct remote_wait *w = data;
    GListModel *m = pacta_window_get_visible_model(w->win);
    return PACTA_IS_REMOTE_LIST(m) && !pacta_window_get_list_pending(w->win) &&
           g_list_model_get_n_items(m) == w->n &&
           pacta_remote_list_get_complete(PACTA_REMOTE_LIST(m)) == w->complete;
}

static gboolean wait_remote(PactaWindow *win, guint n, gboolean complete)
{
    struct remote_wait w = {win, n, complete};
    return gui_wait(remote_rows, &w, GUI_TIMEOUT_MS);
}

struct title_wait {
    PactaContract *c;
    const char *title;
};

static gboolean title_is(gpointer data)
{
    struct title_wait *t = data;
    return g_strcmp0(pacta_contract_get_title(t->c), t->title) == 0;
}

static gboolean offline(gpointer conn)
{
    return pacta_connection_get_state(conn) != PACTA_CONNECTION_CONNECTED;
}

struct editor_wait {
    PactaEditor *editor;
    const char *id;
};

static gboolean editor_has(gpointer data)
{
    struct editor_wait *w = data;
    return pacta_editor_is_open(w->editor) &&
           g_strcmp0(pacta_editor_get_contract_id(w->editor), w->id) == 0;
}

static gboolean store_settled(gpointer store)
{
    return pacta_contract_store_get_loaded(store) && !pacta_contract_store_get_loading(store);
}

static gboolean lifecycle_active(gpointer c)
{
    return g_str_equal(pacta_contract_get_lifecycle(c), "active");
}

static gboolean in_store(gpointer data)
{
    void **d = data;
    return pacta_contract_store_lookup(d[0], d[1]) != NULL;
}

static gboolean toast_has(gpointer data)
{
    void **d = data;
    const char *t = pacta_window_get_last_toast(d[0]);
    return t && strstr(t, d[1]) != NULL;
}

int main(void)
{
    g_setenv("PACTA_DESK_MAX_ROWS", "40", TRUE);
    PactaApplication *app = gui_setup("gui_large_list");
    static const char *const args[] = {"--fake-now", "2026-03-01T12:00:00Z", NULL};
    struct it_server *s = it_server_start(args);
    struct ctl_client *admin = it_login_admin(s);
    char id77[64] = "", id120[64] = "";
    for (int i = 1; i <= N_CONTRACTS; i++) {
        char number[32], title[32];
        snprintf(number, sizeof number, "L-%03d", i);
        snprintf(title, sizeof title, "T%03d", N_CONTRACTS + 1 - i); /* reverse of numbers */
        json_t *c = it_contract_create(
            admin,
            json_pack("{s:s, s:s, s:s, s:s}", "number", number, "title", title, "counterparty",
                      i == 77 ? "Ascensoare Timișoara SRL" : "Kone SRL", "description",
                      i == 77 ? "Lift maintenance with a quarterly inspection"
                              : "Lift maintenance"));
        REQUIRE(c);
        if (i == 77)
            snprintf(id77, sizeof id77, "%s", it_str(c, "id"));
        if (i == 120)
            snprintf(id120, sizeof id120, "%s", it_str(c, "id"));
        json_decref(c);
    }

    PactaWindow *win = gui_login(app, s, "admin", IT_ADMIN_PASSWORD);
    PactaContractStore *store = pacta_application_get_store(app);
    GtkEditable *search = pacta_window_get_search_entry(win);
    GtkToggleButton *fulltext = pacta_window_get_fulltext_button(win);

    /* the store is partial; the list is the server's first page */
    CHECK(pacta_contract_store_get_partial(store));
    CHECK(wait_remote(win, 100, FALSE));
    g_autofree char *first = gui_visible_numbers(win, 3);
    CHECK_STR(first, "L-001 L-002 L-003");
    CHECK_STR(pacta_window_get_count_text(win), "First 100 contracts (more as you scroll)");

    /* a change elsewhere to a contract the desk does not hold stays out of
     * the store; a contract created elsewhere goes on top of the list */
    json_t *c120 = it_contract_get(admin, id120);
    REQUIRE(c120);
    json_t *r = it_contract_update(admin, id120, it_int(c120, "version"),
                                   json_pack("{s:s}", "title", "Changed unseen"), NULL, NULL);
    REQUIRE(r);
    json_decref(r);
    json_decref(c120);
    json_t *created =
        it_contract_create(admin, json_pack("{s:s, s:s}", "number", "L-151", "title", "T000"));
    REQUIRE(created);
    json_decref(created);
    CHECK(wait_remote(win, 101, FALSE));
    g_autofree char *on_top = gui_visible_numbers(win, 2);
    CHECK_STR(on_top, "L-151 L-001");
    CHECK(pacta_contract_store_lookup(store, id120) == NULL);

    /* opening it (from an alert, say) asks the server for it */
    CHECK(pacta_window_open_contract(win, id120));
    struct editor_wait ew = {pacta_window_get_editor(win), id120};
    CHECK(gui_wait(editor_has, &ew, GUI_TIMEOUT_MS));
    PactaContract *opened = pacta_contract_store_lookup(store, id120);
    CHECK(opened && g_str_equal(pacta_contract_get_title(opened), "Changed unseen"));
    /* the store reloads (as after a restore): it does not load L-120, but
     * the editor asks for it instead of saying it is gone */
    pacta_contract_store_reload(store);
    CHECK(wait_remote(win, 100, FALSE));
    CHECK(gui_wait(in_store, (void *[]){store, id120}, GUI_TIMEOUT_MS));
    gui_pump(200);
    CHECK(!gui_editor_banner_shown(pacta_window_get_editor(win)));
    CHECK(editor_has(&ew));
    pacta_editor_close(pacta_window_get_editor(win));

    /* the view asks for a row near the end (scrolling): the next page,
     * where L-151 (already on top) is not shown twice */
    g_autoptr(PactaContract) near_end =
        g_list_model_get_item(pacta_window_get_visible_model(win), 90);
    CHECK(near_end != NULL);
    CHECK(wait_remote(win, N_CONTRACTS + 1, TRUE));
    CHECK_STR(pacta_window_get_count_text(win), "151 contracts found");

    /* the search: a substring of the number, from the server */
    gtk_editable_set_text(search, "L-07");
    CHECK(wait_remote(win, 10, TRUE));
    g_autofree char *sub = gui_visible_numbers(win, 20);
    CHECK_STR(sub, "L-070 L-071 L-072 L-073 L-074 L-075 L-076 L-077 L-078 L-079");
    /* without case or accents, as the desk's own search: the server's too */
    gtk_editable_set_text(search, "TIMISOARA");
    CHECK(wait_remote(win, 1, TRUE));
    g_autofree char *folded = gui_visible_numbers(win, 5);
    CHECK_STR(folded, "L-077");

    /* Full Text: a word of a description, and a word's start */
    gtk_toggle_button_set_active(fulltext, TRUE);
    gtk_editable_set_text(search, "quarterly");
    CHECK(wait_remote(win, 1, TRUE));
    g_autofree char *word = gui_visible_numbers(win, 5);
    CHECK_STR(word, "L-077");
    gtk_editable_set_text(search, "quarter");
    CHECK(wait_remote(win, 1, TRUE));
    gtk_editable_set_text(search, "nowhere");
    CHECK(wait_remote(win, 0, TRUE));
    CHECK_STR(pacta_window_get_count_text(win), "0 contracts found");

    /* sorted by Title (descending) by the server: T150 is L-001 */
    gtk_toggle_button_set_active(fulltext, FALSE);
    gtk_editable_set_text(search, "");
    gtk_column_view_sort_by_column(pacta_window_get_column_view(win), gui_column(win, "Title"),
                                   GTK_SORT_DESCENDING);
    CHECK(wait_remote(win, 100, FALSE));
    g_autofree char *by_title = gui_visible_numbers(win, 3);
    CHECK_STR(by_title, "L-001 L-002 L-003");
    gtk_column_view_sort_by_column(pacta_window_get_column_view(win), gui_column(win, "Title"),
                                   GTK_SORT_ASCENDING);
    CHECK(wait_remote(win, 100, FALSE));
    g_autofree char *by_title_asc = gui_visible_numbers(win, 3);
    CHECK_STR(by_title_asc, "L-120 L-151 L-150"); /* "Changed unseen", "T000", "T001" */

    /* a change made elsewhere reaches a row the store did not load */
    gtk_editable_set_text(search, "L-077");
    CHECK(wait_remote(win, 1, TRUE));
    g_autoptr(PactaContract) c77 = g_list_model_get_item(pacta_window_get_visible_model(win), 0);
    REQUIRE(c77 != NULL);
    r = it_contract_update(admin, id77, pacta_contract_get_version(c77),
                           json_pack("{s:s}", "title", "Renamed elsewhere"), NULL, NULL);
    REQUIRE(r);
    json_decref(r);
    struct title_wait tw = {c77, "Renamed elsewhere"};
    CHECK(gui_wait(title_is, &tw, GUI_TIMEOUT_MS));

    /* and a deletion made elsewhere takes the row away */
    r = it_call(
        admin, "contracts.delete",
        json_pack("{s:s, s:I}", "id", id77, "version", (json_int_t)pacta_contract_get_version(c77)),
        NULL);
    REQUIRE(r);
    json_decref(r);
    CHECK(wait_remote(win, 0, TRUE));

    /* a sort the server does not have: said, and the server's default */
    gtk_editable_set_text(search, "");
    gtk_column_view_sort_by_column(pacta_window_get_column_view(win), gui_column(win, "Owner"),
                                   GTK_SORT_ASCENDING);
    void *d[] = {win, "sort by number, title, counterparty, end date or amount"};
    CHECK(gui_wait(toast_has, d, GUI_TIMEOUT_MS));
    CHECK(wait_remote(win, 100, FALSE));
    /* and no header shows an order the list does not have */
    CHECK(gtk_sorter_get_order(gtk_column_view_get_sorter(pacta_window_get_column_view(win))) ==
          GTK_SORTER_ORDER_NONE);
    g_autofree char *dflt = gui_visible_numbers(win, 2);
    CHECK_STR(dflt, "L-001 L-002");

    /* a search the server refuses (over 200 characters): said, no rows,
     * and the next search works */
    char long_text[260];
    memset(long_text, 'x', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    gtk_editable_set_text(search, long_text);
    void *e[] = {win, "The server could not list the contracts"};
    CHECK(gui_wait(toast_has, e, GUI_TIMEOUT_MS));
    CHECK(wait_remote(win, 0, FALSE));
    gtk_editable_set_text(search, "L-14");
    CHECK(wait_remote(win, 10, TRUE));

    /* a search typed while the connection is down runs once it is back
     * (the subscription resumes: no reload), with no error toast */
    PactaConnection *conn = pacta_application_get_connection(app);
    const char *toast_before = pacta_window_get_last_toast(win);
    g_autofree char *toast_kept = g_strdup(toast_before);
    pacta_connection_drop(conn);
    CHECK(gui_wait(offline, conn, GUI_TIMEOUT_MS));
    gtk_editable_set_text(search, "L-13");
    CHECK(wait_remote(win, 10, TRUE));
    g_autofree char *back = gui_visible_numbers(win, 1);
    CHECK_STR(back, "L-130");
    CHECK_STR(pacta_window_get_last_toast(win), toast_kept);

    /* midnight: the rows shown are read again (the store loaded none: the
     * server's count was over its limit): a contract starting tomorrow
     * turns active */
    json_t *tomorrow = it_contract_create(
        admin, json_pack("{s:s, s:s, s:s, s:s}", "number", "L-152", "status", "active",
                         "start_date", "2026-03-02", "end_date", "2027-12-31"));
    REQUIRE(tomorrow);
    gtk_editable_set_text(search, "L-152");
    CHECK(wait_remote(win, 1, TRUE));
    g_autoptr(PactaContract) c152 = g_list_model_get_item(pacta_window_get_visible_model(win), 0);
    REQUIRE(c152 != NULL);
    CHECK_STR(pacta_contract_get_lifecycle(c152), "upcoming");
    r = it_call(admin, "admin.clock.set", json_pack("{s:s}", "now", "2026-03-02T12:00:00Z"), NULL);
    REQUIRE(r);
    json_decref(r);
    CHECK(gui_wait(lifecycle_active, c152, GUI_TIMEOUT_MS));
    json_decref(tomorrow);

    /* With the server's count over the limit the store loads nothing (it
     * holds the 10 rows the server's list shows); without a count (here the
     * dashboard's counters say fewer than there are) it loads pages and
     * stops at its limit: 40 rows in all, or 50 when the server's list
     * answered after the store asked (its 10 are not counted then) */
    gtk_editable_set_text(search, "L-14");
    CHECK(wait_remote(win, 10, TRUE));
    pacta_contract_store_reload(store); /* with the count: nothing loaded */
    CHECK(gui_wait(store_settled, store, GUI_TIMEOUT_MS));
    CHECK(wait_remote(win, 10, TRUE));
    CHECKF(g_list_model_get_n_items(G_LIST_MODEL(store)) == 10, "the store holds %u",
           g_list_model_get_n_items(G_LIST_MODEL(store)));
    char dbpath[600];
    it_server_db_path(s, dbpath, sizeof dbpath);
    sqlite3 *db = NULL;
    REQUIRE(sqlite3_open(dbpath, &db) == SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    it_sql(db, "UPDATE dashboard_counts SET n = 1 WHERE series = 'status'");
    sqlite3_close(db);
    json_t *dash = it_call(admin, "stats.dashboard", NULL, NULL);
    REQUIRE(dash);
    CHECKF(it_int(dash, "total") <= 40, "total %lld", (long long)it_int(dash, "total"));
    json_decref(dash);
    pacta_contract_store_reload(store);
    CHECK(gui_wait(store_settled, store, GUI_TIMEOUT_MS));
    CHECK(pacta_contract_store_get_partial(store));
    CHECK(wait_remote(win, 10, TRUE));
    guint held = g_list_model_get_n_items(G_LIST_MODEL(store));
    CHECKF(held >= 40 && held <= 50, "the store holds %u", held);

    ctl_client_close(admin);
    gui_teardown(app);
    return it_done(test_summary());
}
