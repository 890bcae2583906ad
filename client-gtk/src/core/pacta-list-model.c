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

/* Above this many rows changed during a computation, its result is put in
 * without them and a follow-up computation brings them. */
#define DIRTY_MAX 256
/* Above this many rows added or removed at once, they are merged in one
 * pass and one items-changed. */
#define BATCH_MIN 16
#define CHECK_EVERY 4096

typedef enum { K_COLLATE, K_RAW, K_INT } KeyType;

typedef struct {
    char *search;                          /* folded; NULL: none */
    const char *status, *kind, *lifecycle; /* interned; NULL: any */
    PactaSortKey keys[PACTA_LIST_MODEL_MAX_KEYS];
    KeyType types[PACTA_LIST_MODEL_MAX_KEYS];
    guint n_keys;
} Spec;

typedef struct {
    Spec spec;
    guint gen;
    gboolean presorted; /* rows are the view in spec's order: filter only */
    guint n;
    PactaContract **rows; /* identities only in the worker */
    guint *revision;
    const char **status, **kind, **lifecycle; /* interned texts, when filtered on */
    char **hay;                               /* GRefStrings, when searching */
    gboolean *hay_made;
    char **number, **title; /* copies, where a haystack or key is to be made */
    const char **party, **owner;
    char **key[PACTA_LIST_MODEL_MAX_KEYS]; /* K_COLLATE: GRefStrings */
    gboolean *key_made[PACTA_LIST_MODEL_MAX_KEYS];
    const char **raw[PACTA_LIST_MODEL_MAX_KEYS]; /* K_RAW: interned texts */
    gint64 *num[PACTA_LIST_MODEL_MAX_KEYS];      /* K_INT */
    guint *order, n_order;                       /* result: indices into rows */
    GHashTable *dirty; /* main thread: PactaContract (owned) changed since the snapshot */
} Job;

struct _PactaListModel {
    GObject parent_instance;
    PactaContractStore *store;
    GPtrArray *mirror; /* PactaContract, owned, the store's order */
    GPtrArray *view;   /* PactaContract, borrowed from mirror */
    Spec want;         /* asked for last */
    Spec shown;        /* what view is ordered and filtered by */
    guint gen;         /* requests made */
    GPtrArray *jobs;   /* Job, not finished (owned by their GTask) */
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

/* ---- specs: filter and order on the main thread ------------------------------------ */

static KeyType key_type(const char *field)
{
    if (g_str_equal(field, "amount_cents"))
        return K_INT;
    if (g_str_equal(field, "kind") || g_str_equal(field, "status") ||
        g_str_equal(field, "end_date"))
        return K_RAW;
    return K_COLLATE;
}

/* A K_RAW field's text (interned, or a literal; never freed). */
static const char *raw_text(PactaContract *c, const char *field)
{
    const char *s = g_str_equal(field, "kind")     ? pacta_contract_get_kind(c)
                    : g_str_equal(field, "status") ? pacta_contract_get_status(c)
                                                   : pacta_contract_get_end_date(c);
    return s ? s : "";
}

static void spec_clear(Spec *s)
{
    g_clear_pointer(&s->search, g_free);
    memset(s, 0, sizeof *s);
}

static void spec_copy(Spec *dst, const Spec *src)
{
    *dst = *src;
    dst->search = g_strdup(src->search);
}

static gboolean spec_filters(const Spec *s)
{
    return s->search || s->status || s->kind || s->lifecycle;
}

static gboolean spec_same_sort(const Spec *a, const Spec *b)
{
    if (a->n_keys != b->n_keys)
        return FALSE;
    for (guint k = 0; k < a->n_keys; k++)
        if (a->keys[k].field != b->keys[k].field || a->keys[k].descending != b->keys[k].descending)
            return FALSE;
    return TRUE;
}

static gboolean spec_matches(const Spec *s, PactaContract *c)
{
    if (s->status && !g_str_equal(pacta_contract_get_status(c), s->status))
        return FALSE;
    if (s->kind && !g_str_equal(pacta_contract_get_kind(c), s->kind))
        return FALSE;
    if (s->lifecycle && !g_str_equal(pacta_contract_get_lifecycle(c), s->lifecycle))
        return FALSE;
    return !s->search || pacta_contract_matches_search(c, s->search);
}

/* The store's order: number, then id, byte order. */
static int store_order(PactaContract *a, PactaContract *b)
{
    int c = strcmp(pacta_contract_get_number(a), pacta_contract_get_number(b));
    return c ? c : strcmp(pacta_contract_get_id(a), pacta_contract_get_id(b));
}

static int spec_compare(const Spec *s, PactaContract *a, PactaContract *b)
{
    for (guint k = 0; k < s->n_keys; k++) {
        const char *f = s->keys[k].field;
        int c = 0;
        switch (s->types[k]) {
        case K_COLLATE:
            c = strcmp(pacta_contract_get_sort_key(a, f), pacta_contract_get_sort_key(b, f));
            break;
        case K_RAW:
            c = strcmp(raw_text(a, f), raw_text(b, f));
            break;
        case K_INT: {
            gint64 x = pacta_contract_get_amount_cents(a), y = pacta_contract_get_amount_cents(b);
            c = (x > y) - (x < y);
            break;
        }
        }
        if (c)
            return s->keys[k].descending ? -c : c;
    }
    return store_order(a, b);
}

static int compare_rows(gconstpointer a, gconstpointer b, gpointer spec)
{
    return spec_compare(spec, *(PactaContract *const *)a, *(PactaContract *const *)b);
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
        if (spec_compare(spec, g_ptr_array_index(rows, mid), c) < 0)
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
    gboolean keep = spec_matches(&self->shown, c);
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
        if (spec_matches(&self->shown, rows[i]))
            g_ptr_array_add(in, rows[i]);
    if (in->len == 0)
        return;
    g_ptr_array_sort_with_data(in, compare_rows, &self->shown);
    GPtrArray *merged = g_ptr_array_sized_new(self->view->len + in->len);
    guint a = 0, b = 0;
    while (a < self->view->len || b < in->len) {
        if (b == in->len ||
            (a < self->view->len && spec_compare(&self->shown, g_ptr_array_index(self->view, a),
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
        if (spec_filters(&self->shown) || self->shown.n_keys > 0)
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
    } else {
        insert_rows(self, (PactaContract **)came->pdata, came->len);
    }
}

/* ---- jobs: the worker's side -------------------------------------------------------- */

static void gate_wait(PactaListModel *self, guint gen)
{
    g_mutex_lock(&self->gate_lock);
    while (self->gate_closed && gen != self->gate_open)
        g_cond_wait(&self->gate_cond, &self->gate_lock);
    g_mutex_unlock(&self->gate_lock);
}

static int job_compare(gconstpointer pa, gconstpointer pb, gpointer data)
{
    const Job *j = data;
    guint a = *(const guint *)pa, b = *(const guint *)pb;
    for (guint k = 0; k < j->spec.n_keys; k++) {
        int c = 0;
        switch (j->spec.types[k]) {
        case K_COLLATE:
            c = strcmp(j->key[k][a], j->key[k][b]);
            break;
        case K_RAW:
            c = strcmp(j->raw[k][a], j->raw[k][b]);
            break;
        case K_INT:
            c = (j->num[k][a] > j->num[k][b]) - (j->num[k][a] < j->num[k][b]);
            break;
        }
        if (c)
            return j->spec.keys[k].descending ? -c : c;
    }
    return (a > b) - (a < b); /* the snapshot is in the store's order */
}

static const char *job_text(const Job *j, const char *field, guint i)
{
    if (g_str_equal(field, "number"))
        return j->number[i];
    if (g_str_equal(field, "title"))
        return j->title[i];
    if (g_str_equal(field, "counterparty"))
        return j->party[i];
    return j->owner[i];
}

static void job_run(GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
    Job *j = data;
    gate_wait(source, j->gen);
    const Spec *s = &j->spec;
    j->order = g_new(guint, j->n ? j->n : 1);
    for (guint i = 0; i < j->n; i++) {
        if (i % CHECK_EVERY == 0 && g_cancellable_is_cancelled(cancel)) {
            g_task_return_boolean(task, FALSE);
            return;
        }
        if ((s->status && j->status[i] != s->status) || (s->kind && j->kind[i] != s->kind) ||
            (s->lifecycle && j->lifecycle[i] != s->lifecycle))
            continue;
        if (s->search) {
            if (!j->hay[i]) {
                j->hay[i] = pacta_search_haystack_make(j->number[i], j->title[i], j->party[i]);
                j->hay_made[i] = TRUE;
            }
            if (!strstr(j->hay[i], s->search))
                continue;
        }
        j->order[j->n_order++] = i;
    }
    if (!j->presorted) {
        for (guint k = 0; k < s->n_keys; k++) {
            if (s->types[k] != K_COLLATE)
                continue;
            for (guint o = 0; o < j->n_order; o++) {
                guint i = j->order[o];
                if (o % CHECK_EVERY == 0 && g_cancellable_is_cancelled(cancel)) {
                    g_task_return_boolean(task, FALSE);
                    return;
                }
                if (!j->key[k][i]) {
                    j->key[k][i] =
                        pacta_sort_key_make(s->keys[k].field, job_text(j, s->keys[k].field, i));
                    j->key_made[k][i] = TRUE;
                }
            }
        }
        if (g_cancellable_is_cancelled(cancel)) {
            g_task_return_boolean(task, FALSE);
            return;
        }
        g_qsort_with_data(j->order, (gint)j->n_order, sizeof(guint), job_compare, j);
    }
    g_task_return_boolean(task, TRUE);
}

/* ---- jobs: the main thread's side --------------------------------------------------- */

/* Interned-or-literal texts compare by pointer in the worker: the spec's
 * values are interned, so a row's text equals them only as the same pointer. */
static const char *interned(const char *s)
{
    return s ? g_intern_string(s) : NULL;
}

/* The snapshot: what the worker needs of each row, so it never touches one. */
static Job *job_new(PactaListModel *self, GPtrArray *rows, gboolean presorted)
{
    Job *j = g_new0(Job, 1);
    const Spec *s = &self->want;
    spec_copy(&j->spec, s);
    j->gen = self->gen;
    j->presorted = presorted;
    j->n = rows->len;
    j->rows = g_memdup2(rows->pdata, sizeof(gpointer) * (rows->len ? rows->len : 1));
    j->revision = g_new(guint, j->n ? j->n : 1);
    j->dirty = g_hash_table_new_full(NULL, NULL, g_object_unref, NULL);
    if (s->status)
        j->status = g_new(const char *, j->n);
    if (s->kind)
        j->kind = g_new(const char *, j->n);
    if (s->lifecycle)
        j->lifecycle = g_new(const char *, j->n);
    if (s->search) {
        j->hay = g_new0(char *, j->n);
        j->hay_made = g_new0(gboolean, j->n);
    }
    for (guint k = 0; k < s->n_keys && !presorted; k++) {
        if (s->types[k] == K_COLLATE) {
            j->key[k] = g_new0(char *, j->n);
            j->key_made[k] = g_new0(gboolean, j->n);
        } else if (s->types[k] == K_RAW) {
            j->raw[k] = g_new(const char *, j->n);
        } else {
            j->num[k] = g_new(gint64, j->n);
        }
    }
    j->number = g_new0(char *, j->n ? j->n : 1);
    j->title = g_new0(char *, j->n ? j->n : 1);
    j->party = g_new0(const char *, j->n ? j->n : 1);
    j->owner = g_new0(const char *, j->n ? j->n : 1);
    for (guint i = 0; i < j->n; i++) {
        PactaContract *c = j->rows[i];
        gboolean need = FALSE;
        j->revision[i] = pacta_contract_get_revision(c);
        if (j->status)
            j->status[i] = pacta_contract_get_status(c);
        if (j->kind)
            j->kind[i] = pacta_contract_get_kind(c);
        if (j->lifecycle)
            j->lifecycle[i] = pacta_contract_get_lifecycle(c);
        if (j->hay && !(j->hay[i] = pacta_contract_ref_haystack(c)))
            need = TRUE;
        for (guint k = 0; k < s->n_keys && !presorted; k++) {
            if (j->key[k] && !(j->key[k][i] = pacta_contract_ref_sort_key(c, s->keys[k].field)))
                need = TRUE;
            else if (j->raw[k])
                j->raw[k][i] = raw_text(c, s->keys[k].field);
            else if (j->num[k])
                j->num[k][i] = pacta_contract_get_amount_cents(c);
        }
        /* The texts a missing key is made from: counterparty and owner
         * are interned (never freed), number and title are copied. */
        if (need) {
            j->party[i] = pacta_contract_get_counterparty(c);
            j->owner[i] = pacta_contract_get_owner(c);
            j->number[i] = g_strdup(pacta_contract_get_number(c));
            j->title[i] = g_strdup(pacta_contract_get_title(c));
        }
    }
    return j;
}

static void job_free(Job *j)
{
    for (guint i = 0; i < j->n; i++) {
        if (j->hay && j->hay[i])
            g_ref_string_release(j->hay[i]);
        for (guint k = 0; k < j->spec.n_keys; k++)
            if (j->key[k] && j->key[k][i])
                g_ref_string_release(j->key[k][i]);
        g_free(j->number[i]);
        g_free(j->title[i]);
    }
    for (guint k = 0; k < PACTA_LIST_MODEL_MAX_KEYS; k++) {
        g_free(j->key[k]);
        g_free(j->key_made[k]);
        g_free(j->raw[k]);
        g_free(j->num[k]);
    }
    g_free(j->hay);
    g_free(j->hay_made);
    g_free(j->status);
    g_free(j->kind);
    g_free(j->lifecycle);
    g_free(j->number);
    g_free(j->title);
    g_free(j->party);
    g_free(j->owner);
    g_free(j->rows);
    g_free(j->revision);
    g_free(j->order);
    if (j->dirty)
        g_hash_table_unref(j->dirty);
    spec_clear(&j->spec);
    g_free(j);
}

static void job_free_run(GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
    (void)source;
    (void)cancel;
    job_free(data);
    g_task_return_boolean(task, TRUE);
}

/* A job's ~100,000 string references and copies are let go in a worker
 * thread (GRefString counts are atomic); its rows' references (dirty) here. */
static void job_dispose(Job *j)
{
    g_clear_pointer(&j->dirty, g_hash_table_unref);
    GTask *task = g_task_new(NULL, NULL, NULL, NULL);
    g_task_set_task_data(task, j, NULL);
    g_task_run_in_thread(task, job_free_run);
    g_object_unref(task);
}

/* Keys the worker made go back to their rows (if unchanged), so the next
 * sort or search finds them made. */
static void job_give_back(Job *j)
{
    for (guint i = 0; i < j->n; i++) {
        PactaContract *c = j->rows[i];
        if (g_hash_table_contains(j->dirty, c))
            continue; /* it may be gone or changed */
        if (j->hay_made && j->hay_made[i])
            pacta_contract_offer_haystack(c, j->revision[i], g_ref_string_acquire(j->hay[i]));
        for (guint k = 0; k < j->spec.n_keys; k++)
            if (j->key_made[k] && j->key_made[k][i])
                pacta_contract_offer_sort_key(c, j->spec.keys[k].field, j->revision[i],
                                              g_ref_string_acquire(j->key[k][i]));
    }
}

static void start_job(PactaListModel *self, gboolean presorted);

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
    spec_clear(&self->shown);
    spec_copy(&self->shown, &j->spec);
    gboolean follow_up = g_hash_table_size(j->dirty) > DIRTY_MAX;
    if (!follow_up) {
        GHashTableIter it;
        gpointer c;
        g_hash_table_iter_init(&it, j->dirty);
        while (g_hash_table_iter_next(&it, &c, NULL))
            if (in_store(self, c) && spec_matches(&self->shown, c))
                g_ptr_array_insert(rows, (gint)sorted_position(&self->shown, rows, c), c);
    }
    replace_view(self, rows);
    return follow_up;
}

static void job_done(GObject *source, GAsyncResult *res, gpointer data)
{
    (void)data;
    PactaListModel *self = PACTA_LIST_MODEL(source);
    Job *j = g_task_get_task_data(G_TASK(res));
    gboolean ok = g_task_propagate_boolean(G_TASK(res), NULL);
    g_ptr_array_remove(self->jobs, j);
    job_give_back(j);
    /* Only the newest request's result is put in: an older one that was
     * not cancelled in time is dropped here. */
    gboolean again = FALSE;
    if (ok && j->gen == self->gen &&
        !g_cancellable_is_cancelled(g_task_get_cancellable(G_TASK(res))))
        again = job_apply(self, j);
    job_dispose(j);
    if (again)
        start_job(self, FALSE);
    else if (self->jobs->len == 0)
        set_pending(self, FALSE);
}

static void start_job(PactaListModel *self, gboolean presorted)
{
    Job *j = job_new(self, presorted ? self->view : self->mirror, presorted);
    GTask *task = g_task_new(self, self->cancel, job_done, NULL);
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
    gboolean stricter = self->jobs->len == 0 && spec_same_sort(&self->want, &self->shown) &&
                        self->want.status == self->shown.status &&
                        self->want.kind == self->shown.kind &&
                        self->want.lifecycle == self->shown.lifecycle && self->want.search &&
                        (!self->shown.search || strstr(self->want.search, self->shown.search));
    self->gen++;
    g_cancellable_cancel(self->cancel);
    g_object_unref(self->cancel);
    self->cancel = g_cancellable_new();
    if (!spec_filters(&self->want) && self->want.n_keys == 0) {
        spec_clear(&self->shown);
        spec_copy(&self->shown, &self->want);
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
        next.types[k] = key_type(keys[k].field);
    }
    if (spec_same_sort(&next, &self->want))
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
    return spec_matches(&self->want, c);
}

guint pacta_list_model_get_generation(PactaListModel *self)
{
    return self->gen;
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
    spec_clear(&self->want);
    spec_clear(&self->shown);
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
