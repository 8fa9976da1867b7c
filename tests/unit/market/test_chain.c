#include "g6_test.h"

#include "market/chain.h"

/* Reference doc §1.5: banker's rounding like Python's round(). */
static void atm_vectors(void **state) {
  (void)state;
  struct {
    double price, step, want;
  } v[] = {
      {24825, 50, 24800},   {24875, 50, 24900},     {24812.35, 50, 24800},
      {24837.5, 50, 24850}, {54050, 100, 54000},    {54150, 100, 54200},
      {81049.99, 100, 81000}, {24824.999, 50, 24800}, {24825.001, 50, 24850},
  };
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
    assert_close(g6_atm_round(v[i].price, v[i].step), v[i].want, 0);
  assert_true(isnan(g6_atm_round(0, 50)));
  assert_true(isnan(g6_atm_round(-5, 50)));
  assert_true(isnan(g6_atm_round(NAN, 50)));
  assert_true(isnan(g6_atm_round(24800, 0)));
  assert_true(isnan(g6_atm_round(INFINITY, 50)));
}

/* Reference doc §9 strike vectors; depth honoured exactly (no minimum 2). */
static void ladder_vectors(void **state) {
  (void)state;
  double s[64];
  assert_int_equal(g6_strike_ladder(20000, 50, 2, 2, s, 64), 5);
  double want[] = {19900, 19950, 20000, 20050, 20100};
  for (int i = 0; i < 5; i++)
    assert_close(s[i], want[i], 0);
  assert_int_equal(g6_strike_ladder(45000, 100, 1, 1, s, 64), 3);
  assert_close(s[0], 44900, 0);
  assert_close(s[2], 45100, 0);
  assert_int_equal(g6_strike_ladder(15000, 50, 0, 0, s, 64), 1);
  assert_close(s[0], 15000, 0);
  assert_int_equal(g6_strike_ladder(20000, 25, 1, 1, s, 64), 3);
  assert_close(s[0], 19975, 0);
  assert_int_equal(g6_strike_ladder(20000, 50, 0, 3, s, 64), 4);
  assert_close(s[0], 20000, 0);
  assert_int_equal(g6_strike_ladder(0, 50, 2, 2, s, 64), 0);
  assert_int_equal(g6_strike_ladder(100, 50, 2, 2, s, 64), 0); /* strike 0 */
  assert_int_equal(g6_strike_ladder(20000, 50, 40, 40, s, 64), 0); /* cap */
  assert_int_equal(g6_strike_ladder(20000, 50, -1, 2, s, 64), 0);
}

static g6_date D(int y, int m, int d) { return (g6_date){y, m, d}; }
static int64_t DAY(int y, int m, int d) { return g6_days_from_civil(y, m, d); }

static void resolve_is(const char *rule, const g6_date *listed, size_t n,
                       int64_t today, g6_date want) {
  g6_expiry_spec spec;
  g6_date got;
  g6_error e;
  assert_int_equal(g6_expiry_spec_parse(rule, &spec), G6_OK);
  if (g6_expiry_resolve(&spec, listed, n, today, &got, &e) != G6_OK)
    fail_msg("%s: %s", rule, e.msg);
  if (got.year != want.year || got.month != want.month || got.day != want.day)
    fail_msg("%s resolved to %d-%d-%d, want %d-%d-%d", rule, got.year,
             got.month, got.day, want.year, want.month, want.day);
}

/* Reference doc §9 expiry vectors plus the rules of §1.7. */
static void expiry_rules(void **state) {
  (void)state;
  g6_date a[] = {D(2025, 1, 1), D(2025, 2, 5), D(2025, 2, 12)};
  resolve_is("this_month", a, 3, DAY(2025, 1, 31), D(2025, 2, 12));
  resolve_is("this_week", a, 3, DAY(2025, 1, 31), D(2025, 2, 5));
  g6_date b[] = {D(2025, 2, 26), D(2025, 1, 11), D(2025, 1, 18),
                 D(2025, 1, 25), D(2025, 2, 5),  D(2025, 2, 12),
                 D(2025, 2, 19), D(2025, 1, 18)};
  resolve_is("next_month", b, 8, DAY(2025, 1, 10), D(2025, 2, 26));
  resolve_is("this_month", b, 8, DAY(2025, 1, 10), D(2025, 1, 25));
  resolve_is("this_week", b, 8, DAY(2025, 1, 10), D(2025, 1, 11));
  resolve_is("next_week", b, 8, DAY(2025, 1, 10), D(2025, 1, 18));
  resolve_is("2025-02-12", b, 8, DAY(2025, 1, 10), D(2025, 2, 12));
  /* on expiry day the contract is still this week's */
  resolve_is("this_week", b, 8, DAY(2025, 1, 11), D(2025, 1, 11));
  /* the day after, past dates are dropped */
  resolve_is("this_week", b, 8, DAY(2025, 1, 12), D(2025, 1, 18));

  g6_expiry_spec spec;
  g6_date got;
  g6_error e;
  g6_date one[] = {D(2025, 1, 30)};
  assert_int_equal(g6_expiry_spec_parse("next_week", &spec), G6_OK);
  assert_int_equal(g6_expiry_resolve(&spec, one, 1, DAY(2025, 1, 10), &got, &e),
                   G6_ENOENT);
  assert_non_null(strstr(e.msg, "next_week"));
  assert_non_null(strstr(e.msg, "1 future expiries listed (2025-01-30 .. "
                                "2025-01-30)"));
  assert_int_equal(g6_expiry_spec_parse("next_month", &spec), G6_OK);
  assert_int_equal(g6_expiry_resolve(&spec, one, 1, DAY(2025, 1, 10), &got, &e),
                   G6_ENOENT);
  assert_int_equal(g6_expiry_spec_parse("2025-01-29", &spec), G6_OK);
  assert_int_equal(g6_expiry_resolve(&spec, one, 1, DAY(2025, 1, 10), &got, &e),
                   G6_ENOENT);
  assert_non_null(strstr(e.msg, "date 2025-01-29"));
  assert_int_equal(g6_expiry_spec_parse("this_week", &spec), G6_OK);
  assert_int_equal(g6_expiry_resolve(&spec, NULL, 0, DAY(2025, 1, 10), &got, &e),
                   G6_ENOENT);
  /* all listed dates in the past */
  assert_int_equal(g6_expiry_resolve(&spec, one, 1, DAY(2025, 2, 1), &got, &e),
                   G6_ENOENT);
  const char *bad[] = {"this-week", "THIS_WEEK", "2025-02-30", "", "monthly"};
  for (size_t i = 0; i < 5; i++)
    assert_int_equal(g6_expiry_spec_parse(bad[i], &spec), G6_EPARSE);
}

static void tags_and_masks(void **state) {
  (void)state;
  assert_int_equal(g6_expiry_tag_bit("this_week"), 1);
  assert_int_equal(g6_expiry_tag_bit("next_week"), 2);
  assert_int_equal(g6_expiry_tag_bit("this_month"), 4);
  assert_int_equal(g6_expiry_tag_bit("next_month"), 8);
  assert_int_equal(g6_expiry_tag_bit("other"), 0);
  g6_expiry_spec spec;
  assert_int_equal(g6_expiry_spec_parse("2025-10-23", &spec), G6_OK);
  int64_t today = DAY(2025, 10, 20);
  assert_string_equal(g6_expiry_tag(&spec, today, D(2025, 10, 23)),
                      "this_week");
  assert_string_equal(g6_expiry_tag(&spec, today, D(2025, 10, 27)),
                      "this_week"); /* 7 days */
  assert_string_equal(g6_expiry_tag(&spec, today, D(2025, 10, 28)),
                      "next_week");
  assert_string_equal(g6_expiry_tag(&spec, DAY(2025, 10, 1), D(2025, 10, 28)),
                      "this_month");
  assert_string_equal(g6_expiry_tag(&spec, today, D(2025, 11, 25)),
                      "next_month");
  assert_int_equal(g6_expiry_spec_parse("next_month", &spec), G6_OK);
  assert_string_equal(g6_expiry_tag(&spec, today, D(2025, 11, 25)),
                      "next_month");
}

/* Reference doc §9 status-reducer vectors, on fractions (the old platform's
 * int() truncation is the defect fixed here). */
static void status_vectors(void **state) {
  (void)state;
  g6_status_thresholds t = G6_STATUS_THRESHOLDS_DEFAULT;
  assert_int_equal(g6_expiry_status(10, 0.9, 0.8, &t), G6_CHAIN_OK);
  assert_int_equal(g6_expiry_status(10, 0.5, 0.9, &t), G6_CHAIN_PARTIAL);
  assert_int_equal(g6_expiry_status(10, 0.9, 0.4, &t), G6_CHAIN_PARTIAL);
  assert_int_equal(g6_expiry_status(10, 0.74, 0.54, &t), G6_CHAIN_PARTIAL);
  assert_int_equal(g6_expiry_status(10, 0.75, 0.55, &t), G6_CHAIN_OK);
  assert_int_equal(g6_expiry_status(0, 1, 1, &t), G6_CHAIN_EMPTY);
  g6_status_thresholds loose = {0.5, 0.5, 0.0};
  assert_int_equal(g6_expiry_status(10, 0.5, 0.9, &loose), G6_CHAIN_OK);

  g6_chain_status s1[] = {G6_CHAIN_OK, G6_CHAIN_PARTIAL};
  size_t legs[] = {10, 10};
  double fc[] = {0.9, 0.4};
  assert_int_equal(g6_index_status(s1, legs, fc, 2, &t), G6_CHAIN_PARTIAL);
  g6_chain_status s2[] = {G6_CHAIN_OK, G6_CHAIN_OK};
  double fc2[] = {0.9, 0.8};
  assert_int_equal(g6_index_status(s2, legs, fc2, 2, &t), G6_CHAIN_OK);
  g6_chain_status s3[] = {G6_CHAIN_EMPTY, G6_CHAIN_EMPTY};
  size_t none[] = {0, 0};
  assert_int_equal(g6_index_status(s3, none, fc2, 2, &t), G6_CHAIN_EMPTY);
  g6_chain_status s4[] = {G6_CHAIN_PARTIAL, G6_CHAIN_EMPTY};
  size_t some[] = {8, 0};
  double zero[] = {0.0, 0.0};
  assert_int_equal(g6_index_status(s4, some, zero, 2, &t), G6_CHAIN_STALE);
  double fc5[] = {0.1, 0.0};
  assert_int_equal(g6_index_status(s4, some, fc5, 2, &t), G6_CHAIN_PARTIAL);
  assert_int_equal(g6_index_status(NULL, NULL, NULL, 0, &t), G6_CHAIN_EMPTY);
  assert_string_equal(g6_chain_status_name(G6_CHAIN_STALE), "STALE");
}

static void leg_checks(void **state) {
  (void)state;
  g6_quote_leg ok = {24800, 0, true, 120.0, 119.5, 119, 121, 150000, 70000,
                     G6_OK};
  assert_int_equal(g6_leg_check(&ok, 24800, 0.4), G6_REJECT_NONE);
  assert_true(g6_leg_has_fields(&ok));
  g6_quote_leg l = ok;
  l.quoted = false;
  assert_int_equal(g6_leg_check(&l, 24800, 0.4), G6_REJECT_MISSING_QUOTE);
  /* a leg whose /quote batch failed is counted as such, not as missing */
  l.fetch = G6_EFOREIGN;
  assert_int_equal(g6_leg_check(&l, 24800, 0.4), G6_REJECT_REQUEST_FAILED);
  assert_string_equal(g6_reject_reason_name(G6_REJECT_REQUEST_FAILED),
                      "request_failed");
  l = ok;
  l.last = 0;
  assert_int_equal(g6_leg_check(&l, 24800, 0.4), G6_REJECT_NONPOSITIVE_PRICE);
  l.last = -3;
  assert_int_equal(g6_leg_check(&l, 24800, 0.4), G6_REJECT_NONPOSITIVE_PRICE);
  l.last = NAN;
  assert_int_equal(g6_leg_check(&l, 24800, 0.4), G6_REJECT_NONPOSITIVE_PRICE);
  l = ok;
  l.oi = -1;
  assert_int_equal(g6_leg_check(&l, 24800, 0.4), G6_REJECT_NEGATIVE_FIELD);
  l = ok;
  l.strike = 40000;
  assert_int_equal(g6_leg_check(&l, 24800, 0.4), G6_REJECT_STRIKE_OUT_OF_BAND);
  /* missing optional fields keep the leg but not its field coverage */
  l = ok;
  l.volume = NAN;
  l.avg = NAN;
  assert_int_equal(g6_leg_check(&l, 24800, 0.4), G6_REJECT_NONE);
  assert_false(g6_leg_has_fields(&l));
  l = ok;
  l.volume = 0;
  assert_false(g6_leg_has_fields(&l));
  for (int r = 0; r < G6_REJECT_REASON_COUNT; r++)
    assert_string_not_equal(g6_reject_reason_name((g6_reject_reason)r),
                            "unknown");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(atm_vectors),    cmocka_unit_test(ladder_vectors),
      cmocka_unit_test(expiry_rules),   cmocka_unit_test(tags_and_masks),
      cmocka_unit_test(status_vectors), cmocka_unit_test(leg_checks),
  };
  return G6_RUN_TESTS(tests);
}
