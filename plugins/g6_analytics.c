/* g6_analytics — chain analytics from g6_chain's snapshots, as metrics.
 *
 * Every interval it looks at <DataDir>/snapshots/<INDEX>.json of each
 * configured index (or of every index found there) and, for a new
 * snapshot, dispatches PCR, max pain, support and resistance, ATM IV and
 * the term structure, the 25-delta skew, moneyness x DTE buckets, the vol
 * surface, net Greeks and the parity forwards' basis, implied rate and
 * residual through the spec's helpers; always the snapshot's age, unusable
 * reads by cause, analysed snapshots and its run time.
 *
 * The runs are made on a thread of g6's own (`g6/analytics`, every
 * Interval; collector/runner.h), not on collectd's read threads, which the
 * host's other plugins share: a run reads every snapshot and may append a
 * daily close to the IV history (with fsync when Durable), so storage that
 * does not answer (a hung mount) would hold a read thread and, at the stop,
 * collectd itself. The read callback only dispatches what the last finished
 * run published, whole (collector/analyzer.h).
 *
 * Everything that does not need collectd lives in libg6: the option table
 * (config/analytics.h), the run and its metric mapping
 * (collector/analyzer.h), the snapshot reader (store/snapshot_read.h) and
 * the analytics (math/chain_report.h). This file is the glue. */
#include "collectd/core/daemon/collectd.h"
#include "collectd/core/daemon/plugin.h"
#include "collectd/core/utils/common/common.h"

#include "collector/analyzer.h"
#include "collector/runner.h"
#include "config/analytics.h"
#include "core/clock.h"
#include "core/thread.h"
#include "metrics/metrics.h"

#include "common/config_result.h"
#include "common/lifecycle.h"
#include "common/metrics_sink.h"

#define PLUGIN "g6_analytics"

static struct {
  g6_analytics_config conf;
  bool config_failed;
  g6_metrics *metrics;
  g6_analyzer *an;
  g6_runner *thread; /* g6/analytics */
  bool thread_left;  /* blocked at a stop: it keeps what it uses */
} g;

static int g6_analytics_configure(oconfig_item_t *ci) {
  g6_error e;
  g6_status st = g6_analytics_config_parse(ci, &g.conf, &e);
  return g6_plugin_config_result(PLUGIN, st, &e, &g.config_failed);
}

static void analyzer_log(void *ctx, int level, const char *msg) {
  (void)ctx;
  g6_thread_checkpoint(); /* the analysis left at shutdown logs nothing */
  plugin_log(level, "%s", msg);
}

static void g6_analytics_work(void *ctx, const g6_runner_tick *tick) {
  (void)ctx;
  (void)tick;
  g6_analyzer_run(g.an, g6_wall_now());
}

static int g6_analytics_read(user_data_t *ud) {
  (void)ud;
  g6_metrics_flush(g.metrics);
  return 0;
}

static int setup(void) {
  if (g.config_failed) /* logged by the config callback */
    return -1;
  if (g.conf.data_dir == NULL) { /* no <Plugin g6_analytics> block */
    g6_error e;
    oconfig_item_t empty = {.key = "Plugin"};
    if (g6_analytics_config_parse(&empty, &g.conf, &e) != G6_OK) {
      ERROR(PLUGIN ": %s", e.msg);
      return -1;
    }
  }
  if ((g.metrics = g6_collectd_metrics_new(PLUGIN)) == NULL)
    return -1; /* logged */
  g6_analyzer_config ac = g6_analytics_analyzer_config(&g.conf);
  if ((g.an = g6_analyzer_new(&ac, g.metrics, analyzer_log, NULL)) == NULL) {
    ERROR(PLUGIN ": cannot create the analyzer (out of memory)");
    return -1;
  }
  /* every series from the first interval on (NaN until a snapshot is read) */
  if (g6_analyzer_warm(g.an) != G6_OK)
    WARNING(PLUGIN ": some series were refused at warm start (see "
                   "collectd_g6_metrics_refusals_total)");
  if (g6_plugin_register_read(PLUGIN, PLUGIN, g6_analytics_read,
                              DOUBLE_TO_CDTIME_T(g.conf.interval)) != 0)
    return -1;
  if (g6_plugin_read_test()) { /* every check done, no file read */
    INFO(PLUGIN ": collectd -T, a test run: no snapshot analysed");
    return 0;
  }
  double interval = g.conf.interval > 0
                        ? g.conf.interval
                        : CDTIME_T_TO_DOUBLE(plugin_get_interval());
  g6_error e;
  if (g6_runner_start("g6/analytics", interval, 0, g6_analytics_work, NULL,
                      &g.thread, &e) != G6_OK) {
    ERROR(PLUGIN ": %s", e.msg);
    return -1;
  }
  if (g.conf.n_indices > 0)
    INFO(PLUGIN ": analysing %zu index(es) from %s/snapshots", g.conf.n_indices,
         g.conf.data_dir);
  else
    INFO(PLUGIN ": analysing every snapshot in %s/snapshots", g.conf.data_dir);
  return 0;
}

/* Stops the analysis thread within G6_STORAGE_GRACE_S: one still blocked on
 * DataDir's storage (a hung mount) is left, with all it uses
 * (g.thread_left), and collectd's stop goes on. */
static void stop(void) {
  if (g6_runner_stop_within(g.thread, G6_STORAGE_GRACE_S)) {
    g.thread = NULL;
    return;
  }
  g.thread = NULL;
  g.thread_left = true;
  char msg[4400];
  ERROR(PLUGIN ": %s", g6_thread_left_msg(msg, sizeof(msg), "the analysis",
                                          "DataDir", g.conf.data_dir, NULL));
}

static int g6_analytics_init(void) {
  if (setup() == 0)
    return 0;
  stop();
  return g6_plugin_init_failed(PLUGIN);
}

static int g6_analytics_shutdown(void) {
  stop();
  if (g.thread_left)
    return 0; /* the analyzer, its metrics and options stay: in use */
  g6_analyzer_free(g.an);
  g.an = NULL;
  g6_metrics_free(g.metrics);
  g.metrics = NULL;
  g6_analytics_config_free(&g.conf);
  return 0;
}

void module_register(void) {
  plugin_register_complex_config(PLUGIN, g6_analytics_configure);
  plugin_register_init(PLUGIN, g6_analytics_init);
  plugin_register_shutdown(PLUGIN, g6_analytics_shutdown);
}
