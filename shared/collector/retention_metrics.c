/* g6_retention's metric mapping (see collector/retention_metrics.h). */
#include "collector/retention_metrics.h"

#include "metrics/metrics_gen.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const g6_retention_kind index_kinds[] = {
    G6_KIND_OPTIONS, G6_KIND_OVERVIEW, G6_KIND_SNAPSHOTS, G6_KIND_IV_HISTORY};
static const g6_retention_kind none_kinds[] = {G6_KIND_PANELS,
                                               G6_KIND_UNMATCHED};

static bool is_none(const char *name) {
  return strcmp(name, G6_RETENTION_NO_INDEX) == 0;
}

/* The kinds a tally name has series for. */
static const g6_retention_kind *kinds_of(const char *name, size_t *n) {
  if (is_none(name)) {
    *n = sizeof(none_kinds) / sizeof(none_kinds[0]);
    return none_kinds;
  }
  *n = sizeof(index_kinds) / sizeof(index_kinds[0]);
  return index_kinds;
}

static double age(const struct timespec *t, double now) {
  return now - ((double)t->tv_sec + (double)t->tv_nsec * 1e-9);
}

/* Sets the four gauges of one name and kind; t NULL: unknown. */
static void set_kind(g6_metrics *m, const char *name, g6_retention_kind k,
                     const g6_retention_tally *t, double now) {
  const char *kn = g6_retention_kind_name(k);
  bool some = t != NULL && t->files > 0;
  g6m_data_files_set(m, name, kn, t ? (double)t->files : NAN);
  g6m_data_bytes_set(m, name, kn, t ? (double)t->bytes : NAN);
  g6m_oldest_file_age_set(m, name, kn, some ? age(&t->oldest, now) : NAN);
  g6m_newest_file_age_set(m, name, kn, some ? age(&t->newest, now) : NAN);
}

/* Records a name as having series; false when the table is full. */
static bool remember(g6_retention_metrics *st, const char *name) {
  for (size_t i = 0; i < st->n; i++)
    if (strcmp(st->names[i], name) == 0)
      return true;
  if (st->n == sizeof(st->names) / sizeof(st->names[0]))
    return false;
  snprintf(st->names[st->n++], sizeof(st->names[0]), "%s", name);
  return true;
}

g6_status g6_retention_metrics_warm(g6_metrics *m, g6_retention_metrics *st,
                                    char names[][32], size_t n, double started,
                                    double scan_interval) {
  g6_status first = G6_OK;
  remember(st, G6_RETENTION_NO_INDEX);
  for (size_t i = 0; i < n; i++)
    remember(st, names[i]);
  for (size_t i = 0; i < st->n; i++) {
    size_t nk;
    const g6_retention_kind *ks = kinds_of(st->names[i], &nk);
    for (size_t k = 0; k < nk; k++) {
      const char *kn = g6_retention_kind_name(ks[k]);
      const g6_metric_def *defs[] = {&g6m_def_data_files, &g6m_def_data_bytes,
                                     &g6m_def_oldest_file_age,
                                     &g6m_def_newest_file_age};
      for (size_t d = 0; d < 4; d++) {
        g6_status rc = g6_metrics_warm(m, defs[d], st->names[i], kn);
        if (rc != G6_OK && first == G6_OK)
          first = rc;
      }
    }
  }
  for (int a = 0; a < G6_PRUNE_ACTION_COUNT; a++) {
    const char *an = g6_prune_action_name((g6_prune_action)a);
    g6_status rc = g6_metrics_warm(m, &g6m_def_prune_files, an, NULL);
    if (rc == G6_OK)
      rc = g6_metrics_warm(m, &g6m_def_prune_bytes, an, NULL);
    if (rc != G6_OK && first == G6_OK)
      first = rc;
  }
  g6_retention_metrics_gauges(m, st, NULL, 0, 0); /* never scanned */
  g6_status rc = g6m_retention_started_set(m, started);
  if (rc == G6_OK)
    rc = g6m_scan_interval_set(m, scan_interval);
  if (rc != G6_OK && first == G6_OK)
    first = rc;
  return first;
}

void g6_retention_counts_add(g6_retention_counts *c,
                             const g6_retention_report *r) {
  if (!r->pruned)
    return;
  for (int a = 0; a < G6_PRUNE_ACTION_COUNT; a++) {
    c->files[a] += r->files_by_action[a];
    c->bytes[a] += r->bytes_by_action[a];
  }
}

void g6_retention_metrics_prune(g6_metrics *m, g6_retention_counts *c) {
  for (int a = 0; a < G6_PRUNE_ACTION_COUNT; a++) {
    const char *an = g6_prune_action_name((g6_prune_action)a);
    if (c->files[a] > 0)
      g6m_prune_files_add(m, an, (int64_t)c->files[a]);
    if (c->bytes[a] > 0)
      g6m_prune_bytes_add(m, an, (int64_t)c->bytes[a]);
  }
  memset(c, 0, sizeof(*c));
}

void g6_retention_metrics_gauges(g6_metrics *m, g6_retention_metrics *st,
                                 const g6_retention_report *r, double now,
                                 double last_ok) {
  if (r != NULL)
    for (size_t i = 0; i < r->n_idx; i++)
      remember(st, r->idx[i].name);
  for (size_t i = 0; i < st->n; i++) {
    const char *name = st->names[i];
    const g6_retention_index *x = r ? g6_retention_find(r, name) : NULL;
    static const g6_retention_tally none = {0};
    size_t nk;
    const g6_retention_kind *ks = kinds_of(name, &nk);
    for (size_t k = 0; k < nk; k++)
      set_kind(m, name, ks[k],
               r == NULL || (ks[k] == G6_KIND_PANELS && r->panels_missing)
                   ? NULL
                   : x ? &x->kind[ks[k]] : &none,
               now);
  }
  for (int s = 0; s < G6_SKIP_COUNT; s++)
    g6m_scan_skipped_set(m, g6_scan_skip_name((g6_scan_skip)s),
                         r ? (double)r->skipped[s] : NAN);
  g6m_scan_duration_set(m, r ? r->seconds : NAN);
  g6m_last_scan_set(m, last_ok);
}
