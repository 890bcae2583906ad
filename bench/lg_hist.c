/*
 * HDR-style histogram: values below 2 * LG_HIST_SUB are exact, above that
 * every power of two is split into LG_HIST_SUB linear buckets, so a
 * percentile is within ~3% of the true value whatever its magnitude, in
 * constant memory and O(1) per sample.
 */
#include <string.h>

#include "lg.h"

static int idx(uint64_t v)
{
    if (v < 2 * LG_HIST_SUB)
        return (int)v;
    int msb = 63 - __builtin_clzll(v); /* >= 6 */
    int shift = msb - 5;               /* keeps the top 6 bits: 32..63 */
    int i = shift * LG_HIST_SUB + (int)(v >> shift);
    return i < LG_HIST_N ? i : LG_HIST_N - 1;
}

/* The middle of bucket i, in the unit of the samples. */
static uint64_t value_of(int i)
{
    if (i < 2 * LG_HIST_SUB)
        return (uint64_t)i;
    int shift = i / LG_HIST_SUB - 1;
    uint64_t top = (uint64_t)(i - shift * LG_HIST_SUB);
    return (top << shift) + ((1ull << shift) >> 1);
}

void lg_hist_reset(struct lg_hist *h)
{
    memset(h, 0, sizeof *h);
}

void lg_hist_add(struct lg_hist *h, uint64_t v)
{
    h->b[idx(v)]++;
    h->count++;
    if (v > h->max)
        h->max = v;
}

uint64_t lg_hist_pct(const struct lg_hist *h, double p)
{
    if (!h->count)
        return 0;
    uint64_t want = (uint64_t)(p / 100.0 * (double)h->count + 0.5);
    if (want < 1)
        want = 1;
    uint64_t seen = 0;
    for (int i = 0; i < LG_HIST_N; i++) {
        seen += h->b[i];
        if (seen >= want) {
            uint64_t v = value_of(i);
            return v < h->max ? v : h->max;
        }
    }
    return h->max;
}
