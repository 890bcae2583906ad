/*
 * it_resource_restart: pactad restarted while its data disk is full
 * starts, and serves reads; writes are refused with unavailable until
 * room is made, then succeed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "test.h"

static char big_text[10001];

static int create(struct ctl_client *c, int i, json_t **err)
{
    char number[64];
    snprintf(number, sizeof number, "FULL-%05d", i);
    json_t *r = it_call(c, "contracts.create",
                        json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "number", number, "title",
                                  "Disk full", "counterparty", "ACME", "kind", "client", "currency",
                                  "EUR", "description", big_text),
                        err);
    json_decref(r);
    return r != NULL;
}

int main(void)
{
    char data[640], filler[700];
    memset(big_text, 'x', sizeof big_text - 1);
    it_setup("it_resource_restart");
    snprintf(data, sizeof data, "%s/srv0", it_tmp_dir());
    if (it_mount_tmpfs(data, "24m") != 0)
        return it_skipped();
    struct it_server *s = it_server_start(NULL);
    it_create_role_users(s);
    struct ctl_client *ed = it_login(s, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    json_t *k = it_contract_create(ed, NULL);
    REQUIRE(k);
    it_fill_disk(data, 128 * 1024, filler, sizeof filler);
    int i = 0;
    json_t *err = NULL;
    while (i < 3000 && create(ed, i, &err))
        i++;
    fprintf(stderr, "made %d, then %s\n", i, it_err_code(err));
    json_decref(err);
    ctl_client_close(ed);
    int st = it_server_stop(s);
    fprintf(stderr, "stop on a full disk: %d\n", st);
    it_server_restart(s);
    ed = it_login(s, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    json_t *got = it_contract_get(ed, it_str(k, "id"));
    CHECK(got != NULL);
    json_decref(got);
    err = NULL;
    int ok = create(ed, 5000, &err);
    fprintf(stderr, "create after restart on a full disk: %s\n", ok ? "made" : it_err_code(err));
    json_decref(err);
    REQUIRE(unlink(filler) == 0);
    CHECK(create(ed, 5001, NULL));
    ctl_client_close(ed);
    CHECK(it_server_stop(s) == 0);
    json_decref(k);
    it_unmount_tmpfs();
    return it_done(test_summary());
}
