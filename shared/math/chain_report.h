/* g6 — every chain analytic of one index at one instant, in one call.
 *
 * g6_analytics (per snapshot, as metrics) and `g6 replay` (per stored
 * snapshot or CSV day, as CSV rows) run exactly this, so the two always
 * agree. It calls the functions of math/analytics.h:
 *
 *   per expiry   PCR by OI and by volume over strikes within ATM +- pcr_window
 *                (reference §4.6: 5 %), max pain over strikes within ATM +-
 *                max_pain_window (10 %), support and resistance (the largest
 *                put OI below / call OI above the ATM strike, top 3), ATM IV
 *                at the forward F = S e^{(r-q)T}, the 25-delta risk reversal
 *                and butterfly, days to expiry (T x 365), and the parity
 *                fit's basis to S e^{(r-q)T}, implied rate and residual;
 *   chain-wide   contracts, OI, volume, mean IV and mean spread per
 *                moneyness x DTE bucket (§4.8), OI-weighted net Greeks per
 *                bucket, and the vol surface (mean IV per expiry and
 *                forward-moneyness-percent bucket, (K/F - 1) x 100 with
 *                edges -20,-10,-5,0,5,10,20, interior gaps interpolated,
 *                never extrapolated).
 *
 * The forward F of an expiry — the reference of ATM IV, the 25-delta
 * butterfly and the surface's moneyness — is the one put-call parity
 * implies (g6_chain fits it, math/arbitrage.h) when it is known, else
 * S e^{(r-q)T}: the market's own forward is right even when the configured
 * rate or dividend yield is not.
 *
 * Nothing is invented: an analytic whose inputs are missing is NAN (its
 * status says why), never 0. */
#ifndef G6_CHAIN_REPORT_H
#define G6_CHAIN_REPORT_H

#include "core/status.h"
#include "math/analytics.h"
#include "math/arbitrage.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define G6_REPORT_MAX_EXPIRIES 8
#define G6_REPORT_LEVELS 3 /* support / resistance strikes kept */

/* One expiry of the input: a range of the input's legs. Two expiries with
 * the same instant may share a range (two rules that resolved to one date);
 * the chain-wide analytics read every leg of `legs` once. */
typedef struct g6_report_expiry_input {
  const char *tag; /* "this_week", ... (borrowed) */
  bool resolved;   /* false: no legs, every result NAN */
  int64_t expiry;  /* expiry instant, epoch seconds */
  double T;        /* years to expiry (365-day years) */
  size_t first, n; /* legs[first .. first + n) */
  g6_parity_fit parity; /* g6_chain's fit; forward NAN (or <= 0): unknown,
                           S e^{(r-q)T} is used */
} g6_report_expiry_input;

typedef struct g6_report_input {
  double S;   /* spot; NAN when unknown */
  double atm; /* ATM strike (window centre, support/resistance reference) */
  double r, q;
  const g6_leg *legs; /* every kept leg of every distinct expiry */
  size_t n_legs;
  /* The strikes g6_chain asked for, a call and a put at each, for every
   * resolved expiry (a snapshot's ladder); NULL when not known (a CSV day:
   * a strike with nothing collected left no row). With them, a leg of the
   * PCR window that exists but is not among `legs` (no quote, rejected,
   * left out as flagged) counts as missing from the ratio. */
  const double *strikes;
  size_t n_strikes;
  /* Whether the ladder's leg at strikes[strike] (a put or a call) of
   * ex[expiry] is a contract at all; a leg that is not (the exchange does
   * not list it, or StrikeBand excludes it) is in no ratio and never
   * missing from one, as g6_chain counts. NULL: every leg of the ladder
   * exists. Called with ctx (borrowed). */
  bool (*leg_exists)(const void *ctx, size_t expiry, size_t strike, bool put);
  const void *leg_exists_ctx;
  size_t n_expiries;
  g6_report_expiry_input ex[G6_REPORT_MAX_EXPIRIES];
} g6_report_input;

typedef struct g6_report_options {
  double pcr_window;      /* share of ATM, e.g. 0.05 */
  double max_pain_window; /* share of ATM, e.g. 0.10 */
} g6_report_options;

#define G6_REPORT_OPTIONS_DEFAULT                                              \
  { 0.05, 0.10 }

typedef struct g6_report_expiry {
  const char *tag;
  bool resolved;
  int64_t expiry;
  double T, days, forward;
  bool parity_forward;  /* forward is the parity fit's (else the model's) */
  double basis_bps;     /* parity forward to S e^{(r-q)T}, bps; NAN when
                           not fitted (g6_forward_basis_bps) */
  double implied_rate;  /* parity's -ln(D)/T; NAN when not fitted */
  double parity_residual; /* points; NAN when not fitted */
  size_t legs;          /* legs of this expiry */
  g6_pcr pcr;           /* window ATM +- pcr_window */
  /* Legs of the PCR window whose OI (volume) is not in pcr.by_oi
   * (by_volume): asked for (in->strikes, less the legs in->leg_exists
   * says do not exist) but not among the legs, or among them without that
   * value. 0: the ratio covers the whole window; above 0 the ratio is
   * biased by what is missing. NAN when there is no window (the ATM is
   * unknown). Without in->strikes only the legs given count. */
  double pcr_missing_oi, pcr_missing_volume;
  g6_max_pain max_pain; /* strike NAN when no OI in the window */
  g6_oi_level support[G6_REPORT_LEVELS], resistance[G6_REPORT_LEVELS];
  size_t n_support, n_resistance;
  double atm_iv;   /* NAN when the forward is not bracketed */
  g6_skew25 skew;  /* fields NAN when not bracketed */
  int surface_row; /* row of this expiry in the surface, -1 if none */
} g6_report_expiry;

typedef struct g6_chain_report {
  size_t n_expiries;
  g6_report_expiry ex[G6_REPORT_MAX_EXPIRIES];
  g6_bucket_table buckets;
  g6_greek_table greeks;
  g6_surface surface;
} g6_chain_report;

/* Computes every analytic. opts may be NULL (the defaults). G6_EINVAL for a
 * NULL in/out, more than G6_REPORT_MAX_EXPIRIES expiries, a range outside
 * legs, or a window that is not a finite number in (0, 1]; otherwise G6_OK
 * (missing data gives NAN results, not an error). Allocates nothing. */
g6_status g6_chain_report_compute(const g6_report_input *in,
                                  const g6_report_options *opts,
                                  g6_chain_report *out);

/* The support (resistance) strike of rank 0: NAN when there is none. */
double g6_report_support(const g6_report_expiry *e);
double g6_report_resistance(const g6_report_expiry *e);

/* Label of a surface bucket of the default edges, as the spec's
 * surface_bucket domain spells it: "lt_m20", "m20_m10", "m10_m5", "m5_0",
 * "0_p5", "p5_p10", "p10_p20", "gt_p20"; "unknown" out of range. */
const char *g6_surface_bucket_name(int b);
#define G6_SURFACE_DEFAULT_BUCKETS 8

#endif
