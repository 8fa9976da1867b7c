/* Log throttling and de-duplication (core/lograte.h) on a fake clock. */
#include "g6_test.h"

#include "core/lograte.h"

static void throttle_logs_start_change_repeat_and_recovery(void **state) {
  (void)state;
  g6_log_throttle t = {0};
  assert_false(g6_log_throttle_due(&t, G6_OK, 0, 600)); /* nothing yet */
  assert_true(g6_log_throttle_due(&t, G6_ETIMEOUT, 10, 600)); /* starts */
  assert_false(g6_log_throttle_due(&t, G6_ETIMEOUT, 20, 600));
  assert_false(g6_log_throttle_due(&t, G6_ETIMEOUT, 610, 600));
  assert_true(g6_log_throttle_due(&t, G6_ETIMEOUT, 611, 600)); /* lasts */
  assert_true(g6_log_throttle_due(&t, G6_EHTTP, 612, 600));    /* changes */
  assert_true(g6_log_throttle_due(&t, G6_OK, 613, 600));       /* recovers */
  assert_false(g6_log_throttle_due(&t, G6_OK, 614, 600));
}

static void dedup_suppresses_repeats_ignoring_digits(void **state) {
  (void)state;
  static g6_log_dedup d = G6_LOG_DEDUP_INIT;
  unsigned n;
  assert_true(g6_log_dedup_admit(&d, 4, "HTTP 503, retrying in 0.21 s", 0, 60,
                                 &n));
  assert_int_equal(n, 0);
  assert_false(g6_log_dedup_admit(&d, 4, "HTTP 503, retrying in 0.44 s", 1,
                                  60, &n));
  assert_false(g6_log_dedup_admit(&d, 4, "HTTP 502, retrying in 0.8 s", 2, 60,
                                  &n));
  /* another level or text is another message */
  assert_true(g6_log_dedup_admit(&d, 3, "HTTP 503, retrying in 0.21 s", 3, 60,
                                 &n));
  assert_true(g6_log_dedup_admit(&d, 4, "giving up", 3, 60, &n));
  /* after the window the next one is shown with the count */
  assert_true(g6_log_dedup_admit(&d, 4, "HTTP 500, retrying in 1.5 s", 61, 60,
                                 &n));
  assert_int_equal(n, 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(throttle_logs_start_change_repeat_and_recovery),
      cmocka_unit_test(dedup_suppresses_repeats_ignoring_digits),
  };
  return G6_RUN_TESTS(tests);
}
