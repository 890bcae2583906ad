/*
 * What ops.c (pool jobs, writes, password checks) and ops_dispatch.c (the
 * op switch) share.  Loop thread, except where a member says "pool".
 */
#ifndef PACTA_SRV_OPS_PRIVATE_H
#define PACTA_SRV_OPS_PRIVATE_H

#include "srv.h"

struct srv_job {
    uv_work_t work;
    struct srv *srv;
    struct srv_session *s;
    json_t *id;   /* new ref: echoed in the response */
    json_t *root; /* new ref: keeps the borrowed strings of the args alive */
    enum pacta_op op;
    union {
        struct pacta_login_args login;
        struct pacta_resume_args resume;
        struct pacta_list_args list;
        struct pacta_id_args ids;
        struct pacta_supplements_list_args supplements;
        struct pacta_user_create_args user_create;
        struct pacta_user_update_args user_update;
    } a;
    srv_read_fn read;     /* an extension's read (srv__ops_read), else NULL */
    uint64_t start_ns;    /* uv_hrtime() when the request arrived */
    uint64_t request_id;  /* follows it into logs: writer batch, events, errors */
    char actor[65];       /* the user the request runs as */
    int hashing;          /* holds one of the MAX_PASSWORD_CHECKS slots */
    size_t reserved;      /* answer bytes reserved (srv__ops_read_large) */
    unsigned revocations; /* srv->revocations when an auth.resume was read */
    struct srv_job *next_waiting;
    struct srv_job *next_read; /* waiting to start (ops_reads.c) */
    int read_counted;          /* counted in its session's reads_running */
    /* filled in the pool */
    int code;
    struct pacta_error err;
    json_t *result;
    char *response; /* a read's whole response frame, encoded in the pool */
    size_t response_len;
    struct srv_user user;
    char token_hash[65];
    char expires_at[32];
    char *password_hash;
};

struct srv_job *srv__ops_job_new(struct srv_session *s, const struct pacta_request *req);
void srv__ops_job_free(struct srv_job *j);
/* Into the thread pool (job_work reads by j->op). */
void srv__ops_queue_job(struct srv_job *j);
/* ops_reads.c: a read of a connection with too much in the pool or
 * queued waits (1: it was put in the connection's wait list). */
int srv__ops_read_wait(struct srv_job *j);
/* A counted read is over: the next waiting may start. */
void srv__ops_read_done(struct srv_job *j);
/* A password check or hash: at most two at once, the rest wait. */
void srv__ops_queue_password_job(struct srv_job *j);
/* Answers and frees the job (1) when its account or address is locked out. */
int srv__ops_refuse_if_locked(struct srv_job *j);
/* To the DB writer; answered when it committed. */
void srv__ops_submit_write(struct srv_job *j, enum srv_write_kind kind, json_t *args_steal);
json_t *srv__ops_user_update_args(const struct srv_job *j);

#endif
