/*
 * contracts.list `q` as FTS5 reads it fastest (db_list_terms.c): a word
 * whose last token is the whole of a term in the search index, and the
 * start of no other, is searched as that term instead of as a prefix.
 * The same rows and the same bm25 scores; FTS5 then reads the term's hit
 * list lazily (skipping through it for an AND) instead of copying and
 * merging every prefix term's hit list first.
 */
#ifndef PACTA_SRV_DB_LIST_TERMS_H
#define PACTA_SRV_DB_LIST_TERMS_H

#include <sqlite3.h>

/* The temp table of the search index's terms that srv__list_terms_query
 * reads (fts5vocab over contracts_fts, one row per term instance). */
#define SRV_LIST_TERMS_TABLE "contracts_fts_terms"

/* Makes SRV_LIST_TERMS_TABLE in `db`'s temp schema (again is harmless).
 * It writes the temp schema, so a reader calls it before PRAGMA
 * query_only.  0, or -1 (FTS5's fts5vocab missing, out of memory); a
 * connection without the table still lists correctly, with prefixes. */
int srv__list_terms_attach(sqlite3 *db);

/*
 * srv__list_fts_query(q) (every word a quoted prefix phrase, AND-ed), with
 * the `*` left off each word whose last token (FTS5's own tokenizer, as
 * the search index's) begins no term of the index but itself, as the
 * index is in `db`'s current read transaction.  Without the terms table,
 * or on any error, it is srv__list_fts_query(q) itself.  Never NULL; the
 * caller frees it.  *prefixes: how many words with tokens stay prefixes
 * (every word with tokens when it is srv__list_fts_query(q); a word
 * without tokens costs FTS5 nothing and is not counted).
 */
char *srv__list_terms_query(sqlite3 *db, const char *q, int *prefixes);

/*
 * For a page that does not rank (q with a sort key): the same rows as
 * srv__list_fts_query(q), where a word that other terms extend, up to 16
 * of them, is the OR of those terms (each a phrase: the word's tokens with
 * that term last), which FTS5 reads lazily as it does whole words, instead
 * of merging their hit lists first; the words AND-ed.  A word with more
 * terms stays a prefix.  *prefixes: the words that are not whole (listed
 * or prefixes).  BM25 would score an OR otherwise than the prefix, so
 * ranked pages use srv__list_terms_query.
 * Without the terms table or on an error: srv__list_terms_query(q).
 */
char *srv__list_terms_set_query(sqlite3 *db, const char *q, int *prefixes);

/* Words srv__list_terms_query has made whole, and words
 * srv__list_terms_set_query has listed as their terms, since the process
 * began (for tests). */
long srv__list_terms_exact(void);
long srv__list_terms_listed(void);

#endif
