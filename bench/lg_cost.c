/*
 * What the load generator itself spends over a measured window: CPU time
 * (getrusage, user + system) and, where the kernel lets a process count its
 * own user-space instructions (perf_event_open; perf_event_paranoid <= 2),
 * instructions retired.  Divided by the deliveries or acknowledged edits of
 * the window this is the generator's cost per message, the figure that says
 * whether the generator or the server is the limit of a fan-out step.
 * Instruction counts repeat within ~1% between runs where CPU time does not
 * (a shared VM), so before/after comparisons of the generator use them.
 * Where the VM counts nothing (no PMU), run the generator under callgrind:
 * the window's start zeroes its counters and its end dumps them, so the
 * dump holds the window's instructions alone (bench/lg_cost.sh WRAP=...).
 */
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_DUMP_STATS_AT(s) ((void)(s))
#endif

#include "lg.h"

static int fd = -2; /* -2 not tried yet, -1 not available */

static double cpu_secs(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static uint64_t instructions(void)
{
    if (fd == -2) {
        struct perf_event_attr a;
        memset(&a, 0, sizeof a);
        a.size = sizeof a;
        a.type = PERF_TYPE_HARDWARE;
        a.config = PERF_COUNT_HW_INSTRUCTIONS;
        a.exclude_kernel = 1; /* what a VM usually lets a process count */
        a.exclude_hv = 1;
        fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
        if (fd < 0)
            fd = -1;
    }
    uint64_t v = 0;
    if (fd < 0 || read(fd, &v, sizeof v) != (ssize_t)sizeof v)
        return 0;
    return v;
}

void lg_cost_start(struct lg_cost *c)
{
    c->cpu = cpu_secs();
    c->ins = instructions();
    c->reads = lg_tls_reads;
    c->records = lg_tls_records;
    CALLGRIND_ZERO_STATS;
}

void lg_cost_end(struct lg_cost *c, uint64_t n, double *us_per, double *ins_per)
{
    CALLGRIND_DUMP_STATS_AT("lg_cost window");
    double cpu = cpu_secs() - c->cpu;
    uint64_t ins = instructions();
    *us_per = n ? cpu * 1e6 / (double)n : 0;
    *ins_per = n && fd >= 0 ? (double)(ins - c->ins) / (double)n : -1;
}

const char *lg_cost_fmt(double ins_per)
{
    static char buf[32];
    if (ins_per < 0)
        return "n/a";
    snprintf(buf, sizeof buf, "%.0f", ins_per);
    return buf;
}

void lg_cost_io(const struct lg_cost *c, uint64_t n, double *reads_per, double *records_per)
{
    *reads_per = n ? (double)(lg_tls_reads - c->reads) / (double)n : 0;
    *records_per = n ? (double)(lg_tls_records - c->records) / (double)n : 0;
}
