/*
 * What a restore keeps of the database it replaces, and how it makes the
 * restored one complete — shared by pactad's online restore (db_backup.c,
 * on the writer) and pactactl's offline one (ctl_backup.c), so both give
 * the same result: SQLite and jansson only, no server state.
 *
 * Kept from the database being replaced: the backup catalog (backups made
 * since the restored one are not part of what an admin restores) and the
 * live sessions (the people logged in now).  The restored database gets
 * today's schema, that catalog, every restored session that is not live
 * now revoked (a token revoked since the backup stays revoked) and the
 * live ones added, and a server.reset event numbered above both heads, so
 * no seq a client has seen is reused: a client at any `since` either
 * replays up to the reset or is told its since is ahead of the log, and
 * reloads either way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "backup.h"

/* Rows given as JSON objects with the catalog's column names. */
#define INSERT_CATALOG                                                                             \
    "INSERT OR REPLACE INTO backups (id, file, kind, description, created_at, created_by, "        \
    "db_bytes, file_bytes, sha256, schema_version, head_seq, counts, duration_ms, verified_at, "   \
    "verify_error, documents_unavailable) " SRV_BACKUP_CATALOG_SELECT

int srv__schema_migrate(sqlite3 *w, char *errbuf, size_t errlen);

char *srv_backup_query_text(sqlite3 *d, const char *sql)
{
    sqlite3_stmt *st = NULL;
    char *out = NULL;
    if (sqlite3_prepare_v2(d, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
        sqlite3_column_text(st, 0))
        out = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
}

int64_t srv_backup_query_int(sqlite3 *d, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int64_t v = 0;
    if (sqlite3_prepare_v2(d, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

void srv_backup_live_state(sqlite3 *live, const char *now, struct srv_backup_live *out)
{
    out->head = srv_backup_query_int(live, "SELECT coalesce(max(seq), 0) FROM changes");
    out->catalog = srv_backup_query_text(
        live, "SELECT json_group_array(json_object('id', id, 'file', file, 'kind', kind, "
              "'description', description, 'created_at', created_at, 'created_by', "
              "created_by, 'db_bytes', db_bytes, 'file_bytes', file_bytes, 'sha256', sha256, "
              "'schema_version', schema_version, 'head_seq', head_seq, 'counts', json(counts), "
              "'duration_ms', duration_ms, 'verified_at', verified_at, 'verify_error', "
              "verify_error, 'documents_unavailable', documents_unavailable)) FROM backups");
    char *sql = sqlite3_mprintf("SELECT json_group_array(json_object('token_hash', token_hash, "
                                "'username', username, 'created_at', created_at, 'expires_at', "
                                "expires_at)) FROM sessions WHERE revoked_at IS NULL AND "
                                "expires_at > %Q",
                                now);
    out->sessions = srv_backup_query_text(live, sql);
    sqlite3_free(sql);
}

void srv_backup_live_clear(struct srv_backup_live *l)
{
    free(l->catalog);
    free(l->sessions);
    l->catalog = l->sessions = NULL;
}

/* One statement with one JSON text parameter (NULL: an empty array). */
static int exec_json(sqlite3 *d, const char *sql, const char *json, const char *what, char *err,
                     size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(d, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, json ? json : "[]", -1, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_OK)
        snprintf(err, errlen, "%s: %s", what, sqlite3_errmsg(d));
    return rc;
}

int srv_backup_prepare_restored(sqlite3 *d, const struct srv_backup_live *live, const char *now,
                                const char *actor, json_t *backup_id, const char *backup_created_at,
                                json_t **reset, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    json_t *data = NULL;
    char *payload = NULL, *revoke = NULL;
    int rc;

    *reset = NULL;
    if (srv__schema_migrate(d, err, errlen) != 0) {
        json_decref(backup_id);
        return -1;
    }
    int64_t restored_head = srv_backup_query_int(d, "SELECT coalesce(max(seq), 0) FROM changes");
    int64_t seq = (live->head > restored_head ? live->head : restored_head) + 1;
    /* no database to replace (moved aside after damage, say): the seqs
     * clients saw are unknown, and a reset at restored_head + 1 would reuse
     * them: a desk whose since lies above it would replay what follows and
     * never see the reset.  Numbered far above instead. */
    if (live->head < 0)
        seq = restored_head + SRV_BACKUP_UNKNOWN_HEAD_GAP + 1;
    data = json_pack("{s:s, s:o, s:s, s:I, s:o, s:s}", "reason", "restore", "backup_id",
                     backup_id ? backup_id : json_null(), "backup_created_at",
                     backup_created_at ? backup_created_at : "", "restored_head",
                     (json_int_t)restored_head, "previous_head",
                     live->head < 0 ? json_null() : json_integer((json_int_t)live->head), "actor",
                     actor);
    payload = json_dumps(data, JSON_COMPACT);
    revoke = sqlite3_mprintf(
        "UPDATE sessions SET revoked_at = %Q WHERE revoked_at IS NULL AND (token_hash NOT "
        "IN (SELECT j.value->>'token_hash' FROM json_each(?1) AS j) OR username NOT IN "
        "(SELECT username FROM users WHERE disabled = 0))",
        now);
    rc = sqlite3_exec(d, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc == SQLITE_OK && live->catalog)
        rc = exec_json(d, INSERT_CATALOG, live->catalog, "keep catalog", err, errlen);
    if (rc == SQLITE_OK)
        rc = exec_json(d, revoke, live->sessions, "revoke restored sessions", err, errlen);
    if (rc == SQLITE_OK)
        rc = exec_json(d,
                       "INSERT OR IGNORE INTO sessions (token_hash, username, created_at, "
                       "expires_at, revoked_at) SELECT j.value->>'token_hash', "
                       "j.value->>'username', j.value->>'created_at', j.value->>'expires_at', "
                       "NULL FROM json_each(?1) AS j WHERE EXISTS (SELECT 1 FROM users u WHERE "
                       "u.username = j.value->>'username' AND u.disabled = 0)",
                       live->sessions, "keep sessions", err, errlen);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(d,
                                "INSERT INTO changes (seq, event, entity_id, version, actor, "
                                "created_at, payload) VALUES (?, 'server.reset', 'server', 1, ?, "
                                "?, ?)",
                                -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, seq);
        sqlite3_bind_text(st, 2, actor, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, payload, -1, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    sqlite3_finalize(st);
    /* tests: a failure at the last step (disk full at COMMIT, say) */
    if (rc == SQLITE_OK && getenv("PACTA_TEST_RESTORE_FAIL"))
        rc = SQLITE_FULL;
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(d, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        if (!err[0])
            snprintf(err, errlen, "%s", sqlite3_errmsg(d));
        if (!sqlite3_get_autocommit(d))
            sqlite3_exec(d, "ROLLBACK", NULL, NULL, NULL);
        json_decref(data);
        data = NULL;
    } else
        *reset = json_pack("{s:I, s:s, s:o}", "seq", (json_int_t)seq, "event", "server.reset",
                           "data", data);
    free(payload);
    sqlite3_free(revoke);
    return rc == SQLITE_OK ? 0 : -1;
}
