/*
 * pactactl contracts list|get|create|update|delete and supplements.
 *
 * Field flags (--title, --end-date, ...) and --set FIELD=VALUE are turned
 * into JSON by the protocol's field table, so an int field goes out as a
 * number and "null" clears a nullable one; the server still validates all.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pacta/protocol.h>

#include "ctl.h"

enum {
    OPT_FIELD = 0x100, /* + index into pacta_contract_fields */
    OPT_AMOUNT = 0x200,
    OPT_SET,
    OPT_JSON,
    OPT_ID,
    OPT_VERSION,
    OPT_REASON,
    OPT_HELP,
};

static int contracts_usage(FILE *f, int rc)
{
    fprintf(f, "usage: pactactl contracts list [FILTERS] [--sort KEY [--desc]] [--view NAME]\n"
               "                               [--limit N] [--all] [--json]   (list --help)\n"
               "       pactactl contracts get ID\n"
               "       pactactl contracts create --number N --title T --counterparty C\n"
               "                 --kind client|supplier --currency CUR [FIELD FLAGS] [--id UUID]\n"
               "       pactactl contracts create --json '{...}' | --json -\n"
               "       pactactl contracts update ID --version V [--reason R] [FIELD FLAGS]\n"
               "                 [--set FIELD=VALUE ...]\n"
               "       pactactl contracts delete ID --version V [--reason R]\n"
               "       pactactl contracts expiring [--days N] [--json]\n"
               "Field flags: --number --title --counterparty --kind --status --sign-date\n"
               "  --start-date --end-date --amount DECIMAL | --amount-cents N --currency\n"
               "  --owner --description --notice-days --renewal --renewal-months.\n"
               "  \"null\" clears a date.\n"
               "Amounts are exact: --amount 1234.56 with --currency EUR is 123456 cents.\n");
    return rc;
}

/* ---- field flags -------------------------------------------------------- */

/* Long options for every writable field ("sign_date" -> --sign-date). */
static struct option field_opts[32];
static char field_opt_names[32][32];

static int build_options(struct option *out, const struct option *extra)
{
    int n = 0;
    for (int i = 0; pacta_contract_fields[i].name && i < 24; i++) {
        const char *fname = pacta_contract_fields[i].name;
        char *o = field_opt_names[i];
        snprintf(o, sizeof(field_opt_names[i]), "%s", fname);
        for (char *p = o; *p; p++)
            if (*p == '_')
                *p = '-';
        out[n++] = (struct option){o, required_argument, NULL, OPT_FIELD + i};
    }
    out[n++] = (struct option){"amount", required_argument, NULL, OPT_AMOUNT};
    out[n++] = (struct option){"set", required_argument, NULL, OPT_SET};
    for (; extra && extra->name; extra++)
        out[n++] = *extra;
    out[n] = (struct option){NULL, 0, NULL, 0};
    return n;
}

/* Converts one textual value according to the field's type. */
static int field_value(const struct pacta_field_def *d, const char *text, json_t **out)
{
    if ((d->flags & PACTA_FF_NULLABLE) && strcmp(text, "null") == 0) {
        *out = json_null();
        return 0;
    }
    if (d->type == PACTA_FT_INT) {
        int64_t v;
        if (ctl__parse_int64(text, &v) < 0) {
            ctl__errorf("%s must be an integer, not \"%s\"", d->name, text);
            return -1;
        }
        *out = json_integer(v);
        return 0;
    }
    *out = json_string(text);
    if (!*out) {
        ctl__errorf("%s is not valid UTF-8", d->name);
        return -1;
    }
    return 0;
}

struct field_flags {
    json_t *fields;     /* field name -> JSON value */
    const char *amount; /* --amount text, converted once the currency is known */
};

/* Handles a field option returned by getopt; 1 handled, 0 not ours, -1 error. */
static int field_flag(struct field_flags *ff, int ch, const char *arg)
{
    const struct pacta_field_def *d;
    json_t *v;
    if (ch == OPT_AMOUNT) {
        ff->amount = arg;
        return 1;
    }
    if (ch == OPT_SET) {
        const char *eq = strchr(arg, '=');
        char name[64];
        if (!eq || (size_t)(eq - arg) >= sizeof(name)) {
            ctl__errorf("--set needs FIELD=VALUE, not \"%s\"", arg);
            return -1;
        }
        memcpy(name, arg, (size_t)(eq - arg));
        name[eq - arg] = '\0';
        d = pacta_contract_field(name);
        if (!d) {
            ctl__errorf("--set: unknown field \"%s\"", name);
            return -1;
        }
        arg = eq + 1;
    } else if (ch >= OPT_FIELD && ch < OPT_FIELD + 32) {
        d = &pacta_contract_fields[ch - OPT_FIELD];
    } else {
        return 0;
    }
    if (field_value(d, arg, &v) < 0)
        return -1;
    json_object_set_new(ff->fields, d->name, v);
    return 1;
}

/* Converts --amount once the currency is known. */
static int apply_amount(struct field_flags *ff, const char *currency)
{
    int64_t cents;
    if (!ff->amount)
        return 0;
    if (json_object_get(ff->fields, "amount_cents")) {
        ctl__errorf("give --amount or --amount-cents, not both");
        return -1;
    }
    int digits = ctl__currency_digits(currency);
    if (ctl__parse_amount(ff->amount, digits, &cents) < 0) {
        ctl__errorf("bad amount \"%s\" (want e.g. 1234.56, at most %d decimals for %s)", ff->amount,
                    digits, currency ? currency : "the currency");
        return -1;
    }
    json_object_set_new(ff->fields, "amount_cents", json_integer(cents));
    return 0;
}

/* contracts list: ctl_list.c. */

/* ---- get / delete / supplements ------------------------------------------ */

static int contracts_get(const struct ctl_global *g, int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
        return contracts_usage(stdout, CTL_EXIT_OK);
    if (argc != 2 || argv[1][0] == '-') {
        ctl__errorf("usage: pactactl contracts get ID");
        return CTL_EXIT_USAGE;
    }
    struct ctl_client *c;
    int rc = ctl__session_open(g, &c);
    if (rc)
        return rc;
    json_t *res;
    rc = ctl__request(c, "contracts.get", json_pack("{ss}", "id", argv[1]), &res);
    if (rc == 0) {
        json_t *k = json_object_get(res, "contract");
        ctl__print_json(k ? k : res, 1);
        json_decref(res);
    }
    ctl__session_close(c);
    return rc;
}

/*
 * Runs update/delete and handles a conflict specially: the error (with the
 * current record) goes to stdout as JSON for scripts, and a summary that a
 * person can act on goes to stderr.
 */
static int write_request(const struct ctl_global *g, const char *op, json_t *args_steal)
{
    struct ctl_client *c;
    json_int_t mine = json_integer_value(json_object_get(args_steal, "version"));
    int rc = ctl__session_open(g, &c);
    if (rc) {
        json_decref(args_steal);
        return rc;
    }
    json_t *res;
    rc = ctl_client_request(c, op, args_steal, CTL_REQUEST_TIMEOUT_MS, &res);
    if (rc < 0) {
        rc = ctl__report_lost(c);
    } else if (rc == 1) {
        const char *code = json_string_value(json_object_get(res, "code"));
        json_t *cur = json_object_get(res, "current");
        if (code && strcmp(code, "conflict") == 0 && json_is_object(cur)) {
            ctl__print_json(res, 1);
            fprintf(stderr,
                    "conflict: contract %s is at version %lld, changed by %s at %s; your "
                    "version was %lld\n",
                    json_string_value(json_object_get(cur, "number")),
                    (long long)json_integer_value(json_object_get(cur, "version")),
                    json_string_value(json_object_get(cur, "updated_by")),
                    json_string_value(json_object_get(cur, "updated_at")), (long long)mine);
        } else {
            const char *msg = json_string_value(json_object_get(res, "message"));
            const char *field = json_string_value(json_object_get(res, "field"));
            ctl__errorf("%s: %s%s%s%s", code ? code : "error", msg ? msg : "",
                        field ? " (field " : "", field ? field : "", field ? ")" : "");
        }
        rc = CTL_EXIT_SERVER;
    } else {
        json_t *k = json_object_get(res, "contract");
        json_t *changed = json_object_get(res, "changed");
        ctl__print_json(k ? k : res, 1);
        if (json_is_array(changed) && json_array_size(changed) == 0)
            fprintf(stderr, "no change: the values were already current\n");
        rc = CTL_EXIT_OK;
    }
    json_decref(res);
    ctl__session_close(c);
    return rc;
}

static int contracts_delete(const struct ctl_global *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"version", required_argument, NULL, OPT_VERSION},
        {"reason", required_argument, NULL, OPT_REASON},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    int64_t version = 0;
    const char *reason = NULL;
    int ch;
    optind = 0;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch == OPT_VERSION && ctl__parse_int64(optarg, &version) == 0 && version > 0)
            continue;
        if (ch == OPT_REASON) {
            reason = optarg;
            continue;
        }
        if (ch == OPT_HELP)
            return contracts_usage(stdout, CTL_EXIT_OK);
        ctl__errorf("contracts delete: bad option %s", argv[optind - 1]);
        return CTL_EXIT_USAGE;
    }
    if (optind != argc - 1 || version <= 0) {
        ctl__errorf("usage: pactactl contracts delete ID --version V [--reason R]");
        return CTL_EXIT_USAGE;
    }
    json_t *args = json_pack("{sssI}", "id", argv[optind], "version", (json_int_t)version);
    if (reason)
        json_object_set_new(args, "reason", json_string(reason));
    return write_request(g, "contracts.delete", args);
}

static int supplements_usage(FILE *f, int rc)
{
    fprintf(f, "usage: pactactl supplements CONTRACT-ID [--json]\n"
               "Lists the amendments of a contract, oldest first.\n");
    return rc;
}

int ctl__cmd_supplements(const struct ctl_global *g, int argc, char **argv)
{
    const char *id = NULL;
    int as_json = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            as_json = 1;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return supplements_usage(stdout, CTL_EXIT_OK);
        else if (argv[i][0] != '-' && !id)
            id = argv[i];
        else
            return supplements_usage(stderr, CTL_EXIT_USAGE);
    }
    if (!id)
        return supplements_usage(stderr, CTL_EXIT_USAGE);
    struct ctl_client *c;
    int rc = ctl__session_open(g, &c);
    if (rc)
        return rc;
    json_t *res;
    char *cursor = NULL;
    int first = 1;
    /* page after page (PROTOCOL.md §6.9), printed as they come */
    while ((rc = ctl__request(
                c, "supplements.list",
                json_pack("{ss, si, s:s*}", "contract_id", id, "limit", 500, "cursor", cursor),
                &res)) == 0) {
        json_t *items = json_object_get(res, "items"), *s;
        size_t i;
        if (first && !as_json)
            printf("%-24s  %-12s  %-14s  %-20s  %-20s  %s\n", "WHEN", "AUTHOR", "FIELD", "OLD",
                   "NEW", "REASON");
        first = 0;
        free(cursor);
        cursor = json_string_value(json_object_get(res, "next_cursor"))
                     ? strdup(json_string_value(json_object_get(res, "next_cursor")))
                     : NULL;
        json_array_foreach(items, i, s)
        {
            if (as_json) {
                ctl__print_json(s, 0);
                continue;
            }
            char *old = json_dumps(json_object_get(s, "old_value"), JSON_ENCODE_ANY);
            char *new = json_dumps(json_object_get(s, "new_value"), JSON_ENCODE_ANY);
            ctl__print_cell(json_string_value(json_object_get(s, "created_at")), 24, 0);
            fputs("  ", stdout);
            ctl__print_cell(json_string_value(json_object_get(s, "author")), 12, 0);
            fputs("  ", stdout);
            ctl__print_cell(json_string_value(json_object_get(s, "field")), 14, 0);
            fputs("  ", stdout);
            ctl__print_cell(old ? old : "", 20, 0);
            fputs("  ", stdout);
            ctl__print_cell(new ? new : "", 20, 0);
            printf("  %s\n", json_string_value(json_object_get(s, "reason"))
                                 ? json_string_value(json_object_get(s, "reason"))
                                 : "");
            free(old);
            free(new);
        }
        fflush(stdout);
        json_decref(res);
        if (!cursor)
            break;
    }
    free(cursor);
    ctl__session_close(c);
    return rc;
}

/* ---- create / update ------------------------------------------------------ */

static int contracts_create(const struct ctl_global *g, int argc, char **argv)
{
    static const struct option extra[] = {
        {"json", required_argument, NULL, OPT_JSON},
        {"id", required_argument, NULL, OPT_ID},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    struct field_flags ff = {.fields = json_object()};
    json_t *args = NULL;
    int ch, rc = CTL_EXIT_USAGE;
    build_options(field_opts, extra);
    optind = 0;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "", field_opts, NULL)) != -1) {
        int r = field_flag(&ff, ch, optarg);
        if (r < 0)
            goto out;
        if (r > 0)
            continue;
        if (ch == OPT_JSON) {
            json_decref(args);
            if (!(args = ctl__load_json_arg(optarg)))
                goto out;
            if (!json_is_object(args)) {
                ctl__errorf("--json needs a JSON object");
                goto out;
            }
        } else if (ch == OPT_ID) {
            json_object_set_new(ff.fields, "id", json_string(optarg));
        } else if (ch == OPT_HELP) {
            rc = contracts_usage(stdout, CTL_EXIT_OK);
            goto out;
        } else {
            ctl__errorf("contracts create: bad option %s", argv[optind - 1]);
            goto out;
        }
    }
    if (optind != argc) {
        ctl__errorf("contracts create: unexpected argument \"%s\"", argv[optind]);
        goto out;
    }
    if (!args)
        args = json_object();
    /* Flags given next to --json override its members. */
    json_object_update(args, ff.fields);
    if (apply_amount(&ff, json_string_value(json_object_get(args, "currency"))) < 0)
        goto out;
    json_object_update(args, ff.fields);
    if (json_object_size(args) == 0) {
        ctl__errorf("contracts create: no fields given");
        rc = contracts_usage(stderr, CTL_EXIT_USAGE);
        goto out;
    }
    rc = write_request(g, "contracts.create", args);
    args = NULL;
out:
    json_decref(args);
    json_decref(ff.fields);
    return rc;
}

static int contracts_update(const struct ctl_global *g, int argc, char **argv)
{
    static const struct option extra[] = {
        {"version", required_argument, NULL, OPT_VERSION},
        {"reason", required_argument, NULL, OPT_REASON},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    struct field_flags ff = {.fields = json_object()};
    int64_t version = 0;
    const char *reason = NULL;
    int ch, rc = CTL_EXIT_USAGE;
    build_options(field_opts, extra);
    optind = 0;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "", field_opts, NULL)) != -1) {
        int r = field_flag(&ff, ch, optarg);
        if (r < 0)
            goto out;
        if (r > 0)
            continue;
        if (ch == OPT_VERSION) {
            if (ctl__parse_int64(optarg, &version) < 0 || version < 1) {
                ctl__errorf("--version must be a positive integer");
                goto out;
            }
        } else if (ch == OPT_REASON) {
            reason = optarg;
        } else if (ch == OPT_HELP) {
            rc = contracts_usage(stdout, CTL_EXIT_OK);
            goto out;
        } else {
            ctl__errorf("contracts update: bad option %s", argv[optind - 1]);
            goto out;
        }
    }
    if (optind != argc - 1 || version < 1) {
        ctl__errorf("usage: pactactl contracts update ID --version V [--reason R] [fields]");
        goto out;
    }
    const char *id = argv[optind];
    if (ff.amount) {
        /* The decimals of --amount depend on the currency: the new one, or
         * the contract's current one. */
        const char *cur = json_string_value(json_object_get(ff.fields, "currency"));
        json_t *res = NULL;
        if (!cur) {
            struct ctl_client *c;
            rc = ctl__session_open(g, &c);
            if (rc)
                goto out;
            rc = ctl__request(c, "contracts.get", json_pack("{ss}", "id", id), &res);
            ctl__session_close(c);
            if (rc)
                goto out;
            cur = json_string_value(json_object_get(json_object_get(res, "contract"), "currency"));
        }
        rc = apply_amount(&ff, cur) < 0 ? CTL_EXIT_USAGE : 0;
        json_decref(res);
        if (rc)
            goto out;
    }
    if (json_object_size(ff.fields) == 0) {
        ctl__errorf("contracts update: nothing to change (give field flags or --set)");
        rc = CTL_EXIT_USAGE;
        goto out;
    }
    json_t *args =
        json_pack("{sssIsO}", "id", id, "version", (json_int_t)version, "changes", ff.fields);
    if (reason)
        json_object_set_new(args, "reason", json_string(reason));
    rc = write_request(g, "contracts.update", args);
out:
    json_decref(ff.fields);
    return rc;
}

int ctl__cmd_contracts(const struct ctl_global *g, int argc, char **argv)
{
    if (argc < 2)
        return contracts_usage(stderr, CTL_EXIT_USAGE);
    const char *sub = argv[1];
    argc--;
    argv++;
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0)
        return contracts_usage(stdout, CTL_EXIT_OK);
    if (strcmp(sub, "list") == 0)
        return ctl__contracts_list(g, argc, argv);
    if (strcmp(sub, "get") == 0)
        return contracts_get(g, argc, argv);
    if (strcmp(sub, "create") == 0)
        return contracts_create(g, argc, argv);
    if (strcmp(sub, "update") == 0)
        return contracts_update(g, argc, argv);
    if (strcmp(sub, "delete") == 0)
        return contracts_delete(g, argc, argv);
    if (strcmp(sub, "expiring") == 0)
        return ctl__contracts_expiring(g, argc, argv);
    ctl__errorf("unknown contracts command \"%s\"", sub);
    return contracts_usage(stderr, CTL_EXIT_USAGE);
}
