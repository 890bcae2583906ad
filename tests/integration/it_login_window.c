/*
 * it_login_window: an address's failed logins are forgotten as time
 * passes (--login-failure-window: each is forgotten after WINDOW / the
 * address's limit), so an office behind one address whose people mistype
 * now and then is never locked out, while a burst from it still is.
 * Before, the count only went back to zero after an hour with no failure
 * at all: a busy office kept it growing through the day until every typo
 * locked everyone out, for up to 15 minutes each time.
 *
 * --login-max-failures 1 makes the address's limit 4, and a window of 4 s
 * forgets one failure a second.  Unknown usernames count like real ones,
 * a different one each time, so no account's own lock is involved.
 *  1. eight failures 1.2 s apart: each answered "invalid credentials";
 *  2. then failures at once: locked (rate_limited) by the fifth;
 *  3. once the lock is over (--login-lockout 2) the admin logs in from
 *     the same address.
 */
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "test.h"

/* auth.login on a fresh connection; the error code, or "" on success. */
static void login(const struct it_server *s, const char *user, const char *password, char *code,
                  size_t cap)
{
    struct ctl_client *c = it_connect(s);
    json_t *e = it_call_err(c, "auth.login",
                            json_pack("{s:s,s:s}", "username", user, "password", password));
    snprintf(code, cap, "%s", e ? it_err_code(e) : "");
    json_decref(e);
    ctl_client_close(c);
}

int main(void)
{
    static const char *const args[] = {"--login-max-failures",
                                       "1",
                                       "--login-failure-window",
                                       "4",
                                       "--login-lockout",
                                       "2",
                                       "--login-delay",
                                       "0",
                                       NULL};
    char code[64], name[32];

    it_setup("it_login_window");
    struct it_server *s = it_server_start(args);

    for (int i = 0; i < 8; i++) {
        snprintf(name, sizeof name, "typo%d", i);
        login(s, name, "wrong-password", code, sizeof code);
        CHECKF(strcmp(code, "unauthenticated") == 0, "typo %d: %s", i, code);
        usleep(1200 * 1000);
    }
    /* a burst: locked at the address's limit (refused attempts count
     * too, so stop at the first) */
    int tries = 0;
    do {
        snprintf(name, sizeof name, "burst%d", tries);
        login(s, name, "wrong-password", code, sizeof code);
    } while (strcmp(code, "rate_limited") != 0 && ++tries < 8);
    CHECKF(tries <= 4, "a burst from one address was locked only after %d failures", tries);
    sleep(5); /* the lock: 2 s, doubled once by the refused attempt */
    login(s, "admin", IT_ADMIN_PASSWORD, code, sizeof code);
    CHECKF(code[0] == '\0', "the admin after the lock: %s", code);
    return it_done(test_summary());
}
