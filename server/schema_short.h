/*
 * The SQL of the short-substring migration (issue 7; an entry of schema.c's
 * array; server/db_list.c reads what it makes).
 *
 * contracts.list `text` of three characters or more is found through the
 * trigram index (schema_text.h); one or two characters have no trigram, and
 * a walk with LIKE on every row read all of them when few rows had the text
 * (0.95 s with a million contracts for "zq", which none has).
 * contracts_short indexes number, title and counterparty with pacta_short
 * (db_short.c), a tokenizer of ours whose tokens are every character and
 * every pair of adjacent characters of a column, folded as LIKE folds
 * (ASCII letters only; since migration 20 the column's key, db_short.c):
 * a text of one or two characters is one token, and its rows are one
 * doclist.  The LIKE still runs on every candidate, as for
 * the trigram index; here the candidates are exactly LIKE's rows for valid
 * UTF-8 (db_short.c says why).
 *
 * detail=none: the index keeps rowids only (no columns, no positions), all
 * that a one-token query needs; columnsize=0 and content='' as for
 * contracts_text.  Its rowids are contracts_fts_map's rid, and the triggers
 * are contracts_text's (schema_text.h says why each one is what it is):
 * a new map row indexes the contract, an update of one of the three
 * columns takes the old values out and the new ones in, a hard delete
 * takes them out before the map row goes.  All run in the writer's
 * transaction; soft deletes leave the index alone.  Migration 17
 * (schema_fts_pending.h) replaced the update and delete triggers with
 * contracts_substr_update and _delete, which serve this index and
 * contracts_text: an update notes, the writer applies before its COMMIT.
 *
 * Every connection that fires these triggers or reads the index needs
 * pacta_short registered (db_short.h: pactad's connections, the
 * migrations', restore's, the benches' and tests'); a connection without it
 * (a plain sqlite3 shell) cannot insert or delete a contract: the
 * statement fails with "no such tokenizer: pacta_short" and changes
 * nothing.  Since migration 17 it can change number, title or
 * counterparty (that only takes a note); pactad applies the note at its
 * next commit or open.  Migration 20 (schema_fold_text.h) made this index
 * anew: pacta_short now reads each column's key (no case, no accents), as
 * `text` compares since.
 */
#ifndef PACTA_SRV_SCHEMA_SHORT_H
#define PACTA_SRV_SCHEMA_SHORT_H

#define SRV_SCHEMA_SHORT                                                                           \
    "CREATE VIRTUAL TABLE contracts_short USING fts5("                                             \
    "  number, title, counterparty, content = '', columnsize = 0, detail = none,"                  \
    "  tokenize = 'pacta_short');"                                                                 \
    "INSERT INTO contracts_short (rowid, number, title, counterparty)"                             \
    "  SELECT m.rid, c.number, c.title, c.counterparty"                                            \
    "  FROM contracts_fts_map m JOIN contracts c ON c.id = m.id ORDER BY m.rid;"                   \
    "CREATE TRIGGER contracts_short_insert AFTER INSERT ON contracts_fts_map BEGIN"                \
    "  INSERT INTO contracts_short (rowid, number, title, counterparty)"                           \
    "    SELECT new.rid, number, title, counterparty FROM contracts WHERE id = new.id;"            \
    "END;"                                                                                         \
    "CREATE TRIGGER contracts_short_update AFTER UPDATE OF number, title, counterparty"            \
    "  ON contracts WHEN old.number IS NOT new.number OR old.title IS NOT new.title"               \
    "    OR old.counterparty IS NOT new.counterparty BEGIN"                                        \
    "  INSERT INTO contracts_short (contracts_short, rowid, number, title, counterparty)"          \
    "    SELECT 'delete', rid, old.number, old.title, old.counterparty"                            \
    "    FROM contracts_fts_map WHERE id IN (old.id, new.id);"                                     \
    "  INSERT INTO contracts_short (rowid, number, title, counterparty)"                           \
    "    SELECT rid, new.number, new.title, new.counterparty"                                      \
    "    FROM contracts_fts_map WHERE id IN (old.id, new.id);"                                     \
    "END;"                                                                                         \
    "CREATE TRIGGER contracts_short_delete BEFORE DELETE ON contracts BEGIN"                       \
    "  INSERT INTO contracts_short (contracts_short, rowid, number, title, counterparty)"          \
    "    SELECT 'delete', rid, old.number, old.title, old.counterparty"                            \
    "    FROM contracts_fts_map WHERE id = old.id;"                                                \
    "END;"

#endif
