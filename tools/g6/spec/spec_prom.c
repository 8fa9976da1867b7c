/* g6 spec generate: Prometheus recording rules, alerts, their promtool unit
 * tests and the scrape snippet.
 *
 * Recording rules follow level:metric:operations (mixin conventions):
 * counters get rate5m by all their labels and by instance; histograms get
 * p50/p95/p99 over 5m, p95 over 30m, the 5m/30m ratio and the mean, with
 * collectd's bucket bound moved from `type` into `le` by label_replace (the
 * `type` label must be summed away or histogram_quantile returns NaN). Every
 * rule gets a promtool case; generated cases compare round(x * 1e6) so the
 * expected numbers are exact. */
#include "spec/spec.h"
#include "spec/spec_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void g6_spec_yaml_quote(const char *s, g6_buf *out) {
  g6_buf_putc(out, '"');
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      g6_buf_printf(out, "\\%c", c);
    else if (c == '\n')
      g6_buf_puts(out, "\\n");
    else if (c == '\t')
      g6_buf_puts(out, "\\t");
    else if (c < 0x20)
      g6_buf_printf(out, "\\x%02x", c);
    else
      g6_buf_putc(out, (char)c);
  }
  g6_buf_putc(out, '"');
}

const char *g6_spec_domain_example(const g6_spec_domain *d) {
  if (d == NULL)
    return "x";
  if (d->n_values)
    return d->values[0];
  return d->example ? d->example : "x";
}

/* ---- rules ---------------------------------------------------------------- */

static char *dupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *dupf(const char *fmt, ...) {
  g6_buf b = G6_BUF_INIT;
  va_list ap;
  va_start(ap, fmt);
  g6_buf_vprintf(&b, fmt, ap);
  va_end(ap);
  return g6_buf_steal(&b);
}

static g6_spec_rule *push(g6_spec_rules *r) {
  g6_spec_rule *v = realloc(r->v, (r->n + 1) * sizeof(*v));
  if (v == NULL)
    return NULL;
  r->v = v;
  g6_spec_rule *x = &r->v[r->n++];
  memset(x, 0, sizeof(*x));
  return x;
}

/* Label matcher text {instance="h1",a="x",...} for a metric's series. */
static void test_labels(const g6_spec_metric *m, const char *extra_name,
                        const char *extra_value, bool all_labels, g6_buf *b) {
  const char *names[2];
  size_t n = g6_spec_label_names(m, names);
  g6_buf_puts(b, "{instance=\"h1\"");
  if (all_labels)
    for (size_t i = 0; i < n; i++) {
      const g6_spec_label *l = NULL;
      for (size_t k = 0; k < m->n_labels; k++) {
        bool pi = m->labels[k].from == G6_SPEC_FROM_PLUGIN_INSTANCE;
        if ((n == 2 && (i == 0) == pi) || n == 1)
          l = &m->labels[k];
      }
      g6_buf_printf(b, ",%s=\"%s\"", names[i],
                    g6_spec_domain_example(l ? l->domain : NULL));
    }
  if (extra_name)
    g6_buf_printf(b, ",%s=\"%s\"", extra_name, extra_value);
  g6_buf_putc(b, '}');
}

static g6_status add_counter_rules(const g6_spec_metric *m, g6_spec_rules *r) {
  const char *names[2];
  size_t n = g6_spec_label_names(m, names);
  size_t bl = strlen(m->exported) - strlen("_total");
  g6_buf lab = G6_BUF_INIT, series = G6_BUF_INIT;
  test_labels(m, NULL, NULL, true, &lab);
  g6_buf_printf(&series, "%s%s", m->exported, lab.data);
  for (int pass = n ? 0 : 1; pass < 2; pass++) {
    g6_spec_rule *x = push(r);
    if (x == NULL)
      goto nomem;
    x->metric = m;
    if (pass == 0) {
      x->record = dupf("instance_%s%s%s:%.*s:rate5m", names[0], n > 1 ? "_" : "",
                       n > 1 ? names[1] : "", (int)bl, m->exported);
      x->expr = dupf("sum by (instance, %s%s%s) (rate(%s[5m]))", names[0],
                     n > 1 ? ", " : "", n > 1 ? names[1] : "", m->exported);
      x->test_labels = strdup(lab.data);
    } else {
      x->record = dupf("instance:%.*s:rate5m", (int)bl, m->exported);
      x->expr = dupf("sum by (instance) (rate(%s[5m]))", m->exported);
      x->test_labels = strdup("{instance=\"h1\"}");
    }
    x->test_series[x->n_test_series++] = dupf("%s|0+60x40", series.data);
    x->test_expect = 1000000;
    x->test_eval = strdup("20m");
  }
  g6_buf_free(&lab);
  g6_buf_free(&series);
  return G6_OK;
nomem:
  g6_buf_free(&lab);
  g6_buf_free(&series);
  return G6_ENOMEM;
}

static g6_status add_histogram_rules(const g6_spec_metric *m,
                                     g6_spec_rules *r) {
  const char *names[2];
  size_t n = g6_spec_label_names(m, names);
  if (n != 1)
    return G6_EINVAL; /* lint: histograms have exactly a plugin_instance */
  const char *P = names[0];
  const char *base = m->exported;
  /* test input: every observation in bucket k */
  size_t k = m->n_buckets >= 2 ? 1 : 0;
  double lo = k ? m->buckets[k - 1] : 0.0, hi = m->buckets[k];
  char *series[G6_SPEC_MAX_TEST_SERIES];
  size_t ns = 0;
  g6_buf lab = G6_BUF_INIT;
  if (m->n_buckets + 3 > G6_SPEC_MAX_TEST_SERIES)
    return G6_EINVAL; /* lint caps the bucket count */
  for (size_t j = 0; j <= m->n_buckets; j++) {
    char le[32];
    g6_spec_bucket_label(j < m->n_buckets ? m->buckets[j] : INFINITY, le);
    g6_buf_reset(&lab);
    test_labels(m, "type", le, true, &lab);
    series[ns++] = dupf("%s_bucket_total%s|%s", base, lab.data,
                        j < k ? "0x70" : "0+60x70");
  }
  g6_buf_reset(&lab);
  test_labels(m, NULL, NULL, true, &lab);
  series[ns++] = dupf("%s_count_total%s|0+60x70", base, lab.data);
  series[ns++] = dupf("%s_sum%s|0+6x70", base, lab.data);
  static const struct {
    const char *op;
    double q;
    const char *win;
  } qs[] = {{"p50_rate5m", 0.5, "5m"},
            {"p95_rate5m", 0.95, "5m"},
            {"p99_rate5m", 0.99, "5m"},
            {"p95_rate30m", 0.95, "30m"}};
  g6_status rc = G6_OK;
  for (size_t i = 0; i < 7 && rc == G6_OK; i++) {
    g6_spec_rule *x = push(r);
    if (x == NULL) {
      rc = G6_ENOMEM;
      break;
    }
    x->metric = m;
    double expect;
    if (i < 4) {
      x->record = dupf("instance_%s:%s:%s", P, base, qs[i].op);
      x->expr = dupf("histogram_quantile(%g, sum by (instance, %s, le) "
                     "(label_replace(rate(%s_bucket_total[%s]), \"le\", "
                     "\"$1\", \"type\", \"(.+)\")))",
                     qs[i].q, P, base, qs[i].win);
      expect = lo + (hi - lo) * qs[i].q;
    } else if (i == 4) {
      x->record = dupf("instance_%s:%s:p95_ratio_rate5m_rate30m", P, base);
      x->expr = dupf("instance_%s:%s:p95_rate5m / instance_%s:%s:p95_rate30m",
                     P, base, P, base);
      expect = 1.0;
    } else if (i == 5) {
      x->record = dupf("instance_%s:%s:mean_rate5m", P, base);
      x->expr = dupf("sum by (instance, %s) (rate(%s_sum[5m])) / sum by "
                     "(instance, %s) (rate(%s_count_total[5m]))",
                     P, base, P, base);
      expect = 0.1;
    } else {
      x->record = dupf("instance_%s:%s_count:rate5m", P, base);
      x->expr = dupf("sum by (instance, %s) (rate(%s_count_total[5m]))", P,
                     base);
      expect = 1.0;
    }
    x->test_labels = strdup(lab.data);
    x->test_expect = llround(expect * 1e6);
    x->test_eval = strdup("60m");
    for (size_t j = 0; j < ns; j++)
      x->test_series[x->n_test_series++] = strdup(series[j]);
  }
  for (size_t j = 0; j < ns; j++)
    free(series[j]);
  g6_buf_free(&lab);
  return rc;
}

g6_status g6_spec_rules_build(const g6_spec *s, g6_spec_rules *out,
                              g6_error *err) {
  memset(out, 0, sizeof(*out));
  g6_status rc = G6_OK;
  for (size_t i = 0; i < s->n_families && rc == G6_OK; i++)
    for (size_t j = 0; j < s->families[i].n_metrics && rc == G6_OK; j++) {
      const g6_spec_metric *m = &s->families[i].metrics[j];
      if (m->kind == G6_SPEC_COUNTER)
        rc = add_counter_rules(m, out);
      else if (m->kind == G6_SPEC_HISTOGRAM)
        rc = add_histogram_rules(m, out);
      for (size_t k = 0; k < m->n_records && rc == G6_OK; k++) {
        g6_spec_rule *x = push(out);
        if (x == NULL) {
          rc = G6_ENOMEM;
          break;
        }
        x->metric = m;
        x->record = strdup(m->records[k].record);
        x->expr = strdup(m->records[k].expr);
        x->test = &m->records[k].test;
      }
    }
  if (rc == G6_ENOMEM) {
    g6_error_set(err, rc, "out of memory building recording rules");
  } else if (rc != G6_OK) {
    g6_error_set(err, rc, "cannot build recording rules");
  } else {
    for (size_t a = 0; a < out->n && rc == G6_OK; a++)
      for (size_t b = 0; b < a; b++)
        if (strcmp(out->v[a].record, out->v[b].record) == 0) {
          rc = g6_error_set(err, G6_EINVAL,
                            "recording rule %s is defined twice (metrics %s "
                            "and %s); no duplicate rules",
                            out->v[a].record, out->v[b].metric->name,
                            out->v[a].metric->name);
          break;
        }
  }
  if (rc != G6_OK)
    g6_spec_rules_free(out);
  return rc;
}

void g6_spec_rules_free(g6_spec_rules *r) {
  for (size_t i = 0; i < r->n; i++) {
    g6_spec_rule *x = &r->v[i];
    free(x->record);
    free(x->expr);
    free(x->test_labels);
    free(x->test_eval);
    for (size_t k = 0; k < x->n_test_series; k++)
      free(x->test_series[k]);
  }
  free(r->v);
  memset(r, 0, sizeof(*r));
}

/* ---- owners of an expression ---------------------------------------------- */

static bool token_matches(const g6_spec_metric *m, const char *tok,
                          size_t len) {
  char buf[256];
  if (len >= sizeof(buf))
    return false;
  memcpy(buf, tok, len);
  buf[len] = '\0';
  /* level:metric:operations -> the metric part */
  char *c1 = strchr(buf, ':');
  char *name = buf;
  if (c1) {
    char *c2 = strchr(c1 + 1, ':');
    if (c2 == NULL)
      return false;
    *c2 = '\0';
    name = c1 + 1;
  }
  size_t bl = strlen(m->exported);
  if (m->kind == G6_SPEC_COUNTER)
    bl -= strlen("_total");
  if (strncmp(name, m->exported, bl) != 0)
    return false;
  const char *rest = name + bl;
  if (c1) /* derived record names extend the base: _errors_per_calls, _count */
    return *rest == '\0' || *rest == '_';
  if (m->kind == G6_SPEC_HISTOGRAM)
    return strcmp(rest, "_bucket_total") == 0 ||
           strcmp(rest, "_count_total") == 0 || strcmp(rest, "_sum") == 0;
  return strcmp(rest, m->kind == G6_SPEC_COUNTER ? "_total" : "") == 0;
}

void g6_spec_expr_owners(const g6_spec *s, const char *expr, g6_buf *out) {
  const char *owners[32];
  size_t n = 0;
  for (const char *p = expr; *p;) {
    if (!(isalpha((unsigned char)*p) || *p == '_' || *p == ':')) {
      if (*p == '"') { /* skip string literals */
        p++;
        while (*p && *p != '"')
          p += (*p == '\\' && p[1]) ? 2 : 1;
        if (*p)
          p++;
        continue;
      }
      p++;
      continue;
    }
    const char *start = p;
    while (isalnum((unsigned char)*p) || *p == '_' || *p == ':')
      p++;
    size_t len = (size_t)(p - start);
    for (size_t i = 0; i < s->n_families; i++)
      for (size_t j = 0; j < s->families[i].n_metrics; j++) {
        const g6_spec_metric *m = &s->families[i].metrics[j];
        if (!token_matches(m, start, len))
          continue;
        bool seen = false;
        for (size_t k = 0; k < n; k++)
          seen = seen || strcmp(owners[k], m->family->owner) == 0;
        if (!seen && n < 32)
          owners[n++] = m->family->owner;
      }
  }
  /* sorted for determinism */
  for (size_t a = 1; a < n; a++)
    for (size_t b = a; b > 0 && strcmp(owners[b - 1], owners[b]) > 0; b--) {
      const char *t = owners[b];
      owners[b] = owners[b - 1];
      owners[b - 1] = t;
    }
  g6_buf_putc(out, '[');
  for (size_t k = 0; k < n; k++)
    g6_buf_printf(out, "%s\"%s\"", k ? "," : "", owners[k]);
  g6_buf_putc(out, ']');
}

void g6_spec_expr_substitute(const char *expr, const char *window,
                             g6_buf *out) {
  for (const char *p = expr; *p;) {
    if (strncmp(p, "$__rate_interval", 16) == 0) {
      g6_buf_puts(out, window);
      p += 16;
    } else if (strncmp(p, "$instance", 9) == 0) {
      g6_buf_puts(out, ".+");
      p += 9;
    } else if (strncmp(p, "$index", 6) == 0) {
      g6_buf_puts(out, ".+");
      p += 6;
    } else {
      g6_buf_putc(out, *p++);
    }
  }
}

/* ---- rendering -------------------------------------------------------------- */

static void header(const g6_spec *s, g6_buf *b, const char *what) {
  g6_buf_printf(b,
                "# Generated by `%s` from spec/metrics.yml; do not edit.\n"
                "# %s\n",
                G6_SPEC_GENERATOR, what);
  (void)s;
}

static g6_status render_rules(const g6_spec *s, const g6_spec_rules *r,
                              g6_buf *b) {
  header(s, b,
         "Recording rules (level:metric:operations). Check with: promtool "
         "check rules --lint=all prometheus/rules.yml");
  g6_buf_puts(b, "groups:\n");
  for (size_t i = 0; i < s->n_families; i++) {
    const g6_spec_family *f = &s->families[i];
    bool any = false;
    for (size_t k = 0; k < r->n; k++) {
      if (r->v[k].metric->family != f)
        continue;
      if (!any)
        g6_buf_printf(b, "  - name: g6.%s.rules\n    rules:\n", f->name);
      any = true;
      g6_buf_printf(b, "      - record: %s\n        expr: ", r->v[k].record);
      g6_spec_yaml_quote(r->v[k].expr, b);
      g6_buf_putc(b, '\n');
    }
  }
  return b->data ? G6_OK : G6_ENOMEM;
}

static void lower_copy(char *dst, const char *src, size_t n) {
  size_t i = 0;
  for (; src[i] && i + 1 < n; i++)
    dst[i] = (char)tolower((unsigned char)src[i]);
  dst[i] = '\0';
}

static void runbook(const g6_spec *s, const g6_spec_alert *a, g6_buf *b) {
  if (a->runbook_url) {
    g6_buf_puts(b, a->runbook_url);
    return;
  }
  char low[128];
  lower_copy(low, a->alert, sizeof(low));
  g6_buf_printf(b, "%s%s", s->runbook_base ? s->runbook_base : "", low);
}

/* The runbook URL quoted for YAML, then a newline (the annotation's key is
 * already written). */
static void put_runbook(const g6_spec *s, const g6_spec_alert *a, g6_buf *b) {
  g6_buf u = G6_BUF_INIT;
  runbook(s, a, &u);
  g6_spec_yaml_quote(u.data ? u.data : "", b);
  g6_buf_free(&u);
  g6_buf_putc(b, '\n');
}

static g6_status render_alerts(const g6_spec *s, g6_buf *b) {
  header(s, b,
         "Alerting rules (monitoring-mixin conventions: CamelCase G6 names, "
         "for, severity, summary, description, runbook_url).");
  g6_buf_puts(b, "groups:\n");
  for (size_t i = 0; i < s->n_families; i++) {
    const g6_spec_family *f = &s->families[i];
    bool any = false;
    for (size_t j = 0; j < f->n_metrics; j++)
      for (size_t k = 0; k < f->metrics[j].n_alerts; k++) {
        const g6_spec_alert *a = &f->metrics[j].alerts[k];
        if (!any)
          g6_buf_printf(b, "  - name: g6.%s.alerts\n    rules:\n", f->name);
        any = true;
        g6_buf_printf(b, "      - alert: %s\n        expr: ", a->alert);
        g6_spec_yaml_quote(a->expr, b);
        g6_buf_printf(b, "\n        for: %s\n        labels:\n", a->for_);
        g6_buf_printf(b, "          severity: %s\n", a->severity);
        for (size_t q = 0; q < a->n_labels; q++) {
          g6_buf_printf(b, "          %s: ", a->labels[q].key);
          g6_spec_yaml_quote(a->labels[q].value, b);
          g6_buf_putc(b, '\n');
        }
        g6_buf_puts(b, "        annotations:\n          summary: ");
        g6_spec_yaml_quote(a->summary, b);
        g6_buf_puts(b, "\n          description: ");
        g6_spec_yaml_quote(a->description, b);
        g6_buf_puts(b, "\n          runbook_url: ");
        put_runbook(s, a, b);
      }
  }
  return b->data ? G6_OK : G6_ENOMEM;
}

static void render_series(const char *series, const char *values, g6_buf *b) {
  g6_buf_puts(b, "      - series: ");
  g6_spec_yaml_quote(series, b);
  g6_buf_puts(b, "\n        values: ");
  g6_spec_yaml_quote(values, b);
  g6_buf_putc(b, '\n');
}

static void render_label_set(const g6_spec_kv *kv, size_t n, g6_buf *b) {
  g6_buf tmp = G6_BUF_INIT;
  g6_buf_putc(&tmp, '{');
  for (size_t i = 0; i < n; i++)
    g6_buf_printf(&tmp, "%s%s=\"%s\"", i ? "," : "", kv[i].key, kv[i].value);
  g6_buf_putc(&tmp, '}');
  g6_spec_yaml_quote(tmp.data, b);
  g6_buf_free(&tmp);
}

static g6_status render_rules_test(const g6_spec *s, const g6_spec_rules *r,
                                   g6_buf *b, g6_error *err) {
  header(s, b, "promtool unit tests of every recording rule: promtool test "
               "rules prometheus/tests/rules_test.yml");
  g6_buf_puts(b, "rule_files:\n  - ../rules.yml\nevaluation_interval: 1m\n"
                 "tests:\n");
  for (size_t i = 0; i < r->n; i++) {
    const g6_spec_rule *x = &r->v[i];
    g6_buf_printf(b, "  # %s\n  - interval: 1m\n    input_series:\n",
                  x->record);
    if (x->test) {
      for (size_t k = 0; k < x->test->n_series; k++)
        render_series(x->test->series[k].series, x->test->series[k].values, b);
      double v;
      char *end;
      v = strtod(x->test->value ? x->test->value : "", &end);
      if (x->test->value == NULL || *end) {
        g6_error_set(err, G6_EINVAL,
                     "record %s: test value \"%s\" is not a number", x->record,
                     x->test->value ? x->test->value : "");
        return G6_EINVAL;
      }
      g6_buf_printf(b,
                    "    promql_expr_test:\n      - expr: round(%s * 1e6)\n"
                    "        eval_time: %s\n        exp_samples:\n"
                    "          - labels: ",
                    x->record, x->test->eval_time);
      render_label_set(x->test->labels, x->test->n_labels, b);
      g6_buf_printf(b, "\n            value: %lld\n", llround(v * 1e6));
    } else {
      for (size_t k = 0; k < x->n_test_series; k++) {
        char *bar = strchr(x->test_series[k], '|');
        *bar = '\0';
        render_series(x->test_series[k], bar + 1, b);
        *bar = '|';
      }
      g6_buf_printf(b,
                    "    promql_expr_test:\n      - expr: round(%s * 1e6)\n"
                    "        eval_time: %s\n        exp_samples:\n"
                    "          - labels: ",
                    x->record, x->test_eval);
      g6_spec_yaml_quote(x->test_labels, b);
      g6_buf_printf(b, "\n            value: %lld\n", x->test_expect);
    }
  }
  return b->data ? G6_OK : G6_ENOMEM;
}

/* Whether Go's template `if` takes the value as true: a float is false only
 * when it is 0. Test values are written as the description renders them, so
 * "0" (or a zero humanized to "0s" or "0%") is the zero; anything else,
 * "14m 0s" or "NaN", is not. */
static bool value_truthy(const char *v) {
  if (v == NULL || *v == '\0')
    return false;
  char *end;
  double x = strtod(v, &end);
  if (end == v || isnan(x) || x != 0.0)
    return true;
  return !(*end == '\0' || strcmp(end, "s") == 0 || strcmp(end, "%") == 0);
}

#define EXPAND_MAX_DEPTH 8

/* Expands {{ $labels.x }}, {{ $value | ... }} and {{ if $value }} ...
 * {{ else }} ... {{ end }} like Prometheus would for one expected alert's
 * labels and value (its rendering of $value, "0" for a zero). */
static g6_status expand(const char *tmpl, const g6_spec_kv *labels,
                        size_t n_labels, const char *value, const char *alert,
                        g6_buf *out, g6_error *err) {
  /* on[d]: the branch at depth d is being emitted; seen_else[d] */
  bool on[EXPAND_MAX_DEPTH + 1] = {true}, seen_else[EXPAND_MAX_DEPTH + 1] = {0};
  size_t depth = 0;
  for (const char *p = tmpl; *p;) {
    if (strncmp(p, "{{", 2) != 0) {
      if (on[depth])
        g6_buf_putc(out, *p);
      p++;
      continue;
    }
    const char *end = strstr(p, "}}");
    if (end == NULL)
      return g6_error_set(err, G6_EINVAL, "alert %s: unclosed {{ in \"%s\"",
                          alert, tmpl);
    char inner[200];
    const char *a = p + 2;
    while (a < end && *a == ' ')
      a++;
    size_t len = (size_t)(end - a);
    while (len && a[len - 1] == ' ')
      len--;
    if (len >= sizeof(inner))
      len = sizeof(inner) - 1;
    memcpy(inner, a, len);
    inner[len] = '\0';
    if (strcmp(inner, "if $value") == 0) {
      if (depth == EXPAND_MAX_DEPTH)
        return g6_error_set(err, G6_EINVAL,
                            "alert %s: {{ if }} nested more than %d deep",
                            alert, EXPAND_MAX_DEPTH);
      depth++;
      on[depth] = on[depth - 1] && value_truthy(value);
      seen_else[depth] = false;
    } else if (strcmp(inner, "else") == 0) {
      if (depth == 0 || seen_else[depth])
        return g6_error_set(err, G6_EINVAL,
                            "alert %s: {{ else }} without {{ if $value }}",
                            alert);
      seen_else[depth] = true;
      on[depth] = on[depth - 1] && !value_truthy(value);
    } else if (strcmp(inner, "end") == 0) {
      if (depth == 0)
        return g6_error_set(err, G6_EINVAL,
                            "alert %s: {{ end }} without {{ if $value }}",
                            alert);
      depth--;
    } else if (strncmp(inner, "$labels.", 8) == 0) {
      const char *v = NULL;
      for (size_t i = 0; i < n_labels; i++)
        if (strcmp(labels[i].key, inner + 8) == 0)
          v = labels[i].value;
      if (v == NULL)
        return g6_error_set(err, G6_EINVAL,
                            "alert %s: the description uses %s but the test "
                            "labels do not give it",
                            alert, inner);
      if (on[depth])
        g6_buf_puts(out, v);
    } else if (strncmp(inner, "$value", 6) == 0) {
      if (on[depth])
        g6_buf_puts(out, value ? value : "");
    } else {
      return g6_error_set(err, G6_EINVAL,
                          "alert %s: template {{ %s }} is not supported "
                          "(use $labels.<name>, $value | humanize*, or "
                          "if $value / else / end)",
                          alert, inner);
    }
    p = end + 2;
  }
  if (depth != 0)
    return g6_error_set(err, G6_EINVAL,
                        "alert %s: {{ if $value }} without {{ end }}", alert);
  return G6_OK;
}

/* One entry of exp_alerts: the alert's labels, the expected ones, and the
 * annotations expanded for them. */
static g6_status render_expected(const g6_spec *s, const g6_spec_alert *a,
                                 const g6_spec_kv *labels, size_t n_labels,
                                 const char *value, g6_buf *b, g6_error *err) {
  g6_buf_printf(b, "          - exp_labels:\n              severity: %s\n",
                a->severity);
  for (size_t q = 0; q < a->n_labels; q++) {
    g6_buf_printf(b, "              %s: ", a->labels[q].key);
    g6_spec_yaml_quote(a->labels[q].value, b);
    g6_buf_putc(b, '\n');
  }
  for (size_t q = 0; q < n_labels; q++) {
    g6_buf_printf(b, "              %s: ", labels[q].key);
    g6_spec_yaml_quote(labels[q].value, b);
    g6_buf_putc(b, '\n');
  }
  g6_buf_puts(b, "            exp_annotations:\n              summary: ");
  g6_spec_yaml_quote(a->summary, b);
  g6_buf_puts(b, "\n              description: ");
  g6_buf d = G6_BUF_INIT;
  g6_status rc =
      expand(a->description, labels, n_labels, value, a->alert, &d, err);
  if (rc != G6_OK) {
    g6_buf_free(&d);
    return rc;
  }
  g6_spec_yaml_quote(d.data ? d.data : "", b);
  g6_buf_free(&d);
  g6_buf_puts(b, "\n              runbook_url: ");
  put_runbook(s, a, b);
  return G6_OK;
}

static g6_status render_alerts_test(const g6_spec *s, g6_buf *b,
                                    g6_error *err) {
  header(s, b, "promtool unit tests of every alert: promtool test rules "
               "prometheus/tests/alerts_test.yml");
  g6_buf_puts(b, "rule_files:\n  - ../rules.yml\n  - ../alerts.yml\n"
                 "evaluation_interval: 1m\ntests:\n");
  for (size_t i = 0; i < s->n_families; i++)
    for (size_t j = 0; j < s->families[i].n_metrics; j++) {
      const g6_spec_metric *m = &s->families[i].metrics[j];
      for (size_t k = 0; k < m->n_alerts; k++) {
        const g6_spec_alert *a = &m->alerts[k];
        const g6_spec_test *t = &a->test;
        g6_buf_printf(b, "  # %s\n  - interval: 1m\n    input_series:\n",
                      a->alert);
        for (size_t q = 0; q < t->n_series; q++)
          render_series(t->series[q].series, t->series[q].values, b);
        g6_buf_printf(b,
                      "    alert_rule_test:\n      - eval_time: 0m\n"
                      "        alertname: %s\n        exp_alerts: []\n"
                      "      - eval_time: %s\n        alertname: %s\n"
                      "        exp_alerts:\n",
                      a->alert, t->eval_time, a->alert);
        g6_status rc = render_expected(s, a, t->labels, t->n_labels, t->value,
                                       b, err);
        for (size_t e = 0; e < t->n_evals && rc == G6_OK; e++) {
          const g6_spec_eval *ev = &t->evals[e];
          g6_buf_printf(b, "      - eval_time: %s\n        alertname: %s\n",
                        ev->eval_time, a->alert);
          if (ev->n_alerts == 0)
            g6_buf_puts(b, "        exp_alerts: []\n");
          else
            g6_buf_puts(b, "        exp_alerts:\n");
          for (size_t q = 0; q < ev->n_alerts && rc == G6_OK; q++)
            rc = render_expected(s, a, ev->alerts[q].labels,
                                 ev->alerts[q].n_labels, ev->alerts[q].value,
                                 b, err);
        }
        if (rc != G6_OK)
          return rc;
      }
    }
  return b->data ? G6_OK : G6_ENOMEM;
}

static g6_status render_scrape(const g6_spec *s, g6_buf *b) {
  header(s, b,
         "Prometheus configuration for collectd's write_prometheus (a complete "
         "file: promtool check config\n# prometheus/scrape.yml). Copy the job "
         "into your prometheus.yml and point the rule files at\n# rules.yml "
         "and alerts.yml.");
  g6_buf_puts(
      b,
      "global:\n"
      "  scrape_interval: " G6_SPEC_SCRAPE_INTERVAL "\n"
      "  evaluation_interval: 30s\n"
      "rule_files:\n"
      "  - rules.yml\n"
      "  - alerts.yml\n"
      "scrape_configs:\n"
      "  - job_name: collectd\n"
      "    # Keep collectd's own instance label (its Hostname); without this "
      "Prometheus\n"
      "    # renames it to exported_instance and g6's rules, alerts and "
      "dashboards\n"
      "    # (which group by instance) see the scrape target instead.\n"
      "    honor_labels: true\n"
      "    # write_prometheus attaches explicit timestamps, which disable "
      "staleness\n"
      "    # markers: a vanished series would linger for the 5-minute "
      "lookback. Ignore\n"
      "    # them (and/or set write_prometheus' StalenessDelta to a few "
      "intervals) so a\n"
      "    # stopped series goes stale at the next scrape.\n"
      "    honor_timestamps: false\n"
      "    static_configs:\n"
      "      - targets: [\"localhost:9103\"]\n");
  return b->data ? G6_OK : G6_ENOMEM;
}

g6_status g6_spec_gen_prometheus(const g6_spec *s, g6_spec_output *out,
                                 g6_error *err) {
  g6_spec_rules r;
  g6_status rc = g6_spec_rules_build(s, &r, err);
  if (rc != G6_OK)
    return rc;
  g6_buf b = G6_BUF_INIT;
  rc = render_rules(s, &r, &b);
  if (rc == G6_OK)
    rc = g6_spec_output_add(out, "prometheus/rules.yml", G6_SPEC_ART_RULES,
                            b.data, b.len);
  g6_buf_reset(&b);
  if (rc == G6_OK)
    rc = render_rules_test(s, &r, &b, err);
  /* the promtool tests are "other" drift (exit 10), like the rest of what
   * is neither a dashboard nor a rule file: a stale rule or alert already
   * reports its own file with 8 or 9 */
  if (rc == G6_OK)
    rc = g6_spec_output_add(out, "prometheus/tests/rules_test.yml",
                            G6_SPEC_ART_OTHER, b.data, b.len);
  g6_buf_reset(&b);
  if (rc == G6_OK)
    rc = render_alerts(s, &b);
  if (rc == G6_OK)
    rc = g6_spec_output_add(out, "prometheus/alerts.yml", G6_SPEC_ART_ALERTS,
                            b.data, b.len);
  g6_buf_reset(&b);
  if (rc == G6_OK)
    rc = render_alerts_test(s, &b, err);
  if (rc == G6_OK)
    rc = g6_spec_output_add(out, "prometheus/tests/alerts_test.yml",
                            G6_SPEC_ART_OTHER, b.data, b.len);
  g6_buf_reset(&b);
  if (rc == G6_OK)
    rc = render_scrape(s, &b);
  if (rc == G6_OK)
    rc = g6_spec_output_add(out, "prometheus/scrape.yml", G6_SPEC_ART_OTHER,
                            b.data, b.len);
  g6_buf_free(&b);
  g6_spec_rules_free(&r);
  return rc;
}
