/*
 * srv_db writes against a real SQLite file and a real uv loop: contract
 * create/update/delete with their conflicts, supplements and events,
 * users, and group commit (opening the file: test_srv_db_open.c).
 */
#include "test_srv_db_util.h"

static int iso_ms_like(const char *s)
{
    /* 2026-11-22T14:02:03.123Z */
    return s && strlen(s) == 24 && s[4] == '-' && s[10] == 'T' && s[19] == '.' && s[23] == 'Z';
}

static void test_create_get_list(void)
{
    struct tdb t = {0};
    struct srv_write *w;
    json_t *rec, *ev, *got, *list;
    sqlite3 *r;
    struct pacta_error err;
    struct pacta_list_args la = {0};
    int64_t head;

    t_open(&t);
    t_add_user(&t, "ana", "editor");
    head = t_head(&t);
    w = t_write(&t, SRV_W_CONTRACT_CREATE, "ana", t_contract_args("C-1", "Lease", "client"));
    REQUIRE(w->code == PACTA_OK);
    rec = json_object_get(w->result, "contract");
    CHECK(pacta_valid_uuid(t_str(rec, "id")));
    CHECK(t_str(rec, "id")[14] == '7'); /* UUIDv7 */
    CHECK_STR(t_str(rec, "number"), "C-1");
    CHECK_STR(t_str(rec, "owner"), "ana");
    CHECK_STR(t_str(rec, "status"), "draft");
    CHECK_STR(t_str(rec, "renewal"), "none");
    CHECK_STR(t_str(rec, "description"), "");
    CHECK_STR(t_str(rec, "updated_by"), "ana");
    CHECK(t_int(rec, "version") == 1);
    CHECK(t_int(rec, "amount_cents") == 0);
    CHECK(t_int(rec, "notice_days") == 0);
    CHECK(json_is_null(json_object_get(rec, "sign_date")));
    CHECK(json_is_null(json_object_get(rec, "start_date")));
    CHECK(json_is_null(json_object_get(rec, "end_date")));
    CHECK(json_is_null(json_object_get(rec, "deleted_at")));
    CHECK(iso_ms_like(t_str(rec, "created_at")));
    CHECK_STR(t_str(rec, "created_at"), t_str(rec, "updated_at"));
    /* 21 stored members + notice_deadline, days_left, lifecycle (derived) */
    CHECK(json_object_size(rec) == 24);
    /* The event: in the write, and in the durable log with the same data. */
    REQUIRE(json_array_size(w->events) == 1);
    ev = json_array_get(w->events, 0);
    CHECK_STR(t_str(ev, "event"), "contract.created");
    CHECK(t_int(ev, "seq") == head + 1);
    CHECK_STR(t_str(json_object_get(ev, "data"), "actor"), "ana");
    CHECK(json_equal(json_object_get(json_object_get(ev, "data"), "contract"), rec));
    CHECK(t_head(&t) == head + 1);

    got = t_get(&t, t_str(rec, "id"));
    CHECK(json_equal(got, rec));
    json_decref(got);

    r = srv_db_reader_acquire(t.db);
    la.limit = 10;
    CHECK(srv_db_read_contracts(r, &la, &list, &err) == 0);
    CHECK(json_array_size(json_object_get(list, "items")) == 1);
    CHECK(json_is_null(json_object_get(list, "next_cursor")));
    CHECK(json_equal(json_array_get(json_object_get(list, "items"), 0), rec));
    json_decref(list);
    CHECK(srv_db_read_contract(r, "01890000-0000-7000-8000-000000000000", &got, &err) ==
          -PACTA_NOT_FOUND);
    CHECK(got == NULL && err.code == PACTA_NOT_FOUND);
    srv_db_reader_release(t.db, r);
    srv_write_free(w);

    /* Every field given, and a client-chosen id. */
    json_t *full =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, "
                  "s:s, s:i, s:s}",
                  "id", "01890000-0000-7000-8000-0000000000aa", "number", "C-2", "title", "Supply",
                  "counterparty", "Widgets SA", "kind", "supplier", "status", "active", "sign_date",
                  "2026-01-10", "start_date", "2026-02-01", "end_date", "2027-01-31",
                  "amount_cents", (json_int_t)1250000, "currency", "USD", "owner", "admin",
                  "description", "two\nlines", "notice_days", 30, "renewal", "auto");
    rec = t_create(&t, "ana", full);
    REQUIRE(rec);
    CHECK_STR(t_str(rec, "id"), "01890000-0000-7000-8000-0000000000aa");
    CHECK_STR(t_str(rec, "owner"), "admin");
    CHECK_STR(t_str(rec, "end_date"), "2027-01-31");
    CHECK(t_int(rec, "amount_cents") == 1250000);
    CHECK(t_int(rec, "notice_days") == 30);
    CHECK_STR(t_str(rec, "renewal"), "auto");
    json_decref(rec);
    t_close(&t);
}

/* Create errors differ only in data: table-driven. */
static void test_create_errors(void)
{
    static const struct {
        const char *json;
        enum pacta_code code;
        const char *field;
    } cases[] = {
        {"{\"number\":\"D-1\",\"title\":\"x\",\"counterparty\":\"y\",\"kind\":\"client\","
         "\"currency\":\"EUR\"}",
         PACTA_CONFLICT, "number"},
        {"{\"id\":\"01890000-0000-7000-8000-0000000000bb\",\"number\":\"D-9\",\"title\":\"x\","
         "\"counterparty\":\"y\",\"kind\":\"client\",\"currency\":\"EUR\"}",
         PACTA_CONFLICT, "id"},
        {"{\"number\":\"D-2\",\"title\":\"x\",\"counterparty\":\"y\",\"kind\":\"client\","
         "\"currency\":\"EUR\",\"owner\":\"nobody\"}",
         PACTA_BAD_REQUEST, "owner"},
        {"{\"number\":\"D-3\",\"title\":\"x\",\"counterparty\":\"y\",\"kind\":\"client\"}",
         PACTA_BAD_REQUEST, "currency"},
        {"{\"number\":\"D-4\",\"title\":\"x\",\"counterparty\":\"y\",\"kind\":\"client\","
         "\"currency\":\"EUR\",\"amount_cents\":-1}",
         PACTA_BAD_REQUEST, "amount_cents"},
        {"{\"number\":\"D-5\",\"title\":\"x\",\"counterparty\":\"y\",\"kind\":\"client\","
         "\"currency\":\"EUR\",\"start_date\":\"2026-05-01\",\"end_date\":\"2026-04-01\"}",
         PACTA_BAD_REQUEST, NULL},
        {"{\"number\":\"D-6\",\"title\":\"x\",\"counterparty\":\"y\",\"kind\":\"client\","
         "\"currency\":\"EUR\",\"version\":3}",
         PACTA_BAD_REQUEST, "version"},
        {"{\"id\":\"NOT-A-UUID\",\"number\":\"D-7\",\"title\":\"x\",\"counterparty\":\"y\","
         "\"kind\":\"client\",\"currency\":\"EUR\"}",
         PACTA_BAD_REQUEST, "id"},
    };
    struct tdb t = {0};
    json_t *rec;
    int64_t head;

    t_open(&t);
    rec = t_create(&t, "admin",
                   json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "id",
                             "01890000-0000-7000-8000-0000000000bb", "number", "D-1", "title", "x",
                             "counterparty", "y", "kind", "client", "currency", "EUR"));
    json_decref(rec);
    head = t_head(&t);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct srv_write *w =
            t_write(&t, SRV_W_CONTRACT_CREATE, "admin", json_loads(cases[i].json, 0, NULL));
        CHECKF(w->code == (int)cases[i].code, "case %zu: %s", i, pacta_code_name(w->code));
        if (cases[i].field)
            CHECKF(strcmp(w->err.field, cases[i].field) == 0, "case %zu: field %s", i,
                   w->err.field);
        CHECK(w->result == NULL);
        CHECK(json_array_size(w->events) == 0);
        CHECK(strstr(w->err.message, "SQL") == NULL && strstr(w->err.message, "/") == NULL);
        srv_write_free(w);
    }
    /* not even an object; an unknown kind of write */
    CHECK(t_write_code(&t, SRV_W_CONTRACT_CREATE, "admin", json_array()) == PACTA_BAD_REQUEST);
    CHECK(t_write_code(&t, (enum srv_write_kind)99, "admin", json_object()) == PACTA_INTERNAL);
    CHECK(t_head(&t) == head); /* nothing was logged */
    t_close(&t);
}

static json_t *update_args(const json_t *rec, json_int_t version, json_t *changes,
                           const char *reason)
{
    json_t *a = json_pack("{s:s, s:I, s:o}", "id", t_str(rec, "id"), "version", version, "changes",
                          changes);
    if (reason)
        json_object_set_new(a, "reason", json_string(reason));
    return a;
}

static void test_update(void)
{
    struct tdb t = {0};
    struct srv_write *w;
    json_t *rec, *now, *ev, *data;
    int64_t head;

    t_open(&t);
    rec = t_create(&t, "admin", t_contract_args("U-1", "Old title", "client"));
    REQUIRE(rec);
    head = t_head(&t);

    /* ok: version 2, changed, event */
    w = t_write(
        &t, SRV_W_CONTRACT_UPDATE, "admin",
        update_args(rec, 1, json_pack("{s:s, s:s}", "title", "New title", "kind", "client"), NULL));
    REQUIRE(w->code == PACTA_OK);
    now = json_object_get(w->result, "contract");
    CHECK(t_int(now, "version") == 2);
    CHECK_STR(t_str(now, "title"), "New title");
    CHECK(json_array_size(json_object_get(w->result, "changed")) == 1); /* kind was equal */
    CHECK_STR(json_string_value(json_array_get(json_object_get(w->result, "changed"), 0)), "title");
    REQUIRE(json_array_size(w->events) == 1);
    ev = json_array_get(w->events, 0);
    data = json_object_get(ev, "data");
    CHECK_STR(t_str(ev, "event"), "contract.updated");
    CHECK(t_int(ev, "seq") == head + 1);
    CHECK_STR(t_str(data, "actor"), "admin");
    CHECK(json_object_get(data, "reason") == NULL);
    CHECK(json_equal(json_object_get(data, "changed"), json_object_get(w->result, "changed")));
    CHECK(json_equal(json_object_get(data, "contract"), now));
    srv_write_free(w);

    /* stale: conflict with the current record, nothing written */
    w = t_write(&t, SRV_W_CONTRACT_UPDATE, "admin",
                update_args(rec, 1, json_pack("{s:s}", "title", "Lost edit"), NULL));
    CHECK(w->code == PACTA_CONFLICT);
    CHECK(w->result == NULL && json_array_size(w->events) == 0);
    json_t *current = json_object_get(w->error_extra, "current");
    CHECK(t_int(current, "version") == 2);
    CHECK_STR(t_str(current, "title"), "New title");
    CHECK_STR(t_str(current, "updated_by"), "admin");
    srv_write_free(w);
    now = t_get(&t, t_str(rec, "id"));
    CHECK(t_int(now, "version") == 2);
    CHECK_STR(t_str(now, "title"), "New title");
    json_decref(now);
    CHECK(t_head(&t) == head + 1);

    /* no-op: ok, changed [], no new version, no event */
    w = t_write(&t, SRV_W_CONTRACT_UPDATE, "admin",
                update_args(rec, 2, json_pack("{s:s}", "title", "New title"), NULL));
    CHECK(w->code == PACTA_OK);
    CHECK(json_array_size(json_object_get(w->result, "changed")) == 0);
    CHECK(t_int(json_object_get(w->result, "contract"), "version") == 2);
    CHECK(json_array_size(w->events) == 0);
    srv_write_free(w);
    CHECK(t_head(&t) == head + 1);

    /* invalid merged record / values / fields */
    CHECK(t_write_code(&t, SRV_W_CONTRACT_UPDATE, "admin",
                       update_args(rec, 2,
                                   json_pack("{s:s, s:s}", "start_date", "2026-05-01", "end_date",
                                             "2026-04-01"),
                                   NULL)) == PACTA_BAD_REQUEST);
    CHECK(t_write_code(&t, SRV_W_CONTRACT_UPDATE, "admin",
                       update_args(rec, 2, json_pack("{s:s}", "kind", "bogus"), NULL)) ==
          PACTA_BAD_REQUEST);
    CHECK(t_write_code(&t, SRV_W_CONTRACT_UPDATE, "admin",
                       update_args(rec, 2, json_pack("{s:i}", "version", 9), NULL)) ==
          PACTA_BAD_REQUEST);
    CHECK(t_write_code(&t, SRV_W_CONTRACT_UPDATE, "admin",
                       update_args(rec, 2, json_object(), NULL)) == PACTA_BAD_REQUEST);
    CHECK(t_write_code(&t, SRV_W_CONTRACT_UPDATE, "admin",
                       update_args(rec, 2, json_pack("{s:s}", "owner", "nobody"), NULL)) ==
          PACTA_BAD_REQUEST);
    CHECK(t_write_code(&t, SRV_W_CONTRACT_UPDATE, "admin",
                       update_args(rec, 2, json_pack("{s:s}", "title", "x"), "")) ==
          PACTA_BAD_REQUEST);
    CHECK(t_write_code(&t, SRV_W_CONTRACT_UPDATE, "admin",
                       json_pack("{s:s, s:i, s:{s:s}}", "id", t_str(rec, "id"), "version", 0,
                                 "changes", "title", "x")) == PACTA_BAD_REQUEST);
    CHECK(t_write_code(&t, SRV_W_CONTRACT_UPDATE, "admin",
                       json_pack("{s:i, s:{s:s}}", "version", 2, "changes", "title", "x")) ==
          PACTA_BAD_REQUEST);

    /* a number another live contract holds */
    json_t *other = t_create(&t, "admin", t_contract_args("U-2", "Other", "client"));
    w = t_write(&t, SRV_W_CONTRACT_UPDATE, "admin",
                update_args(rec, 2, json_pack("{s:s}", "number", "U-2"), NULL));
    CHECK(w->code == PACTA_CONFLICT);
    CHECK_STR(w->err.field, "number");
    srv_write_free(w);
    json_decref(other);

    /* a missing contract */
    json_t *ghost = json_pack("{s:s}", "id", "01890000-0000-7000-8000-00000000dead");
    CHECK(t_write_code(&t, SRV_W_CONTRACT_UPDATE, "admin",
                       update_args(ghost, 1, json_pack("{s:s}", "title", "x"), NULL)) ==
          PACTA_NOT_FOUND);
    CHECK(t_write_code(&t, SRV_W_CONTRACT_DELETE, "admin",
                       json_pack("{s:s, s:i}", "id", t_str(ghost, "id"), "version", 1)) ==
          PACTA_NOT_FOUND);
    json_decref(ghost);
    CHECK(t_head(&t) == head + 2); /* only "other" was created since */
    json_decref(rec);
    t_close(&t);
}

static void test_active_supplements(void)
{
    struct tdb t = {0};
    struct srv_write *w;
    json_t *args, *rec, *list, *items, *s;
    struct pacta_error err;
    sqlite3 *r;

    t_open(&t);
    args = t_contract_args("A-1", "Active one", "supplier");
    json_object_set_new(args, "status", json_string("active"));
    json_object_set_new(args, "amount_cents", json_integer(1000));
    rec = t_create(&t, "admin", args);
    REQUIRE(rec);

    /* no reason: refused, nothing changes */
    w = t_write(&t, SRV_W_CONTRACT_UPDATE, "admin",
                update_args(rec, 1, json_pack("{s:i}", "amount_cents", 2000), NULL));
    CHECK(w->code == PACTA_BAD_REQUEST);
    CHECK_STR(w->err.field, "reason");
    srv_write_free(w);
    json_t *same = t_get(&t, t_str(rec, "id"));
    CHECK(t_int(same, "version") == 1 && t_int(same, "amount_cents") == 1000);
    json_decref(same);

    /* with a reason: one supplement per changed field */
    w = t_write(&t, SRV_W_CONTRACT_UPDATE, "admin",
                update_args(rec, 1,
                            json_pack("{s:i, s:s, s:s}", "amount_cents", 2000, "end_date",
                                      "2027-12-31", "title", "Active one"),
                            "price review"));
    REQUIRE(w->code == PACTA_OK);
    CHECK(json_array_size(json_object_get(w->result, "changed")) == 2);
    CHECK_STR(t_str(json_object_get(json_array_get(w->events, 0), "data"), "reason"),
              "price review");
    srv_write_free(w);

    r = srv_db_reader_acquire(t.db);
    REQUIRE(srv_db_read_supplements(r, t_str(rec, "id"), 0, 0, &list, &err) == 0);
    items = json_object_get(list, "items");
    REQUIRE(json_array_size(items) == 2);
    s = json_array_get(items, 0); /* wire order: end_date comes before amount_cents */
    CHECK_STR(t_str(s, "field"), "end_date");
    CHECK(json_is_null(json_object_get(s, "old_value")));
    CHECK_STR(t_str(s, "new_value"), "2027-12-31");
    s = json_array_get(items, 1);
    CHECK_STR(t_str(s, "field"), "amount_cents");
    CHECK(t_int(s, "old_value") == 1000);
    CHECK(t_int(s, "new_value") == 2000);
    CHECK_STR(t_str(s, "reason"), "price review");
    CHECK_STR(t_str(s, "author"), "admin");
    CHECK_STR(t_str(s, "contract_id"), t_str(rec, "id"));
    CHECK(t_str(s, "effective_date") && strlen(t_str(s, "effective_date")) == 10);
    CHECK(iso_ms_like(t_str(s, "created_at")));
    json_decref(list);
    CHECK(srv_db_read_supplements(r, "01890000-0000-7000-8000-00000000dead", 0, 0, &list, &err) ==
          -PACTA_NOT_FOUND);
    srv_db_reader_release(t.db, r);

    /* a draft contract changes without a reason and without supplements */
    json_t *draft = t_create(&t, "admin", t_contract_args("A-2", "Draft", "client"));
    CHECK(t_write_code(&t, SRV_W_CONTRACT_UPDATE, "admin",
                       update_args(draft, 1, json_pack("{s:s}", "status", "active"), NULL)) ==
          PACTA_OK);
    r = srv_db_reader_acquire(t.db);
    CHECK(srv_db_read_supplements(r, t_str(draft, "id"), 0, 0, &list, &err) == 0);
    CHECK(json_array_size(json_object_get(list, "items")) == 0);
    json_decref(list);
    srv_db_reader_release(t.db, r);
    json_decref(draft);
    json_decref(rec);
    t_close(&t);
}

static void test_delete(void)
{
    struct tdb t = {0};
    struct srv_write *w;
    json_t *rec, *del, *again;

    t_open(&t);
    rec = t_create(&t, "admin", t_contract_args("X-1", "To delete", "client"));
    REQUIRE(rec);

    CHECK(t_write_code(&t, SRV_W_CONTRACT_DELETE, "admin",
                       json_pack("{s:s, s:i}", "id", t_str(rec, "id"), "version", 7)) ==
          PACTA_CONFLICT);
    w = t_write(
        &t, SRV_W_CONTRACT_DELETE, "admin",
        json_pack("{s:s, s:i, s:s}", "id", t_str(rec, "id"), "version", 1, "reason", "duplicate"));
    REQUIRE(w->code == PACTA_OK);
    del = json_object_get(w->result, "contract");
    CHECK(t_int(del, "version") == 2);
    CHECK(iso_ms_like(t_str(del, "deleted_at")));
    REQUIRE(json_array_size(w->events) == 1);
    CHECK_STR(t_str(json_array_get(w->events, 0), "event"), "contract.deleted");
    CHECK(json_equal(
        json_object_get(json_object_get(json_array_get(w->events, 0), "data"), "contract"), del));
    srv_write_free(w);

    /* still readable by id, with deleted_at */
    again = t_get(&t, t_str(rec, "id"));
    CHECK(again && !json_is_null(json_object_get(again, "deleted_at")));
    json_decref(again);
    /* gone for edits */
    CHECK(t_write_code(&t, SRV_W_CONTRACT_UPDATE, "admin",
                       update_args(rec, 2, json_pack("{s:s}", "title", "zombie"), NULL)) ==
          PACTA_NOT_FOUND);
    CHECK(t_write_code(&t, SRV_W_CONTRACT_DELETE, "admin",
                       json_pack("{s:s, s:i}", "id", t_str(rec, "id"), "version", 2)) ==
          PACTA_NOT_FOUND);
    /* its number is free again */
    again = t_create(&t, "admin", t_contract_args("X-1", "Replacement", "client"));
    CHECK(again != NULL);
    CHECK(again && strcmp(t_str(again, "id"), t_str(rec, "id")) != 0);
    json_decref(again);
    json_decref(rec);
    t_close(&t);
}

static void test_users(void)
{
    struct tdb t = {0};
    struct srv_write *w;
    char *hash = srv_auth_hash_password("s3cret-pass");
    json_t *list;
    sqlite3 *r;
    struct srv_user u;

    t_open(&t);
    w = t_write(&t, SRV_W_USER_CREATE, "admin",
                json_pack("{s:s, s:s, s:n, s:s}", "username", "bob", "password_hash", hash,
                          "display_name", "role", "viewer"));
    REQUIRE(w->code == PACTA_OK);
    CHECK_STR(t_str(json_object_get(w->result, "user"), "display_name"), "bob");
    CHECK_STR(t_str(json_object_get(w->result, "user"), "role"), "viewer");
    CHECK(json_array_size(w->events) == 0);
    srv_write_free(w);

    w = t_write(
        &t, SRV_W_USER_CREATE, "admin",
        json_pack("{s:s, s:s, s:s}", "username", "bob", "password_hash", hash, "role", "editor"));
    CHECK(w->code == PACTA_CONFLICT);
    CHECK_STR(w->err.field, "username");
    srv_write_free(w);
    CHECK(t_write_code(&t, SRV_W_USER_CREATE, "admin",
                       json_pack("{s:s, s:s, s:s}", "username", "carl", "password_hash", hash,
                                 "role", "emperor")) == PACTA_BAD_REQUEST);
    CHECK(t_write_code(&t, SRV_W_USER_CREATE, "admin",
                       json_pack("{s:s, s:s, s:s}", "username", "Bad Name", "password_hash", hash,
                                 "role", "editor")) == PACTA_BAD_REQUEST);
    CHECK(t_write_code(&t, SRV_W_USER_CREATE, "admin",
                       json_pack("{s:s, s:s, s:s}", "username", "carl", "password_hash",
                                 "plaintext", "role", "editor")) == PACTA_BAD_REQUEST);
    char long_name[260];
    memset(long_name, 'n', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    w = t_write(&t, SRV_W_USER_CREATE, "admin",
                json_pack("{s:s, s:s, s:s, s:s}", "username", "carl", "password_hash", hash,
                          "display_name", long_name, "role", "editor"));
    /* the protocol layer names the field; here the schema's CHECK is the backstop */
    CHECK(w->code == PACTA_BAD_REQUEST);
    srv_write_free(w);

    r = srv_db_reader_acquire(t.db);
    CHECK(srv_db_read_user(r, "bob", &u) == 0);
    CHECK(u.role == PACTA_ROLE_VIEWER && u.id > 0);
    CHECK(srv_auth_verify_password(u.password_hash, "s3cret-pass") == 1);
    srv_user_clear(&u);
    CHECK(srv_db_read_user(r, "carl", &u) == -PACTA_NOT_FOUND);
    srv_user_clear(&u);
    CHECK(srv_db_read_users(r, &list) == 0);
    CHECK(json_array_size(json_object_get(list, "items")) == 2);
    CHECK_STR(t_str(json_array_get(json_object_get(list, "items"), 0), "username"), "admin");
    CHECK(json_is_false(
        json_object_get(json_array_get(json_object_get(list, "items"), 1), "disabled")));
    CHECK(json_object_get(json_array_get(json_object_get(list, "items"), 1), "password_hash") ==
          NULL);
    json_decref(list);
    srv_db_reader_release(t.db, r);
    free(hash);
    t_close(&t);
}

/*
 * Group commit: 200 writes submitted before the loop runs complete in
 * submission order, their seqs strictly increase, and fewer fsyncs
 * (batches) than writes were needed.  A failing write in the middle sinks
 * only itself.
 */
static void test_group_commit(void)
{
    enum { N = 200 };
    struct tdb t = {0};
    struct srv_write *ws[N];
    struct srv_db_stats st;
    int64_t last_seq;
    char num[32];

    t_open(&t);
    last_seq = t_head(&t);
    t_ncompleted = 0;
    for (int i = 0; i < N; i++) {
        /* every 50th reuses the number of the one before: a conflict */
        snprintf(num, sizeof(num), "G-%04d", i % 50 == 49 ? i - 1 : i);
        ws[i] = srv_write_new(SRV_W_CONTRACT_CREATE, "admin", t_contract_args(num, "g", "client"));
        ws[i]->done = t_on_done;
        ws[i]->request_id = (uint64_t)i;
        REQUIRE(srv_db_submit(t.db, ws[i]) == 0);
    }
    CHECK(!srv_db_writer_idle(t.db));
    uv_run(&t.loop, UV_RUN_DEFAULT);
    CHECK(srv_db_writer_idle(t.db));
    REQUIRE(t_ncompleted == N);
    for (int i = 0; i < N; i++) {
        struct srv_write *w = t_completed[i];
        CHECK(w == ws[i] && w->request_id == (uint64_t)i);
        if (i % 50 == 49) {
            CHECK(w->code == PACTA_CONFLICT && json_array_size(w->events) == 0);
        } else {
            CHECK(w->code == PACTA_OK && json_array_size(w->events) == 1);
            int64_t seq = t_int(json_array_get(w->events, 0), "seq");
            CHECKF(seq == last_seq + 1, "write %d seq %lld after %lld", i, (long long)seq,
                   (long long)last_seq);
            last_seq = seq;
        }
        srv_write_free(w);
    }
    t_ncompleted = 0;
    srv_db_get_stats(t.db, &st);
    CHECK(st.writes == N);
    CHECKF(st.batches < st.writes, "batches %llu writes %llu", (unsigned long long)st.batches,
           (unsigned long long)st.writes);
    CHECK(st.max_batch > 1);
    CHECK(t_head(&t) == last_seq);

    /* After shutdown nothing is accepted, and the caller keeps the write. */
    srv_db_shutdown(t.db);
    struct srv_write *late = srv_write_new(SRV_W_CONTRACT_CREATE, "admin", json_object());
    late->done = t_on_done;
    CHECK(srv_db_submit(t.db, late) == -1);
    srv_write_free(late);
    CHECK(srv_db_writer_idle(t.db));
    t_close(&t);
}

/* If the transaction cannot even begin (another process holds the write
 * lock past the busy timeout), every write is unavailable with no event. */
static void test_batch_unavailable(void)
{
    struct tdb t = {0};
    struct srv_write *w;
    sqlite3 *locker;

    t_open(&t);
    locker = t_raw(&t);
    REQUIRE(sqlite3_exec(locker, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK);
    w = t_write(&t, SRV_W_CONTRACT_CREATE, "admin", t_contract_args("L-1", "locked", "client"));
    CHECK(w->code == PACTA_UNAVAILABLE);
    CHECK(w->err.code == PACTA_UNAVAILABLE);
    CHECK(w->result == NULL && json_array_size(w->events) == 0);
    srv_write_free(w);
    sqlite3_exec(locker, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(locker);
    /* and the store works again once the lock is gone */
    CHECK(t_write_code(&t, SRV_W_CONTRACT_CREATE, "admin",
                       t_contract_args("L-1", "unlocked", "client")) == PACTA_OK);
    t_close(&t);
}

/* srv_db_close with writes still queued runs them and their done(). */
static void test_close_drains(void)
{
    struct tdb t = {0};
    struct srv_write *w;

    t_open(&t);
    t_ncompleted = 0;
    w = srv_write_new(SRV_W_CONTRACT_CREATE, "admin", t_contract_args("Z-1", "z", "client"));
    w->done = t_on_done;
    REQUIRE(srv_db_submit(t.db, w) == 0);
    t_close_db(&t);
    REQUIRE(t_ncompleted == 1);
    CHECK(t_completed[0]->code == PACTA_OK);
    srv_write_free(t_completed[0]);
    t_ncompleted = 0;
    t_rmdir(&t);
}

int main(void)
{
    test_create_get_list();
    test_create_errors();
    test_update();
    test_active_supplements();
    test_delete();
    test_users();
    test_group_commit();
    test_batch_unavailable();
    test_close_drains();
    return t_finish();
}
