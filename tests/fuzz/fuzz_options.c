/* libFuzzer target: the plugin option tables' parser (core/options.h) as
 * every registered plugin runs it (config/plugins.h), fed oconfig_item_t
 * trees of any shape collectd could hand over.
 *
 * The input is read two ways: as collectd.conf text (tests/unit/conftext.h)
 * and as a recipe for a tree built directly — keys drawn from every option
 * name of every table (so nested blocks and their options are reached) or
 * raw bytes, 0-4 values of each collectd type (strings from a dictionary
 * of valid and hostile values, numbers from edge cases or raw bits, booleans)
 * and up to 4 children per item, 4 levels deep.
 *
 * Invariants: no crash, leak or sanitizer report (a failed parse leaves
 * what it owns for the plugin's free function); a refusal has a message;
 * the same tree parses the same way twice (same status, same message); and
 * a value given only to secret options (APIKey, AccessToken) never appears
 * in a message. */
#include "config/plugins.h"
#include "conftext.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SECRET "s3cr3t-MARK"

typedef struct reader {
  const uint8_t *p;
  size_t n;
} reader;

static unsigned take(reader *r, unsigned mod) {
  if (r->n == 0 || mod == 0)
    return 0;
  r->n--;
  return *r->p++ % mod;
}

/* Every option name of every table (recursively), collected once. */
static const char *names[512];
static size_t n_names;

static void collect(const g6_option_table *t) {
  for (size_t i = 0; i < t->n && n_names < 512; i++) {
    names[n_names++] = t->options[i].name;
    if (t->options[i].block != NULL)
      collect(t->options[i].block);
  }
}

static const char *const strings[] = {
    "",          "kite",        "NIFTY",      "SENSEX",     "MYIDX",
    "this_week", "next_month",  "2026-12-31", "2026-02-30", "/tmp/g6-fuzz",
    "relative",  "/",           "NSE:NIFTY 50", "BSE",      "NFO-OPT",
    "cycle",     "never",       "strict",     "pcr",        "all",
    "load",      "cpu/0",       "http://127.0.0.1:1", "ftp://x", SECRET,
    "true",      "1e999",       "NaN",        "-0",          "NIFTY/../x",
    "\xff\xfe",  "%s%n%s",      "a\nb",       "\"quoted\"",
};

static const double numbers[] = {0,     -0.0,   1,     -1,   0.5,     2.5,
                                 50,    501,    1e300, -1e300, 86400, 4096,
                                 65536, 4294967296.0, 4294967297.0,
                                 9.2233720368547758e18, 1e-320};

static char *bytes_string(reader *r) {
  unsigned len = take(r, 24);
  char *s = malloc(len + 1);
  for (unsigned i = 0; i < len; i++)
    s[i] = (char)(take(r, 255) + 1); /* collectd strings hold no NUL */
  s[len] = '\0';
  return s;
}

static void build(reader *r, oconfig_item_t *it, oconfig_item_t *parent,
                  int depth) {
  it->parent = parent;
  unsigned k = take(r, 8);
  it->key = k == 0 ? bytes_string(r) : strdup(names[take(r, (unsigned)n_names)]);
  it->values_num = (int)take(r, 5);
  it->values = calloc((size_t)it->values_num + 1, sizeof(oconfig_value_t));
  for (int i = 0; i < it->values_num; i++) {
    oconfig_value_t *v = &it->values[i];
    switch (take(r, 5)) {
    case 0:
    case 1:
      v->type = OCONFIG_TYPE_STRING;
      v->value.string =
          strdup(strings[take(r, sizeof(strings) / sizeof(strings[0]))]);
      break;
    case 2:
      v->type = OCONFIG_TYPE_STRING;
      v->value.string = bytes_string(r);
      break;
    case 3: {
      v->type = OCONFIG_TYPE_NUMBER;
      unsigned pick = take(r, 24);
      if (pick < sizeof(numbers) / sizeof(numbers[0])) {
        v->value.number = numbers[pick];
      } else {
        uint64_t bits = 0;
        for (int b = 0; b < 8; b++)
          bits = bits << 8 | take(r, 256);
        memcpy(&v->value.number, &bits, sizeof(bits)); /* NaN, Inf too */
      }
      break;
    }
    default:
      v->type = OCONFIG_TYPE_BOOLEAN;
      v->value.boolean = (int)take(r, 2);
    }
  }
  it->children_num = depth < 4 ? (int)take(r, 5) : 0;
  it->children = calloc((size_t)it->children_num + 1, sizeof(oconfig_item_t));
  for (int i = 0; i < it->children_num; i++)
    build(r, &it->children[i], it, depth + 1);
}

static bool is_secret_key(const char *key) {
  return strcasecmp(key, "APIKey") == 0 || strcasecmp(key, "AccessToken") == 0;
}

/* Is SECRET written anywhere but as a value of a secret option? */
static bool marker_public(const oconfig_item_t *it) {
  if (it->key != NULL && strstr(it->key, SECRET) != NULL)
    return true;
  for (int i = 0; i < it->values_num; i++)
    if (it->values[i].type == OCONFIG_TYPE_STRING &&
        strstr(it->values[i].value.string, SECRET) != NULL &&
        !is_secret_key(it->key))
      return true;
  for (int i = 0; i < it->children_num; i++)
    if (marker_public(&it->children[i]))
      return true;
  return false;
}

static void check_plugin(const g6_plugin_options *p, oconfig_item_t *root) {
  char first[sizeof(((g6_error *)0)->msg)];
  g6_status st0 = G6_OK;
  bool public_marker = marker_public(root);
  for (int round = 0; round < 2; round++) {
    void *cfg = calloc(1, p->config_size);
    g6_error e;
    memset(&e, 0, sizeof(e));
    g6_status st = p->parse(root, cfg, &e);
    if (st != G6_OK && e.msg[0] == '\0')
      abort(); /* a refusal says why */
    if (st != G6_OK && !public_marker && strstr(e.msg, SECRET) != NULL)
      abort(); /* a secret reached a message */
    if (round == 0) {
      st0 = st;
      memcpy(first, e.msg, sizeof(first));
    } else if (st != st0 || (st != G6_OK && strcmp(first, e.msg) != 0)) {
      abort(); /* parsing depends on nothing but the tree */
    }
    p->free(cfg);
    free(cfg);
  }
}

static void free_item(oconfig_item_t *it) {
  for (int i = 0; i < it->values_num; i++)
    if (it->values[i].type == OCONFIG_TYPE_STRING)
      free(it->values[i].value.string);
  free(it->values);
  for (int i = 0; i < it->children_num; i++)
    free_item(&it->children[i]);
  free(it->children);
  free(it->key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (n_names == 0)
    for (size_t i = 0; i < g6_plugins_len; i++)
      if (g6_plugins[i].table != NULL)
        collect(g6_plugins[i].table);
  if (size < 1)
    return 0;
  reader r = {data + 1, size - 1};
  for (size_t i = 0; i < g6_plugins_len; i++) {
    const g6_plugin_options *p = &g6_plugins[i];
    if (p->table == NULL)
      continue;
    if (data[0] & 0x80) { /* the top bit of the first byte: text */
      char *text = strndup((const char *)data + 1, size - 1);
      oconfig_item_t *ci = conftext_parse("Plugin", p->plugin, text);
      free(text);
      if (ci != NULL) {
        check_plugin(p, ci);
        conftext_free(ci);
      }
      continue;
    }
    /* the recipe: a <Plugin "name"> root whose children come from the input
     * (the same bytes for every plugin) */
    reader ri = r;
    oconfig_item_t root;
    memset(&root, 0, sizeof(root));
    root.key = strdup("Plugin");
    root.values_num = 1;
    root.values = calloc(1, sizeof(oconfig_value_t));
    root.values[0].type = OCONFIG_TYPE_STRING;
    root.values[0].value.string = strdup(p->plugin);
    root.children_num = (int)take(&ri, 9);
    root.children = calloc((size_t)root.children_num + 1, sizeof(oconfig_item_t));
    for (int c = 0; c < root.children_num; c++)
      build(&ri, &root.children[c], &root, 1);
    check_plugin(p, &root);
    free_item(&root);
  }
  return 0;
}
