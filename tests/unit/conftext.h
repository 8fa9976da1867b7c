/* Test helper: collectd.conf text into an oconfig_item_t tree, so unit tests
 * and fuzz targets of the option tables read like the configuration users
 * write. Understands what g6's blocks use: `Key value ...` lines, nested
 * `<Key value ...>` ... `</Key>` blocks, "quoted strings" (\" and \\
 * escapes), true/false, numbers, bare words (as strings), `#` comments.
 *
 *   oconfig_item_t *ci = conftext_parse("Plugin", "g6_chain",
 *                                       "DataDir \"/x\"\n<Index \"NIFTY\">\n"
 *                                       "</Index>\n");
 *   ... g6_options_parse(&table, ci, &cfg, &err) ...
 *   conftext_free(ci);
 *
 * Returns NULL on text it does not understand (unbalanced blocks, an
 * unterminated string, more than 32 values or children per item). Parent
 * links are set. */
#ifndef G6_TEST_CONFTEXT_H
#define G6_TEST_CONFTEXT_H

#include "collectd/liboconfig/oconfig.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CONFTEXT_MAX 32

static void conftext_free_item(oconfig_item_t *it) {
  for (int i = 0; i < it->values_num; i++)
    if (it->values[i].type == OCONFIG_TYPE_STRING)
      free(it->values[i].value.string);
  free(it->values);
  for (int i = 0; i < it->children_num; i++)
    conftext_free_item(&it->children[i]);
  free(it->children);
  free(it->key);
}

static void conftext_free(oconfig_item_t *root) {
  if (root == NULL)
    return;
  conftext_free_item(root);
  free(root);
}

/* Reads one value at *p; false at the end of the line or on bad text. */
static bool conftext_value(const char **p, oconfig_value_t *v, bool *bad) {
  const char *s = *p;
  while (*s == ' ' || *s == '\t')
    s++;
  if (*s == '\0' || *s == '\n' || *s == '#' || *s == '>') {
    *p = s;
    return false;
  }
  if (*s == '"') {
    size_t cap = strlen(s) + 1, n = 0;
    char *out = malloc(cap);
    for (s++; *s && *s != '"'; s++) {
      if (*s == '\\' && s[1])
        s++;
      out[n++] = *s;
    }
    if (*s != '"') {
      free(out);
      *bad = true;
      return false;
    }
    out[n] = '\0';
    v->type = OCONFIG_TYPE_STRING;
    v->value.string = out;
    *p = s + 1;
    return true;
  }
  const char *e = s;
  while (*e && !isspace((unsigned char)*e) && *e != '>')
    e++;
  size_t len = (size_t)(e - s);
  char *word = strndup(s, len);
  char *end = NULL;
  double d = strtod(word, &end);
  if (strcasecmp(word, "true") == 0 || strcasecmp(word, "false") == 0) {
    v->type = OCONFIG_TYPE_BOOLEAN;
    v->value.boolean = strcasecmp(word, "true") == 0;
    free(word);
  } else if (strcmp(word, "yes") == 0 || strcmp(word, "on") == 0 ||
             strcmp(word, "no") == 0 || strcmp(word, "off") == 0) {
    /* as collectd's scanner: these unquoted lower-case words are booleans */
    v->type = OCONFIG_TYPE_BOOLEAN;
    v->value.boolean = word[0] == 'y' || word[1] == 'n';
    free(word);
  } else if (len > 0 && end == word + len) {
    v->type = OCONFIG_TYPE_NUMBER;
    v->value.number = d;
    free(word);
  } else {
    v->type = OCONFIG_TYPE_STRING;
    v->value.string = word;
  }
  *p = e;
  return true;
}

/* Parses lines into `parent`'s children until `</close>` (or the end when
 * close is NULL). */
static bool conftext_block(const char **p, oconfig_item_t *parent,
                           const char *close) {
  parent->children = calloc(CONFTEXT_MAX, sizeof(oconfig_item_t));
  while (**p) {
    const char *s = *p;
    while (isspace((unsigned char)*s))
      s++;
    if (*s == '\0')
      break;
    if (*s == '#') {
      while (*s && *s != '\n')
        s++;
      *p = s;
      continue;
    }
    bool open = *s == '<' && s[1] != '/';
    if (*s == '<' && s[1] == '/') {
      s += 2;
      const char *e = strchr(s, '>');
      if (e == NULL || close == NULL || strncasecmp(s, close, (size_t)(e - s)))
        return false;
      *p = e + 1;
      return true;
    }
    if (open)
      s++;
    const char *e = s;
    while (*e && !isspace((unsigned char)*e) && *e != '>')
      e++;
    if (parent->children_num == CONFTEXT_MAX || e == s)
      return false;
    oconfig_item_t *it = &parent->children[parent->children_num++];
    it->key = strndup(s, (size_t)(e - s));
    it->parent = parent;
    it->values = calloc(CONFTEXT_MAX, sizeof(oconfig_value_t));
    bool bad = false;
    while (it->values_num < CONFTEXT_MAX &&
           conftext_value(&e, &it->values[it->values_num], &bad))
      it->values_num++;
    if (bad)
      return false;
    if (open) {
      if (*e != '>')
        return false;
      e++;
      *p = e;
      if (!conftext_block(p, it, it->key))
        return false;
    } else {
      while (*e == ' ' || *e == '\t')
        e++;
      if (*e == '#')
        while (*e && *e != '\n')
          e++;
      if (*e != '\0' && *e != '\n')
        return false;
      *p = e;
    }
  }
  return close == NULL;
}

static oconfig_item_t *conftext_parse(const char *key, const char *arg,
                                      const char *text) {
  oconfig_item_t *root = calloc(1, sizeof(*root));
  root->key = strdup(key);
  root->values = calloc(1, sizeof(oconfig_value_t));
  if (arg != NULL) {
    root->values[0].type = OCONFIG_TYPE_STRING;
    root->values[0].value.string = strdup(arg);
    root->values_num = 1;
  }
  const char *p = text;
  if (!conftext_block(&p, root, NULL)) {
    conftext_free(root);
    return NULL;
  }
  return root;
}

#endif
