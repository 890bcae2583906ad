/*
 * contracts.list's arguments (filters, sort, paging) and the saved views
 * that store them (views.save / views.delete), issue 7.  One decoder serves
 * contracts.list, export.contracts (its `filters`) and views.save (its
 * `filter`), so every place accepts exactly the same filters with the same
 * errors.  Strict like args.c: unknown members, wrong types and values out
 * of range are bad_request naming the member; null means absent.
 */
#include <string.h>

#include "internal.h"

static const char *const sort_names[PACTA_SORT__COUNT] = {
    [PACTA_SORT_DEFAULT] = "",
    [PACTA_SORT_NUMBER] = "number",
    [PACTA_SORT_TITLE] = "title",
    [PACTA_SORT_COUNTERPARTY] = "counterparty",
    [PACTA_SORT_END_DATE] = "end_date",
    [PACTA_SORT_START_DATE] = "start_date",
    [PACTA_SORT_SIGN_DATE] = "sign_date",
    [PACTA_SORT_AMOUNT] = "amount",
    [PACTA_SORT_UPDATED_AT] = "updated_at",
    [PACTA_SORT_RELEVANCE] = "relevance",
};

#define SORT_CHOICES                                                                               \
    "number, title, counterparty, end_date, start_date, sign_date, amount, updated_at, relevance"

static const char *const lifecycles[] = {
    PACTA_LIFECYCLE_UPCOMING,
    PACTA_LIFECYCLE_ACTIVE,
    PACTA_LIFECYCLE_EXPIRING,
    PACTA_LIFECYCLE_EXPIRED,
    PACTA_LIFECYCLE_TERMINATED,
    PACTA_LIFECYCLE_UNKNOWN,
    NULL,
};

const char *pacta_list_sort_name(enum pacta_list_sort sort)
{
    if ((int)sort < 0 || sort >= PACTA_SORT__COUNT)
        return "";
    return sort_names[sort];
}

enum pacta_list_sort pacta_list_sort_from_name(const char *name)
{
    for (int i = 1; name && i < PACTA_SORT__COUNT; i++)
        if (strcmp(sort_names[i], name) == 0)
            return (enum pacta_list_sort)i;
    return PACTA_SORT__COUNT;
}

/* pacta__member and pacta__check_members: arg_members.c (internal.h). */

static int get_string(const json_t *args, const char *name, const char **out,
                      struct pacta_error *err)
{
    json_t *v = pacta__member(args, name);

    *out = NULL;
    if (!v)
        return 0;
    if (!json_is_string(v))
        return pacta_error_set(err, PACTA_BAD_REQUEST, name, "must be a string");
    *out = json_string_value(v);
    return 0;
}

static int get_text(const json_t *args, const char *name, size_t max, unsigned rules,
                    const char **out, struct pacta_error *err)
{
    int rc = get_string(args, name, out, err);

    if (rc == 0 && *out && (rc = pacta__check_text(*out, 1, max, rules, name, err)) != 0)
        *out = NULL;
    return rc;
}

static int get_date(const json_t *args, const char *name, const char **out, struct pacta_error *err)
{
    int rc = get_string(args, name, out, err);

    if (rc == 0 && *out && !pacta_valid_date(*out)) {
        *out = NULL;
        rc = pacta_error_set(err, PACTA_BAD_REQUEST, name, "must be a date YYYY-MM-DD");
    }
    return rc;
}

static int get_amount(const json_t *args, const char *name, int64_t *out, int *present,
                      struct pacta_error *err)
{
    json_t *v = pacta__member(args, name);

    *present = 0;
    if (!v)
        return 0;
    if (!json_is_integer(v))
        return pacta_error_set(err, PACTA_BAD_REQUEST, name, "must be an integer");
    if (json_integer_value(v) < 0 || json_integer_value(v) > 1000000000000000LL)
        return pacta_error_set(err, PACTA_BAD_REQUEST, name,
                               "must be between 0 and 1000000000000000");
    *out = json_integer_value(v);
    *present = 1;
    return 0;
}

/* An optional member validated by a contract field's rules. */
static int get_field(const json_t *args, const char *name, const char **out,
                     struct pacta_error *err)
{
    json_t *v = pacta__member(args, name);
    int rc;

    *out = NULL;
    if (!v)
        return 0;
    if ((rc = pacta_field_validate(pacta_contract_field(name), v, err)) == 0)
        *out = json_string_value(v);
    return rc;
}

static int get_lifecycle(const json_t *args, const char **out, struct pacta_error *err)
{
    int rc = get_string(args, "lifecycle", out, err);

    if (rc || !*out)
        return rc;
    for (int i = 0; lifecycles[i]; i++)
        if (strcmp(lifecycles[i], *out) == 0)
            return 0;
    *out = NULL;
    return pacta_error_set(err, PACTA_BAD_REQUEST, "lifecycle",
                           "must be one of: upcoming, active, expiring, expired, terminated, "
                           "unknown");
}

/* A from..to pair: the end of the range must not come before its start. */
static int check_range(const char *from, const char *to, const char *to_name, const char *from_name,
                       struct pacta_error *err)
{
    if (from && to && strcmp(from, to) > 0)
        return pacta_error_set(err, PACTA_BAD_REQUEST, to_name, "must not be before %s", from_name);
    return 0;
}

#define FILTER_MEMBERS                                                                             \
    "status", "kind", "owner", "text", "include_deleted", "q", "lifecycle", "currency",            \
        "sign_from", "sign_to", "start_from", "start_to", "end_from", "end_to", "amount_min",      \
        "amount_max"

/* The filter members, in the order their errors are checked. */
static int decode_filter(const json_t *args, struct pacta_list_args *out, struct pacta_error *err)
{
    json_t *deleted;
    int rc;

    if ((rc = get_field(args, "status", &out->status, err)) ||
        (rc = get_field(args, "kind", &out->kind, err)) ||
        (rc = get_field(args, "owner", &out->owner, err)) ||
        (rc = get_text(args, "text", 200, PACTA__TEXT_SINGLE_LINE, &out->text, err)) ||
        (rc = get_text(args, "q", 200, PACTA__TEXT_SINGLE_LINE | PACTA__TEXT_NOT_BLANK, &out->q,
                       err)) ||
        (rc = get_lifecycle(args, &out->lifecycle, err)) ||
        (rc = get_field(args, "currency", &out->currency, err)) ||
        (rc = get_date(args, "sign_from", &out->sign_from, err)) ||
        (rc = get_date(args, "sign_to", &out->sign_to, err)) ||
        (rc = get_date(args, "start_from", &out->start_from, err)) ||
        (rc = get_date(args, "start_to", &out->start_to, err)) ||
        (rc = get_date(args, "end_from", &out->end_from, err)) ||
        (rc = get_date(args, "end_to", &out->end_to, err)) ||
        (rc = get_amount(args, "amount_min", &out->amount_min, &out->has_amount_min, err)) ||
        (rc = get_amount(args, "amount_max", &out->amount_max, &out->has_amount_max, err)))
        return rc;
    deleted = pacta__member(args, "include_deleted");
    if (deleted && !json_is_boolean(deleted))
        return pacta_error_set(err, PACTA_BAD_REQUEST, "include_deleted", "must be a boolean");
    out->include_deleted = json_is_true(deleted);

    if ((rc = check_range(out->sign_from, out->sign_to, "sign_to", "sign_from", err)) ||
        (rc = check_range(out->start_from, out->start_to, "start_to", "start_from", err)) ||
        (rc = check_range(out->end_from, out->end_to, "end_to", "end_from", err)))
        return rc;
    if (out->has_amount_min && out->has_amount_max && out->amount_min > out->amount_max)
        return pacta_error_set(err, PACTA_BAD_REQUEST, "amount_max",
                               "must not be less than amount_min");
    /* amounts of different currencies do not compare */
    if ((out->has_amount_min || out->has_amount_max) && !out->currency)
        return pacta_error_set(err, PACTA_BAD_REQUEST, "currency",
                               "required with amount_min or amount_max");
    return 0;
}

/* sort (a key name) and order ("asc" | "desc"), from `args` or a view's
 * sort object (key_name "key"). */
static int decode_sort(const json_t *args, const char *key_name, struct pacta_list_args *out,
                       struct pacta_error *err)
{
    const char *sort = NULL, *order = NULL;
    int rc;

    if ((rc = get_string(args, key_name, &sort, err)) ||
        (rc = get_string(args, "order", &order, err)))
        return rc;
    if (sort) {
        out->sort = pacta_list_sort_from_name(sort);
        if (out->sort == PACTA_SORT__COUNT) {
            out->sort = PACTA_SORT_DEFAULT;
            return pacta_error_set(err, PACTA_BAD_REQUEST, key_name, "must be one of: %s",
                                   SORT_CHOICES);
        }
    }
    if (order && strcmp(order, "asc") != 0 && strcmp(order, "desc") != 0)
        return pacta_error_set(err, PACTA_BAD_REQUEST, "order", "must be one of: asc, desc");
    out->desc = order && strcmp(order, "desc") == 0;
    if (out->sort == PACTA_SORT_RELEVANCE && !out->q)
        return pacta_error_set(err, PACTA_BAD_REQUEST, key_name, "relevance needs q");
    if (out->desc && (out->sort == PACTA_SORT_RELEVANCE || (!out->sort && out->q)))
        return pacta_error_set(err, PACTA_BAD_REQUEST, "order",
                               "relevance is always best first: give another sort to use desc");
    return 0;
}

int pacta_decode_list(const json_t *args, struct pacta_list_args *out, struct pacta_error *err)
{
    static const char *const allowed[] = {FILTER_MEMBERS, "sort", "order", "limit", "cursor", NULL};
    json_t *limit;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = pacta__check_members(args, allowed, err)) || (rc = decode_filter(args, out, err)) ||
        (rc = decode_sort(args, "sort", out, err)))
        goto out;
    out->limit = PACTA_LIST_DEFAULT_LIMIT;
    limit = pacta__member(args, "limit");
    if (limit && !json_is_integer(limit)) {
        rc = pacta_error_set(err, PACTA_BAD_REQUEST, "limit", "must be an integer");
        goto out;
    }
    if (limit &&
        (json_integer_value(limit) < 1 || json_integer_value(limit) > PACTA_LIST_MAX_LIMIT)) {
        rc = pacta_error_set(err, PACTA_BAD_REQUEST, "limit", "must be between 1 and %d",
                             PACTA_LIST_MAX_LIMIT);
        goto out;
    }
    if (limit)
        out->limit = (int)json_integer_value(limit);
    rc = get_text(args, "cursor", 2048, PACTA__TEXT_SINGLE_LINE, &out->cursor, err);
out:
    if (rc != 0)
        memset(out, 0, sizeof(*out));
    return rc;
}

int pacta_decode_list_filter(const json_t *filter, struct pacta_list_args *out,
                             struct pacta_error *err)
{
    static const char *const allowed[] = {FILTER_MEMBERS, NULL};
    int rc;

    memset(out, 0, sizeof(*out));
    if (!json_is_object(filter))
        return pacta_error_set(err, PACTA_BAD_REQUEST, "filter", "must be an object");
    if ((rc = pacta__check_members(filter, allowed, err)) || (rc = decode_filter(filter, out, err)))
        memset(out, 0, sizeof(*out));
    return rc;
}

static void set_string(json_t *o, const char *name, const char *value)
{
    if (value && json_object_set_new(o, name, json_string(value)) != 0)
        pacta__fatal_oom();
}

json_t *pacta_list_filter_json(const struct pacta_list_args *a)
{
    json_t *o = json_object();

    if (!o)
        pacta__fatal_oom();
    set_string(o, "status", a->status);
    set_string(o, "kind", a->kind);
    set_string(o, "owner", a->owner);
    set_string(o, "text", a->text);
    set_string(o, "q", a->q);
    set_string(o, "lifecycle", a->lifecycle);
    set_string(o, "currency", a->currency);
    set_string(o, "sign_from", a->sign_from);
    set_string(o, "sign_to", a->sign_to);
    set_string(o, "start_from", a->start_from);
    set_string(o, "start_to", a->start_to);
    set_string(o, "end_from", a->end_from);
    set_string(o, "end_to", a->end_to);
    if (a->has_amount_min)
        json_object_set_new(o, "amount_min", json_integer(a->amount_min));
    if (a->has_amount_max)
        json_object_set_new(o, "amount_max", json_integer(a->amount_max));
    if (a->include_deleted)
        json_object_set_new(o, "include_deleted", json_true());
    return o;
}

json_t *pacta_list_sort_json(const struct pacta_list_args *a)
{
    enum pacta_list_sort s = a->sort;

    if (s == PACTA_SORT_DEFAULT)
        s = a->q ? PACTA_SORT_RELEVANCE : PACTA_SORT_NUMBER;
    json_t *o = json_pack("{s:s, s:s}", "key", sort_names[s], "order", a->desc ? "desc" : "asc");
    if (!o)
        pacta__fatal_oom();
    return o;
}

static int get_view_name(const json_t *args, const char **name, struct pacta_error *err)
{
    int rc = get_text(args, "name", PACTA_VIEW_NAME_MAX,
                      PACTA__TEXT_SINGLE_LINE | PACTA__TEXT_NOT_BLANK, name, err);

    if (rc == 0 && !*name)
        rc = pacta_error_set(err, PACTA_BAD_REQUEST, "name", "required");
    return rc;
}

int pacta_decode_view_save(const json_t *args, struct pacta_view_save_args *out,
                           struct pacta_error *err)
{
    static const char *const allowed[] = {"name", "filter", "sort", NULL};
    static const char *const sort_allowed[] = {"key", "order", NULL};
    json_t *filter, *sort;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = pacta__check_members(args, allowed, err)) ||
        (rc = get_view_name(args, &out->name, err)))
        goto out;
    filter = pacta__member(args, "filter");
    if (!filter) {
        rc = pacta_error_set(err, PACTA_BAD_REQUEST, "filter", "required");
        goto out;
    }
    if ((rc = pacta_decode_list_filter(filter, &out->list, err)))
        goto out;
    sort = pacta__member(args, "sort");
    if (sort && !json_is_object(sort)) {
        rc = pacta_error_set(err, PACTA_BAD_REQUEST, "sort", "must be an object");
        goto out;
    }
    if (sort && ((rc = pacta__check_members(sort, sort_allowed, err)) ||
                 (rc = decode_sort(sort, "key", &out->list, err))))
        goto out;
out:
    if (rc != 0)
        memset(out, 0, sizeof(*out));
    return rc;
}

int pacta_decode_view_delete(const json_t *args, const char **name, struct pacta_error *err)
{
    static const char *const allowed[] = {"name", NULL};
    int rc;

    *name = NULL;
    if ((rc = pacta__check_members(args, allowed, err)) || (rc = get_view_name(args, name, err)))
        *name = NULL;
    return rc;
}
