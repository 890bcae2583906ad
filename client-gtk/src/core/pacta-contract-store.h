/*
 * pacta-desk: PactaContractStore, the desk's live copy of all contracts
 * (deleted ones excluded; up to max_rows of them, see "partial") as a GListModel of PactaContract,
 * in the server's order (number, then id).  Put a GtkFilterListModel / GtkSortListModel on top for
 * the view: the store itself never filters.
 *
 * It follows PROTOCOL.md §9's cold start: on every fresh "subscribed" of
 * its connection it asks how many there are (stats.dashboard) and, unless
 * that is over max_rows ("partial"), pages contracts.list in (500 a page,
 * one request at a time, items-changed per page so the view fills
 * progressively), while
 * events apply by version: a row is replaced only by a higher version, and
 * a deletion seen by event is remembered so a later page cannot bring the
 * row back.  Live events update the PactaContract objects in place (so
 * bound row widgets update; the row is re-announced as a one-row
 * items-changed so a list that sorts or filters on top re-checks it),
 * insert new ones at their sorted position and remove deleted ones.  A resumed subscription keeps
 * the rows and applies the replay.
 *
 * Rows changed by a live event get "highlight" TRUE for a few seconds and
 * "last-actor"/"changed-fields" set.  With a PactaPresence set, each row's
 * "editing-text" follows who is editing it.
 */
#ifndef PACTA_DESK_CONTRACT_STORE_H
#define PACTA_DESK_CONTRACT_STORE_H

#include <gio/gio.h>

#include "pacta-connection.h"
#include "pacta-contract.h"
#include "pacta-presence.h"

G_BEGIN_DECLS

#define PACTA_TYPE_CONTRACT_STORE (pacta_contract_store_get_type())
G_DECLARE_FINAL_TYPE(PactaContractStore, pacta_contract_store, PACTA, CONTRACT_STORE, GObject)

/*
 * Properties:
 *   "connection"  PactaConnection (construct-only; may be NULL for tests
 *                 that feed records with pacta_contract_store_apply_*)
 *   "loading"     gboolean, TRUE while pages are being fetched
 *   "loaded"      gboolean, TRUE once a load finished (whole or partial)
 *   "partial"     gboolean, TRUE when the server has more contracts than
 *                 max_rows (PACTA_DESK_MAX_ROWS, default 100,000): its count
 *                 (stats.dashboard's total) said so, and the load read
 *                 nothing; or, without a count, the load stopped at
 *                 max_rows with more to come.  The store then holds what it
 *                 read plus every contract that reaches it later (created
 *                 ones, PactaRemoteList's pages, the editor's)
 *   "n-items"     guint (as GListModel)
 *
 * Signals (for toasts and the editor's "changed underneath" banner):
 *   "contract-changed"  void (*)(PactaContractStore *, PactaContract *c,
 *                       const char *actor, gboolean created, gpointer)
 *       after a live/replayed contract.created or contract.updated was
 *       applied to c (not for rows that arrive by loading).
 *   "contract-removed"  void (*)(PactaContractStore *, PactaContract *c,
 *                       const char *actor, gpointer)
 *       after a deleted contract left the list (c holds the deleted record).
 *   "load-failed"       void (*)(PactaContractStore *, const GError *, gpointer)
 */
PactaContractStore *pacta_contract_store_new(PactaConnection *connection);

/* Drops everything and pages the list in again. */
void pacta_contract_store_reload(PactaContractStore *self);
/* The row with this id (borrowed), or NULL. */
PactaContract *pacta_contract_store_lookup(PactaContractStore *self, const char *id);
/* Position of the row with this id, or G_MAXUINT. */
guint pacta_contract_store_find(PactaContractStore *self, const char *id);
gboolean pacta_contract_store_get_loading(PactaContractStore *self);
gboolean pacta_contract_store_get_loaded(PactaContractStore *self);
gboolean pacta_contract_store_get_partial(PactaContractStore *self);
guint pacta_contract_store_get_max_rows(PactaContractStore *self);

/* Follow presence: rows' "editing-text" (NULL to stop). */
void pacta_contract_store_set_presence(PactaContractStore *self, PactaPresence *presence);

/*
 * Applies a server record as if it came from an event (created/updated or,
 * with deleted_at set, deleted), keeping the higher version; `actor` may be
 * NULL.  `live` = TRUE highlights the row and emits the signals above.
 * When "partial", a live record of a contract the store does not hold is
 * taken only if it is new (version 1).
 * Used by the event handlers, and after our own writes so the row shows the
 * response before its event arrives.  Returns TRUE if the store changed.
 */
gboolean pacta_contract_store_apply_record(PactaContractStore *self, const json_t *record,
                                           const char *actor, const char *const *changed,
                                           gboolean live);
/*
 * Emits items-changed(pos, 1, 1) for c's row (same object): a sort or filter
 * model on top re-checks that one item.  For a row changed in place whose
 * sort position or filter verdict may have changed; the row's widgets are
 * rebound, so views call it only then.
 */
void pacta_contract_store_reannounce(PactaContractStore *self, PactaContract *c);
/*
 * A record at the version held (an expiry alert's copy): its derived members
 * (lifecycle, days_left, notice_deadline: from the dates and the server's
 * today) may have moved without a new version.  Takes them, re-announcing
 * the row if anything changed; TRUE if it did.  Any other version: FALSE
 * (a newer one goes through apply_record).
 */
gboolean pacta_contract_store_refresh_derived(PactaContractStore *self, const json_t *record);
/*
 * A record read from the server (a page, contracts.get) taken in without
 * signals: a newer version is applied, the same version refreshes the
 * derived members.  Returns the store's row for it (borrowed), or NULL for
 * a deleted contract or a record the store refuses.
 */
PactaContract *pacta_contract_store_take(PactaContractStore *self, const json_t *record);
/*
 * The row with this id: the store's at once if it holds it, else read with
 * contracts.get and taken in (a partial store does not hold every
 * contract).  _finish returns it (new reference) or NULL with *error
 * (PACTA_DESK_ERROR_NOT_FOUND: deleted).
 */
void pacta_contract_store_fetch_async(PactaContractStore *self, const char *id,
                                      GAsyncReadyCallback callback, gpointer user_data);
PactaContract *pacta_contract_store_fetch_finish(PactaContractStore *self, GAsyncResult *result,
                                                 GError **error);
/* Applies one page of contracts.list items (loading path, no signals). */
void pacta_contract_store_apply_page(PactaContractStore *self, const json_t *items);

G_END_DECLS

#endif
