/*
 * it_cli_export: `pactactl export` end to end against a real pactad.
 *
 * A viewer exports CSV with filters (and --bom) and the file is exactly
 * what export.contracts makes (same bytes as a download by hand); XLSX and
 * the contract report PDF land under the name asked for; an existing file
 * is replaced only by a complete one; bad flags exit 2 and leave nothing;
 * --escape-formulas marks a formula-like title in the CSV;
 * a server error (bad filter, unknown contract) exits 1 with the field
 * named and leaves the old file as it was; no temporary file stays behind;
 * every filter and sort flag of `contracts list` and a saved --view select
 * and order the rows as they do for the list.
 */
#include <dirent.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "it_export_util.h"

static char env_url[128], env_ca[600];
static char *ctl_env[] = {env_url, env_ca, "PACTA_PASSWORD=" IT_VIEWER_PASSWORD,
                          "PACTA_USER=" IT_VIEWER_USER, NULL};

static int ctl(char **out, char **err, char *const *args)
{
    char *argv[24] = {PACTACTL_BIN};
    int n = 1;
    for (; args[n - 1] && n < 23; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    int rc = it_run(argv, ctl_env, 60000, out, err);
    fprintf(stderr, "pactactl %s %s %s -> %d\n", args[0], args[1] ? args[1] : "",
            args[1] && args[2] ? args[2] : "", rc);
    return rc;
}

/* Files in dir whose name starts with a dot (temporary files). */
static int dot_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)))
        n += e->d_name[0] == '.' && strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d)
        closedir(d);
    return n;
}

int main(void)
{
    it_setup("it_cli_export");
    struct it_server *srv = it_server_start(NULL);
    it_create_role_users(srv);
    snprintf(env_url, sizeof env_url, "PACTA_URL=%s", srv->url);
    snprintf(env_ca, sizeof env_ca, "PACTA_CA=%s", it_ca_file());
    struct ctl_client *ed = it_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    json_t *a = it_contract_create(ed, json_pack("{s:s, s:s, s:s}", "number", "X-1", "title",
                                                 "Curățenie, \"scara B\"", "status", "active"));
    json_t *b = it_contract_create(ed, json_pack("{s:s, s:s}", "number", "X-2", "title", "Otro"));
    REQUIRE(a && b);

    char dir[600], csv[700], xlsx[700], pdf[700];
    snprintf(dir, sizeof dir, "%s/out", it_tmp_dir());
    REQUIRE(mkdir(dir, 0700) == 0);
    snprintf(csv, sizeof csv, "%s/active.csv", dir);
    snprintf(xlsx, sizeof xlsx, "%s/all.xlsx", dir);
    snprintf(pdf, sizeof pdf, "%s/x1.pdf", dir);

    /* CSV with a filter and a BOM: the same bytes a manual download gets */
    char *out = NULL, *err = NULL;
    char *csv_args[] = {"export", "--format", "csv", "--status", "active",
                        "--bom",  "-o",       csv,   NULL};
    CHECK(ctl(&out, &err, csv_args) == 0);
    CHECKF(out && strstr(out, "1 contract,"), "stdout: %s", out ? out : "");
    CHECKF(err && !strstr(err, "\r"), "no progress line when stderr is not a terminal: %s",
           err ? err : "");
    free(out);
    free(err);
    char *file = it_read_file(csv);
    REQUIRE(file);
    CHECK(memcmp(file, "\xEF\xBB\xBF", 3) == 0);
    CHECK(strstr(file, "\"Curățenie, \"\"scara B\"\"\"") != NULL);
    CHECK(!strstr(file, "X-2"));
    struct blob manual;
    json_t *made = it_export(
        ed,
        json_pack("{s:s, s:{s:s}, s:b}", "format", "csv", "filters", "status", "active", "bom", 1),
        &manual);
    REQUIRE(made);
    /* the lifecycle and timestamps are the same within one test: identical files */
    CHECK(manual.len == strlen(file) && memcmp(manual.data, file, manual.len) == 0);
    json_decref(made);
    free(manual.data);

    /* a server error: exit 1, the field named, the old file untouched */
    char *bad_args[] = {"export", "--format", "csv", "--status", "open", "-o", csv, NULL};
    CHECK(ctl(&out, &err, bad_args) == 1);
    CHECKF(err && strstr(err, "bad_request") && strstr(err, "field status"), "stderr: %s",
           err ? err : "");
    free(out);
    free(err);
    char *again = it_read_file(csv);
    CHECK(again && strcmp(again, file) == 0);
    free(again);
    free(file);

    /* --escape-formulas: a formula-like title is written with a leading ' */
    json_t *f = it_contract_create(ed, json_pack("{s:s, s:s}", "number", "X-3", "title", "=1+2"));
    REQUIRE(f);
    json_decref(f);
    char *esc_args[] = {"export", "--format", "csv", "--text", "X-3", "--escape-formulas",
                        "-o",     csv,        NULL};
    CHECK(ctl(NULL, NULL, esc_args) == 0);
    file = it_read_file(csv);
    CHECKF(file && strstr(file, ",'=1+2,"), "file: %s", file ? file : "");
    free(file);
    char *esc_xlsx[] = {"export", "--format", "xlsx", "--escape-formulas", "-o", xlsx, NULL};
    CHECK(ctl(NULL, &err, esc_xlsx) == 1); /* csv only: the server says which field */
    CHECKF(err && strstr(err, "escape_formulas"), "stderr: %s", err ? err : "");
    free(err);

    char *xlsx_args[] = {"export", "--format", "xlsx", "-o", xlsx, NULL};
    CHECK(ctl(NULL, NULL, xlsx_args) == 0);
    file = it_read_file(xlsx);
    CHECK(file && memcmp(file, "PK", 2) == 0);
    free(file);

    char *pdf_args[] = {"export", "--format", "pdf", "--contract", (char *)it_str(a, "id"),
                        "-o",     pdf,        NULL};
    CHECK(ctl(NULL, NULL, pdf_args) == 0);
    file = it_read_file(pdf);
    CHECK(file && memcmp(file, "%PDF", 4) == 0);
    free(file);

    char *unknown[] = {
        "export", "--format", "pdf", "--contract", "0193a5f2-7c1e-7b3a-9f00-1a2b3c4d5e6f",
        "-o",     pdf,        NULL};
    CHECK(ctl(NULL, &err, unknown) == 1);
    CHECKF(err && strstr(err, "not_found") && strstr(err, "contract_id"), "stderr: %s",
           err ? err : "");
    free(err);

    /* every filter and sort flag of `contracts list`, and --view: the file
     * holds what the list shows, in its order */
    static const char *const cur[] = {"EUR", "USD", "EUR", "EUR", "EUR"};
    static const json_int_t cents[] = {500, 2500, 1500, 999, 4000};
    for (int i = 0; i < 5; i++) {
        char number[16];
        snprintf(number, sizeof number, "M-%d", i);
        json_t *m =
            it_contract_create(ed, json_pack("{s:s, s:s, s:s, s:I}", "number", number, "title",
                                             "Mix", "currency", cur[i], "amount_cents", cents[i]));
        REQUIRE(m);
        json_decref(m);
    }
    char *eur[] = {"export",  "--format", "csv", "--currency", "EUR",    "--amount-min",
                   "10.00",   "--text",   "M-",  "--sort",     "amount", "--desc",
                   "--quiet", "-o",       csv,   NULL};
    CHECK(ctl(NULL, NULL, eur) == 0);
    file = it_read_file(csv);
    const char *m4 = file ? strstr(file, "M-4") : NULL, *m2 = file ? strstr(file, "M-2") : NULL;
    /* EUR of at least 10.00: M-4 (40.00) then M-2 (15.00); not M-0, M-3 (under), M-1 (USD) */
    CHECKF(m4 && m2 && m4 < m2 && !strstr(file, "M-0") && !strstr(file, "M-3") &&
               !strstr(file, "M-1"),
           "file: %s", file ? file : "");
    free(file);
    char *save[] = {"views", "save",   "eur-big", "--currency", "EUR",    "--amount-min",
                    "10.00", "--text", "M-",      "--sort",     "amount", NULL};
    CHECK(ctl(NULL, NULL, save) == 0);
    char *by_view[] = {"export", "--format", "csv", "--view", "eur-big", "-o", csv, NULL};
    CHECK(ctl(NULL, NULL, by_view) == 0);
    file = it_read_file(csv);
    m4 = file ? strstr(file, "M-4") : NULL;
    m2 = file ? strstr(file, "M-2") : NULL;
    CHECKF(m4 && m2 && m2 < m4 && !strstr(file, "M-3"), "the view's sort, ascending: %s",
           file ? file : "");
    free(file);
    /* a flag over the view: the view's currency reads the amount */
    char *over[] = {"export",       "--format", "csv", "--view", "eur-big",
                    "--amount-min", "30",       "-o",  csv,      NULL};
    CHECK(ctl(NULL, NULL, over) == 0);
    file = it_read_file(csv);
    CHECKF(file && strstr(file, "M-4") && !strstr(file, "M-2"), "file: %s", file ? file : "");
    free(file);
    char *no_view[] = {"export", "--format", "csv", "--view", "nope", "-o", csv, NULL};
    CHECK(ctl(NULL, &err, no_view) == 2);
    CHECKF(err && strstr(err, "no saved view named \"nope\""), "stderr: %s", err ? err : "");
    free(err);
    char *no_cur[] = {"export", "--format", "csv", "--amount-max", "5", "-o", csv, NULL};
    CHECK(ctl(NULL, &err, no_cur) == 2);
    CHECKF(err && strstr(err, "needs --currency"), "stderr: %s", err ? err : "");
    free(err);
    char *bad_life[] = {"export", "--format", "csv", "--lifecycle", "soon", "-o", csv, NULL};
    CHECK(ctl(NULL, &err, bad_life) == 1);
    CHECKF(err && strstr(err, "field lifecycle"), "stderr: %s", err ? err : "");
    free(err);

    /* usage errors: exit 2 */
    char *no_out[] = {"export", "--format", "csv", NULL};
    CHECK(ctl(NULL, NULL, no_out) == 2);
    char *bad_json[] = {"export", "--format", "csv", "--filters", "[1]", "-o", csv, NULL};
    CHECK(ctl(NULL, NULL, bad_json) == 2);
    char nodir[700];
    snprintf(nodir, sizeof nodir, "%s/missing/x.csv", dir);
    char *no_dir[] = {"export", "--format", "csv", "-o", nodir, NULL};
    CHECK(ctl(NULL, &err, no_dir) == 2);
    CHECKF(err && strstr(err, "cannot create"), "stderr: %s", err ? err : "");
    free(err);

    CHECKF(dot_files(dir) == 0, "%d temporary files left", dot_files(dir));
    json_decref(a);
    json_decref(b);
    ctl_client_close(ed);
    return it_done(test_summary());
}
