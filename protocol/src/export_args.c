/*
 * Decoders of the export ops (PROTOCOL.md "export.contracts", "export.read",
 * "export.cancel").  Strict like every decoder (args.c): unknown members
 * are refused, null means absent.  The filters are contracts.list's own,
 * decoded by pacta_decode_list, so an export accepts exactly the filters a
 * list does, and names a bad one the same way.
 */
#include <string.h>

#include "internal.h"

static const char *const format_names[] = {
    [PACTA_EXPORT_CSV] = "csv",
    [PACTA_EXPORT_XLSX] = "xlsx",
    [PACTA_EXPORT_PDF] = "pdf",
};

const char *pacta_export_format_name(enum pacta_export_format f)
{
    if ((int)f < PACTA_EXPORT_CSV || f > PACTA_EXPORT_PDF)
        return "";
    return format_names[f];
}

static int only_members(const json_t *args, const char *const *allowed, struct pacta_error *err)
{
    const char *key;
    json_t *value;
    if (!json_is_object(args))
        return pacta_error_set(err, PACTA_BAD_REQUEST, "args", "must be an object");
    json_object_foreach((json_t *)args, key, value)
    {
        int known = 0;
        for (int i = 0; allowed[i] && !known; i++)
            known = strcmp(allowed[i], key) == 0;
        if (!known)
            return pacta_error_set(err, PACTA_BAD_REQUEST, key, "unknown field");
    }
    return 0;
}

/* The member, or NULL when absent or null. */
static json_t *member(const json_t *args, const char *name)
{
    json_t *v = json_object_get(args, name);
    return json_is_null(v) ? NULL : v;
}

static int get_export_id(const json_t *args, const char **out, struct pacta_error *err)
{
    json_t *v = member(args, "export_id");
    *out = NULL;
    if (!v)
        return pacta_error_set(err, PACTA_BAD_REQUEST, "export_id", "required");
    if (!json_is_string(v))
        return pacta_error_set(err, PACTA_BAD_REQUEST, "export_id", "must be a string");
    if (!pacta_valid_uuid(json_string_value(v)))
        return pacta_error_set(err, PACTA_BAD_REQUEST, "export_id",
                               "must be a canonical lowercase UUID");
    *out = json_string_value(v);
    return 0;
}

static int get_int(const json_t *args, const char *name, int required, int64_t min, int64_t max,
                   int64_t *out, struct pacta_error *err)
{
    json_t *v = member(args, name);
    if (!v)
        return required ? pacta_error_set(err, PACTA_BAD_REQUEST, name, "required") : 0;
    if (!json_is_integer(v))
        return pacta_error_set(err, PACTA_BAD_REQUEST, name, "must be an integer");
    json_int_t n = json_integer_value(v);
    if (n < min || n > max) {
        if (max == INT64_MAX)
            return pacta_error_set(err, PACTA_BAD_REQUEST, name, "must be at least %lld",
                                   (long long)min);
        return pacta_error_set(err, PACTA_BAD_REQUEST, name, "must be between %lld and %lld",
                               (long long)min, (long long)max);
    }
    *out = n;
    return 0;
}

/* An export walks every page itself: paging members make no sense there,
 * and silently ignoring them would hide a client bug. */
static int decode_filters(const json_t *filters, struct pacta_list_args *out,
                          struct pacta_error *err)
{
    static const char *const paging[] = {"cursor", "limit"};
    if (!json_is_object(filters))
        return pacta_error_set(err, PACTA_BAD_REQUEST, "filters", "must be an object");
    for (size_t i = 0; i < sizeof paging / sizeof *paging; i++)
        if (json_object_get(filters, paging[i]))
            return pacta_error_set(err, PACTA_BAD_REQUEST, paging[i],
                                   "not allowed in export filters: an export has every page");
    int rc = pacta_decode_list(filters, out, err);
    if (rc == 0)
        out->limit = 0;
    return rc;
}

int pacta_decode_export(const json_t *args, struct pacta_export_args *out, struct pacta_error *err)
{
    static const char *const allowed[] = {"format", "filters", "bom", "contract_id", NULL};
    int rc;
    json_t *v;

    memset(out, 0, sizeof(*out));
    if ((rc = only_members(args, allowed, err)))
        goto out;

    v = member(args, "format");
    if (!v) {
        rc = pacta_error_set(err, PACTA_BAD_REQUEST, "format", "required");
        goto out;
    }
    if (!json_is_string(v)) {
        rc = pacta_error_set(err, PACTA_BAD_REQUEST, "format", "must be a string");
        goto out;
    }
    for (int f = PACTA_EXPORT_CSV; f <= PACTA_EXPORT_PDF; f++)
        if (strcmp(json_string_value(v), format_names[f]) == 0)
            out->format = (enum pacta_export_format)f;
    if (!out->format) {
        rc = pacta_error_set(err, PACTA_BAD_REQUEST, "format", "must be one of: csv, xlsx, pdf");
        goto out;
    }

    json_t *filters = member(args, "filters");
    if (filters && (rc = decode_filters(filters, &out->filters, err)))
        goto out;

    v = member(args, "bom");
    if (v && !json_is_boolean(v)) {
        rc = pacta_error_set(err, PACTA_BAD_REQUEST, "bom", "must be a boolean");
        goto out;
    }
    out->bom = json_is_true(v);
    if (out->bom && out->format != PACTA_EXPORT_CSV) {
        rc = pacta_error_set(err, PACTA_BAD_REQUEST, "bom", "only with format csv");
        goto out;
    }

    v = member(args, "contract_id");
    if (v) {
        if (!json_is_string(v)) {
            rc = pacta_error_set(err, PACTA_BAD_REQUEST, "contract_id", "must be a string");
            goto out;
        }
        if (!pacta_valid_uuid(json_string_value(v))) {
            rc = pacta_error_set(err, PACTA_BAD_REQUEST, "contract_id",
                                 "must be a canonical lowercase UUID");
            goto out;
        }
        if (out->format != PACTA_EXPORT_PDF) {
            rc = pacta_error_set(err, PACTA_BAD_REQUEST, "contract_id",
                                 "only with format pdf (the contract report)");
            goto out;
        }
        if (filters && json_object_size(filters)) {
            rc = pacta_error_set(err, PACTA_BAD_REQUEST, "filters",
                                 "not with contract_id: the report is of one contract");
            goto out;
        }
        out->contract_id = json_string_value(v);
    }
out:
    if (rc)
        memset(out, 0, sizeof(*out));
    return rc;
}

int pacta_decode_export_read(const json_t *args, struct pacta_export_read_args *out,
                             struct pacta_error *err)
{
    static const char *const allowed[] = {"export_id", "offset", "length", NULL};
    int rc;

    memset(out, 0, sizeof(*out));
    out->length = PACTA_EXPORT_CHUNK_MAX;
    if ((rc = only_members(args, allowed, err)) ||
        (rc = get_export_id(args, &out->export_id, err)) ||
        (rc = get_int(args, "offset", 1, 0, INT64_MAX, &out->offset, err)) ||
        (rc = get_int(args, "length", 0, 1, PACTA_EXPORT_CHUNK_MAX, &out->length, err))) {
        memset(out, 0, sizeof(*out));
        return rc;
    }
    return 0;
}

int pacta_decode_export_cancel(const json_t *args, const char **export_id, struct pacta_error *err)
{
    static const char *const allowed[] = {"export_id", NULL};
    int rc;
    *export_id = NULL;
    if ((rc = only_members(args, allowed, err)) || (rc = get_export_id(args, export_id, err)))
        *export_id = NULL;
    return rc;
}
