/* g6 rrdgraph — the graphs drawn from the RRD files, per dashboard plan of
 * spec/plans.yml, and the rrdtool graph arguments of each.
 *
 * The RRD files are the local fallback where Prometheus and Grafana are
 * absent: each plan gets the graphs an operator looks at first (spot, ATM
 * and PCR per index, legs collected, provider latency and errors, CSV
 * appends and the data directory, panel integrity, the analytics), drawn
 * from the metrics the plan's families hold. Every metric is a generated
 * identity (g6m_def_*), never a name spelled here, and tests check that
 * each graph's metrics belong to its plan.
 *
 * A graph has up to four sources; each source turns its metric's files into
 * lines: one line for all of them, one per plugin_instance (index,
 * endpoint) or one per type_instance (expiry, result, or the moneyness of a
 * "mny.dte" bucket). A line over several files adds them like PromQL's
 * `sum(x >= -Inf)` (rrdtool's ADDNAN: an unknown value counts as nothing
 * unless every value is unknown) or takes their MAXNAN. Counters are
 * DERIVE files, which rrdtool stores as rates per second; histograms are
 * drawn as their mean (the rate of the sum over the rate of the count), as
 * RRD keeps no quantile. Unknown values stay gaps: nothing is drawn as 0.
 *
 * A file with nothing to draw in the window (every value unknown, or a
 * counter that stayed at 0; g6_rrd_file.data) is left out, and a graph
 * left with no line is not drawn: a line of NaN or of zeros for each of the
 * sixteen error types would hide the one that matters.
 *
 * Building the arguments needs no librrd (unit-tested); rrd_render.h runs
 * them. */
#ifndef G6_RRDGRAPH_GRAPHS_H
#define G6_RRDGRAPH_GRAPHS_H

#include "core/status.h"
#include "metrics/metrics.h"
#include "rrdgraph/rrd_scan.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum g6_rg_split {
  G6_RG_ONE,        /* every file of the source in one line */
  G6_RG_BY_PI,      /* a line per plugin_instance */
  G6_RG_BY_TI,      /* a line per type_instance */
  G6_RG_BY_TI_HEAD, /* a line per type_instance up to its first '.' */
} g6_rg_split;

typedef enum g6_rg_combine {
  G6_RG_SUM, /* ADDNAN: unknowns count as nothing, all unknown is unknown */
  G6_RG_MAX, /* MAXNAN */
} g6_rg_combine;

typedef enum g6_rg_draw {
  G6_RG_LINE,
  G6_RG_AREA, /* stacked on the areas before it */
} g6_rg_draw;

typedef struct g6_rg_source {
  const g6_metric_def *def;
  g6_rg_split split;
  g6_rg_combine combine;
  g6_rg_draw draw;
  const char *label;   /* legend of a G6_RG_ONE line (else the instance) */
  const char *ti_skip; /* a type_instance left out ("ok": errors only) */
  bool ti_first;       /* only the first type_instance present, in the
                          order of its domain (the nearest expiry) */
  bool dashed;         /* a dashed line (a reference such as the ATM) */
} g6_rg_source;

#define G6_RG_MAX_SOURCES 4

typedef struct g6_rg_graph {
  const char *plan;   /* slug of a plan of spec/plans.yml (g6m_plans) */
  const char *name;   /* file name: <plan>-<name>[-<instance>].png */
  const char *title;  /* "%s" is the instance of a per-instance graph */
  bool per_instance;  /* one graph per plugin_instance of src[0] */
  double scale;       /* values × scale (100: a ratio in percent); 0 = 1 */
  const char *vlabel; /* vertical axis; NULL: src[0]'s unit (per second
                         for a counter) */
  bool lower0;        /* the axis starts at 0 (counts, rates, sizes) */
  g6_rg_source src[G6_RG_MAX_SOURCES];
} g6_rg_graph;

extern const g6_rg_graph g6_rg_graphs[];
extern const size_t g6_rg_graphs_len;

/* What a graph is drawn over. */
typedef struct g6_rg_opts {
  const char *out_dir;     /* PNG files are written here */
  const char *host;        /* the collectd host (watermark) */
  const char *start, *end; /* rrdtool time specifications ("end-1h", "now") */
  unsigned width, height;  /* of the plot area, pixels */
} g6_rg_opts;

/* One line of a built graph: its legend and the files it adds up. */
typedef struct g6_rg_line {
  char label[80];
  size_t n_files;
} g6_rg_line;

#define G6_RG_MAX_LINES 24

/* A graph ready for rrdtool: argv for rrd_graph_v (argv[0] "graph",
 * argv[1] the PNG path), its PRINT statements (the last value of each line,
 * in line order) and what it shows. */
typedef struct g6_rg_built {
  char **argv;
  size_t argc, cap;
  char file[256]; /* <plan>-<name>[-<instance>].png */
  char title[200];
  const g6_rg_graph *graph;
  g6_rg_line lines[G6_RG_MAX_LINES];
  size_t n_lines;
  size_t n_files; /* RRD files used */
} g6_rg_built;

/* The plugin_instances of src[0]'s files (sorted, distinct): the instances
 * a per-instance graph is drawn for. *out is an array of pointers into
 * `set`; free it with free(). Returns the count. */
size_t g6_rg_instances(const g6_rg_graph *g, const g6_rrd_set *set,
                       const char ***out);

/* Builds graph `g` for `instance` (NULL unless per_instance) from the files
 * in `set`. G6_ENOENT when no file feeds it (nothing to draw), G6_ENOMEM,
 * G6_EINVAL when a line limit is exceeded; `err` says which. Free with
 * g6_rg_built_free (also after an error). Paths are escaped for rrdtool
 * (':' as "\:"). */
g6_status g6_rg_build(const g6_rg_graph *g, const char *instance,
                      const g6_rrd_set *set, const g6_rg_opts *o,
                      g6_rg_built *out, g6_error *err);
void g6_rg_built_free(g6_rg_built *b);

#endif
