/*
 * writer_bench: pactad's writer thread alone on the edits scenario, without
 * TLS, websockets or request parsing: srv_db (the server's own store, same
 * schema, WAL + synchronous=FULL, group commit) gets `inflight`
 * version-checked contracts.update writes at a time on random contracts of
 * `contracts`, each changing amount_cents like bench/loadgen.c's writers,
 * and the loop only frees what comes back.  Prints edits/s and the writer's
 * wall time per edit, so the writer's share of `make bench`'s edits figure
 * can be told apart from the loop thread's.
 *
 *   writer_bench DIR [EDITS [INFLIGHT [CONTRACTS [keep]]]]   (defaults 20000 64 1024)
 *
 * "keep" leaves DIR/writer_bench.db behind (for measuring statements on it).
 * WRITER_BENCH_FIELD=title makes each edit a new title instead (the search
 * indexes' triggers run), and the creates are timed too (stderr).
 * WRITER_BENCH_FIELD=description makes it a new ~230-byte description, the
 * fan-out scenario's publish (bench/lg_proto.c): the word index's trigger
 * runs, the trigram and short-text ones do not.  WRITER_BENCH_FIELD=reason
 * keeps the amount edits but on active contracts, each with a reason of its
 * own: a supplement per edit, whose reason the word index takes in.
 *
 * Under `valgrind --tool=callgrind --separate-threads=yes`, the writer
 * thread's instructions per edit are the difference between two runs, one
 * with EDITS and one with 0, divided by EDITS (the creates cancel out).
 * rand() is seeded with 1, so the same command updates the same contracts.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"

static char **ids;
static int64_t *versions;
static int ncontracts, outstanding;
static uint64_t ok, conflicts, failed, counter;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_created(struct srv_write *w)
{
    intptr_t k = (intptr_t)w->udata;
    const json_t *rec = json_object_get(w->result, "contract");
    if (w->code != PACTA_OK || !rec) {
        fprintf(stderr, "writer_bench: create failed: %s\n", w->err.message);
        exit(1);
    }
    ids[k] = strdup(json_string_value(json_object_get(rec, "id")));
    versions[k] = json_integer_value(json_object_get(rec, "version"));
    outstanding--;
    srv_write_free(w);
}

static void on_updated(struct srv_write *w)
{
    intptr_t k = (intptr_t)w->udata;
    const json_t *rec = NULL;
    int64_t v = 0;
    if (w->code == PACTA_OK) {
        ok++;
        /* the version it was made at, plus one (the result is only text) */
        v = json_integer_value(json_object_get(w->args, "version")) + 1;
    } else if (w->code == PACTA_CONFLICT) {
        conflicts++;
        rec = json_object_get(w->error_extra, "current");
    } else if (failed++ < 3) {
        fprintf(stderr, "writer_bench: update failed: %s %s\n", w->err.field, w->err.message);
    }
    if (rec)
        v = json_integer_value(json_object_get(rec, "version"));
    if (v > versions[k])
        versions[k] = v;
    outstanding--;
    srv_write_free(w);
}

static void submit(struct srv_db *db, struct srv_write *w)
{
    outstanding++;
    if (srv_db_submit(db, w) != 0) {
        fprintf(stderr, "writer_bench: submit refused\n");
        exit(1);
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: writer_bench DIR [EDITS [INFLIGHT [CONTRACTS]]]\n");
        return 2;
    }
    long edits = argc > 2 ? atol(argv[2]) : 20000;
    int inflight = argc > 3 ? atoi(argv[3]) : 64;
    ncontracts = argc > 4 ? atoi(argv[4]) : 1024;
    char path[4096], err[512];
    snprintf(path, sizeof path, "%s/writer_bench.db", argv[1]);
    remove(path);
    setenv("PACTA_ADMIN_PASSWORD", "writer-bench", 0);

    uv_loop_t loop;
    uv_loop_init(&loop);
    struct srv_db *db;
    struct srv_db_options opts = {.path = path, .readers = 1, .session_ttl_sec = 3600};
    if (srv_db_open(&opts, &loop, &db, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "writer_bench: %s\n", err);
        return 1;
    }
    const char *field = getenv("WRITER_BENCH_FIELD");
    int titles = field && strcmp(field, "title") == 0;
    int descriptions = field && strcmp(field, "description") == 0;
    int reasons = field && strcmp(field, "reason") == 0;
    ids = calloc((size_t)ncontracts, sizeof *ids);
    versions = calloc((size_t)ncontracts, sizeof *versions);
    double tc = now_s();
    for (int i = 0; i < ncontracts; i++) {
        char num[32];
        snprintf(num, sizeof num, "W-%d", i);
        /* a title and counterparty of the 1M bench's lengths (gen_contracts) */
        struct srv_write *w =
            srv_write_new(SRV_W_CONTRACT_CREATE, "admin",
                          json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "number", num, "title",
                                    titles ? "Mentenanță IT Cluj-Napoca" : "bench", "counterparty",
                                    titles ? "Hooli Timișoara SRL" : "Bench SA", "kind", "supplier",
                                    "currency", "EUR", "status", reasons ? "active" : "draft"));
        w->done = on_created;
        w->udata = (void *)(intptr_t)i;
        submit(db, w);
        if (outstanding >= 256 || i == ncontracts - 1)
            uv_run(&loop, UV_RUN_DEFAULT);
    }
    if (titles)
        fprintf(stderr, "writer_bench: %d creates in %.3f s (%.1f us each, batches of 256)\n",
                ncontracts, now_s() - tc, (now_s() - tc) * 1e6 / ncontracts);

    struct srv_db_stats st0, st;
    srv_db_get_stats(db, &st0);
    srand(1);
    double t0 = now_s();
    for (long sent = 0; sent < edits;) {
        for (; outstanding < inflight && sent < edits; sent++) {
            int k = rand() % ncontracts;
            char text[300];
            if (descriptions) /* lg_proto.c's publish: a timestamp, a step, a count, padding */
                snprintf(text, sizeof text, "@ts=%.0f:3 n=%" PRIu64 " %0200d", now_s() * 1e6,
                         ++counter, 0);
            else
                snprintf(text, sizeof text, "Întreținere lift Brașov %" PRIu64, ++counter);
            struct srv_write *w =
                titles || descriptions
                    ? srv_write_new(SRV_W_CONTRACT_UPDATE, "admin",
                                    json_pack("{s:s,s:I,s:{s:s}}", "id", ids[k], "version",
                                              (json_int_t)versions[k], "changes",
                                              titles ? "title" : "description", text))
                    : srv_write_new(SRV_W_CONTRACT_UPDATE, "admin",
                                    json_pack("{s:s,s:I,s:{s:I}}", "id", ids[k], "version",
                                              (json_int_t)versions[k], "changes", "amount_cents",
                                              (json_int_t)counter));
            if (reasons) { /* "reason N": a word the index has not seen on this contract */
                snprintf(text, sizeof text, "reason %" PRIu64, counter);
                json_object_set_new(w->args, "reason", json_string(text));
            }
            w->done = on_updated;
            w->udata = (void *)(intptr_t)k;
            submit(db, w);
        }
        uv_run(&loop, UV_RUN_ONCE); /* whatever has come back makes room */
    }
    while (outstanding)
        uv_run(&loop, UV_RUN_ONCE);
    double secs = now_s() - t0;
    uint64_t answered = ok + conflicts + failed;
    if (!answered)
        answered = 1; /* EDITS 0: the baseline run of a callgrind difference */

    srv_db_get_stats(db, &st);
    printf("| writer alone (srv_db) | %d | %d | %" PRIu64 " | %.0f | %.1f%% | %.1f | %.1f |\n",
           inflight, ncontracts, ok, (double)ok / secs,
           100.0 * (double)conflicts / (double)answered, secs * 1e6 / (double)answered,
           (double)(st.writes - st0.writes) /
               (double)(st.batches > st0.batches ? st.batches - st0.batches : 1));
    srv_db_shutdown(db);
    while (!srv_db_writer_idle(db))
        uv_run(&loop, UV_RUN_ONCE);
    srv_db_close(db);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    for (int i = 0; i < ncontracts; i++)
        free(ids[i]);
    free(ids);
    free(versions);
    if (!(argc > 5 && strcmp(argv[5], "keep") == 0))
        remove(path);
    return failed ? 1 : 0;
}
