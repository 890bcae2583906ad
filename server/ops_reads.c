/*
 * Reads of one connection in the pool (PROTOCOL.md §10: the server never
 * buffers without bound).
 *
 * A read's answer is made whole in the pool and then queued whether or not
 * the client reads it, and one answer can be large (a contracts.list page
 * of 500 records is up to ~21 MB).  A client may have 64 requests in
 * flight, and they arrive in one burst before the first answer is queued,
 * so pausing the socket past the queue bound (session.c) came too late:
 * 64 pages asked for and not read were ~1.2 GB held for one viewer's
 * connection (it_resource_answers).
 *
 * So a connection has at most READS_AT_ONCE reads in the pool (the pool
 * has four threads: a connection never had more running), and one more
 * starts only while its answers not yet sent, and those being made, fit in
 * --queue-max-bytes; the others wait here, in order, and start when an
 * answer is done or the queue drains (session.c).  Nothing is refused: a
 * client that reads its answers never waits here.  Held at most: the bound
 * plus READS_AT_ONCE answers.
 */
#include "ops-private.h"
#include "srv.h"

#define READS_AT_ONCE 4

static int is_read(const struct srv_job *j)
{
    if (j->hashing)
        return 0;
    if (j->read)
        return 1;
    switch (j->op) {
    case PACTA_OP_CONTRACTS_LIST:
    case PACTA_OP_CONTRACTS_GET:
    case PACTA_OP_SUPPLEMENTS_LIST:
    case PACTA_OP_USERS_LIST:
        return 1;
    default:
        return 0;
    }
}

static int may_start(const struct srv_session *s)
{
    if (s->reads_running >= READS_AT_ONCE)
        return 0;
    /* one is always allowed: an answer bigger than the bound (a small
     * --queue-max-bytes) still comes, alone */
    if (!s->reads_running && !s->q_bytes)
        return 1;
    return s->q_bytes + s->resp_reserved <= s->srv->cfg->queue_max_bytes;
}

int srv__ops_read_wait(struct srv_job *j)
{
    struct srv_session *s = j->s;
    if (!is_read(j))
        return 0;
    if (s->reads_head || !may_start(s)) {
        j->next_read = NULL;
        if (s->reads_tail)
            s->reads_tail->next_read = j;
        else
            s->reads_head = j;
        s->reads_tail = j;
        return 1;
    }
    j->read_counted = 1;
    s->reads_running++;
    return 0;
}

void srv__ops_reads_resume(struct srv_session *s)
{
    while (s->reads_head && (!srv__session_open(s) || may_start(s))) {
        struct srv_job *j = s->reads_head;
        s->reads_head = j->next_read;
        if (!s->reads_head)
            s->reads_tail = NULL;
        if (!srv__session_open(s)) {
            srv__ops_job_free(j); /* its client left while it waited */
            continue;
        }
        j->read_counted = 1;
        s->reads_running++;
        srv__ops_queue_job(j);
    }
}

void srv__ops_read_done(struct srv_job *j)
{
    if (!j->read_counted)
        return;
    j->read_counted = 0;
    j->s->reads_running--;
    srv__ops_reads_resume(j->s);
}
