/*
 * Websocket sessions: lifetime, the bounded outbound queue, closing.
 *
 * A session is ref-counted: the connection holds one reference until
 * LWS_CALLBACK_CLOSED, and every job in the thread pool or the writer holds
 * one, so a reply that comes back after the peer left finds a session with
 * wsi == NULL and is dropped instead of touching freed memory.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "srv.h"

_Static_assert(LWS_PRE >= 10, "a frame header must fit in the headroom");

/*
 * The websocket header of a server's frame (FIN, text, unmasked: RFC 6455
 * §5.2) of len bytes, written into the headroom right before the text.  The
 * frame is then written as raw bytes, so frames of several messages can go
 * out in one write (see write_frames).
 */
static void frame_header(struct srv_msg *m)
{
    unsigned char h[10];
    size_t len = m->len;
    unsigned n;
    h[0] = 0x81;
    if (len < 126) {
        h[1] = (unsigned char)len;
        n = 2;
    } else if (len <= 0xffff) {
        h[1] = 126;
        h[2] = (unsigned char)(len >> 8);
        h[3] = (unsigned char)len;
        n = 4;
    } else {
        h[1] = 127;
        for (int i = 0; i < 8; i++)
            h[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
        n = 10;
    }
    m->hlen = n;
    memcpy(m->buf + LWS_PRE - n, h, n);
}

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
    frame_header(m);
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

/*
 * The outbound queue is a ring of (frame, is_event), allocated with the
 * first frame and doubled when full: no allocation per delivery.  A ring
 * that grew past RING_KEEP entries (a backlog) is freed once it drains.
 */
#define RING_MIN 8
#define RING_KEEP 64

static struct srv_qent *q_at(const struct srv_session *s, int i)
{
    return &s->q_ring[(s->q_first + (unsigned)i) % s->q_cap];
}

static void queue_drop(struct srv_session *s)
{
    for (int i = 0; i < s->q_count; i++)
        srv__msg_unref(q_at(s, i)->msg);
    free(s->q_ring);
    s->q_ring = NULL;
    s->q_first = s->q_cap = 0;
    s->q_count = s->ev_count = s->turn_ev = 0;
    s->q_bytes = s->ev_bytes = s->turn_ev_bytes = 0;
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

/*
 * Every frame for a session goes into its queue, and the session onto the
 * list of those with frames to write at the end of this loop turn (stage()).
 * A uv_check handle runs after libuv has polled and run every callback of
 * the turn — lws's, the writer's completions, the pool's — and writes each
 * listed session's queue (srv__session_flush), so what a turn queued for one
 * connection leaves in one write, one TLS record: a commit of 20 edits is
 * one write per subscriber, not 20 (and what timers or close callbacks
 * queue after the check goes from a uv_prepare handle before libuv blocks).
 * Both run outside any lws callback, like the other writes lws allows
 * outside WRITEABLE; only a socket that cannot take more waits for
 * WRITEABLE (lws asks for it when it had to keep part of a write).  The list holds a reference: a
 * session that closes meanwhile is skipped, then freed.
 */
static void stage(struct srv_session *s)
{
    struct srv *srv = s->srv;
    if (s->staged)
        return;
    s->staged = 1;
    srv__session_ref(s);
    s->staged_next = srv->staged;
    srv->staged = s;
}

static void queue_push(struct srv_session *s, struct srv_msg *m, int is_event)
{
    if ((unsigned)s->q_count == s->q_cap) {
        unsigned cap = s->q_cap ? 2 * s->q_cap : RING_MIN;
        struct srv_qent *r = malloc(cap * sizeof(*r));
        if (!r)
            abort();
        for (int i = 0; i < s->q_count; i++)
            r[i] = *q_at(s, i);
        free(s->q_ring);
        s->q_ring = r;
        s->q_first = 0;
        s->q_cap = cap;
    }
    m->refs++;
    s->q_count++;
    *q_at(s, s->q_count - 1) = (struct srv_qent){.msg = m, .is_event = is_event};
    s->q_bytes += m->len;
    if (is_event) {
        s->ev_count++;
        s->ev_bytes += m->len;
    }
    stage(s);
}

/*
 * A session whose queue would pass either bound with one more event is a
 * consumer that fell behind: it is closed with 4000 and what it missed is
 * replayed from the changes log when it subscribes again with `since`
 * (DESIGN §6).  Only events count against the bounds: responses are
 * already bounded by the requests a session may have in flight, and a
 * large answer (a list page) must not look like a slow reader.  What this
 * loop turn queued (turn_ev) is not behind yet: it is written at the turn's
 * end, and what the socket did not take then is checked (srv__session_flush).
 */
static void close_slow_consumer(struct srv_session *s)
{
    srv_logf(SRV_LOG_WARN, "slow consumer closed", "{s:I,s:s,s:i,s:I}", "session",
             (json_int_t)s->id, "user", s->username, "queued", s->ev_count, "bytes",
             (json_int_t)s->ev_bytes);
    srv__session_close(s, PACTA_CLOSE_SLOW_CONSUMER, "slow consumer", 0);
    s->srv->metrics.slow_consumers++;
}

static int over_bounds(const struct srv_session *s, int events, size_t bytes)
{
    const struct srv_config *cfg = s->srv->cfg;
    return events > cfg->queue_max_events || bytes > cfg->queue_max_bytes;
}

void srv__session_queue_event(struct srv_session *s, struct srv_msg *m)
{
    if (!srv__session_open(s))
        return;
    if (over_bounds(s, s->ev_count - s->turn_ev + 1, s->ev_bytes - s->turn_ev_bytes + m->len)) {
        close_slow_consumer(s);
        return;
    }
    s->srv->metrics.event_deliveries++;
    s->turn_ev++;
    s->turn_ev_bytes += m->len;
    queue_push(s, m, 1);
}

void srv__session_send_text(struct srv_session *s, char *text_free, size_t len)
{
    if (!text_free)
        return;
    if (srv__session_open(s)) {
        struct srv_msg *m = srv__msg_new(text_free, len);
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
 * Writes per WRITEABLE callback or flush.  DESIGN §9 says one lws_write per
 * callback, and that is the rule whenever a write was partial: lws 4.1.6
 * then holds the rest in buflist_out and appends later writes behind it.
 * Our frames are written raw (LWS_WRITE_HTTP: lws_issue_raw, no framing of
 * its own), so that is safe for the bytes, but a queue must not move into
 * lws's unbounded buffer: nothing is written while lws_partial_buffered().
 * The cap keeps one session from starving the others.  No ws extension may
 * be enabled (permessage-deflate would need lws's framing).
 */
#define WRITE_BURST 16

/* What one write gathers: lws sends at most tx_packet_size (net.c: 16 KiB)
 * per write and copies the rest into its buffer, so no more than that. */
#define GATHER_MAX 16384

static unsigned char gather_buf[LWS_PRE + GATHER_MAX];

/* Unlinks the queue's first frame, counted as written; returns its msg. */
static struct srv_msg *pop_written(struct srv_session *s)
{
    struct srv_qent e = *q_at(s, 0);
    struct srv_msg *m = e.msg;
    s->q_first = (s->q_first + 1) % s->q_cap;
    if (--s->q_count == 0 && s->q_cap > RING_KEEP) {
        free(s->q_ring);
        s->q_ring = NULL;
        s->q_first = s->q_cap = 0;
    }
    s->q_bytes -= m->len;
    if (e.is_event) {
        s->ev_count--;
        s->ev_bytes -= m->len;
        /* FIFO: this turn's events are the last to go */
        if (s->turn_ev > s->ev_count)
            s->turn_ev = s->ev_count;
        if (s->turn_ev_bytes > s->ev_bytes)
            s->turn_ev_bytes = s->ev_bytes;
    }
    s->msgs_out++;
    s->bytes_out += m->len;
    s->srv->metrics.messages_out++;
    s->srv->metrics.bytes_out += m->len;
    if (!m->admin_quiet)
        s->admin_dirty = 1;
    return m;
}

static size_t frame_len(const struct srv_msg *m)
{
    return m->hlen + m->len;
}

static int write_raw(struct srv_session *s, unsigned char *p, size_t n)
{
    s->srv->metrics.socket_writes++;
    return lws_write(s->wsi, p, n, LWS_WRITE_HTTP) < 0 ? -1 : 0;
}

/*
 * One write of the frames at the head of the queue: as many whole frames as
 * fit in GATHER_MAX, copied one after the other; a frame alone (the only
 * one, or one too large to gather) goes out from its own buffer.  Returns
 * -1 when the connection must close.
 */
static int write_frames(struct srv_session *s)
{
    struct srv_msg *m = q_at(s, 0)->msg;
    if (s->q_count == 1 || frame_len(m) + frame_len(q_at(s, 1)->msg) > GATHER_MAX) {
        pop_written(s);
        int rc = write_raw(s, m->buf + LWS_PRE - m->hlen, frame_len(m));
        srv__msg_unref(m);
        return rc;
    }
    size_t used = 0;
    while (s->q_count && used + frame_len(q_at(s, 0)->msg) <= GATHER_MAX) {
        m = pop_written(s);
        memcpy(gather_buf + LWS_PRE + used, m->buf + LWS_PRE - m->hlen, frame_len(m));
        used += frame_len(m);
        srv__msg_unref(m);
    }
    return write_raw(s, gather_buf + LWS_PRE, used);
}

/* Writes up to max gathered writes; returns how many, or -1. */
static int write_queue(struct srv_session *s, int max)
{
    int writes = 0;
    while (s->q_count && writes < max && !lws_partial_buffered(s->wsi)) {
        if (write_frames(s) < 0)
            return -1;
        writes++;
    }
    return writes;
}

/* After a write (sent: frames went out): what waited for the queue to
 * shrink goes on. */
static void queue_shrank(struct srv_session *s, int sent)
{
    if (s->rx_paused && s->q_bytes <= s->srv->cfg->queue_max_bytes / 2) {
        /* its answers are going out again: read its requests again */
        s->rx_paused = 0;
        lws_rx_flow_control(s->wsi, 1);
    }
    if (s->reads_head)
        srv__ops_reads_resume(s); /* reads that waited for the queue to drain */
    if (sent && s->sub == SRV_SUB_REPLAY && s->ev_count <= s->srv->cfg->queue_max_events / 4)
        srv__subscribe_queue_drained(s);
}

static void on_check(uv_check_t *h)
{
    srv__session_flush(h->data);
}

static void on_prepare(uv_prepare_t *h)
{
    srv__session_flush(h->data);
}

/*
 * The check handle writes what the turn's I/O callbacks queued, at once;
 * the prepare handle, right before libuv blocks for I/O, what callbacks of
 * the other phases (timers, closes) queued after the check, so nothing
 * waits for the next wake-up.
 */
void srv__session_flush_start(struct srv *srv)
{
    uv_check_init(srv->loop, &srv->flush_check);
    uv_prepare_init(srv->loop, &srv->flush_prepare);
    srv->flush_check.data = srv->flush_prepare.data = srv;
    uv_check_start(&srv->flush_check, on_check);
    uv_prepare_start(&srv->flush_prepare, on_prepare);
    /* they keep nothing alive */
    uv_unref((uv_handle_t *)&srv->flush_check);
    uv_unref((uv_handle_t *)&srv->flush_prepare);
}

void srv__session_flush_stop(struct srv *srv)
{
    srv__session_flush(srv);
    uv_check_stop(&srv->flush_check);
    uv_prepare_stop(&srv->flush_prepare);
    uv_close((uv_handle_t *)&srv->flush_check, NULL);
    uv_close((uv_handle_t *)&srv->flush_prepare, NULL);
}

/* One session's queue, as much as its socket takes now: the rest waits for
 * WRITEABLE.  Drops the list's reference. */
static void flush_one(struct srv_session *s)
{
    s->staged = 0;
    s->staged_next = NULL;
    s->turn_ev = 0;
    s->turn_ev_bytes = 0;
    if (srv__session_open(s) && s->q_count) {
        int n = write_queue(s, INT_MAX);
        if (n < 0) { /* a broken socket: lws closes it */
            lws_set_timeout(s->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
        } else if (over_bounds(s, s->ev_count, s->ev_bytes)) {
            close_slow_consumer(s);
        } else {
            if (n > 0)
                queue_shrank(s, 1);
            if (s->q_count)
                lws_callback_on_writable(s->wsi);
        }
    }
    srv__session_unref(s);
}

void srv__session_flush(struct srv *srv)
{
    /* what a flush queues itself (an answer of a read it resumed) goes too */
    while (srv->staged) {
        struct srv_session *s = srv->staged;
        srv->staged = NULL;
        while (s) {
            struct srv_session *next = s->staged_next;
            flush_one(s);
            s = next;
        }
    }
}

int srv__session_writeable(struct srv_session *s)
{
    int sent = 0;
    /* lws 4.1.6 still calls WRITEABLE while it waits to send our close
     * frame or for the peer's answer; a second close request there is its
     * "we tried the polite way": the socket closed at once, and the frames
     * a slow reader had not read yet were lost to the reset (it saw 1006,
     * not 4002) */
    if (s->close_begun)
        return 0;
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
    int n = write_queue(s, WRITE_BURST);
    if (n < 0)
        return -1;
    sent += n;
    queue_shrank(s, sent > 0);
    if (!sent && s->q_count) {
        lws_callback_on_writable(s->wsi); /* lws still holds part of a write */
        return 0;
    }
    if (sent) {
        /* the close frame, if any, goes in a callback of its own */
        if (s->q_count || s->close_code)
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
        s->close_begun = 1;
        lws_set_timeout(s->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_SYNC);
    }
    return 0;
}
