#include "g6_test.h"

#include "core/array.h"

#include <stdint.h>

/* Appending 10,000 elements keeps every one, doubling from the first
 * capacity; a full array that cannot grow is left as it was. */
static void appends_keep_everything(void **state) {
  (void)state;
  int *v = NULL;
  size_t n = 0, cap = 0;
  for (int i = 0; i < 10000; i++) {
    assert_true(g6_array_room(&v, &cap, n, sizeof(*v), 16));
    assert_true(cap > n);
    v[n++] = i * 3;
  }
  assert_int_equal(cap, 16384);
  for (int i = 0; i < 10000; i++)
    assert_int_equal(v[i], i * 3);
  /* room already: nothing moves */
  int *before = v;
  assert_true(g6_array_room(&v, &cap, n, sizeof(*v), 16));
  assert_ptr_equal(v, before);
  free(v);
}

static void overflow_is_refused(void **state) {
  (void)state;
  char *v = NULL;
  size_t cap = SIZE_MAX / 2 + 1, n = cap;
  assert_false(g6_array_room(&v, &cap, n, 1, 16)); /* doubling wraps */
  assert_null(v);
  size_t cap2 = 0;
  assert_false(g6_array_room(&v, &cap2, 0, SIZE_MAX / 4, 16));
  assert_null(v);
  assert_int_equal(cap2, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(appends_keep_everything),
      cmocka_unit_test(overflow_is_refused),
  };
  return G6_RUN_TESTS(tests);
}
