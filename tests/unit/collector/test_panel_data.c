/* collector/panel_data.h: each panel's data from the latest metric values,
 * with unknown values null, and its schema. */
#include "g6_test.h"

#include "collector/panel_data.h"
#include "metrics/metrics_gen.h"
#include "store/panels.h"

#include <math.h>
#include <stdlib.h>

/* The value at a path like "items[0].expiries.this_week.pcr". */
static const g6_json *at(const g6_json *v, const char *path) {
  char buf[256];
  snprintf(buf, sizeof(buf), "%s", path);
  for (char *tok = strtok(buf, "."); tok != NULL && v != NULL;
       tok = strtok(NULL, ".")) {
    char *br = strchr(tok, '[');
    if (br != NULL) {
      *br = '\0';
      v = g6_json_object_get(v, tok);
      v = g6_json_array_get(v, (size_t)atoi(br + 1));
    } else {
      v = g6_json_object_get(v, tok);
    }
  }
  return v;
}

static double n(const g6_json *d, const char *path) {
  const g6_json *v = at(d, path);
  if (v == NULL)
    fail_msg("%s is missing", path);
  return g6_json_get_number(v);
}

static void is_null(const g6_json *d, const char *path) {
  const g6_json *v = at(d, path);
  if (v == NULL || g6_json_type_of(v) != G6_JSON_NULL)
    fail_msg("%s is not null", path);
}

static const char *s(const g6_json *d, const char *path) {
  const char *str = g6_json_get_string(at(d, path), NULL);
  if (str == NULL)
    fail_msg("%s is not a string", path);
  return str;
}

static g6_latest *store(void) {
  static const char *const extra[] = {"load"};
  g6_latest_opts o = {.max_series = 10000, .extra_plugins = extra,
                      .n_extra = 1};
  return g6_latest_new(&o);
}

#define PUT(l, def, pi, ti, val, t)                                            \
  g6_latest_put(l, (def)->plugin, pi, (def)->type, ti, NULL, val, t)

/* One g6_chain dispatch of NIFTY (two expiries) and the provider. */
static void chain_values(g6_latest *l, double t, double k) {
  PUT(l, &g6m_def_index_spot, "NIFTY", "", 24512.5, t);
  PUT(l, &g6m_def_index_atm, "NIFTY", "", 24500, t);
  PUT(l, &g6m_def_index_market_open, "NIFTY", "", 1, t);
  PUT(l, &g6m_def_last_success, "NIFTY", "", t - 2, t);
  PUT(l, &g6m_def_chain_status, "NIFTY", "this_week", 0, t);
  PUT(l, &g6m_def_chain_status, "NIFTY", "next_week", 1, t);
  PUT(l, &g6m_def_legs_collected, "NIFTY", "this_week", 40, t);
  PUT(l, &g6m_def_legs_requested, "NIFTY", "this_week", 42, t);
  PUT(l, &g6m_def_legs_collected, "NIFTY", "next_week", 0, t);
  PUT(l, &g6m_def_legs_requested, "NIFTY", "next_week", 42, t);
  PUT(l, &g6m_def_put_call_ratio, "NIFTY", "this_week", 1.25, t);
  PUT(l, &g6m_def_put_call_ratio, "NIFTY", "next_week", 0, t);
  /* this week's ratio misses 2 legs (biased); next week's misses them all */
  PUT(l, &g6m_def_put_call_ratio_missing, "NIFTY", "this_week", 2, t);
  PUT(l, &g6m_def_put_call_ratio_missing, "NIFTY", "next_week", 42, t);
  PUT(l, &g6m_def_strike_coverage, "NIFTY", "this_week", 1, t);
  /* SENSEX: warm start only (nothing priced yet) */
  PUT(l, &g6m_def_index_spot, "SENSEX", "", 0, t);
  PUT(l, &g6m_def_index_atm, "SENSEX", "", NAN, t);
  PUT(l, &g6m_def_chain_status, "SENSEX", "this_week", 2, t);
  PUT(l, &g6m_def_legs_collected, "SENSEX", "this_week", 0, t);
  PUT(l, &g6m_def_legs_requested, "SENSEX", "this_week", 0, t);
  PUT(l, &g6m_def_put_call_ratio, "SENSEX", "this_week", 0, t);
  PUT(l, &g6m_def_last_success, "SENSEX", "", 0, t);
  /* provider: k-th sample of the counters */
  PUT(l, &g6m_def_api_calls, "quote", "ok", 90 * k, t);
  PUT(l, &g6m_def_api_calls, "quote", "timeout", 10 * k, t);
  PUT(l, &g6m_def_api_circuit_state, "", "", 2, t);
  PUT(l, &g6m_def_api_auth_latch, "", "", 0, t);
  PUT(l, &g6m_def_csv_rows, "NIFTY", "this_week", 21 * k, t);
  PUT(l, &g6m_def_csv_rows, "NIFTY", "overview", k, t);
}

static g6_json *build(const char *name, const g6_latest_view *v,
                      const g6_panel_ctx *c) {
  const g6_panel_def *d = g6_panel_def_find(name);
  assert_non_null(d);
  g6_json *data = d->build(v, c);
  assert_non_null(data);
  /* every panel's data follows its documented schema */
  g6_json *env = g6_panel_envelope(name, data, c->now, "g6_panels");
  g6_error e;
  if (g6_panel_validate(env, name, d->shape, &e) != G6_OK)
    fail_msg("%s", e.msg);
  g6_json_free(env);
  return data;
}

static g6_panel_ctx ctx(double now) {
  g6_panel_ctx c = {.now = now, .started = now - 100, .interval = 10,
                    .version = "0.1.0", .panels_dir = "/var/lib/g6/panels",
                    .cpu_seconds = 3.0, .prev_cpu_seconds = 2.5,
                    .prev_now = now - 10, .rss_bytes = 50 * 1048576.0,
                    .pid = 42, .series_kept = 7, .integrity_ok = -1,
                    .integrity_last_run = NAN};
  return c;
}

static void indices_panel(void **state) {
  (void)state;
  g6_latest *l = store();
  chain_values(l, 1000, 1);
  chain_values(l, 1010, 2);
  g6_latest_view *v = g6_latest_snapshot(l, 1010);
  g6_panel_ctx c = ctx(1011);
  g6_json *d = build("indices_panel", v, &c);
  assert_int_equal(g6_panel_indices_count(d), 2);
  assert_string_equal(s(d, "items[0].index"), "NIFTY");
  /* the worst expiry status is the index's */
  assert_string_equal(s(d, "items[0].status"), "PARTIAL");
  assert_close(n(d, "items[0].spot"), 24512.5, 0);
  assert_close(n(d, "items[0].legs"), 40, 0);
  assert_close(n(d, "items[0].legs_requested"), 84, 0);
  assert_close(n(d, "items[0].dq_score"), 100.0 * 40 / 84, 1e-12);
  assert_close(n(d, "items[0].pcr"), 1.25, 0); /* this_week */
  /* ... qualified by the legs it misses, so a biased ratio shows as one */
  assert_close(n(d, "items[0].pcr_missing_legs"), 2, 0);
  assert_int_equal(g6_json_type_of(at(d, "items[0].pcr_missing_legs")),
                   G6_JSON_INT);
  assert_close(n(d, "items[0].expiries.this_week.pcr_missing_legs"), 2, 0);
  assert_close(n(d, "items[0].expiries.next_week.pcr_missing_legs"), 42, 0);
  assert_close(n(d, "items[0].age"), 3, 0);
  assert_int_equal(g6_json_get_bool(at(d, "items[0].market_open")), true);
  /* no legs collected: its PCR of 0 means unknown */
  is_null(d, "items[0].expiries.next_week.pcr");
  is_null(d, "items[0].expiries.next_week.field_coverage");
  /* SENSEX before its first priced cycle: no 0 is shown as a price */
  assert_string_equal(s(d, "items[1].index"), "SENSEX");
  assert_string_equal(s(d, "items[1].status"), "EMPTY");
  is_null(d, "items[1].spot");
  is_null(d, "items[1].atm");
  is_null(d, "items[1].age");
  is_null(d, "items[1].last_success");
  is_null(d, "items[1].dq_score");
  is_null(d, "items[1].pcr");
  /* no cycle counted its legs yet: unknown, not 0 (whole) */
  is_null(d, "items[1].pcr_missing_legs");
  is_null(d, "items[1].expiries.this_week.pcr_missing_legs");
  is_null(d, "items[1].market_open");
  g6_json_free(d);
  g6_latest_view_free(v);
  g6_latest_free(l);
}

static void provider_panel(void **state) {
  (void)state;
  g6_latest *l = store();
  chain_values(l, 1000, 1);
  /* one sample: no rates yet, they are null, not 0 */
  g6_latest_view *v = g6_latest_snapshot(l, 1000);
  g6_panel_ctx c = ctx(1000);
  g6_json *d = build("provider", v, &c);
  is_null(d, "requests_per_s");
  is_null(d, "endpoints.quote.requests_per_s");
  is_null(d, "throttled");
  is_null(d, "cache_hit_ratio");
  assert_close(n(d, "endpoints.quote.requests"), 100, 0);
  assert_close(n(d, "endpoints.quote.errors.timeout"), 10, 0);
  assert_string_equal(s(d, "breaker.state"), "open");
  assert_false(g6_json_get_bool(at(d, "auth_latched")));
  g6_json_free(d);
  g6_latest_view_free(v);
  chain_values(l, 1010, 2);
  v = g6_latest_snapshot(l, 1010);
  d = build("provider", v, &c);
  assert_close(n(d, "requests_per_s"), 10, 1e-12);
  assert_close(n(d, "errors_per_s"), 1, 1e-12);
  assert_close(n(d, "error_ratio"), 0.1, 1e-12);
  is_null(d, "endpoints.quote.latency_p95_s");
  g6_json_free(d);
  g6_latest_view_free(v);
  g6_latest_free(l);
}

/* A pause the provider imposed (429 with Retry-After) is in the panel with
 * its seconds left (counted down to the panel's time) and its reason, and
 * the provider is throttled while it lasts although no request waited (none
 * was sent); without one the pause is a known 0 with no reason. */
static void provider_pause_panel(void **state) {
  (void)state;
  g6_latest *l = store();
  chain_values(l, 1000, 1);
  chain_values(l, 1010, 2);
  PUT(l, &g6m_def_api_ratelimit_pause, "quote", "", 290, 1010);
  PUT(l, &g6m_def_api_ratelimit_pause, "other", "", 0, 1010);
  g6_latest_view *v = g6_latest_snapshot(l, 1010);
  g6_panel_ctx c = ctx(1012);
  g6_json *d = build("provider", v, &c);
  assert_close(n(d, "ratelimit_pause.seconds_left"), 288, 1e-9);
  assert_string_equal(s(d, "ratelimit_pause.reason"), "retry_after");
  assert_close(n(d, "ratelimit_pause.limiters.quote"), 288, 1e-9);
  assert_close(n(d, "ratelimit_pause.limiters.other"), 0, 0);
  assert_true(g6_json_get_bool(at(d, "throttled")));
  g6_json_free(d);
  /* a panel written after the pause's end: over, not negative */
  c = ctx(1400);
  d = build("provider", v, &c);
  assert_close(n(d, "ratelimit_pause.seconds_left"), 0, 0);
  assert_close(n(d, "ratelimit_pause.limiters.quote"), 0, 0);
  is_null(d, "ratelimit_pause.reason");
  is_null(d, "throttled"); /* no wait histogram: unknown, as before */
  g6_json_free(d);
  g6_latest_view_free(v);
  /* the pause is over at the next sample */
  PUT(l, &g6m_def_api_ratelimit_pause, "quote", "", 0, 1020);
  PUT(l, &g6m_def_api_ratelimit_pause, "other", "", 0, 1020);
  v = g6_latest_snapshot(l, 1020);
  c = ctx(1020);
  d = build("provider", v, &c);
  assert_close(n(d, "ratelimit_pause.seconds_left"), 0, 0);
  is_null(d, "ratelimit_pause.reason");
  g6_json_free(d);
  g6_latest_view_free(v);
  g6_latest_free(l);
}

static void empty_store_is_all_null(void **state) {
  (void)state;
  g6_latest *l = store();
  g6_latest_view *v = g6_latest_snapshot(l, 1);
  g6_panel_ctx c = ctx(1);
  for (size_t i = 0; i < g6_panel_defs_len; i++) {
    g6_json *d = build(g6_panel_defs[i].name, v, &c);
    g6_json_free(d);
  }
  g6_json *d = build("indices_panel", v, &c);
  assert_int_equal(g6_panel_indices_count(d), 0);
  g6_json_free(d);
  d = build("storage", v, &c);
  is_null(d, "files");
  is_null(d, "scan_seconds");
  g6_json_free(d);
  d = build("provider", v, &c);
  is_null(d, "breaker.state");
  is_null(d, "auth_latched");
  is_null(d, "ratelimit_pause.seconds_left"); /* no sample: unknown */
  is_null(d, "ratelimit_pause.reason");
  g6_json_free(d);
  g6_latest_view_free(v);
  g6_latest_free(l);
}

static void analytics_storage_system_links(void **state) {
  (void)state;
  g6_latest *l = store();
  chain_values(l, 1000, 1);
  chain_values(l, 1010, 2);
  PUT(l, &g6m_def_max_pain, "NIFTY", "this_week", 24400, 1010);
  PUT(l, &g6m_def_atm_iv, "NIFTY", "this_week", 0.14, 1010);
  PUT(l, &g6m_def_rr25, "NIFTY", "this_week", -0.01, 1010);
  PUT(l, &g6m_def_volume_pcr, "NIFTY", "this_week", 0.9, 1010);
  PUT(l, &g6m_def_volume_pcr_missing, "NIFTY", "this_week", 3, 1010);
  /* as g6_retention dispatches them: per directory and kind of file */
  PUT(l, &g6m_def_data_files, "NIFTY", "options", 100, 1010);
  PUT(l, &g6m_def_data_files, "NIFTY", "overview", 20, 1010);
  PUT(l, &g6m_def_data_bytes, "NIFTY", "options", 4e6, 1010);
  PUT(l, &g6m_def_data_bytes, "NIFTY", "overview", 1e6, 1010);
  PUT(l, &g6m_def_oldest_file_age, "NIFTY", "options", 7200, 1010);
  PUT(l, &g6m_def_oldest_file_age, "NIFTY", "overview", 86400, 1010);
  PUT(l, &g6m_def_newest_file_age, "NIFTY", "options", 5, 1010);
  PUT(l, &g6m_def_newest_file_age, "NIFTY", "overview", 30, 1010);
  PUT(l, &g6m_def_data_files, "(none)", "panels", 3, 1010);
  PUT(l, &g6m_def_data_files, "(none)", "unmatched", NAN, 1010);
  g6_latest_put(l, "load", "", "load", "", "shortterm", 0.25, 1010);
  g6_latest_view *v = g6_latest_snapshot(l, 1010);
  g6_panel_ctx c = ctx(1010);
  g6_json *d = build("analytics", v, &c);
  assert_close(n(d, "pcr.NIFTY"), 1.25, 0);
  assert_close(n(d, "pcr_missing_legs.NIFTY"), 2, 0);
  assert_close(n(d, "indices.NIFTY.this_week.pcr_missing_legs"), 2, 0);
  assert_close(n(d, "indices.NIFTY.next_week.pcr_missing_legs"), 42, 0);
  is_null(d, "pcr_missing_legs.SENSEX");
  assert_close(n(d, "indices.NIFTY.this_week.volume_pcr"), 0.9, 0);
  assert_close(n(d, "indices.NIFTY.this_week.volume_pcr_missing_legs"), 3, 0);
  is_null(d, "indices.NIFTY.next_week.volume_pcr_missing_legs");
  assert_close(n(d, "max_pain.NIFTY"), 24400, 0);
  assert_close(n(d, "atm_iv.NIFTY"), 0.14, 0);
  assert_close(n(d, "rr25.NIFTY"), -0.01, 0);
  is_null(d, "bf25.NIFTY");
  is_null(d, "indices.NIFTY.this_week.support");
  is_null(d, "indices.NIFTY.next_week.max_pain");
  is_null(d, "max_pain.SENSEX");
  g6_json_free(d);
  d = build("storage", v, &c);
  assert_close(n(d, "files"), 123, 0);
  assert_close(n(d, "bytes"), 5e6, 0);
  assert_close(n(d, "data_dirs.NIFTY.files"), 120, 0);
  assert_close(n(d, "data_dirs.NIFTY.bytes"), 5e6, 0);
  assert_close(n(d, "data_dirs.NIFTY.oldest_age_s"), 86400, 0);
  assert_close(n(d, "data_dirs.NIFTY.newest_age_s"), 5, 0);
  assert_close(n(d, "data_dirs.(none).files"), 3, 0);
  is_null(d, "data_dirs.(none).bytes");
  is_null(d, "data_dirs.(none).oldest_age_s");
  assert_close(n(d, "csv.NIFTY.rows"), 44, 0);
  assert_close(n(d, "csv.NIFTY.rows_per_s"), 2.2, 1e-12);
  is_null(d, "csv.NIFTY.failures");
  g6_json_free(d);
  d = build("system", v, &c);
  assert_close(n(d, "cpu_ratio"), 0.05, 1e-12);
  assert_close(n(d, "memory_rss_mb"), 50, 1e-12);
  assert_close(n(d, "uptime_s"), 100, 0);
  assert_close(n(d, "host.load/load:shortterm"), 0.25, 0);
  is_null(d, "integrity.ok");
  is_null(d, "cycle"); /* no cycle histogram yet */
  g6_json_free(d);
  d = build("links", v, &c);
  is_null(d, "metrics_url");
  assert_string_equal(s(d, "version"), "0.1.0");
  g6_json_free(d);
  g6_latest_view_free(v);
  g6_latest_free(l);
}

/* One dispatch of NIFTY's cycle_duration histogram: `count` cycles so far
 * summing to `sum` s, all in the +Inf bucket. collectd stamps each value
 * on its own, so the series' times differ a little. */
static void put_cycles(g6_latest *l, double count, double sum, double t) {
  const g6_metric_def *d = &g6m_def_cycle_duration;
  for (size_t b = 0; b <= d->n_buckets; b++)
    g6_latest_put(l, d->plugin, "NIFTY", d->type_bucket, d->bucket_labels[b],
                  NULL, b == d->n_buckets ? count : 0, t + 0.001 * (double)b);
  g6_latest_put(l, d->plugin, "NIFTY", d->type_count, "", NULL, count,
                t + 0.05);
  g6_latest_put(l, d->plugin, "NIFTY", d->type_sum, "", NULL, sum, t + 0.06);
}

static double last_duration_at(g6_latest *l, double now, const char *panel,
                               const char *path, bool *null) {
  g6_latest_view *v = g6_latest_snapshot(l, now);
  g6_panel_ctx c = ctx(now);
  g6_json *d = build(panel, v, &c);
  const g6_json *x = at(d, path);
  assert_non_null(x);
  *null = g6_json_type_of(x) == G6_JSON_NULL;
  double r = *null ? NAN : g6_json_get_number(x);
  g6_json_free(d);
  g6_latest_view_free(v);
  return r;
}

/* last_duration is the last cycle's duration: known from the first cycle
 * that ends after the first sample, and kept over dispatches in which no
 * cycle ends (an Interval longer than the panels' flush), not null then. */
static void last_duration_kept_between_cycles(void **state) {
  (void)state;
  static const struct {
    double count, sum, t;
    bool known;
    double want;
  } steps[] = {
      {1, 2.0, 1000, false, 0}, /* one sample: nothing to compare yet */
      {1, 2.0, 1010, false, 0}, /* no cycle ended since */
      {2, 5.0, 1020, true, 3.0},
      {2, 5.0, 1030, true, 3.0}, /* no new cycle: still 3 s */
      {2, 5.0, 1040, true, 3.0},
      {4, 6.0, 1050, true, 0.5}, /* two cycles of 0.5 s */
      {4, 6.0, 1060, true, 0.5},
  };
  g6_latest *l = store();
  for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
    chain_values(l, steps[i].t, (double)i + 1);
    put_cycles(l, steps[i].count, steps[i].sum, steps[i].t);
    const char *where[][2] = {{"indices_panel", "items[0].last_duration"},
                              {"system", "last_duration"}};
    for (size_t w = 0; w < 2; w++) {
      bool null;
      double got =
          last_duration_at(l, steps[i].t + 1, where[w][0], where[w][1], &null);
      if (null == steps[i].known ||
          (steps[i].known && fabs(got - steps[i].want) > 1e-9))
        fail_msg("step %zu (t %.0f) %s %s: %s %g, want %s %g", i, steps[i].t,
                 where[w][0], where[w][1], null ? "null" : "", got,
                 steps[i].known ? "" : "null", steps[i].want);
    }
  }
  g6_latest_free(l);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(indices_panel),
      cmocka_unit_test(provider_panel),
      cmocka_unit_test(provider_pause_panel),
      cmocka_unit_test(empty_store_is_all_null),
      cmocka_unit_test(analytics_storage_system_links),
      cmocka_unit_test(last_duration_kept_between_cycles),
  };
  return G6_RUN_TESTS(tests);
}
