#include "g6_test.h"

#include "market/http.h"

#include <curl/curl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

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

/* ---- a server that answers one request with the bytes it is given ---- */

typedef struct raw_server {
  int fd;
  int port;
  const char *answer;
  size_t answer_len;
  pthread_t th;
  char request[4096]; /* the head of the request it answered */
} raw_server;

static char raw_last_request[4096]; /* of the latest get_raw */

static void *raw_serve(void *vp) {
  raw_server *r = vp;
  int c = accept(r->fd, NULL, NULL);
  if (c < 0)
    return NULL;
  char req[4096];
  size_t n = 0;
  while (n + 1 < sizeof(req)) { /* the request's head, then the answer */
    ssize_t k = read(c, req + n, sizeof(req) - 1 - n);
    if (k <= 0)
      break;
    n += (size_t)k;
    req[n] = '\0';
    if (strstr(req, "\r\n\r\n") != NULL)
      break;
  }
  memcpy(r->request, req, n + 1);
  for (size_t o = 0; o < r->answer_len;) {
    ssize_t k = write(c, r->answer + o, r->answer_len - o);
    if (k <= 0)
      break;
    o += (size_t)k;
  }
  close(c);
  return NULL;
}

/* GET / from a server that answers with `len` bytes of `answer`, whatever
 * they are (a header libmicrohttpd would refuse to send included), with
 * the request headers `headers` (may be NULL). */
static g6_status get_raw_with(const char *answer, size_t len,
                              const char *const *headers,
                              g6_http_response *resp, g6_error *err) {
  raw_server r = {.answer = answer, .answer_len = len};
  r.fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t al = sizeof(a);
  if (r.fd < 0 || bind(r.fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
      listen(r.fd, 1) != 0 ||
      getsockname(r.fd, (struct sockaddr *)&a, &al) != 0)
    fail_msg("cannot listen on 127.0.0.1");
  r.port = ntohs(a.sin_port);
  pthread_create(&r.th, NULL, raw_serve, &r);
  char url[64];
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/quote?i=NSE:NIFTY", r.port);
  g6_http_request req = {.url = url, .timeout_s = 5, .headers = headers};
  g6_status s = g6_http_perform(NULL, &req, resp, err);
  pthread_join(r.th, NULL);
  close(r.fd);
  memcpy(raw_last_request, r.request, sizeof(raw_last_request));
  return s;
}

static g6_status get_raw(const char *answer, size_t len, g6_http_response *resp,
                         g6_error *err) {
  return get_raw_with(answer, len, NULL, resp, err);
}

/* test_http links with --wrap=curl_slist_free_all (Makefile): every header
 * list libg6 frees passes here first, and what its strings still hold is
 * recorded before libcurl frees them. */
#define AUTH_HEADER "Authorization: token KEYsecret123:TOKsecret4567"
static int slists_freed;
static const char *const *slist_sent; /* the headers given, in order */
static size_t slist_live_bytes; /* bytes not zero in the freed strings */
void __real_curl_slist_free_all(struct curl_slist *l);
void __wrap_curl_slist_free_all(struct curl_slist *l);
void __wrap_curl_slist_free_all(struct curl_slist *l) {
  slists_freed++;
  size_t k = 0;
  /* each string is a copy of a header given (slist_sent, in order): all
   * of its bytes are looked at, within its length */
  for (struct curl_slist *n = l; n != NULL; n = n->next, k++)
    for (size_t i = 0; slist_sent != NULL && slist_sent[k] != NULL &&
                       n->data != NULL && i < strlen(slist_sent[k]);
         i++)
      slist_live_bytes += n->data[i] != '\0';
  __real_curl_slist_free_all(l);
}

/* The request headers (an Authorization header with the API key and access
 * token) reach the server, and the copies libcurl was given are zeroed
 * before they are freed: no credential stays behind in freed memory. */
static void header_copies_are_zeroed(void **state) {
  (void)state;
  static const char ok[] =
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
  const char *headers[] = {"X-Kite-Version: 3", AUTH_HEADER, NULL};
  slists_freed = 0;
  slist_live_bytes = 0;
  slist_sent = headers;
  g6_http_response resp;
  g6_error e;
  g6_status s = get_raw_with(ok, sizeof(ok) - 1, headers, &resp, &e);
  assert_int_equal(s, G6_OK);
  assert_int_equal(resp.status, 200);
  g6_http_response_free(&resp);
  assert_non_null(strstr(raw_last_request, AUTH_HEADER "\r\n"));
  slist_sent = NULL;
  assert_int_equal(slists_freed, 1);
  if (slist_live_bytes != 0)
    fail_msg("%zu bytes of the request headers were left in memory libcurl "
             "frees", slist_live_bytes);
  /* the caller's strings are its own: untouched */
  assert_string_equal(headers[1], AUTH_HEADER);
}

/* A 3xx's Location as a server may really send it (bytes a mock built on
 * libmicrohttpd cannot: a bare CR, a folded line, NUL; or none, or an
 * empty one, or one longer than any buffer): resp->location is a bounded,
 * terminated string of printable ASCII without user info, query or
 * fragment, and has_location says whether a Location came at all. */
static void redirect_location(void **state) {
  (void)state;
  static char longer[40000];
  if (longer[0] == '\0') {
    int o = snprintf(longer, sizeof(longer),
                     "HTTP/1.1 302 Found\r\nLocation: "
                     "http://wifi:secretpw@portal.invalid/");
    memset(longer + o, 'a', 30000);
    snprintf(longer + o + 30000, sizeof(longer) - (size_t)o - 30000,
             "?sess=abc123def456\r\nContent-Length: 0\r\n\r\n");
  }
  static const struct {
    const char *name, *answer;
    long status;
    bool has;
    const char *want; /* NULL: only the checks every case gets */
  } vecs[] = {
      {"none", "HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n", 302, false,
       ""},
      {"empty", "HTTP/1.1 302 Found\r\nLocation:\r\nContent-Length: 0\r\n\r\n",
       302, true, ""},
      {"blank",
       "HTTP/1.1 302 Found\r\nLocation: \t \r\nContent-Length: 0\r\n\r\n", 302,
       true, ""},
      {"white space around",
       "HTTP/1.1 302 Found\r\nLocation:   http://portal.invalid/login?s=1  "
       "\r\nContent-Length: 0\r\n\r\n",
       302, true, "http://portal.invalid/login"},
      {"a bare CR inside (libcurl ends the value there)",
       "HTTP/1.1 302 Found\r\nLocation: http://portal.invalid/a\rX-Evil: "
       "1\r\nContent-Length: 0\r\n\r\n",
       302, true, "http://portal.invalid/a"},
      {"a LF alone ends it",
       "HTTP/1.1 302 Found\r\nLocation: http://portal.invalid/a\nX-Evil: "
       "1\r\nContent-Length: 0\r\n\r\n",
       302, true, "http://portal.invalid/a"},
      {"a folded line (one value, as HTTP/1.1 reads it)",
       "HTTP/1.1 302 Found\r\nLocation: http://portal.invalid/a\r\n X-Evil: "
       "1\r\nContent-Length: 0\r\n\r\n",
       302, true, "http://portal.invalid/a X-Evil: 1"},
      {"escape sequences",
       "HTTP/1.1 302 Found\r\nLocation: http://portal.invalid/\x1b[2J\x1b]0;"
       "t\x07\x7f\xc3\xa9\r\nContent-Length: 0\r\n\r\n",
       302, true, "http://portal.invalid/?[2J?]0;t????"},
      {"two of them",
       "HTTP/1.1 302 Found\r\nLocation: http://one.invalid/\r\nLocation: "
       "http://two.invalid/\r\nContent-Length: 0\r\n\r\n",
       302, true, NULL},
      {"on a 304", "HTTP/1.1 304 Not Modified\r\nLocation: /x?y\r\n\r\n", 304,
       true, "/x"},
      {"on a 200, ignored",
       "HTTP/1.1 200 OK\r\nLocation: http://portal.invalid/\r\n"
       "Content-Length: 2\r\n\r\n{}",
       200, false, ""},
      {"30000 bytes with user info", longer, 302, true, NULL},
  };
  for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
    g6_http_response resp;
    g6_error e;
    g6_error_clear(&e);
    g6_status s = get_raw(vecs[i].answer, strlen(vecs[i].answer), &resp, &e);
    size_t n = strnlen(resp.location, sizeof(resp.location));
    bool printable = n < sizeof(resp.location);
    for (size_t k = 0; k < n; k++)
      printable =
          printable && resp.location[k] >= 0x20 && resp.location[k] < 0x7f;
    if (s != G6_OK || resp.status != vecs[i].status ||
        resp.has_location != vecs[i].has || !printable ||
        strstr(resp.location, "secretpw") != NULL ||
        strstr(resp.location, "sess=") != NULL)
      fail_msg("%s: %s (%s), HTTP %ld, has_location %d, location \"%s\"",
               vecs[i].name, g6_status_name(s), e.msg, resp.status,
               resp.has_location, resp.location);
    if (vecs[i].want != NULL && strcmp(resp.location, vecs[i].want) != 0)
      fail_msg("%s: location \"%s\", want \"%s\"", vecs[i].name, resp.location,
               vecs[i].want);
    g6_http_response_free(&resp);
  }
  /* a NUL in a header is no answer at all: libcurl refuses it */
  static const char nul[] = "HTTP/1.1 302 Found\r\nLocation: http://a/\0b\r\n"
                            "Content-Length: 0\r\n\r\n";
  g6_http_response resp;
  g6_error e;
  g6_status s = get_raw(nul, sizeof(nul) - 1, &resp, &e);
  if (s == G6_OK)
    fail_msg("a NUL in the Location: OK, location \"%s\"", resp.location);
  assert_null(strchr(e.msg, '\n'));
  assert_null(strstr(e.msg, "i=NSE"));
  g6_http_response_free(&resp);
}

/* A server (a CDN in front of Kite) that compresses a body nobody asked to
 * be compressed: the request asks for it as it is ("identity"), and the
 * gzip that comes anyway is decoded, not taken for a foreign body; a
 * Content-Encoding that does not decode is a protocol error naming it. */
static void unrequested_gzip(void **state) {
  (void)state;
  static const char gz[] =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
      "Content-Encoding: gzip\r\nContent-Length: 50\r\n\r\n"
      "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\xab\x56\x2a\x2e\x49\x2c"
      "\x29\x2d\x56\xb2\x52\x2a\x2e\x4d\x4e\x4e\x2d\x2e\x56\xd2\x51\x4a"
      "\x49\x2c\x49\x54\xb2\xaa\xae\xad\x05\x00\xcc\x17\x57\xcd\x1e\x00"
      "\x00\x00";
  const char want[] = "{\"status\":\"success\",\"data\":{}}";
  g6_http_response resp;
  g6_error e;
  g6_error_clear(&e);
  g6_status s = get_raw(gz, sizeof(gz) - 1, &resp, &e);
  if (s != G6_OK)
    fail_msg("unrequested gzip: %s (%s)", g6_status_name(s), e.msg);
  assert_int_equal(resp.status, 200);
  assert_int_equal(resp.bytes, strlen(want));
  assert_int_equal(resp.head_len, strlen(want));
  assert_memory_equal(resp.head, want, strlen(want));
  assert_false(g6_http_body_foreign(&resp, G6_HTTP_BODY_JSON));
  g6_http_response_free(&resp);
  /* it was not asked for: the request wants the body as it is */
  char *ae = strcasestr(raw_last_request, "\r\nAccept-Encoding:");
  if (ae == NULL || strncmp(ae + 18, " identity\r\n", 11) != 0)
    fail_msg("request without Accept-Encoding: identity: %s", raw_last_request);

  /* gzip that is not gzip: a protocol error, not a foreign body */
  static const char bad[] =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
      "Content-Encoding: gzip\r\nContent-Length: 8\r\n\r\nnot gzip";
  s = get_raw(bad, sizeof(bad) - 1, &resp, &e);
  assert_int_equal(s, G6_EPROTO);
  assert_non_null(strstr(e.msg, "content encoding"));
  g6_http_response_free(&resp);

  /* an encoding whose decoder gives libcurl no words (br, zstd), or none
   * it knows: the message names the Content-Encoding that came (its
   * bytes printable). Before, br's read "bad content encoding ()" */
  static const char *const encs[] = {"br", "zstd", "x-\033[31mred"};
  static const char *const named[] = {"\"br\"", "\"zstd\"", "\"x-?[31mred\""};
  for (size_t i = 0; i < sizeof(encs) / sizeof(encs[0]); i++) {
    char ans[512];
    int n = snprintf(ans, sizeof(ans),
                     "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     "Content-Encoding: %s\r\nContent-Length: 8\r\n\r\n"
                     "not gzip",
                     encs[i]);
    g6_error_clear(&e);
    s = get_raw(ans, (size_t)n, &resp, &e);
    assert_int_equal(s, G6_EPROTO);
    if (strstr(e.msg, named[i]) == NULL || strstr(e.msg, "()") != NULL)
      fail_msg("Content-Encoding %s: %s", encs[i], e.msg);
    g6_http_response_free(&resp);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(urlencode),
      cmocka_unit_test(body_foreign),
      cmocka_unit_test(url_for_message),
      cmocka_unit_test(redirect_location),
      cmocka_unit_test(unrequested_gzip),
      cmocka_unit_test(header_copies_are_zeroed),
  };
  return G6_RUN_TESTS(tests);
}
