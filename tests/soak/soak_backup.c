/*
 * The soak's backups: an admin takes one now and then while everyone
 * writes, and verifies it (PROTOCOL.md §6.27, §6.29).
 *
 * A backup is one moment of the data: it must hold every contract whose
 * create was answered before it was asked for (the rows stay, deleted or
 * not), and no more than exist by its answer; every document its snapshot
 * refers to must be in it (`documents_unavailable` 0, while the documents
 * thread deletes documents and the server removes their contents); and
 * backups.verify must read it back whole.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "soak.h"

/* The contracts whose creates were answered; with maybe, also the
 * calendar's creates still on their way. */
static int contracts_answered(int maybe)
{
    pthread_mutex_lock(&soak.mu);
    int n = soak.ncontracts;
    for (int i = 0; i < soak.ncal; i++)
        n += maybe || soak.cal[i].id[0];
    pthread_mutex_unlock(&soak.mu);
    return n;
}

/* Sleeps up to ms, less when the soak stops: 0, or -1 when it stopped. */
static int nap(unsigned ms)
{
    for (unsigned slept = 0; slept < ms; slept += 100) {
        if (atomic_load(&soak.stop))
            return -1;
        usleep(100000);
    }
    return 0;
}

/* A backup and its verification read the whole file: ~20 s each for the
 * ~1.7 GB a 600 s soak writes (the change log keeps every record), more
 * than the harness's request timeout. */
#define BACKUP_TIMEOUT_MS (300 * 1000)

/* One backup and its verification. */
static void backup_once(struct ctl_client *c)
{
    json_t *made = NULL, *checked = NULL, *ev = NULL;
    int before = contracts_answered(0);
    int rc = ctl_client_request(c, "backups.create", json_pack("{s:s}", "description", "soak"),
                                BACKUP_TIMEOUT_MS, &made);

    if (rc < 0) {
        soak_no_answer("backups", "backups.create");
        return;
    }
    if (rc != 0) {
        soak_violation("backups.create: %s: %s", it_err_code(made), it_str(made, "message"));
        json_decref(made);
        return;
    }
    const json_t *b = json_object_get(made, "backup");
    json_int_t in = it_int(json_object_get(b, "counts"), "contracts");
    int after = contracts_answered(1) + (int)atomic_load(&soak.n.lost_creates);
    if (in < before || in > after)
        soak_violation("backup %lld: %lld contracts, %d were answered before it and %d by its end",
                       (long long)it_int(b, "id"), (long long)in, before, after);
    if (it_int(b, "documents_unavailable") != 0)
        soak_violation("backup %lld: %lld documents its snapshot refers to are not in it",
                       (long long)it_int(b, "id"), (long long)it_int(b, "documents_unavailable"));
    rc = ctl_client_request(c, "backups.verify", json_pack("{s:I}", "id", it_int(b, "id")),
                            BACKUP_TIMEOUT_MS, &checked);
    if (rc < 0)
        soak_no_answer("backups", "backups.verify");
    else if (rc != 0 || !json_is_true(json_object_get(checked, "ok")))
        soak_violation("backups.verify %lld: %s", (long long)it_int(b, "id"),
                       rc == 1 ? it_str(checked, "message") : "not ok");
    else
        atomic_fetch_add(&soak.n.backups, 1);
    json_decref(made);
    json_decref(checked);
    while (ctl_client_next_event(c, 0, &ev) == 1) /* backup.progress */
        json_decref(ev);
}

void *soak_backups(void *arg)
{
    unsigned seed = 0xbac0u;
    struct ctl_client *c = soak_login("soak-admin");

    (void)arg;
    for (unsigned wait = 3000 + soak_rand(&seed, 5000); c && nap(wait) == 0;
         wait = 20000 + soak_rand(&seed, 20000)) {
        backup_once(c);
        if (soak_connection_lost()) {
            ctl_client_close(c);
            c = soak_login("soak-admin");
        }
    }
    if (c)
        ctl_client_close(c);
    return NULL;
}
