/*
 * export_bench: export.contracts of N contracts (default 100,000) in each
 * format against a real pactad (bench/RESULTS.md "Exports").
 *
 * For each format: the time until the file is made (the export.contracts
 * answer), the time to download it (export.read, 256 KiB chunks), its
 * size, pactad's peak RSS during the export (VmHWM, reset before each run
 * through /proc/PID/clear_refs), and the round trip of pings sent every
 * 20 ms by another connection while the export runs, next to pings with
 * the server idle.
 *
 * Usage: export_bench [N]      (the database is filled with SQL, server stopped)
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pacta/protocol.h>

#include "harness.h"

#define MAX_PINGS 100000

static struct it_server *srv;
static atomic_int stop_pings;
static int64_t pings[MAX_PINGS];
static int npings;

static void fill(const char *db, long n)
{
    sqlite3 *d;
    char sql[1600];
    if (sqlite3_open(db, &d) != SQLITE_OK)
        exit(1);
    sqlite3_exec(d, "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF", NULL, NULL, NULL);
    snprintf(sql, sizeof sql,
             "WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < %ld) "
             "INSERT INTO contracts (id, number, title, counterparty, kind, status, sign_date, "
             "start_date, end_date, amount_cents, currency, owner, description, notice_days, "
             "created_at, updated_at, updated_by) SELECT "
             "printf('%%08x-0000-7000-8000-%%012x', x, x), printf('B-%%07d', x), "
             "'Mantenimiento y soporte, lote ' || x, 'Asociația ' || (x %% 5000) || ' S.R.L.', "
             "CASE x %% 2 WHEN 0 THEN 'client' ELSE 'supplier' END, 'active', '2026-01-05', "
             "'2026-02-01', date('2027-01-01', '+' || (x %% 900) || ' days'), x * 100, "
             "CASE x %% 3 WHEN 0 THEN 'EUR' WHEN 1 THEN 'RON' ELSE 'USD' END, 'admin', "
             "'Servicio semanal, ' || (x %% 7) || ' plantas;' || char(10) || "
             "'facturación mensual, \"según anexo\".', x %% 90, '2026-01-01T00:00:00.000Z', "
             "'2026-01-01T00:00:00.000Z', 'admin' FROM s",
             n);
    if (sqlite3_exec(d, sql, NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "fill: %s\n", sqlite3_errmsg(d));
        exit(1);
    }
    sqlite3_exec(d, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
    sqlite3_close(d);
}

static long status_kb(pid_t pid, const char *key)
{
    char path[64], line[256];
    long v = -1;
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, key, strlen(key)) == 0)
            v = atol(line + strlen(key) + 1);
    if (f)
        fclose(f);
    return v;
}

static void reset_peak(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/clear_refs", (int)pid);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs("5", f);
        fclose(f);
    }
}

static void *pinger(void *arg)
{
    struct ctl_client *c = arg;
    while (!atomic_load(&stop_pings) && npings < MAX_PINGS) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        json_t *r = it_call(c, "ping", NULL, NULL);
        clock_gettime(CLOCK_MONOTONIC, &b);
        if (!r)
            break;
        json_decref(r);
        pings[npings++] = (b.tv_sec - a.tv_sec) * 1000000 + (b.tv_nsec - a.tv_nsec) / 1000;
        usleep(20000);
    }
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void ping_stats(char *out, size_t n)
{
    if (npings == 0) {
        snprintf(out, n, "-");
        return;
    }
    qsort(pings, (size_t)npings, sizeof *pings, cmp);
    snprintf(out, n, "%.2f / %.2f / %.2f (%d)", pings[npings / 2] / 1000.0,
             pings[(int)(0.99 * (npings - 1))] / 1000.0, pings[npings - 1] / 1000.0, npings);
}

static double secs_since(int64_t t0)
{
    return (double)(it_now_ms() - t0) / 1000.0;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 100000;
    static const char *const formats[] = {"csv", "xlsx", "pdf"};
    char db[700], stats[128];

    it_setup("export_bench");
    const char *args[] = {"--export-max-rows", "2000000", "--rate", "0", NULL};
    srv = it_server_start(args);
    it_server_stop(srv);
    it_server_db_path(srv, db, sizeof db);
    int64_t t0 = it_now_ms();
    fill(db, n);
    fprintf(stderr, "filled %ld contracts in %.1f s\n", n, secs_since(t0));
    it_server_restart(srv);

    struct ctl_client *c = it_login_admin(srv), *p = it_login_admin(srv);
    /* idle round trips first */
    pthread_t th;
    atomic_store(&stop_pings, 0);
    npings = 0;
    pthread_create(&th, NULL, pinger, p);
    sleep(3);
    atomic_store(&stop_pings, 1);
    pthread_join(th, NULL);
    ping_stats(stats, sizeof stats);
    printf("%ld contracts; pactad RSS at rest %ld MB; ping p50 / p99 / max ms (n), idle: %s\n\n", n,
           status_kb(srv->pid, "VmRSS:") / 1024, stats);
    printf("| format | made in s | download s | file MB | pactad peak RSS MB | ping p50 / p99 / "
           "max ms during (n) |\n|---|---|---|---|---|---|\n");
    for (int f = 0; f < 3; f++) {
        long rss0 = status_kb(srv->pid, "VmRSS:");
        reset_peak(srv->pid);
        atomic_store(&stop_pings, 0);
        npings = 0;
        pthread_create(&th, NULL, pinger, p);
        t0 = it_now_ms();
        json_t *resp = NULL;
        if (ctl_client_call(c, "export.contracts", json_pack("{s:s}", "format", formats[f]),
                            60 * 60 * 1000, &resp) != 0 ||
            !json_is_true(json_object_get(resp, "ok"))) {
            char *t = resp ? json_dumps(resp, 0) : NULL;
            fprintf(stderr, "export failed: %s\n", t ? t : "(no answer)");
            exit(1);
        }
        double made = secs_since(t0);
        atomic_store(&stop_pings, 1);
        pthread_join(th, NULL);
        long peak = status_kb(srv->pid, "VmHWM:");
        json_t *res = json_object_get(resp, "result");
        json_int_t size = it_int(res, "size");
        /* download: 256 KiB chunks, one at a time */
        t0 = it_now_ms();
        json_int_t off = 0;
        for (int eof = 0; !eof;) {
            json_t *r = it_call(
                c, "export.read",
                json_pack("{s:s, s:I}", "export_id", it_str(res, "export_id"), "offset", off),
                NULL);
            if (!r)
                exit(1);
            const char *d = it_str(r, "data");
            size_t len = strlen(d);
            off += (json_int_t)(PACTA_BASE64_DECODED_MAX(len) - (len && d[len - 1] == '=') -
                                (len > 1 && d[len - 2] == '='));
            eof = json_is_true(json_object_get(r, "eof"));
            json_decref(r);
        }
        ping_stats(stats, sizeof stats);
        printf("| %s | %.1f | %.1f | %.1f | %ld (at rest %ld) | %s |\n", formats[f], made,
               secs_since(t0), (double)size / 1e6, peak / 1024, rss0 / 1024, stats);
        fflush(stdout);
        json_decref(resp);
    }
    ctl_client_close(p);
    ctl_client_close(c);
    it_server_stop(srv);
    return it_done(0);
}
