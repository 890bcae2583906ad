/*
 * One HTTPS GET with "Connection: close", for the server's operator
 * endpoints: the same pinned-CA TLS as the websocket client, then the whole
 * response read until the server closes.  Bodies are small (metrics), and
 * a 16 MiB cap keeps a wrong peer from growing memory without bound.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ws-private.h"

#define HTTPS_MAX_RESPONSE (16u << 20)

static void conn_free(struct ctl_ws *c)
{
    if (c->ssl)
        SSL_free(c->ssl);
    if (c->ctx)
        SSL_CTX_free(c->ctx);
    if (c->fd >= 0)
        close(c->fd);
    free(c->in);
}

int ctl_https_get(const struct ctl_ws_options *o, const char *path, const char *bearer, int *status,
                  char **body, char *err, size_t errlen)
{
    struct ctl_ws c = {.fd = -1};
    struct url u;
    char req[2048];
    int rc = -1;
    int64_t deadline = ctl__deadline_of(o->timeout_ms > 0 ? o->timeout_ms : 10000);

    *status = 0;
    *body = NULL;
    if (ctl__parse_url(o->url, &u, err, errlen) < 0)
        return -1;
    if ((c.fd = ctl__tcp_connect(&u, o->source_address, deadline, err, errlen)) < 0)
        return -1;
    if (ctl__tls_setup(&c, &u, o, deadline, err, errlen) < 0)
        goto out;
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\n%s%s%s\r\n", path,
                     u.host, u.port, bearer ? "Authorization: Bearer " : "", bearer ? bearer : "",
                     bearer ? "\r\n" : "");
    if (n < 0 || (size_t)n >= sizeof req) {
        ctl__seterr(err, errlen, "request too long");
        goto out;
    }
    if (ctl__tls_write_all(&c, req, (size_t)n, deadline) < 0) {
        ctl__seterr(err, errlen, "connection lost while sending");
        goto out;
    }
    for (;;) {
        int r = ctl__tls_fill(&c, deadline);
        if (r == -1)
            break; /* the server closed: the response is complete */
        if (r == 0) {
            ctl__seterr(err, errlen, "no complete answer within the timeout");
            goto out;
        }
        if (r < 0 || c.in_len > HTTPS_MAX_RESPONSE) {
            ctl__seterr(err, errlen, r < 0 ? "connection failed" : "response too large");
            goto out;
        }
    }
    c.in = ctl__xrealloc(c.in, c.in_len + 1);
    c.in[c.in_len] = '\0';
    char *text = (char *)c.in;
    char *head_end = strstr(text, "\r\n\r\n");
    if (strncmp(text, "HTTP/1.", 7) != 0 || !head_end || sscanf(text + 8, " %d", status) != 1) {
        ctl__seterr(err, errlen, "not an HTTP response");
        goto out;
    }
    *body = strdup(head_end + 4);
    rc = 0;
out:
    conn_free(&c);
    return rc;
}
