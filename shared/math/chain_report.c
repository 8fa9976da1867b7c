/* Every chain analytic of one instant (see math/chain_report.h). */
#include "math/chain_report.h"

#include <math.h>
#include <string.h>

static const char *const surface_names[G6_SURFACE_DEFAULT_BUCKETS] = {
    "lt_m20", "m20_m10", "m10_m5",  "m5_0",
    "0_p5",   "p5_p10",  "p10_p20", "gt_p20"};

const char *g6_surface_bucket_name(int b) {
  return b >= 0 && b < G6_SURFACE_DEFAULT_BUCKETS ? surface_names[b]
                                                  : "unknown";
}

double g6_report_support(const g6_report_expiry *e) {
  return e->n_support ? e->support[0].strike : NAN;
}

double g6_report_resistance(const g6_report_expiry *e) {
  return e->n_resistance ? e->resistance[0].strike : NAN;
}

static bool window_ok(double w) { return isfinite(w) && w > 0 && w <= 1; }

/* Legs of expiry ex asked for in [kmin, kmax]: a call and a put at each
 * strike of the ladder, but for those that do not exist (a strike the
 * exchange does not list is no leg of the ratio, and would keep the count
 * above 0 for good on a ladder wider than the listed strikes). */
static size_t window_legs(const g6_report_input *in, size_t ex, double kmin,
                          double kmax) {
  size_t k = 0;
  for (size_t i = 0; in->strikes != NULL && i < in->n_strikes; i++) {
    double s = in->strikes[i];
    if (!(isfinite(s) && s > 0 && s >= kmin && s <= kmax))
      continue;
    for (int put = 0; put < 2; put++)
      k += in->leg_exists == NULL ||
           in->leg_exists(in->leg_exists_ctx, ex, i, put != 0);
  }
  return k;
}

/* The window's legs without the value: the window is the legs asked for,
 * or the legs given when there are more (a leg off the ladder still counts),
 * less those given with the value. */
static double missing(size_t asked, size_t given, size_t given_without) {
  size_t window = asked > given ? asked : given;
  return (double)(window - (given - given_without));
}

/* Everything of one expiry that needs only its own legs. */
static void expiry_analytics(const g6_report_input *in,
                             const g6_report_options *o, size_t ix,
                             g6_report_expiry *e) {
  const g6_report_expiry_input *x = &in->ex[ix];
  memset(e, 0, sizeof(*e));
  e->tag = x->tag;
  e->resolved = x->resolved;
  e->expiry = x->expiry;
  e->surface_row = -1;
  e->T = x->resolved ? x->T : NAN;
  e->days = e->T * 365.0;
  e->forward = in->S * exp((in->r - in->q) * e->T);
  e->basis_bps = e->implied_rate = e->parity_residual = NAN;
  const g6_parity_fit *pf = &x->parity;
  if (x->resolved && isfinite(pf->forward) && pf->forward > 0) {
    e->parity_forward = true;
    e->basis_bps = g6_forward_basis_bps(pf->forward, in->S, in->r, in->q,
                                        e->T);
    e->forward = pf->forward;
    e->implied_rate = pf->rate;
    e->parity_residual = pf->residual;
  }
  const g6_leg *legs = in->legs + x->first;
  size_t n = x->resolved ? x->n : 0;
  e->legs = n;
  /* windows around the ATM strike (the old platform's reference) */
  double c = in->atm;
  g6_chain_pcr(legs, n, c * (1 - o->pcr_window), c * (1 + o->pcr_window),
               &e->pcr);
  if (!isfinite(c)) { /* no window: nothing is in it, nothing is known */
    e->pcr.by_oi = e->pcr.by_volume = NAN;
    e->pcr_missing_oi = e->pcr_missing_volume = NAN;
  } else {
    size_t asked =
        window_legs(in, ix, c * (1 - o->pcr_window), c * (1 + o->pcr_window));
    e->pcr_missing_oi = missing(asked, e->pcr.legs, e->pcr.missing_oi);
    e->pcr_missing_volume = missing(asked, e->pcr.legs, e->pcr.missing_volume);
  }
  g6_chain_max_pain(legs, n, c * (1 - o->max_pain_window),
                    c * (1 + o->max_pain_window), &e->max_pain);
  g6_chain_support_resistance(legs, n, c, G6_REPORT_LEVELS, e->support,
                              &e->n_support, e->resistance, &e->n_resistance);
  g6_chain_skew25(legs, n, e->forward, &e->skew);
  e->atm_iv = e->skew.atm_iv;
}

g6_status g6_chain_report_compute(const g6_report_input *in,
                                  const g6_report_options *opts,
                                  g6_chain_report *out) {
  static const g6_report_options defaults = G6_REPORT_OPTIONS_DEFAULT;
  if (in == NULL || out == NULL || in->n_expiries > G6_REPORT_MAX_EXPIRIES ||
      (in->legs == NULL && in->n_legs > 0))
    return G6_EINVAL;
  const g6_report_options *o = opts ? opts : &defaults;
  if (!window_ok(o->pcr_window) || !window_ok(o->max_pain_window))
    return G6_EINVAL;
  for (size_t i = 0; i < in->n_expiries; i++) {
    const g6_report_expiry_input *x = &in->ex[i];
    if (x->resolved && (x->first > in->n_legs || x->n > in->n_legs - x->first))
      return G6_EINVAL;
  }
  memset(out, 0, sizeof(*out));
  out->n_expiries = in->n_expiries;
  for (size_t i = 0; i < in->n_expiries; i++)
    expiry_analytics(in, o, i, &out->ex[i]);
  g6_chain_buckets(in->legs, in->n_legs, in->S, &out->buckets);
  g6_chain_net_greeks(in->legs, in->n_legs, in->S, &out->greeks);
  /* at most G6_REPORT_MAX_EXPIRIES < G6_SURFACE_MAX_EXPIRIES expiry
   * instants, so the surface keeps every row; moneyness against each
   * expiry's forward */
  int64_t instants[G6_REPORT_MAX_EXPIRIES];
  double forwards[G6_REPORT_MAX_EXPIRIES];
  for (size_t i = 0; i < in->n_expiries; i++) {
    instants[i] = in->ex[i].expiry;
    forwards[i] = in->ex[i].resolved ? out->ex[i].forward : NAN;
  }
  g6_chain_vol_surface_fwd(in->legs, in->n_legs, instants, forwards,
                           in->n_expiries, NULL, 0, true, &out->surface);
  for (size_t i = 0; i < in->n_expiries; i++) {
    g6_report_expiry *e = &out->ex[i];
    for (size_t row = 0;
         e->resolved && e->legs > 0 && row < out->surface.n_expiries; row++)
      if (out->surface.expiry[row] == e->expiry)
        e->surface_row = (int)row;
  }
  return G6_OK;
}
