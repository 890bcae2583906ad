/*
 * it_resource_fds: pactad out of file descriptors (ulimit -n low, many
 * connections) refuses new connections cleanly and recovers on its own.
 *
 * pactad starts with RLIMIT_NOFILE at 128 and the test opens connections
 * until one fails.  Then, with the connection queue full of ones it cannot
 * accept: the server does not spin (its CPU time over two seconds stays
 * low: an accept loop woken again and again by a pending connection it
 * cannot take burns a whole core), the connections it has still work, and
 * once some close, a new one is accepted without a restart.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "harness.h"
#include "it_documents_util.h"
#include "test.h"

#define MAX_CLIENTS 200

/* utime + stime of pid in clock ticks, -1 if unreadable */
static long cpu_ticks(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');
    unsigned long ut = 0, st = 0;
    /* fields after the comm: state(3) ... utime(14) stime(15) */
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return -1;
    return (long)(ut + st);
}

static struct ctl_client *try_connect(const struct it_server *s, int timeout_ms)
{
    struct ctl_ws_options o;
    struct ctl_client *c = NULL;
    char err[256] = "";
    memset(&o, 0, sizeof o);
    o.url = s->url;
    o.ca_file = it_ca_file();
    o.timeout_ms = timeout_ms;
    if (ctl_client_connect(&o, &c, err, sizeof err) < 0)
        return NULL;
    return c;
}

static int ping_ok(struct ctl_client *c)
{
    json_t *r = it_call(c, "ping", json_object(), NULL);
    json_decref(r);
    return r != NULL;
}

int main(void)
{
    static struct ctl_client *clients[MAX_CLIENTS];
    struct rlimit old, low;
    it_setup("it_resource_fds");
    REQUIRE(getrlimit(RLIMIT_NOFILE, &old) == 0);
    if (old.rlim_cur < 1024) {
        fprintf(stderr, "skipped: the test itself needs 1024 descriptors (ulimit -n)\n");
        return it_skipped();
    }
    low = old;
    low.rlim_cur = 128;
    REQUIRE(setrlimit(RLIMIT_NOFILE, &low) == 0);
    char key[600], backups[600];
    snprintf(key, sizeof key, "%s", it_backup_key_file());
    snprintf(backups, sizeof backups, "%s/backups", it_tmp_dir());
    const char *args[] = {"--max-conns-per-address",
                          "0",
                          "--backup-key-file",
                          key,
                          "--backup-time",
                          "off",
                          "--backup-dir",
                          backups,
                          NULL};
    struct it_server *s = it_server_start(args);
    REQUIRE(setrlimit(RLIMIT_NOFILE, &old) == 0);

    struct ctl_client *admin = it_login_admin(s);
    it_create_role_users(s);
    struct ctl_client *ed = it_login(s, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    json_t *k = it_contract_create(ed, NULL);
    REQUIRE(k);
    uint8_t *png = doc_png_bytes(5000, 3);
    json_t *doc = doc_upload(ed, it_str(k, "id"), "scan.png", png, 5000);
    REQUIRE(doc);
    int n = 0;
    while (n < MAX_CLIENTS) {
        struct ctl_client *c = try_connect(s, 3000);
        if (!c)
            break;
        clients[n++] = c;
    }
    fprintf(stderr, "connections before the limit: %d\n", n);
    CHECKF(n > 10 && n < MAX_CLIENTS, "%d connections with 128 descriptors", n);
    /* one more is refused at once (it hung in the queue, unanswered) */
    int64_t t = it_now_ms();
    struct ctl_client *late = try_connect(s, 3000);
    t = it_now_ms() - t;
    CHECK(late == NULL);
    CHECKF(t < 2500, "a connection past the limit waited %lld ms for nothing", (long long)t);

    long t0 = cpu_ticks(s->pid);
    usleep(2000 * 1000);
    long t1 = cpu_ticks(s->pid);
    long hz = sysconf(_SC_CLK_TCK);
    fprintf(stderr, "pactad cpu over 2 s with descriptors out: %ld ticks (%ld/s)\n", t1 - t0, hz);
    CHECKF(t0 >= 0 && t1 - t0 < hz / 2, "pactad used %ld ticks of cpu in 2 s (%ld a second)",
           t1 - t0, hz);
    CHECK(ping_ok(admin));

    /* out of descriptors: what needs a file is refused as a passing
     * shortage (unavailable, PROTOCOL.md §11), not as a bug (internal) */
    json_t *e =
        it_call_err(ed, "documents.upload.begin",
                    json_pack("{s:s,s:s,s:i,s:s}", "contract_id", it_str(k, "id"), "name", "a.pdf",
                              "size", 1000, "sha256",
                              "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
    const char *msg = e ? json_string_value(json_object_get(e, "message")) : NULL;
    CHECKF(e && strcmp(it_err_code(e), "unavailable") == 0 && msg && strstr(msg, "open files"),
           "upload begin without descriptors: %s %s", e ? it_err_code(e) : "made", msg ? msg : "");
    json_decref(e);
    e = it_call_err(ed, "export.contracts", json_pack("{s:s}", "format", "csv"));
    msg = e ? json_string_value(json_object_get(e, "message")) : NULL;
    CHECKF(e && strcmp(it_err_code(e), "unavailable") == 0 && msg && strstr(msg, "open files"),
           "export without descriptors: %s %s", e ? it_err_code(e) : "made", msg ? msg : "");
    json_decref(e);
    e = it_call_err(
        ed, "documents.download",
        json_pack("{s:s,s:i,s:i}", "id", it_str(doc, "id"), "offset", 0, "length", 5000));
    msg = e ? json_string_value(json_object_get(e, "message")) : NULL;
    CHECKF(e && strcmp(it_err_code(e), "unavailable") == 0, "download without descriptors: %s %s",
           e ? it_err_code(e) : "made", msg ? msg : "");
    json_decref(e);
    e = it_call_err(admin, "backups.create", json_object());
    msg = e ? json_string_value(json_object_get(e, "message")) : NULL;
    CHECKF(e && strcmp(it_err_code(e), "unavailable") == 0, "backup without descriptors: %s %s",
           e ? it_err_code(e) : "made", msg ? msg : "");
    json_decref(e);
    /* the database's own files are open: edits and reads go on */
    json_t *k2 = it_contract_create(ed, NULL);
    CHECK(k2 != NULL);
    json_decref(k2);
    json_t *got = it_contract_get(ed, it_str(k, "id"));
    CHECK(got != NULL);
    json_decref(got);

    for (int i = 0; i < n; i++)
        ctl_client_close(clients[i]);
    usleep(500 * 1000);
    struct ctl_client *again = try_connect(s, 5000);
    CHECK(again != NULL);
    if (again) {
        json_t *err = NULL;
        CHECK(ctl_client_login(again, "admin", IT_ADMIN_PASSWORD, &err) == 0);
        json_decref(err);
        CHECK(ping_ok(again));
        ctl_client_close(again);
    }
    CHECK(ping_ok(admin));
    /* with descriptors back, the upload begins */
    json_t *b =
        it_call(ed, "documents.upload.begin",
                json_pack("{s:s,s:s,s:i,s:s}", "contract_id", it_str(k, "id"), "name", "a.pdf",
                          "size", 1000, "sha256",
                          "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
                NULL);
    CHECK(b != NULL);
    json_decref(b);
    size_t got_len = 0;
    uint8_t *got_bytes = doc_download(ed, it_str(doc, "id"), 65536, &got_len, NULL);
    CHECK(got_bytes && got_len == 5000 && memcmp(got_bytes, png, 5000) == 0);
    free(got_bytes);
    free(png);
    json_decref(doc);
    /* and a backup is made, the refused one left nothing behind */
    json_t *made = it_call(admin, "backups.create", json_object(), NULL);
    CHECK(made != NULL);
    json_decref(made);
    json_t *list = it_call(admin, "backups.list", json_object(), NULL);
    CHECKF(list && json_array_size(json_object_get(list, "items")) == 1, "backups: %zu",
           list ? json_array_size(json_object_get(list, "items")) : 0);
    json_decref(list);
    json_decref(k);
    ctl_client_close(ed);
    ctl_client_close(admin);
    CHECK(it_server_stop(s) == 0);

    /* the log says so, in a few lines (it had one per spin, ~100,000 a second) */
    char *log = it_read_file(s->log_path);
    long lines = 0;
    for (const char *p = log; p && (p = strchr(p, '\n')); p++)
        lines++;
    CHECKF(log && lines < 1000, "%ld log lines", lines);
    CHECK(log && strstr(log, "out of file descriptors"));
    free(log);
    return it_done(test_summary());
}
