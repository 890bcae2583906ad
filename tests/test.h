/*
 * Minimal test support shared by every PACTA test: CHECK records a failure
 * and goes on, REQUIRE stops the test case.  A test program returns
 * test_summary(), which prints "N passed, N failed" and is non-zero on any
 * failure.
 */
#ifndef PACTA_TEST_H
#define PACTA_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_checks_passed, test_checks_failed;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (cond) {                                                                                \
            test_checks_passed++;                                                                  \
        } else {                                                                                   \
            test_checks_failed++;                                                                  \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

#define CHECKF(cond, ...)                                                                          \
    do {                                                                                           \
        if (cond) {                                                                                \
            test_checks_passed++;                                                                  \
        } else {                                                                                   \
            test_checks_failed++;                                                                  \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond);               \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            test_checks_failed++;                                                                  \
            fprintf(stderr, "%s:%d: REQUIRE failed: %s\n", __FILE__, __LINE__, #cond);             \
            exit(test_summary());                                                                  \
        }                                                                                          \
        test_checks_passed++;                                                                      \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        CHECKF(a_ &&b_ &&strcmp(a_, b_) == 0, "\"%s\" != \"%s\"", a_ ? a_ : "(null)",              \
               b_ ? b_ : "(null)");                                                                \
    } while (0)

static inline int test_summary(void)
{
    printf("checks: %d passed, %d failed\n", test_checks_passed, test_checks_failed);
    fflush(stdout);
    return test_checks_failed ? 1 : 0;
}

#endif
