/* The snapshot reader: a round trip with the writer, and ugly inputs —
 * truncated at every byte, not JSON, another schema, wrong types, nulls,
 * huge numbers, missing and repeated fields, legs that do not match the
 * ladder — each with its cause and a message naming the field. */
#include "g6_test.h"

#include "core/fsutil.h"
#include "fsyncspy.h"
#include "snapfix.h"
#include "store/snapshot_history.h"
#include "store/snapshot_read.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

G6_TEST_TMPDIR("snapread")

static char *small_text(void) {
  static snapfix f;
  snapfix_small(&f);
  char *t = snapfix_text(&f.view);
  assert_non_null(t);
  return t;
}

/* Parses text; returns the status and leaves the message in *e. */
static g6_status parse(const char *text, g6_snapshot_doc *d, g6_error *e) {
  g6_error_clear(e);
  return g6_snapshot_parse(text, strlen(text), "t.json", d, e);
}

/* text with `from` replaced by `to` must fail with `want`, its message
 * containing `needle`. */
static void expect_edit(const char *text, const char *from, const char *to,
                        g6_status want, const char *needle) {
  char *t = snapfix_replace(text, from, to);
  if (t == NULL)
    fail_msg("fixture has no \"%s\"", from);
  g6_snapshot_doc d;
  g6_error e;
  g6_status st = parse(t, &d, &e);
  if (st != want || strstr(e.msg, needle) == NULL)
    fail_msg("%s -> %s: got %s \"%s\", want %s containing \"%s\"", from, to,
             g6_status_name(st), e.msg, g6_status_name(want), needle);
  assert_null(d.strikes); /* a failure leaves nothing behind */
  assert_int_equal(d.n_expiries, 0);
  g6_snapshot_doc_free(&d);
  free(t);
}

/* A hostile file's strings never reach a message raw: the schema and a
 * rejects key carrying ESC/BEL (terminal escapes) are quoted with '?'. */
static void hostile_strings_are_quoted_printable(void **state) {
  (void)state;
  char *text = small_text();
  expect_edit(text, "\"g6.chain.snapshot/1\"",
              "\"\\u001b]0;pwned\\u0007\\u001b[31mX\"", G6_EUNSUPPORTED,
              "schema \"?]0;pwned??[31mX\" is not supported");
  expect_edit(text, "\"rejects\": {", "\"rejects\": {\"\\u001b[2J\": [], ",
              G6_EPROTO, "rejects.?[2J: expected a count");
  free(text);
}

static void round_trip_with_the_writer(void **state) {
  (void)state;
  char *text = small_text();
  g6_snapshot_doc d;
  g6_error e;
  assert_int_equal(parse(text, &d, &e), G6_OK);
  assert_string_equal(d.ix.name, "NIFTY");
  assert_string_equal(d.ix.underlying, "NSE:NIFTY 50");
  assert_int_equal(d.seq, 41);
  assert_int_equal(d.generated_at, SNAPFIX_NOW);
  assert_close(d.spot, 24812.5, 0);
  assert_true(isnan(d.day_low)); /* null stays unknown */
  assert_int_equal(d.n_strikes, 3);
  assert_int_equal(d.n_expiries, 2);
  const g6_expiry_result *x = &d.expiries[0];
  assert_string_equal(x->tag, "this_week");
  assert_true(x->resolved);
  assert_int_equal(x->date.day, 9);
  assert_int_equal(x->rejects[G6_REJECT_NOT_LISTED], 1);
  assert_close(x->legs[0].iv, 0.1234567890123, 0);
  assert_true(isnan(x->legs[1].iv));
  assert_int_equal(x->legs[1].iv_status, G6_EBELOW_INTRINSIC);
  assert_int_equal(x->legs[2].reject, G6_REJECT_MISSING_QUOTE);
  assert_string_equal(x->legs[4].key, "");
  assert_true(isnan(x->legs[3].q.bid));
  assert_close(x->legs[5].q.oi, 1e15, 0);
  assert_close(x->legs[5].q.volume, 0, 0);
  assert_false(d.expiries[1].resolved);
  assert_null(d.expiries[1].legs);
  assert_int_equal(d.expiries[1].spec.rule, G6_EXPIRY_DATE);
  assert_int_equal(d.expiries[1].resolve_status, G6_ENOENT);
  /* the desk figures' inputs (issue 18) */
  assert_close(d.vix, 13.25, 0);
  assert_close(x->lot_size, 75, 0);
  assert_close(x->straddle_open, 231.5, 0);
  assert_close(x->legs[0].oi_open, 48000, 0);
  assert_close(x->legs[0].last_prev, 149.5, 0);
  assert_close(x->legs[0].oi_prev, 49950, 0);
  assert_close(x->legs[3].oi_open, 90000, 0);
  assert_true(isnan(x->legs[3].last_prev) && isnan(x->legs[1].oi_open));
  assert_true(isnan(d.expiries[1].lot_size));
  /* the writer reproduces the bytes from what was read */
  g6_snapshot v;
  g6_snapshot_doc_view(&d, &v);
  char *again = snapfix_text(&v);
  assert_non_null(again);
  assert_string_equal(again, text);
  free(again);
  g6_snapshot_doc_free(&d);
  g6_snapshot_doc_free(&d); /* idempotent */
  free(text);
}

static void round_trip_through_files_and_history(void **state) {
  (void)state;
  snapfix f;
  snapfix_small(&f);
  g6_buf scratch = G6_BUF_INIT;
  g6_error e;
  char data[300], path[400];
  snprintf(data, sizeof(data), "%s/files", dir);
  assert_int_equal(g6_snapshot_write(data, &f.view, &scratch, false, &e),
                   G6_OK);
  assert_int_equal(
      g6_snapshot_history_keep(data, "NIFTY", SNAPFIX_NOW, 41, true, &e),
      G6_OK);
  snprintf(path, sizeof(path), "%s/snapshots/NIFTY/2025-01-06/41.json", data);
  g6_snapshot_doc a, b;
  assert_int_equal(g6_snapshot_read_file(path, 0, &a, &e), G6_OK);
  snprintf(path, sizeof(path), "%s/snapshots/NIFTY.json", data);
  assert_int_equal(g6_snapshot_read_file(path, 0, &b, &e), G6_OK);
  assert_int_equal(a.seq, b.seq);
  g6_snapshot_doc_free(&b); /* b is read into again below */
  /* a hard link: the same file, no second copy */
  struct stat s1, s2;
  char hist[400];
  snprintf(hist, sizeof(hist), "%s/snapshots/NIFTY/2025-01-06/41.json", data);
  assert_int_equal(stat(path, &s1), 0);
  assert_int_equal(stat(hist, &s2), 0);
  assert_int_equal(s1.st_ino, s2.st_ino);
  /* the next snapshot replaces the latest file, the history keeps both */
  f.view.seq = 42;
  f.view.generated_at += 30;
  assert_int_equal(g6_snapshot_write(data, &f.view, &scratch, false, &e),
                   G6_OK);
  assert_int_equal(
      g6_snapshot_history_keep(data, "NIFTY", SNAPFIX_NOW + 30, 42, false, &e),
      G6_OK);
  g6_snapshot_doc_free(&a);
  assert_int_equal(g6_snapshot_read_file(hist, 0, &a, &e), G6_OK);
  assert_int_equal(a.seq, 41);
  /* sizes and limits */
  assert_int_equal(g6_snapshot_read_file(hist, 100, &b, &e), G6_ETOOBIG);
  assert_string_equal(g6_snapshot_error_cause(G6_ETOOBIG), "too_big");
  snprintf(path, sizeof(path), "%s/snapshots/BANKNIFTY.json", data);
  assert_int_equal(g6_snapshot_read_file(path, 0, &b, &e), G6_ENOENT);
  assert_string_equal(g6_snapshot_error_cause(G6_ENOENT), "missing");
  snprintf(path, sizeof(path), "%s/snapshots", data);
  assert_int_not_equal(g6_snapshot_read_file(path, 0, &b, &e), G6_OK);
  assert_string_equal(g6_snapshot_error_cause(G6_EINVAL), "unreadable");
  /* listing in replay order: by date directory, then numerically by seq */
  const char *const json[] = {".json", NULL};
  for (int s = 1; s <= 12; s += 11) {
    f.view.seq = (uint64_t)s;
    f.view.generated_at = SNAPFIX_NOW + 86400;
    assert_int_equal(g6_snapshot_write(data, &f.view, &scratch, false, &e),
                     G6_OK);
    assert_int_equal(g6_snapshot_history_keep(data, "NIFTY",
                                              SNAPFIX_NOW + 86400, (uint64_t)s,
                                              false, &e),
                     G6_OK);
  }
  char **files;
  size_t n;
  snprintf(path, sizeof(path), "%s/snapshots/NIFTY", data);
  assert_int_equal(g6_snapshot_files(path, json, &files, &n, &e), G6_OK);
  assert_int_equal(n, 4);
  const char *want[] = {"2025-01-06/41.json", "2025-01-06/42.json",
                        "2025-01-07/1.json", "2025-01-07/12.json"};
  for (size_t i = 0; i < n; i++) {
    size_t fl = strlen(files[i]), wl = strlen(want[i]);
    assert_true(fl > wl);
    assert_string_equal(files[i] + fl - wl, want[i]);
  }
  g6_snapshot_files_free(files, n);
  assert_int_equal(g6_snapshot_files("/nonexistent/g6", json, &files, &n, &e),
                   G6_ENOENT);
  /* symbolic links below the directory are never followed, whatever they
   * point to (loops back up, which once cost 2^17 copies of every file, a
   * second way to a day, a snapshot, nothing): each is listed as it is, and
   * reading it without following refuses it by name; the 4 files are
   * listed once */
  char link[500];
  snprintf(path, sizeof(path), "%s/snapshots/NIFTY/2025-01-06", data);
  snprintf(link, sizeof(link), "%s/a", path);
  assert_int_equal(symlink(".", link), 0);
  snprintf(link, sizeof(link), "%s/b", path);
  assert_int_equal(symlink("..", link), 0);
  snprintf(link, sizeof(link), "%s/99.json", path);
  assert_int_equal(symlink("41.json", link), 0);
  snprintf(link, sizeof(link), "%s/snapshots/NIFTY/again", data);
  assert_int_equal(symlink("2025-01-07", link), 0);
  snprintf(link, sizeof(link), "%s/snapshots/NIFTY/nothing.json", data);
  assert_int_equal(symlink("nowhere.json", link), 0);
  snprintf(path, sizeof(path), "%s/snapshots/NIFTY/2025-01-06/fifo.json", data);
  assert_int_equal(mkfifo(path, 0644), 0);
  snprintf(path, sizeof(path), "%s/snapshots/NIFTY", data);
  assert_int_equal(g6_snapshot_files(path, json, &files, &n, &e), G6_OK);
  assert_int_equal(n, 10);
  size_t links = 0, regular = 0;
  for (size_t i = 0; i < n; i++) {
    struct stat ls;
    assert_int_equal(lstat(files[i], &ls), 0);
    char *text = NULL;
    g6_status rs = g6_read_file_nofollow(files[i], 1 << 24, &text, NULL, &e);
    free(text);
    if (S_ISLNK(ls.st_mode)) {
      links++;
      assert_int_equal(rs, G6_EINVAL);
      assert_non_null(strstr(e.msg, "is a symbolic link; it is not followed"));
    } else if (S_ISREG(ls.st_mode)) {
      regular++;
      assert_int_equal(rs, G6_OK);
    } else {
      assert_true(S_ISFIFO(ls.st_mode));
      assert_int_equal(rs, G6_EINVAL);
      assert_non_null(strstr(e.msg, "is not a regular file"));
    }
  }
  assert_int_equal(links, 5);
  assert_int_equal(regular, 4);
  g6_snapshot_files_free(files, n);
  /* a link named by the caller is the caller's choice: listed as the file
   * it resolves to, which then reads without following */
  snprintf(path, sizeof(path), "%s/snapshots/NIFTY/2025-01-06/99.json", data);
  assert_int_equal(g6_snapshot_files(path, json, &files, &n, &e), G6_OK);
  assert_int_equal(n, 1);
  assert_non_null(strstr(files[0], "/2025-01-06/41.json"));
  g6_snapshot_files_free(files, n);
  g6_snapshot_doc_free(&a);
  g6_buf_free(&scratch);
}

/* A kept snapshot is never replaced: keeping another latest file under a
 * seq the history holds (a sequence restarted after the latest file was
 * lost) is refused, naming the entry, and the entry keeps its bytes; the
 * same file again is no error. The history's largest seq is found over
 * every day; a latest file left out of the history is put back. */
/* The largest seq the history of NIFTY under data holds. */
static uint64_t last_kept(const char *data) {
  uint64_t seq = 99;
  g6_error e;
  if (g6_snapshot_history_last_seq(data, "NIFTY", &seq, &e) != G6_OK)
    fail_msg("%s", e.msg);
  return seq;
}

static void history_never_replaced(void **state) {
  (void)state;
  snapfix f;
  snapfix_small(&f);
  g6_buf scratch = G6_BUF_INIT;
  g6_error e;
  char data[300], path[400];
  snprintf(data, sizeof(data), "%s/noreplace", dir);
  assert_int_equal(last_kept(data), 0);
  assert_int_equal(g6_snapshot_write(data, &f.view, &scratch, true, &e), G6_OK);
  assert_int_equal(
      g6_snapshot_history_keep(data, "NIFTY", SNAPFIX_NOW, 41, true, &e), G6_OK);
  assert_int_equal( /* the same file again: already kept */
      g6_snapshot_history_keep(data, "NIFTY", SNAPFIX_NOW, 41, true, &e), G6_OK);
  f.view.generated_at = SNAPFIX_NOW + 30;
  assert_int_equal(g6_snapshot_write(data, &f.view, &scratch, false, &e),
                   G6_OK);
  assert_int_equal(
      g6_snapshot_history_keep(data, "NIFTY", SNAPFIX_NOW, 41, false, &e),
      G6_EEXIST);
  assert_non_null(strstr(e.msg, "2025-01-06/41.json"));
  assert_non_null(strstr(e.msg, "not replaced"));
  snprintf(path, sizeof(path), "%s/snapshots/NIFTY/2025-01-06/41.json", data);
  g6_snapshot_doc d;
  assert_int_equal(g6_snapshot_read_file(path, 0, &d, &e), G6_OK);
  assert_int_equal(d.generated_at, SNAPFIX_NOW);
  g6_snapshot_doc_free(&d);
  /* the largest seq over every day, whatever the latest file says */
  f.view.seq = 7;
  f.view.generated_at = SNAPFIX_NOW + 86400;
  assert_int_equal(g6_snapshot_write(data, &f.view, &scratch, false, &e),
                   G6_OK);
  assert_int_equal(g6_snapshot_history_keep(data, "NIFTY", SNAPFIX_NOW + 86400,
                                            7, false, &e),
                   G6_OK);
  assert_int_equal(last_kept(data), 41);
  assert_int_equal(g6_snapshot_last_seq(data, "NIFTY"), 7);
  /* a latest file the history lacks (a crash before its link) goes there */
  f.view.seq = 42;
  assert_int_equal(g6_snapshot_write(data, &f.view, &scratch, false, &e),
                   G6_OK);
  assert_int_equal(g6_snapshot_history_recover(data, "NIFTY",
                                               SNAPFIX_NOW + 86400, true, &e), G6_OK);
  snprintf(path, sizeof(path), "%s/snapshots/NIFTY/2025-01-07/42.json", data);
  assert_int_equal(g6_snapshot_read_file(path, 0, &d, &e), G6_OK);
  assert_int_equal(d.seq, 42);
  g6_snapshot_doc_free(&d);
  assert_int_equal(last_kept(data), 42);
  /* a name past UINT64_MAX is not a seq g6 wrote (it wrapped the
   * sequence to 0 and on over kept names); a day name that is a file holds
   * nothing */
  snprintf(path, sizeof(path),
           "%s/snapshots/NIFTY/2025-01-07/99999999999999999999.json", data);
  FILE *fp = fopen(path, "w");
  assert_non_null(fp);
  fclose(fp);
  snprintf(path, sizeof(path), "%s/snapshots/NIFTY/2025-01-08", data);
  fp = fopen(path, "w");
  assert_non_null(fp);
  fclose(fp);
  assert_int_equal(last_kept(data), 42);
  assert_int_equal(g6_snapshot_history_recover(data, "NIFTY",
                                               SNAPFIX_NOW + 86400, true, &e), G6_OK);
  /* kept as a copy (a file system without hard links, a restored backup):
   * kept; another file under its name: not replaced, both named */
  snprintf(path, sizeof(path), "%s/snapshots/NIFTY/2025-01-07/42.json", data);
  char *text = NULL;
  size_t len = 0;
  assert_int_equal(g6_read_file(path, 1 << 24, &text, &len, &e), G6_OK);
  assert_int_equal(unlink(path), 0);
  assert_int_equal(g6_atomic_write(path, text, len, 0644, false, &e), G6_OK);
  assert_int_equal(g6_snapshot_history_recover(data, "NIFTY",
                                               SNAPFIX_NOW + 86400, true, &e),
                   G6_OK);
  assert_int_equal(unlink(path), 0);
  assert_int_equal(g6_atomic_write(path, text, len - 1, 0644, false, &e),
                   G6_OK);
  free(text);
  assert_int_equal(g6_snapshot_history_recover(data, "NIFTY",
                                               SNAPFIX_NOW + 86400, true, &e),
                   G6_EEXIST);
  assert_non_null(strstr(e.msg, path));
  assert_non_null(strstr(e.msg, "snapshots/NIFTY.json"));
  g6_buf_free(&scratch);
}

static void truncated_at_every_byte(void **state) {
  (void)state;
  char *text = small_text();
  size_t len = strlen(text);
  /* the last bytes are "}\n": cut anywhere before the closing brace */
  size_t close = len;
  while (close > 0 && text[close - 1] != '}')
    close--;
  for (size_t cut = 0; cut + 1 < close; cut++) {
    g6_snapshot_doc d;
    g6_error e;
    g6_status st = g6_snapshot_parse(text, cut, "t.json", &d, &e);
    if (st != G6_ETRUNCATED)
      fail_msg("cut at %zu of %zu: %s (%s)", cut, len, g6_status_name(st),
               e.msg);
    assert_null(d.strikes);
  }
  g6_snapshot_doc d;
  g6_error e;
  assert_int_equal(g6_snapshot_parse("", 0, "empty.json", &d, &e),
                   G6_ETRUNCATED);
  assert_non_null(strstr(e.msg, "empty.json"));
  assert_string_equal(g6_snapshot_error_cause(G6_ETRUNCATED), "truncated");
  free(text);
}

static void not_json(void **state) {
  (void)state;
  const char *bad[] = {"{'schema': 1}",
                       "{\"a\" 1}",
                       "{}x",
                       "{} {}",
                       "\x01\x02garbage",
                       "{\"schema\": \"g6\xff\"}",
                       "{\"a\": tru }",
                       "nul"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    g6_snapshot_doc d;
    g6_error e;
    g6_status st = parse(bad[i], &d, &e);
    if (st != G6_EPARSE && !(i == 7 && st == G6_ETRUNCATED))
      fail_msg("\"%s\": %s (%s)", bad[i], g6_status_name(st), e.msg);
  }
  g6_snapshot_doc d;
  g6_error e;
  assert_int_equal(parse("{}x", &d, &e), G6_EPARSE);
  assert_non_null(strstr(e.msg, "not JSON near byte"));
  assert_string_equal(g6_snapshot_error_cause(G6_EPARSE), "malformed");
  /* a good snapshot behind a UTF-8 byte-order mark (an editor saved it):
   * refused as Python's json.load refuses it, and said so */
  char *good = small_text();
  size_t gl = strlen(good);
  char *bom = malloc(gl + 4);
  assert_non_null(bom);
  memcpy(bom, "\xef\xbb\xbf", 3);
  memcpy(bom + 3, good, gl + 1);
  assert_int_equal(parse(good, &d, &e), G6_OK);
  g6_snapshot_doc_free(&d);
  assert_int_equal(parse(bom, &d, &e), G6_EPARSE);
  g6_snapshot_doc_free(&d);
  if (strstr(e.msg, "begins with a UTF-8 byte-order mark") == NULL ||
      strstr(e.msg, "near byte") != NULL)
    fail_msg("%s", e.msg);
  free(bom);
  free(good);
}

/* An entry whose path is longer than PATH_MAX (a snapshot, a link, a day
 * directory) is listed, never dropped in silence, and reading it names it
 * (shortened, its end kept) and says why it cannot be opened. */
static void overlong_paths_are_listed(void **state) {
  (void)state;
  char top[4096], comp[101];
  memset(comp, 'd', 100);
  comp[100] = '\0';
  int n = snprintf(top, sizeof(top), "%s/overlong", dir);
  assert_int_equal(g6_mkdir_p(top, 0755, NULL), G6_OK);
  while (n < 3900) {
    n += snprintf(top + n, sizeof(top) - (size_t)n, "/%s", comp);
    assert_int_equal(mkdir(top, 0755), 0);
  }
  char *good = small_text();
  char name[256];
  memset(name, '7', 200);
  memcpy(name + 200, ".json", 6); /* "777...7.json": a seq's name */
  int fd = open(top, O_RDONLY | O_DIRECTORY);
  assert_true(fd >= 0);
  int f = openat(fd, name, O_WRONLY | O_CREAT, 0644);
  assert_true(f >= 0);
  assert_int_equal(write(f, good, strlen(good)), (ssize_t)strlen(good));
  close(f);
  assert_int_equal(mkdirat(fd, "2025-01-06-and-a-long-day-directory-name-"
                               "that-passes-the-limit-of-the-path-length-"
                               "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                               "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                               "xxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                   0755),
                   0);
  assert_int_equal(symlinkat("elsewhere.json", fd,
                             "a-link-whose-path-is-too-long-xxxxxxxxxxxxxxx"
                             "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                             "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                             "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                             "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                             ".json"),
                   0);
  close(fd);
  free(good);
  static const char *const json[] = {".json", NULL};
  char **files;
  size_t nf;
  g6_error e;
  char base[512];
  snprintf(base, sizeof(base), "%s/overlong", dir);
  assert_int_equal(g6_snapshot_files(base, json, &files, &nf, &e), G6_OK);
  assert_int_equal(nf, 3);
  for (size_t i = 0; i < nf; i++) {
    assert_true(strlen(files[i]) >= PATH_MAX);
    char *t = NULL;
    size_t len;
    assert_int_not_equal(g6_read_file_nofollow(files[i], 1 << 20, &t, &len, &e),
                         G6_OK);
    const char *tail = files[i] + strlen(files[i]) - 20;
    if (strstr(e.msg, "longer than the system allows") == NULL ||
        strstr(e.msg, "...") == NULL || strstr(e.msg, tail) == NULL)
      fail_msg("%s: %s", tail, e.msg);
  }
  g6_snapshot_files_free(files, nf);
}

static void wrong_schema(void **state) {
  (void)state;
  char *text = small_text();
  const char *s = "\"g6.chain.snapshot/1\"";
  expect_edit(text, s, "\"g6.chain.snapshot/2\"", G6_EUNSUPPORTED,
              "schema \"g6.chain.snapshot/2\" is not supported");
  expect_edit(text, s, "\"g6.panel/1\"", G6_EUNSUPPORTED, "not supported");
  expect_edit(text, s, "\"g6.chain.snapshot/10\"", G6_EUNSUPPORTED,
              "not supported");
  expect_edit(text, "\"schema\":", "\"schemas\":", G6_EUNSUPPORTED,
              "no \"schema\" field");
  /* a document of another major version whose shape differs before its
   * schema key is still reported as the wrong schema, not as invalid */
  char *t2 = snapfix_replace(text, s, "\"g6.chain.snapshot/2\"");
  expect_edit(t2, "\"expiries\": [", "\"expiries\": 7, \"x\": [",
              G6_EUNSUPPORTED, "not supported");
  free(t2);
  g6_snapshot_doc d;
  g6_error e;
  assert_int_equal(parse("[1, 2]", &d, &e), G6_EUNSUPPORTED);
  assert_non_null(strstr(e.msg, "top level is not an object"));
  assert_int_equal(parse("42", &d, &e), G6_EUNSUPPORTED);
  assert_int_equal(parse("{}", &d, &e), G6_EUNSUPPORTED);
  assert_string_equal(g6_snapshot_error_cause(G6_EUNSUPPORTED), "wrong_schema");
  /* a minor revision of version 1 is read */
  char *t = snapfix_replace(text, s, "\"g6.chain.snapshot/1.3\"");
  assert_int_equal(parse(t, &d, &e), G6_OK);
  g6_snapshot_doc_free(&d);
  free(t);
  free(text);
}

static void wrong_types_and_nulls(void **state) {
  (void)state;
  char *text = small_text();
  expect_edit(text, "\"spot\": 24812.5", "\"spot\": \"24812.5\"", G6_EPROTO,
              "t.json: spot: expected a number or null, got a string");
  expect_edit(text, "\"seq\": 41", "\"seq\": 41.0", G6_EPROTO,
              "seq: expected an integer, got 41.0");
  expect_edit(text, "\"seq\": 41", "\"seq\": null", G6_EPROTO,
              "seq: expected a number, got null");
  expect_edit(text, "\"seq\": 41", "\"seq\": 0", G6_EPROTO,
              "seq: 0: expected an integer from 1");
  expect_edit(text, "\"market_open\": true", "\"market_open\": 1", G6_EPROTO,
              "market_open: expected a boolean, got a number");
  expect_edit(text, "\"iv\": 0.13", "\"iv\": true", G6_EPROTO,
              "expiries[0].legs[3].iv: expected a number or null, got a "
              "boolean");
  expect_edit(text, "\"type\": \"PE\"", "\"type\": \"XX\"", G6_EPROTO,
              "expiries[0].legs[1].type: \"XX\": allowed: CE, PE");
  expect_edit(text, "\"status\": \"PARTIAL\"", "\"status\": \"FINE\"",
              G6_EPROTO, "status: \"FINE\": allowed: OK, PARTIAL");
  expect_edit(text, "\"iv_status\": \"ok\"", "\"iv_status\": \"meh\"",
              G6_EPROTO, "not a g6 status token");
  expect_edit(text, "\"strikes\": [", "\"strikes\": [\"a\", ", G6_EPROTO,
              "strikes[0]: expected a number, got a string");
  expect_edit(text, "\"strikes\": [", "\"strikes\": [,", G6_EPARSE, "not JSON");
  expect_edit(text, "\"expiries\": [", "\"expiries\": [[], ", G6_EPROTO,
              "expiries[0]: expected an object, got an array");
  expect_edit(text, "\"rejects\": {", "\"rejects\": {\"zz\": \"1\", ",
              G6_EPROTO, "rejects.zz: expected a count, got a string");
  expect_edit(text, "\"timestamp\": \"06-01-2025",
              "\"timestamp\": \"32-01-2025", G6_EPROTO,
              "timestamp: \"32-01-2025 10:00:00\": expected");
  expect_edit(text, "\"index\": \"NIFTY\"", "\"index\": \"NIF TY\"", G6_EPROTO,
              "an index name is");
  expect_edit(text, "\"date\": \"2025-01-09\"", "\"date\": \"2025-02-30\"",
              G6_EPROTO, "expected a date YYYY-MM-DD");
  /* nulls where the format allows them stay unknown */
  char *t = snapfix_replace(text, "\"spot\": 24812.5", "\"spot\": null");
  g6_snapshot_doc d;
  g6_error e;
  assert_int_equal(parse(t, &d, &e), G6_OK);
  assert_true(isnan(d.spot));
  g6_snapshot_doc_free(&d);
  free(t);
  free(text);
}

static void huge_numbers(void **state) {
  (void)state;
  char *text = small_text();
  expect_edit(text, "\"spot\": 24812.5", "\"spot\": 1e999", G6_EPROTO,
              "spot: 1e999 is not a finite number");
  expect_edit(text, "\"spot\": 24812.5", "\"spot\": -1e400", G6_EPROTO,
              "not a finite number");
  expect_edit(text, "\"seq\": 41", "\"seq\": 99999999999999999999999",
              G6_EPROTO, "seq: 99999999999999999999999: expected an integer");
  expect_edit(text, "\"generated_at\": ",
              "\"generated_at\": -9223372036854775809, \"x\": ", G6_EPROTO,
              "generated_at: -9223372036854775809: expected Unix seconds");
  /* int64 instants no date can name: the analyzer's IST day and age
   * arithmetic overflowed on them (restored, hand-edited files) */
  expect_edit(text, "\"generated_at\": ",
              "\"generated_at\": 9223372036854775807, \"x\": ", G6_EPROTO,
              "generated_at: 9223372036854775807: expected Unix seconds from 0");
  expect_edit(text, "\"generated_at\": ",
              "\"generated_at\": 253402300800, \"x\": ", G6_EPROTO,
              "generated_at: 253402300800: expected Unix seconds from 0");
  expect_edit(text, "\"generated_at\": ",
              "\"generated_at\": -9223372036854775808, \"x\": ", G6_EPROTO,
              "expected Unix seconds from 0");
  expect_edit(text, "\"expiry_epoch\": ",
              "\"expiry_epoch\": -9223372036854775808, \"x\": ", G6_EPROTO,
              "expiry_epoch: -9223372036854775808: expected Unix seconds from 1");
  expect_edit(text, "\"legs_listed\": 5", "\"legs_listed\": 1e3", G6_EPROTO,
              "legs_listed: expected an integer");
  /* a long number (beyond the fast path) still parses exactly */
  char *t = snapfix_replace(
      text, "\"spot\": 24812.5",
      "\"spot\": 24812.50000000000000000000000000000000000000000000000000000"
      "00000000000000000000000000000001");
  g6_snapshot_doc d;
  g6_error e;
  assert_int_equal(parse(t, &d, &e), G6_OK);
  assert_close(d.spot, 24812.5, 0);
  g6_snapshot_doc_free(&d);
  free(t);
  /* int64 limits are accepted */
  t = snapfix_replace(text, "\"seq\": 41", "\"seq\": 9223372036854775807");
  assert_int_equal(parse(t, &d, &e), G6_OK);
  assert_int_equal(d.seq, INT64_MAX);
  g6_snapshot_doc_free(&d);
  free(t);
  free(text);
}

static void missing_repeated_and_unknown_fields(void **state) {
  (void)state;
  char *text = small_text();
  expect_edit(text, "\"iv_status\": \"ok\",", "", G6_EPROTO,
              "expiries[0].legs[0]: missing field \"iv_status\"");
  expect_edit(text, "\"underlying\":", "\"underlyingx\":", G6_EPROTO,
              "missing field \"underlying\"");
  expect_edit(text, "\"seq\": 41", "\"seq\": 41, \"seq\": 42", G6_EPROTO,
              "seq: appears twice");
  /* unknown keys, nested anywhere, are ignored (a newer minor version) */
  char *t = snapfix_replace(
      text, "\"seq\": 41",
      "\"seq\": 41, \"future\": {\"a\": [1, {\"b\": null}, \"c\"]}");
  char *t2 = snapfix_replace(t, "\"iv_status\": \"ok\"",
                             "\"iv_status\": \"ok\", \"greek\": [[]]");
  g6_snapshot_doc d;
  g6_error e;
  assert_int_equal(parse(t2, &d, &e), G6_OK);
  assert_int_equal(d.seq, 41);
  g6_snapshot_doc_free(&d);
  free(t2);
  free(t);
  free(text);
}

/* Quote sanity: the leg's rule, the expiry's counts and parity fit; files
 * written before the checks (none of the three) read as unchecked. */
static void quote_sanity_fields(void **state) {
  (void)state;
  char *text = small_text();
  g6_snapshot_doc d;
  g6_error e;
  assert_int_equal(parse(text, &d, &e), G6_OK);
  const g6_expiry_result *x = &d.expiries[0];
  assert_int_equal(x->legs[5].arb, G6_ARB_CROSSED);
  assert_int_equal(x->legs[0].arb, G6_ARB_NONE);
  assert_int_equal(x->arb_checked, 4);
  assert_int_equal(x->arb_flagged, 1);
  assert_int_equal(x->arb_violations[G6_ARB_CROSSED], 1);
  assert_int_equal(x->arb_violations[G6_ARB_BOUNDS], 0);
  assert_close(x->parity.forward, 24830.125, 0);
  assert_close(x->parity.discount, 0.9994, 0);
  assert_close(x->parity.rate, 0.0651, 0);
  assert_close(x->parity.residual, 0.025, 0);
  assert_int_equal(x->parity.pairs, 2);
  assert_true(isnan(d.expiries[1].parity.forward));
  g6_snapshot_doc_free(&d);
  /* an older file: no arb, arbitrage or parity anywhere */
  char *t = snapfix_replace(text, "\"arb\": \"crossed\"", "\"x\": 1");
  for (int k = 0; k < 2; k++) {
    char *u = snapfix_replace(t, "\"arbitrage\":", "\"old_a\":");
    free(t);
    t = snapfix_replace(u, "\"parity\":", "\"old_p\":");
    free(u);
  }
  assert_int_equal(parse(t, &d, &e), G6_OK);
  x = &d.expiries[0];
  assert_int_equal(x->legs[5].arb, G6_ARB_NONE);
  assert_int_equal(x->arb_checked, 0);
  assert_int_equal(x->arb_violations[G6_ARB_CROSSED], 0);
  assert_true(isnan(x->parity.forward) && isnan(x->parity.rate));
  assert_int_equal(x->parity.pairs, 0);
  g6_snapshot_doc_free(&d);
  free(t);
  /* stale_last: a leg whose last lies outside its book, and its count
   * (the writer gives every rule its count, 0 included) */
  assert_non_null(strstr(text, "\"stale_last\": 0"));
  t = snapfix_replace(text, "\"arb\": \"crossed\"", "\"arb\": \"stale_last\"");
  char *u = snapfix_replace(t, "\"stale_last\": 0", "\"stale_last\": 1");
  free(t);
  assert_int_equal(parse(u, &d, &e), G6_OK);
  x = &d.expiries[0];
  assert_int_equal(x->legs[5].arb, G6_ARB_STALE_LAST);
  assert_int_equal(x->arb_violations[G6_ARB_STALE_LAST], 1);
  assert_int_equal(x->arb_violations[G6_ARB_CROSSED], 1);
  g6_snapshot_doc_free(&d);
  free(u);
  /* what is wrong is named */
  expect_edit(text, "\"arb\": \"crossed\"", "\"arb\": \"wide\"", G6_EPROTO,
              "expiries[0].legs[5].arb: \"wide\": allowed: null, bounds");
  expect_edit(text, "\"arb\": \"crossed\"", "\"arb\": \"stale\"", G6_EPROTO,
              "calendar, crossed, stale_last");
  expect_edit(text, "\"arb\": \"crossed\"", "\"arb\": 1", G6_EPROTO,
              "expiries[0].legs[5].arb: expected a string or null");
  expect_edit(text, "\"checked\": 4", "\"checked\": -4", G6_EPROTO,
              "expected a count");
  expect_edit(text, "\"crossed\": 1", "\"crossed\": \"1\"", G6_EPROTO,
              "arbitrage.crossed: expected a count, got a string");
  expect_edit(text, "\"crossed\": 1", "\"crossed\": [1]", G6_EPROTO,
              "arbitrage.crossed: expected a count, got an array");
  expect_edit(text, "\"residual\": 0.025", "\"residuals\": 0.025",
              G6_EPROTO, "expiries[0].parity: missing field \"residual\"");
  expect_edit(text, "\"pairs\": 2", "\"pairs\": 2.5", G6_EPROTO,
              "expiries[0].parity.pairs: expected an integer");
  expect_edit(text, "\"forward\": 24830.125", "\"forward\": 1e999",
              G6_EPROTO, "expiries[0].parity.forward: 1e999 is not a finite");
  expect_edit(text, "\"parity\": {", "\"parity\": [], \"p\": {", G6_EPROTO,
              "expiries[0].parity: expected an object, got an array");
  free(text);
}

/* Files written before India VIX, lot sizes and the session references
 * read as before, those values unknown (NaN), never 0; present, they are
 * checked like every other field. */
static void desk_fields_optional_and_checked(void **state) {
  (void)state;
  char *text = small_text();
  char *t = snapfix_replace(text, ",\n  \"vix\": 13.25", "");
  assert_non_null(t);
  char *t2 = snapfix_replace(t, "\"lot_size\": 75,", "");
  char *t3 = snapfix_replace(t2, "\"straddle_open\": 231.5,", "");
  char *t4 = snapfix_replace(t3, "\"last_prev\": 149.5,", "");
  char *t5 = snapfix_replace(t4, "\"oi_open\": 48000,", "");
  char *t6 = snapfix_replace(t5, "\"oi_prev\": 49950,", "");
  assert_non_null(t6);
  g6_snapshot_doc d;
  g6_error e;
  assert_int_equal(parse(t6, &d, &e), G6_OK);
  assert_true(isnan(d.vix));
  assert_true(isnan(d.expiries[0].lot_size) &&
              isnan(d.expiries[0].straddle_open));
  assert_true(isnan(d.expiries[0].legs[0].oi_open) &&
              isnan(d.expiries[0].legs[0].last_prev) &&
              isnan(d.expiries[0].legs[0].oi_prev));
  g6_snapshot_doc_free(&d);
  free(t);
  free(t2);
  free(t3);
  free(t4);
  free(t5);
  free(t6);
  expect_edit(text, "\"vix\": 13.25", "\"vix\": \"13\"", G6_EPROTO,
              "vix: expected a number or null, got a string");
  expect_edit(text, "\"lot_size\": 75", "\"lot_size\": 0", G6_EPROTO,
              "expiries[0].lot_size: 0: a lot size is a positive number or "
              "null");
  expect_edit(text, "\"lot_size\": 75", "\"lot_size\": 75, \"lot_size\": 75",
              G6_EPROTO, "expiries[0].lot_size: appears twice");
  expect_edit(text, "\"oi_open\": 48000", "\"oi_open\": 1e999", G6_EPROTO,
              "expiries[0].legs[0].oi_open: 1e999 is not a finite number");
  expect_edit(text, "\"last_prev\": 149.5", "\"last_prev\": true", G6_EPROTO,
              "expiries[0].legs[0].last_prev: expected a number or null");
  free(text);
}

/* Values g6_chain never writes are refused, naming the leg and the value:
 * a kept leg with a negative OI or volume, a non-positive price or IV, a
 * non-positive spot, a negative T (before, such a file was read and its
 * PCR and surface computed from them; found by a reviewer). */
static void values_out_of_range(void **state) {
  (void)state;
  char *text = small_text();
  expect_edit(text, "\"oi\": 50025", "\"oi\": -100", G6_EPROTO,
              "expiries[0].legs[0] (CE 24750) is kept but volume 120000, oi "
              "-100, avg");
  expect_edit(text, "\"volume\": 140000", "\"volume\": -1", G6_EPROTO,
              "none may be negative");
  expect_edit(text, "\"iv\": 0.13,", "\"iv\": -0.5,", G6_EPROTO,
              "is kept but iv -0.5 is not positive");
  expect_edit(text, "\"iv\": 0.13,", "\"iv\": 0,", G6_EPROTO,
              "iv 0 is not positive");
  expect_edit(text, "\"spot\": 24812.5", "\"spot\": 0", G6_EPROTO,
              "spot 0, atm 24800: a price is positive or null");
  expect_edit(text, "\"T\": 0.00884703196347032", "\"T\": -1", G6_EPROTO,
              "expiries[0]: T -1 is negative");
  free(text);
}

static void legs_must_match_the_ladder(void **state) {
  (void)state;
  char *text = small_text();
  /* a strike missing from the ladder leaves 6 legs for 2 strikes */
  expect_edit(text, "24750,\n    24800,", "24800,", G6_EPROTO,
              "expiries[0].legs: 6 legs; expected 4");
  expect_edit(text, "\"strike\": 24800,\n          \"theta\"",
              "\"strike\": 24801,\n          \"theta\"", G6_EPROTO,
              "where the ladder has CE 24800");
  expect_edit(text, "\"kept\": false", "\"kept\": true", G6_EPROTO,
              "kept is true but reject is missing_quote");
  expect_edit(text, "\"resolved\": false", "\"resolved\": true", G6_EPROTO,
              "expiries[1].legs: 0 legs; expected 6");
  expect_edit(text, "24850\n  ]", "24850, 24800\n  ]", G6_EPROTO,
              "strikes must be positive and ascending");
  /* found by fuzzing: a tag the writer cannot have written */
  expect_edit(text, "\"tag\": \"this_week\"", "\"tag\": \"nexp_week\"",
              G6_EPROTO,
              "expiries[0]: tag \"nexp_week\" with rule \"this_week\"");
  expect_edit(text, "\"tag\": \"this_week\"", "\"tag\": \"next_week\"",
              G6_EPROTO, "with rule \"this_week\"");
  /* an overlong UTF-8 sequence yajl lets through; the writer would not */
  expect_edit(text, "\"key\": \"NFO:", "\"key\": \"N\xc0\xb0:", G6_EPROTO,
              "expected at most 63 printable ASCII characters");
  free(text);
}

static void report_input_shares_duplicate_expiries(void **state) {
  (void)state;
  snapfix f;
  snapfix_small(&f);
  /* next_month resolves to the same date as this_week (a month-end week) */
  f.ex[1] = f.ex[0];
  f.ex[1].tag = "this_month";
  f.ex[1].spec.rule = G6_EXPIRY_THIS_MONTH;
  char *text = snapfix_text(&f.view);
  g6_snapshot_doc d;
  g6_error e;
  assert_int_equal(parse(text, &d, &e), G6_OK);
  size_t n = g6_snapshot_doc_leg_count(&d);
  assert_int_equal(n, 4); /* kept legs of the one expiry, once */
  g6_leg legs[8];
  g6_report_input in;
  g6_snapshot_doc_report_input(&d, legs, &in);
  assert_int_equal(in.n_legs, 4);
  /* the ladder, for the legs of the PCR window that are not kept */
  assert_ptr_equal(in.strikes, d.strikes);
  assert_int_equal(in.n_strikes, d.n_strikes);
  assert_int_equal(in.n_expiries, 2);
  assert_int_equal(in.ex[1].first, in.ex[0].first);
  assert_int_equal(in.ex[1].n, 4);
  assert_string_equal(in.ex[1].tag, "this_month");
  assert_close(legs[0].strike, 24750, 0);
  assert_int_equal(legs[1].type, G6_PUT);
  assert_true(isnan(legs[1].iv));
  assert_close(legs[3].oi, 1e15, 0);
  assert_close(legs[3].T, d.expiries[0].T, 0);
  g6_snapshot_doc_free(&d);
  free(text);
}

/* The analytics' PCR missing-legs count from a snapshot: a strike the
 * exchange does not list (or one beyond StrikeBand) inside the PCR window
 * is no leg of the ratio, as g6_chain counts; with every leg that exists
 * kept with its OI the count is 0 (it read 1 for good, the ladder being all
 * the window knew). Two rules sharing one contract read the same. */
static void report_input_skips_legs_that_do_not_exist(void **state) {
  (void)state;
  snapfix f;
  snapfix_small(&f);
  g6_chain_leg *l = f.legs[0];
  /* the 24800 call is quoted now: every listed leg is kept with its OI;
   * the 24850 call (inside ATM +- 5 %) stays not listed */
  l[2].q.quoted = true;
  l[2].reject = G6_REJECT_NONE;
  snapfix_price(&l[2], 120, 119, 119.5, 120.5, 100000, 70000);
  f.ex[0].rejects[G6_REJECT_MISSING_QUOTE] = 0;
  f.ex[0].legs_collected = 5;
  /* next_month resolves to this week's contract (a month-end week) */
  f.ex[1] = f.ex[0];
  f.ex[1].tag = "this_month";
  f.ex[1].spec.rule = G6_EXPIRY_THIS_MONTH;
  f.ex[1].legs = f.legs[1];
  memcpy(f.legs[1], f.legs[0], 6 * sizeof(f.legs[0][0]));
  for (int pass = 0; pass < 3; pass++) {
    double want = 0;
    if (pass == 1) { /* the same beyond StrikeBand */
      for (int k = 0; k < 2; k++) {
        f.legs[k][4].reject = G6_REJECT_STRIKE_OUT_OF_BAND;
        f.ex[k].rejects[G6_REJECT_NOT_LISTED] = 0;
        f.ex[k].rejects[G6_REJECT_STRIKE_OUT_OF_BAND] = 1;
      }
    } else if (pass == 2) { /* a leg that exists without its quote counts */
      for (int k = 0; k < 2; k++) {
        f.legs[k][2].q.quoted = false;
        f.legs[k][2].reject = G6_REJECT_MISSING_QUOTE;
        snapfix_price(&f.legs[k][2], NAN, NAN, NAN, NAN, NAN, NAN);
        f.ex[k].rejects[G6_REJECT_MISSING_QUOTE] = 1;
        f.ex[k].legs_collected = 4;
      }
      want = 1;
    }
    char *text = snapfix_text(&f.view);
    assert_non_null(text);
    g6_snapshot_doc d;
    g6_error e;
    assert_int_equal(parse(text, &d, &e), G6_OK);
    g6_leg legs[8];
    assert_true(g6_snapshot_doc_leg_count(&d) <= 8);
    g6_report_input in;
    g6_snapshot_doc_report_input(&d, legs, &in);
    assert_int_equal(in.n_expiries, 2);
    g6_chain_report r;
    assert_int_equal(g6_chain_report_compute(&in, NULL, &r), G6_OK);
    for (size_t x = 0; x < 2; x++) {
      assert_close(r.ex[x].pcr_missing_oi, want, 0);
      assert_close(r.ex[x].pcr_missing_volume, want, 0);
    }
    g6_snapshot_doc_free(&d);
    free(text);
  }
}

/* With fsync on, every directory the snapshot writer and the history make
 * has its entry fsynced in its parent: a power loss does not take
 * snapshots/ (made by the first write) or snapshots/<INDEX>/ (made by the
 * first keep) away with the files fsynced in them. Before, only a new day
 * directory's entry was. */
static void new_directories_are_durable(void **state) {
  (void)state;
  snapfix f;
  snapfix_small(&f);
  g6_buf scratch = G6_BUF_INIT;
  g6_error e;
  char data[300], path[400];
  snprintf(data, sizeof(data), "%s/durable", dir);
  assert_int_equal(mkdir(data, 0755), 0);
  fsyncspy_reset();
  assert_int_equal(g6_snapshot_write(data, &f.view, &scratch, true, &e), G6_OK);
  if (!fsyncspy_synced(data))
    fail_msg("the entry of %s/snapshots was not fsynced", data);
  fsyncspy_reset();
  assert_int_equal(
      g6_snapshot_history_keep(data, "NIFTY", SNAPFIX_NOW, 41, true, &e), G6_OK);
  const char *levels[] = {"snapshots", "snapshots/NIFTY",
                          "snapshots/NIFTY/2025-01-06"};
  for (size_t i = 0; i < 3; i++) {
    snprintf(path, sizeof(path), "%s/%s", data, levels[i]);
    if (!fsyncspy_synced(path))
      fail_msg("%s was not fsynced (the entry in it is new)", path);
  }
  g6_buf_free(&scratch);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(round_trip_with_the_writer),
      cmocka_unit_test(round_trip_through_files_and_history),
      cmocka_unit_test(history_never_replaced),
      cmocka_unit_test(new_directories_are_durable),
      cmocka_unit_test(truncated_at_every_byte),
      cmocka_unit_test(not_json),
      cmocka_unit_test(overlong_paths_are_listed),
      cmocka_unit_test(wrong_schema),
      cmocka_unit_test(hostile_strings_are_quoted_printable),
      cmocka_unit_test(wrong_types_and_nulls),
      cmocka_unit_test(huge_numbers),
      cmocka_unit_test(missing_repeated_and_unknown_fields),
      cmocka_unit_test(quote_sanity_fields),
      cmocka_unit_test(desk_fields_optional_and_checked),
      cmocka_unit_test(legs_must_match_the_ladder),
      cmocka_unit_test(values_out_of_range),
      cmocka_unit_test(report_input_shares_duplicate_expiries),
      cmocka_unit_test(report_input_skips_legs_that_do_not_exist),
  };
  cmocka_set_message_output(CM_OUTPUT_TAP);
  return cmocka_run_group_tests(tests, setup, teardown);
}
