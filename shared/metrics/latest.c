/* The latest value of every g6 series (see metrics/latest.h). */
#include "metrics/latest.h"

#include "core/strmap.h"
#include "metrics/metrics_gen.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ROLE_VALUE, ROLE_BUCKET, ROLE_COUNT, ROLE_SUM, ROLE_EXTRA };

/* What a (plugin, type) pair of the spec is. */
typedef struct ident {
  const g6_metric_def *def;
  int role;
} ident;

/* One series. Position-independent (strings are offsets into buf) so a
 * snapshot copies it with one memcpy. buf holds plugin, pi, type, ti, ds,
 * each NUL-terminated. */
typedef struct entry {
  const g6_metric_def *def; /* NULL for an extra plugin's value */
  int role;
  unsigned short o_pi, o_type, o_ti, o_ds;
  size_t size; /* of the whole entry */
  double v, t, pv, pt;
  /* the sample before the latest change of value (cv at ct, 0 when none)
   * and the time of that change (xt): a histogram's count that did not
   * move since still tells what its last change was */
  double cv, ct, xt;
  char buf[];
} entry;

#define SEP "\x1f" /* never part of a collectd name */

struct g6_latest {
  pthread_mutex_t mu;
  g6_strmap idents;  /* "plugin SEP type" -> ident (owned array below) */
  g6_strmap plugins; /* spec and extra plugin names -> non-NULL */
  ident *ident_store;
  g6_strmap series; /* identity key -> entry */
  size_t max_series;
  double ttl;
  uint64_t dropped;
  char **extra; /* copies of the extra plugin names */
  size_t n_extra;
};

struct g6_latest_view {
  entry **e; /* sorted by identity key */
  size_t n;
  char *arena;
  g6_strmap by_def; /* "name SEP role SEP pi SEP ti" -> entry */
};

static const char *E_PLUGIN(const entry *e) { return e->buf; }
static const char *E_PI(const entry *e) { return e->buf + e->o_pi; }
static const char *E_TYPE(const entry *e) { return e->buf + e->o_type; }
static const char *E_TI(const entry *e) { return e->buf + e->o_ti; }
static const char *E_DS(const entry *e) { return e->buf + e->o_ds; }

static g6_status add_ident(g6_latest *l, size_t *k, const g6_metric_def *def,
                           const char *type, int role) {
  char key[160];
  snprintf(key, sizeof(key), "%s" SEP "%s", def->plugin, type);
  l->ident_store[*k] = (ident){def, role};
  g6_status st = g6_strmap_put(&l->idents, key, &l->ident_store[*k], NULL);
  (*k)++;
  if (st == G6_OK)
    st = g6_strmap_put(&l->plugins, def->plugin, l, NULL);
  return st;
}

g6_latest *g6_latest_new(const g6_latest_opts *o) {
  if (o == NULL || o->max_series == 0)
    return NULL;
  g6_latest *l = calloc(1, sizeof(*l));
  if (l == NULL)
    return NULL;
  pthread_mutex_init(&l->mu, NULL);
  l->max_series = o->max_series;
  l->ttl = o->ttl;
  l->ident_store = calloc(g6m_catalog_len * 3, sizeof(ident));
  g6_status st = l->ident_store ? G6_OK : G6_ENOMEM;
  size_t k = 0;
  for (size_t i = 0; st == G6_OK && i < g6m_catalog_len; i++) {
    const g6_metric_def *d = g6m_catalog[i];
    if (d->kind == G6_METRIC_HISTOGRAM) {
      st = add_ident(l, &k, d, d->type_bucket, ROLE_BUCKET);
      if (st == G6_OK)
        st = add_ident(l, &k, d, d->type_count, ROLE_COUNT);
      if (st == G6_OK)
        st = add_ident(l, &k, d, d->type_sum, ROLE_SUM);
    } else {
      st = add_ident(l, &k, d, d->type, ROLE_VALUE);
    }
  }
  if (st == G6_OK && o->n_extra > 0) {
    l->extra = calloc(o->n_extra, sizeof(char *));
    st = l->extra ? G6_OK : G6_ENOMEM;
  }
  for (size_t i = 0; st == G6_OK && i < o->n_extra; i++) {
    l->extra[i] = strdup(o->extra_plugins[i]);
    if (l->extra[i] == NULL) {
      st = G6_ENOMEM;
      break;
    }
    l->n_extra++;
    /* a spec plugin named as extra stays a spec plugin */
    if (g6_strmap_get(&l->plugins, l->extra[i]) == NULL)
      st = g6_strmap_put(&l->plugins, l->extra[i], l->extra[i], NULL);
  }
  if (st != G6_OK) {
    g6_latest_free(l);
    return NULL;
  }
  return l;
}

void g6_latest_free(g6_latest *l) {
  if (l == NULL)
    return;
  const char *k;
  void *v;
  for (size_t i = 0; g6_strmap_next(&l->series, &i, &k, &v);)
    free(v);
  g6_strmap_free(&l->series);
  g6_strmap_free(&l->idents);
  g6_strmap_free(&l->plugins);
  free(l->ident_store);
  for (size_t i = 0; i < l->n_extra; i++)
    free(l->extra[i]);
  free(l->extra);
  pthread_mutex_destroy(&l->mu);
  free(l);
}

static bool is_extra(const g6_latest *l, const char *plugin) {
  for (size_t i = 0; i < l->n_extra; i++)
    if (strcmp(l->extra[i], plugin) == 0)
      return true;
  return false;
}

static entry *new_entry(const ident *id, const char *plugin, const char *pi,
                        const char *type, const char *ti, const char *ds) {
  size_t lp = strlen(plugin) + 1, lpi = strlen(pi) + 1, lt = strlen(type) + 1,
         lti = strlen(ti) + 1, lds = strlen(ds) + 1;
  size_t n = lp + lpi + lt + lti + lds;
  if (n > 60000)
    return NULL;
  entry *e = calloc(1, sizeof(*e) + n);
  if (e == NULL)
    return NULL;
  e->def = id ? id->def : NULL;
  e->role = id ? id->role : ROLE_EXTRA;
  e->size = sizeof(*e) + n;
  e->o_pi = (unsigned short)lp;
  e->o_type = (unsigned short)(lp + lpi);
  e->o_ti = (unsigned short)(lp + lpi + lt);
  e->o_ds = (unsigned short)(lp + lpi + lt + lti);
  memcpy(e->buf, plugin, lp);
  memcpy(e->buf + e->o_pi, pi, lpi);
  memcpy(e->buf + e->o_type, type, lt);
  memcpy(e->buf + e->o_ti, ti, lti);
  memcpy(e->buf + e->o_ds, ds, lds);
  e->v = e->t = e->pv = e->pt = 0;
  e->cv = e->ct = e->xt = 0;
  return e;
}

g6_status g6_latest_put(g6_latest *l, const char *plugin, const char *pi,
                        const char *type, const char *ti, const char *ds,
                        double value, double time) {
  pi = pi ? pi : "";
  ti = ti ? ti : "";
  ds = ds ? ds : "";
  /* the plugin map and identity table never change after g6_latest_new,
   * so this rejection of non-g6 values takes no lock */
  if (g6_strmap_get(&l->plugins, plugin) == NULL)
    return G6_ENOENT;
  char key[700];
  snprintf(key, sizeof(key), "%s" SEP "%s", plugin, type);
  const ident *id = g6_strmap_get(&l->idents, key);
  if (id == NULL && !is_extra(l, plugin))
    return G6_ENOENT;
  int n = snprintf(key, sizeof(key), "%s" SEP "%s" SEP "%s" SEP "%s" SEP "%s",
                   plugin, pi, type, ti, ds);
  if (n < 0 || (size_t)n >= sizeof(key))
    return G6_ENOENT; /* longer than any collectd identity */
  g6_status st = G6_OK;
  pthread_mutex_lock(&l->mu);
  entry *e = g6_strmap_get(&l->series, key);
  if (e == NULL) {
    if (l->series.n >= l->max_series) {
      st = G6_ERANGE;
    } else if ((e = new_entry(id, plugin, pi, type, ti, ds)) == NULL ||
               g6_strmap_put(&l->series, key, e, NULL) != G6_OK) {
      free(e);
      e = NULL;
      st = G6_ENOMEM;
    }
    if (st != G6_OK)
      l->dropped++;
  }
  if (e != NULL && time > e->t) {
    if (value != e->v) {
      e->cv = e->v;
      e->ct = e->t;
      e->xt = time;
    }
    e->pv = e->v;
    e->pt = e->t;
    e->v = value;
    e->t = time;
  }
  pthread_mutex_unlock(&l->mu);
  return st;
}

size_t g6_latest_kept(g6_latest *l) {
  pthread_mutex_lock(&l->mu);
  size_t n = l->series.n;
  pthread_mutex_unlock(&l->mu);
  return n;
}

uint64_t g6_latest_dropped(g6_latest *l) {
  pthread_mutex_lock(&l->mu);
  uint64_t n = l->dropped;
  pthread_mutex_unlock(&l->mu);
  return n;
}

/* ---- snapshots ------------------------------------------------------------ */

static int cmp_entry(const void *a, const void *b) {
  const entry *x = *(const entry *const *)a, *y = *(const entry *const *)b;
  /* plugin, pi, type, ti, ds in order: the NUL-separated buffers compare
   * field by field when compared up to the shorter total length */
  const char *fx[] = {E_PLUGIN(x), E_PI(x), E_TYPE(x), E_TI(x), E_DS(x)};
  const char *fy[] = {E_PLUGIN(y), E_PI(y), E_TYPE(y), E_TI(y), E_DS(y)};
  for (int i = 0; i < 5; i++) {
    int c = strcmp(fx[i], fy[i]);
    if (c != 0)
      return c;
  }
  return 0;
}

static void view_key(char *key, size_t len, const g6_metric_def *def, int role,
                     const char *pi, const char *ti) {
  snprintf(key, len, "%s" SEP "%d" SEP "%s" SEP "%s", def->name, role,
           pi ? pi : "", ti ? ti : "");
}

g6_latest_view *g6_latest_snapshot(g6_latest *l, double now) {
  g6_latest_view *v = calloc(1, sizeof(*v));
  if (v == NULL)
    return NULL;
  pthread_mutex_lock(&l->mu);
  const char *k;
  void *val;
  size_t total = 0;
  for (size_t i = 0; g6_strmap_next(&l->series, &i, &k, &val);) {
    entry *e = val;
    if (l->ttl > 0 && e->t < now - l->ttl) {
      g6_strmap_remove(&l->series, k);
      free(e);
      continue;
    }
    total += (e->size + 15) & ~(size_t)15;
  }
  size_t n = l->series.n;
  v->arena = malloc(total ? total : 1);
  v->e = calloc(n ? n : 1, sizeof(entry *));
  if (v->arena == NULL || v->e == NULL) {
    pthread_mutex_unlock(&l->mu);
    g6_latest_view_free(v);
    return NULL;
  }
  size_t off = 0;
  for (size_t i = 0; g6_strmap_next(&l->series, &i, &k, &val);) {
    entry *e = val;
    memcpy(v->arena + off, e, e->size);
    v->e[v->n++] = (entry *)(void *)(v->arena + off);
    off += (e->size + 15) & ~(size_t)15;
  }
  pthread_mutex_unlock(&l->mu);
  qsort(v->e, v->n, sizeof(entry *), cmp_entry);
  for (size_t i = 0; i < v->n; i++) {
    entry *e = v->e[i];
    if (e->def == NULL)
      continue;
    char key[700];
    view_key(key, sizeof(key), e->def, e->role, E_PI(e), E_TI(e));
    if (g6_strmap_put(&v->by_def, key, e, NULL) != G6_OK) {
      g6_latest_view_free(v);
      return NULL;
    }
  }
  return v;
}

void g6_latest_view_free(g6_latest_view *v) {
  if (v == NULL)
    return;
  g6_strmap_free(&v->by_def);
  free(v->e);
  free(v->arena);
  free(v);
}

static const entry *find(const g6_latest_view *v, const g6_metric_def *def,
                         int role, const char *pi, const char *ti) {
  char key[700];
  view_key(key, sizeof(key), def, role, pi, ti);
  return g6_strmap_get(&v->by_def, key);
}

static void sample_of(const entry *e, g6_latest_sample *s) {
  s->value = e->v;
  s->time = e->t;
  s->prev_value = e->pv;
  s->prev_time = e->pt;
}

bool g6_latest_get(const g6_latest_view *v, const g6_metric_def *def,
                   const char *pi, const char *ti, g6_latest_sample *out) {
  const entry *e = find(v, def, ROLE_VALUE, pi, ti);
  if (e == NULL)
    return false;
  sample_of(e, out);
  return true;
}

bool g6_latest_get_hist(const g6_latest_view *v, const g6_metric_def *def,
                        const char *pi, g6_latest_hist *out) {
  if (def->kind != G6_METRIC_HISTOGRAM ||
      def->n_buckets + 1 > G6_LATEST_MAX_BUCKETS + 1)
    return false;
  memset(out, 0, sizeof(*out));
  out->n = def->n_buckets + 1;
  out->has_prev = true;
  for (size_t b = 0; b < out->n; b++) {
    const entry *e = find(v, def, ROLE_BUCKET, pi, def->bucket_labels[b]);
    if (e == NULL)
      return false;
    out->cum[b] = e->v;
    out->prev_cum[b] = e->pv;
    out->has_prev = out->has_prev && e->pt > 0;
  }
  const entry *c = find(v, def, ROLE_COUNT, pi, "");
  const entry *s = find(v, def, ROLE_SUM, pi, "");
  if (c == NULL || s == NULL)
    return false;
  out->count = c->v;
  out->prev_count = c->pv;
  out->sum = s->v;
  out->prev_sum = s->pv;
  out->has_prev = out->has_prev && c->pt > 0 && s->pt > 0;
  /* the last change of count, and of sum in the same dispatch: collectd
   * stamps each value on its own, so "the same" is closer than half the
   * interval around count's change; a sum that last moved before it did not
   * move then (observations of 0) */
  if (c->ct > 0 && c->v > c->cv) {
    double half = (c->xt - c->ct) / 2;
    if (s->ct > 0 && fabs(s->xt - c->xt) < half) {
      out->has_last = true;
      out->last_dsum = s->v - s->cv;
    } else if (s->xt <= c->xt - half) {
      out->has_last = true;
      out->last_dsum = 0;
    }
    out->last_dcount = c->v - c->cv;
  }
  return true;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

size_t g6_latest_labels(const g6_latest_view *v, const g6_metric_def *def,
                        bool type_label, const char **out, size_t max) {
  size_t n = 0;
  for (size_t i = 0; i < v->n; i++) {
    const entry *e = v->e[i];
    if (e->def != def || (type_label && e->role != ROLE_VALUE))
      continue;
    const char *s = type_label ? E_TI(e) : E_PI(e);
    bool seen = false;
    for (size_t k = 0; k < n && !seen; k++)
      seen = strcmp(out[k], s) == 0;
    if (!seen && n < max)
      out[n++] = s;
  }
  qsort(out, n, sizeof(*out), cmp_str);
  return n;
}

bool g6_latest_extra_at(const g6_latest_view *v, size_t i,
                        g6_latest_extra *out) {
  size_t k = 0;
  for (size_t j = 0; j < v->n; j++) {
    const entry *e = v->e[j];
    if (e->def != NULL)
      continue;
    if (k++ == i) {
      out->plugin = E_PLUGIN(e);
      out->pi = E_PI(e);
      out->type = E_TYPE(e);
      out->ti = E_TI(e);
      out->ds = E_DS(e);
      sample_of(e, &out->s);
      return true;
    }
  }
  return false;
}

/* ---- arithmetic ------------------------------------------------------------ */

double g6_latest_rate(const g6_latest_sample *s) {
  if (!(s->prev_time > 0) || !(s->time > s->prev_time) ||
      !(s->value >= s->prev_value))
    return NAN;
  return (s->value - s->prev_value) / (s->time - s->prev_time);
}

double g6_latest_hist_mean(const g6_latest_hist *h) {
  double dc = h->count - h->prev_count;
  if (!h->has_prev || !(dc > 0))
    return NAN;
  return (h->sum - h->prev_sum) / dc;
}

double g6_latest_hist_last_mean(const g6_latest_hist *h) {
  if (!h->has_last || !(h->last_dcount > 0))
    return NAN;
  return h->last_dsum / h->last_dcount;
}

double g6_latest_hist_quantile(const g6_latest_hist *h,
                               const g6_metric_def *def, double q) {
  if (!h->has_prev || !(q >= 0 && q <= 1) || h->n != def->n_buckets + 1)
    return NAN;
  double total = h->cum[h->n - 1] - h->prev_cum[h->n - 1];
  if (!(total > 0))
    return NAN;
  double rank = q * total, below = 0;
  for (size_t b = 0; b < h->n; b++) {
    double c = h->cum[b] - h->prev_cum[b];
    if (c >= rank) {
      if (b == h->n - 1) /* +Inf bucket: the largest finite bound */
        return def->n_buckets ? def->buckets[def->n_buckets - 1] : NAN;
      double lo = b == 0 ? 0 : def->buckets[b - 1], hi = def->buckets[b];
      double in = c - below;
      return in > 0 ? lo + (hi - lo) * (rank - below) / in : hi;
    }
    below = c;
  }
  return NAN;
}
