/*
 * Saved views (issue 7): views.save, views.list, views.delete.  A view is a
 * user's named contracts.list filter + sort; each user sees only their own,
 * whatever their role.  The filter is decoded by contracts.list's own
 * decoder (pacta_decode_view_save) and stored in its canonical form, so a
 * saved view is always one contracts.list accepted when it was saved.
 *
 * A committed save or delete is told to the user's other subscribed
 * connections as an ephemeral event (view.saved / view.deleted), so a
 * second desk's Views menu follows without polling.
 */
#include <stdlib.h>
#include <string.h>

#include "db-private.h"
#include "srv.h"

static int read_views(sqlite3 *r, const char *actor, const json_t *args, json_t **result,
                      struct pacta_error *err)
{
    sqlite3_stmt *st = NULL;
    json_t *items;
    int rc;

    (void)args;
    rc = sqlite3_prepare_v2(r,
                            "SELECT name, filter, sort, created_at, updated_at FROM saved_views"
                            " WHERE username = ?1 ORDER BY name",
                            -1, &st, NULL);
    if (rc != SQLITE_OK)
        return srv__sql_error(r, rc, "list views", err);
    sqlite3_bind_text(st, 1, actor, -1, SQLITE_TRANSIENT);
    items = json_array();
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *filter = json_loads((const char *)sqlite3_column_text(st, 1), 0, NULL);
        json_t *sort = json_loads((const char *)sqlite3_column_text(st, 2), 0, NULL);
        json_array_append_new(
            items, json_pack("{s:s, s:o, s:o, s:s, s:s}", "name",
                             (const char *)sqlite3_column_text(st, 0), "filter",
                             filter ? filter : json_object(), "sort", sort ? sort : json_object(),
                             "created_at", (const char *)sqlite3_column_text(st, 3), "updated_at",
                             (const char *)sqlite3_column_text(st, 4)));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        json_decref(items);
        return srv__sql_error(r, rc, "list views", err);
    }
    *result = json_pack("{s:o}", "items", items);
    return 0;
}

int srv__views_handle(struct srv_session *s, const struct pacta_request *req)
{
    struct pacta_error err = {0};
    int rc = 0;

    switch (req->op) {
    case PACTA_OP_VIEWS_LIST:
        if ((rc = pacta_decode_empty(req->args, &err)) == 0)
            srv__ops_read(s, req, read_views);
        break;
    case PACTA_OP_VIEWS_SAVE: {
        struct pacta_view_save_args a;
        if ((rc = pacta_decode_view_save(req->args, &a, &err)) == 0)
            srv__ops_write(s, req, SRV_W_VIEW_SAVE,
                           json_pack("{s:s, s:s, s:o, s:o}", "username", s->username, "name",
                                     a.name, "filter", pacta_list_filter_json(&a.list), "sort",
                                     pacta_list_sort_json(&a.list)));
        break;
    }
    case PACTA_OP_VIEWS_DELETE: {
        const char *name;
        if ((rc = pacta_decode_view_delete(req->args, &name, &err)) == 0)
            srv__ops_write(s, req, SRV_W_VIEW_DELETE,
                           json_pack("{s:s, s:s}", "username", s->username, "name", name));
        break;
    }
    default:
        return 0;
    }
    if (rc)
        srv__respond_error(s, req->id, &err, NULL);
    return 1;
}

void srv__views_committed(struct srv_session *s, const struct srv_write *w)
{
    const char *event = w->kind == SRV_W_VIEW_SAVE ? PACTA_EV_VIEW_SAVED : PACTA_EV_VIEW_DELETED;
    json_t *data = w->kind == SRV_W_VIEW_SAVE
                       ? json_pack("{s:O}", "view", json_object_get(w->result, "view"))
                       : json_pack("{s:O}", "name", json_object_get(w->result, "name"));
    struct srv_msg *m = NULL;
    size_t len;
    char *text;

    for (struct srv_session *o = s->srv->sessions; o; o = o->next) {
        if (o == s || !srv__session_open(o) || !o->authenticated || o->sub == SRV_SUB_NONE ||
            strcmp(o->username, w->actor) != 0)
            continue;
        if (!m) {
            text = pacta_encode_event(event, 0, json_incref(data), &len);
            if (!text)
                break;
            m = srv__msg_new(text, len);
            free(text);
        }
        srv__session_queue_event(o, m);
    }
    if (m)
        srv__msg_unref(m);
    json_decref(data);
}
