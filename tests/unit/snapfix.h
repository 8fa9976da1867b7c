/* Hand-built chain snapshots for the unit tests of the snapshot reader, the
 * analytics runner and replay: the writer's view (store/snapshot.h) filled
 * with known numbers, and its bytes as g6_chain writes them. Header-only,
 * included by one test file at a time. */
#ifndef G6_TEST_SNAPFIX_H
#define G6_TEST_SNAPFIX_H

#include "core/buf.h"
#include "core/ist.h"
#include "core/json.h"
#include "store/snapshot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SNAPFIX_MAX_STRIKES 16

typedef struct snapfix {
  g6_index_config ix;
  double strikes[SNAPFIX_MAX_STRIKES];
  g6_chain_leg legs[G6_MAX_EXPIRIES][2 * SNAPFIX_MAX_STRIKES];
  g6_expiry_result ex[G6_MAX_EXPIRIES];
  g6_snapshot view;
} snapfix;

/* 2025-01-06 10:00:00 IST, a Monday. */
#define SNAPFIX_NOW (g6_ist_epoch((g6_date){2025, 1, 6}, 10, 0, 0))

static inline g6_chain_leg snapfix_leg(double K, int put, const char *key) {
  g6_chain_leg l;
  memset(&l, 0, sizeof(l));
  l.q.strike = K;
  l.q.is_put = put;
  l.q.quoted = key != NULL;
  l.q.last = l.q.avg = l.q.bid = l.q.ask = l.q.volume = l.q.oi = NAN;
  l.iv = l.delta = l.gamma = l.theta = l.vega = l.rho = NAN;
  l.oi_open = l.last_prev = l.oi_prev = NAN;
  l.iv_status = G6_ENOENT;
  if (key != NULL)
    snprintf(l.key, sizeof(l.key), "%s", key);
  return l;
}

static inline void snapfix_price(g6_chain_leg *l, double last, double avg,
                                 double bid, double ask, double vol,
                                 double oi) {
  l->q.last = last;
  l->q.avg = avg;
  l->q.bid = bid;
  l->q.ask = ask;
  l->q.volume = vol;
  l->q.oi = oi;
}

static inline void snapfix_greeks(g6_chain_leg *l, double iv, double d,
                                  double g, double t, double v, double r) {
  l->iv = iv;
  l->iv_status = G6_OK;
  l->delta = d;
  l->gamma = g;
  l->theta = t;
  l->vega = v;
  l->rho = r;
}

/* The common envelope: NIFTY, seq 41, spot 24812.5, ATM 24800. */
static inline void snapfix_envelope(snapfix *f, size_t n_strikes,
                                    size_t n_expiries) {
  memset(&f->ix, 0, sizeof(f->ix));
  snprintf(f->ix.name, sizeof(f->ix.name), "NIFTY");
  snprintf(f->ix.underlying, sizeof(f->ix.underlying), "NSE:NIFTY 50");
  snprintf(f->ix.segment, sizeof(f->ix.segment), "NFO-OPT");
  f->ix.step = 50;
  memset(&f->view, 0, sizeof(f->view));
  g6_snapshot *v = &f->view;
  v->ix = &f->ix;
  v->seq = 41;
  v->generated_at = SNAPFIX_NOW;
  v->ts = g6_round30((double)v->generated_at, G6_ROUND_NEAREST);
  v->market_open = true;
  v->status = G6_CHAIN_PARTIAL;
  v->error = G6_OK;
  v->spot = 24812.5;
  v->atm = 24800;
  v->step = 50;
  v->day_high = 24900.25;
  v->day_low = NAN;
  v->vix = 13.25;
  v->r = 0.065;
  v->q = 0;
  v->n_strikes = n_strikes;
  v->strikes = f->strikes;
  v->n_expiries = n_expiries;
  v->expiries = f->ex;
}

/* Expiry x resolved as this_week, 2025-01-09 (3 days after SNAPFIX_NOW),
 * with these legs. */
static inline void snapfix_this_week(g6_expiry_result *x, g6_chain_leg *legs) {
  x->tag = "this_week";
  x->spec.rule = G6_EXPIRY_THIS_WEEK;
  x->resolved = true;
  x->date = (g6_date){2025, 1, 9};
  x->expiry_epoch = g6_expiry_epoch(x->date);
  x->T = (double)(x->expiry_epoch - SNAPFIX_NOW) / (365.0 * 86400);
  x->legs = legs;
}

/* Three strikes, two expiries: this_week resolved with every kind of leg
 * (kept with all fields, kept without IV, missing quote, not listed, zero
 * volume and a huge OI, a crossed quote flagged) and a parity fit,
 * next_month a literal date that did not resolve. */
static inline void snapfix_small(snapfix *f) {
  memset(f, 0, sizeof(*f));
  snapfix_envelope(f, 3, 2);
  f->strikes[0] = 24750;
  f->strikes[1] = 24800;
  f->strikes[2] = 24850;
  g6_chain_leg *l = f->legs[0];
  l[0] = snapfix_leg(24750, 0, "NFO:NIFTY2510924750CE");
  snapfix_price(&l[0], 150.5, 148.2, 150.05, 151.1, 120000, 50025);
  snapfix_greeks(&l[0], 0.1234567890123, 0.61, 0.00041, -12.5, 11.75, 2.5);
  l[0].oi_open = 48000; /* collected earlier in the session */
  l[0].last_prev = 149.5;
  l[0].oi_prev = 49950;
  l[1] = snapfix_leg(24750, 1, "NFO:NIFTY2510924750PE");
  snapfix_price(&l[1], 80.25, 82, 80, 80.5, 110000, 65000);
  l[1].iv_status = G6_EBELOW_INTRINSIC;
  l[2] = snapfix_leg(24800, 0, "NFO:NIFTY2510924800CE");
  l[2].q.quoted = false;
  l[2].reject = G6_REJECT_MISSING_QUOTE;
  l[3] = snapfix_leg(24800, 1, "NFO:NIFTY2510924800PE");
  snapfix_price(&l[3], 105, 104, NAN, NAN, 140000, 90000);
  snapfix_greeks(&l[3], 0.13, -0.48, 0.0005, -11, 12, -3);
  l[3].oi_open = 90000; /* first collected now */
  l[4] = snapfix_leg(24850, 0, NULL);
  l[4].reject = G6_REJECT_NOT_LISTED;
  l[5] = snapfix_leg(24850, 1, "NFO:NIFTY2510924850PE");
  snapfix_price(&l[5], 130, 131, 129.5, 130.5, 0, 1e15);
  snapfix_greeks(&l[5], 0.125, -0.55, 0.0004, -10, 12.5, -3.5);
  g6_expiry_result *x = &f->ex[0];
  snapfix_this_week(x, l);
  x->status = G6_CHAIN_PARTIAL;
  x->legs_requested = 6;
  x->legs_listed = 5;
  x->legs_collected = 4;
  x->strike_coverage = 1;
  x->field_coverage = 0.75;
  x->pcr_oi = (65000 + 90000 + 1e15) / 50025.0;
  x->pcr_volume = (110000 + 140000) / 120000.0;
  x->rejects[G6_REJECT_MISSING_QUOTE] = 1;
  x->rejects[G6_REJECT_NOT_LISTED] = 1;
  /* quote sanity: the fit of two pairs, a crossed put */
  x->parity = (g6_parity_fit){24830.125, 0.9994, 0.0651, 0.025, 2, 0};
  x->arb_checked = 4;
  x->arb_flagged = 1;
  x->arb_violations[G6_ARB_CROSSED] = 1;
  l[5].arb = G6_ARB_CROSSED;
  x->legs = l;
  x->lot_size = 75;
  x->straddle_open = 231.5;
  x = &f->ex[1];
  x->tag = "next_month";
  x->spec.rule = G6_EXPIRY_DATE;
  x->spec.date = (g6_date){2025, 2, 27};
  x->resolved = false;
  x->resolve_status = G6_ENOENT;
  x->status = G6_CHAIN_EMPTY;
  x->legs_requested = 6;
  x->pcr_oi = x->pcr_volume = NAN;
  x->lot_size = x->straddle_open = NAN;
  x->T = NAN;
  x->parity.forward = x->parity.discount = NAN;
  x->parity.rate = x->parity.residual = NAN;
  x->legs = f->legs[1];
}

/* The file g6_chain writes for a view (malloc'ed, NUL-terminated). */
static inline char *snapfix_text(const g6_snapshot *v) {
  g6_buf b = G6_BUF_INIT;
  g6_status st = g6_snapshot_serialize(v, &b);
  if (st != G6_OK) {
    g6_buf_free(&b);
    return NULL;
  }
  return g6_buf_steal(&b);
}

/* text with the first occurrence of `from` replaced by `to` (malloc'ed);
 * NULL when `from` does not occur. */
static inline char *snapfix_replace(const char *text, const char *from,
                                    const char *to) {
  const char *at = strstr(text, from);
  if (at == NULL)
    return NULL;
  size_t a = (size_t)(at - text), fl = strlen(from), tl = strlen(to),
         n = strlen(text);
  char *out = malloc(n - fl + tl + 1);
  if (out == NULL)
    return NULL;
  memcpy(out, text, a);
  memcpy(out + a, to, tl);
  memcpy(out + a + tl, at + fl, n - a - fl + 1);
  return out;
}

#endif
