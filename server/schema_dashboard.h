/*
 * The SQL of the dashboard counters (a migration in schema.c; read by
 * dashboard_read.c; bench/bench_dashboard.c times its parts).
 *
 * stats.dashboard must stay cheap with a million contracts, so nothing it
 * reads grows with the contracts: `dashboard_counts` holds, per series, how
 * many live (not deleted) contracts have each key, and triggers on
 * `contracts` keep it in the writer's transaction — every write path
 * (contracts.*, the expiry scheduler's expire and renew, a restore's
 * migration) is covered without C code.  Keys that are days (end date,
 * start date, notice deadline) make the date-window figures, which change
 * with the date and not only with writes, sums over at most a few
 * thousand rows: "end_date within 30 days" is a range of day keys.
 *
 * Series (D/A = status draft or active, the statuses whose lifecycle
 * follows the dates; see srv_contract_derive):
 *   status      k1 status                 every live contract
 *   kind        k1 kind                   every live contract
 *   value       k1 currency, amount       status active (amount = sum of amount_cents)
 *   noend       k1 status                 D/A without end date (lifecycle unknown)
 *   end         k1 end, k2 'evergreen'/'' D/A with an end date (expired / expiring)
 *   start       k1 start                  D/A with start and end (upcoming)
 *   span        k1 start, k2 end          D/A not evergreen with start and end at most
 *                                         3650 days apart: upcoming ones that end inside
 *                                         the expiring window (largest threshold <= 3650)
 *   active_end  k1 end                    active with an end date (contracts.expiring)
 *   notice      k1 end - notice_days      active, end date, notice_days > 0
 *
 * Amounts are kept as amount_hi * 10^9 + amount_lo (0 <= lo < 10^9): a sum
 * of amounts up to 10^15 each passes 2^63 after ~9,000 contracts, where
 * SQLite's sum() fails and `+` turns into an inexact float.  A row whose
 * count reaches 0 is deleted (dashboard_counts_zero), so the table holds
 * only keys that count something.  The columns have no CHECK: SQLite checks
 * an upsert's row before it looks for the conflict, and the rows the
 * triggers insert are deltas (n = -1 for a contract that left a key).
 */
#ifndef PACTA_SRV_SCHEMA_DASHBOARD_H
#define PACTA_SRV_SCHEMA_DASHBOARD_H

#define SRV_DASH_P "1000000000"

#define SRV_DASH_LIVE(r) r ".deleted_at IS NULL"
#define SRV_DASH_OPEN(r) SRV_DASH_LIVE(r) " AND " r ".status IN ('draft', 'active')"
#define SRV_DASH_DATED(r) SRV_DASH_OPEN(r) " AND " r ".end_date IS NOT NULL"
#define SRV_DASH_ACTIVE_END(r)                                                                     \
    SRV_DASH_LIVE(r) " AND " r ".status = 'active' AND " r ".end_date IS NOT NULL"

/* Every series as X(series, k1, k2, amount, condition, d) of a row r, one
 * macro per series so that one series can be taken alone (migration 11's
 * triggers, below). */
#define SRV_DASH_S_STATUS(X, r, d) X("status", r ".status", "''", "0", SRV_DASH_LIVE(r), d)
#define SRV_DASH_S_KIND(X, r, d) X("kind", r ".kind", "''", "0", SRV_DASH_LIVE(r), d)
#define SRV_DASH_S_VALUE(X, r, d)                                                                  \
    X("value", r ".currency", "''", r ".amount_cents * " d,                                        \
      SRV_DASH_LIVE(r) " AND " r ".status = 'active'", d)
#define SRV_DASH_S_NOEND(X, r, d)                                                                  \
    X("noend", r ".status", "''", "0", SRV_DASH_OPEN(r) " AND " r ".end_date IS NULL", d)
#define SRV_DASH_S_END(X, r, d)                                                                    \
    X("end", r ".end_date", "CASE " r ".renewal WHEN 'evergreen' THEN 'evergreen' ELSE '' END",    \
      "0", SRV_DASH_DATED(r), d)
#define SRV_DASH_S_START(X, r, d)                                                                  \
    X("start", r ".start_date", "''", "0", SRV_DASH_DATED(r) " AND " r ".start_date IS NOT NULL", d)
#define SRV_DASH_S_SPAN(X, r, d)                                                                   \
    X("span", r ".start_date", r ".end_date", "0",                                                 \
      SRV_DASH_DATED(r) " AND " r ".start_date IS NOT NULL AND " r ".renewal <> 'evergreen' AND "  \
                        "julianday(" r ".end_date) - julianday(" r ".start_date) <= 3650",         \
      d)
#define SRV_DASH_S_ACTIVE_END(X, r, d)                                                             \
    X("active_end", r ".end_date", "''", "0", SRV_DASH_ACTIVE_END(r), d)
#define SRV_DASH_S_NOTICE(X, r, d)                                                                 \
    X("notice", "date(" r ".end_date, '-' || " r ".notice_days || ' days')", "''", "0",            \
      SRV_DASH_ACTIVE_END(r) " AND " r ".notice_days > 0", d)
#define SRV_DASH_ARMS(X, r, d)                                                                     \
    SRV_DASH_S_STATUS(X, r, d)                                                                     \
    SRV_DASH_S_KIND(X, r, d)                                                                       \
    SRV_DASH_S_VALUE(X, r, d)                                                                      \
    SRV_DASH_S_NOEND(X, r, d)                                                                      \
    SRV_DASH_S_END(X, r, d)                                                                        \
    SRV_DASH_S_START(X, r, d)                                                                      \
    SRV_DASH_S_SPAN(X, r, d)                                                                       \
    SRV_DASH_S_ACTIVE_END(X, r, d)                                                                 \
    SRV_DASH_S_NOTICE(X, r, d)

/* One arm of the compound SELECT of a row's contributions (s, k1, k2, d, a). */
#define SRV_DASH_SELECT_ARM(s, k1, k2, a, cond, d)                                                 \
    " UNION ALL SELECT '" s "', " k1 ", " k2 ", " d ", " a " WHERE " cond
/* What row r (old or new) counts, with sign d ("1" or "-1"); the first arm
 * only names the columns. */
#define SRV_DASH_NO_ROW "SELECT '' AS s, '' AS k1, '' AS k2, 0 AS d, 0 AS a WHERE 0"
#define SRV_DASH_ROWS(r, d) SRV_DASH_NO_ROW SRV_DASH_ARMS(SRV_DASH_SELECT_ARM, r, d)

/* Adds the excluded (delta) row to the stored one, carrying between the
 * amount's halves (SQLite's % keeps the sign of the left operand). */
#define SRV_DASH_LO_SUM "(amount_lo + excluded.amount_lo)"
#define SRV_DASH_LO_NEW "((" SRV_DASH_LO_SUM " % " SRV_DASH_P " + " SRV_DASH_P ") % " SRV_DASH_P ")"
#define SRV_DASH_UPSERT                                                                            \
    " ON CONFLICT (series, k1, k2) DO UPDATE SET n = n + excluded.n,"                              \
    " amount_hi = amount_hi + excluded.amount_hi + (" SRV_DASH_LO_SUM " - " SRV_DASH_LO_NEW        \
    ") / " SRV_DASH_P ","                                                                          \
    " amount_lo = " SRV_DASH_LO_NEW ";"

/* The deltas of a change, summed per key; keys whose delta is zero (a
 * field that did not move) are not written at all. */
#define SRV_DASH_APPLY(rows)                                                                       \
    "INSERT INTO dashboard_counts (series, k1, k2, n, amount_hi, amount_lo)"                       \
    " SELECT s, k1, k2, sum(d), sum(a) / " SRV_DASH_P ", sum(a) % " SRV_DASH_P " FROM (" rows      \
    ") WHERE true GROUP BY s, k1, k2 HAVING sum(d) <> 0 OR sum(a) <> 0" SRV_DASH_UPSERT

/* Counting existing rows, one series at a time, over a narrow copy of the
 * counted columns: nine passes over the contracts themselves (long text
 * rows) took 45 s with a million (bench/RESULTS.md "Dashboard"). */
#define SRV_DASH_INIT_ARM(s, k1, k2, a, cond, d)                                                   \
    "INSERT INTO dashboard_counts (series, k1, k2, n, amount_hi, amount_lo)"                       \
    " SELECT '" s "', " k1 ", " k2 ", count(*), sum((" a ") / " SRV_DASH_P ") + sum((" a           \
    ") % " SRV_DASH_P ") / " SRV_DASH_P ", sum((" a ") % " SRV_DASH_P ") % " SRV_DASH_P            \
    " FROM temp.dashboard_rows c WHERE " cond " GROUP BY 2, 3;"
#define SRV_DASH_INIT                                                                              \
    "CREATE TEMP TABLE dashboard_rows AS SELECT status, kind, currency, amount_cents,"             \
    "  start_date, end_date, notice_days, renewal, deleted_at FROM contracts"                      \
    "  WHERE deleted_at IS NULL;" SRV_DASH_ARMS(SRV_DASH_INIT_ARM, "c",                            \
                                                "1") "DROP TABLE temp.dashboard_rows;"

/* The columns whose change can move a contract between keys.  (One per
 * line by hand: clang-format 14 reflows this list differently on each run.) */
/* clang-format off */
#define SRV_DASH_MOVED(c) "old." c " IS NOT new." c " OR "
#define SRV_DASH_WHEN                                                                              \
    SRV_DASH_MOVED("deleted_at")                                                                   \
    SRV_DASH_MOVED("status")                                                                       \
    SRV_DASH_MOVED("kind")                                                                         \
    SRV_DASH_MOVED("currency")                                                                     \
    SRV_DASH_MOVED("amount_cents")                                                                 \
    SRV_DASH_MOVED("start_date")                                                                   \
    SRV_DASH_MOVED("end_date")                                                                     \
    SRV_DASH_MOVED("notice_days")                                                                  \
    SRV_DASH_MOVED("renewal") " 0"
/* clang-format on */

#define SRV_DASH_TABLE                                                                             \
    "CREATE TABLE dashboard_counts ("                                                              \
    "  series TEXT NOT NULL,"                                                                      \
    "  k1 TEXT NOT NULL,"                                                                          \
    "  k2 TEXT NOT NULL DEFAULT '',"                                                               \
    "  n INTEGER NOT NULL,"                                                                        \
    "  amount_hi INTEGER NOT NULL DEFAULT 0,"                                                      \
    "  amount_lo INTEGER NOT NULL DEFAULT 0,"                                                      \
    "  PRIMARY KEY (series, k1, k2)"                                                               \
    ") WITHOUT ROWID;"                                                                             \
    "CREATE TRIGGER dashboard_counts_zero AFTER UPDATE OF n ON dashboard_counts"                   \
    "  WHEN new.n = 0 BEGIN"                                                                       \
    "  DELETE FROM dashboard_counts"                                                               \
    "    WHERE series = new.series AND k1 = new.k1 AND k2 = new.k2;"                               \
    "END;"

#define SRV_DASH_ON_INSERT SRV_DASH_APPLY(SRV_DASH_ROWS("new", "1"))
#define SRV_DASH_ON_UPDATE                                                                         \
    SRV_DASH_APPLY(SRV_DASH_ROWS("old", "-1") " UNION ALL " SRV_DASH_ROWS("new", "1"))
#define SRV_DASH_ON_DELETE SRV_DASH_APPLY(SRV_DASH_ROWS("old", "-1"))

#define SRV_DASH_TRIGGERS                                                                          \
    "CREATE TRIGGER dashboard_insert AFTER INSERT ON contracts"                                    \
    "  WHEN new.deleted_at IS NULL BEGIN " SRV_DASH_ON_INSERT " END;"                              \
    "CREATE TRIGGER dashboard_update AFTER UPDATE OF deleted_at, status, kind, currency,"          \
    "  amount_cents, start_date, end_date, notice_days, renewal ON contracts"                      \
    "  WHEN " SRV_DASH_WHEN " BEGIN " SRV_DASH_ON_UPDATE " END;"                                   \
    "CREATE TRIGGER dashboard_delete AFTER DELETE ON contracts"                                    \
    "  WHEN old.deleted_at IS NULL BEGIN " SRV_DASH_ON_DELETE " END;"

/* The migration: table, triggers, and the counts of the rows already there. */
#define SRV_SCHEMA_DASHBOARD SRV_DASH_TABLE SRV_DASH_TRIGGERS SRV_DASH_INIT

/*
 * Migration 11: one update trigger per series instead of dashboard_update.
 * That one ran all nine series for the old and the new row whenever any
 * counted column moved: an amount edit of a draft, which counts in no
 * amount, ran eighteen arms, a GROUP BY and found nothing to write — about
 * 68,000 of the ~166,000 SQLite instructions of such an edit (bench/RESULTS.md,
 * issue 8).  Each trigger here fires only when one of its own series'
 * columns moved and the old or the new row counts in that series, and
 * takes only that series' two arms.  What is counted is unchanged (the
 * same arms; test_srv_dashboard recounts after random edits of each column
 * alone and of several).  Inserts and deletes keep their triggers: every
 * series has a say there.
 *
 * Each series' columns besides deleted_at, which every series reads.
 */
#define SRV_DASH_COLS_STATUS(C) C("status")
#define SRV_DASH_COLS_KIND(C) C("kind")
#define SRV_DASH_COLS_VALUE(C) C("status") C("currency") C("amount_cents")
#define SRV_DASH_COLS_NOEND(C) C("status") C("end_date")
#define SRV_DASH_COLS_END(C) C("status") C("end_date") C("renewal")
#define SRV_DASH_COLS_START(C) C("status") C("end_date") C("start_date")
#define SRV_DASH_COLS_SPAN(C) C("status") C("end_date") C("start_date") C("renewal")
#define SRV_DASH_COLS_ACTIVE_END(C) C("status") C("end_date")
#define SRV_DASH_COLS_NOTICE(C) C("status") C("end_date") C("notice_days")

#define SRV_DASH_COL_LIST(c) ", " c
#define SRV_DASH_COL_MOVED(c) " OR old." c " IS NOT new." c
#define SRV_DASH_COND(s, k1, k2, a, cond, d) "(" cond ")"
/* (clang-format 14 stairs these macros down the page.) */
/* clang-format off */
#define SRV_DASH_SERIES_UPDATE(name, S, COLS)                                                      \
    "CREATE TRIGGER dashboard_update_" name                                                        \
    " AFTER UPDATE OF deleted_at" COLS(SRV_DASH_COL_LIST) " ON contracts"                          \
    " WHEN (old.deleted_at IS NOT new.deleted_at" COLS(SRV_DASH_COL_MOVED) ")"                     \
    " AND (" S(SRV_DASH_COND, "old", "-1") " OR " S(SRV_DASH_COND, "new", "1") ")"                 \
    " BEGIN " SRV_DASH_APPLY(SRV_DASH_NO_ROW S(SRV_DASH_SELECT_ARM, "old", "-1")                   \
                                             S(SRV_DASH_SELECT_ARM, "new", "1")) " END;"

#define SRV_SCHEMA_DASHBOARD_SERIES                                                                \
    "DROP TRIGGER dashboard_update;"                                                               \
    SRV_DASH_SERIES_UPDATE("status", SRV_DASH_S_STATUS, SRV_DASH_COLS_STATUS)                      \
    SRV_DASH_SERIES_UPDATE("kind", SRV_DASH_S_KIND, SRV_DASH_COLS_KIND)                            \
    SRV_DASH_SERIES_UPDATE("value", SRV_DASH_S_VALUE, SRV_DASH_COLS_VALUE)                         \
    SRV_DASH_SERIES_UPDATE("noend", SRV_DASH_S_NOEND, SRV_DASH_COLS_NOEND)                         \
    SRV_DASH_SERIES_UPDATE("end", SRV_DASH_S_END, SRV_DASH_COLS_END)                               \
    SRV_DASH_SERIES_UPDATE("start", SRV_DASH_S_START, SRV_DASH_COLS_START)                         \
    SRV_DASH_SERIES_UPDATE("span", SRV_DASH_S_SPAN, SRV_DASH_COLS_SPAN)                            \
    SRV_DASH_SERIES_UPDATE("active_end", SRV_DASH_S_ACTIVE_END, SRV_DASH_COLS_ACTIVE_END)          \
    SRV_DASH_SERIES_UPDATE("notice", SRV_DASH_S_NOTICE, SRV_DASH_COLS_NOTICE)
/* clang-format on */

#endif
