/*
 * The backup key: 32 bytes from --backup-key-file or $PACTA_BACKUP_KEY, as
 * 64 hex digits or base64, and its id (the first 8 bytes of a SHA-256 of
 * it, in hex) that backup files record.  Shared by pactad and pactactl.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "backup.h"
#include "backup_util.h"

/* Standard or URL-safe base64 of exactly 32 bytes, padding optional. */
static int b64_key(const char *s, uint8_t out[SRV_BACKUP_KEY_BYTES])
{
    char buf[64];
    uint8_t raw[48];
    size_t n = strlen(s);
    while (n && s[n - 1] == '=')
        n--;
    if (n != 43)
        return -1;
    for (size_t i = 0; i < n; i++)
        buf[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
    buf[43] = '=';
    buf[44] = '\0';
    if (EVP_DecodeBlock(raw, (const unsigned char *)buf, 44) != 33)
        return -1;
    memcpy(out, raw, SRV_BACKUP_KEY_BYTES);
    OPENSSL_cleanse(raw, sizeof raw);
    return 0;
}

int srv_backup_key_load(const char *file, struct srv_backup_key *key, char *err, size_t errlen)
{
    char line[256] = "";
    const char *text;
    int rc = 0;

    memset(key, 0, sizeof *key);
    if (file) {
        FILE *f = fopen(file, "r");
        if (!f)
            FAIL(-1, "cannot read the backup key file: %s", strerror(errno));
        struct stat st;
        if (fstat(fileno(f), &st) == 0)
            key->file_mode = (unsigned)st.st_mode & 07777;
        if (!fgets(line, sizeof line, f)) {
            int e = ferror(f) ? errno : 0;
            line[0] = '\0';
            if (e) {
                fclose(f);
                FAIL(-1, "cannot read the backup key file: %s", strerror(e));
            }
        }
        fclose(f);
        line[strcspn(line, "\r\n")] = '\0';
        text = line;
    } else {
        text = getenv("PACTA_BACKUP_KEY");
        if (!text || !*text)
            return 1;
    }
    if (srv__bk_hex_decode(text, key->k, SRV_BACKUP_KEY_BYTES) != 0 && b64_key(text, key->k) != 0)
        FAIL(-1, "the backup key must be 32 bytes as 64 hex digits or base64");
    uint8_t md[32];
    unsigned mdlen = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    EVP_DigestInit_ex(c, EVP_sha256(), NULL);
    EVP_DigestUpdate(c, "pacta-backup-key", 16);
    EVP_DigestUpdate(c, key->k, SRV_BACKUP_KEY_BYTES);
    EVP_DigestFinal_ex(c, md, &mdlen);
    EVP_MD_CTX_free(c);
    srv__bk_hex_encode(md, 8, key->id);
out:
    OPENSSL_cleanse(line, sizeof line);
    return rc;
}
