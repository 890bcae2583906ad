/*
 * it_backup_retention: retention never deletes the last backup known to
 * restore (README "Backups", PROTOCOL.md §6.28, docs/ARCHITECTURE.md).
 *
 *  0. --backup-keep-days 3: backups older than 3 days are deleted; a newest
 *     file deleted by hand shows "missing" and the newest good one is kept
 *     even when every backup is past 3 days;
 *  1. the newest backup damaged on disk and never verified is not relied
 *     on: retention reads it through before deleting anything, records it
 *     failed, and keeps the older good one that has aged out; once every
 *     backup has aged out, that good one is still there and verifies;
 *  2. retention never deletes the backup a verify or restore is reading:
 *     PACTA_TEST_BACKUP_HOLD_MS holds a retention pass between reading the
 *     catalog and deleting, and the verify or restore of an aged-out backup
 *     started meanwhile before it reads its backup (longer); both succeed,
 *     and the pass deletes the other aged-out backup.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "test.h"

static char key_file[600];

/* A server that keeps backups 3 days, its fake clock at 2026-03-01 03:00. */
static struct it_server *start_keeping_3_days(void)
{
    const char *args[] = {"--backup-key-file",
                          key_file,
                          "--backup-time",
                          "off",
                          "--backup-keep-days",
                          "3",
                          "--session-ttl",
                          "31536000",
                          "--fake-now",
                          "2026-03-01T03:00:00Z",
                          NULL};
    return it_server_start(args);
}

static json_int_t make_backup(struct ctl_client *c, const struct it_server *s, char *path, size_t n)
{
    json_t *r = it_call(c, "backups.create", json_object(), NULL);
    REQUIRE(r);
    json_t *b = json_object_get(r, "backup");
    json_int_t id = it_int(b, "id");
    if (path)
        snprintf(path, n, "%s/backups/%s", s->data_dir, it_str(b, "file"));
    json_decref(r);
    return id;
}

/* One byte of the sealed payload changed, as a bad disk would. */
static void damage(const char *path)
{
    FILE *f = fopen(path, "r+b");
    REQUIRE(f);
    REQUIRE(fseek(f, -40, SEEK_END) == 0);
    int ch = fgetc(f);
    REQUIRE(ch != EOF);
    REQUIRE(fseek(f, -40, SEEK_END) == 0);
    fputc(ch ^ 0x01, f);
    fclose(f);
}

static size_t wait_count(struct ctl_client *c, size_t want, json_t **list)
{
    int64_t deadline = it_now_ms() + 5000;
    size_t n;
    for (;;) {
        *list = it_call(c, "backups.list", json_object(), NULL);
        n = json_array_size(json_object_get(*list, "items"));
        if (n == want || it_now_ms() > deadline)
            return n;
        json_decref(*list);
        usleep(100 * 1000);
    }
}

/* 0. keep 3 days: the older ones go, whatever the count; a newest file
 * deleted by hand shows as missing and the newest good one is kept */
static void test_keep_days(void)
{
    struct it_server *s = start_keeping_3_days();
    struct ctl_client *admin = it_login_admin(s);
    json_t *list;
    char now[32], newest[900];
    for (int d = 1; d <= 6; d++) {
        snprintf(now, sizeof now, "2026-03-%02dT03:00:00Z", d);
        it_set_clock(admin, now);
        json_t *r = it_call(admin, "backups.create", json_object(), NULL);
        CHECK(r != NULL);
        if (d == 6)
            snprintf(newest, sizeof newest, "%s/backups/%s", s->data_dir,
                     it_str(json_object_get(r, "backup"), "file"));
        json_decref(r);
    }
    /* 6 days made, keep 3 days: 3rd (exactly 3 days old), 4th, 5th, 6th */
    CHECK(wait_count(admin, 4, &list) == 4);
    CHECK_STR(it_str(json_array_get(json_object_get(list, "items"), 3), "created_at"),
              "2026-03-03T03:00:00.000Z");
    json_decref(list);
    /* the newest file deleted by hand: it shows, and the newest good one is kept */
    CHECK(unlink(newest) == 0);
    list = it_call(admin, "backups.list", json_object(), NULL);
    CHECK_STR(it_str(json_array_get(json_object_get(list, "items"), 0), "status"), "missing");
    json_decref(list);
    it_set_clock(admin, "2026-03-20T03:00:00Z"); /* long past every backup */
    CHECK(wait_count(admin, 1, &list) == 1);
    CHECK_STR(it_str(json_array_get(json_object_get(list, "items"), 0), "created_at"),
              "2026-03-05T03:00:00.000Z");
    CHECK_STR(it_str(json_array_get(json_object_get(list, "items"), 0), "status"), "ok");
    json_decref(list);
    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);
}

static void test_damaged_newest(void)
{
    struct it_server *s = start_keeping_3_days();
    struct ctl_client *admin = it_login_admin(s);
    char newest[900];
    json_t *c = it_contract_create(admin, NULL);
    json_decref(c);
    json_int_t good = make_backup(admin, s, NULL, 0);
    it_set_clock(admin, "2026-03-02T03:00:00Z");
    json_int_t bad = make_backup(admin, s, newest, sizeof newest);
    damage(newest);

    /* the good one ages out, the damaged one is within keep_days */
    it_set_clock(admin, "2026-03-04T15:00:00Z");
    json_t *g = NULL, *b = NULL;
    int64_t deadline = it_now_ms() + IT_TIMEOUT_MS;
    for (;;) {
        g = it_backup_item(admin, good);
        b = it_backup_item(admin, bad);
        if (!g || (b && strcmp(it_str(b, "status"), "failed") == 0) || it_now_ms() > deadline)
            break;
        json_decref(g);
        json_decref(b);
        usleep(100 * 1000);
    }
    CHECKF(g != NULL, "%s", "the only good backup was deleted beside a damaged newest one");
    CHECKF(b && strcmp(it_str(b, "status"), "failed") == 0 &&
               strcmp(it_str(b, "verify_error"), "") != 0,
           "the damaged newest backup: status %s", b ? it_str(b, "status") : "gone");
    json_decref(g);
    json_decref(b);

    /* everything aged out: the damaged one goes, the good one stays */
    it_set_clock(admin, "2026-03-20T03:00:00Z");
    deadline = it_now_ms() + IT_TIMEOUT_MS;
    while ((b = it_backup_item(admin, bad)) && it_now_ms() < deadline) {
        json_decref(b);
        usleep(100 * 1000);
    }
    CHECKF(b == NULL, "%s", "the damaged backup was kept after it aged out");
    json_decref(b);
    g = it_backup_item(admin, good);
    CHECKF(g && strcmp(it_str(g, "status"), "ok") == 0, "the good backup: %s",
           g ? it_str(g, "status") : "gone");
    json_decref(g);
    json_t *v = it_call(admin, "backups.verify", json_pack("{s:I}", "id", good), NULL);
    CHECK(v && json_is_true(json_object_get(v, "ok")));
    json_decref(v);
    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);
}

/* The answer (new ref) to request `req` sent with send_op(), skipping
 * events; NULL on timeout. */
static json_t *answer_of(struct ctl_client *c, int req)
{
    for (;;) {
        char *msg = NULL;
        size_t len;
        if (ctl_ws_recv(ctl_client_ws(c), IT_TIMEOUT_MS * 2, &msg, &len) != 1)
            return NULL;
        json_t *m = json_loads(msg, 0, NULL);
        free(msg);
        if (m && !json_object_get(m, "event") && it_int(m, "id") == req)
            return m;
        json_decref(m);
    }
}

/* Sends op {"id": backup} without waiting for its answer. */
static void send_op(struct ctl_client *c, int req, const char *op, json_int_t backup)
{
    char buf[160];
    int n = snprintf(buf, sizeof buf, "{\"id\":%d,\"op\":\"%s\",\"args\":{\"id\":%lld}}", req, op,
                     (long long)backup);
    REQUIRE(ctl_ws_send_text(ctl_client_ws(c), buf, (size_t)n) == 0);
}

static void test_in_use(void)
{
    setenv("PACTA_TEST_BACKUP_HOLD_MS", "1500", 1);
    struct it_server *s = start_keeping_3_days();
    unsetenv("PACTA_TEST_BACKUP_HOLD_MS");
    struct ctl_client *admin = it_login_admin(s), *other = it_login_admin(s);
    json_decref(it_contract_create(admin, NULL));
    json_int_t a1 = make_backup(admin, s, NULL, 0);
    it_set_clock(admin, "2026-03-01T03:00:01Z"); /* a file name of its own */
    json_int_t a2 = make_backup(admin, s, NULL, 0);
    it_set_clock(admin, "2026-03-10T03:00:00Z");

    /* a backup starts the pass that ages a1 and a2 out; a1 is verified */
    make_backup(admin, s, NULL, 0);
    send_op(other, 41, "backups.verify", a1);
    json_t *m = answer_of(other, 41);
    CHECKF(m && json_is_true(json_object_get(m, "ok")),
           "verify of a backup retention aged out meanwhile: %s",
           m ? it_str(json_object_get(m, "error"), "message") : "no answer");
    json_decref(m);
    json_t *i1 = it_backup_item(admin, a1), *i2 = it_backup_item(admin, a2);
    CHECKF(i1 && i2 == NULL, "after the pass: a1 %s, a2 %s", i1 ? "kept" : "gone",
           i2 ? "kept" : "gone");
    json_decref(i1);
    json_decref(i2);

    /* the same with a restore (a second later: not an hourly pass) */
    it_set_clock(admin, "2026-03-10T03:00:01Z");
    make_backup(admin, s, NULL, 0);
    send_op(other, 42, "backups.restore", a1);
    m = answer_of(other, 42);
    CHECKF(m && json_is_true(json_object_get(m, "ok")),
           "restore of a backup retention aged out meanwhile: %s",
           m ? it_str(json_object_get(m, "error"), "message") : "no answer");
    json_decref(m);
    ctl_client_close(other);
    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);
}

int main(void)
{
    it_setup("it_backup_retention");
    snprintf(key_file, sizeof key_file, "%s", it_backup_key_file());
    test_keep_days();
    test_damaged_newest();
    test_in_use();
    return it_done(test_summary());
}
