/* g6 — g6_panels' integrity metrics: warm start and an integrity sweep
 * (store/integrity.h) mapped onto the generated helpers of
 * spec/metrics.yml.
 *
 * Kept out of the plugin so the mapping is unit-tested with a recording
 * sink. Before the first sweep the state and its time are unknown (NaN). */
#ifndef G6_PANELS_METRICS_H
#define G6_PANELS_METRICS_H

#include "metrics/metrics.h"
#include "store/integrity.h"

/* Admits every g6_panels series (counters at 0, gauges NaN), then sets the
 * integrity state and the time of the last sweep NaN. Returns the first
 * error. */
g6_status g6_panels_metrics_warm(g6_metrics *m);

/* Records one sweep that ended at `now` (epoch seconds) with report `r`:
 * its problems by kind, one more check, the state (1 without problems, 0
 * with) and the time of the last sweep. Can't fail (a refused series is
 * counted by the runtime). */
void g6_panels_metrics_sweep(g6_metrics *m, const g6_integrity_report *r,
                             double now);

#endif
