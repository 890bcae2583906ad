/*
 * it_inflight_bytes: a client that asks for large answers and does not read
 * them cannot make the server hold more than --queue-max-bytes of them.
 *
 * A viewer sends 48 documents.download of 1 MiB (the most one may ask for)
 * in one burst, all within the 64 requests a connection may have in flight,
 * and reads nothing until the last is sent.  Each answer is ~1.4 MB of
 * base64: without a bound the server built and queued all of them (~67 MB
 * for one connection; 256 such connections of one user ran a server out of
 * memory).  With --queue-max-bytes 2 MiB, a download is started only while
 * the answers queued or being made for the connection, with this one, stay
 * within the bound (one is always allowed); the others get rate_limited
 * ("read the answers first") at once.  Then, reading one answer at a time,
 * every download is allowed again and the content comes back whole.  The
 * same for export.read (256 KiB a chunk) of an export the viewer made.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "it_documents_util.h"
#include "test.h"

#define DOC_BYTES (1 << 20)
#define BURST 48

/* Sends BURST copies of request (printf format with the id) on ws without
 * reading, then counts the answers; 0 if every answer came. */
static int burst(struct ctl_ws *ws, const char *fmt, const char *id, int *ok, int *limited,
                 int *other)
{
    char req[256];
    *ok = *limited = *other = 0;
    for (int i = 1; i <= BURST; i++) {
        int n = snprintf(req, sizeof req, fmt, i, id);
        REQUIRE(ctl_ws_send_text(ws, req, (size_t)n) == 0);
    }
    for (int i = 0; i < BURST; i++) {
        char *msg = NULL;
        size_t len;
        if (ctl_ws_recv(ws, IT_TIMEOUT_MS, &msg, &len) != 1)
            return -1;
        json_t *m = json_loads(msg, 0, NULL);
        free(msg);
        const char *code = it_err_code(json_object_get(m, "error"));
        if (json_is_true(json_object_get(m, "ok")))
            (*ok)++;
        else if (strcmp(code, "rate_limited") == 0)
            (*limited)++;
        else
            (*other)++;
        json_decref(m);
    }
    return 0;
}

/* The same for export.read of 256 KiB (~350 KB of base64 per answer): an
 * export of ~400 KB (40 contracts with long descriptions) read from its
 * start, so that no answer reaches the end (which ends the export). */
static void test_export_reads(struct it_server *srv, struct ctl_client *ed)
{
    char *desc = malloc(9001);
    REQUIRE(desc);
    for (int i = 0; i < 9000; i++)
        desc[i] = (char)('a' + i % 26);
    desc[9000] = '\0';
    for (int i = 0; i < 40; i++) {
        json_t *c = it_contract_create(ed, json_pack("{s:s}", "description", desc));
        REQUIRE(c);
        json_decref(c);
    }
    free(desc);
    struct ctl_client *vi = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    json_t *made = it_call(vi, "export.contracts", json_pack("{s:s}", "format", "csv"), NULL);
    REQUIRE(made);
    /* more than one chunk: no read from the start reaches the end (which ends the export) */
    REQUIRE(it_int(made, "size") > 262144);
    char id[64];
    snprintf(id, sizeof id, "%s", it_str(made, "export_id"));
    json_decref(made);
    int ok, limited, other;
    REQUIRE(burst(ctl_client_ws(vi),
                  "{\"id\":%d,\"op\":\"export.read\",\"args\":{\"export_id\":\"%s\","
                  "\"offset\":0,\"length\":262144}}",
                  id, &ok, &limited, &other) == 0);
    printf("%d pipelined 256 KiB export reads: %d answered, %d rate_limited, %d other\n", BURST, ok,
           limited, other);
    CHECKF(other == 0 && ok >= 1, "%d ok, %d other", ok, other);
    /* 2 MiB of answers of ~350 KB: a handful (7 in a run), never all */
    CHECKF(limited >= BURST / 2, "%d of %d export reads allowed at once (bound: 2 MiB)", ok, BURST);
    /* one at a time: allowed */
    json_t *r =
        it_call(vi, "export.read",
                json_pack("{s:s, s:i, s:i}", "export_id", id, "offset", 0, "length", 262144), NULL);
    CHECKF(r && strlen(it_str(r, "data")) == PACTA_BASE64_ENCODED_LEN(262144),
           "a read one at a time after the burst");
    json_decref(r);
    ctl_client_close(vi);
}

int main(void)
{
    static const char *const args[] = {"--queue-max-bytes", "2097152", "--documents-max-bytes",
                                       "4194304", NULL};
    it_setup("it_inflight_bytes");
    struct it_server *srv = it_server_start(args);
    it_create_role_users(srv);
    struct ctl_client *ed = it_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    json_t *c = it_contract_create(ed, NULL);
    REQUIRE(c);
    uint8_t *data = doc_png_bytes(DOC_BYTES, 7);
    json_t *doc = doc_upload(ed, it_str(c, "id"), "big.png", data, DOC_BYTES);
    REQUIRE(doc);
    char id[40];
    snprintf(id, sizeof id, "%s", it_str(doc, "id"));

    struct ctl_client *vi = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    int ok, limited, other;
    CHECK(burst(ctl_client_ws(vi),
                "{\"id\":%d,\"op\":\"documents.download\",\"args\":{\"id\":\"%s\","
                "\"offset\":0,\"length\":1048576}}",
                id, &ok, &limited, &other) == 0);
    printf("%d pipelined 1 MiB downloads: %d answered, %d rate_limited, %d other\n", BURST, ok,
           limited, other);
    CHECKF(ok + limited + other == BURST, "only %d of %d answered", ok + limited + other, BURST);
    CHECKF(other == 0, "%d answers were neither ok nor rate_limited", other);
    CHECKF(ok >= 1, "not even one download was allowed");
    /* the bound is 2 MiB and each answer ~1.4 MB: a few at most, never all */
    CHECKF(limited >= BURST / 2, "%d of %d downloads allowed at once (bound: 2 MiB of answers)", ok,
           BURST);

    /* one at a time, as the clients do it: every one is allowed */
    size_t got_len = 0;
    json_t *err = NULL;
    uint8_t *got = doc_download(vi, id, 1048576, &got_len, &err);
    CHECKF(got && got_len == DOC_BYTES && memcmp(got, data, DOC_BYTES) == 0,
           "the download read one chunk at a time failed (%s)", it_err_code(err));
    free(got);
    json_decref(err);

    test_export_reads(srv, ed);

    free(data);
    json_decref(doc);
    json_decref(c);
    ctl_client_close(vi);
    ctl_client_close(ed);
    CHECK(it_server_stop(srv) == 0);
    return it_done(test_summary());
}
