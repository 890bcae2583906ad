/*
 * pacta-desk: PactaListModel; see pacta-list-model.h.
 *
 * Three arrays of rows: `mirror` is the store's rows in its order (our own
 * references: the store may drop a row before it announces that), `view`
 * is what the model shows (borrowed from mirror), and a Job's `rows` is a
 * snapshot that its worker only uses as identities.  While a job runs,
 * every row the store adds, changes or removes is put in its `dirty` (with
 * a reference), so its result can leave those rows out and set them right
 * on the main thread; a row of a snapshot that is not dirty is still in the
 * store, unchanged.
 */
#define G_LOG_DOMAIN "pacta-list"

#include "pacta-list-model.h"

#include <string.h>

#include "pacta-list-job.h"

typedef PactaListSpec Spec;
typedef PactaListJob Job;

/* Above this many rows changed during a computation, its result is put in
 * without them and a follow-up computation brings them. */
#define DIRTY_MAX 256
/* Above this many rows added or removed at once, they are merged in one
 * pass and one items-changed. */
#define BATCH_MIN 16

struct _PactaListModel {
    GObject parent_instance;
    PactaContractStore *store;
    GPtrArray *mirror; /* PactaContract, owned, the store's order */
    GPtrArray *view;   /* PactaContract, borrowed from mirror */
    Spec want;         /* asked for last */
    Spec shown;        /* what view is ordered and filtered by */
    guint gen;         /* requests made */
    GPtrArray *jobs;   /* Job, not finished (job_done disposes of them) */
    gboolean pending;
    GCancellable *cancel;
    GMutex gate_lock;
    GCond gate_cond;
    gboolean gate_closed;
    guint gate_open;
};

enum { PROP_0, PROP_PENDING, N_PROPS };
static GParamSpec *props[N_PROPS];

static void list_model_iface_init(GListModelInterface *iface);
G_DEFINE_FINAL_TYPE_WITH_CODE(PactaListModel, pacta_list_model, G_TYPE_OBJECT,
                              G_IMPLEMENT_INTERFACE(G_TYPE_LIST_MODEL, list_model_iface_init))

static GType get_item_type(GListModel *model)
{
    (void)model;
    return PACTA_TYPE_CONTRACT;
}

static guint get_n_items(GListModel *model)
{
    return PACTA_LIST_MODEL(model)->view->len;
}

static gpointer get_item(GListModel *model, guint position)
{
    PactaListModel *self = PACTA_LIST_MODEL(model);
    if (position >= self->view->len)
        return NULL;
    return g_object_ref(g_ptr_array_index(self->view, position));
}

static void list_model_iface_init(GListModelInterface *iface)
{
    iface->get_item_type = get_item_type;
    iface->get_n_items = get_n_items;
    iface->get_item = get_item;
}

static int compare_rows(gconstpointer a, gconstpointer b, gpointer spec)
{
    return pacta_list_spec_compare(spec, *(PactaContract *const *)a, *(PactaContract *const *)b);
}

/* ---- the view -------------------------------------------------------------------- */

static void set_pending(PactaListModel *self, gboolean pending)
{
    if (self->pending == pending)
        return;
    self->pending = pending;
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_PENDING]);
}

/* Puts `rows` in as the view (takes it) with one items-changed over the
 * positions between the common start and the common end. */
static void replace_view(PactaListModel *self, GPtrArray *rows)
{
    GPtrArray *old = self->view;
    guint n_old = old->len, n_new = rows->len, pre = 0, suf = 0;
    while (pre < n_old && pre < n_new && old->pdata[pre] == rows->pdata[pre])
        pre++;
    while (suf < n_old - pre && suf < n_new - pre &&
           old->pdata[n_old - 1 - suf] == rows->pdata[n_new - 1 - suf])
        suf++;
    self->view = rows;
    g_ptr_array_unref(old);
    if (n_old - pre - suf || n_new - pre - suf)
        g_list_model_items_changed(G_LIST_MODEL(self), pre, n_old - pre - suf, n_new - pre - suf);
}

static guint view_find(PactaListModel *self, PactaContract *c)
{
    gpointer *p = self->view->pdata;
    for (guint i = 0, n = self->view->len; i < n; i++)
        if (p[i] == c)
            return i;
    return G_MAXUINT;
}

/* Where c goes in `rows` (sorted by spec, c not in it). */
static guint sorted_position(const Spec *spec, GPtrArray *rows, PactaContract *c)
{
    guint lo = 0, hi = rows->len;
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        if (pacta_list_spec_compare(spec, g_ptr_array_index(rows, mid), c) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* A row of the store was added, or changed in place: put it where it
 * belongs, or take it out, in one items-changed. */
static void place_row(PactaListModel *self, PactaContract *c)
{
    guint old = view_find(self, c);
    gboolean keep = pacta_list_spec_matches(&self->shown, c);
    if (old == G_MAXUINT) {
        if (!keep)
            return;
        guint pos = sorted_position(&self->shown, self->view, c);
        g_ptr_array_insert(self->view, (gint)pos, c);
        g_list_model_items_changed(G_LIST_MODEL(self), pos, 0, 1);
        return;
    }
    g_ptr_array_remove_index(self->view, old);
    if (!keep) {
        g_list_model_items_changed(G_LIST_MODEL(self), old, 1, 0);
        return;
    }
    guint pos = sorted_position(&self->shown, self->view, c);
    g_ptr_array_insert(self->view, (gint)pos, c);
    /* One change over the rows between, so the selection and the row's
     * widgets follow it; none if it stays. */
    if (pos != old) {
        guint lo = MIN(pos, old), hi = MAX(pos, old);
        g_list_model_items_changed(G_LIST_MODEL(self), lo, hi - lo + 1, hi - lo + 1);
    }
}

/* Many new rows at once (a page while loading): sorted among themselves,
 * merged with the view, one items-changed. */
static void insert_rows(PactaListModel *self, PactaContract **rows, guint n)
{
    g_autoptr(GPtrArray) in = g_ptr_array_sized_new(n);
    for (guint i = 0; i < n; i++)
        if (pacta_list_spec_matches(&self->shown, rows[i]))
            g_ptr_array_add(in, rows[i]);
    if (in->len == 0)
        return;
    g_ptr_array_sort_with_data(in, compare_rows, &self->shown);
    GPtrArray *merged = g_ptr_array_sized_new(self->view->len + in->len);
    guint a = 0, b = 0;
    while (a < self->view->len || b < in->len) {
        if (b == in->len || (a < self->view->len &&
                             pacta_list_spec_compare(&self->shown, g_ptr_array_index(self->view, a),
                                                     g_ptr_array_index(in, b)) < 0))
            g_ptr_array_add(merged, g_ptr_array_index(self->view, a++));
        else
            g_ptr_array_add(merged, g_ptr_array_index(in, b++));
    }
    replace_view(self, merged);
}

static void remove_rows(PactaListModel *self, PactaContract **rows, guint n)
{
    if (n < BATCH_MIN) {
        for (guint i = 0; i < n; i++) {
            guint pos = view_find(self, rows[i]);
            if (pos != G_MAXUINT) {
                g_ptr_array_remove_index(self->view, pos);
                g_list_model_items_changed(G_LIST_MODEL(self), pos, 1, 0);
            }
        }
        return;
    }
    g_autoptr(GHashTable) gone = g_hash_table_new(NULL, NULL);
    for (guint i = 0; i < n; i++)
        g_hash_table_add(gone, rows[i]);
    GPtrArray *kept = g_ptr_array_sized_new(self->view->len);
    for (guint i = 0; i < self->view->len; i++)
        if (!g_hash_table_contains(gone, g_ptr_array_index(self->view, i)))
            g_ptr_array_add(kept, g_ptr_array_index(self->view, i));
    replace_view(self, kept);
}

static void note_dirty(PactaListModel *self, PactaContract *c)
{
    for (guint i = 0; i < self->jobs->len; i++) {
        Job *j = g_ptr_array_index(self->jobs, i);
        if (!g_hash_table_contains(j->dirty, c))
            g_hash_table_add(j->dirty, g_object_ref(c));
    }
}

static void start_job(PactaListModel *self, gboolean presorted);

/* Whether a job for the newest request is running (an older one's result
 * is never put in, so rows noted only there would be lost). */
static gboolean current_job(PactaListModel *self)
{
    for (guint i = 0; i < self->jobs->len; i++)
        if (((Job *)g_ptr_array_index(self->jobs, i))->gen == self->gen)
            return TRUE;
    return FALSE;
}

static void on_store_items_changed(GListModel *store, guint pos, guint removed, guint added,
                                   gpointer data)
{
    PactaListModel *self = data;
    /* The rows that left, kept alive until we are done with them. */
    g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func(g_object_unref);
    for (guint i = 0; i < removed; i++)
        g_ptr_array_add(gone, g_ptr_array_steal_index(self->mirror, pos));
    g_autoptr(GPtrArray) came = g_ptr_array_new_with_free_func(g_object_unref);
    for (guint i = 0; i < added; i++) {
        PactaContract *c = g_list_model_get_item(store, pos + i);
        g_ptr_array_insert(self->mirror, (gint)(pos + i), g_object_ref(c));
        g_ptr_array_add(came, c);
    }
    for (guint i = 0; i < gone->len; i++)
        note_dirty(self, gone->pdata[i]);
    for (guint i = 0; i < came->len; i++)
        note_dirty(self, came->pdata[i]);

    /* The same row taken out and put back: it changed in place.  In the
     * store's order with no filter it stays where it is (its cells follow
     * it); else it is re-checked and re-placed. */
    if (removed == 1 && added == 1 && gone->pdata[0] == came->pdata[0]) {
        if (pacta_list_spec_filters(&self->shown) || self->shown.n_keys > 0)
            place_row(self, came->pdata[0]);
        return;
    }
    if (self->mirror->len == 0) {
        replace_view(self, g_ptr_array_new());
        return;
    }
    remove_rows(self, (PactaContract **)gone->pdata, gone->len);
    if (came->len < BATCH_MIN) {
        for (guint i = 0; i < came->len; i++)
            place_row(self, came->pdata[i]);
    } else if (self->shown.n_keys == 0) {
        /* in the store's order a page lands at the end: a cheap change */
        insert_rows(self, (PactaContract **)came->pdata, came->len);
    } else if (!current_job(self)) {
        /* Sorted: a page's rows land all over the list, and GTK takes a
         * change that spans it in tens of ms — per page, while loading.  A
         * computation brings them instead (a running one has them as dirty
         * rows: set right when it is applied, or by a follow-up). */
        start_job(self, FALSE);
    }
}

/* ---- jobs (pacta-list-job.c) ---------------------------------------------------------- */

static void gate_wait(PactaListModel *self, guint gen)
{
    g_mutex_lock(&self->gate_lock);
    while (self->gate_closed && gen != self->gate_open)
        g_cond_wait(&self->gate_cond, &self->gate_lock);
    g_mutex_unlock(&self->gate_lock);
}

static void job_run(GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
    (void)source;
    Job *j = data;
    gate_wait(j->model, j->gen);
    g_task_return_boolean(task, pacta_list_job_run(j, cancel));
}

/* Interned-or-literal texts compare by pointer in the worker: the spec's
 * values are interned, so a row's text equals them only as the same pointer. */
static const char *interned(const char *s)
{
    return s ? g_intern_string(s) : NULL;
}

static gboolean in_store(PactaListModel *self, PactaContract *c)
{
    return pacta_contract_store_lookup(self->store, pacta_contract_get_id(c)) == c;
}

/* The newest request's result: the view becomes it, with the rows that
 * changed meanwhile set right.  Returns TRUE if too many did, and a
 * follow-up computation must bring them. */
static gboolean job_apply(PactaListModel *self, Job *j)
{
    GPtrArray *rows = g_ptr_array_sized_new(j->n_order + g_hash_table_size(j->dirty));
    for (guint o = 0; o < j->n_order; o++) {
        PactaContract *c = j->rows[j->order[o]];
        if (!g_hash_table_contains(j->dirty, c))
            g_ptr_array_add(rows, c);
    }
    pacta_list_spec_clear(&self->shown);
    pacta_list_spec_copy(&self->shown, &j->spec);
    gboolean follow_up = g_hash_table_size(j->dirty) > DIRTY_MAX;
    if (!follow_up) {
        GHashTableIter it;
        gpointer c;
        g_hash_table_iter_init(&it, j->dirty);
        while (g_hash_table_iter_next(&it, &c, NULL))
            if (in_store(self, c) && pacta_list_spec_matches(&self->shown, c))
                g_ptr_array_insert(rows, (gint)sorted_position(&self->shown, rows, c), c);
    }
    replace_view(self, rows);
    return follow_up;
}

static void job_done(GObject *source, GAsyncResult *res, gpointer data)
{
    (void)source;
    PactaListModel *self = data; /* start_job's reference, let go here */
    Job *j = g_task_get_task_data(G_TASK(res));
    gboolean ok = g_task_propagate_boolean(G_TASK(res), NULL);
    g_ptr_array_remove(self->jobs, j);
    pacta_list_job_give_back(j);
    /* Only the newest request's result is put in: an older one that was
     * not cancelled in time is dropped here. */
    gboolean again = FALSE;
    if (ok && j->gen == self->gen &&
        !g_cancellable_is_cancelled(g_task_get_cancellable(G_TASK(res))))
        again = job_apply(self, j);
    pacta_list_job_dispose(j);
    if (again)
        start_job(self, FALSE);
    else if (!current_job(self)) /* older, cancelled ones may still run */
        set_pending(self, FALSE);
    g_object_unref(self);
}

static void start_job(PactaListModel *self, gboolean presorted)
{
    Job *j = pacta_list_job_new(&self->want, self->gen, presorted ? self->view : self->mirror,
                                presorted);
    /* Not the task's source object: the worker thread sometimes lets go of
     * its task after job_done has run, and a model whose last reference that
     * was (its window closed) was disposed there, beside the main thread's use
     * of the store.  The reference is job_done's, on the main thread. */
    j->model = self;
    GTask *task = g_task_new(NULL, self->cancel, job_done, g_object_ref(self));
    g_task_set_source_tag(task, start_job);
    g_task_set_task_data(task, j, NULL); /* job_done disposes of it */
    g_ptr_array_add(self->jobs, j);
    set_pending(self, TRUE);
    g_task_run_in_thread(task, job_run);
    g_object_unref(task);
}

/* A new request: older ones are cancelled; nothing to compute (the store's
 * order, no filter) is put in at once. */
static void request(PactaListModel *self)
{
    gboolean stricter =
        self->jobs->len == 0 && pacta_list_spec_same_sort(&self->want, &self->shown) &&
        self->want.status == self->shown.status && self->want.kind == self->shown.kind &&
        self->want.lifecycle == self->shown.lifecycle && self->want.search &&
        (!self->shown.search || strstr(self->want.search, self->shown.search));
    self->gen++;
    g_cancellable_cancel(self->cancel);
    g_object_unref(self->cancel);
    self->cancel = g_cancellable_new();
    if (!pacta_list_spec_filters(&self->want) && self->want.n_keys == 0) {
        pacta_list_spec_clear(&self->shown);
        pacta_list_spec_copy(&self->shown, &self->want);
        GPtrArray *rows = g_ptr_array_sized_new(self->mirror->len);
        for (guint i = 0; i < self->mirror->len; i++)
            g_ptr_array_add(rows, self->mirror->pdata[i]);
        replace_view(self, rows);
        set_pending(self, FALSE);
        return;
    }
    start_job(self, stricter);
}

void pacta_list_model_set_filter(PactaListModel *self, const char *search, const char *status,
                                 const char *kind, const char *lifecycle)
{
    g_return_if_fail(PACTA_IS_LIST_MODEL(self));
    Spec *w = &self->want;
    if (search && !*search)
        search = NULL;
    if (g_strcmp0(search, w->search) == 0 && interned(status) == w->status &&
        interned(kind) == w->kind && interned(lifecycle) == w->lifecycle)
        return;
    g_free(w->search);
    w->search = g_strdup(search);
    w->status = interned(status);
    w->kind = interned(kind);
    w->lifecycle = interned(lifecycle);
    request(self);
}

void pacta_list_model_set_sort(PactaListModel *self, const PactaSortKey *keys, guint n_keys)
{
    g_return_if_fail(PACTA_IS_LIST_MODEL(self));
    Spec next = {0};
    next.n_keys = MIN(n_keys, PACTA_LIST_MODEL_MAX_KEYS);
    for (guint k = 0; k < next.n_keys; k++) {
        next.keys[k].field = g_intern_string(keys[k].field);
        next.keys[k].descending = keys[k].descending;
        next.types[k] = pacta_list_key_type(keys[k].field);
    }
    if (pacta_list_spec_same_sort(&next, &self->want))
        return;
    memcpy(self->want.keys, next.keys, sizeof next.keys);
    memcpy(self->want.types, next.types, sizeof next.types);
    self->want.n_keys = next.n_keys;
    request(self);
}

gboolean pacta_list_model_get_pending(PactaListModel *self)
{
    g_return_val_if_fail(PACTA_IS_LIST_MODEL(self), FALSE);
    return self->pending;
}

gboolean pacta_list_model_matches(PactaListModel *self, PactaContract *c)
{
    g_return_val_if_fail(PACTA_IS_LIST_MODEL(self), FALSE);
    return pacta_list_spec_matches(&self->want, c);
}

guint pacta_list_model_get_generation(PactaListModel *self)
{
    return self->gen;
}

guint pacta_list_model_test_running(PactaListModel *self)
{
    return self->jobs->len;
}

void pacta_list_model_test_gate(PactaListModel *self, gboolean closed, guint open_generation)
{
    g_mutex_lock(&self->gate_lock);
    self->gate_closed = closed;
    self->gate_open = open_generation;
    g_cond_broadcast(&self->gate_cond);
    g_mutex_unlock(&self->gate_lock);
}

/* ---- GObject ---------------------------------------------------------------------- */

static void pacta_list_model_get_property(GObject *object, guint prop_id, GValue *value,
                                          GParamSpec *pspec)
{
    PactaListModel *self = PACTA_LIST_MODEL(object);
    switch (prop_id) {
    case PROP_PENDING:
        g_value_set_boolean(value, self->pending);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void pacta_list_model_dispose(GObject *object)
{
    PactaListModel *self = PACTA_LIST_MODEL(object);
    g_cancellable_cancel(self->cancel);
    pacta_list_model_test_gate(self, FALSE, 0);
    if (self->store) {
        g_signal_handlers_disconnect_by_data(self->store, self);
        g_clear_object(&self->store);
    }
    G_OBJECT_CLASS(pacta_list_model_parent_class)->dispose(object);
}

static void pacta_list_model_finalize(GObject *object)
{
    PactaListModel *self = PACTA_LIST_MODEL(object);
    g_ptr_array_unref(self->view);
    g_ptr_array_unref(self->mirror);
    g_ptr_array_unref(self->jobs);
    g_object_unref(self->cancel);
    pacta_list_spec_clear(&self->want);
    pacta_list_spec_clear(&self->shown);
    g_mutex_clear(&self->gate_lock);
    g_cond_clear(&self->gate_cond);
    G_OBJECT_CLASS(pacta_list_model_parent_class)->finalize(object);
}

static void pacta_list_model_class_init(PactaListModelClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    object_class->get_property = pacta_list_model_get_property;
    object_class->dispose = pacta_list_model_dispose;
    object_class->finalize = pacta_list_model_finalize;
    props[PROP_PENDING] =
        g_param_spec_boolean("pending", NULL, NULL, FALSE,
                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
    g_object_class_install_properties(object_class, N_PROPS, props);
}

static void pacta_list_model_init(PactaListModel *self)
{
    self->mirror = g_ptr_array_new_with_free_func(g_object_unref);
    self->view = g_ptr_array_new();
    self->jobs = g_ptr_array_new();
    self->cancel = g_cancellable_new();
    g_mutex_init(&self->gate_lock);
    g_cond_init(&self->gate_cond);
}

PactaListModel *pacta_list_model_new(PactaContractStore *store)
{
    g_return_val_if_fail(PACTA_IS_CONTRACT_STORE(store), NULL);
    PactaListModel *self = g_object_new(PACTA_TYPE_LIST_MODEL, NULL);
    self->store = g_object_ref(store);
    guint n = g_list_model_get_n_items(G_LIST_MODEL(store));
    for (guint i = 0; i < n; i++) {
        PactaContract *c = g_list_model_get_item(G_LIST_MODEL(store), i);
        g_ptr_array_add(self->mirror, c);
        g_ptr_array_add(self->view, c);
    }
    g_signal_connect(store, "items-changed", G_CALLBACK(on_store_items_changed), self);
    return self;
}
