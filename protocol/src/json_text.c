/*
 * pacta_json_compact: jansson's compact encoding, written straight into one
 * growing buffer.  json_dumps goes through a callback per token and a
 * UTF-8 decode per character; for a ~900-byte contract event that was
 * ~50,000 instructions, a third of what pactad spent per edit on JSON
 * (bench/RESULTS.md "Edits").  Here ASCII runs are copied whole and only
 * bytes >= 0x80 are decoded (to refuse what jansson refuses).
 *
 * Byte compatibility with jansson 2.14's dump.c (tests/unit/test_json_text.c
 * compares the two on every byte value and on random documents): object
 * members in iteration (insertion) order, separators "," and ":", strings
 * with \" \\ \b \f \n \r \t and \uXXXX (upper-case hex) for the other
 * controls, '/' and non-ASCII unescaped, integers as %lld, reals delegated
 * to json_dumps itself.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pacta/json_text.h>

#include "internal.h"

#define MAX_DEPTH 2048

#if JANSSON_VERSION_HEX >= 0x020e00 /* 2.14: keys may hold NULs, and know their length */
#define KEY_LEN(it) json_object_iter_key_len(it)
#else
#define KEY_LEN(it) strlen(json_object_iter_key(it))
#endif

/* Makes room for n more bytes and the NUL that pacta_json_compact adds. */
static void reserve(struct pacta_buf *b, size_t n)
{
    if (b->len + n + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + n + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p)
        pacta__fatal_oom();
    b->p = p;
    b->cap = cap;
}

void pacta_buf_add(struct pacta_buf *b, const char *s, size_t n)
{
    reserve(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

/* One byte, without a call per punctuation mark. */
static inline void add_char(struct pacta_buf *b, char c)
{
    if (b->len + 2 > b->cap)
        reserve(b, 1);
    b->p[b->len++] = c;
}

/* %lld without printf's format parsing. */
static void add_int(struct pacta_buf *b, json_int_t v)
{
    char tmp[24];
    char *end = tmp + sizeof tmp, *p = end;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    pacta_buf_add(b, p, (size_t)(end - p));
}

/* Length of the valid UTF-8 sequence at s (lead byte >= 0x80), or 0:
 * jansson's utf8_check_first/utf8_check_full rules (no overlong forms, no
 * surrogates, nothing above U+10FFFF). */
static size_t utf8_seq(const unsigned char *s, const unsigned char *end)
{
    unsigned c = s[0];
    size_t n;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if ((size_t)(end - s) < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || (n == 3 && cp < 0x800) ||
        (n == 4 && cp < 0x10000))
        return 0;
    return n;
}

static int add_string(struct pacta_buf *b, const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str, *end = s + len, *run = s;
    add_char(b, '"');
    while (s < end) {
        unsigned c = *s;
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            s++;
            continue;
        }
        if (c >= 0x80) {
            size_t n = utf8_seq(s, end);
            if (!n)
                return -1;
            s += n;
            continue;
        }
        pacta_buf_add(b, (const char *)run, (size_t)(s - run));
        char esc[8];
        size_t en = 2;
        esc[0] = '\\';
        switch (c) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            en = (size_t)snprintf(esc, sizeof esc, "\\u%04X", c);
            break;
        }
        pacta_buf_add(b, esc, en);
        run = ++s;
    }
    pacta_buf_add(b, (const char *)run, (size_t)(s - run));
    add_char(b, '"');
    return 0;
}

static int add_value(struct pacta_buf *b, const json_t *v, int depth)
{
    if (depth > MAX_DEPTH)
        return -1;
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        /* the iterator walk json_object_foreach does, one call per step */
        int first = 1;
        add_char(b, '{');
        for (void *it = json_object_iter((json_t *)v); it;
             it = json_object_iter_next((json_t *)v, it)) {
            if (!first)
                add_char(b, ',');
            first = 0;
            if (add_string(b, json_object_iter_key(it), KEY_LEN(it)) != 0)
                return -1;
            add_char(b, ':');
            if (add_value(b, json_object_iter_value(it), depth + 1) != 0)
                return -1;
        }
        add_char(b, '}');
        return 0;
    }
    case JSON_ARRAY: {
        size_t n = json_array_size(v);
        add_char(b, '[');
        for (size_t i = 0; i < n; i++) {
            if (i)
                add_char(b, ',');
            if (add_value(b, json_array_get(v, i), depth + 1) != 0)
                return -1;
        }
        add_char(b, ']');
        return 0;
    }
    case JSON_STRING:
        return add_string(b, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        add_int(b, json_integer_value(v));
        return 0;
    case JSON_REAL: {
        char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!t)
            return -1;
        pacta_buf_add(b, t, strlen(t));
        free(t);
        return 0;
    }
    case JSON_TRUE:
        pacta_buf_add(b, "true", 4);
        return 0;
    case JSON_FALSE:
        pacta_buf_add(b, "false", 5);
        return 0;
    case JSON_NULL:
        pacta_buf_add(b, "null", 4);
        return 0;
    }
    return -1;
}

int pacta_json_append(struct pacta_buf *b, const json_t *v)
{
    size_t mark = b->len;
    if (!v || add_value(b, v, 0) != 0) {
        b->len = mark;
        return -1;
    }
    return 0;
}

int pacta_json_append_string(struct pacta_buf *b, const char *s, size_t len)
{
    size_t mark = b->len;
    if (add_string(b, s, len) != 0) {
        b->len = mark;
        return -1;
    }
    return 0;
}

void pacta_json_append_int(struct pacta_buf *b, json_int_t v)
{
    add_int(b, v);
}

char *pacta_json_compact(const json_t *v, size_t *len)
{
    struct pacta_buf b = {0};
    if (pacta_json_append(&b, v) != 0) {
        free(b.p);
        return NULL;
    }
    pacta_buf_add(&b, "", 1); /* the NUL, which len does not count */
    if (len)
        *len = b.len - 1;
    return b.p;
}
