/* g6 spec generators: what the renderers share (not a public interface;
 * used by shared/spec_*.c and their unit tests). */
#ifndef G6_SPEC_INTERNAL_H
#define G6_SPEC_INTERNAL_H

#include "spec/spec.h"

#include <stdint.h>

#define G6_SPEC_GENERATOR "g6 spec generate"

#define G6_SPEC_MAX_TEST_SERIES 32
#define G6_SPEC_MAX_BUCKETS 24
/* The most label sets one metric may have on one host: the largest the
 * plugins' configuration admits, 16 indices (G6_CHAIN_MAX_INDICES) x 8
 * expiries (G6_MAX_EXPIRIES) x 8 (surface buckets, or side x build-up
 * class). */
#define G6_SPEC_MAX_BUDGET 1024

/* One recording rule, generated or explicit. */
typedef struct g6_spec_rule {
  char *record, *expr;
  const g6_spec_metric *metric; /* the metric it was derived from */
  const g6_spec_test *test;     /* explicit records: the spec's test */
  /* generated records: the promtool case */
  char *test_series[G6_SPEC_MAX_TEST_SERIES];
  size_t n_test_series;
  char *test_labels; /* {a="x",b="y"} of the expected sample */
  long long test_expect; /* round(value * 1e6) */
  char *test_eval;
} g6_spec_rule;

typedef struct g6_spec_rules {
  g6_spec_rule *v;
  size_t n;
} g6_spec_rules;

/* Every recording rule in file order: per metric, generated ones first
 * (counters: rate5m by all labels and by instance; histograms: p50/p95/p99
 * over 5m, p95 over 30m, their ratio, the mean), then the spec's own. Fails
 * with G6_EINVAL naming both metrics when two rules share a name. */
g6_status g6_spec_rules_build(const g6_spec *s, g6_spec_rules *out,
                              g6_error *err);
void g6_spec_rules_free(g6_spec_rules *r);

#define G6_SPEC_MAX_TARGETS 4

typedef struct g6_spec_dpanel {
  char *title, *type, *unit, *description, *source, *uuid;
  const g6_spec_metric *metric;
  char *exprs[G6_SPEC_MAX_TARGETS];
  char *legends[G6_SPEC_MAX_TARGETS];
  size_t n_exprs;
  bool instant;
  int w, h;
  uint32_t id;
} g6_spec_dpanel;

typedef struct g6_spec_dash {
  const g6_spec_plan *plan;
  g6_spec_dpanel *panels;
  size_t n_panels;
  bool has_index;
} g6_spec_dash;

typedef struct g6_spec_dashes {
  g6_spec_dash *v;
  size_t n;
} g6_spec_dashes;

/* Synthesizes every plan's panels (explicit spec panels first, then counter
 * rate, histogram p50/p95/p99, labeled gauge by-label and top-k, single gauge
 * stat). Fails with G6_EINVAL when two panels of one dashboard get the same
 * id. */
g6_status g6_spec_dashes_build(const g6_spec *s, g6_spec_dashes *out,
                               g6_error *err);
void g6_spec_dashes_free(g6_spec_dashes *d);

/* sha256 hex of the panel's semantic signature (type, title, sorted exprs,
 * datasource type, unit), and the stable id derived from it and the slug. */
void g6_spec_panel_signature(const char *type, const char *title,
                             char *const *exprs, size_t n_exprs,
                             const char *unit, g6_buf *out);
uint32_t g6_spec_panel_id(const char *slug, const char *signature);

/* Owners (plugin names, "*" for every plugin) of the spec metrics an
 * expression reads, as a JSON array text appended to out. */
void g6_spec_expr_owners(const g6_spec *s, const char *expr, g6_buf *out);

/* Replaces dashboard variables for parsing and testing: $__rate_interval ->
 * `window`, $instance/$index -> ".+" (appended to out). */
void g6_spec_expr_substitute(const char *expr, const char *window, g6_buf *out);

/* A YAML double-quoted scalar (JSON escaping is valid YAML). */
void g6_spec_yaml_quote(const char *s, g6_buf *out);

/* Domain example value (first value, or the example). */
const char *g6_spec_domain_example(const g6_spec_domain *d);

#endif
