/*
 * Out of file descriptors at accept (ulimit -n reached): refuse the
 * connection instead of spinning.
 *
 * lws 4.1.6 accepts on its listening socket when the loop reports it
 * readable; when accept() fails with EMFILE or ENFILE it logs "accept:
 * errno N" and returns, the connection stays in the kernel's queue, the
 * socket stays readable, and the level-triggered poll calls it again at
 * once: a core at 100% and hundreds of thousands of log lines a minute
 * until a descriptor frees, while the waiting client hears nothing.
 *
 * So one descriptor is kept in reserve (/dev/null).  lws reports the
 * failed accept through its log (net.c hands that line here, on the loop
 * thread, right after the failure): the reserve is closed, the waiting
 * connection accepted on it and closed at once -- the client is refused
 * cleanly instead of hanging -- and the reserve taken again.  The queue
 * empties one connection per failed accept, so the loop stops being woken;
 * when descriptors free, lws accepts as before.  A warning says so, at most
 * every 10 seconds, with how many were refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "srv.h"

#define WARN_EVERY_MS 10000

static int listen_fd = -1;
static int reserve_fd = -1;
static long refused;          /* since the last warning */
static uint64_t last_warn_ms; /* 0: never */

static int take_reserve(void)
{
    if (reserve_fd < 0)
        reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    return reserve_fd;
}

/* The listening TCP socket bound to `port`, -1 if none is found. */
static int find_listener(int port)
{
    struct rlimit rl;
    int max = 4096;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        rl.rlim_cur < (rlim_t)max)
        max = (int)rl.rlim_cur;
    for (int fd = 0; fd < max; fd++) {
        int on = 0;
        socklen_t len = sizeof on;
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) != 0 || !on)
            continue;
        if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0 || ss.ss_family != AF_INET)
            continue;
        if (ntohs(((struct sockaddr_in *)&ss)->sin_port) == port)
            return fd;
    }
    return -1;
}

void srv__net_fds_start(int port)
{
    listen_fd = find_listener(port);
    take_reserve();
    if (listen_fd < 0 || reserve_fd < 0)
        srv_logf(SRV_LOG_WARN, "no descriptor reserve: running out of descriptors may spin",
                 "{s:i,s:i}", "listener", listen_fd, "reserve", reserve_fd);
}

void srv__net_fds_stop(void)
{
    if (reserve_fd >= 0)
        close(reserve_fd);
    reserve_fd = listen_fd = -1;
}

int srv__net_fds_accept_failed(const char *lws_line)
{
    /* "accept: errno 24" (EMFILE) or 23 (ENFILE); strerror's text in later lws */
    if (strncmp(lws_line, "accept:", 7) != 0 ||
        !(strstr(lws_line, " 24") || strstr(lws_line, " 23") ||
          strstr(lws_line, strerror(EMFILE)) || strstr(lws_line, strerror(ENFILE))))
        return 0;
    if (listen_fd < 0 || take_reserve() < 0)
        return 0;
    close(reserve_fd);
    reserve_fd = -1;
    int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd >= 0) {
        close(fd);
        refused++;
    }
    take_reserve();
    uint64_t now = srv__now_ms();
    if (refused && (!last_warn_ms || now - last_warn_ms >= WARN_EVERY_MS)) {
        struct rlimit rl;
        long limit = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
                         ? (long)rl.rlim_cur
                         : -1;
        srv_logf(SRV_LOG_WARN, "connections refused: out of file descriptors (raise ulimit -n)",
                 "{s:I,s:I}", "refused", (json_int_t)refused, "limit", (json_int_t)limit);
        refused = 0;
        last_warn_ms = now;
    }
    return 1;
}
