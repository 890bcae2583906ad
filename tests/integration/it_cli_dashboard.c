/*
 * it_cli_dashboard: `pactactl dashboard` end to end against a real pactad
 * (clock pinned to 2026-01-10), as a viewer.
 *
 * --json prints what stats.dashboard answers; the text form shows the
 * totals, the windows, the value with its currency's decimals and the
 * newest change; --watch --json prints the figures, then a new line after
 * a change made elsewhere, and stops on SIGTERM with status 0; bad options
 * exit 2, a wrong password exits 1.
 */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "test.h"

static char env_url[128], env_ca[600];
static char *ctl_env[] = {env_url, env_ca, "PACTA_PASSWORD=" IT_VIEWER_PASSWORD,
                          "PACTA_USER=" IT_VIEWER_USER, NULL};

static int ctl(char **out, char **err, const char *a1, const char *a2, const char *a3)
{
    char *argv[] = {PACTACTL_BIN, (char *)a1, (char *)a2, (char *)a3, NULL};
    return it_run(argv, ctl_env, 30000, out, err);
}

/* The lines of a file, parsed as JSON, once it has at least n of them. */
static json_t *wait_lines(const char *path, size_t n, int timeout_ms)
{
    int64_t deadline = it_now_ms() + timeout_ms;
    do {
        char *text = it_read_file(path), *save = NULL;
        json_t *lines = json_array();
        for (char *l = text ? strtok_r(text, "\n", &save) : NULL; l;
             l = strtok_r(NULL, "\n", &save)) {
            json_t *j = json_loads(l, 0, NULL);
            json_array_append_new(lines, j ? j : json_string(l));
        }
        free(text);
        if (json_array_size(lines) >= n)
            return lines;
        json_decref(lines);
        usleep(20000);
    } while (it_now_ms() < deadline);
    return NULL;
}

int main(void)
{
    static const char *const args[] = {"--fake-now", "2026-01-10T09:00:00Z", NULL};
    it_setup("it_cli_dashboard");
    struct it_server *srv = it_server_start(args);
    it_create_role_users(srv);
    snprintf(env_url, sizeof env_url, "PACTA_URL=%s", srv->url);
    snprintf(env_ca, sizeof env_ca, "PACTA_CA=%s", it_ca_file());
    struct ctl_client *ed = it_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);

    json_t *k = it_contract_create(
        ed, json_pack("{s:s,s:s,s:s,s:I,s:s}", "number", "CLI-D1", "status", "active", "end_date",
                      "2026-01-25", "amount_cents", (json_int_t)123456789, "currency", "EUR"));
    json_t *y = it_contract_create(ed, json_pack("{s:s,s:s,s:I,s:s}", "number", "CLI-D2", "status",
                                                 "active", "amount_cents", (json_int_t)1500,
                                                 "currency", "JPY")); /* no minor unit */
    REQUIRE(k && y);

    /* --json: the server's answer */
    char *out = NULL, *err = NULL;
    int rc = ctl(&out, &err, "dashboard", "--json", NULL);
    CHECKF(rc == 0, "dashboard --json exit %d: %s", rc, err);
    json_t *printed = json_loads(out ? out : "", 0, NULL);
    json_t *want = it_call(ed, "stats.dashboard", json_object(), NULL);
    CHECKF(printed && want && json_equal(printed, want), "--json prints stats.dashboard");
    json_decref(printed);
    json_decref(want);
    free(out);
    free(err);

    /* text */
    rc = ctl(&out, &err, "dashboard", NULL, NULL);
    CHECKF(rc == 0, "dashboard exit %d: %s", rc, err);
    printf("%s", out ? out : "");
    CHECK(out && strstr(out, "Contracts on 2026-01-10"));
    CHECK(out && strstr(out, "Total         2"));
    CHECK(out && strstr(out, "active 2"));
    CHECK(out && strstr(out, "30 days 1 · 60 days 1 · 90 days 1"));
    CHECK(out && strstr(out, "1,234,567.89 EUR (1 contract)"));
    CHECK(out && strstr(out, "1,500 JPY (1 contract)"));
    CHECK(out && strstr(out, "created") && strstr(out, "CLI-D2"));
    free(out);
    free(err);

    /* --watch --json: the figures, then one more line after a change */
    char log[600];
    snprintf(log, sizeof log, "%s/dashboard-watch.out", it_tmp_dir());
    char *argv_watch[] = {PACTACTL_BIN, "dashboard", "--watch", "--json", NULL};
    pid_t watcher = it_spawn(argv_watch, ctl_env, log);
    json_t *lines = wait_lines(log, 1, IT_TIMEOUT_MS);
    CHECKF(lines != NULL, "--watch printed the figures");
    json_int_t first_seq = lines ? it_int(json_array_get(lines, 0), "as_of_seq") : -1;
    json_decref(lines);
    json_t *r = it_contract_update(ed, it_str(k, "id"), it_int(k, "version"),
                                   json_pack("{s:s}", "status", "terminated"), "ended", NULL);
    REQUIRE(r);
    json_decref(r);
    lines = wait_lines(log, 2, IT_TIMEOUT_MS);
    CHECKF(lines != NULL, "--watch printed the update");
    if (lines) {
        json_t *last = json_array_get(lines, json_array_size(lines) - 1);
        CHECK(it_int(last, "as_of_seq") > first_seq);
        CHECK(it_int(json_object_get(last, "by_status"), "terminated") == 1);
        CHECK(it_int(last, "total") == 2);
    }
    json_decref(lines);
    kill(watcher, SIGTERM);
    int status = it_wait_pid(watcher, IT_TIMEOUT_MS);
    CHECKF(status == 0, "dashboard --watch after SIGTERM: %d (-1: ignored it)", status);

    /* errors */
    rc = ctl(&out, &err, "dashboard", "--days", "30");
    CHECKF(rc == 2, "bad option exit %d", rc);
    free(out);
    free(err);
    rc = ctl(&out, &err, "dashboard", "extra", NULL);
    CHECKF(rc == 2, "extra argument exit %d", rc);
    free(out);
    free(err);
    ctl_env[2] = "PACTA_PASSWORD=wrong-password";
    rc = ctl(&out, &err, "dashboard", "--watch", NULL);
    CHECKF(rc == 1, "wrong password exit %d", rc);
    free(out);
    free(err);

    json_decref(k);
    json_decref(y);
    ctl_client_close(ed);
    return it_done(test_summary());
}
