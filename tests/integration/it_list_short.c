/*
 * it_list_short: contracts.list `text` of one or two characters over wss,
 * read through contracts_short (schema_short.h), stays what LIKE says
 * through creates, edits, a soft delete, an online restore of a backup
 * taken before some of them (the index comes back with the rows it
 * describes), edits after the restore (the writer pactad reopened indexes
 * through the tokenizer too), a restart, and pactactl's offline restore.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "test.h"

/* The numbers `text` lists (sorted by number), joined by spaces. */
static void check_list(struct ctl_client *c, const char *text, const char *want)
{
    json_t *res =
        it_call(c, "contracts.list", json_pack("{s:s, s:i}", "text", text, "limit", 100), NULL);
    char got[512] = "";
    size_t i, o = 0;
    json_t *it;

    REQUIRE(res);
    json_array_foreach(json_object_get(res, "items"), i, it) o +=
        (size_t)snprintf(got + o, sizeof got - o, "%s%s", o ? " " : "", it_str(it, "number"));
    CHECKF(strcmp(got, want) == 0, "text \"%s\": got \"%s\", want \"%s\"", text, got, want);
    json_decref(res);
}

static json_t *update(struct ctl_client *c, json_t *rec, json_t *changes_steal)
{
    json_t *res = it_call(c, "contracts.update",
                          json_pack("{s:s, s:I, s:o}", "id", it_str(rec, "id"), "version",
                                    it_int(rec, "version"), "changes", changes_steal),
                          NULL);
    json_t *now = json_incref(json_object_get(res, "contract"));
    REQUIRE(now);
    json_decref(res);
    json_decref(rec);
    return now;
}

int main(void)
{
    char key_file[600], backup_path[1200];
    it_setup("it_list_short");
    snprintf(key_file, sizeof key_file, "%s", it_backup_key_file());
    const char *args[] = {"--backup-key-file", key_file, "--backup-time", "off", NULL};
    struct it_server *s = it_server_start(args);
    struct ctl_client *admin = it_login_admin(s);

    json_t *a = it_contract_create(admin, json_pack("{s:s, s:s, s:s}", "number", "S-1", "title",
                                                    "Zq lift", "counterparty", "Ølstad AS"));
    json_t *b = it_contract_create(admin, json_pack("{s:s, s:s, s:s}", "number", "S-2", "title",
                                                    "Office 50%", "counterparty", "Acme_Co"));
    REQUIRE(a && b);
    check_list(admin, "zq", "S-1");
    check_list(admin, "ZQ", "S-1");
    check_list(admin, "Ø", "S-1 S-2"); /* "o", as in "Office" */
    check_list(admin, "øL", "S-1");
    check_list(admin, "ol", "S-1");
    check_list(admin, "%", "S-2");
    check_list(admin, "_", "S-2");
    check_list(admin, "1Z", ""); /* "S-1" + "Zq lift": two columns */
    check_list(admin, "#", "");

    json_t *made = it_call(admin, "backups.create", json_object(), NULL);
    REQUIRE(made);
    json_int_t backup_id = it_int(json_object_get(made, "backup"), "id");
    snprintf(backup_path, sizeof backup_path, "%s/backups/%s", s->data_dir,
             it_str(json_object_get(made, "backup"), "file"));
    json_decref(made);

    /* after the backup: an edit, a new contract, a soft delete */
    a = update(admin, a, json_pack("{s:s}", "title", "Lift"));
    check_list(admin, "zq", "");
    json_t *c = it_contract_create(admin, json_pack("{s:s, s:s, s:s}", "number", "S-3", "title",
                                                    "Room #4", "counterparty", "Brite"));
    REQUIRE(c);
    check_list(admin, "#", "S-3");
    json_decref(it_call(
        admin, "contracts.delete",
        json_pack("{s:s, s:I}", "id", it_str(b, "id"), "version", it_int(b, "version")), NULL));
    check_list(admin, "%", "");

    /* the backup's rows, and its index with them */
    json_t *res = it_call(admin, "backups.restore", json_pack("{s:I}", "id", backup_id), NULL);
    REQUIRE(res);
    json_decref(res);
    ctl_client_close(admin);
    admin = it_login_admin(s);
    check_list(admin, "zq", "S-1");
    check_list(admin, "#", "");
    check_list(admin, "%", "S-2");

    /* the restored database's writer indexes new writes */
    json_decref(a);
    json_t *got = it_contract_get(admin, it_str(b, "id"));
    REQUIRE(got);
    got = update(admin, got, json_pack("{s:s}", "counterparty", "Ünal & Co"));
    check_list(admin, "Ü", "S-2");
    check_list(admin, "_", "");
    json_t *d = it_contract_create(
        admin, json_pack("{s:s, s:s, s:s}", "number", "S-4", "title", "Yx", "counterparty", "Z"));
    REQUIRE(d);
    check_list(admin, "yx", "S-4");

    /* a restart: the readers open with the tokenizer again */
    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);
    it_server_restart(s);
    admin = it_login_admin(s);
    check_list(admin, "yx", "S-4");
    check_list(admin, "Ü", "S-2");
    ctl_client_close(admin);

    /* pactactl's offline restore of the same backup, then a start: the
     * backup's rows and index again, and new writes indexed */
    CHECK(it_server_stop(s) == 0);
    char *argv[] = {PACTACTL_BIN, "backup",     "restore",   backup_path, "--key-file",
                    key_file,     "--data-dir", s->data_dir, NULL};
    char *err = NULL;
    CHECKF(it_run(argv, NULL, 60000, NULL, &err) == 0, "%s", err ? err : "");
    free(err);
    it_server_restart(s);
    admin = it_login_admin(s);
    check_list(admin, "yx", "");
    check_list(admin, "Ü", "");
    check_list(admin, "zq", "S-1");
    json_t *e = it_contract_create(
        admin, json_pack("{s:s, s:s, s:s}", "number", "S-5", "title", "Qj", "counterparty", "V"));
    REQUIRE(e);
    check_list(admin, "qJ", "S-5");
    json_decref(e);

    json_decref(got);
    json_decref(b);
    json_decref(c);
    json_decref(d);
    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);
    return it_done(test_summary());
}
