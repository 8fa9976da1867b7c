#include "g6_test.h"

#include "core/ist.h"

/* UTC epoch of a wall-clock UTC time. */
static int64_t utc(int y, int mo, int d, int h, int mi, int s) {
  return g6_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

static void civil_roundtrip(void **state) {
  (void)state;
  assert_int_equal(g6_days_from_civil(1970, 1, 1), 0);
  assert_int_equal(g6_days_from_civil(2000, 3, 1), 11017);
  for (int64_t d = -800000; d < 800000; d += 97) {
    g6_date c = g6_civil_from_days(d);
    assert_int_equal(g6_days_from_civil(c.year, c.month, c.day), d);
  }
  assert_int_equal(g6_weekday(g6_days_from_civil(2025, 10, 20)), 0); /* Mon */
  assert_int_equal(g6_weekday(g6_days_from_civil(2025, 10, 18)), 5); /* Sat */
  assert_int_equal(g6_weekday(g6_days_from_civil(1969, 12, 31)), 2); /* Wed */
}

/* The shape check behind day-file and timestamp names: digits where the
 * shape says 'd', the rest exactly, nothing more or less. */
static void digit_shapes(void **state) {
  (void)state;
  assert_true(g6_digit_shape("2025-10-23.csv", 14, "dddd-dd-dd.csv"));
  assert_true(g6_digit_shape("2025-99-99", 10, "dddd-dd-dd")); /* shape only */
  const char *bad[] = {"2025-10-23.cs", "2025-10-23.csv~", "2025/10/23.csv",
                       "20a5-10-23.csv", "", "2025-10-2.csv"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    assert_false(g6_digit_shape(bad[i], strlen(bad[i]), "dddd-dd-dd.csv"));
  assert_false(g6_digit_shape("2025-10-23\0csv", 14, "dddd-dd-dd.csv"));
  assert_false(g6_digit_shape(NULL, 0, ""));
  assert_true(g6_digit_shape("2026-01-05T09:15:00Z", 20,
                             "dddd-dd-ddTdd:dd:ddZ"));
}

static void date_parse_is_strict(void **state) {
  (void)state;
  g6_date d;
  assert_int_equal(g6_date_parse("2025-10-23", &d), G6_OK);
  assert_int_equal(d.year, 2025);
  assert_int_equal(d.month, 10);
  assert_int_equal(d.day, 23);
  assert_int_equal(g6_date_parse("2024-02-29", &d), G6_OK);
  const char *bad[] = {"2025-02-29", "2025-13-01", "2025-00-10", "2025-1-01",
                       "2025/10/23", "2025-10-23 ", "20251023",  "",
                       "abcd-ef-gh", "2025-04-31", "1900-02-29"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    assert_int_equal(g6_date_parse(bad[i], &d), G6_EPARSE);
  assert_int_equal(g6_date_parse(NULL, &d), G6_EPARSE);
  char buf[11];
  g6_date_format((g6_date){2025, 1, 5}, buf);
  assert_string_equal(buf, "2025-01-05");
}

/* Reference doc §5.4 and §9 vectors. */
static void round30_vectors(void **state) {
  (void)state;
  char ts[20];
  struct {
    int64_t t;
    const char *want;
  } v[] = {
      {utc(2025, 10, 20, 3, 45, 14), "20-10-2025 09:15:00"},
      {utc(2025, 10, 20, 3, 45, 15), "20-10-2025 09:15:30"},
      {utc(2025, 10, 20, 3, 45, 44), "20-10-2025 09:15:30"},
      {utc(2025, 10, 20, 3, 45, 45), "20-10-2025 09:16:00"},
      {utc(2025, 10, 20, 18, 29, 50), "21-10-2025 00:00:00"},
  };
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    g6_ist_format_ts(g6_round30((double)v[i].t, G6_ROUND_NEAREST), ts);
    assert_string_equal(ts, v[i].want);
  }
  /* 10:05:14.999999 nearest -> 10:05:00 (fraction dropped first) */
  int64_t base = utc(2025, 1, 1, 10, 5, 0);
  assert_int_equal(g6_round30((double)base + 14.999999, G6_ROUND_NEAREST),
                   base);
  assert_int_equal(g6_round30((double)base + 16, G6_ROUND_NEAREST), base + 30);
  assert_int_equal(g6_round30((double)base + 44, G6_ROUND_FLOOR), base + 30);
  assert_int_equal(g6_round30((double)base + 1, G6_ROUND_CEIL), base + 30);
  assert_int_equal(g6_round30((double)base + 31, G6_ROUND_CEIL), base + 60);
  assert_int_equal(g6_round30((double)base, G6_ROUND_CEIL), base);
  /* negative epochs floor correctly */
  assert_int_equal(g6_round30(-1.0, G6_ROUND_FLOOR), -30);
}

static void ist_dates(void **state) {
  (void)state;
  char d[11];
  g6_ist_format_date(utc(2025, 10, 20, 18, 29, 59), d);
  assert_string_equal(d, "2025-10-20");
  g6_ist_format_date(utc(2025, 10, 20, 18, 30, 0), d);
  assert_string_equal(d, "2025-10-21");
  g6_ist_tm tm;
  g6_ist_breakdown(utc(2025, 10, 20, 3, 45, 0), &tm);
  assert_int_equal(tm.hour, 9);
  assert_int_equal(tm.min, 15);
  assert_int_equal(tm.wday, 0);
  assert_int_equal(tm.sod, G6_SESSION_OPEN_S);
  /* expiry instant is 15:30 IST = 10:00 UTC (the old platform used 15:30
   * UTC) */
  assert_int_equal(g6_expiry_epoch((g6_date){2025, 10, 23}),
                   utc(2025, 10, 23, 10, 0, 0));
  double T = (double)(g6_expiry_epoch((g6_date){2025, 10, 23}) -
                      utc(2025, 10, 20, 4, 0, 0)) /
             (365.0 * 86400);
  assert_close(T, 280800.0 / 31536000.0, 1e-15);
}


/* The CSV timestamp parses back to the instant it was formatted from; other
 * shapes and impossible dates are refused. */
static void parse_ts_round_trip(void **state) {
  (void)state;
  int64_t t = g6_ist_epoch((g6_date){2025, 10, 20}, 9, 30, 0), back = 0;
  char ts[20];
  g6_ist_format_ts(t, ts);
  assert_string_equal(ts, "20-10-2025 09:30:00");
  assert_int_equal(g6_ist_parse_ts(ts, strlen(ts), &back), G6_OK);
  assert_int_equal(back, t);
  assert_int_equal(g6_ist_parse_ts("29-02-2024 23:59:59", 19, &back), G6_OK);
  assert_int_equal(back, g6_ist_epoch((g6_date){2024, 2, 29}, 23, 59, 59));
  const char *bad[] = {"29-02-2025 10:00:00", "20-13-2025 10:00:00",
                       "00-10-2025 10:00:00", "20-10-2025 24:00:00",
                       "20-10-2025 10:60:00", "2025-10-20 10:00:00",
                       "20-10-2025T10:00:00", "20-10-2025 10:00:0x",
                       "20-10-1969 10:00:00"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    assert_int_equal(g6_ist_parse_ts(bad[i], strlen(bad[i]), &back),
                     G6_EPARSE);
  assert_int_equal(g6_ist_parse_ts(ts, 18, &back), G6_EPARSE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(civil_roundtrip),
      cmocka_unit_test(digit_shapes),
      cmocka_unit_test(date_parse_is_strict),
      cmocka_unit_test(round30_vectors),
      cmocka_unit_test(parse_ts_round_trip),
      cmocka_unit_test(ist_dates),
  };
  return G6_RUN_TESTS(tests);
}
