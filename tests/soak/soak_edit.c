/*
 * The soak's editors: version-checked writes on a shared set of contracts,
 * as desks make them, so they meet each other's conflicts.
 *
 * Each editor keeps its own idea of each contract's version, the one it
 * last read from an answer (or the model's, the first time): other editors
 * move the contract on meanwhile, so many of its edits are stale.  A stale
 * edit must be refused with the record as it is now, newer than the one
 * the edit was based on; the editor then sends it again on that version,
 * as a desk does after a merge.  Every answered write goes to the model
 * (soak_model_ack), which holds the server to one answer per version.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "soak.h"

static const char *const currencies[] = {"EUR", "RON", "USD"};
static const char *const statuses[] = {"draft", "active", "terminated"};

/* A description of n bytes or so: words with Romanian and Spanish accents,
 * a new line now and then. */
static char *description(unsigned *seed, int t, long k)
{
    static const char *const words[] = {"servicii", "mentenanță", "año",     "curățenie",
                                        "señal",    "Timișoara",  "entrega", "garanție"};
    size_t n = 100 + soak_rand(seed, 2900), len = 0;
    char *s = malloc(n + 64);

    len = (size_t)snprintf(s, n + 64, "soak %d-%ld", t, k);
    while (len < n) {
        const char *w = words[soak_rand(seed, 8)];
        size_t wl = strlen(w);
        s[len++] = soak_rand(seed, 12) == 0 ? '\n' : ' ';
        memcpy(s + len, w, wl);
        len += wl;
    }
    s[len] = '\0';
    return s;
}

int soak_create(struct ctl_client *c, int t, long k, unsigned *seed)
{
    char number[32], title[64], start[16], end[16];
    json_t *result = NULL;

    pthread_mutex_lock(&soak.mu);
    int room = soak.ncontracts < SOAK_MAX_CONTRACTS - SOAK_CREATE_ROOM;
    pthread_mutex_unlock(&soak.mu);
    if (!room)
        return -1;

    snprintf(number, sizeof number, "SOAK-%d-%06ld", t, k);
    snprintf(title, sizeof title, "Soak %d-%ld Ñandú", t, k);
    soak_date(-10, start);
    soak_date(120 + (int)soak_rand(seed, 780), end);
    json_t *args = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s}", "number", number, "title", title,
        "counterparty", "Cliente Soak SRL", "kind", soak_rand(seed, 2) ? "client" : "supplier",
        "currency", currencies[soak_rand(seed, 3)], "amount_cents",
        (json_int_t)(1000 + soak_rand(seed, 1000000)), "start_date", start, "end_date", end);
    int rc = soak_request(c, "contracts.create", args, &result);
    if (rc < 0) { /* the contract may exist, unknown to the model */
        atomic_fetch_add(&soak.n.lost_creates, 1);
        return soak_no_answer(number, "contracts.create");
    }
    if (rc != 0) {
        soak_violation("contracts.create %s: %s", number, it_str(result, "message"));
        json_decref(result);
        return -1;
    }
    const json_t *rec = json_object_get(result, "contract");
    if (it_int(rec, "version") != 1)
        soak_violation("contracts.create %s: version %lld, not 1", number,
                       (long long)it_int(rec, "version"));
    int i = soak_model_add(rec);
    json_decref(result);
    atomic_fetch_add(&soak.n.creates, 1);
    return i;
}

/* A contract to write to, not being deleted: its index, its id and the
 * version the edit is based on (the newest answered one, or three times in
 * ten the one this editor saw last); -1 when there is none.  claim_delete:
 * it is this editor's to delete now. */
static int pick(unsigned *seed, int64_t *known, int claim_delete, char id[40], int64_t *base)
{
    int i = -1;

    pthread_mutex_lock(&soak.mu);
    for (int tries = 0; tries < 16 && soak.ncontracts > 0; tries++) {
        int j = (int)soak_rand(seed, (unsigned)soak.ncontracts);
        if (!soak.contracts[j].deleting) {
            i = j;
            break;
        }
    }
    if (i >= 0) {
        struct soak_contract *m = &soak.contracts[i];
        memcpy(id, m->id, 40);
        if (claim_delete) {
            m->deleting = 1;
            known[i] = m->max_version;
        } else if (known[i] == 0 || soak_rand(seed, 10) < 7) {
            /* most of the time the desk is up to date (its events came),
             * else it edits the version it read last */
            known[i] = m->max_version;
        }
        *base = known[i];
    }
    pthread_mutex_unlock(&soak.mu);
    return i;
}

/* The changes of one edit: one field, to a value no edit gave it before
 * (but a status, which may be the current one: a no-op). */
static json_t *changes(unsigned *seed, int t, long k)
{
    unsigned r = soak_rand(seed, 100);
    char buf[64];

    if (r < 60)
        return json_pack("{s:I}", "amount_cents", (json_int_t)(t + 1) * 1000000000 + k);
    if (r < 75) {
        snprintf(buf, sizeof buf, "Soak %d-%ld mentenanță", t, k);
        return json_pack("{s:s}", "title", buf);
    }
    if (r < 90) {
        char *d = description(seed, t, k);
        json_t *c = json_pack("{s:s}", "description", d);
        free(d);
        return c;
    }
    if (r < 95)
        return json_pack("{s:s}", "status", statuses[soak_rand(seed, 3)]);
    soak_date(120 + (int)soak_rand(seed, 780), buf);
    return json_pack("{s:s}", "end_date", buf);
}

/* One write (update, or delete when `del`) of contract i on version base,
 * sent again on the current version after a conflict (once); without an
 * answer, soak_no_answer says the connection is gone. */
static void write_one(struct ctl_client *c, int i, const char *id, int64_t base, int del,
                      json_t *change, int64_t *known, int t, long k)
{
    char reason[48];

    snprintf(reason, sizeof reason, "soak %d-%ld", t, k);
    for (int attempt = 0; attempt < 2; attempt++) {
        json_t *args =
            json_pack("{s:s, s:I, s:s}", "id", id, "version", (json_int_t)base, "reason", reason);
        json_t *result = NULL;
        if (!del)
            json_object_set(args, "changes", change);
        int rc = soak_request(c, del ? "contracts.delete" : "contracts.update", args, &result);
        if (rc < 0) { /* it may have committed: this contract's versions are uncertain */
            pthread_mutex_lock(&soak.mu);
            soak.contracts[i].uncertain = 1;
            pthread_mutex_unlock(&soak.mu);
            known[i] = 0;
            soak_no_answer(id, del ? "contracts.delete" : "contracts.update");
            return;
        }
        if (rc == 0) {
            const json_t *rec = json_object_get(result, "contract");
            const json_t *changed = json_object_get(result, "changed");
            int64_t v = it_int(rec, "version");
            if (!del && json_array_size(changed) == 0) {
                if (v != base)
                    soak_violation("%s: a no-op update answered version %lld on %lld", id,
                                   (long long)v, (long long)base);
            } else {
                if (v != base + 1)
                    soak_violation("%s: an edit of version %lld answered version %lld", id,
                                   (long long)base, (long long)v);
                soak_model_ack(i, rec);
                atomic_fetch_add(del ? &soak.n.deletes : &soak.n.edits, 1);
            }
            known[i] = v;
            json_decref(result);
            return;
        }
        const char *code = it_err_code(result);
        if (strcmp(code, "conflict") == 0 && strcmp(it_err_field(result), "version") == 0) {
            int64_t now = it_int(json_object_get(result, "current"), "version");
            if (now <= base)
                soak_violation("%s: a conflict on version %lld names version %lld as current", id,
                               (long long)base, (long long)now);
            atomic_fetch_add(&soak.n.conflicts, 1);
            known[i] = base = now;
        } else if (strcmp(code, "not_found") == 0 && !del) {
            /* deleted by another editor meanwhile: checked at the end */
            atomic_fetch_add(&soak.n.not_found, 1);
            pthread_mutex_lock(&soak.mu);
            soak.contracts[i].gone_seen = 1;
            pthread_mutex_unlock(&soak.mu);
            json_decref(result);
            return;
        } else {
            soak_violation("editor %d: %s %s: %s: %s", t, del ? "delete" : "update", id, code,
                           it_str(result, "message"));
            json_decref(result);
            return;
        }
        json_decref(result);
    }
    if (del) { /* still refused: someone else's edit came first; not deleted */
        pthread_mutex_lock(&soak.mu);
        soak.contracts[i].deleting = 0;
        pthread_mutex_unlock(&soak.mu);
    }
}

void *soak_editor(void *arg)
{
    int t = (int)(intptr_t)arg;
    unsigned seed = 0x5eedu + 7919u * (unsigned)t;
    char user[32], id[40];
    int64_t *known = calloc(SOAK_MAX_CONTRACTS, sizeof *known);
    long k = 0;

    snprintf(user, sizeof user, "soak-ed%d", t);
    struct ctl_client *c = soak_login(user);
    while (c && !atomic_load(&soak.stop)) {
        unsigned r = soak_rand(&seed, 1000);
        int64_t base = 0;
        k++;
        int del = r < 9, i = r < 6 ? -1 : pick(&seed, known, del, id, &base);
        if (i < 0) {
            soak_create(c, t, k, &seed);
        } else {
            json_t *change = del ? NULL : changes(&seed, t, k);
            write_one(c, i, id, base, del, change, known, t, k);
            json_decref(change);
        }
        if (soak_connection_lost()) {
            ctl_client_close(c);
            c = soak_login(user);
        }
    }
    if (c)
        ctl_client_close(c);
    free(known);
    return NULL;
}
