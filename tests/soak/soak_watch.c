/*
 * The soak's watchers: subscribed desks that lose their connection, read
 * too slowly and come back, and must still see every change exactly once.
 *
 * A watcher subscribes with `since` 0, so the replay brings it every event
 * from the first contract on; after every reconnect (its own abort, or the
 * server's 4000 "slow consumer" close) it subscribes again with the last
 * seq it applied.  Every event must come in seq order, once: per contract
 * the versions must follow each other with no gap (PROTOCOL.md §9).  Once
 * the editors have stopped (soak.settled), the watcher reads until every
 * contract's newest version has reached it with the very record the
 * model holds, or reports what is missing after a minute.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "soak.h"

#define TABLE (2 * SOAK_MAX_CONTRACTS)
#define SETTLE_MS 60000

struct held {
    char *id;
    int64_t version;
    json_t *record;
};

struct watcher {
    int t;
    unsigned seed;
    int64_t last_seq;
    struct held table[TABLE];
};

static struct held *held_of(struct watcher *w, const char *id, int add)
{
    uint32_t h = 2166136261u;
    for (const char *p = id; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    for (uint32_t n = 0, i = h % TABLE; n < TABLE; n++, i = (i + 1) % TABLE) {
        struct held *e = &w->table[i];
        if (!e->id) {
            if (!add)
                return NULL;
            e->id = strdup(id);
            return e;
        }
        if (strcmp(e->id, id) == 0)
            return e;
    }
    it_fatal("watcher %d: more than %d contracts", w->t, TABLE); /* the model stops first */
}

/* One event: seq order, and each contract's versions one after another. */
static void apply(struct watcher *w, json_t *ev)
{
    const char *name = it_str(ev, "event");
    const json_t *seq = json_object_get(ev, "seq");

    if (!seq)
        return; /* ephemeral: presence, server.day */
    atomic_fetch_add(&soak.n.events, 1);
    if (json_integer_value(seq) <= w->last_seq)
        soak_violation("watcher %d: seq %lld after %lld (%s)", w->t,
                       (long long)json_integer_value(seq), (long long)w->last_seq, name);
    w->last_seq = json_integer_value(seq);
    if (strncmp(name, "contract.", 9) != 0)
        return; /* document.added / removed */
    const json_t *rec = json_object_get(json_object_get(ev, "data"), "contract");
    int64_t v = it_int(rec, "version");
    int created = strcmp(name, "contract.created") == 0;
    /* an early warning is about the record as it is: no new version */
    int warning =
        strcmp(name, "contract.expiring") == 0 || strcmp(name, "contract.notice_due") == 0;
    if (!created && !warning && strcmp(name, "contract.updated") != 0 &&
        strcmp(name, "contract.deleted") != 0 && strcmp(name, "contract.expired") != 0 &&
        strcmp(name, "contract.renewed") != 0) {
        soak_violation("watcher %d: an event %s of %s", w->t, name, it_str(rec, "number"));
        return;
    }
    struct held *e = held_of(w, it_str(rec, "id"), 1);
    if (created ? e->version != 0 || v != 1 : v != e->version + !warning)
        soak_violation("watcher %d: %s of %s version %lld after version %lld (seq %lld)", w->t,
                       name, it_str(rec, "number"), (long long)v, (long long)e->version,
                       (long long)w->last_seq);
    e->version = v;
    json_decref(e->record);
    e->record = json_deep_copy(rec);
}

/* 1 when the contract's final record reached the watcher; with report,
 * a violation when it did not. */
static int holds(struct watcher *w, const char *id, const char *number, const json_t *final,
                 int report)
{
    struct held *e = held_of(w, id, 0);
    int64_t v = it_int(final, "version");

    if (e && e->version == v && soak_same_record(e->record, final))
        return 1;
    if (report)
        soak_violation("watcher %d: %s: has version %lld (%s), the server has %lld", w->t, number,
                       e ? (long long)e->version : 0LL,
                       e && e->version == v ? "another record" : "missed", (long long)v);
    return 0;
}

/* 1 when every contract of the model (and of the calendar) reached this
 * watcher as the server has it at the end; with report, each one that did
 * not is a violation. */
static int caught_up(struct watcher *w, int report)
{
    int ok = 1;

    pthread_mutex_lock(&soak.mu);
    for (int i = 0; i < soak.ncontracts && (ok || report); i++)
        ok &= holds(w, soak.contracts[i].id, soak.contracts[i].number, soak.contracts[i].final,
                    report);
    for (int i = 0; i < soak.ncal && (ok || report); i++)
        if (soak.cal[i].final)
            ok &= holds(w, soak.cal[i].id, soak.cal[i].number, soak.cal[i].final, report);
    pthread_mutex_unlock(&soak.mu);
    return ok;
}

/* Logs in and subscribes from the last seq applied: the client, or NULL
 * (a violation was counted). */
static struct ctl_client *subscribe(struct watcher *w)
{
    char user[32];

    snprintf(user, sizeof user, "soak-vi%d", w->t);
    for (;;) {
        json_t *result = NULL;
        struct ctl_client *c = soak_login(user);
        if (!c)
            return NULL;
        int rc =
            ctl_client_request(c, "subscribe", json_pack("{s:I}", "since", (json_int_t)w->last_seq),
                               IT_TIMEOUT_MS, &result);
        if (rc == 0 && it_int(result, "head") >= w->last_seq) {
            json_decref(result);
            return c;
        }
        ctl_client_close(c);
        if (rc < 0) { /* killed meanwhile: again */
            soak_no_answer("watcher", "subscribe");
            soak_connection_lost();
            if (soak.crash_every > 0)
                continue;
            return NULL;
        }
        /* a head below what it applied: the server lost events it had sent */
        soak_violation("watcher %d: subscribe since %lld: %s", w->t, (long long)w->last_seq,
                       rc == 1 ? it_err_code(result) : "head below since");
        json_decref(result);
        return NULL;
    }
}

void *soak_watcher(void *arg)
{
    struct watcher *w = calloc(1, sizeof *w);
    int64_t now = it_now_ms(), settle_by = 0, abort_at, stall_at;
    struct ctl_client *c = NULL;

    w->t = (int)(intptr_t)arg;
    w->seed = 0xa11u + 104729u * (unsigned)w->t;
    abort_at = now + 2000 + soak_rand(&w->seed, 6000);
    stall_at = now + 3000 + soak_rand(&w->seed, 8000);
    for (;;) {
        json_t *ev = NULL;
        if (!c && !(c = subscribe(w)))
            break;
        int rc = ctl_client_next_event(c, 200, &ev);
        if (rc == 1) {
            apply(w, ev);
            json_decref(ev);
        } else if (rc < 0) {
            int code = ctl_ws_close_code(ctl_client_ws(c));
            if (code == 4000)
                atomic_fetch_add(&soak.n.slow_closes, 1);
            else if (soak.crash_every > 0 && code == 1006)
                atomic_fetch_add(&soak.n.reconnects, 1); /* killed: no close frame */
            else
                soak_violation("watcher %d: the server closed the connection (%d %s)", w->t, code,
                               ctl_ws_close_reason(ctl_client_ws(c)));
            ctl_client_close(c);
            c = NULL;
            continue;
        }
        now = it_now_ms();
        if (!atomic_load(&soak.settled)) {
            if (now >= abort_at) { /* a lost network: no close frame */
                ctl_client_abort(c);
                c = NULL;
                atomic_fetch_add(&soak.n.reconnects, 1);
                abort_at = now + 2000 + soak_rand(&w->seed, 6000);
            } else if (now >= stall_at) {
                /* a desk busy elsewhere; one time in four long enough for
                 * the server's queue bound (4000 "slow consumer") */
                usleep(1000u * (soak_rand(&w->seed, 4) ? 300 + soak_rand(&w->seed, 2700) : 12000));
                /* then it reads what waited (and a 4000 close) before any abort */
                now = it_now_ms();
                stall_at = now + 3000 + soak_rand(&w->seed, 8000);
                abort_at = now + 2000 + soak_rand(&w->seed, 6000);
            }
            continue;
        }
        if (!settle_by)
            settle_by = now + SETTLE_MS;
        if (rc == 0 && caught_up(w, 0))
            break;
        if (now > settle_by) {
            caught_up(w, 1);
            break;
        }
    }
    if (c)
        ctl_client_close(c);
    for (int i = 0; i < TABLE; i++) {
        free(w->table[i].id);
        json_decref(w->table[i].record);
    }
    free(w);
    return NULL;
}
