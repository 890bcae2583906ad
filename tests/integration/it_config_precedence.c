/*
 * it_config_precedence: README "Running pactad": "the command line wins over
 * the file, the file over the environment" — also for allow-origin, the
 * option that may repeat.  Repeated within one source its values add up;
 * given by a higher source, it replaces what a lower one said, so an origin
 * left in the environment (PACTA_ALLOW_ORIGIN) is not let in beside the
 * file's list, nor the file's beside the command line's.  The same after
 * SIGHUP.
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

int main(void)
{
    char path[600];
    it_setup("it_config_precedence");
    snprintf(path, sizeof path, "%s/pacta.conf", it_tmp_dir());
    write_file(path,
               "allow-origin = https://file1.example\nallow-origin = https://file2.example\n");

    /* environment and file: the file's two */
    setenv("PACTA_ALLOW_ORIGIN", "https://env.example", 1);
    const char *args[] = {"--config", path, NULL};
    struct it_server *s = it_server_start(args);
    CHECK(it_origin_ok(s, "https://file1.example"));
    CHECK(it_origin_ok(s, "https://file2.example"));
    CHECKF(!it_origin_ok(s, "https://env.example"),
           "an origin from the environment let in beside the config file's");

    /* after SIGHUP with a new file: still the file's only */
    write_file(path, "allow-origin = https://file3.example\n");
    long from = s->log_start;
    REQUIRE(kill(s->pid, SIGHUP) == 0);
    int reloaded = 0;
    for (int i = 0; i < 100 && !reloaded; i++) {
        char *log = it_read_file(s->log_path);
        reloaded = log && strstr(log + from, "\"config reloaded\"");
        free(log);
        if (!reloaded)
            usleep(50 * 1000);
    }
    REQUIRE(reloaded);
    CHECK(it_origin_ok(s, "https://file3.example"));
    CHECK(!it_origin_ok(s, "https://file1.example"));
    CHECKF(!it_origin_ok(s, "https://env.example"),
           "after SIGHUP: the environment's origin let in");
    CHECK(it_server_stop(s) == 0);

    /* command line and file (and environment): the command line's */
    const char *args2[] = {"--config", path, "--allow-origin", "https://cli.example", NULL};
    s = it_server_start(args2);
    CHECK(it_origin_ok(s, "https://cli.example"));
    CHECKF(!it_origin_ok(s, "https://file3.example"),
           "an origin from the config file let in beside the command line's");
    CHECK(!it_origin_ok(s, "https://env.example"));
    CHECK(it_server_stop(s) == 0);

    /* the environment alone still works */
    const char *none[] = {NULL};
    s = it_server_start(none);
    CHECK(it_origin_ok(s, "https://env.example"));
    CHECK(!it_origin_ok(s, "https://cli.example"));
    CHECK(it_server_stop(s) == 0);
    unsetenv("PACTA_ALLOW_ORIGIN");
    return it_done(test_summary());
}
