/* bench/desk — what the options desk (issue 18) adds to each cycle, against
 * what the cycle already does, in the same run, single-threaded.
 *
 *   g6_chain     the session's bookkeeping of one cycle (g6_session_cycle,
 *                g6_session_leg for every leg, the straddle at the open per
 *                expiry) against the cycle's IV and Greeks solve of the same
 *                legs (g6_iv_bsm_batch + g6_bsm_greeks, what solve_legs in
 *                collector.c runs): bench-chain's size, 5 indices x 4
 *                expiries x 201 strikes x 2 = 8,040 legs;
 *   g6_analytics the desk figures of one snapshot (straddle, gamma
 *                exposure and flip, OI change, build-up, IV rank over 252
 *                closes, per expiry) against the chain report of the same
 *                legs (g6_chain_report_compute, every other analytic):
 *                4 expiries x 201 strikes.
 *
 * Prints the median of 15 rounds of each, per leg, and the ratio. */
#include "collector/session.h"
#include "math/bs.h"
#include "math/chain_report.h"
#include "math/desk.h"
#include "math/iv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STRIKES 201
#define EXPIRIES 4
#define INDICES 5
#define ROUNDS 15

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof(*v), cmp_double);
  return v[n / 2];
}

static volatile double sink; /* keeps the results alive */

/* A chain of one index: legs of EXPIRIES expiries x STRIKES strikes around
 * S, priced from a smile, with OI, gamma and the previous cycle's values. */
static void chain(double S, double step, int round, g6_leg *legs,
                  int64_t *expiry, double *T) {
  size_t n = 0;
  for (int e = 0; e < EXPIRIES; e++) {
    T[e] = (3.0 + 7.0 * e) / 365;
    expiry[e] = 1767000000 + 86400 * 7 * e;
    for (int i = 0; i < STRIKES; i++) {
      double K = S + step * (i - STRIKES / 2);
      for (int put = 0; put < 2; put++) {
        g6_leg *l = &legs[n++];
        *l = g6_leg_make(K, put ? G6_PUT : G6_CALL, expiry[e], T[e]);
        double m = log(K / S), sig = 0.12 * (1 + 2 * m * m - 0.3 * m);
        l->last = g6_bsm_price(l->type, S, K, T[e], 0.065, 0, sig) +
                  0.05 * (round % 3);
        l->bid = l->last - 0.05;
        l->ask = l->last + 0.05;
        l->oi = 75.0 * (1000 + (i * 37 + put * 11 + round) % 500);
        l->volume = 10 * l->oi;
        l->iv = sig;
        g6_greeks g;
        if (g6_bsm_greeks(l->type, S, K, T[e], 0.065, 0, sig, &g) == G6_OK) {
          l->delta = g.delta;
          l->gamma = g.gamma;
          l->theta = g.theta;
          l->vega = g.vega;
          l->rho = g.rho;
        }
        l->oi_open = l->oi - 750;
        l->last_prev = l->last * 0.99;
        l->oi_prev = l->oi - 75 * (i % 3);
      }
    }
  }
}

int main(void) {
  const size_t per_index = (size_t)EXPIRIES * STRIKES * 2;
  const size_t legs_total = INDICES * per_index;
  g6_leg *legs = calloc(legs_total, sizeof(*legs));
  g6_iv_job *jobs = calloc(per_index, sizeof(*jobs));
  g6_session *ses[INDICES];
  for (int i = 0; i < INDICES; i++)
    ses[i] = g6_session_new();
  if (legs == NULL || jobs == NULL || ses[INDICES - 1] == NULL)
    return 2;
  int64_t expiry[EXPIRIES];
  double T[EXPIRIES];
  double t_iv[ROUNDS], t_ses[ROUNDS], t_rep[ROUNDS], t_desk[ROUNDS];
  double hist[252];
  for (int i = 0; i < 252; i++)
    hist[i] = 0.10 + 0.0004 * i;

  for (int r = 0; r < ROUNDS; r++) {
    for (int x = 0; x < INDICES; x++)
      chain(24000 + 1000 * x, 50, r, legs + (size_t)x * per_index, expiry, T);
    /* g6_chain: the cycle's IV + Greeks (reference) */
    double t0 = now(), acc = 0;
    for (int x = 0; x < INDICES; x++) {
      g6_leg *L = legs + (size_t)x * per_index;
      double S = 24000 + 1000 * x;
      for (int e = 0; e < EXPIRIES; e++) {
        size_t base = (size_t)e * STRIKES * 2;
        for (size_t i = 0; i < STRIKES * 2; i++)
          jobs[i] = (g6_iv_job){L[base + i].type, L[base + i].strike, T[e],
                                L[base + i].last, NAN, G6_OK};
        g6_iv_opts o = {0, 5, 0};
        g6_iv_bsm_batch(S, 0.065, 0, &o, jobs, STRIKES * 2);
        for (size_t i = 0; i < STRIKES * 2; i++) {
          g6_greeks g;
          if (g6_bsm_greeks(jobs[i].type, S, jobs[i].K, T[e], 0.065, 0,
                            jobs[i].iv, &g) == G6_OK)
            acc += g.gamma;
        }
      }
    }
    t_iv[r] = now() - t0;
    /* g6_chain: the session's bookkeeping of the same cycle */
    t0 = now();
    for (int x = 0; x < INDICES; x++) {
      g6_leg *L = legs + (size_t)x * per_index;
      g6_session_cycle(ses[x], 20400);
      for (int e = 0; e < EXPIRIES; e++) {
        size_t base = (size_t)e * STRIKES * 2;
        double a, b, c;
        for (size_t i = 0; i < STRIKES * 2; i++) {
          g6_session_leg(ses[x], 20410 + e, L[base + i].strike,
                         L[base + i].type == G6_PUT, true, L[base + i].last,
                         L[base + i].oi, &a, &b, &c);
          acc += a;
        }
        g6_straddle st;
        g6_desk_straddle(L + base, STRIKES * 2, L[base + STRIKES].strike,
                         24000 + 1000 * x, G6_PRICE_MID_OR_LAST, &st);
        acc += g6_session_straddle_open(ses[x], 20410 + e, st.price);
      }
    }
    t_ses[r] = now() - t0;
    /* g6_analytics: the chain report of one index (reference) */
    g6_report_input in;
    memset(&in, 0, sizeof(in));
    in.S = 24000;
    in.atm = 24000;
    in.r = 0.065;
    in.legs = legs;
    in.n_legs = per_index;
    in.n_expiries = EXPIRIES;
    for (int e = 0; e < EXPIRIES; e++)
      in.ex[e] = (g6_report_expiry_input){
          "x", true, expiry[e], T[e], (size_t)e * STRIKES * 2, STRIKES * 2,
          /* no parity fit: the forward is S e^{(r-q)T} */
          {NAN, NAN, NAN, NAN, 0, 0}};
    static g6_chain_report rep;
    t0 = now();
    g6_chain_report_compute(&in, NULL, &rep);
    t_rep[r] = now() - t0;
    acc += rep.ex[0].atm_iv;
    /* g6_analytics: the desk figures of the same legs */
    t0 = now();
    for (int e = 0; e < EXPIRIES; e++) {
      const g6_leg *L = legs + (size_t)e * STRIKES * 2;
      g6_straddle st;
      g6_gex gx;
      g6_oi_change oc;
      g6_buildup_counts bc;
      g6_iv_rank rk;
      g6_buildup_band band = {0.05, 0.005, 75, 0.005};
      g6_desk_straddle(L, STRIKES * 2, 24000, 24000, G6_PRICE_MID_OR_LAST,
                       &st);
      g6_desk_gex(L, STRIKES * 2, 24000, 1, &gx);
      g6_desk_oi_change(L, STRIKES * 2, &oc);
      g6_desk_buildup(L, STRIKES * 2, &band, &bc);
      g6_desk_iv_rank(hist, 252, rep.ex[e].atm_iv, 20, &rk);
      acc += st.price + gx.total + oc.call + (double)bc.n[0][1] + (double)rk.days;
    }
    t_desk[r] = now() - t0;
    sink = acc;
  }
  double iv = median(t_iv, ROUNDS), se = median(t_ses, ROUNDS),
         rp = median(t_rep, ROUNDS), dk = median(t_desk, ROUNDS);
  printf("bench-desk: g6_chain, one cycle of %zu legs (5 indices x 4 expiries "
         "x 201 strikes x 2)\n",
         legs_total);
  printf("  reference: IV + Greeks        %8.1f ns/leg  (%.2f ms)\n",
         iv * 1e9 / (double)legs_total, iv * 1e3);
  printf("  session bookkeeping + straddle %7.1f ns/leg  (%.2f ms)  = %.3f x "
         "the IV + Greeks\n",
         se * 1e9 / (double)legs_total, se * 1e3, se / iv);
  printf("bench-desk: g6_analytics, one snapshot of %zu legs (4 expiries x "
         "201 strikes x 2)\n",
         per_index);
  printf("  reference: chain report        %7.1f ns/leg  (%.3f ms)\n",
         rp * 1e9 / (double)per_index, rp * 1e3);
  printf("  desk figures                   %7.1f ns/leg  (%.3f ms)  = %.3f x "
         "the chain report\n",
         dk * 1e9 / (double)per_index, dk * 1e3, dk / rp);
  for (int i = 0; i < INDICES; i++)
    g6_session_free(ses[i]);
  free(legs);
  free(jobs);
  return 0;
}
