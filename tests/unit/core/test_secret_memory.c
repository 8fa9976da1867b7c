/* No secret stays in memory g6 gives back: a sensitive g6_buf (growth,
 * free, reset, printf's stack copy). Every free() and realloc() of libg6
 * is watched (secretspy.h; the binary is linked with --wrap=free,realloc). */
#include "g6_test.h"

#include "core/buf.h"
#include "secretspy.h"

#define KEY "kq7Zx2Lw9Rt4Vb1N"
#define TOK "TkA9s8d7F6g5H4j3K2l1Zx0Cv9Bn8Mq7We6Rt5Yu4Io3Pa2Sd1Fg0HjKlQwErTyUiOp"
#define REQ "rqP1o2I3u4Y5t6R7"

static const char *const all[] = {KEY, TOK, REQ, NULL};

static void assert_no_leak(const char *what) {
  size_t n = secretspy_disarm();
  if (n != 0)
    fail_msg("%s: %zu block(s) freed holding a secret; %s", what, n,
             secretspy_first);
}

/* A sensitive buffer that grows from 64 bytes to several KiB with the
 * secrets at its start: no old block reaches realloc or free unzeroed,
 * nor does the last one at g6_buf_free. */
static void buf_growth_and_free(void **state) {
  (void)state;
  secretspy_arm(all);
  g6_buf b = G6_BUF_SENSITIVE_INIT;
  assert_int_equal(g6_buf_puts(&b, "api_key=" KEY "&request_token=" REQ),
                   G6_OK);
  for (int i = 0; i < 200; i++)
    assert_int_equal(g6_buf_puts(&b, "&access_token=" TOK), G6_OK);
  assert_non_null(strstr(b.data, KEY));
  assert_true(b.sensitive);
  g6_buf_free(&b);
  assert_true(b.sensitive); /* kept: the buffer may be used again */
  assert_no_leak("sensitive g6_buf grown and freed");
}

/* g6_buf_reset of a sensitive buffer zeroes what it held (the memory is
 * kept, for the next answer of a retried request). */
static void buf_reset_zeroes(void **state) {
  (void)state;
  g6_buf b = G6_BUF_SENSITIVE_INIT;
  assert_int_equal(g6_buf_puts(&b, TOK), G6_OK);
  size_t cap = b.cap;
  g6_buf_reset(&b);
  assert_int_equal(b.len, 0);
  for (size_t i = 0; i < cap; i++)
    if (b.data[i] != '\0')
      fail_msg("byte %zu of the reset buffer is 0x%02x", i,
               (unsigned char)b.data[i]);
  secretspy_arm(all);
  g6_buf_free(&b);
  assert_no_leak("sensitive g6_buf reset and freed");
}

/* g6_buf_printf formats into a 256-byte stack buffer first: for a
 * sensitive buffer it is zeroed before the call returns, so the frame it
 * leaves holds no key, token or secret. */
static void buf_printf_stack(void **state) {
  (void)state;
  g6_buf b = G6_BUF_SENSITIVE_INIT;
  secretspy_arm(all);
  assert_int_equal(g6_buf_printf(&b, "%s%s", KEY, REQ), G6_OK);
  const char *left = secretspy_stack_holds();
  assert_no_leak("g6_buf_printf");
  if (left != NULL)
    fail_msg("g6_buf_printf left \"%s\" on the stack", left);
  assert_string_equal(b.data, KEY REQ);
  g6_buf_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(buf_growth_and_free),
      cmocka_unit_test(buf_reset_zeroes),
      cmocka_unit_test(buf_printf_stack),
  };
  return G6_RUN_TESTS(tests);
}
