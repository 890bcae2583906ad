/*
 * pactactl internals shared by the ctl_*.c files.  Each command is a
 * function that parses its own arguments (so that `--help` works without a
 * server), then connects and logs in through ctl__session_open().
 */
#ifndef PACTA_CTL_H
#define PACTA_CTL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "client.h"

/* Exit codes: documented in `pactactl --help`. */
enum {
    CTL_EXIT_OK = 0,
    CTL_EXIT_SERVER = 1,  /* the server answered with an error */
    CTL_EXIT_USAGE = 2,   /* bad command line, missing configuration */
    CTL_EXIT_CONNECT = 3, /* cannot connect, TLS failure, connection lost */
};

/* How long one request may take before we give up on the server. */
#define CTL_REQUEST_TIMEOUT_MS 30000

/* Global options, resolved from flags and the environment. */
struct ctl_global {
    const char *url;
    const char *ca_file;
    const char *user;
    const char *password_file;
    const char *client_cert, *client_key; /* mTLS, when the server asks for it */
};
/* The connection options every command uses. */
struct ctl_ws_options ctl__ws_options(const struct ctl_global *g);

/* ---- ctl_main.c ---- */
extern const char *ctl__prog;
/* Prints "pactactl: ..." on stderr. */
void ctl__errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints a server's error object: "pactactl: [WHAT: ]CODE: MESSAGE[ (field F)]";
 * what may be NULL. */
void ctl__print_error(const char *what, const json_t *error);
/* Checks the CA, reads the password, connects and logs in.  On success 0
 * and *out; otherwise prints why and returns the exit code to use. */
int ctl__session_open(const struct ctl_global *g, struct ctl_client **out);
/* The admin password: --password-file, PACTA_PASSWORD, or a tty prompt.
 * malloc'd; NULL after printing why. */
char *ctl__login_password(const struct ctl_global *g);
/* Reads one line from a terminal with echo off (prompt on /dev/tty).  NULL
 * if there is no terminal.  malloc'd. */
char *ctl__prompt_secret(const char *prompt);
/*
 * Runs one request.  0 with *result; on an error response prints it (as a
 * one-line message on stderr, or as JSON on stdout if json_error) and returns
 * CTL_EXIT_SERVER; on a transport failure prints it and returns
 * CTL_EXIT_CONNECT.  *result is NULL unless 0 is returned.
 */
int ctl__request(struct ctl_client *c, const char *op, json_t *args_steal, json_t **result);
/* Prints JSON to stdout: indented (pretty) or one compact line; flushes. */
void ctl__print_json(const json_t *j, int pretty);
/* Flushes stdout; 1 (saying why, once) if something printed could not be
 * written (a full disk): the command then ends with CTL_EXIT_USAGE, as when
 * the file it was asked to write cannot be written. */
int ctl__stdout_failed(void);
/* Reads all of a file ("-" = stdin) as JSON.  NULL after printing why. */
json_t *ctl__load_json_arg(const char *text);
/* Describes a lost connection on stderr and returns the exit code for it:
 * CTL_EXIT_SERVER when the server closed it as its answer to what we sent or
 * who we are (1009 too big, 1002/1003/1007, 4001 session ended, 4002
 * kicked: the same request would fail again), else CTL_EXIT_CONNECT (1008,
 * too many connections from this address, passes like a refused connect). */
int ctl__report_lost(struct ctl_client *c);
/* Ends what ctl__session_open began: logs the token out (so one-shot
 * commands leave no live token behind) and closes the connection. */
void ctl__session_close(struct ctl_client *c);

/* ---- ctl_tmpfile.c ---- */
/* mkstemp(tmpl), and from then until disarm SIGINT, SIGTERM, SIGHUP or
 * SIGQUIT remove that file (a temporary file being filled) before ending
 * pactactl; no signal can come between the file's making and its arming.
 * The file descriptor, or -1 with errno set. */
int ctl__tmpfile_make(char *tmpl);
void ctl__tmpfile_disarm(void);

/* ---- ctl_format.c: amounts, text widths ---- */
/* Minor-unit digits of an ISO 4217 currency (2 unless known otherwise). */
int ctl__currency_digits(const char *currency);
/* Parses a decimal amount written as text ("1234.5", "1,234.56") into minor
 * units exactly, without floats.  0, or -1 if malformed or too precise. */
int ctl__parse_amount(const char *text, int digits, int64_t *out);
/* "12,500.00 EUR" */
void ctl__format_amount(int64_t minor, const char *currency, char *out, size_t outlen);
/* Display width of UTF-8 text (code points). */
size_t ctl__text_width(const char *s);
/* Prints s padded (or cut with "…") to width columns; right-aligned if
 * right. */
void ctl__print_cell(const char *s, size_t width, int right);
/* Strict integer parse; 0 or -1. */
int ctl__parse_int64(const char *s, int64_t *out);

/* ---- ctl_filters.c: the filter and sort flags of contracts.list, shared
 * by `contracts list`, `views save` and `export` ---- */
enum {
    CTL_O_STATUS = 0x100,
    CTL_O_KIND,
    CTL_O_OWNER,
    CTL_O_TEXT,
    CTL_O_Q,
    CTL_O_LIFECYCLE,
    CTL_O_CURRENCY,
    CTL_O_SIGN_FROM,
    CTL_O_SIGN_TO,
    CTL_O_START_FROM,
    CTL_O_START_TO,
    CTL_O_END_FROM,
    CTL_O_END_TO,
    CTL_O_AMOUNT_MIN,
    CTL_O_AMOUNT_MAX,
    CTL_O_DELETED,
    CTL_O_SORT,
    CTL_O_DESC,
    CTL_O_ASC,
    CTL_O__NEXT, /* a command's own options start here */
};
/* Their getopt_long entries (a command's array goes on after them). */
#define CTL_FILTER_OPTIONS                                                                         \
    {"status", required_argument, NULL, CTL_O_STATUS},                                             \
        {"kind", required_argument, NULL, CTL_O_KIND},                                             \
        {"owner", required_argument, NULL, CTL_O_OWNER},                                           \
        {"text", required_argument, NULL, CTL_O_TEXT}, {"q", required_argument, NULL, CTL_O_Q},    \
        {"lifecycle", required_argument, NULL, CTL_O_LIFECYCLE},                                   \
        {"currency", required_argument, NULL, CTL_O_CURRENCY},                                     \
        {"sign-from", required_argument, NULL, CTL_O_SIGN_FROM},                                   \
        {"sign-to", required_argument, NULL, CTL_O_SIGN_TO},                                       \
        {"start-from", required_argument, NULL, CTL_O_START_FROM},                                 \
        {"start-to", required_argument, NULL, CTL_O_START_TO},                                     \
        {"end-from", required_argument, NULL, CTL_O_END_FROM},                                     \
        {"end-to", required_argument, NULL, CTL_O_END_TO},                                         \
        {"amount-min", required_argument, NULL, CTL_O_AMOUNT_MIN},                                 \
        {"amount-max", required_argument, NULL, CTL_O_AMOUNT_MAX},                                 \
        {"include-deleted", no_argument, NULL, CTL_O_DELETED},                                     \
        {"sort", required_argument, NULL, CTL_O_SORT}, {"desc", no_argument, NULL, CTL_O_DESC},    \
        {"asc", no_argument, NULL, CTL_O_ASC},                                                     \
    {                                                                                              \
        "help", no_argument, NULL, 'h'                                                             \
    }
#define CTL_FILTER_HELP                                                                            \
    "Filters (all combine with AND):\n"                                                            \
    "  --status draft|active|expired|terminated   --kind client|supplier   --owner USER\n"         \
    "  --lifecycle upcoming|active|expiring|expired|terminated|unknown\n"                          \
    "  --text T        substring of number, title or counterparty\n"                               \
    "  --q WORDS       full-text search (prefixes, accents ignored; also supplement reasons)\n"    \
    "  --sign-from D --sign-to D --start-from D --start-to D --end-from D --end-to D\n"            \
    "                  dates YYYY-MM-DD, inclusive\n"                                              \
    "  --currency CUR [--amount-min AMOUNT] [--amount-max AMOUNT]   e.g. 1234.56\n"                \
    "  --include-deleted\n"                                                                        \
    "Sort: --sort number|title|counterparty|end_date|start_date|sign_date|amount|\n"               \
    "      updated_at|relevance (with --q), and --desc or --asc.\n"

/* The filter and sort flags seen so far; amounts wait for the currency. */
struct ctl_list_flags {
    json_t *filter; /* contracts.list filter members */
    const char *sort;
    int order; /* 0 not given, 1 asc, -1 desc */
    const char *amount_min, *amount_max;
};
/* 1 if ch was a filter or sort flag (taken into f), 0 if not. */
int ctl__filter_flag(struct ctl_list_flags *f, int ch, const char *arg);
/* --amount-min/--amount-max into f->filter in the currency's minor unit;
 * -1 on a usage error (reported). */
int ctl__filter_amounts(struct ctl_list_flags *f);
/* contracts.list's args (filters, sort, order; new ref): from the saved
 * view view_name of the logged-in user if not NULL, the flags over it (the
 * view's currency counts for the amounts).  NULL on an error (reported;
 * *rc the exit code). */
json_t *ctl__filter_args(struct ctl_client *c, const char *view_name, struct ctl_list_flags *f,
                         int *rc);

/* ---- commands ---- */
int ctl__cmd_contracts(const struct ctl_global *g, int argc, char **argv);
/* ctl_list.c: contracts list (every filter and sort) and views save|list|delete. */
int ctl__contracts_list(const struct ctl_global *g, int argc, char **argv);
int ctl__cmd_views(const struct ctl_global *g, int argc, char **argv);
int ctl__cmd_supplements(const struct ctl_global *g, int argc, char **argv);
int ctl__cmd_user(const struct ctl_global *g, int argc, char **argv);
int ctl__cmd_watch(const struct ctl_global *g, int argc, char **argv);
int ctl__cmd_call(const struct ctl_global *g, int argc, char **argv);
/* ctl_admin.c */
int ctl__cmd_connections(const struct ctl_global *g, int argc, char **argv);
int ctl__cmd_kick(const struct ctl_global *g, int argc, char **argv);
int ctl__cmd_stats(const struct ctl_global *g, int argc, char **argv);
int ctl__cmd_metrics(const struct ctl_global *g, int argc, char **argv);
int ctl__cmd_health(const struct ctl_global *g, int argc, char **argv);
/* ctl_notify.c: notifications list|read, and `contracts expiring` (argv[0]
 * is "expiring") */
int ctl__cmd_notifications(const struct ctl_global *g, int argc, char **argv);
int ctl__contracts_expiring(const struct ctl_global *g, int argc, char **argv);
/* ctl_backup.c: backup list|create|verify|restore, online (ID) or offline (FILE) */
int ctl__cmd_backup(const struct ctl_global *g, int argc, char **argv);
/* ctl_documents.c: documents list|upload|download|delete */
int ctl__cmd_documents(const struct ctl_global *g, int argc, char **argv);
/* ctl_export.c: export --format csv|xlsx|pdf -o FILE [filters] */
int ctl__cmd_export(const struct ctl_global *g, int argc, char **argv);
/* ctl_dashboard.c: dashboard [--json] [--watch] */
int ctl__cmd_dashboard(const struct ctl_global *g, int argc, char **argv);
/* ctl_follow.c: for the commands that run until stopped (watch, dashboard
 * --watch): SIGINT/SIGTERM only set a flag (ctl__follow_stopped); a nap
 * that such a signal ends early; a reconnect delay jittered over its upper
 * half. */
void ctl__follow_trap_signals(void);
int ctl__follow_stopped(void);
void ctl__follow_nap(int ms);
int ctl__follow_jitter(int ms);
/* PROTOCOL §12: a connection closed with 4001 (session ended) or 4002
 * (disconnected by an administrator) is not reopened by the client on its
 * own.  For those it prints why and returns 1; else 0. */
int ctl__follow_final_close(int close_code);
/* The exit code for a connection that failed with ctl_ws_connect's message
 * err: CTL_EXIT_USAGE for what the command line or environment got wrong
 * (the URL, the CA file, the client certificate), else CTL_EXIT_CONNECT.
 * *retry (if not NULL): 1 when trying again later may work (refused,
 * unreachable, timed out, dropped), 0 when it cannot (the usage errors, and a server
 * certificate the pinned CA did not issue). */
int ctl__connect_error_exit(const char *err, int *retry);

#endif
