/*
 * pacta_short and pacta_trigram, the FTS5 tokenizers of contracts_short and
 * contracts_text (schema_short.h, schema_text.h): the indexes of
 * contracts.list `text`, which read each column's key (db_fold.h).  A
 * connection that inserts or deletes contracts (the triggers index them),
 * applies the notes of edits (db_fts_pending.c) or reads those indexes
 * must have them; one without gets "no such tokenizer: pacta_short" and
 * its statement fails, changing nothing.  Only SQLite (and db_fold.c):
 * pactactl and the test harness build this file too.
 */
#ifndef PACTA_SRV_DB_SHORT_H
#define PACTA_SRV_DB_SHORT_H

#include <stddef.h>
#include <sqlite3.h>

/* The tokenizers' names in the indexes' tokenize options. */
#define SRV_SHORT_TOKENIZER "pacta_short"
#define SRV_TRIGRAM_TOKENIZER "pacta_trigram"
/* contracts_fts's (`q`): unicode61 with remove_diacritics 2 on the key */
#define SRV_WORDS_TOKENIZER "pacta_words"

/* Registers the three tokenizers on one open connection: 0, or -1 with the reason
 * in errbuf (FTS5 missing from this SQLite, out of memory). */
int srv_short_register(sqlite3 *db, char *errbuf, size_t errlen);

/* Registers it on every connection this process opens from now on
 * (sqlite3_auto_extension; again is harmless): 0, or -1 with the reason.
 * It initializes SQLite, so a process's sqlite3_config calls go first.
 * A later open whose registration fails fails itself ("automatic
 * extension loading failed: ..."). */
int srv_short_install(char *errbuf, size_t errlen);

/* The key of a `text` (pacta_fold's, terminated): what its rows contain.
 * The caller frees it. */
char *srv_text_key(const char *text);

/* The queries of a key (srv_text_key's), as one FTS5 string ("..." with
 * `"` doubled): contracts_short's when it is one or two characters,
 * contracts_text's when it is three or more; NULL otherwise.  The caller
 * frees it. */
char *srv_short_query(const char *key);
char *srv_trigram_query(const char *key);

#endif
