/*
 * contracts.update without a JSON tree of the record (writer thread).
 *
 * An edit used to read the row into a jansson record (an object of ~24
 * members, ~60 allocations), merge the changes into it, derive the
 * lifecycle members, serialize it for the event and the answer, and hand
 * the tree to the loop, which freed it: ~31,000 instructions to build on
 * the writer and ~12,000 to free on the loop, per edit (bench/RESULTS.md
 * "Edits").  Here the row is copied as C values (one allocation), the
 * changes are checked against it, and the record's text is written
 * straight from the row and the changes: the bytes pacta_json_compact gives
 * for the record srv__contract_from_row reads back after the update
 * (test_srv_db_update compares them for every writable field).
 *
 * The row's columns are SRV_CONTRACT_COLS, in that order; the client's
 * writable fields are columns 1..15, in writable[] order (db_write.c).
 */
#include <stdlib.h>
#include <string.h>

#include <pacta/json_text.h>

#include "db-private.h"
#include "expiry.h"

static const char *const col_name[SRV_CROW_COLS] = {
    "id",          "number",      "title",      "counterparty",   "kind",     "status",
    "sign_date",   "start_date",  "end_date",   "amount_cents",   "currency", "owner",
    "description", "notice_days", "renewal",    "renewal_months", "version",  "created_at",
    "updated_at",  "updated_by",  "deleted_at",
};
enum {
    C_STATUS = SRV_CROW_STATUS,
    C_START = 7,
    C_END = 8,
    C_NOTICE = 13,
    C_RENEWAL = 14,
    C_VERSION = SRV_CROW_VERSION,
    C_UPDATED_AT = SRV_CROW_UPDATED_AT,
    C_UPDATED_BY = SRV_CROW_UPDATED_BY,
    C_WRITABLE_FIRST = 1,
    C_WRITABLE_LAST = 15,
};

int srv__crow_read(sqlite3_stmt *st, struct srv_crow *r)
{
    size_t total = 0;

    memset(r, 0, sizeof *r);
    if (sqlite3_column_count(st) != SRV_CROW_COLS)
        return -1;
    for (int i = 0; i < SRV_CROW_COLS; i++) {
        int type = sqlite3_column_type(st, i);
        r->col[i].type = type;
        if (type == SQLITE_INTEGER)
            r->col[i].i = sqlite3_column_int64(st, i);
        else if (type != SQLITE_NULL) {
            /* as srv__contract_from_row: anything else as its text */
            sqlite3_column_text(st, i);
            r->col[i].len = (size_t)sqlite3_column_bytes(st, i);
            total += r->col[i].len + 1;
        }
    }
    r->buf = malloc(total ? total : 1);
    if (!r->buf)
        return -1;
    char *p = r->buf;
    for (int i = 0; i < SRV_CROW_COLS; i++) {
        if (r->col[i].type == SQLITE_INTEGER || r->col[i].type == SQLITE_NULL)
            continue;
        memcpy(p, sqlite3_column_text(st, i), r->col[i].len);
        p[r->col[i].len] = '\0';
        r->col[i].s = p;
        p += r->col[i].len + 1;
    }
    return 0;
}

void srv__crow_clear(struct srv_crow *r)
{
    free(r->buf);
    r->buf = NULL;
}

const char *srv__crow_str(const struct srv_crow *r, int col)
{
    return r->col[col].s; /* NULL for an integer or a null */
}

int64_t srv__crow_int(const struct srv_crow *r, int col)
{
    return r->col[col].type == SQLITE_INTEGER ? r->col[col].i : 0;
}

/* The column's value as jansson would hold it (srv__contract_from_row). */
static json_t *col_json(const struct srv_crow *r, int i)
{
    switch (r->col[i].type) {
    case SQLITE_INTEGER:
        return json_integer(r->col[i].i);
    case SQLITE_NULL:
        return json_null();
    default:
        return json_stringn(r->col[i].s, r->col[i].len);
    }
}

/* json_equal(column's value, v) */
static int col_equals(const struct srv_crow *r, int i, const json_t *v)
{
    switch (r->col[i].type) {
    case SQLITE_INTEGER:
        return json_is_integer(v) && json_integer_value(v) == r->col[i].i;
    case SQLITE_NULL:
        return json_is_null(v);
    default:
        return json_is_string(v) && json_string_length(v) == r->col[i].len &&
               memcmp(json_string_value(v), r->col[i].s, r->col[i].len) == 0;
    }
}

/* The merged value of a string column: the change's if any, else the row's. */
static const char *merged_str(const struct srv_crow *r, const json_t *changes, int col)
{
    const json_t *v = json_object_get(changes, col_name[col]);
    return v ? json_string_value(v) : r->col[col].s;
}

/* The column of a writable field: pacta_contract_fields is in the same
 * order as the writable columns (checked by name; -1 if it ever is not). */
static int writable_col(const struct pacta_field_def *def)
{
    int col = C_WRITABLE_FIRST + (int)(def - pacta_contract_fields);
    if (col <= C_WRITABLE_LAST && strcmp(col_name[col], def->name) == 0)
        return col;
    for (col = C_WRITABLE_FIRST; col <= C_WRITABLE_LAST; col++)
        if (strcmp(col_name[col], def->name) == 0)
            return col;
    return -1;
}

int srv__crow_merge(const struct srv_crow *r, const json_t *changes, json_t **changed,
                    json_t **before, uint32_t *mask, struct pacta_error *err)
{
    const char *key;
    json_t *v;
    uint32_t present = 0; /* the columns in changes: no lookup of the 15 others */

    *changed = *before = NULL;
    *mask = 0;
    if (!json_is_object(changes) || json_object_size(changes) == 0)
        return pacta_error_set(err, PACTA_BAD_REQUEST, "changes", "must be a non-empty object");
    json_object_foreach((json_t *)changes, key, v)
    {
        const struct pacta_field_def *def = pacta_contract_field(key);

        if (!def)
            return pacta_error_set(err, PACTA_BAD_REQUEST, key, "not a writable field");
        if (pacta_field_validate(def, v, err) != 0)
            return -(int)err->code;
        int col = writable_col(def);
        present |= col < 0 ? ~0u : 1u << (col - C_WRITABLE_FIRST);
    }
    /* the checks across fields, on the merged dates */
    json_t *dates = json_object();
    const char *start = merged_str(r, changes, C_START), *end = merged_str(r, changes, C_END);
    if (start)
        json_object_set_new_nocheck(dates, "start_date", json_string(start));
    if (end)
        json_object_set_new_nocheck(dates, "end_date", json_string(end));
    int rc = pacta_contract_check(dates, err);
    json_decref(dates);
    if (rc != 0)
        return -(int)err->code;
    *changed = json_array();
    *before = json_object();
    for (int i = C_WRITABLE_FIRST; i <= C_WRITABLE_LAST; i++) {
        if (!(present & (1u << (i - C_WRITABLE_FIRST))))
            continue;
        const json_t *nv = json_object_get(changes, col_name[i]);
        if (!nv || col_equals(r, i, nv))
            continue;
        json_array_append_new(*changed, json_string_nocheck(col_name[i]));
        json_object_set_new_nocheck(*before, col_name[i], col_json(r, i));
        *mask |= 1u << (i - C_WRITABLE_FIRST);
    }
    return 0;
}

json_t *srv__crow_record(const struct srv_crow *r, int64_t today)
{
    json_t *rec = json_object();
    for (int i = 0; i < SRV_CROW_COLS; i++)
        json_object_set_new_nocheck(rec, col_name[i], col_json(r, i));
    srv_contract_derive(rec, today);
    return rec;
}

/* ,"name": (without the comma for the first member) in one pacta_buf_add:
 * four of them a key were ~5,000 instructions an edit (bench/RESULTS.md).
 * The names are the columns' and the derived members', all short. */
static void add_key(struct pacta_buf *b, const char *name, int first)
{
    char key[48];
    size_t n = strlen(name);

    if (n > sizeof key - 4)
        n = sizeof key - 4; /* not reached */
    key[0] = ',';
    key[1] = '"';
    memcpy(key + 2, name, n);
    key[n + 2] = '"';
    key[n + 3] = ':';
    pacta_buf_add(b, key + (first ? 1 : 0), n + (first ? 3 : 4));
}

int srv__crow_append_updated(struct pacta_buf *b, const struct srv_crow *r, const json_t *changes,
                             uint32_t mask, int64_t version, const char *now, const char *actor,
                             int64_t today)
{
    int first = 1;

    pacta_buf_add(b, "{", 1);
    for (int i = 0; i < SRV_CROW_COLS; i++) {
        size_t mark = b->len;
        int ok = 0;
        add_key(b, col_name[i], first);
        if (i >= C_WRITABLE_FIRST && i <= C_WRITABLE_LAST &&
            (mask & (1u << (i - C_WRITABLE_FIRST)))) {
            ok = pacta_json_append(b, json_object_get(changes, col_name[i]));
        } else if (i == C_VERSION) {
            pacta_json_append_int(b, (json_int_t)version);
        } else if (i == C_UPDATED_AT) {
            ok = pacta_json_append_string(b, now, strlen(now));
        } else if (i == C_UPDATED_BY) {
            ok = pacta_json_append_string(b, actor, strlen(actor));
        } else if (r->col[i].type == SQLITE_INTEGER) {
            pacta_json_append_int(b, (json_int_t)r->col[i].i);
        } else if (r->col[i].type == SQLITE_NULL) {
            pacta_buf_add(b, "null", 4);
        } else {
            ok = pacta_json_append_string(b, r->col[i].s, r->col[i].len);
        }
        if (ok != 0) {
            /* not valid UTF-8: srv__contract_from_row leaves such a member
             * out (json_stringn refuses it), and so does this */
            b->len = mark;
            continue;
        }
        first = 0;
    }
    /* srv_contract_derive's members, from the merged values */
    const json_t *nv = json_object_get(changes, "notice_days");
    struct srv_derived d;
    srv_contract_derived(merged_str(r, changes, C_STATUS), merged_str(r, changes, C_RENEWAL),
                         merged_str(r, changes, C_START), merged_str(r, changes, C_END),
                         nv ? json_integer_value(nv) : srv__crow_int(r, C_NOTICE), today, &d);
    add_key(b, "notice_deadline", first);
    if (d.has_end)
        pacta_json_append_string(b, d.notice_deadline, strlen(d.notice_deadline));
    else
        pacta_buf_add(b, "null", 4);
    add_key(b, "days_left", 0);
    if (d.has_end)
        pacta_json_append_int(b, (json_int_t)d.days_left);
    else
        pacta_buf_add(b, "null", 4);
    add_key(b, "lifecycle", 0);
    pacta_json_append_string(b, d.lifecycle, strlen(d.lifecycle));
    pacta_buf_add(b, "}", 1);
    return 0;
}

void srv_write_materialize(struct srv_write *w)
{
    if (!w->result && w->result_text)
        w->result = json_loadb(w->result_text, w->result_len, 0, NULL);
    size_t i;
    json_t *ev;
    json_array_foreach(w->events, i, ev)
    {
        const char *payload = json_string_value(json_object_get(ev, "payload"));
        if (!json_object_get(ev, "data") && payload)
            json_object_set_new(ev, "data", json_loads(payload, 0, NULL));
    }
}
