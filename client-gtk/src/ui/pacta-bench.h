/*
 * pacta-desk: a self-measurement for bench/desk_100k.sh, off unless the
 * environment has PACTA_DESK_BENCH=1.
 *
 * With it set, the first main window to open is measured while it loads
 * the contract list (time until every row is in the visible model, RSS,
 * row widgets, main-loop gaps and frame intervals), then scrolled through
 * programmatically, sent live updates, filtered by search keystrokes and
 * sorted.  The figures go to stdout as one JSON object and the
 * application quits.  Nothing here runs in normal use.
 */
#ifndef PACTA_BENCH_H
#define PACTA_BENCH_H

#include "pacta-application.h"

/* Arms the measurement if PACTA_DESK_BENCH is set; otherwise does nothing. */
void pacta_bench_attach(PactaApplication *app);

#endif
