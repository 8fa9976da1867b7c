/* g6 — the figures option desks read every minute, per index and expiry:
 * the ATM straddle and the move it implies, dealer gamma exposure and the
 * gamma flip, open-interest build-up classes, and where ATM IV stands in its
 * own history (IV rank and percentile).
 *
 * Pure functions over one expiry's legs (math/analytics.h's g6_leg); missing
 * inputs are skipped and counted, never filled in; an undefined result is
 * NAN, never 0. */
#ifndef G6_DESK_H
#define G6_DESK_H

#include "core/status.h"
#include "math/analytics.h"

#include <stdbool.h>
#include <stddef.h>

/* ---- straddle and expected move ----------------------------------------- */

typedef struct g6_straddle {
  double strike;        /* the ATM strike used */
  double call, put;     /* their prices (mid when quoted, else last) */
  double price;         /* call + put; NAN when either is unknown */
  double move_share;    /* price / S: the move the straddle prices in, as a
                           share of spot; NAN when price is */
} g6_straddle;

/* The straddle at `atm` (the strike of the legs equal to it). Desks read the
 * ATM straddle price as the market's expected move to expiry (for a
 * lognormal underlying the 1-sigma move is about 1.25 x the straddle;
 * g6 exports the straddle itself, unscaled, documented as such). Returns
 * G6_OK with NANs where a leg or its price is missing (G6_ENOENT when
 * neither leg is at atm); G6_EINVAL for bad arguments. */
g6_status g6_desk_straddle(const g6_leg *legs, size_t n, double atm, double S,
                           g6_price_source src, g6_straddle *out);

/* ---- gamma exposure ------------------------------------------------------- */

typedef struct g6_gex {
  double total;        /* sum over legs, rupees per 1 % move (below);
                          NAN when a side is (the dealers' gamma is not
                          one side's) */
  double calls, puts;  /* the two sides (puts as a negative number); NAN
                          for a side without a leg with gamma and OI */
  double flip_strike;  /* where the cumulative exposure over ascending
                          strikes changes sign, linearly interpolated
                          between the bracketing strikes, or the strike
                          where it is exactly 0 before the change (the
                          first of a run of zeros); the lowest such strike
                          when it changes sign more than once; NAN when it
                          never changes sign */
  size_t legs;         /* legs with gamma and OI */
  size_t missing;      /* legs skipped: gamma or OI unknown */
} g6_gex;

/* Dealer gamma exposure of one expiry, with the convention of SqueezeMetrics
 * ("Gamma Exposure (GEX)", 2017): dealers are long the calls and short the
 * puts customers trade, so a leg contributes
 *     sign x gamma x OI x lot x S^2 x 0.01,
 * sign +1 for calls, -1 for puts: the rupee change of the dealers' delta for
 * a 1 % move of spot. gamma is per point (math/bs.h), OI in units of the
 * underlying as Kite reports it (quantity, not lots), so lot is 1 for Kite
 * data; pass the lot size when OI is in lots. G6_EINVAL for bad arguments
 * (S or lot not positive). */
g6_status g6_desk_gex(const g6_leg *legs, size_t n, double S, double lot,
                      g6_gex *out);

/* ---- open-interest build-up ------------------------------------------------- */

typedef enum g6_buildup {
  G6_BUILDUP_NONE = 0,      /* inside the dead band, or unknown */
  G6_BUILDUP_LONG,          /* price up, OI up */
  G6_BUILDUP_SHORT,         /* price down, OI up */
  G6_BUILDUP_SHORT_COVERING,/* price up, OI down */
  G6_BUILDUP_LONG_UNWINDING,/* price down, OI down */
  G6_BUILDUP_COUNT
} g6_buildup;

/* "none", "long_buildup", "short_buildup", "short_covering",
 * "long_unwinding": metric label values. */
const char *g6_buildup_name(g6_buildup b);

/* The dead band: a change counts only when it exceeds both its absolute
 * and its relative threshold, so one tick of noise or a lot traded is not
 * a signal. */
typedef struct g6_buildup_band {
  double price_abs, price_rel; /* default 0.05 points and 0.5 % */
  double oi_abs, oi_rel;       /* default 1 unit and 0.5 % */
} g6_buildup_band;

#define G6_BUILDUP_BAND_DEFAULT {0.05, 0.005, 1, 0.005}

/* The class of one leg from its price and OI now and at the previous cycle
 * (NAN when unknown: then G6_BUILDUP_NONE). band may be NULL (defaults). */
g6_buildup g6_buildup_classify(double price_prev, double price_now,
                               double oi_prev, double oi_now,
                               const g6_buildup_band *band);

/* Legs of one expiry by side ([0] calls, [1] puts) and build-up class, from
 * each leg's last price and OI against last_prev and oi_prev (g6_leg);
 * n[side][G6_BUILDUP_NONE] counts the legs inside the dead band. A leg
 * without a previous cycle (last_prev or oi_prev unknown) or without a
 * price or OI now is not classified: it is counted in `unknown`. */
typedef struct g6_buildup_counts {
  size_t n[2][G6_BUILDUP_COUNT];
  size_t unknown[2];
} g6_buildup_counts;

/* Classifies every leg with `band` (NULL: defaults). G6_EINVAL for a NULL
 * out, or NULL legs with n > 0. */
g6_status g6_desk_buildup(const g6_leg *legs, size_t n,
                          const g6_buildup_band *band,
                          g6_buildup_counts *out);

/* ---- open-interest change -------------------------------------------------- */

/* OI now minus OI at the session's first cycle that collected the contract
 * (g6_leg's oi_open), summed per side over the legs where both are known:
 * the positions opened (positive) or closed (negative) since the session
 * began. Units are those of the legs' OI (Kite: units of the underlying;
 * divide by the lot size for contracts). */
typedef struct g6_oi_change {
  double call, put;           /* NAN for a side without a usable leg */
  size_t call_legs, put_legs; /* legs summed */
  size_t missing;             /* legs without oi or oi_open */
} g6_oi_change;

/* G6_EINVAL for a NULL out, or NULL legs with n > 0. */
g6_status g6_desk_oi_change(const g6_leg *legs, size_t n, g6_oi_change *out);

/* ---- IV rank and percentile ----------------------------------------------------- */

typedef struct g6_iv_rank {
  double rank;       /* (now - min) / (max - min) over the history; NAN
                        until min_days values, or when max == min */
  double percentile; /* share of history values strictly below now */
  double min, max;
  size_t days;       /* history values used (finite ones) */
} g6_iv_rank;

/* Where `now` stands in `history` (daily closes, any order, NAN skipped).
 * Fewer than min_days usable values: rank and percentile NAN (days still
 * set). now not finite: NAN too. Can't fail for valid pointers; G6_EINVAL
 * for NULL out or NULL history with n > 0. */
g6_status g6_desk_iv_rank(const double *history, size_t n, double now,
                          size_t min_days, g6_iv_rank *out);

#endif
