/*
 * srv_config: pactad's settings, from the command line (and, for secrets,
 * the environment).  Defaults are what `make run` needs.
 */
#ifndef PACTA_SRV_CONFIG_H
#define PACTA_SRV_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct srv_config {
    char *data_dir;            /* holds pacta.db (+ -wal, -shm) */
    char *listen_host;         /* "127.0.0.1"; NULL = every interface */
    int listen_port;           /* 0 = ephemeral (logged once listening) */
    char *cert_file;           /* PEM server certificate (chain) */
    char *key_file;            /* PEM private key */
    int log_level;             /* enum srv_log_level */
    int auth_timeout_sec;      /* close unauthenticated connections after this */
    int handshake_timeout_sec; /* TCP accept to websocket upgrade (TLS included) */
    int queue_max_events;      /* per-session outbound queue bound, in frames */
    size_t queue_max_bytes;
    int64_t session_ttl_sec;
    int max_inflight;      /* requests being processed per connection */
    int readers;           /* read-only SQLite connections */
    int reader_cache_mb;   /* the page cache of each, MiB */
    int min_free_mb;       /* /readyz fails below this much free disk */
    int slow_statement_ms; /* a statement longer than this is logged; 0 = off (db_slow.c) */
    char *metrics_token;   /* /metrics needs "Authorization: Bearer" it; NULL = open */
    /* limits (limits.c) */
    int login_max_failures;             /* per account, before a lockout */
    int login_max_failures_per_address; /* per address, before a lockout */
    int login_lockout_sec;              /* first lockout; doubles per further failure */
    int login_lockout_max_sec;
    int login_failure_window_sec; /* an address's failures drain one per window / its limit */
    int login_delay_ms;  /* first failed-login answer delay; doubles per account failure, <= 16x */
    double rate_per_sec; /* requests per connection per second (token bucket); 0 = off */
    double rate_burst;
    int max_conns_per_address; /* 0 = no limit */
    int max_conns_per_user;
    char *allowed_origins; /* comma-separated; a handshake with another Origin is refused */
    char *client_ca;       /* mTLS: clients need a certificate from this CA; NULL = off */
    int ping_interval_sec; /* websocket ping per connection, for its round-trip time; 0 = off */
    /* expiry scheduler (expiry.h) */
    int64_t fake_now_ms; /* --fake-now: clock pinned, admin.clock.set allowed; 0 = real */
    char *timezone;      /* --timezone: the zone of "today"; NULL = UTC */
    int alert_minute;    /* --alert-time HH:MM: daily scan and digests, local */
    int thresholds[16];  /* --thresholds: days before a date, largest first */
    int nthresholds;
    int expiry_step; /* --expiry-step: contracts per scan step (db_expiry.c) */
    /* backups (backup.h; parsed by backup_config.c) */
    char *backup_dir;      /* --backup-dir; NULL = DATA_DIR/backups */
    char *backup_key_file; /* --backup-key-file; NULL = $PACTA_BACKUP_KEY */
    int backup_minute;     /* --backup-time HH:MM, daily, local; -1 = off */
    int backup_every_min;  /* --backup-every N minutes; 0 = off */
    int backup_keep_days;  /* --backup-keep-days (default 7) */
    int backup_method;     /* --backup-method api|vacuum (enum srv_backup_method) */
    /* exports (export.h; parsed by export_config.c) */
    int export_max_rows;        /* --export-max-rows: contracts in one export */
    int export_max_running;     /* --export-max-running: exports made at once by the server */
    int export_max_per_session; /* --export-max-per-session: open exports per connection */
    int export_ttl_sec;         /* --export-ttl: a made export not read for this long is dropped */
    int64_t export_max_bytes;   /* --export-max-bytes: made exports waiting to be read, together */
    int64_t export_min_free;    /* --export-min-free: free disk below which exports stop */
    /* attached documents (documents.h; parsed by documents_config.c) */
    int64_t documents_max_bytes;  /* --documents-max-bytes: largest document */
    char *documents_types;        /* --documents-types: accepted MIME types, comma-separated */
    int documents_upload_ttl_sec; /* --documents-upload-ttl: unfinished uploads kept this long */
    int documents_max_uploads;    /* --documents-max-uploads: open uploads per user */
};

/*
 * Parses argv into *cfg (defaults first).  Returns 0 to run, 1 when it
 * printed --help or --version (exit 0), -1 on a usage error it printed
 * (exit 2).  Free with srv_config_clear().
 */
int srv_config_parse(struct srv_config *cfg, int argc, char **argv);
void srv_config_clear(struct srv_config *cfg);
/*
 * SIGHUP: parses the same sources again (environment, --config file, the
 * original argv) and applies what can change while running: log level,
 * limits, queue bounds, auth timeout, metrics token, allowed origins.  The
 * listener, data dir, certificates and clock settings need a restart.
 * 0 with *changed (the names of the fields that changed) and
 * *needs_restart (those that differ now but are kept until a restart), or
 * -1 (printed; nothing applied).  Both arrays are set either way.
 */
int srv_config_reload(struct srv_config *live, int argc, char **argv, json_t **changed,
                      json_t **needs_restart);

/* config_sources.c: the argv every option is parsed from: argv[0], then
 * the environment's (PACTA_*, every option that takes a value but --config
 * and the test-only --fake-now), the config file's (--config FILE or
 * $PACTA_CONFIG), then argv's own; allow-origin's from the highest source
 * that names it.  `opts` is getopt's table of the options.  0, or -1 after
 * printing why (the file).  Free with srv__config_args_free. */
struct option;
struct srv_config_args {
    char **v; /* NULL-terminated */
    int n, cap;
};
int srv__config_sources(const struct option *opts, int argc, char **argv,
                        struct srv_config_args *out);
void srv__config_args_free(struct srv_config_args *a);

/* expiry_config.c: the expiry options (--timezone, --alert-time,
 * --thresholds, --fake-now).  _finish applies them (TZ, the fake clock)
 * before any thread starts; 0 or -1 after printing why. */
void srv__expiry_config_defaults(struct srv_config *cfg);
int srv__expiry_option(struct srv_config *cfg, const char *name, const char *arg);
int srv__expiry_config_finish(struct srv_config *cfg);
/* backup_config.c: --backup-* options; 0 or -1 after printing why. */
void srv__backup_config_defaults(struct srv_config *cfg);
int srv__backup_option(struct srv_config *cfg, const char *name, const char *arg);
/* A number option of a module's own parser (export_config.c, ...): 0, or -1
 * after printing "pactad: --OPT: 'ARG' is not a number in MIN..MAX". */
int srv__config_number(const char *opt, const char *arg, long long min, long long max,
                       long long *out);
/* export_config.c: --export-* options; 0 or -1 after printing why. */
void srv__export_config_defaults(struct srv_config *cfg);
int srv__export_option(struct srv_config *cfg, const char *name, const char *arg);
/* documents_config.c: --documents-* options; 0 or -1 after printing why. */
void srv__documents_config_defaults(struct srv_config *cfg);
int srv__documents_option(struct srv_config *cfg, const char *name, const char *arg);

#endif
