#include "g6/bs.h"

#include <math.h>

double g6_norm_cdf(double x) { return 0.5 * erfc(-x * M_SQRT1_2); }

double g6_norm_pdf(double x) {
  return exp(-0.5 * x * x) * 0.39894228040143267794; /* 1/sqrt(2 pi) */
}

double g6_black76_price(g6_opt_type type, double F, double K, double T,
                        double r, double sigma) {
  if (!(F > 0) || !(K > 0) || !isfinite(F) || !isfinite(K) || isnan(T) ||
      isnan(r) || isnan(sigma))
    return NAN;
  double tt = T > 0 ? T : 0;
  double df = exp(-r * tt);
  if (tt == 0 || !(sigma > 0)) {
    double iv = type == G6_CALL ? F - K : K - F;
    return iv > 0 ? df * iv : 0.0;
  }
  double s = sigma * sqrt(tt);
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
