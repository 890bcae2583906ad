/*
 * it_verify_nospace: a verification that could not run (the disk filled
 * while the backup was being decrypted into its scratch file) says so and
 * records nothing against the backup.
 *
 * PROTOCOL.md §6.28: "failed (its last verification failed: it will never
 * be restored)", and retention keeps only the newest backup that has not
 * failed.  A full disk on the server says nothing about the backup, so it
 * must not mark a good backup failed: that made it unrestorable (restore
 * refuses failed backups only after verifying again, but list said
 * "failed") and let retention delete it as not good once it aged out — on
 * a full disk, the very moment the newest good backup matters most.
 *
 * PACTA_TEST_BACKUP_ENOSPC_AT (backup_file.c) makes writes past 100,000
 * bytes of one output file fail with ENOSPC: the packed file (a few KB)
 * is made, the decrypted database (~280 KB) is not.  Then: verify and
 * restore answer unavailable, the backup stays "ok" with no verification
 * recorded; without the fault, verify passes.  PACTA_TEST_BACKUP_EIO_AT
 * (reads past an offset fail with EIO): the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "it_documents_util.h"
#include "test.h"

int main(void)
{
    char key_file[600];
    it_setup("it_verify_nospace");
    snprintf(key_file, sizeof key_file, "%s", it_backup_key_file());
    const char *args[] = {"--backup-key-file", key_file, "--backup-time", "off", NULL};
    setenv("PACTA_TEST_BACKUP_ENOSPC_AT", "100000", 1);
    struct it_server *s = it_server_start(args);
    unsetenv("PACTA_TEST_BACKUP_ENOSPC_AT");
    struct ctl_client *admin = it_login_admin(s);

    json_t *made = it_call(admin, "backups.create", json_object(), NULL);
    REQUIRE(made);
    json_t *b = json_object_get(made, "backup");
    json_int_t id = it_int(b, "id"), file_bytes = it_int(b, "file_bytes");
    REQUIRE(it_int(b, "file_bytes") < 100000 && it_int(b, "db_bytes") > 100000);
    json_decref(made);

    json_t *e = it_call_err(admin, "backups.verify", json_pack("{s:I}", "id", id));
    CHECKF(e && strcmp(it_err_code(e), "unavailable") == 0, "verify on a full disk: %s",
           e ? it_err_code(e) : "ok");
    json_decref(e);
    e = it_call_err(admin, "backups.restore", json_pack("{s:I}", "id", id));
    CHECKF(e && strcmp(it_err_code(e), "unavailable") == 0, "restore on a full disk: %s",
           e ? it_err_code(e) : "ok");
    json_decref(e);
    json_t *item = it_backup_item(admin, id);
    CHECKF(item && strcmp(it_str(item, "status"), "ok") == 0 &&
               json_is_null(json_object_get(item, "verified_ok")) &&
               json_is_null(json_object_get(item, "verify_error")),
           "after a verification the full disk stopped: status %s, verify_error %s",
           item ? it_str(item, "status") : "-",
           item ? json_string_value(json_object_get(item, "verify_error")) : "-");
    json_decref(item);
    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);

    /* with room again, the same backup verifies */
    it_server_restart(s);
    admin = it_login_admin(s);
    json_t *ok = it_call(admin, "backups.verify", json_pack("{s:I}", "id", id), NULL);
    CHECK(ok && json_is_true(json_object_get(ok, "ok")));
    json_decref(ok);
    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);

    /* a disk that fails to read the file's end (EIO): the check could not
     * run either, nothing is recorded (it said "truncated" and marked the
     * backup failed) */
    char at[32];
    snprintf(at, sizeof at, "%lld", (long long)(file_bytes - 8));
    setenv("PACTA_TEST_BACKUP_EIO_AT", at, 1);
    it_server_restart(s);
    unsetenv("PACTA_TEST_BACKUP_EIO_AT");
    admin = it_login_admin(s);
    e = it_call_err(admin, "backups.verify", json_pack("{s:I}", "id", id));
    CHECKF(e && strcmp(it_err_code(e), "unavailable") == 0, "verify on a failing disk: %s %s",
           e ? it_err_code(e) : "ok", e ? json_string_value(json_object_get(e, "message")) : "");
    json_decref(e);
    item = it_backup_item(admin, id);
    CHECKF(item && strcmp(it_str(item, "status"), "ok") == 0 &&
               json_is_true(json_object_get(item, "verified_ok")) &&
               json_is_null(json_object_get(item, "verify_error")),
           "after a read error: status %s, verify_error %s", item ? it_str(item, "status") : "-",
           item ? json_string_value(json_object_get(item, "verify_error")) : "-");
    json_decref(item);

    /* the same for a document's content (300 KB; the backup file is
     * smaller than the offset, so only the content's read fails) */
    json_t *k = it_contract_create(admin, NULL);
    uint8_t *png = doc_png_bytes(300000, 7);
    json_decref(doc_upload(admin, it_str(k, "id"), "scan.png", png, 300000));
    free(png);
    json_decref(k);
    made = it_call(admin, "backups.create", json_object(), NULL);
    REQUIRE(made);
    json_int_t id2 = it_int(json_object_get(made, "backup"), "id");
    REQUIRE(it_int(json_object_get(made, "backup"), "file_bytes") < 150000);
    json_decref(made);
    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);
    setenv("PACTA_TEST_BACKUP_EIO_AT", "150000", 1);
    it_server_restart(s);
    unsetenv("PACTA_TEST_BACKUP_EIO_AT");
    admin = it_login_admin(s);
    e = it_call_err(admin, "backups.verify", json_pack("{s:I}", "id", id2));
    CHECKF(e && strcmp(it_err_code(e), "unavailable") == 0,
           "verify, a document's content unreadable: %s %s", e ? it_err_code(e) : "ok",
           e ? json_string_value(json_object_get(e, "message")) : "");
    json_decref(e);
    item = it_backup_item(admin, id2);
    CHECKF(item && strcmp(it_str(item, "status"), "ok") == 0 &&
               json_is_null(json_object_get(item, "verify_error")),
           "after a content's read error: status %s, verify_error %s",
           item ? it_str(item, "status") : "-",
           item ? json_string_value(json_object_get(item, "verify_error")) : "-");
    json_decref(item);
    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);
    return it_done(test_summary());
}
