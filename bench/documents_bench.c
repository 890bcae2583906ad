/*
 * documents_bench: attached documents against a real pactad (issue 7).
 *
 *   documents_bench [MB]      (default 32)
 *
 * Uploads a file of MB megabytes with 1, 4, 8 and 16 chunks (32 KiB each)
 * in flight and downloads it in 256 KiB and 1 MiB chunks, one request at a
 * time, reporting MB/s; meanwhile another client pings the server every
 * 10 ms, so the round trips show whether a transfer holds anyone up.  The
 * server's data dir is a temp dir on the same disk as the tests use.
 * Results: bench/RESULTS.md "Documents".
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "it_documents_util.h"

static struct it_server *srv;
static atomic_int stop_pinging;
static int64_t rtts[100000];
static int nrtts;

static void *pinger(void *arg)
{
    struct ctl_client *c = arg;
    while (!atomic_load(&stop_pinging)) {
        int64_t t0 = it_now_ms();
        json_t *r = it_call(c, "ping", json_object(), NULL);
        json_decref(r);
        if (nrtts < 100000)
            rtts[nrtts++] = it_now_ms() - t0;
        usleep(10 * 1000);
    }
    return NULL;
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void report_pings(const char *what)
{
    if (!nrtts)
        return;
    qsort(rtts, (size_t)nrtts, sizeof rtts[0], cmp64);
    printf("    pings during %s: %d, p50 %lld ms, p99 %lld ms, max %lld ms\n", what, nrtts,
           (long long)rtts[nrtts / 2], (long long)rtts[nrtts * 99 / 100],
           (long long)rtts[nrtts - 1]);
    nrtts = 0;
}

/* A pipelined upload with `window` chunks in flight; seconds taken. */
static double upload(struct ctl_client *c, const char *contract, const uint8_t *data, size_t n,
                     int window, char *doc_id)
{
    char name[64];
    snprintf(name, sizeof name, "bench-%d.png", window);
    int64_t t0 = it_now_ms();
    json_t *b = doc_begin(c, contract, name, data, n, NULL, NULL);
    if (!b)
        exit(1);
    char id[40];
    snprintf(id, sizeof id, "%s", it_str(b, "upload_id"));
    json_decref(b);
    struct ctl_ws *ws = ctl_client_ws(c);
    char *text = malloc(PACTA_BASE64_ENCODED_LEN(PACTA_DOC_CHUNK_MAX) + 1);
    size_t next = 0, acked = 0;
    int inflight = 0;
    while (acked < n) {
        while (inflight < window && next < n) {
            size_t len = n - next < PACTA_DOC_CHUNK_MAX ? n - next : PACTA_DOC_CHUNK_MAX;
            pacta_base64_encode(data + next, len, text);
            json_t *req = json_pack("{s:s, s:s, s:{s:s, s:I, s:s}}", "id", "c", "op",
                                    "documents.upload.chunk", "args", "upload_id", id, "offset",
                                    (json_int_t)next, "data", text);
            char *frame = json_dumps(req, JSON_COMPACT);
            ctl_ws_send_text(ws, frame, strlen(frame));
            free(frame);
            json_decref(req);
            next += len;
            inflight++;
        }
        char *msg = NULL;
        size_t len = 0;
        if (ctl_ws_recv(ws, 30000, &msg, &len) != 1)
            exit(1);
        json_t *m = json_loadb(msg, len, 0, NULL);
        free(msg);
        if (!json_is_true(json_object_get(m, "ok")))
            exit(1);
        acked =
            (size_t)json_integer_value(json_object_get(json_object_get(m, "result"), "received"));
        inflight--;
        json_decref(m);
    }
    free(text);
    json_t *f = it_call(c, "documents.upload.finish", json_pack("{s:s}", "upload_id", id), NULL);
    if (!f)
        exit(1);
    snprintf(doc_id, 40, "%s", it_str(json_object_get(f, "document"), "id"));
    json_decref(f);
    return (double)(it_now_ms() - t0) / 1000.0;
}

int main(int argc, char **argv)
{
    size_t mb = argc > 1 ? (size_t)atoi(argv[1]) : 32, n = mb << 20;
    it_setup("documents_bench");
    char max[32];
    snprintf(max, sizeof max, "%zu", n + 1);
    const char *args[] = {"--documents-max-bytes", max, NULL};
    srv = it_server_start(args);
    struct ctl_client *c = it_login_admin(srv), *p = it_login_admin(srv);
    json_t *k = it_contract_create(c, NULL);
    const char *contract = it_str(k, "id");
    printf("documents_bench: %zu MiB, chunks of %d bytes\n", mb, PACTA_DOC_CHUNK_MAX);
    char doc[40] = "";
    static const int windows[] = {1, 4, 8, 16};
    for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++) {
        uint8_t *data = doc_png_bytes(n, (unsigned)(w + 1)); /* new content each time */
        pthread_t th;
        atomic_store(&stop_pinging, 0);
        pthread_create(&th, NULL, pinger, p);
        double s = upload(c, contract, data, n, windows[w], doc);
        atomic_store(&stop_pinging, 1);
        pthread_join(th, NULL);
        printf("  upload, %2d in flight: %6.2f s  %6.1f MB/s\n", windows[w], s,
               (double)n / 1e6 / s);
        report_pings("it");
        free(data);
    }
    static const size_t pieces[] = {256 << 10, 1 << 20};
    for (size_t i = 0; i < 2; i++) {
        pthread_t th;
        atomic_store(&stop_pinging, 0);
        pthread_create(&th, NULL, pinger, p);
        int64_t t0 = it_now_ms();
        size_t got = 0;
        uint8_t *back = doc_download(c, doc, pieces[i], &got, NULL);
        double s = (double)(it_now_ms() - t0) / 1000.0;
        atomic_store(&stop_pinging, 1);
        pthread_join(th, NULL);
        printf("  download, %4zu KiB chunks: %6.2f s  %6.1f MB/s%s\n", pieces[i] >> 10, s,
               (double)got / 1e6 / s, back && got == n ? "" : "  (WRONG SIZE)");
        report_pings("it");
        free(back);
    }
    json_decref(k);
    ctl_client_close(c);
    ctl_client_close(p);
    it_server_stop(srv);
    return it_done(0);
}
