/*
 * sqlite_ceiling: the physical ceiling of the edits scenario.
 *
 * The storage work of one pactad edit done directly in-process, no network,
 * no JSON parsing, no threads: a version-checked UPDATE of a contract row's
 * amount with the index entries an amount edit moves in pactad's schema
 * (amount, currency + amount, updated_at) and an INSERT of its ~700-byte
 * event into an append-only change log (no index: schema migration 16), WAL +
 * synchronous=FULL, on the same disk.  Run twice: one transaction (one
 * fsync) per edit, and BATCH edits per transaction (what group commit does,
 * each in its SAVEPOINT as pactad's writer does).  pactad's edits/s divided
 * by the second figure is its share of the ceiling.
 *
 * Usage: sqlite_ceiling DIR SECONDS BATCH   (prints two Markdown rows)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#define CONTRACTS 1024

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void must(sqlite3 *db, int rc, const char *what)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "sqlite_ceiling: %s: %s\n", what, sqlite3_errmsg(db));
        exit(1);
    }
}

static double run(const char *dir, double secs, int batch)
{
    char path[600], payload[800];
    sqlite3 *db;
    sqlite3_stmt *up, *ins;
    snprintf(path, sizeof path, "%s/ceiling-%d.db", dir, batch);
    remove(path);
    must(db, sqlite3_open(path, &db), "open");
    must(
        db,
        sqlite3_exec(db,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                     "CREATE TABLE contracts(id TEXT PRIMARY KEY, amount_cents INTEGER NOT NULL,"
                     " currency TEXT NOT NULL, version INTEGER NOT NULL, updated_at TEXT NOT NULL);"
                     "CREATE INDEX contracts_amount ON contracts(amount_cents, id);"
                     "CREATE INDEX contracts_currency ON contracts(currency, amount_cents, id);"
                     "CREATE INDEX contracts_updated ON contracts(updated_at, id);"
                     "CREATE TABLE changes(seq INTEGER PRIMARY KEY AUTOINCREMENT, event TEXT,"
                     " entity_id TEXT, version INTEGER, actor TEXT, created_at TEXT,"
                     " payload TEXT CHECK (json_valid(payload)));",
                     NULL, NULL, NULL),
        "schema");
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    for (int i = 0; i < CONTRACTS; i++) {
        char sql[200];
        snprintf(sql, sizeof sql,
                 "INSERT INTO contracts VALUES('0193a5f2-7c1e-7b3a-9f00-%012d', 0, '%s', 1, 'x')",
                 i, i % 3 == 0 ? "USD" : "EUR");
        must(db, sqlite3_exec(db, sql, NULL, NULL, NULL), "seed");
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    must(db,
         sqlite3_prepare_v2(db,
                            "UPDATE contracts SET amount_cents = ?, version = version + 1,"
                            " updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')"
                            " WHERE id = ? AND version = ?",
                            -1, &up, NULL),
         "prepare update");
    must(db,
         sqlite3_prepare_v2(db,
                            "INSERT INTO changes(event, entity_id, version, actor, created_at,"
                            " payload) VALUES('contract.updated', ?, ?, 'admin',"
                            " strftime('%Y-%m-%dT%H:%M:%fZ','now'), ?)",
                            -1, &ins, NULL),
         "prepare insert");
    char fill[700];
    memset(fill, 'x', sizeof fill - 1);
    fill[sizeof fill - 1] = '\0';
    snprintf(payload, sizeof payload, "{\"pad\":\"%s\"}", fill);

    static int64_t version[CONTRACTS];
    for (int i = 0; i < CONTRACTS; i++)
        version[i] = 1;
    long edits = 0;
    double t0 = now_s(), end = t0 + secs;
    while (now_s() < end) {
        sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        for (int b = 0; b < batch; b++) {
            int k = rand() % CONTRACTS;
            char id[40];
            snprintf(id, sizeof id, "0193a5f2-7c1e-7b3a-9f00-%012d", k);
            sqlite3_exec(db, "SAVEPOINT w", NULL, NULL, NULL);
            sqlite3_bind_int64(up, 1, edits);
            sqlite3_bind_text(up, 2, id, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(up, 3, version[k]);
            must(db, sqlite3_step(up), "update");
            sqlite3_reset(up);
            if (sqlite3_changes(db) != 1) {
                fprintf(stderr, "sqlite_ceiling: version check failed\n");
                exit(1);
            }
            version[k]++;
            sqlite3_bind_text(ins, 1, id, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(ins, 2, version[k]);
            sqlite3_bind_text(ins, 3, payload, -1, SQLITE_STATIC);
            must(db, sqlite3_step(ins), "insert");
            sqlite3_reset(ins);
            sqlite3_exec(db, "RELEASE w", NULL, NULL, NULL);
            edits++;
        }
        must(db, sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), "commit");
    }
    double rate = (double)edits / (now_s() - t0);
    sqlite3_finalize(up);
    sqlite3_finalize(ins);
    sqlite3_close(db);
    remove(path);
    return rate;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: sqlite_ceiling DIR SECONDS BATCH\n");
        return 2;
    }
    double secs = atof(argv[2]);
    int batch = atoi(argv[3]);
    printf("| in-process SQLite, 1 edit per transaction (one fsync each) | %.0f |\n",
           run(argv[1], secs, 1));
    printf("| in-process SQLite, %d edits per transaction (group commit) | %.0f |\n", batch,
           run(argv[1], secs, batch));
    return 0;
}
