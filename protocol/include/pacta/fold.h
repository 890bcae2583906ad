/*
 * The key of a text without case or accents, for sorting and searching:
 * pactad's sort keys of titles and counterparties and its contracts.list
 * `text` (server/db_fold.h: what the keys are for there), and the desk's
 * own search, which must find what the server's finds.
 *
 * - ASCII letters in lower case;
 * - the accented Latin letters (U+00C0..U+024F, U+1E00..U+1EFF: Western
 *   and Central European, Romanian, Vietnamese, pinyin...) as their base
 *   letters in lower case, and the letters that have no base letter as
 *   the letters they are written with: ß "ss", æ "ae", œ "oe", ĳ "ij",
 *   þ "th", ð and đ "d", ø "o", ł "l" (fold.c has the rule);
 * - combining accents (U+0300..U+036F, text written decomposed) left out;
 * - Greek and Cyrillic letters in lower case ("Ж" "ж", final "ς" "σ"),
 *   their accents kept ("Ά" "ά", "Й" "й"; pactad's files since schema 22);
 * - everything else as it is (× ÷, digits, punctuation, other scripts:
 *   after the Latin letters by their UTF-8 bytes, as Greek and Cyrillic
 *   are), bytes that are not UTF-8 too.
 *
 * The key is never longer than the text, nor a character's key than the
 * character, and folding a key changes nothing.  pactad's files hold keys
 * (an index is built on them), so a change to these rules needs a
 * migration that writes every key and the text indexes again.
 */
#ifndef PACTA_FOLD_H
#define PACTA_FOLD_H

#include <stddef.h>

/* The key of s[0..n) into out (room for n bytes; not terminated): its
 * length.  Any thread. */
size_t pacta_fold(const char *s, size_t n, char *out);

/* The key of the character at p (n > 0 bytes there) when it is a letter
 * that folds: its bytes in *len (2 or 3), its key (ASCII letters, a Greek
 * or Cyrillic lower-case letter, "" for a combining accent).  NULL with
 * *len 0 for a character kept as it is (ASCII included: the caller folds
 * its case). */
const char *pacta_fold_char(const unsigned char *p, size_t n, size_t *len);

#endif
