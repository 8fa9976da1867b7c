/* g6 — the data of each panel g6_panels writes, built from the latest
 * values of the spec's metrics (metrics/latest.h), with the schema each
 * panel's data follows (docs/PANELS.md documents the same).
 *
 * The panels read metrics by their spec identities (g6m_def_*), never by
 * another plugin's code: indices and provider from g6_chain's series,
 * analytics from g6_chain's PCR and g6_analytics' series when they are
 * there, storage from g6_chain's CSV counters and g6_retention's scan.
 * Nothing is invented: a value no plugin dispatched, a NaN, a rate without
 * two samples, or a price of 0 (an index level, strike or max pain is never
 * 0; g6_chain's warm start dispatches 0 before the first priced cycle) is
 * null in the JSON, never 0.
 *
 * Rates and latency quantiles are over the last dispatch interval of each
 * series (the two samples metrics/latest keeps). */
#ifndef G6_COLLECTOR_PANEL_DATA_H
#define G6_COLLECTOR_PANEL_DATA_H

#include "core/json.h"
#include "metrics/latest.h"
#include "store/panel_schema.h"

#include <stddef.h>
#include <stdint.h>

/* What the panels need besides the metric values. */
typedef struct g6_panel_ctx {
  double now;      /* unix seconds */
  double started;  /* when g6_panels started (unix seconds) */
  double interval; /* FlushInterval, seconds */
  const char *version;
  const char *metrics_url;    /* NULL: null in the links panel */
  const char *dashboards_url; /* NULL: null */
  const char *panels_dir;
  /* this process (core/proc.h); prev_* from the previous flush, prev_now 0
   * on the first */
  double cpu_seconds, prev_cpu_seconds, prev_now, rss_bytes;
  long pid;
  size_t series_kept;
  uint64_t series_dropped;
  /* the integrity sweep: ok -1 before the first sweep, else 0/1 */
  int integrity_ok;
  double integrity_last_run; /* NaN before the first sweep */
  size_t integrity_problems;
} g6_panel_ctx;

typedef struct g6_panel_def {
  const char *name; /* file <name>_enveloped.json */
  /* NULL when out of memory */
  g6_json *(*build)(const g6_latest_view *v, const g6_panel_ctx *ctx);
  const g6_shape *shape; /* of the data */
} g6_panel_def;

/* Every panel, in the order they are written: indices_panel, provider,
 * analytics, storage, system, links. */
extern const g6_panel_def g6_panel_defs[];
extern const size_t g6_panel_defs_len;

const g6_panel_def *g6_panel_def_find(const char *name);

/* Indices in the indices panel data (its "count"), or -1 when data is not
 * an indices panel. */
int64_t g6_panel_indices_count(const g6_json *indices_data);

#endif
