/*
 * The SQL of the folded-words migration (21; an entry of schema.c's array):
 * contracts.list `q` (the word index, contracts_fts) with the letters that
 * Unicode does not decompose folded too.
 *
 * The index's tokenizer was unicode61 with remove_diacritics 2, which drops
 * the accents of "ș" or "é" but keeps "ł", "ø", "æ", "đ" and "ß" as they
 * are: "lodz" did not find "Łódź", nor "strasse" "Straße", where `text`
 * and the desk's own search (pacta/fold.h, migration 20) find both.  Now
 * it is pacta_words (db_short.c): the same unicode61 on the column's key.
 *
 * The index keeps its content (contracts_fts_content), so it is made again
 * from what it holds, not from the contracts: the table's SQL is edited in
 * place to name the new tokenizer (SQLite's documented writable_schema,
 * as migration 19 did; RESET reloads this connection's schema and a table
 * made and dropped moves the cookie for the others), and FTS5's 'rebuild'
 * tokenizes every stored row again, row lengths included.  The notes of
 * edits not yet applied (contracts_fts_pending) stay valid: the content,
 * which they are compared with, is the same.  A file whose index SQL does
 * not name unicode61 that way (none that pactad made) is left as it was,
 * and the 'rebuild' does no harm.
 */
#ifndef PACTA_SRV_SCHEMA_FOLD_WORDS_H
#define PACTA_SRV_SCHEMA_FOLD_WORDS_H

#define SRV_SCHEMA_FOLD_WORDS                                                                      \
    "PRAGMA writable_schema = ON;"                                                                 \
    "UPDATE sqlite_schema SET sql = replace(sql, 'tokenize = ''unicode61 remove_diacritics 2''',"  \
    "  'tokenize = ''pacta_words''')"                                                              \
    "  WHERE type = 'table' AND name = 'contracts_fts';"                                           \
    "PRAGMA writable_schema = RESET;"                                                              \
    "CREATE TABLE schema_cookie (x);"                                                              \
    "DROP TABLE schema_cookie;"                                                                    \
    "INSERT INTO contracts_fts (contracts_fts) VALUES ('rebuild');"

#endif
