/*
 * Password hashing, session tokens and the small encoders they need.
 *
 * Passwords are argon2id with OWASP's minimum (m=19 MiB, t=2, p=1): slow on
 * purpose, so callers run it off the loop and off the writer thread.  Tokens
 * are 256 random bits; only their SHA-256 is ever stored, so a copy of the
 * database does not let anyone resume a session.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <argon2.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "db-private.h"

#define ARGON2_T_COST 2
#define ARGON2_M_COST_KIB 19456
#define ARGON2_PARALLELISM 1
#define ARGON2_SALT_LEN 16
#define ARGON2_HASH_LEN 32

void srv__random_bytes(void *buf, size_t len)
{
    /* Without randomness we cannot make safe tokens or salts: stop rather
     * than hand out something guessable. */
    if (RAND_bytes(buf, (int)len) != 1) {
        srv__log_error("fatal: the OpenSSL CSPRNG failed", NULL);
        abort();
    }
}

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void srv__b64url_encode(const uint8_t *in, size_t len, char *out)
{
    size_t i = 0, o = 0;

    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = b64url_alphabet[v >> 18 & 63];
        out[o++] = b64url_alphabet[v >> 12 & 63];
        out[o++] = b64url_alphabet[v >> 6 & 63];
        out[o++] = b64url_alphabet[v & 63];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = b64url_alphabet[v >> 18 & 63];
        out[o++] = b64url_alphabet[v >> 12 & 63];
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = b64url_alphabet[v >> 18 & 63];
        out[o++] = b64url_alphabet[v >> 12 & 63];
        out[o++] = b64url_alphabet[v >> 6 & 63];
    }
    out[o] = '\0';
}

static int b64url_value(char c)
{
    const char *p = c ? strchr(b64url_alphabet, c) : NULL;

    return p ? (int)(p - b64url_alphabet) : -1;
}

int srv__b64url_decode(const char *in, uint8_t *out, size_t cap, size_t *outlen)
{
    size_t len = strlen(in), o = 0;
    uint32_t acc = 0;
    int bits = 0;

    /* A lone trailing sextet cannot encode a whole byte. */
    if (len % 4 == 1)
        return -1;
    for (size_t i = 0; i < len; i++) {
        int v = b64url_value(in[i]);
        if (v < 0)
            return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= cap)
                return -1;
            out[o++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    /* Leftover bits must be zero, so every input has one spelling. */
    if (acc != 0)
        return -1;
    *outlen = o;
    return 0;
}

char *srv_auth_hash_password(const char *password)
{
    uint8_t salt[ARGON2_SALT_LEN];
    size_t enclen = argon2_encodedlen(ARGON2_T_COST, ARGON2_M_COST_KIB, ARGON2_PARALLELISM,
                                      ARGON2_SALT_LEN, ARGON2_HASH_LEN, Argon2_id);
    char *encoded = malloc(enclen);
    int rc;

    if (!encoded) {
        srv__log_error("fatal: out of memory", NULL);
        abort();
    }
    srv__random_bytes(salt, sizeof(salt));
    rc = argon2id_hash_encoded(ARGON2_T_COST, ARGON2_M_COST_KIB, ARGON2_PARALLELISM, password,
                               strlen(password), salt, sizeof(salt), ARGON2_HASH_LEN, encoded,
                               enclen);
    if (rc != ARGON2_OK) {
        srv__log_error("argon2id hashing failed", argon2_error_message(rc));
        free(encoded);
        return NULL;
    }
    return encoded;
}

int srv_auth_verify_password(const char *encoded, const char *password)
{
    /* argon2id_verify recomputes the hash and compares in constant time. */
    if (!encoded || !password)
        return 0;
    return argon2id_verify(encoded, password, strlen(password)) == ARGON2_OK;
}

void srv_auth_new_token(char out[44])
{
    uint8_t raw[32];

    srv__random_bytes(raw, sizeof(raw));
    srv__b64url_encode(raw, sizeof(raw), out);
}

void srv_auth_token_hash(const char *token, char out[65])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    if (EVP_Digest(token, strlen(token), md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32) {
        srv__log_error("fatal: SHA-256 failed", NULL);
        abort();
    }
    for (size_t i = 0; i < mdlen; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
}
