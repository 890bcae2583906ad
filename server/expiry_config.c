/*
 * Options of the expiry scheduler.  TZ is set here, while pactad is still
 * single-threaded: localtime_r() and mktime() read it from every thread
 * afterwards, and changing the environment later would race with them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pacta/protocol.h>

#include "config.h"
#include "db.h"

void srv__expiry_config_defaults(struct srv_config *cfg)
{
    static const int defaults[] = {90, 60, 30, 7, 1};
    cfg->alert_minute = 8 * 60;
    cfg->nthresholds = 5;
    cfg->expiry_step = 10000;
    memcpy(cfg->thresholds, defaults, sizeof defaults);
}

static int int_desc(const void *a, const void *b)
{
    return *(const int *)b - *(const int *)a;
}

static int parse_thresholds(struct srv_config *cfg, const char *arg)
{
    const char *p = arg;
    int n = 0;

    while (*p) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < 0 || v > 3650 || n == 16 || (*end && *end != ','))
            return -1;
        for (int i = 0; i < n; i++)
            if (cfg->thresholds[i] == (int)v)
                return -1;
        cfg->thresholds[n++] = (int)v;
        p = *end ? end + 1 : end;
    }
    if (n == 0)
        return -1;
    qsort(cfg->thresholds, (size_t)n, sizeof(int), int_desc);
    cfg->nthresholds = n;
    return 0;
}

int srv__expiry_option(struct srv_config *cfg, const char *name, const char *arg)
{
    if (strcmp(name, "timezone") == 0) {
        if (!*arg || strlen(arg) > 200) {
            fprintf(stderr, "pactad: --timezone: give a zone such as Europe/Bucharest\n");
            return -1;
        }
        free(cfg->timezone);
        cfg->timezone = strdup(arg);
        return 0;
    }
    if (strcmp(name, "alert-time") == 0) {
        int h, m;
        char tail;
        if (sscanf(arg, "%2d:%2d%c", &h, &m, &tail) != 2 || h < 0 || h > 23 || m < 0 || m > 59) {
            fprintf(stderr, "pactad: --alert-time: expected HH:MM, got '%s'\n", arg);
            return -1;
        }
        cfg->alert_minute = h * 60 + m;
        return 0;
    }
    if (strcmp(name, "thresholds") == 0) {
        if (parse_thresholds(cfg, arg)) {
            fprintf(stderr,
                    "pactad: --thresholds: up to 16 distinct days 0..3650, "
                    "comma-separated, got '%s'\n",
                    arg);
            return -1;
        }
        return 0;
    }
    if (strcmp(name, "expiry-step") == 0) {
        long long v;
        if (srv__config_number(name, arg, 1, 1000000, &v) != 0)
            return -1;
        cfg->expiry_step = (int)v;
        return 0;
    }
    if (strcmp(name, "fake-now") == 0) {
        if (pacta_parse_timestamp(arg, &cfg->fake_now_ms) != 0 || cfg->fake_now_ms <= 0) {
            fprintf(stderr, "pactad: --fake-now: expected YYYY-MM-DDTHH:MM:SSZ, got '%s'\n", arg);
            return -1;
        }
        return 0;
    }
    return -1;
}

int srv__expiry_config_finish(struct srv_config *cfg)
{
    setenv("TZ", cfg->timezone ? cfg->timezone : "UTC", 1);
    tzset();
    /* A name with no zone file that is no POSIX rule either (a typo such
     * as Europe/Bucharset) is taken by the C library for UTC without a
     * word; it then leaves the second zone name empty, which no real zone
     * or rule does (one without summer time repeats the first). */
    if (cfg->timezone && (!tzname[1] || !tzname[1][0])) {
        fprintf(stderr,
                "pactad: --timezone: no such zone '%s' (a name such as Europe/Bucharest, or a "
                "POSIX rule such as EET-2EEST,M3.5.0/3,M10.5.0/4)\n",
                cfg->timezone);
        return -1;
    }
    if (cfg->fake_now_ms)
        srv_clock_set_fake_ms(cfg->fake_now_ms);
    return 0;
}
