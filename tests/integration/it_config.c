/*
 * it_config: where pactad's settings come from, and SIGHUP.
 *
 * - a --config file sets options (rate limit, allowed origin);
 * - a bad key or value in it, or in the environment (PACTA_LISTEN=...),
 *   stops pactad with exit 2 and a message naming the culprit;
 * - SIGHUP re-reads the file: a new rate limit and origin apply at once,
 *   open connections stay open, the log says what changed.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "test.h"

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    REQUIRE(f);
    fputs(text, f);
    fclose(f);
}

/* How many of 30 back-to-back pings are rate_limited. */
static int limited_of_30(struct ctl_client *c)
{
    int limited = 0;
    for (int i = 0; i < 30; i++) {
        json_t *r = NULL;
        if (ctl_client_request(c, "ping", json_object(), IT_TIMEOUT_MS, &r) == 1 &&
            strcmp(it_err_code(r), "rate_limited") == 0)
            limited++;
        json_decref(r);
    }
    return limited;
}

static void test_bad_sources(void)
{
    char path[600], *out = NULL, *err = NULL;
    snprintf(path, sizeof path, "%s/bad.conf", it_tmp_dir());
    write_file(path, "# a comment\nrate = 10\nno-such-option = 1\n");
    char *argv[] = {PACTAD_BIN, "--config", path, NULL};
    int rc = it_run(argv, NULL, 10000, &out, &err);
    CHECKF(rc == 2 && err && strstr(err, "bad.conf:3: unknown key"), "exit %d: %s", rc,
           err ? err : "");
    free(out);
    free(err);

    write_file(path, "rate = lots\n");
    rc = it_run(argv, NULL, 10000, &out, &err);
    CHECKF(rc == 2 && err && strstr(err, "--rate"), "exit %d: %s", rc, err ? err : "");
    free(out);
    free(err);

    char *argv_cache[] = {PACTAD_BIN, "--reader-cache-mb", "0", NULL};
    rc = it_run(argv_cache, NULL, 10000, &out, &err);
    CHECKF(rc == 2 && err && strstr(err, "--reader-cache-mb"), "exit %d: %s", rc, err ? err : "");
    free(out);
    free(err);

    char *argv_slow[] = {PACTAD_BIN, "--slow-statement-ms", "-1", NULL};
    rc = it_run(argv_slow, NULL, 10000, &out, &err);
    CHECKF(rc == 2 && err && strstr(err, "--slow-statement-ms"), "exit %d: %s", rc, err ? err : "");
    free(out);
    free(err);

    char *env[] = {"PACTA_LISTEN=nowhere", NULL};
    char *argv2[] = {PACTAD_BIN, NULL};
    rc = it_run(argv2, env, 10000, &out, &err);
    CHECKF(rc == 2 && err && strstr(err, "--listen"), "exit %d: %s", rc, err ? err : "");
    free(out);
    free(err);

    /* the test-only clock is never taken from the environment */
    char *env2[] = {"PACTA_FAKE_NOW=not-a-time", NULL};
    char *argv4[] = {PACTAD_BIN, "--version", NULL};
    rc = it_run(argv4, env2, 10000, &out, &err);
    CHECKF(rc == 0, "PACTA_FAKE_NOW was read from the environment: exit %d", rc);
    free(out);
    free(err);

    char *argv3[] = {PACTAD_BIN, "--config", "/nonexistent/pacta.conf", NULL};
    rc = it_run(argv3, NULL, 10000, &out, &err);
    CHECKF(rc == 2 && err && strstr(err, "cannot read config"), "exit %d", rc);
    free(out);
    free(err);

    /* no certificate: says how to make one, and leaves no data directory behind */
    char data[600], listen[32];
    snprintf(data, sizeof data, "%s/never-made", it_tmp_dir());
    snprintf(listen, sizeof listen, "127.0.0.1:%d", 1024 + (int)(getpid() % 30000));
    char *argv5[] = {PACTAD_BIN,
                     "--data-dir",
                     data,
                     "--listen",
                     listen,
                     "--cert",
                     "/nonexistent/server.pem",
                     "--key",
                     "/nonexistent/server.key",
                     NULL};
    rc = it_run(argv5, NULL, 10000, &out, &err);
    CHECKF(rc == 1 && err && strstr(err, "gen-dev-certs.sh"), "exit %d: %s", rc, err ? err : "");
    CHECKF(access(data, F_OK) != 0, "%s was made for a server that could not start", data);
    free(out);
    free(err);
}

static void test_file_and_reload(void)
{
    char path[600];
    snprintf(path, sizeof path, "%s/pacta.conf", it_tmp_dir());
    /* a '#' inside a value is part of it; after a blank it starts a comment */
    char tok[600], text[1600];
    snprintf(tok, sizeof tok, "%s/token#1", it_tmp_dir());
    write_file(tok, "tok-123\n");
    snprintf(text, sizeof text,
             "# limits\nrate = 1000   # per second\n\nallow-origin = https://one.example\n"
             "metrics-token-file = %s\n",
             tok);
    write_file(path, text);
    const char *args[] = {"--config", path, NULL};
    struct it_server *srv = it_server_start(args);

    struct ctl_client *c = it_login_admin(srv);
    CHECK(limited_of_30(c) == 0);
    struct ctl_ws_options ho = {.url = srv->url, .ca_file = it_ca_file(), .timeout_ms = 10000};
    int status = 0;
    char *body = NULL, herr[256];
    CHECK(ctl_https_get(&ho, "/metrics", "tok-123", &status, &body, herr, sizeof herr) == 0 &&
          status == 200);
    free(body);
    CHECK(it_origin_ok(srv, "https://one.example"));
    CHECK(!it_origin_ok(srv, "https://two.example"));

    /* new settings in the file, then SIGHUP */
    write_file(path, "rate = 5\nallow-origin = https://two.example\nslow-statement-ms = 40\n");
    REQUIRE(kill(srv->pid, SIGHUP) == 0);
    int reloaded = 0;
    for (int i = 0; i < 100 && !reloaded; i++) {
        char *log = it_read_file(srv->log_path);
        reloaded = log && strstr(log + srv->log_start, "\"config reloaded\"") &&
                   strstr(log + srv->log_start, "rate_per_sec") &&
                   strstr(log + srv->log_start, "slow_statement_ms");
        free(log);
        if (!reloaded)
            usleep(50 * 1000);
    }
    CHECKF(reloaded, "no \"config reloaded\" log line naming rate_per_sec and slow_statement_ms");

    /* the open connection survived and is now limited */
    usleep(1100 * 1000); /* let its bucket refill to the new burst */
    int limited = limited_of_30(c);
    printf("after SIGHUP with rate = 5: %d of 30 pings rate_limited\n", limited);
    CHECK(limited >= 15);
    CHECK(!it_origin_ok(srv, "https://one.example"));
    CHECK(it_origin_ok(srv, "https://two.example"));

    /* a broken file on reload changes nothing */
    write_file(path, "rate = \n");
    REQUIRE(kill(srv->pid, SIGHUP) == 0);
    usleep(300 * 1000);
    CHECK(it_origin_ok(srv, "https://two.example"));
    ctl_client_close(c);
    CHECK(it_server_stop(srv) == 0);
}

int main(void)
{
    it_setup("it_config");
    test_bad_sources();
    test_file_and_reload();
    return it_done(test_summary());
}
