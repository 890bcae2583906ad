/*
 * Reads: every function takes a connection lent by srv_db_reader_acquire()
 * (or, for srv__contract_from_row, any statement), so any thread may call
 * them.  Statements are prepared per call: readers are pooled and shared
 * between threads, and these queries are cheap to prepare next to what they
 * return.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db-private.h"
#include "expiry.h"

void srv__log_error(const char *msg, const char *detail)
{
    json_t *line = json_pack("{s:s, s:s}", "level", "error", "msg", msg);
    char *text;

    if (detail)
        json_object_set_new(line, "detail", json_string(detail));
    text = json_dumps(line, JSON_COMPACT);
    if (text)
        fprintf(stderr, "%s\n", text);
    free(text);
    json_decref(line);
}

/*
 * Clients learn only "unavailable" (the disk or the lock, try again) or
 * "internal"; the SQL error, which may name tables or paths, goes to the
 * log.
 */
int srv__sql_error(sqlite3 *db, int rc, const char *what, struct pacta_error *err)
{
    char msg[160];

    snprintf(msg, sizeof(msg), "db: %s failed", what);
    srv__log_error(msg, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    switch (rc & 0xff) {
    case SQLITE_FULL:
        return pacta_error_set(err, PACTA_UNAVAILABLE, "",
                               "the server's disk is full: nothing was changed, try again later");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_NOMEM:
        return pacta_error_set(err, PACTA_UNAVAILABLE, "", "the database is unavailable");
    case SQLITE_CONSTRAINT:
        return pacta_error_set(err, PACTA_BAD_REQUEST, "", "a value was rejected by the store");
    default:
        return pacta_error_set(err, PACTA_INTERNAL, "", "internal error");
    }
}

/* The record as PROTOCOL.md "Contract" has it: columns map to members one
 * to one, SQL NULL to JSON null. */
json_t *srv__contract_from_row(sqlite3_stmt *st)
{
    json_t *rec = srv__contract_from_row_underived(st);
    /* a whole contract row (not a projection): add the derived members */
    if (json_object_get(rec, "renewal") && json_object_get(rec, "status"))
        srv_contract_derive(rec, srv_today());
    return rec;
}

json_t *srv__contract_from_row_underived(sqlite3_stmt *st)
{
    json_t *rec = json_object();
    int n = sqlite3_column_count(st);

    for (int i = 0; i < n; i++) {
        const char *name = sqlite3_column_name(st, i);
        json_t *v;

        switch (sqlite3_column_type(st, i)) {
        case SQLITE_INTEGER:
            v = json_integer(sqlite3_column_int64(st, i));
            break;
        case SQLITE_NULL:
            v = json_null();
            break;
        default:
            v = json_stringn((const char *)sqlite3_column_text(st, i),
                             (size_t)sqlite3_column_bytes(st, i));
            break;
        }
        /* column names are this program's ASCII: no UTF-8 check of each */
        json_object_setn_new_nocheck(rec, name, strlen(name), v);
    }
    return rec;
}

int srv_db_read_contract(sqlite3 *r, const char *id, json_t **out, struct pacta_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    *out = NULL;
    rc = sqlite3_prepare_v2(r, "SELECT " SRV_CONTRACT_COLS " FROM contracts WHERE id = ?", -1, &st,
                            NULL);
    if (rc != SQLITE_OK) {
        rc = srv__sql_error(r, rc, "read contract", err);
        goto out;
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = srv__contract_from_row(st);
        rc = 0;
    } else if (rc == SQLITE_DONE) {
        rc = pacta_error_set(err, PACTA_NOT_FOUND, "id", "no such contract");
    } else {
        rc = srv__sql_error(r, rc, "read contract", err);
    }
out:
    sqlite3_finalize(st);
    return rc;
}

/* srv_db_read_contracts (contracts.list): db_list.c. */

int srv_db_read_supplements(sqlite3 *r, const char *contract_id, int64_t after, int limit,
                            json_t **out, struct pacta_error *err)
{
    sqlite3_stmt *st = NULL;
    json_t *items = json_array();
    int64_t last = 0;
    int rc, n = 0, more = 0;

    *out = NULL;
    /* one row more than the page tells whether there is a next one */
    rc = sqlite3_prepare_v2(r,
                            "SELECT s.id, s.contract_id, s.field, s.old_value, s.new_value, "
                            "s.reason, s.effective_date, s.author, s.created_at, c.id "
                            "FROM contracts c LEFT JOIN supplements s ON s.contract_id = c.id "
                            "AND s.id > ?2 WHERE c.id = ?1 ORDER BY s.id LIMIT ?3",
                            -1, &st, NULL);
    if (rc != SQLITE_OK) {
        rc = srv__sql_error(r, rc, "list supplements", err);
        goto out;
    }
    sqlite3_bind_text(st, 1, contract_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, after);
    sqlite3_bind_int64(st, 3, limit > 0 ? (int64_t)limit + 1 : -1);
    int found = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        found = 1;
        if (sqlite3_column_type(st, 0) == SQLITE_NULL)
            continue; /* the contract exists but has no supplement (left) */
        if (limit > 0 && n == limit) {
            more = 1;
            continue;
        }
        n++;
        last = sqlite3_column_int64(st, 0);
        json_t *old_v = json_loads((const char *)sqlite3_column_text(st, 3), JSON_DECODE_ANY, NULL);
        json_t *new_v = json_loads((const char *)sqlite3_column_text(st, 4), JSON_DECODE_ANY, NULL);
        json_array_append_new(
            items, json_pack("{s:I, s:s, s:s, s:o, s:o, s:s, s:s, s:s, s:s}", "id",
                             (json_int_t)sqlite3_column_int64(st, 0), "contract_id",
                             (const char *)sqlite3_column_text(st, 1), "field",
                             (const char *)sqlite3_column_text(st, 2), "old_value",
                             old_v ? old_v : json_null(), "new_value", new_v ? new_v : json_null(),
                             "reason", (const char *)sqlite3_column_text(st, 5), "effective_date",
                             (const char *)sqlite3_column_text(st, 6), "author",
                             (const char *)sqlite3_column_text(st, 7), "created_at",
                             (const char *)sqlite3_column_text(st, 8)));
    }
    if (rc != SQLITE_DONE) {
        rc = srv__sql_error(r, rc, "list supplements", err);
        goto out;
    }
    if (!found) {
        rc = pacta_error_set(err, PACTA_NOT_FOUND, "contract_id", "no such contract");
        goto out;
    }
    char cursor[24];
    snprintf(cursor, sizeof cursor, "%lld", (long long)last);
    *out = json_pack("{s:O, s:s?}", "items", items, "next_cursor", more ? cursor : NULL);
    rc = 0;
out:
    sqlite3_finalize(st);
    json_decref(items);
    return rc;
}

int srv_db_scan_changes(sqlite3 *r, int64_t since, int limit, srv_change_fn fn, void *ctx)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(
        r, "SELECT seq, event, payload FROM changes WHERE seq > ? ORDER BY seq LIMIT ?", -1, &st,
        NULL);

    if (rc != SQLITE_OK) {
        rc = srv__sql_error(r, rc, "read changes", NULL);
        goto out;
    }
    sqlite3_bind_int64(st, 1, since);
    sqlite3_bind_int(st, 2, limit);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (fn(ctx, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
               (const char *)sqlite3_column_text(st, 2), (size_t)sqlite3_column_bytes(st, 2))) {
            rc = SQLITE_DONE;
            break;
        }
    }
    if (rc != SQLITE_DONE) {
        rc = srv__sql_error(r, rc, "read changes", NULL);
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    return rc;
}

/* srv_db_read_changes on top of the scan: each row as parsed JSON. */
static int append_change(void *ctx, int64_t seq, const char *event, const char *payload,
                         size_t payload_len)
{
    json_t *data = json_loadb(payload, payload_len, 0, NULL);
    json_array_append_new(ctx, json_pack("{s:I, s:s, s:o}", "seq", (json_int_t)seq, "event", event,
                                         "data", data ? data : json_object()));
    return 0;
}

int srv_db_read_changes(sqlite3 *r, int64_t since, int limit, json_t **out)
{
    json_t *arr = json_array();
    int rc = srv_db_scan_changes(r, since, limit, append_change, arr);
    *out = rc == 0 ? arr : NULL;
    if (rc != 0)
        json_decref(arr);
    return rc;
}

int64_t srv_db_read_head_seq(sqlite3 *r)
{
    sqlite3_stmt *st = NULL;
    int64_t head = 0;
    int rc = sqlite3_prepare_v2(r, "SELECT coalesce(max(seq), 0) FROM changes", -1, &st, NULL);

    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
        head = sqlite3_column_int64(st, 0);
    else
        srv__sql_error(r, rc, "read head seq", NULL);
    sqlite3_finalize(st);
    return head;
}

void srv_user_clear(struct srv_user *u)
{
    free(u->password_hash);
    memset(u, 0, sizeof(*u));
}

#define USER_COLS "u.id, u.username, u.display_name, u.role, u.disabled, u.password_hash"

static void user_from_row(sqlite3_stmt *st, struct srv_user *u)
{
    memset(u, 0, sizeof(*u));
    u->id = sqlite3_column_int64(st, 0);
    snprintf(u->username, sizeof(u->username), "%s", (const char *)sqlite3_column_text(st, 1));
    snprintf(u->display_name, sizeof(u->display_name), "%s",
             (const char *)sqlite3_column_text(st, 2));
    u->role = pacta_role_from_name((const char *)sqlite3_column_text(st, 3));
    u->disabled = sqlite3_column_int(st, 4);
    u->password_hash = strdup((const char *)sqlite3_column_text(st, 5));
}

int srv_db_read_user(sqlite3 *r, const char *username, struct srv_user *u)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(r, "SELECT " USER_COLS " FROM users u WHERE u.username = ?", -1,
                                &st, NULL);

    memset(u, 0, sizeof(*u));
    if (rc != SQLITE_OK) {
        rc = srv__sql_error(r, rc, "read user", NULL);
        goto out;
    }
    sqlite3_bind_text(st, 1, username, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        user_from_row(st, u);
        rc = 0;
    } else if (rc == SQLITE_DONE) {
        rc = -PACTA_NOT_FOUND;
    } else {
        rc = srv__sql_error(r, rc, "read user", NULL);
    }
out:
    sqlite3_finalize(st);
    return rc;
}

/*
 * Resolves a token as the client holds it.  Unknown, revoked, expired (by
 * srv_clock_now_ms, so tests can move time) and disabled-user tokens all
 * look the same to the caller: unauthenticated.
 */
int srv_db_read_session(sqlite3 *r, const char *token, struct srv_user *u, char token_hash[65],
                        char expires_at[32])
{
    sqlite3_stmt *st = NULL;
    char hash[65], now[32];
    int rc;

    memset(u, 0, sizeof(*u));
    srv_auth_token_hash(token, hash);
    if (token_hash)
        memcpy(token_hash, hash, sizeof(hash));
    srv_now_iso(now);
    rc = sqlite3_prepare_v2(r,
                            "SELECT " USER_COLS ", s.expires_at FROM sessions s JOIN users u "
                            "ON u.username = s.username WHERE s.token_hash = ? "
                            "AND s.revoked_at IS NULL AND s.expires_at > ? AND u.disabled = 0",
                            -1, &st, NULL);
    if (rc != SQLITE_OK) {
        rc = srv__sql_error(r, rc, "read session", NULL);
        goto out;
    }
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, now, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        user_from_row(st, u);
        if (expires_at)
            snprintf(expires_at, 32, "%s", (const char *)sqlite3_column_text(st, 6));
        rc = 0;
    } else if (rc == SQLITE_DONE) {
        rc = -PACTA_UNAUTHENTICATED;
    } else {
        rc = srv__sql_error(r, rc, "read session", NULL);
    }
out:
    sqlite3_finalize(st);
    return rc;
}

int srv_db_read_users(sqlite3 *r, json_t **out)
{
    sqlite3_stmt *st = NULL;
    json_t *items = json_array();
    int rc;

    *out = NULL;
    rc = sqlite3_prepare_v2(r,
                            "SELECT username, display_name, role, disabled, created_at "
                            "FROM users ORDER BY username",
                            -1, &st, NULL);
    if (rc != SQLITE_OK) {
        rc = srv__sql_error(r, rc, "list users", NULL);
        goto out;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(items,
                              json_pack("{s:s, s:s, s:s, s:b, s:s}", "username",
                                        (const char *)sqlite3_column_text(st, 0), "display_name",
                                        (const char *)sqlite3_column_text(st, 1), "role",
                                        (const char *)sqlite3_column_text(st, 2), "disabled",
                                        sqlite3_column_int(st, 3), "created_at",
                                        (const char *)sqlite3_column_text(st, 4)));
    if (rc != SQLITE_DONE) {
        rc = srv__sql_error(r, rc, "list users", NULL);
        goto out;
    }
    *out = json_pack("{s:O}", "items", items);
    rc = 0;
out:
    sqlite3_finalize(st);
    json_decref(items);
    return rc;
}
