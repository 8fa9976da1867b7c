/* Chain-level analytics (see math/analytics.h). */
#include "math/analytics.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

static int known(double v) { return isfinite(v); }

static int valid_strike(double K) { return K > 0 && isfinite(K); }

g6_leg g6_leg_make(double strike, g6_opt_type type, int64_t expiry, double T) {
  g6_leg l;
  l.strike = strike;
  l.type = type;
  l.expiry = expiry;
  l.T = T;
  l.last = l.bid = l.ask = l.oi = l.volume = NAN;
  l.iv = l.delta = l.gamma = l.theta = l.vega = l.rho = NAN;
  l.oi_open = l.last_prev = l.oi_prev = NAN;
  return l;
}

/* ---- IV and Greeks ------------------------------------------------------ */

static double leg_price(const g6_leg *l, g6_price_source src) {
  double mid = NAN;
  if (src != G6_PRICE_LAST && known(l->bid) && known(l->ask) && l->bid > 0 &&
      l->bid <= l->ask)
    mid = 0.5 * (l->bid + l->ask);
  if (src == G6_PRICE_MID || (src == G6_PRICE_MID_OR_LAST && known(mid)))
    return mid;
  return known(l->last) && l->last > 0 ? l->last : NAN;
}

static void leg_clear_results(g6_leg *l) {
  l->iv = l->delta = l->gamma = l->theta = l->vega = l->rho = NAN;
}

#define IV_BLOCK 64

g6_status g6_chain_iv_greeks(g6_leg *legs, size_t n, double S, double r,
                             double q, g6_price_source src,
                             const g6_iv_opts *opts,
                             g6_chain_iv_stats *stats) {
  if ((legs == NULL && n > 0) || stats == NULL)
    return G6_EINVAL;
  memset(stats, 0, sizeof(*stats));
  g6_iv_job jobs[IV_BLOCK];
  size_t idx[IV_BLOCK];
  for (size_t base = 0; base < n; base += IV_BLOCK) {
    size_t end = n - base < IV_BLOCK ? n : base + IV_BLOCK, m = 0;
    for (size_t i = base; i < end; i++) {
      g6_leg *l = &legs[i];
      stats->legs++;
      leg_clear_results(l);
      double p = leg_price(l, src);
      if (!known(p) || !(p > 0)) {
        stats->no_price++;
        continue;
      }
      jobs[m].type = l->type;
      jobs[m].K = l->strike;
      jobs[m].T = l->T;
      jobs[m].price = p;
      idx[m++] = i;
    }
    g6_iv_bsm_batch(S, r, q, opts, jobs, m);
    for (size_t k = 0; k < m; k++) {
      g6_leg *l = &legs[idx[k]];
      g6_status st = jobs[k].status;
      stats->by_status[st < G6_STATUS_COUNT ? st : G6_EINTERNAL]++;
      if (st != G6_OK && st != G6_EIV_OUT_OF_BOUNDS)
        continue;
      g6_greeks g;
      if (g6_bsm_greeks(l->type, S, l->strike, l->T, r, q, jobs[k].iv, &g) !=
          G6_OK)
        continue;
      l->iv = jobs[k].iv;
      l->delta = g.delta;
      l->gamma = g.gamma;
      l->theta = g.theta;
      l->vega = g.vega;
      l->rho = g.rho;
    }
  }
  return G6_OK;
}

/* ---- PCR, max pain, support/resistance ---------------------------------- */

static int in_window(const g6_leg *l, double kmin, double kmax) {
  return valid_strike(l->strike) && l->strike >= kmin && l->strike <= kmax;
}

g6_status g6_chain_pcr(const g6_leg *legs, size_t n, double kmin, double kmax,
                       g6_pcr *out) {
  if ((legs == NULL && n > 0) || out == NULL)
    return G6_EINVAL;
  memset(out, 0, sizeof(*out));
  /* legs with a known value, per side: a side without one has an unknown
   * total (a sum over nothing), not 0 */
  size_t oi_known[2] = {0, 0}, vol_known[2] = {0, 0};
  for (size_t i = 0; i < n; i++) {
    const g6_leg *l = &legs[i];
    if (!in_window(l, kmin, kmax))
      continue;
    out->legs++;
    int put = l->type == G6_PUT;
    if (known(l->oi)) {
      *(put ? &out->put_oi : &out->call_oi) += l->oi;
      oi_known[put]++;
    } else {
      out->missing_oi++;
    }
    if (known(l->volume)) {
      *(put ? &out->put_volume : &out->call_volume) += l->volume;
      vol_known[put]++;
    } else {
      out->missing_volume++;
    }
  }
  out->by_oi = out->call_oi > 0 && oi_known[1] > 0 ? out->put_oi / out->call_oi
                                                   : NAN;
  out->by_volume = out->call_volume > 0 && vol_known[1] > 0
                       ? out->put_volume / out->call_volume
                       : NAN;
  return G6_OK;
}

/* An OI max pain can use: a finite number >= 0 (a negative one is a bad
 * quote, and would break the convexity the search relies on). */
static int oi_usable(const g6_leg *l) { return known(l->oi) && l->oi >= 0; }

/* pain(P) by a pass over the legs: O(n) per candidate; a sum of terms >= 0,
 * so no cancellation. */
static double pain_at(const g6_leg *legs, size_t n, double kmin, double kmax,
                      double P) {
  double pain = 0.0;
  for (size_t i = 0; i < n; i++) {
    const g6_leg *l = &legs[i];
    if (!in_window(l, kmin, kmax) || !oi_usable(l))
      continue;
    double d = l->type == G6_CALL ? P - l->strike : l->strike - P;
    if (d > 0)
      pain += l->oi * d;
  }
  return pain;
}

/* A sum of OI, exact (in 128-bit integers) while every term is an integer
 * below 2^63 — Kite's OI always is — else in doubles. */
typedef struct oi_sum {
  unsigned __int128 i;
  double d;
} oi_sum;

static void oi_add(oi_sum *s, double oi, int *exact) {
  s->d += oi;
  if (oi < 0x1p63 && oi == floor(oi))
    s->i += (unsigned __int128)(uint64_t)oi;
  else
    *exact = 0;
}

/* a >= b - c (a: the calls at or below P; b - c: the puts above P) */
static int oi_ge(oi_sum a, oi_sum b, oi_sum c, int exact) {
  return exact ? a.i + c.i >= b.i : a.d >= b.d - c.d;
}

/* pain(P) is convex in P (a sum of OI >= 0 times hinges); between the
 * strikes P_j < P_j+1 its slope is (calls' OI at or below P_j) - (puts'
 * OI above P_j), which never falls. The minimum is at the first strike
 * where the slope is >= 0 (0: a tie with the next strike, the lower wins),
 * or at the last strike. Comparing OI sums instead of differencing pains
 * (sums of OI x strike near 1e20 for OI near 2^53) keeps the choice exact,
 * ties included. */
g6_status g6_chain_max_pain(const g6_leg *legs, size_t n, double kmin,
                            double kmax, g6_max_pain *out) {
  if ((legs == NULL && n > 0) || out == NULL)
    return G6_EINVAL;
  out->strike = out->pain = NAN;
  out->candidates = out->missing_oi = 0;
  oi_sum puts = {0, 0}, calls = {0, 0}, none = {0, 0};
  double prev = -INFINITY;
  int any_oi = 0, sorted = 1, exact = 1;
  for (size_t i = 0; i < n; i++) {
    const g6_leg *l = &legs[i];
    if (!in_window(l, kmin, kmax))
      continue;
    if (l->strike < prev)
      sorted = 0;
    prev = l->strike;
    if (!oi_usable(l)) {
      out->missing_oi++;
      continue;
    }
    any_oi = 1;
    oi_add(l->type == G6_PUT ? &puts : &calls, l->oi, &exact);
  }
  if (!any_oi)
    return G6_ENOENT;
  /* no open interest on one side (or anywhere): every strike ties, or the
   * extreme strike wins by construction; no pain to minimise */
  if (!(calls.d > 0) || !(puts.d > 0))
    return G6_ENOENT;
  double best = NAN, last = -INFINITY;
  if (sorted) { /* chains come sorted by strike: one sweep */
    oi_sum calls_le = {0, 0}, puts_le = {0, 0};
    size_t i = 0;
    while (i < n) {
      if (!in_window(&legs[i], kmin, kmax)) {
        i++;
        continue;
      }
      double P = legs[i].strike;
      out->candidates++;
      last = P;
      for (; i < n; i++) {
        const g6_leg *l = &legs[i];
        if (!in_window(l, kmin, kmax))
          continue;
        if (l->strike != P)
          break;
        if (oi_usable(l))
          oi_add(l->type == G6_CALL ? &calls_le : &puts_le, l->oi, &exact);
      }
      if (isnan(best) && oi_ge(calls_le, puts, puts_le, exact))
        best = P;
    }
  } else { /* unsorted: O(n²) */
    for (size_t i = 0; i < n; i++) {
      if (!in_window(&legs[i], kmin, kmax))
        continue;
      double P = legs[i].strike;
      int seen = 0;
      for (size_t j = 0; j < i && !seen; j++)
        seen = in_window(&legs[j], kmin, kmax) && legs[j].strike == P;
      if (seen)
        continue;
      out->candidates++;
      last = P > last ? P : last;
      if (!isnan(best) && best < P)
        continue;
      oi_sum calls_le = {0, 0}, puts_gt = {0, 0};
      for (size_t j = 0; j < n; j++) {
        const g6_leg *l = &legs[j];
        if (!in_window(l, kmin, kmax) || !oi_usable(l))
          continue;
        if (l->type == G6_CALL && l->strike <= P)
          oi_add(&calls_le, l->oi, &exact);
        else if (l->type == G6_PUT && l->strike > P)
          oi_add(&puts_gt, l->oi, &exact);
      }
      if (oi_ge(calls_le, puts_gt, none, exact))
        best = P;
    }
  }
  out->strike = isnan(best) ? last : best;
  out->pain = pain_at(legs, n, kmin, kmax, out->strike);
  return G6_OK;
}

/* Inserts (K, oi) into the top-k list kept in descending OI order. */
static void top_insert(g6_oi_level *top, size_t *len, size_t k, double K,
                       double oi, double ref) {
  size_t pos = *len;
  while (pos > 0) {
    const g6_oi_level *p = &top[pos - 1];
    int better = oi > p->oi ||
                 (oi == p->oi && fabs(K - ref) < fabs(p->strike - ref));
    if (!better)
      break;
    pos--;
  }
  if (pos >= k)
    return;
  size_t last = *len < k ? *len : k - 1;
  memmove(&top[pos + 1], &top[pos], (last - pos) * sizeof(*top));
  top[pos].strike = K;
  top[pos].oi = oi;
  if (*len < k)
    (*len)++;
}

g6_status g6_chain_support_resistance(const g6_leg *legs, size_t n,
                                      double ref, size_t k,
                                      g6_oi_level *support, size_t *n_support,
                                      g6_oi_level *resistance,
                                      size_t *n_resistance) {
  if ((legs == NULL && n > 0) || n_support == NULL || n_resistance == NULL ||
      (k > 0 && (support == NULL || resistance == NULL)))
    return G6_EINVAL;
  *n_support = *n_resistance = 0;
  if (k == 0)
    return G6_OK;
  for (size_t i = 0; i < n; i++) {
    const g6_leg *l = &legs[i];
    if (!valid_strike(l->strike) || !known(l->oi) || !(l->oi > 0))
      continue;
    if (l->type == G6_PUT && l->strike < ref)
      top_insert(support, n_support, k, l->strike, l->oi, ref);
    else if (l->type == G6_CALL && l->strike > ref)
      top_insert(resistance, n_resistance, k, l->strike, l->oi, ref);
  }
  return G6_OK;
}

/* ---- ATM IV and skew ------------------------------------------------------ */

typedef struct leg_filter {
  int on;
  int64_t expiry;
} leg_filter;

static int passes(const g6_leg *l, leg_filter f) {
  return !f.on || l->expiry == f.expiry;
}

/* The IV at strike K: the out-of-the-money leg relative to F, else the
 * other; the mean of both at K == F. */
static double strike_iv(const g6_leg *legs, size_t n, leg_filter f, double K,
                        double F) {
  double call = NAN, put = NAN;
  for (size_t i = 0; i < n; i++) {
    const g6_leg *l = &legs[i];
    if (!passes(l, f) || l->strike != K || !known(l->iv))
      continue;
    *(l->type == G6_CALL ? &call : &put) = l->iv;
  }
  if (K == F && known(call) && known(put))
    return 0.5 * (call + put);
  if (K < F)
    return known(put) ? put : call;
  return known(call) ? call : put;
}

static g6_status atm_iv_filtered(const g6_leg *legs, size_t n, leg_filter f,
                                 double F, double *iv) {
  *iv = NAN;
  if (!(F > 0) || !isfinite(F))
    return G6_ENOENT;
  double lo = -INFINITY, hi = INFINITY;
  for (size_t i = 0; i < n; i++) {
    const g6_leg *l = &legs[i];
    if (!passes(l, f) || !valid_strike(l->strike) || !known(l->iv))
      continue;
    if (l->strike <= F && l->strike > lo)
      lo = l->strike;
    if (l->strike >= F && l->strike < hi)
      hi = l->strike;
  }
  if (!isfinite(lo) || !isfinite(hi))
    return G6_ENOENT;
  double vlo = strike_iv(legs, n, f, lo, F);
  if (lo == hi) {
    *iv = vlo;
    return G6_OK;
  }
  double vhi = strike_iv(legs, n, f, hi, F);
  *iv = vlo + (F - lo) / (hi - lo) * (vhi - vlo);
  return G6_OK;
}

g6_status g6_chain_atm_iv(const g6_leg *legs, size_t n, double F, double *iv) {
  if ((legs == NULL && n > 0) || iv == NULL)
    return G6_EINVAL;
  leg_filter all = {0, 0};
  return atm_iv_filtered(legs, n, all, F, iv);
}

/* A leg the 25-delta interpolation can use: of `type`, with a strike, a
 * delta and an IV. */
static int delta_leg(const g6_leg *l, g6_opt_type type) {
  return l->type == type && valid_strike(l->strike) && known(l->delta) &&
         known(l->iv);
}

/* The usable leg of the next strike above legs[i]'s (the first leg of that
 * strike), or n when none: the next in the array when the usable legs are
 * in ascending strike order, else a scan. */
static size_t next_strike_leg(const g6_leg *legs, size_t n, g6_opt_type type,
                              size_t i, int sorted) {
  double K = legs[i].strike;
  size_t best = n;
  for (size_t j = sorted ? i + 1 : 0; j < n; j++) {
    const g6_leg *l = &legs[j];
    if (!delta_leg(l, type) || !(l->strike > K))
      continue;
    if (sorted)
      return j;
    if (best == n || l->strike < legs[best].strike)
      best = j;
  }
  return best;
}

/* IV at delta `target` among legs of one type, linear in delta between the
 * legs of two adjacent strikes whose deltas bracket it. Deltas fall with
 * the strike, so there is one such pair; when a bad quote makes them cross
 * the target more than once, the pair nearest the money wins (the lowest
 * strikes for a call, the highest for a put): a far out-of-the-money quote
 * cannot move the figure. NAN when no pair brackets the target (never
 * extrapolated). */
static double iv_at_delta(const g6_leg *legs, size_t n, g6_opt_type type,
                          double target) {
  int sorted = 1;
  double prev = -INFINITY;
  for (size_t i = 0; i < n; i++) {
    if (!delta_leg(&legs[i], type))
      continue;
    if (legs[i].strike < prev)
      sorted = 0;
    prev = legs[i].strike;
  }
  const g6_leg *lo = NULL, *hi = NULL;
  for (size_t i = 0; i < n; i++) {
    const g6_leg *a = &legs[i];
    if (!delta_leg(a, type))
      continue;
    size_t j = next_strike_leg(legs, n, type, i, sorted);
    /* a leg at the target is a pair of its own */
    const g6_leg *b = a->delta == target ? a : j < n ? &legs[j] : NULL;
    if (b == NULL || !((a->delta <= target && b->delta >= target) ||
                       (a->delta >= target && b->delta <= target)))
      continue; /* both on one side */
    if (lo == NULL || (type == G6_CALL ? a->strike < lo->strike
                                       : a->strike > lo->strike)) {
      lo = a;
      hi = b;
    }
  }
  if (lo == NULL)
    return NAN;
  if (hi->delta == lo->delta)
    return lo->iv;
  return lo->iv + (target - lo->delta) / (hi->delta - lo->delta) *
                      (hi->iv - lo->iv);
}

g6_status g6_chain_skew25(const g6_leg *legs, size_t n, double F,
                          g6_skew25 *out) {
  if ((legs == NULL && n > 0) || out == NULL)
    return G6_EINVAL;
  g6_chain_atm_iv(legs, n, F, &out->atm_iv);
  out->call25_iv = iv_at_delta(legs, n, G6_CALL, 0.25);
  out->put25_iv = iv_at_delta(legs, n, G6_PUT, -0.25);
  out->rr25 = out->call25_iv - out->put25_iv;
  out->bf25 = 0.5 * (out->call25_iv + out->put25_iv) - out->atm_iv;
  if (!known(out->rr25) || !known(out->bf25))
    return G6_ENOENT;
  return G6_OK;
}

/* ---- chain-wide ---------------------------------------------------------- */

/* The smallest expiry above `after` among legs, or 0 when none. */
static int next_expiry(const g6_leg *legs, size_t n, int64_t after,
                       int started, int64_t *out) {
  int found = 0;
  for (size_t i = 0; i < n; i++) {
    int64_t e = legs[i].expiry;
    if (started && e <= after)
      continue;
    if (!found || e < *out) {
      *out = e;
      found = 1;
    }
  }
  return found;
}

g6_status g6_chain_term_structure(const g6_leg *legs, size_t n, double S,
                                  double r, double q, g6_term_point *out,
                                  size_t cap, size_t *n_out) {
  if ((legs == NULL && n > 0) || n_out == NULL || (cap > 0 && out == NULL))
    return G6_EINVAL;
  *n_out = 0;
  int64_t e = 0;
  int started = 0;
  while (next_expiry(legs, n, e, started, &e)) {
    started = 1;
    if (*n_out == cap)
      return G6_ETOOBIG;
    g6_term_point *p = &out[(*n_out)++];
    p->expiry = e;
    p->T = NAN;
    for (size_t i = 0; i < n && isnan(p->T); i++)
      if (legs[i].expiry == e && known(legs[i].T))
        p->T = legs[i].T;
    p->forward = S * exp((r - q) * p->T);
    leg_filter f = {1, e};
    p->status = atm_iv_filtered(legs, n, f, p->forward, &p->atm_iv);
  }
  return G6_OK;
}

/* Sign of 100 K - S (100 + e): K against the moneyness edge e (percent),
 * exact for the usual strikes and edges (100 K and 100 + e are exact, and
 * fma rounds the difference once). */
static double edge_cmp(double K, double S, double e) {
  return -fma(S, 100.0 + e, -100.0 * K);
}

static const char *const mny_names[G6_MNY_COUNT] = {"deep_itm", "itm", "atm",
                                                    "otm", "deep_otm"};
static const char *const dte_names[G6_DTE_COUNT] = {"ultra_short", "short",
                                                    "medium", "long", "leap"};

const char *g6_mny_bucket_name(int b) {
  return b >= 0 && b < G6_MNY_COUNT ? mny_names[b] : "unknown";
}

const char *g6_dte_bucket_name(int b) {
  return b >= 0 && b < G6_DTE_COUNT ? dte_names[b] : "unknown";
}

int g6_mny_bucket(double K, double S) {
  if (!valid_strike(K) || !valid_strike(S))
    return -1;
  if (edge_cmp(K, S, -20.0) <= 0)
    return G6_MNY_DEEP_ITM;
  if (edge_cmp(K, S, -5.0) < 0)
    return G6_MNY_ITM;
  if (edge_cmp(K, S, 5.0) < 0)
    return G6_MNY_ATM;
  if (edge_cmp(K, S, 20.0) < 0)
    return G6_MNY_OTM;
  return G6_MNY_DEEP_OTM;
}

int g6_dte_bucket(double T) {
  if (!isfinite(T) || T < 0)
    return -1;
  double d = T * 365.0, r = nearbyint(d);
  if (fabs(d - r) <= 1e-9) /* T = days/365 is not exact in binary */
    d = r;
  if (d < 1)
    return G6_DTE_ULTRA_SHORT;
  if (d < 7)
    return G6_DTE_SHORT;
  if (d < 30)
    return G6_DTE_MEDIUM;
  if (d < 90)
    return G6_DTE_LONG;
  return G6_DTE_LEAP;
}

g6_status g6_chain_buckets(const g6_leg *legs, size_t n, double S,
                           g6_bucket_table *out) {
  if ((legs == NULL && n > 0) || out == NULL)
    return G6_EINVAL;
  memset(out, 0, sizeof(*out));
  double iv_sum[G6_MNY_COUNT][G6_DTE_COUNT] = {{0}};
  double sp_sum[G6_MNY_COUNT][G6_DTE_COUNT] = {{0}};
  for (size_t i = 0; i < n; i++) {
    const g6_leg *l = &legs[i];
    int m = g6_mny_bucket(l->strike, S), d = g6_dte_bucket(l->T);
    if (m < 0 || d < 0) {
      out->unbucketed++;
      continue;
    }
    g6_bucket_cell *c = &out->cell[m][d];
    c->contracts++;
    if (known(l->oi)) {
      c->oi += l->oi;
      c->n_oi++;
    }
    if (known(l->volume)) {
      c->volume += l->volume;
      c->n_volume++;
    }
    if (known(l->iv)) {
      iv_sum[m][d] += l->iv;
      c->n_iv++;
    }
    if (known(l->bid) && known(l->ask) && l->bid > 0 && l->bid <= l->ask) {
      sp_sum[m][d] += (l->ask - l->bid) / (0.5 * (l->ask + l->bid)) * 1e4;
      c->n_spread++;
    }
  }
  for (int m = 0; m < G6_MNY_COUNT; m++)
    for (int d = 0; d < G6_DTE_COUNT; d++) {
      g6_bucket_cell *c = &out->cell[m][d];
      c->iv_mean = c->n_iv ? iv_sum[m][d] / (double)c->n_iv : NAN;
      c->spread_bps = c->n_spread ? sp_sum[m][d] / (double)c->n_spread : NAN;
    }
  return G6_OK;
}

g6_status g6_chain_net_greeks(const g6_leg *legs, size_t n, double S,
                              g6_greek_table *out) {
  if ((legs == NULL && n > 0) || out == NULL)
    return G6_EINVAL;
  memset(out, 0, sizeof(*out));
  for (size_t i = 0; i < n; i++) {
    const g6_leg *l = &legs[i];
    int m = g6_mny_bucket(l->strike, S), d = g6_dte_bucket(l->T);
    if (m < 0 || d < 0) {
      out->unbucketed++;
      continue;
    }
    if (!known(l->delta) || !known(l->gamma) || !known(l->theta) ||
        !known(l->vega) || !known(l->rho)) {
      out->missing_greeks++;
      continue;
    }
    g6_greek_cell *c = &out->cell[m][d];
    c->legs++;
    c->delta += l->delta;
    c->gamma += l->gamma;
    c->theta += l->theta;
    c->vega += l->vega;
    c->rho += l->rho;
    if (known(l->oi)) {
      c->legs_oi++;
      c->oi_delta += l->oi * l->delta;
      c->oi_gamma += l->oi * l->gamma;
      c->oi_theta += l->oi * l->theta;
      c->oi_vega += l->oi * l->vega;
      c->oi_rho += l->oi * l->rho;
    }
  }
  return G6_OK;
}

/* ---- vol surface ----------------------------------------------------------- */

static const double default_edges[] = {-20, -10, -5, 0, 5, 10, 20};

int g6_surface_bucket(double K, double S, const double *edges,
                      size_t n_edges) {
  if (!valid_strike(K) || !valid_strike(S) || n_edges == 0)
    return -1;
  for (size_t i = 0; i < n_edges; i++)
    if (edge_cmp(K, S, edges[i]) <= 0)
      return (int)i;
  return (int)n_edges;
}

/* x coordinate of bucket b for interpolation: its midpoint, or the finite
 * edge of an open bucket. */
static double bucket_mid(const double *e, size_t m, size_t b) {
  if (b == 0)
    return e[0];
  if (b == m)
    return e[m - 1];
  return 0.5 * (e[b - 1] + e[b]);
}

/* The reference a leg's moneyness is taken against: one for every leg
 * (spot), or its expiry's forward. */
typedef struct surface_ref {
  double S;
  const int64_t *instants;
  const double *forwards;
  size_t n_fwd;
} surface_ref;

static double ref_of(const surface_ref *r, const g6_leg *l) {
  if (r->instants == NULL)
    return r->S;
  for (size_t i = 0; i < r->n_fwd; i++)
    if (r->instants[i] == l->expiry)
      return r->forwards[i];
  return NAN;
}

static g6_status vol_surface(const g6_leg *legs, size_t n,
                             const surface_ref *ref, const double *edges,
                             size_t n_edges, bool interpolate,
                             g6_surface *out);

g6_status g6_chain_vol_surface(const g6_leg *legs, size_t n, double S,
                               const double *edges, size_t n_edges,
                               bool interpolate, g6_surface *out) {
  surface_ref ref = {S, NULL, NULL, 0};
  return vol_surface(legs, n, &ref, edges, n_edges, interpolate, out);
}

g6_status g6_chain_vol_surface_fwd(const g6_leg *legs, size_t n,
                                   const int64_t *instants,
                                   const double *forwards, size_t n_fwd,
                                   const double *edges, size_t n_edges,
                                   bool interpolate, g6_surface *out) {
  if (n_fwd > 0 && (instants == NULL || forwards == NULL))
    return G6_EINVAL;
  static const int64_t none = 0;
  surface_ref ref = {NAN, n_fwd ? instants : &none, forwards, n_fwd};
  return vol_surface(legs, n, &ref, edges, n_edges, interpolate, out);
}

static g6_status vol_surface(const g6_leg *legs, size_t n,
                             const surface_ref *ref, const double *edges,
                             size_t n_edges, bool interpolate,
                             g6_surface *out) {
  if ((legs == NULL && n > 0) || out == NULL)
    return G6_EINVAL;
  if (edges == NULL) {
    edges = default_edges;
    n_edges = sizeof(default_edges) / sizeof(default_edges[0]);
  }
  if (n_edges == 0 || n_edges > G6_SURFACE_MAX_EDGES)
    return G6_EINVAL;
  for (size_t i = 0; i < n_edges; i++)
    if (!isfinite(edges[i]) || (i > 0 && !(edges[i] > edges[i - 1])))
      return G6_EINVAL;
  memset(out, 0, sizeof(*out));
  out->n_edges = n_edges;
  memcpy(out->edges, edges, n_edges * sizeof(*edges));
  g6_status st = G6_OK;
  int64_t e = 0;
  int started = 0;
  while (next_expiry(legs, n, e, started, &e)) {
    started = 1;
    if (out->n_expiries == G6_SURFACE_MAX_EXPIRIES) {
      st = G6_ETOOBIG;
      break;
    }
    out->expiry[out->n_expiries++] = e;
  }
  double sum[G6_SURFACE_MAX_EXPIRIES][G6_SURFACE_MAX_EDGES + 1] = {{0}};
  for (size_t i = 0; i < n; i++) {
    const g6_leg *l = &legs[i];
    int b = g6_surface_bucket(l->strike, ref_of(ref, l), edges, n_edges);
    size_t row = 0;
    while (row < out->n_expiries && out->expiry[row] != l->expiry)
      row++;
    if (b < 0 || !known(l->iv) || row == out->n_expiries) {
      out->skipped++;
      continue;
    }
    sum[row][b] += l->iv;
    out->count[row][b]++;
  }
  for (size_t row = 0; row < out->n_expiries; row++) {
    for (size_t b = 0; b <= n_edges; b++)
      out->iv[row][b] =
          out->count[row][b] ? sum[row][b] / out->count[row][b] : NAN;
    if (!interpolate)
      continue;
    for (size_t b = 1; b < n_edges; b++) {
      if (out->count[row][b])
        continue;
      size_t lo = b, hi = b;
      while (lo > 0 && !out->count[row][lo])
        lo--;
      while (hi < n_edges && !out->count[row][hi])
        hi++;
      if (!out->count[row][lo] || !out->count[row][hi])
        continue; /* never extrapolate */
      double xl = bucket_mid(edges, n_edges, lo);
      double xh = bucket_mid(edges, n_edges, hi);
      double xb = bucket_mid(edges, n_edges, b);
      out->iv[row][b] = out->iv[row][lo] + (xb - xl) / (xh - xl) *
                                               (out->iv[row][hi] -
                                                out->iv[row][lo]);
      out->interpolated[row][b] = true;
    }
  }
  return st;
}

double g6_leg_price(const g6_leg *l, g6_price_source src) {
  return leg_price(l, src);
}
