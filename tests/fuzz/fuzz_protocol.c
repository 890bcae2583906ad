/*
 * Fuzz target: libpacta-protocol, which turns every byte a client sends
 * into a request.  One input = one frame:
 *   pacta_request_parse -> the decoder of the parsed op on its args ->
 *   what the decoder promises (protocol.h) -> pacta_encode_ok/_error/_event
 *   of the results and errors, parsed back (round trip) -> the value
 *   validators on every string of the frame.
 * A broken promise aborts, so libFuzzer (or run_corpus) reports it like a
 * crash.  No I/O, no globals: each input runs alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pacta/documents.h>
#include <pacta/protocol.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_protocol: %s:%d: broken promise: %s\n", __FILE__, __LINE__,      \
                    #cond);                                                                        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Parses an encoder's output back: it must be one JSON object. */
static json_t *reparse(char *text, size_t len)
{
    json_error_t jerr;
    CHECK(text != NULL);
    CHECK(strlen(text) == len);
    json_t *m = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    CHECK(json_is_object(m));
    free(text);
    return m;
}

/* An echoed id is the request's id, or null when there was none. */
static void check_id(const json_t *frame, const json_t *id)
{
    const json_t *echo = json_object_get(frame, "id");
    CHECK(echo != NULL);
    CHECK(id ? json_equal(echo, id) : json_is_null(echo));
}

static void check_error_frame(const json_t *id, const struct pacta_error *err, json_t *extra)
{
    size_t len;
    char *text = pacta_encode_error(id, err, extra, &len);
    json_t *m = reparse(text, len);
    const json_t *e = json_object_get(m, "error");
    enum pacta_code want = err->code == PACTA_OK ? PACTA_INTERNAL : err->code;
    check_id(m, id);
    CHECK(json_is_false(json_object_get(m, "ok")));
    CHECK(json_is_object(e));
    CHECK(pacta_code_from_name(json_string_value(json_object_get(e, "code"))) == want);
    CHECK(json_is_string(json_object_get(e, "message")));
    json_decref(m);
}

/* ok frame round trip: the result comes back equal. */
static void check_ok_frame(const json_t *id, json_t *result)
{
    size_t len;
    json_t *copy = result ? json_deep_copy(result) : json_object();
    char *text = pacta_encode_ok(id, result, &len);
    json_t *m = reparse(text, len);
    check_id(m, id);
    CHECK(json_is_true(json_object_get(m, "ok")));
    CHECK(json_equal(json_object_get(m, "result"), copy));
    json_decref(copy);
    json_decref(m);
}

/* Every field of a decoded contract (or of update changes) is one the
 * validators accept. */
static void check_contract_fields(const json_t *c, int allow_id)
{
    const char *key;
    const json_t *v;
    CHECK(json_is_object(c));
    json_object_foreach((json_t *)c, key, v)
    {
        if (allow_id && strcmp(key, "id") == 0) {
            CHECK(pacta_valid_uuid(json_string_value(v)));
            continue;
        }
        const struct pacta_field_def *def = pacta_contract_field(key);
        CHECK(def != NULL);
        if (strcmp(key, "owner") == 0 && json_is_null(v))
            continue; /* create: "the server puts the creating user" */
        CHECK(pacta_field_validate(def, v, NULL) == 0);
    }
}

/* Runs the decoder of req->op; returns its rc, and on success checks what
 * protocol.h promises about the decoded values. */
static int decode_op(const struct pacta_request *req, struct pacta_error *err)
{
    const json_t *a = req->args;
    int rc = 0, on, digest, days;
    int64_t n;
    json_t *ids = NULL;

    switch (req->op) {
    case PACTA_OP_AUTH_LOGIN: {
        struct pacta_login_args x;
        if ((rc = pacta_decode_login(a, &x, err)) == 0)
            CHECK(x.username && x.password);
        break;
    }
    case PACTA_OP_AUTH_RESUME: {
        struct pacta_resume_args x;
        if ((rc = pacta_decode_resume(a, &x, err)) == 0)
            CHECK(x.token != NULL);
        break;
    }
    case PACTA_OP_CONTRACTS_LIST: {
        struct pacta_list_args x;
        if ((rc = pacta_decode_list(a, &x, err)) == 0)
            CHECK(x.limit >= 1 && x.limit <= PACTA_LIST_MAX_LIMIT);
        break;
    }
    case PACTA_OP_CONTRACTS_GET: {
        struct pacta_id_args x;
        rc = pacta_decode_get(a, &x, err);
        if (rc == 0)
            CHECK(pacta_valid_uuid(x.id));
        break;
    }
    case PACTA_OP_SUPPLEMENTS_LIST: {
        struct pacta_supplements_list_args x;
        rc = pacta_decode_supplements_list(a, &x, err);
        if (rc == 0)
            CHECK(pacta_valid_uuid(x.contract_id) && x.after >= 0 && x.limit >= 1 &&
                  x.limit <= PACTA_LIST_MAX_LIMIT);
        break;
    }
    case PACTA_OP_CONTRACTS_CREATE: {
        struct pacta_create_args x = {0};
        if ((rc = pacta_decode_create(a, &x, err)) == 0) {
            check_contract_fields(x.contract, 1);
            CHECK(pacta_contract_check(x.contract, NULL) == 0);
            for (const struct pacta_field_def *d = pacta_contract_fields; d->name; d++)
                CHECK(json_object_get(x.contract, d->name) != NULL); /* defaults filled in */
            check_ok_frame(req->id, json_pack("{s:O}", "contract", x.contract));
        }
        pacta_create_args_clear(&x);
        CHECK(x.contract == NULL);
        break;
    }
    case PACTA_OP_CONTRACTS_UPDATE: {
        struct pacta_update_args x = {0};
        if ((rc = pacta_decode_update(a, &x, err)) == 0) {
            CHECK(pacta_valid_uuid(x.id) && x.version >= 1);
            CHECK(json_object_size(x.changes) > 0);
            check_contract_fields(x.changes, 0);
            CHECK(json_object_get(x.changes, "owner") == NULL ||
                  !json_is_null(json_object_get(x.changes, "owner")));
        }
        pacta_update_args_clear(&x);
        CHECK(x.changes == NULL);
        break;
    }
    case PACTA_OP_CONTRACTS_DELETE: {
        struct pacta_delete_args x;
        if ((rc = pacta_decode_delete(a, &x, err)) == 0)
            CHECK(pacta_valid_uuid(x.id) && x.version >= 1);
        break;
    }
    case PACTA_OP_SUBSCRIBE: {
        struct pacta_subscribe_args x;
        if ((rc = pacta_decode_subscribe(a, &x, err)) == 0)
            CHECK(x.since >= 0 && (x.has_since || x.since == 0));
        break;
    }
    case PACTA_OP_USERS_CREATE: {
        struct pacta_user_create_args x;
        if ((rc = pacta_decode_user_create(a, &x, err)) == 0) {
            CHECK(pacta_valid_username(x.username) && x.role != PACTA_ROLE_NONE);
            CHECK(strlen(x.password) >= 8 && strlen(x.password) <= 1024);
        }
        break;
    }
    case PACTA_OP_USERS_UPDATE: {
        struct pacta_user_update_args x;
        if ((rc = pacta_decode_user_update(a, &x, err)) == 0) {
            CHECK(pacta_valid_username(x.username));
            CHECK(x.disabled >= -1 && x.disabled <= 1);
            CHECK(x.role != PACTA_ROLE_NONE || x.disabled >= 0 || x.display_name || x.password);
        }
        break;
    }
    case PACTA_OP_PRESENCE_SET: {
        struct pacta_presence_args x;
        if ((rc = pacta_decode_presence_set(a, &x, err)) == 0)
            CHECK(!x.contract_id || pacta_valid_uuid(x.contract_id));
        break;
    }
    case PACTA_OP_ADMIN_CONNS_WATCH:
        if ((rc = pacta_decode_admin_watch(a, &on, err)) == 0)
            CHECK(on == 0 || on == 1);
        break;
    case PACTA_OP_ADMIN_KICK:
        rc = pacta_decode_admin_kick(a, &n, err);
        break;
    case PACTA_OP_NOTIFICATIONS_LIST: {
        struct pacta_notifications_list_args x;
        if ((rc = pacta_decode_notifications_list(a, &x, err)) == 0)
            CHECK(x.limit >= 1 && x.limit <= PACTA_LIST_MAX_LIMIT && x.cursor >= 0);
        break;
    }
    case PACTA_OP_NOTIFICATIONS_MARK_READ:
        if ((rc = pacta_decode_notifications_mark_read(a, &ids, err)) == 0) {
            size_t i;
            const json_t *v;
            CHECK(json_array_size(ids) >= 1 && json_array_size(ids) <= 500);
            json_array_foreach(ids, i, v) CHECK(json_is_integer(v) && json_integer_value(v) >= 1);
        }
        json_decref(ids);
        break;
    case PACTA_OP_USERS_PREFERENCES:
        if ((rc = pacta_decode_user_preferences(a, &digest, err)) == 0)
            CHECK(digest >= -1 && digest <= 1);
        break;
    case PACTA_OP_CONTRACTS_EXPIRING:
        if ((rc = pacta_decode_contracts_expiring(a, &days, err)) == 0)
            CHECK(days >= 0 && days <= 3650);
        break;
    case PACTA_OP_ADMIN_CLOCK_SET:
        if ((rc = pacta_decode_clock_set(a, &n, err)) == 0)
            CHECK(n >= 0);
        break;
    case PACTA_OP_DOCUMENTS_UPLOAD_BEGIN: {
        struct pacta_doc_begin_args x;
        if ((rc = pacta_decode_doc_upload_begin(a, &x, err)) == 0)
            CHECK(pacta_valid_uuid(x.contract_id) && x.size >= 1 && pacta_valid_sha256(x.sha256) &&
                  pacta_valid_doc_name(x.name) && (!x.mime || pacta_valid_mime(x.mime)));
        break;
    }
    case PACTA_OP_DOCUMENTS_UPLOAD_CHUNK: {
        static uint8_t buf[PACTA_DOC_CHUNK_MAX];
        struct pacta_doc_chunk_args x;
        if ((rc = pacta_decode_doc_upload_chunk(a, &x, buf, err)) == 0)
            CHECK(pacta_valid_upload_id(x.upload_id) && x.offset >= 0 && x.len >= 1 &&
                  x.len <= PACTA_DOC_CHUNK_MAX && (!x.sha256 || pacta_valid_sha256(x.sha256)));
        break;
    }
    case PACTA_OP_DOCUMENTS_UPLOAD_FINISH: {
        const char *id;
        if ((rc = pacta_decode_doc_upload_finish(a, &id, err)) == 0)
            CHECK(pacta_valid_upload_id(id));
        break;
    }
    case PACTA_OP_DOCUMENTS_LIST: {
        struct pacta_doc_list_args x;
        if ((rc = pacta_decode_doc_list(a, &x, err)) == 0)
            CHECK(pacta_valid_uuid(x.contract_id));
        break;
    }
    case PACTA_OP_DOCUMENTS_GET:
    case PACTA_OP_DOCUMENTS_DELETE: {
        const char *id;
        if ((rc = pacta_decode_doc_id(a, &id, err)) == 0)
            CHECK(pacta_valid_uuid(id));
        break;
    }
    case PACTA_OP_DOCUMENTS_DOWNLOAD: {
        struct pacta_doc_download_args x;
        if ((rc = pacta_decode_doc_download(a, &x, err)) == 0)
            CHECK(pacta_valid_uuid(x.id) && x.offset >= 0 && x.length >= 1 &&
                  x.length <= PACTA_DOC_DOWNLOAD_MAX);
        break;
    }
    default: /* the ops without arguments */
        rc = pacta_decode_empty(a, err);
        if (rc == 0)
            CHECK(json_object_size(a) == 0);
        break;
    }
    if (rc != 0)
        CHECK(rc < 0 && err->code != PACTA_OK && -rc == (int)err->code);
    return rc;
}

/* The validators on one string: they must not crash, and what they accept
 * must be what they describe. */
static void check_string(const char *s)
{
    int64_t ms;
    char uuid[37];

    if (pacta_valid_date(s))
        CHECK(strlen(s) == 10 && s[4] == '-' && s[7] == '-');
    if (pacta_valid_uuid(s))
        CHECK(strlen(s) == 36);
    if (pacta_valid_currency(s))
        CHECK(strlen(s) == 3);
    if (pacta_valid_username(s))
        CHECK(strlen(s) >= 1 && strlen(s) <= 64);
    if (pacta_parse_timestamp(s, &ms) == 0) {
        CHECK(ms >= 0);
        char date[11];
        memcpy(date, s, 10);
        date[10] = '\0';
        CHECK(pacta_valid_date(date));
    }
    enum pacta_op op = pacta_op_from_name(s);
    if (op != PACTA_OP_UNKNOWN)
        CHECK(strcmp(pacta_op_name(op), s) == 0);
    enum pacta_code code = pacta_code_from_name(s);
    if (code != PACTA_CODE__COUNT)
        CHECK(strcmp(pacta_code_name(code), s) == 0);
    enum pacta_role role = pacta_role_from_name(s);
    if (role != PACTA_ROLE_NONE)
        CHECK(strcmp(pacta_role_name(role), s) == 0);
    for (const struct pacta_field_def *d = pacta_contract_fields; d->name; d++) {
        json_t *v = json_string(s);
        if (v)
            (void)pacta_field_validate(d, v, NULL);
        json_decref(v);
    }
    /* a UUIDv7 from any time and randomness is canonical */
    uint8_t rnd[10] = {0};
    size_t n = strlen(s);
    memcpy(rnd, s, n < sizeof rnd ? n : sizeof rnd);
    pacta_uuid_v7(uuid, (uint64_t)n * 0x9e3779b97f4a7c15ull, rnd);
    CHECK(pacta_valid_uuid(uuid));
}

/* Depth-first over the frame: every string value and key. */
static void walk(const json_t *v, int depth)
{
    const char *key;
    const json_t *x;
    size_t i;
    if (depth > 64)
        return;
    if (json_is_string(v))
        check_string(json_string_value(v));
    else if (json_is_object(v)) {
        json_object_foreach((json_t *)v, key, x)
        {
            check_string(key);
            walk(x, depth + 1);
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x) walk(x, depth + 1);
    }
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    struct pacta_request req;
    struct pacta_error err;
    size_t len;

    memset(&err, 0, sizeof err);
    if (pacta_request_parse((const char *)data, size, &req, &err) != 0) {
        CHECK(err.code != PACTA_OK && req.op == PACTA_OP_UNKNOWN);
        check_error_frame(req.id, &err, NULL);
        pacta_request_clear(&req);
        return 0;
    }
    CHECK(req.root && req.id && json_is_object(req.args) && req.op != PACTA_OP_UNKNOWN);
    CHECK(strcmp(pacta_op_name(req.op), req.op_name) == 0);
    CHECK(pacta_op_min_role(req.op) <= PACTA_ROLE_ADMIN);

    memset(&err, 0, sizeof err);
    if (decode_op(&req, &err) != 0)
        /* the error of a bad argument, with extra members that must not
         * override code or message */
        check_error_frame(req.id, &err, json_pack("{s:s,s:O}", "code", "ok", "current", req.args));
    check_ok_frame(req.id, json_deep_copy(req.args));
    /* an event carrying the frame's args */
    char *text =
        pacta_encode_event(req.op_name, (int64_t)size - 100, json_deep_copy(req.args), &len);
    json_t *ev = reparse(text, len);
    CHECK(json_equal(json_object_get(ev, "data"), req.args));
    CHECK((json_object_get(ev, "seq") != NULL) == ((int64_t)size - 100 > 0));
    json_decref(ev);
    walk(req.root, 0);
    pacta_request_clear(&req);
    return 0;
}
