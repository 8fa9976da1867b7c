/* g6_panels' metric mapping (see collector/panels_metrics.h). */
#include "collector/panels_metrics.h"

#include "metrics/metrics_gen.h"

#include <math.h>

g6_status g6_panels_metrics_warm(g6_metrics *m, double started,
                                 double integrity_interval) {
  g6_status st = g6m_warm_g6_panels(m);
  if (st == G6_OK)
    st = g6m_integrity_ok_set(m, NAN);
  if (st == G6_OK)
    st = g6m_integrity_last_run_set(m, 0);
  if (st == G6_OK)
    st = g6m_started_set(m, started);
  if (st == G6_OK)
    st = g6m_integrity_interval_set(m, integrity_interval);
  return st;
}

void g6_panels_metrics_sweep(g6_metrics *m, const g6_integrity_report *r,
                             double now) {
  for (int k = 0; k < G6_INTEGRITY_KIND_COUNT; k++)
    if (r->counts[k] > 0)
      g6m_integrity_problems_add(m,
                                 g6_integrity_kind_name((g6_integrity_kind)k),
                                 (int64_t)r->counts[k]);
  g6m_integrity_checks_add(m, 1);
  g6m_integrity_ok_set(m, r->n == 0 ? 1 : 0);
  g6m_integrity_last_run_set(m, now);
}
