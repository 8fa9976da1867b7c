#include "g6_test.h"

#include "core/buf.h"
#include "core/status.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

static void every_status_has_name_and_message(void **state) {
  (void)state;
  for (int s = 0; s < G6_STATUS_COUNT; s++) {
    assert_non_null(g6_status_name((g6_status)s));
    assert_true(strlen(g6_strerror((g6_status)s)) > 0);
    /* names are unique: they are metric label values */
    for (int t = 0; t < s; t++)
      assert_string_not_equal(g6_status_name((g6_status)s),
                              g6_status_name((g6_status)t));
  }
  assert_string_equal(g6_status_name(G6_OK), "ok");
  assert_string_equal(g6_status_name(G6_ETIMEOUT), "timeout");
  assert_string_equal(g6_status_name(G6_EBELOW_INTRINSIC), "below_intrinsic");
}

static void out_of_range_status_is_safe(void **state) {
  (void)state;
  assert_string_equal(g6_status_name((g6_status)9999), "unknown");
  assert_string_equal(g6_strerror((g6_status)-1), "unknown status");
}

static void errno_mapping(void **state) {
  (void)state;
  assert_int_equal(g6_status_from_errno(ENOSPC), G6_ENOSPC);
  /* a read-only file system (a remount after an I/O error) is its own
   * cause, not a permission problem: the operator looks at the disk */
  assert_int_equal(g6_status_from_errno(EROFS), G6_EROFS);
  assert_string_equal(g6_status_name(g6_status_from_errno(EROFS)), "readonly");
  assert_int_equal(g6_status_from_errno(EACCES), G6_EPERM);
  assert_int_equal(g6_status_from_errno(EPERM), G6_EPERM);
  assert_int_equal(g6_status_from_errno(ENOENT), G6_ENOENT);
  assert_int_equal(g6_status_from_errno(EBADF), G6_EIO);
}

static void error_set_formats_and_returns_code(void **state) {
  (void)state;
  g6_error e;
  assert_int_equal(g6_error_set(&e, G6_EINVAL, "bad %s=%d", "x", 3), G6_EINVAL);
  assert_int_equal(e.code, G6_EINVAL);
  assert_string_equal(e.msg, "bad x=3");
  assert_int_equal(g6_error_set(NULL, G6_EIO, "ignored"), G6_EIO);
  char big[2000];
  memset(big, 'a', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\0';
  g6_error_set(&e, G6_EIO, "%s", big); /* truncates, never overflows */
  assert_int_equal(strlen(e.msg), sizeof(e.msg) - 1);
  g6_error_clear(&e);
  assert_int_equal(e.code, G6_OK);
  assert_string_equal(e.msg, "");
}

static void hex_digits(void **state) {
  (void)state;
  const char *digits = "0123456789abcdef";
  for (int i = 0; i < 16; i++) {
    assert_int_equal(g6_hex_digit(digits[i]), i);
    assert_int_equal(g6_hex_digit(toupper(digits[i])), i);
  }
  const char *not_hex = "gG/:@`xX -\0";
  for (const char *p = not_hex; *p; p++)
    assert_int_equal(g6_hex_digit(*p), -1);
  assert_int_equal(g6_hex_digit(0), -1);
  assert_int_equal(g6_hex_digit(0xe9), -1);
}

static void buf_grows_and_limits(void **state) {
  (void)state;
  g6_buf b = G6_BUF_INIT;
  for (int i = 0; i < 1000; i++)
    assert_int_equal(g6_buf_printf(&b, "%d,", i), G6_OK);
  assert_true(b.len > 2000);
  assert_int_equal(b.data[b.len], '\0');
  assert_memory_equal(b.data, "0,1,2,", 6);
  g6_buf_reset(&b);
  assert_int_equal(b.len, 0);
  b.limit = 10;
  assert_int_equal(g6_buf_puts(&b, "0123456789"), G6_OK);
  assert_int_equal(g6_buf_putc(&b, 'x'), G6_ETOOBIG);
  assert_int_equal(b.len, 10); /* unchanged after a refused append */
  assert_int_equal(g6_buf_printf(&b, "%s", "y"), G6_ETOOBIG);
  char *s = g6_buf_steal(&b);
  assert_string_equal(s, "0123456789");
  free(s);
  s = g6_buf_steal(&b);
  assert_string_equal(s, "");
  free(s);
  g6_buf_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_status_has_name_and_message),
      cmocka_unit_test(out_of_range_status_is_safe),
      cmocka_unit_test(errno_mapping),
      cmocka_unit_test(error_set_formats_and_returns_code),
      cmocka_unit_test(buf_grows_and_limits),
      cmocka_unit_test(hex_digits),
  };
  return G6_RUN_TESTS(tests);
}
