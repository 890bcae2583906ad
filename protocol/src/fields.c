/*
 * The contract field table and the value validators.  Everything a client
 * may write into a contract is described by pacta_contract_fields[], so the
 * server, the CLI and the desktop client validate with the same rules and
 * PROTOCOL.md's field table can be checked against one place.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

static const char *const kind_values[] = {"client", "supplier", NULL};
/* The first value of an enum is its default (see pacta__field_default). */
static const char *const status_values[] = {"draft", "active", "expired", "terminated", NULL};
static const char *const renewal_values[] = {"none", "auto", "evergreen", NULL};

#define REQ PACTA_FF_REQUIRED
#define NUL PACTA_FF_NULLABLE
#define ML PACTA_FF_MULTILINE

const struct pacta_field_def pacta_contract_fields[] = {
    {"number", PACTA_FT_TEXT, REQ, 1, 64, NULL},
    {"title", PACTA_FT_TEXT, REQ, 1, 200, NULL},
    {"counterparty", PACTA_FT_TEXT, REQ, 1, 200, NULL},
    {"kind", PACTA_FT_ENUM, REQ, 0, 0, kind_values},
    {"status", PACTA_FT_ENUM, 0, 0, 0, status_values},
    {"sign_date", PACTA_FT_DATE, NUL, 0, 0, NULL},
    {"start_date", PACTA_FT_DATE, NUL, 0, 0, NULL},
    {"end_date", PACTA_FT_DATE, NUL, 0, 0, NULL},
    {"amount_cents", PACTA_FT_INT, 0, 0, 1000000000000000LL, NULL},
    {"currency", PACTA_FT_CURRENCY, REQ, 0, 0, NULL},
    {"owner", PACTA_FT_USERNAME, 0, 0, 0, NULL},
    {"description", PACTA_FT_TEXT, ML, 0, 10000, NULL},
    {"notice_days", PACTA_FT_INT, 0, 0, 3650, NULL},
    {"renewal", PACTA_FT_ENUM, 0, 0, 0, renewal_values},
    {"renewal_months", PACTA_FT_INT, 0, 1, 120, NULL},
    {NULL, 0, 0, 0, 0, NULL},
};

/* The last three are computed by the server from the dates and its clock
 * whenever it sends a record; a client can never set them. */
static const char *const server_managed[] = {"version",    "created_at", "updated_at",
                                             "updated_by", "deleted_at", "notice_deadline",
                                             "days_left",  "lifecycle",  NULL};

const struct pacta_field_def *pacta_contract_field(const char *name)
{
    if (name == NULL)
        return NULL;
    for (const struct pacta_field_def *d = pacta_contract_fields; d->name; d++)
        if (strcmp(d->name, name) == 0)
            return d;
    return NULL;
}

int pacta__is_server_managed(const char *name)
{
    for (int i = 0; server_managed[i]; i++)
        if (strcmp(server_managed[i], name) == 0)
            return 1;
    return 0;
}

json_t *pacta__field_default(const struct pacta_field_def *def)
{
    json_t *v;
    switch (def->type) {
    case PACTA_FT_TEXT:
        v = json_string("");
        break;
    case PACTA_FT_INT:
        /* a renewal term of one month is a poor default; a year is usual */
        v = json_integer(strcmp(def->name, "renewal_months") == 0 ? PACTA_RENEWAL_MONTHS_DEFAULT
                                                                  : def->min);
        break;
    case PACTA_FT_ENUM:
        v = json_string(def->values[0]);
        break;
    default: /* dates: null; owner: null, the server puts the creating user */
        v = json_null();
        break;
    }
    if (v == NULL)
        pacta__fatal_oom();
    return v;
}

/* ---- validators ------------------------------------------------------------ */

static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int pacta_valid_date(const char *s)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
    if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1)
        return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= days[m - 1] + (m == 2 && leap);
}

int pacta_valid_username(const char *s)
{
    if (s == NULL)
        return 0;
    size_t n = strlen(s);
    if (n < 1 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
            return 0;
    }
    return 1;
}

static int valid_enum(const char *const *values, const char *s)
{
    for (int i = 0; values[i]; i++)
        if (strcmp(values[i], s) == 0)
            return 1;
    return 0;
}

/* "must be one of: a, b, c" into buf. */
static void enum_list(const char *const *values, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; values[i] && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", values[i]);
}

static const char *type_word(enum pacta_field_type t)
{
    return t == PACTA_FT_INT ? "an integer" : "a string";
}

/*
 * Validates one field value.  `value` NULL (absent) is treated like JSON
 * null: fine for a nullable field, an error otherwise; callers that give
 * absence another meaning (create fills defaults) handle it before.
 */
int pacta_field_validate(const struct pacta_field_def *def, const json_t *value,
                         struct pacta_error *err)
{
    if (value == NULL || json_is_null(value)) {
        if (def->flags & PACTA_FF_NULLABLE)
            return 0;
        return pacta_error_set(err, PACTA_BAD_REQUEST, def->name, "must not be null");
    }
    if (def->type == PACTA_FT_INT) {
        if (!json_is_integer(value))
            return pacta_error_set(err, PACTA_BAD_REQUEST, def->name, "must be an integer");
        json_int_t v = json_integer_value(value);
        if (v < def->min || v > def->max)
            return pacta_error_set(err, PACTA_BAD_REQUEST, def->name,
                                   "must be between %lld and %lld", (long long)def->min,
                                   (long long)def->max);
        return 0;
    }
    if (!json_is_string(value))
        return pacta_error_set(err, PACTA_BAD_REQUEST, def->name, "must be %s",
                               type_word(def->type));
    const char *s = json_string_value(value);
    if (strlen(s) != json_string_length(value)) /* unreachable from the parser */
        return pacta_error_set(err, PACTA_BAD_REQUEST, def->name, "must not contain NUL");

    switch (def->type) {
    case PACTA_FT_TEXT: {
        unsigned rules =
            (def->flags & PACTA_FF_MULTILINE) ? PACTA__TEXT_MULTI_LINE : PACTA__TEXT_SINGLE_LINE;
        if (def->min > 0)
            rules |= PACTA__TEXT_NOT_BLANK;
        return pacta__check_text(s, (size_t)def->min, (size_t)def->max, rules, def->name, err);
    }
    case PACTA_FT_DATE:
        if (!pacta_valid_date(s))
            return pacta_error_set(err, PACTA_BAD_REQUEST, def->name,
                                   "must be a real calendar date YYYY-MM-DD (years 1900..9999)");
        return 0;
    case PACTA_FT_ENUM:
        if (!valid_enum(def->values, s)) {
            char list[128];
            enum_list(def->values, list, sizeof(list));
            return pacta_error_set(err, PACTA_BAD_REQUEST, def->name, "must be one of: %s", list);
        }
        return 0;
    case PACTA_FT_CURRENCY:
        if (!pacta_valid_currency(s))
            return pacta_error_set(err, PACTA_BAD_REQUEST, def->name,
                                   "must be an active ISO 4217 currency code like \"EUR\"");
        return 0;
    case PACTA_FT_USERNAME:
        if (!pacta_valid_username(s))
            return pacta_error_set(err, PACTA_BAD_REQUEST, def->name,
                                   "must be a username: 1..64 of a-z 0-9 . _ -, "
                                   "starting with a letter or digit");
        return 0;
    default:
        return pacta_error_set(err, PACTA_INTERNAL, def->name, "unknown field type");
    }
}

/*
 * Cross-field rules of a whole record.  Dates are compared as strings:
 * valid YYYY-MM-DD dates sort lexically in calendar order.
 */
int pacta_contract_check(const json_t *contract, struct pacta_error *err)
{
    const char *start = json_string_value(json_object_get(contract, "start_date"));
    const char *end = json_string_value(json_object_get(contract, "end_date"));
    if (start && end && strcmp(start, end) > 0)
        return pacta_error_set(err, PACTA_BAD_REQUEST, "end_date",
                               "must not be before start_date (%s)", start);
    return 0;
}
