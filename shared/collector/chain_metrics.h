/* g6 — g6_chain's metrics: a cycle result and the Kite client's counters
 * mapped onto the generated helpers of spec/metrics.yml.
 *
 * Kept out of the plugin so the mapping is unit-tested with a recording
 * sink. Counters are cumulative in the sources (the CSV sink's per-family
 * counters, the Kite client's stats), so each function adds the increments
 * since the previous call, which it keeps in the caller's state. */
#ifndef G6_CHAIN_METRICS_H
#define G6_CHAIN_METRICS_H

#include "collector/collector.h"
#include "collector/runner.h"
#include "market/kite_stats.h"
#include "metrics/metrics.h"

/* Per index: the CSV counters already added. Zero it before the first call. */
typedef struct g6_chain_index_metrics {
  g6_csv_family_stats csv_prev[G6_CSV_MAX_FAMILIES];
  size_t n_csv_prev;
  uint64_t overruns_prev;
  double cpu_carry_us; /* CPU below 1 µs not yet added (counters are whole) */
} g6_chain_index_metrics;


/* Admits every g6_chain series of the configured indices at their starting
 * values: the spec's warm start for these index names (counters 0, gauges
 * NaN: unknown), minus the expiry tags an index is not configured with
 * (its CSV files of every tag stay when it has a date-pinned expiry, whose
 * rows go to the tag of their days to expiry), the counters of its
 * date-pinned expiries at 0 (IV solves, violations of every no-arbitrage
 * rule: no counter series is born with a count, which Prometheus'
 * increase() would miss), chain_status EMPTY (nothing collected yet, not
 * 0 = OK) for every expiry it has, CSV rows pending 0 and last_success 0
 * (never). Returns the first error. */
g6_status g6_chain_metrics_warm(g6_metrics *m, const g6_index_config *const *ix,
                                size_t n);

/* Sets and adds the metrics of one finished cycle of index `ix`: market
 * gate, calendar entries, cycle duration, spot, ATM and VIX, per-expiry legs,
 * coverage, PCR, status, IV solves and failures, the share of legs flagged
 * by the no-arbitrage checks and their violations per expiry.rule (the
 * quality family), reject reasons, the CSV sink's per-family counters
 * (`fam`, cumulative) since the last call and its rows held for retry now
 * (a gauge, per family), and the CSV rows not written by reason (the
 * cycle's tag_collision rows, the sink's duplicate and behind rows).
 * Unknown values (spot and ATM during an outage, a ratio with an empty
 * denominator) are set to NaN, never 0. */
void g6_chain_metrics_cycle(g6_metrics *m, const g6_index_config *ix,
                            const g6_cycle_result *r,
                            const g6_csv_family_stats *fam, size_t n_fam,
                            g6_chain_index_metrics *state);

/* Adds the index's overruns since the last call and sets its lag, read
 * from its runner now (g6_runner_schedule: a stalled cycle shows while it
 * lasts; call it at every read). runner NULL: nothing to add, lag 0. */
void g6_chain_metrics_runner(g6_metrics *m, const g6_index_config *ix,
                             g6_runner *runner, g6_chain_index_metrics *state);

/* Adds a cycle's CPU time (its thread's, seconds) in whole microseconds. */
void g6_chain_metrics_cpu(g6_metrics *m, const g6_index_config *ix,
                          double cpu_s, g6_chain_index_metrics *state);

/* Adds the Kite client's counter and histogram increments since `prev` and
 * sets its gauges (breaker state, cache hit ratio, auth latch); then
 * *prev = *s. */
void g6_chain_metrics_provider(g6_metrics *m, const g6_kite_stats *s,
                               g6_kite_stats *prev);

#endif
