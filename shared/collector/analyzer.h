/* g6 — g6_analytics' run: the latest chain snapshot of each index through
 * every analytic (math/chain_report.h) into the spec's metrics.
 *
 * Each run, per index: the file <DataDir>/snapshots/<INDEX>.json is looked
 * at; a file that did not change since the last one analysed (same inode,
 * size and mtime: g6_chain replaces it by rename) or that holds the same seq
 * is not analysed again. A file that cannot be used is counted in
 * snapshot_read_failures by cause (store/snapshot_read.h) and logged once
 * per cause (again when the cause changes, and when it recovers); the values
 * of the last good snapshot stay exported and snapshot_age keeps growing, so
 * a stalled collector shows in Grafana. Nothing is invented: an analytic
 * that cannot be computed is NaN, and so is every gauge until a snapshot
 * was read.
 *
 * The desk group (math/desk.h) adds per expiry the ATM straddle and the
 * move it implies, the straddle at the open, the OI change since the open
 * per side in contracts (Kite's OI divided by the expiry's lot size), the
 * build-up classes per side, dealer gamma exposure and the gamma flip, and
 * for the four expiry tags IV rank and percentile of the ATM IV against
 * the daily closes kept in <DataDir>/iv_history/<INDEX>.csv
 * (store/iv_history.h). A session's close is the last known ATM IV per tag
 * of the snapshots of that IST day the analyzer read, leaving out a tag
 * whose contract expires that day (g6_iv_history_keeps: its IV at seconds
 * to expiry is noise and its contract is gone the next session); it is
 * added once, when a snapshot of a later day is read or the IST date has
 * moved past it (so at the latest shortly after midnight), nothing when no
 * tag has a close, and a close that cannot be written is retried every
 * run: the closes of the sessions over wait in memory, oldest first, until
 * they are written (a later session's close never replaces one), up to
 * G6_ANALYZER_UNKEPT_MAX sessions (beyond, the oldest is dropped with an
 * error). A snapshot dated before the session being read (or before the
 * history's last session: an old snapshot put back) or after the IST date
 * of `now` is analysed but makes no close and ends no session (a warning,
 * once); a waiting close older than the history's last session, when that
 * session is not ahead of `now`, can never be written in order and is
 * dropped with a warning. A date-pinned expiry has no history (it is one
 * contract): its rank is NaN.
 *
 * Expiry labels are the rule's tag, or its date for a date-pinned rule (as
 * g6_chain labels them). An expiry that disappears from the snapshot gets
 * NaN (a tag) or is forgotten (a date), so labels never pile up.
 *
 * Kept out of the plugin so it is unit-tested with a recording sink. Not
 * thread-safe: one analyzer runs on one thread (g6_analytics' g6/analytics). */
#ifndef G6_ANALYZER_H
#define G6_ANALYZER_H

#include "core/status.h"
#include "math/chain_report.h"
#include "math/desk.h"
#include "metrics/metrics.h"

#include <stdbool.h>
#include <stddef.h>

#define G6_ANALYZER_MAX_INDICES 16
/* Sessions whose ATM IV close waits to be written (the IV history failing)
 * per index, at most. */
#define G6_ANALYZER_UNKEPT_MAX 32

/* Groups of metrics that can be switched off (Groups option). Snapshot
 * age, read failures, analysed snapshots and run time are always on. */
enum {
  G6_AG_PCR = 1u << 0,                /* oi_pcr, volume_pcr (+ _missing) */
  G6_AG_MAX_PAIN = 1u << 1,           /* max_pain */
  G6_AG_SUPPORT_RESISTANCE = 1u << 2, /* support, resistance */
  G6_AG_TERM_STRUCTURE = 1u << 3,     /* atm_iv, expiry_days */
  G6_AG_SKEW = 1u << 4,               /* rr25, bf25 */
  G6_AG_BUCKETS = 1u << 5,            /* bucket_* */
  G6_AG_SURFACE = 1u << 6,            /* surface_iv */
  G6_AG_GREEKS = 1u << 7,             /* net_* */
  G6_AG_PARITY = 1u << 8, /* forward_basis, implied_rate, parity_residual */
  G6_AG_DESK = 1u << 9,               /* straddle, OI change, build-up, GEX,
                                         IV rank (math/desk.h) */
  G6_AG_ALL = (1u << 10) - 1,
};
#define G6_AG_COUNT 10

/* Name of group bit i (0..G6_AG_COUNT-1): "pcr", "max_pain",
 * "support_resistance", "term_structure", "skew", "buckets", "surface",
 * "greeks", "parity", "desk"; NULL beyond. */
const char *g6_analytics_group_name(int i);

typedef void (*g6_analyzer_log_fn)(void *ctx, int level, const char *msg);

typedef struct g6_analyzer_config {
  const char *data_dir;
  /* Indices to analyse; none: every <DataDir>/snapshots/<NAME>.json whose
   * name is a valid index name, looked for at every run. A snapshots
   * directory not there yet is quiet (g6_chain makes it at its first
   * write), but a data_dir that does not exist, or a snapshots directory
   * that cannot be read, is a warning when it starts (a DataDir that is
   * not g6_chain's would otherwise analyse nothing without a word), and
   * an info line when snapshots can be looked for again. */
  const char *const *indices;
  size_t n_indices;
  unsigned groups;          /* G6_AG_* bits */
  g6_report_options report; /* strike windows */
  size_t max_bytes;         /* largest snapshot read; 0: the default */
  bool exclude_flagged;     /* leave legs g6_chain flagged as breaking a
                               no-arbitrage rule out of the analytics */
  /* desk group: IV rank over the last iv_window daily closes (NAN below
   * iv_min_days; 0 for both: 252 and 20), the build-up dead band as
   * shares of the previous price and OI (0: the defaults of math/desk.h;
   * the absolute floors are one tick, 0.05, and one lot) */
  size_t iv_window, iv_min_days;
  double buildup_price_band, buildup_oi_band;
  bool iv_history_durable; /* fsync the IV history when a close is added */
} g6_analyzer_config;

typedef struct g6_analyzer g6_analyzer;

/* Copies the configuration. `m` (owner g6_analytics) and `log` (levels
 * G6_METRICS_LOG_*; may be NULL) are borrowed. NULL when out of memory or
 * the configuration is invalid (no data_dir, more than
 * G6_ANALYZER_MAX_INDICES indices, an invalid index name). */
g6_analyzer *g6_analyzer_new(const g6_analyzer_config *cfg, g6_metrics *m,
                             g6_analyzer_log_fn log, void *log_ctx);
void g6_analyzer_free(g6_analyzer *a);

/* Warm start: admits every series of the configured indices (or of those
 * whose snapshot exists now), gauges at NaN, counters at 0, minus the
 * groups switched off, published at once. Returns the first error of the
 * runtime. */
g6_status g6_analyzer_warm(g6_analyzer *a);

/* One run at `now` (epoch seconds) over every index, as described above.
 * Its metrics are stored aside while it reads and computes, and published
 * to `m` together at its end (metrics/metrics.h, g6_metrics_commit): a
 * flush of `m` during a run dispatches the previous run's values whole,
 * never some of this run's beside the previous one's, and waits for no
 * file. The caller flushes. */
void g6_analyzer_run(g6_analyzer *a, double now);

/* What the last run did for an index (tests, logs); false when the index is
 * not known. */
typedef struct g6_analyzer_index_state {
  bool have;    /* a snapshot was analysed */
  uint64_t seq; /* its seq */
  int64_t generated_at;
  uint64_t analysed;     /* snapshots analysed since start */
  uint64_t failures;     /* unusable reads since start */
  g6_status last_status; /* of the last run: G6_OK or the read failure */
  uint64_t closes_kept;  /* daily ATM IV closes added to the history */
  g6_status history_status; /* last IV history read or write */
} g6_analyzer_index_state;

bool g6_analyzer_index(const g6_analyzer *a, const char *index,
                       g6_analyzer_index_state *out);

#endif
