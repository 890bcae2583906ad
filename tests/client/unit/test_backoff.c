/* pacta-desk: the reconnect schedule (GTest). */
#include <pacta-backoff.h>

static void test_caps(void)
{
    static const struct {
        guint attempt, cap;
    } cases[] = {
        {0, 0},     {1, 500},   {2, 1000},  {3, 2000},    {4, 4000},          {5, 8000},
        {6, 16000}, {7, 30000}, {8, 30000}, {100, 30000}, {G_MAXUINT, 30000},
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
        g_assert_cmpuint(
            pacta_backoff_cap_ms(cases[i].attempt, PACTA_BACKOFF_BASE_MS, PACTA_BACKOFF_MAX_MS), ==,
            cases[i].cap);
}

static void test_jitter_bounds(void)
{
    for (guint attempt = 1; attempt < 12; attempt++) {
        guint cap = pacta_backoff_cap_ms(attempt, 500, 30000);
        g_assert_cmpuint(pacta_backoff_delay_ms(attempt, 500, 30000, 0.0), ==, cap / 2);
        g_assert_cmpuint(pacta_backoff_delay_ms(attempt, 500, 30000, 1.0), ==, cap);
        for (int k = 0; k < 100; k++) {
            guint d = pacta_backoff_delay_ms(attempt, 500, 30000, g_random_double());
            g_assert_cmpuint(d, >=, cap / 2);
            g_assert_cmpuint(d, <=, cap);
        }
    }
    /* Out-of-range jitter is clamped, attempt 0 is "now". */
    g_assert_cmpuint(pacta_backoff_delay_ms(1, 500, 30000, 7.0), ==, 500);
    g_assert_cmpuint(pacta_backoff_delay_ms(1, 500, 30000, -1.0), ==, 250);
    g_assert_cmpuint(pacta_backoff_delay_ms(0, 500, 30000, 0.5), ==, 0);
}

/* The schedule grows: each attempt's lower bound reaches the previous cap
 * until the cap, so retries really back off whatever the dice say. */
static void test_monotone(void)
{
    for (guint attempt = 2; attempt < 10; attempt++) {
        guint lo = pacta_backoff_delay_ms(attempt, 500, 30000, 0.0);
        guint prev_hi = pacta_backoff_delay_ms(attempt - 1, 500, 30000, 1.0);
        g_assert_cmpuint(lo, >=, MIN(prev_hi, 15000u));
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/backoff/caps", test_caps);
    g_test_add_func("/backoff/jitter-bounds", test_jitter_bounds);
    g_test_add_func("/backoff/monotone", test_monotone);
    return g_test_run();
}
