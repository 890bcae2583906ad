/*
 * pacta-desk: PactaListModel's specs and jobs; see pacta-list-job.h.
 *
 * A job's worker side only reads the arrays job_new filled in and the
 * strings they point to (GRefStrings it holds a reference to, interned
 * texts, its own copies); it never calls into a PactaContract.
 */
#define G_LOG_DOMAIN "pacta-list"

#include "pacta-list-job.h"

#include <string.h>

#define CHECK_EVERY 4096 /* rows between looks at the cancellable */

typedef PactaListSpec Spec;
typedef PactaListJob Job;

/* ---- specs: filter and order on the main thread ------------------------------------ */

PactaListKeyType pacta_list_key_type(const char *field)
{
    if (g_str_equal(field, "amount_cents"))
        return PACTA_KEY_INT;
    if (g_str_equal(field, "kind") || g_str_equal(field, "status") ||
        g_str_equal(field, "end_date"))
        return PACTA_KEY_RAW;
    return PACTA_KEY_COLLATE;
}

/* A PACTA_KEY_RAW field's text (interned, or a literal; never freed). */
static const char *raw_text(PactaContract *c, const char *field)
{
    const char *s = g_str_equal(field, "kind")     ? pacta_contract_get_kind(c)
                    : g_str_equal(field, "status") ? pacta_contract_get_status(c)
                                                   : pacta_contract_get_end_date(c);
    return s ? s : "";
}

void pacta_list_spec_clear(Spec *s)
{
    g_clear_pointer(&s->search, g_free);
    memset(s, 0, sizeof *s);
}

void pacta_list_spec_copy(Spec *dst, const Spec *src)
{
    *dst = *src;
    dst->search = g_strdup(src->search);
}

gboolean pacta_list_spec_filters(const Spec *s)
{
    return s->search || s->status || s->kind || s->lifecycle;
}

gboolean pacta_list_spec_same_sort(const Spec *a, const Spec *b)
{
    if (a->n_keys != b->n_keys)
        return FALSE;
    for (guint k = 0; k < a->n_keys; k++)
        if (a->keys[k].field != b->keys[k].field || a->keys[k].descending != b->keys[k].descending)
            return FALSE;
    return TRUE;
}

gboolean pacta_list_spec_matches(const Spec *s, PactaContract *c)
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

int pacta_list_spec_compare(const Spec *s, PactaContract *a, PactaContract *b)
{
    for (guint k = 0; k < s->n_keys; k++) {
        const char *f = s->keys[k].field;
        int c = 0;
        switch (s->types[k]) {
        case PACTA_KEY_COLLATE:
            c = strcmp(pacta_contract_get_sort_key(a, f), pacta_contract_get_sort_key(b, f));
            break;
        case PACTA_KEY_RAW:
            c = strcmp(raw_text(a, f), raw_text(b, f));
            break;
        case PACTA_KEY_INT: {
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

/* ---- the worker's side -------------------------------------------------------------- */

static int job_compare(gconstpointer pa, gconstpointer pb, gpointer data)
{
    const Job *j = data;
    guint a = *(const guint *)pa, b = *(const guint *)pb;
    for (guint k = 0; k < j->spec.n_keys; k++) {
        int c = 0;
        switch (j->spec.types[k]) {
        case PACTA_KEY_COLLATE:
            c = strcmp(j->key[k][a], j->key[k][b]);
            break;
        case PACTA_KEY_RAW:
            c = strcmp(j->raw[k][a], j->raw[k][b]);
            break;
        case PACTA_KEY_INT:
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

gboolean pacta_list_job_run(PactaListJob *j, GCancellable *cancel)
{
    const Spec *s = &j->spec;
    j->order = g_new(guint, j->n ? j->n : 1);
    for (guint i = 0; i < j->n; i++) {
        if (i % CHECK_EVERY == 0 && g_cancellable_is_cancelled(cancel)) {
            return FALSE;
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
            if (s->types[k] != PACTA_KEY_COLLATE)
                continue;
            for (guint o = 0; o < j->n_order; o++) {
                guint i = j->order[o];
                if (o % CHECK_EVERY == 0 && g_cancellable_is_cancelled(cancel)) {
                    return FALSE;
                }
                if (!j->key[k][i]) {
                    j->key[k][i] =
                        pacta_sort_key_make(s->keys[k].field, job_text(j, s->keys[k].field, i));
                    j->key_made[k][i] = TRUE;
                }
            }
        }
        if (g_cancellable_is_cancelled(cancel)) {
            return FALSE;
        }
        g_qsort_with_data(j->order, (gint)j->n_order, sizeof(guint), job_compare, j);
    }
    return TRUE;
}

/* ---- the main thread's side -------------------------------------------------------- */

/* The snapshot: what the worker needs of each row, so it never touches one. */
PactaListJob *pacta_list_job_new(const PactaListSpec *s, guint gen, GPtrArray *rows,
                                 gboolean presorted)
{
    Job *j = g_new0(Job, 1);
    pacta_list_spec_copy(&j->spec, s);
    j->gen = gen;
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
        if (s->types[k] == PACTA_KEY_COLLATE) {
            j->key[k] = g_new0(char *, j->n);
            j->key_made[k] = g_new0(gboolean, j->n);
        } else if (s->types[k] == PACTA_KEY_RAW) {
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
    pacta_list_spec_clear(&j->spec);
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
void pacta_list_job_dispose(Job *j)
{
    g_clear_pointer(&j->dirty, g_hash_table_unref);
    GTask *task = g_task_new(NULL, NULL, NULL, NULL);
    g_task_set_task_data(task, j, NULL);
    g_task_run_in_thread(task, job_free_run);
    g_object_unref(task);
}

/* Keys the worker made go back to their rows (if unchanged), so the next
 * sort or search finds them made. */
void pacta_list_job_give_back(Job *j)
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
