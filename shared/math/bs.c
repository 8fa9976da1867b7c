/* Black–Scholes–Merton / Black-76 prices and Greeks (DESIGN §8). */
#include "math/bs.h"

#include <math.h>

#define INV_SQRT_2PI 0.39894228040143267794 /* 1/sqrt(2 pi) */

double g6_norm_cdf(double x) { return 0.5 * erfc(-x * M_SQRT1_2); }

double g6_norm_pdf(double x) { return exp(-0.5 * x * x) * INV_SQRT_2PI; }

double g6_black76_price(g6_opt_type type, double F, double K, double T,
                        double r, double sigma) {
  if (!(F > 0) || !(K > 0) || !isfinite(F) || !isfinite(K) || isnan(T) ||
      isnan(r) || isnan(sigma))
    return NAN;
  double tt = T > 0 ? T : 0;
  double df = exp(-r * tt);
  double s = tt > 0 && sigma > 0 ? sigma * sqrt(tt) : 0.0;
  /* the limits, also where sigma sqrt(T) underflows to 0 (ln(F/K)/s would
   * be 0/0 at F == K) or overflows to +Inf (d2 = Inf - Inf) */
  if (!(s > 0)) {
    double iv = type == G6_CALL ? F - K : K - F;
    return iv > 0 ? df * iv : 0.0;
  }
  if (isinf(s))
    return df * (type == G6_CALL ? F : K);
  double d1 = log(F / K) / s + 0.5 * s;
  double d2 = d1 - s;
  if (type == G6_CALL)
    return df * (F * g6_norm_cdf(d1) - K * g6_norm_cdf(d2));
  return df * (K * g6_norm_cdf(-d2) - F * g6_norm_cdf(-d1));
}

double g6_bsm_price(g6_opt_type type, double S, double K, double T, double r,
                    double q, double sigma) {
  if (!(S > 0) || !isfinite(S) || isnan(T) || isnan(q))
    return NAN;
  double tt = T > 0 ? T : 0;
  double F = S * exp((r - q) * tt);
  return g6_black76_price(type, F, K, tt, r, sigma);
}

static g6_status greeks_fail(g6_greeks *out, g6_status st) {
  out->price = out->delta = out->gamma = NAN;
  out->theta = out->vega = out->rho = NAN;
  return st;
}

/* At or after expiry: the payoff, and the old platform's delta rule. */
static void greeks_expired(double w, double S, double K, g6_greeks *out) {
  double iv = w * (S - K);
  out->price = iv > 0 ? iv : 0.0;
  out->delta = iv > 0 ? w : 0.0;
  out->gamma = out->theta = out->vega = out->rho = 0.0;
}

static g6_status check_inputs(double S, double K, double T, double r,
                              double q, double sigma) {
  if (!isfinite(S) || !isfinite(K) || !isfinite(T) || !isfinite(r) ||
      !isfinite(q) || !isfinite(sigma) || !(S > 0) || !(K > 0))
    return G6_ENONFINITE;
  if (sigma < 0)
    return G6_EINVAL;
  return G6_OK;
}

g6_status g6_bsm_greeks(g6_opt_type type, double S, double K, double T,
                        double r, double q, double sigma, g6_greeks *out) {
  g6_status st = check_inputs(S, K, T, r, q, sigma);
  if (st != G6_OK)
    return greeks_fail(out, st);
  double w = type == G6_CALL ? 1.0 : -1.0;
  if (T <= 0) {
    greeks_expired(w, S, K, out);
    return G6_OK;
  }
  double dq = exp(-q * T), dr = exp(-r * T), sqt = sqrt(T);
  double s = sigma * sqt;
  double n1, p1, p2; /* n(d1), N(w d1), N(w d2) */
  if (s > 0) {
    double d1 = (log(S / K) + (r - q) * T) / s + 0.5 * s;
    double d2 = d1 - s;
    n1 = g6_norm_pdf(d1);
    p1 = g6_norm_cdf(w * d1);
    p2 = g6_norm_cdf(w * d2);
  } else {
    /* sigma == 0: d1, d2 -> ±inf with the sign of ln(F/K). */
    double F = S * exp((r - q) * T);
    n1 = 0.0;
    p1 = p2 = w * (F - K) > 0 ? 1.0 : 0.0;
  }
  double sdq = S * dq, kdr = K * dr;
  out->price = w * (sdq * p1 - kdr * p2);
  if (out->price < 0) /* rounding in the deep tails */
    out->price = 0.0;
  out->delta = w * dq * p1;
  out->gamma = s > 0 ? dq * n1 / (S * s) : 0.0;
  double decay = s > 0 ? -sdq * n1 * sigma / (2.0 * sqt) : 0.0;
  out->theta = (decay - w * r * kdr * p2 + w * q * sdq * p1) / 365.0;
  out->vega = sdq * n1 * sqt / 100.0;
  out->rho = w * K * T * dr * p2 / 100.0;
  return G6_OK;
}

g6_status g6_black76_greeks(g6_opt_type type, double F, double K, double T,
                            double r, double sigma, g6_greeks *out) {
  g6_status st = check_inputs(F, K, T, r, r, sigma);
  if (st != G6_OK)
    return greeks_fail(out, st);
  double w = type == G6_CALL ? 1.0 : -1.0;
  if (T <= 0) {
    greeks_expired(w, F, K, out);
    return G6_OK;
  }
  double dr = exp(-r * T), sqt = sqrt(T);
  double s = sigma * sqt;
  double n1, p1, p2;
  if (s > 0) {
    double d1 = log(F / K) / s + 0.5 * s;
    double d2 = d1 - s;
    n1 = g6_norm_pdf(d1);
    p1 = g6_norm_cdf(w * d1);
    p2 = g6_norm_cdf(w * d2);
  } else {
    n1 = 0.0;
    p1 = p2 = w * (F - K) > 0 ? 1.0 : 0.0;
  }
  double v = w * dr * (F * p1 - K * p2);
  if (v < 0)
    v = 0.0;
  out->price = v;
  out->delta = w * dr * p1;
  out->gamma = s > 0 ? dr * n1 / (F * s) : 0.0;
  double decay = s > 0 ? -dr * F * n1 * sigma / (2.0 * sqt) : 0.0;
  out->theta = (r * v + decay) / 365.0;
  out->vega = dr * F * n1 * sqt / 100.0;
  out->rho = -T * v / 100.0;
  return G6_OK;
}
