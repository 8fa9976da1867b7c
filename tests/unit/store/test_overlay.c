/* Weekday overlays (store/overlay.h): the old platform's columns and
 * formulas on CSV days written by the real sink; unknown values never
 * averaged in; idempotent re-runs (the same day, also with more rows);
 * earlier days not applied twice; masters of the old platform taken over. */
#include "g6_test.h"

#include "core/buf.h"
#include "core/fsutil.h"
#include "store/csv_sink.h"
#include "store/overlay.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

G6_TEST_TMPDIR("overlay")

static g6_csv_leg leg(double last, double avg, double vol, double oi, double iv,
                      double delta) {
  g6_csv_leg l = {true, last, avg, vol, oi, iv, delta, -5, 10, 0.001, 2};
  return l;
}

/* One strike (ATM, offset 0) of NIFTY this_week at 09:30:00 and 09:30:30 of
 * `date`, prices scaled by k; at 09:30:30 the CE was not collected. A row
 * at 09:00 is outside the session (before it, as a file's rows only ever
 * go forward in time: the extra row of a re-run comes last). */
static void write_day(const char *data, g6_date date, double k, bool extra) {
  g6_csv_sink *s = g6_csv_sink_new(data, "NIFTY", G6_FSYNC_NEVER, 0);
  assert_non_null(s);
  g6_csv_leg none = {0};
  g6_csv_stats st = {0};
  struct {
    int h, m, sec;
    bool ce;
  } at[] = {
      {9, 0, 0, true}, {9, 30, 0, true}, {9, 30, 30, false}, {9, 31, 0, true}};
  for (int i = 0; i < (extra ? 4 : 3); i++) {
    g6_csv_option_row row = {
        24800, 24800, 24800,
        at[i].ce ? leg(100 * k, 99 * k, 1000 * k, 5000, 0.12 * k, 0.5) : none,
        leg(90 * k, 89 * k, 2000 * k, 6000, NAN, NAN)};
    int64_t ts = g6_ist_epoch(date, at[i].h, at[i].m, at[i].sec);
    assert_int_equal(g6_csv_write_options(s, ts, "this_week",
                                          (g6_date){2025, 1, 16}, &row, 1, &st,
                                          NULL),
                     G6_OK);
  }
  g6_csv_sink_free(s);
}

static char *slurp(const char *path) {
  char *t = NULL;
  size_t n;
  if (g6_read_file(path, 1 << 20, &t, &n, NULL) != G6_OK)
    return NULL;
  return t;
}

/* The data line of a master at a time of day. */
static char *line_at(const char *text, const char *hms, char *out, size_t len) {
  const char *p = strstr(text, hms);
  assert_non_null(p);
  const char *e = strchr(p, '\n');
  snprintf(out, len, "%.*s", (int)(e - p), p);
  return out;
}

static void fx(char *out, size_t len, double v) {
  snprintf(out, len, "%.6f", v);
}

static void days_means_emas_and_reruns(void **state) {
  (void)state;
  char data[300], out[300], master[600];
  snprintf(data, sizeof(data), "%s/data", dir);
  snprintf(out, sizeof(out), "%s/out", dir);
  snprintf(master, sizeof(master), "%s/NIFTY/this_week/0/MONDAY.csv", out);
  g6_date d1 = {2025, 1, 6}, d2 = {2025, 1, 13}; /* Mondays */
  assert_string_equal(g6_overlay_weekday(d1), "MONDAY");
  assert_string_equal(g6_overlay_weekday((g6_date){2025, 1, 11}), "SATURDAY");
  write_day(data, d1, 1, false);
  write_day(data, d2, 2, false);
  g6_overlay_opts o = G6_OVERLAY_OPTS_DEFAULT;
  o.alpha = 0.25;
  o.durable = false;
  g6_overlay_stats st = {0};
  g6_error e;
  assert_int_equal(g6_overlay_update(data, out, "NIFTY", d1, &o, &st, &e),
                   G6_OK);
  assert_int_equal(st.files, 1);
  assert_int_equal(st.rows, 2); /* 09:00 is outside the session */
  assert_int_equal(st.updated, 1);
  assert_int_equal(st.times, 2);
  char *t1 = slurp(master);
  assert_non_null(t1);
  /* the old platform's header */
  static const char header[] =
      "timestamp,tp_mean,tp_ema,avg_tp_mean,avg_tp_ema,ce_vol_mean,"
      "pe_vol_mean,ce_oi_mean,pe_oi_mean,ce_iv_mean,pe_iv_mean,ce_delta_mean,"
      "pe_delta_mean,ce_theta_mean,pe_theta_mean,ce_vega_mean,pe_vega_mean,"
      "ce_gamma_mean,pe_gamma_mean,ce_rho_mean,pe_rho_mean,ce_vol_ema,"
      "pe_vol_ema,ce_oi_ema,pe_oi_ema,ce_iv_ema,pe_iv_ema,ce_delta_ema,"
      "pe_delta_ema,ce_theta_ema,pe_theta_ema,ce_vega_ema,pe_vega_ema,"
      "ce_gamma_ema,pe_gamma_ema,ce_rho_ema,pe_rho_ema,counter,index,"
      "expiry_tag,offset\n";
  assert_int_equal(strncmp(t1, header, strlen(header)), 0);
  char l[2048];
  /* 09:30:00: tp 190, avg_tp 188; the PE has no IV (0.0 = unknown): empty */
  assert_string_equal(
      line_at(t1, "09:30:00", l, sizeof(l)),
      "09:30:00,190.000000,190.000000,188.000000,188.000000,1000.000000,"
      "2000.000000,5000.000000,6000.000000,0.120000,,0.500000,,-5.000000,"
      "-5.000000,10.000000,10.000000,0.001000,0.001000,2.000000,2.000000,"
      "1000.000000,2000.000000,5000.000000,6000.000000,0.120000,,0.500000,,"
      "-5.000000,-5.000000,10.000000,10.000000,0.001000,0.001000,2.000000,"
      "2.000000,1,NIFTY,this_week,0");
  /* 09:30:30: no CE, so no tp (a sum needs both sides), no CE column */
  assert_string_equal(line_at(t1, "09:30:30", l, sizeof(l)),
                      "09:30:30,,,,,,2000.000000,,6000.000000,,,,,,"
                      "-5.000000,,10.000000,,0.001000,,2.000000,,2000.000000,,"
                      "6000.000000,,,,,,-5.000000,,10.000000,,0.001000,,"
                      "2.000000,1,NIFTY,this_week,0");
  assert_null(strstr(t1, "09:00:00"));

  /* the same day again: nothing changes */
  st = (g6_overlay_stats){0};
  assert_int_equal(g6_overlay_update(data, out, "NIFTY", d1, &o, &st, &e),
                   G6_OK);
  assert_int_equal(st.replaced, 1);
  char *again = slurp(master);
  assert_string_equal(again, t1);
  free(again);

  /* the next Monday: mean of the two days, EMA 0.25·new + 0.75·old */
  assert_int_equal(g6_overlay_update(data, out, "NIFTY", d2, &o, &st, &e),
                   G6_OK);
  char *t2 = slurp(master);
  char want[64];
  line_at(t2, "09:30:00", l, sizeof(l));
  fx(want, sizeof(want), (190 + 380) / 2.0);
  assert_true(strncmp(l + 9, want, strlen(want)) == 0);
  fx(want, sizeof(want), 0.25 * 380 + 0.75 * 190);
  assert_non_null(strstr(l, want));
  assert_non_null(strstr(l, ",2,NIFTY,this_week,0"));
  free(t2);
  /* re-run of the last day after more rows arrived: replaces it */
  write_day(data, d2, 2, true); /* appends 09:31:00 (others duplicate) */
  st = (g6_overlay_stats){0};
  assert_int_equal(g6_overlay_update(data, out, "NIFTY", d2, &o, &st, &e),
                   G6_OK);
  assert_int_equal(st.replaced, 1);
  t2 = slurp(master);
  assert_non_null(
      strstr(line_at(t2, "09:30:00", l, sizeof(l)), ",2,NIFTY,this_week,0"));
  assert_non_null(
      strstr(line_at(t2, "09:31:00", l, sizeof(l)), ",1,NIFTY,this_week,0"));
  /* an earlier day is not applied twice */
  st = (g6_overlay_stats){0};
  assert_int_equal(g6_overlay_update(data, out, "NIFTY", d1, &o, &st, &e),
                   G6_OK);
  assert_int_equal(st.skipped, 1);
  assert_int_equal(st.updated, 0);
  char *t3 = slurp(master);
  assert_string_equal(t3, t2);
  free(t1);
  free(t2);
  free(t3);

  /* bad arguments and missing days */
  o.alpha = 0;
  assert_int_equal(g6_overlay_update(data, out, "NIFTY", d1, &o, &st, &e),
                   G6_EINVAL);
  o.alpha = 0.5;
  assert_int_equal(
      g6_overlay_update(data, out, "NIFTY", (g6_date){2025, 1, 7}, &o, &st, &e),
      G6_ENOENT);
  assert_non_null(strstr(e.msg, "has no per-strike file of 2025-01-07"));
  assert_int_not_equal(
      g6_overlay_update(data, out, "BANKNIFTY", d1, &o, &st, &e), G6_OK);
}

/* One fold of a day with the default options, not durable (what these
 * tests check is not the fsync). */
static g6_status fold(const char *data, const char *out, const char *index,
                      g6_date date, g6_overlay_stats *st, g6_error *e) {
  g6_overlay_opts o = G6_OVERLAY_OPTS_DEFAULT;
  o.durable = false;
  return g6_overlay_update(data, out, index, date, &o, st, e);
}

static void takes_over_old_masters(void **state) {
  (void)state;
  char data[300], out[300], master[600];
  snprintf(data, sizeof(data), "%s/old", dir);
  snprintf(out, sizeof(out), "%s/oldout", dir);
  g6_date tue = {2025, 1, 7};
  write_day(data, tue, 1, false);
  snprintf(master, sizeof(master), "%s/NIFTY/this_week/0", out);
  assert_int_equal(g6_mkdir_p(master, 0755, NULL), G6_OK);
  snprintf(master, sizeof(master), "%s/NIFTY/this_week/0/TUESDAY.csv", out);
  /* the old platform's file: 3 days seen at 09:30:00, tp mean 100 */
  const char *old =
      "timestamp,tp_mean,tp_ema,avg_tp_mean,avg_tp_ema,counter,index,"
      "expiry_tag,offset\n"
      "09:30:00,100.000000,110.000000,98.000000,99.000000,3,NIFTY,this_week,"
      "0\n";
  assert_int_equal(g6_atomic_write(master, old, strlen(old), 0644, false, NULL),
                   G6_OK);
  g6_overlay_stats st = {0};
  g6_error e;
  assert_int_equal(fold(data, out, "NIFTY", tue, &st, &e),
                   G6_OK);
  char *t = slurp(master);
  char l[2048], want[64];
  line_at(t, "09:30:00", l, sizeof(l));
  fx(want, sizeof(want), 100 + (190 - 100) / 4.0); /* the 4th observation */
  assert_true(strncmp(l + 9, want, strlen(want)) == 0);
  fx(want, sizeof(want), 0.5 * 190 + 0.5 * 110);
  assert_non_null(strstr(l, want));
  assert_non_null(strstr(l, ",4,NIFTY,this_week,0"));
  /* a column the old file did not have starts with this day */
  assert_non_null(strstr(l, ",1000.000000,2000.000000,5000.000000,"));
  free(t);
  /* a file that is not a master is refused, not overwritten */
  assert_int_equal(g6_atomic_write(master, "a,b\n1,2\n", 8, 0644, false, NULL),
                   G6_OK);
  snprintf(l, sizeof(l), "%s/NIFTY/this_week/0/.TUESDAY.state", out);
  remove(l);
  assert_int_equal(fold(data, out, "NIFTY", tue, &st, &e),
                   G6_EUNSUPPORTED);
  assert_non_null(strstr(e.msg, "not a weekday overlay master"));
}

/* A day's file that holds another day's or another index's rows (a copy
 * or restore under the wrong name) is refused naming the file and the row,
 * not folded into the wrong weekday; a tag directory or a day's file that
 * cannot be read, or a directory where the file should be, stops the index
 * naming it instead of the day being folded in without it. */
static void wrong_files_are_refused(void **state) {
  (void)state;
  char data[300], out[300], from[600], to[600];
  snprintf(data, sizeof(data), "%s/wrong", dir);
  snprintf(out, sizeof(out), "%s/wrong-out", dir);
  g6_date mon = {2025, 1, 6}, tue = {2025, 1, 7};
  write_day(data, tue, 1, false);
  snprintf(from, sizeof(from), "%s/NIFTY/this_week/0/2025-01-07.csv", data);
  snprintf(to, sizeof(to), "%s/NIFTY/this_week/0/2025-01-06.csv", data);
  assert_int_equal(rename(from, to), 0);
  g6_overlay_stats st = {0};
  g6_error e;
  assert_int_equal(fold(data, out, "NIFTY", mon, &st, &e),
                   G6_EPARSE);
  assert_non_null(strstr(e.msg, "2025-01-06.csv: data row 1 is of NIFTY "
                                "07-01-2025 09:00:00, not of NIFTY "
                                "2025-01-06"));
  snprintf(from, sizeof(from), "%s/NIFTY/this_week/0/MONDAY.csv", out);
  assert_int_not_equal(access(from, F_OK), 0);
  /* the same file under another index's directory */
  snprintf(from, sizeof(from), "%s/NIFTY", data);
  snprintf(to, sizeof(to), "%s/BANKNIFTY", data);
  assert_int_equal(rename(from, to), 0);
  assert_int_equal(fold(data, out, "BANKNIFTY", mon, &st, &e),
                   G6_EPARSE);
  assert_non_null(strstr(e.msg, "data row 1 is of NIFTY"));
  /* a good day, then links, never followed (g6_chain never writes through
   * one): a looping tag link, a tag link to the real tag (its files would
   * be folded twice), an offset directory and a day's file that are links
   * to copies elsewhere; then a directory named like the day's file */
  write_day(data, mon, 1, false);
  const char *links[][2] = {{"NIFTY/loop", "loop"},
                            {"NIFTY/current", "this_week"},
                            {"NIFTY/this_week/+100", "../../copy"},
                            {"NIFTY/this_week/-100", "../../copy"}};
  snprintf(from, sizeof(from), "%s/NIFTY/this_week/0", data);
  snprintf(to, sizeof(to), "%s/copy", data);
  assert_int_equal(g6_mkdir_p(to, 0755, NULL), G6_OK);
  snprintf(from, sizeof(from), "%s/NIFTY/this_week/0/2025-01-06.csv", data);
  snprintf(to, sizeof(to), "%s/copy/2025-01-06.csv", data);
  assert_int_equal(link(from, to), 0);
  for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
    snprintf(from, sizeof(from), "%s/%s", data, links[i][0]);
    assert_int_equal(symlink(links[i][1], from), 0);
    if (i == 3) { /* the day's file itself: a link in a real offset dir */
      assert_int_equal(unlink(from), 0);
      assert_int_equal(g6_mkdir_p(from, 0755, NULL), G6_OK);
      snprintf(from, sizeof(from), "%s/%s/2025-01-06.csv", data, links[i][0]);
      assert_int_equal(symlink("../../../copy/2025-01-06.csv", from), 0);
    }
    assert_int_equal(fold(data, out, "NIFTY", mon, &st, &e),
                     G6_EINVAL);
    if (strstr(e.msg, links[i][0]) == NULL ||
        strstr(e.msg, "is a symbolic link; it is not followed") == NULL)
      fail_msg("%s: %s", links[i][0], e.msg);
    assert_int_equal(unlink(from), 0);
  }
  snprintf(from, sizeof(from), "%s/NIFTY/this_week/+50/2025-01-06.csv", data);
  assert_int_equal(g6_mkdir_p(from, 0755, NULL), G6_OK);
  assert_int_equal(fold(data, out, "NIFTY", mon, &st, &e),
                   G6_EINVAL);
  assert_non_null(strstr(e.msg, "+50/2025-01-06.csv is not a regular file"));
  assert_int_equal(rmdir(from), 0);
  assert_int_equal(fold(data, out, "NIFTY", mon, &st, &e),
                   G6_OK);
  /* a day file under directories another program named: their names would
   * go into the master's rows (a comma, a line break, an escape) */
  const char *bad[] = {"this_week/+5,0", "this,week/0", "this_week/+5\n0",
                       "this\x1b[2Jweek/0", "this_week/fifty"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    snprintf(from, sizeof(from), "%s/NIFTY/this_week/0/2025-01-06.csv", data);
    snprintf(to, sizeof(to), "%s/NIFTY/%s", data, bad[i]);
    assert_int_equal(g6_mkdir_p(to, 0755, NULL), G6_OK);
    char dest[700];
    snprintf(dest, sizeof(dest), "%s/2025-01-06.csv", to);
    assert_int_equal(link(from, dest), 0);
    assert_int_equal(fold(data, out, "NIFTY", mon, &st, &e),
                     G6_EINVAL);
    if (strstr(e.msg, "not a directory of g6's layout") == NULL ||
        strchr(e.msg, '\n') != NULL || strchr(e.msg, '\x1b') != NULL)
      fail_msg("%s: %s", bad[i], e.msg);
    assert_int_equal(unlink(dest), 0);
  }
}

/* The offset directories of NIFTY/this_week under data: "0" written by the
 * sink for `date`, and `n` more linked to it ("+50", "+100", ...). */
static void offsets_of_day(const char *data, g6_date date, int n) {
  char from[600], to[700];
  write_day(data, date, 1, false);
  char ds[11];
  g6_date_format(date, ds);
  snprintf(from, sizeof(from), "%s/NIFTY/this_week/0/%s.csv", data, ds);
  for (int i = 1; i <= n; i++) {
    snprintf(to, sizeof(to), "%s/NIFTY/this_week/+%d", data, 50 * i);
    assert_int_equal(g6_mkdir_p(to, 0755, NULL), G6_OK);
    snprintf(to, sizeof(to), "%s/NIFTY/this_week/+%d/%s.csv", data, 50 * i, ds);
    assert_int_equal(link(from, to), 0);
  }
}

/* The offset directory of NIFTY/this_week that readdir lists last: the one
 * the walk reaches after every other. */
static void last_offset(const char *data, char out[700]) {
  char tw[400];
  snprintf(tw, sizeof(tw), "%s/NIFTY/this_week", data);
  DIR *d = opendir(tw);
  assert_non_null(d);
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    if (e->d_name[0] != '.')
      snprintf(out, 700, "%s/%s", tw, e->d_name);
  closedir(d);
}

/* Every master file (and state) under out, concatenated with its name. */
static void snapshot_tree(const char *out, g6_buf *b) {
  char tw[400];
  snprintf(tw, sizeof(tw), "%s/NIFTY/this_week", out);
  DIR *d = opendir(tw);
  assert_non_null(d);
  struct dirent *e;
  char names[64][256];
  size_t n = 0;
  while ((e = readdir(d)) != NULL && n < 64)
    if (e->d_name[0] != '.')
      snprintf(names[n++], sizeof(names[0]), "%s", e->d_name);
  closedir(d);
  qsort(names, n, sizeof(names[0]), (int (*)(const void *, const void *))strcmp);
  const char *files[] = {"MONDAY.csv", ".MONDAY.state", ".MONDAY.before"};
  for (size_t i = 0; i < n; i++)
    for (size_t k = 0; k < 3; k++) {
      char path[800];
      snprintf(path, sizeof(path), "%.399s/%.255s/%s", tw, names[i],
               files[k]);
      char *t = slurp(path);
      g6_buf_printf(b, "%s/%s:\n%s\n", names[i], files[k], t ? t : "(none)");
      free(t);
    }
}

/* A day that fails part way changes no master: every file is checked
 * before the first write. The failing file is the one the walk reaches
 * last, so that masters of every other offset were already rewritten when
 * each file was folded as it was read. */
static void a_failing_day_changes_no_master(void **state) {
  (void)state;
  g6_date mon = {2025, 1, 6}, next = {2025, 1, 13};
  const char *kinds[] = {"another day's file", "a link at the day's file",
                         "a row that does not parse",
                         "a directory outside the layout"};
  for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
    char data[300], out[300], last[700], path[800];
    snprintf(data, sizeof(data), "%s/allornot%zu", dir, k);
    snprintf(out, sizeof(out), "%s/allornot%zu-out", dir, k);
    offsets_of_day(data, mon, 6);
    g6_overlay_stats st = {0};
    g6_error e;
    assert_int_equal(fold(data, out, "NIFTY", mon, &st, &e),
                     G6_OK);
    assert_int_equal(st.updated, 7);
    g6_buf was = G6_BUF_INIT, now = G6_BUF_INIT;
    snapshot_tree(out, &was);
    offsets_of_day(data, next, 6);
    last_offset(data, last);
    snprintf(path, sizeof(path), "%s/2025-01-13.csv", last);
    assert_int_equal(unlink(path), 0);
    if (k == 0) { /* Monday the 6th's file under the 13th's name */
      char from[800];
      snprintf(from, sizeof(from), "%s/2025-01-06.csv", last);
      assert_int_equal(link(from, path), 0);
    } else if (k == 1) {
      assert_int_equal(symlink("2025-01-06.csv", path), 0);
    } else if (k == 2) {
      char from[600], *t;
      snprintf(from, sizeof(from), "%s/NIFTY/this_week/0/2025-01-13.csv",
               data);
      t = slurp(from);
      assert_non_null(t);
      g6_buf b = G6_BUF_INIT;
      g6_buf_printf(&b, "%s13-01-2025 09:45:00,NIFTY,this_week,oops\n", t);
      assert_int_equal(g6_atomic_write(path, b.data, b.len, 0644, false, NULL),
                       G6_OK);
      g6_buf_free(&b);
      free(t);
    } else { /* a day's file under a directory g6 never makes */
      char from[600];
      snprintf(from, sizeof(from), "%s/NIFTY/this_week/0/2025-01-13.csv",
               data);
      snprintf(path, sizeof(path), "%s/NIFTY/this_week/fifty", data);
      assert_int_equal(g6_mkdir_p(path, 0755, NULL), G6_OK);
      snprintf(path, sizeof(path), "%s/NIFTY/this_week/fifty/2025-01-13.csv",
               data);
      assert_int_equal(link(from, path), 0);
    }
    memset(&st, 0, sizeof(st));
    g6_status rc = fold(data, out, "NIFTY", next, &st, &e);
    if (rc == G6_OK)
      fail_msg("%s: folded", kinds[k]);
    snapshot_tree(out, &now);
    if (strcmp(was.data, now.data) != 0)
      fail_msg("%s (%s): masters changed by a day that failed", kinds[k],
               e.msg);
    assert_int_equal(st.updated, 0);
    g6_buf_free(&was);
    g6_buf_free(&now);
  }
}

/* A day file without data rows (its header alone, or empty) is named in
 * the stats and not counted among the files folded; the others are. */
static void empty_day_files_are_named(void **state) {
  (void)state;
  char data[300], out[300], path[700];
  snprintf(data, sizeof(data), "%s/hollow", dir);
  snprintf(out, sizeof(out), "%s/hollow-out", dir);
  g6_date mon = {2025, 1, 6};
  offsets_of_day(data, mon, 2);
  snprintf(path, sizeof(path), "%s/NIFTY/this_week/+50/2025-01-06.csv", data);
  assert_int_equal(unlink(path), 0);
  g6_buf h = G6_BUF_INIT;
  g6_buf_printf(&h, "%s\n", g6_csv_option_header);
  assert_int_equal(g6_atomic_write(path, h.data, h.len, 0644, false, NULL),
                   G6_OK);
  g6_buf_free(&h);
  char empty[700];
  snprintf(empty, sizeof(empty), "%s/NIFTY/this_week/+100/2025-01-06.csv",
           data);
  assert_int_equal(unlink(empty), 0);
  assert_int_equal(g6_atomic_write(empty, "", 0, 0644, false, NULL), G6_OK);
  g6_overlay_stats st = {0};
  g6_error e;
  assert_int_equal(fold(data, out, "NIFTY", mon, &st, &e),
                   G6_OK);
  assert_int_equal(st.files, 1);
  assert_int_equal(st.updated, 1);
  assert_int_equal(st.empty, 2);
  assert_true(strcmp(st.empty_first, path) == 0 ||
              strcmp(st.empty_first, empty) == 0);
  snprintf(path, sizeof(path), "%s/NIFTY/this_week/+50/MONDAY.csv", out);
  assert_int_not_equal(access(path, F_OK), 0);
  /* only empty files: nothing folded, still named (not "no file") */
  snprintf(path, sizeof(path), "%s/NIFTY/this_week/0/2025-01-06.csv", data);
  assert_int_equal(unlink(path), 0);
  memset(&st, 0, sizeof(st));
  assert_int_equal(fold(data, out, "NIFTY", mon, &st, &e),
                   G6_OK);
  assert_int_equal(st.files, 0);
  assert_int_equal(st.empty, 2);
}

/* An entry whose path is too long to read fails the index naming it
 * (shortened, printable), where the walk used to leave it out in silence
 * and fold the day without whatever it held. */
static void an_overlong_path_fails_the_index(void **state) {
  (void)state;
  /* a DataDir whose path is about 3,950 bytes, made one level at a time */
  char data[4096], out[300], comp[101];
  memset(comp, 'd', 100);
  comp[100] = '\0';
  int n = snprintf(data, sizeof(data), "%s/deep", dir);
  assert_int_equal(g6_mkdir_p(data, 0755, NULL), G6_OK);
  while (n < 3900) {
    n += snprintf(data + n, sizeof(data) - (size_t)n, "/%s", comp);
    assert_int_equal(mkdir(data, 0755), 0);
  }
  snprintf(out, sizeof(out), "%s/deep-out", dir);
  g6_date mon = {2025, 1, 6};
  offsets_of_day(data, mon, 0);
  g6_overlay_stats st = {0};
  g6_error e;
  assert_int_equal(fold(data, out, "NIFTY", mon, &st, &e),
                   G6_OK);
  /* beside the tag: a directory whose path passes PATH_MAX (its files
   * could be a tag's day) */
  char name[256];
  memset(name, 'x', 250);
  name[250] = '\0';
  char ix[4200];
  snprintf(ix, sizeof(ix), "%s/NIFTY", data);
  int fd = open(ix, O_RDONLY | O_DIRECTORY);
  assert_true(fd >= 0);
  assert_int_equal(mkdirat(fd, name, 0755), 0);
  close(fd);
  memset(&st, 0, sizeof(st));
  assert_int_equal(fold(data, out, "NIFTY", mon, &st, &e),
                   G6_EINVAL);
  if (strstr(e.msg, "xxxxxxxxxx: the path is longer than") == NULL ||
      strstr(e.msg, "...") == NULL || strstr(e.msg, "not folded") == NULL)
    fail_msg("%s", e.msg);
  assert_int_equal(st.updated, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(days_means_emas_and_reruns),
      cmocka_unit_test(takes_over_old_masters),
      cmocka_unit_test(wrong_files_are_refused),
      cmocka_unit_test(a_failing_day_changes_no_master),
      cmocka_unit_test(empty_day_files_are_named),
      cmocka_unit_test(an_overlong_path_fails_the_index),
  };
  cmocka_set_message_output(CM_OUTPUT_TAP);
  return cmocka_run_group_tests(tests, setup, teardown);
}
