/*
 * it_tls: the TLS baseline and the Origin check, probed from outside.
 *
 * With the openssl command-line client (allowed by @SECLEVEL=0 to offer old
 * protocols, so the refusal is the server's): TLS 1.0 and 1.1 are refused,
 * TLS 1.2 with a CBC or static-RSA suite is refused, TLS 1.2 with an ECDHE
 * AEAD suite and TLS 1.3 are accepted.  A websocket handshake carrying an
 * Origin is refused unless that origin was allowed with --allow-origin.
 * The client's cipher order wins (Mozilla intermediate: no server
 * preference).  In mTLS mode (--client-ca) only clients with a certificate
 * from that CA get through.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "test.h"

/* 1 if `openssl s_client` completes a handshake with these extra args; the
 * negotiated suite is left in last_suite. */
static char last_suite[128];
static int handshake_ok(const struct it_server *srv, const char *a1, const char *a2, const char *a3)
{
    char connect[64];
    snprintf(connect, sizeof connect, "127.0.0.1:%d", srv->port);
    char *argv[16] = {"/usr/bin/openssl",   "s_client",    "-connect",  connect, "-CAfile",
                      (char *)it_ca_file(), "-servername", "localhost", "-brief"};
    int n = 9;
    if (a1)
        argv[n++] = (char *)a1;
    if (a2)
        argv[n++] = (char *)a2;
    if (a3)
        argv[n++] = (char *)a3;
    argv[n] = NULL;
    char *out = NULL, *err = NULL;
    /* stdin is empty: s_client connects, handshakes, sees EOF and quits */
    int rc = it_run(argv, NULL, 15000, &out, &err);
    int ok = rc == 0 && err && strstr(err, "CONNECTION ESTABLISHED");
    const char *cs = err ? strstr(err, "Ciphersuite: ") : NULL;
    snprintf(last_suite, sizeof last_suite, "%.*s", cs ? (int)strcspn(cs + 13, "\n") : 0,
             cs ? cs + 13 : "");
    free(out);
    free(err);
    return ok;
}

static void test_tls(const struct it_server *srv)
{
    CHECKF(!handshake_ok(srv, "-tls1", "-cipher", "DEFAULT:@SECLEVEL=0"), "TLS 1.0 accepted");
    CHECKF(!handshake_ok(srv, "-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0"), "TLS 1.1 accepted");
    CHECKF(!handshake_ok(srv, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0"),
           "TLS 1.2 CBC suite accepted");
    CHECKF(!handshake_ok(srv, "-tls1_2", "-cipher", "AES128-GCM-SHA256:@SECLEVEL=0"),
           "TLS 1.2 static-RSA suite accepted");
    CHECKF(handshake_ok(srv, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"),
           "TLS 1.2 ECDHE-ECDSA-AES128-GCM refused");
    CHECKF(handshake_ok(srv, "-tls1_3", NULL, NULL), "TLS 1.3 refused");
    /* no server preference: the client's first acceptable suite is used */
    CHECK(handshake_ok(srv, "-tls1_2", "-cipher",
                       "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256"));
    CHECK_STR(last_suite, "ECDHE-ECDSA-CHACHA20-POLY1305");
}

static int ws_with_cert(const struct it_server *srv, const char *cert, const char *key)
{
    struct ctl_ws_options o = {.url = srv->url,
                               .ca_file = it_ca_file(),
                               .timeout_ms = 10000,
                               .cert_file = cert,
                               .key_file = key};
    struct ctl_ws *ws;
    char err[256];
    if (ctl_ws_connect(&o, &ws, err, sizeof err) < 0)
        return 0;
    ctl_ws_close(ws, 1000);
    return 1;
}

static void test_mtls(void)
{
    char dir[600], other[600], cert[700], key[700], ocert[700], okey[700];
    snprintf(dir, sizeof dir, "%s", it_ca_file());
    *strrchr(dir, '/') = '\0';
    snprintf(other, sizeof other, "%s/other-ca", it_tmp_dir());
    char *gen1[] = {PACTA_SOURCE_DIR "/certs/gen-client-cert.sh", dir, "desk1", NULL};
    char *gen2[] = {PACTA_SOURCE_DIR "/certs/gen-dev-certs.sh", other, NULL};
    char *gen3[] = {PACTA_SOURCE_DIR "/certs/gen-client-cert.sh", other, "intruder", NULL};
    REQUIRE(it_run(gen1, NULL, 30000, NULL, NULL) == 0);
    REQUIRE(it_run(gen2, NULL, 30000, NULL, NULL) == 0);
    REQUIRE(it_run(gen3, NULL, 30000, NULL, NULL) == 0);
    snprintf(cert, sizeof cert, "%s/desk1.pem", dir);
    snprintf(key, sizeof key, "%s/desk1.key", dir);
    snprintf(ocert, sizeof ocert, "%s/intruder.pem", other);
    snprintf(okey, sizeof okey, "%s/intruder.key", other);

    const char *args[] = {"--client-ca", it_ca_file(), NULL};
    struct it_server *srv = it_server_start(args);
    CHECKF(!ws_with_cert(srv, NULL, NULL), "mTLS: a client without a certificate got in");
    CHECKF(!ws_with_cert(srv, ocert, okey), "mTLS: a certificate from another CA got in");
    CHECKF(ws_with_cert(srv, cert, key), "mTLS: the right client certificate was refused");
    /* pactactl: the certificate and its key work; the certificate alone (its
     * key is in another file) is a usage error that says so, not "PEM lib" */
    char *ok[] = {
        PACTACTL_BIN,   "--url", srv->url, "--ca", (char *)it_ca_file(), "--client-cert", cert,
        "--client-key", key,     "health", NULL};
    CHECK(it_run(ok, NULL, 30000, NULL, NULL) == 0);
    char *nokey[] = {PACTACTL_BIN,    "--url", srv->url, "--ca", (char *)it_ca_file(),
                     "--client-cert", cert,    "health", NULL};
    char *err = NULL;
    CHECK(it_run(nokey, NULL, 30000, NULL, &err) == 2);
    CHECKF(err && strstr(err, "--client-key"), "stderr: %s", err ? err : "");
    free(err);
    /* no certificate at all: the refusal says what is missing */
    char *nocert[] = {PACTACTL_BIN,         "--url",     srv->url, "--ca",
                      (char *)it_ca_file(), "contracts", "list",   NULL};
    char *pw[] = {"PACTA_PASSWORD=x", NULL};
    err = NULL;
    CHECK(it_run(nocert, pw, 30000, NULL, &err) == 3);
    CHECKF(err && strstr(err, "client certificate"), "stderr: %s", err ? err : "");
    free(err);
    CHECK(it_server_stop(srv) == 0);
}

int main(void)
{
    it_setup("it_tls");
    static const char *const args[] = {"--allow-origin", "https://desk.example", NULL};
    struct it_server *srv = it_server_start(args);
    test_tls(srv);
    CHECK(it_origin_ok(srv, NULL));
    CHECK(it_origin_ok(srv, "https://desk.example"));
    CHECKF(!it_origin_ok(srv, "https://evil.example"), "a foreign Origin was accepted");
    CHECKF(!it_origin_ok(srv, "https://desk.example.evil"), "a prefix match was accepted");
    {
        /* a page on a site whose name is long (subdomains cost nothing): an
         * Origin past the server's 256-byte buffer is still a foreign one */
        char longo[300] = "https://";
        memset(longo + 8, 'a', 260);
        snprintf(longo + 268, sizeof longo - 268, ".evil.example");
        CHECKF(!it_origin_ok(srv, longo), "a foreign Origin of %zu bytes was accepted",
               strlen(longo));
    }
    CHECK(it_server_stop(srv) == 0);
    test_mtls();
    return it_done(test_summary());
}
