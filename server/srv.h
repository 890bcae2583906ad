/*
 * pactad internals shared by the loop-thread modules: the server, its
 * websocket sessions, their outbound queues, and the op handlers.
 *
 * Everything here is touched only on the loop thread (DESIGN §2), except
 * the fields of struct srv_job that its work callback fills in the pool.
 */
#ifndef PACTA_SRV_H
#define PACTA_SRV_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <libwebsockets.h>
#include <uv.h>

#include <pacta/protocol.h>

#include "config.h"
#include "db.h"
#include "metrics.h"

/*
 * One frame to send, serialized once and shared by every session it is
 * queued to (fan-out), with LWS_PRE bytes of headroom for lws_write().
 */
struct srv_msg {
    unsigned refs;
    /* an admin.connection.* event: sending it does not make the receiver's
     * own row due for an update (each watching admin's counters would move
     * with every update it gets, and bring one about itself every 2 s) */
    unsigned admin_quiet;
    unsigned hlen; /* its websocket frame header, right before the text */
    size_t len;
    unsigned char buf[]; /* LWS_PRE + len + 1 */
};
/* Takes over `text` content by copying it behind the headroom. */
struct srv_msg *srv__msg_new(const char *text, size_t len);
/* The same with len bytes of text left for the caller to fill in. */
struct srv_msg *srv__msg_alloc(size_t len);
void srv__msg_unref(struct srv_msg *m);

struct srv_qent {
    struct srv_msg *msg;
    int is_event; /* counts against the slow-consumer bounds */
};

enum srv_sub_state {
    SRV_SUB_NONE = 0, /* not subscribed */
    SRV_SUB_REPLAY,   /* catching up from the changes log; live events skipped */
    SRV_SUB_LIVE,     /* caught up: live events queued as they are broadcast */
};

struct srv;

struct srv_session {
    struct srv *srv;
    struct lws *wsi; /* NULL once the connection closed */
    uint64_t id;
    unsigned refs; /* the connection + every job in flight for it */
    char peer[64];

    /* authentication */
    int authenticated;
    char username[65];
    enum pacta_role role;
    char token_hash[65];
    int64_t token_expires_ms; /* wall clock; the socket ends (4001) when it passes */
    uint64_t connected_ms;
    uint64_t auth_deadline_ms; /* unauthenticated past this: closed with 1008 */

    /* inbound message assembly */
    char *rx;
    size_t rx_len, rx_cap;
    int inflight;
    int auth_inflight; /* an auth.login/auth.resume is being processed */
    /* a login whose password matched, its session not yet written: it
     * counts against --max-conns-per-user (limits.c) */
    char login_user[65];
    double bucket; /* request tokens (limits.c) */
    uint64_t bucket_ms;

    /* outbound queue; its events are bounded by count and bytes */
    struct srv_qent *q_ring; /* q_count frames from q_first, of q_cap (session.c) */
    unsigned q_first, q_cap;
    int q_count, ev_count;
    size_t q_bytes, ev_bytes;
    int turn_ev; /* events queued this loop turn, not yet behind (session.c) */
    size_t turn_ev_bytes;
    int staged; /* on srv->staged: written at the turn's end */
    struct srv_session *staged_next;
    int rx_paused;         /* its answers are piling up: not reading its requests */
    int ping_due;          /* housekeeping asked for a websocket ping */
    uint64_t ping_sent_ms; /* monotonic, while a ping awaits its pong; 0 = none */
    uint64_t ping_last_ms; /* when the last one went out */
    int64_t rtt_ms;        /* last ping round trip, -1 = not measured yet */
    int close_code;        /* != 0: close with it once the queue is flushed (or now) */
    char close_reason[64];
    int close_begun; /* lws has the close: its frame, then the peer's answer */

    /* what admins see (admin.c) */
    char *client;                              /* the "client" of auth.login, or NULL */
    char *display_name;                        /* of the logged-in user, or NULL */
    int64_t connected_at_ms, last_activity_ms; /* wall clock (srv_clock_now_ms) */
    uint64_t msgs_in, msgs_out, bytes_in, bytes_out;
    int admin_watch;          /* receives admin.connection.* events */
    int admin_dirty;          /* counters changed since the last update sent */
    uint64_t admin_sent_ms;   /* monotonic time of that update */
    char editing[37];         /* presence: the contract open in an editor, or "" */
    int64_t editing_since_ms; /* wall clock */
    int dashboard_watch;      /* receives dashboard.updated (dashboard.c) */

    /* subscription (subscribe.c) */
    enum srv_sub_state sub;
    int64_t cursor;     /* highest seq queued to this session */
    unsigned sub_gen;   /* bumped by every (un)subscribe: stale replays drop */
    int replay_running; /* a replay page is being read in the pool (of this or an
                         * earlier subscribe: one at a time) */

    size_t resp_reserved; /* bytes of large answers being made (limits.c) */
    /* reads in the pool, and those waiting to start (ops_reads.c) */
    int reads_running;
    struct srv_job *reads_head, *reads_tail;

    struct srv_session *prev, *next; /* srv->sessions */
};

struct srv {
    uv_loop_t *loop;
    struct srv_config *cfg;
    struct srv_db *db;
    struct lws_context *lws;
    struct lws_vhost *vhost;
    struct srv_session *sessions;
    int n_sessions;
    uint64_t next_session_id;
    uint64_t next_request_id;
    int64_t head_seq; /* highest seq broadcast (or read at start) */
    struct srv_metrics metrics;
    int64_t last_expiry_scan_ms; /* wall clock of the scheduler's last scan, 0 if none */
    int jobs_inflight;           /* pool jobs + writer requests not yet completed */
    int hashing;                 /* password checks/hashes running (ops.c) */
    unsigned revocations;        /* tokens revoked so far: stale auth.resume reads retry */
    int shutting_down;
    uv_timer_t housekeeping; /* auth timeouts, shutdown progress */
    uv_signal_t sigint, sigterm;
    uv_signal_t sighup; /* reload the configuration */
    int argc;           /* the command line, for reloads */
    char **argv;
    uint64_t shutdown_started_ms;
    int exit_code;
    struct srv_session *staged; /* sessions with frames queued this loop turn */
    uv_check_t flush_check;     /* writes them at the turn's end (session.c) */
    uv_prepare_t flush_prepare; /* and before the loop blocks */
};

/* lws per-connection data: a websocket session or an HTTP request. */
struct srv_http;
struct srv_pss {
    struct srv_session *s;
    struct srv_http *http;
};

/* http.c: /healthz, /readyz, /metrics on the same port. */
int srv__http_request(struct srv *srv, struct lws *wsi, struct srv_pss *pss, const char *path);
int srv__http_writeable(struct lws *wsi, struct srv_pss *pss);
void srv__http_closed(struct srv_pss *pss);
void srv__http_cleanup(void); /* at exit */

/* net.c: lws context on the server's uv loop. */
int srv__net_start(struct srv *srv);
void srv__net_stop(struct srv *srv);
void srv__net_finish(struct srv *srv);
/* net_fds.c: a descriptor kept in reserve to refuse connections when
 * accept() runs out of descriptors (lws would spin on them). */
void srv__net_fds_start(int port);
void srv__net_fds_stop(void);
/* lws logged lws_line: 1 if it was a failed accept handled here. */
int srv__net_fds_accept_failed(const char *lws_line);

/* session.c */
struct srv_session *srv__session_new(struct srv *srv, struct lws *wsi);
void srv__session_ref(struct srv_session *s);
void srv__session_unref(struct srv_session *s);
/* The connection closed: drop the queue, unlink, drop the connection's ref. */
void srv__session_closed(struct srv_session *s);
/* Queues one event frame (takes a new ref on m).  Overflow closes with 4000. */
void srv__session_queue_event(struct srv_session *s, struct srv_msg *m);
/* Queues a response (text is copied, then freed); never counts as overflow. */
void srv__session_send_text(struct srv_session *s, char *text_free, size_t len);
/* What this loop turn queued leaves in one write per session, at the end of
 * the turn (uv_check; uv_prepare before the loop blocks): started before
 * the first connection, stopped once lws is destroyed. */
void srv__session_flush_start(struct srv *srv);
void srv__session_flush(struct srv *srv);
void srv__session_flush_stop(struct srv *srv);
/* Asks for a close with code once pending frames are written (or at once). */
void srv__session_close(struct srv_session *s, int code, const char *reason, int flush_first);
/* WRITEABLE: writes one frame; returns -1 when the connection must close. */
int srv__session_writeable(struct srv_session *s);
int srv__session_open(const struct srv_session *s); /* connected and not closing */

/*
 * For op handlers outside ops.c.  A read runs in the thread pool with a
 * read-only connection; `args` is the request's args object, `actor` the
 * session's username; it returns 0 with *result (new ref) or < 0 with *err
 * set.  The request is answered with the result or the error.
 */
typedef int (*srv_read_fn)(sqlite3 *r, const char *actor, const json_t *args, json_t **result,
                           struct pacta_error *err);
void srv__ops_read(struct srv_session *s, const struct pacta_request *req, srv_read_fn read);
/* The same for a read whose answer may be large (up to `bytes`): refused
 * with rate_limited when the connection's answers would pass
 * --queue-max-bytes (srv__limits_reserve_answer). */
void srv__ops_read_large(struct srv_session *s, const struct pacta_request *req, srv_read_fn read,
                         size_t bytes);
/* Queues a write for the writer; answered with its result once committed,
 * after its events were broadcast. */
void srv__ops_write(struct srv_session *s, const struct pacta_request *req,
                    enum srv_write_kind kind, json_t *args_steal);

/* admin.c: presence.* and admin.* ops; 1 if it answered the request. */
int srv__admin_handle(struct srv_session *s, const struct pacta_request *req);
/* notify.c: notifications.*, users.preferences, contracts.expiring,
 * admin.clock.set; expiry.c: the expiry scheduler (see expiry.h). */
int srv__notify_handle(struct srv_session *s, const struct pacta_request *req);
void srv__expiry_start(struct srv *srv);
void srv__expiry_stop(struct srv *srv);
void srv__expiry_note_events(struct srv *srv, const json_t *events);
/* Connection events for admins who watch, and presence clean-up. */
void srv__admin_opened(struct srv_session *s);
void srv__admin_closed(struct srv_session *s);
/* Login, logout, (un)subscribe...: watching admins get an update now. */
void srv__admin_changed(struct srv_session *s);
/* Ends the session's presence (a login as another user on it). */
void srv__admin_presence_end(struct srv_session *s);
/* Housekeeping: throttled updates of sessions whose counters moved. */
void srv__admin_tick(struct srv *srv);
/* server.day {today} to every subscribed session (the date changed: at
 * midnight in the server's zone, or admin.clock.set). */
void srv__admin_day_changed(struct srv *srv);

/* limits.c: failed-login lockouts, request rate, connection caps. */
/* Seconds the account or the address is still locked out, 0 if neither. */
int64_t srv__limits_login_locked(struct srv *srv, const char *username, const char *address);
/* Counts a failed login; returns how long (ms) to hold its answer. */
int64_t srv__limits_login_failed(struct srv *srv, const char *username, const char *address);
void srv__limits_login_ok(struct srv *srv, const char *username);
/* A login refused while locked: counts against the address only. */
void srv__limits_login_refused(struct srv *srv, const char *address);
/* 1 if the session may send one more request now (token bucket). */
int srv__limits_take_request(struct srv_session *s);
int srv__limits_address_ok(const struct srv_session *s);
/* 1 if `username` may have one more connection besides s. */
int srv__limits_user_ok(struct srv *srv, const struct srv_session *s, const char *username);
void srv__limits_purge(int64_t max_age_ms);
void srv__limits_tick(struct srv *srv);
void srv__limits_cleanup(void);
/* Reserves `bytes` of answer for s: 1 if its queued answers, those being
 * made and this one stay within --queue-max-bytes (or nothing is queued or
 * being made: one is always allowed), else 0.  Released when the answer is
 * queued. */
int srv__limits_reserve_answer(struct srv_session *s, size_t bytes);
/* ops_reads.c: starts the reads that waited, if they may now; frees them
 * when the connection is gone. */
void srv__ops_reads_resume(struct srv_session *s);
void srv__limits_release_answer(struct srv_session *s, size_t bytes);

/* request.c: one complete text message from a session; answers. */
void srv__ops_handle(struct srv_session *s, const char *buf, size_t len);
void srv__respond_ok(struct srv_session *s, const json_t *id, json_t *result_steal);
/* The same answer with the result already encoded (its compact text). */
void srv__respond_ok_text(struct srv_session *s, const json_t *id, const char *result, size_t len);
void srv__respond_error(struct srv_session *s, const json_t *id, const struct pacta_error *err,
                        json_t *extra_steal);
void srv__respond_code(struct srv_session *s, const json_t *id, enum pacta_code code,
                       const char *field, const char *message);
/* ops.c: starts a parsed, allowed request's work (pool job, writer or at once). */
int srv__ops_init(void);
/* Shutdown: the failed logins' answers held back (the login delay) go now. */
void srv__ops_release_held(struct srv *srv);
void srv__ops_cleanup(void);
void srv__ops_dispatch(struct srv_session *s, const struct pacta_request *req);

/* subscribe.c */
void srv__subscribe(struct srv_session *s, const json_t *id, const json_t *args);
void srv__unsubscribe(struct srv_session *s);
/* Queues committed events (array of {"seq","event","data"}) to live subscribers. */
/* request_id: the request whose write produced them (0: the server's own, e.g. expiry). */
void srv__broadcast(struct srv *srv, const json_t *events, uint64_t request_id);
/* The session's queue drained below its low-water mark: continue a replay. */
void srv__subscribe_queue_drained(struct srv_session *s);

uint64_t srv__now_ms(void); /* monotonic, for timeouts */

#endif
