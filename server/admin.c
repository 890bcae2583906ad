/*
 * Who is connected and what they are doing: presence ("ana is editing"),
 * the admin connection monitor, and admin.kick.
 *
 * Everything here is loop-thread state read straight from the sessions and
 * sent as ephemeral events (no seq, never replayed): presence.updated to
 * every subscribed session, admin.connection.* to admins who asked with
 * admin.connections.watch.  Nothing touches the database.
 */
#include <stdlib.h>
#include <string.h>

#include "expiry.h"
#include "log.h"
#include "srv.h"

/* Counter-only changes reach watching admins at most this often. */
#define ADMIN_UPDATE_MS 2000

static json_t *iso_or_null(int64_t ms)
{
    char buf[32];
    if (ms <= 0)
        return json_null();
    srv__iso_from_ms(ms, buf);
    return json_string(buf);
}

static json_t *str_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

/* The Connection object of PROTOCOL.md §6.17. */
static json_t *connection_json(const struct srv_session *s)
{
    return json_pack(
        "{s:I,s:o,s:o,s:s,s:o,s:o,s:o,s:I,s:I,s:I,s:I,s:i,s:b,s:o,s:o}", "session",
        (json_int_t)s->id, "user", s->authenticated ? json_string(s->username) : json_null(),
        "role", s->authenticated ? json_string(pacta_role_name(s->role)) : json_null(), "address",
        s->peer, "client", str_or_null(s->client), "connected_at", iso_or_null(s->connected_at_ms),
        "last_activity_at", iso_or_null(s->last_activity_ms), "messages_in", (json_int_t)s->msgs_in,
        "messages_out", (json_int_t)s->msgs_out, "bytes_in", (json_int_t)s->bytes_in, "bytes_out",
        (json_int_t)s->bytes_out, "queue_depth", s->q_count, "subscribed", s->sub != SRV_SUB_NONE,
        "editing", str_or_null(s->editing), "rtt_ms",
        s->rtt_ms >= 0 ? json_integer(s->rtt_ms) : json_null());
}

static int is_watching_admin(const struct srv_session *o)
{
    return o->admin_watch && o->authenticated && o->role == PACTA_ROLE_ADMIN;
}

/* Sends one ephemeral event to every session `want` selects. */
static void send_ephemeral(struct srv *srv, const char *event, json_t *data_steal,
                           int (*want)(const struct srv_session *))
{
    size_t len;
    char *text = pacta_encode_event(event, 0, data_steal, &len);
    if (!text)
        return;
    struct srv_msg *m = srv__msg_new(text, len);
    free(text);
    m->admin_quiet = want == is_watching_admin;
    for (struct srv_session *o = srv->sessions; o; o = o->next)
        if (srv__session_open(o) && want(o))
            srv__session_queue_event(o, m);
    srv__msg_unref(m);
}

static int is_subscriber(const struct srv_session *o)
{
    return o->authenticated && o->sub != SRV_SUB_NONE;
}

static int anyone_watching(const struct srv *srv)
{
    for (const struct srv_session *o = srv->sessions; o; o = o->next)
        if (is_watching_admin(o))
            return 1;
    return 0;
}

static void set_editing(struct srv_session *s, const char *contract_id);

void srv__admin_changed(struct srv_session *s)
{
    if (!s->authenticated && s->editing[0]) {
        set_editing(s, ""); /* logged out: no longer editing; calls back here */
        return;
    }
    if (!anyone_watching(s->srv))
        return;
    s->admin_dirty = 0;
    s->admin_sent_ms = srv__now_ms();
    send_ephemeral(s->srv, PACTA_EV_ADMIN_CONN_UPDATED,
                   json_pack("{s:o}", "connection", connection_json(s)), is_watching_admin);
}

void srv__admin_opened(struct srv_session *s)
{
    s->connected_at_ms = s->last_activity_ms = srv_clock_now_ms();
    if (anyone_watching(s->srv))
        send_ephemeral(s->srv, PACTA_EV_ADMIN_CONN_OPENED,
                       json_pack("{s:o}", "connection", connection_json(s)), is_watching_admin);
}

void srv__admin_tick(struct srv *srv)
{
    uint64_t now = srv__now_ms();
    if (!anyone_watching(srv))
        return;
    for (struct srv_session *s = srv->sessions; s; s = s->next)
        if (s->admin_dirty && now - s->admin_sent_ms >= ADMIN_UPDATE_MS)
            srv__admin_changed(s);
}

/* ---- the server's date --------------------------------------------------------- */

void srv__admin_day_changed(struct srv *srv)
{
    char today[11];
    srv_date_format(srv_today(), today); /* the zone's day, as the derived members */
    send_ephemeral(srv, PACTA_EV_SERVER_DAY, json_pack("{s:s}", "today", today), is_subscriber);
}

/* ---- presence ------------------------------------------------------------ */

static json_t *editors_of(struct srv *srv, const char *contract_id)
{
    json_t *editors = json_array();
    for (const struct srv_session *o = srv->sessions; o; o = o->next)
        if (o->authenticated && strcmp(o->editing, contract_id) == 0)
            json_array_append_new(
                editors, json_pack("{s:s,s:s,s:I,s:o}", "user", o->username, "display_name",
                                   o->display_name ? o->display_name : o->username, "session",
                                   (json_int_t)o->id, "since", iso_or_null(o->editing_since_ms)));
    return editors;
}

static void presence_updated(struct srv *srv, const char *contract_id)
{
    send_ephemeral(
        srv, PACTA_EV_PRESENCE_UPDATED,
        json_pack("{s:s,s:o}", "contract_id", contract_id, "editors", editors_of(srv, contract_id)),
        is_subscriber);
}

/* Moves a session's presence to contract_id ("" = none) and tells everyone. */
static void set_editing(struct srv_session *s, const char *contract_id)
{
    char old[37];
    if (strcmp(s->editing, contract_id) == 0)
        return;
    snprintf(old, sizeof old, "%s", s->editing);
    snprintf(s->editing, sizeof s->editing, "%s", contract_id);
    s->editing_since_ms = *contract_id ? srv_clock_now_ms() : 0;
    if (*old)
        presence_updated(s->srv, old);
    if (*contract_id)
        presence_updated(s->srv, contract_id);
    srv__admin_changed(s);
}

void srv__admin_presence_end(struct srv_session *s)
{
    set_editing(s, "");
}

void srv__admin_closed(struct srv_session *s)
{
    /* the session is already out of srv->sessions: it is no longer an editor */
    if (s->editing[0]) {
        char old[37];
        snprintf(old, sizeof old, "%s", s->editing);
        s->editing[0] = '\0';
        presence_updated(s->srv, old);
    }
    if (anyone_watching(s->srv))
        send_ephemeral(s->srv, PACTA_EV_ADMIN_CONN_CLOSED,
                       json_pack("{s:I,s:o,s:s}", "session", (json_int_t)s->id, "code",
                                 s->close_code ? json_integer(s->close_code) : json_null(),
                                 "reason", s->close_reason),
                       is_watching_admin);
}

static json_t *presence_list(struct srv *srv)
{
    json_t *seen = json_object(), *items = json_array();
    for (const struct srv_session *o = srv->sessions; o; o = o->next) {
        if (!o->authenticated || !o->editing[0] || json_object_get(seen, o->editing))
            continue;
        json_object_set_new(seen, o->editing, json_true());
        json_array_append_new(items, json_pack("{s:s,s:o}", "contract_id", o->editing, "editors",
                                               editors_of(srv, o->editing)));
    }
    json_decref(seen);
    return json_pack("{s:o}", "items", items);
}

static json_t *connections_list(struct srv *srv)
{
    /* srv->sessions is newest first; the protocol lists oldest first */
    json_t *items = json_array();
    for (const struct srv_session *o = srv->sessions; o; o = o->next)
        json_array_insert_new(items, 0, connection_json(o));
    return json_pack("{s:o}", "items", items);
}

/* 0 to answer {}, 1 if answered already, or < 0 with err set. */
static int kick(struct srv_session *s, const json_t *id, int64_t session, struct pacta_error *err)
{
    for (struct srv_session *o = s->srv->sessions; o; o = o->next) {
        if (o->id != (uint64_t)session || !o->wsi)
            continue;
        srv_logf(SRV_LOG_INFO, "connection kicked", "{s:I,s:s,s:I,s:s}", "session",
                 (json_int_t)o->id, "user", o->username, "by_session", (json_int_t)s->id, "by",
                 s->username);
        s->srv->metrics.kicks++;
        if (o == s) {
            /* one's own connection: the answer first, then the close (a
             * closing connection queues no more answers) */
            srv__respond_ok(s, id, NULL);
            srv__session_close(s, PACTA_CLOSE_KICKED, "disconnected by an administrator", 1);
            return 1;
        }
        srv__session_close(o, PACTA_CLOSE_KICKED, "disconnected by an administrator", 0);
        return 0;
    }
    return pacta_error_set(err, PACTA_NOT_FOUND, "session", "no connection %lld",
                           (long long)session);
}

int srv__admin_handle(struct srv_session *s, const struct pacta_request *req)
{
    struct pacta_error err = {0};
    int rc = 0;

    switch (req->op) {
    case PACTA_OP_PRESENCE_SET: {
        struct pacta_presence_args a;
        if ((rc = pacta_decode_presence_set(req->args, &a, &err)) == 0) {
            set_editing(s, a.contract_id ? a.contract_id : "");
            srv__respond_ok(s, req->id, NULL);
        }
        break;
    }
    case PACTA_OP_PRESENCE_LIST:
        srv__respond_ok(s, req->id, presence_list(s->srv));
        break;
    case PACTA_OP_ADMIN_CONNS_LIST:
        srv__respond_ok(s, req->id, connections_list(s->srv));
        break;
    case PACTA_OP_ADMIN_STATS:
        srv__respond_ok(s, req->id, srv__stats_json(s->srv));
        break;
    case PACTA_OP_ADMIN_CONNS_WATCH: {
        int on;
        if ((rc = pacta_decode_admin_watch(req->args, &on, &err)) == 0) {
            s->admin_watch = on;
            srv__respond_ok(s, req->id, on ? connections_list(s->srv) : NULL);
        }
        break;
    }
    case PACTA_OP_ADMIN_KICK: {
        int64_t session;
        if ((rc = pacta_decode_admin_kick(req->args, &session, &err)) == 0 &&
            (rc = kick(s, req->id, session, &err)) >= 0) {
            if (rc == 0)
                srv__respond_ok(s, req->id, NULL);
            rc = 0;
        }
        break;
    }
    default:
        return 0;
    }
    if (rc)
        srv__respond_error(s, req->id, &err, NULL);
    return 1;
}
