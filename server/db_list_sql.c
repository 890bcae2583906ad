/*
 * contracts.list's SQL text (db_list.c runs it): the statement of a page for
 * its plan, its filters (the lifecycle as SQL), the sort keys' columns and
 * indexes, and the cursors after a row.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_fold.h"
#include "db_list-private.h"
#include "schema_lists.h"

/* ---- a growing SQL text ------------------------------------------------- */

void srv__list_sb_add(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (b->len + (size_t)n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + (size_t)n + 1)
            cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            srv__log_error("fatal: out of memory", NULL);
            abort();
        }
        b->s = s;
        b->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* ---- sort keys ------------------------------------------------------------ */

static const struct sort_def sorts[PACTA_SORT__COUNT] = {
    /* contracts_fts_content: c0 id, c1 number, c2 title, c3 counterparty
     * (schema_lists.h), kept equal to the row's by the triggers, made
     * into the sort column's key; a title's and a counterparty's key is
     * pacta_fold of the text (schema_sort_keys.h), and so is the cursor's
     * (the collation orders texts as their keys, without making them; a
     * key folds to itself) */
    [PACTA_SORT_NUMBER] = {"number", "contracts_order", "number", 0, 0, "fc.c1"},
    [PACTA_SORT_TITLE] = {"title_key", "contracts_title", "title", 0, 0,
                          "fc.c2 COLLATE " SRV_FOLD_FUNCTION, SRV_FOLD_FUNCTION "(:ck)"},
    [PACTA_SORT_COUNTERPARTY] = {"counterparty_key", "contracts_counterparty", "counterparty", 0, 0,
                                 "fc.c3 COLLATE " SRV_FOLD_FUNCTION, SRV_FOLD_FUNCTION "(:ck)"},
    [PACTA_SORT_END_DATE] = {"end_key", "contracts_end", "end_date", 1, 0},
    [PACTA_SORT_START_DATE] = {"start_key", "contracts_start", "start_date", 1, 0},
    [PACTA_SORT_SIGN_DATE] = {"sign_key", "contracts_sign", "sign_date", 1, 0},
    [PACTA_SORT_AMOUNT] = {"amount_cents", "contracts_amount", "amount_cents", 0, 1},
    [PACTA_SORT_UPDATED_AT] = {"updated_at", "contracts_updated", "updated_at", 0, 0},
};

const struct sort_def *srv__list_sort_def(enum pacta_list_sort sort)
{
    return &sorts[sort];
}

/* ---- lifecycle (srv_contract_derive, as SQL) ------------------------------ */

/* Draft and active contracts follow their dates; expired and terminated
 * ones are what their status says.  :today and :until (today + the
 * expiring window) are the server zone's days. */
static const char *lifecycle_sql(const char *lifecycle)
{
    static const struct {
        const char *name, *sql;
    } defs[] = {
        {PACTA_LIFECYCLE_TERMINATED, "status = 'terminated'"},
        {PACTA_LIFECYCLE_EXPIRED,
         "(status = 'expired' OR (status IN ('draft', 'active') AND end_date < :today))"},
        {PACTA_LIFECYCLE_UNKNOWN, "(status IN ('draft', 'active') AND end_date IS NULL)"},
        {PACTA_LIFECYCLE_UPCOMING,
         "(status IN ('draft', 'active') AND end_date IS NOT NULL AND start_date > :today)"},
        {PACTA_LIFECYCLE_EXPIRING,
         "(status IN ('draft', 'active') AND end_date >= :today AND end_date <= :until"
         " AND renewal <> 'evergreen' AND (start_date IS NULL OR start_date <= :today))"},
        {PACTA_LIFECYCLE_ACTIVE, "(status IN ('draft', 'active') AND end_date >= :today"
                                 " AND (start_date IS NULL OR start_date <= :today)"
                                 " AND (end_date > :until OR renewal = 'evergreen'))"},
    };
    for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++)
        if (strcmp(defs[i].name, lifecycle) == 0)
            return defs[i].sql;
    return "0";
}

/* ---- the statement of a page --------------------------------------------- */

/* The filters themselves, on the table's own columns (any plan). */
static void add_filters(struct page *p, int fts_joined)
{
    const struct pacta_list_args *a = p->a;
    struct sbuf *b = &p->sql;

    /* unary + keeps a filter out of the index choice: the plan's own
     * terms (driver, cursor) are the ones SQLite seeks with */
    srv__list_sb_add(b, " WHERE 1");
    /* first: every sort index holds id, so a row that is not a hit is
     * passed over on its index entry, unread; the hits' ids are read
     * from the search index's stored copy by rowid (one read each, where
     * contracts_fts_map by rid is two: 5 ms instead of 13 for 5,101) */
    if (p->qids)
        srv__list_sb_add(b, " AND id IN (SELECT c0 FROM contracts_fts_content WHERE id IN %s)",
                         p->qrids ? "(SELECT value FROM json_each(:qrids))"
                                  : "(SELECT rowid FROM contracts_fts WHERE contracts_fts MATCH"
                                    " :match)");
    if (!a->include_deleted)
        srv__list_sb_add(b, " AND deleted_at IS NULL");
    if (a->status)
        srv__list_sb_add(b, " AND +status = :status");
    if (a->kind)
        srv__list_sb_add(b, " AND +kind = :kind");
    if (a->owner)
        srv__list_sb_add(b, " AND +owner = :owner");
    if (a->currency)
        srv__list_sb_add(b, " AND +currency = :currency");
    if (a->sign_from)
        srv__list_sb_add(b, " AND +sign_date >= :sign_from");
    if (a->sign_to)
        srv__list_sb_add(b, " AND +sign_date <= :sign_to");
    if (a->start_from)
        srv__list_sb_add(b, " AND +start_date >= :start_from");
    if (a->start_to)
        srv__list_sb_add(b, " AND +start_date <= :start_to");
    if (a->end_from)
        srv__list_sb_add(b, " AND +end_date >= :end_from");
    if (a->end_to)
        srv__list_sb_add(b, " AND +end_date <= :end_to");
    if (a->has_amount_min)
        srv__list_sb_add(b, " AND +amount_cents >= :amount_min");
    if (a->has_amount_max)
        srv__list_sb_add(b, " AND +amount_cents <= :amount_max");
    if (p->needle)
        srv__list_sb_add(b, " AND " SRV_CONTAINS_FUNCTION "(:needle, number, title, counterparty)");
    if (a->lifecycle)
        srv__list_sb_add(b, " AND %s", lifecycle_sql(a->lifecycle));
    /* q when the search index does not drive: a test per row, against the
     * hits collected once per statement — their rowids, which the index
     * yields without reading its stored columns (the ids would cost a read
     * per hit: 4.7 s instead of 0.25 s for a million hits).  A q probe
     * tests it in C instead (run_page). */
    if (p->match && !fts_joined && !p->qprobe && !p->qids)
        srv__list_sb_add(b, " AND (SELECT rid FROM contracts_fts_map WHERE contracts_fts_map.id ="
                            " contracts.id) IN (SELECT rowid FROM contracts_fts WHERE contracts_fts"
                            " MATCH :match)");
}

void srv__list_build_sql(struct page *p)
{
    struct sbuf *b = &p->sql;
    const char *dir = p->a->desc ? "DESC" : "ASC";
    const char *index = p->drv ? p->drv->index : p->sd ? p->sd->index : "";

    if (p->plan == SRV_LIST_RANKED) {
        /* The first :rk hits in rank order (after the cursor's row), then
         * their ids (the search index's stored copy, by rowid: one read
         * where the map's index on rid is two), then their rows by key; the
         * rank key comes along for the next cursor (run_page). */
        srv__list_sb_add(b,
                         "SELECT " SRV_CONTRACT_COLS ", score AS r_score, fts_rid AS r_rid"
                         " FROM (SELECT fts_rid, score, (SELECT c0 FROM contracts_fts_content"
                         " WHERE id = fts_rid) AS fts_id FROM (SELECT fts_rid, score FROM"
                         " (SELECT contracts_fts.rowid AS fts_rid, " RANK_SCORE " AS score"
                         " FROM " SRV_LIST_RANK_FROM " WHERE contracts_fts MATCH :match)%s"
                         " ORDER BY score, fts_rid"
                         " LIMIT :rk)) CROSS JOIN contracts"
                         " INDEXED BY sqlite_autoindex_contracts_1 ON id = fts_id",
                         p->rkey ? " WHERE (score, fts_rid) > (:cs, :crid)" : "");
        add_filters(p, 1);
        srv__list_sb_add(b, " ORDER BY score, fts_rid LIMIT :lim OFFSET :off");
        return;
    }
    if (p->plan == SRV_LIST_FTS) {
        srv__list_sb_add(b,
                         "SELECT " SRV_CONTRACT_COLS " FROM (SELECT id AS fts_id FROM contracts_fts"
                         " WHERE contracts_fts MATCH :match) CROSS JOIN contracts"
                         " INDEXED BY sqlite_autoindex_contracts_1 ON id = fts_id");
        add_filters(p, 1);
    } else if (p->plan == SRV_LIST_TEXT && p->text_top) {
        /* the first :rk candidates in the sort order, by the key and id
         * the search index stores (one read each by rowid, where the whole
         * row is three), after the cursor; then their rows and the
         * filters, pacta_contains among them */
        srv__list_sb_add(b,
                         "SELECT " SRV_CONTRACT_COLS " FROM (SELECT fc.c0 AS text_id FROM %s"
                         " CROSS JOIN contracts_fts_content AS fc ON fc.id = %s.rowid"
                         " WHERE %s MATCH :tmatch",
                         index, index, index);
        if (p->has_cursor)
            srv__list_sb_add(b, " AND (%s, fc.c0) %s (%s, :cid)", p->sd->stored,
                             p->a->desc ? "<" : ">", p->sd->ck ? p->sd->ck : ":ck");
        srv__list_sb_add(b,
                         " ORDER BY %s %s, fc.c0 %s LIMIT :rk) CROSS JOIN contracts"
                         " INDEXED BY sqlite_autoindex_contracts_1 ON id = text_id",
                         p->sd->stored, dir, dir);
        add_filters(p, 0);
    } else if (p->plan == SRV_LIST_TEXT) {
        /* the trigram (or short) index's hits are candidates: add_filters
         * keeps pacta_contains */
        srv__list_sb_add(b,
                         "SELECT " SRV_CONTRACT_COLS " FROM (SELECT fc.c0 AS text_id"
                         " FROM %s CROSS JOIN contracts_fts_content AS fc ON fc.id = %s.rowid"
                         " WHERE %s MATCH :tmatch) CROSS JOIN contracts"
                         " INDEXED BY sqlite_autoindex_contracts_1 ON id = text_id",
                         index, index, index);
        add_filters(p, 0);
    } else if (p->plan == SRV_LIST_RANGE) {
        /* the range's first :rk entries in number order, from the index
         * alone, then their rows by rowid (NOT INDEXED: no other index
         * may drive), then the filters */
        srv__list_sb_add(b, "SELECT " SRV_CONTRACT_COLS " FROM contracts NOT INDEXED");
        add_filters(p, 0);
        srv__list_sb_add(b, " AND rowid IN (SELECT rowid FROM contracts INDEXED BY %s WHERE 1",
                         index);
        srv__list_where_terms(b, p->drv, 1, 1);
        if (!p->a->include_deleted)
            srv__list_sb_add(b, " AND deleted_at IS NULL");
        if (p->has_cursor)
            srv__list_sb_add(b, " AND (number, id) %s (:ck, :cid)", p->a->desc ? "<" : ">");
        srv__list_sb_add(b, " ORDER BY number %s, id %s LIMIT :rk)", dir, dir);
    } else {
        /* a q probe also reads the row's supplement reasons, from the
         * search index's own copy (by its rowid: no search) */
        srv__list_sb_add(b, "SELECT " SRV_CONTRACT_COLS "%s FROM contracts INDEXED BY %s",
                         p->qprobe ? ", (SELECT reasons FROM contracts_fts WHERE rowid ="
                                     " (SELECT rid FROM contracts_fts_map WHERE"
                                     " contracts_fts_map.id = contracts.id)) AS q_reasons"
                                   : "",
                         index);
        add_filters(p, 0);
        /* the driver's own terms: in a walk the cursor's row value takes
         * the place of the bound it passed, so SQLite seeks with it */
        if (p->drv)
            srv__list_where_terms(b, p->drv,
                                  !(p->plan == SRV_LIST_WALK && p->has_cursor && !p->a->desc),
                                  !(p->plan == SRV_LIST_WALK && p->has_cursor && p->a->desc));
    }
    if (p->has_cursor)
        srv__list_sb_add(b, " AND (%s, id) %s (%s, :cid)", p->sd->col, p->a->desc ? "<" : ">",
                         p->sd->ck ? p->sd->ck : ":ck");
    srv__list_sb_add(b, " ORDER BY %s %s, id %s LIMIT :lim", p->sd->col, dir, dir);
}

/* ---- cursors -------------------------------------------------------------- */

/* ["k", fingerprint, key, id] after a row, ["r", fingerprint, score, rowid]
 * after a ranked page's row (["o", fingerprint, offset]: a ranked page by
 * position, as servers before handed out); base64url, opaque to clients. */
int srv__list_cursor_decode(struct page *p, const char *cursor)
{
    uint8_t buf[2048];
    size_t len;
    json_t *arr = NULL, *v;
    int rc = -1;

    if (strlen(cursor) > 2100 || srv__b64url_decode(cursor, buf, sizeof(buf), &len) != 0)
        goto out;
    arr = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_array(arr) || json_array_size(arr) < 3 ||
        !json_is_string(json_array_get(arr, 0)) || !json_is_string(json_array_get(arr, 1)) ||
        strcmp(json_string_value(json_array_get(arr, 1)), p->fp) != 0)
        goto out;
    if (p->sort == PACTA_SORT_RELEVANCE &&
        strcmp(json_string_value(json_array_get(arr, 0)), "r") == 0) {
        v = json_array_get(arr, 2);
        if (json_array_size(arr) != 4 || !json_is_number(v) ||
            !json_is_integer(json_array_get(arr, 3)))
            goto out;
        p->rkey = 1;
        p->cscore = json_number_value(v);
        p->crid = (int64_t)json_integer_value(json_array_get(arr, 3));
    } else if (p->sort == PACTA_SORT_RELEVANCE) {
        v = json_array_get(arr, 2);
        if (strcmp(json_string_value(json_array_get(arr, 0)), "o") != 0 ||
            json_array_size(arr) != 3 || !json_is_integer(v) || json_integer_value(v) < 0 ||
            json_integer_value(v) > 1000000000)
            goto out;
        p->offset = (long)json_integer_value(v);
    } else {
        v = json_array_get(arr, 2);
        if (strcmp(json_string_value(json_array_get(arr, 0)), "k") != 0 ||
            json_array_size(arr) != 4 || !json_is_string(json_array_get(arr, 3)) ||
            !(p->sd->is_int ? json_is_integer(v) : json_is_string(v)))
            goto out;
        p->ckey = json_incref(v);
        p->cid = strdup(json_string_value(json_array_get(arr, 3)));
    }
    p->has_cursor = 1;
    rc = 0;
out:
    json_decref(arr);
    return rc;
}

char *srv__list_cursor_after(const struct page *p, const json_t *rec)
{
    const json_t *v = json_object_get(rec, p->sd->field);
    json_t *key;

    if (p->sd->is_int)
        key = json_integer(json_integer_value(v));
    else if (p->sd->is_date && !json_is_string(v))
        key = json_string(SRV_NO_DATE_KEY);
    else
        key = json_string(json_string_value(v));
    return srv__list_b64_json(
        json_pack("[s, s, o, s]", "k", p->fp, key, json_string_value(json_object_get(rec, "id"))));
}
