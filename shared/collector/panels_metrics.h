/* g6 — g6_panels' integrity metrics: warm start and an integrity sweep
 * (store/integrity.h) mapped onto the generated helpers of
 * spec/metrics.yml.
 *
 * Kept out of the plugin so the mapping is unit-tested with a recording
 * sink. Before the first sweep the state is unknown (NaN), while the time
 * of the last sweep is 0, the documented "never since collectd started":
 * with g6_panels' start time beside it, G6PanelsIntegritySweepStale fires
 * for a sweep that never runs (a NaN time would compare false for ever).
 * The configured IntegrityInterval is exported too, so the alert can hold
 * each host to its own interval: a fixed 30 minutes fires between two
 * valid hourly sweeps (IntegrityInterval 3600). */
#ifndef G6_PANELS_METRICS_H
#define G6_PANELS_METRICS_H

#include "metrics/metrics.h"
#include "store/integrity.h"

/* Admits every g6_panels series (counters at 0, gauges NaN), then sets the
 * integrity state NaN, the time of the last sweep 0 (never), the start
 * time to `started` (epoch seconds, > 0) and the integrity interval to
 * `integrity_interval` (the configured IntegrityInterval, seconds; never
 * changes while g6_panels runs). Returns the first error. */
g6_status g6_panels_metrics_warm(g6_metrics *m, double started,
                                 double integrity_interval);

/* Records one sweep that ended at `now` (epoch seconds) with report `r`:
 * its problems by kind, one more check, the state (1 without problems, 0
 * with) and the time of the last sweep. Can't fail (a refused series is
 * counted by the runtime). */
void g6_panels_metrics_sweep(g6_metrics *m, const g6_integrity_report *r,
                             double now);

#endif
