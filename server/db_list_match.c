/*
 * contracts.list `q` tested on one row in C, with the search index's own
 * tokenizer (db_list.c's q probe).
 *
 * Why: a word that most contracts have ("contract") costs FTS5 tens of
 * milliseconds before its first hit — it merges the doclists of every term
 * with that prefix, a million entries — and a walk that checks membership
 * against the hits first collects all of them.  When q is that common, a
 * walk in the sort order finds a page within its first rows, if each row
 * can be tested on its own: that is this file.
 *
 * What it promises: the same answer as `contracts_fts MATCH
 * srv__list_fts_query(q)` for the row's number, title, counterparty,
 * description and supplement reasons (the indexed columns, which the
 * triggers keep equal to these).  It takes the tokenizer FTS5 itself uses
 * for contracts_fts (pacta_words, db_short.c: unicode61 with
 * remove_diacritics 2 on the column's key, through the
 * fts5_api of the connection), and follows FTS5's rules for that query:
 * each word (split by srv__list_q_space) is a phrase of its tokens, the last
 * one a prefix; a phrase matches a column with those tokens at consecutive
 * positions; phrases are AND-ed; a word without tokens ("-") is left out of
 * the AND, and a query with no token left matches nothing.
 * tests/unit/test_srv_list_q.c checks it against FTS5 row by row.
 */
#include <stdlib.h>
#include <string.h>

#include "db_list-private.h"
#include "db_short.h"

struct tokens {
    char *bytes;
    size_t nbytes, capbytes;
    int *start, *len; /* token i: bytes[start[i] .. start[i] + len[i]) */
    int n, cap;
};

struct phrase {
    struct tokens t;
};

struct srv_list_qmatch {
    fts5_tokenizer api;
    Fts5Tokenizer *tok;
    struct phrase *phrases;
    int nphrases;
    struct tokens row; /* a column's tokens, reused */
};

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        srv__log_error("fatal: out of memory", NULL);
        abort();
    }
    return q;
}

static int add_token(void *ctx, int tflags, const char *token, int ntoken, int start, int end)
{
    struct tokens *t = ctx;

    (void)start;
    (void)end;
    if (tflags & FTS5_TOKEN_COLOCATED) /* unicode61 makes none */
        return SQLITE_OK;
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 64;
        t->start = xrealloc(t->start, (size_t)t->cap * sizeof(int));
        t->len = xrealloc(t->len, (size_t)t->cap * sizeof(int));
    }
    if (t->nbytes + (size_t)ntoken > t->capbytes) {
        t->capbytes = 2 * (t->nbytes + (size_t)ntoken) + 256;
        t->bytes = xrealloc(t->bytes, t->capbytes);
    }
    memcpy(t->bytes + t->nbytes, token, (size_t)ntoken);
    t->start[t->n] = (int)t->nbytes;
    t->len[t->n++] = ntoken;
    t->nbytes += (size_t)ntoken;
    return SQLITE_OK;
}

static int tokenize(struct srv_list_qmatch *m, struct tokens *t, int flags, const char *text,
                    int len)
{
    t->n = 0;
    t->nbytes = 0;
    return m->api.xTokenize(m->tok, t, flags, text, len, add_token);
}

static void tokens_free(struct tokens *t)
{
    free(t->bytes);
    free(t->start);
    free(t->len);
}

/* FTS5's own API of this connection (the documented `SELECT fts5(?1)`). */
fts5_api *srv__list_fts5_api(sqlite3 *db)
{
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;

    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
        sqlite3_step(st);
    }
    sqlite3_finalize(st);
    return api;
}

void srv__list_qmatch_free(struct srv_list_qmatch *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->nphrases; i++)
        tokens_free(&m->phrases[i].t);
    free(m->phrases);
    tokens_free(&m->row);
    if (m->tok)
        m->api.xDelete(m->tok);
    free(m);
}

int srv__list_qmatch_new(sqlite3 *db, const char *q, struct srv_list_qmatch **out)
{
    struct srv_list_qmatch *m = xrealloc(NULL, sizeof(*m));
    fts5_api *api = srv__list_fts5_api(db);
    void *ud = NULL;
    size_t len = strlen(q);

    memset(m, 0, sizeof(*m));
    *out = NULL;
    if (!api || api->xFindTokenizer(api, SRV_WORDS_TOKENIZER, &ud, &m->api) != SQLITE_OK ||
        m->api.xCreate(ud, NULL, 0, &m->tok) != SQLITE_OK) {
        m->tok = NULL;
        srv__list_qmatch_free(m);
        return -1;
    }
    /* the words of srv__list_fts_query, each a phrase of its tokens */
    for (size_t at = 0, i, w; srv__list_q_word(q, len, &at, &i, &w);) {
        struct phrase *p;
        m->phrases = xrealloc(m->phrases, (size_t)(m->nphrases + 1) * sizeof(*p));
        p = &m->phrases[m->nphrases];
        memset(p, 0, sizeof(*p));
        if (tokenize(m, &p->t, FTS5_TOKENIZE_QUERY | FTS5_TOKENIZE_PREFIX, q + i, (int)(w - i)) !=
            SQLITE_OK) {
            m->nphrases++;
            srv__list_qmatch_free(m);
            return -1;
        }
        if (p->t.n > 0) /* FTS5 leaves a phrase without tokens out */
            m->nphrases++;
        else
            tokens_free(&p->t);
    }
    if (m->nphrases > 64) { /* srv__list_qmatch_row's bitmap */
        srv__list_qmatch_free(m);
        return -1;
    }
    *out = m;
    return 0;
}

/* Does the phrase occur in the column's tokens: its tokens at consecutive
 * positions, the last one as a prefix? */
static int phrase_in(const struct phrase *p, const struct tokens *c)
{
    const struct tokens *t = &p->t;

    for (int at = 0; at + t->n <= c->n; at++) {
        int k = 0;
        for (; k < t->n; k++) {
            int cl = c->len[at + k], tl = t->len[k];
            int last = k == t->n - 1;
            if ((last ? cl < tl : cl != tl) ||
                memcmp(c->bytes + c->start[at + k], t->bytes + t->start[k], (size_t)tl) != 0)
                break;
        }
        if (k == t->n)
            return 1;
    }
    return 0;
}

int srv__list_qmatch_row(struct srv_list_qmatch *m, const char *const *cols, const int *lens,
                         int ncols)
{
    unsigned char found[64] = {0};
    int left = m->nphrases;

    if (left == 0)
        return 0;
    for (int c = 0; c < ncols && left > 0; c++) {
        if (!cols[c] || lens[c] == 0)
            continue;
        if (tokenize(m, &m->row, FTS5_TOKENIZE_DOCUMENT, cols[c], lens[c]) != SQLITE_OK)
            return -1;
        for (int i = 0; i < m->nphrases; i++)
            if (!found[i] && phrase_in(&m->phrases[i], &m->row)) {
                found[i] = 1;
                left--;
            }
    }
    return left == 0;
}
