#include "g6_test.h"

#include "core/buf.h"
#include "core/clock.h"
#include "core/json.h"

/* canonical(parse(in)) == want */
static void canon_is(const char *in, const char *want) {
  g6_json *v = NULL;
  g6_error e;
  if (g6_json_parse(in, strlen(in), &v, &e) != G6_OK)
    fail_msg("parse of %s failed: %s", in, e.msg);
  g6_buf b = G6_BUF_INIT;
  assert_int_equal(g6_json_dump_canonical(v, &b), G6_OK);
  if (strcmp(b.data, want) != 0)
    fail_msg("canonical(%s) = %s, want %s", in, b.data, want);
  g6_buf_free(&b);
  g6_json_free(v);
}

static void hash_is(const char *in, const char *want) {
  g6_json *v = NULL;
  g6_error e;
  assert_int_equal(g6_json_parse(in, strlen(in), &v, &e), G6_OK);
  char hex[65];
  assert_int_equal(g6_json_canonical_sha256(v, hex), G6_OK);
  assert_string_equal(hex, want);
  g6_json_free(v);
}

/* Reference doc §6.2: hashes verified against the old platform's panels. */
static void panel_hash_vectors(void **state) {
  (void)state;
  hash_is("[]",
          "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945");
  hash_is("{}",
          "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
  hash_is("{\"version\": \"dev\", \"metrics_url\": null}",
          "c8ade8962804648f0a697b5eea49d1489056cc8cc93d201324473974c4f260fa");
  hash_is("{\"memory_rss_mb\": null, \"last_duration\": 0.642, "
          "\"interval\": 60, \"cycle\": 40105}",
          "6d834b22f38cdb08d5f86b598e3b7085c8671a9e699f0525356430046fc2d7d5");
  hash_is("{\"pcr\": 1.22, \"max_pain\": {\"SENSEX\": 22385, \"NIFTY\": 19250, "
          "\"FINNIFTY\": 20416, \"BANKNIFTY\": 22615}}",
          "325afa48cfc906d844ff39df2784994f7ee1fa5665ec067c4f281ecd02ca5b45");
}

static void repr_is(double d, const char *want) {
  char buf[32];
  g6_repr_double(d, buf);
  if (strcmp(buf, want) != 0)
    fail_msg("repr(%.17g) = %s, want %s", d, buf, want);
}

/* Values checked against CPython 3.11 repr(). */
static void python_float_repr(void **state) {
  (void)state;
  repr_is(0.0, "0.0");
  repr_is(-0.0, "-0.0");
  repr_is(1.0, "1.0");
  repr_is(1502.89, "1502.89");
  repr_is(1502.8899999999999, "1502.8899999999999");
  repr_is(0.1 + 0.2, "0.30000000000000004");
  repr_is(1e16, "1e+16");
  repr_is(1e15, "1000000000000000.0");
  repr_is(123456789012345678.0, "1.2345678901234568e+17");
  repr_is(0.0001, "0.0001");
  repr_is(0.00001, "1e-05");
  repr_is(1.5e-7, "1.5e-07");
  repr_is(-2.5e-300, "-2.5e-300");
  repr_is(1.7976931348623157e308, "1.7976931348623157e+308");
  repr_is(5e-324, "5e-324");
  repr_is(24800.0, "24800.0");
  repr_is(0.642, "0.642");
  repr_is(1.075, "1.075");
  repr_is(9007199254740993.0, "9007199254740992.0");
  repr_is(NAN, "nan");
  repr_is(INFINITY, "inf");
  repr_is(-INFINITY, "-inf");
}

/* Significant digits of a repr string ("0.00120" style not produced). */
static int sig_digits(const char *s) {
  int n = 0, started = 0;
  for (; *s && *s != 'e'; s++) {
    if (*s < '0' || *s > '9')
      continue;
    if (*s != '0')
      started = 1;
    if (started)
      n++;
  }
  /* trailing zeros of an integer part ("1200.0") are not significant */
  return n;
}

/* The repr of many price-like and arbitrary values round-trips and uses the
 * fewest significant digits any round-tripping form has (brute force). */
static void repr_is_shortest_roundtrip(void **state) {
  (void)state;
  uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 200000; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    double d;
    switch (i % 4) {
    case 0: /* a price with 0-4 decimals */
      d = (double)(x % 100000000ull) / pow(10, (double)((x >> 60) % 5));
      break;
    case 1: /* IV / Greek like */
      d = (double)(x >> 11) * 0x1.0p-53;
      break;
    case 2: /* wide range */
      d = ((double)(x >> 11) * 0x1.0p-53) * pow(10, (double)((x >> 3) % 40) - 20);
      break;
    default: /* integers and halves */
      d = (double)(x % 2000000) / 2.0;
    }
    char buf[32];
    g6_repr_double(d, buf);
    if (strtod(buf, NULL) != d)
      fail_msg("repr(%.17g) = %s does not round-trip", d, buf);
    int want = 17;
    for (int p = 1; p <= 17; p++) {
      char t[40];
      snprintf(t, sizeof(t), "%.*e", p - 1, d);
      if (strtod(t, NULL) == d) {
        want = p;
        break;
      }
    }
    int got = sig_digits(buf);
    /* "1200.0" prints integer zeros that are not significant */
    if (got != want && !(d == floor(d) && got >= want))
      fail_msg("repr(%.17g) = %s has %d significant digits, shortest is %d", d,
               buf, got, want);
  }
}

static void canonical_escapes_and_numbers(void **state) {
  (void)state;
  canon_is("{\"b\":1,\"a\":[true,false,null]}",
           "{\"a\":[true,false,null],\"b\":1}");
  canon_is("\"caf\xc3\xa9 \xe2\x82\xb9 \xf0\x9f\x98\x80\"",
           "\"caf\\u00e9 \\u20b9 \\ud83d\\ude00\"");
  canon_is("\"\\u0000\\u001f\\u007f\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
           "\"\\u0000\\u001f\\u007f\\\"\\\\/\\b\\f\\n\\r\\t\"");
  canon_is("[1.0, 1E2, -0, -0.0, 1e400, -1e400, 12345678901234567890123]",
           "[1.0,100.0,0,-0.0,Infinity,-Infinity,12345678901234567890123]");
  canon_is("[0.5e-6, 2.50, 1e-7]", "[5e-07,2.5,1e-07]");
  /* duplicate keys keep the last value, like Python's json.loads */
  canon_is("{\"a\":1,\"a\":2}", "{\"a\":2}");
  /* keys sort by code point (UTF-8 byte order), "Z" < "a" < "\u00e9" */
  canon_is("{\"\xc3\xa9\":1,\"a\":2,\"Z\":3,\"\":4}",
           "{\"\":4,\"Z\":3,\"a\":2,\"\\u00e9\":1}");
}

static void parse_rejects_garbage(void **state) {
  (void)state;
  const char *bad[] = {"",          "{",       "[1,]",       "{\"a\"}",
                       "[1] [2]",   "nul",     "\"\xff\"",   "01",
                       "{'a':1}",   "[1,2",    "\"abc",      "{\"a\":1,}"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    g6_json *v = NULL;
    g6_error e;
    if (g6_json_parse(bad[i], strlen(bad[i]), &v, &e) == G6_OK)
      fail_msg("accepted %s", bad[i]);
    assert_null(v);
    assert_non_null(strstr(e.msg, "JSON"));
  }
  /* nesting bomb is refused, not a stack overflow */
  size_t n = 100000;
  char *deep = malloc(n + 1);
  memset(deep, '[', n);
  deep[n] = '\0';
  g6_json *v = NULL;
  g6_error e;
  assert_int_equal(g6_json_parse(deep, n, &v, &e), G6_ETOOBIG);
  free(deep);
}

/* A limited parse stops at its value budget: a 2-byte-a-value text does
 * not become ~100 bytes a value of tree (a 64 MiB panel of "0," took
 * 3.4 GB to verify). */
static void value_limit(void **state) {
  (void)state;
  g6_json *v = NULL;
  g6_error e;
  /* [0,0,0] is 4 values, {"a":[1]} is 3 */
  assert_int_equal(
      g6_json_parse_limited("[0,0,0]", 7, G6_JSON_BYTES, 4, &v, &e), G6_OK);
  assert_int_equal(g6_json_count(v), 3);
  g6_json_free(v);
  v = NULL;
  assert_int_equal(
      g6_json_parse_limited("[0,0,0]", 7, G6_JSON_BYTES, 3, &v, &e),
      G6_ERANGE);
  assert_null(v);
  assert_non_null(strstr(e.msg, "more than 3 values"));
  assert_int_equal(g6_json_parse_limited("{\"a\":[1]}", 9,
                                         G6_JSON_UTF8_TEXT, 3, &v, &e),
                   G6_OK);
  g6_json_free(v);
  v = NULL;
  /* a million values in 2 MB of text: refused at 1000, not built */
  size_t n = 1000000;
  char *big = malloc(2 * n + 2);
  big[0] = '[';
  for (size_t i = 0; i < n; i++) {
    big[1 + 2 * i] = '0';
    big[2 + 2 * i] = ',';
  }
  big[2 * n] = ']';
  assert_int_equal(
      g6_json_parse_limited(big, 2 * n + 1, G6_JSON_BYTES, 1000, &v, &e),
      G6_ERANGE);
  assert_null(v);
  /* 0 is no limit */
  assert_int_equal(
      g6_json_parse_limited(big, 2 * n + 1, G6_JSON_BYTES, 0, &v, &e), G6_OK);
  assert_int_equal(g6_json_count(v), n);
  g6_json_free(v);
  free(big);
}

/* What Python's json.loads accepts beyond RFC 8259, and how Python pairs
 * surrogate escapes (the two divergences fixed in issue 13). */
static void python_extensions(void **state) {
  (void)state;
  canon_is("[NaN, Infinity, -Infinity, 1e999, {\"x\": NaN}]",
           "[NaN,Infinity,-Infinity,Infinity,{\"x\":NaN}]");
  /* a mismatched pair stays two code points; a lone high stays lone */
  canon_is("[\"\\ud83d\\u0041\", \"\\ud83d\", \"\\udc00\", "
           "\"\\ud800\\ud800\\udc00\"]",
           "[\"\\ud83dA\",\"\\ud83d\",\"\\udc00\","
           "\"\\ud800\\ud800\\udc00\"]");
  /* a pair joins (either hex case); the joined code point sorts after
   * U+E000 and a lone high before it, like Python's str order */
  canon_is("{\"\\uD83D\\uDE00\":1,\"\\ue000\":2,\"\\ud800\":3}",
           "{\"\\ud800\":3,\"\\ue000\":2,\"\\ud83d\\ude00\":1}");
  /* a surrogate encoded in the UTF-8 text (json.loads(bytes) decodes with
   * surrogatepass) */
  canon_is("[\"\xed\xa0\xbd\"]", "[\"\\ud83d\"]");
  /* encodings json.detect_encoding finds in bytes */
  static const struct {
    const char *bytes;
    size_t len;
  } enc[] = {
      {"\xef\xbb\xbf[1]", 6},                          /* UTF-8 BOM */
      {"[\x00" "1\x00" "]\x00", 6},                          /* UTF-16-LE */
      {"\x00[" "\x00" "1\x00]", 6},                          /* UTF-16-BE */
      {"\xff\xfe[\x00" "1\x00" "]\x00", 8},                  /* UTF-16 BOM */
      {"[\x00\x00\x00" "1\x00\x00\x00" "]\x00\x00\x00", 12},  /* UTF-32-LE */
      {"\x00\x00\xfe\xff\x00\x00\x00[\x00\x00\x00" "1\x00\x00\x00]", 16},
  };
  for (size_t i = 0; i < sizeof(enc) / sizeof(enc[0]); i++) {
    g6_json *v = NULL;
    g6_error e;
    if (g6_json_parse(enc[i].bytes, enc[i].len, &v, &e) != G6_OK)
      fail_msg("encoding vector %zu: %s", i, e.msg);
    g6_buf b = G6_BUF_INIT;
    assert_int_equal(g6_json_dump_canonical(v, &b), G6_OK);
    assert_string_equal(b.data, "[1]");
    g6_buf_free(&b);
    g6_json_free(v);
  }
  /* the old checker's open(encoding="utf-8") + json.load: no BOM, no
   * encoded surrogates (UnicodeDecodeError = G6_EINVAL) */
  g6_json *v = NULL;
  g6_error e;
  assert_int_equal(g6_json_parse_mode("\xef\xbb\xbf[1]", 6, G6_JSON_UTF8_TEXT,
                                      &v, &e),
                   G6_EPARSE);
  assert_int_equal(g6_json_parse_mode("[\"\xed\xa0\xbd\"]", 7,
                                      G6_JSON_UTF8_TEXT, &v, &e),
                   G6_EINVAL);
  assert_int_equal(g6_json_parse_mode("[NaN]", 5, G6_JSON_UTF8_TEXT, &v, &e),
                   G6_OK);
  g6_json_free(v);
  /* not what Python accepts either */
  const char *bad[] = {"nan",   "-NaN",  "+Infinity", "infinity", "-Inf",
                       "[1.]",  "[.5]",  "[1e]",      "\"\\u12\"", "\"\\x\"",
                       "[\"\t\"]", "\"\\ud800\\uzzzz\""};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    v = NULL;
    if (g6_json_parse(bad[i], strlen(bad[i]), &v, &e) == G6_OK)
      fail_msg("accepted %s", bad[i]);
    assert_int_equal(e.code, G6_EPARSE);
  }
  /* UTF-16 with an odd byte count, a code point above U+10FFFF */
  assert_int_equal(g6_json_parse("[\x00" "1\x00]", 5, &v, &e), G6_EINVAL);
  assert_int_equal(g6_json_parse("\x00\x00\x00[\x00\x11\x00\x00", 8, &v, &e),
                   G6_EINVAL);
  /* strings built from C may hold lone surrogates too */
  g6_json *s = g6_json_string("\xed\xb0\x80");
  g6_buf b = G6_BUF_INIT;
  assert_int_equal(g6_json_dump_canonical(s, &b), G6_OK);
  assert_string_equal(b.data, "\"\\udc00\"");
  g6_buf_free(&b);
  g6_json_free(s);
}

static void build_and_access(void **state) {
  (void)state;
  g6_json *o = g6_json_object();
  assert_int_equal(g6_json_object_set(o, "n", g6_json_int(-42)), G6_OK);
  assert_int_equal(g6_json_object_set(o, "x", g6_json_real(0.5)), G6_OK);
  assert_int_equal(g6_json_object_set(o, "s", g6_json_string("hi")), G6_OK);
  g6_json *a = g6_json_array();
  assert_int_equal(g6_json_array_push(a, g6_json_null()), G6_OK);
  assert_int_equal(g6_json_object_set(o, "a", a), G6_OK);
  assert_int_equal(g6_json_object_set(o, "x", g6_json_real(1.5)), G6_OK);
  assert_int_equal(g6_json_count(o), 4);
  assert_close(g6_json_get_number(g6_json_object_get(o, "x")), 1.5, 0);
  assert_string_equal(g6_json_get_int_text(g6_json_object_get(o, "n")), "-42");
  assert_string_equal(g6_json_get_string(g6_json_object_get(o, "s"), NULL),
                      "hi");
  assert_null(g6_json_object_get(o, "missing"));
  assert_int_equal(g6_json_array_push(o, g6_json_null()), G6_EINVAL);
  assert_int_equal(g6_json_object_set(o, "z", NULL), G6_ENOMEM);
  g6_buf b = G6_BUF_INIT;
  assert_int_equal(g6_json_dump_canonical(o, &b), G6_OK);
  assert_string_equal(b.data, "{\"a\":[null],\"n\":-42,\"s\":\"hi\",\"x\":1.5}");
  g6_buf_reset(&b);
  assert_int_equal(g6_json_dump_pretty(o, &b), G6_OK);
  assert_string_equal(b.data, "{\n  \"a\": [\n    null\n  ],\n  \"n\": -42,\n"
                              "  \"s\": \"hi\",\n  \"x\": 1.5\n}\n");
  g6_buf_free(&b);
  g6_json_free(o);
  /* invalid UTF-8 built from C is refused at dump time */
  g6_json *s = g6_json_string("\xc3\x28");
  g6_buf c = G6_BUF_INIT;
  assert_int_equal(g6_json_dump_canonical(s, &c), G6_EINVAL);
  g6_buf_free(&c);
  g6_json_free(s);
  assert_null(g6_json_int_text("12a"));
  assert_null(g6_json_int_text("-"));
  g6_json *z = g6_json_int_text("-000");
  assert_string_equal(g6_json_get_int_text(z), "0");
  g6_json_free(z);
}

/* An object of many keys (a manifest listing 100000 files, 8 MB, well
 * under the 64 MiB the readers allow) parses in linear time: each key used
 * to be compared with every earlier one, 18 s for 100000 keys (minutes for
 * the largest file allowed, in g6 integrity, g6 summary and g6_panels'
 * sweep). Duplicate keys keep Python's meaning past the size where keys
 * are hashed: the last value wins, in the first key's place. */
static void many_keys_in_linear_time(void **state) {
  (void)state;
  enum { N = 100000 };
  g6_buf t = G6_BUF_INIT;
  assert_int_equal(g6_buf_putc(&t, '{'), G6_OK);
  for (int i = 0; i < N; i++)
    assert_int_equal(g6_buf_printf(&t, "%s\"f%d.json\": %d", i ? ", " : "",
                                   i, i),
                     G6_OK);
  /* a duplicate of an early key at the end */
  assert_int_equal(g6_buf_puts(&t, ", \"f3.json\": -3}"), G6_OK);
  double t0 = g6_monotonic_now();
  g6_json *v = NULL;
  g6_error e;
  assert_int_equal(g6_json_parse(t.data, t.len, &v, &e), G6_OK);
  double took = g6_monotonic_now() - t0;
  if (took > 5)
    fail_msg("parsing %d keys took %.1f s", N, took);
  assert_int_equal(g6_json_count(v), N);
  assert_int_equal((int)g6_json_get_number(g6_json_object_get(v, "f3.json")),
                   -3);
  size_t kl;
  assert_string_equal(g6_json_object_key(v, 3, &kl), "f3.json");
  assert_int_equal(
      (int)g6_json_get_number(g6_json_object_get(v, "f99999.json")), 99999);
  assert_null(g6_json_object_get(v, "f100000.json"));
  assert_int_equal(
      g6_json_object_set(v, "f7.json", g6_json_real(7.5)), G6_OK);
  assert_true(g6_json_get_number(g6_json_object_get(v, "f7.json")) == 7.5);
  assert_int_equal(g6_json_count(v), N);
  g6_json_free(v);
  g6_buf_free(&t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(panel_hash_vectors),
      cmocka_unit_test(python_float_repr),
      cmocka_unit_test(repr_is_shortest_roundtrip),
      cmocka_unit_test(canonical_escapes_and_numbers),
      cmocka_unit_test(parse_rejects_garbage),
      cmocka_unit_test(python_extensions),
      cmocka_unit_test(value_limit),
      cmocka_unit_test(build_and_access),
      cmocka_unit_test(many_keys_in_linear_time),
  };
  return G6_RUN_TESTS(tests);
}
