/* bench_panels DIR — g6_panels' hot paths on a full-size store: 5 indices x
 * 4 expiries of g6_chain series plus the Kite client's (histograms
 * included), the values a 5-index host dispatches.
 *
 *   put     the write callback's work per value (g6_latest_put), on one
 *           thread and on 4 threads at once;
 *   flush   snapshot + render the six panels + validate + write the changed
 *           set into DIR (every panel changes each time), without and with
 *           fsync;
 *   hash    canonical JSON + SHA-256 of the six panels' data.
 *
 * Prints one JSON line; bench/panels/bench_panels.py compares it with the
 * old platform's Python algorithm on the same panels. */
#include "collector/panel_data.h"
#include "core/clock.h"
#include "metrics/latest.h"
#include "metrics/metrics_gen.h"
#include "store/panel_schema.h"
#include "store/panels.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const IX[] = {"NIFTY", "BANKNIFTY", "FINNIFTY",
                                 "MIDCPNIFTY", "SENSEX"};
static const char *const TAGS[] = {"this_week", "next_week", "this_month",
                                   "next_month"};
static const char *const EPS[] = {"instruments", "quote", "ltp", "session"};

/* One dispatch of every series at time t (k-th: counters grow with k). */
static size_t dispatch(g6_latest *l, double t, double k) {
  size_t n = 0;
#define PUT(def, pi, ti, v)                                                    \
  (g6_latest_put(l, (def)->plugin, pi, (def)->type, ti, NULL, v, t), n++)
  for (int i = 0; i < 5; i++) {
    PUT(&g6m_def_index_spot, IX[i], "", 24000 + k);
    PUT(&g6m_def_index_atm, IX[i], "", 24000);
    PUT(&g6m_def_index_market_open, IX[i], "", 1);
    PUT(&g6m_def_last_success, IX[i], "", t - 1);
    for (int e = 0; e < 4; e++) {
      PUT(&g6m_def_chain_status, IX[i], TAGS[e], 0);
      PUT(&g6m_def_legs_collected, IX[i], TAGS[e], 400);
      PUT(&g6m_def_legs_requested, IX[i], TAGS[e], 402);
      PUT(&g6m_def_strike_coverage, IX[i], TAGS[e], 1);
      PUT(&g6m_def_field_coverage, IX[i], TAGS[e], 0.9);
      PUT(&g6m_def_put_call_ratio, IX[i], TAGS[e], 1 + k / 1e6);
      PUT(&g6m_def_iv_solves, IX[i], TAGS[e], 400 * k);
      PUT(&g6m_def_csv_rows, IX[i], TAGS[e], 201 * k);
      PUT(&g6m_def_csv_bytes, IX[i], TAGS[e], 40000 * k);
    }
    const g6_metric_def *h = &g6m_def_cycle_duration;
    for (size_t b = 0; b <= h->n_buckets; b++)
      g6_latest_put(l, h->plugin, IX[i], h->type_bucket, h->bucket_labels[b],
                    NULL, b < 3 ? 0 : k, t), n++;
    g6_latest_put(l, h->plugin, IX[i], h->type_count, "", NULL, k, t), n++;
    g6_latest_put(l, h->plugin, IX[i], h->type_sum, "", NULL, 0.4 * k, t), n++;
  }
  for (int e = 0; e < 4; e++) {
    for (size_t r = 0; r < g6m_domain_api_result.n_values; r++)
      PUT(&g6m_def_api_calls, EPS[e], g6m_domain_api_result.values[r],
          r == 0 ? 10 * k : 0);
    const g6_metric_def *h = &g6m_def_api_latency;
    for (size_t b = 0; b <= h->n_buckets; b++)
      g6_latest_put(l, h->plugin, EPS[e], h->type_bucket, h->bucket_labels[b],
                    NULL, b < 4 ? 0 : 10 * k, t), n++;
    g6_latest_put(l, h->plugin, EPS[e], h->type_count, "", NULL, 10 * k, t), n++;
    g6_latest_put(l, h->plugin, EPS[e], h->type_sum, "", NULL, 0.3 * k, t), n++;
  }
  PUT(&g6m_def_api_circuit_state, "", "", 0);
  PUT(&g6m_def_api_auth_latch, "", "", 0);
#undef PUT
  return n;
}

typedef struct worker {
  g6_latest *l;
  int rounds, id;
  size_t n;
} worker;

static void *run_worker(void *p) {
  worker *w = p;
  for (int r = 0; r < w->rounds; r++)
    w->n += dispatch(w->l, 1e6 + r * 4 + w->id, r);
  return NULL;
}

static double flush_ms(g6_latest *l, const char *dir, bool durable, int n,
                       double *k) {
  g6_panels_writer_opts o = {.dir = dir, .source = "g6_panels",
                             .app_version = "bench", .durable = durable,
                             .file_mode = 0644};
  g6_panels_writer *w = NULL;
  g6_error e;
  if (g6_panels_writer_open(&o, &w, &e) != G6_OK) {
    fprintf(stderr, "bench_panels: %s\n", e.msg);
    exit(1);
  }
  double total = 0;
  for (int i = 0; i < n; i++) {
    dispatch(l, 2e6 + *k, *k);
    *k += 1;
    double t0 = g6_monotonic_now();
    g6_panel_ctx c = {.now = 2e6 + *k, .started = 1e6, .interval = 10,
                      .version = "bench", .panels_dir = dir,
                      .integrity_ok = -1};
    g6_latest_view *v = g6_latest_snapshot(l, c.now);
    g6_json *data[8];
    g6_panel_out out[8];
    for (size_t p = 0; p < g6_panel_defs_len; p++) {
      const g6_panel_def *d = &g6_panel_defs[p];
      data[p] = d->build(v, &c);
      g6_json *env = g6_panel_envelope(d->name, data[p], c.now, "g6_panels");
      if (g6_panel_validate(env, d->name, d->shape, &e) != G6_OK) {
        fprintf(stderr, "bench_panels: %s\n", e.msg);
        exit(1);
      }
      g6_json_free(env);
      out[p] = (g6_panel_out){d->name, data[p], false};
    }
    g6_latest_view_free(v);
    g6_panels_result r;
    if (g6_panels_write(w, out, g6_panel_defs_len, c.now, 5, &r, &e) != G6_OK) {
      fprintf(stderr, "bench_panels: %s\n", e.msg);
      exit(1);
    }
    total += g6_monotonic_now() - t0;
    for (size_t p = 0; p < g6_panel_defs_len; p++)
      g6_json_free(data[p]);
  }
  g6_panels_writer_close(w);
  return 1000 * total / n;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: bench_panels DIR\n");
    return 2;
  }
  g6_latest_opts o = {.max_series = 16384};
  g6_latest *l = g6_latest_new(&o);
  /* the write callback's work, one thread */
  size_t n = 0;
  double t0 = g6_monotonic_now();
  for (int r = 0; r < 400; r++)
    n += dispatch(l, 1 + r, r);
  double put1 = 1e9 * (g6_monotonic_now() - t0) / (double)n;
  size_t series = g6_latest_kept(l);
  /* four write threads at once */
  pthread_t th[4];
  worker w[4];
  t0 = g6_monotonic_now();
  for (int i = 0; i < 4; i++) {
    w[i] = (worker){l, 200, i, 0};
    pthread_create(&th[i], NULL, run_worker, &w[i]);
  }
  size_t n4 = 0;
  for (int i = 0; i < 4; i++) {
    pthread_join(th[i], NULL);
    n4 += w[i].n;
  }
  double put4 = 1e9 * (g6_monotonic_now() - t0) / (double)n4;
  /* flushes */
  char d1[600], d2[600];
  snprintf(d1, sizeof(d1), "%s/nosync", argv[1]);
  snprintf(d2, sizeof(d2), "%s/fsync", argv[1]);
  double k = 1000;
  double f_nosync = flush_ms(l, d1, false, 200, &k);
  double f_fsync = flush_ms(l, d2, true, 50, &k);
  /* canonical hash of the six panels' data */
  g6_panel_ctx c = {.now = 3e6, .started = 1e6, .interval = 10,
                    .version = "bench", .panels_dir = d1, .integrity_ok = -1};
  g6_latest_view *v = g6_latest_snapshot(l, c.now);
  g6_json *data[8];
  for (size_t p = 0; p < g6_panel_defs_len; p++)
    data[p] = g6_panel_defs[p].build(v, &c);
  g6_latest_view_free(v);
  int reps = 2000;
  t0 = g6_monotonic_now();
  for (int r = 0; r < reps; r++)
    for (size_t p = 0; p < g6_panel_defs_len; p++) {
      char hex[65];
      g6_panel_data_hash(data[p], hex);
    }
  double hash_us = 1e6 * (g6_monotonic_now() - t0) / reps;
  for (size_t p = 0; p < g6_panel_defs_len; p++)
    g6_json_free(data[p]);
  printf("{\"series\": %zu, \"put_ns_1thread\": %.1f, \"put_ns_4threads\": "
         "%.1f, \"flush_ms\": %.3f, \"flush_fsync_ms\": %.3f, "
         "\"hash_set_us\": %.1f, \"panels_dir\": \"%s\"}\n",
         series, put1, put4, f_nosync, f_fsync, hash_us, d1);
  g6_latest_free(l);
  return 0;
}
