/*
 * it_cli: pactactl end to end against a real pactad.
 *
 * `contracts create`, then `watch` running in the background while
 * `contracts update` runs in another process: the watcher prints the
 * contract.updated line.  A second update with the old version exits 1 and
 * prints the conflict with the current record; `call ping` works; a bad
 * command line exits 2.
 */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "harness.h"
#include "test.h"

static char env_url[128], env_ca[600];
static char *ctl_env[] = {env_url, env_ca, "PACTA_PASSWORD=" IT_ADMIN_PASSWORD, "PACTA_USER=admin",
                          NULL};

/* Runs pactactl with args; returns the exit status, output in *out and *err. */
static int ctl(char **out, char **err, const char *a1, const char *a2, const char *a3,
               const char *a4, const char *a5, const char *a6, const char *a7, const char *a8)
{
    char *argv[] = {PACTACTL_BIN, (char *)a1, (char *)a2, (char *)a3, (char *)a4,
                    (char *)a5,   (char *)a6, (char *)a7, (char *)a8, NULL};
    int rc = it_run(argv, ctl_env, 30000, out, err);
    fprintf(stderr, "pactactl %s %s %s -> %d\n", a1 ? a1 : "", a2 ? a2 : "", a3 ? a3 : "", rc);
    return rc;
}

/* The first line of `path` that contains `needle`, parsed; NULL if none
 * within timeout_ms. */
static json_t *wait_line(const char *path, const char *needle, int timeout_ms)
{
    int64_t deadline = it_now_ms() + timeout_ms;
    do {
        char *text = it_read_file(path);
        char *save = NULL;
        for (char *line = text ? strtok_r(text, "\n", &save) : NULL; line;
             line = strtok_r(NULL, "\n", &save)) {
            if (strstr(line, needle)) {
                json_t *j = json_loads(line, 0, NULL);
                free(text);
                return j ? j : json_string(line);
            }
        }
        free(text);
        usleep(20000);
    } while (it_now_ms() < deadline);
    return NULL;
}

/* Unrevoked, unexpired login tokens in the server's database right now. */
static int live_sessions(const struct it_server *srv)
{
    char path[600];
    sqlite3 *db;
    sqlite3_stmt *st;
    int n = -1;
    it_server_db_path(srv, path, sizeof path);
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT count(*) FROM sessions WHERE revoked_at IS NULL", -1, &st,
                           NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return n;
}

int main(void)
{
    it_setup("it_cli");
    struct it_server *srv = it_server_start(NULL);
    snprintf(env_url, sizeof env_url, "PACTA_URL=%s", srv->url);
    snprintf(env_ca, sizeof env_ca, "PACTA_CA=%s", it_ca_file());
    char *out = NULL, *err = NULL;

    /* create */
    char *argv_create[] = {PACTACTL_BIN, "contracts", "create",           "--number",
                           "CLI-0001",   "--title",   "Made by pactactl", "--counterparty",
                           "Globex",     "--kind",    "supplier",         "--currency",
                           "EUR",        "--amount",  "1234.56",          NULL};
    int rc = it_run(argv_create, ctl_env, 30000, &out, &err);
    CHECKF(rc == 0, "contracts create exit %d: %s", rc, err);
    json_t *created = json_loads(out ? out : "", 0, NULL);
    REQUIRE(created);
    char id[40];
    snprintf(id, sizeof id, "%s", it_str(created, "id"));
    CHECK(it_int(created, "version") == 1);
    CHECK(it_int(created, "amount_cents") == 123456);
    CHECK_STR(it_str(created, "owner"), "admin");
    free(out);
    free(err);

    /* The head after the create: watch from there, so no event can slip
     * between starting the watcher and its subscribe. */
    struct ctl_client *c = it_login_admin(srv);
    json_t *r = it_call(c, "subscribe", json_object(), NULL);
    REQUIRE(r);
    char since[32];
    snprintf(since, sizeof since, "%lld", (long long)it_int(r, "head"));
    json_decref(r);

    char watch_log[600];
    snprintf(watch_log, sizeof watch_log, "%s/watch.out", it_tmp_dir());
    char *argv_watch[] = {PACTACTL_BIN, "watch", "--since", since, NULL};
    pid_t watcher = it_spawn(argv_watch, ctl_env, watch_log);

    /* update in another process */
    rc = ctl(&out, &err, "contracts", "update", id, "--version", "1", "--title", "Edited by CLI",
             NULL);
    CHECKF(rc == 0, "contracts update exit %d: %s", rc, err);
    json_t *updated = json_loads(out ? out : "", 0, NULL);
    CHECK(updated && it_int(updated, "version") == 2);
    json_decref(updated);
    free(out);
    free(err);

    json_t *line = wait_line(watch_log, "contract.updated", IT_TIMEOUT_MS);
    CHECKF(line, "watch printed no contract.updated line");
    if (line) {
        json_t *k = json_object_get(json_object_get(line, "data"), "contract");
        CHECKF(json_is_object(line) && strcmp(it_str(line, "event"), "contract.updated") == 0,
               "watch line is not the event as JSON");
        CHECK(it_int(line, "seq") > atoll(since));
        CHECK_STR(it_str(k, "id"), id);
        CHECK(it_int(k, "version") == 2);
        CHECK_STR(it_str(k, "title"), "Edited by CLI");
    }
    json_decref(line);
    /* Our own subscription saw the same event. */
    json_t *ev = it_wait_event(c, "contract.updated", IT_TIMEOUT_MS, NULL);
    CHECK(ev);
    json_decref(ev);

    /* A stale update: exit 1, the conflict and the current record shown. */
    rc =
        ctl(&out, &err, "contracts", "update", id, "--version", "1", "--title", "Stale edit", NULL);
    CHECKF(rc == 1, "stale update exit %d", rc);
    printf("stale update: stdout %s\nstderr %s\n", out, err);
    json_t *conflict = json_loads(out ? out : "", 0, NULL);
    json_t *cur = json_object_get(conflict, "current");
    CHECKF(strcmp(it_err_code(conflict), "conflict") == 0 && json_is_object(cur),
           "stale update output is not the conflict with the current record");
    CHECK(it_int(cur, "version") == 2);
    CHECK_STR(it_str(cur, "updated_by"), "admin");
    CHECK(json_is_string(json_object_get(cur, "updated_at")));
    CHECK_STR(it_str(cur, "title"), "Edited by CLI");
    CHECK(err && strstr(err, "conflict"));
    json_decref(conflict);
    free(out);
    free(err);
    json_t *now = it_contract_get(c, id);
    CHECK(now && it_int(now, "version") == 2 && strcmp(it_str(now, "title"), "Edited by CLI") == 0);
    json_decref(now);

    /* call ping; a one-shot command logs its token out: no live session is left */
    int live_before = live_sessions(srv);
    CHECK(live_before >= 1); /* this test's own admin connection */
    rc = ctl(&out, &err, "call", "ping", NULL, NULL, NULL, NULL, NULL, NULL);
    CHECKF(live_sessions(srv) == live_before, "pactactl left a live token (%d -> %d)", live_before,
           live_sessions(srv));
    CHECKF(rc == 0, "call ping exit %d: %s", rc, err);
    json_t *pong = json_loads(out ? out : "", 0, NULL);
    CHECK(pong && json_is_string(json_object_get(pong, "time")));
    json_decref(pong);
    free(out);
    free(err);

    /* Bad command lines exit 2 without touching the server. */
    rc = ctl(&out, &err, "frobnicate", NULL, NULL, NULL, NULL, NULL, NULL, NULL);
    CHECKF(rc == 2, "bad command exit %d", rc);
    free(out);
    free(err);
    rc = ctl(&out, &err, "contracts", "update", id, "--title", "no version", NULL, NULL, NULL);
    CHECKF(rc == 2, "update without --version exit %d", rc);
    free(out);
    free(err);

    /* A server-side error answer exits 1. */
    rc = ctl(&out, &err, "contracts", "get", "01900000-0000-7000-8000-000000000000", NULL, NULL,
             NULL, NULL, NULL);
    CHECKF(rc == 1, "get of a missing contract exit %d", rc);
    free(out);
    free(err);

    /* The watcher stops on SIGTERM. */
    kill(watcher, SIGTERM);
    int status = it_wait_pid(watcher, IT_TIMEOUT_MS);
    CHECKF(status == 0, "pactactl watch after SIGTERM: %d (-1: ignored it)", status);

    json_decref(created);
    ctl_client_close(c);
    return it_done(test_summary());
}
