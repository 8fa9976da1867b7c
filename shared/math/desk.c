/* Straddles, gamma exposure, build-up classes and IV rank (math/desk.h). */
#include "math/desk.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

g6_status g6_desk_straddle(const g6_leg *legs, size_t n, double atm, double S,
                           g6_price_source src, g6_straddle *out) {
  if (out == NULL || (legs == NULL && n > 0))
    return G6_EINVAL;
  out->strike = atm;
  out->call = out->put = out->price = out->move_share = NAN;
  bool found = false;
  for (size_t i = 0; i < n; i++) {
    if (legs[i].strike != atm)
      continue;
    found = true;
    double px = g6_leg_price(&legs[i], src);
    if (legs[i].type == G6_CALL)
      out->call = px;
    else
      out->put = px;
  }
  if (!found)
    return G6_ENOENT;
  out->price = out->call + out->put; /* NAN when either is unknown */
  out->move_share = S > 0 && isfinite(S) ? out->price / S : NAN;
  return G6_OK;
}

typedef struct strike_gex {
  double K, gex;
} strike_gex;

static int cmp_strike(const void *a, const void *b) {
  const strike_gex *x = a, *y = b;
  return (x->K > y->K) - (x->K < y->K);
}

g6_status g6_desk_gex(const g6_leg *legs, size_t n, double S, double lot,
                      g6_gex *out) {
  if (out == NULL || (legs == NULL && n > 0) || !(S > 0) || !(lot > 0) ||
      !isfinite(S) || !isfinite(lot))
    return G6_EINVAL;
  memset(out, 0, sizeof(*out));
  out->flip_strike = NAN;
  strike_gex *per = malloc((n ? n : 1) * sizeof(*per));
  if (per == NULL)
    return G6_ENOMEM;
  size_t m = 0, side_legs[2] = {0, 0};
  double scale = lot * S * S * 0.01;
  for (size_t i = 0; i < n; i++) {
    const g6_leg *l = &legs[i];
    if (!isfinite(l->gamma) || !isfinite(l->oi) || l->oi < 0 ||
        !(l->strike > 0)) {
      out->missing++;
      continue;
    }
    double g = l->gamma * l->oi * scale;
    if (l->type == G6_CALL) {
      out->calls += g;
    } else {
      g = -g;
      out->puts += g;
    }
    out->legs++;
    side_legs[l->type != G6_CALL]++;
    per[m++] = (strike_gex){l->strike, g};
  }
  /* a side without a usable leg has an unknown exposure, not 0, and so
   * has the total (the puts alone are not the dealers' gamma) */
  if (side_legs[0] == 0)
    out->calls = NAN;
  if (side_legs[1] == 0)
    out->puts = NAN;
  out->total = out->calls + out->puts;
  /* cumulative exposure over ascending strikes, linear between them; the
   * flip is where it crosses zero: between two strikes, or at the strike
   * where it is exactly 0 (the first of a run of zeros) before changing
   * sign; a zero it leaves with the same sign is no flip */
  qsort(per, m, sizeof(*per), cmp_strike);
  double cum = 0, prev_cum = 0, prev_k = NAN, zero_k = NAN;
  for (size_t i = 0; i < m;) {
    double K = per[i].K, sum = 0;
    for (; i < m && per[i].K == K; i++)
      sum += per[i].gex;
    cum += sum;
    if (!isnan(prev_k) && ((prev_cum < 0 && cum > 0) ||
                           (prev_cum > 0 && cum < 0))) {
      out->flip_strike =
          !isnan(zero_k)
              ? zero_k
              : prev_k + (K - prev_k) * (-prev_cum) / (cum - prev_cum);
      break;
    }
    if (cum != 0) {
      prev_cum = cum;
      prev_k = K;
      zero_k = NAN;
    } else if (!isnan(prev_k) && isnan(zero_k)) {
      zero_k = K;
    }
  }
  free(per);
  return G6_OK;
}

const char *g6_buildup_name(g6_buildup b) {
  static const char *const names[] = {"none", "long_buildup", "short_buildup",
                                      "short_covering", "long_unwinding"};
  return (unsigned)b < G6_BUILDUP_COUNT ? names[b] : "unknown";
}

/* +1 / -1 when the change exceeds both thresholds, else 0. */
static int direction(double prev, double now, double abs_t, double rel_t) {
  double d = now - prev;
  double band = fmax(abs_t, rel_t * fabs(prev));
  if (d > band)
    return 1;
  if (d < -band)
    return -1;
  return 0;
}

g6_buildup g6_buildup_classify(double price_prev, double price_now,
                               double oi_prev, double oi_now,
                               const g6_buildup_band *band) {
  g6_buildup_band d = G6_BUILDUP_BAND_DEFAULT;
  const g6_buildup_band *b = band ? band : &d;
  if (!isfinite(price_prev) || !isfinite(price_now) || !isfinite(oi_prev) ||
      !isfinite(oi_now))
    return G6_BUILDUP_NONE;
  int p = direction(price_prev, price_now, b->price_abs, b->price_rel);
  int o = direction(oi_prev, oi_now, b->oi_abs, b->oi_rel);
  if (p == 0 || o == 0)
    return G6_BUILDUP_NONE;
  if (o > 0)
    return p > 0 ? G6_BUILDUP_LONG : G6_BUILDUP_SHORT;
  return p > 0 ? G6_BUILDUP_SHORT_COVERING : G6_BUILDUP_LONG_UNWINDING;
}

g6_status g6_desk_buildup(const g6_leg *legs, size_t n,
                          const g6_buildup_band *band,
                          g6_buildup_counts *out) {
  if (out == NULL || (legs == NULL && n > 0))
    return G6_EINVAL;
  memset(out, 0, sizeof(*out));
  for (size_t i = 0; i < n; i++) {
    const g6_leg *l = &legs[i];
    int side = l->type == G6_PUT;
    /* a class needs both ends; "inside the band" must not hide "unknown" */
    if (!isfinite(l->last_prev) || !isfinite(l->last) ||
        !isfinite(l->oi_prev) || !isfinite(l->oi)) {
      out->unknown[side]++;
      continue;
    }
    out->n[side][g6_buildup_classify(l->last_prev, l->last, l->oi_prev, l->oi,
                                     band)]++;
  }
  return G6_OK;
}

g6_status g6_desk_oi_change(const g6_leg *legs, size_t n, g6_oi_change *out) {
  if (out == NULL || (legs == NULL && n > 0))
    return G6_EINVAL;
  memset(out, 0, sizeof(*out));
  double sum[2] = {0, 0};
  size_t used[2] = {0, 0};
  for (size_t i = 0; i < n; i++) {
    const g6_leg *l = &legs[i];
    if (!isfinite(l->oi) || !isfinite(l->oi_open)) {
      out->missing++;
      continue;
    }
    int side = l->type == G6_PUT;
    sum[side] += l->oi - l->oi_open;
    used[side]++;
  }
  out->call = used[0] ? sum[0] : NAN;
  out->put = used[1] ? sum[1] : NAN;
  out->call_legs = used[0];
  out->put_legs = used[1];
  return G6_OK;
}

g6_status g6_desk_iv_rank(const double *history, size_t n, double now,
                          size_t min_days, g6_iv_rank *out) {
  if (out == NULL || (history == NULL && n > 0))
    return G6_EINVAL;
  out->rank = out->percentile = out->min = out->max = NAN;
  out->days = 0;
  size_t below = 0;
  for (size_t i = 0; i < n; i++) {
    double v = history[i];
    if (!isfinite(v))
      continue;
    out->days++;
    out->min = isnan(out->min) || v < out->min ? v : out->min;
    out->max = isnan(out->max) || v > out->max ? v : out->max;
    below += isfinite(now) && v < now;
  }
  if (out->days == 0 || out->days < min_days || !isfinite(now))
    return G6_OK;
  out->percentile = (double)below / (double)out->days;
  if (out->max > out->min)
    out->rank = (now - out->min) / (out->max - out->min);
  return G6_OK;
}
