/* g6_retention's metric mapping (collector/retention_metrics.h): warm start
 * with NaN (nothing scanned yet is not 0 files) but the time of the last
 * scan 0, the documented "never" that G6RetentionScanStale compares against
 * (it was NaN, and no alert could see scans that never finish), the start
 * time and ScanInterval set; a report's tallies per
 * index and kind, ages taken at dispatch time, NaN ages for kinds without
 * files, a vanished index reported as 0 files, prune counters that keep
 * every sweep (also two between two dispatches), and every gauge NaN again
 * when the data directory goes away, but the time of the last scan, which
 * stays the last successful scan's (it went NaN, as if none had ever
 * finished). */
#include "g6_test.h"

#include "collector/retention_metrics.h"
#include "metrics/metrics_gen.h"
#include "metricsfix.h"

static double val(g6_metrics *m, const g6_metric_def *d, const char *pi,
                  const char *ti) {
  return metricsfix_value(m, d, pi, ti);
}

static g6_metrics *fresh(void) { return metricsfix_new("g6_retention"); }

static void warm_start_nan_never_scanned(void **state) {
  (void)state;
  g6_metrics *m = fresh();
  g6_retention_metrics st = {0};
  char names[1][32] = {"NIFTY"};
  assert_int_equal(
      g6_retention_metrics_warm(m, &st, names, 1, 1700000000.5, 300), G6_OK);
  assert_true(isnan(val(m, &g6m_def_data_files, "NIFTY", "options")));
  assert_true(isnan(val(m, &g6m_def_data_bytes, "NIFTY", "snapshots")));
  assert_true(isnan(val(m, &g6m_def_data_files, "(none)", "unmatched")));
  assert_true(isnan(val(m, &g6m_def_scan_duration, NULL, NULL)));
  /* 0, not NaN (assert_close fails on NaN) */
  assert_close(val(m, &g6m_def_last_scan, NULL, NULL), 0, 0);
  assert_close(val(m, &g6m_def_retention_started, NULL, NULL), 1700000000.5, 0);
  assert_close(val(m, &g6m_def_scan_interval, NULL, NULL), 300, 0);
  assert_true(isnan(val(m, &g6m_def_scan_skipped, "unreadable", NULL)));
  assert_close(val(m, &g6m_def_prune_files, "deleted", NULL), 0, 0);
  assert_close(val(m, &g6m_def_prune_bytes, "kept_cap", NULL), 0, 0);
  /* the index kinds for an index, the others for (none) only */
  double v;
  assert_false(g6_metrics_value(m, &g6m_def_data_files, "NIFTY", "panels", &v));
  assert_false(g6_metrics_value(m, &g6m_def_data_files, "(none)", "options", &v));
  /* 2 kinds of (none) + 4 of NIFTY, 4 gauges each */
  assert_int_equal(g6_metrics_series_count(m, &g6m_def_oldest_file_age), 6);
  assert_true(isnan(val(m, &g6m_def_data_files, "NIFTY", "iv_history")));
  /* a first scan that fails (DataDir missing): still never */
  g6_retention_metrics_gauges(m, &st, NULL, 1700000010, 0);
  assert_close(val(m, &g6m_def_last_scan, NULL, NULL), 0, 0);
  assert_true(isnan(val(m, &g6m_def_data_files, "NIFTY", "options")));
  g6_metrics_free(m);
}

static void report_to_gauges_and_counters(void **state) {
  (void)state;
  g6_metrics *m = fresh();
  g6_retention_metrics st = {0};
  g6_retention_metrics_warm(m, &st, NULL, 0, 1000, 1);
  g6_retention_report r;
  memset(&r, 0, sizeof(r));
  snprintf(r.idx[0].name, 32, "(none)");
  snprintf(r.idx[1].name, 32, "NIFTY");
  r.n_idx = 2;
  g6_retention_tally *o = &r.idx[1].kind[G6_KIND_OPTIONS];
  o->files = 4;
  o->bytes = 4096;
  o->oldest = (struct timespec){1000, 500000000};
  o->newest = (struct timespec){1900, 0};
  r.idx[0].kind[G6_KIND_UNMATCHED].files = 2;
  r.idx[0].kind[G6_KIND_UNMATCHED].oldest = (struct timespec){1500, 0};
  r.idx[0].kind[G6_KIND_UNMATCHED].newest = (struct timespec){1600, 0};
  r.skipped[G6_SKIP_OTHER_MOUNT] = 1;
  r.seconds = 0.25;
  r.pruned = true;
  r.files_by_action[G6_PRUNE_DELETED] = 3;
  r.bytes_by_action[G6_PRUNE_DELETED] = 300;
  r.files_by_action[G6_PRUNE_FAILED] = 1;
  g6_retention_counts c = {0};
  g6_retention_counts_add(&c, &r);
  g6_retention_metrics_prune(m, &c);
  g6_retention_metrics_gauges(m, &st, &r, 2000.0, 1990.0);
  assert_close(val(m, &g6m_def_data_files, "NIFTY", "options"), 4, 0);
  assert_close(val(m, &g6m_def_data_bytes, "NIFTY", "options"), 4096, 0);
  assert_close(val(m, &g6m_def_oldest_file_age, "NIFTY", "options"), 999.5,
               1e-9);
  assert_close(val(m, &g6m_def_newest_file_age, "NIFTY", "options"), 100, 0);
  /* a kind without files: 0 files, unknown ages */
  assert_close(val(m, &g6m_def_data_files, "NIFTY", "overview"), 0, 0);
  assert_true(isnan(val(m, &g6m_def_oldest_file_age, "NIFTY", "overview")));
  assert_close(val(m, &g6m_def_data_files, "(none)", "unmatched"), 2, 0);
  assert_close(val(m, &g6m_def_data_files, "(none)", "panels"), 0, 0);
  assert_close(val(m, &g6m_def_scan_skipped, "other_mount", NULL), 1, 0);
  assert_close(val(m, &g6m_def_scan_duration, NULL, NULL), 0.25, 0);
  assert_close(val(m, &g6m_def_last_scan, NULL, NULL), 1990, 0);
  assert_close(val(m, &g6m_def_retention_started, NULL, NULL), 1000, 0);
  assert_close(val(m, &g6m_def_scan_interval, NULL, NULL), 1, 0);
  assert_close(val(m, &g6m_def_prune_files, "deleted", NULL), 3, 0);
  assert_close(val(m, &g6m_def_prune_bytes, "deleted", NULL), 300, 0);
  assert_close(val(m, &g6m_def_prune_files, "failed", NULL), 1, 0);
  /* later dispatch: ages grow, counters do not move without a new sweep */
  g6_retention_metrics_prune(m, &c);
  g6_retention_metrics_gauges(m, &st, &r, 2010.0, 1990.0);
  assert_close(val(m, &g6m_def_newest_file_age, "NIFTY", "options"), 110, 0);
  assert_close(val(m, &g6m_def_prune_files, "deleted", NULL), 3, 0);
  /* two sweeps ending between two dispatches both count */
  g6_retention_counts_add(&c, &r);
  g6_retention_counts_add(&c, &r);
  g6_retention_metrics_prune(m, &c);
  assert_close(val(m, &g6m_def_prune_files, "deleted", NULL), 9, 0);
  assert_close(val(m, &g6m_def_prune_bytes, "deleted", NULL), 900, 0);
  /* the index vanished: 0 files, ages unknown */
  r.n_idx = 1;
  g6_retention_metrics_gauges(m, &st, &r, 2020.0, 2015.0);
  assert_close(val(m, &g6m_def_data_files, "NIFTY", "options"), 0, 0);
  assert_true(isnan(val(m, &g6m_def_newest_file_age, "NIFTY", "options")));
  /* no usable report (data directory gone): everything unknown but when
   * the last successful scan ended */
  g6_retention_metrics_gauges(m, &st, NULL, 2030.0, 2015.0);
  assert_true(isnan(val(m, &g6m_def_data_files, "NIFTY", "options")));
  assert_true(isnan(val(m, &g6m_def_data_files, "(none)", "unmatched")));
  assert_true(isnan(val(m, &g6m_def_scan_duration, NULL, NULL)));
  assert_true(isnan(val(m, &g6m_def_scan_skipped, "unreadable", NULL)));
  assert_close(val(m, &g6m_def_last_scan, NULL, NULL), 2015, 0);
  g6_retention_metrics_gauges(m, &st, NULL, 2040.0, 2015.0);
  assert_close(val(m, &g6m_def_last_scan, NULL, NULL), 2015, 0);
  /* a scan-only report adds nothing to the prune counters */
  r.pruned = false;
  g6_retention_counts_add(&c, &r);
  g6_retention_metrics_prune(m, &c);
  assert_close(val(m, &g6m_def_prune_files, "deleted", NULL), 9, 0);
  assert_int_equal(g6_metrics_refusal_count(m, NULL), 0);
  g6_metrics_free(m);
}

/* A panels directory that does not exist gives NaN panel files (unknown,
 * g6_panels writes elsewhere), not 0; the other kinds keep their counts. */
static void missing_panels_directory_is_nan(void **state) {
  (void)state;
  g6_metrics *m = fresh();
  g6_retention_metrics st = {0};
  g6_retention_metrics_warm(m, &st, NULL, 0, 1000, 1);
  g6_retention_report r;
  memset(&r, 0, sizeof(r));
  snprintf(r.idx[0].name, 32, "(none)");
  r.n_idx = 1;
  r.idx[0].kind[G6_KIND_UNMATCHED].files = 2;
  r.panels_missing = true;
  g6_retention_metrics_gauges(m, &st, &r, 2000, 2000);
  double v = 0;
  assert_true(g6_metrics_value(m, &g6m_def_data_files, "(none)", "panels", &v));
  assert_true(isnan(v));
  assert_true(g6_metrics_value(m, &g6m_def_data_files, "(none)", "unmatched",
                               &v));
  assert_close(v, 2, 0);
  r.panels_missing = false;
  g6_retention_metrics_gauges(m, &st, &r, 2000, 2000);
  assert_true(g6_metrics_value(m, &g6m_def_data_files, "(none)", "panels", &v));
  assert_close(v, 0, 0);
  g6_metrics_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(warm_start_nan_never_scanned),
      cmocka_unit_test(report_to_gauges_and_counters),
      cmocka_unit_test(missing_panels_directory_is_nan),
  };
  return G6_RUN_TESTS(tests);
}
