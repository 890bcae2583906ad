/*
 * The writer's checkpoints between batches (db_writer.c checkpoint_between_batches):
 * the log starts over while writes go on; the write whose commit crossed
 * the mark is answered while the checkpoint still copies (it used to wait
 * for it inside its COMMIT); a checkpoint that fails loses nothing, is
 * not retried after every batch, and the next one works; and what was
 * written is in the database after a reopen.
 *
 * The checkpoint's writes are the only writes to the main database file
 * in WAL mode: pwrite64 on that file is where the test blocks or fails it.
 */
#include <errno.h>
#include <stdatomic.h>
#include <sys/stat.h>

#include "test_srv_db_util.h"

#define FRAMES 1000     /* db_writer.c CKPT_FRAMES */
#define PAGE_FRAME 4120 /* a frame: 24-byte header + a 4 KiB page */

typedef ssize_t (*pwrite64_fn)(int, const void *, size_t, off_t);
static pwrite64_fn real_pwrite64;
static atomic_int block_db, fail_db; /* what pwrite64 on the database does */
static atomic_int blocked, failed_writes;
static atomic_long db_ino;

static int is_db(int fd)
{
    struct stat st;
    return atomic_load(&db_ino) && fstat(fd, &st) == 0 && (long)st.st_ino == atomic_load(&db_ino);
}

static ssize_t test_pwrite64(int fd, const void *buf, size_t n, off_t off)
{
    if ((atomic_load(&block_db) || atomic_load(&fail_db)) && is_db(fd)) {
        if (atomic_load(&fail_db)) {
            atomic_fetch_add(&failed_writes, 1);
            errno = EIO;
            return -1;
        }
        atomic_store(&blocked, 1);
        while (atomic_load(&block_db))
            usleep(1000);
    }
    return real_pwrite64(fd, buf, n, off);
}

static long long wal_bytes(const struct tdb *t)
{
    char p[160];
    struct stat st;

    snprintf(p, sizeof p, "%s-wal", t->path);
    return stat(p, &st) == 0 ? (long long)st.st_size : -1;
}

static int created;

/* Submits a create; 1 when its done() ran within 5 s (the write is then
 * freed), 0 if not (it is still in flight). */
static int create_within(struct tdb *t)
{
    char number[32];
    int before = t_ncompleted;

    snprintf(number, sizeof number, "CK-%05d", created++);
    struct srv_write *w = srv_write_new(SRV_W_CONTRACT_CREATE, "admin",
                                        t_contract_args(number, "Checkpointed", "client"));
    w->done = t_on_done;
    REQUIRE(srv_db_submit(t->db, w) == 0);
    for (int ms = 0; ms < 5000 && t_ncompleted == before; ms++) {
        uv_run(&t->loop, UV_RUN_NOWAIT);
        if (t_ncompleted == before)
            usleep(1000);
    }
    if (t_ncompleted == before)
        return 0;
    w = t_completed[--t_ncompleted];
    CHECKF(w->code == PACTA_OK, "create: %s", w->err.message);
    srv_write_free(w);
    return 1;
}

/* n creates, one at a time; the -wal file's largest size meanwhile */
static long long create_n(struct tdb *t, int n)
{
    long long most = 0;

    for (int i = 0; i < n; i++) {
        REQUIRE(create_within(t));
        long long b = wal_bytes(t);
        if (b > most)
            most = b;
    }
    return most;
}

static struct srv_db_stats stats(struct tdb *t)
{
    struct srv_db_stats s;
    srv_db_get_stats(t->db, &s);
    return s;
}

static int count_contracts(const char *path)
{
    sqlite3 *c = NULL;
    sqlite3_stmt *st = NULL;
    int n = -1;

    REQUIRE(sqlite3_open_v2(path, &c, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    if (sqlite3_prepare_v2(c, "SELECT count(*) FROM contracts", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(c);
    return n;
}

int main(void)
{
    struct tdb t = {0};
    struct stat st;

    sqlite3_initialize();
    sqlite3_vfs *unix_vfs = sqlite3_vfs_find("unix");
    REQUIRE(unix_vfs && unix_vfs->xGetSystemCall && unix_vfs->xSetSystemCall);
    real_pwrite64 = (pwrite64_fn)unix_vfs->xGetSystemCall(unix_vfs, "pwrite64");
    REQUIRE(real_pwrite64);
    REQUIRE(unix_vfs->xSetSystemCall(unix_vfs, "pwrite64", (sqlite3_syscall_ptr)test_pwrite64) ==
            SQLITE_OK);
    t_open(&t);
    REQUIRE(stat(t.path, &st) == 0);
    atomic_store(&db_ino, (long)st.st_ino);

    /* 1. 600 creates (~25 frames each): the log starts over again and again */
    long long most = create_n(&t, 600);
    struct srv_db_stats s = stats(&t);
    printf("600 creates: %llu checkpoints, -wal at most %lld bytes\n",
           (unsigned long long)s.checkpoints, most);
    CHECK(s.checkpoints >= 5);
    CHECK(s.checkpoint_failures == 0);
    /* never started over, the log would hold every frame: ~60 MB */
    CHECKF(most < 3LL * FRAMES * PAGE_FRAME, "the -wal grew to %lld bytes", most);

    /* 2. the write whose commit crossed the mark is answered while the
     * checkpoint after it still copies (held here in its first write) */
    uint64_t before = s.checkpoints;
    atomic_store(&block_db, 1);
    int answered = 1;
    for (int i = 0; i < 200 && !atomic_load(&blocked); i++) {
        if (!(answered = create_within(&t)))
            break;
        /* past the mark (the writer's count, set before the answer was
         * handed over): its checkpoint is coming, let it reach the file */
        if (t.db->wal_frames >= FRAMES)
            for (int ms = 0; ms < 5000 && !atomic_load(&blocked); ms++)
                usleep(1000);
    }
    CHECKF(answered, "the write that crossed the mark waited for the checkpoint");
    CHECK(atomic_load(&blocked));
    CHECK(stats(&t).checkpoints == before); /* it is still running */
    atomic_store(&block_db, 0);
    if (!answered)
        for (int ms = 0; ms < 5000 && t_ncompleted == 0; ms++, usleep(1000))
            uv_run(&t.loop, UV_RUN_NOWAIT);
    while (t_ncompleted)
        srv_write_free(t_completed[--t_ncompleted]);
    for (int ms = 0; ms < 5000 && stats(&t).checkpoints == before; ms++)
        usleep(1000);
    CHECK(stats(&t).checkpoints == before + 1);

    /* 3. the checkpoint's writes fail: the writes go on, nothing is lost,
     * and it is tried once per 1,000 frames more, not after every batch */
    s = stats(&t);
    atomic_store(&fail_db, 1);
    create_n(&t, 200); /* ~5,000 frames */
    atomic_store(&fail_db, 0);
    struct srv_db_stats f = stats(&t);
    uint64_t failures = f.checkpoint_failures - s.checkpoint_failures;
    printf("while the database's writes failed: %d failed writes, %llu failed checkpoints\n",
           atomic_load(&failed_writes), (unsigned long long)failures);
    CHECK(atomic_load(&failed_writes) > 0);
    CHECK(failures >= 2 && failures <= 20); /* ~8,000 frames; ~175 without the spacing */
    most = create_n(&t, 200);
    s = stats(&t);
    CHECK(s.checkpoint_failures == f.checkpoint_failures);
    CHECK(s.checkpoints > f.checkpoints);

    /* 4. closed (the last checkpoint empties the log) and read back */
    t_close_db(&t);
    CHECK(wal_bytes(&t) <= 0);
    CHECK(count_contracts(t.path) == created);
    t_rmdir(&t);

    unix_vfs->xSetSystemCall(unix_vfs, "pwrite64", (sqlite3_syscall_ptr)real_pwrite64);
    return t_finish();
}
