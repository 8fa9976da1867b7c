/* No secret stays in memory g6 gives back: a sensitive g6_buf (growth,
 * free, reset, printf's stack copy), the JSON parser in its sensitive mode
 * (strings, keys, numbers, decoded text, a duplicate's old value, a tree
 * abandoned on failure). Every free() and realloc() of libg6
 * is watched (secretspy.h; the binary is linked with --wrap=free,realloc). */
#include "g6_test.h"

#include "core/buf.h"
#include "core/json.h"
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

/* Kite's session answer, and the ways a parse of it can go: every
 * temporary of the parser and every value of the tree is zeroed before it
 * is freed, also when a duplicate key replaces a value and when the text
 * is refused half-way. */
static void json_sensitive(void **state) {
  (void)state;
  static const char *const vecs[] = {
      /* a token longer than a string buffer's first 64 bytes: it grows */
      "{\"status\":\"success\",\"data\":{\"user_id\":\"AB1234\","
      "\"api_key\":\"" KEY "\",\"access_token\":\"" TOK "\","
      "\"refresh_token\":\"\",\"login_time\":\"2025-11-21 08:55:00\"}}",
      /* the token as a key, with escapes, and an integer */
      "{\"" TOK "\":1, \"x\":\"\\u0041" TOK "\\n\", \"n\":123456789}",
      /* a duplicate key: the first value is replaced */
      "{\"access_token\":\"" TOK "\",\"access_token\":\"" KEY "\"}",
      /* refused after the token: the tree built so far is dropped */
      "{\"data\":{\"access_token\":\"" TOK "\",\"api_key\":\"" KEY "\",",
      /* refused inside the token: the half-read string */
      "{\"access_token\":\"" TOK,
  };
  for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
    secretspy_arm(all);
    g6_json *doc = NULL;
    g6_error e;
    g6_status s = g6_json_parse_sensitive(vecs[i], strlen(vecs[i]), &doc, &e);
    assert_int_equal(s, i < 3 ? G6_OK : G6_EPARSE);
    g6_json_free_sensitive(doc);
    char what[64];
    snprintf(what, sizeof(what), "sensitive JSON vector %zu", i);
    assert_no_leak(what);
  }
  /* the same answer sent as UTF-16: the decoded copy is zeroed too */
  const char *src = vecs[0];
  size_t n = strlen(src);
  char *u16 = calloc(2, n);
  for (size_t i = 0; i < n; i++)
    u16[2 * i] = src[i];
  secretspy_arm(all);
  g6_json *doc = NULL;
  g6_error e;
  assert_int_equal(g6_json_parse_sensitive(u16, 2 * n, &doc, &e), G6_OK);
  size_t len = 0;
  const char *tok = g6_json_get_string(
      g6_json_object_get(g6_json_object_get(doc, "data"), "access_token"),
      &len);
  assert_non_null(tok);
  assert_string_equal(tok, TOK);
  g6_json_free_sensitive(doc);
  assert_no_leak("sensitive JSON from UTF-16");
  free(u16);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(buf_growth_and_free),
      cmocka_unit_test(buf_reset_zeroes),
      cmocka_unit_test(buf_printf_stack),
      cmocka_unit_test(json_sensitive),
  };
  return G6_RUN_TESTS(tests);
}
