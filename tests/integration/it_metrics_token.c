/*
 * it_metrics_token: a metrics token works whatever its length (README:
 * "scrape with Authorization: Bearer TOKEN").  The header used to be copied
 * into a 512-byte buffer, so a token of 505 bytes or more was refused even
 * when right; a token file whose line passes 1023 bytes was cut there, so
 * no scraper could ever match it: now pactad refuses to start, naming it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "test.h"

static int status_of(const struct it_server *s, const char *bearer)
{
    struct ctl_ws_options o = {.url = s->url, .ca_file = it_ca_file(), .timeout_ms = 10000};
    char err[256], *body = NULL;
    int status = -1;
    if (ctl_https_get(&o, "/metrics", bearer, &status, &body, err, sizeof err) < 0)
        fprintf(stderr, "GET /metrics: %s\n", err);
    free(body);
    return status;
}

int main(void)
{
    char path[600], token[701], wrong[701];
    it_setup("it_metrics_token");
    memset(token, 'k', 700);
    token[700] = '\0';
    token[0] = 'A';
    memcpy(wrong, token, sizeof wrong);
    wrong[699] = 'j';
    snprintf(path, sizeof path, "%s/metrics.token", it_tmp_dir());
    FILE *f = fopen(path, "w");
    REQUIRE(f);
    fprintf(f, "%s\n", token);
    fclose(f);

    const char *args[] = {"--metrics-token-file", path, NULL};
    struct it_server *s = it_server_start(args);
    CHECKF(status_of(s, token) == 200, "the right 700-byte token: %d", status_of(s, token));
    CHECK(status_of(s, wrong) == 401);
    CHECK(status_of(s, NULL) == 401);
    CHECK(it_server_stop(s) == 0);

    /* a token file of 1100 bytes on its line: refused at start */
    f = fopen(path, "w");
    REQUIRE(f);
    for (int i = 0; i < 1100; i++)
        fputc('z', f);
    fputc('\n', f);
    fclose(f);
    char *argv[] = {PACTAD_BIN, "--metrics-token-file", path, "--help", NULL};
    char *err = NULL;
    int rc = it_run(argv, NULL, 10000, NULL, &err);
    CHECKF(rc == 2 && strstr(err ? err : "", "longer than"), "token file of 1100 bytes: %d %s", rc,
           err ? err : "");
    free(err);
    return it_done(test_summary());
}
