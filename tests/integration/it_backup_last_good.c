/*
 * it_backup_last_good: a backup found damaged stops being "the last good
 * backup" at once — in admin.stats (`last_backup_at`, PROTOCOL.md: the
 * newest good backup), /metrics (pacta_last_backup_timestamp_seconds) and
 * backups.list's `last_ok_at` — not only after a restart.
 *
 * Backups A then B; B's file is damaged by hand and backups.verify finds
 * it failed.  The newest good backup is then A, as a restarted server
 * also says.  Before, the server went on reporting B (so /readyz and
 * monitoring were content with a backup that cannot be restored).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pacta/protocol.h>

#include "harness.h"
#include "test.h"

static int64_t ms_of(const json_t *v)
{
    int64_t ms = -1;
    if (!json_is_string(v) || pacta_parse_timestamp(json_string_value(v), &ms) != 0)
        return -1;
    return ms;
}

/* The newest good backup's time as stats, list and metrics give it. */
static void check_last(struct it_server *s, struct ctl_client *admin, int64_t want,
                       const char *when)
{
    json_t *st = it_call(admin, "admin.stats", json_object(), NULL);
    int64_t stats_ms = st ? ms_of(json_object_get(st, "last_backup_at")) : -2;
    json_decref(st);
    json_t *list = it_call(admin, "backups.list", json_object(), NULL);
    int64_t list_ms = list ? ms_of(json_object_get(list, "last_ok_at")) : -2;
    json_decref(list);
    long metric = it_metric(s, "pacta_last_backup_timestamp_seconds");
    CHECKF(stats_ms == want, "%s: admin.stats last_backup_at %lld, want %lld", when,
           (long long)stats_ms, (long long)want);
    CHECKF(list_ms == want, "%s: backups.list last_ok_at %lld, want %lld", when, (long long)list_ms,
           (long long)want);
    CHECKF(metric == (long)(want / 1000), "%s: metric %ld, want %lld", when, metric,
           (long long)(want / 1000));
}

static json_t *create(struct ctl_client *admin)
{
    json_t *made = it_call(admin, "backups.create", json_object(), NULL);
    REQUIRE(made);
    json_t *b = json_incref(json_object_get(made, "backup"));
    json_decref(made);
    return b;
}

int main(void)
{
    char key_file[600], dir[600], path[1400];
    it_setup("it_backup_last_good");
    snprintf(key_file, sizeof key_file, "%s", it_backup_key_file());
    snprintf(dir, sizeof dir, "%s/backups", it_tmp_dir());
    const char *args[] = {
        "--backup-key-file", key_file, "--backup-time", "off", "--backup-dir", dir, NULL};
    struct it_server *s = it_server_start(args);
    struct ctl_client *admin = it_login_admin(s);

    json_t *a = create(admin);
    json_decref(it_contract_create(admin, NULL));
    usleep(1100 * 1000); /* B a second later: the metric has whole seconds */
    json_t *b = create(admin);
    int64_t a_ms = ms_of(json_object_get(a, "created_at")),
            b_ms = ms_of(json_object_get(b, "created_at"));
    REQUIRE(a_ms > 0 && b_ms / 1000 > a_ms / 1000);
    check_last(s, admin, b_ms, "after B");

    /* one byte of B's file changed */
    snprintf(path, sizeof path, "%s/%s", dir, it_str(b, "file"));
    FILE *f = fopen(path, "r+b");
    REQUIRE(f && fseek(f, it_int(b, "file_bytes") / 2, SEEK_SET) == 0);
    int c = fgetc(f);
    REQUIRE(c != EOF && fseek(f, -1, SEEK_CUR) == 0 && fputc(c ^ 0x55, f) != EOF);
    REQUIRE(fclose(f) == 0);
    json_t *e = it_call_err(admin, "backups.verify", json_pack("{s:I}", "id", it_int(b, "id")));
    CHECKF(e && strcmp(it_err_code(e), "bad_request") == 0, "verify of a damaged backup: %s",
           e ? it_err_code(e) : "ok");
    json_decref(e);
    check_last(s, admin, a_ms, "B found failed");

    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);
    /* (and a key file others can read is warned about at start) */
    char *log = it_read_file(s->log_path);
    CHECK(log && !strstr(log, "can be read by other users"));
    free(log);
    REQUIRE(chmod(key_file, 0644) == 0);
    it_server_restart(s);
    admin = it_login_admin(s);
    check_last(s, admin, a_ms, "after a restart");
    log = it_read_file(s->log_path);
    CHECKF(log && strstr(log, "\"msg\":\"the backup key file can be read by other users") &&
               strstr(log, "\"mode\":\"0644\""),
           "no warning about a key file of mode 0644");
    free(log);
    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);
    json_decref(a);
    json_decref(b);
    return it_done(test_summary());
}
