/*
 * it_badinput: nothing a client sends can hurt the server or anyone else.
 *
 * Malformed frames each get the documented bad_request (code, field, and
 * the id echoed when it was readable, else null) and the connection stays
 * usable (a ping works after each); frames the protocol forbids close the
 * connection with the documented code (1009 too big, also when fragments
 * add up past 64 KiB; 1007 invalid UTF-8; 1003 binary).  Meanwhile another
 * subscribed client keeps getting its events and answers.
 */
#include <string.h>

#include "harness.h"
#include "test.h"

#define OP_CONT 0
#define OP_TEXT 1
#define OP_BINARY 2

struct bad_case {
    const char *name;
    const char *frame; /* NULL: built by the test */
    const char *id;    /* expected echoed id as JSON text; "null"; NULL = don't check */
    const char *field; /* expected error field; NULL = don't check */
};

static const struct bad_case bad_cases[] = {
    {"not json", "this is not json", "null", ""},
    {"empty frame", "", "null", ""},
    {"array", "[1,2,3]", "null", ""},
    {"string", "\"hello\"", "null", ""},
    {"truncated", "{\"id\":\"t0\",\"op\":\"ping\"", "null", ""},
    {"duplicate key", "{\"id\":\"t0\",\"op\":\"ping\",\"op\":\"ping\"}", "null", ""},
    {"unknown top-level member", "{\"id\":\"t23\",\"op\":\"ping\",\"extra\":1}", "\"t23\"",
     "extra"},
    {"unknown op", "{\"id\":\"t1\",\"op\":\"no.such.op\",\"args\":{}}", "\"t1\"", "op"},
    {"op not a string", "{\"id\":\"t2\",\"op\":5}", "\"t2\"", "op"},
    {"missing op", "{\"id\":\"t3\"}", "\"t3\"", "op"},
    {"args array", "{\"id\":\"t4\",\"op\":\"ping\",\"args\":[]}", "\"t4\"", "args"},
    {"args string", "{\"id\":7,\"op\":\"ping\",\"args\":\"x\"}", "7", "args"},
    {"missing id", "{\"op\":\"ping\",\"args\":{}}", "null", "id"},
    {"id bool", "{\"id\":true,\"op\":\"ping\"}", "null", "id"},
    {"id negative", "{\"id\":-1,\"op\":\"ping\"}", "null", "id"},
    {"id float", "{\"id\":1.5,\"op\":\"ping\"}", "null", "id"},
    {"id 2^53", "{\"id\":9007199254740992,\"op\":\"ping\"}", "null", "id"},
    {"id empty string", "{\"id\":\"\",\"op\":\"ping\"}", "null", "id"},
    {"id 65 chars",
     "{\"id\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"op\":"
     "\"ping\"}",
     "null", "id"},
    {"unknown args member", "{\"id\":\"t5\",\"op\":\"ping\",\"args\":{\"x\":1}}", "\"t5\"", "x"},
    {"get id int", "{\"id\":\"t6\",\"op\":\"contracts.get\",\"args\":{\"id\":5}}", "\"t6\"", "id"},
    {"get no id", "{\"id\":\"t7\",\"op\":\"contracts.get\",\"args\":{}}", "\"t7\"", "id"},
    {"list typo", "{\"id\":\"t8\",\"op\":\"contracts.list\",\"args\":{\"limti\":5}}", "\"t8\"",
     "limti"},
    {"list limit 0", "{\"id\":\"t9\",\"op\":\"contracts.list\",\"args\":{\"limit\":0}}", "\"t9\"",
     "limit"},
    {"list limit 501", "{\"id\":\"t10\",\"op\":\"contracts.list\",\"args\":{\"limit\":501}}",
     "\"t10\"", "limit"},
    {"list limit string", "{\"id\":\"t11\",\"op\":\"contracts.list\",\"args\":{\"limit\":\"5\"}}",
     "\"t11\"", "limit"},
    {"list status bad", "{\"id\":\"t12\",\"op\":\"contracts.list\",\"args\":{\"status\":\"x\"}}",
     "\"t12\"", "status"},
    {"subscribe since string", "{\"id\":\"t13\",\"op\":\"subscribe\",\"args\":{\"since\":\"5\"}}",
     "\"t13\"", "since"},
    {"update version string",
     "{\"id\":\"t14\",\"op\":\"contracts.update\",\"args\":{\"id\":\"01900000-0000-7000-8000-"
     "000000000000\",\"version\":\"1\",\"changes\":{\"title\":\"x\"}}}",
     "\"t14\"", "version"},
    {"update version 0",
     "{\"id\":\"t15\",\"op\":\"contracts.update\",\"args\":{\"id\":\"01900000-0000-7000-8000-"
     "000000000000\",\"version\":0,\"changes\":{\"title\":\"x\"}}}",
     "\"t15\"", "version"},
    {"update no changes",
     "{\"id\":\"t16\",\"op\":\"contracts.update\",\"args\":{\"id\":\"01900000-0000-7000-8000-"
     "000000000000\",\"version\":1,\"changes\":{}}}",
     "\"t16\"", "changes"},
    {"update changes array",
     "{\"id\":\"t17\",\"op\":\"contracts.update\",\"args\":{\"id\":\"01900000-0000-7000-8000-"
     "000000000000\",\"version\":1,\"changes\":[]}}",
     "\"t17\"", "changes"},
    {"update missing version",
     "{\"id\":\"t18\",\"op\":\"contracts.update\",\"args\":{\"id\":\"01900000-0000-7000-8000-"
     "000000000000\",\"changes\":{\"title\":\"x\"}}}",
     "\"t18\"", "version"},
    {"update bad field value",
     "{\"id\":\"t19\",\"op\":\"contracts.update\",\"args\":{\"id\":\"01900000-0000-7000-8000-"
     "000000000000\",\"version\":1,\"changes\":{\"notice_days\":4000}}}",
     "\"t19\"", "notice_days"},
    {"delete no version",
     "{\"id\":\"t20\",\"op\":\"contracts.delete\",\"args\":{\"id\":\"01900000-0000-7000-8000-"
     "000000000000\"}}",
     "\"t20\"", "version"},
    {"NUL in string", "{\"id\":\"t21\",\"op\":\"contracts.get\",\"args\":{\"id\":\"a\\u0000b\"}}",
     "null", ""},
    {"users.list with args", "{\"id\":\"t24\",\"op\":\"users.list\",\"args\":{\"all\":true}}",
     "\"t24\"", "all"},
    {"users.create short password",
     "{\"id\":\"t22\",\"op\":\"users.create\",\"args\":{\"username\":\"zed\",\"password\":"
     "\"short\","
     "\"role\":\"viewer\"}}",
     "\"t22\"", "password"},
    {NULL, NULL, NULL, NULL},
};

/* contracts.create cases: a valid contract with one member set (JSON text). */
struct create_case {
    const char *member;
    const char *value; /* JSON; NULL = remove the member */
    const char *field;
};
static const struct create_case create_cases[] = {
    {"title", NULL, "title"},
    {"title", "null", "title"},
    {"title", "\"   \"", "title"},
    {"title", "\"tab\\there\"", "title"},
    {"counterparty", "\"line\\nbreak\"", "counterparty"},
    {"description", "\"carriage\\r\\nreturn\"", "description"},
    {"currency", "\"XXX\"", "currency"},
    {"currency", "\"HRK\"", "currency"},
    {"sign_date", "\"2023-02-29\"", "sign_date"},
    {"sign_date", "\"2026-1-05\"", "sign_date"},
    {"owner", "\"nobody\"", "owner"},
    {"updated_by", "\"admin\"", "updated_by"},
    {"deleted_at", "null", "deleted_at"},
    {"number", "\"\"", "number"},
    {"title", "5", "title"},
    {"kind", "\"nope\"", "kind"},
    {"status", "\"archived\"", "status"},
    {"currency", "\"ZZZ\"", "currency"},
    {"currency", "\"eur\"", "currency"},
    {"start_date", "\"2026-02-30\"", "start_date"},
    {"end_date", "\"2026-13-01\"", "end_date"},
    {"sign_date", "\"yesterday\"", "sign_date"},
    {"amount_cents", "-1", "amount_cents"},
    {"amount_cents", "1.5", "amount_cents"},
    {"amount_cents", "\"100\"", "amount_cents"},
    {"amount_cents", "1000000000000001", "amount_cents"},
    {"notice_days", "3651", "notice_days"},
    {"renewal", "\"sometimes\"", "renewal"},
    {"owner", "\"Not A User!\"", "owner"},
    {"version", "3", "version"},
    {"created_at", "\"2026-01-01T00:00:00.000Z\"", "created_at"},
    {"id", "\"not-a-uuid\"", "id"},
    {"colour", "\"blue\"", "colour"},
    {NULL, NULL, NULL},
};

static struct it_server *srv;
static struct ctl_client *bystander, *writer;
static int bystander_events;

/* The other client: a create by the writer reaches the subscribed
 * bystander, and the bystander's own request is answered. */
static void check_bystander(const char *after)
{
    json_t *c = it_contract_create(writer, NULL);
    CHECKF(c, "writer's create after %s", after);
    json_t *ev = it_wait_event(bystander, "contract.created", IT_TIMEOUT_MS, NULL);
    CHECKF(ev && c &&
               strcmp(it_str(json_object_get(json_object_get(ev, "data"), "contract"), "id"),
                      it_str(c, "id")) == 0,
           "bystander's event after %s", after);
    bystander_events += ev != NULL;
    json_decref(ev);
    json_decref(c);
    json_t *r = it_call(bystander, "ping", json_object(), NULL);
    CHECKF(r, "bystander's ping after %s", after);
    json_decref(r);
}

/* Reads one response frame from a raw ws; NULL on timeout/close. */
static json_t *read_response(struct ctl_ws *ws)
{
    for (;;) {
        char *msg = NULL;
        size_t len = 0;
        if (ctl_ws_recv(ws, IT_TIMEOUT_MS, &msg, &len) != 1)
            return NULL;
        json_t *j = json_loadb(msg, len, 0, NULL);
        free(msg);
        if (j && !json_object_get(j, "event"))
            return j;
        json_decref(j);
    }
}

static void check_usable(struct ctl_client *c, const char *after)
{
    json_t *r = it_call(c, "ping", json_object(), NULL);
    CHECKF(r && json_is_string(json_object_get(r, "time")), "ping after %s", after);
    json_decref(r);
}

static void expect_bad_request(struct ctl_client *c, const char *name, const char *frame,
                               size_t len, const char *want_id, const char *want_field)
{
    struct ctl_ws *ws = ctl_client_ws(c);
    CHECKF(ctl_ws_send_text(ws, frame, len) == 0, "%s: send", name);
    json_t *resp = read_response(ws);
    json_t *err = json_object_get(resp, "error");
    CHECKF(resp && json_is_false(json_object_get(resp, "ok")), "%s: no error response", name);
    CHECKF(strcmp(it_err_code(err), "bad_request") == 0, "%s: code \"%s\"", name, it_err_code(err));
    CHECKF(json_is_string(json_object_get(err, "message")), "%s: no message", name);
    if (want_field)
        CHECKF(strcmp(it_err_field(err), want_field) == 0, "%s: field \"%s\", want \"%s\"", name,
               it_err_field(err), want_field);
    if (want_id) {
        json_t *id = json_loads(want_id, JSON_DECODE_ANY, NULL);
        CHECKF(json_equal(json_object_get(resp, "id"), id), "%s: id not echoed as %s", name,
               want_id);
        json_decref(id);
    }
    json_decref(resp);
    check_usable(c, name);
}

static void test_bad_requests(struct ctl_client *c)
{
    int n = 0;
    for (const struct bad_case *t = bad_cases; t->name; t++, n++)
        expect_bad_request(c, t->name, t->frame, strlen(t->frame), t->id, t->field);
    check_bystander("the table of bad frames");

    for (const struct create_case *t = create_cases; t->member; t++, n++) {
        json_t *args = it_contract_args();
        if (t->value)
            json_object_set_new(args, t->member, json_loads(t->value, JSON_DECODE_ANY, NULL));
        else
            json_object_del(args, t->member);
        json_t *req =
            json_pack("{s:s, s:s, s:o}", "id", "cr", "op", "contracts.create", "args", args);
        char *frame = json_dumps(req, JSON_COMPACT);
        char name[96];
        snprintf(name, sizeof name, "create with %s=%s", t->member, t->value ? t->value : "(none)");
        expect_bad_request(c, name, frame, strlen(frame), "\"cr\"", t->field);
        free(frame);
        json_decref(req);
    }
    /* Cross-field: start after end. */
    json_t *args = it_contract_args();
    json_object_set_new(args, "start_date", json_string("2026-06-01"));
    json_object_set_new(args, "end_date", json_string("2026-05-31"));
    json_t *err = it_call_err(c, "contracts.create", args);
    CHECK_STR(it_err_code(err), "bad_request");
    CHECK_STR(it_err_field(err), "end_date");
    json_decref(err);
    n++;
    /* args null means {} (PROTOCOL.md §2.1). */
    const char *nullargs = "{\"id\":\"na\",\"op\":\"ping\",\"args\":null}";
    CHECK(ctl_ws_send_text(ctl_client_ws(c), nullargs, strlen(nullargs)) == 0);
    json_t *resp = read_response(ctl_client_ws(c));
    CHECKF(resp && json_is_true(json_object_get(resp, "ok")), "ping with args null refused");
    json_decref(resp);
    check_bystander("the bad creates");

    /* Huge strings, within the frame limit. */
    static const struct {
        const char *member;
        size_t len;
    } huge[] = {{"title", 201},
                {"counterparty", 60000},
                {"description", 10001},
                {"description", 60000},
                {"number", 65}};
    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++, n++) {
        char *s = malloc(huge[i].len + 1);
        memset(s, 'x', huge[i].len);
        s[huge[i].len] = '\0';
        args = it_contract_args();
        json_object_set_new(args, huge[i].member, json_string(s));
        json_t *req =
            json_pack("{s:s, s:s, s:o}", "id", "huge", "op", "contracts.create", "args", args);
        char *frame = json_dumps(req, JSON_COMPACT);
        char name[64];
        snprintf(name, sizeof name, "%s of %zu bytes", huge[i].member, huge[i].len);
        expect_bad_request(c, name, frame, strlen(frame), "\"huge\"", huge[i].member);
        free(frame);
        json_decref(req);
        free(s);
    }
    /* The longest valid description is fine. */
    char *desc = malloc(10001);
    memset(desc, 'd', 10000);
    desc[10000] = '\0';
    json_t *ok = it_contract_create(c, json_pack("{s:s}", "description", desc));
    CHECK(ok && strlen(it_str(ok, "description")) == 10000);
    /* The bystander sees it too. */
    json_t *ev = it_wait_event(bystander, "contract.created", IT_TIMEOUT_MS, NULL);
    CHECK(ev && ok &&
          strcmp(it_str(json_object_get(json_object_get(ev, "data"), "contract"), "id"),
                 it_str(ok, "id")) == 0);
    bystander_events += ev != NULL;
    json_decref(ev);
    json_decref(ok);
    free(desc);

    /* Deep nesting must not crash the parser. */
    size_t depth = 30000;
    char *deep = malloc(2 * depth + 1);
    memset(deep, '[', depth);
    memset(deep + depth, ']', depth);
    deep[2 * depth] = '\0';
    expect_bad_request(c, "deeply nested", deep, 2 * depth, "null", NULL);
    free(deep);
    n++;

    /* The largest valid id is echoed. */
    const char *maxid = "{\"id\":9007199254740991,\"op\":\"ping\",\"args\":{}}";
    CHECK(ctl_ws_send_text(ctl_client_ws(c), maxid, strlen(maxid)) == 0);
    resp = read_response(ctl_client_ws(c));
    CHECK(resp && json_is_true(json_object_get(resp, "ok")) &&
          json_integer_value(json_object_get(resp, "id")) == 9007199254740991LL);
    json_decref(resp);
    /* A valid date at the edge: 2024-02-29 exists. */
    ok = it_contract_create(c, json_pack("{s:s}", "sign_date", "2024-02-29"));
    CHECK(ok);
    ev = it_wait_event(bystander, "contract.created", IT_TIMEOUT_MS, NULL);
    bystander_events += ev != NULL;
    json_decref(ev);
    json_decref(ok);
    printf("%d malformed requests answered with bad_request, connection kept\n", n);
    check_bystander("the huge strings");
}

/* Sends 200 pings without reading: every one is answered once (ok, or
 * rate_limited past 64 in flight) and the connection stays usable. */
static void test_in_flight(struct ctl_client *c)
{
    enum { N = 200 };
    int answered[N] = {0}, ok = 0, limited = 0, other = 0;
    struct ctl_ws *ws = ctl_client_ws(c);
    for (int i = 0; i < N; i++) {
        char frame[64];
        int len = snprintf(frame, sizeof frame, "{\"id\":\"p%d\",\"op\":\"ping\"}", i);
        CHECK(ctl_ws_send_text(ws, frame, (size_t)len) == 0);
    }
    for (int i = 0; i < N; i++) {
        json_t *resp = read_response(ws);
        if (!resp) {
            CHECKF(0, "only %d of %d pings answered", i, N);
            break;
        }
        int k = atoi(it_str(resp, "id") + 1);
        if (k >= 0 && k < N)
            answered[k]++;
        if (json_is_true(json_object_get(resp, "ok")))
            ok++;
        else if (strcmp(it_err_code(json_object_get(resp, "error")), "rate_limited") == 0)
            limited++;
        else
            other++;
        json_decref(resp);
    }
    int once = 0;
    for (int i = 0; i < N; i++)
        once += answered[i] == 1;
    printf("%d pipelined pings: %d ok, %d rate_limited, %d other\n", N, ok, limited, other);
    CHECK(once == N);
    CHECK(other == 0);
    check_usable(c, "pipelined pings");

    /* Writes wait for the disk, so these do pile up past 64 in flight.  A
     * rate_limited request did nothing: only the ok ones made a contract. */
    memset(answered, 0, sizeof answered);
    ok = limited = other = 0;
    char ids[N][40];
    for (int i = 0; i < N; i++) {
        char rid[16];
        snprintf(rid, sizeof rid, "w%d", i);
        json_t *req = json_pack("{s:s, s:s, s:o}", "id", rid, "op", "contracts.create", "args",
                                it_contract_args());
        char *frame = json_dumps(req, JSON_COMPACT);
        CHECK(ctl_ws_send_text(ws, frame, strlen(frame)) == 0);
        free(frame);
        json_decref(req);
        ids[i][0] = '\0';
    }
    for (int i = 0; i < N; i++) {
        json_t *resp = read_response(ws);
        if (!resp) {
            CHECKF(0, "only %d of %d creates answered", i, N);
            break;
        }
        int k = atoi(it_str(resp, "id") + 1);
        if (k >= 0 && k < N)
            answered[k]++;
        if (json_is_true(json_object_get(resp, "ok"))) {
            ok++;
            if (k >= 0 && k < N)
                snprintf(
                    ids[k], sizeof ids[k], "%s",
                    it_str(json_object_get(json_object_get(resp, "result"), "contract"), "id"));
        } else if (strcmp(it_err_code(json_object_get(resp, "error")), "rate_limited") == 0) {
            limited++;
        } else {
            other++;
        }
        json_decref(resp);
    }
    once = 0;
    for (int i = 0; i < N; i++)
        once += answered[i] == 1;
    printf("%d pipelined creates: %d ok, %d rate_limited, %d other\n", N, ok, limited, other);
    CHECK(once == N);
    CHECK(other == 0);
    CHECK(ok > 0);
    /* The bystander sees one event per created contract, no more. */
    int seen = 0;
    for (int i = 0; i < ok; i++) {
        json_t *ev = it_wait_event(bystander, "contract.created", IT_TIMEOUT_MS, NULL);
        if (!ev)
            break;
        const char *eid = it_str(json_object_get(json_object_get(ev, "data"), "contract"), "id");
        for (int k = 0; k < N; k++)
            if (strcmp(ids[k], eid) == 0) {
                seen++;
                break;
            }
        json_decref(ev);
    }
    bystander_events += seen;
    CHECKF(seen == ok, "bystander saw %d of %d created contracts", seen, ok);
    check_usable(c, "pipelined creates");
    check_bystander("pipelined creates");
}

/* An upgrade that does not offer pacta.v1 is refused (PROTOCOL.md §1). */
static void test_no_subprotocol(void)
{
    static const char *const offers[] = {"", "other.v1"};
    for (int i = 0; i < 2; i++) {
        struct ctl_ws_options o = {.url = srv->url,
                                   .ca_file = it_ca_file(),
                                   .subprotocol = offers[i],
                                   .timeout_ms = IT_TIMEOUT_MS};
        struct ctl_ws *ws = NULL;
        char err[256] = "";
        int rc = ctl_ws_connect(&o, &ws, err, sizeof err);
        CHECKF(rc < 0, "upgrade offering \"%s\" was accepted", offers[i]);
        if (rc < 0)
            printf("upgrade offering \"%s\": refused (%s)\n", offers[i], err);
        else
            ctl_ws_close(ws, 1000);
    }
    check_bystander("refused upgrades");
}

/* Each of these ends the connection with a close code. */
static int close_after(const char *name, int (*send_fn)(struct ctl_ws *ws))
{
    struct ctl_client *c = it_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    struct ctl_ws *ws = ctl_client_ws(c);
    send_fn(ws); /* may fail once the server has closed: fine */
    int code = it_ws_wait_close(ws, IT_TIMEOUT_MS);
    printf("%s: close %d \"%s\"\n", name, code, ctl_ws_close_reason(ws));
    ctl_client_close(c);
    check_bystander(name);
    return code;
}

static char *ping_padded(size_t total)
{
    const char *head = "{\"id\":\"pad\",\"op\":\"ping\",\"args\":{}";
    char *buf = malloc(total + 1);
    size_t hl = strlen(head);
    memcpy(buf, head, hl);
    memset(buf + hl, ' ', total - hl - 1);
    buf[total - 1] = '}';
    buf[total] = '\0';
    return buf;
}

static int send_oversize(struct ctl_ws *ws)
{
    char *buf = ping_padded(65537);
    int rc = ctl_ws_send_text(ws, buf, 65537);
    free(buf);
    return rc;
}

static int send_very_large(struct ctl_ws *ws)
{
    char *buf = ping_padded(1 << 20);
    int rc = ctl_ws_send_text(ws, buf, 1 << 20);
    free(buf);
    return rc;
}

static int send_fragments_over(struct ctl_ws *ws)
{
    char *buf = ping_padded(90000);
    int rc = ctl_ws_send_frame(ws, OP_TEXT, 0, buf, 30000);
    if (rc == 0)
        rc = ctl_ws_send_frame(ws, OP_CONT, 0, buf + 30000, 30000);
    if (rc == 0)
        rc = ctl_ws_send_frame(ws, OP_CONT, 1, buf + 60000, 30000);
    free(buf);
    return rc;
}

/* Many tiny fragments, never finished: the running total must be counted. */
static int send_endless_fragments(struct ctl_ws *ws)
{
    char chunk[1024];
    memset(chunk, ' ', sizeof chunk);
    int rc = ctl_ws_send_frame(ws, OP_TEXT, 0, "{\"id\":1,", 8);
    for (int i = 0; rc == 0 && i < 80; i++)
        rc = ctl_ws_send_frame(ws, OP_CONT, 0, chunk, sizeof chunk);
    return rc;
}

static int send_bad_utf8(struct ctl_ws *ws)
{
    const char f[] = "{\"id\":\"u\",\"op\":\"ping\",\"args\":{},\"x\":\"\xff\xfe\"}";
    return ctl_ws_send_text(ws, f, sizeof f - 1);
}

static int send_surrogate_utf8(struct ctl_ws *ws)
{
    const char f[] = "{\"id\":\"u\",\"op\":\"ping\",\"x\":\"\xed\xa0\x80\"}";
    return ctl_ws_send_text(ws, f, sizeof f - 1);
}

static int send_overlong_utf8(struct ctl_ws *ws)
{
    const char f[] = "{\"id\":\"u\",\"op\":\"ping\",\"x\":\"\xc0\xaf\"}";
    return ctl_ws_send_text(ws, f, sizeof f - 1);
}

static int send_binary(struct ctl_ws *ws)
{
    const char f[] = "{\"id\":\"b\",\"op\":\"ping\"}";
    return ctl_ws_send_frame(ws, OP_BINARY, 1, f, sizeof f - 1);
}

static void test_closes(void)
{
    CHECK(close_after("one frame of 65537 bytes", send_oversize) == 1009);
    CHECK(close_after("one frame of 1 MiB", send_very_large) == 1009);
    CHECK(close_after("3 fragments of 30000 bytes", send_fragments_over) == 1009);
    CHECK(close_after("80 unfinished fragments of 1 KiB", send_endless_fragments) == 1009);
    CHECK(close_after("invalid UTF-8", send_bad_utf8) == 1007);
    CHECK(close_after("UTF-8 surrogate", send_surrogate_utf8) == 1007);
    CHECK(close_after("overlong UTF-8", send_overlong_utf8) == 1007);
    CHECK(close_after("binary frame", send_binary) == 1003);

    /* At the limit: exactly 65536 bytes, whole or in fragments, is fine. */
    struct ctl_client *c = it_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    struct ctl_ws *ws = ctl_client_ws(c);
    char *buf = ping_padded(65536);
    CHECK(ctl_ws_send_text(ws, buf, 65536) == 0);
    json_t *resp = read_response(ws);
    CHECKF(resp && json_is_true(json_object_get(resp, "ok")), "65536-byte request refused");
    json_decref(resp);
    CHECK(ctl_ws_send_frame(ws, OP_TEXT, 0, buf, 40000) == 0);
    CHECK(ctl_ws_send_frame(ws, OP_CONT, 1, buf + 40000, 65536 - 40000) == 0);
    resp = read_response(ws);
    CHECKF(resp && json_is_true(json_object_get(resp, "ok")), "65536 bytes in 2 fragments");
    json_decref(resp);
    /* A multi-byte character split across fragments is valid UTF-8. */
    const char *f1 = "{\"id\":\"split\",\"op\":\"contracts.list\",\"args\":{\"text\":\"\xc3";
    const char *f2 = "\xa9t\xc3\xa9\"}}";
    CHECK(ctl_ws_send_frame(ws, OP_TEXT, 0, f1, strlen(f1)) == 0);
    CHECK(ctl_ws_send_frame(ws, OP_CONT, 1, f2, strlen(f2)) == 0);
    resp = read_response(ws);
    CHECKF(resp && json_is_true(json_object_get(resp, "ok")), "UTF-8 split over fragments");
    json_decref(resp);
    free(buf);
    check_usable(c, "the 65536-byte requests");
    ctl_client_close(c);
}

int main(void)
{
    it_setup("it_badinput");
    srv = it_server_start(NULL);
    it_create_role_users(srv);
    writer = it_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    bystander = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    json_t *r = it_call(bystander, "subscribe", json_object(), NULL);
    REQUIRE(r);
    json_decref(r);

    struct ctl_client *c = it_login(srv, IT_ADMIN2_USER, IT_ADMIN2_PASSWORD);
    test_bad_requests(c);
    test_in_flight(c);
    ctl_client_close(c);
    test_closes();
    test_no_subprotocol();

    /* The bystander got every event, nothing more, and still works. */
    json_t *ev = it_wait_event(bystander, NULL, 300, NULL);
    CHECKF(!ev, "bystander got an unexpected event");
    json_decref(ev);
    printf("bystander received %d events meanwhile\n", bystander_events);
    check_usable(bystander, "everything");
    ctl_client_close(bystander);
    ctl_client_close(writer);
    return it_done(test_summary());
}
