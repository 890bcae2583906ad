/*
 * pacta-desk: the list's state as a view (see pacta-list-state.h).
 */
#define G_LOG_DOMAIN "pacta-list-state"

#include "pacta-list-state.h"

#include <string.h>

#include "pacta-contract.h"

/* w->columns: their server sort keys (NULL: the server has none), the
 * field a synthetic row varies to test them, and its two values. */
static const struct {
    const char *key, *field, *low, *high;
} column_defs[PACTA_LIST_COLUMNS] = {
    {"number", "number", "\"A\"", "\"B\""},
    {"title", "title", "\"a\"", "\"b\""},
    {"counterparty", "counterparty", "\"a\"", "\"b\""},
    {"end_date", "end_date", "\"2026-01-01\"", "\"2026-01-02\""},
    {"amount", "amount_cents", "1", "2"},
    {NULL, "kind", "\"client\"", "\"supplier\""},
    {NULL, "status", "\"draft\"", "\"active\""},
    {NULL, "owner", "\"ana\"", "\"bob\""},
};

static const char *drop_down_value(GtkDropDown *d, const char *const *values, guint n)
{
    guint i = gtk_drop_down_get_selected(d);
    return i < n ? values[i] : NULL;
}

static void set(PactaContract *c, const char *field, const char *json)
{
    json_t *v = json_loads(json, JSON_DECODE_ANY, NULL);
    pacta_contract_set_field(c, field, v, NULL);
    json_decref(v);
}

/* Two rows that differ in column i's field only (and in column j's, the
 * other way round, when j >= 0), ordered low/high by column i's own sorter. */
static void synthetic_pair(const struct pacta_list_widgets *w, int i, int j, PactaContract **a,
                           PactaContract **b)
{
    GtkSorter *si = gtk_column_view_column_get_sorter(w->columns[i]);
    const char *lo = column_defs[i].low, *hi = column_defs[i].high;

    *a = pacta_contract_new();
    *b = pacta_contract_new();
    set(*a, column_defs[i].field, lo);
    set(*b, column_defs[i].field, hi);
    if (gtk_sorter_compare(si, *a, *b) == GTK_ORDERING_LARGER) {
        set(*a, column_defs[i].field, hi);
        set(*b, column_defs[i].field, lo);
    }
    if (j >= 0) {
        GtkSorter *sj = gtk_column_view_column_get_sorter(w->columns[j]);
        set(*a, column_defs[j].field, column_defs[j].high);
        set(*b, column_defs[j].field, column_defs[j].low);
        if (gtk_sorter_compare(sj, *a, *b) == GTK_ORDERING_SMALLER) {
            set(*a, column_defs[j].field, column_defs[j].low);
            set(*b, column_defs[j].field, column_defs[j].high);
        }
    }
}

/* How the view's sorter orders a pair that column i orders low < high
 * (and column j the other way): SMALLER, LARGER, or EQUAL when it does not
 * look at those columns. */
static GtkOrdering view_order(const struct pacta_list_widgets *w, int i, int j)
{
    PactaContract *a, *b;
    synthetic_pair(w, i, j, &a, &b);
    GtkOrdering o = gtk_sorter_compare(gtk_column_view_get_sorter(w->view), a, b);
    g_object_unref(a);
    g_object_unref(b);
    return o;
}

/* Whether the view's sorter looks at column i before column j (both in
 * its chain): a pair that differs in both is ordered the same whichever
 * way column j pulls only if column i decides. */
static gboolean looks_before(const struct pacta_list_widgets *w, int i, int j)
{
    PactaContract *a, *b;
    GtkSorter *view = gtk_column_view_get_sorter(w->view);
    synthetic_pair(w, i, j, &a, &b);
    GtkOrdering one = gtk_sorter_compare(view, a, b);
    json_t *ja = pacta_contract_get_field(a, column_defs[j].field);
    json_t *jb = pacta_contract_get_field(b, column_defs[j].field);
    pacta_contract_set_field(a, column_defs[j].field, jb, NULL);
    pacta_contract_set_field(b, column_defs[j].field, ja, NULL);
    GtkOrdering other = gtk_sorter_compare(view, a, b);
    json_decref(ja);
    json_decref(jb);
    g_object_unref(a);
    g_object_unref(b);
    return one == other;
}

/*
 * GTK 4.8 keeps the clicked columns in a private chain (the last clicked
 * first): the view's sorter is asked about rows that differ in one column
 * (is it in the chain, which way) and then in two (which one it looks at
 * first).
 */
/* keys has room for one per column (the window passes the model's limit) */
G_STATIC_ASSERT(PACTA_LIST_COLUMNS <= PACTA_LIST_MODEL_MAX_KEYS);

guint pacta_list_state_sort_chain(const struct pacta_list_widgets *w, PactaSortKey *keys)
{
    GtkOrdering dir[PACTA_LIST_COLUMNS];
    int member[PACTA_LIST_COLUMNS];
    guint rank[PACTA_LIST_COLUMNS] = {0}, n = 0;

    for (int i = 0; i < PACTA_LIST_COLUMNS; i++) {
        dir[i] = w->columns[i] && gtk_column_view_column_get_sorter(w->columns[i])
                     ? view_order(w, i, -1)
                     : GTK_ORDERING_EQUAL;
        if (dir[i] != GTK_ORDERING_EQUAL)
            member[n++] = i;
    }
    /* rank: how many members a member comes before; the first has n - 1 */
    for (guint x = 0; x < n; x++)
        for (guint y = 0; y < n; y++)
            if (x != y && looks_before(w, member[x], member[y]))
                rank[x]++;
    for (guint x = 0; x < n; x++) {
        guint k = n - 1 - MIN(rank[x], n - 1);
        keys[k].field = column_defs[member[x]].field;
        keys[k].descending = dir[member[x]] == GTK_ORDERING_LARGER;
    }
    return n;
}

/* The view's first sort column and its direction (-1 if it sorts by none). */
static int primary_column(const struct pacta_list_widgets *w, gboolean *desc)
{
    PactaSortKey keys[PACTA_LIST_COLUMNS];
    if (pacta_list_state_sort_chain(w, keys) == 0)
        return -1;
    *desc = keys[0].descending;
    for (int i = 0; i < PACTA_LIST_COLUMNS; i++)
        if (column_defs[i].field == keys[0].field)
            return i;
    return -1;
}

json_t *pacta_list_state_get(const struct pacta_list_widgets *w)
{
    json_t *filter = json_object();
    g_autofree char *text = g_strstrip(g_strdup(gtk_editable_get_text(w->search)));
    const char *v;
    const char *key = "number", *order = "asc";

    gboolean q = *text && w->fulltext && gtk_toggle_button_get_active(w->fulltext);
    if (*text)
        json_object_set_new(filter, q ? "q" : "text", json_string(text));
    if ((v = drop_down_value(w->status, w->status_values, w->n_status)))
        json_object_set_new(filter, "status", json_string(v));
    if ((v = drop_down_value(w->kind, w->kind_values, w->n_kind)))
        json_object_set_new(filter, "kind", json_string(v));
    if ((v = drop_down_value(w->lifecycle, w->lifecycle_values, w->n_lifecycle)))
        json_object_set_new(filter, "lifecycle", json_string(v));

    gboolean desc = FALSE;
    int primary = primary_column(w, &desc);
    if (primary >= 0 && column_defs[primary].key) {
        key = column_defs[primary].key;
        order = desc ? "desc" : "asc";
    } else if (q) {
        key = "relevance"; /* Full Text's own order */
    }
    return json_pack("{s:o, s:{s:s, s:s}}", "filter", filter, "sort", "key", key, "order", order);
}

static void select_value(GtkDropDown *d, const char *const *values, guint n, const char *value)
{
    guint pick = 0;
    for (guint i = 1; value && i < n; i++)
        if (g_strcmp0(values[i], value) == 0)
            pick = i;
    gtk_drop_down_set_selected(d, pick);
}

char *pacta_list_state_apply(const struct pacta_list_widgets *w, const json_t *view)
{
    static const char *const shown[] = {"text", "q", "status", "kind", "lifecycle"};
    const json_t *filter = json_object_get(view, "filter");
    const json_t *sort = json_object_get(view, "sort");
    const char *key = json_string_value(json_object_get(sort, "key"));
    gboolean desc = g_strcmp0(json_string_value(json_object_get(sort, "order")), "desc") == 0;
    GString *skipped = NULL;
    const char *member;
    json_t *value;

    /* `q` is the search with Full Text on (a view has one or the other
     * from the desk; a `q` wins over a `text` of another client's view,
     * which then counts as not shown) */
    const char *q = json_string_value(json_object_get(filter, "q"));
    const char *text = json_string_value(json_object_get(filter, "text"));
    if (w->fulltext)
        gtk_toggle_button_set_active(w->fulltext, q != NULL);
    gtk_editable_set_text(w->search, q ? q : text ? text : "");
    select_value(w->status, w->status_values, w->n_status,
                 json_string_value(json_object_get(filter, "status")));
    select_value(w->kind, w->kind_values, w->n_kind,
                 json_string_value(json_object_get(filter, "kind")));
    select_value(w->lifecycle, w->lifecycle_values, w->n_lifecycle,
                 json_string_value(json_object_get(filter, "lifecycle")));

    GtkColumnViewColumn *col = NULL;
    for (int c = 0; c < PACTA_LIST_COLUMNS && key; c++)
        if (g_strcmp0(column_defs[c].key, key) == 0)
            col = w->columns[c];
    if (col)
        gtk_column_view_sort_by_column(w->view, col,
                                       desc ? GTK_SORT_DESCENDING : GTK_SORT_ASCENDING);
    else
        gtk_column_view_sort_by_column(w->view, NULL, GTK_SORT_ASCENDING);
    if (key && !col && !(q && g_str_equal(key, "relevance")))
        skipped = g_string_new("sort by "), g_string_append(skipped, key);

    json_object_foreach((json_t *)filter, member, value)
    {
        gboolean ok = FALSE;
        for (guint i = 0; i < G_N_ELEMENTS(shown); i++)
            ok |= strcmp(shown[i], member) == 0;
        if (q && strcmp(member, "text") == 0)
            ok = FALSE; /* the search box holds the q */
        if (ok)
            continue;
        if (!skipped)
            skipped = g_string_new(member);
        else
            g_string_append_printf(skipped, ", %s", member);
    }
    return skipped ? g_string_free(skipped, FALSE) : NULL;
}
