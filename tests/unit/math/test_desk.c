/* Desk figures (math/desk.h) on hand-computed chains. */
#include "g6_test.h"

#include "math/desk.h"

static g6_leg leg(double K, g6_opt_type t, double last, double gamma,
                  double oi) {
  g6_leg l = g6_leg_make(K, t, 1, 0.05);
  l.last = last;
  l.gamma = gamma;
  l.oi = oi;
  return l;
}

static void straddle_and_move(void **state) {
  (void)state;
  g6_leg legs[] = {leg(23950, G6_CALL, 150, NAN, NAN),
                   leg(24000, G6_CALL, 120, NAN, NAN),
                   leg(24000, G6_PUT, 100, NAN, NAN),
                   leg(24050, G6_PUT, 130, NAN, NAN)};
  legs[1].bid = 119;
  legs[1].ask = 121.5; /* mid 120.25 wins over last */
  g6_straddle s;
  assert_int_equal(g6_desk_straddle(legs, 4, 24000, 24010,
                                    G6_PRICE_MID_OR_LAST, &s),
                   G6_OK);
  assert_close(s.call, 120.25, 0);
  assert_close(s.put, 100, 0);
  assert_close(s.price, 220.25, 0);
  assert_close(s.move_share, 220.25 / 24010, 1e-15);
  /* the put missing: unknown, never the call alone */
  legs[2].last = NAN;
  assert_int_equal(g6_desk_straddle(legs, 4, 24000, 24010,
                                    G6_PRICE_MID_OR_LAST, &s),
                   G6_OK);
  assert_true(isnan(s.price) && isnan(s.move_share));
  assert_int_equal(g6_desk_straddle(legs, 4, 24100, 24010, G6_PRICE_LAST, &s),
                   G6_ENOENT);
}

static void gex_sum_sign_and_flip(void **state) {
  (void)state;
  /* S = 24000: S^2 x 1 % = 5,760,000 */
  g6_leg legs[] = {leg(23900, G6_PUT, 1, 0.001, 1000),
                   leg(24100, G6_CALL, 1, 0.001, 2000),
                   leg(24200, G6_CALL, 1, NAN, 300)};
  g6_gex g;
  assert_int_equal(g6_desk_gex(legs, 3, 24000, 1, &g), G6_OK);
  assert_close(g.puts, -5.76e6, 1e-6);
  assert_close(g.calls, 11.52e6, 1e-6);
  assert_close(g.total, 5.76e6, 1e-6); /* calls positive, puts negative */
  assert_int_equal(g.legs, 2);
  assert_int_equal(g.missing, 1);
  /* cumulative: -5.76e6 at 23900, +5.76e6 at 24100: flips halfway */
  assert_close(g.flip_strike, 24000, 1e-9);
  /* OI in lots: the lot multiplies */
  assert_int_equal(g6_desk_gex(legs, 3, 24000, 75, &g), G6_OK);
  assert_close(g.total, 75 * 5.76e6, 1e-3);
  /* all calls: no sign change, no flip */
  g6_leg calls[] = {leg(24000, G6_CALL, 1, 0.001, 10),
                    leg(24100, G6_CALL, 1, 0.001, 10)};
  assert_int_equal(g6_desk_gex(calls, 2, 24000, 1, &g), G6_OK);
  assert_true(isnan(g.flip_strike));
  /* nothing usable: unknown, not zero */
  assert_int_equal(g6_desk_gex(legs + 2, 1, 24000, 1, &g), G6_OK);
  assert_true(isnan(g.total));
  assert_int_equal(g6_desk_gex(legs, 3, 0, 1, &g), G6_EINVAL);
}

/* Edges of a real chain (S = 100: S^2 x 1 % = 100, so gamma .01 x OI 10 is
 * 10 rupees per 1 %). Reference (Python, the cumulative exposure as a
 * piecewise-linear function of strike and its first zero crossing):
 *   calls 100 (+10), puts 110 (-10), 120 (-5): cumulative 10, 0, -5; it
 *   reaches 0 at 110 and goes negative: the flip is 110 (the old
 *   interpolation between 100 and 120 gave 113.33); total -5.
 *   puts only: the calls' exposure is unknown, so is the total (the old
 *   code gave calls 0 and total -10, the puts alone). */
static void gex_one_side_missing_and_flip_at_zero(void **state) {
  (void)state;
  g6_leg legs[] = {leg(100, G6_CALL, 1, 0.01, 10), leg(110, G6_PUT, 1, 0.01, 10),
                   leg(120, G6_PUT, 1, 0.01, 5)};
  g6_gex g;
  assert_int_equal(g6_desk_gex(legs, 3, 100, 1, &g), G6_OK);
  assert_close(g.total, -5, 1e-12);
  assert_close(g.flip_strike, 110, 0);
  /* cumulative 10, 0, +5 (a call at 120): touches 0, no flip */
  legs[2].type = G6_CALL;
  assert_int_equal(g6_desk_gex(legs, 3, 100, 1, &g), G6_OK);
  assert_true(isnan(g.flip_strike));
  /* puts only; and calls whose gamma is unknown */
  assert_int_equal(g6_desk_gex(legs + 1, 1, 100, 1, &g), G6_OK);
  assert_true(isnan(g.calls) && isnan(g.total));
  assert_close(g.puts, -10, 1e-12);
  legs[0].gamma = legs[2].gamma = NAN;
  assert_int_equal(g6_desk_gex(legs, 3, 100, 1, &g), G6_OK);
  assert_true(isnan(g.calls) && isnan(g.total));
  assert_int_equal(g.missing, 2);
}

static void buildup_on_each_side_of_the_band(void **state) {
  (void)state;
  /* price band: max(0.05, 0.5 % of 100) = 0.5; OI band: max(1, 0.5 % of
   * 10000) = 50 */
  struct {
    double p0, p1, o0, o1;
    g6_buildup want;
  } v[] = {
      {100, 101, 10000, 10100, G6_BUILDUP_LONG},
      {100, 99, 10000, 10100, G6_BUILDUP_SHORT},
      {100, 101, 10000, 9900, G6_BUILDUP_SHORT_COVERING},
      {100, 99, 10000, 9900, G6_BUILDUP_LONG_UNWINDING},
      {100, 100.5, 10000, 10100, G6_BUILDUP_NONE}, /* price on the band */
      {100, 100.51, 10000, 10100, G6_BUILDUP_LONG},
      {100, 101, 10000, 10050, G6_BUILDUP_NONE},   /* OI on the band */
      {100, 101, 10000, 10051, G6_BUILDUP_LONG},
      {0.1, 0.14, 10, 12, G6_BUILDUP_NONE}, /* a tick below 0.05 */
      {0.1, 0.16, 10, 12, G6_BUILDUP_LONG},
      {NAN, 101, 10000, 10100, G6_BUILDUP_NONE},
  };
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    g6_buildup b = g6_buildup_classify(v[i].p0, v[i].p1, v[i].o0, v[i].o1,
                                       NULL);
    if (b != v[i].want)
      fail_msg("vector %zu: %s, want %s", i, g6_buildup_name(b),
               g6_buildup_name(v[i].want));
  }
  assert_string_equal(g6_buildup_name(G6_BUILDUP_SHORT_COVERING),
                      "short_covering");
}

/* OI in Kite's units (quantity = contracts x lot): the exposure of the
 * quantity with lot 1 is the gamma x contracts x lot x S^2 x 1 %,
 * for the lot sizes of the instrument list (NIFTY 75, BANKNIFTY 35,
 * SENSEX 20). */
static void gex_in_quantity_equals_contracts_times_lot(void **state) {
  (void)state;
  const double lots[] = {75, 35, 20};
  for (size_t k = 0; k < 3; k++) {
    double lot = lots[k];
    g6_leg qty[] = {leg(23900, G6_PUT, 1, 0.0004, 1200 * lot),
                    leg(24000, G6_CALL, 1, 0.0006, 700 * lot),
                    leg(24000, G6_PUT, 1, 0.0006, 900 * lot),
                    leg(24100, G6_CALL, 1, 0.0004, 2100 * lot)};
    g6_leg contracts[4];
    for (size_t i = 0; i < 4; i++) {
      contracts[i] = qty[i];
      contracts[i].oi = qty[i].oi / lot;
    }
    g6_gex a, b;
    assert_int_equal(g6_desk_gex(qty, 4, 24000, 1, &a), G6_OK);
    assert_int_equal(g6_desk_gex(contracts, 4, 24000, lot, &b), G6_OK);
    /* by hand: S^2 x 1 % = 5,760,000; calls 0.0006 x 700 + 0.0004 x 2100
     * = 1.26, puts 0.0004 x 1200 + 0.0006 x 900 = 1.02 (contracts) */
    assert_close(b.calls, 1.26 * lot * 5.76e6, 1e-6 * lot);
    assert_close(b.puts, -1.02 * lot * 5.76e6, 1e-6 * lot);
    assert_close(a.total, b.total, 1e-6 * lot);
    assert_close(a.total, 0.24 * lot * 5.76e6, 1e-6 * lot);
    assert_close(a.flip_strike, b.flip_strike, 1e-9);
  }
}

static void buildup_counts_by_side(void **state) {
  (void)state;
  g6_leg legs[6];
  /* CE 24000: 100 -> 102, OI 10000 -> 10600: long build-up */
  legs[0] = leg(24000, G6_CALL, 102, NAN, 10600);
  legs[0].last_prev = 100;
  legs[0].oi_prev = 10000;
  /* CE 24050: 80 -> 79, OI 10000 -> 9000: long unwinding */
  legs[1] = leg(24050, G6_CALL, 79, NAN, 9000);
  legs[1].last_prev = 80;
  legs[1].oi_prev = 10000;
  /* CE 24100: price inside the band (0.5 % of 60 = 0.3): none */
  legs[2] = leg(24100, G6_CALL, 60.2, NAN, 12000);
  legs[2].last_prev = 60;
  legs[2].oi_prev = 10000;
  /* PE 24000: 90 -> 85, OI up: short build-up */
  legs[3] = leg(24000, G6_PUT, 85, NAN, 11000);
  legs[3].last_prev = 90;
  legs[3].oi_prev = 10000;
  /* PE 23950: 70 -> 75, OI down: short covering */
  legs[4] = leg(23950, G6_PUT, 75, NAN, 9500);
  legs[4].last_prev = 70;
  legs[4].oi_prev = 10000;
  /* PE 23900: no previous cycle (first seen now): unknown, not "none" */
  legs[5] = leg(23900, G6_PUT, 50, NAN, 9000);
  g6_buildup_counts c;
  assert_int_equal(g6_desk_buildup(legs, 6, NULL, &c), G6_OK);
  assert_int_equal(c.n[0][G6_BUILDUP_LONG], 1);
  assert_int_equal(c.n[0][G6_BUILDUP_LONG_UNWINDING], 1);
  assert_int_equal(c.n[0][G6_BUILDUP_NONE], 1);
  assert_int_equal(c.n[0][G6_BUILDUP_SHORT], 0);
  assert_int_equal(c.n[1][G6_BUILDUP_SHORT], 1);
  assert_int_equal(c.n[1][G6_BUILDUP_SHORT_COVERING], 1);
  assert_int_equal(c.unknown[0], 0);
  assert_int_equal(c.unknown[1], 1);
  /* a wider band (2 % of the price, an OI floor of 1,000 units) holds
   * every change above: +2 on 100, -1 on 80, +1,000 and -500 units */
  g6_buildup_band wide = {0.05, 0.02, 1000, 0.005};
  assert_int_equal(g6_desk_buildup(legs, 6, &wide, &c), G6_OK);
  assert_int_equal(c.n[0][G6_BUILDUP_NONE], 3);
  assert_int_equal(c.n[1][G6_BUILDUP_NONE], 2);
  assert_int_equal(c.n[0][G6_BUILDUP_LONG] + c.n[0][G6_BUILDUP_LONG_UNWINDING] +
                       c.n[1][G6_BUILDUP_SHORT] +
                       c.n[1][G6_BUILDUP_SHORT_COVERING],
                   0);
  assert_int_equal(c.unknown[1], 1);
  assert_int_equal(g6_desk_buildup(NULL, 1, NULL, &c), G6_EINVAL);
}

static void oi_change_since_the_open(void **state) {
  (void)state;
  g6_leg legs[] = {leg(24000, G6_CALL, 1, NAN, 10600),
                   leg(24050, G6_CALL, 1, NAN, 9000),
                   leg(24000, G6_PUT, 1, NAN, 11000),
                   leg(23950, G6_PUT, 1, NAN, NAN)};
  legs[0].oi_open = 10000;
  legs[1].oi_open = 9750;
  legs[2].oi_open = 10000;
  legs[3].oi_open = 5000; /* OI unknown now: skipped, counted */
  g6_oi_change c;
  assert_int_equal(g6_desk_oi_change(legs, 4, &c), G6_OK);
  assert_close(c.call, 600 - 750, 0);
  assert_close(c.put, 1000, 0);
  assert_int_equal(c.call_legs, 2);
  assert_int_equal(c.put_legs, 1);
  assert_int_equal(c.missing, 1);
  /* no baseline at all: unknown, never 0 */
  legs[2].oi_open = NAN;
  assert_int_equal(g6_desk_oi_change(legs + 2, 2, &c), G6_OK);
  assert_true(isnan(c.call) && isnan(c.put));
  assert_int_equal(c.missing, 2);
}

static void iv_rank_at_the_edges(void **state) {
  (void)state;
  double h[11];
  for (int i = 0; i <= 10; i++)
    h[i] = 0.10 + 0.01 * i; /* 0.10 .. 0.20 */
  g6_iv_rank r;
  g6_desk_iv_rank(h, 11, 0.10, 5, &r);
  assert_close(r.rank, 0, 1e-12);
  assert_close(r.percentile, 0, 0);
  g6_desk_iv_rank(h, 11, 0.20, 5, &r);
  assert_close(r.rank, 1, 1e-12);
  assert_close(r.percentile, 10.0 / 11, 1e-15);
  g6_desk_iv_rank(h, 11, 0.15, 5, &r);
  assert_close(r.rank, 0.5, 1e-12);
  assert_close(r.percentile, 5.0 / 11, 1e-15);
  assert_int_equal(r.days, 11);
  /* beyond the history: outside [0, 1], reported as is */
  g6_desk_iv_rank(h, 11, 0.25, 5, &r);
  assert_close(r.rank, 1.5, 1e-12);
  /* not enough history yet: unknown, with the days counted */
  g6_desk_iv_rank(h, 4, 0.15, 5, &r);
  assert_true(isnan(r.rank) && isnan(r.percentile));
  assert_int_equal(r.days, 4);
  /* a flat history has no range */
  double flat[6] = {0.12, 0.12, 0.12, NAN, 0.12, 0.12};
  g6_desk_iv_rank(flat, 6, 0.12, 5, &r);
  assert_int_equal(r.days, 5);
  assert_true(isnan(r.rank));
  assert_close(r.percentile, 0, 0);
  g6_desk_iv_rank(h, 11, NAN, 5, &r);
  assert_true(isnan(r.rank));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(straddle_and_move),
      cmocka_unit_test(gex_sum_sign_and_flip),
      cmocka_unit_test(gex_one_side_missing_and_flip_at_zero),
      cmocka_unit_test(buildup_on_each_side_of_the_band),
      cmocka_unit_test(gex_in_quantity_equals_contracts_times_lot),
      cmocka_unit_test(buildup_counts_by_side),
      cmocka_unit_test(oi_change_since_the_open),
      cmocka_unit_test(iv_rank_at_the_edges),
  };
  return G6_RUN_TESTS(tests);
}
