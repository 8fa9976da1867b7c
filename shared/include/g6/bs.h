/* g6 — Black–Scholes–Merton and Black-76 prices.
 *
 * Conventions (DESIGN §8): spot S, strike K, T in years of 365 days, r and q
 * continuously compounded, sigma annualised. */
#ifndef G6_BS_H
#define G6_BS_H

typedef enum g6_opt_type { G6_CALL = 0, G6_PUT = 1 } g6_opt_type;

/* Standard normal CDF and PDF. Accurate in both tails (erfc-based). */
double g6_norm_cdf(double x);
double g6_norm_pdf(double x);

/* BSM price with continuous dividend yield q. When T <= 0 or sigma <= 0 the
 * result is the intrinsic value of the forward, discounted:
 * max(0, ±(S e^{-qT} - K e^{-rT})) (with T clamped at 0). Returns NAN for
 * non-finite or non-positive S or K. */
double g6_bsm_price(g6_opt_type type, double S, double K, double T, double r,
                    double q, double sigma);

/* Black-76 price of an option on forward F, discounted at r. */
double g6_black76_price(g6_opt_type type, double F, double K, double T,
                        double r, double sigma);

#endif
