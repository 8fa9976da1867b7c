/* g6_analytics' run on snapshot files: warm start at NaN, the values of a
 * hand-built snapshot, unchanged snapshots not analysed again, every kind of
 * unusable file counted by cause and logged once per cause while the last
 * values stay, vanished expiries, groups switched off, discovery. */
#include "g6_test.h"

#include "collector/analyzer.h"
#include "core/fsutil.h"
#include "metrics/metrics_gen.h"
#include "snapfix.h"
#include "store/snapshot_read.h"

#include <unistd.h>

G6_TEST_TMPDIR("analyzer")

static int sink_dispatch(void *ctx, const g6_metrics_vl *vl) {
  (void)ctx;
  (void)vl;
  return 0;
}

static char logs[32][800];
static int levels[32];
static int n_logs;

static void record_log(void *ctx, int level, const char *msg) {
  (void)ctx;
  if (n_logs < 32) {
    levels[n_logs] = level;
    snprintf(logs[n_logs++], sizeof(logs[0]), "%s", msg);
  }
}

static g6_metrics *new_metrics(void) {
  g6_metrics_sink s = {sink_dispatch, NULL, NULL};
  g6_metrics *m = g6_metrics_new("g6_analytics", &s);
  assert_non_null(m);
  return m;
}

static double val(g6_metrics *m, const g6_metric_def *d, const char *pi,
                  const char *ti) {
  double v;
  if (!g6_metrics_value(m, d, pi, ti, &v))
    return -12345; /* not admitted */
  return v;
}

static void write_text(const char *data, const char *index, const char *text,
                       size_t len) {
  char path[512];
  snprintf(path, sizeof(path), "%s/snapshots", data);
  assert_int_equal(g6_mkdir_p(path, 0755, NULL), G6_OK);
  snprintf(path, sizeof(path), "%s/snapshots/%s.json", data, index);
  assert_int_equal(g6_atomic_write(path, text, len, 0644, false, NULL), G6_OK);
}

static void write_view(const char *data, const char *index,
                       const g6_snapshot *v) {
  char *t = snapfix_text(v);
  assert_non_null(t);
  write_text(data, index, t, strlen(t));
  free(t);
}

static g6_analyzer *make_ex(const char *data, const char *const *ix, size_t n,
                            unsigned groups, bool exclude_flagged,
                            g6_metrics *m) {
  g6_analyzer_config c = {data,  ix, n, groups, G6_REPORT_OPTIONS_DEFAULT, 0,
                          exclude_flagged};
  g6_analyzer *a = g6_analyzer_new(&c, m, record_log, NULL);
  assert_non_null(a);
  return a;
}

static g6_analyzer *make(const char *data, const char *const *ix, size_t n,
                         unsigned groups, g6_metrics *m) {
  return make_ex(data, ix, n, groups, false, m);
}

static void values_failures_and_recovery(void **state) {
  (void)state;
  char data[300];
  snprintf(data, sizeof(data), "%s/main", dir);
  g6_metrics *m = new_metrics();
  const char *ix[] = {"NIFTY"};
  g6_analyzer *a = make(data, ix, 1, G6_AG_ALL, m);
  n_logs = 0;
  assert_int_equal(g6_analyzer_warm(a), G6_OK);
  /* warm: every gauge NaN (unknown), counters 0 */
  assert_true(isnan(val(m, &g6m_def_atm_iv, "NIFTY", "this_week")));
  assert_true(isnan(val(m, &g6m_def_bucket_contracts, "NIFTY", "atm.short")));
  assert_true(isnan(val(m, &g6m_def_surface_iv, "NIFTY", "next_month.m5_0")));
  assert_true(isnan(val(m, &g6m_def_net_vega, "NIFTY", "deep_otm.leap")));
  assert_true(isnan(val(m, &g6m_def_snapshot_age, "NIFTY", NULL)));
  assert_close(val(m, &g6m_def_snapshot_read_failures, "NIFTY", "truncated"), 0,
               0);
  assert_close(val(m, &g6m_def_analyzed_snapshots, "NIFTY", NULL), 0, 0);

  /* no file yet: missing, logged once as a warning */
  double now = (double)SNAPFIX_NOW + 60;
  g6_analyzer_run(a, now);
  g6_analyzer_run(a, now + 1);
  assert_close(val(m, &g6m_def_snapshot_read_failures, "NIFTY", "missing"), 2,
               0);
  assert_int_equal(n_logs, 1);
  assert_int_equal(levels[0], G6_METRICS_LOG_WARNING);
  assert_non_null(strstr(logs[0], "g6_analytics: NIFTY: snapshot unusable "
                                  "(missing): cannot read "));
  assert_non_null(strstr(logs[0], "its values stay NaN"));

  /* the hand-built chain (tests/unit/snapfix.h) */
  snapfix f;
  snapfix_small(&f);
  write_view(data, "NIFTY", &f.view);
  g6_analyzer_run(a, now + 2);
  assert_int_equal(n_logs, 2);
  assert_non_null(strstr(logs[1], "NIFTY: reading snapshots again (seq 41)"));
  g6_analyzer_index_state st;
  assert_true(g6_analyzer_index(a, "NIFTY", &st));
  assert_true(st.have);
  assert_int_equal(st.seq, 41);
  assert_close(val(m, &g6m_def_analyzed_snapshots, "NIFTY", NULL), 1, 0);
  assert_close(val(m, &g6m_def_snapshot_age, "NIFTY", NULL), 62, 1e-9);
  assert_true(val(m, &g6m_def_analytics_duration, "NIFTY", NULL) >= 0);
  /* kept legs: CE 24750 (OI 50025), PE 24750 (65000), PE 24800 (90000),
   * PE 24850 (1e15); the CE 24800 and 24850 were dropped */
  assert_close(val(m, &g6m_def_oi_pcr, "NIFTY", "this_week"),
               (65000 + 90000 + 1e15) / 50025.0, 1e-3);
  assert_close(val(m, &g6m_def_volume_pcr, "NIFTY", "this_week"),
               (110000 + 140000 + 0) / 120000.0, 1e-12);
  /* pain(24750) = 90000·50 + 1e15·100, pain(24800) = 50025·50 + 1e15·50,
   * pain(24850) = 50025·100: the huge put OI at 24850 wins */
  assert_close(val(m, &g6m_def_max_pain, "NIFTY", "this_week"), 24850, 0);
  assert_close(val(m, &g6m_def_support, "NIFTY", "this_week"), 24750, 0);
  assert_true(isnan(val(m, &g6m_def_resistance, "NIFTY", "this_week")));
  assert_close(val(m, &g6m_def_expiry_days, "NIFTY", "this_week"),
               f.ex[0].T * 365, 1e-12);
  /* at the parity forward 24830.125 (not 24812.5·e^{0.065·T}), between
   * 24800 (PE iv 0.13) and 24850 (no CE: the PE 0.125 stands in) */
  double F = 24830.125;
  assert_close(val(m, &g6m_def_atm_iv, "NIFTY", "this_week"),
               0.13 + (F - 24800) / 50 * (0.125 - 0.13), 1e-15);
  /* the fit's basis to S e^{(r-q)T}, implied rate and residual */
  assert_close(val(m, &g6m_def_forward_basis, "NIFTY", "this_week"),
               1e4 * (F / (24812.5 * exp(0.065 * f.ex[0].T)) - 1), 1e-9);
  assert_close(val(m, &g6m_def_implied_rate, "NIFTY", "this_week"), 0.0651,
               0);
  assert_close(val(m, &g6m_def_parity_residual, "NIFTY", "this_week"), 0.025,
               0);
  assert_true(isnan(val(m, &g6m_def_rr25, "NIFTY", "this_week")));
  /* tags the snapshot does not have stay unknown; the unresolved date rule
   * has no label at all */
  assert_true(isnan(val(m, &g6m_def_atm_iv, "NIFTY", "next_month")));
  assert_close(val(m, &g6m_def_atm_iv, "NIFTY", "2025-02-27"), -12345, 0);
  /* 3 days to expiry: short; strikes within 5 % of spot: atm */
  assert_close(val(m, &g6m_def_bucket_contracts, "NIFTY", "atm.short"), 4, 0);
  assert_close(val(m, &g6m_def_bucket_oi, "NIFTY", "atm.short"),
               50025 + 65000 + 90000 + 1e15, 1);
  assert_close(val(m, &g6m_def_bucket_contracts, "NIFTY", "otm.short"), 0, 0);
  assert_true(isnan(val(m, &g6m_def_bucket_oi, "NIFTY", "otm.short")));
  assert_close(val(m, &g6m_def_bucket_spread, "NIFTY", "atm.short"),
               ((151.1 - 150.05) / 150.575 + 0.5 / 80.25 + 1 / 130.0) / 3,
               1e-12);
  assert_close(val(m, &g6m_def_net_delta, "NIFTY", "atm.short"),
               50025 * 0.61 + 90000 * -0.48 + 1e15 * -0.55, 1e3);
  assert_true(isnan(val(m, &g6m_def_net_delta, "NIFTY", "itm.short")));
  /* K/F - 1: 24750 -0.32 %, 24800 -0.12 %, 24850 +0.08 % */
  assert_close(val(m, &g6m_def_surface_iv, "NIFTY", "this_week.m5_0"),
               (0.1234567890123 + 0.13) / 2, 1e-15);
  assert_close(val(m, &g6m_def_surface_iv, "NIFTY", "this_week.0_p5"), 0.125,
               0);
  assert_true(isnan(val(m, &g6m_def_surface_iv, "NIFTY", "this_week.gt_p20")));

  /* unchanged: not analysed again, age grows */
  g6_analyzer_run(a, now + 10);
  assert_close(val(m, &g6m_def_analyzed_snapshots, "NIFTY", NULL), 1, 0);
  assert_close(val(m, &g6m_def_snapshot_age, "NIFTY", NULL), 70, 1e-9);
  /* the same seq written again (a new file): read, not analysed again */
  write_view(data, "NIFTY", &f.view);
  g6_analyzer_run(a, now + 11);
  assert_close(val(m, &g6m_def_analyzed_snapshots, "NIFTY", NULL), 1, 0);

  /* unusable files: counted by cause, logged once per cause, the last
   * values stay and age on */
  char *good = snapfix_text(&f.view);
  int logs_before = n_logs;
  write_text(data, "NIFTY", good, strlen(good) / 2);
  g6_analyzer_run(a, now + 12);
  g6_analyzer_run(a, now + 13);
  assert_close(val(m, &g6m_def_snapshot_read_failures, "NIFTY", "truncated"), 2,
               0);
  assert_int_equal(n_logs, logs_before + 1);
  assert_int_equal(levels[n_logs - 1], G6_METRICS_LOG_ERR);
  assert_non_null(strstr(logs[n_logs - 1], "(truncated)"));
  assert_non_null(strstr(logs[n_logs - 1], "keeping the values of seq 41"));
  assert_close(val(m, &g6m_def_max_pain, "NIFTY", "this_week"), 24850, 0);
  assert_close(val(m, &g6m_def_snapshot_age, "NIFTY", NULL), 73, 1e-9);
  char *other = snapfix_replace(good, "g6.chain.snapshot/1", "g6.other/1");
  write_text(data, "NIFTY", other, strlen(other));
  g6_analyzer_run(a, now + 14);
  assert_close(val(m, &g6m_def_snapshot_read_failures, "NIFTY", "wrong_schema"),
               1, 0);
  write_text(data, "NIFTY", "{]", 2);
  g6_analyzer_run(a, now + 15);
  assert_close(val(m, &g6m_def_snapshot_read_failures, "NIFTY", "malformed"), 1,
               0);
  char *bad = snapfix_replace(good, "\"spot\": 24812.5", "\"spot\": \"x\"");
  write_text(data, "NIFTY", bad, strlen(bad));
  g6_analyzer_run(a, now + 16);
  assert_close(val(m, &g6m_def_snapshot_read_failures, "NIFTY", "invalid"), 1,
               0);
  assert_non_null(strstr(logs[n_logs - 1], "spot: expected a number"));
  /* another index's snapshot under this name */
  char *wrong =
      snapfix_replace(good, "\"index\": \"NIFTY\"", "\"index\": \"BANKNIFTY\"");
  write_text(data, "NIFTY", wrong, strlen(wrong));
  g6_analyzer_run(a, now + 17);
  assert_close(val(m, &g6m_def_snapshot_read_failures, "NIFTY", "invalid"), 2,
               0);
  assert_int_equal(n_logs, logs_before + 4); /* one line per cause change */
  assert_close(val(m, &g6m_def_analyzed_snapshots, "NIFTY", NULL), 1, 0);
  assert_close(val(m, &g6m_def_max_pain, "NIFTY", "this_week"), 24850, 0);

  /* a new snapshot without this_week: its series become unknown */
  f.view.seq = 42;
  f.ex[0].tag = "next_week";
  f.ex[0].spec.rule = G6_EXPIRY_NEXT_WEEK;
  write_view(data, "NIFTY", &f.view);
  g6_analyzer_run(a, now + 18);
  assert_non_null(strstr(logs[n_logs - 1], "reading snapshots again (seq 42)"));
  assert_close(val(m, &g6m_def_analyzed_snapshots, "NIFTY", NULL), 2, 0);
  assert_close(val(m, &g6m_def_max_pain, "NIFTY", "next_week"), 24850, 0);
  assert_true(isnan(val(m, &g6m_def_max_pain, "NIFTY", "this_week")));
  assert_true(isnan(val(m, &g6m_def_surface_iv, "NIFTY", "this_week.m5_0")));
  /* a date-pinned rule is labelled with its date, and forgotten when it
   * goes */
  f.view.seq = 43;
  f.ex[0].spec.rule = G6_EXPIRY_DATE;
  write_view(data, "NIFTY", &f.view);
  g6_analyzer_run(a, now + 19);
  assert_close(val(m, &g6m_def_max_pain, "NIFTY", "2025-01-09"), 24850, 0);
  assert_true(isnan(val(m, &g6m_def_max_pain, "NIFTY", "next_week")));
  f.view.seq = 44;
  f.ex[0].spec.rule = G6_EXPIRY_NEXT_WEEK;
  write_view(data, "NIFTY", &f.view);
  g6_analyzer_run(a, now + 20);
  assert_close(val(m, &g6m_def_max_pain, "NIFTY", "2025-01-09"), -12345, 0);
  assert_close(val(m, &g6m_def_surface_iv, "NIFTY", "2025-01-09.m5_0"), -12345,
               0);
  assert_int_equal(g6_metrics_refusal_count(m, NULL), 0);
  free(good);
  free(other);
  free(bad);
  free(wrong);
  g6_analyzer_free(a);
  g6_metrics_free(m);
}

static void groups_and_discovery(void **state) {
  (void)state;
  char data[300];
  snprintf(data, sizeof(data), "%s/disc", dir);
  snapfix f;
  snapfix_small(&f);
  write_view(data, "NIFTY", &f.view);
  write_text(data, "not an index", "{}", 2); /* not a valid name: ignored */
  g6_metrics *m = new_metrics();
  g6_analyzer *a = make(data, NULL, 0, G6_AG_PCR | G6_AG_SURFACE, m);
  assert_int_equal(g6_analyzer_warm(a), G6_OK);
  assert_true(isnan(val(m, &g6m_def_oi_pcr, "NIFTY", "this_week")));
  /* switched-off groups are not exported at all */
  assert_close(val(m, &g6m_def_max_pain, "NIFTY", "this_week"), -12345, 0);
  assert_close(val(m, &g6m_def_bucket_oi, "NIFTY", "atm.short"), -12345, 0);
  n_logs = 0;
  g6_analyzer_run(a, (double)SNAPFIX_NOW);
  assert_true(val(m, &g6m_def_oi_pcr, "NIFTY", "this_week") > 1e9);
  assert_close(val(m, &g6m_def_max_pain, "NIFTY", "this_week"), -12345, 0);
  assert_close(val(m, &g6m_def_net_delta, "NIFTY", "atm.short"), -12345, 0);
  assert_int_equal(n_logs, 0);
  /* an index that appears later is found and warmed */
  snprintf(f.ix.name, sizeof(f.ix.name), "BANKNIFTY");
  write_view(data, "BANKNIFTY", &f.view);
  g6_analyzer_run(a, (double)SNAPFIX_NOW);
  g6_analyzer_index_state st;
  assert_true(g6_analyzer_index(a, "BANKNIFTY", &st));
  assert_int_equal(st.analysed, 1);
  assert_true(isnan(val(m, &g6m_def_oi_pcr, "BANKNIFTY", "next_month")));
  assert_false(g6_analyzer_index(a, "not an index", &st));
  g6_analyzer_free(a);
  /* bad configurations */
  g6_analyzer_config c = {NULL, NULL, 0, G6_AG_ALL, G6_REPORT_OPTIONS_DEFAULT,
                          0, false};
  assert_null(g6_analyzer_new(&c, m, NULL, NULL));
  const char *bad[] = {"NIF TY"};
  c.data_dir = data;
  c.indices = bad;
  c.n_indices = 1;
  assert_null(g6_analyzer_new(&c, m, NULL, NULL));
  g6_metrics_free(m);
  assert_string_equal(g6_analytics_group_name(0), "pcr");
  assert_string_equal(g6_analytics_group_name(7), "greeks");
  assert_string_equal(g6_analytics_group_name(8), "parity");
  assert_null(g6_analytics_group_name(9));
}

/* The parity forward when g6_chain fitted one, else S e^{(r-q)T}; legs
 * flagged by a no-arbitrage rule are in the analytics unless
 * ExcludeFlaggedLegs. */
static void parity_forward_and_flagged_legs(void **state) {
  (void)state;
  char data[300];
  snprintf(data, sizeof(data), "%s/parity", dir);
  g6_metrics *m = new_metrics();
  const char *ix[] = {"NIFTY"};
  snapfix f;
  snapfix_small(&f);
  f.ex[0].parity.forward = NAN; /* no fit: the model's forward */
  write_view(data, "NIFTY", &f.view);
  g6_analyzer *a = make(data, ix, 1, G6_AG_ALL, m);
  g6_analyzer_warm(a);
  assert_true(isnan(val(m, &g6m_def_forward_basis, "NIFTY", "this_week")));
  g6_analyzer_run(a, (double)SNAPFIX_NOW);
  double F = 24812.5 * exp(0.065 * f.ex[0].T);
  assert_close(val(m, &g6m_def_atm_iv, "NIFTY", "this_week"),
               0.13 + (F - 24800) / 50 * (0.125 - 0.13), 1e-15);
  assert_true(isnan(val(m, &g6m_def_forward_basis, "NIFTY", "this_week")));
  assert_true(isnan(val(m, &g6m_def_implied_rate, "NIFTY", "this_week")));
  /* the crossed PE 24850 (OI 1e15) counts by default ... */
  assert_close(val(m, &g6m_def_bucket_contracts, "NIFTY", "atm.short"), 4, 0);
  g6_analyzer_free(a);
  g6_metrics_free(m);
  /* ... and not with ExcludeFlaggedLegs */
  m = new_metrics();
  a = make_ex(data, ix, 1, G6_AG_ALL, true, m);
  g6_analyzer_warm(a);
  g6_analyzer_run(a, (double)SNAPFIX_NOW);
  assert_close(val(m, &g6m_def_bucket_contracts, "NIFTY", "atm.short"), 3, 0);
  assert_close(val(m, &g6m_def_oi_pcr, "NIFTY", "this_week"),
               (65000 + 90000) / 50025.0, 1e-12);
  /* pain(24750) = 90000·50, pain(24800) = 50025·50 */
  assert_close(val(m, &g6m_def_max_pain, "NIFTY", "this_week"), 24800, 0);
  g6_analyzer_free(a);
  g6_metrics_free(m);
  /* a group switched off is not exported */
  m = new_metrics();
  a = make(data, ix, 1, G6_AG_ALL & ~G6_AG_PARITY, m);
  g6_analyzer_warm(a);
  g6_analyzer_run(a, (double)SNAPFIX_NOW);
  double v;
  assert_false(g6_metrics_value(m, &g6m_def_implied_rate, "NIFTY",
                                "this_week", &v));
  g6_analyzer_free(a);
  g6_metrics_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(values_failures_and_recovery),
      cmocka_unit_test(groups_and_discovery),
      cmocka_unit_test(parity_forward_and_flagged_legs),
  };
  cmocka_set_message_output(CM_OUTPUT_TAP);
  return cmocka_run_group_tests(tests, setup, teardown);
}
