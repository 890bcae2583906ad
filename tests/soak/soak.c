/*
 * pacta_soak: a real pactad (TLS on 127.0.0.1, a real SQLite file) under
 * a mixed load for a while, then checked for what a soak finds and a test
 * of minutes does not: writes lost or answered twice, events missed or
 * repeated across reconnects, lists that skip rows, memory, descriptors or
 * the write-ahead log that keep growing, a server that does not stop
 * cleanly or leaves a damaged database.
 *
 *   pacta_soak [--seconds N] [--editors N] [--watchers N] [--readers N]
 *              [--crash-every SECONDS] [--calendar-days N]
 *
 * (`make soak`: 600 seconds, then 300 with a SIGKILL and a restart every
 * 30; ctest's `soak.short` and `soak.crash`: 20, a kill every 6.)  Prints
 * a line of figures every 15 s and a summary table, and exits 1 on any
 * violation (the first 30 printed as they happen).  The threads are in soak_edit.c (editors),
 * soak_watch.c (subscribed watchers), soak_read.c (walks, dashboard,
 * exports), soak_docs.c (documents), soak_backup.c (backups),
 * soak_calendar.c (the server's clock moved on, expiry alerts, renewals)
 * and soak_presence.c (presence, and an admin watching connections);
 * soak.h says what they share.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "db_short.h"
#include "soak.h"

struct soak soak = {.mu = PTHREAD_MUTEX_INITIALIZER, .srv_mu = PTHREAD_MUTEX_INITIALIZER};
static __thread int connection_lost;

void soak_violation(const char *fmt, ...)
{
    static pthread_mutex_t print_mu = PTHREAD_MUTEX_INITIALIZER;
    long n = atomic_fetch_add(&soak.violations, 1) + 1;
    va_list ap;

    if (n > 30)
        return;
    pthread_mutex_lock(&print_mu);
    fprintf(stderr, "soak: VIOLATION at %.1f s: ", (double)(it_now_ms() - soak.start_ms) / 1000);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    pthread_mutex_unlock(&print_mu);
}

/* A connection to the server as it is now (a restart gives it a new port). */
static struct ctl_client *connect_now(void)
{
    struct it_server copy;

    pthread_mutex_lock(&soak.srv_mu);
    copy = *soak.srv;
    pthread_mutex_unlock(&soak.srv_mu);
    return it_try_connect(&copy);
}

struct ctl_client *soak_login(const char *user)
{
    int64_t give_up = it_now_ms() + (soak.crash_every > 0 ? 30000 : 0);

    for (;;) {
        json_t *error = NULL;
        struct ctl_client *c = connect_now();
        int rc = c ? ctl_client_login(c, user, SOAK_PASSWORD, &error) : -1;
        if (rc == 0)
            return c;
        if (c)
            ctl_client_close(c);
        if (rc == 1 || it_now_ms() >= give_up) {
            soak_violation("%s cannot log in: %s", user,
                           rc == 1 ? it_err_code(error) : "no server to connect to");
            json_decref(error);
            return NULL;
        }
        usleep(100000); /* restarting */
    }
}

int soak_no_answer(const char *who, const char *what)
{
    connection_lost = 1;
    if (soak.crash_every > 0)
        atomic_fetch_add(&soak.n.unanswered, 1);
    else
        soak_violation("%s: %s: no answer", who, what);
    return -1;
}

int soak_connection_lost(void)
{
    int lost = connection_lost;

    connection_lost = 0;
    return lost;
}

int soak_same_record(const json_t *a, const json_t *b)
{
    json_t *x = json_copy((json_t *)a), *y = json_copy((json_t *)b);
    static const char *const derived[] = {"days_left", "lifecycle"};

    for (size_t i = 0; i < 2; i++) {
        json_object_del(x, derived[i]);
        json_object_del(y, derived[i]);
    }
    int same = x && y && json_equal(x, y);
    json_decref(x);
    json_decref(y);
    return same;
}

int soak_request(struct ctl_client *c, const char *op, json_t *args, json_t **result)
{
    for (int tries = 0;; tries++) {
        int rc = ctl_client_request(c, op, json_incref(args), IT_TIMEOUT_MS, result);
        if (rc != 1 || strcmp(it_err_code(*result), "rate_limited") != 0 || tries == 3000) {
            json_decref(args);
            return rc;
        }
        atomic_fetch_add(&soak.n.rate_limited, 1);
        json_decref(*result);
        *result = NULL;
        usleep(10000);
    }
}

unsigned soak_rand(unsigned *state, unsigned n)
{
    return (unsigned)rand_r(state) % n;
}

void soak_date(int days, char *out)
{
    time_t t = time(NULL) + (time_t)days * 86400;
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* Under the mutex. */
static void ack_locked(struct soak_contract *m, const json_t *record)
{
    int64_t v = it_int(record, "version");
    size_t byte = (size_t)v / 8;

    if (v < 1 || v > (1LL << 30)) {
        soak_violation("%s: an answer's record has version %lld", m->number, (long long)v);
        return;
    }
    if (byte >= m->acked_bytes) {
        size_t n = 2 * byte + 16;
        if (!(m->acked = realloc(m->acked, n)))
            it_fatal("out of memory");
        memset(m->acked + m->acked_bytes, 0, n - m->acked_bytes);
        m->acked_bytes = n;
    }
    if (m->acked[byte] & (1u << (v % 8)))
        soak_violation("%s: version %lld answered twice: one edit overwrote another", m->number,
                       (long long)v);
    m->acked[byte] |= (uint8_t)(1u << (v % 8));
    if (v > m->max_version) {
        m->max_version = v;
        json_decref(m->record);
        m->record = json_deep_copy(record);
        m->deleted = !json_is_null(json_object_get(record, "deleted_at"));
    }
}

int soak_model_add(const json_t *record)
{
    int i = -1;

    pthread_mutex_lock(&soak.mu);
    if (soak.ncontracts < SOAK_MAX_CONTRACTS) {
        struct soak_contract *m = &soak.contracts[i = soak.ncontracts++];
        snprintf(m->id, sizeof m->id, "%s", it_str(record, "id"));
        snprintf(m->number, sizeof m->number, "%s", it_str(record, "number"));
        ack_locked(m, record);
    }
    pthread_mutex_unlock(&soak.mu);
    return i;
}

void soak_model_ack(int i, const json_t *record)
{
    pthread_mutex_lock(&soak.mu);
    ack_locked(&soak.contracts[i], record);
    pthread_mutex_unlock(&soak.mu);
}

/* ---- resources ----------------------------------------------------------- */

struct sample {
    long rss_kb, fds, db_fds; /* db_fds: those on the database file itself */
    long long wal_bytes;
};

/* Calls fn with each of pactad's descriptors: its number and what it is. */
static void each_fd(void (*fn)(const char *fd, const char *target, void *arg), void *arg)
{
    char dir[64], link[320], target[600];

    snprintf(dir, sizeof dir, "/proc/%d/fd", (int)soak.srv->pid);
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(link, sizeof link, "%s/%s", dir, e->d_name);
        ssize_t n = readlink(link, target, sizeof target - 1);
        target[n > 0 ? n : 0] = '\0';
        fn(e->d_name, target, arg);
    }
    if (d)
        closedir(d);
}

static void count_fd(const char *fd, const char *target, void *arg)
{
    struct sample *s = arg;
    size_t n = strlen(target);

    (void)fd;
    s->fds++;
    s->db_fds += n > 9 && strcmp(target + n - 9, "/pacta.db") == 0;
}

static struct sample sample_now(void)
{
    struct sample s = {0, 0, 0, 0};
    char path[600], line[256];
    struct stat st;

    snprintf(path, sizeof path, "/proc/%d/status", (int)soak.srv->pid);
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            s.rss_kb = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    each_fd(count_fd, &s);
    it_server_db_path(soak.srv, path, sizeof path - 8);
    strcat(path, "-wal");
    if (stat(path, &st) == 0)
        s.wal_bytes = (long long)st.st_size;
    return s;
}

/* "  fd -> target" lines, for a report. */
struct fd_list {
    char text[8192];
    size_t len;
};

static void list_fd(const char *fd, const char *target, void *arg)
{
    struct fd_list *l = arg;

    if (l->len < sizeof l->text)
        l->len +=
            (size_t)snprintf(l->text + l->len, sizeof l->text - l->len, "  %s -> %s\n", fd, target);
}

static void progress(const struct sample *s)
{
    printf("soak: %4.0f s  edits %ld (conflicts %ld)  events %ld  reconnects %ld (slow %ld)  "
           "walks %ld  documents %ld  RSS %.1f MB  fds %ld  WAL %.1f MB\n",
           (double)(it_now_ms() - soak.start_ms) / 1000, atomic_load(&soak.n.edits),
           atomic_load(&soak.n.conflicts), atomic_load(&soak.n.events),
           atomic_load(&soak.n.reconnects), atomic_load(&soak.n.slow_closes),
           atomic_load(&soak.n.walks), atomic_load(&soak.n.uploads), (double)s->rss_kb / 1024,
           s->fds, (double)s->wal_bytes / 1048576);
    fflush(stdout);
}

/* The next start of the server (under srv_mu) `days` after its clock now. */
static void restart_later(int days)
{
    char now[32];

    if (soak.fake_ms + days * SOAK_DAY_MS <=
        soak.fake_start_ms + SOAK_CALENDAR_MAX_DAYS * SOAK_DAY_MS)
        soak.fake_ms += days * SOAK_DAY_MS;
    soak_clock_text(soak.fake_ms, now);
    for (int i = 0; i + 1 < soak.srv->nargs; i++)
        if (strcmp(soak.srv->args[i], "--fake-now") == 0) {
            free(soak.srv->args[i + 1]);
            soak.srv->args[i + 1] = strdup(now);
        }
}

/* A pactad that ended without being killed (a crash of its own, which
 * --crash-every would otherwise pass for one of ours): a violation, and
 * it is started again so the run goes on. */
static void check_alive(void)
{
    int status = 0;

    if (waitpid(soak.srv->pid, &status, WNOHANG) != soak.srv->pid)
        return;
    soak_violation("pactad ended on its own: %s %d", WIFSIGNALED(status) ? "signal" : "exit status",
                   WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    pthread_mutex_lock(&soak.srv_mu);
    soak.srv->pid = 0;
    if (soak.calendar_days)
        restart_later(0);
    it_server_restart(soak.srv);
    pthread_mutex_unlock(&soak.srv_mu);
}

/* ---- the end --------------------------------------------------------------- */

/* What the server holds now, contract by contract, against the model:
 * every answered write there (the record of the last answer, or a newer
 * one only after a write that went unanswered), every version answered
 * once (no gap unless a write went unanswered), deletes that were
 * answered not_found elsewhere done; and the dashboard's total.  Keeps
 * each record as the contract's final one, for the watchers. */
static void check_final_state(struct ctl_client *admin)
{
    long live = 0, lost = atomic_load(&soak.n.lost_creates);

    for (int i = 0; i < soak.ncontracts; i++) {
        struct soak_contract *m = &soak.contracts[i];
        json_t *got = NULL;
        if (soak_request(admin, "contracts.get", json_pack("{s:s}", "id", m->id), &got) != 0)
            soak_violation("%s: contracts.get: %s", m->number, it_err_code(got));
        const json_t *rec = json_object_get(got, "contract");
        int64_t v = it_int(rec, "version");
        if (v < m->max_version)
            soak_violation("%s: version %lld was answered, the server has version %lld: an "
                           "acknowledged write is lost",
                           m->number, (long long)m->max_version, (long long)v);
        else if (v == m->max_version && !soak_same_record(rec, m->record))
            soak_violation("%s: version %lld is not the record its answer had", m->number,
                           (long long)v);
        else if (v > m->max_version && !m->uncertain)
            soak_violation("%s: the server has version %lld, the last answer was version %lld",
                           m->number, (long long)v, (long long)m->max_version);
        for (int64_t k = 1; k <= m->max_version && !m->uncertain; k++)
            if (!(m->acked[k / 8] & (1u << (k % 8))))
                soak_violation("%s: version %lld exists but no write was answered with it",
                               m->number, (long long)k);
        int deleted = !json_is_null(json_object_get(rec, "deleted_at"));
        if (m->gone_seen && !deleted)
            soak_violation("%s: a write was answered not_found, but it is not deleted", m->number);
        live += !deleted;
        m->final = json_deep_copy(rec);
        json_decref(got);
    }
    soak_calendar_final(admin);
    for (int i = 0; i < soak.ncal; i++)
        live += soak.cal[i].final != NULL; /* never deleted */
    /* a create that went unanswered may have made a contract of its own */
    json_t *dash = NULL;
    if (soak_request(admin, "stats.dashboard", json_object(), &dash) != 0)
        soak_violation("stats.dashboard: %s", it_err_code(dash));
    if (it_int(dash, "total") < live || it_int(dash, "total") > live + lost)
        soak_violation("stats.dashboard: total %lld, %ld contracts are not deleted (%ld more "
                       "may be, from creates that went unanswered)",
                       (long long)it_int(dash, "total"), live, lost);
    json_decref(dash);
}

/* The stopped server's file: SQLite's checks and each search index's own. */
static void check_database(void)
{
    static const char *const checks[] = {
        "PRAGMA integrity_check",
        "PRAGMA foreign_key_check",
        "INSERT INTO contracts_fts(contracts_fts) VALUES ('integrity-check')",
        "INSERT INTO contracts_text(contracts_text) VALUES ('integrity-check')",
        "INSERT INTO contracts_short(contracts_short) VALUES ('integrity-check')",
    };
    char path[600];
    sqlite3 *db = NULL;

    it_server_db_path(soak.srv, path, sizeof path);
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        soak_violation("cannot open %s: %s", path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return;
    }
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(db, checks[i], -1, &st, NULL);
        while (rc == SQLITE_OK || rc == SQLITE_ROW) {
            if ((rc = sqlite3_step(st)) != SQLITE_ROW)
                break;
            const char *row = (const char *)sqlite3_column_text(st, 0);
            if (i > 0 || !row || strcmp(row, "ok") != 0)
                soak_violation("%s: %s", checks[i], row ? row : "(a row)");
        }
        if (rc != SQLITE_DONE)
            soak_violation("%s: %s", checks[i], sqlite3_errmsg(db));
        sqlite3_finalize(st);
    }
    if (soak.calendar_days)
        atomic_store(&soak.n.alerts, soak_calendar_check(db));
    sqlite3_close(db);
}

/* Lines the server logged at level error, and sanitizer reports (of every
 * run of it: one killed on purpose left its report there too). */
static void check_log(void)
{
    FILE *f = fopen(soak.srv->log_path, "r");
    char line[4096];

    while (f && fgets(line, sizeof line, f))
        if (strstr(line, "\"level\":\"error\"") || strstr(line, "Sanitizer") ||
            strstr(line, "runtime error:"))
            soak_violation("the server logged: %s", line);
    if (f)
        fclose(f);
}

static void make_user(struct ctl_client *admin, const char *fmt, int i, const char *role)
{
    char user[32];

    snprintf(user, sizeof user, fmt, i);
    if (it_user_create(admin, user, SOAK_PASSWORD, role) != 0)
        it_fatal("users.create %s failed", user);
}

static int arg_int(int argc, char **argv, const char *name, int dflt)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return atoi(argv[i + 1]);
    return dflt;
}

int main(int argc, char **argv)
{
    const char *env = getenv("SOAK_SECONDS");
    char err[256];
    pthread_t th[64];
    int nth = 0;
    struct sample first = {0, 0, 0, 0}, mid = {0, 0, 0, 0}, last = {0, 0, 0, 0};
    long long wal_max = 0, wal_late_min = -1;

    soak.seconds = arg_int(argc, argv, "--seconds", env ? atoi(env) : 600);
    soak.editors = arg_int(argc, argv, "--editors", 6);
    soak.watchers = arg_int(argc, argv, "--watchers", 3);
    soak.readers = arg_int(argc, argv, "--readers", 2);
    soak.crash_every = arg_int(argc, argv, "--crash-every", 0);
    soak.calendar_days = arg_int(argc, argv, "--calendar-days", 0);
    soak.views = json_object();
    soak.views_uncertain = json_object();
    if (soak.seconds < 5 || soak.crash_every < 0 || soak.editors < 1 || soak.watchers < 1 ||
        soak.readers < 1 ||
        soak.editors + soak.watchers + soak.readers + 5 + SOAK_PRESENCE_CLIENTS > 64 ||
        soak.calendar_days < 0 || soak.calendar_days > SOAK_CALENDAR_MAX_DAYS) {
        fprintf(stderr,
                "usage: pacta_soak [--seconds N>=5] [--editors N] [--watchers N] "
                "[--readers N] [--crash-every SECONDS] [--calendar-days 0..%d] (at most "
                "56 threads)\n",
                SOAK_CALENDAR_MAX_DAYS);
        return 2;
    }
    if (srv_short_install(err, sizeof err) != 0) { /* the search indexes' checks */
        fprintf(stderr, "soak: %s\n", err);
        return 1;
    }
    it_setup("pacta_soak");
    /* small read caches: full within the first minutes, so RSS that still
     * grows after them is not pages of a growing file; backups when the
     * soak asks for them, none on a schedule */
    char fake_now[32];
    const char *server_args[] = {"--reader-cache-mb", "8", "--backup-key-file",
                                 it_backup_key_file(), "--backup-time", "off",
                                 /* the calendar's clock, from today 10:00 UTC; sessions that
                                  * outlive its months */
                                 "--fake-now", fake_now, "--session-ttl", "31536000", NULL};
    if (soak.calendar_days) {
        soak.fake_start_ms = soak.fake_ms =
            (int64_t)time(NULL) * 1000 / SOAK_DAY_MS * SOAK_DAY_MS + 36000000; /* 10:00 */
        soak_clock_text(soak.fake_ms, fake_now);
    } else {
        server_args[6] = NULL;
    }
    soak.srv = it_server_start(server_args);
    struct ctl_client *admin = it_login_admin(soak.srv);
    for (int i = 1; i <= soak.editors; i++)
        make_user(admin, "soak-ed%d", i, "editor");
    for (int i = 1; i <= soak.watchers; i++)
        make_user(admin, "soak-vi%d", i, "viewer");
    for (int i = 1; i <= soak.readers; i++)
        make_user(admin, "soak-rd%d", i, "viewer");
    make_user(admin, "soak-doc", 0, "editor");
    make_user(admin, "soak-admin", 0, "admin");
    make_user(admin, "soak-cal", 0, "editor");
    make_user(admin, "soak-mon", 0, "admin");
    for (int i = 1; i <= SOAK_PRESENCE_CLIENTS; i++)
        make_user(admin, "soak-pr%d", i, "editor");
    unsigned seed = 1;
    for (long k = 1; k <= 64; k++)
        soak_create(admin, 0, k, &seed);
    ctl_client_close(admin);           /* idle for minutes, the server would close it */
    struct sample idle = sample_now(); /* once the admin's socket is closed */
    for (int i = 0; i < 20; i++) {
        usleep(100000);
        struct sample s = sample_now();
        idle = s.fds < idle.fds ? s : idle;
    }
    static struct fd_list fds_before, fds_after;
    each_fd(list_fd, &fds_before);

    soak.start_ms = it_now_ms();
    soak.end_ms = soak.start_ms + 1000LL * soak.seconds;
    printf("soak: pactad pid %d on %s, %d s: %d editors, %d watchers, %d readers, documents, "
           "backups, presence, an admin monitor%s%s\n",
           (int)soak.srv->pid, soak.srv->url, soak.seconds, soak.editors, soak.watchers,
           soak.readers, soak.calendar_days ? ", a calendar of days" : "",
           soak.crash_every > 0 ? ", SIGKILL and a restart every few seconds" : "");
    pthread_t monitor;
    pthread_create(&monitor, NULL, soak_monitor, NULL);
    for (int i = 1; i <= soak.watchers; i++)
        pthread_create(&th[nth++], NULL, soak_watcher, (void *)(intptr_t)i);
    int first_worker = nth;
    for (int i = 1; i <= SOAK_PRESENCE_CLIENTS; i++)
        pthread_create(&th[nth++], NULL, soak_presence, (void *)(intptr_t)i);
    pthread_create(&th[nth++], NULL, soak_views, NULL);
    for (int i = 1; i <= soak.editors; i++)
        pthread_create(&th[nth++], NULL, soak_editor, (void *)(intptr_t)i);
    for (int i = 1; i <= soak.readers; i++)
        pthread_create(&th[nth++], NULL, soak_reader, (void *)(intptr_t)i);
    pthread_create(&th[nth++], NULL, soak_documents, NULL);
    pthread_create(&th[nth++], NULL, soak_backups, NULL);
    if (soak.calendar_days)
        pthread_create(&th[nth++], NULL, soak_calendar, NULL);

    /* Samples: the first after a quarter (caches and queues warm), the
     * middle one, and the last before the load stops. */
    int64_t next_print = soak.start_ms + 15000,
            next_crash = soak.start_ms + 1000LL * soak.crash_every;
    for (int64_t now; (now = it_now_ms()) < soak.end_ms;) {
        check_alive();
        if (soak.crash_every > 0 && now >= next_crash) {
            pthread_mutex_lock(&soak.srv_mu);
            it_server_kill(soak.srv);
            if (soak.calendar_days) { /* it was down for days */
                restart_later(SOAK_CALENDAR_JUMP);
                if (soak.nkills < 512) {
                    soak.kill_ms[soak.nkills] = it_now_ms();
                    soak.back_day[soak.nkills++] = soak.fake_ms / SOAK_DAY_MS;
                }
            }
            it_server_restart(soak.srv);
            pthread_mutex_unlock(&soak.srv_mu);
            atomic_fetch_add(&soak.n.crashes, 1);
            next_crash += 1000LL * soak.crash_every;
        }
        struct sample s = sample_now();
        int64_t elapsed = now - soak.start_ms, span = soak.end_ms - soak.start_ms;
        wal_max = s.wal_bytes > wal_max ? s.wal_bytes : wal_max;
        if (elapsed >= span / 4 * 3 && (wal_late_min < 0 || s.wal_bytes < wal_late_min))
            wal_late_min = s.wal_bytes;
        if (!first.rss_kb && elapsed >= span / 4)
            first = s;
        if (!mid.rss_kb && elapsed >= span / 2)
            mid = s;
        last = s;
        if (now >= next_print) {
            progress(&s);
            next_print += 15000;
        }
        usleep(500000);
    }
    last = sample_now();
    progress(&last);
    atomic_store(&soak.stop, 1);
    for (int i = first_worker; i < nth; i++)
        pthread_join(th[i], NULL);
    admin = it_login_admin(soak.srv);
    check_final_state(admin);
    ctl_client_close(admin);
    atomic_store(&soak.settled, 1);
    for (int i = 0; i < first_worker; i++)
        pthread_join(th[i], NULL);
    atomic_store(&soak.quiet, 1);
    pthread_join(monitor, NULL);

    /* every client is gone: so must their descriptors be (closes take a
     * loop turn or two to be seen) */
    struct sample after = sample_now();
    for (int i = 0; i < 50 && after.fds > idle.fds; i++) {
        usleep(100000);
        after = sample_now();
    }
    /* SQLite keeps the descriptor of a closed connection to the database
     * while others hold locks on it, and the next open reuses it: one per
     * connection of its own a request opened at the same time as others
     * (two exports at a time, a backup's snapshot) */
    if (after.fds - after.db_fds > idle.fds - idle.db_fds || after.db_fds > idle.db_fds + 3) {
        each_fd(list_fd, &fds_after);
        soak_violation("pactad holds %ld descriptors with no client, %ld before the load; "
                       "before:\n%safter:\n%s",
                       after.fds, idle.fds, fds_before.text, fds_after.text);
    }
    /* A leak shows as growth that goes on once the caches are full: the
     * second half may add a little, not a trend.  Judged on runs of five
     * minutes or more (a short run's caches are still filling) of one
     * process (no --crash-every), and not under AddressSanitizer, whose
     * quarantine holds freed memory on purpose (its leak check at pactad's
     * exit covers that build). */
    long grew_kb = last.rss_kb - mid.rss_kb, allowed_kb = 16384 + mid.rss_kb / 10;
    int judge_rss = soak.seconds >= 300 && soak.crash_every == 0;
#if defined(__SANITIZE_ADDRESS__)
    judge_rss = 0;
#endif
    if (judge_rss && grew_kb > allowed_kb)
        soak_violation("pactad's RSS grew %.1f MB in the second half (%.1f -> %.1f MB; %.1f "
                       "allowed)",
                       (double)grew_kb / 1024, (double)mid.rss_kb / 1024,
                       (double)last.rss_kb / 1024, (double)allowed_kb / 1024);
    /* A backup's snapshot or an export holds the log's checkpoints off
     * while it reads, so the log grows meanwhile (~100 MB for a backup at
     * ~1,000 edits/s); once they end the writer checkpoints it and starts it
     * over.  One that stays big for the last quarter of the run means
     * checkpoints stopped (a read that never ends, a checkpoint failing). */
    if (wal_late_min > 64LL << 20)
        soak_violation("the write-ahead log stayed over %.1f MB for the last quarter of the run",
                       (double)wal_late_min / 1048576);
    int status = it_server_stop(soak.srv);
    if (status != 0)
        soak_violation("pactad exited with %d on SIGTERM", status);
    check_database();
    check_log();

    double secs = (double)soak.seconds;
    printf("\n| soak, %d s | figure |\n|---|---|\n", soak.seconds);
    printf("| contracts (created / deleted) | %d (%ld / %ld) |\n", soak.ncontracts,
           atomic_load(&soak.n.creates), atomic_load(&soak.n.deletes));
    printf("| edits answered | %ld (%.0f/s), %ld conflicts, %ld not_found, %ld rate_limited |\n",
           atomic_load(&soak.n.edits), (double)atomic_load(&soak.n.edits) / secs,
           atomic_load(&soak.n.conflicts), atomic_load(&soak.n.not_found),
           atomic_load(&soak.n.rate_limited));
    printf("| events applied by %d watchers | %ld; %ld reconnects, %ld slow-consumer closes |\n",
           soak.watchers, atomic_load(&soak.n.events), atomic_load(&soak.n.reconnects),
           atomic_load(&soak.n.slow_closes));
    printf("| walks (rows) / dashboards / CSV exports | %ld (%ld) / %ld / %ld |\n",
           atomic_load(&soak.n.walks), atomic_load(&soak.n.walk_rows),
           atomic_load(&soak.n.dashboards), atomic_load(&soak.n.exports));
    printf("| documents uploaded (resumed) / downloaded / deleted | %ld (%ld) / %ld / %ld |\n",
           atomic_load(&soak.n.uploads), atomic_load(&soak.n.resumed_uploads),
           atomic_load(&soak.n.downloads), atomic_load(&soak.n.doc_deletes));
    printf("| pactad RSS at 1/4, 1/2, end | %.1f, %.1f, %.1f MB |\n", (double)first.rss_kb / 1024,
           (double)mid.rss_kb / 1024, (double)last.rss_kb / 1024);
    printf("| pactad RSS judged | %s |\n",
           judge_rss ? "yes" : "no (a run under 300 s, crashes, or AddressSanitizer)");
    printf("| pactad descriptors: idle before, at 1/4, at the end, idle after | %ld, %ld, %ld, "
           "%ld |\n",
           idle.fds, first.fds, last.fds, after.fds);
    printf("| WAL largest; smallest in the last quarter | %.1f MB; %.1f MB |\n",
           (double)wal_max / 1048576, (double)wal_late_min / 1048576);
    printf("| backups made and verified | %ld |\n", atomic_load(&soak.n.backups));
    printf("| presence.set answered, views saved or deleted; presence, connection and view "
           "events the monitor applied | %ld, %ld; %ld, %ld, %ld |\n",
           atomic_load(&soak.n.presence_sets), atomic_load(&soak.n.view_writes),
           atomic_load(&soak.n.presence_events), atomic_load(&soak.n.monitor_events),
           atomic_load(&soak.n.view_events));
    if (soak.calendar_days)
        printf("| calendar: days the clock moved on (by clock.set, 8 h at a time; by restarts), "
               "contracts, edits; alerts in the log (of them predicted); digests | %.0f (%ld; "
               "%ld), %ld, %ld; %ld (%ld); %ld |\n",
               (double)(soak.fake_ms - soak.fake_start_ms) / SOAK_DAY_MS,
               atomic_load(&soak.n.steps) / 3, SOAK_CALENDAR_JUMP * atomic_load(&soak.n.crashes),
               atomic_load(&soak.n.cal_creates), atomic_load(&soak.n.cal_edits),
               atomic_load(&soak.n.alerts), atomic_load(&soak.n.predicted),
               atomic_load(&soak.n.digests));
    printf("| pactad killed (SIGKILL) and restarted | %ld times; %ld requests unanswered, %ld of "
           "them creates |\n",
           atomic_load(&soak.n.crashes), atomic_load(&soak.n.unanswered),
           atomic_load(&soak.n.lost_creates));
    printf("| violations | %ld |\n\n", atomic_load(&soak.violations));
    printf("soak: %s\n", atomic_load(&soak.violations) ? "FAILED" : "passed");
    for (int i = 0; i < soak.ncontracts; i++) {
        free(soak.contracts[i].acked);
        json_decref(soak.contracts[i].record);
        json_decref(soak.contracts[i].final);
    }
    for (int i = 0; i < soak.ncal; i++) {
        json_decref(soak.cal[i].final);
    }
    json_decref(soak.views);
    json_decref(soak.views_uncertain);
    return it_done(atomic_load(&soak.violations) ? 1 : 0);
}
