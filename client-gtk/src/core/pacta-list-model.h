/*
 * pacta-desk: PactaListModel, the contract list as the window shows it: the
 * store's rows that pass the filter (search text, status, kind, lifecycle),
 * in the sort's order, as a GListModel of the store's PactaContracts.
 *
 * A new filter or sort never blocks the main thread on the rows: the
 * filtered and sorted order is computed in a worker thread (GTask) over a
 * snapshot of the rows' keys (the rows' cached GRefString sort keys and
 * search haystacks, interned texts and copies; the worker makes the keys
 * that are missing and hands them back to the rows), and the result is put
 * in as one items-changed covering only the positions that differ.  A newer
 * request cancels the older one, and a result is applied only if it
 * answers the newest request.  Typing on in the search (a filter that can
 * only drop rows, same sort) filters the rows shown, in their order, and
 * skips the sort.
 *
 * The store's changes are followed at once on the main thread (one row is
 * a binary search and a move): a changed row stays in place or moves to
 * its sorted place in one items-changed (so a selection on top keeps it and
 * its widgets stay), a deleted row disappears, a new one is inserted; a
 * page of rows is merged in one change.  Rows that change while a
 * computation runs are set right when its result is applied (or, if there
 * are many, by a follow-up computation).
 */
#ifndef PACTA_DESK_LIST_MODEL_H
#define PACTA_DESK_LIST_MODEL_H

#include <gio/gio.h>

#include "pacta-contract-store.h"

G_BEGIN_DECLS

#define PACTA_TYPE_LIST_MODEL (pacta_list_model_get_type())
G_DECLARE_FINAL_TYPE(PactaListModel, pacta_list_model, PACTA, LIST_MODEL, GObject)

#define PACTA_LIST_MODEL_MAX_KEYS 8

/* One sort key: a wire field name ("number", "title", "counterparty",
 * "owner", "end_date", "kind", "status", "amount_cents"). */
typedef struct {
    const char *field;
    gboolean descending;
} PactaSortKey;

/*
 * Properties:
 *   "pending"  gboolean, TRUE while the computation of the newest request
 *              has not been put in yet (older, cancelled ones that still
 *              run do not count: the window's "(updating…)" follows it;
 *              tests and the bench wait for FALSE)
 */
PactaListModel *pacta_list_model_new(PactaContractStore *store);

/* search: pacta_search_fold()ed text or NULL; the others a value or NULL
 * for any. */
void pacta_list_model_set_filter(PactaListModel *self, const char *search, const char *status,
                                 const char *kind, const char *lifecycle);
/* keys[0] first; ties keep the store's order (number, id).  n_keys = 0:
 * the store's order. */
void pacta_list_model_set_sort(PactaListModel *self, const PactaSortKey *keys, guint n_keys);
gboolean pacta_list_model_get_pending(PactaListModel *self);
/* Whether c passes the filter asked for last. */
gboolean pacta_list_model_matches(PactaListModel *self, PactaContract *c);

/* Tests: how many requests were made (each new filter or sort is one), and
 * a gate that holds every worker (closed) except the one computing request
 * `open_generation`. */
guint pacta_list_model_get_generation(PactaListModel *self);
void pacta_list_model_test_gate(PactaListModel *self, gboolean closed, guint open_generation);
/* Tests: computations still running, cancelled ones included. */
guint pacta_list_model_test_running(PactaListModel *self);

G_END_DECLS

#endif
