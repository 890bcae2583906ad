/*
 * pacta-desk: PactaContract, one contract record (PROTOCOL.md §5) as a
 * GObject, so list rows and editor widgets can bind to its properties.
 *
 * Properties (read-only from outside; the store replaces them from server
 * records and notifies only the ones whose value changed):
 *   "id", "number", "title", "counterparty", "kind", "status",
 *   "sign-date", "start-date", "end-date" (NULL when unset),
 *   "amount-cents" (gint64), "currency", "owner", "description",
 *   "notice-days" (gint), "renewal", "version" (gint64), "created-at",
 *   "updated-at", "updated-by", "deleted-at" (NULL unless deleted),
 *   "lifecycle" (the server's derived member, "" for a new draft)
 * Derived, for display:
 *   "amount-text"   "12,500.00 EUR"
 *   "end-date-text" "2027-01-31" or "" (sortable as a string)
 * Client-side decoration maintained by PactaContractStore / PactaPresence:
 *   "highlight"     TRUE for a few seconds after a live change arrived
 *   "last-actor"    who made the last live change seen ("" if none)
 *   "changed-fields" GStrv: the "changed" list of the last contract.updated
 *   "editing-text"  "ana is editing" / "ana and bob are editing" / NULL
 *
 * Field names in the functions below are the wire names ("end_date").
 * Thread: main thread only, like everything in core/.
 */
#ifndef PACTA_DESK_CONTRACT_H
#define PACTA_DESK_CONTRACT_H

#include <glib-object.h>
#include <jansson.h>

G_BEGIN_DECLS

#define PACTA_TYPE_CONTRACT (pacta_contract_get_type())
G_DECLARE_FINAL_TYPE(PactaContract, pacta_contract, PACTA, CONTRACT, GObject)

/* An empty draft (not yet on the server): status "draft", renewal "none",
 * currency "EUR", version 0, every other text "", dates NULL. */
PactaContract *pacta_contract_new(void);

/* From a server record; NULL and *error (PACTA_DESK_ERROR_PROTOCOL) if `record`
 * is not an object with a string "id".  Unknown members are ignored. */
PactaContract *pacta_contract_new_from_json(const json_t *record, GError **error);

/* A deep copy, decoration included (the editor keeps one as its base). */
PactaContract *pacta_contract_copy(PactaContract *self);

/*
 * Replaces every field from `record` (a whole server record), notifying
 * only properties whose value changed.  Returns TRUE if anything changed.
 * Does not check versions: callers keep the higher version (store does).
 */
gboolean pacta_contract_update_from_json(PactaContract *self, const json_t *record);

/* The whole record as the server sends it (new reference, §5 member order). */
json_t *pacta_contract_to_json(PactaContract *self);

/*
 * The arguments of a contracts.create for this draft (new reference): every
 * writable field that is set (an empty "owner" is left out: the server
 * makes the creator the owner), plus "id" if the draft has one.
 */
json_t *pacta_contract_to_create_args(PactaContract *self);

/* One field by wire name, as a JSON value (new reference: string, integer or
 * null); NULL if `field` is not a contract field. */
json_t *pacta_contract_get_field(PactaContract *self, const char *field);

/*
 * Sets one writable field (or "id"/"version" for drafts and tests) from a
 * JSON value, after the same validation the server does (type, range,
 * length, enum, date, currency).  FALSE and *error
 * (PACTA_DESK_ERROR_INVALID, message for the user) when refused; the
 * contract is then unchanged.
 */
gboolean pacta_contract_set_field(PactaContract *self, const char *field, const json_t *value,
                                  GError **error);

/*
 * The writable fields that differ between `base` and `edited` as a
 * `changes` object for contracts.update (new reference; {} when none).
 */
json_t *pacta_contract_diff(PactaContract *base, PactaContract *edited);

/* Text as the list's search compares it: accents dropped, case folded
 * ("Asociații" and "ASOCIATII" both give "asociatii"), the key of
 * pactad's `text` (pacta/fold.h).  Free with g_free. */
char *pacta_search_fold(const char *text);
/* The list's search: TRUE if `needle_folded` (from pacta_search_fold, one
 * line) occurs in the number, title or counterparty, folded the same way. */
gboolean pacta_contract_matches_search(PactaContract *self, const char *needle_folded);

/* A key of "number", "title", "counterparty" or "owner" (a case-folded
 * collation key) or "end_date" (the date, "" if none), for sorting with
 * strcmp(); kept until the record changes. */
const char *pacta_contract_get_sort_key(PactaContract *self, const char *field);

/*
 * For a list model that sorts and filters in a worker thread, which must
 * not call into a PactaContract: the row's cached sort key / search
 * haystack as a new GRefString reference (g_ref_string_release), or NULL if
 * not made yet; the same made from texts (any thread); and handing a key
 * made there back to the row, kept only if the row is still at `revision`
 * (a counter that moves whenever the record changes) and has none (takes
 * the reference either way).
 */
char *pacta_contract_ref_sort_key(PactaContract *self, const char *field);
char *pacta_contract_ref_haystack(PactaContract *self);
char *pacta_sort_key_make(const char *field, const char *text);
char *pacta_search_haystack_make(const char *number, const char *title, const char *counterparty);
guint pacta_contract_get_revision(PactaContract *self);
void pacta_contract_offer_sort_key(PactaContract *self, const char *field, guint revision,
                                   char *key);
void pacta_contract_offer_haystack(PactaContract *self, guint revision, char *haystack);

const char *pacta_contract_get_id(PactaContract *self);
const char *pacta_contract_get_number(PactaContract *self);
const char *pacta_contract_get_title(PactaContract *self);
const char *pacta_contract_get_counterparty(PactaContract *self);
const char *pacta_contract_get_kind(PactaContract *self);
const char *pacta_contract_get_status(PactaContract *self);
const char *pacta_contract_get_sign_date(PactaContract *self);  /* NULL if unset */
const char *pacta_contract_get_start_date(PactaContract *self); /* NULL if unset */
const char *pacta_contract_get_end_date(PactaContract *self);   /* NULL if unset */
gint64 pacta_contract_get_amount_cents(PactaContract *self);
const char *pacta_contract_get_currency(PactaContract *self);
const char *pacta_contract_get_owner(PactaContract *self);
const char *pacta_contract_get_description(PactaContract *self);
gint pacta_contract_get_notice_days(PactaContract *self);
const char *pacta_contract_get_renewal(PactaContract *self);
gint64 pacta_contract_get_version(PactaContract *self);
const char *pacta_contract_get_created_at(PactaContract *self);
const char *pacta_contract_get_updated_at(PactaContract *self);
const char *pacta_contract_get_updated_by(PactaContract *self);
const char *pacta_contract_get_lifecycle(PactaContract *self);  /* "" until the server sent one */
const char *pacta_contract_get_deleted_at(PactaContract *self); /* NULL unless deleted */
gboolean pacta_contract_get_highlight(PactaContract *self);
const char *pacta_contract_get_last_actor(PactaContract *self);
const char *const *pacta_contract_get_changed_fields(PactaContract *self);
const char *pacta_contract_get_editing_text(PactaContract *self); /* NULL if nobody */

/* Decoration setters (store / presence use them; the UI may too). */
void pacta_contract_set_highlight(PactaContract *self, gboolean highlight);
void pacta_contract_set_last_change(PactaContract *self, const char *actor,
                                    const char *const *changed_fields);
void pacta_contract_set_editing_text(PactaContract *self, const char *text);

/* ---- field metadata ----------------------------------------------------- */

/* The client-writable fields in §5 order, NULL-terminated (static). */
const char *const *pacta_contract_writable_fields(void);
/* A human label for a wire field name ("end_date" -> "End date"); static. */
const char *pacta_contract_field_label(const char *field);
/* Allowed values of an enum field ("kind", "status", "renewal"),
 * NULL-terminated, static; NULL for other fields. */
const char *const *pacta_contract_field_choices(const char *field);

/*
 * Validates one value for a writable field exactly as the server would
 * (PROTOCOL.md §4–5).  TRUE if valid, else FALSE and *error
 * (PACTA_DESK_ERROR_INVALID) whose message suits a form ("must be at most
 * 200 characters").
 */
gboolean pacta_contract_validate_value(const char *field, const json_t *value, GError **error);

/*
 * Validates a whole contract for create (required fields present and
 * valid, start_date <= end_date).  On failure *bad_field (if non-NULL) gets
 * the wire name of the first offending field (static string).
 */
gboolean pacta_contract_validate(PactaContract *self, const char **bad_field, GError **error);

/* ---- formatting helpers --------------------------------------------------- */

/* "12,500.00 EUR" for (1250000, "EUR"); newly allocated. */
char *pacta_format_amount(gint64 amount_cents, const char *currency);
/*
 * Parses what a user types for an amount: "12500", "12,500.5", "12500.50"
 * -> cents.  FALSE if not a non-negative number with at most 2 decimals
 * within 0..10^15 cents.
 */
gboolean pacta_parse_amount(const char *text, gint64 *amount_cents);
/*
 * A server timestamp ("2026-11-22T14:02:03.123Z") in local time for
 * humans: "14:02" if today, else "2026-11-22 14:02".  Newly allocated;
 * a copy of the input if it does not parse.
 */
char *pacta_format_timestamp(const char *timestamp);

G_END_DECLS

#endif
