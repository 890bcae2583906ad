/*
 * The soak's calendar (--calendar-days N): pactad runs on a clock of its own
 * (--fake-now), and this thread moves it on eight hours at a time with
 * admin.clock.set, so that in minutes the expiry scheduler lives through
 * months while everyone else keeps writing.  Its contracts end within weeks:
 *
 *  - "still" ones are created and never touched again: their alerts, their
 *    expiry or their renewals (with the new period's alerts) are predicted
 *    from the create alone, and must be exactly those;
 *  - "moving" ones have their end date, notice days, renewal, term and
 *    status changed again and again, racing the scheduler's own writes (an
 *    expiry or a renewal makes the next edit a conflict), end dates in the
 *    past included.
 *
 * The other writers' contracts end 120 days or more after the real today,
 * and the calendar stops at SOAK_CALENDAR_MAX_DAYS: they get their
 * early warnings, never an expiry or a renewal.  With --crash-every, the
 * server comes back SOAK_CALENDAR_JUMP days later than it went down, so the
 * alerts of the days it missed come late.
 *
 * Whatever the contract, every alert the change log holds must be one of
 * a kind (contract, event, threshold, target date), raised on or after
 * its due day and late exactly when after it, with the days left of that
 * day, its own expiry_alerts row, and one notification for its owner and
 * each admin (soak_calendar_check, on the stopped server's file).
 * soak-admin reads its alerts in a daily digest: one a day, each counting
 * and marking what it was notified of since the one before, none left out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "expiry.h"
#include "soak.h"

/* The clock moves on 8 hours at a time from 10:00: 18:00, then 02:00 (a
 * new day: what falls due on it is raised by this scan, not at the daily
 * time), then 10:00 (past the daily time, 08:00: the digests). */
#define STEP_MS (SOAK_DAY_MS / 3)
#define SOAK_DIGEST_USER "soak-admin"
static const int thresholds[] = {90, 60, 30, 7, 1}; /* pactad's default */
#define NTHRESHOLDS (int)(sizeof thresholds / sizeof thresholds[0])

/* ---- dates: days since 1970-01-01 (the server's conversions, expiry.h) --- */

void soak_clock_text(int64_t unix_ms, char out[32])
{
    int64_t s = unix_ms / 1000 % 86400;
    char day[11];

    srv_date_format(unix_ms / SOAK_DAY_MS, day);
    snprintf(out, 32, "%sT%02d:%02d:%02dZ", day, (int)(s / 3600), (int)(s / 60 % 60),
             (int)(s % 60));
}

/* "YYYY-MM-DD..." as a day, or INT64_MIN. */
static int64_t text_day(const char *s)
{
    int y, m, d;
    if (!s || sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3)
        return INT64_MIN;
    return srv_days_from_civil(y, m, d);
}

/* PROTOCOL.md §7.1: the end date `months` on, on the day of the month the
 * end date was set to (mday), a month end (mday 31) staying one.  The
 * soak's own reading of the rule, not the server's srv_date_add_months_on:
 * the prediction must not share the code it checks. */
static int64_t add_months_on(int64_t day, int months, int mday)
{
    int y, m, d;
    srv_civil_from_days(day, &y, &m, &d);
    m += months;
    y += (m - 1) / 12;
    m = (m - 1) % 12 + 1;
    int last = srv_days_in_month(y, m);
    return srv_days_from_civil(y, m, mday < last ? mday : last);
}

/* ---- the model's calendar contracts --------------------------------------- */

/* What a still contract must get: each (event, threshold, due day) up to
 * the last day, and its end: its last end date, status and version. */
struct expect {
    struct item {
        const char *event;
        int threshold;
        int64_t due, target;
        int optional; /* due before its first scan may have come (optional_before) */
        int seen;
    } items[64];
    int n;
    int64_t end;
    const char *status;
    int64_t version;
};

static void expect_add(struct expect *x, const char *event, int threshold, int64_t due,
                       int64_t target, int64_t armed, int64_t optional_before, int64_t last)
{
    if (due < armed || due > last || x->n == 64)
        return;
    x->items[x->n++] = (struct item){event, threshold, due, target, due < optional_before, 0};
}

/* The scheduler arms a contract on the day of its first scan after the
 * create (PROTOCOL.md §7.1): the create's day, or the next one when the
 * calendar's clock.set came first; and when the server was killed before
 * that scan (within 2 s of the answer, here), the day it came back, so
 * that what fell due meanwhile is never raised.  Alerts due before that
 * day may come or not; those after must. */
static int64_t first_scan_by(const struct soak_cal *k)
{
    int64_t day = k->created_day + 1;

    pthread_mutex_lock(&soak.srv_mu);
    for (int i = 0; i < soak.nkills; i++)
        if (soak.kill_ms[i] >= k->answered_ms && soak.kill_ms[i] <= k->answered_ms + 2000 &&
            soak.back_day[i] > day)
            day = soak.back_day[i];
    pthread_mutex_unlock(&soak.srv_mu);
    return day;
}

/* Marks the predicted item an alert is, if any: 1, or 0 when the
 * prediction has no such item. */
static int predicted(struct expect *x, const char *event, int threshold, int64_t due)
{
    for (int j = 0; j < x->n; j++) {
        struct item *it = &x->items[j];
        if (strcmp(it->event, event) == 0 && it->threshold == threshold && it->due == due) {
            it->seen++;
            return 1;
        }
    }
    return 0;
}

static void predict(const struct soak_cal *k, int64_t last, struct expect *x)
{
    int64_t end = k->end_day, armed = k->created_day, optional_before = first_scan_by(k);
    int y, m, mday;

    srv_civil_from_days(end, &y, &m, &mday);
    if (mday == srv_days_in_month(y, m))
        mday = 31;
    x->n = 0;
    x->status = "active";
    x->version = 1;
    for (;;) {
        for (int t = 0; t < NTHRESHOLDS; t++) {
            expect_add(x, "contract.expiring", thresholds[t], end - thresholds[t], end, armed,
                       optional_before, last);
            if (k->notice_days > 0)
                expect_add(x, "contract.notice_due", thresholds[t],
                           end - k->notice_days - thresholds[t], end - k->notice_days, armed,
                           optional_before, last);
        }
        if (end + 1 > last)
            break;
        x->version++;
        if (!k->renews) {
            expect_add(x, "contract.expired", 0, end + 1, end, armed, INT64_MIN, last);
            x->status = "expired";
            break;
        }
        expect_add(x, "contract.renewed", 0, end + 1, end, armed, INT64_MIN, last);
        armed = end + 1; /* the new period is armed from its first day */
        optional_before = INT64_MIN;
        end = add_months_on(end, k->months, mday);
    }
    x->end = end;
}

/* ---- the thread ------------------------------------------------------------ */

static int64_t server_day(void)
{
    pthread_mutex_lock(&soak.srv_mu);
    int64_t day = soak.fake_ms / SOAK_DAY_MS;
    pthread_mutex_unlock(&soak.srv_mu);
    return day;
}

/* admin.clock.set to the soak's clock, a step on (advance) or as it is;
 * 0 when answered. */
static int set_clock(struct ctl_client *admin, int advance)
{
    char now[32];
    json_t *result = NULL;

    pthread_mutex_lock(&soak.srv_mu);
    advance = advance &&
              soak.fake_ms + STEP_MS <= soak.fake_start_ms + SOAK_CALENDAR_MAX_DAYS * SOAK_DAY_MS;
    if (advance)
        soak.fake_ms += STEP_MS;
    soak_clock_text(soak.fake_ms, now);
    pthread_mutex_unlock(&soak.srv_mu);
    int rc = soak_request(admin, "admin.clock.set", json_pack("{s:s}", "now", now), &result);
    if (rc < 0)
        return soak_no_answer("calendar", "admin.clock.set");
    if (rc != 0)
        soak_violation("admin.clock.set %s: %s", now, it_err_code(result));
    else
        atomic_fetch_add(&soak.n.steps, advance);
    json_decref(result);
    return rc;
}

static const char *const renewals[] = {"none", "auto", "evergreen"};

static void create_one(struct ctl_client *c, unsigned *seed, int still)
{
    char number[32], start[11], end[11];
    int64_t today = server_day();
    /* a still contract ends two days on or later: its first scan comes
     * before its end (first_scan_by), whose alert is never optional */
    int64_t end_day = today + (still ? 2 + soak_rand(seed, 70) : soak_rand(seed, 50)) - !still * 5;
    int renews = (int)soak_rand(seed, still ? 2 : 3), months = 1 + (int)soak_rand(seed, 2);
    int notice = soak_rand(seed, 2) ? 0 : 3 + (int)soak_rand(seed, 20);
    json_t *result = NULL;

    pthread_mutex_lock(&soak.mu);
    int i = soak.ncal < SOAK_CAL_MAX ? soak.ncal++ : -1;
    pthread_mutex_unlock(&soak.mu);
    if (i < 0)
        return;
    snprintf(number, sizeof number, "CAL-%05d", i);
    srv_date_format(today - 30, start);
    srv_date_format(end_day, end);
    json_t *args = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i}", "number",
                             number, "title", still ? "Calendario fijo" : "Calendario móvil",
                             "counterparty", "Calendar SRL", "kind", "supplier", "currency", "EUR",
                             "status", "active", "start_date", start, "end_date", end, "renewal",
                             renewals[renews], "renewal_months", months, "notice_days", notice);
    int rc = soak_request(c, "contracts.create", args, &result);
    pthread_mutex_lock(&soak.mu);
    struct soak_cal *k = &soak.cal[i];
    snprintf(k->number, sizeof k->number, "%s", number);
    k->still = still;
    k->created_day = today;
    k->answered_ms = it_now_ms();
    k->end_day = end_day;
    k->renews = renews;
    k->months = months;
    k->notice_days = notice;
    if (rc == 0) {
        const json_t *rec = json_object_get(result, "contract");
        snprintf(k->id, sizeof k->id, "%s", it_str(rec, "id"));
        k->version = it_int(rec, "version");
        atomic_fetch_add(&soak.n.cal_creates, 1);
    } else {
        k->uncertain = 1; /* no id: nothing to check but the generic rules */
    }
    pthread_mutex_unlock(&soak.mu);
    if (rc < 0) {
        atomic_fetch_add(&soak.n.lost_creates, 1);
        soak_no_answer(number, "contracts.create");
    } else if (rc != 0) {
        soak_violation("contracts.create %s: %s", number, it_str(result, "message"));
    }
    json_decref(result);
}

/* One change of a moving contract's terms, on the version the calendar
 * knows; the scheduler may have moved it on (a conflict: again on the
 * current one). */
static void edit_one(struct ctl_client *c, unsigned *seed)
{
    int i = -1;
    char id[40], buf[11];
    int64_t version = 0;

    pthread_mutex_lock(&soak.mu);
    for (int tries = 0; tries < 8 && soak.ncal > 0 && i < 0; tries++) {
        int j = (int)soak_rand(seed, (unsigned)soak.ncal);
        if (!soak.cal[j].still && !soak.cal[j].uncertain && soak.cal[j].id[0])
            i = j;
    }
    if (i >= 0) {
        memcpy(id, soak.cal[i].id, sizeof id);
        version = soak.cal[i].version;
    }
    pthread_mutex_unlock(&soak.mu);
    if (i < 0)
        return;

    json_t *change;
    unsigned r = soak_rand(seed, 100);
    if (r < 45) {
        srv_date_format(server_day() - 5 + (int64_t)soak_rand(seed, 60), buf);
        change = json_pack("{s:s}", "end_date", buf);
    } else if (r < 60) {
        change =
            json_pack("{s:i}", "notice_days", soak_rand(seed, 3) ? 0 : 1 + soak_rand(seed, 30));
    } else if (r < 75) {
        change = json_pack("{s:s}", "renewal", renewals[soak_rand(seed, 3)]);
    } else if (r < 85) {
        change = json_pack("{s:i}", "renewal_months", 1 + soak_rand(seed, 3));
    } else {
        static const char *const statuses[] = {"active", "active", "draft", "terminated"};
        change = json_pack("{s:s}", "status", statuses[soak_rand(seed, 4)]);
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        json_t *result = NULL;
        json_t *args = json_pack("{s:s, s:I, s:O, s:s}", "id", id, "version", (json_int_t)version,
                                 "changes", change, "reason", "calendar");
        int rc = soak_request(c, "contracts.update", args, &result);
        if (rc < 0) {
            pthread_mutex_lock(&soak.mu);
            soak.cal[i].uncertain = 1;
            pthread_mutex_unlock(&soak.mu);
            soak_no_answer(id, "contracts.update");
            break;
        }
        int conflict = rc == 1 && strcmp(it_err_code(result), "conflict") == 0;
        const json_t *rec = json_object_get(result, conflict ? "current" : "contract");
        if (rc == 0 || conflict) {
            pthread_mutex_lock(&soak.mu);
            if (it_int(rec, "version") > soak.cal[i].version)
                soak.cal[i].version = it_int(rec, "version");
            pthread_mutex_unlock(&soak.mu);
        }
        if (rc == 0) {
            atomic_fetch_add(&soak.n.cal_edits, 1);
        } else if (conflict) {
            /* only the scheduler writes these contracts besides us */
            if (strcmp(it_str(rec, "updated_by"), "system") != 0)
                soak_violation("%s: a conflict on version %lld, by %s", id, (long long)version,
                               it_str(rec, "updated_by"));
            version = it_int(rec, "version");
            json_decref(result);
            continue;
        } else {
            soak_violation("calendar: update %s: %s: %s", id, it_err_code(result),
                           it_str(result, "message"));
        }
        json_decref(result);
        break;
    }
    json_decref(change);
}

void *soak_calendar(void *arg)
{
    unsigned seed = 0xca1u;
    struct ctl_client *c = soak_login("soak-cal"), *admin = soak_login("soak-admin");
    /* a step every step_ms, and about twenty writes a day: four creates
     * (two still), the rest edits of moving contracts */
    int64_t step_ms = 1000LL * soak.seconds / soak.calendar_days / 3,
            next = soak.start_ms + step_ms;

    (void)arg;
    /* soak-admin reads its alerts in a daily digest; the others one by one */
    json_t *pref = NULL;
    if (admin &&
        soak_request(admin, "users.preferences", json_pack("{s:b}", "digest", 1), &pref) != 0)
        soak_violation("users.preferences: %s", it_err_code(pref));
    json_decref(pref);
    while (c && admin && !atomic_load(&soak.stop)) {
        unsigned r = soak_rand(&seed, 20);
        if (r < 4)
            create_one(c, &seed, r < 2);
        else
            edit_one(c, &seed);
        int lost = soak_connection_lost();
        if (!lost && it_now_ms() >= next) {
            next += step_ms;
            set_clock(admin, 1);
            lost = soak_connection_lost();
        }
        if (lost) {
            ctl_client_close(c);
            ctl_client_close(admin);
            c = soak_login("soak-cal");
            admin = soak_login("soak-admin");
        }
        usleep((useconds_t)(1000 * step_ms * 3 / 20));
    }
    /* the last day's scan done and answered: every alert due is in */
    while (admin && set_clock(admin, 0) < 0 && soak_connection_lost() && soak.crash_every > 0) {
        ctl_client_close(admin);
        admin = soak_login("soak-admin");
    }
    if (c)
        ctl_client_close(c);
    if (admin)
        ctl_client_close(admin);
    return NULL;
}

/* ---- the end: the server's records and the change log --------------------- */

void soak_calendar_final(struct ctl_client *admin)
{
    int64_t last = server_day();

    for (int i = 0; i < soak.ncal; i++) {
        struct soak_cal *k = &soak.cal[i];
        json_t *got = NULL;
        if (!k->id[0])
            continue;
        if (soak_request(admin, "contracts.get", json_pack("{s:s}", "id", k->id), &got) != 0) {
            soak_violation("%s: contracts.get: %s", k->number, it_err_code(got));
            json_decref(got);
            continue;
        }
        const json_t *rec = json_object_get(got, "contract");
        k->final = json_deep_copy(rec);
        if (it_int(rec, "version") < k->version)
            soak_violation("%s: version %lld was answered, the server has %lld", k->number,
                           (long long)k->version, (long long)it_int(rec, "version"));
        if (k->still && !k->uncertain) {
            struct expect x;
            char want[11], end[11];
            predict(k, last, &x);
            srv_date_format(x.end, want);
            srv_date_format(k->end_day, end);
            if (strcmp(it_str(rec, "end_date"), want) != 0 ||
                strcmp(it_str(rec, "status"), x.status) != 0 || it_int(rec, "version") != x.version)
                soak_violation("%s (renewal %s, end %s at creation): the server has %s, %s, "
                               "version %lld; the calendar says %s, %s, version %lld",
                               k->number, renewals[k->renews], end, it_str(rec, "end_date"),
                               it_str(rec, "status"), (long long)it_int(rec, "version"), want,
                               x.status, (long long)x.version);
        }
        json_decref(got);
    }
}

/* The notifications of alert seq: exactly one for each admin and the owner
 * (no user is disabled or changes role in the soak). */
static void check_recipients(sqlite3 *db, int64_t seq, const char *owner, const char *number)
{
    sqlite3_stmt *st = NULL;

    sqlite3_prepare_v2(db,
                       "SELECT (SELECT group_concat(username, ' ') FROM (SELECT username FROM"
                       "  notifications WHERE seq = ?1 ORDER BY username)),"
                       " (SELECT group_concat(u, ' ') FROM (SELECT username AS u FROM users"
                       "  WHERE role = 'admin' AND disabled = 0 UNION SELECT ?2 ORDER BY u))",
                       -1, &st, NULL);
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_text(st, 2, owner, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_ROW)
        soak_violation("%s: alert seq %lld: its notifications: %s", number, (long long)seq,
                       sqlite3_errmsg(db));
    else {
        const char *got = (const char *)sqlite3_column_text(st, 0);
        const char *want = (const char *)sqlite3_column_text(st, 1);
        if (!got || strcmp(got, want) != 0)
            soak_violation("%s: alert seq %lld notified \"%s\", not the owner and the admins "
                           "\"%s\"",
                           number, (long long)seq, got ? got : "", want);
    }
    sqlite3_finalize(st);
}

/* The rules of PROTOCOL.md §7.1 that hold for any alert; 0 or -1. */
static int check_alert(sqlite3 *db, int64_t seq, const char *event, const char *fired_at,
                       const json_t *data, int64_t *due_out, int64_t *target_out)
{
    const json_t *rec = json_object_get(data, "contract");
    const char *number = it_str(rec, "number");
    int threshold = (int)it_int(data, "threshold"),
        late = json_is_true(json_object_get(data, "late"));
    int64_t fired = text_day(fired_at), due = text_day(it_str(data, "due_date")), target;
    int end = strcmp(event, "contract.expired") == 0 || strcmp(event, "contract.renewed") == 0;
    int known = threshold == 0 && end;

    for (int t = 0; t < NTHRESHOLDS && !end; t++)
        known |= thresholds[t] == threshold;
    if (strcmp(event, "contract.notice_due") == 0)
        target = text_day(it_str(data, "notice_deadline"));
    else if (strcmp(event, "contract.renewed") == 0)
        target = text_day(it_str(data, "previous_end_date"));
    else
        target = text_day(it_str(data, "end_date"));
    *due_out = due;
    *target_out = target;
    if (!known || due == INT64_MIN || target == INT64_MIN || fired == INT64_MIN) {
        soak_violation("%s: alert seq %lld (%s): threshold %d, due %s, target missing or odd",
                       number, (long long)seq, event, threshold, it_str(data, "due_date"));
        return -1;
    }
    if (end ? due < target + 1 : due != target - threshold)
        soak_violation("%s: %s seq %lld, threshold %d: due %s for a target %lld days later", number,
                       event, (long long)seq, threshold, it_str(data, "due_date"),
                       (long long)(target - due));
    /* the day of the scan that raised it, by its days_left: the day it was
     * written, or the one before (a scan asked for just before midnight
     * and written after it; here, before the clock.set ahead of it) */
    int64_t scan = target - it_int(data, "days_left");
    if (scan > fired || scan < fired - 1)
        soak_violation("%s: %s seq %lld: days_left %lld written at %s", number, event,
                       (long long)seq, (long long)it_int(data, "days_left"), fired_at);
    if (scan < due || late != (scan > due))
        soak_violation("%s: %s seq %lld due %s raised at %s (days_left %lld) with late %s", number,
                       event, (long long)seq, it_str(data, "due_date"), fired_at,
                       (long long)it_int(data, "days_left"), late ? "true" : "false");
    if (!end && strcmp(it_str(rec, "status"), "active") != 0)
        soak_violation("%s: %s seq %lld for a contract %s", number, event, (long long)seq,
                       it_str(rec, "status"));
    if (strcmp(it_str(data, "actor"), "system") != 0)
        soak_violation("%s: %s seq %lld by %s", number, event, (long long)seq,
                       it_str(data, "actor"));
    check_recipients(db, seq, it_str(rec, "owner"), number);
    const json_t *digest = json_object_get(data, "digest"),
                 *notify = json_object_get(data, "notify");
    size_t i;
    const json_t *u;
    int told_one_by_one = 0;
    json_array_foreach(notify, i, u) told_one_by_one |=
        strcmp(json_string_value(u), SOAK_DIGEST_USER) == 0;
    if (json_array_size(digest) != 1 ||
        strcmp(json_string_value(json_array_get(digest, 0)), SOAK_DIGEST_USER) != 0 ||
        told_one_by_one)
        soak_violation("%s: alert seq %lld: digest readers %s, %s among the single alerts", number,
                       (long long)seq, json_string_value(json_array_get(digest, 0)),
                       told_one_by_one ? "and soak-admin" : "not soak-admin");
    return 0;
}

/* The digests: one per reader and day, each counting the notifications it
 * marked and listing the oldest (at most 100) of them; and no notification
 * of the reader's left out of the digests that came after it.  Returns
 * how many there are. */
static long check_digests(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    json_t *days = json_object();
    long n = 0;

    sqlite3_prepare_v2(
        db,
        "SELECT c.seq, json_extract(c.payload, '$.user'),"
        " json_extract(c.payload, '$.date'), json_extract(c.payload, '$.count'),"
        " json_array_length(c.payload, '$.items'),"
        " (SELECT count(*) FROM notifications n WHERE n.digest_seq = c.seq),"
        " (SELECT count(*) FROM json_each(c.payload, '$.items') j"
        "  JOIN notifications n ON n.id = json_extract(j.value, '$.id')"
        "  WHERE n.digest_seq = c.seq AND n.username = json_extract(c.payload, '$.user'))"
        " FROM changes c WHERE c.event = 'notification.digest' ORDER BY c.seq",
        -1, &st, NULL);
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        char key[96];
        int64_t seq = sqlite3_column_int64(st, 0), count = sqlite3_column_int64(st, 3);
        int64_t items = sqlite3_column_int64(st, 4), marked = sqlite3_column_int64(st, 5);
        int64_t listed = sqlite3_column_int64(st, 6);
        snprintf(key, sizeof key, "%s %s", sqlite3_column_text(st, 1), sqlite3_column_text(st, 2));
        n++;
        if (json_object_get(days, key))
            soak_violation("digest seq %lld: a second one for %s", (long long)seq, key);
        json_object_set_new(days, key, json_true());
        if (count != marked || items != (count < 100 ? count : 100) || listed != items)
            soak_violation("digest seq %lld (%s): count %lld, %lld items (%lld of them its own), "
                           "%lld notifications marked with it",
                           (long long)seq, key, (long long)count, (long long)items,
                           (long long)listed, (long long)marked);
    }
    sqlite3_finalize(st);
    json_decref(days);
    int left =
        it_sql_int(db, "SELECT count(*) FROM notifications WHERE username = '" SOAK_DIGEST_USER
                       "' AND digest_seq IS NULL AND read_at IS NULL AND seq < (SELECT max(seq)"
                       " FROM changes WHERE event = 'notification.digest')");
    if (left != 0)
        soak_violation("%d notifications of " SOAK_DIGEST_USER " older than its last digest are in "
                       "none",
                       left);
    return n;
}

/* Every alert in the change log, against the rules and, for the still
 * contracts, against what their creates predict.  Returns the alerts. */
long soak_calendar_check(sqlite3 *db)
{
    sqlite3_stmt *st = NULL, *row = NULL;
    long alerts = 0;
    int64_t last = server_day();
    struct expect *x = calloc((size_t)(soak.ncal ? soak.ncal : 1), sizeof *x);
    json_t *still = json_object(); /* id -> 1 + index of a still contract */

    for (int i = 0; i < soak.ncal; i++)
        if (soak.cal[i].still && !soak.cal[i].uncertain) {
            predict(&soak.cal[i], last, &x[i]);
            json_object_set_new(still, soak.cal[i].id, json_integer(i + 1));
        }
    /* (contract, event, threshold, target) once: the log has no such rule of
     * its own, expiry_alerts does */
    if (sqlite3_prepare_v2(db,
                           "SELECT seq, event, entity_id, created_at, payload FROM changes"
                           " WHERE event IN ('contract.expiring', 'contract.notice_due',"
                           " 'contract.expired', 'contract.renewed') ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "SELECT count(*) FROM expiry_alerts WHERE seq = ?1 AND contract_id = ?2"
                           " AND kind = substr(?3, 10) AND threshold = ?4 AND due_date = ?5",
                           -1, &row, NULL) != SQLITE_OK) {
        soak_violation("the change log: %s", sqlite3_errmsg(db));
        goto out;
    }
    json_t *keys = json_object();
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(st, 0), due, target;
        const char *event = (const char *)sqlite3_column_text(st, 1);
        const char *entity = (const char *)sqlite3_column_text(st, 2);
        json_t *data = json_loads((const char *)sqlite3_column_text(st, 4), 0, NULL);
        char key[160];
        alerts++;
        if (!data || check_alert(db, seq, event, (const char *)sqlite3_column_text(st, 3), data,
                                 &due, &target) != 0) {
            json_decref(data);
            continue;
        }
        int threshold = (int)it_int(data, "threshold");
        snprintf(key, sizeof key, "%s %s %d %lld", entity, event, threshold, (long long)target);
        if (json_object_get(keys, key))
            soak_violation("%s: %s threshold %d for the same date twice (seq %lld and %lld)",
                           it_str(json_object_get(data, "contract"), "number"), event, threshold,
                           (long long)json_integer_value(json_object_get(keys, key)),
                           (long long)seq);
        json_object_set_new(keys, key, json_integer(seq));
        sqlite3_bind_int64(row, 1, seq);
        sqlite3_bind_text(row, 2, entity, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(row, 3, event, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(row, 4, threshold);
        sqlite3_bind_text(row, 5, it_str(data, "due_date"), -1, SQLITE_TRANSIENT);
        if (sqlite3_step(row) != SQLITE_ROW || sqlite3_column_int(row, 0) != 1)
            soak_violation("%s: alert seq %lld has no expiry_alerts row of its own", entity,
                           (long long)seq);
        sqlite3_reset(row);
        int i = json_integer_value(json_object_get(still, entity)) - 1;
        if (i >= 0 && !predicted(&x[i], event, threshold, due))
            soak_violation("%s: %s threshold %d due %s, which its create does not call for",
                           soak.cal[i].number, event, threshold, it_str(data, "due_date"));
        json_decref(data);
    }
    json_decref(keys);
    atomic_store(&soak.n.digests, check_digests(db));
    for (int i = 0; i < soak.ncal; i++)
        for (int j = 0; j < x[i].n; j++) {
            char due[11], created[11], end[11];
            atomic_fetch_add(&soak.n.predicted, !x[i].items[j].optional);
            if (x[i].items[j].seen || x[i].items[j].optional)
                continue;
            srv_date_format(x[i].items[j].due, due);
            srv_date_format(soak.cal[i].created_day, created);
            srv_date_format(soak.cal[i].end_day, end);
            soak_violation("%s (created on %s, end %s): %s threshold %d due %s never came",
                           soak.cal[i].number, created, end, x[i].items[j].event,
                           x[i].items[j].threshold, due);
        }
out:
    sqlite3_finalize(st);
    sqlite3_finalize(row);
    json_decref(still);
    free(x);
    return alerts;
}
