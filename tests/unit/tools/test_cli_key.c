/* The g6 tool's panels HMAC key (`g6 integrity --key`, `g6 summary
 * --key`, tools/g6/panels_key.c): read from its secret file and freed
 * zeroed. free() and realloc() are watched (secretspy.h). */
#include "g6_test.h"

#include "cmd.h"
#include "secretspy.h"

#include <sys/stat.h>
#include <unistd.h>

G6_TEST_TMPDIR("clikey")

#define HMAC_KEY "hK3mZ8qW1xR6tY9uP2oL5nB7vC4"

static void key_freed_zeroed(void **state) {
  (void)state;
  char path[300];
  snprintf(path, sizeof(path), "%s/key", dir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(HMAC_KEY "\n", f);
  fclose(f);
  assert_int_equal(chmod(path, 0600), 0);
  const char *const armed[] = {HMAC_KEY, NULL};
  secretspy_arm(armed);
  char *key = NULL;
  size_t len = 0;
  assert_int_equal(g6_cli_read_key("integrity", path, &key, &len), G6_EXIT_OK);
  assert_non_null(key);
  assert_int_equal(len, strlen(HMAC_KEY));
  assert_memory_equal(key, HMAC_KEY, len);
  g6_cli_free_key(key, len);
  size_t leaks = secretspy_disarm();
  if (leaks != 0)
    fail_msg("%zu block(s) freed holding the key; %s", leaks, secretspy_first);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(key_freed_zeroed),
  };
  cmocka_set_message_output(CM_OUTPUT_TAP);
  return cmocka_run_group_tests(tests, setup, teardown);
}
