/* The synthetic market: index random walks, listed expiries and strikes,
 * option quotes from Black-Scholes with a smile and a term structure.
 *
 * Everything is a pure function of (seed, epoch): the walk's increments come
 * from a hash of (seed, index, IST day, step), never from a stateful
 * generator, so two requests at the same market time get identical quotes
 * and a test can recompute anything from the mock's own answers. */
#include "mockd.h"

#include "core/ist.h"
#include "math/bs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const mk_index mk_indices[MK_NINDEX] = {
    {"NIFTY", "NSE", "NIFTY 50", 256265, "NFO", "NFO-OPT", 25900, 50, 75, 1,
     1, 0.11, 1.3e-4, 120000, 10000000},
    {"BANKNIFTY", "NSE", "NIFTY BANK", 260105, "NFO", "NFO-OPT", 58000, 100, 35,
     -1, 1, 0.13, 1.5e-4, 60000, 11000000},
    {"FINNIFTY", "NSE", "NIFTY FIN SERVICE", 257801, "NFO", "NFO-OPT", 27300,
     50, 65, -1, 1, 0.12, 1.4e-4, 20000, 12000000},
    {"MIDCPNIFTY", "NSE", "NIFTY MIDCAP SELECT", 288009, "NFO", "NFO-OPT",
     13500, 50, 140, -1, 1, 0.15, 1.7e-4, 30000, 13000000},
    {"SENSEX", "BSE", "SENSEX", 265, "BFO", "BFO-OPT", 84500, 100, 20, 3, 3,
     0.115, 1.3e-4, 90000, 14000000},
};

/* ---- hashing ------------------------------------------------------------- */

static uint64_t mix(uint64_t x) { /* splitmix64 finalizer */
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

static uint64_t h4(uint64_t seed, uint64_t a, uint64_t b, uint64_t c) {
  return mix(mix(mix(seed ^ 0xA0761D6478BD642Full) ^ a) ^ b) ^ c;
}

static double u01(uint64_t h) { return (double)(h >> 11) * 0x1.0p-53; }

static double normal(uint64_t h) {
  double u1 = u01(mix(h)), u2 = u01(mix(h ^ 0x5555));
  if (u1 < 1e-300)
    u1 = 1e-300;
  return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

/* ---- index walk -------------------------------------------------------- */

#define STEP_S 15

static double anchor(const mk_params *p, int idx, int64_t day) {
  double z = normal(h4(p->seed, (uint64_t)idx, (uint64_t)day, 0xA11C));
  if (z > 3)
    z = 3;
  if (z < -3)
    z = -3;
  return mk_indices[idx].base * exp(0.008 * z);
}

double mk_spot(const mk_params *p, int idx, int64_t t) {
  g6_ist_tm tm;
  g6_ist_breakdown(t, &tm);
  const mk_index *ix = &mk_indices[idx];
  long steps = tm.sod / STEP_S;
  double frac = (double)(tm.sod % STEP_S) / STEP_S;
  double sum = 0;
  for (long i = 0; i < steps; i++)
    sum += normal(h4(p->seed, (uint64_t)idx, (uint64_t)tm.days, (uint64_t)i));
  sum += frac * normal(h4(p->seed, (uint64_t)idx, (uint64_t)tm.days,
                          (uint64_t)steps));
  return anchor(p, idx, tm.days) * exp(ix->walk_vol * sum);
}

/* India VIX: a daily level around 13 (lognormal, 15 % a day) and an
 * intraday walk of its own (0.2 % per 15 s step), one hash stream apart
 * from the indices'. */
#define VIX_STREAM 0x7197ull

double mk_vix(const mk_params *p, int64_t t) {
  g6_ist_tm tm;
  g6_ist_breakdown(t, &tm);
  double z = normal(h4(p->seed, VIX_STREAM, (uint64_t)tm.days, 0xA11C));
  z = z > 3 ? 3 : z < -3 ? -3 : z;
  long steps = tm.sod / STEP_S;
  double frac = (double)(tm.sod % STEP_S) / STEP_S, sum = 0;
  for (long i = 0; i < steps; i++)
    sum += normal(h4(p->seed, VIX_STREAM, (uint64_t)tm.days, (uint64_t)i));
  sum += frac * normal(h4(p->seed, VIX_STREAM, (uint64_t)tm.days,
                          (uint64_t)steps));
  return 13.0 * exp(0.15 * z) * exp(0.002 * sum);
}

/* ---- listing ----------------------------------------------------------- */

static int64_t last_dow_of_month(int y, int m, int dow) {
  int ny = m == 12 ? y + 1 : y, nm = m == 12 ? 1 : m + 1;
  int64_t d = g6_days_from_civil(ny, nm, 1) - 1;
  while (g6_weekday(d) != dow)
    d--;
  return d;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

static size_t list_expiries(const mk_params *p, const mk_index *ix,
                            int64_t day, int64_t *out, size_t max) {
  size_t n = 0;
  if (ix->weekly_dow >= 0) {
    int64_t d = day;
    while (g6_weekday(d) != ix->weekly_dow)
      d++;
    for (int k = 0; k < p->weeklies && n < max; k++, d += 7)
      out[n++] = d;
  }
  g6_date today = g6_civil_from_days(day);
  int y = today.year, m = today.month, got = 0;
  for (int k = 0; got < p->monthlies && k < 24 && n < max; k++) {
    int64_t e = last_dow_of_month(y, m, ix->monthly_dow);
    if (e >= day) {
      out[n++] = e;
      got++;
    }
    if (++m == 13) {
      m = 1;
      y++;
    }
  }
  qsort(out, n, sizeof(*out), cmp_i64);
  size_t u = 0;
  for (size_t i = 0; i < n; i++)
    if (u == 0 || out[u - 1] != out[i])
      out[u++] = out[i];
  return u;
}

static const char *const mon3[12] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                     "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};

static void option_symbol(const mk_index *ix, int64_t expiry, bool monthly,
                          int32_t strike, bool put, char *out, size_t len) {
  g6_date d = g6_civil_from_days(expiry);
  if (monthly)
    snprintf(out, len, "%s%02d%s%d%s", ix->name, d.year % 100,
             mon3[d.month - 1], strike, put ? "PE" : "CE");
  else
    snprintf(out, len, "%s%02d%c%02d%d%s", ix->name, d.year % 100,
             d.month <= 9 ? (char)('0' + d.month) : "OND"[d.month - 10],
             d.day, strike, put ? "PE" : "CE");
}

static uint64_t strhash(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

static int64_t moved_day(const mk_move *moves, int n_moves, int index,
                         int64_t day) {
  for (int k = 0; k < n_moves; k++)
    if (moves[k].index == index && moves[k].from == day)
      return moves[k].to;
  return day;
}

/* The day a regular expiry is listed for: the previous regular trading
 * day of the index's exchange when it has no session of its own (a
 * Muhurat hour or a Budget weekend is a session, but no contract expires
 * in it); the day itself without a calendar. */
static int64_t calendar_day(const mk_params *p, const mk_index *ix,
                            int64_t day) {
  const g6_calendar *cal =
      strcmp(ix->idx_exchange, "BSE") == 0 ? p->cal_bse : p->cal_nse;
  if (cal == NULL)
    return day;
  while (g6_weekday(day) >= 5 || g6_calendar_is_holiday(cal, day))
    day--;
  return day;
}

bool mk_listing_build(const mk_params *p, int64_t day, const mk_move *moves,
                      int n_moves, mk_listing *out) {
  memset(out, 0, sizeof(*out));
  out->day = day;
  size_t total = 0;
  /* the regular expiry of each listed date, before the moves */
  int64_t regular[MK_NINDEX][32];
  for (int i = 0; i < MK_NINDEX; i++) {
    const mk_index *ix = &mk_indices[i];
    size_t n = list_expiries(p, ix, day, regular[i], 32), k = 0;
    for (size_t e = 0; e < n; e++) {
      int64_t fault = moved_day(moves, n_moves, i, regular[i][e]);
      int64_t at = fault != regular[i][e] ? fault
                                          : calendar_day(p, ix, regular[i][e]);
      if (at < day && fault == regular[i][e])
        continue; /* moved before today by a holiday: expired */
      regular[i][k] = regular[i][e];
      out->expiries[i][k++] = at;
    }
    out->nexp[i] = k;
    double a = anchor(p, i, day);
    out->center[i] = (int32_t)(nearbyint(a / ix->step) * ix->step);
    total += out->nexp[i] * (size_t)(2 * p->strikes + 1) * 2;
  }
  out->inst = calloc(total ? total : 1, sizeof(*out->inst));
  size_t ns = 16;
  while (ns < 2 * total + 2)
    ns *= 2;
  out->slots = calloc(ns, sizeof(*out->slots));
  out->nslots = ns;
  if (out->inst == NULL || out->slots == NULL) {
    mk_listing_free(out);
    return false;
  }
  for (int i = 0; i < MK_NINDEX; i++) {
    const mk_index *ix = &mk_indices[i];
    uint64_t seq = 0;
    for (size_t e = 0; e < out->nexp[i]; e++) {
      int64_t reg = regular[i][e], ex = out->expiries[i][e];
      g6_date d = g6_civil_from_days(reg);
      bool monthly =
          reg == last_dow_of_month(d.year, d.month, ix->monthly_dow);
      for (int k = -p->strikes; k <= p->strikes; k++) {
        int32_t strike = out->center[i] + (int32_t)(k * ix->step);
        if (strike <= 0)
          continue;
        for (int put = 0; put < 2; put++) {
          mk_inst *in = &out->inst[out->n];
          in->token = ix->token_base + seq++;
          in->index = i;
          in->expiry = (int32_t)ex;
          in->strike = strike;
          in->put = (uint8_t)put;
          in->monthly = monthly;
          option_symbol(ix, ex, monthly, strike, put, in->symbol,
                        sizeof(in->symbol));
          size_t h = (size_t)strhash(in->symbol) & (ns - 1);
          while (out->slots[h] != 0)
            h = (h + 1) & (ns - 1);
          out->slots[h] = ++out->n;
        }
      }
    }
  }
  return true;
}

void mk_listing_free(mk_listing *l) {
  free(l->inst);
  free(l->slots);
  l->inst = NULL;
  l->slots = NULL;
  l->n = 0;
}

const mk_inst *mk_listing_find(const mk_listing *l, const char *symbol) {
  if (l->nslots == 0)
    return NULL;
  size_t mask = l->nslots - 1;
  for (size_t h = (size_t)strhash(symbol) & mask;; h = (h + 1) & mask) {
    size_t e = l->slots[h];
    if (e == 0)
      return NULL;
    if (strcmp(l->inst[e - 1].symbol, symbol) == 0)
      return &l->inst[e - 1];
  }
}

/* ---- quotes ------------------------------------------------------------ */

static int64_t to_tick(double price) { /* paise, 5-paise tick, >= 0.05 */
  if (!isfinite(price) || price < 0.05)
    return 5;
  return (int64_t)llround(price * 20.0) * 5;
}

/* The smile: an SSVI slice (Gatheral & Jacquier, "Arbitrage-free SVI
 * volatility surfaces", Quantitative Finance 14, 2014, eq. 4.1) in the
 * forward log-moneyness k = ln(K/F), F = S e^{rT}:
 *   w(k) = theta/2 (1 + rho phi k + sqrt((phi k + rho)^2 + 1 - rho^2))
 * with ATM total variance theta = atm(T)^2 T, the ATM vol atm(T) falling
 * with time to expiry (the term structure), and the power law
 * phi(theta) = eta / sqrt(theta (1 + theta)) (their eq. 4.5, gamma = 1/2).
 * With eta (1 + |rho|) < 4 and eta^2 (1 + |rho|) <= 4 (Theorem 4.2) no
 * slice has a butterfly arbitrage, and theta non-decreasing in T with this
 * phi (Theorem 4.1) leaves no calendar arbitrage: the market is free of
 * static arbitrage up to the 5-paise tick, which is what g6's quote checks
 * must find (tests/integration/quote_sanity.t). rho = -0.3, eta = 0.6 give
 * the same ATM skew as the old quadratic smile (d sigma / dm = -0.09 sigma
 * per unit of m = k / (atm sqrt T)). */
#define SSVI_RHO (-0.3)
#define SSVI_ETA 0.6

static double iv_of(const mk_params *p, const mk_index *ix, double S, double K,
                    double T) {
  if (!(T > 0))
    return ix->atm_vol;
  /* below a day the ATM vol stops rising: theta stays increasing in T */
  double tt = T > 1.0 / 365 ? T : 1.0 / 365;
  double atm = ix->atm_vol * (1 + 0.35 * exp(-tt * 365 / 10));
  double theta = atm * atm * T;
  double phi = SSVI_ETA / sqrt(theta * (1 + theta));
  double k = log(K / (S * exp(p->rate * T)));
  double x = phi * k + SSVI_RHO;
  double w = 0.5 * theta *
             (1 + SSVI_RHO * phi * k + sqrt(x * x + 1 - SSVI_RHO * SSVI_RHO));
  return sqrt(w / T);
}

static double opt_price(const mk_params *p, const mk_inst *in, double S,
                        int64_t t) {
  const mk_index *ix = &mk_indices[in->index];
  g6_date d = g6_civil_from_days(in->expiry);
  double T = (double)(g6_expiry_epoch(d) - t) / (365.0 * 86400.0);
  double K = in->strike;
  double sigma = iv_of(p, ix, S, K, T);
  return g6_bsm_price(in->put ? G6_PUT : G6_CALL, S, K, T, p->rate, 0.0,
                      sigma);
}

void mk_spots_at(const mk_params *p, int idx, int64_t t, mk_spots *sp) {
  g6_ist_tm tm;
  g6_ist_breakdown(t, &tm);
  sp->t = t;
  sp->open_t = g6_ist_epoch(tm.date, 9, 15, 0);
  if (sp->open_t > t)
    sp->open_t = t;
  sp->close_t = g6_ist_epoch(g6_civil_from_days(tm.days - 1), 15, 30, 0);
  sp->S = mk_spot(p, idx, t);
  sp->S_open = mk_spot(p, idx, sp->open_t);
  sp->S_close = mk_spot(p, idx, sp->close_t);
}

void mk_option_quote(const mk_params *p, const mk_inst *in,
                     const mk_spots *sp, mk_quote *q) {
  memset(q, 0, sizeof(*q));
  const mk_index *ix = &mk_indices[in->index];
  int64_t t = sp->t;
  g6_ist_tm tm;
  g6_ist_breakdown(t, &tm);
  double S = sp->S, S_open = sp->S_open, S_close = sp->S_close;
  int64_t open_t = sp->open_t, close_t = sp->close_t;
  q->ltp_paise = to_tick(opt_price(p, in, S, t));
  q->open_paise = to_tick(opt_price(p, in, S_open, open_t));
  q->close_paise = to_tick(opt_price(p, in, S_close, close_t));
  uint64_t h = h4(p->seed, in->token, (uint64_t)tm.days, 0x0107);
  double hi = (double)(q->ltp_paise > q->open_paise ? q->ltp_paise
                                                    : q->open_paise);
  double lo = (double)(q->ltp_paise < q->open_paise ? q->ltp_paise
                                                    : q->open_paise);
  q->high_paise = to_tick(hi * (1 + 0.03 * u01(mix(h ^ 1))) / 100.0);
  q->low_paise = to_tick(lo * (1 - 0.03 * u01(mix(h ^ 2))) / 100.0);
  q->avg_paise =
      to_tick((double)q->ltp_paise * (1 + 0.01 * (u01(mix(h ^ 3)) - 0.5)) /
              100.0);

  double sess = (double)(tm.sod - 9 * 3600 - 15 * 60) / (6.25 * 3600);
  if (sess < 0.02)
    sess = 0.02;
  if (sess > 1)
    sess = 1;
  /* open interest peaks at the money: puts heavier below, calls above */
  double dist = ((double)in->strike - S) / ix->step;
  double side = in->put ? (dist < 0 ? 1.4 : 0.6) : (dist > 0 ? 1.4 : 0.6);
  g6_date ed = g6_civil_from_days(in->expiry);
  double dte = (double)(g6_expiry_epoch(ed) - t) / 86400.0;
  double term = 0.25 + exp(-(dte > 0 ? dte : 0) / 20.0);
  double oi_lots = ix->oi_lots * exp(-0.5 * (dist / 14) * (dist / 14)) * side *
                   term * (0.8 + 0.4 * u01(mix(h ^ 4))) +
                   2 + 40 * u01(mix(h ^ 9)); /* far strikes keep some OI */
  /* positions opened and closed as the session goes on: each contract has
   * a flow of its own for the day, most add OI (up to +42 % by the close),
   * some shed it (down to -18 %), so every build-up class occurs */
  oi_lots *= 1 + 0.6 * (u01(mix(h ^ 10)) - 0.3) * sess;
  int64_t lots = (int64_t)llround(oi_lots);
  q->oi = lots * ix->lot;
  q->oi_high = q->oi + (int64_t)llround(oi_lots * 0.05) * ix->lot;
  q->oi_low = q->oi - (int64_t)llround(oi_lots * 0.05) * ix->lot;
  q->volume = (int64_t)llround(oi_lots * 3.0 * sess *
                               (0.7 + 0.6 * u01(mix(h ^ 5)))) *
              ix->lot;
  q->last_qty = ix->lot * (1 + (int64_t)(mix(h ^ 6) % 10));
  q->buy_qty = ix->lot * ((int64_t)llround(oi_lots / 40) +
                          (int64_t)(mix(h ^ 7) % 200));
  q->sell_qty = ix->lot * ((int64_t)llround(oi_lots / 40) +
                           (int64_t)(mix(h ^ 8) % 200));
  q->last_trade = t - (int64_t)(mix(h ^ (uint64_t)t) % 20);

  /* depth around the price on the tick size; wider away from the money */
  int64_t spread = 1 + (int64_t)(fabs(dist) / 15);
  if (spread > 20)
    spread = 20;
  int64_t bid0 = q->ltp_paise - 5 * ((spread + 1) / 2);
  int64_t ask0 = bid0 + 5 * spread;
  for (int i = 0; i < 5; i++) {
    uint64_t hh = mix(h ^ (0x100u + (uint64_t)i));
    q->ask_paise[i] = ask0 + 5 * i;
    q->ask_qty[i] = ix->lot * (1 + (int64_t)(hh % 40));
    q->ask_orders[i] = 1 + (int)(hh % 9);
    int64_t b = bid0 - 5 * i;
    if (b >= 5) {
      q->bid_paise[i] = b;
      q->bid_qty[i] = ix->lot * (1 + (int64_t)((hh >> 8) % 40));
      q->bid_orders[i] = 1 + (int)((hh >> 8) % 9);
    }
  }
}

const char *mk_quote_fault_name(mk_quote_fault f) {
  static const char *const names[MK_QF_COUNT] = {"none",
                                                 "crossed_quote",
                                                 "stale_quote",
                                                 "out_of_bounds_quote",
                                                 "malformed_quote",
                                                 "no_oi_quote",
                                                 "stale_last_quote",
                                                 "untraded_quote",
                                                 "iso_time_quote",
                                                 "bad_time_quote"};
  return (unsigned)f < MK_QF_COUNT ? names[f] : "unknown";
}

void mk_fault_quote(const mk_params *p, const mk_inst *in, const mk_spots *sp,
                    mk_quote_fault f, mk_quote *q) {
  switch (f) {
  case MK_QF_CROSSED:
    /* the book crosses by a tick or more at every level; last is kept */
    for (int i = 0; i < 5; i++) {
      q->bid_paise[i] = q->ltp_paise + 5 * (i + 1);
      q->ask_paise[i] = q->ltp_paise - 5 * (i + 1) >= 5
                            ? q->ltp_paise - 5 * (i + 1)
                            : 5;
      if (q->bid_qty[i] == 0) { /* the level had no bid: give it one */
        q->bid_qty[i] = q->ask_qty[i];
        q->bid_orders[i] = 1;
      }
    }
    break;
  case MK_QF_STALE: {
    mk_spots old = *sp;
    old.S = sp->S * 0.98;
    mk_option_quote(p, in, &old, q);
    q->last_trade = sp->t - 3600;
    break;
  }
  case MK_QF_OUT_OF_BOUNDS: {
    double bound = in->put ? (double)in->strike : sp->S;
    int64_t shift = to_tick(bound * 1.05) - q->ltp_paise;
    q->ltp_paise += shift;
    q->avg_paise += shift;
    for (int i = 0; i < 5; i++) {
      q->ask_paise[i] += shift;
      if (q->bid_paise[i] > 0)
        q->bid_paise[i] += shift;
    }
    break;
  }
  case MK_QF_STALE_LAST: {
    if (q->bid_qty[0] == 0) { /* no bid: give the book one */
      q->bid_paise[0] = q->ask_paise[0] - 5 >= 5 ? q->ask_paise[0] - 5 : 5;
      q->bid_qty[0] = q->ask_qty[0];
      q->bid_orders[0] = 1;
    }
    double bound = in->put ? (double)in->strike : sp->S;
    int64_t up = 2 * q->ask_paise[0] + 100;
    if ((double)up / 100 < bound)
      q->ltp_paise = up;
    else
      q->ltp_paise =
          q->bid_paise[0] / 10 * 5 >= 5 ? q->bid_paise[0] / 10 * 5 : 5;
    q->last_trade = sp->t - 3 * 3600;
    break;
  }
  case MK_QF_UNTRADED:
    q->volume = 0;
    q->avg_paise = 0;
    q->last_qty = 0;
    q->last_trade = sp->t - 86400;
    break;
  default:
    break;
  }
}

void mk_index_quote(const mk_params *p, int idx, const mk_spots *sp,
                    mk_quote *q) {
  memset(q, 0, sizeof(*q));
  g6_ist_tm tm;
  g6_ist_breakdown(sp->t, &tm);
  double S = sp->S, So = sp->S_open, Sc = sp->S_close;
  q->ltp_paise = (int64_t)llround(S * 20.0) * 5;
  q->open_paise = (int64_t)llround(So * 20.0) * 5;
  q->close_paise = (int64_t)llround(Sc * 20.0) * 5;
  uint64_t h = h4(p->seed, (uint64_t)idx, (uint64_t)tm.days, 0x1D);
  double hi = S > So ? S : So, lo = S < So ? S : So;
  q->high_paise = (int64_t)llround(hi * (1 + 0.002 * u01(h)) * 20.0) * 5;
  q->low_paise = (int64_t)llround(lo * (1 - 0.002 * u01(mix(h))) * 20.0) * 5;
}

void mk_vix_quote(const mk_params *p, int64_t t, mk_quote *q) {
  memset(q, 0, sizeof(*q));
  g6_ist_tm tm;
  g6_ist_breakdown(t, &tm);
  int64_t open_t = g6_ist_epoch(tm.date, 9, 15, 0);
  if (open_t > t)
    open_t = t;
  int64_t close_t = g6_ist_epoch(g6_civil_from_days(tm.days - 1), 15, 30, 0);
  double v = mk_vix(p, t), vo = mk_vix(p, open_t), vc = mk_vix(p, close_t);
  q->ltp_paise = (int64_t)llround(v * 100.0);
  q->open_paise = (int64_t)llround(vo * 100.0);
  q->close_paise = (int64_t)llround(vc * 100.0);
  q->high_paise = (int64_t)llround((v > vo ? v : vo) * 100.0);
  q->low_paise = (int64_t)llround((v < vo ? v : vo) * 100.0);
}

void mk_put_price(g6_buf *b, int64_t paise) {
  const char *sign = paise < 0 ? "-" : "";
  int64_t a = paise < 0 ? -paise : paise;
  int64_t r = a / 100, f = a % 100;
  if (f == 0)
    g6_buf_printf(b, "%s%lld", sign, (long long)r);
  else if (f % 10 == 0)
    g6_buf_printf(b, "%s%lld.%lld", sign, (long long)r, (long long)(f / 10));
  else
    g6_buf_printf(b, "%s%lld.%02lld", sign, (long long)r, (long long)f);
}
