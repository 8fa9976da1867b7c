#include "g6_test.h"

#include "market/breaker.h"

static g6_breaker_config cfg_nojitter(void) {
  g6_breaker_config c;
  g6_breaker_config_defaults(&c);
  c.failure_threshold = 3;
  c.min_reset_s = 10;
  c.max_reset_s = 35;
  c.backoff = 2;
  c.jitter = 0;
  return c;
}

static void opens_after_threshold_and_backs_off(void **state) {
  (void)state;
  g6_breaker b;
  g6_breaker_config c = cfg_nojitter();
  assert_int_equal(g6_breaker_init(&b, &c, 1, NULL), G6_OK);
  uint64_t trips;
  double ra;
  /* two failures, a success resets the streak */
  g6_breaker_failure(&b, 0);
  g6_breaker_failure(&b, 0);
  g6_breaker_success(&b, 0);
  g6_breaker_failure(&b, 0);
  g6_breaker_failure(&b, 0);
  assert_int_equal(g6_breaker_get_state(&b, 0, &trips), G6_BREAKER_CLOSED);
  g6_breaker_failure(&b, 1);
  assert_int_equal(g6_breaker_get_state(&b, 1, &trips), G6_BREAKER_OPEN);
  assert_int_equal(trips, 1);
  assert_int_equal(g6_breaker_allow(&b, 5, &ra), G6_ECIRCUIT);
  assert_close(ra, 6, 1e-9); /* open until 1 + 10 */
  /* half-open at 11: one probe, a second caller is refused */
  assert_int_equal(g6_breaker_allow(&b, 11, NULL), G6_OK);
  assert_int_equal(g6_breaker_get_state(&b, 11, NULL), G6_BREAKER_HALF_OPEN);
  assert_int_equal(g6_breaker_allow(&b, 11, NULL), G6_ECIRCUIT);
  /* the probe fails: reopened for 20 s, then 35 (capped), not 40 */
  g6_breaker_failure(&b, 12);
  assert_int_equal(g6_breaker_allow(&b, 31.9, &ra), G6_ECIRCUIT);
  assert_int_equal(g6_breaker_allow(&b, 32, NULL), G6_OK);
  g6_breaker_failure(&b, 32);
  assert_int_equal(g6_breaker_allow(&b, 66.9, NULL), G6_ECIRCUIT);
  assert_int_equal(g6_breaker_allow(&b, 67, NULL), G6_OK);
  g6_breaker_get_state(&b, 67, &trips);
  assert_int_equal(trips, 3);
  /* the probe succeeds: closed, and the backoff starts over */
  g6_breaker_success(&b, 67);
  assert_int_equal(g6_breaker_get_state(&b, 67, NULL), G6_BREAKER_CLOSED);
  for (int i = 0; i < 3; i++)
    g6_breaker_failure(&b, 70);
  assert_int_equal(g6_breaker_allow(&b, 79.9, NULL), G6_ECIRCUIT);
  assert_int_equal(g6_breaker_allow(&b, 80, NULL), G6_OK);
  /* cancel frees the probe slot without a verdict */
  g6_breaker_cancel(&b);
  assert_int_equal(g6_breaker_allow(&b, 80, NULL), G6_OK);
  g6_breaker_destroy(&b);
}

static void half_open_needs_n_successes(void **state) {
  (void)state;
  g6_breaker b;
  g6_breaker_config c = cfg_nojitter();
  c.failure_threshold = 1;
  c.half_open_successes = 2;
  g6_breaker_init(&b, &c, 1, NULL);
  g6_breaker_failure(&b, 0);
  assert_int_equal(g6_breaker_allow(&b, 10, NULL), G6_OK);
  g6_breaker_success(&b, 10);
  assert_int_equal(g6_breaker_get_state(&b, 10, NULL), G6_BREAKER_HALF_OPEN);
  assert_int_equal(g6_breaker_allow(&b, 10, NULL), G6_OK);
  g6_breaker_success(&b, 10);
  assert_int_equal(g6_breaker_get_state(&b, 10, NULL), G6_BREAKER_CLOSED);
  g6_breaker_destroy(&b);
}

/* With jitter the open time stays within min_reset..(1+j)*timeout and is
 * reproducible for a seed. */
static void jitter_bounded_and_seeded(void **state) {
  (void)state;
  g6_breaker_config c = cfg_nojitter();
  c.failure_threshold = 1;
  c.jitter = 0.2;
  c.max_reset_s = 1000;
  double first = -1;
  for (int rep = 0; rep < 2; rep++) {
    g6_breaker b;
    g6_breaker_init(&b, &c, 42, NULL);
    g6_breaker_failure(&b, 0);
    double ra;
    g6_breaker_allow(&b, 0, &ra);
    assert_true(ra >= 10 && ra <= 12);
    if (rep == 0)
      first = ra;
    else
      assert_close(ra, first, 0);
    g6_breaker_destroy(&b);
  }
}

static void invalid_config(void **state) {
  (void)state;
  g6_breaker b;
  g6_error e;
  g6_breaker_config c = cfg_nojitter();
  c.failure_threshold = 0;
  assert_int_equal(g6_breaker_init(&b, &c, 1, &e), G6_EINVAL);
  assert_non_null(strstr(e.msg, "threshold"));
  c = cfg_nojitter();
  c.max_reset_s = 1;
  assert_int_equal(g6_breaker_init(&b, &c, 1, &e), G6_EINVAL);
  c = cfg_nojitter();
  c.jitter = 1.5;
  assert_int_equal(g6_breaker_init(&b, &c, 1, &e), G6_EINVAL);
  assert_string_equal(g6_breaker_state_name(G6_BREAKER_HALF_OPEN), "half_open");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(opens_after_threshold_and_backs_off),
      cmocka_unit_test(half_open_needs_n_successes),
      cmocka_unit_test(jitter_bounded_and_seeded),
      cmocka_unit_test(invalid_config),
  };
  return G6_RUN_TESTS(tests);
}
