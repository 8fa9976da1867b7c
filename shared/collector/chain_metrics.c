/* g6_chain's metrics (see collector/chain_metrics.h). */
#include "collector/chain_metrics.h"

#include "collector/quote_checks.h"
#include "core/clock.h"
#include "market/breaker.h"
#include "market/kite.h"
#include "metrics/metrics_gen.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static bool has_tag(const g6_index_config *ix, const char *tag) {
  for (size_t k = 0; k < ix->n_expiries; k++) {
    const g6_expiry_spec *sp = &ix->expiries[k];
    if (sp->rule != G6_EXPIRY_DATE &&
        strcmp(g6_expiry_tags[sp->rule], tag) == 0)
      return true;
  }
  return false;
}

/* The expiry tag a type label starts with: the label itself, or what is
 * before the dot of a compound one (this_week.butterfly). */
static bool tag_of(const char *label, char tag[16]) {
  size_t n = strcspn(label, ".");
  if (n >= 16)
    return false;
  memcpy(tag, label, n);
  tag[n] = '\0';
  return true;
}

static bool has_date(const g6_index_config *ix) {
  for (size_t k = 0; k < ix->n_expiries; k++)
    if (ix->expiries[k].rule == G6_EXPIRY_DATE)
      return true;
  return false;
}

/* Expiry label of a rule: its tag, or its date (a date-pinned rule). */
static const char *rule_label(const g6_expiry_spec *sp, char buf[11]) {
  if (sp->rule == G6_EXPIRY_DATE) {
    g6_date_format(sp->date, buf);
    return buf;
  }
  return g6_expiry_tags[sp->rule];
}

/* Warm start admits every tag of the spec's expiry domain for every index;
 * an index only has the tags it is configured with. A date-pinned rule's
 * rows go to the CSV files of the tag of its days to expiry, any tag in
 * its time: an index with one keeps every tag's CSV file series. Its
 * counters (the spec knows no dates) are admitted here at 0, like a
 * tag's: a counter first exported with its first cycle counted is one
 * Prometheus' increase() never counts. */
static void warm_configured_tags(g6_metrics *m, const g6_index_config *ix) {
  bool dated = has_date(ix);
  for (size_t d = 0; d < g6m_catalog_len; d++) {
    const g6_metric_def *def = g6m_catalog[d];
    if (strcmp(def->owner, "g6_chain") != 0 || def->ti == NULL ||
        (strcmp(def->ti->name, "expiry") != 0 &&
         strcmp(def->ti->name, "csv_file") != 0 &&
         def != &g6m_def_arb_violations))
      continue;
    if (dated && strcmp(def->ti->name, "csv_file") == 0)
      continue;
    for (size_t v = 0; v < def->ti->n_values; v++) {
      char tag[16];
      if (tag_of(def->ti->values[v], tag) && g6_expiry_tag_index(tag) >= 0 &&
          !has_tag(ix, tag))
        g6_metrics_forget(m, def, ix->name, def->ti->values[v]);
    }
  }
  for (size_t k = 0; k < ix->n_expiries; k++) {
    const g6_expiry_spec *sp = &ix->expiries[k];
    char buf[11];
    const char *ex = rule_label(sp, buf);
    g6m_chain_status_set(m, ix->name, ex, G6_CHAIN_EMPTY);
    if (sp->rule != G6_EXPIRY_DATE)
      continue;
    g6_metrics_warm(m, &g6m_def_iv_solves, ix->name, ex);
    for (int r = 1; r < G6_ARB_RULE_COUNT; r++) {
      char l[64];
      snprintf(l, sizeof(l), "%s.%s", ex, g6_arb_rule_name((g6_arb_rule)r));
      g6_metrics_warm(m, &g6m_def_arb_violations, ix->name, l);
    }
  }
  /* the gauges known before the first cycle (every other one stays NaN,
   * unknown, until a cycle computes it): nothing collected yet is a last
   * success at 0 ("never", what G6ChainStale compares against), and no CSV
   * row is held for retry in any of the index's files (so the host's sum,
   * collectd_g6_host_pending_rows, exists from the start: the aggregation
   * plugin sums nothing over NaN alone) */
  g6m_last_success_set(m, ix->name, 0);
  for (int t = 0; t < G6_EXPIRY_TAG_COUNT; t++)
    if (dated || has_tag(ix, g6_expiry_tags[t]))
      g6m_csv_pending_rows_set(m, ix->name, g6_expiry_tags[t], 0);
  g6m_csv_pending_rows_set(m, ix->name, "overview", 0);
}

g6_status g6_chain_metrics_warm(g6_metrics *m, const g6_index_config *const *ix,
                                size_t n) {
  const char *names[64] = {NULL};
  if (n > 64)
    return G6_ERANGE;
  for (size_t i = 0; i < n; i++)
    names[i] = ix[i]->name;
  g6_status st = g6m_warm_g6_chain(m, names, n);
  for (size_t i = 0; i < n; i++)
    warm_configured_tags(m, ix[i]);
  return st;
}

/* Expiry label of a result: its tag, or the date of a date-pinned rule. */
static const char *expiry_label(const g6_expiry_result *x, char buf[11]) {
  return x->spec.rule == G6_EXPIRY_DATE ? rule_label(&x->spec, buf) : x->tag;
}

static void csv_metrics(g6_metrics *m, const char *ix,
                        const g6_csv_family_stats *fam, size_t nf,
                        g6_chain_index_metrics *state) {
  uint64_t duplicates = 0, behind = 0, dropped = 0;
  for (size_t f = 0; f < nf; f++) {
    g6_csv_family_stats *prev = NULL;
    for (size_t k = 0; k < state->n_csv_prev; k++)
      if (strcmp(state->csv_prev[k].name, fam[f].name) == 0)
        prev = &state->csv_prev[k];
    if (prev == NULL && state->n_csv_prev < G6_CSV_MAX_FAMILIES) {
      prev = &state->csv_prev[state->n_csv_prev++];
      memset(prev, 0, sizeof(*prev));
      snprintf(prev->name, sizeof(prev->name), "%s", fam[f].name);
    }
    if (prev == NULL)
      continue;
    g6m_csv_rows_add(m, ix, fam[f].name,
                     (int64_t)(fam[f].st.rows_written - prev->st.rows_written));
    /* a gauge: the rows of the family held for retry now */
    g6m_csv_pending_rows_set(m, ix, fam[f].name,
                             (double)fam[f].st.rows_pending);
    g6m_csv_bytes_add(
        m, ix, fam[f].name,
        (int64_t)(fam[f].st.bytes_written - prev->st.bytes_written));
    for (int k = 1; k < G6_STATUS_COUNT; k++)
      if (fam[f].failures[k] > prev->failures[k])
        g6m_csv_write_failures_add(
            m, ix, g6_status_name((g6_status)k),
            (int64_t)(fam[f].failures[k] - prev->failures[k]));
    if (fam[f].st.torn_repaired > prev->st.torn_repaired)
      g6m_csv_torn_tail_repairs_add(
          m, ix, fam[f].name,
          (int64_t)(fam[f].st.torn_repaired - prev->st.torn_repaired));
    duplicates += fam[f].st.duplicates - prev->st.duplicates;
    behind += fam[f].st.behind - prev->st.behind;
    dropped += fam[f].st.rows_dropped - prev->st.rows_dropped;
    *prev = fam[f];
  }
  if (duplicates > 0)
    g6m_csv_skipped_rows_add(m, ix, "duplicate", (int64_t)duplicates);
  if (behind > 0)
    g6m_csv_skipped_rows_add(m, ix, "behind", (int64_t)behind);
  /* lost rows: the retry buffer was full (README, Files: "what is dropped
   * beyond is counted") */
  if (dropped > 0)
    g6m_csv_skipped_rows_add(m, ix, "retry_buffer_full", (int64_t)dropped);
}

void g6_chain_metrics_cycle(g6_metrics *m, const g6_index_config *index,
                            const g6_cycle_result *r,
                            const g6_csv_family_stats *fam, size_t n_fam,
                            g6_chain_index_metrics *state) {
  const char *ix = index->name;
  g6m_index_market_open_set(m, ix, r->market_open ? 1 : 0);
  g6m_index_calendar_days_set(m, ix, (double)r->calendar_entries);
  g6m_cycle_duration_observe(m, ix, r->duration_s);
  /* with the histogram's count in the same update: every cycle has an
   * outcome (the spec's cycle_outcome tokens) */
  static const char *const outcome[] = {"ok", "partial", "empty", "stale"};
  g6m_cycles_add(m, ix,
                 !r->market_open ? "closed"
                 : (unsigned)r->status < 4 ? outcome[r->status]
                                           : "empty",
                 1);
  if (r->attempted) { /* NaN while the provider fails */
    g6m_index_spot_set(m, ix, isfinite(r->spot) ? r->spot : NAN);
    g6m_index_atm_set(m, ix, isfinite(r->atm) ? r->atm : NAN);
    /* not configured, not quoted or the request failed: unknown */
    g6m_vix_set(m, ix, isfinite(r->vix) ? r->vix : NAN);
  }
  if (r->success && !r->spot_stale) /* old prices are no success */
    g6m_last_success_set(m, ix, (double)r->now);
  size_t rejects[G6_REJECT_REASON_COUNT] = {0};
  size_t ivf[G6_STATUS_COUNT] = {0};
  size_t withheld = 0; /* rows of a contract whose tag another one owns */
  for (size_t e = 0; e < r->n_expiries; e++) {
    const g6_expiry_result *xr = &r->expiries[e];
    withheld += xr->csv_rows_withheld;
    char buf[11];
    const char *ex = expiry_label(xr, buf);
    /* outside the session every gauge of the expiry, its status too, stays
     * the last session's (market_open says it is closed): an EMPTY status
     * beside a coverage of 1 told two stories */
    if (!r->attempted)
      continue;
    g6m_chain_status_set(m, ix, ex, (double)xr->status);
    g6m_legs_requested_set(m, ix, ex, (double)xr->legs_requested);
    g6m_legs_collected_set(m, ix, ex, (double)xr->legs_collected);
    g6m_strike_coverage_set(m, ix, ex, xr->strike_coverage);
    g6m_field_coverage_set(m, ix, ex, xr->field_coverage);
    /* unknown (no call OI, nothing collected) is NaN, never 0 */
    g6m_put_call_ratio_set(m, ix, ex, xr->pcr_oi);
    /* ... and the legs it leaves out: a biased ratio says so */
    g6m_put_call_ratio_missing_set(m, ix, ex, (double)xr->pcr_missing_oi);
    g6m_iv_solves_add(m, ix, ex, (int64_t)xr->iv_ok);
    /* quote sanity: NaN when no leg was checked */
    g6m_arb_flagged_ratio_set(m, ix, ex, g6_quote_flagged_ratio(xr));
    for (int k = 1; k < G6_ARB_RULE_COUNT; k++)
      if (xr->arb_violations[k] > 0) {
        char l[64];
        snprintf(l, sizeof(l), "%s.%s", ex, g6_arb_rule_name((g6_arb_rule)k));
        g6m_arb_violations_add(m, ix, l, (int64_t)xr->arb_violations[k]);
      }
    for (int k = 1; k < G6_REJECT_REASON_COUNT; k++)
      rejects[k] += xr->rejects[k];
    for (int k = 0; k < G6_STATUS_COUNT; k++)
      ivf[k] += xr->iv_failures[k];
  }
  for (int k = 1; k < G6_REJECT_REASON_COUNT; k++)
    if (rejects[k] > 0)
      g6m_rejected_legs_add(m, ix, g6_reject_reason_name((g6_reject_reason)k),
                            (int64_t)rejects[k]);
  for (int k = 1; k < G6_STATUS_COUNT; k++)
    if (ivf[k] > 0)
      g6m_iv_failures_add(m, ix, g6_status_name((g6_status)k), (int64_t)ivf[k]);
  if (withheld > 0)
    g6m_csv_skipped_rows_add(m, ix, "tag_collision", (int64_t)withheld);
  if (r->snapshot_status != G6_OK) /* the cycle's outcome stays its own */
    g6m_snapshot_write_failures_add(m, ix, g6_status_name(r->snapshot_status),
                                    1);
  csv_metrics(m, ix, fam, n_fam, state);
}

void g6_chain_metrics_runner(g6_metrics *m, const g6_index_config *ix,
                             g6_runner *runner, g6_chain_index_metrics *state) {
  uint64_t overruns;
  double lag;
  g6_runner_schedule(runner, g6_monotonic_now(), &overruns, &lag);
  if (overruns > state->overruns_prev)
    g6m_cycle_overruns_add(m, ix->name,
                           (int64_t)(overruns - state->overruns_prev));
  state->overruns_prev = overruns;
  g6m_cycle_lag_set(m, ix->name, lag);
}

void g6_chain_metrics_cpu(g6_metrics *m, const g6_index_config *ix,
                          double cpu_s, g6_chain_index_metrics *state) {
  double us = state->cpu_carry_us + (cpu_s > 0 ? cpu_s * 1e6 : 0);
  double whole = floor(us);
  g6m_cycle_cpu_add(m, ix->name, (int64_t)whole);
  state->cpu_carry_us = us - whole;
}

/* Adds a histogram's increments since `prev` (cumulative snapshots). */
static void merge_hist(g6_metrics *m, const g6_metric_def *def,
                       const char *epn, const g6_kite_hist *cur,
                       const g6_kite_hist *prev, const double *bounds,
                       size_t nb) {
  uint64_t counts[16];
  uint64_t below = 0;
  for (size_t i = 0; i <= nb && i < 16; i++) {
    uint64_t cum = cur->bucket[i] - prev->bucket[i];
    counts[i] = cum - below;
    below = cum;
  }
  if (below == 0)
    return;
  g6_metrics_histogram_add(m, def, epn, bounds, nb, counts,
                           (double)(cur->sum_us - prev->sum_us) / 1e6);
}

void g6_chain_metrics_provider(g6_metrics *m, const g6_kite_stats *s,
                               g6_kite_stats *prev) {
  for (int ep = 0; ep < G6_KITE_EP_COUNT; ep++) {
    const char *epn = g6_kite_endpoint_name((g6_kite_endpoint)ep);
    for (int r = 0; r < G6_KITE_R_COUNT; r++) {
      uint64_t d = s->requests[ep][r] - prev->requests[ep][r];
      /* "internal" (out of memory) is not the provider's doing */
      if (d > 0 && r != G6_KITE_R_INTERNAL)
        g6m_api_calls_add(m, epn, g6_kite_result_name((g6_kite_result)r),
                          (int64_t)d);
      uint64_t rd = s->retries_by[ep][r] - prev->retries_by[ep][r];
      if (rd > 0)
        g6m_api_retries_add(m, epn, g6_kite_result_name((g6_kite_result)r),
                            (int64_t)rd);
    }
    if (s->quotes_bad_time[ep] > prev->quotes_bad_time[ep])
      g6m_api_unreadable_time_quotes_add(
          m, epn, (int64_t)(s->quotes_bad_time[ep] - prev->quotes_bad_time[ep]));
    if (s->bytes_received[ep] > prev->bytes_received[ep])
      g6m_api_received_bytes_add(
          m, epn, (int64_t)(s->bytes_received[ep] - prev->bytes_received[ep]));
    merge_hist(m, &g6m_def_api_latency, epn, &s->latency[ep],
               &prev->latency[ep], g6_kite_latency_bounds, G6_KITE_LATENCY_NB);
    merge_hist(m, &g6m_def_api_ratelimit_wait, epn, &s->ratelimit_wait[ep],
               &prev->ratelimit_wait[ep], g6_kite_wait_bounds,
               G6_KITE_WAIT_NB);
  }
  /* the spec encodes 0 closed, 1 half-open, 2 open */
  double state = s->breaker_state == G6_BREAKER_OPEN        ? 2
                 : s->breaker_state == G6_BREAKER_HALF_OPEN ? 1
                                                            : 0;
  g6m_api_circuit_state_set(m, state);
  g6m_api_circuit_trips_add(m,
                            (int64_t)(s->breaker_trips - prev->breaker_trips));
  g6m_api_cache_operations_add(m, "quote", "hit",
                               (int64_t)(s->cache_hits - prev->cache_hits));
  g6m_api_cache_operations_add(
      m, "quote", "miss", (int64_t)(s->cache_misses - prev->cache_misses));
  g6m_api_cache_operations_add(
      m, "quote", "store", (int64_t)(s->cache_stores - prev->cache_stores));
  g6m_api_cache_operations_add(
      m, "quote", "evict",
      (int64_t)(s->cache_expirations - prev->cache_expirations));
  g6m_api_cache_hit_ratio_set(m, "quote", s->cache_hit_ratio);
  g6m_api_auth_latch_set(m, s->auth_latched);
  for (int k = 0; k < G6_KITE_LIMITERS; k++) {
    /* 0 configures an unlimited bucket: its rate is infinite, not 0 */
    const char *l = g6_kite_limiter_name((g6_kite_limiter)k);
    double eff = s->ratelimit_rate[k], conf = s->ratelimit_configured[k];
    g6m_api_ratelimit_rate_set(m, l, "effective", eff > 0 ? eff : INFINITY);
    g6m_api_ratelimit_rate_set(m, l, "configured", conf > 0 ? conf : INFINITY);
    /* a provider-imposed pause: 0 when none, a known value, never NaN */
    double pause = s->ratelimit_pause_s[k];
    g6m_api_ratelimit_pause_set(m, l, pause > 0 ? pause : 0);
  }
  *prev = *s;
}
