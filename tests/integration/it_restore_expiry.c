/*
 * it_restore_expiry: after an online restore, what fell due in the
 * restored data is handled at once, as at a start (docs/ARCHITECTURE.md:
 * "at start-up a full scan, which also fires what fell due while the server
 * was down, marked late").
 *
 * A contract ends on 2026-01-10; a backup is made on 01-01; the clock moves
 * to 01-12 and the contract expires.  Restoring the backup brings it back
 * active, its end passed: the scheduler must scan the restored data then,
 * not sleep until its next daily time (up to a day with wrong statuses and
 * no alerts).  The contract expires again, late, within seconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "test.h"

int main(void)
{
    char key_file[600];
    it_setup("it_restore_expiry");
    snprintf(key_file, sizeof key_file, "%s", it_backup_key_file());
    const char *args[] = {"--session-ttl",
                          "315360000",
                          "--fake-now",
                          "2026-01-01T09:00:00Z",
                          "--alert-time",
                          "08:00",
                          "--backup-key-file",
                          key_file,
                          "--backup-time",
                          "off",
                          "--backup-keep-days",
                          "365",
                          NULL};
    struct it_server *s = it_server_start(args);
    struct ctl_client *admin = it_login_admin(s);

    json_t *c = it_contract_create(admin, json_pack("{s:s, s:s, s:s}", "status", "active", "number",
                                                    "R-1", "end_date", "2026-01-10"));
    REQUIRE(c);
    json_t *made = it_call(admin, "backups.create", json_object(), NULL);
    REQUIRE(made);
    json_int_t backup_id = it_int(json_object_get(made, "backup"), "id");
    json_decref(made);

    json_decref(it_call(admin, "admin.clock.set",
                        json_pack("{s:s}", "now", "2026-01-12T09:00:00.000Z"), NULL));
    json_t *got = it_contract_get(admin, it_str(c, "id"));
    CHECK_STR(it_str(got, "status"), "expired");
    json_decref(got);

    json_t *res = it_call(admin, "backups.restore", json_pack("{s:I}", "id", backup_id), NULL);
    REQUIRE(res);
    json_decref(res);
    got = it_contract_get(admin, it_str(c, "id"));
    const char *status = got ? it_str(got, "status") : "-";
    printf("right after the restore: %s\n", status);
    int64_t deadline = it_now_ms() + (it_wrapped() ? 50000 : 5000);
    while (got && strcmp(it_str(got, "status"), "expired") != 0 && it_now_ms() < deadline) {
        json_decref(got);
        usleep(100 * 1000);
        got = it_contract_get(admin, it_str(c, "id"));
    }
    CHECKF(got && strcmp(it_str(got, "status"), "expired") == 0,
           "5 s after restoring a backup in which it is active with its end passed: %s",
           got ? it_str(got, "status") : "-");
    json_decref(got);
    json_decref(c);
    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);
    return it_done(test_summary());
}
