/*
 * expiry_1m: what the expiry scheduler's full scan costs the users of a
 * server with 1,000,000 contracts, end to end over wss.
 *
 * A real pactad is started on a copy of gen_contracts' database, which has
 * no expiry schedules (as a database restored or built outside pactad):
 * its first scan arms every active contract.  A client logs in as soon as
 * it can (a login writes its session, so it waits for the writer), then
 * updates one contract's title every 100 ms, timing each acknowledged
 * write, until admin.stats shows the scan over.  The server is then
 * restarted on the same file (every schedule armed): the full scan each
 * start and each day does, timed the same way.
 *
 * Usage: expiry_1m [CACHE_DIR] [CONTRACTS]   (`make bench-expiry`)
 * PACTA_PACTAD_WRAPPER (tests/integration/harness.c) runs another pactad
 * binary for a before/after comparison.  Markdown on stdout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_time.h"
#include "gen_contracts.h"
#include "harness.h"

#define MAX_WRITES 100000

static struct ctl_client *login_when_possible(const struct it_server *s)
{
    for (int attempt = 0; attempt < 600; attempt++) {
        struct ctl_client *c = it_try_connect(s);
        json_t *res = NULL;
        if (c && ctl_client_request(
                     c, "auth.login",
                     json_pack("{s:s, s:s}", "username", "admin", "password", GEN_DEFAULT_PASSWORD),
                     600000, &res) == 0) {
            json_decref(res);
            return c;
        }
        json_decref(res);
        if (c)
            ctl_client_close(c);
        usleep(200000);
    }
    fprintf(stderr, "expiry_1m: cannot log in to pactad\n");
    exit(1);
}

static int scan_over(struct ctl_client *c)
{
    json_t *st = it_call(c, "admin.stats", NULL, NULL);
    int done = st && json_is_string(json_object_get(st, "last_expiry_scan_at"));
    json_decref(st);
    return done;
}

/* One start of the server: a table row. */
static void phase(struct it_server *s, const char *label, const char *contract_id)
{
    static double lat[MAX_WRITES];
    int n = 0, k = 0;
    double t0 = now_ms();

    it_server_restart(s);
    struct ctl_client *c = login_when_possible(s);
    double t_login = now_ms() - t0;
    json_t *got = it_call(c, "contracts.get", json_pack("{s:s}", "id", contract_id), NULL);
    json_int_t version = it_int(json_object_get(got, "contract"), "version");
    json_decref(got);
    while (!scan_over(c) && n < MAX_WRITES) {
        char title[64];
        json_t *res = NULL;
        snprintf(title, sizeof title, "expiry bench write %d", k++);
        double t = now_ms();
        if (ctl_client_request(c, "contracts.update",
                               json_pack("{s:s, s:I, s:{s:s}, s:s}", "id", contract_id, "version",
                                         version, "changes", "title", title, "reason", "bench"),
                               600000, &res) != 0) {
            fprintf(stderr, "expiry_1m: contracts.update failed\n");
            exit(1);
        }
        lat[n++] = now_ms() - t;
        version = it_int(json_object_get(res, "contract"), "version");
        json_decref(res);
        usleep(100000);
    }
    double t_done = now_ms() - t0;
    ctl_client_close(c);
    it_server_stop(s);
    qsort(lat, (size_t)n, sizeof lat[0], cmp_double);
    if (n)
        printf("| %s | %.1f | %.1f | %d | %.1f | %.1f | %.1f |\n", label, t_login / 1e3,
               t_done / 1e3, n, lat[n / 2], lat[(n * 99) / 100], lat[n - 1]);
    else
        printf("| %s | %.1f | %.1f | 0 | - | - | - |\n", label, t_login / 1e3, t_done / 1e3);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    const char *cache = argc > 1 ? argv[1] : "build/bench-data";
    struct gen_options o = {.contracts = argc > 2 ? atol(argv[2]) : GEN_DEFAULT_CONTRACTS};
    static const char *const extra[] = {"--rate", "0", "--fake-now", GEN_DEFAULT_TODAY "T12:00:00Z",
                                        NULL};
    char path[1024], err[512];
    struct gen_contract row;

    if (gen_contracts_cached(cache, &o, path, sizeof path, err, sizeof err) != 0) {
        fprintf(stderr, "expiry_1m: %s\n", err);
        return 1;
    }
    for (long i = 0; i < o.contracts; i++) { /* a live one to edit */
        gen_contract_row(&o, i, &row);
        if (!row.deleted)
            break;
    }
    it_setup("expiry_1m");
    struct it_server *s = it_server_start(extra);
    it_server_stop(s);
    if (it_server_use_copy(s, path) != 0)
        return 1;
    printf("`%s` on a copy of %s (%ld contracts)%s\n\n", argv[0], path, o.contracts,
           getenv("PACTA_PACTAD_WRAPPER") ? ", pactad run by $PACTA_PACTAD_WRAPPER" : "");
    printf("| start | login s | scan over s | writes during the scan | p50 ms | p99 ms | max "
           "ms |\n|---|---|---|---|---|---|---|\n");
    phase(s, "first start, nothing armed", row.id);
    phase(s, "restart, everything armed", row.id);
    return it_done(0);
}
