/*
 * Subscriptions: replay from the changes log, then live fan-out, with no gap
 * and no duplicate at the switch (DESIGN §4, §6).
 *
 * The rule that makes the switch safe: an event is broadcast on the loop only
 * after its transaction committed, and srv->head_seq is the highest seq
 * broadcast so far.  A session in REPLAY ignores live broadcasts and reads
 * pages of the log (seq > cursor) in the thread pool; every event up to
 * head_seq is already committed, so a page read after it was broadcast sees
 * it.  When a page brings the cursor up to head_seq the session turns LIVE,
 * and from then on each broadcast event with seq > cursor is queued.
 * The cursor only grows, so nothing is queued twice.
 *
 * Replay is pulled, not pushed: a page is read only while the session's
 * queue has room, so a client far behind costs a bounded amount of memory
 * and is never closed as a slow consumer for catching up.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dashboard.h"
#include "expiry.h"
#include "log.h"
#include "srv.h"

/*
 * Events per pool job.  Frames are built in the pool thread straight from
 * the stored payload text (srv_db_scan_changes), so a page costs the loop
 * only the queueing; 256 keeps a page well under the queue's half that
 * has_room() allows while cutting the pool round trips of a long replay.
 */
#define REPLAY_PAGE 256

struct replay_item {
    int64_t seq;
    struct srv_msg *msg;
};

struct replay_job {
    uv_work_t work;
    struct srv *srv;
    struct srv_session *s;
    unsigned gen;
    int64_t since;
    int n;
    struct replay_item items[REPLAY_PAGE];
    int rc;
};

static void start_replay(struct srv_session *s);

static int has_room(const struct srv_session *s, size_t len)
{
    const struct srv_config *cfg = s->srv->cfg;
    if (s->ev_count == 0)
        return 1; /* always make progress */
    return s->ev_count < cfg->queue_max_events / 2 && s->ev_bytes + len <= cfg->queue_max_bytes / 2;
}

/* 1 if an event name can go into a frame without JSON escaping. */
static int plain_name(const char *name)
{
    size_t n = 0;
    for (; name[n]; n++)
        if (!((name[n] >= 'a' && name[n] <= 'z') || name[n] == '.' || name[n] == '_'))
            return 0;
    return n > 0 && n <= 64;
}

/*
 * An event's frame around its stored payload, NULL for a name that would
 * need escaping: the payload is json_dumps(data, JSON_COMPACT)'s text
 * (pacta_json_compact), and pacta_encode_event() writes {"event","seq",
 * "data"} compactly in that order, so the frame is the payload with its
 * envelope around it.  seq > 0 (pacta_encode_event leaves out a seq of 0).
 */
static struct srv_msg *frame_around(const char *event, int64_t seq, const char *payload,
                                    size_t plen)
{
    if (!plain_name(event))
        return NULL;
    char head[128];
    int hn =
        snprintf(head, sizeof head, "{\"event\":\"%s\",\"seq\":%" PRId64 ",\"data\":", event, seq);
    struct srv_msg *m = srv__msg_alloc((size_t)hn + plen + 1);
    memcpy(m->buf + LWS_PRE, head, (size_t)hn);
    memcpy(m->buf + LWS_PRE + hn, payload, plen);
    m->buf[LWS_PRE + hn + plen] = '}';
    return m;
}

/* A committed event's frame: around the stored payload text the writer
 * made (db_write.c srv__append_change), else encoded from its data. */
static struct srv_msg *event_msg(const json_t *ev, int64_t *seq)
{
    size_t len;
    const char *name = json_string_value(json_object_get(ev, "event"));
    const json_t *payload = json_object_get(ev, "payload");
    *seq = json_integer_value(json_object_get(ev, "seq"));
    if (name && json_is_string(payload) && *seq > 0) {
        struct srv_msg *m =
            frame_around(name, *seq, json_string_value(payload), json_string_length(payload));
        if (m)
            return m;
    }
    char *text = pacta_encode_event(name, *seq, json_incref(json_object_get(ev, "data")), &len);
    if (!text)
        return NULL;
    struct srv_msg *m = srv__msg_new(text, len);
    free(text);
    return m;
}

/* One replayed event as the frame the live broadcast sent (frame_around;
 * a name that would need escaping takes the JSON path). */
static int add_frame(void *ctx, int64_t seq, const char *event, const char *payload, size_t plen)
{
    struct replay_job *j = ctx;
    struct srv_msg *m = frame_around(event, seq, payload, plen);
    if (!m) {
        size_t len;
        json_t *data = json_loads(payload, 0, NULL);
        char *text = pacta_encode_event(event, seq, data ? data : json_object(), &len);
        m = srv__msg_new(text, len);
        free(text);
    }
    j->items[j->n].seq = seq;
    j->items[j->n].msg = m;
    j->n++;
    return j->n >= REPLAY_PAGE;
}

static void replay_work(uv_work_t *req)
{
    struct replay_job *j = req->data;
    sqlite3 *r = srv_db_reader_acquire(j->srv->db);
    j->rc = srv_db_scan_changes(r, j->since, REPLAY_PAGE, add_frame, j);
    srv_db_reader_release(j->srv->db, r);
}

static void replay_after(uv_work_t *req, int status)
{
    struct replay_job *j = req->data;
    struct srv_session *s = j->s;
    size_t i, n = 0;
    int stopped = 0;

    j->srv->jobs_inflight--;
    j->srv->metrics.replay_pages++;
    s->replay_running = 0;
    if (s->sub_gen != j->gen || !srv__session_open(s)) {
        /* resubscribed, unsubscribed or gone meanwhile: the page is
         * dropped, and the newest subscription's replay starts now (one
         * job per session: a client that repeats subscribe does not
         * fill the pool with pages nobody will get) */
        start_replay(s);
        goto out;
    }
    if (status || j->rc) {
        srv_logf(SRV_LOG_ERROR, "replay failed", "{s:I}", "session", (json_int_t)s->id);
        srv__session_close(s, PACTA_CLOSE_INTERNAL, "replay failed", 1);
        goto out;
    }
    n = (size_t)j->n;
    for (i = 0; i < n; i++) {
        int64_t seq = j->items[i].seq;
        struct srv_msg *m = j->items[i].msg;
        if (seq > s->cursor) {
            if (!has_room(s, m->len)) {
                stopped = 1; /* read again from the cursor once the queue drains */
                break;
            }
            srv__session_queue_event(s, m);
            s->cursor = seq;
        }
    }
    if (s->cursor >= s->srv->head_seq) {
        s->sub = SRV_SUB_LIVE;
        srv_logf(SRV_LOG_DEBUG, "replay caught up", "{s:I,s:I}", "session", (json_int_t)s->id,
                 "seq", (json_int_t)s->cursor);
    } else if (!stopped && n > 0) {
        start_replay(s);
    } else if (n == 0) {
        /* cannot happen while head_seq is only ever a committed seq */
        srv_logf(SRV_LOG_ERROR, "replay found no events below head", "{s:I,s:I}", "cursor",
                 (json_int_t)s->cursor, "head", (json_int_t)s->srv->head_seq);
        srv__session_close(s, PACTA_CLOSE_INTERNAL, "replay failed", 1);
    }
out:
    for (int k = 0; k < j->n; k++)
        srv__msg_unref(j->items[k].msg);
    srv__session_unref(s);
    free(j);
}

static void start_replay(struct srv_session *s)
{
    if (s->sub != SRV_SUB_REPLAY || s->replay_running || !srv__session_open(s))
        return;
    if (s->srv->shutting_down)
        return; /* let the drain finish; the client resubscribes after 1001 */
    if (!has_room(s, 0) || s->ev_count > s->srv->cfg->queue_max_events / 4)
        return; /* srv__subscribe_queue_drained() calls again */
    struct replay_job *j = calloc(1, sizeof *j);
    if (!j)
        abort();
    j->work.data = j;
    j->srv = s->srv;
    j->s = s;
    j->gen = s->sub_gen;
    j->since = s->cursor;
    srv__session_ref(s);
    s->replay_running = 1;
    s->srv->jobs_inflight++;
    if (uv_queue_work(s->srv->loop, &j->work, replay_work, replay_after)) {
        s->srv->jobs_inflight--;
        s->replay_running = 0;
        srv__session_unref(s);
        free(j);
        srv__session_close(s, PACTA_CLOSE_INTERNAL, "replay failed", 1);
    }
}

void srv__subscribe_queue_drained(struct srv_session *s)
{
    start_replay(s);
}

void srv__subscribe(struct srv_session *s, const json_t *id, const json_t *args)
{
    struct pacta_subscribe_args a = {0};
    struct pacta_error err = {0};
    int64_t head = s->srv->head_seq;

    if (pacta_decode_subscribe(args, &a, &err) != 0) {
        srv__respond_error(s, id, &err, NULL);
        return;
    }
    if (a.has_since && a.since > head) {
        pacta_error_set(&err, PACTA_BAD_REQUEST, "since",
                        "since %lld is ahead of the server's log (head %lld): reload",
                        (long long)a.since, (long long)head);
        srv__respond_error(s, id, &err, NULL);
        return;
    }
    s->sub_gen++; /* a replay job of an earlier subscribe still in the pool is dropped */
    s->cursor = a.has_since ? a.since : head;
    char today[11];
    srv_date_format(srv_today(), today); /* the day of the derived members of what it reads */
    srv__respond_ok(s, id, json_pack("{s:I, s:s}", "head", (json_int_t)head, "today", today));
    srv__admin_changed(s);
    if (s->cursor >= head) {
        s->sub = SRV_SUB_LIVE;
    } else {
        s->sub = SRV_SUB_REPLAY;
        start_replay(s);
    }
}

void srv__unsubscribe(struct srv_session *s)
{
    int was = s->sub != SRV_SUB_NONE;
    s->sub = SRV_SUB_NONE;
    s->sub_gen++;
    if (was)
        srv__admin_changed(s);
}

/*
 * Serializes each committed event once and queues the same buffer to every
 * live subscriber (DESIGN §6); with none (the writers of bench/loadgen's
 * edits scenario) it is not serialized at all.  Called in commit order, so
 * seq only grows.
 */
void srv__broadcast(struct srv *srv, const json_t *events, uint64_t request_id)
{
    size_t i;
    const json_t *ev;

    srv__expiry_note_events(srv, events); /* edits of dates re-arm the scheduler */
    srv__dashboard_changed(srv);          /* watchers get fresh figures (coalesced) */
    json_array_foreach(events, i, ev)
    {
        int64_t seq = json_integer_value(json_object_get(ev, "seq"));
        struct srv_msg *m = NULL; /* encoded for the first live subscriber, if any */
        if (seq > srv->head_seq)
            srv->head_seq = seq;
        srv->metrics.events_broadcast++;
        if (srv_log_enabled(SRV_LOG_DEBUG))
            srv_logf(SRV_LOG_DEBUG, "event", "{s:I,s:s,s:I}", "seq", (json_int_t)seq, "event",
                     json_string_value(json_object_get(ev, "event")), "request",
                     (json_int_t)request_id);
        for (struct srv_session *s = srv->sessions; s; s = s->next) {
            if (s->sub == SRV_SUB_LIVE && seq > s->cursor) {
                if (!m && !(m = event_msg(ev, &seq)))
                    break;
                srv__session_queue_event(s, m);
                s->cursor = seq;
            }
        }
        if (m)
            srv__msg_unref(m);
    }
}
