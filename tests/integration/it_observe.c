/*
 * it_observe: what an operator sees.
 *
 * - GET /healthz and /readyz over the same TLS port; /readyz fails (503)
 *   when the disk is below the configured free space;
 * - GET /metrics is valid Prometheus text (checked line by line against the
 *   format rules) and counts what happened: edits, conflicts, requests by
 *   op, cumulative histogram buckets; with a metrics token it needs the
 *   right "Authorization: Bearer"; unknown paths are 404;
 * - admin.stats reports the same activity; pactactl stats, connections,
 *   metrics, health and kick work end to end.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "test.h"

static char *get(const struct it_server *srv, const char *path, const char *bearer, int *status)
{
    struct ctl_ws_options o = {.url = srv->url, .ca_file = it_ca_file(), .timeout_ms = 10000};
    char err[256], *body = NULL;
    if (ctl_https_get(&o, path, bearer, status, &body, err, sizeof err) < 0) {
        fprintf(stderr, "GET %s: %s\n", path, err);
        *status = -1;
        return NULL;
    }
    return body;
}

/* A metric name: [a-zA-Z_:][a-zA-Z0-9_:]* */
static const char *metric_name_end(const char *p)
{
    if (!(isalpha((unsigned char)*p) || *p == '_' || *p == ':'))
        return NULL;
    while (isalnum((unsigned char)*p) || *p == '_' || *p == ':')
        p++;
    return p;
}

/*
 * Checks the text exposition format: "# HELP name text", "# TYPE name
 * counter|gauge|histogram", and samples `name{label="v",...} number`, every
 * sample's family declared by a TYPE line before it.  Returns the number of
 * samples, or -1 (printed) at the first bad line.
 */
static int check_exposition(const char *text)
{
    char typed[64][80];
    int ntyped = 0, samples = 0, lineno = 0;
    const char *line = text;
    while (*line) {
        const char *eol = strchr(line, '\n');
        if (!eol) {
            fprintf(stderr, "metrics: last line has no newline\n");
            return -1;
        }
        char buf[512];
        size_t n = (size_t)(eol - line);
        if (n >= sizeof buf)
            return -1;
        memcpy(buf, line, n);
        buf[n] = '\0';
        lineno++;
        line = eol + 1;
        if (strncmp(buf, "# HELP ", 7) == 0)
            continue;
        if (strncmp(buf, "# TYPE ", 7) == 0) {
            char name[80], type[32];
            if (sscanf(buf + 7, "%79s %31s", name, type) != 2 ||
                (strcmp(type, "counter") && strcmp(type, "gauge") && strcmp(type, "histogram"))) {
                fprintf(stderr, "metrics line %d: bad TYPE: %s\n", lineno, buf);
                return -1;
            }
            if (ntyped < 64)
                snprintf(typed[ntyped++], sizeof typed[0], "%s", name);
            continue;
        }
        const char *p = metric_name_end(buf);
        if (!p) {
            fprintf(stderr, "metrics line %d: bad name: %s\n", lineno, buf);
            return -1;
        }
        char name[80];
        snprintf(name, sizeof name, "%.*s", (int)(p - buf), buf);
        int declared = 0;
        for (int i = 0; i < ntyped && !declared; i++) {
            size_t tl = strlen(typed[i]);
            declared = strncmp(name, typed[i], tl) == 0 &&
                       (name[tl] == '\0' || strcmp(name + tl, "_bucket") == 0 ||
                        strcmp(name + tl, "_sum") == 0 || strcmp(name + tl, "_count") == 0);
        }
        if (!declared) {
            fprintf(stderr, "metrics line %d: %s has no TYPE before it\n", lineno, name);
            return -1;
        }
        if (*p == '{') {
            p++;
            while (*p != '}') {
                const char *q = metric_name_end(p);
                if (!q || q[0] != '=' || q[1] != '"') {
                    fprintf(stderr, "metrics line %d: bad label: %s\n", lineno, buf);
                    return -1;
                }
                p = strchr(q + 2, '"');
                if (!p)
                    return -1;
                p++;
                if (*p == ',')
                    p++;
            }
            p++;
        }
        char *end;
        if (*p != ' ' || (strtod(p + 1, &end), *end != '\0' && strcmp(p + 1, "+Inf") != 0)) {
            fprintf(stderr, "metrics line %d: bad value: %s\n", lineno, buf);
            return -1;
        }
        samples++;
    }
    return samples;
}

/* The value of the sample whose line starts with `prefix` followed by a space. */
static double sample(const char *text, const char *prefix)
{
    size_t n = strlen(prefix);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, prefix, n) == 0 && p[n] == ' ')
            return strtod(p + n + 1, NULL);
    return -1;
}

static void test_endpoints(void)
{
    static const char *const args[] = {"--metrics-token-file", NULL, NULL};
    char tokpath[600];
    snprintf(tokpath, sizeof tokpath, "%s/metrics-token", it_tmp_dir());
    FILE *f = fopen(tokpath, "w");
    REQUIRE(f);
    fputs("s3cret-metrics\n", f);
    fclose(f);
    const char *a[3] = {args[0], tokpath, NULL};
    struct it_server *srv = it_server_start(a);
    int status;

    char *body = get(srv, "/healthz", NULL, &status);
    CHECK(status == 200 && body && strcmp(body, "ok\n") == 0);
    free(body);
    body = get(srv, "/readyz", NULL, &status);
    json_t *j = body ? json_loads(body, 0, NULL) : NULL;
    CHECKF(status == 200 && strcmp(it_str(j, "status"), "ready") == 0, "readyz %d %s", status,
           body ? body : "");
    json_decref(j);
    free(body);
    body = get(srv, "/nope", NULL, &status);
    CHECK(status == 404);
    free(body);

    /* some activity: a create, an update, a stale update (conflict), a bad login */
    struct ctl_client *admin = it_login_admin(srv);
    json_t *k = it_contract_create(admin, NULL);
    REQUIRE(k);
    json_t *u = it_contract_update(admin, it_str(k, "id"), 1,
                                   json_pack("{s:s}", "title", "observed"), NULL, NULL);
    CHECK(u);
    json_decref(u);
    json_t *err = NULL;
    u = it_contract_update(admin, it_str(k, "id"), 1, json_pack("{s:s}", "title", "stale"), NULL,
                           &err);
    CHECK(!u && strcmp(it_err_code(err), "conflict") == 0);
    json_decref(err);
    struct ctl_client *bad = it_connect(srv);
    err = it_call_err(bad, "auth.login",
                      json_pack("{s:s,s:s}", "username", "admin", "password", "wrong"));
    json_decref(err);
    ctl_client_close(bad);

    /* the token guards /metrics */
    body = get(srv, "/metrics", NULL, &status);
    CHECK(status == 401);
    free(body);
    body = get(srv, "/metrics", "not-it", &status);
    CHECK(status == 401);
    free(body);
    body = get(srv, "/metrics", "s3cret-metrics", &status);
    REQUIRE(status == 200 && body);
    int n = check_exposition(body);
    printf("/metrics: %d samples, %zu bytes\n", n, strlen(body));
    CHECK(n > 40);
    CHECK(sample(body, "pacta_edits_total") >= 2);
    CHECK(sample(body, "pacta_conflicts_total") >= 1);
    CHECK(sample(body, "pacta_login_failures_total") >= 1);
    CHECK(sample(body, "pacta_connections") >= 1);
    CHECK(sample(body, "pacta_requests_total{op=\"contracts.update\"}") >= 2);
    CHECK(sample(body, "pacta_responses_total{code=\"conflict\"}") >= 1);
    CHECK(sample(body, "pacta_writer_batches_total") >= 1);
    CHECK(sample(body, "pacta_checkpoints_total") >= 0);
    CHECK(sample(body, "pacta_checkpoint_failures_total") == 0);
    CHECK(sample(body, "pacta_slow_statements_total") >= 0);
    double inf = sample(body, "pacta_request_duration_seconds_bucket{op=\"contracts.update\","
                              "le=\"+Inf\"}");
    double cnt = sample(body, "pacta_request_duration_seconds_count{op=\"contracts.update\"}");
    CHECKF(inf >= 2 && inf == cnt, "+Inf bucket %g, count %g", inf, cnt);
    double le1 = sample(body, "pacta_writer_commit_seconds_bucket{le=\"0.001\"}");
    double le5 = sample(body, "pacta_writer_commit_seconds_bucket{le=\"5\"}");
    CHECK(le1 >= 0 && le5 >= le1); /* cumulative */
    free(body);

    /* admin.stats says the same */
    json_t *st = it_call(admin, "admin.stats", json_object(), NULL);
    CHECK(st && it_int(st, "edits_total") >= 2 && it_int(st, "conflicts_total") >= 1 &&
          it_int(st, "connections") >= 1 && it_int(st, "db_bytes") > 0 &&
          json_is_string(json_object_get(st, "last_commit_at")) &&
          json_is_null(json_object_get(st, "last_backup_at")));
    json_decref(st);
    json_t *e = it_call_err(admin, "admin.stats", json_pack("{s:i}", "x", 1));
    CHECK_STR(it_err_field(e), "x");
    json_decref(e);

    /* pactactl */
    char env_url[128], env_ca[700], env_tok[64] = "PACTA_METRICS_TOKEN=s3cret-metrics";
    snprintf(env_url, sizeof env_url, "PACTA_URL=%s", srv->url);
    snprintf(env_ca, sizeof env_ca, "PACTA_CA=%s", it_ca_file());
    char *env[] = {env_url, env_ca, "PACTA_PASSWORD=" IT_ADMIN_PASSWORD, env_tok, NULL};
    char *out = NULL, *errs = NULL;
    char *a_stats[] = {PACTACTL_BIN, "stats", NULL};
    CHECK(it_run(a_stats, env, 30000, &out, &errs) == 0 && out && strstr(out, "\"edits_total\""));
    free(out);
    free(errs);
    char *a_conn[] = {PACTACTL_BIN, "connections", NULL};
    CHECK(it_run(a_conn, env, 30000, &out, &errs) == 0 && out && strstr(out, "SESSION") &&
          strstr(out, "admin"));
    free(out);
    free(errs);
    char *a_met[] = {PACTACTL_BIN, "metrics", NULL};
    CHECK(it_run(a_met, env, 30000, &out, &errs) == 0 && out && strstr(out, "pacta_edits_total"));
    free(out);
    free(errs);
    char *a_health[] = {PACTACTL_BIN, "health", NULL};
    CHECK(it_run(a_health, env, 30000, &out, &errs) == 0 && out && strstr(out, "ready"));
    CHECK(out && *out && out[strlen(out) - 1] == '\n'); /* a whole line for the terminal */
    free(out);
    free(errs);
    char *a_kick[] = {PACTACTL_BIN, "kick", "999999", NULL};
    CHECK(it_run(a_kick, env, 30000, &out, &errs) == 1);
    free(out);
    free(errs);
    char *a_kick_bad[] = {PACTACTL_BIN, "kick", "x", NULL};
    CHECK(it_run(a_kick_bad, env, 30000, &out, &errs) == 2);
    free(out);
    free(errs);

    json_decref(k);
    ctl_client_close(admin);
    CHECK(it_server_stop(srv) == 0);
}

/* A disk below the configured free space makes /readyz fail. */
static void test_not_ready(void)
{
    static const char *const args[] = {"--min-free-mb", "1073741824", NULL};
    struct it_server *srv = it_server_start(args);
    int status;
    char *body = get(srv, "/readyz", NULL, &status);
    json_t *j = body ? json_loads(body, 0, NULL) : NULL;
    CHECKF(status == 503, "readyz with a full disk: %d", status);
    CHECK(json_is_false(json_object_get(json_object_get(j, "checks"), "disk_space_ok")));
    CHECK(json_is_true(json_object_get(json_object_get(j, "checks"), "db_writable")));
    json_decref(j);
    free(body);
    body = get(srv, "/healthz", NULL, &status);
    CHECK(status == 200); /* alive, just not ready */
    free(body);
    CHECK(it_server_stop(srv) == 0);
}

int main(void)
{
    it_setup("it_observe");
    test_endpoints();
    test_not_ready();
    return it_done(test_summary());
}
