#!/usr/bin/env python3
"""The table of protocol/src/fold.c (pacta_fold: pactad's sort keys of titles
and counterparties and its `text` search, and the desk's own search), printed
as C initializers: ranges of code points and the
ASCII letters each folds to.

A letter of U+00C0..U+024F or U+1E00..U+1EFF folds to the ASCII letters of
its compatibility decomposition (NFKD), in lower case, when the rest of the
decomposition is combining marks (or the middle dot of Ŀ, the apostrophe of
ŉ); the letters with no decomposition fold as SPECIAL says; the combining
marks U+0300..U+036F fold to nothing; everything else is kept.  No key may
be longer than its text (checked).

Rows hold the keys and indexes are built on them: a table that folds
differently needs a migration that writes every key and index again.

    python3 tools/gen_fold_table.py    # Python 3.11: Unicode 14
"""
import unicodedata

SPECIAL = {
    0xDF: "ss", 0x1E9E: "ss", 0xC6: "ae", 0xE6: "ae", 0x152: "oe", 0x153: "oe",
    0xDE: "th", 0xFE: "th", 0xD0: "d", 0xF0: "d", 0x110: "d", 0x111: "d",
    0xD8: "o", 0xF8: "o", 0x141: "l", 0x142: "l", 0x126: "h", 0x127: "h",
    0x131: "i", 0x14A: "n", 0x14B: "n", 0x138: "k", 0x166: "t", 0x167: "t",
}
RANGES = ((0xC0, 0x24F), (0x300, 0x36F), (0x1E00, 0x1EFF))
# Greek and Cyrillic (with its supplement): case only, to the letter's case
# folding when that is one letter of no more bytes ("Ж" "ж", "Σ" and "ς"
# "σ"); their accents ("ά", "й") stay, as unicode61 keeps them for `q`.
CASE_RANGES = ((0x370, 0x3FF), (0x400, 0x52F))


def fold(cp):
    if 0x300 <= cp <= 0x36F:
        return ""
    if cp in SPECIAL:
        return SPECIAL[cp]
    parts = unicodedata.normalize("NFKD", chr(cp))
    letters = "".join(c.lower() for c in parts if c.isascii() and c.isalpha())
    rest = [c for c in parts if not (c.isascii() and c.isalpha())]
    if letters and all(unicodedata.category(c) == "Mn" or c in "\u00b7\u02bc" for c in rest):
        return letters
    return None


def fold_case(cp):
    c = chr(cp)
    f = c.casefold()
    if (f != c and len(f) == 1 and len(f.encode()) <= len(c.encode())
            and unicodedata.category(c) in ("Lu", "Lt", "Ll")):
        return f
    return None


def c_string(to):
    if to.isascii():
        return to
    return "".join("\\x%02X" % b for b in to.encode())


def main():
    table = {}
    for lo, hi in RANGES:
        for cp in range(lo, hi + 1):
            to = fold(cp)
            if to is not None:
                assert len(to.encode()) <= len(chr(cp).encode()), hex(cp)
                table[cp] = to
    for lo, hi in CASE_RANGES:
        for cp in range(lo, hi + 1):
            to = fold_case(cp)
            if to is not None:
                assert len(to.encode()) <= len(chr(cp).encode()), hex(cp)
                table[cp] = to
    ranges = []
    for cp in sorted(table):
        if ranges and ranges[-1][1] == cp - 1 and ranges[-1][2] == table[cp]:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp, table[cp]])
    print("/* %d code points, %d ranges; Unicode %s */"
          % (len(table), len(ranges), unicodedata.unidata_version))
    for first, last, to in ranges:
        print('{0x%X, 0x%X, "%s"},' % (first, last, c_string(to)))


if __name__ == "__main__":
    main()
