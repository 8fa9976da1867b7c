/* g6_panels — integrity-checked JSON panels and the integrity monitor.
 *
 * The write callback keeps the latest value of every g6 series collectd
 * dispatches (metrics/latest.h: one mutex, a hash lookup and a few stores,
 * so collectd's write threads are never held for long; bounded by
 * MaxSeries). Two threads of g6's own (collector/runner.h) do the file
 * work, never collectd's read threads, which the host's other plugins share
 * (a durable flush waits for fsync; storage that hangs would hold a read
 * thread, and collectd's stop, for good):
 *
 *   g6/panels      every FlushInterval: render the panels from a snapshot
 *                  (collector/panel_data.h), validate them, write the
 *                  changed ones and the manifest as one set (store/panels.h);
 *   g6/integrity   every IntegrityInterval: verify every file the manifest
 *                  lists and the signature (store/integrity.h).
 *
 * One read callback, g6_panels/metrics, dispatches g6_panels' metrics every
 * plugin interval. Flush and sweep never overlap (one mutex), so the sweep
 * never reads a set half written by its own process. Everything else lives
 * in libg6; the option table is config/panels.c. If init fails, the read
 * group and the write callback are unregistered and collectd runs on.
 * Under `collectd -T` init makes every check of a start (options, key file,
 * PanelsDir created, writable and locked) and starts no thread and
 * registers no callback: no panel, no manifest. */
#include "collectd/core/daemon/collectd.h"
#include "collectd/core/daemon/plugin.h"
#include "collectd/core/utils/common/common.h"

#include "collector/panel_data.h"
#include "collector/panels_metrics.h"
#include "collector/runner.h"
#include "config/panels.h"
#include "core/clock.h"
#include "core/fsutil.h"
#include "core/lograte.h"
#include "core/proc.h"
#include "core/thread.h"
#include "metrics/latest.h"
#include "metrics/metrics_gen.h"
#include "store/integrity.h"
#include "store/panel_schema.h"
#include "store/panels.h"

#include "common/config_result.h"
#include "common/lifecycle.h"
#include "common/metrics_sink.h"

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <unistd.h>

#define PLUGIN "g6_panels"
#define LOG_EVERY_S 600.0

static struct {
  g6_panels_config conf;
  bool config_failed, write_registered;
  unsigned char *key;
  size_t key_len;
  g6_latest *latest;
  g6_panels_writer *writer;
  g6_metrics *metrics;
  g6_runner *threads[2];        /* g6/panels, g6/integrity */
  bool threads_left;            /* one was left blocked: nothing is freed */
  double started, prev_cpu, prev_now;
  int integrity_ok; /* -1 before the first sweep */
  double integrity_last;
  size_t integrity_problems;
  char integrity_seen[1024]; /* the problems last logged */
  bool drop_logged;
  bool sets_paused;         /* whole sets paused for a passing reason, logged */
  uint64_t dropped_counted; /* drops already added to the metric */
  g6_log_throttle write_log, valid_log[G6_PANELS_MAX];
} g = {.integrity_ok = -1, .integrity_last = NAN};

static pthread_mutex_t work_mu = PTHREAD_MUTEX_INITIALIZER;

static double now_s(void) { return CDTIME_T_TO_DOUBLE(cdtime()); }

static int g6_panels_configure(oconfig_item_t *ci) {
  g6_error e;
  g6_status st = g6_panels_config_parse(ci, &g.conf, &e);
  return g6_plugin_config_result(PLUGIN, st, &e, &g.config_failed);
}

/* ---- write: keep the latest values ---------------------------------------- */

static int g6_panels_keep(const data_set_t *ds, const value_list_t *vl,
                           user_data_t *ud) {
  (void)ud;
  double t = CDTIME_T_TO_DOUBLE(vl->time);
  for (size_t i = 0; i < vl->values_len && i < ds->ds_num; i++) {
    double v;
    switch (ds->ds[i].type) {
    case DS_TYPE_GAUGE:
      v = vl->values[i].gauge;
      break;
    case DS_TYPE_DERIVE:
      v = (double)vl->values[i].derive;
      break;
    case DS_TYPE_COUNTER:
      v = (double)vl->values[i].counter;
      break;
    default:
      v = (double)vl->values[i].absolute;
      break;
    }
    g6_latest_put(g.latest, vl->plugin, vl->plugin_instance, vl->type,
                  vl->type_instance, ds->ds_num > 1 ? ds->ds[i].name : NULL,
                  v, t);
  }
  return 0;
}

/* ---- flush: render and write the panels ----------------------------------- */

/* Validates one panel; returns false when strict validation refuses it. */
static bool validate(size_t i, const g6_panel_def *def, const g6_json *data,
                     double now) {
  if (g.conf.validate == G6_VALIDATE_OFF)
    return true;
  g6_json *env = g6_panel_envelope(def->name, data, now, PLUGIN);
  g6_error e;
  g6_status st = env ? g6_panel_validate(env, def->name, def->shape, &e)
                     : g6_error_set(&e, G6_ENOMEM, "out of memory");
  g6_json_free(env);
  if (g6_log_throttle_due(&g.valid_log[i], st, now, LOG_EVERY_S)) {
    if (st != G6_OK)
      plugin_log(g.conf.validate == G6_VALIDATE_STRICT ? LOG_ERR : LOG_WARNING,
                 PLUGIN ": %s (Validate %s: %s)", e.msg,
                 g.conf.validate == G6_VALIDATE_STRICT ? "strict" : "warn",
                 g.conf.validate == G6_VALIDATE_STRICT
                     ? "the previous file is kept"
                     : "written anyway");
    else
      INFO(PLUGIN ": panel %s is valid again", def->name);
  }
  if (st == G6_OK)
    return true;
  g6m_panel_validation_failures_add(g.metrics, def->name, 1);
  return g.conf.validate != G6_VALIDATE_STRICT;
}

static void account(const g6_panel_out *out, size_t n,
                    const g6_panels_result *r, g6_status st,
                    const g6_error *e, double now) {
  bool any = false; /* a failure counted against a panel due */
  for (size_t i = 0; i < n; i++) { /* blocked: its name is not g6's */
    if (r->changed[i])
      g6m_panel_writes_add(g.metrics, out[i].name, st == G6_OK ? 1 : 0);
    any = any || (r->changed[i] && st != G6_OK);
    if ((r->changed[i] && st != G6_OK) || r->blocked[i])
      g6m_panel_write_failures_add(g.metrics, out[i].name, 1);
  }
  if (st == G6_OK && r->manifest_written)
    g6m_panel_writes_add(g.metrics, "manifest", 1);
  else if (st != G6_OK && !any)
    g6m_panel_write_failures_add(g.metrics, "manifest", 1);
  if (r->blocked_news[0] != '\0') /* once, when it changes */
    plugin_log(r->n_blocked ? LOG_WARNING : LOG_INFO, PLUGIN ": %s",
               r->blocked_news);
  const char *real = g6_panels_writer_dir(g.writer);
  bool via_link = strcmp(real, g.conf.panels_dir) != 0;
  if (r->dir_recreated)
    WARNING(PLUGIN ": PanelsDir %s had been removed%s%s%s; created it again "
                   "and wrote a whole new set of panels",
            g.conf.panels_dir, via_link ? " (the directory " : "",
            via_link ? real : "", via_link ? " it leads to)" : "");
  if (r->link_recreated)
    WARNING(PLUGIN ": PanelsDir %s, a symbolic link to %s, had been removed; "
                   "created the link again",
            g.conf.panels_dir, real);
  if (g6_log_throttle_due(&g.write_log, st, now, LOG_EVERY_S)) {
    if (st != G6_OK && r->dir_elsewhere)
      ERROR(PLUGIN ": %s (retried every %g s)", e->msg,
            g.conf.flush_interval);
    else if (st != G6_OK && r->dir_missing)
      ERROR(PLUGIN ": %s (PanelsDir is gone: no panels are in place until "
                   "it can be created again; retried every %g s)",
            e->msg, g.conf.flush_interval);
    else if (st != G6_OK)
      ERROR(PLUGIN ": %s (the previous panels stay in place; retried every "
                   "%g s)",
            e->msg, g.conf.flush_interval);
    else
      INFO(PLUGIN ": writing panels to %s again", g.conf.panels_dir);
  }
  if (r->fell_back && r->for_good)
    WARNING(PLUGIN ": %s; writing panels file by file from now on (a crash "
                   "mid-flush can leave manifest.json not matching a panel "
                   "until the next flush)",
            r->fallback_reason);
  else if (r->fell_back && !g.sets_paused) {
    WARNING(PLUGIN ": %s; writing panels file by file until a whole set can "
                   "be swapped in again (tried every %g s)",
            r->fallback_reason, g.conf.flush_interval);
    g.sets_paused = true;
  }
  if (r->exchange_again) {
    INFO(PLUGIN ": whole panel sets are swapped into %s atomically again",
         g.conf.panels_dir);
    g.sets_paused = false;
  }
}

static void flush_locked(void) {
  double t0 = g6_monotonic_now();
  double now = now_s();
  g6_proc_usage pu;
  g6_proc_usage_get(&pu);
  g6_panel_ctx c = {.now = now, .started = g.started,
                    .interval = g.conf.flush_interval, .version = G6_VERSION,
                    .metrics_url = g.conf.metrics_url,
                    .dashboards_url = g.conf.dashboards_url,
                    .panels_dir = g.conf.panels_dir,
                    .cpu_seconds = pu.cpu_seconds, .prev_cpu_seconds = g.prev_cpu,
                    .prev_now = g.prev_now, .rss_bytes = pu.rss_bytes,
                    .pid = (long)getpid(),
                    .series_kept = g6_latest_kept(g.latest),
                    .series_dropped = g6_latest_dropped(g.latest),
                    .integrity_ok = g.integrity_ok,
                    .integrity_last_run = g.integrity_last,
                    .integrity_problems = g.integrity_problems};
  g.prev_cpu = pu.cpu_seconds;
  g.prev_now = now;
  g6_latest_view *v = g6_latest_snapshot(g.latest, now);
  g6_json *data[G6_PANELS_MAX] = {NULL};
  g6_panel_out out[G6_PANELS_MAX];
  size_t n = 0;
  int64_t indices = -1;
  for (size_t i = 0; v != NULL && i < g6_panel_defs_len; i++) {
    const g6_panel_def *def = &g6_panel_defs[i];
    data[i] = def->build(v, &c);
    out[n] = (g6_panel_out){.name = def->name, .data = data[i],
                            .keep = data[i] == NULL ||
                                    !validate(i, def, data[i], now)};
    if (i == 0 && data[i] != NULL)
      indices = g6_panel_indices_count(data[i]);
    n++;
  }
  g6_latest_view_free(v);
  g6_panels_result r;
  g6_error e;
  g6_status st = n > 0 ? g6_panels_write(g.writer, out, n, now, indices, &r, &e)
                       : g6_error_set(&e, G6_ENOMEM, "out of memory");
  if (n > 0)
    account(out, n, &r, st, &e, now);
  else if (g6_log_throttle_due(&g.write_log, st, now, LOG_EVERY_S))
    ERROR(PLUGIN ": cannot render the panels: out of memory");
  for (size_t i = 0; i < n; i++)
    g6_json_free(data[i]);
  g6m_kept_series_set(g.metrics, (double)c.series_kept);
  uint64_t dropped = g6_latest_dropped(g.latest);
  g6m_dropped_series_add(g.metrics, (int64_t)(dropped - g.dropped_counted));
  g.dropped_counted = dropped;
  if (dropped > 0 && !g.drop_logged) {
    WARNING(PLUGIN ": MaxSeries %lld series are kept; values of further "
                   "series are dropped (collectd_g6_panels_dropped_series_total)",
            (long long)g.conf.max_series);
    g.drop_logged = true;
  }
  g6m_flush_duration_set(g.metrics, g6_monotonic_now() - t0);
}

/* ---- the integrity sweep --------------------------------------------------- */

static void log_sweep(const g6_integrity_report *r) {
  g6_thread_checkpoint(); /* a sweep left at shutdown logs nothing */
  char seen[sizeof(g.integrity_seen)];
  g6_integrity_issues_line(r, seen, sizeof(seen));
  if (strcmp(seen, g.integrity_seen) == 0)
    return; /* logged when the problems change, not every sweep */
  if (r->n > 0)
    WARNING(PLUGIN ": integrity: %zu problem(s) in %s: %s", r->n,
            g.conf.panels_dir, seen);
  else
    INFO(PLUGIN ": integrity: every file in %s matches manifest.json again",
         g.conf.panels_dir);
  sstrncpy(g.integrity_seen, seen, sizeof(g.integrity_seen));
}

static void sweep_locked(void) {
  g6_integrity_report r = {0};
  if (g6_integrity_check(g.conf.panels_dir, g.key, g.key_len, &r) == G6_OK) {
    g.integrity_ok = r.n == 0;
    g.integrity_problems = r.n;
    g.integrity_last = now_s();
    g6_panels_metrics_sweep(g.metrics, &r, g.integrity_last);
    log_sweep(&r);
  } else {
    ERROR(PLUGIN ": integrity: out of memory");
  }
  g6_integrity_report_free(&r);
}

enum { FLUSHER, SWEEPER }; /* g.threads[], and each one's ctx */

/* g6/panels (FLUSHER) every FlushInterval, g6/integrity (SWEEPER) every
 * IntegrityInterval. The flusher's first cycle also makes the first sweep,
 * right after the first flush: a sweep racing ahead of it found no
 * manifest in a new PanelsDir and warned at every fresh start. */
static void g6_panels_work(void *ctx, const g6_runner_tick *tick) {
  bool flusher = (uintptr_t)ctx == FLUSHER;
  pthread_mutex_lock(&work_mu);
  if (flusher)
    flush_locked();
  if (!flusher || tick->cycle == 1)
    sweep_locked();
  pthread_mutex_unlock(&work_mu);
}

static int g6_panels_metrics(user_data_t *ud) {
  (void)ud;
  g6_metrics_flush(g.metrics);
  return 0;
}

/* ---- life cycle --------------------------------------------------------------- */

static int setup(void) {
  g6_error e;
  g6_panels_config *c = &g.conf;
  if (g.config_failed) /* logged by the config callback */
    return -1;
  if (!c->parsed && g6_panels_config_defaults(c, &e) != G6_OK) {
    ERROR(PLUGIN ": %s", e.msg);
    return -1;
  }
  if (c->key_file != NULL) {
    char *key = NULL;
    if (g6_read_secret_option(c->key_file, "KeyFile",
                              "HMAC key of manifest.json.sig", &key,
                              &e) != G6_OK) {
      g6_plugin_init_config_error(PLUGIN, "%s", e.msg);
      return -1;
    }
    g.key = (unsigned char *)key;
    g.key_len = strlen(key);
  }
  size_t n_extra = 0;
  while (c->extra_plugins && c->extra_plugins[n_extra])
    n_extra++;
  g6_latest_opts lo = {.max_series = (size_t)c->max_series,
                       .extra_plugins = (const char *const *)c->extra_plugins,
                       .n_extra = n_extra, .ttl = c->series_ttl};
  g6_panels_writer_opts wo = {.dir = c->panels_dir, .source = PLUGIN,
                              .app_version = G6_VERSION, .key = g.key,
                              .key_len = g.key_len, .durable = c->durable,
                              .per_file = !c->atomic_set, .file_mode = 0644};
  if ((g.latest = g6_latest_new(&lo)) == NULL)
    ERROR(PLUGIN ": cannot keep the latest values: out of memory");
  if (g.latest == NULL || (g.metrics = g6_collectd_metrics_new(PLUGIN)) == NULL)
    return -1; /* logged */
  if (g6_panels_writer_open(&wo, &g.writer, &e) != G6_OK) {
    g6_plugin_init_config_error(PLUGIN, "PanelsDir: %s", e.msg);
    return -1;
  }
  bool whole = g6_panels_writer_exchanges(g.writer);
  if (g6_panels_writer_notes(g.writer)[0] != '\0')
    WARNING(PLUGIN ": %s%s", g6_panels_writer_notes(g.writer),
            c->atomic_set && !whole ? "; writing panels file by file" : "");
  char what[PATH_MAX + 160];
  snprintf(what, sizeof(what),
           "panels to %s every %g s (%s), integrity sweep every %g s%s",
           c->panels_dir, c->flush_interval,
           whole ? "whole sets swapped in atomically" : "file by file",
           c->integrity_interval, g.key ? ", manifest signed" : "");
  if (g6_plugin_read_test()) { /* every check done, PanelsDir held */
    INFO(PLUGIN ": collectd -T, a test run: no panel written, no integrity "
                "sweep; running, it writes %s",
         what);
    return 0;
  }
  /* warm start: the integrity state unknown, the sweep's time 0 (never)
   * until the first sweep, beside the start time and the interval the
   * sweep is due at */
  g.started = now_s();
  g6_panels_metrics_warm(g.metrics, g.started, c->integrity_interval);
  user_data_t ud = {.data = NULL};
  if (plugin_register_write(PLUGIN, g6_panels_keep, &ud) != 0)
    return -1;
  g.write_registered = true;
  if (g6_plugin_register_read(PLUGIN, PLUGIN "/metrics", g6_panels_metrics,
                              0) != 0)
    return -1;
  if (g6_runner_start("g6/panels", c->flush_interval, 0, g6_panels_work,
                      (void *)(uintptr_t)FLUSHER, &g.threads[FLUSHER],
                      &e) != G6_OK ||
      g6_runner_start("g6/integrity", c->integrity_interval,
                      c->integrity_interval, g6_panels_work,
                      (void *)(uintptr_t)SWEEPER, &g.threads[SWEEPER],
                      &e) != G6_OK) {
    ERROR(PLUGIN ": %s", e.msg);
    return -1;
  }
  INFO(PLUGIN ": writing %s", what);
  return 0;
}

/* Stops collecting values, then the threads within G6_STORAGE_GRACE_S: one
 * still blocked on PanelsDir's storage (a hung mount) is left, with all it
 * uses (g.threads_left), and collectd's stop goes on. */
static void stop(void) {
  if (g.write_registered)
    plugin_unregister_write(PLUGIN);
  g.write_registered = false;
  if (g6_runners_stop_within(g.threads, 2, G6_STORAGE_GRACE_S) == 0)
    return;
  g.threads_left = true;
  char msg[4400];
  ERROR(PLUGIN ": %s",
        g6_thread_left_msg(msg, sizeof(msg),
                           g.threads[FLUSHER] ? "the panels flush"
                                              : "the integrity sweep",
                           "PanelsDir", g.conf.panels_dir, NULL));
  g.threads[FLUSHER] = g.threads[SWEEPER] = NULL;
}

static int g6_panels_init(void) {
  if (setup() == 0)
    return 0;
  stop();
  return g6_plugin_init_failed(PLUGIN);
}

static int g6_panels_shutdown(void) {
  stop();
  if (g.threads_left)
    return 0; /* the writer, the key, ... stay: a thread still uses them */
  g6_panels_writer_close(g.writer);
  g6_latest_free(g.latest);
  g6_metrics_free(g.metrics);
  g.writer = NULL;
  g.latest = NULL;
  g.metrics = NULL;
  if (g.key != NULL) {
    g6_wipe(g.key, g.key_len);
    free(g.key);
    g.key = NULL;
  }
  g6_panels_config_free(&g.conf);
  return 0;
}

void module_register(void) {
  plugin_register_complex_config(PLUGIN, g6_panels_configure);
  plugin_register_init(PLUGIN, g6_panels_init);
  plugin_register_shutdown(PLUGIN, g6_panels_shutdown);
}
