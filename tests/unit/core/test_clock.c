/* core/clock.h: the clocks, and the watch that notices a step of the wall
 * clock against CLOCK_MONOTONIC. */
#include "g6_test.h"

#include "core/clock.h"

static void clocks_move(void **state) {
  (void)state;
  double w0 = g6_wall_now(), m0 = g6_monotonic_now();
  g6_sleep_seconds(0.02);
  double w1 = g6_wall_now(), m1 = g6_monotonic_now();
  assert_true(m1 - m0 >= 0.02);
  assert_true(w1 > 1.7e9 && w1 - w0 < 5);
  g6_sleep_seconds(-1); /* nothing */
}

static void steps_of_the_wall_clock(void **state) {
  (void)state;
  g6_clock_watch w = G6_CLOCK_WATCH_INIT;
  assert_close(g6_clock_watch_step(&w, 1000, 50), 0, 0);     /* first */
  assert_close(g6_clock_watch_step(&w, 1001, 51), 0, 1e-9);  /* in step */
  assert_close(g6_clock_watch_step(&w, 1001.002, 52), -0.998, 1e-9);
  assert_close(g6_clock_watch_step(&w, 87402, 53), 86399.998, 1e-6); /* +1 d */
  assert_close(g6_clock_watch_step(&w, 87398, 54), -5, 1e-9);        /* back */
  assert_close(g6_clock_watch_step(&w, 87399, 55), 0, 1e-9);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(clocks_move),
      cmocka_unit_test(steps_of_the_wall_clock),
  };
  return G6_RUN_TESTS(tests);
}
