/*
 * srv_db: the SQLite store of pactad.
 *
 * Threads (DESIGN §2):
 *  - one writer thread owns the only read-write connection; srv_db_submit()
 *    queues a write, the writer takes every pending write, runs them in one
 *    BEGIN IMMEDIATE transaction (each in its own SAVEPOINT, so one failure
 *    does not sink the batch), commits with synchronous=FULL, and only then
 *    hands each write back to the loop thread through uv_async_send, where
 *    its done() callback runs.  Writes complete in submission order, so the
 *    events they carry reach the loop in seq order.
 *  - readers are read-only connections (SQLITE_OPEN_READONLY, checkpoint on
 *    close disabled) lent out by srv_db_reader_acquire(); the srv_db_read_*
 *    functions take one and may be called from any thread (the server calls
 *    them from the uv thread pool).
 * Only the writer writes or checkpoints (SQLite 3.40 WAL-reset race, §9).
 */
#ifndef PACTA_SRV_DB_H
#define PACTA_SRV_DB_H

#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>
#include <uv.h>

#include <pacta/protocol.h>

#include "hist.h"

struct srv_db;

/* Each reader's page cache unless told, MiB.  SQLite's default (2 MiB)
 * holds a few hundred pages: at a million contracts a list page read most
 * of its index pages from the OS again (a pread and a copy each), ~30 % of
 * its time; with 64 MiB the 20th page of a listing costs 0.5-6 ms instead
 * of 2-36 (bench/RESULTS.md "reader cache").  Pages come in only as
 * queries read them: a small database never fills it. */
#define SRV_DB_READER_CACHE_MB 64

struct srv_db_options {
    const char *path;        /* database file, e.g. DATA_DIR/pacta.db */
    int readers;             /* size of the reader pool (>= 1) */
    int reader_cache_mb;     /* each reader's page cache, MiB; 0: SRV_DB_READER_CACHE_MB */
    int64_t session_ttl_sec; /* lifetime of a login token */
    /* Bytes a statement journal keeps in memory before it moves to a temp
     * file; 0: 16 MiB.  SQLite allocates it as one chunk per transaction,
     * so the first open of a process decides (see srv_db_open). */
    int stmt_journal_spill;
    /* A statement of the writer or a reader that takes longer than this is
     * logged (warn) and counted; 0: none (db_slow.c). */
    int slow_statement_ms;
};

/*
 * Opens (creating if needed) the database, applies pending migrations
 * (PRAGMA user_version), sets WAL + synchronous=FULL + foreign_keys, opens
 * the reader pool and starts the writer thread, whose completions are
 * delivered on `loop`.  If the users table is empty it creates user "admin"
 * (role admin) with the password from $PACTA_ADMIN_PASSWORD or, if unset, a
 * generated one, and reports it through *generated_password (malloc'd, caller
 * frees; NULL when the password came from the environment or admin existed).
 * Returns 0 or a negative code with a message in errbuf.
 */
int srv_db_open(const struct srv_db_options *opts, uv_loop_t *loop, struct srv_db **out,
                char **generated_password, char *errbuf, size_t errlen);
/*
 * Stops accepting writes, lets the writer finish every queued write (their
 * done() callbacks still run on the loop: call this, then keep running the
 * loop until srv_db_writer_idle() is true), checkpoints (TRUNCATE) and closes
 * everything in srv_db_close().
 */
void srv_db_shutdown(struct srv_db *db);
int srv_db_writer_idle(const struct srv_db *db);
void srv_db_close(struct srv_db *db);

/* ---- writes ------------------------------------------------------------ */
enum srv_write_kind {
    SRV_W_CONTRACT_CREATE, /* args: validated contract object (pacta_decode_create) */
    SRV_W_CONTRACT_UPDATE, /* args: {"id","version","changes","reason"?} */
    SRV_W_CONTRACT_DELETE, /* args: {"id","version","reason"?} */
    SRV_W_USER_CREATE,     /* args: {"username","password_hash","display_name","role"}
                              (hashed by the caller, off the writer thread) */
    SRV_W_SESSION_CREATE,  /* args: {"username"}; result: {"token","expires_at"} */
    SRV_W_SESSION_REVOKE,  /* args: {"token_hash"} */
    SRV_W_NOOP,            /* args: {}; commits nothing (readiness check) */
    SRV_W_USER_UPDATE,     /* args: {"username","role"?,"disabled"?,"display_name"?,
                              "password_hash"?}; result {"user","sessions_revoked"} */
    /* db_expiry.c (expiry.h / notify.c) */
    SRV_W_EXPIRY_SCAN,        /* args: {"today","thresholds":[..],"ids"?:[..],"full","digest"};
                                 result: {"fired","next_due"} */
    SRV_W_NOTIFICATIONS_READ, /* args: {"username","ids":[..]}; result: {"marked","unread"} */
    SRV_W_USER_PREFERENCES,   /* args: {"username","digest"?}; result: {"digest"} */
    /* db_backup.c (backup.c) */
    SRV_W_BACKUP_RECORD,   /* args: a backups row without id; result: {"backup": row} */
    SRV_W_BACKUP_FORGET,   /* args: {"ids":[..]}; result: {"deleted"} */
    SRV_W_BACKUP_VERIFIED, /* args: {"id","at","error"?}; result: {} */
    SRV_W_BACKUP_ADOPT,    /* args: {"rows":[..]}: files found without a row; result {"added"} */
    SRV_W_DB_RESTORE,      /* args: {"source","safety","backup_id"}: runs alone, outside any
                              batch: copies the database to `safety`, replaces it with
                              `source`, migrates it, keeps the catalog and live sessions,
                              and logs a server.reset event; result {"head","previous_head"} */
    /* db_documents.c (documents.c, documents_upload.c) */
    SRV_W_DOCUMENT_ADD,    /* args: {"id","contract_id","name","size","sha256","mime"}: the row
                              of a finished upload; result {"document"}; event document.added */
    SRV_W_DOCUMENT_DELETE, /* args: {"id"}; result {"document"}; event document.removed */
    /* db_views.c (views.c) */
    SRV_W_VIEW_SAVE,   /* args: {"username","name","filter","sort"}; result {"view","replaced"} */
    SRV_W_VIEW_DELETE, /* args: {"username","name"}; result {"name"} */
};

struct srv_write {
    /* set by the submitter */
    enum srv_write_kind kind;
    char *actor;                       /* username doing it (owned, freed by srv_write_free) */
    json_t *args;                      /* owned */
    void (*done)(struct srv_write *w); /* runs on the loop thread; must free w */
    void *udata;
    uint64_t request_id; /* for logs */

    /* set by the writer before done() */
    int code;               /* PACTA_OK or an enum pacta_code */
    struct pacta_error err; /* when code != PACTA_OK */
    json_t *result;         /* owned; the op's result on success */
    json_t *error_extra;    /* owned; e.g. {"current": record} on conflict */
    json_t *events;         /* owned array of {"seq","event","data","payload"?} committed;
                               payload: data's compact text as stored in the log.
                               contracts.update's has no data but its payload, and
                               "entity" and "changed" (srv_write_materialize) */
    char *result_text;      /* owned, may be NULL: result's compact text, made with the
                               event's payload (contracts.update), which the answer sends;
                               result is then NULL */
    size_t result_len;

    struct srv_write *next; /* queue link, private to db.c */
};
struct srv_write *srv_write_new(enum srv_write_kind kind, const char *actor, json_t *args_steal);
void srv_write_free(struct srv_write *w);
/* Gives a contracts.update's result and event data back as trees, parsed
 * from their texts (tests and bench tools; pactad itself sends the texts). */
void srv_write_materialize(struct srv_write *w);
/*
 * Queues w for the writer.  Returns 0, or -1 after shutdown began (then
 * done() is never called and the caller still owns w).  Loop thread only.
 */
int srv_db_submit(struct srv_db *db, struct srv_write *w);

/* Writer statistics (for logs and later metrics). */
struct srv_db_stats {
    uint64_t batches, writes, max_batch;
    uint64_t failed_batches;      /* COMMIT (or BEGIN) failed: every write got unavailable */
    struct srv_hist batch_size;   /* writes per batch (srv_hist_batch) */
    struct srv_hist commit_secs;  /* BEGIN..COMMIT incl. fsync (srv_hist_seconds) */
    int64_t last_commit_ms;       /* wall clock of the last successful commit, 0 if none */
    uint64_t plain_reruns;        /* batches of contract writes run again with a SAVEPOINT per
                                     write: one of them failed half done (db_writer.c run_plain) */
    uint64_t checkpoints;         /* the writer's checkpoints of the log, between batches */
    uint64_t checkpoint_failures; /* of them failed (logged; the frames stay in the log) */
    uint64_t slow_statements;     /* statements over the slow bound (logged; db_slow.c) */
};
void srv_db_get_stats(struct srv_db *db, struct srv_db_stats *out);
/* The slow-statement bound from now on, any thread (ms; 0: off). */
void srv_db_set_slow_ms(struct srv_db *db, int ms);

/* ---- reads ------------------------------------------------------------- */
sqlite3 *srv_db_reader_acquire(struct srv_db *db); /* blocks while all are lent */
void srv_db_reader_release(struct srv_db *db, sqlite3 *r);

struct srv_user {
    int64_t id;
    char username[65];
    char display_name[801]; /* 200 characters of up to 4 UTF-8 bytes */
    enum pacta_role role;
    int disabled;
    char *password_hash; /* malloc'd argon2id encoded hash; free with srv_user_clear */
};
void srv_user_clear(struct srv_user *u);

/* The record as sent on the wire (PROTOCOL.md "Contract"), deleted ones too. */
int srv_db_read_contract(sqlite3 *r, const char *id, json_t **out, struct pacta_error *err);
/* {"items":[...], "next_cursor": "..."|null}: one page of contracts.list
 * with its filters and sort (db_list.c; PROTOCOL.md §6.4). */
int srv_db_read_contracts(sqlite3 *r, const struct pacta_list_args *a, json_t **out,
                          struct pacta_error *err);
/* {"items":[...], "next_cursor"} oldest first, the supplements with ids
 * above `after`, `limit` of them (0: all; next_cursor is then null);
 * not_found if no such contract. */
int srv_db_read_supplements(sqlite3 *r, const char *contract_id, int64_t after, int limit,
                            json_t **out, struct pacta_error *err);
/*
 * Up to `limit` events with seq > since, oldest first, as an array of
 * {"seq","event","data"} (*out, new reference).  Returns 0 or < 0.
 */
int srv_db_read_changes(sqlite3 *r, int64_t since, int limit, json_t **out);
/*
 * The same rows without JSON: fn(ctx, seq, event, payload, payload_len) for
 * each, oldest first, where payload is the stored compact JSON of the
 * event's data, exactly what the live broadcast serialized.  Replay builds
 * its frames around it (parsing and re-dumping every event was ~90% of a
 * replay's instructions, bench/RESULTS.md).  A non-zero fn return stops the
 * scan.  Returns 0 or < 0.
 */
typedef int (*srv_change_fn)(void *ctx, int64_t seq, const char *event, const char *payload,
                             size_t payload_len);
int srv_db_scan_changes(sqlite3 *r, int64_t since, int limit, srv_change_fn fn, void *ctx);
int64_t srv_db_read_head_seq(sqlite3 *r); /* 0 on an empty log */
/* 0, or -PACTA_NOT_FOUND.  Fills *u (caller clears). */
int srv_db_read_user(sqlite3 *r, const char *username, struct srv_user *u);
/* A session token (as the client holds it) -> its live, unrevoked user,
 * its hash and its expiry ("YYYY-MM-DDTHH:MM:SS.mmmZ"); both outputs may be
 * NULL.  0, or -PACTA_UNAUTHENTICATED. */
int srv_db_read_session(sqlite3 *r, const char *token, struct srv_user *u, char token_hash[65],
                        char expires_at[32]);
/* {"items":[{"username","display_name","role","disabled","created_at"}]} */
int srv_db_read_users(sqlite3 *r, json_t **out);

/* ---- auth helpers (auth.c) --------------------------------------------- */
/* argon2id, m=19 MiB, t=2, p=1, 16-byte random salt; malloc'd encoded string. */
char *srv_auth_hash_password(const char *password);
/* 1 if it matches, 0 if not (constant time). */
int srv_auth_verify_password(const char *encoded, const char *password);
/* 32 random bytes as base64url (43 chars) + NUL. */
void srv_auth_new_token(char out[44]);
/* lowercase hex SHA-256 of the token. */
void srv_auth_token_hash(const char *token, char out[65]);
/* ---- clock (clock.c): every "now" of the server comes from here ---------- */
/* Unix time in ms; a test build or --fake-now may pin it. Any thread. */
int64_t srv_clock_now_ms(void);
/* 0 restores the real clock. */
void srv_clock_set_fake_ms(int64_t unix_ms);
/* Pins the clock at unix_ms, 0 (the epoch) included (admin.clock.set). */
void srv_clock_pin_ms(int64_t unix_ms);
/* "2026-11-22T14:02:03.123Z" for srv_clock_now_ms() (UTC). */
void srv_now_iso(char out[32]);
/* The same format for any Unix time in ms. */
void srv__iso_from_ms(int64_t unix_ms, char out[32]);
/* "2026-11-22" for srv_clock_now_ms() (UTC). */
void srv_today_iso(char out[11]);

#endif
