#include "g6_test.h"

#include "market/quote_cache.h"

static void hit_miss_expire(void **state) {
  (void)state;
  g6_quote_cache *c = g6_quote_cache_new(1.0, 100);
  g6_quote q = {.last_price = 101.5, .fields = G6_QF_LAST_PRICE}, out;
  assert_false(g6_quote_cache_get(c, "NFO:A", 0, &out)); /* miss */
  g6_quote_cache_put(c, "NFO:A", &q, 10.0);
  assert_true(g6_quote_cache_get(c, "NFO:A", 10.5, &out)); /* hit */
  assert_close(out.last_price, 101.5, 0);
  assert_true(g6_quote_cache_get(c, "NFO:A", 11.0, &out)); /* at TTL: hit */
  assert_false(g6_quote_cache_get(c, "NFO:A", 11.01, &out)); /* expired */
  assert_false(g6_quote_cache_get(c, "NFO:A", 11.02, &out)); /* gone: miss */
  g6_quote_cache_stats st;
  g6_quote_cache_get_stats(c, &st);
  assert_int_equal(st.hits, 2);
  assert_int_equal(st.misses, 3);
  assert_int_equal(st.expirations, 1);
  assert_int_equal(st.entries, 0);
  g6_quote_cache_free(c);
}

static void bounded_and_refreshed(void **state) {
  (void)state;
  g6_quote_cache *c = g6_quote_cache_new(1.0, 3);
  g6_quote q = {.last_price = 1}, out;
  char key[32];
  for (int i = 0; i < 5; i++) {
    snprintf(key, sizeof(key), "NFO:K%d", i);
    g6_quote_cache_put(c, key, &q, 0);
  }
  g6_quote_cache_stats st;
  g6_quote_cache_get_stats(c, &st);
  assert_int_equal(st.entries, 3);
  assert_int_equal(st.refused, 2);
  /* refresh keeps one entry; later puts sweep the expired ones */
  q.last_price = 2;
  g6_quote_cache_put(c, "NFO:K0", &q, 0.5);
  g6_quote_cache_put(c, "NFO:K9", &q, 1.2);
  g6_quote_cache_get_stats(c, &st);
  assert_int_equal(st.entries, 2); /* K1, K2 swept; K0 and K9 remain */
  assert_true(g6_quote_cache_get(c, "NFO:K0", 1.2, &out));
  assert_close(out.last_price, 2, 0);
  g6_quote_cache_clear(c);
  assert_false(g6_quote_cache_get(c, "NFO:K9", 1.2, &out));
  g6_quote_cache_free(c);
}

static void disabled_cache(void **state) {
  (void)state;
  g6_quote_cache *c = g6_quote_cache_new(0, 10);
  g6_quote q = {.last_price = 1}, out;
  g6_quote_cache_put(c, "NFO:A", &q, 0);
  assert_false(g6_quote_cache_get(c, "NFO:A", 0, &out));
  g6_quote_cache_free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(hit_miss_expire),
      cmocka_unit_test(bounded_and_refreshed),
      cmocka_unit_test(disabled_cache),
  };
  return G6_RUN_TESTS(tests);
}
