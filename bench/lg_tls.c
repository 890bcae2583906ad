/*
 * TLS for loadgen's connections, over memory BIOs: libwebsockets owns the
 * socket (a raw client connection on the libuv loop) and hands over the
 * ciphertext it reads; OpenSSL decrypts it here and lg_ws.c parses the
 * websocket frames.  The other way, the frames queued on a connection are
 * encrypted in one SSL_write and lws writes the ciphertext.
 *
 * Why not lws's own TLS: lws 4.1.6 starts TLS on a raw client connection
 * before its socket exists ("tls start fail"), and its websocket client
 * parses every byte one call at a time (lg_ws.c).  A side effect that helps
 * the measurement: lws reads the socket in chunks of up to pt_serv_buf_size,
 * so one read() takes every TLS record that has arrived, where an SSL on the
 * socket reads each record's header and body with a read() each.
 *
 * The server's certificate is checked as lws checked it: against the bench
 * CA (--ca), for the name "localhost".
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "lg.h"

uint64_t lg_tls_reads, lg_tls_records;

static SSL_CTX *tls_ctx;
static unsigned char plain[65536]; /* one record's plaintext at a time */
static unsigned char *cipher;      /* LWS_PRE, then ciphertext for lws_write */
static size_t cipher_cap;

int lg_tls_init(const char *ca_file)
{
    tls_ctx = SSL_CTX_new(TLS_client_method());
    if (!tls_ctx || SSL_CTX_load_verify_locations(tls_ctx, ca_file, NULL) != 1)
        return -1;
    SSL_CTX_set_verify(tls_ctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_min_proto_version(tls_ctx, TLS1_2_VERSION);
    return 0;
}

int lg_tls_open(struct lg_conn *c, const char *host)
{
    SSL *ssl = SSL_new(tls_ctx);
    BIO *rb = BIO_new(BIO_s_mem()), *wb = BIO_new(BIO_s_mem());
    if (!ssl || !rb || !wb)
        abort();
    SSL_set_bio(ssl, rb, wb);
    SSL_set_connect_state(ssl);
    SSL_set_tlsext_host_name(ssl, host);
    SSL_set1_host(ssl, host);
    c->ssl = ssl;
    c->tls_done = 0;
    int r = SSL_do_handshake(ssl); /* the ClientHello, into wb */
    if (r != 1 && SSL_get_error(ssl, r) != SSL_ERROR_WANT_READ)
        return -1;
    return 0;
}

void lg_tls_close(struct lg_conn *c)
{
    if (c->ssl)
        SSL_free(c->ssl);
    c->ssl = NULL;
    c->tls_done = 0;
}

/* Anything for the server: queued frames (once TLS is up) and TLS's own. */
int lg_tls_pending(struct lg_conn *c)
{
    return c->ssl && ((c->tls_done && c->ob_len) || BIO_ctrl_pending(SSL_get_wbio(c->ssl)));
}

int lg_tls_rx(struct lg_conn *c, const void *in, size_t len,
              void (*on_message)(struct lg_conn *, const char *, size_t))
{
    SSL *ssl = c->ssl;
    if (!ssl)
        return -1;
    if (BIO_write(SSL_get_rbio(ssl), in, (int)len) != (int)len)
        abort();
    lg_tls_reads++;
    if (!c->tls_done) {
        int r = SSL_do_handshake(ssl);
        if (r != 1) {
            if (SSL_get_error(ssl, r) == SSL_ERROR_WANT_READ)
                return 0;
            unsigned long e = ERR_peek_error();
            fprintf(stderr, "loadgen: TLS handshake: %s (verify: %s)\n",
                    e ? ERR_reason_error_string(e) : "closed",
                    X509_verify_cert_error_string(SSL_get_verify_result(ssl)));
            ERR_clear_error();
            return -1;
        }
        c->tls_done = 1;
    }
    for (;;) {
        int n = SSL_read(ssl, plain, (int)sizeof plain);
        if (n <= 0) {
            int e = SSL_get_error(ssl, n);
            ERR_clear_error();
            return e == SSL_ERROR_WANT_READ ? 0 : -1; /* -1: close_notify or an alert */
        }
        lg_tls_records++;
        if (lg_ws_rx(c, plain, (size_t)n, on_message))
            return -1;
        if (c->state == LG_DEAD)
            return 0; /* refused by the server: counted where it was refused */
    }
}

int lg_tls_write(struct lg_conn *c, struct lws *wsi)
{
    SSL *ssl = c->ssl;
    if (!ssl)
        return -1;
    if (c->tls_done && c->ob_len) {
        size_t n = c->ob_len;
        c->ob_len = 0;
        if (SSL_write(ssl, c->ob, (int)n) != (int)n) /* a memory BIO takes it all */
            return -1;
    }
    BIO *wb = SSL_get_wbio(ssl);
    size_t n = BIO_ctrl_pending(wb);
    if (!n)
        return 0;
    if (LWS_PRE + n > cipher_cap) {
        cipher_cap = LWS_PRE + n + 65536;
        cipher = realloc(cipher, cipher_cap);
        if (!cipher)
            abort();
    }
    if (BIO_read(wb, cipher + LWS_PRE, (int)n) != (int)n)
        abort();
    /* one write for all of it; lws keeps what the socket does not take */
    return lws_write(wsi, cipher + LWS_PRE, n, LWS_WRITE_RAW) < 0 ? -1 : 0;
}
