/*
 * The --export-* options of pactad (export.h): limits of the export ops.
 */
#include <string.h>

#include "config.h"
#include "export.h"

void srv__export_config_defaults(struct srv_config *cfg)
{
    cfg->export_max_rows = 1000000;
    cfg->export_max_running = 2;
    cfg->export_max_per_session = 2;
    cfg->export_ttl_sec = 600;
    cfg->export_max_bytes = 2LL << 30;
    cfg->export_min_free = 1LL << 30;
}

static int take_int(const char *opt, const char *arg, long long min, long long max, int *out)
{
    long long v;
    if (srv__config_number(opt, arg, min, max, &v))
        return -1;
    *out = (int)v;
    return 0;
}

int srv__export_option(struct srv_config *cfg, const char *name, const char *arg)
{
    long long v;
    if (strcmp(name, "export-max-rows") == 0)
        return take_int(name, arg, 1, 100000000, &cfg->export_max_rows);
    if (strcmp(name, "export-max-running") == 0)
        return take_int(name, arg, 1, 64, &cfg->export_max_running);
    if (strcmp(name, "export-max-per-session") == 0)
        return take_int(name, arg, 1, 64, &cfg->export_max_per_session);
    if (strcmp(name, "export-ttl") == 0)
        return take_int(name, arg, 5, 7 * 24 * 3600, &cfg->export_ttl_sec);
    if (strcmp(name, "export-max-bytes") == 0) {
        if (srv__config_number(name, arg, 1, 1LL << 50, &v))
            return -1;
        cfg->export_max_bytes = v;
        return 0;
    }
    if (strcmp(name, "export-min-free") == 0) {
        if (srv__config_number(name, arg, 0, 1LL << 50, &v))
            return -1;
        cfg->export_min_free = v;
        return 0;
    }
    return -1;
}
