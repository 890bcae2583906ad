/*
 * pacta_soak (`make soak`): a real pactad under a mixed load for minutes,
 * checking throughout what users rely on and, at the end, that nothing was
 * lost.  soak.c runs it (the server, the threads, the resource samples and
 * the final checks); soak_edit.c, soak_watch.c, soak_read.c, soak_docs.c,
 * soak_backup.c, soak_calendar.c and soak_presence.c are the clients.
 *
 * What the threads share: the model, what the server acknowledged for each
 * contract (the versions it answered, the record of the newest one, and
 * whether a delete is on its way or done), under one mutex; the counters;
 * and the list of violations.  Everything a check compares with is in the
 * model: a thread never trusts its own view of a contract.
 *
 * With --calendar-days N pactad runs on a fake clock that soak_calendar.c
 * moves on N days over the run, with contracts of its own that expire and
 * renew meanwhile (struct soak_cal): their alerts are checked at the end.
 *
 * With --crash-every N the soak also kills pactad (SIGKILL) every N seconds
 * and starts it again on the same data directory: a request in flight then
 * gets no answer, which is not a violation (soak_no_answer), and the
 * contract it was for is "uncertain" (its write may or may not have
 * committed).  Every write that was answered must still be there.
 */
#ifndef PACTA_SOAK_H
#define PACTA_SOAK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#include "harness.h"

#define SOAK_PASSWORD "soak-pass-0123"
/* Contracts the model holds; creates stop short of it (SOAK_CREATE_ROOM
 * for those in flight). */
#define SOAK_MAX_CONTRACTS 8192
#define SOAK_CREATE_ROOM 64

/* One contract as the server acknowledged it. */
struct soak_contract {
    char id[40];
    char number[32];
    int64_t max_version; /* the highest version an answer carried */
    json_t *record;      /* that answer's record */
    uint8_t *acked;      /* a bit per version: answered once already */
    size_t acked_bytes;
    int deleting;  /* a contracts.delete was sent */
    int deleted;   /* and answered ok */
    int gone_seen; /* a write was answered not_found */
    int uncertain; /* a write of it went unanswered (a crash) */
    json_t *final; /* the server's record at the end */
};

/* One contract of the calendar (soak_calendar.c): its terms at creation. */
#define SOAK_CAL_MAX 1024
/* The calendar moves the server's clock at most this far, so that the
 * other writers' contracts (120 days ahead or more) never end; and a
 * restarted server comes back this many days after it went down. */
#define SOAK_CALENDAR_MAX_DAYS 100
#define SOAK_CALENDAR_JUMP 2
#define SOAK_DAY_MS 86400000LL
struct soak_cal {
    char id[40]; /* "" when its create went unanswered */
    char number[32];
    int still;     /* never edited: its alerts are predicted */
    int uncertain; /* a write of it went unanswered */
    int64_t created_day, end_day;
    int64_t answered_ms;             /* it_now_ms() when its create was answered */
    int renews, months, notice_days; /* renews: 0 none, 1 auto, 2 evergreen */
    int64_t version;                 /* the newest the calendar knows of */
    json_t *final;                   /* the server's record at the end */
};

struct soak_counts {
    atomic_long edits, creates, deletes, conflicts, not_found, rate_limited;
    atomic_long events, reconnects, slow_closes;
    atomic_long walks, walk_rows, exports, dashboards;
    atomic_long uploads, resumed_uploads, downloads, doc_deletes;
    atomic_long crashes, unanswered, lost_creates, backups;
    atomic_long steps, cal_creates, cal_edits, alerts, predicted, digests;
    atomic_long presence_sets, presence_events, monitor_events, view_writes, view_events;
};

struct soak {
    struct it_server *srv; /* its port changes at each restart: under srv_mu */
    pthread_mutex_t srv_mu;
    int seconds, crash_every;
    int editors, watchers, readers;
    int calendar_days;              /* --calendar-days: 0, or the server runs on fake_ms */
    int64_t fake_start_ms, fake_ms; /* the server's clock: under srv_mu */
    /* each kill (it_now_ms()) and the server's day when it came back */
    int64_t kill_ms[512], back_day[512];
    int nkills;
    int64_t start_ms, end_ms;
    atomic_int stop;    /* editors, readers and documents: finish now */
    atomic_int settled; /* the final records are read: watchers catch up to them */
    atomic_int quiet;   /* every client but the monitor is gone: its final check */
    pthread_mutex_t mu; /* the model */
    struct soak_contract contracts[SOAK_MAX_CONTRACTS];
    int ncontracts;
    struct soak_cal cal[SOAK_CAL_MAX]; /* under mu too */
    int ncal;
    /* soak-mon's saved views as the answers left them, name -> View, and
     * the names whose last write went unanswered (soak_views; under mu) */
    json_t *views, *views_uncertain;
    struct soak_counts n;
    atomic_long violations;
};

extern struct soak soak;

/* A broken promise of the server: printed (the first 30) and counted; the
 * run fails at the end. */
void soak_violation(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Logs in as user (SOAK_PASSWORD) on a new connection: the client, or NULL
 * (counted as a violation: the server refused a user it has).  While the
 * soak crashes the server, it tries again for up to 30 s. */
struct ctl_client *soak_login(const char *user);

/* A request of `who` got no answer (ctl_client_request < 0): a violation,
 * unless the soak kills the server on purpose; either way the caller's
 * connection is gone, which soak_connection_lost then says once.
 * Returns -1. */
int soak_no_answer(const char *who, const char *what);
int soak_connection_lost(void);

/* 1 when two records are the same but for the members derived from
 * today (days_left, lifecycle): a record read after midnight is the same
 * record. */
int soak_same_record(const json_t *a, const json_t *b);

/* A request whose rate_limited answers are waited out (10 ms apart, at most
 * 30 s; counted): ctl_client_request's 0 (ok), 1 (error in *result) or < 0.
 * Steals args. */
int soak_request(struct ctl_client *c, const char *op, json_t *args, json_t **result);

/* A random number in [0, n) from the caller's state (rand_r). */
unsigned soak_rand(unsigned *state, unsigned n);

/* The real day (UTC, the server's default zone) `days` from today, as
 * YYYY-MM-DD in out (11 bytes or more).  The editors' end dates are all 120
 * days ahead or more, and the calendar moves the server's clock at most
 * SOAK_CALENDAR_MAX_DAYS: the expiry scheduler raises their early warnings
 * but never expires or renews them (versions no editor answered). */
void soak_date(int days, char *out);

/* The model: the index of a new contract (its create answered), or -1 when
 * the table is full. */
int soak_model_add(const json_t *record);
/* Records an answered write of contract i (its new record): each version is
 * answered once; the newest one is kept.  Under the model's mutex. */
void soak_model_ack(int i, const json_t *record);

/* contracts.create of a new soak contract as c (thread t's k-th): its
 * model index, or -1 (a violation was counted, or the model is nearly full
 * and nothing was sent). */
int soak_create(struct ctl_client *c, int t, long k, unsigned *seed);

/* The threads (argument: the thread's number). */
void *soak_editor(void *arg);
void *soak_watcher(void *arg);
void *soak_reader(void *arg);
void *soak_documents(void *arg);
void *soak_backups(void *arg);
void *soak_calendar(void *arg);
void *soak_presence(void *arg); /* argument: 1..SOAK_PRESENCE_CLIENTS */
void *soak_monitor(void *arg);
void *soak_views(void *arg);
#define SOAK_PRESENCE_CLIENTS 3

/* The calendar's end: each of its contracts read back (its final record,
 * the still ones against their prediction), as admin; then, on the
 * stopped server's file, every alert of the change log checked (returns
 * how many there are). */
void soak_calendar_final(struct ctl_client *admin);
long soak_calendar_check(sqlite3 *db);
/* A Unix time in ms as YYYY-MM-DDTHH:MM:SSZ (--fake-now, admin.clock.set). */
void soak_clock_text(int64_t unix_ms, char out[32]);

#endif
