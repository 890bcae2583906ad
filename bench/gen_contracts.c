/*
 * gen_contracts (see gen_contracts.h): synthetic contracts straight into a
 * database with pactad's own schema.
 */
#include "gen_contracts.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db-private.h"
#include "db_short.h"
#include "expiry.h"

/* Bump when the rows change: cached files of another version are rebuilt. */
#define GEN_VERSION 1

static const char *const services[] = {
    "Întreținere lift",   "Curățenie birouri",   "Servicii de pază",    "Mentenanță IT",
    "Licențe software",   "Închiriere spațiu",   "Transport marfă",     "Consultanță fiscală",
    "Audit financiar",    "Furnizare energie",   "Catering cantină",    "Reparații clădire",
    "Office cleaning",    "Laptop leasing",      "Cloud hosting",       "Legal counsel",
    "Marketing services", "Security monitoring", "Printer maintenance", "Fleet insurance",
    "Asistență tehnică",  "Gestionare deșeuri",  "Telefonie mobilă",    "Servicii poștale",
};
static const char *const names[] = {
    "Brite", "Carpați", "Dunărea",      "Vest",     "Nord",    "Meridian", "Orizont", "Alpin",
    "Delta", "Solaris", "Transilvania", "Argeș",    "Moldova", "Banat",    "Crișana", "Olt",
    "Acme",  "Globex",  "Initech",      "Umbrella", "Stark",   "Wayne",    "Hooli",   "Vandelay",
};
static const char *const forms[] = {"SRL", "SA", "GmbH", "Ltd", "SRL-D", "Asociația"};
static const char *const places[] = {"București", "Cluj-Napoca", "Iași",  "Timișoara",
                                     "Constanța", "Brașov",      "Sibiu", "Oradea"};

/* splitmix64 of (seed, i, salt): every field of every row is independent. */
static uint64_t mix(uint64_t seed, long i, unsigned salt)
{
    uint64_t z = seed + 0x9e3779b97f4a7c15ull * ((uint64_t)i * 64 + salt + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int pick(const struct gen_options *o, long i, unsigned salt, int n)
{
    return (int)(mix(o->seed, i, salt) % (uint64_t)n);
}

/* A percentage draw: 0..99. */
static int pct(const struct gen_options *o, long i, unsigned salt)
{
    return pick(o, i, salt, 100);
}

static const char *today_of(const struct gen_options *o)
{
    return o->today ? o->today : GEN_DEFAULT_TODAY;
}

void gen_contract_row(const struct gen_options *o, long i, struct gen_contract *c)
{
    int64_t today, start, end;
    memset(c, 0, sizeof *c);
    if (srv_date_parse(today_of(o), &today) != 0)
        srv_date_parse(GEN_DEFAULT_TODAY, &today);

    snprintf(c->id, sizeof c->id, "%08x-0000-7000-8000-%012llx",
             (unsigned)(((uint64_t)i + 1) >> 16) & 0xffffffffu,
             (unsigned long long)((uint64_t)i + 1) & 0xffffffffffffull);
    int p = pct(o, i, 1);
    c->kind = p < 55 ? "supplier" : "client";
    p = pct(o, i, 2);
    c->status = p < 8 ? "draft" : p < 70 ? "active" : p < 92 ? "expired" : "terminated";
    p = pct(o, i, 3);
    int term = p < 10 ? 6 : p < 60 ? 12 : p < 85 ? 24 : 36;
    p = pct(o, i, 4);
    c->renewal = p < 70 ? "none" : p < 92 ? "auto" : "evergreen";
    c->renewal_months = 12;
    static const int notice[] = {0, 0, 0, 0, 30, 30, 30, 60, 60, 90};
    c->notice_days = notice[pick(o, i, 5, 10)];

    /* Where the status puts the term: ended ones in the last five years,
     * active ones running today (a few not started yet, a few just past
     * their end and not yet processed), drafts planned ahead. */
    int64_t offset = pick(o, i, 6, 1000); /* 0..999 */
    int64_t term_days = srv_date_add_months(today, term) - today;
    if (!strcmp(c->status, "expired") || !strcmp(c->status, "terminated")) {
        end = today - 1 - offset * 2;
        start = srv_date_add_months(end + 1, -term);
    } else if (!strcmp(c->status, "active")) {
        p = pct(o, i, 7);
        if (p < 3) /* upcoming */
            start = today + 1 + pick(o, i, 8, 60);
        else if (p < 4) /* past its end, not yet expired by the scheduler */
            start = today - term_days - pick(o, i, 8, 3);
        else
            start = today - (int64_t)(mix(o->seed, i, 8) % (uint64_t)term_days);
        end = srv_date_add_months(start, term) - 1;
    } else {
        start = today + 30 + offset;
        end = srv_date_add_months(start, term) - 1;
    }
    if (!(strcmp(c->status, "draft") == 0 && pct(o, i, 9) < 40)) {
        srv_date_format(start, c->start_date);
        srv_date_format(end, c->end_date);
        srv_date_format(start - pick(o, i, 10, 30), c->sign_date);
    }

    int year = atoi(c->start_date[0] ? c->start_date : today_of(o));
    snprintf(c->number, sizeof c->number, "C-%04d-%07d", year % 10000, (int)((i + 1) % 10000000));
    const char *service = services[pick(o, i, 11, (int)(sizeof services / sizeof *services))];
    const char *name = names[pick(o, i, 12, (int)(sizeof names / sizeof *names))];
    const char *form = forms[pick(o, i, 13, (int)(sizeof forms / sizeof *forms))];
    const char *place = places[pick(o, i, 14, (int)(sizeof places / sizeof *places))];
    snprintf(c->title, sizeof c->title, "%s %s", service, place);
    if (!strcmp(form, "Asociația"))
        snprintf(c->counterparty, sizeof c->counterparty, "Asociația de proprietari %s %d", name,
                 pick(o, i, 15, 400) + 1);
    else
        snprintf(c->counterparty, sizeof c->counterparty, "%s %s %s", name, place, form);
    snprintf(c->description, sizeof c->description,
             "%s pentru %s, %d etaje; facturare lunară. Contract %s, reînnoire %s.", service,
             c->counterparty, pick(o, i, 16, 12) + 1, c->kind, c->renewal);

    /* amounts log-uniform from 100.00 to about 1,000,000.00 */
    int64_t amount = 10000;
    for (int k = pick(o, i, 17, 4); k > 0; k--)
        amount *= 10;
    c->amount_cents = amount + (int64_t)(mix(o->seed, i, 18) % (uint64_t)(amount * 9));
    p = pct(o, i, 19);
    c->currency = p < 55 ? "EUR" : p < 80 ? "RON" : p < 95 ? "USD" : "GBP";
    snprintf(c->owner, sizeof c->owner, "owner%02d", pick(o, i, 20, GEN_OWNERS));
    c->deleted = pct(o, i, 21) < 1;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static int exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return 0;
    set_err(err, errlen, "%s: %s", sql, msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return -1;
}

static int add_users(sqlite3 *db, const struct gen_options *o, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    char *hash =
        srv_auth_hash_password(o->admin_password ? o->admin_password : GEN_DEFAULT_PASSWORD);
    int rc = -1;
    if (!hash) {
        set_err(err, errlen, "cannot hash the password");
        return -1;
    }
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO users (username, display_name, password_hash, role, "
                           "created_at) VALUES (?1, ?1, ?2, ?3, '2020-01-01T00:00:00.000Z')",
                           -1, &st, NULL) != SQLITE_OK)
        goto out;
    for (int u = -1; u < GEN_OWNERS; u++) {
        char name[16];
        if (u < 0)
            snprintf(name, sizeof name, "admin");
        else
            snprintf(name, sizeof name, "owner%02d", u);
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, u < 0 ? "admin" : "editor", -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            goto out;
        sqlite3_reset(st);
    }
    rc = 0;
out:
    if (rc)
        set_err(err, errlen, "users: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    free(hash);
    return rc;
}

static void bind_date(sqlite3_stmt *st, int i, const char *d)
{
    if (d[0])
        sqlite3_bind_text(st, i, d, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static int add_contracts(sqlite3 *db, const struct gen_options *o, long n, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    struct gen_contract c;
    time_t t0 = time(NULL);
    if (sqlite3_prepare_v2(
            db,
            "INSERT INTO contracts (id, number, title, counterparty, kind, status, sign_date, "
            "start_date, end_date, amount_cents, currency, owner, description, notice_days, "
            "renewal, renewal_months, version, created_at, updated_at, updated_by, deleted_at) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, 1, "
            "?17, ?17, ?12, ?18)",
            -1, &st, NULL) != SQLITE_OK) {
        set_err(err, errlen, "prepare: %s", sqlite3_errmsg(db));
        return -1;
    }
    for (long i = 0; i < n; i++) {
        char created[32];
        gen_contract_row(o, i, &c);
        snprintf(created, sizeof created, "%sT09:00:00.000Z",
                 c.sign_date[0] ? c.sign_date : today_of(o));
        sqlite3_bind_text(st, 1, c.id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, c.number, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, c.title, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, c.counterparty, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, c.kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, c.status, -1, SQLITE_STATIC);
        bind_date(st, 7, c.sign_date);
        bind_date(st, 8, c.start_date);
        bind_date(st, 9, c.end_date);
        sqlite3_bind_int64(st, 10, c.amount_cents);
        sqlite3_bind_text(st, 11, c.currency, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 12, c.owner, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 13, c.description, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 14, c.notice_days);
        sqlite3_bind_text(st, 15, c.renewal, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 16, c.renewal_months);
        sqlite3_bind_text(st, 17, created, -1, SQLITE_TRANSIENT);
        if (c.deleted)
            sqlite3_bind_text(st, 18, created, -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(st, 18);
        if (sqlite3_step(st) != SQLITE_DONE) {
            set_err(err, errlen, "contract %ld: %s", i, sqlite3_errmsg(db));
            sqlite3_finalize(st);
            return -1;
        }
        sqlite3_reset(st);
        if (!o->quiet && (i + 1) % 100000 == 0)
            fprintf(stderr, "gen_contracts: %ld of %ld (%lld s)\n", i + 1, n,
                    (long long)(time(NULL) - t0));
    }
    sqlite3_finalize(st);
    return 0;
}

int gen_contracts_build(const char *path, const struct gen_options *o, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    long n = o->contracts > 0 ? o->contracts : GEN_DEFAULT_CONTRACTS;
    int rc = -1;

    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        set_err(err, errlen, "%s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
        goto out;
    }
    /* the server's settings, except durability: a crash just means rebuild */
    if (exec(db,
             "PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; PRAGMA foreign_keys = ON;"
             "PRAGMA cache_size = -262144",
             err, errlen))
        goto out;
    if (srv__schema_migrate(db, err, errlen) != 0)
        goto out;
    /* the inserts leave their sort keys noted (schema_sort_keys.h): a
     * second pass writes them, as pactad's open would */
    if (exec(db, "BEGIN", err, errlen) || add_users(db, o, err, errlen) ||
        add_contracts(db, o, n, err, errlen) || exec(db, "COMMIT", err, errlen) ||
        srv__schema_migrate(db, err, errlen) != 0 ||
        exec(db, "PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE)", err, errlen))
        goto out;
    rc = 0;
out:
    sqlite3_close(db);
    return rc;
}

static void unlink_wal(const char *path)
{
    char wal[1200];

    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", path);
    unlink(wal);
}

/*
 * A cached file of an older schema version holds the same rows (GEN_VERSION
 * names the rows): the newer migrations bring it to `out` in seconds, where
 * building anew takes minutes.  It is migrated in place (the older file is
 * gone after), with pactad's own srv__schema_migrate.  0 when it was, 1
 * when there is none, -1 with err.
 */
static int migrate_older(const char *cache_dir, const struct gen_options *o, long n,
                         const char *out, char *err, size_t errlen)
{
    char old[1100], tmp[1100];
    struct stat sb;
    sqlite3 *db = NULL;
    int v = srv__schema_latest() - 1, rc = -1;
    time_t t0 = time(NULL);

    for (; v >= 1; v--) {
        snprintf(old, sizeof old, "%s/contracts-%ld-%s-s%llu-g%d-v%d.db", cache_dir, n, today_of(o),
                 (unsigned long long)o->seed, GEN_VERSION, v);
        if (stat(old, &sb) == 0)
            break;
    }
    if (v < 1)
        return 1;
    if (!o->quiet)
        fprintf(stderr, "gen_contracts: migrating %s to version %d\n", old, srv__schema_latest());
    snprintf(tmp, sizeof tmp, "%s.migrating.%d", out, (int)getpid());
    unlink_wal(old); /* checkpointed when built; readers write nothing */
    if (rename(old, tmp) != 0) {
        set_err(err, errlen, "rename %s: %s", old, strerror(errno));
        return -1;
    }
    if (sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        set_err(err, errlen, "%s: %s", tmp, db ? sqlite3_errmsg(db) : "cannot open");
        goto out;
    }
    if (exec(db,
             "PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; PRAGMA foreign_keys = ON;"
             "PRAGMA cache_size = -262144",
             err, errlen) ||
        srv__schema_migrate(db, err, errlen) != 0 ||
        exec(db, "PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE)", err, errlen))
        goto out;
    sqlite3_close(db);
    db = NULL;
    unlink_wal(tmp);
    if (rename(tmp, out) != 0) {
        set_err(err, errlen, "rename %s: %s", out, strerror(errno));
        goto out;
    }
    if (!o->quiet)
        fprintf(stderr, "gen_contracts: migrated in %lld s\n", (long long)(time(NULL) - t0));
    return 0;
out: /* the next run builds anew */
    sqlite3_close(db);
    unlink(tmp);
    unlink_wal(tmp);
    return rc;
}

int gen_contracts_cached(const char *cache_dir, const struct gen_options *o, char *out,
                         size_t outlen, char *err, size_t errlen)
{
    long n = o->contracts > 0 ? o->contracts : GEN_DEFAULT_CONTRACTS;
    char tmp[1100];
    struct stat sb;

    /* this process's later connections (a bench's readers and writers)
     * read and write contracts_short: its tokenizer on each (db_short.h) */
    if (srv_short_install(err, errlen) != 0)
        return -1;
    if (mkdir(cache_dir, 0700) != 0 && errno != EEXIST) {
        set_err(err, errlen, "%s: %s", cache_dir, strerror(errno));
        return -1;
    }
    snprintf(out, outlen, "%s/contracts-%ld-%s-s%llu-g%d-v%d.db", cache_dir, n, today_of(o),
             (unsigned long long)o->seed, GEN_VERSION, srv__schema_latest());
    if (stat(out, &sb) == 0)
        return 0;
    int m = migrate_older(cache_dir, o, n, out, err, errlen);
    if (m <= 0)
        return m;
    snprintf(tmp, sizeof tmp, "%s.building.%d", out, (int)getpid());
    if (!o->quiet)
        fprintf(stderr, "gen_contracts: building %s\n", out);
    time_t t0 = time(NULL);
    if (gen_contracts_build(tmp, o, err, errlen) != 0) {
        unlink(tmp);
        return -1;
    }
    unlink_wal(tmp);
    if (rename(tmp, out) != 0) {
        set_err(err, errlen, "rename %s: %s", out, strerror(errno));
        unlink(tmp);
        return -1;
    }
    if (!o->quiet)
        fprintf(stderr, "gen_contracts: %ld contracts in %lld s\n", n,
                (long long)(time(NULL) - t0));
    return 0;
}
