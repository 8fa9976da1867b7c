/* g6 spec lint: the meaning of a loaded spec.
 *
 * Every rule reports one diagnostic per problem with file:line and the field,
 * and says what is allowed. The exported name and label names are recomputed
 * exactly as write_prometheus 5.12 builds them (g6_spec_exported_name) and
 * compared with what the spec states, so the spec, the docs and the
 * dashboards can never promise a name collectd does not export. */
#include "spec/spec.h"
#include "spec/spec_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIAG(s, d, line, field, ...)                                           \
  g6_spec_diag_add(d, (s)->file, line, field, __VA_ARGS__)

static bool is_ident(const char *s) {
  if (s == NULL || !(islower((unsigned char)s[0])))
    return false;
  for (const char *p = s; *p; p++)
    if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) ||
          *p == '_'))
      return false;
  return true;
}

static bool ends_with(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* A value collectd accepts as plugin_instance / type_instance and that reads
 * as a label value: non-empty, < 64 bytes, no '/', printable ASCII. */
static bool valid_instance(const char *v) {
  size_t n = strlen(v);
  if (n == 0 || n >= 64)
    return false;
  for (const char *p = v; *p; p++)
    if (*p == '/' || *p < 0x21 || *p > 0x7e || *p == '"' || *p == '\\')
      return false;
  return true;
}

/* ---- stock types.db --------------------------------------------------- */

static bool stock_has(const char *stock, const char *type) {
  if (stock == NULL)
    return false;
  size_t tl = strlen(type);
  const char *p = stock;
  while (*p) {
    const char *eol = strchr(p, '\n');
    size_t len = eol ? (size_t)(eol - p) : strlen(p);
    while (len && (*p == ' ' || *p == '\t')) {
      p++;
      len--;
    }
    if (len > tl && *p != '#' && strncmp(p, type, tl) == 0 &&
        (p[tl] == ' ' || p[tl] == '\t'))
      return true;
    if (!eol)
      break;
    p = eol + 1;
  }
  return false;
}

/* ---- domains ---------------------------------------------------------- */

static size_t domain_capacity(const g6_spec *s, const g6_spec_domain *d,
                              int depth) {
  if (d->n_product) {
    if (depth > 0)
      return 0;
    size_t cap = 1;
    for (size_t i = 0; i < d->n_product; i++) {
      const g6_spec_domain *c = g6_spec_find_domain(s, d->product[i]);
      cap *= c ? domain_capacity(s, c, depth + 1) : 0;
    }
    return cap;
  }
  if (d->open)
    return d->max;
  return d->max > d->n_values ? d->max : d->n_values;
}

/* Joins the product's value lists into d->values ("a.x", "a.y", ...). */
static void expand_product(g6_spec *s, g6_spec_domain *d, g6_spec_diags *dg) {
  size_t total = 1;
  for (size_t i = 0; i < d->n_product; i++) {
    const g6_spec_domain *c = g6_spec_find_domain(s, d->product[i]);
    if (c == NULL) {
      DIAG(s, dg, d->line, "domains", "domain \"%s\": product names unknown "
           "domain \"%s\"", d->name, d->product[i]);
      return;
    }
    if (c->n_product || c->n_values == 0) {
      DIAG(s, dg, d->line, "domains",
           "domain \"%s\": product member \"%s\" must be a plain domain with "
           "values",
           d->name, c->name);
      return;
    }
    total *= c->n_values;
  }
  if (d->n_values) {
    DIAG(s, dg, d->line, "domains",
         "domain \"%s\": give either values or product, not both", d->name);
    return;
  }
  char **vals = calloc(total + 1, sizeof(char *));
  if (vals == NULL)
    return;
  for (size_t k = 0; k < total; k++) {
    char buf[256] = "";
    size_t rem = k;
    /* first member varies slowest */
    size_t div = total;
    for (size_t i = 0; i < d->n_product; i++) {
      const g6_spec_domain *c = g6_spec_find_domain(s, d->product[i]);
      div /= c->n_values;
      size_t idx = rem / div;
      rem %= div;
      if (i)
        strncat(buf, ".", sizeof(buf) - strlen(buf) - 1);
      strncat(buf, c->values[idx], sizeof(buf) - strlen(buf) - 1);
    }
    vals[k] = strdup(buf);
  }
  d->values = vals;
  d->n_values = total;
  bool open = false;
  for (size_t i = 0; i < d->n_product; i++)
    open = open || g6_spec_find_domain(s, d->product[i])->open;
  d->open = open;
}

static void lint_domains(g6_spec *s, g6_spec_diags *dg) {
  for (size_t i = 0; i < s->n_domains; i++) {
    g6_spec_domain *d = &s->domains[i];
    char f[300];
    snprintf(f, sizeof(f), "domains.%s", d->name);
    if (!is_ident(d->name))
      DIAG(s, dg, d->line, f,
           "domain names are lower-case identifiers ([a-z][a-z0-9_]*)");
    if (d->n_product) {
      if (d->open || d->max)
        DIAG(s, dg, d->line, f,
             "a product domain takes open and max from its members");
      continue;
    }
    if (d->n_values == 0 && !d->open)
      DIAG(s, dg, d->line, f,
           "a domain needs values (closed set) or open: true with max");
    if (d->open && d->max == 0)
      DIAG(s, dg, d->line, f, "an open domain needs max (distinct values "
                              "allowed)");
    if (d->open && d->n_values == 0 && d->example == NULL)
      DIAG(s, dg, d->line, f,
           "an open domain without values needs an example (used in docs "
           "and promtool tests)");
    if (!d->open && d->max && d->max != d->n_values)
      DIAG(s, dg, d->line, f,
           "max %zu differs from the %zu values of a closed domain", d->max,
           d->n_values);
    if (d->open && d->max && d->n_values > d->max)
      DIAG(s, dg, d->line, f, "max %zu is below its %zu listed values",
           d->max, d->n_values);
    for (size_t j = 0; j < d->n_values; j++) {
      if (!valid_instance(d->values[j]))
        DIAG(s, dg, d->line, f,
             "value \"%s\" is not a valid collectd instance (1-63 printable "
             "characters, no '/', quote or backslash)",
             d->values[j]);
      for (size_t k = 0; k < j; k++)
        if (strcmp(d->values[j], d->values[k]) == 0)
          DIAG(s, dg, d->line, f, "duplicate value \"%s\"", d->values[j]);
    }
    if (d->example && !valid_instance(d->example))
      DIAG(s, dg, d->line, f, "example \"%s\" is not a valid instance",
           d->example);
  }
  /* products after their members are checked */
  for (size_t i = 0; i < s->n_domains; i++)
    if (s->domains[i].n_product && s->domains[i].values == NULL)
      expand_product(s, &s->domains[i], dg);
}

/* ---- expressions ------------------------------------------------------ */

/* Every *_total selector must sit directly inside rate/irate/increase. */
static void check_total_in_rate(const g6_spec *s, g6_spec_diags *dg, int line,
                                const char *field, const char *expr) {
  for (const char *p = expr; (p = strstr(p, "_total")) != NULL; p += 6) {
    char next = p[6];
    if (isalnum((unsigned char)next) || next == '_' || next == ':')
      continue;
    const char *start = p;
    while (start > expr && (isalnum((unsigned char)start[-1]) ||
                            start[-1] == '_' || start[-1] == ':'))
      start--;
    const char *q = start;
    while (q > expr && isspace((unsigned char)q[-1]))
      q--;
    bool ok = false;
    if (q > expr && q[-1] == '(') {
      q--;
      while (q > expr && isspace((unsigned char)q[-1]))
        q--;
      const char *fn = q;
      while (fn > expr && isalpha((unsigned char)fn[-1]))
        fn--;
      size_t fl = (size_t)(q - fn);
      ok = (fl == 4 && strncmp(fn, "rate", 4) == 0) ||
           (fl == 5 && strncmp(fn, "irate", 5) == 0) ||
           (fl == 8 && strncmp(fn, "increase", 8) == 0);
    }
    if (!ok)
      DIAG(s, dg, line, field,
           "counter %.*s must sit directly inside rate(), irate() or "
           "increase()",
           (int)(p + 6 - start), start);
  }
}

/* A Prometheus duration of d, h, m and s parts, largest first: 10m, 1d,
 * 7d20m; at most 100 years in all (no rule waits longer, and the sum stays
 * far inside a long). */
#define MAX_DURATION_S 3153600000L
static bool valid_duration(const char *d, long *seconds) {
  static const struct {
    char unit;
    long mult;
  } parts[] = {{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};
  if (d == NULL || !isdigit((unsigned char)d[0]))
    return false;
  long total = 0;
  size_t next = 0; /* the parts still allowed start here */
  while (*d) {
    if (!isdigit((unsigned char)*d))
      return false;
    char *end;
    long v = strtol(d, &end, 10);
    size_t k = next;
    while (k < sizeof(parts) / sizeof(parts[0]) && parts[k].unit != *end)
      k++;
    if (k == sizeof(parts) / sizeof(parts[0]) ||
        (*end == 'm' && end[1] == 's') ||
        v > (MAX_DURATION_S - total) / parts[k].mult)
      return false;
    total += v * parts[k].mult;
    next = k + 1;
    d = end + 1;
  }
  *seconds = total;
  return true;
}

static bool camel_g6(const char *a) {
  if (a == NULL || strncmp(a, "G6", 2) != 0 || !isupper((unsigned char)a[2]))
    return false;
  for (const char *p = a; *p; p++)
    if (!isalnum((unsigned char)*p))
      return false;
  return true;
}

/* ---- metrics ---------------------------------------------------------- */

static const char *const PANEL_TYPES[] = {"timeseries", "stat", "table",
                                          "gauge", "heatmap", "bargauge",
                                          NULL};

static bool in_list(const char *v, const char *const *list) {
  for (; v && *list; list++)
    if (strcmp(v, *list) == 0)
      return true;
  return false;
}

static const char *skip_space(const char *q);

/* The spec metric whose exported series `name` (n bytes) is: the metric's
 * own name, or a histogram's _bucket_total (*bucket set), _count_total or
 * _sum. NULL when no metric exports it. */
static const g6_spec_metric *exported_series(const g6_spec *s, const char *name,
                                             size_t n, bool *bucket) {
  static const char *const hist[] = {"_bucket_total", "_count_total", "_sum"};
  *bucket = false;
  for (size_t f = 0; f < s->n_families; f++)
    for (size_t i = 0; i < s->families[f].n_metrics; i++) {
      const g6_spec_metric *m = &s->families[f].metrics[i];
      size_t e = m->exported ? strlen(m->exported) : 0;
      if (e == 0 || n < e || strncmp(name, m->exported, e) != 0)
        continue;
      if (m->kind != G6_SPEC_HISTOGRAM) {
        if (n == e)
          return m;
        continue;
      }
      for (size_t k = 0; k < 3; k++)
        if (n - e == strlen(hist[k]) &&
            strncmp(name + e, hist[k], n - e) == 0) {
          *bucket = k == 0;
          return m;
        }
    }
  return NULL;
}

static bool in_values(char *const *v, size_t n, const char *x) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(v[i], x) == 0)
      return true;
  return false;
}

/* One input series of a promtool case must be a series g6 can export: a
 * case built on a series collectd never exports (a label it does not carry,
 * a value outside a closed domain, a bucket bound the histogram does not
 * have) passes promtool and proves nothing about the real series. Names of
 * recording rules (level:metric:operations) and Prometheus' own `up` and
 * `ALERTS` are taken as they are; `job` is the label the scrape adds. */
static void lint_test_series(const g6_spec *s, g6_spec_diags *dg, int line,
                             const char *field, const char *text) {
  const char *p = text;
  while (isalnum((unsigned char)*p) || *p == '_' || *p == ':')
    p++;
  size_t n = (size_t)(p - text);
  if (n == 0 || memchr(text, ':', n) != NULL ||
      (n == 2 && strncmp(text, "up", 2) == 0) ||
      (n == 6 && strncmp(text, "ALERTS", 6) == 0))
    return;
  bool bucket;
  const g6_spec_metric *m = exported_series(s, text, n, &bucket);
  if (m == NULL) {
    DIAG(s, dg, line, field,
         "test series \"%s\": no metric of the spec exports %.*s", text, (int)n,
         text);
    return;
  }
  /* the labels the series carries: the metric's, instance, a bucket's le */
  const char *want[4];
  const g6_spec_domain *dom[4] = {NULL, NULL, NULL, NULL};
  size_t nw = 0;
  for (size_t i = 0; i < m->n_labels && i < 2; i++) {
    dom[nw] = m->labels[i].domain_name
                  ? g6_spec_find_domain(s, m->labels[i].domain_name)
                  : NULL;
    want[nw++] = m->labels[i].name;
  }
  if (bucket)
    want[nw++] = "type";
  want[nw++] = "instance";
  bool seen[4] = {false, false, false, false};
  p = *p == '{' ? p + 1 : p;
  while (*p && *p != '}') {
    while (isspace((unsigned char)*p) || *p == ',')
      p++;
    const char *k = p;
    while (isalnum((unsigned char)*p) || *p == '_')
      p++;
    size_t kn = (size_t)(p - k);
    p = skip_space(p);
    if (kn == 0 || *p != '=' || p[1] != '"')
      break; /* promtool reports the syntax */
    const char *v = p + 2, *q = strchr(v, '"');
    if (q == NULL)
      break;
    char key[64], val[128];
    snprintf(key, sizeof(key), "%.*s", (int)kn, k);
    snprintf(val, sizeof(val), "%.*s", (int)(q - v), v);
    p = q + 1;
    size_t w = 0;
    while (w < nw && strcmp(want[w], key) != 0)
      w++;
    if (w == nw) {
      if (strcmp(key, "job") != 0)
        DIAG(s, dg, line, field, "test series \"%s\": %.*s has no label \"%s\"",
             text, (int)n, text, key);
      continue;
    }
    seen[w] = true;
    if (bucket && strcmp(key, "type") == 0) {
      char b[32];
      bool ok = strcmp(val, "+Inf") == 0;
      for (size_t i = 0; !ok && i < m->n_buckets; i++) {
        g6_spec_bucket_label(m->buckets[i], b);
        ok = strcmp(b, val) == 0;
      }
      if (!ok)
        DIAG(s, dg, line, field,
             "test series \"%s\": type=\"%s\" is not a bucket bound of %s "
             "(its buckets, then +Inf): collectd never exports that bucket",
             text, val, m->name);
    } else if (w < 2 && dom[w] != NULL && !dom[w]->open &&
               dom[w]->n_values > 0 &&
               !in_values(dom[w]->values, dom[w]->n_values, val)) {
      DIAG(s, dg, line, field,
           "test series \"%s\": %s=\"%s\" is not in the closed domain %s", text,
           key, val, dom[w]->name);
    }
  }
  for (size_t w = 0; w < nw; w++)
    if (!seen[w])
      DIAG(s, dg, line, field,
           "test series \"%s\": label \"%s\" missing; every %.*s series "
           "carries it",
           text, want[w], (int)n, text);
}

static void lint_test(const g6_spec *s, g6_spec_diags *dg, const char *field,
                      const g6_spec_test *t) {
  for (size_t i = 0; i < t->n_series; i++)
    if (t->series[i].series)
      lint_test_series(s, dg, t->line, field, t->series[i].series);
  long secs;
  if (t->eval_time && !valid_duration(t->eval_time, &secs))
    DIAG(s, dg, t->line, field,
         "eval_time \"%s\" is not a duration like 10m", t->eval_time);
  for (size_t i = 0; i < t->n_evals; i++) {
    const g6_spec_eval *e = &t->evals[i];
    if (e->eval_time && !valid_duration(e->eval_time, &secs))
      DIAG(s, dg, e->line, field,
           "evals[%zu]: eval_time \"%s\" is not a duration like 10m", i,
           e->eval_time);
  }
}

/* The end of a {matchers} block that starts at q (quoted label values may
 * hold braces; a backslash escapes), or the string's end. */
static const char *past_matchers(const char *q) {
  char quote = 0;
  for (q++; *q; q++) {
    if (quote) {
      if (*q == '\\' && q[1])
        q++;
      else if (*q == quote)
        quote = 0;
    } else if (*q == '"' || *q == '\'' || *q == '`') {
      quote = *q;
    } else if (*q == '}') {
      return q + 1;
    }
  }
  return q;
}

static const char *skip_space(const char *q) {
  while (isspace((unsigned char)*q))
    q++;
  return q;
}

/* Whether the selector of `name` at p is compared with `> 0` on its own:
 * it opens the expression or a parenthesis (so no `time() -` binds to it
 * first: in PromQL `-` binds tighter than `>`, and `time() - x > 0` keeps
 * the age, 0 included), and `> 0` closes it. */
static bool filtered_at(const char *expr, const char *p, size_t n) {
  const char *b = p;
  while (b > expr && isspace((unsigned char)b[-1]))
    b--;
  if (b > expr && b[-1] != '(')
    return false;
  const char *q = p + n;
  if (*q == '{')
    q = past_matchers(q);
  q = skip_space(q);
  if (*q++ != '>' || *q == '=')
    return false;
  q = skip_space(q);
  if (*q++ != '0' || isdigit((unsigned char)*q) || *q == '.')
    return false;
  q = skip_space(q);
  return *q == ')' || *q == '\0';
}

/* Whether expr drops the "never" (0) of the timestamp series `name`: with
 * `all`, every selector of it; else at least one (an alert may also test
 * `== 0` for never) is compared with `> 0` on its own (`(name{...} > 0)`),
 * not the age computed from it. */
static bool drops_never(const char *expr, const char *name, bool all) {
  size_t n = name ? strlen(name) : 0;
  bool any = false;
  for (const char *p = expr; n && (p = strstr(p, name)) != NULL; p += n) {
    if ((p > expr && (isalnum((unsigned char)p[-1]) || p[-1] == '_')) ||
        isalnum((unsigned char)p[n]) || p[n] == '_' || p[n] == ':')
      continue; /* part of another name */
    bool f = filtered_at(expr, p, n);
    if (all && !f)
      return false;
    any = any || f;
  }
  return any;
}

static void lint_metric(g6_spec *s, g6_spec_metric *m, const char *stock,
                        g6_spec_diags *dg) {
  char f[400];
  const char *path = m->path ? m->path : "families";
#define F(sub) (snprintf(f, sizeof(f), "%s.%s", path, sub), f)
  if (m->name == NULL || m->plugin == NULL || m->type == NULL ||
      m->unit == NULL || m->exported == NULL)
    return; /* reported by the loader */
  if (!is_ident(m->name))
    DIAG(s, dg, m->line, F("name"),
         "\"%s\": metric names are lower-case C identifiers", m->name);
  if (!is_ident(m->plugin) || strchr(m->plugin, '-'))
    DIAG(s, dg, m->line_plugin, F("plugin"),
         "\"%s\": vl.plugin must match [a-z][a-z0-9_]* (it becomes a label "
         "name)",
         m->plugin);
  if (strncmp(m->plugin, "g6", 2) != 0)
    DIAG(s, dg, m->line_plugin, F("plugin"),
         "\"%s\": g6 metrics use a vl.plugin starting with g6", m->plugin);
  if (!is_ident(m->type))
    DIAG(s, dg, m->line_type, F("type"),
         "\"%s\": collectd type names must match [a-z][a-z0-9_]*", m->type);
  if (m->help == NULL || strlen(m->help) < 8)
    DIAG(s, dg, m->line_help ? m->line_help : m->line, F("help"),
         "every metric needs a help text saying what it measures");

  /* unit */
  const g6_spec_unit *u = g6_spec_find_unit(s, m->unit);
  if (u == NULL)
    DIAG(s, dg, m->line_unit, F("unit"),
         "unknown unit \"%s\" (declare it under units:)", m->unit);
  else {
    char suf[80];
    snprintf(suf, sizeof(suf), "_%s", m->unit);
    if (strcmp(m->type, m->unit) != 0 && !ends_with(m->type, suf))
      DIAG(s, dg, m->line_type, F("type"),
           "unit-less name: type \"%s\" must end in \"_%s\" (its unit) so the "
           "exported name carries the unit",
           m->type, m->unit);
    /* the most specific unit the name ends in: a _timestamp_seconds is not
     * a duration, a _put_call_ratio not a share */
    for (size_t k = 0; k < s->n_units; k++) {
      const g6_spec_unit *o = &s->units[k];
      if (o == u || o->name == NULL || strlen(o->name) <= strlen(m->unit))
        continue;
      snprintf(suf, sizeof(suf), "_%s", o->name);
      if (strcmp(m->type, o->name) == 0 || ends_with(m->type, suf))
        DIAG(s, dg, m->line_unit, F("unit"),
             "type \"%s\" ends in \"%s\": its unit is %s (Grafana %s), not "
             "%s",
             m->type, o->name, o->name, o->grafana ? o->grafana : "?",
             m->unit);
    }
  }

  /* data source */
  const char *want_ds = m->kind == G6_SPEC_GAUGE ? "GAUGE" : "DERIVE";
  if (m->ds_type) {
    if (strcmp(m->ds_type, "ABSOLUTE") == 0)
      DIAG(s, dg, m->line_ds, F("ds.type"),
           "ABSOLUTE exports as a broken counter in write_prometheus; use "
           "DERIVE (counters) or GAUGE");
    else if (m->kind == G6_SPEC_HISTOGRAM)
      DIAG(s, dg, m->line_ds, F("ds"),
           "histograms have fixed data sources (DERIVE buckets and count, "
           "GAUGE sum)");
    else if (m->kind == G6_SPEC_GAUGE && strcmp(m->ds_type, "GAUGE") != 0)
      DIAG(s, dg, m->line_ds, F("ds.type"),
           "a gauge uses a GAUGE data source, found %s", m->ds_type);
    else if (m->kind == G6_SPEC_COUNTER && strcmp(m->ds_type, "DERIVE") != 0 &&
             strcmp(m->ds_type, "COUNTER") != 0)
      DIAG(s, dg, m->line_ds, F("ds.type"),
           "a counter uses a DERIVE (or COUNTER) data source, found %s",
           m->ds_type);
    else
      want_ds = m->ds_type;
  }
  if (m->ds_name && !is_ident(m->ds_name))
    DIAG(s, dg, m->line_ds, F("ds.name"), "\"%s\" is not a valid ds name",
         m->ds_name);

  /* exported name, recomputed */
  g6_buf name = G6_BUF_INIT;
  g6_spec_exported_name(m->plugin, m->type,
                        m->ds_name ? m->ds_name : "value",
                        m->kind == G6_SPEC_HISTOGRAM ? "GAUGE" : want_ds,
                        &name);
  if (name.data && strcmp(name.data, m->exported) != 0)
    DIAG(s, dg, m->line_exported, F("exported"),
         "\"%s\" does not match what write_prometheus exports for plugin "
         "\"%s\", type \"%s\"%s: \"%s\"",
         m->exported, m->plugin, m->type,
         m->kind == G6_SPEC_HISTOGRAM ? " (histogram base name)" : "",
         name.data);
  g6_buf_free(&name);
  if (m->kind == G6_SPEC_COUNTER && !ends_with(m->exported, "_total"))
    DIAG(s, dg, m->line_exported, F("exported"),
         "a counter's exported name must end in _total");
  if (m->kind != G6_SPEC_COUNTER && ends_with(m->exported, "_total"))
    DIAG(s, dg, m->line_exported, F("exported"),
         "only counters may export a name ending in _total");

  /* collectd types: no collision with the stock types.db */
  const char *suffixes[] = {"", "_bucket", "_count", "_sum"};
  size_t ns = m->kind == G6_SPEC_HISTOGRAM ? 4 : 1;
  for (size_t i = m->kind == G6_SPEC_HISTOGRAM ? 1 : 0; i < ns; i++) {
    char t[200];
    snprintf(t, sizeof(t), "%s%s", m->type, suffixes[i]);
    if (stock_has(stock, t))
      DIAG(s, dg, m->line_type, F("type"),
           "collectd type \"%s\" exists in the stock types.db; a custom entry "
           "would silently replace it (choose another type name)",
           t);
  }

  /* labels */
  bool have_pi = false, have_ti = false;
  size_t capacity = 1;
  for (size_t i = 0; i < m->n_labels; i++) {
    g6_spec_label *l = &m->labels[i];
    char lf[64];
    snprintf(lf, sizeof(lf), "labels[%zu]", i);
    if (l->from == G6_SPEC_FROM_PLUGIN_INSTANCE) {
      if (have_pi)
        DIAG(s, dg, l->line, F(lf), "two labels from plugin_instance");
      have_pi = true;
    } else {
      if (have_ti)
        DIAG(s, dg, l->line, F(lf), "two labels from type_instance");
      have_ti = true;
    }
    l->domain = g6_spec_find_domain(s, l->domain_name);
    if (l->domain == NULL)
      DIAG(s, dg, l->line, F(lf), "unknown domain \"%s\"",
           l->domain_name ? l->domain_name : "");
    else
      capacity *= domain_capacity(s, l->domain, 0);
  }
  const char *names[2];
  size_t nn = g6_spec_label_names(m, names);
  for (size_t i = 0, k = 0; i < m->n_labels && k < nn; i++) {
    /* names[] is in exposition order: plugin_instance first */
    const g6_spec_label *l = &m->labels[i];
    const char *want =
        l->from == G6_SPEC_FROM_PLUGIN_INSTANCE
            ? m->plugin
            : (have_pi ? "type" : m->plugin);
    char lf[64];
    snprintf(lf, sizeof(lf), "labels[%zu].name", i);
    if (l->name && strcmp(l->name, want) != 0)
      DIAG(s, dg, l->line, F(lf),
           "label \"%s\" is exported as \"%s\" by write_prometheus (%s)",
           l->name, want,
           l->from == G6_SPEC_FROM_PLUGIN_INSTANCE
               ? "plugin_instance is named after vl.plugin"
               : (have_pi ? "type_instance is named type"
                          : "a lone type_instance is named after vl.plugin"));
    k++;
  }
  if (m->n_labels == 2 && m->labels[0].from != G6_SPEC_FROM_PLUGIN_INSTANCE)
    DIAG(s, dg, m->line_labels, F("labels"),
         "list the plugin_instance label first (exposition order)");

  /* histograms */
  if (m->kind == G6_SPEC_HISTOGRAM) {
    if (have_ti)
      DIAG(s, dg, m->line_labels, F("labels"),
           "a histogram's type_instance carries the bucket bound; it can only "
           "have a plugin_instance label");
    if (!have_pi)
      DIAG(s, dg, m->line_labels, F("labels"),
           "a histogram needs a plugin_instance label so its bucket bound is "
           "exported as \"type\"");
    if (m->n_buckets > G6_SPEC_MAX_BUCKETS)
      DIAG(s, dg, m->line_buckets, F("buckets"),
           "%zu buckets; at most %d (each is a series per label set)",
           m->n_buckets, G6_SPEC_MAX_BUCKETS);
    if (m->n_buckets == 0)
      DIAG(s, dg, m->line_buckets ? m->line_buckets : m->line, F("buckets"),
           "a histogram needs buckets (upper bounds; +Inf is implied)");
    for (size_t i = 0; i < m->n_buckets; i++) {
      if (m->buckets[i] < 0 || !isfinite(m->buckets[i]))
        DIAG(s, dg, m->line_buckets, F("buckets"),
             "bucket bounds are finite and not negative");
      if (i && m->buckets[i] <= m->buckets[i - 1])
        DIAG(s, dg, m->line_buckets, F("buckets"),
             "bucket bounds must increase strictly (%g after %g)",
             m->buckets[i], m->buckets[i - 1]);
    }
  } else if (m->n_buckets) {
    DIAG(s, dg, m->line_buckets, F("buckets"), "only histograms have buckets");
  }

  /* budget */
  if (m->budget < 0)
    DIAG(s, dg, m->line, F("budget"),
         "missing cardinality budget (the number of label sets allowed)");
  else if (m->budget < 1)
    DIAG(s, dg, m->line_budget, F("budget"), "must be at least 1");
  else if (m->budget > G6_SPEC_MAX_BUDGET)
    DIAG(s, dg, m->line_budget, F("budget"),
         "%ld series is beyond what a per-host metric may use (<= %d)",
         m->budget, G6_SPEC_MAX_BUDGET);
  else if ((size_t)m->budget < capacity)
    DIAG(s, dg, m->line_budget, F("budget"),
         "budget %ld is below the %zu label sets its domains allow", m->budget,
         capacity);

  /* agg */
  if (m->agg) {
    static const char *const aggs[] = {"sum", "max", "min", "avg", NULL};
    if (m->kind != G6_SPEC_GAUGE)
      DIAG(s, dg, m->line_agg, F("agg"), "only gauges take agg");
    else if (!in_list(m->agg, aggs))
      DIAG(s, dg, m->line_agg, F("agg"),
           "\"%s\" is not an aggregation (allowed: sum, max, min, avg)",
           m->agg);
  }

  /* panels */
  for (size_t i = 0; i < m->n_panels; i++) {
    const g6_spec_panel *p = &m->panels[i];
    char pf[64];
    snprintf(pf, sizeof(pf), "panels[%zu]", i);
    F(pf);
    char pfield[400];
    snprintf(pfield, sizeof(pfield), "%s", f);
    if (p->type && !in_list(p->type, PANEL_TYPES))
      DIAG(s, dg, p->line, pfield,
           "panel type \"%s\" (allowed: timeseries, stat, table, gauge, "
           "heatmap, bargauge)",
           p->type);
    if (p->expr) {
      if (!strstr(p->expr, "instance=~\"$instance\""))
        DIAG(s, dg, p->line, pfield,
             "every dashboard query filters instance=~\"$instance\"");
      check_total_in_rate(s, dg, p->line, pfield, p->expr);
      for (const char *q = p->expr; (q = strchr(q, '[')) != NULL; q++)
        if (strncmp(q, "[$__rate_interval]", 18) != 0)
          DIAG(s, dg, p->line, pfield,
               "dashboard range selectors use [$__rate_interval]");
      /* time() - <a Unix time> is an age: it must not inherit the
       * timestamp's date unit */
      if (p->unit == NULL && u && u->timestamp && strstr(p->expr, "time()"))
        DIAG(s, dg, p->line, pfield,
             "the panel computes an age from a Unix time: give it unit: s "
             "(it would inherit %s, a date)",
             u->grafana ? u->grafana : "the timestamp's unit");
      /* 0 is the timestamp's "never" (the generated panels drop it) */
      if (u && u->timestamp && strstr(p->expr, "time()") &&
          !drops_never(p->expr, m->exported, true))
        DIAG(s, dg, p->line, pfield,
             "the panel computes an age from a Unix time: drop 0, the "
             "timestamp's \"never\" on the series itself (`x{...} > 0`), or "
             "time() - 0 reads as 56 years");
    }
  }
  /* alerts */
  for (size_t i = 0; i < m->n_alerts; i++) {
    const g6_spec_alert *a = &m->alerts[i];
    char af[64];
    snprintf(af, sizeof(af), "alerts[%zu]", i);
    F(af);
    char afield[400];
    snprintf(afield, sizeof(afield), "%s", f);
    if (a->alert && !camel_g6(a->alert))
      DIAG(s, dg, a->line, afield,
           "alert \"%s\": names are CamelCase with the G6 prefix (G6ChainStale)",
           a->alert);
    static const char *const sev[] = {"critical", "warning", "info", NULL};
    if (a->severity && !in_list(a->severity, sev))
      DIAG(s, dg, a->line, afield,
           "severity \"%s\" (allowed: critical, warning, info)", a->severity);
    long secs = 0;
    if (a->for_ && (!valid_duration(a->for_, &secs) || secs < 60))
      DIAG(s, dg, a->line, afield,
           "for \"%s\": every alert waits at least 1m (a duration like 5m)",
           a->for_);
    if (a->summary) {
      size_t n = strlen(a->summary);
      if (n == 0 || a->summary[n - 1] != '.' || strstr(a->summary, "{{"))
        DIAG(s, dg, a->line, afield,
             "summary must be a static sentence ending in '.'");
    }
    if (a->description && !strstr(a->description, "{{"))
      DIAG(s, dg, a->line, afield,
           "description must be templated ({{ $labels.instance }}, "
           "{{ $value | humanize }})");
    if (a->expr)
      check_total_in_rate(s, dg, a->line, afield, a->expr);
    if (a->expr && u && u->timestamp && strstr(a->expr, "time()") &&
        !drops_never(a->expr, m->exported, false))
      DIAG(s, dg, a->line, afield,
           "the alert computes an age from a Unix time: handle 0, the "
           "timestamp's \"never\" on the series itself (`x{...} > 0`, and "
           "`== 0` for never), or time() - 0 reads as 56 years");
    if (a->test.present)
      lint_test(s, dg, afield, &a->test);
  }
  for (size_t i = 0; i < m->n_records; i++) {
    const g6_spec_record *r = &m->records[i];
    char rf[64];
    snprintf(rf, sizeof(rf), "records[%zu]", i);
    F(rf);
    char rfield[400];
    snprintf(rfield, sizeof(rfield), "%s", f);
    int colons = 0;
    for (const char *p = r->record ? r->record : ""; *p; p++)
      colons += *p == ':';
    if (r->record && colons != 2)
      DIAG(s, dg, r->line, rfield,
           "record \"%s\": names follow level:metric:operations", r->record);
    if (r->expr)
      check_total_in_rate(s, dg, r->line, rfield, r->expr);
    if (r->test.present)
      lint_test(s, dg, rfield, &r->test);
  }
#undef F
}

/* Host totals computed by collectd's stock aggregation plugin (family owner
 * "aggregation"; `g6 spec generate` writes conf.d/g6_aggregation.conf from
 * them). The plugin keeps the type of what it combines, names its results
 * after the function (its %{aggregation} placeholder) and sums every value
 * it received in one interval: right for a gauge dispatched once per
 * interval, wrong for the rate of a counter (DESIGN §1). */
static const char *const AGG_FUNCS[] = {"num", "sum",    "average",
                                        "min", "max",    "stddev",
                                        NULL};

static void lint_aggregate(g6_spec *s, const g6_spec_metric *m,
                           g6_spec_diags *dg) {
  char f[400];
  const char *path = m->path ? m->path : "families";
#define F(sub) (snprintf(f, sizeof(f), "%s.%s", path, sub), f)
  bool by_agg = m->family && m->family->owner &&
                strcmp(m->family->owner, G6_SPEC_AGG_OWNER) == 0;
  if (m->aggregates == NULL) {
    if (by_agg)
      DIAG(s, dg, m->line, F("aggregates"),
           "a family owned by \"%s\" holds only metrics that name the g6 "
           "metric they combine (aggregates:)",
           G6_SPEC_AGG_OWNER);
    return;
  }
  if (!by_agg) {
    DIAG(s, dg, m->line_aggregates, F("aggregates"),
         "only metrics of a family owned by \"%s\" (collectd's aggregation "
         "plugin computes them) name an aggregated metric",
         G6_SPEC_AGG_OWNER);
    return;
  }
  const g6_spec_metric *src = g6_spec_find_metric(s, m->aggregates);
  if (src == NULL) {
    DIAG(s, dg, m->line_aggregates, F("aggregates"), "unknown metric \"%s\"",
         m->aggregates);
    return;
  }
  if (m->kind != G6_SPEC_GAUGE || src->kind != G6_SPEC_GAUGE)
    DIAG(s, dg, m->line_aggregates, F("aggregates"),
         "\"%s\" is a %s: collectd's aggregation plugin sums the values it "
         "received in one interval, which is right for gauges only (a "
         "counter's rate is summed in a recording rule)",
         src->name,
         src->kind == G6_SPEC_COUNTER ? "counter"
         : src->kind == G6_SPEC_HISTOGRAM ? "histogram"
                                          : "gauge, but this metric is not");
  if (src->aggregates || !src->family || !src->family->owner ||
      strcmp(src->family->owner, "*") == 0)
    DIAG(s, dg, m->line_aggregates, F("aggregates"),
         "\"%s\" must be a metric one g6 plugin dispatches", src->name);
  if (src->type && m->type && strcmp(src->type, m->type) != 0)
    DIAG(s, dg, m->line_type, F("type"),
         "the aggregation plugin keeps the type: \"%s\" (the type of %s)",
         src->type, src->name);
  if (src->plugin && m->plugin && strcmp(src->plugin, m->plugin) == 0)
    DIAG(s, dg, m->line_plugin, F("plugin"),
         "an aggregate needs its own vl.plugin (SetPlugin), not %s's \"%s\"",
         src->name, src->plugin);
  const g6_spec_domain *d = m->n_labels == 1 ? m->labels[0].domain : NULL;
  bool funcs = d && !d->open && d->n_values > 0 && d->n_product == 0;
  for (size_t i = 0; funcs && i < d->n_values; i++)
    funcs = in_list(d->values[i], AGG_FUNCS);
  if (m->n_labels != 1 ||
      m->labels[0].from != G6_SPEC_FROM_PLUGIN_INSTANCE || !funcs)
    DIAG(s, dg, m->line_labels, F("labels"),
         "an aggregate has one label, from plugin_instance, over a closed "
         "domain of the plugin's functions (num, sum, average, min, max, "
         "stddev)");
#undef F
}

/* The runtime (shared/metrics.c) dispatches these itself. */
static void lint_runtime_metrics(g6_spec *s, g6_spec_diags *dg) {
  static const struct {
    const char *name;
    g6_spec_kind kind;
    const char *pi, *ti;
  } need[] = {
      {"metrics_refusals", G6_SPEC_COUNTER, "owner_plugin", "refusal_reason"},
      {"metrics_dispatch_failures", G6_SPEC_COUNTER, "owner_plugin", NULL},
      {"metrics_series", G6_SPEC_GAUGE, "owner_plugin", NULL},
      {"build_info", G6_SPEC_GAUGE, "version", NULL},
      {"spec_hash_info", G6_SPEC_GAUGE, "spec_hash", NULL},
  };
  for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
    const g6_spec_metric *m = g6_spec_find_metric(s, need[i].name);
    bool ok = m && m->kind == need[i].kind &&
              m->n_labels == (need[i].ti ? 2u : 1u) && m->labels[0].domain_name &&
              strcmp(m->labels[0].domain_name, need[i].pi) == 0 &&
              (!need[i].ti || (m->labels[1].domain_name &&
                               strcmp(m->labels[1].domain_name, need[i].ti) == 0));
    if (!ok)
      DIAG(s, dg, m ? m->line : 0, "families",
           "the metric runtime needs metric \"%s\" (%s, labels: %s%s%s)",
           need[i].name, need[i].kind == G6_SPEC_GAUGE ? "gauge" : "counter",
           need[i].pi, need[i].ti ? ", " : "", need[i].ti ? need[i].ti : "");
  }
}

size_t g6_spec_lint(g6_spec *s, const char *stock_types_db, g6_spec_diags *d) {
  size_t before = d->n;
  for (size_t i = 0; i < s->n_units; i++) {
    const g6_spec_unit *u = &s->units[i];
    if (!is_ident(u->name))
      DIAG(s, d, u->line, "units", "unit \"%s\" must match [a-z][a-z0-9_]*",
           u->name);
  }
  lint_domains(s, d);
  const g6_spec_domain *owners = g6_spec_find_domain(s, "owner_plugin");
  /* families and metrics */
  for (size_t i = 0; i < s->n_families; i++) {
    g6_spec_family *fam = &s->families[i];
    char f[300];
    snprintf(f, sizeof(f), "families.%s", fam->name);
    if (!is_ident(fam->name))
      DIAG(s, d, fam->line, f, "family names are lower-case identifiers");
    if (fam->owner && strcmp(fam->owner, "*") != 0 &&
        strcmp(fam->owner, G6_SPEC_AGG_OWNER) != 0) {
      bool known = false;
      for (size_t k = 0; owners && k < owners->n_values; k++)
        known = known || strcmp(owners->values[k], fam->owner) == 0;
      if (!known)
        DIAG(s, d, fam->line, f,
             "owner \"%s\" is not a plugin of domain owner_plugin (or \"*\" for "
             "every plugin, \"" G6_SPEC_AGG_OWNER "\" for collectd's "
             "aggregation plugin)",
             fam->owner);
    }
    bool planned = s->n_plans == 0;
    for (size_t p = 0; p < s->n_plans; p++)
      for (size_t k = 0; k < s->plans[p].n_families; k++)
        planned = planned || (s->plans[p].families[k] &&
                              strcmp(s->plans[p].families[k], fam->name) == 0);
    if (!planned)
      DIAG(s, d, fam->line, f, "family is on no dashboard plan (spec/plans.yml)");
    for (size_t j = 0; j < fam->n_metrics; j++)
      lint_metric(s, &fam->metrics[j], stock_types_db, d);
  }
  for (size_t i = 0; i < s->n_families; i++)
    for (size_t j = 0; j < s->families[i].n_metrics; j++)
      lint_aggregate(s, &s->families[i].metrics[j], d);
  /* uniqueness across the spec */
  for (size_t i = 0; i < s->n_families; i++)
    for (size_t j = 0; j < s->families[i].n_metrics; j++) {
      const g6_spec_metric *m = &s->families[i].metrics[j];
      for (size_t i2 = 0; i2 <= i; i2++)
        for (size_t j2 = 0; j2 < s->families[i2].n_metrics; j2++) {
          const g6_spec_metric *o = &s->families[i2].metrics[j2];
          if (i2 == i && j2 >= j)
            break;
          if (m->name && o->name && strcmp(m->name, o->name) == 0)
            DIAG(s, d, m->line, m->path, "duplicate metric name \"%s\" (first "
                 "at line %d)", m->name, o->line);
          if (m->exported && o->exported &&
              strcmp(m->exported, o->exported) == 0)
            DIAG(s, d, m->line_exported, m->path,
                 "exported name \"%s\" already used at line %d", m->exported,
                 o->line);
          /* an aggregate keeps the type of what it combines */
          bool agg_pair = (m->aggregates && o->name &&
                           strcmp(m->aggregates, o->name) == 0) ||
                          (o->aggregates && m->name &&
                           strcmp(o->aggregates, m->name) == 0);
          if (m->type && o->type && strcmp(m->type, o->type) == 0 && !agg_pair)
            DIAG(s, d, m->line_type, m->path,
                 "collectd type \"%s\" already defined at line %d (types are "
                 "global in collectd)",
                 m->type, o->line);
          for (size_t a = 0; a < m->n_alerts; a++)
            for (size_t b = 0; b < o->n_alerts; b++)
              if (m->alerts[a].alert && o->alerts[b].alert &&
                  strcmp(m->alerts[a].alert, o->alerts[b].alert) == 0)
                DIAG(s, d, m->alerts[a].line, m->path,
                     "duplicate alert \"%s\" (first at line %d)",
                     m->alerts[a].alert, o->alerts[b].line);
        }
      for (size_t a = 0; a < m->n_alerts; a++)
        for (size_t b = 0; b < a; b++)
          if (m->alerts[a].alert && m->alerts[b].alert &&
              strcmp(m->alerts[a].alert, m->alerts[b].alert) == 0)
            DIAG(s, d, m->alerts[a].line, m->path,
                 "duplicate alert \"%s\" (first at line %d)",
                 m->alerts[a].alert, m->alerts[b].line);
    }
  lint_runtime_metrics(s, d);
  /* plans */
  for (size_t i = 0; i < s->n_plans; i++) {
    const g6_spec_plan *p = &s->plans[i];
    char f[64];
    snprintf(f, sizeof(f), "plans[%zu]", i);
    if (p->slug) {
      bool ok = strlen(p->slug) + 3 <= 40;
      for (const char *c = p->slug; *c; c++)
        ok = ok && (islower((unsigned char)*c) || isdigit((unsigned char)*c) ||
                    *c == '_' || *c == '-');
      if (!ok)
        g6_spec_diag_add(d, s->plans_file, p->line, f,
                         "slug \"%s\" must match [a-z0-9_-]+ and keep the uid "
                         "g6-<slug> within 40 characters",
                         p->slug);
      for (size_t k = 0; k < i; k++)
        if (s->plans[k].slug && strcmp(s->plans[k].slug, p->slug) == 0)
          g6_spec_diag_add(d, s->plans_file, p->line, f,
                           "duplicate slug \"%s\" (first at line %d)", p->slug,
                           s->plans[k].line);
    }
    for (size_t k = 0; k < p->n_families; k++)
      if (g6_spec_find_family(s, p->families[k]) == NULL)
        g6_spec_diag_add(d, s->plans_file,
                         p->family_lines ? p->family_lines[k] : p->line, f,
                         "unknown family \"%s\" in plan \"%s\"",
                         p->families[k], p->slug ? p->slug : "");
    for (size_t k = 0; k < p->n_metrics; k++) {
      int ln = p->metric_lines ? p->metric_lines[k] : p->line;
      const g6_spec_metric *m = g6_spec_find_metric(s, p->metrics[k]);
      if (m == NULL) {
        g6_spec_diag_add(d, s->plans_file, ln, f,
                         "unknown metric \"%s\" in plan \"%s\"",
                         p->metrics[k], p->slug ? p->slug : "");
        continue;
      }
      /* its panels would appear twice (and share their uuids) */
      for (size_t j = 0; j < p->n_families; j++)
        if (m->family && m->family->name &&
            strcmp(m->family->name, p->families[j]) == 0)
          g6_spec_diag_add(d, s->plans_file, ln, f,
                           "metric \"%s\" is in family \"%s\", which plan "
                           "\"%s\" lists already",
                           p->metrics[k], p->families[j],
                           p->slug ? p->slug : "");
      for (size_t j = 0; j < k; j++)
        if (strcmp(p->metrics[j], p->metrics[k]) == 0)
          g6_spec_diag_add(d, s->plans_file, ln, f,
                           "metric \"%s\" is listed twice in plan \"%s\"",
                           p->metrics[k], p->slug ? p->slug : "");
    }
  }
  size_t found = d->n - before;
  if (found == 0) {
    /* generation-level checks: duplicate records, panel id collisions */
    g6_spec_output o = {0};
    g6_error e;
    g6_error_clear(&e);
    if (g6_spec_generate(s, &o, &e) != G6_OK)
      DIAG(s, d, 0, "", "%s", e.msg);
    g6_spec_output_free(&o);
  }
  return d->n - before;
}
