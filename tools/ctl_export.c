/*
 * pactactl export: export.contracts, then export.read chunk by chunk into
 * a file (PROTOCOL.md §6.31-6.33).
 *
 * The file is written under a temporary name next to the target, its size
 * and SHA-256 are checked against what the server announced, it is
 * fsynced, and only then renamed over the target: an interrupted or
 * corrupted download never leaves a half file under the name asked for.
 * On a terminal, stderr shows a progress line (the server's
 * export.progress events, then the download).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <pacta/protocol.h>

#include "ctl.h"

/* The server sends progress at least every few seconds while it works; a
 * silence this long means it is gone. */
#define EXPORT_IDLE_MS 120000

static int export_usage(FILE *f, int rc)
{
    fprintf(f,
            "usage: pactactl export --format csv|xlsx|pdf -o FILE [FILTERS] [--sort KEY [--desc]]\n"
            "                      [--view NAME] [--filters JSON] [--bom] [--escape-formulas]\n"
            "       pactactl export --format pdf --contract ID -o FILE\n"
            "\n"
            "Exports the contracts that the filters select, in their order (as\n"
            "`contracts list` with the same flags shows them), or with --contract the\n"
            "report of one contract (PDF), into FILE.\n"
            "\n"
            "  --format F            csv, xlsx or pdf\n"
            "  -o, --output FILE     where to write; replaced only when the whole\n"
            "                        file arrived and matched its SHA-256\n"
            "  --view NAME           start from your saved view NAME; flags override it\n"
            "  --filters JSON        any contracts.list filters as a JSON object,\n"
            "                        e.g. '{\"status\":\"active\"}' (over the flags)\n"
            "  --contract ID         the contract report (PDF) of one contract\n"
            "  --bom                 CSV: start with a UTF-8 byte order mark (for\n"
            "                        spreadsheet programs)\n"
            "  --escape-formulas     CSV: put ' before a text that starts with = + - @,\n"
            "                        so a spreadsheet program shows it instead of\n"
            "                        running it as a formula (the text then differs)\n"
            "  --quiet               no progress line\n" CTL_FILTER_HELP);
    return rc;
}

struct progress {
    int tty, quiet;
    int shown;
};

static void progress_line(struct progress *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void progress_line(struct progress *p, const char *fmt, ...)
{
    if (!p->tty || p->quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("\r\033[K", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fflush(stderr);
    p->shown = 1;
}

static void progress_clear(struct progress *p)
{
    if (p->shown)
        fputs("\r\033[K", stderr);
    p->shown = 0;
}

/*
 * Sends export.contracts and waits for its answer, showing its progress
 * events.  0 with *made (the result), or an exit code after printing why.
 */
static int run_export(struct ctl_client *c, json_t *args_steal, struct progress *p, json_t **made)
{
    struct ctl_ws *ws = ctl_client_ws(c);
    json_t *req =
        json_pack("{s:s, s:s, s:o}", "id", "export", "op", "export.contracts", "args", args_steal);
    char *text = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    int rc = ctl_ws_send_text(ws, text, strlen(text));
    free(text);
    *made = NULL;
    if (rc != 0)
        return ctl__report_lost(c);
    for (;;) {
        char *msg = NULL;
        size_t len;
        int r = ctl_ws_recv(ws, EXPORT_IDLE_MS, &msg, &len);
        if (r != 1) {
            progress_clear(p);
            if (r == 0) {
                ctl__errorf("export: no word from the server for %d s", EXPORT_IDLE_MS / 1000);
                return CTL_EXIT_CONNECT;
            }
            return ctl__report_lost(c);
        }
        json_t *m = json_loadb(msg, len, 0, NULL);
        free(msg);
        const char *ev = json_string_value(json_object_get(m, "event"));
        const char *id = json_string_value(json_object_get(m, "id"));
        if (ev && strcmp(ev, PACTA_EV_EXPORT_PROGRESS) == 0) {
            json_t *d = json_object_get(m, "data");
            json_int_t done = json_integer_value(json_object_get(d, "rows_done"));
            json_t *total = json_object_get(d, "rows_total");
            if (json_is_integer(total) && json_integer_value(total) > 0)
                progress_line(p, "export: writing %lld of %lld contracts (%lld%%)", (long long)done,
                              (long long)json_integer_value(total),
                              (long long)(done * 100 / json_integer_value(total)));
            else
                progress_line(p, "export: selecting contracts... %lld", (long long)done);
        } else if (id && strcmp(id, "export") == 0) {
            progress_clear(p);
            if (json_is_true(json_object_get(m, "ok"))) {
                *made = json_incref(json_object_get(m, "result"));
                json_decref(m);
                return 0;
            }
            ctl__print_error("export", json_object_get(m, "error"));
            json_decref(m);
            return CTL_EXIT_SERVER;
        }
        json_decref(m); /* other events: not ours */
    }
}

/* Pulls every chunk into fd, hashing as it goes. */
static int download(struct ctl_client *c, const json_t *made, int fd, struct progress *p)
{
    const char *id = json_string_value(json_object_get(made, "export_id"));
    json_int_t size = json_integer_value(json_object_get(made, "size"));
    const char *want = json_string_value(json_object_get(made, "sha256"));
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    uint8_t *buf = malloc(PACTA_EXPORT_CHUNK_MAX);
    json_int_t offset = 0;
    int rc = 0, eof = 0;
    if (!md || !buf || !id || !want)
        abort();
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    while (!eof) {
        json_t *r;
        rc = ctl__request(c, "export.read",
                          json_pack("{s:s, s:I}", "export_id", id, "offset", offset), &r);
        if (rc)
            goto out;
        const char *data = json_string_value(json_object_get(r, "data"));
        size_t n = 0;
        eof = json_is_true(json_object_get(r, "eof"));
        if (!data ||
            pacta_base64_decode(data, strlen(data), buf, PACTA_EXPORT_CHUNK_MAX, &n) != 0 ||
            json_integer_value(json_object_get(r, "offset")) != offset || (n == 0 && !eof)) {
            json_decref(r);
            ctl__errorf("export: the server sent a malformed chunk at byte %lld",
                        (long long)offset);
            rc = CTL_EXIT_SERVER;
            goto out;
        }
        json_decref(r);
        for (size_t w = 0; w < n;) {
            ssize_t k = write(fd, buf + w, n - w);
            if (k < 0 && errno == EINTR)
                continue;
            if (k < 0) {
                progress_clear(p);
                ctl__errorf("export: cannot write the file: %s", strerror(errno));
                rc = CTL_EXIT_USAGE;
                goto out;
            }
            w += (size_t)k;
        }
        EVP_DigestUpdate(md, buf, n);
        offset += (json_int_t)n;
        progress_line(p, "export: downloading %.1f of %.1f %s (%lld%%)",
                      size < 1000000 ? offset / 1e3 : offset / 1e6,
                      size < 1000000 ? size / 1e3 : size / 1e6, size < 1000000 ? "kB" : "MB",
                      size ? (long long)(offset * 100 / size) : 100LL);
    }
    progress_clear(p);
    unsigned char sum[32];
    unsigned len = 0;
    char hex[65];
    EVP_DigestFinal_ex(md, sum, &len);
    for (unsigned i = 0; i < len; i++)
        snprintf(hex + 2 * i, 3, "%02x", sum[i]);
    if (offset != size || strcmp(hex, want) != 0) {
        ctl__errorf("export: the file received (%lld bytes, SHA-256 %s) does not match what the "
                    "server made (%lld bytes, %s): nothing was written",
                    (long long)offset, hex, (long long)size, want);
        rc = CTL_EXIT_SERVER;
    }
out:
    progress_clear(p);
    EVP_MD_CTX_free(md);
    free(buf);
    return rc;
}

/* The directory of path, for the temporary file and its fsync. */
static void dir_of(const char *path, char *out, size_t n)
{
    char *copy = strdup(path);
    if (!copy)
        abort();
    snprintf(out, n, "%s", dirname(copy));
    free(copy);
}

int ctl__cmd_export(const struct ctl_global *g, int argc, char **argv)
{
    enum { O_FORMAT = CTL_O__NEXT, O_FILTERS, O_VIEW, O_CONTRACT, O_BOM, O_ESCAPE, O_QUIET };
    static const struct option opts[] = {
        CTL_FILTER_OPTIONS,
        {"format", required_argument, NULL, O_FORMAT},
        {"output", required_argument, NULL, 'o'},
        {"filters", required_argument, NULL, O_FILTERS},
        {"view", required_argument, NULL, O_VIEW},
        {"contract", required_argument, NULL, O_CONTRACT},
        {"bom", no_argument, NULL, O_BOM},
        {"escape-formulas", no_argument, NULL, O_ESCAPE},
        {"quiet", no_argument, NULL, O_QUIET},
        {NULL, 0, NULL, 0},
    };
    struct ctl_list_flags f = {.filter = json_object()};
    const char *view_name = NULL;
    json_t *filters = json_object(), *args = json_object(), *made = NULL, *selected = NULL;
    const char *out = NULL;
    struct progress p = {.tty = isatty(STDERR_FILENO)};
    struct ctl_client *c = NULL;
    char tmp[4200] = "", dir[4096];
    int ch, rc = CTL_EXIT_USAGE, fd = -1;

    optind = 0;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        if (ctl__filter_flag(&f, ch, optarg))
            continue;
        switch (ch) {
        case O_FORMAT:
            json_object_set_new(args, "format", json_string(optarg));
            break;
        case 'o':
            out = optarg;
            break;
        case O_VIEW:
            view_name = optarg;
            break;
        case O_FILTERS: {
            json_t *more = ctl__load_json_arg(optarg);
            if (!json_is_object(more)) {
                json_decref(more);
                ctl__errorf("export: --filters must be a JSON object");
                goto out;
            }
            json_object_update(filters, more);
            json_decref(more);
            break;
        }
        case O_CONTRACT:
            json_object_set_new(args, "contract_id", json_string(optarg));
            break;
        case O_BOM:
            json_object_set_new(args, "bom", json_true());
            break;
        case O_ESCAPE:
            json_object_set_new(args, "escape_formulas", json_true());
            break;
        case O_QUIET:
            p.quiet = 1;
            break;
        case 'h':
            rc = export_usage(stdout, CTL_EXIT_OK);
            goto out;
        default:
            ctl__errorf("export: bad option %s", argv[optind - 1]);
            export_usage(stderr, 0);
            goto out;
        }
    }
    if (optind != argc) {
        ctl__errorf("export: unexpected argument \"%s\"", argv[optind]);
        goto out;
    }
    if (!json_object_get(args, "format") || !out) {
        ctl__errorf("export: --format and -o FILE are required");
        export_usage(stderr, 0);
        goto out;
    }
    /* without a view, a bad amount is a usage error before connecting */
    if (!view_name && ctl__filter_amounts(&f) < 0)
        goto out;

    /* the temporary file first: a target we cannot write fails before the server works */
    dir_of(out, dir, sizeof dir);
    snprintf(tmp, sizeof tmp, "%s/.pactactl-export-XXXXXX", dir);
    if ((fd = ctl__tmpfile_make(tmp)) < 0) {
        ctl__errorf("export: cannot create a file in %s: %s", dir, strerror(errno));
        tmp[0] = '\0';
        goto out;
    }
    rc = ctl__session_open(g, &c);
    if (rc)
        goto out;
    if (!(selected = ctl__filter_args(c, view_name, &f, &rc)))
        goto out;
    json_object_update(selected, filters);
    if (json_object_size(selected))
        json_object_set(args, "filters", selected);
    rc = run_export(c, json_incref(args), &p, &made);
    if (rc)
        goto out;
    rc = download(c, made, fd, &p);
    if (rc)
        goto out;
    if (fsync(fd) != 0 || close(fd) != 0) {
        fd = -1;
        ctl__errorf("export: cannot write the file: %s", strerror(errno));
        rc = CTL_EXIT_USAGE;
        goto out;
    }
    fd = -1;
    if (rename(tmp, out) != 0) {
        ctl__errorf("export: cannot rename to %s: %s", out, strerror(errno));
        rc = CTL_EXIT_USAGE;
        goto out;
    }
    tmp[0] = '\0';
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    long long rows = (long long)json_integer_value(json_object_get(made, "rows"));
    printf("%s: %lld contract%s, %lld bytes (%s), sha256 %s\n", out, rows, rows == 1 ? "" : "s",
           (long long)json_integer_value(json_object_get(made, "size")),
           json_string_value(json_object_get(made, "format")),
           json_string_value(json_object_get(made, "sha256")));
    fflush(stdout);
out:
    if (fd >= 0)
        close(fd);
    if (tmp[0])
        unlink(tmp);
    ctl__tmpfile_disarm();
    json_decref(made);
    json_decref(filters);
    json_decref(selected);
    json_decref(f.filter);
    json_decref(args);
    ctl__session_close(c);
    return rc;
}
