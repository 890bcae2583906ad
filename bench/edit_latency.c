/*
 * edit_latency: how long until an edit is durable and every desk sees it.
 *
 * One run, one machine, three figures side by side:
 *   1. in-process SQLite: the same version-checked UPDATE in its own
 *      transaction with WAL + synchronous=FULL (one fsync per edit) — the
 *      physical floor of a durable edit on this disk;
 *   2. pactad, one editor: contracts.update over wss -> acknowledgement
 *      (durable), and -> the contract.updated event at a second, subscribed
 *      client (what "see each other's changes as they happen" costs);
 *   3. pactad, W concurrent editors on their own contracts: acknowledged
 *      edits/s, which group commit lets exceed the one-fsync-per-edit rate.
 *
 * It starts its own pactad through the integration harness (real TLS,
 * real SQLite file in a temp dir).  Usage: edit_latency [EDITS] [WRITERS]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "harness.h"

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

/* p-th percentile (0..100) of n sorted samples, in ms. */
static double pct_ms(const int64_t *sorted, int n, double p)
{
    int i = (int)(p / 100.0 * (n - 1) + 0.5);
    return sorted[i] / 1000.0;
}

static void row(const char *what, int64_t *us, int n)
{
    qsort(us, (size_t)n, sizeof *us, cmp_i64);
    printf("| %s | %d | %.2f | %.2f | %.2f | %.2f |\n", what, n, pct_ms(us, n, 50),
           pct_ms(us, n, 90), pct_ms(us, n, 99), us[n - 1] / 1000.0);
}

/* ---- 1. in-process floor ---------------------------------------------- */
static void sqlite_floor(int n, int64_t *us)
{
    char path[600];
    sqlite3 *db;
    sqlite3_stmt *st;
    snprintf(path, sizeof path, "%s/floor.db", it_tmp_dir());
    if (sqlite3_open(path, &db) != SQLITE_OK)
        exit(1);
    sqlite3_exec(db,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                 "CREATE TABLE c(id TEXT PRIMARY KEY, amount_cents INTEGER, version INTEGER);"
                 "INSERT INTO c VALUES('x', 0, 1);",
                 NULL, NULL, NULL);
    sqlite3_prepare_v2(db,
                       "UPDATE c SET amount_cents = amount_cents + 1, version = version + 1 "
                       "WHERE id = 'x' AND version = ?",
                       -1, &st, NULL);
    for (int i = 0; i < n; i++) {
        int64_t t0 = now_us();
        sqlite3_bind_int(st, 1, i + 1);
        if (sqlite3_step(st) != SQLITE_DONE || sqlite3_changes(db) != 1)
            exit(1);
        sqlite3_reset(st);
        us[i] = now_us() - t0;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* ---- 2. one editor, one watcher ---------------------------------------- */
struct watcher {
    struct ctl_client *c;
    int n;
    int64_t *seen_us; /* by version - 2 */
};

static void *watch_main(void *arg)
{
    struct watcher *w = arg;
    int got = 0;
    while (got < w->n) {
        json_t *ev = NULL;
        if (ctl_client_next_event(w->c, IT_TIMEOUT_MS, &ev) != 1)
            break;
        int64_t t = now_us();
        json_int_t v = it_int(json_object_get(json_object_get(ev, "data"), "contract"), "version");
        if (v >= 2 && v - 2 < w->n) {
            w->seen_us[v - 2] = t;
            got++;
        }
        json_decref(ev);
    }
    return NULL;
}

/* ---- 3. concurrent editors --------------------------------------------- */
struct editor {
    const struct it_server *srv;
    pthread_barrier_t *start; /* logins and creates are not timed */
    int n;
    int failed;
};

static void *editor_main(void *arg)
{
    struct editor *e = arg;
    struct ctl_client *c = it_login(e->srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    json_t *k = it_contract_create(c, NULL);
    char id[40] = "";
    if (k)
        snprintf(id, sizeof id, "%s", it_str(k, "id"));
    else
        e->failed = 1;
    json_decref(k);
    pthread_barrier_wait(e->start);
    for (int v = 1; v <= e->n && !e->failed; v++) {
        json_t *r = it_contract_update(c, id, v, json_pack("{s:i}", "amount_cents", v), NULL, NULL);
        if (!r)
            e->failed = 1;
        json_decref(r);
    }
    ctl_client_close(c);
    return NULL;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 500;
    int writers = argc > 2 ? atoi(argv[2]) : 8;
    if (n < 10 || writers < 1 || writers > 64) {
        fprintf(stderr, "usage: edit_latency [EDITS >= 10] [WRITERS 1..64]\n");
        return 2;
    }
    int64_t *floor_us = calloc((size_t)n, sizeof *floor_us);
    int64_t *ack_us = calloc((size_t)n, sizeof *ack_us);
    int64_t *sent_us = calloc((size_t)n, sizeof *sent_us);
    int64_t *seen_us = calloc((size_t)n, sizeof *seen_us);

    it_setup("edit_latency");
    sqlite_floor(n, floor_us);

    struct it_server *srv = it_server_start(NULL);
    it_create_role_users(srv);
    struct ctl_client *ed = it_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    struct watcher w = {
        .c = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD), .n = n, .seen_us = seen_us};
    json_t *k = it_contract_create(ed, NULL);
    json_t *sub = it_call(w.c, "subscribe", json_object(), NULL);
    if (!k || !sub)
        return it_done(1);
    json_decref(sub);
    char id[40];
    snprintf(id, sizeof id, "%s", it_str(k, "id"));
    json_decref(k);

    pthread_t wt;
    pthread_create(&wt, NULL, watch_main, &w);
    for (int i = 0; i < n; i++) {
        sent_us[i] = now_us();
        json_t *r = it_contract_update(ed, id, i + 1, json_pack("{s:i}", "amount_cents", i + 1),
                                       NULL, NULL);
        ack_us[i] = now_us() - sent_us[i];
        if (!r)
            return it_done(1);
        json_decref(r);
    }
    pthread_join(wt, NULL);
    for (int i = 0; i < n; i++) {
        if (!seen_us[i]) {
            fprintf(stderr, "event for version %d never arrived\n", i + 2);
            return it_done(1);
        }
        seen_us[i] -= sent_us[i];
    }

    struct editor eds[64];
    pthread_t et[64];
    pthread_barrier_t start;
    int per = n;
    pthread_barrier_init(&start, NULL, (unsigned)writers + 1);
    for (int i = 0; i < writers; i++) {
        eds[i] = (struct editor){.srv = srv, .start = &start, .n = per};
        pthread_create(&et[i], NULL, editor_main, &eds[i]);
    }
    pthread_barrier_wait(&start);
    int64_t t0 = now_us();
    int failed = 0;
    for (int i = 0; i < writers; i++) {
        pthread_join(et[i], NULL);
        failed |= eds[i].failed;
    }
    double secs = (now_us() - t0) / 1e6;
    pthread_barrier_destroy(&start);

    printf("| path | edits | p50 ms | p90 ms | p99 ms | max ms |\n|---|---|---|---|---|---|\n");
    row("in-process SQLite UPDATE, own transaction, WAL + synchronous=FULL", floor_us, n);
    row("pactad: contracts.update over wss -> durable ack", ack_us, n);
    row("pactad: contracts.update sent -> event at a 2nd subscribed client", seen_us, n);
    qsort(floor_us, (size_t)n, sizeof *floor_us, cmp_i64);
    printf("\n| throughput | edits/s |\n|---|---|\n");
    printf("| in-process SQLite, one edit per fsync (1 / p50) | %.0f |\n",
           1e6 / (double)floor_us[n / 2]);
    printf("| pactad, %d editors in parallel, %d acknowledged edits each%s | %.0f |\n", writers,
           per, failed ? " (SOME FAILED)" : "", writers * per / secs);

    ctl_client_close(ed);
    ctl_client_close(w.c);
    free(floor_us);
    free(ack_us);
    free(sent_us);
    free(seen_us);
    return it_done(failed);
}
