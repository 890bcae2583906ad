/*
 * backup_bench: backups of a big database under edit load (issue 6).
 *
 * Fills a pactad data dir with N contracts (default 1,000,000) straight
 * through SQLite, then for each snapshot method (online backup API and
 * VACUUM INTO, `--backup-method`): starts pactad, measures the edit
 * latency of W concurrent editors for a few seconds with no backup
 * running, then while backups.create runs, and prints backup time,
 * compression ratio, and the p50/p99 edit latency of both periods; for the
 * last method it also times backups.verify and backups.restore.
 *
 * Usage: backup_bench [CONTRACTS] [EDITORS]
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "harness.h"

#define MAX_SAMPLES 200000

static const struct it_server *srv;
static atomic_int phase; /* 0 idle, 1 baseline, 2 during backup, 3 stop */
static int64_t samples[3][MAX_SAMPLES];
static atomic_int nsamples[3];

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static double pct(int64_t *v, int n, double p)
{
    if (n == 0)
        return 0;
    qsort(v, (size_t)n, sizeof *v, cmp_i64);
    int i = (int)(p / 100.0 * (n - 1));
    return (double)v[i] / 1000.0;
}

static void fill(const char *db, long n)
{
    sqlite3 *d;
    char sql[1400];
    int64_t t0 = now_us();
    if (sqlite3_open(db, &d) != SQLITE_OK)
        exit(1);
    sqlite3_exec(d, "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF", NULL, NULL, NULL);
    snprintf(sql, sizeof sql,
             "WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < %ld) "
             "INSERT INTO contracts (id, number, title, counterparty, kind, status, end_date, "
             "amount_cents, currency, owner, description, notice_days, created_at, updated_at, "
             "updated_by) SELECT printf('%%08x-0000-7000-8000-%%012x', x, x), 'B-' || x, "
             "'Maintenance and support contract ' || x, 'Counterparty ' || (x %% 5000) || ' SRL', "
             "CASE x %% 2 WHEN 0 THEN 'client' ELSE 'supplier' END, 'draft', "
             "date('2027-01-01', '+' || (x %% 900) || ' days'), x * 100, 'EUR', 'admin', "
             "'Weekly service, ' || (x %% 7) || ' floors; invoiced monthly.', x %% 90, "
             "'2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 'admin' FROM s",
             n);
    if (sqlite3_exec(d, sql, NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "fill: %s\n", sqlite3_errmsg(d));
        exit(1);
    }
    sqlite3_exec(d, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
    sqlite3_close(d);
    fprintf(stderr, "filled %ld contracts in %.1f s\n", n, (double)(now_us() - t0) / 1e6);
}

static void *editor(void *arg)
{
    long k = (long)(intptr_t)arg;
    struct ctl_client *c = it_login_admin(srv);
    json_int_t version = -1;
    char id[40];
    snprintf(id, sizeof id, "%08lx-0000-7000-8000-%012lx", k * 7 + 1, k * 7 + 1);
    json_t *cur = it_contract_get(c, id);
    version = it_int(cur, "version");
    json_decref(cur);
    for (int n = 0; atomic_load(&phase) != 3; n++) {
        int p = atomic_load(&phase);
        char title[64];
        snprintf(title, sizeof title, "edit %d", n);
        int64_t t0 = now_us();
        json_t *err = NULL;
        json_t *r =
            it_contract_update(c, id, version, json_pack("{s:s}", "title", title), NULL, &err);
        int64_t dt = now_us() - t0;
        if (!r)
            break;
        version = it_int(json_object_get(r, "contract"), "version");
        json_decref(r);
        int i = atomic_fetch_add(&nsamples[p], 1);
        if (i < MAX_SAMPLES)
            samples[p][i] = dt;
        usleep(20 * 1000); /* a desk's pace, not a flood: ~50 edits/s each */
    }
    ctl_client_close(c);
    return NULL;
}

static json_t *timed(struct ctl_client *c, const char *op, json_t *args, double *secs)
{
    int64_t t0 = now_us();
    json_t *resp = NULL;
    if (ctl_client_call(c, op, args, 30 * 60 * 1000, &resp) != 0 ||
        !json_is_true(json_object_get(resp, "ok"))) {
        char *t = resp ? json_dumps(resp, 0) : NULL;
        fprintf(stderr, "%s failed: %s\n", op, t ? t : "(no answer)");
        free(t);
        exit(1);
    }
    *secs = (double)(now_us() - t0) / 1e6;
    json_t *res = json_incref(json_object_get(resp, "result"));
    json_decref(resp);
    return res;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    int editors = argc > 2 ? atoi(argv[2]) : 8;
    char key[600], db[700];
    static const char *const methods[] = {"api", "vacuum"};

    it_setup("backup_bench");
    snprintf(key, sizeof key, "%s/key", it_tmp_dir());
    FILE *f = fopen(key, "w");
    fputs("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n", f);
    fclose(f);
    const char *args[] = {
        "--backup-key-file", key, "--backup-time", "off", "--backup-method", "api", NULL};
    struct it_server *s = it_server_start(args);
    it_server_stop(s);
    it_server_db_path(s, db, sizeof db);
    fill(db, n);

    printf("| method | backup s | DB MB | file MB | ratio | edits p50/p99 ms, no backup | "
           "edits p50/p99 ms, during backup |\n|---|---|---|---|---|---|---|\n");
    json_int_t last_id = 0;
    for (int m = 0; m < 2; m++) {
        for (int i = 0; i < s->nargs; i++)
            if (strcmp(s->args[i], "--backup-method") == 0) {
                free(s->args[i + 1]);
                s->args[i + 1] = strdup(methods[m]);
            }
        it_server_restart(s);
        srv = s;
        memset(nsamples, 0, sizeof nsamples);
        atomic_store(&phase, 1);
        pthread_t th[64];
        for (int k = 0; k < editors && k < 64; k++)
            pthread_create(&th[k], NULL, editor, (void *)(intptr_t)k);
        sleep(5);
        struct ctl_client *admin = it_login_admin(s);
        atomic_store(&phase, 2);
        double secs;
        json_t *r =
            timed(admin, "backups.create", json_pack("{s:s}", "description", methods[m]), &secs);
        atomic_store(&phase, 3);
        for (int k = 0; k < editors && k < 64; k++)
            pthread_join(th[k], NULL);
        json_t *b = json_object_get(r, "backup");
        last_id = it_int(b, "id");
        int n1 = atomic_load(&nsamples[1]), n2 = atomic_load(&nsamples[2]);
        n1 = n1 < MAX_SAMPLES ? n1 : MAX_SAMPLES;
        n2 = n2 < MAX_SAMPLES ? n2 : MAX_SAMPLES;
        printf("| %s | %.1f | %.0f | %.0f | %.1f%% smaller | %.1f / %.1f (%d edits) | %.1f / %.1f "
               "(%d edits) |\n",
               methods[m], secs, (double)it_int(b, "db_bytes") / 1e6,
               (double)it_int(b, "file_bytes") / 1e6,
               100.0 * (1.0 - (double)it_int(b, "file_bytes") / (double)it_int(b, "db_bytes")),
               pct(samples[1], n1, 50), pct(samples[1], n1, 99), n1, pct(samples[2], n2, 50),
               pct(samples[2], n2, 99), n2);
        fflush(stdout);
        json_decref(r);
        if (m == 1) {
            double vs, rs;
            json_decref(timed(admin, "backups.verify", json_pack("{s:I}", "id", last_id), &vs));
            json_decref(timed(admin, "backups.restore", json_pack("{s:I}", "id", last_id), &rs));
            printf("\nverify %.1f s, restore (verify + safety copy + swap + safety backup) %.1f "
                   "s, %ld contracts, %d editors\n",
                   vs, rs, n, editors);
        }
        ctl_client_close(admin);
        it_server_stop(s);
    }
    return it_done(0);
}
