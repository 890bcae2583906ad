/*
 * pacta_fold and pacta_contains in SQL, and the collation: the key of
 * libpacta-protocol's pacta/fold.h (db_fold.h says what pactad keeps it
 * for).  Only SQLite: pactactl builds this file too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db_fold.h"

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
    sqlite3_result_text(ctx, out, (int)pacta_fold(s, n, out), sqlite3_free);
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
        size_t len;
        const char *to = pacta_fold_char(it->p, (size_t)(it->end - it->p), &len);
        if (!to)
            return *it->p++; /* the sequence as it is, a byte at a time */
        it->p += len;
        it->pending = to; /* "" for a mark: the loop goes on */
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

/* pacta_contains(needle, text...): whether the key of one of the texts
 * holds the needle, a key itself (db_fold.h).  Each text is folded into a
 * buffer on the stack when it fits, so a row costs no allocation. */
static void contains_func(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const char *needle = (const char *)sqlite3_value_text(argv[0]);
    size_t nn = (size_t)sqlite3_value_bytes(argv[0]);
    char stack[512];
    int found = 0;

    if (!needle) {
        if (sqlite3_value_type(argv[0]) != SQLITE_NULL)
            sqlite3_result_error_nomem(ctx);
        return; /* NULL: no needle */
    }
    for (int i = 1; i < argc && !found; i++) {
        const char *s = (const char *)sqlite3_value_text(argv[i]);
        size_t n = (size_t)sqlite3_value_bytes(argv[i]);
        char *key;

        if (!s || n < nn)
            continue; /* NULL, or shorter than the needle: its key is too */
        key = n <= sizeof(stack) ? stack : sqlite3_malloc64(n);
        if (!key) {
            sqlite3_result_error_nomem(ctx);
            return;
        }
        size_t k = pacta_fold(s, n, key);
        found = nn == 0 || (k >= nn && memmem(key, k, needle, nn) != NULL);
        if (key != stack)
            sqlite3_free(key);
    }
    sqlite3_result_int(ctx, found);
}

int srv_fold_register(sqlite3 *db)
{
    int rc = sqlite3_create_function(db, SRV_FOLD_FUNCTION, 1,
                                     SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                                     fold_func, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function(db, SRV_CONTAINS_FUNCTION, -1,
                                     SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                                     contains_func, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_collation(db, SRV_FOLD_FUNCTION, SQLITE_UTF8, NULL, fold_collate);
    return rc;
}
