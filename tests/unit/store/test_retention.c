/* The data directory's scan and guarded pruning (store/retention.h): the
 * layout grammar with look-alike names, the files the CSV sink and the
 * snapshot writer really produce, tallies, the age rule at the IST date
 * boundary, ProtectToday, dry run, the per-sweep cap, a hostile tree
 * (symlinks out of the tree, symlinked directories, "..", an immutable
 * directory, a tmpfs and a bind mount below the data directory), a crash
 * mid-sweep finished by the next sweep, a full disk, and stopping. */
#include "g6_test.h"

#include "core/clock.h"
#include "core/fsutil.h"
#include "core/json.h"
#include "store/csv_sink.h"
#include "store/panels.h"
#include "store/retention.h"
#include "store/snapshot.h"

#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

G6_TEST_TMPDIR("retention")

/* 2025-10-20 12:00:00 IST; today is 2025-10-20 in IST. */
#define NOW_IST_NOON 1760941800.0

static double utc(int y, int mo, int d, int h, int mi, int s) {
  return (double)(g6_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 +
                  s);
}

static void fresh(char *out, size_t len, const char *name) {
  snprintf(out, len, "%s/%s", dir, name);
  g6_mkdir_p(out, 0755, NULL);
}

/* Creates root/rel with `size` bytes and mtime `mtime` (0: now). */
static void mk(const char *root, const char *rel, size_t size, double mtime) {
  char path[1024];
  snprintf(path, sizeof(path), "%s/%s", root, rel);
  char *slash = strrchr(path, '/');
  *slash = '\0';
  assert_int_equal(g6_mkdir_p(path, 0755, NULL), G6_OK);
  *slash = '/';
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  assert_true(fd >= 0);
  char buf[4096];
  memset(buf, 'x', sizeof(buf));
  for (size_t done = 0; done < size;) {
    size_t n = size - done < sizeof(buf) ? size - done : sizeof(buf);
    assert_int_equal(write(fd, buf, n), (ssize_t)n);
    done += n;
  }
  close(fd);
  if (mtime > 0) {
    struct timespec ts[2] = {{(time_t)mtime, 0}, {(time_t)mtime, 0}};
    assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
  }
}

/* Creates the symlink root/rel -> target + suffix. */
static void link_at(const char *root, const char *rel, const char *target,
                    const char *suffix) {
  char path[1024], to[1024];
  snprintf(path, sizeof(path), "%s/%s", root, rel);
  snprintf(to, sizeof(to), "%s%s", target, suffix);
  assert_int_equal(symlink(to, path), 0);
}

static bool exists(const char *root, const char *rel) {
  char path[1024];
  struct stat sb;
  snprintf(path, sizeof(path), "%s/%s", root, rel);
  return lstat(path, &sb) == 0;
}

static g6_status run(const char *data, const char *panels, double now,
                     const g6_retention_policy *p, g6_retention_report *r) {
  g6_retention_opts o = {.data_dir = data, .panels_dir = panels, .now = now,
                         .policy = p};
  g6_error e;
  g6_status st = g6_retention_run(&o, r, &e);
  if (st != G6_OK)
    print_message("# %s\n", e.msg);
  return st;
}

static g6_retention_policy policy(int days, bool dry) {
  g6_retention_policy p = {.enabled = true, .dry_run = dry,
                           .protect_today = true, .max_age_days = days,
                           .overview_max_age_days = days,
                           .snapshot_max_age_days = days,
                           .max_deletes = 1000000};
  return p;
}

static uint64_t files_of(const g6_retention_report *r, const char *ix,
                         g6_retention_kind k) {
  const g6_retention_index *x = g6_retention_find(r, ix);
  return x ? x->kind[k].files : 0;
}

/* ---- the layout grammar ------------------------------------------------- */

typedef struct vec {
  const char *path;
  g6_retention_kind kind;
  const char *index;
  bool prunable;
} vec;

static void layout_vectors(void **state) {
  (void)state;
  static const vec v[] = {
      /* what g6 writes */
      {"NIFTY/this_week/+50/2025-10-20.csv", G6_KIND_OPTIONS, "NIFTY", true},
      {"NIFTY/this_week/0/2025-10-20.csv", G6_KIND_OPTIONS, "NIFTY", true},
      {"BANKNIFTY/next_month/-1200/2024-02-29.csv", G6_KIND_OPTIONS,
       "BANKNIFTY", true},
      {"MY-IX_2/this_month/+12.5/2025-10-20.csv", G6_KIND_OPTIONS, "MY-IX_2",
       true},
      {"NIFTY/next_week/-0.05/2025-10-20.csv", G6_KIND_OPTIONS, "NIFTY", true},
      {"NIFTY/next_week/+1e-05/2025-10-20.csv", G6_KIND_OPTIONS, "NIFTY", true},
      {"NIFTY/2025-10-23/+50/2025-10-20.csv", G6_KIND_OPTIONS, "NIFTY", true},
      {"overview/NIFTY/2025-10-20.csv", G6_KIND_OVERVIEW, "NIFTY", true},
      {"snapshots/NIFTY.json", G6_KIND_SNAPSHOTS, "NIFTY", false},
      {"snapshots/.NIFTY.json.tmp.Ab12Cd", G6_KIND_SNAPSHOTS, "NIFTY", false},
      {"snapshots/NIFTY/2025-10-20/17.json", G6_KIND_SNAPSHOTS, "NIFTY", true},
      {"snapshots/NIFTY/2025-10-20/.17.json.tmp.abcdef", G6_KIND_SNAPSHOTS,
       "NIFTY", true},
      {"iv_history/NIFTY.csv", G6_KIND_IV_HISTORY, "NIFTY", false},
      {"iv_history/.NIFTY.csv.tmp.Zz09aB", G6_KIND_IV_HISTORY, "NIFTY", false},
      {"panels/manifest.json", G6_KIND_PANELS, "", false},
      {"panels/old/system_enveloped.json", G6_KIND_PANELS, "", false},
      /* g6_panels' staging directory beside the default PanelsDir */
      {".panels.g6-staging/manifest.json", G6_KIND_PANELS, "", false},
      {".panels.g6-staging/2025-10-20.csv", G6_KIND_PANELS, "", false},
      /* and its journal */
      {".panels.g6-journal", G6_KIND_PANELS, "", false},
      {".other.g6-journal", G6_KIND_UNMATCHED, "", false},
      /* look-alikes */
      {"iv_history/NIFTY.json", G6_KIND_UNMATCHED, "", false},
      {"iv_history/NIFTY.csv.bak", G6_KIND_UNMATCHED, "", false},
      {"iv_history/NIFTY/2025-10-20.csv", G6_KIND_UNMATCHED, "", false},
      {"iv_history/iv_history.csv", G6_KIND_UNMATCHED, "", false},
      {"iv_history/this_week/+50/2025-10-20.csv", G6_KIND_UNMATCHED, "", false},
      {"NIFTY/this_week/50/2025-10-20.csv", G6_KIND_UNMATCHED, "", false},
      {"NIFTY/this_week/+050/2025-10-20.csv", G6_KIND_UNMATCHED, "", false},
      {"NIFTY/this_week/+50.0/2025-10-20.csv", G6_KIND_UNMATCHED, "", false},
      {"NIFTY/this_week/+50./2025-10-20.csv", G6_KIND_UNMATCHED, "", false},
      {"NIFTY/this_week/+0/2025-10-20.csv", G6_KIND_UNMATCHED, "", false},
      {"NIFTY/this_week/-0/2025-10-20.csv", G6_KIND_UNMATCHED, "", false},
      {"NIFTY/this_week/+1e5/2025-10-20.csv", G6_KIND_UNMATCHED, "", false},
      {"NIFTY/weekly/+50/2025-10-20.csv", G6_KIND_UNMATCHED, "", false},
      {"NIFTY/This_Week/+50/2025-10-20.csv", G6_KIND_UNMATCHED, "", false},
      {"NIFTY/this_week/+50/2025-13-01.csv", G6_KIND_UNMATCHED, "", false},
      {"NIFTY/this_week/+50/2025-02-30.csv", G6_KIND_UNMATCHED, "", false},
      {"NIFTY/this_week/+50/2025-10-20.csv.bak", G6_KIND_UNMATCHED, "", false},
      {"NIFTY/this_week/+50/2025-10-20.CSV", G6_KIND_UNMATCHED, "", false},
      {"NIFTY/this_week/+50/2025-10-20.csv~", G6_KIND_UNMATCHED, "", false},
      {"NIFTY/this_week/+50/20251020.csv", G6_KIND_UNMATCHED, "", false},
      {"NIFTY/this_week/+50/2025-1-20.csv", G6_KIND_UNMATCHED, "", false},
      {"NIFTY/this_week/+50/.2025-10-20.csv", G6_KIND_UNMATCHED, "", false},
      {"NIFTY/this_week/+50/x/2025-10-20.csv", G6_KIND_UNMATCHED, "", false},
      {"NIFTY/this_week/2025-10-20.csv", G6_KIND_UNMATCHED, "", false},
      {"NIFTY/this_week/2025-10-20_debug.json", G6_KIND_UNMATCHED, "", false},
      {"NIFTY/2025-10-20.csv", G6_KIND_UNMATCHED, "", false},
      {"2025-10-20.csv", G6_KIND_UNMATCHED, "", false},
      {"NIF TY/this_week/+50/2025-10-20.csv", G6_KIND_UNMATCHED, "", false},
      {".NIFTY/this_week/+50/2025-10-20.csv", G6_KIND_UNMATCHED, "", false},
      {"overview/2025-10-20.csv", G6_KIND_UNMATCHED, "", false},
      {"overview/NIFTY/x/2025-10-20.csv", G6_KIND_UNMATCHED, "", false},
      {"overview/overview/2025-10-20.csv", G6_KIND_UNMATCHED, "", false},
      {"overview/NIFTY/2025-10-20.json", G6_KIND_UNMATCHED, "", false},
      {"snapshots/NIFTY.json.bak", G6_KIND_UNMATCHED, "", false},
      {"snapshots/.NIFTY.json.tmp.abc", G6_KIND_UNMATCHED, "", false},
      {"snapshots/snapshots.json", G6_KIND_UNMATCHED, "", false},
      {"snapshots/NIFTY/latest.json", G6_KIND_UNMATCHED, "", false},
      {"snapshots/NIFTY/2025-10-20/017.json", G6_KIND_UNMATCHED, "", false},
      {"snapshots/NIFTY/2025-10-20/x.json", G6_KIND_UNMATCHED, "", false},
      {"snapshots/NIFTY/2025-10-20/1.json.gz", G6_KIND_UNMATCHED, "", false},
      {"snapshots/NIFTY/20251020/1.json", G6_KIND_UNMATCHED, "", false},
  };
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    g6_retention_kind k;
    char ix[32];
    bool dated, prunable;
    g6_date d;
    assert_true(g6_retention_classify(v[i].path, &k, ix, &dated, &d,
                                      &prunable));
    if (k != v[i].kind || strcmp(ix, v[i].index) != 0 ||
        prunable != v[i].prunable)
      fail_msg("%s: got %s/%s/%d, want %s/%s/%d", v[i].path,
               g6_retention_kind_name(k), ix, prunable,
               g6_retention_kind_name(v[i].kind), v[i].index, v[i].prunable);
    if (prunable)
      assert_true(dated && d.year >= 2024);
  }
  static const char *const bad[] = {"", "../NIFTY/x.csv", "a/../b.csv",
                                    "a//b.csv", "./a.csv", "a/"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    g6_retention_kind k;
    char ix[32];
    bool dated, prunable;
    g6_date d;
    assert_false(g6_retention_classify(bad[i], &k, ix, &dated, &d, &prunable));
  }
}

/* The files the CSV sink and the snapshot writer really write all match
 * the layout, with fractional strike steps too. */
static void sink_output_matches(void **state) {
  (void)state;
  char data[300];
  fresh(data, sizeof(data), "sink");
  g6_csv_sink *s = g6_csv_sink_new(data, "MYIX", G6_FSYNC_NEVER, 0);
  g6_csv_option_row rows[7];
  const double strikes[] = {987.5, 1000, 1012.5, 1000.05, 999.95, 1000.00001,
                            23000};
  memset(rows, 0, sizeof(rows));
  for (size_t i = 0; i < 7; i++) {
    rows[i].index_price = 1001;
    rows[i].atm = 1000;
    rows[i].strike = strikes[i];
  }
  g6_csv_stats st = {0};
  int64_t ts = (int64_t)utc(2025, 10, 20, 4, 0, 0);
  assert_int_equal(g6_csv_write_options(s, ts, "this_week",
                                        (g6_date){2025, 10, 23}, rows, 7, &st,
                                        NULL),
                   G6_OK);
  assert_int_equal(g6_csv_write_options(s, ts, "next_month",
                                        (g6_date){2025, 11, 27}, rows, 2, &st,
                                        NULL),
                   G6_OK);
  g6_csv_overview ov = {.index_price = 1001, .day_width = NAN, .vix = NAN};
  assert_int_equal(g6_csv_write_overview(s, ts, &ov, &st, NULL), G6_OK);
  g6_csv_sink_free(s);
  g6_index_config ix = {.name = "MYIX", .underlying = "NSE:MYIX",
                        .segment = "NFO-OPT"};
  g6_snapshot snap = {.ix = &ix, .seq = 1, .spot = NAN, .atm = NAN,
                      .step = NAN, .day_high = NAN, .day_low = NAN, .vix = NAN};
  g6_buf scratch = G6_BUF_INIT;
  assert_int_equal(g6_snapshot_write(data, &snap, &scratch, false, NULL),
                   G6_OK);
  g6_buf_free(&scratch);
  g6_retention_report r;
  assert_int_equal(run(data, NULL, NOW_IST_NOON, NULL, &r), G6_OK);
  assert_int_equal(files_of(&r, "MYIX", G6_KIND_OPTIONS), 9);
  assert_int_equal(files_of(&r, "MYIX", G6_KIND_OVERVIEW), 1);
  assert_int_equal(files_of(&r, "MYIX", G6_KIND_SNAPSHOTS), 1);
  assert_int_equal(g6_retention_total(&r, G6_KIND_UNMATCHED).files, 0);
  assert_false(r.pruned);
}

/* ---- the scan --------------------------------------------------------------- */

static void tallies(void **state) {
  (void)state;
  char data[300];
  fresh(data, sizeof(data), "tally");
  double t1 = utc(2025, 10, 17, 4, 0, 0), t2 = utc(2025, 10, 20, 4, 0, 0);
  mk(data, "NIFTY/this_week/+50/2025-10-17.csv", 100, t1);
  mk(data, "NIFTY/this_week/-50/2025-10-20.csv", 200, t2);
  mk(data, "overview/NIFTY/2025-10-20.csv", 30, t2);
  mk(data, "SENSEX/this_month/0/2025-10-20.csv", 7, t2);
  mk(data, "snapshots/SENSEX.json", 50, t2);
  mk(data, "snapshots/SENSEX/2025-10-17/1.json", 5, t1);
  mk(data, "panels/manifest.json", 11, t2);
  mk(data, "NIFTY/notes.txt", 3, t1);
  mk(data, "backup/NIFTY/this_week/+50/2025-10-17.csv", 4, t1);
  g6_retention_report r;
  assert_int_equal(run(data, NULL, NOW_IST_NOON, NULL, &r), G6_OK);
  const g6_retention_index *n = g6_retention_find(&r, "NIFTY");
  assert_non_null(n);
  assert_int_equal(n->kind[G6_KIND_OPTIONS].files, 2);
  assert_int_equal(n->kind[G6_KIND_OPTIONS].bytes, 300);
  assert_int_equal(n->kind[G6_KIND_OPTIONS].oldest.tv_sec, (time_t)t1);
  assert_int_equal(n->kind[G6_KIND_OPTIONS].newest.tv_sec, (time_t)t2);
  assert_int_equal(n->kind[G6_KIND_OVERVIEW].files, 1);
  assert_int_equal(n->kind[G6_KIND_SNAPSHOTS].files, 0);
  assert_int_equal(files_of(&r, "SENSEX", G6_KIND_OPTIONS), 1);
  assert_int_equal(files_of(&r, "SENSEX", G6_KIND_SNAPSHOTS), 2);
  const g6_retention_index *none = g6_retention_find(&r, G6_RETENTION_NO_INDEX);
  assert_ptr_equal(none, &r.idx[0]);
  assert_int_equal(none->kind[G6_KIND_PANELS].files, 1);
  assert_false(r.panels_missing);
  assert_int_equal(none->kind[G6_KIND_UNMATCHED].files, 2);
  assert_int_equal(none->kind[G6_KIND_UNMATCHED].bytes, 7);
  /* "backup" is an index name, but nothing below it is in the layout */
  assert_null(g6_retention_find(&r, "NIFTY2"));
  assert_int_equal(files_of(&r, "backup", G6_KIND_OPTIONS), 0);
  assert_int_equal(r.skipped[G6_SKIP_OTHER_MOUNT] + r.skipped[G6_SKIP_UNREADABLE] +
                       r.skipped[G6_SKIP_TOO_DEEP],
                   0);
  assert_true(r.seconds >= 0 && r.seconds < 10);
  /* a panels directory that does not exist (g6_panels writes elsewhere):
   * its files are unknown, not 0; the default one the same */
  char elsewhere[400];
  snprintf(elsewhere, sizeof(elsewhere), "%s/no-such-panels", data);
  assert_int_equal(run(data, elsewhere, NOW_IST_NOON, NULL, &r), G6_OK);
  assert_true(r.panels_missing);
  char bare[300];
  fresh(bare, sizeof(bare), "no-panels");
  mk(bare, "NIFTY/this_week/+50/2025-10-17.csv", 100, t1);
  assert_int_equal(run(bare, NULL, NOW_IST_NOON, NULL, &r), G6_OK);
  assert_true(r.panels_missing);
  assert_int_equal(r.panels_errno, ENOENT);
  /* not a directory: unknown too, with its reason */
  mk(bare, "not-a-dir", 1, t1);
  char file[400];
  snprintf(file, sizeof(file), "%s/not-a-dir", bare);
  assert_int_equal(run(bare, file, NOW_IST_NOON, NULL, &r), G6_OK);
  assert_true(r.panels_missing);
  assert_int_equal(r.panels_errno, ENOTDIR);
  assert_int_equal(run(data, NULL, NOW_IST_NOON, NULL, &r), G6_OK);
  /* warm start without walking */
  char names[8][32];
  size_t k = g6_retention_discover(data, names, 8);
  bool nifty = false, sensex = false;
  for (size_t i = 0; i < k; i++) {
    nifty |= strcmp(names[i], "NIFTY") == 0;
    sensex |= strcmp(names[i], "SENSEX") == 0;
    assert_true(strcmp(names[i], "overview") && strcmp(names[i], "panels"));
  }
  assert_true(nifty && sensex);
  for (size_t i = 0; i < k; i++)
    assert_string_not_equal(names[i], "backup"); /* holds no tag directory */
}

static void missing_and_bad_roots(void **state) {
  (void)state;
  char data[300], file[300];
  snprintf(data, sizeof(data), "%s/nosuch", dir);
  g6_retention_report r;
  g6_retention_opts o = {.data_dir = data, .now = NOW_IST_NOON};
  g6_error e;
  assert_int_equal(g6_retention_run(&o, &r, &e), G6_ENOENT);
  assert_non_null(strstr(e.msg, "nosuch"));
  fresh(file, sizeof(file), "afile");
  mk(file, "f", 1, 0);
  snprintf(data, sizeof(data), "%s/afile/f", dir);
  assert_int_equal(g6_retention_run(&o, &r, &e), G6_EINVAL);
  assert_non_null(strstr(e.msg, "not a directory"));
  g6_retention_policy p = policy(-1, true);
  o.policy = &p;
  snprintf(data, sizeof(data), "%s", dir);
  assert_int_equal(g6_retention_run(&o, &r, &e), G6_EINVAL);
  assert_non_null(strstr(e.msg, "-1"));
  p = policy(1, true);
  p.max_deletes = 0;
  assert_int_equal(g6_retention_run(&o, &r, &e), G6_EINVAL);
  p.max_deletes = G6_RETENTION_MAX_DELETES + 1; /* as the plugin's option */
  assert_int_equal(g6_retention_run(&o, &r, &e), G6_EINVAL);
  assert_non_null(strstr(e.msg, "1 to 10000000"));
  p.max_deletes = G6_RETENTION_MAX_DELETES;
  assert_int_equal(g6_retention_run(&o, &r, &e), G6_OK);
}

/* The root directory however spelled is never walked, as a data directory
 * or as an explicit panels directory, for the plugin and the CLI alike:
 * "/tmp/..", "/." and "/./" reached the whole root file system before
 * (compared by text only, and in the plugin only). */
static void root_is_never_walked(void **state) {
  (void)state;
  char data[300], link[300];
  fresh(data, sizeof(data), "notroot");
  snprintf(link, sizeof(link), "%s/to-root", dir);
  assert_int_equal(symlink("/", link), 0);
  g6_retention_policy p = policy(0, true); /* a dry run: never delete */
  g6_retention_report r;
  g6_error e;
  const char *const roots[] = {"/", "/.", "/./", "/tmp/..", link};
  for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
    for (int with_policy = 0; with_policy < 2; with_policy++) {
      g6_retention_opts o = {.data_dir = roots[i], .now = NOW_IST_NOON,
                             .policy = with_policy ? &p : NULL};
      if (g6_retention_run(&o, &r, &e) != G6_EINVAL)
        fail_msg("data_dir %s: walked", roots[i]);
      assert_non_null(strstr(e.msg, "root directory"));
      assert_int_equal(r.dirs_scanned, 0);
    }
    g6_retention_opts o = {.data_dir = data, .panels_dir = roots[i],
                           .now = NOW_IST_NOON};
    if (g6_retention_run(&o, &r, &e) != G6_EINVAL)
      fail_msg("panels_dir %s: walked", roots[i]);
    assert_non_null(strstr(e.msg, "panels directory"));
  }
  unlink(link);
}

/* ---- pruning ---------------------------------------------------------------- */

/* Files dated 0..5 days before today; MaxAgeDays 2 deletes days 3..5 and
 * the directories left empty, per kind with its own age. */
static void prunes_by_date(void **state) {
  (void)state;
  char data[300], rel[200];
  fresh(data, sizeof(data), "bydate");
  double old = utc(2025, 10, 1, 4, 0, 0);
  for (int back = 0; back <= 5; back++) {
    char date[11];
    g6_date_format(g6_civil_from_days(g6_days_from_civil(2025, 10, 20) - back),
                   date);
    snprintf(rel, sizeof(rel), "NIFTY/this_week/+50/%s.csv", date);
    mk(data, rel, 10, old);
    snprintf(rel, sizeof(rel), "NIFTY/next_week/-%d00/%s.csv", back + 1, date);
    mk(data, rel, 10, old);
    snprintf(rel, sizeof(rel), "overview/NIFTY/%s.csv", date);
    mk(data, rel, 1, old);
    snprintf(rel, sizeof(rel), "snapshots/NIFTY/%s/%d.json", date, back);
    mk(data, rel, 2, old);
  }
  mk(data, "snapshots/NIFTY.json", 2, old); /* the latest: never pruned */
  mk(data, "NIFTY/this_week/+50/2025-10-01.txt", 1, old);
  g6_retention_policy p = policy(2, false);
  p.overview_max_age_days = 4;
  p.snapshot_max_age_days = 0;
  g6_retention_report r;
  assert_int_equal(run(data, NULL, NOW_IST_NOON, &p, &r), G6_OK);
  assert_true(r.pruned);
  /* options: 3 x 2 files, overview: day 5, snapshots: days 1..5 */
  assert_int_equal(r.files_by_action[G6_PRUNE_DELETED], 6 + 1 + 5);
  assert_int_equal(r.bytes_by_action[G6_PRUNE_DELETED], 60 + 1 + 10);
  assert_int_equal(r.files_by_action[G6_PRUNE_KEPT_LAYOUT], 1);
  assert_int_equal(r.files_by_action[G6_PRUNE_FAILED], 0);
  assert_true(exists(data, "NIFTY/this_week/+50/2025-10-18.csv"));
  assert_false(exists(data, "NIFTY/this_week/+50/2025-10-17.csv"));
  assert_true(exists(data, "overview/NIFTY/2025-10-16.csv"));
  assert_false(exists(data, "overview/NIFTY/2025-10-15.csv"));
  assert_true(exists(data, "snapshots/NIFTY/2025-10-20/0.json"));
  assert_true(exists(data, "snapshots/NIFTY.json"));
  /* emptied layout directories are gone, the others stay */
  assert_false(exists(data, "NIFTY/next_week/-400"));
  assert_false(exists(data, "snapshots/NIFTY/2025-10-19"));
  assert_true(exists(data, "NIFTY/next_week/-300"));
  assert_true(exists(data, "NIFTY/this_week/+50"));
  assert_int_equal(r.dirs_removed, 3 + 5);
  /* the tallies describe the tree after the sweep */
  assert_int_equal(files_of(&r, "NIFTY", G6_KIND_OPTIONS), 6);
  assert_int_equal(files_of(&r, "NIFTY", G6_KIND_SNAPSHOTS), 2);
  /* a second sweep finds nothing to do */
  assert_int_equal(run(data, NULL, NOW_IST_NOON, &p, &r), G6_OK);
  assert_int_equal(r.files_by_action[G6_PRUNE_DELETED], 0);
  assert_int_equal(r.dirs_removed, 0);
}

/* Today is the IST date: at 00:30 IST on the 21st (19:00 UTC on the 20th)
 * a file dated the 20th is a day old, one dated the 21st is today's; and a
 * file modified after IST midnight is today's whatever its name says. */
static void ist_today_and_protect_today(void **state) {
  (void)state;
  char data[300];
  fresh(data, sizeof(data), "ist");
  double now = utc(2025, 10, 20, 19, 0, 0);
  double before_ist_midnight = utc(2025, 10, 20, 18, 15, 0); /* 23:45 IST */
  double after_ist_midnight = utc(2025, 10, 20, 18, 45, 0);  /* 00:15 IST */
  mk(data, "NIFTY/this_week/0/2025-10-21.csv", 1, before_ist_midnight);
  mk(data, "NIFTY/this_week/0/2025-10-20.csv", 1, before_ist_midnight);
  mk(data, "NIFTY/this_week/+50/2025-10-20.csv", 1, after_ist_midnight);
  mk(data, "NIFTY/this_week/+100/2025-10-19.csv", 1, now + 86400 * 3);
  g6_retention_policy p = policy(0, false);
  g6_retention_report r;
  assert_int_equal(run(data, NULL, now, &p, &r), G6_OK);
  assert_true(exists(data, "NIFTY/this_week/0/2025-10-21.csv"));
  assert_false(exists(data, "NIFTY/this_week/0/2025-10-20.csv"));
  assert_true(exists(data, "NIFTY/this_week/+50/2025-10-20.csv"));
  assert_true(exists(data, "NIFTY/this_week/+100/2025-10-19.csv"));
  assert_int_equal(r.files_by_action[G6_PRUNE_DELETED], 1);
  assert_int_equal(r.files_by_action[G6_PRUNE_KEPT_TODAY], 2);
  /* without ProtectToday only the name counts */
  p.protect_today = false;
  assert_int_equal(run(data, NULL, now, &p, &r), G6_OK);
  assert_int_equal(r.files_by_action[G6_PRUNE_DELETED], 2);
  assert_true(exists(data, "NIFTY/this_week/0/2025-10-21.csv"));
  /* a file dated in the future is never past its age */
  mk(data, "NIFTY/this_week/0/2025-12-31.csv", 1, before_ist_midnight);
  assert_int_equal(run(data, NULL, now, &p, &r), G6_OK);
  assert_true(exists(data, "NIFTY/this_week/0/2025-12-31.csv"));
}

static void make_old_files(const char *data, int n) {
  for (int i = 0; i < n; i++) {
    char rel[128];
    snprintf(rel, sizeof(rel), "NIFTY/this_week/+%d/2025-09-01.csv", 50 * (i + 1));
    mk(data, rel, 100, utc(2025, 9, 1, 5, 0, 0));
  }
}

static void dry_run_and_cap(void **state) {
  (void)state;
  char data[300];
  fresh(data, sizeof(data), "dry");
  make_old_files(data, 10);
  g6_retention_policy p = policy(30, true);
  g6_retention_report r;
  assert_int_equal(run(data, NULL, NOW_IST_NOON, &p, &r), G6_OK);
  assert_int_equal(r.files_by_action[G6_PRUNE_WOULD_DELETE], 10);
  assert_int_equal(r.bytes_by_action[G6_PRUNE_WOULD_DELETE], 1000);
  assert_int_equal(r.files_by_action[G6_PRUNE_DELETED], 0);
  assert_int_equal(files_of(&r, "NIFTY", G6_KIND_OPTIONS), 10);
  assert_true(exists(data, "NIFTY/this_week/+50/2025-09-01.csv"));
  p.max_deletes = 3;
  assert_int_equal(run(data, NULL, NOW_IST_NOON, &p, &r), G6_OK);
  assert_int_equal(r.files_by_action[G6_PRUNE_WOULD_DELETE], 3);
  assert_int_equal(r.files_by_action[G6_PRUNE_KEPT_CAP], 7);
  p.dry_run = false;
  for (int sweep = 0; sweep < 3; sweep++) {
    assert_int_equal(run(data, NULL, NOW_IST_NOON, &p, &r), G6_OK);
    assert_int_equal(r.files_by_action[G6_PRUNE_DELETED], 3);
    assert_int_equal(r.files_by_action[G6_PRUNE_KEPT_CAP], 10 - 3 * (sweep + 1) > 0 ? 10 - 3 * (sweep + 1) : 0);
  }
  assert_int_equal(run(data, NULL, NOW_IST_NOON, &p, &r), G6_OK);
  assert_int_equal(r.files_by_action[G6_PRUNE_DELETED], 1);
  assert_false(exists(data, "NIFTY"));
  /* scan only: nothing is evaluated */
  make_old_files(data, 2);
  p.enabled = false;
  assert_int_equal(run(data, NULL, NOW_IST_NOON, &p, &r), G6_OK);
  assert_false(r.pruned);
  assert_int_equal(r.files_by_action[G6_PRUNE_WOULD_DELETE], 0);
  assert_true(exists(data, "NIFTY/this_week/+50/2025-09-01.csv"));
}

/* Every file and directory an entry callback saw acted on, one line each
 * ("<action> <path>"), a dry run's would_delete written as "deleted". */
typedef struct acted {
  char text[8192];
  size_t len;
} acted;

static void note_acted(void *ctx, const g6_retention_entry *e) {
  acted *a = ctx;
  if (!e->pruned || (e->event != G6_EV_FILE && e->event != G6_EV_RMDIR))
    return;
  g6_prune_action act =
      e->action == G6_PRUNE_WOULD_DELETE ? G6_PRUNE_DELETED : e->action;
  int n = snprintf(a->text + a->len, sizeof(a->text) - a->len, "%s %s %s\n",
                   e->event == G6_EV_RMDIR ? "dir" : "file",
                   g6_prune_action_name(act), e->path);
  assert_true(n > 0 && (size_t)n < sizeof(a->text) - a->len);
  a->len += (size_t)n;
}

/* A dry run names what the real sweep then does, directories included: the
 * ones it empties (and their parents in turn) and empty layout directories
 * older than the grace time, which a real sweep removed unannounced. */
static void dry_run_lists_what_a_sweep_does(void **state) {
  (void)state;
  char data[300];
  fresh(data, sizeof(data), "dry-same");
  double old = utc(2025, 9, 1, 5, 0, 0);
  mk(data, "NIFTY/this_week/+50/2025-09-01.csv", 10, old);
  mk(data, "NIFTY/next_week/-100/2025-09-01.csv", 10, old);
  mk(data, "NIFTY/next_week/-100/2025-10-20.csv", 10, old);
  mk(data, "overview/NIFTY/2025-09-01.csv", 10, old);
  mk(data, "snapshots/NIFTY/2025-09-01/3.json", 10, old);
  char path[500];
  const char *empty[] = {"SENSEX", "NIFTY/this_week/+100", "BANKNIFTY/this_week"};
  for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
    snprintf(path, sizeof(path), "%s/%s", data, empty[i]);
    assert_int_equal(g6_mkdir_p(path, 0755, NULL), G6_OK);
  }
  for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
    snprintf(path, sizeof(path), "%s/%s", data, empty[i]);
    struct timespec ts[2] = {{(time_t)old, 0}, {(time_t)old, 0}};
    assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
  }
  g6_retention_policy p = policy(30, true);
  static acted dry, real;
  g6_retention_opts o = {.data_dir = data, .now = NOW_IST_NOON, .policy = &p,
                         .on_entry = note_acted, .ctx = &dry};
  g6_retention_report r;
  assert_int_equal(g6_retention_run(&o, &r, NULL), G6_OK);
  assert_int_equal(r.files_by_action[G6_PRUNE_WOULD_DELETE], 4);
  assert_int_equal(r.dirs_removed, 0);
  assert_int_equal(r.dirs_would_remove, 9);
  assert_true(exists(data, "SENSEX") && exists(data, "NIFTY/this_week/+50"));
  char line[600];
  g6_retention_summary(&r, line, sizeof(line));
  assert_non_null(strstr(line, "would remove 9 empty directories"));
  p.dry_run = false;
  o.ctx = &real;
  assert_int_equal(g6_retention_run(&o, &r, NULL), G6_OK);
  assert_int_equal(r.files_by_action[G6_PRUNE_DELETED], 4);
  assert_int_equal(r.dirs_removed, 9);
  assert_int_equal(r.dirs_would_remove, 0);
  assert_string_equal(dry.text, real.text);
  assert_non_null(strstr(real.text, "dir deleted SENSEX\n"));
  assert_non_null(strstr(real.text, "dir deleted BANKNIFTY\n"));
  assert_non_null(strstr(real.text, "dir deleted snapshots/NIFTY\n"));
  assert_true(exists(data, "NIFTY/next_week/-100/2025-10-20.csv"));
}

/* Symlinks out of the tree, symlinked directories and ".." never lead the
 * sweep outside the data directory. */
static void hostile_symlinks_and_dotdot(void **state) {
  (void)state;
  char base[300], data[400], outside[400], path[600];
  fresh(base, sizeof(base), "hostile");
  snprintf(data, sizeof(data), "%s/data", base);
  /* "out side" is no index name: relative to base nothing there matches */
  snprintf(outside, sizeof(outside), "%s/out side", base);
  double old = utc(2025, 1, 2, 5, 0, 0);
  mk(outside, "this_week/+50/2025-01-02.csv", 5, old);
  mk(outside, "2025-01-02.csv", 5, old);
  mk(outside, "NIFTY/this_week/+50/2025-01-02.csv", 5, old);
  mk(data, "NIFTY/this_week/+50/2025-01-02.csv", 5, old);
  /* a symlinked index, tag, offset directory and file, all "old" */
  link_at(data, "BANKNIFTY", outside, "");
  link_at(data, "NIFTY/next_week", outside, "");
  link_at(data, "NIFTY/this_week/+100", outside, "/this_week/+50");
  link_at(data, "NIFTY/this_week/+50/2025-01-03.csv", outside,
          "/2025-01-02.csv");
  link_at(data, "NIFTY/this_week/-50", "..", "");
  link_at(data, "overview", "../out side", "");
  g6_retention_policy p = policy(1, false);
  g6_retention_report r;
  assert_int_equal(run(data, NULL, NOW_IST_NOON, &p, &r), G6_OK);
  assert_int_equal(r.files_by_action[G6_PRUNE_DELETED], 1);
  assert_int_equal(r.files_by_action[G6_PRUNE_KEPT_SYMLINK], 6);
  assert_int_equal(g6_retention_total(&r, G6_KIND_UNMATCHED).files, 6);
  assert_true(exists(outside, "this_week/+50/2025-01-02.csv"));
  assert_true(exists(outside, "2025-01-02.csv"));
  assert_true(exists(outside, "NIFTY/this_week/+50/2025-01-02.csv"));
  assert_true(exists(data, "NIFTY/this_week/+50/2025-01-03.csv")); /* link */
  assert_false(exists(data, "NIFTY/this_week/+50/2025-01-02.csv"));
  /* a data directory given through ".." that resolves inside: the same */
  mk(data, "NIFTY/this_week/+50/2025-01-02.csv", 5, old);
  snprintf(path, sizeof(path), "%s/NIFTY/..", data);
  assert_int_equal(run(path, NULL, NOW_IST_NOON, &p, &r), G6_OK);
  assert_int_equal(r.files_by_action[G6_PRUNE_DELETED], 1);
  /* ... and one that resolves to the parent: relative to it nothing is in
   * the layout ("data/NIFTY/..." has no tag level), so nothing goes */
  mk(data, "NIFTY/this_week/+50/2025-01-02.csv", 5, old);
  snprintf(path, sizeof(path), "%s/..", data);
  assert_int_equal(run(path, NULL, NOW_IST_NOON, &p, &r), G6_OK);
  assert_int_equal(r.files_by_action[G6_PRUNE_DELETED], 0);
  assert_true(exists(data, "NIFTY/this_week/+50/2025-01-02.csv"));
  assert_true(exists(outside, "NIFTY/this_week/+50/2025-01-02.csv"));
}

static int set_immutable(const char *path, bool on) {
  int fd = open(path, O_RDONLY | O_DIRECTORY);
  if (fd < 0)
    return -1;
  int flags = 0;
  int rc = ioctl(fd, FS_IOC_GETFLAGS, &flags);
  if (rc == 0) {
    flags = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
    rc = ioctl(fd, FS_IOC_SETFLAGS, &flags);
  }
  close(fd);
  return rc;
}

/* Makes a directory read-only for this process: mode 0555, or for root
 * (whom modes do not stop) the immutable attribute. */
static int read_only(const char *path, bool on) {
  if (geteuid() != 0)
    return chmod(path, on ? 0555 : 0755);
  return set_immutable(path, on);
}

/* A directory whose entries cannot be removed: its files are counted as
 * failed, the others are deleted, and the first failure names the file. */
static void read_only_subdirectory(void **state) {
  (void)state;
  char data[300], ro[400];
  fresh(data, sizeof(data), "ro");
  make_old_files(data, 3);
  snprintf(ro, sizeof(ro), "%s/NIFTY/this_week/+100", data);
  assert_int_equal(read_only(ro, true), 0);
  g6_retention_policy p = policy(30, false);
  g6_retention_report r;
  g6_status st = run(data, NULL, NOW_IST_NOON, &p, &r);
  read_only(ro, false);
  assert_int_equal(st, G6_OK);
  assert_int_equal(r.files_by_action[G6_PRUNE_DELETED], 2);
  assert_int_equal(r.files_by_action[G6_PRUNE_FAILED], 1);
  assert_int_equal(r.bytes_by_action[G6_PRUNE_FAILED], 100);
  assert_non_null(strstr(r.first_failure, "cannot delete"));
  assert_non_null(strstr(r.first_failure, "+100/2025-09-01.csv"));
  assert_true(exists(data, "NIFTY/this_week/+100/2025-09-01.csv"));
  assert_int_equal(files_of(&r, "NIFTY", G6_KIND_OPTIONS), 1);
  /* once writable again the next sweep finishes */
  assert_int_equal(run(data, NULL, NOW_IST_NOON, &p, &r), G6_OK);
  assert_int_equal(r.files_by_action[G6_PRUNE_DELETED], 1);
  assert_false(exists(data, "NIFTY"));
}

/* A tmpfs and a bind mount below the data directory are neither counted
 * nor pruned. */
static void other_mounts_are_not_entered(void **state) {
  (void)state;
  char data[300], mnt[400], bind[400], src[400];
  fresh(data, sizeof(data), "mounts");
  make_old_files(data, 1);
  snprintf(mnt, sizeof(mnt), "%s/NIFTY/this_week/+150", data);
  snprintf(bind, sizeof(bind), "%s/SENSEX", data);
  snprintf(src, sizeof(src), "%s/bindsrc", dir);
  g6_mkdir_p(mnt, 0755, NULL);
  g6_mkdir_p(bind, 0755, NULL);
  mk(src, "this_week/+50/2025-09-01.csv", 10, utc(2025, 9, 1, 5, 0, 0));
  assert_int_equal(mount("tmpfs", mnt, "tmpfs", 0, "size=1m"), 0);
  mk(mnt, "2025-09-01.csv", 10, utc(2025, 9, 1, 5, 0, 0));
  bool bound = mount(src, bind, NULL, MS_BIND, NULL) == 0;
  g6_retention_policy p = policy(30, false);
  g6_retention_report r;
  g6_status st = run(data, NULL, NOW_IST_NOON, &p, &r);
  bool tmpfs_file = exists(mnt, "2025-09-01.csv");
  bool bind_file = exists(bind, "this_week/+50/2025-09-01.csv");
  umount2(mnt, MNT_DETACH);
  if (bound)
    umount2(bind, MNT_DETACH);
  assert_int_equal(st, G6_OK);
  assert_true(tmpfs_file);
  assert_int_equal(r.files_by_action[G6_PRUNE_DELETED], 1);
  assert_int_equal(r.skipped[G6_SKIP_OTHER_MOUNT], bound ? 2 : 1);
  if (bound) {
    assert_true(bind_file);
    assert_null(g6_retention_find(&r, "SENSEX")); /* nothing counted */
  }
  assert_true(exists(src, "this_week/+50/2025-09-01.csv"));
}

/* Lists every path below root (sorted, one per line) into out. */
static void listing(const char *root, char *out, size_t cap) {
  char cmd[700];
  snprintf(cmd, sizeof(cmd), "cd '%s' && find . | sort", root);
  FILE *f = popen(cmd, "r");
  assert_non_null(f);
  size_t n = fread(out, 1, cap - 1, f);
  out[n] = '\0';
  pclose(f);
}

typedef struct crash_ctx {
  int deletes, after;
} crash_ctx;

/* Dies like a crash right after the Nth delete. */
static void crash_after(void *ctx, const g6_retention_entry *e) {
  crash_ctx *c = ctx;
  if (e->event == G6_EV_FILE && e->pruned && e->action == G6_PRUNE_DELETED &&
      ++c->deletes == c->after)
    _exit(0);
}

/* Sweeps killed right after a delete (each leaves the directory it just
 * emptied behind) leave a tree the next sweep brings to exactly what one
 * uninterrupted sweep gives. */
static void crash_mid_sweep_is_finished_next_time(void **state) {
  (void)state;
  char a[300], b[300];
  fresh(a, sizeof(a), "crash-a");
  fresh(b, sizeof(b), "crash-b");
  const char *roots[] = {a, b};
  for (int t = 0; t < 2; t++) {
    for (int i = 0; i < 20; i++) { /* one old file per directory */
      char rel[128];
      snprintf(rel, sizeof(rel), "NIFTY/this_week/+%d/2025-09-01.csv",
               50 * (i + 1));
      mk(roots[t], rel, 10, utc(2025, 9, 1, 5, 0, 0));
    }
    mk(roots[t], "NIFTY/this_week/+50/2025-10-20.csv", 10, 0);
  }
  g6_retention_policy p = policy(30, false);
  const int after[] = {3, 5, 4};
  for (size_t k = 0; k < 3; k++) {
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
      crash_ctx c = {.after = after[k]};
      g6_retention_opts o = {.data_dir = a, .now = NOW_IST_NOON, .policy = &p,
                             .on_entry = crash_after, .ctx = &c};
      g6_retention_report r;
      g6_retention_run(&o, &r, NULL);
      _exit(3); /* not reached: the crash comes first */
    }
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  char cmd[400], empty[4096];
  snprintf(cmd, sizeof(cmd), "cd '%s' && find . -type d -empty | wc -l", a);
  FILE *f = popen(cmd, "r");
  assert_non_null(f);
  size_t n = fread(empty, 1, sizeof(empty) - 1, f);
  empty[n] = '\0';
  pclose(f);
  assert_true(atoi(empty) >= 1); /* the crashes left emptied directories */
  /* the next sweep comes later: those directories are a minute old */
  snprintf(cmd, sizeof(cmd),
           "cd '%s' && find . -type d -empty -exec touch -d @%.0f {} +", a,
           NOW_IST_NOON - 61);
  assert_int_equal(system(cmd), 0);
  g6_retention_report r;
  g6_retention_opts o = {.data_dir = a, .now = NOW_IST_NOON, .policy = &p};
  assert_int_equal(g6_retention_run(&o, &r, NULL), G6_OK);
  assert_int_equal(r.files_by_action[G6_PRUNE_DELETED], 20 - 3 - 5 - 4);
  o.data_dir = b;
  assert_int_equal(g6_retention_run(&o, &r, NULL), G6_OK);
  assert_int_equal(r.files_by_action[G6_PRUNE_DELETED], 20);
  char la[4096], lb[4096];
  listing(a, la, sizeof(la));
  listing(b, lb, sizeof(lb));
  assert_string_equal(la, lb);
  assert_non_null(strstr(la, "./NIFTY/this_week/+50/2025-10-20.csv"));
  assert_null(strstr(la, "+100"));
}

/* On a full file system the sweep still deletes (it writes nothing), and
 * afterwards there is room again. */
static void full_disk(void **state) {
  (void)state;
  char data[300];
  fresh(data, sizeof(data), "full");
  assert_int_equal(mount("tmpfs", data, "tmpfs", 0, "size=256k"), 0);
  int made = 0;
  for (int i = 0; i < 1000; i++) {
    char path[500];
    snprintf(path, sizeof(path), "%s/NIFTY/this_week/+%d", data, 50 * (i + 1));
    if (g6_mkdir_p(path, 0755, NULL) != G6_OK)
      break;
    snprintf(path + strlen(path), 40, "/2025-09-01.csv");
    int fd = open(path, O_WRONLY | O_CREAT, 0644);
    if (fd < 0)
      break;
    char buf[8192] = {0};
    ssize_t w = write(fd, buf, sizeof(buf));
    close(fd);
    made++;
    if (w != (ssize_t)sizeof(buf))
      break;
  }
  char probe[400];
  snprintf(probe, sizeof(probe), "%s/probe", data);
  int fd = open(probe, O_WRONLY | O_CREAT, 0644);
  char buf[8192] = {0};
  bool full = fd < 0 || write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf);
  if (fd >= 0)
    close(fd);
  unlink(probe);
  g6_retention_policy p = policy(30, false);
  p.protect_today = false; /* the files were written just now */
  g6_retention_report r;
  g6_status st = run(data, NULL, g6_wall_now(), &p, &r);
  fd = open(probe, O_WRONLY | O_CREAT, 0644);
  bool room = fd >= 0 && write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf);
  if (fd >= 0)
    close(fd);
  umount2(data, MNT_DETACH);
  assert_true(full);
  assert_int_equal(st, G6_OK);
  assert_true(made > 5);
  assert_int_equal(r.files_by_action[G6_PRUNE_DELETED] +
                       r.files_by_action[G6_PRUNE_FAILED],
                   (uint64_t)made);
  assert_int_equal(r.files_by_action[G6_PRUNE_FAILED], 0);
  assert_true(room);
}

static void panels_dirs(void **state) {
  (void)state;
  char data[300], outside[300], inside[400];
  fresh(data, sizeof(data), "panels-data");
  fresh(outside, sizeof(outside), "panels-outside");
  mk(outside, "manifest.json", 10, 0);
  mk(outside, "system_enveloped.json", 10, 0);
  mk(data, "ui/p/manifest.json", 3, 0);
  mk(data, "panels/manifest.json", 3, 0);
  g6_retention_report r;
  assert_int_equal(run(data, outside, NOW_IST_NOON, NULL, &r), G6_OK);
  assert_int_equal(r.idx[0].kind[G6_KIND_PANELS].files, 3);
  assert_int_equal(r.idx[0].kind[G6_KIND_UNMATCHED].files, 1);
  snprintf(inside, sizeof(inside), "%s/ui/p", data);
  assert_int_equal(run(data, inside, NOW_IST_NOON, NULL, &r), G6_OK);
  assert_int_equal(r.idx[0].kind[G6_KIND_PANELS].files, 2);
  assert_int_equal(r.idx[0].kind[G6_KIND_UNMATCHED].files, 0);
  /* a missing panels directory is not an error */
  snprintf(inside, sizeof(inside), "%s/nosuch", data);
  assert_int_equal(run(data, inside, NOW_IST_NOON, NULL, &r), G6_OK);
}

/* g6_panels' staging directory (store/panels.h) beside the PanelsDir it
 * watches is its own working copy: counted as panels, never pruned or
 * removed, whether the PanelsDir is the default or given explicitly; so is
 * the journal beside it. */
static void panels_staging(void **state) {
  (void)state;
  char data[300], pdir[400], staging[64];
  fresh(data, sizeof(data), "staging-data");
  g6_panels_staging_name("panels", staging, sizeof(staging));
  assert_string_equal(staging, ".panels.g6-staging");
  mk(data, "panels/manifest.json", 3, 0);
  mk(data, ".panels.g6-staging/manifest.json", 5, 0);
  mk(data, ".panels.g6-staging/old/2020-01-01.csv", 7, 1e9);
  mk(data, ".other.g6-staging/manifest.json", 1, 0); /* not g6_panels' */
  mk(data, ".panels.g6-journal", 9, 1e9);
  g6_retention_report r;
  g6_retention_policy p = policy(0, false);
  p.protect_today = false;
  for (int i = 0; i < 2; i++) {
    assert_int_equal(run(data, NULL, NOW_IST_NOON, i ? &p : NULL, &r), G6_OK);
    assert_int_equal(r.idx[0].kind[G6_KIND_PANELS].files, 4);
    assert_int_equal(r.idx[0].kind[G6_KIND_UNMATCHED].files, 1);
  }
  assert_int_equal(r.files_by_action[G6_PRUNE_DELETED], 0);
  assert_true(exists(data, ".panels.g6-staging/old/2020-01-01.csv"));
  assert_true(exists(data, ".panels.g6-journal"));
  /* an explicit PanelsDir inside the data directory: its own staging name */
  snprintf(pdir, sizeof(pdir), "%s/ui/live", data);
  mk(data, "ui/live/manifest.json", 3, 0);
  mk(data, "ui/.live.g6-staging/manifest.json", 3, 0);
  mk(data, "ui/.live.g6-journal", 4, 1e9);
  assert_int_equal(run(data, pdir, NOW_IST_NOON, &p, &r), G6_OK);
  /* panels/ (1), .panels.g6-staging and .panels.g6-journal (3: the
   * reserved names stay panels), ui/live (1), ui/.live.g6-staging (1),
   * ui/.live.g6-journal (1) */
  assert_int_equal(r.idx[0].kind[G6_KIND_PANELS].files, 7);
  assert_int_equal(r.idx[0].kind[G6_KIND_UNMATCHED].files, 1);
  /* an empty staging directory is never removed by the sweep */
  char rel[512];
  snprintf(rel, sizeof(rel), "%s/ui/.live.g6-staging/manifest.json", data);
  assert_int_equal(unlink(rel), 0);
  snprintf(rel, sizeof(rel), "%s/.panels.g6-staging/manifest.json", data);
  assert_int_equal(unlink(rel), 0);
  snprintf(rel, sizeof(rel), "%s/.panels.g6-staging/old/2020-01-01.csv", data);
  assert_int_equal(unlink(rel), 0);
  g6_retention_opts o = {.data_dir = data, .panels_dir = pdir,
                         .now = NOW_IST_NOON + 86400, .policy = &p,
                         .empty_dir_grace_s = 1e-9};
  assert_int_equal(g6_retention_run(&o, &r, NULL), G6_OK);
  assert_true(exists(data, "ui/.live.g6-staging"));
  assert_true(exists(data, ".panels.g6-staging/old"));
}

/* g6_panels' flush as the scan meets it: a new set built in the staging
 * directory, swapped in with renameat2(RENAME_EXCHANGE), the previous set
 * (now under the staging name) emptied. Done from the walk's callback at
 * the first panel file, so the walk is inside the set being replaced. */
typedef struct swap_ctx {
  char panels[400], staging[400];
  int files, swaps;
} swap_ctx;

static void fill_set(const char *d, int n) {
  for (int i = 0; i < n; i++) {
    char rel[64];
    snprintf(rel, sizeof(rel), "p%d_enveloped.json", i);
    mk(d, rel, 10, 0);
  }
}

static void empty_set(const char *d, int n) {
  for (int i = 0; i < n; i++) {
    char path[512];
    snprintf(path, sizeof(path), "%s/p%d_enveloped.json", d, i);
    assert_int_equal(unlink(path), 0);
  }
}

static void swap_at_first_panel(void *ctx, const g6_retention_entry *e) {
  swap_ctx *c = ctx;
  if (c->swaps > 0 || e->event != G6_EV_FILE || e->kind != G6_KIND_PANELS)
    return;
  c->swaps++;
  fill_set(c->staging, c->files);
  assert_int_equal(renameat2(AT_FDCWD, c->staging, AT_FDCWD, c->panels,
                             RENAME_EXCHANGE),
                   0);
  empty_set(c->staging, c->files);
}

static void empty_staging_at_first(void *ctx, const g6_retention_entry *e) {
  swap_ctx *c = ctx;
  if (c->swaps > 0 || e->event != G6_EV_FILE || e->kind != G6_KIND_PANELS ||
      strstr(e->path, ".g6-staging/") == NULL)
    return;
  c->swaps++;
  empty_set(c->staging, c->files);
}

/* A flush that overtakes the scan inside the panels directory does not
 * make its files read 0 (or a few): the set it swapped in is counted, the
 * default PanelsDir inside the data directory, an explicit one outside. */
static void panels_swapped_mid_scan(void **state) {
  (void)state;
  char data[300], outside[300], staging[64];
  g6_panels_staging_name("panels", staging, sizeof(staging));
  fresh(data, sizeof(data), "swap-data");
  fresh(outside, sizeof(outside), "swap-outside");
  mk(data, "NIFTY/this_week/0/2025-10-20.csv", 5, 0);
  for (int explicit_dir = 0; explicit_dir < 2; explicit_dir++) {
    const char *parent = explicit_dir ? outside : data;
    swap_ctx c = {.files = 7};
    snprintf(c.panels, sizeof(c.panels), "%s/panels", parent);
    snprintf(c.staging, sizeof(c.staging), "%s/%s", parent, staging);
    assert_int_equal(g6_mkdir_p(c.panels, 0755, NULL), G6_OK);
    assert_int_equal(g6_mkdir_p(c.staging, 0755, NULL), G6_OK);
    fill_set(c.panels, c.files);
    g6_retention_opts o = {.data_dir = data,
                           .panels_dir = explicit_dir ? c.panels : NULL,
                           .now = NOW_IST_NOON, .on_entry = swap_at_first_panel,
                           .ctx = &c};
    g6_retention_report r;
    assert_int_equal(g6_retention_run(&o, &r, NULL), G6_OK);
    assert_int_equal(c.swaps, 1);
    if (r.idx[0].kind[G6_KIND_PANELS].files != 7)
      fail_msg("%s PanelsDir swapped mid-scan: %llu panel files counted, "
               "7 in place",
               explicit_dir ? "an explicit" : "the default",
               (unsigned long long)r.idx[0].kind[G6_KIND_PANELS].files);
    assert_int_equal(r.idx[0].kind[G6_KIND_PANELS].bytes, 70);
    assert_int_equal(r.idx[0].kind[G6_KIND_UNMATCHED].files, 0);
    assert_int_equal(r.idx[1].kind[G6_KIND_OPTIONS].files, 1);
    /* a scan no flush overtakes counts the same */
    o.on_entry = NULL;
    assert_int_equal(g6_retention_run(&o, &r, NULL), G6_OK);
    assert_int_equal(r.idx[0].kind[G6_KIND_PANELS].files, 7);
    /* the previous set in the staging directory, emptied while the scan
     * reads it (right after a swap): the files that stay are counted */
    fill_set(c.staging, c.files);
    c.swaps = 0;
    o.on_entry = empty_staging_at_first;
    assert_int_equal(g6_retention_run(&o, &r, NULL), G6_OK);
    if (!explicit_dir) { /* the default staging directory is in the scan */
      assert_int_equal(c.swaps, 1);
      if (r.idx[0].kind[G6_KIND_PANELS].files != 7)
        fail_msg("staging directory emptied mid-scan: %llu panel files "
                 "counted, 7 in place",
                 (unsigned long long)r.idx[0].kind[G6_KIND_PANELS].files);
    } else {
      empty_set(c.staging, c.files); /* beside a PanelsDir outside: not read */
    }
    empty_set(c.panels, c.files);
  }
}

/* A staging directory that holds files while a flush works in it (a set
 * being built, or the previous one being emptied) holds PanelsDir's files
 * a second time: not counted until nothing touched it for the grace time
 * (then they are what a crash left, and count as panels). */
static void staging_in_use_is_not_counted_twice(void **state) {
  (void)state;
  char data[300], staging[400];
  fresh(data, sizeof(data), "staging-in-use");
  char panels[400];
  snprintf(panels, sizeof(panels), "%s/panels", data);
  snprintf(staging, sizeof(staging), "%s/.panels.g6-staging", data);
  assert_int_equal(g6_mkdir_p(panels, 0755, NULL), G6_OK);
  assert_int_equal(g6_mkdir_p(staging, 0755, NULL), G6_OK);
  fill_set(panels, 7);
  fill_set(staging, 7);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  double now = (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
  g6_retention_opts o = {.data_dir = data, .now = now + 1};
  g6_retention_report r;
  assert_int_equal(g6_retention_run(&o, &r, NULL), G6_OK);
  assert_int_equal(r.idx[0].kind[G6_KIND_PANELS].files, 7);
  assert_int_equal(r.idx[0].kind[G6_KIND_UNMATCHED].files, 0);
  o.now = now + 120; /* left alone for two minutes: a crash's leftovers */
  assert_int_equal(g6_retention_run(&o, &r, NULL), G6_OK);
  assert_int_equal(r.idx[0].kind[G6_KIND_PANELS].files, 14);
  /* never pruned either way */
  g6_retention_policy p = policy(0, false);
  p.protect_today = false;
  o.policy = &p;
  o.now = now + 1;
  assert_int_equal(g6_retention_run(&o, &r, NULL), G6_OK);
  assert_int_equal(r.files_by_action[G6_PRUNE_DELETED], 0);
  assert_true(exists(data, ".panels.g6-staging/p0_enveloped.json"));
}

static void too_deep_and_many_indices(void **state) {
  (void)state;
  char data[300], rel[2048];
  fresh(data, sizeof(data), "deep");
  rel[0] = '\0';
  for (int i = 0; i < G6_RETENTION_MAX_DEPTH + 3; i++)
    strcat(rel, "d/");
  strcat(rel, "f");
  mk(data, rel, 1, 0);
  for (int i = 0; i < G6_RETENTION_MAX_INDICES + 5; i++) {
    snprintf(rel, sizeof(rel), "IX%02d/this_week/0/2025-10-20.csv", i);
    mk(data, rel, 1, 0);
  }
  g6_retention_report r;
  assert_int_equal(run(data, NULL, NOW_IST_NOON, NULL, &r), G6_OK);
  assert_int_equal(r.skipped[G6_SKIP_TOO_DEEP], 1);
  assert_int_equal(r.n_idx, G6_RETENTION_MAX_INDICES + 2);
  const g6_retention_index *other =
      g6_retention_find(&r, G6_RETENTION_OTHER_INDEX);
  assert_non_null(other);
  assert_int_equal(other->kind[G6_KIND_OPTIONS].files, 5);
  assert_int_equal(g6_retention_total(&r, G6_KIND_OPTIONS).files,
                   G6_RETENTION_MAX_INDICES + 5);
}

static void stops_when_asked(void **state) {
  (void)state;
  char data[300];
  fresh(data, sizeof(data), "stop");
  for (int i = 0; i < 600; i++) {
    char rel[64];
    snprintf(rel, sizeof(rel), "junk/%d", i);
    mk(data, rel, 0, 0);
  }
  atomic_int stop = 1;
  g6_retention_opts o = {.data_dir = data, .now = NOW_IST_NOON, .stop = &stop};
  g6_retention_report r;
  assert_int_equal(g6_retention_run(&o, &r, NULL), G6_OK);
  assert_true(r.aborted);
  assert_true(r.idx[0].kind[G6_KIND_UNMATCHED].files < 600);
  atomic_store(&stop, 0);
  assert_int_equal(g6_retention_run(&o, &r, NULL), G6_OK);
  assert_false(r.aborted);
  assert_int_equal(r.idx[0].kind[G6_KIND_UNMATCHED].files, 600);
}

static void skipped(void **state) { (void)state; }

/* Whether this process may mount a tmpfs (root, or a user namespace);
 * why not in `why`. */
static bool can_mount(char *why, size_t len) {
  char d[] = "/tmp/g6-test-retention-probe-XXXXXX";
  if (mkdtemp(d) == NULL) {
    snprintf(why, len, "mkdtemp: %s", strerror(errno));
    return false;
  }
  bool ok = mount("tmpfs", d, "tmpfs", 0, "size=64k") == 0;
  if (!ok)
    snprintf(why, len, "cannot mount a tmpfs here: %s", strerror(errno));
  else
    umount2(d, MNT_DETACH);
  rmdir(d);
  return ok;
}

/* Whether a directory can be made read-only for this process. */
static bool can_read_only(char *why, size_t len) {
  char d[] = "/tmp/g6-test-retention-probe-XXXXXX";
  if (mkdtemp(d) == NULL)
    return false;
  bool ok = read_only(d, true) == 0;
  if (!ok)
    snprintf(why, len, "cannot make a directory immutable here: %s",
             strerror(errno));
  read_only(d, false);
  rmdir(d);
  return ok;
}

int main(void) {
  struct CMUnitTest tests[] = {
      cmocka_unit_test(layout_vectors),
      cmocka_unit_test(sink_output_matches),
      cmocka_unit_test(tallies),
      cmocka_unit_test(missing_and_bad_roots),
      cmocka_unit_test(root_is_never_walked),
      cmocka_unit_test(prunes_by_date),
      cmocka_unit_test(ist_today_and_protect_today),
      cmocka_unit_test(dry_run_and_cap),
      cmocka_unit_test(dry_run_lists_what_a_sweep_does),
      cmocka_unit_test(hostile_symlinks_and_dotdot),
      cmocka_unit_test(read_only_subdirectory),
      cmocka_unit_test(other_mounts_are_not_entered),
      cmocka_unit_test(crash_mid_sweep_is_finished_next_time),
      cmocka_unit_test(full_disk),
      cmocka_unit_test(panels_dirs),
      cmocka_unit_test(panels_staging),
      cmocka_unit_test(panels_swapped_mid_scan),
      cmocka_unit_test(staging_in_use_is_not_counted_twice),
      cmocka_unit_test(too_deep_and_many_indices),
      cmocka_unit_test(stops_when_asked),
  };
  /* mounts made by the tests vanish with the process, whatever happens */
  if (unshare(CLONE_NEWNS) == 0)
    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
  /* what this machine does not allow is a TAP SKIP (the directive rides on
   * the test name, since cmocka has no skip that prove counts as one) */
  static char mount_skip[3][200], ro_skip[200];
  char why[150];
  void (*const mounting[])(void **) = {other_mounts_are_not_entered,
                                       full_disk};
  if (!can_mount(why, sizeof(why)))
    for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
      for (size_t j = 0; j < 2; j++)
        if (tests[i].test_func == mounting[j]) {
          snprintf(mount_skip[j], sizeof(mount_skip[j]), "%s # SKIP %s",
                   tests[i].name, why);
          tests[i].name = mount_skip[j];
          tests[i].test_func = skipped;
        }
  if (!can_read_only(why, sizeof(why)))
    for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
      if (tests[i].test_func == read_only_subdirectory) {
        snprintf(ro_skip, sizeof(ro_skip), "%s # SKIP %s", tests[i].name,
                 why);
        tests[i].name = ro_skip;
        tests[i].test_func = skipped;
      }
  cmocka_set_message_output(CM_OUTPUT_TAP);
  return cmocka_run_group_tests(tests, setup, teardown);
}
