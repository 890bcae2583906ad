/*
 * Writer side of users and sessions: users.create, a login's session and
 * its revocation (db_write.c dispatches to them), and users.update: role,
 * display name, password, disabled.
 *
 * Disabling a user or changing their password revokes every token they
 * hold, in the same transaction, so no open socket or saved token outlives
 * the change (the loop then closes their sockets, ops.c).  The last enabled
 * admin can be neither demoted nor disabled: someone must be able to undo.
 */
#include <string.h>

#include "db-private.h"

/* Runs one statement with text binds (NULL binds NULL); SQLITE_DONE/ROW or an error. */
static int run(struct srv_db *db, const char *sql, sqlite3_stmt **keep, struct pacta_error *err,
               int nbind, const char *const *binds)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db->w, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return srv__sql_error(db->w, rc, "user update", err);
    for (int i = 0; i < nbind; i++)
        sqlite3_bind_text(st, i + 1, binds[i], -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        rc = srv__sql_error(db->w, rc, "user update", err);
        sqlite3_finalize(st);
        return rc;
    }
    if (keep)
        *keep = st;
    else
        sqlite3_finalize(st);
    return rc;
}

/*
 * The author of a users.create or users.update must still be an enabled
 * admin when the change commits.  A change with a password waits for its
 * argon2 hash, a few at a time (seconds when an admin asks for many): an
 * admin demoted or disabled meanwhile, whose new role applies "at once"
 * (PROTOCOL.md §3.7), still created admins and changed passwords after
 * the demotion had been answered.  Checked here, in the transaction, as a
 * login's role is: the row as of now decides.
 */
static int actor_is_admin(struct srv_db *db, const struct srv_write *w, const char *op,
                          struct pacta_error *err)
{
    sqlite3_stmt *st = NULL;
    const char *actor = w->actor ? w->actor : "";
    int rc = run(db, "SELECT 1 FROM users WHERE username = ? AND role = 'admin' AND disabled = 0",
                 &st, err, 1, &actor);
    if (rc < 0)
        return rc;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return pacta_error_set(err, PACTA_FORBIDDEN, "", "%s needs the admin role", op);
    return 0;
}

int srv__user_update(struct srv_db *db, struct srv_write *w)
{
    struct pacta_error *err = &w->err;
    const json_t *a = w->args;
    const char *username = json_string_value(json_object_get(a, "username"));
    const char *role = json_string_value(json_object_get(a, "role"));
    const char *display = json_string_value(json_object_get(a, "display_name"));
    const char *hash = json_string_value(json_object_get(a, "password_hash"));
    const json_t *jdisabled = json_object_get(a, "disabled");
    sqlite3_stmt *st = NULL;
    char now[32], cur_role[16], cur_display[801], created[32];
    int cur_disabled, disabled, rc;

    if (!username)
        return pacta_error_set(err, PACTA_BAD_REQUEST, "username", "required");
    if ((rc = actor_is_admin(db, w, "users.update", err)) != 0)
        return rc;
    rc = run(db, "SELECT role, disabled, display_name, created_at FROM users WHERE username = ?",
             &st, err, 1, &username);
    if (rc < 0)
        return rc;
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(st);
        return pacta_error_set(err, PACTA_NOT_FOUND, "username", "no user %s", username);
    }
    snprintf(cur_role, sizeof cur_role, "%s", (const char *)sqlite3_column_text(st, 0));
    cur_disabled = sqlite3_column_int(st, 1);
    snprintf(cur_display, sizeof cur_display, "%s", (const char *)sqlite3_column_text(st, 2));
    snprintf(created, sizeof created, "%s", (const char *)sqlite3_column_text(st, 3));
    sqlite3_finalize(st);

    if (!role)
        role = cur_role;
    if (!display)
        display = cur_display;
    disabled = jdisabled ? json_is_true(jdisabled) : cur_disabled;

    if (strcmp(cur_role, "admin") == 0 && !cur_disabled &&
        (strcmp(role, "admin") != 0 || disabled)) {
        rc = run(db,
                 "SELECT count(*) FROM users WHERE role = 'admin' AND disabled = 0 "
                 "AND username != ?",
                 &st, err, 1, &username);
        if (rc < 0)
            return rc;
        int others = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        if (others == 0)
            return pacta_error_set(err, PACTA_CONFLICT, disabled ? "disabled" : "role",
                                   "%s is the last enabled admin", username);
    }

    const char *upd[] = {role, disabled ? "1" : "0", display, hash, username};
    rc = run(db,
             "UPDATE users SET role = ?, disabled = ?, display_name = ?, "
             "password_hash = coalesce(?, password_hash) WHERE username = ?",
             NULL, err, 5, upd);
    if (rc < 0)
        return rc;

    int revoked = 0;
    if (disabled || hash) {
        srv_now_iso(now);
        const char *rev[] = {now, username};
        rc = run(db, "UPDATE sessions SET revoked_at = ? WHERE username = ? AND revoked_at IS NULL",
                 NULL, err, 2, rev);
        if (rc < 0)
            return rc;
        revoked = sqlite3_changes(db->w);
    }
    w->result = json_pack("{s:{s:s,s:s,s:s,s:b,s:s},s:i}", "user", "username", username,
                          "display_name", display, "role", role, "disabled", disabled, "created_at",
                          created, "sessions_revoked", revoked);
    return 0;
}

/* ---- users.create, sessions ------------------------------------------------ */

int srv__user_create(struct srv_db *db, struct srv_write *w)
{
    struct pacta_error *err = &w->err;
    const char *username = json_string_value(json_object_get(w->args, "username"));
    const char *hash = json_string_value(json_object_get(w->args, "password_hash"));
    const char *display = json_string_value(json_object_get(w->args, "display_name"));
    const char *role = json_string_value(json_object_get(w->args, "role"));
    sqlite3_stmt *st;
    char now[32];
    int rc;

    if (!username || !pacta_valid_username(username))
        return pacta_error_set(err, PACTA_BAD_REQUEST, "username", "invalid username");
    if (!hash || strncmp(hash, "$argon2id$", 10) != 0)
        return pacta_error_set(err, PACTA_BAD_REQUEST, "password", "missing password hash");
    if (!role || pacta_role_from_name(role) == PACTA_ROLE_NONE)
        return pacta_error_set(err, PACTA_BAD_REQUEST, "role", "unknown role");
    if (!display || !display[0])
        display = username;
    if ((rc = actor_is_admin(db, w, "users.create", err)) != 0)
        return rc;
    rc = srv__wexists(db, SRV_WS_USER_EXISTS, username, NULL, err);
    if (rc == 1)
        return pacta_error_set(err, PACTA_CONFLICT, "username", "username already taken");
    if (rc != 0)
        return rc;
    if (!(st = srv__wstmt(db, SRV_WS_USER_INSERT, err)))
        return -PACTA_INTERNAL;
    srv_now_iso(now);
    sqlite3_bind_text(st, 1, username, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, display, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, role, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, now, -1, SQLITE_TRANSIENT);
    if ((rc = srv__step_done(db, st, "insert user", err)) != 0)
        return rc;
    w->result = json_pack("{s:{s:s, s:s, s:s, s:b, s:s}}", "user", "username", username,
                          "display_name", display, "role", role, "disabled", 0, "created_at", now);
    return 0;
}

/* Only the token's hash is stored; the token itself exists in the result
 * and on the client, nowhere else. */
int srv__session_create(struct srv_db *db, struct srv_write *w)
{
    struct pacta_error *err = &w->err;
    const char *username = json_string_value(json_object_get(w->args, "username"));
    char token[44], hash[65], now[32], expires[32];
    int64_t now_ms = srv_clock_now_ms();
    sqlite3_stmt *st;
    int rc;

    const char *checked = json_string_value(json_object_get(w->args, "password_hash"));
    char role[16] = "", display[801] = "";

    if (!username)
        return pacta_error_set(err, PACTA_BAD_REQUEST, "username", "required");
    /*
     * The password was checked in the pool, against the hash read then.  If
     * an admin changed the password, disabled the user or changed the role
     * meanwhile, the token must not outlive that: the writer sees the
     * latest row, so the hash must still be the one checked, and the role
     * comes from here, not from the earlier read.
     */
    rc = sqlite3_prepare_v2(db->w,
                            "SELECT role, display_name FROM users WHERE username = ? "
                            "AND disabled = 0 AND (?2 IS NULL OR password_hash = ?2)",
                            -1, &st, NULL);
    if (rc != SQLITE_OK)
        return srv__sql_error(db->w, rc, "session user", err);
    sqlite3_bind_text(st, 1, username, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, checked, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        snprintf(role, sizeof role, "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(display, sizeof display, "%s", (const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return pacta_error_set(err, PACTA_UNAUTHENTICATED, "", "invalid credentials");
    if (rc != SQLITE_ROW)
        return srv__sql_error(db->w, rc, "session user", err);
    srv_auth_new_token(token);
    srv_auth_token_hash(token, hash);
    srv__iso_from_ms(now_ms, now);
    srv__iso_from_ms(now_ms + db->session_ttl_sec * 1000, expires);
    if (!(st = srv__wstmt(db, SRV_WS_SESSION_INSERT, err)))
        return -PACTA_INTERNAL;
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, username, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, expires, -1, SQLITE_TRANSIENT);
    if ((rc = srv__step_done(db, st, "insert session", err)) != 0)
        return rc;
    w->result = json_pack("{s:s, s:s, s:s, s:s}", "token", token, "expires_at", expires, "role",
                          role, "display_name", display);
    return 0;
}

int srv__session_revoke(struct srv_db *db, struct srv_write *w)
{
    struct pacta_error *err = &w->err;
    const char *hash = json_string_value(json_object_get(w->args, "token_hash"));
    sqlite3_stmt *st;
    char now[32];
    int rc;

    if (!hash)
        return pacta_error_set(err, PACTA_BAD_REQUEST, "token_hash", "required");
    if (!(st = srv__wstmt(db, SRV_WS_SESSION_REVOKE, err)))
        return -PACTA_INTERNAL;
    srv_now_iso(now);
    sqlite3_bind_text(st, 1, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, hash, -1, SQLITE_TRANSIENT);
    if ((rc = srv__step_done(db, st, "revoke session", err)) != 0)
        return rc;
    w->result = json_pack("{s:b}", "revoked", sqlite3_changes(db->w) == 1);
    return 0;
}
