/*
 * gen_contracts: a pactad database of N synthetic contracts, built straight
 * in SQLite with the server's own schema (srv__schema_migrate, so every
 * migration, trigger and index of the running server is there and kept by
 * the inserts), for benches that need a million contracts without sending
 * a million creates through pactad.
 *
 * The rows are a deterministic function of (seed, index): the same options
 * give the same database, and gen_contract_row() tells a bench what row i
 * holds (its id, dates, status...) without reading it back.  Dates are
 * spread around `today` the way a live system has them: most contracts
 * active with ends over the next years, expired ones in the past, a few
 * upcoming ones, drafts without dates, 1 % soft-deleted.  Text mixes
 * Romanian words with diacritics, so full-text search has real work.
 *
 * Users: "admin" (role admin, password o->admin_password, hashed with the
 * server's argon2id so pactad started on the file accepts the login) and
 * owners "owner00".."owner19" (editors, same password).
 *
 * Building a million takes about a minute (the inserts run every trigger
 * of the schema); gen_contracts_cached() keeps the file, named by the
 * options, the generator version and the schema version, and rebuilds it
 * only when one of those changed.
 */
#ifndef PACTA_BENCH_GEN_CONTRACTS_H
#define PACTA_BENCH_GEN_CONTRACTS_H

#include <stddef.h>
#include <stdint.h>

#define GEN_DEFAULT_CONTRACTS 1000000L
#define GEN_DEFAULT_TODAY "2026-11-22"
#define GEN_DEFAULT_PASSWORD "bench-admin-pass"
#define GEN_OWNERS 20

struct gen_options {
    long contracts;             /* 0: GEN_DEFAULT_CONTRACTS */
    const char *today;          /* "YYYY-MM-DD"; NULL: GEN_DEFAULT_TODAY */
    uint64_t seed;              /* 0 is a seed like any other */
    const char *admin_password; /* NULL: GEN_DEFAULT_PASSWORD */
    int quiet;                  /* no progress lines on stderr */
};

/* What row i (0-based) holds.  Dates are "" when NULL. */
struct gen_contract {
    char id[37];     /* "%08lx-0000-7000-8000-%012lx" of (i + 1) >> 16, i + 1: sorts like i */
    char number[24]; /* "C-YYYY-NNNNNNN" */
    char title[120];
    char counterparty[120];
    char description[400];
    const char *kind;   /* "client" | "supplier" */
    const char *status; /* "draft" | "active" | "expired" | "terminated" */
    char sign_date[11], start_date[11], end_date[11];
    int64_t amount_cents;
    const char *currency; /* EUR, RON, USD, GBP */
    char owner[16];
    int notice_days;     /* 0, 30, 60 or 90 */
    const char *renewal; /* "none" | "auto" | "evergreen" */
    int renewal_months;
    int deleted; /* soft-deleted (deleted_at set) */
};
void gen_contract_row(const struct gen_options *o, long i, struct gen_contract *out);

/*
 * Creates the database at `path` (which must not exist): schema, users,
 * then the contracts in one transaction.  0, or -1 with a message in err.
 */
int gen_contracts_build(const char *path, const struct gen_options *o, char *err, size_t errlen);

/*
 * The path (in out) of a database built with o under cache_dir (created if
 * missing), building it first when it is not there — or, when the cache
 * has one of an older schema version, migrating that one in place.  0 or
 * -1 with err.
 */
int gen_contracts_cached(const char *cache_dir, const struct gen_options *o, char *out,
                         size_t outlen, char *err, size_t errlen);

#endif
