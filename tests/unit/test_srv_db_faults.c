/*
 * A read error in the middle of a write must not leave part of it
 * committed.  SQLite answers an I/O error (or out-of-memory) in a statement
 * that has no statement journal -- any SELECT -- by rolling back the whole
 * transaction; a write that went on after such an error ran its next
 * statements outside any transaction, each committed at once.
 *
 * The unix VFS's pread64 is replaced (xSetSystemCall) by one that fails with
 * EIO on its Nth call once armed, and the writer's page cache is made tiny,
 * so reads reach the file.  For every N until the write runs through, an
 * expiry scan that fires an alert and expires a contract is run with the
 * fault, then once more without: whatever the fault did, a failed write
 * left nothing behind (no changes row, no alert, no status change), and
 * each alert exists exactly once at the end.
 */
#include <errno.h>
#include <stdatomic.h>
#include <sys/types.h>
#include <unistd.h>

#include "test_srv_db_util.h"

typedef ssize_t (*pread64_fn)(int, void *, size_t, off_t);
static pread64_fn real_pread64;
static atomic_int fault_in = 0; /* > 0: the pread64 that brings it to 0 fails */
static atomic_int fault_hit;

static ssize_t faulty_pread64(int fd, void *buf, size_t n, off_t off)
{
    if (atomic_load(&fault_in) > 0 && atomic_fetch_sub(&fault_in, 1) == 1) {
        atomic_store(&fault_hit, 1);
        errno = EIO;
        return -1;
    }
    return real_pread64(fd, buf, n, off);
}

static json_t *scan_args(const char *today)
{
    return json_pack("{s:s, s:[i], s:b, s:I, s:i, s:b}", "today", today, "thresholds", 7, "full", 1,
                     "after", (json_int_t)0, "step", 100, "digest", 1);
}

/* 1 when the fault at read n hit a write that then ran through. */
static int one(int n)
{
    struct tdb t = {0};
    t_open(&t);
    json_t *rec = t_create(&t, "admin",
                           json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "number", "F-1",
                                     "title", "faulty", "counterparty", "Acme", "kind", "client",
                                     "currency", "EUR", "status", "active", "start_date",
                                     "2026-01-01", "end_date", "2026-06-30"));
    REQUIRE(rec);
    /* armed on 2026-06-01: the 7-day alert (06-23) and the end lie ahead */
    CHECK(t_write_code(&t, SRV_W_EXPIRY_SCAN, "system", scan_args("2026-06-01")) == PACTA_OK);

    sqlite3 *raw = t_raw(&t);
    int changes0 = t_count(raw, "SELECT count(*) FROM changes", NULL);
    int alerts0 = t_count(raw, "SELECT count(*) FROM expiry_alerts", NULL);
    int notes0 = t_count(raw, "SELECT count(*) FROM notifications", NULL);
    sqlite3_close(raw);

    /* the writer is idle (waiting on its condition): its connection is ours */
    sqlite3_exec(t.db->w, "PRAGMA cache_size = 1", NULL, NULL, NULL);
    atomic_store(&fault_hit, 0);
    atomic_store(&fault_in, n);
    struct srv_write *w = t_write(&t, SRV_W_EXPIRY_SCAN, "system", scan_args("2026-07-05"));
    atomic_store(&fault_in, 0);
    int hit = atomic_load(&fault_hit);
    int code = w->code;
    size_t nevents = json_array_size(w->events);
    srv_write_free(w);

    raw = t_raw(&t);
    int changes1 = t_count(raw, "SELECT count(*) FROM changes", NULL);
    int alerts1 = t_count(raw, "SELECT count(*) FROM expiry_alerts", NULL);
    int notes1 = t_count(raw, "SELECT count(*) FROM notifications", NULL);
    int active1 = t_count(raw, "SELECT count(*) FROM contracts WHERE status = 'active'", NULL);
    sqlite3_close(raw);
    if (code != PACTA_OK) {
        CHECKF(changes1 == changes0 && alerts1 == alerts0 && notes1 == notes0 && active1 == 1,
               "read %d failed the scan (code %d) but it left changes %d->%d, alerts %d->%d, "
               "notifications %d->%d, active %d",
               n, code, changes0, changes1, alerts0, alerts1, notes0, notes1, active1);
    } else {
        CHECKF((size_t)(changes1 - changes0) == nevents,
               "read %d: the scan reports %zu events, the log grew by %d", n, nevents,
               changes1 - changes0);
    }
    /* and the scan tried again fires what is left, each alert once */
    sqlite3_exec(t.db->w, "PRAGMA cache_size = -2000", NULL, NULL, NULL);
    CHECK(t_write_code(&t, SRV_W_EXPIRY_SCAN, "system", scan_args("2026-07-05")) == PACTA_OK);
    raw = t_raw(&t);
    CHECKF(
        t_count(raw, "SELECT count(*) FROM changes WHERE event = 'contract.expiring'", NULL) == 1 &&
            t_count(raw, "SELECT count(*) FROM changes WHERE event = 'contract.expired'", NULL) ==
                1,
        "read %d: expiring %d, expired %d", n,
        t_count(raw, "SELECT count(*) FROM changes WHERE event = 'contract.expiring'", NULL),
        t_count(raw, "SELECT count(*) FROM changes WHERE event = 'contract.expired'", NULL));
    sqlite3_close(raw);
    json_decref(rec);
    t_close(&t);
    return hit;
}

int main(void)
{
    srv_clock_set_fake_ms(1780000000000LL); /* 2026-05-28 */
    sqlite3_initialize();
    sqlite3_vfs *unix_vfs = sqlite3_vfs_find("unix");
    REQUIRE(unix_vfs && unix_vfs->xGetSystemCall && unix_vfs->xSetSystemCall);
    real_pread64 = (pread64_fn)unix_vfs->xGetSystemCall(unix_vfs, "pread64");
    REQUIRE(real_pread64);
    REQUIRE(unix_vfs->xSetSystemCall(unix_vfs, "pread64", (sqlite3_syscall_ptr)faulty_pread64) ==
            SQLITE_OK);
    int n = 1;
    for (; n < 400 && one(n); n++)
        ;
    printf("faults injected at reads 1..%d of the scan\n", n - 1);
    CHECK(n > 5);
    unix_vfs->xSetSystemCall(unix_vfs, "pread64", (sqlite3_syscall_ptr)real_pread64);
    return t_finish();
}
