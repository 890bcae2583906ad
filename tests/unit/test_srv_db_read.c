/*
 * srv_db reads and the store's own guarantees: list filters and keyset
 * pagination, the change log, sessions (with a pinned clock), constraints
 * and append-only triggers in the schema, password hashing and tokens.
 */
#include "test_srv_db_util.h"

/* Walks every page of a listing, returns all items in order. */
static json_t *list_all(struct tdb *t, struct pacta_list_args a, int *pages)
{
    json_t *all = json_array();
    char *cursor = NULL;
    sqlite3 *r = srv_db_reader_acquire(t->db);

    *pages = 0;
    for (;;) {
        struct pacta_error err;
        json_t *page;

        a.cursor = cursor;
        if (srv_db_read_contracts(r, &a, &page, &err) != 0) {
            CHECKF(0, "list failed: %s %s", err.field, err.message);
            break;
        }
        (*pages)++;
        CHECK(json_array_size(json_object_get(page, "items")) <=
              (size_t)(a.limit ? a.limit : PACTA_LIST_DEFAULT_LIMIT));
        json_array_extend(all, json_object_get(page, "items"));
        free(cursor);
        cursor = NULL;
        if (json_is_null(json_object_get(page, "next_cursor"))) {
            json_decref(page);
            break;
        }
        cursor = strdup(t_str(page, "next_cursor"));
        json_decref(page);
        if (*pages > 1000)
            break;
    }
    free(cursor);
    srv_db_reader_release(t->db, r);
    return all;
}

/* What a filter should return, computed independently of SQL. */
static int matches(const json_t *rec, const struct pacta_list_args *a)
{
    if (!a->include_deleted && !json_is_null(json_object_get(rec, "deleted_at")))
        return 0;
    if (a->status && strcmp(t_str(rec, "status"), a->status) != 0)
        return 0;
    if (a->kind && strcmp(t_str(rec, "kind"), a->kind) != 0)
        return 0;
    if (a->owner && strcmp(t_str(rec, "owner"), a->owner) != 0)
        return 0;
    if (a->text) {
        const char *fields[] = {"number", "title", "counterparty"};
        for (int i = 0; i < 3; i++)
            if (strcasestr(t_str(rec, fields[i]), a->text))
                return 1;
        return 0;
    }
    return 1;
}

static int order_ok(const json_t *a, const json_t *b)
{
    int c = strcmp(t_str(a, "number"), t_str(b, "number"));
    return c < 0 || (c == 0 && strcmp(t_str(a, "id"), t_str(b, "id")) < 0);
}

static void test_pagination(void)
{
    enum { N = 41 };
    struct tdb t = {0};
    json_t *all = json_array();
    static const char *const statuses[] = {"draft", "active", "expired", "terminated"};

    t_open(&t);
    t_add_user(&t, "ana", "editor");
    for (int i = 0; i < N; i++) {
        char num[32], title[64];
        json_t *args;

        snprintf(num, sizeof(num), "P-%03d", (i * 17) % N); /* not created in order */
        snprintf(title, sizeof(title), i % 3 ? "Office lease %d" : "ACME support %d", i);
        args = t_contract_args(num, title, i % 2 ? "client" : "supplier");
        json_object_set_new(args, "status", json_string(statuses[i % 4]));
        json_object_set_new(args, "owner", json_string(i % 5 ? "ana" : "admin"));
        json_t *rec = t_create(&t, "ana", args);
        REQUIRE(rec);
        json_array_append_new(all, rec);
    }
    /* Literal % and _ in the text filter; deleted rows sharing a number. */
    json_array_append_new(all, t_create(&t, "ana", t_contract_args("Q-50%", "fifty", "client")));
    json_array_append_new(all, t_create(&t, "ana", t_contract_args("Q-50x", "fiftyx", "client")));
    json_array_append_new(all, t_create(&t, "ana", t_contract_args("Q_1", "under", "client")));
    for (int i = 0; i < 3; i++) {
        json_t *rec = json_array_get(all, (size_t)i);
        struct srv_write *w = t_write(
            &t, SRV_W_CONTRACT_DELETE, "ana",
            json_pack("{s:s, s:I}", "id", t_str(rec, "id"), "version", t_int(rec, "version")));
        REQUIRE(w->code == PACTA_OK);
        json_t *again = t_create(&t, "ana", t_contract_args(t_str(rec, "number"), "re", "client"));
        json_array_set(all, (size_t)i, json_object_get(w->result, "contract")); /* frees rec */
        srv_write_free(w);
        REQUIRE(again);
        json_array_append_new(all, again);
    }

    struct {
        struct pacta_list_args a;
    } cases[] = {
        {{.limit = 7}},
        {{.limit = 1}},
        {{.limit = 500}},
        {{.limit = 4, .include_deleted = 1}},
        {{.limit = 3, .kind = "client"}},
        {{.limit = 5, .status = "active"}},
        {{.limit = 2, .owner = "admin", .include_deleted = 1}},
        {{.limit = 3, .text = "acme"}},
        {{.limit = 3, .text = "LEASE", .kind = "supplier", .status = "draft"}},
        {{.limit = 2, .text = "50%"}},
        {{.limit = 2, .text = "q_"}},
        {{.limit = 2, .text = "nothing-matches"}},
        {{.limit = 0}}, /* default page size */
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        struct pacta_list_args a = cases[c].a;
        int pages, expected = 0;
        json_t *got = list_all(&t, a, &pages);
        size_t i;
        json_t *rec;

        json_array_foreach(all, i, rec)
        {
            if (!matches(rec, &a))
                continue;
            expected++;
            /* exactly once, with its current state */
            int seen = 0;
            size_t j;
            json_t *g;
            json_array_foreach(got, j, g) seen += strcmp(t_str(g, "id"), t_str(rec, "id")) == 0;
            CHECKF(seen == 1, "case %zu: %s seen %d times", c, t_str(rec, "number"), seen);
        }
        CHECKF((int)json_array_size(got) == expected, "case %zu: got %zu expected %d", c,
               json_array_size(got), expected);
        for (i = 1; i < json_array_size(got); i++)
            CHECKF(order_ok(json_array_get(got, i - 1), json_array_get(got, i)),
                   "case %zu: order at %zu", c, i);
        int limit = a.limit ? a.limit : PACTA_LIST_DEFAULT_LIMIT;
        int want_pages = expected == 0 ? 1 : (expected + limit - 1) / limit;
        CHECKF(pages == want_pages, "case %zu: %d pages, expected %d", c, pages, want_pages);
        json_decref(got);
    }
    /* sanity on the literal-% case */
    struct pacta_list_args pct = {.limit = 10, .text = "50%"};
    int pages;
    json_t *got = list_all(&t, pct, &pages);
    CHECK(json_array_size(got) == 1);
    CHECK_STR(t_str(json_array_get(got, 0), "number"), "Q-50%");
    json_decref(got);

    /* Malformed cursors are bad_request on "cursor". */
    static const char *const bad_cursors[] = {
        "!!!",
        "e30",         /* {} */
        "WyJhIl0",     /* ["a"] */
        "WzEsMl0",     /* [1,2] */
        "bm90IGpzb24", /* not json */
        "A",           /* not base64 */
        "",
    };
    sqlite3 *r = srv_db_reader_acquire(t.db);
    for (size_t i = 0; i < sizeof(bad_cursors) / sizeof(bad_cursors[0]); i++) {
        struct pacta_list_args a = {.limit = 5, .cursor = bad_cursors[i]};
        struct pacta_error err = {0};
        json_t *page = NULL;
        CHECKF(srv_db_read_contracts(r, &a, &page, &err) == -PACTA_BAD_REQUEST, "cursor %zu", i);
        CHECK(page == NULL);
        CHECK_STR(err.field, "cursor");
    }
    srv_db_reader_release(t.db, r);
    json_decref(all);
    t_close(&t);
}

static void test_changes(void)
{
    struct tdb t = {0};
    json_t *events, *rec;
    int64_t head, mid;
    sqlite3 *r;

    t_open(&t);
    r = srv_db_reader_acquire(t.db);
    CHECK(srv_db_read_head_seq(r) == 0);
    CHECK(srv_db_read_changes(r, 0, 100, &events) == 0);
    CHECK(json_array_size(events) == 0);
    json_decref(events);
    srv_db_reader_release(t.db, r);

    rec = t_create(&t, "admin", t_contract_args("E-1", "one", "client"));
    mid = t_head(&t);
    CHECK(t_write_code(&t, SRV_W_CONTRACT_UPDATE, "admin",
                       json_pack("{s:s, s:i, s:{s:s}}", "id", t_str(rec, "id"), "version", 1,
                                 "changes", "title", "two")) == PACTA_OK);
    CHECK(t_write_code(&t, SRV_W_CONTRACT_DELETE, "admin",
                       json_pack("{s:s, s:i}", "id", t_str(rec, "id"), "version", 2)) == PACTA_OK);
    json_decref(t_create(&t, "admin", t_contract_args("E-2", "three", "client")));
    head = t_head(&t);
    CHECK(head == mid + 3);

    r = srv_db_reader_acquire(t.db);
    CHECK(srv_db_read_head_seq(r) == head);
    CHECK(srv_db_read_changes(r, mid, 100, &events) == 0);
    REQUIRE(json_array_size(events) == 3);
    static const char *const names[] = {"contract.updated", "contract.deleted", "contract.created"};
    for (size_t i = 0; i < 3; i++) {
        json_t *e = json_array_get(events, i);
        CHECK(t_int(e, "seq") == mid + 1 + (int64_t)i);
        CHECK_STR(t_str(e, "event"), names[i]);
        CHECK(json_is_object(json_object_get(json_object_get(e, "data"), "contract")));
        CHECK_STR(t_str(json_object_get(e, "data"), "actor"), "admin");
    }
    CHECK_STR(
        json_string_value(json_array_get(
            json_object_get(json_object_get(json_array_get(events, 0), "data"), "changed"), 0)),
        "title");
    json_decref(events);
    CHECK(srv_db_read_changes(r, mid, 2, &events) == 0); /* the limit */
    CHECK(json_array_size(events) == 2);
    CHECK(t_int(json_array_get(events, 1), "seq") == mid + 2);
    json_decref(events);
    CHECK(srv_db_read_changes(r, head, 100, &events) == 0); /* nothing after the head */
    CHECK(json_array_size(events) == 0);
    json_decref(events);
    srv_db_reader_release(t.db, r);
    json_decref(rec);
    t_close(&t);
}

static void test_sessions(void)
{
    struct tdb t = {0};
    struct srv_write *w;
    struct srv_user u;
    char token[44], hash[65], hash2[65], expires[32], err[256];
    const int64_t t0 = 1795356123456; /* 2026-11-22T... */
    sqlite3 *r;

    t_open(&t);
    t_add_user(&t, "ana", "editor");
    srv_clock_set_fake_ms(t0);
    w = t_write(&t, SRV_W_SESSION_CREATE, "ana", json_pack("{s:s}", "username", "ana"));
    REQUIRE(w->code == PACTA_OK);
    snprintf(token, sizeof(token), "%s", t_str(w->result, "token"));
    CHECK(strlen(token) == 43);
    srv__iso_from_ms(t0 + 3600 * 1000, expires);
    CHECK_STR(t_str(w->result, "expires_at"), expires);
    srv_write_free(w);

    r = srv_db_reader_acquire(t.db);
    char read_expires[32] = "";
    CHECK(srv_db_read_session(r, token, &u, hash, read_expires) == 0);
    CHECK_STR(read_expires, expires);
    CHECK_STR(u.username, "ana");
    CHECK(u.role == PACTA_ROLE_EDITOR);
    srv_user_clear(&u);
    srv_auth_token_hash(token, hash2);
    CHECK_STR(hash, hash2);
    CHECK(srv_db_read_session(r, "not-a-token", &u, hash2, NULL) == -PACTA_UNAUTHENTICATED);
    srv_user_clear(&u);
    /* expiry, by the server clock */
    srv_clock_set_fake_ms(t0 + 3600 * 1000 - 1);
    CHECK(srv_db_read_session(r, token, &u, NULL, NULL) == 0);
    srv_user_clear(&u);
    srv_clock_set_fake_ms(t0 + 3600 * 1000);
    CHECK(srv_db_read_session(r, token, &u, NULL, NULL) == -PACTA_UNAUTHENTICATED);
    srv_user_clear(&u);
    srv_clock_set_fake_ms(t0);
    srv_db_reader_release(t.db, r);

    /* revocation */
    w = t_write(&t, SRV_W_SESSION_REVOKE, "ana", json_pack("{s:s}", "token_hash", hash));
    CHECK(w->code == PACTA_OK && json_is_true(json_object_get(w->result, "revoked")));
    srv_write_free(w);
    w = t_write(&t, SRV_W_SESSION_REVOKE, "ana", json_pack("{s:s}", "token_hash", hash));
    CHECK(w->code == PACTA_OK && json_is_false(json_object_get(w->result, "revoked")));
    srv_write_free(w);
    CHECK(t_write_code(&t, SRV_W_SESSION_REVOKE, "ana", json_object()) == PACTA_BAD_REQUEST);
    r = srv_db_reader_acquire(t.db);
    CHECK(srv_db_read_session(r, token, &u, NULL, NULL) == -PACTA_UNAUTHENTICATED);
    srv_user_clear(&u);
    srv_db_reader_release(t.db, r);

    /* the token carries the role the writer sees; a login checked against a
     * password hash that changed meanwhile gets no token */
    w = t_write(&t, SRV_W_SESSION_CREATE, "ana", json_pack("{s:s}", "username", "ana"));
    CHECK(w->code == PACTA_OK && strcmp(t_str(w->result, "role"), "editor") == 0);
    srv_write_free(w);
    r = srv_db_reader_acquire(t.db);
    REQUIRE(srv_db_read_user(r, "ana", &u) == 0);
    srv_db_reader_release(t.db, r);
    CHECK(t_write_code(&t, SRV_W_SESSION_CREATE, "ana",
                       json_pack("{s:s,s:s}", "username", "ana", "password_hash",
                                 u.password_hash)) == PACTA_OK);
    CHECK(t_write_code(&t, SRV_W_SESSION_CREATE, "ana",
                       json_pack("{s:s,s:s}", "username", "ana", "password_hash",
                                 "$argon2id$v=19$m=19456,t=2,p=1$c3RhbGU$c3RhbGU")) ==
          PACTA_UNAUTHENTICATED);
    srv_user_clear(&u);

    /* no such user; missing argument */
    CHECK(t_write_code(&t, SRV_W_SESSION_CREATE, "x", json_pack("{s:s}", "username", "nobody")) ==
          PACTA_UNAUTHENTICATED);
    CHECK(t_write_code(&t, SRV_W_SESSION_CREATE, "x", json_object()) == PACTA_BAD_REQUEST);

    /* a disabled user's live token stops working */
    w = t_write(&t, SRV_W_SESSION_CREATE, "ana", json_pack("{s:s}", "username", "ana"));
    REQUIRE(w->code == PACTA_OK);
    snprintf(token, sizeof(token), "%s", t_str(w->result, "token"));
    srv_write_free(w);
    t_close_db(&t);
    sqlite3 *c = t_raw(&t);
    CHECK(sqlite3_exec(c, "UPDATE users SET disabled = 1 WHERE username = 'ana'", NULL, NULL,
                       NULL) == SQLITE_OK);
    sqlite3_close(c);
    REQUIRE(t_open_at(&t, err, sizeof(err)) == 0);
    r = srv_db_reader_acquire(t.db);
    CHECK(srv_db_read_session(r, token, &u, NULL, NULL) == -PACTA_UNAUTHENTICATED);
    srv_user_clear(&u);
    srv_db_reader_release(t.db, r);
    CHECK(t_write_code(&t, SRV_W_SESSION_CREATE, "ana", json_pack("{s:s}", "username", "ana")) ==
          PACTA_UNAUTHENTICATED);
    srv_clock_set_fake_ms(0);
    t_close(&t);
}

static int raw_rc(sqlite3 *c, const char *sql)
{
    int rc = sqlite3_exec(c, sql, NULL, NULL, NULL);
    return rc & 0xff;
}

#define GOOD_COLS                                                                                  \
    "INSERT INTO contracts (id, number, title, counterparty, kind, status, sign_date, "            \
    "start_date, end_date, amount_cents, currency, owner, description, notice_days, renewal, "     \
    "version, created_at, updated_at, updated_by) VALUES "
#define ROW(id, number, kind, start, end, amount, currency, owner, version)                        \
    GOOD_COLS "('01890000-0000-7000-8000-0000000000" id "', '" number "', 't', 'c', " kind         \
              ", 'draft', NULL, " start ", " end ", " amount ", " currency ", " owner              \
              ", '', 0, 'none', " version ", 'x', 'x', 'admin')"

/* The schema itself refuses what the protocol forbids, whoever writes. */
static void test_constraints(void)
{
    struct tdb t = {0};
    sqlite3 *c;
    json_t *rec;

    t_open(&t);
    rec = t_create(&t, "admin", t_contract_args("K-1", "k", "client"));
    REQUIRE(rec);
    CHECK(t_write_code(&t, SRV_W_CONTRACT_UPDATE, "admin",
                       json_pack("{s:s, s:i, s:{s:s}, s:s}", "id", t_str(rec, "id"), "version", 1,
                                 "changes", "status", "active", "reason", "go")) == PACTA_OK);
    CHECK(t_write_code(&t, SRV_W_CONTRACT_UPDATE, "admin",
                       json_pack("{s:s, s:i, s:{s:s}, s:s}", "id", t_str(rec, "id"), "version", 2,
                                 "changes", "title", "k2", "reason", "rename")) == PACTA_OK);
    json_decref(rec);
    t_close_db(&t);

    c = t_raw(&t);
    static const struct {
        const char *sql;
        int rc;
    } cases[] = {
        {ROW("01", "N-1", "'client'", "NULL", "NULL", "0", "'EUR'", "'admin'", "1"), SQLITE_OK},
        {ROW("02", "N-2", "'bogus'", "NULL", "NULL", "0", "'EUR'", "'admin'", "1"),
         SQLITE_CONSTRAINT},
        {ROW("03", "N-3", "'client'", "'2026-02-30'", "NULL", "0", "'EUR'", "'admin'", "1"),
         SQLITE_CONSTRAINT},
        {ROW("04", "N-4", "'client'", "'2026-05-01'", "'2026-04-01'", "0", "'EUR'", "'admin'", "1"),
         SQLITE_CONSTRAINT},
        {ROW("05", "N-5", "'client'", "NULL", "NULL", "-1", "'EUR'", "'admin'", "1"),
         SQLITE_CONSTRAINT},
        {ROW("06", "N-6", "'client'", "NULL", "NULL", "1.5", "'EUR'", "'admin'", "1"),
         SQLITE_CONSTRAINT},
        {ROW("07", "N-7", "'client'", "NULL", "NULL", "0", "'eur'", "'admin'", "1"),
         SQLITE_CONSTRAINT},
        {ROW("08", "N-8", "'client'", "NULL", "NULL", "0", "'EUR'", "'nobody'", "1"),
         SQLITE_CONSTRAINT},
        {ROW("09", "N-9", "'client'", "NULL", "NULL", "0", "'EUR'", "'admin'", "0"),
         SQLITE_CONSTRAINT},
        {ROW("10", "N-1", "'client'", "NULL", "NULL", "0", "'EUR'", "'admin'", "1"),
         SQLITE_CONSTRAINT}, /* number of a live contract */
        {ROW("11", "N-11", "'client'", "NULL", "NULL", "0", "NULL", "'admin'", "1"),
         SQLITE_CONSTRAINT},
        {"UPDATE contracts SET deleted_at = 'x' WHERE number = 'N-1'", SQLITE_OK},
        {ROW("12", "N-1", "'client'", "NULL", "NULL", "0", "'EUR'", "'admin'", "1"),
         SQLITE_OK}, /* freed by the delete */
        {"UPDATE contracts SET notice_days = 4000", SQLITE_CONSTRAINT},
        {"UPDATE contracts SET renewal = 'sometimes'", SQLITE_CONSTRAINT},
        {"INSERT INTO users (username, display_name, password_hash, role, created_at) "
         "VALUES ('eve', 'Eve', '$argon2id$x', 'root', 'x')",
         SQLITE_CONSTRAINT},
        {"INSERT INTO users (username, display_name, password_hash, role, created_at) "
         "VALUES ('eve', 'Eve', 'plain', 'viewer', 'x')",
         SQLITE_CONSTRAINT},
        {"INSERT INTO users (username, display_name, password_hash, role, created_at) "
         "VALUES ('admin', 'Again', '$argon2id$x', 'viewer', 'x')",
         SQLITE_CONSTRAINT},
        {"INSERT INTO sessions (token_hash, username, created_at, expires_at) "
         "VALUES ('abc', 'admin', 'a', 'b')",
         SQLITE_CONSTRAINT},
        /* append-only logs */
        {"UPDATE supplements SET reason = 'rewritten'", SQLITE_CONSTRAINT},
        {"DELETE FROM supplements", SQLITE_CONSTRAINT},
        {"UPDATE changes SET actor = 'someone else'", SQLITE_CONSTRAINT},
        {"DELETE FROM changes", SQLITE_CONSTRAINT},
        /* (the payload is not parsed again since migration 19: the writer
         * makes it; test_srv_changelog_check) */
        {"INSERT INTO changes (event, entity_id, version, actor, created_at, payload) "
         "VALUES ('e', 'x', 0, 'a', 'x', '{}')",
         SQLITE_CONSTRAINT},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        CHECKF(raw_rc(c, cases[i].sql) == cases[i].rc, "case %zu: %s", i, sqlite3_errmsg(c));

    sqlite3_stmt *st;
    sqlite3_prepare_v2(c,
                       "SELECT (SELECT count(*) FROM supplements), (SELECT count(*) FROM changes)",
                       -1, &st, NULL);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    CHECK(sqlite3_column_int(st, 0) == 1); /* the title; the draft's activation needs none */
    CHECK(sqlite3_column_int(st, 1) == 3);
    sqlite3_finalize(st);
    sqlite3_close(c);
    t_rmdir(&t);
}

static void test_auth(void)
{
    char *h1 = srv_auth_hash_password("correct horse");
    char *h2 = srv_auth_hash_password("correct horse");
    char tok1[44], tok2[44], hex[65];
    uint8_t buf[64];
    size_t len;

    REQUIRE(h1 && h2);
    CHECKF(strncmp(h1, "$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0, "%s", h1);
    CHECK(strcmp(h1, h2) != 0); /* random salt */
    CHECK(srv_auth_verify_password(h1, "correct horse") == 1);
    CHECK(srv_auth_verify_password(h2, "correct horse") == 1);
    CHECK(srv_auth_verify_password(h1, "correct horsf") == 0);
    CHECK(srv_auth_verify_password(h1, "") == 0);
    CHECK(srv_auth_verify_password("garbage", "correct horse") == 0);
    CHECK(srv_auth_verify_password(NULL, "x") == 0);
    free(h1);
    free(h2);

    srv_auth_new_token(tok1);
    srv_auth_new_token(tok2);
    CHECK(strlen(tok1) == 43 && strlen(tok2) == 43);
    CHECK(strcmp(tok1, tok2) != 0);
    CHECK(strspn(tok1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == 43);
    CHECK(srv__b64url_decode(tok1, buf, sizeof(buf), &len) == 0 && len == 32);

    srv_auth_token_hash("abc", hex);
    CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

    /* base64url round trips at every length mod 3, rejects junk */
    for (size_t n = 0; n < 8; n++) {
        uint8_t in[8] = {0xfb, 0xff, 0x00, 0x10, 0x83, 0x7e, 0xbf, 0x01};
        char enc[16];
        srv__b64url_encode(in, n, enc);
        CHECK(srv__b64url_decode(enc, buf, sizeof(buf), &len) == 0 && len == n &&
              memcmp(buf, in, n) == 0);
    }
    CHECK(srv__b64url_decode("ab+/", buf, sizeof(buf), &len) < 0);
    CHECK(srv__b64url_decode("abcde", buf, sizeof(buf), &len) < 0);
    CHECK(srv__b64url_decode("AB", buf, sizeof(buf), &len) < 0); /* non-zero leftover bits */
    CHECK(srv__b64url_decode("AAAA", buf, 2, &len) < 0);         /* does not fit */
}

static void test_clock(void)
{
    char iso[32], day[11];
    int64_t real = srv_clock_now_ms();

    CHECK(real > 1700000000000LL);
    srv_clock_set_fake_ms(1795356123456LL);
    CHECK(srv_clock_now_ms() == 1795356123456LL);
    srv_now_iso(iso);
    CHECK_STR(iso, "2026-11-22T14:02:03.456Z");
    srv_today_iso(day);
    CHECK_STR(day, "2026-11-22");
    srv_clock_set_fake_ms(1000);
    srv_now_iso(iso);
    CHECK_STR(iso, "1970-01-01T00:00:01.000Z");
    srv_clock_set_fake_ms(0);
    CHECK(srv_clock_now_ms() >= real);
}

/* The pool lends each connection to one borrower at a time, and they are
 * read-only. */
static void test_reader_pool(void)
{
    struct tdb t = {0};
    sqlite3 *a, *b;

    t_open(&t);
    a = srv_db_reader_acquire(t.db);
    b = srv_db_reader_acquire(t.db);
    CHECK(a && b && a != b);
    CHECK(sqlite3_db_readonly(a, "main") == 1);
    CHECK((sqlite3_exec(a, "DELETE FROM users", NULL, NULL, NULL) & 0xff) == SQLITE_READONLY);
    srv_db_reader_release(t.db, b);
    CHECK(srv_db_reader_acquire(t.db) == b);
    srv_db_reader_release(t.db, b);
    srv_db_reader_release(t.db, a);
    t_close(&t);
}

int main(void)
{
    test_auth();
    test_clock();
    test_reader_pool();
    test_pagination();
    test_changes();
    test_sessions();
    test_constraints();
    return t_finish();
}
