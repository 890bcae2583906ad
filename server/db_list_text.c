/*
 * Text helpers of contracts.list (db_list.c): the cursor's fingerprint and
 * encoding and the FTS5 query of `q`.  Pure functions, any thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db-private.h"
#include "db_list.h"

static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (!p) {
        srv__log_error("fatal: out of memory", NULL);
        abort();
    }
    return p;
}

/* FNV-1a over the canonical filters and the sort: a cursor is valid only
 * for the listing it came from. */
void srv__list_fingerprint(const struct pacta_list_args *a, enum pacta_list_sort sort, char out[17])
{
    json_t *f = pacta_list_filter_json(a);
    char *text = json_dumps(f, JSON_COMPACT);
    uint64_t h = 0xcbf29ce484222325ULL;
    char tail[32];

    if (!text) {
        srv__log_error("fatal: out of memory", NULL);
        abort();
    }
    snprintf(tail, sizeof(tail), "|%s|%s", pacta_list_sort_name(sort), a->desc ? "desc" : "asc");
    for (const char *parts[2] = {text, tail}, **s = parts; s < parts + 2; s++)
        for (const unsigned char *c = (const unsigned char *)*s; *c; c++)
            h = (h ^ *c) * 0x100000001b3ULL;
    snprintf(out, 17, "%016llx", (unsigned long long)h);
    free(text);
    json_decref(f);
}

char *srv__list_b64_json(json_t *arr_steal)
{
    char *text = json_dumps(arr_steal, JSON_COMPACT);
    size_t len;
    char *out;

    if (!text) {
        srv__log_error("fatal: out of memory", NULL);
        abort();
    }
    len = strlen(text);
    out = xmalloc(4 * ((len + 2) / 3) + 1);
    srv__b64url_encode((const uint8_t *)text, len, out);
    free(text);
    json_decref(arr_steal);
    return out;
}

/* The spaces between q's words (db_list.h): U+00A0 is C2 A0; U+2000..200B,
 * 2028, 2029 and 202F are E2 80 xx; U+205F E2 81 9F, U+3000 E3 80 80 and
 * U+FEFF EF BB BF. */
size_t srv__list_q_space(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;

    if (u[0] == ' ' || u[0] == '\t')
        return 1;
    if (u[0] == 0xC2 && u[1] == 0xA0)
        return 2;
    if (u[0] == 0xE2 && u[1] == 0x80 &&
        ((u[2] >= 0x80 && u[2] <= 0x8B) || u[2] == 0xA8 || u[2] == 0xA9 || u[2] == 0xAF))
        return 3;
    if ((u[0] == 0xE2 && u[1] == 0x81 && u[2] == 0x9F) ||
        (u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x80) ||
        (u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF))
        return 3;
    return 0;
}

int srv__list_q_word(const char *q, size_t len, size_t *at, size_t *start, size_t *end)
{
    while (*at < len) {
        size_t i = *at, w = i;
        while (w < len && !srv__list_q_space(q + w))
            w++;
        *at = w < len ? w + srv__list_q_space(q + w) : len;
        if (w > i) {
            *start = i;
            *end = w;
            return 1;
        }
    }
    return 0;
}

/*
 * The FTS5 query for `q`: every word (split by srv__list_q_space) becomes a
 * quoted prefix phrase ("word"*), and the phrases are AND-ed.  Quoting makes
 * FTS5 syntax (AND, NEAR, column filters, stray quotes) plain text, so no
 * input is a query syntax error; punctuation inside a word is split by the
 * tokenizer into a phrase ("C-2026"* finds "C-2026-001").
 */
char *srv__list_fts_query(const char *q)
{
    size_t len = strlen(q), o = 0;
    char *p = xmalloc(4 * len + 4);
    int in_word = 0;

    for (size_t i = 0; i <= len;) {
        size_t space = q[i] == '\0' ? 1 : srv__list_q_space(q + i);

        if (space && in_word) {
            p[o++] = '"';
            p[o++] = '*';
            in_word = 0;
        } else if (!space) {
            if (!in_word) {
                if (o > 0)
                    p[o++] = ' ';
                p[o++] = '"';
                in_word = 1;
            }
            if (q[i] == '"')
                p[o++] = '"';
            p[o++] = q[i];
        }
        i += space ? space : 1;
    }
    if (o == 0) { /* no word: match nothing, rather than a syntax error */
        p[o++] = '"';
        p[o++] = '"';
    }
    p[o] = '\0';
    return p;
}
