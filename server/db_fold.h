/*
 * The sort key of a title or a counterparty (contracts.title_key and
 * counterparty_key, schema_sort_keys.h): the text without case or accents,
 * so that "Ávila" sorts with "Avila" and "avión", not after "zulu".  Also
 * what contracts.list `text` compares (schema_fold_text.h): "timisoara"
 * is a substring of the key of "Hooli Timișoara".
 *
 * - ASCII letters in lower case;
 * - the accented Latin letters (U+00C0..U+024F, U+1E00..U+1EFF: Western
 *   and Central European, Romanian, Vietnamese, pinyin...) as their base
 *   letters in lower case, and the letters that have no base letter as
 *   the letters they are written with: ß "ss", æ "ae", œ "oe", ĳ "ij",
 *   þ "th", ð and đ "d", ø "o", ł "l" (db_fold.c has the rule);
 * - combining accents (U+0300..U+036F, text written decomposed) left out;
 * - everything else as it is (× ÷, digits, punctuation, Greek, Cyrillic:
 *   after the Latin letters by their UTF-8 bytes), bytes that are not
 *   UTF-8 too.
 *
 * The key is never longer than the text.  Rows hold it (an index is built
 * on it), and so do contracts_text and contracts_short (db_short.c), so a
 * change to these rules needs a migration that writes every key and both
 * indexes again.
 */
#ifndef PACTA_SRV_DB_FOLD_H
#define PACTA_SRV_DB_FOLD_H

#include <stddef.h>
#include <sqlite3.h>

/* The SQL function's name: pacta_fold(text) is the key, NULL for NULL;
 * and the collation's: x COLLATE pacta_fold orders texts as their keys do,
 * without making them. */
#define SRV_FOLD_FUNCTION "pacta_fold"

/* pacta_contains(needle, text, ...): 1 when the key of one of the texts
 * (NULLs left out) holds `needle` — which must be a key already, so a
 * statement folds it once — 0 when none does, NULL for a NULL needle.
 * contracts.list `text` is this over number, title and counterparty
 * (db_list.c).  Registered with pacta_fold. */
#define SRV_CONTAINS_FUNCTION "pacta_contains"

/* The key of s[0..n) into out (room for n bytes; not terminated): its
 * length. */
size_t srv_fold(const char *s, size_t n, char *out);

/* Registers the functions pacta_fold and pacta_contains (deterministic,
 * innocuous) and the collation on one connection: SQLITE_OK or the error. */
int srv_fold_register(sqlite3 *db);

#endif
