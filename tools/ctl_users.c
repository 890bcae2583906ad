/*
 * pactactl user add|update|list: account management (admin only on the server).
 * The new user's password never appears on the command line: it is read
 * from stdin (first line) or asked twice on the terminal.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"

static int user_usage(FILE *f, int rc)
{
    fprintf(f, "usage: pactactl user add NAME --role admin|editor|viewer [--display-name X]\n"
               "       pactactl user update NAME [--role R] [--disable | --enable]\n"
               "                                 [--display-name X] [--password]\n"
               "       pactactl user list [--json]\n"
               "`user add` and `user update --password` read the new password from stdin\n"
               "(first line), or ask twice on the terminal. Disabling a user or changing\n"
               "their password ends all their sessions at once.\n");
    return rc;
}

/* The new user's password: stdin's first line, or twice on a terminal. */
static char *new_password(const char *name)
{
    if (!isatty(STDIN_FILENO)) {
        char *line = NULL;
        size_t cap = 0;
        ssize_t n = getline(&line, &cap, stdin);
        if (n < 0) {
            free(line);
            ctl__errorf("no password for %s on stdin", name);
            return NULL;
        }
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        return line;
    }
    char prompt[128];
    snprintf(prompt, sizeof(prompt), "New password for %s: ", name);
    char *a = ctl__prompt_secret(prompt);
    if (!a) {
        ctl__errorf("cannot read the new password");
        return NULL;
    }
    char *b = ctl__prompt_secret("Repeat it: ");
    if (!b || strcmp(a, b) != 0) {
        ctl__errorf("the passwords do not match");
        free(a);
        free(b);
        return NULL;
    }
    free(b);
    return a;
}

static int user_add(const struct ctl_global *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"role", required_argument, NULL, 'r'},
        {"display-name", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *role = NULL, *display = NULL;
    int ch;
    optind = 0;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case 'r':
            role = optarg;
            break;
        case 'd':
            display = optarg;
            break;
        case 'h':
            return user_usage(stdout, CTL_EXIT_OK);
        default:
            ctl__errorf("user add: bad option %s", argv[optind - 1]);
            return user_usage(stderr, CTL_EXIT_USAGE);
        }
    }
    if (optind != argc - 1 || !role) {
        ctl__errorf("user add needs NAME and --role");
        return user_usage(stderr, CTL_EXIT_USAGE);
    }
    const char *name = argv[optind];
    if (strcmp(role, "admin") && strcmp(role, "editor") && strcmp(role, "viewer")) {
        ctl__errorf("--role must be admin, editor or viewer");
        return CTL_EXIT_USAGE;
    }
    /* Log in first, so that on a terminal the admin's password is asked
     * before the new user's. */
    struct ctl_client *c;
    int rc = ctl__session_open(g, &c);
    if (rc)
        return rc;
    char *pw = new_password(name);
    if (!pw) {
        ctl__session_close(c);
        return CTL_EXIT_USAGE;
    }
    json_t *args = json_pack("{ssssss}", "username", name, "password", pw, "role", role);
    explicit_bzero(pw, strlen(pw));
    free(pw);
    if (display)
        json_object_set_new(args, "display_name", json_string(display));
    json_t *res;
    rc = ctl__request(c, "users.create", args, &res);
    if (rc == 0) {
        json_t *u = json_object_get(res, "user");
        printf("created user %s (%s)\n", json_string_value(json_object_get(u, "username")),
               json_string_value(json_object_get(u, "role")));
        json_decref(res);
    }
    ctl__session_close(c);
    return rc;
}

static int user_update(const struct ctl_global *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"role", required_argument, NULL, 'r'},
        {"display-name", required_argument, NULL, 'd'},
        {"disable", no_argument, NULL, 'D'},
        {"enable", no_argument, NULL, 'E'},
        {"password", no_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    json_t *args = json_object();
    int ch, want_password = 0, rc;
    optind = 0;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case 'r':
            if (strcmp(optarg, "admin") && strcmp(optarg, "editor") && strcmp(optarg, "viewer")) {
                ctl__errorf("--role must be admin, editor or viewer");
                json_decref(args);
                return CTL_EXIT_USAGE;
            }
            json_object_set_new(args, "role", json_string(optarg));
            break;
        case 'd':
            json_object_set_new(args, "display_name", json_string(optarg));
            break;
        case 'D':
        case 'E':
            if (json_object_get(args, "disabled")) {
                ctl__errorf("user update: --disable and --enable exclude each other");
                json_decref(args);
                return CTL_EXIT_USAGE;
            }
            json_object_set_new(args, "disabled", json_boolean(ch == 'D'));
            break;
        case 'p':
            want_password = 1;
            break;
        case 'h':
            json_decref(args);
            return user_usage(stdout, CTL_EXIT_OK);
        default:
            ctl__errorf("user update: bad option %s", argv[optind - 1]);
            json_decref(args);
            return user_usage(stderr, CTL_EXIT_USAGE);
        }
    }
    if (optind != argc - 1 || (json_object_size(args) == 0 && !want_password)) {
        ctl__errorf("user update needs NAME and something to change");
        json_decref(args);
        return user_usage(stderr, CTL_EXIT_USAGE);
    }
    const char *name = argv[optind];
    json_object_set_new(args, "username", json_string(name));
    struct ctl_client *c;
    if ((rc = ctl__session_open(g, &c))) {
        json_decref(args);
        return rc;
    }
    if (want_password) {
        char *pw = new_password(name);
        if (!pw) {
            json_decref(args);
            ctl__session_close(c);
            return CTL_EXIT_USAGE;
        }
        json_object_set_new(args, "password", json_string(pw));
        explicit_bzero(pw, strlen(pw));
        free(pw);
    }
    json_t *res;
    rc = ctl__request(c, "users.update", args, &res);
    if (rc == 0) {
        json_t *u = json_object_get(res, "user");
        printf("updated user %s (%s%s); %lld session(s) ended\n",
               json_string_value(json_object_get(u, "username")),
               json_string_value(json_object_get(u, "role")),
               json_is_true(json_object_get(u, "disabled")) ? ", disabled" : "",
               (long long)json_integer_value(json_object_get(res, "sessions_revoked")));
        json_decref(res);
    }
    ctl__session_close(c); /* skips the logout if our own session just ended */
    return rc;
}

static int user_list(const struct ctl_global *g, int argc, char **argv)
{
    int as_json = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            as_json = 1;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return user_usage(stdout, CTL_EXIT_OK);
        else
            return user_usage(stderr, CTL_EXIT_USAGE);
    }
    struct ctl_client *c;
    int rc = ctl__session_open(g, &c);
    if (rc)
        return rc;
    json_t *res;
    rc = ctl__request(c, "users.list", json_object(), &res);
    if (rc == 0) {
        json_t *items = json_object_get(res, "items"), *u;
        size_t i;
        if (!as_json)
            printf("%-20s %-24s %-7s %-8s %s\n", "USERNAME", "DISPLAY NAME", "ROLE", "DISABLED",
                   "CREATED");
        json_array_foreach(items, i, u)
        {
            if (as_json) {
                ctl__print_json(u, 0);
                continue;
            }
            ctl__print_cell(json_string_value(json_object_get(u, "username")), 20, 0);
            putchar(' ');
            ctl__print_cell(json_string_value(json_object_get(u, "display_name")), 24, 0);
            printf(" %-7s %-8s %s\n", json_string_value(json_object_get(u, "role")),
                   json_is_true(json_object_get(u, "disabled")) ? "yes" : "no",
                   json_string_value(json_object_get(u, "created_at"))
                       ? json_string_value(json_object_get(u, "created_at"))
                       : "");
        }
        json_decref(res);
    }
    ctl__session_close(c);
    return rc;
}

int ctl__cmd_user(const struct ctl_global *g, int argc, char **argv)
{
    if (argc < 2)
        return user_usage(stderr, CTL_EXIT_USAGE);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return user_usage(stdout, CTL_EXIT_OK);
    if (strcmp(argv[1], "add") == 0)
        return user_add(g, argc - 1, argv + 1);
    if (strcmp(argv[1], "update") == 0)
        return user_update(g, argc - 1, argv + 1);
    if (strcmp(argv[1], "list") == 0)
        return user_list(g, argc - 1, argv + 1);
    ctl__errorf("unknown user command \"%s\"", argv[1]);
    return user_usage(stderr, CTL_EXIT_USAGE);
}
