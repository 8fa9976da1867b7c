/* The daily ATM IV closes (store/iv_history.h): the file's format, one line
 * per session, lines it cannot use skipped and kept, the window, which
 * contracts a close may hold. */
#include "g6_test.h"

#include "core/fsutil.h"
#include "fsyncspy.h"
#include "store/iv_history.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

G6_TEST_TMPDIR("ivhist")

static char *slurp(const char *path) {
  char *t = NULL;
  size_t n;
  return g6_read_file(path, 1 << 20, &t, &n, NULL) == G6_OK ? t : NULL;
}

static void put(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static g6_iv_close close_of(int y, int m, int d, double a, double b, double c,
                            double e) {
  g6_iv_close x = {{y, m, d}, {a, b, c, e}};
  return x;
}

static void append_creates_and_reads_back(void **state) {
  (void)state;
  char path[512];
  assert_int_equal(g6_iv_history_path(dir, "NIFTY", path, sizeof(path)),
                   G6_OK);
  g6_iv_history h;
  /* nothing kept yet: an empty history, not an error */
  assert_int_equal(g6_iv_history_read(path, &h, NULL), G6_OK);
  assert_int_equal(h.n, 0);
  g6_iv_history_free(&h);
  g6_iv_close c = close_of(2025, 1, 6, 0.1234567890123, 0.1301, NAN, 0.14);
  assert_int_equal(g6_iv_history_append(path, &c, false, NULL), G6_OK);
  char *t = slurp(path);
  assert_non_null(t);
  assert_string_equal(t, G6_IV_HISTORY_HEADER "\n"
                         "2025-01-06,0.1234567890123,0.1301,,0.14\n");
  free(t);
  c = close_of(2025, 1, 7, 0.125, NAN, NAN, NAN);
  assert_int_equal(g6_iv_history_append(path, &c, true, NULL), G6_OK);
  assert_int_equal(g6_iv_history_read(path, &h, NULL), G6_OK);
  assert_int_equal(h.n, 2);
  assert_int_equal(h.skipped, 0);
  assert_close(h.v[0].iv[0], 0.1234567890123, 0); /* exact round trip */
  assert_true(isnan(h.v[0].iv[2]));
  assert_int_equal(h.v[1].date.day, 7);
  assert_true(isnan(h.v[1].iv[3]));
  g6_iv_history_free(&h);
}

/* A temporary file a writer killed mid-write left goes at the next close
 * once it is an hour old; a younger one (another collectd's write in
 * progress) and look-alikes stay. */
static void stale_temporary_files(void **state) {
  (void)state;
  char path[512], old_tmp[600], young[600], other[600];
  assert_int_equal(g6_iv_history_path(dir, "BANKNIFTY", path, sizeof(path)),
                   G6_OK);
  assert_int_equal(g6_mkdir_p(dir, 0755, NULL), G6_OK);
  char d[512];
  snprintf(d, sizeof(d), "%s", path);
  *strrchr(d, '/') = '\0';
  assert_int_equal(g6_mkdir_p(d, 0755, NULL), G6_OK);
  snprintf(old_tmp, sizeof(old_tmp), "%s/.BANKNIFTY.csv.tmp.q1W2e3", d);
  snprintf(young, sizeof(young), "%s/.BANKNIFTY.csv.tmp.r4T5y6", d);
  snprintf(other, sizeof(other), "%s/.BANKNIFTY.csv.tmp.q1W2e", d);
  put(old_tmp, "date,");
  put(young, "date,");
  put(other, "date,");
  struct timespec ts[2] = {{.tv_sec = time(NULL) - 7200},
                           {.tv_sec = time(NULL) - 7200}};
  assert_int_equal(utimensat(AT_FDCWD, old_tmp, ts, 0), 0);
  assert_int_equal(utimensat(AT_FDCWD, other, ts, 0), 0);
  g6_iv_close c = close_of(2025, 1, 6, 0.12, NAN, NAN, NAN);
  assert_int_equal(g6_iv_history_append(path, &c, false, NULL), G6_OK);
  assert_int_equal(access(old_tmp, F_OK), -1);
  assert_int_equal(access(young, F_OK), 0);
  assert_int_equal(access(other, F_OK), 0);
}

/* Durable: the directories the first close makes (iv_history/, and a data
 * directory not there yet) have their entries fsynced into their parents,
 * so a power loss does not take the history away with the close fsynced
 * in it; not durable: no directory fsync at all. Before, only the
 * directory of the file was fsynced (by the atomic write). */
static void new_directories_are_durable(void **state) {
  (void)state;
  for (int durable = 0; durable < 2; durable++) {
    char data[400], path[512], level[512];
    snprintf(data, sizeof(data), "%s/durable-%d/data", dir, durable);
    assert_int_equal(g6_iv_history_path(data, "NIFTY", path, sizeof(path)),
                     G6_OK);
    g6_iv_close c = close_of(2025, 1, 6, 0.12, NAN, NAN, NAN);
    fsyncspy_reset();
    assert_int_equal(g6_iv_history_append(path, &c, durable, NULL), G6_OK);
    if (!durable) {
      assert_int_equal(fsyncspy_count(), 0);
      continue;
    }
    const char *levels[] = {"/..", "", "/" G6_IV_HISTORY_DIR};
    for (size_t i = 0; i < 3; i++) {
      snprintf(level, sizeof(level), "%s%s", data, levels[i]);
      if (!fsyncspy_synced(level))
        fail_msg("%s was not fsynced (the entry in it is new)", level);
    }
  }
}

/* Once per session: the same or an earlier date is refused, the file keeps
 * its bytes; a close without any value is not kept. */
static void one_line_per_session(void **state) {
  (void)state;
  char path[512];
  g6_iv_history_path(dir, "ONCE", path, sizeof(path));
  g6_iv_close c = close_of(2025, 1, 6, 0.12, NAN, NAN, NAN);
  assert_int_equal(g6_iv_history_append(path, &c, false, NULL), G6_OK);
  char *before = slurp(path);
  g6_error e;
  assert_int_equal(g6_iv_history_append(path, &c, false, &e), G6_EEXIST);
  assert_non_null(strstr(e.msg, "already has 2025-01-06"));
  /* an earlier session the file does not have: out of order, an error
   * naming the later one (a line dated 2099 silently blocked every close
   * as "already kept") */
  c.date.day = 3;
  assert_int_equal(g6_iv_history_append(path, &c, false, &e), G6_ERANGE);
  assert_non_null(strstr(e.msg, "its last session, 2025-01-06, is after "
                                "2025-01-03"));
  /* a session the file has, followed by a later one: kept before */
  c.date.day = 6;
  put(path, G6_IV_HISTORY_HEADER "\n2025-01-06,0.12,,,\n2025-01-07,0.1,,,\n");
  assert_int_equal(g6_iv_history_append(path, &c, false, &e), G6_EEXIST);
  assert_non_null(strstr(e.msg, "already has 2025-01-06"));
  put(path, before);
  c = close_of(2025, 1, 7, NAN, NAN, NAN, NAN);
  assert_int_equal(g6_iv_history_append(path, &c, false, &e), G6_EINVAL);
  assert_non_null(strstr(e.msg, "no known ATM IV"));
  char *after = slurp(path);
  assert_string_equal(before, after);
  free(before);
  free(after);
}

/* Lines the reader cannot use are skipped, counted and named, and kept as
 * they were when a close is added; a last line without its newline (an
 * editor, a copy cut short) gets one before the new line. */
static void bad_lines_are_skipped_and_kept(void **state) {
  (void)state;
  char path[512];
  g6_iv_history_path(dir, "BAD", path, sizeof(path));
  char d[600];
  snprintf(d, sizeof(d), "%s/" G6_IV_HISTORY_DIR, dir);
  assert_int_equal(g6_mkdir_p(d, 0755, NULL), G6_OK);
  const char *text = G6_IV_HISTORY_HEADER "\n"
                     "2025-01-02,0.11,,,\n"
                     "2025-13-01,0.11,,,\n"      /* no such month */
                     "2025-01-03,0.11,,\n"       /* three cells */
                     "2025-01-06,-0.1,,,\n"      /* negative */
                     "2025-01-06,nan,,,\n"       /* not a number */
                     "2025-01-01,0.12,,,\n"      /* before the line above */
                     "\n"
                     "2025-01-07,0.13,0.14,,\r\n" /* CRLF is fine */
                     "2025-01-0";                /* torn */
  put(path, text);
  g6_iv_history h;
  assert_int_equal(g6_iv_history_read(path, &h, NULL), G6_OK);
  assert_int_equal(h.n, 2);
  assert_int_equal(h.skipped, 6);
  assert_int_equal(h.first_skipped, 3);
  assert_string_equal(h.why, "\"2025-13-01,0.11,,,\": not a date YYYY-MM-DD");
  assert_close(h.v[1].iv[1], 0.14, 0);
  g6_iv_history_free(&h);
  g6_iv_close c = close_of(2025, 1, 8, 0.15, NAN, NAN, NAN);
  assert_int_equal(g6_iv_history_append(path, &c, false, NULL), G6_OK);
  char *t = slurp(path);
  assert_int_equal(strncmp(t, text, strlen(text)), 0); /* old bytes kept */
  assert_string_equal(t + strlen(text), "\n2025-01-08,0.15,,,\n");
  free(t);
  assert_int_equal(g6_iv_history_read(path, &h, NULL), G6_OK);
  assert_int_equal(h.n, 3);
  g6_iv_history_free(&h);
}

/* NUL bytes (what a disk returns for blocks never written, after a
 * crash) in a cell are not a number: "0.12\0\0" read as 0.12 before. */
static void nul_bytes_are_not_numbers(void **state) {
  (void)state;
  char path[512];
  g6_iv_history_path(dir, "NUL", path, sizeof(path));
  char d[600];
  snprintf(d, sizeof(d), "%s/" G6_IV_HISTORY_DIR, dir);
  assert_int_equal(g6_mkdir_p(d, 0755, NULL), G6_OK);
  static const char text[] = G6_IV_HISTORY_HEADER "\n"
                             "2025-01-02,0.11,,,\n"
                             "2025-01-03,0.12\0\0\0,,,\n"
                             "2025-01-06,\0,,,\n"
                             "2025-01-07,0.13,,,";
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  assert_int_equal(fwrite(text, 1, sizeof(text) - 1, f), sizeof(text) - 1);
  fclose(f);
  g6_iv_history h;
  assert_int_equal(g6_iv_history_read(path, &h, NULL), G6_OK);
  assert_int_equal(h.n, 2);
  assert_int_equal(h.v[1].date.day, 7);
  assert_int_equal(h.skipped, 2);
  assert_int_equal(h.first_skipped, 3);
  assert_string_equal(h.why, "\"2025-01-03,0.12???,,,\": a cell is neither "
                             "empty nor a number from 0 to 100");
  g6_iv_history_free(&h);
}

/* The window: the last N sessions before a date, today left out. */
static void window_before_today(void **state) {
  (void)state;
  char path[512];
  g6_iv_history_path(dir, "WIN", path, sizeof(path));
  g6_iv_close c = close_of(2024, 1, 1, NAN, NAN, NAN, NAN);
  int64_t d0 = g6_days_from_civil(2024, 1, 1);
  for (int i = 0; i < 300; i++) {
    c.date = g6_civil_from_days(d0 + i);
    c.iv[0] = 0.1 + 0.001 * i;
    c.iv[1] = i % 2 ? NAN : 0.2;
    assert_int_equal(g6_iv_history_append(path, &c, false, NULL), G6_OK);
  }
  g6_iv_history h;
  assert_int_equal(g6_iv_history_read(path, &h, NULL), G6_OK);
  assert_int_equal(h.n, 300);
  double w[300];
  /* before the last session (i = 299): 252 sessions, i = 47 .. 298 */
  g6_date last = g6_civil_from_days(d0 + 299);
  assert_int_equal(g6_iv_history_window(&h, 0, last, 252, w), 252);
  assert_close(w[0], 0.1 + 0.001 * 47, 1e-12);
  assert_close(w[251], 0.1 + 0.001 * 298, 1e-12);
  /* unknown cells come through as NAN (the rank counts the known ones) */
  assert_int_equal(g6_iv_history_window(&h, 1, last, 4, w), 4);
  assert_true(isnan(w[0]) != isnan(w[1]));
  /* before the first session: nothing */
  assert_int_equal(g6_iv_history_window(&h, 0, g6_civil_from_days(d0), 252, w),
                   0);
  assert_int_equal(g6_iv_history_window(&h, 4, last, 252, w), 0);
  g6_iv_history_free(&h);
}

/* A directory where the file should be: an error naming it, nothing else
 * written. */
static void unusable_path(void **state) {
  (void)state;
  char path[512];
  g6_iv_history_path(dir, "DIRX", path, sizeof(path));
  char d[600];
  snprintf(d, sizeof(d), "%s/" G6_IV_HISTORY_DIR, dir);
  g6_mkdir_p(d, 0755, NULL);
  assert_int_equal(mkdir(path, 0755), 0);
  g6_iv_close c = close_of(2025, 1, 6, 0.12, NAN, NAN, NAN);
  g6_error e;
  assert_int_not_equal(g6_iv_history_append(path, &c, false, &e), G6_OK);
  assert_non_null(strstr(e.msg, "DIRX.csv"));
  g6_iv_history h;
  assert_int_not_equal(g6_iv_history_read(path, &h, &e), G6_OK);
  g6_iv_history_free(&h);
  char small[8];
  assert_int_equal(g6_iv_history_path(dir, "NIFTY", small, sizeof(small)),
                   G6_EINVAL);
}

/* Which contracts a session's close may hold (g6_iv_history_keeps): only
 * those expiring after the session's date. Named vectors, IST dates. */
static void keeps_only_contracts_with_a_session_left(void **state) {
  (void)state;
  static const struct {
    const char *name;
    g6_date session, expiry;
    bool keeps;
  } v[] = {
      {"the session before the expiry", {2025, 1, 8}, {2025, 1, 9}, true},
      {"the expiry day itself", {2025, 1, 9}, {2025, 1, 9}, false},
      {"a contract already expired", {2025, 1, 10}, {2025, 1, 9}, false},
      {"a moved weekly, on its real date", {2025, 4, 30}, {2025, 4, 30}, false},
      {"across a month end", {2025, 4, 30}, {2025, 5, 6}, true},
      {"across a year end", {2025, 12, 31}, {2026, 1, 6}, true},
      {"a year later, same day of month", {2025, 1, 9}, {2026, 1, 9}, true},
      {"Budget Saturday, Thursday's weekly", {2025, 2, 1}, {2025, 2, 6}, true},
  };
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
    if (g6_iv_history_keeps(v[i].session, v[i].expiry) != v[i].keeps)
      fail_msg("%s: expected %s", v[i].name, v[i].keeps ? "kept" : "left out");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(append_creates_and_reads_back),
      cmocka_unit_test(one_line_per_session),
      cmocka_unit_test(stale_temporary_files),
      cmocka_unit_test(new_directories_are_durable),
      cmocka_unit_test(bad_lines_are_skipped_and_kept),
      cmocka_unit_test(nul_bytes_are_not_numbers),
      cmocka_unit_test(window_before_today),
      cmocka_unit_test(unusable_path),
      cmocka_unit_test(keeps_only_contracts_with_a_session_left),
  };
  cmocka_set_message_output(CM_OUTPUT_TAP);
  return cmocka_run_group_tests(tests, setup, teardown);
}
