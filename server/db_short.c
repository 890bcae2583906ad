/*
 * pacta_short and pacta_trigram: the FTS5 tokenizers of contracts_short
 * (schema_short.h) and contracts_text (schema_text.h), the indexes of
 * contracts.list `text` (migration 20, schema_fold_text.h).
 *
 * `text` is a substring of the key (db_fold.h: lower case, the accents of
 * Latin letters left out, "ß" as "ss") of number, title or counterparty,
 * tested on each row by pacta_contains.  Both tokenizers read a column's
 * key, not the column, so a row holds the key's characters:
 *  - pacta_short: every character of the key and every pair of adjacent
 *    characters.  A text whose key is one or two characters is one token,
 *    and the rows that contain it are exactly those with that token.
 *  - pacta_trigram: every run of three characters of the key, one position
 *    each (the index keeps positions).  A text whose key is three
 *    characters or more is a phrase of its runs, which a column has at
 *    consecutive positions exactly when its key contains the text.
 * pacta_contains still runs on every row a plan reads: it alone decides.
 * SQLite's own trigram tokenizer folds case but not accents (its
 * remove_diacritics came in 3.45; Debian 12 has 3.40), so "timisoara" had
 * no run in common with "Timișoara".
 *
 * A character is a byte below 0xC0 alone, or a byte from 0xC0 up with the
 * continuation bytes (10xxxxxx) after it that its first byte announces (one
 * to three): UTF-8's characters for valid text, which is all the protocol
 * accepts.  Bytes that are not UTF-8 (a file changed outside pactad) are
 * characters of their own, as pacta_contains's byte comparison sees them:
 * "😀" followed by a stray continuation byte is two, so "😀" finds it.
 * The key is made a character at a time, which is the key of the whole
 * text (pacta_fold folds code point by code point and keeps other bytes as
 * they are), keeping where each of its bytes came from for the tokens'
 * offsets.  Runs and pairs never cross a column: FTS5 tokenizes each
 * column on its own.  A single character is at most the bytes its first
 * byte announces, all continuation bytes after the first; a pair is more
 * than that, or holds a byte that is not a continuation byte after its
 * first: a character and a pair are never the same token.
 *
 * As queries, pacta_short takes the whole folded text as ONE token
 * (srv_short_query quotes a text whose key is one or two characters), so
 * "zq" is looked up as the pair "zq", not as "z", "zq" and "q"; the index
 * stores rowids only (detail=none): a one-token query needs no positions.
 * pacta_trigram makes the same runs of a query as of a column.
 */
#include "db_short.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_fold.h"

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("fatal: out of memory\n", stderr);
        abort();
    }
    return p;
}

/* Bytes of the character at s (n > 0 bytes left). */
static int char_len(const unsigned char *s, int n)
{
    int want = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 1, i = 1;

    while (i < want && i < n && (s[i] & 0xC0) == 0x80)
        i++;
    return i;
}

/* The key of `text` (pacta_fold, a character at a time) into out, which
 * holds len bytes (a key is never longer); at[k] is where the key's k-th
 * byte came from, at[key length] = len.  Returns the key's length. */
static int fold_text(const unsigned char *text, int len, unsigned char *out, int *at)
{
    int o = 0;

    for (int i = 0; i < len;) {
        if (text[i] < 0x80) { /* ASCII, most of a description: as pacta_fold does */
            unsigned char b = text[i];
            out[o] = (unsigned char)(b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b);
            at[o++] = i++;
            continue;
        }
        int n = char_len(text + i, len - i);
        int w = (int)pacta_fold((const char *)text + i, (size_t)n, (char *)out + o);
        for (int k = 0; k < w; k++)
            at[o + k] = i;
        o += w;
        i += n;
    }
    at[o] = len;
    return o;
}

/* The same with the key's buffers from the stack when they fit. */
struct key {
    unsigned char stack[1024], *bytes;
    int stack_at[1025], *at;
    int len;
};

static void key_make(struct key *k, const char *text, int len)
{
    size_t need = (size_t)(len > 0 ? len : 0);

    k->bytes = need <= sizeof(k->stack) ? k->stack : xmalloc(need);
    k->at =
        need < sizeof(k->stack_at) / sizeof(int) ? k->stack_at : xmalloc((need + 1) * sizeof(int));
    k->len = len > 0 ? fold_text((const unsigned char *)text, len, k->bytes, k->at) : 0;
}

static void key_free(struct key *k)
{
    if (k->bytes != k->stack)
        free(k->bytes);
    if (k->at != k->stack_at)
        free(k->at);
}

/* No options, no state: every instance is this one. */
static int tokenizer_instance;

static int tok_create(void *ud, const char **argv, int argc, Fts5Tokenizer **out)
{
    (void)ud;
    (void)argv;
    *out = NULL;
    if (argc != 0) /* tokenize = 'pacta_short something' */
        return SQLITE_ERROR;
    *out = (Fts5Tokenizer *)&tokenizer_instance;
    return SQLITE_OK;
}

static void tok_delete(Fts5Tokenizer *t)
{
    (void)t;
}

typedef int (*token_fn)(void *ctx, int tflags, const char *token, int ntoken, int start, int end);

static int short_tokenize(Fts5Tokenizer *t, void *ctx, int flags, const char *text, int len,
                          token_fn emit)
{
    struct key k;
    const char *f;
    int rc = SQLITE_OK, n;

    (void)t;
    key_make(&k, text, len);
    f = (const char *)k.bytes;
    n = k.len;
    if (n > 0 && (flags & FTS5_TOKENIZE_QUERY)) {
        rc = emit(ctx, 0, f, n, 0, len);
    } else {
        for (int i = 0; i < n && rc == SQLITE_OK;) {
            int a = char_len(k.bytes + i, n - i);
            rc = emit(ctx, 0, f + i, a, k.at[i], k.at[i + a]);
            if (rc == SQLITE_OK && i + a < n) {
                int b = char_len(k.bytes + i + a, n - i - a);
                rc = emit(ctx, 0, f + i, a + b, k.at[i], k.at[i + a + b]);
            }
            i += a;
        }
    }
    key_free(&k);
    return rc;
}

/* Every run of three characters of the key, documents and queries alike. */
static int trigram_tokenize(Fts5Tokenizer *t, void *ctx, int flags, const char *text, int len,
                            token_fn emit)
{
    struct key k;
    int rc = SQLITE_OK, n, a, b, c;

    (void)t;
    (void)flags;
    key_make(&k, text, len);
    n = k.len;
    /* a, b, c: the three characters' lengths from i */
    for (int i = 0; i < n && rc == SQLITE_OK; i += a) {
        a = char_len(k.bytes + i, n - i);
        if (i + a >= n)
            break;
        b = char_len(k.bytes + i + a, n - i - a);
        if (i + a + b >= n)
            break;
        c = char_len(k.bytes + i + a + b, n - i - a - b);
        rc = emit(ctx, 0, (const char *)k.bytes + i, a + b + c, k.at[i], k.at[i + a + b + c]);
    }
    key_free(&k);
    return rc;
}

/*
 * pacta_words: the word index's tokenizer (contracts_fts, `q`; migration
 * 21, schema_fold_words.h).  SQLite's unicode61 with remove_diacritics 2,
 * which splits words and drops the accents that Unicode decomposes ("ș",
 * "é"), run on the column's key (pacta/fold.h), which also folds the
 * letters that do not decompose: "Łódź" is the word "lodz", "Straße"
 * "strasse", "Æsir" "aesir", "Đakovo" "dakovo" — as `text` and the desk's
 * own search have them.  Its tokens' offsets are the column's, not the
 * key's (key_make keeps where each byte came from).
 */
struct words_tokenizer {
    fts5_tokenizer unicode61;
    Fts5Tokenizer *inner;
};

static int words_create(void *ud, const char **argv, int argc, Fts5Tokenizer **out)
{
    static const char *const args[] = {"remove_diacritics", "2"};
    fts5_api *api = ud;
    struct words_tokenizer *w;
    void *inner_ud = NULL;

    (void)argv;
    *out = NULL;
    if (argc != 0) /* tokenize = 'pacta_words something' */
        return SQLITE_ERROR;
    if (!(w = sqlite3_malloc(sizeof(*w))))
        return SQLITE_NOMEM;
    if (api->xFindTokenizer(api, "unicode61", &inner_ud, &w->unicode61) != SQLITE_OK ||
        w->unicode61.xCreate(inner_ud, (const char **)args, 2, &w->inner) != SQLITE_OK) {
        sqlite3_free(w);
        return SQLITE_ERROR;
    }
    *out = (Fts5Tokenizer *)w;
    return SQLITE_OK;
}

static void words_delete(Fts5Tokenizer *t)
{
    struct words_tokenizer *w = (struct words_tokenizer *)t;

    w->unicode61.xDelete(w->inner);
    sqlite3_free(w);
}

struct words_emit_ctx {
    void *ctx;
    token_fn emit;
    const int *at;
};

static int words_emit(void *p, int tflags, const char *token, int ntoken, int start, int end)
{
    struct words_emit_ctx *c = p;
    return c->emit(c->ctx, tflags, token, ntoken, c->at[start], c->at[end]);
}

static int words_tokenize(Fts5Tokenizer *t, void *ctx, int flags, const char *text, int len,
                          token_fn emit)
{
    struct words_tokenizer *w = (struct words_tokenizer *)t;
    struct key k;
    int rc = SQLITE_OK;

    key_make(&k, text, len);
    if (k.len > 0) {
        struct words_emit_ctx c = {ctx, emit, k.at};
        rc = w->unicode61.xTokenize(w->inner, &c, flags, (const char *)k.bytes, k.len, words_emit);
    }
    key_free(&k);
    return rc;
}

/* FTS5's API of this connection (the documented `SELECT fts5(?1)`), or
 * NULL with the reason in errbuf. */
static fts5_api *fts5_of(sqlite3 *db, char *errbuf, size_t errlen)
{
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL);

    if (rc == SQLITE_OK) {
        sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
        sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if (!api)
        snprintf(errbuf, errlen, "cannot register the " SRV_SHORT_TOKENIZER " tokenizer: %s",
                 rc != SQLITE_OK ? sqlite3_errmsg(db) : "this SQLite has no FTS5");
    return api;
}

int srv_short_register(sqlite3 *db, char *errbuf, size_t errlen)
{
    static fts5_tokenizer shorts = {tok_create, tok_delete, short_tokenize};
    static fts5_tokenizer trigrams = {tok_create, tok_delete, trigram_tokenize};
    static fts5_tokenizer words = {words_create, words_delete, words_tokenize};
    fts5_api *api = fts5_of(db, errbuf, errlen);
    int rc;

    if (!api)
        return -1;
    rc = api->xCreateTokenizer(api, SRV_SHORT_TOKENIZER, NULL, &shorts, NULL);
    if (rc == SQLITE_OK)
        rc = api->xCreateTokenizer(api, SRV_TRIGRAM_TOKENIZER, NULL, &trigrams, NULL);
    /* pacta_words finds unicode61 through the connection's API */
    if (rc == SQLITE_OK)
        rc = api->xCreateTokenizer(api, SRV_WORDS_TOKENIZER, api, &words, NULL);
    if (rc != SQLITE_OK) {
        snprintf(errbuf, errlen, "cannot register the " SRV_SHORT_TOKENIZER " tokenizers: %s",
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

/* The whole of `key` as one FTS5 string, `"` doubled. */
static char *quoted(const char *key)
{
    size_t len = strlen(key), o = 0;
    char *q = xmalloc(2 * len + 3);

    q[o++] = '"';
    for (size_t i = 0; i < len; i++) {
        if (key[i] == '"')
            q[o++] = '"';
        q[o++] = key[i];
    }
    q[o++] = '"';
    q[o] = '\0';
    return q;
}

/* The characters of a key, counted up to `upto`. */
static int key_chars(const char *key, int upto)
{
    const unsigned char *u = (const unsigned char *)key;
    int len = (int)strlen(key), chars = 0;

    for (int i = 0; i < len && chars < upto; i += char_len(u + i, len - i))
        chars++;
    return chars;
}

char *srv_short_query(const char *key)
{
    int chars = key_chars(key, 3);
    return chars >= 1 && chars <= 2 ? quoted(key) : NULL;
}

char *srv_trigram_query(const char *key)
{
    return key_chars(key, 3) == 3 ? quoted(key) : NULL;
}

char *srv_text_key(const char *text)
{
    size_t n = strlen(text);
    char *key = xmalloc(n + 1);

    key[pacta_fold(text, n, key)] = '\0';
    return key;
}
