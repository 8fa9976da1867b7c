/* g6 — chain-level analytics on an array of option legs.
 *
 * Every function reads a caller-owned array of g6_leg, allocates nothing and
 * writes only its output struct (except g6_chain_iv_greeks, which fills the
 * legs' iv and Greeks). Missing inputs (NAN, or a non-positive strike) are
 * skipped and counted in the output, never replaced by a default.
 *
 * Moneyness is strike relative to spot, mny = K/S - 1, for calls and puts
 * alike (so "itm" is call-in-the-money, reference §4.8). Days to expiry are
 * T x 365 (calendar days, fractional). Bucket edges are compared exactly: a
 * strike K is at edge e when 100 K == S (100 + e) (e in percent), evaluated
 * with one rounding, and T x 365 within 1e-9 days of an integer edge counts as
 * that edge (T = days/365 is not exact in binary). */
#ifndef G6_ANALYTICS_H
#define G6_ANALYTICS_H

#include "core/status.h"
#include "math/bs.h"
#include "math/iv.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct g6_leg {
  double strike;
  g6_opt_type type;
  int64_t expiry; /* expiry instant (Unix seconds, 15:30 IST); groups legs */
  double T;       /* years to expiry at the snapshot (365-day year) */
  double last;    /* last traded price; NAN when unknown */
  double bid, ask;
  double oi, volume;
  double iv; /* fraction (0.15 = 15 %) */
  double delta, gamma, theta, vega, rho; /* math/bs.h units */
  /* The contract earlier in the session (what the desk figures of
   * math/desk.h compare against; NAN when unknown): its OI at the first
   * cycle of the session that collected it, and its last price and OI at
   * the previous cycle of the session. */
  double oi_open, last_prev, oi_prev;
} g6_leg;

/* A leg with every market field and every result unknown (NAN) and the given
 * identity. Can't fail. */
g6_leg g6_leg_make(double strike, g6_opt_type type, int64_t expiry, double T);

/* ---- IV and Greeks for a whole chain ------------------------------------ */

typedef enum g6_price_source {
  G6_PRICE_LAST,        /* last traded price */
  G6_PRICE_MID,         /* (bid + ask) / 2, when both are known and bid <= ask */
  G6_PRICE_MID_OR_LAST, /* mid when known, else last */
} g6_price_source;

/* The leg's price by src: mid = (bid + ask)/2 when bid > 0 and bid <= ask
 * are both known; last when known and positive; NAN when the source has no
 * usable price. Can't fail. */
double g6_leg_price(const g6_leg *l, g6_price_source src);

typedef struct g6_chain_iv_stats {
  size_t legs;                       /* legs looked at */
  size_t no_price;                   /* no usable price (missing or <= 0) */
  size_t by_status[G6_STATUS_COUNT]; /* solver outcome of the others */
} g6_chain_iv_stats;

/* Solves every leg's implied volatility from its price (BSM on spot S with
 * rates r, q; g6_iv_bsm_batch) and fills iv and the Greeks: at the solved
 * volatility for G6_OK and G6_EIV_OUT_OF_BOUNDS, NAN otherwise. A zero or
 * missing price is "no price", not a zero volatility. opts may be NULL.
 * G6_EINVAL when legs is NULL with n > 0 or stats is NULL; otherwise can't
 * fail. Writes only the legs' iv/delta/gamma/theta/vega/rho and *stats. */
g6_status g6_chain_iv_greeks(g6_leg *legs, size_t n, double S, double r,
                             double q, g6_price_source src,
                             const g6_iv_opts *opts, g6_chain_iv_stats *stats);

/* ---- per-expiry functions (pass the legs of one expiry) ---------------- */

/* Put-call ratios over legs with kmin <= strike <= kmax (pass -INFINITY,
 * INFINITY for all): by open interest and by volume. A ratio is NAN when its
 * call total is 0 or when no put in the window has the value (the puts are
 * missing: their total is unknown, not 0). */
typedef struct g6_pcr {
  double by_oi, by_volume;
  double call_oi, put_oi, call_volume, put_volume;
  size_t legs;                       /* legs in the window */
  size_t missing_oi, missing_volume; /* of those, skipped for that ratio */
} g6_pcr;

g6_status g6_chain_pcr(const g6_leg *legs, size_t n, double kmin, double kmax,
                       g6_pcr *out);

/* Max pain: the strike P among the legs' strikes in [kmin, kmax] minimising
 *   pain(P) = Σ_calls OI max(0, P - K) + Σ_puts OI max(0, K - P)
 * over the legs in the window with known OI (ties: the lowest strike); an
 * OI that is not a finite number >= 0 is missing. pain is convex in P, so
 * the minimum is the first strike where (calls' OI at or below P) >= (puts'
 * OI above P), the slope to the next strike; those sums are compared
 * exactly (128-bit integers) while every OI is an integer below 2^63, so
 * ties are found exactly at any size (differencing pains near 1e20 did
 * not). pain is then summed at that strike (terms >= 0, no cancellation).
 * G6_ENOENT when no leg in the window has a known OI, or the calls' or the
 * puts' known OI sums to 0 (every strike ties, or an end of the window wins
 * by construction); *out's strike is then NAN. */
typedef struct g6_max_pain {
  double strike;
  double pain;
  size_t candidates; /* distinct strikes tried */
  size_t missing_oi; /* legs in the window without OI */
} g6_max_pain;

g6_status g6_chain_max_pain(const g6_leg *legs, size_t n, double kmin,
                            double kmax, g6_max_pain *out);

/* Support: the k puts with the largest OI strictly below `ref` (usually the
 * ATM strike or spot); resistance: the k calls with the largest OI strictly
 * above it. Ordered by OI, descending; equal OI: nearer to ref first. Legs
 * with unknown or zero OI are skipped. *n_support / *n_resistance receive how
 * many were found (<= k). G6_EINVAL for NULL outputs with k > 0. */
typedef struct g6_oi_level {
  double strike;
  double oi;
} g6_oi_level;

g6_status g6_chain_support_resistance(const g6_leg *legs, size_t n,
                                      double ref, size_t k,
                                      g6_oi_level *support, size_t *n_support,
                                      g6_oi_level *resistance,
                                      size_t *n_resistance);

/* ATM implied volatility at the forward F: per strike the IV of the
 * out-of-the-money leg (put below F, call at or above; the other leg when
 * that one is missing; the mean of both at K == F), interpolated linearly in
 * strike between the nearest strikes at or below and at or above F. Never
 * extrapolated: G6_ENOENT (and *iv NAN) when F is not bracketed. */
g6_status g6_chain_atm_iv(const g6_leg *legs, size_t n, double F, double *iv);

/* 25-delta skew: the IV of the 25-delta call and of the -25-delta put, each
 * interpolated linearly in delta between the legs of two adjacent strikes
 * whose deltas bracket it (legs' own delta and iv; legs without either are
 * passed over; a leg exactly at +-0.25 is the point), the risk reversal
 * rr25 = call - put and the butterfly bf25 = (call + put)/2 - atm (atm from
 * g6_chain_atm_iv at F): the smile risk reversal and butterfly of FX desks'
 * quotes, read off the smile rather than a market strangle (I. Clark,
 * "Foreign Exchange Option Pricing", Wiley 2011, ch. 3), with the legs'
 * own delta convention (g6_chain's: BSM spot delta, e^{-qT} N(d1)). Deltas
 * fall with the strike; when bad quotes make them cross the target more
 * than once, the crossing nearest the money is taken (the lowest strikes
 * for the call, the highest for the put), so one far out-of-the-money quote
 * cannot move the figure. Never extrapolated: G6_ENOENT when any of the
 * three cannot be bracketed; the fields found are still set, the others are
 * NAN. Legs in any order. */
typedef struct g6_skew25 {
  double atm_iv, call25_iv, put25_iv, rr25, bf25;
} g6_skew25;

g6_status g6_chain_skew25(const g6_leg *legs, size_t n, double F,
                          g6_skew25 *out);

/* ---- functions over a whole chain (all expiries) ----------------------- */

/* ATM IV per expiry (expiries ascending), with F = S e^{(r-q)T} from the T of
 * that expiry's first leg. `status` is G6_OK or G6_ENOENT per point. Returns
 * G6_ETOOBIG when there are more than cap expiries (the nearest cap are
 * filled). */
typedef struct g6_term_point {
  int64_t expiry;
  double T;
  double forward;
  double atm_iv;
  g6_status status;
} g6_term_point;

g6_status g6_chain_term_structure(const g6_leg *legs, size_t n, double S,
                                  double r, double q, g6_term_point *out,
                                  size_t cap, size_t *n_out);

/* Moneyness x DTE buckets of reference §4.8. */
enum {
  G6_MNY_DEEP_ITM, /* mny <= -0.20 */
  G6_MNY_ITM,      /* -0.20 < mny < -0.05 */
  G6_MNY_ATM,      /* -0.05 <= mny < 0.05 */
  G6_MNY_OTM,      /* 0.05 <= mny < 0.20 */
  G6_MNY_DEEP_OTM, /* mny >= 0.20 */
  G6_MNY_COUNT
};
enum {
  G6_DTE_ULTRA_SHORT, /* [0, 1) days */
  G6_DTE_SHORT,       /* [1, 7) */
  G6_DTE_MEDIUM,      /* [7, 30) */
  G6_DTE_LONG,        /* [30, 90) */
  G6_DTE_LEAP,        /* [90, inf) */
  G6_DTE_COUNT
};

/* Label of a bucket ("deep_itm", ..., "leap"); "unknown" when out of range. */
const char *g6_mny_bucket_name(int b);
const char *g6_dte_bucket_name(int b);

/* Bucket index of a strike against spot S, or -1 when K or S is not a
 * positive finite number. */
int g6_mny_bucket(double K, double S);

/* Bucket index of a time to expiry T in years, or -1 when T is NaN, infinite
 * or negative. */
int g6_dte_bucket(double T);

typedef struct g6_bucket_cell {
  size_t contracts;     /* legs in the bucket */
  double oi, volume;    /* sums over legs where known */
  double iv_mean;       /* NAN when no leg has an IV */
  double spread_bps;    /* mean (ask - bid) / mid x 1e4; NAN when none */
  size_t n_oi, n_volume, n_iv, n_spread; /* legs that contributed */
} g6_bucket_cell;

typedef struct g6_bucket_table {
  g6_bucket_cell cell[G6_MNY_COUNT][G6_DTE_COUNT];
  size_t unbucketed; /* legs without a valid strike/T (or S invalid) */
} g6_bucket_table;

/* Contracts, ΣOI, Σvolume, mean IV and mean bid-ask spread per moneyness x
 * DTE bucket. A spread needs 0 < bid <= ask. G6_EINVAL for NULL arguments. */
g6_status g6_chain_buckets(const g6_leg *legs, size_t n, double S,
                           g6_bucket_table *out);

/* Net Greeks per moneyness x DTE bucket: plain sums (as the old platform's
 * risk aggregation) and sums weighted by open interest. A leg counts only
 * when all five Greeks are known; OI-weighted sums also need its OI. */
typedef struct g6_greek_cell {
  size_t legs, legs_oi;
  double delta, gamma, theta, vega, rho;
  double oi_delta, oi_gamma, oi_theta, oi_vega, oi_rho;
} g6_greek_cell;

typedef struct g6_greek_table {
  g6_greek_cell cell[G6_MNY_COUNT][G6_DTE_COUNT];
  size_t unbucketed, missing_greeks;
} g6_greek_table;

g6_status g6_chain_net_greeks(const g6_leg *legs, size_t n, double S,
                              g6_greek_table *out);

/* Vol surface: mean IV per (expiry, moneyness-percent bucket). With edges
 * e_0 < ... < e_{m-1} (percent; NULL = -20,-10,-5,0,5,10,20) the m+1
 * buckets are (-inf, e_0], (e_0, e_1], ..., (e_{m-1}, +inf) — the old
 * platform's "inclusive on both edges, first match wins". With `interpolate`
 * an empty bucket that has data on both sides in its row gets the linear
 * interpolation between the nearest such buckets at bucket midpoints (the
 * finite edge for the two open buckets), flagged `interpolated`; nothing is
 * ever extrapolated. Rows are expiries, ascending. G6_EINVAL for bad edges
 * (not finite, not strictly increasing, 0 or more than G6_SURFACE_MAX_EDGES);
 * G6_ETOOBIG when more than G6_SURFACE_MAX_EXPIRIES expiries (the nearest
 * are kept). */
#define G6_SURFACE_MAX_EDGES 15
#define G6_SURFACE_MAX_EXPIRIES 16

typedef struct g6_surface {
  size_t n_edges;
  double edges[G6_SURFACE_MAX_EDGES];
  size_t n_expiries;
  int64_t expiry[G6_SURFACE_MAX_EXPIRIES];
  double iv[G6_SURFACE_MAX_EXPIRIES][G6_SURFACE_MAX_EDGES + 1];
  uint32_t count[G6_SURFACE_MAX_EXPIRIES][G6_SURFACE_MAX_EDGES + 1];
  bool interpolated[G6_SURFACE_MAX_EXPIRIES][G6_SURFACE_MAX_EDGES + 1];
  size_t skipped; /* legs without strike or IV, or beyond the kept rows */
} g6_surface;

/* Bucket index (0 .. n_edges) of strike K against spot S for these edges, or
 * -1 when K or S is invalid. */
int g6_surface_bucket(double K, double S, const double *edges, size_t n_edges);

g6_status g6_chain_vol_surface(const g6_leg *legs, size_t n, double S,
                               const double *edges, size_t n_edges,
                               bool interpolate, g6_surface *out);

/* The same surface with moneyness against each expiry's own forward,
 * (K/F - 1) x 100: forwards[i] (points) is the forward of the legs whose
 * expiry is instants[i]. Legs of an instant not listed, or whose forward is
 * not a positive finite number, are skipped (counted in `skipped`). Same
 * errors as above, and G6_EINVAL for NULL instants or forwards with
 * n_fwd > 0. */
g6_status g6_chain_vol_surface_fwd(const g6_leg *legs, size_t n,
                                   const int64_t *instants,
                                   const double *forwards, size_t n_fwd,
                                   const double *edges, size_t n_edges,
                                   bool interpolate, g6_surface *out);

#endif
