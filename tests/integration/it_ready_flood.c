/*
 * it_ready_flood: /readyz probes that arrive while a readiness check is
 * still running share its answer (server/http.c: "a flood of
 * unauthenticated /readyz requests cannot turn into a flood of pool jobs
 * and writer transactions").
 *
 * Another process holds the database's write lock for a while (as a slow
 * or stuck writer would), so the first check's empty writer transaction
 * waits; 16 probes arrive meanwhile.  Once the lock is released every
 * probe is answered 200, and the writer ran one transaction for them
 * (pacta_writer_writes_total), not one each.  A probe whose client left
 * while waiting does not keep anything alive (the run ends cleanly, which
 * the harness checks).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "harness.h"
#include "test.h"

#define PROBES 16

static double writer_writes(const struct it_server *s)
{
    struct ctl_ws_options o = {.url = s->url, .ca_file = it_ca_file(), .timeout_ms = 10000};
    char err[256], *body = NULL;
    int status = 0;
    double v = -1;
    if (ctl_https_get(&o, "/metrics", NULL, &status, &body, err, sizeof err) < 0 || status != 200)
        it_fatal("GET /metrics: %d %s", status, err);
    const char *p = strstr(body, "\npacta_writer_writes_total ");
    if (p)
        v = strtod(p + strlen("\npacta_writer_writes_total "), NULL);
    free(body);
    return v;
}

int main(void)
{
    char db_path[700], out[700];
    pid_t pids[PROBES + 1];

    it_setup("it_ready_flood");
    struct it_server *s = it_server_start(NULL);
    usleep(1500 * 1000); /* the start-up expiry scan's writes are done */
    it_server_db_path(s, db_path, sizeof db_path);
    sqlite3 *db = NULL;
    REQUIRE(sqlite3_open(db_path, &db) == SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    double before = writer_writes(s);
    REQUIRE(before >= 0);

    it_sql(db, "BEGIN IMMEDIATE"); /* the writer's next transaction waits */
    for (int i = 0; i <= PROBES; i++) {
        char *argv[] = {PACTACTL_BIN,         "--url",  s->url, "--ca",
                        (char *)it_ca_file(), "health", NULL};
        snprintf(out, sizeof out, "%s/probe-%d.out", it_tmp_dir(), i);
        pids[i] = it_spawn(argv, NULL, out);
        usleep(20 * 1000);
    }
    /* held well below the writer's 5 s busy timeout; longer under valgrind,
     * where the probes take longer to connect */
    usleep(it_wrapped() ? 3000 * 1000 : 1000 * 1000);
    kill(pids[PROBES], SIGKILL); /* one client leaves while its probe waits */
    it_sql(db, "COMMIT");

    int answered = 0;
    for (int i = 0; i <= PROBES; i++) {
        int status = 0;
        waitpid(pids[i], &status, 0);
        if (i < PROBES)
            answered += WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    CHECKF(answered == PROBES, "%d of %d probes answered ready", answered, PROBES);
    double after = writer_writes(s);
    /* 1; a probe slow to connect may start a second check after the
     * answer's second of cache (one each, not one per probe) */
    CHECKF(after - before <= 3,
           "%.0f writer transactions for %d probes that arrived during one check (want 1)",
           after - before, PROBES + 1);

    /* later probes are checked afresh, and the server still writes */
    usleep(1100 * 1000);
    struct ctl_client *admin = it_login_admin(s);
    json_decref(it_contract_create(admin, NULL));
    ctl_client_close(admin);
    char *argv[] = {PACTACTL_BIN, "--url", s->url, "--ca", (char *)it_ca_file(), "health", NULL};
    CHECK(it_run(argv, NULL, 10000, NULL, NULL) == 0);
    CHECK(writer_writes(s) > after);
    sqlite3_close(db);
    CHECK(it_server_stop(s) == 0);
    return it_done(test_summary());
}
