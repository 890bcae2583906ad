/*
 * pacta_fold: the sort key of titles and counterparties (db_fold.h says
 * what it keeps and what it folds).  Only SQLite: pactactl builds this file
 * too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db_fold.h"

/* Code points folded to other letters: ranges in order. */
static const struct {
    uint16_t first, last;
    char to[3];
} folds[] = {
    {0xC0, 0xC5, "a"},   {0xC6, 0xC6, "ae"},   {0xC7, 0xC7, "c"},   {0xC8, 0xCB, "e"},
    {0xCC, 0xCF, "i"},   {0xD0, 0xD0, "d"},    {0xD1, 0xD1, "n"},   {0xD2, 0xD6, "o"},
    {0xD8, 0xD8, "o"},   {0xD9, 0xDC, "u"},    {0xDD, 0xDD, "y"},   {0xDE, 0xDE, "th"},
    {0xDF, 0xDF, "ss"},  {0xE0, 0xE5, "a"},    {0xE6, 0xE6, "ae"},  {0xE7, 0xE7, "c"},
    {0xE8, 0xEB, "e"},   {0xEC, 0xEF, "i"},    {0xF0, 0xF0, "d"},   {0xF1, 0xF1, "n"},
    {0xF2, 0xF6, "o"},   {0xF8, 0xF8, "o"},    {0xF9, 0xFC, "u"},   {0xFD, 0xFD, "y"},
    {0xFE, 0xFE, "th"},  {0xFF, 0xFF, "y"},    {0x100, 0x105, "a"}, {0x106, 0x10D, "c"},
    {0x10E, 0x111, "d"}, {0x112, 0x11B, "e"},  {0x11C, 0x123, "g"}, {0x124, 0x127, "h"},
    {0x128, 0x131, "i"}, {0x132, 0x133, "ij"}, {0x134, 0x135, "j"}, {0x136, 0x138, "k"},
    {0x139, 0x142, "l"}, {0x143, 0x14B, "n"},  {0x14C, 0x151, "o"}, {0x152, 0x153, "oe"},
    {0x154, 0x159, "r"}, {0x15A, 0x161, "s"},  {0x162, 0x167, "t"}, {0x168, 0x173, "u"},
    {0x174, 0x175, "w"}, {0x176, 0x178, "y"},  {0x179, 0x17E, "z"}, {0x17F, 0x17F, "s"},
    {0x218, 0x219, "s"}, {0x21A, 0x21B, "t"},  {0x300, 0x36F, ""},
};

/* What code point c folds to, or NULL: kept as it is. */
static const char *fold_of(unsigned c)
{
    size_t lo = 0, hi = sizeof(folds) / sizeof(folds[0]);

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c < folds[mid].first)
            hi = mid;
        else if (c > folds[mid].last)
            lo = mid + 1;
        else
            return folds[mid].to;
    }
    return NULL;
}

size_t srv_fold(const char *s, size_t n, char *out)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, o = 0;

    while (i < n) {
        unsigned char b = p[i];
        if (b < 0x80) {
            out[o++] = (char)(b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b);
            i++;
            continue;
        }
        /* Every folded code point is two bytes long in UTF-8
         * (U+0080..U+07FF); longer sequences and stray bytes are copied. */
        if ((b & 0xE0) == 0xC0 && i + 1 < n && (p[i + 1] & 0xC0) == 0x80) {
            const char *to = fold_of(((unsigned)(b & 0x1F) << 6) | (p[i + 1] & 0x3F));
            if (to) {
                size_t k = strlen(to);
                memcpy(out + o, to, k);
                o += k;
            } else {
                out[o++] = (char)b;
                out[o++] = (char)p[i + 1];
            }
            i += 2;
            continue;
        }
        out[o++] = (char)b;
        i++;
    }
    return o;
}

static void fold_func(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
        return; /* NULL */
    const char *s = (const char *)sqlite3_value_text(argv[0]);
    size_t n = (size_t)sqlite3_value_bytes(argv[0]);
    char *out = s ? sqlite3_malloc64(n + 1) : NULL;

    if (!out) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    sqlite3_result_text(ctx, out, (int)srv_fold(s, n, out), sqlite3_free);
}

/* The key of a text, a byte at a time (the collation compares keys without
 * making them). */
struct fold_iter {
    const unsigned char *p, *end;
    const char *pending; /* the rest of a fold's letters ("s" of "ss") */
};

static int fold_next(struct fold_iter *it)
{
    while (!(it->pending && *it->pending)) {
        it->pending = NULL;
        if (it->p >= it->end)
            return -1;
        unsigned char b = *it->p;
        if (b < 0x80) {
            it->p++;
            return b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b;
        }
        if ((b & 0xE0) == 0xC0 && it->p + 1 < it->end && (it->p[1] & 0xC0) == 0x80) {
            const char *to = fold_of(((unsigned)(b & 0x1F) << 6) | (it->p[1] & 0x3F));
            if (!to)
                return *it->p++; /* the sequence as it is, a byte at a time */
            it->p += 2;
            it->pending = to; /* "" for a mark: the loop goes on */
            continue;
        }
        return *it->p++;
    }
    return (unsigned char)*it->pending++;
}

/* COLLATE pacta_fold: as BINARY compares the keys (bytes, then length). */
static int fold_collate(void *arg, int na, const void *a, int nb, const void *b)
{
    struct fold_iter x = {a, (const unsigned char *)a + na, NULL};
    struct fold_iter y = {b, (const unsigned char *)b + nb, NULL};

    (void)arg;
    for (;;) {
        int cx = fold_next(&x), cy = fold_next(&y);
        if (cx != cy)
            return cx < cy ? -1 : 1; /* -1: the shorter first */
        if (cx < 0)
            return 0;
    }
}

int srv_fold_register(sqlite3 *db)
{
    int rc = sqlite3_create_function(db, SRV_FOLD_FUNCTION, 1,
                                     SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                                     fold_func, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_collation(db, SRV_FOLD_FUNCTION, SQLITE_UTF8, NULL, fold_collate);
    return rc;
}
