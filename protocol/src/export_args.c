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
    static const char *const allowed[] = {"format",      "filters",         "bom",
                                          "contract_id", "escape_formulas", NULL};
    int rc;
    json_t *v;

    memset(out, 0, sizeof(*out));
    if ((rc = pacta__check_members(args, allowed, err)))
        goto out;

    v = pacta__member(args, "format");
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

    json_t *filters = pacta__member(args, "filters");
    if (filters && (rc = decode_filters(filters, &out->filters, err)))
        goto out;

    if ((rc = pacta__get_bool(args, "bom", &out->bom, err)))
        goto out;
    if (out->bom && out->format != PACTA_EXPORT_CSV) {
        rc = pacta_error_set(err, PACTA_BAD_REQUEST, "bom", "only with format csv");
        goto out;
    }
    if ((rc = pacta__get_bool(args, "escape_formulas", &out->escape_formulas, err)))
        goto out;
    if (out->escape_formulas && out->format != PACTA_EXPORT_CSV) {
        rc = pacta_error_set(err, PACTA_BAD_REQUEST, "escape_formulas",
                             "only with format csv (XLSX cells are never formulas)");
        goto out;
    }

    const char *contract_id;
    if ((rc = pacta__get_uuid(args, "contract_id", 0, &contract_id, err)))
        goto out;
    if (contract_id) {
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
        out->contract_id = contract_id;
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
    if ((rc = pacta__check_members(args, allowed, err)) ||
        (rc = pacta__get_uuid(args, "export_id", 1, &out->export_id, err)) ||
        (rc = pacta__get_int(args, "offset", 1, 0, INT64_MAX, &out->offset, NULL, err)) ||
        (rc = pacta__get_int(args, "length", 0, 1, PACTA_EXPORT_CHUNK_MAX, &out->length, NULL,
                             err))) {
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
    if ((rc = pacta__check_members(args, allowed, err)) ||
        (rc = pacta__get_uuid(args, "export_id", 1, export_id, err)))
        *export_id = NULL;
    return rc;
}
