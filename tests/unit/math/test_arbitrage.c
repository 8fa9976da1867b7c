/* Put-call parity forwards and static no-arbitrage checks
 * (math/arbitrage.h) on hand-made chains: a BSM chain with a smile is free of
 * arbitrage and gives back its forward, discount factor and rate; each rule
 * catches the quote built to break it, and only that one. */
#include "g6_test.h"

#include "math/arbitrage.h"
#include "math/bs.h"

#define S 24000.0
#define R 0.065
#define Q 0.01

static double smile(double K, double F) {
  double k = log(K / F);
  return 0.15 - 0.05 * k + 0.4 * k * k;
}

/* Calls and puts at strikes lo..hi step `step`, BSM prices with a smile;
 * bid/ask unknown so last is used. Returns the count. */
static size_t chain(g6_leg *legs, double T, double lo, double hi, double step,
                    double vol_shift) {
  double F = S * exp((R - Q) * T);
  size_t n = 0;
  for (double K = lo; K <= hi; K += step) {
    for (int t = 0; t < 2; t++) {
      g6_opt_type type = t ? G6_PUT : G6_CALL;
      g6_leg l = g6_leg_make(K, type, 1, T);
      double vol = smile(K, F) + vol_shift;
      l.last = g6_bsm_price(type, S, K, T, R, Q, vol);
      l.iv = vol;
      legs[n++] = l;
    }
  }
  return n;
}

static g6_leg *find(g6_leg *legs, size_t n, double K, g6_opt_type type,
                    size_t *idx) {
  for (size_t i = 0; i < n; i++)
    if (legs[i].strike == K && legs[i].type == type) {
      *idx = i;
      return &legs[i];
    }
  fail_msg("no leg %g", K);
  return NULL;
}

static size_t flagged(const g6_arb_rule *flags, size_t n) {
  size_t c = 0;
  for (size_t i = 0; i < n; i++)
    c += flags[i] != G6_ARB_NONE;
  return c;
}

static void arbitrage_free_chain(void **state) {
  (void)state;
  static g6_leg a[200], b[200];
  double T1 = 30 / 365.0, T2 = 58 / 365.0;
  size_t na = chain(a, T1, 21000, 27000, 100, 0);
  size_t nb = chain(b, T2, 21000, 27000, 100, 0);
  g6_parity_fit fit;
  assert_int_equal(g6_parity_fit_expiry(a, na, T1, G6_PRICE_MID_OR_LAST, &fit),
                   G6_OK);
  double F1 = S * exp((R - Q) * T1);
  assert_close(fit.forward, F1, 1e-6 * F1);
  assert_close(fit.discount, exp(-R * T1), 1e-9);
  assert_close(fit.rate, R, 1e-7); /* the market's rate is recovered */
  assert_int_equal(fit.pairs, 61);
  assert_int_equal(fit.outliers, 0);
  assert_true(fit.residual < 1e-6);
  /* its basis to S e^{(r-q)T} is zero; with q = 0 assumed, it shows q */
  assert_close(g6_forward_basis_bps(fit.forward, S, R, Q, T1), 0, 1e-4);
  assert_close(g6_forward_basis_bps(fit.forward, S, R, 0, T1),
               1e4 * (exp(-Q * T1) - 1), 1e-4);
  g6_arb_rule fa[200] = {0}, fb[200] = {0};
  size_t counts[G6_ARB_RULE_COUNT] = {0};
  assert_int_equal(g6_arb_check_expiry(a, na, F1, exp(-R * T1), NULL, fa,
                                       counts),
                   G6_OK);
  double F2 = S * exp((R - Q) * T2);
  assert_int_equal(g6_arb_check_expiry(b, nb, F2, exp(-R * T2), NULL, fb,
                                       counts),
                   G6_OK);
  assert_int_equal(g6_arb_check_calendar(a, na, T1, F1, b, nb, T2, F2, NULL,
                                         fa, counts),
                   G6_OK);
  for (int r = 0; r < G6_ARB_RULE_COUNT; r++)
    if (counts[r] != 0)
      fail_msg("%s: %zu violations in an arbitrage-free chain",
               g6_arb_rule_name((g6_arb_rule)r), counts[r]);
  assert_int_equal(flagged(fa, na) + flagged(fb, nb), 0);
}

/* Breaks one quote of the T1 chain and returns the rule counts. */
typedef void (*breaker)(g6_leg *legs, size_t n, size_t *target);

/* The rule `want` fires want_count times and flags the broken leg (a bad
 * quote may break a later rule too: a deep in-the-money call below its
 * intrinsic value also bends the butterfly beside it; the leg's flag is the
 * first rule it breaks). */
static void run_one(breaker brk, g6_arb_rule want, size_t want_count) {
  static g6_leg a[200];
  double T = 30 / 365.0, F = S * exp((R - Q) * T), D = exp(-R * T);
  size_t n = chain(a, T, 21000, 27000, 100, 0);
  size_t target = 0;
  brk(a, n, &target);
  g6_arb_rule flags[200] = {0};
  size_t counts[G6_ARB_RULE_COUNT] = {0};
  assert_int_equal(g6_arb_check_expiry(a, n, F, D, NULL, flags, counts),
                   G6_OK);
  if (counts[want] != want_count)
    fail_msg("%s: %zu violations, wanted %zu", g6_arb_rule_name(want),
             counts[want], want_count);
  for (int r = 1; r < (int)want; r++)
    if (counts[r] != 0)
      fail_msg("%s fired too (%zu)", g6_arb_rule_name((g6_arb_rule)r),
               counts[r]);
  assert_int_equal(flags[target], want);
  assert_true(flagged(flags, n) <= 3); /* the fault, not the chain */
}

/* a deep in-the-money call quoted below its intrinsic value (stale) */
static void below_intrinsic(g6_leg *a, size_t n, size_t *t) {
  g6_leg *l = find(a, n, 21000, G6_CALL, t);
  double T = 30 / 365.0, F = S * exp((R - Q) * T);
  l->last = exp(-R * T) * (F - 21000) - 10; /* tolerance: 6.2 points */
}
/* a put above its upper bound D K (fat finger) */
static void above_bound(g6_leg *a, size_t n, size_t *t) {
  g6_leg *l = find(a, n, 21500, G6_PUT, t);
  l->last = 21500; /* more than D K */
}
/* a call priced above the call one strike lower (but within bounds) */
static void not_monotone(g6_leg *a, size_t n, size_t *t) {
  size_t lo;
  g6_leg *below = find(a, n, 25900, G6_CALL, &lo);
  g6_leg *l = find(a, n, 26000, G6_CALL, t);
  l->last = below->last + 2;
}
/* a call raised so its butterfly goes negative while the call prices stay
 * monotone */
static void not_convex(g6_leg *a, size_t n, size_t *t) {
  size_t i1, i3;
  g6_leg *k1 = find(a, n, 24900, G6_CALL, &i1);
  g6_leg *k3 = find(a, n, 25100, G6_CALL, &i3);
  g6_leg *l = find(a, n, 25000, G6_CALL, t);
  l->last = 0.5 * (k1->last + k3->last) + 3;
  assert_true(l->last < k1->last);
}

/* a crossed book: the best bid above the best ask, last still sane (its mid
 * is not a price, so only the crossing itself can show it) */
static void crossed_book(g6_leg *a, size_t n, size_t *t) {
  g6_leg *l = find(a, n, 24000, G6_PUT, t);
  l->bid = l->last + 1;
  l->ask = l->last - 1;
}

/* an illiquid call whose last trade is hours old: the book moved to its
 * price, the last stayed three times higher (the reviewer's case: last
 * 226.5, bid 75.45, ask 75.5; its IV 0.444 among neighbours at 0.145) */
static void last_behind_the_book(g6_leg *a, size_t n, size_t *t) {
  g6_leg *l = find(a, n, 24500, G6_CALL, t);
  l->bid = l->last - 0.05;
  l->ask = l->last;
  l->last *= 3;
}

static void each_rule_catches_its_fault(void **state) {
  (void)state;
  run_one(below_intrinsic, G6_ARB_BOUNDS, 1);
  run_one(crossed_book, G6_ARB_CROSSED, 1);
  run_one(last_behind_the_book, G6_ARB_STALE_LAST, 1);
  /* the put above D K is also steeper than D against its neighbour and
   * breaks the next butterfly, but its flag is the first rule: bounds */
  {
    static g6_leg a[200];
    double T = 30 / 365.0, F = S * exp((R - Q) * T), D = exp(-R * T);
    size_t n = chain(a, T, 21000, 27000, 100, 0), t;
    above_bound(a, n, &t);
    g6_arb_rule flags[200] = {0};
    size_t counts[G6_ARB_RULE_COUNT] = {0};
    g6_arb_check_expiry(a, n, F, D, NULL, flags, counts);
    assert_int_equal(flags[t], G6_ARB_BOUNDS);
    assert_int_equal(counts[G6_ARB_BOUNDS], 1);
  }
  run_one(not_monotone, G6_ARB_VERTICAL, 1);
  /* raising a middle strike also breaks the butterflies around it: the
   * middle leg is flagged; the monotone case stays vertical-free */
  static g6_leg a[200];
  double T = 30 / 365.0, F = S * exp((R - Q) * T), D = exp(-R * T);
  size_t n = chain(a, T, 21000, 27000, 100, 0), t;
  not_convex(a, n, &t);
  g6_arb_rule flags[200] = {0};
  size_t counts[G6_ARB_RULE_COUNT] = {0};
  g6_arb_check_expiry(a, n, F, D, NULL, flags, counts);
  assert_int_equal(flags[t], G6_ARB_BUTTERFLY);
  assert_true(counts[G6_ARB_BUTTERFLY] >= 1);
  assert_int_equal(counts[G6_ARB_VERTICAL], 0);
  assert_int_equal(counts[G6_ARB_BOUNDS], 0);
}

/* A leg priced from a sane book whose last traded price is absurd (1e9,
 * a fat finger): the book-based checks pass, the last is flagged bounds
 * (before, it was kept unflagged and written to the CSV; found by a
 * reviewer), and counted stale_last too (it is outside its book). An old
 * last below intrinsic with a sane book is not out of bounds, but it is
 * outside its book: stale_last (before, it went unflagged, and its IV with
 * it; found by a reviewer). */
static void absurd_last_behind_a_sane_book(void **state) {
  (void)state;
  static g6_leg a[200];
  double T = 30 / 365.0, F = S * exp((R - Q) * T), D = exp(-R * T);
  size_t n = chain(a, T, 21000, 27000, 100, 0), t, u;
  for (size_t i = 0; i < n; i++) { /* every leg quoted around its price */
    a[i].bid = a[i].last - 0.5 > 0.05 ? a[i].last - 0.5 : 0.05;
    a[i].ask = a[i].last + 0.5;
  }
  g6_leg *l = find(a, n, 24100, G6_CALL, &t);
  double sane = l->last;
  l->last = 1e9;
  g6_leg *old = find(a, n, 21000, G6_CALL, &u);
  old->last = D * (F - 21000) - 50; /* below intrinsic: only old */
  g6_arb_rule flags[200] = {0};
  size_t counts[G6_ARB_RULE_COUNT] = {0};
  assert_int_equal(g6_arb_check_expiry(a, n, F, D, NULL, flags, counts),
                   G6_OK);
  assert_int_equal(flags[t], G6_ARB_BOUNDS);
  assert_int_equal(flags[u], G6_ARB_STALE_LAST);
  assert_int_equal(counts[G6_ARB_BOUNDS], 1);
  assert_int_equal(counts[G6_ARB_STALE_LAST], 2);
  assert_int_equal(flagged(flags, n), 2);
  /* a put's last above D K */
  memset(flags, 0, sizeof(flags));
  memset(counts, 0, sizeof(counts));
  l->last = sane;
  g6_leg *p = find(a, n, 22000, G6_PUT, &t);
  p->last = D * 22000 * 1.05;
  g6_arb_check_expiry(a, n, F, D, NULL, flags, counts);
  assert_int_equal(flags[t], G6_ARB_BOUNDS);
  assert_int_equal(counts[G6_ARB_BOUNDS], 1);
}

/* One call at the money (F = 24000, D = 1: every price here is within
 * bounds) and its book, through g6_arb_check_expiry alone. */
typedef struct stale_vec {
  const char *name;
  double bid, ask, last;
  int exact;        /* tolerance 0.25 points, no relative part */
  int ulp;          /* +1 / -1: last moved up / down by one ulp */
  g6_arb_rule want; /* the leg's flag */
} stale_vec;

static void stale_last_vectors(void **state) {
  (void)state;
  const double at = 100.25, below = 99.75; /* exact in binary */
  const stale_vec v[] = {
      {"inside the book", 99.5, 100.5, 100, 0, 0, G6_ARB_NONE},
      {"at the bid", 99.5, 100.5, 99.5, 0, 0, G6_ARB_NONE},
      {"at the ask", 99.5, 100.5, 100.5, 0, 0, G6_ARB_NONE},
      {"the reviewer's call", 75.45, 75.5, 226.5, 0, 0, G6_ARB_STALE_LAST},
      {"far below the bid", 100, 101, 50, 0, 0, G6_ARB_STALE_LAST},
      /* default tolerance: 0.05 + 0.2 % of the larger price */
      {"within a tick + 0.2 % above", 99.5, 100, 100.25, 0, 0, G6_ARB_NONE},
      {"beyond a tick + 0.2 % above", 99.5, 100, 100.26, 0, 0,
       G6_ARB_STALE_LAST},
      {"within a tick + 0.2 % below", 100, 100.5, 99.76, 0, 0, G6_ARB_NONE},
      {"beyond a tick + 0.2 % below", 100, 100.5, 99.74, 0, 0,
       G6_ARB_STALE_LAST},
      /* exactly at the tolerance is within it; one ulp more is not */
      {"exactly tol above", 99.5, 100, at, 1, 0, G6_ARB_NONE},
      {"an ulp beyond tol above", 99.5, 100, at, 1, 1, G6_ARB_STALE_LAST},
      {"exactly tol below", 100, 100.5, below, 1, 0, G6_ARB_NONE},
      {"an ulp beyond tol below", 100, 100.5, below, 1, -1, G6_ARB_STALE_LAST},
      {"locked book, last on it", 100, 100, 100, 0, 0, G6_ARB_NONE},
      {"locked book, last far", 100, 100, 140, 0, 0, G6_ARB_STALE_LAST},
      /* no live book: nothing to compare */
      {"bid unknown (0)", 0, 100, 300, 0, 0, G6_ARB_NONE},
      {"bid unknown (NaN)", NAN, 100, 300, 0, 0, G6_ARB_NONE},
      {"ask unknown (0)", 100, 0, 300, 0, 0, G6_ARB_NONE},
      {"ask unknown (NaN)", 100, NAN, 300, 0, 0, G6_ARB_NONE},
      {"ask infinite", 100, INFINITY, 300, 0, 0, G6_ARB_NONE},
      /* a crossed book says more than its last: crossed wins */
      {"crossed, last far", 101, 99, 300, 0, 0, G6_ARB_CROSSED},
      {"crossed, last between", 101, 99, 100, 0, 0, G6_ARB_CROSSED},
      /* no last: nothing stale */
      {"last 0", 99.5, 100.5, 0, 0, 0, G6_ARB_NONE},
      {"last NaN", 99.5, 100.5, NAN, 0, 0, G6_ARB_NONE},
      {"last negative", 99.5, 100.5, -5, 0, 0, G6_ARB_NONE},
      {"last infinite", 99.5, 100.5, INFINITY, 0, 0, G6_ARB_NONE},
  };
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    g6_leg l = g6_leg_make(24000, G6_CALL, 1, 30 / 365.0);
    l.bid = v[i].bid;
    l.ask = v[i].ask;
    l.last = v[i].last;
    g6_arb_opts o = G6_ARB_OPTS_DEFAULT;
    if (v[i].exact) {
      o.abs_tol = 0.25;
      o.rel_tol = 0;
    }
    if (v[i].ulp)
      l.last = nextafter(l.last, v[i].ulp > 0 ? INFINITY : -INFINITY);
    g6_arb_rule flag = G6_ARB_NONE;
    size_t counts[G6_ARB_RULE_COUNT] = {0};
    if (g6_arb_check_expiry(&l, 1, 24000, 1, &o, &flag, counts) != G6_OK)
      fail_msg("%s: not checked", v[i].name);
    if (flag != v[i].want)
      fail_msg("%s: flagged %s, wanted %s", v[i].name, g6_arb_rule_name(flag),
               g6_arb_rule_name(v[i].want));
    size_t want_stale = v[i].want == G6_ARB_STALE_LAST;
    if (counts[G6_ARB_STALE_LAST] != want_stale)
      fail_msg("%s: %zu stale_last violations, wanted %zu", v[i].name,
               counts[G6_ARB_STALE_LAST], want_stale);
  }
}

static void tolerance_absorbs_a_tick(void **state) {
  (void)state;
  static g6_leg a[200];
  double T = 30 / 365.0, F = S * exp((R - Q) * T), D = exp(-R * T);
  size_t n = chain(a, T, 21000, 27000, 100, 0), t;
  /* a deep ITM call 0.04 below intrinsic (within one tick): not flagged */
  g6_leg *l = find(a, n, 21000, G6_CALL, &t);
  l->last = D * (F - 21000) - 0.04;
  g6_arb_rule flags[200] = {0};
  size_t counts[G6_ARB_RULE_COUNT] = {0};
  g6_arb_check_expiry(a, n, F, D, NULL, flags, counts);
  assert_int_equal(counts[G6_ARB_BOUNDS], 0);
  /* with no tolerance it is */
  g6_arb_opts strict = {0, 0, 0, G6_PRICE_LAST};
  g6_arb_check_expiry(a, n, F, D, &strict, flags, counts);
  assert_int_equal(counts[G6_ARB_BOUNDS], 1);
}

static void calendar_catches_falling_variance(void **state) {
  (void)state;
  static g6_leg a[200], b[200];
  double T1 = 30 / 365.0, T2 = 37 / 365.0;
  size_t na = chain(a, T1, 22000, 26000, 100, 0);
  /* a week later but 3 vol points lower: total variance falls */
  size_t nb = chain(b, T2, 22000, 26000, 100, -0.03);
  double F1 = S * exp((R - Q) * T1), F2 = S * exp((R - Q) * T2);
  g6_arb_rule flags[200] = {0};
  size_t counts[G6_ARB_RULE_COUNT] = {0};
  assert_int_equal(g6_arb_check_calendar(a, na, T1, F1, b, nb, T2, F2, NULL,
                                         flags, counts),
                   G6_OK);
  assert_true(counts[G6_ARB_CALENDAR] > 30);
  assert_int_equal(flagged(flags, na), counts[G6_ARB_CALENDAR]);
  /* T2 <= T1 is a caller error */
  assert_int_equal(g6_arb_check_calendar(a, na, T2, F1, b, nb, T1, F2, NULL,
                                         flags, counts),
                   G6_EINVAL);
}

/* Quotes on the tick grid: a clean chain whose pairs mostly sit on the
 * parity line (the robust scale near 0) and a few a tick off it, as tick
 * rounding leaves them, has no outliers. With a one-tick floor those were
 * taken for bad quotes (quote_sanity.t failed on g6-mockd's chain). */
static void parity_tolerates_tick_rounding(void **state) {
  (void)state;
  static g6_leg a[200];
  double T = 56 / 365.0;
  size_t n = chain(a, T, 24000, 26000, 50, 0), t;
  /* the rounding of two legs adding up: a little over a tick off the line,
   * both ways, while the other pairs sit on it */
  static const double K[] = {24150, 24650, 25150, 25600, 25950};
  for (size_t k = 0; k < sizeof(K) / sizeof(K[0]); k++) {
    find(a, n, K[k], G6_CALL, &t)->last += k % 2 ? 0.035 : -0.035;
    find(a, n, K[k], G6_PUT, &t)->last += k % 2 ? -0.025 : 0.025;
  }
  g6_parity_fit fit;
  assert_int_equal(g6_parity_fit_expiry(a, n, T, G6_PRICE_LAST, &fit), G6_OK);
  assert_int_equal(fit.pairs, 41);
  assert_int_equal(fit.outliers, 0);
  /* a quote two ticks and more off is still one */
  find(a, n, 24800, G6_CALL, &t)->last += 0.2;
  assert_int_equal(g6_parity_fit_expiry(a, n, T, G6_PRICE_LAST, &fit), G6_OK);
  assert_int_equal(fit.outliers, 1);
}

static void parity_is_robust_to_bad_quotes(void **state) {
  (void)state;
  static g6_leg a[200];
  double T = 30 / 365.0;
  size_t n = chain(a, T, 22000, 26000, 100, 0), t;
  /* three fat-fingered calls out of 41 pairs */
  find(a, n, 22500, G6_CALL, &t)->last += 300;
  find(a, n, 24000, G6_CALL, &t)->last *= 2;
  find(a, n, 25500, G6_CALL, &t)->last = 0.05;
  /* bid/ask: a crossed quote falls back to last, a sane one is used */
  g6_leg *l = find(a, n, 23000, G6_PUT, &t);
  l->bid = l->last + 50; /* crossed: ignored */
  l->ask = l->last - 50;
  g6_parity_fit fit;
  assert_int_equal(g6_parity_fit_expiry(a, n, T, G6_PRICE_MID_OR_LAST, &fit),
                   G6_OK);
  double F = S * exp((R - Q) * T);
  assert_int_equal(fit.pairs, 41);
  assert_int_equal(fit.outliers, 3);
  assert_close(fit.forward, F, 1e-6 * F);
  assert_close(fit.rate, R, 1e-6);
  /* too few pairs: no forward, never a guess */
  assert_int_equal(g6_parity_fit_expiry(a, 2, T, G6_PRICE_LAST, &fit),
                   G6_ENOENT);
  assert_true(isnan(fit.forward) && isnan(fit.rate));
  assert_int_equal(fit.pairs, 1);
  /* prices that imply a negative discount factor */
  g6_leg bad[4] = {g6_leg_make(100, G6_CALL, 1, T), g6_leg_make(100, G6_PUT, 1, T),
                   g6_leg_make(200, G6_CALL, 1, T), g6_leg_make(200, G6_PUT, 1, T)};
  bad[0].last = 1;
  bad[1].last = 50;
  bad[2].last = 60;
  bad[3].last = 1;
  assert_int_equal(g6_parity_fit_expiry(bad, 4, T, G6_PRICE_LAST, &fit),
                   G6_ERANGE);
  assert_true(isnan(fit.discount));
  assert_int_equal(g6_parity_fit_expiry(NULL, 1, T, G6_PRICE_LAST, &fit),
                   G6_EINVAL);
  assert_string_equal(g6_arb_rule_name(G6_ARB_BUTTERFLY), "butterfly");
  assert_string_equal(g6_arb_rule_name(G6_ARB_CROSSED), "crossed");
  assert_string_equal(g6_arb_rule_name(G6_ARB_STALE_LAST), "stale_last");
  assert_string_equal(g6_arb_rule_name(G6_ARB_RULE_COUNT), "unknown");
  assert_true(isnan(g6_forward_basis_bps(NAN, S, R, Q, T)));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(arbitrage_free_chain),
      cmocka_unit_test(each_rule_catches_its_fault),
      cmocka_unit_test(tolerance_absorbs_a_tick),
      cmocka_unit_test(absurd_last_behind_a_sane_book),
      cmocka_unit_test(stale_last_vectors),
      cmocka_unit_test(calendar_catches_falling_variance),
      cmocka_unit_test(parity_tolerates_tick_rounding),
      cmocka_unit_test(parity_is_robust_to_bad_quotes),
  };
  return G6_RUN_TESTS(tests);
}
