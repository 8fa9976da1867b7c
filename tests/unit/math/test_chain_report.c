/* Every analytic of a report on a chain checked by hand (numbers below). */
#include "g6_test.h"

#include "math/chain_report.h"

#define DAY (1.0 / 365)

/* Spot = ATM = forward = 100 (r = q = 0), strikes 90..110, T = 7 days:
 *
 *   K     call OI  put OI  call iv  put iv  call delta  put delta
 *   90      100     600     0.26     0.24      0.90       -0.20
 *   95      200     500     0.23     0.22      0.70       -0.30
 *   100     300     400     0.20     0.21      0.50       -0.50
 *   105     400     300     0.19     0.20      0.30       -0.70
 *   110     500     200     0.18     0.17      0.20       -0.80
 *
 * PCR within ATM +-5 % (95..105): puts 1200 / calls 900 = 4/3.
 * pain(90) 15000, pain(95) 8500, pain(100) 5500, pain(105) 6000,
 * pain(110) 10000: max pain 100.
 * Support: put OI below 100: 90 (600), 95 (500). Resistance: call OI above
 * 100: 110 (500), 105 (400).
 * ATM IV at F = 100: the mean of both legs at K = F, (0.20 + 0.21) / 2.
 * 25-delta call: between 0.30 (0.19) and 0.20 (0.18): 0.185; 25-delta put:
 * between -0.30 (0.22) and -0.20 (0.24): 0.23; RR -0.045; BF 0.2075 -
 * 0.205 = 0.0025. */
static const double K[5] = {90, 95, 100, 105, 110};
static const double coi[5] = {100, 200, 300, 400, 500};
static const double poi[5] = {600, 500, 400, 300, 200};
static const double civ[5] = {0.26, 0.23, 0.20, 0.19, 0.18};
static const double piv[5] = {0.24, 0.22, 0.21, 0.20, 0.17};
static const double cdl[5] = {0.90, 0.70, 0.50, 0.30, 0.20};
static const double pdl[5] = {-0.20, -0.30, -0.50, -0.70, -0.80};

static g6_leg mk(double k, g6_opt_type t, int64_t e, double T, double oi,
                 double iv, double delta) {
  g6_leg l = g6_leg_make(k, t, e, T);
  l.oi = oi;
  l.volume = 2 * oi;
  l.iv = iv;
  l.delta = delta;
  l.gamma = 0.01;
  l.theta = -0.1;
  l.vega = 0.05;
  l.rho = 0.01;
  l.bid = 10;
  l.ask = 10.5;
  return l;
}

/* No parity fit (g6_chain had fewer than 2 pairs, or an older snapshot). */
#define NOFIT {NAN, NAN, NAN, NAN, 0, 0}

/* Legs of the 7-day expiry (10) then of a 35-day one (2, at K = 100). */
static size_t chain(g6_leg *legs, g6_report_input *in) {
  size_t n = 0;
  for (int i = 0; i < 5; i++) {
    legs[n++] = mk(K[i], G6_CALL, 7000, 7 * DAY, coi[i], civ[i], cdl[i]);
    legs[n++] = mk(K[i], G6_PUT, 7000, 7 * DAY, poi[i], piv[i], pdl[i]);
  }
  legs[n++] = mk(100, G6_CALL, 35000, 35 * DAY, 50, 0.18, 0.5);
  legs[n++] = mk(100, G6_PUT, 35000, 35 * DAY, 70, 0.18, -0.5);
  memset(in, 0, sizeof(*in));
  in->S = 100;
  in->atm = 100;
  in->r = in->q = 0;
  in->legs = legs;
  in->n_legs = n;
  in->n_expiries = 4;
  in->ex[0] = (g6_report_expiry_input){"this_week", true, 7000, 7 * DAY,
                                       0,           10,   NOFIT};
  /* a second rule that resolved to the same expiry shares its legs */
  in->ex[1] = (g6_report_expiry_input){"this_month", true, 7000, 7 * DAY,
                                       0,            10,   NOFIT};
  in->ex[2] = (g6_report_expiry_input){"next_month", true, 35000, 35 * DAY,
                                       10,           2,    NOFIT};
  in->ex[3] =
      (g6_report_expiry_input){"next_week", false, 0, NAN, 0, 0, NOFIT};
  return n;
}

static void per_expiry(void **state) {
  (void)state;
  g6_leg legs[16];
  g6_report_input in;
  chain(legs, &in);
  g6_chain_report r;
  assert_int_equal(g6_chain_report_compute(&in, NULL, &r), G6_OK);
  assert_int_equal(r.n_expiries, 4);
  const g6_report_expiry *e = &r.ex[0];
  assert_string_equal(e->tag, "this_week");
  assert_int_equal(e->legs, 10);
  assert_close(e->days, 7, 1e-12);
  assert_close(e->forward, 100, 0);
  assert_close(e->pcr.by_oi, 1200.0 / 900.0, 1e-15);
  assert_close(e->pcr.by_volume, 1200.0 / 900.0, 1e-15);
  assert_int_equal(e->pcr.legs, 6);
  assert_close(e->max_pain.strike, 100, 0);
  assert_close(e->max_pain.pain, 5500, 0);
  assert_int_equal(e->max_pain.candidates, 5);
  assert_int_equal(e->n_support, 2);
  assert_close(g6_report_support(e), 90, 0);
  assert_close(e->support[1].strike, 95, 0);
  assert_close(g6_report_resistance(e), 110, 0);
  assert_close(e->resistance[1].strike, 105, 0);
  assert_close(e->atm_iv, 0.205, 1e-15);
  assert_close(e->skew.call25_iv, 0.185, 1e-15);
  assert_close(e->skew.put25_iv, 0.23, 1e-15);
  assert_close(e->skew.rr25, -0.045, 1e-15);
  assert_close(e->skew.bf25, 0.0025, 1e-15);
  assert_int_equal(e->surface_row, 0);
  /* the shared expiry gives the same answers */
  assert_close(r.ex[1].max_pain.strike, 100, 0);
  assert_close(r.ex[1].skew.rr25, -0.045, 1e-15);
  assert_int_equal(r.ex[1].surface_row, 0);
  /* 35 days, one strike: ATM IV yes, the 25-delta legs are not bracketed */
  e = &r.ex[2];
  assert_close(e->atm_iv, 0.18, 1e-15);
  assert_true(isnan(e->skew.rr25) && isnan(e->skew.bf25));
  assert_close(e->pcr.by_oi, 70.0 / 50.0, 1e-15);
  assert_int_equal(e->n_support, 0);
  assert_true(isnan(g6_report_support(e)));
  assert_int_equal(e->surface_row, 1);
  /* not resolved: every value unknown, nothing invented */
  e = &r.ex[3];
  assert_int_equal(e->legs, 0);
  assert_true(isnan(e->pcr.by_oi) && isnan(e->max_pain.strike) &&
              isnan(e->atm_iv) && isnan(e->skew.rr25) && isnan(e->days));
  assert_int_equal(e->surface_row, -1);
  /* a narrower window */
  g6_report_options o = {0.01, 0.01};
  assert_int_equal(g6_chain_report_compute(&in, &o, &r), G6_OK);
  assert_close(r.ex[0].pcr.by_oi, 400.0 / 300.0, 1e-15);
  assert_close(r.ex[0].max_pain.strike, 100, 0);
}

static void chain_wide(void **state) {
  (void)state;
  g6_leg legs[16];
  g6_report_input in;
  chain(legs, &in);
  g6_chain_report r;
  assert_int_equal(g6_chain_report_compute(&in, NULL, &r), G6_OK);
  /* 7 days is in [7, 30): medium; 35 days long. K 90 itm, 95 and 100 atm,
   * 105 and 110 otm (edges at -5 % and +5 % belong to atm and otm) */
  const g6_bucket_cell *c = &r.buckets.cell[G6_MNY_ATM][G6_DTE_MEDIUM];
  assert_int_equal(c->contracts, 4);
  assert_close(c->oi, 200 + 500 + 300 + 400, 0);
  assert_close(c->volume, 2.0 * 1400, 0);
  assert_close(c->iv_mean, (0.23 + 0.22 + 0.20 + 0.21) / 4, 1e-15);
  assert_close(c->spread_bps, 0.5 / 10.25 * 1e4, 1e-9);
  assert_int_equal(r.buckets.cell[G6_MNY_ITM][G6_DTE_MEDIUM].contracts, 2);
  assert_int_equal(r.buckets.cell[G6_MNY_OTM][G6_DTE_MEDIUM].contracts, 4);
  assert_int_equal(r.buckets.cell[G6_MNY_ATM][G6_DTE_LONG].contracts, 2);
  assert_int_equal(r.buckets.cell[G6_MNY_DEEP_ITM][G6_DTE_LEAP].contracts, 0);
  assert_true(isnan(r.buckets.cell[G6_MNY_DEEP_ITM][G6_DTE_LEAP].iv_mean));
  /* OI-weighted delta of atm.medium: 200·0.7 + 300·0.5 - 500·0.3 - 400·0.5 */
  const g6_greek_cell *g = &r.greeks.cell[G6_MNY_ATM][G6_DTE_MEDIUM];
  assert_int_equal(g->legs_oi, 4);
  assert_close(g->oi_delta, -60, 1e-12);
  assert_close(g->oi_gamma, 1400 * 0.01, 1e-12);
  assert_close(g->oi_theta, 1400 * -0.1, 1e-12);
  assert_close(g->oi_vega, 1400 * 0.05, 1e-12);
  /* the surface: one row per distinct expiry, each contract once */
  assert_int_equal(r.surface.n_expiries, 2);
  assert_int_equal(r.surface.count[0][3], 2); /* K = 100: (-5 %, 0 %] */
  assert_close(r.surface.iv[0][3], 0.205, 1e-15);
  assert_close(r.surface.iv[0][1], (0.26 + 0.24) / 2, 1e-15);
  assert_true(isnan(r.surface.iv[0][0]) && isnan(r.surface.iv[0][7]));
  assert_close(r.surface.iv[1][3], 0.18, 1e-15);
  assert_string_equal(g6_surface_bucket_name(0), "lt_m20");
  assert_string_equal(g6_surface_bucket_name(4), "0_p5");
  assert_string_equal(g6_surface_bucket_name(7), "gt_p20");
  assert_string_equal(g6_surface_bucket_name(8), "unknown");
}

/* A parity forward of 96 (spot 100, r = q = 0): ATM IV, the 25-delta
 * butterfly and the surface's moneyness are read at it, and its basis to
 * S e^{(r-q)T} is -400 bps. ATM IV at 96: between 95 (the OTM put, 0.22)
 * and 100 (the OTM call, 0.20): 0.216. Surface: K/F - 1 puts 95 at -1.0 %
 * (m5_0, both legs: 0.225) and 100 at +4.2 % (0_p5: 0.205). */
static void parity_forward(void **state) {
  (void)state;
  g6_leg legs[16];
  g6_report_input in;
  chain(legs, &in);
  in.ex[0].parity = (g6_parity_fit){96, 0.9999, 0.0052, 0.01, 5, 1};
  in.ex[1].parity = in.ex[0].parity;
  g6_chain_report r;
  assert_int_equal(g6_chain_report_compute(&in, NULL, &r), G6_OK);
  const g6_report_expiry *e = &r.ex[0];
  assert_true(e->parity_forward);
  assert_close(e->forward, 96, 0);
  assert_close(e->basis_bps, -400, 1e-9);
  assert_close(e->implied_rate, 0.0052, 0);
  assert_close(e->parity_residual, 0.01, 0);
  assert_close(e->atm_iv, 0.216, 1e-15);
  assert_close(e->skew.bf25, (0.185 + 0.23) / 2 - 0.216, 1e-15);
  assert_close(r.surface.iv[0][3], 0.225, 1e-15);
  assert_close(r.surface.iv[0][4], 0.205, 1e-15);
  /* the 35-day expiry has no fit: S e^{(r-q)T} = 100, nothing else known */
  e = &r.ex[2];
  assert_false(e->parity_forward);
  assert_close(e->forward, 100, 0);
  assert_true(isnan(e->basis_bps) && isnan(e->implied_rate) &&
              isnan(e->parity_residual));
  assert_close(r.surface.iv[1][3], 0.18, 1e-15);
  /* a fit that is not a positive forward is no forward */
  in.ex[0].parity.forward = -5;
  assert_int_equal(g6_chain_report_compute(&in, NULL, &r), G6_OK);
  assert_close(r.ex[0].forward, 100, 0);
  assert_close(r.ex[0].atm_iv, 0.205, 1e-15);
}

/* Legs of the PCR window (95..105: 6 legs asked for) whose OI or volume is
 * not in the ratio. The chain's own legs, all known: 0. Then the 105 call
 * is absent (no quote) and the 95 put came without its OI: the ratio by OI
 * is (400 + 300) / (200 + 300) = 1.4, not the 4/3 of the whole window, and
 * 2 legs say so; by volume only the absent call is missing. */
static void pcr_missing_legs(void **state) {
  (void)state;
  g6_leg legs[16];
  g6_report_input in;
  chain(legs, &in);
  in.strikes = K;
  in.n_strikes = 5;
  g6_chain_report r;
  assert_int_equal(g6_chain_report_compute(&in, NULL, &r), G6_OK);
  assert_close(r.ex[0].pcr_missing_oi, 0, 0);
  assert_close(r.ex[0].pcr_missing_volume, 0, 0);
  assert_close(r.ex[1].pcr_missing_oi, 0, 0); /* the shared legs */
  /* 35 days: only K = 100 came, the 95 and 105 pairs are absent */
  assert_close(r.ex[2].pcr_missing_oi, 4, 0);
  assert_close(r.ex[2].pcr_missing_volume, 4, 0);
  assert_close(r.ex[2].pcr.by_oi, 70.0 / 50.0, 1e-15);
  /* not resolved: the whole window is missing, the ratio unknown */
  assert_close(r.ex[3].pcr_missing_oi, 6, 0);
  assert_true(isnan(r.ex[3].pcr.by_oi));

  size_t n = 0;
  for (int i = 0; i < 5; i++) {
    if (K[i] != 105)
      legs[n++] = mk(K[i], G6_CALL, 7000, 7 * DAY, coi[i], civ[i], cdl[i]);
    legs[n++] = mk(K[i], G6_PUT, 7000, 7 * DAY, poi[i], piv[i], pdl[i]);
    if (K[i] == 95)
      legs[n - 1].oi = NAN;
  }
  in.n_legs = n;
  in.n_expiries = 1;
  in.ex[0].n = n;
  assert_int_equal(g6_chain_report_compute(&in, NULL, &r), G6_OK);
  const g6_report_expiry *e = &r.ex[0];
  assert_close(e->pcr.by_oi, 700.0 / 500.0, 1e-15);
  assert_close(e->pcr_missing_oi, 2, 0);
  assert_close(e->pcr_missing_volume, 1, 0);
  /* a narrower window (100 only) holds none of them */
  g6_report_options narrow = {0.01, 0.1};
  assert_int_equal(g6_chain_report_compute(&in, &narrow, &r), G6_OK);
  assert_close(r.ex[0].pcr_missing_oi, 0, 0);
  /* without the ladder (a CSV day) only the leg that came without its OI
   * is known to be missing */
  in.strikes = NULL;
  in.n_strikes = 0;
  assert_int_equal(g6_chain_report_compute(&in, NULL, &r), G6_OK);
  assert_close(r.ex[0].pcr_missing_oi, 1, 0);
  assert_close(r.ex[0].pcr_missing_volume, 0, 0);
  /* no put with a known OI: the ratio is NaN and its missing legs are
   * counted */
  in.strikes = K;
  in.n_strikes = 5;
  for (size_t i = 0; i < n; i++)
    if (legs[i].type == G6_PUT)
      legs[i].oi = NAN;
  assert_int_equal(g6_chain_report_compute(&in, NULL, &r), G6_OK);
  assert_true(isnan(r.ex[0].pcr.by_oi));
  assert_close(r.ex[0].pcr_missing_oi, 4, 0); /* 3 puts + the 105 call */
  assert_close(r.ex[0].pcr.by_volume, 1200.0 / 500.0, 1e-15);
  /* no ATM, no window: how many are missing is unknown too */
  in.atm = NAN;
  assert_int_equal(g6_chain_report_compute(&in, NULL, &r), G6_OK);
  assert_true(isnan(r.ex[0].pcr_missing_oi) &&
              isnan(r.ex[0].pcr_missing_volume));
}

/* A leg of the ladder that is no contract (not listed, beyond StrikeBand)
 * is in no ratio and not missing from one, as g6_chain counts: its
 * expiry's leg_exists says so, asked for each leg of the window with the
 * index of the report's expiry. Here the 35-day expiry lists only K = 100,
 * and the 7-day one has no 105 call. */
typedef struct exists_ctx {
  size_t calls[G6_REPORT_MAX_EXPIRIES]; /* times asked, by expiry */
} exists_ctx;

static bool only_listed(const void *ctx, size_t ex, size_t strike, bool put) {
  exists_ctx *c = (exists_ctx *)(uintptr_t)ctx;
  c->calls[ex]++;
  if (ex == 2)
    return K[strike] == 100;
  return !(ex == 0 && K[strike] == 105 && !put);
}

static void pcr_missing_legs_that_exist(void **state) {
  (void)state;
  g6_leg legs[16];
  g6_report_input in;
  chain(legs, &in);
  in.strikes = K;
  in.n_strikes = 5;
  exists_ctx ctx = {{0}};
  in.leg_exists = only_listed;
  in.leg_exists_ctx = &ctx;
  g6_chain_report r;
  assert_int_equal(g6_chain_report_compute(&in, NULL, &r), G6_OK);
  /* 35 days: the 95 and 105 pairs do not exist, K = 100 is whole: 0, not
   * the 4 of a ladder that knows no better */
  assert_close(r.ex[2].pcr_missing_oi, 0, 0);
  assert_close(r.ex[2].pcr_missing_volume, 0, 0);
  /* each expiry is asked about its own legs: 6 of the window each */
  for (size_t e = 0; e < 4; e++)
    assert_int_equal(ctx.calls[e], 6);
  /* not resolved, yet listed (leg_exists says so): all 6 missing */
  assert_close(r.ex[3].pcr_missing_oi, 6, 0);

  /* 7 days: the 105 call is not listed, so it came with no quote; every
   * leg that exists has its OI: 0 (the ratio is whole over what exists) */
  size_t n = 0;
  for (int i = 0; i < 5; i++) {
    if (K[i] != 105)
      legs[n++] = mk(K[i], G6_CALL, 7000, 7 * DAY, coi[i], civ[i], cdl[i]);
    legs[n++] = mk(K[i], G6_PUT, 7000, 7 * DAY, poi[i], piv[i], pdl[i]);
  }
  in.n_legs = n;
  in.n_expiries = 1;
  in.ex[0].n = n;
  assert_int_equal(g6_chain_report_compute(&in, NULL, &r), G6_OK);
  assert_close(r.ex[0].pcr_missing_oi, 0, 0);
  assert_close(r.ex[0].pcr_missing_volume, 0, 0);
  assert_close(r.ex[0].pcr.by_oi, 1200.0 / 500.0, 1e-15);
  /* a leg that exists and came without its OI still counts */
  legs[1].oi = NAN; /* the 90 put: outside the window */
  legs[3].oi = NAN; /* the 95 put */
  assert_int_equal(g6_chain_report_compute(&in, NULL, &r), G6_OK);
  assert_close(r.ex[0].pcr_missing_oi, 1, 0);
  /* without leg_exists the unlisted call counts, as before */
  in.leg_exists = NULL;
  assert_int_equal(g6_chain_report_compute(&in, NULL, &r), G6_OK);
  assert_close(r.ex[0].pcr_missing_oi, 2, 0);
  assert_close(r.ex[0].pcr_missing_volume, 1, 0);
}

static void unknown_spot_and_bad_input(void **state) {
  (void)state;
  g6_leg legs[16];
  g6_report_input in;
  chain(legs, &in);
  in.S = in.atm = NAN;
  g6_chain_report r;
  assert_int_equal(g6_chain_report_compute(&in, NULL, &r), G6_OK);
  assert_true(isnan(r.ex[0].pcr.by_oi) && isnan(r.ex[0].max_pain.strike) &&
              isnan(r.ex[0].atm_iv) && isnan(r.ex[0].forward));
  assert_int_equal(r.ex[0].n_support + r.ex[0].n_resistance, 0);
  assert_int_equal(r.buckets.unbucketed, 12);
  chain(legs, &in);
  g6_report_options bad = {0, 0.1};
  assert_int_equal(g6_chain_report_compute(&in, &bad, &r), G6_EINVAL);
  bad.pcr_window = NAN;
  assert_int_equal(g6_chain_report_compute(&in, &bad, &r), G6_EINVAL);
  in.ex[0].n = 99; /* beyond the legs */
  assert_int_equal(g6_chain_report_compute(&in, NULL, &r), G6_EINVAL);
  in.ex[0].n = 10;
  in.n_expiries = G6_REPORT_MAX_EXPIRIES + 1;
  assert_int_equal(g6_chain_report_compute(&in, NULL, &r), G6_EINVAL);
  assert_int_equal(g6_chain_report_compute(NULL, NULL, &r), G6_EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(per_expiry),
      cmocka_unit_test(chain_wide),
      cmocka_unit_test(parity_forward),
      cmocka_unit_test(pcr_missing_legs),
      cmocka_unit_test(pcr_missing_legs_that_exist),
      cmocka_unit_test(unknown_spot_and_bad_input),
  };
  return G6_RUN_TESTS(tests);
}
