/* The metric runtime: series table, cardinality guard, flush. See
 * metrics/metrics.h for the contract. */
#include "metrics/metrics.h"
#include "core/array.h"

#include "metrics/metrics_gen.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INST_MAX 64 /* collectd's instance fields hold 63 bytes + NUL */

typedef struct series {
  const g6_metric_def *def;
  char pi[INST_MAX], ti[INST_MAX];
  double gauge;
  int64_t total;    /* counter total, histogram count */
  int64_t *buckets; /* histograms: per-bucket (not cumulative) counts */
  double sum;
  bool dead; /* forgotten; kept until the next flush compacts */
  bool born; /* dispatched once: counts go out from the next flush on */
  struct series *next_in_bucket;
} series;

/* Per-metric bookkeeping, indexed by a small open table of def pointers. */
typedef struct def_state {
  const g6_metric_def *def;
  size_t admitted;
  bool refusal_logged, dispatch_logged;
} def_state;

struct g6_metrics {
  pthread_mutex_t lock;
  char owner[INST_MAX];
  g6_metrics_sink sink;
  series **order; /* admission order */
  size_t n, cap;
  series **table; /* hash buckets */
  size_t table_size;
  def_state *defs;
  size_t n_defs, cap_defs;
  uint64_t refusals[3];
  uint64_t dispatch_failures;
  /* a staging runtime (g6_metrics_stage_new): the updates of one run,
   * applied to `target` by g6_metrics_commit */
  g6_metrics *target;
  struct op *ops;
  size_t n_ops, cap_ops;
  char *arena; /* the ops' label values, NUL-terminated, by offset */
  size_t arena_n, arena_cap;
  g6_status stage_err; /* the first failure to record an op since commit */
};

/* One staged update. Label values are offsets into the arena, or NO_LABEL
 * for NULL (a label the metric does not have). */
enum op_kind { OP_GAUGE, OP_COUNTER, OP_OBSERVE, OP_HIST_ADD, OP_WARM,
               OP_FORGET };
#define NO_LABEL SIZE_MAX
typedef struct op {
  enum op_kind kind;
  const g6_metric_def *def;
  size_t pi, ti;
  double v;        /* gauge value, observation, histogram sum */
  int64_t n;       /* counter increment */
  uint64_t *counts; /* OP_HIST_ADD: n_buckets + 1 (malloc'ed) */
  bool same;        /* OP_HIST_ADD: bounds equal the metric's */
} op;

static const char *const REASONS[3] = {"budget", "unknown_value", "invalid"};
enum { R_BUDGET, R_UNKNOWN, R_INVALID };

/* ---- small helpers ------------------------------------------------------ */

static uint64_t fnv(uint64_t h, const char *s) {
  for (; s && *s; s++) {
    h ^= (unsigned char)*s;
    h *= 1099511628211ULL;
  }
  return h ^ 0xff; /* separator, so ("ab","") != ("a","b") */
}

static size_t slot(const g6_metrics *m, const g6_metric_def *def,
                   const char *pi, const char *ti) {
  uint64_t h = 1469598103934665603ULL ^ (uint64_t)(uintptr_t)def;
  h = fnv(fnv(h, pi), ti);
  return (size_t)(h % m->table_size);
}

static void logf_(g6_metrics *m, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void logf_(g6_metrics *m, int level, const char *fmt, ...) {
  if (m->sink.log == NULL)
    return;
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  m->sink.log(m->sink.ctx, level, msg);
}

static def_state *state_of(g6_metrics *m, const g6_metric_def *def) {
  for (size_t i = 0; i < m->n_defs; i++)
    if (m->defs[i].def == def)
      return &m->defs[i];
  if (m->n_defs == m->cap_defs) {
    size_t cap = m->cap_defs ? m->cap_defs * 2 : 32;
    def_state *v = realloc(m->defs, cap * sizeof(*v));
    if (v == NULL)
      return NULL;
    m->defs = v;
    m->cap_defs = cap;
  }
  def_state *s = &m->defs[m->n_defs++];
  memset(s, 0, sizeof(*s));
  s->def = def;
  return s;
}

static series *find(g6_metrics *m, const g6_metric_def *def, const char *pi,
                    const char *ti) {
  for (series *s = m->table[slot(m, def, pi, ti)]; s; s = s->next_in_bucket)
    if (s->def == def && !s->dead && strcmp(s->pi, pi) == 0 &&
        strcmp(s->ti, ti) == 0)
      return s;
  return NULL;
}

static bool in_domain(const g6_metric_domain *d, const char *v) {
  for (size_t i = 0; i < d->n_values; i++)
    if (strcmp(d->values[i], v) == 0)
      return true;
  return false;
}

static bool valid_value(const char *v) {
  size_t n = strlen(v);
  return n > 0 && n < INST_MAX && strchr(v, '/') == NULL;
}

/* Counts a refusal; logs the first one of each metric. Lock held. */
static g6_status refuse(g6_metrics *m, const g6_metric_def *def, int reason,
                        const char *pi, const char *ti, const char *why) {
  m->refusals[reason]++;
  series *self = find(m, &g6m_def_metrics_refusals, m->owner, REASONS[reason]);
  if (self)
    self->total++;
  def_state *st = state_of(m, def);
  if (st && !st->refusal_logged) {
    st->refusal_logged = true;
    char set[200];
    snprintf(set, sizeof(set), "%s%s%s%s%s%s%s",
             def->pi ? def->pi->name : "", def->pi ? "=" : "",
             def->pi ? (pi ? pi : "(null)") : "",
             def->pi && def->ti ? ", " : "", def->ti ? def->ti->name : "",
             def->ti ? "=" : "", def->ti ? (ti ? ti : "(null)") : "");
    logf_(m, G6_METRICS_LOG_WARNING,
          "%s: metric %s (%s): refused label set {%s}: %s; further refusals "
          "of this metric are only counted in "
          "collectd_g6_metrics_refusals_total",
          m->owner, def->name, def->exported, set, why);
  }
  return reason == R_INVALID ? G6_EINVAL : G6_ERANGE;
}

static g6_status check_label(g6_metrics *m, const g6_metric_def *def,
                             const g6_metric_domain *dom, const char *v,
                             const char *pi, const char *ti) {
  char why[300];
  if (dom == NULL) {
    if (v != NULL && v[0] != '\0')
      return refuse(m, def, R_INVALID, pi, ti,
                    "a value was given for a label the metric does not have");
    return G6_OK;
  }
  if (v == NULL || !valid_value(v)) {
    snprintf(why, sizeof(why),
             "%s value must be 1-63 bytes without '/'", dom->name);
    return refuse(m, def, R_INVALID, pi, ti, why);
  }
  if (!dom->open && !in_domain(dom, v)) {
    snprintf(why, sizeof(why), "\"%s\" is not in the closed domain %s", v,
             dom->name);
    return refuse(m, def, R_UNKNOWN, pi, ti, why);
  }
  return G6_OK;
}

static g6_status grow_table(g6_metrics *m) {
  size_t size = m->table_size * 4;
  series **t = calloc(size, sizeof(*t));
  if (t == NULL)
    return G6_ENOMEM;
  free(m->table);
  m->table = t;
  m->table_size = size;
  for (size_t i = 0; i < m->n; i++) {
    series *s = m->order[i];
    size_t k = slot(m, s->def, s->pi, s->ti);
    s->next_in_bucket = m->table[k];
    m->table[k] = s;
  }
  return G6_OK;
}

/* Finds or admits a series. Lock held. */
static g6_status get_series(g6_metrics *m, const g6_metric_def *def,
                            const char *pi, const char *ti, series **out) {
  if (def == NULL)
    return G6_EINVAL;
  if (strcmp(def->owner, "*") != 0 && strcmp(def->owner, m->owner) != 0) {
    char why[200];
    snprintf(why, sizeof(why), "the metric belongs to plugin %s", def->owner);
    return refuse(m, def, R_INVALID, pi, ti, why);
  }
  g6_status rc = check_label(m, def, def->pi, pi, pi, ti);
  if (rc == G6_OK)
    rc = check_label(m, def, def->ti, ti, pi, ti);
  if (rc != G6_OK)
    return rc;
  const char *p = def->pi ? pi : "", *t = def->ti ? ti : "";
  series *s = find(m, def, p, t);
  if (s) {
    *out = s;
    return G6_OK;
  }
  def_state *st = state_of(m, def);
  if (st == NULL)
    return G6_ENOMEM;
  if (st->admitted >= def->budget) {
    char why[200];
    snprintf(why, sizeof(why), "its cardinality budget of %zu label sets is "
             "used up", def->budget);
    return refuse(m, def, R_BUDGET, pi, ti, why);
  }
  if (!g6_array_room(&m->order, &m->cap, m->n, sizeof(*m->order), 64))
    return G6_ENOMEM;
  if (m->n + 1 > m->table_size && grow_table(m) != G6_OK)
    return G6_ENOMEM;
  s = calloc(1, sizeof(*s));
  if (s == NULL)
    return G6_ENOMEM;
  if (def->kind == G6_METRIC_HISTOGRAM) {
    s->buckets = calloc(def->n_buckets + 1, sizeof(int64_t));
    if (s->buckets == NULL) {
      free(s);
      return G6_ENOMEM;
    }
  }
  s->def = def;
  /* a gauge nobody has set is unknown, and unknown is NaN, never 0; the
   * self-metric counting admitted series is a count from the start */
  if (def->kind == G6_METRIC_GAUGE && def != &g6m_def_metrics_series)
    s->gauge = NAN;
  snprintf(s->pi, sizeof(s->pi), "%s", p);
  snprintf(s->ti, sizeof(s->ti), "%s", t);
  size_t k = slot(m, def, s->pi, s->ti);
  s->next_in_bucket = m->table[k];
  m->table[k] = s;
  m->order[m->n++] = s;
  st->admitted++;
  series *self = find(m, &g6m_def_metrics_series, m->owner, "");
  if (self)
    self->gauge += 1;
  *out = s;
  return G6_OK;
}

/* ---- lifecycle ------------------------------------------------------------ */

g6_metrics *g6_metrics_new(const char *owner, const g6_metrics_sink *sink) {
  if (owner == NULL || sink == NULL || sink->dispatch == NULL ||
      !in_domain(&g6m_domain_owner_plugin, owner))
    return NULL;
  g6_metrics *m = calloc(1, sizeof(*m));
  if (m == NULL)
    return NULL;
  if (pthread_mutex_init(&m->lock, NULL) != 0) {
    free(m);
    return NULL;
  }
  snprintf(m->owner, sizeof(m->owner), "%s", owner);
  m->sink = *sink;
  m->table_size = 256;
  m->table = calloc(m->table_size, sizeof(*m->table));
  if (m->table == NULL) {
    g6_metrics_free(m);
    return NULL;
  }
  /* self-metrics first, so they exist before anything can be refused */
  series *s = NULL;
  bool ok = get_series(m, &g6m_def_metrics_series, owner, NULL, &s) == G6_OK &&
            get_series(m, &g6m_def_metrics_dispatch_failures, owner, NULL,
                       &s) == G6_OK;
  for (int r = 0; ok && r < 3; r++)
    ok = get_series(m, &g6m_def_metrics_refusals, owner, REASONS[r], &s) ==
         G6_OK;
  if (!ok) {
    g6_metrics_free(m);
    return NULL;
  }
  return m;
}

void g6_metrics_free(g6_metrics *m) {
  if (m == NULL)
    return;
  for (size_t i = 0; i < m->n; i++) {
    free(m->order[i]->buckets);
    free(m->order[i]);
  }
  free(m->order);
  free(m->table);
  free(m->defs);
  for (size_t i = 0; i < m->n_ops; i++)
    free(m->ops[i].counts);
  free(m->ops);
  free(m->arena);
  pthread_mutex_destroy(&m->lock);
  free(m);
}

/* ---- updates -------------------------------------------------------------- */

/* The updates proper, on a runtime that is not a stage. Lock held. */

static g6_status gauge_set_locked(g6_metrics *m, const g6_metric_def *def,
                                  const char *pi, const char *ti, double v) {
  series *s = NULL;
  g6_status rc = def->kind == G6_METRIC_GAUGE
                     ? get_series(m, def, pi, ti, &s)
                     : refuse(m, def, R_INVALID, pi, ti,
                              "set() called on a metric that is not a gauge");
  if (rc == G6_OK)
    s->gauge = v;
  return rc;
}

static g6_status counter_add_locked(g6_metrics *m, const g6_metric_def *def,
                                    const char *pi, const char *ti,
                                    int64_t n) {
  series *s = NULL;
  g6_status rc;
  if (def->kind != G6_METRIC_COUNTER)
    rc = refuse(m, def, R_INVALID, pi, ti,
                "add() called on a metric that is not a counter");
  else if (n < 0)
    rc = refuse(m, def, R_INVALID, pi, ti,
                "a counter increment must not be negative");
  else
    rc = get_series(m, def, pi, ti, &s);
  if (rc == G6_OK)
    s->total = n > INT64_MAX - s->total ? INT64_MAX : s->total + n;
  return rc;
}

static g6_status observe_locked(g6_metrics *m, const g6_metric_def *def,
                                const char *pi, double v) {
  series *s = NULL;
  g6_status rc;
  if (def->kind != G6_METRIC_HISTOGRAM)
    rc = refuse(m, def, R_INVALID, pi, NULL,
                "observe() called on a metric that is not a histogram");
  else if (isnan(v))
    rc = refuse(m, def, R_INVALID, pi, NULL, "observation is NaN");
  else
    rc = get_series(m, def, pi, NULL, &s);
  if (rc == G6_OK) {
    size_t i = 0;
    while (i < def->n_buckets && v > def->buckets[i])
      i++;
    s->buckets[i]++;
    s->total++;
    s->sum += v;
  }
  return rc;
}

/* `same`: the caller's bounds equal def's (then counts holds
 * def->n_buckets + 1). */
static g6_status histogram_add_locked(g6_metrics *m, const g6_metric_def *def,
                                      const char *pi, bool same,
                                      const uint64_t *counts, double sum) {
  series *s = NULL;
  g6_status rc;
  if (!same)
    rc = refuse(m, def, R_INVALID, pi, NULL,
                "histogram_add() with bounds that differ from the spec's");
  else if (isnan(sum))
    rc = refuse(m, def, R_INVALID, pi, NULL, "histogram sum is NaN");
  else
    rc = get_series(m, def, pi, NULL, &s);
  if (rc == G6_OK) {
    for (size_t i = 0; i <= def->n_buckets; i++) {
      int64_t add = counts[i] > (uint64_t)INT64_MAX ? INT64_MAX
                                                    : (int64_t)counts[i];
      s->buckets[i] += add;
      s->total += add;
    }
    s->sum += sum;
  }
  return rc;
}

static g6_status forget_locked(g6_metrics *m, const g6_metric_def *def,
                               const char *pi, const char *ti) {
  series *s = find(m, def, def->pi ? pi ? pi : "" : "",
                   def->ti ? ti ? ti : "" : "");
  if (s == NULL)
    return G6_ENOENT;
  s->dead = true;
  def_state *st = state_of(m, def);
  if (st && st->admitted)
    st->admitted--;
  series *self = find(m, &g6m_def_metrics_series, m->owner, "");
  if (self)
    self->gauge -= 1;
  return G6_OK;
}

/* Copies a label value into the stage's arena: its offset, NO_LABEL for
 * NULL, or SIZE_MAX - 1 when out of memory. Stage lock held. */
static size_t arena_put(g6_metrics *st, const char *v) {
  if (v == NULL)
    return NO_LABEL;
  size_t n = strlen(v) + 1;
  if (st->arena_n + n > st->arena_cap) {
    size_t cap = st->arena_cap ? st->arena_cap : 4096;
    while (cap < st->arena_n + n)
      cap *= 2;
    char *a = realloc(st->arena, cap);
    if (a == NULL)
      return SIZE_MAX - 1;
    st->arena = a;
    st->arena_cap = cap;
  }
  memcpy(st->arena + st->arena_n, v, n);
  st->arena_n += n;
  return st->arena_n - n;
}

/* Notes a failure to record an op (g6_metrics_commit returns it). */
static g6_status stage_failed(g6_metrics *st, g6_status rc) {
  pthread_mutex_lock(&st->lock);
  if (st->stage_err == G6_OK)
    st->stage_err = rc;
  pthread_mutex_unlock(&st->lock);
  return rc;
}

/* Records one update of a stage (see g6_metrics_stage_new); takes `counts`
 * (malloc'ed) whatever it returns. */
static g6_status record(g6_metrics *st, op o, const char *pi, const char *ti) {
  pthread_mutex_lock(&st->lock);
  g6_status rc = G6_OK;
  if (!g6_array_room(&st->ops, &st->cap_ops, st->n_ops, sizeof(*st->ops),
                     256)) {
    rc = G6_ENOMEM;
  } else {
    o.pi = arena_put(st, pi);
    o.ti = arena_put(st, ti);
    if (o.pi == SIZE_MAX - 1 || o.ti == SIZE_MAX - 1)
      rc = G6_ENOMEM;
    else
      st->ops[st->n_ops++] = o;
  }
  if (rc != G6_OK) {
    free(o.counts);
    if (st->stage_err == G6_OK)
      st->stage_err = rc;
  }
  pthread_mutex_unlock(&st->lock);
  return rc;
}

g6_status g6_metrics_gauge_set(g6_metrics *m, const g6_metric_def *def,
                               const char *pi, const char *ti, double v) {
  if (m == NULL || def == NULL)
    return G6_EINVAL;
  if (m->target)
    return record(m, (op){.kind = OP_GAUGE, .def = def, .v = v}, pi, ti);
  pthread_mutex_lock(&m->lock);
  g6_status rc = gauge_set_locked(m, def, pi, ti, v);
  pthread_mutex_unlock(&m->lock);
  return rc;
}

g6_status g6_metrics_counter_add(g6_metrics *m, const g6_metric_def *def,
                                 const char *pi, const char *ti, int64_t n) {
  if (m == NULL || def == NULL)
    return G6_EINVAL;
  if (m->target)
    return record(m, (op){.kind = OP_COUNTER, .def = def, .n = n}, pi, ti);
  pthread_mutex_lock(&m->lock);
  g6_status rc = counter_add_locked(m, def, pi, ti, n);
  pthread_mutex_unlock(&m->lock);
  return rc;
}

g6_status g6_metrics_observe(g6_metrics *m, const g6_metric_def *def,
                             const char *pi, double v) {
  if (m == NULL || def == NULL)
    return G6_EINVAL;
  if (m->target)
    return record(m, (op){.kind = OP_OBSERVE, .def = def, .v = v}, pi, NULL);
  pthread_mutex_lock(&m->lock);
  g6_status rc = observe_locked(m, def, pi, v);
  pthread_mutex_unlock(&m->lock);
  return rc;
}

g6_status g6_metrics_histogram_add(g6_metrics *m, const g6_metric_def *def,
                                   const char *pi, const double *bounds,
                                   size_t n_bounds, const uint64_t *counts,
                                   double sum) {
  if (m == NULL || def == NULL || counts == NULL)
    return G6_EINVAL;
  bool same = def->kind == G6_METRIC_HISTOGRAM && n_bounds == def->n_buckets;
  for (size_t i = 0; same && i < n_bounds; i++)
    same = bounds[i] == def->buckets[i];
  if (m->target) {
    op o = {.kind = OP_HIST_ADD, .def = def, .v = sum, .same = same};
    if (same) {
      o.counts = malloc((n_bounds + 1) * sizeof(*o.counts));
      if (o.counts == NULL)
        return stage_failed(m, G6_ENOMEM);
      memcpy(o.counts, counts, (n_bounds + 1) * sizeof(*o.counts));
    }
    return record(m, o, pi, NULL);
  }
  pthread_mutex_lock(&m->lock);
  g6_status rc = histogram_add_locked(m, def, pi, same, counts, sum);
  pthread_mutex_unlock(&m->lock);
  return rc;
}

g6_status g6_metrics_warm(g6_metrics *m, const g6_metric_def *def,
                          const char *pi, const char *ti) {
  if (m == NULL || def == NULL)
    return G6_EINVAL;
  if (m->target)
    return record(m, (op){.kind = OP_WARM, .def = def}, pi, ti);
  pthread_mutex_lock(&m->lock);
  series *s = NULL;
  g6_status rc = get_series(m, def, pi, ti, &s);
  pthread_mutex_unlock(&m->lock);
  return rc;
}

static bool domain_values(const g6_metric_domain *d,
                          const g6_metrics_domain_values *given, size_t n_given,
                          const char *const **values, size_t *n) {
  for (size_t i = 0; i < n_given; i++)
    if (strcmp(given[i].domain, d->name) == 0) {
      *values = given[i].values;
      *n = given[i].n;
      return true;
    }
  if (d->n_values == 0)
    return false;
  *values = d->values;
  *n = d->n_values;
  return true;
}

g6_status g6_metrics_warm_owner(g6_metrics *m,
                                const g6_metric_def *const *defs, size_t n_defs,
                                const g6_metrics_domain_values *given,
                                size_t n_given, size_t *skipped) {
  g6_status first = G6_OK;
  size_t skip = 0;
  if (m == NULL)
    return G6_EINVAL;
  for (size_t i = 0; i < n_defs; i++) {
    const g6_metric_def *def = defs[i];
    if (strcmp(def->owner, m->owner) != 0 && strcmp(def->owner, "*") != 0)
      continue;
    static const char *const none[] = {NULL};
    const char *const *pv = none, *const *tv = none;
    size_t pn = 1, tn = 1;
    bool self = def->pi && strcmp(def->pi->name, "owner_plugin") == 0;
    if ((def->pi && !self &&
         !domain_values(def->pi, given, n_given, &pv, &pn)) ||
        (def->ti && !domain_values(def->ti, given, n_given, &tv, &tn))) {
      skip++;
      continue;
    }
    /* self-metrics are labelled with this runtime's own plugin only */
    const char *own[1] = {m->owner};
    if (def->pi && strcmp(def->pi->name, "owner_plugin") == 0) {
      pv = own;
      pn = 1;
    }
    for (size_t a = 0; a < pn; a++)
      for (size_t b = 0; b < tn; b++) {
        g6_status rc = g6_metrics_warm(m, def, pv[a], tv[b]);
        if (rc != G6_OK && first == G6_OK)
          first = rc;
      }
  }
  if (skipped)
    *skipped = skip;
  return first;
}

g6_status g6_metrics_forget(g6_metrics *m, const g6_metric_def *def,
                            const char *pi, const char *ti) {
  if (m == NULL || def == NULL)
    return G6_EINVAL;
  if (m->target)
    return record(m, (op){.kind = OP_FORGET, .def = def}, pi, ti);
  pthread_mutex_lock(&m->lock);
  g6_status rc = forget_locked(m, def, pi, ti);
  pthread_mutex_unlock(&m->lock);
  return rc;
}

/* ---- staging -------------------------------------------------------------- */

g6_metrics *g6_metrics_stage_new(g6_metrics *target) {
  if (target == NULL || target->target != NULL)
    return NULL;
  g6_metrics *st = calloc(1, sizeof(*st));
  if (st == NULL)
    return NULL;
  if (pthread_mutex_init(&st->lock, NULL) != 0) {
    free(st);
    return NULL;
  }
  snprintf(st->owner, sizeof(st->owner), "%s", target->owner);
  st->target = target;
  return st;
}

/* Drops the stage's ops. Stage lock held. */
static void stage_clear(g6_metrics *st) {
  for (size_t i = 0; i < st->n_ops; i++)
    free(st->ops[i].counts);
  st->n_ops = 0;
  st->arena_n = 0;
  st->stage_err = G6_OK;
}

g6_status g6_metrics_commit(g6_metrics *stage) {
  if (stage == NULL || stage->target == NULL)
    return G6_EINVAL;
  g6_metrics *m = stage->target;
  pthread_mutex_lock(&stage->lock);
  g6_status first = stage->stage_err;
  pthread_mutex_lock(&m->lock);
  for (size_t i = 0; i < stage->n_ops; i++) {
    const op *o = &stage->ops[i];
    const char *pi = o->pi == NO_LABEL ? NULL : stage->arena + o->pi;
    const char *ti = o->ti == NO_LABEL ? NULL : stage->arena + o->ti;
    series *s = NULL;
    g6_status rc = G6_OK;
    switch (o->kind) {
    case OP_GAUGE:
      rc = gauge_set_locked(m, o->def, pi, ti, o->v);
      break;
    case OP_COUNTER:
      rc = counter_add_locked(m, o->def, pi, ti, o->n);
      break;
    case OP_OBSERVE:
      rc = observe_locked(m, o->def, pi, o->v);
      break;
    case OP_HIST_ADD:
      rc = histogram_add_locked(m, o->def, pi, o->same, o->counts, o->v);
      break;
    case OP_WARM:
      rc = get_series(m, o->def, pi, ti, &s);
      break;
    case OP_FORGET:
      rc = forget_locked(m, o->def, pi, ti);
      if (rc == G6_ENOENT) /* as from g6_metrics_forget: nothing to do */
        rc = G6_OK;
      break;
    }
    if (rc != G6_OK && first == G6_OK)
      first = rc;
  }
  pthread_mutex_unlock(&m->lock);
  stage_clear(stage);
  pthread_mutex_unlock(&stage->lock);
  return first;
}

void g6_metrics_stage_discard(g6_metrics *stage) {
  if (stage == NULL || stage->target == NULL)
    return;
  pthread_mutex_lock(&stage->lock);
  stage_clear(stage);
  pthread_mutex_unlock(&stage->lock);
}

/* ---- flush ---------------------------------------------------------------- */

/* Removes forgotten series from the table and the order. Lock held. */
static void compact(g6_metrics *m) {
  size_t k = 0;
  bool any = false;
  for (size_t i = 0; i < m->n; i++) {
    series *s = m->order[i];
    if (!s->dead) {
      m->order[k++] = s;
      continue;
    }
    any = true;
    series **pp = &m->table[slot(m, s->def, s->pi, s->ti)];
    while (*pp && *pp != s)
      pp = &(*pp)->next_in_bucket;
    if (*pp)
      *pp = s->next_in_bucket;
    free(s->buckets);
    free(s);
  }
  if (any)
    m->n = k;
}

static bool send(g6_metrics *m, const g6_metric_def *def, const char *type,
                 const char *pi, const char *ti, bool gauge, double g,
                 int64_t d) {
  g6_metrics_vl vl = {.plugin = def->plugin,
                      .plugin_instance = pi,
                      .type = type,
                      .type_instance = ti,
                      .is_gauge = gauge,
                      .gauge = g,
                      .derive = d};
  if (m->sink.dispatch(m->sink.ctx, &vl) == 0)
    return true;
  m->dispatch_failures++;
  series *self = find(m, &g6m_def_metrics_dispatch_failures, m->owner, "");
  if (self)
    self->total++;
  def_state *st = state_of(m, def);
  if (st && !st->dispatch_logged) {
    st->dispatch_logged = true;
    logf_(m, G6_METRICS_LOG_ERR,
          "%s: dispatching metric %s (%s%s%s/%s%s%s) failed; further "
          "failures of this metric are only counted in "
          "collectd_g6_metrics_dispatch_failures_total",
          m->owner, def->name, def->plugin, pi[0] ? "-" : "", pi, type,
          ti[0] ? "-" : "", ti);
  }
  return false;
}

size_t g6_metrics_flush(g6_metrics *m) {
  if (m == NULL || m->target != NULL) /* a stage dispatches nothing */
    return 0;
  pthread_mutex_lock(&m->lock);
  compact(m);
  size_t failed = 0;
  for (size_t i = 0; i < m->n; i++) {
    series *s = m->order[i];
    const g6_metric_def *def = s->def;
    /* a counting series goes out at 0 first, whatever it counted already:
     * Prometheus' increase() and rate() count only rises between samples,
     * so a first sample of 3 is 3 they never see */
    bool born = s->born;
    size_t f = 0;
    switch (def->kind) {
    case G6_METRIC_GAUGE:
      f += !send(m, def, def->type, s->pi, s->ti, true, s->gauge, 0);
      break;
    case G6_METRIC_COUNTER:
      f += !send(m, def, def->type, s->pi, s->ti, false, 0,
                 born ? s->total : 0);
      break;
    case G6_METRIC_HISTOGRAM: {
      int64_t cum = 0;
      for (size_t b = 0; b <= def->n_buckets; b++) {
        cum += s->buckets[b];
        f += !send(m, def, def->type_bucket, s->pi, def->bucket_labels[b],
                   false, 0, born ? cum : 0);
      }
      f += !send(m, def, def->type_count, s->pi, "", false, 0,
                 born ? s->total : 0);
      f += !send(m, def, def->type_sum, s->pi, "", true, born ? s->sum : 0, 0);
      break;
    }
    }
    s->born = born || f == 0; /* a zero not delivered goes out again */
    failed += f;
  }
  pthread_mutex_unlock(&m->lock);
  return failed;
}

/* ---- introspection -------------------------------------------------------- */

/* A stage reports what its target published. */
static g6_metrics *published(g6_metrics *m) {
  return m != NULL && m->target != NULL ? m->target : m;
}


bool g6_metrics_value(g6_metrics *m, const g6_metric_def *def, const char *pi,
                      const char *ti, double *out) {
  m = published(m);
  if (m == NULL || def == NULL)
    return false;
  pthread_mutex_lock(&m->lock);
  series *s = find(m, def, def->pi && pi ? pi : "", def->ti && ti ? ti : "");
  if (s && out)
    *out = def->kind == G6_METRIC_GAUGE ? s->gauge : (double)s->total;
  pthread_mutex_unlock(&m->lock);
  return s != NULL;
}

size_t g6_metrics_series_count(g6_metrics *m, const g6_metric_def *def) {
  m = published(m);
  if (m == NULL)
    return 0;
  pthread_mutex_lock(&m->lock);
  size_t n = 0;
  for (size_t i = 0; i < m->n; i++)
    n += !m->order[i]->dead && (def == NULL || m->order[i]->def == def);
  pthread_mutex_unlock(&m->lock);
  return n;
}

uint64_t g6_metrics_refusal_count(g6_metrics *m, const char *reason) {
  m = published(m);
  if (m == NULL)
    return 0;
  pthread_mutex_lock(&m->lock);
  uint64_t n = 0;
  for (int r = 0; r < 3; r++)
    if (reason == NULL || strcmp(reason, REASONS[r]) == 0)
      n += m->refusals[r];
  pthread_mutex_unlock(&m->lock);
  return n;
}

uint64_t g6_metrics_dispatch_failure_count(g6_metrics *m) {
  m = published(m);
  if (m == NULL)
    return 0;
  pthread_mutex_lock(&m->lock);
  uint64_t n = m->dispatch_failures;
  pthread_mutex_unlock(&m->lock);
  return n;
}
