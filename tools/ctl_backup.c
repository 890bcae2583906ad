/*
 * pactactl backup: the server's backups (online, admin) and, with the
 * server stopped, verify or restore a backup file directly (offline).
 *
 *   backup list | create [--description D] | verify ID | restore ID
 *   backup verify FILE [--key-file F]
 *   backup restore FILE --data-dir DIR [--key-file F] [--backup-dir B]
 *
 * An all-digit argument is a backup id (online); anything else is a file
 * (offline).  Long operations draw a progress bar on a terminal (stderr).
 * The offline code is the server's own (server/backup_file.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backup.h"
#include "ctl.h"
#include "db-private.h"
#include "docstore.h"

static const char usage_text[] =
    "Usage: pactactl backup list [--json]\n"
    "       pactactl backup create [--description TEXT]\n"
    "       pactactl backup verify ID | FILE [--key-file F]\n"
    "       pactactl backup restore ID | FILE --data-dir DIR [--key-file F] [--backup-dir B]\n"
    "With an ID these ask the server (admin); a restore takes a safety backup first,\n"
    "swaps the database and every connected desk reloads.  With a FILE they work\n"
    "offline, with the server stopped: verify checks the key, the authentication tag,\n"
    "the checksum, integrity_check and the row counts; restore does the same, keeps\n"
    "the current database as a safety backup in the backup directory, then puts the\n"
    "backup in its place.  The key: --key-file or PACTA_BACKUP_KEY.\n";

/* ---- progress --------------------------------------------------------------- */

static void bar(const char *stage, uint64_t done, uint64_t total)
{
    static char last[64];
    if (!isatty(2))
        return;
    int pct = total ? (int)(done * 100 / total) : 0, fill = pct / 4;
    char line[64];
    snprintf(line, sizeof line, "%s %d", stage, pct);
    if (strcmp(line, last) == 0)
        return;
    snprintf(last, sizeof last, "%s", line);
    fprintf(stderr, "\r%-16s [", stage);
    for (int i = 0; i < 25; i++)
        fputc(i < fill ? '#' : '.', stderr);
    fprintf(stderr, "] %3d%%", pct);
    fflush(stderr);
}

static void bar_end(void)
{
    if (isatty(2))
        fputs("\r\033[K", stderr);
}

static void offline_progress(void *ud, const char *stage, uint64_t done, uint64_t total)
{
    (void)ud;
    bar(stage, done, total);
}

/* ---- online ------------------------------------------------------------------- */

/* Sends op and waits for its answer (no time limit: a restore of a big
 * database takes minutes), drawing backup.progress events as they come. */
static int call_with_progress(struct ctl_client *c, const char *op, json_t *args, json_t **result)
{
    struct ctl_ws *ws = ctl_client_ws(c);
    json_t *req = json_pack("{s:s, s:s, s:o}", "id", "backup-op", "op", op, "args", args);
    char *text = json_dumps(req, JSON_COMPACT);
    int rc = CTL_EXIT_CONNECT;
    json_decref(req);
    *result = NULL;
    if (ctl_ws_send_text(ws, text, strlen(text)) != 0) {
        free(text);
        return ctl__report_lost(c);
    }
    free(text);
    for (;;) {
        char *msg = NULL;
        size_t len = 0;
        int got = ctl_ws_recv(ws, 1000, &msg, &len);
        if (got == 0)
            continue;
        if (got < 0) {
            bar_end();
            return ctl__report_lost(c);
        }
        json_t *m = json_loadb(msg, len, 0, NULL);
        free(msg);
        const char *ev = json_string_value(json_object_get(m, "event"));
        if (ev && strcmp(ev, "backup.progress") == 0) {
            json_t *d = json_object_get(m, "data");
            bar(json_string_value(json_object_get(d, "stage")) ?: "",
                (uint64_t)json_integer_value(json_object_get(d, "done")),
                (uint64_t)json_integer_value(json_object_get(d, "total")));
        } else if (json_object_get(m, "ok") &&
                   strcmp(json_string_value(json_object_get(m, "id")) ?: "", "backup-op") == 0) {
            bar_end();
            if (json_is_true(json_object_get(m, "ok"))) {
                *result = json_incref(json_object_get(m, "result"));
                rc = CTL_EXIT_OK;
            } else {
                json_t *e = json_object_get(m, "error");
                ctl__errorf("%s: %s", json_string_value(json_object_get(e, "code")),
                            json_string_value(json_object_get(e, "message")));
                rc = CTL_EXIT_SERVER;
            }
            json_decref(m);
            return rc;
        }
        json_decref(m);
    }
}

static void print_list(const json_t *res)
{
    size_t i;
    const json_t *b;
    printf("%-4s %-24s %-9s %-7s %10s %10s  %s\n", "ID", "CREATED", "KIND", "STATUS", "DB", "FILE",
           "DESCRIPTION");
    json_array_foreach(json_object_get(res, "items"), i, b)
    {
        json_int_t lost = json_integer_value(json_object_get(b, "documents_unavailable"));
        printf("%-4lld %-24s %-9s %-7s %10lld %10lld  %s",
               (long long)json_integer_value(json_object_get(b, "id")),
               json_string_value(json_object_get(b, "created_at")),
               json_string_value(json_object_get(b, "kind")),
               json_string_value(json_object_get(b, "status")),
               (long long)json_integer_value(json_object_get(b, "db_bytes")),
               (long long)json_integer_value(json_object_get(b, "file_bytes")),
               json_string_value(json_object_get(b, "description")));
        if (lost > 0)
            printf(" [without %lld lost documents]", (long long)lost);
        printf("\n");
    }
}

static int online(const struct ctl_global *g, const char *sub, const char *arg,
                  const char *description, int as_json)
{
    struct ctl_client *c;
    json_t *res = NULL, *args;
    int rc;
    const char *op;

    if (strcmp(sub, "list") == 0) {
        op = "backups.list";
        args = json_object();
    } else if (strcmp(sub, "create") == 0) {
        op = "backups.create";
        args = json_pack("{s:s}", "description", description ? description : "");
    } else {
        op = strcmp(sub, "verify") == 0 ? "backups.verify" : "backups.restore";
        args = json_pack("{s:I}", "id", (json_int_t)strtoll(arg, NULL, 10));
    }
    if ((rc = ctl__session_open(g, &c))) {
        json_decref(args);
        return rc;
    }
    rc = call_with_progress(c, op, args, &res);
    if (rc == 0) {
        json_int_t lost = json_integer_value(
            json_object_get(json_object_get(res, "backup"), "documents_unavailable"));
        if (strcmp(sub, "list") == 0 && !as_json)
            print_list(res);
        else
            ctl__print_json(res, 1);
        if (strcmp(sub, "create") == 0 && lost > 0)
            fprintf(stderr,
                    "pactactl: warning: the backup is without %lld documents whose content was "
                    "already missing or damaged in the server's store (the server log names "
                    "them)\n",
                    (long long)lost);
    }
    json_decref(res);
    ctl__session_close(c);
    return rc;
}

/* ---- offline -------------------------------------------------------------------- */

/* The directory of a backup file: its documents' contents are in its
 * blobs/ (server/backup_docs.c). */
static void dir_of(const char *file, char *out, size_t n)
{
    const char *slash = strrchr(file, '/');
    if (!slash)
        snprintf(out, n, ".");
    else
        snprintf(out, n, "%.*s", (int)(slash - file), file);
}

static int load_key(const char *key_file, struct srv_backup_key *key)
{
    char err[256];
    int k = srv_backup_key_load(key_file, key, err, sizeof err);
    if (k == 1)
        ctl__errorf("no backup key: give --key-file or set PACTA_BACKUP_KEY");
    else if (k < 0)
        ctl__errorf("%s", err);
    else if (key->file_mode & 077)
        ctl__errorf("warning: %s can be read by other users (mode %04o): whoever reads it can "
                    "decrypt every backup (chmod 600 it)",
                    key_file, key->file_mode);
    return k == 0 ? 0 : CTL_EXIT_USAGE;
}

static int offline_verify(const char *file, const char *key_file)
{
    struct srv_backup_key key;
    char err[256], tmp[4200];
    const char *tmpdir = getenv("TMPDIR");
    json_t *m = NULL;
    int rc;
    if ((rc = load_key(key_file, &key)))
        return rc;
    /* the backup's database, decrypted: where the user keeps temporary
     * files, and gone however verify ends (Ctrl-C too) */
    snprintf(tmp, sizeof tmp, "%s/pactactl-verify-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int fd = ctl__tmpfile_make(tmp);
    if (fd < 0) {
        ctl__errorf("cannot create a temporary file: %s", strerror(errno));
        return CTL_EXIT_SERVER;
    }
    close(fd);
    rc = srv_backup_unpack(file, &key, srv__schema_latest(), tmp, &m, offline_progress, NULL, err,
                           sizeof err);
    if (rc == SRV_BK_OK) {
        char dir[4096];
        dir_of(file, dir, sizeof dir);
        rc =
            srv_backup_docs_check(tmp, m, dir, &key, NULL, offline_progress, NULL, err, sizeof err);
    }
    bar_end();
    unlink(tmp);
    ctl__tmpfile_disarm();
    if (rc != SRV_BK_OK) {
        ctl__errorf("%s: %s (%s)", file, srv_backup_strerror((enum srv_backup_err)rc), err);
        return CTL_EXIT_SERVER;
    }
    json_object_del(m, "nonce");
    json_t *out = json_pack("{s:b, s:o}", "ok", 1, "manifest", m);
    ctl__print_json(out, 1);
    json_decref(out);
    return CTL_EXIT_OK;
}

/* The live database's WAL is folded in and removed, so nothing of the old
 * file can be replayed onto the restored one. */
static int fold_wal(const char *db)
{
    sqlite3 *d = NULL;
    int rc = sqlite3_open_v2(db, &d, SQLITE_OPEN_READWRITE, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(d, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        ctl__errorf("%s: %s", db, d ? sqlite3_errmsg(d) : sqlite3_errstr(rc));
    sqlite3_close(d);
    return rc == SQLITE_OK ? 0 : -1;
}

/*
 * The restored database made complete as an online restore makes it
 * (backup_restore.c): today's schema, the catalog and the live sessions of
 * the database it replaces (db, if there is one: a token revoked since the
 * backup stays revoked), and a durable server.reset event numbered above
 * both heads, so no seq a client saw before is reused (PROTOCOL.md §7.2).
 */
static int prepare_restored(const char *tmp, const char *db, const json_t *manifest)
{
    sqlite3 *d = NULL;
    struct srv_backup_live live = {0};
    char err[256] = "", now[48], sec[24];
    struct timespec ts;
    json_t *reset = NULL;
    struct stat st;
    int rc;

    clock_gettime(CLOCK_REALTIME, &ts);
    strftime(sec, sizeof sec, "%Y-%m-%dT%H:%M:%S", gmtime(&ts.tv_sec));
    snprintf(now, sizeof now, "%s.%03ldZ", sec, ts.tv_nsec / 1000000);
    if (stat(db, &st) == 0) {
        if (sqlite3_open_v2(db, &d, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
            ctl__errorf("cannot read the current database: %s; nothing was changed",
                        d ? sqlite3_errmsg(d) : "out of memory");
            sqlite3_close(d);
            return -1;
        }
        srv_backup_live_state(d, now, &live);
        sqlite3_close(d);
        d = NULL;
    } else {
        live.head = -1; /* unknown: the reset is numbered past it (backup_restore.c) */
    }
    rc = sqlite3_open_v2(tmp, &d, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK ? 0 : -1;
    if (rc == 0)
        rc = srv_backup_prepare_restored(d, &live, now, "pactactl", NULL,
                                         json_string_value(json_object_get(manifest, "created_at")),
                                         &reset, err, sizeof err);
    if (rc != 0)
        ctl__errorf("cannot prepare the restored database: %s; nothing was changed",
                    err[0] ? err : sqlite3_errmsg(d));
    sqlite3_close(d);
    json_decref(reset);
    srv_backup_live_clear(&live);
    return rc;
}

static int offline_restore(const char *file, const char *data_dir, const char *key_file,
                           const char *backup_dir)
{
    struct srv_backup_key key;
    char dir[4096], lock[4200], db[4200], tmp[4200], snap[4200], name[128], err[256];
    json_t *m = NULL, *facts = NULL;
    uint64_t bytes = 0;
    struct stat st;
    int rc, lock_fd = -1, data_lock = -1;

    if ((rc = load_key(key_file, &key)))
        return rc;
    snprintf(dir, sizeof dir, "%s", backup_dir ? backup_dir : data_dir);
    if (!backup_dir)
        snprintf(dir, sizeof dir, "%s/backups", data_dir);
    snprintf(db, sizeof db, "%s/pacta.db", data_dir);
    snprintf(tmp, sizeof tmp, "%s/.restore-offline.db", data_dir);
    snprintf(lock, sizeof lock, "%s/.lock", dir);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        ctl__errorf("%s: %s", dir, strerror(errno));
        return CTL_EXIT_USAGE;
    }
    /* the data directory's lock too: pactad may keep its backups elsewhere */
    data_lock = srv_backup_data_lock(data_dir);
    if (data_lock == -1) {
        ctl__errorf("%s: %s", data_dir, strerror(errno));
        rc = CTL_EXIT_USAGE;
        goto out;
    }
    lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (data_lock < 0 || lock_fd < 0 || flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
        ctl__errorf("pactad is running on %s: stop it, or restore online with "
                    "`pactactl backup restore ID`",
                    data_dir);
        rc = CTL_EXIT_USAGE;
        goto out;
    }
    rc = srv_backup_unpack(file, &key, srv__schema_latest(), tmp, &m, offline_progress, NULL, err,
                           sizeof err);
    if (rc == SRV_BK_OK) { /* documents: checked first, restored once the rest is in place */
        char bdir[4096];
        dir_of(file, bdir, sizeof bdir);
        rc = srv_backup_docs_check(tmp, m, bdir, &key, NULL, offline_progress, NULL, err,
                                   sizeof err);
    }
    bar_end();
    if (rc != SRV_BK_OK) {
        ctl__errorf("%s: %s (%s); nothing was changed", file,
                    srv_backup_strerror((enum srv_backup_err)rc), err);
        rc = CTL_EXIT_SERVER;
        goto out;
    }
    if (stat(db, &st) == 0) {
        /* the current state first, as a safety backup the server adopts */
        snprintf(snap, sizeof snap, "%s/.snapshot-offline.db", dir);
        snprintf(name, sizeof name, "pacta-offline-%lld-safety" SRV_BACKUP_SUFFIX,
                 (long long)time(NULL));
        rc = srv_backup_snapshot(db, snap, SRV_BACKUP_API, offline_progress, NULL, err, sizeof err);
        if (rc == SRV_BK_OK)
            rc = srv_backup_inspect(snap, &facts, offline_progress, NULL, err, sizeof err);
        if (rc == SRV_BK_OK) {
            char now[48];
            struct timespec ts;
            char sec[24];
            clock_gettime(CLOCK_REALTIME, &ts);
            strftime(sec, sizeof sec, "%Y-%m-%dT%H:%M:%S", gmtime(&ts.tv_sec));
            snprintf(now, sizeof now, "%s.%03ldZ", sec, ts.tv_nsec / 1000000);
            json_object_set_new(facts, "created_at", json_string(now));
            json_object_set_new(facts, "created_by", json_string("pactactl"));
            json_object_set_new(facts, "kind", json_string("safety"));
            json_object_set_new(facts, "description", json_string("before an offline restore"));
            char docs[4200], index[4400];
            srv_docs_dir(data_dir, docs, sizeof docs);
            snprintf(index, sizeof index, "%s/%s.docs", dir, name);
            rc = srv_backup_docs_store(snap, docs, dir, &key, index, facts, offline_progress, NULL,
                                       err, sizeof err);
            if (rc == SRV_BK_OK)
                rc = srv_backup_pack(snap, dir, name, facts, &key, offline_progress, NULL, &bytes,
                                     err, sizeof err);
            if (rc != SRV_BK_OK)
                unlink(index);
        }
        unlink(snap);
        bar_end();
        if (rc != SRV_BK_OK) {
            ctl__errorf("the safety backup failed: %s (%s); nothing was changed. If the "
                        "current database is damaged, move %s (and pacta.db-wal) out of %s and "
                        "run the restore again",
                        srv_backup_strerror((enum srv_backup_err)rc), err, "pacta.db", data_dir);
            rc = CTL_EXIT_SERVER;
            goto out;
        }
        if (fold_wal(db) != 0) {
            rc = CTL_EXIT_SERVER;
            goto out;
        }
        fprintf(stderr, "pactactl: safety backup of the current database: %s\n", name);
        if (json_integer_value(json_object_get(facts, "documents_unavailable")) > 0)
            fprintf(stderr,
                    "pactactl: warning: %lld documents' contents were already missing or damaged "
                    "in the data directory; the safety backup is without them\n",
                    (long long)json_integer_value(json_object_get(facts, "documents_unavailable")));
    }
    if (prepare_restored(tmp, db, m) != 0) {
        rc = CTL_EXIT_SERVER;
        goto out;
    }
    /* the contents the restored rows refer to and the store lacks (a content
     * the restored data does not need is removed by pactad at its start) */
    char docs[4200], bdir[4096];
    srv_docs_dir(data_dir, docs, sizeof docs);
    dir_of(file, bdir, sizeof bdir);
    rc = srv_backup_docs_check(tmp, m, bdir, &key, docs, offline_progress, NULL, err, sizeof err);
    bar_end();
    if (rc != SRV_BK_OK) {
        ctl__errorf("cannot bring the documents back: %s (%s); nothing was changed",
                    srv_backup_strerror((enum srv_backup_err)rc), err);
        rc = CTL_EXIT_SERVER;
        goto out;
    }
    if (rename(tmp, db) != 0 || srv_backup_fsync_dir(data_dir) != 0) {
        ctl__errorf("cannot put the restored database in place: %s", strerror(errno));
        rc = CTL_EXIT_SERVER;
        goto out;
    }
    tmp[0] = '\0';
    json_object_del(m, "nonce");
    json_t *outj = json_pack("{s:b, s:O, s:s?}", "restored", 1, "manifest", m, "safety_backup",
                             facts ? name : NULL);
    ctl__print_json(outj, 1);
    json_decref(outj);
    rc = CTL_EXIT_OK;
out:
    if (tmp[0])
        unlink(tmp);
    if (lock_fd >= 0)
        close(lock_fd);
    if (data_lock >= 0)
        close(data_lock);
    json_decref(m);
    json_decref(facts);
    return rc;
}

/* ---- command ---------------------------------------------------------------------- */

static int is_id(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

int ctl__cmd_backup(const struct ctl_global *g, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : NULL, *arg = NULL, *description = NULL;
    const char *key_file = NULL, *data_dir = NULL, *backup_dir = NULL;
    int as_json = 0;

    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = strcmp(a, "--description") == 0  ? &description
                            : strcmp(a, "--key-file") == 0   ? &key_file
                            : strcmp(a, "--data-dir") == 0   ? &data_dir
                            : strcmp(a, "--backup-dir") == 0 ? &backup_dir
                                                             : NULL;
        if (strcmp(a, "--help") == 0) {
            fputs(usage_text, stdout);
            return CTL_EXIT_OK;
        } else if (strcmp(a, "--json") == 0) {
            as_json = 1;
        } else if (slot) {
            if (i + 1 >= argc) {
                ctl__errorf("%s needs a value", a);
                return CTL_EXIT_USAGE;
            }
            *slot = argv[++i];
        } else if (!arg && a[0] != '-') {
            arg = a;
        } else {
            fputs(usage_text, stderr);
            return CTL_EXIT_USAGE;
        }
    }
    if (!sub || strcmp(sub, "--help") == 0) {
        fputs(usage_text, sub ? stdout : stderr);
        return sub ? CTL_EXIT_OK : CTL_EXIT_USAGE;
    }
    if ((strcmp(sub, "list") == 0 || strcmp(sub, "create") == 0) && !arg)
        return online(g, sub, NULL, description, as_json);
    if ((strcmp(sub, "verify") == 0 || strcmp(sub, "restore") == 0) && arg) {
        if (is_id(arg))
            return online(g, sub, arg, NULL, as_json);
        if (strcmp(sub, "verify") == 0)
            return offline_verify(arg, key_file);
        if (!data_dir) {
            ctl__errorf("backup restore FILE needs --data-dir DIR (the server's, stopped)");
            return CTL_EXIT_USAGE;
        }
        return offline_restore(arg, data_dir, key_file, backup_dir);
    }
    fputs(usage_text, stderr);
    return CTL_EXIT_USAGE;
}
