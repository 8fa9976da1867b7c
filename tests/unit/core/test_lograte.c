/* Log throttling and de-duplication (core/lograte.h) on a fake clock. */
#include "g6_test.h"

#include "core/lograte.h"

#include <stdio.h>

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

/* Two messages of one outage whose shapes share a hash slot (these two
 * do: FNV-1a mod 64 is 15 for both) alternate on every request — the
 * retry's warning, then the error giving up. With one slot per hash value
 * they evicted each other and both were logged on every request (the
 * instrument list failing at start-up logged both lines each second);
 * each is shown once a window now, and so is each of 64 shapes in turn. */
static void dedup_colliding_shapes_alternate(void **state) {
  (void)state;
  static g6_log_dedup d = G6_LOG_DEDUP_INIT;
  const char *warn = "Kite instruments: HTTP 503, NetworkException: Service "
                     "unavailable (mock fault) (upstream) (attempt 1 of 2); "
                     "retrying in 0.23 s";
  const char *err = "Kite instruments: HTTP 503, NetworkException: Service "
                    "unavailable (mock fault) (upstream) (attempt 2 of 2; "
                    "giving up)";
  unsigned n = 0, shown = 0;
  for (int t = 0; t < 30; t++) {
    shown += g6_log_dedup_admit(&d, 4, warn, t, 60, &n);
    shown += g6_log_dedup_admit(&d, 3, err, t + 0.5, 60, &n);
  }
  if (shown != 2)
    fail_msg("%u lines shown in 30 s of alternating messages, want 2", shown);
  assert_true(g6_log_dedup_admit(&d, 3, err, 61, 60, &n));
  assert_int_equal(n, 29);
  static g6_log_dedup d2 = G6_LOG_DEDUP_INIT;
  shown = 0;
  for (int t = 0; t < 10; t++)
    for (int k = 0; k < G6_LOG_DEDUP_SLOTS; k++) {
      char msg[32];
      snprintf(msg, sizeof(msg), "shape %c%c", 'a' + k % 26, 'a' + k / 26);
      shown += g6_log_dedup_admit(&d2, 4, msg, t, 60, &n);
    }
  assert_int_equal(shown, G6_LOG_DEDUP_SLOTS);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(throttle_logs_start_change_repeat_and_recovery),
      cmocka_unit_test(dedup_suppresses_repeats_ignoring_digits),
      cmocka_unit_test(dedup_colliding_shapes_alternate),
  };
  return G6_RUN_TESTS(tests);
}
