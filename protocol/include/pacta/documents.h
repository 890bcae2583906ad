/*
 * libpacta-protocol: documents attached to a contract (PROTOCOL.md §6.34-
 * 6.41): the limits of a transfer, the event names and the decoders of the
 * documents.* ops.  File bytes travel as standard base64 in JSON
 * (pacta_base64_encode / pacta_base64_decode, protocol.h).
 *
 * Ownership as in protocol.h: decoded strings borrow from the args object
 * and live as long as the request does.
 */
#ifndef PACTA_DOCUMENTS_H
#define PACTA_DOCUMENTS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <pacta/protocol.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Largest upload chunk, in decoded bytes.  A request frame is at most
 * PACTA_MAX_MESSAGE_BYTES (64 KiB), so a chunk's base64 (4/3 of it) plus
 * the envelope must fit in one: 32 KiB is 43,692 characters.  Clients keep
 * several chunks in flight instead of sending bigger ones.
 */
#define PACTA_DOC_CHUNK_MAX 32768
/* documents.download: a chunk's length by default and at most (server to
 * client frames may be larger than 64 KiB). */
#define PACTA_DOC_DOWNLOAD_DEFAULT (256 * 1024)
#define PACTA_DOC_DOWNLOAD_MAX (1024 * 1024)
/* A document's name: single-line text of 1..255 characters, no '/' or '\',
 * not "." or "..". */
#define PACTA_DOC_NAME_MAX 255

/* Durable events (with seq, replayed like contract events). */
#define PACTA_EV_DOCUMENT_ADDED "document.added"
#define PACTA_EV_DOCUMENT_REMOVED "document.removed"

/* 1 if s is 64 lowercase hex digits (a SHA-256 as the protocol writes it). */
int pacta_valid_sha256(const char *s);
/* 1 if s is 32 lowercase hex digits (an upload id). */
int pacta_valid_upload_id(const char *s);
/* 1 if s is a MIME type "type/subtype" of RFC 6838 characters, 3..255
 * long, without parameters. */
int pacta_valid_mime(const char *s);
/* 1 if s is a document name as above (what documents.upload.begin
 * accepts): also what a client may save a download under without asking,
 * since it cannot name another directory or a path of its own. */
int pacta_valid_doc_name(const char *s);

/* documents.upload.begin {contract_id, name, size, sha256, mime?} */
struct pacta_doc_begin_args {
    const char *contract_id;
    const char *name;
    int64_t size; /* >= 1; the server's limit is checked by the server */
    const char *sha256;
    const char *mime; /* the client's idea of the type, NULL if absent */
};
int pacta_decode_doc_upload_begin(const json_t *args, struct pacta_doc_begin_args *out,
                                  struct pacta_error *err);

/*
 * documents.upload.chunk {upload_id, offset, data, sha256?}: data is
 * decoded into buf (PACTA_DOC_CHUNK_MAX bytes, the caller's); a chunk holds
 * 1..PACTA_DOC_CHUNK_MAX bytes.  sha256 (optional) is the chunk's own.
 */
struct pacta_doc_chunk_args {
    const char *upload_id;
    int64_t offset;
    size_t len; /* decoded bytes in buf */
    const char *sha256;
};
int pacta_decode_doc_upload_chunk(const json_t *args, struct pacta_doc_chunk_args *out,
                                  uint8_t *buf, struct pacta_error *err);
/* documents.upload.finish {upload_id} */
int pacta_decode_doc_upload_finish(const json_t *args, const char **upload_id,
                                   struct pacta_error *err);

/* documents.list {contract_id, include_deleted?} */
struct pacta_doc_list_args {
    const char *contract_id;
    int include_deleted;
};
int pacta_decode_doc_list(const json_t *args, struct pacta_doc_list_args *out,
                          struct pacta_error *err);
/* documents.get {id} and documents.delete {id} */
int pacta_decode_doc_id(const json_t *args, const char **id, struct pacta_error *err);
/* documents.download {id, offset?, length?}: offset >= 0 (default 0),
 * length 1..PACTA_DOC_DOWNLOAD_MAX (default PACTA_DOC_DOWNLOAD_DEFAULT). */
struct pacta_doc_download_args {
    const char *id;
    int64_t offset, length;
};
int pacta_decode_doc_download(const json_t *args, struct pacta_doc_download_args *out,
                              struct pacta_error *err);

#ifdef __cplusplus
}
#endif
#endif
