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
      cmocka_unit_test(buildup_on_each_side_of_the_band),
      cmocka_unit_test(iv_rank_at_the_edges),
  };
  return G6_RUN_TESTS(tests);
}
