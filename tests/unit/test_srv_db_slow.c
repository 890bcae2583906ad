/*
 * Slow statements (db_slow.c): a reader's statement over the bound is
 * logged with its SQL and never the values bound to it, counted in the
 * stats, with SQLite's counters of that run only; one under the bound, or
 * any with the bound off, is not.  A statement is made slow by a function
 * that sleeps, registered on the reader for the test.
 */
#include <fcntl.h>
#include <time.h>

#include "test_srv_db_util.h"

#define SECRET "Contract text that must stay out of logs"

static void sleep_ms(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    int ms = sqlite3_value_int(argv[0]);
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
    sqlite3_result_int(ctx, ms);
}

/* Runs st to its end (and resets it), its log lines caught in a file;
 * returns them (malloc'd). */
static char *run_logged(sqlite3_stmt *st)
{
    char path[] = "/tmp/pacta-slow-log-XXXXXX";
    int fd = mkstemp(path), saved = dup(2);

    REQUIRE(fd >= 0 && saved >= 0);
    fflush(stderr);
    dup2(fd, 2);
    while (sqlite3_step(st) == SQLITE_ROW)
        ;
    sqlite3_reset(st);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);

    off_t n = lseek(fd, 0, SEEK_END);
    char *text = calloc(1, (size_t)n + 1);
    REQUIRE(text && pread(fd, text, (size_t)n, 0) == n);
    close(fd);
    unlink(path);
    return text;
}

static uint64_t slow_count(struct srv_db *db)
{
    struct srv_db_stats s;
    srv_db_get_stats(db, &s);
    return s.slow_statements;
}

/* The number after "key": in a log line, -1 if none. */
static long field(const char *line, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(line, pat);
    return p ? strtol(p + strlen(pat), NULL, 10) : -1;
}

static void test_reader(void)
{
    struct tdb t = {0};
    sqlite3_stmt *slow = NULL, *fast = NULL;
    char *log;

    t_open(&t);
    srv_db_set_slow_ms(t.db, 100);
    sqlite3 *r = srv_db_reader_acquire(t.db);
    REQUIRE(sqlite3_create_function(r, "test_sleep_ms", 1, SQLITE_UTF8, NULL, sleep_ms, NULL,
                                    NULL) == SQLITE_OK);
    /* three rows, 60 ms each: slow only as a whole, and the time between
     * the caller's steps counts */
    REQUIRE(sqlite3_prepare_v2(r,
                               "SELECT test_sleep_ms(60), :secret\n"
                               "  FROM (SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3)",
                               -1, &slow, NULL) == SQLITE_OK);
    REQUIRE(sqlite3_bind_text(slow, 1, SECRET, -1, SQLITE_STATIC) == SQLITE_OK);
    REQUIRE(sqlite3_prepare_v2(r, "SELECT count(*) FROM users WHERE username <> :secret", -1, &fast,
                               NULL) == SQLITE_OK);
    REQUIRE(sqlite3_bind_text(fast, 1, SECRET, -1, SQLITE_STATIC) == SQLITE_OK);

    log = run_logged(slow);
    CHECKF(strstr(log, "\"msg\":\"slow statement\"") && strstr(log, "\"connection\":\"reader\""),
           "%s", log);
    /* the SQL as prepared, on one line, with the parameter's name */
    CHECKF(strstr(log, "SELECT test_sleep_ms(60), :secret FROM (SELECT 1 UNION ALL"), "%s", log);
    CHECKF(!strstr(log, SECRET), "%s", log);
    long ms = field(log, "ms"), vm = field(log, "vm_steps");
    CHECKF(ms >= 170 && ms < 5000, "%s", log);
    CHECKF(vm > 0, "%s", log);
    CHECK(field(log, "full_scan_steps") >= 0 && field(log, "sorts") == 0);
    CHECK(slow_count(t.db) == 1);
    free(log);

    /* the second run's counters are its own, not the sum of both */
    log = run_logged(slow);
    CHECKF(field(log, "vm_steps") == vm, "%ld then %s", vm, log);
    CHECK(slow_count(t.db) == 2);
    free(log);

    /* under the bound: nothing */
    log = run_logged(fast);
    CHECKF(log[0] == '\0', "%s", log);
    CHECK(slow_count(t.db) == 2);
    free(log);

    /* the bound off (as --slow-statement-ms 0, or a SIGHUP to it) */
    srv_db_set_slow_ms(t.db, 0);
    log = run_logged(slow);
    CHECKF(log[0] == '\0', "%s", log);
    CHECK(slow_count(t.db) == 2);
    free(log);

    /* a bound above the statement's time */
    srv_db_set_slow_ms(t.db, 5000);
    log = run_logged(slow);
    CHECKF(log[0] == '\0', "%s", log);
    free(log);

    /* a statement longer than the line keeps: cut whole characters only,
     * so the line is still JSON (jansson refuses a split one) */
    srv_db_set_slow_ms(t.db, 100);
    for (int shift = 0; shift < 2; shift++) {
        char sql[4200] = "SELECT test_sleep_ms(120), '";
        size_t n = strlen(sql) + (size_t)shift;
        memset(sql + strlen(sql), 'x', (size_t)shift);
        while (n + 2 < 4100) {
            memcpy(sql + n, "\xc3\xa9", 2); /* é */
            n += 2;
        }
        memcpy(sql + n, "'", 2);
        sqlite3_stmt *st = NULL;
        REQUIRE(sqlite3_prepare_v2(r, sql, -1, &st, NULL) == SQLITE_OK);
        log = run_logged(st);
        json_error_t jerr;
        json_t *line = json_loads(log, 0, &jerr);
        const char *text = json_string_value(json_object_get(line, "sql"));
        CHECKF(text && strlen(text) < 2010 && strcmp(text + strlen(text) - 3, "...") == 0,
               "shift %d: %s (%s)", shift, log, jerr.text);
        json_decref(line);
        free(log);
        sqlite3_finalize(st);
    }

    sqlite3_finalize(slow);
    sqlite3_finalize(fast);
    srv_db_reader_release(t.db, r);
    t_close(&t);
}

int main(void)
{
    test_reader();
    return t_finish();
}
