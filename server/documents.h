/*
 * Documents attached to contracts (issue 7, PROTOCOL.md "Documents"): a
 * signed PDF or a scan kept next to the record.  Contents are stored once
 * each under DATA_DIR/documents, named by their SHA-256 (docstore.h); rows
 * of the `documents` table (schema.c) refer to them.  Uploads arrive in
 * checksummed chunks, survive a dropped connection and a server restart,
 * and become a row and a durable `document.added` event only when the
 * whole file matched its declared SHA-256 and type.
 *
 * This header is what the rest of pactad calls; the module's own parts
 * share documents-private.h.  Loop thread.
 */
#ifndef PACTA_SRV_DOCUMENTS_H
#define PACTA_SRV_DOCUMENTS_H

struct srv;
struct srv_session;
struct pacta_request;

/* After the database is open: directories, stale uploads, a full
 * collection of contents no row refers to, the housekeeping timer. */
void srv__documents_start(struct srv *srv);
void srv__documents_stop(struct srv *srv);
/* After the loop ended: frees the upload table. */
void srv__documents_cleanup(void);
/* documents.* ops; 1 if it answered the request. */
int srv__documents_handle(struct srv_session *s, const struct pacta_request *req);

/*
 * backup.c: a backup (from before its snapshot until it has copied the
 * contents the snapshot refers to) or a restore (from before it copies
 * contents in until its safety backup is packed) holds the store: no
 * content is removed meanwhile.  _end(restored): a restore replaced the
 * rows, so every content is looked at again.
 */
void srv__documents_backup_begin(void);
void srv__documents_backup_end(int restored);

#endif
