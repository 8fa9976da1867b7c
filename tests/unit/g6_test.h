/* Shared boilerplate for g6 unit tests: cmocka with TAP output, so every test
 * binary runs under prove like the integration tests do. */
#ifndef G6_TEST_H
#define G6_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define G6_RUN_TESTS(tests)                                                    \
  (cmocka_set_message_output(CM_OUTPUT_TAP),                                   \
   cmocka_run_group_tests(tests, NULL, NULL))

/* |a - b| <= tol, with both values in the failure message. */
#define assert_close(a, b, tol)                                                \
  do {                                                                         \
    double g6_a_ = (a), g6_b_ = (b), g6_t_ = (tol);                            \
    if (!(fabs(g6_a_ - g6_b_) <= g6_t_))                                       \
      fail_msg("%s = %.17g, expected %.17g (tolerance %g)", #a, g6_a_, g6_b_, \
               g6_t_);                                                         \
  } while (0)

/* A per-test-file temporary directory: G6_TEST_TMPDIR("csv") defines
 * `static char dir[]` and the cmocka group setup/teardown that create and
 * remove it (rm -rf). */
#define G6_TEST_TMPDIR(tag)                                                    \
  static char dir[256];                                                        \
  static int setup(void **state) {                                             \
    (void)state;                                                               \
    snprintf(dir, sizeof(dir), "/tmp/g6-test-" tag "-XXXXXX");                 \
    return mkdtemp(dir) ? 0 : -1;                                              \
  }                                                                            \
  static int teardown(void **state) {                                          \
    (void)state;                                                               \
    char cmd[300];                                                             \
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);                            \
    return system(cmd) == 0 ? 0 : -1;                                          \
  }

#endif
