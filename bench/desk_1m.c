/*
 * desk_1m: pacta-desk against a pactad holding 1,000,000 contracts (issue 7's
 * "finds a contract by a word from its description in a list of a
 * million"), under Xvfb, as a user does it: log in, see the list, turn
 * Full Text on and type a word of one contract's description, open that
 * contract; also a word every description has, a substring search, a sort
 * by a column and a scroll to the next page; the same pages asked without
 * the desk; then the rest of the walk: the Dashboard page, the
 * list (searched and filtered) exported to XLSX and PDF and each opened
 * (the sheet's rows, the PDF's pages), that PDF attached to the contract
 * found and downloaded again.  Prints a markdown table of wall times
 * (median of RUNS where it says so) and the desk's memory.
 *
 *   xvfb-run -a build/bin/desk_1m build/bench-data      (make bench-desk-1m)
 *
 * The database is list_1m's (gen_contracts_cached: built once, about 7
 * minutes, kept in the cache directory); pactad runs on a copy of it.  The
 * desk is the real application in this process (gui_support.c, as the GUI
 * tests drive it), with its default limit of contracts kept in memory
 * (PACTA_DESK_MAX_ROWS unset: 100,000).  A search's time includes
 * GtkSearchEntry's pause before it reports a change (its search-delay,
 * 150 ms in GTK 4.8), as a user's typing does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "bench_time.h"
#include "gen_contracts.h"
#include "gui_support.h"
#include "pacta-documents-pane.h"
#include "pacta-remote-list.h"

#define RUNS 5
#define WORD "monospace" /* in one contract's description only */

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

/* Queries answered so far (the server's list's "pending" going FALSE). */
static guint answered;

static void on_pending(GObject *list, GParamSpec *pspec, gpointer data)
{
    (void)pspec;
    (void)data;
    if (!pacta_remote_list_get_pending(PACTA_REMOTE_LIST(list)))
        answered++;
}

struct ready {
    PactaWindow *win;
    guint min_rows, answered;
};

/* The server's list answered a query since r->answered was read and shows
 * at least min_rows, with nothing on its way. */
static gboolean list_ready(gpointer data)
{
    struct ready *r = data;
    GListModel *m = pacta_window_get_visible_model(r->win);
    return PACTA_IS_REMOTE_LIST(m) && answered > r->answered &&
           !pacta_window_get_list_pending(r->win) && g_list_model_get_n_items(m) >= r->min_rows;
}

/* Waits for the answer to a query made after t0 (answered_before: the
 * count read before it was made). */
static double wait_answer(PactaWindow *win, guint min_rows, guint answered_before, double t0)
{
    struct ready r = {win, min_rows, answered_before};
    if (!gui_wait(list_ready, &r, 120000)) {
        fprintf(stderr, "desk_1m: the list did not come\n");
        exit(1);
    }
    return now_ms() - t0;
}

static void row(const char *what, double *t, int n, const char *note)
{
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    printf("| %s | %.0f | %.0f | %s |\n", what, t[n / 2], t[n - 1], note);
}

/* Times setting the search text (from an empty search) until the list shows
 * at least min_rows; the search is cleared between runs. */
static void time_search(PactaWindow *win, const char *text, guint min_rows, const char *what,
                        const char *note)
{
    GtkEditable *search = pacta_window_get_search_entry(win);
    double t[RUNS];
    for (int i = 0; i < RUNS; i++) {
        guint a = answered;
        if (*gtk_editable_get_text(search)) {
            gtk_editable_set_text(search, "");
            wait_answer(win, 1, a, now_ms());
        }
        a = answered;
        double t0 = now_ms();
        gtk_editable_set_text(search, text);
        t[i] = wait_answer(win, min_rows, a, t0);
    }
    row(what, t, RUNS, note);
}

struct asked {
    gboolean done;
};

static void on_asked(GObject *source, GAsyncResult *res, gpointer data)
{
    json_t *r = pacta_connection_request_finish(PACTA_CONNECTION(source), res, NULL, NULL);
    json_decref(r);
    ((struct asked *)data)->done = TRUE;
}

static gboolean asked_done(gpointer data)
{
    return ((struct asked *)data)->done;
}

/* Times clicks on a column's header (descending and ascending by turns)
 * until the server's first page of that order is shown. */
static void time_sort(PactaWindow *win, const char *title)
{
    GtkColumnView *view = pacta_window_get_column_view(win);
    double t[RUNS];
    for (int i = 0; i < RUNS; i++) {
        guint a = answered;
        double t1 = now_ms();
        gtk_column_view_sort_by_column(view, gui_column(win, title),
                                       i % 2 ? GTK_SORT_ASCENDING : GTK_SORT_DESCENDING);
        t[i] = wait_answer(win, 100, a, t1);
    }
    g_autofree char *what = g_strdup_printf("click %s (sort, both ways by turns)", title);
    row(what, t, RUNS, "first 100");
}

static gboolean pane_has_one(gpointer pane)
{
    return !pacta_documents_pane_is_busy(pane) && pacta_documents_pane_get_count(pane) == 1;
}

static gboolean pane_idle(gpointer pane)
{
    return !pacta_documents_pane_is_busy(pane);
}

static gboolean has_figures(gpointer page)
{
    return pacta_dashboard_page_get_figures(page) != NULL;
}

static gboolean editor_open(gpointer data)
{
    void **d = data;
    return pacta_editor_is_open(d[0]) && g_strcmp0(pacta_editor_get_contract_id(d[0]), d[1]) == 0;
}

/* pactad --slow-statement-ms for the walk */
#define SLOW_MS "20"

int main(int argc, char **argv)
{
    const char *cache = argc > 1 ? argv[1] : "build/bench-data";
    char path[1024], err[256];
    struct gen_options o = {0};
    if (gen_contracts_cached(cache, &o, path, sizeof path, err, sizeof err) != 0) {
        fprintf(stderr, "desk_1m: %s\n", err);
        return 1;
    }
    PactaApplication *app = gui_setup("desk_1m");
    /* statements over SLOW_MS are listed after the walk (bench/slow_table.py) */
    static const char *const extra[] = {
        "--rate", "0", "--fake-now", GEN_DEFAULT_TODAY "T12:00:00Z", "--slow-statement-ms",
        SLOW_MS,  NULL};
    struct it_server *s = it_server_start(extra);
    it_server_stop(s);
    if (it_server_use_copy(s, path) != 0)
        return 1;
    it_server_restart(s);
    struct ctl_client *admin = NULL;
    for (int i = 0; i < 120 && !admin; i++) { /* the first expiry scan holds the writer */
        json_t *res = NULL;
        admin = it_try_connect(s);
        if (admin && ctl_client_request(admin, "auth.login",
                                        json_pack("{s:s, s:s}", "username", "admin", "password",
                                                  GEN_DEFAULT_PASSWORD),
                                        600000, &res) != 0) {
            ctl_client_close(admin);
            admin = NULL;
            sleep(1);
        }
        json_decref(res);
    }
    if (!admin) {
        fprintf(stderr, "desk_1m: cannot log in to pactad\n");
        return 1;
    }
    for (int i = 0; i < 1200; i++) {
        json_t *st = it_call(admin, "admin.stats", NULL, NULL);
        int done = st && json_is_string(json_object_get(st, "last_expiry_scan_at"));
        json_decref(st);
        if (done)
            break;
        sleep(1);
    }
    json_t *mine = it_contract_create(
        admin, json_pack("{s:s, s:s, s:s}", "number", "C-DESK-0000001", "title",
                         "Mentenanță ascensor", "description",
                         "Ascensor Kone MonoSpace, revizie trimestrială; bloc B, scara 2."));
    if (!mine) {
        fprintf(stderr, "desk_1m: cannot create the contract to find\n");
        return 1;
    }
    const char *mine_id = it_str(mine, "id");
    long rss0 = rss_kb();

    printf("## pacta-desk with 1,000,000 contracts (bench/desk_1m.c)\n\n");
    double t0 = now_ms();
    PactaWindow *win = gui_login(app, s, "admin", GEN_DEFAULT_PASSWORD);
    double t_login = now_ms() - t0;
    PactaContractStore *store = pacta_application_get_store(app);
    long rss1 = rss_kb();
    printf("Logged in: the store kept %u contracts (limit %u; the server has more: %s) and the "
           "window shows the server's first page, %.1f s after the login was submitted. RSS %ld "
           "MB before the login, %ld MB after.\n\n",
           g_list_model_get_n_items(G_LIST_MODEL(store)), pacta_contract_store_get_max_rows(store),
           pacta_contract_store_get_partial(store) ? "yes" : "no", t_login / 1000, rss0 / 1024,
           rss1 / 1024);

    if (!PACTA_IS_REMOTE_LIST(pacta_window_get_visible_model(win))) {
        fprintf(stderr,
                "desk_1m: the desk holds every contract (PACTA_DESK_MAX_ROWS=%s): this "
                "bench measures the server's list\n",
                g_getenv("PACTA_DESK_MAX_ROWS") ? g_getenv("PACTA_DESK_MAX_ROWS") : "unset");
        return 1;
    }
    printf("| step (as a user does it) | median ms | worst ms | rows |\n|---|---|---|---|\n");
    g_signal_connect(pacta_window_get_visible_model(win), "notify::pending", G_CALLBACK(on_pending),
                     NULL);
    GtkToggleButton *fulltext = pacta_window_get_fulltext_button(win);
    gtk_toggle_button_set_active(fulltext, TRUE);
    time_search(win, WORD, 1, "Full Text: \"" WORD "\" (a word of one description)", "1");
    GListModel *shown = pacta_window_get_visible_model(win);
    g_autoptr(PactaContract) found = g_list_model_get_item(shown, 0);
    if (!found || g_strcmp0(pacta_contract_get_id(found), mine_id) != 0) {
        fprintf(stderr, "desk_1m: the contract was not found\n");
        return 1;
    }
    double t[RUNS];
    for (int i = 0; i < RUNS; i++) {
        pacta_editor_close(pacta_window_get_editor(win));
        gui_pump(50);
        double t1 = now_ms();
        pacta_window_open_contract(win, mine_id);
        void *d[] = {pacta_window_get_editor(win), (void *)mine_id};
        gui_wait(editor_open, d, 60000);
        t[i] = now_ms() - t1;
    }
    row("open the contract found in the editor", t, RUNS, "");
    pacta_editor_close(pacta_window_get_editor(win));
    time_search(win, "etaje", 100,
                "Full Text: \"etaje\" (a word of every description), "
                "best matches first",
                "first 100");
    time_search(win, "hooli cluj", 100, "Full Text: \"hooli cluj\" (4 % of contracts)",
                "first 100");
    gtk_toggle_button_set_active(fulltext, FALSE);
    time_search(win, "0012345", 1, "search a substring of the number (rare)", "a few");
    time_search(win, "Hooli", 100, "search a substring of the counterparty (4 %)", "first 100");
    guint a = answered;
    gtk_editable_set_text(pacta_window_get_search_entry(win), "");
    wait_answer(win, 1, a, now_ms());

    time_sort(win, "Title");
    time_sort(win, "End Date");
    for (int i = 0; i < RUNS; i++) {
        guint n = g_list_model_get_n_items(pacta_window_get_visible_model(win));
        double t1 = now_ms();
        g_autoptr(GObject) near_end = g_list_model_get_item(pacta_window_get_visible_model(win),
                                                            n - 10); /* the view scrolled */
        struct ready r = {win, n + 1, 0};
        if (!gui_wait(list_ready, &r, 120000))
            exit(1);
        t[i] = now_ms() - t1;
    }
    row("scroll to the end of what came: the next page", t, RUNS, "+100");

    /* the same pages asked through the desk's own connection, not shown */
    for (int i = 0; i < RUNS; i++) {
        struct asked a = {0};
        json_t *args = json_loads("{\"sort\":\"title\",\"order\":\"desc\",\"limit\":100}", 0, NULL);
        double t1 = now_ms();
        pacta_connection_request_async(pacta_application_get_connection(app), "contracts.list",
                                       args, NULL, on_asked, &a);
        json_decref(args);
        gui_wait(asked_done, &a, 60000);
        t[i] = now_ms() - t1;
    }
    row("the same page through the desk's connection, not shown: title, descending", t, RUNS, "");

    /* the same pages asked by a plain client: the server and the wire alone */
    static const char *const pages[][2] = {
        {"Full Text \"" WORD "\"", "{\"q\":\"" WORD "\",\"limit\":100}"},
        {"Full Text \"etaje\"", "{\"q\":\"etaje\",\"limit\":100}"},
        {"title, descending", "{\"sort\":\"title\",\"order\":\"desc\",\"limit\":100}"},
        {"end date, ascending", "{\"sort\":\"end_date\",\"limit\":100}"},
    };
    for (size_t k = 0; k < G_N_ELEMENTS(pages); k++) {
        for (int i = 0; i < RUNS; i++) {
            double t1 = now_ms();
            json_t *res = it_call(admin, "contracts.list", json_loads(pages[k][1], 0, NULL), NULL);
            t[i] = now_ms() - t1;
            if (!res) {
                fprintf(stderr, "desk_1m: contracts.list by the plain client failed\n");
                return 1;
            }
            json_decref(res);
        }
        g_autofree char *what =
            g_strdup_printf("the same page by a plain client (pactactl's): %s", pages[k][0]);
        row(what, t, RUNS, "");
    }
    /* the rest of issue 7's walk: the dashboard, then the list as searched
     * and filtered exported to XLSX and PDF */
    PactaDashboardPage *dash = pacta_window_get_dashboard_page(win);
    double t1 = now_ms();
    pacta_window_show_page(win, "dashboard");
    gui_wait(has_figures, dash, 60000);
    printf("| show the Dashboard page (the first time): its figures in | %.0f | | |\n",
           now_ms() - t1);
    printf("| (the Dashboard's Active card reads %s) | | | |\n",
           pacta_dashboard_page_get_card_text(dash, PACTA_DASHBOARD_CARD_ACTIVE));
    pacta_window_show_page(win, "contracts");
    gtk_toggle_button_set_active(fulltext, TRUE);
    a = answered;
    gtk_editable_set_text(pacta_window_get_search_entry(win), "hooli cluj");
    wait_answer(win, 1, a, now_ms());
    a = answered;
    gtk_drop_down_set_selected(pacta_window_get_lifecycle_filter(win), 3); /* Expiring */
    wait_answer(win, 1, a, now_ms());
    const char *formats[][2] = {{"xlsx", "XLSX"}, {"pdf", "PDF"}};
    for (size_t k = 0; k < G_N_ELEMENTS(formats); k++) {
        g_autofree char *file = g_strdup_printf("list.%s", formats[k][0]);
        g_autofree char *out = g_build_filename(it_tmp_dir(), file, NULL);
        struct gui_export_done w = {0};
        double t_start = now_ms();
        double te =
            gui_export(win, "win.export", out, 600000, &w) && w.ok ? now_ms() - t_start : -1;
        GStatBuf st;
        long size = g_stat(out, &st) == 0 ? (long)st.st_size : -1;
        /* opened as a viewer would: the sheet's rows, the PDF's pages */
        char *check = NULL;
        char *pdf_argv[] = {"/usr/bin/pdfinfo", out, NULL};
        char *xlsx_argv[] = {"/usr/bin/unzip", "-p", out, "xl/worksheets/sheet1.xml", NULL};
        int ran = it_run(k ? pdf_argv : xlsx_argv, NULL, 60000, &check, NULL);
        const char *pages = check && k ? strstr(check, "Pages:") : NULL;
        int rows = 0;
        for (const char *p = check; !k && p && (p = strstr(p, "<row ")); p++)
            rows++;
        g_autofree char *opened = ran != 0 || !check ? g_strdup("does not open")
                                  : k ? g_strdup_printf("%d pages", pages ? atoi(pages + 6) : -1)
                                      : g_strdup_printf("%d sheet rows", rows);
        free(check);
        printf("| Export… %s of Full Text \"hooli cluj\" + Lifecycle Expiring | %.0f | | %s; "
               "%ld bytes; %s |\n",
               formats[k][1], te, w.message ? w.message : "failed", size, opened);
        g_free(w.message);
        if (te < 0)
            return 1;
    }

    /* the PDF attached to the contract found, and downloaded again */
    g_autofree char *signed_pdf = g_build_filename(it_tmp_dir(), "list.pdf", NULL);
    g_autofree char *copy = g_build_filename(it_tmp_dir(), "downloaded.pdf", NULL);
    pacta_window_open_contract(win, mine_id);
    void *d[] = {pacta_window_get_editor(win), (void *)mine_id};
    gui_wait(editor_open, d, 60000);
    PactaDocumentsPane *pane = pacta_editor_get_documents(pacta_window_get_editor(win));
    g_setenv("PACTA_DESK_DOCUMENT_FILE", signed_pdf, TRUE);
    t1 = now_ms();
    pacta_documents_pane_attach(pane);
    gui_wait(pane_has_one, pane, 60000);
    double t_attach = now_ms() - t1;
    g_autofree char *attached = g_strdup(pacta_documents_pane_get_status(pane));
    g_setenv("PACTA_DESK_DOCUMENT_SAVE", copy, TRUE);
    t1 = now_ms();
    pacta_documents_pane_download(pane, 0);
    gui_wait(pane_idle, pane, 60000);
    double t_download = now_ms() - t1;
    g_autofree char *a_bytes = NULL, *b_bytes = NULL;
    gsize a_len = 0, b_len = 0;
    gboolean same = g_file_get_contents(signed_pdf, &a_bytes, &a_len, NULL) &&
                    g_file_get_contents(copy, &b_bytes, &b_len, NULL) && a_len == b_len &&
                    memcmp(a_bytes, b_bytes, a_len) == 0;
    printf("| attach that PDF to the contract found | %.0f | | %s |\n", t_attach, attached);
    printf("| download it again | %.0f | | %s |\n", t_download,
           same ? "the same bytes" : "DIFFERENT BYTES");
    if (!same)
        return 1;

    printf("\nRSS at the end: %ld MB; the store holds %u contracts.\n", rss_kb() / 1024,
           g_list_model_get_n_items(G_LIST_MODEL(store)));

    json_decref(mine);
    ctl_client_close(admin);
    gui_teardown(app);
    char table[2048];
    snprintf(table, sizeof table,
             "echo; python3 '%s/bench/slow_table.py' \"pactad's statements over %s ms, from its "
             "start (the expiry scan included)\" <'%s'",
             PACTA_SOURCE_DIR, SLOW_MS, s->log_path);
    fflush(stdout);
    if (system(table) != 0)
        fprintf(stderr, "desk_1m: could not list the slow statements\n");
    return it_done(0); /* stops pactad, removes the copy */
}
