/* pacta-desk: the reconnect schedule; see pacta-backoff.h. */
#include "pacta-backoff.h"

guint pacta_backoff_cap_ms(guint attempt, guint base_ms, guint max_ms)
{
    if (attempt == 0)
        return 0;
    guint64 d = base_ms;
    /* Stop doubling once past the cap: 2^attempt would overflow for long outages. */
    for (guint i = 1; i < attempt && d < max_ms; i++)
        d *= 2;
    return (guint)MIN(d, (guint64)max_ms);
}

guint pacta_backoff_delay_ms(guint attempt, guint base_ms, guint max_ms, double jitter)
{
    guint cap = pacta_backoff_cap_ms(attempt, base_ms, max_ms);
    if (cap == 0)
        return 0;
    jitter = CLAMP(jitter, 0.0, 1.0);
    /* "Equal jitter": never less than half the cap, so retries still back off. */
    guint half = cap / 2;
    return half + (guint)((double)(cap - half) * jitter);
}
