/*
 * Request dispatch: a parsed, authorized request (request.c) is handed to
 * the place that may block for it:
 *  - reads and password checks run in the uv thread pool with a read-only
 *    connection (struct srv_job, "pool jobs");
 *  - writes go to the DB writer thread and are answered only after their
 *    transaction committed (srv_db_submit);
 *  - subscribe, unsubscribe and ping are answered on the loop at once.
 * Responses can therefore leave in a different order than requests came;
 * clients match them by id (PROTOCOL.md).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backup.h"
#include "dashboard.h"
#include "documents.h"
#include "export.h"
#include "log.h"
#include "ops-private.h"
#include "srv.h"
#include "views.h"

/*
 * argon2id is slow and takes 19 MiB on purpose.  At most this many password
 * checks or hashes run at once, so logins can never occupy the whole thread
 * pool that reads and replays share; the rest wait in a bounded FIFO here
 * (not in the pool), and past that they are refused with rate_limited.
 */
#define MAX_PASSWORD_CHECKS 2
#define MAX_PASSWORD_WAITING 256
static struct srv_job *waiting_head, *waiting_tail;
static int n_waiting;

/* A well-formed argon2id hash of a random password: checking a login for an
 * unknown user against it costs the same time as for a known one. */
static char *dummy_hash;

struct srv_job *srv__ops_job_new(struct srv_session *s, const struct pacta_request *req)
{
    struct srv_job *j = calloc(1, sizeof *j);
    if (!j)
        abort();
    j->srv = s->srv;
    j->s = s;
    j->op = req->op;
    j->id = json_incref(req->id);
    j->root = json_incref(req->root);
    j->work.data = j;
    snprintf(j->actor, sizeof j->actor, "%s", s->username);
    j->start_ns = uv_hrtime();
    j->request_id = s->srv->next_request_id; /* numbered by srv__ops_handle */
    srv__session_ref(s);
    s->inflight++;
    s->srv->jobs_inflight++;
    return j;
}

/* A password slot freed: start the oldest waiting check whose client is still there. */
/*
 * A login for a locked username or from a locked address is refused before
 * any password check: the answer is the same whether the password was right
 * or not.  The refusal counts against the address, so an address that keeps
 * hammering a locked account locks itself out for longer than the account
 * (the owner, elsewhere, gets in when the account's lock ends).  Checked
 * again when a queued login gets its slot: the lock may have begun meanwhile.
 * 1 if the job was answered and freed.
 */
int srv__ops_refuse_if_locked(struct srv_job *j)
{
    int64_t wait = srv__limits_login_locked(j->srv, j->a.login.username, j->s->peer);
    if (wait <= 0)
        return 0;
    struct pacta_error err;
    srv__limits_login_refused(j->srv, j->s->peer);
    pacta_error_set(&err, PACTA_RATE_LIMITED, "", "too many failed logins: try again in %lld s",
                    (long long)wait);
    srv__respond_error(j->s, j->id, &err, json_pack("{s:I}", "retry_after", (json_int_t)wait));
    srv__ops_job_free(j);
    return 1;
}

static void hashing_slot_freed(struct srv *srv)
{
    srv->hashing--;
    while (waiting_head && srv->hashing < MAX_PASSWORD_CHECKS) {
        struct srv_job *j = waiting_head;
        waiting_head = j->next_waiting;
        if (!waiting_head)
            waiting_tail = NULL;
        n_waiting--;
        if (!srv__session_open(j->s)) {
            srv__ops_job_free(j); /* its client left while it waited */
            continue;
        }
        if (j->op == PACTA_OP_AUTH_LOGIN && srv__ops_refuse_if_locked(j))
            continue;
        srv->hashing++;
        j->hashing = 1;
        srv__ops_queue_job(j);
    }
}

void srv__ops_job_free(struct srv_job *j)
{
    if (j->hashing)
        hashing_slot_freed(j->srv);
    if (j->op == PACTA_OP_AUTH_LOGIN || j->op == PACTA_OP_AUTH_RESUME) {
        j->s->auth_inflight = 0;
        j->s->login_user[0] = '\0';
    }
    srv__limits_release_answer(j->s, j->reserved);
    j->reserved = 0;
    srv__ops_read_done(j); /* may start the connection's next read */
    srv__metrics_latency(j->srv, j->op, uv_hrtime() - j->start_ns);
    j->s->inflight--;
    j->srv->jobs_inflight--;
    srv__session_unref(j->s);
    json_decref(j->id);
    json_decref(j->root);
    json_decref(j->result);
    free(j->response);
    srv_user_clear(&j->user);
    free(j->password_hash);
    free(j);
}

static json_t *user_json(const struct srv_user *u)
{
    return json_pack("{s:s,s:s,s:s}", "username", u->username, "display_name", u->display_name,
                     "role", pacta_role_name(u->role));
}

static void set_authenticated(struct srv_session *s, const struct srv_user *u,
                              const char *token_hash)
{
    if (s->authenticated && strcmp(s->username, u->username) != 0)
        srv__admin_presence_end(s); /* what the last user said on it is not this one's */
    s->authenticated = 1;
    snprintf(s->username, sizeof s->username, "%s", u->username);
    s->role = u->role;
    snprintf(s->token_hash, sizeof s->token_hash, "%s", token_hash);
    s->dashboard_watch = 0; /* PROTOCOL.md 6.43: a new login watches when it asks */
    free(s->display_name);
    s->display_name = strdup(u->display_name);
    srv_logf(SRV_LOG_INFO, "authenticated", "{s:I,s:s,s:s}", "session", (json_int_t)s->id, "user",
             u->username, "role", pacta_role_name(u->role));
    srv__admin_changed(s);
}

/* ---- writes ------------------------------------------------------------ */

/* "2026-11-22T14:02:03.123Z" -> Unix ms; 0 if it does not parse. */
static int64_t ms_from_iso(const char *iso)
{
    struct tm tm = {0};
    int ms = 0;
    if (!iso || sscanf(iso, "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                       &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7)
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm) * 1000 + ms;
}

json_t *srv__ops_user_update_args(const struct srv_job *j)
{
    const struct pacta_user_update_args *u = &j->a.user_update;
    json_t *a = json_pack("{s:s}", "username", u->username);
    if (u->role != PACTA_ROLE_NONE)
        json_object_set_new(a, "role", json_string(pacta_role_name(u->role)));
    if (u->disabled >= 0)
        json_object_set_new(a, "disabled", json_boolean(u->disabled));
    if (u->display_name)
        json_object_set_new(a, "display_name", json_string(u->display_name));
    if (j->password_hash)
        json_object_set_new(a, "password_hash", json_string(j->password_hash));
    return a;
}

/*
 * A committed users.update reaches the user's open connections at once: a
 * disabled account or a changed password (its tokens were revoked in the
 * same transaction) ends them with 4001; a new role or name applies to the
 * next request on every one of them.
 */
static void apply_user_update(struct srv *srv, const json_t *result)
{
    const json_t *u = json_object_get(result, "user");
    const char *name = json_string_value(json_object_get(u, "username"));
    const char *display = json_string_value(json_object_get(u, "display_name"));
    enum pacta_role role = pacta_role_from_name(json_string_value(json_object_get(u, "role")));
    int disabled = json_is_true(json_object_get(u, "disabled"));
    int revoked = json_integer_value(json_object_get(result, "sessions_revoked")) > 0;
    for (struct srv_session *o = srv->sessions; o && name; o = o->next) {
        if (!o->authenticated || strcmp(o->username, name) != 0)
            continue;
        if (disabled || revoked) {
            srv__session_close(o, PACTA_CLOSE_SESSION_ENDED,
                               disabled ? "account disabled" : "password changed", 1);
            continue;
        }
        o->role = role;
        if (role != PACTA_ROLE_ADMIN)
            o->admin_watch = 0;
        free(o->display_name);
        o->display_name = display ? strdup(display) : NULL;
        srv__admin_changed(o);
    }
}

/*
 * Runs on the loop when the writer's transaction has committed (or failed).
 * Events go out to subscribers first, whether or not the author is still
 * connected; then the author gets the response.
 */
static void write_done(struct srv_write *w)
{
    struct srv_job *j = w->udata;
    struct srv_session *s = j->s;

    if (w->events && json_array_size(w->events))
        srv__broadcast(j->srv, w->events, w->request_id);
    if (w->code == PACTA_CONFLICT)
        j->srv->metrics.conflicts++;
    else if (w->code == PACTA_OK && w->events && json_array_size(w->events))
        j->srv->metrics.edits++;

    if (w->code != PACTA_OK) {
        if (w->code == PACTA_CONFLICT || w->code == PACTA_INTERNAL || w->code == PACTA_UNAVAILABLE)
            srv_logf(SRV_LOG_INFO, "write refused", "{s:I,s:s,s:s,s:s}", "request",
                     (json_int_t)w->request_id, "op", pacta_op_name(j->op), "code",
                     pacta_code_name((enum pacta_code)w->code), "user", w->actor);
        srv__respond_error(s, j->id, &w->err, w->error_extra);
        w->error_extra = NULL;
        goto out;
    }

    switch (w->kind) {
    case SRV_W_SESSION_CREATE: {
        char hash[65];
        const char *token = json_string_value(json_object_get(w->result, "token"));
        srv_auth_token_hash(token ? token : "", hash);
        /* the role and name as the writer saw them when it issued the token */
        const char *role = json_string_value(json_object_get(w->result, "role"));
        const char *display = json_string_value(json_object_get(w->result, "display_name"));
        if (role)
            j->user.role = pacta_role_from_name(role);
        if (display)
            snprintf(j->user.display_name, sizeof j->user.display_name, "%s", display);
        json_object_del(w->result, "role");
        json_object_del(w->result, "display_name");
        if (j->a.login.client) {
            free(s->client);
            s->client = strdup(j->a.login.client);
        }
        if (srv__session_open(s)) {
            set_authenticated(s, &j->user, hash);
            s->token_expires_ms =
                ms_from_iso(json_string_value(json_object_get(w->result, "expires_at")));
        }
        json_object_set_new(w->result, "user", user_json(&j->user));
        break;
    }
    case SRV_W_USER_UPDATE: {
        j->srv->revocations++; /* its tokens may have been revoked */
        /* answered first: an admin who changed their own password or
         * disabled their own account is one of the sockets closed, and a
         * closing socket queues no more answers (the change was made) */
        json_t *result = json_incref(w->result);
        srv__respond_ok(s, j->id, w->result);
        w->result = NULL;
        apply_user_update(j->srv, result);
        json_decref(result);
        goto out;
    }
    case SRV_W_VIEW_SAVE:
    case SRV_W_VIEW_DELETE:
        srv__views_committed(s, w); /* the user's other desks */
        break;
    case SRV_W_SESSION_REVOKE:
        j->srv->revocations++;
        json_decref(w->result); /* PROTOCOL.md: the result of auth.logout is {} */
        w->result = NULL;
        /* every other socket using this token ends with it (PROTOCOL.md 4001) */
        for (struct srv_session *o = j->srv->sessions; o; o = o->next)
            if (o != s && o->authenticated && strcmp(o->token_hash, j->token_hash) == 0)
                srv__session_close(o, PACTA_CLOSE_SESSION_ENDED, "session ended", 1);
        if (strcmp(s->token_hash, j->token_hash) == 0) {
            srv__unsubscribe(s);
            s->authenticated = 0;
            s->role = PACTA_ROLE_NONE;
            s->token_hash[0] = '\0';
            s->admin_watch = 0;
            s->dashboard_watch = 0;
            srv__admin_changed(s); /* also ends its presence */
            s->auth_deadline_ms = srv__now_ms() + (uint64_t)j->srv->cfg->auth_timeout_sec * 1000;
        }
        break;
    default:
        if (w->result_text) { /* encoded with the event, on the writer */
            srv__respond_ok_text(s, j->id, w->result_text, w->result_len);
            goto out;
        }
        break;
    }
    srv__respond_ok(s, j->id, w->result);
    w->result = NULL;
out:
    srv_write_free(w);
    srv__ops_job_free(j);
}

/* Hands a write to the writer thread; the job is answered in write_done. */
void srv__ops_submit_write(struct srv_job *j, enum srv_write_kind kind, json_t *args_steal)
{
    /* A write runs as the user who sent the request, even when it waited
     * (users.* for a password hash) while its connection logged in or
     * resumed as someone else; a login's own write is the connection's. */
    int as_sender = j->actor[0] && j->op != PACTA_OP_AUTH_LOGIN && j->op != PACTA_OP_AUTH_RESUME;
    struct srv_write *w = srv_write_new(kind, as_sender ? j->actor : j->s->username, args_steal);
    w->done = write_done;
    w->udata = j;
    w->request_id = j->request_id;
    if (srv_db_submit(j->srv->db, w) != 0) {
        srv__respond_code(j->s, j->id, PACTA_UNAVAILABLE, "", "server is shutting down");
        srv_write_free(w);
        srv__ops_job_free(j);
    }
}

/* ---- pool jobs ----------------------------------------------------------- */

/*
 * Pool thread.  A reader is held only for the query, never while argon2
 * runs.  A read's response is encoded here too, so a large page is never
 * serialized on the loop.
 */
static void job_work(uv_work_t *req)
{
    struct srv_job *j = req->data;
    struct srv_db *db = j->srv->db;
    sqlite3 *r = NULL;
    int rc = 0;

    if (j->op != PACTA_OP_USERS_CREATE && j->op != PACTA_OP_USERS_UPDATE)
        r = srv_db_reader_acquire(db);
    switch (j->read ? PACTA_OP_UNKNOWN : j->op) {
    case PACTA_OP_UNKNOWN:
        rc = j->read(r, j->actor, j->root ? json_object_get(j->root, "args") : NULL, &j->result,
                     &j->err);
        break;
    case PACTA_OP_AUTH_LOGIN: {
        int found = srv_db_read_user(r, j->a.login.username, &j->user) == 0;
        srv_db_reader_release(db, r);
        r = NULL;
        /* same work whether or not the user exists: no user enumeration by timing */
        int match = srv_auth_verify_password(found ? j->user.password_hash : dummy_hash,
                                             j->a.login.password);
        if (!found || !match || j->user.disabled)
            rc = pacta_error_set(&j->err, PACTA_UNAUTHENTICATED, "", "invalid credentials");
        break;
    }
    case PACTA_OP_AUTH_RESUME:
        srv_user_clear(&j->user);
        if (srv_db_read_session(r, j->a.resume.token, &j->user, j->token_hash, j->expires_at))
            rc = pacta_error_set(&j->err, PACTA_UNAUTHENTICATED, "token",
                                 "invalid or expired token");
        break;
    case PACTA_OP_CONTRACTS_LIST:
        rc = srv_db_read_contracts(r, &j->a.list, &j->result, &j->err);
        break;
    case PACTA_OP_CONTRACTS_GET: {
        json_t *c = NULL;
        rc = srv_db_read_contract(r, j->a.ids.id, &c, &j->err);
        if (rc == 0)
            j->result = json_pack("{s:o}", "contract", c);
        break;
    }
    case PACTA_OP_SUPPLEMENTS_LIST:
        rc = srv_db_read_supplements(r, j->a.supplements.contract_id, j->a.supplements.after,
                                     j->a.supplements.limit, &j->result, &j->err);
        break;
    case PACTA_OP_USERS_LIST:
        rc = srv_db_read_users(r, &j->result);
        if (rc)
            pacta_error_set(&j->err, PACTA_INTERNAL, "", "cannot read users");
        break;
    case PACTA_OP_USERS_CREATE:
    case PACTA_OP_USERS_UPDATE:
        j->password_hash = srv_auth_hash_password(
            j->op == PACTA_OP_USERS_CREATE ? j->a.user_create.password : j->a.user_update.password);
        if (!j->password_hash)
            rc = pacta_error_set(&j->err, PACTA_INTERNAL, "", "cannot hash password");
        break;
    default:
        rc = pacta_error_set(&j->err, PACTA_INTERNAL, "", "unexpected op");
        break;
    }
    if (r)
        srv_db_reader_release(db, r);
    if (rc && j->err.code == PACTA_OK)
        pacta_error_set(&j->err, PACTA_INTERNAL, "", "internal error");
    j->code = rc ? (int)j->err.code : PACTA_OK;
    if (j->code == PACTA_OK && j->result) {
        j->response = pacta_encode_ok(j->id, j->result, &j->response_len);
        j->result = NULL;
    }
}

/*
 * A failed login's answer waits on a timer: the connection cannot start
 * another login meanwhile (one in flight), so a guesser on one connection
 * slows down exponentially.  The job keeps its session reference and its
 * in-flight count until the answer leaves; a shutdown sends the held
 * answers at once (srv__ops_release_held): it waited for them, up to
 * 16 x --login-delay (16 minutes at the largest delay).
 */
struct held_answer {
    uv_timer_t timer;
    struct srv_job *job;
    struct held_answer *prev, *next; /* the held list, loop thread */
};

static struct held_answer *held_head;

static void held_answer_closed(uv_handle_t *h)
{
    free(h->data);
}

static void held_answer_due(uv_timer_t *t)
{
    struct held_answer *h = t->data;
    if (h->prev)
        h->prev->next = h->next;
    else
        held_head = h->next;
    if (h->next)
        h->next->prev = h->prev;
    uv_timer_stop(&h->timer);
    srv__respond_error(h->job->s, h->job->id, &h->job->err, NULL);
    srv__ops_job_free(h->job);
    uv_close((uv_handle_t *)&h->timer, held_answer_closed);
}

static int hold_failed_login(struct srv_job *j, uint64_t delay_ms)
{
    struct held_answer *h = calloc(1, sizeof *h);
    if (!h)
        abort();
    h->job = j;
    h->timer.data = h;
    if (uv_timer_init(j->srv->loop, &h->timer) != 0) {
        free(h);
        return -1;
    }
    h->next = held_head;
    if (held_head)
        held_head->prev = h;
    held_head = h;
    uv_timer_start(&h->timer, held_answer_due, delay_ms, 0);
    return 0;
}

void srv__ops_release_held(struct srv *srv)
{
    (void)srv;
    while (held_head)
        held_answer_due(&held_head->timer);
}

static void job_after(uv_work_t *req, int status)
{
    struct srv_job *j = req->data;
    struct srv_session *s = j->s;
    int64_t delay = 0;

    /* a failed login counts before its slot goes to the next queued check:
     * a lock this failure begins refuses that one unchecked (handed over
     * first, one more password was checked after the lock began) */
    if ((status || j->code != PACTA_OK) && j->op == PACTA_OP_AUTH_LOGIN &&
        j->code == PACTA_UNAUTHENTICATED) {
        j->srv->metrics.login_failures++;
        delay = srv__limits_login_failed(j->srv, j->a.login.username, s->peer);
    }
    if (j->hashing) { /* argon2 is done: the next waiting check may start */
        j->hashing = 0;
        hashing_slot_freed(j->srv);
    }

    if (status == UV_ECANCELED)
        pacta_error_set(&j->err, PACTA_UNAVAILABLE, "", "server is shutting down");
    if (status || j->code != PACTA_OK) {
        if (j->op == PACTA_OP_AUTH_LOGIN)
            srv_logf(SRV_LOG_WARN, "login failed", "{s:I,s:s,s:I}", "session", (json_int_t)s->id,
                     "peer", s->peer, "delay_ms", (json_int_t)delay);
        if (delay > 0 && !j->srv->shutting_down && hold_failed_login(j, (uint64_t)delay) == 0)
            return;
        srv__respond_error(s, j->id, &j->err, NULL);
        srv__ops_job_free(j);
        return;
    }
    if ((j->op == PACTA_OP_AUTH_LOGIN || j->op == PACTA_OP_AUTH_RESUME) &&
        !srv__limits_user_ok(j->srv, s, j->user.username)) {
        srv__respond_code(s, j->id, PACTA_RATE_LIMITED, "", "too many connections for this user");
        srv__ops_job_free(j);
        return;
    }
    switch (j->op) {
    case PACTA_OP_AUTH_LOGIN:
        srv__limits_login_ok(j->srv, j->user.username);
        /* counted against the user's cap until the session is written */
        snprintf(s->login_user, sizeof s->login_user, "%s", j->user.username);
        srv__ops_submit_write(j, SRV_W_SESSION_CREATE,
                              json_pack("{s:s,s:s}", "username", j->user.username, "password_hash",
                                        j->user.password_hash));
        return;
    case PACTA_OP_AUTH_RESUME: {
        if (j->revocations != j->srv->revocations) {
            /* a logout committed while the token was being read: read it again */
            j->revocations = j->srv->revocations;
            srv__ops_queue_job(j);
            return;
        }
        if (j->a.resume.client) {
            free(s->client);
            s->client = strdup(j->a.resume.client);
        }
        if (srv__session_open(s)) {
            set_authenticated(s, &j->user, j->token_hash);
            s->token_expires_ms = ms_from_iso(j->expires_at);
        }
        json_t *res =
            json_pack("{s:s,s:o}", "expires_at", j->expires_at, "user", user_json(&j->user));
        srv__respond_ok(s, j->id, res);
        break;
    }
    case PACTA_OP_USERS_UPDATE:
        srv__ops_submit_write(j, SRV_W_USER_UPDATE, srv__ops_user_update_args(j));
        return;
    case PACTA_OP_USERS_CREATE: {
        const struct pacta_user_create_args *u = &j->a.user_create;
        json_t *args = json_pack("{s:s,s:s,s:s,s:s}", "username", u->username, "password_hash",
                                 j->password_hash, "display_name",
                                 u->display_name ? u->display_name : u->username, "role",
                                 pacta_role_name(u->role));
        srv__ops_submit_write(j, SRV_W_USER_CREATE, args);
        return;
    }
    default:
        srv__session_send_text(s, j->response, j->response_len);
        j->response = NULL;
        break;
    }
    srv__ops_job_free(j);
}

/* Runs a job that checks or hashes a password, or queues it for a slot. */
void srv__ops_queue_password_job(struct srv_job *j)
{
    struct srv *srv = j->srv;
    if (srv->hashing < MAX_PASSWORD_CHECKS) {
        srv->hashing++;
        j->hashing = 1;
        srv__ops_queue_job(j);
    } else if (n_waiting < MAX_PASSWORD_WAITING) {
        if (waiting_tail)
            waiting_tail->next_waiting = j;
        else
            waiting_head = j;
        waiting_tail = j;
        n_waiting++;
    } else {
        srv__respond_code(j->s, j->id, PACTA_RATE_LIMITED, "",
                          "too many logins at once: retry shortly");
        srv__ops_job_free(j);
    }
}

void srv__ops_queue_job(struct srv_job *j)
{
    if (!j->read_counted && srv__ops_read_wait(j))
        return; /* started by srv__ops_reads_resume */
    int rc = uv_queue_work(j->srv->loop, &j->work, job_work, job_after);
    if (rc) {
        srv__respond_code(j->s, j->id, PACTA_INTERNAL, "", "internal error");
        srv__ops_job_free(j);
    }
}

void srv__ops_read(struct srv_session *s, const struct pacta_request *req, srv_read_fn read)
{
    struct srv_job *j = srv__ops_job_new(s, req);
    j->read = read;
    srv__ops_queue_job(j);
}

void srv__ops_read_large(struct srv_session *s, const struct pacta_request *req, srv_read_fn read,
                         size_t bytes)
{
    if (!srv__limits_reserve_answer(s, bytes)) {
        srv__respond_code(s, req->id, PACTA_RATE_LIMITED, "",
                          "too much data asked for at once: read the answers first");
        return;
    }
    struct srv_job *j = srv__ops_job_new(s, req);
    j->read = read;
    j->reserved = bytes;
    srv__ops_queue_job(j);
}

void srv__ops_write(struct srv_session *s, const struct pacta_request *req,
                    enum srv_write_kind kind, json_t *args_steal)
{
    srv__ops_submit_write(srv__ops_job_new(s, req), kind, args_steal);
}

int srv__ops_init(void)
{
    /* hashed once at start-up, before the loop runs (argon2 is slow on purpose) */
    if (!dummy_hash)
        dummy_hash = srv_auth_hash_password("not a password anyone has");
    return dummy_hash ? 0 : -1;
}

void srv__ops_cleanup(void)
{
    free(dummy_hash);
    dummy_hash = NULL;
}
