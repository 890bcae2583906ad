/*
 * The backup key (server/backup_key.c): what --backup-key-file and
 * $PACTA_BACKUP_KEY accept (64 hex digits in either case, standard or
 * URL-safe base64 with or without padding, a line ending), the same key
 * giving the same id whatever its spelling, and a clear error for every
 * other input, a missing file included.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup.h"
#include "test.h"

/* 32 bytes 0x00..0x1f */
#define HEX_LOWER "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define HEX_UPPER "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"
#define B64 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
/* 32 bytes 0xfb.. (standard base64 has '+' and '/', URL-safe '-' and '_') */
#define B64_STD "+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/s="
#define B64_URL "-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_s"

static char dir[] = "/tmp/pacta-keyXXXXXX";

static const char *key_file(const char *content)
{
    static char path[64];
    snprintf(path, sizeof path, "%s/key", dir);
    FILE *f = fopen(path, "w");
    REQUIRE(f != NULL);
    fputs(content, f);
    fclose(f);
    return path;
}

/* Loads content from a file: 0 with the key, else -1 and err. */
static int load(const char *content, struct srv_backup_key *k, char *err, size_t errlen)
{
    return srv_backup_key_load(key_file(content), k, err, errlen);
}

static void accepted_spellings(void)
{
    struct srv_backup_key a, b;
    char err[256] = "";

    REQUIRE(load(HEX_LOWER "\n", &a, err, sizeof err) == 0);
    for (int i = 0; i < SRV_BACKUP_KEY_BYTES; i++)
        CHECK(a.k[i] == i);
    CHECK(strlen(a.id) == 16);
    CHECK(strspn(a.id, "0123456789abcdef") == 16);

    const char *same[] = {HEX_LOWER, HEX_UPPER "\r\n", B64, B64 "\n",
                          "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"};
    for (size_t i = 0; i < sizeof same / sizeof *same; i++) {
        memset(&b, 0xee, sizeof b);
        CHECKF(load(same[i], &b, err, sizeof err) == 0, "%s: %s", same[i], err);
        CHECKF(memcmp(a.k, b.k, sizeof a.k) == 0 && strcmp(a.id, b.id) == 0, "%s", same[i]);
    }

    struct srv_backup_key s, u;
    REQUIRE(load(B64_STD, &s, err, sizeof err) == 0);
    REQUIRE(load(B64_URL, &u, err, sizeof err) == 0);
    CHECK(s.k[0] == 0xfb && s.k[1] == 0xfb && s.k[31] == 0xfb);
    CHECK(memcmp(s.k, u.k, sizeof s.k) == 0 && strcmp(s.id, u.id) == 0);
    CHECK(strcmp(s.id, a.id) != 0); /* another key, another id */
}

static void refused(void)
{
    const char *bad[] = {
        "",                                                               /* empty file */
        "\n",                                                             /* an empty line */
        HEX_LOWER "0",                                                    /* 65 hex digits */
        "00" HEX_LOWER,                                                   /* 66 */
        "0102030405060708090a0b0c0d0e0f10111213",                         /* too short */
        "g00102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e", /* not hex */
        " " HEX_LOWER,                                                    /* a space before */
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==",                   /* base64 of 31 bytes */
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g",                   /* base64 of 33 bytes */
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdH*8=",                   /* not base64 */
        "correct horse battery staple",                                   /* a passphrase */
    };
    struct srv_backup_key k;
    char err[256];

    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = '\0';
        CHECKF(load(bad[i], &k, err, sizeof err) == -1, "accepted \"%s\"", bad[i]);
        CHECK_STR(err, "the backup key must be 32 bytes as 64 hex digits or base64");
    }

    char missing[96];
    snprintf(missing, sizeof missing, "%s/no-such-key", dir);
    err[0] = '\0';
    CHECK(srv_backup_key_load(missing, &k, err, sizeof err) == -1);
    CHECK_STR(err, "cannot read the backup key file: No such file or directory");
    err[0] = '\0';
    CHECK(srv_backup_key_load(dir, &k, err, sizeof err) == -1); /* a directory */
    CHECK_STR(err, "cannot read the backup key file: Is a directory");
}

/* The key file's permission bits, so pactad and pactactl can warn when
 * others can read it; 0 for a key from the environment. */
static void file_mode(void)
{
    struct srv_backup_key k;
    char err[256] = "";
    const char *path = key_file(HEX_LOWER);
    REQUIRE(chmod(path, 0644) == 0);
    REQUIRE(srv_backup_key_load(path, &k, err, sizeof err) == 0);
    CHECK(k.file_mode == 0644);
    REQUIRE(chmod(path, 0600) == 0);
    REQUIRE(srv_backup_key_load(path, &k, err, sizeof err) == 0);
    CHECK(k.file_mode == 0600);
    setenv("PACTA_BACKUP_KEY", HEX_LOWER, 1);
    REQUIRE(srv_backup_key_load(NULL, &k, err, sizeof err) == 0);
    CHECK(k.file_mode == 0);
    unsetenv("PACTA_BACKUP_KEY");
}

/* No file: $PACTA_BACKUP_KEY, absent or empty meaning no key (1). */
static void environment(void)
{
    struct srv_backup_key f, e;
    char err[256] = "";

    unsetenv("PACTA_BACKUP_KEY");
    CHECK(srv_backup_key_load(NULL, &e, err, sizeof err) == 1);
    setenv("PACTA_BACKUP_KEY", "", 1);
    CHECK(srv_backup_key_load(NULL, &e, err, sizeof err) == 1);
    setenv("PACTA_BACKUP_KEY", B64, 1);
    REQUIRE(srv_backup_key_load(NULL, &e, err, sizeof err) == 0);
    REQUIRE(load(HEX_LOWER, &f, err, sizeof err) == 0);
    CHECK(memcmp(e.k, f.k, sizeof e.k) == 0 && strcmp(e.id, f.id) == 0);
    setenv("PACTA_BACKUP_KEY", "not a key", 1);
    err[0] = '\0';
    CHECK(srv_backup_key_load(NULL, &e, err, sizeof err) == -1);
    CHECK_STR(err, "the backup key must be 32 bytes as 64 hex digits or base64");
    /* A file wins over the environment. */
    CHECK(load(HEX_LOWER, &f, err, sizeof err) == 0);
    unsetenv("PACTA_BACKUP_KEY");
}

int main(void)
{
    REQUIRE(mkdtemp(dir) != NULL);
    accepted_spellings();
    refused();
    environment();
    file_mode();
    char path[64];
    snprintf(path, sizeof path, "%s/key", dir);
    unlink(path);
    rmdir(dir);
    return test_summary();
}
