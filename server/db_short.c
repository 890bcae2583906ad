/*
 * pacta_short: the FTS5 tokenizer of contracts_short (schema_short.h).
 *
 * contracts.list `text` is LIKE '%text%' over number, title and
 * counterparty.  A substring of one or two characters has no trigram, so
 * contracts_text cannot find it; contracts_short can: every character of a
 * column and every pair of adjacent characters is one of its tokens, so the
 * rows that contain a one- or two-character text are exactly those with
 * that token.  The folding is LIKE's: ASCII letters to lower case, other
 * letters as they are ("Ø" and "ø" are different tokens, as LIKE keeps
 * them apart).  Pairs never cross a column: FTS5 tokenizes each column on
 * its own.
 *
 * A character is what SQLite's LIKE reads as one (sqlite3Utf8Read): a byte
 * below 0xC0 alone, or a byte from 0xC0 up with every continuation byte
 * (10xxxxxx) after it — the same as UTF-8's characters for valid text,
 * which is all the protocol accepts — and LIKE compares the code points it
 * decodes, some of valid UTF-8 changed: U+FFFE and U+FFFF (which the
 * protocol accepts) are read as U+FFFD, so a token is the character's code
 * point as LIKE reads it, in UTF-8 (like_char).  A single character's
 * bytes after the first are all continuation bytes and a pair's are not,
 * so a character and a pair are never the same token.
 *
 * Documents (the triggers' inserts and deletes) give every token; a query
 * gives the whole folded string as ONE token (srv_short_query quotes a
 * text of one or two characters), so "zq" is looked up as the pair "zq",
 * not as "z", "zq" and "q".  The index stores rowids only (detail=none):
 * a one-token query needs no positions.
 */
#include "db_short.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("fatal: out of memory\n", stderr);
        abort();
    }
    return p;
}

/* Bytes of the character at s (n > 0 bytes left), as LIKE reads it. */
static int char_len(const unsigned char *s, int n)
{
    int i = 1;
    if (s[0] >= 0xC0)
        while (i < n && (s[i] & 0xC0) == 0x80)
            i++;
    return i;
}

/* The first byte of a sequence from 0xC0 up, as sqlite3Utf8Read reads it. */
static const unsigned char utf8_lead[] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x00, 0x01, 0x02, 0x03, 0x00, 0x01, 0x00, 0x00,
};

/*
 * The character of `n` bytes at s (char_len's) as LIKE compares it, into
 * out (4 bytes at most, or n): LIKE compares the code points that
 * sqlite3Utf8Read decodes, and that reads U+FFFE, U+FFFF, surrogates and
 * overlong forms of ASCII as U+FFFD — so "\uFFFD" is LIKE "%\uFFFE%".
 * The token is the code point's shortest UTF-8 (the bytes themselves for
 * valid UTF-8 other than those), ASCII letters folded as LIKE folds them.
 * Returns the bytes written.
 */
static int like_char(const unsigned char *s, int n, unsigned char *out)
{
    uint32_t c = s[0];

    if (c < 0x80) {
        out[0] = (unsigned char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
        return 1;
    }
    if (c >= 0xC0) {
        c = utf8_lead[c - 0xC0];
        for (int i = 1; i < n; i++)
            c = (c << 6) + (0x3F & s[i]);
        if (c < 0x80 || (c & 0xFFFFF800) == 0xD800 || (c & 0xFFFFFFFE) == 0xFFFE)
            c = 0xFFFD;
    }
    if (c < 0x800) {
        out[0] = (unsigned char)(0xC0 | (c >> 6));
        out[1] = (unsigned char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (unsigned char)(0xE0 | (c >> 12));
        out[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (unsigned char)(0x80 | (c & 0x3F));
        return 3;
    }
    if (c < 0x200000) {
        out[0] = (unsigned char)(0xF0 | (c >> 18));
        out[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
        out[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
        out[3] = (unsigned char)(0x80 | (c & 0x3F));
        return 4;
    }
    memcpy(out, s, (size_t)n); /* no valid UTF-8 gets here: as it is */
    return n;
}

/* `text` as LIKE reads it (like_char for each character) into out, which
 * holds 4 bytes for each byte of text; at[k] is where the folded text's
 * k-th byte came from.  Returns the folded length. */
static int fold_text(const unsigned char *text, int len, unsigned char *out, int *at)
{
    int o = 0;

    for (int i = 0; i < len;) {
        int n = char_len(text + i, len - i), w = like_char(text + i, n, out + o);
        for (int k = 0; k < w; k++)
            at[o + k] = i;
        o += w;
        i += n;
    }
    at[o] = len;
    return o;
}

/* No options, no state: every instance is this one. */
static int short_tokenizer_instance;

static int short_create(void *ud, const char **argv, int argc, Fts5Tokenizer **out)
{
    (void)ud;
    (void)argv;
    *out = NULL;
    if (argc != 0) /* tokenize = 'pacta_short something' */
        return SQLITE_ERROR;
    *out = (Fts5Tokenizer *)&short_tokenizer_instance;
    return SQLITE_OK;
}

static void short_delete(Fts5Tokenizer *t)
{
    (void)t;
}

typedef int (*token_fn)(void *ctx, int tflags, const char *token, int ntoken, int start, int end);

static int short_tokenize(Fts5Tokenizer *t, void *ctx, int flags, const char *text, int len,
                          token_fn emit)
{
    /* 4 folded bytes at most for each byte of text (a lone 0x80 is 2) */
    unsigned char stack[1024];
    int stack_at[1025];
    size_t need = 4 * (size_t)(len > 0 ? len : 0);
    unsigned char *low = need <= sizeof(stack) ? stack : xmalloc(need);
    int *at = need <= sizeof(stack) ? stack_at : xmalloc((need + 1) * sizeof(int));
    const char *f = (const char *)low;
    int rc = SQLITE_OK, n;

    (void)t;
    if (len <= 0)
        goto out;
    n = fold_text((const unsigned char *)text, len, low, at);
    if (flags & FTS5_TOKENIZE_QUERY) {
        rc = emit(ctx, 0, f, n, 0, len);
    } else {
        for (int i = 0; i < n && rc == SQLITE_OK;) {
            int a = char_len(low + i, n - i);
            rc = emit(ctx, 0, f + i, a, at[i], at[i + a]);
            if (rc == SQLITE_OK && i + a < n) {
                int b = char_len(low + i + a, n - i - a);
                rc = emit(ctx, 0, f + i, a + b, at[i], at[i + a + b]);
            }
            i += a;
        }
    }
out:
    if (low != stack)
        free(low);
    if (at != stack_at)
        free(at);
    return rc;
}

int srv_short_register(sqlite3 *db, char *errbuf, size_t errlen)
{
    static fts5_tokenizer tokenizer = {short_create, short_delete, short_tokenize};
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;
    int rc;

    /* FTS5's API of this connection (the documented `SELECT fts5(?1)`) */
    rc = sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
        sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if (!api) {
        snprintf(errbuf, errlen, "cannot register the " SRV_SHORT_TOKENIZER " tokenizer: %s",
                 rc != SQLITE_OK ? sqlite3_errmsg(db) : "this SQLite has no FTS5");
        return -1;
    }
    rc = api->xCreateTokenizer(api, SRV_SHORT_TOKENIZER, NULL, &tokenizer, NULL);
    if (rc != SQLITE_OK) {
        snprintf(errbuf, errlen, "cannot register the " SRV_SHORT_TOKENIZER " tokenizer: %s",
                 sqlite3_errstr(rc));
        return -1;
    }
    return 0;
}

/* sqlite3_auto_extension's entry point: its message is the open's error. */
static int short_entry(sqlite3 *db, char **msg, const sqlite3_api_routines *api)
{
    char err[256];

    (void)api;
    if (srv_short_register(db, err, sizeof(err)) == 0)
        return SQLITE_OK;
    *msg = sqlite3_mprintf("%s", err);
    return SQLITE_ERROR;
}

int srv_short_install(char *errbuf, size_t errlen)
{
    int rc = sqlite3_auto_extension((void (*)(void))short_entry);

    if (rc != SQLITE_OK) {
        snprintf(errbuf, errlen, "cannot register the " SRV_SHORT_TOKENIZER " tokenizer: %s",
                 sqlite3_errstr(rc));
        return -1;
    }
    return 0;
}

char *srv_short_query(const char *text)
{
    const unsigned char *u = (const unsigned char *)text;
    int len = (int)strlen(text), chars = 0, o = 0;
    char *q;

    for (int i = 0; i < len && chars <= 2; i += char_len(u + i, len - i))
        chars++;
    if (chars < 1 || chars > 2)
        return NULL;
    q = xmalloc(2 * (size_t)len + 3);
    q[o++] = '"';
    for (int i = 0; i < len; i++) {
        if (text[i] == '"')
            q[o++] = '"';
        q[o++] = text[i];
    }
    q[o++] = '"';
    q[o] = '\0';
    return q;
}
