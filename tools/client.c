/*
 * Request/response on top of ctl_ws: numbers requests from 1, waits for the
 * response with the matching id and keeps, in arrival order, the events that
 * come in meanwhile so that ctl_client_next_event() misses none of them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"

struct event_node {
    json_t *event;
    struct event_node *next;
};

struct ctl_client {
    struct ctl_ws *ws;
    json_int_t next_id;
    struct event_node *head, *tail; /* queued events, oldest first */
};

static void *xcalloc(size_t n)
{
    void *p = calloc(1, n);
    if (!p) {
        fputs("pacta-client: out of memory\n", stderr);
        abort();
    }
    return p;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int left_ms(int64_t deadline)
{
    if (deadline < 0)
        return -1;
    int64_t l = deadline - now_ms();
    return l < 0 ? 0 : (int)l;
}

int ctl_client_connect(const struct ctl_ws_options *o, struct ctl_client **out, char *err,
                       size_t errlen)
{
    struct ctl_ws *ws;
    *out = NULL;
    int rc = ctl_ws_connect(o, &ws, err, errlen);
    if (rc < 0)
        return rc;
    struct ctl_client *c = xcalloc(sizeof(*c));
    c->ws = ws;
    c->next_id = 1;
    *out = c;
    return 0;
}

struct ctl_ws *ctl_client_ws(struct ctl_client *c)
{
    return c->ws;
}

static void queue_event(struct ctl_client *c, json_t *ev)
{
    struct event_node *n = xcalloc(sizeof(*n));
    n->event = ev;
    if (c->tail)
        c->tail->next = n;
    else
        c->head = n;
    c->tail = n;
}

/*
 * Reads one frame.  Events are queued; anything else is returned in *frame.
 * 1 frame, 2 event queued, 0 timeout, -2 closed or broken.  A frame that is
 * not a JSON object is skipped: the server never sends one, and a test that
 * wants to see raw frames reads the ws directly.
 */
static int read_frame(struct ctl_client *c, int timeout_ms, json_t **frame)
{
    char *buf;
    size_t len;
    int r = ctl_ws_recv(c->ws, timeout_ms, &buf, &len);
    if (r == 0)
        return 0;
    if (r < 0)
        return -2;
    json_t *j = json_loadb(buf, len, 0, NULL);
    free(buf);
    if (!json_is_object(j)) {
        json_decref(j);
        return 1 + 2; /* ignored: caller loops */
    }
    if (json_object_get(j, "event")) {
        queue_event(c, j);
        return 2;
    }
    *frame = j;
    return 1;
}

int ctl_client_call(struct ctl_client *c, const char *op, json_t *args_steal, int timeout_ms,
                    json_t **response)
{
    *response = NULL;
    json_int_t id = c->next_id++;
    json_t *req =
        json_pack("{sIssso}", "id", id, "op", op, "args", args_steal ? args_steal : json_object());
    if (!req)
        return -2;
    char *text = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    if (!text)
        return -2;
    int rc = ctl_ws_send_text(c->ws, text, strlen(text));
    free(text);
    if (rc < 0)
        return -2;

    int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    for (;;) {
        json_t *frame = NULL;
        int r = read_frame(c, left_ms(deadline), &frame);
        if (r == 0)
            return -1;
        if (r < 0)
            return -2;
        if (r != 1)
            continue;
        json_t *fid = json_object_get(frame, "id");
        if (json_is_integer(fid) && json_integer_value(fid) == id) {
            *response = frame;
            return 0;
        }
        /* A response to an earlier, abandoned call (it timed out): drop it. */
        json_decref(frame);
    }
}

int ctl_client_request(struct ctl_client *c, const char *op, json_t *args_steal, int timeout_ms,
                       json_t **result)
{
    json_t *resp;
    *result = NULL;
    int rc = ctl_client_call(c, op, args_steal, timeout_ms, &resp);
    if (rc < 0)
        return rc;
    if (json_is_true(json_object_get(resp, "ok"))) {
        json_t *r = json_object_get(resp, "result");
        *result = r ? json_incref(r) : json_object();
        rc = 0;
    } else {
        json_t *e = json_object_get(resp, "error");
        *result = e ? json_incref(e)
                    : json_pack("{ss,ss}", "code", "internal", "message", "malformed response");
        rc = 1;
    }
    json_decref(resp);
    return rc;
}

int ctl_client_login(struct ctl_client *c, const char *user, const char *password, json_t **error)
{
    json_t *res;
    if (error)
        *error = NULL;
    json_t *args = json_pack("{ssssss}", "username", user ? user : "", "password",
                             password ? password : "", "client", "pactactl/" PACTA_VERSION);
    /* as long as any request may take (pactactl's CTL_REQUEST_TIMEOUT_MS): a
     * failed login's answer is held --login-delay doubled per failure (x16
     * at most), and logins queue behind the server's few password checks */
    int rc = ctl_client_request(c, "auth.login", args, 30000, &res);
    if (rc == 1 && error)
        *error = json_incref(res);
    json_decref(res);
    return rc;
}

int ctl_client_next_event(struct ctl_client *c, int timeout_ms, json_t **event)
{
    *event = NULL;
    int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    while (!c->head) {
        json_t *frame = NULL;
        int r = read_frame(c, left_ms(deadline), &frame);
        if (r == 0)
            return 0;
        if (r < 0)
            return -1;
        json_decref(frame); /* an unsolicited response: nobody waits for it */
    }
    struct event_node *n = c->head;
    c->head = n->next;
    if (!c->head)
        c->tail = NULL;
    *event = n->event;
    free(n);
    return 1;
}

size_t ctl_client_queued(const struct ctl_client *c)
{
    size_t n = 0;

    for (const struct event_node *e = c->head; e; e = e->next)
        n++;
    return n;
}

void ctl_client_close(struct ctl_client *c)
{
    if (!c)
        return;
    while (c->head) {
        struct event_node *n = c->head;
        c->head = n->next;
        json_decref(n->event);
        free(n);
    }
    ctl_ws_close(c->ws, 1000);
    free(c);
}

void ctl_client_abort(struct ctl_client *c)
{
    if (!c)
        return;
    ctl_ws_abort(c->ws);
    c->ws = NULL;
    ctl_client_close(c);
}
