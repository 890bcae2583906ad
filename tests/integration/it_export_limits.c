/*
 * it_export_limits: the error paths and limits of the export ops, and a
 * big export that must not stop the server from answering others
 * (PROTOCOL.md §6.31-6.33).
 *
 *  - unauthenticated refused; bad format, filters, bom, contract_id are
 *    bad_request naming the field; an unknown contract not_found;
 *  - export.read: unknown id, another connection's export, after logout,
 *    after the TTL: not_found; offset beyond the end: bad_request;
 *  - two open exports per connection, a third rate_limited until one is
 *    cancelled; export.cancel of an unknown id not_found;
 *  - made files are not left in DATA_DIR/exports, and what a crash left
 *    there is removed at start-up;
 *  - 30,000 contracts: while one connection's CSV export runs, a ping on
 *    the same connection is answered before the export, progress events
 *    come at most a few per second with a total, a second export is
 *    rate_limited (--export-max-running 1), and the file parses back to
 *    every row;
 *  - export.read before the export is made: bad_request export_id;
 *    auth.logout while it is made: answered not_found export_id; SIGTERM
 *    while one is made and one waits: unavailable, exit 0, nothing left;
 *  - --export-max-rows: too_large, field filters;
 *  - --export-max-bytes: rate_limited while made exports hold that much;
 *    --export-min-free: unavailable while the disk has less free; no
 *    usable export directory: unavailable.
 */
#include <dirent.h>
#include <sqlite3.h>
#include <unistd.h>

#include "it_export_util.h"

#define BIG 30000

static void expect_error(struct ctl_client *c, const char *op, json_t *args, const char *code,
                         const char *field)
{
    json_t *err = it_call_err(c, op, args);
    CHECKF(err && strcmp(it_err_code(err), code) == 0 && strcmp(it_err_field(err), field) == 0,
           "%s: got %s/%s, want %s/%s", op, err ? it_err_code(err) : "-",
           err ? it_err_field(err) : "-", code, field);
    json_decref(err);
}

static int files_in(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)))
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

static void test_errors(struct it_server *srv, struct ctl_client *vi)
{
    struct ctl_client *anon = it_connect(srv);
    expect_error(anon, "export.contracts", json_pack("{s:s}", "format", "csv"), "unauthenticated",
                 "");
    expect_error(
        anon, "export.read",
        json_pack("{s:s, s:i}", "export_id", "0193a5f2-7c1e-7b3a-9f00-1a2b3c4d5e6f", "offset", 0),
        "unauthenticated", "");
    ctl_client_close(anon);

    expect_error(vi, "export.contracts", json_pack("{s:s}", "format", "xls"), "bad_request",
                 "format");
    expect_error(vi, "export.contracts", json_pack("{}"), "bad_request", "format");
    expect_error(vi, "export.contracts",
                 json_pack("{s:s, s:{s:s}}", "format", "csv", "filters", "status", "open"),
                 "bad_request", "status");
    expect_error(vi, "export.contracts",
                 json_pack("{s:s, s:{s:s}}", "format", "csv", "filters", "cursor", "x"),
                 "bad_request", "cursor");
    expect_error(vi, "export.contracts", json_pack("{s:s, s:s}", "format", "csv", "filters", "x"),
                 "bad_request", "filters");
    expect_error(vi, "export.contracts", json_pack("{s:s, s:b}", "format", "pdf", "bom", 1),
                 "bad_request", "bom");
    expect_error(vi, "export.contracts",
                 json_pack("{s:s, s:s}", "format", "csv", "contract_id",
                           "0193a5f2-7c1e-7b3a-9f00-1a2b3c4d5e6f"),
                 "bad_request", "contract_id");
    expect_error(vi, "export.contracts",
                 json_pack("{s:s, s:s}", "format", "pdf", "contract_id",
                           "0193a5f2-7c1e-7b3a-9f00-1a2b3c4d5e6f"),
                 "not_found", "contract_id");
    expect_error(
        vi, "export.read",
        json_pack("{s:s, s:i}", "export_id", "0193a5f2-7c1e-7b3a-9f00-1a2b3c4d5e6f", "offset", 0),
        "not_found", "export_id");
    expect_error(vi, "export.read", json_pack("{s:s, s:i}", "export_id", "nope", "offset", 0),
                 "bad_request", "export_id");
    expect_error(vi, "export.cancel",
                 json_pack("{s:s}", "export_id", "0193a5f2-7c1e-7b3a-9f00-1a2b3c4d5e6f"),
                 "not_found", "export_id");
}

static json_t *make(struct ctl_client *c)
{
    json_t *made = it_call(c, "export.contracts", json_pack("{s:s}", "format", "csv"), NULL);
    REQUIRE(made);
    return made;
}

static json_t *read_args(const json_t *made, json_int_t offset)
{
    return json_pack("{s:s, s:I}", "export_id", it_str(made, "export_id"), "offset", offset);
}

static void test_ownership(struct it_server *srv, struct ctl_client *vi)
{
    json_t *made = make(vi);
    struct ctl_client *other = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    expect_error(other, "export.read", read_args(made, 0), "not_found", "export_id");
    expect_error(vi, "export.read", read_args(made, it_int(made, "size") + 1), "bad_request",
                 "offset");
    ctl_client_close(other);

    /* the made file is already out of the directory: nothing to leave behind */
    char dir[600];
    snprintf(dir, sizeof dir, "%s/exports", srv->data_dir);
    CHECKF(files_in(dir) == 0, "%d files in exports/", files_in(dir));

    /* logging out ends it */
    json_t *r = it_call(vi, "auth.logout", NULL, NULL);
    REQUIRE(r);
    json_decref(r);
    json_t *error = NULL;
    REQUIRE(ctl_client_login(vi, IT_VIEWER_USER, IT_VIEWER_PASSWORD, &error) == 0);
    expect_error(vi, "export.read", read_args(made, 0), "not_found", "export_id");
    json_decref(made);
}

static void test_per_session(struct ctl_client *vi)
{
    json_t *a = make(vi), *b = make(vi);
    expect_error(vi, "export.contracts", json_pack("{s:s}", "format", "csv"), "rate_limited", "");
    json_t *r =
        it_call(vi, "export.cancel", json_pack("{s:s}", "export_id", it_str(a, "export_id")), NULL);
    CHECK(r != NULL);
    json_decref(r);
    expect_error(vi, "export.read", read_args(a, 0), "not_found", "export_id");
    json_t *c = make(vi); /* room again */
    /* reading one to the end frees its place too */
    struct blob blob;
    CHECK(it_export_download(vi, b, PACTA_EXPORT_CHUNK_MAX, &blob) == 0);
    free(blob.data);
    json_t *d = make(vi);
    r = it_call(vi, "export.cancel", json_pack("{s:s}", "export_id", it_str(c, "export_id")), NULL);
    json_decref(r);

    /* --export-ttl 5: not read for 5 s, gone */
    sleep(6);
    expect_error(vi, "export.read", read_args(d, 0), "not_found", "export_id");
    json_decref(a);
    json_decref(b);
    json_decref(c);
    json_decref(d);
}

static void fill(const char *db, int n)
{
    sqlite3 *d;
    char sql[1600];
    REQUIRE(sqlite3_open(db, &d) == SQLITE_OK);
    snprintf(sql, sizeof sql,
             "WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < %d) "
             "INSERT INTO contracts (id, number, title, counterparty, kind, status, end_date, "
             "amount_cents, currency, owner, description, notice_days, created_at, updated_at, "
             "updated_by) SELECT printf('%%08x-0000-7000-8000-%%012x', x, x), "
             "printf('B-%%06d', x), 'Mantenimiento, \"lote\" ' || x, 'Proveedor ' || (x %% 50) || "
             "' S.R.L.', CASE x %% 2 WHEN 0 THEN 'client' ELSE 'supplier' END, 'draft', "
             "date('2027-01-01', '+' || (x %% 900) || ' days'), x * 100, 'EUR', 'admin', "
             "'Servicio semanal,' || char(10) || 'facturación mensual.', x %% 90, "
             "'2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 'admin' FROM s",
             n);
    if (sqlite3_exec(d, sql, NULL, NULL, NULL) != SQLITE_OK)
        fprintf(stderr, "fill: %s\n", sqlite3_errmsg(d));
    REQUIRE(sqlite3_exec(d, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(d);
}

/* Next frame on a raw connection, parsed; NULL on timeout. */
static json_t *next_frame(struct ctl_ws *ws)
{
    char *msg = NULL;
    size_t len;
    if (ctl_ws_recv(ws, IT_TIMEOUT_MS * 3, &msg, &len) != 1)
        return NULL;
    json_t *j = json_loadb(msg, len, 0, NULL);
    free(msg);
    return j;
}

/*
 * auth.logout while an export of this connection is made: the export ends
 * (its login did) and its export.contracts is still answered — not_found,
 * field export_id — instead of being left without an answer while the
 * connection stays open.  Logs in again afterwards.
 */
static void test_logout_while_made(struct ctl_client *c, struct ctl_ws *ws)
{
    /* a PDF of 30,000 rows takes seconds: the logout comes first */
    const char *req = "{\"id\":\"big3\",\"op\":\"export.contracts\",\"args\":{\"format\":\"pdf\"}}";
    const char *logout = "{\"id\":\"lo\",\"op\":\"auth.logout\"}";
    REQUIRE(ctl_ws_send_text(ws, req, strlen(req)) == 0);
    json_t *ev = next_frame(ws); /* the export has started */
    REQUIRE(ev);
    CHECK_STR(it_str(ev, "event"), "export.progress");
    json_decref(ev);
    REQUIRE(ctl_ws_send_text(ws, logout, strlen(logout)) == 0);
    int logged_out = 0, answered = 0;
    while (!answered) {
        json_t *m = next_frame(ws);
        CHECKF(m, "export.contracts was not answered after auth.logout");
        if (!m)
            break;
        const char *mid = json_string_value(json_object_get(m, "id"));
        if (mid && strcmp(mid, "lo") == 0)
            logged_out = json_is_true(json_object_get(m, "ok"));
        if (mid && strcmp(mid, "big3") == 0) {
            json_t *e = json_object_get(m, "error");
            answered = 1;
            CHECKF(e && strcmp(it_err_code(e), "not_found") == 0 &&
                       strcmp(it_err_field(e), "export_id") == 0,
                   "the export of a logged-out connection was answered otherwise");
        }
        json_decref(m);
    }
    CHECK(logged_out);
    json_t *error = NULL;
    REQUIRE(ctl_client_login(c, IT_VIEWER_USER, IT_VIEWER_PASSWORD, &error) == 0);
}

/*
 * SIGTERM while an export is made and another, made, waits to be read:
 * the running one is answered `unavailable` before the connection closes,
 * pactad exits 0 (under ASan: nothing leaked on the way), and the export
 * directory is empty (both files were freed).
 */
static void test_shutdown_while_made(struct it_server *srv)
{
    struct ctl_client *c = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    json_t *held =
        it_call(c, "export.contracts",
                json_pack("{s:s, s:{s:s}}", "format", "xlsx", "filters", "text", "B-00001"), NULL);
    REQUIRE(held);
    struct ctl_ws *ws = ctl_client_ws(c);
    const char *req = "{\"id\":\"late\",\"op\":\"export.contracts\",\"args\":{\"format\":\"pdf\"}}";
    REQUIRE(ctl_ws_send_text(ws, req, strlen(req)) == 0);
    json_t *ev = next_frame(ws);
    REQUIRE(ev);
    CHECK_STR(it_str(ev, "event"), "export.progress");
    json_decref(ev);
    CHECK(it_server_stop(srv) == 0);
    int unavailable = 0;
    for (json_t *m; !unavailable && (m = next_frame(ws));) {
        const char *mid = json_string_value(json_object_get(m, "id"));
        json_t *e = json_object_get(m, "error");
        if (mid && strcmp(mid, "late") == 0)
            unavailable = e && strcmp(it_err_code(e), "unavailable") == 0;
        json_decref(m);
    }
    CHECKF(unavailable, "the export running at shutdown was not answered unavailable");
    char dir[600];
    snprintf(dir, sizeof dir, "%s/exports", srv->data_dir);
    CHECKF(files_in(dir) == 0, "%d files in exports/ after the shutdown", files_in(dir));
    json_decref(held);
    ctl_client_close(c);
}

static void test_big(struct it_server *srv)
{
    char db[600], junk[700];
    it_server_stop(srv);
    it_server_db_path(srv, db, sizeof db);
    fill(db, BIG);
    snprintf(junk, sizeof junk, "%s/exports/0193a5f2-7c1e-7b3a-9f00-1a2b3c4d5e6f.csv",
             srv->data_dir);
    FILE *f = fopen(junk, "w");
    REQUIRE(f);
    fputs("left by a crash", f);
    fclose(f);
    it_server_restart(srv);
    CHECKF(access(junk, F_OK) != 0, "a crash's leftover is still in exports/");

    struct ctl_client *a = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    struct ctl_client *b = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);
    struct ctl_ws *ws = ctl_client_ws(a);
    const char *req = "{\"id\":\"big\",\"op\":\"export.contracts\",\"args\":{\"format\":\"csv\"}}";
    int64_t t0 = it_now_ms();
    REQUIRE(ctl_ws_send_text(ws, req, strlen(req)) == 0);

    /* the first progress event names the export at once */
    json_t *ev = next_frame(ws);
    REQUIRE(ev);
    CHECK_STR(it_str(ev, "event"), "export.progress");
    char id[40];
    snprintf(id, sizeof id, "%s", it_str(json_object_get(ev, "data"), "export_id"));
    CHECK(strlen(id) == 36);
    /* rows_done from the first event on: on a quiet machine 30,000 rows
     * are written in ~250 ms, before any further progress event is due */
    CHECK(json_is_integer(json_object_get(json_object_get(ev, "data"), "rows_done")));
    json_int_t first_done = it_int(json_object_get(ev, "data"), "rows_done");
    json_decref(ev);

    /* another export while this one runs: over --export-max-running 1 */
    expect_error(b, "export.contracts", json_pack("{s:s}", "format", "csv"), "rate_limited", "");
    /* its chunks before it is made: bad_request export_id (wait for the answer) */
    char early[200];
    snprintf(early, sizeof early,
             "{\"id\":\"early\",\"op\":\"export.read\",\"args\":{\"export_id\":\"%s\","
             "\"offset\":0}}",
             id);
    REQUIRE(ctl_ws_send_text(ws, early, strlen(early)) == 0);
    const char *ping = "{\"id\":\"ping\",\"op\":\"ping\"}";
    REQUIRE(ctl_ws_send_text(ws, ping, strlen(ping)) == 0);

    json_t *made = NULL;
    int pong_first = -1, progress = 1, with_total = 0;
    json_int_t last_done = first_done;
    while (!made) {
        json_t *m = next_frame(ws);
        REQUIRE(m);
        const char *mid = json_string_value(json_object_get(m, "id"));
        if (json_object_get(m, "event")) {
            json_t *d = json_object_get(m, "data");
            progress++;
            if (json_is_integer(json_object_get(d, "rows_total"))) {
                with_total++;
                CHECK(it_int(d, "rows_total") >= BIG);
            }
            last_done = it_int(d, "rows_done");
        } else if (mid && strcmp(mid, "early") == 0) {
            json_t *e = json_object_get(m, "error");
            CHECKF(e && strcmp(it_err_code(e), "bad_request") == 0 &&
                       strcmp(it_err_field(e), "export_id") == 0,
                   "export.read before the export was made: not bad_request export_id");
        } else if (mid && strcmp(mid, "ping") == 0) {
            if (pong_first < 0)
                pong_first = 1;
            CHECK(json_is_true(json_object_get(m, "ok")));
        } else if (mid && strcmp(mid, "big") == 0) {
            if (pong_first < 0)
                pong_first = 0;
            REQUIRE(json_is_true(json_object_get(m, "ok")));
            made = json_incref(json_object_get(m, "result"));
        }
        json_decref(m);
    }
    int64_t took = it_now_ms() - t0;
    CHECKF(pong_first == 1, "the ping was not answered before the export ended");
    /* at most about four a second (one every 250 ms) */
    CHECKF(progress <= took / 200 + 3, "%d progress events in %lld ms", progress, (long long)took);
    CHECK(last_done >= 0);
    fprintf(stderr, "big export: %lld rows in %lld ms, %d progress events (%d with total)\n",
            (long long)it_int(made, "rows"), (long long)took, progress, with_total);
    CHECK(it_int(made, "rows") >= BIG);

    struct blob blob;
    REQUIRE(it_export_download(a, made, PACTA_EXPORT_CHUNK_MAX, &blob) == 0);
    json_t *rows = csv_parse((const char *)blob.data, blob.len);
    REQUIRE(rows);
    CHECK((json_int_t)json_array_size(rows) == it_int(made, "rows") + 1);
    /* a filled row: quotes, comma and the newline made it through */
    json_t *row = json_array_get(rows, 1);
    CHECK_STR(json_string_value(json_array_get(row, 1)), "B-000001");
    CHECK_STR(json_string_value(json_array_get(row, 2)), "Mantenimiento, \"lote\" 1");
    CHECK_STR(json_string_value(json_array_get(row, 17)),
              "Servicio semanal,\nfacturación mensual.");
    CHECK_STR(json_string_value(json_array_get(row, 14)), "1.00");
    json_decref(rows);
    free(blob.data);
    json_decref(made);

    /* export.cancel while it is being made: cancelled answered {}, the export not_found */
    req = "{\"id\":\"big2\",\"op\":\"export.contracts\",\"args\":{\"format\":\"xlsx\"}}";
    REQUIRE(ctl_ws_send_text(ws, req, strlen(req)) == 0);
    ev = next_frame(ws);
    REQUIRE(ev);
    char cancel[160];
    snprintf(cancel, sizeof cancel,
             "{\"id\":\"c\",\"op\":\"export.cancel\",\"args\":{\"export_id\":\"%s\"}}",
             it_str(json_object_get(ev, "data"), "export_id"));
    json_decref(ev);
    REQUIRE(ctl_ws_send_text(ws, cancel, strlen(cancel)) == 0);
    int cancel_ok = 0, export_refused = 0;
    for (int i = 0; i < 100 && !export_refused; i++) {
        json_t *m = next_frame(ws);
        REQUIRE(m);
        const char *mid = json_string_value(json_object_get(m, "id"));
        if (mid && strcmp(mid, "c") == 0)
            cancel_ok = json_is_true(json_object_get(m, "ok"));
        if (mid && strcmp(mid, "big2") == 0) {
            json_t *e = json_object_get(m, "error");
            export_refused = e && strcmp(it_err_code(e), "not_found") == 0 &&
                             strcmp(it_err_field(e), "export_id") == 0;
            CHECKF(export_refused, "the cancelled export was answered otherwise");
            json_decref(m);
            break;
        }
        json_decref(m);
    }
    CHECK(cancel_ok && export_refused);

    test_logout_while_made(a, ws);

    /* the connection goes away while its export is made: the server stays up
     * and the next export (another connection) has the running slot again */
    REQUIRE(ctl_ws_send_text(ws, req, strlen(req)) == 0);
    ev = next_frame(ws);
    json_decref(ev);
    ctl_client_close(a);
    int64_t until = it_now_ms() + IT_TIMEOUT_MS;
    json_t *again = NULL;
    while (!again && it_now_ms() < until) {
        json_t *err = NULL;
        again = it_call(b, "export.contracts",
                        json_pack("{s:s, s:{s:s}}", "format", "csv", "filters", "text", "B-00001"),
                        &err);
        int busy = !again && strcmp(it_err_code(err), "rate_limited") == 0;
        json_decref(err);
        if (!again && !busy)
            break;
        if (!again)
            usleep(50000);
    }
    CHECK(again && it_int(again, "rows") == 10);
    json_decref(again);
    ctl_client_close(b);
}

static void test_max_rows(void)
{
    const char *args[] = {"--export-max-rows", "2", NULL};
    struct it_server *srv = it_server_start(args);
    struct ctl_client *admin = it_login_admin(srv);
    for (int i = 0; i < 3; i++) {
        json_t *c = it_contract_create(admin, NULL);
        REQUIRE(c);
        json_decref(c);
    }
    expect_error(admin, "export.contracts", json_pack("{s:s}", "format", "xlsx"), "too_large",
                 "filters");
    /* within the limit it works */
    json_t *made =
        it_call(admin, "export.contracts",
                json_pack("{s:s, s:{s:s}}", "format", "csv", "filters", "text", "IT-000001"), NULL);
    CHECK(made && it_int(made, "rows") == 1);
    json_decref(made);
    ctl_client_close(admin);
    it_server_stop(srv);
}

/*
 * The disk exports may take is bounded.  --export-max-bytes: made exports
 * waiting to be read hold at most that much together, whoever made them
 * (the per-connection limit alone let one user hold many connections'
 * worth); a new export is rate_limited until one is read or cancelled.
 * --export-min-free: an export stops, unavailable, while the disk has
 * less free than that (here more than any disk has).
 */
static void test_disk_limits(void)
{
    const char *args[] = {"--export-max-bytes", "1", NULL};
    struct it_server *srv = it_server_start(args);
    struct ctl_client *admin = it_login_admin(srv);
    struct ctl_client *other = it_login_admin(srv);
    json_t *c = it_contract_create(admin, NULL);
    REQUIRE(c);
    json_decref(c);
    json_t *held = make(admin);
    expect_error(other, "export.contracts", json_pack("{s:s}", "format", "csv"), "rate_limited",
                 "");
    struct blob b;
    CHECK(it_export_download(admin, held, PACTA_EXPORT_CHUNK_MAX, &b) == 0); /* read: freed */
    free(b.data);
    json_t *again = it_call(other, "export.contracts", json_pack("{s:s}", "format", "csv"), NULL);
    CHECK(again != NULL);
    json_t *r =
        it_call(other, "export.cancel",
                json_pack("{s:s}", "export_id", again ? it_str(again, "export_id") : ""), NULL);
    json_decref(r);
    json_decref(again);
    json_decref(held);
    ctl_client_close(other);
    ctl_client_close(admin);
    it_server_stop(srv);

    const char *floor[] = {"--export-min-free", "1125899906842624", NULL}; /* 1 PiB */
    srv = it_server_start(floor);
    admin = it_login_admin(srv);
    expect_error(admin, "export.contracts", json_pack("{s:s}", "format", "xlsx"), "unavailable",
                 "");
    ctl_client_close(admin);
    it_server_stop(srv);

    /* DATA_DIR/exports is not a directory: exports are off, unavailable
     * (not an internal error when the spool cannot be made) */
    srv = it_server_start(NULL);
    it_server_stop(srv);
    char dir[600];
    snprintf(dir, sizeof dir, "%s/exports", srv->data_dir);
    REQUIRE(rmdir(dir) == 0);
    FILE *f = fopen(dir, "w");
    REQUIRE(f);
    fclose(f);
    it_server_restart(srv);
    admin = it_login_admin(srv);
    expect_error(admin, "export.contracts", json_pack("{s:s}", "format", "csv"), "unavailable", "");
    ctl_client_close(admin);
    it_server_stop(srv);
}

int main(void)
{
    it_setup("it_export_limits");
    const char *args[] = {"--export-max-running", "1", "--export-ttl", "5", NULL};
    struct it_server *srv = it_server_start(args);
    it_create_role_users(srv);
    struct ctl_client *vi = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);

    test_errors(srv, vi);
    test_ownership(srv, vi);
    test_per_session(vi);
    ctl_client_close(vi);
    test_big(srv);
    test_shutdown_while_made(srv);
    test_max_rows();
    test_disk_limits();
    return it_done(test_summary());
}
