/*
 * contracts.list `q` with whole words where that changes nothing (see
 * db_list_terms.h).
 *
 * Why: srv__list_fts_query makes every word a prefix ("cluj"*), and FTS5
 * answers a prefix by copying the hit list of every term that begins with
 * it, from every segment, into one merged list — for "hooli cluj" at a
 * million contracts 166,000 hits (the words' 41,302 and 124,442) copied to
 * find 5,101, 6-8 ms, and bm25 does it once more per word for its document
 * frequency.  A plain term is read lazily and an AND skips through the
 * longer list: 1-2 ms (bench/RESULTS.md).  Most words people type are
 * whole words that no other term extends ("cluj", "hooli", "contract"), so
 * for those the prefix is the term alone.
 *
 * Why it is the same: a prefix phrase matches the instances of every term
 * that begins with its last token.  When the index holds no term longer
 * than the token that begins with it, those are the instances of the token
 * itself, so the rows, each row's instances, each phrase's document count
 * (bm25's IDF) and so every score are the ones of the plain phrase.  The
 * terms are read in the caller's read transaction, the snapshot its page's
 * statements read: a term written after it is not in the hits either.
 *
 * How the terms are read: fts5vocab's "instance" table seeks to the first
 * term >= token + "\x01" and returns its first instance (one seek per
 * segment; "row" would count the whole hit list of that term).  A longer
 * term that begins with the token is >= that key and sorts before any term
 * that does not begin with it; tokens of unicode61 hold no NUL.  A term
 * whose instances were all deleted may still be listed: the word then stays
 * a prefix, which is only slower.
 *
 * A page that does not rank (q with a sort key) needs only the rows, so a
 * word that other terms extend is the OR of those terms when they are few
 * (srv__list_terms_set_query: "clu" -> "cluj", "hool clu" by end date at a
 * million 22 -> 15 ms): the same rows, each term's hit list read lazily.
 * BM25 would score an OR otherwise (each term its own document frequency),
 * so ranked pages keep the prefix.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "db-private.h"
#include "db_list-private.h"
#include "db_list_terms.h"
#include "db_short.h"

static atomic_long exact_words, listed_words;

long srv__list_terms_exact(void)
{
    return atomic_load(&exact_words);
}

long srv__list_terms_listed(void)
{
    return atomic_load(&listed_words);
}

int srv__list_terms_attach(sqlite3 *db)
{
    return sqlite3_exec(db,
                        "CREATE VIRTUAL TABLE IF NOT EXISTS temp." SRV_LIST_TERMS_TABLE
                        " USING fts5vocab(main, contracts_fts, instance)",
                        NULL, NULL, NULL) == SQLITE_OK
               ? 0
               : -1;
}

/* The last token of a word, as the search index's tokenizer makes it. */
struct last_token {
    char buf[256];
    int len; /* -1: none yet; -2: longer than buf */
};

static int keep_last(void *ctx, int tflags, const char *token, int ntoken, int start, int end)
{
    struct last_token *t = ctx;

    (void)start;
    (void)end;
    if (tflags & FTS5_TOKEN_COLOCATED) /* unicode61 makes none */
        return SQLITE_OK;
    if (ntoken >= (int)sizeof(t->buf)) {
        t->len = -2;
        return SQLITE_OK;
    }
    memcpy(t->buf, token, (size_t)ntoken);
    t->len = ntoken;
    return SQLITE_OK;
}

/* Does some term of the index other than `tok` begin with it?  1, 0, or
 * -1 on error. */
static int extended(sqlite3_stmt *st, const char *tok, int len)
{
    char key[sizeof(((struct last_token *)0)->buf) + 1];
    int rc, found = 0;

    memcpy(key, tok, (size_t)len);
    key[len] = '\x01';
    sqlite3_reset(st);
    if (sqlite3_bind_text(st, 1, key, len + 1, SQLITE_TRANSIENT) != SQLITE_OK)
        return -1;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *term = (const char *)sqlite3_column_text(st, 0);
        int n = sqlite3_column_bytes(st, 0);
        found = term && n > len && memcmp(term, tok, (size_t)len) == 0;
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? found : -1;
}

/* Words with tokens, as srv__list_fts_query makes them prefixes. */
static int words_with_tokens(fts5_tokenizer *tk, Fts5Tokenizer *tok, const char *q)
{
    size_t len = strlen(q);
    int n = 0;

    for (size_t at = 0, i, w; srv__list_q_word(q, len, &at, &i, &w);) {
        struct last_token t = {.len = -1};
        /* a word the tokenizer fails on counts (as a prefix) */
        if (!tok ||
            tk->xTokenize(tok, &t, FTS5_TOKENIZE_QUERY | FTS5_TOKENIZE_PREFIX, q + i, (int)(w - i),
                          keep_last) != SQLITE_OK ||
            t.len != -1)
            n++;
    }
    return n;
}

/*
 * The search index's own tokenizer (pacta_words, as the index is made) and the statement that finds
 * the first term at or after a key.  What could not be made stays NULL (tok, st): the callers then
 * fall back to prefixes.
 */
struct term_lookup {
    fts5_tokenizer tk;
    Fts5Tokenizer *tok;
    sqlite3_stmt *st;
};

static void lookup_open(sqlite3 *db, struct term_lookup *l)
{
    fts5_api *api = srv__list_fts5_api(db);
    void *ud = NULL;

    memset(l, 0, sizeof(*l));
    if (!api || api->xFindTokenizer(api, SRV_WORDS_TOKENIZER, &ud, &l->tk) != SQLITE_OK ||
        l->tk.xCreate(ud, NULL, 0, &l->tok) != SQLITE_OK) {
        l->tok = NULL;
        return;
    }
    sqlite3_prepare_v2(db,
                       "SELECT term FROM temp." SRV_LIST_TERMS_TABLE " WHERE term >= ?1"
                       " LIMIT 1",
                       -1, &l->st, NULL); /* NULL on failure */
}

static void lookup_close(struct term_lookup *l)
{
    sqlite3_finalize(l->st);
    if (l->tok)
        l->tk.xDelete(l->tok);
}

/* q[i..w) as one FTS5 string, its quotes doubled */
static void put_word(char *p, size_t *o, const char *q, size_t i, size_t w)
{
    p[(*o)++] = '"';
    for (size_t k = i; k < w; k++) {
        if (q[k] == '"')
            p[(*o)++] = '"';
        p[(*o)++] = q[k];
    }
    p[(*o)++] = '"';
}

char *srv__list_terms_query(sqlite3 *db, const char *q, int *prefixes)
{
    size_t len = strlen(q), o = 0;
    struct term_lookup l;
    char *p = NULL;
    long made = 0;

    *prefixes = 0;
    lookup_open(db, &l);
    if (!l.st)
        goto plain;
    p = malloc(4 * len + 4);
    if (!p)
        goto plain;
    /* srv__list_fts_query's words, each "word" or "word"* */
    for (size_t at = 0, i, w; srv__list_q_word(q, len, &at, &i, &w);) {
        struct last_token t = {.len = -1};
        int prefix = 1;
        if (l.tk.xTokenize(l.tok, &t, FTS5_TOKENIZE_QUERY | FTS5_TOKENIZE_PREFIX, q + i,
                           (int)(w - i), keep_last) != SQLITE_OK)
            goto plain;
        if (t.len > 0) {
            int e = extended(l.st, t.buf, t.len);
            if (e < 0)
                goto plain;
            prefix = e;
            *prefixes += e;
        } else if (t.len == -2) { /* not checked: a prefix */
            *prefixes += 1;
        }
        if (o > 0)
            p[o++] = ' ';
        put_word(p, &o, q, i, w);
        if (prefix)
            p[o++] = '*';
        else
            made++;
    }
    if (o == 0) /* no word: as srv__list_fts_query */
        goto plain;
    p[o] = '\0';
    atomic_fetch_add(&exact_words, made);
    lookup_close(&l);
    return p;
plain:
    free(p);
    *prefixes = words_with_tokens(&l.tk, l.tok, q);
    lookup_close(&l);
    return srv__list_fts_query(q);
}

/* ---- the hits only: prefixes as their few terms ------------------------- */

#define TERM_MAX 256
#define WORD_TOKENS 32

/* A word's tokens, as the search index's tokenizer makes them. */
struct word_tokens {
    char bytes[2 * TERM_MAX];
    int start[WORD_TOKENS], len[WORD_TOKENS];
    int n; /* -1: more tokens or bytes than this holds */
    size_t used;
};

static int keep_all(void *ctx, int tflags, const char *token, int ntoken, int start, int end)
{
    struct word_tokens *w = ctx;

    (void)start;
    (void)end;
    if ((tflags & FTS5_TOKEN_COLOCATED) || w->n < 0) /* unicode61 makes none */
        return SQLITE_OK;
    if (w->n == WORD_TOKENS || ntoken >= TERM_MAX || w->used + (size_t)ntoken > sizeof(w->bytes)) {
        w->n = -1;
        return SQLITE_OK;
    }
    memcpy(w->bytes + w->used, token, (size_t)ntoken);
    w->start[w->n] = (int)w->used;
    w->len[w->n++] = ntoken;
    w->used += (size_t)ntoken;
    return SQLITE_OK;
}

/* The terms of the index that begin with `tok` (itself included), in
 * order, into terms/tlen: how many, SET_TERMS + 1 when there are more, or
 * -1 on error.  One seek each: the first term >= the last one + "\x01". */
#define SET_TERMS 16
static int begin_with(sqlite3_stmt *st, const char *tok, int len, char (*terms)[TERM_MAX],
                      int *tlen)
{
    char key[TERM_MAX + 1];
    int n = 0, klen = len, rc = SQLITE_DONE;

    memcpy(key, tok, (size_t)len);
    for (;;) {
        sqlite3_reset(st);
        if (sqlite3_bind_text(st, 1, key, klen, SQLITE_TRANSIENT) != SQLITE_OK)
            return -1;
        if ((rc = sqlite3_step(st)) != SQLITE_ROW)
            break;
        const char *term = (const char *)sqlite3_column_text(st, 0);
        int tn = sqlite3_column_bytes(st, 0);
        if (!term || tn < len || memcmp(term, tok, (size_t)len) != 0)
            break;
        if (n == SET_TERMS || tn >= TERM_MAX) { /* too many to list */
            n = SET_TERMS + 1;
            break;
        }
        memcpy(terms[n], term, (size_t)tn);
        tlen[n++] = tn;
        memcpy(key, term, (size_t)tn);
        key[tn] = '\x01';
        klen = tn + 1;
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? n : -1;
}

/* `"t1 t2 ... last"` into p at *o (tokens hold no quote; doubled anyway). */
static void put_phrase(char *p, size_t *o, const struct word_tokens *w, const char *last,
                       int lastlen)
{
    p[(*o)++] = '"';
    for (int k = 0; k < w->n; k++) {
        const char *t = k == w->n - 1 ? last : w->bytes + w->start[k];
        int tl = k == w->n - 1 ? lastlen : w->len[k];
        if (k > 0)
            p[(*o)++] = ' ';
        for (int c = 0; c < tl; c++) {
            if (t[c] == '"')
                p[(*o)++] = '"';
            p[(*o)++] = t[c];
        }
    }
    p[(*o)++] = '"';
}

char *srv__list_terms_set_query(sqlite3 *db, const char *q, int *prefixes)
{
    size_t len = strlen(q), o = 0, cap;
    struct term_lookup l;
    char *p = NULL;
    char(*terms)[TERM_MAX] = NULL;
    int tlen[SET_TERMS + 1], words = 0, listed = 0;

    *prefixes = 0;
    lookup_open(db, &l);
    if (!l.st)
        goto whole;
    cap = 4 * len + 64;
    p = malloc(cap);
    terms = malloc((SET_TERMS + 1) * sizeof(*terms));
    if (!p || !terms)
        goto whole;
    for (size_t at = 0, i, w; srv__list_q_word(q, len, &at, &i, &w);) {
        struct word_tokens t = {.n = 0};
        int k = -2;
        if (l.tk.xTokenize(l.tok, &t, FTS5_TOKENIZE_QUERY | FTS5_TOKENIZE_PREFIX, q + i,
                           (int)(w - i), keep_all) != SQLITE_OK)
            goto whole;
        if (t.n == 0) /* no token: FTS5 leaves the word out */
            continue;
        /* room for " AND " and the word: as it came (its bytes doubled),
         * or SET_TERMS phrases of its tokens doubled, " OR " between */
        size_t need = o + 5 + 2 * (w - i) + 4 +
                      SET_TERMS * (2 * sizeof(t.bytes) + WORD_TOKENS + 2 + 4) + 2 + 1;
        if (need > cap) {
            char *more = realloc(p, need);
            if (!more)
                goto whole;
            p = more;
            cap = need;
        }
        if (words++ > 0) {
            memcpy(p + o, " AND ", 5);
            o += 5;
        }
        if (t.n > 0) {
            const char *last = t.bytes + t.start[t.n - 1];
            int ll = t.len[t.n - 1];
            if ((k = begin_with(l.st, last, ll, terms, tlen)) < 0)
                goto whole;
            if (k == 0 || (k == 1 && tlen[0] == ll)) { /* nothing else begins so */
                put_phrase(p, &o, &t, last, ll);
            } else if (k <= SET_TERMS) {
                if (k > 1)
                    p[o++] = '(';
                for (int e = 0; e < k; e++) {
                    if (e > 0) {
                        memcpy(p + o, " OR ", 4);
                        o += 4;
                    }
                    put_phrase(p, &o, &t, terms[e], tlen[e]);
                }
                if (k > 1)
                    p[o++] = ')';
                listed++;
                *prefixes += 1; /* not whole: a few hit lists, OR-ed */
            }
        }
        if (t.n < 0 || k > SET_TERMS) { /* the word as it came, a prefix */
            put_word(p, &o, q, i, w);
            p[o++] = '*';
            *prefixes += 1;
        }
    }
    if (words == 0)
        goto whole;
    p[o] = '\0';
    atomic_fetch_add(&listed_words, listed);
    free(terms);
    lookup_close(&l);
    return p;
whole: /* the ranked form: whole words or prefixes */
    free(p);
    free(terms);
    lookup_close(&l);
    return srv__list_terms_query(db, q, prefixes);
}
