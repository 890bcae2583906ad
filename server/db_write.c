/*
 * What each write does, on the writer thread, inside the SAVEPOINT that
 * db.c opened for it.  A function here returns 0 with w->result (and, for
 * contract changes, w->events) filled, or -code with w->err set; db.c then
 * rolls the savepoint back, so an error never leaves half a write behind.
 * srv__write_apply hands each kind to its module: contracts are here,
 * users and sessions in db_users.c, the others in their own files.
 *
 * Contract changes follow PROTOCOL.md: versions are checked in the UPDATE
 * itself (DESIGN §5), every committed change appends its event to the
 * `changes` log in the same transaction, and edits of an active contract
 * leave one supplement per changed field.  The result and the event data
 * share one record object: once handed to the loop nothing changes either
 * (they are only encoded and freed there), so a copy each would only cost
 * (~25,000 instructions an edit, bench/RESULTS.md "Edits").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pacta/json_text.h>

#include "db-private.h"
#include "expiry.h"

static const char *const wstmt_sql[SRV_WS__COUNT] = {
    [SRV_WS_CONTRACT_GET] = "SELECT " SRV_CONTRACT_COLS " FROM contracts WHERE id = ?",
    [SRV_WS_CONTRACT_ID_TAKEN] = "SELECT 1 FROM contracts WHERE id = ?",
    [SRV_WS_NUMBER_TAKEN] =
        "SELECT 1 FROM contracts WHERE number = ? AND deleted_at IS NULL AND id IS NOT ?",
    [SRV_WS_USER_EXISTS] = "SELECT 1 FROM users WHERE username = ?",
    [SRV_WS_USER_ACTIVE] = "SELECT 1 FROM users WHERE username = ? AND disabled = 0",
    [SRV_WS_CONTRACT_INSERT] =
        "INSERT INTO contracts (id, number, title, counterparty, kind, status, sign_date, "
        "start_date, end_date, amount_cents, currency, owner, description, notice_days, renewal, "
        "renewal_months, version, created_at, updated_at, updated_by, deleted_at) VALUES (?1, ?2, "
        "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, 1, ?17, ?17, ?18, NULL)",
    [SRV_WS_CONTRACT_DELETE] =
        "UPDATE contracts SET deleted_at = ?2, version = version + 1, updated_at = ?2, "
        "updated_by = ?3 WHERE id = ?1 AND version = ?4 AND deleted_at IS NULL",
    [SRV_WS_SUPPLEMENT_INSERT] =
        "INSERT INTO supplements (contract_id, field, old_value, new_value, reason, "
        "effective_date, author, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    [SRV_WS_CHANGE_INSERT] = "INSERT INTO changes (event, entity_id, version, actor, created_at, "
                             "payload) VALUES (?, ?, ?, ?, ?, ?)",
    [SRV_WS_USER_INSERT] = "INSERT INTO users (username, display_name, password_hash, role, "
                           "disabled, created_at) VALUES (?, ?, ?, ?, 0, ?)",
    [SRV_WS_SESSION_INSERT] = "INSERT INTO sessions (token_hash, username, created_at, "
                              "expires_at, revoked_at) VALUES (?, ?, ?, ?, NULL)",
    [SRV_WS_SESSION_REVOKE] =
        "UPDATE sessions SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL",
};

/* The client-writable fields in wire order, which is also the order of
 * parameters ?2..?16 above and of the "changed" list. */
static const char *const writable[] = {
    "number",    "title",       "counterparty", "kind",         "status",
    "sign_date", "start_date",  "end_date",     "amount_cents", "currency",
    "owner",     "description", "notice_days",  "renewal",      "renewal_months",
};
#define WRITABLE_COUNT ((int)(sizeof(writable) / sizeof(writable[0])))
enum { WRITABLE_NUMBER = 0, WRITABLE_OWNER = 10 }; /* their places in writable[] */

/* Prepared once per writer connection, kept until srv__write_finalize;
 * returned reset and unbound. */
sqlite3_stmt *srv__wstmt(struct srv_db *db, enum srv_wstmt id, struct pacta_error *err)
{
    sqlite3_stmt *st = db->wstmt[id];
    int rc;

    if (st) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return st;
    }
    rc = sqlite3_prepare_v3(db->w, wstmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK) {
        srv__sql_error(db->w, rc, "prepare", err);
        return NULL;
    }
    db->wstmt[id] = st;
    return st;
}

void srv__write_finalize(struct srv_db *db)
{
    srv__expiry_finalize(db);
    for (int i = 0; i < SRV_WS__COUNT; i++) {
        sqlite3_finalize(db->wstmt[i]);
        db->wstmt[i] = NULL;
    }
    for (size_t i = 0; i < sizeof db->upd / sizeof db->upd[0]; i++) {
        sqlite3_finalize(db->upd[i].st);
        db->upd[i].st = NULL;
    }
}

/* Steps a statement that returns no row (or whose row we ignore). */
int srv__step_done(struct srv_db *db, sqlite3_stmt *st, const char *what, struct pacta_error *err)
{
    int rc = sqlite3_step(st);

    sqlite3_reset(st);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW)
        return 0;
    return srv__sql_error(db->w, rc, what, err);
}

/* 1 if the query has a row, 0 if not, < 0 on error. */
int srv__wexists(struct srv_db *db, enum srv_wstmt id, const char *a, const char *b,
                 struct pacta_error *err)
{
    sqlite3_stmt *st = srv__wstmt(db, id, err);
    int rc;

    if (!st)
        return -PACTA_INTERNAL;
    sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
    if (b)
        sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    return srv__sql_error(db->w, rc, "lookup", err);
}

/* The stored record, NULL with *rc = 0 if there is none; without its
 * derived members unless `derive` (an update derives them once, for the
 * record it writes: ~6,500 instructions an edit each time). */
static json_t *load_contract(struct srv_db *db, const char *id, int derive, int *rc,
                             struct pacta_error *err)
{
    sqlite3_stmt *st = srv__wstmt(db, SRV_WS_CONTRACT_GET, err);
    json_t *rec = NULL;
    int step;

    *rc = 0;
    if (!st) {
        *rc = -PACTA_INTERNAL;
        return NULL;
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        rec = derive ? srv__contract_from_row(st) : srv__contract_from_row_underived(st);
    else if (step != SQLITE_DONE)
        *rc = srv__sql_error(db->w, step, "load contract", err);
    sqlite3_reset(st);
    return rec;
}

static int bind_json(sqlite3_stmt *st, int idx, const json_t *v)
{
    if (json_is_string(v))
        return sqlite3_bind_text(st, idx, json_string_value(v), (int)json_string_length(v),
                                 SQLITE_TRANSIENT);
    if (json_is_integer(v))
        return sqlite3_bind_int64(st, idx, json_integer_value(v));
    return sqlite3_bind_null(st, idx);
}

/* Binds ?1 (id) and, of ?2..?16 (the writable fields), those in `mask`
 * (bits in writable[] order) from a whole record. */
static void bind_record(sqlite3_stmt *st, const char *id, const json_t *rec, uint32_t mask)
{
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    for (int i = 0; i < WRITABLE_COUNT; i++)
        if (mask & (1u << i))
            bind_json(st, i + 2, json_object_get(rec, writable[i]));
}

/* srv__append_change with the payload's text already made (payload_free:
 * malloc'd, taken; NULL when data_steal has no compact text) and, if not
 * NULL, the change's time (the write's own stamp). */
static int append_change_text(struct srv_db *db, struct srv_write *w, const char *event,
                              const char *entity, json_int_t version, const char *actor,
                              json_t *data_steal, char *payload_free, size_t plen,
                              const char *stamp, int64_t *seq)
{
    sqlite3_stmt *st = srv__wstmt(db, SRV_WS_CHANGE_INSERT, &w->err);
    char now[32];
    char *payload = payload_free;
    int rc;

    if (!st) {
        free(payload);
        json_decref(data_steal);
        return -PACTA_INTERNAL;
    }
    if (!stamp) {
        srv_now_iso(now);
        stamp = now;
    }
    sqlite3_bind_text(st, 1, event, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, entity, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, version);
    sqlite3_bind_text(st, 4, actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, stamp, -1, SQLITE_STATIC);
    if (payload)
        sqlite3_bind_text(st, 6, payload, (int)plen, SQLITE_STATIC);
    rc = srv__step_done(db, st, "append change", &w->err); /* resets: the binds may go */
    if (rc != 0) {
        free(payload);
        json_decref(data_steal);
        return rc;
    }
    int64_t n = sqlite3_last_insert_rowid(db->w);
    if (seq)
        *seq = n;
    if (!w->events)
        w->events = json_array();
    /* {"seq","event","data"}: built directly, json_pack's format parsing
     * was a few thousand instructions a write */
    json_t *ev = json_object();
    json_object_set_new_nocheck(ev, "seq", json_integer((json_int_t)n));
    json_object_set_new_nocheck(ev, "event", json_string(event));
    json_object_set_new_nocheck(ev, "data", data_steal);
    /* The stored text, which the broadcast sends as is (subscribe.c
     * event_msg): the event is serialized once, here.  Checked as UTF-8
     * by pacta_json_compact already. */
    if (payload)
        json_object_set_new(ev, "payload", json_stringn_nocheck(payload, plen));
    free(payload);
    json_array_append_new(w->events, ev);
    return 0;
}

/*
 * Appends one event to the changes log, in the writer's open transaction,
 * and to w->events for the broadcast after commit (takes data_steal).  The
 * payload in the log is the text the broadcast sends (the event's
 * "payload"), so a replayed event is byte-for-byte what live subscribers
 * got.  The one
 * place that writes the log: contract writes, the expiry scheduler and its
 * digests all come here.  *seq (may be NULL) gets the event's seq.
 */
int srv__append_change(struct srv_db *db, struct srv_write *w, const char *event,
                       const char *entity, json_int_t version, const char *actor,
                       json_t *data_steal, int64_t *seq)
{
    size_t plen = 0;
    /* json_dumps(data, JSON_COMPACT)'s bytes (PROTOCOL.md: what replays) */
    char *payload = pacta_json_compact(data_steal, &plen);
    return append_change_text(db, w, event, entity, version, actor, data_steal, payload, plen, NULL,
                              seq);
}

/* A contract write's event: the record's id and version, the writer's actor. */
static int emit_event(struct srv_db *db, struct srv_write *w, const char *event, const json_t *rec,
                      json_t *data_steal)
{
    return srv__append_change(db, w, event, json_string_value(json_object_get(rec, "id")),
                              json_integer_value(json_object_get(rec, "version")), w->actor,
                              data_steal, NULL);
}

static int owner_must_exist(struct srv_db *db, const char *owner, struct pacta_error *err)
{
    int rc = srv__wexists(db, SRV_WS_USER_EXISTS, owner, NULL, err);

    if (rc == 0)
        return pacta_error_set(err, PACTA_BAD_REQUEST, "owner", "no such user");
    return rc < 0 ? rc : 0;
}

static int number_must_be_free(struct srv_db *db, const char *number, const char *self_id,
                               struct pacta_error *err)
{
    int rc = srv__wexists(db, SRV_WS_NUMBER_TAKEN, number, self_id, err);

    if (rc == 1)
        return pacta_error_set(err, PACTA_CONFLICT, "number", "contract number already in use");
    return rc;
}

/* Defaults of the optional fields, as PROTOCOL.md / protocol.h state them;
 * callers normally pass pacta_decode_create's output, which has them all. */
static json_t *create_record(const json_t *args, const char *actor, struct pacta_error *err)
{
    json_t *rec = json_pack("{s:s, s:n, s:n, s:n, s:I, s:s, s:i, s:s, s:i}", "status", "draft",
                            "sign_date", "start_date", "end_date", "amount_cents", (json_int_t)0,
                            "description", "", "notice_days", 0, "renewal", "none",
                            "renewal_months", PACTA_RENEWAL_MONTHS_DEFAULT);
    const char *key;
    json_t *v;

    json_object_foreach((json_t *)args, key, v)
    {
        const struct pacta_field_def *def;

        if (strcmp(key, "id") == 0)
            continue;
        def = pacta_contract_field(key);
        if (!def) {
            pacta_error_set(err, PACTA_BAD_REQUEST, key, "unknown field");
            goto fail;
        }
        if (strcmp(key, "owner") == 0 && json_is_null(v))
            continue;
        if (pacta_field_validate(def, v, err) != 0)
            goto fail;
        json_object_set(rec, key, v);
    }
    if (!json_is_string(json_object_get(rec, "owner")))
        json_object_set_new(rec, "owner", json_string(actor));
    for (int i = 0; i < WRITABLE_COUNT; i++) {
        if (!json_object_get(rec, writable[i])) {
            pacta_error_set(err, PACTA_BAD_REQUEST, writable[i], "required");
            goto fail;
        }
    }
    if (pacta_contract_check(rec, err) != 0)
        goto fail;
    return rec;
fail:
    json_decref(rec);
    return NULL;
}

static int contract_create(struct srv_db *db, struct srv_write *w)
{
    struct pacta_error *err = &w->err;
    json_t *rec = NULL, *stored = NULL;
    const json_t *given_id = json_object_get(w->args, "id");
    char id[37], now[32];
    uint8_t rnd[10];
    sqlite3_stmt *st;
    int rc;

    if (!json_is_object(w->args))
        return pacta_error_set(err, PACTA_BAD_REQUEST, "", "arguments must be an object");
    rec = create_record(w->args, w->actor, err);
    if (!rec)
        return -(int)err->code;
    if (given_id && !json_is_null(given_id)) {
        if (!json_is_string(given_id) || !pacta_valid_uuid(json_string_value(given_id))) {
            rc = pacta_error_set(err, PACTA_BAD_REQUEST, "id", "must be a lowercase UUID");
            goto out;
        }
        snprintf(id, sizeof(id), "%s", json_string_value(given_id));
        rc = srv__wexists(db, SRV_WS_CONTRACT_ID_TAKEN, id, NULL, err);
        if (rc == 1)
            rc = pacta_error_set(err, PACTA_CONFLICT, "id", "contract id already in use");
        if (rc != 0)
            goto out;
    } else {
        srv__random_bytes(rnd, sizeof(rnd));
        pacta_uuid_v7(id, (uint64_t)srv_clock_now_ms(), rnd);
    }
    rc = number_must_be_free(db, json_string_value(json_object_get(rec, "number")), NULL, err);
    if (rc != 0)
        goto out;
    rc = owner_must_exist(db, json_string_value(json_object_get(rec, "owner")), err);
    if (rc != 0)
        goto out;

    srv_now_iso(now);
    if (!(st = srv__wstmt(db, SRV_WS_CONTRACT_INSERT, err))) {
        rc = -PACTA_INTERNAL;
        goto out;
    }
    bind_record(st, id, rec, ~0u);
    sqlite3_bind_text(st, 17, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 18, w->actor, -1, SQLITE_TRANSIENT);
    if ((rc = srv__step_done(db, st, "insert contract", err)) != 0)
        goto out;
    if (!(stored = load_contract(db, id, 1, &rc, err))) {
        if (rc == 0)
            rc = pacta_error_set(err, PACTA_INTERNAL, "", "internal error");
        goto out;
    }
    rc = emit_event(db, w, PACTA_EV_CONTRACT_CREATED, stored,
                    json_pack("{s:O, s:s}", "contract", stored, "actor", w->actor));
    if (rc == 0)
        w->result = json_pack("{s:O}", "contract", stored);
out:
    json_decref(rec);
    json_decref(stored);
    return rc;
}

/*
 * Loads the contract an update or delete names and checks the version its
 * author saw.  Returns the current record without its derived members, or
 * NULL with the error set (a stale version also puts {"current": record},
 * derived members and all, in w->error_extra).
 */
static json_t *load_for_change(struct srv_db *db, struct srv_write *w, const char **id_out,
                               int64_t *version_out, int *rc)
{
    struct pacta_error *err = &w->err;
    const char *id = json_string_value(json_object_get(w->args, "id"));
    const json_t *jv = json_object_get(w->args, "version");
    json_t *cur;
    int64_t current;

    if (!id) {
        *rc = pacta_error_set(err, PACTA_BAD_REQUEST, "id", "required");
        return NULL;
    }
    if (!json_is_integer(jv) || json_integer_value(jv) < 1) {
        *rc = pacta_error_set(err, PACTA_BAD_REQUEST, "version", "must be an integer >= 1");
        return NULL;
    }
    cur = load_contract(db, id, 0, rc, err);
    if (!cur) {
        if (*rc == 0)
            *rc = pacta_error_set(err, PACTA_NOT_FOUND, "id", "no such contract");
        return NULL;
    }
    if (!json_is_null(json_object_get(cur, "deleted_at"))) {
        json_decref(cur);
        *rc = pacta_error_set(err, PACTA_NOT_FOUND, "id", "the contract was deleted");
        return NULL;
    }
    current = json_integer_value(json_object_get(cur, "version"));
    if (current != json_integer_value(jv)) {
        srv_contract_derive(cur, srv_today()); /* handed out whole */
        *rc = pacta_error_set(err, PACTA_CONFLICT, "version",
                              "the contract changed: version %lld by %s at %s", (long long)current,
                              json_string_value(json_object_get(cur, "updated_by")),
                              json_string_value(json_object_get(cur, "updated_at")));
        w->error_extra = json_pack("{s:o}", "current", cur);
        return NULL;
    }
    *id_out = id;
    *version_out = current;
    *rc = 0;
    return cur;
}

/* A version-checked UPDATE that touched nothing means someone else won
 * the row in between: report it as the conflict it is. */
static int lost_race(struct srv_db *db, struct srv_write *w, const char *id)
{
    int rc;
    json_t *cur = load_contract(db, id, 1, &rc, &w->err);

    if (cur)
        w->error_extra = json_pack("{s:o}", "current", cur);
    return pacta_error_set(&w->err, PACTA_CONFLICT, "version", "the contract changed");
}

/* Stamped with the edit's own time `now` (its row's updated_at), the
 * effective date its UTC day, as srv_today_iso would give at that time. */
static int add_supplements(struct srv_db *db, struct srv_write *w, const char *id,
                           const json_t *before, const json_t *after, const json_t *changed,
                           const char *reason, const char *now)
{
    char today[11];
    size_t i;
    json_t *f;

    if (strlen(now) > 10 && now[10] == 'T') {
        memcpy(today, now, 10);
        today[10] = '\0';
    } else {
        srv_today_iso(today); /* not reached: a year of four digits */
    }
    json_array_foreach(changed, i, f)
    {
        const char *name = json_string_value(f);
        sqlite3_stmt *st = srv__wstmt(db, SRV_WS_SUPPLEMENT_INSERT, &w->err);
        char *old_v = json_dumps(json_object_get(before, name), JSON_ENCODE_ANY | JSON_COMPACT);
        char *new_v = json_dumps(json_object_get(after, name), JSON_ENCODE_ANY | JSON_COMPACT);
        int rc = -PACTA_INTERNAL;

        if (st) {
            sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 3, old_v, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 4, new_v, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 5, reason, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 6, today, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 7, w->actor, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 8, now, -1, SQLITE_TRANSIENT);
            rc = srv__step_done(db, st, "insert supplement", &w->err);
        }
        free(old_v);
        free(new_v);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/*
 * contracts.update sets only the columns that changed.  SQLite rewrites
 * every index on, and fires every UPDATE OF trigger for, each column an
 * UPDATE names, changed or not; with the list's sort indexes and the search
 * index's trigger, naming the whole row cost ~117 µs an edit against ~19 µs
 * for the one column an edit usually changes (bench/RESULTS.md).  One
 * statement per set of changed columns, prepared once and kept (a few sets
 * cover what desks do; past 16, the oldest is replaced).  Parameters keep
 * the full statement's numbers: ?1 id, ?2.. the writable columns, ?17
 * updated_at, ?18 updated_by, ?19 the version it was read at.
 */
static sqlite3_stmt *update_stmt(struct srv_db *db, uint32_t mask, struct pacta_error *err)
{
    const size_t n = sizeof db->upd / sizeof db->upd[0];
    for (size_t i = 0; i < n && db->upd[i].st; i++) {
        if (db->upd[i].mask == mask) {
            sqlite3_reset(db->upd[i].st);
            sqlite3_clear_bindings(db->upd[i].st);
            return db->upd[i].st;
        }
    }
    char sql[1024] = "UPDATE contracts SET ";
    for (int i = 0; i < WRITABLE_COUNT; i++)
        if (mask & (1u << i))
            snprintf(sql + strlen(sql), sizeof sql - strlen(sql), "%s = ?%d, ", writable[i], i + 2);
    snprintf(sql + strlen(sql), sizeof sql - strlen(sql),
             "version = version + 1, updated_at = ?17, updated_by = ?18 "
             "WHERE id = ?1 AND version = ?19 AND deleted_at IS NULL");
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v3(db->w, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK) {
        srv__sql_error(db->w, rc, "prepare", err);
        return NULL;
    }
    size_t slot = n;
    for (size_t i = 0; i < n && slot == n; i++)
        if (!db->upd[i].st)
            slot = i;
    if (slot == n) { /* all kept: replace the oldest */
        slot = db->upd_next++ % n;
        sqlite3_finalize(db->upd[slot].st);
    }
    db->upd[slot].mask = mask;
    db->upd[slot].st = st;
    return st;
}

/*
 * The contract an update names, as C values (db_contract_row.c), after the
 * checks of load_for_change: a missing or deleted row is not_found, a stale
 * version a conflict with {"current": record} in w->error_extra.  1 with *r
 * filled (srv__crow_clear it), or <= 0 with the error set.
 */
static int load_row_for_update(struct srv_db *db, struct srv_write *w, struct srv_crow *r,
                               const char **id_out, int64_t *version_out)
{
    struct pacta_error *err = &w->err;
    const char *id = json_string_value(json_object_get(w->args, "id"));
    const json_t *jv = json_object_get(w->args, "version");
    sqlite3_stmt *st;
    int rc, step;

    if (!id)
        return pacta_error_set(err, PACTA_BAD_REQUEST, "id", "required");
    if (!json_is_integer(jv) || json_integer_value(jv) < 1)
        return pacta_error_set(err, PACTA_BAD_REQUEST, "version", "must be an integer >= 1");
    if (!(st = srv__wstmt(db, SRV_WS_CONTRACT_GET, err)))
        return -PACTA_INTERNAL;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    step = sqlite3_step(st);
    if (step == SQLITE_DONE) {
        rc = pacta_error_set(err, PACTA_NOT_FOUND, "id", "no such contract");
    } else if (step != SQLITE_ROW) {
        rc = srv__sql_error(db->w, step, "load contract", err);
    } else if (srv__crow_read(st, r) != 0) {
        rc = pacta_error_set(err, PACTA_INTERNAL, "", "internal error");
    } else if (r->col[SRV_CROW_DELETED_AT].type != SQLITE_NULL) {
        srv__crow_clear(r);
        rc = pacta_error_set(err, PACTA_NOT_FOUND, "id", "the contract was deleted");
    } else if (srv__crow_int(r, SRV_CROW_VERSION) != json_integer_value(jv)) {
        rc = pacta_error_set(
            err, PACTA_CONFLICT, "version", "the contract changed: version %lld by %s at %s",
            (long long)srv__crow_int(r, SRV_CROW_VERSION), srv__crow_str(r, SRV_CROW_UPDATED_BY),
            srv__crow_str(r, SRV_CROW_UPDATED_AT));
        w->error_extra = json_pack("{s:o}", "current", srv__crow_record(r, srv_today()));
        srv__crow_clear(r);
    } else {
        *id_out = id;
        *version_out = srv__crow_int(r, SRV_CROW_VERSION);
        rc = 1;
    }
    sqlite3_reset(st);
    return rc;
}

/*
 * The event's payload, {"contract","changed","actor","reason"?}, and the
 * answer's result, {"contract","changed"}: the record's text is written
 * once, from the row and the changes (srv__crow_append_updated), for both;
 * the loop answers with the result's text (~15,000 instructions an edit it
 * no longer spends encoding the record, bench/RESULTS.md "Edits").
 */
static void update_texts(const struct srv_crow *r, const json_t *changes, uint32_t mask,
                         const json_t *changed, int64_t version, const char *now, const char *actor,
                         const char *reason, struct pacta_buf *payload, struct pacta_buf *result)
{
    pacta_buf_add(result, "{\"contract\":", 12);
    srv__crow_append_updated(result, r, changes, mask, version, now, actor, srv_today());
    pacta_buf_add(result, ",\"changed\":", 11);
    pacta_json_append(result, changed); /* field names: cannot fail */
    pacta_buf_add(payload, result->p, result->len);
    pacta_buf_add(result, "}", 1);
    pacta_buf_add(payload, ",\"actor\":", 9);
    if (pacta_json_append_string(payload, actor, strlen(actor)) != 0)
        pacta_buf_add(payload, "null", 4); /* not reached: usernames are checked */
    if (reason) {
        pacta_buf_add(payload, ",\"reason\":", 10);
        if (pacta_json_append_string(payload, reason, strlen(reason)) != 0)
            pacta_buf_add(payload, "null", 4); /* not reached: it came from JSON */
    }
    pacta_buf_add(payload, "}", 1);
}

/*
 * contracts.update.  Its event in w->events has no "data" but its payload
 * (the data's text) and, for the loop's scheduler, "entity" and "changed";
 * w->result is NULL and w->result_text the result's text.
 * srv_write_materialize gives both back as trees (tests, bench tools).
 */
static int contract_update(struct srv_db *db, struct srv_write *w)
{
    struct pacta_error *err = &w->err;
    const json_t *jreason = json_object_get(w->args, "reason");
    const json_t *changes = json_object_get(w->args, "changes");
    const char *reason = json_string_value(jreason), *id = NULL;
    json_t *before = NULL, *changed = NULL;
    struct srv_crow r;
    int64_t version = 0;
    uint32_t mask = 0;
    int was_active, rc;
    sqlite3_stmt *st;
    char now[32];

    if (jreason && !json_is_null(jreason) && (!reason || !reason[0]))
        return pacta_error_set(err, PACTA_BAD_REQUEST, "reason", "must be a non-empty string");
    if ((rc = load_row_for_update(db, w, &r, &id, &version)) != 1)
        return rc;
    const char *status = srv__crow_str(&r, SRV_CROW_STATUS);
    was_active = status && strcmp(status, "active") == 0;
    if ((rc = srv__crow_merge(&r, changes, &changed, &before, &mask, err)) != 0)
        goto out;
    if (json_array_size(changed) == 0) {
        /* Nothing differs: no new version, no event, nothing to audit. */
        w->result = json_pack("{s:o, s:O}", "contract", srv__crow_record(&r, srv_today()),
                              "changed", changed);
        rc = 0;
        goto out;
    }
    if (was_active && !reason) {
        rc = pacta_error_set(err, PACTA_BAD_REQUEST, "reason",
                             "a change to an active contract needs a reason");
        goto out;
    }
    if ((mask & (1u << WRITABLE_NUMBER)) &&
        (rc = number_must_be_free(db, json_string_value(json_object_get(changes, "number")), id,
                                  err)) != 0)
        goto out;
    if ((mask & (1u << WRITABLE_OWNER)) &&
        (rc = owner_must_exist(db, json_string_value(json_object_get(changes, "owner")), err)) != 0)
        goto out;

    srv_now_iso(now);
    if (!(st = update_stmt(db, mask, err))) {
        rc = -PACTA_INTERNAL;
        goto out;
    }
    bind_record(st, id, changes, mask); /* the changed columns are all in changes */
    sqlite3_bind_text(st, 17, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 18, w->actor, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 19, version);
    if ((rc = srv__step_done(db, st, "update contract", err)) != 0)
        goto out;
    if (sqlite3_changes(db->w) != 1) {
        rc = lost_race(db, w, id);
        goto out;
    }
    if (was_active && (rc = add_supplements(db, w, id, before, changes, changed, reason, now)) != 0)
        goto out;
    struct pacta_buf payload = {0}, result = {0};
    update_texts(&r, changes, mask, changed, version + 1, now, w->actor, reason, &payload, &result);
    int64_t seq = 0;
    rc = append_change_text(db, w, PACTA_EV_CONTRACT_UPDATED, id, version + 1, w->actor, NULL,
                            payload.p, payload.len, now, &seq);
    if (rc == 0) {
        json_t *ev = json_array_get(w->events, json_array_size(w->events) - 1);
        json_object_set_new_nocheck(ev, "entity", json_string(id));
        json_object_set_nocheck(ev, "changed", changed);
        w->result_text = result.p;
        w->result_len = result.len;
    } else {
        free(result.p);
    }
out:
    srv__crow_clear(&r);
    json_decref(before);
    json_decref(changed);
    return rc;
}

static int contract_delete(struct srv_db *db, struct srv_write *w)
{
    struct pacta_error *err = &w->err;
    const char *reason = json_string_value(json_object_get(w->args, "reason")), *id = NULL;
    json_t *cur, *stored = NULL, *data;
    int64_t version = 0;
    sqlite3_stmt *st;
    char now[32];
    int rc;

    if (!(cur = load_for_change(db, w, &id, &version, &rc)))
        return rc;
    srv_now_iso(now);
    if (!(st = srv__wstmt(db, SRV_WS_CONTRACT_DELETE, err))) {
        rc = -PACTA_INTERNAL;
        goto out;
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, w->actor, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, version);
    if ((rc = srv__step_done(db, st, "delete contract", err)) != 0)
        goto out;
    if (sqlite3_changes(db->w) != 1) {
        rc = lost_race(db, w, id);
        goto out;
    }
    if (!(stored = load_contract(db, id, 1, &rc, err))) {
        if (rc == 0)
            rc = pacta_error_set(err, PACTA_INTERNAL, "", "internal error");
        goto out;
    }
    data = json_pack("{s:O, s:s}", "contract", stored, "actor", w->actor);
    if (reason)
        json_object_set_new(data, "reason", json_string(reason));
    if ((rc = emit_event(db, w, PACTA_EV_CONTRACT_DELETED, stored, data)) == 0)
        w->result = json_pack("{s:O}", "contract", stored);
out:
    json_decref(cur);
    json_decref(stored);
    return rc;
}

int srv__write_apply(struct srv_db *db, struct srv_write *w)
{
    switch (w->kind) {
    case SRV_W_CONTRACT_CREATE:
        return contract_create(db, w);
    case SRV_W_CONTRACT_UPDATE:
        return contract_update(db, w);
    case SRV_W_CONTRACT_DELETE:
        return contract_delete(db, w);
    case SRV_W_USER_CREATE:
        return srv__user_create(db, w);
    case SRV_W_SESSION_CREATE: {
        int rc = srv__session_create(db, w);
        return rc == 0 ? srv__expiry_login_result(db, w) : rc;
    }
    case SRV_W_SESSION_REVOKE:
        return srv__session_revoke(db, w);
    case SRV_W_NOOP: {
        /* /readyz: page 1 rewritten with the application_id it has, so the
         * commit writes and syncs a WAL frame (an empty transaction writes
         * nothing and succeeded on a disk that refused every write) */
        sqlite3_stmt *st = NULL;
        char sql[48];
        int id = 0;
        if (sqlite3_prepare_v2(db->w, "PRAGMA application_id", -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            id = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        snprintf(sql, sizeof sql, "PRAGMA application_id = %d", id);
        if (sqlite3_exec(db->w, sql, NULL, NULL, NULL) != SQLITE_OK)
            return srv__sql_error(db->w, sqlite3_errcode(db->w), "readiness write", &w->err);
        return 0;
    }
    case SRV_W_USER_UPDATE:
        return srv__user_update(db, w);
    case SRV_W_EXPIRY_SCAN:
    case SRV_W_NOTIFICATIONS_READ:
    case SRV_W_USER_PREFERENCES:
        return srv__expiry_write_apply(db, w);
    case SRV_W_BACKUP_RECORD:
    case SRV_W_BACKUP_FORGET:
    case SRV_W_BACKUP_VERIFIED:
    case SRV_W_BACKUP_ADOPT:
    case SRV_W_DB_RESTORE:
        return srv__backup_write_apply(db, w);
    case SRV_W_DOCUMENT_ADD:
    case SRV_W_DOCUMENT_DELETE:
        return srv__documents_write_apply(db, w);
    case SRV_W_VIEW_SAVE:
    case SRV_W_VIEW_DELETE:
        return srv__views_write_apply(db, w);
    }
    return pacta_error_set(&w->err, PACTA_INTERNAL, "", "unknown write");
}
