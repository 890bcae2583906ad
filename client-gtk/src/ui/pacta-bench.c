/*
 * pacta-desk: PACTA_DESK_BENCH self-measurement (see pacta-bench.h and
 * bench/desk_100k.sh).
 *
 * Everything is driven from the column view's tick callback, one step per
 * frame, so the measurement itself adds one small callback per frame and
 * never blocks.  Two clocks are watched in every phase:
 *   - frame intervals: wall time between consecutive tick callbacks (a
 *     frame that took long to lay out or draw shows up here);
 *   - main-loop gaps: wall time between consecutive runs of a 16 ms
 *     g_timeout (anything that holds the loop, drawing or not).
 */
#define G_LOG_DOMAIN "pacta-bench"

#include "pacta-bench.h"

#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "pacta-list-model.h"
#include "pacta-window.h"

#define LIVE_ROUNDS 20
#define SCROLL_PAGE_FRAMES 300
#define SCROLL_JUMP_FRAMES 200
#define PHASE_TIMEOUT_US (120 * G_USEC_PER_SEC)

typedef enum {
    PH_WAIT, /* the window is not set up yet */
    PH_LOAD,
    PH_SCROLL_PAGE,
    PH_SCROLL_JUMP,
    PH_LIVE,
    PH_SEARCH,
    PH_LIVE_FILTERED,
    PH_CLEAR,
    PH_SORT,
    PH_DONE,
    N_PHASES
} Phase;

static const char *const phase_names[N_PHASES] = {"wait", "load",   "scroll_page",   "scroll_jump",
                                                  "live", "search", "live_filtered", "clear_search",
                                                  "sort", "done"};

/* Search keystrokes, as typed one after another; the last stays on for
 * the filtered live updates. */
static const char *const search_texts[] = {"c", "ca", "cat", "cate", "cater", "catering"};

typedef struct {
    PactaApplication *app;
    PactaWindow *win;
    GtkColumnView *view;
    GtkAdjustment *vadj;
    PactaContractStore *store;
    PactaListModel *list; /* the window's filtered + sorted rows */

    Phase phase;
    GArray *frames[N_PHASES]; /* double ms */
    GArray *gaps[N_PHASES];   /* double ms */
    gint64 last_frame, last_probe, t_attach, t_window, t_phase;
    guint step, rows_max_scroll;

    double rss_window_mb, rss_loaded_mb, rss_end_mb, heap_loaded_mb;
    gint64 load_from_window_us, load_from_start_us;
    guint n_contracts, rows_loaded, cells_loaded, widgets_loaded;

    /* one live update or search keystroke in flight */
    gboolean waiting;
    gint64 t_sent, t_applied, t_changed;
    char *live_title;
    PactaContract *live_contract;
    gulong live_handler;
    GArray *live_applied[2], *live_shown[2]; /* [filtered] */
    GString *search_json;
    gint64 sort_us;
    gboolean failed;
} Bench;

static double ms(gint64 us)
{
    return us / 1000.0;
}

static double rss_mb(void)
{
    g_autofree char *status = NULL;
    if (!g_file_get_contents("/proc/self/status", &status, NULL, NULL))
        return -1;
    const char *p = strstr(status, "VmRSS:");
    return p ? g_ascii_strtod(p + 6, NULL) / 1024.0 : -1;
}

static void set_phase(Bench *b, Phase phase)
{
    b->phase = phase;
    b->step = 0;
    b->waiting = FALSE;
    b->t_phase = g_get_monotonic_time();
}

/* ---- widget counts ------------------------------------------------------- */

typedef struct {
    guint rows, cells, widgets;
} Counts;

static void count_widgets(GtkWidget *w, Counts *c)
{
    const char *type = G_OBJECT_TYPE_NAME(w);
    c->widgets++;
    /* GTK 4.8's private row and cell types. */
    if (g_str_equal(type, "GtkListItemWidget"))
        c->rows++;
    else if (g_str_equal(type, "GtkColumnViewCell"))
        c->cells++;
    for (GtkWidget *child = gtk_widget_get_first_child(w); child;
         child = gtk_widget_get_next_sibling(child))
        count_widgets(child, c);
}

static GtkLabel *find_label(GtkWidget *w, const char *text)
{
    if (GTK_IS_LABEL(w) && gtk_widget_get_mapped(w) &&
        g_str_equal(gtk_label_get_text(GTK_LABEL(w)), text))
        return GTK_LABEL(w);
    for (GtkWidget *child = gtk_widget_get_first_child(w); child;
         child = gtk_widget_get_next_sibling(child)) {
        GtkLabel *l = find_label(child, text);
        if (l)
            return l;
    }
    return NULL;
}

/* ---- live updates ---------------------------------------------------------- */

static void on_live_title(Bench *b)
{
    if (!b->t_applied)
        b->t_applied = g_get_monotonic_time();
}

static void on_update_done(GObject *source, GAsyncResult *res, gpointer data)
{
    Bench *b = data;
    g_autoptr(GError) error = NULL;
    json_t *r = pacta_connection_request_finish(PACTA_CONNECTION(source), res, NULL, &error);
    if (!r) {
        g_printerr("pacta-bench: contracts.update failed: %s\n", error->message);
        b->failed = TRUE;
        return;
    }
    json_decref(r);
}

static void live_send(Bench *b, gboolean filtered)
{
    GListModel *m = G_LIST_MODEL(b->list);
    g_autoptr(PactaContract) c = g_list_model_get_item(m, 0);
    if (!c) {
        b->failed = TRUE;
        return;
    }
    g_free(b->live_title);
    /* Filtered: the new title still matches "catering". */
    b->live_title = g_strdup_printf("%s bench %u", filtered ? "Catering" : "Live", b->step);
    b->live_contract = g_object_ref(c);
    b->live_handler = g_signal_connect_swapped(c, "notify::title", G_CALLBACK(on_live_title), b);
    json_t *args = json_pack("{s:s, s:I, s:{s:s}, s:s}", "id", pacta_contract_get_id(c), "version",
                             (json_int_t)pacta_contract_get_version(c), "changes", "title",
                             b->live_title, "reason", "pacta-desk bench");
    b->t_applied = 0;
    b->t_sent = g_get_monotonic_time();
    b->waiting = TRUE;
    PactaConnection *conn = pacta_application_get_connection(b->app);
    pacta_connection_request_async(conn, "contracts.update", args, NULL, on_update_done, b);
    json_decref(args);
}

/* One step of a live-update phase; returns TRUE when the phase is over. */
static gboolean live_step(Bench *b, gboolean filtered)
{
    if (!b->waiting) {
        if (b->step >= LIVE_ROUNDS)
            return TRUE;
        live_send(b, filtered);
        return FALSE;
    }
    /* Shown: the bound cell's label has the new text at the start of a
     * frame, so this frame draws it. */
    if (!b->t_applied || !find_label(GTK_WIDGET(b->view), b->live_title))
        return FALSE;
    gint64 now = g_get_monotonic_time();
    double applied = ms(b->t_applied - b->t_sent), shown = ms(now - b->t_sent);
    g_array_append_val(b->live_applied[filtered], applied);
    g_array_append_val(b->live_shown[filtered], shown);
    g_signal_handler_disconnect(b->live_contract, b->live_handler);
    g_clear_object(&b->live_contract);
    b->waiting = FALSE;
    b->step++;
    return FALSE;
}

/* ---- search --------------------------------------------------------------- */

static void on_search_changed(Bench *b)
{
    if (b->waiting && !b->t_changed)
        b->t_changed = g_get_monotonic_time();
}

/* Types `text` into the search entry (as if replacing its text), then
 * waits until the filter has gone over every row. Returns TRUE when done. */
static gboolean search_step(Bench *b, const char *text)
{
    GtkEditable *entry = pacta_window_get_search_entry(b->win);
    if (!b->waiting) {
        b->waiting = TRUE;
        b->t_changed = 0;
        b->t_sent = g_get_monotonic_time();
        /* A keystroke adds to the text; set_text() would empty the entry
         * first, and GtkSearchEntry announces an empty text at once */
        const char *old = gtk_editable_get_text(entry);
        size_t n = strlen(old);
        if (*text && strncmp(text, old, n) == 0) {
            int pos = (int)g_utf8_strlen(old, -1);
            gtk_editable_insert_text(entry, text + n, -1, &pos);
        } else {
            gtk_editable_set_text(entry, text);
        }
        return FALSE;
    }
    if (!b->t_changed || pacta_list_model_get_pending(b->list))
        return FALSE;
    gint64 now = g_get_monotonic_time();
    g_string_append_printf(b->search_json,
                           "%s{\"text\":\"%s\",\"search_delay_ms\":%.1f,\"filter_ms\":%.1f,"
                           "\"keystroke_to_list_ms\":%.1f,\"shown\":%u}",
                           b->search_json->len > 1 ? "," : "", text, ms(b->t_changed - b->t_sent),
                           ms(now - b->t_changed), ms(now - b->t_sent),
                           g_list_model_get_n_items(G_LIST_MODEL(b->list)));
    b->waiting = FALSE;
    return TRUE;
}

/* ---- output ---------------------------------------------------------------- */

static int cmp_double(gconstpointer a, gconstpointer b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void print_dist(GString *out, const char *name, GArray *a)
{
    g_array_sort(a, cmp_double);
    guint n = a->len;
    double p50 = n ? g_array_index(a, double, n / 2) : 0;
    double p99 = n ? g_array_index(a, double, (guint)((n - 1) * 0.99 + 0.5)) : 0;
    double max = n ? g_array_index(a, double, n - 1) : 0;
    g_string_append_printf(out, "\"%s\":{\"n\":%u,\"p50\":%.1f,\"p99\":%.1f,\"max\":%.1f}", name, n,
                           p50, p99, max);
}

static void finish(Bench *b)
{
    b->rss_end_mb = rss_mb();
    GString *o = g_string_new("{");
    g_string_append_printf(o,
                           "\"ok\":%s,\"contracts\":%u,\"load_from_window_ms\":%.0f,"
                           "\"load_from_start_ms\":%.0f,\"rss_window_mb\":%.1f,"
                           "\"rss_loaded_mb\":%.1f,\"rss_end_mb\":%.1f,\"heap_loaded_mb\":%.1f,"
                           "\"row_widgets\":%u,\"cell_widgets\":%u,\"widgets_in_view\":%u,"
                           "\"row_widgets_max_scroll\":%u,\"sort_by_title_ms\":%.0f,",
                           b->failed ? "false" : "true", b->n_contracts, ms(b->load_from_window_us),
                           ms(b->load_from_start_us), b->rss_window_mb, b->rss_loaded_mb,
                           b->rss_end_mb, b->heap_loaded_mb, b->rows_loaded, b->cells_loaded,
                           b->widgets_loaded, b->rows_max_scroll, ms(b->sort_us));
    for (int f = 0; f < 2; f++) {
        g_string_append_printf(o, "\"live%s\":{", f ? "_filtered" : "");
        print_dist(o, "event_applied_ms", b->live_applied[f]);
        g_string_append_c(o, ',');
        print_dist(o, "row_shown_ms", b->live_shown[f]);
        g_string_append(o, "},");
    }
    g_string_append_printf(o, "\"search\":%s],\"phases\":{", b->search_json->str);
    for (Phase p = PH_LOAD; p < PH_DONE; p++) {
        g_string_append_printf(o, "%s\"%s\":{", p > PH_LOAD ? "," : "", phase_names[p]);
        print_dist(o, "frame_interval_ms", b->frames[p]);
        g_string_append_c(o, ',');
        print_dist(o, "loop_gap_ms", b->gaps[p]);
        g_string_append_c(o, '}');
    }
    g_string_append(o, "}}\n");
    fputs(o->str, stdout);
    fflush(stdout);
    g_string_free(o, TRUE);
    g_application_quit(G_APPLICATION(b->app));
}

/* ---- the phases -------------------------------------------------------------- */

static void loaded(Bench *b)
{
    gint64 now = g_get_monotonic_time();
    b->load_from_window_us = now - b->t_window;
    b->load_from_start_us = now - b->t_attach;
    b->n_contracts = g_list_model_get_n_items(G_LIST_MODEL(b->store));
    b->rss_loaded_mb = rss_mb();
    struct mallinfo2 mi = mallinfo2();
    b->heap_loaded_mb = (double)mi.uordblks / (1024.0 * 1024.0);
    Counts c = {0};
    count_widgets(GTK_WIDGET(b->view), &c);
    b->rows_loaded = c.rows;
    b->cells_loaded = c.cells;
    b->widgets_loaded = c.widgets;
}

static void step(Bench *b)
{
    double upper = gtk_adjustment_get_upper(b->vadj), page = gtk_adjustment_get_page_size(b->vadj);
    switch (b->phase) {
    case PH_WAIT:
    case PH_DONE:
    case N_PHASES:
        return;
    case PH_LOAD:
        if (pacta_contract_store_get_loaded(b->store) &&
            g_list_model_get_n_items(G_LIST_MODEL(b->list)) ==
                g_list_model_get_n_items(G_LIST_MODEL(b->store)) &&
            !pacta_list_model_get_pending(b->list)) {
            loaded(b);
            set_phase(b, PH_SCROLL_PAGE);
        }
        return;
    case PH_SCROLL_PAGE:
    case PH_SCROLL_JUMP: {
        Counts c = {0};
        count_widgets(GTK_WIDGET(b->view), &c);
        b->rows_max_scroll = MAX(b->rows_max_scroll, c.rows);
        gboolean paging = b->phase == PH_SCROLL_PAGE;
        if (b->step >= (paging ? SCROLL_PAGE_FRAMES : SCROLL_JUMP_FRAMES)) {
            gtk_adjustment_set_value(b->vadj, 0);
            set_phase(b, paging ? PH_SCROLL_JUMP : PH_LIVE);
            return;
        }
        /* Paging: one screenful per frame, a fast flick.  Jumping: spread
         * over the whole list, as dragging the scrollbar does. */
        double v = paging ? gtk_adjustment_get_value(b->vadj) + page
                          : (upper - page) * ((b->step * 7919u) % 1000u) / 1000.0;
        gtk_adjustment_set_value(b->vadj, v);
        b->step++;
        return;
    }
    case PH_LIVE:
    case PH_LIVE_FILTERED: {
        gboolean filtered = b->phase == PH_LIVE_FILTERED;
        if (live_step(b, filtered))
            set_phase(b, filtered ? PH_CLEAR : PH_SEARCH);
        return;
    }
    case PH_SEARCH:
        if (search_step(b, search_texts[b->step]) && ++b->step == G_N_ELEMENTS(search_texts)) {
            gtk_adjustment_set_value(b->vadj, 0);
            set_phase(b, PH_LIVE_FILTERED);
        }
        return;
    case PH_CLEAR:
        if (search_step(b, ""))
            set_phase(b, PH_SORT);
        return;
    case PH_SORT:
        if (!b->waiting) {
            GListModel *cols = gtk_column_view_get_columns(b->view);
            g_autoptr(GtkColumnViewColumn) title = g_list_model_get_item(cols, 1);
            b->waiting = TRUE;
            b->t_sent = g_get_monotonic_time();
            gtk_column_view_sort_by_column(b->view, title, GTK_SORT_DESCENDING);
            return;
        }
        if (pacta_list_model_get_pending(b->list))
            return;
        b->sort_us = g_get_monotonic_time() - b->t_sent;
        set_phase(b, PH_DONE);
        finish(b);
        return;
    }
}

static gboolean on_tick(GtkWidget *w, GdkFrameClock *clock, gpointer data)
{
    (void)w;
    (void)clock;
    Bench *b = data;
    gint64 now = g_get_monotonic_time();
    if (b->last_frame && b->phase > PH_WAIT) {
        double d = ms(now - b->last_frame);
        g_array_append_val(b->frames[b->phase], d);
    }
    b->last_frame = now;
    if (b->phase != PH_DONE && now - b->t_phase > PHASE_TIMEOUT_US) {
        g_printerr("pacta-bench: phase %s timed out\n", phase_names[b->phase]);
        b->failed = TRUE;
    }
    if (b->failed && b->phase != PH_DONE) {
        set_phase(b, PH_DONE);
        finish(b);
    }
    step(b);
    return b->phase == PH_DONE ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static gboolean on_probe(gpointer data)
{
    Bench *b = data;
    gint64 now = g_get_monotonic_time();
    if (b->last_probe && b->phase > PH_WAIT) {
        double d = ms(now - b->last_probe);
        g_array_append_val(b->gaps[b->phase], d);
    }
    b->last_probe = now;
    return b->phase == PH_DONE ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

/* pacta_window_new has returned by now: its models and store exist. */
static gboolean setup_window(gpointer data)
{
    Bench *b = data;
    b->view = pacta_window_get_column_view(b->win);
    b->vadj = gtk_scrollable_get_vadjustment(GTK_SCROLLABLE(b->view));
    b->store = pacta_application_get_store(b->app);
    b->list = PACTA_LIST_MODEL(pacta_window_get_visible_model(b->win));
    g_signal_connect_swapped(pacta_window_get_search_entry(b->win), "search-changed",
                             G_CALLBACK(on_search_changed), b);
    set_phase(b, PH_LOAD);
    gtk_widget_add_tick_callback(GTK_WIDGET(b->view), on_tick, b, NULL);
    g_timeout_add(16, on_probe, b);
    return G_SOURCE_REMOVE;
}

static void on_window_added(GtkApplication *app, GtkWindow *window, gpointer data)
{
    Bench *b = data;
    (void)app;
    if (b->win || !PACTA_IS_WINDOW(window))
        return;
    b->win = PACTA_WINDOW(window);
    b->t_window = g_get_monotonic_time();
    b->rss_window_mb = rss_mb();
    g_idle_add_full(G_PRIORITY_HIGH, setup_window, b, NULL);
}

void pacta_bench_attach(PactaApplication *app)
{
    if (!g_getenv("PACTA_DESK_BENCH"))
        return;
    /* Lives until the process exits: the bench ends by quitting. */
    Bench *b = g_new0(Bench, 1);
    b->app = app;
    b->t_attach = g_get_monotonic_time();
    for (int p = 0; p < N_PHASES; p++) {
        b->frames[p] = g_array_new(FALSE, FALSE, sizeof(double));
        b->gaps[p] = g_array_new(FALSE, FALSE, sizeof(double));
    }
    for (int f = 0; f < 2; f++) {
        b->live_applied[f] = g_array_new(FALSE, FALSE, sizeof(double));
        b->live_shown[f] = g_array_new(FALSE, FALSE, sizeof(double));
    }
    b->search_json = g_string_new("[");
    g_signal_connect(app, "window-added", G_CALLBACK(on_window_added), b);
}
