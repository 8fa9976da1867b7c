/* No secret stays in memory g6 gives back: a sensitive g6_buf (growth,
 * free, reset, printf's stack copy), the JSON parser in its sensitive mode
 * (strings, keys, numbers, decoded text, a duplicate's old value, a tree
 * abandoned on failure), g6_read_secret_file's refusals and
 * g6_secret_free, secret option values. Every free() and realloc() of libg6
 * is watched (secretspy.h; the binary is linked with --wrap=free,realloc). */
#include "g6_test.h"

#include "conftext.h"
#include "core/buf.h"
#include "core/fsutil.h"
#include "core/json.h"
#include "core/options.h"
#include "secretspy.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

G6_TEST_TMPDIR("secretmem")

#define KEY "kq7Zx2Lw9Rt4Vb1N"
#define TOK                                                                    \
  "TkA9s8d7F6g5H4j3K2l1Zx0Cv9Bn8Mq7We6Rt5Yu4Io3Pa2Sd1Fg0HjKlQwErTyUiOp"
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
 * leaves holds no key, token or secret. Not built under ASan (cmocka's TAP
 * says "not ok" for a skip; see secretspy.h for why the scan is off). */
#if SECRETSPY_STACK_SCAN
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
#endif

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

static void write_secret(const char *path, const char *text) {
  unlink(path);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  assert_int_equal(chmod(path, 0600), 0);
}

/* A secret file read, and the ones refused after reading (two words, a
 * NUL inside): nothing read is freed unzeroed; the secret handed out is
 * zeroed by g6_secret_free. */
static void secret_file_reads(void **state) {
  (void)state;
  char path[300];
  snprintf(path, sizeof(path), "%s/token", dir);
  static const struct {
    const char *text;
    g6_status want;
  } vecs[] = {
      {"  " TOK "\n\n", G6_OK},
      {TOK "\n" KEY "\n", G6_EINVAL}, /* a file written twice */
      {TOK " x\n", G6_EINVAL},
  };
  for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
    write_secret(path, vecs[i].text);
    secretspy_arm(all);
    char *out = NULL;
    g6_error e;
    assert_int_equal(g6_read_secret_file(path, &out, &e), vecs[i].want);
    if (out != NULL) {
      assert_string_equal(out, TOK);
      g6_secret_free(out);
    }
    char what[64];
    snprintf(what, sizeof(what), "secret file vector %zu", i);
    assert_no_leak(what);
  }
  /* a NUL inside: the tail of a write a crash cut short */
  static const char cut[] = TOK "\0\0\0" KEY;
  unlink(path);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, cut, sizeof(cut) - 1), (ssize_t)sizeof(cut) - 1);
  close(fd);
  secretspy_arm(all);
  char *out = NULL;
  g6_error e;
  assert_int_equal(g6_read_secret_file(path, &out, &e), G6_EINVAL);
  assert_null(out);
  assert_no_leak("secret file with a NUL");
}

/* A file whose size stat understates, as /proc reports 0 for its files:
 * the buffer grows as it is read, and no smaller block is given back
 * holding what was read. /proc/self/environ is such a file, of mode 0400,
 * and holds TOK (main starts the test again with it in its environment);
 * it is refused (NUL bytes), after it was read whole. */
static void secret_file_that_grows(void **state) {
  (void)state;
  assert_non_null(getenv("G6_SECRETMEM_TOKEN"));
  secretspy_arm(all);
  char *out = NULL;
  g6_error e;
  g6_status s = g6_read_secret_file("/proc/self/environ", &out, &e);
  assert_int_not_equal(s, G6_OK);
  assert_null(out);
  assert_no_leak("secret file read while it grew");
}

typedef struct opts {
  char *key, *path;
} opts;

static const g6_option opt_list[] = {
    {.name = "APIKey",
     G6_OPT_FIELD(opts, key),
     .type = G6_OPT_STRING,
     .flags = G6_OPT_SECRET,
     .help = "a secret"},
    {.name = "Path",
     G6_OPT_FIELD(opts, path),
     .type = G6_OPT_STRING,
     .help = "not a secret"},
};
static const g6_option_table opt_table = {.block = "Plugin",
                                          .arg = "toy",
                                          .help = "toy",
                                          .options = opt_list,
                                          .n = 2};

/* A secret option's value (given twice: the first is replaced) is zeroed
 * when it is freed. */
static void secret_options(void **state) {
  (void)state;
  oconfig_item_t *ci = conftext_parse(
      "Plugin", "toy", "APIKey \"" TOK "\"\nAPIKey \"" KEY "\"\nPath \"/x\"\n");
  assert_non_null(ci);
  opts o;
  memset(&o, 0, sizeof(o));
  g6_error e;
  secretspy_arm(all);
  assert_int_equal(g6_options_parse(&opt_table, ci, &o, &e), G6_OK);
  assert_string_equal(o.key, KEY);
  g6_options_free(&opt_table, &o);
  assert_null(o.key);
  assert_no_leak("secret option");
  conftext_free(ci); /* the test's own copies: not watched */
}

int main(int argc, char **argv) {
  (void)argc;
  if (getenv("G6_SECRETMEM_TOKEN") == NULL) { /* see secret_file_that_grows */
    /* first in the environment, so more is read after it */
    size_t n = 0;
    while (environ[n] != NULL)
      n++;
    char **env = calloc(n + 2, sizeof(*env));
    if (env == NULL)
      return 1;
    env[0] = "G6_SECRETMEM_TOKEN=" TOK;
    memcpy(env + 1, environ, n * sizeof(*env));
    execve("/proc/self/exe", argv, env);
    perror("execve /proc/self/exe");
    return 1;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(buf_growth_and_free),
      cmocka_unit_test(buf_reset_zeroes),
#if SECRETSPY_STACK_SCAN /* not under ASan: see secretspy.h */
      cmocka_unit_test(buf_printf_stack),
#endif
      cmocka_unit_test(json_sensitive),
      cmocka_unit_test(secret_file_reads),
      cmocka_unit_test(secret_file_that_grows),
      cmocka_unit_test(secret_options),
  };
  cmocka_set_message_output(CM_OUTPUT_TAP);
  return cmocka_run_group_tests(tests, setup, teardown);
}
