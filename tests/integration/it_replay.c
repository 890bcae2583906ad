/*
 * it_replay: subscribe {since} delivers every missed event once, in order,
 * then live events with no gap and no duplicate at the switch (DESIGN.md §4).
 *
 *  1. since=0 on a fresh server replays the whole log (here: empty, head 0).
 *  2. A subscriber leaves; 50 events happen; it comes back with since = the
 *     last seq it saw and gets exactly those 50 (seqs, names, ids,
 *     versions), then the next live event, and nothing more.
 *  3. A subscriber joins with an old since while a writer is writing: the
 *     seqs it receives are contiguous up to the writer's last event.
 *  4. since=0 replays everything; since > head -> bad_request field since.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>
#include <string.h>

#include "harness.h"
#include "test.h"

#define MISSED 50
#define RACE_WRITES 150

struct expect {
    char event[32];
    char id[40];
    json_int_t version;
};

/* Receives n events and checks they are seq first..first+n-1 matching
 * exp[0..n-1] (exp may be NULL: seqs only).  Returns how many matched. */
static int expect_events(struct ctl_client *c, json_int_t first, int n, const struct expect *exp)
{
    int ok = 0;
    for (int i = 0; i < n; i++) {
        json_t *ev = it_wait_event(c, NULL, IT_TIMEOUT_MS, NULL);
        if (!ev) {
            CHECKF(0, "event %d of %d did not arrive", i + 1, n);
            return ok;
        }
        json_t *contract = json_object_get(json_object_get(ev, "data"), "contract");
        int good = it_int(ev, "seq") == first + i;
        if (exp)
            good = good && strcmp(it_str(ev, "event"), exp[i].event) == 0 &&
                   strcmp(it_str(contract, "id"), exp[i].id) == 0 &&
                   it_int(contract, "version") == exp[i].version;
        CHECKF(good, "event %d: got seq %lld %s %s v%lld, want seq %lld %s %s v%lld", i,
               (long long)it_int(ev, "seq"), it_str(ev, "event"), it_str(contract, "id"),
               (long long)it_int(contract, "version"), (long long)(first + i),
               exp ? exp[i].event : "?", exp ? exp[i].id : "?",
               (long long)(exp ? exp[i].version : 0));
        ok += good;
        json_decref(ev);
    }
    return ok;
}

static json_int_t subscribe(struct ctl_client *c, json_int_t since)
{
    json_t *args = since >= 0 ? json_pack("{s:I}", "since", since) : json_object();
    json_t *r = it_call(c, "subscribe", args, NULL);
    json_int_t head = r ? it_int(r, "head") : -1;
    json_decref(r);
    return head;
}

struct writer {
    struct ctl_client *c;
    char id[40];
    json_int_t version;
    atomic_int done;
};

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    for (int i = 0; i < RACE_WRITES; i++) {
        json_t *r = it_contract_update(
            w->c, w->id, w->version, json_pack("{s:I}", "notice_days", (json_int_t)(1 + i % 3000)),
            NULL, NULL);
        if (!r)
            break;
        w->version = it_int(json_object_get(r, "contract"), "version");
        json_decref(r);
        w->done++;
    }
    return NULL;
}

int main(void)
{
    it_setup("it_replay");
    struct it_server *srv = it_server_start(NULL);
    it_create_role_users(srv);
    struct ctl_client *ed = it_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    int writes = 0; /* every write below makes exactly one event */

    /* 1. fresh server: since=0 is valid and replays nothing. */
    struct ctl_client *sub = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    json_int_t head = subscribe(sub, 0);
    CHECKF(head == 0, "fresh head %lld", (long long)head);
    json_t *c0 = it_contract_create(ed, NULL);
    REQUIRE(c0);
    writes++;
    json_t *ev = it_wait_event(sub, NULL, IT_TIMEOUT_MS, NULL);
    REQUIRE(ev);
    json_int_t last_seen = it_int(ev, "seq");
    CHECK(last_seen == head + 1);
    json_decref(ev);
    ctl_client_close(sub);

    /* 2. 50 events while away: creates and updates interleaved. */
    struct expect exp[MISSED];
    char cur_id[40] = "";
    json_int_t cur_version = 0;
    for (int i = 0; i < MISSED; i++) {
        if (i % 5 == 0) {
            json_t *c = it_contract_create(ed, NULL);
            REQUIRE(c);
            snprintf(cur_id, sizeof cur_id, "%s", it_str(c, "id"));
            cur_version = 1;
            snprintf(exp[i].event, sizeof exp[i].event, "contract.created");
            json_decref(c);
        } else {
            char title[64];
            snprintf(title, sizeof title, "Title %d", i);
            json_t *r = it_contract_update(ed, cur_id, cur_version,
                                           json_pack("{s:s}", "title", title), NULL, NULL);
            REQUIRE(r);
            cur_version++;
            snprintf(exp[i].event, sizeof exp[i].event, "contract.updated");
            json_decref(r);
        }
        snprintf(exp[i].id, sizeof exp[i].id, "%s", cur_id);
        exp[i].version = cur_version;
        writes++;
    }
    sub = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    int64_t t0 = it_now_ms();
    head = subscribe(sub, last_seen);
    CHECKF(head == last_seen + MISSED, "head %lld", (long long)head);
    int got = expect_events(sub, last_seen + 1, MISSED, exp);
    printf("replayed %d/%d missed events in %lld ms\n", got, MISSED, (long long)(it_now_ms() - t0));
    CHECK(got == MISSED);
    /* Then live, no duplicate. */
    json_t *r = it_contract_update(ed, cur_id, cur_version, json_pack("{s:s}", "title", "Live"),
                                   NULL, NULL);
    REQUIRE(r);
    cur_version++;
    writes++;
    json_decref(r);
    ev = it_wait_event(sub, NULL, IT_TIMEOUT_MS, NULL);
    CHECK(ev && it_int(ev, "seq") == head + 1 &&
          it_int(json_object_get(json_object_get(ev, "data"), "contract"), "version") ==
              cur_version);
    json_decref(ev);
    ev = it_wait_event(sub, NULL, 300, NULL);
    CHECKF(!ev, "duplicate or extra event seq %lld", (long long)it_int(ev, "seq"));
    json_decref(ev);
    ctl_client_close(sub);

    /* 3. Subscribe with an old since while a writer writes. */
    struct writer w = {.c = it_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD),
                       .version = cur_version};
    snprintf(w.id, sizeof w.id, "%s", cur_id);
    sub = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    json_int_t base = writes;
    pthread_t th;
    REQUIRE(pthread_create(&th, NULL, writer_main, &w) == 0);
    /* Let the writer get going so the switch happens mid-stream. */
    for (int i = 0; i < 2000 && atomic_load(&w.done) < 10; i++)
        usleep(5000);
    json_int_t since = 3;
    head = subscribe(sub, since);
    pthread_join(th, NULL);
    CHECKF(w.done == RACE_WRITES, "writer did %d of %d", w.done, RACE_WRITES);
    writes += w.done;
    CHECK(head >= base && head <= writes);
    got = expect_events(sub, since + 1, (int)(writes - since), NULL);
    printf("switch under load: head at subscribe %lld, got %d/%lld contiguous\n", (long long)head,
           got, (long long)(writes - since));
    CHECK(got == writes - since);
    ev = it_wait_event(sub, NULL, 300, NULL);
    CHECKF(!ev, "extra event seq %lld", (long long)it_int(ev, "seq"));
    json_decref(ev);
    ctl_client_close(sub);
    ctl_client_close(w.c);

    /* 4. since=0 replays the whole log; since > head is rejected. */
    sub = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    head = subscribe(sub, 0);
    CHECKF(head == writes, "head %lld, writes %d", (long long)head, writes);
    got = expect_events(sub, 1, writes, NULL);
    CHECK(got == writes);
    json_t *err = it_call_err(sub, "subscribe", json_pack("{s:I}", "since", head + 1));
    CHECK_STR(it_err_code(err), "bad_request");
    CHECK_STR(it_err_field(err), "since");
    json_decref(err);
    err = it_call_err(sub, "subscribe", json_pack("{s:I}", "since", (json_int_t)-1));
    CHECK_STR(it_err_code(err), "bad_request");
    json_decref(err);
    ctl_client_close(sub);

    json_decref(c0);
    ctl_client_close(ed);
    return it_done(test_summary());
}
