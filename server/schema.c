/*
 * Schema migrations.  migrations[i] takes the database from user_version i
 * to i + 1; each runs in its own transaction together with the version bump,
 * so a crash leaves the file at a whole version, and reopening an up-to-date
 * file runs nothing.  Never edit a released migration: add a new one.
 *
 * Constraints live here (DESIGN §3), so a bug in C, an offline tool or a
 * hand-typed sqlite3 session cannot store what the protocol forbids.  Text
 * lengths are checked in characters, as the protocol counts them (code
 * points).  Dates use date(x, '+0 days') IS x: the modifier makes
 * SQLite normalise through the Julian day, so "2026-02-30" fails (plain
 * date() in 3.40 echoes it back unchanged).
 */
#include <stdio.h>

#include "db-private.h"
#include "db_fold.h"
#include "db_short.h"
#include "schema_combo.h"
#include "schema_dashboard.h"
#include "schema_documents.h"
#include "schema_fold_scripts.h"
#include "schema_fold_text.h"
#include "schema_fold_words.h"
#include "schema_fts_pending.h"
#include "schema_lists.h"
#include "schema_ranges.h"
#include "schema_short.h"
#include "schema_sort_keys.h"
#include "schema_text.h"

/* The day of the month new.end_date keeps (expiry_date.c
 * srv_date_month_day): its own, or 31 for the last day of its month. */
#define RENEWAL_DAY_SQL                                                                            \
    "CASE WHEN date(new.end_date, 'start of month', '+1 month', '-1 day') = new.end_date"          \
    " THEN 31 ELSE CAST(strftime('%d', new.end_date) AS INTEGER) END"

static const char *const migrations[] = {
    /* 1: users, sessions, contracts, supplements, changes. */
    "CREATE TABLE users ("
    "  id INTEGER PRIMARY KEY,"
    "  username TEXT NOT NULL UNIQUE CHECK (length(username) BETWEEN 1 AND 64),"
    "  display_name TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),"
    "  password_hash TEXT NOT NULL CHECK (password_hash LIKE '$argon2id$%'),"
    "  role TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),"
    "  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),"
    "  created_at TEXT NOT NULL"
    ");"
    "CREATE TABLE sessions ("
    "  token_hash TEXT PRIMARY KEY NOT NULL CHECK (length(token_hash) = 64),"
    "  username TEXT NOT NULL REFERENCES users(username),"
    "  created_at TEXT NOT NULL,"
    "  expires_at TEXT NOT NULL CHECK (expires_at > created_at),"
    "  revoked_at TEXT"
    ");"
    "CREATE INDEX sessions_username ON sessions(username);"
    "CREATE TABLE contracts ("
    "  id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36 AND id = lower(id)),"
    "  number TEXT NOT NULL CHECK (length(number) BETWEEN 1 AND 64),"
    "  title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),"
    "  counterparty TEXT NOT NULL CHECK (length(counterparty) BETWEEN 1 AND 200),"
    "  kind TEXT NOT NULL CHECK (kind IN ('client', 'supplier')),"
    "  status TEXT NOT NULL DEFAULT 'draft'"
    "    CHECK (status IN ('draft', 'active', 'expired', 'terminated')),"
    "  sign_date TEXT CHECK (sign_date IS NULL OR date(sign_date, '+0 days') IS sign_date),"
    "  start_date TEXT CHECK (start_date IS NULL OR date(start_date, '+0 days') IS start_date),"
    "  end_date TEXT CHECK (end_date IS NULL OR date(end_date, '+0 days') IS end_date),"
    "  amount_cents INTEGER NOT NULL DEFAULT 0 CHECK (typeof(amount_cents) = 'integer'"
    "    AND amount_cents BETWEEN 0 AND 1000000000000000),"
    "  currency TEXT NOT NULL CHECK (length(currency) = 3 AND currency GLOB '[A-Z][A-Z][A-Z]'),"
    "  owner TEXT NOT NULL REFERENCES users(username),"
    "  description TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 10000),"
    "  notice_days INTEGER NOT NULL DEFAULT 0 CHECK (typeof(notice_days) = 'integer'"
    "    AND notice_days BETWEEN 0 AND 3650),"
    "  renewal TEXT NOT NULL DEFAULT 'none' CHECK (renewal IN ('none', 'auto', 'evergreen')),"
    "  version INTEGER NOT NULL DEFAULT 1 CHECK (typeof(version) = 'integer' AND version >= 1),"
    "  created_at TEXT NOT NULL,"
    "  updated_at TEXT NOT NULL,"
    "  updated_by TEXT NOT NULL,"
    "  deleted_at TEXT,"
    "  CHECK (start_date IS NULL OR end_date IS NULL OR start_date <= end_date)"
    ");"
    /* A deleted contract frees its number. */
    "CREATE UNIQUE INDEX contracts_number_live ON contracts(number) WHERE deleted_at IS NULL;"
    /* contracts.list walks (number, id); the filtered walks get their own. */
    "CREATE INDEX contracts_order ON contracts(number, id);"
    "CREATE INDEX contracts_status ON contracts(status, number, id);"
    "CREATE INDEX contracts_kind ON contracts(kind, number, id);"
    "CREATE INDEX contracts_owner ON contracts(owner, number, id);"
    "CREATE TABLE supplements ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  contract_id TEXT NOT NULL REFERENCES contracts(id),"
    "  field TEXT NOT NULL CHECK (length(field) BETWEEN 1 AND 64),"
    "  old_value TEXT NOT NULL CHECK (json_valid(old_value)),"
    "  new_value TEXT NOT NULL CHECK (json_valid(new_value)),"
    "  reason TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),"
    "  effective_date TEXT NOT NULL CHECK (date(effective_date, '+0 days') IS effective_date),"
    "  author TEXT NOT NULL,"
    "  created_at TEXT NOT NULL"
    ");"
    "CREATE INDEX supplements_contract ON supplements(contract_id, id);"
    "CREATE TRIGGER supplements_no_update BEFORE UPDATE ON supplements"
    "  BEGIN SELECT RAISE(ABORT, 'supplements are append-only'); END;"
    "CREATE TRIGGER supplements_no_delete BEFORE DELETE ON supplements"
    "  BEGIN SELECT RAISE(ABORT, 'supplements are append-only'); END;"
    "CREATE TABLE changes ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  event TEXT NOT NULL CHECK (length(event) BETWEEN 1 AND 64),"
    "  entity_id TEXT NOT NULL,"
    "  version INTEGER NOT NULL CHECK (version >= 1),"
    "  actor TEXT NOT NULL,"
    "  created_at TEXT NOT NULL,"
    "  payload TEXT NOT NULL CHECK (json_valid(payload))"
    ");"
    "CREATE INDEX changes_entity ON changes(entity_id, seq);"
    "CREATE TRIGGER changes_no_update BEFORE UPDATE ON changes"
    "  BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;"
    "CREATE TRIGGER changes_no_delete BEFORE DELETE ON changes"
    "  BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;",

    /* 2: renewal term; expiry schedule and alert state; notifications and
     * user preferences (issue 4, server/db_expiry.c). */
    "ALTER TABLE contracts ADD COLUMN renewal_months INTEGER NOT NULL DEFAULT 12"
    "  CHECK (typeof(renewal_months) = 'integer' AND renewal_months BETWEEN 1 AND 120);"
    /* One row per contract the scheduler watches (active, not deleted, with
     * an end date): the terms it was armed with, the day it was armed (no
     * threshold before that day fires), the last day fully processed, and
     * the next day something falls due (indexed: a scan reads only those). */
    "CREATE TABLE expiry_schedule ("
    "  contract_id TEXT PRIMARY KEY NOT NULL REFERENCES contracts(id),"
    "  end_date TEXT NOT NULL CHECK (date(end_date, '+0 days') IS end_date),"
    "  notice_days INTEGER NOT NULL CHECK (notice_days BETWEEN 0 AND 3650),"
    "  renewal TEXT NOT NULL CHECK (renewal IN ('none', 'auto', 'evergreen')),"
    "  renewal_months INTEGER NOT NULL CHECK (renewal_months BETWEEN 1 AND 120),"
    "  armed_day TEXT NOT NULL CHECK (date(armed_day, '+0 days') IS armed_day),"
    "  checked_day TEXT NOT NULL CHECK (date(checked_day, '+0 days') IS checked_day),"
    "  next_due TEXT CHECK (next_due IS NULL OR date(next_due, '+0 days') IS next_due)"
    ");"
    "CREATE INDEX expiry_schedule_due ON expiry_schedule(next_due) WHERE next_due IS NOT NULL;"
    /* Exactly once: an alert is a (contract, kind, threshold, target date)
     * that can be stored only once; its event is the changes row `seq`. */
    "CREATE TABLE expiry_alerts ("
    "  contract_id TEXT NOT NULL REFERENCES contracts(id),"
    "  kind TEXT NOT NULL CHECK (kind IN ('expiring', 'notice_due', 'expired', 'renewed')),"
    "  threshold INTEGER NOT NULL CHECK (threshold BETWEEN 0 AND 3650),"
    "  target_date TEXT NOT NULL CHECK (date(target_date, '+0 days') IS target_date),"
    "  due_date TEXT NOT NULL CHECK (date(due_date, '+0 days') IS due_date),"
    "  fired_at TEXT NOT NULL,"
    "  late INTEGER NOT NULL CHECK (late IN (0, 1)),"
    "  seq INTEGER NOT NULL UNIQUE REFERENCES changes(seq),"
    "  PRIMARY KEY (contract_id, kind, threshold, target_date)"
    ") WITHOUT ROWID;"
    "CREATE TABLE user_preferences ("
    "  username TEXT PRIMARY KEY NOT NULL REFERENCES users(username),"
    "  digest INTEGER NOT NULL DEFAULT 0 CHECK (digest IN (0, 1)),"
    "  last_digest_day TEXT"
    "    CHECK (last_digest_day IS NULL OR date(last_digest_day, '+0 days') IS last_digest_day)"
    ");"
    "CREATE TABLE notifications ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  username TEXT NOT NULL REFERENCES users(username),"
    "  seq INTEGER NOT NULL REFERENCES changes(seq),"
    "  event TEXT NOT NULL CHECK (length(event) BETWEEN 1 AND 64),"
    "  contract_id TEXT REFERENCES contracts(id),"
    "  summary TEXT NOT NULL CHECK (json_valid(summary)),"
    "  created_at TEXT NOT NULL,"
    "  read_at TEXT,"
    "  digest_seq INTEGER REFERENCES changes(seq),"
    "  UNIQUE (username, seq)"
    ");"
    "CREATE INDEX notifications_unread ON notifications(username, id) WHERE read_at IS NULL;"
    "CREATE INDEX notifications_undigested ON notifications(username, id)"
    "  WHERE digest_seq IS NULL AND read_at IS NULL;",

    /* 3: the backup catalog (issue 6, server/backup.c).  One row per backup
     * file in the backup directory; `file` is its name there.  A restore
     * carries the rows of the database it replaces over (db_backup.c), so
     * the catalog outlives restores. */
    "CREATE TABLE backups ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  file TEXT NOT NULL UNIQUE CHECK (length(file) BETWEEN 1 AND 200),"
    "  kind TEXT NOT NULL CHECK (kind IN ('scheduled', 'manual', 'safety')),"
    "  description TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 200),"
    "  created_at TEXT NOT NULL,"
    "  created_by TEXT NOT NULL,"
    "  db_bytes INTEGER NOT NULL CHECK (db_bytes >= 0),"
    "  file_bytes INTEGER NOT NULL CHECK (file_bytes >= 0),"
    "  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),"
    "  schema_version INTEGER NOT NULL,"
    "  head_seq INTEGER NOT NULL,"
    "  counts TEXT NOT NULL CHECK (json_valid(counts)),"
    "  duration_ms INTEGER NOT NULL CHECK (duration_ms >= 0),"
    "  verified_at TEXT,"
    "  verify_error TEXT"
    ");"
    "CREATE INDEX backups_created ON backups(created_at);",

    /* 4: full-text search for contracts.list `q` (issue 7, db_read.c).  A
     * table of its own (not external content): contracts has no INTEGER
     * PRIMARY KEY, so its rowids may change on VACUUM and cannot tie the two
     * together.  contracts_fts_map ties each contract id to its FTS rowid,
     * so an edit finds its index row by key instead of scanning the index.
     * Triggers keep both in the writer's transaction; soft deletes and
     * restores leave them alone (the listing filters deleted_at on
     * contracts).  remove_diacritics 2 folds "ț" to "t", so "asociatii"
     * finds "Asociații". */
    "CREATE VIRTUAL TABLE contracts_fts USING fts5("
    "  id UNINDEXED, number, title, counterparty, description,"
    "  tokenize = 'unicode61 remove_diacritics 2');"
    "CREATE TABLE contracts_fts_map ("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  rid INTEGER NOT NULL UNIQUE"
    ") WITHOUT ROWID;"
    "INSERT INTO contracts_fts_map (id, rid)"
    "  SELECT id, row_number() OVER (ORDER BY id) FROM contracts;"
    "INSERT INTO contracts_fts (rowid, id, number, title, counterparty, description)"
    "  SELECT m.rid, c.id, c.number, c.title, c.counterparty, c.description"
    "  FROM contracts c JOIN contracts_fts_map m ON m.id = c.id;"
    "CREATE TRIGGER contracts_fts_insert AFTER INSERT ON contracts BEGIN"
    "  INSERT INTO contracts_fts_map (id, rid)"
    "    VALUES (new.id, (SELECT coalesce(max(rid), 0) + 1 FROM contracts_fts_map));"
    "  INSERT INTO contracts_fts (rowid, id, number, title, counterparty, description)"
    "    VALUES ((SELECT rid FROM contracts_fts_map WHERE id = new.id), new.id, new.number,"
    "            new.title, new.counterparty, new.description);"
    "END;"
    "CREATE TRIGGER contracts_fts_update"
    "  AFTER UPDATE OF id, number, title, counterparty, description ON contracts BEGIN"
    "  UPDATE contracts_fts_map SET id = new.id WHERE id = old.id;"
    "  UPDATE contracts_fts SET id = new.id, number = new.number, title = new.title,"
    "    counterparty = new.counterparty, description = new.description"
    "    WHERE rowid = (SELECT rid FROM contracts_fts_map WHERE id = new.id);"
    "END;"
    "CREATE TRIGGER contracts_fts_delete AFTER DELETE ON contracts BEGIN"
    "  DELETE FROM contracts_fts"
    "    WHERE rowid = (SELECT rid FROM contracts_fts_map WHERE id = old.id);"
    "  DELETE FROM contracts_fts_map WHERE id = old.id;"
    "END;",

    /* 5: dashboard counters (issue 7, stats.dashboard): per-key counts of
     * the live contracts, kept by triggers in the writer's transaction and
     * counted from the rows already there; the SQL and its design are in
     * schema_dashboard.h. */
    SRV_SCHEMA_DASHBOARD,

    /* 6: lists (issue 7): supplement reasons in the search index, the sort
     * keys of contracts.list and their indexes, saved views; the SQL and
     * its design are in schema_lists.h. */
    SRV_SCHEMA_LISTS,

    /* 7: documents attached to contracts (issue 7, documents.c): rows that
     * name their content by SHA-256; the bytes live in DATA_DIR/documents.
     * The SQL and its design are in schema_documents.h. */
    SRV_SCHEMA_DOCUMENTS,

    /* 8: a trigram index for contracts.list `text` (issue 7, db_list.c):
     * substrings found through an index instead of a LIKE over every row.
     * The SQL and its design are in schema_text.h. */
    SRV_SCHEMA_TEXT,

    /* 9: number and deleted_at in the date indexes, so contracts.list puts
     * a date range in number order from the index alone (issue 7,
     * db_list.c's RANGE plan).  The SQL and its design are in
     * schema_ranges.h. */
    SRV_SCHEMA_RANGES,

    /* 10: a backup made without documents whose content was lost from the
     * live store before it (backup_docs.c) records how many (issue 7). */
    ("ALTER TABLE backups ADD COLUMN documents_unavailable INTEGER NOT NULL DEFAULT 0 "
     "CHECK (documents_unavailable >= 0);"),

    /* 11: the dashboard counters' update trigger split by series, so an
     * edit runs only the series it moves (issue 8: CPU per edit); the SQL
     * and why are in schema_dashboard.h. */
    SRV_SCHEMA_DASHBOARD_SERIES,

    /* 12: the day of the month an automatic renewal keeps (db_expiry.c
     * renew): the end date a person last set decides it, so a term on the
     * 30th renews to 28 Feb and then to 30 Mar, where the clamped 28 Feb
     * alone read as a month end carried it to 31 Mar and every month end
     * after.  Kept by triggers, so every way a contract's end date is
     * written counts; the scheduler's own renewals write the day back.
     * Contracts without a row (ended before this) keep their end date's
     * own day: nothing to fill in. */
    ("CREATE TABLE renewal_days ("
     "  contract_id TEXT PRIMARY KEY NOT NULL,"
     "  day INTEGER NOT NULL CHECK (day BETWEEN 1 AND 31)"
     ") WITHOUT ROWID;"
     "CREATE TRIGGER renewal_day_insert AFTER INSERT ON contracts"
     "  WHEN new.end_date IS NOT NULL BEGIN"
     "  INSERT OR REPLACE INTO renewal_days (contract_id, day) VALUES (new.id, " RENEWAL_DAY_SQL
     ");"
     "END;"
     "CREATE TRIGGER renewal_day_update AFTER UPDATE OF end_date ON contracts"
     "  WHEN new.end_date IS NOT old.end_date BEGIN"
     "  DELETE FROM renewal_days WHERE contract_id = old.id AND new.end_date IS NULL;"
     "  INSERT OR REPLACE INTO renewal_days (contract_id, day)"
     "    SELECT new.id, " RENEWAL_DAY_SQL " WHERE new.end_date IS NOT NULL;"
     "END;"
     "CREATE TRIGGER renewal_day_delete AFTER DELETE ON contracts BEGIN"
     "  DELETE FROM renewal_days WHERE contract_id = old.id;"
     "END;"),

    /* 13: notifications.list newest first from an index (notify.c): a
     * user's page sorted every notification they ever had (an admin gets
     * one for every alert: 0.47 s a page at 900,000). */
    "CREATE INDEX notifications_user ON notifications(username, id);",

    /* 14: kind, status, currency, owner and end date in one index, so
     * contracts.list finds a combination of broad filters by a few seeks
     * (issue 7, db_list_plan.c).  The SQL and its design are in
     * schema_combo.h. */
    SRV_SCHEMA_COMBO,

    /* 15: an index of every character and pair of characters for
     * contracts.list `text` of one or two characters (issue 7, db_list.c),
     * which the trigram index of migration 8 cannot serve.  The SQL and its
     * design are in schema_short.h; its tokenizer is db_short.c. */
    SRV_SCHEMA_SHORT,

    /* 16: the change log without its index by entity.  No query reads the
     * log by entity (replay and the dashboard read it by seq; a contract's
     * history is supplements.list), and each edit put an entry at a random
     * place in it: a third of the pages a batch of edits wrote to the WAL
     * (issue 8, bench/RESULTS.md 2026-11-23 18:50).  A query by entity
     * that comes later adds what it needs. */
    "DROP INDEX changes_entity;",

    /* 17: the search indexes brought up to date once a batch instead of
     * once an edit: FTS5 wrote a segment for every statement that changed
     * one (issue 8).  The SQL and its design are in schema_fts_pending.h. */
    SRV_SCHEMA_FTS_PENDING,

    /* 18: titles and counterparties sorted without case or accents, by
     * keys that pactad writes (issue 7).  The SQL and its design are in
     * schema_sort_keys.h; the keys are db_fold.c's. */
    SRV_SCHEMA_SORT_KEYS,

    /* 19: the change log's payload without CHECK (json_valid(payload))
     * (issue 8).  Every payload is the writer's own pacta_json_compact of a
     * JSON value, and the check parsed each ~1 KB of it again: ~11,700 of
     * the writer's ~136,000 instructions an edit (bench/RESULTS.md).  A
     * CHECK dropped changes no stored byte, so the table's SQL is edited in
     * place, SQLite's documented way for removing a CHECK, instead of
     * copying the whole log into a new table; RESET reloads this
     * connection's schema (and turns writable_schema off), and a table made
     * and dropped moves the schema cookie so every other connection reloads
     * it too.  The other CHECKs of `changes` stay. */
    "PRAGMA writable_schema = ON;"
    "UPDATE sqlite_schema SET sql = replace(sql, ' CHECK (json_valid(payload))', '')"
    "  WHERE type = 'table' AND name = 'changes';"
    "PRAGMA writable_schema = RESET;"
    "CREATE TABLE schema_cookie (x);"
    "DROP TABLE schema_cookie;",

    /* 20: contracts.list `text` without case or accents, as the desk's own
     * search: "timisoara" finds "Timișoara" (issue 7).  The SQL and its
     * design are in schema_fold_text.h; the tokenizers are db_short.c's. */
    SRV_SCHEMA_FOLD_TEXT,

    /* 21: `q` with the letters Unicode does not decompose folded too
     * ("lodz" finds "Łódź", "strasse" "Straße"), as `text` since 20
     * (issue 7).  The SQL and its design are in schema_fold_words.h; the
     * tokenizer is db_short.c's pacta_words. */
    SRV_SCHEMA_FOLD_WORDS,

    /* 22: Greek and Cyrillic without case in the sort keys, `text` and `q`
     * ("жук" finds "ЖУК"), as the desk's own search (issue 7).  The SQL is
     * in schema_fold_scripts.h; the rule is protocol/src/fold.c's. */
    SRV_SCHEMA_FOLD_SCRIPTS,
};

#define MIGRATION_COUNT ((int)(sizeof(migrations) / sizeof(migrations[0])))

int srv__schema_latest(void)
{
    return MIGRATION_COUNT;
}

static int read_user_version(sqlite3 *w, int *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(w, "PRAGMA user_version", -1, &st, NULL);

    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        *out = sqlite3_column_int(st, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

/*
 * Applies every migration above the file's user_version, each in one
 * BEGIN IMMEDIATE transaction.  A file newer than this binary is refused:
 * running old code on a newer schema could violate constraints it does not
 * know about.
 */
int srv__schema_migrate(sqlite3 *w, char *errbuf, size_t errlen)
{
    return srv__schema_migrate_to(w, MIGRATION_COUNT, errbuf, errlen);
}

/* The functions a migration or the notes' apply runs: the short-text
 * index's tokenizer and the sort keys' fold. */
static int register_functions(sqlite3 *w, char *errbuf, size_t errlen)
{
    if (srv_short_register(w, errbuf, errlen) != 0)
        return -1;
    if (srv_fold_register(w) != SQLITE_OK) {
        snprintf(errbuf, errlen, "cannot register %s: %s", SRV_FOLD_FUNCTION, sqlite3_errmsg(w));
        return -1;
    }
    return 0;
}

/* The search indexes' rows and the sort keys that a transaction outside
 * pactad's writer noted and left (schema_fts_pending.h,
 * schema_sort_keys.h), brought up to date: every file pactad opens or
 * restores comes through here first. */
static int apply_leftover_fts_pending(sqlite3 *w, char *errbuf, size_t errlen)
{
    struct srv_fts_pending p = {0};
    if (register_functions(w, errbuf, errlen) != 0)
        return -1;
    int rc = sqlite3_exec(w, "BEGIN IMMEDIATE", NULL, NULL, NULL);

    if (rc == SQLITE_OK && (rc = srv__fts_pending_apply(w, &p)) == SQLITE_OK)
        rc = sqlite3_exec(w, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        snprintf(errbuf, errlen, "cannot bring the search index and sort keys up to date: %s",
                 sqlite3_errmsg(w));
    srv__fts_pending_finalize(&p);
    if (!sqlite3_get_autocommit(w))
        sqlite3_exec(w, "ROLLBACK", NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : -1;
}

/* Tests build a file of an older version with it, then let srv_db_open
 * migrate the rest (a migration must take the rows an older file holds). */
int srv__schema_migrate_to(sqlite3 *w, int target, char *errbuf, size_t errlen)
{
    char *msg = NULL;
    char sql[64];
    int version = 0;

    if (read_user_version(w, &version) != SQLITE_OK) {
        snprintf(errbuf, errlen, "cannot read the schema version: %s", sqlite3_errmsg(w));
        return -1;
    }
    if (version > MIGRATION_COUNT) {
        snprintf(errbuf, errlen,
                 "database schema version %d is newer than this pactad supports (%d)", version,
                 MIGRATION_COUNT);
        return -1;
    }
    /* a migration's inserts and triggers index through pacta_short, and
     * the sort keys' is pacta_fold, on whatever connection migrates
     * (pactad's writer, a restore, a tool) */
    if (version < target && register_functions(w, errbuf, errlen) != 0)
        return -1;
    for (; version < target && version < MIGRATION_COUNT; version++) {
        snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version + 1);
        if (sqlite3_exec(w, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(w, migrations[version], NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(w, sql, NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(w, "COMMIT", NULL, NULL, &msg) != SQLITE_OK) {
            snprintf(errbuf, errlen, "migration %d failed: %s", version + 1,
                     msg ? msg : sqlite3_errmsg(w));
            sqlite3_free(msg);
            if (!sqlite3_get_autocommit(w))
                sqlite3_exec(w, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }
    }
    /* the notes' tables are the newest schema's: a file made only up to an
     * older version (tests) has its notes applied when it is opened */
    return version == MIGRATION_COUNT ? apply_leftover_fts_pending(w, errbuf, errlen) : 0;
}
