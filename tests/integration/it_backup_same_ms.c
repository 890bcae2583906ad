/*
 * it_backup_same_ms: two backups in the same millisecond are two backups.
 * File names go down to the millisecond and a packed file is published
 * with link(), which never replaces one: the second backup of a clock that
 * stepped back (or of a test server whose fake clock stands still) failed
 * with "cannot read or write the backup" (log: pack: link: File exists),
 * and a restore's safety backup with it.  Now the second is ...-2.pbk.
 *
 * With --fake-now and the clock never moved: two backups.create, both
 * listed with their own files, both verify; a restore makes its safety
 * backup (a third file); after a restart every file is still in the list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "test.h"

static json_t *create(struct ctl_client *admin)
{
    json_t *made = it_call(admin, "backups.create", json_object(), NULL);
    json_t *b = made ? json_incref(json_object_get(made, "backup")) : NULL;
    json_decref(made);
    return b;
}

static size_t listed(struct ctl_client *admin)
{
    json_t *list = it_call(admin, "backups.list", json_object(), NULL);
    size_t n = list ? json_array_size(json_object_get(list, "items")) : 0;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(list, "items"), i, it)
        CHECKF(strcmp(it_str(it, "status"), "ok") == 0, "%s: %s", it_str(it, "file"),
               it_str(it, "status"));
    json_decref(list);
    return n;
}

int main(void)
{
    char key_file[600];
    it_setup("it_backup_same_ms");
    snprintf(key_file, sizeof key_file, "%s", it_backup_key_file());
    const char *args[] = {"--fake-now", "2026-05-04T10:00:00Z", "--backup-key-file",
                          key_file,     "--backup-time",        "off",
                          NULL};
    struct it_server *s = it_server_start(args);
    struct ctl_client *admin = it_login_admin(s);

    json_t *a = create(admin);
    json_t *b = create(admin);
    CHECKF(a && b, "second backup in the same millisecond: %s", b ? "made" : "failed");
    if (a && b) {
        CHECK(strcmp(it_str(a, "file"), it_str(b, "file")) != 0);
        CHECK(strcmp(it_str(a, "created_at"), it_str(b, "created_at")) == 0);
        for (int i = 0; i < 2; i++) {
            json_t *ok = it_call(admin, "backups.verify",
                                 json_pack("{s:I}", "id", it_int(i ? b : a, "id")), NULL);
            CHECK(ok && json_is_true(json_object_get(ok, "ok")));
            json_decref(ok);
        }
        json_t *r =
            it_call(admin, "backups.restore", json_pack("{s:I}", "id", it_int(a, "id")), NULL);
        CHECKF(r && json_is_object(json_object_get(r, "safety_backup")),
               "restore in the same millisecond: %s", r ? "no safety backup" : "failed");
        json_decref(r);
    }
    CHECK(listed(admin) == 3);

    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);
    it_server_restart(s);
    admin = it_login_admin(s);
    CHECK(listed(admin) == 3);
    json_decref(a);
    json_decref(b);
    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);
    return it_done(test_summary());
}
