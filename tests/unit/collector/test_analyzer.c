/* g6_analytics' run on snapshot files: warm start at NaN, the values of a
 * hand-built snapshot, unchanged snapshots not analysed again, every kind of
 * unusable file counted by cause and logged once per cause while the last
 * values stay, vanished expiries, groups switched off, discovery. */
#include "g6_test.h"

#include "collector/analyzer.h"
#include "core/fsutil.h"
#include "math/iv.h"
#include "metrics/metrics_gen.h"
#include "snapfix.h"
#include "store/snapshot_read.h"

#include <unistd.h>

G6_TEST_TMPDIR("analyzer")

/* What a flush dispatched for one series (cap_type, cap_pi), the last. */
static const char *cap_type, *cap_pi;
static double cap_val;

static int sink_dispatch(void *ctx, const g6_metrics_vl *vl) {
  (void)ctx;
  if (cap_type != NULL && strcmp(vl->type, cap_type) == 0 &&
      strcmp(vl->plugin_instance, cap_pi) == 0)
    cap_val = vl->is_gauge ? vl->gauge : (double)vl->derive;
  return 0;
}

/* The value a flush of m dispatches now for def{pi} (no type label). */
static double dispatched(g6_metrics *m, const g6_metric_def *def,
                         const char *pi) {
  cap_type = def->type;
  cap_pi = pi;
  cap_val = -12345;
  g6_metrics_flush(m);
  cap_type = NULL;
  return cap_val;
}

static char logs[32][800];
static int levels[32];
static int n_logs;
static int n_dropped_closes; /* "dropped the ATM IV close" lines, all */

static void record_log(void *ctx, int level, const char *msg) {
  (void)ctx;
  n_dropped_closes += strstr(msg, "dropped the ATM IV close of") != NULL;
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
  g6_analyzer_config c = {.data_dir = data,
                          .indices = ix,
                          .n_indices = n,
                          .groups = groups,
                          .report = G6_REPORT_OPTIONS_DEFAULT,
                          .exclude_flagged = exclude_flagged};
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
  assert_true(isnan(val(m, &g6m_def_oi_pcr_missing, "NIFTY", "this_week")));
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
  /* ... ratios without one of the window's five legs that exist (the CE
   * 24800 had no quote): counted; the CE 24850 is not listed, no leg of
   * any ratio, and is not (as in g6_chain's count) */
  assert_close(val(m, &g6m_def_oi_pcr_missing, "NIFTY", "this_week"), 1, 0);
  assert_close(val(m, &g6m_def_volume_pcr_missing, "NIFTY", "this_week"), 1, 0);
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

/* An index named in the wrong case ("nifty") has no snapshot; the warning
 * says which name was meant, and a name g6 does not know gets no hint. */
static void index_name_case_hint(void **state) {
  (void)state;
  char data[300];
  snprintf(data, sizeof(data), "%s/case", dir);
  g6_metrics *m = new_metrics();
  const char *ix[] = {"nifty", "MYIDX"};
  g6_analyzer *a = make(data, ix, 2, G6_AG_ALL, m);
  assert_int_equal(g6_analyzer_warm(a), G6_OK);
  n_logs = 0;
  g6_analyzer_run(a, (double)SNAPFIX_NOW);
  assert_int_equal(n_logs, 2);
  assert_non_null(strstr(logs[0], "g6_analytics: nifty: snapshot unusable "
                                  "(missing): cannot read "));
  assert_non_null(strstr(logs[0], "/snapshots/nifty.json: No such file or "
                                  "directory (index names are "
                                  "case-sensitive: did you mean Index "
                                  "\"NIFTY\"?)"));
  assert_null(strstr(logs[1], "did you mean"));
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
  /* its counters are born with it, and go out at 0 first (metrics.h):
   * Prometheus' increase() counts its first snapshot */
  assert_close(dispatched(m, &g6m_def_analyzed_snapshots, "BANKNIFTY"), 0, 0);
  assert_close(dispatched(m, &g6m_def_analyzed_snapshots, "BANKNIFTY"), 1, 0);
  assert_false(g6_analyzer_index(a, "not an index", &st));
  g6_analyzer_free(a);

  /* a DataDir that is not there (a typo, not g6_chain's) is said once, and
   * its coming back; one without a snapshots directory yet is quiet */
  char typo[400], fresh_dir[400], snaps[420];
  snprintf(typo, sizeof(typo), "%s/no-such-datadir", dir);
  a = make(typo, NULL, 0, G6_AG_PCR, m);
  n_logs = 0;
  g6_analyzer_run(a, (double)SNAPFIX_NOW);
  g6_analyzer_run(a, (double)SNAPFIX_NOW);
  assert_int_equal(n_logs, 1);
  assert_int_equal(levels[0], G6_METRICS_LOG_WARNING);
  assert_non_null(strstr(logs[0], "DataDir "));
  assert_non_null(strstr(logs[0], "no-such-datadir does not exist: no snapshot "
                                  "to analyse (DataDir must be g6_chain's"));
  snprintf(snaps, sizeof(snaps), "%s/snapshots", typo);
  assert_int_equal(g6_mkdir_p(snaps, 0755, NULL), G6_OK);
  g6_analyzer_run(a, (double)SNAPFIX_NOW);
  assert_int_equal(n_logs, 2);
  assert_int_equal(levels[1], G6_METRICS_LOG_INFO);
  assert_non_null(strstr(logs[1], "looking for snapshots in"));
  g6_analyzer_free(a);
  snprintf(fresh_dir, sizeof(fresh_dir), "%s/fresh-datadir", dir);
  assert_int_equal(g6_mkdir_p(fresh_dir, 0755, NULL), G6_OK);
  a = make(fresh_dir, NULL, 0, G6_AG_PCR, m);
  n_logs = 0;
  g6_analyzer_run(a, (double)SNAPFIX_NOW);
  assert_int_equal(n_logs, 0);
  g6_analyzer_free(a);
  /* bad configurations */
  g6_analyzer_config c = {.groups = G6_AG_ALL,
                          .report = G6_REPORT_OPTIONS_DEFAULT};
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
  assert_string_equal(g6_analytics_group_name(9), "desk");
  assert_null(g6_analytics_group_name(10));
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
  /* the flagged put left out is missing from the ratio too (it exists) */
  assert_close(val(m, &g6m_def_oi_pcr_missing, "NIFTY", "this_week"), 2, 0);
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

/* ---- the desk group ------------------------------------------------------ */

/* A leg with a price, its OI and gamma, and its session references. */
static g6_chain_leg desk_leg(double K, int put, double last, double bid,
                             double ask, double oi, double gamma,
                             double oi_open, double last_prev,
                             double oi_prev) {
  char key[64];
  snprintf(key, sizeof(key), "NFO:NIFTY25109%.0f%s", K, put ? "PE" : "CE");
  g6_chain_leg l = snapfix_leg(K, put, key);
  snapfix_price(&l, last, last, bid, ask, 1000, oi);
  snapfix_greeks(&l, 0.12, put ? -0.5 : 0.5, gamma, -10, 12, 1);
  l.oi_open = oi_open;
  l.last_prev = last_prev;
  l.oi_prev = oi_prev;
  return l;
}

/* NIFTY at 24812.5 (ATM 24800), lot 75, this_week only: three strikes
 * whose numbers are worked out by hand in desk_figures_by_hand. */
static void snapfix_desk(snapfix *f) {
  memset(f, 0, sizeof(*f));
  snapfix_envelope(f, 3, 1);
  f->strikes[0] = 24700;
  f->strikes[1] = 24800;
  f->strikes[2] = 24900;
  g6_chain_leg *l = f->legs[0];
  /*                 K     put last   bid    ask    OI      gamma   OI open
   *                 last prev, OI prev */
  l[0] = desk_leg(24700, 0, 180, 179, 181, 75000, 0.0003, 67500, 175, 72000);
  l[1] = desk_leg(24700, 1, 60, 59.5, 60.5, 150000, 0.0003, 150000, 62,
                  145500);
  l[2] = desk_leg(24800, 0, 120, 119.5, 120.5, 112500, 0.0004, 112500, 120.2,
                  105000);
  l[3] = desk_leg(24800, 1, 107.5, 107, 108.5, 120000, 0.0004, 127500, 104,
                  124500);
  l[4] = desk_leg(24900, 0, 75, NAN, NAN, 187500, 0.0003, 180000, 78, 195000);
  l[5] = desk_leg(24900, 1, 160, NAN, NAN, 37500, 0.0003, NAN, NAN, NAN);
  g6_expiry_result *x = &f->ex[0];
  snapfix_this_week(x, l);
  x->status = G6_CHAIN_OK;
  x->legs_requested = x->legs_listed = x->legs_collected = 6;
  x->strike_coverage = x->field_coverage = 1;
  x->pcr_oi = x->pcr_volume = NAN;
  x->lot_size = 75;
  x->straddle_open = 231.5;
}

/* Closes of this_week for `n` sessions from 2024-12-01: 0.10, 0.102, ... */
static void seed_history(const char *data, int n, bool today_too) {
  char path[512], d[11];
  snprintf(path, sizeof(path), "%s/iv_history", data);
  assert_int_equal(g6_mkdir_p(path, 0755, NULL), G6_OK);
  snprintf(path, sizeof(path), "%s/iv_history/NIFTY.csv", data);
  FILE *fp = fopen(path, "w");
  assert_non_null(fp);
  fprintf(fp, "date,this_week,next_week,this_month,next_month\n");
  int64_t d0 = g6_days_from_civil(2024, 12, 1);
  for (int i = 0; i < n; i++) {
    g6_date_format(g6_civil_from_days(d0 + i), d);
    fprintf(fp, "%s,%.3f,,,\n", d, 0.10 + 0.002 * i);
  }
  if (today_too) /* a close of the snapshot's own day is not history */
    fprintf(fp, "2025-01-06,0.5,,,\n");
  fclose(fp);
}

/* Every desk figure of a chain computed by hand (math/desk.h). */
static void desk_figures_by_hand(void **state) {
  (void)state;
  char data[300];
  snprintf(data, sizeof(data), "%s/desk", dir);
  seed_history(data, 21, true);
  g6_metrics *m = new_metrics();
  const char *ix[] = {"NIFTY"};
  g6_analyzer *a = make(data, ix, 1, G6_AG_ALL, m);
  assert_int_equal(g6_analyzer_warm(a), G6_OK);
  /* unknown until a snapshot: NaN, never 0 */
  assert_true(isnan(val(m, &g6m_def_atm_straddle, "NIFTY", "this_week")));
  assert_true(
      isnan(val(m, &g6m_def_buildup, "NIFTY", "next_month.put.long_buildup")));
  assert_true(isnan(val(m, &g6m_def_oi_change, "NIFTY", "this_month.call")));
  snapfix f;
  snapfix_desk(&f);
  write_view(data, "NIFTY", &f.view);
  n_logs = 0;
  g6_analyzer_run(a, (double)SNAPFIX_NOW + 5);
  const char *w = "this_week";
  /* straddle: CE mid (119.5 + 120.5)/2 = 120 + PE mid (107 + 108.5)/2 =
   * 107.75 */
  assert_close(val(m, &g6m_def_atm_straddle, "NIFTY", w), 227.75, 1e-12);
  assert_close(val(m, &g6m_def_expected_move, "NIFTY", w), 227.75 / 24812.5,
               1e-15);
  assert_close(val(m, &g6m_def_atm_straddle_open, "NIFTY", w), 231.5, 0);
  /* OI change in contracts of 75: calls 7,500 + 0 + 7,500 units = 200,
   * puts 0 - 7,500 = -100 (the PE 24900 has no baseline: left out) */
  assert_close(val(m, &g6m_def_oi_change, "NIFTY", "this_week.call"), 200,
               1e-9);
  assert_close(val(m, &g6m_def_oi_change, "NIFTY", "this_week.put"), -100,
               1e-9);
  /* build-up (0.5 % of the price, 0.5 % of the OI and one lot):
   * CE 24700 +5 / +3,000: long build-up; CE 24800 -0.2 (band 0.601): none;
   * CE 24900 -3 / -7,500: long unwinding; PE 24700 -2 / +4,500: short
   * build-up; PE 24800 +3.5 / -4,500: short covering; PE 24900: unknown */
  assert_close(val(m, &g6m_def_buildup, "NIFTY", "this_week.call.long_buildup"),
               1, 0);
  assert_close(
      val(m, &g6m_def_buildup, "NIFTY", "this_week.call.long_unwinding"), 1, 0);
  assert_close(
      val(m, &g6m_def_buildup, "NIFTY", "this_week.call.short_buildup"), 0, 0);
  assert_close(
      val(m, &g6m_def_buildup, "NIFTY", "this_week.call.short_covering"), 0, 0);
  assert_close(val(m, &g6m_def_buildup, "NIFTY", "this_week.put.short_buildup"),
               1, 0);
  assert_close(
      val(m, &g6m_def_buildup, "NIFTY", "this_week.put.short_covering"), 1, 0);
  assert_close(val(m, &g6m_def_buildup, "NIFTY", "this_week.put.long_buildup"),
               0, 0);
  /* GEX: S^2 x 1 % = 6,156,601.5625; calls 0.0003 x 75,000 + 0.0004 x
   * 112,500 + 0.0003 x 187,500 = 123.75, puts 45 + 48 + 11.25 = 104.25 */
  double s2 = 24812.5 * 24812.5 * 0.01;
  assert_close(val(m, &g6m_def_gamma_exposure, "NIFTY", w), 19.5 * s2, 1e-4);
  /* per strike -22.5, -3, +45: cumulative -22.5, -25.5, +19.5; the sign
   * changes between 24800 and 24900 at 25.5 / 45 of the way */
  assert_close(val(m, &g6m_def_gamma_flip, "NIFTY", w),
               24800 + 100 * 25.5 / 45, 1e-9);
  /* IV rank: ATM IV 0.12 (every leg's IV) against 21 closes 0.100 ...
   * 0.140; the close of the snapshot's own day (0.5) is not history */
  assert_close(val(m, &g6m_def_atm_iv, "NIFTY", w), 0.12, 1e-12);
  assert_close(val(m, &g6m_def_iv_rank, "NIFTY", w), 0.5, 1e-9);
  assert_close(val(m, &g6m_def_iv_percentile, "NIFTY", w), 10.0 / 21, 1e-12);
  assert_close(val(m, &g6m_def_iv_history_days, "NIFTY", w), 21, 0);
  /* tags the snapshot does not have stay unknown */
  assert_true(isnan(val(m, &g6m_def_iv_rank, "NIFTY", "next_week")));
  assert_true(isnan(val(m, &g6m_def_gamma_exposure, "NIFTY", "next_week")));
  assert_int_equal(n_logs, 0); /* nothing to say */
  g6_analyzer_free(a);

  /* fewer known closes than IVRankMinDays: unknown, days still counted;
   * a lot size the snapshot lacks makes the OI change unknown, and a
   * price with no previous cycle anywhere makes the build-up unknown */
  g6_analyzer_config c = {.data_dir = data,
                          .indices = ix,
                          .n_indices = 1,
                          .groups = G6_AG_DESK,
                          .report = G6_REPORT_OPTIONS_DEFAULT,
                          .iv_window = 10,
                          .iv_min_days = 11};
  a = g6_analyzer_new(&c, m, record_log, NULL);
  f.view.seq = 42;
  f.ex[0].lot_size = NAN;
  for (size_t i = 0; i < 6; i++)
    f.legs[0][i].last_prev = NAN;
  write_view(data, "NIFTY", &f.view);
  g6_analyzer_run(a, (double)SNAPFIX_NOW + 10);
  assert_true(isnan(val(m, &g6m_def_iv_rank, "NIFTY", w)));
  assert_true(isnan(val(m, &g6m_def_iv_percentile, "NIFTY", w)));
  assert_close(val(m, &g6m_def_iv_history_days, "NIFTY", w), 10, 0);
  assert_true(isnan(val(m, &g6m_def_oi_change, "NIFTY", "this_week.call")));
  assert_true(
      isnan(val(m, &g6m_def_buildup, "NIFTY", "this_week.put.short_buildup")));
  assert_close(val(m, &g6m_def_atm_straddle, "NIFTY", w), 227.75, 1e-12);
  /* a date-pinned expiry has no history of its own */
  f.view.seq = 43;
  f.ex[0].spec.rule = G6_EXPIRY_DATE;
  write_view(data, "NIFTY", &f.view);
  g6_analyzer_run(a, (double)SNAPFIX_NOW + 15);
  assert_close(val(m, &g6m_def_gamma_flip, "NIFTY", "2025-01-09"),
               24800 + 100 * 25.5 / 45, 1e-9);
  assert_true(isnan(val(m, &g6m_def_iv_rank, "NIFTY", "2025-01-09")));
  assert_true(isnan(val(m, &g6m_def_gamma_flip, "NIFTY", w)));
  assert_int_equal(g6_metrics_refusal_count(m, NULL), 0);
  g6_analyzer_free(a);
  g6_metrics_free(m);
}

static char *slurp_history(const char *data) {
  char path[512];
  snprintf(path, sizeof(path), "%s/iv_history/NIFTY.csv", data);
  char *t = NULL;
  size_t n;
  return g6_read_file(path, 1 << 20, &t, &n, NULL) == G6_OK ? t : NULL;
}

/* One close per session: the last known ATM IV of the day, added once the
 * day is over (a later day's snapshot, or midnight IST), never twice, also
 * not after a restart; a close that cannot be written is retried. */
static void closes_kept_once_per_session(void **state) {
  (void)state;
  char data[300];
  snprintf(data, sizeof(data), "%s/closes", dir);
  g6_metrics *m = new_metrics();
  const char *ix[] = {"NIFTY"};
  g6_analyzer *a = make(data, ix, 1, G6_AG_DESK, m);
  assert_int_equal(g6_analyzer_warm(a), G6_OK);
  snapfix f;
  snapfix_desk(&f);
  write_view(data, "NIFTY", &f.view);
  double t = (double)SNAPFIX_NOW; /* 2025-01-06 10:00 IST */
  g6_analyzer_run(a, t + 1);
  /* later that day the ATM IV is 0.13 */
  f.view.seq = 42;
  f.view.generated_at += 3600;
  for (size_t i = 0; i < 6; i++)
    f.legs[0][i].iv = 0.13;
  write_view(data, "NIFTY", &f.view);
  g6_analyzer_run(a, t + 3601);
  assert_null(slurp_history(data)); /* the session is not over */
  assert_close(val(m, &g6m_def_iv_history_days, "NIFTY", "this_week"), 0, 0);
  /* the iv_history directory is a file: the close cannot be written */
  char path[512];
  snprintf(path, sizeof(path), "%s/iv_history", data);
  FILE *fp = fopen(path, "w");
  assert_non_null(fp);
  fclose(fp);
  n_logs = 0;
  double midnight = (double)g6_ist_epoch((g6_date){2025, 1, 7}, 0, 0, 30);
  g6_analyzer_run(a, midnight);
  g6_analyzer_run(a, midnight + 10);
  assert_int_equal(n_logs, 1); /* logged once, retried every run */
  assert_int_equal(levels[0], G6_METRICS_LOG_ERR);
  assert_non_null(strstr(logs[0], "cannot keep the ATM IV close"));
  g6_analyzer_index_state st;
  assert_true(g6_analyzer_index(a, "NIFTY", &st));
  assert_int_equal(st.closes_kept, 0);
  assert_int_not_equal(st.history_status, G6_OK);
  unlink(path);
  g6_analyzer_run(a, midnight + 20);
  char *text = slurp_history(data);
  assert_non_null(text);
  assert_string_equal(text, "date,this_week,next_week,this_month,next_month\n"
                            "2025-01-06,0.13,,,\n");
  free(text);
  assert_true(g6_analyzer_index(a, "NIFTY", &st));
  assert_int_equal(st.closes_kept, 1);
  assert_non_null(strstr(logs[n_logs - 1], "kept the ATM IV close of "
                                           "2025-01-06"));
  g6_analyzer_run(a, midnight + 30);
  g6_analyzer_free(a);
  /* a restart that reads the same day's snapshot again: nothing twice */
  a = make(data, ix, 1, G6_AG_DESK, m);
  g6_analyzer_run(a, midnight + 40);
  g6_analyzer_run(a, midnight + 50);
  text = slurp_history(data);
  assert_non_null(strstr(text, "2025-01-06,0.13,,,\n"));
  assert_null(strstr(strstr(text, "2025-01-06") + 1, "2025-01-06"));
  free(text);
  /* the next session reads yesterday's close as history */
  f.view.seq = 43;
  f.view.generated_at = g6_ist_epoch((g6_date){2025, 1, 7}, 9, 16, 0);
  write_view(data, "NIFTY", &f.view);
  g6_analyzer_run(a, (double)f.view.generated_at + 1);
  assert_close(val(m, &g6m_def_iv_history_days, "NIFTY", "this_week"), 1, 0);
  assert_true(isnan(val(m, &g6m_def_iv_rank, "NIFTY", "this_week")));
  g6_analyzer_free(a);
  g6_metrics_free(m);
}

/* The IV history failing over a session's end and into the next session:
 * the next session's close used to replace the one still unwritten, which
 * was lost without a word. Each waits, and both are written in date order
 * once the history can take them. */
static void unwritten_close_survives_the_next_session(void **state) {
  (void)state;
  char data[300], path[512];
  snprintf(data, sizeof(data), "%s/two_sessions", dir);
  g6_metrics *m = new_metrics();
  const char *ix[] = {"NIFTY"};
  g6_analyzer *a = make(data, ix, 1, G6_AG_DESK, m);
  assert_int_equal(g6_analyzer_warm(a), G6_OK);
  snapfix f;
  snapfix_desk(&f);
  for (size_t i = 0; i < 6; i++)
    f.legs[0][i].iv = 0.13;
  write_view(data, "NIFTY", &f.view);
  g6_analyzer_run(a, (double)SNAPFIX_NOW + 1); /* 2025-01-06 */
  /* the iv_history directory is a file: no close can be written */
  snprintf(path, sizeof(path), "%s/iv_history", data);
  FILE *fp = fopen(path, "w");
  assert_non_null(fp);
  fclose(fp);
  g6_analyzer_run(a, (double)g6_ist_epoch((g6_date){2025, 1, 7}, 0, 0, 30));
  /* the next session is read while the history still fails */
  f.view.seq = 42;
  f.view.generated_at = g6_ist_epoch((g6_date){2025, 1, 7}, 9, 16, 0);
  for (size_t i = 0; i < 6; i++)
    f.legs[0][i].iv = 0.14;
  write_view(data, "NIFTY", &f.view);
  g6_analyzer_run(a, (double)f.view.generated_at + 1);
  g6_analyzer_index_state st;
  assert_true(g6_analyzer_index(a, "NIFTY", &st));
  assert_int_equal(st.closes_kept, 0);
  assert_int_not_equal(st.history_status, G6_OK);
  /* fixed during the session: the first session's close goes in now */
  unlink(path);
  g6_analyzer_run(a, (double)f.view.generated_at + 60);
  char *text = slurp_history(data);
  assert_non_null(text);
  assert_string_equal(text, "date,this_week,next_week,this_month,next_month\n"
                            "2025-01-06,0.13,,,\n");
  free(text);
  /* and the second once its session is over */
  g6_analyzer_run(a, (double)g6_ist_epoch((g6_date){2025, 1, 8}, 0, 0, 30));
  text = slurp_history(data);
  assert_non_null(text);
  assert_string_equal(text, "date,this_week,next_week,this_month,next_month\n"
                            "2025-01-06,0.13,,,\n"
                            "2025-01-07,0.14,,,\n");
  free(text);
  assert_true(g6_analyzer_index(a, "NIFTY", &st));
  assert_int_equal(st.closes_kept, 2);
  assert_int_equal(st.history_status, G6_OK);
  g6_analyzer_free(a);
  g6_metrics_free(m);
}

/* Closes wait for G6_ANALYZER_UNKEPT_MAX sessions at most: the oldest
 * beyond is dropped, said as an error; the others go in once the history
 * can take them. */
static void unwritten_closes_are_bounded(void **state) {
  (void)state;
  char data[300], path[512];
  snprintf(data, sizeof(data), "%s/many_sessions", dir);
  g6_metrics *m = new_metrics();
  const char *ix[] = {"NIFTY"};
  g6_analyzer *a = make(data, ix, 1, G6_AG_DESK, m);
  assert_int_equal(g6_analyzer_warm(a), G6_OK);
  snprintf(path, sizeof(path), "%s/iv_history", data);
  assert_int_equal(g6_mkdir_p(data, 0755, NULL), G6_OK);
  FILE *fp = fopen(path, "w"); /* a file: no close can be written */
  assert_non_null(fp);
  fclose(fp);
  snapfix f;
  snapfix_desk(&f);
  int sessions = G6_ANALYZER_UNKEPT_MAX + 2;
  n_dropped_closes = 0;
  for (int d = 0; d < sessions; d++) {
    f.view.seq = (uint64_t)(42 + d);
    f.view.generated_at = SNAPFIX_NOW + (int64_t)d * 86400;
    write_view(data, "NIFTY", &f.view);
    g6_analyzer_run(a, (double)f.view.generated_at + 1);
  }
  /* the last session ends: sessions - G6_ANALYZER_UNKEPT_MAX dropped */
  double after = (double)(SNAPFIX_NOW + (int64_t)sessions * 86400);
  unlink(path);
  g6_analyzer_run(a, after);
  assert_int_equal(n_dropped_closes, sessions - G6_ANALYZER_UNKEPT_MAX);
  g6_analyzer_index_state st;
  assert_true(g6_analyzer_index(a, "NIFTY", &st));
  assert_int_equal(st.history_status, G6_OK);
  /* the fixture's contracts expire within days: the later sessions have
   * no close to keep (nothing written for them) */
  assert_int_equal(st.closes_kept, 1);
  char *text = slurp_history(data);
  assert_non_null(text);
  assert_string_equal(text, "date,this_week,next_week,this_month,next_month\n"
                            "2025-01-08,0.12,,,\n");
  free(text);
  g6_analyzer_free(a);
  g6_metrics_free(m);
}

/* An analyzer of NIFTY (desk analytics, warmed) over data = dir/sub, whose
 * IV history starts as `seed`. */
static g6_analyzer *with_history(char data[300], const char *sub,
                                 const char *seed, g6_metrics **m) {
  char path[512];
  snprintf(data, 300, "%s/%s", dir, sub);
  snprintf(path, sizeof(path), "%s/iv_history", data);
  assert_int_equal(g6_mkdir_p(path, 0755, NULL), G6_OK);
  snprintf(path, sizeof(path), "%s/iv_history/NIFTY.csv", data);
  assert_int_equal(g6_atomic_write(path, seed, strlen(seed), 0644, false,
                                   NULL),
                   G6_OK);
  *m = new_metrics();
  static const char *ix[] = {"NIFTY"};
  g6_analyzer *a = make(data, ix, 1, G6_AG_DESK, *m);
  assert_int_equal(g6_analyzer_warm(a), G6_OK);
  return a;
}

/* A line dated ahead in the history (2099: an edit, a wrong clock) made
 * every close "already kept", silently, until its date: now each close it
 * blocks is an error naming it. */
static void close_blocked_by_a_later_line(void **state) {
  (void)state;
  char data[300];
  const char *seed = "date,this_week,next_week,this_month,next_month\n"
                     "2099-01-01,0.5,,,\n";
  g6_metrics *m;
  g6_analyzer *a = with_history(data, "ahead", seed, &m);
  snapfix f;
  snapfix_desk(&f);
  write_view(data, "NIFTY", &f.view);
  g6_analyzer_run(a, (double)SNAPFIX_NOW + 1);
  n_logs = 0;
  double midnight = (double)g6_ist_epoch((g6_date){2025, 1, 7}, 0, 0, 30);
  g6_analyzer_run(a, midnight);
  assert_int_equal(n_logs, 1);
  assert_int_equal(levels[0], G6_METRICS_LOG_ERR);
  assert_non_null(strstr(logs[0], "cannot keep the ATM IV close"));
  assert_non_null(strstr(logs[0], "2099-01-01, is after 2025-01-06"));
  g6_analyzer_index_state st;
  assert_true(g6_analyzer_index(a, "NIFTY", &st));
  assert_int_equal(st.closes_kept, 0);
  assert_int_equal(st.history_status, G6_ERANGE);
  char *text = slurp_history(data);
  assert_string_equal(text, seed); /* untouched */
  free(text);
  g6_analyzer_free(a);
  g6_metrics_free(m);
}

/* f as snapshot `seq` of `at` (Unix seconds) with every leg's IV `iv`,
 * written where g6_chain writes NIFTY's under data. */
static void put_snapshot(snapfix *f, const char *data, uint64_t seq,
                         int64_t at, double iv) {
  f->view.seq = seq;
  f->view.generated_at = at;
  for (size_t i = 0; i < 6; i++)
    f->legs[0][i].iv = iv;
  write_view(data, "NIFTY", &f->view);
}

/* A snapshot dated outside the session being read -- an old one put back
 * (a restored backup, a seq gone backwards), or one dated ahead of the
 * clock -- is analysed, but its ATM IV is no session's close: it used to
 * end the session (today's close written hours early, or lost) and become
 * the pending close of its own date, which the history refused as out of
 * order every run, blocking every later close until G6_ANALYZER_UNKEPT_MAX
 * sessions were dropped. A close already older than the history's last
 * line is dropped with a warning instead of blocking. */
static void closes_of_snapshots_out_of_their_day(void **state) {
  (void)state;
  char data[300];
  const char *seed = "date,this_week,next_week,this_month,next_month\n"
                     "2025-01-01,0.11,,,\n"
                     "2025-01-03,0.12,,,\n";
  g6_metrics *m;
  g6_analyzer *a = with_history(data, "restored", seed, &m);
  snapfix f;
  snapfix_desk(&f);
  double t = (double)SNAPFIX_NOW; /* 2025-01-06 10:00 IST */
  for (size_t i = 0; i < 6; i++)
    f.legs[0][i].iv = 0.13;
  write_view(data, "NIFTY", &f.view);
  g6_analyzer_run(a, t + 1);
  /* a backup of 2025-01-02 (not in the history) put back */
  int64_t backup = g6_ist_epoch((g6_date){2025, 1, 2}, 14, 0, 0);
  put_snapshot(&f, data, 7, backup, 0.40);
  g6_analyzer_run(a, t + 60);
  g6_analyzer_index_state st;
  assert_true(g6_analyzer_index(a, "NIFTY", &st));
  assert_int_equal(st.seq, 7); /* analysed */
  /* one dated tomorrow (a clock stepped back on g6_chain's side) */
  put_snapshot(&f, data, 8, g6_ist_epoch((g6_date){2025, 1, 7}, 10, 0, 0),
               0.50);
  g6_analyzer_run(a, t + 120);
  char *kept = slurp_history(data);
  assert_non_null(kept);
  assert_string_equal(kept, seed); /* the session goes on */
  free(kept);
  /* g6_chain again, later that day */
  put_snapshot(&f, data, 42, SNAPFIX_NOW + 7200, 0.14);
  g6_analyzer_run(a, t + 7201);
  n_logs = 0;
  double midnight = (double)g6_ist_epoch((g6_date){2025, 1, 7}, 0, 0, 30);
  g6_analyzer_run(a, midnight);
  char *text = slurp_history(data);
  assert_non_null(text);
  assert_string_equal(text, "date,this_week,next_week,this_month,next_month\n"
                            "2025-01-01,0.11,,,\n"
                            "2025-01-03,0.12,,,\n"
                            "2025-01-06,0.14,,,\n");
  free(text);
  assert_true(g6_analyzer_index(a, "NIFTY", &st));
  assert_int_equal(st.closes_kept, 1);
  assert_int_equal(st.history_status, G6_OK);
  g6_analyzer_free(a);
  /* after a restart the backup is the first snapshot read: its close is
   * older than the history's last line and is not waited for */
  const char *ix[] = {"NIFTY"};
  a = make(data, ix, 1, G6_AG_DESK, m);
  put_snapshot(&f, data, 7, backup, 0.40);
  n_logs = 0;
  g6_analyzer_run(a, midnight + 60);
  put_snapshot(&f, data, 43, g6_ist_epoch((g6_date){2025, 1, 7}, 9, 16, 0),
               0.15);
  g6_analyzer_run(a, (double)f.view.generated_at + 1);
  g6_analyzer_run(a, (double)g6_ist_epoch((g6_date){2025, 1, 8}, 0, 0, 30));
  text = slurp_history(data);
  assert_non_null(strstr(text, "2025-01-06,0.14,,,\n2025-01-07,0.15,,,\n"));
  assert_null(strstr(text, "2025-01-02"));
  free(text);
  assert_true(g6_analyzer_index(a, "NIFTY", &st));
  assert_int_equal(st.history_status, G6_OK);
  for (int i = 0; i < n_logs; i++)
    assert_int_not_equal(levels[i], G6_METRICS_LOG_ERR);
  g6_analyzer_free(a);
  g6_metrics_free(m);
}

/* ---- closes around expiries ---------------------------------------------- */

/* One expiry of an expiry_chain: its tag and date, and either six prices
 * (CE, PE of 24750, 24800, 24850) whose IVs are solved at the snapshot's T
 * as g6_chain solves them, or one IV for every leg (px NULL). */
typedef struct fix_expiry {
  const char *tag;
  g6_expiry_rule rule;
  g6_date date;
  const double *px;
  double iv;
} fix_expiry;

/* NIFTY at 24812.5 (ATM 24800) at `at`, three strikes per expiry, no parity
 * fit, q = r: every expiry's forward is the spot, inside the strikes. */
static void expiry_chain(snapfix *f, uint64_t seq, int64_t at,
                         const fix_expiry *ex, size_t n) {
  memset(f, 0, sizeof(*f));
  snapfix_envelope(f, 3, n);
  g6_snapshot *v = &f->view;
  v->seq = seq;
  v->generated_at = at;
  v->ts = g6_round30((double)at, G6_ROUND_NEAREST);
  v->status = G6_CHAIN_OK;
  v->q = v->r;
  f->strikes[0] = 24750;
  f->strikes[1] = 24800;
  f->strikes[2] = 24850;
  for (size_t e = 0; e < n; e++) {
    g6_expiry_result *x = &f->ex[e];
    x->tag = ex[e].tag;
    x->spec.rule = ex[e].rule;
    x->resolved = true;
    x->date = ex[e].date;
    x->kind = G6_EXPIRY_WEEKLY;
    x->expiry_epoch = g6_expiry_epoch(x->date);
    x->T = (double)(x->expiry_epoch - at) / (365.0 * 86400);
    x->status = G6_CHAIN_OK;
    x->legs_requested = x->legs_listed = x->legs_collected = 6;
    x->strike_coverage = x->field_coverage = 1;
    x->pcr_oi = x->pcr_volume = NAN;
    x->parity = (g6_parity_fit){NAN, NAN, NAN, NAN, 0, 0};
    x->lot_size = 75;
    x->straddle_open = NAN;
    x->legs = f->legs[e];
    char d[11];
    g6_date_format(x->date, d);
    for (int i = 0; i < 6; i++) {
      double K = f->strikes[i / 2];
      int put = i % 2;
      char key[64];
      snprintf(key, sizeof(key), "NFO:NIFTY%.2s%c%.2s%.0f%s", d + 2,
               "123456789OND"[x->date.month - 1], d + 8, K, put ? "PE" : "CE");
      g6_chain_leg *l = &x->legs[i];
      *l = snapfix_leg(K, put, key);
      double p = ex[e].px ? ex[e].px[i] : 100;
      snapfix_price(l, p, p, p, p, 1000, 75000);
      double iv = ex[e].iv;
      g6_status st = G6_OK;
      if (ex[e].px != NULL)
        st = g6_iv_bsm(put ? G6_PUT : G6_CALL, v->spot, K, x->T, v->r, v->q, p,
                       NULL, &iv);
      snapfix_greeks(l, iv, put ? -0.5 : 0.5, 0.0004, -10, 12, 1);
      l->iv_status = st;
      if (st != G6_OK)
        l->iv = l->delta = l->gamma = l->theta = l->vega = l->rho = NAN;
    }
  }
}

static int64_t ist_at(int y, int mo, int d, int h, int mi, int s) {
  return g6_ist_epoch((g6_date){y, mo, d}, h, mi, s);
}

/* Mids of the weekly of 2025-01-09 at 15:29:30 that day, 30 s before its
 * expiry, spot 24812.5: CE 24750 62.6 / PE 0.05, CE 24800 13.0 / PE 0.35,
 * CE 24850 0.3 / PE 37.6 — a few ticks of time value. Solved at T = 30 s
 * the OTM legs read 37 % (PE 24800) and 86 % (CE 24850): ATM IV about
 * 0.5, four times the session's 0.12; the same mids 10 s before 15:30
 * read 0.86 (moved_expiry_and_special_sessions): the close would be
 * whichever second the last cycle fell on. */
static const double last_minute_px[6] = {62.6, 0.05, 13.0, 0.35, 0.3, 37.6};

/* The close of a session leaves out each expiry that expires on the
 * session's own date: its IV is computed with minutes to expiry (tick
 * noise) and the tag names another contract from the next session on, so
 * it would sit in the tag's history (as its max, here) for IVRankWindow
 * sessions. The other tags' closes are kept; a session with no close left
 * adds no line (never a 0). */
static void expiry_day_close_left_out(void **state) {
  (void)state;
  char data[300];
  snprintf(data, sizeof(data), "%s/expiry", dir);
  seed_history(data, 21, false); /* this_week 0.100 ... 0.140 in December */
  g6_metrics *m = new_metrics();
  const char *ix[] = {"NIFTY"};
  g6_analyzer *a = make(data, ix, 1, G6_AG_DESK | G6_AG_TERM_STRUCTURE, m);
  assert_int_equal(g6_analyzer_warm(a), G6_OK);
  g6_date w1 = {2025, 1, 9}, w2 = {2025, 1, 16}, w3 = {2025, 1, 23};
  snapfix f;
  /* Wednesday's last cycle: this_week has a day to go */
  fix_expiry wed[2] = {{"this_week", G6_EXPIRY_THIS_WEEK, w1, NULL, 0.12},
                       {"next_week", G6_EXPIRY_NEXT_WEEK, w2, NULL, 0.13}};
  expiry_chain(&f, 1, ist_at(2025, 1, 8, 15, 29, 30), wed, 2);
  write_view(data, "NIFTY", &f.view);
  g6_analyzer_run(a, (double)f.view.generated_at + 1);
  /* Thursday, the weekly's expiry day, its last cycle 30 s before 15:30 */
  fix_expiry thu[2] = {
      {"this_week", G6_EXPIRY_THIS_WEEK, w1, last_minute_px, NAN},
      {"next_week", G6_EXPIRY_NEXT_WEEK, w2, NULL, 0.135}};
  expiry_chain(&f, 2, ist_at(2025, 1, 9, 15, 29, 30), thu, 2);
  write_view(data, "NIFTY", &f.view);
  g6_analyzer_run(a, (double)f.view.generated_at + 1);
  double wild = val(m, &g6m_def_atm_iv, "NIFTY", "this_week");
  assert_true(wild > 0.45 && wild < 0.6); /* what the desk sees live */
  /* Friday: this_week is the weekly of 2025-01-16 now */
  fix_expiry fri[2] = {{"this_week", G6_EXPIRY_THIS_WEEK, w2, NULL, 0.125},
                       {"next_week", G6_EXPIRY_NEXT_WEEK, w3, NULL, 0.14}};
  expiry_chain(&f, 3, ist_at(2025, 1, 10, 9, 15, 30), fri, 2);
  write_view(data, "NIFTY", &f.view);
  g6_analyzer_run(a, (double)f.view.generated_at + 1);
  char *text = slurp_history(data);
  assert_non_null(text);
  assert_non_null(strstr(text, "\n2025-01-08,0.12,0.13,,\n"));
  assert_non_null(strstr(text, "\n2025-01-09,,0.135,,\n"));
  free(text);
  /* Friday's rank: the 21 seeded closes and Wednesday's, 0.10 ... 0.14 */
  assert_close(val(m, &g6m_def_iv_history_days, "NIFTY", "this_week"), 22, 0);
  assert_close(val(m, &g6m_def_iv_rank, "NIFTY", "this_week"),
               (0.125 - 0.10) / (0.14 - 0.10), 1e-9);
  g6_analyzer_free(a);

  /* an index collecting only this_week: its expiry day has no close at
   * all, so no line is added for it (not an empty one, not a 0) */
  snprintf(data, sizeof(data), "%s/expiry_only", dir);
  a = make(data, ix, 1, G6_AG_DESK, m);
  expiry_chain(&f, 1, ist_at(2025, 1, 9, 15, 29, 30), thu, 1);
  write_view(data, "NIFTY", &f.view);
  g6_analyzer_run(a, (double)f.view.generated_at + 1);
  expiry_chain(&f, 2, ist_at(2025, 1, 10, 15, 29, 30), fri, 1);
  write_view(data, "NIFTY", &f.view);
  g6_analyzer_run(a, (double)f.view.generated_at + 1);
  assert_null(slurp_history(data)); /* Thursday kept nothing */
  g6_analyzer_run(a, (double)ist_at(2025, 1, 11, 0, 0, 30));
  text = slurp_history(data);
  assert_non_null(text);
  assert_string_equal(text, "date,this_week,next_week,this_month,next_month\n"
                            "2025-01-10,0.125,,,\n");
  free(text);
  g6_analyzer_free(a);
  g6_metrics_free(m);
}

/* The exchange's calendar, 2025 (exchange-calendar.md): NIFTY's weekly of
 * Tuesday 2025-10-21 (Diwali, a holiday) was moved to Monday 2025-10-20,
 * and 2025-10-21 had a Muhurat session, 13:45-14:45. The moved expiry's
 * close is left out on the date the contract really expires (its listed
 * date); the Muhurat session is a session of its own date and keeps its
 * close like any other; so does the Budget session of Saturday
 * 2025-02-01. */
static void moved_expiry_and_special_sessions(void **state) {
  (void)state;
  char data[300];
  snprintf(data, sizeof(data), "%s/special", dir);
  g6_metrics *m = new_metrics();
  const char *ix[] = {"NIFTY"};
  g6_analyzer *a = make(data, ix, 1, G6_AG_DESK, m);
  snapfix f;
  /* Budget Saturday; this_week is Thursday's weekly (2025-02-06) */
  fix_expiry sat[1] = {
      {"this_week", G6_EXPIRY_THIS_WEEK, {2025, 2, 6}, NULL, 0.16}};
  expiry_chain(&f, 1, ist_at(2025, 2, 1, 15, 29, 40), sat, 1);
  write_view(data, "NIFTY", &f.view);
  g6_analyzer_run(a, (double)f.view.generated_at + 1);
  /* Monday 2025-10-20, the moved weekly's expiry day */
  fix_expiry mon[2] = {
      {"this_week", G6_EXPIRY_THIS_WEEK, {2025, 10, 20}, last_minute_px, NAN},
      {"next_week", G6_EXPIRY_NEXT_WEEK, {2025, 10, 28}, NULL, 0.11}};
  expiry_chain(&f, 2, ist_at(2025, 10, 20, 15, 29, 50), mon, 2);
  write_view(data, "NIFTY", &f.view);
  g6_analyzer_run(a, (double)f.view.generated_at + 1);
  /* the Muhurat hour: this_week is the weekly of 2025-10-28 */
  fix_expiry muhurat[2] = {
      {"this_week", G6_EXPIRY_THIS_WEEK, {2025, 10, 28}, NULL, 0.105},
      {"next_week", G6_EXPIRY_NEXT_WEEK, {2025, 11, 4}, NULL, 0.115}};
  expiry_chain(&f, 3, ist_at(2025, 10, 21, 14, 44, 30), muhurat, 2);
  write_view(data, "NIFTY", &f.view);
  g6_analyzer_run(a, (double)f.view.generated_at + 1);
  g6_analyzer_run(a, (double)ist_at(2025, 10, 22, 0, 0, 30));
  char *text = slurp_history(data);
  assert_non_null(text);
  assert_string_equal(text, "date,this_week,next_week,this_month,next_month\n"
                            "2025-02-01,0.16,,,\n"
                            "2025-10-20,,0.11,,\n"
                            "2025-10-21,0.105,0.115,,\n");
  free(text);
  g6_analyzer_free(a);
  g6_metrics_free(m);
}

/* A read callback that dispatches while a run is in progress: it must see
 * the previous run whole, none of this run's values, however far the run
 * got (the run stores its results aside and publishes them at its end).
 * The analyzer's log line for BANKNIFTY's missing file comes after NIFTY's
 * new snapshot was analysed and before the run ends: the flush made there
 * stands for a read callback of collectd at that moment. */
static struct {
  bool capture;
  double nifty_analysed, bank_missing;
  int flushes;
} mid;

static int mid_dispatch(void *ctx, const g6_metrics_vl *vl) {
  (void)ctx;
  if (!mid.capture)
    return 0;
  if (strcmp(vl->type, g6m_def_analyzed_snapshots.type) == 0 &&
      strcmp(vl->plugin_instance, "NIFTY") == 0)
    mid.nifty_analysed = (double)vl->derive;
  if (strcmp(vl->type, g6m_def_snapshot_read_failures.type) == 0 &&
      strcmp(vl->plugin_instance, "BANKNIFTY") == 0 &&
      strcmp(vl->type_instance, "missing") == 0)
    mid.bank_missing = (double)vl->derive;
  return 0;
}

static void mid_log(void *ctx, int level, const char *msg) {
  (void)level;
  (void)msg;
  mid.capture = true;
  g6_metrics_flush(ctx);
  mid.capture = false;
  mid.flushes++;
}

static void a_run_is_published_whole(void **state) {
  (void)state;
  char data[300];
  snprintf(data, sizeof(data), "%s/whole", dir);
  g6_metrics_sink s = {mid_dispatch, NULL, NULL};
  g6_metrics *m = g6_metrics_new("g6_analytics", &s);
  assert_non_null(m);
  const char *ix[] = {"NIFTY", "BANKNIFTY"};
  g6_analyzer_config c = {.data_dir = data,
                          .indices = ix,
                          .n_indices = 2,
                          .groups = G6_AG_ALL,
                          .report = G6_REPORT_OPTIONS_DEFAULT};
  g6_analyzer *a = g6_analyzer_new(&c, m, mid_log, m);
  assert_non_null(a);
  assert_int_equal(g6_analyzer_warm(a), G6_OK);
  snapfix f;
  snapfix_small(&f);
  write_view(data, "NIFTY", &f.view);
  char *t = snapfix_text(&f.view);
  char *bank = snapfix_replace(t, "\"NIFTY\"", "\"BANKNIFTY\"");
  assert_non_null(bank);
  write_text(data, "BANKNIFTY", bank, strlen(bank));
  double now = (double)SNAPFIX_NOW + 60;
  g6_analyzer_run(a, now);
  assert_close(val(m, &g6m_def_analyzed_snapshots, "NIFTY", NULL), 1, 0);
  assert_close(val(m, &g6m_def_analyzed_snapshots, "BANKNIFTY", NULL), 1, 0);
  g6_metrics_flush(m); /* a read: the counters' first dispatch, at 0 */

  /* run 2: NIFTY has a new snapshot, BANKNIFTY's file is gone (logged) */
  f.view.seq = 42;
  write_view(data, "NIFTY", &f.view);
  char path[512];
  snprintf(path, sizeof(path), "%s/snapshots/BANKNIFTY.json", data);
  assert_int_equal(unlink(path), 0);
  mid.flushes = 0;
  mid.nifty_analysed = mid.bank_missing = -1;
  g6_analyzer_run(a, now + 5);
  assert_int_equal(mid.flushes, 1);
  /* mid-run: the first run's values, whole */
  assert_close(mid.nifty_analysed, 1, 0);
  assert_close(mid.bank_missing, 0, 0);
  /* after it: the second run's, whole */
  assert_close(val(m, &g6m_def_analyzed_snapshots, "NIFTY", NULL), 2, 0);
  assert_close(val(m, &g6m_def_snapshot_read_failures, "BANKNIFTY",
                   "missing"),
               1, 0);
  free(bank);
  free(t);
  g6_analyzer_free(a);
  g6_metrics_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(values_failures_and_recovery),
      cmocka_unit_test(index_name_case_hint),
      cmocka_unit_test(desk_figures_by_hand),
      cmocka_unit_test(closes_kept_once_per_session),
      cmocka_unit_test(close_blocked_by_a_later_line),
      cmocka_unit_test(closes_of_snapshots_out_of_their_day),
      cmocka_unit_test(unwritten_close_survives_the_next_session),
      cmocka_unit_test(unwritten_closes_are_bounded),
      cmocka_unit_test(expiry_day_close_left_out),
      cmocka_unit_test(moved_expiry_and_special_sessions),
      cmocka_unit_test(groups_and_discovery),
      cmocka_unit_test(parity_forward_and_flagged_legs),
      cmocka_unit_test(a_run_is_published_whole),
  };
  cmocka_set_message_output(CM_OUTPUT_TAP);
  return cmocka_run_group_tests(tests, setup, teardown);
}
