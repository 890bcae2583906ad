/*
 * pacta-desk: the client's models without a server (GTest): PactaContract,
 * PactaContractStore (ordering, version rule, tombstones, in-place
 * updates), PactaPresence, PactaPeerList and the settings keyfile.
 */
#include <glib/gstdio.h>

#include <pacta-core.h>

static json_t *rec(const char *id_tail, const char *number, json_int_t version, gboolean deleted)
{
    g_autofree char *id = g_strdup_printf("0193a5f2-7c1e-7b3a-9f00-%012d", atoi(id_tail));
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:n, s:n, s:s, s:I, s:s, s:s, s:s, s:i, "
                     "s:s, s:I, s:s, s:s, s:s, s:o}",
                     "id", id, "number", number, "title", "T", "counterparty", "ACME", "kind",
                     "client", "status", "draft", "sign_date", "start_date", "end_date",
                     "2027-01-31", "amount_cents", (json_int_t)1250000, "currency", "EUR", "owner",
                     "ana", "description", "", "notice_days", 30, "renewal", "none", "version",
                     version, "created_at", "2026-01-10T09:15:00.000Z", "updated_at",
                     "2026-11-22T14:02:03.123Z", "updated_by", "ana", "deleted_at",
                     deleted ? json_string("2026-11-22T14:07:00.000Z") : json_null());
}

static void test_contract_roundtrip(void)
{
    json_auto_t *r = rec("1", "C-1", 3, FALSE);
    g_autoptr(GError) error = NULL;
    g_autoptr(PactaContract) c = pacta_contract_new_from_json(r, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(pacta_contract_get_number(c), ==, "C-1");
    g_assert_cmpint(pacta_contract_get_version(c), ==, 3);
    g_assert_null(pacta_contract_get_sign_date(c));
    g_assert_cmpstr(pacta_contract_get_end_date(c), ==, "2027-01-31");
    g_autofree char *amount = NULL;
    g_object_get(c, "amount-text", &amount, NULL);
    g_assert_cmpstr(amount, ==, "12,500.00 EUR");
    json_auto_t *back = pacta_contract_to_json(c);
    g_assert_true(json_equal(back, r));

    /* Only changed properties are notified. */
    int n_title = 0, n_number = 0;
    g_signal_connect_swapped(c, "notify::title", G_CALLBACK(g_atomic_int_inc), &n_title);
    g_signal_connect_swapped(c, "notify::number", G_CALLBACK(g_atomic_int_inc), &n_number);
    json_object_set_new(r, "title", json_string("New"));
    g_assert_true(pacta_contract_update_from_json(c, r));
    g_assert_false(pacta_contract_update_from_json(c, r));
    g_assert_cmpint(n_title, ==, 1);
    g_assert_cmpint(n_number, ==, 0);

    json_auto_t *no_id = json_object();
    g_assert_null(pacta_contract_new_from_json(no_id, &error));
    g_assert_error(error, PACTA_DESK_ERROR, PACTA_DESK_ERROR_PROTOCOL);
}

static void test_contract_edit(void)
{
    json_auto_t *r = rec("1", "C-1", 3, FALSE);
    g_autoptr(PactaContract) base = pacta_contract_new_from_json(r, NULL);
    g_autoptr(PactaContract) edited = pacta_contract_copy(base);
    g_autoptr(GError) error = NULL;
    json_auto_t *title = json_string("Cleaning");
    g_assert_true(pacta_contract_set_field(edited, "title", title, &error));
    json_auto_t *blank = json_string("   ");
    g_assert_false(pacta_contract_set_field(edited, "title", blank, &error));
    g_assert_error(error, PACTA_DESK_ERROR, PACTA_DESK_ERROR_INVALID);
    g_clear_error(&error);
    json_auto_t *bad_date = json_string("2023-02-29");
    g_assert_false(pacta_contract_set_field(edited, "end_date", bad_date, &error));
    g_clear_error(&error);
    json_auto_t *bad_cur = json_string("HRK");
    g_assert_false(pacta_contract_validate_value("currency", bad_cur, NULL));
    json_auto_t *clear = json_null();
    g_assert_true(pacta_contract_set_field(edited, "end_date", clear, NULL));
    json_auto_t *changes = pacta_contract_diff(base, edited);
    json_auto_t *want = json_pack("{s:s, s:n}", "title", "Cleaning", "end_date");
    g_assert_true(json_equal(changes, want));

    /* A new draft needs its required fields; start <= end is checked. */
    g_autoptr(PactaContract) draft = pacta_contract_new();
    const char *bad = NULL;
    g_assert_false(pacta_contract_validate(draft, &bad, NULL));
    g_assert_cmpstr(bad, ==, "number");
    json_auto_t *args =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "number", "C-9", "title", "X", "counterparty",
                  "Y", "kind", "client", "start_date", "2027-01-01", "end_date", "2026-01-01");
    const char *key;
    json_t *v;
    json_object_foreach(args, key, v) g_assert_true(pacta_contract_set_field(draft, key, v, NULL));
    g_assert_false(pacta_contract_validate(draft, &bad, NULL));
    g_assert_cmpstr(bad, ==, "end_date");
    json_auto_t *end = json_string("2028-01-01");
    pacta_contract_set_field(draft, "end_date", end, NULL);
    g_assert_true(pacta_contract_validate(draft, &bad, NULL));
    json_auto_t *create = pacta_contract_to_create_args(draft);
    g_assert_null(json_object_get(create, "owner"));     /* empty: the server's default */
    g_assert_null(json_object_get(create, "sign_date")); /* null: left out */
    g_assert_cmpstr(json_string_value(json_object_get(create, "currency")), ==, "EUR");
}

static void test_format(void)
{
    static const struct {
        gint64 cents;
        const char *cur, *text;
    } fmt[] = {
        {0, "EUR", "0.00 EUR"},
        {5, "EUR", "0.05 EUR"},
        {123456, "USD", "1,234.56 USD"},
        {100000000000000000, "RON", "1,000,000,000,000,000.00 RON"},
    };
    for (guint i = 0; i < G_N_ELEMENTS(fmt); i++) {
        g_autofree char *s = pacta_format_amount(fmt[i].cents, fmt[i].cur);
        g_assert_cmpstr(s, ==, fmt[i].text);
    }
    static const struct {
        const char *text;
        gboolean ok;
        gint64 cents;
    } parse[] = {
        {"12500", TRUE, 1250000},   {"12,500.50", TRUE, 1250050},
        {"12500.5", TRUE, 1250050}, {"12,5", TRUE, 1250},
        {" 7 ", TRUE, 700},         {"1.234", FALSE, 0},
        {"-5", FALSE, 0},           {"", FALSE, 0},
        {"abc", FALSE, 0},          {"10000000000000.01", FALSE, 0},
    };
    for (guint i = 0; i < G_N_ELEMENTS(parse); i++) {
        gint64 cents = -1;
        g_test_message("parse '%s'", parse[i].text);
        g_assert_cmpint(pacta_parse_amount(parse[i].text, &cents), ==, parse[i].ok);
        if (parse[i].ok)
            g_assert_cmpint(cents, ==, parse[i].cents);
    }
    g_autofree char *t = pacta_format_timestamp("not a time");
    g_assert_cmpstr(t, ==, "not a time");
    g_autofree char *t2 = pacta_format_timestamp("2020-01-02T03:04:05.000Z");
    g_assert_true(g_str_has_prefix(t2, "2020-01-0"));
}

typedef struct {
    guint pos, removed, added, calls;
} Changes;

static void on_items_changed(GListModel *m, guint pos, guint removed, guint added, Changes *c)
{
    (void)m;
    c->pos = pos;
    c->removed = removed;
    c->added = added;
    c->calls++;
}

static const char *number_at(PactaContractStore *s, guint i)
{
    g_autoptr(PactaContract) c = g_list_model_get_item(G_LIST_MODEL(s), i);
    return c ? pacta_contract_get_number(c) : NULL; /* the store holds a ref */
}

/* The list's search ignores case and accents, only within a field, as
 * pactad's `text` does (pacta/fold.h), other scripts' case too. */
static void test_search(void)
{
    static const struct {
        const char *text, *folded;
    } folds[] = {{"Asociații ȘTIINȚĂ", "asociatii stiinta"},
                 {"Ñandú São Paulo", "nandu sao paulo"},
                 {"ABC-123", "abc-123"},
                 {"Łódź Øresund Æsir Straße", "lodz oresund aesir strasse"},
                 {"Cafe\xcc\x81 \x01tab", "cafe tab"},
                 {"ΩΜΈΓΑ", "ωμέγα"},
                 {"\xff", ""},
                 {"", ""}};
    for (size_t i = 0; i < G_N_ELEMENTS(folds); i++) {
        g_autofree char *f = pacta_search_fold(folds[i].text);
        g_assert_cmpstr(f, ==, folds[i].folded);
    }
    json_auto_t *r = rec("1", "C-77", 1, FALSE);
    json_object_set_new(r, "title", json_string("Asociația Română"));
    json_object_set_new(r, "counterparty", json_string("Școala Nr. 5"));
    g_autoptr(PactaContract) c = pacta_contract_new_from_json(r, NULL);
    static const struct {
        const char *typed;
        gboolean found;
    } searches[] = {{"asociatia", TRUE}, {"ROMÂNĂ", TRUE}, {"romana", TRUE},
                    {"scoala nr", TRUE}, {"c-77", TRUE},   {"romana\nscoala", FALSE},
                    {"ionescu", FALSE}};
    for (size_t i = 0; i < G_N_ELEMENTS(searches); i++) {
        g_autofree char *needle = pacta_search_fold(searches[i].typed);
        g_assert_true(pacta_contract_matches_search(c, needle) == searches[i].found);
    }
    /* a change to the record is searched at once (the folded copy is remade) */
    json_object_set_new(r, "version", json_integer(2));
    json_object_set_new(r, "title", json_string("Ionescu și fiii"));
    g_assert_true(pacta_contract_update_from_json(c, r));
    g_autofree char *ion = pacta_search_fold("IONESCU SI");
    g_assert_true(pacta_contract_matches_search(c, ion));
    g_autofree char *old = pacta_search_fold("asociatia");
    g_assert_false(pacta_contract_matches_search(c, old));
}

static void test_store(void)
{
    g_autoptr(PactaContractStore) s = pacta_contract_store_new(NULL);
    Changes ch = {0};
    g_signal_connect(s, "items-changed", G_CALLBACK(on_items_changed), &ch);

    /* A page in list order is appended in one go. */
    json_auto_t *page = json_pack("[o,o,o]", rec("1", "C-1", 1, FALSE), rec("2", "C-3", 1, FALSE),
                                  rec("3", "C-5", 1, FALSE));
    pacta_contract_store_apply_page(s, page);
    g_assert_cmpuint(g_list_model_get_n_items(G_LIST_MODEL(s)), ==, 3);
    g_assert_cmpuint(ch.calls, ==, 1);
    g_assert_cmpuint(ch.added, ==, 3);

    /* A created contract goes to its sorted place. */
    int n_changed = 0, n_removed = 0;
    g_signal_connect_swapped(s, "contract-changed", G_CALLBACK(g_atomic_int_inc), &n_changed);
    g_signal_connect_swapped(s, "contract-removed", G_CALLBACK(g_atomic_int_inc), &n_removed);
    json_auto_t *c2 = rec("4", "C-2", 1, FALSE);
    g_assert_true(pacta_contract_store_apply_record(s, c2, "bob", NULL, TRUE));
    g_assert_cmpstr(number_at(s, 1), ==, "C-2");
    g_assert_cmpuint(ch.pos, ==, 1);
    g_assert_cmpint(n_changed, ==, 1);

    /* An update replaces the row in place: same object, re-announced as
     * one item (a list on top re-checks its filter and place). */
    PactaContract *row =
        pacta_contract_store_lookup(s, json_string_value(json_object_get(c2, "id")));
    guint calls = ch.calls;
    json_auto_t *c2v2 = rec("4", "C-2", 2, FALSE);
    json_object_set_new(c2v2, "title", json_string("Updated"));
    const char *changed[] = {"title", NULL};
    g_assert_true(pacta_contract_store_apply_record(s, c2v2, "bob", changed, TRUE));
    g_assert_cmpuint(ch.calls, ==, calls + 1);
    g_assert_cmpuint(ch.pos, ==, 1);
    g_assert_cmpuint(ch.removed, ==, 1);
    g_assert_cmpuint(ch.added, ==, 1);
    g_assert_true(g_list_model_get_item(G_LIST_MODEL(s), 1) == (gpointer)row);
    g_object_unref(row);
    calls = ch.calls;
    g_assert_cmpstr(pacta_contract_get_title(row), ==, "Updated");
    g_assert_true(pacta_contract_get_highlight(row));
    g_assert_cmpstr(pacta_contract_get_last_actor(row), ==, "bob");
    g_assert_cmpstr(pacta_contract_get_changed_fields(row)[0], ==, "title");
    /* A sorted or filtered view asks for the row again: one item, in place. */
    pacta_contract_store_reannounce(s, row);
    g_assert_cmpuint(ch.calls, ==, calls + 1);
    g_assert_cmpuint(ch.pos, ==, 1);
    g_assert_cmpuint(ch.removed, ==, 1);
    g_assert_cmpuint(ch.added, ==, 1);

    /* An older version never wins (a page loaded after the event). */
    json_auto_t *c2old = rec("4", "C-2", 1, FALSE);
    g_assert_false(pacta_contract_store_apply_record(s, c2old, NULL, NULL, FALSE));
    g_assert_cmpstr(pacta_contract_get_title(row), ==, "Updated");

    /* A new number moves the row, keeping the object. */
    json_auto_t *c2v3 = rec("4", "C-9", 3, FALSE);
    g_assert_true(pacta_contract_store_apply_record(s, c2v3, "bob", NULL, TRUE));
    g_assert_cmpstr(number_at(s, 3), ==, "C-9");
    g_assert_true(pacta_contract_store_lookup(s, pacta_contract_get_id(row)) == row);
    g_assert_cmpuint(pacta_contract_store_find(s, pacta_contract_get_id(row)), ==, 3);

    /* Deleted: gone, and a stale page cannot bring it back. */
    json_auto_t *gone = rec("2", "C-3", 2, TRUE);
    g_assert_true(pacta_contract_store_apply_record(s, gone, "ana", NULL, TRUE));
    g_assert_cmpint(n_removed, ==, 1);
    g_assert_cmpuint(g_list_model_get_n_items(G_LIST_MODEL(s)), ==, 3);
    json_auto_t *stale = json_pack("[o]", rec("2", "C-3", 1, FALSE));
    pacta_contract_store_apply_page(s, stale);
    g_assert_cmpuint(g_list_model_get_n_items(G_LIST_MODEL(s)), ==, 3);
    g_assert_null(pacta_contract_store_lookup(s, json_string_value(json_object_get(gone, "id"))));

    /* A deletion seen before the row ever arrived is remembered too. */
    json_auto_t *early = rec("7", "C-7", 4, TRUE);
    g_assert_false(pacta_contract_store_apply_record(s, early, "ana", NULL, TRUE));
    json_auto_t *late = json_pack("[o]", rec("7", "C-7", 3, FALSE));
    pacta_contract_store_apply_page(s, late);
    g_assert_cmpuint(pacta_contract_store_find(s, json_string_value(json_object_get(early, "id"))),
                     ==, G_MAXUINT);

    /* Order holds: C-1, C-5, C-9. */
    g_assert_cmpstr(number_at(s, 0), ==, "C-1");
    g_assert_cmpstr(number_at(s, 1), ==, "C-5");
    g_assert_cmpstr(number_at(s, 2), ==, "C-9");
}

/* 100,000 rows page in quickly (one items-changed per page). */
static void test_store_large(void)
{
    g_autoptr(PactaContractStore) s = pacta_contract_store_new(NULL);
    Changes ch = {0};
    g_signal_connect(s, "items-changed", G_CALLBACK(on_items_changed), &ch);
    for (int p = 0; p < 200; p++) {
        json_auto_t *page = json_array();
        for (int i = 0; i < 500; i++) {
            int n = p * 500 + i;
            char num[32], tail[16];
            g_snprintf(num, sizeof num, "C-%06d", n);
            g_snprintf(tail, sizeof tail, "%d", n);
            json_array_append_new(page, rec(tail, num, 1, FALSE));
        }
        pacta_contract_store_apply_page(s, page);
    }
    g_assert_cmpuint(g_list_model_get_n_items(G_LIST_MODEL(s)), ==, 100000);
    g_assert_cmpuint(ch.calls, ==, 200);
    g_assert_cmpstr(number_at(s, 99999), ==, "C-099999");
}

/* PACTA_DESK_MAX_ROWS: how many contracts a store keeps (read when it is
 * made); a value that is not a whole number from 1 up keeps the default,
 * and says so. */
static void test_store_max_rows(void)
{
    static const struct {
        const char *env;
        guint want;
    } cases[] = {{NULL, 100000},    {"25", 25},     {"1", 1},
                 {"0", 100000},     {"-5", 100000}, {"many", 100000},
                 {"12abc", 100000}, {"", 100000},   {"99999999999", 100000}};
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        if (cases[i].env)
            g_setenv("PACTA_DESK_MAX_ROWS", cases[i].env, TRUE);
        else
            g_unsetenv("PACTA_DESK_MAX_ROWS");
        gboolean bad = cases[i].env && cases[i].want == 100000;
        if (bad)
            g_test_expect_message("pacta-store", G_LOG_LEVEL_MESSAGE,
                                  "PACTA_DESK_MAX_ROWS=*not a whole number*");
        g_autoptr(PactaContractStore) s = pacta_contract_store_new(NULL);
        g_test_assert_expected_messages();
        g_assert_cmpuint(pacta_contract_store_get_max_rows(s), ==, cases[i].want);
        g_assert_false(pacta_contract_store_get_partial(s));
    }
    g_unsetenv("PACTA_DESK_MAX_ROWS");
}

static void test_presence(void)
{
    g_autoptr(PactaPresence) p = pacta_presence_new(NULL);
    g_autoptr(PactaContractStore) s = pacta_contract_store_new(NULL);
    json_auto_t *page = json_pack("[o]", rec("1", "C-1", 1, FALSE));
    pacta_contract_store_apply_page(s, page);
    pacta_contract_store_set_presence(s, p);
    PactaContract *row = g_list_model_get_item(G_LIST_MODEL(s), 0);
    g_object_unref(row); /* the store keeps it */
    const char *id = pacta_contract_get_id(row);
    pacta_presence_set_username(p, "me");

    json_auto_t *e1 = json_pack("{s:s, s:[{s:s, s:s, s:i}]}", "contract_id", id, "editors", "user",
                                "ana", "display_name", "Ana Pop", "session", 3);
    pacta_presence_apply(p, e1);
    g_assert_cmpstr(pacta_contract_get_editing_text(row), ==, "Ana Pop is editing");

    /* Our own entry on the contract we have open is not shown back to us. */
    json_auto_t *e2 = json_pack("{s:s, s:[{s:s, s:s, s:i}, {s:s, s:s, s:i}, {s:s, s:s, s:i}]}",
                                "contract_id", id, "editors", "user", "ana", "display_name",
                                "Ana Pop", "session", 3, "user", "me", "display_name", "Me",
                                "session", 4, "user", "bob", "display_name", "Bob", "session", 5);
    pacta_presence_apply(p, e2);
    g_assert_cmpstr(pacta_contract_get_editing_text(row), ==, "Ana Pop, Me and Bob are editing");
    pacta_presence_set_editing(p, id);
    g_assert_cmpstr(pacta_presence_get_editing(p), ==, id);
    g_assert_cmpstr(pacta_contract_get_editing_text(row), ==, "Ana Pop and Bob are editing");

    json_auto_t *none = json_pack("{s:s, s:[]}", "contract_id", id, "editors");
    pacta_presence_apply(p, none);
    g_assert_null(pacta_contract_get_editing_text(row));
    pacta_presence_apply(p, e1);
    pacta_presence_clear(p);
    g_assert_null(pacta_contract_get_editing_text(row));
}

static void test_peers(void)
{
    g_autoptr(PactaPeerList) l = pacta_peer_list_new(NULL);
    json_auto_t *items = json_pack(
        "[{s:i, s:s, s:s, s:s, s:i, s:b}, {s:i, s:n, s:n, s:s, s:i, s:b}]", "session", 1, "user",
        "admin", "role", "admin", "address", "127.0.0.1", "messages_in", 3, "subscribed", 1,
        "session", 2, "user", "role", "address", "127.0.0.1", "messages_in", 0, "subscribed", 0);
    pacta_peer_list_apply_items(l, items);
    g_assert_cmpuint(g_list_model_get_n_items(G_LIST_MODEL(l)), ==, 2);
    g_autoptr(PactaPeer) second = g_list_model_get_item(G_LIST_MODEL(l), 1);
    g_assert_null(pacta_peer_get_user(second));
    int notified = 0;
    g_signal_connect_swapped(second, "notify::user", G_CALLBACK(g_atomic_int_inc), &notified);
    json_auto_t *upd =
        json_pack("{s:i, s:s, s:s, s:s, s:i, s:b}", "session", 2, "user", "ed", "role", "editor",
                  "address", "127.0.0.1", "messages_in", 1, "subscribed", 1);
    pacta_peer_list_apply_connection(l, upd);
    g_assert_cmpint(notified, ==, 1);
    g_assert_cmpstr(pacta_peer_get_user(second), ==, "ed");
    g_assert_true(pacta_peer_get_subscribed(second));
    json_auto_t *opened = json_pack("{s:i, s:s}", "session", 9, "address", "10.0.0.1");
    pacta_peer_list_apply_connection(l, opened);
    g_assert_cmpuint(pacta_peer_list_find(l, 9), ==, 2);
    pacta_peer_list_remove_session(l, 1);
    g_assert_cmpuint(g_list_model_get_n_items(G_LIST_MODEL(l)), ==, 2);
    g_assert_cmpuint(pacta_peer_list_find(l, 1), ==, G_MAXUINT);
}

static void test_settings(void)
{
    g_autofree char *dir = g_dir_make_tmp("pacta-settings-XXXXXX", NULL);
    g_setenv("XDG_CONFIG_HOME", dir, TRUE);
    /* GLib caches the config dir: this test relies on running first in a
     * fresh process, which g_test's /settings path ordering guarantees. */
    g_autofree char *path = pacta_settings_path();
    g_assert_true(g_str_has_prefix(path, dir));
    g_autoptr(GError) error = NULL;
    g_autoptr(PactaSettings) empty = pacta_settings_load(&error);
    g_assert_no_error(error);
    g_assert_cmpstr(empty->url, ==, "");
    PactaSettings s = {"wss://localhost:7443/", "/tmp/ca.pem", "ana"};
    g_assert_true(pacta_settings_save(&s, &error));
    g_assert_no_error(error);
    GStatBuf st;
    g_assert_cmpint(g_stat(path, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0600);
    g_autofree char *text = NULL;
    g_file_get_contents(path, &text, NULL, NULL);
    g_assert_null(strstr(text, "password"));
    g_autoptr(PactaSettings) back = pacta_settings_load(&error);
    g_assert_cmpstr(back->url, ==, s.url);
    g_assert_cmpstr(back->ca_file, ==, s.ca_file);
    g_assert_cmpstr(back->username, ==, s.username);
    g_setenv("PACTA_USER", "bob", TRUE);
    g_setenv("PACTA_PASSWORD", "secret", TRUE);
    g_assert_cmpstr(pacta_settings_apply_env(back), ==, "secret");
    g_assert_cmpstr(back->username, ==, "bob");
    g_unlink(path);
    g_autofree char *sub = g_path_get_dirname(path);
    g_rmdir(sub);
    g_rmdir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/settings/keyfile", test_settings); /* first: see the test */
    g_test_add_func("/contract/roundtrip", test_contract_roundtrip);
    g_test_add_func("/contract/edit", test_contract_edit);
    g_test_add_func("/contract/format", test_format);
    g_test_add_func("/contract/search", test_search);
    g_test_add_func("/store/events", test_store);
    g_test_add_func("/store/large", test_store_large);
    g_test_add_func("/store/max-rows", test_store_max_rows);
    g_test_add_func("/presence/describe", test_presence);
    g_test_add_func("/peers/model", test_peers);
    return g_test_run();
}
