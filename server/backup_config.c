/*
 * The --backup-* options of pactad (backup.h).  The key itself is not
 * read here: backup.c loads it once at start-up from --backup-key-file or
 * $PACTA_BACKUP_KEY, so it never sits in the configuration or a log line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup.h"
#include "config.h"

void srv__backup_config_defaults(struct srv_config *cfg)
{
    cfg->backup_minute = 2 * 60;
    cfg->backup_every_min = 0;
    cfg->backup_keep_days = 7;
    cfg->backup_method = SRV_BACKUP_API;
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

int srv__backup_option(struct srv_config *cfg, const char *name, const char *arg)
{
    if (strcmp(name, "backup-dir") == 0 || strcmp(name, "backup-key-file") == 0) {
        char **field = name[7] == 'd' ? &cfg->backup_dir : &cfg->backup_key_file;
        if (!*arg) {
            fprintf(stderr, "pactad: --%s: empty path\n", name);
            return -1;
        }
        free(*field);
        *field = strdup(arg);
        return 0;
    }
    if (strcmp(name, "backup-time") == 0) {
        int h, m;
        char tail;
        if (strcmp(arg, "off") == 0) {
            cfg->backup_minute = -1;
            return 0;
        }
        if (sscanf(arg, "%2d:%2d%c", &h, &m, &tail) != 2 || h < 0 || h > 23 || m < 0 || m > 59) {
            fprintf(stderr, "pactad: --backup-time: expected HH:MM or off, got '%s'\n", arg);
            return -1;
        }
        cfg->backup_minute = h * 60 + m;
        return 0;
    }
    if (strcmp(name, "backup-every") == 0)
        return parse_int(name, arg, 0, 7 * 24 * 60, &cfg->backup_every_min);
    if (strcmp(name, "backup-keep-days") == 0)
        return parse_int(name, arg, 1, 3650, &cfg->backup_keep_days);
    if (strcmp(name, "backup-method") == 0) {
        if (strcmp(arg, "api") == 0)
            cfg->backup_method = SRV_BACKUP_API;
        else if (strcmp(arg, "vacuum") == 0)
            cfg->backup_method = SRV_BACKUP_VACUUM;
        else {
            fprintf(stderr, "pactad: --backup-method: api or vacuum, got '%s'\n", arg);
            return -1;
        }
        return 0;
    }
    return -1;
}
