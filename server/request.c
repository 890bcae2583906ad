/*
 * The envelope of every request, on the loop: one whole text message from a
 * session is parsed, counted, checked against the rate limit, shutdown,
 * authentication, the op's least role and the in-flight cap, then handed to
 * srv__ops_dispatch (ops.c); a refusal is answered here at once.  Also the
 * two functions that answer a request, with the response counters.
 */
#include <pacta/json_text.h>

#include "log.h"
#include "srv.h"

void srv__respond_ok(struct srv_session *s, const json_t *id, json_t *result_steal)
{
    s->srv->metrics.responses[PACTA_OK]++;
    size_t len;
    char *text = pacta_encode_ok(id, result_steal, &len);
    srv__session_send_text(s, text, len);
}

/* pacta_encode_ok's bytes, {"id","ok":true,"result"}, around a result the
 * writer encoded already (srv_write.result_text): no second encoding of
 * the record per answer. */
void srv__respond_ok_text(struct srv_session *s, const json_t *id, const char *result, size_t len)
{
    s->srv->metrics.responses[PACTA_OK]++;
    /* sized for the usual id at once: no realloc and copy of the record's text */
    struct pacta_buf b = {malloc(len + 64), 0, len + 64};
    if (!b.p)
        b.cap = 0; /* pacta_buf_add allocates, or aborts */
    pacta_buf_add(&b, "{\"id\":", 6);
    if (pacta_json_append(&b, id ? id : json_null()) != 0)
        pacta_buf_add(&b, "null", 4); /* not reached: ids come from parsed requests */
    pacta_buf_add(&b, ",\"ok\":true,\"result\":", 20);
    pacta_buf_add(&b, result, len);
    pacta_buf_add(&b, "}", 1);
    srv__session_send_text(s, b.p, b.len);
}

void srv__respond_error(struct srv_session *s, const json_t *id, const struct pacta_error *err,
                        json_t *extra_steal)
{
    if (err->code > 0 && err->code < PACTA_CODE__COUNT)
        s->srv->metrics.responses[err->code]++;
    size_t len;
    char *text = pacta_encode_error(id, err, extra_steal, &len);
    srv__session_send_text(s, text, len);
}

void srv__respond_code(struct srv_session *s, const json_t *id, enum pacta_code code,
                       const char *field, const char *message)
{
    struct pacta_error err;
    pacta_error_set(&err, code, field, "%s", message);
    srv__respond_error(s, id, &err, NULL);
}

void srv__ops_handle(struct srv_session *s, const char *buf, size_t len)
{
    struct pacta_request req = {0};
    struct pacta_error err = {0};
    uint64_t t0 = uv_hrtime();
    int jobs_before = s->inflight;

    /*
     * A connection being closed (kicked, its user disabled or logged out,
     * a slow consumer...) runs nothing more: its close may wait behind
     * answers the client does not read, and meanwhile it would still act
     * as a user who may no longer (a disabled editor kept writing).  Its
     * answers would be dropped anyway.
     */
    if (s->close_code)
        return;
    uint64_t rid = ++s->srv->next_request_id;

    if (pacta_request_parse(buf, len, &req, &err) != 0) {
        s->srv->metrics.requests[0]++;
        srv_logf(SRV_LOG_DEBUG, "bad request", "{s:I,s:I,s:s,s:s}", "request", (json_int_t)rid,
                 "session", (json_int_t)s->id, "field", err.field, "message", err.message);
        srv__respond_error(s, req.id, &err, NULL);
        goto out;
    }
    s->srv->metrics.requests[req.op]++;
    if (srv_log_enabled(SRV_LOG_DEBUG))
        srv_logf(SRV_LOG_DEBUG, "request", "{s:I,s:I,s:s,s:s}", "request", (json_int_t)rid,
                 "session", (json_int_t)s->id, "user", s->username, "op", req.op_name);
    if (!srv__limits_take_request(s)) {
        srv__respond_code(s, req.id, PACTA_RATE_LIMITED, "", "too many requests: slow down");
        goto out;
    }
    if (s->srv->shutting_down) {
        srv__respond_code(s, req.id, PACTA_UNAVAILABLE, "", "server is shutting down");
        goto out;
    }
    enum pacta_role need = pacta_op_min_role(req.op);
    if (need != PACTA_ROLE_NONE && !s->authenticated) {
        srv__respond_code(s, req.id, PACTA_UNAUTHENTICATED, "",
                          "log in first (auth.login or auth.resume)");
        goto out;
    }
    if (need > s->role && need != PACTA_ROLE_NONE) {
        struct pacta_error e;
        pacta_error_set(&e, PACTA_FORBIDDEN, "", "%s needs the %s role", req.op_name,
                        pacta_role_name(need));
        srv__respond_error(s, req.id, &e, NULL);
        goto out;
    }
    if (s->inflight >= s->srv->cfg->max_inflight) {
        srv__respond_code(s, req.id, PACTA_RATE_LIMITED, "", "too many requests in flight");
        goto out;
    }
    srv__ops_dispatch(s, &req);
out:
    /* answered here and now (no job took it): its latency is known already */
    if (req.op != PACTA_OP_UNKNOWN && s->inflight == jobs_before)
        srv__metrics_latency(s->srv, req.op, uv_hrtime() - t0);
    pacta_request_clear(&req);
}
