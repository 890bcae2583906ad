/*
 * Plain HTTPS endpoints on the websocket port, for operators and probes:
 *   GET /healthz  200 "ok" while the loop answers;
 *   GET /readyz   200 when the database is readable (a read-only connection
 *                 in the pool), writable and durable (an empty transaction
 *                 through the writer) and the disk has room; else 503;
 *   GET /metrics  Prometheus text; needs "Authorization: Bearer TOKEN" when
 *                 a metrics token is configured.
 * Any other path is 404.  A response is built first (possibly after the
 * pool and the writer answered), then written from HTTP_WRITEABLE: headers
 * in one callback, the body in chunks, one lws_write per callback.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "backup.h"
#include "log.h"
#include "srv.h"

#define HTTP_CHUNK 16384

struct srv_http {
    struct lws *wsi; /* NULL once the connection closed: a late answer is dropped */
    struct srv *srv;
    int ready; /* the response below is complete */
    int status;
    const char *ctype;
    char *body;
    size_t len, sent;
    int headers_sent;
    /* /readyz: waiting for the check in flight (ready_check.waiters) */
    int waiting;
    struct srv_http *next_waiter;
};

static void respond(struct srv_http *h, int status, const char *ctype, char *body_free)
{
    h->status = status;
    h->ctype = ctype;
    h->body = body_free;
    h->len = strlen(body_free);
    h->ready = 1;
    if (h->wsi)
        lws_callback_on_writable(h->wsi);
}

static void http_free(struct srv_http *h)
{
    free(h->body);
    free(h);
}

/* ---- /readyz ------------------------------------------------------------- */

/*
 * The last answer is reused for a second: a probe every few seconds sees a
 * fresh check, while a flood of unauthenticated /readyz requests cannot turn
 * into a flood of pool jobs and writer transactions.  One check runs at a
 * time: requests arriving while it runs (the writer busy or stuck, when the
 * cache has gone stale) wait for its answer instead of each queueing a pool
 * job and a writer transaction of their own.
 */
#define READY_CACHE_MS 1000
static struct {
    uint64_t at_ms; /* monotonic; 0 = none */
    int status;
    char *body;
} ready_cache;

static struct {
    struct srv *srv;
    int running;
    struct srv_http *waiters; /* answered (or freed, if closed) when it ends */
    int64_t free_bytes;
    int read_ok;
    uv_work_t work;
} ready_check;

void srv__http_cleanup(void)
{
    free(ready_cache.body);
    memset(&ready_cache, 0, sizeof ready_cache);
}

/*
 * With scheduled backups on, the last good one must not be older than
 * three intervals (every-N) or 26 hours (daily); counted from start-up
 * while none has been made yet.  1 when fine or when backups are off.
 */
static int backup_fresh(const struct srv *srv)
{
    const struct srv_config *cfg = srv->cfg;
    int64_t max_age_ms = 0;
    if (!cfg->backup_key_file && !getenv("PACTA_BACKUP_KEY"))
        return 1;
    if (cfg->backup_every_min > 0)
        max_age_ms = (int64_t)cfg->backup_every_min * 3 * 60000;
    else if (cfg->backup_minute >= 0)
        max_age_ms = 26LL * 3600 * 1000;
    else
        return 1;
    int64_t last = srv__backup_last_ok_ms();
    if (last < srv->metrics.started_ms)
        last = srv->metrics.started_ms;
    return srv_clock_now_ms() - last <= max_age_ms;
}

static void ready_answer(int write_ok)
{
    struct srv *srv = ready_check.srv;
    int64_t min_free = (int64_t)srv->cfg->min_free_mb << 20;
    int disk_ok = ready_check.free_bytes >= min_free;
    int backup_ok = backup_fresh(srv);
    int read_ok = ready_check.read_ok;
    int ok = read_ok && write_ok && disk_ok && backup_ok;
    json_t *body = json_pack("{s:s,s:{s:b,s:b,s:b,s:I,s:b}}", "status", ok ? "ready" : "not ready",
                             "checks", "db_readable", read_ok, "db_writable", write_ok,
                             "disk_space_ok", disk_ok, "disk_free_bytes",
                             (json_int_t)ready_check.free_bytes, "backup_recent", backup_ok);
    char *text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(body);
    if (!ok)
        srv_logf(SRV_LOG_WARN, "not ready", "{s:b,s:b,s:b}", "db_readable", read_ok, "db_writable",
                 write_ok, "disk_space_ok", disk_ok);
    free(ready_cache.body);
    ready_cache.body = text;
    ready_cache.status = ok ? 200 : 503;
    ready_cache.at_ms = srv__now_ms();
    ready_check.running = 0;
    struct srv_http *h = ready_check.waiters, *next;
    ready_check.waiters = NULL;
    for (; h; h = next) {
        next = h->next_waiter;
        h->next_waiter = NULL;
        h->waiting = 0;
        if (h->wsi)
            respond(h, ready_cache.status, "application/json", strdup(ready_cache.body));
        else
            http_free(h); /* the client left while we checked */
    }
}

static void ready_write_done(struct srv_write *w)
{
    ready_check.srv->jobs_inflight--;
    ready_answer(w->code == PACTA_OK);
    srv_write_free(w);
}

static void ready_work(uv_work_t *req)
{
    struct statvfs vfs;
    struct srv *srv = ready_check.srv;
    (void)req;
    sqlite3 *r = srv_db_reader_acquire(srv->db);
    ready_check.read_ok = srv_db_read_head_seq(r) >= 0;
    srv_db_reader_release(srv->db, r);
    ready_check.free_bytes =
        statvfs(srv->cfg->data_dir, &vfs) == 0 ? (int64_t)vfs.f_bavail * (int64_t)vfs.f_frsize : 0;
}

static void ready_after(uv_work_t *req, int status)
{
    struct srv *srv = ready_check.srv;
    struct srv_write *w;
    (void)req;
    if (status)
        ready_check.read_ok = 0;
    w = srv_write_new(SRV_W_NOOP, "system", json_object());
    w->done = ready_write_done;
    if (srv_db_submit(srv->db, w) != 0) {
        srv_write_free(w);
        srv->jobs_inflight--;
        ready_answer(0);
        return;
    }
}

static void start_ready_check(struct srv_http *h)
{
    if (ready_cache.at_ms && srv__now_ms() - ready_cache.at_ms < READY_CACHE_MS) {
        respond(h, ready_cache.status, "application/json", strdup(ready_cache.body));
        return;
    }
    h->waiting = 1;
    h->next_waiter = ready_check.waiters;
    ready_check.waiters = h;
    if (ready_check.running)
        return; /* answered with the check in flight */
    ready_check.running = 1;
    ready_check.srv = h->srv;
    h->srv->jobs_inflight++; /* answered before shutdown stops the writer */
    if (uv_queue_work(h->srv->loop, &ready_check.work, ready_work, ready_after)) {
        h->srv->jobs_inflight--;
        ready_check.read_ok = 0;
        ready_check.free_bytes = 0;
        ready_answer(0);
    }
}

/* ---- /metrics -------------------------------------------------------------- */

static int metrics_allowed(struct srv *srv, struct lws *wsi)
{
    const char *token = srv->cfg->metrics_token;
    if (!token || !*token)
        return 1;
    /* as long as the header is (a fixed buffer refused every token past
     * its size, the right one too) */
    int len = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
    if (len <= 0)
        return 0;
    char *got = malloc((size_t)len + 1);
    if (!got)
        abort();
    int ok = lws_hdr_copy(wsi, got, len + 1, WSI_TOKEN_HTTP_AUTHORIZATION) > 0;
    size_t n = strlen(token);
    if (!ok || strncmp(got, "Bearer ", 7) != 0 || strlen(got + 7) != n) {
        free(got);
        return 0;
    }
    /* constant time: the comparison does not stop at the first difference */
    unsigned diff = 0;
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)got[7 + i] ^ (unsigned char)token[i];
    free(got);
    return diff == 0;
}

/* ---- lws glue ------------------------------------------------------------ */

int srv__http_request(struct srv *srv, struct lws *wsi, struct srv_pss *pss, const char *path)
{
    struct srv_http *h = calloc(1, sizeof *h);
    if (!h)
        abort();
    if (pss->http) /* keep-alive: the previous transaction is complete */
        http_free(pss->http);
    h->wsi = wsi;
    h->srv = srv;
    pss->http = h;
    if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) <= 0) {
        respond(h, 405, "text/plain", strdup("method not allowed\n"));
    } else if (strcmp(path, "/healthz") == 0) {
        respond(h, 200, "text/plain", strdup("ok\n"));
    } else if (strcmp(path, "/readyz") == 0) {
        if (srv->shutting_down)
            respond(h, 503, "application/json", strdup("{\"status\":\"shutting down\"}"));
        else
            start_ready_check(h);
    } else if (strcmp(path, "/metrics") == 0) {
        if (metrics_allowed(srv, wsi)) {
            size_t len;
            char *text = srv__metrics_render(srv, &len);
            respond(h, 200, "text/plain; version=0.0.4", text);
        } else {
            respond(h, 401, "text/plain", strdup("metrics token required\n"));
        }
    } else {
        respond(h, 404, "text/plain", strdup("not found\n"));
    }
    return 0;
}

int srv__http_writeable(struct lws *wsi, struct srv_pss *pss)
{
    struct srv_http *h = pss->http;
    unsigned char hdr[LWS_PRE + 512], *start = hdr + LWS_PRE, *p = start;
    if (!h || !h->ready)
        return 0;
    if (!h->headers_sent) {
        if (lws_add_http_common_headers(wsi, (unsigned)h->status, h->ctype, h->len, &p,
                                        hdr + sizeof hdr - 1) ||
            lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
                                         (const unsigned char *)"no-store", 8, &p,
                                         hdr + sizeof hdr - 1) ||
            lws_finalize_write_http_header(wsi, start, &p, hdr + sizeof hdr - 1))
            return -1;
        h->headers_sent = 1;
        lws_callback_on_writable(wsi);
        return 0;
    }
    size_t n = h->len - h->sent > HTTP_CHUNK ? HTTP_CHUNK : h->len - h->sent;
    unsigned char *buf = malloc(LWS_PRE + n + 1);
    if (!buf)
        abort();
    memcpy(buf + LWS_PRE, h->body + h->sent, n);
    int last = h->sent + n == h->len;
    int w = lws_write(wsi, buf + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP);
    free(buf);
    if (w < (int)n)
        return -1;
    h->sent += n;
    if (!last) {
        lws_callback_on_writable(wsi);
        return 0;
    }
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

void srv__http_closed(struct srv_pss *pss)
{
    struct srv_http *h = pss->http;
    pss->http = NULL;
    if (!h)
        return;
    if (!h->waiting)
        http_free(h);
    else
        h->wsi = NULL; /* a readiness check is still running: it frees h */
}
