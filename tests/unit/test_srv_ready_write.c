/*
 * /readyz's writer check (SRV_W_NOOP, server/http.c) must fail when the
 * database cannot be written: README says /readyz means "readable and
 * writable", docs/ARCHITECTURE.md that it commits a transaction through the
 * writer, and db_write.c that it "proves the write path (lock, fsync)".  An
 * empty transaction writes nothing, so it went on succeeding on a database
 * whose every real write failed.
 *
 * The unix VFS's pwrite64 is replaced (xSetSystemCall) by one that fails
 * with EIO (as on a disk gone bad or a file system remounted read-only):
 * a contract write fails, and so must the readiness write; once writes
 * work again, both succeed, and the readiness write changed no data.
 */
#include <errno.h>
#include <stdatomic.h>
#include <sys/types.h>
#include <unistd.h>

#include "test_srv_db_util.h"

typedef ssize_t (*pwrite64_fn)(int, const void *, size_t, off_t);
static pwrite64_fn real_pwrite64;
static atomic_int failing;

static ssize_t faulty_pwrite64(int fd, const void *buf, size_t n, off_t off)
{
    if (atomic_load(&failing)) {
        errno = EIO;
        return -1;
    }
    return real_pwrite64(fd, buf, n, off);
}

static int app_id(sqlite3 *c)
{
    sqlite3_stmt *st = NULL;
    int v = -1;
    if (sqlite3_prepare_v2(c, "PRAGMA application_id", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

int main(void)
{
    struct tdb t = {0};
    sqlite3_initialize();
    sqlite3_vfs *unix_vfs = sqlite3_vfs_find("unix");
    REQUIRE(unix_vfs && unix_vfs->xGetSystemCall && unix_vfs->xSetSystemCall);
    real_pwrite64 = (pwrite64_fn)unix_vfs->xGetSystemCall(unix_vfs, "pwrite64");
    REQUIRE(real_pwrite64);
    REQUIRE(unix_vfs->xSetSystemCall(unix_vfs, "pwrite64", (sqlite3_syscall_ptr)faulty_pwrite64) ==
            SQLITE_OK);

    t_open(&t);
    CHECK(t_write_code(&t, SRV_W_NOOP, "system", json_object()) == PACTA_OK);
    sqlite3 *raw = t_raw(&t);
    int id0 = app_id(raw);
    sqlite3_close(raw);
    int64_t head0 = t_head(&t);

    atomic_store(&failing, 1);
    int create = t_write_code(&t, SRV_W_CONTRACT_CREATE, "admin",
                              t_contract_args("R-1", "written while the disk fails", "client"));
    int noop = t_write_code(&t, SRV_W_NOOP, "system", json_object());
    atomic_store(&failing, 0);
    CHECKF(create != PACTA_OK, "a contract write succeeded with every pwrite failing: %d", create);
    CHECKF(noop != PACTA_OK, "the readiness write succeeded while writes fail (code %d)", noop);

    /* writes work again: both succeed, and readiness changed no data */
    CHECK(t_write_code(&t, SRV_W_NOOP, "system", json_object()) == PACTA_OK);
    json_decref(t_create(&t, "admin", t_contract_args("R-2", "after", "client")));
    CHECK(t_head(&t) == head0 + 1);
    raw = t_raw(&t);
    CHECK(app_id(raw) == id0);
    sqlite3_close(raw);
    t_close(&t);
    unix_vfs->xSetSystemCall(unix_vfs, "pwrite64", (sqlite3_syscall_ptr)real_pwrite64);
    return t_finish();
}
