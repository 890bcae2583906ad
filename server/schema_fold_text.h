/*
 * The SQL of the folded-text migration (20; an entry of schema.c's array;
 * server/db_list.c reads what it makes).
 *
 * contracts.list `text` was LIKE '%text%' over number, title and
 * counterparty: ASCII letters without case, every other letter as typed.
 * So "timisoara" did not find "Timișoara", nor "întreținere"
 * "Întreținere" — where the desk's own search (client-gtk's
 * pacta_search_fold) finds both, and the desk shows the server's list past
 * PACTA_DESK_MAX_ROWS contracts: the same search found less as the
 * company grew.  Now a row matches when the key (db_fold.h, the sort keys'
 * fold: lower case, the Latin letters' accents left out, "ß" as "ss") of
 * one of the three holds the text's key: pacta_contains on each row.
 *
 * The two indexes that find the candidates read keys too: their tokenizers
 * (db_short.c) fold each column before making its tokens.  contracts_short
 * keeps its tokenizer's name, whose tokens changed; contracts_text had
 * SQLite's trigram tokenizer, which folds case but not accents in 3.40, and
 * has pacta_trigram.  A contentless index can only take a row out with the
 * tokens it put in, so both are made again from the contracts, not
 * changed: dropped, created and filled (list_1m's million contracts:
 * bench/RESULTS.md, 2026-11-24).  The triggers that fill them
 * (contracts_text_insert, contracts_short_insert, contracts_substr_delete)
 * name the tables and stay.  The notes of edits not yet applied
 * (contracts_text_pending) hold values the new indexes never had: the
 * indexes are made from the contracts as they are, so the notes go.
 */
#ifndef PACTA_SRV_SCHEMA_FOLD_TEXT_H
#define PACTA_SRV_SCHEMA_FOLD_TEXT_H

/* Both indexes made again from the contracts' keys, and the notes dropped:
 * migration 20, and 22 (schema_fold_scripts.h) after the keys changed. */
#define SRV_SCHEMA_FOLD_TEXT                                                                       \
    "DROP TABLE contracts_text;"                                                                   \
    "CREATE VIRTUAL TABLE contracts_text USING fts5("                                              \
    "  number, title, counterparty,"                                                               \
    "  content = '', columnsize = 0, tokenize = 'pacta_trigram');"                                 \
    "INSERT INTO contracts_text (rowid, number, title, counterparty)"                              \
    "  SELECT m.rid, c.number, c.title, c.counterparty"                                            \
    "  FROM contracts_fts_map m JOIN contracts c ON c.id = m.id ORDER BY m.rid;"                   \
    "DROP TABLE contracts_short;"                                                                  \
    "CREATE VIRTUAL TABLE contracts_short USING fts5("                                             \
    "  number, title, counterparty, content = '', columnsize = 0, detail = none,"                  \
    "  tokenize = 'pacta_short');"                                                                 \
    "INSERT INTO contracts_short (rowid, number, title, counterparty)"                             \
    "  SELECT m.rid, c.number, c.title, c.counterparty"                                            \
    "  FROM contracts_fts_map m JOIN contracts c ON c.id = m.id ORDER BY m.rid;"                   \
    "DELETE FROM contracts_text_pending;"

#endif
