/*
 * Fast paths around jansson for pactad's hot JSON.
 *
 * Compact JSON text of a jansson value, byte for byte what
 * json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) writes (members in insertion
 * order, "\\uXXXX" escapes in upper case, non-ASCII UTF-8 as is, reals
 * formatted by jansson itself), without jansson's per-chunk callback: every
 * response, event and change-log payload of pactad goes through it.
 */
#ifndef PACTA_JSON_TEXT_H
#define PACTA_JSON_TEXT_H

#include <stddef.h>

#include <jansson.h>

/* A growable text buffer; start it zeroed ({0}) and free(b.p) when done. */
struct pacta_buf {
    char *p;
    size_t len, cap;
};

/* Appends n bytes (aborts on out of memory, like every encoder here). */
void pacta_buf_add(struct pacta_buf *b, const char *s, size_t n);

/*
 * Appends v's compact text.  0, or -1 where json_dumps would fail: a string
 * that is not valid UTF-8 (only nocheck strings can be), or nesting deeper
 * than 2048; b->len is then back where it was.
 */
int pacta_json_append(struct pacta_buf *b, const json_t *v);

/* The text json_stringn(s, len) and json_integer(v) would append, without
 * making the value: 0, or -1 (b unchanged) where s is not valid UTF-8. */
int pacta_json_append_string(struct pacta_buf *b, const char *s, size_t len);
void pacta_json_append_int(struct pacta_buf *b, json_int_t v);

/* v's compact text, NUL-terminated, malloc'd (*len, if not NULL, gets its
 * length); NULL where json_dumps would return NULL. */
char *pacta_json_compact(const json_t *v, size_t *len);

/*
 * The value of buf[0..len) when it is plain JSON: objects and arrays up to
 * 32 deep, keys and strings of printable ASCII without escapes, integers
 * of up to 18 digits, true, false, null, no duplicate key, nothing after
 * the value.  There jansson's json_loadb(JSON_DECODE_ANY |
 * JSON_REJECT_DUPLICATES) gives the same value, several times slower;
 * anything else is NULL, and the caller asks json_loadb (json_plain.c).
 */
json_t *pacta_json_parse_plain(const char *buf, size_t len);

#endif
