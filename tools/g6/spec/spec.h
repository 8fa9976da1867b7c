/* g6 — the metric spec (spec/metrics.yml + spec/plans.yml): loader, linter
 * and generators.
 *
 * The spec is the one place a metric is defined (DESIGN §4–5). Loading reads
 * YAML with libyaml into the model below, reporting every structural problem
 * (syntax, wrong type, missing or unknown field, duplicate key or name) as a
 * diagnostic with file, line and field path. Linting checks the meaning
 * (exported names recomputed as write_prometheus 5.12 builds them, labels,
 * units, budgets, types.db collisions, alerts, plans). Generation renders every
 * artefact into memory (g6_spec_output); nothing is written unless everything
 * rendered, so a bad spec never leaves partial output. */
#ifndef G6_SPEC_H
#define G6_SPEC_H

#include "core/buf.h"
#include "core/status.h"

#include <stdbool.h>
#include <stddef.h>

/* Family owner of the metrics collectd's stock aggregation plugin computes
 * from a g6 plugin's gauges (host totals; see g6_spec_metric.aggregates). */
#define G6_SPEC_AGG_OWNER "aggregation"

/* The collectd Interval (seconds) of the shipped snippets (conf.d/): the
 * aggregation plugin's window. (Grafana's data source timeInterval is the
 * Prometheus scrape interval, G6_SPEC_SCRAPE_INTERVAL, not this.) */
#define G6_SPEC_COLLECTD_INTERVAL 10

/* Prometheus' scrape_interval in prometheus/scrape.yml, and so the Grafana
 * data source's timeInterval: Grafana's $__rate_interval is max($__interval
 * + timeInterval, 4 x timeInterval), which must span several scrapes (not
 * collectd intervals) for rate() and histogram_quantile to have samples. */
#define G6_SPEC_SCRAPE_INTERVAL "30s"

/* ---- diagnostics ------------------------------------------------------ */

typedef struct g6_spec_diag {
  char *file;  /* as given to the loader */
  int line;    /* 1-based; 0 when the problem has no single line */
  char *field; /* dotted path: families.api.metrics[2].unit */
  char *msg;
} g6_spec_diag;

typedef struct g6_spec_diags {
  g6_spec_diag *v;
  size_t n, cap;
} g6_spec_diags;

/* Adds one diagnostic (formatted message). Never fails visibly: on out of
 * memory the diagnostic is dropped but `n` still grows, so callers still see
 * that something went wrong. */
void g6_spec_diag_add(g6_spec_diags *d, const char *file, int line,
                      const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* "file:line: field: message\n" per diagnostic, in the order found. */
void g6_spec_diags_print(const g6_spec_diags *d, g6_buf *out);
void g6_spec_diags_free(g6_spec_diags *d);

/* ---- model ------------------------------------------------------------ */

typedef enum g6_spec_kind {
  G6_SPEC_GAUGE,
  G6_SPEC_COUNTER,
  G6_SPEC_HISTOGRAM
} g6_spec_kind;

typedef enum g6_spec_from {
  G6_SPEC_FROM_PLUGIN_INSTANCE,
  G6_SPEC_FROM_TYPE_INSTANCE
} g6_spec_from;

typedef struct g6_spec_kv {
  char *key, *value;
} g6_spec_kv;

typedef struct g6_spec_unit {
  char *name, *grafana, *rate;
  /* values are Unix times: 0 is "never" (no real timestamp is the epoch),
   * so dashboards drop it like NaN instead of drawing 1970 */
  bool timestamp;
  int line;
} g6_spec_unit;

typedef struct g6_spec_domain {
  char *name, *help, *example;
  char **values; /* own values, or the product's joined values */
  size_t n_values;
  char **product; /* names of the domains whose product this is */
  size_t n_product;
  bool open;
  size_t max; /* distinct values allowed (closed: n_values) */
  int line;
} g6_spec_domain;

typedef struct g6_spec_label {
  char *name; /* exported label name as the spec states it */
  g6_spec_from from;
  char *domain_name;
  const g6_spec_domain *domain; /* resolved by lint; NULL when unknown */
  int line;
} g6_spec_label;

typedef struct g6_spec_series {
  char *series, *values;
} g6_spec_series;

/* One alert an evaluation expects: its labels (without alertname/severity)
 * and its value as the description renders it ("0" for a zero value). */
typedef struct g6_spec_expect {
  g6_spec_kv *labels;
  size_t n_labels;
  char *value;
  int line;
} g6_spec_expect;

/* A further evaluation of an alert test's input series: every alert firing
 * at eval_time (none: the alert must be silent then). */
typedef struct g6_spec_eval {
  char *eval_time;
  g6_spec_expect *alerts;
  size_t n_alerts;
  int line;
} g6_spec_eval;

/* A promtool case: input series, evaluation time, the expected labels of the
 * result (alert labels without alertname/severity) and its value as the
 * alert description renders it (or the number, for recording rules).
 * Alert tests may add evaluations of the same series at other times
 * (`evals`), each with every alert expected then. */
typedef struct g6_spec_test {
  g6_spec_series *series;
  size_t n_series;
  char *eval_time;
  g6_spec_kv *labels;
  size_t n_labels;
  char *value;
  g6_spec_eval *evals;
  size_t n_evals;
  int line;
  bool present;
} g6_spec_test;

typedef struct g6_spec_panel {
  char *title, *type, *expr, *legend, *unit, *description;
  bool instant;
  int line;
} g6_spec_panel;

typedef struct g6_spec_alert {
  char *alert, *expr, *for_, *severity, *summary, *description, *runbook_url;
  g6_spec_kv *labels;
  size_t n_labels;
  g6_spec_test test;
  int line;
} g6_spec_alert;

typedef struct g6_spec_record {
  char *record, *expr;
  g6_spec_test test;
  int line;
} g6_spec_record;

struct g6_spec_family;

typedef struct g6_spec_metric {
  char *name, *unit, *help, *plugin, *type, *exported, *agg;
  /* the metric of a g6 plugin whose values collectd's stock aggregation
   * plugin combines into this one (family owner "aggregation"); NULL for a
   * metric a g6 plugin dispatches itself */
  char *aggregates;
  g6_spec_kind kind;
  g6_spec_label labels[2];
  size_t n_labels;
  double *buckets;
  size_t n_buckets;
  long budget;
  char *ds_name, *ds_type, *ds_min, *ds_max; /* defaults from the kind */
  g6_spec_panel *panels;
  size_t n_panels;
  g6_spec_alert *alerts;
  size_t n_alerts;
  g6_spec_record *records;
  size_t n_records;
  struct g6_spec_family *family;
  const char *field; /* path of the metric in the spec (for diagnostics) */
  char *path;
  int line;
  /* line of each field, for diagnostics (0 when absent) */
  int line_kind, line_unit, line_help, line_plugin, line_type, line_exported,
      line_labels, line_budget, line_buckets, line_ds, line_agg,
      line_aggregates;
} g6_spec_metric;

typedef struct g6_spec_family {
  char *name, *owner, *title, *help;
  g6_spec_metric *metrics;
  size_t n_metrics;
  int line;
} g6_spec_family;

typedef struct g6_spec_plan {
  char *slug, *title, *description;
  char **tags;
  size_t n_tags;
  char **families;
  size_t n_families;
  int *family_lines;
  /* Optional: metrics of other families whose panels the dashboard also
   * shows (an options desk reads spot and PCR next to its own figures). */
  char **metrics;
  size_t n_metrics;
  int *metric_lines;
  int line;
} g6_spec_plan;

typedef struct g6_spec {
  char *file, *plans_file;
  char *hash;      /* first 16 hex of sha256(spec bytes) */
  char *full_hash; /* 64 hex */
  long version;
  char *runbook_base;
  g6_spec_unit *units;
  size_t n_units;
  g6_spec_domain *domains;
  size_t n_domains;
  g6_spec_family *families;
  size_t n_families;
  g6_spec_plan *plans;
  size_t n_plans;
} g6_spec;

/* Loads the spec from `spec_text` (named `spec_file` in diagnostics) and the
 * plans from `plans_text` (may be NULL: no plans). Every structural problem is
 * added to `d`; returns G6_EPARSE when there was any (the model is then
 * incomplete and must only be freed), G6_ENOMEM, or G6_OK. */
g6_status g6_spec_load(const char *spec_file, const char *spec_text,
                       size_t spec_len, const char *plans_file,
                       const char *plans_text, size_t plans_len, g6_spec *out,
                       g6_spec_diags *d);

/* Reads both files and loads them (G6_EIO/G6_ENOENT when unreadable, with a
 * diagnostic naming the file). */
g6_status g6_spec_load_files(const char *spec_file, const char *plans_file,
                             g6_spec *out, g6_spec_diags *d);

void g6_spec_free(g6_spec *s);

/* Checks the meaning of a loaded spec; adds one diagnostic per problem.
 * `stock_types_db` is the text of collectd's stock types.db (NULL skips the
 * collision check). Also resolves label domains. Returns the number of
 * problems found. Never modifies anything but the resolved domain pointers. */
size_t g6_spec_lint(g6_spec *s, const char *stock_types_db, g6_spec_diags *d);

/* Lookups; NULL when absent. */
const g6_spec_domain *g6_spec_find_domain(const g6_spec *s, const char *name);
const g6_spec_unit *g6_spec_find_unit(const g6_spec *s, const char *name);
const g6_spec_metric *g6_spec_find_metric(const g6_spec *s, const char *name);
const g6_spec_family *g6_spec_find_family(const g6_spec *s, const char *name);

/* The name write_prometheus 5.12 exports for a value list: collectd_<plugin>_
 * <type>[_<ds>][_total] (<plugin> dropped when equal to <type>, _<ds> only
 * when ds is not "value", _total for DERIVE and COUNTER). */
void g6_spec_exported_name(const char *plugin, const char *type,
                           const char *ds_name, const char *ds_type,
                           g6_buf *out);

/* Exported label names of a metric's main series, in exposition order
 * (without instance): plugin_instance -> <plugin>, type_instance -> "type",
 * or <plugin> for a lone type_instance. For histograms the bucket series have
 * an extra "type" (the bucket bound). Writes up to 2 names; returns count. */
size_t g6_spec_label_names(const g6_spec_metric *m, const char *names[2]);

/* Histogram bucket bound as a type_instance ("0.025", "1", "+Inf"). */
void g6_spec_bucket_label(double le, char out[32]);

/* ---- generation ------------------------------------------------------- */

typedef enum g6_spec_artifact {
  G6_SPEC_ART_DASHBOARD, /* drift exit 6: the dashboard JSON files */
  G6_SPEC_ART_RULES,     /* 8: prometheus/rules.yml */
  G6_SPEC_ART_ALERTS,    /* 9: prometheus/alerts.yml */
  G6_SPEC_ART_OTHER      /* 10: types.db, C code, catalog, promtool tests,
                            scrape, Grafana provisioning, manifest */
} g6_spec_artifact;

typedef struct g6_spec_file {
  char *path; /* relative to the repository root */
  g6_buf text;
  g6_spec_artifact kind;
} g6_spec_file;

typedef struct g6_spec_output {
  g6_spec_file *files;
  size_t n_files;
} g6_spec_output;

/* Renders every artefact of a linted spec into memory, deterministically
 * (byte-identical for the same spec). G6_ENOMEM, or G6_EINVAL with `err`
 * when the spec cannot be rendered (e.g. duplicate recording rule names or
 * panel ids, which lint reports as well). */
g6_status g6_spec_generate(const g6_spec *s, g6_spec_output *out,
                           g6_error *err);
void g6_spec_output_free(g6_spec_output *o);
const g6_spec_file *g6_spec_output_find(const g6_spec_output *o,
                                        const char *path);

/* Writes every file under `root` (atomically each; directories created). */
g6_status g6_spec_output_write(const g6_spec_output *o, const char *root,
                               g6_error *err);

/* Individual renderers (used by g6_spec_generate; exposed for tests). */
g6_status g6_spec_gen_types_db(const g6_spec *s, g6_buf *out);
g6_status g6_spec_gen_c_header(const g6_spec *s, g6_buf *out);
g6_status g6_spec_gen_c_source(const g6_spec *s, g6_buf *out);
g6_status g6_spec_gen_catalog(const g6_spec *s, g6_buf *out);
/* conf.d/g6_aggregation.conf: one <Aggregation> per metric with
 * `aggregates`, at G6_SPEC_COLLECTD_INTERVAL. */
g6_status g6_spec_gen_aggregation_conf(const g6_spec *s, g6_buf *out);
g6_status g6_spec_gen_prometheus(const g6_spec *s, g6_spec_output *out,
                                 g6_error *err);
g6_status g6_spec_gen_grafana(const g6_spec *s, g6_spec_output *out,
                              g6_error *err);

/* Adds a file to an output (takes a copy of the text). */
g6_status g6_spec_output_add(g6_spec_output *o, const char *path,
                             g6_spec_artifact kind, const char *text,
                             size_t len);

/* ---- panels, inventory and drift -------------------------------------- */

/* One dashboard panel as the inventory sees it. */
typedef struct g6_spec_inv_row {
  char *slug, *title, *metric, *source, *uuid;
} g6_spec_inv_row;

typedef struct g6_spec_inventory {
  g6_spec_inv_row *rows;
  size_t n;
} g6_spec_inventory;

/* Inventory of the panels of every dashboard generated from the spec
 * (slug,title,metric,source,panel_uuid; in dashboard and panel order). */
g6_status g6_spec_inventory_build(const g6_spec *s, g6_spec_inventory *inv,
                                  g6_error *err);
void g6_spec_inventory_free(g6_spec_inventory *inv);
/* format: "csv" (with header) or "jsonl". G6_EINVAL for other formats. */
g6_status g6_spec_inventory_write(const g6_spec_inventory *inv,
                                  const char *format, g6_buf *out);
/* Parses an inventory written by g6_spec_inventory_write (either format,
 * detected from the first byte). */
g6_status g6_spec_inventory_parse(const char *text, size_t len,
                                  g6_spec_inventory *inv, g6_error *err);
/* Compares two inventories keyed by panel_uuid: appends "added", "removed"
 * and "renamed" lines to `report`; returns the number of differences. */
size_t g6_spec_inventory_diff(const g6_spec_inventory *old_inv,
                              const g6_spec_inventory *new_inv, g6_buf *report);

/* Semantic drift between a committed dashboard JSON and the regenerated one:
 * panels compared by signature (type, title, sorted expressions, datasource
 * type, unit); a removed and an added panel with the same title count as
 * "changed". Appends one line per panel ("added: <slug>: <title>", ...).
 * Returns the number of panel differences; *other is set when the files
 * differ otherwise (layout, metadata) or `old_text` is unreadable JSON. */
size_t g6_spec_dashboard_diff(const char *slug, const char *old_text,
                              size_t old_len, const char *new_text,
                              size_t new_len, g6_buf *report, bool *other);

/* Machine-readable list of what a running system must export, one JSON
 * object per line: kind "series" (every exported series name with its label
 * names, metric, owner plugin and closed/warm label values), "rule" (every
 * recording rule with the owners of the metrics it reads) and "query" (every
 * dashboard target, with variables substituted for a test). */
g6_status g6_spec_inventory_metrics(const g6_spec *s, g6_buf *out,
                                    g6_error *err);

/* Every dashboard expression as a Prometheus rule file (record
 * g6_dashboard_expr_<n>, variables substituted) so `promtool check rules`
 * parse-checks them. */
g6_status g6_spec_dashboard_exprs_as_rules(const g6_spec *s, g6_buf *out,
                                           g6_error *err);

/* ---- check ------------------------------------------------------------ */

/* Exit statuses of `g6 spec check` (drift) and `inventory-diff`, as the seed
 * platform numbered them, plus 10 for everything else generated. */
enum {
  G6_SPEC_EXIT_DASHBOARDS = 6,
  G6_SPEC_EXIT_INVENTORY = 7,
  G6_SPEC_EXIT_RULES = 8,
  G6_SPEC_EXIT_ALERTS = 9,
  G6_SPEC_EXIT_OTHER = 10, /* types.db, C code, catalog, scrape, provisioning */
};

/* Compares the rendered output with the files under `root`: one report line
 * per drift (dashboards: each added/removed/changed panel title; other files:
 * missing or stale, with the first differing line; stale dashboards on disk
 * that no plan generates). Returns 0 when everything matches, else the exit
 * code of the first drifting category in the order dashboards (6), rules (8),
 * alerts (9), other (10). Never writes. */
int g6_spec_check(const g6_spec_output *o, const char *root, g6_buf *report);

#endif
