#include "g6_test.h"

#include "market/calendar.h"

/* UTC epoch of a wall-clock UTC time. */
static int64_t utc(int y, int mo, int d, int h, int mi, int s) {
  return g6_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
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
      cmocka_unit_test(market_session_vectors),
      cmocka_unit_test(calendar_rejects_bad_lines),
  };
  return G6_RUN_TESTS(tests);
}
