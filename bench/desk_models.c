/*
 * desk_models: the desk's list models with N contracts and no server, no
 * window: how long sorting by a column and filtering by a search take, and
 * what each contract costs in memory.  The cost of GTK's models and the
 * desk's own code, without Xvfb's drawing (bench/desk_100k.sh measures the
 * whole application).
 *
 * Usage: xvfb-run bench/desk_models [N]   (default 100000)
 * The same PactaContractStore, column sorters and search filter as
 * pacta-desk; the models are not incremental here, so each figure is one
 * whole sort or refilter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gtk/gtk.h>
#include <malloc.h>

#include "desk_records.h"
#include "pacta-contract-columns.h"
#include "pacta-contract-store.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

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

static const char *search_text;

static gboolean search_filter(gpointer item, gpointer data)
{
    (void)data;
    /* the words are lowercase ASCII: already as pacta_search_fold gives them */
    return !search_text || pacta_contract_matches_search(item, search_text);
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
        PactaColumn col;
        const char *name;
    } cols[] = {{PACTA_COLUMN_TITLE, "title"},
                {PACTA_COLUMN_COUNTERPARTY, "counterparty"},
                {PACTA_COLUMN_END_DATE, "end date"},
                {PACTA_COLUMN_AMOUNT, "amount"},
                {PACTA_COLUMN_NUMBER, "number"}};
    /* As the window sorts: a click on a column header sets the column
     * view's sorter, which asks the column's sorter about each pair. */
    GtkColumnView *view = GTK_COLUMN_VIEW(g_object_ref_sink(gtk_column_view_new(NULL)));
    GtkColumnViewColumn *column_of[PACTA_COLUMN_OWNER + 1];
    for (int c = 0; c <= PACTA_COLUMN_OWNER; c++) {
        column_of[c] = gtk_column_view_column_new("", NULL);
        pacta_contract_column_setup(column_of[c], (PactaColumn)c);
        gtk_column_view_append_column(view, column_of[c]);
    }
    GtkSortListModel *sorted = gtk_sort_list_model_new(
        g_object_ref(G_LIST_MODEL(store)), g_object_ref(gtk_column_view_get_sorter(view)));
    for (size_t i = 0; i < G_N_ELEMENTS(cols); i++) {
        t0 = now_ms();
        gtk_column_view_sort_by_column(view, column_of[cols[i].col], GTK_SORT_ASCENDING);
        (void)g_list_model_get_n_items(G_LIST_MODEL(sorted));
        double first_ms = now_ms() - t0;
        t0 = now_ms();
        gtk_column_view_sort_by_column(view, column_of[cols[i].col], GTK_SORT_DESCENDING);
        double again_ms = now_ms() - t0;
        printf("| sort by %s: ascending / descending | %.0f / %.0f ms |\n", cols[i].name, first_ms,
               again_ms);
    }
    gtk_column_view_sort_by_column(view, NULL, GTK_SORT_ASCENDING);
    for (int c = 0; c <= PACTA_COLUMN_OWNER; c++)
        g_object_unref(column_of[c]);

    /* The same sorts with the list on screen: a column view in a window,
     * drawn after each sort (the time includes GTK's list widget reacting
     * to a change of all rows, and one frame). */
    if (getenv("DESK_MODELS_WINDOW")) {
        GtkWidget *win = gtk_window_new();
        gtk_window_set_default_size(GTK_WINDOW(win), 1400, 900);
        GtkColumnView *shown = GTK_COLUMN_VIEW(gtk_column_view_new(NULL));
        GtkColumnViewColumn *col_of[PACTA_COLUMN_OWNER + 1];
        for (int c = 0; c <= PACTA_COLUMN_OWNER; c++) {
            col_of[c] = gtk_column_view_column_new("col", NULL);
            pacta_contract_column_setup(col_of[c], (PactaColumn)c);
            gtk_column_view_append_column(shown, col_of[c]);
        }
        GtkSortListModel *model = gtk_sort_list_model_new(
            g_object_ref(G_LIST_MODEL(store)), g_object_ref(gtk_column_view_get_sorter(shown)));
        gtk_column_view_set_model(shown,
                                  GTK_SELECTION_MODEL(gtk_no_selection_new(G_LIST_MODEL(model))));
        GtkWidget *scroller = gtk_scrolled_window_new();
        gtk_scrolled_window_set_child(GTK_SCROLLED_WINDOW(scroller), GTK_WIDGET(shown));
        gtk_window_set_child(GTK_WINDOW(win), scroller);
        gtk_window_present(GTK_WINDOW(win));
        for (int k = 0; k < 200; k++)
            g_main_context_iteration(NULL, FALSE);
        g_usleep(500000);
        while (g_main_context_iteration(NULL, FALSE))
            ;
        for (size_t i = 0; i < G_N_ELEMENTS(cols); i++) {
            t0 = now_ms();
            gtk_column_view_sort_by_column(shown, col_of[cols[i].col], GTK_SORT_ASCENDING);
            double sort_ms = now_ms() - t0;
            while (g_main_context_iteration(NULL, FALSE))
                ;
            printf("| on screen: sort by %s, sorted / drawn | %.0f / %.0f ms |\n", cols[i].name,
                   sort_ms, now_ms() - t0);
        }
        gtk_window_destroy(GTK_WINDOW(win));
    }

    GtkCustomFilter *filter = gtk_custom_filter_new(search_filter, NULL, NULL);
    GtkFilterListModel *filtered =
        gtk_filter_list_model_new(g_object_ref(G_LIST_MODEL(store)), GTK_FILTER(filter));
    static const char *const words[] = {"c", "ca", "cat", "cate", "catering", "zzz", NULL};
    for (int i = 0; words[i]; i++) {
        search_text = words[i];
        t0 = now_ms();
        gtk_filter_changed(GTK_FILTER(filter), GTK_FILTER_CHANGE_DIFFERENT);
        guint shown = g_list_model_get_n_items(G_LIST_MODEL(filtered));
        printf("| search \"%s\": refilter all rows | %.0f ms (%u rows) |\n", words[i],
               now_ms() - t0, shown);
    }
    /* typing on / deleting, as the window tells the filter; a sort model
     * on top, as in the window */
    GtkSortListModel *on_top = gtk_sort_list_model_new(
        g_object_ref(G_LIST_MODEL(filtered)), pacta_contract_column_sorter(PACTA_COLUMN_TITLE));
    static const struct {
        const char *text;
        GtkFilterChange change;
    } typing[] = {{"c", GTK_FILTER_CHANGE_DIFFERENT},     {"ca", GTK_FILTER_CHANGE_MORE_STRICT},
                  {"cat", GTK_FILTER_CHANGE_MORE_STRICT}, {"ca", GTK_FILTER_CHANGE_LESS_STRICT},
                  {"c", GTK_FILTER_CHANGE_LESS_STRICT},   {NULL, GTK_FILTER_CHANGE_LESS_STRICT}};
    for (size_t i = 0; i < G_N_ELEMENTS(typing); i++) {
        search_text = typing[i].text;
        t0 = now_ms();
        gtk_filter_changed(GTK_FILTER(filter), typing[i].change);
        guint shown = g_list_model_get_n_items(G_LIST_MODEL(filtered));
        guint sorted_rows = g_list_model_get_n_items(G_LIST_MODEL(on_top));
        if (sorted_rows != shown)
            printf("sort model on top has %u rows, the filter model %u\n", sorted_rows, shown);
        printf("| search \"%s\" (%s) | %.0f ms (%u rows) |\n", typing[i].text ? typing[i].text : "",
               typing[i].change == GTK_FILTER_CHANGE_MORE_STRICT   ? "typed on"
               : typing[i].change == GTK_FILTER_CHANGE_LESS_STRICT ? "deleted"
                                                                   : "new",
               now_ms() - t0, shown);
    }
    g_object_unref(on_top);
    g_object_unref(filtered);
    g_object_unref(sorted);
    g_object_unref(view);
    g_object_unref(store);
    return 0;
}
