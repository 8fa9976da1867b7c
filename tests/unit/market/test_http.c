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

/* A 2xx body that is not what the endpoint sends (a captive portal's or a
 * proxy's page answering "200 OK") is foreign; Kite's JSON and CSV are
 * not, whatever a CDN labels them. The body's first non-blank byte
 * decides; the Content-Type only when the head is blank. */
static void body_foreign(void **state) {
  (void)state;
  static const struct {
    const char *name, *ctype, *body;
    g6_http_body_kind kind;
    bool want;
  } vecs[] = {
      {"kite json", "application/json", "{\"status\":\"success\"}",
       G6_HTTP_BODY_JSON, false},
      {"json with charset", "application/json; charset=utf-8", "{}",
       G6_HTTP_BODY_JSON, false},
      {"json upper case", "Application/JSON", "{}", G6_HTTP_BODY_JSON, false},
      {"+json suffix", "application/problem+json", "{}", G6_HTTP_BODY_JSON,
       false},
      {"no content type, json", "", "\r\n {}", G6_HTTP_BODY_JSON, false},
      {"json labelled text/plain", "text/plain",
       "{\"status\":\"success\",\"data\":{}}", G6_HTTP_BODY_JSON, false},
      {"json labelled text/html", "text/html; charset=UTF-8", "\n{}",
       G6_HTTP_BODY_JSON, false},
      {"json labelled application/jsonp", "application/jsonp", "{}",
       G6_HTTP_BODY_JSON, false},
      {"white space only, no content type: the parser decides", "", " \n",
       G6_HTTP_BODY_JSON, false},
      {"white space only, json content type", "application/json", " \n",
       G6_HTTP_BODY_JSON, false},
      {"white space only, html content type", "text/html", " \r\n",
       G6_HTTP_BODY_JSON, true},
      {"white space only, jsonp content type", "application/jsonp", "\n",
       G6_HTTP_BODY_JSON, true},
      {"captive portal html", "text/html",
       "<html><body>Login to Wi-Fi</body></html>", G6_HTTP_BODY_JSON, true},
      {"html without content type", "", "\n<!DOCTYPE html><html>",
       G6_HTTP_BODY_JSON, true},
      {"html labelled json", "application/json", "<html></html>",
       G6_HTTP_BODY_JSON, true},
      {"html labelled json, charset", "application/json; charset=utf-8",
       "\r\n<!DOCTYPE html>", G6_HTTP_BODY_JSON, true},
      {"plain text", "text/plain", "upstream connect error", G6_HTTP_BODY_JSON,
       true},
      {"text labelled json", "application/json", "upstream connect error",
       G6_HTTP_BODY_JSON, true},
      {"json array is not kite's", "application/json", "[]", G6_HTTP_BODY_JSON,
       true},
      {"empty json", "application/json", "", G6_HTTP_BODY_JSON, true},
      {"empty, no content type", "", "", G6_HTTP_BODY_JSON, true},
      {"kite csv", "text/csv", "instrument_token,exchange_token\n",
       G6_HTTP_BODY_TEXT, false},
      {"csv, other content type", "application/octet-stream",
       "instrument_token,exchange_token\n", G6_HTTP_BODY_TEXT, false},
      {"csv labelled text/html", "text/html; charset=UTF-8",
       "instrument_token,exchange_token,tradingsymbol\n", G6_HTTP_BODY_TEXT,
       false},
      {"csv labelled xhtml", "application/xhtml+xml",
       "instrument_token,exchange_token\n", G6_HTTP_BODY_TEXT, false},
      {"csv html", "text/html; charset=UTF-8", "<html><body>Login</body>",
       G6_HTTP_BODY_TEXT, true},
      {"csv xml", "application/xml", "<?xml version=\"1.0\"?><error/>",
       G6_HTTP_BODY_TEXT, true},
      {"csv markup labelled csv", "text/csv", "\r\n<html>", G6_HTTP_BODY_TEXT,
       true},
      {"csv markup, no content type", "", "  <html>", G6_HTTP_BODY_TEXT, true},
      {"csv white space only, csv content type", "text/csv", "\n",
       G6_HTTP_BODY_TEXT, false},
      {"csv white space only, html content type", "text/html", "\n",
       G6_HTTP_BODY_TEXT, true},
      {"empty csv", "text/csv", "", G6_HTTP_BODY_TEXT, true},
      /* a UTF-8 BOM is not the first byte that decides: a portal's page
       * saved by an editor that writes one is still markup */
      {"csv bom then html", "text/html; charset=UTF-8",
       "\xEF\xBB\xBF<html><body>Login</body>", G6_HTTP_BODY_TEXT, true},
      {"csv bom, blank, then html, labelled csv", "text/csv",
       "\xEF\xBB\xBF\r\n<!DOCTYPE html>", G6_HTTP_BODY_TEXT, true},
      {"csv bom then the header", "text/csv",
       "\xEF\xBB\xBFinstrument_token,exchange_token\n", G6_HTTP_BODY_TEXT,
       false},
      {"csv bom only, html content type", "text/html", "\xEF\xBB\xBF",
       G6_HTTP_BODY_TEXT, true},
      {"csv bom only, csv content type", "text/csv", "\xEF\xBB\xBF\n",
       G6_HTTP_BODY_TEXT, false},
      {"csv half a bom is a byte", "text/csv", "\xEF\xBB<html>",
       G6_HTTP_BODY_TEXT, false},
      /* Kite's JSON never starts with a BOM and the parser refuses one: the
       * BOM is the first byte there, and it is not '{' */
      {"json bom then object", "application/json", "\xEF\xBB\xBF{}",
       G6_HTTP_BODY_JSON, true},
      {"json bom then html", "text/html", "\xEF\xBB\xBF<html>",
       G6_HTTP_BODY_JSON, true},
      {"any", "text/html", "<html>", G6_HTTP_BODY_ANY, false},
  };
  size_t bad = 0;
  for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
    g6_http_response r;
    memset(&r, 0, sizeof(r));
    r.status = 200;
    snprintf(r.content_type, sizeof(r.content_type), "%s", vecs[i].ctype);
    r.head_len = strlen(vecs[i].body);
    memcpy(r.head, vecs[i].body, r.head_len);
    r.bytes = r.head_len;
    if (g6_http_body_foreign(&r, vecs[i].kind) != vecs[i].want) {
      print_error("%s: want %s\n", vecs[i].name,
                  vecs[i].want ? "foreign" : "not foreign");
      bad++;
    }
  }
  if (bad > 0)
    fail_msg("%zu vector(s) wrong", bad);
}

/* What of a URL may be printed (the request's in every message, a
 * redirect's Location in foreign_body's): no user info, query or
 * fragment, whatever they hold. */
static void url_for_message(void **state) {
  (void)state;
  static const struct {
    const char *name, *in, *want;
  } vecs[] = {
      {"plain", "https://api.kite.trade/quote", "https://api.kite.trade/quote"},
      {"query", "https://api.kite.trade/quote?i=NSE%3ANIFTY%2050&i=x",
       "https://api.kite.trade/quote"},
      {"fragment", "http://portal.invalid/login#sess=abc",
       "http://portal.invalid/login"},
      {"user and password", "http://wifi:pw9876@portal.invalid/login?s=1",
       "http://portal.invalid/login"},
      {"user only, port", "https://user@portal.invalid:8443/a/b",
       "https://portal.invalid:8443/a/b"},
      {"an @ in a password", "http://u:p@ss@portal.invalid/",
       "http://portal.invalid/"},
      {"an @ in the path stays", "http://portal.invalid/u@x/login",
       "http://portal.invalid/u@x/login"},
      {"an @ in the query goes with it",
       "http://portal.invalid/login?mail=a@b.c", "http://portal.invalid/login"},
      {"no path", "http://portal.invalid?next=/quote", "http://portal.invalid"},
      {"user info, no path", "http://u:pw@portal.invalid?x",
       "http://portal.invalid"},
      {"scheme relative", "//u:pw@portal.invalid/login?x",
       "//portal.invalid/login"},
      {"relative", "/guest/login?sess=abc123", "/guest/login"},
      {"relative with @", "login@portal?x", "login@portal"},
      {"a url in the query", "/login?next=http://u:pw@api.kite.trade/quote",
       "/login"},
      {"empty", "", ""},
      {"only a query", "?token=abc", ""},
  };
  size_t bad = 0;
  for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
    char out[128];
    memset(out, 'x', sizeof(out));
    g6_http_url_for_message(vecs[i].in, out, sizeof(out));
    if (strcmp(out, vecs[i].want) != 0) {
      print_error("%s: \"%s\", want \"%s\"\n", vecs[i].name, out, vecs[i].want);
      bad++;
    }
  }
  if (bad > 0)
    fail_msg("%zu vector(s) wrong", bad);
  /* cut to fit, after the user info is gone */
  char small[16];
  g6_http_url_for_message("http://user:secretpw@portal.invalid/login", small,
                          sizeof(small));
  assert_string_equal(small, "http://portal.i");
  g6_http_url_for_message("http://user:secretpw@portal.invalid/login", small,
                          8);
  assert_string_equal(small, "http://");
  g6_http_url_for_message("http://portal.invalid/", small, 1);
  assert_string_equal(small, "");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(urlencode),
      cmocka_unit_test(body_foreign),
      cmocka_unit_test(url_for_message),
  };
  return G6_RUN_TESTS(tests);
}
