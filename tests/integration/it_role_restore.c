/*
 * it_role_restore: backups.restore replaces the whole database, after
 * verifying the backup (decrypting, decompressing, integrity_check: seconds
 * for a large one).  An admin who asked for it and is demoted to viewer
 * meanwhile (their role applies at once, PROTOCOL.md §3.7) must not have
 * the data replaced after the demotion was answered: the restore is
 * refused with `forbidden` and nothing changes.  The same restore by an
 * admin who stays one goes through (the test would pass vacuously if the
 * restore failed for another reason).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "test.h"

static void set_role(struct ctl_client *admin, const char *user, const char *role)
{
    json_t *r = it_call(admin, "users.update",
                        json_pack("{s:s,s:s}", "username", user, "role", role), NULL);
    CHECKF(r && strcmp(it_str(json_object_get(r, "user"), "role"), role) == 0, "%s -> %s", user,
           role);
    json_decref(r);
}

/* backups.restore of `id` as ad2 on a raw websocket; demoted to viewer
 * (when `demote`) once the request is taken in.  The answer (new ref). */
static json_t *restore_as_ad2(const struct it_server *srv, struct ctl_client *admin, json_int_t id,
                              int demote)
{
    struct ctl_ws *ws = it_ws_login(srv, IT_ADMIN2_USER, IT_ADMIN2_PASSWORD);
    it_ws_send(ws, 1, "backups.restore", json_pack("{s:I}", "id", id));
    it_ws_send(ws, 99, "ping", json_object());
    json_t *answer = NULL;
    for (int got = 0; got < 2;) {
        json_t *r = it_ws_response(ws);
        REQUIRE(r != NULL);
        got++;
        if (it_int(r, "id") == 99) {
            if (demote)
                set_role(admin, IT_ADMIN2_USER, "viewer");
        } else {
            answer = json_incref(r);
        }
        json_decref(r);
    }
    ctl_ws_close(ws, 1000);
    return answer;
}

static int count_contracts(struct ctl_client *c)
{
    json_t *r = it_call(c, "contracts.list", json_pack("{s:i}", "limit", 500), NULL);
    int n = (int)json_array_size(json_object_get(r, "items"));
    json_decref(r);
    return n;
}

int main(void)
{
    it_setup("it_role_restore");
    const char *args[] = {"--backup-key-file", it_backup_key_file(), "--backup-time", "off", NULL};
    struct it_server *srv = it_server_start(args);
    it_create_role_users(srv);
    struct ctl_client *admin = it_login_admin(srv);
    char db[600];
    it_server_db_path(srv, db, sizeof db);

    /* a backup with no contract, whose verification takes a while */
    json_t *b = it_backup_of_a_big_past(admin, db);
    json_int_t id = it_int(b, "id");
    json_decref(b);
    json_t *c = it_contract_create(admin, NULL);
    REQUIRE(c != NULL);
    json_decref(c);
    CHECK(count_contracts(admin) == 1);

    json_t *r = restore_as_ad2(srv, admin, id, 1);
    int done = json_is_true(json_object_get(r, "ok"));
    if (done && it_int(json_object_get(json_object_get(r, "result"), "restored"), "id") == id)
        printf("the restore went through after the demotion\n");
    CHECKF(!done && strcmp(it_err_code(json_object_get(r, "error")), "forbidden") == 0,
           "a demoted admin's restore: %s", r ? json_dumps(r, 0) : "no answer");
    json_decref(r);
    CHECKF(count_contracts(admin) == 1, "the data was replaced by a demoted admin's restore");

    /* an admin who stays one: the restore is done */
    set_role(admin, IT_ADMIN2_USER, "admin");
    r = restore_as_ad2(srv, admin, id, 0);
    CHECKF(json_is_true(json_object_get(r, "ok")), "restore: %s", r ? json_dumps(r, 0) : "none");
    json_decref(r);
    ctl_client_close(admin);
    admin = it_login_admin(srv);
    CHECK(count_contracts(admin) == 0);
    ctl_client_close(admin);
    return it_done(test_summary());
}
