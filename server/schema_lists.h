/*
 * The SQL of the lists migration (issue 7; an entry of schema.c's array;
 * server/db_list.c and server/db_views.c read what it makes).
 *
 * Search also finds a contract by the reason of any of its supplements:
 * contracts_fts gets a `reasons` column (each distinct reason once, one per
 * line: an update of three fields writes three supplements with one reason,
 * which must not weigh three times in the ranking), so the index is made
 * again and filled from the rows already there, under the same rowids
 * (contracts_fts_map stays as it is).  A trigger on supplements keeps it in
 * step in the writer's transaction; supplements are append-only, so an
 * insert is the only case.  The contracts triggers are those of migration
 * 4, made again for the new table.
 *
 * Sort keys: every sort of contracts.list walks an index on (key, id), and
 * its keyset cursor seeks with a row value, (key, id) > (?, ?), which
 * SQLite 3.40 turns into an index seek only for plain columns, not for
 * expressions or a COLLATE on one side.  So the keys that are not plain
 * columns are generated columns (VIRTUAL: nothing stored in the table, only
 * in their index): titles and counterparties compare without ASCII case
 * (the column's collation, which the row value takes), a missing date sorts
 * after every date ('9999-99-99' is above any valid date, so a date range
 * on the key column never takes it in).  contracts_currency serves the
 * currency filter, its amount range and the amount sort in one currency.
 * Status and dates go together (expired contracts ended in the past, most
 * active ones end ahead), so walking the end-date order for the active ones
 * would first step over every expired one: contracts_status_end and
 * contracts_status_start give that order per status.
 *
 * saved_views: each user's named filter + sort (views.save); filter and
 * sort are the canonical JSON of pacta_list_filter_json / _sort_json.
 */
#ifndef PACTA_SRV_SCHEMA_LISTS_H
#define PACTA_SRV_SCHEMA_LISTS_H

/* What a missing date is in the *_key columns: above every valid date. */
#define SRV_NO_DATE_KEY "9999-99-99"

#define SRV_SCHEMA_LISTS                                                                           \
    "DROP TRIGGER contracts_fts_insert;"                                                           \
    "DROP TRIGGER contracts_fts_update;"                                                           \
    "DROP TRIGGER contracts_fts_delete;"                                                           \
    "DROP TABLE contracts_fts;"                                                                    \
    "CREATE VIRTUAL TABLE contracts_fts USING fts5("                                               \
    "  id UNINDEXED, number, title, counterparty, description, reasons,"                           \
    "  tokenize = 'unicode61 remove_diacritics 2');"                                               \
    "INSERT INTO contracts_fts (rowid, id, number, title, counterparty, description, reasons)"     \
    "  SELECT m.rid, c.id, c.number, c.title, c.counterparty, c.description,"                      \
    "    coalesce((SELECT group_concat(reason, char(10)) FROM (SELECT reason FROM supplements"     \
    "      WHERE contract_id = c.id GROUP BY reason ORDER BY min(id))), '')"                       \
    "  FROM contracts c JOIN contracts_fts_map m ON m.id = c.id;"                                  \
    "CREATE TRIGGER contracts_fts_insert AFTER INSERT ON contracts BEGIN"                          \
    "  INSERT INTO contracts_fts_map (id, rid)"                                                    \
    "    VALUES (new.id, (SELECT coalesce(max(rid), 0) + 1 FROM contracts_fts_map));"              \
    "  INSERT INTO contracts_fts (rowid, id, number, title, counterparty, description, reasons)"   \
    "    VALUES ((SELECT rid FROM contracts_fts_map WHERE id = new.id), new.id, new.number,"       \
    "            new.title, new.counterparty, new.description, '');"                               \
    "END;"                                                                                         \
    "CREATE TRIGGER contracts_fts_update"                                                          \
    "  AFTER UPDATE OF id, number, title, counterparty, description ON contracts BEGIN"            \
    "  UPDATE contracts_fts_map SET id = new.id WHERE id = old.id;"                                \
    "  UPDATE contracts_fts SET id = new.id, number = new.number, title = new.title,"              \
    "    counterparty = new.counterparty, description = new.description"                           \
    "    WHERE rowid = (SELECT rid FROM contracts_fts_map WHERE id = new.id);"                     \
    "END;"                                                                                         \
    "CREATE TRIGGER contracts_fts_delete AFTER DELETE ON contracts BEGIN"                          \
    "  DELETE FROM contracts_fts"                                                                  \
    "    WHERE rowid = (SELECT rid FROM contracts_fts_map WHERE id = old.id);"                     \
    "  DELETE FROM contracts_fts_map WHERE id = old.id;"                                           \
    "END;"                                                                                         \
    "CREATE TRIGGER supplements_fts_insert AFTER INSERT ON supplements BEGIN"                      \
    "  UPDATE contracts_fts SET reasons = CASE WHEN reasons = '' THEN new.reason"                  \
    "    ELSE reasons || char(10) || new.reason END"                                               \
    "    WHERE rowid = (SELECT rid FROM contracts_fts_map WHERE id = new.contract_id)"             \
    "    AND instr(char(10) || reasons || char(10), char(10) || new.reason || char(10)) = 0;"      \
    "END;"                                                                                         \
    "ALTER TABLE contracts ADD COLUMN title_key TEXT COLLATE NOCASE"                               \
    "  GENERATED ALWAYS AS (title) VIRTUAL;"                                                       \
    "ALTER TABLE contracts ADD COLUMN counterparty_key TEXT COLLATE NOCASE"                        \
    "  GENERATED ALWAYS AS (counterparty) VIRTUAL;"                                                \
    "ALTER TABLE contracts ADD COLUMN end_key TEXT"                                                \
    "  GENERATED ALWAYS AS (ifnull(end_date, '" SRV_NO_DATE_KEY "')) VIRTUAL;"                     \
    "ALTER TABLE contracts ADD COLUMN start_key TEXT"                                              \
    "  GENERATED ALWAYS AS (ifnull(start_date, '" SRV_NO_DATE_KEY "')) VIRTUAL;"                   \
    "ALTER TABLE contracts ADD COLUMN sign_key TEXT"                                               \
    "  GENERATED ALWAYS AS (ifnull(sign_date, '" SRV_NO_DATE_KEY "')) VIRTUAL;"                    \
    "CREATE INDEX contracts_title ON contracts(title_key, id);"                                    \
    "CREATE INDEX contracts_counterparty ON contracts(counterparty_key, id);"                      \
    "CREATE INDEX contracts_end ON contracts(end_key, id);"                                        \
    "CREATE INDEX contracts_start ON contracts(start_key, id);"                                    \
    "CREATE INDEX contracts_sign ON contracts(sign_key, id);"                                      \
    "CREATE INDEX contracts_amount ON contracts(amount_cents, id);"                                \
    "CREATE INDEX contracts_currency ON contracts(currency, amount_cents, id);"                    \
    "CREATE INDEX contracts_updated ON contracts(updated_at, id);"                                 \
    "CREATE INDEX contracts_status_end ON contracts(status, end_key, id);"                         \
    "CREATE INDEX contracts_status_start ON contracts(status, start_key, id);"                     \
    "CREATE TABLE saved_views ("                                                                   \
    "  username TEXT NOT NULL REFERENCES users(username),"                                         \
    "  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),"                                 \
    "  filter TEXT NOT NULL CHECK (json_valid(filter) AND json_type(filter) = 'object'),"          \
    "  sort TEXT NOT NULL CHECK (json_valid(sort) AND json_type(sort) = 'object'),"                \
    "  created_at TEXT NOT NULL,"                                                                  \
    "  updated_at TEXT NOT NULL,"                                                                  \
    "  PRIMARY KEY (username, name)"                                                               \
    ") WITHOUT ROWID;"

#endif
