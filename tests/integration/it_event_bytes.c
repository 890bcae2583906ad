/*
 * it_event_bytes: what a live subscriber receives is byte-for-byte what a
 * replay of the same events sends (PROTOCOL.md: the change log keeps the
 * event's data as sent), and both are the compact encoding of the event.
 *
 * The writer serializes each event once (db_write.c srv__append_change):
 * the same text goes into the change log and, wrapped in its envelope,
 * to live subscribers (subscribe.c event_msg).  A raw websocket subscribes
 * live, a second one replays with since = the head before; creates, updates
 * (text with quotes, backslashes, newlines and non-ASCII; a reason on an
 * active contract; dates to null) and a delete must arrive as identical
 * frames on both, each equal to json_dumps(JSON_COMPACT) of itself parsed.
 */
#include <string.h>

#include "harness.h"
#include "test.h"

#define MAX_FRAMES 16

static struct ctl_ws *raw_login(const struct it_server *srv, const char *token)
{
    struct ctl_ws *ws = it_ws_connect(srv);
    char buf[512];
    int n = snprintf(buf, sizeof buf,
                     "{\"id\":1,\"op\":\"auth.resume\",\"args\":{\"token\":\"%s\"}}", token);
    REQUIRE(ctl_ws_send_text(ws, buf, (size_t)n) == 0);
    char *msg = NULL;
    size_t len;
    REQUIRE(ctl_ws_recv(ws, IT_TIMEOUT_MS, &msg, &len) == 1);
    CHECKF(strstr(msg, "\"ok\":true") != NULL, "%s", msg);
    free(msg);
    return ws;
}

/* Receives until `n` event frames came (responses are skipped). */
/* contracts.update that must succeed; prints the error if not. */
static void update(struct ctl_client *c, const char *id, json_int_t version, json_t *changes,
                   const char *reason)
{
    json_t *err = NULL;
    json_t *r = it_contract_update(c, id, version, changes, reason, &err);
    char *text = err ? json_dumps(err, JSON_COMPACT) : NULL;
    CHECKF(r != NULL, "update to version %lld: %s", (long long)version + 1, text ? text : "?");
    free(text);
    json_decref(err);
    json_decref(r);
}

static int recv_events(struct ctl_ws *ws, char **frames, int n)
{
    int got = 0;
    while (got < n) {
        char *msg = NULL;
        size_t len = 0;
        if (ctl_ws_recv(ws, IT_TIMEOUT_MS, &msg, &len) != 1)
            break;
        if (strncmp(msg, "{\"event\":", 9) == 0)
            frames[got++] = msg;
        else
            free(msg);
    }
    return got;
}

/* The frame is its own compact encoding (members in the order sent). */
static int canonical(const char *frame)
{
    json_t *v = json_loads(frame, 0, NULL);
    char *again = v ? json_dumps(v, JSON_COMPACT) : NULL;
    int ok = again && strcmp(again, frame) == 0;
    if (!ok)
        fprintf(stderr, "  frame:   %s\n  encoded: %s\n", frame, again ? again : "(unparsable)");
    free(again);
    json_decref(v);
    return ok;
}

int main(void)
{
    it_setup("it_event_bytes");
    struct it_server *srv = it_server_start(NULL);
    struct ctl_client *admin = it_login_admin(srv);
    json_t *login =
        it_call(admin, "auth.login",
                json_pack("{s:s, s:s}", "username", "admin", "password", IT_ADMIN_PASSWORD), NULL);
    REQUIRE(login);
    const char *token = it_str(login, "token");

    json_t *head = it_call(admin, "subscribe", json_object(), NULL);
    REQUIRE(head);
    json_int_t since = it_int(head, "head");
    json_decref(head);
    json_decref(it_call(admin, "unsubscribe", json_object(), NULL));

    struct ctl_ws *live = raw_login(srv, token);
    const char *sub = "{\"id\":2,\"op\":\"subscribe\",\"args\":{}}";
    REQUIRE(ctl_ws_send_text(live, sub, strlen(sub)) == 0);
    char *msg = NULL;
    size_t len;
    REQUIRE(ctl_ws_recv(live, IT_TIMEOUT_MS, &msg, &len) == 1);
    CHECKF(strstr(msg, "\"ok\":true") != NULL, "%s", msg);
    free(msg);

    /* the writes: 6 events */
    json_t *c =
        it_contract_create(admin, json_pack("{s:s, s:s}", "title", "Wartung \"Nord\" \\ Süd",
                                            "description", "line one\nline two\tand € and 漢字"));
    REQUIRE(c);
    const char *id = it_str(c, "id");
    update(admin, id, 1,
           json_pack("{s:I, s:s, s:s}", "amount_cents", (json_int_t)4200, "end_date", "2027-06-30",
                     "start_date", "2026-01-01"),
           NULL);
    update(admin, id, 2, json_pack("{s:s}", "status", "active"), NULL);
    update(admin, id, 3, json_pack("{s:n, s:s}", "end_date", "counterparty", "Ünïcode & \"Co\""),
           "Vertrag \"verlängert\" \\ bis 2028");
    update(admin, id, 4, json_pack("{s:i}", "notice_days", 30), "kürzer");
    json_t *err = NULL, *r;
    r = it_call(admin, "contracts.delete",
                json_pack("{s:s, s:i, s:s}", "id", id, "version", 5, "reason", "gone"), &err);
    CHECK(r);
    json_decref(r);

    char *got_live[MAX_FRAMES] = {0}, *got_replay[MAX_FRAMES] = {0};
    int nlive = recv_events(live, got_live, 6);
    CHECKF(nlive == 6, "%d live events", nlive);

    struct ctl_ws *replay = raw_login(srv, token);
    char req[128];
    int n = snprintf(req, sizeof req, "{\"id\":3,\"op\":\"subscribe\",\"args\":{\"since\":%lld}}",
                     (long long)since);
    REQUIRE(ctl_ws_send_text(replay, req, (size_t)n) == 0);
    int nreplay = recv_events(replay, got_replay, 6);
    CHECKF(nreplay == 6, "%d replayed events", nreplay);

    for (int i = 0; i < nlive && i < nreplay; i++) {
        CHECKF(strcmp(got_live[i], got_replay[i]) == 0,
               "event %d differs:\n  live:   %s\n  replay: %s", i, got_live[i], got_replay[i]);
        CHECKF(canonical(got_live[i]), "event %d is not its compact encoding", i);
    }
    CHECK(nlive > 3 && strstr(got_live[3], "verl\xc3\xa4ngert") != NULL);
    for (int i = 0; i < MAX_FRAMES; i++) {
        free(got_live[i]);
        free(got_replay[i]);
    }
    ctl_ws_close(live, 1000);
    ctl_ws_close(replay, 1000);
    json_decref(c);
    json_decref(login);
    ctl_client_close(admin);
    CHECK(it_server_stop(srv) == 0);
    return it_done(test_summary());
}
