/* g6 — Black–Scholes–Merton and Black-76 prices and Greeks.
 *
 * Conventions (DESIGN §8, reference §4.1–4.2 with the put-theta defect fixed):
 * spot S, strike K, T in years of 365 days, r and q continuously compounded,
 * sigma annualised. BSM with dividend yield q is Black-76 on the forward
 * F = S e^{(r-q)T} discounted at e^{-rT}.
 *
 * Greek units: delta per point of the underlying, gamma per point², theta per
 * calendar day (the annual rate of change with the passage of time, / 365),
 * vega per 1 vol point (/ 100), rho per 1 % of r (/ 100). Theta is the
 * textbook value for calls and puts alike: for a put the rate term is
 * + r K e^{-rT} N(-d2) (the old platform subtracted it). */
#ifndef G6_BS_H
#define G6_BS_H

#include "core/status.h"

typedef enum g6_opt_type { G6_CALL = 0, G6_PUT = 1 } g6_opt_type;

/* Standard normal CDF and PDF. Accurate in both tails (erfc-based). */
double g6_norm_cdf(double x);
double g6_norm_pdf(double x);

/* BSM price with continuous dividend yield q. When T <= 0 or sigma <= 0, or
 * sigma sqrt(T) underflows to 0, the result is the intrinsic value of the
 * forward, discounted: max(0, ±(S e^{-qT} - K e^{-rT})) (with T clamped at
 * 0); when sigma sqrt(T) is +Inf (sigma = +Inf, or an overflow) it is the
 * upper bound, S e^{-qT} for a call and K e^{-rT} for a put. Returns NAN for
 * non-finite or non-positive S or K, or a NaN T, r, q or sigma. */
double g6_bsm_price(g6_opt_type type, double S, double K, double T, double r,
                    double q, double sigma);

/* Black-76 price of an option on forward F, discounted at r. */
double g6_black76_price(g6_opt_type type, double F, double K, double T,
                        double r, double sigma);

/* Price and the five Greeks, in the units of the header comment. */
typedef struct g6_greeks {
  double price;
  double delta;
  double gamma;
  double theta;
  double vega;
  double rho;
} g6_greeks;

/* Price and Greeks of a BSM option in one pass (one log, three exp, two
 * erfc). Errors: G6_ENONFINITE when any input is NaN/±Inf or S, K <= 0;
 * G6_EINVAL when sigma < 0; `out` is then all NAN. Never fails otherwise.
 *
 * Limits, as the old platform defined them: when T <= 0 the option is at
 * expiry: price = intrinsic, delta = 1 (call, S > K) / -1 (put, S < K) / 0,
 * every other Greek 0. When sigma == 0 and T > 0 the option is the
 * discounted forward payoff: N(d) becomes 1 or 0 (0 at F == K), gamma and
 * vega are 0 and theta and rho keep their rate terms. `out` must not be
 * NULL. */
g6_status g6_bsm_greeks(g6_opt_type type, double S, double K, double T,
                        double r, double q, double sigma, g6_greeks *out);

/* The same for Black-76 on a forward F: delta and gamma are with respect to
 * F, theta is -dV/dT at fixed F, rho is dV/dr at fixed F (= -T V / 100).
 * Errors and limits as g6_bsm_greeks (with S read as F, q as r). */
g6_status g6_black76_greeks(g6_opt_type type, double F, double K, double T,
                            double r, double sigma, g6_greeks *out);

#endif
