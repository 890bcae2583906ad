/*
 * contracts.list `q` and `text` with odd input (PROTOCOL.md §6.4: quotes,
 * AND, OR, NEAR, `*` and `:` are ordinary text, never query syntax): FTS5
 * operators, column filters, lone punctuation, very long and many-word
 * queries, combining marks and other scripts.  Every query gives a page
 * (never an error) under every sort, relevance included, and every plan;
 * the probe, the search index and the walk agree; the words a query has
 * are found.
 */
#include "db_list.h"
#include "test_srv_db_util.h"

static const char *const queries[] = {
    "*",
    "**",
    "\"",
    "\"\"",
    "\"a",
    "title:alpha",
    "title : alpha",
    "{title number}: alpha",
    "-title:alpha",
    "NEAR(alpha beta)",
    "NEAR(alpha beta, 2)",
    "alpha NEAR beta",
    "alpha OR beta",
    "alpha AND beta",
    "alpha NOT beta",
    "NOT",
    "AND",
    "(",
    ")",
    "()",
    "^alpha",
    "alpha*",
    "al*pha",
    "+",
    "-",
    ":",
    ",",
    "'",
    "\\",
    "%",
    "_",
    "a'b",
    "e\xcc\x81",         /* e + combining acute */
    "\xc3\xa9t\xc3\xa9", /* été */
    "ETE",
    "stra\xc3\x9f"
    "e",            /* straße */
    "\xef\xac\x81", /* ﬁ ligature */
    "\xe4\xb8\xad\xe6\x96\x87",
    "\xf0\x9f\x99\x82", /* emoji */
    "C-2026",
    "2026-",
    "0",
    "\xe2\x81\xa0",            /* U+2060 word joiner: not blank, no token */
    "\xc2\xad",                /* U+00AD soft hyphen */
    "\xe1\xa0\x8e",            /* U+180E */
    "alpha \xe2\x81\xa0 beta", /* a word without tokens between two */
};

static void fixture(struct tdb *t)
{
    static const char *const titles[] = {"alpha beta", "Été à Paris",   "Straße",
                                         "ﬁnance",     "中文 contract", "title: alpha",
                                         "NEAR beta",  "don't stop",    "e\xcc\x81t\xc3\xa9"};
    for (int i = 0; i < 60; i++) {
        char number[16];
        snprintf(number, sizeof(number), "C-2026-%03d", i);
        json_t *a = t_contract_args(number, titles[i % 9], i % 2 ? "client" : "supplier");
        json_object_set_new(a, "description", json_string(i % 3 ? "AND OR NOT" : "* : \" ("));
        json_decref(t_create(t, "admin", a));
    }
}

static char *walk(struct tdb *t, struct pacta_list_args a, int *failed)
{
    sqlite3 *r = srv_db_reader_acquire(t->db);
    size_t o = 0, cap = 64 * 1024;
    char *out = calloc(1, cap), *cursor = NULL;

    for (int pages = 0; pages < 100; pages++) {
        struct pacta_error err = {0};
        json_t *page = NULL, *it;
        size_t i;

        a.cursor = cursor;
        if (srv_db_read_contracts(r, &a, &page, &err) != 0) {
            CHECKF(0, "q \"%s\" text \"%s\" sort %s: %d %s %s", a.q ? a.q : "",
                   a.text ? a.text : "", pacta_list_sort_name(a.sort), err.code, err.field,
                   err.message);
            *failed = 1;
            break;
        }
        json_array_foreach(json_object_get(page, "items"), i, it) o +=
            (size_t)snprintf(out + o, cap - o, "%s%s", o ? " " : "", t_str(it, "number"));
        if (!t_page_next(page, &cursor))
            break;
    }
    free(cursor);
    srv_db_reader_release(t->db, r);
    return out;
}

static void run(struct tdb *t, const char *q, const char *text)
{
    static const enum srv_list_force forces[] = {SRV_LIST_AUTO, SRV_LIST_FORCE_WALK,
                                                 SRV_LIST_FORCE_SEEK};
    for (int sort = PACTA_SORT_DEFAULT; sort <= PACTA_SORT_RELEVANCE; sort++) {
        char *first = NULL;
        if ((sort == PACTA_SORT_RELEVANCE || sort == PACTA_SORT_DEFAULT) && !q)
            continue;
        for (size_t f = 0; f < 3; f++) {
            struct pacta_list_args a = {.q = q, .text = text, .limit = 7};
            int failed = 0;
            a.sort = (enum pacta_list_sort)sort;
            srv__list_force(forces[f]);
            char *got = walk(t, a, &failed);
            srv__list_force(SRV_LIST_AUTO);
            if (!first)
                first = got;
            else {
                if (sort != PACTA_SORT_RELEVANCE && sort != PACTA_SORT_DEFAULT)
                    CHECKF(strcmp(first, got) == 0,
                           "q \"%s\" text \"%s\" sort %d force %zu:\n%s\n%s", q ? q : "",
                           text ? text : "", sort, f, first, got);
                free(got);
            }
        }
        free(first);
    }
}

int main(void)
{
    struct tdb t;
    char long_q[201], many_words[201], long_text[201];

    t_open(&t);
    fixture(&t);
    for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
        run(&t, queries[i], NULL);
        run(&t, NULL, queries[i]);
        run(&t, queries[i], queries[i]);
    }
    /* 200 characters: one word, 100 one-letter words, 66 operators */
    memset(long_q, 'a', 200);
    long_q[200] = '\0';
    for (int i = 0; i < 200; i++)
        many_words[i] = i % 2 ? ' ' : (char)('a' + i % 26);
    many_words[199] = 'z';
    many_words[200] = '\0';
    for (int i = 0; i < 200; i++)
        long_text[i] = "OR "[i % 3];
    long_text[199] = 'x';
    long_text[200] = '\0';
    run(&t, long_q, NULL);
    run(&t, many_words, NULL);
    run(&t, long_text, NULL);
    run(&t, NULL, long_q);
    run(&t, NULL, long_text);
    t_close(&t);
    return t_finish();
}
