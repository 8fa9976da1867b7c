#include "g6_test.h"

#include "core/fsutil.h"
#include "market/instruments.h"

#define HDR                                                                    \
  "instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,"      \
  "strike,tick_size,lot_size,instrument_type,segment,exchange\n"

/* A current-format dump: quoted names, index rows, a future, an equity. */
static const char current_dump[] =
    HDR
    "256265,1001,NIFTY 50,\"NIFTY 50\",0,,0,0,0,EQ,INDICES,NSE\n"
    "265,1,SENSEX,\"SENSEX\",0,,0,0,0,EQ,INDICES,BSE\n"
    "13238786,51714,NIFTY25NOVFUT,\"NIFTY\",0,2025-11-25,0,0.1,75,FUT,NFO-FUT,NFO\n"
    "10001,1,NIFTY25N1825900CE,\"NIFTY\",0,2025-11-18,25900,0.05,75,CE,NFO-OPT,NFO\n"
    "10002,2,NIFTY25N1825900PE,\"NIFTY\",0,2025-11-18,25900,0.05,75,PE,NFO-OPT,NFO\n"
    "10003,3,NIFTY25NOV25900CE,\"NIFTY\",0,2025-11-25,25900,0.05,75,CE,NFO-OPT,NFO\n"
    "10004,4,NIFTY25N1125900CE,\"NIFTY\",0,2025-11-11,25900,0.05,75,CE,NFO-OPT,NFO\n"
    "10005,5,BANKNIFTY25NOV58000CE,\"BANKNIFTY\",0,2025-11-25,58000,0.05,35,CE,NFO-OPT,NFO\n"
    "20001,6,SENSEX25N2084500PE,\"SENSEX\",0,2025-11-20,84500,0.05,20,PE,BFO-OPT,BFO\n"
    "738561,2885,RELIANCE,\"RELIANCE INDUSTRIES\",0,,0,0.1,1,EQ,NSE,NSE\n";

static int64_t day(int y, int m, int d) { return g6_days_from_civil(y, m, d); }

static void current_format_table_and_lookups(void **state) {
  (void)state;
  g6_instruments *t = NULL;
  g6_error e;
  assert_int_equal(g6_instruments_parse(current_dump, sizeof(current_dump) - 1,
                                        0, &t, &e),
                   G6_OK);
  const g6_instruments_stats *st = g6_instruments_get_stats(t);
  assert_int_equal(st->rows, 10);
  assert_int_equal(st->options, 6);
  assert_int_equal(st->indices, 2);
  assert_int_equal(st->skipped, 2);
  assert_int_equal(st->rejected, 0);
  assert_int_equal(st->root_rule[G6_ROOT_NAME], 6);
  assert_int_equal(g6_instruments_count(t), 8);

  int64_t ex[8];
  /* today = 2025-11-12: the 11th is past */
  size_t n = g6_instruments_expiries(t, "NIFTY", "NFO-OPT",
                                     day(2025, 11, 12), ex, 8);
  assert_int_equal(n, 2);
  assert_int_equal(ex[0], day(2025, 11, 18));
  assert_int_equal(ex[1], day(2025, 11, 25));
  /* an expiry on today is still listed */
  assert_int_equal(g6_instruments_expiries(t, "NIFTY", "NFO-OPT",
                                           day(2025, 11, 11), ex, 1),
                   3);
  assert_int_equal(ex[0], day(2025, 11, 11)); /* max honoured */
  assert_int_equal(g6_instruments_expiries(t, "SENSEX", "BFO-OPT", 0, ex, 8),
                   1);
  assert_int_equal(g6_instruments_expiries(t, "SENSEX", "NFO-OPT", 0, ex, 8),
                   0);
  assert_int_equal(g6_instruments_expiries(t, "NIFT", "NFO-OPT", 0, ex, 8), 0);
  /* weekly and monthly contracts, told apart by their symbols */
  assert_int_equal(g6_instruments_expiry_kind(t, "NIFTY", "NFO-OPT",
                                              day(2025, 11, 18)),
                   G6_EXPIRY_WEEKLY);
  assert_int_equal(g6_instruments_expiry_kind(t, "NIFTY", "NFO-OPT",
                                              day(2025, 11, 25)),
                   G6_EXPIRY_MONTHLY);
  assert_int_equal(g6_instruments_expiry_kind(t, "SENSEX", "BFO-OPT",
                                              day(2025, 11, 20)),
                   G6_EXPIRY_WEEKLY);
  assert_int_equal(g6_instruments_expiry_kind(t, "NIFTY", "NFO-OPT",
                                              day(2025, 11, 19)),
                   G6_EXPIRY_KIND_UNKNOWN); /* nothing listed that day */

  const g6_instrument *in = NULL;
  assert_int_equal(g6_instruments_find_option(t, "NIFTY", "NFO-OPT",
                                              day(2025, 11, 18), 25900.0,
                                              G6_PUT, &in),
                   G6_OK);
  char key[G6_INST_KEY_MAX];
  assert_int_equal(g6_instrument_key(in, key, sizeof(key)), 21);
  assert_string_equal(key, "NFO:NIFTY25N1825900PE");
  /* snprintf's contract: the full length, the output cut and terminated */
  char small[8] = "xxxxxxx";
  assert_int_equal(g6_instrument_key(in, small, sizeof(small)), 21);
  assert_string_equal(small, "NFO:NIF");
  assert_int_equal(g6_instrument_key(in, small, 0), 21);
  assert_string_equal(small, "NFO:NIF");
  assert_int_equal(in->instrument_token, 10002);
  assert_int_equal(in->lot_size, 75);
  assert_close(in->tick_size, 0.05, 1e-12);
  assert_int_equal(g6_instruments_find_option(t, "NIFTY", "NFO-OPT",
                                              day(2025, 11, 18), 25950.0,
                                              G6_PUT, &in),
                   G6_ENOENT);
  assert_null(in);
  assert_int_equal(g6_instruments_find_option(t, "SENSEX", "BFO-OPT",
                                              day(2025, 11, 20), 84500.0,
                                              G6_PUT, &in),
                   G6_OK);
  g6_instrument_key(in, key, sizeof(key));
  assert_string_equal(key, "BFO:SENSEX25N2084500PE");

  const g6_instrument *ix = g6_instruments_find_index(t, "NSE", "NIFTY 50");
  assert_non_null(ix);
  assert_int_equal(ix->instrument_token, 256265);
  assert_null(g6_instruments_find_index(t, "BSE", "NIFTY 50"));
  g6_instruments_free(t);
}

/* Zerodha's old mock dump: CRLF, empty names for options (root from the
 * symbol), 2017/2018 expiries. */
static void kite_mock_dump_symbol_rule(void **state) {
  (void)state;
  char path[512], *text = NULL;
  size_t len = 0;
  g6_error e;
  const char *root = getenv("G6_ROOT");
  snprintf(path, sizeof(path),
           "%s/tests/fuzz/corpus/instruments/kite_instruments_all.csv",
           root ? root : ".");
  assert_int_equal(g6_read_file(path, 1 << 20, &text, &len, &e), G6_OK);
  g6_instruments *t = NULL;
  assert_int_equal(g6_instruments_parse(text, len, 0, &t, &e), G6_OK);
  const g6_instruments_stats *st = g6_instruments_get_stats(t);
  assert_int_equal(st->rows, 99);
  assert_int_equal(st->options, 25);
  assert_int_equal(st->root_rule[G6_ROOT_SYMBOL], 25);
  assert_int_equal(st->root_rule[G6_ROOT_NAME], 0);
  assert_int_equal(st->rejected, 0);
  int64_t ex[4];
  assert_int_equal(g6_instruments_expiries(t, "BANKNIFTY", "NFO-OPT",
                                           day(2017, 11, 1), ex, 4),
                   3);
  assert_int_equal(ex[0], day(2017, 11, 30));
  assert_int_equal(ex[2], day(2018, 1, 25));
  const g6_instrument *in = NULL;
  assert_int_equal(g6_instruments_find_option(t, "BANKNIFTY", "NFO-OPT",
                                              day(2018, 1, 25), 23500,
                                              G6_CALL, &in),
                   G6_OK);
  assert_string_equal(in->tradingsymbol, "BANKNIFTY18JAN23500CE");
  assert_int_equal(in->instrument_token, 12073986);
  assert_int_equal(in->root_rule, G6_ROOT_SYMBOL);
  assert_int_equal(g6_instruments_find_option(t, "INDIACEM", "NFO-OPT",
                                              day(2017, 12, 28), 225,
                                              G6_PUT, &in),
                   G6_OK);
  g6_instruments_free(t);
  free(text);
}

typedef struct bad_header {
  const char *name;
  const char *text;
  const char *msg_part;
} bad_header;

static void strict_header(void **state) {
  (void)state;
  static const bad_header cases[] = {
      {"renamed column",
       "instrument_token,exchange_token,symbol,name,last_price,expiry,strike,"
       "tick_size,lot_size,instrument_type,segment,exchange\n",
       "column 3 is \"symbol\", expected \"tradingsymbol\""},
      {"missing column",
       "instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,"
       "strike,tick_size,lot_size,instrument_type,segment\n",
       "11 columns, expected 12"},
      {"extra column", HDR "x", "13 columns"},
      {"json instead of csv", "{\"status\":\"error\"}\n", "column 1 is"},
      {"empty", "", "empty"},
  };
  (void)cases[2];
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    g6_instruments *t = NULL;
    g6_error e;
    const char *text = cases[i].text;
    char extra[400];
    if (i == 2) { /* header with a 13th column */
      snprintf(extra, sizeof(extra), "%.*s,extra\n", (int)strlen(HDR) - 1,
               HDR);
      text = extra;
    }
    g6_status s = g6_instruments_parse(text, strlen(text), 0, &t, &e);
    if (s != G6_EPROTO || strstr(e.msg, cases[i].msg_part) == NULL)
      fail_msg("%s: status %s, message \"%s\"", cases[i].name,
               g6_status_name(s), e.msg);
    assert_null(t);
  }
}

typedef struct bad_row {
  const char *name;
  const char *row;
  g6_inst_reject reason; /* G6_INST_REJ_COUNT = kept */
} bad_row;

static void rejects_are_counted(void **state) {
  (void)state;
  static const bad_row rows[] = {
      {"too few fields", "1,2,NIFTY25N1825900CE,NIFTY,0,2025-11-18,25900\n",
       G6_INST_REJ_COLUMNS},
      {"too many fields",
       "1,2,X1CE,NIFTY,0,2025-11-18,1,0.05,75,CE,NFO-OPT,NFO,9,9,9,9,9,9,9\n",
       G6_INST_REJ_COLUMNS},
      {"bad token",
       "x1,2,NIFTY25N181CE,NIFTY,0,2025-11-18,1,0.05,75,CE,NFO-OPT,NFO\n",
       G6_INST_REJ_NUMBER},
      {"bad strike",
       "1,2,NIFTY25N181CE,NIFTY,0,2025-11-18,abc,0.05,75,CE,NFO-OPT,NFO\n",
       G6_INST_REJ_NUMBER},
      {"negative strike",
       "1,2,NIFTY25N181CE,NIFTY,0,2025-11-18,-5,0.05,75,CE,NFO-OPT,NFO\n",
       G6_INST_REJ_NUMBER},
      {"fractional lot",
       "1,2,NIFTY25N181CE,NIFTY,0,2025-11-18,5,0.05,7.5,CE,NFO-OPT,NFO\n",
       G6_INST_REJ_NUMBER},
      {"nan strike",
       "1,2,NIFTY25N181CE,NIFTY,0,2025-11-18,nan,0.05,75,CE,NFO-OPT,NFO\n",
       G6_INST_REJ_NUMBER},
      {"impossible expiry",
       "1,2,NIFTY25N181CE,NIFTY,0,2025-02-30,1,0.05,75,CE,NFO-OPT,NFO\n",
       G6_INST_REJ_EXPIRY},
      {"empty expiry", "1,2,NIFTY25N181CE,NIFTY,0,,1,0.05,75,CE,NFO-OPT,NFO\n",
       G6_INST_REJ_EXPIRY},
      {"no root derivable",
       "1,2,123CE,,0,2025-11-18,1,0.05,75,CE,NFO-OPT,NFO\n",
       G6_INST_REJ_SYMBOL},
      {"empty symbol", "1,2,,NIFTY,0,2025-11-18,1,0.05,75,CE,NFO-OPT,NFO\n",
       G6_INST_REJ_SYMBOL},
      {"text after closing quote",
       "1,2,NIFTY25N181CE,\"NIFTY\"x,0,2025-11-18,1,0.05,75,CE,NFO-OPT,NFO\n",
       G6_INST_REJ_QUOTE},
      {"symbol too long",
       "1,2,NIFTYAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1CE,NIFTY,0,2025-11-"
       "18,1,0.05,75,CE,NFO-OPT,NFO\n",
       G6_INST_REJ_TOO_LONG},
      /* a symbol not exactly one of Kite's two forms for its row: its kind
       * would be a guess (the reviewer's weekly of 2026-12-01 with its
       * month in letters was taken for a monthly) */
      {"weekly written with the month's letters",
       "1,2,NIFTY26DEC0126200CE,NIFTY,0,2026-12-01,26200,0.05,75,CE,NFO-OPT,"
       "NFO\n",
       G6_INST_REJ_FORM},
      {"weekly written with the month's letters, day 15",
       "1,2,NIFTY26DEC1526200PE,NIFTY,0,2026-12-15,26200.0,0.05,75,PE,NFO-OPT,"
       "NFO\n",
       G6_INST_REJ_FORM},
      {"monthly written as a date",
       "1,2,NIFTY26122926200CE,NIFTY,0,2026-12-29,26200,0.05,75,CE,NFO-OPT,"
       "NFO\n",
       G6_INST_REJ_FORM},
      {"symbol's strike not the row's",
       "1,2,NIFTY26D0126200CE,NIFTY,0,2026-12-01,26100,0.05,75,CE,NFO-OPT,"
       "NFO\n",
       G6_INST_REJ_FORM},
      {"symbol's option type not the row's",
       "1,2,NIFTY26D0126200CE,NIFTY,0,2026-12-01,26200,0.05,75,PE,NFO-OPT,"
       "NFO\n",
       G6_INST_REJ_FORM},
      {"strike written with a fraction of zero",
       "1,2,NIFTY26DEC26200.0CE,NIFTY,0,2026-12-29,26200,0.05,75,CE,NFO-OPT,"
       "NFO\n",
       G6_INST_REJ_FORM},
      {"text after the option type",
       "1,2,NIFTY26DEC26200CEW,NIFTY,0,2026-12-29,26200,0.05,75,CE,NFO-OPT,"
       "NFO\n",
       G6_INST_REJ_FORM},
      {"weekly of a day that does not exist",
       "1,2,NIFTY26N3126200CE,NIFTY,0,2026-11-30,26200,0.05,75,CE,NFO-OPT,"
       "NFO\n",
       G6_INST_REJ_FORM},
      {"no expiry in the symbol",
       "1,2,NIFTY26200CE,NIFTY,0,2026-12-29,26200,0.05,75,CE,NFO-OPT,NFO\n",
       G6_INST_REJ_FORM},
      {"weekly in Kite's form kept",
       "1,2,NIFTY26D0126200CE,NIFTY,0,2026-12-01,26200.0,0.05,75,CE,NFO-OPT,"
       "NFO\n",
       G6_INST_REJ_COUNT},
      {"monthly in Kite's form kept",
       "1,2,NIFTY26DEC26200CE,NIFTY,0,2026-12-29,26200,0.05,75,CE,NFO-OPT,"
       "NFO\n",
       G6_INST_REJ_COUNT},
      {"fractional strike kept",
       "1,2,SBIN26DEC832.5PE,SBIN,0,2026-12-29,832.5,0.05,750,PE,NFO-OPT,NFO\n",
       G6_INST_REJ_COUNT},
      {"weekly moved by a holiday into the month before kept",
       "1,2,NIFTY2543024300CE,NIFTY,0,2025-04-30,24300,0.05,75,CE,NFO-OPT,"
       "NFO\n",
       G6_INST_REJ_COUNT},
      {"monthly moved a day earlier kept",
       "1,2,NIFTY26MAR23000PE,NIFTY,0,2026-03-30,23000,0.05,75,PE,NFO-OPT,"
       "NFO\n",
       G6_INST_REJ_COUNT},
      {"quoted comma and doubled quote kept",
       "7,2,NIFTY25N181CE,\"NI\"\"F,TY\",0,2025-11-18,1,0.05,75,CE,NFO-OPT,"
       "NFO\n",
       G6_INST_REJ_COUNT},
      {"CRLF row kept",
       "8,2,NIFTY25N182CE,NIFTY,0,2025-11-18,2,0.05,75,CE,NFO-OPT,NFO\r\n",
       G6_INST_REJ_COUNT},
  };
  for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    char text[600];
    snprintf(text, sizeof(text), "%s%s", HDR, rows[i].row);
    g6_instruments *t = NULL;
    g6_error e;
    assert_int_equal(g6_instruments_parse(text, strlen(text), 0, &t, &e),
                     G6_OK);
    const g6_instruments_stats *st = g6_instruments_get_stats(t);
    if (rows[i].reason == G6_INST_REJ_COUNT) {
      if (st->options != 1 || st->rejected != 0)
        fail_msg("%s: not kept", rows[i].name);
    } else if (st->rejects[rows[i].reason] != 1 || st->rejected != 1 ||
               st->options != 0) {
      fail_msg("%s: expected one %s reject, got rejected=%llu options=%llu",
               rows[i].name, g6_inst_reject_name(rows[i].reason),
               (unsigned long long)st->rejected,
               (unsigned long long)st->options);
    }
    if (strncmp(rows[i].name, "quoted comma", 12) == 0)
      assert_string_equal(g6_instruments_at(t, 0)->name, "NI\"F,TY");
    g6_instruments_free(t);
  }
}

/* A symbol listed twice with different contents and one contract under two
 * symbols are rejected, every copy, and named with their lines: before, a
 * repeated row with another expiry made a fake expiry ("next_week"
 * resolved to it) and priced one quote under two dates. A row repeated
 * byte for byte is kept once. An option whose symbol names another day
 * than its expiry column is kept under the column's date (NSE moves listed
 * contracts, which keep their symbols: BANKNIFTY's 13 Jul 2023 contracts
 * expired on the 14th) and noted. */
static void duplicates_and_moved_contracts(void **state) {
  (void)state;
  static const char dump[] =
      HDR                                                             /* 1 */
      "256265,1001,NIFTY 50,\"NIFTY 50\",0,,0,0,0,EQ,INDICES,NSE\n"       /* 2 */
      "1,1,NIFTY26D0126000CE,NIFTY,0,2026-12-01,26000,0.05,75,CE,NFO-OPT,NFO\n"
      "2,2,NIFTY26D0126000PE,NIFTY,0,2026-12-01,26000,0.05,75,PE,NFO-OPT,NFO\n"
      "3,3,NIFTY26D0826000CE,NIFTY,0,2026-12-08,26000,0.05,75,CE,NFO-OPT,NFO\n"
      /* 6: the reviewer's row: the same symbol, another token and day */
      "9,9,NIFTY26D0126000CE,NIFTY,0,2026-12-02,26000,0.05,75,CE,NFO-OPT,NFO\n"
      /* 7: the same symbol again, another token, the right day */
      "8,8,NIFTY26D0126000PE,NIFTY,0,2026-12-01,26000,0.05,75,PE,NFO-OPT,NFO\n"
      /* 8, 9: one contract under a weekly and a monthly symbol */
      "4,4,NIFTY26D2926100CE,NIFTY,0,2026-12-29,26100,0.05,75,CE,NFO-OPT,NFO\n"
      "5,5,NIFTY26DEC26100CE,NIFTY,0,2026-12-29,26100,0.05,75,CE,NFO-OPT,NFO\n"
      /* 10: the index row again, byte for byte: kept once */
      "256265,1001,NIFTY 50,\"NIFTY 50\",0,,0,0,0,EQ,INDICES,NSE\n"
      "6,6,NIFTY26DEC26100PE,NIFTY,0,2026-12-29,26100,0.05,75,PE,NFO-OPT,NFO\n"
      /* 12, 13: contracts moved a day after listing, symbols unchanged */
      "7,7,BANKNIFTY2371345000CE,BANKNIFTY,0,2023-07-14,45000,0.05,25,CE,"
      "NFO-OPT,NFO\n"
      "10,10,SENSEX2611582000PE,SENSEX,0,2026-01-14,82000,0.05,20,PE,BFO-OPT,"
      "BFO\n"
      /* 14, 15: a repeat of a row that conflicts with a third copy */
      "11,11,NIFTY26D0826100PE,NIFTY,0,2026-12-08,26100,0.05,75,PE,NFO-OPT,NFO\n"
      "11,11,NIFTY26D0826100PE,NIFTY,0,2026-12-08,26100,0.05,75,PE,NFO-OPT,NFO\n"
      "12,12,NIFTY26D0826100PE,NIFTY,0,2026-12-08,26100,0.05,75,PE,NFO-OPT,NFO\n";
  g6_instruments *t = NULL;
  g6_error e;
  assert_int_equal(g6_instruments_parse(dump, sizeof(dump) - 1, 0, &t, &e),
                   G6_OK);
  const g6_instruments_stats *st = g6_instruments_get_stats(t);
  /* lines 3 and 6 (CE 26000, two expiries), 4 and 7 (PE twice), 8 and 9
   * (one contract), 14-16 (a conflicting third copy) */
  assert_int_equal(st->rejects[G6_INST_REJ_DUPLICATE], 9);
  assert_int_equal(st->rejected, 9);
  assert_int_equal(st->repeated, 1);
  assert_int_equal(st->indices, 1);
  assert_int_equal(st->options, 4); /* lines 5, 11, 12, 13 */
  assert_int_equal(st->root_rule[G6_ROOT_NAME], 4);
  assert_int_equal(g6_instruments_count(t), 5);
  assert_non_null(g6_instruments_find_index(t, "NSE", "NIFTY 50"));
  /* lines 6 (then rejected as a duplicate), 12 and 13 */
  assert_int_equal(st->moved, 3);
  assert_int_equal(st->moved_line, 6);
  assert_string_equal(st->moved_what,
                      "tradingsymbol NIFTY26D0126000CE names 2026-12-01, "
                      "expiry is 2026-12-02");
  int64_t ex[4];
  assert_int_equal(g6_instruments_expiries(t, "NIFTY", "NFO-OPT",
                                           day(2026, 11, 30), ex, 4),
                   2);
  assert_int_equal(ex[0], day(2026, 12, 8)); /* not the fake 12-02 */
  assert_int_equal(ex[1], day(2026, 12, 29));
  const g6_instrument *in = NULL;
  assert_int_equal(g6_instruments_find_option(t, "NIFTY", "NFO-OPT",
                                              day(2026, 12, 29), 26100,
                                              G6_CALL, &in),
                   G6_ENOENT);
  assert_int_equal(g6_instruments_find_option(t, "BANKNIFTY", "NFO-OPT",
                                              day(2023, 7, 14), 45000,
                                              G6_CALL, &in),
                   G6_OK);
  assert_int_equal(in->series, G6_EXPIRY_WEEKLY);
  assert_int_equal(g6_instruments_find_option(t, "NIFTY", "NFO-OPT",
                                              day(2026, 12, 8), 26000,
                                              G6_CALL, &in),
                   G6_OK);
  assert_int_equal(in->instrument_token, 3);
  assert_int_equal(in->line, 5);
  char text[1024];
  g6_instruments_rejects_text(st, text, sizeof(text));
  if (strstr(text, "duplicate=9 (first: line ") == NULL ||
      strstr(text, "is listed on lines") == NULL)
    fail_msg("rejects text: %s", text);
  /* a short buffer is cut and terminated, the length needed returned */
  char small[16];
  assert_int_equal(g6_instruments_rejects_text(st, small, sizeof(small)),
                   strlen(text));
  assert_int_equal(strlen(small), 15);
  g6_instruments_free(t);
}

/* One expiry whose options list two lot sizes: every row is kept (the
 * prices are right), the expiry is counted and named with the two lines
 * that disagree, and each of its options carries lot_mixed (its lot size
 * unknown); the other expiries of the index, and an index row between
 * expiries, are untouched. */
static void mixed_lot_sizes(void **state) {
  (void)state;
  static const char dump[] =
      HDR                                                             /* 1 */
      "256265,1001,NIFTY 50,\"NIFTY 50\",0,,0,0,0,EQ,INDICES,NSE\n"     /* 2 */
      "1,1,NIFTY26D0126000CE,NIFTY,0,2026-12-01,26000,0.05,75,CE,NFO-OPT,NFO\n"
      "2,2,NIFTY26D0126000PE,NIFTY,0,2026-12-01,26000,0.05,75,PE,NFO-OPT,NFO\n"
      "3,3,NIFTY26D0126050CE,NIFTY,0,2026-12-01,26050,0.05,150,CE,NFO-OPT,"
      "NFO\n" /* 5 */
      "4,4,NIFTY26D0826000CE,NIFTY,0,2026-12-08,26000,0.05,75,CE,NFO-OPT,NFO\n"
      "5,5,NIFTY26D0826000PE,NIFTY,0,2026-12-08,26000,0.05,75,PE,NFO-OPT,NFO\n"
      "6,6,SENSEX26D0382000PE,SENSEX,0,2026-12-03,82000,0.05,20,PE,BFO-OPT,"
      "BFO\n"
      /* 9, 10: a row without a lot size (0) beside one with it: one lot
       * size, not two */
      "7,7,SENSEX26D0382000CE,SENSEX,0,2026-12-03,82000,0.05,0,CE,BFO-OPT,"
      "BFO\n"
      "8,8,SENSEX26D0382100CE,SENSEX,0,2026-12-03,82100,0.05,20,CE,BFO-OPT,"
      "BFO\n";
  g6_instruments *t = NULL;
  g6_error e;
  assert_int_equal(g6_instruments_parse(dump, sizeof(dump) - 1, 0, &t, &e),
                   G6_OK);
  const g6_instruments_stats *st = g6_instruments_get_stats(t);
  assert_int_equal(st->rejected, 0);
  assert_int_equal(st->options, 8);
  assert_int_equal(st->mixed_lots, 1);
  assert_string_equal(st->mixed_lots_what,
                      "NIFTY NFO-OPT 2026-12-01: lot size 75 on line 3 "
                      "(NIFTY26D0126000CE), 150 on line 5 "
                      "(NIFTY26D0126050CE)");
  static const struct {
    int m, d;
    double strike;
    g6_opt_type type;
    int lot, mixed;
  } want[] = {{12, 1, 26000, G6_CALL, 75, 1},
              {12, 1, 26000, G6_PUT, 75, 1},
              {12, 1, 26050, G6_CALL, 150, 1},
              {12, 8, 26000, G6_CALL, 75, 0},
              {12, 8, 26000, G6_PUT, 75, 0}};
  for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
    const g6_instrument *in = NULL;
    assert_int_equal(g6_instruments_find_option(t, "NIFTY", "NFO-OPT",
                                                day(2026, want[i].m,
                                                    want[i].d),
                                                want[i].strike, want[i].type,
                                                &in),
                     G6_OK);
    assert_int_equal(in->lot_size, want[i].lot);
    assert_int_equal(in->lot_mixed, want[i].mixed);
  }
  const g6_instrument *in = NULL;
  assert_int_equal(g6_instruments_find_option(t, "SENSEX", "BFO-OPT",
                                              day(2026, 12, 3), 82000, G6_PUT,
                                              &in),
                   G6_OK);
  assert_int_equal(in->lot_mixed, 0);
  g6_instruments_free(t);
}

/* The reviewer's dump: the weekly of 2026-12-01 listed as
 * NIFTY26DEC0126200CE/PE was taken for a monthly, so this_month resolved to
 * 2026-12-01 and collected weeklies, and the real monthly (2026-12-29) was
 * never collected; nothing warned. Its rows are now rejected as
 * symbol_form, named with their line, and this_month is the monthly. */
static void weekly_in_monthly_form_is_refused(void **state) {
  (void)state;
  static const char dump[] = HDR /* 1 */
      "1,1,NIFTY26DEC0126200CE,NIFTY,0,2026-12-01,26200.0,0.05,75,CE,NFO-OPT,"
      "NFO\n" /* 2 */
      "2,2,NIFTY26DEC0126200PE,NIFTY,0,2026-12-01,26200.0,0.05,75,PE,NFO-OPT,"
      "NFO\n" /* 3 */
      "3,3,NIFTY26D0826200CE,NIFTY,0,2026-12-08,26200.0,0.05,75,CE,NFO-OPT,"
      "NFO\n"
      "4,4,NIFTY26DEC26200CE,NIFTY,0,2026-12-29,26200.0,0.05,75,CE,NFO-OPT,"
      "NFO\n"
      "5,5,NIFTY26DEC26200PE,NIFTY,0,2026-12-29,26200.0,0.05,75,PE,NFO-OPT,"
      "NFO\n"
      "6,6,NIFTY27JAN26200CE,NIFTY,0,2027-01-26,26200.0,0.05,75,CE,NFO-OPT,"
      "NFO\n";
  g6_instruments *t = NULL;
  g6_error e;
  assert_int_equal(g6_instruments_parse(dump, sizeof(dump) - 1, 0, &t, &e),
                   G6_OK);
  const g6_instruments_stats *st = g6_instruments_get_stats(t);
  assert_int_equal(st->rejects[G6_INST_REJ_FORM], 2);
  assert_int_equal(st->rejected, 2);
  assert_int_equal(st->options, 4);
  assert_int_equal(st->moved, 0);
  assert_int_equal(st->first_line[G6_INST_REJ_FORM], 2);
  assert_string_equal(st->first_what[G6_INST_REJ_FORM],
                      "NFO:NIFTY26DEC0126200CE is neither NIFTY<YY><MON> nor "
                      "NIFTY<YY><M><DD> + strike 26200 + CE (expiry "
                      "2026-12-01)");
  assert_string_equal(g6_inst_reject_name(G6_INST_REJ_FORM), "symbol_form");
  char text[400];
  g6_instruments_rejects_text(st, text, sizeof(text));
  assert_non_null(strstr(text, "symbol_form=2 (first: line 2, "));
  int64_t ex[8];
  size_t n =
      g6_instruments_expiries(t, "NIFTY", "NFO-OPT", day(2026, 11, 30), ex, 8);
  assert_int_equal(n, 3);
  g6_date listed[3];
  g6_expiry_kind kinds[3];
  for (size_t i = 0; i < n; i++) {
    listed[i] = g6_civil_from_days(ex[i]);
    kinds[i] = g6_instruments_expiry_kind(t, "NIFTY", "NFO-OPT", ex[i]);
  }
  assert_int_equal(ex[0], day(2026, 12, 8));
  assert_int_equal(kinds[0], G6_EXPIRY_WEEKLY);
  assert_int_equal(kinds[1], G6_EXPIRY_MONTHLY);
  assert_int_equal(kinds[2], G6_EXPIRY_MONTHLY);
  g6_expiry_spec spec;
  g6_date got;
  assert_int_equal(g6_expiry_spec_parse("this_month", &spec), G6_OK);
  assert_int_equal(g6_expiry_resolve(&spec, listed, kinds, n, day(2026, 11, 30),
                                     &got, NULL, &e),
                   G6_OK);
  assert_int_equal(got.year, 2026);
  assert_int_equal(got.month, 12);
  assert_int_equal(got.day, 29);
  assert_int_equal(g6_expiry_spec_parse("next_month", &spec), G6_OK);
  assert_int_equal(g6_expiry_resolve(&spec, listed, kinds, n, day(2026, 11, 30),
                                     &got, NULL, &e),
                   G6_OK);
  assert_int_equal(got.month, 1);
  g6_instruments_free(t);
}

/* Every reason names the field, its value and the line in its first
 * reject (quoted fields spanning lines counted). */
static void rejects_name_line_and_value(void **state) {
  (void)state;
  static const char dump[] = HDR "1,2,NIFTY25N181CE,NIFTY,0,2025-11-18,abc,0."
                                 "05,75,CE,NFO-OPT,NFO\n" /* 2 */
                                 "1,2,NIFTY25N181CE,\"NI\nFTY\",0,2025-11-18,1,"
                                 "0.05,75,CE,NFO-OPT,NFO\n" /* 3-4 */
                                 "1,2,NIFTY3CE,NIFTY,0,2025-11-18,1,0.05,7.5,"
                                 "CE,NFO-OPT,NFO\n" /* 5 */
                                 "1,2,NIFTY4CE,NIFTY,0,2025-13-18,1,0.05,75,CE,"
                                 "NFO-OPT,NFO\n"                     /* 6 */
                                 "1,2,NIFTY4CE,NIFTY,0,2025-11-18\n" /* 7 */
                                 "1,2,NIFTY5CE,\"N\"x,0,2025-11-18,1,0.05,75,"
                                 "CE,NFO-OPT,NFO\n"; /* 8 */
  g6_instruments *t = NULL;
  g6_error e;
  assert_int_equal(g6_instruments_parse(dump, sizeof(dump) - 1, 0, &t, &e),
                   G6_OK);
  const g6_instruments_stats *st = g6_instruments_get_stats(t);
  assert_int_equal(st->rejects[G6_INST_REJ_NUMBER], 2);
  assert_int_equal(st->first_line[G6_INST_REJ_NUMBER], 2);
  assert_string_equal(
      st->first_what[G6_INST_REJ_NUMBER],
      "NIFTY25N181CE: strike \"abc\" is not a number 0 ... 1e12");
  assert_int_equal(st->first_line[G6_INST_REJ_EXPIRY], 6);
  assert_string_equal(st->first_what[G6_INST_REJ_EXPIRY],
                      "NIFTY4CE: expiry \"2025-13-18\" is not a YYYY-MM-DD "
                      "date");
  assert_int_equal(st->first_line[G6_INST_REJ_COLUMNS], 7);
  assert_string_equal(st->first_what[G6_INST_REJ_COLUMNS],
                      "6 fields, expected 12");
  assert_int_equal(st->first_line[G6_INST_REJ_QUOTE], 8);
  assert_int_equal(g6_instruments_count(t), 1); /* the row on lines 3-4 */
  assert_int_equal(g6_instruments_at(t, 0)->line, 3);
  g6_instruments_free(t);
}

/* Any split of the input gives the same table as one feed. */
/* A hostile dump's fields are logged with control bytes as '?' (no
 * terminal escapes from a tradingsymbol). */
static void hostile_symbols_are_logged_printable(void **state) {
  (void)state;
  static const char dump[] = HDR "1,2,NIF\033[2JTY1CE,NIFTY,0,2025-11-18,abc,"
                                 "0.05,75,CE,NFO-OPT,NFO\n";
  g6_instruments *t = NULL;
  g6_error e;
  assert_int_equal(g6_instruments_parse(dump, sizeof(dump) - 1, 0, &t, &e),
                   G6_OK);
  const g6_instruments_stats *st = g6_instruments_get_stats(t);
  assert_string_equal(st->first_what[G6_INST_REJ_NUMBER],
                      "NIF?[2JTY1CE: strike \"abc\" is not a number 0 ... "
                      "1e12");
  g6_instruments_free(t);
}

static void chunking_is_invisible(void **state) {
  (void)state;
  size_t len = sizeof(current_dump) - 1;
  for (size_t step = 1; step < 40; step += 3) {
    g6_instruments *t = g6_instruments_new(0);
    g6_error e;
    for (size_t off = 0; off < len; off += step) {
      size_t n = len - off < step ? len - off : step;
      assert_int_equal(g6_instruments_feed(t, current_dump + off, n, &e),
                       G6_OK);
    }
    assert_int_equal(g6_instruments_finish(t, &e), G6_OK);
    assert_int_equal(g6_instruments_count(t), 8);
    assert_int_equal(g6_instruments_get_stats(t)->rejected, 0);
    g6_instruments_free(t);
  }
}

static void ugly_endings_and_limits(void **state) {
  (void)state;
  g6_instruments *t = NULL;
  g6_error e;
  /* last row without newline is processed */
  const char *a =
      HDR "1,2,NIFTY25N181CE,NIFTY,0,2025-11-18,1,0.05,75,CE,NFO-OPT,NFO";
  assert_int_equal(g6_instruments_parse(a, strlen(a), 0, &t, &e), G6_OK);
  assert_int_equal(g6_instruments_count(t), 1);
  g6_instruments_free(t);
  /* the input ends inside a quoted field */
  const char *b = HDR "1,2,NIFTY25N181CE,\"NIF";
  assert_int_equal(g6_instruments_parse(b, strlen(b), 0, &t, &e),
                   G6_ETRUNCATED);
  /* a record longer than the limit is rejected; parsing continues */
  char big[3000];
  int n = snprintf(big, sizeof(big), "%s", HDR);
  memset(big + n, 'A', 2000);
  n += 2000;
  n += snprintf(
      big + n, sizeof(big) - (size_t)n,
      "\n1,2,NIFTY25N181CE,NIFTY,0,2025-11-18,1,0.05,75,CE,NFO-OPT,NFO\n");
  assert_int_equal(g6_instruments_parse(big, (size_t)n, 0, &t, &e), G6_OK);
  assert_int_equal(g6_instruments_get_stats(t)->rejects[G6_INST_REJ_TOO_LONG],
                   1);
  assert_int_equal(g6_instruments_count(t), 1);
  g6_instruments_free(t);
  /* a field filling the record, then empty fields: each empty field's NUL
   * needs room too (they were written past the record; fuzz_instruments) */
  n = snprintf(big, sizeof(big), "%s", HDR);
  memset(big + n, 'B', 1021);
  n += 1021;
  n += snprintf(
      big + n, sizeof(big) - (size_t)n,
      ",,,,,,,,,,,,\n1,2,NIFTY25N181CE,NIFTY,0,2025-11-18,1,0.05,75,CE,"
      "NFO-OPT,NFO\n");
  assert_int_equal(g6_instruments_parse(big, (size_t)n, 0, &t, &e), G6_OK);
  assert_int_equal(g6_instruments_get_stats(t)->rejects[G6_INST_REJ_TOO_LONG],
                   1);
  assert_int_equal(g6_instruments_count(t), 1);
  g6_instruments_free(t);
  /* max_rows */
  const char *c = HDR "1,2,N25N181CE,N,0,2025-11-18,1,0.05,75,CE,NFO-OPT,NFO\n"
                      "2,2,N25N182CE,N,0,2025-11-18,2,0.05,75,CE,NFO-OPT,NFO\n";
  assert_int_equal(g6_instruments_parse(c, strlen(c), 1, &t, &e), G6_ETOOBIG);
  /* NUL bytes inside a field: the field is cut, the row stays bounded */
  const char d[] = HDR "1,2,N1\0CE,N,0,2025-11-18,1,0.05,75,CE,NFO-OPT,NFO\n";
  assert_int_equal(g6_instruments_parse(d, sizeof(d) - 1, 0, &t, &e), G6_OK);
  g6_instruments_free(t);
  /* a BOM before the header is accepted */
  char bom[400];
  snprintf(bom, sizeof(bom), "\xEF\xBB\xBF%s", HDR);
  assert_int_equal(g6_instruments_parse(bom, strlen(bom), 0, &t, &e), G6_OK);
  g6_instruments_free(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(hostile_symbols_are_logged_printable),
      cmocka_unit_test(current_format_table_and_lookups),
      cmocka_unit_test(kite_mock_dump_symbol_rule),
      cmocka_unit_test(strict_header),
      cmocka_unit_test(rejects_are_counted),
      cmocka_unit_test(weekly_in_monthly_form_is_refused),
      cmocka_unit_test(duplicates_and_moved_contracts),
      cmocka_unit_test(mixed_lot_sizes),
      cmocka_unit_test(rejects_name_line_and_value),
      cmocka_unit_test(chunking_is_invisible),
      cmocka_unit_test(ugly_endings_and_limits),
  };
  return G6_RUN_TESTS(tests);
}
