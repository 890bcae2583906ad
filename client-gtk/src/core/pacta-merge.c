/*
 * pacta-desk: three-way merge of a stale save; see pacta-merge.h.
 */
#define G_LOG_DOMAIN "pacta-merge"

#include "pacta-merge.h"

#include <string.h>

#include "pacta-contract.h"

#define N_WRITABLE 15

struct _PactaMerge {
    GObject parent_instance;
    json_t *base, *mine, *theirs; /* owned copies */
    PactaMergeKind kinds[N_WRITABLE];
    PactaMergePick picks[N_WRITABLE];
};

G_DEFINE_FINAL_TYPE(PactaMerge, pacta_merge, G_TYPE_OBJECT)

static int writable_index(const char *field)
{
    const char *const *w = pacta_contract_writable_fields();
    for (int i = 0; field && w[i]; i++)
        if (strcmp(w[i], field) == 0)
            return i;
    return -1;
}

static void pacta_merge_finalize(GObject *object)
{
    PactaMerge *self = PACTA_MERGE(object);
    json_decref(self->base);
    json_decref(self->mine);
    json_decref(self->theirs);
    G_OBJECT_CLASS(pacta_merge_parent_class)->finalize(object);
}

static void pacta_merge_class_init(PactaMergeClass *klass)
{
    G_OBJECT_CLASS(klass)->finalize = pacta_merge_finalize;
}

static void pacta_merge_init(PactaMerge *self)
{
    (void)self;
}

gboolean pacta_merge_values_equal(const json_t *a, const json_t *b)
{
    /* A member the server left out and an explicit null both mean "unset". */
    if (!a || json_is_null(a))
        return !b || json_is_null(b);
    if (!b)
        return FALSE;
    return json_equal((json_t *)a, (json_t *)b);
}

PactaMerge *pacta_merge_new(const json_t *base, const json_t *mine, const json_t *theirs)
{
    g_return_val_if_fail(json_is_object(base) && json_is_object(theirs), NULL);
    PactaMerge *self = g_object_new(PACTA_TYPE_MERGE, NULL);
    self->base = json_deep_copy(base);
    self->mine = json_is_object(mine) ? json_deep_copy(mine) : json_object();
    self->theirs = json_deep_copy(theirs);
    const char *const *w = pacta_contract_writable_fields();
    for (int i = 0; w[i]; i++) {
        const json_t *b = json_object_get(self->base, w[i]);
        const json_t *t = json_object_get(self->theirs, w[i]);
        const json_t *m = json_object_get(self->mine, w[i]);
        gboolean i_changed = m && !pacta_merge_values_equal(b, m);
        gboolean they_changed = !pacta_merge_values_equal(b, t);
        if (i_changed && they_changed)
            self->kinds[i] =
                pacta_merge_values_equal(m, t) ? PACTA_MERGE_SAME : PACTA_MERGE_CONFLICT;
        else if (i_changed)
            self->kinds[i] = PACTA_MERGE_MINE;
        else if (they_changed)
            self->kinds[i] = PACTA_MERGE_THEIRS;
        else
            self->kinds[i] = PACTA_MERGE_UNCHANGED;
        self->picks[i] = PACTA_MERGE_PICK_NONE;
    }
    return self;
}

PactaMergeKind pacta_merge_get_kind(PactaMerge *self, const char *field)
{
    g_return_val_if_fail(PACTA_IS_MERGE(self), PACTA_MERGE_UNCHANGED);
    int i = writable_index(field);
    return i < 0 ? PACTA_MERGE_UNCHANGED : self->kinds[i];
}

GStrv pacta_merge_list_fields(PactaMerge *self, PactaMergeKind kind)
{
    g_return_val_if_fail(PACTA_IS_MERGE(self), NULL);
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();
    const char *const *w = pacta_contract_writable_fields();
    for (int i = 0; w[i]; i++)
        if (self->kinds[i] == kind)
            g_strv_builder_add(b, w[i]);
    return g_strv_builder_end(b);
}

guint pacta_merge_count(PactaMerge *self, PactaMergeKind kind)
{
    g_return_val_if_fail(PACTA_IS_MERGE(self), 0);
    guint n = 0;
    for (int i = 0; i < N_WRITABLE; i++)
        n += self->kinds[i] == kind;
    return n;
}

const json_t *pacta_merge_get_base(PactaMerge *self, const char *field)
{
    g_return_val_if_fail(PACTA_IS_MERGE(self), NULL);
    const json_t *v = json_object_get(self->base, field);
    return v ? v : json_null();
}

const json_t *pacta_merge_get_mine(PactaMerge *self, const char *field)
{
    g_return_val_if_fail(PACTA_IS_MERGE(self), NULL);
    /* An untouched field "as I typed it" is what I loaded. */
    const json_t *v = json_object_get(self->mine, field);
    return v ? v : pacta_merge_get_base(self, field);
}

const json_t *pacta_merge_get_theirs(PactaMerge *self, const char *field)
{
    g_return_val_if_fail(PACTA_IS_MERGE(self), NULL);
    const json_t *v = json_object_get(self->theirs, field);
    return v ? v : json_null();
}

const char *pacta_merge_get_their_author(PactaMerge *self)
{
    g_return_val_if_fail(PACTA_IS_MERGE(self), NULL);
    const char *s = json_string_value(json_object_get(self->theirs, "updated_by"));
    return s ? s : "";
}

const char *pacta_merge_get_their_time(PactaMerge *self)
{
    g_return_val_if_fail(PACTA_IS_MERGE(self), NULL);
    const char *s = json_string_value(json_object_get(self->theirs, "updated_at"));
    return s ? s : "";
}

gint64 pacta_merge_get_their_version(PactaMerge *self)
{
    g_return_val_if_fail(PACTA_IS_MERGE(self), 0);
    return json_integer_value(json_object_get(self->theirs, "version"));
}

gboolean pacta_merge_choose(PactaMerge *self, const char *field, PactaMergePick pick)
{
    g_return_val_if_fail(PACTA_IS_MERGE(self), FALSE);
    int i = writable_index(field);
    if (i < 0 || self->kinds[i] != PACTA_MERGE_CONFLICT)
        return FALSE;
    self->picks[i] = pick;
    return TRUE;
}

PactaMergePick pacta_merge_get_choice(PactaMerge *self, const char *field)
{
    g_return_val_if_fail(PACTA_IS_MERGE(self), PACTA_MERGE_PICK_NONE);
    int i = writable_index(field);
    return i < 0 ? PACTA_MERGE_PICK_NONE : self->picks[i];
}

gboolean pacta_merge_is_resolved(PactaMerge *self)
{
    g_return_val_if_fail(PACTA_IS_MERGE(self), FALSE);
    for (int i = 0; i < N_WRITABLE; i++)
        if (self->kinds[i] == PACTA_MERGE_CONFLICT && self->picks[i] == PACTA_MERGE_PICK_NONE)
            return FALSE;
    return TRUE;
}

json_t *pacta_merge_get_changes(PactaMerge *self)
{
    g_return_val_if_fail(PACTA_IS_MERGE(self), NULL);
    json_t *changes = json_object();
    const char *const *w = pacta_contract_writable_fields();
    for (int i = 0; w[i]; i++) {
        gboolean send =
            self->kinds[i] == PACTA_MERGE_MINE ||
            (self->kinds[i] == PACTA_MERGE_CONFLICT && self->picks[i] == PACTA_MERGE_PICK_MINE);
        if (send)
            json_object_set(changes, w[i], (json_t *)pacta_merge_get_mine(self, w[i]));
    }
    return changes;
}

json_t *pacta_merge_get_result(PactaMerge *self)
{
    g_return_val_if_fail(PACTA_IS_MERGE(self), NULL);
    json_t *result = json_deep_copy(self->theirs);
    json_auto_t *changes = pacta_merge_get_changes(self);
    json_object_update(result, changes);
    return result;
}
