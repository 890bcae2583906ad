/*
 * Where pactad's options come from: the environment (PACTA_LOG_LEVEL=debug
 * is --log-level debug), then a config file (--config FILE or
 * $PACTA_CONFIG: "key = value" lines), then the command line, merged into
 * the one argv config.c parses, so a later source wins.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

/* --config names the file; it is never itself taken from one, nor from the
 * environment (PACTA_CONFIG is read on its own) */
static int is_config(const struct option *o)
{
    return strcmp(o->name, "config") == 0;
}

static void arg_push(struct srv_config_args *a, const char *s)
{
    if (a->n + 2 > a->cap) {
        a->cap = a->cap ? a->cap * 2 : 32;
        a->v = realloc(a->v, sizeof *a->v * (size_t)a->cap);
        if (!a->v)
            abort();
    }
    a->v[a->n++] = strdup(s);
    a->v[a->n] = NULL;
}

void srv__config_args_free(struct srv_config_args *a)
{
    for (int i = 0; i < a->n; i++)
        free(a->v[i]);
    free(a->v);
}

static const struct option *option_named(const struct option *opts, const char *name)
{
    for (const struct option *o = opts; o->name; o++)
        if (strcmp(o->name, name) == 0)
            return o;
    return NULL;
}

/* PACTA_LOG_LEVEL=debug stands for --log-level debug (every option that takes a value). */
static void push_env(const struct option *opts, struct srv_config_args *a)
{
    for (const struct option *o = opts; o->name; o++) {
        char var[64] = "PACTA_";
        size_t n = strlen(var);
        /* the test-only clock must be asked for on purpose, not inherited */
        if (o->has_arg != required_argument || is_config(o) || strcmp(o->name, "fake-now") == 0)
            continue;
        for (const char *p = o->name; *p && n + 1 < sizeof var; p++)
            var[n++] = *p == '-' ? '_' : (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
        var[n] = '\0';
        const char *v = getenv(var);
        if (v && *v) {
            char opt[80];
            snprintf(opt, sizeof opt, "--%s", o->name);
            arg_push(a, opt);
            arg_push(a, v);
        }
    }
}

/*
 * A config file: one "key = value" per line (key: a long option without
 * "--"), '#' starts a comment, blank lines are fine, a key may repeat where
 * the option may (allow-origin).  Errors name the file and line.
 */
static int push_file(const struct option *opts, struct srv_config_args *a, const char *path)
{
    char line[2048];
    int lineno = 0, rc = 0;
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "pactad: cannot read config %s: %s\n", path, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            fprintf(stderr, "pactad: %s:%d: line too long\n", path, lineno);
            rc = -1;
            break;
        }
        line[strcspn(line, "\r\n")] = '\0';
        /* a comment starts with '#' at the start of a line or after a blank,
         * so values may contain '#' (paths, origins) */
        for (char *h = strchr(line, '#'); h; h = strchr(h + 1, '#'))
            if (h == line || h[-1] == ' ' || h[-1] == '\t') {
                *h = '\0';
                break;
            }
        char *key = line + strspn(line, " \t");
        if (!*key)
            continue;
        char *eq = key + strcspn(key, " \t=");
        char *val = eq + strspn(eq, " \t");
        if (*val == '=')
            val++;
        val += strspn(val, " \t");
        *eq = '\0';
        for (char *e = val + strlen(val); e > val && (e[-1] == ' ' || e[-1] == '\t'); e--)
            e[-1] = '\0';
        const struct option *o = option_named(opts, key);
        if (!o || o->has_arg != required_argument || is_config(o) || !*val) {
            fprintf(stderr, "pactad: %s:%d: %s\n", path, lineno,
                    !o || o->has_arg != required_argument || is_config(o) ? "unknown key"
                                                                          : "missing value");
            rc = -1;
            break;
        }
        char opt[80];
        snprintf(opt, sizeof opt, "--%s", key);
        arg_push(a, opt);
        arg_push(a, val);
    }
    fclose(f);
    return rc;
}

/* The config file named by --config (or $PACTA_CONFIG), or NULL. */
static const char *config_path(int argc, char **argv)
{
    const char *path = getenv("PACTA_CONFIG");
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            path = argv[++i];
        else if (strncmp(argv[i], "--config=", 9) == 0)
            path = argv[i] + 9;
    }
    return path && *path ? path : NULL;
}

/* Whether a->v[from..to) holds the pair "--NAME VALUE" (env and file
 * entries are always such pairs). */
static int has_pair(const struct srv_config_args *a, int from, int to, const char *opt)
{
    for (int i = from; i + 1 < to; i += 2)
        if (strcmp(a->v[i], opt) == 0)
            return 1;
    return 0;
}

/* Removes the pairs "--NAME VALUE" of opt from a->v[from..*to). */
static void drop_pairs(struct srv_config_args *a, int from, int *to, const char *opt)
{
    int out = from, n = *to - from;
    for (int i = from; i < *to; i += 2) {
        if (i + 1 < *to && strcmp(a->v[i], opt) == 0) {
            free(a->v[i]);
            free(a->v[i + 1]);
            continue;
        }
        a->v[out++] = a->v[i];
        if (i + 1 < *to)
            a->v[out++] = a->v[i + 1];
    }
    int gone = n - (out - from);
    memmove(a->v + out, a->v + *to, sizeof *a->v * (size_t)(a->n - *to + 1)); /* and the NULL */
    a->n -= gone;
    *to -= gone;
}

int srv__config_sources(const struct option *opts, int argc, char **argv,
                        struct srv_config_args *out)
{
    struct srv_config_args a = {0};
    const char *file = config_path(argc, argv);
    arg_push(&a, argc > 0 ? argv[0] : "pactad");
    push_env(opts, &a);
    int env_end = a.n;
    if (file && push_file(opts, &a, file) != 0) {
        srv__config_args_free(&a);
        return -1;
    }
    int file_end = a.n;
    /* allow-origin adds up within a source; a higher source replaces what a
     * lower one gave (the command line wins over the file, the file over
     * the environment), as for every other option */
    int cli_origin = 0;
    for (int i = 1; i < argc; i++)
        cli_origin |=
            strcmp(argv[i], "--allow-origin") == 0 || strncmp(argv[i], "--allow-origin=", 15) == 0;
    if (cli_origin) {
        drop_pairs(&a, 1, &file_end, "--allow-origin");
    } else if (has_pair(&a, env_end, file_end, "--allow-origin")) {
        int end = env_end;
        drop_pairs(&a, 1, &end, "--allow-origin");
    }
    for (int i = 1; i < argc; i++)
        arg_push(&a, argv[i]);
    *out = a;
    return 0;
}
