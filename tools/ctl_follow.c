/*
 * What the commands that follow the server until they are stopped share
 * (`watch`, `dashboard --watch`): SIGINT and SIGTERM end them cleanly
 * instead of killing them, their waits end early on such a signal, and
 * their reconnect delays are jittered so clients dropped together by a
 * restart do not all come back at the same moment.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "ctl.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

void ctl__follow_trap_signals(void)
{
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int ctl__follow_stopped(void)
{
    return stop_requested != 0;
}

void ctl__follow_nap(int ms)
{
    while (ms > 0 && !stop_requested) {
        int step = ms > 50 ? 50 : ms;
        struct timespec ts = {0, step * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

/* Full jitter over the upper half: spreads reconnecting clients apart while
 * keeping the delay growing. */
int ctl__follow_jitter(int ms)
{
    unsigned r = 0;
    if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
        r = (unsigned)rand();
    return ms / 2 + (int)(r % (unsigned)(ms / 2 + 1));
}

int ctl__follow_final_close(int close_code)
{
    if (close_code == 4001)
        ctl__errorf("session ended by the server (4001): log in again");
    else if (close_code == 4002)
        ctl__errorf("disconnected by an administrator (4002): not reconnecting; run the command "
                    "again to come back");
    return close_code == 4001 || close_code == 4002;
}

int ctl__connect_error_exit(const char *err, int *retry)
{
    static const char *const usage[] = {
        "bad URL",        "no CA file",   "cannot load CA file", "cannot use client certificate",
        "bad IP address", "bad host name"};
    int code = CTL_EXIT_CONNECT;
    for (size_t i = 0; i < sizeof usage / sizeof usage[0]; i++)
        if (strncmp(err, usage[i], strlen(usage[i])) == 0)
            code = CTL_EXIT_USAGE;
    if (retry)
        *retry = code != CTL_EXIT_USAGE && strncmp(err, "TLS verify failed", 17) != 0;
    return code;
}
