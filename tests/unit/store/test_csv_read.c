/* Reading the per-strike CSV files back (store/csv_read.h): rows written by
 * the real sink come back as chains, the zeros that mean "not collected" or
 * "not available" as NAN, duplicates once; bad rows and other files are
 * refused with the line and column. */
#include "g6_test.h"

#include "core/fsutil.h"
#include "store/csv_read.h"
#include "store/csv_sink.h"

#include <unistd.h>

G6_TEST_TMPDIR("csvread")

static g6_csv_leg leg(double last, double vol, double oi, double iv,
                      double delta) {
  g6_csv_leg l = {true, last, last - 1, vol, oi, iv, delta, -5, 10, 0.001, 2};
  return l;
}

/* NIFTY at two cycles: this_week with 2 strikes (24800 without a CE, the
 * PE of 24750 without IV), next_week with 1 strike. */
static void write_day(const char *data) {
  g6_csv_sink *s = g6_csv_sink_new(data, "NIFTY", G6_FSYNC_NEVER, 0);
  assert_non_null(s);
  g6_csv_leg none = {0};
  for (int c = 0; c < 2; c++) {
    int64_t ts = g6_ist_epoch((g6_date){2025, 10, 20}, 9, 30, 30 * c);
    g6_csv_option_row w[2] = {
        {24812.35, 24800, 24750, leg(150.5 + c, 1200, 5000, 0.12, 0.6),
         leg(80.25, 1100, 6500, NAN, NAN)},
        {24812.35, 24800, 24800, none, leg(105, 1400, 9000, 0.13, -0.45)},
    };
    g6_csv_option_row nw[1] = {{24812.35, 24800, 24800,
                                leg(300, 10, 20, 0.14, 0.52),
                                leg(290, 30, 40, 0.15, -0.48)}};
    g6_csv_stats st = {0};
    assert_int_equal(g6_csv_write_options(s, ts, "this_week",
                                          (g6_date){2025, 10, 23}, w, 2, &st,
                                          NULL),
                     G6_OK);
    assert_int_equal(g6_csv_write_options(s, ts, "next_week",
                                          (g6_date){2025, 10, 30}, nw, 1, &st,
                                          NULL),
                     G6_OK);
    g6_csv_overview ov = {
        .index_price = 24812.35, .vix = NAN, .day_width = NAN};
    assert_int_equal(g6_csv_write_overview(s, ts, &ov, &st, NULL), G6_OK);
  }
  g6_csv_sink_free(s);
}

static void chains_from_the_sink(void **state) {
  (void)state;
  char data[300], path[512];
  snprintf(data, sizeof(data), "%s/day", dir);
  write_day(data);
  g6_csv_book *b = g6_csv_book_new();
  const char *files[] = {"NIFTY/this_week/-50/2025-10-20.csv",
                         "NIFTY/this_week/0/2025-10-20.csv",
                         "NIFTY/next_week/0/2025-10-20.csv",
                         /* the same file twice: its rows count once */
                         "NIFTY/next_week/0/2025-10-20.csv"};
  g6_error e;
  for (size_t i = 0; i < 4; i++) {
    snprintf(path, sizeof(path), "%s/%s", data, files[i]);
    assert_int_equal(g6_csv_book_add_file(b, path, &e), G6_OK);
  }
  assert_int_equal(g6_csv_book_chains(b), 2);
  for (size_t c = 0; c < 2; c++) {
    size_t n = g6_csv_book_leg_count(b, c);
    assert_int_equal(n, 5); /* 24750 CE+PE, 24800 PE, next_week CE+PE */
    g6_leg legs[8];
    g6_report_input in;
    const char *ix;
    int64_t ts;
    g6_date dates[G6_REPORT_MAX_EXPIRIES];
    g6_csv_book_chain(b, c, 0.065, 0, legs, &in, &ix, &ts, dates);
    assert_string_equal(ix, "NIFTY");
    assert_int_equal(ts,
                     g6_ist_epoch((g6_date){2025, 10, 20}, 9, 30, 30 * (int)c));
    assert_close(in.S, 24812.35, 0);
    assert_close(in.atm, 24800, 0);
    assert_close(in.r, 0.065, 0);
    assert_int_equal(in.n_legs, 5);
    assert_int_equal(in.n_expiries, 2);
    assert_string_equal(in.ex[0].tag, "this_week");
    assert_string_equal(in.ex[1].tag, "next_week");
    assert_int_equal(dates[1].day, 30);
    assert_int_equal(in.ex[0].expiry, g6_expiry_epoch((g6_date){2025, 10, 23}));
    assert_close(in.ex[0].T,
                 ((double)in.ex[0].expiry - (double)ts) / (365.0 * 86400),
                 1e-15);
    assert_int_equal(in.ex[0].n, 3);
    assert_int_equal(in.ex[1].first, 3);
    const g6_leg *l = legs;
    assert_int_equal(l[0].type, G6_CALL);
    assert_close(l[0].last, 150.5 + (double)c, 0);
    assert_close(l[0].oi, 5000, 0);
    assert_close(l[0].iv, 0.12, 0);
    assert_close(l[0].rho, 2, 0);
    assert_true(isnan(l[0].bid) && isnan(l[0].ask)); /* not in the files */
    assert_int_equal(l[1].type, G6_PUT);
    assert_true(isnan(l[1].iv) && isnan(l[1].delta)); /* 0.0 = unknown */
    assert_close(l[1].volume, 1100, 0);
    assert_close(l[2].strike, 24800, 0);
    assert_int_equal(l[2].type, G6_PUT); /* the CE was not collected */
    /* the same analytics as a snapshot: PCR over the kept legs */
    g6_chain_report r;
    assert_int_equal(g6_chain_report_compute(&in, NULL, &r), G6_OK);
    assert_close(r.ex[0].pcr.by_oi, (6500 + 9000) / 5000.0, 1e-15);
  }
  g6_csv_book_free(b);
}

static bool count_row(void *ctx, const g6_csv_strike_row *row);

static void bad_rows_and_other_files(void **state) {
  (void)state;
  char data[300], path[512];
  snprintf(data, sizeof(data), "%s/bad", dir);
  write_day(data);
  g6_csv_book *b = g6_csv_book_new();
  g6_error e;
  snprintf(path, sizeof(path), "%s/overview/NIFTY/2025-10-20.csv", data);
  assert_int_equal(g6_csv_book_add_file(b, path, &e), G6_EUNSUPPORTED);
  assert_non_null(strstr(e.msg, "not a per-strike option file"));
  snprintf(path, sizeof(path), "%s/NIFTY/none.csv", data);
  assert_int_equal(g6_csv_book_add_file(b, path, &e), G6_ENOENT);
  /* a bad value on line 3, and a torn last line that is skipped */
  snprintf(path, sizeof(path), "%s/NIFTY/this_week/0/2025-10-20.csv", data);
  char *text = NULL;
  size_t len;
  assert_int_equal(g6_read_file(path, 1 << 20, &text, &len, NULL), G6_OK);
  char *second = strchr(strchr(text, '\n') + 1, '\n') + 1;
  char *ce = strstr(second, ",0.0,105.0,");
  assert_non_null(ce);
  ce++; /* the CE column */
  char fixed[4096];
  snprintf(fixed, sizeof(fixed), "%.*sx%s", (int)(ce - text), text, ce + 3);
  assert_int_equal(
      g6_atomic_write(path, fixed, strlen(fixed), 0644, false, NULL), G6_OK);
  assert_int_equal(g6_csv_book_add_file(b, path, &e), G6_EPARSE);
  assert_non_null(strstr(e.msg, "2025-10-20.csv:3: ce \""));
  /* all or nothing: the row before it is not used either (it made a chain
   * of its own while every later one lacked the file's strike) */
  assert_int_equal(g6_csv_book_file_rows(b), 0);
  assert_int_equal(g6_csv_book_chains(b), 0);
  snprintf(fixed, sizeof(fixed), "%s%.*s", text, 20,
           text + strlen(g6_csv_option_header) + 1);
  assert_int_equal(
      g6_atomic_write(path, fixed, strlen(fixed), 0644, false, NULL), G6_OK);
  g6_csv_book_free(b);
  b = g6_csv_book_new();
  assert_int_equal(g6_csv_book_torn(b), 0);
  assert_int_equal(g6_csv_book_add_file(b, path, &e), G6_OK);
  assert_int_equal(g6_csv_book_chains(b), 2);
  /* the skipped line is told, so the offline tools can name the file (a
   * finished day's cut row changed replay's max pain without a word) */
  assert_int_equal(g6_csv_book_torn(b), 1);
  size_t rows = 0;
  bool torn = false;
  assert_int_equal(g6_csv_strike_file_torn(path, count_row, &rows, &torn, &e),
                   G6_OK);
  assert_true(torn);
  assert_int_equal(rows, 2);
  /* a complete file: no torn line */
  assert_int_equal(
      g6_atomic_write(path, text, strlen(text), 0644, false, NULL), G6_OK);
  assert_int_equal(g6_csv_strike_file_torn(path, count_row, &rows, &torn, &e),
                   G6_OK);
  assert_false(torn);
  assert_int_equal(g6_csv_book_add_file(b, path, &e), G6_OK);
  assert_int_equal(g6_csv_book_torn(b), 1);
  free(text);
  g6_csv_book_free(b);
  g6_csv_strike_row row;
  assert_int_equal(g6_csv_strike_row_parse("a,b,c", &row, &e), G6_EPARSE);
  assert_non_null(strstr(e.msg, "3 columns; expected 32"));
}

/* An empty book, and a file with a header only (fuzz_csv_read found
 * qsort called with the NULL rows of an empty book: undefined behaviour). */
static void empty_book(void **state) {
  (void)state;
  g6_csv_book *b = g6_csv_book_new();
  assert_int_equal(g6_csv_book_chains(b), 0);
  char path[512];
  snprintf(path, sizeof(path), "%s/header_only.csv", dir);
  char text[1024];
  snprintf(text, sizeof(text), "%s\n", g6_csv_option_header);
  assert_int_equal(
      g6_atomic_write(path, text, strlen(text), 0644, false, NULL), G6_OK);
  g6_error e;
  assert_int_equal(g6_csv_book_add_file(b, path, &e), G6_OK);
  /* no rows: told, so replay names the file instead of "0 chain(s)" */
  assert_int_equal(g6_csv_book_file_rows(b), 0);
  assert_int_equal(g6_csv_book_chains(b), 0);
  assert_int_equal(g6_atomic_write(path, "", 0, 0644, false, NULL), G6_OK);
  assert_int_equal(g6_csv_book_add_file(b, path, &e), G6_OK);
  assert_int_equal(g6_csv_book_file_rows(b), 0);
  g6_csv_book_free(b);
}

/* A file named for one day holding a row of another (renamed, or two days
 * concatenated) is refused whole, naming the row and both days: its rows
 * would otherwise be held with another day's files and make a second,
 * partial chain of the same index and time. A symbolic link at a file's
 * place is never read, wherever it points. */
static void wrong_day_and_links(void **state) {
  (void)state;
  char path[512], link[512], text[4096];
  const char *row6 = "06-01-2025 09:15:00,NIFTY,this_week,2025-01-16,0,"
                     "24812.35,24800,24800,150.5,80.25,230.75,149.5,79.25,"
                     "228.75,1200,1100,5000,6500,0.12,0.13,0.6,-0.4,-5,-5,"
                     "10,10,0.001,0.001,2,2,0.0,0.0\n";
  const char *row7 = "07-01-2025 09:15:00,NIFTY,this_week,2025-01-16,0,"
                     "24812.35,24800,24800,150.5,80.25,230.75,149.5,79.25,"
                     "228.75,1200,1100,5000,6500,0.12,0.13,0.6,-0.4,-5,-5,"
                     "10,10,0.001,0.001,2,2,0.0,0.0\n";
  snprintf(text, sizeof(text), "%s\n%s%s", g6_csv_option_header, row6, row7);
  snprintf(path, sizeof(path), "%s/2025-01-06.csv", dir);
  assert_int_equal(
      g6_atomic_write(path, text, strlen(text), 0644, false, NULL), G6_OK);
  g6_csv_book *b = g6_csv_book_new();
  g6_error e;
  assert_int_equal(g6_csv_book_add_file(b, path, &e), G6_EPARSE);
  assert_non_null(strstr(e.msg, "2025-01-06.csv: data row 2 is of 07-01-2025 "
                                "09:15:00, not of 2025-01-06 as the file's "
                                "name says"));
  assert_int_equal(g6_csv_book_file_rows(b), 0);
  assert_int_equal(g6_csv_book_chains(b), 0);
  /* under a name that is not a day's, the same rows are taken */
  snprintf(path, sizeof(path), "%s/two-days.csv", dir);
  assert_int_equal(
      g6_atomic_write(path, text, strlen(text), 0644, false, NULL), G6_OK);
  assert_int_equal(g6_csv_book_add_file(b, path, &e), G6_OK);
  assert_int_equal(g6_csv_book_file_rows(b), 2);
  assert_int_equal(g6_csv_book_chains(b), 2);
  g6_csv_book_free(b);
  /* a link to a good file is refused by name, not followed */
  snprintf(link, sizeof(link), "%s/2025-01-07.csv", dir);
  assert_int_equal(symlink("two-days.csv", link), 0);
  b = g6_csv_book_new();
  assert_int_equal(g6_csv_book_add_file(b, link, &e), G6_EINVAL);
  assert_non_null(strstr(e.msg, "2025-01-07.csv is a symbolic link; it is "
                                "not followed"));
  assert_int_equal(g6_csv_book_chains(b), 0);
  g6_csv_book_free(b);
}

static bool count_row(void *ctx, const g6_csv_strike_row *row) {
  (void)row;
  (*(size_t *)ctx)++;
  return true;
}

/* Rows of `body` after `prefix` in a file: its status, the rows in *n. */
static g6_status ugly(const char *prefix, const char *body, size_t *n,
                      g6_error *e) {
  char path[512], text[4096];
  snprintf(path, sizeof(path), "%s/ugly.csv", dir);
  snprintf(text, sizeof(text), "%s%s", prefix, body);
  assert_int_equal(
      g6_atomic_write(path, text, strlen(text), 0644, false, NULL), G6_OK);
  *n = 0;
  g6_error_clear(e);
  return g6_csv_strike_file(path, count_row, n, e);
}

#define ROW_HEAD "20-10-2025 09:30:00,NIFTY,this_week,2025-10-23,0,"
#define ROW_TAIL                                                             \
  "150.5,80.25,230.75,149.5,79.25,228.75,1200,1100,5000,6500,0.12,0.13,"     \
  "0.6,-0.4,-5,-5,10,10,0.001,0.001,2,2,0.0,0.0"

/* A cell of the right shape that is no date or time says so, rather
 * than asking for the shape it has; a header line again (two files
 * concatenated) is named as one, not as a timestamp "timestamp". */
static void impossible_dates_and_repeated_headers(void **state) {
  (void)state;
  g6_csv_strike_row row;
  g6_error e;
  static const char *const ts[] = {"30-02-2025 09:15:00", "29-02-2025 09:15:00",
                                   "31-04-2025 09:15:00", "20-13-2025 09:15:00",
                                   "00-10-2025 09:15:00", "20-10-2025 25:15:00",
                                   "20-10-2025 09:60:00", "20-10-2025 09:15:61",
                                   "20-10-1969 09:15:00"};
  for (size_t i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
    char line[512];
    snprintf(line, sizeof(line),
             "%s,NIFTY,this_week,2025-10-23,0,24812.35,24800,24800," ROW_TAIL,
             ts[i]);
    assert_int_equal(g6_csv_strike_row_parse(line, &row, &e), G6_EPARSE);
    char want[96];
    snprintf(want, sizeof(want), "timestamp \"%s\": no such date or time",
             ts[i]);
    if (strstr(e.msg, want) == NULL)
      fail_msg("%s: %s", ts[i], e.msg);
  }
  /* the wrong shape still asks for the shape */
  assert_int_equal(g6_csv_strike_row_parse("2025-10-20 09:15:00,NIFTY,"
                                           "this_week,2025-10-23,0,24812.35,"
                                           "24800,24800," ROW_TAIL,
                                           &row, &e),
                   G6_EPARSE);
  assert_non_null(strstr(e.msg, "expected DD-MM-YYYY HH:MM:SS"));
  assert_int_equal(g6_csv_strike_row_parse("20-10-2025 09:15:00,NIFTY,"
                                           "this_week,2025-02-30,0,24812.35,"
                                           "24800,24800," ROW_TAIL,
                                           &row, &e),
                   G6_EPARSE);
  assert_non_null(strstr(e.msg, "expiry_date \"2025-02-30\": no such date"));
  assert_int_equal(g6_csv_strike_row_parse("20-10-2025 09:15:00,NIFTY,"
                                           "this_week,23-10-2025,0,24812.35,"
                                           "24800,24800," ROW_TAIL,
                                           &row, &e),
                   G6_EPARSE);
  assert_non_null(strstr(e.msg, "expected YYYY-MM-DD"));
  /* a header line again, after rows: named, with its line */
  char hdr[1024], body[2048];
  size_t n;
  snprintf(hdr, sizeof(hdr), "%s\n", g6_csv_option_header);
  snprintf(body, sizeof(body), "%s%s\n", ROW_HEAD "24812.35,24800,24800," ROW_TAIL "\n",
           g6_csv_option_header);
  assert_int_equal(ugly(hdr, body, &n, &e), G6_EPARSE);
  if (strstr(e.msg, "ugly.csv:3: a repeated header line") == NULL ||
      strstr(e.msg, "\"timestamp\"") != NULL)
    fail_msg("%s", e.msg);
}

/* What operators' hands and crashes leave: a byte order mark, CRLF, an
 * empty file, a header without its newline, the zeros of an unknown index
 * price, and values no g6 file holds (negative prices, a strike of 0). */
static void ugly_files(void **state) {
  (void)state;
  g6_error e;
  size_t n;
  char hdr[1024], bom[1024], crlf[1024];
  snprintf(hdr, sizeof(hdr), "%s\n", g6_csv_option_header);
  snprintf(bom, sizeof(bom), "\xef\xbb\xbf%s\n", g6_csv_option_header);
  snprintf(crlf, sizeof(crlf), "%s\r\n", g6_csv_option_header);
  const char *good = ROW_HEAD "24812.35,24800,24800," ROW_TAIL "\n";
  assert_int_equal(ugly(bom, good, &n, &e), G6_OK);
  assert_int_equal(n, 1);
  assert_int_equal(ugly(crlf, ROW_HEAD "24812.35,24800,24800," ROW_TAIL "\r\n",
                        &n, &e),
                   G6_OK);
  assert_int_equal(n, 1);
  assert_int_equal(ugly("", "", &n, &e), G6_OK); /* created, no header yet */
  assert_int_equal(n, 0);
  assert_int_equal(ugly(g6_csv_option_header, "", &n, &e), G6_OK);
  assert_int_equal(n, 0);
  assert_int_equal(ugly("timestamp,index\n", "", &n, &e), G6_EUNSUPPORTED);
  /* an index price and ATM written as 0 are unknown, never 0 */
  g6_csv_strike_row row;
  assert_int_equal(g6_csv_strike_row_parse(ROW_HEAD "0,0,24800," ROW_TAIL,
                                           &row, &e),
                   G6_OK);
  assert_true(isnan(row.index_price));
  assert_true(isnan(row.atm));
  assert_int_equal(ugly(hdr, ROW_HEAD "-5,24800,24800," ROW_TAIL "\n", &n, &e),
                   G6_EPARSE);
  assert_non_null(strstr(e.msg, "ugly.csv:2: index_price \"-5\": expected a "
                                "number >= 0"));
  assert_int_equal(g6_csv_strike_row_parse(ROW_HEAD "24812.35,24800,0," ROW_TAIL,
                                           &row, &e),
                   G6_EPARSE);
  assert_non_null(strstr(e.msg, "strike \"0\": expected a number > 0"));
  assert_int_equal(
      g6_csv_strike_row_parse(ROW_HEAD "24812.35,24800,24800,"
                              "150.5,80.25,230.75,149.5,79.25,228.75,-1200,1100,"
                              "5000,6500,0.12,0.13,0.6,-0.4,-5,-5,10,10,0.001,"
                              "0.001,2,2,0.0,0.0",
                              &row, &e),
      G6_EPARSE);
  assert_non_null(strstr(e.msg, "ce_vol \"-1200\""));
}

/* The spot of the only chain of a book of `a` then `b` (ugly.csv, then
 * ugly2.csv), and the conflicts it counts. */
static double book_of(const char *a, const char *b, size_t *conflicts) {
  const char *text[] = {a, b};
  g6_csv_book *bk = g6_csv_book_new();
  for (int i = 0; i < 2; i++) {
    char path[512], buf[2048];
    snprintf(path, sizeof(path), "%s/dup%d.csv", dir, i);
    snprintf(buf, sizeof(buf), "%s\n%s\n", g6_csv_option_header, text[i]);
    assert_int_equal(
        g6_atomic_write(path, buf, strlen(buf), 0644, false, NULL), G6_OK);
    g6_error e;
    assert_int_equal(g6_csv_book_add_file(bk, path, &e), G6_OK);
  }
  g6_csv_strike_row first;
  *conflicts = g6_csv_book_conflicts(bk, &first);
  if (*conflicts)
    assert_true(first.strike == 24800);
  assert_int_equal(g6_csv_book_chains(bk), 1);
  g6_leg legs[4];
  g6_report_input in;
  const char *index;
  int64_t ts;
  g6_csv_book_chain(bk, 0, 0.065, 0, legs, &in, &index, &ts, NULL);
  g6_csv_book_free(bk);
  return in.S;
}

/* Two rows of one index, time, expiry and strike with different values
 * (two writers' files mixed) are counted as a conflict, and which one is
 * kept does not depend on the order the files are read in; the same row
 * twice is no conflict. */
/* Index and tag name directories and land in replay rows and messages:
 * '/', "..", quotes and control bytes are refused, and no cell is quoted
 * raw in a message (terminal escapes). */
static void hostile_cells(void **state) {
  (void)state;
  g6_csv_strike_row row;
  g6_error e;
  static const char *const bad_index[] = {"../etc", "NI/FTY", "NI\"FTY",
                                          "NI\033[31mFTY", ".."};
  for (size_t i = 0; i < sizeof(bad_index) / sizeof(bad_index[0]); i++) {
    char line[512];
    snprintf(line, sizeof(line),
             "20-10-2025 09:30:00,%s,this_week,2025-10-23,0,"
             "24812.35,24800,24800," ROW_TAIL,
             bad_index[i]);
    assert_int_equal(g6_csv_strike_row_parse(line, &row, &e), G6_EPARSE);
    assert_non_null(strstr(e.msg, "an index name is"));
    assert_null(strchr(e.msg, '\033'));
  }
  assert_int_equal(
      g6_csv_strike_row_parse("20-10-2025 09:30:00,NIFTY,../x,2025-10-23,0,"
                              "24812.35,24800,24800," ROW_TAIL,
                              &row, &e),
      G6_EPARSE);
  assert_non_null(strstr(e.msg, "expiry_tag \"../x\": a tag is"));
  assert_int_equal(
      g6_csv_strike_row_parse("20-10-2025 09:30:00,NIFTY,th\nis,2025-10-23,0,"
                              "24812.35,24800,24800," ROW_TAIL,
                              &row, &e),
      G6_EPARSE);
  assert_non_null(strstr(e.msg, "expiry_tag \"th?is\""));
  /* cells quoted in messages: ESC and BEL as '?' */
  assert_int_equal(g6_csv_strike_row_parse("\033]0;x\007,NIFTY,this_week,"
                                           "2025-10-23,0,24812.35,24800,"
                                           "24800," ROW_TAIL,
                                           &row, &e),
                   G6_EPARSE);
  assert_non_null(strstr(e.msg, "timestamp \"?]0;x?\""));
  assert_int_equal(g6_csv_strike_row_parse(ROW_HEAD "\033[2J,24800,24800,"
                                           ROW_TAIL, &row, &e),
                   G6_EPARSE);
  assert_non_null(strstr(e.msg, "index_price \"?[2J\""));
  assert_int_equal(g6_csv_strike_row_parse(ROW_HEAD "24812.35,24800,\033[2J,"
                                           ROW_TAIL, &row, &e),
                   G6_EPARSE);
  assert_non_null(strstr(e.msg, "strike \"?[2J\""));
  assert_int_equal(
      g6_csv_strike_row_parse("20-10-2025 09:30:00,NIFTY,this_week,2025\033"
                              "-10,0,24812.35,24800,24800," ROW_TAIL,
                              &row, &e),
      G6_EPARSE);
  assert_non_null(strstr(e.msg, "expiry_date \"2025?-10\""));
  /* what g6_chain writes still reads */
  assert_int_equal(g6_csv_strike_row_parse("20-10-2025 09:30:00,BANK-NIFTY_2,"
                                           "this_week,2025-10-23,0,24812.35,"
                                           "24800,24800," ROW_TAIL,
                                           &row, &e),
                   G6_OK);
}

/* The number forms a cell may hold: decimal only (strtod alone took
 * hexadecimal, leading blanks, '+' and "infinity"). */
static void number_forms(void **state) {
  (void)state;
  static const struct {
    const char *cell;
    size_t len;
    bool ok;
    double v;
  } cases[] = {
      {"0.0", 3, true, 0.0},       {"1502.89", 7, true, 1502.89},
      {"-3", 2, true, -3.0},       {"1e-05", 5, true, 1e-05},
      {"2.5E+3", 6, true, 2500.0}, {".5", 2, true, 0.5},
      {"0x10", 4, false, 0},       {"0X1p3", 5, false, 0},
      {" 1", 2, false, 0},         {"+1", 2, false, 0},
      {"inf", 3, false, 0},        {"-infinity", 9, false, 0},
      {"nan", 3, false, 0},        {"1e400", 5, false, 0},
      {"1,5", 3, false, 0},        {"1 ", 2, false, 0},
      {"0.1\0x", 5, false, 0},     {"", 0, false, 0},
      {"-", 1, false, 0},          {"e5", 2, false, 0},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    double v = -1;
    bool ok = g6_csv_number(cases[i].cell, cases[i].len, &v);
    if (ok != cases[i].ok)
      fail_msg("\"%s\": %s, expected %s", cases[i].cell,
               ok ? "a number" : "refused",
               cases[i].ok ? "a number" : "refused");
    if (ok && v != cases[i].v)
      fail_msg("\"%s\": %.17g, expected %.17g", cases[i].cell, v, cases[i].v);
  }
}

static void conflicting_duplicates(void **state) {
  (void)state;
  const char *a = ROW_HEAD "24812.35,24800,24800," ROW_TAIL;
  const char *b = ROW_HEAD "99999,24800,24800," ROW_TAIL;
  size_t c;
  double ab = book_of(a, b, &c);
  assert_int_equal(c, 1);
  double ba = book_of(b, a, &c);
  assert_int_equal(c, 1);
  assert_true(ab == ba);
  assert_true(book_of(a, a, &c) == 24812.35);
  assert_int_equal(c, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(chains_from_the_sink),
      cmocka_unit_test(hostile_cells),
      cmocka_unit_test(bad_rows_and_other_files),
      cmocka_unit_test(empty_book),
      cmocka_unit_test(wrong_day_and_links),
      cmocka_unit_test(ugly_files),
      cmocka_unit_test(impossible_dates_and_repeated_headers),
      cmocka_unit_test(conflicting_duplicates),
      cmocka_unit_test(number_forms),
  };
  cmocka_set_message_output(CM_OUTPUT_TAP);
  return cmocka_run_group_tests(tests, setup, teardown);
}
