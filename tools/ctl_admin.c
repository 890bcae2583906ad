/*
 * pactactl's operator commands: connections, kick, stats (admin ops over
 * the websocket) and metrics / health (the server's HTTPS endpoints).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static int simple_usage(FILE *f, const char *text, int rc)
{
    fputs(text, f);
    return rc;
}

/* Parses only --help (and --json when json is not NULL): 0 to go on from
 * argv[*args_from], -1 after printing the help, or an exit code. */
static int parse_flags(int argc, char **argv, int *json, const char *usage_text, int *args_from)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int ch;
    optind = 0;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (ch == 'h') {
            fputs(usage_text, stdout);
            return -1; /* done, successfully */
        }
        if (ch == 'j' && json)
            *json = 1;
        else
            return simple_usage(stderr, usage_text, CTL_EXIT_USAGE);
    }
    *args_from = optind;
    return 0;
}

/* "2026-11-22T14:02:03.123Z" -> "14:02:03" (the table is for a glance). */
static const char *clock_part(const char *iso)
{
    const char *t = iso ? strchr(iso, 'T') : NULL;
    static char buf[9];
    if (!t || strlen(t) < 9)
        return "-";
    memcpy(buf, t + 1, 8);
    buf[8] = '\0';
    return buf;
}

static const char *str_or(const json_t *o, const char *key, const char *dflt)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s && *s ? s : dflt;
}

static void print_connections(const json_t *items)
{
    size_t i;
    json_t *c;
    printf("%-7s %-12s %-7s %-15s %-18s %-8s %-8s %7s %7s %5s %s\n", "SESSION", "USER", "ROLE",
           "ADDRESS", "CLIENT", "SINCE", "ACTIVE", "MSG-IN", "MSG-OUT", "QUEUE", "EDITING");
    json_array_foreach(items, i, c)
    {
        char since[9];
        snprintf(since, sizeof since, "%s", clock_part(str_or(c, "connected_at", NULL)));
        printf("%-7lld %-12s %-7s %-15s %-18.18s %-8s %-8s %7lld %7lld %5lld %s\n",
               (long long)json_integer_value(json_object_get(c, "session")), str_or(c, "user", "-"),
               str_or(c, "role", "-"), str_or(c, "address", "-"), str_or(c, "client", "-"), since,
               clock_part(str_or(c, "last_activity_at", NULL)),
               (long long)json_integer_value(json_object_get(c, "messages_in")),
               (long long)json_integer_value(json_object_get(c, "messages_out")),
               (long long)json_integer_value(json_object_get(c, "queue_depth")),
               str_or(c, "editing", "-"));
    }
}

int ctl__cmd_connections(const struct ctl_global *g, int argc, char **argv)
{
    static const char usage_text[] = "Usage: pactactl connections [--json]\n"
                                     "Lists the connected clients (admin).\n";
    int json = 0, from, rc = parse_flags(argc, argv, &json, usage_text, &from);
    if (rc)
        return rc < 0 ? CTL_EXIT_OK : rc;
    if (from != argc)
        return simple_usage(stderr, usage_text, CTL_EXIT_USAGE);
    struct ctl_client *c;
    json_t *res;
    if ((rc = ctl__session_open(g, &c)))
        return rc;
    rc = ctl__request(c, "admin.connections.list", json_object(), &res);
    if (rc == 0) {
        if (json) {
            size_t i;
            json_t *it;
            json_array_foreach(json_object_get(res, "items"), i, it) ctl__print_json(it, 0);
        } else {
            print_connections(json_object_get(res, "items"));
        }
        json_decref(res);
    }
    ctl__session_close(c);
    return rc;
}

int ctl__cmd_kick(const struct ctl_global *g, int argc, char **argv)
{
    static const char usage_text[] =
        "Usage: pactactl kick SESSION\n"
        "Disconnects a client (admin); SESSION as listed by `pactactl connections`.\n";
    int from, rc = parse_flags(argc, argv, NULL, usage_text, &from);
    int64_t session;
    if (rc)
        return rc < 0 ? CTL_EXIT_OK : rc;
    if (from + 1 != argc || ctl__parse_int64(argv[from], &session) < 0 || session < 1)
        return simple_usage(stderr, usage_text, CTL_EXIT_USAGE);
    struct ctl_client *c;
    json_t *res;
    if ((rc = ctl__session_open(g, &c)))
        return rc;
    rc = ctl__request(c, "admin.kick", json_pack("{s:I}", "session", (json_int_t)session), &res);
    if (rc == 0) {
        fprintf(stderr, "%s: session %lld disconnected\n", ctl__prog, (long long)session);
        json_decref(res);
    }
    ctl__session_close(c);
    return rc;
}

int ctl__cmd_stats(const struct ctl_global *g, int argc, char **argv)
{
    static const char usage_text[] = "Usage: pactactl stats\n"
                                     "Prints the server's figures (admin.stats) as JSON.\n";
    int from, rc = parse_flags(argc, argv, NULL, usage_text, &from);
    if (rc)
        return rc < 0 ? CTL_EXIT_OK : rc;
    if (from != argc)
        return simple_usage(stderr, usage_text, CTL_EXIT_USAGE);
    struct ctl_client *c;
    json_t *res;
    if ((rc = ctl__session_open(g, &c)))
        return rc;
    rc = ctl__request(c, "admin.stats", json_object(), &res);
    if (rc == 0) {
        ctl__print_json(res, 1);
        json_decref(res);
    }
    ctl__session_close(c);
    return rc;
}

/*
 * metrics / health: HTTPS GETs on the server's port; no login.  The
 * metrics token comes from --token-file or PACTA_METRICS_TOKEN.
 */
static int http_get_cmd(const struct ctl_global *g, int argc, char **argv, const char *path,
                        const char *usage_text)
{
    static const struct option opts[] = {
        {"token-file", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *token_file = NULL;
    int ch;
    optind = 0;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (ch == 'h')
            return simple_usage(stdout, usage_text, CTL_EXIT_OK);
        if (ch == 't')
            token_file = optarg;
        else
            return simple_usage(stderr, usage_text, CTL_EXIT_USAGE);
    }
    if (optind != argc)
        return simple_usage(stderr, usage_text, CTL_EXIT_USAGE);
    if (!g->ca_file || !*g->ca_file) {
        ctl__errorf("no CA certificate: use --ca FILE or set PACTA_CA");
        return CTL_EXIT_USAGE;
    }
    char token[1024] = "";
    if (token_file) {
        FILE *f = fopen(token_file, "r");
        if (!f || !fgets(token, sizeof token, f)) {
            ctl__errorf("cannot read the token from %s", token_file);
            if (f)
                fclose(f);
            return CTL_EXIT_USAGE;
        }
        fclose(f);
        token[strcspn(token, "\r\n")] = '\0';
    } else if (getenv("PACTA_METRICS_TOKEN")) {
        snprintf(token, sizeof token, "%s", getenv("PACTA_METRICS_TOKEN"));
    }
    struct ctl_ws_options o = ctl__ws_options(g);
    char err[512], *body = NULL;
    int status;
    if (ctl_https_get(&o, path, *token ? token : NULL, &status, &body, err, sizeof err) < 0) {
        ctl__errorf("%s", err);
        return ctl__connect_error_exit(err, NULL);
    }
    FILE *to = status == 200 ? stdout : stderr;
    fputs(body, to);
    if (*body && body[strlen(body) - 1] != '\n') /* /readyz's "ok" has none */
        fputc('\n', to);
    if (status != 200)
        ctl__errorf("%s answered HTTP %d", path, status);
    free(body);
    return status == 200 ? CTL_EXIT_OK : CTL_EXIT_SERVER;
}

int ctl__cmd_metrics(const struct ctl_global *g, int argc, char **argv)
{
    return http_get_cmd(
        g, argc, argv, "/metrics",
        "Usage: pactactl metrics [--token-file FILE]\n"
        "Prints the server's Prometheus metrics (GET /metrics). The token, if\n"
        "the server wants one, is the first line of FILE or $PACTA_METRICS_TOKEN.\n");
}

int ctl__cmd_health(const struct ctl_global *g, int argc, char **argv)
{
    return http_get_cmd(g, argc, argv, "/readyz",
                        "Usage: pactactl health\n"
                        "Asks the server whether it is ready (GET /readyz): exit 0 if it is,\n"
                        "1 if not, 3 if it cannot be reached.\n");
}
