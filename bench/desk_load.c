/*
 * desk_load: fills a pactad with N contracts as fast as the protocol
 * allows, for bench/desk_100k.sh.
 *
 * Each of C connections logs in and keeps up to 60 contracts.create in
 * flight (the protocol's limit is 64, PROTOCOL.md §3): a request is sent
 * whenever a response comes back, so the server's writer sees full group
 * commits rather than one fsync per contract.  The server must run with
 * `--rate 0` or the per-connection token bucket (1000/s) paces us.
 *
 * Rows look like real ones (desk_records.h), with end dates years ahead so
 * the expiry scheduler has nothing to say about them during the bench.
 *
 * Usage: desk_load URL CA USER PASSWORD N [CONNECTIONS]
 * Prints "loaded N contracts in S s (R/s)" on success; exits 1 on any
 * refused create or broken connection.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "client.h"
#include "desk_records.h"

#define IN_FLIGHT 60
#define TIMEOUT_MS 30000

struct loader {
    struct ctl_ws_options opts;
    const char *user, *password;
    int first, count; /* contract numbers first .. first+count-1 */
    int failed;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *create_frame(int n)
{
    json_t *frame = json_pack("{s:i, s:s, s:o}", "id", n, "op", "contracts.create", "args",
                              desk_record_fields(n));
    char *s = json_dumps(frame, JSON_COMPACT);
    json_decref(frame);
    return s;
}

static int send_create(struct ctl_ws *ws, int n)
{
    char *s = create_frame(n);
    int rc = ctl_ws_send_text(ws, s, strlen(s));
    free(s);
    return rc;
}

static void *load_main(void *arg)
{
    struct loader *l = arg;
    struct ctl_client *c = NULL;
    char err[256];
    if (ctl_client_connect(&l->opts, &c, err, sizeof err) < 0) {
        fprintf(stderr, "desk_load: connect: %s\n", err);
        l->failed = 1;
        return NULL;
    }
    json_t *e = NULL;
    if (ctl_client_login(c, l->user, l->password, &e) != 0) {
        fprintf(stderr, "desk_load: login refused\n");
        json_decref(e);
        l->failed = 1;
        goto out;
    }
    struct ctl_ws *ws = ctl_client_ws(c);
    int next = l->first, end = l->first + l->count, answered = 0;
    while (next < end && next - l->first < IN_FLIGHT)
        if (send_create(ws, next++) < 0)
            goto broken;
    while (answered < l->count) {
        char *msg = NULL;
        size_t len = 0;
        if (ctl_ws_recv(ws, TIMEOUT_MS, &msg, &len) != 1)
            goto broken;
        json_t *r = json_loadb(msg, len, 0, NULL);
        free(msg);
        if (!json_object_get(r, "ok")) { /* an event or anything else: not ours */
            json_decref(r);
            continue;
        }
        if (!json_is_true(json_object_get(r, "ok"))) {
            char *dump = json_dumps(r, JSON_COMPACT);
            fprintf(stderr, "desk_load: refused: %s\n", dump);
            free(dump);
            json_decref(r);
            l->failed = 1;
            goto out;
        }
        json_decref(r);
        answered++;
        if (next < end && send_create(ws, next++) < 0)
            goto broken;
    }
    goto out;
broken:
    fprintf(stderr, "desk_load: connection broken (close code %d)\n", ctl_ws_close_code(ws));
    l->failed = 1;
out:
    ctl_client_close(c);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: desk_load URL CA USER PASSWORD N [CONNECTIONS]\n");
        return 2;
    }
    int n = atoi(argv[5]);
    int conns = argc > 6 ? atoi(argv[6]) : 4;
    if (n < 1 || conns < 1 || conns > 32) {
        fprintf(stderr, "desk_load: N >= 1, CONNECTIONS 1..32\n");
        return 2;
    }
    struct loader ls[32];
    pthread_t t[32];
    double t0 = now_s();
    int per = n / conns, first = 1;
    for (int i = 0; i < conns; i++) {
        int count = i == conns - 1 ? n - per * (conns - 1) : per;
        ls[i] = (struct loader){.opts = {.url = argv[1], .ca_file = argv[2]},
                                .user = argv[3],
                                .password = argv[4],
                                .first = first,
                                .count = count};
        first += count;
        pthread_create(&t[i], NULL, load_main, &ls[i]);
    }
    int failed = 0;
    for (int i = 0; i < conns; i++) {
        pthread_join(t[i], NULL);
        failed |= ls[i].failed;
    }
    double secs = now_s() - t0;
    if (failed)
        return 1;
    printf("loaded %d contracts in %.1f s (%.0f/s)\n", n, secs, n / secs);
    return 0;
}
