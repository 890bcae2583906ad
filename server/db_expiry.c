/*
 * The expiry scheduler's writes, on the DB writer thread (db_writer.c runs each in
 * its own SAVEPOINT inside a group-commit transaction):
 *
 *  - SRV_W_EXPIRY_SCAN brings expiry_schedule in line with the contracts it
 *    was asked about (or all), then handles every scheduled contract with
 *    something due by `today`: contract.expiring / contract.notice_due per
 *    threshold, contract.expired (status -> expired, version + 1) or, for
 *    auto and evergreen contracts, contract.renewed (end date + term, one
 *    supplement).  Each alert is a row of expiry_alerts and of the changes
 *    log written in the same transaction, and a notification row per
 *    recipient (the owner and every admin), so it exists exactly once,
 *    whether the server was running when it fell due or not.  Then, at the
 *    daily time, one notification.digest event per user who chose digests
 *    (db_expiry_daily.c, with the purge of sessions long ended).
 *  - SRV_W_NOTIFICATIONS_READ and SRV_W_USER_PREFERENCES.
 *
 * Arming: a contract is armed on the day the scheduler first sees its
 * current terms (end date, notice days, renewal, term).  A threshold whose
 * day is before that is not raised (it lay in the past when the terms were
 * set: editing the end date re-arms only what is still ahead); one on or
 * after it fires at the first scan on or after its day, marked "late" when
 * that scan is after its day (the server was down).  The end of the term is
 * not a warning but a change of state: an active contract armed after its
 * end date expires (or renews) on the arming day, late, rather than staying
 * active for good.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db-private.h"
#include "expiry.h"

#define MAX_THRESHOLDS 16
/* One scan is one write, and every other write waits while it runs: a step
 * of a full scan looks at args.step contracts (--expiry-step, in rowid
 * order, after args.after) and handles at most step / 20 due schedules,
 * then says where to go on (result.sync_after, result.more_due) and
 * expiry.c submits the next step, so a million contracts are armed in
 * steps of tens of milliseconds with other writes between them instead of
 * one write of a minute. */
#define DEFAULT_STEP 10000

static void bind_day(sqlite3_stmt *st, int idx, int64_t day)
{
    char buf[11];
    srv_date_format(day, buf);
    sqlite3_bind_text(st, idx, buf, -1, SQLITE_TRANSIENT);
}

/* next_due() of a schedule with nothing ahead (every item passed before it
 * was armed) is NO_DAY: stored as NULL, which the due scan never picks. */
#define NO_DAY INT64_MAX
static void bind_due(sqlite3_stmt *st, int idx, int64_t day)
{
    if (day == NO_DAY)
        sqlite3_bind_null(st, idx);
    else
        bind_day(st, idx, day);
}

/* ---- the schedule of one contract ------------------------------------------ */

struct sched {
    char id[37];
    int64_t end;
    int notice;
    int renewal; /* 0 none, 1 auto, 2 evergreen */
    int months;
    int64_t armed, checked;
};

struct scan {
    struct srv_db *db;
    struct srv_write *w;
    int64_t today;
    int thr[MAX_THRESHOLDS];
    int nthr;
    int fired;
    int step; /* contracts a full-sync step looks at */
    char now[32];
};

static int renewal_code(const char *s)
{
    return !s ? 0 : !strcmp(s, "auto") ? 1 : !strcmp(s, "evergreen") ? 2 : 0;
}
static const char *const renewal_names[] = {"none", "auto", "evergreen"};

/* What can fall due for a schedule: expiring thresholds before the end
 * (never for evergreen), notice thresholds before the notice deadline
 * (when there is a notice period), and the day after the end. */
enum item_kind { IK_NOTICE, IK_EXPIRING, IK_END };
struct item {
    int64_t due;
    enum item_kind kind;
    int threshold;
};

static int collect(const struct scan *sc, const struct sched *s, struct item *out)
{
    int n = 0;
    for (int i = 0; i < sc->nthr; i++) {
        if (s->notice > 0)
            out[n++] = (struct item){s->end - s->notice - sc->thr[i], IK_NOTICE, sc->thr[i]};
        if (s->renewal != 2)
            out[n++] = (struct item){s->end - sc->thr[i], IK_EXPIRING, sc->thr[i]};
    }
    /* an end that passed before arming falls due on the arming day */
    out[n++] = (struct item){s->end + 1 < s->armed ? s->armed : s->end + 1, IK_END, 0};
    return n;
}

static int item_cmp(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    if (x->due != y->due)
        return x->due < y->due ? -1 : 1;
    if (x->kind != y->kind)
        return (int)x->kind - (int)y->kind;
    return y->threshold - x->threshold;
}

/* The next day after checked_day (and not before armed_day) with an item. */
static int64_t next_due(const struct scan *sc, const struct sched *s)
{
    struct item it[2 * MAX_THRESHOLDS + 1];
    int n = collect(sc, s, it);
    int64_t best = NO_DAY;
    for (int i = 0; i < n; i++)
        if (it[i].due > s->checked && it[i].due >= s->armed && it[i].due < best)
            best = it[i].due;
    return best;
}

static int arm(struct scan *sc, const char *id, const char *end, int notice, const char *renewal,
               int months)
{
    struct sched s = {.notice = notice, .renewal = renewal_code(renewal), .months = months};
    sqlite3_stmt *st = srv__expiry_stmt(sc->db, SRV_X_ARM, &sc->w->err);
    if (!st || srv_date_parse(end, &s.end) != 0)
        return st ? 0 : -PACTA_INTERNAL;
    s.armed = sc->today;
    s.checked = sc->today - 1;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, end, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 3, notice);
    sqlite3_bind_text(st, 4, renewal, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 5, months);
    bind_day(st, 6, s.armed);
    bind_day(st, 7, s.checked);
    bind_due(st, 8, next_due(sc, &s));
    return srv__expiry_run(sc->db, st, "arm expiry", &sc->w->err);
}

/* Re-arms one contract if its terms changed since it was armed; drops its
 * schedule if it left the scope (deleted, no longer active, no end date). */
static int sync_one(struct scan *sc, const char *id)
{
    struct pacta_error *err = &sc->w->err;
    sqlite3_stmt *st = srv__expiry_stmt(sc->db, SRV_X_DROP_ONE, err);
    int rc;

    if (!st)
        return -PACTA_INTERNAL;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    if ((rc = srv__expiry_run(sc->db, st, "drop expiry", err)) != 0)
        return rc;
    if (!(st = srv__expiry_stmt(sc->db, SRV_X_DESYNC_ONE, err)))
        return -PACTA_INTERNAL;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char end[11];
        char renewal[16];
        int notice = sqlite3_column_int(st, 2), months = sqlite3_column_int(st, 4);
        snprintf(end, sizeof end, "%s", (const char *)sqlite3_column_text(st, 1));
        snprintf(renewal, sizeof renewal, "%s", (const char *)sqlite3_column_text(st, 3));
        sqlite3_reset(st);
        return arm(sc, id, end, notice, renewal, months);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : srv__sql_error(sc->db->w, rc, "expiry sync", err);
}

/* The next due day of a schedule that holds its contract's terms (a row of
 * SRV_X_SYNC_WALK), by the thresholds of this scan, when it is not the one
 * stored: the server was started with other --thresholds, and a threshold
 * added before the stored day waited for it, late.  1 with *due set, else 0. */
static int redue(const struct scan *sc, sqlite3_stmt *row, struct sched *s, int64_t *due)
{
    const char *stored = (const char *)sqlite3_column_text(row, 11);
    int64_t was = NO_DAY;

    *s = (struct sched){.notice = sqlite3_column_int(row, 3),
                        .renewal = renewal_code((const char *)sqlite3_column_text(row, 4)),
                        .months = sqlite3_column_int(row, 5)};
    if (srv_date_parse((const char *)sqlite3_column_text(row, 2), &s->end) ||
        srv_date_parse((const char *)sqlite3_column_text(row, 9), &s->armed) ||
        srv_date_parse((const char *)sqlite3_column_text(row, 10), &s->checked) ||
        (stored && srv_date_parse(stored, &was)))
        return 0;
    *due = next_due(sc, s);
    return *due != was;
}

/*
 * One step of a full sync: the next sc->step contracts after rowid
 * `after`, each re-armed or dropped as sync_one would (and its next due
 * day set again if the thresholds moved it, redue()), stopping early at
 * step / 50 to arm (arming is what costs: a first start on a database
 * built elsewhere arms nearly every active contract).  *next is the last
 * rowid looked at when there may be more, else 0.  The rows are read
 * first and written after, so the walk never reads what it wrote.
 */
static int sync_step(struct scan *sc, int64_t after, int64_t *next)
{
    struct pacta_error *err = &sc->w->err;
    sqlite3_stmt *st = srv__expiry_stmt(sc->db, SRV_X_SYNC_WALK, err);
    json_t *arm_rows = json_array(), *drop_ids = json_array(), *redues = json_array(), *r;
    int rc, n = 0, arm_cap = sc->step / 50 > 0 ? sc->step / 50 : 1;
    int64_t last = after;
    size_t i;

    *next = 0;
    if (!st) {
        rc = -PACTA_INTERNAL;
        goto out;
    }
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int(st, 2, sc->step);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int in_scope = sqlite3_column_int(st, 6), scheduled = sqlite3_column_int(st, 7);
        struct sched s;
        int64_t due;
        if (json_array_size(arm_rows) + json_array_size(redues) >= (size_t)arm_cap) {
            n = sc->step; /* the rest in the next step, from this row on */
            break;
        }
        last = sqlite3_column_int64(st, 0);
        n++;
        if (in_scope && (!scheduled || sqlite3_column_int(st, 8)))
            json_array_append_new(arm_rows,
                                  json_pack("[s,s,i,s,i]", sqlite3_column_text(st, 1),
                                            sqlite3_column_text(st, 2), sqlite3_column_int(st, 3),
                                            sqlite3_column_text(st, 4), sqlite3_column_int(st, 5)));
        else if (in_scope && redue(sc, st, &s, &due))
            json_array_append_new(redues,
                                  json_pack("[s,s,s,s,I]", sqlite3_column_text(st, 1),
                                            sqlite3_column_text(st, 2), sqlite3_column_text(st, 9),
                                            sqlite3_column_text(st, 10), (json_int_t)due));
        else if (!in_scope && scheduled)
            json_array_append_new(drop_ids, json_string((const char *)sqlite3_column_text(st, 1)));
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        rc = srv__sql_error(sc->db->w, rc, "expiry sync", err);
        goto out;
    }
    rc = 0;
    json_array_foreach(drop_ids, i, r)
    {
        if (!(st = srv__expiry_stmt(sc->db, SRV_X_SCHED_DELETE, err))) {
            rc = -PACTA_INTERNAL;
            goto out;
        }
        sqlite3_bind_text(st, 1, json_string_value(r), -1, SQLITE_TRANSIENT);
        if ((rc = srv__expiry_run(sc->db, st, "drop expiry", err)) != 0)
            goto out;
    }
    json_array_foreach(arm_rows, i, r)
    {
        if ((rc = arm(sc, json_string_value(json_array_get(r, 0)),
                      json_string_value(json_array_get(r, 1)),
                      (int)json_integer_value(json_array_get(r, 2)),
                      json_string_value(json_array_get(r, 3)),
                      (int)json_integer_value(json_array_get(r, 4)))) != 0)
            goto out;
    }
    json_array_foreach(redues, i, r)
    {
        if (!(st = srv__expiry_stmt(sc->db, SRV_X_SCHED_UPDATE, err))) {
            rc = -PACTA_INTERNAL;
            goto out;
        }
        for (int col = 0; col < 4; col++)
            sqlite3_bind_text(st, col + 1, json_string_value(json_array_get(r, (size_t)col)), -1,
                              SQLITE_TRANSIENT);
        bind_due(st, 5, json_integer_value(json_array_get(r, 4)));
        if ((rc = srv__expiry_run(sc->db, st, "expiry thresholds", err)) != 0)
            goto out;
    }
    if (n == sc->step)
        *next = last;
out:
    json_decref(arm_rows);
    json_decref(drop_ids);
    json_decref(redues);
    return rc;
}

/* ---- events ------------------------------------------------------------------ */

static json_t *load(struct scan *sc, const char *id)
{
    sqlite3_stmt *st = srv__expiry_stmt(sc->db, SRV_X_CONTRACT, &sc->w->err);
    json_t *rec = NULL;
    if (!st)
        return NULL;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW)
        rec = srv__contract_from_row(st);
    sqlite3_reset(st);
    return rec;
}

/* Appends to the changes log and to w->events as the system (takes data_steal); *seq. */
static int log_event(struct srv_db *db, struct srv_write *w, const char *event, const char *entity,
                     json_int_t version, json_t *data_steal, int64_t *seq)
{
    return srv__append_change(db, w, event, entity, version, SRV_EXPIRY_ACTOR, data_steal, seq);
}

/* 1 when the alert (s's contract, kind, threshold, target) was raised
 * already, 0 when not, < 0 on error. */
static int raised(struct scan *sc, const struct sched *s, const char *kind, int threshold,
                  int64_t target)
{
    sqlite3_stmt *st = srv__expiry_stmt(sc->db, SRV_X_ALERT_EXISTS, &sc->w->err);
    char target_s[11];
    int step;

    if (!st)
        return -PACTA_INTERNAL;
    srv_date_format(target, target_s);
    sqlite3_bind_text(st, 1, s->id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, threshold);
    sqlite3_bind_text(st, 4, target_s, -1, SQLITE_TRANSIENT);
    step = sqlite3_step(st);
    sqlite3_reset(st);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return srv__sql_error(sc->db->w, step, "read alert", &sc->w->err);
    return step == SQLITE_ROW;
}

/*
 * Raises one alert: the event (with who is told: "notify" for single
 * alerts, "digest" for digest readers), its expiry_alerts row and one
 * notification per recipient.  An alert already stored is skipped.
 */
static int fire(struct scan *sc, const struct sched *s, json_t *rec, const char *event,
                const char *kind, int threshold, int64_t target, int64_t due, json_t *extra_steal)
{
    struct pacta_error *err = &sc->w->err;
    sqlite3_stmt *st;
    json_t *data = NULL, *notify = json_array(), *digest = json_array(), *users = json_array();
    char target_s[11], due_s[11];
    int64_t seq;
    size_t i;
    json_t *u;
    int rc = raised(sc, s, kind, threshold, target);
    int late = due < sc->today;

    srv_date_format(target, target_s);
    srv_date_format(due, due_s);
    if (rc != 0) { /* exactly once (1), or an error */
        rc = rc > 0 ? 0 : rc;
        goto out;
    }
    rc = -PACTA_INTERNAL;
    if (!(st = srv__expiry_stmt(sc->db, SRV_X_RECIPIENTS, err)))
        goto out;
    sqlite3_bind_text(st, 1, json_string_value(json_object_get(rec, "owner")), -1,
                      SQLITE_TRANSIENT);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *name = json_string((const char *)sqlite3_column_text(st, 0));
        json_array_append(sqlite3_column_int(st, 1) ? digest : notify, name);
        json_array_append_new(users, name);
    }
    sqlite3_reset(st);

    data = json_pack("{s:O, s:s, s:i, s:s, s:I, s:b, s:O, s:O}", "contract", rec, "actor",
                     SRV_EXPIRY_ACTOR, "threshold", threshold, "due_date", due_s, "days_left",
                     (json_int_t)(target - sc->today), "late", late, "notify", notify, "digest",
                     digest);
    if (extra_steal)
        json_object_update(data, extra_steal);
    rc = log_event(sc->db, sc->w, event, s->id, json_integer_value(json_object_get(rec, "version")),
                   data, &seq);
    data = NULL;
    if (rc != 0)
        goto out;
    if (!(st = srv__expiry_stmt(sc->db, SRV_X_ALERT_INSERT, err))) {
        rc = -PACTA_INTERNAL;
        goto out;
    }
    sqlite3_bind_text(st, 1, s->id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, threshold);
    sqlite3_bind_text(st, 4, target_s, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, due_s, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, sc->now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 7, late);
    sqlite3_bind_int64(st, 8, seq);
    if ((rc = srv__expiry_run(sc->db, st, "insert alert", err)) != 0)
        goto out;

    json_t *summary =
        json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:b}", "number",
                  json_string_value(json_object_get(rec, "number")), "title",
                  json_string_value(json_object_get(rec, "title")), "kind", kind, "threshold",
                  threshold, "target_date", target_s, "due_date", due_s, "late", late);
    char *summary_s = json_dumps(summary, JSON_COMPACT);
    json_decref(summary);
    json_array_foreach(users, i, u)
    {
        if (!(st = srv__expiry_stmt(sc->db, SRV_X_NOTIFY_INSERT, err))) {
            rc = -PACTA_INTERNAL;
            break;
        }
        sqlite3_bind_text(st, 1, json_string_value(u), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, seq);
        sqlite3_bind_text(st, 3, event, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, s->id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 5, summary_s, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 6, sc->now, -1, SQLITE_TRANSIENT);
        if ((rc = srv__expiry_run(sc->db, st, "insert notification", err)) != 0)
            break;
    }
    free(summary_s);
    if (rc == 0)
        sc->fired++;
out:
    json_decref(extra_steal);
    json_decref(data);
    json_decref(notify);
    json_decref(digest);
    json_decref(users);
    return rc;
}

/*
 * The end of a term whose alert was raised before: a person made the
 * contract active again on the end date that had expired it, or set an end
 * date back to one it had renewed from.  The contract changes all the same
 * and the change is logged, as contract.updated by the system (every
 * version has its event, or desks keep the record before it), but the
 * alert, being the same one, is not raised or notified twice.
 */
static int log_again(struct scan *sc, const struct sched *s, const json_t *rec, const char *field,
                     const char *reason)
{
    json_t *data = json_pack("{s:O, s:[s], s:s, s:s}", "contract", rec, "changed", field, "actor",
                             SRV_EXPIRY_ACTOR, "reason", reason);
    return log_event(sc->db, sc->w, PACTA_EV_CONTRACT_UPDATED, s->id,
                     json_integer_value(json_object_get(rec, "version")), data, NULL);
}

/* Expires a contract without renewal: status, version and the event in
 * this transaction; its schedule ends. */
static int expire(struct scan *sc, struct sched *s, json_t **rec)
{
    sqlite3_stmt *st = srv__expiry_stmt(sc->db, SRV_X_EXPIRE, &sc->w->err);
    char end_s[11], reason[48];
    int rc, again = raised(sc, s, "expired", 0, s->end);

    if (!st || again < 0)
        return again < 0 ? again : -PACTA_INTERNAL;
    sqlite3_bind_text(st, 1, s->id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, sc->now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, json_integer_value(json_object_get(*rec, "version")));
    if ((rc = srv__expiry_run(sc->db, st, "expire contract", &sc->w->err)) != 0)
        return rc;
    json_decref(*rec);
    if (!(*rec = load(sc, s->id)))
        return -PACTA_INTERNAL;
    srv_date_format(s->end, end_s);
    if (again) {
        snprintf(reason, sizeof reason, "ended on %s", end_s);
        return log_again(sc, s, *rec, "status", reason);
    }
    return fire(sc, s, *rec, PACTA_EV_CONTRACT_EXPIRED, "expired", 0, s->end, s->end + 1,
                json_pack("{s:s}", "end_date", end_s));
}

/* The day of the month s's terms end on: the one a person last set
 * (migration 12's renewal_days), else its end date's own.  -1 on error. */
static int renewal_day(struct scan *sc, const struct sched *s)
{
    sqlite3_stmt *st = srv__expiry_stmt(sc->db, SRV_X_RENEWAL_DAY_GET, &sc->w->err);
    int day = srv_date_month_day(s->end), rc;

    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, s->id, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        day = sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        srv__sql_error(sc->db->w, rc, "read renewal day", &sc->w->err);
        return -1;
    }
    return day >= 1 && day <= 31 ? day : srv_date_month_day(s->end);
}

/* Moves the end date by whole terms until it is today or later, records
 * the supplement, raises contract.renewed, and arms the new period from
 * the day it began. */
static int renew(struct scan *sc, struct sched *s, json_t **rec)
{
    struct pacta_error *err = &sc->w->err;
    sqlite3_stmt *st = srv__expiry_stmt(sc->db, SRV_X_RENEW, err);
    int64_t old_end = s->end, prev = s->end, end = s->end;
    char old_s[11], new_s[11], eff_s[11], ov[16], nv[16];
    const char *reason = s->renewal == 2 ? "evergreen contract: new period" : "automatic renewal";
    int periods = 0, rc, again = raised(sc, s, "renewed", 0, old_end);

    if (!st || again < 0)
        return again < 0 ? again : -PACTA_INTERNAL;
    int day = renewal_day(sc, s);
    if (day < 0)
        return -PACTA_INTERNAL;
    do {
        prev = end;
        end = srv_date_add_months_on(end, s->months, day);
        periods++;
    } while (end < sc->today);
    srv_date_format(old_end, old_s);
    srv_date_format(end, new_s);
    srv_date_format(old_end + 1, eff_s);
    sqlite3_bind_text(st, 1, s->id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, sc->now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, json_integer_value(json_object_get(*rec, "version")));
    sqlite3_bind_text(st, 4, new_s, -1, SQLITE_TRANSIENT);
    if ((rc = srv__expiry_run(sc->db, st, "renew contract", err)) != 0)
        return rc;
    /* the update's trigger took the new end date's day: the term's stays */
    if (!(st = srv__expiry_stmt(sc->db, SRV_X_RENEWAL_DAY_SET, err)))
        return -PACTA_INTERNAL;
    sqlite3_bind_text(st, 1, s->id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 2, day);
    if ((rc = srv__expiry_run(sc->db, st, "keep renewal day", err)) != 0)
        return rc;
    if (!(st = srv__expiry_stmt(sc->db, SRV_X_SUPPLEMENT, err)))
        return -PACTA_INTERNAL;
    snprintf(ov, sizeof ov, "\"%s\"", old_s);
    snprintf(nv, sizeof nv, "\"%s\"", new_s);
    sqlite3_bind_text(st, 1, s->id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, ov, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, nv, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, eff_s, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, sc->now, -1, SQLITE_TRANSIENT);
    if ((rc = srv__expiry_run(sc->db, st, "renewal supplement", err)) != 0)
        return rc;
    json_decref(*rec);
    if (!(*rec = load(sc, s->id)))
        return -PACTA_INTERNAL;
    if (again)
        rc = log_again(sc, s, *rec, "end_date", reason);
    else
        rc = fire(sc, s, *rec, PACTA_EV_CONTRACT_RENEWED, "renewed", 0, old_end, old_end + 1,
                  json_pack("{s:s, s:s, s:i, s:i, s:s}", "previous_end_date", old_s, "end_date",
                            new_s, "term_months", s->months, "periods", periods, "reason", reason));
    s->end = end;
    s->armed = prev + 1;
    s->checked = s->armed - 1;
    return rc;
}

/* Whether a schedule still holds its contract's current terms: active,
 * not deleted, and the end date, notice days, renewal and term it was
 * armed with. */
static int sched_current(const struct sched *s, const json_t *rec)
{
    const char *status = json_string_value(json_object_get(rec, "status"));
    int64_t end;

    return status && !strcmp(status, "active") &&
           !json_is_string(json_object_get(rec, "deleted_at")) &&
           srv_date_parse(json_string_value(json_object_get(rec, "end_date")), &end) == 0 &&
           end == s->end && json_integer_value(json_object_get(rec, "notice_days")) == s->notice &&
           renewal_code(json_string_value(json_object_get(rec, "renewal"))) == s->renewal &&
           json_integer_value(json_object_get(rec, "renewal_months")) == s->months;
}

/* Everything due for one scheduled contract, in day order. */
static int process(struct scan *sc, struct sched *s)
{
    struct item it[2 * MAX_THRESHOLDS + 1];
    json_t *rec = load(sc, s->id);
    sqlite3_stmt *st;
    int rc = 0, ended = 0;

    if (!rec || !sched_current(s, rec)) {
        /* Its contract is gone (a row deleted outside pactad), left the
         * scope, or has other terms than it was armed with: an edit
         * committed after this step was submitted, whose re-arm by id is
         * still queued.  Nothing is raised on the old terms; the schedule
         * is dropped or re-armed as the re-arm would (a gone contract's
         * schedule, kept, was handed out by every due step again). */
        json_decref(rec);
        return sync_one(sc, s->id);
    }
    for (int round = 0; round < 10000 && !ended; round++) {
        int n = collect(sc, s, it), renewed = 0;
        qsort(it, (size_t)n, sizeof it[0], item_cmp);
        for (int i = 0; i < n && rc == 0 && !renewed; i++) {
            const struct item *x = &it[i];
            if (x->due <= s->checked || x->due < s->armed || x->due > sc->today)
                continue;
            if (x->kind == IK_NOTICE) {
                char dl[11];
                srv_date_format(s->end - s->notice, dl);
                rc = fire(sc, s, rec, PACTA_EV_CONTRACT_NOTICE_DUE, "notice_due", x->threshold,
                          s->end - s->notice, x->due, json_pack("{s:s}", "notice_deadline", dl));
            } else if (x->kind == IK_EXPIRING) {
                char ed[11];
                srv_date_format(s->end, ed);
                rc = fire(sc, s, rec, PACTA_EV_CONTRACT_EXPIRING, "expiring", x->threshold, s->end,
                          x->due, json_pack("{s:s}", "end_date", ed));
            } else if (s->renewal == 0) {
                rc = expire(sc, s, &rec);
                ended = 1;
            } else {
                rc = renew(sc, s, &rec);
                renewed = 1;
            }
        }
        if (rc != 0 || !renewed)
            break;
    }
    if (rc == 0 && ended) {
        if ((st = srv__expiry_stmt(sc->db, SRV_X_SCHED_DELETE, &sc->w->err))) {
            sqlite3_bind_text(st, 1, s->id, -1, SQLITE_TRANSIENT);
            rc = srv__expiry_run(sc->db, st, "end schedule", &sc->w->err);
        } else
            rc = -PACTA_INTERNAL;
    } else if (rc == 0) {
        s->checked = sc->today;
        if ((st = srv__expiry_stmt(sc->db, SRV_X_SCHED_UPDATE, &sc->w->err))) {
            sqlite3_bind_text(st, 1, s->id, -1, SQLITE_TRANSIENT);
            bind_day(st, 2, s->end);
            bind_day(st, 3, s->armed);
            bind_day(st, 4, s->checked);
            bind_due(st, 5, next_due(sc, s));
            rc = srv__expiry_run(sc->db, st, "update schedule", &sc->w->err);
        } else
            rc = -PACTA_INTERNAL;
    }
    json_decref(rec);
    return rc;
}

static int expiry_scan(struct srv_db *db, struct srv_write *w)
{
    struct scan sc = {.db = db, .w = w};
    const json_t *ids = json_object_get(w->args, "ids"),
                 *thr = json_object_get(w->args, "thresholds");
    json_t *due = json_array(), *v;
    sqlite3_stmt *st;
    size_t i;
    int rc = 0, step;
    int64_t sync_next = 0;
    size_t processed = 0;
    int more_due = 0;

    if (srv_date_parse(json_string_value(json_object_get(w->args, "today")), &sc.today) != 0) {
        json_decref(due);
        return pacta_error_set(&w->err, PACTA_BAD_REQUEST, "today", "required");
    }
    json_array_foreach(thr, i, v)
    {
        if (sc.nthr < MAX_THRESHOLDS)
            sc.thr[sc.nthr++] = (int)json_integer_value(v);
    }
    srv_now_iso(sc.now);
    json_int_t want_step = json_integer_value(json_object_get(w->args, "step"));
    sc.step = want_step > 0 && want_step <= 1000000 ? (int)want_step : DEFAULT_STEP;
    int due_step = sc.step / 20 > 0 ? sc.step / 20 : 1;
    if (json_is_true(json_object_get(w->args, "full")))
        rc = sync_step(&sc, json_integer_value(json_object_get(w->args, "after")), &sync_next);
    json_array_foreach(ids, i, v)
    {
        if (rc == 0)
            rc = sync_one(&sc, json_string_value(v));
    }
    if (rc != 0)
        goto out;
    /* what is due is handled once the sync is through every contract, so
     * a schedule the sync has yet to drop (its contract left the scope
     * while the server was down) never fires */
    if (sync_next)
        goto result;
    if (!(st = srv__expiry_stmt(db, SRV_X_DUE, &w->err))) {
        rc = -PACTA_INTERNAL;
        goto out;
    }
    bind_day(st, 1, sc.today);
    sqlite3_bind_int(st, 2, due_step);
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(due,
                              json_pack("[s,s,i,s,i,s,s]", sqlite3_column_text(st, 0),
                                        sqlite3_column_text(st, 1), sqlite3_column_int(st, 2),
                                        sqlite3_column_text(st, 3), sqlite3_column_int(st, 4),
                                        sqlite3_column_text(st, 5), sqlite3_column_text(st, 6)));
    sqlite3_reset(st);
    if (step != SQLITE_DONE) {
        rc = srv__sql_error(db->w, step, "expiry due", &w->err);
        goto out;
    }
    json_array_foreach(due, i, v)
    {
        struct sched s = {0};
        snprintf(s.id, sizeof s.id, "%s", json_string_value(json_array_get(v, 0)));
        s.notice = (int)json_integer_value(json_array_get(v, 2));
        s.renewal = renewal_code(json_string_value(json_array_get(v, 3)));
        s.months = (int)json_integer_value(json_array_get(v, 4));
        if (srv_date_parse(json_string_value(json_array_get(v, 1)), &s.end) ||
            srv_date_parse(json_string_value(json_array_get(v, 5)), &s.armed) ||
            srv_date_parse(json_string_value(json_array_get(v, 6)), &s.checked))
            continue;
        if ((rc = process(&sc, &s)) != 0)
            goto out;
        processed++;
    }
    /* the digests go out with the last step, after everything due fired */
    more_due = json_array_size(due) == (size_t)due_step && processed > 0; /* never loops */
    if (!sync_next && !more_due && json_is_true(json_object_get(w->args, "digest")) &&
        ((rc = srv__expiry_digests(db, w, sc.today)) != 0 ||
         (rc = srv__expiry_purge_sessions(db, w, sc.today)) != 0))
        goto out;
result:
    w->result = json_pack("{s:i, s:n}", "fired", sc.fired, "next_due");
    if (sync_next)
        json_object_set_new(w->result, "sync_after", json_integer(sync_next));
    if (more_due)
        json_object_set_new(w->result, "more_due", json_true());
    if ((st = srv__expiry_stmt(db, SRV_X_NEXT_DUE, &w->err))) {
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
            json_object_set_new(w->result, "next_due",
                                json_string((const char *)sqlite3_column_text(st, 0)));
        sqlite3_reset(st);
    }
out:
    (void)renewal_names;
    json_decref(due);
    return rc;
}

int srv__expiry_write_apply(struct srv_db *db, struct srv_write *w)
{
    switch (w->kind) {
    case SRV_W_EXPIRY_SCAN:
        return expiry_scan(db, w);
    case SRV_W_NOTIFICATIONS_READ:
        return srv__notify_mark_read(db, w);
    case SRV_W_USER_PREFERENCES:
        return srv__notify_preferences(db, w);
    default:
        return pacta_error_set(&w->err, PACTA_INTERNAL, "", "unknown write");
    }
}
