/*
 * Websocket sessions: lifetime, the bounded outbound queue, closing.
 *
 * A session is ref-counted: the connection holds one reference until
 * LWS_CALLBACK_CLOSED, and every job in the thread pool or the writer holds
 * one, so a reply that comes back after the peer left finds a session with
 * wsi == NULL and is dropped instead of touching freed memory.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "srv.h"

struct srv_msg *srv__msg_alloc(size_t len)
{
    struct srv_msg *m = malloc(sizeof *m + LWS_PRE + len + 1);
    if (!m) {
        fputs("pactad: out of memory\n", stderr);
        abort();
    }
    m->refs = 1;
    m->admin_quiet = 0;
    m->len = len;
    m->buf[LWS_PRE + len] = '\0';
    return m;
}

struct srv_msg *srv__msg_new(const char *text, size_t len)
{
    struct srv_msg *m = srv__msg_alloc(len);
    memcpy(m->buf + LWS_PRE, text, len);
    return m;
}

void srv__msg_unref(struct srv_msg *m)
{
    if (m && --m->refs == 0)
        free(m);
}

struct srv_session *srv__session_new(struct srv *srv, struct lws *wsi)
{
    struct srv_session *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    s->srv = srv;
    s->wsi = wsi;
    s->id = ++srv->next_session_id;
    s->refs = 1;
    s->connected_ms = srv__now_ms();
    s->auth_deadline_ms = s->connected_ms + (uint64_t)srv->cfg->auth_timeout_sec * 1000;
    s->rtt_ms = -1;
    s->ping_last_ms = s->connected_ms; /* the first ping one interval after connecting */
    lws_get_peer_simple(wsi, s->peer, sizeof s->peer);
    s->next = srv->sessions;
    if (srv->sessions)
        srv->sessions->prev = s;
    srv->sessions = s;
    srv->n_sessions++;
    srv->metrics.connections_total++;
    srv__admin_opened(s);
    return s;
}

void srv__session_ref(struct srv_session *s)
{
    s->refs++;
}

static void queue_drop(struct srv_session *s)
{
    struct srv_qnode *n = s->q_head;
    while (n) {
        struct srv_qnode *next = n->next;
        srv__msg_unref(n->msg);
        free(n);
        n = next;
    }
    s->q_head = s->q_tail = NULL;
    s->q_count = s->ev_count = 0;
    s->q_bytes = s->ev_bytes = 0;
}

void srv__session_unref(struct srv_session *s)
{
    if (--s->refs)
        return;
    queue_drop(s);
    free(s->rx);
    free(s->client);
    free(s->display_name);
    free(s);
}

void srv__session_closed(struct srv_session *s)
{
    struct srv *srv = s->srv;
    srv_logf(SRV_LOG_INFO, "connection closed", "{s:I,s:s,s:s}", "session", (json_int_t)s->id,
             "peer", s->peer, "user", s->username);
    s->wsi = NULL;
    s->sub = SRV_SUB_NONE;
    s->sub_gen++;
    queue_drop(s);
    if (s->prev)
        s->prev->next = s->next;
    else
        srv->sessions = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->prev = s->next = NULL;
    srv->n_sessions--;
    srv__admin_closed(s);
    srv__ops_reads_resume(s); /* reads still waiting end here, unanswered */
    srv__session_unref(s);
}

int srv__session_open(const struct srv_session *s)
{
    return s->wsi && !s->close_code;
}

void srv__session_close(struct srv_session *s, int code, const char *reason, int flush_first)
{
    if (!s->wsi || s->close_code)
        return;
    s->close_code = code;
    snprintf(s->close_reason, sizeof s->close_reason, "%s", reason);
    if (!flush_first)
        queue_drop(s);
    lws_callback_on_writable(s->wsi);
}

static void queue_push(struct srv_session *s, struct srv_msg *m, int is_event)
{
    struct srv_qnode *n = malloc(sizeof *n);
    if (!n)
        abort();
    m->refs++;
    n->msg = m;
    n->is_event = is_event;
    n->next = NULL;
    if (s->q_tail)
        s->q_tail->next = n;
    else
        s->q_head = n;
    s->q_tail = n;
    s->q_count++;
    s->q_bytes += m->len;
    if (is_event) {
        s->ev_count++;
        s->ev_bytes += m->len;
    }
    lws_callback_on_writable(s->wsi);
}

/*
 * A session whose queue would pass either bound with one more event is a
 * consumer that fell behind: it is closed with 4000 and what it missed is
 * replayed from the changes log when it subscribes again with `since`
 * (DESIGN §6).  Only events count against the bounds: responses are
 * already bounded by the requests a session may have in flight, and a
 * large answer (a list page) must not look like a slow reader.
 */
void srv__session_queue_event(struct srv_session *s, struct srv_msg *m)
{
    struct srv_config *cfg = s->srv->cfg;
    if (!srv__session_open(s))
        return;
    if (s->ev_count + 1 > cfg->queue_max_events || s->ev_bytes + m->len > cfg->queue_max_bytes) {
        srv_logf(SRV_LOG_WARN, "slow consumer closed", "{s:I,s:s,s:i,s:I}", "session",
                 (json_int_t)s->id, "user", s->username, "queued", s->ev_count, "bytes",
                 (json_int_t)s->ev_bytes);
        srv__session_close(s, PACTA_CLOSE_SLOW_CONSUMER, "slow consumer", 0);
        s->srv->metrics.slow_consumers++;
        return;
    }
    s->srv->metrics.event_deliveries++;
    queue_push(s, m, 1);
}

/*
 * Fan-out fast path: a broadcast event for a session with nothing queued is
 * written at once instead of behind lws_callback_on_writable().  That path
 * costs two epoll_ctl calls and a trip through the loop per delivery, ~20%
 * of pactad's fan-out profile (bench/RESULTS.md).  Safe because it runs
 * only from srv__broadcast (the writer's completion, outside any lws
 * callback), only when nothing is queued or buffered (frame order and lws's
 * buflist_out stay intact) and the session is not closing; a partial write
 * is buffered by lws (lws_issue_raw), which then asks for WRITEABLE itself.
 * Returns 1 when written, 0 when the caller must queue the event.
 */
static int can_write_now(const struct srv_session *s)
{
    return srv__session_open(s) && !s->q_head && !lws_partial_buffered(s->wsi);
}

/* Writes m at once, counted as write_one counts a queued frame. */
static void write_now(struct srv_session *s, struct srv_msg *m)
{
    int w = lws_write(s->wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT);
    s->msgs_out++;
    s->bytes_out += m->len;
    s->srv->metrics.messages_out++;
    s->srv->metrics.bytes_out += m->len;
    if (!m->admin_quiet)
        s->admin_dirty = 1;
    if (w < 0)
        lws_set_timeout(s->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC); /* broken socket */
}

int srv__session_write_event_now(struct srv_session *s, struct srv_msg *m)
{
    if (!can_write_now(s))
        return 0;
    s->srv->metrics.event_deliveries++;
    write_now(s, m);
    return 1;
}

void srv__session_send_text(struct srv_session *s, char *text_free, size_t len)
{
    if (!text_free)
        return;
    if (srv__session_open(s)) {
        struct srv_msg *m = srv__msg_new(text_free, len);
        /* The fast path of srv__session_write_event_now for the answers
         * write_done gives (srv->answer_now: the writer's completion, outside
         * any lws callback): in the edits scenario lws_callback_on_writable's
         * two epoll_ctl calls and the trip through the loop per answer were
         * ~5% of pactad's CPU (bench/RESULTS.md "Edits"). */
        if (s->srv->answer_now && can_write_now(s)) {
            write_now(s, m);
            srv__msg_unref(m);
            free(text_free);
            return;
        }
        queue_push(s, m, 0);
        srv__msg_unref(m);
        /*
         * Responses are not bounded like events (a slow reader of events is
         * closed; a client waiting for its answers is not), but a client
         * that sends requests without reading the answers must not grow
         * this queue without bound: past the byte bound we stop reading its
         * socket until the answers drain (TCP pushes back on it).
         */
        if (!s->rx_paused && s->q_bytes > s->srv->cfg->queue_max_bytes) {
            s->rx_paused = 1;
            lws_rx_flow_control(s->wsi, 0);
        }
    }
    free(text_free);
}

/*
 * Frames per WRITEABLE callback.  DESIGN §9 says one lws_write per callback,
 * and that is the rule whenever a write was partial: lws 4.1.6 then holds
 * the rest in buflist_out, and an lws_write made meanwhile is appended but
 * reports the bytes of the older segment, leaving the ws layer "inside a
 * frame" — the next frame would go out without its header.  So a frame is
 * written only while lws_partial_buffered() is false; when it is, the rest
 * waits for the next callback (lws drains its buffer before calling us).
 * Writing up to WRITE_BURST frames while every write completes saves a trip
 * through the event loop per frame (bench/RESULTS.md); the cap keeps one
 * session from starving the others.  No ws extension may be enabled with
 * this (permessage-deflate would break the accounting).
 */
#define WRITE_BURST 16

static int write_one(struct srv_session *s)
{
    struct srv_qnode *n = s->q_head;
    s->q_head = n->next;
    if (!s->q_head)
        s->q_tail = NULL;
    s->q_count--;
    s->q_bytes -= n->msg->len;
    if (n->is_event) {
        s->ev_count--;
        s->ev_bytes -= n->msg->len;
    }
    int w = lws_write(s->wsi, n->msg->buf + LWS_PRE, n->msg->len, LWS_WRITE_TEXT);
    s->msgs_out++;
    s->bytes_out += n->msg->len;
    s->srv->metrics.messages_out++;
    s->srv->metrics.bytes_out += n->msg->len;
    if (!n->msg->admin_quiet)
        s->admin_dirty = 1;
    srv__msg_unref(n->msg);
    free(n);
    return w < 0 ? -1 : 0;
}

int srv__session_writeable(struct srv_session *s)
{
    int sent = 0;
    if (s->ping_due && !lws_partial_buffered(s->wsi)) {
        /* a ping of our own, timed, so admins see each connection's round trip */
        unsigned char ping[LWS_PRE + 8];
        memcpy(ping + LWS_PRE, "pactaRTT", 8);
        s->ping_due = 0;
        if (lws_write(s->wsi, ping + LWS_PRE, 8, LWS_WRITE_PING) < 0)
            return -1;
        s->ping_sent_ms = s->ping_last_ms = srv__now_ms();
        sent++;
    }
    while (s->q_head && sent < WRITE_BURST && !lws_partial_buffered(s->wsi)) {
        if (write_one(s) < 0)
            return -1;
        sent++;
    }
    if (s->rx_paused && s->q_bytes <= s->srv->cfg->queue_max_bytes / 2) {
        /* its answers are going out again: read its requests again */
        s->rx_paused = 0;
        lws_rx_flow_control(s->wsi, 1);
    }
    if (s->reads_head)
        srv__ops_reads_resume(s); /* reads that waited for the queue to drain */
    if (!sent && s->q_head) {
        lws_callback_on_writable(s->wsi); /* lws still holds part of a frame */
        return 0;
    }
    if (sent) {
        if (s->sub == SRV_SUB_REPLAY && s->ev_count <= s->srv->cfg->queue_max_events / 4)
            srv__subscribe_queue_drained(s);
        /* the close frame, if any, goes in a callback of its own */
        if (s->q_head || s->close_code)
            lws_callback_on_writable(s->wsi);
        return 0;
    }
    if (s->close_code) {
        /*
         * Not `return -1`: Debian's lws 4.1.6 is built with _DEBUG, and on
         * that path its libuv "repeat test" closes the socket a second time
         * before the close frame is sent (the peer sees 1006).  A sync
         * timeout-kill takes the polite path: lws sends our close frame on
         * the next POLLOUT and waits for the peer's answer.
         */
        lws_close_reason(s->wsi, (enum lws_close_status)s->close_code,
                         (unsigned char *)s->close_reason, strlen(s->close_reason));
        lws_set_timeout(s->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_SYNC);
    }
    return 0;
}
