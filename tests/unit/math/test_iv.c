#include "g6_test.h"

#include <float.h>

#include "math/iv.h"

/* The "true" price of a grid option: BSM in long double (64-bit mantissa),
 * rounded once to double, so the only error left is that rounding. */
static double true_price(g6_opt_type type, double S, double K, double T,
                         double r, double q, double sig) {
  long double s = (long double)sig * sqrtl((long double)T);
  long double F = (long double)S * expl(((long double)r - q) * T);
  long double df = expl(-(long double)r * T);
  long double d1 = logl(F / K) / s + s / 2, d2 = d1 - s;
  long double rt2 = sqrtl(2.0L);
  if (type == G6_CALL)
    return (double)(df * (F * 0.5L * erfcl(-d1 / rt2) -
                          K * 0.5L * erfcl(-d2 / rt2)));
  return (double)(df *
                  (K * 0.5L * erfcl(d2 / rt2) - F * 0.5L * erfcl(d1 / rt2)));
}

/* Exact (long double) discounted intrinsic value and upper bound. */
static void limits(g6_opt_type type, double S, double K, double T, double r,
                   double q, long double *lo, long double *hi) {
  long double a = (long double)S * expl(-(long double)q * T);
  long double b = (long double)K * expl(-(long double)r * T);
  long double iv = type == G6_CALL ? a - b : b - a;
  *lo = iv > 0 ? iv : 0;
  *hi = type == G6_CALL ? a : b;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void) { /* splitmix64: deterministic across platforms */
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* The requirement on a random sample of its grid (spot 24000,
 * strikes 18000..30000 step 50, expiries 1..365 days, vols 0.05..1.5 step
 * 0.05, calls and puts, r 0.065), plus rate/dividend variants: every price
 * strictly between intrinsic (plus 16 ulps of rounding, below which it is at
 * intrinsic) and the bound solves (status ok), and
 * |sigma - sigma_true| <= 1e-9 when the time value is >= 1e-8 S. The whole
 * grid is checked by `make bench-iv`. */
static void grid_sample_roundtrip(void **state) {
  (void)state;
  const double rq[][2] = {{0.065, 0.0}, {0.065, 0.02}, {-0.005, 0.0},
                          {0.0, 0.03}};
  size_t tested = 0, accurate = 0;
  double worst = 0;
  for (int v = 0; v < 4; v++) {
    int samples = v == 0 ? 120000 : 20000;
    for (int i = 0; i < samples; i++) {
      uint64_t u = rnd();
      g6_opt_type ty = (u & 1) ? G6_CALL : G6_PUT;
      double K = 18000 + 50.0 * (double)((u >> 1) % 241);
      double T = (double)(1 + (u >> 9) % 365) / 365.0;
      double sig = 0.05 * (double)(1 + (u >> 20) % 30);
      double S = 24000, r = rq[v][0], q = rq[v][1];
      double P = true_price(ty, S, K, T, r, q, sig);
      long double lo, hi;
      limits(ty, S, K, T, r, q, &lo, &hi);
      /* a time value within rounding of the intrinsic value is "at
       * intrinsic" by design (at_intrinsic_is_a_status) */
      long double at = 16.0L * DBL_EPSILON * (S > K ? S : K);
      if (!((long double)P > lo + at && (long double)P < hi))
        continue;
      double iv;
      g6_status st = g6_iv_bsm(ty, S, K, T, r, q, P, NULL, &iv);
      if (st != G6_OK)
        fail_msg("%s S=%g K=%g T=%.17g r=%g q=%g price=%.17g: status %s",
                 ty == G6_CALL ? "call" : "put", S, K, T, r, q, P,
                 g6_status_name(st));
      tested++;
      if ((long double)P - lo >= 1e-8L * S) {
        accurate++;
        double err = fabs(iv - sig);
        if (err > worst)
          worst = err;
        if (err > 1e-9)
          fail_msg("%s K=%g T=%.17g r=%g q=%g sigma %.17g: got %.17g "
                   "(error %.3g)",
                   ty == G6_CALL ? "call" : "put", K, T, r, q, sig, iv, err);
      }
    }
  }
  print_message("# %zu solved, %zu with time value >= 1e-8 S, max |error| "
                "%.3g\n",
                tested, accurate, worst);
  assert_true(accurate > 150000);
}

/* The batch entry point is the same arithmetic: bit-identical results. */
static void batch_matches_scalar(void **state) {
  (void)state;
  enum { N = 2000 };
  static g6_iv_job jobs[N];
  double S = 24000, r = 0.065, q = 0.01;
  g6_iv_opts opts = {0.06, 1.2, 0};
  for (int i = 0; i < N; i++) {
    uint64_t u = rnd();
    jobs[i].type = (u & 1) ? G6_CALL : G6_PUT;
    jobs[i].K = 18000 + 50.0 * (double)((u >> 1) % 241);
    jobs[i].T = (double)(1 + (u >> 9) % 365) / 365.0;
    double sig = 0.05 * (double)(1 + (u >> 20) % 30);
    jobs[i].price =
        g6_bsm_price(jobs[i].type, S, jobs[i].K, jobs[i].T, r, q, sig);
    if (i % 97 == 0) /* a few bad rows in the middle of blocks */
      jobs[i].price = (i % 2) ? NAN : -1.0;
    if (i % 89 == 0)
      jobs[i].T = 0;
  }
  g6_iv_bsm_batch(S, r, q, &opts, jobs, N);
  for (int i = 0; i < N; i++) {
    double iv;
    g6_status st = g6_iv_bsm(jobs[i].type, S, jobs[i].K, jobs[i].T, r, q,
                             jobs[i].price, &opts, &iv);
    assert_int_equal(jobs[i].status, st);
    if (!(iv == jobs[i].iv || (isnan(iv) && isnan(jobs[i].iv))))
      fail_msg("job %d: batch %.17g scalar %.17g", i, jobs[i].iv, iv);
  }
  g6_iv_bsm_batch(S, r, q, NULL, jobs, 0); /* empty batch is fine */
}

/* Reference doc §4.4 vectors, with g6's fixes: the solution is exact, a
 * price below intrinsic is a status (not iv_min), an out-of-range solution
 * is reported with its value (not clamped to iv_max). */
static void reference_vectors(void **state) {
  (void)state;
  double iv;
  /* 10.45058357 is the 20 % price rounded to 8 decimals: sigma moves by
   * -2.19e-9 / vega(37.52) */
  assert_int_equal(g6_iv_bsm(G6_CALL, 100, 100, 1, 0.05, 0, 10.45058357, NULL,
                             &iv),
                   G6_OK);
  assert_close(iv, 0.2 - 2.1855677e-9 / 37.524034691693786, 1e-12);
  assert_int_equal(g6_iv_bsm(G6_PUT, 24800, 24800, 7.0 / 365, 0.05, 0,
                             193.7526318, NULL, &iv),
                   G6_OK);
  assert_close(iv, 0.15, 1e-9);
  assert_int_equal(g6_iv_bsm(G6_CALL, 120, 100, 0.5, 0.05, 0, 15, NULL, &iv),
                   G6_EBELOW_INTRINSIC);
  assert_true(isnan(iv));
  g6_iv_opts old = {0.01, 5.0, 0};
  assert_int_equal(g6_iv_bsm(G6_CALL, 100, 100, 0.1, 0.05, 0, 60, &old, &iv),
                   G6_EIV_OUT_OF_BOUNDS);
  assert_true(iv > 5.0 && iv < 6.0);
  assert_close(g6_bsm_price(G6_CALL, 100, 100, 0.1, 0.05, 0, iv), 60, 1e-9);
}

/* 60-digit references of the normalised Black function in each of its
 * evaluation regions. */
static void normalised_black_regions(void **state) {
  (void)state;
  const struct {
    double x, s, b;
    const char *what;
  } v[] = {
      {-0.05, 0.002, 2.4375928776584218504e-142, "asymptotic: h+t=-25"},
      {-20.0, 1.5, 6.2396444621897882843e-42, "asymptotic, wide t"},
      {-0.001, 0.03, 0.011474468766925082935, "small t"},
      {-0.3, 0.08, 1.6812566875920532697e-6, "small t, h=-3.75"},
      {-0.2, 0.4, 0.07831685053926961389, "erfcx"},
      {-1.0, 0.9, 0.05653816755300076207, "erfcx, h+t<0"},
      {-0.1, 2.0, 0.63412712270593895706, "direct"},
      {0.0, 0.5, 0.19741265136584744848, "at the money"},
      {-3.0, 6.0, 0.2207020253288649258, "direct, near b_max"},
  };
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    print_message("# %s\n", v[i].what);
    /* b's own condition number in s is ~h², hence the looser first rows */
    double tol = i < 2 ? 1e-12 : 3e-14;
    assert_close(g6_normalised_black(v[i].x, v[i].s, G6_CALL), v[i].b,
                 tol * v[i].b);
    /* put at -x is the same function; call in the money adds intrinsic */
    assert_close(g6_normalised_black(-v[i].x, v[i].s, G6_PUT), v[i].b,
                 tol * v[i].b);
    assert_close(g6_normalised_black(-v[i].x, v[i].s, G6_CALL),
                 v[i].b + 2 * sinh(-v[i].x / 2), 1e-15 + tol * v[i].b);
  }
  assert_close(g6_normalised_black(-1, 0, G6_CALL), 0, 0);
  assert_close(g6_normalised_black(-1, INFINITY, G6_CALL), exp(-0.5), 1e-16);
  assert_true(isnan(g6_normalised_black(-1, -0.1, G6_CALL)));
  assert_true(isnan(g6_normalised_black(NAN, 0.1, G6_CALL)));
}

/* Far outside the grid: x to -50, s from 1e-3 to 20, normalised prices down
 * to 1e-300 and up to 1 - 1e-12 of the bound. All four initial-guess
 * branches; s is recovered to the conditioning of the price. Two steps
 * reach that accuracy; the stop rule (step <= 1e-6 relative) asks for a
 * third after the roughest guesses (~0.3 % here, none on the grid). */
static void normalised_roundtrip_extremes(void **state) {
  (void)state;
  int worst_steps = 0, solves = 0, third = 0;
  for (int i = 0; i < 40000; i++) {
    uint64_t u = rnd();
    double x = -pow(10, -8 + 9.7 * (double)(u % 100000) / 1e5);
    double s = pow(10, -3 + 4.3 * (double)((u >> 20) % 100000) / 1e5);
    double beta = g6_normalised_black(x, s, G6_CALL);
    if (!(beta > 1e-300) || !(beta < exp(0.5 * x) * (1 - 1e-12)))
      continue;
    double got;
    int steps;
    assert_int_equal(g6_iv_normalised(beta, x, G6_CALL, &got, &steps), G6_OK);
    if (steps > worst_steps)
      worst_steps = steps;
    solves++;
    third += steps > 2;
    /* a relative error e in b (rounding of beta, b's own evaluation: 3e-14,
     * and ~h² ulps from h = x/s) moves s by e·cond relative, where
     * cond = |d ln s / d ln b| = b / (b' s) */
    double h = x / s, t = s / 2;
    double bp = exp(-(h * h + t * t) / 2) / sqrt(2 * M_PI);
    double cond = beta / (bp * s);
    double tol = (5e-14 + 3e-16 * h * h) * (1 + cond);
    if (!(fabs(got - s) <= tol * s))
      fail_msg("x=%.17g s=%.17g beta=%.17g: got %.17g", x, s, beta, got);
  }
  print_message("# %d solves, %d took a third step\n", solves, third);
  assert_true(worst_steps <= 3);
  assert_true(third * 100 < solves);
  /* puts and the in-the-money side map onto the same solve */
  double got;
  double b = g6_normalised_black(0.3, 0.25, G6_PUT);
  assert_int_equal(g6_iv_normalised(b, 0.3, G6_PUT, &got, NULL), G6_OK);
  assert_close(got, 0.25, 1e-14);
  b = g6_normalised_black(0.3, 0.25, G6_CALL);
  assert_int_equal(g6_iv_normalised(b, 0.3, G6_CALL, &got, NULL), G6_OK);
  assert_close(got, 0.25, 1e-12);
}

/* Deep in the money: solved on the out-of-the-money side through parity, so
 * the accuracy is that of the time value itself. */
static void deep_itm_via_parity(void **state) {
  (void)state;
  double S = 24000, r = 0.065, q = 0.015, iv;
  const double Ks[] = {12000, 16000, 32000, 40000};
  for (int i = 0; i < 4; i++) {
    g6_opt_type ty = Ks[i] < S ? G6_CALL : G6_PUT;
    for (double sig = 0.1; sig < 1.0; sig += 0.2) {
      double P = true_price(ty, S, Ks[i], 0.5, r, q, sig);
      g6_status st = g6_iv_bsm(ty, S, Ks[i], 0.5, r, q, P, NULL, &iv);
      long double lo, hi;
      limits(ty, S, Ks[i], 0.5, r, q, &lo, &hi);
      /* a time value within a few ulps of the price is rounding: at
       * intrinsic; clearly more solves */
      long double tv = (long double)P - lo, ulp = DBL_EPSILON * 40000.0L;
      if (tv > 16 * ulp)
        assert_int_equal(st, G6_OK);
      else if (tv < ulp)
        assert_int_equal(st, G6_EAT_INTRINSIC);
      else
        assert_true(st == G6_OK || st == G6_EAT_INTRINSIC);
      if (tv >= 1e-8L * S)
        assert_close(iv, sig, 1e-9);
    }
  }
}

static void black76(void **state) {
  (void)state;
  double F = 24150, K = 23000, T = 0.3, r = 0.07, iv;
  for (double sig = 0.05; sig < 2; sig *= 1.7) {
    double c = g6_black76_price(G6_CALL, F, K, T, r, sig);
    double p = g6_black76_price(G6_PUT, F, K, T, r, sig);
    assert_int_equal(g6_iv_black76(G6_CALL, F, K, T, r, c, NULL, &iv), G6_OK);
    assert_close(iv, sig, 1e-10);
    assert_int_equal(g6_iv_black76(G6_PUT, F, K, T, r, p, NULL, &iv), G6_OK);
    assert_close(iv, sig, 1e-10);
  }
  assert_int_equal(g6_iv_black76(G6_CALL, F, K, T, r, F, NULL, &iv),
                   G6_EABOVE_BOUND);
  assert_int_equal(g6_iv_black76(G6_CALL, F, K, 0, r, 100, NULL, &iv),
                   G6_EEXPIRED);
  assert_int_equal(g6_iv_black76(G6_CALL, -F, K, T, r, 100, NULL, &iv),
                   G6_ENONFINITE);
}

/* Every status the solver can return, and NaN/Inf/negative inputs. */
static void edge_statuses(void **state) {
  (void)state;
  double S = 24000, K = 24500, T = 0.05, r = 0.065, q = 0.0, iv;
  double P = g6_bsm_price(G6_CALL, S, K, T, r, q, 0.2);
  const double bad[] = {NAN, INFINITY, -INFINITY};
  for (int i = 0; i < 3; i++) {
    double b = bad[i];
    assert_int_equal(g6_iv_bsm(G6_CALL, b, K, T, r, q, P, NULL, &iv),
                     G6_ENONFINITE);
    assert_true(isnan(iv));
    assert_int_equal(g6_iv_bsm(G6_CALL, S, b, T, r, q, P, NULL, &iv),
                     G6_ENONFINITE);
    assert_int_equal(g6_iv_bsm(G6_CALL, S, K, b, r, q, P, NULL, &iv),
                     G6_ENONFINITE);
    assert_int_equal(g6_iv_bsm(G6_CALL, S, K, T, b, q, P, NULL, &iv),
                     G6_ENONFINITE);
    assert_int_equal(g6_iv_bsm(G6_CALL, S, K, T, r, b, P, NULL, &iv),
                     G6_ENONFINITE);
    assert_int_equal(g6_iv_bsm(G6_CALL, S, K, T, r, q, b, NULL, &iv),
                     G6_ENONFINITE);
    assert_int_equal(g6_iv_normalised(b, -0.1, G6_CALL, &iv, NULL),
                     G6_ENONFINITE);
  }
  assert_int_equal(g6_iv_bsm(G6_CALL, -S, K, T, r, q, P, NULL, &iv),
                   G6_ENONFINITE);
  assert_int_equal(g6_iv_bsm(G6_CALL, S, 0, T, r, q, P, NULL, &iv),
                   G6_ENONFINITE);
  assert_int_equal(g6_iv_bsm(G6_CALL, S, K, 0, r, q, P, NULL, &iv),
                   G6_EEXPIRED);
  assert_int_equal(g6_iv_bsm(G6_CALL, S, K, -1e-9, r, q, P, NULL, &iv),
                   G6_EEXPIRED);
  assert_true(isnan(iv));
  /* negative and below-intrinsic prices */
  assert_int_equal(g6_iv_bsm(G6_CALL, S, K, T, r, q, -0.5, NULL, &iv),
                   G6_EBELOW_INTRINSIC);
  double intr = S - 23000 * exp(-r * T);
  assert_int_equal(g6_iv_bsm(G6_CALL, S, 23000, T, r, q, intr - 0.05, NULL,
                             &iv),
                   G6_EBELOW_INTRINSIC);
  assert_int_equal(g6_iv_bsm(G6_PUT, S, 25000, T, r, q,
                             25000 * exp(-r * T) - S - 0.01, NULL, &iv),
                   G6_EBELOW_INTRINSIC);
  /* at the intrinsic value (and within its rounding): a status, no IV */
  assert_int_equal(g6_iv_bsm(G6_CALL, S, K, T, r, q, 0.0, NULL, &iv),
                   G6_EAT_INTRINSIC);
  assert_true(isnan(iv));
  assert_int_equal(g6_iv_bsm(G6_CALL, S, 23000, T, r, q, intr, NULL, &iv),
                   G6_EAT_INTRINSIC);
  assert_true(isnan(iv));
  assert_int_equal(g6_iv_bsm(G6_CALL, S, 23000, T, r, q, intr * (1 - 1e-16),
                             NULL, &iv),
                   G6_EAT_INTRINSIC);
  /* the no-arbitrage bounds */
  assert_int_equal(g6_iv_bsm(G6_CALL, S, K, T, r, 0.02, S * exp(-0.02 * T),
                             NULL, &iv),
                   G6_EABOVE_BOUND);
  assert_int_equal(g6_iv_bsm(G6_CALL, S, K, T, r, q, S + 1, NULL, &iv),
                   G6_EABOVE_BOUND);
  assert_int_equal(g6_iv_bsm(G6_PUT, S, K, T, r, q, K * exp(-r * T), NULL,
                             &iv),
                   G6_EABOVE_BOUND);
  assert_true(isnan(iv));
  /* the caller's bounds classify, never clamp */
  g6_iv_opts o = {0.25, 0.6, 0};
  assert_int_equal(g6_iv_bsm(G6_CALL, S, K, T, r, q, P, &o, &iv),
                   G6_EIV_OUT_OF_BOUNDS);
  assert_close(iv, 0.2, 1e-12);
  o.iv_min = 0.01;
  o.iv_max = 0.15;
  assert_int_equal(g6_iv_bsm(G6_CALL, S, K, T, r, q, P, &o, &iv),
                   G6_EIV_OUT_OF_BOUNDS);
  assert_close(iv, 0.2, 1e-12);
  o.iv_max = 0.2 + 1e-6;
  assert_int_equal(g6_iv_bsm(G6_CALL, S, K, T, r, q, P, &o, &iv), G6_OK);
  o.iv_min = 0.01; /* at intrinsic is its own status, whatever the bounds */
  assert_int_equal(g6_iv_bsm(G6_CALL, S, K, T, r, q, 0.0, &o, &iv),
                   G6_EAT_INTRINSIC);
  assert_true(isnan(iv));
  /* normalised: below intrinsic / above bound */
  assert_int_equal(g6_iv_normalised(0.01, 0.5, G6_CALL, &iv, NULL),
                   G6_EBELOW_INTRINSIC);
  assert_int_equal(g6_iv_normalised(exp(-0.25), -0.5, G6_CALL, &iv, NULL),
                   G6_EABOVE_BOUND);
  assert_int_equal(g6_iv_normalised(2 * sinh(0.25), 0.5, G6_CALL, &iv, NULL),
                   G6_EAT_INTRINSIC);
  /* every status token used here exists */
  assert_string_equal(g6_status_name(G6_EAT_INTRINSIC), "at_intrinsic");
  assert_string_equal(g6_status_name(G6_EIV_OUT_OF_BOUNDS), "iv_out_of_bounds");
  assert_string_equal(g6_status_name(G6_ENOCONVERGE), "no_convergence");
}

/* Issue 10, item 7: prices at the intrinsic value, computed as doubles the
 * way a feed or a script computes them, are "at intrinsic" (no IV), not a
 * volatility made of rounding noise; a price a tick above is a real time
 * value and solves; tiny out-of-the-money prices whose normalised value
 * underflows still solve, monotonically. */
static void at_intrinsic_is_a_status(void **state) {
  (void)state;
  double iv;
  /* the vector: c,24000,23750,1/365,0.065,0,S - K e^{-rT} as
   * Python computes it (it solved to 0.028 "ok") */
  assert_int_equal(g6_iv_bsm(G6_CALL, 24000, 23750, 0.0027397260273972603,
                             0.065, 0, 254.2290754821025, NULL, &iv),
                   G6_EAT_INTRINSIC);
  assert_true(isnan(iv));
  /* one-minute expiries (they solved to 206 % and 2885 %), calls and puts,
   * with and without a dividend yield, at the forward intrinsic computed in
   * long double and rounded to double, and a few ulps off it */
  static const struct {
    g6_opt_type type;
    double S, K, q;
  } v[] = {{G6_CALL, 24000, 23750, 0},   {G6_PUT, 24000, 24250, 0},
           {G6_CALL, 84500, 84000, 0.01}, {G6_PUT, 13500, 13600, 0.015},
           {G6_CALL, 58000, 50000, 0}};
  double T = 60.0 / (365.0 * 86400.0), r = 0.065;
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    long double lo, hi;
    limits(v[i].type, v[i].S, v[i].K, T, r, v[i].q, &lo, &hi);
    double intr = (double)lo;
    for (int ulps = -2; ulps <= 2; ulps++) {
      double p = intr;
      for (int k = 0; k < abs(ulps); k++)
        p = nextafter(p, ulps > 0 ? INFINITY : 0);
      g6_status st = g6_iv_bsm(v[i].type, v[i].S, v[i].K, T, r, v[i].q, p,
                               NULL, &iv);
      if (st != G6_EAT_INTRINSIC)
        fail_msg("vector %zu, %+d ulps: %s iv %g", i, ulps,
                 g6_status_name(st), iv);
    }
    /* the batch path agrees */
    g6_iv_job j = {v[i].type, v[i].K, T, intr, 0, G6_OK};
    g6_iv_bsm_batch(v[i].S, r, v[i].q, NULL, &j, 1);
    assert_int_equal(j.status, G6_EAT_INTRINSIC);
    assert_true(isnan(j.iv));
    /* a tick of time value is a price with an IV that reprices it */
    double p = intr + 0.05;
    assert_int_equal(g6_iv_bsm(v[i].type, v[i].S, v[i].K, T, r, v[i].q, p,
                               NULL, &iv),
                     G6_OK);
    assert_close(g6_bsm_price(v[i].type, v[i].S, v[i].K, T, r, v[i].q, iv), p,
                 1e-9 * p);
    /* and a tick below intrinsic is below it */
    assert_int_equal(g6_iv_bsm(v[i].type, v[i].S, v[i].K, T, r, v[i].q,
                               intr - 0.05, NULL, &iv),
                     G6_EBELOW_INTRINSIC);
  }
  /* tiny out-of-the-money prices: the normalised price underflows below
   * 1e-308 (5e-324 used to solve to 0 "ok"); the IV keeps falling */
  double prev = INFINITY;
  const double tiny[] = {1e-200, 1e-300, 1e-310, 1e-320, 5e-324};
  for (size_t i = 0; i < sizeof(tiny) / sizeof(tiny[0]); i++) {
    assert_int_equal(g6_iv_bsm(G6_CALL, 24000, 30000, 0.1, 0.065, 0, tiny[i],
                               NULL, &iv),
                     G6_OK);
    assert_true(iv > 0.01 && iv < prev);
    prev = iv;
  }
  /* below the normal range the IV still reprices the price it came from:
   * 1e-310 is a subnormal with 40 significant bits */
  assert_int_equal(g6_iv_bsm(G6_CALL, 24000, 30000, 0.1, 0.065, 0, 1e-310,
                             NULL, &iv),
                   G6_OK);
  assert_close(g6_bsm_price(G6_CALL, 24000, 30000, 0.1, 0.065, 0, iv), 1e-310,
               1e-318);
}

static void opts_check(void **state) {
  (void)state;
  g6_error e;
  g6_iv_opts ok = {0.01, 5.0, 0}, inf = {0, INFINITY, 0};
  assert_int_equal(g6_iv_opts_check(&ok, &e), G6_OK);
  assert_int_equal(g6_iv_opts_check(&inf, &e), G6_OK);
  assert_int_equal(g6_iv_opts_check(NULL, &e), G6_OK);
  g6_iv_opts bad[] = {{-0.1, 1, 0}, {NAN, 1, 0}, {0.5, 0.5, 0}, {0.1, NAN, 0},
                      {INFINITY, INFINITY, 0}, {2, 1, 0}};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    assert_int_equal(g6_iv_opts_check(&bad[i], &e), G6_EINVAL);
    assert_true(strstr(e.msg, "iv_m") != NULL);
  }
  g6_iv_opts tick = {0, INFINITY, 0.05};
  assert_int_equal(g6_iv_opts_check(&tick, &e), G6_OK);
  g6_iv_opts bad_tick[] = {{0, 1, -0.05}, {0, 1, NAN}, {0, 1, INFINITY}};
  for (size_t i = 0; i < sizeof(bad_tick) / sizeof(bad_tick[0]); i++) {
    assert_int_equal(g6_iv_opts_check(&bad_tick[i], &e), G6_EINVAL);
    assert_non_null(strstr(e.msg, "price_tick"));
  }
}

/* Quotes are multiples of a tick: an in-the-money option whose value is its
 * intrinsic value plus less than a tick of time value (an expiry-day leg
 * deep in the money) is quoted at that value rounded to the tick, up to
 * half a tick below intrinsic, and g6-mockd's chain on an expiry day had a
 * quarter of its nearest expiry's legs counted below_intrinsic (a weekly
 * G6IvFailureRatioHigh). With price_tick the quote is at intrinsic; more
 * than a tick below it, a negative price and out-of-the-money legs are as
 * without it; the batch agrees. */
static void a_tick_below_intrinsic_is_at_intrinsic(void **state) {
  (void)state;
  static const struct {
    g6_opt_type type;
    double S, K, q;
  } v[] = {{G6_CALL, 24012.35, 23000, 0}, {G6_PUT, 24012.35, 25000, 0},
           {G6_CALL, 84500, 84000, 0.01}, {G6_PUT, 13500, 13600, 0.015}};
  double T = 2.5 / (365.0 * 24), r = 0.065, iv;
  g6_iv_opts tick = {0, INFINITY, 0.05};
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    long double lo, hi;
    limits(v[i].type, v[i].S, v[i].K, T, r, v[i].q, &lo, &hi);
    double intr = (double)lo;
    double floor_tick = floor(intr / 0.05) * 0.05; /* rounded down */
    const double at[] = {floor_tick, intr - 0.025, intr - 0.0499};
    for (size_t k = 0; k < sizeof(at) / sizeof(at[0]); k++) {
      assert_int_equal(g6_iv_bsm(v[i].type, v[i].S, v[i].K, T, r, v[i].q,
                                 at[k], NULL, &iv),
                       G6_EBELOW_INTRINSIC); /* exact prices: below */
      g6_status st = g6_iv_bsm(v[i].type, v[i].S, v[i].K, T, r, v[i].q,
                               at[k], &tick, &iv);
      if (st != G6_EAT_INTRINSIC)
        fail_msg("vector %zu, price %.4f (intrinsic %.4f): %s", i, at[k],
                 intr, g6_status_name(st));
      assert_true(isnan(iv));
      g6_iv_job j = {v[i].type, v[i].K, T, at[k], 0, G6_OK};
      g6_iv_bsm_batch(v[i].S, r, v[i].q, &tick, &j, 1);
      assert_int_equal(j.status, G6_EAT_INTRINSIC);
    }
    /* more than a tick below: below intrinsic, with the tick too */
    assert_int_equal(g6_iv_bsm(v[i].type, v[i].S, v[i].K, T, r, v[i].q,
                               intr - 0.06, &tick, &iv),
                     G6_EBELOW_INTRINSIC);
    /* above intrinsic by a tick still solves */
    assert_int_equal(g6_iv_bsm(v[i].type, v[i].S, v[i].K, T, r, v[i].q,
                               intr + 0.05, &tick, &iv),
                     G6_OK);
  }
  /* a negative price is below intrinsic whatever the tick, even when the
   * intrinsic value is under a tick */
  assert_int_equal(g6_iv_bsm(G6_CALL, 24000.02, 24000, T, 0, 0, -0.01, &tick,
                             &iv),
                   G6_EBELOW_INTRINSIC);
  assert_int_equal(g6_iv_bsm(G6_CALL, 24000, 25000, T, r, 0, -0.01, &tick,
                             &iv),
                   G6_EBELOW_INTRINSIC);
  /* out of the money the tick changes nothing: one tick is a price */
  assert_int_equal(
      g6_iv_bsm(G6_CALL, 24000, 24500, 5.0 / 365, r, 0, 0.05, &tick, &iv),
      G6_OK);
}

static void iv_with_greeks(void **state) {
  (void)state;
  double S = 24000, K = 23500, T = 20.0 / 365, r = 0.065, q = 0.01, iv;
  double P = g6_bsm_price(G6_PUT, S, K, T, r, q, 0.17);
  g6_greeks g, want;
  assert_int_equal(
      g6_iv_bsm_greeks(G6_PUT, S, K, T, r, q, P, NULL, &iv, &g), G6_OK);
  g6_bsm_greeks(G6_PUT, S, K, T, r, q, 0.17, &want);
  assert_close(g.delta, want.delta, 1e-12);
  assert_close(g.theta, want.theta, 1e-9);
  assert_close(g.price, P, 1e-9);
  g6_iv_opts o = {0.2, 3, 0};
  assert_int_equal(g6_iv_bsm_greeks(G6_PUT, S, K, T, r, q, P, &o, &iv, &g),
                   G6_EIV_OUT_OF_BOUNDS);
  assert_close(g.vega, want.vega, 1e-9); /* Greeks at the solved value */
  assert_int_equal(
      g6_iv_bsm_greeks(G6_PUT, S, K, T, r, q, -1, NULL, &iv, &g),
      G6_EBELOW_INTRINSIC);
  assert_true(isnan(g.delta) && isnan(g.rho) && isnan(g.price));
}

/* Volatility has no unit of price: scaling S, K and the price by the same
 * factor leaves it unchanged, across the whole range of doubles. The
 * normalisation once divided by sqrt(F K), which underflows to 0 below
 * ~1e-154 (an affordable option reported above_bound) and overflows above
 * ~1e154 (solved from logarithms that had lost ~1e-13). */
static void scale_invariance(void **state) {
  (void)state;
  double P76 = g6_black76_price(G6_CALL, 100, 110, 0.5, 0.05, 0.2);
  double Pbs = g6_bsm_price(G6_PUT, 100, 90, 0.5, 0.05, 0.01, 0.2);
  for (int e = -300; e <= 300; e += 10) {
    double l = pow(10, e), iv;
    print_message("# scale 1e%d\n", e);
    assert_int_equal(g6_iv_black76(G6_CALL, 100 * l, 110 * l, 0.5, 0.05,
                                   l * P76, NULL, &iv),
                     G6_OK);
    assert_close(iv, 0.2, 1e-14);
    assert_int_equal(g6_iv_bsm(G6_PUT, 100 * l, 90 * l, 0.5, 0.05, 0.01,
                               l * Pbs, NULL, &iv),
                     G6_OK);
    assert_close(iv, 0.2, 1e-14);
    g6_iv_job j = {G6_PUT, 90 * l, 0.5, l * Pbs, NAN, G6_OK};
    g6_iv_bsm_batch(100 * l, 0.05, 0.01, NULL, &j, 1);
    assert_int_equal(j.status, G6_OK);
    assert_close(j.iv, 0.2, 1e-14);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(grid_sample_roundtrip),
      cmocka_unit_test(batch_matches_scalar),
      cmocka_unit_test(reference_vectors),
      cmocka_unit_test(normalised_black_regions),
      cmocka_unit_test(normalised_roundtrip_extremes),
      cmocka_unit_test(deep_itm_via_parity),
      cmocka_unit_test(black76),
      cmocka_unit_test(edge_statuses),
      cmocka_unit_test(at_intrinsic_is_a_status),
      cmocka_unit_test(opts_check),
      cmocka_unit_test(a_tick_below_intrinsic_is_at_intrinsic),
      cmocka_unit_test(iv_with_greeks),
      cmocka_unit_test(scale_invariance),
  };
  return G6_RUN_TESTS(tests);
}
