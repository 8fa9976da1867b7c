/* A metrics runtime for the unit tests of a plugin's metric mapping
 * (collector/panels_metrics.h, collector/retention_metrics.h): one that
 * admits every series of a plugin and dispatches nowhere, and the value of
 * one series. Header-only, included by one test file at a time. */
#ifndef G6_TEST_METRICSFIX_H
#define G6_TEST_METRICSFIX_H

#include "metrics/metrics.h"

static int metricsfix_discard(void *ctx, const g6_metrics_vl *vl) {
  (void)ctx;
  (void)vl;
  return 0;
}

/* The runtime of `plugin` (a g6 plugin name), failing the test if there is
 * none. */
static g6_metrics *metricsfix_new(const char *plugin) {
  g6_metrics_sink sink = {metricsfix_discard, NULL, NULL};
  g6_metrics *m = g6_metrics_new(plugin, &sink);
  assert_non_null(m);
  return m;
}

/* The value of series d{pi, ti} (either NULL: none), failing the test when
 * it was not admitted. */
static double metricsfix_value(g6_metrics *m, const g6_metric_def *d,
                               const char *pi, const char *ti) {
  double v;
  if (!g6_metrics_value(m, d, pi, ti, &v))
    fail_msg("series %s{%s,%s} not admitted", d->name, pi ? pi : "",
             ti ? ti : "");
  return v;
}

#endif
