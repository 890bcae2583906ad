/*
 * Where attached documents live on disk (issue 7).  Shared by pactad and
 * pactactl's offline backup restore, so it is only names and paths:
 *
 *   DATA_DIR/documents/ab/cdef...        a document's content, named by the
 *                                        SHA-256 of its bytes (lowercase hex:
 *                                        2 characters of directory, 62 of
 *                                        file); the same content is stored
 *                                        once, whatever refers to it
 *   DATA_DIR/documents/uploads/ID.part   an upload's bytes so far
 *   DATA_DIR/documents/uploads/ID.json   what its begin declared
 *
 * Rows of the `documents` table refer to contents by their SHA-256; the
 * database never holds the bytes.
 */
#ifndef PACTA_SRV_DOCSTORE_H
#define PACTA_SRV_DOCSTORE_H

#include <stdio.h>

#define SRV_DOCS_DIR_NAME "documents"
#define SRV_DOCS_UPLOADS_NAME "uploads"

/* DATA_DIR/documents */
static inline void srv_docs_dir(const char *data_dir, char *out, size_t n)
{
    snprintf(out, n, "%s/" SRV_DOCS_DIR_NAME, data_dir);
}

/* docs_dir/ab (the directory of a content) */
static inline void srv_docs_blob_dir(const char *docs_dir, const char *sha256, char *out, size_t n)
{
    snprintf(out, n, "%s/%.2s", docs_dir, sha256);
}

/* docs_dir/ab/cdef... */
static inline void srv_docs_blob_path(const char *docs_dir, const char *sha256, char *out, size_t n)
{
    snprintf(out, n, "%s/%.2s/%s", docs_dir, sha256, sha256 + 2);
}

#endif
