/*
 * Fuzz target: the whole request dispatcher of pactad (srv__ops_handle and
 * everything behind it: decoders, admin/presence/notify handlers, the
 * subscription replay, pool reads and the writer thread) against a real
 * SQLite database in a temporary directory (on tmpfs /dev/shm when there is
 * one, so synchronous=FULL costs nothing).
 *
 * One process = one server: a struct srv with its uv loop, srv_db opened
 * once, the expiry scheduler started, users admin, editor and viewer.
 * The database is replaced by a fresh one every RECYCLE_INPUTS inputs so
 * the changes log (replayed by `subscribe {since:0}`) and the tables stay
 * small and each run's speed stays flat.
 *
 * One input = one or more frames, one per line ('\n': then wait until every
 * job it started finished; 0x1f: do not wait, so requests overlap).  A line
 * may start with "a ", "e ", "v " or "n " to send it on the admin's, the
 * editor's, the viewer's or a not yet authenticated connection; otherwise it
 * goes where the previous line went (first: admin).  Each input gets four
 * fresh connections (session ids 1..4 in that order), the fake clock back at
 * FAKE_NOW, and no login lockouts, so an input means the same whenever it
 * runs, save for what earlier inputs stored in the database.
 *
 * Connections are not lws connections: see fuzz_dispatch_seams.c.  The
 * oracle, besides ASan/UBSan: every frame the server writes is a JSON object
 * shaped as PROTOCOL.md §2 says (a response or an event), and a connection
 * that was never closed got exactly one response per request.
 */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup.h"
#include "documents.h"
#include "fuzz_dispatch.h"

#define FAKE_NOW "2026-03-01T09:00:00Z"
#define ADMIN_PASSWORD "fuzz-admin-password"
#define RECYCLE_INPUTS 2000
#define N_SLOTS 4

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static const struct {
    char letter;
    const char *user; /* NULL: not logged in */
    enum pacta_role role;
} slot_def[N_SLOTS] = {
    {'a', "admin", PACTA_ROLE_ADMIN},
    {'e', "editor", PACTA_ROLE_EDITOR},
    {'v', "viewer", PACTA_ROLE_VIEWER},
    {'n', NULL, PACTA_ROLE_NONE},
};

struct slot {
    struct fuzz_wsi wsi;
    struct srv_session *s;
    unsigned requests;
    int was_closed; /* closed during this input: responses may have been dropped */
};

static struct {
    int ready;
    int trace; /* $PACTA_FUZZ_TRACE: print every frame out */
    struct srv_config cfg;
    struct srv srv;
    uv_loop_t loop;
    uv_timer_t keepalive;
    char dir[256], path[300];
    int64_t fake_now_ms;
    uint64_t mono_ms;
    unsigned inputs;
    struct slot slots[N_SLOTS];
} F;

/* Monotonic time of the server (main.c's is not linked): advances 5 s per
 * input, so token buckets refill and admin updates are due, deterministically. */
uint64_t srv__now_ms(void)
{
    return F.mono_ms;
}

static void die(const char *what)
{
    fprintf(stderr, "fuzz_dispatch: %s\n", what);
    abort();
}

/* ---- the oracle: every frame out is a protocol message -------------------- */

void fuzz__frame_out(struct fuzz_wsi *w, const char *buf, size_t len)
{
    json_error_t jerr;
    json_t *m = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    const json_t *ok, *id;

    if (!json_is_object(m)) {
        fprintf(stderr, "fuzz_dispatch: server frame is not a JSON object (%s): %.*s\n", jerr.text,
                (int)(len > 300 ? 300 : len), buf);
        abort();
    }
    if (F.trace)
        fprintf(stderr, "%c< %.*s\n", slot_def[w->slot].letter, (int)(len > 400 ? 400 : len), buf);
    ok = json_object_get(m, "ok");
    id = json_object_get(m, "id");
    if (ok) {
        const json_t *body = json_object_get(m, json_is_true(ok) ? "result" : "error");
        if (!json_is_boolean(ok) || !id ||
            !(json_is_integer(id) || json_is_string(id) || json_is_null(id)) ||
            !json_is_object(body))
            die("response without boolean ok, id, or result/error object");
        if (json_is_false(ok)) {
            const char *code = json_string_value(json_object_get(body, "code"));
            if (!code || pacta_code_from_name(code) == PACTA_CODE__COUNT || !strcmp(code, "ok") ||
                !json_is_string(json_object_get(body, "message")))
                die("error response without a known code and a message");
        }
        w->responses++;
    } else {
        const json_t *seq = json_object_get(m, "seq");
        if (!json_is_string(json_object_get(m, "event")) ||
            !json_is_object(json_object_get(m, "data")) ||
            (seq && !(json_is_integer(seq) && json_integer_value(seq) > 0)))
            die("event without a name, a data object, or with a bad seq");
        w->events++;
    }
    json_decref(m);
}

/* ---- running the loop ---------------------------------------------------- */

static void on_keepalive(uv_timer_t *t)
{
    (void)t; /* only keeps uv_run(UV_RUN_ONCE) waiting for the writer */
}

/* What lws would do: WRITEABLE callbacks while a session wants them, and
 * CLOSED for a connection the session asked to close. */
static int service_connections(void)
{
    int progress = 0;
    for (int i = 0; i < N_SLOTS; i++) {
        struct slot *sl = &F.slots[i];
        if (!sl->s)
            continue;
        if (sl->wsi.writable && !sl->wsi.closed) {
            sl->wsi.writable = 0;
            if (srv__session_writeable(sl->s) < 0)
                sl->wsi.closed = 1;
            progress = 1;
        }
        if (sl->wsi.closed) {
            srv__session_closed(sl->s);
            sl->s = NULL;
            sl->was_closed = 1;
            progress = 1;
        }
    }
    return progress;
}

/* Runs until no job, write or frame is pending. */
static void settle(void)
{
    for (;;) {
        if (F.srv.staged) { /* what pactad's uv_check writes at the turn's end */
            srv__session_flush(&F.srv);
            continue;
        }
        if (service_connections())
            continue;
        if (F.srv.jobs_inflight == 0 && srv_db_writer_idle(F.srv.db))
            break;
        uv_run(&F.loop, UV_RUN_ONCE);
    }
    uv_run(&F.loop, UV_RUN_NOWAIT); /* close callbacks */
}

/* ---- connections ----------------------------------------------------------- */

static void slot_open(int i)
{
    struct slot *sl = &F.slots[i];
    char token_hash[65], token[64];

    memset(&sl->wsi, 0, sizeof sl->wsi);
    sl->wsi.magic = FUZZ_WSI_MAGIC;
    sl->wsi.slot = i;
    sl->s = srv__session_new(&F.srv, (struct lws *)&sl->wsi);
    if (!slot_def[i].user)
        return;
    /* what a successful auth.login leaves behind (ops.c set_authenticated),
     * without a login per input */
    snprintf(token, sizeof token, "fuzz-token-of-%s", slot_def[i].user);
    srv_auth_token_hash(token, token_hash);
    sl->s->authenticated = 1;
    snprintf(sl->s->username, sizeof sl->s->username, "%s", slot_def[i].user);
    sl->s->role = slot_def[i].role;
    snprintf(sl->s->token_hash, sizeof sl->s->token_hash, "%s", token_hash);
    sl->s->display_name = strdup(slot_def[i].user);
    srv__admin_changed(sl->s);
}

/* A request as net.c hands it over: counted, NUL-terminated, in a buffer of
 * its own exact size (so ASan sees any read past it). */
static void send_frame(int i, const char *buf, size_t len)
{
    struct slot *sl = &F.slots[i];
    if (!sl->s) { /* it was closed (kicked, logged out elsewhere): reconnect */
        slot_open(i);
        sl->requests = 0;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        abort();
    memcpy(copy, buf, len);
    copy[len] = '\0';
    sl->requests++;
    sl->s->msgs_in++;
    sl->s->bytes_in += len;
    F.srv.metrics.messages_in++;
    F.srv.metrics.bytes_in += len;
    sl->s->last_activity_ms = srv_clock_now_ms();
    sl->s->admin_dirty = 1;
    srv__ops_handle(sl->s, copy, len);
    free(copy);
}

/* ---- set-up ------------------------------------------------------------------ */

static void remove_db_files(void)
{
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    char p[320];
    for (size_t i = 0; i < sizeof suffix / sizeof *suffix; i++) {
        snprintf(p, sizeof p, "%s%s", F.path, suffix[i]);
        unlink(p);
    }
}

/* Opens a fresh database and creates the editor and viewer (admin exists). */
static void db_open_fresh(void)
{
    /* a statement journal's 16 MiB first chunk is an mmap, a shadow
     * poisoning and an unmap under ASan: ~30% of this target's time; with
     * 256 KiB the bigger batches also reach SQLite's spill to a temp file */
    struct srv_db_options o = {
        .path = F.path, .readers = 2, .session_ttl_sec = 3600, .stmt_journal_spill = 256 * 1024};
    char err[256] = "";
    char *generated = NULL;
    static const char *const create[] = {
        "{\"id\":1,\"op\":\"users.create\",\"args\":{\"username\":\"editor\","
        "\"password\":\"fuzz-editor-password\",\"role\":\"editor\"}}",
        "{\"id\":2,\"op\":\"users.create\",\"args\":{\"username\":\"viewer\","
        "\"password\":\"fuzz-viewer-password\",\"role\":\"viewer\"}}",
    };

    remove_db_files();
    if (srv_db_open(&o, &F.loop, &F.srv.db, &generated, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_dispatch: cannot open %s: %s\n", F.path, err);
        abort();
    }
    free(generated);
    sqlite3 *r = srv_db_reader_acquire(F.srv.db);
    F.srv.head_seq = srv_db_read_head_seq(r);
    srv_db_reader_release(F.srv.db, r);

    F.srv.next_session_id = 0;
    slot_open(0);
    for (size_t i = 0; i < sizeof create / sizeof *create; i++)
        send_frame(0, create[i], strlen(create[i]));
    settle();
    if (!F.slots[0].s || F.slots[0].wsi.responses != 2)
        die("set-up: users.create of editor and viewer got no answer");
    srv__session_closed(F.slots[0].s);
    F.slots[0].s = NULL;
    settle();
}

static void db_close(void)
{
    settle();
    srv_db_shutdown(F.srv.db);
    settle();
    srv_db_close(F.srv.db);
    F.srv.db = NULL;
    uv_run(&F.loop, UV_RUN_NOWAIT);
}

/* The documents store and uploads under the data dir (nested directories). */
static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void cleanup(void)
{
    if (!F.ready)
        return;
    F.ready = 0;
    srv__expiry_stop(&F.srv);
    srv__documents_stop(&F.srv);
    srv__backup_stop(&F.srv);
    db_close();
    srv__session_flush_stop(&F.srv);
    uv_close((uv_handle_t *)&F.keepalive, NULL);
    uv_run(&F.loop, UV_RUN_DEFAULT);
    uv_loop_close(&F.loop);
    srv__ops_cleanup();
    srv__limits_cleanup();
    srv__documents_cleanup();
    srv__backup_cleanup();
    char docs[320];
    snprintf(docs, sizeof docs, "%s/documents", F.dir);
    nftw(docs, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    srv_config_clear(&F.cfg);
    remove_db_files();
    rmdir(F.dir);
}

/*
 * A fuzz process that crashed or was killed leaves its directory behind
 * (on tmpfs, in RAM): remove those whose process is gone.  Names carry the
 * pid: pacta-fuzz-PID-XXXXXX.
 */
static void remove_stale_dirs(const char *base)
{
    DIR *d = opendir(base);
    struct dirent *e;
    char path[512], file[800];

    if (!d)
        return;
    while ((e = readdir(d))) {
        long pid;
        if (sscanf(e->d_name, "pacta-fuzz-%ld-", &pid) != 1 || pid <= 0 || pid == (long)getpid() ||
            kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        snprintf(path, sizeof path, "%s/%s", base, e->d_name);
        DIR *sub = opendir(path);
        struct dirent *f;
        while (sub && (f = readdir(sub))) {
            if (strcmp(f->d_name, ".") && strcmp(f->d_name, "..")) {
                snprintf(file, sizeof file, "%s/%s", path, f->d_name);
                unlink(file);
            }
        }
        if (sub)
            closedir(sub);
        rmdir(path);
    }
    closedir(d);
}

static void setup(void)
{
    /* no held failed-login answers: an input's frames would wait up to 1.6 s */
    char *argv[] = {"pactad-fuzz", "--data-dir", F.dir, "--log-level",   "debug", "--fake-now",
                    FAKE_NOW,      "--rate",     "50",  "--login-delay", "0",     NULL};
    struct stat st;
    const char *base =
        stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0
            ? "/dev/shm"
            : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");

    F.trace = getenv("PACTA_FUZZ_TRACE") != NULL;
    remove_stale_dirs(base);
    snprintf(F.dir, sizeof F.dir, "%s/pacta-fuzz-%ld-XXXXXX", base, (long)getpid());
    if (!mkdtemp(F.dir))
        die("cannot create a temporary directory");
    snprintf(F.path, sizeof F.path, "%s/pacta.db", F.dir);
    setenv("PACTA_ADMIN_PASSWORD", ADMIN_PASSWORD, 1);
    if (srv_config_parse(&F.cfg, (int)(sizeof argv / sizeof *argv) - 1, argv) != 0)
        die("cannot parse the fuzz server's options");
    srv_log_set_level(SRV_LOG_DEBUG);
    F.fake_now_ms = F.cfg.fake_now_ms;
    F.mono_ms = 1000000;

    uv_loop_init(&F.loop);
    F.srv.loop = &F.loop;
    F.srv.cfg = &F.cfg;
    uv_timer_init(&F.loop, &F.keepalive);
    uv_timer_start(&F.keepalive, on_keepalive, 1000, 1000);
    srv__metrics_init(&F.srv);
    srv__session_flush_start(&F.srv);
    if (srv__ops_init() != 0)
        die("srv__ops_init failed");
    db_open_fresh();
    srv__expiry_start(&F.srv);
    /* as pactad starts it, without a key: backups.* answer (list, or
     * unavailable) instead of reaching a module that was never started */
    unsetenv("PACTA_BACKUP_KEY");
    srv__backup_start(&F.srv);
    srv__documents_start(&F.srv); /* documents.* with a real store under F.dir */
    settle();
    F.ready = 1;
    atexit(cleanup);
}

/* ---- one input ------------------------------------------------------------- */

static int slot_of(char letter)
{
    for (int i = 0; i < N_SLOTS; i++)
        if (slot_def[i].letter == letter)
            return i;
    return -1;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    int cur = 0;

    if (!F.ready)
        setup();
    if (++F.inputs % RECYCLE_INPUTS == 0) {
        db_close();
        db_open_fresh();
    }
    srv_clock_set_fake_ms(F.fake_now_ms);
    F.mono_ms += 5000;
    srv__limits_cleanup();
    F.srv.next_session_id = 0;
    for (int i = 0; i < N_SLOTS; i++) {
        slot_open(i);
        F.slots[i].requests = 0;
        F.slots[i].was_closed = 0;
    }

    while (p < end) {
        const char *q = p;
        while (q < end && *q != '\n' && *q != 0x1f)
            q++;
        int wait = q == end || *q == '\n';
        if (q - p >= 2 && p[1] == ' ' && slot_of(p[0]) >= 0) {
            cur = slot_of(p[0]);
            p += 2;
        }
        if (q > p)
            send_frame(cur, p, (size_t)(q - p));
        if (wait)
            settle();
        p = q < end ? q + 1 : end;
    }
    settle();
    F.mono_ms += 2500; /* admin.connection.updated is due: */
    srv__admin_tick(&F.srv);
    settle();

    for (int i = 0; i < N_SLOTS; i++) {
        struct slot *sl = &F.slots[i];
        if (sl->s && !sl->was_closed && !sl->s->close_code && sl->wsi.responses != sl->requests) {
            fprintf(stderr, "fuzz_dispatch: connection %c: %u requests, %u responses\n",
                    slot_def[i].letter, sl->requests, sl->wsi.responses);
            abort();
        }
        if (sl->s) {
            srv__session_closed(sl->s);
            sl->s = NULL;
        }
    }
    settle();
    if (F.srv.n_sessions != 0 || F.srv.sessions)
        die("sessions left after every connection closed");
    return 0;
}
