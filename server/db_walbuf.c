/*
 * A VFS for the writer connection that gathers its WAL writes.
 *
 * SQLite appends each dirty page to the -wal file as two pwrite() calls (a
 * 24-byte frame header, then the page), and a contracts.update dirties ~9
 * pages (the row, the indexes whose keys move, the change log, the
 * dashboard counters): ~20 pwrite calls an edit, whose per-call kernel work
 * (locking, timestamps, partial pages: each 4,120-byte frame straddles
 * two pages) was ~30 µs of CPU an edit; the same bytes in one call per
 * commit cost ~7 µs (bench/RESULTS.md "Edits").
 *
 * So writes to a file opened as SQLITE_OPEN_WAL are appended to a buffer
 * while they continue it, and the buffer goes to the real file, in the
 * order SQLite wrote it, before anything that could look at the file:
 * xSync, xRead (the checkpoint and a spilled page read back), xFileSize,
 * xTruncate, xFileControl, xFetch, xClose, and any write that does not
 * continue it; and after each write of a commit frame (its 24-byte
 * header, whose bytes 4-7 are non-zero only in a commit frame, and the
 * page written right after it), so the write of a commit's frames is
 * over, and its error is the commit's, before SQLite goes on to publish
 * the commit in the wal-index (sqlite3WalFrames: the frames,
 * walRewriteChecksums, the sync only with synchronous=FULL, then
 * walIndexAppend and walIndexWriteHdr).  With synchronous=NORMAL there is no sync at commit:
 * without the flush at the commit frame, a failed write (a full disk) was
 * met only at the wal-index barrier, which cannot fail, and the commit
 * answered SQLITE_OK with frames that were never written (readers read
 * what the file held there).  Other connections read only frames that a
 * commit made visible in the wal-index.  Nothing about what is durable,
 * or when, changes: only frames of a commit not yet written stay in
 * memory.  A failed delayed write is reported by the call that flushes.
 *
 * Every other file and every other method is passed through to the
 * default VFS ("unix"), which also keeps sharing its locks and wal-index
 * with the readers' connections (same process, same files).
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <uv.h>

#include "db_walbuf.h"

#define WALBUF_CAP (4 * 1024 * 1024) /* a batch of ~100 edits of ~9 frames */
#define WALBUF_WRITE 65536           /* bytes per write to the real file */
#define WAL_FRAME_HDR 24             /* a WAL frame's header (SQLite's WAL_FRAME_HDRSIZE) */

struct wb_file {
    sqlite3_file base;
    sqlite3_file *real; /* at WB_HEAD from the start: real_vfs->szOsFile bytes */
    int wal;
    char *buf;
    size_t len;
    sqlite3_int64 off; /* file offset of buf[0] */
    int in_commit;     /* the last frame header written was a commit frame's */
    /* A main database and its -wal, linked while both are open (under
     * peers_mu): the database's xShmBarrier flushes the WAL's buffer. */
    char *db_name; /* main database files: the name SQLite opened */
    struct wb_file *peer, *next_db;
};

static sqlite3_vfs *real_vfs;
static sqlite3_vfs wb_vfs;
static uv_once_t wb_once = UV_ONCE_INIT;
static int wb_ok;
static uv_mutex_t peers_mu;
static struct wb_file *open_dbs; /* main database files open through this VFS */

#define REAL(f) (((struct wb_file *)(f))->real)
/* the real file follows ours, 8-aligned */
#define WB_HEAD ((sizeof(struct wb_file) + 7) & ~(size_t)7)

/* Writes to the real file in pieces the unix VFS accepts: its
 * seekAndWriteFd masks a write's length to 17 bits (SQLite 3.40), so a
 * write of 128 KiB or more comes back short and reads as SQLITE_FULL.
 * SQLite's own writes stay under that; ours (the WAL buffer) and the
 * statement journal's do not: with SQLITE_CONFIG_STMTJRNL_SPILL at 16 MiB
 * (db.c) a journal that outgrows memory goes to its temp file in one
 * 16 MiB write — the first expiry scan at a million contracts failed so,
 * "database or disk is full". */
static int write_pieces(sqlite3_file *real, const void *data, size_t len, sqlite3_int64 off)
{
    int rc = SQLITE_OK;
    for (size_t done = 0; done < len && rc == SQLITE_OK; done += WALBUF_WRITE) {
        size_t n = len - done < WALBUF_WRITE ? len - done : WALBUF_WRITE;
        rc = real->pMethods->xWrite(real, (const char *)data + done, (int)n,
                                    off + (sqlite3_int64)done);
    }
    return rc;
}

static int flush(struct wb_file *p)
{
    int rc = write_pieces(p->real, p->buf, p->len, p->off);
    p->len = 0;
    return rc;
}

static void unlink_peers(struct wb_file *p)
{
    uv_mutex_lock(&peers_mu);
    if (p->peer)
        p->peer->peer = NULL;
    p->peer = NULL;
    for (struct wb_file **q = &open_dbs; *q; q = &(*q)->next_db) {
        if (*q == p) {
            *q = p->next_db;
            break;
        }
    }
    uv_mutex_unlock(&peers_mu);
    free(p->db_name);
    p->db_name = NULL;
}

static int wb_close(sqlite3_file *f)
{
    struct wb_file *p = (struct wb_file *)f;
    unlink_peers(p);
    int rc = flush(p);
    int rc2 = p->real->pMethods->xClose(p->real);
    free(p->buf);
    p->buf = NULL;
    return rc != SQLITE_OK ? rc : rc2;
}

static int wb_read(sqlite3_file *f, void *out, int amt, sqlite3_int64 off)
{
    int rc = flush((struct wb_file *)f);
    return rc != SQLITE_OK ? rc : REAL(f)->pMethods->xRead(REAL(f), out, amt, off);
}

/* SQLite writes each frame header in one call of 24 bytes (walWriteOneFrame,
 * walRewriteChecksums); bytes 4-7 are the database size after the commit
 * in a commit frame and 0 in any other.  (A 24-byte piece of a write split
 * at a sync point, FULL without POWERSAFE_OVERWRITE, taken for a header
 * only moves a flush: that sync flushed everything before it.) */
static int commit_header(const void *data)
{
    const unsigned char *h = data;
    return (h[4] | h[5] | h[6] | h[7]) != 0;
}

static int wb_write(sqlite3_file *f, const void *data, int amt, sqlite3_int64 off)
{
    struct wb_file *p = (struct wb_file *)f;
    if (!p->wal || amt <= 0 || (size_t)amt > WALBUF_WRITE)
        goto direct;
    /* From a commit frame's header (a new one, a padding copy, or one
     * rewritten by walRewriteChecksums, after which no page follows) to
     * the next header of a frame that commits nothing, each write ends
     * with a flush whose error is the commit's. */
    if (amt == WAL_FRAME_HDR)
        p->in_commit = commit_header(data);
    if (p->len && (off != p->off + (sqlite3_int64)p->len || p->len + (size_t)amt > WALBUF_CAP)) {
        int rc = flush(p);
        if (rc != SQLITE_OK)
            return rc;
    }
    if (!p->buf && !(p->buf = malloc(WALBUF_CAP)))
        goto direct;
    if (!p->len)
        p->off = off;
    memcpy(p->buf + p->len, data, (size_t)amt);
    p->len += (size_t)amt;
    return p->in_commit ? flush(p) : SQLITE_OK;
direct:;
    int rc = flush(p);
    return rc != SQLITE_OK ? rc : write_pieces(p->real, data, amt > 0 ? (size_t)amt : 0, off);
}

static int wb_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    int rc = flush((struct wb_file *)f);
    return rc != SQLITE_OK ? rc : REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int wb_sync(sqlite3_file *f, int flags)
{
    int rc = flush((struct wb_file *)f);
    return rc != SQLITE_OK ? rc : REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int wb_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
    int rc = flush((struct wb_file *)f);
    return rc != SQLITE_OK ? rc : REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int wb_lock(sqlite3_file *f, int level)
{
    return REAL(f)->pMethods->xLock(REAL(f), level);
}

static int wb_unlock(sqlite3_file *f, int level)
{
    return REAL(f)->pMethods->xUnlock(REAL(f), level);
}

static int wb_check_reserved(sqlite3_file *f, int *out)
{
    return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int wb_file_control(sqlite3_file *f, int op, void *arg)
{
    if (op == SQLITE_FCNTL_VFSNAME) {
        *(char **)arg = sqlite3_mprintf("%s", wb_vfs.zName);
        return SQLITE_OK;
    }
    int rc = flush((struct wb_file *)f);
    return rc != SQLITE_OK ? rc : REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int wb_sector_size(sqlite3_file *f)
{
    return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int wb_device_characteristics(sqlite3_file *f)
{
    return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int wb_shm_map(sqlite3_file *f, int region, int size, int extend, void volatile **pp)
{
    return REAL(f)->pMethods->xShmMap(REAL(f), region, size, extend, pp);
}

static int wb_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
    return REAL(f)->pMethods->xShmLock(REAL(f), offset, n, flags);
}

/*
 * SQLite publishes a commit's frames to other connections by writing the
 * wal-index header twice with a barrier in between (walIndexWriteHdr); a
 * reader takes a header only when both copies agree.  A commit's frames
 * left the buffer at its commit frame already (wb_write), so what can be
 * here is only frames of no commit: pages spilled by a transaction that
 * was then rolled back (barriers come when a read transaction starts, when
 * a write restarts the WAL before its first frame, at a checkpoint's
 * restart and at a commit's publication: never between a transaction's
 * first frame and its commit frame).  Flushing them anyway keeps the file
 * in the order SQLite wrote it; the barrier cannot report an error, and
 * losing such frames loses nothing.  Only this connection's thread touches
 * its WAL.
 */
static void wb_shm_barrier(sqlite3_file *f)
{
    struct wb_file *p = (struct wb_file *)f;
    if (p->peer && p->peer->len)
        flush(p->peer);
    REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int wb_shm_unmap(sqlite3_file *f, int delete_flag)
{
    return REAL(f)->pMethods->xShmUnmap(REAL(f), delete_flag);
}

static int wb_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **pp)
{
    int rc = flush((struct wb_file *)f);
    if (rc != SQLITE_OK) {
        *pp = NULL;
        return rc;
    }
    return REAL(f)->pMethods->xFetch(REAL(f), off, amt, pp);
}

static int wb_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
    return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

static const sqlite3_io_methods wb_methods = {
    3,
    wb_close,
    wb_read,
    wb_write,
    wb_truncate,
    wb_sync,
    wb_file_size,
    wb_lock,
    wb_unlock,
    wb_check_reserved,
    wb_file_control,
    wb_sector_size,
    wb_device_characteristics,
    wb_shm_map,
    wb_shm_lock,
    wb_shm_barrier,
    wb_shm_unmap,
    wb_fetch,
    wb_unfetch,
};

static int wb_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
    struct wb_file *p = (struct wb_file *)f;
    (void)vfs;
    memset(p, 0, sizeof *p);
    p->real = (sqlite3_file *)((char *)p + WB_HEAD);
    int rc = real_vfs->xOpen(real_vfs, name, p->real, flags, out_flags);
    if (rc != SQLITE_OK || !p->real->pMethods) {
        p->base.pMethods = NULL; /* SQLite then does not call xClose */
        return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
    }
    if (p->real->pMethods->iVersion < 3) {
        /* the wrapper forwards the version-3 methods; a lesser default
         * VFS is not one this build was checked with */
        p->real->pMethods->xClose(p->real);
        p->base.pMethods = NULL;
        return SQLITE_CANTOPEN;
    }
    p->wal = (flags & SQLITE_OPEN_WAL) != 0;
    p->base.pMethods = &wb_methods;
    if (name && (flags & SQLITE_OPEN_MAIN_DB)) {
        p->db_name = strdup(name);
        uv_mutex_lock(&peers_mu);
        p->next_db = open_dbs;
        open_dbs = p;
        uv_mutex_unlock(&peers_mu);
    } else if (name && p->wal) {
        size_t n = strlen(name);
        uv_mutex_lock(&peers_mu);
        for (struct wb_file *d = open_dbs; d; d = d->next_db) {
            if (!d->peer && d->db_name && n == strlen(d->db_name) + 4 &&
                strncmp(name, d->db_name, n - 4) == 0 && strcmp(name + n - 4, "-wal") == 0) {
                d->peer = p;
                p->peer = d;
                break;
            }
        }
        uv_mutex_unlock(&peers_mu);
        if (!p->peer)
            p->wal = 0; /* no database to flush it at its barrier: do not buffer */
    }
    return SQLITE_OK;
}

/* The rest of the VFS is the default one's. */
static int wb_delete(sqlite3_vfs *v, const char *name, int sync_dir)
{
    (void)v;
    return real_vfs->xDelete(real_vfs, name, sync_dir);
}
static int wb_access(sqlite3_vfs *v, const char *name, int flags, int *out)
{
    (void)v;
    return real_vfs->xAccess(real_vfs, name, flags, out);
}
static int wb_full_pathname(sqlite3_vfs *v, const char *name, int n, char *out)
{
    (void)v;
    return real_vfs->xFullPathname(real_vfs, name, n, out);
}
static void *wb_dlopen(sqlite3_vfs *v, const char *name)
{
    (void)v;
    return real_vfs->xDlOpen(real_vfs, name);
}
static void wb_dlerror(sqlite3_vfs *v, int n, char *out)
{
    (void)v;
    real_vfs->xDlError(real_vfs, n, out);
}
static void (*wb_dlsym(sqlite3_vfs *v, void *h, const char *sym))(void)
{
    (void)v;
    return real_vfs->xDlSym(real_vfs, h, sym);
}
static void wb_dlclose(sqlite3_vfs *v, void *h)
{
    (void)v;
    real_vfs->xDlClose(real_vfs, h);
}
static int wb_randomness(sqlite3_vfs *v, int n, char *out)
{
    (void)v;
    return real_vfs->xRandomness(real_vfs, n, out);
}
static int wb_sleep(sqlite3_vfs *v, int us)
{
    (void)v;
    return real_vfs->xSleep(real_vfs, us);
}
static int wb_current_time(sqlite3_vfs *v, double *out)
{
    (void)v;
    return real_vfs->xCurrentTime(real_vfs, out);
}
static int wb_last_error(sqlite3_vfs *v, int n, char *out)
{
    (void)v;
    return real_vfs->xGetLastError ? real_vfs->xGetLastError(real_vfs, n, out) : 0;
}
static int wb_current_time64(sqlite3_vfs *v, sqlite3_int64 *out)
{
    (void)v;
    return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

static void wb_init(void)
{
    const char *env = getenv("PACTA_WAL_WRITE_BUFFER");
    uv_mutex_init(&peers_mu);
    real_vfs = sqlite3_vfs_find(NULL);
    if ((env && strcmp(env, "0") == 0) || !real_vfs || real_vfs->iVersion < 2 ||
        !real_vfs->xCurrentTimeInt64)
        return;
    wb_vfs = (sqlite3_vfs){
        .iVersion = 2,
        .szOsFile = (int)WB_HEAD + real_vfs->szOsFile,
        .mxPathname = real_vfs->mxPathname,
        .zName = "pacta-walbuf",
        .xOpen = wb_open,
        .xDelete = wb_delete,
        .xAccess = wb_access,
        .xFullPathname = wb_full_pathname,
        .xDlOpen = wb_dlopen,
        .xDlError = wb_dlerror,
        .xDlSym = wb_dlsym,
        .xDlClose = wb_dlclose,
        .xRandomness = wb_randomness,
        .xSleep = wb_sleep,
        .xCurrentTime = wb_current_time,
        .xGetLastError = wb_last_error,
        .xCurrentTimeInt64 = wb_current_time64,
    };
    wb_ok = sqlite3_vfs_register(&wb_vfs, 0) == SQLITE_OK;
}

const char *srv__walbuf_vfs(void)
{
    uv_once(&wb_once, wb_init);
    return wb_ok ? wb_vfs.zName : NULL;
}
