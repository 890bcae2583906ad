/*
 * The key of a text without case or accents (pacta/fold.h): the fold of
 * pactad's sort keys and `text` search (server/db_fold.c) and of the desk's
 * own search (client-gtk), one table for both so that a search finds the
 * same rows whichever of them runs it.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pacta/fold.h"

/* Code points folded to other letters: ranges in order.  A letter of
 * U+00C0..U+024F or U+1E00..U+1EFF folds to the ASCII letters of its
 * compatibility decomposition (NFKD) in lower case when the rest of it is
 * combining marks (or the middle dot of Ŀ, the apostrophe of ŉ): "ặ" "a",
 * "ǉ" "lj".  Letters with no decomposition fold by their name: ß and ẞ
 * "ss", æ "ae", œ "oe", þ "th", ð đ "d", ø "o", ł "l", ħ "h", ı "i",
 * ŋ "n", ĸ "k", ŧ "t".  The combining marks U+0300..U+036F fold to
 * nothing; the others, as ƀ or ǝ, are kept.  Printed by
 * tools/gen_fold_table.py (Python 3.11's unicodedata: Unicode 14). */
static const struct {
    uint16_t first, last;
    char to[3];
} folds[] = {
    {0xC0, 0xC5, "a"},     {0xC6, 0xC6, "ae"},     {0xC7, 0xC7, "c"},     {0xC8, 0xCB, "e"},
    {0xCC, 0xCF, "i"},     {0xD0, 0xD0, "d"},      {0xD1, 0xD1, "n"},     {0xD2, 0xD6, "o"},
    {0xD8, 0xD8, "o"},     {0xD9, 0xDC, "u"},      {0xDD, 0xDD, "y"},     {0xDE, 0xDE, "th"},
    {0xDF, 0xDF, "ss"},    {0xE0, 0xE5, "a"},      {0xE6, 0xE6, "ae"},    {0xE7, 0xE7, "c"},
    {0xE8, 0xEB, "e"},     {0xEC, 0xEF, "i"},      {0xF0, 0xF0, "d"},     {0xF1, 0xF1, "n"},
    {0xF2, 0xF6, "o"},     {0xF8, 0xF8, "o"},      {0xF9, 0xFC, "u"},     {0xFD, 0xFD, "y"},
    {0xFE, 0xFE, "th"},    {0xFF, 0xFF, "y"},      {0x100, 0x105, "a"},   {0x106, 0x10D, "c"},
    {0x10E, 0x111, "d"},   {0x112, 0x11B, "e"},    {0x11C, 0x123, "g"},   {0x124, 0x127, "h"},
    {0x128, 0x131, "i"},   {0x132, 0x133, "ij"},   {0x134, 0x135, "j"},   {0x136, 0x138, "k"},
    {0x139, 0x142, "l"},   {0x143, 0x14B, "n"},    {0x14C, 0x151, "o"},   {0x152, 0x153, "oe"},
    {0x154, 0x159, "r"},   {0x15A, 0x161, "s"},    {0x162, 0x167, "t"},   {0x168, 0x173, "u"},
    {0x174, 0x175, "w"},   {0x176, 0x178, "y"},    {0x179, 0x17E, "z"},   {0x17F, 0x17F, "s"},
    {0x1A0, 0x1A1, "o"},   {0x1AF, 0x1B0, "u"},    {0x1C4, 0x1C6, "dz"},  {0x1C7, 0x1C9, "lj"},
    {0x1CA, 0x1CC, "nj"},  {0x1CD, 0x1CE, "a"},    {0x1CF, 0x1D0, "i"},   {0x1D1, 0x1D2, "o"},
    {0x1D3, 0x1DC, "u"},   {0x1DE, 0x1E1, "a"},    {0x1E6, 0x1E7, "g"},   {0x1E8, 0x1E9, "k"},
    {0x1EA, 0x1ED, "o"},   {0x1F0, 0x1F0, "j"},    {0x1F1, 0x1F3, "dz"},  {0x1F4, 0x1F5, "g"},
    {0x1F8, 0x1F9, "n"},   {0x1FA, 0x1FB, "a"},    {0x200, 0x203, "a"},   {0x204, 0x207, "e"},
    {0x208, 0x20B, "i"},   {0x20C, 0x20F, "o"},    {0x210, 0x213, "r"},   {0x214, 0x217, "u"},
    {0x218, 0x219, "s"},   {0x21A, 0x21B, "t"},    {0x21E, 0x21F, "h"},   {0x226, 0x227, "a"},
    {0x228, 0x229, "e"},   {0x22A, 0x231, "o"},    {0x232, 0x233, "y"},   {0x300, 0x36F, ""},
    {0x1E00, 0x1E01, "a"}, {0x1E02, 0x1E07, "b"},  {0x1E08, 0x1E09, "c"}, {0x1E0A, 0x1E13, "d"},
    {0x1E14, 0x1E1D, "e"}, {0x1E1E, 0x1E1F, "f"},  {0x1E20, 0x1E21, "g"}, {0x1E22, 0x1E2B, "h"},
    {0x1E2C, 0x1E2F, "i"}, {0x1E30, 0x1E35, "k"},  {0x1E36, 0x1E3D, "l"}, {0x1E3E, 0x1E43, "m"},
    {0x1E44, 0x1E4B, "n"}, {0x1E4C, 0x1E53, "o"},  {0x1E54, 0x1E57, "p"}, {0x1E58, 0x1E5F, "r"},
    {0x1E60, 0x1E69, "s"}, {0x1E6A, 0x1E71, "t"},  {0x1E72, 0x1E7B, "u"}, {0x1E7C, 0x1E7F, "v"},
    {0x1E80, 0x1E89, "w"}, {0x1E8A, 0x1E8D, "x"},  {0x1E8E, 0x1E8F, "y"}, {0x1E90, 0x1E95, "z"},
    {0x1E96, 0x1E96, "h"}, {0x1E97, 0x1E97, "t"},  {0x1E98, 0x1E98, "w"}, {0x1E99, 0x1E99, "y"},
    {0x1E9B, 0x1E9B, "s"}, {0x1E9E, 0x1E9E, "ss"}, {0x1EA0, 0x1EB7, "a"}, {0x1EB8, 0x1EC7, "e"},
    {0x1EC8, 0x1ECB, "i"}, {0x1ECC, 0x1EE3, "o"},  {0x1EE4, 0x1EF1, "u"}, {0x1EF2, 0x1EF9, "y"},
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

/* The code point of a two- or three-byte UTF-8 sequence at p (n bytes
 * there) in *c: its length, or 0 (ASCII, four bytes, not UTF-8, an
 * overlong form: kept as they are, byte by byte; no folded letter is any
 * of those). */
static size_t decode(const unsigned char *p, size_t n, unsigned *c)
{
    if ((p[0] & 0xE0) == 0xC0 && n >= 2 && (p[1] & 0xC0) == 0x80) {
        *c = ((unsigned)(p[0] & 0x1F) << 6) | (p[1] & 0x3F);
        return *c >= 0x80 ? 2 : 0;
    }
    if ((p[0] & 0xF0) == 0xE0 && n >= 3 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80) {
        *c = ((unsigned)(p[0] & 0x0F) << 12) | ((unsigned)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
        return *c >= 0x800 ? 3 : 0;
    }
    return 0;
}

const char *pacta_fold_char(const unsigned char *p, size_t n, size_t *len)
{
    unsigned c;

    *len = decode(p, n, &c);
    return *len ? fold_of(c) : NULL;
}

size_t pacta_fold(const char *s, size_t n, char *out)
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
        size_t len;
        const char *to = pacta_fold_char(p + i, n - i, &len);
        if (to) {
            size_t k = strlen(to);
            memcpy(out + o, to, k);
            o += k;
            i += len;
            continue;
        }
        out[o++] = (char)b; /* the rest of the sequence as it is, next */
        i++;
    }
    return o;
}
