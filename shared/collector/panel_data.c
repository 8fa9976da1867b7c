/* The data of each panel (see collector/panel_data.h and docs/PANELS.md). */
#include "collector/panel_data.h"

#include "market/chain.h"
#include "metrics/metrics_gen.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LABELS 64

/* ---- JSON helpers (every constructor may return NULL: the object
 * functions free and report, and the builder returns NULL at the end) ---- */

typedef struct jb {
  bool failed;
} jb;

static void set(jb *b, g6_json *obj, const char *key, g6_json *val) {
  if (obj == NULL) {
    g6_json_free(val);
    b->failed = true;
  } else if (g6_json_object_set(obj, key, val) != G6_OK) {
    b->failed = true; /* val was freed */
  }
}

static void push(jb *b, g6_json *arr, g6_json *val) {
  if (arr == NULL) {
    g6_json_free(val);
    b->failed = true;
  } else if (g6_json_array_push(arr, val) != G6_OK) {
    b->failed = true;
  }
}

/* A number, or null when not finite. */
static g6_json *num(double v) {
  return isfinite(v) ? g6_json_real(v) : g6_json_null();
}

/* A count: an integer when it is one, null when not finite. */
static g6_json *count(double v) {
  if (!isfinite(v))
    return g6_json_null();
  if (v == floor(v) && fabs(v) < 9e15)
    return g6_json_int((int64_t)v);
  return g6_json_real(v);
}

/* A price-like value that is never 0 or negative (index level, strike). */
static g6_json *positive(double v) {
  return isfinite(v) && v > 0 ? g6_json_real(v) : g6_json_null();
}

static g6_json *str_or_null(const char *s) {
  return s != NULL ? g6_json_string(s) : g6_json_null();
}

static g6_json *finish(jb *b, g6_json *v) {
  if (b->failed || v == NULL) {
    g6_json_free(v);
    return NULL;
  }
  return v;
}

/* ---- reading the view --------------------------------------------------- */

static double value(const g6_latest_view *v, const g6_metric_def *d,
                    const char *pi, const char *ti) {
  g6_latest_sample s;
  return g6_latest_get(v, d, pi, ti, &s) ? s.value : NAN;
}

static double rate(const g6_latest_view *v, const g6_metric_def *d,
                   const char *pi, const char *ti) {
  g6_latest_sample s;
  return g6_latest_get(v, d, pi, ti, &s) ? g6_latest_rate(&s) : NAN;
}

/* NaN-aware sum: NaN only when every term is NaN. */
static void add(double *acc, double x) {
  if (!isfinite(x))
    return;
  *acc = isfinite(*acc) ? *acc + x : x;
}

/* Distinct plugin_instance values over several metrics, sorted, unique. */
static size_t union_labels(const g6_latest_view *v,
                           const g6_metric_def *const *defs, size_t nd,
                           bool type_label, const char **out) {
  size_t n = 0;
  for (size_t d = 0; d < nd; d++) {
    const char *l[MAX_LABELS];
    size_t k = g6_latest_labels(v, defs[d], type_label, l, MAX_LABELS);
    for (size_t i = 0; i < k; i++) {
      bool seen = false;
      for (size_t j = 0; j < n && !seen; j++)
        seen = strcmp(out[j], l[i]) == 0;
      if (!seen && n < MAX_LABELS)
        out[n++] = l[i];
    }
  }
  /* insertion sort: a few labels */
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && strcmp(out[j - 1], out[j]) > 0; j--) {
      const char *t = out[j];
      out[j] = out[j - 1];
      out[j - 1] = t;
    }
  return n;
}

/* Expiry tags of an index among the given metrics, in the order of the
 * rules (this_week, next_week, this_month, next_month), then dates. */
static size_t expiry_tags(const g6_latest_view *v,
                          const g6_metric_def *const *defs, size_t nd,
                          const char *ix, const char **out) {
  const char *all[MAX_LABELS];
  size_t na = union_labels(v, defs, nd, true, all);
  size_t n = 0;
  for (int r = 0; r < G6_EXPIRY_TAG_COUNT; r++)
    for (size_t i = 0; i < na; i++)
      if (strcmp(all[i], g6_expiry_tags[r]) == 0)
        out[n++] = all[i];
  for (size_t i = 0; i < na; i++)
    if (g6_expiry_tag_index(all[i]) < 0)
      out[n++] = all[i];
  /* keep the tags this index has */
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    bool has = false;
    for (size_t d = 0; d < nd && !has; d++) {
      g6_latest_sample s;
      has = g6_latest_get(v, defs[d], ix, out[i], &s);
    }
    if (has)
      out[k++] = out[i];
  }
  return k;
}

static const char *status_name(double code) {
  if (!isfinite(code) || code < 0 || code > 3 || code != floor(code))
    return NULL;
  return g6_chain_status_name((g6_chain_status)(int)code);
}

/* ---- indices_panel ---------------------------------------------------------- */

static const g6_metric_def *const index_defs[] = {
    &g6m_def_index_spot, &g6m_def_index_atm, &g6m_def_index_market_open,
    &g6m_def_chain_status, &g6m_def_last_success};
static const g6_metric_def *const expiry_defs[] = {
    &g6m_def_chain_status, &g6m_def_legs_collected, &g6m_def_legs_requested,
    &g6m_def_put_call_ratio};

/* The PCR of an expiry, null when nothing was collected (g6_chain writes 0
 * then). */
static double expiry_pcr(const g6_latest_view *v, const char *ix,
                         const char *tag) {
  double legs = value(v, &g6m_def_legs_collected, ix, tag);
  double pcr = value(v, &g6m_def_put_call_ratio, ix, tag);
  return isfinite(legs) && legs > 0 ? pcr : NAN;
}

/* The legs of an expiry's ladder that exist but are not in its PCR
 * (g6_chain's count): a PCR is whole only while it is 0, and a desk reading
 * the panel cannot tell a biased one otherwise. Null until a cycle counted
 * them. */
static g6_json *expiry_pcr_missing(const g6_latest_view *v, const char *ix,
                                   const char *tag) {
  return count(value(v, &g6m_def_put_call_ratio_missing, ix, tag));
}

static g6_json *index_item(jb *b, const g6_latest_view *v,
                           const g6_panel_ctx *c, const char *ix) {
  g6_json *it = g6_json_object();
  set(b, it, "index", g6_json_string(ix));
  const char *tags[MAX_LABELS];
  size_t nt = expiry_tags(v, expiry_defs, 4, ix, tags);
  g6_json *ex = g6_json_object();
  double worst = NAN, legs = NAN, req = NAN;
  for (size_t t = 0; t < nt; t++) {
    g6_json *e = g6_json_object();
    double st = value(v, &g6m_def_chain_status, ix, tags[t]);
    if (isfinite(st) && !(st <= worst))
      worst = st;
    double l = value(v, &g6m_def_legs_collected, ix, tags[t]);
    double r = value(v, &g6m_def_legs_requested, ix, tags[t]);
    add(&legs, l);
    add(&req, r);
    set(b, e, "status", str_or_null(status_name(st)));
    set(b, e, "legs", count(l));
    set(b, e, "legs_requested", count(r));
    set(b, e, "strike_coverage",
        num(value(v, &g6m_def_strike_coverage, ix, tags[t])));
    set(b, e, "field_coverage",
        num(value(v, &g6m_def_field_coverage, ix, tags[t])));
    set(b, e, "pcr", num(expiry_pcr(v, ix, tags[t])));
    set(b, e, "pcr_missing_legs", expiry_pcr_missing(v, ix, tags[t]));
    set(b, ex, tags[t], e);
  }
  double open = value(v, &g6m_def_index_market_open, ix, NULL);
  double last = value(v, &g6m_def_last_success, ix, NULL);
  set(b, it, "status", str_or_null(status_name(worst)));
  set(b, it, "market_open",
      isfinite(open) ? g6_json_bool(open != 0) : g6_json_null());
  set(b, it, "spot", positive(value(v, &g6m_def_index_spot, ix, NULL)));
  set(b, it, "atm", positive(value(v, &g6m_def_index_atm, ix, NULL)));
  set(b, it, "legs", count(legs));
  set(b, it, "legs_requested", count(req));
  set(b, it, "dq_score",
      num(isfinite(legs) && req > 0 ? 100.0 * legs / req : NAN));
  set(b, it, "pcr", num(nt > 0 ? expiry_pcr(v, ix, tags[0]) : NAN));
  set(b, it, "pcr_missing_legs",
      nt > 0 ? expiry_pcr_missing(v, ix, tags[0]) : g6_json_null());
  bool ok_last = isfinite(last) && last > 0;
  set(b, it, "last_success", ok_last ? count(floor(last)) : g6_json_null());
  set(b, it, "age", num(ok_last ? fmax(0, c->now - last) : NAN));
  g6_latest_hist h;
  bool hh = g6_latest_get_hist(v, &g6m_def_cycle_duration, ix, &h);
  set(b, it, "cycles", count(hh ? h.count : NAN));
  set(b, it, "last_duration", num(hh ? g6_latest_hist_last_mean(&h) : NAN));
  set(b, it, "expiries", ex);
  return it;
}

static g6_json *build_indices(const g6_latest_view *v, const g6_panel_ctx *c) {
  jb b = {false};
  const char *ix[MAX_LABELS];
  size_t n = union_labels(v, index_defs, 5, false, ix);
  g6_json *d = g6_json_object(), *items = g6_json_array();
  for (size_t i = 0; i < n; i++)
    push(&b, items, index_item(&b, v, c, ix[i]));
  set(&b, d, "items", items);
  set(&b, d, "count", g6_json_int((int64_t)n));
  return finish(&b, d);
}

int64_t g6_panel_indices_count(const g6_json *data) {
  const char *t = g6_json_get_int_text(g6_json_object_get(data, "count"));
  return t != NULL ? (int64_t)strtoll(t, NULL, 10) : -1;
}

/* ---- provider ------------------------------------------------------------ */

static g6_json *build_provider(const g6_latest_view *v, const g6_panel_ctx *c) {
  jb b = {false};
  g6_json *d = g6_json_object(), *eps = g6_json_object();
  const g6_metric_def *const call_defs[] = {&g6m_def_api_calls};
  const char *ep[MAX_LABELS];
  size_t ne = union_labels(v, call_defs, 1, false, ep);
  double all_req = NAN, all_err = NAN, wait_sum = 0, wait_n = 0;
  bool any_wait_window = false, throttled = false;
  for (size_t i = 0; i < ne; i++) {
    g6_json *e = g6_json_object(), *errs = g6_json_object();
    const char *res[MAX_LABELS];
    size_t nr = union_labels(v, call_defs, 1, true, res);
    double req = NAN, err = NAN, total = NAN;
    for (size_t r = 0; r < nr; r++) {
      g6_latest_sample s;
      if (!g6_latest_get(v, &g6m_def_api_calls, ep[i], res[r], &s))
        continue;
      double rt = g6_latest_rate(&s);
      add(&req, rt);
      add(&total, s.value);
      if (strcmp(res[r], "ok") != 0) {
        add(&err, rt);
        set(&b, errs, res[r], count(s.value));
      }
    }
    if (isfinite(req) && !isfinite(err))
      err = 0; /* every result rate known, none failed */
    add(&all_req, req);
    add(&all_err, err);
    set(&b, e, "requests_per_s", num(req));
    set(&b, e, "errors_per_s", num(err));
    set(&b, e, "error_ratio", num(req > 0 ? err / req : NAN));
    set(&b, e, "requests", count(total));
    set(&b, e, "errors", errs);
    g6_latest_hist h;
    bool hh = g6_latest_get_hist(v, &g6m_def_api_latency, ep[i], &h);
    set(&b, e, "latency_mean_s", num(hh ? g6_latest_hist_mean(&h) : NAN));
    set(&b, e, "latency_p95_s",
        num(hh ? g6_latest_hist_quantile(&h, &g6m_def_api_latency, 0.95)
               : NAN));
    double retries = NAN;
    const char *causes[MAX_LABELS];
    const g6_metric_def *const retry_defs[] = {&g6m_def_api_retries};
    size_t nc = union_labels(v, retry_defs, 1, true, causes);
    for (size_t k = 0; k < nc; k++)
      add(&retries, rate(v, &g6m_def_api_retries, ep[i], causes[k]));
    set(&b, e, "retries_per_s", num(retries));
    set(&b, e, "received_bytes",
        count(value(v, &g6m_def_api_received_bytes, ep[i], NULL)));
    g6_latest_hist w;
    if (g6_latest_get_hist(v, &g6m_def_api_ratelimit_wait, ep[i], &w) &&
        w.has_prev) {
      double dn = w.count - w.prev_count;
      any_wait_window = true;
      if (dn > 0) {
        wait_sum += w.sum - w.prev_sum;
        wait_n += dn;
        /* observations above the first bound (1 ms) waited for a token */
        if (dn - (w.cum[0] - w.prev_cum[0]) > 0)
          throttled = true;
      }
    }
    set(&b, eps, ep[i], e);
  }
  double state = value(v, &g6m_def_api_circuit_state, NULL, NULL);
  const char *sname = !isfinite(state) ? NULL
                      : state == 2     ? "open"
                      : state == 1     ? "half_open"
                      : state == 0     ? "closed"
                                       : NULL;
  g6_json *br = g6_json_object();
  set(&b, br, "state", str_or_null(sname));
  set(&b, br, "trips", count(value(v, &g6m_def_api_circuit_trips, NULL, NULL)));
  double latch = value(v, &g6m_def_api_auth_latch, NULL, NULL);
  /* a pause the provider imposed (a 429's Retry-After), per limiter: the
   * seconds left at the sample, less the time since, so a panel written
   * later does not show more than is left */
  g6_json *pause = g6_json_object(), *lims = g6_json_object();
  const g6_metric_def *const pause_defs[] = {&g6m_def_api_ratelimit_pause};
  const char *lim[MAX_LABELS];
  size_t nl = union_labels(v, pause_defs, 1, false, lim);
  double longest = NAN;
  for (size_t i = 0; i < nl; i++) {
    g6_latest_sample ps;
    double left = NAN;
    if (g6_latest_get(v, &g6m_def_api_ratelimit_pause, lim[i], NULL, &ps) &&
        isfinite(ps.value)) {
      double since = c->now > ps.time ? c->now - ps.time : 0;
      left = ps.value > since ? ps.value - since : 0;
    }
    if (isfinite(left) && !(left <= longest))
      longest = left;
    set(&b, lims, lim[i], num(left));
  }
  bool paused = longest > 0;
  if (paused)
    throttled = true; /* nothing waits while nothing is sent */
  set(&b, pause, "seconds_left", num(longest));
  set(&b, pause, "reason", str_or_null(paused ? "retry_after" : NULL));
  set(&b, pause, "limiters", lims);
  set(&b, d, "requests_per_s", num(all_req));
  set(&b, d, "errors_per_s", num(all_err));
  set(&b, d, "error_ratio", num(all_req > 0 ? all_err / all_req : NAN));
  set(&b, d, "breaker", br);
  set(&b, d, "auth_latched",
      isfinite(latch) ? g6_json_bool(latch != 0) : g6_json_null());
  set(&b, d, "throttled",
      any_wait_window || paused ? g6_json_bool(throttled) : g6_json_null());
  set(&b, d, "ratelimit_pause", pause);
  set(&b, d, "ratelimit_wait_mean_s",
      num(wait_n > 0 ? wait_sum / wait_n : NAN));
  set(&b, d, "cache_hit_ratio",
      num(value(v, &g6m_def_api_cache_hit_ratio, "quote", NULL)));
  set(&b, d, "endpoints", eps);
  return finish(&b, d);
}

/* ---- analytics ----------------------------------------------------------- */

/* per-expiry fields: key, metric, whether 0 means unknown */
static const struct {
  const char *key;
  const g6_metric_def *def;
  bool positive;
} analytics_fields[] = {
    {"volume_pcr", &g6m_def_volume_pcr, false},
    {"max_pain", &g6m_def_max_pain, true},
    {"support", &g6m_def_support, true},
    {"resistance", &g6m_def_resistance, true},
    {"atm_iv", &g6m_def_atm_iv, true},
    {"rr25", &g6m_def_rr25, false},
    {"bf25", &g6m_def_bf25, false},
    {"days_to_expiry", &g6m_def_expiry_days, false},
};
#define N_AFIELDS (sizeof(analytics_fields) / sizeof(analytics_fields[0]))

static g6_json *afield(const g6_latest_view *v, size_t f, const char *ix,
                       const char *tag) {
  double x = value(v, analytics_fields[f].def, ix, tag);
  return analytics_fields[f].positive ? positive(x) : num(x);
}

static g6_json *build_analytics(const g6_latest_view *v,
                                const g6_panel_ctx *c) {
  (void)c;
  jb b = {false};
  const g6_metric_def *defs[N_AFIELDS + 1];
  defs[0] = &g6m_def_put_call_ratio;
  for (size_t f = 0; f < N_AFIELDS; f++)
    defs[f + 1] = analytics_fields[f].def;
  const char *ix[MAX_LABELS];
  size_t n = union_labels(v, defs, N_AFIELDS + 1, false, ix);
  g6_json *d = g6_json_object(), *per = g6_json_object();
  g6_json *pcr = g6_json_object(), *pcr_miss = g6_json_object(),
          *mp = g6_json_object(), *iv = g6_json_object(),
          *rr = g6_json_object(), *bf = g6_json_object();
  for (size_t i = 0; i < n; i++) {
    const char *tags[MAX_LABELS];
    size_t nt = expiry_tags(v, defs, N_AFIELDS + 1, ix[i], tags);
    g6_json *byexp = g6_json_object();
    for (size_t t = 0; t < nt; t++) {
      g6_json *e = g6_json_object();
      set(&b, e, "pcr", num(expiry_pcr(v, ix[i], tags[t])));
      set(&b, e, "pcr_missing_legs", expiry_pcr_missing(v, ix[i], tags[t]));
      for (size_t f = 0; f < N_AFIELDS; f++)
        set(&b, e, analytics_fields[f].key, afield(v, f, ix[i], tags[t]));
      /* g6_analytics' volume PCR has its own count of the legs missing */
      set(&b, e, "volume_pcr_missing_legs",
          count(value(v, &g6m_def_volume_pcr_missing, ix[i], tags[t])));
      set(&b, byexp, tags[t], e);
    }
    /* the index-level figures are those of its nearest expiry */
    const char *near = nt > 0 ? tags[0] : NULL;
    set(&b, pcr, ix[i], num(near ? expiry_pcr(v, ix[i], near) : NAN));
    set(&b, pcr_miss, ix[i],
        near ? expiry_pcr_missing(v, ix[i], near) : g6_json_null());
    set(&b, mp, ix[i], near ? afield(v, 1, ix[i], near) : g6_json_null());
    set(&b, iv, ix[i], near ? afield(v, 4, ix[i], near) : g6_json_null());
    set(&b, rr, ix[i], near ? afield(v, 5, ix[i], near) : g6_json_null());
    set(&b, bf, ix[i], near ? afield(v, 6, ix[i], near) : g6_json_null());
    set(&b, per, ix[i], byexp);
  }
  set(&b, d, "pcr", pcr);
  set(&b, d, "pcr_missing_legs", pcr_miss);
  set(&b, d, "max_pain", mp);
  set(&b, d, "atm_iv", iv);
  set(&b, d, "rr25", rr);
  set(&b, d, "bf25", bf);
  set(&b, d, "indices", per);
  return finish(&b, d);
}

/* ---- storage ------------------------------------------------------------- */

static g6_json *build_storage(const g6_latest_view *v, const g6_panel_ctx *c) {
  (void)c;
  jb b = {false};
  g6_json *d = g6_json_object(), *dirs = g6_json_object(),
          *csv = g6_json_object(), *prune = g6_json_object();
  const g6_metric_def *const dir_defs[] = {
      &g6m_def_data_files, &g6m_def_data_bytes, &g6m_def_oldest_file_age,
      &g6m_def_newest_file_age};
  /* g6_retention reports each directory (index, or "(none)") by kind of
   * file (type: options, overview, snapshots, iv_history, panels,
   * unmatched); a directory's entry is over its kinds: the sums, the
   * oldest file's age and the newest's, unknown only when every kind is */
  const char *dn[MAX_LABELS], *kinds[MAX_LABELS];
  size_t ndirs = union_labels(v, dir_defs, 4, false, dn);
  size_t nkinds = union_labels(v, dir_defs, 4, true, kinds);
  double files = NAN, bytes = NAN;
  for (size_t i = 0; i < ndirs; i++) {
    g6_json *e = g6_json_object();
    double f = NAN, by = NAN, oldest = NAN, newest = NAN;
    for (size_t k = 0; k < nkinds; k++) {
      add(&f, value(v, &g6m_def_data_files, dn[i], kinds[k]));
      add(&by, value(v, &g6m_def_data_bytes, dn[i], kinds[k]));
      double o = value(v, &g6m_def_oldest_file_age, dn[i], kinds[k]);
      double w = value(v, &g6m_def_newest_file_age, dn[i], kinds[k]);
      if (isfinite(o) && !(o <= oldest))
        oldest = o; /* the largest age: NaN compares false */
      if (isfinite(w) && !(w >= newest))
        newest = w;
    }
    add(&files, f);
    add(&bytes, by);
    set(&b, e, "files", count(f));
    set(&b, e, "bytes", count(by));
    set(&b, e, "oldest_age_s", num(oldest));
    set(&b, e, "newest_age_s", num(newest));
    set(&b, dirs, dn[i], e);
  }
  const g6_metric_def *const prune_defs[] = {&g6m_def_prune_files};
  const char *act[MAX_LABELS];
  size_t na = union_labels(v, prune_defs, 1, false, act);
  for (size_t i = 0; i < na; i++)
    set(&b, prune, act[i],
        count(value(v, &g6m_def_prune_files, act[i], NULL)));
  const g6_metric_def *const csv_defs[] = {
      &g6m_def_csv_rows, &g6m_def_csv_bytes, &g6m_def_csv_write_failures};
  const char *ix[MAX_LABELS];
  size_t ni = union_labels(v, csv_defs, 3, false, ix);
  for (size_t i = 0; i < ni; i++) {
    const char *fam[MAX_LABELS];
    size_t nf = union_labels(v, csv_defs, 2, true, fam);
    const g6_metric_def *const fail_defs[] = {&g6m_def_csv_write_failures};
    const char *why[MAX_LABELS];
    size_t nw = union_labels(v, fail_defs, 1, true, why);
    double rows = NAN, by = NAN, fails = NAN, rps = NAN;
    for (size_t f = 0; f < nf; f++) {
      add(&rows, value(v, &g6m_def_csv_rows, ix[i], fam[f]));
      add(&by, value(v, &g6m_def_csv_bytes, ix[i], fam[f]));
      add(&rps, rate(v, &g6m_def_csv_rows, ix[i], fam[f]));
    }
    for (size_t w = 0; w < nw; w++)
      add(&fails, value(v, &g6m_def_csv_write_failures, ix[i], why[w]));
    g6_json *e = g6_json_object();
    set(&b, e, "rows", count(rows));
    set(&b, e, "bytes", count(by));
    set(&b, e, "failures", count(fails));
    set(&b, e, "rows_per_s", num(rps));
    set(&b, csv, ix[i], e);
  }
  set(&b, d, "files", count(files));
  set(&b, d, "bytes", count(bytes));
  set(&b, d, "scan_seconds",
      num(value(v, &g6m_def_scan_duration, NULL, NULL)));
  set(&b, d, "data_dirs", dirs);
  set(&b, d, "prune", prune);
  set(&b, d, "csv", csv);
  return finish(&b, d);
}

/* ---- system ---------------------------------------------------------------- */

static g6_json *build_system(const g6_latest_view *v, const g6_panel_ctx *c) {
  jb b = {false};
  g6_json *d = g6_json_object();
  const g6_metric_def *const cyc_defs[] = {&g6m_def_index_spot,
                                          &g6m_def_last_success};
  const char *ix[MAX_LABELS];
  size_t n = union_labels(v, cyc_defs, 2, false, ix);
  double cycles = NAN, dsum = NAN, dcount = NAN;
  for (size_t i = 0; i < n; i++) {
    g6_latest_hist h;
    if (!g6_latest_get_hist(v, &g6m_def_cycle_duration, ix[i], &h))
      continue;
    add(&cycles, h.count);
    if (h.has_last && h.last_dcount > 0) {
      add(&dsum, h.last_dsum);
      add(&dcount, h.last_dcount);
    }
  }
  double cpu_ratio = c->prev_now > 0 && c->now > c->prev_now
                         ? (c->cpu_seconds - c->prev_cpu_seconds) /
                               (c->now - c->prev_now)
                         : NAN;
  set(&b, d, "memory_rss_mb", num(c->rss_bytes / (1024.0 * 1024.0)));
  set(&b, d, "cycle", count(cycles));
  set(&b, d, "last_duration", num(dcount > 0 ? dsum / dcount : NAN));
  set(&b, d, "interval", num(c->interval));
  set(&b, d, "cpu_seconds", num(c->cpu_seconds));
  set(&b, d, "cpu_ratio", num(cpu_ratio >= 0 ? cpu_ratio : NAN));
  set(&b, d, "uptime_s", num(c->now - c->started));
  set(&b, d, "pid", g6_json_int(c->pid));
  set(&b, d, "series_kept", g6_json_int((int64_t)c->series_kept));
  set(&b, d, "series_dropped", g6_json_int((int64_t)c->series_dropped));
  /* the metric runtime of every g6 plugin */
  g6_json *pl = g6_json_object();
  const g6_metric_def *const rt_defs[] = {&g6m_def_metrics_series,
                                         &g6m_def_metrics_refusals,
                                         &g6m_def_metrics_dispatch_failures};
  const char *own[MAX_LABELS];
  size_t no = union_labels(v, rt_defs, 3, false, own);
  const g6_metric_def *const ref_defs[] = {&g6m_def_metrics_refusals};
  const char *why[MAX_LABELS];
  size_t nw = union_labels(v, ref_defs, 1, true, why);
  for (size_t i = 0; i < no; i++) {
    g6_json *e = g6_json_object();
    double refusals = NAN;
    for (size_t k = 0; k < nw; k++)
      add(&refusals, value(v, &g6m_def_metrics_refusals, own[i], why[k]));
    set(&b, e, "series",
        count(value(v, &g6m_def_metrics_series, own[i], NULL)));
    set(&b, e, "refusals", count(refusals));
    set(&b, e, "dispatch_failures",
        count(value(v, &g6m_def_metrics_dispatch_failures, own[i], NULL)));
    set(&b, pl, own[i], e);
  }
  set(&b, d, "plugins", pl);
  g6_json *in = g6_json_object();
  set(&b, in, "ok",
      c->integrity_ok < 0 ? g6_json_null() : g6_json_bool(c->integrity_ok));
  set(&b, in, "last_run", num(c->integrity_last_run));
  set(&b, in, "problems", c->integrity_ok < 0
                              ? g6_json_null()
                              : g6_json_int((int64_t)c->integrity_problems));
  set(&b, d, "integrity", in);
  /* values of the ExtraPlugin plugins */
  g6_json *host = g6_json_object();
  g6_latest_extra x;
  for (size_t i = 0; g6_latest_extra_at(v, i, &x); i++) {
    char key[600];
    snprintf(key, sizeof(key), "%s%s%s/%s%s%s%s%s", x.plugin, *x.pi ? "-" : "",
             x.pi, x.type, *x.ti ? "-" : "", x.ti, *x.ds ? ":" : "", x.ds);
    set(&b, host, key, num(x.s.value));
  }
  set(&b, d, "host", host);
  return finish(&b, d);
}

/* ---- links ------------------------------------------------------------------ */

static g6_json *build_links(const g6_latest_view *v, const g6_panel_ctx *c) {
  (void)v;
  jb b = {false};
  g6_json *d = g6_json_object();
  set(&b, d, "metrics_url", str_or_null(c->metrics_url));
  set(&b, d, "version", str_or_null(c->version));
  set(&b, d, "dashboards_url", str_or_null(c->dashboards_url));
  set(&b, d, "panels_dir", str_or_null(c->panels_dir));
  return finish(&b, d);
}

/* ---- schemas (docs/PANELS.md) ------------------------------------------------ */

static const g6_shape S_NUM = {.types = G6_JT_NUMBER | G6_JT_NULL};
static const g6_shape S_INT = {.types = G6_JT_INT | G6_JT_NULL};
static const g6_shape S_INT_REQ = {.types = G6_JT_INT};
static const g6_shape S_STR = {.types = G6_JT_STRING | G6_JT_NULL};
static const g6_shape S_STR_REQ = {.types = G6_JT_STRING};
static const g6_shape S_BOOL = {.types = G6_JT_BOOL | G6_JT_NULL};
static const g6_shape S_NUM_MAP = {.types = G6_JT_OBJECT, .values = &S_NUM};
static const g6_shape S_INT_MAP = {.types = G6_JT_OBJECT, .values = &S_INT};

#define SHAPE_OBJ(name, f)                                                     \
  static const g6_shape name = {.types = G6_JT_OBJECT,                         \
                                .fields = f,                                   \
                                .n_fields = sizeof(f) / sizeof(f[0]),          \
                                .closed = true}

static const g6_shape_field expiry_f[] = {
    {"status", &S_STR, true},          {"legs", &S_INT, true},
    {"legs_requested", &S_INT, true},  {"strike_coverage", &S_NUM, true},
    {"field_coverage", &S_NUM, true},  {"pcr", &S_NUM, true},
    {"pcr_missing_legs", &S_INT, true}};
SHAPE_OBJ(expiry_s, expiry_f);
static const g6_shape expiries_s = {.types = G6_JT_OBJECT, .values = &expiry_s};
static const g6_shape_field item_f[] = {{"index", &S_STR_REQ, true},
                                        {"status", &S_STR, true},
                                        {"market_open", &S_BOOL, true},
                                        {"spot", &S_NUM, true},
                                        {"atm", &S_NUM, true},
                                        {"legs", &S_INT, true},
                                        {"legs_requested", &S_INT, true},
                                        {"dq_score", &S_NUM, true},
                                        {"pcr", &S_NUM, true},
                                        {"pcr_missing_legs", &S_INT, true},
                                        {"last_success", &S_INT, true},
                                        {"age", &S_NUM, true},
                                        {"cycles", &S_INT, true},
                                        {"last_duration", &S_NUM, true},
                                        {"expiries", &expiries_s, true}};
SHAPE_OBJ(item_s, item_f);
static const g6_shape items_s = {.types = G6_JT_ARRAY, .items = &item_s};
static const g6_shape_field indices_f[] = {{"items", &items_s, true},
                                           {"count", &S_INT_REQ, true}};
SHAPE_OBJ(indices_s, indices_f);

static const g6_shape_field endpoint_f[] = {
    {"requests_per_s", &S_NUM, true}, {"errors_per_s", &S_NUM, true},
    {"error_ratio", &S_NUM, true},    {"requests", &S_INT, true},
    {"errors", &S_INT_MAP, true},     {"latency_mean_s", &S_NUM, true},
    {"latency_p95_s", &S_NUM, true},  {"retries_per_s", &S_NUM, true},
    {"received_bytes", &S_INT, true}};
SHAPE_OBJ(endpoint_s, endpoint_f);
static const g6_shape endpoints_s = {.types = G6_JT_OBJECT,
                                     .values = &endpoint_s};
static const g6_shape_field breaker_f[] = {{"state", &S_STR, true},
                                           {"trips", &S_INT, true}};
SHAPE_OBJ(breaker_s, breaker_f);
static const g6_shape_field pause_f[] = {{"seconds_left", &S_NUM, true},
                                         {"reason", &S_STR, true},
                                         {"limiters", &S_NUM_MAP, true}};
SHAPE_OBJ(pause_s, pause_f);
static const g6_shape_field provider_f[] = {
    {"requests_per_s", &S_NUM, true},  {"errors_per_s", &S_NUM, true},
    {"error_ratio", &S_NUM, true},     {"breaker", &breaker_s, true},
    {"auth_latched", &S_BOOL, true},   {"throttled", &S_BOOL, true},
    {"ratelimit_wait_mean_s", &S_NUM, true},
    {"ratelimit_pause", &pause_s, true},
    {"cache_hit_ratio", &S_NUM, true}, {"endpoints", &endpoints_s, true}};
SHAPE_OBJ(provider_s, provider_f);

static const g6_shape_field aexp_f[] = {
    {"pcr", &S_NUM, true},        {"pcr_missing_legs", &S_INT, true},
    {"volume_pcr", &S_NUM, true}, {"volume_pcr_missing_legs", &S_INT, true},
    {"max_pain", &S_NUM, true},
    {"support", &S_NUM, true},    {"resistance", &S_NUM, true},
    {"atm_iv", &S_NUM, true},     {"rr25", &S_NUM, true},
    {"bf25", &S_NUM, true},       {"days_to_expiry", &S_NUM, true}};
SHAPE_OBJ(aexp_s, aexp_f);
static const g6_shape aexps_s = {.types = G6_JT_OBJECT, .values = &aexp_s};
static const g6_shape aindices_s = {.types = G6_JT_OBJECT, .values = &aexps_s};
static const g6_shape_field analytics_f[] = {
    {"pcr", &S_NUM_MAP, true},      {"pcr_missing_legs", &S_INT_MAP, true},
    {"max_pain", &S_NUM_MAP, true}, {"atm_iv", &S_NUM_MAP, true},
    {"rr25", &S_NUM_MAP, true},     {"bf25", &S_NUM_MAP, true},
    {"indices", &aindices_s, true}};
SHAPE_OBJ(analytics_s, analytics_f);

static const g6_shape_field dir_f[] = {{"files", &S_INT, true},
                                       {"bytes", &S_INT, true},
                                       {"oldest_age_s", &S_NUM, true},
                                       {"newest_age_s", &S_NUM, true}};
SHAPE_OBJ(dir_s, dir_f);
static const g6_shape dirs_s = {.types = G6_JT_OBJECT, .values = &dir_s};
static const g6_shape_field csv_f[] = {{"rows", &S_INT, true},
                                       {"bytes", &S_INT, true},
                                       {"failures", &S_INT, true},
                                       {"rows_per_s", &S_NUM, true}};
SHAPE_OBJ(csv_s, csv_f);
static const g6_shape csvs_s = {.types = G6_JT_OBJECT, .values = &csv_s};
static const g6_shape_field storage_f[] = {
    {"files", &S_INT, true},        {"bytes", &S_INT, true},
    {"scan_seconds", &S_NUM, true}, {"data_dirs", &dirs_s, true},
    {"prune", &S_INT_MAP, true},    {"csv", &csvs_s, true}};
SHAPE_OBJ(storage_s, storage_f);

static const g6_shape_field rt_f[] = {{"series", &S_INT, true},
                                      {"refusals", &S_INT, true},
                                      {"dispatch_failures", &S_INT, true}};
SHAPE_OBJ(rt_s, rt_f);
static const g6_shape rts_s = {.types = G6_JT_OBJECT, .values = &rt_s};
static const g6_shape_field integ_f[] = {{"ok", &S_BOOL, true},
                                         {"last_run", &S_NUM, true},
                                         {"problems", &S_INT, true}};
SHAPE_OBJ(integ_s, integ_f);
static const g6_shape_field system_f[] = {
    {"memory_rss_mb", &S_NUM, true}, {"cycle", &S_INT, true},
    {"last_duration", &S_NUM, true}, {"interval", &S_NUM, true},
    {"cpu_seconds", &S_NUM, true},   {"cpu_ratio", &S_NUM, true},
    {"uptime_s", &S_NUM, true},      {"pid", &S_INT_REQ, true},
    {"series_kept", &S_INT_REQ, true},
    {"series_dropped", &S_INT_REQ, true},
    {"plugins", &rts_s, true},       {"integrity", &integ_s, true},
    {"host", &S_NUM_MAP, true}};
SHAPE_OBJ(system_s, system_f);

static const g6_shape_field links_f[] = {{"metrics_url", &S_STR, true},
                                         {"version", &S_STR, true},
                                         {"dashboards_url", &S_STR, true},
                                         {"panels_dir", &S_STR, true}};
SHAPE_OBJ(links_s, links_f);

const g6_panel_def g6_panel_defs[] = {
    {"indices_panel", build_indices, &indices_s},
    {"provider", build_provider, &provider_s},
    {"analytics", build_analytics, &analytics_s},
    {"storage", build_storage, &storage_s},
    {"system", build_system, &system_s},
    {"links", build_links, &links_s},
};
const size_t g6_panel_defs_len = sizeof(g6_panel_defs) / sizeof(g6_panel_defs[0]);

const g6_panel_def *g6_panel_def_find(const char *name) {
  for (size_t i = 0; i < g6_panel_defs_len; i++)
    if (strcmp(g6_panel_defs[i].name, name) == 0)
      return &g6_panel_defs[i];
  return NULL;
}
