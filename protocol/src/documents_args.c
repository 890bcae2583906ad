/*
 * Decoders of the documents.* ops (pacta/documents.h, PROTOCOL.md
 * "Documents").  Strict like every decoder (args.c): unknown members are
 * refused, null means absent, and the first fault found names its member.
 * An upload chunk's base64 is decoded here, so a chunk that is not
 * canonical base64, empty or too big is a bad_request before anything runs.
 */
#include <string.h>

#include <pacta/documents.h>

#include "internal.h"

/* A string member checked by valid(); `what` completes "must be ...". */
static int get_token(const json_t *args, const char *name, int required, int (*valid)(const char *),
                     const char *what, const char **out, struct pacta_error *err)
{
    json_t *v = pacta__member(args, name);
    *out = NULL;
    if (!v)
        return required ? pacta_error_set(err, PACTA_BAD_REQUEST, name, "required") : 0;
    if (!json_is_string(v))
        return pacta_error_set(err, PACTA_BAD_REQUEST, name, "must be a string");
    if (!valid(json_string_value(v)))
        return pacta_error_set(err, PACTA_BAD_REQUEST, name, "must be %s", what);
    *out = json_string_value(v);
    return 0;
}

static int lower_hex(const char *s, size_t n)
{
    size_t i = 0;
    for (; s[i] && i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return i == n && s[i] == '\0';
}

int pacta_valid_sha256(const char *s)
{
    return s && lower_hex(s, 64);
}

int pacta_valid_upload_id(const char *s)
{
    return s && lower_hex(s, 32);
}

/* RFC 6838 §4.2 restricted-name characters after the first alphanumeric. */
static int mime_name(const char *s, size_t n)
{
    if (n == 0 || n > 127)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || !strchr("!#$&-^_.+", c)))
            return 0;
    }
    return 1;
}

int pacta_valid_mime(const char *s)
{
    if (!s)
        return 0;
    size_t n = strlen(s);
    const char *slash = strchr(s, '/');
    if (n < 3 || n > 255 || !slash)
        return 0;
    return mime_name(s, (size_t)(slash - s)) && mime_name(slash + 1, n - (size_t)(slash - s) - 1);
}

/* A file name as shown to people and offered when saving: one line, no
 * directory separators, not a path of its own. */
static int check_name(const char *s, struct pacta_error *err)
{
    int rc = pacta__check_text(s, 1, PACTA_DOC_NAME_MAX,
                               PACTA__TEXT_SINGLE_LINE | PACTA__TEXT_NOT_BLANK, "name", err);
    if (rc)
        return rc;
    if (strchr(s, '/') || strchr(s, '\\') || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return pacta_error_set(err, PACTA_BAD_REQUEST, "name",
                               "must be a file name without '/' or '\\'");
    return 0;
}

static int get_name(const json_t *args, const char **out, struct pacta_error *err)
{
    json_t *v = pacta__member(args, "name");
    *out = NULL;
    if (!v)
        return pacta_error_set(err, PACTA_BAD_REQUEST, "name", "required");
    if (!json_is_string(v))
        return pacta_error_set(err, PACTA_BAD_REQUEST, "name", "must be a string");
    const char *s = json_string_value(v);
    int rc = check_name(s, err);
    if (rc)
        return rc;
    *out = s;
    return 0;
}

int pacta_valid_doc_name(const char *s)
{
    struct pacta_error err;
    return s && check_name(s, &err) == 0;
}

int pacta_decode_doc_upload_begin(const json_t *args, struct pacta_doc_begin_args *out,
                                  struct pacta_error *err)
{
    static const char *const allowed[] = {"contract_id", "name", "size", "sha256", "mime", NULL};
    int rc;
    memset(out, 0, sizeof *out);
    if ((rc = pacta__check_members(args, allowed, err)) ||
        (rc = pacta__get_uuid(args, "contract_id", 1, &out->contract_id, err)) ||
        (rc = get_name(args, &out->name, err)) ||
        (rc = pacta__get_int(args, "size", 1, 1, INT64_MAX, &out->size, NULL, err)) ||
        (rc = get_token(args, "sha256", 1, pacta_valid_sha256, "64 lowercase hex digits",
                        &out->sha256, err)) ||
        (rc = get_token(args, "mime", 0, pacta_valid_mime, "a MIME type such as application/pdf",
                        &out->mime, err)))
        memset(out, 0, sizeof *out);
    return rc;
}

int pacta_decode_doc_upload_chunk(const json_t *args, struct pacta_doc_chunk_args *out,
                                  uint8_t *buf, struct pacta_error *err)
{
    static const char *const allowed[] = {"upload_id", "offset", "data", "sha256", NULL};
    int rc;
    memset(out, 0, sizeof *out);
    if ((rc = pacta__check_members(args, allowed, err)) ||
        (rc = get_token(args, "upload_id", 1, pacta_valid_upload_id, "32 lowercase hex digits",
                        &out->upload_id, err)) ||
        (rc = pacta__get_int(args, "offset", 1, 0, INT64_MAX, &out->offset, NULL, err)))
        goto out;
    json_t *d = pacta__member(args, "data");
    if (!d) {
        rc = pacta_error_set(err, PACTA_BAD_REQUEST, "data", "required");
        goto out;
    }
    if (!json_is_string(d)) {
        rc = pacta_error_set(err, PACTA_BAD_REQUEST, "data", "must be a string");
        goto out;
    }
    size_t n = json_string_length(d);
    if (n == 0 || n > PACTA_BASE64_ENCODED_LEN(PACTA_DOC_CHUNK_MAX)) {
        rc = pacta_error_set(err, PACTA_BAD_REQUEST, "data", "must hold 1 to %d bytes",
                             PACTA_DOC_CHUNK_MAX);
        goto out;
    }
    if (pacta_base64_decode(json_string_value(d), n, buf, PACTA_DOC_CHUNK_MAX, &out->len) != 0) {
        rc = pacta_error_set(err, PACTA_BAD_REQUEST, "data", "must be base64 (RFC 4648, padded)");
        goto out;
    }
    rc = get_token(args, "sha256", 0, pacta_valid_sha256, "64 lowercase hex digits", &out->sha256,
                   err);
out:
    if (rc)
        memset(out, 0, sizeof *out);
    return rc;
}

int pacta_decode_doc_upload_finish(const json_t *args, const char **upload_id,
                                   struct pacta_error *err)
{
    static const char *const allowed[] = {"upload_id", NULL};
    int rc = pacta__check_members(args, allowed, err);
    *upload_id = NULL;
    if (rc)
        return rc;
    return get_token(args, "upload_id", 1, pacta_valid_upload_id, "32 lowercase hex digits",
                     upload_id, err);
}

int pacta_decode_doc_list(const json_t *args, struct pacta_doc_list_args *out,
                          struct pacta_error *err)
{
    static const char *const allowed[] = {"contract_id", "include_deleted", NULL};
    int rc;
    memset(out, 0, sizeof *out);
    if ((rc = pacta__check_members(args, allowed, err)) ||
        (rc = pacta__get_uuid(args, "contract_id", 1, &out->contract_id, err)))
        goto out;
    json_t *v = pacta__member(args, "include_deleted");
    if (v && !json_is_boolean(v))
        rc = pacta_error_set(err, PACTA_BAD_REQUEST, "include_deleted", "must be a boolean");
    out->include_deleted = json_is_true(v);
out:
    if (rc)
        memset(out, 0, sizeof *out);
    return rc;
}

int pacta_decode_doc_id(const json_t *args, const char **id, struct pacta_error *err)
{
    static const char *const allowed[] = {"id", NULL};
    int rc = pacta__check_members(args, allowed, err);
    *id = NULL;
    if (rc)
        return rc;
    return pacta__get_uuid(args, "id", 1, id, err);
}

int pacta_decode_doc_download(const json_t *args, struct pacta_doc_download_args *out,
                              struct pacta_error *err)
{
    static const char *const allowed[] = {"id", "offset", "length", NULL};
    int rc;
    memset(out, 0, sizeof *out);
    out->length = PACTA_DOC_DOWNLOAD_DEFAULT;
    if ((rc = pacta__check_members(args, allowed, err)) ||
        (rc = pacta__get_uuid(args, "id", 1, &out->id, err)) ||
        (rc = pacta__get_int(args, "offset", 0, 0, INT64_MAX, &out->offset, NULL, err)) ||
        (rc = pacta__get_int(args, "length", 0, 1, PACTA_DOC_DOWNLOAD_MAX, &out->length, NULL,
                             err))) {
        memset(out, 0, sizeof *out);
        out->length = PACTA_DOC_DOWNLOAD_DEFAULT;
    }
    return rc;
}
