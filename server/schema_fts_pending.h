/*
 * The SQL of the pending-rows migration (issue 8; an entry of schema.c's
 * array): the search indexes brought up to date once a batch instead of
 * once an edit.
 *
 * FTS5 (SQLite 3.40) writes what it holds in memory to a new segment of its
 * index whenever a statement that may need undoing begins or ends: its
 * xSavepoint and xRelease flush.  An UPDATE of contracts is such a
 * statement (triggers, CHECK constraints), so while the triggers changed
 * the search indexes from inside it, every edit of a number, title,
 * counterparty or description wrote a segment of its own to each index it
 * touched (the word index; for the first three also the trigram and
 * short-text ones), and so did every edit of an active contract (its
 * supplements' reason goes into the word index), and FTS5 merged those
 * segments again every few edits, whatever the batch: a title edit was
 * ~1,290,000 writer instructions (bench/RESULTS.md 2026-11-23 21:15,
 * issue 8).
 *
 * Now the triggers only note the row, and the writer brings every noted
 * row up to date just before its batch's COMMIT (db_fts_pending.c), with
 * statements that change one index row each and need no statement journal,
 * so FTS5 keeps them all in memory until the COMMIT: one segment per index
 * a batch, in the same transaction as the edits, so a reader never sees a
 * contract and its indexes apart.
 *
 * - contracts_fts_pending (rid, since): the word index stores its content,
 *   so the note is the row; its UPDATE takes the old words out by itself.
 *   since is the first supplement of the transaction for that contract
 *   (NULL: none): the reasons column takes in, in order, each reason of
 *   the supplements from there that it does not hold yet, as the
 *   supplements trigger of the lists migration did one at a time.
 * - contracts_text_pending (rid, number, title, counterparty): the trigram
 *   and short-text indexes store nothing, and a row goes out of them with
 *   the very values it went in with, so the note keeps those: the values
 *   before the transaction's first change (INSERT OR IGNORE keeps the
 *   first).  A hard delete takes the row out with the note's values when
 *   there is one, and drops the note.
 *
 * A note is taken only when an indexed column really changes;
 * contracts_fts_map's id follows an id change, as before.  A write rolled
 * back (its SAVEPOINT, the batch) takes its notes with it.  A transaction
 * outside pactad's writer (the sqlite3 shell, a tool) leaves its notes
 * behind, and until they are applied the indexes lag its edits (`q` and
 * `text` miss the new words, and `q` still finds the old ones; `text`'s
 * test on the row keeps them out there): pactad's next commit applies them,
 * and so does every open, restore and migration (srv__schema_migrate)
 * before pactad reads or writes anything, refusing the file if it cannot.
 * (Before this migration, a shell without pacta_short could not change
 * those columns at all, and one with it kept the indexes in step.)
 * Creates still change the indexes at once (rarer; a create would need an
 * insert where an edit needs an update).
 */
#ifndef PACTA_SRV_SCHEMA_FTS_PENDING_H
#define PACTA_SRV_SCHEMA_FTS_PENDING_H

#define SRV_SCHEMA_FTS_PENDING                                                                     \
    "CREATE TABLE contracts_fts_pending (rid INTEGER PRIMARY KEY, since INTEGER);"                 \
    "DROP TRIGGER contracts_fts_update;"                                                           \
    "CREATE TRIGGER contracts_fts_update"                                                          \
    "  AFTER UPDATE OF id, number, title, counterparty, description ON contracts"                  \
    "  WHEN old.id IS NOT new.id OR old.number IS NOT new.number OR old.title IS NOT new.title"    \
    "    OR old.counterparty IS NOT new.counterparty OR old.description IS NOT new.description"    \
    "  BEGIN"                                                                                      \
    "  UPDATE contracts_fts_map SET id = new.id WHERE id = old.id AND old.id IS NOT new.id;"       \
    "  INSERT OR IGNORE INTO contracts_fts_pending (rid)"                                          \
    "    SELECT rid FROM contracts_fts_map WHERE id = new.id;"                                     \
    "END;"                                                                                         \
    "DROP TRIGGER supplements_fts_insert;"                                                         \
    "CREATE TRIGGER supplements_fts_insert AFTER INSERT ON supplements BEGIN"                      \
    "  INSERT INTO contracts_fts_pending (rid, since)"                                             \
    "    SELECT rid, new.id FROM contracts_fts_map WHERE id = new.contract_id"                     \
    "    ON CONFLICT (rid) DO UPDATE SET since = coalesce(since, excluded.since);"                 \
    "END;"                                                                                         \
    "CREATE TABLE contracts_text_pending ("                                                        \
    "  rid INTEGER PRIMARY KEY,"                                                                   \
    "  number TEXT NOT NULL, title TEXT NOT NULL, counterparty TEXT NOT NULL"                      \
    ");"                                                                                           \
    "DROP TRIGGER contracts_text_update;"                                                          \
    "DROP TRIGGER contracts_short_update;"                                                         \
    "DROP TRIGGER contracts_text_delete;"                                                          \
    "DROP TRIGGER contracts_short_delete;"                                                         \
    "CREATE TRIGGER contracts_substr_update AFTER UPDATE OF number, title, counterparty"           \
    "  ON contracts WHEN old.number IS NOT new.number OR old.title IS NOT new.title"               \
    "    OR old.counterparty IS NOT new.counterparty BEGIN"                                        \
    "  INSERT OR IGNORE INTO contracts_text_pending (rid, number, title, counterparty)"            \
    "    SELECT rid, old.number, old.title, old.counterparty"                                      \
    "    FROM contracts_fts_map WHERE id IN (old.id, new.id);"                                     \
    "END;"                                                                                         \
    "CREATE TRIGGER contracts_substr_delete BEFORE DELETE ON contracts BEGIN"                      \
    "  INSERT INTO contracts_text (contracts_text, rowid, number, title, counterparty)"            \
    "    SELECT 'delete', m.rid, coalesce(p.number, old.number), coalesce(p.title, old.title),"    \
    "      coalesce(p.counterparty, old.counterparty)"                                             \
    "    FROM contracts_fts_map m LEFT JOIN contracts_text_pending p ON p.rid = m.rid"             \
    "    WHERE m.id = old.id;"                                                                     \
    "  INSERT INTO contracts_short (contracts_short, rowid, number, title, counterparty)"          \
    "    SELECT 'delete', m.rid, coalesce(p.number, old.number), coalesce(p.title, old.title),"    \
    "      coalesce(p.counterparty, old.counterparty)"                                             \
    "    FROM contracts_fts_map m LEFT JOIN contracts_text_pending p ON p.rid = m.rid"             \
    "    WHERE m.id = old.id;"                                                                     \
    "  DELETE FROM contracts_text_pending"                                                         \
    "    WHERE rid IN (SELECT rid FROM contracts_fts_map WHERE id = old.id);"                      \
    "END;"

#endif
