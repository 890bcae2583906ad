/*
 * srv_log: one JSON object per line on stderr, from any thread.
 * {"ts":"2026-11-22T14:02:03.123Z","level":"info","msg":"listening", ...fields}
 * Never log passwords, tokens or contract text.
 */
#ifndef PACTA_SRV_LOG_H
#define PACTA_SRV_LOG_H

#include <jansson.h>

enum srv_log_level { SRV_LOG_DEBUG, SRV_LOG_INFO, SRV_LOG_WARN, SRV_LOG_ERROR };

void srv_log_set_level(enum srv_log_level level);
/* Returns -1 for an unknown name. */
int srv_log_level_from_name(const char *name);
int srv_log_enabled(enum srv_log_level level);
/* fields_steal: a JSON object whose members are added to the line (may be NULL). */
void srv_logj(enum srv_log_level level, const char *msg, json_t *fields_steal);
#define srv_log(level, msg) srv_logj(level, msg, NULL)
/* fields built with json_pack: srv_logf(SRV_LOG_INFO, "listening", "{s:i}", "port", 7443) */
void srv_logf(enum srv_log_level level, const char *msg, const char *pack_fmt, ...);

#endif
