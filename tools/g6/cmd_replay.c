/* g6 replay — stored snapshots (or a day's CSV files) through the analytics
 * g6_analytics runs (math/chain_report.h), one CSV row per snapshot and
 * expiry.
 *
 * Snapshots are read with the same reader and fed through the same report
 * as the plugin, so a row equals the metrics g6_analytics exported for that
 * snapshot. CSV files are regrouped into one chain per (index, timestamp)
 * (store/csv_read.h) and give what they hold (no bid/ask: no spreads; the
 * rounded timestamp for T). Unknown values are empty cells, never 0. */
#include "cmd.h"

#include "core/buf.h"
#include "core/fsutil.h"
#include "core/json.h"
#include "store/csv_read.h"
#include "store/snapshot_history.h"
#include "store/snapshot_read.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char header[] =
    "source,index,seq,generated_at,timestamp,spot,atm,expiry,expiry_date,"
    "days_to_expiry,legs,pcr_oi,pcr_volume,max_pain,support,resistance,"
    "forward,atm_iv,call25_iv,put25_iv,rr25,bf25,surface_lt_m20,"
    "surface_m20_m10,surface_m10_m5,surface_m5_0,surface_0_p5,surface_p5_p10,"
    "surface_p10_p20,surface_gt_p20\n";

static int usage(FILE *out) {
  fprintf(out,
          "usage: g6 replay [--csv OUT] [--r R] [--q Q] [--pcr-window W]\n"
          "                 [--max-pain-window W] [--exclude-flagged]\n"
          "                 DIR|FILE...\n"
          "\n"
          "Feeds stored chain snapshots through g6_analytics' analytics and\n"
          "prints one CSV row per snapshot and expiry (to OUT, or stdout):\n"
          "  %s"
          "FILE: a snapshot (*.json, docs/SNAPSHOT.md) or a per-strike CSV\n"
          "file (*.csv). DIR: every *.json and *.csv below it, snapshots in\n"
          "order of date directory and seq (g6_chain's KeepSnapshots keeps\n"
          "them in <DataDir>/snapshots/<INDEX>/<YYYY-MM-DD>/<seq>.json).\n"
          "CSV rows are regrouped into one chain per index and timestamp,\n"
          "a day at a time for files named YYYY-MM-DD.csv (g6_chain's: a\n"
          "chain's rows are in the files of its day), the others together;\n"
          "they have no bid/ask and no r, q: --r and --q give those (default\n"
          "0.065 and 0). Snapshots carry their own r and q.\n"
          "\n"
          "  --pcr-window W       PCR over strikes within ATM +- W (0.05)\n"
          "  --max-pain-window W  max pain within ATM +- W (0.1)\n"
          "  --exclude-flagged    leave out the legs g6_chain flagged as\n"
          "                       breaking a no-arbitrage check (g6_analytics'\n"
          "                       ExcludeFlaggedLegs)\n"
          "The forward of an expiry is put-call parity's when the snapshot\n"
          "has it, else S e^((r-q)T) (always for CSV files).\n"
          "\n"
          "Unknown values are empty cells. A file (or directory) that\n"
          "cannot be used is reported on stderr with its cause and skipped,\n"
          "none of its rows used (a CSV file that is not a per-strike one\n"
          "is only skipped when found in a directory; named, it is\n"
          "unusable); so is a per-strike file without data rows (empty, or\n"
          "its header alone) and a YYYY-MM-DD.csv holding a row of another\n"
          "IST day. Symbolic links inside a directory are never followed,\n"
          "wherever they point: each is named as unusable (name its target\n"
          "to replay it; a link named on the command line is read). The\n"
          "cause follows each message: symbolic_link, not_a_regular_file,\n"
          "path_too_long (a path longer than the system allows, named\n"
          "shortened; such a directory is not entered), missing,\n"
          "unreadable, too_big, truncated, malformed (also a snapshot that\n"
          "begins with a UTF-8 byte-order mark), wrong_schema, invalid,\n"
          "empty.\n"
          "CSV rows that repeat the index, timestamp, expiry and strike of\n"
          "another with other values are warned about (one of each is\n"
          "replayed, the same whatever the order of the files).\n"
          "Exit status: 0 every input used, 1 some input unusable, 2 bad\n"
          "command line, no input found, or the output cannot be written.\n",
          header);
  return out == stdout ? G6_EXIT_OK : G6_EXIT_USAGE;
}

static void put_num(g6_buf *b, double v) {
  if (isfinite(v)) {
    char buf[32];
    g6_repr_double(v, buf);
    g6_buf_puts(b, buf);
  }
}

static void put_int(g6_buf *b, double v) {
  if (isfinite(v))
    g6_buf_printf(b, "%.0f", v);
}

typedef struct chain_meta {
  const char *source, *index;
  uint64_t seq; /* 0: none (CSV) */
  int64_t generated_at, ts;
  double spot, atm;
  const char *labels[G6_REPORT_MAX_EXPIRIES]; /* NULL: no row */
  g6_date dates[G6_REPORT_MAX_EXPIRIES];      /* year 0: unknown */
} chain_meta;

/* The rows of one chain. */
static void rows(g6_buf *out, const chain_meta *m, const g6_chain_report *r) {
  char ts[20];
  g6_ist_format_ts(m->ts, ts);
  for (size_t e = 0; e < r->n_expiries; e++) {
    if (m->labels[e] == NULL)
      continue;
    const g6_report_expiry *x = &r->ex[e];
    g6_buf_printf(out, "%s,%s,", m->source, m->index);
    if (m->seq)
      g6_buf_printf(out, "%llu", (unsigned long long)m->seq);
    g6_buf_printf(out, ",%lld,%s,", (long long)m->generated_at, ts);
    put_num(out, m->spot);
    g6_buf_putc(out, ',');
    put_int(out, m->atm);
    g6_buf_printf(out, ",%s,", m->labels[e]);
    if (m->dates[e].year != 0) {
      char d[11];
      g6_date_format(m->dates[e], d);
      g6_buf_puts(out, d);
    }
    g6_buf_putc(out, ',');
    put_num(out, x->days);
    g6_buf_printf(out, ",%zu", x->legs);
    const double v[] = {x->pcr.by_oi,
                        x->pcr.by_volume,
                        x->max_pain.strike,
                        g6_report_support(x),
                        g6_report_resistance(x),
                        x->forward,
                        x->atm_iv,
                        x->skew.call25_iv,
                        x->skew.put25_iv,
                        x->skew.rr25,
                        x->skew.bf25};
    for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
      g6_buf_putc(out, ',');
      put_num(out, v[k]);
    }
    for (int b = 0; b < G6_SURFACE_DEFAULT_BUCKETS; b++) {
      g6_buf_putc(out, ',');
      if (x->surface_row >= 0)
        put_num(out, r->surface.iv[x->surface_row][b]);
    }
    g6_buf_putc(out, '\n');
  }
}

typedef struct replay {
  g6_report_options opts;
  double r, q;
  FILE *out;
  g6_buf buf;
  g6_leg *legs;
  size_t legs_cap;
  g6_chain_report report;
  bool exclude_flagged;
  size_t snapshots, rows_bytes, unusable;
  bool write_failed;
} replay;

static bool grow_legs(replay *p, size_t n) {
  if (n <= p->legs_cap)
    return true;
  g6_leg *v = realloc(p->legs, n * sizeof(*v));
  if (v == NULL)
    return false;
  p->legs = v;
  p->legs_cap = n;
  return true;
}

static void flush_rows(replay *p) {
  if (p->buf.len > 0 &&
      fwrite(p->buf.data, 1, p->buf.len, p->out) != p->buf.len)
    p->write_failed = true;
  g6_buf_reset(&p->buf);
}

/* The cause label of an input that cannot be used: what it is when it is
 * not a file that could be read (a link, a FIFO, a path too long to open),
 * else the snapshot reader's cause (g6_analytics' label). */
static const char *cause_label(g6_status st, const char *path) {
  struct stat s;
  if (path != NULL && strlen(path) >= PATH_MAX)
    return "path_too_long";
  if (path != NULL && st == G6_EINVAL && lstat(path, &s) == 0) {
    if (S_ISLNK(s.st_mode))
      return "symbolic_link";
    if (!S_ISREG(s.st_mode))
      return "not_a_regular_file";
  }
  return g6_snapshot_error_cause(st) ? g6_snapshot_error_cause(st)
                                     : g6_status_name(st);
}

/* path: the input (NULL: none, such as running out of memory). */
static void unusable(replay *p, g6_status st, const char *msg,
                     const char *path) {
  fprintf(stderr, "g6 replay: %s (%s)\n", msg, cause_label(st, path));
  p->unusable++;
}

static void snapshot_file(replay *p, const char *path) {
  g6_snapshot_doc d;
  g6_error e;
  /* never through a symbolic link (store/snapshot_history.h: one found in
   * a directory is listed to be refused here; a named one is resolved) */
  char *text = NULL;
  size_t len = 0;
  memset(&d, 0, sizeof(d));
  g6_status st =
      g6_read_file_nofollow(path, G6_SNAPSHOT_MAX_BYTES, &text, &len, &e);
  if (st == G6_OK)
    st = g6_snapshot_parse(text, len, path, &d, &e);
  free(text);
  if (st == G6_OK && !grow_legs(p, g6_snapshot_doc_leg_count(&d)))
    st = g6_error_set(&e, G6_ENOMEM, "%s: out of memory", path);
  if (st != G6_OK) {
    unusable(p, st, e.msg, path);
    g6_snapshot_doc_free(&d);
    return;
  }
  g6_report_input in;
  g6_snapshot_doc_report_input_ex(&d, p->legs, p->exclude_flagged, &in);
  g6_chain_report_compute(&in, &p->opts, &p->report);
  chain_meta m = {.source = "snapshot",
                  .index = d.ix.name,
                  .seq = d.seq,
                  .generated_at = d.generated_at,
                  .ts = d.ts,
                  .spot = d.spot,
                  .atm = d.atm};
  char bufs[G6_REPORT_MAX_EXPIRIES][11];
  for (size_t k = 0; k < in.n_expiries; k++) {
    m.labels[k] = g6_snapshot_expiry_label(&d.expiries[k], bufs[k]);
    if (d.expiries[k].resolved)
      m.dates[k] = d.expiries[k].date;
  }
  rows(&p->buf, &m, &p->report);
  p->snapshots++;
  flush_rows(p);
  g6_snapshot_doc_free(&d);
}

static void csv_chains(replay *p, g6_csv_book *b) {
  g6_csv_strike_row c;
  size_t nc = g6_csv_book_conflicts(b, &c);
  if (nc > 0) {
    char ts[20];
    g6_ist_format_ts(c.ts, ts);
    fprintf(stderr,
            "g6 replay: warning: %zu CSV row(s) repeat the index, "
            "timestamp, expiry and strike of another with other values "
            "(files of two writers mixed?); one of each is replayed; the "
            "first: %s %s %s strike %.15g\n",
            nc, c.index, ts, c.tag, c.strike);
  }
  size_t n = g6_csv_book_chains(b);
  for (size_t i = 0; i < n; i++) {
    if (!grow_legs(p, g6_csv_book_leg_count(b, i))) {
      unusable(p, G6_ENOMEM, "out of memory", NULL);
      return;
    }
    g6_report_input in;
    chain_meta m = {.source = "csv"};
    g6_csv_book_chain(b, i, p->r, p->q, p->legs, &in, &m.index, &m.ts, m.dates);
    m.generated_at = m.ts;
    m.spot = in.S;
    m.atm = in.atm;
    for (size_t k = 0; k < in.n_expiries; k++)
      m.labels[k] = in.ex[k].tag;
    g6_chain_report_compute(&in, &p->opts, &p->report);
    rows(&p->buf, &m, &p->report);
    p->snapshots++;
    flush_rows(p);
  }
}

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* The day a CSV file is named for (".../YYYY-MM-DD.csv", g6_chain's
 * names) in day[11]; false for other names. */
static bool csv_day(const char *path, char day[11]) {
  const char *b = strrchr(path, '/');
  b = b ? b + 1 : path;
  g6_date d;
  if (strlen(b) != 14 || strcmp(b + 10, ".csv") != 0)
    return false;
  memcpy(day, b, 10);
  day[10] = '\0';
  return g6_date_parse(day, &d) == G6_OK;
}

static bool same_day(const char *path, const char day[11]) {
  char d[11];
  return csv_day(path, d) && strcmp(d, day) == 0;
}

/* Files named by day first, by day (then path); the others last. */
static int cmp_csv_day(const void *a, const void *b) {
  const char *x = *(const char *const *)a, *y = *(const char *const *)b;
  char dx[11], dy[11];
  bool hx = csv_day(x, dx), hy = csv_day(y, dy);
  if (hx != hy)
    return hx ? -1 : 1;
  int c = hx ? strcmp(dx, dy) : 0;
  return c != 0 ? c : strcmp(x, y);
}

static int parse_window(const char *opt, const char *v, double *out) {
  char *end;
  errno = 0;
  double d = strtod(v, &end);
  if (*end != '\0' || !(d > 0 && d <= 1)) {
    fprintf(stderr, "g6 replay: %s \"%s\": want a number in (0, 1]\n", opt, v);
    return -1;
  }
  *out = d;
  return 0;
}

static int parse_rate(const char *opt, const char *v, double *out) {
  char *end;
  double d = strtod(v, &end);
  if (*end != '\0' || !(d > -0.5 && d < 1)) {
    fprintf(stderr, "g6 replay: %s \"%s\": want a number in (-0.5, 1)\n", opt,
            v);
    return -1;
  }
  *out = d;
  return 0;
}

/* Opens OUT: a regular file through a temporary name renamed at the end; a
 * device or pipe (/dev/null, /dev/stdout) directly. */
static FILE *open_out(const char *path, char *tmp, size_t len) {
  struct stat s;
  tmp[0] = '\0';
  if (stat(path, &s) == 0 && !S_ISREG(s.st_mode))
    return fopen(path, "w");
  snprintf(tmp, len, "%s.tmp", path);
  return fopen(tmp, "w");
}

int g6_cmd_replay(int argc, char **argv) {
  replay p = {.opts = G6_REPORT_OPTIONS_DEFAULT,
              .r = 0.065,
              .q = 0,
              .buf = G6_BUF_INIT};
  const char *csv_out = NULL;
  const char **inputs = calloc((size_t)argc, sizeof(*inputs));
  size_t n_inputs = 0;
  if (inputs == NULL)
    return G6_EXIT_FAIL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      free(inputs);
      return usage(stdout);
    }
    bool val = !strcmp(a, "--csv") || !strcmp(a, "--r") || !strcmp(a, "--q") ||
               !strcmp(a, "--pcr-window") || !strcmp(a, "--max-pain-window");
    int bad = 0;
    if (val && i + 1 >= argc) {
      fprintf(stderr, "g6 replay: %s needs a value\n", a);
      bad = 2;
    } else if (val) {
      const char *v = argv[++i];
      if (!strcmp(a, "--csv"))
        csv_out = v;
      else if (!strcmp(a, "--r"))
        bad = parse_rate(a, v, &p.r);
      else if (!strcmp(a, "--q"))
        bad = parse_rate(a, v, &p.q);
      else if (!strcmp(a, "--pcr-window"))
        bad = parse_window(a, v, &p.opts.pcr_window);
      else
        bad = parse_window(a, v, &p.opts.max_pain_window);
    } else if (!strcmp(a, "--exclude-flagged")) {
      p.exclude_flagged = true;
    } else if (a[0] == '-' && a[1] != '\0') {
      fprintf(stderr, "g6 replay: unknown option \"%s\"\n", a);
      bad = 2;
    } else {
      inputs[n_inputs++] = a;
    }
    if (bad) {
      free(inputs);
      return bad == 2 ? usage(stderr) : G6_EXIT_USAGE;
    }
  }
  if (n_inputs == 0) {
    fprintf(stderr, "g6 replay: no DIR or FILE given\n");
    free(inputs);
    return usage(stderr);
  }
  /* every input is listed before anything is written */
  static const char *const suffixes[] = {".json", ".csv", NULL};
  char **all = NULL;
  size_t n_all = 0, n_named = 0;
  /* the files named on the command line (not found in a directory): one
   * that is not a per-strike CSV file was asked for, so it is unusable,
   * where a directory's overview files are only skipped */
  const char **named = calloc(n_inputs, sizeof(*named));
  if (named == NULL) {
    free(inputs);
    return G6_EXIT_FAIL;
  }
  for (size_t i = 0; i < n_inputs; i++) {
    char **files;
    size_t n;
    g6_error e;
    if (g6_snapshot_files(inputs[i], suffixes, &files, &n, &e) != G6_OK) {
      fprintf(stderr, "g6 replay: %s\n", e.msg);
      g6_snapshot_files_free(all, n_all);
      free(inputs);
      free(named);
      return G6_EXIT_USAGE;
    }
    struct stat sb;
    if (n == 1 && stat(inputs[i], &sb) == 0 && !S_ISDIR(sb.st_mode))
      named[n_named++] = files[0];
    char **v = realloc(all, (n_all + n + 1) * sizeof(*v));
    if (v == NULL) {
      g6_snapshot_files_free(files, n);
      g6_snapshot_files_free(all, n_all);
      free(inputs);
      free(named);
      return G6_EXIT_FAIL;
    }
    all = v;
    memcpy(all + n_all, files, n * sizeof(*files));
    n_all += n;
    free(files);
  }
  free(inputs);
  if (n_all == 0) {
    fprintf(stderr, "g6 replay: no *.json or *.csv file under the inputs\n");
    free(all);
    free(named);
    return G6_EXIT_USAGE;
  }
  char tmp[4096];
  p.out = csv_out ? open_out(csv_out, tmp, sizeof(tmp)) : stdout;
  if (p.out == NULL) {
    fprintf(stderr, "g6 replay: cannot write %s: %s\n", csv_out,
            strerror(errno));
    g6_snapshot_files_free(all, n_all);
    free(named);
    return G6_EXIT_USAGE;
  }
  if (fputs(header, p.out) == EOF)
    p.write_failed = true;
  /* snapshots as they come; CSV files afterwards, one day at a time: the
   * rows of a day's files (named YYYY-MM-DD.csv by g6_chain) are held
   * together, so memory is bounded by a day, not by the whole DataDir
   * (a year of files would be gigabytes of rows) */
  const char **csv = malloc((n_all ? n_all : 1) * sizeof(*csv));
  size_t n_csv = 0, csv_files = 0, torn_files = 0;
  for (size_t i = 0; i < n_all && csv != NULL; i++) {
    if (ends_with(all[i], ".csv"))
      csv[n_csv++] = all[i];
    else
      snapshot_file(&p, all[i]);
  }
  if (csv == NULL) {
    unusable(&p, G6_ENOMEM, "out of memory", NULL);
  } else {
    if (n_csv > 1)
      qsort(csv, n_csv, sizeof(*csv), cmp_csv_day);
    for (size_t i = 0; i < n_csv;) {
      char day[11];
      bool dated = csv_day(csv[i], day);
      size_t j = i + 1;
      while (j < n_csv && dated && same_day(csv[j], day))
        j++;
      if (!dated) /* the files not named by day: together, at the end */
        j = n_csv;
      g6_csv_book *book = g6_csv_book_new();
      if (book == NULL) {
        unusable(&p, G6_ENOMEM, "out of memory", NULL);
        break;
      }
      for (size_t k = i; k < j; k++) {
        g6_error e;
        size_t torn = g6_csv_book_torn(book);
        g6_status st = g6_csv_book_add_file(book, csv[k], &e);
        if (g6_csv_book_torn(book) > torn) {
          fprintf(stderr,
                  "g6 replay: warning: %s ends in an incomplete line (a row "
                  "cut by a crash or a partial copy, or today's file being "
                  "written): that row is left out\n",
                  csv[k]);
          torn_files++;
        }
        bool asked = false;
        for (size_t m = 0; m < n_named && !asked; m++)
          asked = named[m] == csv[k];
        if (st == G6_EUNSUPPORTED && !asked) {
          fprintf(stderr, "g6 replay: skipping %s\n", e.msg);
        } else if (st != G6_OK) {
          unusable(&p, st, e.msg, csv[k]);
        } else if (g6_csv_book_file_rows(book) == 0) {
          /* nothing of it can be replayed: said, and not counted as used
           * (an operator replaying it would otherwise get "0 chain(s)"
           * and exit 0 as if it had been) */
          fprintf(stderr,
                  "g6 replay: %s holds no data rows (an empty file, its "
                  "header alone, or only a cut last line) (empty)\n",
                  csv[k]);
          p.unusable++;
        } else {
          csv_files++;
        }
      }
      csv_chains(&p, book);
      g6_csv_book_free(book);
      i = j;
    }
  }
  free(csv);
  free(named);
  g6_snapshot_files_free(all, n_all);
  free(p.legs);
  g6_buf_free(&p.buf);
  if (p.out != stdout) {
    if (fclose(p.out) != 0)
      p.write_failed = true;
    if (!p.write_failed && tmp[0] && rename(tmp, csv_out) != 0)
      p.write_failed = true;
    if (p.write_failed && tmp[0])
      remove(tmp);
  } else if (fflush(stdout) != 0) {
    p.write_failed = true;
  }
  if (p.write_failed) {
    fprintf(stderr, "g6 replay: cannot write %s: %s\n",
            csv_out ? csv_out : "stdout", strerror(errno));
    return G6_EXIT_USAGE;
  }
  fprintf(stderr,
          "g6 replay: %zu chain(s) replayed (%zu CSV file(s)%s), %zu "
          "input(s) unusable\n",
          p.snapshots, csv_files,
          torn_files == 0   ? ""
          : torn_files == 1 ? ", 1 of them with its last row cut"
                            : ", some with their last row cut (named above)",
          p.unusable);
  return p.unusable ? G6_EXIT_FAIL : G6_EXIT_OK;
}
