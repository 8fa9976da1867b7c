/* g6 spec generate: Grafana dashboards (one per plan), manifest.json and
 * provisioning files; the panel inventory and the semantic dashboard diff.
 *
 * Panels per metric, in order: the spec's explicit panels, then synthesized
 * ones (counter -> rate by its labels; histogram -> p50/p95/p99 via
 * label_replace of type into le; labeled gauge -> by-label and, when it can
 * have more than 5 series, top-5; label-less gauge -> stat). Ids are stable:
 * the first 8 hex digits of sha256(slug + semantic signature), so moving a
 * panel never changes its id. Every target filters instance=~"$instance"
 * (and the index label with $index where the metric is per index) and rates
 * use $__rate_interval (mixin conventions). */
#include "spec/spec.h"
#include "spec/spec_internal.h"

#include "core/hash.h"
#include "core/json.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCHEMA_VERSION 39

static char *dupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *dupf(const char *fmt, ...) {
  g6_buf b = G6_BUF_INIT;
  va_list ap;
  va_start(ap, fmt);
  g6_buf_vprintf(&b, fmt, ap);
  va_end(ap);
  return g6_buf_steal(&b);
}

/* ---- signature and ids ------------------------------------------------------ */

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

void g6_spec_panel_signature(const char *type, const char *title,
                             char *const *exprs, size_t n_exprs,
                             const char *unit, g6_buf *out) {
  char *sorted[G6_SPEC_MAX_TARGETS * 4];
  size_t n = n_exprs < G6_SPEC_MAX_TARGETS * 4 ? n_exprs
                                               : G6_SPEC_MAX_TARGETS * 4;
  memcpy(sorted, exprs, n * sizeof(char *));
  qsort(sorted, n, sizeof(char *), cmp_str);
  g6_json *o = g6_json_object();
  g6_json *arr = g6_json_array();
  for (size_t i = 0; i < n; i++)
    g6_json_array_push(arr, g6_json_string(sorted[i]));
  g6_json_object_set(o, "type", g6_json_string(type ? type : ""));
  g6_json_object_set(o, "title", g6_json_string(title ? title : ""));
  g6_json_object_set(o, "exprs", arr);
  g6_json_object_set(o, "datasource_type", g6_json_string("prometheus"));
  g6_json_object_set(o, "unit", g6_json_string(unit ? unit : ""));
  g6_json_dump_canonical(o, out);
  g6_json_free(o);
}

uint32_t g6_spec_panel_id(const char *slug, const char *signature) {
  g6_buf b = G6_BUF_INIT;
  g6_buf_printf(&b, "%s%s", slug, signature);
  char hex[65];
  g6_sha256_hex(b.data, b.len, hex);
  g6_buf_free(&b);
  hex[8] = '\0';
  uint32_t id = (uint32_t)strtoul(hex, NULL, 16);
  return id ? id : 1; /* Grafana treats 0 as "no id" */
}

static char *uuid_of(const char *slug, const char *metric, const char *source,
                     const char *variant) {
  g6_buf b = G6_BUF_INIT;
  g6_buf_printf(&b, "%s\n%s\n%s\n%s", slug, metric, source, variant);
  char hex[65];
  g6_sha256_hex(b.data, b.len, hex);
  g6_buf_free(&b);
  hex[16] = '\0';
  return strdup(hex);
}

/* ---- synthesis ---------------------------------------------------------------- */

static const g6_spec_label *label_from(const g6_spec_metric *m,
                                       g6_spec_from from) {
  for (size_t i = 0; i < m->n_labels; i++)
    if (m->labels[i].from == from)
      return &m->labels[i];
  return NULL;
}

static bool per_index(const g6_spec_metric *m) {
  const g6_spec_label *pi = label_from(m, G6_SPEC_FROM_PLUGIN_INSTANCE);
  return pi && pi->domain_name && strcmp(pi->domain_name, "index") == 0;
}

/* {instance=~"$instance"[,<plugin>=~"$index"]} */
static void selector(const g6_spec_metric *m, const char *name, g6_buf *b) {
  g6_buf_printf(b, "%s{instance=~\"$instance\"", name);
  if (per_index(m))
    g6_buf_printf(b, ",%s=~\"$index\"", m->plugin);
  g6_buf_putc(b, '}');
}

static void short_name(const g6_spec_metric *m, char out[160]) {
  const char *e = m->exported;
  if (strncmp(e, "collectd_", 9) == 0)
    e += 9;
  snprintf(out, 160, "%s", e);
  size_t n = strlen(out);
  if (m->kind == G6_SPEC_COUNTER && n > 6 &&
      strcmp(out + n - 6, "_total") == 0)
    out[n - 6] = '\0';
}

static g6_spec_dpanel *new_panel(g6_spec_dash *d) {
  g6_spec_dpanel *v = realloc(d->panels, (d->n_panels + 1) * sizeof(*v));
  if (v == NULL)
    return NULL;
  d->panels = v;
  g6_spec_dpanel *p = &d->panels[d->n_panels++];
  memset(p, 0, sizeof(*p));
  p->w = 12;
  p->h = 8;
  return p;
}

static const char *grafana_unit(const g6_spec *s, const g6_spec_metric *m,
                                bool rate) {
  const g6_spec_unit *u = g6_spec_find_unit(s, m->unit);
  if (u == NULL)
    return "short";
  return rate ? u->rate : u->grafana;
}

/* A gauge's selector with its unknown (NaN) samples dropped: `x >= -Inf` is
 * false only for NaN. g6 exports an unknown value as NaN, never 0
 * (docs/ARCHITECTURE.md); sum and topk would turn one NaN into a NaN total
 * or rank it, so every aggregation of a gauge sees known values only, and
 * a series that is all unknown shows as a gap. A Unix time (a unit with
 * `timestamp: true`) is 0 for "never" (last_success before the first
 * success): `x > 0` drops that too, instead of drawing it as 1970. */
static void gauge_selector(const g6_spec *s, const g6_spec_metric *m,
                           g6_buf *out) {
  const g6_spec_unit *u = g6_spec_find_unit(s, m->unit);
  selector(m, m->exported, out);
  g6_buf_puts(out, u && u->timestamp ? " > 0" : " >= -Inf");
}

static g6_status synth_metric(const g6_spec *s, const g6_spec_metric *m,
                              g6_spec_dash *d) {
  const char *slug = d->plan->slug;
  char sn[160];
  short_name(m, sn);
  const char *names[2];
  size_t nl = g6_spec_label_names(m, names);
  const char *agg = m->agg ? m->agg : "max";
  g6_buf sel = G6_BUF_INIT, by = G6_BUF_INIT, legend = G6_BUF_INIT;
  for (size_t i = 0; i < nl; i++) {
    g6_buf_printf(&by, "%s%s", i ? ", " : "", names[i]);
    g6_buf_printf(&legend, "%s{{%s}}", i ? " " : "", names[i]);
  }
  g6_status rc = G6_OK;

  /* explicit panels first */
  for (size_t i = 0; i < m->n_panels; i++) {
    const g6_spec_panel *sp = &m->panels[i];
    g6_spec_dpanel *p = new_panel(d);
    if (p == NULL)
      goto nomem;
    p->metric = m;
    p->source = strdup("spec");
    char variant[32];
    snprintf(variant, sizeof(variant), "%zu", i);
    p->uuid = uuid_of(slug, m->name, "spec", variant);
    p->title = strdup(sp->title);
    p->type = strdup(sp->type);
    p->unit = strdup(sp->unit ? sp->unit : grafana_unit(s, m, false));
    p->description = strdup(sp->description);
    p->exprs[0] = strdup(sp->expr);
    p->legends[0] = strdup(sp->legend ? sp->legend : "");
    p->n_exprs = 1;
    p->instant = sp->instant;
  }
  bool info = strcmp(m->unit, "info") == 0;
  if (info && m->n_panels) {
    rc = G6_OK;
    goto done;
  }

  if (m->kind == G6_SPEC_COUNTER) {
    g6_spec_dpanel *p = new_panel(d);
    if (p == NULL)
      goto nomem;
    selector(m, m->exported, &sel);
    p->metric = m;
    p->source = strdup("auto_rate");
    p->uuid = uuid_of(slug, m->name, "auto_rate", "");
    p->type = strdup("timeseries");
    p->unit = strdup(grafana_unit(s, m, true));
    if (nl) {
      p->title = dupf("%s: rate by %s", sn, by.data);
      p->exprs[0] = dupf("sum by (%s) (rate(%s[$__rate_interval]))", by.data,
                         sel.data);
      p->legends[0] = strdup(legend.data);
    } else {
      p->title = dupf("%s: rate", sn);
      p->exprs[0] =
          dupf("sum by (instance) (rate(%s[$__rate_interval]))", sel.data);
      p->legends[0] = strdup("{{instance}}");
    }
    p->n_exprs = 1;
    p->description = dupf("%s Per-second rate over $__rate_interval%s%s.",
                          m->help, nl ? ", by " : "", nl ? by.data : "");
  } else if (m->kind == G6_SPEC_HISTOGRAM) {
    g6_spec_dpanel *p = new_panel(d);
    if (p == NULL)
      goto nomem;
    char bucket[200];
    snprintf(bucket, sizeof(bucket), "%s_bucket_total", m->exported);
    selector(m, bucket, &sel);
    p->metric = m;
    p->source = strdup("auto_hist_quantile");
    p->uuid = uuid_of(slug, m->name, "auto_hist_quantile", "");
    p->type = strdup("timeseries");
    p->unit = strdup(grafana_unit(s, m, false));
    p->title = dupf("%s: p50 / p95 / p99", sn);
    static const char *const qs[] = {"0.5", "0.95", "0.99"};
    static const char *const ql[] = {"p50", "p95", "p99"};
    for (size_t q = 0; q < 3; q++) {
      p->exprs[q] =
          dupf("histogram_quantile(%s, sum by (le, %s) (label_replace("
               "rate(%s[$__rate_interval]), \"le\", \"$1\", \"type\", "
               "\"(.+)\")))",
               qs[q], names[0], sel.data);
      p->legends[q] = dupf("%s {{%s}}", ql[q], names[0]);
    }
    p->n_exprs = 3;
    p->description =
        dupf("%s Quantiles from collectd's cumulative buckets over "
             "$__rate_interval, by %s.",
             m->help, names[0]);
  } else if (nl == 0 || m->aggregates) {
    /* one value per host: a stat, or for a host total (whose label only
     * names the aggregation's function) a line per host */
    bool total = m->aggregates != NULL;
    g6_spec_dpanel *p = new_panel(d);
    if (p == NULL)
      goto nomem;
    gauge_selector(s, m, &sel);
    p->metric = m;
    p->source = strdup(total ? "auto_host_total" : "auto_stat");
    p->uuid = uuid_of(slug, m->name, p->source, "");
    p->type = strdup(total ? "timeseries" : "stat");
    p->unit = strdup(grafana_unit(s, m, false));
    p->title = total ? dupf("%s per host", sn) : strdup(sn);
    p->exprs[0] = dupf("%s by (instance) (%s)", total ? "max" : agg, sel.data);
    p->legends[0] = strdup("{{instance}}");
    p->n_exprs = 1;
    if (!total) {
      p->w = 8;
      p->h = 4;
    }
    p->description =
        total ? dupf("%s Per instance, computed inside collectd by its "
                     "aggregation plugin (conf.d/g6_aggregation.conf).",
                     m->help)
              : dupf("%s Per instance.", m->help);
  } else {
    gauge_selector(s, m, &sel);
    g6_spec_dpanel *p = new_panel(d);
    if (p == NULL)
      goto nomem;
    p->metric = m;
    p->source = strdup("auto_label_split");
    p->uuid = uuid_of(slug, m->name, "auto_label_split", "");
    p->type = strdup("timeseries");
    p->unit = strdup(grafana_unit(s, m, false));
    p->title = dupf("%s by %s", sn, by.data);
    p->exprs[0] = dupf("%s by (%s) (%s)", agg, by.data, sel.data);
    p->legends[0] = strdup(legend.data);
    p->n_exprs = 1;
    p->description = dupf("%s %s over the selected instances, by %s.",
                          m->help, agg, by.data);
    if (m->budget > 5) {
      g6_spec_dpanel *t = new_panel(d);
      if (t == NULL)
        goto nomem;
      t->metric = m;
      t->source = strdup("auto_topk");
      t->uuid = uuid_of(slug, m->name, "auto_topk", "");
      t->type = strdup("timeseries");
      t->unit = strdup(grafana_unit(s, m, false));
      t->title = dupf("%s: top 5", sn);
      t->exprs[0] = dupf("topk(5, %s by (%s) (%s))", agg, by.data, sel.data);
      t->legends[0] = strdup(legend.data);
      t->n_exprs = 1;
      t->description =
          dupf("%s The 5 largest series (%s by %s).", m->help, agg, by.data);
    }
  }
  goto done;
nomem:
  rc = G6_ENOMEM;
done:
  g6_buf_free(&sel);
  g6_buf_free(&by);
  g6_buf_free(&legend);
  return rc;
}

g6_status g6_spec_dashes_build(const g6_spec *s, g6_spec_dashes *out,
                               g6_error *err) {
  memset(out, 0, sizeof(*out));
  if (s->n_plans == 0)
    return G6_OK;
  out->v = calloc(s->n_plans, sizeof(g6_spec_dash));
  if (out->v == NULL)
    return g6_error_set(err, G6_ENOMEM, "out of memory");
  out->n = s->n_plans;
  for (size_t p = 0; p < s->n_plans; p++) {
    g6_spec_dash *d = &out->v[p];
    d->plan = &s->plans[p];
    for (size_t k = 0; k < d->plan->n_families; k++) {
      const g6_spec_family *f = g6_spec_find_family(s, d->plan->families[k]);
      for (size_t j = 0; f && j < f->n_metrics; j++) {
        d->has_index = d->has_index || per_index(&f->metrics[j]);
        if (synth_metric(s, &f->metrics[j], d) != G6_OK) {
          g6_spec_dashes_free(out);
          return g6_error_set(err, G6_ENOMEM, "out of memory");
        }
      }
    }
    /* metrics of other families the plan names, after its own */
    for (size_t k = 0; k < d->plan->n_metrics; k++) {
      const g6_spec_metric *m = g6_spec_find_metric(s, d->plan->metrics[k]);
      if (m == NULL)
        continue; /* lint reports it */
      d->has_index = d->has_index || per_index(m);
      if (synth_metric(s, m, d) != G6_OK) {
        g6_spec_dashes_free(out);
        return g6_error_set(err, G6_ENOMEM, "out of memory");
      }
    }
    for (size_t i = 0; i < d->n_panels; i++) {
      g6_spec_dpanel *pn = &d->panels[i];
      g6_buf sig = G6_BUF_INIT;
      g6_spec_panel_signature(pn->type, pn->title, pn->exprs, pn->n_exprs,
                              pn->unit, &sig);
      pn->id = g6_spec_panel_id(d->plan->slug, sig.data ? sig.data : "");
      g6_buf_free(&sig);
      for (size_t k = 0; k < i; k++) {
        if (d->panels[k].id == pn->id) {
          g6_status rc = g6_error_set(
              err, G6_EINVAL,
              "dashboard %s: panels \"%s\" and \"%s\" get the same id %u "
              "(identical signature; give one another title)",
              d->plan->slug, d->panels[k].title, pn->title, pn->id);
          g6_spec_dashes_free(out);
          return rc;
        }
        if (strcmp(d->panels[k].uuid, pn->uuid) == 0) {
          g6_status rc =
              g6_error_set(err, G6_EINVAL,
                           "dashboard %s: metric %s appears twice (is its "
                           "family listed twice in the plan?)",
                           d->plan->slug, pn->metric->name);
          g6_spec_dashes_free(out);
          return rc;
        }
      }
    }
  }
  return G6_OK;
}

void g6_spec_dashes_free(g6_spec_dashes *d) {
  for (size_t i = 0; i < d->n; i++) {
    for (size_t j = 0; j < d->v[i].n_panels; j++) {
      g6_spec_dpanel *p = &d->v[i].panels[j];
      free(p->title);
      free(p->type);
      free(p->unit);
      free(p->description);
      free(p->source);
      free(p->uuid);
      for (size_t k = 0; k < p->n_exprs; k++) {
        free(p->exprs[k]);
        free(p->legends[k]);
      }
    }
    free(d->v[i].panels);
  }
  free(d->v);
  memset(d, 0, sizeof(*d));
}

/* ---- JSON rendering ------------------------------------------------------------ */

static g6_json *ds_ref(void) {
  g6_json *o = g6_json_object();
  g6_json_object_set(o, "type", g6_json_string("prometheus"));
  g6_json_object_set(o, "uid", g6_json_string("${datasource}"));
  return o;
}

static g6_json *str_array(char *const *v, size_t n) {
  g6_json *a = g6_json_array();
  for (size_t i = 0; i < n; i++)
    g6_json_array_push(a, g6_json_string(v[i]));
  return a;
}

static g6_json *query_var(const char *name, const char *label,
                          const char *query) {
  g6_json *v = g6_json_object();
  g6_json_object_set(v, "name", g6_json_string(name));
  g6_json_object_set(v, "label", g6_json_string(label));
  g6_json_object_set(v, "type", g6_json_string("query"));
  g6_json_object_set(v, "datasource", ds_ref());
  g6_json_object_set(v, "query", g6_json_string(query));
  g6_json_object_set(v, "multi", g6_json_bool(true));
  g6_json_object_set(v, "includeAll", g6_json_bool(true));
  g6_json_object_set(v, "allValue", g6_json_string(".+"));
  g6_json_object_set(v, "refresh", g6_json_int(2));
  g6_json_object_set(v, "sort", g6_json_int(1));
  g6_json_object_set(v, "regex", g6_json_string(""));
  g6_json_object_set(v, "hide", g6_json_int(0));
  return v;
}

static g6_json *render_panel(const g6_spec_dpanel *p, int x, int y) {
  g6_json *o = g6_json_object();
  g6_json_object_set(o, "id", g6_json_int(p->id));
  g6_json_object_set(o, "type", g6_json_string(p->type));
  g6_json_object_set(o, "title", g6_json_string(p->title));
  g6_json_object_set(o, "description", g6_json_string(p->description));
  g6_json_object_set(o, "datasource", ds_ref());
  g6_json *gp = g6_json_object();
  g6_json_object_set(gp, "h", g6_json_int(p->h));
  g6_json_object_set(gp, "w", g6_json_int(p->w));
  g6_json_object_set(gp, "x", g6_json_int(x));
  g6_json_object_set(gp, "y", g6_json_int(y));
  g6_json_object_set(o, "gridPos", gp);
  g6_json *fc = g6_json_object();
  g6_json *defaults = g6_json_object();
  g6_json_object_set(defaults, "unit", g6_json_string(p->unit));
  g6_json_object_set(fc, "defaults", defaults);
  g6_json_object_set(fc, "overrides", g6_json_array());
  g6_json_object_set(o, "fieldConfig", fc);
  g6_json *targets = g6_json_array();
  for (size_t i = 0; i < p->n_exprs; i++) {
    g6_json *t = g6_json_object();
    char ref[2] = {(char)('A' + i), '\0'};
    g6_json_object_set(t, "refId", g6_json_string(ref));
    g6_json_object_set(t, "datasource", ds_ref());
    g6_json_object_set(t, "expr", g6_json_string(p->exprs[i]));
    g6_json_object_set(t, "legendFormat", g6_json_string(p->legends[i]));
    if (p->instant) {
      g6_json_object_set(t, "instant", g6_json_bool(true));
      g6_json_object_set(t, "range", g6_json_bool(false));
    }
    if (strcmp(p->type, "table") == 0)
      g6_json_object_set(t, "format", g6_json_string("table"));
    g6_json_array_push(targets, t);
  }
  g6_json_object_set(o, "targets", targets);
  return o;
}

static g6_status render_dashboard(const g6_spec *s, const g6_spec_dash *d,
                                  g6_buf *out) {
  const g6_spec_plan *pl = d->plan;
  (void)s;
  g6_json *o = g6_json_object();
  char uid[64], title[300];
  snprintf(uid, sizeof(uid), "g6-%s", pl->slug);
  snprintf(title, sizeof(title), "g6 / %s", pl->title);
  g6_json_object_set(o, "uid", g6_json_string(uid));
  g6_json_object_set(o, "title", g6_json_string(title));
  char desc[1024];
  snprintf(desc, sizeof(desc),
           "%s Generated by %s from spec/metrics.yml; do not edit.",
           pl->description, G6_SPEC_GENERATOR);
  g6_json_object_set(o, "description", g6_json_string(desc));
  g6_json_object_set(o, "tags", str_array(pl->tags, pl->n_tags));
  g6_json_object_set(o, "schemaVersion", g6_json_int(SCHEMA_VERSION));
  g6_json_object_set(o, "editable", g6_json_bool(false));
  g6_json_object_set(o, "graphTooltip", g6_json_int(1));
  g6_json_object_set(o, "refresh", g6_json_string("30s"));
  g6_json_object_set(o, "timezone", g6_json_string("browser"));
  g6_json_object_set(o, "version", g6_json_int(1));
  g6_json *time = g6_json_object();
  g6_json_object_set(time, "from", g6_json_string("now-6h"));
  g6_json_object_set(time, "to", g6_json_string("now"));
  g6_json_object_set(o, "time", time);
  g6_json_object_set(o, "links", g6_json_array());
  /* annotations: Grafana's built-in one, as Grafana itself saves it */
  g6_json *ann = g6_json_object();
  g6_json *al = g6_json_array();
  g6_json *a = g6_json_object();
  g6_json_object_set(a, "builtIn", g6_json_int(1));
  g6_json *gds = g6_json_object();
  g6_json_object_set(gds, "type", g6_json_string("grafana"));
  g6_json_object_set(gds, "uid", g6_json_string("-- Grafana --"));
  g6_json_object_set(a, "datasource", gds);
  g6_json_object_set(a, "enable", g6_json_bool(true));
  g6_json_object_set(a, "hide", g6_json_bool(true));
  g6_json_object_set(a, "iconColor", g6_json_string("rgba(0, 211, 255, 1)"));
  g6_json_object_set(a, "name", g6_json_string("Annotations & Alerts"));
  g6_json_object_set(a, "type", g6_json_string("dashboard"));
  g6_json_array_push(al, a);
  g6_json_object_set(ann, "list", al);
  g6_json_object_set(o, "annotations", ann);
  /* variables */
  g6_json *tl = g6_json_array();
  g6_json *dsv = g6_json_object();
  g6_json_object_set(dsv, "name", g6_json_string("datasource"));
  g6_json_object_set(dsv, "label", g6_json_string("Data source"));
  g6_json_object_set(dsv, "type", g6_json_string("datasource"));
  g6_json_object_set(dsv, "query", g6_json_string("prometheus"));
  g6_json_object_set(dsv, "refresh", g6_json_int(1));
  g6_json_object_set(dsv, "regex", g6_json_string(""));
  g6_json_object_set(dsv, "hide", g6_json_int(0));
  g6_json_array_push(tl, dsv);
  g6_json_array_push(
      tl, query_var("instance", "Instance",
                    "label_values(collectd_g6_metrics_admitted_series, "
                    "instance)"));
  if (d->has_index)
    g6_json_array_push(
        tl, query_var("index", "Index",
                      "label_values(collectd_g6_index_spot_points{instance=~"
                      "\"$instance\"}, g6_index)"));
  g6_json *templ = g6_json_object();
  g6_json_object_set(templ, "list", tl);
  g6_json_object_set(o, "templating", templ);
  /* panels, laid out in 24 columns */
  g6_json *panels = g6_json_array();
  int x = 0, y = 0, row_h = 0;
  for (size_t i = 0; i < d->n_panels; i++) {
    const g6_spec_dpanel *p = &d->panels[i];
    if (x + p->w > 24) {
      x = 0;
      y += row_h;
      row_h = 0;
    }
    g6_json_array_push(panels, render_panel(p, x, y));
    x += p->w;
    if (p->h > row_h)
      row_h = p->h;
  }
  g6_json_object_set(o, "panels", panels);
  g6_status rc = g6_json_dump_pretty(o, out);
  g6_json_free(o);
  return rc;
}

static g6_status render_manifest(const g6_spec *s, const g6_spec_dashes *ds,
                                 g6_buf *out) {
  g6_json *o = g6_json_object();
  g6_json_object_set(o, "generator", g6_json_string(G6_SPEC_GENERATOR));
  g6_json_object_set(o, "spec_hash", g6_json_string(s->hash));
  g6_json_object_set(o, "count", g6_json_int((int64_t)ds->n));
  g6_json *arr = g6_json_array();
  for (size_t i = 0; i < ds->n; i++) {
    const g6_spec_dash *d = &ds->v[i];
    g6_json *e = g6_json_object();
    char buf[300];
    g6_json_object_set(e, "slug", g6_json_string(d->plan->slug));
    snprintf(buf, sizeof(buf), "g6-%s", d->plan->slug);
    g6_json_object_set(e, "uid", g6_json_string(buf));
    snprintf(buf, sizeof(buf), "g6 / %s", d->plan->title);
    g6_json_object_set(e, "title", g6_json_string(buf));
    snprintf(buf, sizeof(buf), "%s.json", d->plan->slug);
    g6_json_object_set(e, "file", g6_json_string(buf));
    g6_json_object_set(e, "families",
                       str_array(d->plan->families, d->plan->n_families));
    if (d->plan->n_metrics > 0)
      g6_json_object_set(e, "metrics",
                         str_array(d->plan->metrics, d->plan->n_metrics));
    g6_json_object_set(e, "panel_count", g6_json_int((int64_t)d->n_panels));
    g6_json *pa = g6_json_array();
    for (size_t k = 0; k < d->n_panels; k++) {
      const g6_spec_dpanel *p = &d->panels[k];
      g6_json *pe = g6_json_object();
      g6_json_object_set(pe, "id", g6_json_int(p->id));
      g6_json_object_set(pe, "panel_uuid", g6_json_string(p->uuid));
      g6_json_object_set(pe, "title", g6_json_string(p->title));
      g6_json_object_set(pe, "metric", g6_json_string(p->metric->exported));
      g6_json_object_set(pe, "family",
                         g6_json_string(p->metric->family->name));
      g6_json_object_set(pe, "source", g6_json_string(p->source));
      g6_json_array_push(pa, pe);
    }
    g6_json_object_set(e, "panels", pa);
    g6_json_array_push(arr, e);
  }
  g6_json_object_set(o, "dashboards", arr);
  g6_status rc = g6_json_dump_pretty(o, out);
  g6_json_free(o);
  return rc;
}

g6_status g6_spec_gen_grafana(const g6_spec *s, g6_spec_output *out,
                              g6_error *err) {
  g6_spec_dashes ds;
  g6_status rc = g6_spec_dashes_build(s, &ds, err);
  if (rc != G6_OK)
    return rc;
  g6_buf b = G6_BUF_INIT;
  for (size_t i = 0; i < ds.n && rc == G6_OK; i++) {
    g6_buf_reset(&b);
    rc = render_dashboard(s, &ds.v[i], &b);
    char path[300];
    snprintf(path, sizeof(path), "grafana/dashboards/%s.json",
             ds.v[i].plan->slug);
    if (rc == G6_OK)
      rc = g6_spec_output_add(out, path, G6_SPEC_ART_DASHBOARD, b.data, b.len);
  }
  if (rc == G6_OK) {
    g6_buf_reset(&b);
    rc = render_manifest(s, &ds, &b);
    if (rc == G6_OK)
      /* "other", not "dashboard": it carries the spec hash, which changes
       * with every edit; panel changes show in the dashboard files */
      /* beside the provisioned folder, not in it: Grafana's file provider
       * loads every .json there as a dashboard ("title cannot be empty") */
      rc = g6_spec_output_add(out, "grafana/manifest.json",
                              G6_SPEC_ART_OTHER, b.data, b.len);
  }
  if (rc == G6_OK) {
    g6_buf_reset(&b);
    g6_buf_printf(
        &b,
        "# Generated by `%s`; do not edit.\n"
        "# Grafana dashboard provider for g6: copy to "
        "/etc/grafana/provisioning/dashboards/\n"
        "# and the JSON files of grafana/dashboards/ to options.path.\n"
        "apiVersion: 1\n"
        "providers:\n"
        "  - name: g6\n"
        "    orgId: 1\n"
        "    folder: g6\n"
        "    type: file\n"
        "    disableDeletion: true\n"
        "    allowUiUpdates: false\n"
        "    updateIntervalSeconds: 60\n"
        "    options:\n"
        "      path: /var/lib/grafana/dashboards/g6\n"
        "      foldersFromFilesStructure: false\n",
        G6_SPEC_GENERATOR);
    /* provisioning is "other" drift (exit 10), not a dashboard: it holds
     * no panel */
    rc = g6_spec_output_add(out, "grafana/provisioning/dashboards/g6.yml",
                            G6_SPEC_ART_OTHER, b.data, b.len);
  }
  if (rc == G6_OK) {
    g6_buf_reset(&b);
    g6_buf_printf(
        &b,
        "# Generated by `%s`; do not edit.\n"
        "# Prometheus data source for the g6 dashboards: copy to\n"
        "# /etc/grafana/provisioning/datasources/ and set url to your "
        "Prometheus.\n"
        "# timeInterval is Prometheus' scrape_interval (prometheus/scrape.yml), "
        "not the\n# collectd Interval: Grafana's $__rate_interval is "
        "max($__interval + timeInterval,\n# 4 x timeInterval), so every "
        "rate() and quantile window holds at least four\n# scrapes. Set it "
        "to your scrape_interval if yours differs.\n"
        "apiVersion: 1\n"
        "datasources:\n"
        "  - name: Prometheus (g6)\n"
        "    type: prometheus\n"
        "    uid: g6-prometheus\n"
        "    access: proxy\n"
        "    url: http://localhost:9090\n"
        "    isDefault: false\n"
        "    jsonData:\n"
        "      timeInterval: %s\n",
        G6_SPEC_GENERATOR, G6_SPEC_SCRAPE_INTERVAL);
    rc = g6_spec_output_add(out, "grafana/provisioning/datasources/g6.yml",
                            G6_SPEC_ART_OTHER, b.data, b.len);
  }
  if (rc == G6_ENOMEM)
    g6_error_set(err, rc, "out of memory rendering dashboards");
  g6_buf_free(&b);
  g6_spec_dashes_free(&ds);
  return rc;
}

/* ---- inventory ------------------------------------------------------------------ */

static void inv_push(g6_spec_inventory *inv, const char *slug,
                     const char *title, const char *metric, const char *source,
                     const char *uuid) {
  g6_spec_inv_row *v = realloc(inv->rows, (inv->n + 1) * sizeof(*v));
  if (v == NULL)
    return;
  inv->rows = v;
  g6_spec_inv_row *r = &inv->rows[inv->n++];
  r->slug = strdup(slug);
  r->title = strdup(title);
  r->metric = strdup(metric);
  r->source = strdup(source);
  r->uuid = strdup(uuid);
}

g6_status g6_spec_inventory_build(const g6_spec *s, g6_spec_inventory *inv,
                                  g6_error *err) {
  memset(inv, 0, sizeof(*inv));
  g6_spec_dashes ds;
  g6_status rc = g6_spec_dashes_build(s, &ds, err);
  if (rc != G6_OK)
    return rc;
  for (size_t i = 0; i < ds.n; i++)
    for (size_t k = 0; k < ds.v[i].n_panels; k++) {
      const g6_spec_dpanel *p = &ds.v[i].panels[k];
      inv_push(inv, ds.v[i].plan->slug, p->title, p->metric->exported,
               p->source, p->uuid);
    }
  g6_spec_dashes_free(&ds);
  return G6_OK;
}

void g6_spec_inventory_free(g6_spec_inventory *inv) {
  for (size_t i = 0; i < inv->n; i++) {
    free(inv->rows[i].slug);
    free(inv->rows[i].title);
    free(inv->rows[i].metric);
    free(inv->rows[i].source);
    free(inv->rows[i].uuid);
  }
  free(inv->rows);
  memset(inv, 0, sizeof(*inv));
}

static void csv_field(g6_buf *b, const char *s) {
  if (strpbrk(s, ",\"\n\r") == NULL) {
    g6_buf_puts(b, s);
    return;
  }
  g6_buf_putc(b, '"');
  for (; *s; s++) {
    if (*s == '"')
      g6_buf_putc(b, '"');
    g6_buf_putc(b, *s);
  }
  g6_buf_putc(b, '"');
}

g6_status g6_spec_inventory_write(const g6_spec_inventory *inv,
                                  const char *format, g6_buf *out) {
  bool csv = strcmp(format, "csv") == 0;
  if (!csv && strcmp(format, "jsonl") != 0)
    return G6_EINVAL;
  if (g6_buf_reserve(out, 0) != G6_OK) /* an empty JSONL inventory is "" */
    return G6_ENOMEM;
  if (csv)
    g6_buf_puts(out, "slug,title,metric,source,panel_uuid\n");
  for (size_t i = 0; i < inv->n; i++) {
    const g6_spec_inv_row *r = &inv->rows[i];
    if (csv) {
      const char *f[5] = {r->slug, r->title, r->metric, r->source, r->uuid};
      for (int k = 0; k < 5; k++) {
        if (k)
          g6_buf_putc(out, ',');
        csv_field(out, f[k]);
      }
      g6_buf_putc(out, '\n');
    } else {
      g6_json *o = g6_json_object();
      g6_json_object_set(o, "slug", g6_json_string(r->slug));
      g6_json_object_set(o, "title", g6_json_string(r->title));
      g6_json_object_set(o, "metric", g6_json_string(r->metric));
      g6_json_object_set(o, "source", g6_json_string(r->source));
      g6_json_object_set(o, "panel_uuid", g6_json_string(r->uuid));
      g6_json_dump_canonical(o, out);
      g6_json_free(o);
      g6_buf_putc(out, '\n');
    }
  }
  return out->data ? G6_OK : G6_ENOMEM;
}

/* One CSV record (RFC 4180 quoting) into up to n fields; returns the count
 * and advances *p past the record. */
static size_t csv_record(const char **p, const char *end, char **fields,
                         size_t n) {
  size_t k = 0;
  g6_buf cur = G6_BUF_INIT;
  const char *s = *p;
  bool quoted = false, done = false;
  g6_buf_puts(&cur, "");
  while (s < end && !done) {
    char c = *s++;
    if (quoted) {
      if (c == '"' && s < end && *s == '"') {
        g6_buf_putc(&cur, '"');
        s++;
      } else if (c == '"') {
        quoted = false;
      } else {
        g6_buf_putc(&cur, c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',' || c == '\n') {
      if (k < n)
        fields[k++] = g6_buf_steal(&cur);
      else
        g6_buf_reset(&cur);
      g6_buf_puts(&cur, "");
      done = c == '\n';
    } else if (c != '\r') {
      g6_buf_putc(&cur, c);
    }
  }
  if (!done && cur.len && k < n)
    fields[k++] = g6_buf_steal(&cur);
  g6_buf_free(&cur);
  *p = s;
  return k;
}

g6_status g6_spec_inventory_parse(const char *text, size_t len,
                                  g6_spec_inventory *inv, g6_error *err) {
  memset(inv, 0, sizeof(*inv));
  const char *p = text, *end = text + len;
  while (p < end && isspace((unsigned char)*p))
    p++;
  if (p < end && *p == '{') {
    size_t line = 0;
    while (p < end) {
      const char *nl = memchr(p, '\n', (size_t)(end - p));
      const char *le = nl ? nl : end;
      line++;
      if (le > p) {
        g6_json *o = NULL;
        g6_error je;
        if (g6_json_parse(p, (size_t)(le - p), &o, &je) != G6_OK ||
            g6_json_type_of(o) != G6_JSON_OBJECT) {
          g6_json_free(o);
          g6_spec_inventory_free(inv);
          return g6_error_set(err, G6_EPARSE, "line %zu: not a JSON object",
                              line);
        }
        const char *f[5] = {"slug", "title", "metric", "source", "panel_uuid"};
        const char *v[5];
        for (int k = 0; k < 5; k++) {
          v[k] = g6_json_get_string(g6_json_object_get(o, f[k]), NULL);
          if (v[k] == NULL) {
            g6_json_free(o);
            g6_spec_inventory_free(inv);
            return g6_error_set(err, G6_EPARSE, "line %zu: missing \"%s\"",
                                line, f[k]);
          }
        }
        inv_push(inv, v[0], v[1], v[2], v[3], v[4]);
        g6_json_free(o);
      }
      p = nl ? nl + 1 : end;
    }
    return G6_OK;
  }
  size_t line = 0;
  while (p < end) {
    char *f[5] = {0};
    line++;
    size_t k = csv_record(&p, end, f, 5);
    bool header = line == 1 && k == 5 && strcmp(f[0], "slug") == 0;
    if (k == 5 && !header)
      inv_push(inv, f[0], f[1], f[2], f[3], f[4]);
    bool bad = k != 5 && k != 0;
    for (size_t i = 0; i < k; i++)
      free(f[i]);
    if (bad) {
      g6_spec_inventory_free(inv);
      return g6_error_set(err, G6_EPARSE,
                          "line %zu: expected 5 CSV fields "
                          "(slug,title,metric,source,panel_uuid), found %zu",
                          line, k);
    }
  }
  return G6_OK;
}

size_t g6_spec_inventory_diff(const g6_spec_inventory *old_inv,
                              const g6_spec_inventory *new_inv,
                              g6_buf *report) {
  size_t n = 0;
  for (size_t i = 0; i < new_inv->n; i++) {
    const g6_spec_inv_row *r = &new_inv->rows[i];
    const g6_spec_inv_row *o = NULL;
    for (size_t k = 0; k < old_inv->n && !o; k++)
      if (strcmp(old_inv->rows[k].uuid, r->uuid) == 0)
        o = &old_inv->rows[k];
    if (o == NULL) {
      g6_buf_printf(report, "added: %s: %s [%s]\n", r->slug, r->title,
                    r->uuid);
      n++;
    } else if (strcmp(o->title, r->title) != 0) {
      g6_buf_printf(report, "renamed: %s: \"%s\" -> \"%s\" [%s]\n", r->slug,
                    o->title, r->title, r->uuid);
      n++;
    }
  }
  for (size_t k = 0; k < old_inv->n; k++) {
    const g6_spec_inv_row *o = &old_inv->rows[k];
    bool found = false;
    for (size_t i = 0; i < new_inv->n && !found; i++)
      found = strcmp(new_inv->rows[i].uuid, o->uuid) == 0;
    if (!found) {
      g6_buf_printf(report, "removed: %s: %s [%s]\n", o->slug, o->title,
                    o->uuid);
      n++;
    }
  }
  return n;
}

/* ---- semantic dashboard diff ------------------------------------------------------- */

typedef struct psig {
  char *title, *sig;
  bool matched;
} psig;

static size_t panel_sigs(const char *text, size_t len, psig **out) {
  *out = NULL;
  g6_json *root = NULL;
  g6_error e;
  if (g6_json_parse(text, len, &root, &e) != G6_OK)
    return (size_t)-1;
  g6_json *panels = g6_json_object_get(root, "panels");
  size_t n = g6_json_count(panels);
  psig *v = calloc(n + 1, sizeof(*v));
  for (size_t i = 0; v && i < n; i++) {
    g6_json *p = g6_json_array_get(panels, i);
    const char *type = g6_json_get_string(g6_json_object_get(p, "type"), NULL);
    const char *title =
        g6_json_get_string(g6_json_object_get(p, "title"), NULL);
    const char *unit = g6_json_get_string(
        g6_json_object_get(
            g6_json_object_get(g6_json_object_get(p, "fieldConfig"),
                               "defaults"),
            "unit"),
        NULL);
    g6_json *targets = g6_json_object_get(p, "targets");
    char *exprs[G6_SPEC_MAX_TARGETS * 4];
    size_t ne = 0;
    for (size_t k = 0; k < g6_json_count(targets) && ne < 16; k++) {
      const char *ex = g6_json_get_string(
          g6_json_object_get(g6_json_array_get(targets, k), "expr"), NULL);
      exprs[ne++] = (char *)(ex ? ex : "");
    }
    g6_buf sig = G6_BUF_INIT;
    g6_spec_panel_signature(type, title, exprs, ne, unit, &sig);
    v[i].sig = g6_buf_steal(&sig);
    v[i].title = strdup(title ? title : "");
  }
  g6_json_free(root);
  *out = v;
  return v ? n : (size_t)-1;
}

static void free_sigs(psig *v, size_t n) {
  for (size_t i = 0; v && i < n && n != (size_t)-1; i++) {
    free(v[i].title);
    free(v[i].sig);
  }
  free(v);
}

size_t g6_spec_dashboard_diff(const char *slug, const char *old_text,
                              size_t old_len, const char *new_text,
                              size_t new_len, g6_buf *report, bool *other) {
  *other = false;
  psig *o = NULL, *nw = NULL;
  size_t no = old_text ? panel_sigs(old_text, old_len, &o) : 0;
  size_t nn = panel_sigs(new_text, new_len, &nw);
  size_t diffs = 0;
  if (no == (size_t)-1 || nn == (size_t)-1) {
    *other = true;
    g6_buf_printf(report, "unreadable: %s: the committed dashboard is not "
                          "valid JSON\n",
                  slug);
    free_sigs(o, no);
    free_sigs(nw, nn);
    return 0;
  }
  /* identical signatures match */
  for (size_t i = 0; i < nn; i++)
    for (size_t k = 0; k < no; k++)
      if (!o[k].matched && strcmp(o[k].sig, nw[i].sig) == 0) {
        o[k].matched = nw[i].matched = true;
        break;
      }
  /* same title, different signature: changed */
  for (size_t i = 0; i < nn; i++) {
    if (nw[i].matched)
      continue;
    for (size_t k = 0; k < no; k++)
      if (!o[k].matched && strcmp(o[k].title, nw[i].title) == 0) {
        o[k].matched = nw[i].matched = true;
        g6_buf_printf(report, "changed: %s: %s\n", slug, nw[i].title);
        diffs++;
        break;
      }
  }
  for (size_t i = 0; i < nn; i++)
    if (!nw[i].matched) {
      g6_buf_printf(report, "added: %s: %s\n", slug, nw[i].title);
      diffs++;
    }
  for (size_t k = 0; k < no; k++)
    if (!o[k].matched) {
      g6_buf_printf(report, "removed: %s: %s\n", slug, o[k].title);
      diffs++;
    }
  if (diffs == 0 && (old_text == NULL || old_len != new_len ||
                     memcmp(old_text, new_text, new_len) != 0))
    *other = true;
  free_sigs(o, no);
  free_sigs(nw, nn);
  return diffs;
}

/* ---- inventories for tests ----------------------------------------------------------- */

static void json_line(g6_json *o, g6_buf *out) {
  g6_json_dump_canonical(o, out);
  g6_buf_putc(out, '\n');
  g6_json_free(o);
}

static g6_json *values_of(const g6_spec_label *l) {
  g6_json *a = g6_json_array();
  for (size_t i = 0; l && l->domain && i < l->domain->n_values; i++)
    g6_json_array_push(a, g6_json_string(l->domain->values[i]));
  return a;
}

static void series_line(const g6_spec_metric *m, const char *name,
                        bool with_le, bool with_ti, g6_buf *out) {
  g6_json *o = g6_json_object();
  g6_json_object_set(o, "kind", g6_json_string("series"));
  g6_json_object_set(o, "name", g6_json_string(name));
  g6_json_object_set(o, "metric", g6_json_string(m->name));
  g6_json_object_set(o, "family", g6_json_string(m->family->name));
  g6_json_object_set(o, "owner", g6_json_string(m->family->owner));
  g6_json_object_set(o, "metric_kind",
                     g6_json_string(m->kind == G6_SPEC_GAUGE     ? "gauge"
                                    : m->kind == G6_SPEC_COUNTER ? "counter"
                                                                 : "histogram"));
  g6_json *labels = g6_json_array();
  g6_json *values = g6_json_object();
  g6_json *closed = g6_json_object();
  const g6_spec_label *pi = label_from(m, G6_SPEC_FROM_PLUGIN_INSTANCE);
  const g6_spec_label *ti = label_from(m, G6_SPEC_FROM_TYPE_INSTANCE);
  if (pi) {
    g6_json_array_push(labels, g6_json_string(m->plugin));
    g6_json_object_set(values, m->plugin, values_of(pi));
    g6_json_object_set(closed, m->plugin,
                       g6_json_bool(pi->domain && !pi->domain->open));
  }
  if (ti && with_ti) {
    const char *nm = pi ? "type" : m->plugin;
    g6_json_array_push(labels, g6_json_string(nm));
    g6_json_object_set(values, nm, values_of(ti));
    g6_json_object_set(closed, nm,
                       g6_json_bool(ti->domain && !ti->domain->open));
  }
  if (with_le) {
    g6_json_array_push(labels, g6_json_string("type"));
    g6_json *le = g6_json_array();
    for (size_t i = 0; i <= m->n_buckets; i++) {
      char b[32];
      g6_spec_bucket_label(i < m->n_buckets ? m->buckets[i] : 1.0 / 0.0, b);
      g6_json_array_push(le, g6_json_string(b));
    }
    g6_json_object_set(values, "type", le);
    g6_json_object_set(closed, "type", g6_json_bool(true));
  }
  g6_json_array_push(labels, g6_json_string("instance"));
  g6_json_object_set(o, "labels", labels);
  g6_json_object_set(o, "values", values);
  g6_json_object_set(o, "closed", closed);
  json_line(o, out);
}

static g6_json *owners_json(const g6_spec *s, const char *expr) {
  g6_buf b = G6_BUF_INIT;
  g6_spec_expr_owners(s, expr, &b);
  g6_json *v = NULL;
  g6_error e;
  if (g6_json_parse(b.data, b.len, &v, &e) != G6_OK)
    v = g6_json_array();
  g6_buf_free(&b);
  return v;
}

g6_status g6_spec_inventory_metrics(const g6_spec *s, g6_buf *out,
                                    g6_error *err) {
  for (size_t i = 0; i < s->n_families; i++)
    for (size_t j = 0; j < s->families[i].n_metrics; j++) {
      const g6_spec_metric *m = &s->families[i].metrics[j];
      if (m->kind == G6_SPEC_HISTOGRAM) {
        char n[256];
        snprintf(n, sizeof(n), "%s_bucket_total", m->exported);
        series_line(m, n, true, false, out);
        snprintf(n, sizeof(n), "%s_count_total", m->exported);
        series_line(m, n, false, false, out);
        snprintf(n, sizeof(n), "%s_sum", m->exported);
        series_line(m, n, false, false, out);
      } else {
        series_line(m, m->exported, false, true, out);
      }
    }
  g6_spec_rules r;
  g6_status rc = g6_spec_rules_build(s, &r, err);
  if (rc != G6_OK)
    return rc;
  for (size_t i = 0; i < r.n; i++) {
    g6_json *o = g6_json_object();
    g6_json_object_set(o, "kind", g6_json_string("rule"));
    g6_json_object_set(o, "record", g6_json_string(r.v[i].record));
    g6_json_object_set(o, "expr", g6_json_string(r.v[i].expr));
    g6_json_object_set(o, "owners", owners_json(s, r.v[i].expr));
    json_line(o, out);
  }
  g6_spec_rules_free(&r);
  g6_spec_dashes ds;
  rc = g6_spec_dashes_build(s, &ds, err);
  if (rc != G6_OK)
    return rc;
  for (size_t i = 0; i < ds.n; i++)
    for (size_t k = 0; k < ds.v[i].n_panels; k++) {
      const g6_spec_dpanel *p = &ds.v[i].panels[k];
      for (size_t t = 0; t < p->n_exprs; t++) {
        g6_buf ex = G6_BUF_INIT;
        g6_spec_expr_substitute(p->exprs[t], "1m", &ex);
        g6_json *o = g6_json_object();
        g6_json_object_set(o, "kind", g6_json_string("query"));
        g6_json_object_set(o, "dashboard", g6_json_string(ds.v[i].plan->slug));
        g6_json_object_set(o, "panel", g6_json_string(p->title));
        g6_json_object_set(o, "panel_id", g6_json_int(p->id));
        g6_json_object_set(o, "expr", g6_json_string(ex.data));
        g6_json_object_set(o, "owners", owners_json(s, p->exprs[t]));
        json_line(o, out);
        g6_buf_free(&ex);
      }
    }
  g6_spec_dashes_free(&ds);
  return out->data ? G6_OK : G6_ENOMEM;
}

g6_status g6_spec_dashboard_exprs_as_rules(const g6_spec *s, g6_buf *out,
                                           g6_error *err) {
  g6_spec_dashes ds;
  g6_status rc = g6_spec_dashes_build(s, &ds, err);
  if (rc != G6_OK)
    return rc;
  g6_buf_puts(out, "# Every dashboard expression as a recording rule, so "
                   "promtool parse-checks it\n# ($__rate_interval -> 5m, "
                   "$instance and $index -> .+).\ngroups:\n"
                   "  - name: g6_dashboard_exprs\n    rules:\n");
  size_t n = 0;
  for (size_t i = 0; i < ds.n; i++)
    for (size_t k = 0; k < ds.v[i].n_panels; k++) {
      const g6_spec_dpanel *p = &ds.v[i].panels[k];
      for (size_t t = 0; t < p->n_exprs; t++) {
        g6_buf ex = G6_BUF_INIT;
        g6_spec_expr_substitute(p->exprs[t], "5m", &ex);
        g6_buf_printf(out, "      # %s: %s\n      - record: "
                           "g6_dashboard_expr_%zu\n        expr: ",
                      ds.v[i].plan->slug, p->title, ++n);
        g6_spec_yaml_quote(ex.data, out);
        g6_buf_putc(out, '\n');
        g6_buf_free(&ex);
      }
    }
  g6_spec_dashes_free(&ds);
  return out->data ? G6_OK : G6_ENOMEM;
}
