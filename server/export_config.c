/*
 * The --export-* options of pactad (export.h): limits of the export ops.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "export.h"

void srv__export_config_defaults(struct srv_config *cfg)
{
    cfg->export_max_rows = 1000000;
    cfg->export_max_running = 2;
    cfg->export_max_per_session = 2;
    cfg->export_ttl_sec = 600;
}

static int parse_int(const char *opt, const char *arg, long min, long max, int *out)
{
    char *end;
    long v = strtol(arg, &end, 10);
    if (end == arg || *end || v < min || v > max) {
        fprintf(stderr, "pactad: --%s: expected a number in %ld..%ld, got '%s'\n", opt, min, max,
                arg);
        return -1;
    }
    *out = (int)v;
    return 0;
}

int srv__export_option(struct srv_config *cfg, const char *name, const char *arg)
{
    if (strcmp(name, "export-max-rows") == 0)
        return parse_int(name, arg, 1, 100000000, &cfg->export_max_rows);
    if (strcmp(name, "export-max-running") == 0)
        return parse_int(name, arg, 1, 64, &cfg->export_max_running);
    if (strcmp(name, "export-max-per-session") == 0)
        return parse_int(name, arg, 1, 64, &cfg->export_max_per_session);
    if (strcmp(name, "export-ttl") == 0)
        return parse_int(name, arg, 5, 7 * 24 * 3600, &cfg->export_ttl_sec);
    return -1;
}
