/*
 * pacta-desk: the reconnect schedule (PROTOCOL.md §13.6): exponential
 * backoff from `base_ms` doubling to `max_ms`, with "equal jitter" (a delay
 * is uniformly drawn from [d/2, d] where d is the capped exponential), so a
 * fleet of desks that lost the same server does not come back in lockstep.
 *
 * Pure functions: no clock, no randomness of their own, so the schedule is
 * unit-testable.  PactaConnection feeds them g_random_double().
 */
#ifndef PACTA_DESK_BACKOFF_H
#define PACTA_DESK_BACKOFF_H

#include <glib.h>

G_BEGIN_DECLS

#define PACTA_BACKOFF_BASE_MS 500
#define PACTA_BACKOFF_MAX_MS 30000

/*
 * Delay before reconnect attempt number `attempt` (1 = the first retry
 * after a drop).  The capped exponential is min(max_ms, base_ms * 2^(attempt-1));
 * `jitter` in [0, 1] picks the point in [d/2, d].  attempt 0 returns 0
 * (reconnect at once: used after close 4000 "slow consumer").
 */
guint pacta_backoff_delay_ms(guint attempt, guint base_ms, guint max_ms, double jitter);

/* The capped exponential alone (the upper bound of pacta_backoff_delay_ms). */
guint pacta_backoff_cap_ms(guint attempt, guint base_ms, guint max_ms);

G_END_DECLS

#endif
