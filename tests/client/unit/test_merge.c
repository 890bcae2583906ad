/* pacta-desk: three-way merge of a stale save (GTest). */
#include <pacta-merge.h>

static json_t *record(const char *title, const char *end_date, json_int_t amount,
                      json_int_t version)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:I, s:s, s:s, s:s, s:i, "
                     "s:s, s:I, s:s, s:s}",
                     "id", "0193a5f2-7c1e-7b3a-9f00-1a2b3c4d5e6f", "number", "C-1", "title", title,
                     "counterparty", "ACME", "kind", "supplier", "status", "draft", "sign_date",
                     json_null(), "start_date", json_null(), "end_date",
                     end_date ? json_string(end_date) : json_null(), "amount_cents", amount,
                     "currency", "EUR", "owner", "ana", "description", "", "notice_days", 0,
                     "renewal", "none", "version", version, "updated_by", "bob", "updated_at",
                     "2026-11-22T14:02:03.123Z");
}

/* Only I changed the title, only they changed the amount: no question. */
static void test_disjoint(void)
{
    json_auto_t *base = record("Old", NULL, 100, 3);
    json_auto_t *mine = json_pack("{s:s}", "title", "Mine");
    json_auto_t *theirs = record("Old", NULL, 200, 4);
    g_autoptr(PactaMerge) m = pacta_merge_new(base, mine, theirs);
    g_assert_cmpint(pacta_merge_get_kind(m, "title"), ==, PACTA_MERGE_MINE);
    g_assert_cmpint(pacta_merge_get_kind(m, "amount_cents"), ==, PACTA_MERGE_THEIRS);
    g_assert_cmpint(pacta_merge_get_kind(m, "currency"), ==, PACTA_MERGE_UNCHANGED);
    g_assert_cmpuint(pacta_merge_count(m, PACTA_MERGE_CONFLICT), ==, 0);
    g_assert_true(pacta_merge_is_resolved(m));
    g_assert_cmpint(pacta_merge_get_their_version(m), ==, 4);
    g_assert_cmpstr(pacta_merge_get_their_author(m), ==, "bob");
    json_auto_t *changes = pacta_merge_get_changes(m);
    json_auto_t *want = json_pack("{s:s}", "title", "Mine");
    g_assert_true(json_equal(changes, want));
    json_auto_t *result = pacta_merge_get_result(m);
    g_assert_cmpstr(json_string_value(json_object_get(result, "title")), ==, "Mine");
    g_assert_cmpint(json_integer_value(json_object_get(result, "amount_cents")), ==, 200);
}

/* Both changed the title differently: a conflict until the user picks. */
static void test_conflict_pick_mine(void)
{
    json_auto_t *base = record("Old", NULL, 100, 3);
    json_auto_t *mine = record("Mine", "2027-01-31", 100, 3); /* a whole record works too */
    json_auto_t *theirs = record("Theirs", NULL, 100, 4);
    g_autoptr(PactaMerge) m = pacta_merge_new(base, mine, theirs);
    g_assert_cmpint(pacta_merge_get_kind(m, "title"), ==, PACTA_MERGE_CONFLICT);
    g_assert_cmpint(pacta_merge_get_kind(m, "end_date"), ==, PACTA_MERGE_MINE);
    g_assert_false(pacta_merge_is_resolved(m));
    g_auto(GStrv) conflicts = pacta_merge_list_fields(m, PACTA_MERGE_CONFLICT);
    g_assert_cmpuint(g_strv_length(conflicts), ==, 1);
    g_assert_cmpstr(conflicts[0], ==, "title");
    g_assert_cmpstr(json_string_value(pacta_merge_get_mine(m, "title")), ==, "Mine");
    g_assert_cmpstr(json_string_value(pacta_merge_get_theirs(m, "title")), ==, "Theirs");
    g_assert_cmpstr(json_string_value(pacta_merge_get_base(m, "title")), ==, "Old");
    /* Unresolved: the conflicting field is not sent, the auto-merged one is. */
    json_auto_t *partial = pacta_merge_get_changes(m);
    g_assert_null(json_object_get(partial, "title"));
    g_assert_nonnull(json_object_get(partial, "end_date"));
    g_assert_false(pacta_merge_choose(m, "end_date", PACTA_MERGE_PICK_THEIRS));
    g_assert_true(pacta_merge_choose(m, "title", PACTA_MERGE_PICK_MINE));
    g_assert_true(pacta_merge_is_resolved(m));
    json_auto_t *changes = pacta_merge_get_changes(m);
    json_auto_t *want = json_pack("{s:s, s:s}", "title", "Mine", "end_date", "2027-01-31");
    g_assert_true(json_equal(changes, want));
}

static void test_conflict_pick_theirs(void)
{
    json_auto_t *base = record("Old", NULL, 100, 3);
    json_auto_t *mine = json_pack("{s:s}", "title", "Mine");
    json_auto_t *theirs = record("Theirs", NULL, 100, 4);
    g_autoptr(PactaMerge) m = pacta_merge_new(base, mine, theirs);
    g_assert_true(pacta_merge_choose(m, "title", PACTA_MERGE_PICK_THEIRS));
    g_assert_cmpint(pacta_merge_get_choice(m, "title"), ==, PACTA_MERGE_PICK_THEIRS);
    json_auto_t *changes = pacta_merge_get_changes(m);
    g_assert_cmpuint(json_object_size(changes), ==, 0);
    /* What I typed is still there to show. */
    g_assert_cmpstr(json_string_value(pacta_merge_get_mine(m, "title")), ==, "Mine");
}

/* Table: (base, mine, theirs) of one field -> kind. */
static void test_kinds_table(void)
{
    static const struct {
        const char *base, *mine, *theirs; /* NULL mine: untouched; "~": JSON null */
        PactaMergeKind kind;
    } cases[] = {
        {"a", NULL, "a", PACTA_MERGE_UNCHANGED},
        {"a", "a", "a", PACTA_MERGE_UNCHANGED},
        {"a", "b", "a", PACTA_MERGE_MINE},
        {"a", NULL, "b", PACTA_MERGE_THEIRS},
        {"a", "a", "b", PACTA_MERGE_THEIRS},
        {"a", "b", "b", PACTA_MERGE_SAME},
        {"a", "b", "c", PACTA_MERGE_CONFLICT},
        {"~", "2027-01-01", "~", PACTA_MERGE_MINE},
        {"2027-01-01", "~", "2027-01-01", PACTA_MERGE_MINE}, /* clearing is a change */
        {"2027-01-01", "~", "2028-01-01", PACTA_MERGE_CONFLICT},
        {"~", "~", "2028-01-01", PACTA_MERGE_THEIRS},
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
#define V(s) (g_strcmp0((s), "~") == 0 ? json_null() : json_string(s))
        json_auto_t *base = json_pack("{s:o, s:I}", "end_date", V(cases[i].base), "version", 1);
        json_auto_t *theirs = json_pack("{s:o, s:I}", "end_date", V(cases[i].theirs), "version", 2);
        json_auto_t *mine = json_object();
        if (cases[i].mine)
            json_object_set_new(mine, "end_date", V(cases[i].mine));
#undef V
        g_autoptr(PactaMerge) m = pacta_merge_new(base, mine, theirs);
        g_test_message("case %u", i);
        g_assert_cmpint(pacta_merge_get_kind(m, "end_date"), ==, cases[i].kind);
        json_auto_t *changes = pacta_merge_get_changes(m);
        g_assert_cmpuint(json_object_size(changes), ==, cases[i].kind == PACTA_MERGE_MINE ? 1 : 0);
    }
}

static void test_values_equal(void)
{
    json_auto_t *a = json_string("x");
    json_auto_t *b = json_string("x");
    json_auto_t *n = json_null();
    g_assert_true(pacta_merge_values_equal(a, b));
    g_assert_true(pacta_merge_values_equal(NULL, n));
    g_assert_false(pacta_merge_values_equal(a, NULL));
    g_assert_false(pacta_merge_values_equal(n, a));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/merge/disjoint", test_disjoint);
    g_test_add_func("/merge/conflict-pick-mine", test_conflict_pick_mine);
    g_test_add_func("/merge/conflict-pick-theirs", test_conflict_pick_theirs);
    g_test_add_func("/merge/kinds-table", test_kinds_table);
    g_test_add_func("/merge/values-equal", test_values_equal);
    return g_test_run();
}
