/*
 * it_bruteforce: 1,000 wrong passwords against one account, sent as fast
 * as the server answers them (issue 5, "Attack it").
 *
 * - Each checked wrong password is answered later than the one before: the
 *   answer is held for --login-delay, doubling per failure of the account.
 * - Only the first few are checked (argon2): then the account is locked and
 *   every further attempt is refused at once with the generic rate_limited
 *   and a retry_after, without a password check.  The checks are counted
 *   from the answers and from /metrics (pacta_login_failures_total).
 * - The lockout holds for every address: the owner, connecting from
 *   127.0.0.2, is refused too while it lasts, and logs in once it ends.
 * - The refused attempts count against the attacking address, so by the
 *   end of the attack the address itself is locked, for longer than the
 *   account: when the account's lock ends the owner (127.0.0.2) logs in,
 *   while the attacking address is refused for any account, even with the
 *   right password — it cannot keep the owner locked out.
 *
 * A second source address: the client binds to 127.0.0.2 (all of 127/8 is
 * loopback on Linux) and pactad, listening on 127.0.0.1, sees that peer.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "test.h"

#define ATTEMPTS 1000
#define MAX_FAILURES 3 /* per account; pactad locks an address at 4 x this */
/* the first lockout: long enough for a few logins, longer under valgrind */
#define LOCKOUT_SEC (it_wrapped() ? 10 : 2)
#define DELAY_MS 150 /* --login-delay: held answers of checked failures 150, 300, 600 ms */

static const char *attacker = "127.0.0.1", *owner = "127.0.0.2";

static struct ctl_client *connect_from(const struct it_server *srv, const char *source)
{
    struct ctl_ws_options o;
    struct ctl_client *c = NULL;
    char err[256] = "";
    memset(&o, 0, sizeof o);
    o.url = srv->url;
    o.ca_file = it_ca_file();
    o.timeout_ms = IT_TIMEOUT_MS;
    o.source_address = source;
    if (ctl_client_connect(&o, &c, err, sizeof err) < 0) {
        fprintf(stderr, "connect from %s: %s\n", source, err);
        return NULL;
    }
    return c;
}

/* auth.login on c; returns the error code ("" on success, "?" on a
 * transport failure) and the retry_after of a refusal in *retry. */
static char code_buf[32];
static const char *login_on(struct ctl_client *c, const char *user, const char *pw,
                            json_int_t *retry)
{
    json_t *r = NULL;
    int rc = ctl_client_request(c, "auth.login",
                                json_pack("{s:s,s:s}", "username", user, "password", pw),
                                IT_TIMEOUT_MS, &r);
    snprintf(code_buf, sizeof code_buf, "%s", rc == 0 ? "" : rc == 1 ? it_err_code(r) : "?");
    if (retry)
        *retry = rc == 1 ? it_int(r, "retry_after") : -1;
    json_decref(r);
    return code_buf;
}

/* A login on a fresh connection from source. */
static const char *login_from(const struct it_server *srv, const char *source, const char *user,
                              const char *pw, json_int_t *retry)
{
    struct ctl_client *c = connect_from(srv, source);
    if (!c)
        return "?";
    const char *code = login_on(c, user, pw, retry);
    ctl_client_close(c);
    return code;
}

int main(void)
{
    it_setup("it_bruteforce");
    char fails[8], lockout[8];
    snprintf(fails, sizeof fails, "%d", MAX_FAILURES);
    snprintf(lockout, sizeof lockout, "%d", (int)LOCKOUT_SEC);
    const char *const args[] = {
        "--login-max-failures", fails, "--login-lockout", lockout, "--login-delay", "150", NULL};
    struct it_server *srv = it_server_start(args);
    it_create_role_users(srv);

    /* 127.0.0.2 reaches a server listening on 127.0.0.1, as another peer */
    struct ctl_client *probe = connect_from(srv, owner);
    REQUIRE(probe);
    json_t *me = it_call(
        probe, "auth.login",
        json_pack("{s:s,s:s}", "username", IT_VIEWER_USER, "password", IT_VIEWER_PASSWORD), NULL);
    REQUIRE(me);
    json_decref(me);
    struct ctl_client *admin = it_login_admin(srv);
    json_t *conns = it_call(admin, "admin.connections.list", json_object(), NULL);
    int seen_owner = 0;
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(conns, "items"), i, item) seen_owner +=
        strcmp(it_str(item, "address"), owner) == 0;
    json_decref(conns);
    CHECKF(seen_owner == 1, "pactad saw %d connections from %s", seen_owner, owner);
    ctl_client_close(probe);
    long failures0 = it_metric(srv, "pacta_login_failures_total");

    /* the attack: one connection, the next attempt as soon as the last is answered */
    struct ctl_client *c = connect_from(srv, attacker);
    REQUIRE(c);
    int checked = 0, locked = 0, other = 0;
    json_int_t retry = 0, max_retry = 0, first_retry = -1;
    int64_t t0 = it_now_ms(), first_lock_ms = -1;
    for (int k = 0; k < ATTEMPTS; k++) {
        char pw[32];
        snprintf(pw, sizeof pw, "guess-%04d", k);
        int64_t sent = it_now_ms();
        const char *code = login_on(c, IT_EDITOR_USER, pw, &retry);
        int64_t took = it_now_ms() - sent;
        if (strcmp(code, "unauthenticated") == 0) {
            /* a lower bound only: the held answer, never a speed */
            int64_t held = (int64_t)DELAY_MS << checked;
            CHECKF(took >= held, "wrong password %d answered after %lld ms, held for %lld", checked,
                   (long long)took, (long long)held);
            checked++;
        } else if (strcmp(code, "rate_limited") == 0) {
            if (first_lock_ms < 0) {
                first_lock_ms = it_now_ms() - t0;
                first_retry = retry;
            }
            locked++;
            max_retry = retry > max_retry ? retry : max_retry;
        } else {
            other++;
            if (strcmp(code, "?") == 0) { /* closed on us: carry on from a new connection */
                ctl_client_close(c);
                c = connect_from(srv, attacker);
                REQUIRE(c);
            }
        }
    }
    int64_t attack_ms = it_now_ms() - t0;
    ctl_client_close(c);
    long checks = it_metric(srv, "pacta_login_failures_total") - failures0;
    printf("%d wrong passwords in %lld ms: %d checked (argon2; /metrics says %ld), %d refused "
           "as locked (first after %lld ms, retry_after up to %lld s), %d other\n",
           ATTEMPTS, (long long)attack_ms, checked, checks, locked, (long long)first_lock_ms,
           (long long)max_retry, other);
    CHECKF(checked == MAX_FAILURES, "%d passwords checked, want %d", checked, MAX_FAILURES);
    CHECKF(checks == checked, "pacta_login_failures_total grew by %ld, %d answers said so", checks,
           checked);
    CHECK(locked == ATTEMPTS - MAX_FAILURES);
    CHECK(other == 0);
    /* first the account's lock; then the address's, which grows with the refusals */
    CHECKF(first_retry >= 1 && first_retry <= LOCKOUT_SEC, "first retry_after %lld",
           (long long)first_retry);
    CHECKF(max_retry > LOCKOUT_SEC, "the attacking address was never locked for longer (%lld s)",
           (long long)max_retry);

    /* the account is locked for everyone: the owner, elsewhere, too */
    json_int_t wait = 0;
    CHECK_STR(login_from(srv, owner, IT_EDITOR_USER, IT_EDITOR_PASSWORD, &wait), "rate_limited");
    CHECKF(wait >= 1 && wait <= LOCKOUT_SEC, "owner's retry_after %lld", (long long)wait);
    usleep((useconds_t)(wait * 1000 + 300) * 1000);
    /* when it ends, the right password works from the other address */
    CHECK_STR(login_from(srv, owner, IT_EDITOR_USER, IT_EDITOR_PASSWORD, NULL), "");

    /* turning to other names does not help: the address is locked already */
    int spray_checked = 0, spray_locked = 0;
    for (int k = 0; k < 10; k++) {
        char user[32];
        snprintf(user, sizeof user, "user%03d", k);
        const char *code = login_from(srv, attacker, user, "guess", NULL);
        spray_checked += strcmp(code, "unauthenticated") == 0;
        spray_locked += strcmp(code, "rate_limited") == 0;
    }
    printf("spray from %s: %d checks, %d refused\n", attacker, spray_checked, spray_locked);
    CHECKF(spray_checked == 0 && spray_locked == 10, "%d spray checks, %d refused", spray_checked,
           spray_locked);
    /* the attacker's address stays locked, even with the right password;
     * the owner still gets in from 127.0.0.2 */
    CHECK_STR(login_from(srv, attacker, IT_EDITOR_USER, IT_EDITOR_PASSWORD, NULL), "rate_limited");
    CHECK_STR(login_from(srv, owner, IT_EDITOR_USER, IT_EDITOR_PASSWORD, NULL), "");
    CHECK_STR(login_from(srv, owner, IT_VIEWER_USER, IT_VIEWER_PASSWORD, NULL), "");

    ctl_client_close(admin);
    CHECK(it_server_stop(srv) == 0);
    return it_done(test_summary());
}
