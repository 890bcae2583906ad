/*
 * desk_models: the desk's list model with N contracts and no server: how
 * long a sort by a column and a search take from the request to the list,
 * how long the main thread is held meanwhile (the longest single stretch,
 * which is what a user feels as a frozen window), and what each contract
 * costs in memory.  The cost of the desk's own code and GTK's list widget,
 * without Xvfb's drawing (bench/desk_100k.sh measures the whole application).
 *
 * Usage: xvfb-run bench/desk_models [N]   (default 100000)
 *        DESK_MODELS_WINDOW=1 also puts the list on screen in a column view
 *        with a selection (the time then includes GTK taking in the change
 *        and drawing it).
 * The same PactaContractStore, PactaListModel and column sorters as
 * pacta-desk: the list is filtered and sorted in a worker thread and put
 * in as one change (client-gtk/src/core/pacta-list-model.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gtk/gtk.h>
#include <malloc.h>

#include "bench_time.h"
#include "desk_records.h"
#include "pacta-contract-columns.h"
#include "pacta-contract-store.h"
#include "pacta-list-model.h"

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kb;
}

/* A whole server record of contract n (PROTOCOL.md §5). */
static json_t *record(int n)
{
    json_t *r = desk_record_fields(n);
    char id[40], at[32];
    snprintf(id, sizeof id, "0193a5f2-7c1e-7b3a-9f00-%012d", n);
    snprintf(at, sizeof at, "2026-11-%02dT10:%02d:%02d.%03dZ", 1 + n % 28, n % 60, (n / 60) % 60,
             n % 1000);
    json_object_set_new(r, "id", json_string(id));
    json_object_set_new(r, "sign_date", json_null());
    json_object_set_new(r, "start_date", json_string("2026-01-01"));
    json_object_set_new(r, "owner", json_string(n % 2 ? "ana" : "bob"));
    json_object_set_new(r, "description", json_string(""));
    json_object_set_new(r, "notice_days", json_integer(30));
    json_object_set_new(r, "renewal", json_string("none"));
    json_object_set_new(r, "renewal_months", json_integer(12));
    json_object_set_new(r, "version", json_integer(1));
    json_object_set_new(r, "created_at", json_string(at));
    json_object_set_new(r, "updated_at", json_string(at));
    json_object_set_new(r, "updated_by", json_string("admin"));
    json_object_set_new(r, "deleted_at", json_null());
    return r;
}

/*
 * Runs the main loop until the list has taken in the request, then (on
 * screen) until the loop is idle (drawn).  Every dispatch is timed: the
 * longest one is the longest the main thread was held.
 */
typedef struct {
    double list_ms, drawn_ms, held_ms;
} Timing;

static Timing wait_list(PactaListModel *m, double t0, double call_ms, gboolean drawn)
{
    Timing t = {0, 0, call_ms};
    for (;;) {
        gboolean pending = pacta_list_model_get_pending(m);
        if (!pending && t.list_ms == 0)
            t.list_ms = now_ms() - t0;
        double a = now_ms();
        gboolean did = g_main_context_iteration(NULL, FALSE);
        double d = now_ms() - a;
        if (did && d > t.held_ms)
            t.held_ms = d;
        if (!pending && (!drawn || !did))
            break;
        if (!did)
            g_usleep(200);
    }
    t.drawn_ms = now_ms() - t0;
    return t;
}

/* The list as the window shows it: a column view with the desk's cells in
 * a presented window, a single selection on row `selected` (< 0: GTK's
 * default, the first row once there is one). */
static GtkWidget *show_list(PactaListModel *list, int selected)
{
    GtkWidget *win = gtk_window_new();
    gtk_window_set_default_size(GTK_WINDOW(win), 1400, 900);
    GtkColumnView *view = GTK_COLUMN_VIEW(gtk_column_view_new(NULL));
    for (int c = 0; c <= PACTA_COLUMN_OWNER; c++) {
        GtkColumnViewColumn *col = gtk_column_view_column_new("col", NULL);
        pacta_contract_column_setup(col, (PactaColumn)c);
        gtk_column_view_append_column(view, col);
        g_object_unref(col);
    }
    GtkSingleSelection *sel = gtk_single_selection_new(g_object_ref(G_LIST_MODEL(list)));
    if (selected >= 0) {
        gtk_single_selection_set_autoselect(sel, FALSE);
        gtk_single_selection_set_selected(sel, (guint)selected);
    }
    gtk_column_view_set_model(view, GTK_SELECTION_MODEL(sel));
    g_object_unref(sel);
    GtkWidget *scroller = gtk_scrolled_window_new();
    gtk_scrolled_window_set_child(GTK_SCROLLED_WINDOW(scroller), GTK_WIDGET(view));
    gtk_window_set_child(GTK_WINDOW(win), scroller);
    gtk_window_present(GTK_WINDOW(win));
    return win;
}

static Timing sort_by(PactaListModel *m, const char *field, gboolean desc, gboolean drawn)
{
    PactaSortKey key = {field, desc};
    double t0 = now_ms();
    pacta_list_model_set_sort(m, &key, 1);
    return wait_list(m, t0, now_ms() - t0, drawn);
}

static Timing search(PactaListModel *m, const char *text, gboolean drawn)
{
    double t0 = now_ms();
    pacta_list_model_set_filter(m, text, NULL, NULL, NULL);
    return wait_list(m, t0, now_ms() - t0, drawn);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 100000;
    gtk_init();

    malloc_trim(0);
    long rss0 = rss_kb();
    PactaContractStore *store = pacta_contract_store_new(NULL);
    double t0 = now_ms();
    for (int first = 1; first <= n; first += 500) {
        json_t *page = json_array();
        for (int k = first; k < first + 500 && k <= n; k++)
            json_array_append_new(page, record(k));
        pacta_contract_store_apply_page(store, page);
        json_decref(page);
    }
    double load_ms = now_ms() - t0;
    malloc_trim(0);
    long rss1 = rss_kb();
    guint rows = g_list_model_get_n_items(G_LIST_MODEL(store));
    printf("| contracts | %u |\n", rows);
    printf("| load into the store (pages of 500) | %.0f ms |\n", load_ms);
    printf("| RSS per contract | %.2f KB (%ld -> %ld MB) |\n", (double)(rss1 - rss0) / rows,
           rss0 / 1024, rss1 / 1024);

    static const struct {
        const char *field, *name;
    } cols[] = {{"title", "title"},
                {"counterparty", "counterparty"},
                {"end_date", "end date"},
                {"amount_cents", "amount"},
                {"number", "number"}};
    gboolean window = getenv("DESK_MODELS_WINDOW") != NULL;

    for (int pass = 0; pass < (window ? 2 : 1); pass++) {
        gboolean shown = pass == 1;
        PactaListModel *list = pacta_list_model_new(store);
        GtkWidget *win = NULL;
        if (shown) {
            win = show_list(list, 10);
            for (int k = 0; k < 200; k++)
                g_main_context_iteration(NULL, FALSE);
            g_usleep(500000);
            while (g_main_context_iteration(NULL, FALSE))
                ;
        }
        const char *where = shown ? "on screen: " : "";
        for (size_t i = 0; i < G_N_ELEMENTS(cols); i++) {
            Timing a = sort_by(list, cols[i].field, FALSE, shown);
            Timing d = sort_by(list, cols[i].field, TRUE, shown);
            char drawn[64] = "";
            if (shown)
                snprintf(drawn, sizeof drawn, " (drawn %.0f / %.0f)", a.drawn_ms, d.drawn_ms);
            printf("| %ssort by %s asc / desc: request -> list, main thread held at most "
                   "| %.0f / %.0f ms%s, %.1f / %.1f ms |\n",
                   where, cols[i].name, a.list_ms, d.list_ms, drawn, a.held_ms, d.held_ms);
        }
        /* searches over the list sorted by title, as typed one after another */
        PactaSortKey by_title = {"title", FALSE};
        pacta_list_model_set_sort(list, &by_title, 1);
        wait_list(list, now_ms(), 0, shown);
        static const char *const typing[] = {"c",   "ca", "cat", "cate", "catering",
                                             "cat", "c",  "",    "zzz"};
        for (size_t i = 0; i < G_N_ELEMENTS(typing); i++) {
            Timing t = search(list, typing[i], shown);
            printf("| %ssearch \"%s\" (sorted by title): request -> list, main thread held at "
                   "most | %.0f ms, %.1f ms (%u rows) |\n",
                   where, typing[i], t.list_ms, t.held_ms,
                   g_list_model_get_n_items(G_LIST_MODEL(list)));
        }
        if (win)
            gtk_window_destroy(GTK_WINDOW(win));
        while (g_main_context_iteration(NULL, FALSE))
            ;
        g_object_unref(list);
    }
    g_object_unref(store);

    /* Loading while the list is sorted by title (a reload or a reconnect
     * with a sort on): pages of 500 as the server sends them, the main loop
     * run between pages; the longest page (the store and the list taking it
     * in, and GTK) and the whole load. */
    for (int pass = 0; pass < (window ? 2 : 1); pass++) {
        PactaContractStore *s2 = pacta_contract_store_new(NULL);
        PactaListModel *list = pacta_list_model_new(s2);
        PactaSortKey by_title = {"title", FALSE};
        pacta_list_model_set_sort(list, &by_title, 1);
        GtkWidget *win = NULL;
        if (pass == 1) {
            win = show_list(list, -1);
        }
        double held = 0, t_load = now_ms();
        for (int first = 1; first <= n; first += 500) {
            json_t *page = json_array();
            for (int k = first; k < first + 500 && k <= n; k++)
                json_array_append_new(page, record(k));
            double a = now_ms();
            pacta_contract_store_apply_page(s2, page);
            held = MAX(held, now_ms() - a);
            json_decref(page);
            for (;;) {
                a = now_ms();
                gboolean did = g_main_context_iteration(NULL, FALSE);
                held = MAX(held, now_ms() - a);
                if (!did)
                    break;
            }
        }
        Timing t = wait_list(list, t_load, 0, pass == 1);
        printf("| %sload %d rows in pages of 500, sorted by title: all in the list, main thread "
               "held at most | %.0f ms, %.1f ms (%u rows) |\n",
               pass == 1 ? "on screen: " : "", n, t.list_ms, MAX(held, t.held_ms),
               g_list_model_get_n_items(G_LIST_MODEL(list)));
        if (win)
            gtk_window_destroy(GTK_WINDOW(win));
        while (g_main_context_iteration(NULL, FALSE))
            ;
        g_object_unref(list);
        g_object_unref(s2);
    }
    return 0;
}
