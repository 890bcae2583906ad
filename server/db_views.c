/*
 * Saved views on the DB writer thread (views.save / views.delete, issue 7):
 * a user's named contracts.list filter + sort.  The arguments arrive
 * decoded and canonical (views.c), so here they are only stored.  A view
 * belongs to its user: every statement is keyed by (username, name).
 */
#include <stdlib.h>
#include <string.h>

#include "db-private.h"

static int run(struct srv_db *db, sqlite3_stmt *st, const char *what, struct pacta_error *err)
{
    int rc = sqlite3_step(st);

    if (rc == SQLITE_DONE || rc == SQLITE_ROW)
        return 0;
    return srv__sql_error(db->w, rc, what, err);
}

static int64_t count_views(struct srv_db *db, const char *user, const char *name, int *exists,
                           struct pacta_error *err)
{
    sqlite3_stmt *st = NULL;
    int64_t n = -1;
    int rc = sqlite3_prepare_v2(db->w,
                                "SELECT count(*), coalesce(sum(name = ?2), 0) FROM saved_views"
                                " WHERE username = ?1",
                                -1, &st, NULL);

    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, user, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
        if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            n = sqlite3_column_int64(st, 0);
            *exists = sqlite3_column_int(st, 1) > 0;
        }
    }
    if (n < 0)
        srv__sql_error(db->w, rc, "count views", err);
    sqlite3_finalize(st);
    return n;
}

/* Insert or replace by name; result {"view": View, "replaced": bool}. */
static int view_save(struct srv_db *db, struct srv_write *w)
{
    const char *user = json_string_value(json_object_get(w->args, "username"));
    const char *name = json_string_value(json_object_get(w->args, "name"));
    char *filter = json_dumps(json_object_get(w->args, "filter"), JSON_COMPACT);
    char *sort = json_dumps(json_object_get(w->args, "sort"), JSON_COMPACT);
    sqlite3_stmt *st = NULL;
    char now[32];
    int exists = 0, rc;
    int64_t n;

    if (!user || !name || !filter || !sort) {
        rc = pacta_error_set(&w->err, PACTA_INTERNAL, "", "internal error");
        goto out;
    }
    if ((n = count_views(db, user, name, &exists, &w->err)) < 0) {
        rc = -(int)w->err.code;
        goto out;
    }
    if (!exists && n >= PACTA_VIEWS_MAX) {
        rc = pacta_error_set(&w->err, PACTA_BAD_REQUEST, "name",
                             "at most %d saved views: delete one first", PACTA_VIEWS_MAX);
        goto out;
    }
    srv_now_iso(now);
    rc = sqlite3_prepare_v2(db->w,
                            "INSERT INTO saved_views (username, name, filter, sort, created_at,"
                            " updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)"
                            " ON CONFLICT (username, name) DO UPDATE SET filter = excluded.filter,"
                            " sort = excluded.sort, updated_at = excluded.updated_at"
                            " RETURNING created_at",
                            -1, &st, NULL);
    if (rc != SQLITE_OK) {
        rc = srv__sql_error(db->w, rc, "save view", &w->err);
        goto out;
    }
    sqlite3_bind_text(st, 1, user, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, filter, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, sort, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, now, -1, SQLITE_TRANSIENT);
    if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
        rc = srv__sql_error(db->w, rc, "save view", &w->err);
        goto out;
    }
    w->result = json_pack(
        "{s:{s:s, s:O, s:O, s:s, s:s}, s:b}", "view", "name", name, "filter",
        json_object_get(w->args, "filter"), "sort", json_object_get(w->args, "sort"), "created_at",
        (const char *)sqlite3_column_text(st, 0), "updated_at", now, "replaced", exists);
    rc = run(db, st, "save view", &w->err); /* RETURNING: step to the end */
out:
    sqlite3_finalize(st);
    free(filter);
    free(sort);
    return rc;
}

static int view_delete(struct srv_db *db, struct srv_write *w)
{
    const char *user = json_string_value(json_object_get(w->args, "username"));
    const char *name = json_string_value(json_object_get(w->args, "name"));
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db->w, "DELETE FROM saved_views WHERE username = ?1 AND name = ?2",
                                -1, &st, NULL);

    if (rc != SQLITE_OK) {
        rc = srv__sql_error(db->w, rc, "delete view", &w->err);
        goto out;
    }
    sqlite3_bind_text(st, 1, user, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
    if ((rc = run(db, st, "delete view", &w->err)) != 0)
        goto out;
    if (sqlite3_changes(db->w) == 0) {
        rc = pacta_error_set(&w->err, PACTA_NOT_FOUND, "name", "no such view");
        goto out;
    }
    w->result = json_pack("{s:s}", "name", name);
out:
    sqlite3_finalize(st);
    return rc;
}

int srv__views_write_apply(struct srv_db *db, struct srv_write *w)
{
    switch (w->kind) {
    case SRV_W_VIEW_SAVE:
        return view_save(db, w);
    case SRV_W_VIEW_DELETE:
        return view_delete(db, w);
    default:
        return pacta_error_set(&w->err, PACTA_INTERNAL, "", "unknown write");
    }
}
