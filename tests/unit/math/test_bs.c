#include "g6_test.h"

#include "math/bs.h"

/* Relative closeness with an absolute floor, for values of any magnitude. */
#define assert_rel(a, b, rel)                                                  \
  assert_close((a), (b), (rel) * (fabs(b) > 1e-300 ? fabs(b) : 1.0))

/* Reference doc §9 table (r = 0.05, q = 0), recomputed here in 40-digit
 * arithmetic (mpmath) from the formulas of reference §4.1–4.2: every value
 * of the table agrees to the 10 digits printed there, except put theta.
 *
 * Put theta is the textbook value, not the old platform's [Q] defect: the
 * old code subtracted the rate term, A - r K e^{-rT} N(-d2), where the
 * derivative of K e^{-rT} N(-d2) - S N(-d1) with respect to calendar time
 * adds it: theta_put = A + r K e^{-rT} N(-d2) - q S e^{-qT} N(-d1), per year,
 * / 365. Equivalently (theta parity) theta_put = theta_call +
 * (r K e^{-rT} - q S e^{-qT}) / 365. The corrected value therefore exceeds
 * the old one by 2 r K e^{-rT} N(-d2) / 365:
 *   S=K=100, T=1, 20 %:        -0.016018977 -> -0.0045421381477661
 *   S=K=24800, 7 d, 15 %:      -16.305170763 -> -13.008026211916786
 *   S=24800, K=24600, 7 d, 12 %: -11.073124730 -> -9.0817125006897275 */
typedef struct vec {
  const char *name;
  g6_opt_type type;
  double S, K, T, sigma;
  double price, delta, gamma, theta, vega, rho;
} vec;

static const vec ref9[] = {
    {"call S=K=100 T=1 20%", G6_CALL, 100, 100, 1.0, 0.20, 10.450583572185568,
     0.6368306511756191, 0.018762017345846892, -0.017572678209419716,
     0.37524034691693786, 0.53232481545376342},
    {"put S=K=100 T=1 20% (textbook theta)", G6_PUT, 100, 100, 1.0, 0.20,
     5.573526022256968, -0.3631693488243809, 0.018762017345846892,
     -0.0045421381477660982, 0.37524034691693786, -0.41890460904695059},
    {"call NIFTY ATM 7d 15%", G6_CALL, 24800, 24800, 7.0 / 365, 0.15,
     217.52205559661016, 0.52254737984271071, 0.00077316141287065354,
     -16.402030400437688, 13.679491921659318, 2.4436046781237897},
    {"put NIFTY ATM 7d 15% (textbook theta)", G6_PUT, 24800, 24800, 7.0 / 365,
     0.15, 193.75263179920921, -0.47745262015728923, 0.00077316141287065354,
     -13.008026211916786, 13.679491921659318, -2.3080011858054759},
    {"call 24800/25000 7d 12%", G6_CALL, 24800, 25000, 7.0 / 365, 0.12,
     91.702626698372583, 0.33822040879776133, 0.00088727078503615382,
     -11.901092453973931, 12.558736982138473, 1.5910450569973358},
    {"put 24800/24600 7d 12% (textbook theta)", G6_PUT, 24800, 24600,
     7.0 / 365, 0.12, 75.603158721284487, -0.29004239837218687,
     0.0008306275008918405, -9.0817125006897275, 11.756988384787801,
     -1.3939885607797433},
};

static void reference_vectors(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof(ref9) / sizeof(ref9[0]); i++) {
    const vec *v = &ref9[i];
    g6_greeks g;
    assert_int_equal(
        g6_bsm_greeks(v->type, v->S, v->K, v->T, 0.05, 0.0, v->sigma, &g),
        G6_OK);
    print_message("# %s\n", v->name);
    assert_rel(g.price, v->price, 1e-12);
    assert_rel(g.delta, v->delta, 1e-12);
    assert_rel(g.gamma, v->gamma, 1e-12);
    assert_rel(g.theta, v->theta, 1e-11);
    assert_rel(g.vega, v->vega, 1e-12);
    assert_rel(g.rho, v->rho, 1e-12);
    /* the plain price function agrees */
    assert_rel(g6_bsm_price(v->type, v->S, v->K, v->T, 0.05, 0.0, v->sigma),
               v->price, 1e-12);
  }
  /* the table's own 10-digit put theta was the defect: we must differ */
  g6_greeks g;
  g6_bsm_greeks(G6_PUT, 100, 100, 1, 0.05, 0, 0.2, &g);
  assert_true(fabs(g.theta - -0.01601897675) > 0.01);
}

/* T = 0 rows of the §9 table, and the expiry convention for the rest. */
static void at_expiry(void **state) {
  (void)state;
  g6_greeks g;
  assert_int_equal(g6_bsm_greeks(G6_CALL, 105, 100, 0, 0.05, 0, 0.2, &g),
                   G6_OK);
  assert_close(g.price, 5, 0);
  assert_close(g.delta, 1, 0);
  assert_close(g.gamma + fabs(g.theta) + g.vega + fabs(g.rho), 0, 0);
  assert_int_equal(g6_bsm_greeks(G6_PUT, 95, 100, 0, 0.05, 0, 0.2, &g), G6_OK);
  assert_close(g.price, 5, 0);
  assert_close(g.delta, -1, 0);
  assert_close(g.gamma + fabs(g.theta) + g.vega + fabs(g.rho), 0, 0);
  /* out of the money and at the money at expiry: worthless, delta 0 */
  g6_bsm_greeks(G6_CALL, 95, 100, -0.01, 0.05, 0, 0.2, &g);
  assert_close(g.price + fabs(g.delta), 0, 0);
  g6_bsm_greeks(G6_PUT, 100, 100, 0, 0.05, 0, 0.2, &g);
  assert_close(g.price + fabs(g.delta), 0, 0);
}

/* sigma = 0 before expiry: the discounted forward payoff, rates still act. */
static void zero_vol(void **state) {
  (void)state;
  g6_greeks g;
  double S = 100, K = 90, T = 0.5, r = 0.06, q = 0.01;
  assert_int_equal(g6_bsm_greeks(G6_CALL, S, K, T, r, q, 0.0, &g), G6_OK);
  assert_rel(g.price, S * exp(-q * T) - K * exp(-r * T), 1e-14);
  assert_rel(g.delta, exp(-q * T), 1e-15);
  assert_close(g.gamma + g.vega, 0, 0);
  assert_rel(g.theta, (q * S * exp(-q * T) - r * K * exp(-r * T)) / 365, 1e-13);
  assert_rel(g.rho, K * T * exp(-r * T) / 100, 1e-14);
  assert_int_equal(g6_bsm_greeks(G6_PUT, S, K, T, r, q, 0.0, &g), G6_OK);
  assert_close(g.price + fabs(g.delta) + fabs(g.theta) + fabs(g.rho), 0, 0);
}

/* Parity: C - P = S e^{-qT} - K e^{-rT}, delta_C - delta_P = e^{-qT}, equal
 * gamma and vega, theta_C - theta_P = (q S e^{-qT} - r K e^{-rT})/365,
 * rho_C - rho_P = K T e^{-rT}/100; for r >= 0 and r < 0, q != 0. */
static void put_call_parity(void **state) {
  (void)state;
  const double rs[] = {0.065, 0.0, -0.01}, qs[] = {0.0, 0.015, -0.005};
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++)
      for (double K = 18000; K <= 30000; K += 1500)
        for (double T = 1.0 / 365; T < 1.5; T *= 3.7) {
          double S = 24000, r = rs[a], q = qs[b], sig = 0.07 + T / 3;
          g6_greeks c, p;
          g6_bsm_greeks(G6_CALL, S, K, T, r, q, sig, &c);
          g6_bsm_greeks(G6_PUT, S, K, T, r, q, sig, &p);
          double dq = exp(-q * T), dr = exp(-r * T);
          assert_close(c.price - p.price, S * dq - K * dr, 1e-10 * S);
          assert_close(c.delta - p.delta, dq, 1e-14);
          assert_rel(c.gamma, p.gamma, 1e-14);
          assert_rel(c.vega, p.vega, 1e-14);
          assert_close(c.theta - p.theta, (q * S * dq - r * K * dr) / 365,
                       1e-12 * S);
          assert_close(c.rho - p.rho, K * T * dr / 100, 1e-12 * K);
        }
}

/* Each Greek is the derivative of the price it claims to be, in its unit:
 * central differences of g6_bsm_price (theta: as calendar time passes). */
static void greeks_are_derivatives(void **state) {
  (void)state;
  const g6_opt_type types[] = {G6_CALL, G6_PUT};
  for (int ti = 0; ti < 2; ti++)
    for (double K = 21000; K <= 27000; K += 3000) {
      g6_opt_type ty = types[ti];
      double S = 24000, T = 0.1, r = 0.065, q = 0.012, sig = 0.18;
      g6_greeks g;
      g6_bsm_greeks(ty, S, K, T, r, q, sig, &g);
#define PX(S_, T_, r_, sig_) g6_bsm_price(ty, (S_), K, (T_), (r_), q, (sig_))
      double hS = 0.5, hT = 1e-5, hr = 1e-6, hs = 1e-6;
      assert_close(g.delta, (PX(S + hS, T, r, sig) - PX(S - hS, T, r, sig)) / (2 * hS), 1e-7);
      assert_close(g.gamma,
                   (PX(S + 8 * hS, T, r, sig) - 2 * PX(S, T, r, sig) + PX(S - 8 * hS, T, r, sig)) /
                       (64 * hS * hS),
                   1e-8);
      double dT = (PX(S, T + hT, r, sig) - PX(S, T - hT, r, sig)) / (2 * hT);
      assert_close(g.theta, -dT / 365, 1e-6);
      double dr = (PX(S, T, r + hr, sig) - PX(S, T, r - hr, sig)) / (2 * hr);
      assert_close(g.rho, dr / 100, 1e-5);
      double ds = (PX(S, T, r, sig + hs) - PX(S, T, r, sig - hs)) / (2 * hs);
      assert_close(g.vega, ds / 100, 1e-5);
#undef PX
    }
}

/* Black-76 Greeks on the forward agree with BSM through F = S e^{(r-q)T}. */
static void black76_consistency(void **state) {
  (void)state;
  double S = 24000, K = 24500, T = 0.2, r = 0.065, q = 0.01, sig = 0.16;
  double F = S * exp((r - q) * T);
  g6_greeks b, m;
  assert_int_equal(g6_black76_greeks(G6_PUT, F, K, T, r, sig, &b), G6_OK);
  g6_bsm_greeks(G6_PUT, S, K, T, r, q, sig, &m);
  assert_rel(b.price, m.price, 1e-12);
  assert_rel(b.price, g6_black76_price(G6_PUT, F, K, T, r, sig), 1e-13);
  assert_rel(b.delta * F / S, m.delta, 1e-12); /* dV/dS = dV/dF · F/S */
  assert_rel(b.vega, m.vega, 1e-12);
  assert_rel(b.rho, -T * b.price / 100, 1e-13);
  /* theta at fixed F: r V - df F n(d1) σ / (2 sqrt T), per day */
  double s = sig * sqrt(T), d1 = log(F / K) / s + s / 2;
  assert_rel(b.theta,
             (r * b.price - exp(-r * T) * F * g6_norm_pdf(d1) * sig / (2 * sqrt(T))) / 365,
             1e-12);
}

static void bad_inputs(void **state) {
  (void)state;
  g6_greeks g;
  const double bad[] = {NAN, INFINITY, -INFINITY};
  for (int i = 0; i < 3; i++) {
    double x = bad[i];
    assert_int_equal(g6_bsm_greeks(G6_CALL, x, 100, 1, 0.05, 0, 0.2, &g), G6_ENONFINITE);
    assert_true(isnan(g.price) && isnan(g.delta) && isnan(g.rho));
    assert_int_equal(g6_bsm_greeks(G6_CALL, 100, x, 1, 0.05, 0, 0.2, &g), G6_ENONFINITE);
    assert_int_equal(g6_bsm_greeks(G6_PUT, 100, 100, x, 0.05, 0, 0.2, &g), G6_ENONFINITE);
    assert_int_equal(g6_bsm_greeks(G6_PUT, 100, 100, 1, x, 0, 0.2, &g), G6_ENONFINITE);
    assert_int_equal(g6_bsm_greeks(G6_PUT, 100, 100, 1, 0.05, x, 0.2, &g), G6_ENONFINITE);
    assert_int_equal(g6_bsm_greeks(G6_PUT, 100, 100, 1, 0.05, 0, x, &g), G6_ENONFINITE);
    assert_int_equal(g6_black76_greeks(G6_PUT, x, 100, 1, 0.05, 0.2, &g), G6_ENONFINITE);
    assert_true(isnan(g6_bsm_price(G6_CALL, x, 100, 1, 0.05, 0, 0.2)));
  }
  assert_int_equal(g6_bsm_greeks(G6_CALL, -1, 100, 1, 0.05, 0, 0.2, &g), G6_ENONFINITE);
  assert_int_equal(g6_bsm_greeks(G6_CALL, 100, 0, 1, 0.05, 0, 0.2, &g), G6_ENONFINITE);
  assert_int_equal(g6_bsm_greeks(G6_CALL, 100, 100, 1, 0.05, 0, -0.2, &g), G6_EINVAL);
  assert_true(isnan(g.vega));
  assert_true(isnan(g6_bsm_price(G6_PUT, 100, -5, 1, 0.05, 0, 0.2)));
}

/* Tails: Φ accurate far out (erfc-based), prices never negative. */
static void tails(void **state) {
  (void)state;
  assert_rel(g6_norm_cdf(-10), 7.6198530241605261e-24, 1e-13);
  assert_rel(g6_norm_cdf(-37), 5.7255712225245768e-300, 1e-10);
  assert_close(g6_norm_cdf(8.5), 1.0, 1e-16);
  assert_rel(g6_norm_pdf(3), 0.0044318484119380072, 1e-15);
  g6_greeks g;
  g6_bsm_greeks(G6_CALL, 24000, 30000, 1.0 / 365, 0.065, 0, 0.05, &g);
  assert_true(g.price >= 0 && g.price < 1e-300);
  g6_bsm_greeks(G6_PUT, 24000, 18000, 1.0 / 365, 0.065, 0, 0.05, &g);
  assert_true(g.price >= 0 && g.delta <= 0);
}

/* sigma sqrt(T) at the ends of the doubles: a positive sigma and T whose
 * product underflows to 0 price the discounted intrinsic value (the
 * sigma -> 0 limit; it was NaN at F == K, ln(F/K)/0 = 0/0), and one that
 * overflows to +Inf the upper bound, D F for a call and D K for a put (the
 * sigma -> Inf limit; it was NaN, d2 = Inf - Inf). */
static void total_vol_limits(void **state) {
  (void)state;
  double T = 1e-50, tiny = 1e-300, df = exp(-0.05 * T);
  assert_close(g6_black76_price(G6_CALL, 100, 100, T, 0.05, tiny), 0, 0);
  assert_close(g6_black76_price(G6_PUT, 100, 100, T, 0.05, tiny), 0, 0);
  assert_close(g6_bsm_price(G6_CALL, 100, 100, T, 0, 0, tiny), 0, 0);
  assert_rel(g6_bsm_price(G6_CALL, 100, 90, T, 0, 0, tiny), 10.0, 1e-15);
  assert_rel(g6_black76_price(G6_PUT, 90, 100, T, 0.05, tiny), 10 * df, 1e-15);
  assert_rel(g6_black76_price(G6_CALL, 100, 100, 2, 0.05, INFINITY),
             100 * exp(-0.1), 1e-15);
  assert_rel(g6_black76_price(G6_PUT, 100, 120, 2, 0.05, 1e308),
             120 * exp(-0.1), 1e-15);
  assert_rel(g6_bsm_price(G6_CALL, 100, 80, 2, 0.05, 0.01, INFINITY),
             100 * exp(-0.02), 1e-15);
  assert_rel(g6_bsm_price(G6_PUT, 100, 80, 2, 0.05, 0.01, 1e308),
             80 * exp(-0.1), 1e-15);
  /* the Greeks' limits agree */
  g6_greeks g;
  assert_int_equal(g6_bsm_greeks(G6_CALL, 100, 100, T, 0, 0, tiny, &g), G6_OK);
  assert_close(g.price, 0, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(reference_vectors),
      cmocka_unit_test(at_expiry),
      cmocka_unit_test(zero_vol),
      cmocka_unit_test(put_call_parity),
      cmocka_unit_test(greeks_are_derivatives),
      cmocka_unit_test(black76_consistency),
      cmocka_unit_test(bad_inputs),
      cmocka_unit_test(tails),
      cmocka_unit_test(total_vol_limits),
  };
  return G6_RUN_TESTS(tests);
}
