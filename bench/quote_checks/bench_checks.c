/* bench-quote-checks: what the quote checks add to a g6_chain cycle.
 *
 * One index's chain as g6_chain holds it after sanitization: 4 expiries
 * (6, 13, 34 and 62 days) x 201 strikes x 2 legs, prices from BSM on spot
 * with a smile, a tick of spread. Measured: g6_quote_checks over the whole
 * chain (parity fit, crossed/bounds/vertical/butterfly/stale_last per
 * expiry, calendar between neighbours), against the named reference in the
 * same run: the IV solve of the same 1,608 legs with g6_iv_bsm_batch (what
 * every cycle does already). Best of 7 rounds of 200 calls each; prints
 * both, per leg, and the ratio. */
#include "collector/quote_checks.h"
#include "math/bs.h"
#include "math/iv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NK 201
#define NE 4
#define ROUNDS 7
#define CALLS 200

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(void) {
  static g6_chain_leg legs[NE][2 * NK];
  static g6_iv_job jobs[NE * 2 * NK];
  g6_expiry_result ex[NE];
  const double S = 24812.35, r = 0.065, days[NE] = {6, 13, 34, 62};
  size_t nj = 0;
  for (int e = 0; e < NE; e++) {
    double T = days[e] / 365;
    memset(&ex[e], 0, sizeof(ex[e]));
    ex[e].resolved = true;
    ex[e].T = T;
    ex[e].expiry_epoch = 1761041000 + (int64_t)days[e] * 86400;
    ex[e].legs = legs[e];
    for (int i = 0; i < NK; i++) {
      double K = 24800 + 50.0 * (i - NK / 2);
      for (int put = 0; put < 2; put++) {
        g6_chain_leg *l = &legs[e][2 * i + put];
        double vol = 0.13 + 0.05 * fabs(log(K / S));
        l->q.strike = K;
        l->q.is_put = put;
        l->q.last = g6_bsm_price(put ? G6_PUT : G6_CALL, S, K, T, r, 0, vol);
        l->q.bid = fmax(l->q.last - 0.05, 0.05);
        l->q.ask = l->q.last + 0.05;
        l->iv = vol;
        jobs[nj++] =
            (g6_iv_job){put ? G6_PUT : G6_CALL, K, T, l->q.last, NAN, G6_OK};
      }
    }
  }
  g6_iv_opts iv_opts = {0, 5, 0};
  double best_checks = INFINITY, best_iv = INFINITY;
  size_t flagged = 0;
  for (int round = 0; round < ROUNDS; round++) {
    double t0 = now_s();
    for (int c = 0; c < CALLS; c++)
      if (g6_quote_checks(ex, NE, NK, S, r, 0, NULL) != G6_OK)
        return 1;
    double t1 = now_s();
    for (int c = 0; c < CALLS; c++)
      g6_iv_bsm_batch(S, r, 0, &iv_opts, jobs, nj);
    double t2 = now_s();
    best_checks = fmin(best_checks, (t1 - t0) / CALLS);
    best_iv = fmin(best_iv, (t2 - t1) / CALLS);
  }
  for (int e = 0; e < NE; e++)
    flagged += ex[e].arb_flagged;
  printf("quote checks: %zu legs (%d expiries x %d strikes x 2), %zu flagged\n",
         nj, NE, NK, flagged);
  printf("  g6_quote_checks           %8.1f us per chain  %6.1f ns per leg\n",
         best_checks * 1e6, best_checks * 1e9 / (double)nj);
  printf("  g6_iv_bsm_batch (ref.)    %8.1f us per chain  %6.1f ns per leg\n",
         best_iv * 1e6, best_iv * 1e9 / (double)nj);
  printf("  checks / IV solve: %.2f\n", best_checks / best_iv);
  return flagged == 0 ? 0 : 1;
}
