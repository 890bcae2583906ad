/*
 * pactactl contracts list and pactactl views (issue 7): every filter and
 * sort of contracts.list as a flag, and saved views.
 *
 * The flags build the same JSON a desk sends; the server validates it, so
 * a bad value comes back as the server's bad_request naming the member
 * (exit 1).  What only pactactl can check is checked here (exit 2): an
 * amount needs --currency to be read in its minor unit.  --view NAME starts
 * from a saved view (views.list) and the other flags override its members.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pacta/protocol.h>

#include "ctl.h"

enum { O_VIEW = CTL_O__NEXT, O_LIMIT, O_ALL, O_JSON };

static int list_usage(FILE *f, int rc)
{
    fprintf(f, "usage: pactactl contracts list [FILTERS] [--sort KEY [--desc]] [--view NAME]\n"
               "                               [--limit N] [--all] [--json]\n" CTL_FILTER_HELP
               "--view NAME starts from your saved view NAME; other flags override it.\n"
               "--all follows every page; --json prints one record per line.\n");
    return rc;
}

static int views_usage(FILE *f, int rc)
{
    fprintf(f, "usage: pactactl views save NAME [FILTERS] [--sort KEY [--desc]]\n"
               "       pactactl views list [--json]\n"
               "       pactactl views delete NAME\n"
               "A saved view is a named filter and sort of yours; `contracts list --view NAME`\n"
               "lists with it, and pacta-desk shows it in its Views menu.\n" CTL_FILTER_HELP);
    return rc;
}

static void print_table(json_t *items)
{
    enum { NCOL = 8 };
    static const char *head[NCOL] = {"NUMBER", "TITLE",  "COUNTERPARTY", "STATUS",
                                     "END",    "AMOUNT", "VER",          "ID"};
    static const size_t maxw[NCOL] = {20, 32, 24, 10, 10, 24, 5, 36};
    size_t w[NCOL];
    size_t n = json_array_size(items);
    char(*cells)[NCOL][64] = calloc(n ? n : 1, sizeof(*cells));
    if (!cells)
        abort();
    for (int k = 0; k < NCOL; k++)
        w[k] = strlen(head[k]);
    for (size_t i = 0; i < n; i++) {
        json_t *c = json_array_get(items, i);
        const char *cur = json_string_value(json_object_get(c, "currency"));
        const char *end = json_string_value(json_object_get(c, "end_date"));
        snprintf(cells[i][0], 64, "%s", json_string_value(json_object_get(c, "number")));
        snprintf(cells[i][3], 64, "%s", json_string_value(json_object_get(c, "status")));
        snprintf(cells[i][4], 64, "%s", end ? end : "-");
        ctl__format_amount(json_integer_value(json_object_get(c, "amount_cents")), cur, cells[i][5],
                           64);
        snprintf(cells[i][6], 64, "%lld",
                 (long long)json_integer_value(json_object_get(c, "version")));
        snprintf(cells[i][7], 64, "%s", json_string_value(json_object_get(c, "id")));
        for (int k = 0; k < NCOL; k++) {
            const char *s = k == 1   ? json_string_value(json_object_get(c, "title"))
                            : k == 2 ? json_string_value(json_object_get(c, "counterparty"))
                                     : cells[i][k];
            size_t tw = ctl__text_width(s);
            if (tw > w[k])
                w[k] = tw > maxw[k] ? maxw[k] : tw;
        }
    }
    for (int k = 0; k < NCOL; k++) {
        /* The last column is not padded: no trailing blanks. */
        ctl__print_cell(head[k], k == NCOL - 1 ? strlen(head[k]) : w[k], k == 5 || k == 6);
        fputs(k == NCOL - 1 ? "\n" : "  ", stdout);
    }
    for (size_t i = 0; i < n; i++) {
        json_t *c = json_array_get(items, i);
        for (int k = 0; k < NCOL; k++) {
            const char *s = k == 1   ? json_string_value(json_object_get(c, "title"))
                            : k == 2 ? json_string_value(json_object_get(c, "counterparty"))
                                     : cells[i][k];
            ctl__print_cell(s, k == NCOL - 1 ? ctl__text_width(s) : w[k], k == 5 || k == 6);
            fputs(k == NCOL - 1 ? "\n" : "  ", stdout);
        }
    }
    fflush(stdout);
    free(cells);
}

int ctl__contracts_list(const struct ctl_global *g, int argc, char **argv)
{
    static const struct option opts[] = {
        CTL_FILTER_OPTIONS,
        {"view", required_argument, NULL, O_VIEW},
        {"limit", required_argument, NULL, O_LIMIT},
        {"all", no_argument, NULL, O_ALL},
        {"json", no_argument, NULL, O_JSON},
        {NULL, 0, NULL, 0},
    };
    struct ctl_list_flags f = {.filter = json_object()};
    json_t *all = json_array(), *args = NULL;
    const char *view_name = NULL;
    int follow = 0, as_json = 0, ch, rc = CTL_EXIT_USAGE;
    int64_t limit = 0;
    struct ctl_client *c = NULL;

    optind = 0;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (ctl__filter_flag(&f, ch, optarg))
            continue;
        switch (ch) {
        case O_VIEW:
            view_name = optarg;
            break;
        case O_LIMIT:
            if (ctl__parse_int64(optarg, &limit) < 0 || limit < 1) {
                ctl__errorf("--limit must be a positive integer");
                goto out;
            }
            break;
        case O_ALL:
            follow = 1;
            break;
        case O_JSON:
            as_json = 1;
            break;
        case 'h':
            rc = list_usage(stdout, CTL_EXIT_OK);
            goto out;
        default:
            ctl__errorf("contracts list: bad option %s", argv[optind - 1]);
            goto out;
        }
    }
    if (optind != argc) {
        ctl__errorf("contracts list: unexpected argument \"%s\"", argv[optind]);
        goto out;
    }
    /* without a view, a bad amount is a usage error before connecting */
    if (!view_name && ctl__filter_amounts(&f) < 0)
        goto out;
    if ((rc = ctl__session_open(g, &c)) != 0)
        goto out;
    if (!(args = ctl__filter_args(c, view_name, &f, &rc)))
        goto out;
    if (limit)
        json_object_set_new(args, "limit", json_integer(limit));
    for (;;) {
        json_t *res, *it;
        size_t i;

        if ((rc = ctl__request(c, "contracts.list", json_deep_copy(args), &res)) != 0)
            goto out;
        json_array_foreach(json_object_get(res, "items"), i, it)
        {
            if (as_json)
                ctl__print_json(it, 0);
            else
                json_array_append(all, it);
        }
        if (ctl__stdout_failed()) { /* no use walking the other pages */
            json_decref(res);
            rc = CTL_EXIT_USAGE;
            goto out;
        }
        const char *next = json_string_value(json_object_get(res, "next_cursor"));
        if (next && follow)
            json_object_set_new(args, "cursor", json_string(next));
        else if (next)
            fprintf(stderr, "(more contracts: use --all, or a larger --limit)\n");
        json_decref(res);
        if (!next || !follow)
            break;
    }
    if (!as_json)
        print_table(all);
out:
    json_decref(f.filter);
    json_decref(all);
    json_decref(args);
    ctl__session_close(c);
    return rc;
}

/* ---- views ---------------------------------------------------------------- */

static int views_save(const struct ctl_global *g, int argc, char **argv)
{
    static const struct option opts[] = {CTL_FILTER_OPTIONS, {NULL, 0, NULL, 0}};
    struct ctl_list_flags f = {.filter = json_object()};
    struct ctl_client *c = NULL;
    json_t *res = NULL;
    int ch, rc = CTL_EXIT_USAGE;

    optind = 0;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (ctl__filter_flag(&f, ch, optarg))
            continue;
        if (ch == 'h') {
            rc = views_usage(stdout, CTL_EXIT_OK);
            goto out;
        }
        ctl__errorf("views save: bad option %s", argv[optind - 1]);
        goto out;
    }
    if (optind != argc - 1) {
        ctl__errorf("views save: give exactly one NAME");
        goto out;
    }
    if (ctl__filter_amounts(&f) < 0)
        goto out;
    json_t *sort = json_object();
    if (f.sort)
        json_object_set_new(sort, "key", json_string(f.sort));
    if (f.order)
        json_object_set_new(sort, "order", json_string(f.order < 0 ? "desc" : "asc"));
    json_t *args =
        json_pack("{s:s, s:O, s:o}", "name", argv[optind], "filter", f.filter, "sort", sort);
    if ((rc = ctl__session_open(g, &c)) != 0) {
        json_decref(args);
        goto out;
    }
    if ((rc = ctl__request(c, "views.save", args, &res)) == 0)
        printf("%s view \"%s\"\n",
               json_is_true(json_object_get(res, "replaced")) ? "replaced" : "saved", argv[optind]);
out:
    json_decref(res);
    json_decref(f.filter);
    ctl__session_close(c);
    return rc;
}

static int views_list(const struct ctl_global *g, int argc, char **argv)
{
    struct ctl_client *c = NULL;
    json_t *res = NULL, *v;
    int as_json = 0, rc;
    size_t i;

    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--json") == 0)
            as_json = 1;
        else if (strcmp(argv[a], "--help") == 0 || strcmp(argv[a], "-h") == 0)
            return views_usage(stdout, CTL_EXIT_OK);
        else {
            ctl__errorf("views list: bad argument %s", argv[a]);
            return CTL_EXIT_USAGE;
        }
    }
    if ((rc = ctl__session_open(g, &c)) != 0)
        return rc;
    if ((rc = ctl__request(c, "views.list", json_object(), &res)) == 0) {
        json_array_foreach(json_object_get(res, "items"), i, v)
        {
            if (as_json) {
                ctl__print_json(v, 0);
                continue;
            }
            char *filter = json_dumps(json_object_get(v, "filter"), JSON_COMPACT);
            const json_t *sort = json_object_get(v, "sort");
            printf("%s\t%s %s\t%s\n", json_string_value(json_object_get(v, "name")),
                   json_string_value(json_object_get(sort, "key")),
                   json_string_value(json_object_get(sort, "order")), filter ? filter : "{}");
            free(filter);
        }
    }
    json_decref(res);
    ctl__session_close(c);
    return rc;
}

static int views_delete(const struct ctl_global *g, int argc, char **argv)
{
    struct ctl_client *c = NULL;
    json_t *res = NULL;
    int rc;

    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
        return views_usage(stdout, CTL_EXIT_OK);
    if (argc != 2) {
        ctl__errorf("views delete: give exactly one NAME");
        return CTL_EXIT_USAGE;
    }
    if ((rc = ctl__session_open(g, &c)) != 0)
        return rc;
    if ((rc = ctl__request(c, "views.delete", json_pack("{s:s}", "name", argv[1]), &res)) == 0)
        printf("deleted view \"%s\"\n", argv[1]);
    json_decref(res);
    ctl__session_close(c);
    return rc;
}

int ctl__cmd_views(const struct ctl_global *g, int argc, char **argv)
{
    if (argc < 2)
        return views_usage(stderr, CTL_EXIT_USAGE);
    const char *sub = argv[1];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0)
        return views_usage(stdout, CTL_EXIT_OK);
    if (strcmp(sub, "save") == 0)
        return views_save(g, argc - 1, argv + 1);
    if (strcmp(sub, "list") == 0)
        return views_list(g, argc - 1, argv + 1);
    if (strcmp(sub, "delete") == 0)
        return views_delete(g, argc - 1, argv + 1);
    ctl__errorf("unknown views command \"%s\"", sub);
    return views_usage(stderr, CTL_EXIT_USAGE);
}
