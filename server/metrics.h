/*
 * srv_metrics: pactad's counters and histograms, for `GET /metrics`
 * (Prometheus text format) and the admin.stats op.  Loop thread only; the
 * writer's figures come from srv_db_get_stats().
 */
#ifndef PACTA_SRV_METRICS_H
#define PACTA_SRV_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <pacta/protocol.h>

#include "hist.h"

#define SRV_RATE_WINDOW 10 /* seconds over which admin.stats computes rates */

struct srv_metrics {
    int64_t started_ms;    /* wall clock */
    uint64_t started_mono; /* srv__now_ms() at start */
    uint64_t connections_total, messages_in, messages_out, bytes_in, bytes_out;
    uint64_t socket_writes; /* writes of gathered frames (session.c) */
    uint64_t events_broadcast, event_deliveries, slow_consumers, kicks;
    uint64_t login_failures, conflicts, edits;
    uint64_t replay_pages;                 /* pages of the changes log read for subscribe replays */
    uint64_t requests[PACTA_OP__COUNT];    /* by op (0: unparseable) */
    uint64_t responses[PACTA_CODE__COUNT]; /* by code (0: ok) */
    struct srv_hist latency[PACTA_OP__COUNT];
    /* once a second: events and edits totals, for rates */
    uint64_t ring_events[SRV_RATE_WINDOW], ring_edits[SRV_RATE_WINDOW];
    int ring_pos, ring_filled;
    uint64_t last_tick_ms;
};

struct srv;
void srv__metrics_init(struct srv *srv);
/* A request of `op` answered after `ns` nanoseconds. */
void srv__metrics_latency(struct srv *srv, enum pacta_op op, uint64_t ns);
/* Housekeeping: samples the rate window once a second. */
void srv__metrics_tick(struct srv *srv);
/* The Prometheus text exposition (malloc'd). */
char *srv__metrics_render(struct srv *srv, size_t *len);
/* The result of admin.stats. */
json_t *srv__stats_json(struct srv *srv);

#endif
