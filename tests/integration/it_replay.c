/*
 * it_replay: subscribe {since} delivers every missed event once, in order,
 * then live events with no gap and no duplicate at the switch (DESIGN.md §4).
 *
 *  1. since=0 on a fresh server replays the whole log (here: empty, head 0).
 *  2. A subscriber leaves; 50 events happen; it comes back with since = the
 *     last seq it saw and gets exactly those 50 (names, ids, versions, in
 *     increasing seq order), then the next live event, and nothing more.
 *  3. A subscriber joins with an old since while a writer is writing: it
 *     receives every event after since exactly once, in order.
 *  4. since=0 replays everything; since > head -> bad_request field since.
 *  5. A client that sends subscribe {since:0} 400 times without waiting
 *     gets 400 answers and then the whole log once, in order, from the last
 *     one; the earlier ones' replays are not all read (pactad keeps one
 *     replay read per connection in its pool: 400 were 400 page reads,
 *     pacta_replay_pages_total).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>
#include <string.h>

#include "harness.h"
#include "test.h"

#define MISSED 50
#define RACE_WRITES 150
#define MAX_EVENTS 400

/* Every write of the test, in commit order (all writes are serial), and
 * the seq each got once a subscriber saw it (0 until then).  PROTOCOL.md §9:
 * seqs increase but need not be consecutive, so events are identified by
 * (name, contract id, version). */
struct expect {
    char event[32];
    char id[40];
    json_int_t version;
    json_int_t seq;
};
static struct expect all[MAX_EVENTS];
static int nall;

static void record(const char *event, const char *id, json_int_t version)
{
    if (nall == MAX_EVENTS)
        return;
    snprintf(all[nall].event, sizeof all[nall].event, "%s", event);
    snprintf(all[nall].id, sizeof all[nall].id, "%s", id);
    all[nall].version = version;
    nall++;
}

/*
 * Receives n events and checks they are all[from..from+n-1], in order, with
 * seqs increasing from after_seq (a gap, duplicate or reordering fails).
 * Learns or checks each one's seq.  Returns how many matched.
 */
static int expect_events(struct ctl_client *c, int from, int n, json_int_t after_seq)
{
    int ok = 0;
    json_int_t prev = after_seq;
    for (int i = 0; i < n; i++) {
        struct expect *e = &all[from + i];
        json_t *ev = it_wait_event(c, NULL, IT_TIMEOUT_MS, NULL);
        if (!ev) {
            CHECKF(0, "event %d of %d did not arrive", i + 1, n);
            return ok;
        }
        json_t *contract = json_object_get(json_object_get(ev, "data"), "contract");
        json_int_t seq = it_int(ev, "seq");
        int good = seq > prev && (!e->seq || e->seq == seq) &&
                   strcmp(it_str(ev, "event"), e->event) == 0 &&
                   strcmp(it_str(contract, "id"), e->id) == 0 &&
                   it_int(contract, "version") == e->version;
        CHECKF(good, "event %d: got seq %lld %s %s v%lld, want seq > %lld %s %s v%lld", i,
               (long long)seq, it_str(ev, "event"), it_str(contract, "id"),
               (long long)it_int(contract, "version"), (long long)prev, e->event, e->id,
               (long long)e->version);
        if (good)
            e->seq = seq;
        prev = seq;
        ok += good;
        json_decref(ev);
        if (!good)
            break;
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

/* Runs while the main thread subscribes; the only thread that records
 * meanwhile (the main thread reads `all` after joining it). */
static void *writer_main(void *arg)
{
    struct writer *w = arg;
    for (int i = 0; i < RACE_WRITES; i++) {
        json_t *r =
            it_contract_update(w->c, w->id, w->version,
                               json_pack("{s:I}", "notice_days", (json_int_t)(1 + i)), NULL, NULL);
        if (!r)
            break;
        w->version = it_int(json_object_get(r, "contract"), "version");
        record("contract.updated", w->id, w->version);
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

    /* 1. fresh server: since=0 is valid and replays nothing. */
    struct ctl_client *sub = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    json_int_t head = subscribe(sub, 0);
    CHECKF(head == 0, "fresh head %lld", (long long)head);
    json_t *c0 = it_contract_create(ed, NULL);
    REQUIRE(c0);
    record("contract.created", it_str(c0, "id"), 1);
    CHECK(expect_events(sub, 0, 1, head) == 1);
    json_int_t last_seen = all[0].seq;
    ctl_client_close(sub);

    /* 2. 50 events while away: creates and updates interleaved. */
    char cur_id[40] = "";
    json_int_t cur_version = 0;
    for (int i = 0; i < MISSED; i++) {
        if (i % 5 == 0) {
            json_t *c = it_contract_create(ed, NULL);
            REQUIRE(c);
            snprintf(cur_id, sizeof cur_id, "%s", it_str(c, "id"));
            cur_version = 1;
            record("contract.created", cur_id, cur_version);
            json_decref(c);
        } else {
            char title[64];
            snprintf(title, sizeof title, "Title %d", i);
            json_t *r = it_contract_update(ed, cur_id, cur_version,
                                           json_pack("{s:s}", "title", title), NULL, NULL);
            REQUIRE(r);
            cur_version++;
            record("contract.updated", cur_id, cur_version);
            json_decref(r);
        }
    }
    sub = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    int64_t t0 = it_now_ms();
    head = subscribe(sub, last_seen);
    int got = expect_events(sub, 1, MISSED, last_seen);
    printf("replayed %d/%d missed events in %lld ms\n", got, MISSED, (long long)(it_now_ms() - t0));
    CHECK(got == MISSED);
    CHECKF(head == all[MISSED].seq, "head %lld, last missed event seq %lld", (long long)head,
           (long long)all[MISSED].seq);
    /* Then live, no duplicate. */
    json_t *r = it_contract_update(ed, cur_id, cur_version, json_pack("{s:s}", "title", "Live"),
                                   NULL, NULL);
    REQUIRE(r);
    cur_version++;
    record("contract.updated", cur_id, cur_version);
    json_decref(r);
    CHECK(expect_events(sub, nall - 1, 1, head) == 1);
    json_t *ev = it_wait_event(sub, NULL, 300, NULL);
    CHECKF(!ev, "duplicate or extra event seq %lld", (long long)it_int(ev, "seq"));
    json_decref(ev);
    ctl_client_close(sub);

    /* 3. Subscribe with an old since while a writer writes: the switch from
     * replay to live happens mid-stream. */
    struct writer w = {.c = it_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD),
                       .version = cur_version};
    snprintf(w.id, sizeof w.id, "%s", cur_id);
    sub = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    int before = nall;
    pthread_t th;
    REQUIRE(pthread_create(&th, NULL, writer_main, &w) == 0);
    for (int i = 0; i < 2000 && atomic_load(&w.done) < 10; i++)
        usleep(5000);
    json_int_t since = all[2].seq;
    head = subscribe(sub, since);
    pthread_join(th, NULL);
    CHECKF(w.done == RACE_WRITES, "writer did %d of %d", w.done, RACE_WRITES);
    got = expect_events(sub, 3, nall - 3, since);
    printf("switch under load: subscribed at head %lld, received %d/%d events in order\n",
           (long long)head, got, nall - 3);
    CHECK(got == nall - 3);
    CHECK(head >= all[before - 1].seq && head <= all[nall - 1].seq);
    ev = it_wait_event(sub, NULL, 300, NULL);
    CHECKF(!ev, "extra event seq %lld", (long long)it_int(ev, "seq"));
    json_decref(ev);
    ctl_client_close(sub);
    ctl_client_close(w.c);

    /* 4. since=0 replays the whole log; since > head is rejected. */
    sub = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    head = subscribe(sub, 0);
    CHECKF(head == all[nall - 1].seq, "head %lld, last seq %lld", (long long)head,
           (long long)all[nall - 1].seq);
    got = expect_events(sub, 0, nall, 0);
    CHECK(got == nall);
    json_t *err = it_call_err(sub, "subscribe", json_pack("{s:I}", "since", head + 1));
    CHECK_STR(it_err_code(err), "bad_request");
    CHECK_STR(it_err_field(err), "since");
    json_decref(err);
    err = it_call_err(sub, "subscribe", json_pack("{s:I}", "since", (json_int_t)-1));
    CHECK_STR(it_err_code(err), "bad_request");
    CHECK_STR(it_err_field(err), "since");
    json_decref(err);
    /* The connection stays usable after the errors. */
    r = it_call(sub, "ping", json_object(), NULL);
    CHECK(r);
    json_decref(r);
    ctl_client_close(sub);

    /* 5. subscribe repeated without waiting */
    long pages0 = it_metric(srv, "pacta_replay_pages_total");
    REQUIRE(pages0 >= 0);
    struct ctl_ws *ws = it_ws_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    for (int i = 1; i <= 400; i++) {
        char req[96];
        int n =
            snprintf(req, sizeof req, "{\"id\":%d,\"op\":\"subscribe\",\"args\":{\"since\":0}}", i);
        REQUIRE(ctl_ws_send_text(ws, req, (size_t)n) == 0);
    }
    int answers = 0, after_last = 0, in_order = 1;
    json_int_t prev = 0;
    while (answers < 400 || after_last < nall) {
        char *msg = NULL;
        size_t len = 0;
        if (ctl_ws_recv(ws, IT_TIMEOUT_MS, &msg, &len) != 1)
            break;
        json_t *m = json_loadb(msg, len, 0, NULL);
        free(msg);
        if (json_object_get(m, "ok")) {
            CHECK(json_is_true(json_object_get(m, "ok")));
            answers++;
        } else if (answers == 400) { /* the last subscription's replay */
            json_int_t seq = it_int(m, "seq");
            in_order &= seq == all[after_last].seq && seq > prev;
            prev = seq;
            after_last++;
        }
        json_decref(m);
    }
    CHECKF(answers == 400 && after_last == nall && in_order,
           "%d answers, then %d of %d events (in order: %d)", answers, after_last, nall, in_order);
    long pages = it_metric(srv, "pacta_replay_pages_total") - pages0;
    printf("400 subscribes: %ld replay pages read\n", pages);
    CHECKF(pages >= 1 && pages < 200, "%ld replay pages for 400 subscribes", pages);
    ctl_ws_close(ws, 1000);

    json_decref(c0);
    ctl_client_close(ed);
    return it_done(test_summary());
}
