/*
 * The dashboard (issue 7): stats.dashboard, dashboard.watch and the live
 * dashboard.updated event.
 *
 * dashboard_read.c computes the figures from the counters the schema keeps
 * (schema_dashboard.h) in one read transaction: any thread, a read-only
 * connection.  dashboard.c (loop thread) answers the ops and pushes the
 * figures to watching sessions, coalesced, computed in the thread pool.
 */
#ifndef PACTA_SRV_DASHBOARD_H
#define PACTA_SRV_DASHBOARD_H

#include <stdint.h>

#include <sqlite3.h>

#include <pacta/dashboard.h>

/*
 * Fills *out (pacta_dashboard_clear frees its values) as of one snapshot
 * of r: `today` is a day number (srv_today()), `window` the lifecycle
 * "expiring" window in days.  Opens and ends its own read transaction, so
 * r must not be inside one.  0, or -code with err set.
 */
int srv__dashboard_read(sqlite3 *r, int64_t today, int window, struct pacta_dashboard *out,
                        struct pacta_error *err);

struct srv;
struct srv_session;
struct pacta_request;
/* stats.dashboard and dashboard.watch; 1 if it answered the request. */
int srv__dashboard_handle(struct srv_session *s, const struct pacta_request *req);
/* Committed events were broadcast: watchers get fresh figures (coalesced). */
void srv__dashboard_changed(struct srv *srv);
/* The clock moved (admin.clock.set on a test server): re-arm the day timer
 * and refresh the watchers' figures. */
void srv__dashboard_clock_moved(struct srv *srv);
/* Timers: started with the server, stopped (closed) at shutdown. */
void srv__dashboard_start(struct srv *srv);
void srv__dashboard_stop(struct srv *srv);

#endif
