/*
 * it_gather: what one loop turn queues for a connection leaves in one write
 * (server/session.c), and every frame still arrives whole and in order.
 *
 * Four editors each send 50 version-checked updates without waiting (the
 * writer commits them in a few batches, so each broadcast carries many
 * events), while a subscriber asks for a list page of 200 contracts (an
 * answer over 64 KiB: the 8-byte length of RFC 6455 and a frame too large
 * to gather, between gathered ones).  Checked:
 *  - the subscriber gets every event exactly once, seq without a gap, and
 *    the page whole;
 *  - each editor gets its 50 answers in the order it asked, each ok;
 *  - /metrics: fewer socket writes than frames sent (frames were gathered).
 */
#include <string.h>

#include "harness.h"
#include "test.h"

#define EDITORS 4
#define EACH 50
#define N (EDITORS * EACH)

int main(void)
{
    it_setup("it_gather");
    struct it_server *srv = it_server_start(NULL);
    it_create_role_users(srv);

    struct ctl_client *ed = it_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    char ids[N][37];
    for (int i = 0; i < N; i++) {
        json_t *c = it_contract_create(ed, json_pack("{s:s}", "description",
                                                     "A description long enough that every "
                                                     "event is a frame of its own size."));
        REQUIRE(c);
        snprintf(ids[i], sizeof ids[i], "%s", it_str(c, "id"));
        json_decref(c);
    }

    struct ctl_ws *sub = it_ws_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    it_ws_send(sub, 1, "subscribe", json_object());
    json_t *r = it_ws_response(sub);
    REQUIRE(r && json_is_true(json_object_get(r, "ok")));
    json_int_t head = it_int(json_object_get(r, "result"), "head");
    json_decref(r);

    struct ctl_ws *w[EDITORS];
    for (int e = 0; e < EDITORS; e++)
        w[e] = it_ws_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    long msgs0 = it_metric(srv, "pacta_messages_out_total");
    long writes0 = it_metric(srv, "pacta_socket_writes_total");
    REQUIRE(msgs0 > 0 && writes0 > 0);

    /* every editor's 50 updates, then the page, all before reading anything */
    for (int k = 0; k < EACH; k++)
        for (int e = 0; e < EDITORS; e++)
            it_ws_send(w[e], k + 1, "contracts.update",
                       json_pack("{s:s,s:i,s:{s:I}}", "id", ids[e * EACH + k], "version", 1,
                                 "changes", "amount_cents", (json_int_t)(1000 + e * EACH + k)));
    it_ws_send(sub, 2, "contracts.list", json_pack("{s:i}", "limit", N));

    for (int e = 0; e < EDITORS; e++)
        for (int k = 0; k < EACH; k++) {
            r = it_ws_response(w[e]);
            REQUIRE(r);
            CHECK(it_int(r, "id") == k + 1);
            CHECKF(json_is_true(json_object_get(r, "ok")), "update %d of editor %d: %s", k + 1, e,
                   it_err_code(json_object_get(r, "error")));
            json_decref(r);
        }

    /* the subscriber: N events in seq order and the page, in any order */
    int seen[N] = {0}, events = 0, page = 0;
    size_t page_len = 0;
    while (events < N || !page) {
        char *msg = NULL;
        size_t len = 0;
        REQUIRE(ctl_ws_recv(sub, it_timeout_ms(), &msg, &len) == 1);
        json_t *m = json_loadb(msg, len, 0, NULL);
        free(msg);
        REQUIRE(json_is_object(m));
        if (json_object_get(m, "ok")) {
            CHECK(it_int(m, "id") == 2);
            json_t *items = json_object_get(json_object_get(m, "result"), "items");
            CHECK(json_array_size(items) == N);
            page = 1;
            page_len = len;
        } else {
            CHECK(strcmp(it_str(m, "event"), "contract.updated") == 0);
            CHECK(it_int(m, "seq") == head + events + 1); /* no gap, no repeat */
            const char *id = it_str(json_object_get(json_object_get(m, "data"), "contract"), "id");
            for (int i = 0; id && i < N; i++)
                if (strcmp(ids[i], id) == 0)
                    seen[i]++;
            events++;
        }
        json_decref(m);
    }
    for (int i = 0; i < N; i++)
        CHECK(seen[i] == 1);
    CHECK(page_len > 65535); /* the frame with an 8-byte length */

    long msgs = it_metric(srv, "pacta_messages_out_total") - msgs0;
    long writes = it_metric(srv, "pacta_socket_writes_total") - writes0;
    printf("%ld frames in %ld socket writes\n", msgs, writes);
    CHECK(msgs >= 2 * N + 1);
    CHECK(writes > 0 && writes < msgs);

    for (int e = 0; e < EDITORS; e++)
        ctl_ws_close(w[e], 1000);
    ctl_ws_close(sub, 1000);
    ctl_client_close(ed);
    CHECK(it_server_stop(srv) == 0);
    return it_done(test_summary());
}
