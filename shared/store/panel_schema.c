/* Panel schemas (see store/panel_schema.h). */
#include "store/panel_schema.h"

#include "core/ist.h"

#include "store/panels.h"

#include <stdio.h>
#include <string.h>

static unsigned type_bit(const g6_json *v) {
  switch (g6_json_type_of(v)) {
  case G6_JSON_NULL:
    return G6_JT_NULL;
  case G6_JSON_BOOL:
    return G6_JT_BOOL;
  case G6_JSON_INT:
    return G6_JT_INT;
  case G6_JSON_REAL:
    return G6_JT_REAL;
  case G6_JSON_STRING:
    return G6_JT_STRING;
  case G6_JSON_ARRAY:
    return G6_JT_ARRAY;
  case G6_JSON_OBJECT:
    return G6_JT_OBJECT;
  }
  return 0;
}

static const char *type_word(unsigned bit) {
  switch (bit) {
  case G6_JT_NULL:
    return "null";
  case G6_JT_BOOL:
    return "a boolean";
  case G6_JT_INT:
    return "an integer";
  case G6_JT_REAL:
    return "a number";
  case G6_JT_STRING:
    return "a string";
  case G6_JT_ARRAY:
    return "an array";
  default:
    return "an object";
  }
}

/* "an integer, a string or null" */
static void allowed_words(unsigned types, char *out, size_t len) {
  static const unsigned order[] = {G6_JT_NUMBER, G6_JT_INT,    G6_JT_REAL,
                                   G6_JT_STRING, G6_JT_BOOL,   G6_JT_ARRAY,
                                   G6_JT_OBJECT, G6_JT_NULL};
  const char *w[8];
  size_t n = 0;
  unsigned left = types;
  for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
    if ((left & order[i]) != order[i])
      continue;
    w[n++] = order[i] == G6_JT_NUMBER ? "a number" : type_word(order[i]);
    left &= ~order[i];
  }
  out[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    size_t l = strlen(out);
    snprintf(out + l, len - l, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ",
             w[i]);
  }
}

g6_status g6_shape_check(const g6_shape *s, const g6_json *v,
                         const char *where, g6_error *err) {
  unsigned bit = type_bit(v);
  if ((s->types & bit) == 0) {
    char allowed[128];
    allowed_words(s->types, allowed, sizeof(allowed));
    return g6_error_set(err, G6_EINVAL, "%s is %s; allowed: %s", where,
                        type_word(bit), allowed);
  }
  if (s->check != NULL) {
    const char *why = s->check(v);
    if (why != NULL) {
      char shown[96] = "";
      size_t len;
      const char *str = g6_json_get_string(v, &len);
      if (str != NULL)
        snprintf(shown, sizeof(shown), " \"%.80s\"", str);
      return g6_error_set(err, G6_EINVAL, "%s%s: allowed: %s", where, shown,
                          why);
    }
  }
  char path[512];
  if (bit == G6_JT_OBJECT) {
    for (size_t i = 0; i < s->n_fields; i++) {
      const g6_shape_field *f = &s->fields[i];
      const g6_json *m = g6_json_object_get(v, f->key);
      snprintf(path, sizeof(path), "%s.%s", where, f->key);
      if (m == NULL) {
        if (f->required)
          return g6_error_set(err, G6_EINVAL, "%s is missing", path);
        continue;
      }
      g6_status st = g6_shape_check(f->shape, m, path, err);
      if (st != G6_OK)
        return st;
    }
    for (size_t i = 0; i < g6_json_count(v); i++) {
      const char *key = g6_json_object_key(v, i, NULL);
      bool listed = false;
      for (size_t k = 0; k < s->n_fields && !listed; k++)
        listed = strcmp(s->fields[k].key, key) == 0;
      snprintf(path, sizeof(path), "%s.%.200s", where, key);
      if (!listed && s->values != NULL) {
        g6_status st = g6_shape_check(s->values, g6_json_object_value(v, i),
                                      path, err);
        if (st != G6_OK)
          return st;
      } else if (!listed && s->closed) {
        return g6_error_set(err, G6_EINVAL, "%s: unknown key", path);
      }
    }
  }
  if (bit == G6_JT_ARRAY && s->items != NULL) {
    for (size_t i = 0; i < g6_json_count(v); i++) {
      snprintf(path, sizeof(path), "%s[%zu]", where, i);
      g6_status st = g6_shape_check(s->items, g6_json_array_get(v, i), path,
                                    err);
      if (st != G6_OK)
        return st;
    }
  }
  return G6_OK;
}

/* ---- the envelope ----------------------------------------------------------- */

static const char *check_version(const g6_json *v) {
  const char *t = g6_json_get_int_text(v);
  return t != NULL && strcmp(t, "1") == 0 ? NULL : "1";
}

static const char *check_nonnegative(const g6_json *v) {
  const char *t = g6_json_get_int_text(v);
  return t != NULL && t[0] != '-' ? NULL : "an integer >= 0";
}

static const char *check_iso(const g6_json *v) {
  size_t n;
  const char *s = g6_json_get_string(v, &n);
  return g6_digit_shape(s, n, "dddd-dd-ddTdd:dd:ddZ")
             ? NULL
             : "YYYY-MM-DDTHH:MM:SSZ (UTC)";
}

static const char *check_schema(const g6_json *v) {
  const char *s = g6_json_get_string(v, NULL);
  return s != NULL && strcmp(s, G6_PANELS_SCHEMA) == 0 ? NULL : G6_PANELS_SCHEMA;
}

static const char *check_hash12(const g6_json *v) {
  size_t n;
  const char *s = g6_json_get_string(v, &n);
  if (s == NULL || n != 12)
    return "12 lower-case hex digits";
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
      return "12 lower-case hex digits";
  return NULL;
}

static const g6_shape string_shape = {.types = G6_JT_STRING};
static const g6_shape version_shape = {.types = G6_JT_INT,
                                       .check = check_version};
static const g6_shape time_shape = {.types = G6_JT_INT,
                                    .check = check_nonnegative};
static const g6_shape iso_shape = {.types = G6_JT_STRING, .check = check_iso};
static const g6_shape data_shape = {.types = G6_JT_OBJECT | G6_JT_ARRAY |
                                             G6_JT_NULL};
static const g6_shape schema_shape = {.types = G6_JT_STRING,
                                      .check = check_schema};
static const g6_shape hash_shape = {.types = G6_JT_STRING,
                                    .check = check_hash12};

static const g6_shape_field meta_fields[] = {
    {"source", &string_shape, true},
    {"schema", &schema_shape, true},
    {"hash", &hash_shape, true},
};
static const g6_shape meta_shape = {.types = G6_JT_OBJECT,
                                    .fields = meta_fields,
                                    .n_fields = 3,
                                    .closed = true};

static const g6_shape_field envelope_fields[] = {
    {"panel", &string_shape, true},     {"version", &version_shape, true},
    {"generated_at", &time_shape, true}, {"updated_at", &iso_shape, true},
    {"data", &data_shape, true},        {"meta", &meta_shape, true},
};

const g6_shape g6_panel_envelope_shape = {
    .types = G6_JT_OBJECT,
    .fields = envelope_fields,
    .n_fields = sizeof(envelope_fields) / sizeof(envelope_fields[0]),
    .closed = true,
};

g6_status g6_panel_validate(const g6_json *env, const char *name,
                            const g6_shape *data, g6_error *err) {
  char where[96];
  snprintf(where, sizeof(where), "panel %s: envelope", name);
  g6_status st = g6_shape_check(&g6_panel_envelope_shape, env, where, err);
  if (st != G6_OK)
    return st;
  const char *panel = g6_json_get_string(g6_json_object_get(env, "panel"), NULL);
  if (strcmp(panel, name) != 0)
    return g6_error_set(err, G6_EINVAL,
                        "panel %s: envelope.panel \"%.80s\": allowed: \"%s\"",
                        name, panel, name);
  const g6_json *d = g6_json_object_get(env, "data");
  char full[65];
  g6_json *empty = g6_json_object();
  st = g6_panel_data_hash(g6_json_type_of(d) == G6_JSON_NULL ? empty : d,
                          full);
  g6_json_free(empty);
  if (st != G6_OK)
    return g6_error_set(err, st, "panel %s: data cannot be serialized", name);
  const char *h = g6_json_get_string(
      g6_json_object_get(g6_json_object_get(env, "meta"), "hash"), NULL);
  if (strncmp(h, full, 12) != 0)
    return g6_error_set(err, G6_EINVAL,
                        "panel %s: envelope.meta.hash \"%s\" does not match "
                        "the data; allowed: \"%.12s\"",
                        name, h, full);
  if (data != NULL) {
    snprintf(where, sizeof(where), "panel %s: data", name);
    return g6_shape_check(data, d, where, err);
  }
  return G6_OK;
}
