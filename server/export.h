/*
 * Exports (issue 7): export.contracts, export.read, export.cancel and the
 * export.progress events (PROTOCOL.md §6.31-6.33).  Loop thread; the
 * generation runs in the thread pool in short steps (export-private.h).
 *
 * An export belongs to the connection that asked for it: only that
 * connection, logged in as the same user, may read it.  Files live under
 * DATA_DIR/exports while they are made; once made, the file is opened for
 * reading and unlinked, so its space is freed when the export ends: after
 * its last chunk was sent, on export.cancel, when the connection closes or
 * logs out, when it has not been read for --export-ttl seconds, or at
 * shutdown — and a crash leaves nothing behind (start-up removes what a
 * crash left in the middle of making one).
 */
#ifndef PACTA_SRV_EXPORT_H
#define PACTA_SRV_EXPORT_H

struct srv;
struct srv_session;
struct pacta_request;
struct srv_config;

/* After the database is open: DATA_DIR/exports, emptied of leftovers. */
void srv__export_start(struct srv *srv);
/* export.* ops; 1 if it answered the request. */
int srv__export_handle(struct srv_session *s, const struct pacta_request *req);
/* Housekeeping (every tick, also while shutting down): ends exports whose
 * connection closed or logged out, that expired, or all at shutdown. */
void srv__export_tick(struct srv *srv);

/* After the loop has ended (no export step can run): frees the font
 * caches that drawing PDFs filled (fontconfig, cairo), which otherwise
 * live until exit. */
void srv__export_cleanup(void);

/* export_config.c: --export-* options; 0 or -1 after printing why. */
void srv__export_config_defaults(struct srv_config *cfg);
int srv__export_option(struct srv_config *cfg, const char *name, const char *arg);

#endif
