/*
 * The SQL of the documents table (a migration in schema.c; written by
 * db_documents.c, read by documents.c, collected by documents_store.c).
 *
 * One row per document attached to a contract.  The bytes are not here:
 * `sha256` names the content in DATA_DIR/documents (docstore.h), so two
 * rows with the same bytes share one file.  Deleting is soft (deleted_at),
 * so the audit trail and replayed events keep pointing at a real row; a
 * content no live row refers to is removed from the store.
 *
 *   documents_contract  documents.list: a contract's documents in order
 *   documents_content   the collection's "does a live row still refer to
 *                       this content?" (live rows only)
 */
#ifndef PACTA_SRV_SCHEMA_DOCUMENTS_H
#define PACTA_SRV_SCHEMA_DOCUMENTS_H

#define SRV_SCHEMA_DOCUMENTS                                                                       \
    "CREATE TABLE documents ("                                                                     \
    "  id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36 AND id = lower(id)),"                   \
    "  contract_id TEXT NOT NULL REFERENCES contracts(id),"                                        \
    "  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 255 AND instr(name, '/') = 0"          \
    "    AND instr(name, '\\') = 0),"                                                              \
    "  size INTEGER NOT NULL CHECK (typeof(size) = 'integer' AND size >= 1),"                      \
    "  sha256 TEXT NOT NULL CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),"        \
    "  mime TEXT NOT NULL CHECK (length(mime) BETWEEN 3 AND 255 AND instr(mime, '/') > 1),"        \
    "  uploaded_by TEXT NOT NULL REFERENCES users(username),"                                      \
    "  uploaded_at TEXT NOT NULL,"                                                                 \
    "  deleted_at TEXT"                                                                            \
    ");"                                                                                           \
    "CREATE INDEX documents_contract ON documents(contract_id, uploaded_at, id);"                  \
    "CREATE INDEX documents_content ON documents(sha256) WHERE deleted_at IS NULL;"

#endif
