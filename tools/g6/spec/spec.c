/* Loading spec/metrics.yml and spec/plans.yml with libyaml into g6_spec.
 *
 * The loader is strict about structure so that a typo never silently drops a
 * field: unknown keys, duplicate keys, wrong value types and missing required
 * fields are all diagnostics with file:line and the field path. It keeps
 * going after a problem so one run reports all of them. */
#include "spec/spec.h"
#include "core/array.h"

#include "core/fsutil.h"
#include "core/hash.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* ---- diagnostics ------------------------------------------------------ */

static char *xstrdup(const char *s) { return s ? strdup(s) : NULL; }

void g6_spec_diag_add(g6_spec_diags *d, const char *file, int line,
                      const char *field, const char *fmt, ...) {
  if (!g6_array_room(&d->v, &d->cap, d->n, sizeof(*d->v), 16)) {
    d->n++; /* keep counting even when the text is lost */
    return;
  }
  if (d->n >= d->cap) {
    d->n++;
    return;
  }
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  g6_spec_diag *g = &d->v[d->n++];
  g->file = xstrdup(file ? file : "");
  g->line = line;
  g->field = xstrdup(field ? field : "");
  g->msg = xstrdup(msg);
}

void g6_spec_diags_print(const g6_spec_diags *d, g6_buf *out) {
  size_t shown = d->n < d->cap ? d->n : d->cap;
  for (size_t i = 0; i < shown; i++) {
    const g6_spec_diag *g = &d->v[i];
    if (g->msg == NULL)
      continue;
    if (g->line > 0)
      g6_buf_printf(out, "%s:%d: ", g->file, g->line);
    else
      g6_buf_printf(out, "%s: ", g->file);
    if (g->field && g->field[0])
      g6_buf_printf(out, "%s: ", g->field);
    g6_buf_printf(out, "%s\n", g->msg);
  }
  if (d->n > shown)
    g6_buf_printf(out, "(%zu more problems; out of memory)\n", d->n - shown);
}

void g6_spec_diags_free(g6_spec_diags *d) {
  size_t shown = d->n < d->cap ? d->n : d->cap;
  for (size_t i = 0; i < shown; i++) {
    free(d->v[i].file);
    free(d->v[i].field);
    free(d->v[i].msg);
  }
  free(d->v);
  memset(d, 0, sizeof(*d));
}

/* ---- YAML access ------------------------------------------------------ */

typedef struct ld {
  yaml_document_t doc;
  const char *file;
  g6_spec_diags *d;
  size_t errors;
  bool nomem;
} ld;

#define PATH_MAX_LEN 256

static int line_of(const yaml_node_t *n) {
  return n ? (int)n->start_mark.line + 1 : 0;
}

static yaml_node_t *node(ld *l, int idx) {
  return yaml_document_get_node(&l->doc, idx);
}

static void err(ld *l, const yaml_node_t *n, const char *path, const char *fmt,
                ...) __attribute__((format(printf, 4, 5)));
static void err(ld *l, const yaml_node_t *n, const char *path, const char *fmt,
                ...) {
  char msg[900];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  g6_spec_diag_add(l->d, l->file, line_of(n), path, "%s", msg);
  l->errors++;
}

static const char *type_name(const yaml_node_t *n) {
  if (n == NULL)
    return "nothing";
  switch (n->type) {
  case YAML_SCALAR_NODE:
    return "a scalar";
  case YAML_SEQUENCE_NODE:
    return "a list";
  case YAML_MAPPING_NODE:
    return "a mapping";
  default:
    return "nothing";
  }
}

static const char *scalar(const yaml_node_t *n) {
  return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value
                                          : NULL;
}

/* Checks a mapping's keys against `allowed` (NULL-terminated) and reports
 * duplicates and unknown keys. Returns false when `n` is not a mapping. */
static bool check_map(ld *l, yaml_node_t *n, const char *path,
                      const char *const *allowed) {
  if (n == NULL || n->type != YAML_MAPPING_NODE) {
    err(l, n, path, "expected a mapping, found %s", type_name(n));
    return false;
  }
  for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
       p < n->data.mapping.pairs.top; p++) {
    yaml_node_t *k = node(l, p->key);
    const char *ks = scalar(k);
    if (ks == NULL) {
      err(l, k, path, "keys must be plain names, found %s", type_name(k));
      continue;
    }
    for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < p; q++) {
      const char *prev = scalar(node(l, q->key));
      if (prev && strcmp(prev, ks) == 0) {
        err(l, k, path, "duplicate key \"%s\" (first at line %d)", ks,
            line_of(node(l, q->key)));
        break;
      }
    }
    if (allowed) {
      bool known = false;
      for (const char *const *a = allowed; *a; a++)
        if (strcmp(*a, ks) == 0)
          known = true;
      if (!known) {
        char list[400] = "";
        for (const char *const *a = allowed; *a; a++) {
          strncat(list, *a, sizeof(list) - strlen(list) - 1);
          if (a[1])
            strncat(list, ", ", sizeof(list) - strlen(list) - 1);
        }
        err(l, k, path, "unknown field \"%s\" (allowed: %s)", ks, list);
      }
    }
  }
  return true;
}

static yaml_node_t *get(ld *l, yaml_node_t *map, const char *key) {
  if (map == NULL || map->type != YAML_MAPPING_NODE)
    return NULL;
  for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
       p < map->data.mapping.pairs.top; p++) {
    const char *ks = scalar(node(l, p->key));
    if (ks && strcmp(ks, key) == 0)
      return node(l, p->value);
  }
  return NULL;
}

static void subpath(char *out, const char *path, const char *key) {
  /* paths are for messages; a truncated one is still useful */
  if (snprintf(out, PATH_MAX_LEN, "%s%s%s", path, path[0] ? "." : "", key) >=
      PATH_MAX_LEN)
    out[PATH_MAX_LEN - 1] = '\0';
}

/* A string field. Required fields report their absence at the map's line. */
static char *get_str(ld *l, yaml_node_t *map, const char *path,
                     const char *key, bool required, int *line) {
  char p[PATH_MAX_LEN];
  subpath(p, path, key);
  yaml_node_t *v = get(l, map, key);
  if (line)
    *line = v ? line_of(v) : 0;
  if (v == NULL) {
    if (required)
      err(l, map, p, "missing required field");
    return NULL;
  }
  const char *s = scalar(v);
  if (s == NULL) {
    err(l, v, p, "expected a string, found %s", type_name(v));
    return NULL;
  }
  if (required && s[0] == '\0') {
    err(l, v, p, "must not be empty");
    return NULL;
  }
  char *r = strdup(s);
  if (r == NULL)
    l->nomem = true;
  return r;
}

static bool parse_long(const char *s, long *out) {
  if (s == NULL || *s == '\0')
    return false;
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || *end)
    return false;
  *out = v;
  return true;
}

static bool parse_double(const char *s, double *out) {
  if (s == NULL || *s == '\0')
    return false;
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || *end || !isfinite(v))
    return false;
  *out = v;
  return true;
}

static bool get_long(ld *l, yaml_node_t *map, const char *path,
                     const char *key, bool required, long *out, int *line) {
  char p[PATH_MAX_LEN];
  subpath(p, path, key);
  yaml_node_t *v = get(l, map, key);
  if (line)
    *line = v ? line_of(v) : 0;
  if (v == NULL) {
    if (required)
      err(l, map, p, "missing required field");
    return false;
  }
  if (!parse_long(scalar(v), out)) {
    err(l, v, p, "expected an integer, found %s%s%s%s", type_name(v),
        scalar(v) ? " \"" : "", scalar(v) ? scalar(v) : "",
        scalar(v) ? "\"" : "");
    return false;
  }
  return true;
}

static bool get_bool(ld *l, yaml_node_t *map, const char *path,
                     const char *key, bool *out) {
  char p[PATH_MAX_LEN];
  subpath(p, path, key);
  yaml_node_t *v = get(l, map, key);
  if (v == NULL)
    return false;
  const char *s = scalar(v);
  if (s && strcmp(s, "true") == 0)
    *out = true;
  else if (s && strcmp(s, "false") == 0)
    *out = false;
  else {
    err(l, v, p, "expected true or false, found %s%s%s%s", type_name(v),
        s ? " \"" : "", s ? s : "", s ? "\"" : "");
    return false;
  }
  return true;
}

/* A list of strings (flow or block). */
static char **get_str_list(ld *l, yaml_node_t *map, const char *path,
                           const char *key, bool required, size_t *n,
                           int *line) {
  char p[PATH_MAX_LEN];
  subpath(p, path, key);
  *n = 0;
  yaml_node_t *v = get(l, map, key);
  if (line)
    *line = v ? line_of(v) : 0;
  if (v == NULL) {
    if (required)
      err(l, map, p, "missing required field");
    return NULL;
  }
  if (v->type != YAML_SEQUENCE_NODE) {
    err(l, v, p, "expected a list, found %s", type_name(v));
    return NULL;
  }
  size_t cnt = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
  char **out = calloc(cnt + 1, sizeof(char *));
  if (out == NULL) {
    l->nomem = true;
    return NULL;
  }
  size_t k = 0;
  for (yaml_node_item_t *it = v->data.sequence.items.start;
       it < v->data.sequence.items.top; it++) {
    yaml_node_t *e = node(l, *it);
    const char *s = scalar(e);
    char ip[PATH_MAX_LEN + 32];
    snprintf(ip, sizeof(ip), "%s[%zu]", p, (size_t)(it - v->data.sequence.items.start));
    if (s == NULL || s[0] == '\0') {
      err(l, e, ip, "expected a non-empty string, found %s", type_name(e));
      continue;
    }
    out[k] = strdup(s);
    if (out[k] == NULL)
      l->nomem = true;
    else
      k++;
  }
  *n = k;
  return out;
}

static void free_str_list(char **v, size_t n) {
  for (size_t i = 0; i < n; i++)
    free(v[i]);
  free(v);
}

static size_t seq_len(const yaml_node_t *v) {
  return v && v->type == YAML_SEQUENCE_NODE
             ? (size_t)(v->data.sequence.items.top - v->data.sequence.items.start)
             : 0;
}

#define LOAD_LIST(l, map, path, key, arr, n, fn)                               \
  do {                                                                         \
    char lp_[PATH_MAX_LEN];                                                    \
    subpath(lp_, path, key);                                                   \
    yaml_node_t *lv_ = get(l, map, key);                                       \
    (n) = 0;                                                                   \
    if (lv_ != NULL && lv_->type != YAML_SEQUENCE_NODE) {                      \
      err(l, lv_, lp_, "expected a list, found %s", type_name(lv_));           \
    } else if (lv_ != NULL && seq_len(lv_) > 0) {                              \
      (arr) = calloc(seq_len(lv_), sizeof(*(arr)));                            \
      if ((arr) == NULL) {                                                     \
        (l)->nomem = true;                                                     \
      } else {                                                                 \
        for (yaml_node_item_t *it_ = lv_->data.sequence.items.start;           \
             it_ < lv_->data.sequence.items.top; it_++) {                      \
          char ip_[PATH_MAX_LEN + 32];                                         \
          snprintf(ip_, sizeof(ip_), "%s[%zu]", lp_,                           \
                   (size_t)(it_ - lv_->data.sequence.items.start));            \
          fn(l, node(l, *it_), ip_, &(arr)[(n)++]);                            \
        }                                                                      \
      }                                                                        \
    }                                                                          \
  } while (0)

/* ---- sections --------------------------------------------------------- */

static void load_kv(ld *l, yaml_node_t *v, const char *path, g6_spec_kv **out,
                    size_t *n) {
  *out = NULL;
  *n = 0;
  if (v == NULL)
    return;
  if (!check_map(l, v, path, NULL))
    return;
  size_t cnt = (size_t)(v->data.mapping.pairs.top - v->data.mapping.pairs.start);
  *out = calloc(cnt + 1, sizeof(g6_spec_kv));
  if (*out == NULL) {
    l->nomem = true;
    return;
  }
  for (yaml_node_pair_t *p = v->data.mapping.pairs.start;
       p < v->data.mapping.pairs.top; p++) {
    const char *k = scalar(node(l, p->key));
    const char *val = scalar(node(l, p->value));
    if (k == NULL)
      continue;
    if (val == NULL) {
      char kp[PATH_MAX_LEN];
      subpath(kp, path, k);
      err(l, node(l, p->value), kp, "expected a string, found %s",
          type_name(node(l, p->value)));
      continue;
    }
    (*out)[*n].key = strdup(k);
    (*out)[*n].value = strdup(val);
    (*n)++;
  }
}

/* One expected alert of an evaluation: {labels, value}. */
static void load_expect(ld *l, yaml_node_t *v, const char *path,
                        g6_spec_expect *x) {
  static const char *const allowed[] = {"labels", "value", NULL};
  memset(x, 0, sizeof(*x));
  x->line = line_of(v);
  if (!check_map(l, v, path, allowed))
    return;
  x->value = get_str(l, v, path, "value", true, NULL);
  char p[PATH_MAX_LEN];
  subpath(p, path, "labels");
  yaml_node_t *lab = get(l, v, "labels");
  if (lab == NULL)
    err(l, v, p, "missing required field");
  else
    load_kv(l, lab, p, &x->labels, &x->n_labels);
}

/* A further evaluation of an alert test: {eval_time, alerts} (alerts: [] when
 * none may fire then). */
static void load_eval(ld *l, yaml_node_t *v, const char *path,
                      g6_spec_eval *e) {
  static const char *const allowed[] = {"eval_time", "alerts", NULL};
  memset(e, 0, sizeof(*e));
  e->line = line_of(v);
  if (!check_map(l, v, path, allowed))
    return;
  e->eval_time = get_str(l, v, path, "eval_time", true, NULL);
  char p[PATH_MAX_LEN];
  subpath(p, path, "alerts");
  yaml_node_t *al = get(l, v, "alerts");
  if (al == NULL) {
    err(l, v, p, "missing required field (a list of {labels, value}; [] when "
                 "no alert may fire)");
    return;
  }
  LOAD_LIST(l, v, path, "alerts", e->alerts, e->n_alerts, load_expect);
}

static void load_test(ld *l, yaml_node_t *v, const char *path,
                      g6_spec_test *t, bool alert) {
  memset(t, 0, sizeof(*t));
  if (v == NULL)
    return;
  static const char *const allowed[] = {"series", "eval_time", "labels",
                                        "value", NULL};
  static const char *const alert_allowed[] = {"series", "eval_time", "labels",
                                              "value",  "evals",     NULL};
  if (!check_map(l, v, path, alert ? alert_allowed : allowed))
    return;
  if (alert)
    LOAD_LIST(l, v, path, "evals", t->evals, t->n_evals, load_eval);
  t->present = true;
  t->line = line_of(v);
  t->eval_time = get_str(l, v, path, "eval_time", true, NULL);
  t->value = get_str(l, v, path, "value", true, NULL);
  char p[PATH_MAX_LEN];
  subpath(p, path, "labels");
  yaml_node_t *lab = get(l, v, "labels");
  if (lab == NULL)
    err(l, v, p, "missing required field");
  else
    load_kv(l, lab, p, &t->labels, &t->n_labels);
  subpath(p, path, "series");
  yaml_node_t *ser = get(l, v, "series");
  if (ser == NULL || ser->type != YAML_SEQUENCE_NODE || seq_len(ser) == 0) {
    err(l, ser ? ser : v, p, "expected a non-empty list of {series, values}");
    return;
  }
  t->series = calloc(seq_len(ser), sizeof(g6_spec_series));
  if (t->series == NULL) {
    l->nomem = true;
    return;
  }
  static const char *const sallowed[] = {"series", "values", NULL};
  for (yaml_node_item_t *it = ser->data.sequence.items.start;
       it < ser->data.sequence.items.top; it++) {
    char ip[PATH_MAX_LEN + 32];
    snprintf(ip, sizeof(ip), "%s[%zu]", p,
             (size_t)(it - ser->data.sequence.items.start));
    yaml_node_t *e = node(l, *it);
    if (!check_map(l, e, ip, sallowed))
      continue;
    g6_spec_series *s = &t->series[t->n_series++];
    s->series = get_str(l, e, ip, "series", true, NULL);
    s->values = get_str(l, e, ip, "values", true, NULL);
  }
}

static void load_panel(ld *l, yaml_node_t *v, const char *path,
                       g6_spec_panel *p) {
  static const char *const allowed[] = {"title", "type", "expr",
                                        "legend", "unit", "description",
                                        "instant", NULL};
  memset(p, 0, sizeof(*p));
  p->line = line_of(v);
  if (!check_map(l, v, path, allowed))
    return;
  p->title = get_str(l, v, path, "title", true, NULL);
  p->type = get_str(l, v, path, "type", true, NULL);
  p->expr = get_str(l, v, path, "expr", true, NULL);
  p->legend = get_str(l, v, path, "legend", false, NULL);
  p->unit = get_str(l, v, path, "unit", false, NULL);
  p->description = get_str(l, v, path, "description", true, NULL);
  get_bool(l, v, path, "instant", &p->instant);
}

static void load_alert(ld *l, yaml_node_t *v, const char *path,
                       g6_spec_alert *a) {
  static const char *const allowed[] = {
      "alert",       "expr",        "for",    "severity", "summary",
      "description", "runbook_url", "labels", "test",     NULL};
  memset(a, 0, sizeof(*a));
  a->line = line_of(v);
  if (!check_map(l, v, path, allowed))
    return;
  a->alert = get_str(l, v, path, "alert", true, NULL);
  a->expr = get_str(l, v, path, "expr", true, NULL);
  a->for_ = get_str(l, v, path, "for", true, NULL);
  a->severity = get_str(l, v, path, "severity", true, NULL);
  a->summary = get_str(l, v, path, "summary", true, NULL);
  a->description = get_str(l, v, path, "description", true, NULL);
  a->runbook_url = get_str(l, v, path, "runbook_url", false, NULL);
  char p[PATH_MAX_LEN];
  subpath(p, path, "labels");
  load_kv(l, get(l, v, "labels"), p, &a->labels, &a->n_labels);
  subpath(p, path, "test");
  load_test(l, get(l, v, "test"), p, &a->test, true);
  if (!a->test.present)
    err(l, v, p, "missing required field (every alert has a promtool test)");
}

static void load_record(ld *l, yaml_node_t *v, const char *path,
                        g6_spec_record *r) {
  static const char *const allowed[] = {"record", "expr", "test", NULL};
  memset(r, 0, sizeof(*r));
  r->line = line_of(v);
  if (!check_map(l, v, path, allowed))
    return;
  r->record = get_str(l, v, path, "record", true, NULL);
  r->expr = get_str(l, v, path, "expr", true, NULL);
  char p[PATH_MAX_LEN];
  subpath(p, path, "test");
  load_test(l, get(l, v, "test"), p, &r->test, false);
  if (!r->test.present)
    err(l, v, p,
        "missing required field (every recording rule has a promtool test)");
}

/* Loads a list of T via `fn`; allocates the array. */

static void load_label(ld *l, yaml_node_t *v, const char *path,
                       g6_spec_label *lab) {
  static const char *const allowed[] = {"name", "from", "domain", NULL};
  memset(lab, 0, sizeof(*lab));
  lab->line = line_of(v);
  if (!check_map(l, v, path, allowed))
    return;
  lab->name = get_str(l, v, path, "name", true, NULL);
  lab->domain_name = get_str(l, v, path, "domain", true, NULL);
  int line;
  char *from = get_str(l, v, path, "from", true, &line);
  if (from) {
    char p[PATH_MAX_LEN];
    subpath(p, path, "from");
    if (strcmp(from, "plugin_instance") == 0)
      lab->from = G6_SPEC_FROM_PLUGIN_INSTANCE;
    else if (strcmp(from, "type_instance") == 0)
      lab->from = G6_SPEC_FROM_TYPE_INSTANCE;
    else
      err(l, get(l, v, "from"), p,
          "\"%s\" is not a collectd label source (allowed: plugin_instance, "
          "type_instance)",
          from);
    free(from);
  }
}

static void load_metric(ld *l, yaml_node_t *v, const char *path,
                        g6_spec_metric *m) {
  static const char *const allowed[] = {
      "name",    "kind",   "unit",   "help",    "plugin",  "type",
      "exported", "labels", "budget", "buckets", "ds",      "agg",
      "panels",  "alerts", "records", "aggregates", NULL};
  memset(m, 0, sizeof(*m));
  m->line = line_of(v);
  m->path = strdup(path);
  if (!check_map(l, v, path, allowed))
    return;
  m->name = get_str(l, v, path, "name", true, NULL);
  m->help = get_str(l, v, path, "help", true, &m->line_help);
  m->unit = get_str(l, v, path, "unit", true, &m->line_unit);
  m->plugin = get_str(l, v, path, "plugin", true, &m->line_plugin);
  m->type = get_str(l, v, path, "type", true, &m->line_type);
  m->exported = get_str(l, v, path, "exported", true, &m->line_exported);
  m->agg = get_str(l, v, path, "agg", false, &m->line_agg);
  m->aggregates =
      get_str(l, v, path, "aggregates", false, &m->line_aggregates);
  get_long(l, v, path, "budget", false, &m->budget, &m->line_budget);
  if (get(l, v, "budget") == NULL)
    m->budget = -1;
  char p[PATH_MAX_LEN];
  char *kind = get_str(l, v, path, "kind", true, &m->line_kind);
  if (kind) {
    subpath(p, path, "kind");
    if (strcmp(kind, "gauge") == 0)
      m->kind = G6_SPEC_GAUGE;
    else if (strcmp(kind, "counter") == 0)
      m->kind = G6_SPEC_COUNTER;
    else if (strcmp(kind, "histogram") == 0)
      m->kind = G6_SPEC_HISTOGRAM;
    else
      err(l, get(l, v, "kind"), p,
          "\"%s\" is not a metric kind (allowed: gauge, counter, histogram)",
          kind);
    free(kind);
  }
  /* labels */
  subpath(p, path, "labels");
  yaml_node_t *labs = get(l, v, "labels");
  m->line_labels = line_of(labs);
  if (labs == NULL) {
    err(l, v, p, "missing required field (use [] for a metric without labels)");
  } else if (labs->type != YAML_SEQUENCE_NODE) {
    err(l, labs, p, "expected a list, found %s", type_name(labs));
  } else {
    size_t nl = seq_len(labs);
    if (nl > 2)
      err(l, labs, p,
          "%zu labels: at most two labels besides instance (plugin_instance "
          "and type_instance)",
          nl);
    for (size_t i = 0; i < nl && i < 2; i++) {
      char ip[PATH_MAX_LEN + 32];
      snprintf(ip, sizeof(ip), "%s[%zu]", p, i);
      load_label(l, node(l, labs->data.sequence.items.start[i]), ip,
                 &m->labels[i]);
      m->n_labels++;
    }
  }
  /* buckets */
  subpath(p, path, "buckets");
  yaml_node_t *b = get(l, v, "buckets");
  m->line_buckets = line_of(b);
  if (b) {
    if (b->type != YAML_SEQUENCE_NODE) {
      err(l, b, p, "expected a list of numbers, found %s", type_name(b));
    } else {
      m->buckets = calloc(seq_len(b) + 1, sizeof(double));
      for (yaml_node_item_t *it = b->data.sequence.items.start;
           m->buckets && it < b->data.sequence.items.top; it++) {
        yaml_node_t *e = node(l, *it);
        double d;
        if (!parse_double(scalar(e), &d)) {
          char ip[PATH_MAX_LEN + 32];
          snprintf(ip, sizeof(ip), "%s[%zu]", p,
                   (size_t)(it - b->data.sequence.items.start));
          err(l, e, ip, "expected a finite number, found %s%s%s%s",
              type_name(e), scalar(e) ? " \"" : "", scalar(e) ? scalar(e) : "",
              scalar(e) ? "\"" : "");
          continue;
        }
        m->buckets[m->n_buckets++] = d;
      }
    }
  }
  /* ds */
  yaml_node_t *ds = get(l, v, "ds");
  m->line_ds = line_of(ds);
  if (ds) {
    static const char *const dallowed[] = {"name", "type", "min", "max", NULL};
    subpath(p, path, "ds");
    if (check_map(l, ds, p, dallowed)) {
      m->ds_name = get_str(l, ds, p, "name", false, NULL);
      m->ds_type = get_str(l, ds, p, "type", false, NULL);
      m->ds_min = get_str(l, ds, p, "min", false, NULL);
      m->ds_max = get_str(l, ds, p, "max", false, NULL);
    }
  }
  LOAD_LIST(l, v, path, "panels", m->panels, m->n_panels, load_panel);
  LOAD_LIST(l, v, path, "alerts", m->alerts, m->n_alerts, load_alert);
  LOAD_LIST(l, v, path, "records", m->records, m->n_records, load_record);
}

static void load_family(ld *l, yaml_node_t *k, yaml_node_t *v,
                        g6_spec_family *f) {
  static const char *const allowed[] = {"owner", "title", "help", "metrics",
                                        NULL};
  char path[PATH_MAX_LEN];
  memset(f, 0, sizeof(*f));
  f->name = strdup(scalar(k) ? scalar(k) : "");
  f->line = line_of(k);
  snprintf(path, sizeof(path), "families.%s", f->name);
  if (!check_map(l, v, path, allowed))
    return;
  f->owner = get_str(l, v, path, "owner", true, NULL);
  f->title = get_str(l, v, path, "title", true, NULL);
  f->help = get_str(l, v, path, "help", true, NULL);
  char p[PATH_MAX_LEN];
  subpath(p, path, "metrics");
  yaml_node_t *ms = get(l, v, "metrics");
  if (ms == NULL || ms->type != YAML_SEQUENCE_NODE || seq_len(ms) == 0) {
    err(l, ms ? ms : v, p, "expected a non-empty list of metrics");
    return;
  }
  LOAD_LIST(l, v, path, "metrics", f->metrics, f->n_metrics, load_metric);
  for (size_t i = 0; i < f->n_metrics; i++)
    f->metrics[i].family = f;
}

static void load_unit(ld *l, yaml_node_t *k, yaml_node_t *v, g6_spec_unit *u) {
  static const char *const allowed[] = {"grafana", "rate", "timestamp",
                                        NULL};
  char path[PATH_MAX_LEN];
  memset(u, 0, sizeof(*u));
  u->name = strdup(scalar(k) ? scalar(k) : "");
  u->line = line_of(k);
  snprintf(path, sizeof(path), "units.%s", u->name);
  if (!check_map(l, v, path, allowed))
    return;
  u->grafana = get_str(l, v, path, "grafana", true, NULL);
  u->rate = get_str(l, v, path, "rate", true, NULL);
  get_bool(l, v, path, "timestamp", &u->timestamp);
}

static void load_domain(ld *l, yaml_node_t *k, yaml_node_t *v,
                        g6_spec_domain *dm) {
  static const char *const allowed[] = {"help",    "values", "open", "max",
                                        "example", "product", NULL};
  char path[PATH_MAX_LEN];
  memset(dm, 0, sizeof(*dm));
  dm->name = strdup(scalar(k) ? scalar(k) : "");
  dm->line = line_of(k);
  snprintf(path, sizeof(path), "domains.%s", dm->name);
  if (!check_map(l, v, path, allowed))
    return;
  dm->help = get_str(l, v, path, "help", true, NULL);
  dm->example = get_str(l, v, path, "example", false, NULL);
  dm->values = get_str_list(l, v, path, "values", false, &dm->n_values, NULL);
  dm->product =
      get_str_list(l, v, path, "product", false, &dm->n_product, NULL);
  get_bool(l, v, path, "open", &dm->open);
  long mx = 0;
  if (get_long(l, v, path, "max", false, &mx, NULL)) {
    if (mx < 1) {
      char p[PATH_MAX_LEN];
      subpath(p, path, "max");
      err(l, get(l, v, "max"), p, "must be at least 1, found %ld", mx);
    } else {
      dm->max = (size_t)mx;
    }
  }
}

/* The line of each of the first n items of a sequence node (for messages
 * about one item); NULL when out of memory, zeros for a missing node. */
static int *item_lines(ld *l, yaml_node_t *seq, size_t n) {
  int *lines = calloc(n + 1, sizeof(int));
  if (lines == NULL || seq == NULL || seq->type != YAML_SEQUENCE_NODE)
    return lines;
  size_t i = 0;
  for (yaml_node_item_t *it = seq->data.sequence.items.start;
       it < seq->data.sequence.items.top && i < n; it++, i++)
    lines[i] = line_of(node(l, *it));
  return lines;
}

static void load_plan(ld *l, yaml_node_t *v, const char *path,
                      g6_spec_plan *p) {
  static const char *const allowed[] = {"slug",     "title",   "description",
                                        "tags",     "families", "metrics",
                                        NULL};
  memset(p, 0, sizeof(*p));
  p->line = line_of(v);
  if (!check_map(l, v, path, allowed))
    return;
  p->slug = get_str(l, v, path, "slug", true, NULL);
  p->title = get_str(l, v, path, "title", true, NULL);
  p->description = get_str(l, v, path, "description", true, NULL);
  p->tags = get_str_list(l, v, path, "tags", false, &p->n_tags, NULL);
  p->families =
      get_str_list(l, v, path, "families", true, &p->n_families, NULL);
  p->family_lines = item_lines(l, get(l, v, "families"), p->n_families);
  p->metrics = get_str_list(l, v, path, "metrics", false, &p->n_metrics, NULL);
  p->metric_lines = item_lines(l, get(l, v, "metrics"), p->n_metrics);
}

/* Parses text into l->doc; reports a syntax error with its line. */
static bool parse_doc(ld *l, const char *text, size_t len) {
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) {
    l->nomem = true;
    return false;
  }
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
  bool ok = yaml_parser_load(&parser, &l->doc) != 0;
  if (!ok) {
    g6_spec_diag_add(l->d, l->file, (int)parser.problem_mark.line + 1, "",
                     "YAML syntax error: %s%s%s",
                     parser.problem ? parser.problem : "malformed YAML",
                     parser.context ? " " : "",
                     parser.context ? parser.context : "");
    l->errors++;
  }
  yaml_parser_delete(&parser);
  if (ok && yaml_document_get_root_node(&l->doc) == NULL) {
    g6_spec_diag_add(l->d, l->file, 1, "", "the file is empty");
    l->errors++;
    yaml_document_delete(&l->doc);
    return false;
  }
  return ok;
}

/* Iterates a mapping section `key` of the root, calling fn per entry. */
#define LOAD_MAP_SECTION(l, root, sect, arr, n, fn, required)                   \
  do {                                                                         \
    yaml_node_t *sv_ = get(l, root, sect);                                      \
    if (sv_ == NULL) {                                                         \
      if (required)                                                            \
        err(l, root, sect, "missing required section");                         \
    } else if (check_map(l, sv_, sect, NULL)) {                                 \
      size_t cnt_ = (size_t)(sv_->data.mapping.pairs.top -                     \
                             sv_->data.mapping.pairs.start);                   \
      (arr) = calloc(cnt_ + 1, sizeof(*(arr)));                                \
      if ((arr) == NULL)                                                       \
        (l)->nomem = true;                                                     \
      for (yaml_node_pair_t *p_ = sv_->data.mapping.pairs.start;               \
           (arr) && p_ < sv_->data.mapping.pairs.top; p_++)                    \
        if (scalar(node(l, p_->key)))                                          \
          fn(l, node(l, p_->key), node(l, p_->value), &(arr)[(n)++]);          \
    }                                                                          \
  } while (0)

g6_status g6_spec_load(const char *spec_file, const char *spec_text,
                       size_t spec_len, const char *plans_file,
                       const char *plans_text, size_t plans_len, g6_spec *out,
                       g6_spec_diags *d) {
  memset(out, 0, sizeof(*out));
  out->file = strdup(spec_file);
  out->plans_file = xstrdup(plans_file);
  char hex[65];
  g6_sha256_hex(spec_text, spec_len, hex);
  out->full_hash = strdup(hex);
  hex[16] = '\0';
  out->hash = strdup(hex);

  ld l = {.file = spec_file, .d = d};
  if (parse_doc(&l, spec_text, spec_len)) {
    yaml_node_t *root = yaml_document_get_root_node(&l.doc);
    static const char *const allowed[] = {"version", "runbook_base", "units",
                                          "domains", "families", NULL};
    if (check_map(&l, root, "", allowed)) {
      if (get_long(&l, root, "", "version", true, &out->version, NULL) &&
          out->version != 1)
        err(&l, get(&l, root, "version"), "version",
            "unsupported spec version %ld (this g6 reads version 1)",
            out->version);
      out->runbook_base =
          get_str(&l, root, "", "runbook_base", true, NULL);
      LOAD_MAP_SECTION(&l, root, "units", out->units, out->n_units, load_unit,
                       true);
      LOAD_MAP_SECTION(&l, root, "domains", out->domains, out->n_domains,
                       load_domain, true);
      LOAD_MAP_SECTION(&l, root, "families", out->families, out->n_families,
                       load_family, true);
    }
    yaml_document_delete(&l.doc);
  }

  if (plans_text != NULL) {
    ld pl = {.file = plans_file, .d = d};
    if (parse_doc(&pl, plans_text, plans_len)) {
      yaml_node_t *root = yaml_document_get_root_node(&pl.doc);
      static const char *const allowed[] = {"plans", NULL};
      if (check_map(&pl, root, "", allowed)) {
        yaml_node_t *pv = get(&pl, root, "plans");
        if (pv == NULL || pv->type != YAML_SEQUENCE_NODE)
          err(&pl, pv ? pv : root, "plans", "expected a list of plans");
        else
          LOAD_LIST(&pl, root, "", "plans", out->plans, out->n_plans,
                    load_plan);
      }
      yaml_document_delete(&pl.doc);
    }
    l.errors += pl.errors;
    l.nomem = l.nomem || pl.nomem;
  }
  if (l.nomem)
    return G6_ENOMEM;
  return l.errors ? G6_EPARSE : G6_OK;
}

g6_status g6_spec_load_files(const char *spec_file, const char *plans_file,
                             g6_spec *out, g6_spec_diags *d) {
  char *st = NULL, *pt = NULL;
  size_t sl = 0, pln = 0;
  g6_error e;
  memset(out, 0, sizeof(*out));
  g6_status rc = g6_read_file(spec_file, 16u << 20, &st, &sl, &e);
  if (rc != G6_OK) {
    g6_spec_diag_add(d, spec_file, 0, "", "cannot read: %s", e.msg);
    return rc;
  }
  if (plans_file) {
    rc = g6_read_file(plans_file, 16u << 20, &pt, &pln, &e);
    if (rc != G6_OK) {
      g6_spec_diag_add(d, plans_file, 0, "", "cannot read: %s", e.msg);
      free(st);
      return rc;
    }
  }
  rc = g6_spec_load(spec_file, st, sl, plans_file, pt, pln, out, d);
  free(st);
  free(pt);
  return rc;
}

/* ---- free ------------------------------------------------------------- */

static void free_kv(g6_spec_kv *v, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(v[i].key);
    free(v[i].value);
  }
  free(v);
}

static void free_test(g6_spec_test *t) {
  for (size_t i = 0; i < t->n_series; i++) {
    free(t->series[i].series);
    free(t->series[i].values);
  }
  free(t->series);
  free(t->eval_time);
  free(t->value);
  free_kv(t->labels, t->n_labels);
  for (size_t i = 0; i < t->n_evals; i++) {
    g6_spec_eval *e = &t->evals[i];
    for (size_t k = 0; k < e->n_alerts; k++) {
      free(e->alerts[k].value);
      free_kv(e->alerts[k].labels, e->alerts[k].n_labels);
    }
    free(e->alerts);
    free(e->eval_time);
  }
  free(t->evals);
}

static void free_metric(g6_spec_metric *m) {
  free(m->name);
  free(m->unit);
  free(m->help);
  free(m->plugin);
  free(m->type);
  free(m->exported);
  free(m->agg);
  free(m->aggregates);
  free(m->path);
  for (size_t i = 0; i < m->n_labels; i++) {
    free(m->labels[i].name);
    free(m->labels[i].domain_name);
  }
  free(m->buckets);
  free(m->ds_name);
  free(m->ds_type);
  free(m->ds_min);
  free(m->ds_max);
  for (size_t i = 0; i < m->n_panels; i++) {
    g6_spec_panel *p = &m->panels[i];
    free(p->title);
    free(p->type);
    free(p->expr);
    free(p->legend);
    free(p->unit);
    free(p->description);
  }
  free(m->panels);
  for (size_t i = 0; i < m->n_alerts; i++) {
    g6_spec_alert *a = &m->alerts[i];
    free(a->alert);
    free(a->expr);
    free(a->for_);
    free(a->severity);
    free(a->summary);
    free(a->description);
    free(a->runbook_url);
    free_kv(a->labels, a->n_labels);
    free_test(&a->test);
  }
  free(m->alerts);
  for (size_t i = 0; i < m->n_records; i++) {
    free(m->records[i].record);
    free(m->records[i].expr);
    free_test(&m->records[i].test);
  }
  free(m->records);
}

void g6_spec_free(g6_spec *s) {
  if (s == NULL)
    return;
  free(s->file);
  free(s->plans_file);
  free(s->hash);
  free(s->full_hash);
  free(s->runbook_base);
  for (size_t i = 0; i < s->n_units; i++) {
    free(s->units[i].name);
    free(s->units[i].grafana);
    free(s->units[i].rate);
  }
  free(s->units);
  for (size_t i = 0; i < s->n_domains; i++) {
    g6_spec_domain *d = &s->domains[i];
    free(d->name);
    free(d->help);
    free(d->example);
    free_str_list(d->values, d->n_values);
    free_str_list(d->product, d->n_product);
  }
  free(s->domains);
  for (size_t i = 0; i < s->n_families; i++) {
    g6_spec_family *f = &s->families[i];
    for (size_t j = 0; j < f->n_metrics; j++)
      free_metric(&f->metrics[j]);
    free(f->metrics);
    free(f->name);
    free(f->owner);
    free(f->title);
    free(f->help);
  }
  free(s->families);
  for (size_t i = 0; i < s->n_plans; i++) {
    g6_spec_plan *p = &s->plans[i];
    free(p->slug);
    free(p->title);
    free(p->description);
    free_str_list(p->tags, p->n_tags);
    free_str_list(p->families, p->n_families);
    free_str_list(p->metrics, p->n_metrics);
    free(p->metric_lines);
    free(p->family_lines);
  }
  free(s->plans);
  memset(s, 0, sizeof(*s));
}

/* ---- lookups and naming ----------------------------------------------- */

const g6_spec_domain *g6_spec_find_domain(const g6_spec *s, const char *name) {
  for (size_t i = 0; name && i < s->n_domains; i++)
    if (s->domains[i].name && strcmp(s->domains[i].name, name) == 0)
      return &s->domains[i];
  return NULL;
}

const g6_spec_unit *g6_spec_find_unit(const g6_spec *s, const char *name) {
  for (size_t i = 0; name && i < s->n_units; i++)
    if (s->units[i].name && strcmp(s->units[i].name, name) == 0)
      return &s->units[i];
  return NULL;
}

const g6_spec_family *g6_spec_find_family(const g6_spec *s, const char *name) {
  for (size_t i = 0; name && i < s->n_families; i++)
    if (s->families[i].name && strcmp(s->families[i].name, name) == 0)
      return &s->families[i];
  return NULL;
}

const g6_spec_metric *g6_spec_find_metric(const g6_spec *s, const char *name) {
  for (size_t i = 0; name && i < s->n_families; i++)
    for (size_t j = 0; j < s->families[i].n_metrics; j++)
      if (s->families[i].metrics[j].name &&
          strcmp(s->families[i].metrics[j].name, name) == 0)
        return &s->families[i].metrics[j];
  return NULL;
}

void g6_spec_exported_name(const char *plugin, const char *type,
                           const char *ds_name, const char *ds_type,
                           g6_buf *out) {
  g6_buf_puts(out, "collectd");
  if (strcmp(plugin, type) != 0)
    g6_buf_printf(out, "_%s", plugin);
  g6_buf_printf(out, "_%s", type);
  if (ds_name && strcmp(ds_name, "value") != 0)
    g6_buf_printf(out, "_%s", ds_name);
  if (ds_type &&
      (strcmp(ds_type, "DERIVE") == 0 || strcmp(ds_type, "COUNTER") == 0))
    g6_buf_puts(out, "_total");
}

size_t g6_spec_label_names(const g6_spec_metric *m, const char *names[2]) {
  const char *pi = NULL, *ti = NULL;
  for (size_t i = 0; i < m->n_labels; i++) {
    if (m->labels[i].from == G6_SPEC_FROM_PLUGIN_INSTANCE)
      pi = m->plugin;
    else
      ti = "type";
  }
  size_t n = 0;
  if (pi) {
    names[n++] = pi;
    if (ti)
      names[n++] = ti;
  } else if (ti) {
    names[n++] = m->plugin;
  }
  return n;
}

void g6_spec_bucket_label(double le, char out[32]) {
  if (isinf(le)) {
    snprintf(out, 32, "+Inf");
    return;
  }
  /* shortest fixed-point form that reads back exactly ("10", not "1e+01":
   * the label is part of the exported series) */
  for (int dec = 0; dec <= 17; dec++) {
    snprintf(out, 32, "%.*f", dec, le);
    if (strtod(out, NULL) == le)
      return;
  }
  snprintf(out, 32, "%.17g", le);
}
