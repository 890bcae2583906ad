/*
 * Slow statements: one that ran longer than --slow-statement-ms on the
 * writer or a reader is logged at warn with its SQL as prepared (the
 * parameters' names, never the values bound to them: no contract text
 * reaches the log) and what SQLite counted while it ran, and counted in
 * pacta_slow_statements_total.
 *
 * SQLite's profile callback runs on the thread that finished the
 * statement, when its last step returns or it is reset.  Its time is from
 * the first step to then, the caller's work between steps included, in
 * milliseconds (the unix VFS's clock).  Exports and backups read on
 * connections of their own, which are long by design and not watched.
 */
#include <stdatomic.h>
#include <string.h>

#include "db-private.h"
#include "log.h"

/* Where the SQL in a log line is cut: past the select list and the filters
 * of a list page's statement (~1,000 characters), which tell pactad's
 * statements apart. */
#define SLOW_SQL_MAX 2000

void srv_db_set_slow_ms(struct srv_db *db, int ms)
{
    atomic_store(&db->slow_ns, ms > 0 ? (int64_t)ms * 1000000 : 0);
}

/* The statement's text on one line: runs of white space as one space. */
static void one_line(const char *sql, char *out, size_t cap)
{
    size_t n = 0;
    int space = 0;

    for (; *sql && n + 4 < cap; sql++) {
        if (*sql == ' ' || *sql == '\n' || *sql == '\t' || *sql == '\r') {
            space = n > 0;
            continue;
        }
        if (space)
            out[n++] = ' ';
        space = 0;
        out[n++] = *sql;
    }
    if (*sql) {
        /* cut before a character the end would split (the log is JSON:
         * UTF-8 only) */
        size_t lead = n;
        while (lead > 0 && ((unsigned char)out[lead - 1] & 0xC0) == 0x80)
            lead--;
        if (lead > 0 && (unsigned char)out[lead - 1] >= 0xC0) {
            unsigned char c = (unsigned char)out[lead - 1];
            size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
            if (n - (lead - 1) < len)
                n = lead - 1;
        }
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
}

static int on_trace(unsigned type, void *ctx, void *p, void *x)
{
    const struct srv_db_watch *w = ctx;
    sqlite3_stmt *st = p;
    int64_t ns = *(const sqlite3_int64 *)x, limit = atomic_load(&w->db->slow_ns);
    /* the counters since the statement's last run, whether it is slow or not */
    int full = sqlite3_stmt_status(st, SQLITE_STMTSTATUS_FULLSCAN_STEP, 1);
    int sorts = sqlite3_stmt_status(st, SQLITE_STMTSTATUS_SORT, 1);
    int autoindex = sqlite3_stmt_status(st, SQLITE_STMTSTATUS_AUTOINDEX, 1);
    int vm = sqlite3_stmt_status(st, SQLITE_STMTSTATUS_VM_STEP, 1);
    char sql[SLOW_SQL_MAX + 4];

    if (type != SQLITE_TRACE_PROFILE || limit <= 0 || ns < limit)
        return 0;
    one_line(sqlite3_sql(st) ? sqlite3_sql(st) : "", sql, sizeof sql);
    srv_logf(SRV_LOG_WARN, "slow statement", "{s:f,s:s,s:s,s:i,s:i,s:i,s:i}", "ms",
             (double)ns / 1e6, "connection", w->role, "sql", sql, "full_scan_steps", full, "sorts",
             sorts, "auto_indexes", autoindex, "vm_steps", vm);
    uv_mutex_lock(&w->db->mu);
    w->db->stats.slow_statements++;
    uv_mutex_unlock(&w->db->mu);
    return 0;
}

void srv__db_watch(struct srv_db_watch *w, struct srv_db *db, const char *role, sqlite3 *c)
{
    w->db = db;
    w->role = role;
    sqlite3_trace_v2(c, SQLITE_TRACE_PROFILE, on_trace, w);
}
