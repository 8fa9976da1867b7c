#include "core/conf.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Appends one value as it would be written in collectd.conf. */
static size_t put_value(char *buf, size_t len, const oconfig_value_t *v) {
  int n;
  switch (v->type) {
  case OCONFIG_TYPE_STRING:
    n = snprintf(buf, len, "\"%s\"", v->value.string ? v->value.string : "");
    break;
  case OCONFIG_TYPE_NUMBER:
    n = snprintf(buf, len, "%.15g", v->value.number);
    break;
  case OCONFIG_TYPE_BOOLEAN:
    n = snprintf(buf, len, "%s", v->value.boolean ? "true" : "false");
    break;
  default:
    n = snprintf(buf, len, "<?>");
  }
  if (n < 0)
    return 0;
  return (size_t)n < len ? (size_t)n : (len ? len - 1 : 0);
}

void g6_conf_link_parents(oconfig_item_t *ci) {
  for (int i = 0; i < ci->children_num; i++) {
    ci->children[i].parent = ci;
    g6_conf_link_parents(&ci->children[i]);
  }
}

size_t g6_conf_where(const oconfig_item_t *ci, char *buf, size_t len) {
  const oconfig_item_t *chain[16];
  size_t depth = 0;
  for (const oconfig_item_t *p = ci ? ci->parent : NULL; p != NULL && depth < 16;
       p = p->parent) {
    if (p->key == NULL || p->key[0] == '\0')
      continue;
    chain[depth++] = p;
  }
  size_t used = 0;
  if (len > 0)
    buf[0] = '\0';
  while (depth-- > 0 && used + 1 < len) {
    const oconfig_item_t *p = chain[depth];
    int n = snprintf(buf + used, len - used, "%s%s", used ? " / " : "", p->key);
    if (n < 0)
      break;
    used += (size_t)n < len - used ? (size_t)n : len - used - 1;
    if (p->values_num > 0 && used + 1 < len) {
      buf[used++] = ' ';
      buf[used] = '\0';
      used += put_value(buf + used, len - used, &p->values[0]);
    }
  }
  return used;
}

g6_status g6_conf_reject(const oconfig_item_t *ci, bool hide_value,
                         g6_status code, const char *problem,
                         const char *allowed, g6_error *err) {
  char where[256], vals[256];
  g6_conf_where(ci, where, sizeof(where));
  size_t used = 0;
  vals[0] = '\0';
  if (ci->values_num == 0)
    snprintf(vals, sizeof(vals), "(nothing)");
  else if (hide_value)
    snprintf(vals, sizeof(vals), "(hidden)");
  for (int i = 0; !hide_value && i < ci->values_num && used + 1 < sizeof(vals);
       i++) {
    if (i > 0)
      vals[used++] = ' ';
    used += put_value(vals + used, sizeof(vals) - used, &ci->values[i]);
  }
  return g6_error_set(err, code, "%s%soption %s = %s: %s; allowed: %s", where,
                      where[0] ? ": " : "", ci->key ? ci->key : "?", vals,
                      problem, allowed);
}

static g6_status fail(const oconfig_item_t *ci, g6_error *err, g6_status code,
                      const char *problem, const char *allowed) {
  return g6_conf_reject(ci, false, code, problem, allowed, err);
}

static bool single(const oconfig_item_t *ci) {
  return ci->values_num == 1 && ci->children_num == 0;
}

g6_status g6_conf_string(const oconfig_item_t *ci, bool allow_empty,
                         char **out, g6_error *err) {
  const char *allowed = allow_empty ? "one quoted string"
                                    : "one non-empty quoted string";
  if (!single(ci) || ci->values[0].type != OCONFIG_TYPE_STRING)
    return fail(ci, err, G6_EINVAL, "expected a single string", allowed);
  const char *s = ci->values[0].value.string ? ci->values[0].value.string : "";
  if (!allow_empty && s[0] == '\0')
    return fail(ci, err, G6_EINVAL, "empty string", allowed);
  char *copy = strdup(s);
  if (copy == NULL)
    return g6_error_set(err, G6_ENOMEM, "out of memory");
  free(*out);
  *out = copy;
  return G6_OK;
}

g6_status g6_conf_block_name(const oconfig_item_t *ci, char **out,
                             g6_error *err) {
  if (ci->values_num != 1 || ci->values[0].type != OCONFIG_TYPE_STRING ||
      ci->values[0].value.string == NULL ||
      ci->values[0].value.string[0] == '\0')
    return fail(ci, err, G6_EINVAL, "a block needs one name",
                "one non-empty quoted string, e.g. <Index \"NIFTY\">");
  char *copy = strdup(ci->values[0].value.string);
  if (copy == NULL)
    return g6_error_set(err, G6_ENOMEM, "out of memory");
  free(*out);
  *out = copy;
  return G6_OK;
}

void g6_conf_strings_free(char **list) {
  if (list == NULL)
    return;
  for (char **p = list; *p != NULL; p++)
    free(*p);
  free(list);
}

/* What g6_conf_strings allows, in words: "at least one non-empty quoted
 * string", "1 to 4 non-empty quoted strings", "exactly 3 ...", ... */
static void strings_allowed(size_t min, size_t max, char *buf, size_t len) {
  const char *what = "non-empty quoted string";
  if (max == 0 && min == 0)
    snprintf(buf, len, "%ss", what);
  else if (max == 0 && min == 1)
    snprintf(buf, len, "at least one %s", what);
  else if (max == 0)
    snprintf(buf, len, "at least %zu %ss", min, what);
  else if (min == max && min == 1)
    snprintf(buf, len, "one %s", what);
  else if (min == max)
    snprintf(buf, len, "exactly %zu %ss", min, what);
  else
    snprintf(buf, len, "%zu to %zu %ss", min, max, what);
}

g6_status g6_conf_strings(const oconfig_item_t *ci, size_t min, size_t max,
                          char ***out, size_t *n, g6_error *err) {
  char allowed[96];
  strings_allowed(min, max, allowed, sizeof(allowed));
  size_t count = (size_t)(ci->values_num > 0 ? ci->values_num : 0);
  if (ci->children_num != 0 || count < min || (max != 0 && count > max))
    return fail(ci, err, G6_EINVAL, "wrong number of values", allowed);
  for (size_t i = 0; i < count; i++) {
    if (ci->values[i].type != OCONFIG_TYPE_STRING ||
        ci->values[i].value.string == NULL ||
        ci->values[i].value.string[0] == '\0')
      return fail(ci, err, G6_EINVAL, "every value must be a non-empty string",
                  allowed);
  }
  char **list = calloc(count + 1, sizeof(*list));
  if (list == NULL)
    return g6_error_set(err, G6_ENOMEM, "out of memory");
  for (size_t i = 0; i < count; i++) {
    list[i] = strdup(ci->values[i].value.string);
    if (list[i] == NULL) {
      g6_conf_strings_free(list);
      return g6_error_set(err, G6_ENOMEM, "out of memory");
    }
  }
  g6_conf_strings_free(*out);
  *out = list;
  *n = count;
  return G6_OK;
}

/* Reads the item's one value (the caller checked single()) as a number;
 * a quoted decimal number ("100", "0.5", "1e3") is accepted too. Returns
 * false when the value is not a number at all, and for what strtod would
 * read but an operator does not write as a number: white space around it,
 * or the hexadecimal form ("0x10" would be 16; "010" is ten, not octal). */
static bool number_of(const oconfig_item_t *ci, double *out) {
  const oconfig_value_t *v = &ci->values[0];
  if (v->type == OCONFIG_TYPE_NUMBER) {
    *out = v->value.number;
    return true;
  }
  if (v->type == OCONFIG_TYPE_STRING && v->value.string != NULL &&
      v->value.string[0] != '\0' &&
      !isspace((unsigned char)v->value.string[0]) &&
      strpbrk(v->value.string, "xX") == NULL) {
    char *end = NULL;
    double d = strtod(v->value.string, &end);
    if (end != NULL && *end == '\0') {
      *out = d;
      return true;
    }
  }
  return false;
}

g6_status g6_conf_int(const oconfig_item_t *ci, int64_t min, int64_t max,
                      int64_t *out, g6_error *err) {
  char allowed[96];
  snprintf(allowed, sizeof(allowed), "an integer from %lld to %lld",
           (long long)min, (long long)max);
  double d;
  if (!single(ci))
    return fail(ci, err, G6_EINVAL, "expected a single number", allowed);
  if (!number_of(ci, &d) || !isfinite(d))
    return fail(ci, err, G6_EINVAL, "not a number", allowed);
  if (d != floor(d))
    return fail(ci, err, G6_EINVAL, "not an integer", allowed);
  if (d < (double)min || d > (double)max)
    return fail(ci, err, G6_ERANGE, "out of range", allowed);
  *out = (int64_t)d;
  return G6_OK;
}

g6_status g6_conf_double(const oconfig_item_t *ci, double min, double max,
                         double *out, g6_error *err) {
  char allowed[96];
  snprintf(allowed, sizeof(allowed), "a number from %.15g to %.15g", min, max);
  double d;
  if (!single(ci))
    return fail(ci, err, G6_EINVAL, "expected a single number", allowed);
  if (!number_of(ci, &d))
    return fail(ci, err, G6_EINVAL, "not a number", allowed);
  if (!isfinite(d))
    return fail(ci, err, G6_EINVAL, "not a finite number", allowed);
  if (d < min || d > max)
    return fail(ci, err, G6_ERANGE, "out of range", allowed);
  *out = d;
  return G6_OK;
}

g6_status g6_conf_bool(const oconfig_item_t *ci, bool *out, g6_error *err) {
  static const char allowed[] = "true or false (also yes/no, on/off)";
  if (!single(ci))
    return fail(ci, err, G6_EINVAL, "expected a single boolean", allowed);
  const oconfig_value_t *v = &ci->values[0];
  if (v->type == OCONFIG_TYPE_BOOLEAN) {
    *out = v->value.boolean != 0;
    return G6_OK;
  }
  if (v->type == OCONFIG_TYPE_STRING && v->value.string != NULL) {
    static const char *const yes[] = {"true", "yes", "on"};
    static const char *const no[] = {"false", "no", "off"};
    for (size_t i = 0; i < 3; i++) {
      if (strcasecmp(v->value.string, yes[i]) == 0) {
        *out = true;
        return G6_OK;
      }
      if (strcasecmp(v->value.string, no[i]) == 0) {
        *out = false;
        return G6_OK;
      }
    }
  }
  return fail(ci, err, G6_EINVAL, "not a boolean", allowed);
}

/* Joins names as "a, b, c" into buf. */
static void join(const char *const *names, size_t n, char *buf, size_t len) {
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < n && used + 1 < len; i++) {
    int k = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", names[i]);
    if (k < 0)
      break;
    used += (size_t)k < len - used ? (size_t)k : len - used - 1;
  }
}

g6_status g6_conf_enum(const oconfig_item_t *ci, const char *const *allowed,
                       size_t n, int *out, g6_error *err) {
  char list[256];
  join(allowed, n, list, sizeof(list));
  if (single(ci) && ci->values[0].type == OCONFIG_TYPE_BOOLEAN) {
    /* collectd's parser reads an unquoted on/yes/true and off/no/false as a
     * boolean, so `Validate off` arrives as false: take the one allowed
     * word collectd would have read as that boolean */
    static const char *const words[2][3] = {{"off", "no", "false"},
                                            {"on", "yes", "true"}};
    const char *const *w = words[ci->values[0].value.boolean ? 1 : 0];
    int found = -1, count = 0;
    for (size_t i = 0; i < n; i++)
      for (size_t k = 0; k < 3; k++)
        if (strcmp(allowed[i], w[k]) == 0) {
          found = (int)i;
          count++;
        }
    if (count == 1) {
      *out = found;
      return G6_OK;
    }
    return fail(ci, err, G6_EINVAL,
                "a boolean (collectd reads an unquoted on, off, yes, no, true "
                "or false as one)",
                list);
  }
  if (!single(ci) || ci->values[0].type != OCONFIG_TYPE_STRING)
    return fail(ci, err, G6_EINVAL, "expected a single string", list);
  for (size_t i = 0; i < n; i++) {
    if (strcmp(ci->values[0].value.string, allowed[i]) == 0) {
      *out = (int)i;
      return G6_OK;
    }
  }
  return fail(ci, err, G6_EINVAL, "unknown value", list);
}

g6_status g6_conf_unknown(const oconfig_item_t *ci, const char *const *known,
                          g6_error *err) {
  size_t n = 0;
  while (known[n] != NULL)
    n++;
  char list[512], where[256];
  join(known, n, list, sizeof(list));
  g6_conf_where(ci, where, sizeof(where));
  return g6_error_set(err, G6_EINVAL, "%s%sunknown option %s; allowed: %s",
                      where, where[0] ? ": " : "", ci->key ? ci->key : "?",
                      list);
}

g6_status g6_conf_block_once(const oconfig_item_t *ci, bool *seen,
                             g6_error *err) {
  if (!*seen) {
    *seen = true;
    return G6_OK;
  }
  char name[128] = "";
  if (ci != NULL && ci->values_num > 0 &&
      ci->values[0].type == OCONFIG_TYPE_STRING)
    snprintf(name, sizeof(name), "%s", ci->values[0].value.string);
  else if (ci != NULL && ci->values_num > 0)
    put_value(name, sizeof(name), &ci->values[0]);
  return g6_error_set(err, G6_EINVAL,
                      "<%s%s%s> is given twice; allowed: one block per "
                      "plugin, with every option in it",
                      ci != NULL && ci->key != NULL ? ci->key : "Plugin",
                      name[0] ? " " : "", name);
}

g6_status g6_conf_no_options(oconfig_item_t *ci, g6_error *err) {
  if (ci->children_num == 0)
    return G6_OK;
  g6_conf_link_parents(ci); /* collectd hands over a copy without them */
  const oconfig_item_t *first = &ci->children[0];
  char where[256];
  g6_conf_where(first, where, sizeof(where));
  return g6_error_set(err, G6_EINVAL,
                      "%s%sunknown option %s; this block takes no options",
                      where, where[0] ? ": " : "",
                      first->key ? first->key : "?");
}
