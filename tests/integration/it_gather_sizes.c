/*
 * it_gather_sizes: the frame headers session.c writes itself (frame_header,
 * RFC 6455 §5.2) at the lengths where the encoding changes: 125 (7-bit),
 * 126 and 65535 (16-bit), 65536 (64-bit), each answer arriving whole between
 * small ones gathered into the same writes.
 *
 * An answer of an exact length: the error for an unknown member of a
 * request names the member, so its length follows the name's; the name's
 * length for a target is found from two probes.  Past 64 KiB: a page of
 * seven contracts, the last one's description updated to the length needed.
 * (The client accepts a length encoded in more bytes than needed, so a
 * 65535 sent with the 8-byte form would pass; a wrong form or byte order
 * does not.)
 */
#include <string.h>

#include "harness.h"
#include "test.h"

/* The answer to a ping with an unknown member of n characters, id idlen
 * characters long; its length, or -1. */
static long answer_len(struct ctl_ws *ws, size_t n, size_t idlen)
{
    size_t cap = n + idlen + 128;
    char *req = malloc(cap);
    int k = snprintf(req, cap, "{\"id\":\"%.*s\",\"op\":\"ping\",\"args\":{},\"", (int)idlen,
                     "abcdefghijklmnopqrstuvwxyz");
    memset(req + k, 'm', n);
    k += (int)n;
    k += snprintf(req + k, cap - (size_t)k, "\":1}");
    REQUIRE(ctl_ws_send_text(ws, req, (size_t)k) == 0);
    free(req);
    char *msg = NULL;
    size_t len = 0;
    if (ctl_ws_recv(ws, it_timeout_ms(), &msg, &len) != 1)
        return -1;
    json_t *m = json_loadb(msg, len, 0, NULL);
    free(msg);
    int ok = json_is_object(m) && json_is_false(json_object_get(m, "ok"));
    json_decref(m);
    return ok ? (long)len : -1;
}

int main(void)
{
    it_setup("it_gather_sizes");
    struct it_server *srv = it_server_start(NULL);
    it_create_role_users(srv);
    struct ctl_ws *ws = it_ws_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);

    static const long targets[] = {125, 126, 127};
    for (size_t t = 0; t < sizeof targets / sizeof targets[0]; t++) {
        long want = targets[t], got = -1;
        size_t found = 0, id_found = 0;
        for (size_t idlen = 1; idlen <= 4 && got != want; idlen++) {
            size_t base = 1;
            long l0 = answer_len(ws, base, idlen), l1 = answer_len(ws, base + 1, idlen);
            REQUIRE(l0 > 0 && l1 > l0);
            long slope = l1 - l0;
            if (want < l0 || (want - l0) % slope)
                continue;
            found = base + (size_t)((want - l0) / slope);
            id_found = idlen;
            got = answer_len(ws, found, idlen);
        }
        CHECKF(got == want, "no answer of %ld bytes (got %ld)", want, got);
        if (got != want)
            continue;
        /* between small answers, all sent before any is read */
        char *req = malloc(found + 128);
        for (int k = 0; k < 3; k++) {
            it_ws_send(ws, 1000 + k, "ping", json_object());
            int n = snprintf(req, found + 128, "{\"id\":\"%.*s\",\"op\":\"ping\",\"args\":{},\"",
                             (int)id_found, "abcdefghijklmnopqrstuvwxyz");
            memset(req + n, 'm', found);
            n += (int)found;
            n += snprintf(req + n, 8, "\":1}");
            REQUIRE(ctl_ws_send_text(ws, req, (size_t)n) == 0);
        }
        free(req);
        int small = 0, big = 0;
        for (int k = 0; k < 6; k++) {
            char *msg = NULL;
            size_t len = 0;
            REQUIRE(ctl_ws_recv(ws, it_timeout_ms(), &msg, &len) == 1);
            json_t *m = json_loadb(msg, len, 0, NULL);
            free(msg);
            CHECKF(json_is_object(m), "a frame of %zu bytes that is not JSON", len);
            if (json_is_true(json_object_get(m, "ok")))
                small++;
            else if ((long)len == want)
                big++;
            json_decref(m);
        }
        CHECKF(small == 3 && big == 3, "%ld bytes: %d small and %d big answers", want, small, big);
        printf("answers of %ld bytes: whole\n", want);
    }

    /* 65535 and beyond: a page of contracts whose last description is as
     * long as the target needs (updated until the page is exactly that) */
    struct ctl_client *ed = it_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    static char desc[10001];
    memset(desc, 'x', 9000);
    desc[9000] = '\0';
    for (int i = 0; i < 6; i++) {
        json_t *c = it_contract_create(ed, json_pack("{s:s}", "description", desc));
        REQUIRE(c);
        json_decref(c);
    }
    json_t *c = it_contract_create(ed, json_pack("{s:s}", "description", ""));
    REQUIRE(c);
    char last[37];
    snprintf(last, sizeof last, "%s", it_str(c, "id"));
    json_decref(c);
    json_int_t version = 1;
    long dlen = 0;
    static const long large[] = {65535, 65536, 65537};
    for (size_t t = 0; t < sizeof large / sizeof large[0]; t++) {
        long want = large[t], got = -1;
        for (int tries = 0; tries < 4; tries++) {
            it_ws_send(ws, 2000 + tries, "contracts.list", json_pack("{s:i}", "limit", 7));
            char *msg = NULL;
            size_t len = 0;
            REQUIRE(ctl_ws_recv(ws, it_timeout_ms(), &msg, &len) == 1);
            json_t *m = json_loadb(msg, len, 0, NULL);
            free(msg);
            REQUIRE(json_array_size(json_object_get(json_object_get(m, "result"), "items")) == 7);
            json_decref(m);
            got = (long)len;
            if (got == want)
                break;
            dlen += want - got;
            REQUIRE(dlen >= 0 && dlen <= 10000);
            memset(desc, 'y', (size_t)dlen);
            desc[dlen] = '\0';
            json_t *up = it_contract_update(ed, last, version,
                                            json_pack("{s:s}", "description", desc), NULL, NULL);
            REQUIRE(up);
            version = it_int(json_object_get(up, "contract"), "version");
            json_decref(up);
        }
        CHECKF(got == want, "no page of %ld bytes (got %ld)", want, got);
        if (got != want)
            continue;
        for (int k = 0; k < 3; k++) {
            it_ws_send(ws, 3000 + k, "ping", json_object());
            it_ws_send(ws, 3100 + k, "contracts.list", json_pack("{s:i}", "limit", 7));
        }
        int small = 0, big = 0;
        for (int k = 0; k < 6; k++) {
            char *msg = NULL;
            size_t len = 0;
            REQUIRE(ctl_ws_recv(ws, it_timeout_ms(), &msg, &len) == 1);
            json_t *m = json_loadb(msg, len, 0, NULL);
            free(msg);
            CHECKF(json_is_object(m), "a frame of %zu bytes that is not JSON", len);
            if (it_int(m, "id") >= 3100)
                big += (long)len == want;
            else
                small++;
            json_decref(m);
        }
        CHECKF(small == 3 && big == 3, "%ld bytes: %d small and %d big answers", want, small, big);
        printf("answers of %ld bytes: whole\n", want);
    }
    ctl_client_close(ed);
    ctl_ws_close(ws, 1000);
    CHECK(it_server_stop(srv) == 0);
    return it_done(test_summary());
}
