/* core/pages: page-backed arrays keep their bytes across growth and
 * shrinking, read new bytes as zero, and never come from malloc (the
 * allocator's statistics do not move). */
#include "g6_test.h"

#include "core/pages.h"

#include <malloc.h>
#include <stdint.h>
#include <string.h>

static void grows_keeps_and_zeroes(void **state) {
  (void)state;
  size_t n = 1000;
  uint32_t *a = g6_pages_resize(NULL, 0, n * sizeof(*a));
  assert_non_null(a);
  for (size_t i = 0; i < n; i++)
    assert_int_equal(a[i], 0);
  for (size_t i = 0; i < n; i++)
    a[i] = (uint32_t)i * 7u;
  /* doubling up to 16 MiB, as a table filling up does */
  for (size_t m = n * 2; m <= (4u << 20); m *= 2) {
    uint32_t *b = g6_pages_resize(a, n * sizeof(*a), m * sizeof(*a));
    assert_non_null(b);
    for (size_t i = 0; i < n; i++)
      assert_int_equal(b[i], (uint32_t)i * 7u);
    for (size_t i = n; i < m; i++)
      assert_int_equal(b[i], 0);
    for (size_t i = n; i < m; i++)
      b[i] = (uint32_t)i * 7u;
    a = b;
    n = m;
  }
  /* shrinking keeps the head */
  uint32_t *c = g6_pages_resize(a, n * sizeof(*a), 3 * sizeof(*a));
  assert_non_null(c);
  assert_int_equal(c[2], 14);
  assert_null(g6_pages_resize(c, 3 * sizeof(*c), 0)); /* frees */
  g6_pages_free(NULL, 0);
}

/* What the module exists for: a 16 MiB array grown and freed leaves
 * malloc's arenas and its mmap'ed chunks as they were (with realloc, the
 * freed chunk raises glibc's mmap threshold and later arrays stay in an
 * arena after their free). */
static void never_touches_malloc(void **state) {
  (void)state;
  struct mallinfo2 before = mallinfo2();
  size_t bytes = 0;
  char *p = NULL;
  for (size_t want = 64u << 10; want <= (16u << 20); want *= 2) {
    p = g6_pages_resize(p, bytes, want);
    assert_non_null(p);
    memset(p + bytes, 0x5a, want - bytes);
    bytes = want;
  }
  struct mallinfo2 during = mallinfo2();
  g6_pages_free(p, bytes);
  struct mallinfo2 after = mallinfo2();
  assert_true(during.hblkhd == before.hblkhd); /* no mmap'ed chunk */
  assert_true(during.uordblks == before.uordblks);
  assert_true(after.arena == before.arena);
}

/* The system refusing: an impossible size fails and leaves the array. */
static void refusal_leaves_the_array(void **state) {
  (void)state;
  char *p = g6_pages_resize(NULL, 0, 4096);
  assert_non_null(p);
  p[0] = 'k';
  assert_null(g6_pages_resize(p, 4096, SIZE_MAX - 10));
  assert_int_equal(p[0], 'k');
  g6_pages_free(p, 4096);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(grows_keeps_and_zeroes),
      cmocka_unit_test(never_touches_malloc),
      cmocka_unit_test(refusal_leaves_the_array),
  };
  return G6_RUN_TESTS(tests);
}
