/* Plugin options as data (see core/options.h). */
#include "core/options.h"

#include "core/buf.h"
#include "core/conf.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_OPTIONS 128 /* per table */

static void *field_of(void *target, const g6_option *o) {
  return (char *)target + o->offset;
}

/* Plain-text "allowed" of the type, without the documented override. */
static void type_allowed(const g6_option *o, char *buf, size_t len) {
  const char *unit = o->unit ? o->unit : "";
  const char *sp = o->unit ? " " : "";
  switch (o->type) {
  case G6_OPT_BOOL:
    snprintf(buf, len, "boolean");
    break;
  case G6_OPT_INT:
  case G6_OPT_DOUBLE:
    snprintf(buf, len, "%.15g … %.15g%s%s", o->min, o->max, sp, unit);
    break;
  case G6_OPT_STRING:
    if (o->flags & G6_OPT_INLINE)
      snprintf(buf, len, "string of at most %zu bytes", o->size - 1);
    else
      snprintf(buf, len, "string");
    break;
  case G6_OPT_ENUM: {
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; o->values && o->values[i] && used + 1 < len; i++) {
      int k = snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
                       o->values[i]);
      if (k < 0)
        break;
      used += (size_t)k < len - used ? (size_t)k : len - used - 1;
    }
    break;
  }
  case G6_OPT_STRINGS:
    if (o->max > 0)
      snprintf(buf, len, "%.0f to %.0f strings", o->min, o->max);
    else if (o->min == 1)
      snprintf(buf, len, "at least one string");
    else
      snprintf(buf, len, "at least %.0f strings", o->min);
    break;
  case G6_OPT_CUSTOM:
    snprintf(buf, len, "see meaning");
    break;
  case G6_OPT_BLOCK:
    snprintf(buf, len, "block");
    break;
  }
}

void g6_option_allowed_text(const g6_option *o, char *buf, size_t len) {
  if (len == 0)
    return;
  if (o->allowed_doc != NULL)
    snprintf(buf, len, "%s", o->allowed_doc);
  else
    type_allowed(o, buf, len);
}

void g6_option_default_text(const g6_option *o, char *buf, size_t len) {
  if (len == 0)
    return;
  const char *d = o->def_doc ? o->def_doc : o->def;
  if (d == NULL) {
    snprintf(buf, len, "—");
    return;
  }
  /* a single quoted default is shown without its quotes */
  size_t n = strlen(d);
  if (o->def_doc == NULL && n >= 2 && d[0] == '"' && d[n - 1] == '"' &&
      memchr(d + 1, '"', n - 2) == NULL)
    snprintf(buf, len, "%.*s", (int)(n - 2), d + 1);
  else
    snprintf(buf, len, "%s", d);
}

/* ---- setting one option ------------------------------------------------ */

static g6_status reject(const g6_option *o, const oconfig_item_t *ci,
                        g6_status code, const char *problem, g6_error *err) {
  char allowed[256];
  g6_option_allowed_text(o, allowed, sizeof(allowed));
  return g6_conf_reject(ci, (o->flags & G6_OPT_SECRET) != 0, code, problem,
                        allowed, err);
}

static g6_status set_string(const g6_option *o, const oconfig_item_t *ci,
                            void *field, g6_error *err) {
  bool empty_ok = (o->flags & G6_OPT_EMPTY_OK) != 0;
  if (ci->values_num != 1 || ci->children_num != 0 ||
      ci->values[0].type != OCONFIG_TYPE_STRING)
    return reject(o, ci, G6_EINVAL, "expected a single quoted string", err);
  const char *s = ci->values[0].value.string ? ci->values[0].value.string : "";
  if (!empty_ok && s[0] == '\0')
    return reject(o, ci, G6_EINVAL, "empty string", err);
  if (o->check != NULL) {
    const char *problem = o->check(&s);
    if (problem != NULL)
      return reject(o, ci, G6_EINVAL, problem, err);
  }
  if (o->flags & G6_OPT_INLINE) {
    if (strlen(s) >= o->size)
      return reject(o, ci, G6_ERANGE, "too long", err);
    memcpy(field, s, strlen(s) + 1);
    return G6_OK;
  }
  char *copy = strdup(s);
  if (copy == NULL)
    return g6_error_set(err, G6_ENOMEM, "out of memory");
  if (o->flags & G6_OPT_SECRET) /* a key or token given twice */
    g6_secret_free(*(char **)field);
  else
    free(*(char **)field);
  *(char **)field = copy;
  return G6_OK;
}

static g6_status set_int(const g6_option *o, const oconfig_item_t *ci,
                         void *field, g6_error *err) {
  int64_t v;
  g6_status st = g6_conf_int(ci, (int64_t)o->min, (int64_t)o->max, &v, err);
  if (st != G6_OK)
    return st;
  if (o->check != NULL) {
    const char *problem = o->check(&v);
    if (problem != NULL)
      return reject(o, ci, G6_EINVAL, problem, err);
  }
  if (o->size == sizeof(int32_t)) {
    int32_t w = (int32_t)v;
    memcpy(field, &w, sizeof(w));
  } else if (o->size == sizeof(int64_t)) {
    memcpy(field, &v, sizeof(v));
  } else {
    return g6_error_set(err, G6_EINTERNAL,
                        "option %s: integer field of %zu bytes", o->name,
                        o->size);
  }
  return G6_OK;
}

static g6_status set_one(const g6_option *o, const oconfig_item_t *ci,
                         void *target, g6_error *err) {
  void *field = field_of(target, o);
  switch (o->type) {
  case G6_OPT_BOOL:
    return g6_conf_bool(ci, (bool *)field, err);
  case G6_OPT_INT:
    return set_int(o, ci, field, err);
  case G6_OPT_DOUBLE: {
    double v;
    g6_status st = g6_conf_double(ci, o->min, o->max, &v, err);
    if (st != G6_OK)
      return st;
    if (o->check != NULL) {
      const char *problem = o->check(&v);
      if (problem != NULL)
        return reject(o, ci, G6_EINVAL, problem, err);
    }
    *(double *)field = v;
    return G6_OK;
  }
  case G6_OPT_STRING:
    return set_string(o, ci, field, err);
  case G6_OPT_ENUM: {
    size_t n = 0;
    while (o->values != NULL && o->values[n] != NULL)
      n++;
    return g6_conf_enum(ci, o->values, n, (int *)field, err);
  }
  case G6_OPT_STRINGS: {
    size_t n = 0;
    return g6_conf_strings(ci, (size_t)o->min, (size_t)o->max,
                           (char ***)field, &n, err);
  }
  case G6_OPT_CUSTOM:
  case G6_OPT_BLOCK:
    if (o->set == NULL)
      return g6_error_set(err, G6_EINTERNAL, "option %s has no parser",
                          o->name);
    return o->set(target, ci, err);
  }
  return g6_error_set(err, G6_EINTERNAL, "option %s: unknown type", o->name);
}

/* ---- defaults ------------------------------------------------------------ */

/* Splits a default written in collectd.conf syntax into values: "quoted
 * strings" (with \" and \\ escapes), true/false, numbers. Returns the count,
 * or -1 when it does not parse or needs more than `cap` values. `store` holds
 * the unquoted strings. */
static int tokenize(const char *s, oconfig_value_t *vals, int cap, char *store,
                    size_t store_len) {
  int n = 0;
  size_t used = 0;
  while (*s) {
    while (isspace((unsigned char)*s))
      s++;
    if (!*s)
      break;
    if (n == cap)
      return -1;
    oconfig_value_t *v = &vals[n++];
    if (*s == '"') {
      char *start = store + used;
      for (s++; *s && *s != '"'; s++) {
        if (*s == '\\' && s[1])
          s++;
        if (used + 1 >= store_len)
          return -1;
        store[used++] = *s;
      }
      if (*s != '"')
        return -1;
      s++;
      store[used++] = '\0';
      v->type = OCONFIG_TYPE_STRING;
      v->value.string = start;
      continue;
    }
    const char *end = s;
    while (*end && !isspace((unsigned char)*end))
      end++;
    size_t len = (size_t)(end - s);
    char word[64];
    if (len >= sizeof(word))
      return -1;
    memcpy(word, s, len);
    word[len] = '\0';
    s = end;
    if (strcasecmp(word, "true") == 0 || strcasecmp(word, "false") == 0) {
      v->type = OCONFIG_TYPE_BOOLEAN;
      v->value.boolean = strcasecmp(word, "true") == 0;
      continue;
    }
    char *e = NULL;
    double d = strtod(word, &e);
    if (e == word || *e != '\0')
      return -1;
    v->type = OCONFIG_TYPE_NUMBER;
    v->value.number = d;
  }
  return n;
}

g6_status g6_options_defaults(const g6_option_table *t, void *target,
                              g6_error *err) {
  for (size_t i = 0; i < t->n; i++) {
    const g6_option *o = &t->options[i];
    if (o->def == NULL || o->type == G6_OPT_BLOCK)
      continue;
    oconfig_value_t vals[16];
    char store[512];
    int n = tokenize(o->def, vals, 16, store, sizeof(store));
    if (n < 0)
      return g6_error_set(err, G6_EINVAL,
                          "<%s>: the default of option %s (%s) does not parse",
                          t->block, o->name, o->def);
    oconfig_item_t item = {.key = (char *)o->name,
                           .values = vals,
                           .values_num = n};
    g6_error e;
    g6_status st = set_one(o, &item, target, &e);
    if (st == G6_ENOMEM)
      return g6_error_set(err, st, "out of memory");
    if (st != G6_OK)
      return g6_error_set(err, G6_EINVAL, "<%s>: invalid default: %s",
                          t->block, e.msg);
  }
  return G6_OK;
}

/* ---- parsing a block ------------------------------------------------------ */

const g6_option *g6_options_find(const g6_option_table *t, const char *name) {
  for (size_t i = 0; name != NULL && i < t->n; i++)
    if (strcasecmp(t->options[i].name, name) == 0)
      return &t->options[i];
  return NULL;
}

static g6_status unknown(const g6_option_table *t, const oconfig_item_t *ci,
                         g6_error *err) {
  const char *names[MAX_OPTIONS + 1];
  size_t n = 0;
  for (size_t i = 0; i < t->n && n < MAX_OPTIONS; i++)
    names[n++] = t->options[i].name;
  names[n] = NULL;
  return g6_conf_unknown(ci, names, err);
}

/* "Plugin \"g6_chain\" / Index \"NIFTY\"" of a block item itself. */
static void block_where(const oconfig_item_t *ci, char *buf, size_t len) {
  oconfig_item_t child = {.key = (char *)"", .parent = (oconfig_item_t *)ci};
  g6_conf_where(&child, buf, len);
}

static g6_status check_required(const g6_option_table *t,
                                const oconfig_item_t *ci, const bool *seen,
                                g6_error *err) {
  char where[256];
  block_where(ci, where, sizeof(where));
  for (size_t i = 0; i < t->n; i++) {
    const g6_option *o = &t->options[i];
    if ((o->flags & G6_OPT_REQUIRED) && !seen[i])
      return g6_error_set(err, G6_EINVAL, "%s%soption %s is required: %s",
                          where, where[0] ? ": " : "", o->name,
                          o->help ? o->help : "");
    if (o->group == NULL)
      continue;
    bool any = false, first = true;
    for (size_t j = 0; j < t->n; j++) {
      const char *g = t->options[j].group;
      if (g != NULL && strcmp(g, o->group) == 0) {
        any = any || seen[j];
        first = first && j >= i;
      }
    }
    if (first && !any)
      return g6_error_set(err, G6_EINVAL, "%s%s%s is required", where,
                          where[0] ? ": " : "", o->group);
  }
  return G6_OK;
}

g6_status g6_options_parse(const g6_option_table *t, const oconfig_item_t *ci,
                           void *target, g6_error *err) {
  if (t->n > MAX_OPTIONS)
    return g6_error_set(err, G6_EINTERNAL, "<%s>: more than %d options",
                        t->block, MAX_OPTIONS);
  g6_status st = g6_options_defaults(t, target, err);
  if (st == G6_OK && t->prepare != NULL)
    st = t->prepare(target, ci, err);
  if (st != G6_OK)
    return st;
  bool seen[MAX_OPTIONS] = {false};
  for (int i = 0; i < ci->children_num; i++) {
    const oconfig_item_t *c = &ci->children[i];
    const g6_option *o = g6_options_find(t, c->key);
    if (o == NULL)
      return unknown(t, c, err);
    if ((st = set_one(o, c, target, err)) != G6_OK)
      return st;
    seen[o - t->options] = true;
  }
  if ((st = check_required(t, ci, seen, err)) != G6_OK)
    return st;
  return t->finish != NULL ? t->finish(target, ci, err) : G6_OK;
}

void g6_options_free(const g6_option_table *t, void *target) {
  for (size_t i = 0; i < t->n; i++) {
    const g6_option *o = &t->options[i];
    void *field = field_of(target, o);
    if (o->type == G6_OPT_STRING && !(o->flags & G6_OPT_INLINE)) {
      if (o->flags & G6_OPT_SECRET)
        g6_secret_free(*(char **)field);
      else
        free(*(char **)field);
      *(char **)field = NULL;
    } else if (o->type == G6_OPT_STRINGS) {
      g6_conf_strings_free(*(char ***)field);
      *(char ***)field = NULL;
    }
  }
}

/* ---- the reference --------------------------------------------------------- */

/* Appends s with markdown table cells' '|' escaped. */
static g6_status put_cell(g6_buf *out, const char *s) {
  for (; *s; s++) {
    g6_status st = *s == '|' ? g6_buf_puts(out, "\\|") : g6_buf_putc(out, *s);
    if (st != G6_OK)
      return st;
  }
  return G6_OK;
}

const char *g6_option_type_name(g6_option_type t) {
  static const char *const names[] = {"boolean", "integer", "number",
                                      "string",  "choice",  "strings",
                                      "value",   "block"};
  return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

static void block_title(const g6_option_table *t, char *buf, size_t len) {
  snprintf(buf, len, "<%s%s%s>", t->block, t->arg ? " " : "",
           t->arg ? t->arg : "");
}

static g6_status render_one(const g6_option_table *t, bool md, g6_buf *out) {
  char title[128], def[256], allowed[256];
  block_title(t, title, sizeof(title));
  g6_status st = md ? g6_buf_printf(out, "#### `%s`\n\n%s\n\n"
                                         "| option | default | allowed | "
                                         "meaning |\n|---|---|---|---|\n",
                                    title, t->help ? t->help : "")
                    : g6_buf_printf(out, "%s\n  %s\n\n", title,
                                    t->help ? t->help : "");
  for (size_t i = 0; st == G6_OK && i < t->n; i++) {
    const g6_option *o = &t->options[i];
    g6_option_default_text(o, def, sizeof(def));
    g6_option_allowed_text(o, allowed, sizeof(allowed));
    char name[128];
    if (o->type == G6_OPT_BLOCK && o->block != NULL)
      block_title(o->block, name, sizeof(name));
    else
      snprintf(name, sizeof(name), "%s", o->name);
    bool required = (o->flags & G6_OPT_REQUIRED) != 0;
    const char *req = required ? (md ? " (required)" : ", required") : "";
    if (md) {
      bool code_def = strcmp(def, "—") != 0 && o->def_doc == NULL;
      st = g6_buf_printf(out, "| `%s` | %s", name, code_def ? "`" : "");
      if (st == G6_OK)
        st = put_cell(out, def);
      if (st == G6_OK)
        st = g6_buf_printf(out, "%s | ", code_def ? "`" : "");
      if (st == G6_OK)
        st = put_cell(out, allowed);
      if (st == G6_OK)
        st = g6_buf_puts(out, " | ");
      if (st == G6_OK && o->group != NULL)
        st = g6_buf_printf(out, "%s is required. ", o->group);
      if (st == G6_OK)
        st = put_cell(out, o->help ? o->help : "");
      if (st == G6_OK)
        st = g6_buf_printf(out, "%s |\n", req);
    } else {
      st = g6_buf_printf(out, "  %s (%s%s)  default %s; allowed: %s\n"
                              "      %s%s%s\n",
                         name, g6_option_type_name(o->type), req, def, allowed,
                         o->group ? o->group : "",
                         o->group ? " is required. " : "",
                         o->help ? o->help : "");
    }
  }
  if (st == G6_OK)
    st = g6_buf_putc(out, '\n');
  return st;
}

g6_status g6_options_render(const g6_option_table *t, bool markdown,
                            g6_buf *out) {
  g6_status st = render_one(t, markdown, out);
  for (size_t i = 0; st == G6_OK && i < t->n; i++)
    if (t->options[i].type == G6_OPT_BLOCK && t->options[i].block != NULL)
      st = g6_options_render(t->options[i].block, markdown, out);
  return st;
}
