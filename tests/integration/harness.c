/*
 * Integration-test harness: see harness.h.
 *
 * Servers are child processes of the test program, started from the main
 * thread (PR_SET_PDEATHSIG kills them if the test dies, and it fires when the
 * forking thread exits, so worker threads must not start servers).
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "db_short.h"

#define MAX_SERVERS 16
#define START_TIMEOUT_MS (30000 * wrap_factor())
#define STOP_TIMEOUT_MS (30000 * wrap_factor())
#define MAX_WRAPPER_WORDS 24

static char tmp_dir[256];
static char ca_file[320];
static char cert_file[320];
static char key_file[320];
static char name_of_test[64];
static struct it_server *servers[MAX_SERVERS];
static int nservers;
static int done_called;

void it_fatal(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "harness: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

int it_wrapped(void)
{
    const char *w = getenv("PACTA_PACTAD_WRAPPER");
    return w && *w;
}

/* valgrind runs pactad 10-50 times slower: every wait grows with it */
static int wrap_factor(void)
{
    return it_wrapped() ? 10 : 1;
}

int it_timeout_ms(void)
{
    return 10000 * wrap_factor();
}

int64_t it_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

char *it_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0;
    if (!f)
        return NULL;
    for (;;) {
        if (cap - len < 4096) {
            cap = cap ? cap * 2 : 8192;
            buf = realloc(buf, cap);
            if (!buf)
                it_fatal("out of memory");
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        if (n == 0)
            break;
        len += n;
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
}

/* ---- processes ------------------------------------------------------------ */

static void child_setup_env(char *const env[])
{
    for (int i = 0; env && env[i]; i++) {
        char *copy = strdup(env[i]);
        if (copy)
            putenv(copy);
    }
}

/* Waits for pid up to timeout_ms; returns the raw status or -1 on timeout. */
static int wait_pid_timeout(pid_t pid, int timeout_ms, int *status)
{
    int64_t deadline = it_now_ms() + timeout_ms;
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid)
            return 0;
        if (r < 0 && errno != EINTR)
            return -1;
        if (it_now_ms() >= deadline)
            return -1;
        sleep_ms(5);
    }
}

static int decode_status(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

static void append(char **buf, size_t *len, const char *data, size_t n)
{
    *buf = realloc(*buf, *len + n + 1);
    if (!*buf)
        it_fatal("out of memory");
    memcpy(*buf + *len, data, n);
    *len += n;
    (*buf)[*len] = '\0';
}

int it_run(char *const argv[], char *const env[], int timeout_ms, char **out, char **err)
{
    int po[2], pe[2], status = 0, rc = -1;
    char *obuf = NULL, *ebuf = NULL;
    size_t olen = 0, elen = 0;
    append(&obuf, &olen, "", 0);
    append(&ebuf, &elen, "", 0);
    if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0)
        it_fatal("pipe: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0)
        it_fatal("fork: %s", strerror(errno));
    if (pid == 0) {
        dup2(po[1], 1);
        dup2(pe[1], 2);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        child_setup_env(env);
        execv(argv[0], argv);
        fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    int64_t deadline = it_now_ms() + timeout_ms;
    int open_fds = 2;
    struct pollfd pfd[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
    while (open_fds > 0) {
        int64_t left = deadline - it_now_ms();
        if (left <= 0) {
            fprintf(stderr, "harness: %s timed out after %d ms; killed\n", argv[0], timeout_ms);
            kill(pid, SIGKILL);
            break;
        }
        int n = poll(pfd, 2, (int)left);
        if (n < 0 && errno == EINTR)
            continue;
        for (int i = 0; i < 2; i++) {
            if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char chunk[4096];
            ssize_t r = read(pfd[i].fd, chunk, sizeof chunk);
            if (r <= 0) {
                close(pfd[i].fd);
                pfd[i].fd = -1;
                open_fds--;
            } else if (i == 0) {
                append(&obuf, &olen, chunk, (size_t)r);
            } else {
                append(&ebuf, &elen, chunk, (size_t)r);
            }
        }
    }
    for (int i = 0; i < 2; i++)
        if (pfd[i].fd >= 0)
            close(pfd[i].fd);
    int64_t left = deadline - it_now_ms();
    if (wait_pid_timeout(pid, left > 0 ? (int)left : 0, &status) < 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        rc = -1;
    } else {
        rc = decode_status(status);
    }
    if (out)
        *out = obuf;
    else
        free(obuf);
    if (err)
        *err = ebuf;
    else
        free(ebuf);
    return rc;
}

pid_t it_spawn(char *const argv[], char *const env[], const char *out_path)
{
    pid_t pid = fork();
    if (pid < 0)
        it_fatal("fork: %s", strerror(errno));
    if (pid == 0) {
        int fd = open(out_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd < 0)
            _exit(127);
        dup2(fd, 1);
        dup2(fd, 2);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        child_setup_env(env);
        execv(argv[0], argv);
        fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    return pid;
}

const char *it_backup_key_file(void)
{
    static char path[700];
    if (!path[0]) {
        snprintf(path, sizeof path, "%s/backup.key", it_tmp_dir());
        FILE *f = fopen(path, "w");
        if (!f || fchmod(fileno(f), 0600) != 0 || fputs(IT_BACKUP_KEY "\n", f) < 0 ||
            fclose(f) != 0)
            it_fatal("cannot write %s: %s", path, strerror(errno));
    }
    return path;
}

static char tmpfs_dir[700];

long long it_free_bytes(const char *dir)
{
    struct statvfs v;
    return statvfs(dir, &v) == 0 ? (long long)v.f_bavail * (long long)v.f_frsize : -1;
}

void it_fill_disk(const char *dir, long long leave, char *path_out, size_t n)
{
    static char block[1 << 16];
    snprintf(path_out, n, "%s/filler", dir);
    long long fill = it_free_bytes(dir) - leave;
    FILE *f = fopen(path_out, "wb");
    if (fill <= 0 || !f)
        it_fatal("cannot fill %s to leave %lld bytes free", dir, leave);
    for (long long done = 0; done < fill; done += (long long)sizeof block)
        if (fwrite(block, 1, sizeof block, f) != sizeof block)
            it_fatal("writing %s: %s", path_out, strerror(errno));
    if (fclose(f) != 0)
        it_fatal("writing %s: %s", path_out, strerror(errno));
}

json_t *it_backup_of_a_big_past(struct ctl_client *admin, const char *db)
{
    sqlite3 *w = NULL;
    if (sqlite3_open_v2(db, &w, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        it_fatal("cannot open %s", db);
    sqlite3_busy_timeout(w, 10000);
    it_sql(w, "CREATE TABLE it_filler(b BLOB)");
    for (int i = 0; i < 40; i++)
        it_sql(w, "INSERT INTO it_filler VALUES (zeroblob(1000000))");
    it_sql(w, "PRAGMA wal_checkpoint(TRUNCATE)");
    json_t *made = it_call(admin, "backups.create", json_object(), NULL);
    json_t *b = made ? json_incref(json_object_get(made, "backup")) : NULL;
    json_decref(made);
    if (!b || it_int(b, "db_bytes") <= 40000000)
        it_fatal("backup of the 40 MB database: %s", b ? "too small" : "failed");
    it_sql(w, "DROP TABLE it_filler");
    it_sql(w, "VACUUM");
    it_sql(w, "PRAGMA wal_checkpoint(TRUNCATE)");
    sqlite3_close(w);
    return b;
}

void it_unmount_tmpfs(void)
{
    if (tmpfs_dir[0] && umount2(tmpfs_dir, MNT_DETACH) == 0)
        tmpfs_dir[0] = '\0';
}

int it_mount_tmpfs(const char *dir, const char *size)
{
    char opts[64];
    snprintf(opts, sizeof opts, "size=%s,mode=0700", size);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        it_fatal("mkdir %s: %s", dir, strerror(errno));
    if (tmpfs_dir[0] || geteuid() != 0 || mount("tmpfs", dir, "tmpfs", 0, opts) != 0) {
        printf("skipped: a small tmpfs cannot be mounted here (%s)\n",
               tmpfs_dir[0]     ? "one at a time"
               : geteuid() != 0 ? "mounting needs root"
                                : strerror(errno));
        return -1;
    }
    snprintf(tmpfs_dir, sizeof tmpfs_dir, "%s", dir);
    atexit(it_unmount_tmpfs);
    return 0;
}

int it_skipped(void)
{
    it_done(0); /* nothing to keep */
    return IT_SKIPPED;
}

int it_wait_pid(pid_t pid, int timeout_ms)
{
    int status = 0;
    int64_t t0 = it_now_ms();
    pid_t r;
    while ((r = waitpid(pid, &status, WNOHANG)) == 0 && it_now_ms() - t0 < timeout_ms)
        usleep(10000);
    if (r == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        return -1;
    }
    if (r < 0)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ---- temp dir ------------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void kill_all_servers(void)
{
    for (int i = 0; i < nservers; i++) {
        struct it_server *s = servers[i];
        if (s && s->pid > 0) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, NULL, 0);
            s->pid = 0;
        }
    }
}

/* Runs at exit whether the test returned through it_done() or not: a
 * REQUIRE failure must not leave pactad processes behind. */
static void at_exit_cleanup(void)
{
    if (done_called)
        return;
    kill_all_servers();
    if (tmp_dir[0])
        fprintf(stderr, "harness: %s did not finish cleanly; keeping %s\n", name_of_test, tmp_dir);
}

void it_setup(const char *test_name)
{
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    snprintf(name_of_test, sizeof name_of_test, "%s", test_name);
    if ((size_t)snprintf(tmp_dir, sizeof tmp_dir, "%s/pacta-%s-XXXXXX", base, test_name) >=
        sizeof tmp_dir)
        it_fatal("TMPDIR is too long: %s", base);
    if (!mkdtemp(tmp_dir))
        it_fatal("mkdtemp %s: %s", tmp_dir, strerror(errno));
    atexit(at_exit_cleanup);
    /* A test never dies of a write to a socket the server closed. */
    signal(SIGPIPE, SIG_IGN);
    /* A test's own connection that writes contracts fires the triggers of
     * contracts_short, which need its tokenizer (schema_short.h). */
    char short_err[256];
    if (srv_short_install(short_err, sizeof short_err) != 0)
        it_fatal("%s", short_err);

    char certs[280];
    snprintf(certs, sizeof certs, "%s/certs", tmp_dir);
    char script[PATH_MAX];
    snprintf(script, sizeof script, "%s/certs/gen-dev-certs.sh", PACTA_SOURCE_DIR);
    char *argv[] = {"/bin/sh", script, certs, NULL};
    char *out = NULL, *err = NULL;
    int rc = it_run(argv, NULL, 60000, &out, &err);
    if (rc != 0)
        it_fatal("%s %s failed (%d): %s%s", script, certs, rc, out ? out : "", err ? err : "");
    free(out);
    free(err);
    snprintf(ca_file, sizeof ca_file, "%s/ca.pem", certs);
    snprintf(cert_file, sizeof cert_file, "%s/server.pem", certs);
    snprintf(key_file, sizeof key_file, "%s/server.key", certs);
    if (access(ca_file, R_OK) || access(cert_file, R_OK) || access(key_file, R_OK))
        it_fatal("gen-dev-certs.sh did not write ca.pem/server.pem/server.key in %s", certs);
}

const char *it_tmp_dir(void)
{
    return tmp_dir;
}

const char *it_ca_file(void)
{
    return ca_file;
}

int it_done(int rc)
{
    for (int i = 0; i < nservers; i++) {
        struct it_server *s = servers[i];
        /* a server that does not stop cleanly (a sanitizer report at exit, a
         * hang) fails the test even when every check passed */
        if (s->pid > 0 && it_server_stop(s) != 0) {
            fprintf(stderr, "harness: pactad #%d did not exit cleanly\n", s->index);
            rc = rc ? rc : 1;
        }
    }
    if (rc == 0) {
        nftw(tmp_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    } else {
        fprintf(stderr, "harness: %s failed; keeping %s (server logs: srv*.log)\n", name_of_test,
                tmp_dir);
    }
    for (int i = 0; i < nservers; i++) {
        for (int j = 0; j < servers[i]->nargs; j++)
            free(servers[i]->args[j]);
        free(servers[i]);
    }
    nservers = 0;
    done_called = 1;
    return rc;
}

/* ---- servers -------------------------------------------------------------- */

void it_server_dump_log(const struct it_server *s)
{
    /* The tail is what explains a failure; a sanitizer report can be long. */
    enum { TAIL = 12000 };
    char *log = it_read_file(s->log_path);
    const char *run = log && (long)strlen(log) >= s->log_start ? log + s->log_start : "";
    size_t len = strlen(run);
    fprintf(stderr, "---- %s%s ----\n%s---- end of log ----\n", s->log_path,
            len > TAIL ? " (last 12000 bytes)" : "", len > TAIL ? run + len - TAIL : run);
    free(log);
}

void it_server_db_path(const struct it_server *s, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s/pacta.db", s->data_dir);
}

void it_sql(sqlite3 *db, const char *q)
{
    char *err = NULL;
    if (sqlite3_exec(db, q, NULL, NULL, &err) != SQLITE_OK)
        it_fatal("%s: %s", q, err ? err : sqlite3_errmsg(db));
}

int it_sql_int(sqlite3 *db, const char *q)
{
    sqlite3_stmt *st = NULL;
    int n = -1;
    if (sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n;
}

int it_server_use_copy(const struct it_server *s, const char *path)
{
    char db[600], side[620], buf[1 << 16];
    size_t n;
    it_server_db_path(s, db, sizeof db);
    snprintf(side, sizeof side, "%s-wal", db);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", db);
    unlink(side);
    FILE *in = fopen(path, "rb"), *out = fopen(db, "wb");
    int rc = in && out ? 0 : -1;
    while (rc == 0 && (n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            rc = -1;
    if (in)
        fclose(in);
    if (out && fclose(out) != 0)
        rc = -1;
    if (rc != 0)
        fprintf(stderr, "harness: cannot copy %s to %s\n", path, db);
    return rc;
}

/* Finds the "listening" line of the current run; returns its port or 0. */
static int find_listening_port(const struct it_server *s)
{
    char *log = it_read_file(s->log_path);
    int port = 0;
    if (!log)
        return 0;
    char *p = (long)strlen(log) >= s->log_start ? log + s->log_start : log;
    while (p && *p && !port) {
        char *nl = strchr(p, '\n');
        if (!nl)
            break; /* a partial line: wait for the rest */
        *nl = '\0';
        if (strstr(p, "listening")) {
            json_t *line = json_loads(p, 0, NULL);
            const char *msg = json_string_value(json_object_get(line, "msg"));
            json_t *jport = json_object_get(line, "port");
            if (msg && strcmp(msg, "listening") == 0 && json_is_integer(jport))
                port = (int)json_integer_value(jport);
            json_decref(line);
        }
        p = nl + 1;
    }
    free(log);
    return port;
}

static void server_spawn(struct it_server *s)
{
    char *argv[48 + MAX_WRAPPER_WORDS];
    char wrapper[1024] = "";
    int n = 0;
    if (it_wrapped()) {
        snprintf(wrapper, sizeof wrapper, "%s", getenv("PACTA_PACTAD_WRAPPER"));
        for (char *save = NULL, *w = strtok_r(wrapper, " ", &save); w && n < MAX_WRAPPER_WORDS;
             w = strtok_r(NULL, " ", &save))
            argv[n++] = w;
    }
    argv[n++] = PACTAD_BIN;
    argv[n++] = "--data-dir";
    argv[n++] = s->data_dir;
    argv[n++] = "--listen";
    argv[n++] = "127.0.0.1:0";
    argv[n++] = "--cert";
    argv[n++] = cert_file;
    argv[n++] = "--key";
    argv[n++] = key_file;
    for (int i = 0; i < s->nargs; i++)
        argv[n++] = s->args[i];
    argv[n] = NULL;

    struct stat st;
    s->log_start = stat(s->log_path, &st) == 0 ? (long)st.st_size : 0;
    pid_t pid = fork();
    if (pid < 0)
        it_fatal("fork: %s", strerror(errno));
    if (pid == 0) {
        int fd = open(s->log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd < 0)
            _exit(127);
        dup2(fd, 2);
        dup2(fd, 1);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        setenv("PACTA_ADMIN_PASSWORD", IT_ADMIN_PASSWORD, 1);
        execvp(argv[0], argv); /* pactad's absolute path, or the wrapper on PATH */
        fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    s->pid = pid;

    int64_t t0 = it_now_ms();
    for (;;) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            s->pid = 0;
            it_server_dump_log(s);
            it_fatal("pactad exited (status %d) before listening", decode_status(status));
        }
        s->port = find_listening_port(s);
        if (s->port > 0)
            break;
        if (it_now_ms() - t0 > START_TIMEOUT_MS) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            s->pid = 0;
            it_server_dump_log(s);
            it_fatal("pactad did not log {\"msg\":\"listening\"} within %d ms", START_TIMEOUT_MS);
        }
        sleep_ms(10);
    }
    snprintf(s->url, sizeof s->url, "wss://127.0.0.1:%d/", s->port);
    fprintf(stderr, "harness: pactad #%d pid %d listening on port %d (%lld ms)\n", s->index,
            (int)pid, s->port, (long long)(it_now_ms() - t0));
}

struct it_server *it_server_start(const char *const *extra)
{
    if (!tmp_dir[0])
        it_fatal("it_setup() must be called first");
    if (nservers == MAX_SERVERS)
        it_fatal("too many servers");
    struct it_server *s = calloc(1, sizeof *s);
    if (!s)
        it_fatal("out of memory");
    s->index = nservers;
    snprintf(s->data_dir, sizeof s->data_dir, "%s/srv%d", tmp_dir, s->index);
    snprintf(s->log_path, sizeof s->log_path, "%s/srv%d.log", tmp_dir, s->index);
    /* it may exist: a test mounted a small disk there (it_mount_tmpfs) */
    if (mkdir(s->data_dir, 0700) < 0 && errno != EEXIST)
        it_fatal("mkdir %s: %s", s->data_dir, strerror(errno));
    for (int i = 0; extra && extra[i] && s->nargs < 31; i++)
        s->args[s->nargs++] = strdup(extra[i]);
    servers[nservers++] = s;
    server_spawn(s);
    return s;
}

void it_server_restart(struct it_server *s)
{
    if (s->pid > 0)
        it_fatal("restart of a running server");
    server_spawn(s);
}

int it_server_stop(struct it_server *s)
{
    int status = 0, rc;
    if (s->pid <= 0)
        return -1;
    int64_t t0 = it_now_ms();
    kill(s->pid, SIGTERM);
    if (wait_pid_timeout(s->pid, STOP_TIMEOUT_MS, &status) < 0) {
        fprintf(stderr, "harness: pactad pid %d ignored SIGTERM for %d ms; killing\n", (int)s->pid,
                STOP_TIMEOUT_MS);
        kill(s->pid, SIGKILL);
        waitpid(s->pid, &status, 0);
        rc = -1;
    } else {
        rc = decode_status(status);
    }
    fprintf(stderr, "harness: pactad #%d stopped: exit status %d (%lld ms)\n", s->index, rc,
            (long long)(it_now_ms() - t0));
    if (rc != 0)
        it_server_dump_log(s);
    s->pid = 0;
    return rc;
}

void it_server_kill(struct it_server *s)
{
    if (s->pid <= 0)
        return;
    kill(s->pid, SIGKILL);
    waitpid(s->pid, NULL, 0);
    fprintf(stderr, "harness: pactad #%d killed with SIGKILL\n", s->index);
    s->pid = 0;
}
