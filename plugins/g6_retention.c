/* g6_retention — DataDir's storage as metrics, and guarded pruning.
 *
 * Scanning a year of per-strike files (millions) takes seconds, so the scan
 * and the sweep run on a thread of g6_retention's own, started in init
 * every ScanInterval, at a lower CPU priority; collectd's read threads,
 * shared with the host's other plugins, are never held. The read callback
 * only turns the latest finished report into metrics (ages are taken at
 * dispatch time) and dispatches them every plugin interval. Shutdown asks a
 * running scan to stop; it does within a few hundred directory entries.
 *
 * `collectd -T` (a configuration check: init, one read, shutdown) starts no
 * thread: nothing is scanned or deleted. Not starting the sweep until the
 * first read would not do: -T calls every read callback once.
 *
 * Everything that does not need collectd lives in libg6: the option table
 * (config/retention.h), the walk and its safeguards (store/retention.h),
 * the metric mapping (collector/retention_metrics.h). This file is glue. */
#include "collectd/core/daemon/collectd.h"
#include "collectd/core/daemon/plugin.h"
#include "collectd/core/utils/common/common.h"

#include "collector/retention_metrics.h"
#include "config/retention.h"
#include "core/clock.h"
#include "core/lograte.h"
#include "core/thread.h"
#include "store/retention.h"

#include "common/config_result.h"
#include "common/lifecycle.h"
#include "common/metrics_sink.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PLUGIN "g6_retention"
#define LOG_EVERY_S 600.0 /* a lasting problem is logged again after this */

static struct {
  g6_retention_config conf;
  bool config_failed;
  g6_metrics *metrics;
  g6_retention_metrics mstate;
  /* the scan thread */
  pthread_t thread;
  bool running;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  atomic_int stop;
  g6_log_throttle scan_log, skip_log, fail_log, panels_log;
  /* published by the scan thread under mu */
  g6_retention_report latest;
  bool have_latest;    /* the last scan succeeded */
  double latest_at;    /* when it ended (epoch s) */
  uint64_t generation; /* scans published */
  g6_retention_counts pending; /* prune counts not yet dispatched */
  /* the read callback's copy */
  g6_retention_report shown;
  bool have_shown;
  double shown_at; /* end of the last successful scan, kept on a failure;
                    * 0 before the first */
  uint64_t consumed;
} g = {.mu = PTHREAD_MUTEX_INITIALIZER};

static int g6_retention_configure(oconfig_item_t *ci) {
  g6_error e;
  g6_status st = g6_retention_config_parse(ci, &g.conf, &e);
  return g6_plugin_config_result(PLUGIN, st, &e, &g.config_failed);
}

/* ---- the scan thread -------------------------------------------------- */

/* Logs what a lasting problem needs (when it starts, changes, every 10
 * minutes, and its end) and, when pruning, every sweep's summary. */
static void log_scan(g6_status st, const g6_error *e,
                     const g6_retention_report *r) {
  double now = g6_monotonic_now();
  if (g6_log_throttle_due(&g.scan_log, st, now, LOG_EVERY_S)) {
    if (st != G6_OK)
      WARNING(PLUGIN ": %s (nothing scanned; storage metrics are NaN)", e->msg);
    else
      INFO(PLUGIN ": scanning %s again", g.conf.data_dir);
  }
  if (st != G6_OK)
    return;
  uint64_t skipped = 0;
  for (int s = 0; s < G6_SKIP_COUNT; s++)
    skipped += r->skipped[s];
  if (g6_log_throttle_due(&g.skip_log, skipped ? G6_EIO : G6_OK, now,
                          LOG_EVERY_S)) {
    if (skipped)
      WARNING(PLUGIN ": %" PRIu64 " director%s under %s not scanned (%" PRIu64
                     " on another file system or mount, %" PRIu64
                     " unreadable, %" PRIu64 " too deep)%s%s",
              skipped, skipped == 1 ? "y" : "ies", g.conf.data_dir,
              r->skipped[G6_SKIP_OTHER_MOUNT], r->skipped[G6_SKIP_UNREADABLE],
              r->skipped[G6_SKIP_TOO_DEEP], r->first_failure[0] ? "; " : "",
              r->first_failure);
    else
      INFO(PLUGIN ": every directory under %s is scanned again",
           g.conf.data_dir);
  }
  /* a PanelsDir given and missing is a mistake (not g6_panels'); the
   * default missing may just mean g6_panels does not run here */
  if (g6_log_throttle_due(&g.panels_log, r->panels_missing ? G6_ENOENT : G6_OK,
                          now, INFINITY) &&
      r->panels_missing)
    plugin_log(g.conf.panels_dir || r->panels_errno != ENOENT ? LOG_WARNING
                                                               : LOG_INFO,
               PLUGIN ": the panels directory %s%s cannot be opened (%s): "
                      "panel files are not counted (NaN); give PanelsDir the "
                      "directory g6_panels writes",
               g.conf.panels_dir ? g.conf.panels_dir : g.conf.data_dir,
               g.conf.panels_dir ? "" : "/panels",
               strerror(r->panels_errno));
  if (!r->pruned)
    return;
  uint64_t failed = r->files_by_action[G6_PRUNE_FAILED];
  if (g6_log_throttle_due(&g.fail_log, failed ? G6_EPERM : G6_OK, now,
                          LOG_EVERY_S) &&
      failed)
    ERROR(PLUGIN ": %" PRIu64 " file(s) could not be deleted; first: %s",
          failed, r->first_failure);
  char line[512];
  g6_retention_summary(r, line, sizeof(line));
  INFO(PLUGIN ": sweep: %s", line);
}

static void *scan_main(void *arg) {
  (void)arg;
  /* background work: below collectd's own threads (best effort; on Linux
   * the nice value of one thread) */
  if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10) != 0)
    INFO(PLUGIN ": cannot lower the scan thread's priority: %s",
         strerror(errno));
  static g6_retention_report r; /* only this thread writes it */
  while (!atomic_load(&g.stop)) {
    double t0 = g6_monotonic_now();
    g6_retention_opts o = {.data_dir = g.conf.data_dir,
                           .panels_dir = g.conf.panels_dir,
                           .now = g6_wall_now(),
                           .policy = &g.conf.policy,
                           .stop = &g.stop};
    g6_error e = {0};
    g6_status st = g6_retention_run(&o, &r, &e);
    g6_thread_checkpoint(); /* left at shutdown: nothing more */
    if (r.aborted)
      break;
    log_scan(st, &e, &r);
    pthread_mutex_lock(&g.mu);
    g.have_latest = st == G6_OK;
    if (st == G6_OK) {
      g.latest = r;
      g.latest_at = g6_wall_now();
      g6_retention_counts_add(&g.pending, &r);
    }
    g.generation++;
    double deadline = t0 + g.conf.scan_interval;
    while (!atomic_load(&g.stop) && g6_monotonic_now() < deadline) {
      struct timespec ts;
      clock_gettime(CLOCK_MONOTONIC, &ts);
      double wait = fmin(deadline - g6_monotonic_now(), 1.0);
      ts.tv_sec += (time_t)wait;
      ts.tv_nsec += (long)((wait - floor(wait)) * 1e9);
      if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
      }
      pthread_cond_timedwait(&g.cv, &g.mu, &ts);
    }
    pthread_mutex_unlock(&g.mu);
  }
  return NULL;
}

/* ---- callbacks ---------------------------------------------------------- */

static int g6_retention_read(user_data_t *ud) {
  (void)ud;
  if (g.metrics == NULL) /* disabled: collectd -T calls it all the same */
    return 0;
  g6_retention_counts counts;
  pthread_mutex_lock(&g.mu);
  if (g.generation != g.consumed) {
    g.consumed = g.generation;
    g.have_shown = g.have_latest;
    if (g.have_latest) {
      g.shown = g.latest;
      g.shown_at = g.latest_at;
    }
  }
  counts = g.pending; /* every sweep since the last dispatch */
  memset(&g.pending, 0, sizeof(g.pending));
  pthread_mutex_unlock(&g.mu);
  g6_retention_metrics_prune(g.metrics, &counts);
  g6_retention_metrics_gauges(g.metrics, &g.mstate,
                              g.have_shown ? &g.shown : NULL, g6_wall_now(),
                              g.shown_at);
  g6_metrics_flush(g.metrics);
  return 0;
}

/* "<DataDir> every <ScanInterval> s; <the policy>", for the log. */
static void describe(char *buf, size_t len) {
  const g6_retention_config *c = &g.conf;
  const g6_retention_policy *p = &c->policy;
  if (!p->enabled)
    snprintf(buf, len, "%s every %g s; pruning off", c->data_dir,
             c->scan_interval);
  else
    snprintf(buf, len,
             "%s every %g s; %s files older than %d days (overview %d, "
             "snapshot history %d), at most %" PRIu64 " per sweep%s",
             c->data_dir, c->scan_interval,
             p->dry_run ? "dry run: counting" : "deleting", p->max_age_days,
             p->overview_max_age_days, p->snapshot_max_age_days, p->max_deletes,
             p->protect_today ? ", never one modified today (IST)" : "");
}

static int setup(void) {
  g6_retention_config *c = &g.conf;
  if (g.config_failed) /* logged by the config callback */
    return -1;
  if (c->data_dir == NULL) { /* no <Plugin g6_retention> block: defaults */
    oconfig_item_t empty = {.key = "Plugin"};
    g6_error e;
    if (g6_retention_config_parse(&empty, c, &e) != G6_OK) {
      ERROR(PLUGIN ": %s", e.msg);
      return -1;
    }
  }
  if ((g.metrics = g6_collectd_metrics_new(PLUGIN)) == NULL)
    return -1; /* logged */
  /* the indices already on disk have series before the first scan ends */
  char names[G6_RETENTION_MAX_INDICES][32];
  size_t n = g6_retention_discover(c->data_dir, names,
                                   G6_RETENTION_MAX_INDICES);
  /* warm start: the last scan's time 0 (never) until the first successful
   * scan, beside the start time and ScanInterval */
  g6_retention_metrics_warm(g.metrics, &g.mstate, names, n, g6_wall_now(),
                            c->scan_interval);
  char what[512];
  describe(what, sizeof(what));
  if (g6_plugin_read_test()) {
    INFO(PLUGIN ": collectd -T, a test run: nothing scanned or deleted; "
                "running, it scans %s",
         what);
    return 0;
  }
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&g.cv, &ca);
  pthread_condattr_destroy(&ca);
  atomic_store(&g.stop, 0);
  if (g6_thread_start(&g.thread, scan_main, NULL) != 0) {
    ERROR(PLUGIN ": cannot start the scan thread");
    return -1;
  }
  g.running = true;
  INFO(PLUGIN ": scanning %s", what);
  return 0;
}

static int g6_retention_init(void) {
  if (g.running || g.metrics != NULL)
    return 0;
  if (setup() != 0)
    return g6_plugin_init_failed(PLUGIN);
  return 0;
}

static int g6_retention_shutdown(void) {
  if (g.running) {
    pthread_mutex_lock(&g.mu);
    atomic_store(&g.stop, 1);
    pthread_cond_broadcast(&g.cv);
    pthread_mutex_unlock(&g.mu);
    g.running = false;
    /* a sweep blocked in the kernel (a hung mount under DataDir) must not
     * hold up collectd's stop: it is left, with what it uses */
    if (!g6_thread_join_within(g.thread, G6_STORAGE_GRACE_S)) {
      char msg[4400];
      ERROR(PLUGIN ": %s", g6_thread_left_msg(msg, sizeof(msg), "the sweep",
                                              "DataDir", g.conf.data_dir,
                                              NULL));
      g6_metrics_free(g.metrics);
      g.metrics = NULL;
      return 0;
    }
    pthread_cond_destroy(&g.cv);
  }
  g6_metrics_free(g.metrics);
  g.metrics = NULL;
  g6_retention_config_free(&g.conf);
  return 0;
}

void module_register(void) {
  plugin_register_complex_config(PLUGIN, g6_retention_configure);
  plugin_register_init(PLUGIN, g6_retention_init);
  g6_plugin_register_read(PLUGIN, PLUGIN, g6_retention_read, 0);
  plugin_register_shutdown(PLUGIN, g6_retention_shutdown);
}
