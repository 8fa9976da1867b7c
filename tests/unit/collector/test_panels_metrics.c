/* g6_panels' metric mapping (collector/panels_metrics.h): warm start with
 * the integrity state unknown (NaN) but the time of the last sweep 0, the
 * documented "never" that G6PanelsIntegritySweepStale compares against (it
 * was NaN, and the alert could not fire for a sweep that never ran), the
 * start time and the configured IntegrityInterval set (which the alert
 * needs to hold each host to its own interval); a sweep's problems by kind,
 * check count, state and time, with the interval left as configured. */
#include "g6_test.h"

#include "collector/panels_metrics.h"
#include "metrics/metrics_gen.h"
#include "metricsfix.h"

static double val(g6_metrics *m, const g6_metric_def *d, const char *pi) {
  return metricsfix_value(m, d, pi, NULL);
}

static g6_metrics *fresh(void) { return metricsfix_new("g6_panels"); }

static void warm_start_never_swept(void **state) {
  (void)state;
  g6_metrics *m = fresh();
  assert_int_equal(g6_panels_metrics_warm(m, 1700000000.5, 3600), G6_OK);
  /* 0, not NaN (assert_close fails on NaN) */
  assert_close(val(m, &g6m_def_integrity_last_run, NULL), 0, 0);
  assert_close(val(m, &g6m_def_started, NULL), 1700000000.5, 0);
  assert_close(val(m, &g6m_def_integrity_interval, NULL), 3600, 0);
  assert_true(isnan(val(m, &g6m_def_integrity_ok, NULL)));
  assert_close(val(m, &g6m_def_integrity_checks, NULL), 0, 0);
  assert_close(val(m, &g6m_def_integrity_problems, "mismatch"), 0, 0);
  g6_metrics_free(m);
}

static void sweeps(void **state) {
  (void)state;
  g6_metrics *m = fresh();
  g6_panels_metrics_warm(m, 1000, 2.5);
  g6_integrity_report r = {0};
  r.n = 3;
  r.counts[G6_INTEGRITY_MISMATCH] = 2;
  r.counts[G6_INTEGRITY_BAD_SIGNATURE] = 1;
  g6_panels_metrics_sweep(m, &r, 1300.25);
  assert_close(val(m, &g6m_def_integrity_ok, NULL), 0, 0);
  assert_close(val(m, &g6m_def_integrity_last_run, NULL), 1300.25, 0);
  assert_close(val(m, &g6m_def_integrity_checks, NULL), 1, 0);
  assert_close(val(m, &g6m_def_integrity_problems, "mismatch"), 2, 0);
  assert_close(val(m, &g6m_def_integrity_problems, "bad_signature"), 1, 0);
  assert_close(val(m, &g6m_def_integrity_problems, "file_missing"), 0, 0);
  /* a clean sweep: problems stay counted, the state is 1 */
  memset(&r, 0, sizeof(r));
  g6_panels_metrics_sweep(m, &r, 1600);
  assert_close(val(m, &g6m_def_integrity_ok, NULL), 1, 0);
  assert_close(val(m, &g6m_def_integrity_last_run, NULL), 1600, 0);
  assert_close(val(m, &g6m_def_integrity_checks, NULL), 2, 0);
  assert_close(val(m, &g6m_def_integrity_problems, "mismatch"), 2, 0);
  assert_close(val(m, &g6m_def_started, NULL), 1000, 0);
  assert_close(val(m, &g6m_def_integrity_interval, NULL), 2.5, 0);
  g6_metrics_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(warm_start_never_swept),
      cmocka_unit_test(sweeps),
  };
  return G6_RUN_TESTS(tests);
}
