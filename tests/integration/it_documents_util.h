/*
 * Helpers of the document tests (it_documents*.c, it_backup*.c): file
 * contents to attach, SHA-256 as the protocol writes it, and the upload and
 * download loops over documents.upload.* / documents.download, done with
 * the blocking test client the way a real client does them.
 */
#ifndef PACTA_IT_DOCUMENTS_UTIL_H
#define PACTA_IT_DOCUMENTS_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <pacta/documents.h>

#include "harness.h"

static inline void doc_sha256(const void *data, size_t len, char out[65])
{
    uint8_t md[32];
    unsigned n = 0;
    EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* A PNG (by its signature) of `len` bytes whose body runs through every
 * byte value: binary that sniffs as an accepted type. */
static inline uint8_t *doc_png_bytes(size_t len, unsigned seed)
{
    uint8_t *b = malloc(len);
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    for (size_t i = 0; i < len; i++)
        b[i] = (uint8_t)(i * 131 + seed + i / 256);
    memcpy(b, sig, len < 8 ? len : 8);
    return b;
}

/* A small but well-formed one-page PDF. */
static inline char *doc_pdf_bytes(size_t *len, const char *text)
{
    char body[1024];
    int n = snprintf(body, sizeof body,
                     "%%PDF-1.4\n%%\xe2\xe3\xcf\xd3\n"
                     "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
                     "2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
                     "3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] "
                     "/Contents 4 0 R >> endobj\n"
                     "4 0 obj << /Length %d >> stream\nBT /F1 12 Tf 20 100 Td (%s) Tj ET\n"
                     "endstream endobj\ntrailer << /Root 1 0 R >>\n%%%%EOF\n",
                     (int)strlen(text) + 32, text);
    *len = (size_t)n;
    return strdup(body);
}

/* documents.upload.begin; the result (new ref) or NULL with *error. */
static inline json_t *doc_begin(struct ctl_client *c, const char *contract, const char *name,
                                const void *data, size_t len, const char *sha_or_null,
                                json_t **error)
{
    char sha[65];
    if (!sha_or_null)
        doc_sha256(data, len, sha);
    return it_call(c, "documents.upload.begin",
                   json_pack("{s:s, s:s, s:I, s:s}", "contract_id", contract, "name", name, "size",
                             (json_int_t)len, "sha256", sha_or_null ? sha_or_null : sha),
                   error);
}

/* One chunk of data[off, off+n); `bad_sha`: send a wrong checksum. */
static inline json_t *doc_chunk(struct ctl_client *c, const char *upload_id, const uint8_t *data,
                                size_t off, size_t n, int bad_sha, json_t **error)
{
    char sha[65], *text = malloc(PACTA_BASE64_ENCODED_LEN(n) + 1);
    doc_sha256(data + off, n, sha);
    if (bad_sha)
        sha[0] = sha[0] == '0' ? '1' : '0';
    pacta_base64_encode(data + off, n, text);
    json_t *args = json_pack("{s:s, s:I, s:s, s:s}", "upload_id", upload_id, "offset",
                             (json_int_t)off, "data", text, "sha256", sha);
    free(text);
    return it_call(c, "documents.upload.chunk", args, error);
}

/* Sends data[from, to) in chunks of `chunk` bytes, one at a time; 0 or -1. */
static inline int doc_send(struct ctl_client *c, const char *upload_id, const uint8_t *data,
                           size_t from, size_t to, size_t chunk)
{
    for (size_t off = from; off < to; off += chunk) {
        size_t n = to - off < chunk ? to - off : chunk;
        json_t *r = doc_chunk(c, upload_id, data, off, n, 0, NULL);
        if (!r || it_int(r, "received") != (json_int_t)(off + n)) {
            json_decref(r);
            return -1;
        }
        json_decref(r);
    }
    return 0;
}

/* A whole upload; the finish's "document" (new ref) or NULL. */
static inline json_t *doc_upload(struct ctl_client *c, const char *contract, const char *name,
                                 const void *data, size_t len)
{
    json_t *b = doc_begin(c, contract, name, data, len, NULL, NULL);
    if (!b)
        return NULL;
    char id[40];
    snprintf(id, sizeof id, "%s", it_str(b, "upload_id"));
    json_decref(b);
    if (doc_send(c, id, data, 0, len, PACTA_DOC_CHUNK_MAX) != 0)
        return NULL;
    json_t *f = it_call(c, "documents.upload.finish", json_pack("{s:s}", "upload_id", id), NULL);
    json_t *doc = f ? json_incref(json_object_get(f, "document")) : NULL;
    json_decref(f);
    return doc;
}

/* The whole content by documents.download in `piece`-byte requests
 * (malloc'd, *len); NULL with *error on an error answer. */
static inline uint8_t *doc_download(struct ctl_client *c, const char *id, size_t piece, size_t *len,
                                    json_t **error)
{
    size_t cap = 1 << 16, n = 0;
    uint8_t *out = malloc(cap);
    for (;;) {
        json_t *r = it_call(c, "documents.download",
                            json_pack("{s:s, s:I, s:I}", "id", id, "offset", (json_int_t)n,
                                      "length", (json_int_t)piece),
                            error);
        if (!r || it_int(r, "offset") != (json_int_t)n) {
            json_decref(r);
            free(out);
            return NULL;
        }
        const char *data = it_str(r, "data");
        size_t dl = strlen(data);
        if (n + PACTA_BASE64_DECODED_MAX(dl) > cap) {
            while (n + PACTA_BASE64_DECODED_MAX(dl) > cap)
                cap *= 2;
            out = realloc(out, cap);
        }
        size_t got = 0;
        if (pacta_base64_decode(data, dl, out + n, cap - n, &got) != 0) {
            json_decref(r);
            free(out);
            return NULL;
        }
        n += got;
        int eof = json_is_true(json_object_get(r, "eof"));
        json_decref(r);
        if (eof)
            break;
    }
    *len = n;
    return out;
}

#endif
