/* metrics/latest.h: the latest value of every g6 series, bounded. */
#include "g6_test.h"

#include "metrics/latest.h"
#include "metrics/metrics_gen.h"

#include <pthread.h>

static g6_latest *new_store(size_t max, double ttl) {
  static const char *const extra[] = {"load"};
  g6_latest_opts o = {.max_series = max, .extra_plugins = extra, .n_extra = 1,
                      .ttl = ttl};
  g6_latest *l = g6_latest_new(&o);
  assert_non_null(l);
  return l;
}

static void resolves_spec_identities(void **state) {
  (void)state;
  g6_latest *l = new_store(100, 0);
  /* g6_chain's spot gauge, twice: the sample before is kept */
  assert_int_equal(g6_latest_put(l, "g6_index", "NIFTY", "spot_points", "",
                                 NULL, 24500.5, 100),
                   G6_OK);
  assert_int_equal(g6_latest_put(l, "g6_index", "NIFTY", "spot_points", "",
                                 NULL, 24510.0, 110),
                   G6_OK);
  /* an older sample does not replace a newer one */
  assert_int_equal(g6_latest_put(l, "g6_index", "NIFTY", "spot_points", "",
                                 NULL, 1.0, 105),
                   G6_OK);
  /* a stock plugin nobody asked for, and an unknown g6 type, are ignored */
  assert_int_equal(g6_latest_put(l, "cpu", "0", "cpu", "idle", NULL, 1, 100),
                   G6_ENOENT);
  assert_int_equal(g6_latest_put(l, "g6_index", "NIFTY", "no_such_type", "",
                                 NULL, 1, 100),
                   G6_ENOENT);
  /* an extra plugin's values are kept, per data source */
  assert_int_equal(g6_latest_put(l, "load", "", "load", "", "shortterm", 0.5,
                                 100),
                   G6_OK);
  assert_int_equal(g6_latest_kept(l), 2);
  g6_latest_view *v = g6_latest_snapshot(l, 120);
  assert_non_null(v);
  g6_latest_sample s;
  assert_true(g6_latest_get(v, &g6m_def_index_spot, "NIFTY", NULL, &s));
  assert_close(s.value, 24510.0, 0);
  assert_close(s.prev_value, 24500.5, 0);
  assert_close(s.time, 110, 0);
  assert_close(s.prev_time, 100, 0);
  assert_false(g6_latest_get(v, &g6m_def_index_spot, "BANKNIFTY", NULL, &s));
  assert_false(g6_latest_get(v, &g6m_def_index_atm, "NIFTY", NULL, &s));
  g6_latest_extra x;
  assert_true(g6_latest_extra_at(v, 0, &x));
  assert_string_equal(x.plugin, "load");
  assert_string_equal(x.ds, "shortterm");
  assert_close(x.s.value, 0.5, 0);
  assert_false(g6_latest_extra_at(v, 1, &x));
  g6_latest_view_free(v);
  g6_latest_free(l);
}

static void bounded_and_forgetful(void **state) {
  (void)state;
  g6_latest *l = new_store(3, 60);
  const char *ix[] = {"A", "B", "C", "D", "E"};
  for (int i = 0; i < 5; i++)
    g6_latest_put(l, "g6_index", ix[i], "spot_points", "", NULL, 1, 100);
  assert_int_equal(g6_latest_kept(l), 3);
  assert_int_equal(g6_latest_dropped(l), 2);
  /* a kept series still takes new samples at the limit */
  assert_int_equal(g6_latest_put(l, "g6_index", "A", "spot_points", "", NULL,
                                 2, 200),
                   G6_OK);
  /* B and C were not updated for more than the 60 s ttl: forgotten */
  g6_latest_view *v = g6_latest_snapshot(l, 200);
  const char *labels[8];
  assert_int_equal(g6_latest_labels(v, &g6m_def_index_spot, false, labels, 8),
                   1);
  assert_string_equal(labels[0], "A");
  g6_latest_view_free(v);
  assert_int_equal(g6_latest_kept(l), 1);
  /* room again */
  assert_int_equal(g6_latest_put(l, "g6_index", "D", "spot_points", "", NULL,
                                 1, 201),
                   G6_OK);
  g6_latest_free(l);
}

static void labels_sorted_unique(void **state) {
  (void)state;
  g6_latest *l = new_store(100, 0);
  const char *tags[] = {"next_week", "this_week", "next_week"};
  for (int i = 0; i < 3; i++) {
    g6_latest_put(l, "g6_index", "SENSEX", "put_call_ratio", tags[i], NULL, 1,
                  100 + i);
    g6_latest_put(l, "g6_index", "NIFTY", "put_call_ratio", tags[i], NULL, 1,
                  100 + i);
  }
  g6_latest_view *v = g6_latest_snapshot(l, 110);
  const char *out[8];
  assert_int_equal(g6_latest_labels(v, &g6m_def_put_call_ratio, false, out, 8),
                   2);
  assert_string_equal(out[0], "NIFTY");
  assert_string_equal(out[1], "SENSEX");
  assert_int_equal(g6_latest_labels(v, &g6m_def_put_call_ratio, true, out, 8),
                   2);
  assert_string_equal(out[0], "next_week");
  assert_string_equal(out[1], "this_week");
  g6_latest_view_free(v);
  g6_latest_free(l);
}

static void rates(void **state) {
  (void)state;
  g6_latest_sample s = {.value = 150, .time = 20, .prev_value = 100,
                        .prev_time = 10};
  assert_close(g6_latest_rate(&s), 5, 0);
  s.prev_time = 0; /* no previous sample */
  assert_true(isnan(g6_latest_rate(&s)));
  s.prev_time = 10;
  s.prev_value = 200; /* went down: a restart, not a negative rate */
  assert_true(isnan(g6_latest_rate(&s)));
  s.prev_value = 100;
  s.time = 10;
  assert_true(isnan(g6_latest_rate(&s)));
}

/* Dispatches one cumulative histogram sample of api_latency{quote} the way
 * the metric runtime does: one bucket series per bound, count and sum. */
static void put_hist(g6_latest *l, const double *per_bucket, double sum,
                     double t) {
  const g6_metric_def *d = &g6m_def_api_latency;
  double cum = 0;
  for (size_t b = 0; b <= d->n_buckets; b++) {
    cum += per_bucket[b];
    g6_latest_put(l, d->plugin, "quote", d->type_bucket, d->bucket_labels[b],
                  NULL, cum, t);
  }
  g6_latest_put(l, d->plugin, "quote", d->type_count, "", NULL, cum, t);
  g6_latest_put(l, d->plugin, "quote", d->type_sum, "", NULL, sum, t);
}

static void histogram_window(void **state) {
  (void)state;
  const g6_metric_def *d = &g6m_def_api_latency; /* 0.005 ... 16, +Inf */
  g6_latest *l = new_store(100, 0);
  double first[13] = {10};
  put_hist(l, first, 0.02, 100);
  g6_latest_view *v = g6_latest_snapshot(l, 100);
  g6_latest_hist h;
  assert_true(g6_latest_get_hist(v, d, "quote", &h));
  assert_false(h.has_prev); /* one sample: no window yet */
  assert_true(isnan(g6_latest_hist_quantile(&h, d, 0.95)));
  g6_latest_view_free(v);
  /* the next interval adds 100 observations: 50 in (0.01, 0.025], 50 in
   * (0.025, 0.05], summing to 3.0 s */
  double cum2[13] = {10, 0, 50, 50};
  put_hist(l, cum2, 3.02, 110);
  v = g6_latest_snapshot(l, 110);
  assert_true(g6_latest_get_hist(v, d, "quote", &h));
  assert_true(h.has_prev);
  assert_close(g6_latest_hist_mean(&h), 0.03, 1e-12);
  /* Prometheus: rank 95 is the 45th of 50 in (0.025, 0.05] */
  assert_close(g6_latest_hist_quantile(&h, d, 0.95), 0.025 + 0.025 * 0.9,
               1e-12);
  assert_close(g6_latest_hist_quantile(&h, d, 0.5), 0.025, 1e-12);
  assert_false(g6_latest_get_hist(v, d, "ltp", &h));
  g6_latest_view_free(v);
  /* everything in +Inf: the largest finite bound */
  double inf[13] = {10, 0, 50, 50, 0, 0, 0, 0, 0, 0, 0, 0, 7};
  put_hist(l, inf, 100, 120);
  v = g6_latest_snapshot(l, 120);
  assert_true(g6_latest_get_hist(v, d, "quote", &h));
  assert_close(g6_latest_hist_quantile(&h, d, 0.5), 16, 0);
  g6_latest_view_free(v);
  g6_latest_free(l);
}

/* The mean of the last change of count survives dispatches without
 * observations (hist_mean is NaN then), follows collectd's per-value
 * stamps, and a dispatch whose observations were all 0 s keeps sum. */
static void histogram_last_change(void **state) {
  (void)state;
  const g6_metric_def *d = &g6m_def_api_latency;
  static const struct {
    double n, sum, t; /* observations so far (in the first bucket) */
    double want;      /* NaN: unknown */
  } steps[] = {
      {4, 0.4, 100, NAN}, /* first sample */
      {4, 0.4, 110, NAN}, /* nothing new: still nothing to compare */
      {6, 0.6, 120, 0.1}, /* two of 0.1 s */
      {6, 0.6, 130, 0.1}, /* kept */
      {6, 0.6, 140, 0.1}, /* kept */
      {7, 0.6, 150, 0.0}, /* one of 0 s: sum did not move */
      {7, 0.6, 160, 0.0}, {8, 1.6, 170, 1.0},
  };
  g6_latest *l = new_store(100, 0);
  for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
    double cum = 0;
    for (size_t b = 0; b <= d->n_buckets; b++) {
      cum = b == 0 ? steps[i].n : cum;
      g6_latest_put(l, d->plugin, "quote", d->type_bucket, d->bucket_labels[b],
                    NULL, cum, steps[i].t + 0.01 * (double)b);
    }
    g6_latest_put(l, d->plugin, "quote", d->type_count, "", NULL, steps[i].n,
                  steps[i].t + 0.2);
    g6_latest_put(l, d->plugin, "quote", d->type_sum, "", NULL, steps[i].sum,
                  steps[i].t + 0.3);
    g6_latest_view *v = g6_latest_snapshot(l, steps[i].t + 1);
    g6_latest_hist h;
    assert_true(g6_latest_get_hist(v, d, "quote", &h));
    double got = g6_latest_hist_last_mean(&h);
    if (isnan(steps[i].want) ? !isnan(got)
                             : !(fabs(got - steps[i].want) < 1e-12))
      fail_msg("step %zu: last mean %g, want %g", i, got, steps[i].want);
    g6_latest_view_free(v);
  }
  g6_latest_free(l);
}

typedef struct writer_arg {
  g6_latest *l;
  int id;
} writer_arg;

static void *writer(void *p) {
  writer_arg *a = p;
  char pi[16];
  for (int i = 0; i < 20000; i++) {
    snprintf(pi, sizeof(pi), "I%d", (a->id * 7 + i) % 9);
    g6_latest_put(a->l, "g6_index", pi, "spot_points", "", NULL, i, 1 + i);
  }
  return NULL;
}

/* collectd runs write callbacks on several threads, and the panels render
 * from snapshots meanwhile. */
static void concurrent_writers(void **state) {
  (void)state;
  g6_latest *l = new_store(8, 0);
  pthread_t th[4];
  writer_arg args[4];
  for (int i = 0; i < 4; i++) {
    args[i] = (writer_arg){l, i};
    pthread_create(&th[i], NULL, writer, &args[i]);
  }
  for (int k = 0; k < 50; k++) {
    g6_latest_view *v = g6_latest_snapshot(l, 1e9);
    assert_non_null(v);
    g6_latest_view_free(v);
  }
  for (int i = 0; i < 4; i++)
    pthread_join(th[i], NULL);
  assert_int_equal(g6_latest_kept(l), 8);
  assert_true(g6_latest_dropped(l) > 0); /* the ninth label never fit */
  g6_latest_free(l);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(resolves_spec_identities),
      cmocka_unit_test(bounded_and_forgetful),
      cmocka_unit_test(labels_sorted_unique),
      cmocka_unit_test(rates),
      cmocka_unit_test(histogram_window),
      cmocka_unit_test(histogram_last_change),
      cmocka_unit_test(concurrent_writers),
  };
  return G6_RUN_TESTS(tests);
}
