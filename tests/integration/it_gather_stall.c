/*
 * it_gather_stall: a connection that stops reading while gathered writes
 * (server/session.c) pile up in its socket and in lws's buffer, then reads
 * again: every frame arrives whole and in order — answers bigger than a
 * gathered write between small ones, events without a gap — and when an
 * administrator kicks it meanwhile, the frames lws had taken come whole
 * and the close frame (4002) last.
 */
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "test.h"

#define CONTRACTS 20
#define UPDATES 600
#define DESC_BYTES 8000
#define REQUESTS 30

static json_t *recv_json(struct ctl_ws *ws, int *rc)
{
    char *msg = NULL;
    size_t len = 0;
    *rc = ctl_ws_recv(ws, it_timeout_ms(), &msg, &len);
    if (*rc != 1)
        return NULL;
    json_t *m = json_loadb(msg, len, 0, NULL);
    free(msg);
    return m;
}

/* The editor's updates, answered one by one, while `slow` reads nothing. */
static void edit(struct ctl_client *ed, char ids[][37], json_int_t *versions, int n, int round)
{
    char *desc = malloc(DESC_BYTES + 1);
    for (int i = 0; i < n; i++) {
        int c = i % CONTRACTS;
        memset(desc, 'a' + (i + round) % 26, DESC_BYTES);
        desc[DESC_BYTES] = '\0';
        json_t *up = it_contract_update(ed, ids[c], versions[c],
                                        json_pack("{s:s}", "description", desc), NULL, NULL);
        REQUIRE(up);
        versions[c] = it_int(json_object_get(up, "contract"), "version");
        json_decref(up);
    }
    free(desc);
}

int main(void)
{
    it_setup("it_gather_stall");
    static const char *const args[] = {"--queue-max-events",
                                       "100000",
                                       "--queue-max-bytes",
                                       "268435456",
                                       "--ping-interval",
                                       "1",
                                       NULL};
    struct it_server *srv = it_server_start(args);
    it_create_role_users(srv);

    struct ctl_client *ed = it_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    char ids[CONTRACTS][37];
    json_int_t versions[CONTRACTS];
    char *desc = malloc(1500 + 1);
    memset(desc, 'd', 1500);
    desc[1500] = '\0';
    for (int i = 0; i < CONTRACTS; i++) {
        json_t *c = it_contract_create(ed, json_pack("{s:s}", "description", desc));
        REQUIRE(c);
        snprintf(ids[i], sizeof ids[i], "%s", it_str(c, "id"));
        versions[i] = 1;
        json_decref(c);
    }
    free(desc);

    struct ctl_ws *slow = it_ws_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    it_ws_send(slow, 1, "subscribe", json_object());
    json_t *r = it_ws_response(slow);
    REQUIRE(r && json_is_true(json_object_get(r, "ok")));
    json_int_t head = it_int(json_object_get(r, "result"), "head");
    json_decref(r);

    /* requests whose answers are small (ping) and over 16 KiB (a page of
     * 20 records of ~8 KB after the first edits), none read */
    edit(ed, ids, versions, CONTRACTS, 0);
    for (int k = 0; k < REQUESTS; k++) {
        if (k % 2)
            it_ws_send(slow, 100 + k, "ping", json_object());
        else
            it_ws_send(slow, 100 + k, "contracts.list", json_pack("{s:i}", "limit", CONTRACTS));
    }
    edit(ed, ids, versions, UPDATES - CONTRACTS, 1);
    usleep(300 * 1000);

    int answers[REQUESTS] = {0}, events = 0, rc;
    for (;;) {
        int all = 1;
        for (int k = 0; k < REQUESTS; k++)
            all &= answers[k] == 1;
        if (events == UPDATES && all)
            break;
        json_t *m = recv_json(slow, &rc);
        if (!m) {
            CHECKF(0, "frame %d: rc %d (close %d), not a JSON frame", events, rc,
                   ctl_ws_close_code(slow));
            break;
        }
        if (json_object_get(m, "ok")) {
            json_int_t id = it_int(m, "id");
            CHECKF(id >= 100 && id < 100 + REQUESTS, "answer with id %lld", (long long)id);
            if (id >= 100 && id < 100 + REQUESTS)
                answers[id - 100]++;
            CHECK(json_is_true(json_object_get(m, "ok")));
            if (id % 2 == 0)
                CHECK(json_array_size(json_object_get(json_object_get(m, "result"), "items")) ==
                      CONTRACTS);
        } else {
            json_int_t seq = it_int(m, "seq");
            CHECKF(seq == head + events + 1, "event %d: seq %lld, want %lld", events,
                   (long long)seq, (long long)(head + events + 1));
            if (seq != head + events + 1) {
                json_decref(m);
                break;
            }
            events++;
        }
        json_decref(m);
    }
    for (int k = 0; k < REQUESTS; k++)
        CHECKF(answers[k] == 1, "answer %d came %d times", 100 + k, answers[k]);
    printf("stalled then read: %d events, every answer\n", events);

    /* again, and an administrator kicks it while it does not read */
    head += events;
    edit(ed, ids, versions, UPDATES, 2);
    struct ctl_client *admin = it_login_admin(srv);
    json_int_t sid[4];
    REQUIRE(it_sessions_of(admin, IT_VIEWER_USER, sid, 4) == 1);
    r = it_call(admin, "admin.kick", json_pack("{s:I}", "session", sid[0]), NULL);
    CHECK(r);
    json_decref(r);
    usleep(300 * 1000);
    int got = 0;
    for (;;) {
        json_t *m = recv_json(slow, &rc);
        if (!m)
            break;
        json_int_t seq = it_int(m, "seq");
        CHECKF(seq == head + got + 1, "after the kick, event %d: seq %lld, want %lld", got,
               (long long)seq, (long long)(head + got + 1));
        json_decref(m);
        if (seq != head + got + 1)
            break;
        got++;
    }
    printf("kicked: %d of %d events before the close %d\n", got, UPDATES, ctl_ws_close_code(slow));
    CHECKF(rc == -1 && ctl_ws_close_code(slow) == 4002, "rc %d close %d, want the close 4002", rc,
           ctl_ws_close_code(slow));
    ctl_ws_close(slow, 1000);

    ctl_client_close(admin);
    ctl_client_close(ed);
    CHECK(it_server_stop(srv) == 0);
    return it_done(test_summary());
}
