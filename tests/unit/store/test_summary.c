/* store/summary.h: the `g6 summary` screen from panel files. */
#include "g6_test.h"

#include "core/fsutil.h"
#include "store/panels.h"
#include "store/summary.h"

#include <sys/stat.h>
#include <unistd.h>

G6_TEST_TMPDIR("summary")

static g6_json *parse(const char *text) {
  g6_json *v = NULL;
  g6_error e;
  if (g6_json_parse(text, strlen(text), &v, &e) != G6_OK)
    fail_msg("%s: %s", text, e.msg);
  return v;
}

static char *screen(const char *d, double now, int width) {
  g6_buf b = G6_BUF_INIT;
  assert_int_equal(g6_summary_render(d, NULL, 0, now, width, &b), G6_OK);
  return g6_buf_steal(&b);
}

static void contains(const char *text, const char *want) {
  if (strstr(text, want) == NULL)
    fail_msg("screen lacks \"%s\":\n%s", want, text);
}

static void from_panels(void **state) {
  (void)state;
  char d[300];
  snprintf(d, sizeof(d), "%s/panels", dir);
  g6_panels_writer_opts o = {.dir = d, .source = "g6_panels",
                             .app_version = "t", .file_mode = 0644};
  g6_panels_writer *w = NULL;
  g6_error e;
  assert_int_equal(g6_panels_writer_open(&o, &w, &e), G6_OK);
  g6_json *ix = parse(
      "{\"count\":3,\"items\":["
      "{\"index\":\"NIFTY\",\"status\":\"OK\",\"market_open\":true,"
      "\"spot\":24512.5,\"atm\":24500,\"legs\":40,\"legs_requested\":42,"
      "\"dq_score\":95.238,\"pcr\":1.25,\"pcr_missing_legs\":0,"
      "\"age\":3.4},"
      "{\"index\":\"BANKNIFTY\",\"status\":\"PARTIAL\",\"market_open\":"
      "true,\"spot\":51000,\"atm\":51000,\"legs\":39,\"legs_requested\":"
      "42,\"dq_score\":90,\"pcr\":0.8,\"pcr_missing_legs\":3,\"age\":3},"
      "{\"index\":\"SENSEX\",\"status\":\"EMPTY\",\"market_open\":null,"
      "\"spot\":null,\"atm\":null,\"legs\":0,\"legs_requested\":0,"
      "\"dq_score\":null,\"pcr\":null,\"age\":null}]}");
  g6_json *pv = parse(
      "{\"breaker\":{\"state\":\"open\",\"trips\":2},\"requests_per_s\":3.25,"
      "\"errors_per_s\":0.5,\"error_ratio\":0.1538,\"auth_latched\":true,"
      "\"throttled\":false,\"cache_hit_ratio\":null,\"endpoints\":{\"quote\":"
      "{\"latency_p95_s\":0.012}}}");
  g6_json *sy = parse("{\"cycle\":120,\"last_duration\":0.42,\"cpu_ratio\":"
                      "0.031,\"memory_rss_mb\":45.25,\"series_kept\":312,"
                      "\"series_dropped\":0,\"uptime_s\":4000,\"interval\":10}");
  g6_panel_out p[] = {{"indices_panel", ix, false},
                      {"provider", pv, false},
                      {"system", sy, false}};
  g6_panels_result r;
  assert_int_equal(g6_panels_write(w, p, 3, 1000, 2, &r, &e), G6_OK);
  g6_panels_writer_close(w);
  char *s = screen(d, 1002, 0);
  contains(s, "panels updated 2s ago (cycle 1)");
  /* the index's age when the panels were written (3.4 s) plus their own
   * age (2 s) */
  contains(s, "NIFTY        OK       open       24512.50     24500       "
              "40/42   1.25     95      5s");
  contains(s, "SENSEX       EMPTY    -                 -         -         "
              "0/0      -      -       -");
  /* a PCR missing some legs' OI is starred, with the footnote once */
  contains(s, "39/42  0.80*     90      5s");
  contains(s, "* the PCR leaves out legs without a known OI (pcr_missing_legs "
              "> 0): biased");
  contains(s, "PROVIDER   breaker open | 3.2 req/s | errors 0.50/s (15.4%) | "
              "p95 12 ms | auth FAILED (renew the token) | waited for rate "
              "limit no | cache hits -");
  contains(s, "SYSTEM     cycles 120 | last cycle 420 ms | CPU 3.1% | RSS 45.2 "
              "MB | series 312, 0 dropped | up 1h06m");
  contains(s, "INTEGRITY  OK: 3 files match manifest.json");
  free(s);
  /* an old flush: flagged stale; a changed panel: the problem named */
  s = screen(d, 1100, 0);
  contains(s, "panels updated 100s ago STALE");
  contains(s, "40/42   1.25     95    103s"); /* not still 3 s old */
  free(s);
  char path[400];
  snprintf(path, sizeof(path), "%s/system_enveloped.json", d);
  const char *forged = "{\"data\":{\"cycle\":1}}";
  assert_int_equal(g6_atomic_write(path, forged, strlen(forged), 0644, false,
                                   &e),
                   G6_OK);
  /* without the system panel's interval STALE cannot be judged: said so
   * (the header read as fresh, without STALE, however old the panels) */
  s = screen(d, 1100, 0);
  contains(s, "panels updated 100s ago (STALE unknown: no interval in the "
              "system panel) (cycle 1)");
  free(s);
  s = screen(d, 1002, 40); /* cut to 40 columns */
  contains(s, "INTEGRITY  1 PROBLEM: system_envelope");
  for (char *l = s; *l;) {
    char *nl = strchr(l, '\n');
    assert_true(nl - l <= 40);
    l = nl + 1;
  }
  free(s);
  g6_json_free(ix);
  g6_json_free(pv);
  g6_json_free(sy);
}

/* A pause the provider imposed is on the PROVIDER line while it lasts,
 * counted down by the panels' age, naming the limiter and the reason; the
 * line is as before without one (before, a 300-s pause after a 429 with
 * Retry-After 3600 read "breaker closed | 0.0 req/s | errors 0.00/s |
 * waited for rate limit no"; found by a new-user review). */
static void provider_pause_shown(void **state) {
  (void)state;
  char d[300];
  snprintf(d, sizeof(d), "%s/paused", dir);
  g6_panels_writer_opts o = {.dir = d, .source = "g6_panels",
                             .app_version = "t", .file_mode = 0644};
  g6_panels_writer *w = NULL;
  g6_error e;
  assert_int_equal(g6_panels_writer_open(&o, &w, &e), G6_OK);
  g6_json *pv = parse(
      "{\"breaker\":{\"state\":\"closed\",\"trips\":0},"
      "\"requests_per_s\":0,\"errors_per_s\":0,\"error_ratio\":null,"
      "\"auth_latched\":false,\"throttled\":true,\"ratelimit_pause\":"
      "{\"seconds_left\":290,\"reason\":\"retry_after\",\"limiters\":"
      "{\"other\":0,\"quote\":290}},\"cache_hit_ratio\":null,"
      "\"endpoints\":{}}");
  g6_panel_out p[] = {{"provider", pv, false}};
  g6_panels_result r;
  assert_int_equal(g6_panels_write(w, p, 1, 1000, 1, &r, &e), G6_OK);
  char *s = screen(d, 1003, 0);
  contains(s, "PROVIDER   breaker closed | PAUSED 4m47s by the provider "
              "(Retry-After; quote requests) | 0.0 req/s | errors 0.00/s (-) "
              "| p95 - | auth ok | waited for rate limit yes");
  free(s);
  /* read after its end: no pause shown */
  s = screen(d, 1300, 0);
  contains(s, "PROVIDER   breaker closed | 0.0 req/s");
  assert_null(strstr(s, "PAUSED"));
  free(s);
  g6_json_free(pv);
  pv = parse("{\"breaker\":{\"state\":\"closed\",\"trips\":0},"
             "\"throttled\":false,\"ratelimit_pause\":{\"seconds_left\":0,"
             "\"reason\":null,\"limiters\":{\"other\":0,\"quote\":0}}}");
  p[0].data = pv;
  assert_int_equal(g6_panels_write(w, p, 1, 1010, 2, &r, &e), G6_OK);
  g6_panels_writer_close(w);
  s = screen(d, 1011, 0);
  contains(s, "PROVIDER   breaker closed | - req/s");
  contains(s, "waited for rate limit no");
  assert_null(strstr(s, "PAUSED"));
  free(s);
  g6_json_free(pv);
}

static void no_panels_yet(void **state) {
  (void)state;
  char d[300];
  snprintf(d, sizeof(d), "%s/nothing", dir);
  char *s = screen(d, 1, 0);
  contains(s, "no manifest.json (is g6_panels running?)");
  contains(s, "(no indices panel yet)");
  contains(s, "PROVIDER   (no provider panel yet)");
  contains(s, "INTEGRITY  1 PROBLEM: manifest.json: missing");
  free(s);
}

/* A corrupt panel is not a panel that is not there yet: each says what is
 * wrong with it (before, an unparseable provider or system panel showed as
 * "no provider panel yet"; found by a reviewer). */
static void corrupt_panels_named(void **state) {
  (void)state;
  char d[300], path[400];
  snprintf(d, sizeof(d), "%s/corrupt", dir);
  g6_error e;
  assert_int_equal(g6_mkdir_p(d, 0755, &e), G6_OK);
  static const struct {
    const char *file, *text;
  } files[] = {{"manifest.json", "{\"ts\": 1"},
               {"indices_panel_enveloped.json", "[1, 2]"},
               {"provider_enveloped.json", "{\"data\": {\"breaker\": "},
               {"system_enveloped.json", "{\"data\": 5}"}};
  for (size_t i = 0; i < 4; i++) {
    snprintf(path, sizeof(path), "%s/%s", d, files[i].file);
    assert_int_equal(g6_atomic_write(path, files[i].text,
                                     strlen(files[i].text), 0644, false, &e),
                     G6_OK);
  }
  char *s = screen(d, 1, 0);
  contains(s, "manifest.json unusable: not JSON: ");
  contains(s, "(indices panel unusable: no \"data\" object)");
  contains(s, "PROVIDER   (provider panel unusable: not JSON: ");
  contains(s, "SYSTEM     (system panel unusable: no \"data\" object)");
  free(s);
  /* a directory where a panel should be, a panel over the size limit: the
   * cause, not a status name ("unreadable: invalid") */
  snprintf(path, sizeof(path), "%s/system_enveloped.json", d);
  assert_int_equal(unlink(path), 0);
  assert_int_equal(mkdir(path, 0755), 0);
  snprintf(path, sizeof(path), "%s/provider_enveloped.json", d);
  assert_int_equal(truncate(path, (off_t)65 << 20), 0);
  s = screen(d, 1, 0);
  contains(s, "SYSTEM     (system panel unusable: unreadable: "
              "system_enveloped.json is not a regular file)");
  contains(s, "PROVIDER   (provider panel unusable: unreadable: "
              "provider_enveloped.json is 68157440 bytes; the limit is");
  free(s);
  /* within the byte limit but more values than G6_PANELS_MAX_VALUES: not
   * built (~100 bytes a value of tree), said so */
  g6_buf b = G6_BUF_INIT;
  g6_buf_puts(&b, "{\"data\": {\"x\": [0");
  for (size_t i = 0; i < G6_PANELS_MAX_VALUES; i++)
    g6_buf_puts(&b, ",0");
  g6_buf_puts(&b, "]}}");
  assert_int_equal(
      g6_atomic_write(path, b.data, b.len, 0644, false, &e), G6_OK);
  g6_buf_free(&b);
  s = screen(d, 1, 0);
  contains(s, "PROVIDER   (provider panel unusable: too large: JSON near "
              "byte ");
  contains(s, "more than 1000000 values");
  free(s);
}

/* Panel text never reaches the terminal raw: an escape sequence in an
 * index name, DEL in a manifest entry (the fuzzer's find), non-ASCII in a
 * status all show as '?', one column per byte. */
static void panel_bytes_filtered(void **state) {
  (void)state;
  char d[300], path[400];
  snprintf(d, sizeof(d), "%s/hostile", dir);
  g6_error e;
  assert_int_equal(g6_mkdir_p(d, 0755, &e), G6_OK);
  const char *ix = "{\"data\":{\"items\":[{\"index\":\"\\u001b[31mNIFTY\","
                   "\"status\":\"\u00c9TAT\"}]}}";
  const char *man = "{\"ts\":1,\"hashes\":{\"a\\u007fb.json\":"
                    "\"0000000000000000000000000000000000000000000000000000000000000000\"}}";
  snprintf(path, sizeof(path), "%s/indices_panel_enveloped.json", d);
  assert_int_equal(g6_atomic_write(path, ix, strlen(ix), 0644, false, &e),
                   G6_OK);
  snprintf(path, sizeof(path), "%s/manifest.json", d);
  assert_int_equal(g6_atomic_write(path, man, strlen(man), 0644, false, &e),
                   G6_OK);
  char *s = screen(d, 2, 60);
  contains(s, "?[31mNIFTY");
  contains(s, "??TAT");
  contains(s, "a?b.json");
  for (const char *c = s; *c; c++)
    assert_true(*c == '\n' || (*c >= 0x20 && *c <= 0x7e));
  free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(from_panels),
      cmocka_unit_test(provider_pause_shown),
      cmocka_unit_test(no_panels_yet),
      cmocka_unit_test(corrupt_panels_named),
      cmocka_unit_test(panel_bytes_filtered),
  };
  cmocka_set_message_output(CM_OUTPUT_TAP);
  return cmocka_run_group_tests(tests, setup, teardown);
}
