#include "g6_test.h"

#include "market/ratelimit.h"

#include <pthread.h>

/* The old platform's token-bucket vector (reference §9): rate 2/s burst 4:
 * take 1+3, deny; +0.4 s deny; +0.6 s allow 1; +10 s allow 4 then deny. */
static void reference_vector(void **state) {
  (void)state;
  g6_ratelimit rl;
  assert_int_equal(g6_ratelimit_init(&rl, 2, 4), G6_OK);
  double t = 100.0;
  assert_true(g6_ratelimit_try(&rl, t));
  for (int i = 0; i < 3; i++)
    assert_true(g6_ratelimit_try(&rl, t));
  assert_false(g6_ratelimit_try(&rl, t));
  assert_false(g6_ratelimit_try(&rl, t + 0.4));
  assert_true(g6_ratelimit_try(&rl, t + 0.6));
  for (int i = 0; i < 4; i++)
    assert_true(g6_ratelimit_try(&rl, t + 10.6));
  assert_false(g6_ratelimit_try(&rl, t + 10.6));
  g6_ratelimit_destroy(&rl);
}

/* Reservations queue: at 1/s with burst 1, the k-th caller at the same
 * instant waits k-1 seconds; beyond max_wait nothing is reserved. */
static void reservations_queue(void **state) {
  (void)state;
  g6_ratelimit rl;
  assert_int_equal(g6_ratelimit_init(&rl, 1, 1), G6_OK);
  double w;
  for (int k = 0; k < 4; k++) {
    assert_int_equal(g6_ratelimit_reserve(&rl, 50, 10, &w), G6_OK);
    assert_close(w, k, 1e-9);
  }
  assert_int_equal(g6_ratelimit_reserve(&rl, 50, 3.5, &w), G6_ERATELIMIT);
  assert_close(w, 4, 1e-9);
  /* the refused call reserved nothing */
  assert_int_equal(g6_ratelimit_reserve(&rl, 50, 4, &w), G6_OK);
  assert_close(w, 4, 1e-9);
  /* a 429 empties a refilled bucket (and halves the rate: 2 s to go) */
  g6_ratelimit rl2;
  g6_ratelimit_init(&rl2, 1, 5);
  g6_ratelimit_throttle(&rl2, 10, 0);
  assert_int_equal(g6_ratelimit_reserve(&rl2, 10, 10, &w), G6_OK);
  assert_close(w, 2, 1e-9);
  g6_ratelimit_destroy(&rl);
  g6_ratelimit_destroy(&rl2);
}

static void unlimited_and_invalid(void **state) {
  (void)state;
  g6_ratelimit rl;
  assert_int_equal(g6_ratelimit_init(&rl, 0, 1), G6_OK);
  double w;
  for (int i = 0; i < 1000; i++) {
    assert_int_equal(g6_ratelimit_reserve(&rl, 0, 0, &w), G6_OK);
    assert_true(w == 0);
  }
  g6_ratelimit_destroy(&rl);
  assert_int_equal(g6_ratelimit_init(&rl, -1, 1), G6_EINVAL);
  assert_int_equal(g6_ratelimit_init(&rl, NAN, 1), G6_EINVAL);
}

typedef struct worker {
  g6_ratelimit *rl;
  double waits[50];
} worker;

static void *reserve_many(void *arg) {
  worker *w = arg;
  for (int i = 0; i < 50; i++)
    g6_ratelimit_reserve(w->rl, 0, 1e9, &w->waits[i]);
  return NULL;
}

/* 8 threads x 50 reservations at the same instant, 10/s burst 1: the waits
 * handed out are exactly 0, 0.1, ..., 39.9 s — no slot given twice. */
static void threads_get_distinct_slots(void **state) {
  (void)state;
  g6_ratelimit rl;
  g6_ratelimit_init(&rl, 10, 1);
  worker w[8];
  pthread_t th[8];
  for (int i = 0; i < 8; i++) {
    w[i].rl = &rl;
    pthread_create(&th[i], NULL, reserve_many, &w[i]);
  }
  int seen[400] = {0};
  for (int i = 0; i < 8; i++) {
    pthread_join(th[i], NULL);
    for (int k = 0; k < 50; k++) {
      long slot = lround(w[i].waits[k] * 10);
      assert_true(slot >= 0 && slot < 400);
      seen[slot]++;
    }
  }
  for (int s = 0; s < 400; s++)
    assert_int_equal(seen[s], 1);
  g6_ratelimit_destroy(&rl);
}

/* AIMD: a 429 storm halves the rate once per second down to 1/8 of the
 * configured rate (never to 0); requests are then spaced by the cut rate;
 * each success adds 1/8 back, never above the configured rate. */
static void adaptive_cut_and_recovery(void **state) {
  (void)state;
  g6_ratelimit rl;
  g6_ratelimit_init(&rl, 4, 1);
  double eff, conf, w;
  assert_close(g6_ratelimit_throttle(&rl, 100.0, 0), 2, 1e-12);
  /* more 429s of the same burst count once */
  assert_close(g6_ratelimit_throttle(&rl, 100.2, 0), 2, 1e-12);
  assert_close(g6_ratelimit_throttle(&rl, 100.9, 0), 2, 1e-12);
  assert_close(g6_ratelimit_throttle(&rl, 101.0, 0), 1, 1e-12);
  assert_close(g6_ratelimit_throttle(&rl, 102.0, 0), 0.5, 1e-12);
  for (int i = 0; i < 10; i++)
    assert_close(g6_ratelimit_throttle(&rl, 103.0 + i, 0), 0.5, 1e-12);
  g6_ratelimit_rates(&rl, &eff, &conf);
  assert_close(eff, 0.5, 1e-12);
  assert_close(conf, 4, 0);
  /* at 0.5/s a request every 2 s: the bucket was emptied at 112 */
  assert_int_equal(g6_ratelimit_reserve(&rl, 112, 60, &w), G6_OK);
  assert_close(w, 2, 1e-9);
  assert_int_equal(g6_ratelimit_reserve(&rl, 112, 60, &w), G6_OK);
  assert_close(w, 4, 1e-9);
  /* recovery: seven successes from the floor back to 4/s, then no more */
  for (int i = 1; i <= 7; i++) {
    bool back = g6_ratelimit_success(&rl);
    g6_ratelimit_rates(&rl, &eff, &conf);
    assert_close(eff, 0.5 + 0.5 * i, 1e-9);
    assert_int_equal(back, i == 7);
  }
  assert_false(g6_ratelimit_success(&rl));
  g6_ratelimit_rates(&rl, &eff, &conf);
  assert_close(eff, 4, 0);
  g6_ratelimit_destroy(&rl);
}

/* Retry-After pauses every reservation until it has passed, also for an
 * unlimited bucket, which otherwise never waits. */
static void retry_after_pauses(void **state) {
  (void)state;
  g6_ratelimit rl;
  g6_ratelimit_init(&rl, 10, 5);
  double w;
  assert_int_equal(g6_ratelimit_reserve(&rl, 50, 60, &w), G6_OK);
  assert_close(w, 0, 0);
  g6_ratelimit_throttle(&rl, 50, 3);
  /* paused 3 s, then the bucket (emptied, now 5/s) needs 0.2 s */
  assert_int_equal(g6_ratelimit_reserve(&rl, 50, 60, &w), G6_OK);
  assert_close(w, 3.2, 1e-9);
  assert_false(g6_ratelimit_try(&rl, 52.9));
  /* a caller that may wait only 1 s is refused, reserving nothing */
  assert_int_equal(g6_ratelimit_reserve(&rl, 51, 1, &w), G6_ERATELIMIT);
  assert_close(w, 2.4, 1e-9);
  g6_ratelimit_destroy(&rl);

  g6_ratelimit un;
  g6_ratelimit_init(&un, 0, 1);
  assert_close(g6_ratelimit_throttle(&un, 10, 2.5), 0, 0);
  assert_int_equal(g6_ratelimit_reserve(&un, 11, 60, &w), G6_OK);
  assert_close(w, 1.5, 1e-9);
  assert_int_equal(g6_ratelimit_reserve(&un, 12.5, 60, &w), G6_OK);
  assert_close(w, 0, 0);
  /* without Retry-After an unlimited bucket pauses 1 s */
  g6_ratelimit_throttle(&un, 20, 0);
  assert_int_equal(g6_ratelimit_reserve(&un, 20, 60, &w), G6_OK);
  assert_close(w, 1, 1e-9);
  g6_ratelimit_destroy(&un);
}

/* The pause's end is reported while it lasts, counts down, and is gone (the
 * end is `now`, 0 s left) once it has passed; a shorter Retry-After does not
 * shorten it. Waiting for tokens at a cut rate is no pause, nor is anything
 * before the first 429. */
static void pause_end_is_reported(void **state) {
  (void)state;
  g6_ratelimit rl;
  g6_ratelimit_init(&rl, 1, 1);
  assert_close(g6_ratelimit_pause_end(&rl, 10), 10, 0); /* never started */
  double w;
  for (int i = 0; i < 5; i++) /* 4 s of queued tokens: no pause */
    assert_int_equal(g6_ratelimit_reserve(&rl, 10, 60, &w), G6_OK);
  assert_close(g6_ratelimit_pause_end(&rl, 10), 10, 0);
  g6_ratelimit_throttle(&rl, 20, 0); /* a 429 without Retry-After */
  assert_close(g6_ratelimit_pause_end(&rl, 20), 20, 0);
  g6_ratelimit_throttle(&rl, 30, 300);
  assert_close(g6_ratelimit_pause_end(&rl, 30), 330, 1e-9);
  assert_close(g6_ratelimit_pause_end(&rl, 100), 330, 1e-9);
  /* a reservation (refused: it would wait 229.5 s) moves nothing */
  assert_int_equal(g6_ratelimit_reserve(&rl, 100.5, 1, &w), G6_ERATELIMIT);
  assert_close(g6_ratelimit_pause_end(&rl, 100.5), 330, 1e-9);
  g6_ratelimit_throttle(&rl, 110, 5); /* a shorter one: still 330 */
  assert_close(g6_ratelimit_pause_end(&rl, 110), 330, 1e-9);
  assert_close(g6_ratelimit_pause_end(&rl, 329.5), 330, 1e-9);
  /* over */
  assert_close(g6_ratelimit_pause_end(&rl, 330), 330, 0);
  assert_close(g6_ratelimit_pause_end(&rl, 400), 400, 0);
  assert_true(g6_ratelimit_try(&rl, 400));
  assert_close(g6_ratelimit_pause_end(&rl, 400), 400, 0);
  /* another thread's refill at its later `now` is no pause for a reader
   * whose `now` was read just before (the exported gauge read 2e-6 s) */
  g6_ratelimit_try(&rl, 401);
  assert_close(g6_ratelimit_pause_end(&rl, 400.5), 400.5, 0);
  g6_ratelimit_destroy(&rl);

  /* an unlimited bucket pauses 1 s for a 429 without Retry-After */
  g6_ratelimit un;
  g6_ratelimit_init(&un, 0, 1);
  g6_ratelimit_throttle(&un, 20, 0);
  assert_close(g6_ratelimit_pause_end(&un, 20.25), 21, 1e-9);
  assert_close(g6_ratelimit_pause_end(&un, 21.5), 21.5, 0);
  g6_ratelimit_destroy(&un);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(reference_vector),
      cmocka_unit_test(reservations_queue),
      cmocka_unit_test(unlimited_and_invalid),
      cmocka_unit_test(threads_get_distinct_slots),
      cmocka_unit_test(adaptive_cut_and_recovery),
      cmocka_unit_test(retry_after_pauses),
      cmocka_unit_test(pause_end_is_reported),
  };
  return G6_RUN_TESTS(tests);
}
