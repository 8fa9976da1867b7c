/* store/integrity.h: every problem the old checker reports, g6's own, and
 * the old CLI's JSON. */
#include "g6_test.h"

#include "core/fsutil.h"
#include "core/hash.h"
#include "store/integrity.h"
#include "store/panels.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

G6_TEST_TMPDIR("integrity")

static void put(const char *d, const char *name, const char *text) {
  char path[512];
  g6_error e;
  snprintf(path, sizeof(path), "%s/%s", d, name);
  if (g6_atomic_write(path, text, strlen(text), 0644, false, &e) != G6_OK)
    fail_msg("%s", e.msg);
}

static char *fresh(const char *name) {
  static char d[300];
  snprintf(d, sizeof(d), "%s/%s", dir, name);
  g6_error e;
  assert_int_equal(g6_mkdir_p(d, 0755, &e), G6_OK);
  return d;
}

/* The JSON report of a check, on one line. */
static char *report(const char *d, const char *key) {
  g6_integrity_report r = {0};
  assert_int_equal(g6_integrity_check(d, (const unsigned char *)key,
                                      key ? strlen(key) : 0, &r),
                   G6_OK);
  g6_buf b = G6_BUF_INIT;
  assert_int_equal(g6_integrity_report_json(&r, false, &b), G6_OK);
  g6_integrity_report_free(&r);
  return g6_buf_steal(&b);
}

#define H_EMPTY_OBJ                                                            \
  "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
#define H_EMPTY_ARR                                                            \
  "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945"
#define H_NULL "74234e98afe7498fb5daf1f36ac2d78acc339464f950703b8c019892f982b90b"

static void report_is(const char *d, const char *key, const char *want) {
  char *got = report(d, key);
  assert_string_equal(got, want);
  free(got);
}

static void manifest_problems(void **state) {
  (void)state;
  report_is(fresh("none/missing"), NULL,
            "{\"issues\": {\"manifest.json\": \"missing\"}, \"count\": 1}");
  char *d = fresh("m1");
  put(d, "manifest.json", "{\"hashes\": ");
  report_is(d, NULL,
            "{\"issues\": {\"__manifest__\": \"error:JSONDecodeError\"}, "
            "\"count\": 1}");
  put(d, "manifest.json", "[1]");
  report_is(d, NULL,
            "{\"issues\": {\"__manifest__\": \"error:AttributeError\"}, "
            "\"count\": 1}");
  /* the old checker reads strict UTF-8 text: a BOM is a JSONDecodeError,
   * bad UTF-8 a UnicodeDecodeError */
  put(d, "manifest.json", "\xef\xbb\xbf{}");
  report_is(d, NULL,
            "{\"issues\": {\"__manifest__\": \"error:JSONDecodeError\"}, "
            "\"count\": 1}");
  put(d, "manifest.json", "{\"x\": \"\xff\"}");
  report_is(d, NULL,
            "{\"issues\": {\"__manifest__\": \"error:UnicodeDecodeError\"}, "
            "\"count\": 1}");
  /* a directory that cannot be opened for want of descriptors is no
   * missing manifest: the failure is named (was "missing" for any error) */
  struct rlimit was;
  assert_int_equal(getrlimit(RLIMIT_NOFILE, &was), 0);
  int fds[64], n = 0;
  struct rlimit low = {.rlim_cur = 64, .rlim_max = was.rlim_max};
  assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
  while (n < 64 && (fds[n] = open("/dev/null", O_RDONLY)) >= 0)
    n++;
  g6_integrity_report full = {0};
  g6_status fst = g6_integrity_check(d, NULL, 0, &full);
  while (n > 0)
    close(fds[--n]);
  assert_int_equal(setrlimit(RLIMIT_NOFILE, &was), 0);
  assert_int_equal(fst, G6_OK);
  g6_buf fb = G6_BUF_INIT;
  assert_int_equal(g6_integrity_report_json(&full, false, &fb), G6_OK);
  g6_integrity_report_free(&full);
  assert_string_equal(fb.data, "{\"issues\": {\"__manifest__\": "
                               "\"error:OSError\"}, \"count\": 1}");
  g6_buf_free(&fb);
  /* a regular file where the directory should be: missing, as in Python */
  char file[320];
  snprintf(file, sizeof(file), "%s/manifest.json", d);
  report_is(file, NULL,
            "{\"issues\": {\"manifest.json\": \"missing\"}, \"count\": 1}");
  /* no hashes, or hashes not an object: nothing to verify */
  put(d, "manifest.json", "{\"files\": []}");
  report_is(d, NULL, "{\"issues\": {}, \"count\": 0}");
  put(d, "manifest.json", "{\"hashes\": []}");
  report_is(d, NULL, "{\"issues\": {}, \"count\": 0}");
}

static void entry_problems(void **state) {
  (void)state;
  char *d = fresh("e1");
  put(d, "ok.json", "{\"data\": {}}");
  put(d, "nodata.json", "{\"panel\": \"x\"}"); /* data absent: null */
  put(d, "bad.json", "{\"data\": [1]}");
  put(d, "garbage.json", "{\"data\": ");
  put(d, "list.json", "[]");
  put(d, "latin1.json", "{\"data\": \"\xe9\"}");
  put(d, "nan.json", "{\"data\": [NaN, -Infinity]}");
  char sub[400];
  snprintf(sub, sizeof(sub), "%s/adir.json", d);
  mkdir(sub, 0755);
  g6_buf nanhash = G6_BUF_INIT;
  char h[65];
  g6_sha256_hex("[NaN,-Infinity]", 15, h);
  put(d, "manifest.json",
      "{\"hashes\": {"
      "\"ok.json\": \"" H_EMPTY_OBJ "\", "
      "\"nodata.json\": \"" H_NULL "\", "
      "\"bad.json\": \"" H_EMPTY_ARR "\", "
      "\"short.json\": \"abc\", "
      "\"number.json\": 12, "
      "\"gone.json\": \"" H_EMPTY_OBJ "\", "
      "\"garbage.json\": \"" H_EMPTY_OBJ "\", "
      "\"list.json\": \"" H_EMPTY_OBJ "\", "
      "\"latin1.json\": \"" H_EMPTY_OBJ "\", "
      "\"adir.json\": \"" H_EMPTY_OBJ "\", "
      "\"../ok.json\": \"" H_EMPTY_OBJ "\", "
      "\"upper.json\": \"" "44136FA355B3678A1146AD16F7E8649E94FB4FC21FE77E8310C060F61CAAFF8A" "\"}}");
  put(d, "upper.json", "{\"data\": {}}");
  report_is(d, NULL,
            "{\"issues\": {\"bad.json\": \"mismatch\", "
            "\"short.json\": \"invalid_hash_format\", "
            "\"number.json\": \"invalid_hash_format\", "
            "\"gone.json\": \"file_missing\", "
            "\"garbage.json\": \"read_error:JSONDecodeError\", "
            "\"list.json\": \"read_error:AttributeError\", "
            "\"latin1.json\": \"read_error:UnicodeDecodeError\", "
            "\"adir.json\": \"read_error:IsADirectoryError\", "
            "\"../ok.json\": \"unsafe_name\", "
            "\"upper.json\": \"mismatch\"}, \"count\": 10}");
  /* NaN and Infinity in data hash like Python writes them */
  put(d, "manifest.json", "");
  g6_buf_printf(&nanhash, "{\"hashes\": {\"nan.json\": \"%s\"}}", h);
  put(d, "manifest.json", nanhash.data);
  report_is(d, NULL, "{\"issues\": {}, \"count\": 0}");
  g6_buf_free(&nanhash);
}

/* Hostile sizes: a panel of more values than G6_PANELS_MAX_VALUES (its
 * tree would be ~100 bytes a value: a 60 MiB panel of [0,0,...] took
 * 3.35 GB and 40 s), a manifest of that many, a file beyond 64 MiB (sparse:
 * 2 GiB on no disk), FIFOs and symbolic links (a loop, to a device), and
 * a manifest naming one big file many times: the check reads at most
 * G6_INTEGRITY_MAX_READ bytes of panels, the rest are TooLarge. */
static void hostile_sizes(void **state) {
  (void)state;
  char *d = fresh("big1");
  char path[512];
  g6_buf b = G6_BUF_INIT;
  g6_buf_puts(&b, "{\"data\": [0");
  for (size_t i = 0; i < G6_PANELS_MAX_VALUES; i++)
    g6_buf_puts(&b, ",0");
  g6_buf_puts(&b, "]}");
  put(d, "many.json", b.data);
  g6_buf_free(&b);
  snprintf(path, sizeof(path), "%s/sparse.json", d);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  assert_int_equal(ftruncate(fileno(f), (off_t)2 << 30), 0);
  fclose(f);
  snprintf(path, sizeof(path), "%s/fifo.json", d);
  assert_int_equal(mkfifo(path, 0644), 0);
  snprintf(path, sizeof(path), "%s/loop.json", d);
  assert_int_equal(symlink("loop.json", path), 0);
  snprintf(path, sizeof(path), "%s/zero.json", d);
  assert_int_equal(symlink("/dev/zero", path), 0);
  put(d, "manifest.json",
      "{\"hashes\": {"
      "\"many.json\": \"" H_EMPTY_OBJ "\", "
      "\"sparse.json\": \"" H_EMPTY_OBJ "\", "
      "\"fifo.json\": \"" H_EMPTY_OBJ "\", "
      "\"loop.json\": \"" H_EMPTY_OBJ "\", "
      "\"zero.json\": \"" H_EMPTY_OBJ "\"}}");
  report_is(d, NULL,
            "{\"issues\": {\"many.json\": \"read_error:TooLarge\", "
            "\"sparse.json\": \"read_error:TooLarge\", "
            "\"fifo.json\": \"read_error:OSError\", "
            "\"loop.json\": \"read_error:OSError\", "
            "\"zero.json\": \"read_error:OSError\"}, \"count\": 5}");
  /* the manifest itself: too many values is TooLarge, not parsed */
  g6_buf m = G6_BUF_INIT;
  g6_buf_puts(&m, "{\"hashes\": {}, \"x\": [0");
  for (size_t i = 0; i < G6_PANELS_MAX_VALUES; i++)
    g6_buf_puts(&m, ",0");
  g6_buf_puts(&m, "]}");
  put(d, "manifest.json", m.data);
  g6_buf_free(&m);
  report_is(d, NULL,
            "{\"issues\": {\"__manifest__\": \"error:TooLarge\"}, "
            "\"count\": 1}");
  /* one 63 MiB file under ten names: four are read (not JSON: NUL
   * bytes), then the check's budget is spent */
  d = fresh("big2");
  snprintf(path, sizeof(path), "%s/big.json", d);
  f = fopen(path, "w");
  assert_non_null(f);
  assert_int_equal(ftruncate(fileno(f), (off_t)63 << 20), 0);
  fclose(f);
  g6_buf_puts(&b, "{\"hashes\": {");
  for (int i = 0; i < 10; i++) {
    char name[32];
    snprintf(name, sizeof(name), "n%d.json", i);
    snprintf(path, sizeof(path), "%s/%s", d, name);
    assert_int_equal(symlink("big.json", path), 0);
    g6_buf_printf(&b, "%s\"%s\": \"" H_EMPTY_OBJ "\"", i ? ", " : "", name);
  }
  g6_buf_puts(&b, "}}");
  put(d, "manifest.json", b.data);
  g6_buf_free(&b);
  g6_integrity_report r = {0};
  assert_int_equal(g6_integrity_check(d, NULL, 0, &r), G6_OK);
  assert_int_equal(r.n, 10);
  for (size_t i = 0; i < r.n; i++)
    assert_string_equal(r.issues[i].problem,
                        i < (G6_INTEGRITY_MAX_READ / (63u << 20))
                            ? "read_error:JSONDecodeError"
                            : "read_error:TooLarge");
  g6_integrity_report_free(&r);
}

static void signatures(void **state) {
  (void)state;
  char *d = fresh("s1");
  const char *manifest = "{\"hashes\": {}}";
  put(d, "manifest.json", manifest);
  report_is(d, "key",
            "{\"issues\": {\"manifest.json.sig\": \"missing_signature\"}, "
            "\"count\": 1}");
  /* without a key the signature is not looked at */
  report_is(d, NULL, "{\"issues\": {}, \"count\": 0}");
  char mac[65], sig[100];
  g6_hmac_sha256_hex("key", 3, manifest, strlen(manifest), mac);
  snprintf(sig, sizeof(sig), "hmac-sha256:%s\n", mac);
  put(d, "manifest.json.sig", sig);
  report_is(d, "key", "{\"issues\": {}, \"count\": 0}");
  report_is(d, "other key",
            "{\"issues\": {\"manifest.json.sig\": \"bad_signature\"}, "
            "\"count\": 1}");
  /* a forged manifest keeps its old signature: detected */
  put(d, "manifest.json", "{\"hashes\": {}} ");
  report_is(d, "key",
            "{\"issues\": {\"manifest.json.sig\": \"bad_signature\"}, "
            "\"count\": 1}");
}

/* The one-line form g6_panels logs: in manifest order, cut to fit. */
static void issues_on_one_line(void **state) {
  (void)state;
  g6_integrity_issue is[2] = {{.file = "a.json", .problem = "mismatch"},
                             {.file = "b.json", .problem = "missing"}};
  g6_integrity_report r = {.issues = is, .n = 2};
  char line[64], small[12];
  assert_string_equal(g6_integrity_issues_line(&r, line, sizeof(line)),
                      "a.json: mismatch, b.json: missing");
  assert_string_equal(g6_integrity_issues_line(&r, small, sizeof(small)),
                      "a.json: mis");
  /* a manifest's key with a newline and an escape: '?', one per byte */
  is[1].file = "b\n[x] forged\x1b[31m";
  assert_string_equal(g6_integrity_issues_line(&r, line, sizeof(line)),
                      "a.json: mismatch, b?[x] forged?[31m: missing");
  r.n = 0;
  assert_string_equal(g6_integrity_issues_line(&r, line, sizeof(line)), "");
}

static void json_styles_and_counts(void **state) {
  (void)state;
  char *d = fresh("j1");
  put(d, "a.json", "{\"data\": 1}");
  put(d, "manifest.json",
      "{\"hashes\": {\"a.json\": \"" H_EMPTY_OBJ "\", \"\xc3\xa9.json\": \"" H_EMPTY_OBJ "\"}}");
  g6_integrity_report r = {0};
  assert_int_equal(g6_integrity_check(d, NULL, 0, &r), G6_OK);
  assert_int_equal(r.entries, 2);
  assert_int_equal(r.counts[G6_INTEGRITY_MISMATCH], 1);
  assert_int_equal(r.counts[G6_INTEGRITY_FILE_MISSING], 1);
  g6_buf b = G6_BUF_INIT;
  assert_int_equal(g6_integrity_report_json(&r, true, &b), G6_OK);
  assert_string_equal(b.data, "{\n  \"issues\": {\n    \"a.json\": "
                              "\"mismatch\",\n    \"\\u00e9.json\": "
                              "\"file_missing\"\n  },\n  \"count\": 2\n}");
  g6_buf_free(&b);
  g6_integrity_report_free(&r);
  g6_integrity_report empty = {0};
  assert_int_equal(g6_integrity_report_json(&empty, true, &b), G6_OK);
  assert_string_equal(b.data, "{\n  \"issues\": {},\n  \"count\": 0\n}");
  g6_buf_free(&b);
  assert_string_equal(g6_integrity_kind_name(G6_INTEGRITY_BAD_SIGNATURE),
                      "bad_signature");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(manifest_problems),
      cmocka_unit_test(entry_problems),
      cmocka_unit_test(hostile_sizes),
      cmocka_unit_test(signatures),
      cmocka_unit_test(issues_on_one_line),
      cmocka_unit_test(json_styles_and_counts),
  };
  cmocka_set_message_output(CM_OUTPUT_TAP);
  return cmocka_run_group_tests(tests, setup, teardown);
}
