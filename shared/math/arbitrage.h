/* g6 — quote sanity from whole chains: the forward implied by put-call
 * parity, and static no-arbitrage checks of each expiry's prices.
 *
 * A stale, crossed or fat-fingered quote shows up as a violation of static
 * no-arbitrage bounds, and a wrong rate or dividend assumption as a forward
 * that differs from S e^{(r-q)T}. Sufficient conditions for a set of call
 * prices to be free of static arbitrage are in Carr & Madan, "A note on
 * sufficient conditions for no arbitrage" (Finance Research Letters 2,
 * 2005): prices within their bounds, non-increasing and convex in strike
 * with slopes in [-D, 0], and non-decreasing in maturity; Gatheral & Jacquier,
 * "Arbitrage-free SVI volatility surfaces" (Quantitative Finance 14, 2014)
 * state the calendar condition for implied volatilities: total implied
 * variance w = sigma^2 T non-decreasing in T at fixed forward log-moneyness
 * k = ln(K/F).
 *
 * Prices are taken from the legs as g6_price_source says (mid where bid and
 * ask are both known and bid <= ask, else last, by default). Legs without a
 * usable price are skipped, never filled in. A crossed quote (best bid above
 * best ask) is itself a static arbitrage — buy at the ask, sell at the bid —
 * and is flagged as such; its mid is never used. Every comparison a <= b allows
 * a tolerance tol = abs_tol + rel_tol * max(|a|, |b|): quotes have a tick
 * (0.05 on NSE and BSE) and last prices of two legs are not simultaneous. */
#ifndef G6_ARBITRAGE_H
#define G6_ARBITRAGE_H

#include "core/status.h"
#include "math/analytics.h"

#include <stdbool.h>
#include <stddef.h>

/* ---- put-call parity ------------------------------------------------------ */

/* C - P = D (F - K) for every strike K with both legs: a straight line in K
 * with slope -D and intercept D F. */
typedef struct g6_parity_fit {
  double forward;  /* F; NAN when not fitted */
  double discount; /* D = e^{-r T} for the implied rate; NAN when not fitted */
  double rate;     /* implied continuous rate -ln(D)/T; NAN when T <= 0 */
  double residual; /* median |C - P - D(F - K)| over the inliers, points */
  size_t pairs;    /* strikes with both legs priced */
  size_t outliers; /* pairs left out of the final fit (bad quotes) */
} g6_parity_fit;

/* Fits F and D over the strikes that have both a call and a put price in
 * legs[0..n) (one expiry): a robust first line (median of the slopes
 * between strikes half the range apart — tolerant of up to about a quarter
 * of bad pairs — and the median intercept), then least squares over the
 * pairs within 5 robust standard deviations (1.4826 x MAD, at least two
 * ticks: C - P differs by two quotes' rounding to the tick) of it. Returns G6_OK with every field set; G6_ENOENT (fewer than 2
 * pairs) or G6_ERANGE (the fit gives D <= 0 or a non-positive forward) with
 * forward, discount, rate and residual NAN and the counts set; G6_EINVAL
 * for a NULL out or legs with n > 0. */
g6_status g6_parity_fit_expiry(const g6_leg *legs, size_t n, double T,
                               g6_price_source src, g6_parity_fit *out);

/* The basis of a forward to S e^{(r-q)T} in basis points:
 * 1e4 (F / (S e^{(r-q)T}) - 1). NAN when an input is not finite or S <= 0. */
double g6_forward_basis_bps(double F, double S, double r, double q, double T);

/* ---- static no-arbitrage checks --------------------------------------------- */

typedef enum g6_arb_rule {
  G6_ARB_NONE = 0,
  G6_ARB_BOUNDS,     /* intrinsic <= price <= upper bound */
  G6_ARB_VERTICAL,   /* monotone in strike, slope within [-D, 0] / [0, D] */
  G6_ARB_BUTTERFLY,  /* convex in strike */
  G6_ARB_CALENDAR,   /* total variance non-decreasing in maturity */
  G6_ARB_CROSSED,    /* best bid above best ask */
  G6_ARB_STALE_LAST, /* last traded price outside the live book */
  G6_ARB_RULE_COUNT
} g6_arb_rule;

/* "bounds", "vertical", "butterfly", "calendar", "crossed", "stale_last"
 * ("none" for G6_ARB_NONE, "unknown" out of range): metric label values and
 * snapshot tokens. */
const char *g6_arb_rule_name(g6_arb_rule r);

typedef struct g6_arb_opts {
  double abs_tol;      /* points; default 0.05 (one tick) */
  double rel_tol;      /* share of the larger price; default 0.002 */
  double var_abs_tol;  /* total variance (sigma^2 T) tolerance for the
                          calendar check; default 1e-4 */
  g6_price_source src; /* default G6_PRICE_MID_OR_LAST */
} g6_arb_opts;

#define G6_ARB_OPTS_DEFAULT {0.05, 0.002, 1e-4, G6_PRICE_MID_OR_LAST}

/* Checks one expiry's legs for crossed quotes (bid > ask, both known and
 * positive; no tolerance: any crossing is a defect of the quote), then
 * against bounds, vertical spreads and butterflies, for calls and puts
 * separately, in strike order (legs may come in any order; legs without a
 * price are skipped). Bounds use the forward F and
 * discount factor D given (the model's S e^{(r-q)T} and e^{-rT}, or the
 * parity fit's): call D max(F-K, 0) <= C <= D F, put D max(K-F, 0) <= P <=
 * D K. Vertical: between neighbouring priced strikes K1 < K2, calls satisfy
 * -D <= (C2 - C1)/(K2 - K1) <= 0 and puts 0 <= (P2 - P1)/(K2 - K1) <= D;
 * both legs of a violating pair are flagged. Butterfly: for neighbouring
 * K1 < K2 < K3, the middle price is at most the linear interpolation of the
 * outer two; the middle leg is flagged. A leg priced from its book (the
 * price source is not its last) whose last traded price is above the upper
 * bound is flagged and counted as bounds too (a fat-fingered or broken last
 * is never a price; one below intrinsic may only be old).
 *
 * Stale last: with a live book (0 < bid <= ask, both known and finite), a
 * last traded price that is known and positive must lie within it,
 * bid - tol <= last <= ask + tol with the tolerance of every comparison
 * here (tol = abs_tol + rel_tol * max of the two prices compared). A last
 * outside the book traded before the book moved: the checks above price
 * the leg at its mid, but g6_chain solves the leg's IV and Greeks from its
 * last, so without this rule an hours-old last behind a sane book went
 * unflagged into every IV downstream. A crossed book is not checked
 * (crossed says more), nor a leg without both sides or without a last.
 *
 * flags[i] (may be NULL) receives the first rule leg i breaks, in the order
 * crossed, bounds, vertical, butterfly, stale_last (G6_ARB_NONE when none;
 * flags of legs this call does not flag are left as they were, so calendar
 * flags from g6_arb_check_calendar can be added before or after; g6_chain
 * adds them after, so a stale last is flagged stale_last, the cause, rather
 * than calendar, what its IV breaks). The book's rules come before
 * stale_last: they say the mid the checks priced is wrong, stale_last only
 * that the last is. counts[rule] is increased by the number of violations
 * (a pair or a triple counts once; a leg may count under several rules,
 * e.g. a last above the upper bound under bounds and stale_last).
 * opts may be NULL (defaults). G6_EINVAL for bad arguments (legs NULL with
 * n > 0, counts NULL, D or F not positive and finite); otherwise G6_OK. */
g6_status g6_arb_check_expiry(const g6_leg *legs, size_t n, double F, double D,
                              const g6_arb_opts *opts, g6_arb_rule *flags,
                              size_t counts[G6_ARB_RULE_COUNT]);

/* Calendar check between a nearer expiry (near, T1, F1) and a later one (far,
 * T2 > T1, F2), on implied volatilities (legs' iv; NAN skipped): for every
 * out-of-the-money leg of the near expiry (calls with K >= F1, puts with
 * K < F1) at log-moneyness k = ln(K/F1), the far expiry's total variance at
 * the same k — linear interpolation of its out-of-the-money legs' sigma^2 T2
 * in k, never extrapolated — must be at least sigma^2 T1 - var_abs_tol. A
 * violating near leg is flagged G6_ARB_CALENDAR (when not already flagged)
 * and counted. Same errors as above; G6_EINVAL also when T2 <= T1. */
g6_status g6_arb_check_calendar(const g6_leg *near, size_t n1, double T1,
                                double F1, const g6_leg *far, size_t n2,
                                double T2, double F2, const g6_arb_opts *opts,
                                g6_arb_rule *flags_near,
                                size_t counts[G6_ARB_RULE_COUNT]);

#endif
