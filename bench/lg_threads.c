/*
 * Where each thread's time goes during a measured window: the kernel's
 * per-thread schedstat (/proc/PID/task/TID/schedstat: nanoseconds on a CPU,
 * nanoseconds runnable but waiting for one) read at the start and the end.
 * A thread at 60% on a CPU and 30% waiting for one is held back by the
 * scheduler, not by its own work; one at 60% and nothing waiting is idle
 * the rest of the time (for work, a lock, or the disk).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lg.h"

static void read_task(int pid, int tid, struct lg_thread *t)
{
    char path[96];
    FILE *f;

    snprintf(t->name, sizeof t->name, "?");
    snprintf(path, sizeof path, "/proc/%d/task/%d/comm", pid, tid);
    if ((f = fopen(path, "r"))) {
        if (fgets(t->name, sizeof t->name, f))
            t->name[strcspn(t->name, "\n")] = '\0';
        fclose(f);
    }
    snprintf(path, sizeof path, "/proc/%d/task/%d/schedstat", pid, tid);
    if ((f = fopen(path, "r"))) {
        if (fscanf(f, "%llu %llu", &t->run_ns, &t->wait_ns) != 2)
            t->run_ns = t->wait_ns = 0;
        fclose(f);
    }
}

void lg_threads_take(int pid, struct lg_threads *s)
{
    char path[48];
    DIR *d;
    struct dirent *e;

    s->n = 0;
    snprintf(path, sizeof path, "/proc/%d/task", pid);
    if (!(d = opendir(path)))
        return;
    while ((e = readdir(d)) && s->n < LG_THREADS_MAX) {
        if (e->d_name[0] == '.')
            continue;
        struct lg_thread *t = &s->t[s->n++];
        t->tid = atoi(e->d_name);
        read_task(pid, t->tid, t);
    }
    closedir(d);
}

void lg_threads_report(FILE *out, const char *who, int main_tid, const struct lg_threads *a,
                       const struct lg_threads *b, double wall_secs)
{
    fprintf(out, "%s threads over %.1f s (%% of the window):", who, wall_secs);
    for (int i = 0; i < b->n; i++) {
        const struct lg_thread *y = &b->t[i], *x = NULL;
        for (int j = 0; j < a->n && !x; j++)
            if (a->t[j].tid == y->tid)
                x = &a->t[j];
        double run = (double)(y->run_ns - (x ? x->run_ns : 0)) / 1e9 / wall_secs * 100;
        double wait = (double)(y->wait_ns - (x ? x->wait_ns : 0)) / 1e9 / wall_secs * 100;
        if (run < 1 && wait < 1)
            continue;
        fprintf(out, " %s%s %.0f%% on a CPU, %.0f%% waiting for one;", y->name,
                y->tid == main_tid ? " (main)" : "", run, wait);
    }
    fputc('\n', out);
}
