/*
 * pacta_rank (db_list_rank.h): bm25 with the row's length from the query.
 *
 * The score is FTS5's bm25 (SQLite 3.40, fts5_aux.c) re-derived: per
 * statement, the average row length in tokens (avgdl, over every row) and
 * each phrase's IDF, log((N - n + 0.5) / (n + 0.5)) floored at 1e-6 for a
 * phrase in more than half the rows; per row, each phrase's frequency f
 * (the weights of the columns of its instances, summed in instance order)
 * and the row's length D, and then
 *
 *   -sum over phrases of  idf * ((f * (k1 + 1)) / (f + k1 * (1 - b + b * D / avgdl)))
 *
 * with k1 = 1.2 and b = 0.75.  The order of the operations is FTS5's:
 * floating point is not associative, and the ranked cursor compares a
 * row's score with the one a page computed (db_list.c), so every score
 * must be the one bm25 gives.  `idf * num / den`, for one, differs in the
 * last bit for a fifth of the rows of the million-row bench file.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "db_list-private.h"
#include "db_list_rank.h"

static atomic_long fallbacks;

long srv__list_rank_fallbacks(void)
{
    return atomic_load(&fallbacks);
}

/* Once per statement (FTS5 keeps it with the cursor). */
struct rank_query {
    int nphrases;
    double avgdl;
    double *idf;  /* per phrase */
    double *freq; /* per phrase, the current row's */
};

static int count_hit(const Fts5ExtensionApi *api, Fts5Context *fts, void *ud)
{
    (void)api;
    (void)fts;
    (*(int64_t *)ud)++;
    return SQLITE_OK;
}

static int query_data(const Fts5ExtensionApi *api, Fts5Context *fts, struct rank_query **out)
{
    struct rank_query *q = api->xGetAuxdata(fts, 0);
    sqlite3_int64 rows = 0, tokens = 0;
    int rc = SQLITE_OK, n;

    if (q) {
        *out = q;
        return SQLITE_OK;
    }
    n = api->xPhraseCount(fts);
    q = sqlite3_malloc64(sizeof(*q) + 2 * (size_t)n * sizeof(double));
    if (!q)
        return SQLITE_NOMEM;
    q->nphrases = n;
    q->idf = (double *)(q + 1);
    q->freq = q->idf + n;
    q->avgdl = 0.0;
    rc = api->xRowCount(fts, &rows);
    if (rc == SQLITE_OK)
        rc = api->xColumnTotalSize(fts, -1, &tokens);
    if (rc == SQLITE_OK)
        q->avgdl = (double)tokens / (double)rows;
    for (int i = 0; rc == SQLITE_OK && i < n; i++) {
        int64_t hits = 0;

        rc = api->xQueryPhrase(fts, i, &hits, count_hit);
        if (rc == SQLITE_OK) {
            double idf = log(((double)(rows - hits) + 0.5) / ((double)hits + 0.5));

            q->idf[i] = idf <= 0.0 ? 1e-6 : idf;
        }
    }
    if (rc == SQLITE_OK)
        rc = api->xSetAuxdata(fts, q, sqlite3_free); /* frees q on failure */
    else
        sqlite3_free(q);
    *out = rc == SQLITE_OK ? q : NULL;
    return rc;
}

/* One SQLite varint (big-endian groups of 7 bits, the 9th byte whole),
 * as FTS5 writes a column's size; truncated to 32 bits as FTS5 reads it.
 * The bytes used, or 0 when it runs past the end. */
static int get_varint32(const unsigned char *p, int n, uint32_t *v)
{
    uint64_t x = 0;

    for (int i = 0; i < 8 && i < n; i++) {
        x = (x << 7) | (p[i] & 0x7f);
        if (!(p[i] & 0x80)) {
            *v = (uint32_t)x;
            return i + 1;
        }
    }
    if (n < 9)
        return 0;
    *v = (uint32_t)((x << 8) | p[8]);
    return 9;
}

/* The row's length in tokens from its docsize record: one varint per
 * column of the table (unindexed ones hold 0), nothing after them.  0,
 * or -1 when it is not such a record. */
static int row_length(sqlite3_value *sz, int ncols, int *len)
{
    const unsigned char *p;
    int n, off = 0, sum = 0;

    if (sqlite3_value_type(sz) != SQLITE_BLOB)
        return -1;
    p = sqlite3_value_blob(sz);
    n = sqlite3_value_bytes(sz);
    for (int c = 0; c < ncols; c++) {
        uint32_t v;
        int used = off < n ? get_varint32(p + off, n - off, &v) : 0;

        if (!used)
            return -1;
        off += used;
        /* FTS5 adds its int copies of the sizes */
        sum = (int)((unsigned)sum + (unsigned)(int)v);
    }
    if (off != n)
        return -1;
    *len = sum;
    return 0;
}

static void rank_function(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                          int nargs, sqlite3_value **args)
{
    const double k1 = 1.2, b = 0.75;
    struct rank_query *q = NULL;
    int rc, ninst = 0, len = 0;
    double score = 0.0, dl;

    if (nargs < 1) {
        sqlite3_result_error(ctx, SRV_LIST_RANK_FUNCTION ": the row's size is missing", -1);
        return;
    }
    rc = query_data(api, fts, &q);
    if (rc == SQLITE_OK) {
        memset(q->freq, 0, (size_t)q->nphrases * sizeof(double));
        rc = api->xInstCount(fts, &ninst);
    }
    for (int i = 0; rc == SQLITE_OK && i < ninst; i++) {
        int phrase, col, off;

        rc = api->xInst(fts, i, &phrase, &col, &off);
        if (rc == SQLITE_OK)
            q->freq[phrase] += nargs - 1 > col ? sqlite3_value_double(args[1 + col]) : 1.0;
    }
    if (rc == SQLITE_OK && row_length(args[0], api->xColumnCount(fts), &len) != 0) {
        atomic_fetch_add(&fallbacks, 1);
        rc = api->xColumnSize(fts, -1, &len);
    }
    dl = (double)len;
    for (int i = 0; rc == SQLITE_OK && i < q->nphrases; i++)
        score += q->idf[i] *
                 ((q->freq[i] * (k1 + 1.0)) / (q->freq[i] + k1 * (1 - b + b * dl / q->avgdl)));
    if (rc == SQLITE_OK)
        sqlite3_result_double(ctx, -1.0 * score);
    else
        sqlite3_result_error_code(ctx, rc);
}

int srv__list_rank_attach(sqlite3 *db)
{
    fts5_api *api = srv__list_fts5_api(db);

    if (!api)
        return -1;
    return api->xCreateFunction(api, SRV_LIST_RANK_FUNCTION, NULL, rank_function, NULL) == SQLITE_OK
               ? 0
               : -1;
}
