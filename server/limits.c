/*
 * Abuse limits, all on the loop thread:
 *  - failed logins per account and per address: past a threshold the key
 *    is locked out for a time that doubles with every further failure
 *    (capped); a success clears the account's count, and an address's
 *    count drains over --login-failure-window.  Unknown usernames are
 *    counted like real ones, so a lockout says nothing about existence;
 *    below the threshold, each failed login's answer is held for a delay
 *    that doubles with the account's failures (ops.c holds it);
 *  - a token bucket of requests per connection;
 *  - concurrent connections per address and per user.
 * The failure table is bounded: entries idle for an hour are dropped by
 * housekeeping, and when it is full the oldest entries make room.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "srv.h"

#define FAIL_IDLE_MS (3600 * 1000)
#define FAIL_TABLE_MAX 20000

struct fail_entry {
    char key[80]; /* "u:username" or "a:address" */
    int failures;
    int64_t locked_until_ms; /* monotonic */
    int64_t last_ms;
    struct fail_entry *next; /* hash chain */
};

#define FAIL_BUCKETS 4096
static struct fail_entry *buckets[FAIL_BUCKETS];
static int n_entries;

static unsigned hash_key(const char *s)
{
    unsigned h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h % FAIL_BUCKETS;
}

static struct fail_entry *find(const char *key, int create)
{
    unsigned h = hash_key(key);
    for (struct fail_entry *e = buckets[h]; e; e = e->next)
        if (strcmp(e->key, key) == 0)
            return e;
    if (!create)
        return NULL;
    if (n_entries >= FAIL_TABLE_MAX)
        srv__limits_purge(-1); /* make room: drop the oldest half */
    struct fail_entry *e = calloc(1, sizeof *e);
    if (!e)
        abort();
    snprintf(e->key, sizeof e->key, "%s", key);
    e->next = buckets[h];
    buckets[h] = e;
    n_entries++;
    return e;
}

static void make_key(char out[80], char kind, const char *name)
{
    snprintf(out, 80, "%c:%s", kind, name);
}

/* Seconds still locked for key, 0 if free. */
static int64_t locked_for(const char *key, int64_t now)
{
    struct fail_entry *e = find(key, 0);
    return e && e->locked_until_ms > now ? (e->locked_until_ms - now + 999) / 1000 : 0;
}

int64_t srv__limits_login_locked(struct srv *srv, const char *username, const char *address)
{
    char k[80];
    int64_t now = (int64_t)srv__now_ms(), a, u;
    (void)srv;
    make_key(k, 'u', username);
    u = locked_for(k, now);
    make_key(k, 'a', address);
    a = locked_for(k, now);
    return u > a ? u : a;
}

/* One failure for key: lock it once past `threshold`, doubling each time.
 * Returns the key's failure count. */
static int count_failure(const struct srv_config *cfg, char kind, const char *name, int threshold)
{
    char k[80];
    int64_t now = (int64_t)srv__now_ms();
    make_key(k, kind, name);
    struct fail_entry *e = find(k, 1);
    /* An address's failures are forgotten over --login-failure-window, one
     * every window / threshold: many people behind one address (an office
     * behind NAT) who mistype now and then never lock it, a burst does.  An
     * account's count is cleared by its owner's next success instead. */
    if (kind == 'a' && e->failures > 0) {
        int64_t per = (int64_t)cfg->login_failure_window_sec * 1000 / threshold;
        int64_t gone = (now - e->last_ms) / (per > 0 ? per : 1);
        e->failures = gone >= e->failures ? 0 : e->failures - (int)gone;
    }
    e->failures++;
    e->last_ms = now;
    if (e->failures >= threshold) {
        int shift = e->failures - threshold;
        int64_t secs = (int64_t)cfg->login_lockout_sec << (shift > 20 ? 20 : shift);
        if (secs > cfg->login_lockout_max_sec)
            secs = cfg->login_lockout_max_sec;
        int was_locked = e->locked_until_ms > now;
        e->locked_until_ms = now + secs * 1000;
        /* logged when the lock begins: a refusal while locked extends it,
         * and costs the client one small frame (one log line each would
         * let it write the log as fast as it sends) */
        if (was_locked)
            return e->failures;
        /* an attempted username may be a mistyped password: only addresses are named */
        srv_logf(SRV_LOG_WARN, "login locked", "{s:s,s:s,s:i,s:I}", "kind",
                 kind == 'u' ? "account" : "address", "address", kind == 'a' ? name : "",
                 "failures", e->failures, "seconds", (json_int_t)secs);
    }
    return e->failures;
}

/*
 * The delay grows with the account's failures, not the address's: it is
 * what slows one guesser working through passwords of one account on one
 * connection (one login in flight per connection), while the lockouts stop
 * guessers that spread over connections and addresses.  Capped at 16x so a
 * user who mistyped a few times waits seconds, not minutes.
 */
int64_t srv__limits_login_failed(struct srv *srv, const char *username, const char *address)
{
    int n = count_failure(srv->cfg, 'u', username, srv->cfg->login_max_failures);
    count_failure(srv->cfg, 'a', address, srv->cfg->login_max_failures_per_address);
    return (int64_t)srv->cfg->login_delay_ms << (n > 5 ? 4 : n - 1);
}

void srv__limits_login_refused(struct srv *srv, const char *address)
{
    (void)count_failure(srv->cfg, 'a', address, srv->cfg->login_max_failures_per_address);
}

void srv__limits_login_ok(struct srv *srv, const char *username)
{
    char k[80];
    (void)srv;
    make_key(k, 'u', username);
    struct fail_entry *e = find(k, 0);
    if (e && e->locked_until_ms <= (int64_t)srv__now_ms())
        e->failures = 0;
}

/*
 * Drops entries idle for an hour (max_age_ms < 0: the older half, to make
 * room in a full table).  Housekeeping calls it once a minute.
 */
void srv__limits_purge(int64_t max_age_ms)
{
    int64_t now = (int64_t)srv__now_ms();
    if (max_age_ms < 0) {
        /* the oldest half: everything older than the median age is close enough */
        int64_t oldest = now, newest = 0;
        for (int i = 0; i < FAIL_BUCKETS; i++)
            for (struct fail_entry *e = buckets[i]; e; e = e->next) {
                oldest = e->last_ms < oldest ? e->last_ms : oldest;
                newest = e->last_ms > newest ? e->last_ms : newest;
            }
        max_age_ms = now - (oldest + (newest - oldest) / 2);
    }
    for (int i = 0; i < FAIL_BUCKETS; i++) {
        struct fail_entry **pp = &buckets[i];
        while (*pp) {
            struct fail_entry *e = *pp;
            if (now - e->last_ms >= max_age_ms && e->locked_until_ms <= now) {
                *pp = e->next;
                free(e);
                n_entries--;
            } else {
                pp = &e->next;
            }
        }
    }
}

void srv__limits_tick(struct srv *srv)
{
    static uint64_t last;
    uint64_t now = srv__now_ms();
    (void)srv;
    if (now - last >= 60000) {
        last = now;
        srv__limits_purge(FAIL_IDLE_MS);
    }
}

void srv__limits_cleanup(void)
{
    srv__limits_purge(0);
    /* a locked entry survives purge(0); at exit everything goes */
    for (int i = 0; i < FAIL_BUCKETS; i++)
        while (buckets[i]) {
            struct fail_entry *e = buckets[i];
            buckets[i] = e->next;
            free(e);
        }
    n_entries = 0;
}

/* ---- requests and connections --------------------------------------------- */

int srv__limits_take_request(struct srv_session *s)
{
    const struct srv_config *cfg = s->srv->cfg;
    uint64_t now = srv__now_ms();
    if (cfg->rate_per_sec <= 0)
        return 1;
    if (s->bucket_ms == 0) {
        s->bucket = cfg->rate_burst;
    } else {
        s->bucket += (double)(now - s->bucket_ms) * cfg->rate_per_sec / 1000.0;
        if (s->bucket > cfg->rate_burst)
            s->bucket = cfg->rate_burst;
    }
    s->bucket_ms = now;
    if (s->bucket < 1)
        return 0;
    s->bucket -= 1;
    return 1;
}

/*
 * Answers of many bytes (documents.download, up to 1 MiB as ~1.4 MB of
 * base64) are made in the pool and then queued whether or not the client
 * reads them: 64 in flight per connection were ~90 MB held for one
 * connection that does not read.  So such a request starts only while the
 * connection's queued answers plus those being made stay within the queue
 * bound; a client that reads its answers (one chunk after the other, as
 * pacta-desk and pactactl do) never meets it.
 */
int srv__limits_reserve_answer(struct srv_session *s, size_t bytes)
{
    size_t held = s->q_bytes + s->resp_reserved;
    if (held > 0 && held + bytes > s->srv->cfg->queue_max_bytes)
        return 0;
    s->resp_reserved += bytes;
    return 1;
}

void srv__limits_release_answer(struct srv_session *s, size_t bytes)
{
    s->resp_reserved -= bytes < s->resp_reserved ? bytes : s->resp_reserved;
}

int srv__limits_address_ok(const struct srv_session *s)
{
    int max = s->srv->cfg->max_conns_per_address, n = 0;
    if (max <= 0)
        return 1;
    for (const struct srv_session *o = s->srv->sessions; o; o = o->next)
        n += o->wsi && !o->close_code && strcmp(o->peer, s->peer) == 0;
    return n <= max; /* s itself is counted */
}

int srv__limits_user_ok(struct srv *srv, const struct srv_session *s, const char *username)
{
    int max = srv->cfg->max_conns_per_user, n = 0;
    if (max <= 0)
        return 1;
    /* a login already past its password check counts too: its session is
     * being written, and logins on several connections at once would all
     * find room otherwise */
    for (const struct srv_session *o = srv->sessions; o; o = o->next)
        n += o != s && o->wsi && !o->close_code &&
             ((o->authenticated && strcmp(o->username, username) == 0) ||
              strcmp(o->login_user, username) == 0);
    return n < max; /* room for s */
}
