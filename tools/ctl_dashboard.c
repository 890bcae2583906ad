/*
 * pactactl dashboard: the figures of stats.dashboard, as text or JSON, once
 * or followed live (--watch: dashboard.watch, then every dashboard.updated
 * the server pushes; it reconnects by itself, like `watch`).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pacta/dashboard.h>

#include "ctl.h"

#define BACKOFF_FIRST_MS 500
#define BACKOFF_MAX_MS 10000
#define TICK_MS 250

static int dashboard_usage(FILE *f, int rc)
{
    fprintf(f, "usage: pactactl dashboard [--json] [--watch]\n"
               "The dashboard's figures: contracts by status, lifecycle and kind, those\n"
               "expiring within 30/60/90 days, notice deadlines due within 30 days, the value\n"
               "of the active contracts per currency, and the 10 most recent changes.\n"
               "  --json    print the figures as the server sends them (one line each with\n"
               "            --watch)\n"
               "  --watch   keep printing fresh figures as the server pushes them (at most\n"
               "            twice a second, and when the day changes); stop with Ctrl-C\n");
    return rc;
}

/* "123456789" cents of a 2-digit currency -> "1,234,567.89". */
static void format_digits(const char *digits, int decimals, char *out, size_t cap)
{
    char padded[64];
    size_t n = strlen(digits);
    if (n >= sizeof padded - 8)
        n = sizeof padded - 8;
    size_t zeros = n <= (size_t)decimals ? (size_t)decimals + 1 - n : 0;
    memset(padded, '0', zeros);
    memcpy(padded + zeros, digits, n);
    padded[zeros + n] = '\0';
    size_t whole = strlen(padded) - (size_t)decimals, o = 0;
    for (size_t i = 0; i < whole && o + 2 < cap; i++) {
        if (i > 0 && (whole - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = padded[i];
    }
    if (decimals > 0 && o + (size_t)decimals + 2 < cap) {
        out[o++] = '.';
        memcpy(out + o, padded + whole, (size_t)decimals);
        o += (size_t)decimals;
    }
    out[o] = '\0';
}

static void print_counts(const char *label, const int64_t *n, int count, const char *(*name)(int))
{
    printf("  %-14s", label);
    for (int i = 0; i < count; i++)
        printf("%s%s %lld", i ? " · " : "", name(i), (long long)n[i]);
    putchar('\n');
}

static const char *status_name(int i)
{
    return pacta_dashboard_status_name((enum pacta_dash_status)i);
}

static const char *lifecycle_name(int i)
{
    return pacta_dashboard_lifecycle_name((enum pacta_dash_lifecycle)i);
}

static const char *kind_name(int i)
{
    return pacta_dashboard_kind_name((enum pacta_dash_kind)i);
}

static void print_figures(const struct pacta_dashboard *d)
{
    printf("Contracts on %s (as of change %lld)\n", d->today, (long long)d->as_of_seq);
    printf("  %-14s%lld\n", "Total", (long long)d->total);
    print_counts("By status", d->by_status, PACTA_DASH_STATUS__COUNT, status_name);
    print_counts("By lifecycle", d->by_lifecycle, PACTA_DASH_LIFECYCLE__COUNT, lifecycle_name);
    print_counts("By kind", d->by_kind, PACTA_DASH_KIND__COUNT, kind_name);
    printf("  %-14s", "Expiring");
    for (int i = 0; i < PACTA_DASHBOARD_WINDOWS; i++)
        printf("%s%d days %lld", i ? " · " : "", pacta_dashboard_windows[i],
               (long long)d->expiring[i]);
    printf("   (active; lifecycle window %d days)\n", d->window_days);
    printf("  %-14s%lld within %d days (%lld passed)\n", "Notice due", (long long)d->notice_due,
           PACTA_DASHBOARD_NOTICE_DAYS, (long long)d->notice_passed);
    for (size_t i = 0; i < d->n_values; i++) {
        char amount[96];
        const struct pacta_dashboard_value *v = &d->values[i];
        format_digits(v->amount_cents, pacta_currency_digits(v->currency), amount, sizeof amount);
        printf("  %-14s%s %s (%lld contract%s)\n", i ? "" : "Active value", amount, v->currency,
               (long long)v->contracts, v->contracts == 1 ? "" : "s");
    }
    if (d->n_values == 0)
        printf("  %-14s-\n", "Active value");
    printf("Recent changes\n");
    if (d->n_recent == 0)
        printf("  (none)\n");
    for (size_t i = 0; i < d->n_recent; i++) {
        const struct pacta_dashboard_change *c = &d->recent[i];
        char seq[24], when[20];
        snprintf(seq, sizeof seq, "%lld", (long long)c->seq);
        snprintf(when, sizeof when, "%.10s %.5s", c->at, strlen(c->at) > 11 ? c->at + 11 : "");
        printf("  ");
        ctl__print_cell(seq, 7, 1);
        printf("  %s  ", when);
        ctl__print_cell(strncmp(c->event, "contract.", 9) ? c->event : c->event + 9, 12, 0);
        printf("  ");
        ctl__print_cell(c->number, 16, 0);
        printf("  ");
        ctl__print_cell(c->title, 32, 0);
        printf("  %s\n", c->actor);
    }
    fflush(stdout);
}

/* Prints figures (a result or an event's data) if they are newer than
 * *shown; 0, or CTL_EXIT_SERVER if they do not decode. */
static int show(const json_t *j, int as_json, struct pacta_dashboard *shown, int *have)
{
    struct pacta_dashboard d;
    struct pacta_error err = {0};
    if (pacta_dashboard_from_json(j, &d, &err) != 0) {
        ctl__errorf("unexpected figures from the server (%s: %s)", err.field, err.message);
        pacta_dashboard_clear(&d);
        return CTL_EXIT_SERVER;
    }
    if (*have && !pacta_dashboard_newer(shown, &d)) {
        pacta_dashboard_clear(&d); /* an answer and an event crossed: older figures */
        return 0;
    }
    if (as_json) {
        ctl__print_json(j, 0);
    } else {
        if (*have)
            putchar('\n');
        print_figures(&d);
    }
    pacta_dashboard_clear(shown);
    *shown = d;
    *have = 1;
    return ctl__stdout_failed() ? CTL_EXIT_USAGE : 0;
}

/* One connection: login, dashboard.watch, events until it drops.
 * Returns 0 (dropped: reconnect), or an exit code to end with. */
static int watch_once(const struct ctl_global *g, const char *password, int as_json,
                      struct pacta_dashboard *shown, int *have, int *connected)
{
    char errbuf[512];
    struct ctl_ws_options o = ctl__ws_options(g);
    struct ctl_client *c = NULL;
    json_t *res = NULL, *error = NULL;
    int rc = 0;

    *connected = 0;
    if (ctl_client_connect(&o, &c, errbuf, sizeof errbuf) < 0) {
        int retry, code = ctl__connect_error_exit(errbuf, &retry);
        ctl__errorf("%s", errbuf);
        return retry ? 0 : code; /* a wrong URL or CA stays wrong */
    }
    int lr = ctl_client_login(c, g->user, password, &error);
    if (lr == 1) {
        const char *m = json_string_value(json_object_get(error, "message"));
        const char *code = json_string_value(json_object_get(error, "code"));
        ctl__errorf("login as %s failed: %s", g->user, m ? m : "unknown error");
        rc = code && !strcmp(code, "rate_limited") ? 0 : CTL_EXIT_SERVER;
        goto out;
    }
    if (lr < 0)
        goto out;
    int wr = ctl_client_request(c, "dashboard.watch", json_pack("{s:b}", "on", 1),
                                CTL_REQUEST_TIMEOUT_MS, &res);
    if (wr == 1) {
        const char *m = json_string_value(json_object_get(res, "message"));
        ctl__errorf("dashboard.watch: %s", m ? m : "refused");
        rc = CTL_EXIT_SERVER;
        goto out;
    }
    if (wr < 0)
        goto out;
    *connected = 1;
    if ((rc = show(res, as_json, shown, have)) != 0)
        goto out;
    while (!ctl__follow_stopped()) {
        json_t *ev = NULL;
        int n = ctl_client_next_event(c, TICK_MS, &ev);
        if (n < 0) {
            if (ctl__follow_final_close(ctl_ws_close_code(ctl_client_ws(c))))
                rc = CTL_EXIT_SERVER;
            else
                ctl__report_lost(c);
            break;
        }
        const char *name = n == 1 ? json_string_value(json_object_get(ev, "event")) : NULL;
        if (name && !strcmp(name, PACTA_EV_DASHBOARD_UPDATED))
            rc = show(json_object_get(ev, "data"), as_json, shown, have);
        json_decref(ev);
        if (rc)
            break;
    }
    if (ctl__follow_stopped()) {
        ctl__session_close(c);
        c = NULL;
    }
out:
    json_decref(res);
    json_decref(error);
    if (c)
        ctl_client_close(c);
    return rc;
}

static int dashboard_watch(const struct ctl_global *g, int as_json)
{
    struct pacta_dashboard shown = {0};
    int have = 0, rc = 0, backoff = BACKOFF_FIRST_MS, connected;
    char *password = ctl__login_password(g);
    if (!password)
        return CTL_EXIT_USAGE;
    ctl__follow_trap_signals();
    while (!ctl__follow_stopped()) {
        rc = watch_once(g, password, as_json, &shown, &have, &connected);
        if (rc || ctl__follow_stopped())
            break;
        if (connected)
            backoff = BACKOFF_FIRST_MS;
        int delay = ctl__follow_jitter(backoff);
        fprintf(stderr, "%s: reconnecting in %.1f s\n", ctl__prog, delay / 1000.0);
        ctl__follow_nap(delay);
        backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
    }
    explicit_bzero(password, strlen(password));
    free(password);
    pacta_dashboard_clear(&shown);
    return rc;
}

int ctl__cmd_dashboard(const struct ctl_global *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"watch", no_argument, NULL, 'w'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int as_json = 0, watch = 0, ch, rc;

    optind = 0;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "hjw", opts, NULL)) != -1) {
        if (ch == 'j')
            as_json = 1;
        else if (ch == 'w')
            watch = 1;
        else if (ch == 'h')
            return dashboard_usage(stdout, CTL_EXIT_OK);
        else {
            ctl__errorf("dashboard: bad option %s", argv[optind - 1]);
            return dashboard_usage(stderr, CTL_EXIT_USAGE);
        }
    }
    if (optind != argc) {
        ctl__errorf("dashboard: unexpected argument \"%s\"", argv[optind]);
        return dashboard_usage(stderr, CTL_EXIT_USAGE);
    }
    if (!g->ca_file || !*g->ca_file) {
        ctl__errorf("no CA certificate: use --ca FILE or set PACTA_CA");
        return CTL_EXIT_USAGE;
    }
    if (watch)
        return dashboard_watch(g, as_json);

    struct ctl_client *c = NULL;
    json_t *res = NULL;
    struct pacta_dashboard shown = {0};
    int have = 0;
    if ((rc = ctl__session_open(g, &c)) != 0)
        return rc;
    if ((rc = ctl__request(c, "stats.dashboard", json_object(), &res)) == 0) {
        if (as_json)
            ctl__print_json(res, 1);
        else
            rc = show(res, 0, &shown, &have);
    }
    pacta_dashboard_clear(&shown);
    json_decref(res);
    ctl__session_close(c);
    return rc;
}
