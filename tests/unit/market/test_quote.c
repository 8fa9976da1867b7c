#include "g6_test.h"

#include "core/fsutil.h"
#include "core/ist.h"
#include "market/quote.h"

static char *read_corpus(const char *name, size_t *len) {
  char path[512], *text = NULL;
  g6_error e;
  const char *root = getenv("G6_ROOT");
  snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/quote/%s",
           root ? root : ".", name);
  if (g6_read_file(path, 1 << 20, &text, len, &e) != G6_OK)
    fail_msg("%s", e.msg);
  return text;
}

/* The parser g6 uses and the yajl-only reference read `body` alike: same
 * status and message, the same quotes byte for byte, the same counts.
 * Returns whether the fast path (simdjson) took the body. */
static bool same_as_reference(const char *name, const char *body, size_t len) {
  const char *keys[] = {"NFO:A",     "NFO:B",        "NSE:INFY",
                        "NSE:TCS",   "BSE:SENSEX",   "NSE:NIFTY 50",
                        "NFO:NIFTY25NOV26000CE"};
  size_t nk = sizeof(keys) / sizeof(keys[0]);
  g6_quote_table *a = g6_quote_table_new(keys, nk);
  g6_quote_table *b = g6_quote_table_new(keys, nk);
  g6_quote_parse_info ia, ib;
  memset(&ia, 0, sizeof(ia));
  memset(&ib, 0, sizeof(ib));
  g6_error ea, eb;
  g6_error_clear(&ea);
  g6_error_clear(&eb);
  g6_status sa = g6_quote_parse(a, body, len, 0, &ia, &ea);
  g6_status sb = g6_quote_parse_reference(b, body, len, 0, &ib, &eb);
  if (sa != sb || (sa != G6_OK && strcmp(ea.msg, eb.msg) != 0))
    fail_msg("%s: %s \"%s\" but the reference gives %s \"%s\"", name,
             g6_status_name(sa), ea.msg, g6_status_name(sb), eb.msg);
  if (ia.quotes != ib.quotes || ia.incomplete != ib.incomplete ||
      ia.malformed != ib.malformed ||
      strcmp(ia.malformed_first, ib.malformed_first) != 0 ||
      ia.unexpected != ib.unexpected || ia.is_error != ib.is_error ||
      ia.bad_times != ib.bad_times ||
      strcmp(ia.bad_time_first, ib.bad_time_first) != 0 ||
      strcmp(ia.error_type, ib.error_type) != 0 ||
      strcmp(ia.message, ib.message) != 0 || ia.bytes != ib.bytes)
    fail_msg("%s: the counts differ from the reference's", name);
  if (ib.fast_path)
    fail_msg("%s: the reference took the fast path", name);
  for (size_t i = 0; i < nk; i++) {
    const g6_quote *qa = g6_quote_table_get(a, i);
    const g6_quote *qb = g6_quote_table_get(b, i);
    if ((qa == NULL) != (qb == NULL) ||
        (qa != NULL && memcmp(qa, qb, sizeof(*qa)) != 0))
      fail_msg("%s: quote %s differs from the reference's", name, keys[i]);
  }
  g6_quote_table_free(a);
  g6_quote_table_free(b);
  return ia.fast_path;
}

/* Zerodha's /quote sample: every field and the depth. */
static void kite_full_quote(void **state) {
  (void)state;
  size_t len;
  char *text = read_corpus("kite_quote.json", &len);
  const char *keys[] = {"NSE:INFY", "NSE:TCS"};
  g6_quote_table *t = g6_quote_table_new(keys, 2);
  g6_quote_parse_info info;
  g6_error e;
  assert_int_equal(g6_quote_parse(t, text, len, 0, &info, &e), G6_OK);
  assert_int_equal(g6_quote_table_found(t), 1);
  assert_null(g6_quote_table_lookup(t, "NSE:TCS"));
  const g6_quote *q = g6_quote_table_lookup(t, "NSE:INFY");
  assert_non_null(q);
  assert_close(q->last_price, 1412.95, 1e-9);
  assert_int_equal(q->volume, 7360198);
  assert_int_equal(q->oi, 0);
  assert_close(q->average_price, 1412.47, 1e-9);
  assert_close(q->open, 1396, 0);
  assert_close(q->high, 1421.75, 1e-9);
  assert_close(q->low, 1395.55, 1e-9);
  assert_close(q->close, 1389.65, 1e-9);
  assert_int_equal(q->buy_quantity, 0);
  assert_int_equal(q->sell_quantity, 5191);
  assert_close(q->bid, 0, 0); /* empty buy side */
  assert_close(q->ask, 1412.95, 1e-9);
  assert_int_equal(q->ask_qty, 5191);
  assert_int_equal(q->depth_sell_qty, 5191);
  assert_int_equal(q->depth_buy_qty, 0);
  assert_int_equal(q->depth_levels, 1);
  assert_int_equal(q->instrument_token, 408065);
  g6_date d = {2021, 6, 8};
  assert_int_equal(q->timestamp, g6_ist_epoch(d, 15, 45, 56));
  unsigned want = G6_QF_LAST_PRICE | G6_QF_VOLUME | G6_QF_OI |
                  G6_QF_AVERAGE_PRICE | G6_QF_OHLC | G6_QF_DEPTH |
                  G6_QF_BUY_QUANTITY | G6_QF_SELL_QUANTITY | G6_QF_TIMESTAMP |
                  G6_QF_TOKEN;
  assert_int_equal(q->fields, want);
  assert_int_equal(info.quotes, 1);
  assert_int_equal(info.unexpected, 0);
  g6_quote_table_free(t);
  free(text);
}

/* /quote/ltp and /quote/ohlc: optional fields missing is fine. */
static void kite_ltp_and_ohlc(void **state) {
  (void)state;
  const char *keys[] = {"NSE:INFY"};
  const char *files[] = {"kite_ltp.json", "kite_ohlc.json"};
  for (int i = 0; i < 2; i++) {
    size_t len;
    char *text = read_corpus(files[i], &len);
    g6_quote_table *t = g6_quote_table_new(keys, 1);
    g6_error e;
    assert_int_equal(g6_quote_parse(t, text, len, 0, NULL, &e), G6_OK);
    const g6_quote *q = g6_quote_table_lookup(t, "NSE:INFY");
    assert_non_null(q);
    assert_close(q->last_price, i == 0 ? 1074.35 : 1075, 1e-9);
    assert_int_equal(q->instrument_token, 408065);
    assert_int_equal(!!(q->fields & G6_QF_OHLC), i == 1);
    assert_false(q->fields & G6_QF_DEPTH);
    g6_quote_table_free(t);
    free(text);
  }
}

static void kite_error_envelope(void **state) {
  (void)state;
  size_t len;
  char *text = read_corpus("kite_error.json", &len);
  const char *keys[] = {"NSE:INFY"};
  g6_quote_table *t = g6_quote_table_new(keys, 1);
  g6_quote_parse_info info;
  g6_error e;
  assert_int_equal(g6_quote_parse(t, text, len, 0, &info, &e), G6_EHTTP);
  assert_true(info.is_error);
  assert_string_equal(info.error_type, "TokenException");
  assert_non_null(strstr(info.message, "Incorrect"));
  assert_int_equal(g6_quote_error_status(info.error_type), G6_EAUTH);
  /* Kite's exception types, each its own status; only the token one is
   * about credentials */
  static const struct {
    const char *type;
    g6_status st;
  } types[] = {{"PermissionException", G6_EFORBIDDEN},
               {"InputException", G6_EBADREQUEST},
               {"NetworkException", G6_EUPSTREAM},
               {"DataException", G6_EUPSTREAM_DATA},
               {"GeneralException", G6_EPROVIDER},
               {"OrderException", G6_EHTTP},
               {"", G6_EHTTP}};
  for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
    assert_int_equal(g6_quote_error_status(types[i].type), types[i].st);
  g6_quote_table_free(t);
  free(text);
}

typedef struct vec {
  const char *name;
  const char *body;
  g6_status want;
  const char *msg_part; /* NULL: not checked */
} vec;

#define Q1 "{\"last_price\":10.5,\"volume\":3}"

static void envelope_and_schema_vectors(void **state) {
  (void)state;
  static const vec vecs[] = {
      {"ok", "{\"status\":\"success\",\"data\":{\"NFO:A\":" Q1 "}}", G6_OK, NULL},
      {"status last", "{\"data\":{\"NFO:A\":" Q1 "},\"status\":\"success\"}",
       G6_OK, NULL},
      {"extra fields everywhere",
       "{\"status\":\"success\",\"x\":[1,{\"y\":null}],\"data\":{\"NFO:A\":{"
       "\"z\":{\"a\":[[],{}]},\"last_price\":1,\"ohlc\":{\"open\":1,\"w\":2},"
       "\"depth\":{\"buy\":[{\"price\":1,\"quantity\":2,\"orders\":1,\"q\":[]}]"
       ",\"other\":3}}}}",
       G6_OK, NULL},
      {"nulls are absent",
       "{\"status\":\"success\",\"data\":{\"NFO:A\":{\"last_price\":1,"
       "\"volume\":null,\"ohlc\":null,\"depth\":null,\"timestamp\":null}}}",
       G6_OK, NULL},
      {"empty data", "{\"status\":\"success\",\"data\":{}}", G6_OK, NULL},
      {"unrequested key only",
       "{\"status\":\"success\",\"data\":{\"NFO:ZZ\":" Q1 "}}", G6_OK, NULL},
      {"no status", "{\"data\":{\"NFO:A\":" Q1 "}}", G6_EPROTO, "status"},
      {"odd status", "{\"status\":\"ok\",\"data\":{}}", G6_EPROTO, "status"},
      {"status not string", "{\"status\":1,\"data\":{}}", G6_EPROTO,
       "\"status\" is a number"},
      {"no data", "{\"status\":\"success\"}", G6_EPROTO, "data"},
      {"data array", "{\"status\":\"success\",\"data\":[]}", G6_EPROTO,
       "\"data\" is an array"},
      {"data twice",
       "{\"status\":\"success\",\"data\":{},\"data\":{}}", G6_EPROTO, "twice"},
      {"quote not object",
       "{\"status\":\"success\",\"data\":{\"NFO:A\":5}}", G6_EPROTO,
       "data[\"NFO:A\"] is a number"},
      {"last_price string (drift)",
       "{\"status\":\"success\",\"data\":{\"NFO:A\":{\"last_price\":\"1\"}}}",
       G6_EPROTO, "field \"last_price\" of \"NFO:A\" is a string"},
      {"renamed last_price (drift)",
       "{\"status\":\"success\",\"data\":{\"NFO:A\":{\"lastPrice\":1}}}",
       G6_EPROTO, "last_price"},
      {"ohlc array", "{\"status\":\"success\",\"data\":{\"NFO:A\":{"
                     "\"last_price\":1,\"ohlc\":[1,2]}}}",
       G6_EPROTO, "ohlc"},
      {"depth level not object",
       "{\"status\":\"success\",\"data\":{\"NFO:A\":{\"last_price\":1,"
       "\"depth\":{\"buy\":[1]}}}}",
       G6_EPROTO, "depth level"},
      {"volume huge", "{\"status\":\"success\",\"data\":{\"NFO:A\":{"
                      "\"last_price\":1,\"volume\":1e300}}}",
       G6_EPROTO, "is not a whole number within +-9.2e18"},
      {"duplicate key",
       "{\"status\":\"success\",\"data\":{\"NFO:A\":" Q1 ",\"NFO:A\":" Q1 "}}",
       G6_EPROTO, "twice"},
      {"top-level array", "[]", G6_EPROTO, "top level"},
      {"error envelope", "{\"status\":\"error\",\"error_type\":"
                         "\"NetworkException\",\"message\":\"Too many "
                         "requests\",\"data\":null}",
       G6_EHTTP, "NetworkException: Too many requests"},
      {"error without type", "{\"status\":\"error\",\"message\":\"x\"}",
       G6_EPROTO, "error_type"},
      {"truncated", "{\"status\":\"success\",\"data\":{\"NFO:A\":{\"last_pr",
       G6_ETRUNCATED, "truncated"},
      {"truncated after object", "{\"status\":\"success\",\"data\":{\"NFO:A\":"
                                 Q1,
       G6_ETRUNCATED, NULL},
      {"malformed", "{\"status\":\"success\",,}", G6_EPARSE, "byte"},
      {"trailing garbage", "{\"status\":\"success\",\"data\":{}} x", G6_EPARSE,
       NULL},
      {"html", "<html><body>502 Bad Gateway</body></html>", G6_EPARSE, NULL},
      {"empty", "", G6_EPROTO, "empty"},
      {"bad utf8", "{\"status\":\"success\",\"data\":{\"NFO:A\":{\"x\":\""
                   "\xff\"}}}",
       G6_EPARSE, NULL},
      {"price overflows a double",
       "{\"status\":\"success\",\"data\":{\"NFO:A\":{\"last_price\":1e400}}}",
       G6_EPROTO, "field \"last_price\" of \"NFO:A\" is a number out of "
                  "range (1e400)"},
      {"a number beyond a double outside data",
       "{\"status\":\"success\",\"x\":1e400,\"data\":{}}",
       G6_EPARSE, "number 1e400 out of range"},
  };
  for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
    const char *keys[] = {"NFO:A", "NFO:B"};
    g6_quote_table *t = g6_quote_table_new(keys, 2);
    g6_error e;
    g6_error_clear(&e);
    g6_status s =
        g6_quote_parse(t, vecs[i].body, strlen(vecs[i].body), 0, NULL, &e);
    if (s != vecs[i].want ||
        (vecs[i].msg_part && strstr(e.msg, vecs[i].msg_part) == NULL))
      fail_msg("%s: got %s \"%s\", want %s ~ \"%s\"", vecs[i].name,
               g6_status_name(s), e.msg, g6_status_name(vecs[i].want),
               vecs[i].msg_part ? vecs[i].msg_part : "");
    if (s != G6_OK && g6_quote_table_found(t) != 0)
      fail_msg("%s: failed parse left %zu quotes", vecs[i].name,
               g6_quote_table_found(t));
    g6_quote_table_free(t);
    (void)same_as_reference(vecs[i].name, vecs[i].body, strlen(vecs[i].body));
  }
}

/* The fast path takes well-formed bodies (the recorded samples, a batch of
 * the mock's, odd but valid values) and reads them as yajl does; what
 * simdjson refuses but JSON-as-yajl-reads-it allows goes to yajl and is
 * read all the same. */
static void fast_path_agrees_with_yajl(void **state) {
  (void)state;
  static const char *const files[] = {"kite_quote.json", "kite_ltp.json",
                                      "kite_ohlc.json",  "kite_error.json",
                                      "mock_batch.json", "edge_values.json"};
  for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
    size_t len;
    char *text = read_corpus(files[i], &len);
    if (!same_as_reference(files[i], text, len))
      fail_msg("%s: the fast path gave it up", files[i]);
    free(text);
  }
  static const struct {
    const char *name, *body;
    bool fast;
  } bodies[] = {
      /* an integer beyond 64 bits: simdjson refuses it, yajl reads it */
      {"big integer price",
       "{\"status\":\"success\",\"data\":{\"NFO:A\":{\"last_price\":"
       "123456789012345678901234567890}}}",
       false},
      /* yajl counts \f as white space, simdjson (and RFC 8259) do not */
      {"form feed", "{\"status\":\"success\",\f\"data\":{}}", false},
      {"minus zero", "{\"status\":\"success\",\"data\":{\"NFO:A\":{"
                     "\"last_price\":-0,\"average_price\":-0.0}}}",
       true},
      {"number of 200 digits",
       "{\"status\":\"success\",\"data\":{\"NFO:A\":{\"last_price\":"
       "1.0000000000000000000000000000000000000000000000000000000000000000000"
       "000000000000000000000000000000000000000000000000000000000000000000000"
       "0000000000000000000000000000000000000000000000000000000000001}}}",
       true},
      {"escaped key", "{\"status\":\"success\",\"data\":{\"NFO:\\u0041\":"
                      "{\"last_price\":1}}}",
       true},
      {"depth quantity out of range",
       "{\"status\":\"success\",\"data\":{\"NFO:A\":{\"last_price\":1,"
       "\"depth\":{\"buy\":[{\"quantity\":1e19}]}}}}",
       false},
  };
  for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++)
    if (same_as_reference(bodies[i].name, bodies[i].body,
                          strlen(bodies[i].body)) != bodies[i].fast)
      fail_msg("%s: fast path %s, want %s", bodies[i].name,
               bodies[i].fast ? "not taken" : "taken",
               bodies[i].fast ? "taken" : "not");
}

/* A quote without last_price among good ones is dropped and counted. */
/* Numbers take an exact fast path for short decimals and strtod for the
 * rest; both must give the double nearest to the text. */
static void numbers_are_exact(void **state) {
  (void)state;
  static const char *const texts[] = {
      "164.5",        "0.05",         "57.85",          "-3",
      "5668350",      "1e5",          "1.5E-3",         "0.1",
      "26049.4",      "999999999999999", "1234567890123456789012",
      "0.000000000000000000000000001", "9007199254740993", "-0.0",
      "30760.8",      "1e-320",       "123456.789012345", "2.5e+2"};
  for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
    char body[256];
    snprintf(body, sizeof(body),
             "{\"status\":\"success\",\"data\":{\"NFO:A\":{\"last_price\":%s}}}",
             texts[i]);
    const char *keys[] = {"NFO:A"};
    g6_quote_table *t = g6_quote_table_new(keys, 1);
    g6_error e;
    assert_int_equal(g6_quote_parse(t, body, strlen(body), 0, NULL, &e),
                     G6_OK);
    const g6_quote *q = g6_quote_table_lookup(t, "NFO:A");
    assert_non_null(q);
    double want = strtod(texts[i], NULL);
    if (memcmp(&q->last_price, &want, sizeof(want)) != 0)
      fail_msg("%s: got %.17g, want %.17g", texts[i], q->last_price, want);
    g6_quote_table_free(t);
  }
}

/* A body's key with an escaped NUL is another key: never the requested
 * one it starts with (the lookup compared up to the NUL, then read past
 * the shorter key; found by the quote fuzz target). */
static void nul_in_key_is_another_key(void **state) {
  (void)state;
  static const char *const bodies[] = {
      "{\"status\":\"success\",\"data\":{\"NSE:INFY\\u0000h\":"
      "{\"last_price\":42}}}",
      "{\"status\":\"success\",\"data\":{\"NSE:INFY\":{\"last_price\":1},"
      "\"NSE:INFY\\u0000h\":{\"last_price\":42}}}",
      "{\"status\":\"success\",\"data\":{\"NSE:INFY\\u0000"
      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxh\":"
      "{\"last_price\":42}}}"};
  static const double want[] = {NAN, 1, NAN};
  for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
    const char *keys[] = {"NSE:INFY", "NSE:TCS", "NFO:A", "NFO:B", "NFO:C",
                          "BSE:SENSEX"};
    g6_quote_table *t = g6_quote_table_new(keys, 6);
    g6_quote_parse_info info;
    g6_error e;
    assert_int_equal(g6_quote_parse(t, bodies[i], strlen(bodies[i]), 0, &info,
                                     &e),
                     G6_OK);
    const g6_quote *q = g6_quote_table_lookup(t, "NSE:INFY");
    if (isnan(want[i]))
      assert_null(q);
    else
      assert_close(q->last_price, want[i], 0);
    assert_int_equal(info.unexpected, 1);
    g6_quote_table_free(t);
    (void)same_as_reference("nul in key", bodies[i], strlen(bodies[i]));
  }
}

static void incomplete_quote_counted(void **state) {
  (void)state;
  const char *body = "{\"status\":\"success\",\"data\":{\"NFO:A\":" Q1
                     ",\"NFO:B\":{\"volume\":5},\"NFO:C\":" Q1 "}}";
  const char *keys[] = {"NFO:A", "NFO:B"};
  g6_quote_table *t = g6_quote_table_new(keys, 2);
  g6_quote_parse_info info;
  g6_error e;
  assert_int_equal(g6_quote_parse(t, body, strlen(body), 0, &info, &e), G6_OK);
  assert_int_equal(info.quotes, 2);
  assert_int_equal(info.incomplete, 1);
  assert_int_equal(info.unexpected, 1);
  assert_non_null(g6_quote_table_lookup(t, "NFO:A"));
  assert_null(g6_quote_table_lookup(t, "NFO:B"));
  g6_quote_table_free(t);
}

/* A quote's timestamp in another form than Kite's "YYYY-MM-DD HH:MM:SS":
 * ISO 8601's ('T', a fraction, a zone) is read as the instant it names;
 * anything else, or null, costs the quote its time, never its prices (it
 * used to drop the whole quote as malformed). An unreadable one is counted
 * and named, and flagged on the quote so its age is not taken for fresh;
 * null is absent. last_trade_time is not read, whatever it holds. Through
 * both paths. */
static void unreadable_time_keeps_the_price(void **state) {
  (void)state;
  g6_date d = {2026, 11, 30};
  int64_t at = g6_ist_epoch(d, 10, 15, 0); /* 10:15:00 IST */
  static const struct {
    const char *name, *ts; /* the JSON value of "timestamp" */
    int64_t offset;        /* seconds from 10:15:00 IST; INT64_MIN: not a
                              time (counted), INT64_MAX: absent (null) */
    const char *first;     /* bad_time_first for not a time */
  } cases[] = {
      {"Kite's form", "\"2026-11-30 10:15:00\"", 0, NULL},
      {"ISO 'T'", "\"2026-11-30T10:15:00\"", 0, NULL},
      {"fraction", "\"2026-11-30 10:15:07.999\"", 7, NULL},
      {"ISO, fraction, +05:30", "\"2026-11-30T10:15:00.123456+05:30\"", 0,
       NULL},
      {"+0530", "\"2026-11-30T10:15:00+0530\"", 0, NULL},
      {"Z", "\"2026-11-30T04:45:00Z\"", 0, NULL},
      {"+00:00", "\"2026-11-30T04:45:00+00:00\"", 0, NULL},
      {"-05:30, the day before", "\"2026-11-29T23:15:00-05:30\"", 0, NULL},
      {"null", "null", INT64_MAX, NULL},
      {"hour 25", "\"2026-11-30 25:99:00\"", INT64_MIN,
       "\"timestamp\" of \"NFO:B\" is \"2026-11-30 25:99:00\""},
      {"no such day", "\"2026-02-30 10:00:00\"", INT64_MIN,
       "\"timestamp\" of \"NFO:B\" is \"2026-02-30 10:00:00\""},
      {"empty", "\"\"", INT64_MIN, "\"timestamp\" of \"NFO:B\" is \"\""},
      {"day first", "\"30/11/2026 10:15:00\"", INT64_MIN,
       "\"timestamp\" of \"NFO:B\" is \"30/11/2026 10:15:00\""},
      {"no seconds", "\"2026-11-30 10:15\"", INT64_MIN,
       "\"timestamp\" of \"NFO:B\" is \"2026-11-30 10:15\""},
      {"bare fraction point", "\"2026-11-30 10:15:00.\"", INT64_MIN,
       "\"timestamp\" of \"NFO:B\" is \"2026-11-30 10:15:00.\""},
      {"zone without minutes", "\"2026-11-30T10:15:00+05\"", INT64_MIN,
       "\"timestamp\" of \"NFO:B\" is \"2026-11-30T10:15:00+05\""},
      {"zone a name", "\"2026-11-30 10:15:00 IST\"", INT64_MIN,
       "\"timestamp\" of \"NFO:B\" is \"2026-11-30 10:15:00 IST\""},
      {"epoch number", "1764478800", INT64_MIN,
       "\"timestamp\" of \"NFO:B\" is a number"},
      {"number beyond a double", "1e400", INT64_MIN,
       "\"timestamp\" of \"NFO:B\" is a number"},
      {"boolean", "true", INT64_MIN, "\"timestamp\" of \"NFO:B\" is a boolean"},
      {"object", "{\"t\":[1,{}]}", INT64_MIN,
       "\"timestamp\" of \"NFO:B\" is an object"},
      {"array", "[\"2026-11-30 10:15:00\"]", INT64_MIN,
       "\"timestamp\" of \"NFO:B\" is an array"},
  };
  static const char *const ltt[] = {"\"2026-11-30 10:14:59\"",
                                    "\"2026-11-30T10:14:59+05:30\"",
                                    "\"garbage\"", "null", "17", "{\"a\":[]}"};
  const char *keys[] = {"NFO:A", "NFO:B", "NFO:C"};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char body[768];
    /* the same value under an unrequested key is not counted */
    snprintf(body, sizeof(body),
             "{\"status\":\"success\",\"data\":{\"NFO:A\":" Q1
             ",\"NFO:B\":{\"last_price\":12.5,\"timestamp\":%s,"
             "\"last_trade_time\":%s,\"oi\":7},\"NFO:Z\":{\"timestamp\":%s},"
             "\"NFO:C\":{\"last_price\":2}}}",
             cases[i].ts, ltt[i % 6], cases[i].ts);
    g6_quote_table *t = g6_quote_table_new(keys, 3);
    g6_quote_parse_info info;
    g6_error e;
    g6_error_clear(&e);
    g6_status s = g6_quote_parse(t, body, strlen(body), 0, &info, &e);
    const g6_quote *q = g6_quote_table_lookup(t, "NFO:B");
    bool bad = cases[i].offset == INT64_MIN;
    bool none = cases[i].offset == INT64_MAX;
    if (s != G6_OK || q == NULL || info.malformed != 0 ||
        info.bad_times != (bad ? 1u : 0u) ||
        strcmp(info.bad_time_first, bad ? cases[i].first : "") != 0)
      fail_msg("%s: %s \"%s\", quote %s, malformed %zu, bad times %zu "
               "\"%s\"",
               cases[i].name, g6_status_name(s), e.msg, q ? "kept" : "lost",
               info.malformed, info.bad_times, info.bad_time_first);
    /* the prices are kept whatever the time */
    assert_close(q->last_price, 12.5, 0);
    assert_int_equal(q->oi, 7);
    assert_int_equal(q->fields & G6_QF_TIME_UNREADABLE,
                     bad ? G6_QF_TIME_UNREADABLE : 0);
    if (bad || none) {
      assert_false(q->fields & G6_QF_TIMESTAMP);
      assert_int_equal(q->timestamp, 0);
    } else {
      assert_true(q->fields & G6_QF_TIMESTAMP);
      if (q->timestamp != at + cases[i].offset)
        fail_msg("%s: timestamp %lld, want %lld", cases[i].name,
                 (long long)q->timestamp, (long long)(at + cases[i].offset));
    }
    assert_non_null(g6_quote_table_lookup(t, "NFO:A"));
    assert_non_null(g6_quote_table_lookup(t, "NFO:C"));
    g6_quote_table_free(t);
    (void)same_as_reference(cases[i].name, body, strlen(body));
  }
}

/* One instrument's malformed quote is dropped, marked and counted; the
 * others are kept (before, one bad field threw the whole batch away: all
 * 20 legs and the spot of a cycle). Every kind of fault inside a quote, as
 * the only bad one among good ones, through both paths. */
static void malformed_quote_dropped_alone(void **state) {
  (void)state;
  static const struct {
    const char *name, *bad, *msg;
  } faults[] = {
      {"price a string", "{\"last_price\":\"abc\"}",
       "field \"last_price\" of \"NFO:B\" is a string"},
      {"volume a string", "{\"last_price\":1,\"volume\":\"123\"}",
       "field \"volume\" of \"NFO:B\" is a string"},
      {"volume beyond 64 bits", "{\"last_price\":1,\"volume\":1e20}",
       "field \"volume\" of \"NFO:B\" is not a whole number within +-9.2e18 "
       "(1e+20)"},
      {"oi fractional", "{\"last_price\":1,\"oi\":1.5}",
       "field \"oi\" of \"NFO:B\" is not a whole number within +-9.2e18 "
       "(1.5)"},
      {"price beyond a double", "{\"last_price\":1e400}",
       "field \"last_price\" of \"NFO:B\" is a number out of range (1e400)"},
      {"oi an object", "{\"last_price\":1,\"oi\":{\"a\":[1,{}]}}",
       "field \"oi\" of \"NFO:B\" is an object"},
      {"ohlc an array", "{\"last_price\":1,\"ohlc\":[1,[2]]}",
       "field \"ohlc\" of \"NFO:B\" is an array"},
      {"close a boolean", "{\"last_price\":1,\"ohlc\":{\"close\":true}}",
       "field \"close\" of \"NFO:B\" is a boolean"},
      {"depth level a number",
       "{\"last_price\":1,\"depth\":{\"buy\":[7,{\"price\":1}]}}",
       "a depth level of \"NFO:B\" is a number"},
      {"depth level beyond a double",
       "{\"last_price\":1,\"depth\":{\"sell\":[1e999]}}",
       "a depth level of \"NFO:B\" is a number out of range (1e999)"},
      {"depth quantity beyond 64 bits",
       "{\"last_price\":1,\"depth\":{\"buy\":[{\"quantity\":1e19}]}}",
       "depth quantity of \"NFO:B\" is not a whole number within +-9.2e18 "
       "(1e+19)"},
      {"quote a number", "5", "data[\"NFO:B\"] is a number, not an object"},
      {"quote an array", "[{\"last_price\":1}]",
       "data[\"NFO:B\"] is an array, not an object"},
      {"quote beyond a double", "-1e400",
       "data[\"NFO:B\"] is a number out of range (-1e400)"},
      {"two faults, the first named",
       "{\"volume\":\"x\",\"last_price\":\"y\"}",
       "field \"volume\" of \"NFO:B\" is a string"},
  };
  const char *keys[] = {"NFO:A", "NFO:B", "NFO:C"};
  for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
    char body[512];
    /* an unrequested key's bad values are ignored, as its good ones are */
    snprintf(body, sizeof(body),
             "{\"status\":\"success\",\"data\":{\"NFO:A\":" Q1
             ",\"NFO:B\":%s,\"NFO:Z\":%s,\"NFO:C\":{\"last_price\":2,"
             "\"z\":1e400}}}",
             faults[i].bad, faults[i].bad);
    g6_quote_table *t = g6_quote_table_new(keys, 3);
    g6_quote_parse_info info;
    g6_error e;
    g6_error_clear(&e);
    g6_status s = g6_quote_parse(t, body, strlen(body), 0, &info, &e);
    if (s != G6_OK || info.malformed != 1 || info.quotes != 3 ||
        info.unexpected != 1 || info.incomplete != 0 ||
        strcmp(info.malformed_first, faults[i].msg) != 0)
      fail_msg("%s: %s \"%s\", malformed %zu of %zu, first \"%s\"",
               faults[i].name, g6_status_name(s), e.msg, info.malformed,
               info.quotes, info.malformed_first);
    assert_non_null(g6_quote_table_lookup(t, "NFO:A"));
    assert_null(g6_quote_table_lookup(t, "NFO:B"));
    assert_true(g6_quote_table_malformed(t, 1));
    assert_int_equal(g6_quote_table_failed(t, 1), G6_OK);
    assert_false(g6_quote_table_malformed(t, 0));
    assert_close(g6_quote_table_lookup(t, "NFO:C")->last_price, 2, 0);
    assert_false(info.fast_path); /* yajl judges what the fast path gives up */
    g6_quote_table_free(t);
    (void)same_as_reference(faults[i].name, body, strlen(body));
  }
  /* Kite's "never", 1970-01-01 05:30:00 (epoch 0), is a time: the quote is
   * kept, without a timestamp */
  {
    const char *b = "{\"status\":\"success\",\"data\":{\"NFO:A\":{"
                    "\"last_price\":1,\"timestamp\":\"1970-01-01 05:30:00\"}}}";
    g6_quote_table *t = g6_quote_table_new(keys, 3);
    g6_quote_parse_info info;
    g6_error e;
    assert_int_equal(g6_quote_parse(t, b, strlen(b), 0, &info, &e), G6_OK);
    assert_int_equal(info.malformed, 0);
    const g6_quote *q = g6_quote_table_lookup(t, "NFO:A");
    assert_non_null(q);
    assert_false(q->fields & G6_QF_TIMESTAMP);
    assert_int_equal(q->timestamp, 0);
    g6_quote_table_free(t);
    (void)same_as_reference("epoch 0", b, strlen(b));
  }
  /* an instrument twice: neither copy is believed (counted once) */
  static const char *const twice[] = {
      "{\"status\":\"success\",\"data\":{\"NFO:B\":" Q1 ",\"NFO:A\":" Q1
      ",\"NFO:B\":" Q1 ",\"NFO:B\":{}}}",
      /* the first copy without last_price: not incomplete any more */
      "{\"status\":\"success\",\"data\":{\"NFO:B\":{},\"NFO:A\":" Q1
      ",\"NFO:B\":" Q1 "}}",
      /* the first copy malformed already: counted once */
      "{\"status\":\"success\",\"data\":{\"NFO:B\":5,\"NFO:A\":" Q1
      ",\"NFO:B\":" Q1 "}}",
  };
  for (size_t i = 0; i < 3; i++) {
    g6_quote_table *t = g6_quote_table_new(keys, 3);
    g6_quote_parse_info info;
    g6_error e;
    assert_int_equal(
        g6_quote_parse(t, twice[i], strlen(twice[i]), 0, &info, &e), G6_OK);
    assert_int_equal(info.malformed, 1);
    assert_int_equal(info.quotes, 2);
    assert_int_equal(info.incomplete, 0);
    if (i < 2)
      assert_string_equal(info.malformed_first, "\"NFO:B\" appears twice");
    assert_null(g6_quote_table_lookup(t, "NFO:B"));
    assert_true(g6_quote_table_malformed(t, 1));
    assert_non_null(g6_quote_table_lookup(t, "NFO:A"));
    g6_quote_table_free(t);
    (void)same_as_reference("twice", twice[i], strlen(twice[i]));
  }
  /* every quote malformed or incomplete: the response is schema drift */
  const char *all = "{\"status\":\"success\",\"data\":{\"NFO:A\":{\"x\":1},"
                    "\"NFO:B\":{\"last_price\":\"1\"}}}";
  g6_quote_table *t = g6_quote_table_new(keys, 3);
  g6_error e;
  assert_int_equal(g6_quote_parse(t, all, strlen(all), 0, NULL, &e),
                   G6_EPROTO);
  assert_string_equal(e.msg, "quote response: none of the 2 quotes is usable, "
                             "1 malformed (schema drift?), first: field "
                             "\"last_price\" of \"NFO:B\" is a string");
  assert_false(g6_quote_table_malformed(t, 1)); /* a failed parse clears */
  g6_quote_table_free(t);
}

static void size_limit_and_chunks(void **state) {
  (void)state;
  size_t len;
  char *text = read_corpus("kite_quote.json", &len);
  const char *keys[] = {"NSE:INFY"};
  g6_quote_table *t = g6_quote_table_new(keys, 1);
  g6_error e;
  assert_int_equal(g6_quote_parse(t, text, len, len - 1, NULL, &e),
                   G6_ETOOBIG);
  assert_int_equal(g6_quote_table_found(t), 0);
  assert_int_equal(g6_quote_parse(t, text, len, len, NULL, &e), G6_OK);
  /* byte-by-byte feeding gives the same quote */
  for (size_t step = 1; step < 64; step += 7) {
    g6_quote_parser *p = g6_quote_parser_new(t, 0);
    for (size_t off = 0; off < len; off += step)
      assert_int_equal(g6_quote_parser_feed(p, text + off,
                                            len - off < step ? len - off : step,
                                            &e),
                       G6_OK);
    assert_int_equal(g6_quote_parser_finish(p, NULL, &e), G6_OK);
    assert_close(g6_quote_table_lookup(t, "NSE:INFY")->last_price, 1412.95,
                 1e-9);
    g6_quote_parser_free(p);
  }
  g6_quote_table_free(t);
  free(text);
}

static void table_keys(void **state) {
  (void)state;
  const char *keys[] = {"NFO:A", "NFO:B", "NFO:A", "BSE:SENSEX"};
  g6_quote_table *t = g6_quote_table_new(keys, 4);
  assert_int_equal(g6_quote_table_size(t), 3);
  assert_int_equal(g6_quote_table_find(t, "BSE:SENSEX"), 2);
  assert_int_equal(g6_quote_table_find(t, "NFO:C"), -1);
  g6_quote q = {.last_price = 3, .fields = G6_QF_LAST_PRICE};
  g6_quote_table_set(t, 1, &q);
  assert_int_equal(g6_quote_table_found(t), 1);
  g6_quote_table_clear(t);
  assert_int_equal(g6_quote_table_found(t), 0);
  g6_quote_table_free(t);
  const char *bad[] = {""};
  assert_null(g6_quote_table_new(bad, 1));
  /* 500 keys: the hash finds each */
  char buf[500][24];
  const char *many[500];
  for (int i = 0; i < 500; i++) {
    snprintf(buf[i], sizeof(buf[i]), "NFO:NIFTY%dCE", i * 50);
    many[i] = buf[i];
  }
  t = g6_quote_table_new(many, 500);
  for (int i = 0; i < 500; i++)
    assert_int_equal(g6_quote_table_find(t, many[i]), i);
  g6_quote_table_free(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(kite_full_quote),
      cmocka_unit_test(kite_ltp_and_ohlc),
      cmocka_unit_test(kite_error_envelope),
      cmocka_unit_test(envelope_and_schema_vectors),
      cmocka_unit_test(numbers_are_exact),
      cmocka_unit_test(fast_path_agrees_with_yajl),
      cmocka_unit_test(nul_in_key_is_another_key),
      cmocka_unit_test(incomplete_quote_counted),
      cmocka_unit_test(malformed_quote_dropped_alone),
      cmocka_unit_test(unreadable_time_keeps_the_price),
      cmocka_unit_test(size_limit_and_chunks),
      cmocka_unit_test(table_keys),
  };
  return G6_RUN_TESTS(tests);
}
