#include "g6_test.h"

#include "core/strmap.h"

static void put_get_remove_many(void **state) {
  (void)state;
  g6_strmap m = G6_STRMAP_INIT;
  static int vals[5000];
  char key[32];
  assert_null(g6_strmap_get(&m, "x"));
  for (int i = 0; i < 5000; i++) {
    snprintf(key, sizeof(key), "NIFTY/this_week/%+d", i * 50 - 100000);
    vals[i] = i;
    assert_int_equal(g6_strmap_put(&m, key, &vals[i], NULL), G6_OK);
  }
  assert_int_equal(m.n, 5000);
  for (int i = 0; i < 5000; i += 7) {
    snprintf(key, sizeof(key), "NIFTY/this_week/%+d", i * 50 - 100000);
    int *v = g6_strmap_get(&m, key);
    assert_non_null(v);
    assert_int_equal(*v, i);
  }
  /* remove every other key; the rest stays reachable past tombstones */
  for (int i = 0; i < 5000; i += 2) {
    snprintf(key, sizeof(key), "NIFTY/this_week/%+d", i * 50 - 100000);
    assert_ptr_equal(g6_strmap_remove(&m, key), &vals[i]);
  }
  assert_int_equal(m.n, 2500);
  for (int i = 1; i < 5000; i += 2) {
    snprintf(key, sizeof(key), "NIFTY/this_week/%+d", i * 50 - 100000);
    assert_ptr_equal(g6_strmap_get(&m, key), &vals[i]);
  }
  snprintf(key, sizeof(key), "NIFTY/this_week/%+d", -100000);
  assert_null(g6_strmap_get(&m, key));
  assert_null(g6_strmap_remove(&m, key));
  void *old = &vals[0];
  snprintf(key, sizeof(key), "NIFTY/this_week/%+d", 1 * 50 - 100000);
  assert_int_equal(g6_strmap_put(&m, key, &vals[3], &old), G6_OK);
  assert_ptr_equal(old, &vals[1]);
  size_t it = 0, count = 0;
  const char *k;
  void *v;
  while (g6_strmap_next(&m, &it, &k, &v))
    count++;
  assert_int_equal(count, 2500);
  /* churn: insert/remove repeatedly must not fill the table with tombstones */
  for (int r = 0; r < 20000; r++) {
    snprintf(key, sizeof(key), "tmp%d", r);
    assert_int_equal(g6_strmap_put(&m, key, &vals[0], NULL), G6_OK);
    assert_non_null(g6_strmap_remove(&m, key));
  }
  assert_true(m.cap <= 16384);
  g6_strmap_free(&m);
  assert_null(g6_strmap_get(&m, "x"));
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(put_get_remove_many)};
  return G6_RUN_TESTS(tests);
}
