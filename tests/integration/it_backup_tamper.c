/*
 * it_backup_tamper: a damaged backup is refused, never restored (retention:
 * it_backup_retention).
 *
 *  1. a flipped byte, a truncated file, a wrong key and a backup from a
 *     newer schema are each refused with their own clear error by
 *     `pactactl backup verify FILE` and `backup restore FILE --data-dir`,
 *     and the data dir is left byte for byte as it was; online,
 *     backups.verify and backups.restore of a damaged file refuse it and
 *     the data is unchanged;
 *  2. the offline restore of a good file works, keeps a safety backup the
 *     server adopts at its next start, and refuses while pactad runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "backup.h"
#include "harness.h"
#include "test.h"

#define OTHER_KEY "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"

static char key_file[600], other_key_file[600];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    REQUIRE(f);
    fputs(text, f);
    fclose(f);
}

static void copy_file(const char *from, const char *to, long cut, long flip)
{
    size_t n;
    char *buf;
    FILE *f = fopen(from, "rb");
    REQUIRE(f);
    fseek(f, 0, SEEK_END);
    n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc(n);
    REQUIRE(fread(buf, 1, n, f) == n);
    fclose(f);
    REQUIRE(flip < (long)n && cut < (long)n); /* damage inside the file */
    if (flip >= 0)
        buf[flip] ^= 0x01;
    if (cut > 0)
        n = (size_t)cut;
    f = fopen(to, "wb");
    fwrite(buf, 1, n, f);
    fclose(f);
    free(buf);
}

/* Where a backup file's payload begins: after the magic, the manifest's
 * length and the manifest (backup_file.c read_header), which grows with
 * the schema (a table more, a key more): damage meant for the payload is
 * placed from here, not at a fixed offset. */
static long payload_at(const char *path)
{
    unsigned char head[12];
    FILE *f = fopen(path, "rb");
    REQUIRE(f);
    REQUIRE(fread(head, 1, sizeof head, f) == sizeof head);
    fclose(f);
    return 12 + ((long)head[8] << 24 | (long)head[9] << 16 | (long)head[10] << 8 | head[11]);
}

static int ctl(const char *k, char **err, const char *a1, const char *a2, const char *a3,
               const char *a4)
{
    char *argv[] = {PACTACTL_BIN, "backup",   (char *)a1, (char *)a2, "--key-file",
                    (char *)k,    (char *)a3, (char *)a4, NULL};
    int rc = it_run(argv, NULL, 30000, NULL, err);
    return rc;
}

/* FNV-1a of a whole file, as text: equal digests, equal files. */
static char *digest(const char *path)
{
    char *out = malloc(32);
    unsigned long long h = 1469598103934665603ULL;
    int ch;
    FILE *f = fopen(path, "rb");
    while (f && (ch = fgetc(f)) != EOF)
        h = (h ^ (unsigned char)ch) * 1099511628211ULL;
    if (f)
        fclose(f);
    snprintf(out, 32, "%llx", h);
    return out;
}

/* A backup of a database that says it has schema 99, made with the
 * server's own code and key: only the version is from the future. */
static void make_newer(const char *db_src, const char *dir, const char *name)
{
    char db[700], err[256];
    struct srv_backup_key k;
    json_t *facts = NULL;
    uint64_t bytes;
    snprintf(db, sizeof db, "%s/newer.db", dir);
    REQUIRE(srv_backup_snapshot(db_src, db, SRV_BACKUP_API, NULL, NULL, err, sizeof err) == 0);
    sqlite3 *d;
    REQUIRE(sqlite3_open(db, &d) == SQLITE_OK);
    REQUIRE(sqlite3_exec(d, "PRAGMA user_version = 99", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(d);
    REQUIRE(srv_backup_key_load(key_file, &k, err, sizeof err) == 0);
    REQUIRE(srv_backup_inspect(db, &facts, NULL, NULL, err, sizeof err) == 0);
    json_object_set_new(facts, "created_at", json_string("2026-01-01T00:00:00.000Z"));
    json_object_set_new(facts, "kind", json_string("manual"));
    REQUIRE(srv_backup_pack(db, dir, name, facts, &k, NULL, NULL, &bytes, err, sizeof err) == 0);
    json_decref(facts);
    unlink(db);
}

/* A good backup of db_src in dir, sealed with the other key. */
static void make_foreign(const char *db_src, const char *dir)
{
    char db[900], err[256];
    struct srv_backup_key k;
    json_t *facts = NULL;
    uint64_t bytes;
    snprintf(db, sizeof db, "%s/foreign.db", it_tmp_dir());
    REQUIRE(srv_backup_snapshot(db_src, db, SRV_BACKUP_API, NULL, NULL, err, sizeof err) == 0);
    REQUIRE(srv_backup_key_load(other_key_file, &k, err, sizeof err) == 0);
    REQUIRE(srv_backup_inspect(db, &facts, NULL, NULL, err, sizeof err) == 0);
    json_object_set_new(facts, "created_at", json_string("2026-01-01T00:00:00.000Z"));
    json_object_set_new(facts, "kind", json_string("manual"));
    REQUIRE(srv_backup_pack(db, dir, "pacta-20260101-000000-000-manual.pbk", facts, &k, NULL, NULL,
                            &bytes, err, sizeof err) == 0);
    json_decref(facts);
    unlink(db);
}

static void test_tamper(void)
{
    const char *args[] = {"--backup-key-file", key_file, "--backup-time", "off", NULL};
    struct it_server *s = it_server_start(args);
    struct ctl_client *admin = it_login_admin(s);
    char good[900], path[900], db[700], *err = NULL;
    for (int i = 0; i < 40; i++)
        json_decref(it_contract_create(admin, NULL));
    json_t *r = it_call(admin, "backups.create", json_object(), NULL);
    REQUIRE(r);
    json_int_t bid = it_int(json_object_get(r, "backup"), "id");
    json_int_t head = it_int(json_object_get(r, "backup"), "head_seq");
    snprintf(good, sizeof good, "%s/backups/%s", s->data_dir,
             it_str(json_object_get(r, "backup"), "file"));
    json_decref(r);
    json_t *extra = it_contract_create(admin, NULL); /* after the backup */
    REQUIRE(extra);

    /* online: a flipped byte in the catalogued file */
    char saved[900];
    snprintf(saved, sizeof saved, "%s/good.pbk", it_tmp_dir());
    copy_file(good, saved, 0, -1);
    long payload = payload_at(saved);
    copy_file(saved, good, 0, payload + 100);
    json_t *e = it_call_err(admin, "backups.verify", json_pack("{s:I}", "id", bid));
    CHECK_STR(it_err_code(e), "bad_request");
    CHECK(strstr(it_str(e, "message"), "authentication") != NULL);
    json_decref(e);
    e = it_call_err(admin, "backups.restore", json_pack("{s:I}", "id", bid));
    CHECK_STR(it_err_code(e), "bad_request");
    json_decref(e);
    json_t *still = it_contract_get(admin, it_str(extra, "id"));
    CHECK(still != NULL); /* nothing was restored */
    json_decref(still);
    json_t *bl = it_call(admin, "backups.list", json_object(), NULL);
    json_t *row = json_array_get(json_object_get(bl, "items"), 0);
    CHECK_STR(it_str(row, "status"), "failed");
    CHECK(json_array_size(json_object_get(bl, "items")) == 1); /* no safety backup either */
    json_decref(bl);
    copy_file(saved, good, 0, -1);
    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);

    /* offline: each damage refused with its own message; data dir unchanged */
    it_server_db_path(s, db, sizeof db);
    char *before = digest(db);
    struct {
        const char *name, *key, *want;
        long cut, flip;
    } cases[] = {
        {"flipped.pbk", key_file, "failed authentication", 0, payload + 1400},
        {"flipped-header.pbk", key_file, "", 0, 30},
        {"truncated.pbk", key_file, "truncated", payload + 900, -1},
        {"wrongkey.pbk", other_key_file, "different key", 0, -1},
        {"newer.pbk", key_file, "newer server", 0, -1},
    };
    make_newer(db, it_tmp_dir(), "newer.pbk");
    {
        /* a second file of the same name fails; the first stays as it was */
        char newer[900], *was;
        snprintf(newer, sizeof newer, "%s/newer.pbk", it_tmp_dir());
        was = digest(newer);
        struct srv_backup_key k;
        json_t *facts = json_pack("{s:s}", "created_at", "2026-01-01T00:00:00.000Z");
        uint64_t bytes;
        char e2[256];
        REQUIRE(srv_backup_key_load(key_file, &k, e2, sizeof e2) == 0);
        CHECK(srv_backup_pack(db, it_tmp_dir(), "newer.pbk", facts, &k, NULL, NULL, &bytes, e2,
                              sizeof e2) != 0);
        json_decref(facts);
        char *now = digest(newer);
        CHECK_STR(now, was);
        free(now);
        free(was);
    }
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", it_tmp_dir(), cases[i].name);
        if (strcmp(cases[i].name, "newer.pbk") != 0)
            copy_file(saved, path, cases[i].cut, cases[i].flip);
        int rc = ctl(cases[i].key, &err, "verify", path, NULL, NULL);
        CHECKF(rc != 0 && strstr(err ? err : "", cases[i].want), "verify %s: %d %s", cases[i].name,
               rc, err);
        free(err);
        err = NULL;
        rc = ctl(cases[i].key, &err, "restore", path, "--data-dir", s->data_dir);
        CHECKF(rc != 0 && strstr(err ? err : "", "nothing was changed"), "restore %s: %d %s",
               cases[i].name, rc, err);
        free(err);
        err = NULL;
        char *after = digest(db);
        CHECK_STR(after, before);
        free(after);
    }
    free(before);

    /* a good file restores offline, with a safety backup of what it replaced */
    CHECK(ctl(key_file, &err, "verify", saved, NULL, NULL) == 0);
    CHECKF(!strstr(err ? err : "", "can be read by other users"), "%s", err);
    free(err);
    err = NULL;
    /* a key file others can read: verified all the same, with a warning */
    REQUIRE(chmod(key_file, 0644) == 0);
    CHECK(ctl(key_file, &err, "verify", saved, NULL, NULL) == 0);
    CHECKF(strstr(err ? err : "", "can be read by other users (mode 0644)"), "%s",
           err ? err : "no warning");
    REQUIRE(chmod(key_file, 0600) == 0);
    free(err);
    err = NULL;
    CHECKF(ctl(key_file, &err, "restore", saved, "--data-dir", s->data_dir) == 0, "%s", err);
    free(err);
    err = NULL;
    /* a file sealed with another key (as a zeroed key would make) is not adopted */
    snprintf(path, sizeof path, "%s/backups", s->data_dir);
    make_foreign(db, path);
    it_server_restart(s);
    admin = it_login_admin(s);
    json_t *gone =
        it_call_err(admin, "contracts.get", json_pack("{s:s}", "id", it_str(extra, "id")));
    CHECK_STR(it_err_code(gone), "not_found");
    json_decref(gone);
    /* the offline restore logged a server.reset above the replaced head
     * (head + 1 was the contract made after the backup): no seq reused */
    json_decref(it_call(admin, "subscribe", json_pack("{s:I}", "since", head), NULL));
    json_t *reset = it_wait_event(admin, NULL, 5000, NULL);
    CHECKF(reset && strcmp(it_str(reset, "event"), "server.reset") == 0 &&
               it_int(reset, "seq") == head + 2,
           "after an offline restore: %s seq %lld, want server.reset at %lld",
           reset ? it_str(reset, "event") : "-", reset ? (long long)it_int(reset, "seq") : 0LL,
           (long long)head + 2);
    json_decref(reset);
    int64_t deadline = it_now_ms() + 5000;
    size_t n = 0;
    do {
        bl = it_call(admin, "backups.list", json_object(), NULL);
        n = json_array_size(json_object_get(bl, "items"));
        if (n < 2) {
            json_decref(bl);
            usleep(100 * 1000);
        }
    } while (n < 2 && it_now_ms() < deadline);
    CHECK(n == 2);
    int safety = 0;
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(bl, "items"), i, item) safety +=
        strcmp(it_str(item, "kind"), "safety") == 0;
    CHECK(safety == 1);
    /* ...and not while pactad runs */
    CHECK(ctl(key_file, &err, "restore", saved, "--data-dir", s->data_dir) == 2);
    CHECK(strstr(err ? err : "", "running") != NULL);
    free(err);
    err = NULL;
    json_decref(bl);
    json_decref(extra);
    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);
}

int main(void)
{
    it_setup("it_backup_tamper");
    snprintf(other_key_file, sizeof other_key_file, "%s/other.key", it_tmp_dir());
    snprintf(key_file, sizeof key_file, "%s", it_backup_key_file());
    write_file(other_key_file, OTHER_KEY "\n");
    test_tamper();
    return it_done(test_summary());
}
