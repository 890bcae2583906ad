/*
 * it_protocol_doc: protocol/PROTOCOL.md read as a third-party client writer
 * reads it.  The examples of §6 and §7 are taken from the document itself
 * (its `→` requests, `←` answers and event lines), the requests sent as
 * written on a raw websocket (only the ids of things this server made are
 * put in), and every answer and event the server sends is compared with
 * the document's: the same members (an example with a "..." member names
 * only some), in the same order where the document promises one (the
 * Contract record, §5; the error object, §2.2), of the same JSON types (null stands for a
 * nullable member; an integer is accepted where the document shows a
 * number with a fraction).
 *
 * Also the §7 events without an example against their tables, and the
 * results of §6.28-6.30 against their text.  The refused requests are
 * it_protocol_errors'.
 *
 * PROTO_DUMP=1 prints every answer received.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "it_protocol_util.h"
#include "test.h"

/* ---- the document's examples --------------------------------------------- */

#define MAX_EX 128
struct example {
    const char *op;
    json_t *req;
    json_t *resp;
};
static struct example ex[MAX_EX];
static int n_ex;
static json_t *doc_events; /* name -> first example of that event */

static json_t *doc_contract; /* the record of §5 */

static void load_doc(void)
{
    char *md = it_read_file(PACTA_SOURCE_DIR "/protocol/PROTOCOL.md");
    REQUIRE(md != NULL);
    doc_events = json_object();
    char *sec5 = strstr(md, "## 5. The Contract record");
    char *block = sec5 ? strstr(sec5, "```json\n") : NULL;
    char *block_end = block ? strstr(block + 8, "```") : NULL;
    if (block_end) {
        json_error_t e;
        doc_contract = json_loadb(block + 8, (size_t)(block_end - block - 8), 0, &e);
        CHECKF(doc_contract != NULL, "§5 record is not JSON: %s", e.text);
    }
    int in_code = 0;
    for (char *line = md; line && *line;) {
        char *end = strchr(line, '\n');
        if (end)
            *end = '\0';
        if (strncmp(line, "```", 3) == 0)
            in_code = !in_code;
        else if (in_code) {
            const char *j = NULL;
            int kind = 0; /* 1 request, 2 answer or event, 3 event line */
            if (strncmp(line, "→ ", strlen("→ ")) == 0)
                j = line + strlen("→ "), kind = 1;
            else if (strncmp(line, "← ", strlen("← ")) == 0)
                j = line + strlen("← "), kind = 2;
            else if (strncmp(line, "{\"event\"", 8) == 0)
                j = line, kind = 3;
            if (j) {
                json_error_t e;
                json_t *v = json_loads(j, JSON_REJECT_DUPLICATES, &e);
                CHECKF(v != NULL, "PROTOCOL.md example is not JSON (%s): %s", e.text, j);
                if (v && kind == 1 && n_ex < MAX_EX) {
                    ex[n_ex].op = json_string_value(json_object_get(v, "op"));
                    ex[n_ex++].req = v;
                } else if (v && json_object_get(v, "ok") && n_ex > 0 && !ex[n_ex - 1].resp) {
                    ex[n_ex - 1].resp = v;
                } else if (v && json_object_get(v, "event")) {
                    const char *name = json_string_value(json_object_get(v, "event"));
                    if (name && !json_object_get(doc_events, name))
                        json_object_set(doc_events, name, v);
                    json_decref(v);
                } else
                    json_decref(v);
            }
        }
        line = end ? end + 1 : NULL;
    }
    free(md);
}

/* The nth (0-based) example of op. */
static const struct example *example_of(const char *op, int nth)
{
    for (int i = 0; i < n_ex; i++)
        if (ex[i].op && strcmp(ex[i].op, op) == 0 && nth-- == 0)
            return &ex[i];
    it_fatal("PROTOCOL.md has no example of %s", op);
}

/* ---- comparing shapes ---------------------------------------------------- */

static int type_ok(const json_t *doc, const json_t *got)
{
    if (json_is_null(doc) || json_is_null(got))
        return 1; /* a nullable member */
    if (json_is_real(doc))
        return json_is_number(got);
    if (json_is_boolean(doc))
        return json_is_boolean(got);
    return json_typeof(doc) == json_typeof(got);
}

static void shape(const char *where, const char *path, const json_t *doc, const json_t *got)
{
    char sub[512];
    CHECKF(type_ok(doc, got), "%s: %s is %s in the document, not what the server sends", where,
           path, json_dumps(doc, JSON_ENCODE_ANY | JSON_COMPACT));
    if (!type_ok(doc, got))
        return;
    if (json_is_object(doc) && json_is_object(got)) {
        /* a saved view's filter holds what was saved: its members vary */
        size_t plen = strlen(path);
        int partial = json_object_get(doc, "...") != NULL ||
                      (plen >= 7 && strcmp(path + plen - 7, ".filter") == 0);
        /* the order is promised for the Contract record (§5) and the error
         * object (§2.2) */
        int ordered = (json_object_get(doc, "number") && json_object_get(doc, "version")) ||
                      (json_object_get(doc, "code") && json_object_get(doc, "message"));
        const char *k;
        json_t *v;
        void *it_g = json_object_iter((json_t *)got);
        json_object_foreach((json_t *)doc, k, v)
        {
            if (strcmp(k, "...") == 0)
                continue;
            snprintf(sub, sizeof sub, "%s.%s", path, k);
            json_t *g = json_object_get(got, k);
            CHECKF(g != NULL, "%s: the document shows %s, the server does not send it", where, sub);
            if (g)
                shape(where, sub, v, g);
            if (!partial && ordered && g) {
                /* the same order: the server's next member is this one */
                while (it_g && json_object_get(doc, json_object_iter_key(it_g)) == NULL)
                    it_g = json_object_iter_next((json_t *)got, it_g);
                CHECKF(it_g && strcmp(json_object_iter_key(it_g), k) == 0,
                       "%s: %s comes in another place than the document shows", where, sub);
                if (it_g)
                    it_g = json_object_iter_next((json_t *)got, it_g);
            }
        }
        if (!partial)
            json_object_foreach((json_t *)got, k, v)
            {
                snprintf(sub, sizeof sub, "%s.%s", path, k);
                CHECKF(json_object_get(doc, k) != NULL,
                       "%s: the server sends %s, the document's example does not show it", where,
                       sub);
            }
    } else if (json_is_array(doc) && json_array_size(doc) > 0 && json_array_size(got) > 0) {
        /* the element of the same "field" (supplements), else the first */
        const json_t *d0 = json_array_get(doc, 0), *g0 = json_array_get(got, 0);
        const char *field = json_string_value(json_object_get(d0, "field"));
        for (size_t i = 0; field && i < json_array_size(got); i++) {
            const char *f = json_string_value(json_object_get(json_array_get(got, i), "field"));
            if (f && strcmp(f, field) == 0)
                g0 = json_array_get(got, i);
        }
        snprintf(sub, sizeof sub, "%s[0]", path);
        shape(where, sub, d0, g0);
    }
}

/* ---- a raw websocket ----------------------------------------------------- */

static void send_json(struct ctl_ws *ws, json_t *req)
{
    char *text = json_dumps(req, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!text || ctl_ws_send_text(ws, text, strlen(text)) != 0)
        it_fatal("send failed");
    free(text);
}
/*
 * Sends the document's nth example of op with `set` (stolen, may be NULL)
 * merged into its args, compares the answer with the document's and
 * returns it (new ref; NULL on no answer).
 */
static json_t *replay(struct ctl_ws *ws, const char *op, int nth, json_t *set)
{
    const struct example *e = example_of(op, nth);
    json_t *req = json_deep_copy(e->req);
    if (set) {
        json_t *args = json_object_get(req, "args");
        if (!args) {
            json_object_set_new(req, "args", json_object());
            args = json_object_get(req, "args");
        }
        json_object_update(args, set);
        json_decref(set);
    }
    send_json(ws, req);
    json_t *r = recv_response(ws);
    CHECKF(r != NULL, "%s: no answer", op);
    if (r) {
        char where[96];
        snprintf(where, sizeof where, "§6 %s example %d", op, nth + 1);
        CHECKF(json_equal(json_object_get(r, "id"), json_object_get(req, "id")),
               "%s: the id is not echoed", where);
        if (e->resp)
            shape(where, "", e->resp, r);
    }
    json_decref(req);
    return r;
}

static void check_event(const char *name)
{
    json_t *doc = json_object_get(doc_events, name), *got = json_object_get(got_events, name);
    CHECKF(got != NULL, "event %s was not received", name);
    CHECKF(doc != NULL, "PROTOCOL.md has no example of event %s", name);
    if (doc && got) {
        char where[96];
        snprintf(where, sizeof where, "§7 event %s", name);
        shape(where, "", doc, got);
    }
}

/* The data of the last event `name` has exactly the members `list` (a
 * comma-separated list, as a §7 table names them). */
static void check_members(const char *name, const char *list)
{
    json_t *data = json_object_get(json_object_get(got_events, name), "data");
    CHECKF(data != NULL, "event %s was not received", name);
    if (!data)
        return;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", list);
    size_t n = 0;
    for (char *save = NULL, *m = strtok_r(buf, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
        CHECKF(json_object_get(data, m) != NULL, "§7 event %s: no member %s", name, m);
        n++;
    }
    CHECKF(json_object_size(data) == n, "§7 event %s: %zu members, the document names %zu (%s)",
           name, json_object_size(data), n, list);
}
int main(void)
{
    it_setup("it_protocol_doc");
    load_doc();
    CHECKF(n_ex >= 36, "%d examples", n_ex);
    got_events = json_object();
    const char *args[] = {
        "--backup-key-file",    it_backup_key_file(), "--backup-time", "off", "--fake-now",
        "2026-11-22T14:00:00Z", "--session-ttl",      "315360000",     NULL};
    struct it_server *srv = it_server_start(args);

    /* the document's users: ana (editor, "correct horse"); bob is made by
     * the users.create example */
    struct ctl_ws *adm = it_ws_login(srv, "admin", IT_ADMIN_PASSWORD);
    json_t *r = raw(adm, "{\"id\":0,\"op\":\"users.create\",\"args\":{\"username\":\"ana\","
                         "\"password\":\"correct horse\",\"role\":\"editor\",\"display_name\":"
                         "\"Ana Pop\"}}");
    REQUIRE(r && json_is_true(json_object_get(r, "ok")));
    json_decref(r);
    json_decref(replay(adm, "users.create", 0, NULL));
    json_decref(replay(adm, "users.list", 0, NULL));

    struct ctl_ws *ana = it_ws_connect(srv);
    r = replay(ana, "auth.login", 0, NULL);
    REQUIRE(r && json_is_true(json_object_get(r, "ok")));
    char token[256];
    snprintf(token, sizeof token, "%s", json_string_value(res(r, "token")));
    json_decref(r);
    struct ctl_ws *ana2 = it_ws_connect(srv);
    json_decref(replay(ana2, "auth.resume", 0, json_pack("{s:s}", "token", token)));

    /* the §5 record, active, then the list example finds it */
    r = raw(ana, "{\"id\":0,\"op\":\"contracts.create\",\"args\":{\"number\":\"C-2026-001\","
                 "\"title\":\"Office cleaning\",\"counterparty\":\"Brite Services SRL\","
                 "\"kind\":\"supplier\",\"status\":\"active\",\"sign_date\":\"2026-01-10\","
                 "\"start_date\":\"2026-02-01\",\"end_date\":\"2026-12-20\","
                 "\"amount_cents\":1250000,\"currency\":\"EUR\",\"description\":"
                 "\"Weekly, 3 floors.\",\"notice_days\":30,\"renewal\":\"auto\"}}");
    REQUIRE(r && json_is_true(json_object_get(r, "ok")));
    char c1[64];
    snprintf(c1, sizeof c1, "%s", it_str(res(r, "contract"), "id"));
    json_decref(r);
    json_t *sub = replay(ana2, "subscribe", 0, json_pack("{s:i}", "since", 0));
    json_decref(sub);

    json_decref(replay(ana, "contracts.list", 0, NULL));
    r = replay(ana, "contracts.get", 0, json_pack("{s:s}", "id", c1));
    if (doc_contract && r)
        shape("§5 the Contract record", "", doc_contract, res(r, "contract"));
    json_decref(r);
    r = replay(ana, "contracts.create", 0, NULL);
    char c2[64];
    snprintf(c2, sizeof c2, "%s", it_str(res(r, "contract"), "id"));
    json_decref(r);
    json_decref(replay(ana, "contracts.update", 0, json_pack("{s:s,s:i}", "id", c1, "version", 1)));
    json_decref(replay(ana, "contracts.update", 1, json_pack("{s:s,s:i}", "id", c1, "version", 1)));
    json_decref(replay(ana, "contracts.delete", 0, json_pack("{s:s}", "id", c2)));
    json_decref(replay(ana, "supplements.list", 0, json_pack("{s:s}", "contract_id", c1)));
    json_decref(replay(ana, "presence.set", 0, json_pack("{s:s}", "contract_id", c1)));
    json_decref(replay(ana, "presence.list", 0, NULL));
    json_decref(replay(ana, "ping", 0, NULL));
    json_decref(replay(ana2, "ping", 0, NULL)); /* the events reach ana2 first */
    check_event("contract.created");
    check_event("contract.updated");
    check_event("contract.deleted");

    /* alerts: 30 days before the end (2026-12-20) */
    r = raw(adm, "{\"id\":0,\"op\":\"admin.clock.set\",\"args\":{\"now\":"
                 "\"2027-06-01T09:00:00Z\"}}");
    CHECKF(r && json_is_true(json_object_get(r, "ok")), "admin.clock.set failed");
    json_decref(r);
    json_decref(replay(ana2, "ping", 0, NULL));
    check_event("contract.expiring");
    r = replay(ana, "notifications.list", 0, NULL);
    json_int_t nid = json_integer_value(json_object_get(json_array_get(res(r, "items"), 0), "id"));
    json_decref(r);
    json_decref(
        replay(ana, "notifications.mark_read", 0, json_pack("{s:[I]}", "ids", nid > 0 ? nid : 1)));
    json_decref(replay(ana, "users.preferences", 0, NULL));
    json_decref(replay(ana, "contracts.expiring", 0, NULL));
    json_decref(replay(ana, "stats.dashboard", 0, NULL));
    json_decref(replay(ana, "dashboard.watch", 0, NULL));
    json_decref(replay(ana, "views.save", 0, NULL));
    json_decref(replay(ana, "views.list", 0, NULL));
    json_decref(replay(ana, "views.delete", 0, NULL));

    /* export */
    r = replay(ana, "export.contracts", 0, NULL);
    char eid[64];
    snprintf(eid, sizeof eid, "%s", it_str(json_object_get(r, "result"), "export_id"));
    json_decref(r);
    json_decref(replay(ana, "export.read", 0, json_pack("{s:s}", "export_id", eid)));

    /* documents: a small text file */
    static const char body[] = "hello\n";
    static const char body_sha[] =
        "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";
    r = replay(ana, "documents.upload.begin", 0,
               json_pack("{s:s,s:s,s:i,s:s,s:s}", "contract_id", c1, "name", "hello.txt", "size",
                         (int)strlen(body), "sha256", body_sha, "mime", "text/plain"));
    char up[64];
    snprintf(up, sizeof up, "%s", it_str(json_object_get(r, "result"), "upload_id"));
    json_decref(r);
    json_decref(replay(ana, "documents.upload.chunk", 0,
                       json_pack("{s:s,s:s,s:n}", "upload_id", up, "data", "aGVsbG8K", "sha256")));
    json_decref(
        replay(ana, "documents.upload.chunk", 1,
               json_pack("{s:s,s:i,s:s}", "upload_id", up, "offset", 100, "data", "aGVsbG8K")));

    r = raw(ana, "{\"id\":0,\"op\":\"documents.upload.finish\",\"args\":{\"upload_id\":\"\"}}");
    json_decref(r);
    {
        char text[256];
        snprintf(text, sizeof text,
                 "{\"id\":0,\"op\":\"documents.upload.finish\",\"args\":{\"upload_id\":\"%s\"}}",
                 up);
        r = raw(ana, text);
        CHECKF(r && json_is_true(json_object_get(r, "ok")), "documents.upload.finish failed");
        json_t *d = json_object_get(json_object_get(r, "result"), "document");
        json_t *doc_d = json_object_get(
            json_object_get(json_object_get(doc_events, "document.added"), "data"), "document");
        if (d && doc_d)
            shape("§6.37 documents.upload.finish (as the §7.4 Document)", ".document", doc_d, d);
        json_decref(
            replay(ana, "documents.download", 0, json_pack("{s:s}", "id", it_str(d, "id"))));
        /* §6.38, 6.39, 6.41 have no example: Documents as §6.34 */
        static const char *const reqs[] = {
            "{\"id\":0,\"op\":\"documents.list\",\"args\":{\"contract_id\":\"%s\"}}",
            "{\"id\":0,\"op\":\"documents.get\",\"args\":{\"id\":\"%s\"}}",
            "{\"id\":0,\"op\":\"documents.delete\",\"args\":{\"id\":\"%s\"}}",
        };
        for (int k = 0; k < 3; k++) {
            snprintf(text, sizeof text, reqs[k], k == 0 ? c1 : it_str(d, "id"));
            json_t *a = raw(ana, text);
            json_t *got = k == 0 ? json_array_get(res(a, "items"), 0)
                                 : json_object_get(json_object_get(a, "result"), "document");
            CHECKF(got && json_object_size(json_object_get(a, "result")) == 1, "%s: %s", text,
                   err_code(a));
            if (got && doc_d)
                shape(reqs[k], ".document", doc_d, got);
            if (k == 2)
                CHECK(json_is_string(json_object_get(got, "deleted_at")));
            json_decref(a);
        }
        json_decref(r);
    }
    json_decref(replay(ana2, "ping", 0, NULL));
    check_event("document.added");
    check_members("document.removed", "document,actor");
    check_event("export.progress");
    check_event("view.saved");
    check_event("dashboard.updated");
    check_members("view.deleted", "name");
    check_members("presence.updated", "contract_id,editors");
    check_members("server.day", "today");
    check_members("contract.notice_due", "contract,actor,threshold,due_date,days_left,late,notify,"
                                         "digest,notice_deadline");
    check_members("contract.expiring",
                  "contract,actor,threshold,due_date,days_left,late,notify,digest,end_date");

    /* the end of the term: an auto renewal */
    r = raw(adm, "{\"id\":0,\"op\":\"admin.clock.set\",\"args\":{\"now\":"
                 "\"2027-07-01T09:00:00Z\"}}");
    json_decref(r);
    json_decref(replay(ana2, "ping", 0, NULL));
    check_event("contract.renewed");
    /* ana chose digests (the users.preferences example): the daily time
     * (08:00) passed */
    check_members("notification.digest", "user,date,count,items");
    json_t *item0 = json_array_get(
        json_object_get(json_object_get(json_object_get(got_events, "notification.digest"), "data"),
                        "items"),
        0);
    CHECKF(json_object_size(item0) == 5 && json_object_get(item0, "summary") &&
               json_object_get(item0, "contract_id"),
           "notification.digest items: not {id, seq, event, contract_id, summary}");

    /* admin */
    r = replay(adm, "admin.connections.list", 0, NULL);
    /* §6.2: a resume without `client` leaves the connection without one
     * (ana's login gave one; ana2 resumed her token without) */
    int named = 0, unnamed = 0;
    size_t ci;
    json_t *conn_i;
    json_array_foreach(res(r, "items"), ci, conn_i)
    {
        if (strcmp(it_str(conn_i, "user"), "ana") != 0)
            continue;
        named += json_is_string(json_object_get(conn_i, "client"));
        unnamed += json_is_null(json_object_get(conn_i, "client"));
    }
    CHECKF(named == 1 && unnamed == 1, "ana's connections: %d named, %d not", named, unnamed);
    json_decref(r);
    json_decref(replay(adm, "admin.stats", 0, NULL));
    r = replay(adm, "backups.create", 0, NULL);
    json_int_t backup_id = json_integer_value(json_object_get(res(r, "backup"), "id"));
    json_t *doc_backup =
        json_object_get(json_object_get(example_of("backups.create", 0)->resp, "result"), "backup");
    json_decref(r);
    json_decref(replay(adm, "users.update", 0, NULL));
    check_members("backup.progress", "op,stage,done,total,percent");

    /* §6.18 and the admin.connection events; §6.19 with its example */
    r = raw(adm, "{\"id\":0,\"op\":\"admin.connections.watch\",\"args\":{\"on\":true}}");
    CHECK(r && json_is_array(res(r, "items")));
    json_decref(r);
    struct ctl_ws *other = it_ws_login(srv, "ana", "correct horse");
    r = raw(adm, "{\"id\":0,\"op\":\"admin.connections.list\"}");
    json_int_t session = 0;
    json_t *item;
    size_t i;
    json_array_foreach(res(r, "items"), i, item) session =
        json_integer_value(json_object_get(item, "session")); /* the newest: other */
    json_decref(r);
    json_decref(replay(adm, "admin.kick", 0, json_pack("{s:I}", "session", session)));
    CHECKF(it_ws_wait_close(other, IT_TIMEOUT_MS) == 4002, "admin.kick: not closed with 4002");
    ctl_ws_close(other, 1000); /* frees it */
    json_decref(replay(adm, "ping", 0, NULL));
    check_members("admin.connection.opened", "connection");
    check_members("admin.connection.updated", "connection");
    check_members("admin.connection.closed", "session,code,reason");
    json_t *closed =
        json_object_get(json_object_get(got_events, "admin.connection.closed"), "data");
    CHECK(json_integer_value(json_object_get(closed, "code")) == 4002);
    json_t *conn = json_object_get(
        json_object_get(json_object_get(got_events, "admin.connection.updated"), "data"),
        "connection");
    json_t *doc_conn = json_array_get(
        json_object_get(json_object_get(example_of("admin.connections.list", 0)->resp, "result"),
                        "items"),
        0);
    if (conn && doc_conn)
        shape("§7 admin.connection.updated (Connection of §6.17)", ".connection", doc_conn, conn);

    /* §6.28-6.30 have no example: their members as the text lists them */
    r = raw(adm, "{\"id\":0,\"op\":\"backups.list\"}");
    json_t *result = json_object_get(r, "result");
    CHECKF(json_object_size(result) == 3 && json_is_array(json_object_get(result, "items")) &&
               json_object_get(result, "last_ok_at"),
           "backups.list: not {items, policy, last_ok_at}");
    json_t *policy = json_object_get(result, "policy");
    CHECKF(json_object_size(policy) == 5 && json_object_get(policy, "enabled") &&
               json_object_get(policy, "daily_at") && json_object_get(policy, "every_minutes") &&
               json_object_get(policy, "keep_days") && json_object_get(policy, "method"),
           "backups.list policy: not {enabled, daily_at, every_minutes, keep_days, method}");
    json_t *b0 = json_deep_copy(json_array_get(json_object_get(result, "items"), 0));
    CHECKF(json_is_string(json_object_get(b0, "status")), "backups.list item without status");
    json_object_del(b0, "status");
    shape("§6.28 backups.list item (Backup + status)", ".items[0]", doc_backup, b0);
    json_decref(b0);
    json_decref(r);
    char text[256];
    snprintf(text, sizeof text, "{\"id\":0,\"op\":\"backups.verify\",\"args\":{\"id\":%lld}}",
             (long long)backup_id);
    r = raw(adm, text);
    result = json_object_get(r, "result");
    CHECKF(json_object_size(result) == 2 && json_is_true(json_object_get(result, "ok")) &&
               json_object_get(result, "backup"),
           "backups.verify: not {ok: true, backup}");
    json_decref(r);
    snprintf(text, sizeof text, "{\"id\":0,\"op\":\"backups.restore\",\"args\":{\"id\":%lld}}",
             (long long)backup_id);
    r = raw(adm, text);
    result = json_object_get(r, "result");
    CHECKF(json_object_size(result) == 3 && json_object_get(result, "restored") &&
               json_object_get(result, "safety_backup") &&
               json_is_integer(json_object_get(result, "head")),
           "backups.restore: not {restored, safety_backup, head}");
    if (json_object_get(result, "restored"))
        shape("§6.30 backups.restore restored", ".restored", doc_backup,
              json_object_get(result, "restored"));
    json_decref(r);
    json_decref(replay(ana2, "ping", 0, NULL));
    check_members("server.reset", "reason,backup_id,backup_created_at,restored_head,previous_head,"
                                  "actor");
    CHECK(json_integer_value(json_object_get(json_object_get(got_events, "server.reset"), "seq")) >
          0);

    /* §2.3: durable events carry a positive seq, the ephemeral ones none */
    static const char ephemeral[] =
        " presence.updated admin.connection.opened admin.connection.updated "
        "admin.connection.closed server.day backup.progress export.progress dashboard.updated "
        "view.saved view.deleted ";
    const char *name;
    json_t *ev;
    json_object_foreach(got_events, name, ev)
    {
        char key[80];
        snprintf(key, sizeof key, " %s ", name);
        json_t *seq = json_object_get(ev, "seq");
        if (strstr(ephemeral, key))
            CHECKF(seq == NULL, "ephemeral event %s has a seq", name);
        else
            CHECKF(json_integer_value(seq) > 0, "durable event %s without a positive seq", name);
    }

    json_decref(replay(ana, "unsubscribe", 0, NULL));
    json_decref(replay(ana, "auth.logout", 0, NULL));
    /* §3.7: the other connection of the token is closed with 4001, this
     * one stays open, logged out */
    CHECKF(it_ws_wait_close(ana2, IT_TIMEOUT_MS) == 4001, "auth.logout: the token's other "
                                                          "connection not closed with 4001");
    r = raw(ana, "{\"id\":0,\"op\":\"ping\"}");
    CHECKF(r && strcmp(err_code(r), "unauthenticated") == 0, "ping after auth.logout: %s",
           err_code(r));
    json_decref(r);
    ctl_ws_close(ana, 1000);
    ctl_ws_close(ana2, 1000);
    ctl_ws_close(adm, 1000);
    return it_done(test_summary());
}
