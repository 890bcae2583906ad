/*
 * libpacta-protocol: the documents.* decoders and validators.  Table-driven:
 * each case is an op, its args as JSON text, and either success or the
 * field its bad_request must name; then the decoded values of good cases,
 * and the chunk's base64 round trip at the size limit.
 */
#include <pacta/documents.h>

#include "test.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define UUID "\"0193a5f2-7c1e-7b3a-9f00-123456789abc\""
#define SHA "\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\""
#define UPLOAD "\"0123456789abcdef0123456789abcdef\""

static uint8_t chunk_buf[PACTA_DOC_CHUNK_MAX];

static int decode(enum pacta_op op, const json_t *args, struct pacta_error *err)
{
    const char *s;
    switch (op) {
    case PACTA_OP_DOCUMENTS_UPLOAD_BEGIN: {
        struct pacta_doc_begin_args a;
        return pacta_decode_doc_upload_begin(args, &a, err);
    }
    case PACTA_OP_DOCUMENTS_UPLOAD_CHUNK: {
        struct pacta_doc_chunk_args a;
        return pacta_decode_doc_upload_chunk(args, &a, chunk_buf, err);
    }
    case PACTA_OP_DOCUMENTS_UPLOAD_FINISH:
        return pacta_decode_doc_upload_finish(args, &s, err);
    case PACTA_OP_DOCUMENTS_LIST: {
        struct pacta_doc_list_args a;
        return pacta_decode_doc_list(args, &a, err);
    }
    case PACTA_OP_DOCUMENTS_GET:
    case PACTA_OP_DOCUMENTS_DELETE:
        return pacta_decode_doc_id(args, &s, err);
    case PACTA_OP_DOCUMENTS_DOWNLOAD: {
        struct pacta_doc_download_args a;
        return pacta_decode_doc_download(args, &a, err);
    }
    default:
        return -1;
    }
}

static void test_table(void)
{
    static const struct {
        enum pacta_op op;
        const char *args;
        const char *field; /* NULL: must decode */
    } cases[] = {
        {PACTA_OP_DOCUMENTS_UPLOAD_BEGIN,
         "{\"contract_id\":" UUID ",\"name\":\"signed.pdf\",\"size\":1,\"sha256\":" SHA "}", NULL},
        {PACTA_OP_DOCUMENTS_UPLOAD_BEGIN,
         "{\"contract_id\":" UUID
         ",\"name\":\"Contrato firmado (ñ).pdf\",\"size\":9007199254740991,"
         "\"sha256\":" SHA ",\"mime\":\"application/pdf\"}",
         NULL},
        {PACTA_OP_DOCUMENTS_UPLOAD_BEGIN,
         "{\"contract_id\":" UUID ",\"name\":\"a\",\"size\":1,\"sha256\":" SHA ",\"mime\":null}",
         NULL},
        {PACTA_OP_DOCUMENTS_UPLOAD_BEGIN, "{\"name\":\"a\",\"size\":1,\"sha256\":" SHA "}",
         "contract_id"},
        {PACTA_OP_DOCUMENTS_UPLOAD_BEGIN,
         "{\"contract_id\":\"X\",\"name\":\"a\",\"size\":1,\"sha256\":" SHA "}", "contract_id"},
        {PACTA_OP_DOCUMENTS_UPLOAD_BEGIN,
         "{\"contract_id\":" UUID ",\"name\":\"\",\"size\":1,\"sha256\":" SHA "}", "name"},
        {PACTA_OP_DOCUMENTS_UPLOAD_BEGIN,
         "{\"contract_id\":" UUID ",\"name\":\"../etc/passwd\",\"size\":1,\"sha256\":" SHA "}",
         "name"},
        {PACTA_OP_DOCUMENTS_UPLOAD_BEGIN,
         "{\"contract_id\":" UUID ",\"name\":\"a\\\\b\",\"size\":1,\"sha256\":" SHA "}", "name"},
        {PACTA_OP_DOCUMENTS_UPLOAD_BEGIN,
         "{\"contract_id\":" UUID ",\"name\":\"..\",\"size\":1,\"sha256\":" SHA "}", "name"},
        {PACTA_OP_DOCUMENTS_UPLOAD_BEGIN,
         "{\"contract_id\":" UUID ",\"name\":\"a\\nb\",\"size\":1,\"sha256\":" SHA "}", "name"},
        {PACTA_OP_DOCUMENTS_UPLOAD_BEGIN,
         "{\"contract_id\":" UUID ",\"name\":\"a\",\"size\":0,\"sha256\":" SHA "}", "size"},
        {PACTA_OP_DOCUMENTS_UPLOAD_BEGIN,
         "{\"contract_id\":" UUID ",\"name\":\"a\",\"size\":1.5,\"sha256\":" SHA "}", "size"},
        {PACTA_OP_DOCUMENTS_UPLOAD_BEGIN,
         "{\"contract_id\":" UUID ",\"name\":\"a\",\"size\":1,\"sha256\":\"9F86\"}", "sha256"},
        {PACTA_OP_DOCUMENTS_UPLOAD_BEGIN,
         "{\"contract_id\":" UUID ",\"name\":\"a\",\"size\":1,\"sha256\":" SHA ",\"mime\":\"pdf\"}",
         "mime"},
        {PACTA_OP_DOCUMENTS_UPLOAD_BEGIN,
         "{\"contract_id\":" UUID ",\"name\":\"a\",\"size\":1,\"sha256\":" SHA
         ",\"mime\":\"text/plain; charset=utf-8\"}",
         "mime"},
        {PACTA_OP_DOCUMENTS_UPLOAD_BEGIN,
         "{\"contract_id\":" UUID ",\"name\":\"a\",\"size\":1,\"sha256\":" SHA ",\"nam\":1}",
         "nam"},
        {PACTA_OP_DOCUMENTS_UPLOAD_BEGIN, "[]", "args"},

        {PACTA_OP_DOCUMENTS_UPLOAD_CHUNK,
         "{\"upload_id\":" UPLOAD ",\"offset\":0,\"data\":\"AAEC\"}", NULL},
        {PACTA_OP_DOCUMENTS_UPLOAD_CHUNK,
         "{\"upload_id\":" UPLOAD ",\"offset\":5,\"data\":\"AA==\",\"sha256\":" SHA "}", NULL},
        {PACTA_OP_DOCUMENTS_UPLOAD_CHUNK, "{\"offset\":0,\"data\":\"AAEC\"}", "upload_id"},
        {PACTA_OP_DOCUMENTS_UPLOAD_CHUNK,
         "{\"upload_id\":\"0123456789ABCDEF0123456789abcdef\",\"offset\":0,\"data\":\"AAEC\"}",
         "upload_id"},
        {PACTA_OP_DOCUMENTS_UPLOAD_CHUNK, "{\"upload_id\":" UPLOAD ",\"data\":\"AAEC\"}", "offset"},
        {PACTA_OP_DOCUMENTS_UPLOAD_CHUNK,
         "{\"upload_id\":" UPLOAD ",\"offset\":-1,\"data\":\"AAEC\"}", "offset"},
        {PACTA_OP_DOCUMENTS_UPLOAD_CHUNK, "{\"upload_id\":" UPLOAD ",\"offset\":0}", "data"},
        {PACTA_OP_DOCUMENTS_UPLOAD_CHUNK, "{\"upload_id\":" UPLOAD ",\"offset\":0,\"data\":\"\"}",
         "data"},
        {PACTA_OP_DOCUMENTS_UPLOAD_CHUNK,
         "{\"upload_id\":" UPLOAD ",\"offset\":0,\"data\":\"AAE\"}", "data"},
        {PACTA_OP_DOCUMENTS_UPLOAD_CHUNK,
         "{\"upload_id\":" UPLOAD ",\"offset\":0,\"data\":\"AA=\\n\"}", "data"},
        {PACTA_OP_DOCUMENTS_UPLOAD_CHUNK,
         "{\"upload_id\":" UPLOAD ",\"offset\":0,\"data\":\"AB==\"}", "data"},
        {PACTA_OP_DOCUMENTS_UPLOAD_CHUNK,
         "{\"upload_id\":" UPLOAD ",\"offset\":0,\"data\":\"AAEC\",\"sha256\":\"x\"}", "sha256"},

        {PACTA_OP_DOCUMENTS_UPLOAD_FINISH, "{\"upload_id\":" UPLOAD "}", NULL},
        {PACTA_OP_DOCUMENTS_UPLOAD_FINISH, "{}", "upload_id"},
        {PACTA_OP_DOCUMENTS_UPLOAD_FINISH, "{\"upload_id\":" UPLOAD ",\"x\":1}", "x"},

        {PACTA_OP_DOCUMENTS_LIST, "{\"contract_id\":" UUID "}", NULL},
        {PACTA_OP_DOCUMENTS_LIST, "{\"contract_id\":" UUID ",\"include_deleted\":true}", NULL},
        {PACTA_OP_DOCUMENTS_LIST, "{\"contract_id\":" UUID ",\"include_deleted\":1}",
         "include_deleted"},
        {PACTA_OP_DOCUMENTS_LIST, "{}", "contract_id"},

        {PACTA_OP_DOCUMENTS_GET, "{\"id\":" UUID "}", NULL},
        {PACTA_OP_DOCUMENTS_GET, "{\"id\":1}", "id"},
        {PACTA_OP_DOCUMENTS_DELETE, "{\"id\":" UUID "}", NULL},
        {PACTA_OP_DOCUMENTS_DELETE, "{\"id\":" UUID ",\"version\":1}", "version"},

        {PACTA_OP_DOCUMENTS_DOWNLOAD, "{\"id\":" UUID "}", NULL},
        {PACTA_OP_DOCUMENTS_DOWNLOAD, "{\"id\":" UUID ",\"offset\":7,\"length\":1048576}", NULL},
        {PACTA_OP_DOCUMENTS_DOWNLOAD, "{\"id\":" UUID ",\"length\":1048577}", "length"},
        {PACTA_OP_DOCUMENTS_DOWNLOAD, "{\"id\":" UUID ",\"length\":0}", "length"},
        {PACTA_OP_DOCUMENTS_DOWNLOAD, "{\"id\":" UUID ",\"offset\":-2}", "offset"},
        {PACTA_OP_DOCUMENTS_DOWNLOAD, "{\"offset\":0}", "id"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        json_error_t je;
        json_t *args = json_loads(cases[i].args, 0, &je);
        REQUIRE(args);
        struct pacta_error err = {0};
        int rc = decode(cases[i].op, args, &err);
        if (!cases[i].field)
            CHECKF(rc == 0, "case %zu (%s): %s: %s", i, pacta_op_name(cases[i].op), err.field,
                   err.message);
        else
            CHECKF(rc == -PACTA_BAD_REQUEST && err.code == PACTA_BAD_REQUEST &&
                       strcmp(err.field, cases[i].field) == 0,
                   "case %zu (%s): rc %d field \"%s\", want \"%s\"", i, pacta_op_name(cases[i].op),
                   rc, err.field, cases[i].field);
        json_decref(args);
    }
}

static void test_values(void)
{
    struct pacta_error err = {0};
    json_t *a =
        json_loads("{\"contract_id\":" UUID ",\"name\":\"x.pdf\",\"size\":42,\"sha256\":" SHA
                   ",\"mime\":\"application/pdf\"}",
                   0, NULL);
    struct pacta_doc_begin_args b;
    REQUIRE(pacta_decode_doc_upload_begin(a, &b, &err) == 0);
    CHECK_STR(b.name, "x.pdf");
    CHECK(b.size == 42);
    CHECK_STR(b.mime, "application/pdf");
    CHECK(b.sha256[0] == '9');
    json_decref(a);

    a = json_loads("{\"id\":" UUID "}", 0, NULL);
    struct pacta_doc_download_args d;
    REQUIRE(pacta_decode_doc_download(a, &d, &err) == 0);
    CHECK(d.offset == 0 && d.length == PACTA_DOC_DOWNLOAD_DEFAULT);
    json_decref(a);

    /* a chunk of every byte value at the size limit decodes to itself */
    static uint8_t raw[PACTA_DOC_CHUNK_MAX];
    static char text[PACTA_BASE64_ENCODED_LEN(PACTA_DOC_CHUNK_MAX + 1) + 1];
    for (size_t i = 0; i < sizeof raw; i++)
        raw[i] = (uint8_t)(i * 7 + 3);
    pacta_base64_encode(raw, sizeof raw, text);
    a = json_pack("{s:s, s:I, s:s}", "upload_id", "0123456789abcdef0123456789abcdef", "offset",
                  (json_int_t)65536, "data", text);
    struct pacta_doc_chunk_args c;
    REQUIRE(pacta_decode_doc_upload_chunk(a, &c, chunk_buf, &err) == 0);
    CHECK(c.len == sizeof raw && c.offset == 65536 && memcmp(chunk_buf, raw, sizeof raw) == 0);
    CHECK(c.sha256 == NULL);
    json_decref(a);
    /* one byte more is refused, and so is its frame: it would not fit in 64 KiB anyway */
    static uint8_t big[PACTA_DOC_CHUNK_MAX + 1];
    pacta_base64_encode(big, sizeof big, text);
    a = json_pack("{s:s, s:i, s:s}", "upload_id", "0123456789abcdef0123456789abcdef", "offset", 0,
                  "data", text);
    CHECK(pacta_decode_doc_upload_chunk(a, &c, chunk_buf, &err) == -PACTA_BAD_REQUEST);
    CHECK_STR(err.field, "data");
    json_decref(a);
    CHECK(PACTA_BASE64_ENCODED_LEN(PACTA_DOC_CHUNK_MAX) + 300 < PACTA_MAX_MESSAGE_BYTES);

    CHECK(pacta_valid_mime(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"));
    CHECK(pacta_valid_mime("image/svg+xml"));
    CHECK(!pacta_valid_mime("/pdf"));
    CHECK(!pacta_valid_mime("application/"));
    CHECK(!pacta_valid_mime("text/plain;charset=utf-8"));
    CHECK(!pacta_valid_mime(NULL));
    CHECK(pacta_valid_upload_id("0123456789abcdef0123456789abcdef"));
    CHECK(!pacta_valid_upload_id("0123456789abcdef0123456789abcde"));
    CHECK(!pacta_valid_sha256(""));

    /* names: what upload.begin takes, and what pactactl saves under */
    CHECK(pacta_valid_doc_name("contract signed.pdf"));
    CHECK(pacta_valid_doc_name("Contrato firmado – versión 2.pdf"));
    CHECK(pacta_valid_doc_name(".hidden"));
    static const char *const bad[] = {"",    ".",    "..",          "../x.pdf", "/etc/passwd",
                                      "a/b", "a\\b", "line\nbreak", " ",        NULL};
    for (int i = 0; bad[i]; i++)
        CHECKF(!pacta_valid_doc_name(bad[i]), "\"%s\" taken for a file name", bad[i]);
    CHECK(!pacta_valid_doc_name(NULL));
    char long_name[PACTA_DOC_NAME_MAX + 2];
    memset(long_name, 'a', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    CHECK(!pacta_valid_doc_name(long_name));
    long_name[PACTA_DOC_NAME_MAX] = '\0';
    CHECK(pacta_valid_doc_name(long_name));
}

int main(void)
{
    test_table();
    test_values();
    return test_summary();
}
