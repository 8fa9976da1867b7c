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

/* Kinds of a listing: 'W' weekly, 'M' monthly, '?' unknown. */
static g6_expiry_kind kinds_buf[16];
static const g6_expiry_kind *K(const char *s) {
  for (size_t i = 0; s[i] && i < 16; i++)
    kinds_buf[i] = s[i] == 'W'   ? G6_EXPIRY_WEEKLY
                   : s[i] == 'M' ? G6_EXPIRY_MONTHLY
                                 : G6_EXPIRY_KIND_UNKNOWN;
  return kinds_buf;
}

static void resolve_kinds_is(const char *rule, const g6_date *listed,
                             const g6_expiry_kind *kinds, size_t n,
                             int64_t today, g6_date want) {
  g6_expiry_spec spec;
  g6_date got;
  g6_error e;
  assert_int_equal(g6_expiry_spec_parse(rule, &spec), G6_OK);
  if (g6_expiry_resolve(&spec, listed, kinds, n, today, &got, NULL, &e) !=
      G6_OK)
    fail_msg("%s: %s", rule, e.msg);
  if (got.year != want.year || got.month != want.month || got.day != want.day)
    fail_msg("%s resolved to %d-%d-%d, want %d-%d-%d", rule, got.year,
             got.month, got.day, want.year, want.month, want.day);
}

#define resolve_is(rule, listed, kinds, n, today, want)                        \
  resolve_kinds_is(rule, listed, K(kinds), n, today, want)

/* Reference doc §9 expiry vectors plus the rules of §1.7, with the kinds
 * the symbols give (the old platform took the last listed date of a month
 * as its monthly contract, which is the same on these vectors). */
static void expiry_rules(void **state) {
  (void)state;
  g6_date a[] = {D(2025, 1, 1), D(2025, 2, 5), D(2025, 2, 12)};
  resolve_is("this_month", a, "WWM", 3, DAY(2025, 1, 31), D(2025, 2, 12));
  resolve_is("this_week", a, "WWM", 3, DAY(2025, 1, 31), D(2025, 2, 5));
  g6_date b[] = {D(2025, 2, 26), D(2025, 1, 11), D(2025, 1, 18),
                 D(2025, 1, 25), D(2025, 2, 5),  D(2025, 2, 12),
                 D(2025, 2, 19), D(2025, 1, 18)};
  const char *bk = "MWWMWWWW";
  resolve_is("next_month", b, bk, 8, DAY(2025, 1, 10), D(2025, 2, 26));
  resolve_is("this_month", b, bk, 8, DAY(2025, 1, 10), D(2025, 1, 25));
  resolve_is("this_week", b, bk, 8, DAY(2025, 1, 10), D(2025, 1, 11));
  resolve_is("next_week", b, bk, 8, DAY(2025, 1, 10), D(2025, 1, 18));
  resolve_is("2025-02-12", b, bk, 8, DAY(2025, 1, 10), D(2025, 2, 12));
  /* on expiry day the contract is still this week's */
  resolve_is("this_week", b, bk, 8, DAY(2025, 1, 11), D(2025, 1, 11));
  /* the day after, past dates are dropped */
  resolve_is("this_week", b, bk, 8, DAY(2025, 1, 12), D(2025, 1, 18));

  /* Issue 10, item 2: Thursday 2025-05-01 was a holiday, so the weekly of
   * that week was listed for Wednesday 2025-04-30, after the April monthly
   * (2025-04-24). The last listed date of April is a weekly: this_month
   * must still be the monthly contract, next_month May's. */
  g6_date h[] = {D(2025, 4, 17), D(2025, 4, 24), D(2025, 4, 30),
                 D(2025, 5, 8),  D(2025, 5, 15), D(2025, 5, 29),
                 D(2025, 6, 26)};
  const char *hk = "WMWWWMM";
  resolve_is("this_month", h, hk, 7, DAY(2025, 4, 15), D(2025, 4, 24));
  resolve_is("next_month", h, hk, 7, DAY(2025, 4, 15), D(2025, 5, 29));
  /* after the monthly expired the weekly of 30 April is not April's month */
  resolve_is("this_month", h, hk, 7, DAY(2025, 4, 25), D(2025, 5, 29));
  resolve_is("next_month", h, hk, 7, DAY(2025, 4, 25), D(2025, 6, 26));
  /* weeks are the nearest contracts of any kind */
  resolve_is("this_week", h, hk, 7, DAY(2025, 4, 25), D(2025, 4, 30));
  resolve_is("next_week", h, hk, 7, DAY(2025, 4, 25), D(2025, 5, 8));
  /* a monthly-only index (BANKNIFTY): the weeks are the monthlies */
  g6_date mo[] = {D(2025, 4, 24), D(2025, 5, 29), D(2025, 6, 26)};
  resolve_is("this_week", mo, "MMM", 3, DAY(2025, 4, 15), D(2025, 4, 24));
  resolve_is("next_week", mo, "MMM", 3, DAY(2025, 4, 15), D(2025, 5, 29));
  resolve_is("this_month", mo, "MMM", 3, DAY(2025, 4, 15), D(2025, 4, 24));
  /* a duplicate date whose kind is known lends it */
  g6_date dup[] = {D(2025, 4, 24), D(2025, 4, 24)};
  resolve_is("this_month", dup, "?M", 2, DAY(2025, 4, 15), D(2025, 4, 24));

  g6_expiry_spec spec;
  g6_date got;
  g6_error e;
  g6_date one[] = {D(2025, 1, 30)};
  g6_expiry_kind kind = G6_EXPIRY_KIND_UNKNOWN;
  assert_int_equal(g6_expiry_spec_parse("this_month", &spec), G6_OK);
  assert_int_equal(g6_expiry_resolve(&spec, h, K(hk), 7, DAY(2025, 4, 15),
                                     &got, &kind, &e),
                   G6_OK);
  assert_int_equal(kind, G6_EXPIRY_MONTHLY);
  /* unknown kinds never make a monthly: said, not guessed */
  assert_int_equal(g6_expiry_resolve(&spec, h, NULL, 7, DAY(2025, 4, 15),
                                     &got, NULL, &e),
                   G6_ENOENT);
  assert_non_null(strstr(e.msg, "7 future expiries listed (2025-04-17 .. "
                                "2025-06-26), 0 of them monthly"));
  assert_int_equal(g6_expiry_spec_parse("next_week", &spec), G6_OK);
  assert_int_equal(g6_expiry_resolve(&spec, one, NULL, 1, DAY(2025, 1, 10),
                                     &got, NULL, &e),
                   G6_ENOENT);
  assert_non_null(strstr(e.msg, "next_week"));
  assert_non_null(strstr(e.msg, "1 future expiries listed (2025-01-30 .. "
                                "2025-01-30)"));
  assert_int_equal(g6_expiry_spec_parse("next_month", &spec), G6_OK);
  assert_int_equal(g6_expiry_resolve(&spec, one, K("M"), 1, DAY(2025, 1, 10),
                                     &got, NULL, &e),
                   G6_ENOENT);
  assert_int_equal(g6_expiry_spec_parse("2025-01-29", &spec), G6_OK);
  assert_int_equal(g6_expiry_resolve(&spec, one, NULL, 1, DAY(2025, 1, 10),
                                     &got, NULL, &e),
                   G6_ENOENT);
  assert_non_null(strstr(e.msg, "date 2025-01-29"));
  assert_int_equal(g6_expiry_spec_parse("this_week", &spec), G6_OK);
  assert_int_equal(g6_expiry_resolve(&spec, NULL, NULL, 0, DAY(2025, 1, 10),
                                     &got, NULL, &e),
                   G6_ENOENT);
  /* all listed dates in the past */
  assert_int_equal(g6_expiry_resolve(&spec, one, NULL, 1, DAY(2025, 2, 1),
                                     &got, NULL, &e),
                   G6_ENOENT);
  const char *bad[] = {"this-week", "THIS_WEEK", "2025-02-30", "", "monthly"};
  for (size_t i = 0; i < 5; i++)
    assert_int_equal(g6_expiry_spec_parse(bad[i], &spec), G6_EPARSE);
}

/* Kite's trading symbols tell weekly from monthly contracts (exchange
 * calendar facts): <ROOT><YY><MON>... monthly, <ROOT><YY><M><DD>... weekly
 * with M = 1-9, O, N, D. */
static void expiry_kind_from_symbols(void **state) {
  (void)state;
  static const struct {
    const char *symbol, *root;
    g6_expiry_kind want;
  } v[] = {
      {"NIFTY25APR24300CE", "NIFTY", G6_EXPIRY_MONTHLY},
      {"NIFTY2543024300CE", "NIFTY", G6_EXPIRY_WEEKLY}, /* 2025-04-30 */
      {"NIFTY25O0724300PE", "NIFTY", G6_EXPIRY_WEEKLY}, /* October */
      {"NIFTY25OCT24300PE", "NIFTY", G6_EXPIRY_MONTHLY},
      {"NIFTY25N1825900CE", "NIFTY", G6_EXPIRY_WEEKLY}, /* November */
      {"NIFTY25NOV25900CE", "NIFTY", G6_EXPIRY_MONTHLY},
      {"NIFTY25D0926000CE", "NIFTY", G6_EXPIRY_WEEKLY}, /* December */
      {"NIFTY25DEC26000CE", "NIFTY", G6_EXPIRY_MONTHLY},
      {"BANKNIFTY25NOV58000CE", "BANKNIFTY", G6_EXPIRY_MONTHLY},
      {"SENSEX25N2084500PE", "SENSEX", G6_EXPIRY_WEEKLY},
      {"MIDCPNIFTY25DEC13500CE", NULL, G6_EXPIRY_MONTHLY}, /* root derived */
      {"BANKNIFTY18JAN23500CE", "BANKNIFTY", G6_EXPIRY_MONTHLY}, /* 2018 */
      {"NIFTY25XYZ24300CE", "NIFTY", G6_EXPIRY_KIND_UNKNOWN},
      {"NIFTY25A3024300CE", "NIFTY", G6_EXPIRY_KIND_UNKNOWN},
      {"NIFTY2543224300CE", "NIFTY", G6_EXPIRY_KIND_UNKNOWN}, /* day 32 */
      {"NIFTY25NOVFUT", "NIFTY", G6_EXPIRY_KIND_UNKNOWN},
      {"NIFTY", "NIFTY", G6_EXPIRY_KIND_UNKNOWN},
      {"", NULL, G6_EXPIRY_KIND_UNKNOWN},
      {"25APR24300CE", NULL, G6_EXPIRY_KIND_UNKNOWN},
      /* a weekly of 2026-12-01 written with the month's letters was read as
       * a monthly: only Kite's two forms, exactly */
      {"NIFTY26DEC0126200CE", "NIFTY", G6_EXPIRY_KIND_UNKNOWN},
      {"NIFTY26DEC026200PE", "NIFTY", G6_EXPIRY_KIND_UNKNOWN},
      {"NIFTY26D0126200CE", "NIFTY", G6_EXPIRY_WEEKLY},
      {"NIFTY26DEC26200CE", "NIFTY", G6_EXPIRY_MONTHLY},
      {"NIFTY26DEC26200", "NIFTY", G6_EXPIRY_KIND_UNKNOWN},
      {"NIFTY26DEC26200CEX", "NIFTY", G6_EXPIRY_KIND_UNKNOWN},
      {"NIFTY26DEC26200FE", "NIFTY", G6_EXPIRY_KIND_UNKNOWN},
      {"NIFTY26DECCE", "NIFTY", G6_EXPIRY_KIND_UNKNOWN},
      {"NIFTY26D3126200CE", "NIFTY", G6_EXPIRY_WEEKLY},
      {"NIFTY26N3126200CE", "NIFTY", G6_EXPIRY_KIND_UNKNOWN}, /* 31 Nov */
      {"NIFTY26D0026200CE", "NIFTY", G6_EXPIRY_KIND_UNKNOWN}, /* day 00 */
      {"NIFTY2622926200CE", "NIFTY", G6_EXPIRY_KIND_UNKNOWN}, /* 29 Feb */
      {"NIFTY26d0126200CE", "NIFTY", G6_EXPIRY_KIND_UNKNOWN},
      {"NIFTY26Dec26200CE", "NIFTY", G6_EXPIRY_KIND_UNKNOWN},
      {"SBIN24JUN832.5CE", "SBIN", G6_EXPIRY_MONTHLY},
      {"USDINR25APR83.25PE", "USDINR", G6_EXPIRY_MONTHLY},
      {"SBIN24JUN832.50CE", "SBIN", G6_EXPIRY_KIND_UNKNOWN},
      {"SBIN24JUN832.CE", "SBIN", G6_EXPIRY_KIND_UNKNOWN},
      {"SBIN24JUN832.125CE", "SBIN", G6_EXPIRY_KIND_UNKNOWN},
  };
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
    if (g6_expiry_kind_of_symbol(v[i].symbol, v[i].root) != v[i].want)
      fail_msg("%s: %s, want %s", v[i].symbol,
               g6_expiry_kind_name(
                   g6_expiry_kind_of_symbol(v[i].symbol, v[i].root)),
               g6_expiry_kind_name(v[i].want));
}

/* An instrument row's symbol must be exactly one of Kite's two forms with
 * the row's strike and option type. The reviewer's NIFTY26DEC0126200CE (the
 * weekly of 2026-12-01, strike 26200, its month in letters) was taken for a
 * monthly and this_month collected weeklies; written NIFTY26DEC1526200CE it
 * would even pass as a monthly of strike 1526200 without the row's strike. */
static void expiry_of_contract_is_exact(void **state) {
  (void)state;
  enum { U = G6_EXPIRY_KIND_UNKNOWN, W = G6_EXPIRY_WEEKLY };
  enum { M = G6_EXPIRY_MONTHLY };
  static const struct {
    const char *symbol, *root;
    int64_t paise;
    const char *type;
    int want;     /* U, W or M */
    g6_date date; /* for a known kind */
  } v[] = {
      {"NIFTY26DEC0126200CE", "NIFTY", 2620000, "CE", U, {0, 0, 0}},
      {"NIFTY26DEC1526200CE", "NIFTY", 2620000, "CE", U, {0, 0, 0}},
      /* that strike listed: the symbol says monthly */
      {"NIFTY26DEC1526200CE", "NIFTY", 152620000, "CE", M, {2026, 12, 0}},
      {"NIFTY26DEC26200CE", "NIFTY", 2620000, "CE", M, {2026, 12, 0}},
      {"NIFTY26D0126200CE", "NIFTY", 2620000, "CE", W, {2026, 12, 1}},
      {"NIFTY26D0126200PE", "NIFTY", 2620000, "PE", W, {2026, 12, 1}},
      /* another option type */
      {"NIFTY26D0126200CE", "NIFTY", 2620000, "PE", U, {0, 0, 0}},
      /* another strike */
      {"NIFTY26D0126200CE", "NIFTY", 2610000, "CE", U, {0, 0, 0}},
      /* 6200 is not its strike */
      {"NIFTY26D0126200CE", "NIFTY", 620000, "CE", U, {0, 0, 0}},
      /* a monthly written as a date is not a weekly of another day */
      {"NIFTY26122926200CE", "NIFTY", 2620000, "CE", U, {0, 0, 0}},
      {"NIFTY261226200CE", "NIFTY", 2620000, "CE", U, {0, 0, 0}},
      {"NIFTY26DEC26200.0CE", "NIFTY", 2620000, "CE", U, {0, 0, 0}},
      {"NIFTY26DEC026200CE", "NIFTY", 2620000, "CE", U, {0, 0, 0}},
      {"NIFTY26DEC26200CE ", "NIFTY", 2620000, "CE", U, {0, 0, 0}},
      {"NIFTY26DEC26200CE", "NIFTY", -1, "CE", U, {0, 0, 0}},
      {"NIFTY26DEC26200CE", "NIFTY", 2620000, NULL, U, {0, 0, 0}},
      {"SBIN24JUN832.5CE", "SBIN", 83250, "CE", M, {2024, 6, 0}},
      {"USDINR25APR83.25PE", "USDINR", 8325, "PE", M, {2025, 4, 0}},
      {"SBIN24JUN832.5CE", "SBIN", 83200, "CE", U, {0, 0, 0}},
      {"SENSEX26D0382000PE", "SENSEX", 8200000, "PE", W, {2026, 12, 3}},
      {"NIFTY0CE", "NIFTY", 0, "CE", U, {0, 0, 0}},
  };
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    g6_date d = {-1, -1, -1};
    g6_expiry_kind k = g6_expiry_of_contract(v[i].symbol, v[i].root, v[i].paise,
                                             v[i].type, &d);
    if ((int)k != v[i].want)
      fail_msg("%s (strike %lld paise, %s): %s, want %s", v[i].symbol,
               (long long)v[i].paise, v[i].type ? v[i].type : "NULL",
               g6_expiry_kind_name(k),
               g6_expiry_kind_name((g6_expiry_kind)v[i].want));
    if (k != G6_EXPIRY_KIND_UNKNOWN &&
        (d.year != v[i].date.year || d.month != v[i].date.month ||
         d.day != v[i].date.day))
      fail_msg("%s: date %d-%d-%d", v[i].symbol, d.year, d.month, d.day);
    if (k == G6_EXPIRY_KIND_UNKNOWN && d.year != -1)
      fail_msg("%s: *out written for UNKNOWN", v[i].symbol);
  }
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
                     G6_OK, false};
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
  /* a quote sent malformed is its own reason, whatever the request did */
  l.malformed = true;
  assert_int_equal(g6_leg_check(&l, 24800, 0.4), G6_REJECT_MALFORMED_QUOTE);
  l.fetch = G6_OK;
  assert_int_equal(g6_leg_check(&l, 24800, 0.4), G6_REJECT_MALFORMED_QUOTE);
  assert_string_equal(g6_reject_reason_name(G6_REJECT_MALFORMED_QUOTE),
                      "malformed_quote");
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
  /* which reasons leave no leg at all (in no PCR, never missing from one):
   * no such contract, or one StrikeBand excludes; every other reason is a
   * contract whose data did not come */
  for (int r = 0; r < G6_REJECT_REASON_COUNT; r++)
    assert_int_equal(g6_reject_leg_exists((g6_reject_reason)r),
                     r != G6_REJECT_NOT_LISTED &&
                         r != G6_REJECT_STRIKE_OUT_OF_BAND);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(atm_vectors),
      cmocka_unit_test(ladder_vectors),
      cmocka_unit_test(expiry_rules),
      cmocka_unit_test(tags_and_masks),
      cmocka_unit_test(expiry_kind_from_symbols),
      cmocka_unit_test(expiry_of_contract_is_exact),
      cmocka_unit_test(status_vectors),
      cmocka_unit_test(leg_checks),
  };
  return G6_RUN_TESTS(tests);
}
