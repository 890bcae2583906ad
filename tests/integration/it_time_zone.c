/*
 * it_time_zone: the server's date is the calendar day of its zone
 * (pactad --timezone, PROTOCOL.md §5, §6.10, §7.2), everywhere it is sent,
 * and its day timers behave on the days clocks change.
 *
 *  1. Europe/Bucharest (UTC+2 in March): at 00:30 local on 03-02 (22:30Z
 *     on 03-01) server.day says 2026-03-02, and subscribe's `today` is
 *     that day too — the day the derived members (days_left) are for.
 *  2. America/New_York, --alert-time 01:30, on 2026-11-01 (clocks go back
 *     from 02:00 EDT to 01:00 EST): at 01:10 EST (the second 01:10) the
 *     day's alert time has passed (at 01:30 EDT); the scheduler must sleep
 *     until the next day's, not wake every second for a full scan of the
 *     store (group-commit batches counted while the clock stands still).
 *  3. Europe/Bucharest, --alert-time 03:30, on 2026-10-25 (03:00-04:00
 *     happens twice): the same during the second 03:10.
 *  4. A --timezone that names no zone (a typo: Europe/Bucharset) is
 *     refused at start (exit 2, says why) — the C library takes it for UTC
 *     without a word, and every date and alert would be off by the offset;
 *     zone names and POSIX rules are accepted.
 *  5. A due day's 00:00 survives the timer's early wake-ups (it re-checks
 *     at least hourly): the timer stays armed for 00:00, not for the daily
 *     time (the debug log's "expiry timer" lines; the clock stands still
 *     before midnight, so the timer wakes "early" every time).
 *  6. The daily backup on a spring-forward day (--backup-time 02:30 in New
 *     York, 2026-03-08: 02:00-03:00 does not exist, so 02:30 is 03:30):
 *     one backup for the day, at 03:30, not one every tick from 03:00 on
 *     (the clock's reading had passed 02:30 while the moment was ahead).
 *  7. The day's digest when the day's alert time was passed while the
 *     server did not look (its clock jumped over it, or it was down): New
 *     York, --alert-time 01:30, 2026-11-01; the clock goes from 00:00 EDT
 *     to the second 01:10 (EST), after 01:30 EDT: that scan sends the
 *     digest (the timer is armed for the next day's 01:30 already).
 *  8. A due day whose midnight does not exist (America/Santiago,
 *     2026-09-06: 00:00 -04 is 01:00 -03): the timer is armed for the
 *     day's first moment, 01:00 -03 (04:00Z), not for 23:00 the day before.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "test.h"

static void clock_set(struct ctl_client *admin, const char *now)
{
    json_t *r = it_call(admin, "admin.clock.set", json_pack("{s:s}", "now", now), NULL);
    REQUIRE(r);
    json_decref(r);
}

static json_int_t batches(struct ctl_client *admin)
{
    json_t *r = it_call(admin, "admin.stats", NULL, NULL);
    REQUIRE(r);
    json_int_t n = it_int(r, "writer_batches");
    json_decref(r);
    return n;
}

static void test_day_in_zone(void)
{
    const char *args[] = {"--fake-now", "2026-03-01T20:00:00Z", "--timezone", "Europe/Bucharest",
                          NULL};
    struct it_server *s = it_server_start(args);
    struct ctl_client *admin = it_login_admin(s);
    json_t *sub = it_call(admin, "subscribe", json_object(), NULL);
    REQUIRE(sub);
    CHECK_STR(it_str(sub, "today"), "2026-03-01");
    json_decref(sub);
    json_t *k = it_contract_create(admin, json_pack("{s:s}", "end_date", "2026-03-12"));
    REQUIRE(k);
    CHECK(it_int(k, "days_left") == 11);

    /* 00:30 in Bucharest, still 03-01 in UTC */
    clock_set(admin, "2026-03-01T22:30:00Z");
    json_t *ev = it_wait_event(admin, "server.day", 5000, NULL);
    CHECK(ev != NULL);
    CHECK_STR(it_str(json_object_get(ev, "data"), "today"), "2026-03-02");
    json_decref(ev);
    json_t *got = it_contract_get(admin, it_str(k, "id"));
    CHECK(got && it_int(got, "days_left") == 10);
    json_decref(got);

    struct ctl_client *other = it_login_admin(s);
    sub = it_call(other, "subscribe", json_object(), NULL);
    REQUIRE(sub);
    CHECK_STR(it_str(sub, "today"), "2026-03-02");
    json_decref(sub);

    json_decref(k);
    ctl_client_close(other);
    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);
}

/* The clock stands at `now` (after the day's alert time, in the hour that
 * happens twice): over 3 s the server commits at most one batch. */
static void test_repeated_hour(const char *zone, const char *alert, const char *before,
                               const char *now)
{
    const char *args[] = {"--fake-now", before, "--timezone", zone, "--alert-time", alert, NULL};
    struct it_server *s = it_server_start(args);
    struct ctl_client *admin = it_login_admin(s);
    clock_set(admin, now);
    usleep(500 * 1000);
    json_int_t b0 = batches(admin);
    usleep(3000 * 1000);
    json_int_t b1 = batches(admin);
    CHECKF(b1 - b0 <= 1, "%s, alert %s, clock at %s: %lld batches in 3 s with nothing to do", zone,
           alert, now, (long long)(b1 - b0));
    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);
}

/* pactad with --timezone `zone` and no certificate: 2 when the options are
 * refused, 1 when they pass (and the missing certificate stops it). */
static int start_with_zone(const char *zone, char **err)
{
    char data[600];
    snprintf(data, sizeof data, "%s/never-made", it_tmp_dir());
    char *argv[] = {PACTAD_BIN,
                    "--data-dir",
                    data,
                    "--listen",
                    "127.0.0.1:1",
                    "--cert",
                    "/nonexistent/server.pem",
                    "--key",
                    "/nonexistent/server.key",
                    "--timezone",
                    (char *)zone,
                    NULL};
    return it_run(argv, NULL, 10000, NULL, err);
}

static void test_unknown_zone(void)
{
    static const char *const bad[] = {"Europe/Bucharset", "Bucharest", "+03", NULL};
    for (int i = 0; bad[i]; i++) {
        char *err = NULL;
        int rc = start_with_zone(bad[i], &err);
        CHECKF(rc == 2 && err && strstr(err, "--timezone") && strstr(err, bad[i]),
               "--timezone %s: exit %d: %s", bad[i], rc, err ? err : "");
        free(err);
    }
    static const char *const good[] = {
        "Europe/Bucharest",  "UTC", "EET-2EEST,M3.5.0/3,M10.5.0/4", "<+03>-3",
        ":America/New_York", NULL};
    for (int i = 0; good[i]; i++) {
        char *err = NULL;
        int rc = start_with_zone(good[i], &err);
        CHECKF(rc == 1, "--timezone %s: exit %d: %s", good[i], rc, err ? err : "");
        free(err);
    }
}

/* The wake moment of the last "expiry timer" line of the server's log. */
static void last_wake(const struct it_server *s, char out[32])
{
    char *log = it_read_file(s->log_path);
    const char *p = log, *hit = NULL;
    out[0] = '\0';
    while (p && (p = strstr(p, "\"msg\":\"expiry timer\"")) != NULL)
        hit = p++;
    const char *w = hit ? strstr(hit, "\"wake\":\"") : NULL;
    if (w)
        snprintf(out, 32, "%.24s", w + 8);
    free(log);
}

static void test_due_midnight(void)
{
    char wake[32];
    const char *args[] = {"--fake-now", "2026-05-01T12:00:00Z", "--log-level", "debug", NULL};
    struct it_server *s = it_server_start(args);
    struct ctl_client *admin = it_login_admin(s);
    /* the 7-day threshold falls due on 05-03 */
    json_t *k = it_contract_create(
        admin, json_pack("{s:s, s:s}", "status", "active", "end_date", "2026-05-10"));
    REQUIRE(k);
    clock_set(admin, "2026-05-02T23:59:58Z");
    last_wake(s, wake);
    CHECK_STR(wake, "2026-05-03T00:00:00.000Z");
    usleep(3500 * 1000); /* the timer wakes, and the clock still says 23:59:58 */
    last_wake(s, wake);
    CHECK_STR(wake, "2026-05-03T00:00:00.000Z");
    json_decref(k);
    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);
}

static size_t backups_made(struct ctl_client *c)
{
    json_t *r = it_call(c, "backups.list", json_object(), NULL);
    REQUIRE(r);
    size_t n = json_array_size(json_object_get(r, "items"));
    json_decref(r);
    return n;
}

/* Waits up to 3 s for n backups, then 1.5 s more for any extra one. */
static size_t backups_settle(struct ctl_client *c, size_t n)
{
    int64_t deadline = it_now_ms() + 3000;
    while (backups_made(c) < n && it_now_ms() < deadline)
        usleep(100 * 1000);
    usleep(1500 * 1000);
    return backups_made(c);
}

static void test_backup_spring_forward(void)
{
    const char *args[] = {"--fake-now",        "2026-03-08T06:00:00Z", "--timezone",
                          "America/New_York",  "--backup-time",        "02:30",
                          "--backup-key-file", it_backup_key_file(),   NULL};
    struct it_server *s = it_server_start(args);
    struct ctl_client *admin = it_login_admin(s);
    /* 01:00 EST: the first start backs up at once (yesterday's time passed) */
    CHECK(backups_settle(admin, 1) == 1);
    /* 03:10 EDT: today's 02:30 does not exist; it is 03:30, still ahead */
    clock_set(admin, "2026-03-08T07:10:00Z");
    size_t n = backups_settle(admin, 2);
    CHECKF(n == 1, "%zu backups on 2026-03-08 by 03:10 EDT, want 1 (the one at start)", n);
    /* 03:40 EDT: the day's backup, once */
    clock_set(admin, "2026-03-08T07:40:00Z");
    n = backups_settle(admin, 2);
    CHECKF(n == 2, "%zu backups on 2026-03-08 by 03:40 EDT, want 2 (one at start, one for the day)",
           n);
    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);
}

static void test_digest_repeated_hour(void)
{
    const char *args[] = {"--fake-now",
                          "2026-11-01T04:00:00Z",
                          "--timezone",
                          "America/New_York",
                          "--alert-time",
                          "01:30",
                          "--session-ttl",
                          "31536000",
                          NULL};
    struct it_server *s = it_server_start(args);
    struct ctl_client *admin = it_login_admin(s);
    REQUIRE(it_user_create(admin, "ed", IT_EDITOR_PASSWORD, "editor") == 0);
    struct ctl_client *ed = it_login(s, "ed", IT_EDITOR_PASSWORD);
    json_decref(it_call(ed, "users.preferences", json_pack("{s:b}", "digest", 1), NULL));
    json_decref(it_call(admin, "subscribe", json_object(), NULL));
    /* 30 days before its end: ed's alert is raised today, at 00:00 EDT */
    json_t *k = it_contract_create(admin, json_pack("{s:s, s:s, s:s}", "status", "active",
                                                    "end_date", "2026-12-01", "owner", "ed"));
    REQUIRE(k);
    json_t *ev = it_wait_event(admin, "contract.expiring", 5000, NULL);
    CHECK(ev != NULL);
    json_decref(ev);
    /* the second 01:10, an hour after the first (01:30 EDT passed) */
    clock_set(admin, "2026-11-01T06:10:00Z");
    ev = it_wait_event(admin, "notification.digest", 3000, NULL);
    CHECKF(ev != NULL, "no digest on 2026-11-01 after its alert time (01:30 EDT) passed");
    if (ev)
        CHECK_STR(it_str(json_object_get(ev, "data"), "date"), "2026-11-01");
    json_decref(ev);
    json_decref(k);
    ctl_client_close(ed);
    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);
}

static void test_midnight_gap(void)
{
    char wake[32];
    const char *args[] = {"--fake-now",  "2026-09-01T12:00:00Z",
                          "--timezone",  "America/Santiago",
                          "--log-level", "debug",
                          NULL};
    struct it_server *s = it_server_start(args);
    struct ctl_client *admin = it_login_admin(s);
    /* the 7-day threshold falls due on 09-06 */
    json_t *k = it_contract_create(
        admin, json_pack("{s:s, s:s}", "status", "active", "end_date", "2026-09-13"));
    REQUIRE(k);
    clock_set(admin, "2026-09-06T03:59:00Z"); /* 23:59 -04 on 09-05 */
    last_wake(s, wake);
    CHECK_STR(wake, "2026-09-06T04:00:00.000Z");
    json_decref(k);
    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);
}

int main(void)
{
    it_setup("it_time_zone");
    test_day_in_zone();
    /* 01:30 EDT (05:30Z) passed; 06:10Z is the second 01:10, EST */
    test_repeated_hour("America/New_York", "01:30", "2026-11-01T05:40:00Z", "2026-11-01T06:10:00Z");
    /* 03:30 EEST (00:30Z) passed; 01:10Z is the second 03:10, EET */
    test_repeated_hour("Europe/Bucharest", "03:30", "2026-10-25T00:40:00Z", "2026-10-25T01:10:00Z");
    test_unknown_zone();
    test_due_midnight();
    test_backup_spring_forward();
    test_digest_repeated_hour();
    test_midnight_gap();
    return it_done(test_summary());
}
