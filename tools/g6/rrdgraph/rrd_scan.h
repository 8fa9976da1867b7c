/* g6 rrdgraph — the RRD files collectd's rrdtool plugin keeps for g6's
 * metrics, found by the identities the spec generated (metrics_gen.h).
 *
 * collectd's rrdtool plugin writes one file per value list (rrdtool.c,
 * value_list_to_filename):
 *
 *   <DataDir>/<host>/<plugin>[-<plugin_instance>]/<type>[-<type_instance>].rrd
 *
 * with one data source per data source of the type; every g6 type has one,
 * named "value" (types.db). A histogram is three types: <type>_bucket (one
 * file per bound, type_instance "0.25" ... "+Inf"), <type>_count and
 * <type>_sum. Neither the plugin nor the type contains '-', so a directory
 * name is split after "<plugin>-" and a file name after "<type>-": index
 * names with '-' in them stay whole.
 *
 * No librrd here: this is names only (unit-tested without RRD files). */
#ifndef G6_RRDGRAPH_SCAN_H
#define G6_RRDGRAPH_SCAN_H

#include "core/status.h"
#include "metrics/metrics.h"

#include <stdbool.h>
#include <stddef.h>

/* Which file of a metric: its values, or a histogram's buckets, count or
 * sum. */
typedef enum g6_rrd_part {
  G6_RRD_VALUE,
  G6_RRD_BUCKET,
  G6_RRD_COUNT,
  G6_RRD_SUM,
} g6_rrd_part;

/* What a file holds in the window a graph shows (rrd_render.h,
 * g6_rrd_window_data); a graph leaves out files with nothing to draw. */
typedef enum g6_rrd_data {
  G6_RRD_UNCHECKED, /* not looked at: drawn */
  G6_RRD_NOTHING,   /* every row unknown */
  G6_RRD_ZEROS,     /* known values, all 0 (a counter that did not move) */
  G6_RRD_VALUES,    /* a known value other than 0 */
} g6_rrd_data;

typedef struct g6_rrd_file {
  const g6_metric_def *def;
  g6_rrd_part part;
  g6_rrd_data data;
  char pi[64]; /* plugin_instance; "" when the metric has none */
  char ti[64]; /* type_instance; "" when none; a bucket's bound */
  char *path;  /* <host_dir>/<plugin dir>/<file>.rrd */
  bool unread; /* a read of it failed (reported once; left out) */
} g6_rrd_file;

typedef struct g6_rrd_set {
  g6_rrd_file *v;
  size_t n, cap;
  size_t other; /* .rrd files of no g6 metric (the host's other plugins) */
  size_t unreadable;     /* g6 plugin directories that could not be read */
  char unreadable_first[512]; /* the first: "cannot read DIR: cause" */
} g6_rrd_set;

/* Matches one file of a host directory: `dir` is the plugin directory's name
 * ("g6_index-NIFTY"), `file` the file's name ("collected_legs-this_week.rrd").
 * Fills *out (path NULL) and returns true when it belongs to a metric of
 * `catalog` (n entries); false otherwise (another plugin's file, a name that
 * is not .rrd, an instance longer than 63 bytes). */
bool g6_rrd_match(const g6_metric_def *const *catalog, size_t n,
                  const char *dir, const char *file, g6_rrd_file *out);

/* Reads every plugin directory of `host_dir` and keeps the files that match
 * (sorted by path, so output is stable). G6_ENOENT / G6_EPERM / G6_EIO with
 * `err` naming the directory when it cannot be read; a g6 plugin directory
 * (named for a plugin of `catalog`) that cannot be read is counted in
 * out->unreadable, the first named in out->unreadable_first, and skipped;
 * other plugins' directories are skipped. Free with g6_rrd_set_free (also
 * on error). */
g6_status g6_rrd_scan(const char *host_dir, const g6_metric_def *const *catalog,
                      size_t n, g6_rrd_set *out, g6_error *err);

void g6_rrd_set_free(g6_rrd_set *s);

/* Whether `host_dir` holds at least one file of a metric of `catalog`, or a
 * g6 plugin directory that cannot be read (how g6 rrdgraph tells g6 hosts
 * from others in a DataDir). */
bool g6_rrd_host_has_g6(const char *host_dir,
                        const g6_metric_def *const *catalog, size_t n);

#endif
