/*
 * srv_config: pactad's settings, from the command line (and, for secrets,
 * the environment).  Defaults are what `make run` needs.
 */
#ifndef PACTA_SRV_CONFIG_H
#define PACTA_SRV_CONFIG_H

#include <stddef.h>
#include <stdint.h>

struct srv_config {
    char *data_dir;       /* holds pacta.db (+ -wal, -shm) */
    char *listen_host;    /* "127.0.0.1"; NULL = every interface */
    int listen_port;      /* 0 = ephemeral (logged once listening) */
    char *cert_file;      /* PEM server certificate (chain) */
    char *key_file;       /* PEM private key */
    int log_level;        /* enum srv_log_level */
    int auth_timeout_sec; /* close unauthenticated connections after this */
    int queue_max_events; /* per-session outbound queue bound, in frames */
    size_t queue_max_bytes;
    int64_t session_ttl_sec;
    int max_inflight; /* requests being processed per connection */
    int readers;      /* read-only SQLite connections */
};

/*
 * Parses argv into *cfg (defaults first).  Returns 0 to run, 1 when it
 * printed --help or --version (exit 0), -1 on a usage error it printed
 * (exit 2).  Free with srv_config_clear().
 */
int srv_config_parse(struct srv_config *cfg, int argc, char **argv);
void srv_config_clear(struct srv_config *cfg);

#endif
