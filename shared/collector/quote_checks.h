/* g6 — quote sanity of one cycle's chain: per expiry the forward implied by
 * put-call parity and the static no-arbitrage checks, across expiries the
 * calendar check (math/arbitrage.h, which cites the conditions: Carr &
 * Madan 2005; Gatheral & Jacquier 2014), written into the cycle's expiry
 * results so the snapshot and the metrics carry them.
 *
 * g6_chain runs it on every cycle after sanitization and IV (the calendar
 * check reads the legs' IVs), over the kept legs only: a rejected leg has
 * no price to check. Nothing is dropped or changed here: a violating leg is
 * only flagged (g6_chain_leg.arb) with the first rule it breaks; whether the
 * analytics leave flagged legs out is g6_analytics' ExcludeFlaggedLegs.
 *
 * Forward and discount of the checks: the parity fit's when it succeeded
 * (the market's own, so a wrong RiskFreeRate or DividendYield does not make
 * every deep in-the-money leg look out of bounds), else the model's
 * F = S e^{(r-q)T}, D = e^{-rT}. */
#ifndef G6_QUOTE_CHECKS_H
#define G6_QUOTE_CHECKS_H

#include "core/status.h"
#include "market/chain.h"
#include "math/arbitrage.h"

#include <stddef.h>

/* Checks the expiries ex[0..n_expiries) of one cycle, each holding
 * 2 * n_strikes legs (CE then PE per strike) when resolved, at spot S
 * (points) with the rate r and dividend yield q (continuous, per year) the
 * IVs were solved with. opts may be NULL (G6_ARB_OPTS_DEFAULT: one tick,
 * 0.2 %, 1e-4 of total variance, mid else last).
 *
 * Per resolved expiry it sets `parity` (g6_parity_fit_expiry over the kept
 * legs; forward NAN when fewer than 2 strikes have both legs priced or the
 * fit is not a positive forward and discount), `arb_checked` (kept legs with
 * a price), `arb_violations` per rule, every leg's `arb` (G6_ARB_NONE when it
 * breaks nothing, and for every leg that is not kept), `arb_flagged` and
 * `arb_stale_last` (legs whose flag is stale_last). The
 * calendar check compares each expiry with the nearest later one (by T;
 * two rules on one date are one expiry) and flags and counts on the nearer.
 * Unresolved expiries get an unfitted parity and zero counts.
 *
 * G6_EINVAL for ex NULL with n_expiries > 0; G6_ENOMEM (every expiry then
 * reads as unchecked: zero counts, no flags, no fit); otherwise G6_OK. */
g6_status g6_quote_checks(g6_expiry_result *ex, size_t n_expiries,
                          size_t n_strikes, double S, double r, double q,
                          const g6_arb_opts *opts);

/* Share of checked legs that break a no-arbitrage rule: (arb_flagged -
 * arb_stale_last) / arb_checked, NAN when nothing was checked (an empty
 * denominator is unknown, not 0). A leg flagged stale_last is left out: an
 * old last beside a live book is a matter of freshness, common on illiquid
 * strikes of a trending day, and would make G6QuoteArbitrageHigh fire on an
 * ordinary feed; its rule count (arb_violations) still counts it. */
double g6_quote_flagged_ratio(const g6_expiry_result *x);

#endif
