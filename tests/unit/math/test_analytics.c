#include "g6_test.h"

#include <float.h>

#include "math/analytics.h"

static g6_leg leg(double K, g6_opt_type ty, double oi, double vol) {
  g6_leg l = g6_leg_make(K, ty, 1000, 7.0 / 365);
  l.oi = oi;
  l.volume = vol;
  return l;
}

/* strikes 100/110/120 around spot 110:
 *          call OI  put OI  call vol  put vol
 *   100      10       5       100       70
 *   110      20      15       200      140
 *   120       5      30        50      (unknown)
 * PCR by OI 50/35; by volume 210/350 with one volume missing.
 * pain(100) = 15·10 + 30·20 = 750; pain(110) = 10·10 + 30·10 = 400;
 * pain(120) = 10·20 + 20·10 = 400: a tie, the lower strike 110 wins. */
static void small_chain(g6_leg *c) {
  c[0] = leg(100, G6_CALL, 10, 100);
  c[1] = leg(100, G6_PUT, 5, 70);
  c[2] = leg(110, G6_CALL, 20, 200);
  c[3] = leg(110, G6_PUT, 15, 140);
  c[4] = leg(120, G6_CALL, 5, 50);
  c[5] = leg(120, G6_PUT, 30, NAN);
}

static void pcr(void **state) {
  (void)state;
  g6_leg c[6];
  small_chain(c);
  g6_pcr p;
  assert_int_equal(g6_chain_pcr(c, 6, -INFINITY, INFINITY, &p), G6_OK);
  assert_close(p.by_oi, 50.0 / 35.0, 1e-15);
  assert_close(p.by_volume, 210.0 / 350.0, 1e-15);
  assert_int_equal(p.legs, 6);
  assert_int_equal(p.missing_oi, 0);
  assert_int_equal(p.missing_volume, 1);
  /* window 105..125: strikes 110 and 120 only */
  assert_int_equal(g6_chain_pcr(c, 6, 105, 125, &p), G6_OK);
  assert_close(p.by_oi, 45.0 / 25.0, 1e-15);
  assert_int_equal(p.legs, 4);
  /* no calls: undefined, not 0 or infinity */
  assert_int_equal(g6_chain_pcr(c + 5, 1, -INFINITY, INFINITY, &p), G6_OK);
  assert_true(isnan(p.by_oi) && isnan(p.by_volume));
  /* no put with the value (the puts' quotes missing): their total is
   * unknown, the ratio NaN, not 0 (a reviewer's calls-only snapshot read
   * PCR 0) */
  g6_leg calls[3] = {c[0], c[2], c[4]};
  assert_int_equal(g6_chain_pcr(calls, 3, -INFINITY, INFINITY, &p), G6_OK);
  assert_true(isnan(p.by_oi) && isnan(p.by_volume));
  g6_leg no_put_oi[6];
  small_chain(no_put_oi);
  no_put_oi[1].oi = no_put_oi[3].oi = no_put_oi[5].oi = NAN;
  assert_int_equal(g6_chain_pcr(no_put_oi, 6, -INFINITY, INFINITY, &p), G6_OK);
  assert_true(isnan(p.by_oi));
  assert_close(p.by_volume, 210.0 / 350.0, 1e-15); /* volumes still known */
  /* puts known with 0 OI are a known 0 */
  no_put_oi[1].oi = no_put_oi[3].oi = no_put_oi[5].oi = 0;
  assert_int_equal(g6_chain_pcr(no_put_oi, 6, -INFINITY, INFINITY, &p), G6_OK);
  assert_close(p.by_oi, 0, 0);
  assert_int_equal(g6_chain_pcr(NULL, 3, 0, 1, &p), G6_EINVAL);
}

static void max_pain(void **state) {
  (void)state;
  g6_leg c[7];
  small_chain(c);
  g6_max_pain m;
  assert_int_equal(g6_chain_max_pain(c, 6, -INFINITY, INFINITY, &m), G6_OK);
  assert_close(m.strike, 110, 0);
  assert_close(m.pain, 400, 0);
  assert_int_equal(m.candidates, 3);
  /* the same chain unsorted (quadratic path) gives the same answer */
  g6_leg u[6] = {c[4], c[1], c[5], c[2], c[0], c[3]};
  assert_int_equal(g6_chain_max_pain(u, 6, -INFINITY, INFINITY, &m), G6_OK);
  assert_close(m.strike, 110, 0);
  assert_close(m.pain, 400, 0);
  assert_int_equal(m.candidates, 3);
  /* more call OI at 100 moves it down: pain(100) = 750, pain(110) = 10·40 +
   * 300 = 700, pain(120) = 20·40 + 10·20 = 1000 */
  c[0].oi = 40;
  assert_int_equal(g6_chain_max_pain(c, 6, -INFINITY, INFINITY, &m), G6_OK);
  assert_close(m.strike, 110, 0);
  assert_close(m.pain, 700, 0);
  c[0].oi = 10;
  /* a leg without OI is skipped and counted, never taken as 0 */
  c[6] = leg(130, G6_PUT, NAN, 1);
  assert_int_equal(g6_chain_max_pain(c, 7, -INFINITY, INFINITY, &m), G6_OK);
  assert_int_equal(m.missing_oi, 1);
  assert_int_equal(m.candidates, 4); /* 130 is a candidate settlement */
  assert_close(m.strike, 110, 0);
  /* window 115..135: strikes 120 and 130, OI only at 120 */
  assert_int_equal(g6_chain_max_pain(c, 7, 115, 135, &m), G6_OK);
  assert_close(m.strike, 120, 0);
  /* nothing with OI */
  assert_int_equal(g6_chain_max_pain(c + 6, 1, -INFINITY, INFINITY, &m),
                   G6_ENOENT);
  assert_true(isnan(m.strike));
  /* OI known but 0 everywhere: every strike ties at 0 (it returned the
   * lowest strike); calls only or puts only: an end of the window wins by
   * construction. No max pain then. */
  g6_leg z[6];
  small_chain(z);
  for (int i = 0; i < 6; i++)
    z[i].oi = 0;
  assert_int_equal(g6_chain_max_pain(z, 6, -INFINITY, INFINITY, &m), G6_ENOENT);
  assert_true(isnan(m.strike));
  small_chain(z);
  z[1].oi = z[3].oi = z[5].oi = 0; /* no put OI */
  assert_int_equal(g6_chain_max_pain(z, 6, -INFINITY, INFINITY, &m), G6_ENOENT);
  assert_true(isnan(m.strike));
  small_chain(z);
  z[0].oi = z[2].oi = z[4].oi = NAN; /* no call OI known */
  assert_int_equal(g6_chain_max_pain(z, 6, -INFINITY, INFINITY, &m), G6_ENOENT);
  assert_true(isnan(m.strike));
}

/* The sorted sweep equals the quadratic definition on random chains. */
static void max_pain_sweep_matches_definition(void **state) {
  (void)state;
  g6_leg c[80], u[80];
  srand(42);
  for (int rep = 0; rep < 200; rep++) {
    for (int i = 0; i < 80; i++) {
      c[i] = leg(20000 + 50 * (i / 2), i % 2 ? G6_PUT : G6_CALL,
                 (double)(rand() % 100000), 0);
      if (rand() % 13 == 0)
        c[i].oi = NAN;
    }
    g6_max_pain a, b;
    g6_chain_max_pain(c, 80, -INFINITY, INFINITY, &a);
    for (int i = 0; i < 80; i++) /* reversed order: quadratic path */
      u[i] = c[79 - i];
    g6_chain_max_pain(u, 80, -INFINITY, INFINITY, &b);
    assert_close(a.strike, b.strike, 0);
    assert_close(a.pain, b.pain, 0);
    assert_int_equal(a.candidates, 40);
  }
}

/* OI near 2^53 (integers, so the doubles are exact): calls at 24000..24150
 * c0..c3, puts the mirror (put at 24000 + 50 j = c[3 - j]). pain(24050) and
 * pain(24100) are equal (Python, exact integers: 1801439861283544300 for
 * both; 2702159791195738000 at 24000 and 24150), so the lower, 24050, is
 * max pain; differencing sums of OI
 * x strike near 2e20 rounded the tie to 24100, in both the sorted sweep and
 * the quadratic path. A negative OI is missing, not a weight. */
static void max_pain_exact_with_huge_oi(void **state) {
  (void)state;
  const double c[4] = {9007199313098606.0, 9007199286375068.0,
                       9007199311868806.0, 9007199321400392.0};
  g6_leg l[9], u[8];
  for (int j = 0; j < 4; j++) {
    l[2 * j] = leg(24000 + 50 * j, G6_CALL, c[j], 0);
    l[2 * j + 1] = leg(24000 + 50 * j, G6_PUT, c[3 - j], 0);
  }
  g6_max_pain m;
  assert_int_equal(g6_chain_max_pain(l, 8, -INFINITY, INFINITY, &m), G6_OK);
  assert_close(m.strike, 24050, 0);
  /* 1801439861283544300 exactly; a sum of terms >= 0, a few ulps off */
  assert_close(m.pain, 1801439861283544300.0, 1e4);
  assert_int_equal(m.candidates, 4);
  for (int i = 0; i < 8; i++)
    u[i] = l[7 - i];
  assert_int_equal(g6_chain_max_pain(u, 8, -INFINITY, INFINITY, &m), G6_OK);
  assert_close(m.strike, 24050, 0);
  /* a negative OI (a bad quote) is skipped and counted */
  l[8] = leg(24200, G6_PUT, -1e18, 0);
  assert_int_equal(g6_chain_max_pain(l, 9, -INFINITY, INFINITY, &m), G6_OK);
  assert_close(m.strike, 24050, 0);
  assert_int_equal(m.missing_oi, 1);
}

static void support_resistance(void **state) {
  (void)state;
  g6_leg c[10];
  small_chain(c);
  c[6] = leg(90, G6_PUT, 40, 0);
  c[7] = leg(95, G6_PUT, 5, 0); /* ties 100's OI: 100 is nearer to 110 */
  c[8] = leg(130, G6_CALL, 50, 0);
  c[9] = leg(140, G6_CALL, 0, 0); /* zero OI is no level */
  g6_oi_level s[3], r[3];
  size_t ns, nr;
  assert_int_equal(
      g6_chain_support_resistance(c, 10, 110, 3, s, &ns, r, &nr), G6_OK);
  assert_int_equal(ns, 3);
  assert_close(s[0].strike, 90, 0);
  assert_close(s[1].strike, 100, 0);
  assert_close(s[2].strike, 95, 0);
  assert_int_equal(nr, 2); /* calls above 110: 130 (50), 120 (5) */
  assert_close(r[0].strike, 130, 0);
  assert_close(r[0].oi, 50, 0);
  assert_close(r[1].strike, 120, 0);
  assert_int_equal(g6_chain_support_resistance(c, 10, 110, 1, s, &ns, r, &nr),
                   G6_OK);
  assert_int_equal(ns, 1);
  assert_close(s[0].strike, 90, 0);
  assert_int_equal(
      g6_chain_support_resistance(c, 10, 110, 2, NULL, &ns, r, &nr),
      G6_EINVAL);
}

static g6_leg ivleg(double K, g6_opt_type ty, double iv) {
  g6_leg l = g6_leg_make(K, ty, 1000, 30.0 / 365);
  l.iv = iv;
  return l;
}

/* put 100 .25, call 100 .30, put 110 .22, call 110 .20, call 120 .18,
 * put 120 .50. At F = 112: 110 (OTM put .22) and 120 (OTM call .18):
 * .22 + 0.2·(.18 - .22) = .212. At F = 110: mean of both legs, .21. */
static void atm_iv(void **state) {
  (void)state;
  g6_leg c[6] = {ivleg(100, G6_PUT, .25),  ivleg(100, G6_CALL, .30),
                 ivleg(110, G6_PUT, .22),  ivleg(110, G6_CALL, .20),
                 ivleg(120, G6_CALL, .18), ivleg(120, G6_PUT, .50)};
  double iv;
  assert_int_equal(g6_chain_atm_iv(c, 6, 112, &iv), G6_OK);
  assert_close(iv, 0.212, 1e-15);
  assert_int_equal(g6_chain_atm_iv(c, 6, 110, &iv), G6_OK);
  assert_close(iv, 0.21, 1e-15);
  assert_int_equal(g6_chain_atm_iv(c, 6, 100, &iv), G6_OK);
  assert_close(iv, 0.275, 1e-15);
  /* never extrapolated */
  assert_int_equal(g6_chain_atm_iv(c, 6, 125, &iv), G6_ENOENT);
  assert_true(isnan(iv));
  assert_int_equal(g6_chain_atm_iv(c, 6, 99.99, &iv), G6_ENOENT);
  /* the OTM leg missing: the other leg at that strike */
  c[2].iv = NAN;
  assert_int_equal(g6_chain_atm_iv(c, 6, 112, &iv), G6_OK);
  assert_close(iv, 0.20 + 0.2 * (0.18 - 0.20), 1e-15);
}

static g6_leg dleg(double K, g6_opt_type ty, double delta, double iv) {
  g6_leg l = ivleg(K, ty, iv);
  l.delta = delta;
  return l;
}

/* call25 between deltas .3 (.20) and .2 (.22): .21; put25 between -.3
 * (.24) and -.2 (.26): .25; ATM at F = 100 is the put at 100, .21.
 * RR = .21 - .25 = -.04; BF = (.21 + .25)/2 - .21 = .02. */
static void skew25(void **state) {
  (void)state;
  g6_leg c[8] = {dleg(95, G6_CALL, .6, .18),  dleg(105, G6_CALL, .4, .19),
                 dleg(110, G6_CALL, .3, .20), dleg(115, G6_CALL, .2, .22),
                 dleg(85, G6_PUT, -.1, .30),  dleg(90, G6_PUT, -.2, .26),
                 dleg(95, G6_PUT, -.3, .24),  dleg(100, G6_PUT, -.5, .21)};
  g6_skew25 s;
  assert_int_equal(g6_chain_skew25(c, 8, 100, &s), G6_OK);
  assert_close(s.call25_iv, 0.21, 1e-15);
  assert_close(s.put25_iv, 0.25, 1e-15);
  assert_close(s.atm_iv, 0.21, 1e-15);
  assert_close(s.rr25, -0.04, 1e-15);
  assert_close(s.bf25, 0.02, 1e-15);
  /* no call below 25 delta: not bracketed, not extrapolated */
  assert_int_equal(g6_chain_skew25(c, 3, 100, &s), G6_ENOENT);
  assert_true(isnan(s.call25_iv) && isnan(s.rr25));
}

/* A bad far out-of-the-money quote (call 115 at IV .45, delta .26; put 85
 * at IV .50, delta -.27) makes the deltas cross +-0.25 again; the crossing
 * nearest the money is the 25-delta point (reference: the adjacent-strike
 * pair, in strike order, nearest the money, computed in Python):
 *   call25 between 105 (.30, .19) and 110 (.20, .18): .185
 *   put25  between 95 (-.30, .22) and 90 (-.20, .24): .23
 * The old "largest delta below, smallest above" picked 110 and 115 (.405)
 * and 85 and 90 (.4257). A leg exactly at the target is the point. */
static void skew25_non_monotone_delta(void **state) {
  (void)state;
  g6_leg c[10] = {dleg(100, G6_CALL, .50, .20), dleg(105, G6_CALL, .30, .19),
                  dleg(110, G6_CALL, .20, .18), dleg(115, G6_CALL, .26, .45),
                  dleg(120, G6_CALL, .05, .17), dleg(80, G6_PUT, -.05, .30),
                  dleg(85, G6_PUT, -.27, .50),  dleg(90, G6_PUT, -.20, .24),
                  dleg(95, G6_PUT, -.30, .22),  dleg(100, G6_PUT, -.50, .21)};
  g6_skew25 s;
  assert_int_equal(g6_chain_skew25(c, 10, 100, &s), G6_OK);
  assert_close(s.call25_iv, 0.185, 1e-15);
  assert_close(s.put25_iv, 0.23, 1e-15);
  assert_close(s.rr25, -0.045, 1e-15);
  /* the same legs out of strike order */
  g6_leg r[10];
  for (size_t i = 0; i < 10; i++)
    r[i] = c[(i * 3) % 10];
  assert_int_equal(g6_chain_skew25(r, 10, 100, &s), G6_OK);
  assert_close(s.call25_iv, 0.185, 1e-15);
  assert_close(s.put25_iv, 0.23, 1e-15);
  /* one call, exactly at 25 delta; no put bracketed */
  g6_leg one[1] = {dleg(110, G6_CALL, .25, .19)};
  assert_int_equal(g6_chain_skew25(one, 1, 100, &s), G6_ENOENT);
  assert_close(s.call25_iv, 0.19, 0);
  assert_true(isnan(s.put25_iv) && isnan(s.rr25));
}

static void term_structure(void **state) {
  (void)state;
  g6_leg c[6];
  c[0] = g6_leg_make(90, G6_PUT, 2000, 30.0 / 365);
  c[1] = g6_leg_make(95, G6_PUT, 1000, 7.0 / 365);
  c[2] = g6_leg_make(110, G6_CALL, 2000, 30.0 / 365);
  c[3] = g6_leg_make(105, G6_CALL, 1000, 7.0 / 365);
  c[4] = g6_leg_make(120, G6_CALL, 3000, 90.0 / 365);
  c[5] = g6_leg_make(130, G6_CALL, 3000, 90.0 / 365);
  double ivs[6] = {.28, .30, .24, .20, .19, .18};
  for (int i = 0; i < 6; i++)
    c[i].iv = ivs[i];
  g6_term_point p[3];
  size_t n;
  /* S = 100, r = q: F = 100 for every expiry */
  assert_int_equal(g6_chain_term_structure(c, 6, 100, 0.05, 0.05, p, 3, &n),
                   G6_OK);
  assert_int_equal(n, 3);
  assert_int_equal(p[0].expiry, 1000);
  assert_close(p[0].T, 7.0 / 365, 0);
  assert_int_equal(p[0].status, G6_OK);
  assert_close(p[0].atm_iv, 0.25, 1e-15);
  assert_int_equal(p[1].expiry, 2000);
  assert_close(p[1].atm_iv, 0.26, 1e-15);
  assert_int_equal(p[2].expiry, 3000); /* strikes 120/130 cannot bracket 100 */
  assert_int_equal(p[2].status, G6_ENOENT);
  assert_true(isnan(p[2].atm_iv));
  /* the forward moves with r - q */
  assert_int_equal(g6_chain_term_structure(c, 6, 100, 0.1, 0, p, 3, &n),
                   G6_OK);
  assert_close(p[1].forward, 100 * exp(0.1 * 30.0 / 365), 1e-12);
  assert_int_equal(g6_chain_term_structure(c, 6, 100, 0, 0, p, 2, &n),
                   G6_ETOOBIG);
  assert_int_equal(n, 2);
}

/* Reference §4.8 edges, exactly: with S = 24000, K = 19200 is mny = -0.20
 * (deep_itm: "mny <= -0.20"), 22800 is -0.05 (atm: "-0.05 <= mny"), 25200
 * is +0.05 (otm) and 28800 is +0.20 (deep_otm). Naive K/S - 1 in doubles
 * puts 19200 and 22800 in the next bucket up. */
static void bucket_edges(void **state) {
  (void)state;
  const struct {
    double K;
    int b;
  } m[] = {{19150, G6_MNY_DEEP_ITM}, {19200, G6_MNY_DEEP_ITM},
           {19250, G6_MNY_ITM},      {22750, G6_MNY_ITM},
           {22800, G6_MNY_ATM},      {24000, G6_MNY_ATM},
           {25150, G6_MNY_ATM},      {25200, G6_MNY_OTM},
           {28750, G6_MNY_OTM},      {28800, G6_MNY_DEEP_OTM},
           {40000, G6_MNY_DEEP_OTM}};
  for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
    if (g6_mny_bucket(m[i].K, 24000) != m[i].b)
      fail_msg("K=%g: bucket %s, want %s", m[i].K,
               g6_mny_bucket_name(g6_mny_bucket(m[i].K, 24000)),
               g6_mny_bucket_name(m[i].b));
  /* non-round spot: K/S - 1 = -0.05 exactly at K = 0.95 S */
  assert_int_equal(g6_mny_bucket(0.95 * 25012.5, 25012.5), G6_MNY_ATM);
  assert_int_equal(g6_mny_bucket(NAN, 24000), -1);
  assert_int_equal(g6_mny_bucket(100, 0), -1);
  assert_int_equal(g6_mny_bucket(-5, 24000), -1);
  const struct {
    double days;
    int b;
  } d[] = {{0, G6_DTE_ULTRA_SHORT}, {0.999, G6_DTE_ULTRA_SHORT},
           {1, G6_DTE_SHORT},       {6.999, G6_DTE_SHORT},
           {7, G6_DTE_MEDIUM},      {29.99, G6_DTE_MEDIUM},
           {30, G6_DTE_LONG},       {89.9, G6_DTE_LONG},
           {90, G6_DTE_LEAP},       {400, G6_DTE_LEAP}};
  for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++)
    if (g6_dte_bucket(d[i].days / 365.0) != d[i].b)
      fail_msg("%g days: bucket %s, want %s", d[i].days,
               g6_dte_bucket_name(g6_dte_bucket(d[i].days / 365.0)),
               g6_dte_bucket_name(d[i].b));
  /* one second before 7 days is still short */
  assert_int_equal(g6_dte_bucket((7 * 86400.0 - 1) / (365 * 86400.0)),
                   G6_DTE_SHORT);
  assert_int_equal(g6_dte_bucket(-1e-9), -1);
  assert_int_equal(g6_dte_bucket(NAN), -1);
  assert_string_equal(g6_mny_bucket_name(G6_MNY_DEEP_OTM), "deep_otm");
  assert_string_equal(g6_dte_bucket_name(G6_DTE_ULTRA_SHORT), "ultra_short");
  assert_string_equal(g6_dte_bucket_name(9), "unknown");
}

static void buckets(void **state) {
  (void)state;
  g6_leg c[6];
  c[0] = leg(19200, G6_PUT, 100, 10); /* deep_itm, 7 d = medium */
  c[0].iv = 0.30;
  c[0].bid = 9;
  c[0].ask = 11; /* 2 / 10 = 2000 bps */
  c[1] = leg(19000, G6_CALL, NAN, 5); /* deep_itm medium, OI unknown */
  c[1].iv = 0.40;
  c[1].bid = 0; /* no bid: no spread */
  c[1].ask = 3;
  c[2] = leg(24000, G6_CALL, 7, NAN); /* atm medium */
  c[2].bid = 100;
  c[2].ask = 101; /* 1 / 100.5 */
  c[3] = leg(24000, G6_PUT, 3, 1);
  c[3].T = 0.5 / 365; /* atm ultra_short */
  c[4] = leg(NAN, G6_PUT, 3, 1); /* no strike */
  c[5] = leg(25000, G6_PUT, 3, 1);
  c[5].T = NAN; /* no T */
  g6_bucket_table t;
  assert_int_equal(g6_chain_buckets(c, 6, 24000, &t), G6_OK);
  assert_int_equal(t.unbucketed, 2);
  g6_bucket_cell *a = &t.cell[G6_MNY_DEEP_ITM][G6_DTE_MEDIUM];
  assert_int_equal(a->contracts, 2);
  assert_close(a->oi, 100, 0);
  assert_int_equal(a->n_oi, 1);
  assert_close(a->volume, 15, 0);
  assert_close(a->iv_mean, 0.35, 1e-15);
  assert_close(a->spread_bps, 2000, 1e-9);
  assert_int_equal(a->n_spread, 1);
  g6_bucket_cell *b = &t.cell[G6_MNY_ATM][G6_DTE_MEDIUM];
  assert_int_equal(b->contracts, 1);
  assert_close(b->volume, 0, 0);
  assert_int_equal(b->n_volume, 0);
  assert_true(isnan(b->iv_mean)); /* unknown, not 0 */
  assert_close(b->spread_bps, 1e4 / 100.5, 1e-9);
  assert_int_equal(t.cell[G6_MNY_ATM][G6_DTE_ULTRA_SHORT].contracts, 1);
  assert_int_equal(t.cell[G6_MNY_OTM][G6_DTE_MEDIUM].contracts, 0);
  assert_true(isnan(t.cell[G6_MNY_OTM][G6_DTE_MEDIUM].iv_mean));
}

static void net_greeks(void **state) {
  (void)state;
  g6_leg c[3];
  c[0] = leg(24000, G6_CALL, 10, 0);
  c[1] = leg(24100, G6_PUT, 20, 0);
  c[2] = leg(24000, G6_PUT, 5, 0);
  double g[2][5] = {{0.5, 0.001, -10, 12, 3}, {-0.3, 0.002, -8, 11, -2}};
  for (int i = 0; i < 2; i++) {
    c[i].delta = g[i][0];
    c[i].gamma = g[i][1];
    c[i].theta = g[i][2];
    c[i].vega = g[i][3];
    c[i].rho = g[i][4];
  }
  c[2].delta = -0.4; /* other Greeks unknown: skipped */
  g6_greek_table t;
  assert_int_equal(g6_chain_net_greeks(c, 3, 24000, &t), G6_OK);
  assert_int_equal(t.missing_greeks, 1);
  g6_greek_cell *a = &t.cell[G6_MNY_ATM][G6_DTE_MEDIUM];
  assert_int_equal(a->legs, 2);
  assert_close(a->delta, 0.2, 1e-15);
  assert_close(a->gamma, 0.003, 1e-15);
  assert_close(a->theta, -18, 0);
  assert_close(a->oi_delta, 10 * 0.5 - 20 * 0.3, 1e-12);
  assert_close(a->oi_vega, 10 * 12 + 20 * 11, 1e-12);
  assert_close(a->oi_rho, 30 - 40, 1e-12);
}

/* S = 100, default edges -20,-10,-5,0,5,10,20 (percent): buckets
 * 0 (-inf,-20] 1 (-20,-10] 2 (-10,-5] 3 (-5,0] 4 (0,5] 5 (5,10] 6 (10,20]
 * 7 (20,inf). K = 80 is exactly -20 % (bucket 0), K = 90 exactly -10 %
 * (bucket 1), K = 100 exactly 0 (bucket 3). */
static void vol_surface(void **state) {
  (void)state;
  struct {
    double K, iv;
  } d[] = {{75, .40}, {80, .36}, {85, .32}, {90, .30},
           {97, .24}, {100, .22}, {104, .20}, {125, .26}};
  g6_leg c[10];
  for (int i = 0; i < 8; i++)
    c[i] = ivleg(d[i].K, i % 2 ? G6_PUT : G6_CALL, d[i].iv);
  c[8] = ivleg(101, G6_CALL, NAN); /* no IV: skipped */
  c[9] = ivleg(95, G6_PUT, .5);
  c[9].expiry = 2000; /* second row */
  g6_surface s;
  assert_int_equal(g6_chain_vol_surface(c, 10, 100, NULL, 0, true, &s),
                   G6_OK);
  assert_int_equal(s.n_edges, 7);
  assert_int_equal(s.n_expiries, 2);
  assert_int_equal(s.skipped, 1);
  assert_int_equal(s.count[0][0], 2);
  assert_close(s.iv[0][0], 0.38, 1e-15);
  assert_int_equal(s.count[0][1], 2);
  assert_close(s.iv[0][1], 0.31, 1e-15);
  assert_int_equal(s.count[0][3], 2);
  assert_close(s.iv[0][3], 0.23, 1e-15);
  assert_close(s.iv[0][4], 0.20, 1e-15);
  assert_close(s.iv[0][7], 0.26, 1e-15);
  /* bucket 2 (mid -7.5) between 1 (mid -15, .31) and 3 (mid -2.5, .23) */
  assert_true(s.interpolated[0][2] && s.count[0][2] == 0);
  assert_close(s.iv[0][2], 0.31 + (7.5 / 12.5) * (0.23 - 0.31), 1e-15);
  /* buckets 5 (mid 7.5) and 6 (mid 15) between 4 (mid 2.5, .20) and the
   * open bucket 7 (its edge 20, .26) */
  assert_close(s.iv[0][5], 0.20 + (5.0 / 17.5) * 0.06, 1e-15);
  assert_close(s.iv[0][6], 0.20 + (12.5 / 17.5) * 0.06, 1e-15);
  /* second row: one point, nothing to interpolate between, no extrapolation */
  assert_int_equal(s.count[1][2], 1); /* 95 is exactly -5 % -> (-10,-5] */
  for (int b = 0; b < 8; b++)
    if (b != 2)
      assert_true(isnan(s.iv[1][b]) && !s.interpolated[1][b]);
  /* without interpolation the gaps stay empty */
  assert_int_equal(g6_chain_vol_surface(c, 10, 100, NULL, 0, false, &s),
                   G6_OK);
  assert_true(isnan(s.iv[0][2]) && !s.interpolated[0][2]);
  /* custom and invalid edges */
  double e[2] = {-1, 1};
  assert_int_equal(g6_chain_vol_surface(c, 10, 100, e, 2, false, &s), G6_OK);
  assert_int_equal(s.count[0][0], 5); /* 75..97 */
  assert_int_equal(s.count[0][1], 1); /* 100 */
  double bad[2] = {1, 1};
  assert_int_equal(g6_chain_vol_surface(c, 10, 100, bad, 2, false, &s),
                   G6_EINVAL);
  double nanedge[1] = {NAN};
  assert_int_equal(g6_chain_vol_surface(c, 10, 100, nanedge, 1, false, &s),
                   G6_EINVAL);
  assert_int_equal(g6_surface_bucket(80, 100, s.edges, 0), -1);
  /* against each expiry's forward: row 0 (expiry 1000, the legs' default)
   * at F = 125, row 1 at F = 95: 125 is 0 % (bucket 3), 95 is 0 % too;
   * 75..97 fall below -20 % and 100 is exactly -20 % (bucket 0), 104 is
   * -16.8 % (bucket 1) */
  int64_t inst[2] = {1000, 2000};
  double fwd[2] = {125, 95};
  assert_int_equal(
      g6_chain_vol_surface_fwd(c, 10, inst, fwd, 2, NULL, 0, false, &s),
      G6_OK);
  assert_int_equal(s.count[0][3], 1);
  assert_close(s.iv[0][3], 0.26, 1e-15);
  assert_int_equal(s.count[0][0], 6);
  assert_int_equal(s.count[0][1], 1);
  assert_int_equal(s.count[1][3], 1);
  assert_int_equal(s.skipped, 1);
  /* an expiry without a usable forward: its legs are skipped, not put
   * against something else */
  fwd[0] = NAN;
  assert_int_equal(
      g6_chain_vol_surface_fwd(c, 10, inst, fwd, 2, NULL, 0, false, &s),
      G6_OK);
  assert_int_equal(s.skipped, 9);
  assert_int_equal(s.count[1][3], 1);
  assert_int_equal(
      g6_chain_vol_surface_fwd(c, 10, NULL, fwd, 2, NULL, 0, false, &s),
      G6_EINVAL);
}

/* IV and Greeks for a whole chain: priced at 20 %, solved back, Greeks as
 * g6_bsm_greeks; missing and zero prices are counted, not solved. */
static void chain_iv_greeks(void **state) {
  (void)state;
  enum { N = 150 };
  static g6_leg c[N];
  double S = 24000, r = 0.065, q = 0.0;
  for (int i = 0; i < N; i++) {
    c[i] = g6_leg_make(22000 + 50 * (i / 2), i % 2 ? G6_PUT : G6_CALL, 1000,
                       (double)(1 + i % 30) / 365);
    c[i].last = g6_bsm_price(c[i].type, S, c[i].strike, c[i].T, r, q, 0.2);
    c[i].bid = c[i].last * 0.99;
    c[i].ask = c[i].last * 1.01;
  }
  c[3].last = NAN;
  c[5].last = 0;
  c[7].last = 1e9; /* above the bound */
  c[7].iv = 0.5;   /* stale result: must be cleared */
  g6_chain_iv_stats st;
  g6_iv_opts o = {0.01, 5, 0};
  assert_int_equal(g6_chain_iv_greeks(c, N, S, r, q, G6_PRICE_LAST, &o, &st),
                   G6_OK);
  assert_int_equal(st.legs, N);
  assert_int_equal(st.no_price, 2);
  assert_int_equal(st.by_status[G6_EABOVE_BOUND], 1);
  assert_true(isnan(c[7].iv) && isnan(c[7].delta));
  assert_true(isnan(c[3].iv) && isnan(c[5].iv));
  size_t solved = 0;
  for (int i = 0; i < N; i++) {
    if (i == 3 || i == 5 || i == 7)
      continue;
    double intr = fmax(0, c[i].type == G6_CALL ? S - c[i].strike * exp(-r * c[i].T)
                                               : c[i].strike * exp(-r * c[i].T) - S);
    if (isnan(c[i].iv)) { /* deep in the money, a day out: no time value */
      assert_true(c[i].last - intr <= 16 * DBL_EPSILON * fmax(S, c[i].strike));
      assert_true(isnan(c[i].delta));
      continue;
    }
    g6_greeks g;
    g6_bsm_greeks(c[i].type, S, c[i].strike, c[i].T, r, q, c[i].iv, &g);
    assert_close(c[i].delta, g.delta, 0);
    assert_close(c[i].theta, g.theta, 0);
    if (c[i].last - fmax(0, c[i].type == G6_CALL ? S - c[i].strike * exp(-r * c[i].T)
                                                 : c[i].strike * exp(-r * c[i].T) - S) >
        1e-8 * S) {
      assert_close(c[i].iv, 0.2, 1e-9);
      solved++;
    }
  }
  assert_true(solved > 100);
  assert_int_equal(st.by_status[G6_OK] + st.by_status[G6_EIV_OUT_OF_BOUNDS] +
                       st.by_status[G6_EAT_INTRINSIC],
                   N - 3);
  assert_true(st.by_status[G6_EAT_INTRINSIC] >= 1);
  /* mid prices: bid/ask symmetric around last give the same IV */
  g6_leg one = c[10];
  assert_int_equal(
      g6_chain_iv_greeks(&one, 1, S, r, q, G6_PRICE_MID, NULL, &st), G6_OK);
  assert_close(one.iv, c[10].iv, 1e-12);
  one.bid = NAN; /* MID needs both sides; MID_OR_LAST falls back */
  g6_chain_iv_greeks(&one, 1, S, r, q, G6_PRICE_MID, NULL, &st);
  assert_int_equal(st.no_price, 1);
  g6_chain_iv_greeks(&one, 1, S, r, q, G6_PRICE_MID_OR_LAST, NULL, &st);
  assert_close(one.iv, c[10].iv, 1e-15);
  assert_int_equal(g6_chain_iv_greeks(NULL, 1, S, r, q, G6_PRICE_LAST, NULL, &st),
                   G6_EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(pcr),
      cmocka_unit_test(max_pain),
      cmocka_unit_test(max_pain_sweep_matches_definition),
      cmocka_unit_test(max_pain_exact_with_huge_oi),
      cmocka_unit_test(support_resistance),
      cmocka_unit_test(atm_iv),
      cmocka_unit_test(skew25),
      cmocka_unit_test(skew25_non_monotone_delta),
      cmocka_unit_test(term_structure),
      cmocka_unit_test(bucket_edges),
      cmocka_unit_test(buckets),
      cmocka_unit_test(net_greeks),
      cmocka_unit_test(vol_surface),
      cmocka_unit_test(chain_iv_greeks),
  };
  return G6_RUN_TESTS(tests);
}
