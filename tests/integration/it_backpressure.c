/*
 * it_backpressure: a slow consumer costs itself a reconnect, never the
 * server its memory and never anyone an event (DESIGN.md §6).
 *
 * pactad runs with a small outbound queue.  A subscribed client stops
 * reading while a writer makes many large edits (9 KB descriptions).  The
 * slow client is closed with 4000; the writer (also subscribed, and
 * reading) is unaffected: every edit acknowledged, every event received.
 * The slow client reconnects with since = the last seq it got and receives
 * exactly the events it missed.
 */
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "test.h"

#define UPDATES 1000
#define DESC_BYTES 9000

int main(void)
{
    it_setup("it_backpressure");
    static const char *const args[] = {"--queue-max-events", "32", "--queue-max-bytes", "131072",
                                       NULL};
    struct it_server *srv = it_server_start(args);
    it_create_role_users(srv);

    struct ctl_client *w = it_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    struct ctl_client *slow = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    json_t *r = it_call(slow, "subscribe", json_object(), NULL);
    REQUIRE(r);
    json_int_t head0 = it_int(r, "head");
    json_decref(r);
    r = it_call(w, "subscribe", json_object(), NULL);
    REQUIRE(r);
    json_decref(r);

    /* The writer writes; the slow client reads nothing meanwhile. */
    json_t *c = it_contract_create(w, NULL);
    REQUIRE(c);
    const char *id = it_str(c, "id");
    json_int_t version = 1;
    char *desc = malloc(DESC_BYTES + 1);
    int acked = 0;
    int64_t t0 = it_now_ms();
    for (int i = 0; i < UPDATES; i++) {
        memset(desc, 'a' + i % 26, DESC_BYTES);
        snprintf(desc, 16, "%06d ", i);
        desc[7] = 'x';
        desc[DESC_BYTES] = '\0';
        json_t *up =
            it_contract_update(w, id, version, json_pack("{s:s}", "description", desc), NULL, NULL);
        if (!up)
            break;
        version = it_int(json_object_get(up, "contract"), "version");
        json_decref(up);
        acked++;
    }
    free(desc);
    printf("writer: %d/%d updates of %d bytes acknowledged in %lld ms\n", acked, UPDATES,
           DESC_BYTES, (long long)(it_now_ms() - t0));
    CHECK(acked == UPDATES);
    json_int_t total = 1 + acked; /* events since head0, and the last version */

    /* The writer got every event, in order, and is still connected.
     * Events are identified by version: the create is version 1, update k
     * makes version k + 1 (seqs increase but need not be consecutive). */
    int wgot = 0;
    json_int_t prev_seq = head0, last_seq = 0;
    for (json_int_t v = 1; v <= total; v++) {
        json_t *ev = it_wait_event(w, NULL, IT_TIMEOUT_MS, NULL);
        json_t *ec = json_object_get(json_object_get(ev, "data"), "contract");
        if (!ev || it_int(ev, "seq") <= prev_seq || it_int(ec, "version") != v) {
            CHECKF(0, "writer's event for version %lld: got seq %lld version %lld", (long long)v,
                   (long long)(ev ? it_int(ev, "seq") : -1), (long long)it_int(ec, "version"));
            json_decref(ev);
            break;
        }
        prev_seq = last_seq = it_int(ev, "seq");
        wgot++;
        json_decref(ev);
    }
    CHECK(wgot == total);
    r = it_call(w, "ping", json_object(), NULL);
    CHECK(r);
    json_decref(r);

    /* The slow client now reads what reached it, then the close. */
    json_int_t last_seen = head0, last_version = 0;
    int in_order = 1, slow_got = 0;
    json_t *ev;
    while ((ev = it_wait_event(slow, NULL, IT_TIMEOUT_MS, NULL))) {
        json_int_t seq = it_int(ev, "seq");
        json_int_t v = it_int(json_object_get(json_object_get(ev, "data"), "contract"), "version");
        if (seq <= last_seen || v != last_version + 1)
            in_order = 0;
        last_seen = seq;
        last_version = v;
        slow_got++;
        json_decref(ev);
    }
    int code = ctl_ws_close_code(ctl_client_ws(slow));
    printf("slow client: %d events (up to version %lld of %lld) before close %d \"%s\"\n", slow_got,
           (long long)last_version, (long long)total, code,
           ctl_ws_close_reason(ctl_client_ws(slow)));
    CHECKF(code == 4000, "slow client closed with %d, want 4000", code);
    CHECKF(last_version < total, "the slow client was never cut off");
    CHECK(in_order);
    ctl_client_close(slow);

    /* It reconnects and catches up from where it was. */
    slow = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    t0 = it_now_ms();
    r = it_call(slow, "subscribe", json_pack("{s:I}", "since", last_seen), NULL);
    REQUIRE(r);
    CHECK(it_int(r, "head") == last_seq);
    json_decref(r);
    int caught = 0;
    json_int_t seq = last_seen;
    for (json_int_t v = last_version + 1; v <= total; v++) {
        ev = it_wait_event(slow, NULL, IT_TIMEOUT_MS, NULL);
        json_t *ec = json_object_get(json_object_get(ev, "data"), "contract");
        int good = ev && it_int(ev, "seq") > seq && strcmp(it_str(ec, "id"), id) == 0 &&
                   it_int(ec, "version") == v;
        CHECKF(good, "replayed event: seq %lld version %lld, want seq > %lld version %lld",
               (long long)it_int(ev, "seq"), (long long)it_int(ec, "version"), (long long)seq,
               (long long)v);
        seq = it_int(ev, "seq");
        json_decref(ev);
        if (!good)
            break;
        caught++;
    }
    printf("slow client caught up %d missed events in %lld ms\n", caught,
           (long long)(it_now_ms() - t0));
    CHECK(caught == total - last_version);
    ev = it_wait_event(slow, NULL, 300, NULL);
    CHECKF(!ev, "extra event after catching up");
    json_decref(ev);
    /* Still a live subscriber. */
    r = it_contract_update(w, id, version, json_pack("{s:s}", "description", "short"), NULL, NULL);
    CHECK(r);
    json_decref(r);
    ev = it_wait_event(slow, NULL, IT_TIMEOUT_MS, NULL);
    CHECK(ev && it_int(ev, "seq") > last_seq &&
          it_int(json_object_get(json_object_get(ev, "data"), "contract"), "version") == total + 1);
    json_decref(ev);

    /* A response larger than the whole event bound (128 KiB here) is not a
     * slow consumer: 30 contracts with 9 KB descriptions make a ~300 KB page,
     * answered whole to a subscribed, reading client. */
    desc = malloc(DESC_BYTES + 1);
    memset(desc, 'p', DESC_BYTES);
    desc[DESC_BYTES] = '\0';
    for (int i = 0; i < 30; i++) {
        json_t *k = it_contract_create(w, json_pack("{s:s}", "description", desc));
        CHECK(k);
        json_decref(k);
    }
    free(desc);
    r = it_call(slow, "contracts.list", json_pack("{s:i}", "limit", 500), NULL);
    CHECKF(r && json_array_size(json_object_get(r, "items")) == 31, "big page: %zu items",
           r ? json_array_size(json_object_get(r, "items")) : 0);
    json_decref(r);
    r = it_call(slow, "ping", json_object(), NULL);
    CHECKF(r, "closed after a big page: %d", ctl_ws_close_code(ctl_client_ws(slow)));
    json_decref(r);

    /* A client that asks for big pages and reads none of the answers: the
     * server stops reading its requests once its answers pass the byte
     * bound, so its queue stays small instead of growing with every request;
     * when it reads again, every request is answered. */
    enum { WAVES = 30, PER_WAVE = 16, ASKS = WAVES * PER_WAVE };
    struct ctl_ws *greedy = ctl_client_ws(slow);
    /* in waves under the 64-in-flight cap, so every wave is answered (queued) */
    for (int i = 0; i < ASKS; i++) {
        char req[96];
        int n =
            snprintf(req, sizeof req,
                     "{\"id\":%d,\"op\":\"contracts.list\",\"args\":{\"limit\":500}}", 100000 + i);
        if (ctl_ws_send_frame(greedy, 1, 1, req, (size_t)n) != 0)
            break;
        if (i % PER_WAVE == PER_WAVE - 1)
            usleep(60 * 1000);
    }
    usleep(1000 * 1000);
    struct ctl_client *adm = it_login_admin(srv);
    json_t *conns = it_call(adm, "admin.connections.list", json_object(), NULL);
    json_int_t worst = 0;
    size_t ci;
    json_t *conn;
    json_array_foreach(json_object_get(conns, "items"), ci,
                       conn) if (it_int(conn, "queue_depth") > worst) worst =
        it_int(conn, "queue_depth");
    json_decref(conns);
    ctl_client_close(adm);
    printf("%d big-page requests unread: deepest server queue %lld messages\n", ASKS,
           (long long)worst);
    CHECKF(worst < 80, "the server kept queueing answers nobody reads (%lld)", (long long)worst);
    int answered = 0;
    for (int i = 0; i < ASKS; i++) {
        char *msg = NULL;
        size_t len;
        if (ctl_ws_recv(greedy, IT_TIMEOUT_MS, &msg, &len) != 1)
            break;
        /* ok, or rate_limited when the resumed requests arrive in a burst */
        answered += strstr(msg, "\"id\":1") != NULL;
        free(msg);
    }
    CHECKF(answered == ASKS, "%d of %d answered once the client read again", answered, ASKS);

    ctl_client_close(slow);
    ctl_client_close(w);
    json_decref(c);
    return it_done(test_summary());
}
