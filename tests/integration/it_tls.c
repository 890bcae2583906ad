/*
 * it_tls: the TLS baseline and the Origin check, probed from outside.
 *
 * With the openssl command-line client (allowed by @SECLEVEL=0 to offer old
 * protocols, so the refusal is the server's): TLS 1.0 and 1.1 are refused,
 * TLS 1.2 with a CBC or static-RSA suite is refused, TLS 1.2 with an ECDHE
 * AEAD suite and TLS 1.3 are accepted.  A websocket handshake carrying an
 * Origin is refused unless that origin was allowed with --allow-origin.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "test.h"

/* 1 if `openssl s_client` completes a handshake with these extra args. */
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
}

static int ws_with_origin(const struct it_server *srv, const char *origin)
{
    struct ctl_ws_options o = {
        .url = srv->url, .ca_file = it_ca_file(), .timeout_ms = 10000, .origin = origin};
    struct ctl_ws *ws;
    char err[256];
    if (ctl_ws_connect(&o, &ws, err, sizeof err) < 0)
        return 0;
    ctl_ws_close(ws, 1000);
    return 1;
}

int main(void)
{
    it_setup("it_tls");
    static const char *const args[] = {"--allow-origin", "https://desk.example", NULL};
    struct it_server *srv = it_server_start(args);
    test_tls(srv);
    CHECK(ws_with_origin(srv, NULL));
    CHECK(ws_with_origin(srv, "https://desk.example"));
    CHECKF(!ws_with_origin(srv, "https://evil.example"), "a foreign Origin was accepted");
    CHECKF(!ws_with_origin(srv, "https://desk.example.evil"), "a prefix match was accepted");
    CHECK(it_server_stop(srv) == 0);
    return it_done(test_summary());
}
