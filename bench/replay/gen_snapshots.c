/* gen_snapshots — a trading day of chain snapshots for bench-replay, written
 * by g6_chain's own writer (store/snapshot.h) into the KeepSnapshots
 * history layout.
 *
 *   gen_snapshots DATADIR COUNT STRIKES_PER_SIDE EXPIRIES
 *
 * NIFTY every 30 s from 09:15 IST on 2025-01-06: the spot walks, legs are
 * Black-Scholes prices on a smile (the mock's shape) with their IV and
 * Greeks, OI peaks at the money, every tenth far leg is dropped as
 * missing_quote so the files hold nulls and rejects like real ones. */
#include "core/ist.h"
#include "core/json.h"
#include "math/bs.h"
#include "store/snapshot.h"
#include "store/snapshot_history.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double vol(double S, double K, double T) {
  double atm = 0.11 * (1 + 0.35 * exp(-T * 365 / 10));
  double m = log(K / S) / (atm * sqrt(T));
  return atm * (1 + 0.045 * m * m - 0.09 * m);
}

int main(int argc, char **argv) {
  g6_buf scratch = G6_BUF_INIT; /* the serialized snapshot, reused */
  if (argc != 5) {
    fprintf(stderr, "usage: gen_snapshots DATADIR COUNT STRIKES_PER_SIDE "
                    "EXPIRIES\n");
    return 2;
  }
  const char *data = argv[1];
  int count = atoi(argv[2]), side = atoi(argv[3]), nx = atoi(argv[4]);
  if (count < 1 || side < 1 || side > 200 || nx < 1 || nx > 4)
    return 2;
  size_t ns = (size_t)(2 * side + 1);
  g6_index_config ix;
  memset(&ix, 0, sizeof(ix));
  snprintf(ix.name, sizeof(ix.name), "NIFTY");
  snprintf(ix.underlying, sizeof(ix.underlying), "NSE:NIFTY 50");
  snprintf(ix.segment, sizeof(ix.segment), "NFO-OPT");
  ix.step = 50;
  double *strikes = calloc(ns, sizeof(double));
  g6_expiry_result ex[4];
  g6_chain_leg *legs[4];
  static const char *const tags[4] = {"this_week", "next_week", "this_month",
                                      "next_month"};
  static const g6_date dates[4] = {
      {2025, 1, 9}, {2025, 1, 16}, {2025, 1, 30}, {2025, 2, 27}};
  for (int e = 0; e < nx; e++)
    legs[e] = calloc(2 * ns, sizeof(g6_chain_leg));
  int64_t t0 = g6_ist_epoch((g6_date){2025, 1, 6}, 9, 15, 0);
  double spot = 23600;
  for (int s = 0; s < count; s++) {
    int64_t now = t0 + 30 * s;
    spot *= exp(0.0004 * sin(s * 0.7) + 0.0002 * cos(s * 1.3));
    double atm = nearbyint(spot / 50) * 50;
    for (size_t i = 0; i < ns; i++)
      strikes[i] = atm + 50.0 * ((double)i - side);
    memset(ex, 0, sizeof(ex));
    for (int e = 0; e < nx; e++) {
      g6_expiry_result *x = &ex[e];
      x->tag = tags[e];
      x->spec.rule = (g6_expiry_rule)e;
      x->resolved = true;
      x->date = dates[e];
      x->expiry_epoch = g6_expiry_epoch(x->date);
      x->T = (double)(x->expiry_epoch - now) / (365.0 * 86400);
      x->status = G6_CHAIN_OK;
      x->legs_requested = x->legs_listed = 2 * ns;
      x->lot_size = 75;
      x->straddle_open = NAN;
      x->legs = legs[e];
      double put_oi = 0, call_oi = 0, put_v = 0, call_v = 0;
      for (size_t i = 0; i < 2 * ns; i++) {
        g6_chain_leg *l = &legs[e][i];
        memset(l, 0, sizeof(*l));
        l->oi_open = l->last_prev = l->oi_prev = NAN; /* no session kept */
        double K = strikes[i / 2];
        int put = (int)(i % 2);
        l->q.strike = K;
        l->q.is_put = put;
        snprintf(l->key, sizeof(l->key), "NFO:NIFTY25%s%.0f%s",
                 e == 0 ? "109" : "1X6", K, put ? "PE" : "CE");
        l->q.quoted = true;
        long far = labs((long)i / 2 - side);
        if (far > side / 2 && (s + (int)i) % 10 == 0) {
          l->q.quoted = false;
          l->q.last = l->q.avg = l->q.bid = l->q.ask = l->q.volume = l->q.oi =
              NAN;
          l->iv = l->delta = l->gamma = l->theta = l->vega = l->rho = NAN;
          l->iv_status = G6_ENOENT;
          l->reject = G6_REJECT_MISSING_QUOTE;
          x->rejects[G6_REJECT_MISSING_QUOTE]++;
          continue;
        }
        double sig = vol(spot, K, x->T);
        double p =
            g6_bsm_price(put ? G6_PUT : G6_CALL, spot, K, x->T, 0.065, 0, sig);
        p = fmax(0.05, nearbyint(p * 20) / 20);
        l->q.last = p;
        l->q.avg = nearbyint(p * 19.9) / 20;
        l->q.bid = fmax(0.05, p - 0.05 * (1 + (double)far / 10));
        l->q.ask = p + 0.05 * (1 + (double)far / 10);
        l->q.oi =
            75 * nearbyint(2000 * exp(-0.5 * (double)(far * far) / 100) + 40);
        l->q.volume = 3 * l->q.oi;
        g6_greeks g;
        l->iv = sig;
        l->iv_status = G6_OK;
        g6_bsm_greeks(put ? G6_PUT : G6_CALL, spot, K, x->T, 0.065, 0, sig, &g);
        l->delta = g.delta;
        l->gamma = g.gamma;
        l->theta = g.theta;
        l->vega = g.vega;
        l->rho = g.rho;
        x->legs_collected++;
        *(put ? &put_oi : &call_oi) += l->q.oi;
        *(put ? &put_v : &call_v) += l->q.volume;
      }
      x->strike_coverage = 1;
      x->field_coverage = 1;
      x->pcr_oi = put_oi / call_oi;
      x->pcr_volume = put_v / call_v;
    }
    g6_snapshot v = {.ix = &ix,
                     .seq = (uint64_t)s + 1,
                     .generated_at = now,
                     .ts = g6_round30((double)now, G6_ROUND_NEAREST),
                     .market_open = true,
                     .status = G6_CHAIN_OK,
                     .spot = spot,
                     .atm = atm,
                     .step = 50,
                     .day_high = spot + 40,
                     .day_low = spot - 35,
                     .vix = 13.5,
                     .r = 0.065,
                     .q = 0,
                     .n_strikes = ns,
                     .strikes = strikes,
                     .n_expiries = (size_t)nx,
                     .expiries = ex};
    g6_error err;
    if (g6_snapshot_write(data, &v, &scratch, false, &err) != G6_OK ||
        g6_snapshot_history_keep(data, "NIFTY", now, v.seq, false, &err) !=
            G6_OK) {
      fprintf(stderr, "gen_snapshots: %s\n", err.msg);
      return 1;
    }
  }
  for (int e = 0; e < nx; e++)
    free(legs[e]);
  free(strikes);
  g6_buf_free(&scratch);
  return 0;
}
