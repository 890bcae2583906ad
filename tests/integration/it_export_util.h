/*
 * Helpers of the export tests (it_export.c, it_export_limits.c): run an
 * export, pull its chunks with export.read and check them against the
 * announced size and SHA-256, write files, and read CSV back with a small
 * RFC 4180 parser of our own (the tests do not trust the server's writer
 * to check itself).
 */
#ifndef PACTA_IT_EXPORT_UTIL_H
#define PACTA_IT_EXPORT_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <pacta/protocol.h>

#include "harness.h"
#include "test.h"

struct blob {
    unsigned char *data;
    size_t len;
};

static inline void sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[32];
    unsigned n = 0;
    EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
    for (unsigned i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/*
 * Pulls every chunk of a made export (chunk: export.read length) and
 * checks offsets, eof, size and SHA-256 against `made` (the
 * export.contracts result).  Returns 0 with *out filled.
 */
static inline int it_export_download(struct ctl_client *c, const json_t *made, int chunk,
                                     struct blob *out)
{
    const char *id = it_str(made, "export_id");
    json_int_t size = it_int(made, "size");
    out->data = malloc((size_t)size + 1);
    out->len = 0;
    REQUIRE(out->data);
    for (int eof = 0; !eof;) {
        json_t *r = it_call(c, "export.read",
                            json_pack("{s:s, s:I, s:i}", "export_id", id, "offset",
                                      (json_int_t)out->len, "length", chunk),
                            NULL);
        if (!r)
            return -1;
        const char *b64 = it_str(r, "data");
        size_t n = 0, blen = strlen(b64);
        CHECKF(it_int(r, "offset") == (json_int_t)out->len, "offset %lld",
               (long long)it_int(r, "offset"));
        if ((json_int_t)(out->len + PACTA_BASE64_DECODED_MAX(blen)) > size + 2 ||
            pacta_base64_decode(b64, blen, out->data + out->len, (size_t)size - out->len, &n) !=
                0) {
            fprintf(stderr, "export.read: bad base64 or too much data\n");
            json_decref(r);
            return -1;
        }
        CHECKF(n <= (size_t)chunk, "chunk of %zu bytes, asked for %d", n, chunk);
        out->len += n;
        eof = json_is_true(json_object_get(r, "eof"));
        CHECK(eof == (out->len == (size_t)size));
        json_decref(r);
        if (!eof && n == 0)
            return -1;
    }
    out->data[out->len] = '\0';
    char sum[65];
    sha256_hex(out->data, out->len, sum);
    CHECKF((json_int_t)out->len == size, "got %zu bytes, size %lld", out->len, (long long)size);
    CHECK_STR(sum, it_str(made, "sha256"));
    return 0;
}

/* The text of one file in the XLSX zip, through unzip(1). */
static inline char *unzip_member(const char *zip, const char *member)
{
    char *out = NULL;
    char *argv[] = {"/usr/bin/unzip", "-p", (char *)zip, (char *)member, NULL};
    int rc = it_run(argv, NULL, 30000, &out, NULL);
    CHECKF(rc == 0 && out && *out, "unzip -p %s %s: %d", zip, member, rc);
    return out;
}

/* export.contracts then the whole download; NULL (printed) on failure. */
static inline json_t *it_export(struct ctl_client *c, json_t *args_steal, struct blob *out)
{
    json_t *made = it_call(c, "export.contracts", args_steal, NULL);
    if (!made)
        return NULL;
    if (it_export_download(c, made, PACTA_EXPORT_CHUNK_MAX, out) != 0) {
        json_decref(made);
        return NULL;
    }
    return made;
}

static inline void it_write_file(const char *path, const struct blob *b)
{
    FILE *f = fopen(path, "wb");
    REQUIRE(f);
    REQUIRE(fwrite(b->data, 1, b->len, f) == b->len);
    REQUIRE(fclose(f) == 0);
}

/*
 * RFC 4180: records end with CRLF; a field is quoted when it holds a
 * comma, quote, CR or LF, with quotes doubled inside.  Returns an array
 * of arrays of strings, or NULL (printed) if the text breaks the rules
 * (a bare LF or CR outside quotes, a quote inside an unquoted field,
 * text after a closing quote, a missing final CRLF).
 */
static inline json_t *csv_parse(const char *s, size_t len)
{
    json_t *rows = json_array(), *row = json_array();
    char *field = malloc(len + 1);
    size_t i = 0, f = 0;
    REQUIRE(field);
    while (i < len) {
        f = 0;
        if (s[i] == '"') {
            i++;
            for (;;) {
                if (i >= len)
                    goto bad;
                if (s[i] == '"') {
                    if (i + 1 < len && s[i + 1] == '"') {
                        field[f++] = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                field[f++] = s[i++];
            }
        } else {
            while (i < len && s[i] != ',' && s[i] != '\r' && s[i] != '\n') {
                if (s[i] == '"')
                    goto bad;
                field[f++] = s[i++];
            }
        }
        json_array_append_new(row, json_stringn(field, f));
        if (i < len && s[i] == ',') {
            i++;
            continue;
        }
        if (i + 1 < len && s[i] == '\r' && s[i + 1] == '\n') {
            i += 2;
            json_array_append_new(rows, row);
            row = json_array();
            continue;
        }
        goto bad;
    }
    if (json_array_size(row) != 0)
        goto bad;
    json_decref(row);
    free(field);
    return rows;
bad:
    fprintf(stderr, "csv_parse: not RFC 4180 at byte %zu\n", i);
    json_decref(row);
    json_decref(rows);
    free(field);
    return NULL;
}

/* The CSV columns (PROTOCOL.md §6.31), in order. */
static const char *const csv_header[] = {
    "id",        "number",         "title",      "counterparty", "kind",        "status",
    "lifecycle", "sign_date",      "start_date", "end_date",     "notice_days", "notice_deadline",
    "renewal",   "renewal_months", "amount",     "currency",     "owner",       "description",
    "version",   "created_at",     "updated_at", "updated_by",   "deleted_at",
};
#define CSV_NCOLS ((int)(sizeof csv_header / sizeof *csv_header))

/* What a CSV field must hold for a contract's member. */
static inline void csv_expected(const json_t *contract, const char *column, char *out, size_t n)
{
    if (strcmp(column, "amount") == 0) {
        long long cents = (long long)it_int(contract, "amount_cents");
        int digits = pacta_currency_digits(it_str(contract, "currency"));
        long long scale = 1;
        for (int i = 0; i < digits; i++)
            scale *= 10;
        if (digits)
            snprintf(out, n, "%lld.%0*lld", cents / scale, digits, cents % scale);
        else
            snprintf(out, n, "%lld", cents);
        return;
    }
    const json_t *v = json_object_get(contract, column);
    if (json_is_string(v))
        snprintf(out, n, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(out, n, "%lld", (long long)json_integer_value(v));
    else
        out[0] = '\0';
}

#endif
