/*
 * pacta-desk: PactaListModel, the list filtered and sorted in a worker
 * thread (GTest, no display).  Its rows are checked against an order
 * computed here, row by row, on the main thread: after a filter or sort,
 * after live changes (a changed row moves to its sorted place, a deleted
 * one disappears), with rows arriving while a search is computed, and with
 * an older request's result coming back after a newer one's.
 */
#include <string.h>

#include <pacta-core.h>

static const char *const titles[] = {"Catering services", "Cleaning",     "Câble repair",
                                     "Security guards",   "Zebra paint",  "Office rent",
                                     "catering (extra)",  "Legal advice", "IT support"};
static const char *const parties[] = {"ACME", "Ionescu și fiii", "Beta SRL", "Caterina Ltd",
                                      "Omega"};
static const char *const statuses[] = {"draft", "active", "expired", "terminated"};

/* A record of contract n (PROTOCOL.md §5), its fields spread by n. */
static json_t *rec(int n, json_int_t version, const char *title)
{
    char id[40], number[16], end[16];
    snprintf(id, sizeof id, "0193a5f2-7c1e-7b3a-9f00-%012d", n);
    snprintf(number, sizeof number, "C-%05d", n);
    snprintf(end, sizeof end, "2027-%02d-%02d", 1 + n % 12, 1 + n % 28);
    return json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:n, s:n, s:o, s:I, s:s, s:s, s:s, s:i, "
        "s:s, s:I, s:s, s:s, s:s, s:n, s:s}",
        "id", id, "number", number, "title", title ? title : titles[(n * 7) % G_N_ELEMENTS(titles)],
        "counterparty", parties[(n * 3) % G_N_ELEMENTS(parties)], "kind",
        n % 3 ? "client" : "supplier", "status", statuses[n % G_N_ELEMENTS(statuses)], "sign_date",
        "start_date", "end_date", n % 10 ? json_string(end) : json_null(), "amount_cents",
        (json_int_t)((n * 7919) % 100000), "currency", "EUR", "owner", n % 2 ? "ana" : "bob",
        "description", "", "notice_days", 30, "renewal", "none", "version", version, "created_at",
        "2026-01-10T09:15:00.000Z", "updated_at", "2026-11-22T14:02:03.123Z", "updated_by", "ana",
        "deleted_at", "lifecycle", "active");
}

/* Contracts first..last into the store as pages in list order. */
static void load(PactaContractStore *s, int first, int last)
{
    json_auto_t *page = json_array();
    for (int n = first; n <= last; n++)
        json_array_append_new(page, rec(n, 1, NULL));
    pacta_contract_store_apply_page(s, page);
}

/* ---- the reference: filter and order computed here ----------------------------- */

typedef struct {
    const char *search; /* folded */
    const char *status;
    PactaSortKey keys[4];
    guint n_keys;
} Ref;

static int ref_compare(gconstpointer pa, gconstpointer pb, gpointer data)
{
    const Ref *r = data;
    PactaContract *a = *(PactaContract *const *)pa, *b = *(PactaContract *const *)pb;
    for (guint k = 0; k < r->n_keys; k++) {
        const char *f = r->keys[k].field;
        int c;
        if (g_str_equal(f, "amount_cents")) {
            gint64 x = pacta_contract_get_amount_cents(a), y = pacta_contract_get_amount_cents(b);
            c = (x > y) - (x < y);
        } else if (g_str_equal(f, "status")) {
            c = strcmp(pacta_contract_get_status(a), pacta_contract_get_status(b));
        } else if (g_str_equal(f, "kind")) {
            c = strcmp(pacta_contract_get_kind(a), pacta_contract_get_kind(b));
        } else {
            c = strcmp(pacta_contract_get_sort_key(a, f), pacta_contract_get_sort_key(b, f));
        }
        if (c)
            return r->keys[k].descending ? -c : c;
    }
    int c = strcmp(pacta_contract_get_number(a), pacta_contract_get_number(b));
    return c ? c : strcmp(pacta_contract_get_id(a), pacta_contract_get_id(b));
}

/* Fails with the first position where the model differs from the reference. */
static void assert_rows(PactaListModel *m, PactaContractStore *s, const Ref *r)
{
    g_autoptr(GPtrArray) want = g_ptr_array_new();
    for (guint i = 0; i < g_list_model_get_n_items(G_LIST_MODEL(s)); i++) {
        PactaContract *c = g_list_model_get_item(G_LIST_MODEL(s), i);
        if ((!r->status || g_str_equal(pacta_contract_get_status(c), r->status)) &&
            (!r->search || pacta_contract_matches_search(c, r->search)))
            g_ptr_array_add(want, c);
        g_object_unref(c); /* the store keeps it */
    }
    g_ptr_array_sort_with_data(want, ref_compare, (gpointer)r);
    g_assert_cmpuint(g_list_model_get_n_items(G_LIST_MODEL(m)), ==, want->len);
    for (guint i = 0; i < want->len; i++) {
        g_autoptr(PactaContract) got = g_list_model_get_item(G_LIST_MODEL(m), i);
        if (got != want->pdata[i])
            g_error("row %u: %s, want %s", i, pacta_contract_get_number(got),
                    pacta_contract_get_number(want->pdata[i]));
    }
}

static gboolean timed_out(gpointer data)
{
    *(gboolean *)data = TRUE;
    return G_SOURCE_REMOVE;
}

static void wait_done(PactaListModel *m)
{
    gboolean expired = FALSE;
    guint id = g_timeout_add(20000, timed_out, &expired);
    while (pacta_list_model_get_pending(m) && !expired)
        g_main_context_iteration(NULL, TRUE);
    g_assert_false(expired);
    g_source_remove(id);
}

typedef struct {
    guint calls, pos, removed, added;
} Changes;

static void on_items_changed(GListModel *m, guint pos, guint removed, guint added, Changes *ch)
{
    (void)m;
    ch->calls++;
    ch->pos = pos;
    ch->removed = removed;
    ch->added = added;
}

/* ---- tests ----------------------------------------------------------------------- */

static void test_filter_and_sort(void)
{
    g_autoptr(PactaContractStore) s = pacta_contract_store_new(NULL);
    load(s, 1, 3000);
    g_autoptr(PactaListModel) m = pacta_list_model_new(s);
    g_assert_cmpuint(g_list_model_get_n_items(G_LIST_MODEL(m)), ==, 3000);
    g_assert_false(pacta_list_model_get_pending(m));

    g_autofree char *cat = pacta_search_fold("CATER");
    g_autofree char *cable = pacta_search_fold("cable");
    const Ref cases[] = {
        {cat, NULL, {{"title", FALSE}}, 1},
        {cat, "active", {{"title", FALSE}}, 1},
        {NULL, NULL, {{"counterparty", TRUE}, {"title", FALSE}}, 2},
        {NULL, NULL, {{"amount_cents", FALSE}}, 1},
        {NULL, "draft", {{"end_date", TRUE}}, 1},
        {cable, NULL, {{"status", FALSE}, {"kind", TRUE}, {"owner", FALSE}}, 3},
        {NULL, NULL, {{"number", TRUE}}, 1},
        {cat, NULL, {{0}}, 0},
        {NULL, NULL, {{0}}, 0},
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        const Ref *r = &cases[i];
        pacta_list_model_set_sort(m, r->keys, r->n_keys);
        pacta_list_model_set_filter(m, r->search, r->status, NULL, NULL);
        wait_done(m);
        assert_rows(m, s, r);
    }
    /* Accents and case: "cable" finds "Câble repair". */
    pacta_list_model_set_sort(m, NULL, 0);
    pacta_list_model_set_filter(m, cable, NULL, NULL, NULL);
    wait_done(m);
    g_assert_cmpuint(g_list_model_get_n_items(G_LIST_MODEL(m)), >, 0);
    g_autoptr(PactaContract) first = g_list_model_get_item(G_LIST_MODEL(m), 0);
    g_assert_cmpstr(pacta_contract_get_title(first), ==, "Câble repair");

    /* Typing on (a stricter search, same sort) keeps the order. */
    const PactaSortKey by_title[] = {{"title", TRUE}};
    pacta_list_model_set_sort(m, by_title, 1);
    g_autofree char *c = pacta_search_fold("c");
    g_autofree char *ca = pacta_search_fold("ca");
    pacta_list_model_set_filter(m, c, NULL, NULL, NULL);
    wait_done(m);
    pacta_list_model_set_filter(m, ca, NULL, NULL, NULL);
    wait_done(m);
    assert_rows(m, s, &(Ref){ca, NULL, {{"title", TRUE}}, 1});
}

/* Live changes with a sort and a search on: in place, moved, in, out. */
static void test_live_changes(void)
{
    g_autoptr(PactaContractStore) s = pacta_contract_store_new(NULL);
    load(s, 1, 500);
    g_autoptr(PactaListModel) m = pacta_list_model_new(s);
    const PactaSortKey keys[] = {{"title", FALSE}};
    Ref r = {NULL, NULL, {{"title", FALSE}}, 1};
    pacta_list_model_set_sort(m, keys, 1);
    wait_done(m);
    assert_rows(m, s, &r);
    Changes ch = {0};
    g_signal_connect(m, "items-changed", G_CALLBACK(on_items_changed), &ch);

    /* A change that keeps the row's place: no items-changed at all. */
    json_auto_t *same = rec(10, 2, NULL);
    json_object_set_new(same, "amount_cents", json_integer(1));
    g_assert_true(pacta_contract_store_apply_record(s, same, "bob", NULL, TRUE));
    g_assert_cmpuint(ch.calls, ==, 0);

    /* Renamed: the same object moves to its sorted place in one change,
     * the rows between shifting by one. */
    PactaContract *row =
        pacta_contract_store_lookup(s, json_string_value(json_object_get(same, "id")));
    json_auto_t *renamed = rec(10, 3, "Aardvark supplies");
    g_assert_true(pacta_contract_store_apply_record(s, renamed, "bob", NULL, TRUE));
    g_assert_cmpuint(ch.calls, ==, 1);
    g_assert_cmpuint(ch.pos, ==, 0);
    g_assert_cmpuint(ch.removed, ==, ch.added);
    g_autoptr(PactaContract) top = g_list_model_get_item(G_LIST_MODEL(m), 0);
    g_assert_true(top == row);
    assert_rows(m, s, &r);

    /* With a search on: a row renamed to match comes in, one renamed not
     * to goes, a deleted one disappears, a created one is inserted. */
    g_autofree char *zebra = pacta_search_fold("zebra");
    r.search = zebra;
    pacta_list_model_set_filter(m, zebra, NULL, NULL, NULL);
    wait_done(m);
    assert_rows(m, s, &r);
    guint shown = g_list_model_get_n_items(G_LIST_MODEL(m));
    json_auto_t *in = rec(11, 2, "Zebra crossing");
    g_assert_true(pacta_contract_store_apply_record(s, in, "bob", NULL, TRUE));
    g_assert_cmpuint(g_list_model_get_n_items(G_LIST_MODEL(m)), ==, shown + 1);
    assert_rows(m, s, &r);
    g_autoptr(PactaContract) z = g_list_model_get_item(G_LIST_MODEL(m), 0);
    json_auto_t *out = pacta_contract_to_json(z);
    json_object_set_new(out, "version", json_integer(pacta_contract_get_version(z) + 1));
    json_object_set_new(out, "title", json_string("Plain paint"));
    g_assert_true(pacta_contract_store_apply_record(s, out, "bob", NULL, TRUE));
    g_assert_cmpuint(g_list_model_get_n_items(G_LIST_MODEL(m)), ==, shown);
    assert_rows(m, s, &r);
    g_autoptr(PactaContract) victim = g_list_model_get_item(G_LIST_MODEL(m), 0);
    json_auto_t *del = pacta_contract_to_json(victim);
    json_object_set_new(del, "version", json_integer(pacta_contract_get_version(victim) + 1));
    json_object_set_new(del, "deleted_at", json_string("2026-11-22T14:07:00.000Z"));
    g_assert_true(pacta_contract_store_apply_record(s, del, "ana", NULL, TRUE));
    g_assert_cmpuint(g_list_model_get_n_items(G_LIST_MODEL(m)), ==, shown - 1);
    assert_rows(m, s, &r);
    json_auto_t *created = rec(9000, 1, "Zebra zoo");
    g_assert_true(pacta_contract_store_apply_record(s, created, "ana", NULL, TRUE));
    g_assert_cmpuint(g_list_model_get_n_items(G_LIST_MODEL(m)), ==, shown);
    assert_rows(m, s, &r);

    /* Our own save (applied without an event) is re-placed too. */
    json_auto_t *own = rec(9000, 2, "Abacus zebra");
    g_assert_true(pacta_contract_store_apply_record(s, own, NULL, NULL, FALSE));
    assert_rows(m, s, &r);
    g_autoptr(PactaContract) now_first = g_list_model_get_item(G_LIST_MODEL(m), 0);
    g_assert_cmpstr(pacta_contract_get_title(now_first), ==, "Abacus zebra");

    /* A reload empties the list. */
    pacta_contract_store_reload(s);
    g_assert_cmpuint(g_list_model_get_n_items(G_LIST_MODEL(m)), ==, 0);
}

/* A search computed while pages of rows arrive and rows change: the
 * result has every row that matches, in order (few rows arrive: set right
 * with the result; many: a follow-up computation). */
static void search_while_rows_arrive(int arriving)
{
    g_autoptr(PactaContractStore) s = pacta_contract_store_new(NULL);
    load(s, 1, 2000);
    g_autoptr(PactaListModel) m = pacta_list_model_new(s);
    g_autofree char *cat = pacta_search_fold("cater");
    const PactaSortKey keys[] = {{"counterparty", FALSE}, {"title", TRUE}};
    Ref r = {cat, NULL, {{"counterparty", FALSE}, {"title", TRUE}}, 2};

    pacta_list_model_test_gate(m, TRUE, 0); /* the worker waits */
    pacta_list_model_set_sort(m, keys, 2);
    pacta_list_model_set_filter(m, cat, NULL, NULL, NULL);
    g_assert_true(pacta_list_model_get_pending(m));
    for (int first = 2001; first <= 2000 + arriving; first += 100)
        load(s, first, MIN(first + 99, 2000 + arriving));
    /* and a row changes, one is deleted, meanwhile */
    json_auto_t *ch = rec(5, 2, "Catering at the zoo");
    g_assert_true(pacta_contract_store_apply_record(s, ch, "bob", NULL, TRUE));
    json_auto_t *del = rec(7, 2, NULL);
    json_object_set_new(del, "deleted_at", json_string("2026-11-22T14:07:00.000Z"));
    g_assert_true(pacta_contract_store_apply_record(s, del, "bob", NULL, TRUE));
    pacta_list_model_test_gate(m, FALSE, 0);
    wait_done(m);
    assert_rows(m, s, &r);
}

static void test_search_while_rows_arrive(void)
{
    search_while_rows_arrive(100);
    search_while_rows_arrive(3000);
}

/* The newer request's result is put in; the older one's, coming back
 * after it, never replaces it. */
static void test_stale_result(void)
{
    g_autoptr(PactaContractStore) s = pacta_contract_store_new(NULL);
    load(s, 1, 2000);
    g_autoptr(PactaListModel) m = pacta_list_model_new(s);
    g_autofree char *older = pacta_search_fold("security");
    g_autofree char *newer = pacta_search_fold("zebra");
    const PactaSortKey keys[] = {{"amount_cents", TRUE}};
    pacta_list_model_set_sort(m, keys, 1);
    wait_done(m);

    pacta_list_model_test_gate(m, TRUE, 0);
    pacta_list_model_set_filter(m, older, NULL, NULL, NULL);
    guint gen_older = pacta_list_model_get_generation(m);
    pacta_list_model_set_filter(m, newer, NULL, NULL, NULL);
    guint gen_newer = pacta_list_model_get_generation(m);
    g_assert_cmpuint(gen_newer, >, gen_older);
    Changes ch = {0};
    g_signal_connect(m, "items-changed", G_CALLBACK(on_items_changed), &ch);

    /* the newer computation finishes first */
    pacta_list_model_test_gate(m, TRUE, gen_newer);
    gboolean expired = FALSE;
    guint id = g_timeout_add(20000, timed_out, &expired);
    while (ch.calls == 0 && !expired)
        g_main_context_iteration(NULL, TRUE);
    g_assert_false(expired);
    g_source_remove(id);
    Ref want = {newer, NULL, {{"amount_cents", TRUE}}, 1};
    assert_rows(m, s, &want);
    /* the newest is in: no longer "updating", though the older one runs */
    g_assert_false(pacta_list_model_get_pending(m));
    g_assert_cmpuint(pacta_list_model_test_running(m), ==, 1);
    /* then the older one is let go: nothing changes */
    guint calls = ch.calls;
    pacta_list_model_test_gate(m, FALSE, 0);
    id = g_timeout_add(20000, timed_out, &expired);
    while (pacta_list_model_test_running(m) > 0 && !expired)
        g_main_context_iteration(NULL, TRUE);
    g_assert_false(expired);
    g_source_remove(id);
    g_assert_false(pacta_list_model_get_pending(m));
    g_assert_cmpuint(ch.calls, ==, calls);
    assert_rows(m, s, &want);
}

static gboolean rows_are(PactaListModel *m, guint n)
{
    gboolean expired = FALSE;
    guint id = g_timeout_add(20000, timed_out, &expired);
    while (g_list_model_get_n_items(G_LIST_MODEL(m)) != n && !expired)
        g_main_context_iteration(NULL, TRUE);
    if (!expired)
        g_source_remove(id);
    return !expired;
}

/* Pages arriving in a sorted list (a reload with a sort on) come in by a
 * computation, also when only an older request's computation is running
 * (its result is never put in). */
static void test_pages_while_sorted(void)
{
    g_autoptr(PactaContractStore) s = pacta_contract_store_new(NULL);
    load(s, 1, 1000);
    g_autoptr(PactaListModel) m = pacta_list_model_new(s);
    const PactaSortKey by_title[] = {{"title", FALSE}};
    const PactaSortKey by_party[] = {{"counterparty", TRUE}};
    pacta_list_model_set_sort(m, by_title, 1);
    wait_done(m);
    for (int first = 1001; first <= 3000; first += 500)
        load(s, first, first + 499);
    wait_done(m);
    assert_rows(m, s, &(Ref){NULL, NULL, {{"title", FALSE}}, 1});

    pacta_list_model_test_gate(m, TRUE, 0);
    const PactaSortKey by_title_desc[] = {{"title", TRUE}};
    pacta_list_model_set_sort(m, by_title_desc, 1);
    pacta_list_model_set_sort(m, by_party, 1); /* the older one is held */
    pacta_list_model_test_gate(m, TRUE, pacta_list_model_get_generation(m));
    g_assert_true(rows_are(m, 3000));
    Ref r = {NULL, NULL, {{"counterparty", TRUE}}, 1};
    gboolean expired = FALSE;
    guint id = g_timeout_add(20000, timed_out, &expired);
    while (!expired) { /* the newer result applied (the older is still held) */
        g_autoptr(PactaContract) c0 = g_list_model_get_item(G_LIST_MODEL(m), 0);
        if (g_str_equal(pacta_contract_get_counterparty(c0), "Omega"))
            break;
        g_main_context_iteration(NULL, TRUE);
    }
    g_assert_false(expired);
    g_source_remove(id);
    load(s, 3001, 3100);
    g_assert_true(rows_are(m, 3100));
    assert_rows(m, s, &r);
    pacta_list_model_test_gate(m, FALSE, 0);
    wait_done(m);
    assert_rows(m, s, &r);
}

/* ---- the last reference, let go by a computation --------------------------------------- */

static GThread *finalized_in;

static void on_finalized(gpointer data, GObject *gone)
{
    (void)data;
    (void)gone;
    g_atomic_pointer_set(&finalized_in, g_thread_self());
}

static gboolean tick(gpointer data)
{
    (void)data;
    return G_SOURCE_CONTINUE; /* wakes the main loop, whoever let the model go */
}

/*
 * The window closed (its reference let go) while a sort is computed: the
 * computation's is the last reference, and the model (its store's signal
 * handlers, the rows it holds) must be let go on the main thread, where the
 * store's signals come from, never in the worker thread that ran it.  A race
 * (the worker's last hold on its GTask against job_done on the main thread),
 * so it is tried many times (it went wrong once in 10 to 200 tries).
 */
static void test_last_unref_on_main_thread(void)
{
    g_autoptr(PactaContractStore) s = pacta_contract_store_new(NULL);
    load(s, 1, 3);
    const PactaSortKey keys[] = {{"title", FALSE}};
    guint ticker = g_timeout_add(1, tick, NULL);
    for (int round = 0; round < 1500; round++) {
        PactaListModel *m = pacta_list_model_new(s);
        g_atomic_pointer_set(&finalized_in, NULL);
        g_object_weak_ref(G_OBJECT(m), on_finalized, NULL);
        pacta_list_model_set_sort(m, keys, 1);
        g_assert_true(pacta_list_model_get_pending(m));
        g_object_unref(m);
        gint64 end = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
        while (!g_atomic_pointer_get(&finalized_in) && g_get_monotonic_time() < end)
            g_main_context_iteration(NULL, TRUE);
        g_assert_nonnull(g_atomic_pointer_get(&finalized_in));
        if (g_atomic_pointer_get(&finalized_in) != g_thread_self())
            g_error("round %d: the model was finalized in a worker thread", round);
    }
    g_source_remove(ticker);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/list/filter-and-sort", test_filter_and_sort);
    g_test_add_func("/list/live-changes", test_live_changes);
    g_test_add_func("/list/search-while-rows-arrive", test_search_while_rows_arrive);
    g_test_add_func("/list/stale-result", test_stale_result);
    g_test_add_func("/list/pages-while-sorted", test_pages_while_sorted);
    g_test_add_func("/list/last-unref-on-main-thread", test_last_unref_on_main_thread);
    return g_test_run();
}
