/*
 * pactactl watch: prints every event as one JSON line, for as long as it
 * runs.  When the connection drops (server restart, 4000 slow consumer, 1001
 * shutdown, network) it reconnects with exponential backoff and jitter,
 * logs in again and subscribes with since = the last seq it printed, so the
 * output has no gap and no duplicate.  Exits 0 on SIGINT/SIGTERM, 1 when the
 * server refuses the login or the subscription.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"

#define BACKOFF_FIRST_MS 200
#define BACKOFF_MAX_MS 10000
/* How often the event wait wakes up to check for a signal. */
#define WATCH_TICK_MS 250

static int watch_usage(FILE *f, int rc)
{
    fprintf(f, "usage: pactactl watch [--since SEQ]\n"
               "Prints every event as one JSON line.  With --since, replays the events\n"
               "after SEQ first.  Reconnects by itself; stop with Ctrl-C.\n");
    return rc;
}

enum session_end { END_DISCONNECTED, END_STOP, END_FATAL };

/* What survives from one connection to the next. */
struct watch_state {
    char *password;
    char *token;      /* from auth.login: reconnects resume with it */
    int have_seq;     /* last_seq is the resume point */
    int64_t last_seq; /* highest seq printed (or the head at the first subscribe) */
    int connected;    /* the last connection got as far as subscribing */
    int close_code;   /* how the last connection ended */
    int exit_code;    /* with END_FATAL: the exit code, if not CTL_EXIT_SERVER */
};

/*
 * Authenticates: auth.resume with the token of an earlier login when there
 * is one (no password hashing, no login rate limit on a reconnect storm),
 * else auth.login.  0 ok, END_* otherwise.
 */
static int authenticate(struct ctl_client *c, const struct ctl_global *g, struct watch_state *st)
{
    json_t *res = NULL;
    int rc;
    if (st->token) {
        rc = ctl_client_request(
            c, "auth.resume",
            json_pack("{ss,ss}", "token", st->token, "client", "pactactl/" PACTA_VERSION),
            CTL_REQUEST_TIMEOUT_MS, &res);
        json_decref(res);
        if (rc <= 0)
            return rc < 0 ? END_DISCONNECTED : 0;
        free(st->token); /* expired or revoked: log in afresh */
        st->token = NULL;
    }
    rc = ctl_client_request(c, "auth.login",
                            json_pack("{ssssss}", "username", g->user, "password", st->password,
                                      "client", "pactactl/" PACTA_VERSION),
                            CTL_REQUEST_TIMEOUT_MS, &res);
    if (rc < 0)
        return END_DISCONNECTED;
    int end = 0;
    if (rc == 1) {
        const char *m = json_string_value(json_object_get(res, "message"));
        const char *code = json_string_value(json_object_get(res, "code"));
        /* A rate limit is worth waiting out; bad credentials are not. */
        if (code && strcmp(code, "rate_limited") == 0) {
            fprintf(stderr, "%s: login rate limited, will retry\n", ctl__prog);
            end = END_DISCONNECTED;
        } else {
            ctl__errorf("login as %s failed: %s", g->user, m ? m : "unknown error");
            end = END_FATAL;
        }
    } else {
        const char *t = json_string_value(json_object_get(res, "token"));
        st->token = t ? strdup(t) : NULL;
    }
    json_decref(res);
    return end;
}

/* One connection's worth of watching, from connect to disconnect. */
static enum session_end watch_once(const struct ctl_global *g, struct watch_state *st)
{
    char err[512];
    struct ctl_ws_options o = ctl__ws_options(g);
    struct ctl_client *c = NULL;
    json_t *res = NULL;
    enum session_end end = END_DISCONNECTED;
    st->connected = 0;
    st->close_code = 0;
    st->exit_code = 0; /* a refused connect retried earlier says nothing of this end */
    if (ctl_client_connect(&o, &c, err, sizeof(err)) < 0) {
        int retry;
        fprintf(stderr, "%s: %s\n", ctl__prog, err);
        st->exit_code = ctl__connect_error_exit(err, &retry);
        return retry ? END_DISCONNECTED : END_FATAL; /* a wrong URL or CA stays wrong */
    }
    int rc = authenticate(c, g, st);
    if (rc == END_FATAL) {
        end = END_FATAL;
        goto out;
    }
    if (rc != 0)
        goto lost;
    json_t *args = json_object();
    if (st->have_seq)
        json_object_set_new(args, "since", json_integer(st->last_seq));
    rc = ctl_client_request(c, "subscribe", args, CTL_REQUEST_TIMEOUT_MS, &res);
    if (rc == 1) {
        const char *m = json_string_value(json_object_get(res, "message"));
        const char *field = json_string_value(json_object_get(res, "field"));
        if (field && strcmp(field, "since") == 0)
            ctl__errorf("cannot resume after seq %lld: %s; the events in between cannot be "
                        "shown (run watch without --since to follow from now)",
                        (long long)st->last_seq, m ? m : "not in the log");
        else
            ctl__errorf("subscribe failed: %s", m ? m : "unknown error");
        end = END_FATAL;
        goto out;
    }
    if (rc < 0)
        goto lost;
    if (!st->have_seq) {
        /* Live only from here: resume after the head we were given. */
        st->last_seq = json_integer_value(json_object_get(res, "head"));
        st->have_seq = 1;
    }
    st->connected = 1;
    for (;;) {
        json_t *ev;
        if (ctl__follow_stopped()) {
            end = END_STOP;
            goto out;
        }
        int r = ctl_client_next_event(c, WATCH_TICK_MS, &ev);
        if (r == 0)
            continue;
        if (r < 0)
            goto lost;
        json_t *seq = json_object_get(ev, "seq");
        if (json_is_integer(seq)) {
            /* A replay that overlaps what we printed is skipped, never
             * printed twice. */
            if (json_integer_value(seq) <= st->last_seq) {
                json_decref(ev);
                continue;
            }
            st->last_seq = json_integer_value(seq);
        }
        ctl__print_json(ev, 0);
        json_decref(ev);
        if (ctl__stdout_failed()) { /* a full disk: events would be lost unseen */
            st->exit_code = CTL_EXIT_USAGE;
            end = END_FATAL;
            goto out;
        }
    }
lost : {
    struct ctl_ws *ws = ctl_client_ws(c);
    int code = ctl_ws_close_code(ws);
    const char *reason = ctl_ws_close_reason(ws);
    st->close_code = code;
    if (ctl__follow_final_close(code))
        end = END_FATAL;
    else if (code == 4000)
        fprintf(stderr, "%s: disconnected as a slow consumer (4000), resuming after seq %lld\n",
                ctl__prog, (long long)st->last_seq);
    else if (code && code != 1006)
        fprintf(stderr, "%s: connection closed (%d%s%s)\n", ctl__prog, code, *reason ? " " : "",
                reason);
    else
        fprintf(stderr, "%s: connection lost\n", ctl__prog);
}
out:
    json_decref(res);
    if (end == END_STOP)
        ctl__session_close(c); /* leave no live token behind */
    else
        ctl_client_close(c);
    return end;
}

int ctl__cmd_watch(const struct ctl_global *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"since", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int64_t last_seq = 0;
    int have_seq = 0, ch;
    optind = 0;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (ch == 's') {
            if (ctl__parse_int64(optarg, &last_seq) < 0 || last_seq < 0) {
                ctl__errorf("--since must be a non-negative integer");
                return CTL_EXIT_USAGE;
            }
            have_seq = 1;
        } else if (ch == 'h') {
            return watch_usage(stdout, CTL_EXIT_OK);
        } else {
            return watch_usage(stderr, CTL_EXIT_USAGE);
        }
    }
    if (optind != argc)
        return watch_usage(stderr, CTL_EXIT_USAGE);
    if (!g->ca_file || !*g->ca_file) {
        ctl__errorf("no CA certificate: use --ca FILE or set PACTA_CA");
        return CTL_EXIT_USAGE;
    }
    struct watch_state st = {.have_seq = have_seq, .last_seq = last_seq};
    /* Read once: a prompt on every reconnect would stall an unattended watch. */
    st.password = ctl__login_password(g);
    if (!st.password)
        return CTL_EXIT_USAGE;

    ctl__follow_trap_signals();

    int backoff = BACKOFF_FIRST_MS, rc = CTL_EXIT_OK, slow_in_a_row = 0;
    while (!ctl__follow_stopped()) {
        enum session_end end = watch_once(g, &st);
        if (end == END_FATAL) {
            rc = st.exit_code ? st.exit_code : CTL_EXIT_SERVER;
            break;
        }
        if (end == END_STOP || ctl__follow_stopped())
            break;
        slow_in_a_row = st.close_code == 4000 ? slow_in_a_row + 1 : 0;
        if (st.connected) {
            /* A slow consumer catches up from the log at once (PROTOCOL
             * §10); only if it keeps happening does the backoff grow. */
            if (slow_in_a_row == 1)
                continue;
            if (slow_in_a_row == 0)
                backoff = BACKOFF_FIRST_MS;
        }
        int delay = ctl__follow_jitter(backoff);
        fprintf(stderr, "%s: reconnecting in %.1f s\n", ctl__prog, delay / 1000.0);
        ctl__follow_nap(delay);
        backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
    }
    explicit_bzero(st.password, strlen(st.password));
    free(st.password);
    free(st.token);
    return rc;
}
