/*
 * The SQL of the sort-keys migration (issue 7; an entry of schema.c's
 * array): contracts.list sorted by title or counterparty without case or
 * accents.
 *
 * Before it, title_key and counterparty_key were the columns themselves
 * under COLLATE NOCASE, which folds ASCII letters only: "Ávila",
 * "Échafaudage" and "Ñandú" sorted after "zulu", by their UTF-8 bytes.  Now
 * they are pacta_fold of the columns (db_fold.h: lower case, the Latin
 * letters' accents left out, "ß" as "ss"...), so "Ávila" sorts with
 * "Avila", and the two are tied, then id decides, as with case before.
 *
 * The keys are stored columns that pactad writes, not generated ones: a
 * generated column needs its function on every connection that reads the
 * row, and the sqlite3 shell, which has no pacta_fold, could then not even
 * SELECT * from contracts.  (Nor can the key be built from SQLite's own
 * functions: a replace() per folded letter is ~640 of them nested, and
 * the sqlite3 shell's parser already overflows at 65.)  So a row's keys
 * are written the way migration 17 keeps the search indexes
 * (schema_fts_pending.h): a trigger notes the contract when it is inserted
 * or its title, counterparty or id changes (contracts_sort_pending), and
 * the writer writes the noted rows' keys just before its batch's COMMIT
 * (db_fts_pending.c), one row a statement, so a reader never sees a row
 * without its keys.  A transaction outside pactad (the shell, a tool)
 * leaves its notes, which pactad's next commit, open, restore or
 * migration applies; until then those rows sort by their old keys (an
 * insert's, with no key yet, first).
 *
 * This migration writes every row's keys (pacta_fold must be registered on
 * the connection that migrates: schema.c does it): the contracts table is
 * written once whole, 18 s for list_1m's million contracts.
 */
#ifndef PACTA_SRV_SCHEMA_SORT_KEYS_H
#define PACTA_SRV_SCHEMA_SORT_KEYS_H

#define SRV_SCHEMA_SORT_KEYS                                                                       \
    "DROP INDEX contracts_title;"                                                                  \
    "DROP INDEX contracts_counterparty;"                                                           \
    "ALTER TABLE contracts DROP COLUMN title_key;"                                                 \
    "ALTER TABLE contracts DROP COLUMN counterparty_key;"                                          \
    "ALTER TABLE contracts ADD COLUMN title_key TEXT;"                                             \
    "ALTER TABLE contracts ADD COLUMN counterparty_key TEXT;"                                      \
    "UPDATE contracts SET title_key = pacta_fold(title),"                                          \
    "  counterparty_key = pacta_fold(counterparty);"                                               \
    "CREATE INDEX contracts_title ON contracts(title_key, id);"                                    \
    "CREATE INDEX contracts_counterparty ON contracts(counterparty_key, id);"                      \
    "CREATE TABLE contracts_sort_pending (id TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID;"            \
    "CREATE TRIGGER contracts_sort_insert AFTER INSERT ON contracts BEGIN"                         \
    "  INSERT OR IGNORE INTO contracts_sort_pending (id) VALUES (new.id);"                         \
    "END;"                                                                                         \
    "CREATE TRIGGER contracts_sort_update AFTER UPDATE OF id, title, counterparty ON contracts"    \
    "  WHEN old.id IS NOT new.id OR old.title IS NOT new.title"                                    \
    "    OR old.counterparty IS NOT new.counterparty BEGIN"                                        \
    "  INSERT OR IGNORE INTO contracts_sort_pending (id) VALUES (new.id);"                         \
    "END;"

#endif
