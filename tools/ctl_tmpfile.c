/*
 * The temporary file a command is filling (an export, a document download)
 * goes when pactactl is stopped by a signal, so that an interrupted command
 * leaves nothing behind, not even a partial copy under a hidden name: the
 * target only ever appears whole, by rename, after its SHA-256 was checked.
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "ctl.h"

static char tmp_path[4200];
static volatile sig_atomic_t tmp_armed;

static void on_stop_signal(int sig)
{
    if (tmp_armed)
        unlink(tmp_path); /* async-signal-safe */
    signal(sig, SIG_DFL);
    raise(sig); /* end as the signal would have ended us */
}

void ctl__tmpfile_arm(const char *path)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    tmp_armed = 0;
    snprintf(tmp_path, sizeof tmp_path, "%s", path);
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction old, sa = {.sa_handler = on_stop_signal};
        /* a signal ignored on purpose (nohup) or caught by the command
         * itself is left alone */
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_DFL) {
            sigemptyset(&sa.sa_mask);
            sigaction(sigs[i], &sa, NULL);
        }
    }
    tmp_armed = 1;
}

void ctl__tmpfile_disarm(void)
{
    tmp_armed = 0;
}
