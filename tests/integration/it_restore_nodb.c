/*
 * it_restore_nodb: the offline restore when the current database is
 * damaged or gone — the disaster it is for.
 *
 *  1. a damaged pacta.db: the restore refuses (its safety backup cannot be
 *     made) and says how to go on: move the file aside;
 *  2. moved aside, the restore runs, and its server.reset is still
 *     numbered above every seq clients were sent (PROTOCOL.md §7.2: "Seq
 *     numbers are never reused after a restore").  It used to be numbered
 *     right above the restored head, so the seqs after the backup were
 *     handed out again: a desk that had seen them resumed with its `since`,
 *     was accepted once the new log had grown past it, and replayed the new
 *     events onto its old data without ever seeing the reset.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "test.h"

static int restore(const char *file, const char *data_dir, const char *key_file, char **err)
{
    char *argv[] = {PACTACTL_BIN,     "backup",     "restore",        (char *)file, "--data-dir",
                    (char *)data_dir, "--key-file", (char *)key_file, NULL};
    return it_run(argv, NULL, 60000, NULL, err);
}

/* Overwrites the start of every page after the first: integrity_check and
 * most reads fail. */
static void damage(const char *db)
{
    FILE *f = fopen(db, "r+b");
    REQUIRE(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    char junk[64];
    memset(junk, 7, sizeof junk);
    for (long off = 4096 + 8; off + 64 < n; off += 4096) {
        fseek(f, off, SEEK_SET);
        fwrite(junk, 1, sizeof junk, f);
    }
    fclose(f);
}

int main(void)
{
    char key_file[600], file[1200], db[700], aside[800], path[800];
    char *err = NULL;
    it_setup("it_restore_nodb");
    snprintf(key_file, sizeof key_file, "%s", it_backup_key_file());
    const char *args[] = {"--backup-key-file", key_file, "--backup-time", "off", NULL};
    struct it_server *s = it_server_start(args);
    struct ctl_client *admin = it_login_admin(s);
    json_decref(it_contract_create(admin, NULL));
    json_t *made = it_call(admin, "backups.create", json_object(), NULL);
    REQUIRE(made);
    json_int_t restored_head = it_int(json_object_get(made, "backup"), "head_seq");
    snprintf(file, sizeof file, "%s/backups/%s", s->data_dir,
             it_str(json_object_get(made, "backup"), "file"));
    json_decref(made);
    for (int i = 0; i < 5; i++) /* seqs a desk saw after the backup */
        json_decref(it_contract_create(admin, NULL));
    json_t *sub = it_call(admin, "subscribe", json_object(), NULL);
    json_int_t seen = it_int(sub, "head");
    json_decref(sub);
    REQUIRE(seen >= restored_head + 5);
    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);

    /* 1. damaged: refused, with the way out */
    it_server_db_path(s, db, sizeof db);
    damage(db);
    int rc = restore(file, s->data_dir, key_file, &err);
    CHECKF(rc != 0 && strstr(err ? err : "", "move pacta.db"), "restore over a damaged db: %d %s",
           rc, err ? err : "");
    free(err);
    err = NULL;

    /* 2. moved aside: restored, the reset above what clients saw */
    snprintf(aside, sizeof aside, "%s.damaged", db);
    REQUIRE(rename(db, aside) == 0);
    snprintf(path, sizeof path, "%s-wal", db);
    unlink(path);
    snprintf(path, sizeof path, "%s-shm", db);
    unlink(path);
    rc = restore(file, s->data_dir, key_file, &err);
    CHECKF(rc == 0, "restore with no current db: %d %s", rc, err ? err : "");
    free(err);
    err = NULL;
    it_server_restart(s);
    admin = it_login_admin(s);
    for (int i = 0; i < 8; i++) /* the new log grows past what the desk saw */
        json_decref(it_contract_create(admin, NULL));
    ctl_client_close(admin);

    /* a desk that saw `seen` resumes: it must be told to reload */
    struct ctl_client *desk = it_login_admin(s);
    json_t *error = NULL;
    json_t *r = it_call(desk, "subscribe", json_pack("{s:I}", "since", seen), &error);
    json_t *first = r ? it_wait_event(desk, NULL, 5000, NULL) : NULL;
    const char *what = first ? it_str(first, "event") : error ? it_err_code(error) : "nothing";
    CHECKF((first && strcmp(what, "server.reset") == 0) ||
               (error && strcmp(it_err_field(error), "since") == 0),
           "a desk resuming at %lld after the restore got %s (seq %lld), not the reset",
           (long long)seen, what, first ? (long long)it_int(first, "seq") : 0LL);
    if (first && strcmp(what, "server.reset") == 0)
        CHECK(json_is_null(json_object_get(json_object_get(first, "data"), "previous_head")));
    json_decref(first);
    json_decref(r);
    json_decref(error);
    ctl_client_close(desk);
    CHECK(it_server_stop(s) == 0);
    return it_done(test_summary());
}
