/*
 * srv_hist: a fixed-bucket histogram, cheap enough to update on every
 * request or batch, rendered in Prometheus text format by metrics.c.
 * Not synchronised: the owner updates it on one thread (or under its lock).
 */
#ifndef PACTA_SRV_HIST_H
#define PACTA_SRV_HIST_H

#include <stdint.h>

#define SRV_HIST_MAX 16

struct srv_hist {
    uint64_t counts[SRV_HIST_MAX + 1]; /* counts[i]: observations <= bounds[i]; last: +Inf */
    uint64_t count;
    double sum;
};

/* Upper bounds, ascending, shared by every histogram of a kind. */
struct srv_hist_bounds {
    int n;
    double le[SRV_HIST_MAX];
};

static inline void srv_hist_observe(struct srv_hist *h, const struct srv_hist_bounds *b, double v)
{
    int i = 0;
    while (i < b->n && v > b->le[i])
        i++;
    h->counts[i]++;
    h->count++;
    h->sum += v;
}

/* Seconds: 100 µs .. 5 s. */
static const struct srv_hist_bounds srv_hist_seconds = {
    13, {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5}};
/* Writes per group-commit batch. */
static const struct srv_hist_bounds srv_hist_batch = {9, {1, 2, 4, 8, 16, 32, 64, 128, 256}};

#endif
