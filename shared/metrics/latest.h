/* g6 — the latest value of every g6 series collectd hands to a write
 * callback, in bounded memory: what g6_panels renders its panels from.
 *
 * Values arrive as collectd identities (plugin, plugin_instance, type,
 * type_instance). Each is resolved once against the spec's catalog
 * (metrics/metrics_gen.h): a gauge or counter series, or the bucket, count
 * or sum series of a histogram. Values of other collectd plugins are kept
 * only for the plugins named in `extra_plugins` (every data source of
 * theirs), and everything else is ignored, so a busy host's cpu/df/... values
 * cost one string comparison each.
 *
 * Each series keeps its latest sample and the one before it, so a reader
 * gets per-second rates and histogram quantiles over the last dispatch
 * interval without keeping history. At most `max_series` series are kept: a
 * value of a new series beyond that is dropped and counted
 * (g6_latest_dropped), never an older series evicted to make room; series
 * not updated for `ttl` seconds are forgotten at the next snapshot.
 *
 * Thread safety: g6_latest_put may run on several collectd write threads at
 * once; it holds one mutex for a hash lookup and a few stores. Readers take
 * a snapshot (a copy made under the same mutex, so a write thread waits at
 * most for a memcpy of the entries) and query the snapshot without locks. */
#ifndef G6_METRICS_LATEST_H
#define G6_METRICS_LATEST_H

#include "core/status.h"
#include "metrics/metrics.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct g6_latest g6_latest;
typedef struct g6_latest_view g6_latest_view;

typedef struct g6_latest_opts {
  size_t max_series;                 /* > 0 */
  const char *const *extra_plugins;  /* collectd plugin names, or NULL */
  size_t n_extra;
  double ttl;                        /* seconds; <= 0: never forget */
} g6_latest_opts;

/* NULL when out of memory or max_series is 0. The extra plugin names are
 * copied. */
g6_latest *g6_latest_new(const g6_latest_opts *o);
void g6_latest_free(g6_latest *l);

/* Records one value. `ds` is the data source name when the value list has
 * several (NULL or "" otherwise); `time` is collectd's time of the value in
 * seconds. Returns
 *   G6_OK        kept (a new series, or the next sample of a kept one);
 *   G6_ENOENT    ignored: not a spec identity nor an extra plugin's value;
 *   G6_ERANGE    dropped: max_series series are kept already (counted);
 *   G6_ENOMEM    dropped (counted).
 * A sample not newer than the series' latest is ignored (G6_OK). */
g6_status g6_latest_put(g6_latest *l, const char *plugin, const char *pi,
                        const char *type, const char *ti, const char *ds,
                        double value, double time);

/* Series kept now; values dropped since the start. Can't fail. */
size_t g6_latest_kept(g6_latest *l);
uint64_t g6_latest_dropped(g6_latest *l);

/* A copy of every kept series, forgetting those whose latest sample is
 * older than now - ttl first. NULL when out of memory. */
g6_latest_view *g6_latest_snapshot(g6_latest *l, double now);
void g6_latest_view_free(g6_latest_view *v);

/* One series: its latest sample and the one before (prev_time 0 when there
 * was none yet). Values are the dispatched ones: a gauge's value (NaN when
 * the plugin did not know it), a counter's cumulative total. */
typedef struct g6_latest_sample {
  double value, time;
  double prev_value, prev_time;
} g6_latest_sample;

/* The sample of a gauge or counter series of `def` with label values pi and
 * ti (NULL for a label the metric does not have). false when not kept. */
bool g6_latest_get(const g6_latest_view *v, const g6_metric_def *def,
                   const char *pi, const char *ti, g6_latest_sample *out);

#define G6_LATEST_MAX_BUCKETS 24

/* A histogram series: cumulative bucket counts over def->buckets plus +Inf
 * (n = def->n_buckets + 1), count and sum, at the latest sample and at the
 * one before (has_prev false when there was none, or a bucket is missing).
 * last_dcount and last_dsum are the increase of count and sum at the last
 * sample that changed count, however many samples ago (has_last false
 * before count increased after a first sample). */
typedef struct g6_latest_hist {
  size_t n;
  double cum[G6_LATEST_MAX_BUCKETS + 1], prev_cum[G6_LATEST_MAX_BUCKETS + 1];
  double count, prev_count, sum, prev_sum;
  bool has_prev;
  double last_dcount, last_dsum;
  bool has_last;
} g6_latest_hist;

/* false when the histogram of `def` with label value pi is not kept
 * complete (every bucket, count and sum). */
bool g6_latest_get_hist(const g6_latest_view *v, const g6_metric_def *def,
                        const char *pi, g6_latest_hist *out);

/* The distinct values of the plugin_instance label (`type_label` false) or
 * the type_instance label (true) among the kept series of `def`, sorted
 * byte-wise, at most `max`. Returns how many were stored; the strings live
 * as long as the view. */
size_t g6_latest_labels(const g6_latest_view *v, const g6_metric_def *def,
                        bool type_label, const char **out, size_t max);

/* Values of the extra plugins, in identity order: the i-th one's identity
 * and sample; false past the end. */
typedef struct g6_latest_extra {
  const char *plugin, *pi, *type, *ti, *ds; /* "" when empty */
  g6_latest_sample s;
} g6_latest_extra;
bool g6_latest_extra_at(const g6_latest_view *v, size_t i,
                        g6_latest_extra *out);

/* ---- arithmetic over samples ------------------------------------------ */

/* Per-second increase of a counter between its two samples; NaN when there
 * is no previous sample, time did not advance or the counter went down (a
 * restart). */
double g6_latest_rate(const g6_latest_sample *s);

/* The q-quantile (0..1) of the observations between the two samples of a
 * histogram, interpolated linearly inside the bucket like Prometheus'
 * histogram_quantile (the first bucket starts at 0; a quantile in the +Inf
 * bucket is the largest finite bound). NaN without a previous sample or
 * observations in between. */
double g6_latest_hist_quantile(const g6_latest_hist *h,
                               const g6_metric_def *def, double q);

/* Mean of the observations between the two samples (delta sum / delta
 * count); NaN without observations in between. */
double g6_latest_hist_mean(const g6_latest_hist *h);

/* Mean of the observations of the last sample that added some (the last
 * cycle's duration, kept while no new cycle ends); NaN before any. */
double g6_latest_hist_last_mean(const g6_latest_hist *h);

#endif
