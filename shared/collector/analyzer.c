/* g6_analytics' run (see collector/analyzer.h). */
#include "collector/analyzer.h"

#include "core/clock.h"
#include "core/ist.h"
#include "core/lograte.h"
#include "market/chain.h"
#include "metrics/metrics_gen.h"
#include "store/iv_history.h"
#include "store/snapshot_read.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define LABEL_MAX 16

static const char *const group_names[G6_AG_COUNT] = {"pcr",
                                                     "max_pain",
                                                     "support_resistance",
                                                     "term_structure",
                                                     "skew",
                                                     "buckets",
                                                     "surface",
                                                     "greeks",
                                                     "parity",
                                                     "desk"};

const char *g6_analytics_group_name(int i) {
  return i >= 0 && i < G6_AG_COUNT ? group_names[i] : NULL;
}

/* ---- what each group dispatches ------------------------------------------ */

static double v_oi_pcr(const g6_report_expiry *e) { return e->pcr.by_oi; }
static double v_vol_pcr(const g6_report_expiry *e) { return e->pcr.by_volume; }
static double v_oi_pcr_missing(const g6_report_expiry *e) {
  return e->pcr_missing_oi;
}
static double v_vol_pcr_missing(const g6_report_expiry *e) {
  return e->pcr_missing_volume;
}
static double v_max_pain(const g6_report_expiry *e) {
  return e->max_pain.strike;
}
static double v_support(const g6_report_expiry *e) {
  return g6_report_support(e);
}
static double v_resistance(const g6_report_expiry *e) {
  return g6_report_resistance(e);
}
static double v_atm_iv(const g6_report_expiry *e) { return e->atm_iv; }
static double v_days(const g6_report_expiry *e) { return e->days; }
static double v_rr25(const g6_report_expiry *e) { return e->skew.rr25; }
static double v_bf25(const g6_report_expiry *e) { return e->skew.bf25; }
static double v_basis(const g6_report_expiry *e) { return e->basis_bps; }
static double v_rate(const g6_report_expiry *e) { return e->implied_rate; }
static double v_residual(const g6_report_expiry *e) {
  return e->parity_residual;
}

static const struct {
  unsigned group;
  const g6_metric_def *def;
  double (*get)(const g6_report_expiry *);
} per_expiry[] = {
    {G6_AG_PCR, &g6m_def_oi_pcr, v_oi_pcr},
    {G6_AG_PCR, &g6m_def_volume_pcr, v_vol_pcr},
    {G6_AG_PCR, &g6m_def_oi_pcr_missing, v_oi_pcr_missing},
    {G6_AG_PCR, &g6m_def_volume_pcr_missing, v_vol_pcr_missing},
    {G6_AG_MAX_PAIN, &g6m_def_max_pain, v_max_pain},
    {G6_AG_SUPPORT_RESISTANCE, &g6m_def_support, v_support},
    {G6_AG_SUPPORT_RESISTANCE, &g6m_def_resistance, v_resistance},
    {G6_AG_TERM_STRUCTURE, &g6m_def_atm_iv, v_atm_iv},
    {G6_AG_TERM_STRUCTURE, &g6m_def_expiry_days, v_days},
    {G6_AG_SKEW, &g6m_def_rr25, v_rr25},
    {G6_AG_SKEW, &g6m_def_bf25, v_bf25},
    {G6_AG_PARITY, &g6m_def_forward_basis, v_basis},
    {G6_AG_PARITY, &g6m_def_implied_rate, v_rate},
    {G6_AG_PARITY, &g6m_def_parity_residual, v_residual},
};
#define N_PER_EXPIRY (sizeof(per_expiry) / sizeof(per_expiry[0]))

/* Every gauge of a group (the chain-wide ones included), for warm start. */
static const struct {
  unsigned group;
  const g6_metric_def *def;
} grouped[] = {
    {G6_AG_PCR, &g6m_def_oi_pcr},
    {G6_AG_PCR, &g6m_def_volume_pcr},
    {G6_AG_PCR, &g6m_def_oi_pcr_missing},
    {G6_AG_PCR, &g6m_def_volume_pcr_missing},
    {G6_AG_MAX_PAIN, &g6m_def_max_pain},
    {G6_AG_SUPPORT_RESISTANCE, &g6m_def_support},
    {G6_AG_SUPPORT_RESISTANCE, &g6m_def_resistance},
    {G6_AG_TERM_STRUCTURE, &g6m_def_atm_iv},
    {G6_AG_TERM_STRUCTURE, &g6m_def_expiry_days},
    {G6_AG_SKEW, &g6m_def_rr25},
    {G6_AG_SKEW, &g6m_def_bf25},
    {G6_AG_BUCKETS, &g6m_def_bucket_contracts},
    {G6_AG_BUCKETS, &g6m_def_bucket_oi},
    {G6_AG_BUCKETS, &g6m_def_bucket_volume},
    {G6_AG_BUCKETS, &g6m_def_bucket_iv},
    {G6_AG_BUCKETS, &g6m_def_bucket_spread},
    {G6_AG_SURFACE, &g6m_def_surface_iv},
    {G6_AG_GREEKS, &g6m_def_net_delta},
    {G6_AG_GREEKS, &g6m_def_net_gamma},
    {G6_AG_GREEKS, &g6m_def_net_theta},
    {G6_AG_GREEKS, &g6m_def_net_vega},
    {G6_AG_PARITY, &g6m_def_forward_basis},
    {G6_AG_PARITY, &g6m_def_implied_rate},
    {G6_AG_PARITY, &g6m_def_parity_residual},
    {G6_AG_DESK, &g6m_def_atm_straddle},
    {G6_AG_DESK, &g6m_def_atm_straddle_open},
    {G6_AG_DESK, &g6m_def_expected_move},
    {G6_AG_DESK, &g6m_def_oi_change},
    {G6_AG_DESK, &g6m_def_buildup},
    {G6_AG_DESK, &g6m_def_gamma_exposure},
    {G6_AG_DESK, &g6m_def_gamma_flip},
    {G6_AG_DESK, &g6m_def_iv_rank},
    {G6_AG_DESK, &g6m_def_iv_percentile},
    {G6_AG_DESK, &g6m_def_iv_history_days},
    {G6_AG_ALL, &g6m_def_snapshot_age},
    {G6_AG_ALL, &g6m_def_analytics_duration},
};
#define N_GROUPED (sizeof(grouped) / sizeof(grouped[0]))

/* ---- state ----------------------------------------------------------------
 */

typedef struct ax_index {
  char name[G6_INDEX_NAME_MAX];
  bool id_ok; /* identity of the last file analysed */
  dev_t dev;
  ino_t ino;
  off_t size;
  struct timespec mtime;
  g6_analyzer_index_state st;
  g6_log_throttle log;
  char labels[G6_MAX_EXPIRIES][LABEL_MAX]; /* expiry labels exported */
  size_t n_labels;
  /* the daily ATM IV closes (store/iv_history.h) and the close of the
   * session being read, added once that session is over */
  g6_iv_history hist;
  bool hist_loaded;
  double hist_failed; /* the run (its `now`) whose read of it failed */
  g6_iv_close pending;
  bool have_pending;
  /* closes of sessions that are over but could not be written yet, oldest
   * first: a later session's close must not replace one still unwritten */
  g6_iv_close unkept[G6_ANALYZER_UNKEPT_MAX];
  size_t n_unkept;
  g6_log_throttle hist_log;
  bool out_of_day; /* the last snapshot was no close of its session: said */
} ax_index;

struct g6_analyzer {
  char *data_dir;
  char **names; /* configured indices (owned) */
  size_t n_names;
  unsigned groups;
  g6_report_options report_opts;
  size_t max_bytes;
  bool exclude_flagged;
  size_t iv_window, iv_min_days;
  double price_band, oi_band;
  bool durable;
  g6_metrics *m;      /* a stage of `target`: a run's values, set aside */
  g6_metrics *target; /* what the plugin flushes (borrowed) */
  g6_analyzer_log_fn log;
  void *log_ctx;
  ax_index ix[G6_ANALYZER_MAX_INDICES];
  size_t n;
  bool warm; /* warm start done: new indices are warmed when found */
  int discover_errno; /* why the last discovery could not look (0: it could) */
  g6_leg *legs;
  size_t legs_cap;
  g6_chain_report report;
};

static void logf_(g6_analyzer *a, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void logf_(g6_analyzer *a, int level, const char *fmt, ...) {
  if (a->log == NULL)
    return;
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  a->log(a->log_ctx, level, msg);
}

g6_analyzer *g6_analyzer_new(const g6_analyzer_config *cfg, g6_metrics *m,
                             g6_analyzer_log_fn log, void *log_ctx) {
  if (cfg == NULL || cfg->data_dir == NULL || m == NULL ||
      cfg->n_indices > G6_ANALYZER_MAX_INDICES)
    return NULL;
  for (size_t i = 0; i < cfg->n_indices; i++)
    if (!g6_index_name_valid(cfg->indices[i]))
      return NULL;
  g6_analyzer *a = calloc(1, sizeof(*a));
  if (a == NULL)
    return NULL;
  a->data_dir = strdup(cfg->data_dir);
  a->names = calloc(cfg->n_indices + 1, sizeof(*a->names));
  a->m = g6_metrics_stage_new(m);
  bool ok = a->data_dir != NULL && a->names != NULL && a->m != NULL;
  for (size_t i = 0; ok && i < cfg->n_indices; i++) {
    ok = (a->names[i] = strdup(cfg->indices[i])) != NULL;
    a->n_names += ok;
  }
  if (!ok) {
    g6_analyzer_free(a);
    return NULL;
  }
  a->groups = cfg->groups & G6_AG_ALL;
  a->report_opts = cfg->report;
  a->max_bytes = cfg->max_bytes;
  a->exclude_flagged = cfg->exclude_flagged;
  g6_buildup_band band = G6_BUILDUP_BAND_DEFAULT;
  a->iv_window = cfg->iv_window ? cfg->iv_window : 252;
  a->iv_min_days = cfg->iv_min_days ? cfg->iv_min_days : 20;
  a->price_band =
      cfg->buildup_price_band > 0 ? cfg->buildup_price_band : band.price_rel;
  a->oi_band = cfg->buildup_oi_band > 0 ? cfg->buildup_oi_band : band.oi_rel;
  a->durable = cfg->iv_history_durable;
  a->target = m;
  a->log = log;
  a->log_ctx = log_ctx;
  return a;
}

void g6_analyzer_free(g6_analyzer *a) {
  if (a == NULL)
    return;
  for (size_t i = 0; i < a->n_names; i++)
    free(a->names[i]);
  free(a->names);
  free(a->data_dir);
  free(a->legs);
  for (size_t i = 0; i < a->n; i++)
    g6_iv_history_free(&a->ix[i].hist);
  g6_metrics_free(a->m);
  free(a);
}

bool g6_analyzer_index(const g6_analyzer *a, const char *index,
                       g6_analyzer_index_state *out) {
  for (size_t i = 0; i < a->n; i++)
    if (strcmp(a->ix[i].name, index) == 0) {
      *out = a->ix[i].st;
      return true;
    }
  return false;
}

/* ---- warm start -----------------------------------------------------------
 */

/* Sets every series of a gauge of index `ix` to NaN (its type labels from
 * the spec), or forgets them. */
static void all_series(g6_analyzer *a, const g6_metric_def *def, const char *ix,
                       bool forget) {
  size_t n = def->ti ? def->ti->n_values : 1;
  for (size_t v = 0; v < n; v++) {
    const char *ti = def->ti ? def->ti->values[v] : NULL;
    if (forget)
      g6_metrics_forget(a->m, def, ix, ti);
    else
      g6_metrics_gauge_set(a->m, def, ix, ti, NAN);
  }
}

static void warm_index(g6_analyzer *a, const char *ix) {
  const char *names[1] = {ix};
  g6m_warm_g6_analytics(a->m, names, 1);
  /* unknown until a snapshot is read: NaN, never 0 */
  for (size_t g = 0; g < N_GROUPED; g++)
    all_series(a, grouped[g].def, ix, !(grouped[g].group & a->groups));
}

static ax_index *add_index(g6_analyzer *a, const char *name) {
  for (size_t i = 0; i < a->n; i++)
    if (strcmp(a->ix[i].name, name) == 0)
      return &a->ix[i];
  if (a->n == G6_ANALYZER_MAX_INDICES)
    return NULL;
  ax_index *x = &a->ix[a->n++];
  memset(x, 0, sizeof(*x));
  x->hist_failed = NAN; /* no run yet */
  snprintf(x->name, sizeof(x->name), "%s", name);
  if (a->warm)
    warm_index(a, name);
  return x;
}

/* Adds the indices whose latest snapshot exists (no Index option). */
static void discover(g6_analyzer *a) {
  char dir[PATH_MAX];
  snprintf(dir, sizeof(dir), "%s/snapshots", a->data_dir);
  DIR *d = opendir(dir);
  if (d == NULL) {
    int en = errno;
    struct stat sb;
    if (en == ENOENT && stat(a->data_dir, &sb) == 0)
      en = 0; /* DataDir is there: no snapshot written yet */
    if (en == ENOENT && en != a->discover_errno)
      logf_(a, G6_METRICS_LOG_WARNING,
            "g6_analytics: DataDir %s does not exist: no snapshot to analyse "
            "(DataDir must be g6_chain's; looked for again every run)",
            a->data_dir);
    else if (en != 0 && en != a->discover_errno)
      logf_(a, G6_METRICS_LOG_WARNING,
            "g6_analytics: cannot read %s: %s: no snapshot to analyse "
            "(looked for again every run)",
            dir, strerror(en));
    a->discover_errno = en;
    return;
  }
  if (a->discover_errno != 0)
    logf_(a, G6_METRICS_LOG_INFO, "g6_analytics: looking for snapshots in %s "
                                  "again",
          dir);
  a->discover_errno = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    size_t len = strlen(e->d_name);
    if (len <= 5 || strcmp(e->d_name + len - 5, ".json") != 0 ||
        len - 5 >= G6_INDEX_NAME_MAX)
      continue;
    char name[G6_INDEX_NAME_MAX];
    memcpy(name, e->d_name, len - 5);
    name[len - 5] = '\0';
    if (!g6_index_name_valid(name))
      continue;
    if (add_index(a, name) == NULL) {
      logf_(a, G6_METRICS_LOG_WARNING,
            "g6_analytics: more than %d indices in %s; %s is not analysed",
            G6_ANALYZER_MAX_INDICES, dir, name);
      break;
    }
  }
  closedir(d);
}

static void ensure_indices(g6_analyzer *a) {
  if (a->n_names > 0) {
    for (size_t i = 0; i < a->n_names; i++)
      add_index(a, a->names[i]);
  } else {
    discover(a);
  }
}

g6_status g6_analyzer_warm(g6_analyzer *a) {
  ensure_indices(a);
  for (size_t i = 0; i < a->n; i++)
    warm_index(a, a->ix[i].name);
  a->warm = true;
  g6_status st = g6_metrics_commit(a->m);
  if (st == G6_OK && g6_metrics_refusal_count(a->target, NULL) > 0)
    st = G6_ERANGE;
  return st;
}

/* ---- one snapshot into metrics ----------------------------------------------
 */

static bool is_tag(const char *label) {
  return g6_expiry_tag_index(label) >= 0;
}

/* ---- the desk group (math/desk.h) ------------------------------------------
 */

static const char *const side_names[2] = {"call", "put"};

/* The desk gauges of one expiry label. */
static const g6_metric_def *const desk_per_expiry[] = {
    &g6m_def_atm_straddle, &g6m_def_atm_straddle_open,
    &g6m_def_expected_move, &g6m_def_gamma_exposure,
    &g6m_def_gamma_flip,    &g6m_def_iv_rank,
    &g6m_def_iv_percentile, &g6m_def_iv_history_days};
#define N_DESK_PER_EXPIRY (sizeof(desk_per_expiry) / sizeof(desk_per_expiry[0]))

static void set_or_forget(g6_analyzer *a, const g6_metric_def *def,
                          const char *ix, const char *l, bool forget) {
  if (forget)
    g6_metrics_forget(a->m, def, ix, l);
  else
    g6_metrics_gauge_set(a->m, def, ix, l, NAN);
}

static void desk_vanish(g6_analyzer *a, const char *ix, const char *label,
                        bool forget) {
  for (size_t k = 0; k < N_DESK_PER_EXPIRY; k++)
    set_or_forget(a, desk_per_expiry[k], ix, label, forget);
  for (int side = 0; side < 2; side++) {
    char l[64];
    snprintf(l, sizeof(l), "%s.%s", label, side_names[side]);
    set_or_forget(a, &g6m_def_oi_change, ix, l, forget);
    for (int b = G6_BUILDUP_LONG; b < G6_BUILDUP_COUNT; b++) {
      snprintf(l, sizeof(l), "%s.%s.%s", label, side_names[side],
               g6_buildup_name((g6_buildup)b));
      set_or_forget(a, &g6m_def_buildup, ix, l, forget);
    }
  }
}

/* The IST day number and date of an epoch. */
static int64_t ist_day(double t, g6_date *date) {
  g6_ist_tm tm;
  g6_ist_breakdown((int64_t)floor(t), &tm);
  if (date != NULL)
    *date = tm.date;
  return tm.days;
}

static int64_t date_day(g6_date d) {
  return g6_days_from_civil(d.year, d.month, d.day);
}

/* The index's IV history, read once and again after each added close; a
 * read that failed is tried again at the next run, not twice in one (the
 * session check and the rank both ask for it). */
static const g6_iv_history *history(g6_analyzer *a, ax_index *x, double now) {
  if (x->hist_loaded || x->hist_failed == now)
    return &x->hist;
  char path[4096];
  g6_error e;
  g6_error_clear(&e);
  g6_status st = g6_iv_history_path(a->data_dir, x->name, path, sizeof(path));
  if (st == G6_OK)
    st = g6_iv_history_read(path, &x->hist, &e);
  else
    g6_error_set(&e, st, "%s/%s/%s.csv: path too long", a->data_dir,
                 G6_IV_HISTORY_DIR, x->name);
  x->hist_loaded = st == G6_OK;
  x->st.history_status = st;
  if (st != G6_OK) {
    x->hist_failed = now;
    g6_iv_history_free(&x->hist);
    if (g6_log_throttle_due(&x->hist_log, st, now, 600))
      logf_(a, G6_METRICS_LOG_ERR,
            "g6_analytics: %s: IV history: %s (IV rank and percentile are "
            "NaN)",
            x->name, e.msg);
  } else if (x->hist.skipped > 0) {
    logf_(a, G6_METRICS_LOG_WARNING,
          "g6_analytics: %s: IV history %s: %zu line(s) skipped, kept as they "
          "are (first: line %d: %s)",
          x->name, path, x->hist.skipped, x->hist.first_skipped, x->hist.why);
  }
  return &x->hist;
}

/* The IST day number of the history's last session; INT64_MIN when it has
 * none or cannot be read. */
static int64_t history_last_day(g6_analyzer *a, ax_index *x, double now) {
  const g6_iv_history *h = history(a, x, now);
  return x->hist_loaded && h->n > 0 ? date_day(h->v[h->n - 1].date)
                                    : INT64_MIN;
}

/* Whether a snapshot of IST day `day` belongs to the session whose close is
 * being read: not dated after the clock's day (g6_chain's clock ahead, or
 * this host's stepped back), nor before the pending session, a session
 * waiting to be written or the history's last one (an old snapshot put
 * back: a restored backup, a seq gone backwards). Such a snapshot is
 * analysed, but it neither ends the session nor makes its close. */
static bool in_session(g6_analyzer *a, ax_index *x, int64_t day, double now) {
  if (day > ist_day(now, NULL))
    return false;
  if (x->have_pending && day < date_day(x->pending.date))
    return false;
  if (x->n_unkept > 0 && day <= date_day(x->unkept[x->n_unkept - 1].date))
    return false;
  int64_t last = history_last_day(a, x, now);
  return !(last != INT64_MIN && day < last && last <= ist_day(now, NULL));
}

/* Sets the pending close aside once its session is over (a snapshot of a
 * later day was read, `day`, or the IST date moved past it) and writes the
 * closes set aside, oldest first. A failed write is logged and retried at
 * the next run; the closes wait meanwhile, up to G6_ANALYZER_UNKEPT_MAX
 * sessions (beyond, the oldest is dropped, said as an error). */
/* Removes the oldest close waiting to be written (x->n_unkept > 0). */
static void drop_oldest_unkept(ax_index *x) {
  memmove(&x->unkept[0], &x->unkept[1],
          (x->n_unkept - 1) * sizeof(x->unkept[0]));
  x->n_unkept--;
}

static void keep_close(g6_analyzer *a, ax_index *x, int64_t day, double now) {
  if (x->have_pending && date_day(x->pending.date) < day) {
    if (x->n_unkept == G6_ANALYZER_UNKEPT_MAX) {
      char d[11];
      g6_date_format(x->unkept[0].date, d);
      logf_(a, G6_METRICS_LOG_ERR,
            "g6_analytics: %s: dropped the ATM IV close of %s: %d closes "
            "wait to be written to the IV history already (see the error "
            "before)",
            x->name, d, G6_ANALYZER_UNKEPT_MAX);
      drop_oldest_unkept(x);
    }
    x->unkept[x->n_unkept++] = x->pending;
    x->have_pending = false;
  }
  if (x->n_unkept == 0)
    return;
  char path[4096];
  g6_error e;
  g6_error_clear(&e);
  g6_status st = g6_iv_history_path(a->data_dir, x->name, path, sizeof(path));
  int64_t today = ist_day(now, NULL);
  while (st == G6_OK && x->n_unkept > 0) {
    const g6_iv_close *c = &x->unkept[0];
    /* older than the history's last session, itself not ahead of the
     * clock: the close is the one out of order (an old snapshot put back),
     * never writable; waiting for it would block every later close */
    int64_t last = history_last_day(a, x, now);
    if (last > date_day(c->date) && last <= today) {
      char d[11];
      g6_date_format(c->date, d);
      logf_(a, G6_METRICS_LOG_WARNING,
            "g6_analytics: %s: the ATM IV close of %s is not kept: %s has "
            "later sessions already (a snapshot of that day was read late)",
            x->name, d, path);
      drop_oldest_unkept(x);
      continue;
    }
    st = g6_iv_history_append(path, c, a->durable, &e);
    if (st != G6_OK && st != G6_EEXIST && st != G6_EINVAL)
      break;
    /* kept now, kept before (a restart), or nothing known to keep */
    if (st == G6_OK) {
      char d[11];
      g6_date_format(c->date, d);
      x->st.closes_kept++;
      logf_(a, G6_METRICS_LOG_INFO,
            "g6_analytics: %s: kept the ATM IV close of %s in %s", x->name, d,
            path);
    }
    drop_oldest_unkept(x);
    g6_iv_history_free(&x->hist);
    x->hist_loaded = false;
    st = G6_OK;
  }
  x->st.history_status = st;
  if (g6_log_throttle_due(&x->hist_log, st, now, 600) && st != G6_OK)
    logf_(a, G6_METRICS_LOG_ERR,
          "g6_analytics: %s: cannot keep the ATM IV close: %s (retried every "
          "run; %zu session(s) wait)",
          x->name, e.msg, x->n_unkept);
}

/* The session's close so far: the latest known ATM IV per tag, but for a
 * tag whose contract expires that day (store/iv_history.h: with seconds
 * to live at the session's end its IV is noise). */
static void note_close(ax_index *x, const g6_snapshot_doc *d,
                       const g6_chain_report *r, g6_date date) {
  if (!x->have_pending || date_day(x->pending.date) != date_day(date)) {
    x->have_pending = true;
    x->pending.date = date;
    for (int t = 0; t < G6_EXPIRY_TAG_COUNT; t++)
      x->pending.iv[t] = NAN;
  }
  for (size_t e = 0; e < r->n_expiries && e < d->n_expiries; e++) {
    const g6_expiry_result *xr = &d->expiries[e];
    if (xr->spec.rule == G6_EXPIRY_DATE || !xr->resolved ||
        !g6_iv_history_keeps(date, xr->date))
      continue;
    int t = g6_expiry_tag_index(xr->tag);
    if (t >= 0 && isfinite(r->ex[e].atm_iv))
      x->pending.iv[t] = r->ex[e].atm_iv;
  }
}

/* Every desk figure of every expiry of a document. */
static void desk_metrics(g6_analyzer *a, ax_index *x, const g6_snapshot_doc *d,
                         const g6_report_input *in, double now) {
  g6_date date;
  ist_day((double)d->generated_at, &date);
  const g6_iv_history *h = history(a, x, now);
  double *win = calloc(a->iv_window, sizeof(*win));
  for (size_t e = 0; e < in->n_expiries && e < d->n_expiries; e++) {
    const g6_expiry_result *xr = &d->expiries[e];
    char buf[11];
    const char *label = g6_snapshot_expiry_label(xr, buf);
    if (label == NULL)
      continue;
    const g6_report_expiry_input *ri = &in->ex[e];
    const g6_leg *legs = in->legs + ri->first;
    size_t n = ri->resolved ? ri->n : 0;
    const char *ix = x->name;
    g6_straddle sd;
    if (g6_desk_straddle(legs, n, d->atm, d->spot, G6_PRICE_MID_OR_LAST,
                         &sd) != G6_OK)
      sd.price = sd.move_share = NAN;
    g6m_atm_straddle_set(a->m, ix, label, sd.price);
    g6m_expected_move_set(a->m, ix, label, sd.move_share);
    g6m_atm_straddle_open_set(a->m, ix, label,
                              ri->resolved ? xr->straddle_open : NAN);
    /* Kite's OI is in units of the underlying (contracts x lot): gamma x
     * OI x S^2 x 1 % is the exposure of contracts x lot */
    g6_gex gx;
    if (!(isfinite(d->spot) && d->spot > 0) ||
        g6_desk_gex(legs, n, d->spot, 1, &gx) != G6_OK)
      gx.total = gx.flip_strike = NAN;
    g6m_gamma_exposure_set(a->m, ix, label, gx.total);
    g6m_gamma_flip_set(a->m, ix, label, gx.flip_strike);
    double lot = xr->lot_size;
    g6_oi_change oc;
    g6_desk_oi_change(legs, n, &oc);
    g6_buildup_band band = {0.05, a->price_band,
                            isfinite(lot) && lot > 0 ? lot : 1, a->oi_band};
    g6_buildup_counts bc;
    g6_desk_buildup(legs, n, &band, &bc);
    for (int side = 0; side < 2; side++) {
      char l[64];
      snprintf(l, sizeof(l), "%s.%s", label, side_names[side]);
      double units = side ? oc.put : oc.call;
      g6m_oi_change_set(a->m, ix, l,
                        isfinite(lot) && lot > 0 ? units / lot : NAN);
      size_t classified = 0;
      for (int b = 0; b < G6_BUILDUP_COUNT; b++)
        classified += bc.n[side][b];
      for (int b = G6_BUILDUP_LONG; b < G6_BUILDUP_COUNT; b++) {
        snprintf(l, sizeof(l), "%s.%s.%s", label, side_names[side],
                 g6_buildup_name((g6_buildup)b));
        /* no leg with a previous cycle: unknown, not "none of them" */
        g6m_buildup_set(a->m, ix, l,
                        classified ? (double)bc.n[side][b] : NAN);
      }
    }
    /* IV rank: a tag's own history; a pinned date has none */
    int t = xr->spec.rule == G6_EXPIRY_DATE ? -1 : g6_expiry_tag_index(label);
    g6_iv_rank rk = {NAN, NAN, NAN, NAN, 0};
    bool ranked = t >= 0 && win != NULL && x->hist_loaded;
    if (ranked) {
      size_t nw = g6_iv_history_window(h, t, date, a->iv_window, win);
      g6_desk_iv_rank(win, nw, a->report.ex[e].atm_iv, a->iv_min_days, &rk);
    }
    g6m_iv_rank_set(a->m, ix, label, rk.rank);
    g6m_iv_percentile_set(a->m, ix, label, rk.percentile);
    g6m_iv_history_days_set(a->m, ix, label, ranked ? (double)rk.days : NAN);
  }
  free(win);
}

/* An expiry label the new snapshot does not have any more. */
static void vanish(g6_analyzer *a, const char *ix, const char *label) {
  bool forget = !is_tag(label); /* dates come and go: free their budget */
  for (size_t k = 0; k < N_PER_EXPIRY; k++) {
    if (!(per_expiry[k].group & a->groups))
      continue;
    if (forget)
      g6_metrics_forget(a->m, per_expiry[k].def, ix, label);
    else
      g6_metrics_gauge_set(a->m, per_expiry[k].def, ix, label, NAN);
  }
  if (a->groups & G6_AG_SURFACE)
    for (int b = 0; b < G6_SURFACE_DEFAULT_BUCKETS; b++) {
      char l[64];
      snprintf(l, sizeof(l), "%s.%s", label, g6_surface_bucket_name(b));
      if (forget)
        g6_metrics_forget(a->m, &g6m_def_surface_iv, ix, l);
      else
        g6_metrics_gauge_set(a->m, &g6m_def_surface_iv, ix, l, NAN);
    }
  if (a->groups & G6_AG_DESK)
    desk_vanish(a, ix, label, forget);
}

static void expiry_metrics(g6_analyzer *a, ax_index *x,
                           const g6_snapshot_doc *d) {
  const g6_chain_report *r = &a->report;
  char labels[G6_MAX_EXPIRIES][LABEL_MAX];
  size_t nl = 0;
  for (size_t e = 0; e < r->n_expiries && e < d->n_expiries; e++) {
    char buf[11];
    const char *label = g6_snapshot_expiry_label(&d->expiries[e], buf);
    if (label == NULL)
      continue;
    const g6_report_expiry *re = &r->ex[e];
    for (size_t k = 0; k < N_PER_EXPIRY; k++)
      if (per_expiry[k].group & a->groups)
        g6_metrics_gauge_set(a->m, per_expiry[k].def, x->name, label,
                             per_expiry[k].get(re));
    if (a->groups & G6_AG_SURFACE)
      for (int b = 0; b < G6_SURFACE_DEFAULT_BUCKETS; b++) {
        char l[64];
        snprintf(l, sizeof(l), "%s.%s", label, g6_surface_bucket_name(b));
        double v =
            re->surface_row >= 0 ? r->surface.iv[re->surface_row][b] : NAN;
        g6m_surface_iv_set(a->m, x->name, l, v);
      }
    snprintf(labels[nl++], LABEL_MAX, "%s", label);
  }
  for (size_t i = 0; i < x->n_labels; i++) {
    bool still = false;
    for (size_t k = 0; k < nl && !still; k++)
      still = strcmp(x->labels[i], labels[k]) == 0;
    if (!still)
      vanish(a, x->name, x->labels[i]);
  }
  memcpy(x->labels, labels, sizeof(labels));
  x->n_labels = nl;
}

static void chain_metrics(g6_analyzer *a, const char *ix) {
  const g6_chain_report *r = &a->report;
  for (int mn = 0; mn < G6_MNY_COUNT; mn++)
    for (int dt = 0; dt < G6_DTE_COUNT; dt++) {
      char l[64];
      snprintf(l, sizeof(l), "%s.%s", g6_mny_bucket_name(mn),
               g6_dte_bucket_name(dt));
      if (a->groups & G6_AG_BUCKETS) {
        const g6_bucket_cell *c = &r->buckets.cell[mn][dt];
        g6m_bucket_contracts_set(a->m, ix, l, (double)c->contracts);
        g6m_bucket_oi_set(a->m, ix, l, c->n_oi ? c->oi : NAN);
        g6m_bucket_volume_set(a->m, ix, l, c->n_volume ? c->volume : NAN);
        g6m_bucket_iv_set(a->m, ix, l, c->iv_mean);
        g6m_bucket_spread_set(a->m, ix, l, c->spread_bps / 1e4);
      }
      if (a->groups & G6_AG_GREEKS) {
        const g6_greek_cell *g = &r->greeks.cell[mn][dt];
        bool k = g->legs_oi > 0;
        g6m_net_delta_set(a->m, ix, l, k ? g->oi_delta : NAN);
        g6m_net_gamma_set(a->m, ix, l, k ? g->oi_gamma : NAN);
        g6m_net_theta_set(a->m, ix, l, k ? g->oi_theta : NAN);
        g6m_net_vega_set(a->m, ix, l, k ? g->oi_vega : NAN);
      }
    }
}

/* Runs the report on a document and dispatches it. */
static g6_status analyse(g6_analyzer *a, ax_index *x, const g6_snapshot_doc *d,
                         double now, g6_error *err) {
  size_t need = g6_snapshot_doc_leg_count(d);
  if (need > a->legs_cap) {
    g6_leg *v = realloc(a->legs, need * sizeof(*v));
    if (v == NULL)
      return g6_error_set(err, G6_ENOMEM, "out of memory");
    a->legs = v;
    a->legs_cap = need;
  }
  g6_report_input in;
  g6_snapshot_doc_report_input_ex(d, a->legs, a->exclude_flagged, &in);
  g6_status st = g6_chain_report_compute(&in, &a->report_opts, &a->report);
  if (st != G6_OK)
    return g6_error_set(err, st, "the analytics refused the snapshot");
  expiry_metrics(a, x, d);
  chain_metrics(a, x->name);
  if (a->groups & G6_AG_DESK) {
    /* yesterday's close goes in before today's rank reads the history */
    g6_date date;
    int64_t day = ist_day((double)d->generated_at, &date);
    bool session = in_session(a, x, day, now);
    if (session)
      keep_close(a, x, day, now);
    desk_metrics(a, x, d, &in, now);
    if (session) {
      note_close(x, d, &a->report, date);
      x->out_of_day = false;
    } else if (!x->out_of_day) {
      char ds[11];
      g6_date_format(date, ds);
      x->out_of_day = true;
      logf_(a, G6_METRICS_LOG_WARNING,
            "g6_analytics: %s: snapshot seq %llu is dated %s, not the "
            "session being read: analysed, but its ATM IV is no daily close "
            "(an old snapshot put back, or a clock off)",
            x->name, (unsigned long long)d->seq, ds);
    }
  }
  return G6_OK;
}

/* ---- one index -------------------------------------------------------------
 */

static void failed(g6_analyzer *a, ax_index *x, g6_status st, const g6_error *e,
                   double now) {
  const char *cause = g6_snapshot_error_cause(st);
  g6m_snapshot_read_failures_add(a->m, x->name, cause, 1);
  x->st.failures++;
  x->st.last_status = st;
  /* once per cause: when it starts and when it changes, not every run */
  if (!g6_log_throttle_due(&x->log, st, now, INFINITY))
    return;
  char kept[96] = "no snapshot was analysed yet; its values stay NaN";
  if (x->st.have)
    snprintf(kept, sizeof(kept), "keeping the values of seq %llu",
             (unsigned long long)x->st.seq);
  logf_(a, st == G6_ENOENT ? G6_METRICS_LOG_WARNING : G6_METRICS_LOG_ERR,
        "g6_analytics: %s: snapshot unusable (%s): %s; %s", x->name, cause,
        e->msg, kept);
}

static void succeeded(g6_analyzer *a, ax_index *x, double now) {
  x->st.last_status = G6_OK;
  if (g6_log_throttle_due(&x->log, G6_OK, now, INFINITY))
    logf_(a, G6_METRICS_LOG_INFO,
          "g6_analytics: %s: reading snapshots again (seq %llu)", x->name,
          (unsigned long long)x->st.seq);
}

static bool same_file(const ax_index *x, const struct stat *s) {
  return x->id_ok && x->dev == s->st_dev && x->ino == s->st_ino &&
         x->size == s->st_size && x->mtime.tv_sec == s->st_mtim.tv_sec &&
         x->mtime.tv_nsec == s->st_mtim.tv_nsec;
}

static void run_index(g6_analyzer *a, ax_index *x, double now) {
  double t0 = g6_monotonic_now();
  char path[PATH_MAX];
  snprintf(path, sizeof(path), "%s/snapshots/%s.json", a->data_dir, x->name);
  g6_error e;
  g6_error_clear(&e);
  struct stat s;
  if (stat(path, &s) != 0) {
    int en = errno;
    g6_status st = en == ENOENT ? G6_ENOENT : g6_status_from_errno(en);
    const char *meant = g6_index_known_other_case(x->name);
    if (en == ENOENT && meant != NULL)
      g6_error_set(&e, st,
                   "cannot read %s: %s (index names are case-sensitive: did "
                   "you mean Index \"%s\"?)",
                   path, strerror(en), meant);
    else
      g6_error_set(&e, st, "cannot read %s: %s", path, strerror(en));
    failed(a, x, st, &e, now);
  } else if (x->st.have && same_file(x, &s)) {
    succeeded(a, x, now); /* unchanged since it was analysed */
  } else {
    g6_snapshot_doc d;
    g6_status st = g6_snapshot_read_file(path, a->max_bytes, &d, &e);
    if (st == G6_OK && strcmp(d.ix.name, x->name) != 0)
      st = g6_error_set(&e, G6_EPROTO, "%s: index is \"%s\", not \"%s\"", path,
                        d.ix.name, x->name);
    if (st == G6_OK && !(x->st.have && d.seq == x->st.seq &&
                         d.generated_at == x->st.generated_at))
      st = analyse(a, x, &d, now, &e);
    else if (st == G6_OK)
      st = G6_EEXIST; /* the same seq again: nothing new */
    if (st == G6_OK) {
      x->st.have = true;
      x->st.seq = d.seq;
      x->st.generated_at = d.generated_at;
      x->st.analysed++;
      g6m_analyzed_snapshots_add(a->m, x->name, 1);
      g6m_analytics_duration_set(a->m, x->name, g6_monotonic_now() - t0);
    }
    if (st == G6_OK || st == G6_EEXIST) {
      x->id_ok = true;
      x->dev = s.st_dev;
      x->ino = s.st_ino;
      x->size = s.st_size;
      x->mtime = s.st_mtim;
      succeeded(a, x, now);
    } else {
      failed(a, x, st, &e, now);
    }
    g6_snapshot_doc_free(&d);
  }
  g6m_snapshot_age_set(a->m, x->name,
                       x->st.have ? now - (double)x->st.generated_at : NAN);
  if (a->groups & G6_AG_DESK) /* the session is over when the day is */
    keep_close(a, x, ist_day(now, NULL), now);
}

void g6_analyzer_run(g6_analyzer *a, double now) {
  ensure_indices(a);
  for (size_t i = 0; i < a->n; i++)
    run_index(a, &a->ix[i], now);
  /* the whole run at once (refusals are counted and logged by the
   * runtime; a lost update is an out-of-memory nobody can act on here) */
  (void)g6_metrics_commit(a->m);
}
