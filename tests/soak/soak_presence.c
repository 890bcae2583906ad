/*
 * The soak's presence, saved views and admin monitor (PROTOCOL.md
 * §6.15–6.18, §6.44–6.46).
 *
 * Presence clients (soak-pr1..3) say which contract they have open, close
 * it, lose their connection without a word or log out, again and again.
 * One admin (soak-mon) follows it all as the desk's admin page does: it
 * watches the connections (admin.connections.watch: the list, then
 * opened / updated / closed) and subscribes for presence (presence.list,
 * then presence.updated), and keeps both pictures from the events alone.
 *
 * While it runs: no connection is opened twice, or updated or closed
 * before it was opened; an editors list names each session once and each
 * answered presence.set is {}.  At the end, once every other client is
 * gone, the server's lists and the pictures the events made must agree:
 * nobody editing anything (a connection that went away without a word
 * must not stay in presence) and one connection left, the monitor's own.
 *
 * The monitor's user also saves and deletes views on a connection of its
 * own (soak_views), each recalled at once as a contracts.list request;
 * the monitor follows view.saved / deleted, and at the end its picture,
 * views.list and the answers must be the same views.
 * After a restart (--crash-every) the monitor starts again from the lists.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "soak.h"

#define QUIET_WAIT_MS 10000

/* ---- presence clients ------------------------------------------------------ */

/* A contract of the model's, any (a deleted one too: presence is a hint). */
static void any_contract(unsigned *seed, char id[40])
{
    pthread_mutex_lock(&soak.mu);
    int n = soak.ncontracts;
    if (n > 0)
        memcpy(id, soak.contracts[soak_rand(seed, (unsigned)n)].id, 40);
    pthread_mutex_unlock(&soak.mu);
    if (n == 0)
        snprintf(id, 40, "0193a5f2-7c1e-7b3a-9f00-%012u", soak_rand(seed, 1000000));
}

void *soak_presence(void *arg)
{
    int t = (int)(intptr_t)arg;
    unsigned seed = 0x9e5u + 31u * (unsigned)t;
    char user[32], id[40];

    snprintf(user, sizeof user, "soak-pr%d", t);
    struct ctl_client *c = soak_login(user);
    while (c && !atomic_load(&soak.stop)) {
        unsigned r = soak_rand(&seed, 100);
        if (r < 85) {
            json_t *result = NULL, *args;
            if (r < 70) {
                any_contract(&seed, id);
                args = json_pack("{s:s}", "contract_id", id);
            } else {
                args = json_pack("{s:n}", "contract_id");
            }
            int rc = soak_request(c, "presence.set", args, &result);
            if (rc < 0)
                soak_no_answer(user, "presence.set");
            else if (rc != 0 || json_object_size(result) != 0)
                soak_violation("%s: presence.set: %s", user,
                               rc ? it_err_code(result) : "an answer other than {}");
            else
                atomic_fetch_add(&soak.n.presence_sets, 1);
            json_decref(result);
        }
        if (r >= 85 || soak_connection_lost()) {
            if (r < 95) /* a lost network: no close frame, presence never cleared by us */
                ctl_client_abort(c);
            else
                ctl_client_close(c);
            c = soak_login(user);
        }
        usleep(1000u * (50 + soak_rand(&seed, 250)));
    }
    if (c && soak_rand(&seed, 2))
        ctl_client_abort(c);
    else if (c)
        ctl_client_close(c);
    return NULL;
}

/* ---- saved views ------------------------------------------------------------ */

static const char *const view_filters[] = {
    "{}",
    "{\"status\": \"active\"}",
    "{\"q\": \"soak\"}",
    "{\"text\": \"oak\", \"kind\": \"client\"}",
    "{\"currency\": \"EUR\", \"amount_min\": 1000, \"amount_max\": 5000000}",
    "{\"lifecycle\": \"expiring\", \"owner\": \"soak-ed1\", \"include_deleted\": true}",
};
static const char *const view_sorts[] = {"{}", "{\"key\": \"end_date\"}",
                                         "{\"key\": \"title\", \"order\": \"desc\"}"};

/* A saved view recalled as a desk does: its filter, sort.key as sort and
 * sort.order as order make a contracts.list request (PROTOCOL.md §6.44). */
static void recall(struct ctl_client *c, const json_t *view)
{
    json_t *args = json_deep_copy(json_object_get(view, "filter")), *result = NULL;
    const json_t *sort = json_object_get(view, "sort");

    json_object_set(args, "sort", json_object_get(sort, "key"));
    json_object_set(args, "order", json_object_get(sort, "order"));
    json_object_set_new(args, "limit", json_integer(5));
    int rc = soak_request(c, "contracts.list", args, &result);
    if (rc > 0)
        soak_violation("views: \"%s\" recalled as contracts.list: %s %s", it_str(view, "name"),
                       it_err_code(result), it_err_field(result));
    else if (rc < 0)
        soak_no_answer("views", "contracts.list");
    json_decref(result);
}

/* soak-mon's views, saved and deleted on a connection of their own while
 * the monitor (the same user, subscribed) follows view.saved / deleted;
 * soak.views holds what the answers said (a name whose write went
 * unanswered is dropped from it and from the final comparison). */
void *soak_views(void *arg)
{
    unsigned seed = 0x71e3u;
    char name[32];
    struct ctl_client *c = soak_login("soak-mon");

    (void)arg;
    while (c && !atomic_load(&soak.stop)) {
        json_t *result = NULL;
        int del = soak_rand(&seed, 10) < 3;
        snprintf(name, sizeof name, "Vista %u ñ", soak_rand(&seed, 12));
        json_t *args =
            del ? json_pack("{s:s}", "name", name)
                : json_pack("{s:s, s:o, s:o}", "name", name, "filter",
                            json_loads(view_filters[soak_rand(&seed, 6)], 0, NULL), "sort",
                            json_loads(view_sorts[soak_rand(&seed, 3)], 0, NULL));
        int rc = soak_request(c, del ? "views.delete" : "views.save", args, &result);
        /* what the answered writes left under this name: there or not, or
         * unknown after one that went unanswered; then this answer's */
        pthread_mutex_lock(&soak.mu);
        int had = json_object_get(soak.views, name) != NULL;
        int uncertain = json_object_get(soak.views_uncertain, name) != NULL;
        json_object_del(soak.views, name);
        if (rc < 0)
            json_object_set_new(soak.views_uncertain, name, json_true());
        else
            json_object_del(soak.views_uncertain, name);
        if (rc == 0 && !del)
            json_object_set(soak.views, name, json_object_get(result, "view"));
        pthread_mutex_unlock(&soak.mu);
        int refused = rc == 1 && !(del && strcmp(it_err_code(result), "not_found") == 0);
        if (rc < 0)
            soak_no_answer("views", del ? "views.delete" : "views.save");
        else if (refused)
            soak_violation("views: %s \"%s\": %s", del ? "delete" : "save", name,
                           it_err_code(result));
        else if (!uncertain && (del ? (rc == 0) != had
                                    : json_is_true(json_object_get(result, "replaced")) != had))
            soak_violation("views: %s \"%s\" answered %s, with the view %s by the answers "
                           "before",
                           del ? "delete" : "save", name,
                           del ? (rc ? "not_found" : "ok") : (had ? "not replaced" : "replaced"),
                           had ? "there" : "not there");
        else
            atomic_fetch_add(&soak.n.view_writes, 1);
        if (rc == 0 && !del)
            recall(c, json_object_get(result, "view"));
        json_decref(result);
        if (soak_connection_lost()) {
            ctl_client_close(c);
            c = soak_login("soak-mon");
        }
        usleep(1000u * (100 + soak_rand(&seed, 300)));
    }
    if (c)
        ctl_client_close(c);
    return NULL;
}

/* ---- the monitor ----------------------------------------------------------- */

struct monitor {
    struct ctl_client *c;
    json_t *conns;    /* session (as text) -> Connection */
    json_t *presence; /* contract id -> editors */
    json_t *views;    /* name -> View, of soak-mon's own (soak_views) */
};

/* What apply() leaves to a list just read: its events are older. */
enum { SKIP_PRESENCE = 1, SKIP_VIEWS = 2 };

static void session_key(json_int_t session, char key[24])
{
    snprintf(key, 24, "%lld", (long long)session);
}

static void apply(struct monitor *m, const json_t *ev, int skip)
{
    const char *name = it_str(ev, "event");
    const json_t *data = json_object_get(ev, "data");
    const json_t *conn = json_object_get(data, "connection");
    char key[24];

    if (strncmp(name, "admin.connection.", 17) == 0) {
        session_key(conn ? it_int(conn, "session") : it_int(data, "session"), key);
        int known = json_object_get(m->conns, key) != NULL;
        atomic_fetch_add(&soak.n.monitor_events, 1);
        if (strcmp(name, "admin.connection.opened") == 0 ? known : !known)
            soak_violation("monitor: %s of session %s, %s", name, key,
                           known ? "opened already" : "never opened");
        if (strcmp(name, "admin.connection.closed") == 0)
            json_object_del(m->conns, key);
        else
            json_object_set(m->conns, key, (json_t *)conn);
    } else if (strcmp(name, "view.saved") == 0 && !(skip & SKIP_VIEWS)) {
        const json_t *view = json_object_get(data, "view");
        json_object_set(m->views, it_str(view, "name"), (json_t *)view);
        atomic_fetch_add(&soak.n.view_events, 1);
    } else if (strcmp(name, "view.deleted") == 0 && !(skip & SKIP_VIEWS)) {
        if (json_object_del(m->views, it_str(data, "name")) != 0)
            soak_violation("monitor: view.deleted of \"%s\", a view it never had",
                           it_str(data, "name"));
        atomic_fetch_add(&soak.n.view_events, 1);
    } else if (strcmp(name, "presence.updated") == 0 && !(skip & SKIP_PRESENCE)) {
        const json_t *editors = json_object_get(data, "editors");
        json_t *seen = json_object();
        size_t i;
        const json_t *e;
        json_array_foreach(editors, i, e)
        {
            session_key(it_int(e, "session"), key);
            if (json_object_get(seen, key))
                soak_violation("monitor: presence of %s names session %s twice",
                               it_str(data, "contract_id"), key);
            json_object_set_new(seen, key, json_true());
        }
        json_decref(seen);
        if (json_array_size(editors))
            json_object_set(m->presence, it_str(data, "contract_id"), (json_t *)editors);
        else
            json_object_del(m->presence, it_str(data, "contract_id"));
        atomic_fetch_add(&soak.n.presence_events, 1);
    }
}

/* A list (its items, a new reference, or NULL) read as of its answer: the
 * events queued before the answer are applied but for those of the list's
 * own kind (skip), older than it.  0, 1 (refused) or < 0 as soak_request. */
static int read_list(struct monitor *m, const char *op, json_t *args, int skip, json_t **items)
{
    json_t *result = NULL, *ev;
    int rc = soak_request(m->c, op, args, &result);

    *items = NULL;
    if (rc == 0) {
        for (size_t n = ctl_client_queued(m->c); n > 0 && ctl_client_next_event(m->c, 0, &ev) == 1;
             n--) {
            apply(m, ev, skip);
            json_decref(ev);
        }
        *items = json_incref(json_object_get(result, "items"));
    } else if (rc > 0) {
        soak_violation("monitor: %s: %s", op, it_err_code(result));
    } else {
        soak_no_answer("monitor", op);
        soak_connection_lost();
    }
    json_decref(result);
    return rc;
}

/* Logs in, watches connections, subscribes, reads presence and its views:
 * the pictures start from the lists.  0, or -1 (the connection is gone). */
static int start(struct monitor *m)
{
    json_t *items = NULL;
    size_t i;
    const json_t *item;
    char key[24];

    if (!(m->c = soak_login("soak-mon")))
        return -1;
    json_object_clear(m->conns);
    json_object_clear(m->presence);
    json_object_clear(m->views);
    /* connection events follow the watch's list (none came before it) */
    int rc = read_list(m, "admin.connections.watch", json_pack("{s:b}", "on", 1), 0, &items);
    json_array_foreach(items, i, item)
    {
        session_key(it_int(item, "session"), key);
        json_object_set(m->conns, key, (json_t *)item);
    }
    json_decref(items);
    json_t *sub = NULL;
    if (rc == 0 && (rc = soak_request(m->c, "subscribe", json_object(), &sub)) != 0) {
        if (rc > 0) {
            soak_violation("monitor: subscribe: %s", it_err_code(sub));
        } else {
            soak_no_answer("monitor", "subscribe");
            soak_connection_lost();
        }
    }
    json_decref(sub);
    if (rc == 0 && (rc = read_list(m, "presence.list", json_object(), SKIP_PRESENCE, &items)) == 0)
        json_array_foreach(items, i, item) json_object_set(m->presence, it_str(item, "contract_id"),
                                                           json_object_get(item, "editors"));
    json_decref(items);
    items = NULL;
    if (rc == 0 && (rc = read_list(m, "views.list", json_object(), SKIP_VIEWS, &items)) == 0)
        json_array_foreach(items, i, item)
            json_object_set(m->views, it_str(item, "name"), (json_t *)item);
    json_decref(items);
    if (rc != 0) {
        ctl_client_close(m->c);
        m->c = NULL;
        return -1;
    }
    return 0;
}

/* soak-mon's views: the server's list, the monitor's picture from
 * view.saved / deleted, and the answers of soak_views, all the same (but
 * for names whose last write went unanswered). */
static int views_agree(struct monitor *m, int report)
{
    json_t *items = NULL, *listed = json_object(), *result = NULL;
    const char *name;
    json_t *v;
    size_t i;
    int ok = 1;

    if (soak_request(m->c, "views.list", json_object(), &result) != 0) {
        soak_violation("monitor: views.list at the end: no answer");
        json_decref(listed);
        json_decref(result);
        return 0;
    }
    items = json_object_get(result, "items");
    json_array_foreach(items, i, v) json_object_set(listed, it_str(v, "name"), v);
    if (!json_equal(listed, m->views)) {
        ok = 0;
        if (report)
            soak_violation("monitor: %zu views listed, %zu by its events, not the same",
                           json_object_size(listed), json_object_size(m->views));
    }
    pthread_mutex_lock(&soak.mu);
    json_object_foreach(listed, name, v)
    {
        const json_t *answered = json_object_get(soak.views, name);
        if (json_object_get(soak.views_uncertain, name) || (answered && json_equal(answered, v)))
            continue;
        ok = 0;
        if (report)
            soak_violation("views: \"%s\" listed %s", name,
                           answered ? "other than its last save answered" : "but deleted");
    }
    json_object_foreach(soak.views, name, v) if (!json_object_get(listed, name))
    {
        ok = 0;
        if (report)
            soak_violation("views: \"%s\" saved but not listed", name);
    }
    pthread_mutex_unlock(&soak.mu);
    json_decref(listed);
    json_decref(result);
    return ok;
}

/* At the end, the one connection left is the monitor's, nobody edits
 * anything, and the pictures the events made say the same; retried for
 * a while (closes take a loop turn to be seen).  With report, what
 * differs is a violation. */
static int agrees(struct monitor *m, int report)
{
    json_t *list = NULL, *pres = NULL, *ev;
    int ok = 1;

    while (ctl_client_next_event(m->c, 0, &ev) == 1) {
        apply(m, ev, 0);
        json_decref(ev);
    }
    if (soak_request(m->c, "admin.connections.list", json_object(), &list) != 0 ||
        soak_request(m->c, "presence.list", json_object(), &pres) != 0) {
        soak_violation("monitor: the lists at the end: no answer");
        ok = 0;
    } else {
        size_t n = json_array_size(json_object_get(list, "items"));
        const json_t *only = json_array_get(json_object_get(list, "items"), 0);
        if (n != 1 || strcmp(it_str(only, "user"), "soak-mon") != 0) {
            ok = 0;
            if (report)
                soak_violation("monitor: %zu connections listed with every client gone (%s)", n,
                               it_str(only, "user"));
        }
        if (json_object_size(m->conns) != 1) {
            ok = 0;
            if (report)
                soak_violation("monitor: its events leave %zu connections open, the list %zu",
                               json_object_size(m->conns), n);
        }
        size_t np = json_array_size(json_object_get(pres, "items"));
        if (np || json_object_size(m->presence)) {
            void *first = json_object_iter(m->presence);
            ok = 0;
            if (report)
                soak_violation(
                    "monitor: with every client gone, %zu contracts have editors, "
                    "%zu by its events (one: %s)",
                    np, json_object_size(m->presence),
                    np ? it_str(json_array_get(json_object_get(pres, "items"), 0), "contract_id")
                       : json_object_iter_key(first));
        }
    }
    json_decref(list);
    json_decref(pres);
    return ok && views_agree(m, report);
}

void *soak_monitor(void *arg)
{
    struct monitor m = {NULL, json_object(), json_object(), json_object()};

    (void)arg;
    for (;;) {
        json_t *ev = NULL;
        if (!m.c && start(&m) != 0) {
            if (soak.crash_every > 0 && !atomic_load(&soak.quiet))
                continue;
            break;
        }
        if (atomic_load(&soak.quiet))
            break;
        int rc = ctl_client_next_event(m.c, 200, &ev);
        if (rc == 1) {
            apply(&m, ev, 0);
            json_decref(ev);
        } else if (rc < 0) {
            /* a restart, or too slow a reader (4000), as a desk may be: it
             * starts again from the lists */
            int code = ctl_ws_close_code(ctl_client_ws(m.c));
            if (code == 4000)
                atomic_fetch_add(&soak.n.slow_closes, 1);
            else if (!(soak.crash_every > 0 && code == 1006))
                soak_violation("monitor: the server closed the connection (%d %s)", code,
                               ctl_ws_close_reason(ctl_client_ws(m.c)));
            ctl_client_close(m.c);
            m.c = NULL;
        }
    }
    if (m.c) {
        int64_t give_up = it_now_ms() + QUIET_WAIT_MS;
        while (!agrees(&m, 0) && it_now_ms() < give_up)
            usleep(200000);
        agrees(&m, 1);
        ctl_client_close(m.c);
    }
    json_decref(m.conns);
    json_decref(m.presence);
    json_decref(m.views);
    return NULL;
}
