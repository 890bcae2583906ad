/*
 * Metrics: counters kept on the loop thread as things happen, rendered on
 * demand.  /metrics follows the Prometheus text format 0.0.4: a HELP and a
 * TYPE line per family, counters end in _total, histograms have cumulative
 * _bucket{le=...} series ending in +Inf, then _sum and _count.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backup.h"
#include "srv.h"

void srv__metrics_init(struct srv *srv)
{
    memset(&srv->metrics, 0, sizeof srv->metrics);
    srv->metrics.started_ms = srv_clock_now_ms();
    srv->metrics.started_mono = srv__now_ms();
    srv->metrics.last_tick_ms = srv->metrics.started_mono;
}

void srv__metrics_latency(struct srv *srv, enum pacta_op op, uint64_t ns)
{
    if ((int)op >= 0 && op < PACTA_OP__COUNT)
        srv_hist_observe(&srv->metrics.latency[op], &srv_hist_seconds, (double)ns / 1e9);
}

void srv__metrics_tick(struct srv *srv)
{
    struct srv_metrics *m = &srv->metrics;
    uint64_t now = srv__now_ms();
    if (now - m->last_tick_ms < 1000)
        return;
    m->last_tick_ms = now;
    m->ring_events[m->ring_pos] = m->events_broadcast;
    m->ring_edits[m->ring_pos] = m->edits;
    m->ring_pos = (m->ring_pos + 1) % SRV_RATE_WINDOW;
    if (m->ring_filled < SRV_RATE_WINDOW)
        m->ring_filled++;
}

/* Per second over the window, from the oldest sample to now. */
static double rate(const struct srv_metrics *m, const uint64_t *ring, uint64_t now_total)
{
    if (m->ring_filled == 0)
        return 0;
    int oldest = m->ring_filled < SRV_RATE_WINDOW ? 0 : m->ring_pos;
    return (double)(now_total - ring[oldest]) / m->ring_filled;
}

static int64_t file_size(const char *dir, const char *name)
{
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0 ? (int64_t)st.st_size : 0;
}

static json_t *iso_or_null(int64_t ms)
{
    char buf[32];
    if (ms <= 0)
        return json_null();
    srv__iso_from_ms(ms, buf);
    return json_string(buf);
}

json_t *srv__stats_json(struct srv *srv)
{
    struct srv_metrics *m = &srv->metrics;
    struct srv_db_stats db;
    char started[32];
    srv_db_get_stats(srv->db, &db);
    srv__iso_from_ms(m->started_ms, started);
    return json_pack("{s:s,s:s,s:I,s:i,s:I,s:f,s:f,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:o,s:I,s:o}",
                     "version", PACTA_VERSION, "started_at", started, "uptime_seconds",
                     (json_int_t)((srv__now_ms() - m->started_mono) / 1000), "connections",
                     srv->n_sessions, "connections_total", (json_int_t)m->connections_total,
                     "events_per_second", rate(m, m->ring_events, m->events_broadcast),
                     "edits_per_second", rate(m, m->ring_edits, m->edits), "edits_total",
                     (json_int_t)m->edits, "conflicts_total", (json_int_t)m->conflicts,
                     "login_failures_total", (json_int_t)m->login_failures, "head_seq",
                     (json_int_t)srv->head_seq, "db_bytes",
                     (json_int_t)file_size(srv->cfg->data_dir, "pacta.db"), "wal_bytes",
                     (json_int_t)file_size(srv->cfg->data_dir, "pacta.db-wal"), "writer_batches",
                     (json_int_t)db.batches, "last_commit_at", iso_or_null(db.last_commit_ms),
                     "last_backup_at", iso_or_null(srv__backup_last_ok_ms()), "last_backup_bytes",
                     (json_int_t)srv__backup_last_bytes(), "last_expiry_scan_at",
                     iso_or_null(srv->last_expiry_scan_ms));
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void counter(FILE *f, const char *name, const char *help, uint64_t v)
{
    family(f, name, "counter", help);
    fprintf(f, "%s %llu\n", name, (unsigned long long)v);
}

static void gauge(FILE *f, const char *name, const char *help, double v)
{
    family(f, name, "gauge", help);
    fprintf(f, "%s %.17g\n", name, v);
}

/* One histogram series; `labels` is "" or `op="x",`. */
static void hist_series(FILE *f, const char *name, const char *labels, const struct srv_hist *h,
                        const struct srv_hist_bounds *b)
{
    uint64_t cum = 0;
    for (int i = 0; i < b->n; i++) {
        cum += h->counts[i];
        fprintf(f, "%s_bucket{%sle=\"%g\"} %llu\n", name, labels, b->le[i],
                (unsigned long long)cum);
    }
    cum += h->counts[b->n];
    fprintf(f, "%s_bucket{%sle=\"+Inf\"} %llu\n", name, labels, (unsigned long long)cum);
    /* _sum and _count carry the labels without the trailing comma */
    char l[128] = "";
    size_t n = strlen(labels);
    if (n)
        snprintf(l, sizeof l, "{%.*s}", (int)(n - 1), labels);
    fprintf(f, "%s_sum%s %.9g\n%s_count%s %llu\n", name, l, h->sum, name, l,
            (unsigned long long)h->count);
}

char *srv__metrics_render(struct srv *srv, size_t *len)
{
    struct srv_metrics *m = &srv->metrics;
    struct srv_db_stats db;
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (!f)
        abort();
    srv_db_get_stats(srv->db, &db);

    gauge(f, "pacta_up", "1 while the server runs", 1);
    gauge(f, "pacta_uptime_seconds", "seconds since start",
          (double)(srv__now_ms() - m->started_mono) / 1000.0);
    gauge(f, "pacta_connections", "open websocket connections", srv->n_sessions);
    counter(f, "pacta_connections_total", "websocket connections accepted", m->connections_total);
    counter(f, "pacta_messages_in_total", "websocket messages received", m->messages_in);
    counter(f, "pacta_messages_out_total", "websocket messages sent", m->messages_out);
    counter(f, "pacta_socket_writes_total",
            "writes of websocket messages to TLS (a loop turn's messages for a connection: one)",
            m->socket_writes);
    counter(f, "pacta_bytes_in_total", "payload bytes received", m->bytes_in);
    counter(f, "pacta_bytes_out_total", "payload bytes sent", m->bytes_out);
    counter(f, "pacta_events_broadcast_total", "durable events broadcast", m->events_broadcast);
    counter(f, "pacta_event_deliveries_total", "event frames queued to subscribers",
            m->event_deliveries);
    counter(f, "pacta_slow_consumers_total", "connections closed with 4000 (queue overflow)",
            m->slow_consumers);
    counter(f, "pacta_kicks_total", "connections closed by admin.kick", m->kicks);
    counter(f, "pacta_edits_total", "contract writes committed", m->edits);
    counter(f, "pacta_conflicts_total", "stale writes refused with conflict", m->conflicts);
    counter(f, "pacta_login_failures_total", "failed auth.login", m->login_failures);
    gauge(f, "pacta_head_seq", "seq of the newest durable event", (double)srv->head_seq);
    counter(f, "pacta_replay_pages_total",
            "pages of up to 256 events read from the log for subscribe replays", m->replay_pages);

    family(f, "pacta_requests_total", "counter", "requests received, by op");
    for (int op = 0; op < PACTA_OP__COUNT; op++)
        if (m->requests[op])
            fprintf(f, "pacta_requests_total{op=\"%s\"} %llu\n",
                    op ? pacta_op_name((enum pacta_op)op) : "invalid",
                    (unsigned long long)m->requests[op]);
    family(f, "pacta_responses_total", "counter", "responses sent, by code");
    for (int c = 0; c < PACTA_CODE__COUNT; c++)
        fprintf(f, "pacta_responses_total{code=\"%s\"} %llu\n",
                c ? pacta_code_name((enum pacta_code)c) : "ok",
                (unsigned long long)m->responses[c]);
    family(f, "pacta_request_duration_seconds", "histogram",
           "time from a request's arrival to its response being queued, by op");
    for (int op = 1; op < PACTA_OP__COUNT; op++) {
        if (!m->latency[op].count)
            continue;
        char labels[80];
        snprintf(labels, sizeof labels, "op=\"%s\",", pacta_op_name((enum pacta_op)op));
        hist_series(f, "pacta_request_duration_seconds", labels, &m->latency[op],
                    &srv_hist_seconds);
    }

    counter(f, "pacta_writer_batches_total", "group-commit transactions", db.batches);
    counter(f, "pacta_writer_writes_total", "writes handled by the writer", db.writes);
    counter(f, "pacta_writer_failed_batches_total", "batches whose transaction failed",
            db.failed_batches);
    family(f, "pacta_writer_batch_size", "histogram", "writes per group-commit batch");
    hist_series(f, "pacta_writer_batch_size", "", &db.batch_size, &srv_hist_batch);
    family(f, "pacta_writer_commit_seconds", "histogram",
           "one batch from BEGIN to durable COMMIT (fsync included)");
    hist_series(f, "pacta_writer_commit_seconds", "", &db.commit_secs, &srv_hist_seconds);
    counter(f, "pacta_checkpoints_total",
            "write-ahead log checkpoints (the writer's, between batches)", db.checkpoints);
    counter(f, "pacta_checkpoint_failures_total", "checkpoints that failed",
            db.checkpoint_failures);
    counter(f, "pacta_slow_statements_total",
            "database statements over --slow-statement-ms (each logged at warn)",
            db.slow_statements);
    gauge(f, "pacta_db_bytes", "size of the database file",
          (double)file_size(srv->cfg->data_dir, "pacta.db"));
    gauge(f, "pacta_wal_bytes", "size of the write-ahead log",
          (double)file_size(srv->cfg->data_dir, "pacta.db-wal"));
    gauge(f, "pacta_last_backup_timestamp_seconds", "Unix time of the newest good backup (0: none)",
          (double)srv__backup_last_ok_ms() / 1000.0);
    gauge(f, "pacta_last_backup_bytes", "size of the newest good backup file",
          (double)srv__backup_last_bytes());
    fclose(f);
    return buf;
}
