/*
 * it_protocol_errors: PROTOCOL.md's promises about refused requests, on a
 * raw websocket: §2.1 (ids of every JSON type echoed, or null when invalid;
 * the order of the envelope checks), §3.1 (requests before login), §4
 * (unknown members refused, in args and in the objects inside them), and
 * the errors each op of §6 lists, with their code, field and the members
 * the document says they carry (`received`, `current`); no message names
 * an internal (§2.2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "it_protocol_util.h"
#include "test.h"

static void test_envelope(const struct it_server *srv)
{
    struct ctl_ws *ws = it_ws_connect(srv);
    /* §3.1: before login, any op but auth.* is unauthenticated */
    json_t *r = raw(ws, "{\"id\":1,\"op\":\"ping\"}");
    CHECKF(r && strcmp(err_code(r), "unauthenticated") == 0, "ping before login: %s", err_code(r));
    json_decref(r);
    r = raw(ws, "{\"id\":2,\"op\":\"auth.logout\"}");
    CHECKF(r && strcmp(err_code(r), "unauthenticated") == 0, "auth.logout before login: %s",
           err_code(r));
    json_decref(r);

    /* §2.1: ids of every valid kind echoed as sent */
    static const char *const valid[] = {"0", "9007199254740991", "\"x\"",
                                        "\"0123456789012345678901234567890123456789012345678901234"
                                        "567890123\"",
                                        "\"é\""};
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        char text[256];
        snprintf(text, sizeof text, "{\"id\":%s,\"op\":\"ping\"}", valid[i]);
        r = raw(ws, text);
        json_t *want = json_loads(valid[i], JSON_DECODE_ANY, NULL);
        CHECKF(r && json_equal(json_object_get(r, "id"), want), "id %s not echoed", valid[i]);
        json_decref(want);
        json_decref(r);
    }
    /* invalid ids: answered bad_request field id with "id": null */
    static const char *const invalid[] = {
        "-1",   "9007199254740992",
        "1.5",  "1e3",
        "\"\"", "true",
        "null", "{}",
        "[1]",  "\"0123456789012345678901234567890123456789012345678901234567890123x\""};
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        char text[256];
        snprintf(text, sizeof text, "{\"id\":%s,\"op\":\"ping\"}", invalid[i]);
        r = raw(ws, text);
        CHECKF(r && json_is_null(json_object_get(r, "id")) &&
                   strcmp(err_code(r), "bad_request") == 0 && strcmp(err_field(r), "id") == 0,
               "id %s: want bad_request field id, id null", invalid[i]);
        json_decref(r);
    }
    /* order of checks: id before op before args before unknown members */
    r = raw(ws, "{\"op\":\"nope\",\"zz\":1}");
    CHECKF(r && strcmp(err_field(r), "id") == 0, "missing id first: field %s", err_field(r));
    json_decref(r);
    r = raw(ws, "{\"id\":3,\"op\":\"nope\",\"args\":5,\"zz\":1}");
    CHECKF(r && strcmp(err_field(r), "op") == 0 &&
               json_integer_value(json_object_get(r, "id")) == 3,
           "unknown op: field %s", err_field(r));
    json_decref(r);
    r = raw(ws, "{\"id\":4,\"op\":\"ping\",\"args\":5,\"zz\":1}");
    CHECKF(r && strcmp(err_field(r), "args") == 0, "args not an object: field %s", err_field(r));
    json_decref(r);
    r = raw(ws, "{\"id\":5,\"op\":\"ping\",\"zz\":1}");
    CHECKF(r && strcmp(err_field(r), "zz") == 0, "unknown member: field %s", err_field(r));
    json_decref(r);
    /* §4 before login: auth.login with an unknown member */
    r = raw(ws, "{\"id\":6,\"op\":\"auth.login\",\"args\":{\"username\":\"a\",\"password\":\"b\","
                "\"zz\":1}}");
    CHECKF(r && strcmp(err_code(r), "bad_request") == 0 && strcmp(err_field(r), "zz") == 0,
           "auth.login unknown member: %s field %s", err_code(r), err_field(r));
    json_decref(r);
    r = raw(ws, "{\"id\":7,\"op\":\"ping\",\"args\":null}");
    CHECKF(r && strcmp(err_code(r), "unauthenticated") == 0, "args null: %s", err_code(r));
    json_decref(r);
    ctl_ws_close(ws, 1000);
}

/* text with %C replaced by c, %U by u and %XN by N x's */
static char *fill(const char *t, const char *c, const char *u)
{
    static char out[2048];
    size_t o = 0;
    for (; *t && o + 80 < sizeof out; t++) {
        if (t[0] == '%' && t[1] == 'X') {
            char *end;
            long n = strtol(t + 2, &end, 10);
            for (long i = 0; i < n && o + 80 < sizeof out; i++)
                out[o++] = 'x';
            t = end - 1;
        } else if (t[0] == '%' && (t[1] == 'C' || t[1] == 'U')) {
            o += (size_t)snprintf(out + o, sizeof out - o, "%s", t[1] == 'C' ? c : u);
            t++;
        } else
            out[o++] = *t;
    }
    out[o] = '\0';
    return out;
}

/*
 * The errors §6 and §11 promise, each op's own, with their code, field and
 * (where the document says it) an extra member, on a raw websocket.
 */
static void test_errors(void)
{
    const char *args[] = {"--export-max-rows", "1", "--documents-max-bytes", "1000", NULL};
    struct it_server *srv = it_server_start(args);
    struct ctl_ws *adm = it_ws_login(srv, "admin", IT_ADMIN_PASSWORD);
    json_t *r = raw(adm, "{\"id\":0,\"op\":\"contracts.create\",\"args\":{\"number\":\"A\","
                         "\"title\":\"t\",\"counterparty\":\"c\",\"kind\":\"client\","
                         "\"currency\":\"EUR\",\"status\":\"active\"}}");
    char c[64];
    snprintf(c, sizeof c, "%s", it_str(res(r, "contract"), "id"));
    json_decref(r);
    json_decref(raw(adm, "{\"id\":0,\"op\":\"contracts.create\",\"args\":{\"number\":\"B\","
                         "\"title\":\"t\",\"counterparty\":\"c\",\"kind\":\"client\","
                         "\"currency\":\"EUR\"}}"));
    char t[512];
    snprintf(t, sizeof t,
             "{\"id\":0,\"op\":\"documents.upload.begin\",\"args\":{\"contract_id\":\"%s\","
             "\"name\":\"a.txt\",\"size\":6,\"sha256\":\"5891b5b522d5df086d0ff0b110fbd9d21bb4fc"
             "7163af34d08286a2e846f6be03\"}}",
             c);
    r = raw(adm, t);
    char u[64];
    snprintf(u, sizeof u, "%s", it_str(json_object_get(r, "result"), "upload_id"));
    json_decref(r);

    static const struct {
        const char *req, *code, *field, *extra;
    } rows[] = {
        /* §2.1 */
        {"{\"id\":1,\"op\":\"ping\",\"args\":{\"a\":\"\\u0000\"}}", "bad_request", NULL, NULL},
        {"{\"id\":1,\"op\":\"ping\",\"args\":{},\"args\":{}}", "bad_request", NULL, NULL},
        {"[1]", "bad_request", NULL, NULL},
        /* §4 */
        {"{\"id\":1,\"op\":\"ping\",\"args\":{\"zz\":1}}", "bad_request", "zz", NULL},
        {"{\"id\":1,\"op\":\"users.preferences\",\"args\":{\"zz\":1}}", "bad_request", "zz", NULL},
        {"{\"id\":1,\"op\":\"views.save\",\"args\":{\"name\":\"v\",\"filter\":{},\"sort\":{\"zz\":"
         "1}}}",
         "bad_request", "zz", NULL},
        {"{\"id\":1,\"op\":\"views.save\",\"args\":{\"name\":\"v\",\"filter\":{\"sort\":\"title\"}}"
         "}",
         "bad_request", "sort", NULL},
        {"{\"id\":1,\"op\":\"export.contracts\",\"args\":{\"format\":\"csv\",\"filters\":{\"zz\":1}"
         "}}",
         "bad_request", "zz", NULL},
        {"{\"id\":1,\"op\":\"export.contracts\",\"args\":{\"format\":\"csv\",\"filters\":{"
         "\"limit\":1}}}",
         "bad_request", "limit", NULL},
        {"{\"id\":1,\"op\":\"contracts.create\",\"args\":{\"number\":\"X\",\"title\":\"t\","
         "\"counterparty\":\"c\",\"kind\":\"client\",\"currency\":\"EUR\",\"lifecycle\":\"active\"}"
         "}",
         "bad_request", "lifecycle", NULL},
        {"{\"id\":1,\"op\":\"contracts.update\",\"args\":{\"id\":\"%C\",\"version\":1,\"changes\":"
         "{\"version\":3}}}",
         "bad_request", "version", NULL},
        {"{\"id\":1,\"op\":\"contracts.update\",\"args\":{\"id\":\"%C\",\"version\":1,\"changes\":{"
         "}}}",
         "bad_request", "changes", NULL},
        /* §6.1, 6.2 argument limits */
        {"{\"id\":1,\"op\":\"auth.login\",\"args\":{\"username\":\"%X65\",\"password\":\"p\"}}",
         "bad_request", "username", NULL},
        {"{\"id\":1,\"op\":\"auth.login\",\"args\":{\"username\":\"a\",\"password\":\"\"}}",
         "bad_request", "password", NULL},
        {"{\"id\":1,\"op\":\"auth.login\",\"args\":{\"username\":\"a\",\"password\":\"p\","
         "\"client\":\"%X101\"}}",
         "bad_request", "client", NULL},
        {"{\"id\":1,\"op\":\"auth.resume\",\"args\":{\"token\":\"%X129\"}}", "bad_request", "token",
         NULL},
        {"{\"id\":1,\"op\":\"users.create\",\"args\":{\"username\":\"pw\",\"password\":"
         "\"1234567\",\"role\":\"viewer\"}}",
         "bad_request", "password", NULL},
        {"{\"id\":1,\"op\":\"export.read\",\"args\":{\"export_id\":"
         "\"00000000-0000-0000-0000-000000000000\",\"offset\":0,\"length\":262145}}",
         "bad_request", "length", NULL},
        {"{\"id\":1,\"op\":\"documents.download\",\"args\":{\"id\":"
         "\"00000000-0000-0000-0000-000000000000\",\"length\":1048577}}",
         "bad_request", "length", NULL},
        /* §6.4 */
        {"{\"id\":1,\"op\":\"contracts.list\",\"args\":{\"cursor\":\"xyz\"}}", "bad_request",
         "cursor", NULL},
        {"{\"id\":1,\"op\":\"contracts.list\",\"args\":{\"sort\":\"relevance\"}}", "bad_request",
         "sort", NULL},
        {"{\"id\":1,\"op\":\"contracts.list\",\"args\":{\"q\":\"a\",\"order\":\"desc\"}}",
         "bad_request", "order", NULL},
        {"{\"id\":1,\"op\":\"contracts.list\",\"args\":{\"amount_min\":1}}", "bad_request",
         "currency", NULL},
        {"{\"id\":1,\"op\":\"contracts.list\",\"args\":{\"end_from\":\"2026-02-01\",\"end_to\":"
         "\"2026-01-01\"}}",
         "bad_request", "end_to", NULL},
        /* §6.5, 6.7, 6.8, 6.9 */
        {"{\"id\":1,\"op\":\"contracts.get\",\"args\":{\"id\":\"00000000-0000-0000-0000-"
         "000000000000\"}}",
         "not_found", "id", NULL},
        {"{\"id\":1,\"op\":\"supplements.list\",\"args\":{\"contract_id\":"
         "\"00000000-0000-0000-0000-000000000000\"}}",
         "not_found", "contract_id", NULL},
        {"{\"id\":1,\"op\":\"contracts.update\",\"args\":{\"id\":\"%C\",\"version\":1,\"changes\":"
         "{\"title\":\"u\"}}}",
         "bad_request", "reason", NULL},
        {"{\"id\":1,\"op\":\"contracts.update\",\"args\":{\"id\":\"%C\",\"version\":9,\"changes\":"
         "{\"title\":\"u\"},\"reason\":\"r\"}}",
         "conflict", "version", "current"},
        {"{\"id\":1,\"op\":\"contracts.update\",\"args\":{\"id\":\"%C\",\"version\":1,\"changes\":"
         "{\"number\":\"B\"},\"reason\":\"r\"}}",
         "conflict", "number", NULL},
        {"{\"id\":1,\"op\":\"contracts.update\",\"args\":{\"id\":\"%C\",\"version\":1,\"changes\":"
         "{\"owner\":\"nobody\"},\"reason\":\"r\"}}",
         "bad_request", "owner", NULL},
        {"{\"id\":1,\"op\":\"contracts.update\",\"args\":{\"id\":\"%C\",\"version\":1,\"changes\":"
         "{\"start_date\":\"2027-01-02\",\"end_date\":\"2027-01-01\"},\"reason\":\"r\"}}",
         "bad_request", "end_date", NULL},
        {"{\"id\":1,\"op\":\"contracts.create\",\"args\":{\"id\":\"%C\",\"number\":\"Y\",\"title\":"
         "\"t\",\"counterparty\":\"c\",\"kind\":\"client\",\"currency\":\"EUR\"}}",
         "conflict", "id", NULL},
        /* §6.7 the order of the checks */
        {"{\"id\":1,\"op\":\"contracts.update\",\"args\":{\"id\":\"00000000-0000-0000-0000-"
         "000000000000\",\"version\":9,\"changes\":{\"title\":\"u\"}}}",
         "not_found", "id", NULL},
        {"{\"id\":1,\"op\":\"contracts.update\",\"args\":{\"id\":\"%C\",\"version\":9,\"changes\":"
         "{\"start_date\":\"2027-01-02\",\"end_date\":\"2027-01-01\"}}}",
         "bad_request", "end_date", NULL}, /* both dates in changes: an argument check */
        {"{\"id\":1,\"op\":\"contracts.update\",\"args\":{\"id\":\"%C\",\"version\":1,\"changes\":"
         "{\"start_date\":\"2027-01-02\",\"end_date\":\"2027-01-01\"}}}",
         "bad_request", "end_date", NULL},
        {"{\"id\":1,\"op\":\"contracts.delete\",\"args\":{\"id\":\"%C\",\"version\":9}}",
         "conflict", "version", "current"},
        /* §6.10 */
        {"{\"id\":1,\"op\":\"subscribe\",\"args\":{\"since\":999}}", "bad_request", "since", NULL},
        /* §6.12, 6.19, 6.22, 6.25, 6.26 */
        {"{\"id\":1,\"op\":\"users.create\",\"args\":{\"username\":\"admin\",\"password\":"
         "\"12345678\",\"role\":\"viewer\"}}",
         "conflict", "username", NULL},
        {"{\"id\":1,\"op\":\"admin.kick\",\"args\":{\"session\":999}}", "not_found", "session",
         NULL},
        {"{\"id\":1,\"op\":\"notifications.mark_read\",\"args\":{\"ids\":[]}}", "bad_request",
         "ids", NULL},
        {"{\"id\":1,\"op\":\"notifications.list\",\"args\":{\"cursor\":\"x\"}}", "bad_request",
         "cursor", NULL},
        {"{\"id\":1,\"op\":\"admin.clock.set\",\"args\":{\"now\":\"2027-01-01T00:00:00Z\"}}",
         "forbidden", NULL, NULL},
        {"{\"id\":1,\"op\":\"users.update\",\"args\":{\"username\":\"nobody\",\"role\":\"viewer\"}"
         "}",
         "not_found", "username", NULL},
        {"{\"id\":1,\"op\":\"users.update\",\"args\":{\"username\":\"admin\",\"role\":\"viewer\"}}",
         "conflict", "role", NULL},
        {"{\"id\":1,\"op\":\"users.update\",\"args\":{\"username\":\"admin\",\"disabled\":true}}",
         "conflict", "disabled", NULL},
        /* §6.27-6.30: no backup key */
        {"{\"id\":1,\"op\":\"backups.create\"}", "unavailable", NULL, NULL},
        {"{\"id\":1,\"op\":\"backups.verify\",\"args\":{\"id\":999}}", "unavailable", NULL, NULL},
        /* §6.31-6.33 */
        {"{\"id\":1,\"op\":\"export.contracts\",\"args\":{\"format\":\"csv\"}}", "too_large",
         "filters", NULL},
        {"{\"id\":1,\"op\":\"export.contracts\",\"args\":{\"format\":\"xlsx\",\"bom\":true}}",
         "bad_request", "bom", NULL},
        {"{\"id\":1,\"op\":\"export.contracts\",\"args\":{\"format\":\"pdf\",\"contract_id\":"
         "\"00000000-0000-0000-0000-000000000000\"}}",
         "not_found", "contract_id", NULL},
        {"{\"id\":1,\"op\":\"export.read\",\"args\":{\"export_id\":"
         "\"00000000-0000-0000-0000-000000000000\",\"offset\":0}}",
         "not_found", "export_id", NULL},
        {"{\"id\":1,\"op\":\"export.cancel\",\"args\":{\"export_id\":"
         "\"00000000-0000-0000-0000-000000000000\"}}",
         "not_found", "export_id", NULL},
        /* §6.35-6.41 */
        {"{\"id\":1,\"op\":\"documents.upload.begin\",\"args\":{\"contract_id\":\"%C\",\"name\":"
         "\"a.pdf\",\"size\":1001,\"sha256\":"
         "\"5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2"
         "e846f6be03\"}}",
         "too_large", "size", NULL},
        {"{\"id\":1,\"op\":\"documents.upload.begin\",\"args\":{\"contract_id\":\"%C\",\"name\":"
         "\"a.zip\",\"size\":6,\"sha256\":\"5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2"
         "e846f6be03\",\"mime\":\"application/x-msdownload\"}}",
         "bad_request", "mime", NULL},
        {"{\"id\":1,\"op\":\"documents.upload.begin\",\"args\":{\"contract_id\":"
         "\"00000000-0000-0000-0000-000000000000\",\"name\":\"a.txt\",\"size\":6,\"sha256\":"
         "\"5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03\"}}",
         "not_found", "contract_id", NULL},
        {"{\"id\":1,\"op\":\"documents.upload.chunk\",\"args\":{\"upload_id\":\"%U\",\"offset\":3,"
         "\"data\":\"aGVs\"}}",
         "conflict", "offset", "received"},
        {"{\"id\":1,\"op\":\"documents.upload.chunk\",\"args\":{\"upload_id\":\"%U\",\"offset\":0,"
         "\"data\":\"aGVs\",\"sha256\":"
         "\"0000000000000000000000000000000000000000000000000000000000000"
         "000\"}}",
         "bad_request", "sha256", "received"},
        {"{\"id\":1,\"op\":\"documents.upload.chunk\",\"args\":{\"upload_id\":\"%U\",\"offset\":0,"
         "\"data\":\"aGVsbG8KaGVsbG8K\"}}",
         "bad_request", "data", "received"},
        {"{\"id\":1,\"op\":\"documents.upload.chunk\",\"args\":{\"upload_id\":"
         "\"ffffffffffffffffffffff"
         "ffffffffff\",\"offset\":0,\"data\":\"aGVs\"}}",
         "not_found", "upload_id", NULL},
        {"{\"id\":1,\"op\":\"documents.upload.finish\",\"args\":{\"upload_id\":\"%U\"}}",
         "bad_request", "upload_id", "received"},
        {"{\"id\":1,\"op\":\"documents.list\",\"args\":{\"contract_id\":"
         "\"00000000-0000-0000-0000-000000000000\"}}",
         "not_found", "contract_id", NULL},
        {"{\"id\":1,\"op\":\"documents.get\",\"args\":{\"id\":\"00000000-0000-0000-0000-"
         "000000000000\"}}",
         "not_found", "id", NULL},
        {"{\"id\":1,\"op\":\"documents.download\",\"args\":{\"id\":"
         "\"00000000-0000-0000-0000-000000000000\"}}",
         "not_found", "id", NULL},
        {"{\"id\":1,\"op\":\"documents.delete\",\"args\":{\"id\":\"00000000-0000-0000-0000-"
         "000000000000\"}}",
         "not_found", "id", NULL},
        /* §6.44, 6.46 */
        {"{\"id\":1,\"op\":\"views.save\",\"args\":{\"name\":\"v\",\"filter\":{\"q\":\"a\"},"
         "\"sort\":{\"order\":\"desc\"}}}",
         "bad_request", "order", NULL},
        {"{\"id\":1,\"op\":\"views.save\",\"args\":{\"name\":\"v\",\"filter\":{\"q\":\"a\"},"
         "\"sort\":{\"key\":\"relevance\",\"order\":\"desc\"}}}",
         "bad_request", "order", NULL},
        {"{\"id\":1,\"op\":\"views.delete\",\"args\":{\"name\":\"none\"}}", "not_found", "name",
         NULL},
        {"{\"id\":1,\"op\":\"views.save\",\"args\":{\"name\":\"v\",\"filter\":{},\"sort\":{\"key\":"
         "\"relevance\"}}}",
         "bad_request", "key", NULL},
    };
    /* §2.1 nesting: 2048 levels are JSON, more are not */
    for (int depth = 2048; depth <= 2049; depth++) {
        static char deep[8192];
        int o = snprintf(deep, sizeof deep, "{\"id\":1,\"op\":\"ping\",\"args\":{\"a\":");
        for (int i = 0; i < depth - 2; i++)
            deep[o++] = '[';
        for (int i = 0; i < depth - 2; i++)
            deep[o++] = ']';
        snprintf(deep + o, sizeof deep - (size_t)o, "}}");
        r = raw(adm, deep);
        /* depth: the two objects and depth - 2 arrays */
        const char *want = depth <= 2048 ? "a" : "(none)";
        CHECKF(r && strcmp(err_code(r), "bad_request") == 0 && strcmp(err_field(r), want) == 0,
               "%d levels: field %s, want %s", depth, err_field(r), want);
        json_decref(r);
    }
    /* §6.4: next_cursor is null exactly on the last page, a full one too */
    r = raw(adm, "{\"id\":0,\"op\":\"contracts.list\",\"args\":{\"limit\":2}}");
    CHECKF(json_array_size(res(r, "items")) == 2 && json_is_null(res(r, "next_cursor")),
           "a full last page has a next_cursor");
    json_decref(r);
    r = raw(adm, "{\"id\":0,\"op\":\"contracts.list\",\"args\":{\"limit\":1}}");
    CHECK(json_array_size(res(r, "items")) == 1 && json_is_string(res(r, "next_cursor")));
    snprintf(t, sizeof t,
             "{\"id\":0,\"op\":\"contracts.list\",\"args\":{\"limit\":1,\"cursor\":\"%s\"}}",
             json_string_value(res(r, "next_cursor")));
    json_decref(r);
    r = raw(adm, t);
    CHECKF(json_array_size(res(r, "items")) == 1 && json_is_null(res(r, "next_cursor")),
           "the second page of two: not the last");
    json_decref(r);
    /* §6.7: nothing differs: ok, changed [], no new version, even without
     * the reason an active contract needs */
    snprintf(t, sizeof t,
             "{\"id\":0,\"op\":\"contracts.update\",\"args\":{\"id\":\"%s\",\"version\":1,"
             "\"changes\":{\"title\":\"t\"}}}",
             c);
    r = raw(adm, t);
    CHECKF(r && json_is_array(res(r, "changed")) && json_array_size(res(r, "changed")) == 0 &&
               json_integer_value(json_object_get(res(r, "contract"), "version")) == 1,
           "a no-op update: %s", err_code(r));
    json_decref(r);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *text = fill(rows[i].req, c, u);
        r = raw(adm, text);
        json_t *e = json_object_get(r, "error");
        const char *field = json_string_value(json_object_get(e, "field"));
        CHECKF(r && strcmp(err_code(r), rows[i].code) == 0 &&
                   (rows[i].field ? field && strcmp(field, rows[i].field) == 0 : field == NULL) &&
                   (!rows[i].extra || json_object_get(e, rows[i].extra)),
               "%s: want %s field %s%s%s, got %s", text, rows[i].code,
               rows[i].field ? rows[i].field : "(none)", rows[i].extra ? " with " : "",
               rows[i].extra ? rows[i].extra : "", r ? json_dumps(r, JSON_COMPACT) : "nothing");
        /* no internals in messages (§2.2): not the JSON parser's flags */
        const char *m = json_string_value(json_object_get(e, "message"));
        CHECKF(m && !strstr(m, "JSON_"), "%s: message %s", text, m ? m : "(none)");
        /* every error object is code, message[, field][, ...] in this order */
        const char *k0 = e ? json_object_iter_key(json_object_iter(e)) : NULL;
        CHECKF(e && k0 && strcmp(k0, "code") == 0 && json_is_string(json_object_get(e, "message")),
               "%s: error is not code, message, ...", text);
        json_decref(r);
    }
    /* §4: an optional member null is the same as absent */
    static const char *const nulls[] = {
        "{\"id\":0,\"op\":\"contracts.list\",\"args\":{\"status\":null,\"limit\":null,"
        "\"cursor\":null,\"sort\":null,\"order\":null,\"q\":null,\"include_deleted\":null}}",
        "{\"id\":0,\"op\":\"contracts.expiring\",\"args\":{\"days\":null}}",
        "{\"id\":0,\"op\":\"notifications.list\",\"args\":{\"unread_only\":null,\"cursor\":"
        "null,\"limit\":null}}",
        "{\"id\":0,\"op\":\"views.save\",\"args\":{\"name\":\"n\",\"filter\":{\"status\":"
        "null},\"sort\":null}}",
        "{\"id\":0,\"op\":\"views.save\",\"args\":{\"name\":\"n\",\"filter\":{},\"sort\":"
        "{\"key\":null,\"order\":null}}}",
        "{\"id\":0,\"op\":\"subscribe\",\"args\":{\"since\":null}}",
        "{\"id\":0,\"op\":\"contracts.delete\",\"args\":{\"id\":\"%C\",\"version\":1,"
        "\"reason\":null}}",
    };
    for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++) {
        const char *text = fill(nulls[i], c, u);
        r = raw(adm, text);
        CHECKF(r && json_is_true(json_object_get(r, "ok")), "%s: %s", text,
               json_string_value(json_object_get(json_object_get(r, "error"), "message")));
        json_decref(r);
    }

    /* §6.15 null is "none"; §6.23 null reads; §6.18/6.43 off is {}; §3.6 a
     * failed auth.resume or auth.login on a logged-in connection leaves it
     * logged in (the error of §6.2 names the token) */
    static const struct {
        const char *req, *want;
    } seq[] = {
        {"{\"id\":1,\"op\":\"presence.set\",\"args\":{\"contract_id\":null}}", "{}"},
        {"{\"id\":1,\"op\":\"users.preferences\",\"args\":{\"digest\":null}}",
         "{\"digest\":false}"},
        {"{\"id\":1,\"op\":\"admin.connections.watch\",\"args\":{\"on\":false}}", "{}"},
        {"{\"id\":1,\"op\":\"dashboard.watch\",\"args\":{\"on\":false}}", "{}"},
        {"{\"id\":1,\"op\":\"auth.resume\",\"args\":{\"token\":\"nope\"}}", "token"},
        {"{\"id\":1,\"op\":\"auth.login\",\"args\":{\"username\":\"admin\",\"password\":"
         "\"x\"}}",
         "unauthenticated"},
        {"{\"id\":1,\"op\":\"users.list\"}", NULL},
    };
    for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++) {
        r = raw(adm, seq[i].req);
        json_t *result = json_object_get(r, "result");
        json_t *want =
            seq[i].want && seq[i].want[0] == '{' ? json_loads(seq[i].want, 0, NULL) : NULL;
        if (want)
            CHECKF(json_equal(result, want), "%s: not %s", seq[i].req, seq[i].want);
        else if (seq[i].want && strcmp(seq[i].want, "token") == 0)
            CHECKF(strcmp(err_code(r), "unauthenticated") == 0 &&
                       strcmp(err_field(r), "token") == 0,
                   "%s: not unauthenticated field token", seq[i].req);
        else if (seq[i].want)
            CHECKF(strcmp(err_code(r), seq[i].want) == 0, "%s: not %s", seq[i].req, seq[i].want);
        else
            CHECKF(result != NULL, "%s after failed logins: %s", seq[i].req, err_code(r));
        json_decref(want);
        json_decref(r);
    }
    ctl_ws_close(adm, 1000);
    it_server_stop(srv);
}

/*
 * §2.1: a string id is echoed as sent whatever thread answers the op (the
 * loop, the read pool, the writer, the password checks, the export and
 * upload workers): the team's clients only send integers.
 */
static void test_string_ids(void)
{
    const char *args[] = {"--backup-key-file", it_backup_key_file(), "--backup-time", "off", NULL};
    struct it_server *srv = it_server_start(args);
    struct ctl_ws *ws = it_ws_connect(srv);
    static const char id[] = "\"é\\\"\\\\\\u2028/x\"";
    json_t *want = json_loads(id, JSON_DECODE_ANY, NULL);
    REQUIRE(want != NULL);
    static const char *const ops[] = {
        "\"op\":\"auth.login\",\"args\":{\"username\":\"admin\",\"password\":\"" IT_ADMIN_PASSWORD
        "\"}",
        "\"op\":\"contracts.create\",\"args\":{\"number\":\"S\",\"title\":\"t\",\"counterparty\":"
        "\"c\",\"kind\":\"client\",\"currency\":\"EUR\"}",
        "\"op\":\"contracts.list\"",
        "\"op\":\"users.create\",\"args\":{\"username\":\"sid\",\"password\":\"12345678\",\"role\":"
        "\"viewer\"}",
        "\"op\":\"export.contracts\",\"args\":{\"format\":\"csv\"}",
        "\"op\":\"stats.dashboard\"",
        "\"op\":\"notifications.list\"",
        "\"op\":\"backups.create\"",
        "\"op\":\"subscribe\",\"args\":{\"since\":0}",
        "\"op\":\"auth.logout\"",
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        char text[512];
        snprintf(text, sizeof text, "{\"id\":%s,%s}", id, ops[i]);
        json_t *r = raw(ws, text);
        CHECKF(r && json_is_true(json_object_get(r, "ok")), "%s: %s", ops[i], err_code(r));
        CHECKF(r && json_equal(json_object_get(r, "id"), want), "%s: the string id not echoed",
               ops[i]);
        json_decref(r);
    }
    json_decref(want);
    ctl_ws_close(ws, 1000);

    /* §3.5: a second auth.login while one is in flight is rate_limited; the
     * first goes on */
    ws = it_ws_connect(srv);
    static const char login[] = "{\"id\":%d,\"op\":\"auth.login\",\"args\":{\"username\":"
                                "\"admin\",\"password\":\"" IT_ADMIN_PASSWORD "\"}}";
    char text[256];
    for (int id = 1; id <= 2; id++) {
        snprintf(text, sizeof text, login, id);
        if (ctl_ws_send_text(ws, text, strlen(text)) != 0)
            it_fatal("send failed");
    }
    int ok1 = 0, limited2 = 0;
    for (int i = 0; i < 2; i++) {
        json_t *r = recv_response(ws);
        json_int_t id = json_integer_value(json_object_get(r, "id"));
        ok1 |= id == 1 && json_is_true(json_object_get(r, "ok"));
        limited2 |= id == 2 && strcmp(err_code(r), "rate_limited") == 0;
        json_decref(r);
    }
    CHECKF(ok1 && limited2, "two logins in flight: first ok %d, second rate_limited %d", ok1,
           limited2);
    ctl_ws_close(ws, 1000);
    it_server_stop(srv);
}

int main(void)
{
    it_setup("it_protocol_errors");
    got_events = json_object();
    struct it_server *srv = it_server_start(NULL);
    test_envelope(srv);
    it_server_stop(srv);
    test_errors();
    test_string_ids();
    return it_done(test_summary());
}
