/*
 * The --documents-* options of pactad (documents.h): the size limit, the
 * accepted types, how long an unfinished upload is kept, and how many a
 * user may have open.  Like every option they also come from the config
 * file (documents-max-bytes = ...) and the environment
 * (PACTA_DOCUMENTS_MAX_BYTES=...), and SIGHUP applies new values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

/* The types a contract's papers come in: PDF, scans, office documents and
 * plain text; archives and executables are refused unless listed. */
#define DEFAULT_TYPES                                                                              \
    "application/pdf,image/png,image/jpeg,image/tiff,text/plain,"                                  \
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document,"                     \
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,"                           \
    "application/vnd.openxmlformats-officedocument.presentationml.presentation,"                   \
    "application/vnd.oasis.opendocument.text,application/vnd.oasis.opendocument.spreadsheet,"      \
    "application/vnd.oasis.opendocument.presentation"

void srv__documents_config_defaults(struct srv_config *cfg)
{
    cfg->documents_max_bytes = 100 << 20;
    cfg->documents_types = strdup(DEFAULT_TYPES);
    cfg->documents_upload_ttl_sec = 24 * 3600;
    cfg->documents_max_uploads = 16;
    if (!cfg->documents_types)
        abort();
}

int srv__documents_option(struct srv_config *cfg, const char *name, const char *arg)
{
    long long v;
    if (strcmp(name, "documents-max-bytes") == 0) {
        if (srv__config_number(name, arg, 1, 1LL << 40, &v))
            return -1;
        cfg->documents_max_bytes = v;
        return 0;
    }
    if (strcmp(name, "documents-upload-ttl") == 0) {
        if (srv__config_number(name, arg, 1, 30LL * 24 * 3600, &v))
            return -1;
        cfg->documents_upload_ttl_sec = (int)v;
        return 0;
    }
    if (strcmp(name, "documents-max-uploads") == 0) {
        if (srv__config_number(name, arg, 1, 100000, &v))
            return -1;
        cfg->documents_max_uploads = (int)v;
        return 0;
    }
    if (strcmp(name, "documents-types") == 0) {
        /* comma-separated types, wildcards (image/ then *) or a lone * */
        for (const char *p = arg; *p; p++) {
            if (*p == ' ' || (unsigned char)*p < 0x20 || *p == ';') {
                fprintf(stderr,
                        "pactad: --documents-types: a comma-separated list of MIME types "
                        "(type/subtype, type/* or *), got '%s'\n",
                        arg);
                return -1;
            }
        }
        if (!*arg) {
            fprintf(stderr, "pactad: --documents-types: empty list\n");
            return -1;
        }
        free(cfg->documents_types);
        if (!(cfg->documents_types = strdup(arg)))
            abort();
        return 0;
    }
    return -1;
}
