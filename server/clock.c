/*
 * The server's one source of "now".  Tests and --fake-now pin it so that
 * expiry, session lifetimes and timestamps are reproducible; any thread may
 * read it, hence the atomic.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "db-private.h"

static _Atomic int64_t fake_now_ms;
static _Atomic int fake_on; /* apart from the time: the epoch (0) is a time too */

int64_t srv_clock_now_ms(void)
{
    struct timespec ts;

    if (atomic_load(&fake_on))
        return atomic_load(&fake_now_ms);
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void srv_clock_set_fake_ms(int64_t unix_ms)
{
    atomic_store(&fake_now_ms, unix_ms);
    atomic_store(&fake_on, unix_ms != 0);
}

void srv_clock_pin_ms(int64_t unix_ms)
{
    atomic_store(&fake_now_ms, unix_ms);
    atomic_store(&fake_on, 1);
}

static void split_ms(int64_t unix_ms, struct tm *tm, int *ms)
{
    time_t sec = (time_t)(unix_ms / 1000);

    *ms = (int)(unix_ms % 1000);
    gmtime_r(&sec, tm);
}

/* n (< 10^width) as `width` decimal digits at p. */
static char *put_digits(char *p, unsigned n, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + n % 10);
        n /= 10;
    }
    return p + width;
}

void srv__iso_from_ms(int64_t unix_ms, char out[32])
{
    struct tm tm;
    int ms;
    size_t n;

    split_ms(unix_ms, &tm, &ms);
    if (unix_ms >= 0 && tm.tm_year + 1900 <= 9999) {
        /* strftime's and snprintf's text below, without their format
         * parsing: ~3,000 instructions a call, and every edit stamps its
         * row and its change (bench/RESULTS.md "Edits") */
        char *p = put_digits(out, (unsigned)tm.tm_year + 1900u, 4);
        *p++ = '-';
        p = put_digits(p, (unsigned)tm.tm_mon + 1u, 2);
        *p++ = '-';
        p = put_digits(p, (unsigned)tm.tm_mday, 2);
        *p++ = 'T';
        p = put_digits(p, (unsigned)tm.tm_hour, 2);
        *p++ = ':';
        p = put_digits(p, (unsigned)tm.tm_min, 2);
        *p++ = ':';
        p = put_digits(p, (unsigned)tm.tm_sec, 2);
        *p++ = '.';
        p = put_digits(p, (unsigned)ms, 3);
        *p++ = 'Z';
        *p = '\0';
        return;
    }
    n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03uZ", (unsigned)ms % 1000u);
}

void srv_now_iso(char out[32])
{
    srv__iso_from_ms(srv_clock_now_ms(), out);
}

void srv_today_iso(char out[11])
{
    struct tm tm;
    int ms;

    split_ms(srv_clock_now_ms(), &tm, &ms);
    if (strftime(out, 11, "%Y-%m-%d", &tm) == 0)
        out[0] = '\0';
}
