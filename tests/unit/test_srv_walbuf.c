/*
 * The writer's VFS (server/db_walbuf.c) gathers WAL writes until a sync:
 * whatever a commit wrote must be in the files when the commit returns.
 * A connection through it (WAL, synchronous=FULL, as pactad's writer) and
 * a reader through the default VFS:
 *  - after every commit the reader sees it, and a copy of the .db and -wal
 *    files taken right then (what a crash would leave) opens with every
 *    committed row and passes integrity_check;
 *  - with synchronous=NORMAL (no sync at commit) the reader still sees
 *    every commit at once;
 *  - a transaction far larger than the buffer (4 MiB) and one whose pages
 *    spill from a 5-page cache (read back from the WAL before its commit)
 *    come out whole;
 *  - a TRUNCATE checkpoint empties the WAL with the data kept;
 *  - a commit whose frames cannot be written (the file size limit, EFBIG,
 *    as a full disk would) fails, with synchronous=NORMAL as with FULL,
 *    and the reader, the writer's next commits and a crash copy then see
 *    only what committed (with NORMAL there is no sync at commit: the
 *    failed write was only met at the wal-index barrier, whose error
 *    nobody sees, and the commit answered SQLITE_OK).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "db_walbuf.h"
#include "test.h"

static char dir[64], path[128];

static void exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    CHECKF(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
}

static long long one(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    long long v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static int ok_integrity(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    int ok = 0;
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        ok = strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
    sqlite3_finalize(st);
    return ok;
}

static int copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    char buf[65536];
    size_t n;
    int ok = in && out;
    while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0)
        ok = fwrite(buf, 1, n, out) == n;
    if (in)
        fclose(in);
    if (out)
        fclose(out);
    return ok;
}

/* What a crash right now would leave: the .db and -wal as they are; the
 * answer of `sql` there, or < 0 (integrity_check fails: -4). */
static long long in_crash_copy(const char *sql)
{
    char cdb[160], cwal[160], wal[160];
    snprintf(cdb, sizeof cdb, "%s/copy.db", dir);
    snprintf(cwal, sizeof cwal, "%s/copy.db-wal", dir);
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(cdb);
    unlink(cwal);
    char shm[160];
    snprintf(shm, sizeof shm, "%s/copy.db-shm", dir);
    unlink(shm);
    if (!copy_file(path, cdb) || !copy_file(wal, cwal))
        return -2;
    sqlite3 *c = NULL;
    long long n = -3;
    if (sqlite3_open(cdb, &c) == SQLITE_OK) {
        n = one(c, sql);
        if (!ok_integrity(c))
            n = -4;
    }
    sqlite3_close(c);
    return n;
}

static long long rows_in_crash_copy(void)
{
    return in_crash_copy("SELECT count(*) FROM t");
}

static long long file_size(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 ? (long long)st.st_size : -1;
}

static void limit_file_size(rlim_t n)
{
    struct rlimit rl;
    REQUIRE(getrlimit(RLIMIT_FSIZE, &rl) == 0);
    rl.rlim_cur = n;
    REQUIRE(setrlimit(RLIMIT_FSIZE, &rl) == 0);
}

/*
 * A commit of ~40 KiB of frames while the process may not write past the
 * WAL's current end + 1 KiB: it must fail, whatever the synchronous
 * setting, and leave nothing of itself visible or in a crash copy.  A
 * database of its own, so that no write but the WAL's meets the limit.
 */
static void failed_write(const char *sync)
{
    char fpath[160], fwal[170], sql[128];
    snprintf(fpath, sizeof fpath, "%s/f-%s.db", dir, sync);
    snprintf(fwal, sizeof fwal, "%s-wal", fpath);
    sqlite3 *w = NULL, *r = NULL;
    REQUIRE(sqlite3_open_v2(fpath, &w, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                            srv__walbuf_vfs()) == SQLITE_OK);
    exec(w, "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0");
    snprintf(sql, sizeof sql, "PRAGMA synchronous = %s", sync);
    exec(w, sql);
    exec(w, "CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB);"
            "INSERT INTO t (v) VALUES (randomblob(100))");
    REQUIRE(sqlite3_open_v2(fpath, &r, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    CHECK(one(r, "SELECT count(*) FROM t") == 1);

    long long wal_size = file_size(fwal);
    REQUIRE(wal_size > 0);
    limit_file_size((rlim_t)wal_size + 1024);
    int rc = sqlite3_exec(w, "INSERT INTO t (v) VALUES (randomblob(40000))", NULL, NULL, NULL);
    limit_file_size(RLIM_INFINITY);
    CHECKF(rc != SQLITE_OK,
           "synchronous=%s: a commit whose frames could not be written "
           "answered SQLITE_OK",
           sync);
    CHECKF(one(r, "SELECT count(*) FROM t") == 1,
           "synchronous=%s: the reader does not see exactly the first row", sync);

    /* the writer goes on; the next commits are whole, in the files too */
    exec(w, "INSERT INTO t (v) VALUES (randomblob(40000))");
    exec(w, "INSERT INTO t (v) VALUES (randomblob(300))");
    CHECK(one(r, "SELECT count(*) FROM t") == 3);
    CHECK(ok_integrity(r));
    char cdb[180], cwal[190];
    snprintf(cdb, sizeof cdb, "%s/fcopy-%s.db", dir, sync);
    snprintf(cwal, sizeof cwal, "%s-wal", cdb);
    REQUIRE(copy_file(fpath, cdb) && copy_file(fwal, cwal));
    sqlite3 *c = NULL;
    REQUIRE(sqlite3_open(cdb, &c) == SQLITE_OK);
    CHECKF(one(c, "SELECT count(*) FROM t") == 3 && ok_integrity(c),
           "synchronous=%s: the crash copy lacks a commit", sync);
    sqlite3_close(c);
    sqlite3_close(r);
    CHECK(sqlite3_close(w) == SQLITE_OK);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/pacta-walbuf-XXXXXX");
    REQUIRE(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/w.db", dir);
    const char *vfs = srv__walbuf_vfs();
    REQUIRE(vfs && strcmp(vfs, "pacta-walbuf") == 0);

    sqlite3 *w = NULL, *r = NULL;
    REQUIRE(sqlite3_open_v2(path, &w, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs) ==
            SQLITE_OK);
    char *name = NULL;
    CHECK(sqlite3_file_control(w, "main", SQLITE_FCNTL_VFSNAME, &name) == SQLITE_OK && name &&
          strstr(name, "pacta-walbuf"));
    sqlite3_free(name);
    exec(w, "PRAGMA journal_mode = WAL");
    exec(w, "PRAGMA synchronous = FULL");
    exec(w, "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT, v BLOB);"
            "CREATE INDEX t_k ON t(k)");
    REQUIRE(sqlite3_open_v2(path, &r, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);

    /* small commits: each visible to the reader and in a crash copy at once */
    long long rows = 0;
    int bad_reader = 0, bad_copy = 0;
    for (int i = 0; i < 120; i++) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "BEGIN; INSERT INTO t (k, v) VALUES (hex(randomblob(8)), randomblob(%d));"
                 "INSERT INTO t (k, v) VALUES ('k%d', zeroblob(%d)); COMMIT",
                 100 + i * 97, i, 5000 + i * 13);
        exec(w, sql);
        rows += 2;
        if (one(r, "SELECT count(*) FROM t") != rows)
            bad_reader++;
        if (i % 10 == 9 && rows_in_crash_copy() != rows)
            bad_copy++;
    }
    CHECKF(bad_reader == 0, "%d commits not seen by the reader", bad_reader);
    CHECKF(bad_copy == 0, "%d crash copies without every committed row", bad_copy);

    /* synchronous=NORMAL syncs no commit: the reader still sees each one (the
     * WAL is flushed at the wal-index barrier that publishes it) */
    exec(w, "PRAGMA synchronous = NORMAL");
    bad_reader = 0;
    for (int i = 0; i < 40; i++) {
        exec(w, "INSERT INTO t (k, v) VALUES (hex(randomblob(8)), randomblob(3000))");
        rows++;
        if (one(r, "SELECT count(*) FROM t") != rows)
            bad_reader++;
    }
    CHECKF(bad_reader == 0, "synchronous=NORMAL: %d commits not seen by the reader", bad_reader);
    exec(w, "PRAGMA synchronous = FULL");

    /* one transaction of ~12 MiB: past the buffer several times over */
    exec(w, "BEGIN");
    for (int i = 0; i < 3000; i++)
        exec(w, "INSERT INTO t (k, v) VALUES (hex(randomblob(16)), randomblob(4000))");
    exec(w, "COMMIT");
    rows += 3000;
    CHECK(one(r, "SELECT count(*) FROM t") == rows);
    CHECK(rows_in_crash_copy() == rows);

    /* pages spilled from a tiny cache and read back from the WAL before the commit */
    exec(w, "PRAGMA cache_size = 5");
    exec(w, "BEGIN; UPDATE t SET k = 'u' || id WHERE id % 3 = 0; "
            "UPDATE t SET k = k || 'x' WHERE id % 3 = 0; COMMIT");
    CHECK(one(r, "SELECT count(*) FROM t WHERE k = 'u' || id || 'x'") == rows / 3);
    CHECK(ok_integrity(w));
    CHECK(rows_in_crash_copy() == rows);
    /* the same with synchronous=NORMAL: the commit frame's header, which
     * walRewriteChecksums writes last, is in the file as the commit returns
     * (no checkpoint after the commit: its WAL sync would flush anyway) */
    long long moved = one(w, "SELECT count(*) FROM t WHERE id % 3 = 1");
    exec(w, "PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0");
    exec(w, "BEGIN; UPDATE t SET k = 'v' || id WHERE id % 3 = 1; "
            "UPDATE t SET k = k || 'y' WHERE id % 3 = 1; COMMIT");
    CHECK(moved > 0 && in_crash_copy("SELECT count(*) FROM t WHERE k = 'v' || id || 'y'") == moved);
    CHECK(one(r, "SELECT count(*) FROM t WHERE k = 'v' || id || 'y'") == moved);
    exec(w, "PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = 1000");

    /* a rolled-back transaction leaves nothing visible */
    exec(w, "BEGIN; DELETE FROM t; ROLLBACK");
    CHECK(one(r, "SELECT count(*) FROM t") == rows);

    /* the checkpoint reads the WAL back (flushed) and empties it */
    exec(w, "PRAGMA wal_checkpoint(TRUNCATE)");
    char wal[160];
    snprintf(wal, sizeof wal, "%s-wal", path);
    FILE *f = fopen(wal, "rb");
    long size = -1;
    if (f) {
        fseek(f, 0, SEEK_END);
        size = ftell(f);
        fclose(f);
    }
    CHECKF(size == 0, "WAL size after TRUNCATE: %ld", size);
    CHECK(one(r, "SELECT count(*) FROM t") == rows);
    CHECK(ok_integrity(r));

    sqlite3_close(r);
    CHECK(sqlite3_close(w) == SQLITE_OK);
    sqlite3 *again = NULL;
    REQUIRE(sqlite3_open(path, &again) == SQLITE_OK);
    CHECK(one(again, "SELECT count(*) FROM t") == rows && ok_integrity(again));
    sqlite3_close(again);

    /* the file size limit answers EFBIG (and SIGXFSZ, ignored here) */
    signal(SIGXFSZ, SIG_IGN);
    failed_write("NORMAL");
    failed_write("FULL");

    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (test_checks_failed == 0 && system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return test_summary();
}
