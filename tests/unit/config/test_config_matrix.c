/* The bad-configuration matrix, generated from the option tables of every
 * plugin in the registry (config/plugins.h): each option of each block
 * (nested blocks included) gets a value of the wrong type, values out of
 * range, no value at all, and each block an unknown key; each required
 * option (or group) is left out. Every case goes through the plugin's own
 * parse function, inside an otherwise valid <Plugin> block, and must be
 * refused with a message that names the option (or block) and quotes the
 * value as written — a secret option's value never: "(hidden)"; the plugin
 * prefixes its name when it logs the message. A registry
 * entry without a sample block below, or a CUSTOM option or a block
 * without a known out-of-range value, fails the test: a new plugin or
 * option is covered as soon as it is registered. */
#include "g6_test.h"

#include "config/plugins.h"
#include "conftext.h"

#include <stdbool.h>

/* ---- a valid block per plugin ------------------------------------------ */

/* One block of a valid sample: its key and argument as written, its lines,
 * and the valid blocks nested in it (matched to a table by BLOCK option). */
typedef struct sample_block {
  const char *key, *arg; /* arg NULL: the plugin block (arg = plugin) */
  const char *lines;     /* one option per line */
  const struct sample_block *nested[4];
} sample_block;

static const sample_block chain_provider = {
    "Provider", "\"kite\"",
    "APIKey \"matrix-api-key-5a1f\"\nAccessToken \"matrix-token-77c2\"\n",
    {NULL}};
static const sample_block chain_index = {"Index", "\"NIFTY\"", "", {NULL}};
static const sample_block samples[] = {
    {"g6_chain", NULL, "DataDir \"/tmp/g6-matrix\"\n",
     {&chain_provider, &chain_index}},
    {"g6_panels", NULL, "PanelsDir \"/tmp/g6-matrix/panels\"\n", {NULL}},
    {"g6_analytics", NULL, "DataDir \"/tmp/g6-matrix\"\n", {NULL}},
    {"g6_retention", NULL, "DataDir \"/tmp/g6-matrix\"\n", {NULL}},
};
static const char *const sample_secrets[] = {"matrix-api-key-5a1f",
                                             "matrix-token-77c2"};

/* Values the types cannot tell are out of range: CUSTOM options and block
 * names, by option name (a new one must be added here). */
static const struct {
  const char *name, *value;
} custom_bad[] = {
    {"Expiry", "\"2026-02-30\""},          /* g6_chain <Index> */
    {"Index", "\"NIFTY/../x\""},          /* g6_analytics; also the block */
    {"Groups", "\"vibes\""},              /* g6_analytics */
    {"ExtraPlugin", "\"no such plugin\""}, /* g6_panels */
    {"MetricsURL", "\"ftp://x\""},         /* g6_panels */
    {"DashboardsURL", "\"ftp://x\""},      /* g6_panels */
    {"Provider", "\"zerodha\""},          /* g6_chain's block */
};

static const char *custom_value(const char *name) {
  for (size_t i = 0; i < sizeof(custom_bad) / sizeof(custom_bad[0]); i++)
    if (strcmp(custom_bad[i].name, name) == 0)
      return custom_bad[i].value;
  return NULL;
}

/* ---- rendering a case ------------------------------------------------------ */

typedef struct bad_case {
  const char *plugin;
  const g6_option_table *table; /* the block the bad line goes into */
  const char *line;             /* "Key values", or "<Key values>" */
  const char *omit;             /* a group or option to leave out, or NULL */
  const g6_option *option;      /* NULL for the unknown key */
  const char *echo;             /* what the message must quote */
  char what[160];
} bad_case;

/* Does the sample line start with an option whose name or group is `omit`? */
static bool omitted(const g6_option_table *t, const char *line, size_t len,
                    const char *omit) {
  if (omit == NULL)
    return false;
  for (size_t i = 0; i < t->n; i++) {
    const g6_option *o = &t->options[i];
    size_t k = strlen(o->name);
    bool named = len > k && strncasecmp(line, o->name, k) == 0 &&
                 (line[k] == ' ' || line[k] == '\t');
    if (named && (strcmp(o->name, omit) == 0 ||
                  (o->group != NULL && strcmp(o->group, omit) == 0)))
      return true;
  }
  return false;
}

static void render_block(const sample_block *b, const g6_option_table *t,
                         const bad_case *c, g6_buf *out);

static void render_lines(const sample_block *b, const g6_option_table *t,
                         const bad_case *c, g6_buf *out) {
  for (const char *p = b->lines; *p;) {
    const char *e = strchr(p, '\n');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    if (!(c->table == t && omitted(t, p, len, c->omit)))
      assert_int_equal(g6_buf_printf(out, "%.*s\n", (int)len, p), G6_OK);
    p += len + (e != NULL);
  }
  for (size_t i = 0; i < 4 && b->nested[i]; i++) {
    const sample_block *n = b->nested[i];
    const g6_option *o = g6_options_find(t, n->key);
    assert_non_null(o);
    assert_non_null(o->block);
    /* a bad block line replaces the sample block of the same key */
    if (c->table == t && c->line[0] == '<' &&
        strncasecmp(c->line + 1, n->key, strlen(n->key)) == 0)
      continue;
    render_block(n, o->block, c, out);
  }
  if (c->table == t) {
    if (c->line[0] == '<') { /* a block: "<Key args>" with the sample body */
      const char *key = c->line + 1;
      size_t klen = strcspn(key, " >");
      const sample_block *body = NULL;
      for (size_t i = 0; i < 4 && b->nested[i]; i++)
        if (strncasecmp(b->nested[i]->key, key, klen) == 0)
          body = b->nested[i];
      assert_int_equal(g6_buf_printf(out, "%s\n", c->line), G6_OK);
      if (body != NULL)
        render_lines(body, g6_options_find(t, body->key)->block, c, out);
      assert_int_equal(g6_buf_printf(out, "</%.*s>\n", (int)klen, key), G6_OK);
    } else {
      assert_int_equal(g6_buf_printf(out, "%s\n", c->line), G6_OK);
    }
  }
}

static void render_block(const sample_block *b, const g6_option_table *t,
                         const bad_case *c, g6_buf *out) {
  assert_int_equal(g6_buf_printf(out, "<%s %s>\n", b->key, b->arg), G6_OK);
  render_lines(b, t, c, out);
  assert_int_equal(g6_buf_printf(out, "</%s>\n", b->key), G6_OK);
}

static const sample_block *sample_of(const char *plugin) {
  for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
    if (strcmp(samples[i].key, plugin) == 0)
      return &samples[i];
  return NULL;
}

/* Parses the plugin's sample with case c applied; returns the status and
 * fills msg. */
static g6_status run_case(const g6_plugin_options *p, const bad_case *c,
                          char *msg, size_t len) {
  const sample_block *s = sample_of(p->plugin);
  g6_buf text = G6_BUF_INIT;
  render_lines(s, p->table, c, &text);
  oconfig_item_t *ci = conftext_parse("Plugin", p->plugin, text.data);
  if (ci == NULL)
    fail_msg("%s: the matrix wrote text conftext cannot read:\n%s", c->what,
             text.data);
  void *cfg = calloc(1, p->config_size);
  assert_non_null(cfg);
  g6_error e = {0};
  g6_status st = p->parse(ci, cfg, &e);
  snprintf(msg, len, "%s", e.msg);
  p->free(cfg);
  free(cfg);
  conftext_free(ci);
  g6_buf_free(&text);
  return st;
}

/* ---- generating the cases ------------------------------------------------ */

#define MAX_CASES 4096
static bad_case cases[MAX_CASES];
static size_t n_cases;
static char strings[MAX_CASES][600]; /* lines and echoes */
static size_t n_strings;

static const char *keep(const char *fmt, ...) {
  assert_true(n_strings < MAX_CASES);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(strings[n_strings], sizeof(strings[0]), fmt, ap);
  va_end(ap);
  return strings[n_strings++];
}

static void add(const char *plugin, const g6_option_table *t,
                const g6_option *o, const char *kind, const char *line,
                const char *echo, const char *omit) {
  assert_true(n_cases < MAX_CASES);
  bad_case *c = &cases[n_cases++];
  c->plugin = plugin;
  c->table = t;
  c->option = o;
  c->line = line;
  c->echo = echo;
  c->omit = omit;
  snprintf(c->what, sizeof(c->what), "%s <%s>: %s: %s", plugin, t->block,
           o ? o->name : "unknown key", kind);
}

/* "Key value" and the echo of `value` (collectd.conf syntax, which is how
 * messages quote values). */
static void add_value(const char *plugin, const g6_option_table *t,
                      const g6_option *o, const char *kind, const char *value) {
  const char *line = o->type == G6_OPT_BLOCK
                         ? keep("<%s %s>", o->name, value)
                         : keep("%s %s", o->name, value);
  add(plugin, t, o, kind, line, value, NULL);
}

static const char *num(double v) { return keep("%.15g", v); }

static void option_cases(const char *plugin, const g6_option_table *t,
                         const g6_option *o) {
  /* a value of the wrong type */
  switch (o->type) {
  case G6_OPT_BOOL:
  case G6_OPT_INT:
  case G6_OPT_DOUBLE:
    add_value(plugin, t, o, "wrong type (a string)", "\"abc-bad\"");
    break;
  case G6_OPT_STRING:
  case G6_OPT_ENUM:
  case G6_OPT_STRINGS:
  case G6_OPT_CUSTOM:
  case G6_OPT_BLOCK:
    add_value(plugin, t, o, "wrong type (a number)", "42");
    if (o->type != G6_OPT_BLOCK)
      add_value(plugin, t, o, "wrong type (a boolean)", "true");
    break;
  }
  /* out of range */
  switch (o->type) {
  case G6_OPT_BOOL:
    add_value(plugin, t, o, "out of range (a number)", "2");
    break;
  case G6_OPT_INT:
    add_value(plugin, t, o, "out of range (above)",
              num(o->max + fmax(1, fabs(o->max))));
    add_value(plugin, t, o, "out of range (below)",
              num(o->min - fmax(1, fabs(o->min))));
    add_value(plugin, t, o, "out of range (a fraction)", num(o->min + 0.5));
    break;
  case G6_OPT_DOUBLE:
    add_value(plugin, t, o, "out of range (above)",
              num(o->max + fmax(1, fabs(o->max))));
    add_value(plugin, t, o, "out of range (below)",
              num(o->min - fmax(1, fabs(o->min))));
    add_value(plugin, t, o, "out of range (NaN)", "nan");
    add_value(plugin, t, o, "out of range (infinite)", "inf");
    break;
  case G6_OPT_STRING:
    if (!(o->flags & G6_OPT_EMPTY_OK))
      add_value(plugin, t, o, "out of range (empty)", "\"\"");
    if (o->flags & G6_OPT_INLINE) {
      char longer[600];
      size_t n = o->size < sizeof(longer) - 1 ? o->size : sizeof(longer) - 1;
      memset(longer, 'A', n);
      longer[n] = '\0';
      add_value(plugin, t, o, "out of range (too long)", keep("\"%s\"", longer));
    }
    break;
  case G6_OPT_ENUM:
    add_value(plugin, t, o, "out of range (unknown value)", "\"no-such-value\"");
    break;
  case G6_OPT_STRINGS:
    add_value(plugin, t, o, "out of range (an empty string)", "\"\"");
    if (o->max > 0) {
      char many[600] = "";
      for (int i = 0; i <= (int)o->max && strlen(many) + 8 < sizeof(many); i++)
        snprintf(many + strlen(many), sizeof(many) - strlen(many), "%s\"v%d\"",
                 i ? " " : "", i);
      add_value(plugin, t, o, "out of range (too many)", keep("%s", many));
    }
    break;
  case G6_OPT_CUSTOM:
  case G6_OPT_BLOCK: {
    const char *v = custom_value(o->name);
    if (v == NULL)
      fail_msg("%s <%s>: option %s: add an out-of-range value to custom_bad[]",
               plugin, t->block, o->name);
    add_value(plugin, t, o, "out of range", v);
    break;
  }
  }
  /* no value at all */
  add(plugin, t, o, "missing value",
      o->type == G6_OPT_BLOCK ? keep("<%s>", o->name) : o->name, "(nothing)",
      NULL);
}

static void table_cases(const char *plugin, const g6_option_table *t) {
  for (size_t i = 0; i < t->n; i++) {
    const g6_option *o = &t->options[i];
    option_cases(plugin, t, o);
    if (o->flags & G6_OPT_REQUIRED)
      add(plugin, t, o, "required option left out", "", NULL, o->name);
    if (o->group != NULL) {
      bool first = true; /* one case per group */
      for (size_t j = 0; j < i; j++)
        first = first && !(t->options[j].group != NULL &&
                           strcmp(t->options[j].group, o->group) == 0);
      if (first)
        add(plugin, t, o, "required group left out", "", NULL, o->group);
    }
    if (o->type == G6_OPT_BLOCK)
      table_cases(plugin, o->block);
  }
  add(plugin, t, NULL, "unknown key", "NoSuchOption 1", NULL, NULL);
}

/* ---- the checks ------------------------------------------------------------ */

static int check_case(const g6_plugin_options *p, const bad_case *c) {
  char msg[1024];
  g6_status st = run_case(p, c, msg, sizeof(msg));
  int bad = 0;
#define PROBLEM(...)                                                           \
  do {                                                                         \
    printf("# %s: ", c->what);                                                 \
    printf(__VA_ARGS__);                                                       \
    printf("\n#   line: %s\n#   message: %s\n", c->line[0] ? c->line : "-",    \
           msg);                                                               \
    bad = 1;                                                                   \
  } while (0)
  if (st == G6_OK) {
    PROBLEM("accepted");
    return 1;
  }
  const char *name = c->option ? c->omit ? c->omit : c->option->name
                               : "NoSuchOption";
  if (strcasestr(msg, name) == NULL)
    PROBLEM("the message does not name %s", name);
  if (c->option != NULL && strstr(msg, "unknown option") != NULL)
    PROBLEM("refused as an unknown option: the case is in the wrong block");
  if (c->option && (c->option->flags & G6_OPT_SECRET) && !c->omit) {
    if (strstr(msg, "(hidden)") == NULL && strstr(msg, "(nothing)") == NULL)
      PROBLEM("a secret option's message does not say (hidden)");
    if (strcmp(c->echo, "(nothing)") != 0 && strstr(msg, c->echo) != NULL)
      PROBLEM("a secret option's value is echoed");
  } else if (c->echo != NULL && c->option != NULL &&
             c->option->type != G6_OPT_BLOCK && strstr(msg, c->echo) == NULL) {
    PROBLEM("the message does not quote the value %s", c->echo);
  }
  for (size_t i = 0; i < sizeof(sample_secrets) / sizeof(sample_secrets[0]);
       i++)
    if (strstr(msg, sample_secrets[i]) != NULL)
      PROBLEM("the message holds a secret of the sample");
  return bad;
}

static void every_sample_is_valid(void **state) {
  (void)state;
  for (size_t i = 0; i < g6_plugins_len; i++) {
    const g6_plugin_options *p = &g6_plugins[i];
    if (p->table == NULL)
      continue;
    if (p->parse == NULL || p->free == NULL || p->config_size == 0)
      fail_msg("%s: the registry entry has no parse/free function "
               "(config/plugins.c)",
               p->plugin);
    if (sample_of(p->plugin) == NULL)
      fail_msg("%s: add a valid sample block to samples[]", p->plugin);
    bad_case none = {.plugin = p->plugin, .table = NULL, .line = ""};
    char msg[1024];
    if (run_case(p, &none, msg, sizeof(msg)) != G6_OK)
      fail_msg("%s: the sample block is refused: %s", p->plugin, msg);
  }
}

static void every_bad_value_is_refused(void **state) {
  (void)state;
  size_t failures = 0, per_plugin[16] = {0};
  for (size_t i = 0; i < g6_plugins_len; i++) {
    const g6_plugin_options *p = &g6_plugins[i];
    if (p->table == NULL)
      continue;
    size_t first = n_cases;
    table_cases(p->plugin, p->table);
    for (size_t k = first; k < n_cases; k++)
      failures += (size_t)check_case(p, &cases[k]);
    per_plugin[i] = n_cases - first;
  }
  for (size_t i = 0; i < g6_plugins_len; i++)
    if (g6_plugins[i].table != NULL)
      printf("# %s: %zu bad configurations refused with a clear message\n",
             g6_plugins[i].plugin, per_plugin[i]);
  if (failures > 0)
    fail_msg("%zu of %zu bad configurations not refused as they should be",
             failures, n_cases);
}

/* collectd hands every <Plugin NAME> block to the plugin's config callback
 * in turn: all five plugins refuse a second block alike, also an empty one
 * after an empty first (g6_info accepted that silently), with one message
 * naming the block. */
static void every_plugin_refuses_a_second_block(void **state) {
  (void)state;
  for (size_t i = 0; i < g6_plugins_len; i++) {
    const g6_plugin_options *p = &g6_plugins[i];
    if (p->parse == NULL || p->free == NULL || p->config_size == 0)
      fail_msg("%s: the registry entry has no parse/free function "
               "(config/plugins.c)",
               p->plugin);
    const sample_block *s = sample_of(p->plugin);
    for (int empty_first = 0; empty_first < 2; empty_first++) {
      if (!empty_first && s == NULL)
        continue; /* g6_info: no sample, its blocks are empty */
      g6_buf text = G6_BUF_INIT;
      bad_case none = {.plugin = p->plugin, .table = NULL, .line = ""};
      if (!empty_first)
        render_lines(s, p->table, &none, &text);
      oconfig_item_t *first =
          conftext_parse("Plugin", p->plugin, empty_first ? "" : text.data);
      oconfig_item_t *second = conftext_parse("Plugin", p->plugin, "");
      assert_non_null(first);
      assert_non_null(second);
      void *cfg = calloc(1, p->config_size);
      assert_non_null(cfg);
      g6_error e = {0};
      g6_status st = p->parse(first, cfg, &e);
      /* an empty block is refused by the plugins with a required option */
      if (!empty_first && st != G6_OK)
        fail_msg("%s: the sample block is refused: %s", p->plugin, e.msg);
      bool first_ok = st == G6_OK;
      g6_error_clear(&e);
      st = p->parse(second, cfg, &e);
      char want[128];
      snprintf(want, sizeof(want), "<Plugin %s> is given twice; allowed: one "
               "block per plugin", p->plugin);
      if (st != G6_EINVAL || strstr(e.msg, want) == NULL)
        fail_msg("%s: a second block (the first %s, %s) gave %s: \"%s\"; "
                 "want G6_EINVAL, \"%s\"",
                 p->plugin, empty_first ? "empty" : "the sample",
                 first_ok ? "accepted" : "refused", g6_status_name(st), e.msg,
                 want);
      p->free(cfg);
      free(cfg);
      conftext_free(first);
      conftext_free(second);
      g6_buf_free(&text);
    }
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_sample_is_valid),
      cmocka_unit_test(every_bad_value_is_refused),
      cmocka_unit_test(every_plugin_refuses_a_second_block),
  };
  return G6_RUN_TESTS(tests);
}
