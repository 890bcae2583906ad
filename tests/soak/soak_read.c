/*
 * The soak's readers: whole lists walked page by page while the editors
 * write, the dashboard, and CSV exports.
 *
 * A walk by number must return every contract that existed, not being
 * deleted, for the whole walk, exactly once and in order (PROTOCOL.md
 * §6.4: the cursor is the last row's key, numbers never change here), with
 * any filter every soak contract matches: none, a word of every title
 * (`q`), a part of every title (`text`).  The dashboard's figures never go
 * back (`as_of_seq`), and an export arrives whole, as its size and SHA-256
 * say, with as many records as it has rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "soak.h"

static const char *const walks[][2] = {
    {"every contract", "{}"},
    {"q: a word of every title", "{\"q\":\"soak\",\"sort\":\"number\"}"},
    {"text: a part of every title", "{\"text\":\"oak\",\"sort\":\"number\"}"},
};
#define NWALKS (sizeof(walks) / sizeof(walks[0]))

/* The ids the walk must return: created, and no delete sent. */
static char *stable_ids(int *n)
{
    pthread_mutex_lock(&soak.mu);
    char *ids = malloc((size_t)(soak.ncontracts + 1) * 40);
    *n = 0;
    for (int i = 0; i < soak.ncontracts; i++)
        if (!soak.contracts[i].deleting)
            memcpy(ids + 40 * (*n)++, soak.contracts[i].id, 40);
    pthread_mutex_unlock(&soak.mu);
    return ids;
}

/* 1 if id has no delete sent now (the walk must have had it). */
static int still_stable(const char *id)
{
    int stable = 1;

    pthread_mutex_lock(&soak.mu);
    for (int i = 0; i < soak.ncontracts; i++)
        if (strcmp(soak.contracts[i].id, id) == 0)
            stable = !soak.contracts[i].deleting;
    pthread_mutex_unlock(&soak.mu);
    return stable;
}

static int cmp_id(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* One walk; -1 when the connection failed. */
static int walk(struct ctl_client *c, int t, int kind)
{
    int nexpect = 0, nseen = 0, cap = 256;
    char *expect = stable_ids(&nexpect), *seen = malloc((size_t)cap * 40), last[80] = "";
    json_t *cursor = json_null();
    int rc = 0;

    do {
        json_t *args = json_loads(walks[kind][1], 0, NULL), *result = NULL;
        json_object_set_new(args, "limit", json_integer(50));
        if (!json_is_null(cursor))
            json_object_set(args, "cursor", cursor);
        rc = soak_request(c, "contracts.list", args, &result);
        if (rc < 0) {
            soak_no_answer("reader", "contracts.list");
            break;
        }
        if (rc != 0) {
            soak_violation("reader %d: %s: page %d: %s", t, walks[kind][0], nseen / 50,
                           it_err_code(result));
            json_decref(result);
            break;
        }
        size_t i;
        json_t *item;
        json_array_foreach(json_object_get(result, "items"), i, item)
        {
            const char *number = it_str(item, "number");
            if (strcmp(number, last) <= 0)
                soak_violation("reader %d: %s: %s after %s", t, walks[kind][0], number, last);
            snprintf(last, sizeof last, "%s", number);
            if (nseen == cap)
                seen = realloc(seen, (size_t)(cap *= 2) * 40);
            snprintf(seen + 40 * nseen++, 40, "%s", it_str(item, "id"));
        }
        json_decref(cursor);
        cursor = json_incref(json_object_get(result, "next_cursor"));
        json_decref(result);
    } while (cursor && !json_is_null(cursor));
    json_decref(cursor);
    if (rc == 0) {
        atomic_fetch_add(&soak.n.walks, 1);
        atomic_fetch_add(&soak.n.walk_rows, nseen);
        qsort(seen, (size_t)nseen, 40, cmp_id);
        for (int i = 1; i < nseen; i++)
            if (strcmp(seen + 40 * i, seen + 40 * (i - 1)) == 0)
                soak_violation("reader %d: %s: %s twice", t, walks[kind][0], seen + 40 * i);
        for (int i = 0; i < nexpect; i++)
            if (!bsearch(expect + 40 * i, seen, (size_t)nseen, 40, cmp_id) &&
                still_stable(expect + 40 * i))
                soak_violation("reader %d: %s: %s missing", t, walks[kind][0], expect + 40 * i);
    }
    free(expect);
    free(seen);
    return rc < 0 ? -1 : 0;
}

/* stats.dashboard: its snapshot never older than the last one seen. */
static int dashboard(struct ctl_client *c, int t, int64_t *as_of)
{
    json_t *result = NULL;
    int rc = soak_request(c, "stats.dashboard", json_object(), &result);

    if (rc < 0) {
        soak_no_answer("reader", "stats.dashboard");
    } else if (rc != 0) {
        soak_violation("reader %d: stats.dashboard: %s", t, it_err_code(result));
    } else {
        int64_t seq = it_int(result, "as_of_seq");
        if (seq < *as_of)
            soak_violation("reader %d: stats.dashboard as of seq %lld after one as of %lld", t,
                           (long long)seq, (long long)*as_of);
        *as_of = seq;
        atomic_fetch_add(&soak.n.dashboards, 1);
    }
    json_decref(result);
    return rc < 0 ? -1 : 0;
}

/* The records of a CSV file so far: CRLFs outside quotes (a description
 * may hold line breaks, quoted; a quote inside is doubled, which toggles
 * twice). */
struct csv_count {
    int in_quotes, cr;
    long records;
};

static void csv_count(struct csv_count *k, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"')
            k->in_quotes = !k->in_quotes;
        else if (p[i] == '\n' && k->cr && !k->in_quotes)
            k->records++;
        k->cr = p[i] == '\r';
    }
}

/* The contracts that cannot have been live for the whole of an export: the
 * model's count, and those already deleted. */
static void counts(int *all, int *deleted)
{
    pthread_mutex_lock(&soak.mu);
    *all = soak.ncontracts;
    *deleted = 0;
    for (int i = 0; i < soak.ncontracts; i++)
        *deleted += soak.contracts[i].deleted;
    pthread_mutex_unlock(&soak.mu);
}

/* A CSV export of every contract, read back whole: its size and SHA-256,
 * and its rows, which one moment of the data made (PROTOCOL.md §6.31): at
 * least the contracts live for the whole export, at most those not deleted
 * before it began. */
static int export_csv(struct ctl_client *c, int t)
{
    int nstable = 0, all = 0, deleted_before = 0, lo = 0;
    char *stable = stable_ids(&nstable);
    json_t *made = NULL, *ev = NULL;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char digest[32];
    char hex[65];
    int64_t got = 0;
    int eof = 0;
    struct csv_count records = {0, 0, 0};

    counts(&all, &deleted_before);
    int rc = soak_request(c, "export.contracts", json_pack("{s:s}", "format", "csv"), &made);
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    while (rc == 0 && !eof) {
        json_t *chunk = NULL;
        rc = soak_request(c, "export.read",
                          json_pack("{s:s, s:I}", "export_id", it_str(made, "export_id"), "offset",
                                    (json_int_t)got),
                          &chunk);
        if (rc == 0) {
            const char *b64 = it_str(chunk, "data");
            size_t n = strlen(b64);
            unsigned char *bytes = malloc(n + 3);
            int len = EVP_DecodeBlock(bytes, (const unsigned char *)b64, (int)n);
            if (len < 0) {
                soak_violation("reader %d: export.read: data is not base64", t);
                len = 0;
                eof = 1;
            }
            len -= (n > 0 && b64[n - 1] == '=') + (n > 1 && b64[n - 2] == '=');
            EVP_DigestUpdate(md, bytes, (size_t)len);
            csv_count(&records, bytes, (size_t)len);
            got += len;
            eof |= json_is_true(json_object_get(chunk, "eof"));
            free(bytes);
        } else {
            json_decref(made);
            made = json_incref(chunk);
        }
        json_decref(chunk);
    }
    EVP_DigestFinal_ex(md, digest, NULL);
    EVP_MD_CTX_free(md);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    for (int i = 0; i < nstable; i++)
        lo += still_stable(stable + 40 * i);
    pthread_mutex_lock(&soak.mu);
    /* unanswered creates may exist too; the calendar's contracts are never deleted */
    all = soak.ncontracts + soak.ncal + (int)atomic_load(&soak.n.lost_creates);
    pthread_mutex_unlock(&soak.mu);
    long rows = (long)it_int(made, "rows");
    if (rc < 0)
        soak_no_answer("reader", "export");
    else if (rc != 0)
        soak_violation("reader %d: export: %s", t, it_err_code(made));
    else if (got != it_int(made, "size") || strcmp(hex, it_str(made, "sha256")) != 0)
        soak_violation("reader %d: export of %ld rows: %lld bytes read of %lld, sha256 %s", t, rows,
                       (long long)got, (long long)it_int(made, "size"),
                       strcmp(hex, it_str(made, "sha256")) == 0 ? "same" : "differs");
    else if (records.records != rows + 1 || rows < lo || rows > all - deleted_before)
        soak_violation("reader %d: export: %ld rows said, %ld records in the file (with the "
                       "header), between %d and %d expected",
                       t, rows, records.records, lo, all - deleted_before);
    else
        atomic_fetch_add(&soak.n.exports, 1);
    json_decref(made);
    free(stable);
    while (ctl_client_next_event(c, 0, &ev) == 1) /* its export.progress */
        json_decref(ev);
    return rc < 0 ? -1 : 0;
}

void *soak_reader(void *arg)
{
    int t = (int)(intptr_t)arg;
    unsigned seed = 0xbeefu + 31u * (unsigned)t;
    char user[32];
    int64_t as_of = 0;

    snprintf(user, sizeof user, "soak-rd%d", t);
    struct ctl_client *c = soak_login(user);
    for (long k = 0; c && !atomic_load(&soak.stop); k++) {
        int rc = walk(c, t, (int)soak_rand(&seed, NWALKS));
        if (rc == 0 && k % 4 == 0)
            rc = dashboard(c, t, &as_of);
        if (rc == 0 && k % 16 == 15)
            rc = export_csv(c, t);
        if (soak_connection_lost()) {
            ctl_client_close(c);
            c = soak_login(user);
        }
    }
    if (c)
        ctl_client_close(c);
    return NULL;
}
