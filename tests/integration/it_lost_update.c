/*
 * it_lost_update: no lost update under contention (DESIGN.md §5).
 *
 * 20 clients (one thread and one connection each) do 50 version-checked
 * read-modify-write increments each of one contract's amount_cents,
 * retrying on conflict with the current record the conflict carries.  If
 * any edit were applied against a version other than the one its author
 * saw, the final amount would be lower than the number of acknowledged
 * increments.
 */
#include <pthread.h>
#include <string.h>

#include "harness.h"
#include "test.h"

#define CLIENTS 20
#define INCREMENTS 50
#define MAX_ATTEMPTS 5000 /* per increment: a livelock fails instead of hanging */

struct worker {
    struct ctl_client *c;
    const char *id;
    int acked, conflicts, errors;
};

static pthread_barrier_t start_gate;

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    json_t *cur = it_contract_get(w->c, w->id);
    /* Everyone starts from version 1 at once: maximum contention. */
    pthread_barrier_wait(&start_gate);
    if (!cur) {
        w->errors++;
        return NULL;
    }
    for (int i = 0; i < INCREMENTS; i++) {
        int attempts = 0;
        for (;;) {
            if (++attempts > MAX_ATTEMPTS) {
                w->errors++;
                goto out;
            }
            json_int_t version = it_int(cur, "version");
            json_int_t amount = it_int(cur, "amount_cents");
            json_t *err = NULL;
            json_t *r = it_contract_update(
                w->c, w->id, version, json_pack("{s:I}", "amount_cents", amount + 1), NULL, &err);
            if (r) {
                json_decref(cur);
                cur = json_incref(json_object_get(r, "contract"));
                json_decref(r);
                w->acked++;
                break;
            }
            if (err && strcmp(it_err_code(err), "conflict") == 0 &&
                json_is_object(json_object_get(err, "current"))) {
                /* Merge: re-read from the record the server sent. */
                json_decref(cur);
                cur = json_incref(json_object_get(err, "current"));
                json_decref(err);
                w->conflicts++;
                continue;
            }
            char *s = err ? json_dumps(err, JSON_COMPACT) : NULL;
            fprintf(stderr, "worker: unexpected answer %s\n", s ? s : "(transport error)");
            free(s);
            json_decref(err);
            w->errors++;
            goto out;
        }
    }
out:
    json_decref(cur);
    return NULL;
}

int main(void)
{
    it_setup("it_lost_update");
    struct it_server *srv = it_server_start(NULL);
    it_create_role_users(srv);

    struct ctl_client *ed = it_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    json_t *c = it_contract_create(ed, json_pack("{s:I}", "amount_cents", (json_int_t)0));
    REQUIRE(c);
    const char *id = it_str(c, "id");

    /* One login, then every other connection resumes the token. */
    json_t *login = it_call(
        ed, "auth.login",
        json_pack("{s:s, s:s}", "username", IT_EDITOR_USER, "password", IT_EDITOR_PASSWORD), NULL);
    REQUIRE(login);
    struct worker w[CLIENTS];
    memset(w, 0, sizeof w);
    for (int i = 0; i < CLIENTS; i++) {
        w[i].c = it_connect(srv);
        w[i].id = id;
        json_t *r = it_call(w[i].c, "auth.resume",
                            json_pack("{s:s}", "token", it_str(login, "token")), NULL);
        REQUIRE(r);
        json_decref(r);
    }

    pthread_t th[CLIENTS];
    REQUIRE(pthread_barrier_init(&start_gate, NULL, CLIENTS + 1) == 0);
    for (int i = 0; i < CLIENTS; i++)
        REQUIRE(pthread_create(&th[i], NULL, worker_main, &w[i]) == 0);
    int64_t t0 = it_now_ms();
    pthread_barrier_wait(&start_gate);
    int acked = 0, conflicts = 0, errors = 0;
    for (int i = 0; i < CLIENTS; i++) {
        pthread_join(th[i], NULL);
        acked += w[i].acked;
        conflicts += w[i].conflicts;
        errors += w[i].errors;
    }
    int64_t elapsed = it_now_ms() - t0;

    json_t *final = it_contract_get(ed, id);
    REQUIRE(final);
    json_int_t amount = it_int(final, "amount_cents");
    json_int_t version = it_int(final, "version");
    printf("%d clients x %d increments: %d acknowledged, %d conflicts retried, %d errors, "
           "final amount %lld version %lld, %lld ms\n",
           CLIENTS, INCREMENTS, acked, conflicts, errors, (long long)amount, (long long)version,
           (long long)elapsed);
    CHECK(errors == 0);
    CHECK(acked == CLIENTS * INCREMENTS);
    CHECKF(amount == acked, "amount %lld != %d acknowledged increments", (long long)amount, acked);
    CHECKF(version == 1 + acked, "version %lld != 1 + %d", (long long)version, acked);
    CHECKF(conflicts > 0, "no conflict at all with %d concurrent writers", CLIENTS);

    for (int i = 0; i < CLIENTS; i++)
        ctl_client_close(w[i].c);
    json_decref(final);
    json_decref(login);
    json_decref(c);
    ctl_client_close(ed);
    pthread_barrier_destroy(&start_gate);
    return it_done(test_summary());
}
