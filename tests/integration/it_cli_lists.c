/*
 * it_cli_lists: `pactactl contracts list` with the filters and sort keys of
 * issue 7, and `pactactl views save|list|delete`, against a real pactad.
 *
 * --lifecycle, --end-from/--end-to, --currency with --amount-min/-max in
 * decimal (read in the currency's minor unit), --sort KEY --desc (titles
 * without case or accents), --all across pages; a saved view is listed and
 * used by --view NAME, with flags overriding it; an amount without a
 * currency exits 2 before connecting; a value the server refuses exits 1
 * with its field; an unknown view exits 2; deleting one twice exits 1
 * (not_found).
 */
#include <string.h>

#include "harness.h"
#include "test.h"

static char env_url[128], env_ca[600];
static char *ctl_env[] = {env_url, env_ca, "PACTA_PASSWORD=" IT_ADMIN_PASSWORD, "PACTA_USER=admin",
                          NULL};

/* pactactl with up to 12 arguments (NULL-terminated); exit status, output
 * in *out (caller frees) and *err. */
static int ctl(char **out, char **err, const char *const *args)
{
    char *argv[16] = {PACTACTL_BIN};
    int n = 1;

    for (; args[n - 1] && n < 15; n++)
        argv[n] = (char *)args[n - 1];
    argv[n] = NULL;
    return it_run(argv, ctl_env, 30000, out, err);
}

/* The numbers of a `contracts list --json --all` run, space-separated. */
static int numbers(const char *const *args, char *got, size_t len)
{
    char *out = NULL, *err = NULL, *save = NULL;
    size_t o = 0;
    int rc = ctl(&out, &err, args);

    got[0] = '\0';
    for (char *line = out ? strtok_r(out, "\n", &save) : NULL; line;
         line = strtok_r(NULL, "\n", &save)) {
        json_t *rec = json_loads(line, 0, NULL);
        if (rec && o < len)
            o += (size_t)snprintf(got + o, len - o, "%s%s", o ? " " : "", it_str(rec, "number"));
        json_decref(rec);
    }
    if (rc != 0)
        fprintf(stderr, "pactactl: %s", err ? err : "");
    free(out);
    free(err);
    return rc;
}

#define LIST(...)                                                                                  \
    (const char *const[])                                                                          \
    {                                                                                              \
        "contracts", "list", "--json", "--all", "--limit", "2", __VA_ARGS__, NULL                  \
    }

static void check_list(const char *const *args, const char *want)
{
    char got[1024];
    int rc = numbers(args, got, sizeof got);
    CHECKF(rc == 0 && strcmp(got, want) == 0, "%s %s...: rc %d got \"%s\" want \"%s\"", args[6],
           args[7] ? args[7] : "", rc, got, want);
}

static void check_exit(const char *const *args, int want, const char *stderr_has)
{
    char *out = NULL, *err = NULL;
    int rc = ctl(&out, &err, args);
    CHECKF(rc == want && (!stderr_has || (err && strstr(err, stderr_has))),
           "%s %s: exit %d (want %d), stderr: %s", args[0], args[1], rc, want, err ? err : "");
    free(out);
    free(err);
}

int main(void)
{
    static const char *const extra[] = {"--fake-now", "2026-06-15T12:00:00Z", "--thresholds", "30",
                                        NULL};
    it_setup("it_cli_lists");
    struct it_server *srv = it_server_start(extra);
    snprintf(env_url, sizeof env_url, "PACTA_URL=%s", srv->url);
    snprintf(env_ca, sizeof env_ca, "PACTA_CA=%s", it_ca_file());
    struct ctl_client *admin = it_login_admin(srv);

    static const char *const fields[] = {
        "{\"number\":\"C-1\",\"title\":\"Lift\",\"status\":\"active\",\"end_date\":\"2026-06-20\","
        "\"currency\":\"EUR\",\"amount_cents\":150050}",
        "{\"number\":\"C-2\",\"title\":\"Stairs\",\"status\":\"active\",\"end_date\":\"2026-07-"
        "01\","
        "\"currency\":\"EUR\",\"amount_cents\":99999}",
        "{\"number\":\"C-3\",\"title\":\"Roof\",\"status\":\"active\",\"end_date\":\"2027-01-01\","
        "\"currency\":\"EUR\",\"amount_cents\":250000}",
        "{\"number\":\"C-4\",\"title\":\"Garden\",\"status\":\"active\",\"end_date\":\"2026-06-"
        "25\","
        "\"currency\":\"USD\",\"amount_cents\":5000}",
        "{\"number\":\"C-5\",\"title\":\"Paint\",\"status\":\"draft\",\"currency\":\"JPY\","
        "\"amount_cents\":1200}",
        /* titles sort without case or accents: "ático" first, "Ñandú" with the N's */
        "{\"number\":\"C-6\",\"title\":\"ático\",\"currency\":\"RON\"}",
        "{\"number\":\"C-7\",\"title\":\"Ñandú\",\"currency\":\"RON\"}",
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        json_t *rec = it_contract_create(admin, json_loads(fields[i], 0, NULL));
        REQUIRE(rec);
        json_decref(rec);
    }

    check_list(LIST("--lifecycle", "expiring"), "C-1 C-2 C-4");
    check_list(LIST("--lifecycle", "expiring", "--sort", "end_date", "--desc"), "C-2 C-4 C-1");
    check_list(LIST("--end-from", "2026-06-21", "--end-to", "2026-12-31"), "C-2 C-4");
    check_list(LIST("--currency", "EUR", "--amount-min", "999.99", "--amount-max", "1500.50"),
               "C-1 C-2");
    check_list(LIST("--currency", "JPY", "--amount-min", "1200"), "C-5");
    check_list(LIST("--sort", "amount", "--desc", "--currency", "EUR"), "C-3 C-1 C-2");
    check_list(LIST("--sort", "title"), "C-6 C-4 C-1 C-7 C-5 C-3 C-2");
    check_list(LIST("--sort", "title", "--desc"), "C-2 C-3 C-5 C-7 C-1 C-4 C-6");
    check_list(LIST("--q", "stai"), "C-2");

    /* views: save, list, use, override, delete */
    check_exit((const char *const[]){"views", "save", "Soon", "--lifecycle", "expiring", "--sort",
                                     "end_date", "--desc", NULL},
               0, NULL);
    char *out = NULL, *err = NULL;
    CHECK(ctl(&out, &err, (const char *const[]){"views", "list", NULL}) == 0);
    CHECKF(out && strstr(out, "Soon\tend_date desc\t{\"lifecycle\":\"expiring\"}"),
           "views list: %s", out ? out : "");
    free(out);
    free(err);
    check_list(LIST("--view", "Soon"), "C-2 C-4 C-1");
    check_list(LIST("--view", "Soon", "--asc"), "C-1 C-4 C-2");
    check_list(LIST("--view", "Soon", "--currency", "EUR", "--sort", "number"), "C-1 C-2");
    check_exit((const char *const[]){"views", "save", "Soon", "--currency", "USD", NULL}, 0,
               NULL); /* replaced */
    check_list(LIST("--view", "Soon"), "C-4");
    check_exit((const char *const[]){"views", "delete", "Soon", NULL}, 0, NULL);
    check_exit((const char *const[]){"views", "delete", "Soon", NULL}, 1, "not_found");

    /* errors: ours exit 2 before connecting, the server's exit 1 */
    check_exit(LIST("--amount-min", "10"), 2, "--currency");
    check_exit(LIST("--currency", "EUR", "--amount-max", "1.234"), 2, "amount");
    check_exit(LIST("--view", "Nope"), 2, "no saved view");
    check_exit(LIST("--lifecycle", "soon"), 1, "lifecycle");
    check_exit(LIST("--end-from", "2026-13-01"), 1, "end_from");
    check_exit(LIST("--sort", "size"), 1, "sort");
    check_exit((const char *const[]){"views", "save", NULL}, 2, NULL);
    check_exit((const char *const[]){"views", "save", "X", "--status", "open", NULL}, 1, "status");
    check_exit((const char *const[]){"views", "frobnicate", NULL}, 2, NULL);

    ctl_client_close(admin);
    return it_done(test_summary());
}
