/* The generic option-table parser (core/options.h) on a toy table with every
 * option type: defaults, values, ugly values, messages, secrets, required
 * options and groups, nested blocks, the reference text. */
#include "g6_test.h"

#include "conftext.h"
#include "core/options.h"

#include <stdint.h>

typedef struct toy {
  bool flag;
  int count;
  uint64_t big;
  double ratio;
  char *path;
  char code[8];
  int mode;
  char **names;
  char *key, *key_file;
  int custom_calls;
  int blocks;
  char *inner;
} toy;

#define T(m) G6_OPT_FIELD(toy, m)

static const char *const modes[] = {"never", "cycle", "always", NULL};

static const char *no_x(const void *v) {
  return strchr(*(const char *const *)v, 'x') ? "contains an x" : NULL;
}

static g6_status set_custom(void *target, const oconfig_item_t *ci,
                            g6_error *err) {
  (void)ci;
  (void)err;
  ((toy *)target)->custom_calls++;
  return G6_OK;
}

static const g6_option inner_opts[] = {
    {.name = "Inner", G6_OPT_FIELD(toy, inner), .type = G6_OPT_STRING,
     .flags = G6_OPT_REQUIRED, .help = "inner value"},
};
static const g6_option_table inner_table = {
    .block = "Sub", .arg = "\"NAME\"", .help = "a nested block",
    .options = inner_opts, .n = 1};

static g6_status set_sub(void *target, const oconfig_item_t *ci,
                         g6_error *err) {
  ((toy *)target)->blocks++;
  return g6_options_parse(&inner_table, ci, target, err);
}

static g6_status toy_finish(void *target, const oconfig_item_t *ci,
                            g6_error *err) {
  (void)ci;
  toy *t = target;
  if (t->count > 90 && t->ratio > 0.9)
    return g6_error_set(err, G6_EINVAL, "Count and Ratio both high");
  return G6_OK;
}

static const g6_option toy_opts[] = {
    {.name = "Flag", T(flag), .type = G6_OPT_BOOL, .def = "true",
     .help = "a flag"},
    {.name = "Count", T(count), .type = G6_OPT_INT, .min = -5, .max = 100,
     .def = "10", .help = "a count"},
    {.name = "Big", T(big), .type = G6_OPT_INT, .min = 0, .max = 1e12,
     .def = "8388608", .help = "a big count"},
    {.name = "Ratio", T(ratio), .type = G6_OPT_DOUBLE, .min = 0, .max = 1,
     .unit = "s", .def = "0.5", .help = "a ratio"},
    {.name = "Path", T(path), .type = G6_OPT_STRING, .def = "\"/var/lib/g6\"",
     .check = no_x, .allowed_doc = "path", .help = "a path"},
    {.name = "Code", T(code), .type = G6_OPT_STRING, .flags = G6_OPT_INLINE,
     .def = "\"NFO\"", .help = "a code"},
    {.name = "Mode", T(mode), .type = G6_OPT_ENUM, .values = modes,
     .def = "\"cycle\"", .help = "a mode"},
    {.name = "Names", T(names), .type = G6_OPT_STRINGS, .min = 1, .max = 3,
     .def = "\"a\" \"b c\"", .help = "names"},
    {.name = "Key", T(key), .type = G6_OPT_STRING, .flags = G6_OPT_SECRET,
     .group = "Key or KeyFile", .help = "secret"},
    {.name = "KeyFile", T(key_file), .type = G6_OPT_STRING,
     .group = "Key or KeyFile", .help = "secret file"},
    {.name = "Custom", .type = G6_OPT_CUSTOM, .set = set_custom,
     .allowed_doc = "anything", .help = "custom"},
    {.name = "Sub", .type = G6_OPT_BLOCK, .set = set_sub,
     .block = &inner_table, .help = "sub block"},
};
static const g6_option_table toy_table = {
    .block = "Plugin", .arg = "toy", .help = "a toy plugin",
    .options = toy_opts, .n = sizeof(toy_opts) / sizeof(toy_opts[0]),
    .finish = toy_finish};

/* Parses text as <Plugin toy>; returns the status, err filled. */
static g6_status parse(const char *text, toy *t, g6_error *err) {
  oconfig_item_t *ci = conftext_parse("Plugin", "toy", text);
  assert_non_null(ci);
  memset(t, 0, sizeof(*t));
  g6_status st = g6_options_parse(&toy_table, ci, t, err);
  conftext_free(ci);
  return st;
}

static void defaults_apply_through_the_setters(void **state) {
  (void)state;
  toy t;
  g6_error e;
  assert_int_equal(parse("KeyFile \"/k\"\n", &t, &e), G6_OK);
  assert_true(t.flag);
  assert_int_equal(t.count, 10);
  assert_int_equal(t.big, 8388608);
  assert_close(t.ratio, 0.5, 0);
  assert_string_equal(t.path, "/var/lib/g6");
  assert_string_equal(t.code, "NFO");
  assert_int_equal(t.mode, 1);
  assert_string_equal(t.names[0], "a");
  assert_string_equal(t.names[1], "b c");
  assert_null(t.names[2]);
  assert_null(t.key);
  assert_string_equal(t.key_file, "/k");
  assert_int_equal(t.custom_calls, 0);
  g6_options_free(&toy_table, &t);
  assert_null(t.path);
  assert_null(t.names);
  g6_options_free(&toy_table, &t); /* twice is safe */
}

static void values_replace_defaults(void **state) {
  (void)state;
  toy t;
  g6_error e;
  assert_int_equal(parse("flag false\nCOUNT -5\nBig 1000000000000\n"
                         "Ratio \"0.25\"\nPath \"/data\"\nPath \"/data2\"\n"
                         "Code \"BFO-OPT\"\nMode \"always\"\nNames \"z\"\n"
                         "Key \"s3cr3t\"\nCustom 1 2 3\n"
                         "<Sub \"one\">\n  Inner \"i\"\n</Sub>\n",
                         &t, &e),
                   G6_OK);
  assert_false(t.flag);
  assert_int_equal(t.count, -5);
  assert_true(t.big == 1000000000000ull);
  assert_close(t.ratio, 0.25, 0); /* a quoted number, as collectd allows */
  assert_string_equal(t.path, "/data2"); /* the later value wins */
  assert_string_equal(t.code, "BFO-OPT");
  assert_int_equal(t.mode, 2);
  assert_string_equal(t.names[0], "z");
  assert_null(t.names[1]);
  assert_string_equal(t.key, "s3cr3t");
  assert_int_equal(t.custom_calls, 1);
  assert_int_equal(t.blocks, 1);
  assert_string_equal(t.inner, "i");
  g6_options_free(&toy_table, &t);
  free(t.inner);
}

static void bad_values_are_named(void **state) {
  (void)state;
  static const struct {
    const char *text;
    g6_status st;
    const char *want;
  } v[] = {
      {"Count 101", G6_ERANGE,
       "Plugin \"toy\": option Count = 101: out of range; allowed: an "
       "integer from -5 to 100"},
      {"Count 2.5", G6_EINVAL, "option Count = 2.5: not an integer"},
      {"Count \"ten\"", G6_EINVAL, "option Count = \"ten\": not a number"},
      {"Count", G6_EINVAL,
       "option Count = (nothing): expected a single number"},
      {"Count 1 2", G6_EINVAL, "option Count = 1 2: expected a single number"},
      {"Ratio -0.1", G6_ERANGE, "option Ratio = -0.1: out of range"},
      {"Ratio nan", G6_EINVAL, "option Ratio = nan: not a finite number"},
      {"Ratio \"inf\"", G6_EINVAL,
       "option Ratio = \"inf\": not a finite number"},
      {"Flag \"maybe\"", G6_EINVAL, "option Flag = \"maybe\": not a boolean"},
      {"Path 5", G6_EINVAL,
       "option Path = 5: expected a single quoted string; allowed: path"},
      {"Path \"\"", G6_EINVAL, "option Path = \"\": empty string"},
      {"Path \"/a/x\"", G6_EINVAL, "option Path = \"/a/x\": contains an x"},
      {"Code \"TOOLONGCODE\"", G6_ERANGE,
       "option Code = \"TOOLONGCODE\": too long; allowed: string of at most "
       "7 bytes"},
      {"Mode \"sometimes\"", G6_EINVAL,
       "option Mode = \"sometimes\": unknown value; allowed: never, cycle, "
       "always"},
      {"Names", G6_EINVAL, "option Names = (nothing): wrong number of values"},
      {"Names \"a\" \"b\" \"c\" \"d\"", G6_EINVAL,
       "wrong number of values; allowed: 1 to 3 non-empty quoted strings"},
      {"Nmaes \"a\"", G6_EINVAL,
       "Plugin \"toy\": unknown option Nmaes; allowed: Flag, Count, Big, "
       "Ratio, Path, Code, Mode, Names, Key, KeyFile, Custom, Sub"},
      {"Count 95\nRatio 0.95", G6_EINVAL, "Count and Ratio both high"},
      {"<Sub \"one\">\n</Sub>", G6_EINVAL,
       "Plugin \"toy\" / Sub \"one\": option Inner is required: inner value"},
      {"<Sub \"one\">\n Other 1\n</Sub>", G6_EINVAL,
       "Plugin \"toy\" / Sub \"one\": unknown option Other; allowed: Inner"},
  };
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    toy t;
    g6_error e;
    char text[256];
    snprintf(text, sizeof(text), "KeyFile \"/k\"\n%s\n", v[i].text);
    g6_status st = parse(text, &t, &e);
    if (st != v[i].st || strstr(e.msg, v[i].want) == NULL)
      fail_msg("%s: got %s \"%s\", want %s \"%s\"", v[i].text,
               g6_status_name(st), e.msg, g6_status_name(v[i].st), v[i].want);
    g6_options_free(&toy_table, &t);
    free(t.inner);
  }
}

static void groups_and_secrets(void **state) {
  (void)state;
  toy t;
  g6_error e;
  assert_int_equal(parse("Count 1\n", &t, &e), G6_EINVAL);
  assert_string_equal(e.msg, "Plugin \"toy\": Key or KeyFile is required");
  g6_options_free(&toy_table, &t);
  /* a secret's value is never echoed, whatever is wrong with it */
  assert_int_equal(parse("Key 123456789\n", &t, &e), G6_EINVAL);
  assert_null(strstr(e.msg, "123456789"));
  assert_non_null(strstr(e.msg, "option Key = (hidden)"));
  g6_options_free(&toy_table, &t);
  assert_int_equal(parse("Key \"abc\" \"def\"\n", &t, &e), G6_EINVAL);
  assert_null(strstr(e.msg, "abc"));
  g6_options_free(&toy_table, &t);
}

static void reference_text(void **state) {
  (void)state;
  char buf[256];
  g6_option_default_text(&toy_opts[4], buf, sizeof(buf));
  assert_string_equal(buf, "/var/lib/g6"); /* quotes dropped */
  g6_option_default_text(&toy_opts[7], buf, sizeof(buf));
  assert_string_equal(buf, "\"a\" \"b c\"");
  g6_option_default_text(&toy_opts[8], buf, sizeof(buf));
  assert_string_equal(buf, "—");
  g6_option_allowed_text(&toy_opts[3], buf, sizeof(buf));
  assert_string_equal(buf, "0 … 1 s");
  g6_option_allowed_text(&toy_opts[6], buf, sizeof(buf));
  assert_string_equal(buf, "never, cycle, always");
  g6_buf md = G6_BUF_INIT;
  assert_int_equal(g6_options_render(&toy_table, true, &md), G6_OK);
  assert_non_null(strstr(md.data, "#### `<Plugin toy>`\n\na toy plugin\n"));
  assert_non_null(strstr(md.data, "| `Count` | `10` | -5 … 100 | a count |"));
  assert_non_null(
      strstr(md.data, "| `Key` | — | string | Key or KeyFile is required. "
                      "secret |"));
  assert_non_null(strstr(md.data, "| `<Sub \"NAME\">` | — | block |"));
  assert_non_null(strstr(md.data, "#### `<Sub \"NAME\">`"));
  assert_non_null(strstr(md.data, "| `Inner` | — | string | inner value "
                                  "(required) |"));
  g6_buf_free(&md);
  g6_buf txt = G6_BUF_INIT;
  assert_int_equal(g6_options_render(&toy_table, false, &txt), G6_OK);
  assert_non_null(strstr(txt.data, "<Plugin toy>\n  a toy plugin\n"));
  g6_buf_free(&txt);
}

static void bad_default_is_reported(void **state) {
  (void)state;
  static const g6_option bad_opts[] = {
      {.name = "N", G6_OPT_FIELD(toy, count), .type = G6_OPT_INT, .min = 0,
       .max = 5, .def = "7"},
  };
  static const g6_option_table bad = {.block = "Bad", .options = bad_opts,
                                      .n = 1};
  toy t = {0};
  g6_error e;
  assert_int_equal(g6_options_defaults(&bad, &t, &e), G6_EINVAL);
  assert_non_null(strstr(e.msg, "invalid default"));
  static const g6_option unparsable_opts[] = {
      {.name = "S", G6_OPT_FIELD(toy, path), .type = G6_OPT_STRING,
       .def = "\"unterminated"},
  };
  static const g6_option_table unparsable = {
      .block = "Bad", .options = unparsable_opts, .n = 1};
  assert_int_equal(g6_options_defaults(&unparsable, &t, &e), G6_EINVAL);
  assert_non_null(strstr(e.msg, "does not parse"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(defaults_apply_through_the_setters),
      cmocka_unit_test(values_replace_defaults),
      cmocka_unit_test(bad_values_are_named),
      cmocka_unit_test(groups_and_secrets),
      cmocka_unit_test(reference_text),
      cmocka_unit_test(bad_default_is_reported),
  };
  return G6_RUN_TESTS(tests);
}
