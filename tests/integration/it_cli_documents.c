/*
 * it_cli_documents: `pactactl documents` end to end against a real pactad.
 *
 *  1. upload a multi-chunk file, list it, download it (-o) byte for byte;
 *     delete it and it is gone from the list;
 *  2. the network drops in the middle of an upload (a TCP relay between
 *     pactactl and pactad cuts the connection after some bytes): pactactl
 *     reconnects and resumes on its own, and the document is the file;
 *  3. an upload begun elsewhere and left unfinished is completed by
 *     running the command: it resumes from what the server has;
 *  4. refusals: a viewer cannot upload (exit 1); a bad command line exits
 *     2; download -o replaces the file it names, atomically;
 *  5. without -o, a name the protocol does not allow (a database edited by
 *     hand, or a server that lies) is not used to save the file.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "it_documents_util.h"
#include "test.h"

static char env_url[128], env_ca[600], env_user[64], env_pass[64];
static char *ctl_env[] = {env_url, env_ca, env_user, env_pass, NULL};

static int ctl(char **out, char **err, const char *a1, const char *a2, const char *a3,
               const char *a4, const char *a5, const char *a6)
{
    char *argv[] = {PACTACTL_BIN, "documents", (char *)a1, (char *)a2, (char *)a3,
                    (char *)a4,   (char *)a5,  (char *)a6, NULL};
    int rc = it_run(argv, ctl_env, 60000, out, err);
    fprintf(stderr, "pactactl documents %s %s -> %d\n", a1 ? a1 : "", a2 ? a2 : "", rc);
    return rc;
}

static void as_user(const struct it_server *s, const char *url, const char *user, const char *pw)
{
    snprintf(env_url, sizeof env_url, "PACTA_URL=%s", url ? url : s->url);
    snprintf(env_ca, sizeof env_ca, "PACTA_CA=%s", it_ca_file());
    snprintf(env_user, sizeof env_user, "PACTA_USER=%s", user);
    snprintf(env_pass, sizeof env_pass, "PACTA_PASSWORD=%s", pw);
}

static void write_bytes(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    REQUIRE(f && fwrite(data, 1, n, f) == n);
    fclose(f);
}

static int same_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    uint8_t *buf = malloc(n + 1);
    size_t got = fread(buf, 1, n + 1, f);
    fclose(f);
    int same = got == n && memcmp(buf, data, n) == 0;
    free(buf);
    return same;
}

/* ---- a TCP relay that drops its first connection --------------------------------- */

static int relay_listen_fd, relay_target_port;
static atomic_int relay_cut_after, relay_cuts, relay_stop;

static void pump(int a, int b, long cut)
{
    char buf[16384];
    long up = 0;
    struct pollfd p[2] = {{.fd = a, .events = POLLIN}, {.fd = b, .events = POLLIN}};
    while (!atomic_load(&relay_stop) && poll(p, 2, 200) >= 0) {
        for (int k = 0; k < 2; k++) {
            if (!(p[k].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t n = read(p[k].fd, buf, sizeof buf);
            if (n <= 0)
                return;
            if (write(p[1 - k].fd, buf, (size_t)n) != n)
                return;
            if (k == 0 && cut > 0 && (up += n) >= cut) {
                atomic_fetch_add(&relay_cuts, 1);
                return; /* the network goes away: no close frame, no FIN first */
            }
        }
    }
}

static void *relay_main(void *arg)
{
    (void)arg;
    while (!atomic_load(&relay_stop)) {
        struct pollfd p = {.fd = relay_listen_fd, .events = POLLIN};
        if (poll(&p, 1, 200) <= 0)
            continue;
        int c = accept(relay_listen_fd, NULL, NULL);
        if (c < 0)
            continue;
        int t = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(relay_target_port)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (connect(t, (struct sockaddr *)&a, sizeof a) == 0)
            pump(c, t, atomic_exchange(&relay_cut_after, 0));
        struct linger l = {1, 0}; /* RST: an abrupt loss */
        setsockopt(c, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        setsockopt(t, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        close(c);
        close(t);
    }
    return NULL;
}

/* A relay to the server's port; its URL in url.  One connection at a
 * time is enough for pactactl. */
static pthread_t relay_start(const struct it_server *s, char *url, size_t n)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t len = sizeof a;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    relay_listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(bind(relay_listen_fd, (struct sockaddr *)&a, sizeof a) == 0);
    REQUIRE(listen(relay_listen_fd, 8) == 0);
    getsockname(relay_listen_fd, (struct sockaddr *)&a, &len);
    relay_target_port = s->port;
    snprintf(url, n, "wss://127.0.0.1:%d/", ntohs(a.sin_port));
    pthread_t th;
    pthread_create(&th, NULL, relay_main, NULL);
    return th;
}

int main(void)
{
    it_setup("it_cli_documents");
    struct it_server *s = it_server_start(NULL);
    it_create_role_users(s);
    struct ctl_client *ed = it_login(s, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    json_t *k = it_contract_create(ed, NULL);
    REQUIRE(k);
    const char *contract = it_str(k, "id");
    char path[700], back[700], *out = NULL, *err = NULL;

    /* 1. upload, list, download, delete */
    size_t n = 10 * PACTA_DOC_CHUNK_MAX + 123;
    uint8_t *data = doc_png_bytes(n, 41);
    snprintf(path, sizeof path, "%s/plan de obra.png", it_tmp_dir());
    write_bytes(path, data, n);
    as_user(s, NULL, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    CHECK(ctl(&out, &err, "upload", contract, path, NULL, NULL, NULL) == 0);
    json_t *doc = out ? json_loads(out, 0, NULL) : NULL;
    CHECK(doc && it_int(doc, "size") == (json_int_t)n);
    CHECK(doc && strcmp(it_str(doc, "name"), "plan de obra.png") == 0);
    free(out);
    free(err);
    CHECK(ctl(&out, NULL, "list", contract, NULL, NULL, NULL, NULL) == 0);
    CHECK(out && strstr(out, "plan de obra.png") && strstr(out, it_str(doc, "id")));
    free(out);
    /* --name: the same file attached again under another name */
    CHECK(ctl(&out, NULL, "upload", contract, path, "--name", "Plano firmado.png", NULL) == 0);
    json_t *renamed = out ? json_loads(out, 0, NULL) : NULL;
    CHECKF(renamed && strcmp(it_str(renamed, "name"), "Plano firmado.png") == 0, "uploaded as %s",
           renamed ? it_str(renamed, "name") : "?");
    CHECK(ctl(NULL, NULL, "delete", renamed ? it_str(renamed, "id") : "-", NULL, NULL, NULL,
              NULL) == 0);
    json_decref(renamed);
    free(out);
    snprintf(back, sizeof back, "%s/back.png", it_tmp_dir());
    as_user(s, NULL, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    CHECK(ctl(NULL, &err, "download", it_str(doc, "id"), "-o", back, NULL, NULL) == 0);
    CHECK(same_file(back, data, n));
    free(err);
    /* -o names the file to write: replaced atomically */
    CHECK(ctl(NULL, NULL, "download", it_str(doc, "id"), "-o", back, NULL, NULL) == 0);
    CHECK(same_file(back, data, n));
    /* 4. a viewer cannot upload */
    CHECK(ctl(NULL, &err, "upload", contract, path, NULL, NULL, NULL) == 1);
    CHECK(err && strstr(err, "forbidden"));
    free(err);
    CHECK(ctl(NULL, NULL, "upload", contract, NULL, NULL, NULL, NULL) == 2);
    CHECK(ctl(NULL, NULL, "frobnicate", NULL, NULL, NULL, NULL, NULL) == 2);
    as_user(s, NULL, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    CHECK(ctl(NULL, NULL, "delete", it_str(doc, "id"), NULL, NULL, NULL, NULL) == 0);
    CHECK(ctl(&out, NULL, "list", contract, "--json", NULL, NULL, NULL) == 0);
    CHECK(out && !strstr(out, it_str(doc, "id")));
    free(out);
    json_decref(doc);

    /* 2. the network drops mid-upload: pactactl resumes by itself */
    char relay_url[128];
    pthread_t relay = relay_start(s, relay_url, sizeof relay_url);
    size_t big = 40 * PACTA_DOC_CHUNK_MAX + 5;
    uint8_t *bigdata = doc_png_bytes(big, 43);
    snprintf(path, sizeof path, "%s/big.png", it_tmp_dir());
    write_bytes(path, bigdata, big);
    atomic_store(&relay_cut_after, 600000); /* about half of it, base64 included */
    as_user(s, relay_url, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    CHECK(ctl(&out, &err, "upload", contract, path, NULL, NULL, NULL) == 0);
    CHECK(atomic_load(&relay_cuts) == 1);
    CHECK(err && strstr(err, "resuming"));
    doc = out ? json_loads(out, 0, NULL) : NULL;
    REQUIRE(doc);
    size_t got = 0;
    uint8_t *down = doc_download(ed, it_str(doc, "id"), PACTA_DOC_DOWNLOAD_MAX, &got, NULL);
    CHECK(down && got == big && memcmp(down, bigdata, big) == 0);
    free(down);
    free(out);
    free(err);
    json_decref(doc);
    atomic_store(&relay_stop, 1);
    pthread_join(relay, NULL);
    close(relay_listen_fd);

    /* 3. begun elsewhere, left unfinished: the command completes it */
    uint8_t *half = doc_png_bytes(n, 47);
    snprintf(path, sizeof path, "%s/half.png", it_tmp_dir());
    write_bytes(path, half, n);
    json_t *b = doc_begin(ed, contract, "half.png", half, n, NULL, NULL);
    REQUIRE(b);
    REQUIRE(doc_send(ed, it_str(b, "upload_id"), half, 0, 4 * PACTA_DOC_CHUNK_MAX,
                     PACTA_DOC_CHUNK_MAX) == 0);
    as_user(s, NULL, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    CHECK(ctl(&out, NULL, "upload", contract, path, NULL, NULL, NULL) == 0);
    doc = out ? json_loads(out, 0, NULL) : NULL;
    REQUIRE(doc);
    down = doc_download(ed, it_str(doc, "id"), PACTA_DOC_DOWNLOAD_MAX, &got, NULL);
    CHECK(down && got == n && memcmp(down, half, n) == 0);
    free(down);
    free(out);
    /* the upload it finished is gone: beginning again starts from zero */
    json_t *again = doc_begin(ed, contract, "half.png", half, n, NULL, NULL);
    CHECK(again && it_int(again, "received") == 0);
    json_decref(again);
    json_decref(doc);
    json_decref(b);

    free(half);
    free(bigdata);
    ctl_client_close(ed);

    /* 5. a stored name the protocol does not allow (the file edited by
     * hand): download without -o does not save under it */
    snprintf(path, sizeof path, "%s/odd.png", it_tmp_dir());
    write_bytes(path, data, 1000);
    as_user(s, NULL, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    CHECK(ctl(&out, NULL, "upload", contract, path, NULL, NULL, NULL) == 0);
    json_t *odd = out ? json_loads(out, 0, NULL) : NULL;
    free(out);
    REQUIRE(odd);
    char db_path[600], sql[300];
    REQUIRE(it_server_stop(s) == 0);
    it_server_db_path(s, db_path, sizeof db_path);
    sqlite3 *db = NULL;
    REQUIRE(sqlite3_open(db_path, &db) == SQLITE_OK);
    snprintf(sql, sizeof sql,
             "UPDATE documents SET name = 'two' || char(10) || 'lines.png' WHERE id = '%s'",
             it_str(odd, "id"));
    CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK && sqlite3_changes(db) == 1);
    sqlite3_close(db);
    it_server_restart(s);
    as_user(s, NULL, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    char cwd[600];
    REQUIRE(getcwd(cwd, sizeof cwd) && chdir(it_tmp_dir()) == 0);
    CHECK(ctl(NULL, &err, "download", it_str(odd, "id"), NULL, NULL, NULL, NULL) == 1);
    CHECKF(err && strstr(err, "not a plain file name"), "stderr: %s", err ? err : "");
    free(err);
    CHECK(access("two\nlines.png", F_OK) != 0);
    REQUIRE(chdir(cwd) == 0);
    json_decref(odd);

    free(data);
    json_decref(k);
    CHECK(it_server_stop(s) == 0);
    return it_done(test_summary());
}
