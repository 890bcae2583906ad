/*
 * pacta_short: the FTS5 tokenizer of contracts_short (schema_short.h).
 *
 * contracts.list `text` is LIKE '%text%' over number, title and
 * counterparty.  A substring of one or two characters has no trigram, so
 * contracts_text cannot find it; contracts_short can: every character of a
 * column and every pair of adjacent characters is one of its tokens, so the
 * rows that contain a one- or two-character text are exactly those with
 * that token.  The folding is LIKE's: ASCII letters to lower case, every
 * other byte as it is ("Ø" and "ø" are different tokens, as LIKE keeps
 * them apart).  Pairs never cross a column: FTS5 tokenizes each column on
 * its own.
 *
 * A character is what SQLite's LIKE reads as one (sqlite3Utf8Read): a byte
 * below 0xC0 alone, or a byte from 0xC0 up with every continuation byte
 * (10xxxxxx) after it — the same as UTF-8's characters for valid text,
 * which is all the protocol accepts.  A single character's bytes after the
 * first are all continuation bytes and a pair's are not, so a character
 * and a pair are never the same token.
 *
 * Documents (the triggers' inserts and deletes) give every token; a query
 * gives the whole folded string as ONE token (srv_short_query quotes a
 * text of one or two characters), so "zq" is looked up as the pair "zq",
 * not as "z", "zq" and "q".  The index stores rowids only (detail=none):
 * a one-token query needs no positions.
 */
#include "db_short.h"

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
    char stack[1024], *low = len <= (int)sizeof(stack) ? stack : xmalloc((size_t)len);
    const unsigned char *u = (const unsigned char *)low;
    int rc = SQLITE_OK;

    (void)t;
    if (len <= 0)
        return SQLITE_OK;
    for (int i = 0; i < len; i++)
        low[i] = text[i] >= 'A' && text[i] <= 'Z' ? (char)(text[i] + ('a' - 'A')) : text[i];
    if (flags & FTS5_TOKENIZE_QUERY) {
        rc = emit(ctx, 0, low, len, 0, len);
    } else {
        for (int i = 0; i < len && rc == SQLITE_OK;) {
            int a = char_len(u + i, len - i);
            rc = emit(ctx, 0, low + i, a, i, i + a);
            if (rc == SQLITE_OK && i + a < len) {
                int b = char_len(u + i + a, len - i - a);
                rc = emit(ctx, 0, low + i, a + b, i, i + a + b);
            }
            i += a;
        }
    }
    if (low != stack)
        free(low);
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
