/* core/url.h: http(s) URLs, the credentials in them, redaction. Each
 * vector names a URL, the credential found (NULL: none) and the URL as it
 * may be printed. */
#include "g6_test.h"

#include "core/url.h"

static void vectors(void **state) {
  (void)state;
  static const struct {
    const char *url, *found, *redacted;
  } v[] = {
      /* none */
      {"http://127.0.0.1:9103/metrics", NULL, NULL},
      {"https://grafana.example/d/abc/g6?orgId=1&from=now-6h&refresh=30s"
       "&var-index=NIFTY&kiosk",
       NULL, NULL},
      {"https://grafana.example/d/x?var-key=NIFTY&token", NULL, NULL},
      {"https://grafana.example/d/x?token=", NULL, NULL}, /* no value */
      {"https://grafana.example/d/x#panel=3", NULL, NULL},
      /* the reviewer's two */
      {"http://admin:hunter2@127.0.0.1:9103/metrics",
       "a user name or password before '@'", "http://***@127.0.0.1:9103/metrics"},
      {"https://grafana.example/d/x?auth_token=SECRETTOKEN",
       "the parameter \"auth_token\"", "https://grafana.example/d/x?auth_token=***"},
      /* a user name alone, an empty one, an '@' in the password */
      {"http://admin@host/", "a user name or password before '@'",
       "http://***@host/"},
      {"http://@host/", "a user name or password before '@'", "http://***@host/"},
      {"http://a:p@ss@host?x=1", "a user name or password before '@'",
       "http://***@host?x=1"},
      /* a password with an unencoded '/' (not a valid URL, but the
       * password would be published); so an '@' anywhere before the query
       * is refused, in a path too */
      {"http://prom:pa/ss@host/metrics", "a user name or password before '@'",
       "http://***@host/metrics"},
      {"https://grafana.example/a@b/x", "a user name or password before '@'",
       "https://***@b/x"},
      {"https://grafana.example/d/x?q=a@b", NULL, NULL}, /* in the query */
      /* parameter names: case, '-', %XX, suffixes, fragments */
      {"https://h/?orgId=1&API-KEY=k1&x=2", "the parameter \"API-KEY\"",
       "https://h/?orgId=1&API-KEY=***&x=2"},
      {"https://h/?a%5Ftoken=zz", "the parameter \"a%5Ftoken\"",
       "https://h/?a%5Ftoken=***"},
      {"https://h/?X-Amz-Signature=ab&X-Amz-Credential=cd",
       "the parameter \"X-Amz-Signature\"",
       "https://h/?X-Amz-Signature=***&X-Amz-Credential=***"},
      {"https://h/?sv=2020&sig=abc", "the parameter \"sig\"",
       "https://h/?sv=2020&sig=***"},
      {"https://h/d#access_token=abc&state=1", "the parameter \"access_token\"",
       "https://h/d#access_token=***&state=1"},
      {"https://u:p@h/?password=x", "a user name or password before '@'",
       "https://***@h/?password=***"},
  };
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    char buf[128], red[256];
    const char *got = g6_url_credential(v[i].url, buf, sizeof(buf));
    if ((got == NULL) != (v[i].found == NULL) ||
        (got != NULL && strcmp(got, v[i].found) != 0))
      fail_msg("%s: found %s, want %s", v[i].url, got ? got : "(none)",
               v[i].found ? v[i].found : "(none)");
    g6_url_redact(v[i].url, red, sizeof(red));
    const char *want = v[i].redacted ? v[i].redacted : v[i].url;
    if (strcmp(red, want) != 0)
      fail_msg("%s: redacted %s, want %s", v[i].url, red, want);
  }
  /* truncation keeps the string terminated */
  char small[12];
  g6_url_redact("http://admin:hunter2@127.0.0.1/", small, sizeof(small));
  assert_string_equal(small, "http://***@");
}

static void http(void **state) {
  (void)state;
  assert_true(g6_url_is_http("http://x"));
  assert_true(g6_url_is_http("HTTPS://x"));
  assert_false(g6_url_is_http("ftp://x"));
  assert_false(g6_url_is_http("http:/x"));
  assert_false(g6_url_is_http(""));
}

/* plain http:// leaving the machine: a warning's test */
static void plain_remote(void **state) {
  (void)state;
  static const struct {
    const char *url;
    bool remote;
  } v[] = {
      {"http://api.kite.trade", true},
      {"HTTP://api.kite.trade/", true},
      {"http://10.0.0.5:8765", true},
      {"http://127.evil.example/", true},
      {"http://localhost.evil.example/", true},
      {"http://user:pw@api.kite.trade/", true},
      {"http://[2001:db8::1]:80/", true},
      {"http://[::1]", false},
      {"http://[::1]:8765/x", false},
      {"http://127.0.0.1:8765", false},
      {"http://127.1.2.3", false},
      {"http://localhost:8765/", false},
      {"http://LOCALHOST./", false},
      {"https://api.kite.trade", false},
      {"ftp://api.kite.trade", false},
  };
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
    if (g6_url_is_plain_remote(v[i].url) != v[i].remote)
      fail_msg("%s: want %s", v[i].url, v[i].remote ? "remote" : "not");
}

/* an address curl can send to: a Kite URL with no host ("http://") reached
 * "http:/quote" and retried a name lookup of "quote" forever */
static void problem(void **state) {
  (void)state;
  static const struct {
    const char *url;
    bool base;
    const char *want; /* a part of the problem, NULL for none */
  } v[] = {
      {"https://api.kite.trade", true, NULL},
      {"HTTPS://api.kite.trade/", true, NULL},
      {"http://127.0.0.1:8765", true, NULL},
      {"http://127.0.0.1:8765/base/", true, NULL},
      {"http://[::1]:8765", true, NULL},
      {"http://user:pw@host/", true, NULL},
      {"http://grafana:3000/d/x?orgId=1", false, NULL},
      {"ftp://x", true, "expected an http:// or https:// URL"},
      {"http://", true, "no host"},
      {"http:///quote", true, "no host"},
      {"http://:8080", true, "no host"},
      {"http://user@:80/", true, "no host"},
      {"http://[]:80", true, "no host"},
      {"http://[::1", true, "without its closing ']'"},
      {"http://host:", true, "the port"},
      {"http://host:0", true, "the port"},
      {"http://host:65536", true, "the port"},
      {"http://host:8o", true, "the port"},
      {"http://127.0.0.1 x", true, "white space"},
      {"http://host/\tx", true, "white space"},
      {"http://host/?x=1", true, "a query or fragment"},
      {"http://host#f", true, "a query or fragment"},
      {"http://grafana:3000/d/x?orgId=1", true, "a query or fragment"},
  };
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    const char *got = g6_url_problem(v[i].url, v[i].base);
    if (v[i].want == NULL ? got != NULL
                          : got == NULL || strstr(got, v[i].want) == NULL)
      fail_msg("%s: got %s, want %s", v[i].url, got ? got : "(none)",
               v[i].want ? v[i].want : "(none)");
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(vectors),
      cmocka_unit_test(http),
      cmocka_unit_test(plain_remote),
      cmocka_unit_test(problem),
  };
  return G6_RUN_TESTS(tests);
}
