/*
 * The SQL of the date-range migration (issue 7; an entry of schema.c's
 * array; server/db_list.c's RANGE plan reads what it makes).
 *
 * A date range sorted by number (the default sort) was the slowest common
 * listing: contract numbers begin with the start year, so a walk in number
 * order meets "ends in the next 30 days" only after hundreds of thousands
 * of rows, and reading the range's rows instead costs a random read per row
 * (44,500 rows: about 0.1 s).  The three date indexes now also hold number
 * and deleted_at after (key, id): their order, their keyset walks and
 * seeks stay what they were (the new columns come after id), and a range
 * of one can be put in number order from the index alone — no row read —
 * so only the rows of the page are read.  deleted_at is there so that the
 * listing's "not deleted" needs no row either (it is NULL for nearly every
 * contract: one byte).  Each index grows by the number's bytes.
 */
#ifndef PACTA_SRV_SCHEMA_RANGES_H
#define PACTA_SRV_SCHEMA_RANGES_H

#define SRV_SCHEMA_RANGES                                                                          \
    "DROP INDEX contracts_end;"                                                                    \
    "DROP INDEX contracts_start;"                                                                  \
    "DROP INDEX contracts_sign;"                                                                   \
    "CREATE INDEX contracts_end ON contracts(end_key, id, number, deleted_at);"                    \
    "CREATE INDEX contracts_start ON contracts(start_key, id, number, deleted_at);"                \
    "CREATE INDEX contracts_sign ON contracts(sign_key, id, number, deleted_at);"

#endif
