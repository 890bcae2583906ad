/*
 * it_update_review: contracts.update over the wire, as the writer now
 * answers it (the result's text made on the writer with the event's
 * payload, srv__respond_ok_text around it; db_contract_row.c), held to
 * PROTOCOL.md and to what a re-read sends, byte for byte:
 *
 *  - the answer is its own compact encoding and echoes a string id with
 *    quotes, a backslash and non-ASCII, and the largest integer id (§2.1);
 *  - its contract is byte-for-byte what contracts.get sends next, and what
 *    the live event and a replay from `since` carry (§5, §7, §9);
 *  - the derived members are for the server zone's day (--timezone
 *    Pacific/Kiritimati, UTC+14: 12:34Z on 11-22 is 11-23 there) and the
 *    stamps are the test clock's time to the millisecond (§4), also at the
 *    end of a leap day;
 *  - an active contract's supplements have the reason and the server's UTC
 *    day (§6.9), a no-op is ok without a reason, and a stale version is
 *    `conflict` with `current` byte-for-byte what contracts.get sends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "test.h"

#define MAX_EVENTS 32

struct conn {
    struct ctl_ws *ws;
    char *events[MAX_EVENTS];
    int nevents;
};

/* Sends text; returns the answer's raw text (malloc'd), keeping the events met. */
static char *request(struct conn *c, const char *text)
{
    REQUIRE(ctl_ws_send_text(c->ws, text, strlen(text)) == 0);
    for (;;) {
        char *msg = NULL;
        size_t len = 0;
        if (ctl_ws_recv(c->ws, IT_TIMEOUT_MS, &msg, &len) != 1)
            return NULL;
        if (strncmp(msg, "{\"event\":", 9) == 0 && strstr(msg, "\"seq\":") &&
            c->nevents < MAX_EVENTS) {
            c->events[c->nevents++] = msg;
            continue;
        }
        if (strstr(msg, "\"ok\":"))
            return msg;
        free(msg);
    }
}

/* Waits for durable events (server.day has no seq) until there are n. */
static void wait_events(struct conn *c, int n)
{
    while (c->nevents < n) {
        char *msg = NULL;
        size_t len = 0;
        if (ctl_ws_recv(c->ws, IT_TIMEOUT_MS, &msg, &len) != 1)
            return;
        if (strncmp(msg, "{\"event\":", 9) == 0 && strstr(msg, "\"seq\":") &&
            c->nevents < MAX_EVENTS)
            c->events[c->nevents++] = msg;
        else
            free(msg);
    }
}

static char *dump(const json_t *v)
{
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* The text is its own compact encoding (as jansson would write it). */
static int canonical(const char *text)
{
    json_t *v = json_loads(text, 0, NULL);
    char *again = v ? dump(v) : NULL;
    int ok = again && strcmp(again, text) == 0;
    if (!ok)
        fprintf(stderr, "  text:    %s\n  encoded: %s\n", text, again ? again : "(unparsable)");
    free(again);
    json_decref(v);
    return ok;
}

/* json_dumps of member path a[.b[.c]] of the message text. */
static char *member_text(const char *text, const char *a, const char *b, const char *c)
{
    json_t *v = json_loads(text, 0, NULL);
    const json_t *m = json_object_get(v, a);
    if (b)
        m = json_object_get(m, b);
    if (c)
        m = json_object_get(m, c);
    char *out = m ? dump(m) : NULL;
    json_decref(v);
    return out;
}

static char *get_contract(struct conn *c, const char *id)
{
    char req[160];
    snprintf(req, sizeof req, "{\"id\":90,\"op\":\"contracts.get\",\"args\":{\"id\":\"%s\"}}", id);
    char *answer = request(c, req);
    REQUIRE(answer);
    char *rec = member_text(answer, "result", "contract", NULL);
    free(answer);
    return rec;
}

static void clock_set(struct conn *c, const char *now)
{
    char req[160];
    snprintf(req, sizeof req, "{\"id\":91,\"op\":\"admin.clock.set\",\"args\":{\"now\":\"%s\"}}",
             now);
    char *answer = request(c, req);
    CHECKF(answer && strstr(answer, "\"ok\":true"), "clock %s: %s", now, answer ? answer : "");
    free(answer);
}

/* The update's answer, checked against contracts.get and the live event. */
static char *update(struct conn *c, const char *idtext, const char *id, const char *args_tail,
                    const char *what)
{
    char req[1024];
    snprintf(req, sizeof req, "{\"id\":%s,\"op\":\"contracts.update\",\"args\":{\"id\":\"%s\",%s}}",
             idtext, id, args_tail);
    char *answer = request(c, req);
    REQUIRE(answer);
    CHECKF(canonical(answer), "%s: the answer is not its compact encoding", what);
    return answer;
}

int main(void)
{
    it_setup("it_update_review");
    /* logins that outlive the clock's jump to 2028 */
    const char *args[] = {"--fake-now",
                          "2026-11-22T12:00:00Z",
                          "--timezone",
                          "Pacific/Kiritimati",
                          "--session-ttl",
                          "315360000",
                          NULL};
    struct it_server *srv = it_server_start(args);
    struct conn author = {.ws = it_ws_login(srv, "admin", IT_ADMIN_PASSWORD)};
    struct conn live = {.ws = it_ws_login(srv, "admin", IT_ADMIN_PASSWORD)};

    char *sub = request(&live, "{\"id\":1,\"op\":\"subscribe\",\"args\":{}}");
    REQUIRE(sub);
    json_t *subj = json_loads(sub, 0, NULL);
    json_int_t since = json_integer_value(json_object_get(json_object_get(subj, "result"), "head"));
    CHECKF(!strcmp(json_string_value(json_object_get(json_object_get(subj, "result"), "today")),
                   "2026-11-23"),
           "subscribe's today: %s", sub);
    json_decref(subj);
    free(sub);

    /* a contract that starts on the zone's day and ends 30 of its days later */
    char *created = request(
        &author, "{\"id\":2,\"op\":\"contracts.create\",\"args\":{\"number\":\"U-1\",\"title\":"
                 "\"T\",\"counterparty\":\"C\",\"kind\":\"client\",\"currency\":\"EUR\","
                 "\"start_date\":\"2026-11-23\",\"end_date\":\"2026-12-23\",\"notice_days\":10}}");
    REQUIRE(created && strstr(created, "\"ok\":true"));
    char *id = member_text(created, "result", "contract", "id");
    REQUIRE(id && strlen(id) == 38);
    memmove(id, id + 1, 36); /* the quotes off */
    id[36] = '\0';
    free(created);

    clock_set(&author, "2026-11-22T12:34:56.789Z");
    /* a string id with a quote, a backslash, a slash and non-ASCII */
    char *a1 = update(&author, "\"r\\\"1\\\\/\xc3\xa9\xe6\xbc\xa2\"", id,
                      "\"version\":1,\"changes\":{\"title\":\"Wartung \\\"Nord\\\" \\\\ S\xc3\xbc"
                      "d\\u2028\",\"amount_cents\":1000000000000000,\"sign_date\":null}",
                      "string id");
    const char *want1 = "{\"id\":\"r\\\"1\\\\/\xc3\xa9\xe6\xbc\xa2\",\"ok\":true,\"result\":";
    CHECKF(!strncmp(a1, want1, strlen(want1)), "the id echoed: %s", a1);
    char *rec1 = member_text(a1, "result", "contract", NULL);
    char *got1 = get_contract(&author, id);
    CHECKF(rec1 && got1 && !strcmp(rec1, got1), "answer != get\n  answer: %s\n  get:    %s", rec1,
           got1);
    CHECKF(strstr(a1, "\"updated_at\":\"2026-11-22T12:34:56.789Z\"") != NULL, "stamp: %s", a1);
    CHECKF(strstr(a1, "\"days_left\":30,\"lifecycle\":\"expiring\"") != NULL &&
               strstr(a1, "\"notice_deadline\":\"2026-12-13\"") != NULL,
           "derived members for the zone's day: %s", a1);
    CHECKF(strstr(a1, "\"changed\":[\"title\",\"amount_cents\"]}}") != NULL, "changed: %s", a1);

    /* at the end of a leap day (UTC; Kiritimati's day is 2028-03-01): a new
     * end date on the draft, activation, then an edit with a reason */
    clock_set(&author, "2028-02-29T23:59:59.999Z");
    char *a2 = update(&author, "9007199254740991", id,
                      "\"version\":2,\"changes\":{\"end_date\":\"2029-03-01\"}", "leap day");
    const char *want2 = "{\"id\":9007199254740991,\"ok\":true,";
    CHECKF(!strncmp(a2, want2, strlen(want2)), "id: %s", a2);
    CHECKF(strstr(a2, "\"updated_at\":\"2028-02-29T23:59:59.999Z\"") != NULL, "stamp: %s", a2);
    CHECKF(strstr(a2, "\"notice_deadline\":\"2029-02-19\",\"days_left\":365,\"lifecycle\":"
                      "\"active\"}") != NULL,
           "derived: %s", a2);
    free(update(&author, "3", id, "\"version\":3,\"changes\":{\"status\":\"active\"}", "activate"));
    char *a3 = update(&author, "4", id,
                      "\"version\":4,\"changes\":{\"notice_days\":30,\"title\":\"Wartung "
                      "\\\"Nord\\\" \\\\ S\xc3\xbc"
                      "d\\u2028\"},\"reason\":\"Grund \\\"verl\xc3\xa4ngert\\\"\"",
                      "active");
    char *rec3 = member_text(a3, "result", "contract", NULL);
    char *got3 = get_contract(&author, id);
    CHECKF(rec3 && got3 && !strcmp(rec3, got3), "answer != get\n  answer: %s\n  get:    %s", rec3,
           got3);
    CHECKF(strstr(a3, "\"changed\":[\"notice_days\"]}}") != NULL, "changed: %s", a3);
    char req[256];
    snprintf(req, sizeof req,
             "{\"id\":4,\"op\":\"supplements.list\",\"args\":{\"contract_id\":\"%s\"}}", id);
    char *sups = request(&author, req);
    /* one supplement (the title did not change): the UTC day, not the zone's */
    CHECKF(sups && strstr(sups, "\"items\":[{\"id\":") &&
               strstr(sups, "\"field\":\"notice_days\",\"old_value\":10,\"new_value\":30,"
                            "\"reason\":\"Grund \\\"verl\xc3\xa4ngert\\\"\",\"effective_date\":"
                            "\"2028-02-29\",\"author\":\"admin\",\"created_at\":"
                            "\"2028-02-29T23:59:59.999Z\"}],\"next_cursor\":null}"),
           "supplements: %s", sups ? sups : "");

    /* no-op without a reason: ok, nothing new */
    char *a4 = update(&author, "5", id, "\"version\":5,\"changes\":{\"notice_days\":30}", "no-op");
    CHECKF(strstr(a4, "\"changed\":[]}}") && strstr(a4, "\"version\":5,"), "no-op: %s", a4);
    /* stale: current is the record a get sends */
    char *a5 = update(&author, "6", id,
                      "\"version\":4,\"changes\":{\"title\":\"late\"},\"reason\":\"r\"", "stale");
    char *cur = member_text(a5, "error", "current", NULL);
    CHECKF(cur && got3 && !strcmp(cur, got3), "current != get\n  current: %s\n  get:     %s", cur,
           got3);
    CHECKF(strstr(a5, "\"message\":\"the contract changed: version 5 by admin at "
                      "2028-02-29T23:59:59.999Z\",\"field\":\"version\",\"current\":{"),
           "stale: %s", a5);

    /* the live events (4 updates after the create) and their replay */
    wait_events(&live, 5);
    CHECKF(live.nevents == 5, "%d live events", live.nevents);
    struct conn replay = {.ws = it_ws_login(srv, "admin", IT_ADMIN_PASSWORD)};
    snprintf(req, sizeof req, "{\"id\":7,\"op\":\"subscribe\",\"args\":{\"since\":%lld}}",
             (long long)since);
    free(request(&replay, req));
    wait_events(&replay, 5);
    CHECKF(replay.nevents == 5, "%d replayed events", replay.nevents);
    for (int i = 0; i < live.nevents && i < replay.nevents; i++) {
        CHECKF(!strcmp(live.events[i], replay.events[i]), "event %d: live %s\n  replay %s", i,
               live.events[i], replay.events[i]);
        CHECKF(canonical(live.events[i]), "event %d not compact", i);
    }
    if (live.nevents == 5) {
        char *ev1 = member_text(live.events[1], "data", "contract", NULL);
        char *ev3 = member_text(live.events[4], "data", "contract", NULL);
        CHECKF(ev1 && rec1 && !strcmp(ev1, rec1), "event 1's record != answer's");
        CHECKF(ev3 && rec3 && !strcmp(ev3, rec3), "event 4's record != answer's");
        CHECKF(strstr(live.events[4], "\"changed\":[\"notice_days\"],\"actor\":"
                                      "\"admin\",\"reason\":\"Grund \\\"verl\xc3\xa4ngert\\\"\"}}"),
               "event 4: %s", live.events[4]);
        free(ev1);
        free(ev3);
    }

    /* the longest string id (64 characters), each one escaped: the id's
     * text outgrows the room the answer's buffer was sized with */
    char longid[200] = "\"", want_long[300] = "{\"id\":\"";
    for (int i = 0; i < 64; i++) {
        strcat(longid, i % 2 ? "\\\"" : "\\\\");
        strcat(want_long, i % 2 ? "\\\"" : "\\\\");
    }
    strcat(longid, "\"");
    strcat(want_long, "\",\"ok\":true,\"result\":{\"contract\":");
    char *along =
        update(&author, longid, id,
               "\"version\":5,\"changes\":{\"notice_days\":29},\"reason\":\"r\"", "long id");
    CHECKF(!strncmp(along, want_long, strlen(want_long)), "long id: %s", along);
    char *reclong = member_text(along, "result", "contract", NULL);
    char *getlong = get_contract(&author, id);
    CHECKF(reclong && getlong && !strcmp(reclong, getlong), "long id: answer != get");
    free(reclong);
    free(getlong);
    free(along);

    /* The test clock set to the epoch (a time admin.clock.set accepts,
     * §6.25) stamps edits with that time, as any other it is set to. */
    clock_set(&author, "1970-01-01T00:00:00.000Z");
    char *a6 =
        update(&author, "8", id,
               "\"version\":6,\"changes\":{\"notice_days\":31},\"reason\":\"epoch\"", "epoch");
    CHECKF(strstr(a6, "\"updated_at\":\"1970-01-01T00:00:00.000Z\""),
           "an edit at the test clock's epoch: %s", a6);
    free(a6);

    for (int i = 0; i < MAX_EVENTS; i++) {
        free(live.events[i]);
        free(replay.events[i]);
        free(author.events[i]);
    }
    free(a1);
    free(a2);
    free(a3);
    free(a4);
    free(a5);
    free(cur);
    free(rec1);
    free(rec3);
    free(got1);
    free(got3);
    free(sups);
    free(id);
    ctl_ws_close(author.ws, 1000);
    ctl_ws_close(live.ws, 1000);
    ctl_ws_close(replay.ws, 1000);
    CHECK(it_server_stop(srv) == 0);
    return it_done(test_summary());
}
