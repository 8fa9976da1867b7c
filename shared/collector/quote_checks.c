/* Quote sanity of one cycle's chain (see collector/quote_checks.h). */
#include "collector/quote_checks.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One expiry's kept legs as the math sees them, and where each came from. */
typedef struct kept_legs {
  g6_leg *legs;
  size_t *from; /* index into the expiry's legs */
  g6_arb_rule *flags;
  size_t n;
  double F; /* forward of the checks (parity, else the model's) */
} kept_legs;

static void unchecked(g6_expiry_result *x, size_t n_strikes) {
  memset(&x->parity, 0, sizeof(x->parity));
  x->parity.forward = x->parity.discount = x->parity.rate = NAN;
  x->parity.residual = NAN;
  x->arb_checked = x->arb_flagged = x->arb_stale_last = 0;
  memset(x->arb_violations, 0, sizeof(x->arb_violations));
  if (x->legs != NULL && x->resolved)
    for (size_t i = 0; i < 2 * n_strikes; i++)
      x->legs[i].arb = G6_ARB_NONE;
}

static void gather(const g6_expiry_result *x, size_t n_strikes,
                   g6_price_source src, kept_legs *k, size_t *checked) {
  k->n = 0;
  *checked = 0;
  if (!x->resolved || x->legs == NULL)
    return;
  for (size_t i = 0; i < 2 * n_strikes; i++) {
    const g6_chain_leg *cl = &x->legs[i];
    if (cl->reject != G6_REJECT_NONE)
      continue;
    g6_leg *l = &k->legs[k->n];
    *l = g6_leg_make(cl->q.strike, cl->q.is_put ? G6_PUT : G6_CALL,
                     x->expiry_epoch, x->T);
    l->last = cl->q.last;
    l->bid = cl->q.bid;
    l->ask = cl->q.ask;
    l->iv = cl->iv;
    k->flags[k->n] = G6_ARB_NONE;
    k->from[k->n++] = i;
    if (isfinite(g6_leg_price(l, src)))
      (*checked)++;
  }
}

g6_status g6_quote_checks(g6_expiry_result *ex, size_t n_expiries,
                          size_t n_strikes, double S, double r, double q,
                          const g6_arb_opts *opts) {
  if (ex == NULL && n_expiries > 0)
    return G6_EINVAL;
  g6_arb_opts o = G6_ARB_OPTS_DEFAULT;
  if (opts != NULL)
    o = *opts;
  for (size_t e = 0; e < n_expiries; e++)
    unchecked(&ex[e], n_strikes);
  size_t per = 2 * n_strikes, total = per * n_expiries;
  g6_leg *legs = malloc((total ? total : 1) * sizeof(*legs));
  size_t *from = malloc((total ? total : 1) * sizeof(*from));
  g6_arb_rule *flags = malloc((total ? total : 1) * sizeof(*flags));
  kept_legs k[G6_MAX_EXPIRIES];
  if (legs == NULL || from == NULL || flags == NULL ||
      n_expiries > G6_MAX_EXPIRIES) {
    free(legs);
    free(from);
    free(flags);
    return n_expiries > G6_MAX_EXPIRIES ? G6_EINVAL : G6_ENOMEM;
  }
  g6_status st = G6_OK;
  for (size_t e = 0; e < n_expiries; e++) {
    g6_expiry_result *x = &ex[e];
    k[e] = (kept_legs){legs + e * per, from + e * per, flags + e * per, 0, NAN};
    gather(x, n_strikes, o.src, &k[e], &x->arb_checked);
    if (k[e].n == 0)
      continue;
    double D = exp(-r * x->T);
    k[e].F = S * exp((r - q) * x->T);
    if (g6_parity_fit_expiry(k[e].legs, k[e].n, x->T, o.src, &x->parity) ==
        G6_OK) {
      k[e].F = x->parity.forward;
      D = x->parity.discount;
    }
    g6_status cs = g6_arb_check_expiry(k[e].legs, k[e].n, k[e].F, D, &o,
                                       k[e].flags, x->arb_violations);
    if (cs == G6_ENOMEM)
      st = cs;
  }
  /* calendar: each expiry against the nearest later one */
  for (size_t e = 0; e < n_expiries && st == G6_OK; e++) {
    const g6_expiry_result *x = &ex[e];
    if (k[e].n == 0 || !(x->T > 0) || !isfinite(k[e].F))
      continue;
    long far = -1;
    for (size_t f = 0; f < n_expiries; f++)
      if (k[f].n > 0 && isfinite(k[f].F) && ex[f].T > x->T &&
          (far < 0 || ex[f].T < ex[far].T))
        far = (long)f;
    if (far < 0)
      continue;
    g6_status cs = g6_arb_check_calendar(
        k[e].legs, k[e].n, x->T, k[e].F, k[far].legs, k[far].n, ex[far].T,
        k[far].F, &o, k[e].flags, ex[e].arb_violations);
    if (cs == G6_ENOMEM)
      st = cs;
  }
  for (size_t e = 0; e < n_expiries; e++) {
    if (st != G6_OK) {
      unchecked(&ex[e], n_strikes);
      continue;
    }
    for (size_t j = 0; j < k[e].n; j++) {
      ex[e].legs[k[e].from[j]].arb = k[e].flags[j];
      ex[e].arb_flagged += k[e].flags[j] != G6_ARB_NONE;
      ex[e].arb_stale_last += k[e].flags[j] == G6_ARB_STALE_LAST;
    }
  }
  free(legs);
  free(from);
  free(flags);
  return st;
}

double g6_quote_flagged_ratio(const g6_expiry_result *x) {
  return x->arb_checked ? (double)(x->arb_flagged - x->arb_stale_last) /
                              (double)x->arb_checked
                        : NAN;
}
