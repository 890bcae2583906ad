/*
 * Integration-test harness: runs a real pactad on 127.0.0.1 (ephemeral
 * port, real TLS with dev certs, a temp data dir) and gives tests connected,
 * logged-in ctl_clients, users of each role and contracts.
 *
 * One test program = one temp dir (created by it_setup(), certs generated
 * there once).  The program ends with `return it_done(test_summary());`:
 * that stops every server still running and removes the temp dir when the
 * program passed, or keeps it and prints its path when it failed.  A
 * REQUIRE failure (exit) or a harness failure keeps the dir as well.
 *
 * Harness helpers named it_must_* / it_login / it_connect exit the program
 * with a clear message when the thing they set up cannot be set up: that is
 * a broken environment, not an assertion of the test.
 */
#ifndef PACTA_IT_HARNESS_H
#define PACTA_IT_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>
#include <sqlite3.h>

#include "client.h"

#define IT_ADMIN_PASSWORD "admin-pass-0123"
/* Passwords of the users it_create_role_users() makes. */
#define IT_EDITOR_USER "ed"
#define IT_EDITOR_PASSWORD "editor-pass-0123"
#define IT_VIEWER_USER "vi"
#define IT_VIEWER_PASSWORD "viewer-pass-0123"
#define IT_ADMIN2_USER "ad2"
#define IT_ADMIN2_PASSWORD "admin2-pass-0123"

/*
 * Generous timeouts: a hang fails the test, nothing here measures speed.
 * Multiplied by 10 when pactad runs under a wrapper (see it_wrapped()).
 */
#define IT_TIMEOUT_MS it_timeout_ms()
int it_timeout_ms(void);
/*
 * 1 when PACTA_PACTAD_WRAPPER is set: every pactad the harness starts runs
 * as `$PACTA_PACTAD_WRAPPER pactad ...` (words split on spaces), e.g.
 * "valgrind --error-exitcode=99 ..." for `make memcheck`.  Start, stop and
 * request timeouts are then ten times longer.
 */
int it_wrapped(void);

struct it_server {
    char data_dir[512];
    char log_path[512];
    char url[64];
    int port;
    pid_t pid;      /* 0 when not running */
    long log_start; /* offset in log_path where the current run began */
    char *args[32]; /* extra command-line args (owned copies) */
    int nargs;
    int index;
};

/* Prints "harness: " and the message to stderr and exits with 1. */
void it_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Creates the temp dir and the certs; exits on failure.  Call first. */
void it_setup(const char *test_name);
/* Path of the temp dir and of the pinned CA. */
const char *it_tmp_dir(void);
const char *it_ca_file(void);
/* Stops servers, removes (rc == 0) or keeps the temp dir; returns rc. */
int it_done(int rc);

/*
 * Starts a pactad on a fresh data dir with `extra` (NULL-terminated, may be
 * NULL) appended to its command line, waits for the "listening" log line
 * and returns the server.  Exits with the log printed if it does not start.
 */
struct it_server *it_server_start(const char *const *extra);
/* Starts it again on the same data dir and args (new port). */
void it_server_restart(struct it_server *s);
/*
 * SIGTERM and wait (up to 30 s, then SIGKILL).  Returns the exit status
 * (0..255), or 128 + signal if it died of one, or -1 if it had to be killed.
 */
int it_server_stop(struct it_server *s);
/* SIGKILL and reap: a crash. */
void it_server_kill(struct it_server *s);
/* Prints the log of the current run (or the whole log) to stderr. */
void it_server_dump_log(const struct it_server *s);
/* Path of the SQLite file in the data dir. */
void it_server_db_path(const struct it_server *s, char *out, size_t outlen);
/* For tests that poke or read the file directly: runs q (the test exits
 * with SQLite's message if it fails), and the first column of q's first
 * row as an int (-1 if there is none). */
void it_sql(sqlite3 *db, const char *q);
int it_sql_int(sqlite3 *db, const char *q);
/* A stopped server's database replaced by a copy of the file `path` (its
 * -wal and -shm removed): it_server_restart starts it on the copy (the
 * benches' million-contract files).  0, or -1 (printed). */
int it_server_use_copy(const struct it_server *s, const char *path);

/* ---- clients ------------------------------------------------------------- */
/* Connects (no login) with the pinned CA; NULL + message on failure. */
struct ctl_client *it_try_connect(const struct it_server *s);
struct ctl_client *it_connect(const struct it_server *s); /* exits on failure */
struct ctl_ws *it_ws_connect(const struct it_server *s);  /* raw ws; exits on failure */
/* A raw ws logged in as user (requests then go out without waiting for
 * answers); exits on failure. */
struct ctl_ws *it_ws_login(const struct it_server *s, const char *user, const char *password);
/* An unlabelled counter or gauge of GET /metrics (no token), -1 if the
 * scrape failed or has no such line. */
long it_metric(const struct it_server *s, const char *name);
/* The session ids of `user`'s connections (admin.connections.list as
 * `admin`), up to max; returns how many there are. */
int it_sessions_of(struct ctl_client *admin, const char *user, json_int_t *ids, int max);
/* 1 if a websocket with this Origin header (NULL: none) is accepted. */
int it_origin_ok(const struct it_server *s, const char *origin);
/* Connect + auth.login; exits on failure. */
struct ctl_client *it_login(const struct it_server *s, const char *user, const char *password);
struct ctl_client *it_login_admin(const struct it_server *s);

/* users.create as the given admin client; 0 on ok. */
int it_user_create(struct ctl_client *admin, const char *username, const char *password,
                   const char *role);
/* Creates IT_EDITOR_USER, IT_VIEWER_USER and IT_ADMIN2_USER; exits on failure. */
void it_create_role_users(const struct it_server *s);

/*
 * Calls op and returns the result (new ref) on ok; NULL on an error
 * response (printed, and *error set to a new ref if error is non-NULL) or
 * on a transport failure (printed).
 */
json_t *it_call(struct ctl_client *c, const char *op, json_t *args_steal, json_t **error);
/* Calls op, expecting an error; returns the error object (new ref) or NULL
 * (printed) if the op succeeded or the transport failed. */
json_t *it_call_err(struct ctl_client *c, const char *op, json_t *args_steal);
/* admin.clock.set {now} as c (an admin of a --fake-now server); the test
 * exits if the server refuses it. */
void it_set_clock(struct ctl_client *c, const char *now);
/* On a raw websocket (it_ws_connect / it_ws_login): sends one request with
 * an integer id (exits if it cannot), and the next response, events
 * skipped (NULL after IT_TIMEOUT_MS or a close). */
void it_ws_send(struct ctl_ws *ws, int id, const char *op, json_t *args_steal);
json_t *it_ws_response(struct ctl_ws *ws);
/* The "code"/"field" string of an error object, "" if absent. */
const char *it_err_code(const json_t *error);
const char *it_err_field(const json_t *error);

/* ---- contracts ----------------------------------------------------------- */
/* Arguments of a valid contracts.create with a unique number (thread-safe). */
json_t *it_contract_args(void);
/* contracts.create with it_contract_args() plus `fields` (object, stolen,
 * may be NULL); returns the contract (new ref) or NULL (printed). */
json_t *it_contract_create(struct ctl_client *c, json_t *fields_steal);
/* contracts.get -> contract (new ref) or NULL. */
json_t *it_contract_get(struct ctl_client *c, const char *id);
/* contracts.update {id, version, changes, reason?} -> result or NULL (error in *error). */
json_t *it_contract_update(struct ctl_client *c, const char *id, json_int_t version,
                           json_t *changes_steal, const char *reason, json_t **error);

/* String / integer member of an object, "" / -1 when absent. */
const char *it_str(const json_t *obj, const char *key);
json_int_t it_int(const json_t *obj, const char *key);

/*
 * Waits for the next event named `name` (NULL: any event), skipping others
 * (counted in *skipped if non-NULL).  Returns the event (new ref) or NULL on
 * timeout/close.
 */
json_t *it_wait_event(struct ctl_client *c, const char *name, int timeout_ms, int *skipped);
/*
 * Reads from a client until the server closes it (events are discarded);
 * returns the close code, 0 on timeout, -2 on a transport error.
 */
int it_wait_close(struct ctl_client *c, int timeout_ms);
int it_ws_wait_close(struct ctl_ws *ws, int timeout_ms);

/* ---- processes ----------------------------------------------------------- */
/* Monotonic milliseconds. */
int64_t it_now_ms(void);
/*
 * Runs argv (argv[0] a path) with env additions `env` (NULL-terminated
 * "K=V" strings, may be NULL), stdout and stderr captured into *out / *err
 * (malloc'd, may be NULL to discard).  Kills it after timeout_ms.  Returns
 * the exit status, 128 + signal, or -1 if it could not run / timed out.
 */
int it_run(char *const argv[], char *const env[], int timeout_ms, char **out, char **err);
/* Starts argv in the background with stdout+stderr to out_path; returns pid. */
pid_t it_spawn(char *const argv[], char *const env[], const char *out_path);
/* Waits up to timeout_ms for a spawned pid to end: its exit status, or
 * 128 + signal; -1 if it was still running (then it is killed). */
int it_wait_pid(pid_t pid, int timeout_ms);
/* A file under the test's temp dir holding IT_BACKUP_KEY, for
 * --backup-key-file (written at the first call). */
#define IT_BACKUP_KEY "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
const char *it_backup_key_file(void);
/* The backups.list item of backup `id` (new ref), NULL when there is none. */
json_t *it_backup_item(struct ctl_client *admin, json_int_t id);
/* Mounts a tmpfs of `size` ("36m") on dir (made), unmounted at exit: a
 * small disk to fill.  0, or -1 with a "skipped" line printed when it
 * cannot be done here (not root): the test then returns it_skipped(). */
int it_mount_tmpfs(const char *dir, const char *size);
/* What a test returns when it could not run here (no tmpfs without root):
 * ctest reports it as skipped (SKIP_RETURN_CODE in tests/CMakeLists.txt),
 * not as passed, so a machine where it tests nothing shows. */
#define IT_SKIPPED 77
int it_skipped(void);
/* Unmounts it now (before it_done removes the temp dir). */
void it_unmount_tmpfs(void);
/* Bytes free for a user on dir's file system, or -1. */
long long it_free_bytes(const char *dir);
/* Writes dir/filler (its path in path_out) so that about `leave` bytes
 * stay free there; exits on failure. */
void it_fill_disk(const char *dir, long long leave, char *path_out, size_t n);
/*
 * A database that was big and is small again: 40 MB of zeros go into the
 * live database at db (through a connection of the test's own), then
 * backups.create is called, then the filler is dropped and the database
 * vacuumed back to its size before.  Returns the backup (new ref), whose
 * db_bytes is over 40 MB and its file small (zeros compress).
 */
json_t *it_backup_of_a_big_past(struct ctl_client *admin, const char *db);
/* Reads a whole file (malloc'd, NUL-terminated) or NULL. */
char *it_read_file(const char *path);

#endif
