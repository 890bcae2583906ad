/*
 * it_reload_restart: SIGHUP says which changed settings it did not apply.
 *
 * README "Running pactad": `kill -HUP` applies the log level, limits, queue
 * bounds, metrics token and allowed origins; the others (listener, data
 * dir, certificates, readers, backup schedule and retention, expiry
 * clock...) need a restart.  A reload that finds one of those changed in
 * the file must say so (a warning naming them, and "needs_restart" in the
 * "config reloaded" line), not report a clean reload while the server
 * keeps the old value.  A reload with nothing of the kind changed warns
 * about nothing.
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

/* The text of this run's log from `from` once it holds `n` "config
 * reloaded" lines after it (malloc'd), or NULL after 5 s. */
static char *wait_reloads(const struct it_server *s, long from, int n)
{
    for (int i = 0; i < (it_wrapped() ? 1000 : 100); i++) {
        char *log = it_read_file(s->log_path);
        int got = 0;
        for (const char *p = log ? log + from : NULL; p && (p = strstr(p, "\"config reloaded\""));
             p++)
            got++;
        if (got >= n)
            return log;
        free(log);
        usleep(50 * 1000);
    }
    return NULL;
}

static const char *line_of(const char *log, const char *msg)
{
    const char *p = strstr(log, msg);
    if (!p)
        return NULL;
    while (p > log && p[-1] != '\n')
        p--;
    return p;
}

int main(void)
{
    char path[600];
    it_setup("it_reload_restart");
    snprintf(path, sizeof path, "%s/pacta.conf", it_tmp_dir());
    write_file(path, "rate = 1000\nreaders = 4\nbackup-keep-days = 7\n");
    const char *args[] = {"--config", path, NULL};
    struct it_server *s = it_server_start(args);
    long from = s->log_start;

    /* one reloadable and two restart-only settings changed */
    write_file(path, "rate = 500\nreaders = 2\nbackup-keep-days = 3\n");
    REQUIRE(kill(s->pid, SIGHUP) == 0);
    char *log = wait_reloads(s, from, 1);
    REQUIRE(log);
    const char *warn = line_of(log + from, "apply only after a restart");
    CHECKF(warn != NULL, "no warning about settings that need a restart:\n%s", log + from);
    if (warn) {
        const char *eol = strchr(warn, '\n');
        char line[1024];
        snprintf(line, sizeof line, "%.*s", eol ? (int)(eol - warn) : 1000, warn);
        CHECKF(strstr(line, "\"readers\"") && strstr(line, "\"backup_keep_days\"") &&
                   !strstr(line, "rate_per_sec") && strstr(line, "\"warn\""),
               "warning line: %s", line);
    }
    const char *done = line_of(log + from, "\"config reloaded\"");
    CHECKF(done && strstr(done, "\"changed\":[\"rate_per_sec\",\"rate_burst\"]") &&
               strstr(done, "\"needs_restart\":[\"readers\",\"backup_keep_days\"]"),
           "reload line: %.300s", done ? done : "-");
    from = (long)strlen(log);
    free(log);

    /* a file back to the values the server runs with warns about nothing */
    write_file(path, "rate = 500\nreaders = 4\nbackup-keep-days = 7\n");
    REQUIRE(kill(s->pid, SIGHUP) == 0);
    log = wait_reloads(s, from, 1);
    REQUIRE(log);
    CHECKF(!strstr(log + from, "apply only after a restart"), "a warning with nothing to say: %s",
           log + from);
    CHECK(strstr(log + from, "\"needs_restart\":[]") != NULL);
    free(log);

    /* still serving */
    struct ctl_client *admin = it_login_admin(s);
    json_decref(it_contract_create(admin, NULL));
    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);
    return it_done(test_summary());
}
