/*
 * The transport under pacta-client's websocket framing: URL parsing, TCP
 * connect with deadlines, TLS verified against one pinned CA file (never
 * the OS store) and the URL's host name or IP, and raw TLS reads/writes.
 * Every wait is a poll() bounded by the caller's deadline.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "ws-private.h"

void *ctl__xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("pacta-client: out of memory\n", stderr);
        abort();
    }
    return q;
}

void ctl__seterr(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    if (!err || !errlen)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Deadline for a timeout in ms; < 0 means none (-1). */
int64_t ctl__deadline_of(int timeout_ms)
{
    return timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
}

int ctl__remaining(int64_t deadline)
{
    if (deadline < 0)
        return -1;
    int64_t left = deadline - now_ms();
    return left < 0 ? 0 : (int)(left > 1000000000 ? 1000000000 : left);
}

/*
 * Waits for fd to become ready for `events` until the deadline.  EINTR is
 * retried with the time left, so a caller that wants to react to signals
 * must use short timeouts.  1 ready, 0 timeout, -1 error.
 */
int ctl__wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        struct pollfd p = {.fd = fd, .events = events};
        int r = poll(&p, 1, ctl__remaining(deadline));
        if (r > 0)
            return 1;
        if (r == 0)
            return 0;
        if (errno != EINTR)
            return -1;
    }
}

/* ---- TCP + TLS setup ------------------------------------------------------ */

int ctl__parse_url(const char *s, struct url *u, char *err, size_t errlen)
{
    memset(u, 0, sizeof(*u));
    size_t scheme = s && strncasecmp(s, "wss://", 6) == 0     ? 6
                    : s && strncasecmp(s, "https://", 8) == 0 ? 8
                                                              : 0;
    if (!scheme) {
        ctl__seterr(err, errlen, "bad URL \"%s\": must start with wss://", s ? s : "");
        return -1;
    }
    const char *p = s + scheme, *host_end, *rest;
    if (*p == '[') {
        host_end = strchr(p, ']');
        if (!host_end)
            goto bad;
        p++;
        rest = host_end + 1;
    } else {
        host_end = p + strcspn(p, ":/?#");
        rest = host_end;
    }
    size_t hl = (size_t)(host_end - p);
    if (hl == 0 || hl >= sizeof(u->host))
        goto bad;
    memcpy(u->host, p, hl);
    if (*rest == ':') {
        rest++;
        size_t pl = strspn(rest, "0123456789");
        if (pl == 0 || pl >= sizeof(u->port) || atoi(rest) < 1 || atoi(rest) > 65535)
            goto bad;
        memcpy(u->port, rest, pl);
        rest += pl;
    } else {
        strcpy(u->port, "443");
    }
    if (*rest == '\0')
        strcpy(u->path, "/");
    else if (*rest == '/' && strlen(rest) < sizeof(u->path) && !strpbrk(rest, " \r\n#"))
        strcpy(u->path, rest);
    else
        goto bad;
    unsigned char buf[16];
    u->is_ip = inet_pton(AF_INET, u->host, buf) == 1 || inet_pton(AF_INET6, u->host, buf) == 1;
    return 0;
bad:
    ctl__seterr(err, errlen, "bad URL \"%s\"", s);
    return -1;
}

/* Binds fd to the IP literal `source` (port chosen by the kernel): 0 or -1. */
static int bind_source(int fd, int family, const char *source)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    if (family == AF_INET) {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        if (inet_pton(AF_INET, source, &a->sin_addr) != 1)
            return errno = EINVAL, -1;
        return bind(fd, (struct sockaddr *)a, sizeof *a);
    }
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
    a->sin6_family = AF_INET6;
    if (inet_pton(AF_INET6, source, &a->sin6_addr) != 1)
        return errno = EINVAL, -1;
    return bind(fd, (struct sockaddr *)a, sizeof *a);
}

int ctl__tcp_connect(const struct url *u, const char *source, int64_t deadline, char *err,
                     size_t errlen)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    int rc = getaddrinfo(u->host, u->port, &hints, &res);
    if (rc != 0) {
        ctl__seterr(err, errlen, "cannot resolve %s: %s", u->host, gai_strerror(rc));
        return -1;
    }
    int fd = -1, last = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
        if (fd < 0) {
            last = errno;
            continue;
        }
        if (source && bind_source(fd, ai->ai_family, source) < 0) {
            last = errno;
            close(fd);
            fd = -1;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        if (errno == EINPROGRESS) {
            int w = ctl__wait_fd(fd, POLLOUT, deadline);
            int soerr = 0;
            socklen_t sl = sizeof(soerr);
            if (w == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
                break;
            last = w == 0 ? ETIMEDOUT : (w < 0 ? errno : soerr);
        } else {
            last = errno;
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        const char *why = last == ECONNREFUSED ? "connection refused"
                          : last == ETIMEDOUT  ? "connection timed out"
                                               : strerror(last);
        ctl__seterr(err, errlen, "cannot connect to %s:%s: %s", u->host, u->port, why);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

/* The first queued OpenSSL error as text, or a fallback. */
static const char *ssl_reason(char *buf, size_t n, const char *fallback)
{
    unsigned long e = ERR_peek_last_error();
    if (!e)
        return fallback;
    ERR_error_string_n(e, buf, n);
    return buf;
}

const char *ctl__cert_hint(const struct ctl_ws *ws)
{
    return ws->cert_asked
               ? " (it asks for a client certificate: give --client-cert FILE --client-key FILE)"
               : "";
}

/* The server asked for a client certificate and there is none: noted,
 * and the handshake goes on without one (the server then decides). */
static int note_cert_request(SSL *ssl, X509 **x509, EVP_PKEY **pkey)
{
    struct ctl_ws *ws = SSL_get_app_data(ssl);
    (void)x509;
    (void)pkey;
    if (ws)
        ws->cert_asked = 1;
    return 0;
}

/*
 * OpenSSL writes to the socket with write(), which raises SIGPIPE when the
 * server has closed.  That must be an error return, not the end of the
 * process; but ignoring SIGPIPE for the whole process (as this library once
 * did) also hid a closed stdout from pactactl: `pactactl watch | head -1`
 * went on forever.  So SIGPIPE is blocked only around TLS calls, and one
 * they raised is taken off the pending set before it is unblocked.  Callers
 * that ignore SIGPIPE themselves (tests, benchmarks) skip the extra calls.
 */
static void pipe_block(const struct ctl_ws *ws, sigset_t *old, int *was_pending)
{
    sigset_t s, pending;
    sigemptyset(old);
    if (!ws->pipe_guard)
        return;
    sigemptyset(&s);
    sigaddset(&s, SIGPIPE);
    *was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &s, old);
}

static void pipe_unblock(const struct ctl_ws *ws, const sigset_t *old, int was_pending)
{
    sigset_t s, pending;
    if (!ws->pipe_guard)
        return;
    int saved_errno = errno; /* what the TLS call left, for its caller */
    sigemptyset(&s);
    sigaddset(&s, SIGPIPE);
    if (!was_pending && sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE)) {
        struct timespec zero = {0, 0};
        while (sigtimedwait(&s, NULL, &zero) < 0 && errno == EINTR)
            ;
    }
    pthread_sigmask(SIG_SETMASK, old, NULL);
    errno = saved_errno;
}

void ctl__tls_shutdown(struct ctl_ws *ws)
{
    sigset_t old;
    int was_pending = 0;
    pipe_block(ws, &old, &was_pending);
    ERR_clear_error();
    SSL_shutdown(ws->ssl);
    pipe_unblock(ws, &old, was_pending);
}

int ctl__tls_setup(struct ctl_ws *ws, const struct url *u, const struct ctl_ws_options *o,
                   int64_t deadline, char *err, size_t errlen)
{
    const char *ca_file = o->ca_file;
    char ebuf[256];
    ERR_clear_error();
    ws->ctx = SSL_CTX_new(TLS_client_method());
    if (!ws->ctx) {
        ctl__seterr(err, errlen, "TLS init failed");
        return -1;
    }
    SSL_CTX_set_min_proto_version(ws->ctx, TLS1_2_VERSION);
    /* Only the pinned CA: no SSL_CTX_set_default_verify_paths(). */
    if (SSL_CTX_load_verify_locations(ws->ctx, ca_file, NULL) != 1) {
        /* OpenSSL's reason for a missing file is "system lib" */
        int unreadable = access(ca_file, R_OK) != 0;
        ctl__seterr(err, errlen, "cannot load CA file %s: %s", ca_file,
                    unreadable ? strerror(errno)
                               : ssl_reason(ebuf, sizeof(ebuf), "unreadable or not PEM"));
        return -1;
    }
    SSL_CTX_set_verify(ws->ctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_mode(ws->ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    /* a client certificate, for servers that require one (mTLS) */
    if (o->cert_file &&
        (SSL_CTX_use_certificate_chain_file(ws->ctx, o->cert_file) != 1 ||
         SSL_CTX_use_PrivateKey_file(ws->ctx, o->key_file ? o->key_file : o->cert_file,
                                     SSL_FILETYPE_PEM) != 1 ||
         SSL_CTX_check_private_key(ws->ctx) != 1)) {
        ctl__seterr(err, errlen, "cannot use client certificate %s: %s", o->cert_file,
                    ssl_reason(ebuf, sizeof(ebuf), "unreadable, not PEM, or not its key"));
        return -1;
    }
    if (!o->cert_file) /* to tell the user why a server in mTLS mode hangs up */
        SSL_CTX_set_client_cert_cb(ws->ctx, note_cert_request);
    ws->ssl = SSL_new(ws->ctx);
    if (!ws->ssl) {
        ctl__seterr(err, errlen, "TLS init failed");
        return -1;
    }
    SSL_set_app_data(ws->ssl, ws);
    X509_VERIFY_PARAM *vp = SSL_get0_param(ws->ssl);
    if (u->is_ip) {
        if (X509_VERIFY_PARAM_set1_ip_asc(vp, u->host) != 1) {
            ctl__seterr(err, errlen, "bad IP address %s", u->host);
            return -1;
        }
    } else {
        X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        /* SNI carries host names only, never literal addresses (RFC 6066). */
        if (X509_VERIFY_PARAM_set1_host(vp, u->host, 0) != 1 ||
            SSL_set_tlsext_host_name(ws->ssl, u->host) != 1) {
            ctl__seterr(err, errlen, "bad host name %s", u->host);
            return -1;
        }
    }
    SSL_set_fd(ws->ssl, ws->fd);
    struct sigaction sa;
    ws->pipe_guard = sigaction(SIGPIPE, NULL, &sa) != 0 || sa.sa_handler != SIG_IGN;
    for (;;) {
        sigset_t old;
        int was_pending = 0;
        pipe_block(ws, &old, &was_pending);
        ERR_clear_error();
        int r = SSL_connect(ws->ssl);
        pipe_unblock(ws, &old, was_pending);
        if (r == 1)
            break;
        int e = SSL_get_error(ws->ssl, r);
        int w;
        if (e == SSL_ERROR_WANT_READ)
            w = ctl__wait_fd(ws->fd, POLLIN, deadline);
        else if (e == SSL_ERROR_WANT_WRITE)
            w = ctl__wait_fd(ws->fd, POLLOUT, deadline);
        else {
            long v = SSL_get_verify_result(ws->ssl);
            if (v != X509_V_OK)
                ctl__seterr(err, errlen, "TLS verify failed: %s", X509_verify_cert_error_string(v));
            else if (e == SSL_ERROR_SYSCALL || e == SSL_ERROR_ZERO_RETURN)
                ctl__seterr(err, errlen, "TLS handshake failed: connection closed by %s:%s%s",
                            u->host, u->port, ctl__cert_hint(ws));
            else
                ctl__seterr(err, errlen, "TLS handshake failed: %s%s",
                            ssl_reason(ebuf, sizeof(ebuf), "protocol error"), ctl__cert_hint(ws));
            return -1;
        }
        if (w <= 0) {
            ctl__seterr(err, errlen, "TLS handshake with %s:%s timed out", u->host, u->port);
            return -1;
        }
    }
    return 0;
}

/* ---- raw TLS I/O --------------------------------------------------------- */

/* Writes all of buf.  0, or -1 (connection marked broken). */
int ctl__tls_write_all(struct ctl_ws *ws, const void *buf, size_t len, int64_t deadline)
{
    const unsigned char *p = buf;
    while (len > 0 && !ws->broken) {
        ERR_clear_error();
        int chunk = len > (1u << 30) ? (1 << 30) : (int)len;
        sigset_t old;
        int was_pending = 0;
        pipe_block(ws, &old, &was_pending);
        int r = SSL_write(ws->ssl, p, chunk);
        pipe_unblock(ws, &old, was_pending);
        if (r > 0) {
            p += r;
            len -= (size_t)r;
            continue;
        }
        int e = SSL_get_error(ws->ssl, r), w;
        if (e == SSL_ERROR_WANT_WRITE)
            w = ctl__wait_fd(ws->fd, POLLOUT, deadline);
        else if (e == SSL_ERROR_WANT_READ)
            w = ctl__wait_fd(ws->fd, POLLIN, deadline);
        else
            w = -1;
        if (w <= 0)
            ws->broken = 1;
    }
    return ws->broken ? -1 : 0;
}

/*
 * Reads whatever TLS has into ws->in, waiting until the deadline.
 * 1 read something, 0 timeout, -1 EOF (peer closed TCP/TLS), -2 error.
 */
int ctl__tls_fill(struct ctl_ws *ws, int64_t deadline)
{
    if (ws->broken)
        return -2;
    for (;;) {
        if (ws->in_cap - ws->in_len < 16384) {
            ws->in_cap = ws->in_cap ? ws->in_cap * 2 : 32768;
            ws->in = ctl__xrealloc(ws->in, ws->in_cap);
        }
        ERR_clear_error();
        sigset_t old;
        int was_pending = 0;
        pipe_block(ws, &old, &was_pending);
        int r = SSL_read(ws->ssl, ws->in + ws->in_len, (int)(ws->in_cap - ws->in_len));
        pipe_unblock(ws, &old, was_pending);
        if (r > 0) {
            ws->in_len += (size_t)r;
            return 1;
        }
        int e = SSL_get_error(ws->ssl, r), w;
        if (e == SSL_ERROR_ZERO_RETURN)
            return -1;
        if (e == SSL_ERROR_WANT_READ)
            w = ctl__wait_fd(ws->fd, POLLIN, deadline);
        else if (e == SSL_ERROR_WANT_WRITE)
            w = ctl__wait_fd(ws->fd, POLLOUT, deadline);
        else if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
            return -1; /* TCP EOF or reset without close_notify */
        else {
            /* OpenSSL 3 reports EOF without close_notify as an SSL error. */
            unsigned long le = ERR_peek_last_error();
            if (ERR_GET_REASON(le) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
                return -1;
            ws->broken = 1;
            return -2;
        }
        if (w == 0)
            return 0;
        if (w < 0) {
            ws->broken = 1;
            return -2;
        }
    }
}

void ctl__in_consume(struct ctl_ws *ws, size_t n)
{
    memmove(ws->in, ws->in + n, ws->in_len - n);
    ws->in_len -= n;
}
