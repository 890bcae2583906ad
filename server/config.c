#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static const char usage_text[] =
    "Usage: pactad [OPTION]...\n"
    "PACTA server: contracts over TLS websockets (subprotocol pacta.v1).\n"
    "\n"
    "  --data-dir DIR          database directory (default ./pacta-data)\n"
    "  --listen HOST:PORT      address to listen on (default 127.0.0.1:7443;\n"
    "                          port 0 picks a free port; HOST * = all interfaces)\n"
    "  --cert FILE             server certificate, PEM (default DIR/certs/server.pem)\n"
    "  --key FILE              server private key, PEM (default DIR/certs/server.key)\n"
    "  --log-level LEVEL       debug, info, warn or error (default info)\n"
    "  --auth-timeout SEC      close connections not logged in by then (default 10)\n"
    "  --queue-max-events N    per-connection outbound queue, frames (default 4096)\n"
    "  --queue-max-bytes N     per-connection outbound queue, bytes (default 8388608)\n"
    "  --session-ttl SEC       lifetime of a login token (default 604800 = 7 days)\n"
    "  --readers N             read-only database connections (default 4)\n"
    "  --help                  show this help\n"
    "  --version               show the version\n"
    "\n"
    "Environment: PACTA_ADMIN_PASSWORD sets the password of the 'admin' user created\n"
    "on first start (otherwise one is generated and logged once).\n"
    "Logs go to stderr, one JSON object per line. SIGINT/SIGTERM stop it cleanly.\n";

static int parse_long(const char *opt, const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max) {
        fprintf(stderr, "pactad: %s: '%s' is not a number in %ld..%ld\n", opt, s, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_listen(struct srv_config *cfg, const char *s)
{
    const char *colon = strrchr(s, ':');
    long port;
    if (!colon || colon == s) {
        fprintf(stderr, "pactad: --listen: expected HOST:PORT, got '%s'\n", s);
        return -1;
    }
    if (parse_long("--listen", colon + 1, 0, 65535, &port))
        return -1;
    free(cfg->listen_host);
    cfg->listen_host = strndup(s, (size_t)(colon - s));
    if (strcmp(cfg->listen_host, "*") == 0) {
        free(cfg->listen_host);
        cfg->listen_host = NULL;
    }
    cfg->listen_port = (int)port;
    return 0;
}

static char *join_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (!p)
        abort();
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

int srv_config_parse(struct srv_config *cfg, int argc, char **argv)
{
    enum {
        O_DATA = 1,
        O_LISTEN,
        O_CERT,
        O_KEY,
        O_LOG,
        O_AUTH,
        O_QEV,
        O_QBY,
        O_TTL,
        O_READERS,
        O_HELP,
        O_VERSION
    };
    static const struct option opts[] = {
        {"data-dir", required_argument, NULL, O_DATA},
        {"listen", required_argument, NULL, O_LISTEN},
        {"cert", required_argument, NULL, O_CERT},
        {"key", required_argument, NULL, O_KEY},
        {"log-level", required_argument, NULL, O_LOG},
        {"auth-timeout", required_argument, NULL, O_AUTH},
        {"queue-max-events", required_argument, NULL, O_QEV},
        {"queue-max-bytes", required_argument, NULL, O_QBY},
        {"session-ttl", required_argument, NULL, O_TTL},
        {"readers", required_argument, NULL, O_READERS},
        {"help", no_argument, NULL, O_HELP},
        {"version", no_argument, NULL, O_VERSION},
        {NULL, 0, NULL, 0},
    };
    long v;
    int c;

    memset(cfg, 0, sizeof *cfg);
    cfg->data_dir = strdup("pacta-data");
    cfg->listen_host = strdup("127.0.0.1");
    cfg->listen_port = 7443;
    cfg->log_level = SRV_LOG_INFO;
    cfg->auth_timeout_sec = 10;
    cfg->queue_max_events = 4096;
    cfg->queue_max_bytes = 8u << 20;
    cfg->session_ttl_sec = 7 * 24 * 3600;
    cfg->max_inflight = 64;
    cfg->readers = 4;

    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case O_DATA:
            free(cfg->data_dir);
            cfg->data_dir = strdup(optarg);
            break;
        case O_LISTEN:
            if (parse_listen(cfg, optarg))
                return -1;
            break;
        case O_CERT:
            free(cfg->cert_file);
            cfg->cert_file = strdup(optarg);
            break;
        case O_KEY:
            free(cfg->key_file);
            cfg->key_file = strdup(optarg);
            break;
        case O_LOG:
            if ((cfg->log_level = srv_log_level_from_name(optarg)) < 0) {
                fprintf(stderr, "pactad: --log-level: debug, info, warn or error\n");
                return -1;
            }
            break;
        case O_AUTH:
            if (parse_long("--auth-timeout", optarg, 1, 3600, &v))
                return -1;
            cfg->auth_timeout_sec = (int)v;
            break;
        case O_QEV:
            if (parse_long("--queue-max-events", optarg, 8, 1 << 24, &v))
                return -1;
            cfg->queue_max_events = (int)v;
            break;
        case O_QBY:
            if (parse_long("--queue-max-bytes", optarg, 1 << 17, LONG_MAX, &v))
                return -1;
            cfg->queue_max_bytes = (size_t)v;
            break;
        case O_TTL:
            if (parse_long("--session-ttl", optarg, 60, 10L * 365 * 24 * 3600, &v))
                return -1;
            cfg->session_ttl_sec = v;
            break;
        case O_READERS:
            if (parse_long("--readers", optarg, 1, 64, &v))
                return -1;
            cfg->readers = (int)v;
            break;
        case O_HELP:
            fputs(usage_text, stdout);
            return 1;
        case O_VERSION:
            printf("pactad %s\n", PACTA_VERSION);
            return 1;
        default:
            fprintf(stderr, "Try 'pactad --help'.\n");
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "pactad: unexpected argument '%s'\nTry 'pactad --help'.\n", argv[optind]);
        return -1;
    }
    if (!cfg->cert_file)
        cfg->cert_file = join_path(cfg->data_dir, "certs/server.pem");
    if (!cfg->key_file)
        cfg->key_file = join_path(cfg->data_dir, "certs/server.key");
    return 0;
}

void srv_config_clear(struct srv_config *cfg)
{
    free(cfg->data_dir);
    free(cfg->listen_host);
    free(cfg->cert_file);
    free(cfg->key_file);
    memset(cfg, 0, sizeof *cfg);
}
