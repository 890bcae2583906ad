#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"

static volatile int min_level = SRV_LOG_INFO;
static const char *const level_names[] = {"debug", "info", "warn", "error"};

void srv_log_set_level(enum srv_log_level level)
{
    min_level = level;
}

int srv_log_level_from_name(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(name, level_names[i]) == 0)
            return i;
    return -1;
}

int srv_log_enabled(enum srv_log_level level)
{
    return (int)level >= min_level;
}

/*
 * The line is built completely first and written with one fwrite under the
 * stream lock, so lines from the writer thread and the loop never interleave.
 */
void srv_logj(enum srv_log_level level, const char *msg, json_t *fields_steal)
{
    if (!srv_log_enabled(level)) {
        json_decref(fields_steal);
        return;
    }
    char ts[32];
    srv_now_iso(ts);
    json_t *line = json_pack("{s:s,s:s,s:s}", "ts", ts, "level", level_names[level], "msg", msg);
    if (line && fields_steal)
        json_object_update_missing(line, fields_steal);
    json_decref(fields_steal);
    char *text = line ? json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(line);
    if (!text)
        return;
    flockfile(stderr);
    fputs(text, stderr);
    fputc('\n', stderr);
    fflush(stderr);
    funlockfile(stderr);
    free(text);
}

void srv_logf(enum srv_log_level level, const char *msg, const char *pack_fmt, ...)
{
    if (!srv_log_enabled(level))
        return;
    va_list ap;
    va_start(ap, pack_fmt);
    json_t *fields = json_vpack_ex(NULL, 0, pack_fmt, ap);
    va_end(ap);
    srv_logj(level, msg, fields);
}
