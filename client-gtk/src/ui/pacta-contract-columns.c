/*
 * pacta-desk: contract list cells and sorters (see pacta-contract-columns.h).
 *
 * A cell connects to its contract's "notify" at bind and disconnects at
 * unbind: only visible rows have cells, so a burst of 10,000 events costs
 * signal emissions with no handlers for rows nobody sees.
 */
#define G_LOG_DOMAIN "pacta-window"

#include "pacta-contract-columns.h"

#include <string.h>

#include "pacta-contract.h"

typedef struct {
    PactaColumn which;
} ColumnSpec;

static const ColumnSpec specs[] = {
    {PACTA_COLUMN_NUMBER}, {PACTA_COLUMN_TITLE},  {PACTA_COLUMN_COUNTERPARTY},
    {PACTA_COLUMN_KIND},   {PACTA_COLUMN_STATUS}, {PACTA_COLUMN_END_DATE},
    {PACTA_COLUMN_AMOUNT}, {PACTA_COLUMN_OWNER},
};

static const char *capitalized(const char *value)
{
    static const struct {
        const char *v, *label;
    } t[] = {{"client", "Client"}, {"supplier", "Supplier"}, {"draft", "Draft"},
             {"active", "Active"}, {"expired", "Expired"},   {"terminated", "Terminated"}};
    for (size_t i = 0; i < G_N_ELEMENTS(t); i++)
        if (g_str_equal(t[i].v, value))
            return t[i].label;
    return value;
}

/* The main label of a cell: the cell itself, or the first child of the
 * title cell's box. */
static GtkLabel *main_label(GtkWidget *cell)
{
    if (GTK_IS_LABEL(cell))
        return GTK_LABEL(cell);
    return GTK_LABEL(gtk_widget_get_first_child(cell));
}

static void set_flash(GtkWidget *w, gboolean on)
{
    if (on)
        gtk_widget_add_css_class(w, "pacta-flash");
    else
        gtk_widget_remove_css_class(w, "pacta-flash");
}

/* Whether this column shows one of the fields the last change touched. */
static gboolean column_changed(PactaColumn which, const char *const *changed)
{
    static const char *const fields[] = {
        [PACTA_COLUMN_NUMBER] = "number",
        [PACTA_COLUMN_TITLE] = "title",
        [PACTA_COLUMN_COUNTERPARTY] = "counterparty",
        [PACTA_COLUMN_KIND] = "kind",
        [PACTA_COLUMN_STATUS] = "status",
        [PACTA_COLUMN_END_DATE] = "end_date",
        [PACTA_COLUMN_AMOUNT] = "amount_cents",
        [PACTA_COLUMN_OWNER] = "owner",
    };
    if (!changed || !changed[0])
        return TRUE; /* a created row: all of it is new */
    for (guint i = 0; changed[i]; i++) {
        if (g_str_equal(changed[i], fields[which]))
            return TRUE;
        if (which == PACTA_COLUMN_AMOUNT && g_str_equal(changed[i], "currency"))
            return TRUE;
    }
    return FALSE;
}

static void refresh(GtkListItem *item, PactaColumn which)
{
    PactaContract *c = gtk_list_item_get_item(item);
    GtkWidget *cell = gtk_list_item_get_child(item);
    if (!c || !cell)
        return;
    GtkLabel *label = main_label(cell);
    g_autofree char *amount = NULL;
    const char *text = "";

    switch (which) {
    case PACTA_COLUMN_NUMBER:
        text = pacta_contract_get_number(c);
        break;
    case PACTA_COLUMN_TITLE:
        text = pacta_contract_get_title(c);
        break;
    case PACTA_COLUMN_COUNTERPARTY:
        text = pacta_contract_get_counterparty(c);
        break;
    case PACTA_COLUMN_KIND:
        text = capitalized(pacta_contract_get_kind(c));
        break;
    case PACTA_COLUMN_STATUS: {
        const char *status = pacta_contract_get_status(c);
        text = capitalized(status);
        static const char *const classes[] = {"status-draft", "status-active", "status-expired",
                                              "status-terminated"};
        for (size_t i = 0; i < G_N_ELEMENTS(classes); i++)
            gtk_widget_remove_css_class(GTK_WIDGET(label), classes[i]);
        g_autofree char *cls = g_strdup_printf("status-%s", status);
        gtk_widget_add_css_class(GTK_WIDGET(label), cls);
        break;
    }
    case PACTA_COLUMN_END_DATE:
        text = pacta_contract_get_end_date(c) ? pacta_contract_get_end_date(c) : "—";
        break;
    case PACTA_COLUMN_AMOUNT:
        amount =
            pacta_format_amount(pacta_contract_get_amount_cents(c), pacta_contract_get_currency(c));
        text = amount;
        break;
    case PACTA_COLUMN_OWNER:
        text = pacta_contract_get_owner(c);
        break;
    }
    gtk_label_set_text(label, text);

    gboolean highlight = pacta_contract_get_highlight(c);
    const char *actor = pacta_contract_get_last_actor(c);
    gboolean flash = highlight && column_changed(which, pacta_contract_get_changed_fields(c));
    set_flash(GTK_WIDGET(label), flash);

    if (which == PACTA_COLUMN_TITLE) {
        GtkWidget *editing = gtk_widget_get_next_sibling(GTK_WIDGET(label));
        GtkWidget *changed = gtk_widget_get_next_sibling(editing);
        const char *etext = pacta_contract_get_editing_text(c);
        gtk_label_set_text(GTK_LABEL(editing), etext ? etext : "");
        gtk_widget_set_visible(editing, etext != NULL);
        gboolean show_actor = highlight && actor && *actor;
        g_autofree char *ctext = show_actor ? g_strdup_printf("changed by %s", actor) : NULL;
        gtk_label_set_text(GTK_LABEL(changed), ctext ? ctext : "");
        gtk_widget_set_visible(changed, show_actor);
    }
}

/*
 * A cell's tooltip is made when GTK asks for it: gtk_widget_set_tooltip_text()
 * on every bind made GTK 4.8 query the pointer position from the X server
 * (a round trip per cell), and a sort or a search that rebinds ~200 rows did
 * it ~1,600 times (bench/RESULTS.md, "off the main thread").
 */
static gboolean on_query_tooltip(GtkWidget *cell, int x, int y, gboolean keyboard,
                                 GtkTooltip *tooltip, gpointer user_data)
{
    (void)x;
    (void)y;
    (void)keyboard;
    PactaContract *c = gtk_list_item_get_item(GTK_LIST_ITEM(user_data));
    if (!c)
        return FALSE;
    const char *text = gtk_label_get_text(main_label(cell));
    const char *actor = pacta_contract_get_last_actor(c);
    if (pacta_contract_get_highlight(c) && actor && *actor) {
        g_autofree char *tip = g_strdup_printf("%s — just changed by %s", text, actor);
        gtk_tooltip_set_text(tooltip, tip);
    } else {
        gtk_tooltip_set_text(tooltip, text);
    }
    return TRUE;
}

static void on_notify(GObject *obj, GParamSpec *pspec, gpointer user_data)
{
    (void)obj;
    (void)pspec;
    GtkListItem *item = user_data;
    const ColumnSpec *spec = g_object_get_data(G_OBJECT(item), "spec");
    refresh(item, spec->which);
}

static GtkWidget *pill(const char *css)
{
    GtkWidget *l = gtk_label_new(NULL);
    gtk_widget_add_css_class(l, "pacta-pill");
    gtk_widget_add_css_class(l, css);
    gtk_widget_set_valign(l, GTK_ALIGN_CENTER);
    gtk_widget_set_visible(l, FALSE);
    return l;
}

static void cell_setup(GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
    (void)f;
    const ColumnSpec *spec = data;
    GtkWidget *label = gtk_label_new(NULL);
    gtk_label_set_ellipsize(GTK_LABEL(label), PANGO_ELLIPSIZE_END);
    gtk_label_set_xalign(GTK_LABEL(label), spec->which == PACTA_COLUMN_AMOUNT ? 1.0f : 0.0f);
    gtk_widget_add_css_class(label, "cell");
    g_object_set_data(G_OBJECT(item), "spec", (gpointer)spec);

    switch (spec->which) {
    case PACTA_COLUMN_TITLE: {
        GtkWidget *box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
        gtk_widget_set_has_tooltip(box, TRUE);
        g_signal_connect(box, "query-tooltip", G_CALLBACK(on_query_tooltip), item);
        gtk_widget_set_hexpand(label, TRUE);
        /* The pills must not squeeze the title to "F…". */
        gtk_label_set_width_chars(GTK_LABEL(label), 16);
        gtk_box_append(GTK_BOX(box), label);
        gtk_box_append(GTK_BOX(box), pill("pacta-presence"));
        gtk_box_append(GTK_BOX(box), pill("pacta-changed"));
        gtk_list_item_set_child(item, box);
        return;
    }
    case PACTA_COLUMN_STATUS:
        gtk_widget_add_css_class(label, "pacta-pill");
        gtk_widget_set_halign(label, GTK_ALIGN_START);
        break;
    case PACTA_COLUMN_AMOUNT:
        gtk_widget_add_css_class(label, "numeric");
        gtk_widget_add_css_class(label, "amount");
        break;
    case PACTA_COLUMN_NUMBER:
        gtk_widget_add_css_class(label, "heading");
        break;
    case PACTA_COLUMN_END_DATE:
        gtk_widget_add_css_class(label, "numeric");
        break;
    default:
        break;
    }
    gtk_widget_set_has_tooltip(label, TRUE);
    g_signal_connect(label, "query-tooltip", G_CALLBACK(on_query_tooltip), item);
    gtk_list_item_set_child(item, label);
}

static void cell_bind(GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
    (void)f;
    const ColumnSpec *spec = data;
    GObject *c = gtk_list_item_get_item(item);
    gulong id = g_signal_connect(c, "notify", G_CALLBACK(on_notify), item);
    g_object_set_data(G_OBJECT(item), "notify-id", GSIZE_TO_POINTER((gsize)id));
    refresh(item, spec->which);
}

static void cell_unbind(GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
    (void)f;
    (void)data;
    GObject *c = gtk_list_item_get_item(item);
    gulong id = GPOINTER_TO_SIZE(g_object_get_data(G_OBJECT(item), "notify-id"));
    if (c && id)
        g_signal_handler_disconnect(c, id);
    g_object_set_data(G_OBJECT(item), "notify-id", NULL);
}

/* ---- sorters ------------------------------------------------------------------ */

static int by_key(gconstpointer a, gconstpointer b, gpointer field)
{
    int c = strcmp(pacta_contract_get_sort_key((PactaContract *)a, field),
                   pacta_contract_get_sort_key((PactaContract *)b, field));
    return c < 0 ? GTK_ORDERING_SMALLER : c > 0 ? GTK_ORDERING_LARGER : GTK_ORDERING_EQUAL;
}

static int by_kind(gconstpointer a, gconstpointer b, gpointer unused)
{
    (void)unused;
    return gtk_ordering_from_cmpfunc(strcmp(pacta_contract_get_kind((PactaContract *)a),
                                            pacta_contract_get_kind((PactaContract *)b)));
}

static int by_status(gconstpointer a, gconstpointer b, gpointer unused)
{
    (void)unused;
    return gtk_ordering_from_cmpfunc(strcmp(pacta_contract_get_status((PactaContract *)a),
                                            pacta_contract_get_status((PactaContract *)b)));
}

static int by_amount(gconstpointer a, gconstpointer b, gpointer unused)
{
    (void)unused;
    gint64 x = pacta_contract_get_amount_cents((PactaContract *)a);
    gint64 y = pacta_contract_get_amount_cents((PactaContract *)b);
    return x < y ? GTK_ORDERING_SMALLER : x > y ? GTK_ORDERING_LARGER : GTK_ORDERING_EQUAL;
}

/*
 * (The items are the store's PactaContracts: plain casts, as a type-checked
 * cast per comparison was a seventh of a sort's time.)
 *
 * Custom sorters over the C getters: a sort of 100,000 rows compares ~1.7
 * million pairs, and GtkColumnView's sorter asks its column's sorter for
 * each pair; a property expression there meant GValues, string copies and
 * collation per comparison (seconds per click).  Texts compare by cached
 * collation keys (pacta_contract_get_sort_key).
 */
GtkSorter *pacta_contract_column_sorter(PactaColumn which)
{
    switch (which) {
    case PACTA_COLUMN_NUMBER:
        return GTK_SORTER(gtk_custom_sorter_new(by_key, (gpointer) "number", NULL));
    case PACTA_COLUMN_TITLE:
        return GTK_SORTER(gtk_custom_sorter_new(by_key, (gpointer) "title", NULL));
    case PACTA_COLUMN_COUNTERPARTY:
        return GTK_SORTER(gtk_custom_sorter_new(by_key, (gpointer) "counterparty", NULL));
    case PACTA_COLUMN_OWNER:
        return GTK_SORTER(gtk_custom_sorter_new(by_key, (gpointer) "owner", NULL));
    case PACTA_COLUMN_KIND:
        return GTK_SORTER(gtk_custom_sorter_new(by_kind, NULL, NULL));
    case PACTA_COLUMN_STATUS:
        return GTK_SORTER(gtk_custom_sorter_new(by_status, NULL, NULL));
    case PACTA_COLUMN_END_DATE:
        /* contracts without an end date first, as the empty text */
        return GTK_SORTER(gtk_custom_sorter_new(by_key, (gpointer) "end_date", NULL));
    case PACTA_COLUMN_AMOUNT:
        return GTK_SORTER(gtk_custom_sorter_new(by_amount, NULL, NULL));
    }
    g_return_val_if_reached(NULL);
}

void pacta_contract_column_setup(GtkColumnViewColumn *column, PactaColumn which)
{
    GtkListItemFactory *f = gtk_signal_list_item_factory_new();
    const ColumnSpec *spec = &specs[which];
    g_signal_connect(f, "setup", G_CALLBACK(cell_setup), (gpointer)spec);
    g_signal_connect(f, "bind", G_CALLBACK(cell_bind), (gpointer)spec);
    g_signal_connect(f, "unbind", G_CALLBACK(cell_unbind), (gpointer)spec);
    gtk_column_view_column_set_factory(column, f);
    g_object_unref(f);
    GtkSorter *sorter = pacta_contract_column_sorter(which);
    gtk_column_view_column_set_sorter(column, sorter);
    g_object_unref(sorter);
}
