/* g6_chain's metric mapping (collector/chain_metrics.h): unknown is NaN,
 * never 0 (issue 10, item 6), Kite's error types and the adaptive rate
 * limiter reach their series, and counters only ever add. */
#include "g6_test.h"

#include "collector/chain_metrics.h"
#include "metrics/metrics_gen.h"

#include <errno.h>

static int no_dispatch(void *ctx, const g6_metrics_vl *vl) {
  (void)ctx;
  (void)vl;
  return 0;
}

static g6_metrics *runtime(void) {
  g6_metrics_sink sink = {no_dispatch, NULL, NULL};
  return g6_metrics_new("g6_chain", &sink);
}

static double val(g6_metrics *m, const g6_metric_def *def, const char *pi,
                  const char *ti) {
  double v = -12345;
  if (!g6_metrics_value(m, def, pi, ti, &v))
    fail_msg("%s{%s,%s} not admitted", def->name, pi ? pi : "",
             ti ? ti : "");
  return v;
}

static g6_index_config nifty(void) {
  g6_index_config ix;
  memset(&ix, 0, sizeof(ix));
  snprintf(ix.name, sizeof(ix.name), "NIFTY");
  g6_expiry_spec_parse("this_week", &ix.expiries[0]);
  g6_expiry_spec_parse("next_week", &ix.expiries[1]);
  ix.n_expiries = 2;
  return ix;
}

/* Where every cycle test starts: a metric runtime warm-started for ix as
 * g6_chain does at init (g6_chain_metrics_warm), and the index's metric
 * state and a cycle result, zeroed. The caller frees the runtime. */
static g6_metrics *warm_up(const g6_index_config *ix,
                           g6_chain_index_metrics *st, g6_cycle_result *r) {
  g6_metrics *m = runtime();
  const g6_index_config *ixs[] = {ix};
  g6_chain_metrics_warm(m, ixs, 1);
  memset(st, 0, sizeof(*st));
  memset(r, 0, sizeof(*r));
  return m;
}

/* Before the first cycle every gauge is unknown except what is known:
 * status EMPTY (nothing collected), last success 0 (never) and no CSV row
 * pending. */
static void warm_start_unknown_is_nan(void **state) {
  (void)state;
  g6_metrics *m = runtime();
  g6_index_config ix = nifty();
  const g6_index_config *ixs[] = {&ix};
  assert_int_equal(g6_chain_metrics_warm(m, ixs, 1), G6_OK);
  assert_true(isnan(val(m, &g6m_def_index_spot, "NIFTY", NULL)));
  assert_true(isnan(val(m, &g6m_def_index_atm, "NIFTY", NULL)));
  assert_true(isnan(val(m, &g6m_def_vix, "NIFTY", NULL)));
  assert_true(isnan(val(m, &g6m_def_put_call_ratio, "NIFTY", "this_week")));
  assert_true(
      isnan(val(m, &g6m_def_put_call_ratio_missing, "NIFTY", "this_week")));
  assert_true(isnan(val(m, &g6m_def_strike_coverage, "NIFTY", "next_week")));
  assert_true(isnan(val(m, &g6m_def_index_calendar_days, "NIFTY", NULL)));
  assert_close(val(m, &g6m_def_chain_status, "NIFTY", "this_week"),
               G6_CHAIN_EMPTY, 0);
  assert_close(val(m, &g6m_def_last_success, "NIFTY", NULL), 0, 0);
  assert_close(val(m, &g6m_def_rejected_legs, "NIFTY", "request_failed"), 0,
               0);
  assert_close(val(m, &g6m_def_iv_failures, "NIFTY", "at_intrinsic"), 0, 0);
  assert_close(val(m, &g6m_def_cycles, "NIFTY", "ok"), 0, 0);
  assert_close(val(m, &g6m_def_cycles, "NIFTY", "closed"), 0, 0);
  /* quote sanity: counters of the configured tags at 0, the share NaN;
   * tags NIFTY is not configured with are not exported */
  assert_close(val(m, &g6m_def_arb_violations, "NIFTY", "next_week.calendar"),
               0, 0);
  assert_true(
      isnan(val(m, &g6m_def_arb_flagged_ratio, "NIFTY", "this_week")));
  double v;
  assert_false(g6_metrics_value(m, &g6m_def_arb_violations, "NIFTY",
                                "this_month.bounds", &v));
  assert_false(g6_metrics_value(m, &g6m_def_arb_flagged_ratio, "NIFTY",
                                "next_month", &v));
  g6_metrics_free(m);
}

/* The CSV sink's counters are cumulative: each cycle adds the increments;
 * the rows held for retry are a gauge that falls back to 0 once an append
 * works again (what the aggregation plugin sums per host). */
static void csv_counters_add_and_pending_is_a_gauge(void **state) {
  (void)state;
  g6_index_config ix = nifty();
  g6_chain_index_metrics st;
  g6_cycle_result r;
  g6_metrics *m = warm_up(&ix, &st, &r);
  /* nothing held for retry before the first append: a known 0 for the
   * configured tags and the overview file (what the host's sum needs to
   * exist), nothing for a tag NIFTY is not configured with */
  assert_close(val(m, &g6m_def_csv_pending_rows, "NIFTY", "this_week"), 0, 0);
  assert_close(val(m, &g6m_def_csv_pending_rows, "NIFTY", "next_week"), 0, 0);
  assert_close(val(m, &g6m_def_csv_pending_rows, "NIFTY", "overview"), 0, 0);
  double none;
  assert_false(g6_metrics_value(m, &g6m_def_csv_pending_rows, "NIFTY",
                                "this_month", &none));
  g6_csv_family_stats fam[2];
  memset(fam, 0, sizeof(fam));
  snprintf(fam[0].name, sizeof(fam[0].name), "this_week");
  snprintf(fam[1].name, sizeof(fam[1].name), "overview");
  fam[0].st.rows_written = 21;
  fam[0].st.rows_pending = 42; /* two cycles of a failing directory */
  fam[0].failures[G6_ENOSPC] = 2;
  fam[1].st.rows_written = 1;
  g6_chain_metrics_cycle(m, &ix, &r, fam, 2, &st);
  assert_close(val(m, &g6m_def_csv_rows, "NIFTY", "this_week"), 21, 0);
  assert_close(val(m, &g6m_def_csv_pending_rows, "NIFTY", "this_week"), 42, 0);
  assert_close(val(m, &g6m_def_csv_pending_rows, "NIFTY", "overview"), 0, 0);
  assert_close(val(m, &g6m_def_csv_write_failures, "NIFTY", "nospace"), 2, 0);
  fam[0].st.rows_written = 84; /* the held rows went out with this cycle's */
  fam[0].st.rows_pending = 0;
  g6_chain_metrics_cycle(m, &ix, &r, fam, 2, &st);
  assert_close(val(m, &g6m_def_csv_rows, "NIFTY", "this_week"), 84, 0);
  assert_close(val(m, &g6m_def_csv_pending_rows, "NIFTY", "this_week"), 0, 0);
  assert_close(val(m, &g6m_def_csv_write_failures, "NIFTY", "nospace"), 2, 0);
  g6_metrics_free(m);
}

/* CSV rows not written are counted by reason: a contract withheld from a
 * tag directory another rule's contract owns (tag_collision, from the
 * cycle), and the sink's duplicate and behind rows (cumulative, added by
 * increment). Every reason is exported at 0 from the warm start. */
static void csv_skipped_rows_by_reason(void **state) {
  (void)state;
  g6_index_config ix = nifty();
  g6_chain_index_metrics st;
  g6_cycle_result r;
  g6_metrics *m = warm_up(&ix, &st, &r);
  const char *reasons[] = {"tag_collision", "duplicate", "behind",
                           "retry_buffer_full"};
  for (int i = 0; i < 4; i++)
    assert_close(val(m, &g6m_def_csv_skipped_rows, "NIFTY", reasons[i]), 0, 0);
  r.attempted = r.market_open = true;
  r.n_expiries = 2;
  r.expiries[0].tag = "this_week";
  r.expiries[1].tag = "this_week";
  r.expiries[1].csv_withheld = true;
  r.expiries[1].csv_rows_withheld = 5;
  g6_csv_family_stats fam[1];
  memset(fam, 0, sizeof(fam));
  snprintf(fam[0].name, sizeof(fam[0].name), "this_week");
  fam[0].st.duplicates = 3;
  fam[0].st.behind = 2;
  fam[0].st.rows_dropped = 7; /* the retry buffer was full */
  g6_chain_metrics_cycle(m, &ix, &r, fam, 1, &st);
  assert_close(val(m, &g6m_def_csv_skipped_rows, "NIFTY", "tag_collision"), 5,
               0);
  assert_close(val(m, &g6m_def_csv_skipped_rows, "NIFTY", "duplicate"), 3, 0);
  assert_close(val(m, &g6m_def_csv_skipped_rows, "NIFTY", "behind"), 2, 0);
  assert_close(val(m, &g6m_def_csv_skipped_rows, "NIFTY", "retry_buffer_full"),
               7, 0);
  fam[0].st.duplicates = 4; /* one more since */
  g6_chain_metrics_cycle(m, &ix, &r, fam, 1, &st);
  assert_close(val(m, &g6m_def_csv_skipped_rows, "NIFTY", "tag_collision"),
               10, 0);
  assert_close(val(m, &g6m_def_csv_skipped_rows, "NIFTY", "duplicate"), 4, 0);
  assert_close(val(m, &g6m_def_csv_skipped_rows, "NIFTY", "behind"), 2, 0);
  assert_close(val(m, &g6m_def_csv_skipped_rows, "NIFTY", "retry_buffer_full"),
               7, 0);
  g6_metrics_free(m);
}

/* A provider outage: spot and ATM unknown, nothing collected. PCR and the
 * coverages are ratios with empty denominators: NaN, not 0 (a chart would
 * read 0 as a market event); counts stay numbers. */
static void outage_exports_nan_not_zero(void **state) {
  (void)state;
  g6_index_config ix = nifty();
  g6_chain_index_metrics st;
  g6_cycle_result r;
  g6_metrics *m = warm_up(&ix, &st, &r);
  r.market_open = r.attempted = true;
  r.error = G6_ECONN;
  r.spot = r.atm = r.vix = NAN;
  r.year = 2026;
  r.calendar_entries = 0;
  r.n_expiries = 2;
  r.status = G6_CHAIN_EMPTY;
  for (int e = 0; e < 2; e++) {
    g6_expiry_result *x = &r.expiries[e];
    x->spec = ix.expiries[e];
    x->tag = g6_expiry_tags[e];
    x->status = G6_CHAIN_EMPTY;
    x->legs_requested = 42;
    x->pcr_missing_oi = x->pcr_missing_volume = 42;
    x->strike_coverage = x->field_coverage = NAN;
    x->pcr_oi = x->pcr_volume = NAN;
  }
  g6_chain_metrics_cycle(m, &ix, &r, NULL, 0, &st);
  assert_true(isnan(val(m, &g6m_def_index_spot, "NIFTY", NULL)));
  assert_true(isnan(val(m, &g6m_def_index_atm, "NIFTY", NULL)));
  assert_true(isnan(val(m, &g6m_def_vix, "NIFTY", NULL)));
  assert_true(isnan(val(m, &g6m_def_put_call_ratio, "NIFTY", "this_week")));
  assert_true(isnan(val(m, &g6m_def_strike_coverage, "NIFTY", "this_week")));
  assert_true(isnan(val(m, &g6m_def_field_coverage, "NIFTY", "next_week")));
  assert_close(val(m, &g6m_def_legs_collected, "NIFTY", "this_week"), 0, 0);
  assert_close(val(m, &g6m_def_legs_requested, "NIFTY", "this_week"), 42, 0);
  /* every leg asked for is missing from the ratio: a known count */
  assert_close(val(m, &g6m_def_put_call_ratio_missing, "NIFTY", "this_week"),
               42, 0);
  assert_close(val(m, &g6m_def_index_market_open, "NIFTY", NULL), 1, 0);
  /* a calendar that says nothing about this year is a known 0 */
  assert_close(val(m, &g6m_def_index_calendar_days, "NIFTY", NULL), 0, 0);
  /* the next good cycle replaces every NaN with its number */
  r.error = G6_OK;
  r.success = true;
  r.spot = 24812.35;
  r.atm = 24800;
  r.vix = 13.4725;
  r.calendar_entries = 17;
  r.expiries[0].legs_collected = 40;
  r.expiries[0].strike_coverage = 1;
  r.expiries[0].field_coverage = 0.5;
  r.expiries[0].pcr_oi = 1.5;
  r.expiries[0].pcr_missing_oi = 2; /* a number, but a biased one */
  r.expiries[0].pcr_missing_volume = 1;
  r.expiries[1].pcr_missing_oi = 0;
  r.expiries[0].status = G6_CHAIN_PARTIAL;
  r.status = G6_CHAIN_PARTIAL;
  r.expiries[0].rejects[G6_REJECT_REQUEST_FAILED] = 2;
  r.expiries[0].iv_failures[G6_EAT_INTRINSIC] = 3;
  g6_chain_metrics_cycle(m, &ix, &r, NULL, 0, &st);
  assert_close(val(m, &g6m_def_index_spot, "NIFTY", NULL), 24812.35, 0);
  assert_close(val(m, &g6m_def_vix, "NIFTY", NULL), 13.4725, 0);
  assert_close(val(m, &g6m_def_put_call_ratio, "NIFTY", "this_week"), 1.5, 0);
  assert_close(val(m, &g6m_def_put_call_ratio_missing, "NIFTY", "this_week"), 2,
               0);
  assert_close(val(m, &g6m_def_put_call_ratio_missing, "NIFTY", "next_week"), 0,
               0);
  assert_close(val(m, &g6m_def_field_coverage, "NIFTY", "this_week"), 0.5, 0);
  assert_true(isnan(val(m, &g6m_def_put_call_ratio, "NIFTY", "next_week")));
  assert_close(val(m, &g6m_def_index_calendar_days, "NIFTY", NULL), 17, 0);
  assert_close(val(m, &g6m_def_rejected_legs, "NIFTY", "request_failed"), 2,
               0);
  assert_close(val(m, &g6m_def_iv_failures, "NIFTY", "at_intrinsic"), 3, 0);
  /* no leg checked during the outage nor in next_week: NaN, not 0 */
  assert_true(
      isnan(val(m, &g6m_def_arb_flagged_ratio, "NIFTY", "next_week")));
  /* every cycle has an outcome, and they add up to the cycles observed */
  r.market_open = r.attempted = false;
  r.expiries[0].status = G6_CHAIN_EMPTY; /* what a closed cycle says */
  g6_chain_metrics_cycle(m, &ix, &r, NULL, 0, &st);
  /* outside the session the gauges keep the last session's values, the
   * status with them (EMPTY beside a coverage of 0.5 told two stories) */
  assert_close(val(m, &g6m_def_chain_status, "NIFTY", "this_week"),
               G6_CHAIN_PARTIAL, 0);
  assert_close(val(m, &g6m_def_field_coverage, "NIFTY", "this_week"), 0.5, 0);
  assert_close(val(m, &g6m_def_index_market_open, "NIFTY", NULL), 0, 0);
  assert_close(val(m, &g6m_def_cycles, "NIFTY", "empty"), 1, 0);
  assert_close(val(m, &g6m_def_cycles, "NIFTY", "partial"), 1, 0);
  assert_close(val(m, &g6m_def_cycles, "NIFTY", "closed"), 1, 0);
  assert_close(val(m, &g6m_def_cycles, "NIFTY", "ok"), 0, 0);
  g6_metrics_free(m);
}

/* The no-arbitrage checks of a cycle: the share of flagged legs per expiry,
 * violations per expiry.rule added every cycle (a quote that stays bad keeps
 * counting), a date-pinned expiry labelled with its date. */
static void quote_sanity_counts(void **state) {
  (void)state;
  g6_index_config ix = nifty();
  g6_expiry_spec_parse("2025-01-30", &ix.expiries[1]);
  g6_chain_index_metrics st;
  g6_cycle_result r;
  g6_metrics *m = warm_up(&ix, &st, &r);
  r.market_open = r.attempted = r.success = true;
  r.spot = 24812.35;
  r.n_expiries = 2;
  for (int e = 0; e < 2; e++) {
    g6_expiry_result *x = &r.expiries[e];
    x->spec = ix.expiries[e];
    x->tag = e ? "this_month" : "this_week";
    x->resolved = true;
    x->arb_checked = 40;
    x->strike_coverage = x->field_coverage = x->pcr_oi = NAN;
  }
  r.expiries[0].arb_flagged = 3;
  r.expiries[0].arb_violations[G6_ARB_CROSSED] = 1;
  r.expiries[0].arb_violations[G6_ARB_VERTICAL] = 2;
  r.expiries[1].arb_flagged = 1;
  r.expiries[1].arb_violations[G6_ARB_CALENDAR] = 1;
  for (int cycle = 1; cycle <= 2; cycle++) {
    g6_chain_metrics_cycle(m, &ix, &r, NULL, 0, &st);
    assert_close(val(m, &g6m_def_arb_flagged_ratio, "NIFTY", "this_week"),
                 3.0 / 40, 1e-15);
    assert_close(val(m, &g6m_def_arb_flagged_ratio, "NIFTY", "2025-01-30"),
                 1.0 / 40, 1e-15);
    assert_close(
        val(m, &g6m_def_arb_violations, "NIFTY", "this_week.vertical"),
        2 * cycle, 0);
    assert_close(
        val(m, &g6m_def_arb_violations, "NIFTY", "this_week.crossed"), cycle,
        0);
    assert_close(
        val(m, &g6m_def_arb_violations, "NIFTY", "this_week.bounds"), 0, 0);
    assert_close(
        val(m, &g6m_def_arb_violations, "NIFTY", "2025-01-30.calendar"),
        cycle, 0);
  }
  assert_int_equal(g6_metrics_refusal_count(m, NULL), 0);
  g6_metrics_free(m);
}

/* The Kite client's counters: the error types are results of their own,
 * the rate limiters export effective and configured rates (an unlimited
 * one as +Inf, not 0), and a cache never looked up has no hit ratio. */
static void provider_results_and_rates(void **state) {
  (void)state;
  g6_metrics *m = runtime();
  g6_kite_stats s, prev;
  memset(&s, 0, sizeof(s));
  memset(&prev, 0, sizeof(prev));
  s.requests[G6_KITE_EP_QUOTE][G6_KITE_R_FORBIDDEN] = 3;
  s.requests[G6_KITE_EP_QUOTE][G6_KITE_R_FOREIGN_BODY] = 2;
  s.retries_by[G6_KITE_EP_QUOTE][G6_KITE_R_UPSTREAM] = 4;
  s.quotes_bad_time[G6_KITE_EP_QUOTE] = 5;
  s.cache_hit_ratio = NAN;
  s.ratelimit_rate[G6_KITE_LIMITER_QUOTE] = 0.25;
  s.ratelimit_configured[G6_KITE_LIMITER_QUOTE] = 2;
  g6_chain_metrics_provider(m, &s, &prev);
  assert_close(val(m, &g6m_def_api_calls, "quote", "forbidden"), 3, 0);
  assert_close(val(m, &g6m_def_api_calls, "quote", "foreign_body"), 2, 0);
  assert_close(val(m, &g6m_def_api_retries, "quote", "upstream"), 4, 0);
  /* kept quotes with an unreadable time: counted, by endpoint */
  assert_close(val(m, &g6m_def_api_unreadable_time_quotes, "quote", NULL), 5, 0);
  s.quotes_bad_time[G6_KITE_EP_LTP] = 2;
  g6_chain_metrics_provider(m, &s, &prev);
  assert_close(val(m, &g6m_def_api_unreadable_time_quotes, "quote", NULL), 5, 0);
  assert_close(val(m, &g6m_def_api_unreadable_time_quotes, "ltp", NULL), 2, 0);
  assert_true(isnan(val(m, &g6m_def_api_cache_hit_ratio, "quote", NULL)));
  assert_close(val(m, &g6m_def_api_ratelimit_rate, "quote", "effective"), 0.25,
               0);
  assert_close(val(m, &g6m_def_api_ratelimit_rate, "quote", "configured"), 2,
               0);
  assert_true(isinf(val(m, &g6m_def_api_ratelimit_rate, "other", "configured")));
  assert_true(isinf(val(m, &g6m_def_api_ratelimit_rate, "other", "effective")));
  assert_int_equal(g6_metrics_refusal_count(m, NULL), 0);
  g6_metrics_free(m);
}

/* A provider-imposed pause is exported per limiter while it lasts, and as
 * a known 0 (not NaN, not absent) for a limiter without one and after it. */
static void provider_pause_is_exported(void **state) {
  (void)state;
  g6_metrics *m = runtime();
  g6_kite_stats s, prev;
  memset(&s, 0, sizeof(s));
  memset(&prev, 0, sizeof(prev));
  s.cache_hit_ratio = NAN;
  s.ratelimit_pause_s[G6_KITE_LIMITER_QUOTE] = 287.5;
  g6_chain_metrics_provider(m, &s, &prev);
  assert_close(val(m, &g6m_def_api_ratelimit_pause, "quote", NULL), 287.5, 0);
  assert_close(val(m, &g6m_def_api_ratelimit_pause, "other", NULL), 0, 0);
  s.ratelimit_pause_s[G6_KITE_LIMITER_QUOTE] = 0;
  g6_chain_metrics_provider(m, &s, &prev);
  assert_close(val(m, &g6m_def_api_ratelimit_pause, "quote", NULL), 0, 0);
  assert_int_equal(g6_metrics_refusal_count(m, NULL), 0);
  g6_metrics_free(m);
}

/* Every 5xx answer is retried whatever its Kite error type (kite.c,
 * retryable()), so every result a request can have is a possible retry
 * cause: each is exported under its own name, none refused by the closed
 * api_error domain (a 503 with InputException was refused as bad_request
 * and fired G6MetricRefusals; so was "internal", an out-of-memory while a
 * 5xx answer was read). Only ok (no error) and circuit_open (decided
 * before any attempt) never cause a retry. */
static void every_retry_cause_exported(void **state) {
  (void)state;
  g6_metrics *m = runtime();
  g6_kite_stats s, prev;
  memset(&s, 0, sizeof(s));
  memset(&prev, 0, sizeof(prev));
  s.cache_hit_ratio = NAN;
  for (int r = 0; r < G6_KITE_R_COUNT; r++)
    if (r != G6_KITE_R_OK && r != G6_KITE_R_CIRCUIT_OPEN)
      s.retries_by[G6_KITE_EP_QUOTE][r] = (uint64_t)r;
  g6_chain_metrics_provider(m, &s, &prev);
  for (int r = 0; r < G6_KITE_R_COUNT; r++)
    if (r != G6_KITE_R_OK && r != G6_KITE_R_CIRCUIT_OPEN)
      assert_close(val(m, &g6m_def_api_retries, "quote",
                       g6_kite_result_name((g6_kite_result)r)),
                   r, 0);
  assert_int_equal(g6_metrics_refusal_count(m, NULL), 0);
  g6_metrics_free(m);
}

/* Storage faults reach their counters: a torn tail cut before an append
 * (by file family, by increment) and a snapshot that could not be written
 * (by g6_status, once per cycle; the cycle's outcome stays ok). */
static void storage_faults_counted(void **state) {
  (void)state;
  g6_index_config ix = nifty();
  g6_chain_index_metrics st;
  g6_cycle_result r;
  g6_metrics *m = warm_up(&ix, &st, &r);
  r.attempted = r.market_open = r.success = true;
  r.snapshot_written = true;
  r.snapshot_status = G6_ENOSPC;
  g6_csv_family_stats fam[1];
  memset(fam, 0, sizeof(fam));
  snprintf(fam[0].name, sizeof(fam[0].name), "overview");
  fam[0].st.torn_repaired = 1;
  g6_chain_metrics_cycle(m, &ix, &r, fam, 1, &st);
  g6_chain_metrics_cycle(m, &ix, &r, fam, 1, &st); /* no new repair */
  assert_close(val(m, &g6m_def_csv_torn_tail_repairs, "NIFTY", "overview"), 1,
               0);
  assert_close(val(m, &g6m_def_snapshot_write_failures, "NIFTY", "nospace"),
               2, 0);
  assert_close(val(m, &g6m_def_cycles, "NIFTY", "ok"), 2, 0);
  r.snapshot_status = G6_OK; /* writing again: nothing more counted */
  fam[0].st.torn_repaired = 3;
  g6_chain_metrics_cycle(m, &ix, &r, fam, 1, &st);
  assert_close(val(m, &g6m_def_csv_torn_tail_repairs, "NIFTY", "overview"), 3,
               0);
  assert_close(val(m, &g6m_def_snapshot_write_failures, "NIFTY", "nospace"),
               2, 0);
  g6_metrics_free(m);
}

/* A read-only file system (EROFS: the kernel remounts one read-only after
 * an I/O error) is counted as readonly, for CSV appends and snapshots
 * alike, not as permission: the operator looks at the disk, not at file
 * modes. Both values are exported at 0 from the warm start. */
static void read_only_file_system_is_not_permission(void **state) {
  (void)state;
  g6_index_config ix = nifty();
  g6_chain_index_metrics st;
  g6_cycle_result r;
  g6_metrics *m = warm_up(&ix, &st, &r);
  assert_close(val(m, &g6m_def_csv_write_failures, "NIFTY", "readonly"), 0, 0);
  assert_close(val(m, &g6m_def_snapshot_write_failures, "NIFTY", "readonly"),
               0, 0);
  r.attempted = r.market_open = r.success = true;
  r.snapshot_written = true;
  r.snapshot_status = g6_status_from_errno(EROFS);
  g6_csv_family_stats fam[1];
  memset(fam, 0, sizeof(fam));
  snprintf(fam[0].name, sizeof(fam[0].name), "this_week");
  fam[0].failures[g6_status_from_errno(EROFS)] = 3;
  g6_chain_metrics_cycle(m, &ix, &r, fam, 1, &st);
  assert_close(val(m, &g6m_def_csv_write_failures, "NIFTY", "readonly"), 3, 0);
  assert_close(val(m, &g6m_def_csv_write_failures, "NIFTY", "permission"), 0,
               0);
  assert_close(val(m, &g6m_def_snapshot_write_failures, "NIFTY", "readonly"),
               1, 0);
  assert_close(val(m, &g6m_def_snapshot_write_failures, "NIFTY", "permission"),
               0, 0);
  assert_int_equal(g6_metrics_refusal_count(m, NULL), 0);
  g6_metrics_free(m);
}

/* Every cause a CSV append or a snapshot write can fail with is exported at
 * 0 from the warm start. A counter whose label set first appears with its
 * first increment starts at that value: Prometheus' increase() and rate()
 * never count it, so a one-off failure of that cause never fires
 * G6CsvWriteFailing or G6SnapshotWriteFailing. The causes: whatever
 * g6_status_from_errno() maps an errno to, and what the storage code
 * reports itself (invalid: a symbolic link, FIFO or device at a day's
 * file, a path too long; exists: a file where a directory of the layout
 * belongs, g6_mkdir_p; nomem). */
static void every_storage_failure_cause_is_warm(void **state) {
  (void)state;
  bool cause[G6_STATUS_COUNT] = {false};
  for (int e = 1; e < 256; e++)
    cause[g6_status_from_errno(e)] = true;
  cause[G6_EINVAL] = cause[G6_EEXIST] = cause[G6_ENOMEM] = true;
  g6_index_config ix = nifty();
  g6_chain_index_metrics st;
  g6_cycle_result r;
  g6_metrics *m = warm_up(&ix, &st, &r);
  for (int k = 1; k < G6_STATUS_COUNT; k++) {
    if (!cause[k])
      continue;
    const char *t = g6_status_name((g6_status)k);
    double v = -1;
    if (!g6_metrics_value(m, &g6m_def_csv_write_failures, "NIFTY", t, &v) ||
        v != 0)
      fail_msg("csv_write_failures{NIFTY,%s} is not warm at 0", t);
    if (!g6_metrics_value(m, &g6m_def_snapshot_write_failures, "NIFTY", t,
                          &v) ||
        v != 0)
      fail_msg("snapshot_write_failures{NIFTY,%s} is not warm at 0", t);
  }
  /* a failure of each cause adds to a series that was there */
  size_t csv0 = g6_metrics_series_count(m, &g6m_def_csv_write_failures);
  size_t snap0 = g6_metrics_series_count(m, &g6m_def_snapshot_write_failures);
  g6_csv_family_stats fam[1];
  memset(fam, 0, sizeof(fam));
  snprintf(fam[0].name, sizeof(fam[0].name), "this_week");
  for (int k = 1; k < G6_STATUS_COUNT; k++)
    if (cause[k])
      fam[0].failures[k] = 1;
  r.attempted = r.market_open = r.success = true;
  r.snapshot_written = true;
  r.snapshot_status = G6_EEXIST;
  g6_chain_metrics_cycle(m, &ix, &r, fam, 1, &st);
  assert_int_equal(g6_metrics_series_count(m, &g6m_def_csv_write_failures),
                   csv0);
  assert_int_equal(g6_metrics_series_count(m, &g6m_def_snapshot_write_failures),
                   snap0);
  assert_close(val(m, &g6m_def_csv_write_failures, "NIFTY", "invalid"), 1, 0);
  assert_close(val(m, &g6m_def_snapshot_write_failures, "NIFTY", "exists"), 1,
               0);
  assert_int_equal(g6_metrics_refusal_count(m, NULL), 0);
  g6_metrics_free(m);
}

/* Counts the series of every counter and histogram of g6_chain. */
static void counter_series(g6_metrics *m, size_t *n) {
  for (size_t d = 0; d < g6m_catalog_len; d++) {
    const g6_metric_def *def = g6m_catalog[d];
    n[d] = def->kind != G6_METRIC_GAUGE && strcmp(def->owner, "g6_chain") == 0
               ? g6_metrics_series_count(m, def)
               : 0;
  }
}

/* No counter series is born after the warm start: one first exported with
 * its first cycle already counted is one Prometheus' increase() and rate()
 * never count, and an alert on it cannot fire for it. A date-pinned expiry
 * (Expiry "2025-01-30") is configured like a tag: its IV solves and its
 * violations of every no-arbitrage rule are exported at 0 from the start,
 * and so are the CSV files of every tag, which its rows go to by days to
 * expiry. A cycle that counts everything it can adds to series that were
 * there. */
static void date_pinned_expiry_counters_are_warm(void **state) {
  (void)state;
  g6_index_config ix = nifty();
  g6_expiry_spec_parse("2025-01-30", &ix.expiries[1]);
  g6_chain_index_metrics st;
  g6_cycle_result r;
  g6_metrics *m = warm_up(&ix, &st, &r);
  assert_close(val(m, &g6m_def_iv_solves, "NIFTY", "this_week"), 0, 0);
  assert_close(val(m, &g6m_def_iv_solves, "NIFTY", "2025-01-30"), 0, 0);
  for (int k = 1; k < G6_ARB_RULE_COUNT; k++) {
    char l[64];
    snprintf(l, sizeof(l), "2025-01-30.%s", g6_arb_rule_name((g6_arb_rule)k));
    assert_close(val(m, &g6m_def_arb_violations, "NIFTY", l), 0, 0);
  }
  for (int t = 0; t < G6_EXPIRY_TAG_COUNT; t++) {
    const char *tag = g6_expiry_tags[t];
    assert_close(val(m, &g6m_def_csv_rows, "NIFTY", tag), 0, 0);
    assert_close(val(m, &g6m_def_csv_bytes, "NIFTY", tag), 0, 0);
    assert_close(val(m, &g6m_def_csv_torn_tail_repairs, "NIFTY", tag), 0, 0);
    assert_close(val(m, &g6m_def_csv_pending_rows, "NIFTY", tag), 0, 0);
  }
  /* nothing collected yet, like a tag's */
  assert_close(val(m, &g6m_def_chain_status, "NIFTY", "2025-01-30"),
               G6_CHAIN_EMPTY, 0);
  size_t before[512], after[512];
  assert_true(g6m_catalog_len <= 512);
  counter_series(m, before);

  r.market_open = r.attempted = r.success = true;
  r.spot = 24812.35;
  r.n_expiries = 2;
  r.snapshot_status = G6_ENOSPC;
  for (int e = 0; e < 2; e++) {
    g6_expiry_result *x = &r.expiries[e];
    x->spec = ix.expiries[e];
    x->tag = e ? "this_month" : "this_week"; /* the date's, by its days */
    x->resolved = true;
    x->iv_ok = 7;
    x->strike_coverage = x->field_coverage = x->pcr_oi = NAN;
    x->csv_rows_withheld = 1;
    for (int k = 1; k < G6_ARB_RULE_COUNT; k++)
      x->arb_violations[k] = 1;
    for (int k = 1; k < G6_REJECT_REASON_COUNT; k++)
      x->rejects[k] = 1;
    x->iv_failures[G6_EBELOW_INTRINSIC] = 1;
  }
  g6_csv_family_stats fam[3];
  memset(fam, 0, sizeof(fam));
  const char *names[] = {"this_week", "this_month", "overview"};
  for (int f = 0; f < 3; f++) {
    snprintf(fam[f].name, sizeof(fam[f].name), "%s", names[f]);
    fam[f].st.rows_written = 10;
    fam[f].st.bytes_written = 1000;
    fam[f].st.torn_repaired = 1;
    fam[f].st.duplicates = fam[f].st.behind = fam[f].st.rows_dropped = 1;
    fam[f].failures[G6_ENOSPC] = 1;
  }
  g6_chain_metrics_cycle(m, &ix, &r, fam, 3, &st);
  g6_chain_metrics_cpu(m, &ix, 0.5, &st);
  g6_kite_stats ks, prev;
  memset(&ks, 0, sizeof(ks));
  memset(&prev, 0, sizeof(prev));
  ks.cache_hit_ratio = NAN;
  for (int ep = 0; ep < G6_KITE_EP_COUNT; ep++)
    for (int k = 0; k < G6_KITE_R_COUNT; k++)
      ks.requests[ep][k] = ks.retries_by[ep][k] = 1;
  g6_chain_metrics_provider(m, &ks, &prev);
  counter_series(m, after);
  for (size_t d = 0; d < g6m_catalog_len; d++)
    if (after[d] != before[d])
      fail_msg("%s: %zu series after the warm start, %zu after a cycle",
               g6m_catalog[d]->name, before[d], after[d]);
  assert_close(val(m, &g6m_def_iv_solves, "NIFTY", "2025-01-30"), 7, 0);
  assert_close(val(m, &g6m_def_csv_rows, "NIFTY", "this_month"), 10, 0);
  assert_close(
      val(m, &g6m_def_arb_violations, "NIFTY", "2025-01-30.butterfly"), 1, 0);
  g6_metrics_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(warm_start_unknown_is_nan),
      cmocka_unit_test(csv_counters_add_and_pending_is_a_gauge),
      cmocka_unit_test(csv_skipped_rows_by_reason),
      cmocka_unit_test(outage_exports_nan_not_zero),
      cmocka_unit_test(provider_results_and_rates),
      cmocka_unit_test(provider_pause_is_exported),
      cmocka_unit_test(every_retry_cause_exported),
      cmocka_unit_test(quote_sanity_counts),
      cmocka_unit_test(storage_faults_counted),
      cmocka_unit_test(read_only_file_system_is_not_permission),
      cmocka_unit_test(every_storage_failure_cause_is_warm),
      cmocka_unit_test(date_pinned_expiry_counters_are_warm),
  };
  return G6_RUN_TESTS(tests);
}
