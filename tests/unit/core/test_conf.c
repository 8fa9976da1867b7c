#include "g6_test.h"

#include "core/conf.h"

/* Hand-built oconfig trees: Plugin "g6_chain" { Index "NIFTY" { <opt> } } */
typedef struct tree {
  oconfig_item_t root, plugin, index, opt;
  oconfig_value_t plugin_v, index_v, opt_v[4];
} tree;

static void build(tree *t, const char *key) {
  memset(t, 0, sizeof(*t));
  t->plugin_v = (oconfig_value_t){.value.string = "g6_chain",
                                  .type = OCONFIG_TYPE_STRING};
  t->index_v =
      (oconfig_value_t){.value.string = "NIFTY", .type = OCONFIG_TYPE_STRING};
  t->plugin = (oconfig_item_t){.key = "Plugin",
                               .values = &t->plugin_v,
                               .values_num = 1,
                               .parent = &t->root,
                               .children = &t->index,
                               .children_num = 1};
  t->index = (oconfig_item_t){.key = "Index",
                              .values = &t->index_v,
                              .values_num = 1,
                              .parent = &t->plugin,
                              .children = &t->opt,
                              .children_num = 1};
  t->opt = (oconfig_item_t){.key = (char *)key, .values = t->opt_v,
                            .values_num = 0, .parent = &t->index};
}

static void add_str(tree *t, const char *s) {
  t->opt_v[t->opt.values_num++] =
      (oconfig_value_t){.value.string = (char *)s, .type = OCONFIG_TYPE_STRING};
}
static void add_num(tree *t, double d) {
  t->opt_v[t->opt.values_num++] =
      (oconfig_value_t){.value.number = d, .type = OCONFIG_TYPE_NUMBER};
}
static void add_bool(tree *t, int b) {
  t->opt_v[t->opt.values_num++] =
      (oconfig_value_t){.value.boolean = b, .type = OCONFIG_TYPE_BOOLEAN};
}

static void where_names_the_blocks(void **state) {
  (void)state;
  tree t;
  build(&t, "StrikeStep");
  char buf[128];
  g6_conf_where(&t.opt, buf, sizeof(buf));
  assert_string_equal(buf, "Plugin \"g6_chain\" / Index \"NIFTY\"");
  g6_conf_where(&t.plugin, buf, sizeof(buf));
  assert_string_equal(buf, "");
  char tiny[8];
  g6_conf_where(&t.opt, tiny, sizeof(tiny)); /* truncates safely */
  assert_true(strlen(tiny) < sizeof(tiny));
}

static void int_accepts_and_rejects_with_named_message(void **state) {
  (void)state;
  tree t;
  g6_error e;
  int64_t v = 0;
  build(&t, "StrikeStep");
  add_num(&t, 50);
  assert_int_equal(g6_conf_int(&t.opt, 1, 100000, &v, &e), G6_OK);
  assert_int_equal(v, 50);

  build(&t, "StrikeStep");
  add_num(&t, -5);
  assert_int_equal(g6_conf_int(&t.opt, 1, 100000, &v, &e), G6_ERANGE);
  assert_string_equal(e.msg,
                      "Plugin \"g6_chain\" / Index \"NIFTY\": option StrikeStep "
                      "= -5: out of range; allowed: an integer from 1 to 100000");
  assert_int_equal(v, 50); /* untouched on failure */

  build(&t, "StrikeStep");
  add_num(&t, 2.5);
  assert_int_equal(g6_conf_int(&t.opt, 1, 100000, &v, &e), G6_EINVAL);
  assert_non_null(strstr(e.msg, "= 2.5: not an integer"));

  build(&t, "StrikeStep");
  add_str(&t, "fifty");
  assert_int_equal(g6_conf_int(&t.opt, 1, 100000, &v, &e), G6_EINVAL);
  assert_non_null(strstr(e.msg, "= \"fifty\": not a number"));

  build(&t, "StrikeStep"); /* quoted decimal numbers are fine */
  add_str(&t, "100");
  assert_int_equal(g6_conf_int(&t.opt, 1, 100000, &v, &e), G6_OK);
  assert_int_equal(v, 100);

  /* but not what strtod reads and nobody writes as a number: the
   * hexadecimal form (16), a hexadecimal float, white space before it */
  static const char *const odd[] = {"0x10", "0X10", "0x1p4", " 16"};
  for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
    build(&t, "StrikesBelowATM");
    add_str(&t, odd[i]);
    assert_int_equal(g6_conf_int(&t.opt, 0, 500, &v, &e), G6_EINVAL);
    assert_non_null(strstr(e.msg, ": not a number; allowed: an integer from "
                                  "0 to 500"));
    double dv;
    assert_int_equal(g6_conf_double(&t.opt, 0, 500, &dv, &e), G6_EINVAL);
    assert_non_null(strstr(e.msg, ": not a number; allowed: a number"));
  }

  build(&t, "StrikeStep");
  assert_int_equal(g6_conf_int(&t.opt, 1, 10, &v, &e), G6_EINVAL);
  assert_non_null(strstr(e.msg, "= (nothing): expected a single number"));

  /* two numbers are not "not a number" (review, D: MaxAgeDays 1 2) */
  build(&t, "StrikeStep");
  add_num(&t, 1);
  add_num(&t, 2);
  assert_int_equal(g6_conf_int(&t.opt, 1, 10, &v, &e), G6_EINVAL);
  assert_non_null(strstr(e.msg, "= 1 2: expected a single number; allowed: "
                                "an integer from 1 to 10"));
}

static void double_rejects_nonfinite_and_range(void **state) {
  (void)state;
  tree t;
  g6_error e;
  double d = 0;
  build(&t, "RiskFreeRate");
  add_num(&t, 0.065);
  assert_int_equal(g6_conf_double(&t.opt, -0.5, 1.0, &d, &e), G6_OK);
  assert_close(d, 0.065, 0);
  build(&t, "RiskFreeRate");
  add_num(&t, 6.5);
  assert_int_equal(g6_conf_double(&t.opt, -0.5, 1.0, &d, &e), G6_ERANGE);
  assert_non_null(strstr(e.msg, "option RiskFreeRate = 6.5: out of range; "
                                "allowed: a number from -0.5 to 1"));
  build(&t, "RiskFreeRate");
  add_str(&t, "nan");
  assert_int_equal(g6_conf_double(&t.opt, -1, 1, &d, &e), G6_EINVAL);
  build(&t, "RiskFreeRate");
  add_str(&t, "inf");
  assert_int_equal(g6_conf_double(&t.opt, -1, 1, &d, &e), G6_EINVAL);
  build(&t, "RiskFreeRate");
  add_str(&t, "0.1x");
  assert_int_equal(g6_conf_double(&t.opt, -1, 1, &d, &e), G6_EINVAL);
  assert_non_null(strstr(e.msg, "= \"0.1x\": not a number"));
  build(&t, "RiskFreeRate");
  add_num(&t, 0.1);
  add_num(&t, 0.2);
  assert_int_equal(g6_conf_double(&t.opt, -1, 1, &d, &e), G6_EINVAL);
  assert_non_null(strstr(e.msg, "= 0.1 0.2: expected a single number"));
  build(&t, "RiskFreeRate");
  assert_int_equal(g6_conf_double(&t.opt, -1, 1, &d, &e), G6_EINVAL);
  assert_non_null(strstr(e.msg, "= (nothing): expected a single number"));
}

static void bool_forms(void **state) {
  (void)state;
  tree t;
  g6_error e;
  bool b = false;
  build(&t, "ForceOpen");
  add_bool(&t, 1);
  assert_int_equal(g6_conf_bool(&t.opt, &b, &e), G6_OK);
  assert_true(b);
  const char *yes[] = {"true", "Yes", "ON"};
  const char *no[] = {"false", "no", "Off"};
  for (int i = 0; i < 3; i++) {
    build(&t, "ForceOpen");
    add_str(&t, yes[i]);
    b = false;
    assert_int_equal(g6_conf_bool(&t.opt, &b, &e), G6_OK);
    assert_true(b);
    build(&t, "ForceOpen");
    add_str(&t, no[i]);
    assert_int_equal(g6_conf_bool(&t.opt, &b, &e), G6_OK);
    assert_false(b);
  }
  build(&t, "ForceOpen");
  add_num(&t, 1);
  assert_int_equal(g6_conf_bool(&t.opt, &b, &e), G6_EINVAL);
  assert_non_null(strstr(e.msg, "option ForceOpen = 1: not a boolean"));
}

static void strings_and_string(void **state) {
  (void)state;
  tree t;
  g6_error e;
  char **list = NULL;
  size_t n = 0;
  build(&t, "Expiry");
  add_str(&t, "this_week");
  add_str(&t, "next_month");
  assert_int_equal(g6_conf_strings(&t.opt, 1, 4, &list, &n, &e), G6_OK);
  assert_int_equal(n, 2);
  assert_string_equal(list[1], "next_month");
  assert_null(list[2]);
  g6_conf_strings_free(list);
  list = NULL;

  build(&t, "Expiry");
  add_str(&t, "this_week");
  add_num(&t, 3);
  assert_int_equal(g6_conf_strings(&t.opt, 1, 4, &list, &n, &e), G6_EINVAL);
  assert_null(list);
  build(&t, "Expiry");
  assert_int_equal(g6_conf_strings(&t.opt, 1, 0, &list, &n, &e), G6_EINVAL);
  assert_non_null(strstr(e.msg, "allowed: at least one non-empty quoted "
                                "string"));
  /* Groups "": one value, empty (review, D: "at least 1 ... strings") */
  build(&t, "Groups");
  add_str(&t, "");
  assert_int_equal(g6_conf_strings(&t.opt, 1, 0, &list, &n, &e), G6_EINVAL);
  assert_non_null(strstr(e.msg, "option Groups = \"\": every value must be a "
                                "non-empty string; allowed: at least one "
                                "non-empty quoted string"));
  build(&t, "Expiry");
  assert_int_equal(g6_conf_strings(&t.opt, 1, 1, &list, &n, &e), G6_EINVAL);
  assert_non_null(strstr(e.msg, "allowed: one non-empty quoted string"));
  assert_int_equal(g6_conf_strings(&t.opt, 2, 2, &list, &n, &e), G6_EINVAL);
  assert_non_null(
      strstr(e.msg, "allowed: exactly 2 non-empty quoted strings"));
  assert_int_equal(g6_conf_strings(&t.opt, 2, 0, &list, &n, &e), G6_EINVAL);
  assert_non_null(
      strstr(e.msg, "allowed: at least 2 non-empty quoted strings"));
  assert_int_equal(g6_conf_strings(&t.opt, 1, 4, &list, &n, &e), G6_EINVAL);
  assert_non_null(strstr(e.msg, "allowed: 1 to 4 non-empty quoted strings"));

  char *s = NULL;
  build(&t, "DataDir");
  add_str(&t, "/var/lib/g6");
  assert_int_equal(g6_conf_string(&t.opt, false, &s, &e), G6_OK);
  assert_string_equal(s, "/var/lib/g6");
  build(&t, "DataDir");
  add_str(&t, "");
  assert_int_equal(g6_conf_string(&t.opt, false, &s, &e), G6_EINVAL);
  assert_string_equal(s, "/var/lib/g6");
  assert_int_equal(g6_conf_string(&t.opt, true, &s, &e), G6_OK);
  assert_string_equal(s, "");
  free(s);
}

static void block_names(void **state) {
  (void)state;
  tree t;
  g6_error e;
  char *name = NULL;
  build(&t, "x");
  /* the Index block itself: one value and children */
  assert_int_equal(g6_conf_block_name(&t.index, &name, &e), G6_OK);
  assert_string_equal(name, "NIFTY");
  /* g6_conf_string refuses blocks: options have no children */
  assert_int_equal(g6_conf_string(&t.index, false, &name, &e), G6_EINVAL);
  t.index_v.value.string = "";
  assert_int_equal(g6_conf_block_name(&t.index, &name, &e), G6_EINVAL);
  assert_non_null(strstr(e.msg, "a block needs one name"));
  assert_string_equal(name, "NIFTY");
  free(name);
}

static void link_parents(void **state) {
  (void)state;
  tree t;
  build(&t, "StrikeStep");
  t.plugin.parent = NULL; /* as collectd hands the block over */
  t.index.parent = NULL;
  t.opt.parent = NULL;
  char buf[128];
  g6_conf_where(&t.opt, buf, sizeof(buf));
  assert_string_equal(buf, "");
  g6_conf_link_parents(&t.plugin);
  g6_conf_where(&t.opt, buf, sizeof(buf));
  assert_string_equal(buf, "Plugin \"g6_chain\" / Index \"NIFTY\"");
}

static void enum_and_unknown(void **state) {
  (void)state;
  tree t;
  g6_error e;
  static const char *const policies[] = {"always", "never", "batch"};
  int idx = -1;
  build(&t, "Fsync");
  add_str(&t, "never");
  assert_int_equal(g6_conf_enum(&t.opt, policies, 3, &idx, &e), G6_OK);
  assert_int_equal(idx, 1);
  build(&t, "Fsync");
  add_str(&t, "sometimes");
  assert_int_equal(g6_conf_enum(&t.opt, policies, 3, &idx, &e), G6_EINVAL);
  assert_non_null(strstr(e.msg, "option Fsync = \"sometimes\": unknown value; "
                                "allowed: always, never, batch"));
  /* collectd's parser turns an unquoted off/no/false (on/yes/true) into a
   * boolean: `Validate off` must still pick "off" when that is allowed */
  static const char *const modes[] = {"off", "warn", "strict"};
  build(&t, "Validate");
  add_bool(&t, 0);
  assert_int_equal(g6_conf_enum(&t.opt, modes, 3, &idx, &e), G6_OK);
  assert_int_equal(idx, 0);
  static const char *const onoff[] = {"auto", "on", "off"};
  build(&t, "Mode");
  add_bool(&t, 1);
  assert_int_equal(g6_conf_enum(&t.opt, onoff, 3, &idx, &e), G6_OK);
  assert_int_equal(idx, 1);
  /* no such word allowed: the message says why a word became a boolean */
  build(&t, "Validate");
  add_bool(&t, 1);
  assert_int_equal(g6_conf_enum(&t.opt, modes, 3, &idx, &e), G6_EINVAL);
  assert_non_null(strstr(e.msg, "option Validate = true: a boolean (collectd "
                                "reads an unquoted on, off, yes, no, true or "
                                "false as one); allowed: off, warn, strict"));
  build(&t, "Fsync");
  add_bool(&t, 0);
  assert_int_equal(g6_conf_enum(&t.opt, policies, 3, &idx, &e), G6_EINVAL);
  assert_non_null(strstr(e.msg, "option Fsync = false: a boolean"));
  static const char *const known[] = {"StrikeStep", "Interval", NULL};
  build(&t, "StrikeStpe");
  assert_int_equal(g6_conf_unknown(&t.opt, known, &e), G6_EINVAL);
  assert_string_equal(e.msg, "Plugin \"g6_chain\" / Index \"NIFTY\": unknown "
                             "option StrikeStpe; allowed: StrikeStep, Interval");
}

/* A block without options (<Plugin g6_info>): empty is fine, any option is
 * named with the block, also as collectd hands the block over (without
 * parent links). */
static void no_options(void **state) {
  (void)state;
  tree t;
  g6_error e;
  build(&t, "Foo");
  t.plugin_v.value.string = "g6_info";
  t.plugin.children = &t.opt;
  t.opt.parent = NULL;
  t.plugin.parent = NULL;
  assert_int_equal(g6_conf_no_options(&t.plugin, &e), G6_EINVAL);
  assert_string_equal(e.msg, "Plugin \"g6_info\": unknown option Foo; this "
                             "block takes no options");
  t.plugin.children_num = 0;
  assert_int_equal(g6_conf_no_options(&t.plugin, &e), G6_OK);
}

/* A plugin's block may be given once; the second is refused naming it. */
static void block_once(void **state) {
  (void)state;
  tree t;
  g6_error e;
  build(&t, "Foo");
  t.plugin_v.value.string = "g6_info";
  bool seen = false;
  assert_int_equal(g6_conf_block_once(&t.plugin, &seen, &e), G6_OK);
  assert_true(seen);
  assert_int_equal(g6_conf_block_once(&t.plugin, &seen, &e), G6_EINVAL);
  assert_string_equal(e.msg, "<Plugin g6_info> is given twice; allowed: one "
                             "block per plugin, with every option in it");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(where_names_the_blocks),
      cmocka_unit_test(int_accepts_and_rejects_with_named_message),
      cmocka_unit_test(double_rejects_nonfinite_and_range),
      cmocka_unit_test(bool_forms),
      cmocka_unit_test(strings_and_string),
      cmocka_unit_test(block_names),
      cmocka_unit_test(link_parents),
      cmocka_unit_test(enum_and_unknown),
      cmocka_unit_test(no_options),
      cmocka_unit_test(block_once),
  };
  return G6_RUN_TESTS(tests);
}
