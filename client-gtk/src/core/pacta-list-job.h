/*
 * pacta-desk: what PactaListModel filters and sorts by (a spec) and a
 * computation of it over a snapshot of the rows (a job).  Private to
 * pacta-list-model.c: a job is made and finished on the main thread and
 * run (pacta_list_job_run) in a worker thread, which only reads what
 * pacta_list_job_new put in it.
 */
#ifndef PACTA_DESK_LIST_JOB_H
#define PACTA_DESK_LIST_JOB_H

#include <gio/gio.h>

#include "pacta-contract.h"
#include "pacta-list-model.h"

G_BEGIN_DECLS

typedef enum { PACTA_KEY_COLLATE, PACTA_KEY_RAW, PACTA_KEY_INT } PactaListKeyType;

typedef struct {
    char *search;                          /* folded; NULL: none */
    const char *status, *kind, *lifecycle; /* interned; NULL: any */
    PactaSortKey keys[PACTA_LIST_MODEL_MAX_KEYS];
    PactaListKeyType types[PACTA_LIST_MODEL_MAX_KEYS];
    guint n_keys;
} PactaListSpec;

typedef struct {
    PactaListSpec spec;
    gpointer model; /* the PactaListModel (job_done holds a reference for it) */
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
} PactaListJob;

/* ---- specs (main thread) ---------------------------------------------------------- */

/* How a field sorts: by collation key, by its interned text, by number. */
PactaListKeyType pacta_list_key_type(const char *field);
void pacta_list_spec_clear(PactaListSpec *s);
void pacta_list_spec_copy(PactaListSpec *dst, const PactaListSpec *src);
gboolean pacta_list_spec_filters(const PactaListSpec *s);
gboolean pacta_list_spec_same_sort(const PactaListSpec *a, const PactaListSpec *b);
gboolean pacta_list_spec_matches(const PactaListSpec *s, PactaContract *c);
/* The spec's order, then the store's (number, id). */
int pacta_list_spec_compare(const PactaListSpec *s, PactaContract *a, PactaContract *b);

/* ---- jobs --------------------------------------------------------------------------- */

/* Main thread: the snapshot of `rows` (the store's rows in its order, or with
 * `presorted` the rows shown, in s's order: then only filtered). */
PactaListJob *pacta_list_job_new(const PactaListSpec *s, guint gen, GPtrArray *rows,
                                 gboolean presorted);
/* Worker thread: fills order/n_order; FALSE if cancelled. */
gboolean pacta_list_job_run(PactaListJob *j, GCancellable *cancel);
/* Main thread: keys the worker made go back to their rows (if unchanged). */
void pacta_list_job_give_back(PactaListJob *j);
/* Main thread: lets go of the job (its rows' references here, the rest in
 * a worker thread). */
void pacta_list_job_dispose(PactaListJob *j);

G_END_DECLS

#endif
