/*
 * The request envelope and the three kinds of outgoing frame.  Parsing is
 * strict so that a client's mistake shows up as a clear bad_request naming
 * the member at fault, never as a silently ignored typo.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pacta/json_text.h>

#include "internal.h"

#define MAX_SAFE_INTEGER 9007199254740991LL /* 2^53-1: exact in every JSON reader */

static int valid_id(const json_t *id)
{
    if (json_is_integer(id)) {
        json_int_t v = json_integer_value(id);
        return v >= 0 && v <= MAX_SAFE_INTEGER;
    }
    if (json_is_string(id)) {
        size_t n = pacta__utf8_length(json_string_value(id));
        return n >= 1 && n <= 64;
    }
    return 0;
}

/*
 * Order of checks: size, JSON, object, id, op, args, unknown members.  The id
 * is checked before anything else in the object so that every later error
 * can be answered with the client's id.
 */
int pacta_request_parse(const char *buf, size_t len, struct pacta_request *req,
                        struct pacta_error *err)
{
    json_error_t jerr;
    json_t *root = NULL;
    const char *key;
    json_t *value;
    int rc;

    memset(req, 0, sizeof(*req));
    if (len > PACTA_MAX_MESSAGE_BYTES) {
        rc = pacta_error_set(err, PACTA_TOO_LARGE, "", "message larger than %d bytes",
                             PACTA_MAX_MESSAGE_BYTES);
        goto out;
    }
    /* JSON_DECODE_ANY so that `5` or `"x"` is "not an object" rather than a
     * parse error; duplicate keys are ambiguous, so they are rejected. */
    root = pacta_json_parse_plain(buf, len); /* the same value, or NULL: then jansson */
    if (root == NULL)
        root = json_loadb(buf, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        /* jansson names its own flag for a \u0000: an internal (§2.2) */
        const char *why =
            strstr(jerr.text, "JSON_ALLOW_NUL") ? "\\u0000 is not allowed in a string" : jerr.text;
        rc = pacta_error_set(err, PACTA_BAD_REQUEST, "", "invalid JSON at byte %d: %s",
                             jerr.position, why);
        goto out;
    }
    if (!json_is_object(root)) {
        rc = pacta_error_set(err, PACTA_BAD_REQUEST, "", "request must be a JSON object");
        goto out;
    }

    json_t *id = json_object_get(root, "id");
    if (id == NULL || json_is_null(id)) {
        rc = pacta_error_set(err, PACTA_BAD_REQUEST, "id", "required");
        goto out;
    }
    if (!valid_id(id)) {
        rc = pacta_error_set(err, PACTA_BAD_REQUEST, "id",
                             "must be an integer 0..2^53-1 or a string of 1..64 characters");
        goto out;
    }
    req->id = json_incref(id);

    json_t *op = json_object_get(root, "op");
    if (op == NULL || json_is_null(op)) {
        rc = pacta_error_set(err, PACTA_BAD_REQUEST, "op", "required");
        goto out;
    }
    if (!json_is_string(op)) {
        rc = pacta_error_set(err, PACTA_BAD_REQUEST, "op", "must be a string");
        goto out;
    }
    req->op = pacta_op_from_name(json_string_value(op));
    if (req->op == PACTA_OP_UNKNOWN) {
        const char *name = json_string_value(op);
        if (strlen(name) <= 64) /* op names are short ASCII: echo only what may be a typo */
            rc = pacta_error_set(err, PACTA_BAD_REQUEST, "op", "unknown op \"%s\"", name);
        else
            rc = pacta_error_set(err, PACTA_BAD_REQUEST, "op", "unknown op");
        goto out;
    }
    req->op_name = pacta_op_name(req->op); /* static storage, outlives root */

    json_t *args = json_object_get(root, "args");
    if (args == NULL || json_is_null(args)) {
        args = json_object();
        if (args == NULL || json_object_set_new(root, "args", args) != 0)
            pacta__fatal_oom();
    } else if (!json_is_object(args)) {
        rc = pacta_error_set(err, PACTA_BAD_REQUEST, "args", "must be an object");
        goto out;
    }

    json_object_foreach(root, key, value)
    {
        if (strcmp(key, "id") != 0 && strcmp(key, "op") != 0 && strcmp(key, "args") != 0) {
            rc = pacta_error_set(err, PACTA_BAD_REQUEST, key, "unknown field");
            goto out;
        }
    }
    req->args = args;
    req->root = root;
    root = NULL;
    rc = 0;
out:
    if (rc != 0) {
        req->op = PACTA_OP_UNKNOWN;
        req->op_name = NULL;
    }
    json_decref(root);
    return rc;
}

void pacta_request_clear(struct pacta_request *req)
{
    json_decref(req->id);
    json_decref(req->root);
    memset(req, 0, sizeof(*req));
}

/* ---- encoders -------------------------------------------------------------- */

static json_t *copy_id(const json_t *id)
{
    json_t *v = id ? json_deep_copy(id) : json_null();
    if (v == NULL)
        pacta__fatal_oom();
    return v;
}

static void set_new(json_t *obj, const char *key, json_t *value)
{
    if (value == NULL || json_object_set_new(obj, key, value) != 0)
        pacta__fatal_oom();
}

static json_t *new_object(void)
{
    json_t *o = json_object();
    if (o == NULL)
        pacta__fatal_oom();
    return o;
}

/* Serializes and frees `frame`: json_dumps(JSON_COMPACT)'s bytes, written
 * by pacta_json_compact (json_text.c).  That only fails on a string that is
 * not UTF-8, and every string here was checked as UTF-8 when it was made. */
static char *dump(json_t *frame, size_t *len)
{
    char *s = pacta_json_compact(frame, len);
    json_decref(frame);
    if (s == NULL)
        pacta__fatal_oom();
    return s;
}

char *pacta_encode_ok(const json_t *id, json_t *result_steal, size_t *len)
{
    json_t *frame = new_object();
    set_new(frame, "id", copy_id(id));
    set_new(frame, "ok", json_true());
    set_new(frame, "result", result_steal ? result_steal : new_object());
    return dump(frame, len);
}

/*
 * code, message and field come first and cannot be overridden by
 * extra_steal: a client switches on "code" and must get the one the server
 * meant.
 */
char *pacta_encode_error(const json_t *id, const struct pacta_error *err, json_t *extra_steal,
                         size_t *len)
{
    json_t *frame = new_object();
    json_t *error = new_object();
    enum pacta_code code = err ? err->code : PACTA_INTERNAL;
    if (code == PACTA_OK)
        code = PACTA_INTERNAL;
    set_new(error, "code", json_string(pacta_code_name(code)));
    const char *message = err && err->message[0] ? err->message : pacta_code_name(code);
    json_t *msg = json_string(message);
    if (msg == NULL) /* a message cut inside a UTF-8 sequence by the fixed buffer */
        msg = json_string(pacta_code_name(code));
    set_new(error, "message", msg);
    if (err && err->field[0]) {
        json_t *field = json_string(err->field);
        if (field != NULL)
            set_new(error, "field", field);
    }
    if (json_is_object(extra_steal))
        json_object_update_missing(error, extra_steal);
    json_decref(extra_steal);

    set_new(frame, "id", copy_id(id));
    set_new(frame, "ok", json_false());
    set_new(frame, "error", error);
    return dump(frame, len);
}

char *pacta_encode_event(const char *event, int64_t seq, json_t *data_steal, size_t *len)
{
    json_t *frame = new_object();
    set_new(frame, "event", json_string(event ? event : ""));
    if (seq > 0)
        set_new(frame, "seq", json_integer(seq));
    set_new(frame, "data", data_steal ? data_steal : new_object());
    return dump(frame, len);
}
