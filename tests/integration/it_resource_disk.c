/*
 * it_resource_disk: the data disk fills up during everyday editing
 * (PROTOCOL.md §11 `unavailable`: storage full).  Creates, updates and
 * deletes are refused with `unavailable`, nothing of a refused write is
 * visible, logged or broadcast, reads and subscriptions go on, and once
 * room is made the same writes succeed without a restart; after a restart
 * nothing refused comes back.
 *
 * pactad's data directory is a 24 MB tmpfs (root only: the test says it
 * skipped otherwise).  The disk is filled to a few KB free, then contracts
 * with a 10,000-character description are created until one is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "test.h"

#define MAX_TRIES 3000

static char big_text[10001];

static json_t *create_args(int i)
{
    char number[64];
    snprintf(number, sizeof number, "FULL-%05d", i);
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "number", number, "title", "Disk full",
                     "counterparty", "ACME", "kind", "client", "currency", "EUR", "description",
                     big_text);
}

/* Events received by the subscriber until none comes for wait_ms: checks
 * they are contract events with seq following *last, counts them. */
static int drain_events(struct ctl_client *c, json_int_t *last, int wait_ms, json_t *seen_numbers)
{
    int n = 0;
    json_t *ev;
    while ((ev = it_wait_event(c, NULL, wait_ms, NULL)) != NULL) {
        json_int_t seq = it_int(ev, "seq");
        if (seq > 0) {
            CHECKF(seq == *last + 1, "event seq %lld after %lld", (long long)seq, (long long)*last);
            *last = seq;
            json_t *k = json_object_get(json_object_get(ev, "data"), "contract");
            if (seen_numbers && k)
                json_object_set_new(seen_numbers, it_str(k, "number"), json_true());
            n++;
        }
        json_decref(ev);
    }
    return n;
}

/* How many contracts contracts.list shows (a page of up to 500). */
static json_int_t list_total(struct ctl_client *c)
{
    json_t *r = it_call(c, "contracts.list", json_pack("{s:i}", "limit", 500), NULL);
    json_int_t t = r ? (json_int_t)json_array_size(json_object_get(r, "items")) : -1;
    json_decref(r);
    return t;
}

int main(void)
{
    char data[640], filler[700];
    memset(big_text, 'x', sizeof big_text - 1);
    it_setup("it_resource_disk");
    snprintf(data, sizeof data, "%s/srv0", it_tmp_dir());
    if (it_mount_tmpfs(data, "24m") != 0)
        return it_skipped();
    struct it_server *s = it_server_start(NULL);
    it_create_role_users(s);
    struct ctl_client *ed = it_login(s, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    struct ctl_client *vi = it_login(s, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    json_t *k = it_contract_create(ed, NULL);
    REQUIRE(k);
    /* its deletion's event carries the whole record: 10 KB */
    json_t *k2 = it_contract_create(ed, json_pack("{s:s}", "description", big_text));
    REQUIRE(k2);
    json_t *sub = it_call(vi, "subscribe", json_object(), NULL);
    REQUIRE(sub);
    json_int_t last = it_int(sub, "head");
    json_decref(sub);

    it_fill_disk(data, 128 * 1024, filler, sizeof filler);
    json_t *seen = json_object();
    int made = 0, failed_at = -1;
    json_t *err = NULL;
    for (int i = 0; i < MAX_TRIES && failed_at < 0; i++) {
        json_t *r = it_call(ed, "contracts.create", create_args(i), &err);
        if (r)
            made++;
        else
            failed_at = i;
        json_decref(r);
    }
    fprintf(stderr, "created %d on a full disk before one was refused\n", made);
    REQUIRE(failed_at >= 0);
    const char *msg = json_string_value(json_object_get(err, "message"));
    CHECKF(strcmp(it_err_code(err), "unavailable") == 0 && msg && strstr(msg, "disk is full"),
           "create on a full disk: %s %s", it_err_code(err), msg ? msg : "");
    fprintf(stderr, "refused: %s: %s\n", it_err_code(err), msg ? msg : "");
    json_decref(err);

    /* an update is refused the same way (one may still fit in the log's
     * room: then it is made, whole) */
    json_int_t kver = it_int(k, "version");
    int updated = 0;
    for (int i = 0; i < 50; i++) {
        json_t *e = NULL;
        json_t *u =
            it_contract_update(ed, it_str(k, "id"), kver,
                               json_pack("{s:s}", "description", i % 2 ? "y" : big_text), NULL, &e);
        if (u) {
            kver++;
            updated++;
            json_decref(u);
            continue;
        }
        CHECKF(strcmp(it_err_code(e), "unavailable") == 0, "update on a full disk: %s",
               it_err_code(e));
        json_decref(e);
        break;
    }
    /* the smallest edits until none fits, then a delete is refused */
    for (int i = 0; i < 200; i++) {
        json_t *u =
            it_contract_update(ed, it_str(k, "id"), kver,
                               json_pack("{s:s}", "description", i % 2 ? "y" : "z"), NULL, NULL);
        if (!u)
            break;
        kver++;
        updated++;
        json_decref(u);
    }
    json_t *e =
        it_call_err(ed, "contracts.delete",
                    json_pack("{s:s,s:I}", "id", it_str(k2, "id"), "version", (json_int_t)1));
    CHECKF(e && strcmp(it_err_code(e), "unavailable") == 0, "delete on a full disk: %s",
           e ? it_err_code(e) : "made");
    json_decref(e);
    json_t *got2 = it_contract_get(ed, it_str(k2, "id"));
    CHECK(got2 && json_is_null(json_object_get(got2, "deleted_at")) &&
          it_int(got2, "version") == 1);
    json_decref(got2);
    /* reads go on; what was refused is nowhere */
    json_t *got = it_contract_get(ed, it_str(k, "id"));
    CHECKF(got && it_int(got, "version") == kver, "contract after the refused update: version %lld",
           got ? (long long)it_int(got, "version") : -1LL);
    json_decref(got);
    CHECK(list_total(vi) == made + 2);
    CHECK(drain_events(vi, &last, 1500, seen) == made + updated);
    char failed_number[64];
    snprintf(failed_number, sizeof failed_number, "FULL-%05d", failed_at);
    CHECKF(!json_object_get(seen, failed_number), "an event for the refused %s", failed_number);
    json_t *ping = it_call(vi, "ping", json_object(), NULL);
    CHECK(ping != NULL);
    json_decref(ping);

    /* room again: the refused create goes through as it was, the update too */
    REQUIRE(unlink(filler) == 0);
    json_t *again = it_call(ed, "contracts.create", create_args(failed_at), NULL);
    CHECKF(again != NULL, "the refused create after room was made");
    json_decref(again);
    json_t *u = it_contract_update(ed, it_str(k, "id"), kver,
                                   json_pack("{s:s}", "description", "room again"), NULL, NULL);
    CHECK(u != NULL);
    json_decref(u);
    json_t *del =
        it_call(ed, "contracts.delete",
                json_pack("{s:s,s:I}", "id", it_str(k2, "id"), "version", (json_int_t)1), NULL);
    CHECK(del != NULL);
    json_decref(del);
    for (int i = 0; i < 20; i++) {
        json_t *r = it_call(ed, "contracts.create", create_args(MAX_TRIES + i), NULL);
        CHECK(r != NULL);
        json_decref(r);
    }
    CHECK(drain_events(vi, &last, 1500, seen) == 23);
    CHECK(list_total(vi) == made + 22);

    /* a restart replays nothing refused and keeps everything made */
    ctl_client_close(vi);
    ctl_client_close(ed);
    CHECK(it_server_stop(s) == 0);
    it_server_restart(s);
    vi = it_login(s, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    CHECK(list_total(vi) == made + 22);
    json_t *sub2 = it_call(vi, "subscribe", json_pack("{s:i}", "since", 0), NULL);
    CHECKF(sub2 && it_int(sub2, "head") == last, "head after restart %lld, last event seen %lld",
           sub2 ? (long long)it_int(sub2, "head") : -1LL, (long long)last);
    json_decref(sub2);
    ctl_client_close(vi);
    CHECK(it_server_stop(s) == 0);
    json_decref(seen);
    json_decref(k);
    json_decref(k2);
    it_unmount_tmpfs();
    return it_done(test_summary());
}
