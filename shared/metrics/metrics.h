/* g6 — the metric runtime behind the generated helpers (metrics/metrics_gen.h).
 *
 * A plugin never spells a metric name: it calls the typed helpers generated
 * from spec/metrics.yml (g6m_<metric>_set/_add/_observe), which land here.
 * The runtime keeps every admitted series (gauge value, counter total,
 * histogram buckets/sum/count) and g6_metrics_flush() dispatches all of them
 * once per read cycle through a sink, so:
 *
 *   - libg6 stays free of collectd symbols: the collectd sink
 *     (plugins/common/metrics_sink.c) is plugin_dispatch_values + plugin_log;
 *     unit tests use a recording sink;
 *   - counters are cumulative DERIVEs, histograms are cumulative bucket
 *     DERIVEs (type_instance = upper bound, "+Inf" last) + a DERIVE count + a
 *     GAUGE sum (DERIVE is an integer; the sum of seconds is not);
 *   - a counter or histogram series is dispatched at 0 the first time,
 *     whatever it counted before that flush, and with its totals from the
 *     next flush on: Prometheus' increase() and rate() count the rises
 *     between samples, so a series first exported at 3 is 3 events they
 *     never see (and an alert on them never fires for). The first cycle of
 *     a collector ends before the first read, and series are born later
 *     (an index found, a date-pinned expiry, a new failure cause); what
 *     they counted goes out one flush late, never lost;
 *   - warm start: g6_metrics_warm*() admits series so they are dispatched
 *     from the first cycle, before anything happened: counters and
 *     histograms at zero (nothing counted yet is a true 0), gauges at NaN
 *     (a value nobody computed yet is unknown, and an unknown value is
 *     NaN, never 0: write_prometheus exports it as NaN; docs/ARCHITECTURE.md,
 *     "Nothing is invented"); a plugin sets the gauges it knows;
 *   - the cardinality guard refuses a label set beyond the metric's budget,
 *     outside a closed value set, empty, longer than 63 bytes, containing '/',
 *     or of a metric another plugin owns; refusals are counted in
 *     collectd_g6_metrics_refusals_total{g6_metrics=<owner>,type=<reason>}
 *     and logged once per metric, never per call;
 *   - dispatch failures are counted in
 *     collectd_g6_metrics_dispatch_failures_total and logged once per metric.
 *
 *   - a run that computes many values with I/O in between (an analytics run,
 *     a collection cycle) stores them in a stage (g6_metrics_stage_new) and
 *     publishes them with g6_metrics_commit: a flush sees all of a run's
 *     values or none, and never waits for the run's I/O or math, only for
 *     the commit (the run's updates applied in memory).
 *
 * Thread safety: every function may be called from several collectd read
 * threads at once on the same g6_metrics (one mutex; flush dispatches under
 * it, so two flushes never interleave their values of one series). */
#ifndef G6_METRICS_H
#define G6_METRICS_H

#include "core/status.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum g6_metric_kind {
  G6_METRIC_GAUGE,
  G6_METRIC_COUNTER,
  G6_METRIC_HISTOGRAM
} g6_metric_kind;

/* The value set of a label (generated from the spec's domains). */
typedef struct g6_metric_domain {
  const char *name;
  const char *const *values; /* warm-start values; the closed set if !open */
  size_t n_values;
  bool open;
  size_t max;
} g6_metric_domain;

/* One metric's identity (generated; never built by hand in plugins). */
typedef struct g6_metric_def {
  const char *name;     /* spec name, e.g. "api_calls" */
  const char *owner;    /* plugin that dispatches it, "*" for every plugin */
  const char *plugin;   /* vl.plugin */
  const char *type;     /* vl.type (histograms: the base name) */
  const char *exported; /* exported name (histograms: base name) */
  g6_metric_kind kind;
  const g6_metric_domain *pi; /* plugin_instance label, or NULL */
  const g6_metric_domain *ti; /* type_instance label, or NULL */
  size_t budget;              /* label sets allowed */
  const double *buckets;      /* histograms: upper bounds, no +Inf */
  const char *const *bucket_labels; /* n_buckets + 1 ("+Inf" last) */
  size_t n_buckets;
  const char *type_bucket, *type_count, *type_sum; /* histograms */
  const char *unit;   /* the spec's unit: "points", "seconds", "legs", ... */
  const char *family; /* the spec family (what a dashboard plan lists) */
} g6_metric_def;

/* A dashboard plan of spec/plans.yml (generated): one dashboard, showing the
 * metrics of the listed families (g6_metric_def.family). */
typedef struct g6_metric_plan {
  const char *slug;  /* grafana/dashboards/<slug>.json, uid g6-<slug> */
  const char *title;
  const char *const *families;
  size_t n_families;
} g6_metric_plan;

/* What a sink receives: one collectd value list with one value. */
typedef struct g6_metrics_vl {
  const char *plugin, *plugin_instance, *type, *type_instance; /* "" if none */
  bool is_gauge;
  double gauge;
  int64_t derive;
} g6_metrics_vl;

enum { G6_METRICS_LOG_ERR = 3, G6_METRICS_LOG_WARNING = 4,
       G6_METRICS_LOG_INFO = 6 };

typedef struct g6_metrics_sink {
  /* Returns 0 when the value was accepted. */
  int (*dispatch)(void *ctx, const g6_metrics_vl *vl);
  /* level: G6_METRICS_LOG_*; msg has no trailing newline. May be NULL. */
  void (*log)(void *ctx, int level, const char *msg);
  void *ctx;
} g6_metrics_sink;

typedef struct g6_metrics g6_metrics;

/* A runtime for the plugin `owner` (e.g. "g6_chain"; it becomes the
 * g6_metrics label of the self-metrics, which are admitted at once). The
 * sink is copied. NULL when out of memory or owner is not a plugin name of
 * the spec's owner_plugin domain. */
g6_metrics *g6_metrics_new(const char *owner, const g6_metrics_sink *sink);
void g6_metrics_free(g6_metrics *m);

/* Typed updates. pi / ti are the label values (NULL for a label the metric
 * does not have). They return G6_OK, or G6_ERANGE when the guard refused the
 * label set (counted and logged once per metric), G6_EINVAL for a wrong kind
 * or a negative counter increment (counted as refusal "invalid"), G6_ENOMEM.
 * They never dispatch: g6_metrics_flush does. */
g6_status g6_metrics_gauge_set(g6_metrics *m, const g6_metric_def *def,
                               const char *pi, const char *ti, double v);
g6_status g6_metrics_counter_add(g6_metrics *m, const g6_metric_def *def,
                                 const char *pi, const char *ti, int64_t n);
/* Histograms: one observation (NaN is refused as invalid). */
g6_status g6_metrics_observe(g6_metrics *m, const g6_metric_def *def,
                             const char *pi, double v);

/* Histograms: adds observations that were aggregated elsewhere (the Kite
 * client keeps its own). `counts` holds n_bounds + 1 per-bucket counts (not
 * cumulative; the last is above every bound) over `bounds`, which must equal
 * the metric's buckets exactly (else G6_EINVAL, counted as refusal
 * "invalid"); `sum` is the sum of the observations. */
g6_status g6_metrics_histogram_add(g6_metrics *m, const g6_metric_def *def,
                                   const char *pi, const double *bounds,
                                   size_t n_bounds, const uint64_t *counts,
                                   double sum);

/* Admits one series (no-op when it exists): a counter or histogram at zero,
 * a gauge at NaN. Same errors as above. */
g6_status g6_metrics_warm(g6_metrics *m, const g6_metric_def *def,
                          const char *pi, const char *ti);

/* Values of one label domain supplied by the plugin for warm start (index
 * names from its configuration). */
typedef struct g6_metrics_domain_values {
  const char *domain;
  const char *const *values;
  size_t n;
} g6_metrics_domain_values;

/* Warm start of every metric in `defs` owned by this runtime's owner: admits
 * the cross product of its label values, taking a domain's values from
 * `given` when listed there, else from the spec. A metric with an open
 * domain that has neither is skipped and counted in *skipped (may be NULL).
 * Returns the first error (the other series are still admitted). */
g6_status g6_metrics_warm_owner(g6_metrics *m,
                                const g6_metric_def *const *defs, size_t n_defs,
                                const g6_metrics_domain_values *given,
                                size_t n_given, size_t *skipped);

/* Stops dispatching a series (e.g. an expiry that no longer exists); its
 * slot in the budget is freed. G6_ENOENT when it was not admitted. */
g6_status g6_metrics_forget(g6_metrics *m, const g6_metric_def *def,
                            const char *pi, const char *ti);

/* ---- publishing a run whole -------------------------------------------- */

/* A stage of `target`: a runtime whose updates (set, add, observe,
 * histogram_add, warm, warm_owner, forget) are recorded, not applied, until
 * g6_metrics_commit applies them all to `target` at once, in order, under
 * the target's lock. Until then a flush of `target` dispatches what the
 * previous commit left, untouched. An update of a stage returns G6_OK when
 * recorded (G6_ENOMEM when not; G6_EINVAL for NULL arguments): the guard
 * judges it at the commit, which counts and logs refusals as the target
 * would. A stage's introspection (g6_metrics_value, ..._count) reports its
 * target's published state; flushing a stage dispatches nothing.
 * NULL when out of memory or `target` is NULL or itself a stage. Free a
 * stage (g6_metrics_free; uncommitted updates are dropped) before its
 * target. A stage is meant for one writer at a time (it has its own lock,
 * so two writers are safe, but their runs interleave in one commit). */
g6_metrics *g6_metrics_stage_new(g6_metrics *target);

/* Applies every update recorded in `stage` since the last commit to its
 * target in one critical section, then empties the stage. Returns the
 * first error: an update the guard refused (G6_ERANGE, G6_EINVAL), or one
 * that could not be recorded (G6_ENOMEM: lost); the others are applied
 * all the same. Forgetting a series that does not exist is not an error
 * here. G6_EINVAL when stage is not a stage. */
g6_status g6_metrics_commit(g6_metrics *stage);

/* Drops the updates recorded since the last commit. Not a stage: no-op. */
void g6_metrics_stage_discard(g6_metrics *stage);

/* Dispatches every admitted series, in admission order (a counter or
 * histogram at 0 until it was dispatched once, see above). Returns the
 * number of failed dispatches of this flush. */
size_t g6_metrics_flush(g6_metrics *m);

/* Introspection (tests, debugging): the value of a series (gauge value,
 * counter total, histogram count; not what a flush dispatches at its birth)
 * — false when not admitted. */
bool g6_metrics_value(g6_metrics *m, const g6_metric_def *def, const char *pi,
                      const char *ti, double *out);
/* Admitted series of one metric (NULL: all metrics). */
size_t g6_metrics_series_count(g6_metrics *m, const g6_metric_def *def);
/* Refusals so far with reason "budget", "unknown_value" or "invalid"
 * (NULL: all reasons). */
uint64_t g6_metrics_refusal_count(g6_metrics *m, const char *reason);
uint64_t g6_metrics_dispatch_failure_count(g6_metrics *m);

#endif
