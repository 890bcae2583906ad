/*
 * pactactl notifications list|read and contracts expiring: the expiry
 * alerts of PROTOCOL.md §6.21, §6.22 and §6.24 for a person at a terminal
 * (a table) or a script (--json, one object per line).
 *
 * Like every command, the flags are parsed before connecting, so --help
 * and a bad command line never need a server.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

/* notifications.mark_read takes at most this many ids per request. */
#define MARK_READ_BATCH 500
/* notifications.list's largest page. */
#define LIST_MAX_LIMIT 500

static int notifications_usage(FILE *f, int rc)
{
    fprintf(f, "usage: pactactl notifications list [--unread] [--limit N] [--all] [--json]\n"
               "       pactactl notifications read ID... | --all\n"
               "Your expiry alerts (contract.expiring, notice_due, expired, renewed), newest\n"
               "first.  `list` shows LIMIT of them (default 50; --all: every page);\n"
               "`read` marks the given ones read, or with --all every unread one.\n");
    return rc;
}

static int expiring_usage(FILE *f, int rc)
{
    fprintf(f, "usage: pactactl contracts expiring [--days N] [--json]\n"
               "Active contracts ending within N days (0..3650, default 30) or already past\n"
               "their end and not yet processed by the server, soonest first.\n");
    return rc;
}

/* ---- a small table printer ------------------------------------------------ */

/*
 * Prints rows (an array of arrays of strings, NULL shown as "-") under
 * head, each column as wide as its widest cell up to maxw; right[k] aligns
 * column k right.  The last column is not padded (no trailing blanks).
 */
static void print_rows(int ncol, const char *const *head, const size_t *maxw, const int *right,
                       const json_t *rows)
{
    size_t w[16], i;
    const json_t *row;
    for (int k = 0; k < ncol; k++)
        w[k] = ctl__text_width(head[k]);
    json_array_foreach(rows, i, row)
    {
        for (int k = 0; k < ncol; k++) {
            const char *s = json_string_value(json_array_get(row, (size_t)k));
            size_t tw = ctl__text_width(s ? s : "-");
            if (tw > w[k])
                w[k] = tw > maxw[k] ? maxw[k] : tw;
        }
    }
    for (int k = 0; k < ncol; k++) {
        int last = k == ncol - 1;
        ctl__print_cell(head[k], last ? ctl__text_width(head[k]) : w[k], right[k]);
        fputs(last ? "\n" : "  ", stdout);
    }
    json_array_foreach(rows, i, row)
    {
        for (int k = 0; k < ncol; k++) {
            const char *s = json_string_value(json_array_get(row, (size_t)k));
            int last = k == ncol - 1;
            if (!s)
                s = "-";
            ctl__print_cell(s, last ? ctl__text_width(s) : w[k], right[k]);
            fputs(last ? "\n" : "  ", stdout);
        }
    }
    fflush(stdout);
}

/* json_string() of printf output; NULL arguments are the caller's care. */
static json_t *jfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static json_t *jfmt(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return json_string(buf);
}

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* A table cell: the string member, or null (shown as "-") when absent. */
static json_t *cell(const json_t *o, const char *key)
{
    const char *s = str(o, key);
    return s ? json_string(s) : json_null();
}

/* ---- notifications list ----------------------------------------------------- */

/* "2027-01-01T00:00:00.120Z" -> "2027-01-01 00:00" (UTC, for a glance). */
static json_t *short_time(const char *iso)
{
    if (!iso || strlen(iso) < 16)
        return json_string(iso ? iso : "-");
    return jfmt("%.10s %.5s", iso, iso + 11);
}

/*
 * What a notification says, in words: the date it is about and how far
 * ahead it was when raised (the threshold), e.g. "ends 2027-01-31, in 30
 * days".  Late alerts (the server was down on their day) say so.
 */
static json_t *describe(const json_t *n)
{
    const json_t *sm = json_object_get(n, "summary");
    const char *kind = str(sm, "kind"), *target = str(sm, "target_date");
    json_int_t thr = json_integer_value(json_object_get(sm, "threshold"));
    const char *late = json_is_true(json_object_get(sm, "late")) ? " (late)" : "";
    const char *title = str(sm, "title");
    char what[128];

    if (!target)
        target = "?";
    if (kind && !strcmp(kind, "expiring"))
        snprintf(what, sizeof what, "ends %s, in %lld day%s", target, (long long)thr,
                 thr == 1 ? "" : "s");
    else if (kind && !strcmp(kind, "notice_due"))
        snprintf(what, sizeof what, "notice deadline %s, in %lld day%s", target, (long long)thr,
                 thr == 1 ? "" : "s");
    else if (kind && !strcmp(kind, "expired"))
        snprintf(what, sizeof what, "expired: ended %s", target);
    else if (kind && !strcmp(kind, "renewed"))
        snprintf(what, sizeof what, "renewed: term ended %s", target);
    else
        snprintf(what, sizeof what, "%s %s",
                 kind              ? kind
                 : str(n, "event") ? str(n, "event")
                                   : "?",
                 target);
    return jfmt("%s%s%s%s", title ? title : "", title ? ": " : "", what, late);
}

static json_t *notification_row(const json_t *n)
{
    const json_t *sm = json_object_get(n, "summary");
    const char *kind = str(sm, "kind");
    const char *event = str(n, "event");
    if (!kind && event && !strncmp(event, "contract.", 9))
        kind = event + 9;
    json_t *row = json_array();
    json_array_append_new(row,
                          jfmt("%lld", (long long)json_integer_value(json_object_get(n, "id"))));
    json_array_append_new(row, short_time(str(n, "created_at")));
    json_array_append_new(row, json_string(kind ? kind : "-"));
    json_array_append_new(row, cell(sm, "number"));
    json_array_append_new(row,
                          json_string(json_is_true(json_object_get(n, "read")) ? "yes" : "no"));
    json_array_append_new(row, describe(n));
    return row;
}

static int notifications_list(const struct ctl_global *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"unread", no_argument, NULL, 'u'}, {"limit", required_argument, NULL, 'l'},
        {"all", no_argument, NULL, 'a'},    {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},   {NULL, 0, NULL, 0},
    };
    json_t *args = json_object(), *rows = json_array();
    struct ctl_client *c = NULL;
    int follow = 0, as_json = 0, ch, rc = CTL_EXIT_USAGE;
    json_int_t unread = 0;
    int64_t limit;

    optind = 0;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case 'u':
            json_object_set_new(args, "unread_only", json_true());
            break;
        case 'l':
            if (ctl__parse_int64(optarg, &limit) < 0 || limit < 1 || limit > LIST_MAX_LIMIT) {
                ctl__errorf("--limit must be an integer from 1 to %d", LIST_MAX_LIMIT);
                goto out;
            }
            json_object_set_new(args, "limit", json_integer(limit));
            break;
        case 'a':
            follow = 1;
            break;
        case 'j':
            as_json = 1;
            break;
        case 'h':
            rc = notifications_usage(stdout, CTL_EXIT_OK);
            goto out;
        default:
            ctl__errorf("notifications list: bad option %s", argv[optind - 1]);
            goto out;
        }
    }
    if (optind != argc) {
        ctl__errorf("notifications list: unexpected argument \"%s\"", argv[optind]);
        goto out;
    }
    if ((rc = ctl__session_open(g, &c)) != 0)
        goto out;
    for (;;) {
        json_t *res, *it;
        size_t i;
        if ((rc = ctl__request(c, "notifications.list", json_deep_copy(args), &res)) != 0)
            goto out;
        json_array_foreach(json_object_get(res, "items"), i, it)
        {
            if (as_json)
                ctl__print_json(it, 0);
            else
                json_array_append_new(rows, notification_row(it));
        }
        unread = json_integer_value(json_object_get(res, "unread"));
        const char *next = str(res, "next_cursor");
        if (next && follow)
            json_object_set_new(args, "cursor", json_string(next));
        else if (next)
            fprintf(stderr, "(more notifications: use --all, or a larger --limit)\n");
        json_decref(res);
        if (!next || !follow)
            break;
    }
    if (!as_json) {
        static const char *const head[] = {"ID",       "TIME (UTC)", "KIND",
                                           "CONTRACT", "READ",       "MESSAGE"};
        static const size_t maxw[] = {10, 16, 10, 20, 4, 200};
        static const int right[] = {1, 0, 0, 0, 0, 0};
        print_rows(6, head, maxw, right, rows);
        printf("%lld unread\n", (long long)unread);
        fflush(stdout);
    }
out:
    json_decref(args);
    json_decref(rows);
    ctl__session_close(c);
    return rc;
}

/* ---- notifications read ------------------------------------------------------ */

/* Marks ids (an array of integers) read, MARK_READ_BATCH at a time; adds
 * to *marked and sets *unread from the last answer. */
static int mark_ids(struct ctl_client *c, const json_t *ids, json_int_t *marked, json_int_t *unread)
{
    size_t n = json_array_size(ids);
    for (size_t from = 0; from < n; from += MARK_READ_BATCH) {
        json_t *batch = json_array(), *res;
        for (size_t i = from; i < n && i < from + MARK_READ_BATCH; i++)
            json_array_append(batch, json_array_get(ids, i));
        int rc = ctl__request(c, "notifications.mark_read", json_pack("{s:o}", "ids", batch), &res);
        if (rc)
            return rc;
        *marked += json_integer_value(json_object_get(res, "marked"));
        *unread = json_integer_value(json_object_get(res, "unread"));
        json_decref(res);
    }
    return 0;
}

/* --all: pages through the unread ones and marks them, until none is left
 * (alerts raised meanwhile are marked too) or a round marks nothing. */
static int mark_all(struct ctl_client *c, json_int_t *marked, json_int_t *unread)
{
    for (;;) {
        json_t *res, *it, *ids = json_array();
        size_t i;
        json_int_t before = *marked;
        int rc =
            ctl__request(c, "notifications.list",
                         json_pack("{s:b, s:i}", "unread_only", 1, "limit", LIST_MAX_LIMIT), &res);
        if (rc) {
            json_decref(ids);
            return rc;
        }
        json_array_foreach(json_object_get(res, "items"), i, it)
            json_array_append(ids, json_object_get(it, "id"));
        *unread = json_integer_value(json_object_get(res, "unread"));
        json_decref(res);
        rc = json_array_size(ids) ? mark_ids(c, ids, marked, unread) : 0;
        json_decref(ids);
        if (rc || *unread == 0 || *marked == before)
            return rc;
    }
}

static int notifications_read(const struct ctl_global *g, int argc, char **argv)
{
    json_t *ids = json_array();
    struct ctl_client *c = NULL;
    json_int_t marked = 0, unread = 0;
    int all = 0, rc = CTL_EXIT_USAGE;

    for (int i = 1; i < argc; i++) {
        int64_t id;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            rc = notifications_usage(stdout, CTL_EXIT_OK);
            goto out;
        }
        if (!strcmp(argv[i], "--all")) {
            all = 1;
            continue;
        }
        if (!strncmp(argv[i], "--", 2)) {
            ctl__errorf("notifications read: bad option %s", argv[i]);
            goto out;
        }
        if (ctl__parse_int64(argv[i], &id) < 0 || id < 1) {
            ctl__errorf("notifications read: \"%s\" is not a notification id (a positive "
                        "integer, as listed by `pactactl notifications list`)",
                        argv[i]);
            goto out;
        }
        json_array_append_new(ids, json_integer(id));
    }
    if (all == (json_array_size(ids) > 0)) {
        ctl__errorf("notifications read: give notification ids or --all (not both)");
        rc = notifications_usage(stderr, CTL_EXIT_USAGE);
        goto out;
    }
    if ((rc = ctl__session_open(g, &c)) != 0)
        goto out;
    rc = all ? mark_all(c, &marked, &unread) : mark_ids(c, ids, &marked, &unread);
    if (rc)
        goto out;
    printf("marked %lld read, %lld unread\n", (long long)marked, (long long)unread);
    fflush(stdout);
    /* The server ignores what it cannot mark rather than failing the batch;
     * say so, since a mistyped id would otherwise pass unnoticed. */
    if (!all && (size_t)marked < json_array_size(ids))
        fprintf(stderr, "%lld of %zu not marked: unknown, not yours, or already read\n",
                (long long)(json_array_size(ids) - (size_t)marked), json_array_size(ids));
out:
    json_decref(ids);
    ctl__session_close(c);
    return rc;
}

int ctl__cmd_notifications(const struct ctl_global *g, int argc, char **argv)
{
    if (argc < 2)
        return notifications_usage(stderr, CTL_EXIT_USAGE);
    const char *sub = argv[1];
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help"))
        return notifications_usage(stdout, CTL_EXIT_OK);
    if (!strcmp(sub, "list"))
        return notifications_list(g, argc - 1, argv + 1);
    if (!strcmp(sub, "read"))
        return notifications_read(g, argc - 1, argv + 1);
    ctl__errorf("unknown notifications command \"%s\"", sub);
    return notifications_usage(stderr, CTL_EXIT_USAGE);
}

/* ---- contracts expiring ------------------------------------------------------- */

static json_t *expiring_row(const json_t *k)
{
    json_t *row = json_array(), *days = json_object_get(k, "days_left");
    json_array_append_new(row, cell(k, "number"));
    json_array_append_new(row, cell(k, "title"));
    json_array_append_new(row, cell(k, "counterparty"));
    json_array_append_new(row, cell(k, "end_date"));
    /* null without a notice period worth showing: "-" */
    json_array_append_new(row, json_integer_value(json_object_get(k, "notice_days")) > 0 &&
                                       str(k, "notice_deadline")
                                   ? json_string(str(k, "notice_deadline"))
                                   : json_null());
    json_array_append_new(row, json_is_integer(days)
                                   ? jfmt("%lld", (long long)json_integer_value(days))
                                   : json_null());
    json_array_append_new(row, cell(k, "lifecycle"));
    return row;
}

int ctl__contracts_expiring(const struct ctl_global *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"days", required_argument, NULL, 'd'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    json_t *args = json_object(), *res = NULL, *rows = json_array(), *it;
    struct ctl_client *c = NULL;
    int as_json = 0, ch, rc = CTL_EXIT_USAGE;
    int64_t days;
    size_t i;

    optind = 0;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (ch == 'd') {
            if (ctl__parse_int64(optarg, &days) < 0 || days < 0 || days > 3650) {
                ctl__errorf("--days must be an integer from 0 to 3650");
                goto out;
            }
            json_object_set_new(args, "days", json_integer(days));
        } else if (ch == 'j') {
            as_json = 1;
        } else if (ch == 'h') {
            rc = expiring_usage(stdout, CTL_EXIT_OK);
            goto out;
        } else {
            ctl__errorf("contracts expiring: bad option %s", argv[optind - 1]);
            rc = expiring_usage(stderr, CTL_EXIT_USAGE);
            goto out;
        }
    }
    if (optind != argc) {
        ctl__errorf("contracts expiring: unexpected argument \"%s\"", argv[optind]);
        goto out;
    }
    if ((rc = ctl__session_open(g, &c)) != 0)
        goto out;
    if ((rc = ctl__request(c, "contracts.expiring", json_incref(args), &res)) != 0)
        goto out;
    json_array_foreach(json_object_get(res, "items"), i, it)
    {
        if (as_json)
            ctl__print_json(it, 0);
        else
            json_array_append_new(rows, expiring_row(it));
    }
    if (!as_json) {
        static const char *const head[] = {"NUMBER",    "TITLE", "COUNTERPARTY", "END",
                                           "NOTICE BY", "DAYS",  "LIFECYCLE"};
        static const size_t maxw[] = {20, 32, 24, 10, 10, 6, 10};
        static const int right[] = {0, 0, 0, 0, 0, 1, 0};
        print_rows(7, head, maxw, right, rows);
        if (json_array_size(rows) == 0)
            fprintf(stderr, "(no active contract ends within %lld days of %s)\n",
                    (long long)json_integer_value(json_object_get(res, "days")),
                    str(res, "today") ? str(res, "today") : "today");
    }
    if (json_is_true(json_object_get(res, "truncated")))
        fprintf(stderr, "(only the first %zu shown: give fewer --days)\n",
                json_array_size(json_object_get(res, "items")));
out:
    json_decref(args);
    json_decref(res);
    json_decref(rows);
    ctl__session_close(c);
    return rc;
}
