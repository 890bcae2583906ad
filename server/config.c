#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
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
    "  --handshake-timeout SEC drop connections whose TLS + websocket handshake\n"
    "                          has not finished by then (default 10; restart to change)\n"
    "  --queue-max-events N    per-connection outbound queue, frames (default 4096)\n"
    "  --queue-max-bytes N     per-connection outbound queue, bytes (default 8388608)\n"
    "  --session-ttl SEC       lifetime of a login token (default 604800 = 7 days)\n"
    "  --readers N             read-only database connections (default 4)\n"
    "  --reader-cache-mb N     page cache of each of them, MiB (default 64)\n"
    "  --min-free-mb N         /readyz fails with less free disk (default 64)\n"
    "  --slow-statement-ms MS  log (warn) a database statement that takes longer\n"
    "                          than MS, its SQL without values (default 250; 0 = off)\n"
    "  --login-max-failures N  failed logins per account before a lockout (default 5;\n"
    "                          20 per address); the lockout starts at\n"
    "  --login-lockout SEC     (default 30) and doubles per further failure, up to 900\n"
    "  --login-delay MS        a failed login is answered after MS (default 100),\n"
    "                          doubling per failure of the account, up to 16x; 0 = off\n"
    "  --login-failure-window SEC  an address's failed logins are forgotten over\n"
    "                          this: one every SEC / its limit (default 3600: one\n"
    "                          every 3 min), so only a burst locks an address\n"
    "  --rate N                requests per second per connection, bursts of 2N\n"
    "                          (default 1000; 0 = no limit)\n"
    "  --max-conns-per-address N  (default 0 = no limit)\n"
    "  --max-conns-per-user N     (default 256; 0 = no limit)\n"
    "  --client-ca FILE        mTLS: require a client certificate issued by this CA\n"
    "  --ping-interval SEC     ping each connection this often to measure its round\n"
    "                          trip, shown to admins (default 20; 0 = off)\n"
    "  --allow-origin ORIGIN   a websocket handshake that sends an Origin header\n"
    "                          (browsers do) must match one of these; repeatable;\n"
    "                          by default every Origin is refused\n"
    "  --metrics-token-file F  /metrics requires 'Authorization: Bearer TOKEN', the\n"
    "                          first line of F (or $PACTA_METRICS_TOKEN)\n"
    "  --timezone TZ           zone of the calendar day for expiry (default UTC)\n"
    "  --alert-time HH:MM      daily expiry scan and digests, local (default 08:00)\n"
    "  --thresholds D,D,...    alert days before end/notice dates (default 90,60,30,7,1)\n"
    "  --expiry-step N         contracts one step of an expiry scan looks at (default\n"
    "                          10000; N/50 armed, N/20 due): each step is one short write\n"
    "  --fake-now TIMESTAMP    TESTS ONLY: pin the clock (YYYY-MM-DDTHH:MM:SSZ) and\n"
    "                          allow admins to move it with admin.clock.set\n"
    "  --backup-dir DIR        encrypted backups (default DIR/backups)\n"
    "  --backup-key-file F     backup key: 32 bytes as 64 hex digits or base64, first\n"
    "                          line of F (or $PACTA_BACKUP_KEY); no key, no backups\n"
    "  --backup-time HH:MM     daily backup, local time, or 'off' (default 02:00)\n"
    "  --backup-every MIN      also a backup every MIN minutes (default 0 = off)\n"
    "  --backup-keep-days N    keep backups this many days (default 7; the newest\n"
    "                          good backup is always kept)\n"
    "  --backup-method M       snapshot with 'api' (online backup API, default) or\n"
    "                          'vacuum' (VACUUM INTO)\n"
    "  --documents-max-bytes N largest attached document (default 104857600 = 100 MiB)\n"
    "  --documents-types LIST  accepted document types, by content: MIME types,\n"
    "                          comma-separated, 'type/*' or '*' allowed (default: PDF,\n"
    "                          PNG, JPEG, TIFF, plain text, OOXML and ODF documents)\n"
    "  --documents-upload-ttl SEC  unfinished uploads are removed after this long\n"
    "                          without a chunk (default 86400)\n"
    "  --documents-max-uploads N   unfinished uploads per user (default 16)\n"
    "  --export-max-rows N     most contracts in one export (default 1000000)\n"
    "  --export-max-running N  exports made at once (default 2; more: rate_limited)\n"
    "  --export-max-per-session N  open exports per connection (default 2)\n"
    "  --export-ttl SEC        a made export not read for this long is dropped\n"
    "                          (default 600)\n"
    "  --export-max-bytes N    made exports waiting to be read hold at most N bytes\n"
    "                          of disk together; more: rate_limited (default 2 GiB)\n"
    "  --export-min-free N     exports stop (unavailable) while the export\n"
    "                          directory's disk has less than N bytes free\n"
    "                          (default 1 GiB; 0: no floor)\n"
    "  --config FILE           read options from FILE first: one \"key = value\" per\n"
    "                          line, keys as the long options above\n"
    "  --help                  show this help\n"
    "  --version               show the version\n"
    "\n"
    "Every option can also come from the environment: PACTA_LOG_LEVEL=debug is\n"
    "--log-level debug. Precedence: command line, then config file, then environment.\n"
    "SIGHUP re-reads them and applies the log level, limits, queue bounds, auth\n"
    "timeout, metrics token and allowed origins without dropping connections.\n"
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

int srv__config_number(const char *opt, const char *arg, long long min, long long max,
                       long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(arg, &end, 10);
    if (errno || end == arg || *end || v < min || v > max) {
        fprintf(stderr, "pactad: --%s: '%s' is not a number in %lld..%lld\n", opt, arg, min, max);
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

/* The first line of a secret file, without its newline; NULL (said why) if unusable. */
static char *read_secret(const char *path)
{
    char line[1024];
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "pactad: cannot read %s: %s\n", path, strerror(errno));
        return NULL;
    }
    char *got = fgets(line, sizeof line, f);
    int whole = got && (strchr(line, '\n') || feof(f));
    fclose(f);
    if (got)
        line[strcspn(line, "\r\n")] = '\0';
    if (!got || !line[0] || !whole) {
        /* a longer one was cut to its first 1023 bytes: no client could match it */
        fprintf(stderr, "pactad: %s: %s\n", path,
                !got || !line[0] ? "empty secret file" : "secret longer than 1023 bytes");
        explicit_bzero(line, sizeof line);
        return NULL;
    }
    char *copy = strdup(line);
    explicit_bzero(line, sizeof line);
    return copy;
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

enum {
    O_DATA = 1,
    O_LISTEN,
    O_CERT,
    O_KEY,
    O_LOG,
    O_AUTH,
    O_HANDSHAKE,
    O_QEV,
    O_QBY,
    O_TTL,
    O_READERS,
    O_MINFREE,
    O_MTOKEN,
    O_LOGINFAIL,
    O_LOCKOUT,
    O_LOGINDELAY,
    O_LOGINWINDOW,
    O_RATE,
    O_MAXADDR,
    O_MAXUSER,
    O_ORIGIN,
    O_CLIENTCA,
    O_PING,
    O_CONFIG,
    O_HELP,
    O_VERSION,
    O_EXPIRY,    /* expiry options: parsed by srv__expiry_option */
    O_BACKUP,    /* backup options: parsed by srv__backup_option */
    O_EXPORT,    /* export options: parsed by srv__export_option */
    O_DOCUMENTS, /* documents options: parsed by srv__documents_option */
    O_READERCACHE,
    O_SLOWSTMT
};
static const struct option opts[] = {
    {"config", required_argument, NULL, O_CONFIG},
    {"data-dir", required_argument, NULL, O_DATA},
    {"listen", required_argument, NULL, O_LISTEN},
    {"cert", required_argument, NULL, O_CERT},
    {"key", required_argument, NULL, O_KEY},
    {"log-level", required_argument, NULL, O_LOG},
    {"auth-timeout", required_argument, NULL, O_AUTH},
    {"handshake-timeout", required_argument, NULL, O_HANDSHAKE},
    {"queue-max-events", required_argument, NULL, O_QEV},
    {"queue-max-bytes", required_argument, NULL, O_QBY},
    {"session-ttl", required_argument, NULL, O_TTL},
    {"readers", required_argument, NULL, O_READERS},
    {"reader-cache-mb", required_argument, NULL, O_READERCACHE},
    {"min-free-mb", required_argument, NULL, O_MINFREE},
    {"slow-statement-ms", required_argument, NULL, O_SLOWSTMT},
    {"metrics-token-file", required_argument, NULL, O_MTOKEN},
    {"login-max-failures", required_argument, NULL, O_LOGINFAIL},
    {"login-lockout", required_argument, NULL, O_LOCKOUT},
    {"login-delay", required_argument, NULL, O_LOGINDELAY},
    {"login-failure-window", required_argument, NULL, O_LOGINWINDOW},
    {"rate", required_argument, NULL, O_RATE},
    {"max-conns-per-address", required_argument, NULL, O_MAXADDR},
    {"max-conns-per-user", required_argument, NULL, O_MAXUSER},
    {"allow-origin", required_argument, NULL, O_ORIGIN},
    {"client-ca", required_argument, NULL, O_CLIENTCA},
    {"ping-interval", required_argument, NULL, O_PING},
    {"timezone", required_argument, NULL, O_EXPIRY},
    {"alert-time", required_argument, NULL, O_EXPIRY},
    {"thresholds", required_argument, NULL, O_EXPIRY},
    {"fake-now", required_argument, NULL, O_EXPIRY},
    {"expiry-step", required_argument, NULL, O_EXPIRY},
    {"backup-dir", required_argument, NULL, O_BACKUP},
    {"backup-key-file", required_argument, NULL, O_BACKUP},
    {"backup-time", required_argument, NULL, O_BACKUP},
    {"backup-every", required_argument, NULL, O_BACKUP},
    {"backup-keep-days", required_argument, NULL, O_BACKUP},
    {"backup-method", required_argument, NULL, O_BACKUP},
    {"export-max-rows", required_argument, NULL, O_EXPORT},
    {"export-max-running", required_argument, NULL, O_EXPORT},
    {"export-max-per-session", required_argument, NULL, O_EXPORT},
    {"export-ttl", required_argument, NULL, O_EXPORT},
    {"export-max-bytes", required_argument, NULL, O_EXPORT},
    {"export-min-free", required_argument, NULL, O_EXPORT},
    {"documents-max-bytes", required_argument, NULL, O_DOCUMENTS},
    {"documents-types", required_argument, NULL, O_DOCUMENTS},
    {"documents-upload-ttl", required_argument, NULL, O_DOCUMENTS},
    {"documents-max-uploads", required_argument, NULL, O_DOCUMENTS},
    {"help", no_argument, NULL, O_HELP},
    {"version", no_argument, NULL, O_VERSION},
    {NULL, 0, NULL, 0},
};

/* Parses one argv (already merged from the environment, the config file and
 * the command line) over the defaults. */
static int parse_argv(struct srv_config *cfg, int argc, char **argv)
{
    long v;
    int c, idx = 0;

    memset(cfg, 0, sizeof *cfg);
    cfg->data_dir = strdup("pacta-data");
    cfg->listen_host = strdup("127.0.0.1");
    cfg->listen_port = 7443;
    cfg->log_level = SRV_LOG_INFO;
    cfg->auth_timeout_sec = 10;
    cfg->handshake_timeout_sec = 10;
    cfg->queue_max_events = 4096;
    cfg->queue_max_bytes = 8u << 20;
    cfg->session_ttl_sec = 7 * 24 * 3600;
    cfg->max_inflight = 64;
    cfg->readers = 4;
    cfg->reader_cache_mb = SRV_DB_READER_CACHE_MB;
    cfg->min_free_mb = 64;
    cfg->slow_statement_ms = 250;
    cfg->ping_interval_sec = 20;
    cfg->login_max_failures = 5;
    cfg->login_max_failures_per_address = 20;
    cfg->login_lockout_sec = 30;
    cfg->login_lockout_max_sec = 900;
    cfg->login_failure_window_sec = 3600;
    cfg->login_delay_ms = 100;
    cfg->rate_per_sec = 1000;
    cfg->rate_burst = 2000;
    cfg->max_conns_per_address = 0;
    cfg->max_conns_per_user = 256;
    if (getenv("PACTA_METRICS_TOKEN") && *getenv("PACTA_METRICS_TOKEN"))
        cfg->metrics_token = strdup(getenv("PACTA_METRICS_TOKEN"));
    srv__expiry_config_defaults(cfg);
    srv__backup_config_defaults(cfg);

    srv__export_config_defaults(cfg);
    srv__documents_config_defaults(cfg);

    optind = 0; /* glibc: a full reset, so a reload can parse again */
    while ((c = getopt_long(argc, argv, "", opts, &idx)) != -1) {
        switch (c) {
        case O_CONFIG:
            break; /* read before parsing (merge_sources) */
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
        case O_HANDSHAKE:
            if (parse_long("--handshake-timeout", optarg, 1, 3600, &v))
                return -1;
            cfg->handshake_timeout_sec = (int)v;
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
        case O_READERCACHE:
            if (parse_long("--reader-cache-mb", optarg, 1, 4096, &v))
                return -1;
            cfg->reader_cache_mb = (int)v;
            break;
        case O_SLOWSTMT:
            if (parse_long("--slow-statement-ms", optarg, 0, 3600000, &v))
                return -1;
            cfg->slow_statement_ms = (int)v;
            break;
        case O_MINFREE:
            if (parse_long("--min-free-mb", optarg, 0, 1L << 30, &v))
                return -1;
            cfg->min_free_mb = (int)v;
            break;
        case O_LOGINFAIL:
            if (parse_long("--login-max-failures", optarg, 1, 1000000, &v))
                return -1;
            cfg->login_max_failures = (int)v;
            cfg->login_max_failures_per_address = (int)v * 4;
            break;
        case O_LOCKOUT:
            if (parse_long("--login-lockout", optarg, 1, 86400, &v))
                return -1;
            cfg->login_lockout_sec = (int)v;
            if (cfg->login_lockout_max_sec < v)
                cfg->login_lockout_max_sec = (int)v;
            break;
        case O_LOGINDELAY:
            if (parse_long("--login-delay", optarg, 0, 60000, &v))
                return -1;
            cfg->login_delay_ms = (int)v;
            break;
        case O_LOGINWINDOW:
            if (parse_long("--login-failure-window", optarg, 1, 7 * 86400, &v))
                return -1;
            cfg->login_failure_window_sec = (int)v;
            break;
        case O_RATE:
            if (parse_long("--rate", optarg, 0, 1000000, &v))
                return -1;
            cfg->rate_per_sec = (double)v;
            cfg->rate_burst = 2.0 * (double)v;
            break;
        case O_MAXADDR:
            if (parse_long("--max-conns-per-address", optarg, 0, 1000000, &v))
                return -1;
            cfg->max_conns_per_address = (int)v;
            break;
        case O_MAXUSER:
            if (parse_long("--max-conns-per-user", optarg, 0, 1000000, &v))
                return -1;
            cfg->max_conns_per_user = (int)v;
            break;
        case O_ORIGIN: {
            size_t n =
                (cfg->allowed_origins ? strlen(cfg->allowed_origins) + 1 : 0) + strlen(optarg) + 1;
            char *list = malloc(n);
            if (!list)
                abort();
            snprintf(list, n, "%s%s%s", cfg->allowed_origins ? cfg->allowed_origins : "",
                     cfg->allowed_origins ? "," : "", optarg);
            free(cfg->allowed_origins);
            cfg->allowed_origins = list;
            break;
        }
        case O_PING:
            if (parse_long("--ping-interval", optarg, 0, 3600, &v))
                return -1;
            cfg->ping_interval_sec = (int)v;
            break;
        case O_CLIENTCA:
            free(cfg->client_ca);
            cfg->client_ca = strdup(optarg);
            break;
        case O_MTOKEN:
            free(cfg->metrics_token);
            if (!(cfg->metrics_token = read_secret(optarg)))
                return -1;
            break;
        case O_EXPIRY:
            if (srv__expiry_option(cfg, opts[idx].name, optarg))
                return -1;
            break;
        case O_BACKUP:
            if (srv__backup_option(cfg, opts[idx].name, optarg))
                return -1;
            break;
        case O_DOCUMENTS:
            if (srv__documents_option(cfg, opts[idx].name, optarg))
                return -1;
            break;
        case O_EXPORT:
            if (srv__export_option(cfg, opts[idx].name, optarg))
                return -1;
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

/* Parses the sources' merged argv (config_sources.c) over the defaults. */
static int parse_all(struct srv_config *cfg, int argc, char **argv)
{
    struct srv_config_args a;
    int rc;

    if (srv__config_sources(opts, argc, argv, &a) != 0) {
        memset(cfg, 0, sizeof *cfg);
        return -1;
    }
    rc = parse_argv(cfg, a.n, a.v);
    srv__config_args_free(&a);
    return rc;
}

int srv_config_parse(struct srv_config *cfg, int argc, char **argv)
{
    int rc = parse_all(cfg, argc, argv);
    return rc ? rc : srv__expiry_config_finish(cfg);
}

/* Swaps a string field when the new value differs. */
static int take_str(char **live, char **fresh)
{
    if ((*live == NULL) == (*fresh == NULL) && (!*live || strcmp(*live, *fresh) == 0))
        return 0;
    char *old = *live;
    *live = *fresh;
    *fresh = old;
    return 1;
}

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The settings the running server keeps until a restart, by field name,
 * when the sources now say otherwise. */
static void note_restart(const struct srv_config *live, const struct srv_config *fresh, json_t *out)
{
#define NOTE(field)                                                                                \
    do {                                                                                           \
        if (live->field != fresh->field)                                                           \
            json_array_append_new(out, json_string(#field));                                       \
    } while (0)
#define NOTE_STR(field)                                                                            \
    do {                                                                                           \
        if (!same_str(live->field, fresh->field))                                                  \
            json_array_append_new(out, json_string(#field));                                       \
    } while (0)
    NOTE_STR(data_dir);
    NOTE_STR(listen_host);
    NOTE(listen_port);
    NOTE_STR(cert_file);
    NOTE_STR(key_file);
    NOTE_STR(client_ca);
    NOTE(handshake_timeout_sec);
    NOTE(session_ttl_sec);
    NOTE(max_inflight);
    NOTE(readers);
    NOTE(reader_cache_mb);
    NOTE(ping_interval_sec);
    NOTE_STR(timezone);
    NOTE(alert_minute);
    if (live->nthresholds != fresh->nthresholds ||
        memcmp(live->thresholds, fresh->thresholds, sizeof live->thresholds) != 0)
        json_array_append_new(out, json_string("thresholds"));
    NOTE(expiry_step);
    NOTE_STR(backup_dir);
    NOTE_STR(backup_key_file);
    NOTE(backup_minute);
    NOTE(backup_every_min);
    NOTE(backup_keep_days);
    NOTE(backup_method);
#undef NOTE
#undef NOTE_STR
}

int srv_config_reload(struct srv_config *live, int argc, char **argv, json_t **changed,
                      json_t **needs_restart)
{
    struct srv_config fresh;
    *changed = json_array();
    *needs_restart = json_array();
    if (parse_all(&fresh, argc, argv) != 0) {
        srv_config_clear(&fresh);
        return -1;
    }
    note_restart(live, &fresh, *needs_restart);
#define TAKE(field)                                                                                \
    do {                                                                                           \
        if (live->field != fresh.field) {                                                          \
            live->field = fresh.field;                                                             \
            json_array_append_new(*changed, json_string(#field));                                  \
        }                                                                                          \
    } while (0)
    TAKE(log_level);
    TAKE(auth_timeout_sec);
    TAKE(queue_max_events);
    TAKE(queue_max_bytes);
    TAKE(min_free_mb);
    TAKE(slow_statement_ms);
    TAKE(login_max_failures);
    TAKE(login_max_failures_per_address);
    TAKE(login_lockout_sec);
    TAKE(login_lockout_max_sec);
    TAKE(login_failure_window_sec);
    TAKE(login_delay_ms);
    TAKE(rate_per_sec);
    TAKE(rate_burst);
    TAKE(max_conns_per_address);
    TAKE(max_conns_per_user);
    TAKE(documents_max_bytes);
    TAKE(documents_upload_ttl_sec);
    TAKE(documents_max_uploads);
    TAKE(export_max_rows);
    TAKE(export_max_running);
    TAKE(export_max_per_session);
    TAKE(export_ttl_sec);
    TAKE(export_max_bytes);
    TAKE(export_min_free);
#undef TAKE
    if (take_str(&live->metrics_token, &fresh.metrics_token))
        json_array_append_new(*changed, json_string("metrics_token"));
    if (take_str(&live->allowed_origins, &fresh.allowed_origins))
        json_array_append_new(*changed, json_string("allowed_origins"));
    if (take_str(&live->documents_types, &fresh.documents_types))
        json_array_append_new(*changed, json_string("documents_types"));
    srv_config_clear(&fresh);
    return 0;
}

void srv_config_clear(struct srv_config *cfg)
{
    free(cfg->data_dir);
    free(cfg->listen_host);
    free(cfg->cert_file);
    free(cfg->key_file);
    if (cfg->metrics_token)
        explicit_bzero(cfg->metrics_token, strlen(cfg->metrics_token));
    free(cfg->metrics_token);
    free(cfg->allowed_origins);
    free(cfg->client_ca);
    free(cfg->timezone);
    free(cfg->backup_dir);
    free(cfg->backup_key_file);
    free(cfg->documents_types);
    memset(cfg, 0, sizeof *cfg);
}
