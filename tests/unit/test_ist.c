#include "g6_test.h"

#include "g6/ist.h"

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

static const char holidays_2025[] =
    "# NSE trading holidays 2025\n"
    "2025-01-26 Republic Day\n"
    "2025-02-26\tMahashivratri\n"
    "2025-03-17\n"
    "\n"
    "   2025-04-18   # Good Friday\r\n"
    "2025-05-01\n2025-08-15\n2025-10-02 Gandhi Jayanti\n2025-11-12\n"
    "2025-12-25\n2025-10-02\n";

/* Reference doc §1.2 vectors. */
static void market_session_vectors(void **state) {
  (void)state;
  g6_calendar cal = G6_CALENDAR_INIT;
  g6_error e;
  assert_int_equal(g6_calendar_parse(&cal, holidays_2025, strlen(holidays_2025),
                                     "holidays", &e),
                   G6_OK);
  assert_int_equal(cal.n, 9); /* duplicate 2025-10-02 folded */
  struct {
    int64_t t;
    bool open;
    int64_t next;
  } v[] = {
      {utc(2025, 10, 20, 3, 44, 59), false, utc(2025, 10, 20, 3, 45, 0)},
      {utc(2025, 10, 20, 3, 45, 0), true, utc(2025, 10, 21, 3, 45, 0)},
      {utc(2025, 10, 20, 9, 59, 59), true, utc(2025, 10, 21, 3, 45, 0)},
      {utc(2025, 10, 20, 10, 0, 0), false, utc(2025, 10, 21, 3, 45, 0)},
      {utc(2025, 10, 18, 5, 0, 0), false, utc(2025, 10, 20, 3, 45, 0)},
      {utc(2025, 10, 2, 5, 0, 0), false, utc(2025, 10, 3, 3, 45, 0)},
      /* Friday after the close: next open is Monday */
      {utc(2025, 10, 17, 11, 0, 0), false, utc(2025, 10, 20, 3, 45, 0)},
      /* Tuesday before a Wednesday holiday (2025-02-26) */
      {utc(2025, 2, 25, 12, 0, 0), false, utc(2025, 2, 27, 3, 45, 0)},
  };
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    assert_int_equal(g6_market_is_open(&cal, v[i].t), v[i].open);
    assert_int_equal(g6_market_next_open(&cal, v[i].t), v[i].next);
  }
  /* without a calendar 2025-10-02 is an ordinary Thursday */
  assert_true(g6_market_is_open(NULL, utc(2025, 10, 2, 5, 0, 0)));
  g6_calendar_free(&cal);
}

static void calendar_rejects_bad_lines(void **state) {
  (void)state;
  g6_calendar cal = G6_CALENDAR_INIT;
  g6_error e;
  const char ok[] = "2025-01-26\n";
  assert_int_equal(g6_calendar_parse(&cal, ok, strlen(ok), "h.txt", &e), G6_OK);
  const char *bad[] = {"2025-01-26\n2025-02-30\n", "26-01-2025\n",
                       "2025-01-26x\n", "hello\n",
                       "2025-01-260000000000000000000000000000000000000\n"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    assert_int_equal(
        g6_calendar_parse(&cal, bad[i], strlen(bad[i]), "h.txt", &e),
        G6_EPARSE);
    assert_non_null(strstr(e.msg, "h.txt:"));
    assert_non_null(strstr(e.msg, "expected YYYY-MM-DD"));
  }
  assert_int_equal(g6_calendar_parse(&cal, bad[0], strlen(bad[0]), "h.txt", &e),
                   G6_EPARSE);
  assert_non_null(strstr(e.msg, "h.txt:2: \"2025-02-30\""));
  assert_int_equal(cal.n, 1); /* previous contents kept on error */
  assert_int_equal(g6_calendar_load(&cal, "/nonexistent/h.txt", &e), G6_ENOENT);
  assert_non_null(strstr(e.msg, "/nonexistent/h.txt"));
  /* an empty file is an empty calendar */
  assert_int_equal(g6_calendar_parse(&cal, "", 0, "h.txt", &e), G6_OK);
  assert_int_equal(cal.n, 0);
  g6_calendar_free(&cal);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(civil_roundtrip),
      cmocka_unit_test(date_parse_is_strict),
      cmocka_unit_test(round30_vectors),
      cmocka_unit_test(ist_dates),
      cmocka_unit_test(market_session_vectors),
      cmocka_unit_test(calendar_rejects_bad_lines),
  };
  return G6_RUN_TESTS(tests);
}
