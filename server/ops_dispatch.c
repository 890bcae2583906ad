/*
 * The op switch (PROTOCOL.md §6): a request's arguments decoded on the
 * loop and its work started as a pool read, a password job or a write
 * (ops.c), or handed to the module that owns the op.
 */
#include <stdlib.h>
#include <string.h>

#include "backup.h"
#include "dashboard.h"
#include "documents.h"
#include "export.h"
#include "log.h"
#include "ops-private.h"
#include "srv.h"
#include "views.h"

/*
 * Decodes the op's arguments and starts its job.  Decoding happens here, on
 * the loop: it is cheap and lets a bad request be answered at once.  Called
 * by srv__ops_handle (request.c) once the request is parsed, allowed and
 * within its limits.
 */
void srv__ops_dispatch(struct srv_session *s, const struct pacta_request *req)
{
    struct pacta_error err = {0};
    struct srv_job *j = NULL;
    int rc = 0;

    /* ops without arguments still refuse unknown members (typos) */
    if ((req->op == PACTA_OP_PING || req->op == PACTA_OP_UNSUBSCRIBE ||
         req->op == PACTA_OP_AUTH_LOGOUT || req->op == PACTA_OP_USERS_LIST ||
         req->op == PACTA_OP_PRESENCE_LIST || req->op == PACTA_OP_ADMIN_CONNS_LIST ||
         req->op == PACTA_OP_ADMIN_STATS) &&
        pacta_decode_empty(req->args, &err) != 0) {
        srv__respond_error(s, req->id, &err, NULL);
        return;
    }

    switch (req->op) {
    case PACTA_OP_PING: {
        char now[32];
        srv_now_iso(now);
        srv__respond_ok(s, req->id, json_pack("{s:s}", "time", now));
        return;
    }
    case PACTA_OP_SUBSCRIBE:
        srv__subscribe(s, req->id, req->args);
        return;
    case PACTA_OP_UNSUBSCRIBE:
        srv__unsubscribe(s);
        srv__respond_ok(s, req->id, NULL);
        return;
    default:
        /* op groups that live in their own files answer here */
        if (srv__admin_handle(s, req))
            return;
        if (srv__notify_handle(s, req))
            return;
        if (srv__backup_handle(s, req)) /* backups.* (backup.c) */
            return;
        if (srv__dashboard_handle(s, req)) /* stats.dashboard, dashboard.watch */
            return;
        if (srv__documents_handle(s, req)) /* documents.* (documents.c) */
            return;
        if (srv__export_handle(s, req)) /* export.* (export.c) */
            return;
        if (srv__views_handle(s, req)) /* views.* (views.c) */
            return;
        break;
    }

    if (req->op == PACTA_OP_AUTH_LOGIN || req->op == PACTA_OP_AUTH_RESUME) {
        /* past the authentication deadline (a login answered late, after
         * --login-delay or argon2's queue): no new attempt, or a client
         * that always has the next one in flight would stay connected */
        if (!s->authenticated && srv__now_ms() >= s->auth_deadline_ms) {
            srv__session_close(s, PACTA_CLOSE_POLICY, "authentication timeout", 0);
            return;
        }
        if (s->auth_inflight) {
            srv__respond_code(s, req->id, PACTA_RATE_LIMITED, "",
                              "a login is already in progress on this connection");
            return;
        }
        s->auth_inflight = 1;
    }
    j = srv__ops_job_new(s, req);
    switch (req->op) {
    case PACTA_OP_AUTH_LOGIN: {
        if ((rc = pacta_decode_login(req->args, &j->a.login, &err)) != 0)
            break;
        if (srv__ops_refuse_if_locked(j))
            return;
        srv__ops_queue_password_job(j);
        break;
    }
    case PACTA_OP_AUTH_RESUME:
        if ((rc = pacta_decode_resume(req->args, &j->a.resume, &err)) == 0) {
            j->revocations = s->srv->revocations;
            srv__ops_queue_job(j);
        }
        break;
    case PACTA_OP_AUTH_LOGOUT:
        snprintf(j->token_hash, sizeof j->token_hash, "%s", s->token_hash);
        srv__ops_submit_write(j, SRV_W_SESSION_REVOKE,
                              json_pack("{s:s}", "token_hash", s->token_hash));
        break;
    case PACTA_OP_CONTRACTS_LIST:
        if ((rc = pacta_decode_list(req->args, &j->a.list, &err)) == 0)
            srv__ops_queue_job(j);
        break;
    case PACTA_OP_CONTRACTS_GET:
        if ((rc = pacta_decode_get(req->args, &j->a.ids, &err)) == 0)
            srv__ops_queue_job(j);
        break;
    case PACTA_OP_SUPPLEMENTS_LIST:
        if ((rc = pacta_decode_supplements_list(req->args, &j->a.supplements, &err)) == 0)
            srv__ops_queue_job(j);
        break;
    case PACTA_OP_USERS_LIST:
        srv__ops_queue_job(j);
        break;
    case PACTA_OP_USERS_CREATE:
        if ((rc = pacta_decode_user_create(req->args, &j->a.user_create, &err)) == 0)
            srv__ops_queue_password_job(j);
        break;
    case PACTA_OP_USERS_UPDATE:
        if ((rc = pacta_decode_user_update(req->args, &j->a.user_update, &err)) != 0)
            break;
        if (j->a.user_update.password)
            srv__ops_queue_password_job(j); /* hashed in the pool, then written */
        else
            srv__ops_submit_write(j, SRV_W_USER_UPDATE, srv__ops_user_update_args(j));
        break;
    case PACTA_OP_CONTRACTS_CREATE: {
        struct pacta_create_args a = {0};
        if ((rc = pacta_decode_create(req->args, &a, &err)) == 0)
            srv__ops_submit_write(j, SRV_W_CONTRACT_CREATE, json_incref(a.contract));
        pacta_create_args_clear(&a);
        break;
    }
    case PACTA_OP_CONTRACTS_UPDATE:
        /* Checked, the request's args go to the writer as they are: a
         * reference, not a copy of "changes" in new args (~5,000 instructions
         * an edit on the loop, bench/RESULTS.md).  Nothing changes that tree
         * any more; the writer only reads it, and jansson counts references
         * atomically.  "reason" may be there as null: the writer takes that
         * as absent, as PROTOCOL.md does. */
        if ((rc = pacta_check_update(req->args, &err)) == 0)
            srv__ops_submit_write(j, SRV_W_CONTRACT_UPDATE, json_incref(req->args));
        break;
    case PACTA_OP_CONTRACTS_DELETE: {
        struct pacta_delete_args a = {0};
        if ((rc = pacta_decode_delete(req->args, &a, &err)) == 0) {
            json_t *args = json_pack("{s:s,s:I}", "id", a.id, "version", (json_int_t)a.version);
            if (a.reason)
                json_object_set_new(args, "reason", json_string(a.reason));
            srv__ops_submit_write(j, SRV_W_CONTRACT_DELETE, args);
        }
        break;
    }
    default:
        rc = pacta_error_set(&err, PACTA_BAD_REQUEST, "op", "unsupported op");
        break;
    }
    if (rc) {
        srv__respond_error(s, req->id, &err, NULL);
        srv__ops_job_free(j);
    }
}
