/*
 * Saved views (issue 7): views.save, views.list, views.delete (views.c on
 * the loop, db_views.c on the writer).
 */
#ifndef PACTA_SRV_VIEWS_H
#define PACTA_SRV_VIEWS_H

#include "srv.h"

/* views.*: decodes and starts the op; 1 if it was one of them. */
int srv__views_handle(struct srv_session *s, const struct pacta_request *req);
/* A save or delete committed (ops.c write_done, before the author's
 * answer): tells the author's other subscribed connections. */
void srv__views_committed(struct srv_session *s, const struct srv_write *w);

#endif
