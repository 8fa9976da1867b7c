/* g6-mockd's synthetic market (tools/g6-mockd/market.c) under g6's quote
 * checks (math/arbitrage.h): its quotes are free of static arbitrage (an
 * SSVI surface, rounded to the 5-paise tick) on every index and listed
 * expiry over a fortnight of instants (in and out of the session, weekends
 * too), put-call parity gives back the rate it prices with, and each bad
 * quote it can inject breaks the rule it is built to break, and only on its
 * own leg. */
#include "g6_test.h"

#include "core/ist.h"
#include "math/analytics.h"
#include "math/arbitrage.h"
#include "mockd.h"

#define WIDTH 40 /* strikes each side of the ATM */
#define MAX_LEGS (2 * (2 * WIDTH + 1))

/* Monday 2025-11-03 00:00 IST. */
#define DAY0 (g6_ist_epoch((g6_date){2025, 11, 3}, 0, 0, 0))

typedef struct chain {
  g6_leg legs[MAX_LEGS];
  const mk_inst *inst[MAX_LEGS];
  size_t n;
  double S, T;
} chain;

/* The quotes of expiry `e` (listing order) of index `ix` at t, strikes
 * within WIDTH steps of the ATM, with the bad quote `f` on `bad` (may be
 * NULL): prices as g6 reads them (last, best bid and ask), IVs solved on
 * last like g6_chain does. false when the expiry has passed. */
static bool quotes(const mk_params *p, const mk_listing *L, int ix, size_t e,
                   int64_t t, const mk_inst *bad, mk_quote_fault f, chain *c) {
  const mk_index *mi = &mk_indices[ix];
  mk_spots sp;
  mk_spots_at(p, ix, t, &sp);
  int64_t ex = L->expiries[ix][e];
  double T =
      (double)(g6_expiry_epoch(g6_civil_from_days(ex)) - t) / (365.0 * 86400);
  if (!(T > 0))
    return false;
  double atm = nearbyint(sp.S / mi->step) * mi->step;
  c->n = 0;
  c->S = sp.S;
  c->T = T;
  for (size_t i = 0; i < L->n; i++) {
    const mk_inst *in = &L->inst[i];
    if (in->index != ix || in->expiry != ex ||
        fabs(in->strike - atm) > WIDTH * mi->step + 1e-9)
      continue;
    mk_quote q;
    mk_option_quote(p, in, &sp, &q);
    if (in == bad)
      mk_fault_quote(p, in, &sp, f, &q);
    g6_leg l = g6_leg_make(in->strike, in->put ? G6_PUT : G6_CALL, ex, T);
    l.last = (double)q.ltp_paise / 100;
    l.bid = q.bid_qty[0] > 0 ? (double)q.bid_paise[0] / 100 : 0;
    l.ask = q.ask_qty[0] > 0 ? (double)q.ask_paise[0] / 100 : 0;
    c->inst[c->n] = in;
    c->legs[c->n++] = l;
  }
  g6_chain_iv_stats st;
  g6_chain_iv_greeks(c->legs, c->n, sp.S, p->rate, 0, G6_PRICE_LAST, NULL, &st);
  return true;
}

/* The checks g6_chain runs (collector/quote_checks.c): the parity forward
 * and discount when fitted, else the model's. */
static void check(const mk_params *p, chain *c, g6_arb_rule *flags,
                  size_t counts[G6_ARB_RULE_COUNT], g6_parity_fit *fit,
                  double *F) {
  double D = exp(-p->rate * c->T);
  *F = c->S * exp(p->rate * c->T);
  if (g6_parity_fit_expiry(c->legs, c->n, c->T, G6_PRICE_MID_OR_LAST, fit) ==
      G6_OK) {
    *F = fit->forward;
    D = fit->discount;
  }
  assert_int_equal(
      g6_arb_check_expiry(c->legs, c->n, *F, D, NULL, flags, counts), G6_OK);
}

static void scan(double rate) {
  mk_params p = {1, 200, 4, 3, rate, NULL, NULL};
  size_t total[G6_ARB_RULE_COUNT] = {0};
  size_t chains = 0, rates = 0;
  double worst_rate = 0;
  static chain c[12];
  /* IST minutes of the day: the session every 67 minutes and its last
   * minute (T of an expiring contract near 0), and, since g6_chain with
   * ForceOpen (the tests, the demo) collects at any hour, a night and an
   * evening instant, weekends included */
  static const int session[] = {556, 623, 690, 757, 824, 891, 929};
  static const int off[] = {133, 1241};
  for (int d = 0; d < 14; d++) {
    int64_t day = DAY0 + (int64_t)d * 86400;
    g6_ist_tm tm;
    g6_ist_breakdown(day, &tm);
    bool weekday = tm.wday < 5;
    mk_listing L;
    assert_true(mk_listing_build(&p, tm.days, NULL, 0, &L));
    size_t n_min = (weekday ? 7 : 0) + 2;
    for (size_t m = 0; m < n_min; m++) {
      int min = m < 2 ? off[m] : session[m - 2];
      int64_t t = day + min * 60;
      for (int ix = 0; ix < MK_NINDEX; ix++) {
        size_t ne = 0;
        double F[12];
        g6_arb_rule flags[12][MAX_LEGS];
        for (size_t e = 0; e < L.nexp[ix] && ne < 12; e++) {
          if (!quotes(&p, &L, ix, e, t, NULL, MK_QF_NONE, &c[ne]))
            continue;
          memset(flags[ne], 0, sizeof(flags[ne]));
          size_t counts[G6_ARB_RULE_COUNT] = {0};
          g6_parity_fit fit;
          check(&p, &c[ne], flags[ne], counts, &fit, &F[ne]);
          assert_int_equal(fit.pairs, 2 * WIDTH + 1);
          if (c[ne].T > 7 / 365.0) { /* the rate of a week or more out */
            rates++;
            if (fabs(fit.rate - rate) > worst_rate)
              worst_rate = fabs(fit.rate - rate);
          }
          if (ne > 0)
            assert_int_equal(
                g6_arb_check_calendar(c[ne - 1].legs, c[ne - 1].n, c[ne - 1].T,
                                      F[ne - 1], c[ne].legs, c[ne].n, c[ne].T,
                                      F[ne], NULL, flags[ne - 1], counts),
                G6_OK);
          for (int r = 1; r < G6_ARB_RULE_COUNT; r++) {
            if (counts[r] != 0)
              fail_msg("%s %s expiry %zu at %lld (T %.5f): %zu %s", "mock",
                       mk_indices[ix].name, e, (long long)t, c[ne].T, counts[r],
                       g6_arb_rule_name((g6_arb_rule)r));
            total[r] += counts[r];
          }
          chains++;
          ne++;
        }
      }
    }
    mk_listing_free(&L);
  }
  printf("# rate %.3f: %zu chains checked, no violation; implied rate of "
         "%zu chains a week or more out within %.2g of it\n",
         rate, chains, rates, worst_rate);
  assert_true(chains > 1000);
  assert_true(rates > 100);
  /* the 5-paise tick on a week's T: a few basis points */
  assert_true(worst_rate < 1e-3);
}

static void arbitrage_free_fortnight(void **state) {
  (void)state;
  scan(0.065);
  scan(0.08); /* another rate: recovered too, not the default */
}

/* The leg of `ix`'s first expiry at least 3 days out with this strike
 * offset from the ATM and type; fills c without fault. */
static const mk_inst *leg_at(const mk_params *p, const mk_listing *L, int ix,
                             int64_t t, int offset, int put, size_t *e_out,
                             chain *c) {
  for (size_t e = 0; e < L->nexp[ix]; e++) {
    if (!quotes(p, L, ix, e, t, NULL, MK_QF_NONE, c) || c->T < 3 / 365.0)
      continue;
    double K = nearbyint(c->S / mk_indices[ix].step) * mk_indices[ix].step +
               offset * mk_indices[ix].step;
    for (size_t i = 0; i < c->n; i++)
      if (c->inst[i]->strike == K && c->inst[i]->put == put) {
        *e_out = e;
        return c->inst[i];
      }
  }
  fail_msg("no leg at offset %d", offset);
  return NULL;
}

/* Injects f on that leg: the flag of the leg is `want`, and the flags stay
 * on the leg and its neighbours (the fault, not the chain). */
static void one_fault(mk_quote_fault f, int offset, int put, g6_arb_rule want) {
  mk_params p = {1, 200, 4, 3, 0.065, NULL, NULL};
  int64_t t = DAY0 + 86400 + (11 * 60 + 7) * 60; /* Tuesday 11:07 */
  g6_ist_tm tm;
  g6_ist_breakdown(t, &tm);
  mk_listing L;
  assert_true(mk_listing_build(&p, tm.days, NULL, 0, &L));
  static chain c;
  size_t e = 0;
  const mk_inst *bad = leg_at(&p, &L, 0, t, offset, put, &e, &c);
  assert_true(quotes(&p, &L, 0, e, t, bad, f, &c));
  g6_arb_rule flags[MAX_LEGS] = {0};
  size_t counts[G6_ARB_RULE_COUNT] = {0};
  g6_parity_fit fit;
  double F;
  check(&p, &c, flags, counts, &fit, &F);
  size_t at = 0, flagged = 0;
  for (size_t i = 0; i < c.n; i++) {
    if (c.inst[i] == bad)
      at = i;
    if (flags[i] != G6_ARB_NONE) {
      flagged++;
      assert_true(fabs(c.legs[i].strike - bad->strike) <=
                  mk_indices[0].step + 1e-9);
    }
  }
  if (flags[at] != want)
    fail_msg("%s on %s: flagged %s, wanted %s", mk_quote_fault_name(f),
             bad->symbol, g6_arb_rule_name(flags[at]), g6_arb_rule_name(want));
  assert_true(counts[want] >= 1);
  assert_true(flagged <= 3);
  /* the fit is robust to the one bad pair: the forward stays the market's */
  assert_close(F, c.S * exp(p.rate * c.T), 1e-4 * c.S);
  mk_listing_free(&L);
}

static void each_fault_breaks_its_rule(void **state) {
  (void)state;
  one_fault(MK_QF_CROSSED, 0, 0, G6_ARB_CROSSED);
  one_fault(MK_QF_CROSSED, -5, 1, G6_ARB_CROSSED);
  one_fault(MK_QF_STALE, 0, 1, G6_ARB_VERTICAL); /* ATM put */
  one_fault(MK_QF_STALE, 1, 1, G6_ARB_VERTICAL); /* a put near the money */
  one_fault(MK_QF_STALE, -20, 0, G6_ARB_BOUNDS); /* deep ITM call */
  one_fault(MK_QF_OUT_OF_BOUNDS, 0, 0, G6_ARB_BOUNDS);
  one_fault(MK_QF_OUT_OF_BOUNDS, 3, 1, G6_ARB_BOUNDS);
  one_fault(MK_QF_STALE_LAST, 2, 0, G6_ARB_STALE_LAST);   /* its last above */
  one_fault(MK_QF_STALE_LAST, -3, 1, G6_ARB_STALE_LAST);  /* an OTM put */
  one_fault(MK_QF_STALE_LAST, -20, 1, G6_ARB_STALE_LAST); /* far OTM put */
  assert_string_equal(mk_quote_fault_name(MK_QF_STALE), "stale_quote");
  assert_string_equal(mk_quote_fault_name(MK_QF_STALE_LAST),
                      "stale_last_quote");
}

/* With the exchanges' calendars (--calendar-dir) the mock lists an expiry
 * that falls on a holiday where the exchange did: on the previous regular
 * trading day, a weekly's symbol carrying that date, a monthly's its month
 * (exchange-calendar.md). Without them every expiry is on its weekday, a
 * holiday or not (NIFTY's November 2026 monthly on Tuesday the 24th, Guru
 * Nanak Jayanti). */
static bool listed(const mk_listing *L, const char *symbol, int y, int m,
                   int d) {
  const mk_inst *in = mk_listing_find(L, symbol);
  return in != NULL && in->expiry == g6_days_from_civil(y, m, d);
}

static void expiries_move_off_holidays(void **state) {
  (void)state;
  const char *root = getenv("G6_ROOT");
  char path[512];
  g6_calendar nse = G6_CALENDAR_INIT, bse = G6_CALENDAR_INIT;
  g6_error e;
  snprintf(path, sizeof(path), "%s/calendars/NSE.txt", root ? root : ".");
  assert_int_equal(g6_calendar_load(&nse, path, &e), G6_OK);
  snprintf(path, sizeof(path), "%s/calendars/BSE.txt", root ? root : ".");
  assert_int_equal(g6_calendar_load(&bse, path, &e), G6_OK);
  mk_params p = {1, 2, 4, 3, 0.065, NULL, NULL};
  mk_listing L;
  /* without a calendar: on the holiday */
  assert_true(mk_listing_build(&p, g6_days_from_civil(2026, 11, 20), NULL, 0,
                               &L));
  size_t nifty_strike = (size_t)L.center[0];
  char sym[40];
  snprintf(sym, sizeof(sym), "NIFTY26NOV%zuCE", nifty_strike);
  assert_true(listed(&L, sym, 2026, 11, 24));
  mk_listing_free(&L);
  p.cal_nse = &nse;
  p.cal_bse = &bse;
  static const struct {
    int today[3];
    int index; /* mk_indices */
    const char *form; /* %d: the centre strike */
    int y, m, d;
  } v[] = {
      /* Tue 2026-11-24 holiday: November's monthly on Mon 11-23 */
      {{2026, 11, 20}, 0, "NIFTY26NOV%dCE", 2026, 11, 23},
      {{2026, 11, 20}, 1, "BANKNIFTY26NOV%dPE", 2026, 11, 23},
      /* Tue 2026-11-10 holiday: the weekly on Mon 11-09, named for it */
      {{2026, 11, 6}, 0, "NIFTY26N09%dCE", 2026, 11, 9},
      /* Tue 2025-10-21 (Muhurat hour, otherwise a holiday): Mon 10-20 */
      {{2025, 10, 17}, 0, "NIFTY25O20%dPE", 2025, 10, 20},
      /* Tue 2026-03-31 holiday: March's monthly on Mon 03-30 */
      {{2026, 3, 27}, 2, "FINNIFTY26MAR%dCE", 2026, 3, 30},
      /* Thu 2026-03-26 holiday (BSE): SENSEX's March monthly on Wed 03-25 */
      {{2026, 3, 20}, 4, "SENSEX26MAR%dCE", 2026, 3, 25},
      /* Thu 2025-10-02 holiday: the SENSEX weekly on Wed 10-01 */
      {{2025, 9, 29}, 4, "SENSEX25O01%dPE", 2025, 10, 1},
      /* Thu 2026-01-15 holiday: Wed 01-14 */
      {{2026, 1, 12}, 4, "SENSEX26114%dCE", 2026, 1, 14},
  };
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    assert_true(mk_listing_build(
        &p, g6_days_from_civil(v[i].today[0], v[i].today[1], v[i].today[2]),
        NULL, 0, &L));
    snprintf(sym, sizeof(sym), v[i].form, (int)L.center[v[i].index]);
    if (!listed(&L, sym, v[i].y, v[i].m, v[i].d))
      fail_msg("%s is not listed for %04d-%02d-%02d", sym, v[i].y, v[i].m,
               v[i].d);
    /* and nothing of that index expires on a day without a regular
     * session */
    for (size_t k = 0; k < L.nexp[v[i].index]; k++) {
      int64_t x = L.expiries[v[i].index][k];
      const g6_calendar *cal = v[i].index == 4 ? &bse : &nse;
      if (g6_weekday(x) >= 5 || g6_calendar_is_holiday(cal, x))
        fail_msg("%s: an expiry listed on a closed day", sym);
    }
    mk_listing_free(&L);
  }
  /* on the holiday itself the moved contract has expired */
  assert_true(mk_listing_build(&p, g6_days_from_civil(2026, 11, 24), NULL, 0,
                               &L));
  for (size_t k = 0; k < L.nexp[0]; k++)
    assert_true(L.expiries[0][k] >= g6_days_from_civil(2026, 11, 24));
  mk_listing_free(&L);
  g6_calendar_free(&nse);
  g6_calendar_free(&bse);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(arbitrage_free_fortnight),
      cmocka_unit_test(each_fault_breaks_its_rule),
      cmocka_unit_test(expiries_move_off_holidays),
  };
  return G6_RUN_TESTS(tests);
}
