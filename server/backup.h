/*
 * Backups (issue 6).
 *
 * The file format and the steps that need no server (backup_file.c) are
 * shared with pactactl, which restores and verifies offline; they depend
 * only on SQLite, zstd, OpenSSL and jansson.  The server module
 * (backup.c: ops and progress; backup_schedule.c: schedule, retention,
 * catalog reconcile, lock; db_backup.c: what the writer does for it) is
 * declared at the end.
 *
 * A backup file:
 *
 *   "PACTABK1"                  8 bytes, magic and format version
 *   manifest length             4 bytes, big-endian
 *   manifest                    JSON object (see srv_backup_pack)
 *   ciphertext                  AES-256-GCM of the zstd-compressed database
 *   tag                         16 bytes
 *
 * The nonce is random per file and stored in the manifest; the magic, the
 * length and the manifest are the GCM additional data, so the tag
 * authenticates the whole file: any changed byte fails the check.
 */
#ifndef PACTA_SRV_BACKUP_H
#define PACTA_SRV_BACKUP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#define SRV_BACKUP_MAGIC "PACTABK1"
#define SRV_BACKUP_KEY_BYTES 32
#define SRV_BACKUP_SUFFIX ".pbk"

/* Why a backup step failed; each has a fixed, client-safe message
 * (srv_backup_strerror) and the detail goes to errbuf. */
enum srv_backup_err {
    SRV_BK_OK = 0,
    SRV_BK_IO,           /* reading or writing failed */
    SRV_BK_NOSPACE,      /* the disk is (or would be) full */
    SRV_BK_FORMAT,       /* not a backup file, or a format we do not know */
    SRV_BK_TRUNCATED,    /* shorter than its manifest says */
    SRV_BK_WRONG_KEY,    /* made with another key */
    SRV_BK_TAMPERED,     /* authentication failed: damaged or changed */
    SRV_BK_NEWER_SCHEMA, /* made by a newer server */
    SRV_BK_CORRUPT,      /* integrity_check, checksum or row counts differ */
    SRV_BK_DB,           /* SQLite failed (snapshot, restore) */
    SRV_BK_DOCUMENTS,    /* a document's content is missing or damaged (backup_docs.c) */
};
const char *srv_backup_strerror(enum srv_backup_err e);

struct srv_backup_key {
    uint8_t k[SRV_BACKUP_KEY_BYTES];
    char id[17];        /* hex of the first 8 bytes of SHA-256("pacta-backup-key" || k) */
    unsigned file_mode; /* the key file's permission bits (0: from the environment) */
};
/*
 * The key from `file` (first line) or, when file is NULL, from
 * $PACTA_BACKUP_KEY: 64 hex digits or base64 of 32 bytes.  0, 1 when
 * neither is set (no key), -1 with a reason in err (never the key).
 */
int srv_backup_key_load(const char *file, struct srv_backup_key *key, char *err, size_t errlen);

/* Progress of a long step: bytes done of total (total 0: unknown). */
typedef void (*srv_backup_progress_fn)(void *ud, const char *stage, uint64_t done, uint64_t total);

enum srv_backup_method { SRV_BACKUP_API = 0, SRV_BACKUP_VACUUM = 1 };

/*
 * Copies the database at db_path into a new file dest through its own
 * read-only connection (checkpoint on close disabled: it never writes the
 * source), as one read transaction, so the copy is the database as of one
 * commit while writers go on.  dest is fsynced, in rollback-journal mode.
 */
int srv_backup_snapshot(const char *db_path, const char *dest, enum srv_backup_method method,
                        srv_backup_progress_fn progress, void *ud, char *err, size_t errlen);
/*
 * The same copy from an open connection (the writer's, for the safety copy
 * a restore takes): the backup API into dest, rollback-journal mode, fsync.
 * A connection without an open transaction is read as of one commit too.
 */
typedef struct sqlite3 sqlite3;
int srv_backup_copy_from(sqlite3 *src, const char *dest, srv_backup_progress_fn progress, void *ud,
                         char *err, size_t errlen);
/*
 * PRAGMA integrity_check (must be "ok"), then the facts a manifest records:
 * {"schema_version", "db_bytes", "sha256", "head_seq", "counts": {table: n}}.
 */
int srv_backup_inspect(const char *db_path, json_t **facts, srv_backup_progress_fn progress,
                       void *ud, char *err, size_t errlen);
/*
 * Compresses (zstd) and encrypts db_path into dir/name: written under a
 * temporary name, fsynced, renamed, the directory fsynced; on failure
 * nothing is left behind.  `manifest` (the facts plus what the caller
 * adds) gets "format", "compression", "cipher", "nonce" and "key_id";
 * *file_bytes is the size of the file written.
 */
int srv_backup_pack(const char *db_path, const char *dir, const char *name, json_t *manifest,
                    const struct srv_backup_key *key, srv_backup_progress_fn progress, void *ud,
                    uint64_t *file_bytes, char *err, size_t errlen);
/* The manifest of a file, without the key and without reading the payload. */
int srv_backup_read_manifest(const char *file, json_t **manifest, char *err, size_t errlen);
/*
 * Verifies `file` completely and leaves the database in out_db: the format,
 * the key, the schema (at most max_schema), the length, the tag, then the
 * database's SHA-256, integrity_check and row counts against the manifest.
 * On failure out_db is removed.  *manifest (new ref, may be NULL).
 * out_db NULL: the file is only read through (no disk space needed): the
 * format, key, schema, length, tag, SHA-256 and size, not integrity_check
 * nor the counts (the SHA-256 says it is the database that passed them
 * when the backup was made).
 */
int srv_backup_unpack(const char *file, const struct srv_backup_key *key, int max_schema,
                      const char *out_db, json_t **manifest, srv_backup_progress_fn progress,
                      void *ud, char *err, size_t errlen);
/* Bytes free for an unprivileged user on the file system of path, or -1. */
int64_t srv_backup_disk_free(const char *path);
/* fsync of a directory (after a rename into it); 0 or -1. */
int srv_backup_fsync_dir(const char *dir);
/*
 * The data directory's own lock, DATA_DIR/.lock (flock, held while the fd
 * is open): pactad holds it while it runs and pactactl's offline restore
 * while it works, whatever backup directory either was given, so neither
 * runs beside the other or a second pactad.  The fd (>= 0), -1 if the file
 * cannot be created (errno), -2 if another process holds it.
 */
int srv_backup_data_lock(const char *data_dir);

/* ---- documents (backup_docs.c) --------------------------------------------- */
/*
 * Before packing a snapshot: every content its live documents refer to is
 * copied, encrypted, from the live store docs_dir into backup_dir's own
 * store (once: a content stored by an earlier backup is not copied again),
 * the backup's index is written to index_path (NAME.pbk.docs), and facts
 * gets "documents": {"count", "bytes", "index_sha256"}.  Call it and the
 * packing under srv_backup_docs_lock(), so retention's sweep never sees
 * contents whose backup is not there yet.
 */
int srv_backup_docs_store(const char *snapshot_db, const char *docs_dir, const char *backup_dir,
                          const struct srv_backup_key *key, const char *index_path, json_t *facts,
                          srv_backup_progress_fn progress, void *ud, char *err, size_t errlen);
/* The bytes srv_backup_docs_store would copy: the contents the snapshot
 * refers to that backup_dir's store lacks (-1: the snapshot unreadable). */
int64_t srv_backup_docs_to_copy(const char *snapshot_db, const char *backup_dir,
                                const struct srv_backup_key *key);
/*
 * After unpacking: the unpacked database's documents match the manifest,
 * and every content they refer to is in backup_dir's store, authentic and
 * of the right SHA-256.  With restore_docs_dir, contents that store lacks
 * are written there (a restore).  SRV_BK_OK, SRV_BK_CORRUPT or
 * SRV_BK_DOCUMENTS.
 */
int srv_backup_docs_check(const char *db, const json_t *manifest, const char *backup_dir,
                          const struct srv_backup_key *key, const char *restore_docs_dir,
                          srv_backup_progress_fn progress, void *ud, char *err, size_t errlen);
/*
 * Retention: removes the contents of backup_dir's store that no backup's
 * index lists, the indexes of deleted backups and leftover temporary files.
 * Returns how many contents went, or -1 (with err) when it did nothing: a
 * backup is storing contents, or a backup with documents has no readable
 * index (then everything is kept).
 */
int srv_backup_docs_sweep(const char *backup_dir, char *err, size_t errlen);
void srv_backup_docs_lock(void);
void srv_backup_docs_unlock(void);

/* ---- restore: the same online and offline (backup_restore.c) -------------- */
/* What a restore keeps of the database it replaces (JSON texts, malloc'd). */
struct srv_backup_live {
    int64_t head;   /* its last change seq; -1: unknown (no database to replace) */
    char *catalog;  /* the backups rows, as a JSON array of objects */
    char *sessions; /* the sessions not revoked nor expired at `now` */
};
void srv_backup_live_state(sqlite3 *live, const char *now, struct srv_backup_live *out);
/* How far above the restored head a reset is numbered when the replaced
 * head is unknown: past any seq the lost database can have reached. */
#define SRV_BACKUP_UNKNOWN_HEAD_GAP (1LL << 32)
void srv_backup_live_clear(struct srv_backup_live *l);
/*
 * Makes the restored database d complete, in one transaction: today's
 * schema, live's catalog and sessions (restored sessions not live are
 * revoked), and a durable server.reset event above both heads.  *reset is
 * that event ({seq, event, data}, new ref).  backup_id is stolen (NULL:
 * null).  0, or -1 with err (nothing written).
 */
int srv_backup_prepare_restored(sqlite3 *d, const struct srv_backup_live *live, const char *now,
                                const char *actor, json_t *backup_id, const char *backup_created_at,
                                json_t **reset, char *err, size_t errlen);
/* The first column of a one-row query, as malloc'd text / an integer (0). */
char *srv_backup_query_text(sqlite3 *d, const char *sql);
int64_t srv_backup_query_int(sqlite3 *d, const char *sql);
/* SELECT of catalog rows from a JSON array ?1 of objects with its column
 * names, for INSERT INTO backups (id, file, ..., documents_unavailable). */
#define SRV_BACKUP_CATALOG_SELECT                                                                  \
    "SELECT j.value->>'id', j.value->>'file', j.value->>'kind', "                                  \
    "coalesce(j.value->>'description', ''), j.value->>'created_at', j.value->>'created_by', "      \
    "j.value->>'db_bytes', j.value->>'file_bytes', j.value->>'sha256', "                           \
    "j.value->>'schema_version', j.value->>'head_seq', "                                           \
    "json(coalesce(j.value->'counts', '{}')), coalesce(j.value->>'duration_ms', 0), "              \
    "j.value->>'verified_at', j.value->>'verify_error', "                                          \
    "coalesce(j.value->>'documents_unavailable', 0) FROM json_each(?1) AS j"

/* ---- the server module (backup.c, backup_schedule.c; loop thread) --------- */
struct srv;
struct srv_session;
struct pacta_request;
/* Loads the key, reconciles the catalog with the files, arms the schedule. */
void srv__backup_start(struct srv *srv);
void srv__backup_stop(struct srv *srv);
/*
 * Before the database is opened: takes the backup directory's .lock
 * (flock), which pactactl's offline restore needs, whether or not backups
 * are configured; -1 (logged) if another process holds it.
 */
struct srv_config;
int srv__backup_lock(const struct srv_config *cfg);
/* After the loop has ended (no pool work left): zeroes the key. */
void srv__backup_cleanup(void);
/* backups.* ops; 1 if it answered the request. */
int srv__backup_handle(struct srv_session *s, const struct pacta_request *req);
/* admin.stats / metrics: last successful backup (0 if none). */
int64_t srv__backup_last_ok_ms(void);
int64_t srv__backup_last_bytes(void);
/* Any backup operation running (the server waits for it at shutdown). */
int srv__backup_busy(void);

#endif
