/*
 * pacta_json_parse_plain: the plain subset of JSON that requests are made
 * of, parsed straight into jansson values.  jansson's own parser reads a
 * character at a time through a stream with a UTF-8 decode each; for a
 * ~170-byte contracts.update that was ~29,000 instructions, a quarter of
 * what pactad's loop thread spent on the request (bench/RESULTS.md
 * "Edits").
 *
 * The subset, on which jansson gives the same value: objects and arrays
 * nested up to 32 deep, keys and strings of printable ASCII without
 * escapes, integers of at most 18 digits, true, false, null, whitespace
 * as JSON has it, no duplicate key, nothing after the value.  Outside it
 * (an escape, a non-ASCII byte, a fraction, a duplicate, an error of any
 * kind) the answer is NULL and the caller asks json_loadb, which decides
 * what the text is and words any error.  test_protocol_json_text compares
 * the two on requests, random documents and mutations of them.
 */
#include <stdint.h>
#include <string.h>

#include <pacta/json_text.h>

#include "internal.h"

#define PLAIN_MAX_DEPTH 32

struct plain {
    const unsigned char *s, *end;
};

static void skip_ws(struct plain *p)
{
    while (p->s < p->end && (*p->s == ' ' || *p->s == '\n' || *p->s == '\r' || *p->s == '\t'))
        p->s++;
}

/* At '"': the bytes up to the closing quote, all printable ASCII and none a
 * backslash; -1 otherwise. */
static int plain_string(struct plain *p, const char **start, size_t *n)
{
    const unsigned char *b = ++p->s;
    while (p->s < p->end) {
        unsigned c = *p->s;
        if (c == '"') {
            *start = (const char *)b;
            *n = (size_t)(p->s - b);
            p->s++;
            return 0;
        }
        if (c < 0x20 || c > 0x7E || c == '\\')
            return -1;
        p->s++;
    }
    return -1;
}

static int is_alnum_or_dot(unsigned c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
           c == '+' || c == '-';
}

static json_t *plain_value(struct plain *p, int depth);

/* After a member or an element: 1 past a ',' (another follows), 0 past the
 * closing character, -1 for anything else. */
static int after_item(struct plain *p, char close)
{
    skip_ws(p);
    if (p->s < p->end && (*p->s == ',' || *p->s == (unsigned char)close)) {
        int more = *p->s++ == ',';
        if (more)
            skip_ws(p);
        return more;
    }
    return -1;
}

static json_t *plain_integer(struct plain *p)
{
    int neg = 0;
    if (*p->s == '-') {
        neg = 1;
        p->s++;
    }
    const unsigned char *b = p->s;
    int64_t v = 0;
    while (p->s < p->end && *p->s >= '0' && *p->s <= '9') {
        if (p->s - b < 18) /* more is refused below: never overflow on the way */
            v = v * 10 + (*p->s - '0');
        p->s++;
    }
    size_t digits = (size_t)(p->s - b);
    if (digits == 0 || digits > 18 || (digits > 1 && *b == '0'))
        return NULL;
    if (p->s < p->end && is_alnum_or_dot(*p->s)) /* a fraction, an exponent, "12a" */
        return NULL;
    return json_integer((json_int_t)(neg ? -v : v));
}

static json_t *plain_word(struct plain *p, const char *word, json_t *v)
{
    size_t n = strlen(word);
    if ((size_t)(p->end - p->s) < n || memcmp(p->s, word, n) != 0)
        return NULL;
    p->s += n;
    if (p->s < p->end && is_alnum_or_dot(*p->s))
        return NULL;
    return v;
}

static json_t *plain_object(struct plain *p, int depth)
{
    json_t *o = json_object();
    if (!o)
        pacta__fatal_oom();
    p->s++;
    skip_ws(p);
    if (p->s < p->end && *p->s == '}') {
        p->s++;
        return o;
    }
    for (;;) {
        const char *key;
        size_t n;
        json_t *v;
        if (p->s >= p->end || *p->s != '"' || plain_string(p, &key, &n) != 0 ||
            json_object_getn(o, key, n) != NULL) /* duplicates: json_loadb words the error */
            goto fail;
        skip_ws(p);
        if (p->s >= p->end || *p->s != ':')
            goto fail;
        p->s++;
        skip_ws(p);
        if (!(v = plain_value(p, depth + 1)))
            goto fail;
        if (json_object_setn_new_nocheck(o, key, n, v) != 0)
            pacta__fatal_oom();
        int more = after_item(p, '}');
        if (more > 0)
            continue;
        if (more == 0)
            return o;
        goto fail;
    }
fail:
    json_decref(o);
    return NULL;
}

static json_t *plain_array(struct plain *p, int depth)
{
    json_t *a = json_array();
    if (!a)
        pacta__fatal_oom();
    p->s++;
    skip_ws(p);
    if (p->s < p->end && *p->s == ']') {
        p->s++;
        return a;
    }
    for (;;) {
        json_t *v = plain_value(p, depth + 1);
        if (!v)
            goto fail;
        if (json_array_append_new(a, v) != 0)
            pacta__fatal_oom();
        int more = after_item(p, ']');
        if (more > 0)
            continue;
        if (more == 0)
            return a;
        goto fail;
    }
fail:
    json_decref(a);
    return NULL;
}

static json_t *plain_value(struct plain *p, int depth)
{
    if (p->s >= p->end || depth > PLAIN_MAX_DEPTH)
        return NULL;
    switch (*p->s) {
    case '{':
        return plain_object(p, depth);
    case '[':
        return plain_array(p, depth);
    case '"': {
        const char *s;
        size_t n;
        if (plain_string(p, &s, &n) != 0)
            return NULL;
        json_t *v = json_stringn_nocheck(s, n); /* printable ASCII: valid UTF-8 */
        if (!v)
            pacta__fatal_oom();
        return v;
    }
    case 't':
        return plain_word(p, "true", json_true());
    case 'f':
        return plain_word(p, "false", json_false());
    case 'n':
        return plain_word(p, "null", json_null());
    default:
        if (*p->s == '-' || (*p->s >= '0' && *p->s <= '9'))
            return plain_integer(p);
        return NULL;
    }
}

json_t *pacta_json_parse_plain(const char *buf, size_t len)
{
    struct plain p = {(const unsigned char *)buf, (const unsigned char *)buf + len};
    skip_ws(&p);
    json_t *v = plain_value(&p, 1);
    if (!v)
        return NULL;
    skip_ws(&p);
    if (p.s != p.end) {
        json_decref(v);
        return NULL;
    }
    return v;
}
