/*
 * pacta-desk: PactaDashboardPage (see pacta-dashboard-page.h).
 */
#define G_LOG_DOMAIN "pacta-dashboard"

#include "pacta-dashboard-page.h"

#include <string.h>

#include "pacta-contract.h"

struct _PactaDashboardPage {
    GtkBox parent_instance;

    GtkStack *stack;
    AdwStatusPage *error_page;
    GtkLabel *as_of_label, *total_value, *active_value, *expiring_value, *notice_value,
        *notice_caption;
    GtkDrawingArea *chart;
    GtkListBox *lifecycle_list, *value_list, *recent_list;

    PactaConnection *connection;
    GCancellable *cancellable; /* the pending dashboard.watch {on: true} */
    gboolean watching;         /* asked for live figures on this connection */
    gboolean have;
    struct pacta_dashboard figures;
    guint updates;
};

G_DEFINE_FINAL_TYPE(PactaDashboardPage, pacta_dashboard_page, GTK_TYPE_BOX)

/* ---- formatting ---------------------------------------------------------------- */

/* "123456789" minor units of a 2-digit currency -> "1,234,567.89". */
static char *format_digits(const char *digits, int decimals)
{
    GString *padded = g_string_new(digits);
    while ((int)padded->len <= decimals)
        g_string_prepend_c(padded, '0');
    GString *s = g_string_new(NULL);
    size_t whole = padded->len - (size_t)decimals;
    for (size_t i = 0; i < whole; i++) {
        if (i > 0 && (whole - i) % 3 == 0)
            g_string_append_c(s, ',');
        g_string_append_c(s, padded->str[i]);
    }
    if (decimals > 0)
        g_string_append_printf(s, ".%s", padded->str + whole);
    g_string_free(padded, TRUE);
    return g_string_free(s, FALSE);
}

static void clear_list(GtkListBox *list)
{
    GtkWidget *child;
    while ((child = gtk_widget_get_first_child(GTK_WIDGET(list))) != NULL)
        gtk_list_box_remove(list, child);
}

static GtkWidget *count_row(const char *title, const char *subtitle, const char *value)
{
    GtkWidget *row = adw_action_row_new();
    g_autofree char *t = g_markup_escape_text(title, -1);
    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), t);
    if (subtitle) {
        g_autofree char *st = g_markup_escape_text(subtitle, -1);
        adw_action_row_set_subtitle(ADW_ACTION_ROW(row), st);
    }
    GtkWidget *label = gtk_label_new(value);
    gtk_widget_add_css_class(label, "numeric");
    adw_action_row_add_suffix(ADW_ACTION_ROW(row), label);
    return row;
}

static void set_count(GtkLabel *label, int64_t n)
{
    g_autofree char *text = g_strdup_printf("%" G_GINT64_FORMAT, n);
    gtk_label_set_text(label, text);
}

/* ---- the figures on screen ---------------------------------------------------------- */

static const char *const lifecycle_titles[PACTA_DASH_LIFECYCLE__COUNT] = {
    "Upcoming", "Active", "Expiring", "Expired", "Terminated", "Unknown"};
static const char *const lifecycle_hints[PACTA_DASH_LIFECYCLE__COUNT] = {
    "Not started yet",
    "Running",
    NULL, /* filled with the window */
    "Ended, or past the end date",
    "Terminated early",
    "No end date"};

static void show_lifecycle(PactaDashboardPage *self)
{
    clear_list(self->lifecycle_list);
    for (int i = 0; i < PACTA_DASH_LIFECYCLE__COUNT; i++) {
        g_autofree char *n = g_strdup_printf("%" G_GINT64_FORMAT, self->figures.by_lifecycle[i]);
        g_autofree char *hint =
            i == PACTA_DASH_LC_EXPIRING
                ? g_strdup_printf("Ending within %d days", self->figures.window_days)
                : g_strdup(lifecycle_hints[i]);
        gtk_list_box_append(self->lifecycle_list, count_row(lifecycle_titles[i], hint, n));
    }
}

static void show_values(PactaDashboardPage *self)
{
    clear_list(self->value_list);
    for (size_t i = 0; i < self->figures.n_values; i++) {
        const struct pacta_dashboard_value *v = &self->figures.values[i];
        g_autofree char *amount =
            format_digits(v->amount_cents, pacta_currency_digits(v->currency));
        g_autofree char *value = g_strdup_printf("%s %s", amount, v->currency);
        g_autofree char *sub =
            g_strdup_printf(g_dngettext(NULL, "%" G_GINT64_FORMAT " contract",
                                        "%" G_GINT64_FORMAT " contracts", (gulong)v->contracts),
                            v->contracts);
        gtk_list_box_append(self->value_list, count_row(v->currency, sub, value));
    }
    if (self->figures.n_values == 0)
        gtk_list_box_append(self->value_list, count_row("No active contracts", NULL, ""));
}

static const char *change_verb(const char *event)
{
    static const struct {
        const char *event, *verb;
    } verbs[] = {{"contract.created", "Created"}, {"contract.updated", "Edited"},
                 {"contract.deleted", "Deleted"}, {"contract.expired", "Expired"},
                 {"contract.renewed", "Renewed"}, {"server.reset", "Data restored"}};
    for (size_t i = 0; i < G_N_ELEMENTS(verbs); i++)
        if (g_str_equal(event, verbs[i].event))
            return verbs[i].verb;
    return event;
}

static void show_recent(PactaDashboardPage *self)
{
    clear_list(self->recent_list);
    for (size_t i = 0; i < self->figures.n_recent; i++) {
        const struct pacta_dashboard_change *c = &self->figures.recent[i];
        g_autofree char *when = pacta_format_timestamp(c->at);
        g_autofree char *title =
            c->number[0] ? g_strdup_printf("%s · %s", c->number, c->title) : g_strdup("");
        g_autofree char *sub =
            g_strdup_printf("%s by %s, %s", change_verb(c->event), c->actor, when ? when : c->at);
        GtkWidget *row = count_row(title[0] ? title : change_verb(c->event), sub, "");
        if (c->contract_id[0] && strcmp(c->event, "contract.deleted") != 0) {
            gtk_list_box_row_set_activatable(GTK_LIST_BOX_ROW(row), TRUE);
            gtk_actionable_set_action_name(GTK_ACTIONABLE(row), "app.open-contract");
            gtk_actionable_set_action_target(GTK_ACTIONABLE(row), "s", c->contract_id);
            adw_action_row_add_suffix(ADW_ACTION_ROW(row),
                                      gtk_image_new_from_icon_name("go-next-symbolic"));
        }
        gtk_list_box_append(self->recent_list, row);
    }
    if (self->figures.n_recent == 0)
        gtk_list_box_append(self->recent_list, count_row("No changes yet", NULL, ""));
}

static void show_figures(PactaDashboardPage *self)
{
    const struct pacta_dashboard *d = &self->figures;
    g_autofree char *as_of =
        g_strdup_printf("Figures of %s, as of change %" G_GINT64_FORMAT "%s", d->today,
                        d->as_of_seq, self->watching ? " · updated live" : "");
    gtk_label_set_text(self->as_of_label, as_of);
    set_count(self->total_value, d->total);
    set_count(self->active_value, d->by_status[PACTA_DASH_ACTIVE]);
    set_count(self->expiring_value, d->expiring[0]);
    set_count(self->notice_value, d->notice_due);
    g_autofree char *notice =
        d->notice_passed > 0
            ? g_strdup_printf("Notice due within %d days, %" G_GINT64_FORMAT " passed",
                              PACTA_DASHBOARD_NOTICE_DAYS, d->notice_passed)
            : g_strdup_printf("Notice due within %d days", PACTA_DASHBOARD_NOTICE_DAYS);
    gtk_label_set_text(self->notice_caption, notice);
    show_lifecycle(self);
    show_values(self);
    show_recent(self);
    g_autofree char *described = g_strdup_printf(
        "Draft %" G_GINT64_FORMAT ", active %" G_GINT64_FORMAT ", expired %" G_GINT64_FORMAT
        ", terminated %" G_GINT64_FORMAT "; ending within 30, 60 and 90 days: %" G_GINT64_FORMAT
        ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT,
        d->by_status[0], d->by_status[1], d->by_status[2], d->by_status[3], d->expiring[0],
        d->expiring[1], d->expiring[2]);
    gtk_accessible_update_property(GTK_ACCESSIBLE(self->chart), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                   described, -1);
    gtk_widget_queue_draw(GTK_WIDGET(self->chart));
    gtk_stack_set_visible_child_name(self->stack, "figures");
}

/* Figures from an answer or an event: kept if newer than what is shown. */
static void apply(PactaDashboardPage *self, const json_t *j)
{
    struct pacta_dashboard d;
    struct pacta_error err = {0};
    if (pacta_dashboard_from_json(j, &d, &err) != 0) {
        g_warning("dashboard figures do not decode: %s: %s", err.field, err.message);
        pacta_dashboard_clear(&d);
        return;
    }
    if (self->have && !pacta_dashboard_newer(&self->figures, &d)) {
        pacta_dashboard_clear(&d);
        return;
    }
    pacta_dashboard_clear(&self->figures);
    self->figures = d;
    self->have = TRUE;
    self->updates++;
    show_figures(self);
}

/* ---- the chart --------------------------------------------------------------------- */

static void rgb(cairo_t *cr, guint32 hex, double alpha)
{
    cairo_set_source_rgba(cr, ((hex >> 16) & 0xff) / 255.0, ((hex >> 8) & 0xff) / 255.0,
                          (hex & 0xff) / 255.0, alpha);
}

static void text_at(GtkWidget *w, cairo_t *cr, const GdkRGBA *fg, const char *text, double cx,
                    double y, gboolean bold)
{
    PangoLayout *layout = gtk_widget_create_pango_layout(w, NULL);
    if (bold) {
        g_autofree char *m = g_markup_printf_escaped("<b>%s</b>", text);
        pango_layout_set_markup(layout, m, -1);
    } else {
        pango_layout_set_text(layout, text, -1);
    }
    int tw, th;
    pango_layout_get_pixel_size(layout, &tw, &th);
    gdk_cairo_set_source_rgba(cr, fg);
    cairo_move_to(cr, cx - tw / 2.0, y);
    pango_cairo_show_layout(cr, layout);
    g_object_unref(layout);
}

static void rounded_bar(cairo_t *cr, double x, double y, double w, double h)
{
    double r = MIN(4.0, MIN(w / 2, h));
    cairo_new_sub_path(cr);
    cairo_arc(cr, x + w - r, y + r, r, -G_PI / 2, 0);
    cairo_line_to(cr, x + w, y + h);
    cairo_line_to(cr, x, y + h);
    cairo_arc(cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
    cairo_close_path(cr);
    cairo_fill(cr);
}

/* One group of bars in [x0, x0 + width), scaled to its own largest value. */
static void draw_group(GtkWidget *w, cairo_t *cr, const GdkRGBA *fg, const char *title,
                       const int64_t *values, const char *const *labels, const guint32 *colors,
                       int n, double x0, double width, double height)
{
    const double top = 26, label_h = 22, value_h = 18;
    double plot_h = height - top - label_h - value_h;
    int64_t max = 1;
    for (int i = 0; i < n; i++)
        max = MAX(max, values[i]);
    text_at(w, cr, fg, title, x0 + width / 2, 0, TRUE);
    double slot = width / n, bar_w = MIN(56.0, slot * 0.6);
    double base = top + value_h + plot_h;
    GdkRGBA axis = *fg;
    axis.alpha = 0.25;
    gdk_cairo_set_source_rgba(cr, &axis);
    cairo_rectangle(cr, x0, base, width, 1);
    cairo_fill(cr);
    for (int i = 0; i < n; i++) {
        double cx = x0 + slot * (i + 0.5);
        double h = plot_h * (double)values[i] / (double)max;
        if (values[i] > 0 && h < 2)
            h = 2;
        rgb(cr, colors[i], 0.9);
        rounded_bar(cr, cx - bar_w / 2, base - h, bar_w, h);
        char num[24];
        g_snprintf(num, sizeof num, "%" G_GINT64_FORMAT, values[i]);
        text_at(w, cr, fg, num, cx, base - h - value_h, FALSE);
        text_at(w, cr, fg, labels[i], cx, base + 4, FALSE);
    }
}

static void draw_chart(GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
    PactaDashboardPage *self = data;
    GtkWidget *w = GTK_WIDGET(area);
    static const char *const status_labels[] = {"Draft", "Active", "Expired", "Terminated"};
    static const guint32 status_colors[] = {0x9a9996, 0x2ec27e, 0xe5a50a, 0xe01b24};
    static const char *const window_labels[] = {"30 days", "60 days", "90 days"};
    static const guint32 window_colors[] = {0x1c71d8, 0x3584e4, 0x99c1f1};
    GdkRGBA fg;
    if (!self->have)
        return;
    gtk_style_context_get_color(gtk_widget_get_style_context(w), &fg);
    double gap = 32, left = (width - gap) * 0.58;
    draw_group(w, cr, &fg, "By status", self->figures.by_status, status_labels, status_colors,
               PACTA_DASH_STATUS__COUNT, 0, left, height);
    GdkRGBA rule = fg;
    rule.alpha = 0.15;
    gdk_cairo_set_source_rgba(cr, &rule);
    cairo_rectangle(cr, left + gap / 2, 8, 1, height - 16);
    cairo_fill(cr);
    draw_group(w, cr, &fg, "Active, ending within", self->figures.expiring, window_labels,
               window_colors, PACTA_DASHBOARD_WINDOWS, left + gap, width - left - gap, height);
}

/* ---- watching ------------------------------------------------------------------------- */

static void watch_done(GObject *source, GAsyncResult *res, gpointer data)
{
    g_autoptr(GError) error = NULL;
    json_t *result = pacta_connection_request_finish(PACTA_CONNECTION(source), res, NULL, &error);
    if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
        json_decref(result);
        return; /* the page is gone or hidden: data may be freed */
    }
    PactaDashboardPage *self = data;
    if (!result) {
        self->watching = FALSE;
        adw_status_page_set_description(self->error_page, error ? error->message : NULL);
        if (!self->have)
            gtk_stack_set_visible_child_name(self->stack, "error");
        return;
    }
    apply(self, result);
    json_decref(result);
}

static void start_watching(PactaDashboardPage *self)
{
    if (!self->connection || self->watching ||
        pacta_connection_get_state(self->connection) != PACTA_CONNECTION_CONNECTED)
        return;
    g_cancellable_cancel(self->cancellable);
    g_clear_object(&self->cancellable);
    self->cancellable = g_cancellable_new();
    self->watching = TRUE;
    json_t *args = json_pack("{s:b}", "on", 1);
    pacta_connection_request_async(self->connection, "dashboard.watch", args, self->cancellable,
                                   watch_done, self);
    json_decref(args);
    if (!self->have)
        gtk_stack_set_visible_child_name(self->stack, "loading");
}

static void unwatch_done(GObject *source, GAsyncResult *res, gpointer data)
{
    (void)data;
    json_decref(pacta_connection_request_finish(PACTA_CONNECTION(source), res, NULL, NULL));
}

static void stop_watching(PactaDashboardPage *self)
{
    g_cancellable_cancel(self->cancellable);
    g_clear_object(&self->cancellable);
    if (!self->watching)
        return;
    self->watching = FALSE;
    if (self->connection &&
        pacta_connection_get_state(self->connection) == PACTA_CONNECTION_CONNECTED) {
        json_t *args = json_pack("{s:b}", "on", 0);
        pacta_connection_request_async(self->connection, "dashboard.watch", args, NULL,
                                       unwatch_done, NULL);
        json_decref(args);
    }
}

static void on_event(PactaConnection *connection, const char *name, gint64 seq, gpointer data,
                     gpointer user_data)
{
    PactaDashboardPage *self = user_data;
    (void)connection;
    (void)seq;
    if (self->watching && g_str_equal(name, PACTA_EV_DASHBOARD_UPDATED))
        apply(self, data);
}

/* A new connection (first login or reconnect) knows nothing of our watch.
 * Not resumed: the desk starts over (a login, or a server whose log is not
 * the one followed, §9), and the figures held are of other data: their
 * as_of_seq may be above any the server has, so none would replace them. */
static void on_subscribed(PactaConnection *connection, gint64 head, gboolean resumed,
                          gpointer user_data)
{
    PactaDashboardPage *self = user_data;
    (void)connection;
    (void)head;
    if (!resumed) {
        pacta_dashboard_clear(&self->figures);
        self->have = FALSE;
    }
    self->watching = FALSE;
    if (gtk_widget_get_mapped(GTK_WIDGET(self)))
        start_watching(self);
}

static void on_state(PactaDashboardPage *self)
{
    if (pacta_connection_get_state(self->connection) != PACTA_CONNECTION_CONNECTED)
        self->watching = FALSE;
}

static void on_map(GtkWidget *w)
{
    PactaDashboardPage *self = PACTA_DASHBOARD_PAGE(w);
    GTK_WIDGET_CLASS(pacta_dashboard_page_parent_class)->map(w);
    start_watching(self);
}

static void on_unmap(GtkWidget *w)
{
    stop_watching(PACTA_DASHBOARD_PAGE(w));
    GTK_WIDGET_CLASS(pacta_dashboard_page_parent_class)->unmap(w);
}

/* ---- public ------------------------------------------------------------------------------ */

void pacta_dashboard_page_set_connection(PactaDashboardPage *self, PactaConnection *connection)
{
    if (self->connection) {
        stop_watching(self);
        g_signal_handlers_disconnect_by_data(self->connection, self);
        g_clear_object(&self->connection);
    }
    if (!connection)
        return;
    self->connection = g_object_ref(connection);
    g_signal_connect(connection, "event", G_CALLBACK(on_event), self);
    g_signal_connect(connection, "subscribed", G_CALLBACK(on_subscribed), self);
    g_signal_connect_swapped(connection, "notify::state", G_CALLBACK(on_state), self);
    if (gtk_widget_get_mapped(GTK_WIDGET(self)))
        start_watching(self);
}

const struct pacta_dashboard *pacta_dashboard_page_get_figures(PactaDashboardPage *self)
{
    return self->have ? &self->figures : NULL;
}

guint pacta_dashboard_page_get_updates(PactaDashboardPage *self)
{
    return self->updates;
}

gboolean pacta_dashboard_page_is_watching(PactaDashboardPage *self)
{
    return self->watching;
}

const char *pacta_dashboard_page_get_card_text(PactaDashboardPage *self, PactaDashboardCard card)
{
    GtkLabel *labels[] = {self->total_value, self->active_value, self->expiring_value,
                          self->notice_value};
    return (guint)card < G_N_ELEMENTS(labels) ? gtk_label_get_text(labels[card]) : NULL;
}

GtkWidget *pacta_dashboard_page_get_chart(PactaDashboardPage *self)
{
    return GTK_WIDGET(self->chart);
}

/* ---- GObject ---------------------------------------------------------------------------- */

static void pacta_dashboard_page_dispose(GObject *object)
{
    PactaDashboardPage *self = PACTA_DASHBOARD_PAGE(object);
    pacta_dashboard_page_set_connection(self, NULL);
    g_cancellable_cancel(self->cancellable);
    g_clear_object(&self->cancellable);
    pacta_dashboard_clear(&self->figures);
    self->have = FALSE;
    gtk_widget_dispose_template(GTK_WIDGET(self), PACTA_TYPE_DASHBOARD_PAGE);
    G_OBJECT_CLASS(pacta_dashboard_page_parent_class)->dispose(object);
}

static void pacta_dashboard_page_class_init(PactaDashboardPageClass *klass)
{
    GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
    G_OBJECT_CLASS(klass)->dispose = pacta_dashboard_page_dispose;
    wc->map = on_map;
    wc->unmap = on_unmap;
    gtk_widget_class_set_template_from_resource(wc, "/org/pacta/Desk/pacta-dashboard-page.ui");
#define BIND(name) gtk_widget_class_bind_template_child(wc, PactaDashboardPage, name)
    BIND(stack);
    BIND(error_page);
    BIND(as_of_label);
    BIND(total_value);
    BIND(active_value);
    BIND(expiring_value);
    BIND(notice_value);
    BIND(notice_caption);
    BIND(chart);
    BIND(lifecycle_list);
    BIND(value_list);
    BIND(recent_list);
#undef BIND
}

static void pacta_dashboard_page_init(PactaDashboardPage *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    gtk_drawing_area_set_draw_func(self->chart, draw_chart, self, NULL);
    gtk_stack_set_visible_child_name(self->stack, "loading");
}
