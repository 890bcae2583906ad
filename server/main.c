/*
 * pactad: start-up, the housekeeping timer, and orderly shutdown.
 *
 * Shutdown (SIGINT/SIGTERM) runs in steps on the housekeeping timer so the
 * loop keeps serving what is already in flight:
 *   1. DRAIN: new connections are refused, new requests get `unavailable`;
 *      wait for every pool job and queued write to be answered;
 *   2. CLOSE: every websocket is closed with 1001 after its queue flushed;
 *   3. STOP: the writer finishes, lws is destroyed from inside the loop, and
 *      the loop runs until every handle closed; then the database is
 *      checkpointed and closed, and pactad exits 0.
 * Each wait is bounded so a stuck peer cannot hold the process.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backup.h"
#include "dashboard.h"
#include "documents.h"
#include "export.h"
#include "log.h"
#include "srv.h"

#define HOUSEKEEPING_MS 100
#define DRAIN_MAX_MS 10000
#define CLOSE_MAX_MS 3000

enum { RUNNING, DRAINING, CLOSING, STOPPING };
static int phase = RUNNING;

uint64_t srv__now_ms(void)
{
    return uv_hrtime() / 1000000;
}

static void close_sessions(struct srv *srv)
{
    for (struct srv_session *s = srv->sessions; s; s = s->next)
        srv__session_close(s, PACTA_CLOSE_GOING_AWAY, "server shutting down", 1);
}

static void stop_everything(struct srv *srv)
{
    phase = STOPPING;
    srv__expiry_stop(srv);
    srv__backup_stop(srv);
    srv__dashboard_stop(srv);
    srv__documents_stop(srv);
    srv_db_shutdown(srv->db);
    uv_timer_stop(&srv->housekeeping);
    uv_close((uv_handle_t *)&srv->housekeeping, NULL);
    uv_close((uv_handle_t *)&srv->sigint, NULL);
    uv_close((uv_handle_t *)&srv->sigterm, NULL);
    uv_close((uv_handle_t *)&srv->sighup, NULL);
    srv__net_stop(srv);
}

static void on_housekeeping(uv_timer_t *t)
{
    struct srv *srv = t->data;
    uint64_t now = srv__now_ms();

    srv__export_tick(srv); /* also while shutting down: ends every export */
    if (phase == RUNNING) {
        srv__admin_tick(srv);
        srv__metrics_tick(srv);
        srv__limits_tick(srv);
        int64_t wall = srv_clock_now_ms();
        for (struct srv_session *s = srv->sessions; s; s = s->next) {
            if (s->close_code)
                continue;
            /* a login still being checked (queued behind others' argon2
             * after a restart, say) is answered first; a failed one closes
             * at the next tick, as its deadline has passed, after its
             * answer: "invalid credentials" was dropped when this tick came
             * before the answer was written (a loaded server), and the
             * client saw only the 1008 */
            if (!s->authenticated && !s->auth_inflight && now >= s->auth_deadline_ms)
                srv__session_close(s, PACTA_CLOSE_POLICY, "authentication timeout", 1);
            else if (s->authenticated && s->token_expires_ms && wall >= s->token_expires_ms)
                srv__session_close(s, PACTA_CLOSE_SESSION_ENDED, "session expired", 1);
            /* only a connection with nothing queued: the round trip should be
             * the network's, not our queue's */
            else if (s->authenticated && srv->cfg->ping_interval_sec && !s->ping_sent_ms &&
                     !s->ping_due && !s->q_count &&
                     now - s->ping_last_ms >= (uint64_t)srv->cfg->ping_interval_sec * 1000) {
                s->ping_due = 1;
                lws_callback_on_writable(s->wsi);
            }
        }
        return;
    }
    uint64_t waited = now - srv->shutdown_started_ms;
    if (phase == DRAINING &&
        ((srv->jobs_inflight == 0 && !srv__backup_busy()) || waited > DRAIN_MAX_MS)) {
        phase = CLOSING;
        srv->shutdown_started_ms = now;
        close_sessions(srv);
        return;
    }
    if (phase == CLOSING && (srv->n_sessions == 0 || waited > CLOSE_MAX_MS))
        stop_everything(srv);
}

static void on_signal(uv_signal_t *h, int signum)
{
    struct srv *srv = h->data;
    if (phase != RUNNING)
        return;
    srv_logf(SRV_LOG_INFO, "shutting down", "{s:s,s:i,s:i}", "signal",
             signum == SIGINT ? "SIGINT" : "SIGTERM", "connections", srv->n_sessions, "in_flight",
             srv->jobs_inflight);
    srv->shutting_down = 1;
    srv->shutdown_started_ms = srv__now_ms();
    phase = DRAINING;
    srv__ops_release_held(srv);
}

/* SIGHUP: re-read the configuration; connections stay as they are. */
static void on_sighup(uv_signal_t *h, int signum)
{
    struct srv *srv = h->data;
    json_t *changed = NULL, *restart = NULL;
    (void)signum;
    if (srv_config_reload(srv->cfg, srv->argc, srv->argv, &changed, &restart) != 0) {
        srv_log(SRV_LOG_ERROR, "config reload failed; the running configuration is unchanged");
        json_decref(changed);
        json_decref(restart);
        return;
    }
    srv_log_set_level(srv->cfg->log_level);
    srv_db_set_slow_ms(srv->db, srv->cfg->slow_statement_ms);
    if (json_array_size(restart))
        srv_logj(SRV_LOG_WARN,
                 "config reload: these settings changed but apply only after a restart",
                 json_pack("{s:O}", "needs_restart", restart));
    srv_logj(SRV_LOG_INFO, "config reloaded",
             json_pack("{s:o, s:o}", "changed", changed, "needs_restart", restart));
}

static int make_dir(const char *path)
{
    if (mkdir(path, 0700) == 0 || errno == EEXIST)
        return 0;
    srv_logf(SRV_LOG_ERROR, "cannot create data directory", "{s:s,s:s}", "dir", path, "error",
             strerror(errno));
    return -1;
}

static int readable(const char *what, const char *path)
{
    if (access(path, R_OK) == 0)
        return 1;
    srv_logf(SRV_LOG_ERROR, "cannot read file", "{s:s,s:s,s:s,s:s}", "what", what, "file", path,
             "error", strerror(errno), "hint",
             "make dev certificates with certs/gen-dev-certs.sh DIR, or pass --cert/--key");
    return 0;
}

static int64_t read_head_seq(struct srv_db *db)
{
    sqlite3 *r = srv_db_reader_acquire(db);
    int64_t head = srv_db_read_head_seq(r);
    srv_db_reader_release(db, r);
    return head;
}

int main(int argc, char **argv)
{
    struct srv_config cfg;
    struct srv srv;
    uv_loop_t loop;
    char errbuf[256] = "";
    char *generated = NULL;
    char *db_path = NULL;
    int rc;

    rc = srv_config_parse(&cfg, argc, argv);
    if (rc) {
        srv_config_clear(&cfg);
        return rc > 0 ? 0 : 2;
    }
    srv_log_set_level(cfg.log_level);
    signal(SIGPIPE, SIG_IGN);
    /*
     * Whatever pactad creates is its own: the database (every contract,
     * the password hashes) was 0644 under the usual umask, readable by
     * every account when the operator made the data directory 0755 (a
     * package, systemd's StateDirectory=).  Its -wal and -shm follow the
     * database's mode; the directories it makes were 0700 already.
     */
    umask(077);

    memset(&srv, 0, sizeof srv);
    srv.cfg = &cfg;
    srv.exit_code = 1;
    uv_loop_init(&loop);
    srv.loop = &loop;

    /* the certificates first: a server that cannot start makes no data dir */
    if (!readable("certificate", cfg.cert_file) || !readable("private key", cfg.key_file) ||
        make_dir(cfg.data_dir) || srv__backup_lock(&cfg) != 0)
        goto out;

    size_t n = strlen(cfg.data_dir) + sizeof "/pacta.db";
    db_path = malloc(n);
    if (!db_path)
        abort();
    snprintf(db_path, n, "%s/pacta.db", cfg.data_dir);
    struct srv_db_options dbo = {.path = db_path,
                                 .readers = cfg.readers,
                                 .reader_cache_mb = cfg.reader_cache_mb,
                                 .slow_statement_ms = cfg.slow_statement_ms,
                                 .session_ttl_sec = cfg.session_ttl_sec};
    if (srv_db_open(&dbo, &loop, &srv.db, &generated, errbuf, sizeof errbuf) != 0) {
        srv_logf(SRV_LOG_ERROR, "cannot open database", "{s:s,s:s}", "file", db_path, "error",
                 errbuf);
        goto out;
    }
    struct stat dbst;
    if (stat(db_path, &dbst) == 0 && (dbst.st_mode & 077))
        srv_logf(SRV_LOG_WARN, "the database file is readable by other accounts", "{s:s,s:s}",
                 "file", db_path, "hint", "chmod 600 it and its -wal and -shm");
    if (generated) {
        /* printed once, now; only its hash is stored */
        srv_logf(SRV_LOG_WARN, "created user admin with a generated password", "{s:s,s:s}",
                 "username", "admin", "password", generated);
        free(generated);
    }
    srv.head_seq = read_head_seq(srv.db);
    srv__metrics_init(&srv);
    if (srv__ops_init() != 0) {
        srv_log(SRV_LOG_ERROR, "cannot initialise password hashing");
        goto out_db;
    }

    srv__export_start(&srv); /* before listening: what a crash left is gone first */

    uv_timer_init(&loop, &srv.housekeeping);
    srv.housekeeping.data = &srv;
    uv_timer_start(&srv.housekeeping, on_housekeeping, HOUSEKEEPING_MS, HOUSEKEEPING_MS);
    uv_signal_init(&loop, &srv.sigint);
    uv_signal_init(&loop, &srv.sigterm);
    srv.sigint.data = srv.sigterm.data = &srv;
    uv_signal_start(&srv.sigint, on_signal, SIGINT);
    uv_signal_start(&srv.sigterm, on_signal, SIGTERM);
    uv_signal_init(&loop, &srv.sighup);
    srv.sighup.data = &srv;
    srv.argc = argc;
    srv.argv = argv;
    uv_signal_start(&srv.sighup, on_sighup, SIGHUP);

    srv__session_flush_start(&srv);
    if (srv__net_start(&srv) != 0) {
        stop_everything(&srv);
        uv_run(&loop, UV_RUN_DEFAULT);
        srv__net_finish(&srv);
        srv__session_flush_stop(&srv);
        goto out_db;
    }
    srv_logf(SRV_LOG_INFO, "listening", "{s:s,s:i,s:s,s:s,s:I}", "host",
             cfg.listen_host ? cfg.listen_host : "*", "port", lws_get_vhost_listen_port(srv.vhost),
             "data_dir", cfg.data_dir, "version", PACTA_VERSION, "head_seq",
             (json_int_t)srv.head_seq);
    srv__expiry_start(&srv);
    srv__backup_start(&srv);
    srv__dashboard_start(&srv);
    srv__documents_start(&srv);

    uv_run(&loop, UV_RUN_DEFAULT);
    srv__net_finish(&srv);
    srv__session_flush_stop(&srv); /* after lws: every session closed, only references drop */
    srv.exit_code = 0;

out_db:
    srv_db_close(srv.db);
    srv__ops_cleanup();
    srv__limits_cleanup();
    srv__http_cleanup();
    if (srv.exit_code == 0)
        srv_log(SRV_LOG_INFO, "stopped");
out:
    uv_run(&loop, UV_RUN_DEFAULT); /* run the close callbacks of what closed last */
    srv__backup_cleanup();         /* no pool work is left to use the key */
    srv__export_cleanup();         /* fontconfig's caches, once no PDF is drawn */
    srv__documents_cleanup();
    rc = uv_loop_close(&loop);
    if (rc)
        srv_logf(SRV_LOG_WARN, "loop closed with open handles", "{s:s}", "error", uv_strerror(rc));
    free(db_path);
    srv_config_clear(&cfg);
    return srv.exit_code;
}
