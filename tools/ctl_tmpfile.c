/*
 * The temporary file a command is filling (an export, a document download)
 * goes when pactactl is stopped by a signal, so that an interrupted command
 * leaves nothing behind, not even a partial copy under a hidden name: the
 * target only ever appears whole, by rename, after its SHA-256 was checked.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
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

static const int stop_sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

int ctl__tmpfile_make(char *tmpl)
{
    sigset_t stop, old_mask;
    sigemptyset(&stop);
    for (size_t i = 0; i < sizeof stop_sigs / sizeof stop_sigs[0]; i++)
        sigaddset(&stop, stop_sigs[i]);
    /* the stop signals wait from before the file exists until its name is
     * recorded: one that came in between (it_cli_interrupt saw it, sending
     * SIGINT as soon as the file showed) would otherwise end pactactl with
     * the file still there */
    sigprocmask(SIG_BLOCK, &stop, &old_mask);
    tmp_armed = 0;
    for (size_t i = 0; i < sizeof stop_sigs / sizeof stop_sigs[0]; i++) {
        struct sigaction old, sa = {.sa_handler = on_stop_signal};
        /* a signal ignored on purpose (nohup) or caught by the command
         * itself is left alone */
        if (sigaction(stop_sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_DFL) {
            sigemptyset(&sa.sa_mask);
            sigaction(stop_sigs[i], &sa, NULL);
        }
    }
    int fd = mkstemp(tmpl);
    int saved = errno;
    if (fd >= 0) {
        snprintf(tmp_path, sizeof tmp_path, "%s", tmpl);
        tmp_armed = 1;
    }
    sigprocmask(SIG_SETMASK, &old_mask, NULL); /* a pending stop signal lands here */
    errno = saved;
    return fd;
}

void ctl__tmpfile_disarm(void)
{
    tmp_armed = 0;
}
