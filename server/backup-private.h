/*
 * Internals shared by backup.c (the ops: create, list, verify, restore,
 * progress, the running operation) and backup_schedule.c (the schedule,
 * retention, the start-up catalog reconciliation, the directory lock,
 * start and stop).  Loop thread only, except where a field says so.
 */
#ifndef PACTA_SRV_BACKUP_PRIVATE_H
#define PACTA_SRV_BACKUP_PRIVATE_H

#include <stdatomic.h>
#include <stdint.h>

#include <jansson.h>
#include <uv.h>

#include "backup.h"
#include "srv.h"

enum bk_what { BK_CREATE, BK_VERIFY, BK_RESTORE, BK_RECONCILE, BK_RETENTION };

struct bk_op {
    uv_work_t work;
    enum bk_what what;
    struct srv_session *s; /* who asked (a ref), NULL for the schedule */
    json_t *req_id;
    char actor[65];
    char kind[16]; /* scheduled | manual | safety */
    char description[801];
    int64_t backup_id;
    int64_t t0_ms;
    char snap[4200], file[256], restore_db[4200], safety[4200];

    uv_mutex_t mu; /* progress, written in the pool */
    char stage[32];
    uint64_t done, total;
    int dirty;

    /* outcome of the pool step */
    int rc; /* enum srv_backup_err, or -PACTA_NOT_FOUND */
    char err[256];
    json_t *row;      /* catalog row (verify/restore), or the row to record (create) */
    json_t *restored; /* restore: the verified row being restored */
    json_t *list;     /* reconcile: rows to adopt; retention: ids to forget */
    uint64_t file_bytes;
};

struct srv__backup_state {
    struct srv *srv;
    int started;
    int have_key;
    struct srv_backup_key key;
    char dir[4096], db_path[4096];
    uv_timer_t tick;
    struct bk_op *op; /* the running operation */
    int lock_fd;      /* the backup directory's .lock */
    int data_lock_fd; /* DATA_DIR/.lock (srv_backup_data_lock) */
    /* set on the loop, read by backups.list in the pool too: atomic */
    _Atomic int64_t last_ok_ms;
    int64_t last_bytes, last_ref_ms; /* last_ref: newest non-safety backup */
    int64_t retry_after_ms;
    int64_t retention_ms; /* clock of the last retention pass */
    int catalog_ready;
    /* the backup a verify or restore reads (0: none), under use_mu: the
     * retention pass running beside it (in the pool) leaves it alone */
    uv_mutex_t use_mu;
    int64_t in_use;
};
extern struct srv__backup_state srv__bk;

/* backup.c: the operations' lifetime and their steps */
struct bk_op *srv__bk_op_new(enum bk_what what, struct srv_session *s, const json_t *req_id);
void srv__bk_op_free(struct bk_op *op);
void srv__bk_send_progress(struct bk_op *op, int final);
int64_t srv__bk_file_size(const char *path);
void srv__bk_queue(struct bk_op *op, uv_work_cb work, uv_after_work_cb after);
int srv__bk_submit(struct bk_op *op, enum srv_write_kind kind, json_t *args,
                   void (*done)(struct srv_write *));
int64_t srv__bk_clamp_now(int64_t ms);
/* Tests hold an operation in progress: PACTA_TEST_BACKUP_HOLD_MS=N makes
 * retention wait N ms between reading the catalog and deleting, and a
 * verify or restore wait 2N ms before reading its backup (pool). */
void srv__bk_test_hold(int times);
void srv__bk_note_ok(const json_t *row);
/* The newest good backup and the schedule's reference from the catalog
 * (at start, and after a backup is found failed). */
void srv__bk_read_last_good(void);
void srv__bk_start_create(struct srv_session *s, const json_t *id, const char *kind,
                          const char *description);

/* backup_schedule.c */
void srv__bk_start_retention(void);

/* Room left on a disk beyond what an operation needs (backup.c). */
#define SRV_BK_SPACE_MARGIN (16 << 20)
/* backup.c, shared with backup_check.c (verify, restore). */
void srv__bk_progress_cb(void *ud, const char *stage, uint64_t done, uint64_t total);
const char *srv__bk_what_name(enum bk_what w);
void srv__bk_answer_ok(struct bk_op *op, json_t *result_steal);
void srv__bk_answer_error(struct bk_op *op, enum pacta_code code, const char *field,
                          const char *fmt, const char *arg);
void srv__bk_answer_failure(struct bk_op *op, const char *what);
/* Space for a restore's safety copy and swap on each disk; else answers. */
int srv__bk_restore_space_ok(struct bk_op *op);
void srv__bk_file_name(char *out, size_t n, const char *kind, int64_t ms);
/* Pool: op->snap packed into a backup file and its row (op->row). */
void srv__bk_pack_snapshot(struct bk_op *op);
/* Answers unavailable (1) when backups are off or another one runs. */
int srv__bk_refuse_if_unready(struct srv_session *s, const json_t *id);
/* backup_check.c: backups.verify / backups.restore of backup_id. */
void srv__bk_start_check(struct srv_session *s, const json_t *id, enum bk_what what,
                         int64_t backup_id);

#endif
