/*
 * The SQL of the pending-rows migration (issue 8; an entry of schema.c's
 * array).  db_fts_pending.c brings the noted rows up to date: the writer
 * calls it before each COMMIT (db_writer.c), srv__schema_migrate for the
 * notes a transaction outside pactad left.
 *
 * FTS5 (SQLite 3.40) writes what it holds in memory to a new segment of its
 * index whenever a statement that may need undoing begins or ends: its
 * xSavepoint and xRelease flush.  An UPDATE of contracts is such a
 * statement (triggers, CHECK constraints), so while contracts_fts_update
 * changed the index from inside it, every edit of a number, title,
 * counterparty or description wrote a segment of its own, and FTS5 merged
 * those segments again every few edits: ~85,000 instructions an edit,
 * whatever the batch (bench/RESULTS.md 2026-11-23 21:40, issue 8).
 *
 * Now the trigger only notes the row in contracts_fts_pending (an ordinary
 * table, empty between transactions), and the writer brings every noted
 * row up to date just before its batch's COMMIT, one single-row UPDATE
 * each (those need no statement journal, so FTS5 keeps them all in memory
 * until the COMMIT): one segment a batch, in the same transaction as the
 * edits, so a reader never sees a contract and its index apart.  A write
 * rolled back (its SAVEPOINT, the batch) takes its note with it.  A
 * transaction that changes those columns outside pactad's writer (the
 * sqlite3 shell, a tool) leaves its notes behind: every open, restore and
 * migration (srv__schema_migrate) brings them up to date before pactad
 * reads or writes anything, and refuses to go on if it cannot.
 *
 * The note is taken only when one of the indexed columns really changes;
 * contracts_fts_map's id follows an id change, as before.  Creates, hard
 * deletes and supplement reasons still change the index at once, and so
 * do the trigram and short-text indexes (schema_text.h, schema_short.h),
 * which are contentless: taking a row out needs the values it was indexed
 * with, which a note would have to keep.
 */
#ifndef PACTA_SRV_SCHEMA_FTS_PENDING_H
#define PACTA_SRV_SCHEMA_FTS_PENDING_H

#define SRV_SCHEMA_FTS_PENDING                                                                     \
    "CREATE TABLE contracts_fts_pending (rid INTEGER PRIMARY KEY);"                                \
    "DROP TRIGGER contracts_fts_update;"                                                           \
    "CREATE TRIGGER contracts_fts_update"                                                          \
    "  AFTER UPDATE OF id, number, title, counterparty, description ON contracts"                  \
    "  WHEN old.id IS NOT new.id OR old.number IS NOT new.number OR old.title IS NOT new.title"    \
    "    OR old.counterparty IS NOT new.counterparty OR old.description IS NOT new.description"    \
    "  BEGIN"                                                                                      \
    "  UPDATE contracts_fts_map SET id = new.id WHERE id = old.id AND old.id IS NOT new.id;"       \
    "  INSERT OR IGNORE INTO contracts_fts_pending (rid)"                                          \
    "    SELECT rid FROM contracts_fts_map WHERE id = new.id;"                                     \
    "END;"

#endif
