/*
 * The SQL of the combined-filters migration (issue 7; an entry of
 * schema.c's array; server/db_list_plan.c's combination driver reads what
 * it makes).
 *
 * Each of kind, status, currency and owner has an index of its own, and
 * each of them alone holds a large part of the table (a kind half of it, a
 * status up to 60 %, an owner 5 %), so a listing that asks for several of
 * them at once — owner03's client contracts in GBP that start later: 75 of
 * a million — read tens of thousands of rows through any single one of
 * them (142 ms).  contracts_combo holds the four together, fewest values
 * first, then the end date: a combination is a few seeks, one per value of
 * the columns it leaves open before the last one it names (two kinds, four
 * statuses, the currencies in use: db_list_plan.c writes them as IN lists),
 * and an end-date range after the owner is a range of the index too.  The
 * index holds only these columns: it finds the candidates, and the rows
 * are checked against every filter as with any other index.  It changes
 * when one of its columns does: an edit of the amount or the title does not
 * touch it.
 */
#ifndef PACTA_SRV_SCHEMA_COMBO_H
#define PACTA_SRV_SCHEMA_COMBO_H

#define SRV_SCHEMA_COMBO                                                                           \
    "CREATE INDEX contracts_combo ON contracts(kind, status, currency, owner, end_key);"

#endif
