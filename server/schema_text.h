/*
 * The SQL of the substring-search migration (issue 7; an entry of
 * schema.c's array; server/db_list.c reads what it makes).
 *
 * contracts.list `text` is a substring of number, title or counterparty
 * (LIKE '%text%', case-insensitive for ASCII letters only), which no b-tree
 * index can serve: a substring that almost no row has read every row (1 s
 * with a million contracts).  contracts_text is an FTS5 index of trigrams
 * (every run of three characters) over those three columns: a substring of
 * three characters or more is a phrase of its trigrams, so the index yields
 * every row that contains it, and only a few others.  It is a candidate
 * set, not the answer: the trigram tokenizer folds case for every letter
 * (Unicode), where LIKE folds ASCII only, so a row it yields may still fail
 * the LIKE, which every plan keeps checking on the row itself.  Every row
 * LIKE matches is yielded (a superset), so `text` means exactly what it
 * meant before.  Substrings of one or two characters have no trigram; they
 * have an index of their own (schema_short.h, migration 15).
 *
 * Contentless (content=''): the text is in contracts already, and the index
 * is only asked for rowids; columnsize=0: nothing ranks these hits.  Its
 * rowids are contracts_fts_map's rid (migration 4), so a hit finds its
 * contract through that map, as a `q` hit does.  A contentless index
 * forgets a row only when told its old values ('delete' with them), which
 * the triggers have:
 *  - a new map row (contracts_fts_insert makes one for every new contract,
 *    after the contract row is in: the trigger reads it) indexes the
 *    contract;
 *  - an update of number, title or counterparty that changes one of them
 *    takes the old values out and puts the new ones in (ids never change);
 *  - a hard delete takes the old values out before the map row goes
 *    (contracts_fts_delete drops it AFTER the delete; this runs BEFORE).
 * All of them run in the writer's transaction, like the other indexes.
 * Soft deletes leave it alone (listings filter deleted_at on contracts).
 * Migration 17 (schema_fts_pending.h) replaced the update and delete
 * triggers: an update notes the old values and the writer applies them
 * before its COMMIT; a hard delete takes out the noted values if any.
 * Migration 20 (schema_fold_text.h) made `text` fold case and accents and
 * this index anew with pacta_trigram, which reads each column's key: the
 * LIKE above is what `text` was until then.
 */
#ifndef PACTA_SRV_SCHEMA_TEXT_H
#define PACTA_SRV_SCHEMA_TEXT_H

#define SRV_SCHEMA_TEXT                                                                            \
    "CREATE VIRTUAL TABLE contracts_text USING fts5("                                              \
    "  number, title, counterparty,"                                                               \
    "  content = '', columnsize = 0, tokenize = 'trigram');"                                       \
    "INSERT INTO contracts_text (rowid, number, title, counterparty)"                              \
    "  SELECT m.rid, c.number, c.title, c.counterparty"                                            \
    "  FROM contracts_fts_map m JOIN contracts c ON c.id = m.id ORDER BY m.rid;"                   \
    "CREATE TRIGGER contracts_text_insert AFTER INSERT ON contracts_fts_map BEGIN"                 \
    "  INSERT INTO contracts_text (rowid, number, title, counterparty)"                            \
    "    SELECT new.rid, number, title, counterparty FROM contracts WHERE id = new.id;"            \
    "END;"                                                                                         \
    "CREATE TRIGGER contracts_text_update AFTER UPDATE OF number, title, counterparty"             \
    "  ON contracts WHEN old.number IS NOT new.number OR old.title IS NOT new.title"               \
    "    OR old.counterparty IS NOT new.counterparty BEGIN"                                        \
    "  INSERT INTO contracts_text (contracts_text, rowid, number, title, counterparty)"            \
    "    SELECT 'delete', rid, old.number, old.title, old.counterparty"                            \
    "    FROM contracts_fts_map WHERE id IN (old.id, new.id);"                                     \
    "  INSERT INTO contracts_text (rowid, number, title, counterparty)"                            \
    "    SELECT rid, new.number, new.title, new.counterparty"                                      \
    "    FROM contracts_fts_map WHERE id IN (old.id, new.id);"                                     \
    "END;"                                                                                         \
    "CREATE TRIGGER contracts_text_delete BEFORE DELETE ON contracts BEGIN"                        \
    "  INSERT INTO contracts_text (contracts_text, rowid, number, title, counterparty)"            \
    "    SELECT 'delete', rid, old.number, old.title, old.counterparty"                            \
    "    FROM contracts_fts_map WHERE id = old.id;"                                                \
    "END;"

#endif
