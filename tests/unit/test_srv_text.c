/*
 * contracts.list `text` through the trigram index (schema migration 8,
 * schema_text.h; db_list.c's TEXT plan): the index yields exactly the rows
 * whose number, title or counterparty contain a substring after creates,
 * edits, soft and hard deletes and a migration of existing rows; `text`
 * keeps its meaning (case and the Latin letters' accents folded since
 * migration 20, % and _ literal, any length) whichever plan reads it
 * (test_srv_text_fold.c has the folding's cases).
 */
#include "test_srv_text_util.h"

/* One listing's numbers, space-separated, in *out; its plan in *plan. */
static void list(struct tdb *t, struct pacta_list_args a, enum srv_list_plan *plan, char *out,
                 size_t len)
{
    sqlite3 *r = srv_db_reader_acquire(t->db);
    struct pacta_error err;
    struct srv_list_explain e;
    json_t *page = NULL, *it;
    size_t i, o = 0;

    out[0] = '\0';
    a.limit = 100;
    REQUIRE(srv__list_explain(r, &a, &e, &err) == 0);
    *plan = e.plan;
    srv__list_explain_clear(&e);
    REQUIRE(srv_db_read_contracts(r, &a, &page, &err) == 0);
    json_array_foreach(json_object_get(page, "items"), i, it) o +=
        (size_t)snprintf(out + o, len - o, "%s%s", o ? " " : "", t_str(it, "number"));
    json_decref(page);
    srv_db_reader_release(t->db, r);
}

static void check_text(struct tdb *t, const char *text, enum srv_list_plan want_plan,
                       const char *want)
{
    enum srv_list_plan plan;
    char got[1024];

    list(t, (struct pacta_list_args){.text = text}, &plan, got, sizeof(got));
    CHECKF(strcmp(got, want) == 0, "text \"%s\": got \"%s\", want \"%s\"", text, got, want);
    CHECKF(plan == want_plan, "text \"%s\": plan %s, want %s", text, srv__list_plan_name(plan),
           srv__list_plan_name(want_plan));
}

/* What `text` matches, through the index, as PROTOCOL.md §6.4 says. */
static void test_meaning(void)
{
    struct tdb t;
    json_t *a, *b, *c;

    t_open(&t);
    a = t_create(&t, "admin",
                 t_text_contract("C-2026-001", "Office cleaning", "Brite Services SRL"));
    b = t_create(&t, "admin",
                 t_text_contract("C-2026-002", "Échafaudage", "Asociația \"Nord\" 50%"));
    c = t_create(&t, "admin", t_text_contract("X-77", "Lift_repair", "Ølstad AS"));
    REQUIRE(a && b && c);

    /* a substring anywhere, ASCII letters in any case */
    check_text(&t, "CLEAN", SRV_LIST_TEXT, "C-2026-001");
    check_text(&t, "vices s", SRV_LIST_TEXT, "C-2026-001");
    check_text(&t, "2026-00", SRV_LIST_TEXT, "C-2026-001 C-2026-002");
    check_text(&t, "c-2026-002", SRV_LIST_TEXT, "C-2026-002");
    /* other Latin letters without case or accents */
    check_text(&t, "Échaf", SRV_LIST_TEXT, "C-2026-002");
    check_text(&t, "ÉCHAF", SRV_LIST_TEXT, "C-2026-002");
    check_text(&t, "échaf", SRV_LIST_TEXT, "C-2026-002");
    check_text(&t, "echaf", SRV_LIST_TEXT, "C-2026-002");
    check_text(&t, "ølstad", SRV_LIST_TEXT, "X-77");
    check_text(&t, "olstad", SRV_LIST_TEXT, "X-77");
    check_text(&t, "asociatia", SRV_LIST_TEXT, "C-2026-002");
    check_text(&t, "ația", SRV_LIST_TEXT, "C-2026-002");
    check_text(&t, "ațio", SRV_LIST_TEXT, "");
    /* %, _ and quotes are literal */
    check_text(&t, "50%", SRV_LIST_TEXT, "C-2026-002");
    check_text(&t, "t_r", SRV_LIST_TEXT, "X-77");
    check_text(&t, "t%r", SRV_LIST_TEXT, "");
    check_text(&t, "\"Nord\"", SRV_LIST_TEXT, "C-2026-002");
    check_text(&t, "AND OR", SRV_LIST_TEXT, "");
    /* under three characters: no trigram, the short index reads it
     * (test_srv_short.c) */
    check_text(&t, "Ø", SRV_LIST_TEXT, "C-2026-001 C-2026-002 X-77"); /* "o" */
    check_text(&t, "øl", SRV_LIST_TEXT, "X-77");
    check_text(&t, "_r", SRV_LIST_TEXT, "X-77");
    check_text(&t, "77", SRV_LIST_TEXT, "X-77");
    check_text(&t, "e", SRV_LIST_TEXT, "C-2026-001 C-2026-002 X-77");
    check_text(&t, "nosuch", SRV_LIST_TEXT, "");

    json_decref(a);
    json_decref(b);
    json_decref(c);
    t_close(&t);
}

/* The triggers keep the index in step with every write. */
static void test_in_step(void)
{
    static const char *const subs[] = {
        "lean",  "Office", "window", "C-2026", "X-77", "Y-88", "Brite", "Green", "SRL",
        "Lift_", "wash",   "Otis",   "GmbH",   "888",  "ice",  "-00",   NULL,
    };
    struct tdb t;
    json_t *a, *b, *c;
    struct srv_write *w;
    sqlite3 *h;
    char err[256];

    t_open(&t);
    a = t_create(&t, "admin",
                 t_text_contract("C-2026-001", "Office cleaning", "Brite Services SRL"));
    b = t_create(&t, "admin", t_text_contract("C-2026-002", "Lift_repair", "Otis SRL"));
    c = t_create(&t, "admin", t_text_contract("X-77", "Gardening", "Green SRL"));
    REQUIRE(a && b && c);
    t_text_in_step(&t, "contracts_text", srv_trigram_query, subs);

    /* each column, alone and together; a field outside the index */
    t_text_update(&t, a, json_pack("{s:s}", "title", "Window washing"));
    t_text_in_step(&t, "contracts_text", srv_trigram_query, subs);
    t_text_update(&t, b, json_pack("{s:s, s:s}", "number", "Y-88", "counterparty", "Otis GmbH"));
    t_text_in_step(&t, "contracts_text", srv_trigram_query, subs);
    t_text_update(&t, c,
                  json_pack("{s:I, s:s}", "amount_cents", (json_int_t)888, "description", "ice"));
    t_text_in_step(&t, "contracts_text", srv_trigram_query, subs);
    t_text_update(&t, a,
                  json_pack("{s:s, s:s, s:s}", "number", "C-2026-888", "title", "Office",
                            "counterparty", "Brite"));
    t_text_in_step(&t, "contracts_text", srv_trigram_query, subs);
    check_text(&t, "wash", SRV_LIST_TEXT, "");
    check_text(&t, "c-2026-88", SRV_LIST_TEXT, "C-2026-888");

    /* soft delete: still indexed, not listed; its number can be taken */
    w = t_write(&t, SRV_W_CONTRACT_DELETE, "admin",
                json_pack("{s:s, s:I}", "id", t_str(c, "id"), "version", t_int(c, "version")));
    REQUIRE(w->code == PACTA_OK);
    srv_write_free(w);
    json_decref(t_create(&t, "admin", t_text_contract("X-77", "Lift_ice", "Green SRL")));
    t_text_in_step(&t, "contracts_text", srv_trigram_query, subs);
    check_text(&t, "X-77", SRV_LIST_TEXT, "X-77");
    {
        enum srv_list_plan plan;
        char got[256];
        list(&t, (struct pacta_list_args){.text = "x-77", .include_deleted = 1}, &plan, got,
             sizeof(got));
        CHECK_STR(got, "X-77 X-77");
    }

    /* a hard delete (no op does one; a hand-typed session may) */
    REQUIRE(sqlite3_open(t.path, &h) == SQLITE_OK);
    sqlite3_busy_timeout(h, 5000);
    snprintf(err, sizeof(err), "DELETE FROM contracts WHERE id = '%s'", t_str(c, "id"));
    CHECKF(sqlite3_exec(h, err, NULL, NULL, NULL) == SQLITE_OK, "%s", sqlite3_errmsg(h));
    sqlite3_close(h);
    t_text_in_step(&t, "contracts_text", srv_trigram_query, subs);
    t_text_integrity(&t, "contracts_text");

    json_decref(a);
    json_decref(b);
    json_decref(c);
    t_close(&t);
}

/* A file of every older version gets its existing rows indexed. */
static void test_migration(void)
{
    static const char *const subs[] = {"Pre-ex", "vechi", "M-1", "xist", NULL};

    for (int version = 4; version < srv__schema_latest(); version++) {
        struct tdb t;
        t_old_file(&t, version,
                   T_OLD_CONTRACTS T_OLD_CONTRACT("6f", "M-1", "Pre-existing", "Vechi SRL"));
        t_open_old(&t);
        check_text(&t, "VECHI", SRV_LIST_TEXT, "M-1");
        check_text(&t, "pre-ex", SRV_LIST_TEXT, "M-1");
        t_text_in_step(&t, "contracts_text", srv_trigram_query, subs);
        t_close(&t);
    }
}

int main(void)
{
    test_meaning();
    test_in_step();
    test_migration();
    return t_finish();
}
