/*
 * it_cli_notify: `pactactl contracts expiring`, `notifications list` and
 * `notifications read` end to end, the real binary against a pactad with a
 * fake clock (--fake-now, moved with admin.clock.set as it_expiry does).
 *
 *  1. contracts expiring: the table (number, title, counterparty, end,
 *     notice deadline, days left, lifecycle), --days widens the window,
 *     --json prints one contract per line;
 *  2. after the clock passes four thresholds: notifications list shows
 *     them (table with kind, contract number, message, read flag and the
 *     unread count; --limit pages with a hint, --all follows the pages,
 *     --unread, --json);
 *  3. notifications read ID marks one; an unknown id marks nothing and says
 *     so; --all marks the rest; another user sees none of the admin's;
 *  4. bad command lines exit 2 without a server, a refused login exits 1,
 *     an unreachable server exits 3.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "test.h"

static char env_url[128], env_ca[600];
static char *admin_env[] = {env_url, env_ca, "PACTA_PASSWORD=" IT_ADMIN_PASSWORD,
                            "PACTA_USER=admin", NULL};
static char *editor_env[] = {env_url, env_ca, "PACTA_PASSWORD=" IT_EDITOR_PASSWORD,
                             "PACTA_USER=" IT_EDITOR_USER, NULL};
static char *badpw_env[] = {env_url, env_ca, "PACTA_PASSWORD=wrong-password-0", "PACTA_USER=admin",
                            NULL};
static char *dead_env[] = {"PACTA_URL=wss://127.0.0.1:1", env_ca,
                           "PACTA_PASSWORD=" IT_ADMIN_PASSWORD, "PACTA_USER=admin", NULL};

static char *out, *err;

/* Runs pactactl with env and the NULL-terminated args; output in out/err
 * (freed by the next run). */
static int run_ctl(char **env, const char *const *args)
{
    char *argv[16] = {PACTACTL_BIN};
    int n = 1;
    for (; args[n - 1] && n < 15; n++)
        argv[n] = (char *)args[n - 1];
    argv[n] = NULL;
    free(out);
    free(err);
    out = err = NULL;
    int rc = it_run(argv, env, 30000, &out, &err);
    fprintf(stderr, "pactactl");
    for (int i = 1; i < n; i++)
        fprintf(stderr, " %s", argv[i]);
    fprintf(stderr, " -> %d\n", rc);
    if (!out)
        out = strdup("");
    if (!err)
        err = strdup("");
    return rc;
}
#define CTL(env, ...) run_ctl(env, (const char *const[]){__VA_ARGS__, NULL})

static int count_lines(const char *s)
{
    int n = 0;
    for (; s && *s; s++)
        n += *s == '\n';
    return n;
}

/* The line of s that contains needle (copied into line), or 0. */
static int find_line(const char *s, const char *needle, char *line, size_t cap)
{
    const char *hit = s ? strstr(s, needle) : NULL;
    if (!hit)
        return 0;
    const char *a = hit, *b = strchr(hit, '\n');
    while (a > s && a[-1] != '\n')
        a--;
    if (!b)
        b = hit + strlen(hit);
    snprintf(line, cap, "%.*s", (int)(b - a), a);
    return 1;
}

/* Each line of s parsed as JSON; NULL if one is not. */
static json_t *json_lines(const char *s)
{
    json_t *all = json_array();
    char *copy = strdup(s), *save = NULL;
    for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        json_t *j = json_loads(l, 0, NULL);
        if (!j) {
            json_decref(all);
            all = NULL;
            break;
        }
        json_array_append_new(all, j);
    }
    free(copy);
    return all;
}

static void expiring(void)
{
    char line[512];
    int rc = CTL(admin_env, "contracts", "expiring");
    CHECKF(rc == 0, "contracts expiring exit %d: %s", rc, err);
    CHECKF(strncmp(out, "NUMBER", 6) == 0, "no header: %s", out);
    CHECK(strstr(out, "NOTICE BY") && strstr(out, "DAYS") && strstr(out, "LIFECYCLE"));
    CHECKF(count_lines(out) == 2, "want header + CN-SOON only:\n%s", out);
    CHECK(find_line(out, "CN-SOON", line, sizeof line));
    CHECKF(strstr(line, "Cleaning soon") && strstr(line, "Brite Services") &&
               strstr(line, "2026-01-20") && strstr(line, "2026-01-10") && strstr(line, " 19 ") &&
               strstr(line, "expiring"),
           "row: %s", line);
    CHECK(strstr(out, "CN-LATER") == NULL && strstr(out, "CN-DRAFT") == NULL);

    rc = CTL(admin_env, "contracts", "expiring", "--days", "90");
    CHECKF(rc == 0, "--days 90 exit %d: %s", rc, err);
    CHECKF(count_lines(out) == 3, "want two rows:\n%s", out);
    const char *soon = strstr(out, "CN-SOON"), *later = strstr(out, "CN-LATER");
    CHECKF(soon && later && soon < later, "soonest first:\n%s", out);
    CHECK(find_line(out, "CN-LATER", line, sizeof line));
    /* no notice period: no deadline shown; its 90-day alert lay before
     * it was armed and its 60-day one is due after 01-19 */
    CHECKF(strstr(line, "2026-03-25") && strstr(line, " - ") && strstr(line, " 83 "), "row: %s",
           line);

    rc = CTL(admin_env, "contracts", "expiring", "--days=90", "--json");
    CHECKF(rc == 0, "--json exit %d", rc);
    json_t *items = json_lines(out);
    CHECKF(items && json_array_size(items) == 2, "--json lines:\n%s", out);
    json_t *k = json_array_get(items, 0);
    CHECK_STR(it_str(k, "number"), "CN-SOON");
    CHECK(it_int(k, "days_left") == 19);
    CHECK_STR(it_str(k, "notice_deadline"), "2026-01-10");
    CHECK_STR(it_str(json_array_get(items, 1), "number"), "CN-LATER");
    json_decref(items);

    /* nothing within 0 days: an empty table and a note */
    rc = CTL(admin_env, "contracts", "expiring", "--days", "0");
    CHECK(rc == 0 && count_lines(out) == 1 && strstr(err, "no active contract"));

    /* any role may ask (a read) */
    rc = CTL(editor_env, "contracts", "expiring");
    CHECKF(rc == 0 && strstr(out, "CN-SOON"), "editor: exit %d %s", rc, err);
}

/* Four alerts of CN-SOON are due by 2026-01-19 (notice 7 and 1 before
 * 01-10, expiring 7 and 1 before 01-20); three are late by then. */
static void list(json_int_t *first_id, json_int_t *second_id)
{
    char line[512];
    int rc = CTL(admin_env, "notifications", "list");
    CHECKF(rc == 0, "notifications list exit %d: %s", rc, err);
    printf("%s", out);
    CHECKF(strncmp(out, "ID", 2) == 0 && strstr(out, "KIND") && strstr(out, "CONTRACT") &&
               strstr(out, "READ") && strstr(out, "MESSAGE"),
           "header: %s", out);
    CHECKF(count_lines(out) == 6, "header + 4 rows + unread:\n%s", out);
    CHECK(strstr(out, "\n4 unread\n") != NULL);
    /* newest first: the last raised is the 1-day expiring alert */
    CHECK(find_line(out, "in 1 day\n", line, sizeof line));
    CHECKF(strstr(line, "expiring") && strstr(line, "CN-SOON") && strstr(line, " no ") &&
               strstr(line, "Cleaning soon: ends 2026-01-20, in 1 day") &&
               strstr(line, "2026-01-19 09:00") && !strstr(line, "(late)"),
           "row: %s", line);
    CHECK(find_line(out, "in 7 days (late)", line, sizeof line));
    CHECK(strstr(out, "notice_due") && strstr(out, "notice deadline 2026-01-10, in 7 days (late)"));

    rc = CTL(admin_env, "notifications", "list", "--json");
    json_t *items = json_lines(out);
    CHECKF(rc == 0 && items && json_array_size(items) == 4, "--json:\n%s", out);
    json_t *n0 = json_array_get(items, 0);
    CHECK_STR(it_str(n0, "event"), "contract.expiring");
    CHECK(json_is_false(json_object_get(n0, "read")));
    CHECK(it_int(json_object_get(n0, "summary"), "threshold") == 1);
    *first_id = it_int(n0, "id");
    *second_id = it_int(json_array_get(items, 1), "id");
    CHECK(*first_id > *second_id);
    json_decref(items);

    /* paging */
    rc = CTL(admin_env, "notifications", "list", "--limit", "3");
    CHECKF(rc == 0 && count_lines(out) == 5 && strstr(err, "--all"), "--limit 3:\n%s%s", out, err);
    rc = CTL(admin_env, "notifications", "list", "--limit", "1", "--all", "--json");
    items = json_lines(out);
    CHECKF(rc == 0 && items && json_array_size(items) == 4, "--all:\n%s", out);
    CHECK(it_int(json_array_get(items, 3), "id") < *second_id);
    json_decref(items);
}

static void read_cmds(json_int_t first_id, json_int_t second_id)
{
    char id1[24], id2[24];
    snprintf(id1, sizeof id1, "%lld", (long long)first_id);
    snprintf(id2, sizeof id2, "%lld", (long long)second_id);

    int rc = CTL(admin_env, "notifications", "read", id1);
    CHECKF(rc == 0 && strstr(out, "marked 1 read, 3 unread"), "read %s: %d %s %s", id1, rc, out,
           err);
    rc = CTL(admin_env, "notifications", "list", "--unread", "--json");
    json_t *items = json_lines(out);
    CHECK(rc == 0 && items && json_array_size(items) == 3);
    CHECK(it_int(json_array_get(items, 0), "id") == second_id);
    json_decref(items);
    rc = CTL(admin_env, "notifications", "list");
    char line[512] = "";
    find_line(out, "ends 2026-01-20, in 1 day\n", line, sizeof line);
    CHECKF(strstr(line, " yes ") && strstr(out, "\n3 unread\n"), "read flag:\n%s", out);

    /* already read, and an id that does not exist: nothing marked, said so */
    rc = CTL(admin_env, "notifications", "read", id1, "987654321");
    CHECKF(rc == 0 && strstr(out, "marked 0 read, 3 unread") && strstr(err, "2 of 2 not marked"),
           "unknown id: %d %s %s", rc, out, err);

    /* the editor owns nothing that fired: sees none, cannot mark the admin's */
    rc = CTL(editor_env, "notifications", "list");
    CHECKF(rc == 0 && count_lines(out) == 2 && strstr(out, "\n0 unread\n"), "editor list:\n%s",
           out);
    rc = CTL(editor_env, "notifications", "read", id2);
    CHECK(rc == 0 && strstr(out, "marked 0 read") && strstr(err, "not marked"));

    rc = CTL(admin_env, "notifications", "read", "--all");
    CHECKF(rc == 0 && strstr(out, "marked 3 read, 0 unread"), "read --all: %d %s %s", rc, out, err);
    rc = CTL(admin_env, "notifications", "list", "--unread");
    CHECKF(rc == 0 && count_lines(out) == 2 && strstr(out, "\n0 unread\n"), "after --all:\n%s",
           out);
    rc = CTL(admin_env, "notifications", "read", "--all");
    CHECK(rc == 0 && strstr(out, "marked 0 read, 0 unread"));
}

static void bad_command_lines(void)
{
    static const struct {
        const char *args[6];
        int rc;
    } cases[] = {
        {{"notifications"}, 2},
        {{"notifications", "frob"}, 2},
        {{"notifications", "list", "--bogus"}, 2},
        {{"notifications", "list", "--limit", "0"}, 2},
        {{"notifications", "list", "--limit", "501"}, 2},
        {{"notifications", "list", "--limit", "x"}, 2},
        {{"notifications", "list", "extra"}, 2},
        {{"notifications", "read"}, 2},
        {{"notifications", "read", "abc"}, 2},
        {{"notifications", "read", "0"}, 2},
        {{"notifications", "read", "-3"}, 2},
        {{"notifications", "read", "5", "--all"}, 2},
        {{"notifications", "read", "--bogus"}, 2},
        {{"contracts", "expiring", "--days", "-1"}, 2},
        {{"contracts", "expiring", "--days", "3651"}, 2},
        {{"contracts", "expiring", "--days", "ten"}, 2},
        {{"contracts", "expiring", "--days"}, 2},
        {{"contracts", "expiring", "--bogus"}, 2},
        {{"contracts", "expiring", "extra"}, 2},
        {{"notifications", "--help"}, 0},
        {{"notifications", "list", "--help"}, 0},
        {{"notifications", "read", "--help"}, 0},
        {{"contracts", "expiring", "--help"}, 0},
    };
    /* no server at all: the command line is checked first */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *const *a = cases[i].args;
        int rc = run_ctl(dead_env, a);
        CHECKF(rc == cases[i].rc, "%s %s %s %s: exit %d, want %d (%s)", a[0], a[1] ? a[1] : "",
               a[1] && a[2] ? a[2] : "", a[1] && a[2] && a[3] ? a[3] : "", rc, cases[i].rc, err);
        if (cases[i].rc == 0)
            CHECK(strstr(out, "usage:") != NULL);
        else
            CHECK(*err != '\0');
    }
    int rc = CTL(admin_env, "--help");
    CHECK(rc == 0 && strstr(out, "notifications list") && strstr(out, "contracts expiring"));

    /* refused login: 1; nobody listening: 3 */
    rc = CTL(badpw_env, "notifications", "list");
    CHECKF(rc == 1 && strstr(err, "login"), "bad password: %d %s", rc, err);
    rc = CTL(badpw_env, "contracts", "expiring");
    CHECK(rc == 1);
    rc = CTL(dead_env, "notifications", "read", "--all");
    CHECKF(rc == 3, "no server: %d %s", rc, err);
    rc = CTL(dead_env, "contracts", "expiring");
    CHECK(rc == 3);
}

int main(void)
{
    static const char *const args[] = {
        /* tokens must outlive months of fake time */ "--session-ttl", "315360000", "--fake-now",
        "2026-01-01T09:00:00Z", NULL};

    it_setup("it_cli_notify");
    struct it_server *srv = it_server_start(args);
    snprintf(env_url, sizeof env_url, "PACTA_URL=%s", srv->url);
    snprintf(env_ca, sizeof env_ca, "PACTA_CA=%s", it_ca_file());
    it_create_role_users(srv);
    struct ctl_client *ad = it_login_admin(srv);

    /* owned by the admin: only the admin is told of CN-SOON */
    json_t *a = it_contract_create(
        ad, json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "number", "CN-SOON", "title",
                      "Cleaning soon", "counterparty", "Brite Services SRL", "status", "active",
                      "end_date", "2026-01-20", "notice_days", 10));
    json_t *b =
        it_contract_create(ad, json_pack("{s:s, s:s, s:s, s:s}", "number", "CN-LATER", "status",
                                         "active", "end_date", "2026-03-25", "title", "Later one"));
    json_t *d = it_contract_create(
        ad, json_pack("{s:s, s:s}", "number", "CN-DRAFT", "end_date", "2026-01-10"));
    REQUIRE(a && b && d);

    expiring();

    json_t *r =
        it_call(ad, "admin.clock.set", json_pack("{s:s}", "now", "2026-01-19T09:00:00Z"), NULL);
    REQUIRE(r != NULL);
    json_decref(r);
    json_int_t first = 0, second = 0;
    list(&first, &second);
    read_cmds(first, second);
    bad_command_lines();

    free(out);
    free(err);
    json_decref(a);
    json_decref(b);
    json_decref(d);
    ctl_client_close(ad);
    return it_done(test_summary());
}
