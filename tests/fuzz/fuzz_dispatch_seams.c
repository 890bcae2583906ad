/*
 * Link-time seams of the dispatcher fuzz target (fuzz_dispatch.c).
 *
 * fuzz_dispatch is linked with `-Wl,--wrap=SYMBOL` for every function
 * below, so the server's references to SYMBOL land in __wrap_SYMBOL here.
 * No server source changes for fuzzing:
 *  - lws_*: a session's wsi is a struct fuzz_wsi of the harness instead of
 *    a libwebsockets connection.  session.c's queue, WRITEABLE and close
 *    code runs unchanged; the frames it writes are checked and counted by
 *    fuzz__frame_out(), and a requested close becomes a CLOSED that the
 *    harness delivers (as net.c would on LWS_CALLBACK_CLOSED).  A new lws
 *    call on a session's wsi must get a wrapper here too: the real one
 *    would be handed the harness's struct (fake() aborts on the reverse).
 *  - srv_auth_hash_password / srv_auth_verify_password: argon2id takes
 *    tens of milliseconds on purpose, which would make every auth.login or
 *    users.create input ~1000 times slower than the rest.  Here a "hash" is
 *    "$argon2id$fuzz$" + the password (the schema checks the prefix);
 *    every hash of the fuzz process (the bootstrap admin, the dummy hash,
 *    users.create/update) goes through the same pair, so logins succeed and
 *    fail exactly as with argon2.  Never linked into pactad.
 *  - srv_logf / srv_logj: the log level is debug so every log call builds
 *    its fields, and a json_pack that fails (a NULL "s" argument: the real
 *    line would silently lose its fields) aborts; the lines themselves are
 *    dropped instead of flooding the fuzzer's stderr.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_dispatch.h"

int __wrap_lws_callback_on_writable(struct lws *wsi);
int __wrap_lws_write(struct lws *wsi, unsigned char *buf, size_t len,
                     enum lws_write_protocol protocol);
const char *__wrap_lws_get_peer_simple(struct lws *wsi, char *name, size_t namelen);
void __wrap_lws_close_reason(struct lws *wsi, enum lws_close_status status, unsigned char *buf,
                             size_t len);
void __wrap_lws_set_timeout(struct lws *wsi, enum pending_timeout reason, int secs);
int __wrap_lws_partial_buffered(struct lws *wsi);
char *__wrap_srv_auth_hash_password(const char *password);
int __wrap_srv_auth_verify_password(const char *encoded, const char *password);
void __wrap_srv_logj(enum srv_log_level level, const char *msg, json_t *fields_steal);
void __wrap_srv_logf(enum srv_log_level level, const char *msg, const char *pack_fmt, ...);

#define FAKE_HASH_PREFIX "$argon2id$fuzz$"

static struct fuzz_wsi *fake(struct lws *wsi)
{
    struct fuzz_wsi *w = (struct fuzz_wsi *)wsi;
    if (!w || w->magic != FUZZ_WSI_MAGIC) {
        fputs("fuzz_dispatch: lws call on a wsi that is not the harness's\n", stderr);
        abort();
    }
    return w;
}

int __wrap_lws_callback_on_writable(struct lws *wsi)
{
    fake(wsi)->writable = 1;
    return 1;
}

/* session.c writes whole websocket frames as raw bytes, one or several per
 * write (its gathering): each must be a final, unmasked text frame. */
int __wrap_lws_write(struct lws *wsi, unsigned char *buf, size_t len,
                     enum lws_write_protocol protocol)
{
    struct fuzz_wsi *w = fake(wsi);
    if (protocol != LWS_WRITE_HTTP || w->closed) {
        fputs("fuzz_dispatch: a write that is not raw frames, or after close\n", stderr);
        abort();
    }
    size_t at = 0;
    while (at < len) {
        size_t h = 2, n;
        if (len - at < 2 || buf[at] != 0x81 || (buf[at + 1] & 0x80)) {
            fputs("fuzz_dispatch: not a final unmasked text frame\n", stderr);
            abort();
        }
        n = buf[at + 1];
        if (n >= 126) {
            h = n == 126 ? 4 : 10;
            if (len - at < h)
                abort();
            n = 0;
            for (size_t i = 2; i < h; i++)
                n = n << 8 | buf[at + i];
        }
        if (len - at - h < n) {
            fputs("fuzz_dispatch: a frame cut short in its write\n", stderr);
            abort();
        }
        fuzz__frame_out(w, (const char *)buf + at + h, n);
        at += h + n;
    }
    return (int)len;
}

const char *__wrap_lws_get_peer_simple(struct lws *wsi, char *name, size_t namelen)
{
    (void)fake(wsi);
    snprintf(name, namelen, "192.0.2.1");
    return name;
}

void __wrap_lws_close_reason(struct lws *wsi, enum lws_close_status status, unsigned char *buf,
                             size_t len)
{
    struct fuzz_wsi *w = fake(wsi);
    if (len > 123) { /* a close frame's reason must fit in 125 bytes with its code */
        fputs("fuzz_dispatch: close reason longer than a close frame allows\n", stderr);
        abort();
    }
    (void)buf;
    w->close_status = (int)status;
}

void __wrap_lws_set_timeout(struct lws *wsi, enum pending_timeout reason, int secs)
{
    (void)reason;
    if (secs == LWS_TO_KILL_SYNC || secs == LWS_TO_KILL_ASYNC)
        fake(wsi)->closed = 1;
}

/* Every lws_write() here takes the whole frame: nothing is ever left over. */
int __wrap_lws_partial_buffered(struct lws *wsi)
{
    (void)fake(wsi);
    return 0;
}

char *__wrap_srv_auth_hash_password(const char *password)
{
    size_t n = strlen(password);
    char *h = malloc(sizeof FAKE_HASH_PREFIX + n);
    if (!h)
        abort();
    memcpy(h, FAKE_HASH_PREFIX, sizeof FAKE_HASH_PREFIX - 1);
    memcpy(h + sizeof FAKE_HASH_PREFIX - 1, password, n + 1);
    return h;
}

int __wrap_srv_auth_verify_password(const char *encoded, const char *password)
{
    size_t p = sizeof FAKE_HASH_PREFIX - 1;
    if (!encoded || !password || strncmp(encoded, FAKE_HASH_PREFIX, p) != 0)
        return 0;
    return strcmp(encoded + p, password) == 0;
}

void __wrap_srv_logj(enum srv_log_level level, const char *msg, json_t *fields_steal)
{
    (void)level;
    (void)msg;
    json_decref(fields_steal);
}

void __wrap_srv_logf(enum srv_log_level level, const char *msg, const char *pack_fmt, ...)
{
    json_error_t jerr;
    va_list ap;
    va_start(ap, pack_fmt);
    json_t *fields = json_vpack_ex(&jerr, 0, pack_fmt, ap);
    va_end(ap);
    if (!fields) {
        /* the real srv_logf would write the line without any of its fields */
        fprintf(stderr, "fuzz_dispatch: log \"%s\" lost its fields (%s): %s\n", msg, pack_fmt,
                jerr.text);
        abort();
    }
    __wrap_srv_logj(level, msg, fields);
}
