/*
 * What the DB writer does for documents, inside a group commit like any
 * write: SRV_W_DOCUMENT_ADD (the row of a finished upload, whose content is
 * already in the store) and SRV_W_DOCUMENT_DELETE (soft delete).  Each
 * appends its durable event (document.added / document.removed) to the
 * changes log in the same transaction (srv__append_change), so
 * subscribers get it live and replay finds it; the event's entity is the
 * contract, so a contract's history lists its documents.
 */
#include <stdio.h>
#include <string.h>

#include "db-private.h"
#include "documents-private.h"

json_t *srv__document_from_row(sqlite3_stmt *st)
{
    return json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s?}", "id",
                     sqlite3_column_text(st, 0), "contract_id", sqlite3_column_text(st, 1), "name",
                     sqlite3_column_text(st, 2), "size", (json_int_t)sqlite3_column_int64(st, 3),
                     "sha256", sqlite3_column_text(st, 4), "mime", sqlite3_column_text(st, 5),
                     "uploaded_by", sqlite3_column_text(st, 6), "uploaded_at",
                     sqlite3_column_text(st, 7), "deleted_at", sqlite3_column_text(st, 8));
}

static int fail(struct srv_db *db, const char *what, struct srv_write *w)
{
    return srv__sql_error(db->w, sqlite3_errcode(db->w), what, &w->err);
}

/* The row as stored, NULL (with *rc = 0) if there is none. */
static json_t *load(struct srv_db *db, const char *id, int *rc, struct srv_write *w)
{
    sqlite3_stmt *st = NULL;
    json_t *doc = NULL;
    *rc = 0;
    if (sqlite3_prepare_v2(db->w, "SELECT " SRV_DOCUMENT_COLS " FROM documents WHERE id = ?1", -1,
                           &st, NULL) != SQLITE_OK) {
        *rc = fail(db, "load document", w);
        return NULL;
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        doc = srv__document_from_row(st);
    else if (step != SQLITE_DONE)
        *rc = fail(db, "load document", w);
    sqlite3_finalize(st);
    return doc;
}

/* The contract must exist and not be deleted: a document is attached to a
 * live record (it stays, and stays downloadable, if the contract is
 * deleted later). */
static int contract_live(struct srv_db *db, const char *contract_id, struct srv_write *w)
{
    sqlite3_stmt *st = NULL;
    int rc;
    if (sqlite3_prepare_v2(db->w, "SELECT deleted_at IS NULL FROM contracts WHERE id = ?1", -1, &st,
                           NULL) != SQLITE_OK)
        return fail(db, "check contract", w);
    sqlite3_bind_text(st, 1, contract_id, -1, SQLITE_TRANSIENT);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW && sqlite3_column_int(st, 0))
        rc = 0;
    else if (step == SQLITE_ROW)
        rc = pacta_error_set(&w->err, PACTA_NOT_FOUND, "contract_id", "the contract was deleted");
    else if (step == SQLITE_DONE)
        rc = pacta_error_set(&w->err, PACTA_NOT_FOUND, "contract_id", "no such contract");
    else
        rc = fail(db, "check contract", w);
    sqlite3_finalize(st);
    return rc;
}

static const char *arg(const struct srv_write *w, const char *key)
{
    return json_string_value(json_object_get(w->args, key));
}

/*
 * The author must still be an enabled editor or admin when the row
 * commits: a finish waits for the chunks queued before it and then hashes
 * the whole file, and an editor demoted to viewer (or disabled) meanwhile,
 * whose role applies at once (PROTOCOL.md §3.7), still had the document
 * attached after the demotion had been answered.  The row as of now decides.
 */
static int actor_may_edit(struct srv_db *db, struct srv_write *w, const char *op)
{
    sqlite3_stmt *st = NULL;
    int rc;
    if (sqlite3_prepare_v2(
            db->w,
            "SELECT 1 FROM users WHERE username = ?1 AND role IN ('editor', 'admin') "
            "AND disabled = 0",
            -1, &st, NULL) != SQLITE_OK)
        return fail(db, "check author", w);
    sqlite3_bind_text(st, 1, w->actor ? w->actor : "", -1, SQLITE_TRANSIENT);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        rc = 0;
    else if (step == SQLITE_DONE)
        rc = pacta_error_set(&w->err, PACTA_FORBIDDEN, "", "%s needs the editor role", op);
    else
        rc = fail(db, "check author", w);
    sqlite3_finalize(st);
    return rc;
}

static int document_add(struct srv_db *db, struct srv_write *w)
{
    const char *id = arg(w, "id"), *contract_id = arg(w, "contract_id");
    sqlite3_stmt *st = NULL;
    json_t *doc;
    char now[32];
    int rc;

    if (!id || !contract_id || !arg(w, "name") || !arg(w, "sha256") || !arg(w, "mime"))
        return pacta_error_set(&w->err, PACTA_INTERNAL, "", "incomplete document");
    if ((rc = actor_may_edit(db, w, "documents.upload.finish")) != 0)
        return rc;
    if ((rc = contract_live(db, contract_id, w)) != 0)
        return rc;
    srv_now_iso(now);
    if (sqlite3_prepare_v2(db->w,
                           "INSERT INTO documents (id, contract_id, name, size, sha256, mime, "
                           "uploaded_by, uploaded_at, deleted_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                           "?7, ?8, NULL)",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(db, "insert document", w);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, contract_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, arg(w, "name"), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, json_integer_value(json_object_get(w->args, "size")));
    sqlite3_bind_text(st, 5, arg(w, "sha256"), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, arg(w, "mime"), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 7, w->actor, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 8, now, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fail(db, "insert document", w);
    sqlite3_finalize(st);
    if (rc)
        return rc;
    if (!(doc = load(db, id, &rc, w)))
        return rc ? rc : pacta_error_set(&w->err, PACTA_INTERNAL, "", "internal error");
    rc = srv__append_change(db, w, PACTA_EV_DOCUMENT_ADDED, contract_id, 1, w->actor,
                            json_pack("{s:O, s:s}", "document", doc, "actor", w->actor), NULL);
    if (rc == 0)
        w->result = json_pack("{s:O}", "document", doc);
    json_decref(doc);
    return rc;
}

static int document_delete(struct srv_db *db, struct srv_write *w)
{
    const char *id = arg(w, "id");
    sqlite3_stmt *st = NULL;
    json_t *doc;
    char now[32];
    int rc;

    if (!id)
        return pacta_error_set(&w->err, PACTA_BAD_REQUEST, "id", "required");
    if ((rc = actor_may_edit(db, w, "documents.delete")) != 0)
        return rc;
    srv_now_iso(now);
    if (sqlite3_prepare_v2(db->w,
                           "UPDATE documents SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS "
                           "NULL",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(db, "delete document", w);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, now, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fail(db, "delete document", w);
    sqlite3_finalize(st);
    if (rc)
        return rc;
    if (sqlite3_changes(db->w) != 1)
        return pacta_error_set(&w->err, PACTA_NOT_FOUND, "id", "no such document");
    if (!(doc = load(db, id, &rc, w)))
        return rc ? rc : pacta_error_set(&w->err, PACTA_INTERNAL, "", "internal error");
    rc = srv__append_change(db, w, PACTA_EV_DOCUMENT_REMOVED,
                            json_string_value(json_object_get(doc, "contract_id")), 1, w->actor,
                            json_pack("{s:O, s:s}", "document", doc, "actor", w->actor), NULL);
    if (rc == 0)
        w->result = json_pack("{s:O}", "document", doc);
    json_decref(doc);
    return rc;
}

int srv__documents_write_apply(struct srv_db *db, struct srv_write *w)
{
    switch (w->kind) {
    case SRV_W_DOCUMENT_ADD:
        return document_add(db, w);
    case SRV_W_DOCUMENT_DELETE:
        return document_delete(db, w);
    default:
        return pacta_error_set(&w->err, PACTA_INTERNAL, "", "unknown write");
    }
}
