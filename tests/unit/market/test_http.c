#include "g6_test.h"

#include "market/http.h"

/* Query-string encoding (RFC 3986 unreserved characters pass, every other
 * byte is %XX with upper-case hex), appended to what the buffer holds. */
static void urlencode(void **state) {
  (void)state;
  static const struct {
    const char *in, *want;
  } vecs[] = {
      {"", ""},
      {"NFO:NIFTY25NOV26000CE", "NFO%3ANIFTY25NOV26000CE"},
      {"NSE:NIFTY 50", "NSE%3ANIFTY%2050"},
      {"a-b_c.d~e", "a-b_c.d~e"},
      {"&=?/#%+", "%26%3D%3F%2F%23%25%2B"},
      {"\xc3\xa9\x01\x7f\xff", "%C3%A9%01%7F%FF"},
  };
  for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
    g6_buf b = G6_BUF_INIT;
    g6_buf_puts(&b, "i=");
    assert_int_equal(g6_http_urlencode(&b, vecs[i].in), G6_OK);
    char want[64];
    snprintf(want, sizeof(want), "i=%s", vecs[i].want);
    assert_string_equal(b.data, want);
    assert_int_equal(b.len, strlen(want));
    g6_buf_free(&b);
  }
  /* a bounded buffer takes what fits exactly, refuses what does not and
   * then stays as it was */
  g6_buf b = G6_BUF_INIT;
  b.limit = 8;
  g6_buf_puts(&b, "i=");
  assert_int_equal(g6_http_urlencode(&b, "abcdef"), G6_OK);
  assert_string_equal(b.data, "i=abcdef");
  b.len = 2;
  b.data[2] = '\0';
  assert_int_equal(g6_http_urlencode(&b, "NSE:NIFTY"), G6_ETOOBIG);
  assert_string_equal(b.data, "i=");
  g6_buf_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(urlencode),
  };
  return G6_RUN_TESTS(tests);
}
