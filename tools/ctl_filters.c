/*
 * The filter and sort flags of contracts.list (issue 7), shared by
 * `pactactl contracts list`, `views save` and `export`, so that a filter a
 * user can list by is one they can save and export by, with the same
 * spelling.  The flags build the JSON a desk sends; the server validates
 * it (a bad value is its bad_request naming the member, exit 1).  What
 * only pactactl can check is checked here (exit 2): an amount needs a
 * currency to be read in its minor unit, and a --view must exist.
 */
#include <stdio.h>
#include <string.h>

#include "ctl.h"

int ctl__filter_flag(struct ctl_list_flags *f, int ch, const char *arg)
{
    static const struct {
        int ch;
        const char *member;
    } strings[] = {
        {CTL_O_STATUS, "status"},
        {CTL_O_KIND, "kind"},
        {CTL_O_OWNER, "owner"},
        {CTL_O_TEXT, "text"},
        {CTL_O_Q, "q"},
        {CTL_O_LIFECYCLE, "lifecycle"},
        {CTL_O_CURRENCY, "currency"},
        {CTL_O_SIGN_FROM, "sign_from"},
        {CTL_O_SIGN_TO, "sign_to"},
        {CTL_O_START_FROM, "start_from"},
        {CTL_O_START_TO, "start_to"},
        {CTL_O_END_FROM, "end_from"},
        {CTL_O_END_TO, "end_to"},
    };
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
        if (strings[i].ch == ch) {
            json_object_set_new(f->filter, strings[i].member, json_string(arg));
            return 1;
        }
    switch (ch) {
    case CTL_O_AMOUNT_MIN:
        f->amount_min = arg;
        return 1;
    case CTL_O_AMOUNT_MAX:
        f->amount_max = arg;
        return 1;
    case CTL_O_DELETED:
        json_object_set_new(f->filter, "include_deleted", json_true());
        return 1;
    case CTL_O_SORT:
        f->sort = arg;
        return 1;
    case CTL_O_DESC:
        f->order = -1;
        return 1;
    case CTL_O_ASC:
        f->order = 1;
        return 1;
    default:
        return 0;
    }
}

int ctl__filter_amounts(struct ctl_list_flags *f)
{
    const char *bounds[2] = {f->amount_min, f->amount_max};
    const char *names[2] = {"amount_min", "amount_max"};
    const char *cur = json_string_value(json_object_get(f->filter, "currency"));

    for (int i = 0; i < 2; i++) {
        int64_t cents;
        int digits;

        if (!bounds[i])
            continue;
        if (!cur) {
            ctl__errorf("--amount-%s needs --currency (amounts of different currencies do "
                        "not compare)",
                        i ? "max" : "min");
            return -1;
        }
        digits = ctl__currency_digits(cur);
        if (digits < 0 || ctl__parse_amount(bounds[i], digits, &cents) < 0) {
            ctl__errorf("--amount-%s: \"%s\" is not an amount in %s", i ? "max" : "min", bounds[i],
                        cur);
            return -1;
        }
        json_object_set_new(f->filter, names[i], json_integer(cents));
    }
    return 0;
}

/* The view named `name` of the logged-in user (new ref), or NULL (reported). */
static json_t *find_view(struct ctl_client *c, const char *name, int *rc)
{
    json_t *res = NULL, *found = NULL, *v;
    size_t i;

    if ((*rc = ctl__request(c, "views.list", json_object(), &res)) != 0)
        return NULL;
    json_array_foreach(json_object_get(res, "items"), i, v)
    {
        if (strcmp(json_string_value(json_object_get(v, "name")), name) == 0)
            found = json_incref(v);
    }
    json_decref(res);
    if (!found) {
        ctl__errorf("no saved view named \"%s\" (see `pactactl views list`)", name);
        *rc = CTL_EXIT_USAGE;
    }
    return found;
}

/* contracts.list's args: the view's, then the flags over them. */
static json_t *list_args(const struct ctl_list_flags *f, const json_t *view)
{
    json_t *args = json_object();
    const char *sort = f->sort, *order = NULL;

    /* a --sort of its own starts from ascending, not from the view's order */
    if (view) {
        json_object_update(args, json_object_get(view, "filter"));
        if (!sort) {
            sort = json_string_value(json_object_get(json_object_get(view, "sort"), "key"));
            order = json_string_value(json_object_get(json_object_get(view, "sort"), "order"));
        }
    }
    json_object_update(args, f->filter);
    if (f->order)
        order = f->order < 0 ? "desc" : "asc";
    if (sort)
        json_object_set_new(args, "sort", json_string(sort));
    if (order)
        json_object_set_new(args, "order", json_string(order));
    return args;
}

json_t *ctl__filter_args(struct ctl_client *c, const char *view_name, struct ctl_list_flags *f,
                         int *rc)
{
    json_t *view = NULL, *args;

    *rc = CTL_EXIT_OK;
    if (view_name) {
        if (!(view = find_view(c, view_name, rc)))
            return NULL;
        /* the view's currency counts for --amount-* */
        if (!json_object_get(f->filter, "currency") &&
            json_object_get(json_object_get(view, "filter"), "currency"))
            json_object_set(f->filter, "currency",
                            json_object_get(json_object_get(view, "filter"), "currency"));
    }
    if (ctl__filter_amounts(f) < 0) {
        json_decref(view);
        *rc = CTL_EXIT_USAGE;
        return NULL;
    }
    args = list_args(f, view);
    json_decref(view);
    return args;
}
