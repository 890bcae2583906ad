/*
 * libpacta-protocol: names of codes/roles/ops, the op table, request
 * envelope parsing and the three encoders (each output is parsed back).
 */
#include <pacta/protocol.h>

#include "test.h"

static void test_names(void)
{
    static const char *const codes[] = {
        "ok",       "bad_request",  "unauthenticated", "forbidden",   "not_found",
        "conflict", "rate_limited", "too_large",       "unavailable", "internal"};
    for (int i = 0; i < PACTA_CODE__COUNT; i++) {
        CHECK_STR(pacta_code_name((enum pacta_code)i), codes[i]);
        CHECK(pacta_code_from_name(codes[i]) == (enum pacta_code)i);
    }
    CHECK(pacta_code_from_name("nope") == PACTA_CODE__COUNT);
    CHECK(pacta_code_from_name(NULL) == PACTA_CODE__COUNT);
    CHECK_STR(pacta_code_name(PACTA_CODE__COUNT), "internal");

    CHECK_STR(pacta_role_name(PACTA_ROLE_VIEWER), "viewer");
    CHECK_STR(pacta_role_name(PACTA_ROLE_EDITOR), "editor");
    CHECK_STR(pacta_role_name(PACTA_ROLE_ADMIN), "admin");
    CHECK(pacta_role_from_name("admin") == PACTA_ROLE_ADMIN);
    CHECK(pacta_role_from_name("editor") == PACTA_ROLE_EDITOR);
    CHECK(pacta_role_from_name("viewer") == PACTA_ROLE_VIEWER);
    CHECK(pacta_role_from_name("none") == PACTA_ROLE_NONE);
    CHECK(pacta_role_from_name("Admin") == PACTA_ROLE_NONE);
    CHECK(pacta_role_from_name(NULL) == PACTA_ROLE_NONE);
}

static void test_ops(void)
{
    static const struct {
        const char *name;
        enum pacta_op op;
        enum pacta_role role;
    } cases[] = {
        {"auth.login", PACTA_OP_AUTH_LOGIN, PACTA_ROLE_NONE},
        {"auth.resume", PACTA_OP_AUTH_RESUME, PACTA_ROLE_NONE},
        {"auth.logout", PACTA_OP_AUTH_LOGOUT, PACTA_ROLE_VIEWER},
        {"contracts.list", PACTA_OP_CONTRACTS_LIST, PACTA_ROLE_VIEWER},
        {"contracts.get", PACTA_OP_CONTRACTS_GET, PACTA_ROLE_VIEWER},
        {"contracts.create", PACTA_OP_CONTRACTS_CREATE, PACTA_ROLE_EDITOR},
        {"contracts.update", PACTA_OP_CONTRACTS_UPDATE, PACTA_ROLE_EDITOR},
        {"contracts.delete", PACTA_OP_CONTRACTS_DELETE, PACTA_ROLE_EDITOR},
        {"supplements.list", PACTA_OP_SUPPLEMENTS_LIST, PACTA_ROLE_VIEWER},
        {"subscribe", PACTA_OP_SUBSCRIBE, PACTA_ROLE_VIEWER},
        {"unsubscribe", PACTA_OP_UNSUBSCRIBE, PACTA_ROLE_VIEWER},
        {"users.create", PACTA_OP_USERS_CREATE, PACTA_ROLE_ADMIN},
        {"users.list", PACTA_OP_USERS_LIST, PACTA_ROLE_ADMIN},
        {"ping", PACTA_OP_PING, PACTA_ROLE_VIEWER},
        {"presence.set", PACTA_OP_PRESENCE_SET, PACTA_ROLE_VIEWER},
        {"presence.list", PACTA_OP_PRESENCE_LIST, PACTA_ROLE_VIEWER},
        {"admin.connections.list", PACTA_OP_ADMIN_CONNS_LIST, PACTA_ROLE_ADMIN},
        {"admin.connections.watch", PACTA_OP_ADMIN_CONNS_WATCH, PACTA_ROLE_ADMIN},
        {"admin.kick", PACTA_OP_ADMIN_KICK, PACTA_ROLE_ADMIN},
        {"admin.stats", PACTA_OP_ADMIN_STATS, PACTA_ROLE_ADMIN},
        {"notifications.list", PACTA_OP_NOTIFICATIONS_LIST, PACTA_ROLE_VIEWER},
        {"notifications.mark_read", PACTA_OP_NOTIFICATIONS_MARK_READ, PACTA_ROLE_VIEWER},
        {"users.preferences", PACTA_OP_USERS_PREFERENCES, PACTA_ROLE_VIEWER},
        {"contracts.expiring", PACTA_OP_CONTRACTS_EXPIRING, PACTA_ROLE_VIEWER},
        {"admin.clock.set", PACTA_OP_ADMIN_CLOCK_SET, PACTA_ROLE_ADMIN},
        {"users.update", PACTA_OP_USERS_UPDATE, PACTA_ROLE_ADMIN},
        {"backups.create", PACTA_OP_BACKUPS_CREATE, PACTA_ROLE_ADMIN},
        {"backups.list", PACTA_OP_BACKUPS_LIST, PACTA_ROLE_ADMIN},
        {"backups.verify", PACTA_OP_BACKUPS_VERIFY, PACTA_ROLE_ADMIN},
        {"backups.restore", PACTA_OP_BACKUPS_RESTORE, PACTA_ROLE_ADMIN},
        {"export.contracts", PACTA_OP_EXPORT_CONTRACTS, PACTA_ROLE_VIEWER},
        {"export.read", PACTA_OP_EXPORT_READ, PACTA_ROLE_VIEWER},
        {"export.cancel", PACTA_OP_EXPORT_CANCEL, PACTA_ROLE_VIEWER},
        {"stats.dashboard", PACTA_OP_STATS_DASHBOARD, PACTA_ROLE_VIEWER},
        {"dashboard.watch", PACTA_OP_DASHBOARD_WATCH, PACTA_ROLE_VIEWER},
        {"documents.upload.begin", PACTA_OP_DOCUMENTS_UPLOAD_BEGIN, PACTA_ROLE_EDITOR},
        {"documents.upload.chunk", PACTA_OP_DOCUMENTS_UPLOAD_CHUNK, PACTA_ROLE_EDITOR},
        {"documents.upload.finish", PACTA_OP_DOCUMENTS_UPLOAD_FINISH, PACTA_ROLE_EDITOR},
        {"documents.list", PACTA_OP_DOCUMENTS_LIST, PACTA_ROLE_VIEWER},
        {"documents.get", PACTA_OP_DOCUMENTS_GET, PACTA_ROLE_VIEWER},
        {"documents.download", PACTA_OP_DOCUMENTS_DOWNLOAD, PACTA_ROLE_VIEWER},
        {"documents.delete", PACTA_OP_DOCUMENTS_DELETE, PACTA_ROLE_EDITOR},
        {"views.save", PACTA_OP_VIEWS_SAVE, PACTA_ROLE_VIEWER},
        {"views.list", PACTA_OP_VIEWS_LIST, PACTA_ROLE_VIEWER},
        {"views.delete", PACTA_OP_VIEWS_DELETE, PACTA_ROLE_VIEWER},
    };
    size_t n = sizeof(cases) / sizeof(cases[0]);
    CHECK(n == PACTA_OP__COUNT - 1);
    for (size_t i = 0; i < n; i++) {
        CHECK(pacta_op_from_name(cases[i].name) == cases[i].op);
        CHECK_STR(pacta_op_name(cases[i].op), cases[i].name);
        CHECKF(pacta_op_min_role(cases[i].op) == cases[i].role, "%s", cases[i].name);
    }
    CHECK(pacta_op_from_name("") == PACTA_OP_UNKNOWN);
    CHECK(pacta_op_from_name("Ping") == PACTA_OP_UNKNOWN);
    CHECK(pacta_op_from_name(NULL) == PACTA_OP_UNKNOWN);
    CHECK(pacta_op_min_role(PACTA_OP_UNKNOWN) == PACTA_ROLE_ADMIN);
}

static void test_error_set(void)
{
    struct pacta_error err;
    CHECK(pacta_error_set(&err, PACTA_CONFLICT, "number", "taken by %s", "x") ==
          -(int)PACTA_CONFLICT);
    CHECK(err.code == PACTA_CONFLICT);
    CHECK_STR(err.field, "number");
    CHECK_STR(err.message, "taken by x");
    CHECK(pacta_error_set(NULL, PACTA_BAD_REQUEST, NULL, "x") == -(int)PACTA_BAD_REQUEST);
    pacta_error_set(&err, PACTA_BAD_REQUEST, NULL, "m");
    CHECK_STR(err.field, "");

    /* A long non-ASCII field name is cut at a character boundary. */
    char name[200] = "";
    for (int i = 0; i < 40; i++)
        strcat(name, "\xc3\xa9"); /* é */
    pacta_error_set(&err, PACTA_BAD_REQUEST, name, "unknown field");
    CHECK(strlen(err.field) == 62);
    json_t *s = json_string(err.field);
    CHECK(s != NULL);
    json_decref(s);

    /* Bytes that are not UTF-8 inside a message (a parser quoting half a
     * character near an error) become '?': the error stays sendable. */
    pacta_error_set(&err, PACTA_BAD_REQUEST, "", "near '%s' and '%s'", "a\xc3", "\xed\xa0\x80");
    CHECK_STR(err.message, "near 'a?' and '\?\?\?'");
    s = json_string(err.message);
    CHECK(s != NULL);
    json_decref(s);
    /* a bad escape followed by a two-byte character: the parser's message
     * quotes the escape and the first byte of the character */
    struct pacta_request req = {0};
    static const char frame[] = "{\"id\":1,\"args\":{\"kind\\u0\xd0\x9a\":1}}";
    CHECK(pacta_request_parse(frame, sizeof frame - 1, &req, &err) != 0);
    s = json_string(err.message);
    CHECKF(s != NULL, "message not UTF-8: %s", err.message);
    json_decref(s);
    pacta_request_clear(&req);
}

/* ---- request parsing ----------------------------------------------------- */

struct bad_request_case {
    const char *frame;
    enum pacta_code code;
    const char *field;
    const char *echo_id; /* expected id echoed as JSON text, NULL if none */
};

static void test_request_bad(void)
{
    static const struct bad_request_case cases[] = {
        {"", PACTA_BAD_REQUEST, "", NULL},
        {"not json", PACTA_BAD_REQUEST, "", NULL},
        {"{\"id\":1,", PACTA_BAD_REQUEST, "", NULL},
        {"[1,2]", PACTA_BAD_REQUEST, "", NULL},
        {"42", PACTA_BAD_REQUEST, "", NULL},
        {"\"str\"", PACTA_BAD_REQUEST, "", NULL},
        {"null", PACTA_BAD_REQUEST, "", NULL},
        {"{\"op\":\"ping\"}", PACTA_BAD_REQUEST, "id", NULL},
        {"{\"id\":null,\"op\":\"ping\"}", PACTA_BAD_REQUEST, "id", NULL},
        {"{\"id\":-1,\"op\":\"ping\"}", PACTA_BAD_REQUEST, "id", NULL},
        {"{\"id\":9007199254740992,\"op\":\"ping\"}", PACTA_BAD_REQUEST, "id", NULL},
        {"{\"id\":1.5,\"op\":\"ping\"}", PACTA_BAD_REQUEST, "id", NULL},
        {"{\"id\":1.0,\"op\":\"ping\"}", PACTA_BAD_REQUEST, "id", NULL},
        {"{\"id\":true,\"op\":\"ping\"}", PACTA_BAD_REQUEST, "id", NULL},
        {"{\"id\":[1],\"op\":\"ping\"}", PACTA_BAD_REQUEST, "id", NULL},
        {"{\"id\":{},\"op\":\"ping\"}", PACTA_BAD_REQUEST, "id", NULL},
        {"{\"id\":\"\",\"op\":\"ping\"}", PACTA_BAD_REQUEST, "id", NULL},
        {"{\"id\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
         "\"op\":\"ping\"}",
         PACTA_BAD_REQUEST, "id", NULL},
        {"{\"id\":7}", PACTA_BAD_REQUEST, "op", "7"},
        {"{\"id\":7,\"op\":null}", PACTA_BAD_REQUEST, "op", "7"},
        {"{\"id\":7,\"op\":5}", PACTA_BAD_REQUEST, "op", "7"},
        {"{\"id\":\"r1\",\"op\":\"contracts.frobnicate\"}", PACTA_BAD_REQUEST, "op", "\"r1\""},
        {"{\"id\":7,\"op\":\"\"}", PACTA_BAD_REQUEST, "op", "7"},
        {"{\"id\":7,\"op\":\"ping\",\"args\":[]}", PACTA_BAD_REQUEST, "args", "7"},
        {"{\"id\":7,\"op\":\"ping\",\"args\":\"x\"}", PACTA_BAD_REQUEST, "args", "7"},
        {"{\"id\":7,\"op\":\"ping\",\"args\":3}", PACTA_BAD_REQUEST, "args", "7"},
        {"{\"id\":7,\"op\":\"ping\",\"arg\":{}}", PACTA_BAD_REQUEST, "arg", "7"},
        {"{\"id\":7,\"id\":8,\"op\":\"ping\"}", PACTA_BAD_REQUEST, "", NULL},
        /* invalid UTF-8 and \u0000 are refused by the parser */
        {"{\"id\":7,\"op\":\"ping\",\"args\":{\"a\":\"\xff\"}}", PACTA_BAD_REQUEST, "", NULL},
        {"{\"id\":7,\"op\":\"ping\",\"args\":{\"a\":\"x\\u0000y\"}}", PACTA_BAD_REQUEST, "", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct bad_request_case *c = &cases[i];
        struct pacta_request req;
        struct pacta_error err = {0};
        int rc = pacta_request_parse(c->frame, strlen(c->frame), &req, &err);
        CHECKF(rc == -(int)c->code, "case %zu (%s): rc %d", i, c->frame, rc);
        CHECKF(err.code == c->code, "case %zu", i);
        CHECKF(strcmp(err.field, c->field) == 0, "case %zu: field \"%s\" != \"%s\"", i, err.field,
               c->field);
        CHECKF(err.message[0] != '\0', "case %zu has no message", i);
        CHECK(req.root == NULL && req.op == PACTA_OP_UNKNOWN);
        if (c->echo_id) {
            char *s = req.id ? json_dumps(req.id, JSON_ENCODE_ANY) : NULL;
            CHECKF(s && strcmp(s, c->echo_id) == 0, "case %zu: id %s", i, s ? s : "(none)");
            free(s);
        } else {
            CHECKF(req.id == NULL, "case %zu echoes an invalid id", i);
        }
        pacta_request_clear(&req);
    }
}

static void test_request_good(void)
{
    struct pacta_request req;
    struct pacta_error err;
    const char *f1 = "{\"id\":0,\"op\":\"ping\"}";
    REQUIRE(pacta_request_parse(f1, strlen(f1), &req, &err) == 0);
    CHECK(req.op == PACTA_OP_PING);
    CHECK_STR(req.op_name, "ping");
    CHECK(json_is_integer(req.id) && json_integer_value(req.id) == 0);
    CHECK(json_is_object(req.args) && json_object_size(req.args) == 0);
    pacta_request_clear(&req);
    CHECK(req.root == NULL && req.id == NULL);

    const char *f2 = "{\"args\":{\"status\":\"active\"},\"op\":\"contracts.list\","
                     "\"id\":9007199254740991}";
    REQUIRE(pacta_request_parse(f2, strlen(f2), &req, &err) == 0);
    CHECK(req.op == PACTA_OP_CONTRACTS_LIST);
    CHECK(json_integer_value(req.id) == 9007199254740991LL);
    CHECK_STR(json_string_value(json_object_get(req.args, "status")), "active");
    pacta_request_clear(&req);

    /* string ids of 1 and 64 characters (code points, not bytes) */
    char f3[400];
    char id64[300] = "";
    for (int i = 0; i < 64; i++)
        strcat(id64, "\xc3\xa9");
    snprintf(f3, sizeof(f3), "{\"id\":\"%s\",\"op\":\"auth.logout\",\"args\":null}", id64);
    REQUIRE(pacta_request_parse(f3, strlen(f3), &req, &err) == 0);
    CHECK_STR(json_string_value(req.id), id64);
    CHECK(json_is_object(req.args));
    pacta_request_clear(&req);
    const char *f4 = "{\"id\":\"x\",\"op\":\"subscribe\",\"args\":{\"since\":5}}";
    REQUIRE(pacta_request_parse(f4, strlen(f4), &req, &err) == 0);
    CHECK(req.op == PACTA_OP_SUBSCRIBE);
    pacta_request_clear(&req);

    /* the length argument is honoured: no NUL terminator needed */
    const char *f5 = "{\"id\":1,\"op\":\"ping\"}garbage";
    REQUIRE(pacta_request_parse(f5, 20, &req, &err) == 0);
    pacta_request_clear(&req);
}

static void test_request_size(void)
{
    size_t n = PACTA_MAX_MESSAGE_BYTES + 1;
    char *buf = malloc(n + 1);
    REQUIRE(buf != NULL);
    /* a valid frame padded with whitespace to the exact limit parses ... */
    const char *head = "{\"id\":1,\"op\":\"ping\"}";
    memset(buf, ' ', n);
    memcpy(buf, head, strlen(head));
    buf[n] = '\0';
    struct pacta_request req;
    struct pacta_error err = {0};
    CHECK(pacta_request_parse(buf, n - 1, &req, &err) == 0);
    pacta_request_clear(&req);
    /* ... one byte more is too_large */
    CHECK(pacta_request_parse(buf, n, &req, &err) == -(int)PACTA_TOO_LARGE);
    CHECK(err.code == PACTA_TOO_LARGE);
    CHECK_STR(err.field, "");
    CHECK(req.id == NULL);
    pacta_request_clear(&req);
    free(buf);
}

/* ---- encoders -------------------------------------------------------------- */

static json_t *parse_back(char *s, size_t len)
{
    REQUIRE(s != NULL);
    CHECK(strlen(s) == len);
    CHECKF(strchr(s, '\n') == NULL && strstr(s, ": ") == NULL, "not compact: %s", s);
    json_t *j = json_loads(s, 0, NULL);
    REQUIRE(j != NULL);
    free(s);
    return j;
}

static void test_encode_ok(void)
{
    size_t len;
    json_t *id = json_integer(7);
    char *s = pacta_encode_ok(id, json_pack("{s:i}", "head", 42), &len);
    CHECK_STR(s, "{\"id\":7,\"ok\":true,\"result\":{\"head\":42}}");
    json_t *j = parse_back(s, len);
    CHECK(json_integer_value(json_object_get(j, "id")) == 7);
    CHECK(json_is_true(json_object_get(j, "ok")));
    CHECK(json_integer_value(json_object_get(json_object_get(j, "result"), "head")) == 42);
    json_decref(j);
    json_decref(id);

    id = json_string("req-1");
    s = pacta_encode_ok(id, NULL, &len);
    CHECK_STR(s, "{\"id\":\"req-1\",\"ok\":true,\"result\":{}}");
    json_decref(parse_back(s, len));
    json_decref(id);

    s = pacta_encode_ok(NULL, NULL, NULL);
    CHECK_STR(s, "{\"id\":null,\"ok\":true,\"result\":{}}");
    free(s);
}

static void test_encode_error(void)
{
    struct pacta_error err;
    size_t len;
    json_t *id = json_integer(3);
    pacta_error_set(&err, PACTA_CONFLICT, "", "version %d is stale", 2);
    json_t *extra =
        json_pack("{s:{s:s,s:i},s:s}", "current", "id", "x", "version", 3, "code", "ignored");
    char *s = pacta_encode_error(id, &err, extra, &len);
    json_t *j = parse_back(s, len);
    CHECK(json_integer_value(json_object_get(j, "id")) == 3);
    CHECK(json_is_false(json_object_get(j, "ok")));
    json_t *e = json_object_get(j, "error");
    CHECK_STR(json_string_value(json_object_get(e, "code")), "conflict");
    CHECK_STR(json_string_value(json_object_get(e, "message")), "version 2 is stale");
    CHECK(json_object_get(e, "field") == NULL);
    CHECK(json_integer_value(json_object_get(json_object_get(e, "current"), "version")) == 3);
    json_decref(j);
    json_decref(id);

    pacta_error_set(&err, PACTA_BAD_REQUEST, "title", "must not be empty");
    s = pacta_encode_error(NULL, &err, NULL, &len);
    CHECK_STR(s, "{\"id\":null,\"ok\":false,\"error\":{\"code\":\"bad_request\","
                 "\"message\":\"must not be empty\",\"field\":\"title\"}}");
    json_decref(parse_back(s, len));

    /* no error at all, or PACTA_OK, still encodes a valid error */
    s = pacta_encode_error(NULL, NULL, NULL, &len);
    j = parse_back(s, len);
    CHECK_STR(json_string_value(json_object_get(json_object_get(j, "error"), "code")), "internal");
    json_decref(j);
}

static void test_encode_event(void)
{
    size_t len;
    char *s =
        pacta_encode_event(PACTA_EV_CONTRACT_UPDATED, 1042,
                           json_pack("{s:[s],s:s}", "changed", "title", "actor", "ana"), &len);
    CHECK_STR(s, "{\"event\":\"contract.updated\",\"seq\":1042,"
                 "\"data\":{\"changed\":[\"title\"],\"actor\":\"ana\"}}");
    json_t *j = parse_back(s, len);
    CHECK(json_integer_value(json_object_get(j, "seq")) == 1042);
    json_decref(j);

    s = pacta_encode_event("session.connected", 0, NULL, &len);
    CHECK_STR(s, "{\"event\":\"session.connected\",\"data\":{}}");
    json_decref(parse_back(s, len));
}

int main(void)
{
    test_names();
    test_ops();
    test_error_set();
    test_request_bad();
    test_request_good();
    test_request_size();
    test_encode_ok();
    test_encode_error();
    test_encode_event();
    return test_summary();
}
