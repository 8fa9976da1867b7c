/* g6 — implied volatility of the "Let's Be Rational" class.
 *
 * Written from P. Jäckel, "Let's Be Rational" (Wilmott 2015) and its 2017
 * revision of the normalised Black function: the price is mapped to the
 * normalised out-of-the-money call b(x, s) with x = ln(F/K) <= 0 and
 * s = sigma sqrt(T); an initial guess comes from rational cubic
 * interpolation in one of four branches (lower map, two central branches
 * around the inflection point s_c = sqrt(2|x|), upper map); Householder steps
 * of order three on a branch-specific objective (log-transformed in the
 * tails) reach machine precision in two steps. Iteration stops once a step
 * moves s by at most 1e-6 relative (the next would change it by ~1e-24), so
 * some solves take one step and a third is taken only after the roughest
 * guesses (~0.3 % of a sweep far beyond market data, none on the benchmark
 * grid); ten is a cap never reached in testing.
 *
 * The time value (price minus the discounted intrinsic value S e^{-qT} -
 * K e^{-rT}, or its put mirror) is computed with error-free products and
 * sums, so deep in the money it is not a few ulps of max(S, K) of rounding
 * noise; tiny prices are solved from ln beta where beta itself underflows.
 *
 * Statuses (core/status.h): G6_ENONFINITE (a NaN/±Inf input, S/F/K <= 0),
 * G6_EEXPIRED (T <= 0), G6_EAT_INTRINSIC (the time value is within 8 ulps
 * of max(S e^{-qT}, K e^{-rT}) of zero: the price is the intrinsic value as
 * far as doubles can tell, and no volatility follows from it; *iv is NAN;
 * a price of exactly 0 out of the money too; with g6_iv_opts.price_tick,
 * an in-the-money price up to that tick below), G6_EBELOW_INTRINSIC (price
 * below the intrinsic value by more than that, negative prices included),
 * G6_EABOVE_BOUND (price at or above the no-arbitrage bound: S e^{-qT} for a
 * call, K e^{-rT} for a put), G6_EIV_OUT_OF_BOUNDS (solved, but outside the
 * caller's [iv_min, iv_max]: the solved value is still returned, never
 * clamped), G6_ENOCONVERGE (never observed; the last iterate is
 * returned). */
#ifndef G6_IV_H
#define G6_IV_H

#include "core/status.h"
#include "math/bs.h"

#include <stddef.h>

/* Optional bounds on the solved volatility; they never change the result,
 * they only classify it. price_tick is the quotes' resolution (points; 0
 * for exact prices): an in-the-money price no more than price_tick below
 * the discounted intrinsic value is G6_EAT_INTRINSIC, not
 * G6_EBELOW_INTRINSIC — a quote at intrinsic rounded down to its tick (or
 * read against a spot rounded to its own grid) says nothing below
 * intrinsic, and no volatility follows from it either way; further below,
 * or a negative price, is still G6_EBELOW_INTRINSIC. Kite's tick_size is
 * 0.05 for NSE/BSE index options (instruments list). */
typedef struct g6_iv_opts {
  double iv_min;     /* 0 for none */
  double iv_max;     /* INFINITY (HUGE_VAL) for none */
  double price_tick; /* 0: exact */
} g6_iv_opts;

/* Checks that 0 <= iv_min < iv_max (iv_max may be +Inf), neither is NaN,
 * and price_tick is finite and >= 0. G6_EINVAL with a message naming the
 * field otherwise. */
g6_status g6_iv_opts_check(const g6_iv_opts *opts, g6_error *err);

/* The normalised Black function b(x, s, type) = price / sqrt(F K) of an
 * undiscounted option with x = ln(F/K) and total volatility s, to about
 * machine precision relative to its value (asymptotic expansion for very
 * out-of-the-money options, a Taylor expansion for small s, Cody's erfcx
 * elsewhere). Returns NAN for NaN inputs or s < 0. Can't fail otherwise. */
double g6_normalised_black(double x, double s, g6_opt_type type);

/* Total implied volatility s for a normalised price beta at x = ln(F/K).
 * Returns the same statuses as g6_iv_black76 (never G6_EIV_OUT_OF_BOUNDS or
 * G6_EEXPIRED; G6_EAT_INTRINSIC only for beta exactly at the normalised
 * intrinsic value); *s is NAN on error. `iterations` (may be NULL) receives the
 * number of Householder steps taken. */
g6_status g6_iv_normalised(double beta, double x, g6_opt_type type, double *s,
                           int *iterations);

/* Implied volatility of a Black-76 price (discounted at r) on forward F. *iv
 * receives the volatility (also with G6_EIV_OUT_OF_BOUNDS), NAN for every
 * other error. opts may be NULL (no bounds). Never modifies anything else. */
g6_status g6_iv_black76(g6_opt_type type, double F, double K, double T,
                        double r, double price, const g6_iv_opts *opts,
                        double *iv);

/* Implied volatility of a BSM price with dividend yield q: solved on the
 * forward F = S e^{(r-q)T} with discount e^{-rT}. Deep in-the-money prices are
 * solved on the out-of-the-money side through put-call parity. Same contract
 * as g6_iv_black76. */
g6_status g6_iv_bsm(g6_opt_type type, double S, double K, double T, double r,
                    double q, double price, const g6_iv_opts *opts,
                    double *iv);

/* One option of a batch on a common underlying: inputs type, K, T and price
 * (as for g6_iv_bsm); outputs iv and status (same meanings). */
typedef struct g6_iv_job {
  g6_opt_type type;
  double K, T, price;
  double iv;
  g6_status status;
} g6_iv_job;

/* g6_iv_bsm for n options on one underlying (S, r, q), with results
 * identical to n calls of it. Faster on many options: the solver's stages run
 * over blocks of 32 options, so independent options overlap in the
 * processor instead of each waiting on its own chain of exp, erfcx and
 * divisions. Can't fail as a whole; writes only jobs[i].iv and .status. */
void g6_iv_bsm_batch(double S, double r, double q, const g6_iv_opts *opts,
                     g6_iv_job *jobs, size_t n);

/* g6_iv_bsm, then g6_bsm_greeks at the solved volatility when the status is
 * G6_OK or G6_EIV_OUT_OF_BOUNDS (the Greeks of the market's own volatility);
 * otherwise every field of *g is NAN. */
g6_status g6_iv_bsm_greeks(g6_opt_type type, double S, double K, double T,
                           double r, double q, double price,
                           const g6_iv_opts *opts, double *iv, g6_greeks *g);

#endif
