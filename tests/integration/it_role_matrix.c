/*
 * it_role_matrix: every op of PROTOCOL.md against every kind of caller, as
 * §3 (the least-role table) and the "(admin)" / "(editor)" marks of §6
 * promise them.  The table below is written from the document, not from
 * the protocol library, and every op the library knows must be in it: an
 * op added without a role in the document fails here.
 *
 * Each op is sent with an argument no op defines ({"zz_probe": true}).  A
 * caller below the op's least role gets `forbidden` (or `unauthenticated`
 * before login); a caller allowed to run it gets past the role check to
 * the argument check (`bad_request`, or `unavailable` for a module that is
 * off), so nothing is changed by the probes themselves.
 *
 * Callers: not logged in; viewer, editor, admin; an admin demoted to viewer
 * and a viewer promoted to editor while connected (the new role applies to
 * their open connection at once); a connection that logs in again as a
 * user of a lower role; a connection after auth.logout.
 *
 * Also the per-user data a caller must not reach: notifications.mark_read
 * with another user's notification ids marks nothing of theirs, and
 * notifications.list shows only one's own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pacta/protocol.h>

#include "harness.h"
#include "it_documents_util.h"
#include "test.h"

enum { R_NONE, R_VIEWER, R_EDITOR, R_ADMIN };

static const char *const role_names[] = {"not logged in", "viewer", "editor", "admin"};

/* PROTOCOL.md §3 table, §6.21-6.25 (viewer unless marked), §6.25 (admin). */
static const struct {
    const char *op;
    int least;
} doc[] = {
    {"auth.login", R_NONE},
    {"auth.resume", R_NONE},
    {"auth.logout", R_VIEWER},
    {"contracts.list", R_VIEWER},
    {"contracts.get", R_VIEWER},
    {"supplements.list", R_VIEWER},
    {"subscribe", R_VIEWER},
    {"unsubscribe", R_VIEWER},
    {"ping", R_VIEWER},
    {"contracts.create", R_EDITOR},
    {"contracts.update", R_EDITOR},
    {"contracts.delete", R_EDITOR},
    {"presence.set", R_VIEWER},
    {"presence.list", R_VIEWER},
    {"stats.dashboard", R_VIEWER},
    {"dashboard.watch", R_VIEWER},
    {"export.contracts", R_VIEWER},
    {"export.read", R_VIEWER},
    {"export.cancel", R_VIEWER},
    {"documents.list", R_VIEWER},
    {"documents.get", R_VIEWER},
    {"documents.download", R_VIEWER},
    {"documents.upload.begin", R_EDITOR},
    {"documents.upload.chunk", R_EDITOR},
    {"documents.upload.finish", R_EDITOR},
    {"documents.delete", R_EDITOR},
    {"views.save", R_VIEWER},
    {"views.list", R_VIEWER},
    {"views.delete", R_VIEWER},
    {"notifications.list", R_VIEWER},
    {"notifications.mark_read", R_VIEWER},
    {"users.preferences", R_VIEWER},
    {"contracts.expiring", R_VIEWER},
    {"users.create", R_ADMIN},
    {"users.update", R_ADMIN},
    {"users.list", R_ADMIN},
    {"admin.connections.list", R_ADMIN},
    {"admin.connections.watch", R_ADMIN},
    {"admin.kick", R_ADMIN},
    {"admin.stats", R_ADMIN},
    {"admin.clock.set", R_ADMIN},
    {"backups.create", R_ADMIN},
    {"backups.list", R_ADMIN},
    {"backups.verify", R_ADMIN},
    {"backups.restore", R_ADMIN},
};
#define N_DOC (sizeof doc / sizeof doc[0])

static void test_every_op_documented(void)
{
    for (int op = 1; op < PACTA_OP__COUNT; op++) {
        const char *name = pacta_op_name((enum pacta_op)op);
        int found = 0;
        for (size_t i = 0; i < N_DOC; i++)
            found |= strcmp(doc[i].op, name) == 0;
        CHECKF(found, "op %s has no least role in PROTOCOL.md (this test's table)", name);
    }
}

/* The table of PROTOCOL.md §3 itself: every op it names has the least role
 * of this test's table, and every op of this table is in it. */
static void test_table_is_protocol_md(void)
{
    char *md = it_read_file(PACTA_SOURCE_DIR "/protocol/PROTOCOL.md");
    REQUIRE(md != NULL);
    char *t = strstr(md, "| op | least role |");
    REQUIRE(t != NULL);
    int named[N_DOC] = {0};
    for (char *line = strchr(t, '\n'); line && line[1] != '\n'; line = strchr(line + 1, '\n')) {
        char *end = strchr(line + 1, '\n');
        if (!end)
            break;
        char *last = end;
        while (last > line && *last != '|')
            last--; /* the closing '|' */
        char *cell = last - 1;
        while (cell > line && *cell != '|')
            cell--; /* the '|' before the role cell */
        char role_text[64];
        snprintf(role_text, sizeof role_text, "%.*s", (int)(last - cell - 1), cell + 1);
        int role = strstr(role_text, "none")     ? R_NONE
                   : strstr(role_text, "viewer") ? R_VIEWER
                   : strstr(role_text, "editor") ? R_EDITOR
                   : strstr(role_text, "admin")  ? R_ADMIN
                                                 : -1;
        if (strstr(role_text, "---"))
            continue; /* the header's rule */
        for (char *q = line; q < cell && (q = strchr(q, '`')) && q < cell;) {
            char *close = strchr(q + 1, '`');
            if (!close || close > cell)
                break;
            char op[64];
            snprintf(op, sizeof op, "%.*s", (int)(close - q - 1), q + 1);
            size_t i = 0;
            while (i < N_DOC && strcmp(doc[i].op, op) != 0)
                i++;
            CHECKF(i < N_DOC, "PROTOCOL.md §3 names %s, which this test does not know", op);
            if (i < N_DOC) {
                named[i] = 1;
                CHECKF(doc[i].least == role, "%s: PROTOCOL.md §3 says %s, this test %s", op,
                       role_text, role_names[doc[i].least]);
            }
            q = close + 1;
        }
    }
    for (size_t i = 0; i < N_DOC; i++)
        CHECKF(named[i], "%s is not in PROTOCOL.md §3's table", doc[i].op);
    free(md);
}

/* The error code of op sent with an unknown argument ("" when it ran). */
static char *probe(struct ctl_client *c, const char *op, char *code, size_t n)
{
    json_t *r = NULL;
    int rc = ctl_client_request(c, op, json_pack("{s:b}", "zz_probe", 1), IT_TIMEOUT_MS, &r);
    if (rc < 0)
        snprintf(code, n, "(transport %d)", rc);
    else
        snprintf(code, n, "%s", rc == 0 ? "" : it_err_code(r));
    json_decref(r);
    return code;
}

/* Every op as `role` on connection c, which is `who`. */
static void walk(struct ctl_client *c, int role, const char *who)
{
    for (size_t i = 0; i < N_DOC; i++) {
        char code[64];
        probe(c, doc[i].op, code, sizeof code);
        if (role < doc[i].least) {
            const char *want = role == R_NONE ? "unauthenticated" : "forbidden";
            CHECKF(strcmp(code, want) == 0, "%s (%s): %s -> '%s', want %s", who, role_names[role],
                   doc[i].op, code, want);
        } else {
            CHECKF(strcmp(code, "forbidden") != 0 && strcmp(code, "unauthenticated") != 0 &&
                       code[0] != '(',
                   "%s (%s): %s -> '%s', want it past the role check", who, role_names[role],
                   doc[i].op, code);
        }
    }
}

static void set_role(struct ctl_client *admin, const char *user, const char *role)
{
    json_t *r = it_call(admin, "users.update",
                        json_pack("{s:s,s:s}", "username", user, "role", role), NULL);
    CHECKF(r && strcmp(it_str(json_object_get(r, "user"), "role"), role) == 0, "%s -> %s", user,
           role);
    json_decref(r);
}

static void test_matrix(const struct it_server *srv, struct ctl_client *admin)
{
    struct ctl_client *none = it_connect(srv);
    walk(none, R_NONE, "fresh connection");
    ctl_client_close(none);

    struct ctl_client *vi = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    struct ctl_client *ed = it_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    walk(vi, R_VIEWER, IT_VIEWER_USER);
    walk(ed, R_EDITOR, IT_EDITOR_USER);
    walk(admin, R_ADMIN, "admin");

    /* roles changed while connected: the open connection follows at once */
    struct ctl_client *ad2 = it_login(srv, IT_ADMIN2_USER, IT_ADMIN2_PASSWORD);
    set_role(admin, IT_ADMIN2_USER, "viewer");
    walk(ad2, R_VIEWER, "admin demoted to viewer");
    set_role(admin, IT_ADMIN2_USER, "editor");
    walk(ad2, R_EDITOR, "admin demoted to editor");
    set_role(admin, IT_ADMIN2_USER, "admin");
    walk(ad2, R_ADMIN, "editor promoted to admin");
    set_role(admin, IT_VIEWER_USER, "editor");
    walk(vi, R_EDITOR, "viewer promoted to editor");
    set_role(admin, IT_VIEWER_USER, "viewer");
    walk(vi, R_VIEWER, "editor demoted to viewer");

    /* logging in again as a user of a lower role drops the old one's rights */
    json_t *e = NULL;
    CHECK(ctl_client_login(ad2, IT_VIEWER_USER, IT_VIEWER_PASSWORD, &e) == 0);
    json_decref(e);
    walk(ad2, R_VIEWER, "admin who logged in again as a viewer");

    /* after logout: nothing but a new login */
    json_t *r = it_call(ed, "auth.logout", json_object(), NULL);
    CHECK(r != NULL);
    json_decref(r);
    walk(ed, R_NONE, "editor after logout");

    ctl_client_close(ad2);
    ctl_client_close(ed);
    ctl_client_close(vi);
}

/* The ids of the notifications `c` lists (up to max); returns how many. */
static int notification_ids(struct ctl_client *c, json_int_t *ids, int max, json_int_t *unread)
{
    json_t *r = it_call(c, "notifications.list", json_pack("{s:i}", "limit", 500), NULL);
    json_t *items = json_object_get(r, "items");
    int n = 0;
    for (size_t i = 0; i < json_array_size(items) && n < max; i++)
        ids[n++] = it_int(json_array_get(items, i), "id");
    if (unread)
        *unread = it_int(r, "unread");
    json_decref(r);
    return n;
}

static void test_notifications_isolated(const struct it_server *srv, struct ctl_client *admin)
{
    /* a contract of ed's that ended before the clock: the next scan expires
     * it, which notifies its owner (ed) and every admin */
    json_t *c = it_contract_create(admin, json_pack("{s:s,s:s,s:s}", "status", "active", "end_date",
                                                    "2025-06-30", "owner", IT_EDITOR_USER));
    REQUIRE(c != NULL);
    json_decref(c);
    json_t *r =
        it_call(admin, "admin.clock.set", json_pack("{s:s}", "now", "2026-01-01T09:00:01Z"), NULL);
    CHECK(r != NULL);
    json_decref(r);

    struct ctl_client *ed = it_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    struct ctl_client *vi = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    json_int_t ed_ids[16], ad_ids[16], vi_ids[16], ed_unread = -1, ad_unread = -1;
    int ned = notification_ids(ed, ed_ids, 16, &ed_unread);
    int nad = notification_ids(admin, ad_ids, 16, &ad_unread);
    REQUIRE(ned >= 1 && nad >= 1);
    CHECK(ed_unread == ned && ad_unread == nad);
    CHECK(notification_ids(vi, vi_ids, 16, NULL) == 0); /* a viewer owns none */
    for (int i = 0; i < ned; i++)
        for (int j = 0; j < nad; j++)
            CHECK(ed_ids[i] != ad_ids[j]); /* each user has their own rows */

    /* the viewer marks the others' ids: nothing of theirs is marked */
    json_t *ids = json_array();
    for (int i = 0; i < ned; i++)
        json_array_append_new(ids, json_integer(ed_ids[i]));
    for (int i = 0; i < nad; i++)
        json_array_append_new(ids, json_integer(ad_ids[i]));
    r = it_call(vi, "notifications.mark_read", json_pack("{s:o}", "ids", ids), NULL);
    CHECK(r && it_int(r, "marked") == 0 && it_int(r, "unread") == 0);
    json_decref(r);
    /* nor does ed mark the admin's */
    ids = json_array();
    for (int i = 0; i < nad; i++)
        json_array_append_new(ids, json_integer(ad_ids[i]));
    r = it_call(ed, "notifications.mark_read", json_pack("{s:o}", "ids", ids), NULL);
    CHECK(r && it_int(r, "marked") == 0 && it_int(r, "unread") == ed_unread);
    json_decref(r);
    json_int_t after = -1;
    CHECK(notification_ids(admin, ad_ids, 16, &after) == nad && after == ad_unread);
    CHECK(notification_ids(ed, ed_ids, 16, &after) == ned && after == ed_unread);
    ctl_client_close(vi);
    ctl_client_close(ed);
}

/* Users whose name starts with prefix. */
static int users_named(struct ctl_client *admin, const char *prefix)
{
    json_t *r = it_call(admin, "users.list", json_object(), NULL);
    json_t *items = json_object_get(r, "items");
    int n = 0;
    for (size_t i = 0; i < json_array_size(items); i++)
        n += strncmp(it_str(json_array_get(items, i), "username"), prefix, strlen(prefix)) == 0;
    json_decref(r);
    return n;
}

/*
 * An admin's users.create and users.update with a password wait for their
 * password hash (argon2, a few at a time), which can take seconds when
 * several are asked for.  Demoted meanwhile (their role applies "at once",
 * PROTOCOL §3.7), the ones still waiting must not be done with the role
 * they no longer have: they created admins after the demotion had been
 * answered.
 */
static void test_demoted_while_hashing(const struct it_server *srv, struct ctl_client *admin)
{
    /* fewer under valgrind (make memcheck): each hash is much slower there */
    const int N = it_wrapped() ? 8 : 40;
    struct ctl_ws *ws = it_ws_login(srv, IT_ADMIN2_USER, IT_ADMIN2_PASSWORD);
    for (int i = 0; i < N; i++) {
        char name[32];
        snprintf(name, sizeof name, "late%02d", i);
        it_ws_send(ws, 100 + i, "users.create",
                   json_pack("{s:s,s:s,s:s}", "username", name, "password", "late-pass-0123",
                             "role", "admin"));
    }
    it_ws_send(ws, 100 + N, "users.update",
               json_pack("{s:s,s:s}", "username", IT_VIEWER_USER, "password", "viewer-new-pass-1"));
    /* a ping answered: every request before it was taken in (queued for
     * its hash), and the demotion comes after all of them */
    it_ws_send(ws, 99, "ping", json_object());
    int ok = 0, forbidden = 0, pw_ok = -1, got = 0, before = -1;
    while (got < N + 2) {
        json_t *r = it_ws_response(ws);
        REQUIRE(r != NULL);
        got++;
        json_int_t id = it_int(r, "id");
        int is_ok = json_is_true(json_object_get(r, "ok"));
        if (id == 99) {
            set_role(admin, IT_ADMIN2_USER, "viewer");
            before = users_named(admin, "late");
        } else {
            if (id == 100 + N)
                pw_ok = is_ok;
            ok += is_ok;
            forbidden +=
                !is_ok && strcmp(it_err_code(json_object_get(r, "error")), "forbidden") == 0;
        }
        json_decref(r);
    }
    int after = users_named(admin, "late");
    if (before == N)
        printf("note: every users.create was done before the demotion: nothing to check\n");
    CHECKF(after == before, "%d users created by %s after it was demoted to viewer (%d before)",
           after - before, IT_ADMIN2_USER, before);
    CHECKF(ok + forbidden == N + 1, "%d ok, %d forbidden of %d", ok, forbidden, N + 1);
    CHECKF(pw_ok == 0, "the demoted admin's password change was %s", pw_ok ? "done" : "lost");
    /* the viewer's password is the one it had */
    struct ctl_client *vi = it_connect(srv);
    json_t *e = NULL;
    CHECK(ctl_client_login(vi, IT_VIEWER_USER, IT_VIEWER_PASSWORD, &e) == 0);
    json_decref(e);
    ctl_client_close(vi);
    ctl_ws_close(ws, 1000);
    set_role(admin, IT_ADMIN2_USER, "admin");
}

/* A request waiting for its hash runs as the user who sent it, even when
 * its connection logs in as someone else meanwhile: an admin's
 * users.create, followed on the same connection by a viewer's resume, was
 * refused as the viewer's (and an update by a second admin would have
 * been recorded as theirs). */
static void test_relogin_while_hashing(const struct it_server *srv, struct ctl_client *admin)
{
    /* the viewer's token: a resume takes no password check, so it is
     * done long before the create's hash */
    struct ctl_client *vi = it_connect(srv);
    json_t *li = it_call(
        vi, "auth.login",
        json_pack("{s:s,s:s}", "username", IT_VIEWER_USER, "password", IT_VIEWER_PASSWORD), NULL);
    REQUIRE(li != NULL);
    struct ctl_ws *ws = it_ws_login(srv, IT_ADMIN2_USER, IT_ADMIN2_PASSWORD);
    it_ws_send(ws, 200, "users.create",
               json_pack("{s:s,s:s,s:s}", "username", "relog", "password", "relog-pass-0123",
                         "role", "viewer"));
    it_ws_send(ws, 201, "auth.resume", json_pack("{s:s}", "token", it_str(li, "token")));
    json_decref(li);
    int created = -1, logged_in = -1;
    for (int got = 0; got < 2; got++) {
        json_t *r = it_ws_response(ws);
        REQUIRE(r != NULL);
        if (it_int(r, "id") == 200) {
            created = json_is_true(json_object_get(r, "ok"));
            if (!created)
                printf("users.create: %s\n", it_str(json_object_get(r, "error"), "message"));
        } else {
            logged_in = json_is_true(json_object_get(r, "ok"));
        }
        json_decref(r);
    }
    CHECK(logged_in == 1);
    CHECKF(created == 1, "an admin's users.create was run as the viewer who logged in after it");
    CHECK(users_named(admin, "relog") == 1);
    ctl_ws_close(ws, 1000);
    ctl_client_close(vi);
}

/* One documents.upload.chunk of data[off, off + n) on a raw websocket. */
static void ws_chunk(struct ctl_ws *ws, int id, const char *upload_id, const uint8_t *data,
                     size_t off, size_t n)
{
    char *text = malloc(PACTA_BASE64_ENCODED_LEN(n) + 1);
    if (!text)
        it_fatal("out of memory");
    pacta_base64_encode(data + off, n, text);
    it_ws_send(ws, id, "documents.upload.chunk",
               json_pack("{s:s,s:I,s:s}", "upload_id", upload_id, "offset", (json_int_t)off, "data",
                         text));
    free(text);
}

/*
 * The same for an editor: a documents.upload.finish waits for the chunks
 * before it and then hashes the whole file (tens of MB: a while).  An
 * editor demoted to viewer meanwhile must not have the document attached
 * after the demotion was answered.
 */
static void test_demoted_while_uploading(const struct it_server *srv, struct ctl_client *admin)
{
    enum { CHUNK = PACTA_DOC_CHUNK_MAX, WINDOW = 32 };
    const int CHUNKS = it_wrapped() ? 256 : 1536; /* 48 MB; 8 under valgrind */
    size_t len = (size_t)CHUNK * CHUNKS;
    uint8_t *data = doc_png_bytes(len, 11);
    json_t *c = it_contract_create(admin, NULL);
    REQUIRE(c != NULL);
    struct ctl_client *ed = it_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    json_t *b = doc_begin(ed, it_str(c, "id"), "late.png", data, len, NULL, NULL);
    REQUIRE(b != NULL);
    char upload[40];
    snprintf(upload, sizeof upload, "%s", it_str(b, "upload_id"));
    json_decref(b);

    /* all but the last chunk, WINDOW at a time */
    struct ctl_ws *ws = it_ws_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    int sent = 0, answered = 0;
    while (answered < CHUNKS - 1) {
        while (sent < CHUNKS - 1 && sent - answered < WINDOW) {
            ws_chunk(ws, 1000 + sent, upload, data, (size_t)sent * CHUNK, CHUNK);
            sent++;
        }
        json_t *r = it_ws_response(ws);
        REQUIRE(r != NULL && json_is_true(json_object_get(r, "ok")));
        json_decref(r);
        answered++;
    }
    /* the last chunk and the finish, then the demotion */
    ws_chunk(ws, 1000 + sent, upload, data, (size_t)sent * CHUNK, CHUNK);
    it_ws_send(ws, 1, "documents.upload.finish", json_pack("{s:s}", "upload_id", upload));
    it_ws_send(ws, 99, "ping", json_object());
    json_t *finish = NULL;
    int got = 0, listed = -1;
    while (got < 3) {
        json_t *r = it_ws_response(ws);
        REQUIRE(r != NULL);
        got++;
        if (it_int(r, "id") == 99) {
            set_role(admin, IT_EDITOR_USER, "viewer");
            json_t *l = it_call(admin, "documents.list",
                                json_pack("{s:s}", "contract_id", it_str(c, "id")), NULL);
            listed = (int)json_array_size(json_object_get(l, "items"));
            json_decref(l);
        } else if (it_int(r, "id") == 1) {
            finish = json_incref(r);
        }
        json_decref(r);
    }
    if (listed != 0)
        printf("note: the document was attached before the demotion: nothing to check\n");
    json_t *l =
        it_call(admin, "documents.list", json_pack("{s:s}", "contract_id", it_str(c, "id")), NULL);
    CHECKF(json_array_size(json_object_get(l, "items")) == (size_t)(listed > 0 ? listed : 0),
           "a document attached by %s after it was demoted to viewer", IT_EDITOR_USER);
    json_decref(l);
    CHECKF(listed != 0 || strcmp(it_err_code(json_object_get(finish, "error")), "forbidden") == 0,
           "the demoted editor's finish: %s", finish ? json_dumps(finish, 0) : "none");
    json_decref(finish);
    ctl_ws_close(ws, 1000);
    ctl_client_close(ed);
    set_role(admin, IT_EDITOR_USER, "editor");
    json_decref(c);
    free(data);
}

int main(void)
{
    static const char *const args[] = {"--fake-now", "2026-01-01T09:00:00Z", "--session-ttl",
                                       "315360000", NULL};
    it_setup("it_role_matrix");
    test_every_op_documented();
    test_table_is_protocol_md();
    struct it_server *srv = it_server_start(args);
    it_create_role_users(srv);
    struct ctl_client *admin = it_login_admin(srv);
    test_matrix(srv, admin);
    test_notifications_isolated(srv, admin);
    test_demoted_while_hashing(srv, admin);
    test_relogin_while_hashing(srv, admin);
    test_demoted_while_uploading(srv, admin);
    ctl_client_close(admin);
    return it_done(test_summary());
}
