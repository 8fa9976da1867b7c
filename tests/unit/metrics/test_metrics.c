/* The metric runtime (metrics/metrics.h) through the generated helpers: values,
 * cumulative counters and histograms, the cardinality guard, warm start,
 * dispatch failures logged once, and concurrent use from several threads. */
#include "g6_test.h"

#include "collector/analyzer.h"
#include "config/chain.h"
#include "config/panels.h"
#include "market/chain.h"
#include "metrics/metrics.h"
#include "metrics/metrics_gen.h"
#include "market/kite_stats.h"
#include "math/analytics.h"
#include "math/arbitrage.h"
#include "math/chain_report.h"
#include "math/desk.h"
#include "store/integrity.h"
#include "store/retention.h"
#include "store/snapshot_read.h"

#include <pthread.h>

/* ---- a recording sink -------------------------------------------------- */

typedef struct rec_vl {
  char plugin[64], pi[64], type[64], ti[64];
  bool gauge;
  double g;
  int64_t d;
} rec_vl;

typedef struct rec {
  pthread_mutex_t lock;
  rec_vl *v;
  size_t n, cap;
  int logs;
  char last_log[800];
  const char *fail_type; /* dispatch of this type fails */
} rec;

static int rec_dispatch(void *ctx, const g6_metrics_vl *vl) {
  rec *r = ctx;
  pthread_mutex_lock(&r->lock);
  if (r->n == r->cap) {
    r->cap = r->cap ? r->cap * 2 : 256;
    r->v = realloc(r->v, r->cap * sizeof(*r->v));
  }
  rec_vl *x = &r->v[r->n++];
  snprintf(x->plugin, sizeof(x->plugin), "%s", vl->plugin);
  snprintf(x->pi, sizeof(x->pi), "%s", vl->plugin_instance);
  snprintf(x->type, sizeof(x->type), "%s", vl->type);
  snprintf(x->ti, sizeof(x->ti), "%s", vl->type_instance);
  x->gauge = vl->is_gauge;
  x->g = vl->gauge;
  x->d = vl->derive;
  int fail = r->fail_type && strcmp(r->fail_type, vl->type) == 0;
  pthread_mutex_unlock(&r->lock);
  return fail ? -1 : 0;
}

static void rec_log(void *ctx, int level, const char *msg) {
  rec *r = ctx;
  (void)level;
  pthread_mutex_lock(&r->lock);
  r->logs++;
  snprintf(r->last_log, sizeof(r->last_log), "%s", msg);
  pthread_mutex_unlock(&r->lock);
}

static rec *R;
static g6_metrics *M;

static int setup(void **state) {
  (void)state;
  R = calloc(1, sizeof(*R));
  pthread_mutex_init(&R->lock, NULL);
  g6_metrics_sink sink = {rec_dispatch, rec_log, R};
  M = g6_metrics_new("g6_chain", &sink);
  if (M == NULL)
    return -1;
  /* a plugin's first read: its self-metrics are born (dispatched at 0) */
  g6_metrics_flush(M);
  R->n = 0;
  return 0;
}

static int teardown(void **state) {
  (void)state;
  g6_metrics_free(M);
  free(R->v);
  pthread_mutex_destroy(&R->lock);
  free(R);
  return 0;
}

static void flush(void) {
  R->n = 0;
  g6_metrics_flush(M);
}

/* Flushes twice: the first dispatch of a counter or histogram series is its
 * birth at 0, the second has its totals (metrics/metrics.h). */
static void flush_counted(void) {
  flush();
  flush();
}

static const rec_vl *find(const char *type, const char *pi, const char *ti) {
  for (size_t i = 0; i < R->n; i++)
    if (strcmp(R->v[i].type, type) == 0 && strcmp(R->v[i].pi, pi) == 0 &&
        strcmp(R->v[i].ti, ti) == 0)
      return &R->v[i];
  return NULL;
}

/* ---- tests ------------------------------------------------------------- */

static void rejects_unknown_owner(void **state) {
  (void)state;
  g6_metrics_sink sink = {rec_dispatch, rec_log, R};
  assert_null(g6_metrics_new("g6_nonesuch", &sink));
  assert_null(g6_metrics_new(NULL, &sink));
  g6_metrics_sink nodispatch = {NULL, NULL, NULL};
  assert_null(g6_metrics_new("g6_chain", &nodispatch));
}

static void self_metrics_warm_from_creation(void **state) {
  (void)state;
  assert_int_equal(g6_metrics_series_count(M, NULL), 5);
  flush();
  const rec_vl *v = find("refusals", "g6_chain", "budget");
  assert_non_null(v);
  assert_string_equal(v->plugin, "g6_metrics");
  assert_false(v->gauge);
  assert_int_equal(v->d, 0);
  assert_non_null(find("refusals", "g6_chain", "unknown_value"));
  assert_non_null(find("refusals", "g6_chain", "invalid"));
  assert_non_null(find("dispatch_failures", "g6_chain", ""));
  v = find("admitted_series", "g6_chain", "");
  assert_non_null(v);
  assert_true(v->gauge);
  assert_close(v->g, 5.0, 0);
}

static void gauge_with_two_labels(void **state) {
  (void)state;
  assert_int_equal(g6m_put_call_ratio_set(M, "NIFTY", "this_week", 1.25),
                   G6_OK);
  assert_int_equal(g6m_put_call_ratio_set(M, "NIFTY", "this_week", 0.75),
                   G6_OK);
  /* a date-pinned expiry: the expiry domain is open */
  assert_int_equal(g6m_put_call_ratio_set(M, "NIFTY", "2025-01-30", 1.0),
                   G6_OK);
  flush();
  const rec_vl *v = find("put_call_ratio", "NIFTY", "this_week");
  assert_non_null(v);
  assert_string_equal(v->plugin, "g6_index");
  assert_true(v->gauge);
  assert_close(v->g, 0.75, 0);
  assert_non_null(find("put_call_ratio", "NIFTY", "2025-01-30"));
  /* dispatched again on every flush, unchanged */
  flush();
  assert_close(find("put_call_ratio", "NIFTY", "this_week")->g, 0.75, 0);
}

static void counter_is_cumulative(void **state) {
  (void)state;
  assert_int_equal(g6m_api_calls_add(M, "quote", "ok", 3), G6_OK);
  flush_counted();
  assert_int_equal(find("calls", "quote", "ok")->d, 3);
  assert_int_equal(g6m_api_calls_add(M, "quote", "ok", 2), G6_OK);
  assert_int_equal(g6m_api_calls_add(M, "quote", "timeout", 1), G6_OK);
  flush_counted();
  const rec_vl *v = find("calls", "quote", "ok");
  assert_string_equal(v->plugin, "g6_api");
  assert_false(v->gauge);
  assert_int_equal(v->d, 5);
  assert_int_equal(find("calls", "quote", "timeout")->d, 1);
  /* label-less counter on the same runtime */
  assert_int_equal(g6m_api_auth_latch_set(M, 1), G6_OK);
  flush();
  assert_close(find("auth_latch_state", "", "")->g, 1.0, 0);
}

static void histogram_buckets_sum_count(void **state) {
  (void)state;
  /* buckets 0.005 0.01 0.025 0.05 0.1 0.25 0.5 1 2 4 8 16 */
  assert_int_equal(g6m_api_latency_observe(M, "quote", 0.03), G6_OK);
  assert_int_equal(g6m_api_latency_observe(M, "quote", 0.25), G6_OK); /* le */
  assert_int_equal(g6m_api_latency_observe(M, "quote", 20), G6_OK);
  flush_counted();
  static const struct {
    const char *le;
    int64_t cum;
  } want[] = {{"0.005", 0}, {"0.01", 0}, {"0.025", 0}, {"0.05", 1},
              {"0.1", 1},   {"0.25", 2}, {"0.5", 2},   {"1", 2},
              {"2", 2},     {"4", 2},    {"8", 2},     {"16", 2},
              {"+Inf", 3}};
  for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
    const rec_vl *v = find("latency_seconds_bucket", "quote", want[i].le);
    assert_non_null(v);
    assert_false(v->gauge);
    if (v->d != want[i].cum)
      fail_msg("bucket le=%s: %lld, want %lld", want[i].le, (long long)v->d,
               (long long)want[i].cum);
  }
  assert_int_equal(find("latency_seconds_count", "quote", "")->d, 3);
  const rec_vl *sum = find("latency_seconds_sum", "quote", "");
  assert_true(sum->gauge); /* DERIVE is an integer; the sum is not */
  assert_close(sum->g, 20.28, 1e-12);
  assert_int_equal(g6m_api_latency_observe(M, "quote", NAN), G6_EINVAL);
}

/* Observations aggregated elsewhere (the Kite client's histograms) merge into
 * the same series; bounds that differ from the spec's are refused. */
static void histogram_add_merges_counts(void **state) {
  (void)state;
  const g6_metric_def *d = &g6m_def_api_latency;
  uint64_t counts[13] = {0};
  counts[0] = 2;  /* <= 0.005 */
  counts[3] = 1;  /* <= 0.05 */
  counts[12] = 1; /* > 16 */
  assert_int_equal(g6m_api_latency_observe(M, "ltp", 0.004), G6_OK);
  assert_int_equal(g6_metrics_histogram_add(M, d, "ltp", d->buckets,
                                            d->n_buckets, counts, 17.5),
                   G6_OK);
  flush_counted();
  assert_int_equal(find("latency_seconds_bucket", "ltp", "0.005")->d, 3);
  assert_int_equal(find("latency_seconds_bucket", "ltp", "0.05")->d, 4);
  assert_int_equal(find("latency_seconds_bucket", "ltp", "16")->d, 4);
  assert_int_equal(find("latency_seconds_bucket", "ltp", "+Inf")->d, 5);
  assert_int_equal(find("latency_seconds_count", "ltp", "")->d, 5);
  assert_close(find("latency_seconds_sum", "ltp", "")->g, 17.504, 1e-12);
  double other[12];
  memcpy(other, d->buckets, sizeof(other));
  other[5] = 0.3;
  uint64_t before = g6_metrics_refusal_count(M, "invalid");
  assert_int_equal(g6_metrics_histogram_add(M, d, "ltp", other, d->n_buckets,
                                            counts, 1.0),
                   G6_EINVAL);
  assert_int_equal(g6_metrics_histogram_add(M, d, "ltp", d->buckets, 5,
                                            counts, 1.0),
                   G6_EINVAL);
  assert_int_equal(g6_metrics_histogram_add(M, &g6m_def_index_spot, "NIFTY",
                                            d->buckets, d->n_buckets, counts,
                                            1.0),
                   G6_EINVAL);
  assert_int_equal(g6_metrics_refusal_count(M, "invalid"), before + 3);
  flush();
  assert_int_equal(find("latency_seconds_count", "ltp", "")->d, 5);
}

static void closed_domain_refused_logged_once(void **state) {
  (void)state;
  assert_int_equal(g6m_api_calls_add(M, "quotes", "ok", 1), G6_ERANGE);
  assert_int_equal(g6m_api_calls_add(M, "quote", "okay", 1), G6_ERANGE);
  assert_int_equal(g6m_api_calls_add(M, "quote", "oK", 1), G6_ERANGE);
  assert_int_equal(g6_metrics_refusal_count(M, "unknown_value"), 3);
  assert_int_equal(R->logs, 1); /* once per metric, not per call */
  assert_non_null(strstr(R->last_log, "api_calls"));
  assert_non_null(strstr(R->last_log, "collectd_g6_api_calls_total"));
  flush();
  assert_int_equal(find("refusals", "g6_chain", "unknown_value")->d, 3);
  assert_null(find("calls", "quotes", "ok"));
  /* another metric logs its own first refusal */
  assert_int_equal(g6m_api_retries_add(M, "quote", "ok", 1), G6_ERANGE);
  assert_int_equal(R->logs, 2);
}

static void budget_refuses_beyond(void **state) {
  (void)state;
  char name[16];
  const int budget = (int)g6m_def_index_spot.budget;
  for (int i = 0; i < budget; i++) {
    snprintf(name, sizeof(name), "IDX%d", i);
    assert_int_equal(g6m_index_spot_set(M, name, 100.0 + i), G6_OK);
  }
  char beyond[16];
  snprintf(beyond, sizeof(beyond), "IDX%d", budget);
  assert_int_equal(g6m_index_spot_set(M, beyond, 1.0), G6_ERANGE);
  assert_int_equal(g6m_index_spot_set(M, "IDX3", 7.0), G6_OK); /* existing */
  assert_int_equal(g6_metrics_refusal_count(M, "budget"), 1);
  assert_int_equal(g6_metrics_series_count(M, &g6m_def_index_spot),
                   (size_t)budget);
  assert_non_null(strstr(R->last_log, "budget"));
  /* forgetting a series frees its slot */
  assert_int_equal(g6_metrics_forget(M, &g6m_def_index_spot, "IDX0", NULL),
                   G6_OK);
  assert_int_equal(g6_metrics_forget(M, &g6m_def_index_spot, "IDX0", NULL),
                   G6_ENOENT);
  assert_int_equal(g6m_index_spot_set(M, beyond, 1.0), G6_OK);
  flush();
  assert_null(find("spot_points", "IDX0", ""));
  assert_non_null(find("spot_points", beyond, ""));
  assert_int_equal(find("refusals", "g6_chain", "budget")->d, 1);
}

static void invalid_values_refused(void **state) {
  (void)state;
  char longname[80];
  memset(longname, 'A', sizeof(longname) - 1);
  longname[sizeof(longname) - 1] = '\0';
  static const struct {
    const char *name, *index;
  } bad[] = {{"empty", ""}, {"slash", "NIFTY/50"}, {"null", NULL}};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    if (g6m_index_spot_set(M, bad[i].index, 1.0) != G6_EINVAL)
      fail_msg("%s index accepted", bad[i].name);
  assert_int_equal(g6m_index_spot_set(M, longname, 1.0), G6_EINVAL);
  /* a metric another plugin owns */
  assert_int_equal(g6m_max_pain_set(M, "NIFTY", "this_week", 1.0), G6_EINVAL);
  /* wrong kind, negative increment */
  assert_int_equal(g6_metrics_counter_add(M, &g6m_def_index_spot, "NIFTY",
                                          NULL, 1),
                   G6_EINVAL);
  assert_int_equal(g6m_api_calls_add(M, "quote", "ok", -1), G6_EINVAL);
  assert_int_equal(g6_metrics_refusal_count(M, "invalid"), 7);
  assert_int_equal(g6_metrics_series_count(M, &g6m_def_index_spot), 0);
}

static void warm_start_every_series(void **state) {
  (void)state;
  const char *idx[] = {"NIFTY", "BANKNIFTY"};
  assert_int_equal(g6m_warm_g6_chain(M, idx, 2), G6_OK);
  /* closed x closed, index x expiry tags, index only */
  assert_int_equal(g6_metrics_series_count(M, &g6m_def_api_calls), 4 * 17);
  assert_int_equal(g6_metrics_series_count(M, &g6m_def_put_call_ratio), 2 * 4);
  assert_int_equal(g6_metrics_series_count(M, &g6m_def_rejected_legs), 2 * 7);
  assert_int_equal(g6_metrics_series_count(M, &g6m_def_cycle_duration), 2);
  assert_int_equal(g6_metrics_series_count(M, &g6m_def_api_auth_latch), 1);
  assert_int_equal(g6_metrics_series_count(M, &g6m_def_max_pain), 0);
  assert_int_equal(g6_metrics_refusal_count(M, NULL), 0);
  flush();
  const rec_vl *v = find("calls", "session", "toobig");
  assert_non_null(v);
  assert_int_equal(v->d, 0);
  v = find("cycle_seconds_bucket", "BANKNIFTY", "+Inf");
  assert_non_null(v);
  assert_int_equal(v->d, 0);
  assert_non_null(find("chain_status", "NIFTY", "next_month"));
  assert_non_null(find("written_rows", "NIFTY", "overview"));
  /* a gauge nobody set is unknown: NaN, never 0 (counters are 0) */
  v = find("put_call_ratio", "NIFTY", "this_week");
  assert_non_null(v);
  assert_true(v->gauge && isnan(v->g));
  v = find("spot_points", "BANKNIFTY", "");
  assert_true(v != NULL && isnan(v->g));
  v = find("admitted_series", "g6_chain", "");
  assert_true(v != NULL && v->g > 100); /* a count, from the start */
  /* idempotent, and values survive a second warm start */
  assert_int_equal(g6m_api_calls_add(M, "quote", "ok", 2), G6_OK);
  assert_int_equal(g6m_warm_g6_chain(M, idx, 2), G6_OK);
  double d;
  assert_true(g6_metrics_value(M, &g6m_def_api_calls, "quote", "ok", &d));
  assert_close(d, 2, 0);
  /* without the index names, per-index metrics are skipped, not guessed */
  size_t skipped = 0;
  g6_metrics_sink sink = {rec_dispatch, rec_log, R};
  g6_metrics *m2 = g6_metrics_new("g6_analytics", &sink);
  assert_int_equal(g6_metrics_warm_owner(m2, g6m_catalog, g6m_catalog_len,
                                         NULL, 0, &skipped),
                   G6_OK);
  assert_int_equal(skipped, 38); /* every g6_analytics metric is per index */
  g6_metrics_free(m2);
}

static void dispatch_failures_counted_logged_once(void **state) {
  (void)state;
  assert_int_equal(g6m_index_spot_set(M, "NIFTY", 1.0), G6_OK);
  assert_int_equal(g6m_index_atm_set(M, "NIFTY", 1.0), G6_OK);
  R->fail_type = "spot_points";
  assert_int_equal(g6_metrics_flush(M), 1);
  assert_int_equal(g6_metrics_flush(M), 1);
  assert_int_equal(g6_metrics_dispatch_failure_count(M), 2);
  assert_int_equal(R->logs, 1);
  assert_non_null(strstr(R->last_log, "index_spot"));
  R->fail_type = NULL;
  flush();
  assert_int_equal(find("dispatch_failures", "g6_chain", "")->d, 2);
}

/* The label domains hold as many values as the configuration admits: an
 * index the plugins accept but the budgets do not has every series refused
 * (no metric, no alert for it). Regression: the index domain allowed 10
 * while g6_chain and g6_analytics accept 16 indices. */
static void domains_cover_configuration_limits(void **state) {
  (void)state;
  assert_true(g6m_domain_index.max >= G6_CHAIN_MAX_INDICES);
  assert_true(g6m_domain_index.max >= G6_ANALYZER_MAX_INDICES);
  assert_true(g6m_domain_expiry.max >= G6_MAX_EXPIRIES);
  /* one CSV family per expiry tag plus the overview */
  assert_true(g6m_domain_csv_file.max >= G6_MAX_EXPIRIES + 1);
  /* the tallied indices plus "(none)" and "(other)" */
  assert_true(g6m_domain_storage_index.max >= G6_RETENTION_MAX_INDICES + 2);
}

/* Warm start of the most indices the configuration accepts, each with the
 * most expiries, refuses nothing, and every index's series are there. */
static void warm_start_most_indices_refuses_nothing(void **state) {
  (void)state;
  enum {
    N = G6_CHAIN_MAX_INDICES > G6_ANALYZER_MAX_INDICES ? G6_CHAIN_MAX_INDICES
                                                       : G6_ANALYZER_MAX_INDICES
  };
  char names[N][16];
  const char *idx[N];
  for (int i = 0; i < N; i++) {
    snprintf(names[i], sizeof(names[i]), "IDX%d", i);
    idx[i] = names[i];
  }
  assert_int_equal(g6m_warm_g6_chain(M, idx, G6_CHAIN_MAX_INDICES), G6_OK);
  assert_int_equal(g6_metrics_refusal_count(M, NULL), 0);
  const char *last = idx[G6_CHAIN_MAX_INDICES - 1];
  double v;
  assert_true(g6_metrics_value(M, &g6m_def_cycles, last, "ok", &v));
  assert_true(
      g6_metrics_value(M, &g6m_def_put_call_ratio, last, "next_month", &v));
  /* and as many expiry labels as an index may have: its 4 tags (warm)
   * and date-pinned rules up to G6_MAX_EXPIRIES rules */
  for (int e = 0; e < G6_MAX_EXPIRIES - 4; e++) {
    char date[24];
    snprintf(date, sizeof(date), "2031-01-%02d", e + 1);
    for (int i = 0; i < G6_CHAIN_MAX_INDICES; i++)
      assert_int_equal(g6m_legs_collected_set(M, idx[i], date, 1), G6_OK);
  }

  g6_metrics_sink sink = {rec_dispatch, rec_log, R};
  g6_metrics *a = g6_metrics_new("g6_analytics", &sink);
  assert_non_null(a);
  g6_metrics_domain_values given = {"index", idx, G6_ANALYZER_MAX_INDICES};
  assert_int_equal(
      g6_metrics_warm_owner(a, g6m_catalog, g6m_catalog_len, &given, 1, NULL),
      G6_OK);
  assert_int_equal(g6_metrics_refusal_count(a, NULL), 0);
  assert_true(g6_metrics_value(a, &g6m_def_bucket_contracts,
                               idx[G6_ANALYZER_MAX_INDICES - 1], "atm.short",
                               &v));
  g6_metrics_free(a);
}

/* g6_panels keeps the latest value of every g6 series (metrics/latest.h),
 * at most MaxSeries of them: its default holds every series the budgets
 * allow (a histogram is its buckets, +Inf, count and sum), so a host at
 * the configuration's limits loses no panel figure. */
static void panels_max_series_default_holds_every_budget(void **state) {
  (void)state;
  size_t values = 0;
  for (size_t i = 0; i < g6m_catalog_len; i++) {
    const g6_metric_def *d = g6m_catalog[i];
    values +=
        d->budget * (d->kind == G6_METRIC_HISTOGRAM ? d->n_buckets + 3 : 1);
  }
  const char *def = NULL;
  for (size_t i = 0; i < g6_panels_options.n; i++)
    if (strcmp(g6_panels_options.options[i].name, "MaxSeries") == 0)
      def = g6_panels_options.options[i].def;
  assert_non_null(def);
  assert_true(values <= (size_t)strtoul(def, NULL, 10));
}

typedef struct worker {
  int id;
} worker;

static void *work(void *arg) {
  worker *w = arg;
  char idx[16];
  snprintf(idx, sizeof(idx), "IDX%d", w->id);
  for (int i = 0; i < 20000; i++) {
    g6m_api_calls_add(M, "quote", "ok", 1);
    g6m_api_latency_observe(M, "quote", 0.001 * (i % 100));
    g6m_index_spot_set(M, idx, i);
    if (i % 1000 == 0)
      g6_metrics_flush(M);
  }
  return NULL;
}

static void concurrent_threads(void **state) {
  (void)state;
  pthread_t th[4];
  worker w[4];
  for (int i = 0; i < 4; i++) {
    w[i].id = i;
    assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
  }
  for (int i = 0; i < 4; i++)
    pthread_join(th[i], NULL);
  flush();
  assert_int_equal(find("calls", "quote", "ok")->d, 80000);
  assert_int_equal(find("latency_seconds_count", "quote", "")->d, 80000);
  assert_int_equal(find("latency_seconds_bucket", "quote", "+Inf")->d, 80000);
  for (int i = 0; i < 4; i++) {
    char idx[16];
    snprintf(idx, sizeof(idx), "IDX%d", i);
    assert_close(find("spot_points", idx, "")->g, 19999, 0);
  }
  assert_int_equal(g6_metrics_refusal_count(M, NULL), 0);
}

static void catalog_matches_spec(void **state) {
  (void)state;
  assert_true(g6m_catalog_len >= 60);
  for (size_t i = 0; i < g6m_catalog_len; i++) {
    const g6_metric_def *d = g6m_catalog[i];
    assert_non_null(d->exported);
    assert_true(strncmp(d->exported, "collectd_g6", 11) == 0);
    assert_true(d->budget >= 1);
    if (d->kind == G6_METRIC_HISTOGRAM) {
      assert_non_null(d->pi);
      assert_null(d->ti);
      assert_string_equal(d->bucket_labels[d->n_buckets], "+Inf");
    }
    for (size_t k = 0; k < i; k++)
      assert_string_not_equal(d->name, g6m_catalog[k]->name);
  }
  assert_int_equal(strlen(G6M_SPEC_HASH), 16);
}

/* A stage: a run's updates of every kind are invisible to a flush until
 * the commit, which applies them all in order; the guard judges them at
 * the commit (refusals counted and logged by the target); a discarded
 * stage publishes nothing. */
static void stage_publishes_a_run_whole(void **state) {
  (void)state;
  assert_null(g6_metrics_stage_new(NULL));
  g6_metrics *st = g6_metrics_stage_new(M);
  assert_non_null(st);
  assert_null(g6_metrics_stage_new(st)); /* no stage of a stage */
  assert_int_equal(g6_metrics_commit(M), G6_EINVAL); /* not a stage */
  /* the previous run, published */
  assert_int_equal(g6m_put_call_ratio_set(M, "NIFTY", "this_week", 0.5),
                   G6_OK);
  assert_int_equal(g6m_api_calls_add(M, "quote", "ok", 1), G6_OK);
  assert_int_equal(g6m_put_call_ratio_set(M, "NIFTY", "2025-01-30", 2),
                   G6_OK);
  /* this run, staged */
  assert_int_equal(g6m_put_call_ratio_set(st, "NIFTY", "this_week", 1.5),
                   G6_OK);
  assert_int_equal(g6m_put_call_ratio_set(st, "NIFTY", "this_week", 1.25),
                   G6_OK);
  assert_int_equal(g6m_api_calls_add(st, "quote", "ok", 2), G6_OK);
  assert_int_equal(g6m_api_latency_observe(st, "quote", 0.03), G6_OK);
  uint64_t counts[13] = {0};
  counts[12] = 2;
  assert_int_equal(g6_metrics_histogram_add(st, &g6m_def_api_latency, "quote",
                                            g6m_def_api_latency.buckets, 12,
                                            counts, 40),
                   G6_OK);
  assert_int_equal(g6_metrics_warm(st, &g6m_def_api_calls, "quote",
                                   "timeout"),
                   G6_OK);
  assert_int_equal(g6_metrics_forget(st, &g6m_def_put_call_ratio, "NIFTY",
                                     "2025-01-30"),
                   G6_OK);
  /* refused only at the commit: a closed domain */
  assert_int_equal(g6m_api_calls_add(st, "quote", "no_such_result", 1),
                   G6_OK);
  uint64_t refused = g6_metrics_refusal_count(M, "unknown_value");
  flush_counted();
  assert_close(find("put_call_ratio", "NIFTY", "this_week")->g, 0.5, 0);
  assert_int_equal(find("calls", "quote", "ok")->d, 1);
  assert_null(find("latency_seconds_count", "quote", ""));
  assert_null(find("calls", "quote", "timeout"));
  assert_non_null(find("put_call_ratio", "NIFTY", "2025-01-30"));
  assert_int_equal(g6_metrics_flush(st), 0); /* a stage dispatches nothing */
  /* a stage's introspection is its target's published state */
  double v;
  assert_true(g6_metrics_value(st, &g6m_def_put_call_ratio, "NIFTY",
                               "this_week", &v));
  assert_close(v, 0.5, 0);

  assert_int_equal(g6_metrics_commit(st), G6_ERANGE);
  assert_int_equal(g6_metrics_refusal_count(M, "unknown_value"), refused + 1);
  assert_int_equal(R->logs, 1); /* the refusal, logged by the target */
  assert_non_null(strstr(R->last_log, "no_such_result"));
  flush_counted();
  assert_close(find("put_call_ratio", "NIFTY", "this_week")->g, 1.25, 0);
  assert_int_equal(find("calls", "quote", "ok")->d, 3);
  assert_int_equal(find("calls", "quote", "timeout")->d, 0);
  assert_int_equal(find("latency_seconds_count", "quote", "")->d, 3);
  assert_close(find("latency_seconds_sum", "quote", "")->g, 40.03, 1e-12);
  assert_int_equal(find("latency_seconds_bucket", "quote", "0.05")->d, 1);
  assert_null(find("put_call_ratio", "NIFTY", "2025-01-30"));

  /* emptied by the commit; a discarded run publishes nothing */
  assert_int_equal(g6_metrics_commit(st), G6_OK);
  assert_int_equal(g6m_api_calls_add(st, "quote", "ok", 5), G6_OK);
  g6_metrics_stage_discard(st);
  assert_int_equal(g6_metrics_commit(st), G6_OK);
  flush();
  assert_int_equal(find("calls", "quote", "ok")->d, 3);
  /* uncommitted updates are dropped with the stage */
  assert_int_equal(g6m_api_latency_observe(st, "quote", 1), G6_OK);
  g6_metrics_free(st);
  flush();
  assert_int_equal(find("latency_seconds_count", "quote", "")->d, 3);
}

static bool in_closed(const g6_metric_domain *d, const char *v) {
  for (size_t i = 0; i < d->n_values; i++)
    if (strcmp(d->values[i], v) == 0)
      return true;
  return false;
}

#define EXPECT_IN(dom, v)                                                      \
  do {                                                                         \
    const char *v_ = (v);                                                      \
    if (!in_closed(&(dom), v_))                                                \
      fail_msg("\"%s\" (%s) is not in the closed domain %s of "                \
               "spec/metrics.yml",                                             \
               v_, #v, (dom).name);                                            \
  } while (0)

/* Every label value the code makes of one of its enums is in the closed
 * domain of the metric it goes to (a value outside is refused, counted and
 * the series never exported): api_retries{type="internal"} was refused
 * although the Kite client counts retries after an out-of-memory reading a
 * 5xx answer. The enums are walked whole, so a value added to one fails
 * here until the spec has it. */
static void code_label_values_are_in_closed_domains(void **state) {
  (void)state;
  for (int r = 0; r < G6_KITE_R_COUNT; r++) {
    const char *n = g6_kite_result_name((g6_kite_result)r);
    if (r != G6_KITE_R_INTERNAL) /* api_calls leaves it out (not Kite's) */
      EXPECT_IN(g6m_domain_api_result, n);
    /* a retry follows a failed attempt: never ok, never an open circuit
     * (decided before any attempt, kite.c) */
    if (r != G6_KITE_R_OK && r != G6_KITE_R_CIRCUIT_OPEN)
      EXPECT_IN(g6m_domain_api_error, n);
  }
  for (int e = 0; e < G6_KITE_EP_COUNT; e++)
    EXPECT_IN(g6m_domain_endpoint, g6_kite_endpoint_name((g6_kite_endpoint)e));
  for (int l = 0; l < G6_KITE_LIMITERS; l++)
    EXPECT_IN(g6m_domain_limiter, g6_kite_limiter_name((g6_kite_limiter)l));
  for (int k = 1; k < G6_REJECT_REASON_COUNT; k++)
    EXPECT_IN(g6m_domain_reject_reason,
              g6_reject_reason_name((g6_reject_reason)k));
  for (int k = 1; k < G6_ARB_RULE_COUNT; k++)
    EXPECT_IN(g6m_domain_arb_rule, g6_arb_rule_name((g6_arb_rule)k));
  for (int k = 1; k < G6_STATUS_COUNT; k++)
    EXPECT_IN(g6m_domain_snapshot_error,
              g6_snapshot_error_cause((g6_status)k));
  for (int k = 0; k < G6_INTEGRITY_KIND_COUNT; k++)
    EXPECT_IN(g6m_domain_integrity_problem,
              g6_integrity_kind_name((g6_integrity_kind)k));
  for (int k = 0; k < G6_KIND_COUNT; k++)
    EXPECT_IN(g6m_domain_storage_kind,
              g6_retention_kind_name((g6_retention_kind)k));
  for (int k = 0; k < G6_PRUNE_ACTION_COUNT; k++)
    EXPECT_IN(g6m_domain_prune_action,
              g6_prune_action_name((g6_prune_action)k));
  for (int k = 0; k < G6_SKIP_COUNT; k++)
    EXPECT_IN(g6m_domain_scan_skip, g6_scan_skip_name((g6_scan_skip)k));
  for (int k = 0; k < G6_MNY_COUNT; k++)
    EXPECT_IN(g6m_domain_mny, g6_mny_bucket_name(k));
  for (int k = 0; k < G6_DTE_COUNT; k++)
    EXPECT_IN(g6m_domain_dte, g6_dte_bucket_name(k));
  for (int k = 0; k < G6_SURFACE_DEFAULT_BUCKETS; k++)
    EXPECT_IN(g6m_domain_surface_bucket, g6_surface_bucket_name(k));
  for (int k = G6_BUILDUP_LONG; k < G6_BUILDUP_COUNT; k++)
    EXPECT_IN(g6m_domain_buildup_class, g6_buildup_name((g6_buildup)k));
  for (int k = 0; k < G6_EXPIRY_TAG_COUNT; k++) {
    EXPECT_IN(g6m_domain_expiry, g6_expiry_tags[k]);
    EXPECT_IN(g6m_domain_csv_file, g6_expiry_tags[k]);
  }
}

/* A counter or histogram series goes out at 0 the first time, whatever it
 * counted before, and with its totals from the next flush on: Prometheus'
 * increase() counts rises between samples only (a collector's first cycle
 * ends before the first read; an index, a date or a failure cause appears
 * with its first count). A gauge goes out as it is. A zero that was not
 * delivered goes out again. */
static void counting_series_born_at_zero(void **state) {
  (void)state;
  assert_int_equal(g6m_api_calls_add(M, "quote", "ok", 3), G6_OK);
  assert_int_equal(g6m_api_latency_observe(M, "quote", 0.03), G6_OK);
  assert_int_equal(g6m_index_spot_set(M, "NIFTY", 24800), G6_OK);
  flush();
  assert_int_equal(find("calls", "quote", "ok")->d, 0);
  assert_int_equal(find("latency_seconds_count", "quote", "")->d, 0);
  assert_int_equal(find("latency_seconds_bucket", "quote", "+Inf")->d, 0);
  assert_close(find("latency_seconds_sum", "quote", "")->g, 0, 0);
  assert_close(find("spot_points", "NIFTY", "")->g, 24800, 0);
  double v;
  assert_true(g6_metrics_value(M, &g6m_def_api_calls, "quote", "ok", &v));
  assert_close(v, 3, 0); /* counted, not lost */
  flush();
  assert_int_equal(find("calls", "quote", "ok")->d, 3);
  assert_int_equal(find("latency_seconds_count", "quote", "")->d, 1);
  assert_int_equal(find("latency_seconds_bucket", "quote", "0.05")->d, 1);
  assert_close(find("latency_seconds_sum", "quote", "")->g, 0.03, 1e-15);
  /* a zero the sink refused is sent again */
  R->fail_type = "retries";
  assert_int_equal(g6m_api_retries_add(M, "quote", "timeout", 2), G6_OK);
  flush();
  R->fail_type = NULL;
  flush();
  assert_int_equal(find("retries", "quote", "timeout")->d, 0);
  flush();
  assert_int_equal(find("retries", "quote", "timeout")->d, 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(rejects_unknown_owner, setup, teardown),
      cmocka_unit_test_setup_teardown(self_metrics_warm_from_creation, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(gauge_with_two_labels, setup, teardown),
      cmocka_unit_test_setup_teardown(counter_is_cumulative, setup, teardown),
      cmocka_unit_test_setup_teardown(histogram_add_merges_counts, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(histogram_buckets_sum_count, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(closed_domain_refused_logged_once, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(budget_refuses_beyond, setup, teardown),
      cmocka_unit_test_setup_teardown(invalid_values_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(warm_start_every_series, setup, teardown),
      cmocka_unit_test_setup_teardown(dispatch_failures_counted_logged_once,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(concurrent_threads, setup, teardown),
      cmocka_unit_test_setup_teardown(counting_series_born_at_zero, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(stage_publishes_a_run_whole, setup,
                                      teardown),
      cmocka_unit_test(domains_cover_configuration_limits),
      cmocka_unit_test(panels_max_series_default_holds_every_budget),
      cmocka_unit_test_setup_teardown(warm_start_most_indices_refuses_nothing,
                                      setup, teardown),
      cmocka_unit_test(catalog_matches_spec),
      cmocka_unit_test(code_label_values_are_in_closed_domains),
  };
  return G6_RUN_TESTS(tests);
}
