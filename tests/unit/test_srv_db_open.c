/*
 * Opening srv_db on a real SQLite file: migrations (an up-to-date file, one
 * from a newer pactad, a path that cannot be opened, the change log of an
 * older version), the admin bootstrap, and the readers' page cache.
 */
#include "db_short.h"
#include "test_srv_db_util.h"

static int user_version(struct tdb *t)
{
    sqlite3 *c = t_raw(t);
    sqlite3_stmt *st;
    int v = -1;

    sqlite3_prepare_v2(c, "PRAGMA user_version", -1, &st, NULL);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(c);
    return v;
}

static void test_migrations(void)
{
    struct tdb t = {0};
    char err[256] = "";
    json_t *rec;
    char id[37];

    t_open(&t);
    rec = t_create(&t, "admin", t_contract_args("M-1", "Kept", "client"));
    REQUIRE(rec);
    snprintf(id, sizeof(id), "%s", t_str(rec, "id"));
    json_decref(rec);
    t_close_db(&t);
    CHECK(user_version(&t) == srv__schema_latest());

    /* Reopening an up-to-date file runs nothing and keeps the data. */
    CHECK(t_open_at(&t, err, sizeof(err)) == 0);
    CHECK(t.generated == NULL);
    rec = t_get(&t, id);
    CHECK_STR(t_str(rec, "title"), "Kept");
    json_decref(rec);
    t_close_db(&t);
    CHECK(user_version(&t) == srv__schema_latest());

    /* A file from a newer pactad is refused, untouched. */
    sqlite3 *c = t_raw(&t);
    sqlite3_exec(c, "PRAGMA user_version = 99", NULL, NULL, NULL);
    sqlite3_close(c);
    CHECK(t_open_at(&t, err, sizeof(err)) < 0);
    CHECK(t.db == NULL);
    CHECKF(strstr(err, "newer") != NULL, "%s", err);
    CHECK(uv_loop_close(&t.loop) == 0);
    CHECK(user_version(&t) == 99);
    t_rmdir(&t);

    /* A path that cannot be opened. */
    snprintf(t.path, sizeof(t.path), "/nonexistent-dir/pacta.db");
    CHECK(t_open_at(&t, err, sizeof(err)) < 0);
    CHECK(uv_loop_close(&t.loop) == 0);
}

static int64_t raw_int(sqlite3 *c, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int64_t v = -1;

    REQUIRE(sqlite3_prepare_v2(c, sql, -1, &st, NULL) == SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

struct seqs {
    int64_t seq[16];
    int n;
};

static int collect_seq(void *ctx, int64_t seq, const char *event, const char *payload, size_t len)
{
    struct seqs *s = ctx;

    (void)event;
    (void)payload;
    (void)len;
    if (s->n < 16)
        s->seq[s->n++] = seq;
    return 0;
}

/* Migration 16 drops the change log's index by entity (a third of the
 * pages a batch of edits wrote, bench/RESULTS.md): a log written before it
 * keeps every row, replay still reads it by seq, and edits go on logging. */
static void test_change_log_index(void)
{
    struct tdb t = {0};
    char err[256] = "";
    sqlite3 *c;

    REQUIRE(srv_short_install(err, sizeof(err)) == 0);
    t_mkdir(&t);
    c = t_raw(&t);
    REQUIRE(srv__schema_migrate_to(c, 15, err, sizeof(err)) == 0);
    CHECK(raw_int(c, "SELECT count(*) FROM pragma_index_list('changes')"
                     " WHERE name = 'changes_entity'") == 1);
    for (int i = 0; i < 5; i++) {
        char sql[256];
        snprintf(sql, sizeof(sql),
                 "INSERT INTO changes (event, entity_id, version, actor, created_at, payload)"
                 " VALUES ('contract.updated', 'e%d', %d, 'admin', '2026-01-01', '{\"n\":%d}')",
                 i % 2, i + 1, i);
        CHECK(sqlite3_exec(c, sql, NULL, NULL, NULL) == SQLITE_OK);
    }
    sqlite3_close(c);

    setenv("PACTA_ADMIN_PASSWORD", "admin-secret", 1);
    REQUIRE(t_open_at(&t, err, sizeof(err)) == 0);
    json_t *rec = t_create(&t, "admin", t_contract_args("L-1", "Logged", "client"));
    REQUIRE(rec);
    CHECK(t_head(&t) == 6);

    sqlite3 *r = srv_db_reader_acquire(t.db);
    struct seqs s = {0};
    CHECK(srv_db_scan_changes(r, 2, 10, collect_seq, &s) == 0);
    CHECK(s.n == 4);
    for (int i = 0; i < s.n; i++)
        CHECK(s.seq[i] == 3 + i);
    /* replay's page reads the log by its rowid, as it did with the index */
    sqlite3_stmt *st = NULL;
    char plan[256] = "";
    REQUIRE(sqlite3_prepare_v2(r,
                               "EXPLAIN QUERY PLAN SELECT seq, event, payload FROM changes"
                               " WHERE seq > ? ORDER BY seq LIMIT ?",
                               -1, &st, NULL) == SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(plan, sizeof(plan), "%s", (const char *)sqlite3_column_text(st, 3));
    sqlite3_finalize(st);
    CHECKF(strstr(plan, "INTEGER PRIMARY KEY") != NULL, "%s", plan);
    srv_db_reader_release(t.db, r);
    json_decref(rec);
    t_close_db(&t);

    c = t_raw(&t);
    CHECK(raw_int(c, "SELECT count(*) FROM pragma_index_list('changes')") == 0);
    CHECK(raw_int(c, "SELECT count(*) FROM changes WHERE entity_id IN ('e0', 'e1')") == 5);
    CHECK(raw_int(c, "SELECT count(*) FROM changes WHERE event = 'contract.created'") == 1);
    sqlite3_close(c);
    t_rmdir(&t);
}

static void test_admin_bootstrap(void)
{
    struct tdb t = {0};
    struct srv_user u;
    char err[256] = "";
    sqlite3 *r;

    /* Without the environment: a generated password, reported once. */
    t_mkdir(&t);
    unsetenv("PACTA_ADMIN_PASSWORD");
    REQUIRE(t_open_at(&t, err, sizeof(err)) == 0);
    REQUIRE(t.generated != NULL);
    CHECK(strlen(t.generated) >= 16);
    r = srv_db_reader_acquire(t.db);
    CHECK(srv_db_read_user(r, "admin", &u) == 0);
    CHECK(u.role == PACTA_ROLE_ADMIN);
    CHECK(u.disabled == 0);
    CHECK(srv_auth_verify_password(u.password_hash, t.generated) == 1);
    CHECK(srv_auth_verify_password(u.password_hash, "admin-secret") == 0);
    srv_user_clear(&u);
    srv_db_reader_release(t.db, r);
    t_close_db(&t);
    REQUIRE(t_open_at(&t, err, sizeof(err)) == 0);
    CHECK(t.generated == NULL); /* admin exists: nothing generated */
    t_close(&t);

    /* From the environment. */
    t_mkdir(&t);
    setenv("PACTA_ADMIN_PASSWORD", "from-the-env", 1);
    REQUIRE(t_open_at(&t, err, sizeof(err)) == 0);
    CHECK(t.generated == NULL);
    r = srv_db_reader_acquire(t.db);
    CHECK(srv_db_read_user(r, "admin", &u) == 0);
    CHECK(srv_auth_verify_password(u.password_hash, "from-the-env") == 1);
    srv_user_clear(&u);
    srv_db_reader_release(t.db, r);
    t_close(&t);

    /* Too short a password in the environment is refused. */
    t_mkdir(&t);
    setenv("PACTA_ADMIN_PASSWORD", "short", 1);
    CHECK(t_open_at(&t, err, sizeof(err)) < 0);
    CHECKF(strstr(err, "PACTA_ADMIN_PASSWORD") != NULL, "%s", err);
    CHECK(uv_loop_close(&t.loop) == 0);
    t_rmdir(&t);
    setenv("PACTA_ADMIN_PASSWORD", "admin-secret", 1);

    /* Bad options. */
    struct srv_db_options o = {.path = NULL, .readers = 1};
    struct srv_db *db = NULL;
    CHECK(srv_db_open(&o, &t.loop, &db, NULL, err, sizeof(err)) < 0);
}

static int reader_cache_kib(struct srv_db *db)
{
    sqlite3 *r = srv_db_reader_acquire(db);
    sqlite3_stmt *st = NULL;
    int kib = 0;

    REQUIRE(sqlite3_prepare_v2(r, "PRAGMA cache_size", -1, &st, NULL) == SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        kib = -sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    srv_db_reader_release(db, r);
    return kib;
}

/* Every reader gets the page cache it is given, SRV_DB_READER_CACHE_MB
 * when none (SQLite's own 2 MiB made list pages re-read their index pages
 * from the OS). */
static void test_reader_cache(void)
{
    struct tdb t = {0};
    char err[256] = "";

    t_open(&t);
    CHECKF(reader_cache_kib(t.db) == SRV_DB_READER_CACHE_MB * 1024, "%d KiB",
           reader_cache_kib(t.db));
    t_close_db(&t);
    struct srv_db_options o = {
        .path = t.path, .readers = 2, .reader_cache_mb = 8, .session_ttl_sec = 3600};
    uv_loop_init(&t.loop);
    REQUIRE(srv_db_open(&o, &t.loop, &t.db, NULL, err, sizeof(err)) == 0);
    CHECK(reader_cache_kib(t.db) == 8 * 1024);
    CHECK(reader_cache_kib(t.db) == 8 * 1024); /* the other reader too */
    t_close(&t);
}

int main(void)
{
    test_migrations();
    test_change_log_index();
    test_admin_bootstrap();
    test_reader_cache();
    return t_finish();
}
