/*
 * it_plain_refused: there is no plain ws:// (PROTOCOL.md §1).  A websocket
 * upgrade or an HTTP request sent in clear text to pactad's port gets no
 * HTTP answer at all (neither 101 nor /metrics nor /healthz): the port
 * speaks TLS only, so nothing a client sends unencrypted (a token in an
 * auth.resume, a password) can be accepted.  The server still serves TLS
 * clients afterwards.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "test.h"

/* Sends `req` in clear text; what comes back within 3 s (up to cap - 1). */
static size_t plain_exchange(int port, const char *req, char *out, size_t cap)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
        it_fatal("connect to port %d failed", port);
    size_t got = 0;
    if (write(fd, req, strlen(req)) == (ssize_t)strlen(req)) {
        int64_t t0 = it_now_ms();
        while (got + 1 < cap && it_now_ms() - t0 < 3000) {
            struct pollfd p = {.fd = fd, .events = POLLIN};
            if (poll(&p, 1, 100) <= 0)
                continue;
            ssize_t n = read(fd, out + got, cap - 1 - got);
            if (n <= 0)
                break;
            got += (size_t)n;
        }
    }
    out[got] = '\0';
    close(fd);
    return got;
}

int main(void)
{
    it_setup("it_plain_refused");
    struct it_server *srv = it_server_start(NULL);
    static const char *const reqs[] = {
        "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Protocol: pacta.v1\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        NULL,
    };
    for (int i = 0; reqs[i]; i++) {
        char out[4096];
        plain_exchange(srv->port, reqs[i], out, sizeof out);
        CHECKF(strstr(out, "HTTP/") == NULL, "clear-text request %d was answered: %.80s", i, out);
    }
    struct ctl_client *c = it_login_admin(srv);
    json_t *r = it_call(c, "ping", json_object(), NULL);
    CHECK(r != NULL);
    json_decref(r);
    ctl_client_close(c);
    return it_done(test_summary());
}
