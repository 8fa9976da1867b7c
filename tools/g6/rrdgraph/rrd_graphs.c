/* g6 rrdgraph — the graphs per dashboard plan and their rrdtool arguments
 * (see rrd_graphs.h). */
#include "rrdgraph/rrd_graphs.h"
#include "core/array.h"

#include "core/buf.h"
#include "metrics/metrics_gen.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the graphs ------------------------------------------------------- */

#define ONE(d, l)                                                              \
  { .def = &g6m_def_##d, .split = G6_RG_ONE, .label = (l) }

const g6_rg_graph g6_rg_graphs[] = {
    /* overview: build, chain, host, runtime */
    {.plan = "overview",
     .name = "spot",
     .title = "%s spot and ATM strike",
     .per_instance = true,
     .src = {ONE(index_spot, "spot"),
             {.def = &g6m_def_index_atm,
              .label = "ATM strike",
              .dashed = true}}},
    {.plan = "overview",
     .name = "pcr",
     .title = "%s put/call ratio (open interest) by expiry",
     .per_instance = true,
     .src = {{.def = &g6m_def_put_call_ratio, .split = G6_RG_BY_TI}}},
    {.plan = "overview",
     .name = "legs",
     .title = "Option legs collected by index, and the host total",
     .lower0 = true,
     .src = {{.def = &g6m_def_legs_collected,
              .split = G6_RG_BY_PI,
              .draw = G6_RG_AREA},
             ONE(host_legs_collected, "host total (aggregation)")}},
    {.plan = "overview",
     .name = "status",
     .title = "Collection status by index (0 OK, 1 PARTIAL, 2 EMPTY, 3 STALE; "
              "worst expiry)",
     .lower0 = true,
     .vlabel = "status",
     .src = {{.def = &g6m_def_chain_status,
              .split = G6_RG_BY_PI,
              .combine = G6_RG_MAX}}},
    {.plan = "overview",
     .name = "cycle",
     .title = "Collection cycle duration by index (mean)",
     .lower0 = true,
     .src = {{.def = &g6m_def_cycle_duration, .split = G6_RG_BY_PI}}},
    /* provider: the Kite client */
    {.plan = "provider",
     .name = "requests",
     .title = "Kite API requests by endpoint",
     .lower0 = true,
     .src = {{.def = &g6m_def_api_calls,
              .split = G6_RG_BY_PI,
              .draw = G6_RG_AREA}}},
    {.plan = "provider",
     .name = "errors",
     .title = "Kite API errors by result (every endpoint)",
     .lower0 = true,
     .src = {{.def = &g6m_def_api_calls,
              .split = G6_RG_BY_TI,
              .draw = G6_RG_AREA,
              .ti_skip = "ok"}}},
    {.plan = "provider",
     .name = "latency",
     .title = "Kite API latency by endpoint (mean)",
     .lower0 = true,
     .src = {{.def = &g6m_def_api_latency, .split = G6_RG_BY_PI}}},
    /* storage: CSV appends, the data directory */
    {.plan = "storage",
     .name = "csv-rows",
     .title = "CSV rows appended by index",
     .lower0 = true,
     .src = {{.def = &g6m_def_csv_rows,
              .split = G6_RG_BY_PI,
              .draw = G6_RG_AREA}}},
    {.plan = "storage",
     .name = "csv-pending",
     .title = "CSV rows held for retry by index, and the host total",
     .lower0 = true,
     .src = {{.def = &g6m_def_csv_pending_rows,
              .split = G6_RG_BY_PI,
              .draw = G6_RG_AREA},
             ONE(host_csv_pending_rows, "host total (aggregation)")}},
    {.plan = "storage",
     .name = "csv-failures",
     .title = "CSV appends rolled back by cause",
     .lower0 = true,
     .src = {{.def = &g6m_def_csv_write_failures,
              .split = G6_RG_BY_TI,
              .draw = G6_RG_AREA}}},
    {.plan = "storage",
     .name = "data-bytes",
     .title = "Data directory size by index",
     .lower0 = true,
     .src = {{.def = &g6m_def_data_bytes,
              .split = G6_RG_BY_PI,
              .draw = G6_RG_AREA}}},
    {.plan = "storage",
     .name = "data-files",
     .title = "Files in the data directory by kind",
     .lower0 = true,
     .src = {{.def = &g6m_def_data_files,
              .split = G6_RG_BY_TI,
              .draw = G6_RG_AREA}}},
    /* analytics */
    {.plan = "analytics",
     .name = "atm-iv",
     .title = "%s ATM implied volatility by expiry",
     .per_instance = true,
     .scale = 100,
     .vlabel = "percent",
     .src = {{.def = &g6m_def_atm_iv, .split = G6_RG_BY_TI}}},
    {.plan = "analytics",
     .name = "oi-pcr",
     .title = "%s put/call ratio by OI within ATM +-5% by expiry",
     .per_instance = true,
     .src = {{.def = &g6m_def_oi_pcr, .split = G6_RG_BY_TI}}},
    {.plan = "analytics",
     .name = "max-pain",
     .title = "%s max pain, support and resistance",
     .per_instance = true,
     .src = {{.def = &g6m_def_max_pain, .label = "max pain", .ti_first = true},
             {.def = &g6m_def_support, .label = "support", .ti_first = true},
             {.def = &g6m_def_resistance,
              .label = "resistance",
              .ti_first = true}}},
    {.plan = "analytics",
     .name = "skew",
     .title = "%s 25-delta risk reversal by expiry",
     .per_instance = true,
     .scale = 100,
     .vlabel = "vol points",
     .src = {{.def = &g6m_def_rr25, .split = G6_RG_BY_TI}}},
    /* desk: the market's readings and what option desks watch */
    {.plan = "desk",
     .name = "vix",
     .title = "%s India VIX",
     .per_instance = true,
     .vlabel = "index points",
     .src = {ONE(vix, "India VIX")}},
    {.plan = "desk",
     .name = "straddle",
     .title = "%s ATM straddle (call + put at the ATM strike) by expiry",
     .per_instance = true,
     .lower0 = true,
     .src = {{.def = &g6m_def_atm_straddle, .split = G6_RG_BY_TI}}},
    {.plan = "desk",
     .name = "gex",
     .title = "%s dealer gamma exposure by expiry",
     .per_instance = true,
     .src = {{.def = &g6m_def_gamma_exposure, .split = G6_RG_BY_TI}}},
    {.plan = "desk",
     .name = "iv-rank",
     .title = "%s ATM IV rank in its history by expiry",
     .per_instance = true,
     .lower0 = true,
     .scale = 100,
     .vlabel = "percent",
     .src = {{.def = &g6m_def_iv_rank, .split = G6_RG_BY_TI}}},
    /* buckets, surface and Greeks */
    {.plan = "buckets",
     .name = "oi",
     .title = "%s open interest by moneyness (every expiry)",
     .per_instance = true,
     .lower0 = true,
     .src = {{.def = &g6m_def_bucket_oi,
              .split = G6_RG_BY_TI_HEAD,
              .draw = G6_RG_AREA}}},
    {.plan = "buckets",
     .name = "net-delta",
     .title = "%s net delta (OI x delta) by moneyness",
     .per_instance = true,
     .src = {{.def = &g6m_def_net_delta, .split = G6_RG_BY_TI_HEAD}}},
    /* panels */
    {.plan = "panels",
     .name = "integrity",
     .title = "Panel integrity (1 every file matches the manifest, 0 not)",
     .lower0 = true,
     .src = {ONE(integrity_ok, "integrity state")}},
    {.plan = "panels",
     .name = "problems",
     .title = "Integrity problems found by kind",
     .lower0 = true,
     .src = {{.def = &g6m_def_integrity_problems,
              .split = G6_RG_BY_PI,
              .draw = G6_RG_AREA}}},
    {.plan = "panels",
     .name = "writes",
     .title = "Panel files written",
     .lower0 = true,
     .src = {{.def = &g6m_def_panel_writes,
              .split = G6_RG_BY_PI,
              .draw = G6_RG_AREA}}},
};
const size_t g6_rg_graphs_len = sizeof(g6_rg_graphs) / sizeof(g6_rg_graphs[0]);

/* ---- building --------------------------------------------------------- */

/* Tableau's ten colours: told apart in print and by most colour-blind
 * readers. */
static const char *const PALETTE[] = {"1f77b4", "ff7f0e", "2ca02c", "d62728",
                                      "9467bd", "8c564b", "e377c2", "7f7f7f",
                                      "bcbd22", "17becf"};
#define N_PALETTE (sizeof(PALETTE) / sizeof(PALETTE[0]))

static g6_status push_arg(g6_rg_built *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static g6_status push_arg(g6_rg_built *b, const char *fmt, ...) {
  /* room for this argument and the NULL after it */
  if (!g6_array_room(&b->argv, &b->cap, b->argc + 1, sizeof(*b->argv), 64))
    return G6_ENOMEM;
  g6_buf s = G6_BUF_INIT;
  va_list ap;
  va_start(ap, fmt);
  g6_status rc = g6_buf_vprintf(&s, fmt, ap);
  va_end(ap);
  if (rc != G6_OK || s.data == NULL) {
    g6_buf_free(&s);
    return G6_ENOMEM;
  }
  b->argv[b->argc++] = g6_buf_steal(&s);
  b->argv[b->argc] = NULL;
  return G6_OK;
}

/* rrdtool splits its arguments at ':'; a path or a legend keeps one as
 * "\:". */
static void escape_colons(const char *in, char *out, size_t sz) {
  size_t k = 0;
  for (; *in && k + 2 < sz; in++) {
    if (*in == ':')
      out[k++] = '\\';
    out[k++] = *in;
  }
  out[k] = '\0';
}

/* Position of v in the domain's values (its natural order: this_week before
 * next_week), or the count when it is not one of them. */
static size_t domain_rank(const g6_metric_domain *d, const char *v) {
  if (d == NULL)
    return 0;
  for (size_t i = 0; i < d->n_values; i++)
    if (strcmp(d->values[i], v) == 0)
      return i;
  return d->n_values;
}

/* Position of the first of the domain's values that starts with
 * "<head>." (moneyness before days to expiry in "atm.short"). */
static size_t head_rank(const g6_metric_domain *d, const char *head) {
  size_t n = strlen(head);
  for (size_t i = 0; d && i < d->n_values; i++)
    if (strncmp(d->values[i], head, n) == 0 && d->values[i][n] == '.')
      return i;
  return d ? d->n_values : 0;
}

/* One line being assembled: its key and the files it adds up. */
typedef struct group {
  char key[64];
  size_t rank;
  size_t *files;
  size_t n;
} group;

static int cmp_group(const void *a, const void *b) {
  const group *x = a, *y = b;
  if (x->rank != y->rank)
    return x->rank < y->rank ? -1 : 1;
  return strcmp(x->key, y->key);
}

static bool same_domain(const g6_metric_domain *a, const g6_metric_domain *b) {
  return a && b && strcmp(a->name, b->name) == 0;
}

/* The key a file goes under for `split`. */
static void key_of(const g6_rg_source *s, const g6_rrd_file *f, char *key,
                   size_t sz) {
  switch (s->split) {
  case G6_RG_ONE:
    snprintf(key, sz, "%s", s->label ? s->label : s->def->name);
    break;
  case G6_RG_BY_PI:
    snprintf(key, sz, "%s", f->pi);
    break;
  case G6_RG_BY_TI:
    snprintf(key, sz, "%s", f->ti);
    break;
  case G6_RG_BY_TI_HEAD: {
    size_t n = strcspn(f->ti, ".");
    snprintf(key, sz, "%.*s", (int)n, f->ti);
    break;
  }
  }
}

/* Whether a file has something to draw: a known value, and for a counter
 * (or a histogram's count) one that is not 0. */
static bool has_data(const g6_rg_source *s, const g6_rrd_file *f) {
  switch (f->data) {
  case G6_RRD_UNCHECKED:
  case G6_RRD_VALUES:
    return true;
  case G6_RRD_NOTHING:
    return false;
  case G6_RRD_ZEROS:
    return s->def->kind == G6_METRIC_GAUGE ||
           (s->def->kind == G6_METRIC_HISTOGRAM && f->part == G6_RRD_SUM);
  }
  return true;
}

/* The files of source s that the graph uses (for `instance`). A histogram
 * is drawn from its count and sum. */
static bool wanted(const g6_rg_graph *g, const g6_rg_source *s,
                   const char *instance, const g6_rrd_file *f,
                   const char *first_ti) {
  if (f->def != s->def)
    return false;
  if (s->def->kind == G6_METRIC_HISTOGRAM
          ? (f->part != G6_RRD_COUNT && f->part != G6_RRD_SUM)
          : f->part != G6_RRD_VALUE)
    return false;
  if (instance && same_domain(s->def->pi, g->src[0].def->pi) &&
      strcmp(f->pi, instance) != 0)
    return false;
  if (s->ti_skip && strcmp(f->ti, s->ti_skip) == 0)
    return false;
  if (first_ti && strcmp(f->ti, first_ti) != 0)
    return false;
  return has_data(s, f);
}

/* For ti_first: the type_instance of s's files that comes first in its
 * domain's order. */
static const char *first_ti_of(const g6_rg_graph *g, const g6_rg_source *s,
                               const char *instance, const g6_rrd_set *set) {
  const char *best = NULL;
  size_t best_rank = (size_t)-1;
  for (size_t i = 0; i < set->n; i++) {
    const g6_rrd_file *f = &set->v[i];
    if (!wanted(g, s, instance, f, NULL))
      continue;
    size_t r = domain_rank(s->def->ti, f->ti);
    if (best == NULL || r < best_rank ||
        (r == best_rank && strcmp(f->ti, best) < 0)) {
      best = f->ti;
      best_rank = r;
    }
  }
  return best;
}

static g6_status collect_groups(const g6_rg_graph *g, const g6_rg_source *s,
                                const char *instance, const g6_rrd_set *set,
                                const char *first_ti, group **out,
                                size_t *n_out) {
  group *gs = NULL;
  size_t n = 0;
  for (size_t i = 0; i < set->n; i++) {
    const g6_rrd_file *f = &set->v[i];
    if (!wanted(g, s, instance, f, first_ti))
      continue;
    char key[64];
    key_of(s, f, key, sizeof(key));
    size_t k = 0;
    while (k < n && strcmp(gs[k].key, key) != 0)
      k++;
    if (k == n) {
      group *v = realloc(gs, (n + 1) * sizeof(*gs));
      if (v == NULL)
        goto nomem;
      gs = v;
      memset(&gs[n], 0, sizeof(gs[n]));
      snprintf(gs[n].key, sizeof(gs[n].key), "%s", key);
      gs[n].rank = s->split == G6_RG_BY_TI        ? domain_rank(s->def->ti, key)
                   : s->split == G6_RG_BY_TI_HEAD ? head_rank(s->def->ti, key)
                                                  : 0;
      n++;
    }
    size_t *fv = realloc(gs[k].files, (gs[k].n + 1) * sizeof(size_t));
    if (fv == NULL)
      goto nomem;
    gs[k].files = fv;
    gs[k].files[gs[k].n++] = i;
  }
  /* a histogram's mean needs requests: drop groups without a count */
  if (s->def->kind == G6_METRIC_HISTOGRAM)
    for (size_t k = 0; k < n;) {
      bool counted = false;
      for (size_t f = 0; f < gs[k].n && !counted; f++)
        counted = set->v[gs[k].files[f]].part == G6_RRD_COUNT;
      if (counted) {
        k++;
        continue;
      }
      free(gs[k].files);
      gs[k] = gs[--n];
    }
  if (n > 1)
    qsort(gs, n, sizeof(*gs), cmp_group);
  *out = gs;
  *n_out = n;
  return G6_OK;
nomem:
  for (size_t k = 0; k < n; k++)
    free(gs[k].files);
  free(gs);
  return G6_ENOMEM;
}

static void free_groups(group *gs, size_t n) {
  for (size_t k = 0; k < n; k++)
    free(gs[k].files);
  free(gs);
}

/* The RPN adding (or taking the maximum of) the DEFs first..first+n-1. */
static g6_status combine_rpn(g6_buf *rpn, const char *prefix, size_t first,
                             size_t n, g6_rg_combine c) {
  g6_status rc = g6_buf_printf(rpn, "%s%zu", prefix, first);
  for (size_t k = 1; k < n && rc == G6_OK; k++)
    rc = g6_buf_printf(rpn, ",%s%zu,%s", prefix, first + k,
                       c == G6_RG_MAX ? "MAXNAN" : "ADDNAN");
  return rc;
}

/* The GPRINT format of a value of `unit` (after scaling). */
static const char *value_format(const g6_rg_graph *g, const char *unit) {
  if (g->vlabel && strcmp(g->vlabel, "percent") == 0)
    return "%7.2lf%%";
  if (strcmp(unit, "points") == 0)
    return "%10.2lf";
  if (strcmp(unit, "state") == 0 || strcmp(unit, "status") == 0)
    return "%3.0lf";
  if (strcmp(unit, "ratio") == 0)
    return "%7.3lf";
  return "%8.2lf%s";
}

static void vlabel_of(const g6_rg_graph *g, char *out, size_t sz) {
  const g6_metric_def *d = g->src[0].def;
  if (g->vlabel)
    snprintf(out, sz, "%s", g->vlabel);
  else if (d->kind == G6_METRIC_COUNTER)
    snprintf(out, sz, "%s per second", d->unit);
  else
    snprintf(out, sz, "%s", d->unit);
}

size_t g6_rg_instances(const g6_rg_graph *g, const g6_rrd_set *set,
                       const char ***out) {
  const char **v = NULL;
  size_t n = 0;
  for (size_t i = 0; i < set->n; i++) {
    const g6_rrd_file *f = &set->v[i];
    if (f->def != g->src[0].def || f->pi[0] == '\0')
      continue;
    bool seen = false;
    for (size_t k = 0; k < n && !seen; k++)
      seen = strcmp(v[k], f->pi) == 0;
    if (seen)
      continue;
    const char **nv = realloc(v, (n + 1) * sizeof(*v));
    if (nv == NULL)
      break;
    v = nv;
    /* insertion in name order */
    size_t at = n;
    while (at > 0 && strcmp(v[at - 1], f->pi) > 0) {
      v[at] = v[at - 1];
      at--;
    }
    v[at] = f->pi;
    n++;
  }
  *out = v;
  return n;
}

/* Index names are letters, digits, '_' and '-'; anything else in a file
 * name becomes '_'. */
static void file_safe(const char *in, char *out, size_t sz) {
  size_t k = 0;
  for (; *in && k + 1 < sz; in++)
    out[k++] =
        (char)((*in >= 'a' && *in <= 'z') || (*in >= 'A' && *in <= 'Z') ||
                       (*in >= '0' && *in <= '9') || *in == '_' || *in == '-'
                   ? *in
                   : '_');
  out[k] = '\0';
}

g6_status g6_rg_build(const g6_rg_graph *g, const char *instance,
                      const g6_rrd_set *set, const g6_rg_opts *o,
                      g6_rg_built *b, g6_error *err) {
  memset(b, 0, sizeof(*b));
  b->graph = g;
  char inst[64] = "";
  if (instance)
    file_safe(instance, inst, sizeof(inst));
  snprintf(b->file, sizeof(b->file), "%s-%s%s%s.png", g->plan, g->name,
           instance ? "-" : "", inst);
  /* the title's "%s" is the instance; a graph of one expiry names it */
  char title[160];
  const char *pct = strstr(g->title, "%s");
  if (pct && instance)
    snprintf(title, sizeof(title), "%.*s%s%s", (int)(pct - g->title), g->title,
             instance, pct + 2);
  else
    snprintf(title, sizeof(title), "%s", g->title);
  const char *first_ti = NULL;
  for (size_t s = 0; s < G6_RG_MAX_SOURCES && g->src[s].def; s++)
    if (g->src[s].ti_first && first_ti == NULL)
      first_ti = first_ti_of(g, &g->src[s], instance, set);
  if (first_ti)
    snprintf(b->title, sizeof(b->title), "%.130s (%.63s)", title, first_ti);
  else
    snprintf(b->title, sizeof(b->title), "%s", title);

  char vlabel[64], path[4200], esc[8400], scale[40] = "";
  if (g->scale > 0)
    snprintf(scale, sizeof(scale), ",%g,*", g->scale);
  vlabel_of(g, vlabel, sizeof(vlabel));
  snprintf(path, sizeof(path), "%s/%s", o->out_dir, b->file);
  g6_status rc = G6_OK;
#define ARG(...)                                                               \
  do {                                                                         \
    if ((rc = push_arg(b, __VA_ARGS__)) != G6_OK)                              \
      goto fail;                                                               \
  } while (0)
  ARG("graph");
  ARG("%s", path);
  ARG("--imgformat=PNG");
  ARG("--start=%s", o->start);
  ARG("--end=%s", o->end);
  ARG("--width=%u", o->width);
  ARG("--height=%u", o->height);
  ARG("--title=%s", b->title);
  ARG("--vertical-label=%s", vlabel);
  ARG("--watermark=g6 rrdgraph, host %s", o->host);
  ARG("--slope-mode");
  /* counts start at 0; levels (spot, a ratio) get an axis fitted to their
   * range, where rrdtool's default rounds out to "nice" bounds far away */
  if (g->lower0)
    ARG("--lower-limit=0");
  else {
    ARG("--alt-autoscale");
    ARG("--alt-y-grid"); /* labels on a narrow range far from 0 (a spot) */
  }
  /* no SI prefix on prices, ratios and states ("1000 m" for a PCR of 1) */
  static const char *const plain[] = {"points", "status", "state", "ratio"};
  for (size_t k = 0; k < sizeof(plain) / sizeof(plain[0]); k++)
    if (strcmp(g->src[0].def->unit, plain[k]) == 0) {
      ARG("--units-exponent=0");
      break;
    }

  /* lines: every group of every source */
  const g6_rg_source *line_src[G6_RG_MAX_LINES];
  size_t n_defs = 0;
  for (size_t s = 0; s < G6_RG_MAX_SOURCES && g->src[s].def; s++) {
    const g6_rg_source *src = &g->src[s];
    group *gs;
    size_t ng;
    if (collect_groups(g, src, instance, set, first_ti, &gs, &ng) != G6_OK) {
      rc = G6_ENOMEM;
      goto fail;
    }
    for (size_t k = 0; k < ng; k++) {
      if (b->n_lines == G6_RG_MAX_LINES) {
        free_groups(gs, ng);
        rc = g6_error_set(err, G6_EINVAL, "%s: more than %d lines", b->file,
                          G6_RG_MAX_LINES);
        goto fail_quiet;
      }
      size_t ln = b->n_lines++;
      g6_rg_line *line = &b->lines[ln];
      snprintf(line->label, sizeof(line->label), "%s", gs[k].key);
      line->n_files = gs[k].n;
      b->n_files += gs[k].n;
      line_src[ln] = src;
      bool hist = src->def->kind == G6_METRIC_HISTOGRAM;
      size_t first = n_defs, n_sum = 0;
      /* histograms: the sums first, then the counts */
      for (int pass = 0; pass < (hist ? 2 : 1); pass++)
        for (size_t f = 0; f < gs[k].n; f++) {
          const g6_rrd_file *rf = &set->v[gs[k].files[f]];
          if (hist && (rf->part == G6_RRD_SUM) != (pass == 0))
            continue;
          escape_colons(rf->path, esc, sizeof(esc));
          if ((rc = push_arg(b, "DEF:d%zu=%s:value:AVERAGE", n_defs++, esc)) !=
              G6_OK) {
            free_groups(gs, ng);
            goto fail;
          }
          n_sum += hist && pass == 0;
        }
      g6_buf rpn = G6_BUF_INIT;
      if (hist) {
        /* mean = d(sum)/dt / rate(count): the sum is a cumulative gauge,
         * the count a DERIVE (a rate already); no request, no mean */
        size_t n_count = n_defs - first - n_sum;
        combine_rpn(&rpn, "d", first, n_sum, G6_RG_SUM);
        rc = push_arg(b, "CDEF:s%zu=%s", ln, rpn.data ? rpn.data : "UNKN");
        g6_buf_reset(&rpn);
        combine_rpn(&rpn, "d", first + n_sum, n_count, G6_RG_SUM);
        if (rc == G6_OK)
          rc = push_arg(b, "CDEF:c%zu=%s", ln, rpn.data ? rpn.data : "UNKN");
        if (rc == G6_OK)
          rc = push_arg(b,
                        "CDEF:l%zu=c%zu,0,GT,s%zu,PREV(s%zu),-,STEPWIDTH,/,"
                        "c%zu,/,UNKN,IF%s",
                        ln, ln, ln, ln, ln, scale);
      } else {
        combine_rpn(&rpn, "d", first, n_defs - first, src->combine);
        rc = push_arg(b, "CDEF:l%zu=%s%s", ln, rpn.data ? rpn.data : "UNKN",
                      scale);
      }
      g6_buf_free(&rpn);
      if (rc != G6_OK) {
        free_groups(gs, ng);
        goto fail;
      }
    }
    free_groups(gs, ng);
  }
  if (b->n_lines == 0) {
    rc = g6_error_set(err, G6_ENOENT, "%s: no RRD file for it", b->file);
    goto fail_quiet;
  }

  /* drawing and legends */
  int width = 0;
  bool any_area = false;
  for (size_t l = 0; l < b->n_lines; l++) {
    int n = (int)strlen(b->lines[l].label);
    width = n > width ? n : width;
    any_area = any_area || line_src[l]->draw == G6_RG_AREA;
  }
  size_t areas = 0;
  for (size_t l = 0; l < b->n_lines; l++) {
    const g6_rg_source *src = line_src[l];
    char label[96], padded[128];
    escape_colons(b->lines[l].label, label, sizeof(label));
    snprintf(padded, sizeof(padded), "%-*s", width + 1, label);
    /* a total drawn over stacked areas is black */
    const char *color =
        any_area && src->draw == G6_RG_LINE ? "000000" : PALETTE[l % N_PALETTE];
    if (src->draw == G6_RG_AREA)
      ARG("AREA:l%zu#%scc:%s%s", l, color, padded, areas++ ? ":STACK" : "");
    else
      ARG("LINE2:l%zu#%s:%s%s", l, color, padded, src->dashed ? ":dashes" : "");
    const char *fmt = value_format(g, src->def->unit);
    ARG("VDEF:l%zulast=l%zu,LAST", l, l);
    ARG("VDEF:l%zuavg=l%zu,AVERAGE", l, l);
    ARG("VDEF:l%zumax=l%zu,MAXIMUM", l, l);
    ARG("GPRINT:l%zulast:last %s", l, fmt);
    ARG("GPRINT:l%zuavg:avg %s", l, fmt);
    ARG("GPRINT:l%zumax:max %s\\l", l, fmt);
    ARG("PRINT:l%zulast:%%.6lf", l);
  }
#undef ARG
  return G6_OK;
fail:
  if (rc == G6_ENOMEM)
    g6_error_set(err, rc, "%s: out of memory", b->file);
fail_quiet:
  return rc;
}

void g6_rg_built_free(g6_rg_built *b) {
  if (b == NULL)
    return;
  for (size_t i = 0; i < b->argc; i++)
    free(b->argv[i]);
  free(b->argv);
  b->argv = NULL;
  b->argc = b->cap = 0;
}
