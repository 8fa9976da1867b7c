/* g6_chain — option chains into CSV files, snapshots and metrics.
 *
 * Each <Index> collects on a thread of g6's own (collector/runner.h, its own
 * Interval), never on collectd's read threads, which the host's other
 * plugins share: a cycle waits for the Kite rate limiter and for HTTP. The
 * indices share the <Provider> client (rate limiter, breaker, quote cache)
 * and the instrument list, so a slow index never delays another. The one
 * read callback, "g6_chain/metrics", turns the client's counters into
 * metrics and dispatches the latest finished results of every index once
 * per plugin interval, half an interval after the other read callbacks
 * (g6_chain_phase); it returns at once.
 *
 * Everything that does not need collectd lives in libg6: the option tables
 * and their parser (config/chain.h), the cycle (collector/collector.h), the
 * metric mapping (collector/chain_metrics.h). This file is the glue.
 *
 * If init fails (unusable DataDir, calendar file, credentials, ...) the whole
 * "g6_chain" read group is unregistered (common/lifecycle.h): collectd itself
 * only unregisters a callback named exactly like the plugin. */
#include "collectd/core/daemon/collectd.h"
#include "collectd/core/daemon/plugin.h"
#include "collectd/core/utils/common/common.h"

#include "collector/chain_metrics.h"
#include "collector/collector.h"
#include "collector/cycle_log.h"
#include "collector/runner.h"
#include "config/chain.h"
#include "core/clock.h"
#include "core/fdhold.h"
#include "core/fsutil.h"
#include "core/lograte.h"
#include "core/thread.h"
#include "market/kite.h"
#include "market/kite_provider.h"
#include "metrics/metrics.h"

#include "common/config_result.h"
#include "common/lifecycle.h"
#include "common/metrics_sink.h"

#define PLUGIN "g6_chain"
#define LOG_EVERY_S 600.0 /* a lasting failure is logged again after this */
#define CLOCK_STEP_S 2.0  /* a wall-clock step worth a log line */

typedef struct chain_index {
  const g6_chain_index_config *conf;
  const char *calendar;  /* its calendar file, or NULL */
  int calendar_warned;   /* the year last said to have no entries */
  g6_collector *col;
  g6_runner *runner;
  g6_chain_index_metrics metrics;
  g6_cycle_log cycle_log;
  g6_log_throttle vix_log;
  g6_storage_log storage_log;        /* CSV and snapshot (cycle_log.h) */
  g6_date resolved[G6_MAX_EXPIRIES]; /* last resolved date per rule */
  g6_tag_collision_log tag_log; /* CSV rows withheld by a tag collision */
  g6_clock_watch clock;  /* steps of the wall clock between cycles */
  bool behind_logged;    /* CSV rows skipped: the clock went back (logged) */
} chain_index;

static struct {
  g6_chain_config conf;
  bool config_failed;
  g6_calendar_set cals; /* one per calendar file in use */
  g6_kite_client *client;
  g6_kite_provider *kp;
  g6_kite_stats prev; /* client counters already added to the metrics */
  chain_index indices[G6_CHAIN_MAX_INDICES];
  size_t n_indices;
  g6_metrics *metrics;
  /* held while a cycle's results are mapped and while they are dispatched,
   * so a flush never sends half of a cycle */
  pthread_mutex_t results_mu;
  unsigned phase_calls; /* calls of the "g6_chain/phase" callback */
  cdtime_t interval;    /* the plugin's: "g6_chain/metrics" runs at it */
  int data_lock;        /* DataDir, flock'ed: one writer (core/fsutil.h) */
  size_t abandoned;     /* index threads left blocked by stop_runners */
} g = {.results_mu = PTHREAD_MUTEX_INITIALIZER, .data_lock = -1};

static g6_log_dedup kite_dedup = G6_LOG_DEDUP_INIT;

static double now_s(void) { return CDTIME_T_TO_DOUBLE(cdtime()); }

static int g6_chain_configure(oconfig_item_t *ci) {
  g6_error e;
  g6_status st = g6_chain_config_parse(ci, &g.conf, &e);
  return g6_plugin_config_result(PLUGIN, st, &e, &g.config_failed);
}

/* ---- logging ------------------------------------------------------------ */

/* The client logs every failed request, which during an outage would be a
 * line per request and index: repeats within a minute are suppressed. */
static void kite_log(void *ctx, int flagged, const char *msg) {
  (void)ctx;
  g6_thread_checkpoint(); /* an index thread left at shutdown logs nothing */
  int level = G6_LOG_LEVEL(flagged);
  unsigned suppressed = 0;
  if (!(flagged & G6_LOG_SAID_ONCE) && /* once per event already */
      !g6_log_dedup_admit(&kite_dedup, level, msg, now_s(), 60, &suppressed))
    return;
  if (suppressed > 0)
    plugin_log(level, PLUGIN ": %s (%u similar messages in the last minute "
                      "not logged)",
               msg, suppressed);
  else
    plugin_log(level, PLUGIN ": %s", msg);
}

/* A decision of collector/cycle_log.h, said as a warning or a note. */
static void say(const chain_index *x, g6_cycle_log_level lv, const char *msg) {
  if (lv == G6_CYCLE_LOG_WARNING)
    WARNING(PLUGIN ": %s: %s", x->conf->ix.name, msg);
  else if (lv == G6_CYCLE_LOG_RECOVERED)
    INFO(PLUGIN ": %s: %s", x->conf->ix.name, msg);
  else if (lv == G6_CYCLE_LOG_ERROR)
    ERROR(PLUGIN ": %s: %s", x->conf->ix.name, msg);
}

/* The cycle's outcome: a bad one when it starts, changes cause and every
 * LOG_EVERY_S; "collecting again" once it is good. */
static void log_cycle(chain_index *x, const g6_cycle_result *r) {
  char msg[1024];
  if (g6_kite_client_cancelled(g.client)) /* a stop, no failure */
    return;
  say(x, g6_cycle_log_decide(&x->cycle_log, r, now_s(), LOG_EVERY_S, msg,
                             sizeof(msg)),
      msg);
}

/* CSV and snapshot failures, lost rows, torn tails cut (cycle_log.h). */
static void log_storage(chain_index *x, const g6_cycle_result *r) {
  g6_storage_line l[G6_STORAGE_LOG_MAX];
  size_t n = g6_storage_log_decide(&x->storage_log, r, now_s(), LOG_EVERY_S, l);
  for (size_t i = 0; i < n; i++)
    say(x, l[i].level, l[i].msg);
}

/* The wall clock stepping (NTP, an operator, a restored VM): timestamps
 * and file dates follow it; rows before a file's last one are skipped. */
static void log_clock(chain_index *x, double step, const g6_cycle_result *r) {
  const char *ix = x->conf->ix.name;
  if (fabs(step) >= CLOCK_STEP_S)
    WARNING(PLUGIN ": %s: the wall clock jumped %.0f s %s; CSV timestamps and "
                   "file dates follow it",
            ix, fabs(step), step > 0 ? "forward" : "back");
  if (r->csv.behind > 0 && !x->behind_logged)
    WARNING(PLUGIN ": %s: CSV: %" PRIu64 " row(s) not written: the cycle's "
                   "timestamp is before the last row of their file (the wall "
                   "clock went back); writing resumes when it passes it",
            ix, r->csv.behind);
  if (r->csv.behind > 0)
    x->behind_logged = true;
  else if (r->csv.rows_written > 0)
    x->behind_logged = false;
}

/* Per rule: a new date it resolves to (an expiry passed or vanished from
 * the instrument list), and its contract giving way to another's for a CSV
 * tag directory (collector/cycle_log.h). */
static void log_expiries(chain_index *x, const g6_cycle_result *r) {
  char msg[1024];
  for (size_t e = 0; e < r->n_expiries; e++) {
    if (g6_expiry_moved(x->resolved, r, e, msg, sizeof(msg)))
      INFO(PLUGIN ": %s: %s", x->conf->ix.name, msg);
    say(x, g6_tag_collision_log_decide(&x->tag_log, r, e, msg, sizeof(msg)),
        msg);
  }
}

/* A configured volatility index that the answer did not hold (a wrong key,
 * or Kite without it): said when it starts and when it is back, since the
 * VIX column then reads 0.0. The session's state taken back from the
 * snapshot after a restart is said once. */
static void log_desk(chain_index *x, const g6_cycle_result *r) {
  const char *ix = x->conf->ix.name, *key = x->conf->ix.vix;
  if (r->session_restored > 0)
    INFO(PLUGIN ": %s: continuing today's session from the latest snapshot "
                "(%ld contracts: OI at the open, previous prices)",
         ix, r->session_restored);
  if (key[0] == '\0' || !r->attempted || !isfinite(r->spot))
    return; /* a failed request is the cycle's log line */
  g6_status st = isfinite(r->vix) ? G6_OK : G6_ENOENT;
  if (!g6_log_throttle_due(&x->vix_log, st, now_s(), INFINITY))
    return;
  if (st != G6_OK)
    WARNING(PLUGIN ": %s: the answer has no quote for the volatility index "
                   "%s (VolatilityIndex): VIX unknown, NaN in the metrics and "
                   "0.0 in the overview CSV",
            ix, key);
  else
    INFO(PLUGIN ": %s: %s quoted again", ix, key);
}

/* Once a year per index: a calendar that says nothing about the current
 * year is a calendar nobody updated, and the gate is guessing. */
static void log_calendar(chain_index *x, const g6_cycle_result *r) {
  if (r->calendar_entries > 0 || x->calendar_warned == r->year)
    return;
  x->calendar_warned = r->year;
  WARNING(PLUGIN ": %s: the %s calendar (%s) has no entries for %d: every "
          "weekday 09:15-15:30 IST counts as a session; add the year's "
          "holidays and special sessions from the exchange circular",
          x->conf->ix.name, x->conf->exchange,
          x->calendar ? x->calendar : "none configured", r->year);
}

/* ---- callbacks ---------------------------------------------------------- */

/* One cycle of one index, on its runner thread. */
static void run_cycle(void *ctx, const g6_runner_tick *tick) {
  chain_index *x = ctx;
  double cpu0 = g6_thread_cpu_now();
  g6_cycle_result r;
  double wall = now_s();
  double step = g6_clock_watch_step(&x->clock, wall, g6_monotonic_now());
  g6_collector_cycle(x->col, wall, &r);
  g6_thread_checkpoint(); /* left at shutdown: no log, no result */
  log_clock(x, step, &r);
  log_cycle(x, &r);
  log_calendar(x, &r);
  log_expiries(x, &r);
  log_storage(x, &r);
  log_desk(x, &r);
  const g6_csv_family_stats *fam;
  size_t nf = g6_collector_csv_families(x->col, &fam);
  (void)tick; /* the schedule is read live, at each read */
  double cpu = g6_thread_cpu_now() - cpu0;
  pthread_mutex_lock(&g.results_mu);
  g6_chain_metrics_cycle(g.metrics, &x->conf->ix, &r, fam, nf, &x->metrics);
  g6_chain_metrics_cpu(g.metrics, &x->conf->ix, cpu, &x->metrics);
  pthread_mutex_unlock(&g.results_mu);
}

static int g6_chain_read_metrics(user_data_t *ud) {
  (void)ud;
  /* a replaced AccessTokenFile is read before the next request, latched
   * or not (market/kite.h) */
  g6_kite_stats s;
  g6_kite_stats_snapshot(g.client, &s);
  pthread_mutex_lock(&g.results_mu);
  for (size_t i = 0; i < g.n_indices; i++) /* a stalled cycle shows now */
    g6_chain_metrics_runner(g.metrics, &g.indices[i].conf->ix,
                            g.indices[i].runner, &g.indices[i].metrics);
  g6_chain_metrics_provider(g.metrics, &s, &g.prev);
  g6_metrics_flush(g.metrics);
  pthread_mutex_unlock(&g.results_mu);
  return 0;
}

/* Registers "g6_chain/metrics" half a plugin interval after init.
 *
 * collectd's aggregation plugin (the host totals of g6_aggregation.conf)
 * registers its read callback while the configuration is read and, at each
 * read, adds up every value it received since the previous one. Registered
 * at init, g6_chain's callback fell a few milliseconds after the
 * aggregation's, and scheduling jitter put two of its dispatches into one
 * aggregation window now and then: a host total counted twice (measured
 * at a 1 s interval: 4 of 87 windows; none of 90 since, host_totals.t).
 * Half an interval
 * later, each dispatch lands in the middle of a window whatever the
 * jitter. This callback runs every half interval; its first call comes at
 * once, the second registers the metrics callback and unregisters this one
 * (collectd drops it before its next turn), so it costs the host's read
 * threads nothing afterwards. */
static int g6_chain_phase(user_data_t *ud) {
  (void)ud;
  if (++g.phase_calls != 2)
    return 0;
  /* explicitly: inside this callback the default is its own interval */
  if (g6_plugin_register_read(PLUGIN, PLUGIN "/metrics",
                              g6_chain_read_metrics, g.interval) != 0)
    ERROR(PLUGIN ": cannot register the metrics callback");
  plugin_unregister_read(PLUGIN "/phase");
  return 0;
}

/* Stops the index threads (HTTP and rate-limit waits aborted), within
 * G6_STORAGE_GRACE_S: one blocked on a hung DataDir is left with all it
 * uses (g.abandoned) and collectd's stop goes on. */
static void stop_runners(void) {
  g6_runner *rs[G6_CHAIN_MAX_INDICES];
  for (size_t i = 0; i < g.n_indices; i++) {
    rs[i] = g.indices[i].runner;
    g6_runner_request_stop(rs[i]); /* before the cancel: no new transfer */
    g.indices[i].runner = NULL;
  }
  if (g.client != NULL)
    g6_kite_client_cancel(g.client);
  g6_runners_stop_within(rs, g.n_indices, G6_STORAGE_GRACE_S);
  for (size_t i = 0; i < g.n_indices; i++)
    if (rs[i] != NULL) {
      char msg[4400];
      ERROR(PLUGIN ": %s",
            g6_thread_left_msg(msg, sizeof(msg), g.indices[i].conf->ix.name,
                               "DataDir", g.conf.data_dir,
                               "The rows of its cycle in progress and any "
                               "held for retry are lost"));
      g.indices[i].col = NULL; /* its thread's: never closed or freed */
      g.abandoned++;
    }
}

/* Each index gates on its exchange's calendar; indices of one exchange
 * share one loaded file. */
static int load_calendar(chain_index *x, const g6_calendar **out) {
  g6_error e;
  if (g6_chain_calendar_load(&g.conf, x->conf, &g.cals, out, &x->calendar,
                             &e) == G6_OK)
    return 0;
  g6_plugin_init_config_error(PLUGIN, "<Index \"%s\">: %s", x->conf->ix.name,
                              e.msg);
  return -1;
}

/* The budget of CSV files kept open between cycles (core/fdhold.h); not
 * getting all of it is no reason to stop. */
static void hold_csv_files(size_t want, const char *dir) {
  char msg[1024];
  bool all = g6_fdhold_setup(want, "MaxOpenCSVFiles", dir, msg, sizeof(msg));
  if (msg[0] != '\0' && all)
    INFO(PLUGIN ": %s", msg);
  else if (msg[0] != '\0')
    WARNING(PLUGIN ": %s", msg);
}

/* Everything that can fail before collection starts. */
static int setup(void) {
  g6_error e;
  g6_chain_config *c = &g.conf;
  if (g.config_failed) /* logged by the config callback */
    return -1;
  const char *missing = g6_chain_config_missing(c);
  if (missing != NULL) {
    g6_plugin_init_config_error(PLUGIN, "%s", missing);
    return -1;
  }
  char note[512];
  if (g6_path_absolute(&c->data_dir, &e) != G6_OK || /* under BaseDir */
      g6_dir_claim_within(G6_STORAGE_GRACE_S, c->data_dir, "DataDir",
                   "two writers would append every row twice", &g.data_lock,
                   note, sizeof(note), &e) != G6_OK) {
    g6_plugin_init_config_error(PLUGIN, "DataDir: %s", e.msg);
    return -1;
  }
  if (note[0] != '\0')
    WARNING(PLUGIN ": %s", note);
  c->cc.data_dir = c->data_dir;
  c->provider.kite.log = kite_log;
  if (g6_kite_client_new(&c->provider.kite, &g.client, &e) != G6_OK) {
    g6_plugin_init_config_error(PLUGIN, "<Provider \"kite\">: %s", e.msg);
    return -1;
  }
  g6_kite_provider_opts o = {.refresh_min_interval_s =
                                c->provider.refresh_min_interval};
  if ((g.kp = g6_kite_provider_new(g.client, &o)) == NULL)
    return -1;
  if ((g.metrics = g6_collectd_metrics_new(PLUGIN)) == NULL)
    return -1; /* logged */
  const g6_index_config *ixs[G6_CHAIN_MAX_INDICES];
  for (size_t i = 0; i < c->n_indices; i++) {
    chain_index *x = &g.indices[g.n_indices++];
    x->conf = c->indices[i];
    ixs[i] = &x->conf->ix;
    g6_collector_config cc = c->cc; /* with this index's calendar */
    if (load_calendar(x, &cc.calendar) != 0)
      return -1;
    x->col = g6_collector_new(&x->conf->ix, &cc, g6_kite_provider_iface(g.kp));
    if (x->col == NULL)
      return -1;
  }
  if (c->cc.write_csv) /* after the checks of the configuration */
    hold_csv_files((size_t)c->max_open_csv_files, c->data_dir);
  /* every series from the first cycle on, so no panel is empty */
  g6_chain_metrics_warm(g.metrics, ixs, c->n_indices);
  if (g6_plugin_read_test()) { /* every check done, no request, no file */
    INFO(PLUGIN ": collectd -T, a test run: nothing collected");
    return 0;
  }
  double default_interval = CDTIME_T_TO_DOUBLE(plugin_get_interval());
  for (size_t i = 0; i < g.n_indices; i++) {
    chain_index *x = &g.indices[i];
    char name[40]; /* the kernel keeps 15 bytes of a thread name */
    snprintf(name, sizeof(name), "g6/%s", x->conf->ix.name);
    double interval = x->conf->interval > 0 ? x->conf->interval
                                            : default_interval;
    if (g6_runner_start(name, interval, 0, run_cycle, x, &x->runner, &e) !=
        G6_OK) {
      ERROR(PLUGIN ": %s: %s", x->conf->ix.name, e.msg);
      return -1;
    }
  }
  g.interval = plugin_get_interval();
  if (g6_plugin_register_read(PLUGIN, PLUGIN "/phase", g6_chain_phase,
                              DOUBLE_TO_CDTIME_T(default_interval / 2)) != 0)
    return -1;
  INFO(PLUGIN ": collecting %zu index(es) into %s%s", c->n_indices,
       c->data_dir, c->cc.force_open ? " (ForceOpen: ignoring market hours)" : "");
  return 0;
}

static int g6_chain_init(void) {
  if (setup() == 0) /* the read callback is registered last */
    return 0;
  stop_runners();
  return g6_plugin_init_failed(PLUGIN);
}

static int g6_chain_shutdown(void) {
  stop_runners();
  /* then the rows held after failed writes, last try: bounded as well (a
   * thread stopped between cycles, but this write may block) */
  double until = g6_monotonic_now() + G6_STORAGE_GRACE_S;
  for (size_t i = 0; i < g.n_indices; i++) {
    char msg[1024];
    size_t lost;
    if (!g6_collector_close_within(g.indices[i].col,
                                   until - g6_monotonic_now(), &lost, msg,
                                   sizeof(msg)))
      g.abandoned++;
    if (msg[0] != '\0')
      ERROR(PLUGIN ": %s", msg);
    g.indices[i].col = NULL;
  }
  g.n_indices = 0;
  if (g.abandoned > 0) /* what a blocked thread uses stays */
    return 0;
  g6_kite_provider_free(g.kp);
  g6_kite_client_free(g.client);
  g.kp = NULL;
  g.client = NULL;
  g6_metrics_free(g.metrics);
  g.metrics = NULL;
  g6_calendar_set_free(&g.cals);
  g6_chain_config_free(&g.conf);
  if (g.data_lock >= 0)
    close(g.data_lock);
  g.data_lock = -1;
  return 0;
}

void module_register(void) {
  plugin_register_complex_config(PLUGIN, g6_chain_configure);
  plugin_register_init(PLUGIN, g6_chain_init);
  plugin_register_shutdown(PLUGIN, g6_chain_shutdown);
}
