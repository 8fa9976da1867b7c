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

/* Special sessions: a Budget day on a weekend, the Muhurat hour on a
 * holiday, a shortened day. The session decides; a holiday without one is
 * closed. */
static const char sessions_2025[] =
    "2025-02-01 09:15-15:30 Union Budget (Saturday)\n"
    "2025-10-21 Diwali Laxmi Pujan\n"
    "2025-10-21 13:45-14:45 Muhurat trading\n"
    "2025-10-22 Diwali Balipratipada\n"
    "2025-12-31 09:15-13:00 a short day\n";

static void special_sessions(void **state) {
  (void)state;
  g6_calendar cal = G6_CALENDAR_INIT;
  g6_error e;
  assert_int_equal(g6_calendar_parse(&cal, sessions_2025, strlen(sessions_2025),
                                     "NSE.txt", &e),
                   G6_OK);
  assert_int_equal(cal.n, 4); /* the holiday and session of 10-21 fold */
  int64_t ist = 5 * 3600 + 30 * 60;
  struct {
    int64_t t; /* UTC */
    bool open;
  } v[] = {
      /* Saturday 2025-02-01: the Budget session, 09:15-15:30 IST */
      {utc(2025, 2, 1, 9, 15, 0) - ist, true},
      {utc(2025, 2, 1, 9, 14, 59) - ist, false},
      {utc(2025, 2, 1, 15, 29, 59) - ist, true},
      {utc(2025, 2, 1, 15, 30, 0) - ist, false},
      /* Muhurat on the holiday 2025-10-21: 13:45-14:45 IST only */
      {utc(2025, 10, 21, 10, 0, 0) - ist, false},
      {utc(2025, 10, 21, 13, 45, 0) - ist, true},
      {utc(2025, 10, 21, 14, 44, 59) - ist, true},
      {utc(2025, 10, 21, 14, 45, 0) - ist, false},
      /* the next day a plain holiday */
      {utc(2025, 10, 22, 11, 0, 0) - ist, false},
      /* a short day */
      {utc(2025, 12, 31, 12, 59, 0) - ist, true},
      {utc(2025, 12, 31, 13, 0, 0) - ist, false},
  };
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
    if (g6_market_is_open(&cal, v[i].t) != v[i].open)
      fail_msg("vector %zu: open should be %d", i, v[i].open);
  assert_true(g6_calendar_is_holiday(&cal, g6_days_from_civil(2025, 10, 21)));
  assert_true(g6_is_trading_day(&cal, g6_days_from_civil(2025, 10, 21)));
  const g6_calendar_entry *x =
      g6_calendar_find(&cal, g6_days_from_civil(2025, 10, 21));
  assert_string_equal(x->holiday_desc, "Diwali Laxmi Pujan");
  assert_string_equal(x->session_desc, "Muhurat trading");
  /* the next open before the Muhurat hour is the Muhurat hour */
  assert_int_equal(g6_market_next_open(&cal, utc(2025, 10, 21, 3, 0, 0)),
                   utc(2025, 10, 21, 13, 45, 0) - ist);
  /* Friday 2025-01-31 after the close: the Saturday Budget session */
  assert_int_equal(g6_market_next_open(&cal, utc(2025, 1, 31, 12, 0, 0)),
                   utc(2025, 2, 1, 9, 15, 0) - ist);
  assert_int_equal(g6_calendar_year_entries(&cal, 2025), 4);
  assert_int_equal(g6_calendar_year_entries(&cal, 2026), 0);
  assert_int_equal(g6_calendar_year_entries(NULL, 2025), 0);
  g6_calendar_free(&cal);
}

static void bad_sessions_are_named(void **state) {
  (void)state;
  g6_calendar cal = G6_CALENDAR_INIT;
  g6_error e;
  static const struct {
    const char *text, *want;
  } bad[] = {
      {"2025-02-01 9:15-15:30 Budget\n", "NSE.txt:1: \"9:15-15:30\" is not a "
                                         "session; expected HH:MM-HH:MM"},
      {"2025-02-01 15:30-09:15\n", "\"15:30-09:15\" is not a session"},
      {"2025-02-01 09:15-24:30\n", "\"09:15-24:30\" is not a session"},
      {"2025-02-01 09:60-10:00\n", "\"09:60-10:00\" is not a session"},
      {"2025-02-01 09:15-15:30\n\n2025-02-01 10:00-11:00\n",
       "NSE.txt:3: a second session for 2025-02-01"},
      {"2025-02-29 Leap\n", "NSE.txt:1: \"2025-02-29\" is not a valid date"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    if (g6_calendar_parse(&cal, bad[i].text, strlen(bad[i].text), "NSE.txt",
                          &e) != G6_EPARSE ||
        strstr(e.msg, bad[i].want) == NULL)
      fail_msg("case %zu: \"%s\"", i, e.msg);
  }
  /* 24:00 ends a day; a description must not start with a digit (it would
   * read as a session) */
  const char ok[] = "2025-02-01 18:00-24:00 late\n2025-02-02 9 lives\n";
  assert_int_equal(g6_calendar_parse(&cal, ok, strlen(ok), "x", &e), G6_EPARSE);
  const char ok2[] = "2025-02-01 18:00-24:00 late\n2025-02-02 nine\n";
  assert_int_equal(g6_calendar_parse(&cal, ok2, strlen(ok2), "x", &e), G6_OK);
  g6_calendar_free(&cal);
}

/* Ugly calendar files, as operators produce them: each is either read
 * exactly as meant (harmless) or refused with a message that names the
 * file, the line, the value (bytes outside printable ASCII as \xNN, so a
 * byte-order mark or a no-break space is visible) and what is allowed. A
 * file with lone-CR line endings glued every date after the first into the
 * first holiday's description (a holiday lost, silently); a BOM was refused
 * as the invisible "" date; a NUL byte passed. */
static void ugly_calendar_files(void **state) {
  (void)state;
  static const struct {
    const char *name, *text;
    size_t len;    /* 0: strlen(text) */
    size_t n;      /* entries when accepted */
    const char *want; /* NULL: accepted; else in the message */
  } v[] = {
      {"duplicate holiday", "2026-03-03 Holi\n2026-03-03 Holi again\n", 0, 1,
       NULL},
      {"out of order", "2026-12-25 Christmas\n2026-01-26 Republic Day\n", 0,
       2, NULL},
      {"session before its holiday",
       "2025-10-21 13:45-14:45 Muhurat\n2025-10-21 Diwali Laxmi Pujan\n", 0,
       1, NULL},
      {"CRLF and trailing blanks",
       "2026-03-03 Holi  \r\n2026-03-26 Shri Ram Navami \t \r\n", 0, 2, NULL},
      {"lone CR line ends", "2026-03-03 Holi\r2026-03-26 Shri Ram Navami\r",
       0, 2, NULL},
      {"UTF-8 BOM", "\xEF\xBB\xBF# NSE\n2026-03-03 Holi\n", 0, 1, NULL},
      {"UTF-8 BOM before a date", "\xEF\xBB\xBF" "2026-03-03 Holi\n", 0, 1,
       NULL},
      {"UTF-8 description", "2026-03-03 Holi \xE0\xA4\xB9\xE0\xA5\x8B\n", 0,
       1, NULL},
      {"30 February", "2026-03-03 Holi\n2026-02-30 nothing\n", 0, 0,
       "f.txt:2: \"2026-02-30\" is not a valid date: 2026-02 has days 01 to "
       "28"},
      {"no-break space", "2026-03-03\xC2\xA0Holi\n", 0, 0,
       "f.txt:1: \"2026-03-03\\xC2\\xA0Holi\" is not a valid date"},
      {"BOM in the middle", "2026-03-03 Holi\n\xEF\xBB\xBF" "2026-03-26\n", 0,
       0, "f.txt:2: \"\\xEF\\xBB\\xBF2026-03-26\" is not a valid date"},
      {"NUL in a description", "2026-03-03 Holi\0x\n", 17, 0,
       "f.txt:1: byte \\x00 (a control character) at column 16"},
      {"trailing NUL", "2026-03-03 Holi\n", 17, 0,
       "f.txt:2: byte \\x00 (a control character) at column 1"},
      {"escape sequence", "2026-03-03 \x1b[31mHoli\n", 0, 0,
       "f.txt:1: byte \\x1B (a control character) at column 12"},
      {"UTF-16", "\xFF\xFE" "2\0" "0\0", 6, 0,
       "f.txt:1: the file is UTF-16 (byte-order mark \\xFF\\xFE)"},
      {"two sessions", "2026-11-08 18:00-19:00\n2026-11-08 18:15-19:15\n", 0,
       0, "f.txt:2: a second session for 2026-11-08"},
      {"CR-only second session",
       "2026-11-08 18:00-19:00\r2026-11-08 18:15-19:15\r", 0, 0,
       "f.txt:2: a second session for 2026-11-08"},
      {"empty session", "2026-03-03 10:00-10:00\n", 0, 0,
       "f.txt:1: \"10:00-10:00\" is not a session"},
  };
  int bad = 0;
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    g6_calendar cal = G6_CALENDAR_INIT;
    g6_error e;
    g6_error_clear(&e);
    size_t len = v[i].len ? v[i].len : strlen(v[i].text);
    g6_status st = g6_calendar_parse(&cal, v[i].text, len, "f.txt", &e);
    if (v[i].want == NULL && (st != G6_OK || cal.n != v[i].n)) {
      print_message("%s: status %d, %zu entries, want %zu: %s\n", v[i].name,
                    st, cal.n, v[i].n, e.msg);
      bad++;
    }
    if (v[i].want != NULL &&
        (st != G6_EPARSE || strstr(e.msg, v[i].want) == NULL)) {
      print_message("%s: status %d, message \"%s\", want \"%s\"\n",
                    v[i].name, st, e.msg, v[i].want);
      bad++;
    }
    g6_calendar_free(&cal);
  }
  assert_int_equal(bad, 0);
  /* the lone-CR file keeps both holidays and their descriptions apart */
  g6_calendar cal = G6_CALENDAR_INIT;
  g6_error e;
  const char cr[] = "2026-03-03 Holi\r2026-03-26 Shri Ram Navami\r";
  assert_int_equal(g6_calendar_parse(&cal, cr, strlen(cr), "f.txt", &e),
                   G6_OK);
  assert_true(g6_calendar_is_holiday(&cal, g6_days_from_civil(2026, 3, 26)));
  assert_string_equal(
      g6_calendar_find(&cal, g6_days_from_civil(2026, 3, 3))->holiday_desc,
      "Holi");
  g6_calendar_free(&cal);
}

/* The shipped calendars (calendars/NSE.txt, BSE.txt) hold the facts of the
 * 2025 and 2026 circulars: the weekday holidays, the Budget sessions on a
 * Saturday and a Sunday, the 2025 Muhurat hour, and none of the old list's
 * three wrong dates. */
/* A set loads each file once and hands out the same calendar for it; a bad
 * file is named; the set has a bound. */
static void calendar_set_loads_once(void **state) {
  (void)state;
  const char *root = getenv("G6_ROOT");
  char nse[512], bse[512];
  snprintf(nse, sizeof(nse), "%s/calendars/NSE.txt", root ? root : ".");
  snprintf(bse, sizeof(bse), "%s/calendars/BSE.txt", root ? root : ".");
  static g6_calendar_set set = G6_CALENDAR_SET_INIT;
  const g6_calendar *a = NULL, *b = NULL, *c = NULL;
  const char *pa = NULL;
  g6_error e;
  assert_int_equal(g6_calendar_set_get(&set, nse, &a, &pa, &e), G6_OK);
  assert_string_equal(pa, nse);
  assert_int_equal(g6_calendar_set_get(&set, bse, &b, NULL, &e), G6_OK);
  assert_int_equal(g6_calendar_set_get(&set, nse, &c, NULL, &e), G6_OK);
  assert_ptr_equal(a, c); /* loaded once */
  assert_ptr_not_equal(a, b);
  assert_int_equal(set.n, 2);
  assert_true(g6_calendar_is_holiday(a, g6_days_from_civil(2026, 1, 26)));
  assert_int_not_equal(
      g6_calendar_set_get(&set, "/nonexistent/NSE.txt", &c, NULL, &e), G6_OK);
  assert_non_null(strstr(e.msg, "/nonexistent/NSE.txt"));
  assert_int_equal(set.n, 2);
  while (set.n < G6_CALENDAR_SET_MAX)
    set.cals[set.n++].path[0] = '\0'; /* fill it (empty names) */
  assert_int_equal(g6_calendar_set_get(&set, bse, &c, NULL, &e), G6_OK);
  assert_int_equal(g6_calendar_set_get(&set, "/other.txt", &c, NULL, &e),
                   G6_ETOOBIG);
  set.n = 2;
  g6_calendar_set_free(&set);
  assert_int_equal(set.n, 0);
}

static void shipped_calendars(void **state) {
  (void)state;
  const char *root = getenv("G6_ROOT");
  const char *exch[] = {"NSE", "BSE"};
  static const int h2025[][3] = {
      {2, 26}, {3, 14}, {3, 31}, {4, 10}, {4, 14}, {4, 18}, {5, 1},
      {8, 15}, {8, 27}, {10, 2}, {10, 21}, {10, 22}, {11, 5}, {12, 25}};
  static const int h2026[][3] = {
      {1, 15}, {1, 26}, {3, 3},  {3, 26}, {3, 31},  {4, 3},   {4, 14}, {5, 1},
      {5, 28}, {6, 26}, {9, 14}, {10, 2}, {10, 20}, {11, 10}, {11, 24}, {12, 25}};
  for (int k = 0; k < 2; k++) {
    char path[512];
    snprintf(path, sizeof(path), "%s/calendars/%s.txt", root ? root : ".",
             exch[k]);
    g6_calendar cal = G6_CALENDAR_INIT;
    g6_error e;
    if (g6_calendar_load(&cal, path, &e) != G6_OK)
      fail_msg("%s", e.msg);
    for (size_t i = 0; i < 14; i++) {
      int64_t d = g6_days_from_civil(2025, h2025[i][0],
                                     h2025[i][1]);
      assert_true(g6_calendar_is_holiday(&cal, d));
    }
    for (size_t i = 0; i < 16; i++) {
      int64_t d = g6_days_from_civil(2026, h2026[i][0],
                                     h2026[i][1]);
      assert_true(g6_calendar_is_holiday(&cal, d));
      assert_false(g6_is_trading_day(&cal, d));
    }
    /* 14 + 1 Budget Saturday = 15 dates; 16 + the Budget Sunday = 17 */
    assert_int_equal(g6_calendar_year_entries(&cal, 2025), 15);
    assert_int_equal(g6_calendar_year_entries(&cal, 2026), 17);
    int o, c;
    assert_true(g6_calendar_session(&cal, g6_days_from_civil(2025, 2, 1), &o, &c));
    assert_int_equal(o, G6_SESSION_OPEN_S);
    assert_true(g6_calendar_session(&cal, g6_days_from_civil(2026, 2, 1), &o, &c));
    assert_true(g6_calendar_session(&cal, g6_days_from_civil(2025, 10, 21), &o, &c));
    assert_int_equal(o, 13 * 3600 + 45 * 60);
    assert_int_equal(c, 14 * 3600 + 45 * 60);
    /* the old list's wrong dates: a Sunday and two trading days */
    assert_false(g6_calendar_is_holiday(&cal, g6_days_from_civil(2025, 1, 26)));
    assert_true(g6_is_trading_day(&cal, g6_days_from_civil(2025, 3, 17)));
    assert_true(g6_is_trading_day(&cal, g6_days_from_civil(2025, 11, 12)));
    g6_calendar_free(&cal);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(market_session_vectors),
      cmocka_unit_test(calendar_rejects_bad_lines),
      cmocka_unit_test(special_sessions),
      cmocka_unit_test(bad_sessions_are_named),
      cmocka_unit_test(ugly_calendar_files),
      cmocka_unit_test(shipped_calendars),
      cmocka_unit_test(calendar_set_loads_once),
  };
  return G6_RUN_TESTS(tests);
}
