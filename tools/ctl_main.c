/*
 * pactactl: the admin and scripting CLI of PACTA.  Every command connects
 * over wss, logs in with auth.login, does its work and exits, with an exit
 * code a script can branch on (see usage()).
 *
 * Configuration comes from flags first, then the environment (PACTA_URL,
 * PACTA_CA, PACTA_USER, PACTA_PASSWORD); secrets never on the command line.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "ctl.h"

const char *ctl__prog = "pactactl";

static void usage(FILE *f)
{
    fprintf(f,
            "usage: pactactl [--url wss://HOST:PORT] [--ca FILE] [--user NAME]\n"
            "                [--password-file FILE] COMMAND [ARGS...]\n"
            "\n"
            "Commands:\n"
            "  user add NAME --role admin|editor|viewer [--display-name X]\n"
            "  user update NAME [--role R] [--disable|--enable] [--display-name X] [--password]\n"
            "  user list\n"
            "  contracts list [--status S] [--kind K] [--owner U] [--lifecycle L] [--q WORDS]\n"
            "                 [--text T] [--currency C --amount-min A --amount-max A]\n"
            "                 [--end-from D --end-to D ...] [--sort KEY [--desc]]\n"
            "                 [--view NAME] [--limit N] [--all] [--json]\n"
            "  contracts get ID\n"
            "  contracts create --number N --title T ... | --json '{...}' | --json -\n"
            "  contracts update ID --version V [--reason R] [field flags] [--set F=V ...]\n"
            "  contracts delete ID --version V [--reason R]\n"
            "  contracts expiring [--days N] [--json]   contracts ending soon\n"
            "  supplements ID [--json]\n"
            "  documents list CONTRACT [--all] [--json] | upload CONTRACT FILE [--name N]\n"
            "            | download ID [-o FILE] | delete ID     files attached to a contract\n"
            "  notifications list [--unread] [--limit N] [--all] [--json]\n"
            "  notifications read ID... | --all          mark expiry alerts read\n"
            "  watch [--since SEQ]\n"
            "  call OP [JSON-ARGS | -]\n"
            "  connections [--json]          connected clients (admin)\n"
            "  kick SESSION                  disconnect a client (admin)\n"
            "  backup list|create [--description D]|verify ID|restore ID  (admin)\n"
            "  backup verify FILE | restore FILE --data-dir DIR   offline, server stopped\n"
            "  stats                         server figures (admin)\n"
            "  dashboard [--json] [--watch]  contract figures: totals, expiring, value\n"
            "  metrics [--token-file FILE]   Prometheus metrics (GET /metrics)\n"
            "  health                        readiness (GET /readyz)\n"
            "  export --format csv|xlsx|pdf -o FILE [filters] [--contract ID] [--bom]\n"
            "  views save NAME [filters] [--sort KEY [--desc]] | list [--json] | delete NAME\n"
            "                                your saved contract views\n"
            "Run `pactactl COMMAND --help` for the options of a command.\n"
            "\n"
            "Options (and the environment they default to):\n"
            "  --url URL             server (PACTA_URL, default wss://localhost:7443)\n"
            "  --ca FILE             CA certificate to trust, only this one (PACTA_CA)\n"
            "  --user NAME           login name (PACTA_USER, default admin)\n"
            "  --password-file FILE  password on its first line (else PACTA_PASSWORD,\n"
            "                        else asked on the terminal)\n"
            "  --client-cert FILE    client certificate, for a server in mTLS mode\n"
            "                        (PACTA_CLIENT_CERT); --client-key FILE its key\n"
            "                        (PACTA_CLIENT_KEY; without it the cert file must\n"
            "                        hold the key too)\n"
            "  --help, --version\n"
            "\n"
            "Exit status: 0 ok, 1 error answer from the server (also a request it\n"
            "refuses by closing: too large (1009), session ended (4001), kicked (4002)),\n"
            "2 usage error (or the output or a file could not be written),\n"
            "3 cannot connect / TLS failure / connection lost.\n");
}

void ctl__errorf(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", ctl__prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void ctl__print_error(const char *what, const json_t *error)
{
    const char *code = json_string_value(json_object_get(error, "code"));
    const char *msg = json_string_value(json_object_get(error, "message"));
    const char *field = json_string_value(json_object_get(error, "field"));
    int named = field && *field;
    ctl__errorf("%s%s%s: %s%s%s%s", what ? what : "", what ? ": " : "", code ? code : "error",
                msg ? msg : "", named ? " (field " : "", named ? field : "", named ? ")" : "");
}

/* Strips a trailing "\n" or "\r\n". */
static void chomp(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
}

char *ctl__prompt_secret(const char *prompt)
{
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    FILE *tty = fdopen(fd, "r+");
    if (!tty) {
        close(fd);
        return NULL;
    }
    struct termios old, quiet;
    int have_termios = tcgetattr(fd, &old) == 0;
    if (have_termios) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        quiet.c_lflag |= ECHONL;
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    fputs(prompt, tty);
    fflush(tty);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, tty);
    if (have_termios)
        tcsetattr(fd, TCSAFLUSH, &old);
    fclose(tty);
    if (n < 0) {
        free(line);
        return NULL;
    }
    chomp(line);
    return line;
}

static char *read_first_line(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f) {
        ctl__errorf("cannot read password file %s: %s", path, strerror(errno));
        return NULL;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, f);
    fclose(f);
    if (n < 0) {
        free(line);
        ctl__errorf("password file %s is empty", path);
        return NULL;
    }
    chomp(line);
    return line;
}

char *ctl__login_password(const struct ctl_global *g)
{
    if (g->password_file)
        return read_first_line(g->password_file);
    const char *env = getenv("PACTA_PASSWORD");
    if (env)
        return strdup(env);
    char prompt[160];
    snprintf(prompt, sizeof(prompt), "Password for %s: ", g->user);
    char *p = ctl__prompt_secret(prompt);
    if (!p)
        ctl__errorf("no password: use --password-file, set PACTA_PASSWORD, or run on a "
                    "terminal");
    return p;
}

int ctl__report_lost(struct ctl_client *c)
{
    struct ctl_ws *ws = ctl_client_ws(c);
    int code = ctl_ws_close_code(ws);
    const char *reason = ctl_ws_close_reason(ws);
    if (code == 1009)
        ctl__errorf("the request is too large for the server (closed with 1009%s%s; PROTOCOL.md "
                    "§12): it was not carried out",
                    *reason ? " " : "", reason);
    else if (code && code != 1006)
        ctl__errorf("connection closed by the server (%d%s%s)", code, *reason ? " " : "", reason);
    else if (code == 1006)
        ctl__errorf("connection lost");
    else
        ctl__errorf("no answer from the server within %d s", CTL_REQUEST_TIMEOUT_MS / 1000);
    switch (code) {
    case 1002: /* protocol error */
    case 1003: /* binary frame */
    case 1007: /* bad UTF-8 */
    case 1009: /* message too big */
    case 4001: /* session ended */
    case 4002: /* disconnected by an administrator */
        return CTL_EXIT_SERVER;
    default:
        return CTL_EXIT_CONNECT;
    }
}

struct ctl_ws_options ctl__ws_options(const struct ctl_global *g)
{
    struct ctl_ws_options o = {.url = g->url,
                               .ca_file = g->ca_file,
                               .timeout_ms = 10000,
                               .cert_file = g->client_cert,
                               .key_file = g->client_key};
    return o;
}

void ctl__session_close(struct ctl_client *c)
{
    json_t *r = NULL;
    if (!c)
        return;
    if (ctl_ws_close_code(ctl_client_ws(c)) == 0 &&
        ctl_client_request(c, "auth.logout", json_object(), 2000, &r) >= 0)
        json_decref(r);
    ctl_client_close(c);
}

int ctl__session_open(const struct ctl_global *g, struct ctl_client **out)
{
    char err[512];
    *out = NULL;
    if (!g->ca_file || !*g->ca_file) {
        ctl__errorf("no CA certificate: use --ca FILE or set PACTA_CA (the dev CA is "
                    "written by certs/gen-dev-certs.sh)");
        return CTL_EXIT_USAGE;
    }
    if (access(g->ca_file, R_OK) != 0) {
        ctl__errorf("cannot read CA file %s: %s", g->ca_file, strerror(errno));
        return CTL_EXIT_USAGE;
    }
    char *password = ctl__login_password(g);
    if (!password)
        return CTL_EXIT_USAGE;
    struct ctl_ws_options o = ctl__ws_options(g);
    struct ctl_client *c;
    if (ctl_client_connect(&o, &c, err, sizeof(err)) < 0) {
        free(password);
        ctl__errorf("%s", err);
        return ctl__connect_error_exit(err, NULL);
    }
    json_t *error = NULL;
    int rc = ctl_client_login(c, g->user, password, &error);
    explicit_bzero(password, strlen(password));
    free(password);
    if (rc != 0) {
        int exit_code = CTL_EXIT_SERVER;
        if (rc == 1)
            ctl__errorf("login as %s failed: %s", g->user,
                        json_string_value(json_object_get(error, "message"))
                            ? json_string_value(json_object_get(error, "message"))
                            : "unknown error");
        else
            exit_code = ctl__report_lost(c);
        json_decref(error);
        ctl_client_close(c);
        return exit_code;
    }
    *out = c;
    return 0;
}

int ctl__stdout_failed(void)
{
    static int told;
    errno = 0;
    int flush_failed = fflush(stdout) != 0;
    if (!flush_failed && !ferror(stdout))
        return 0;
    /* errno only when this flush failed: an earlier failed write (a flush
     * in a command's own code) left no trace of its cause */
    if (!told++)
        ctl__errorf("cannot write the output%s%s", flush_failed && errno ? ": " : "",
                    flush_failed && errno ? strerror(errno) : "");
    return 1;
}

void ctl__print_json(const json_t *j, int pretty)
{
    char *s =
        json_dumps(j, pretty ? JSON_INDENT(2) | JSON_ENCODE_ANY : JSON_COMPACT | JSON_ENCODE_ANY);
    if (s) {
        fputs(s, stdout);
        fputc('\n', stdout);
        free(s);
    }
    fflush(stdout);
}

int ctl__request(struct ctl_client *c, const char *op, json_t *args_steal, json_t **result)
{
    json_t *r;
    *result = NULL;
    int rc = ctl_client_request(c, op, args_steal, CTL_REQUEST_TIMEOUT_MS, &r);
    if (rc < 0)
        return ctl__report_lost(c);
    if (rc == 1) {
        ctl__print_error(NULL, r);
        json_decref(r);
        return CTL_EXIT_SERVER;
    }
    *result = r;
    return 0;
}

json_t *ctl__load_json_arg(const char *text)
{
    json_error_t e;
    json_t *j;
    if (strcmp(text, "-") == 0)
        j = json_loadf(stdin, 0, &e);
    else
        j = json_loads(text, 0, &e);
    if (!j)
        ctl__errorf("invalid JSON: %s (line %d, column %d)", e.text, e.line, e.column);
    return j;
}

static int call_usage(FILE *f, int rc)
{
    fprintf(f, "usage: pactactl call OP [JSON-ARGS | -]\n"
               "Sends one request (args default to {}) and prints the result as JSON.\n"
               "On an error answer prints the error object and exits 1.\n");
    return rc;
}

int ctl__cmd_call(const struct ctl_global *g, int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
        return call_usage(stdout, CTL_EXIT_OK);
    if (argc < 2 || argc > 3)
        return call_usage(stderr, CTL_EXIT_USAGE);
    json_t *args = argc == 3 ? ctl__load_json_arg(argv[2]) : json_object();
    if (!args)
        return CTL_EXIT_USAGE;
    if (!json_is_object(args)) {
        json_decref(args);
        ctl__errorf("JSON-ARGS must be an object");
        return CTL_EXIT_USAGE;
    }
    struct ctl_client *c;
    int rc = ctl__session_open(g, &c);
    if (rc) {
        json_decref(args);
        return rc;
    }
    json_t *r;
    rc = ctl_client_request(c, argv[1], args, CTL_REQUEST_TIMEOUT_MS, &r);
    if (rc < 0) {
        rc = ctl__report_lost(c);
    } else {
        ctl__print_json(r, 1);
        json_decref(r);
        rc = rc == 1 ? CTL_EXIT_SERVER : CTL_EXIT_OK;
    }
    ctl__session_close(c);
    return rc;
}

/* Matches "--name VALUE" and "--name=VALUE"; advances *i past the value. */
static int global_opt(int argc, char **argv, int *i, const char *name, const char **val)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (strncmp(a, name, n) != 0)
        return 0;
    if (a[n] == '=') {
        *val = a + n + 1;
        return 1;
    }
    if (a[n] != '\0')
        return 0;
    if (*i + 1 >= argc) {
        ctl__errorf("%s needs a value", name);
        return -1;
    }
    *val = argv[++*i];
    return 1;
}

/* 1 if the PEM file holds a private key (a certificate given alone may
 * carry its key; a missing one otherwise fails deep in OpenSSL as "PEM
 * lib"); 1 too when it cannot be read: the TLS set-up then says why. */
static int pem_has_key(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[256];
    int found = f == NULL;
    while (f && !found && fgets(line, sizeof line, f))
        found = strstr(line, "PRIVATE KEY-----") != NULL;
    if (f)
        fclose(f);
    return found;
}

static int run_command(int argc, char **argv)
{
    /* A reader that went away (`pactactl watch | head -1`) ends pactactl as
     * it ends any filter, even when SIGPIPE came in ignored (the socket is
     * guarded in transport.c). */
    signal(SIGPIPE, SIG_DFL);
    struct ctl_global g = {
        .url = getenv("PACTA_URL"),
        .ca_file = getenv("PACTA_CA"),
        .user = getenv("PACTA_USER"),
        .client_cert = getenv("PACTA_CLIENT_CERT"),
        .client_key = getenv("PACTA_CLIENT_KEY"),
    };
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        int r = 0;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return CTL_EXIT_OK;
        }
        if (strcmp(argv[i], "--version") == 0) {
            printf("pactactl " PACTA_VERSION "\n");
            return CTL_EXIT_OK;
        }
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        if ((r = global_opt(argc, argv, &i, "--url", &g.url)) ||
            (r = global_opt(argc, argv, &i, "--ca", &g.ca_file)) ||
            (r = global_opt(argc, argv, &i, "--user", &g.user)) ||
            (r = global_opt(argc, argv, &i, "--password-file", &g.password_file)) ||
            (r = global_opt(argc, argv, &i, "--client-cert", &g.client_cert)) ||
            (r = global_opt(argc, argv, &i, "--client-key", &g.client_key))) {
            if (r < 0)
                return CTL_EXIT_USAGE;
            continue;
        }
        ctl__errorf("unknown option %s (see --help)", argv[i]);
        return CTL_EXIT_USAGE;
    }
    if (!g.url || !*g.url)
        g.url = "wss://localhost:7443";
    if (g.client_cert && *g.client_cert && (!g.client_key || !*g.client_key) &&
        !pem_has_key(g.client_cert)) {
        ctl__errorf("%s holds no private key: give the key's file with --client-key FILE (or "
                    "PACTA_CLIENT_KEY)",
                    g.client_cert);
        return CTL_EXIT_USAGE;
    }
    if (!g.user || !*g.user)
        g.user = "admin";
    if (i >= argc) {
        usage(stderr);
        return CTL_EXIT_USAGE;
    }
    const char *cmd = argv[i];
    int sub_argc = argc - i;
    char **sub_argv = argv + i;
    if (strcmp(cmd, "contracts") == 0)
        return ctl__cmd_contracts(&g, sub_argc, sub_argv);
    if (strcmp(cmd, "supplements") == 0)
        return ctl__cmd_supplements(&g, sub_argc, sub_argv);
    if (strcmp(cmd, "user") == 0 || strcmp(cmd, "users") == 0)
        return ctl__cmd_user(&g, sub_argc, sub_argv);
    if (strcmp(cmd, "notifications") == 0 || strcmp(cmd, "notification") == 0)
        return ctl__cmd_notifications(&g, sub_argc, sub_argv);
    if (strcmp(cmd, "watch") == 0)
        return ctl__cmd_watch(&g, sub_argc, sub_argv);
    if (strcmp(cmd, "call") == 0)
        return ctl__cmd_call(&g, sub_argc, sub_argv);
    if (strcmp(cmd, "connections") == 0)
        return ctl__cmd_connections(&g, sub_argc, sub_argv);
    if (strcmp(cmd, "kick") == 0)
        return ctl__cmd_kick(&g, sub_argc, sub_argv);
    if (strcmp(cmd, "backup") == 0 || strcmp(cmd, "backups") == 0)
        return ctl__cmd_backup(&g, sub_argc, sub_argv);
    if (strcmp(cmd, "documents") == 0 || strcmp(cmd, "document") == 0)
        return ctl__cmd_documents(&g, sub_argc, sub_argv);
    if (strcmp(cmd, "stats") == 0)
        return ctl__cmd_stats(&g, sub_argc, sub_argv);
    if (strcmp(cmd, "dashboard") == 0)
        return ctl__cmd_dashboard(&g, sub_argc, sub_argv);
    if (strcmp(cmd, "metrics") == 0)
        return ctl__cmd_metrics(&g, sub_argc, sub_argv);
    if (strcmp(cmd, "export") == 0)
        return ctl__cmd_export(&g, sub_argc, sub_argv);
    if (strcmp(cmd, "health") == 0)
        return ctl__cmd_health(&g, sub_argc, sub_argv);
    if (strcmp(cmd, "views") == 0 || strcmp(cmd, "view") == 0)
        return ctl__cmd_views(&g, sub_argc, sub_argv);
    if (strcmp(cmd, "help") == 0) {
        usage(stdout);
        return CTL_EXIT_OK;
    }
    ctl__errorf("unknown command \"%s\" (see --help)", cmd);
    return CTL_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    int rc = run_command(argc, argv);
    /* output that never reached its file is not a success a script can
     * trust (`pactactl contracts list > full-disk/out` exited 0) */
    if (ctl__stdout_failed() && rc == CTL_EXIT_OK)
        rc = CTL_EXIT_USAGE;
    return rc;
}
