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
  /* penalize after a 429 empties a refilled bucket */
  g6_ratelimit rl2;
  g6_ratelimit_init(&rl2, 1, 5);
  g6_ratelimit_penalize(&rl2, 10);
  assert_int_equal(g6_ratelimit_reserve(&rl2, 10, 10, &w), G6_OK);
  assert_close(w, 1, 1e-9);
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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(reference_vector),
      cmocka_unit_test(reservations_queue),
      cmocka_unit_test(unlimited_and_invalid),
      cmocka_unit_test(threads_get_distinct_slots),
  };
  return G6_RUN_TESTS(tests);
}
