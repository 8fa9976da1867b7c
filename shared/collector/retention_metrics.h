/* g6 — g6_retention's metrics: a scan report (store/retention.h) mapped onto
 * the generated helpers of spec/metrics.yml.
 *
 * Kept out of the plugin so the mapping is unit-tested with a recording
 * sink. Series per index name: data_files, data_bytes, oldest and newest
 * file age for the kinds options, overview and snapshots; the name "(none)"
 * carries the kinds panels and unmatched. Ages are taken at the time the
 * gauges are set (now - mtime), so they keep growing between scans. Nothing
 * known is never 0: before the first scan, after a failed one, and for a
 * kind without files (ages), the gauges are NaN. The time of the last scan
 * is the last *successful* scan's, also after a failed one: a failure is no
 * scan of DataDir, so the figures' age keeps growing. Before the first it
 * is 0, the documented "never since collectd started": with g6_retention's
 * start time and ScanInterval beside it, G6RetentionScanStale fires for
 * scans that never finish (a NaN time would compare false for ever). */
#ifndef G6_RETENTION_METRICS_H
#define G6_RETENTION_METRICS_H

#include "metrics/metrics.h"
#include "store/retention.h"

/* The index names that have series (so a name whose files are all gone
 * reports 0 files instead of vanishing). Zero it before the first call. */
typedef struct g6_retention_metrics {
  char names[G6_RETENTION_MAX_INDICES + 2][32];
  size_t n;
} g6_retention_metrics;

/* Admits the series of "(none)" and of `names` (from
 * g6_retention_discover) with NaN gauges, and the prune counters of every
 * action at 0; sets the time of the last scan 0 (never), the start time to
 * `started` (epoch seconds, > 0) and the configured ScanInterval to
 * `scan_interval` (seconds). Returns the first error. */
g6_status g6_retention_metrics_warm(g6_metrics *m, g6_retention_metrics *st,
                                    char names[][32], size_t n, double started,
                                    double scan_interval);

/* Prune counts (files and bytes by action) of sweeps not yet added to the
 * metrics. The scan thread adds every sweep's report to it; the read
 * callback hands it to g6_retention_metrics_prune, so no sweep is lost
 * however many end between two dispatches. */
typedef struct g6_retention_counts {
  uint64_t files[G6_PRUNE_ACTION_COUNT], bytes[G6_PRUNE_ACTION_COUNT];
} g6_retention_counts;

/* Adds one sweep's counts to c; nothing when the policy was not
 * evaluated. Can't fail. */
void g6_retention_counts_add(g6_retention_counts *c,
                             const g6_retention_report *r);

/* Adds c to the prune counters and zeroes it. */
void g6_retention_metrics_prune(g6_metrics *m, g6_retention_counts *c);

/* Sets every gauge from the latest successful report `r` at wall time
 * `now` (epoch seconds); `last_ok` is when the last successful scan ended
 * (r's, when r is not NULL), 0 before the first. r NULL (no successful
 * scan yet, or the last scan failed, e.g. the data directory is missing):
 * every gauge of the admitted series is NaN but the time of the last scan,
 * which is `last_ok`. Can't fail. */
void g6_retention_metrics_gauges(g6_metrics *m, g6_retention_metrics *st,
                                 const g6_retention_report *r, double now,
                                 double last_ok);

#endif
