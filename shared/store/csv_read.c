/* Reading the option CSV files back as chains (see store/csv_read.h). */
#include "store/csv_read.h"
#include "core/array.h"

#include "core/fsutil.h"
#include "market/chain.h"
#include "store/csv_sink.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NCOL 32
#define YEAR_SECONDS (365.0 * 86400.0)
#define MAX_FILE_BYTES (256u << 20)

static const char *const col_names[NCOL] = {"timestamp",
                                            "index",
                                            "expiry_tag",
                                            "expiry_date",
                                            "offset",
                                            "index_price",
                                            "atm",
                                            "strike",
                                            "ce",
                                            "pe",
                                            "tp",
                                            "avg_ce",
                                            "avg_pe",
                                            "avg_tp",
                                            "ce_vol",
                                            "pe_vol",
                                            "ce_oi",
                                            "pe_oi",
                                            "ce_iv",
                                            "pe_iv",
                                            "ce_delta",
                                            "pe_delta",
                                            "ce_theta",
                                            "pe_theta",
                                            "ce_vega",
                                            "pe_vega",
                                            "ce_gamma",
                                            "pe_gamma",
                                            "ce_rho",
                                            "pe_rho",
                                            "tp_net_change",
                                            "tp_day_change"};

bool g6_csv_number(const char *s, size_t len, double *out) {
  char buf[64];
  if (len == 0 || len >= sizeof(buf))
    return false;
  /* the decimal forms a writer of the format uses (Python's repr, g6's
   * shortest round trip): a sign, digits, a point, an exponent; strtod
   * alone would also take hexadecimal ("0x10" = 16), leading blanks, "+"
   * and "infinity" */
  if (!(s[0] == '-' || s[0] == '.' || (s[0] >= '0' && s[0] <= '9')))
    return false;
  for (size_t i = 0; i < len; i++)
    if (strchr("0123456789.eE+-", s[i]) == NULL || s[i] == '\0')
      return false;
  memcpy(buf, s, len);
  buf[len] = '\0';
  char *end;
  errno = 0;
  double v = strtod(buf, &end);
  /* end at the cell's end, not at a NUL inside it ("0.1\0junk") */
  if (end != buf + len || !isfinite(v))
    return false;
  *out = v;
  return true;
}

/* 0.0 in an IV or Greek column means "not available". */
static double known(double v) { return v == 0 ? NAN : v; }

g6_status g6_csv_strike_row_parse(const char *line, g6_csv_strike_row *row,
                                  g6_error *err) {
  const char *f[NCOL];
  size_t len[NCOL], n = 0;
  const char *p = line;
  for (;;) {
    const char *c = strchr(p, ',');
    if (n == NCOL)
      return g6_error_set(err, G6_EPARSE, "more than %d columns", NCOL);
    f[n] = p;
    len[n++] = c ? (size_t)(c - p) : strlen(p);
    if (c == NULL)
      break;
    p = c + 1;
  }
  if (n != NCOL)
    return g6_error_set(err, G6_EPARSE, "%zu columns; expected %d", n, NCOL);
  memset(row, 0, sizeof(*row));
  char ex[41]; /* a cell quoted in a message: bounded, control bytes '?' */
  if (len[0] == 9 && memcmp(f[0], "timestamp", 9) == 0)
    return g6_error_set(err, G6_EPARSE,
                        "a repeated header line (\"timestamp,index,...\" "
                        "again: files concatenated?); a header is only the "
                        "first line");
  if (g6_ist_parse_ts(f[0], len[0], &row->ts) != G6_OK)
    return g6_error_set(
        err, G6_EPARSE,
        g6_digit_shape(f[0], len[0], "dd-dd-dddd dd:dd:dd")
            ? "timestamp \"%s\": no such date or time (DD-MM-YYYY "
              "HH:MM:SS: a day of the month that exists, a year from 1970, "
              "hours 00-23, minutes and seconds 00-59)"
            : "timestamp \"%s\": expected DD-MM-YYYY HH:MM:SS",
        g6_printable(f[0], len[0], ex, sizeof(ex)));
  row->sod = (int)(((row->ts + G6_IST_OFFSET_S) % 86400 + 86400) % 86400);
  if (len[1] == 0 || len[1] >= sizeof(row->index) || len[2] == 0 ||
      len[2] >= sizeof(row->tag))
    return g6_error_set(err, G6_EPARSE,
                        "index or expiry_tag is empty or too "
                        "long");
  memcpy(row->index, f[1], len[1]);
  memcpy(row->tag, f[2], len[2]);
  /* both name directories and land in labels, output rows and messages:
   * only what g6_chain writes (no '/', quotes, control bytes) */
  if (!g6_index_name_valid(row->index))
    return g6_error_set(err, G6_EPARSE,
                        "index \"%s\": an index name is 1-31 letters, "
                        "digits, '_' or '-'",
                        g6_printable(f[1], len[1], ex, sizeof(ex)));
  for (size_t i = 0; i < len[2]; i++)
    if (!isalnum((unsigned char)row->tag[i]) && row->tag[i] != '_' &&
        row->tag[i] != '-')
      return g6_error_set(err, G6_EPARSE,
                          "expiry_tag \"%s\": a tag is 1-15 letters, "
                          "digits, '_' or '-'",
                          g6_printable(f[2], len[2], ex, sizeof(ex)));
  char date[16];
  if (len[3] >= sizeof(date))
    return g6_error_set(err, G6_EPARSE, "expiry_date: expected YYYY-MM-DD");
  memcpy(date, f[3], len[3]);
  date[len[3]] = '\0';
  if (g6_date_parse(date, &row->expiry) != G6_OK)
    return g6_error_set(err, G6_EPARSE,
                        g6_digit_shape(date, len[3], "dddd-dd-dd")
                            ? "expiry_date \"%s\": no such date (YYYY-MM-DD: "
                              "a day of the month that exists, a year from "
                              "1970)"
                            : "expiry_date \"%s\": expected YYYY-MM-DD",
                        g6_printable(date, len[3], ex, sizeof(ex)));
  double v[NCOL];
  for (int k = 4; k < NCOL; k++)
    if (!g6_csv_number(f[k], len[k], &v[k]))
      return g6_error_set(err, G6_EPARSE, "%s \"%s\": expected a number",
                          col_names[k],
                          g6_printable(f[k], len[k], ex, sizeof(ex)));
  /* prices, strikes and counts are never negative; an index price or ATM
   * of 0 is the format's "unknown" (an index is never worth 0) */
  static const int nonneg[] = {5, 6, 8, 9, 11, 12, 14, 15, 16, 17};
  for (size_t k = 0; k < sizeof(nonneg) / sizeof(nonneg[0]); k++)
    if (v[nonneg[k]] < 0)
      return g6_error_set(err, G6_EPARSE,
                          "%s \"%s\": expected a number >= 0 (0: not "
                          "known)",
                          col_names[nonneg[k]],
                          g6_printable(f[nonneg[k]], len[nonneg[k]], ex,
                                       sizeof(ex)));
  if (!(v[7] > 0))
    return g6_error_set(err, G6_EPARSE,
                        "strike \"%s\": expected a number > 0",
                        g6_printable(f[7], len[7], ex, sizeof(ex)));
  row->offset = v[4];
  row->index_price = v[5] > 0 ? v[5] : NAN;
  row->atm = v[6] > 0 ? v[6] : NAN;
  row->strike = v[7];
  /* a side written as zeros was not collected */
  row->ce = v[8] > 0 ? v[8] : NAN;
  row->pe = v[9] > 0 ? v[9] : NAN;
  bool ce = !isnan(row->ce), pe = !isnan(row->pe);
  row->avg_ce = ce ? known(v[11]) : NAN;
  row->avg_pe = pe ? known(v[12]) : NAN;
  row->ce_vol = ce ? v[14] : NAN;
  row->pe_vol = pe ? v[15] : NAN;
  row->ce_oi = ce ? v[16] : NAN;
  row->pe_oi = pe ? v[17] : NAN;
  double *out[] = {&row->ce_iv,    &row->pe_iv,    &row->ce_delta,
                   &row->pe_delta, &row->ce_theta, &row->pe_theta,
                   &row->ce_vega,  &row->pe_vega,  &row->ce_gamma,
                   &row->pe_gamma, &row->ce_rho,   &row->pe_rho};
  for (int k = 0; k < 12; k++)
    *out[k] = (k % 2 == 0 ? ce : pe) ? known(v[18 + k]) : NAN;
  return G6_OK;
}

g6_status g6_csv_strike_file(const char *path, g6_csv_row_fn fn, void *ctx,
                             g6_error *err) {
  return g6_csv_strike_file_torn(path, fn, ctx, NULL, err);
}

g6_status g6_csv_strike_file_torn(const char *path, g6_csv_row_fn fn,
                                  void *ctx, bool *torn, g6_error *err) {
  bool cut = false;
  if (torn != NULL)
    *torn = false;
  char *text = NULL;
  size_t len = 0;
  /* never through a symbolic link: g6_chain never writes through one
   * (store/csv_sink.h), so whatever one points to is not its file */
  g6_status st = g6_read_file_nofollow(path, MAX_FILE_BYTES, &text, &len, err);
  if (st != G6_OK)
    return st;
  char *line = text, *end = text + len;
  size_t hl = strlen(g6_csv_option_header), lineno = 1;
  /* a UTF-8 byte order mark (the file went through an editor) */
  if (end - line >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0)
    line += 3;
  size_t left = (size_t)(end - line);
  /* empty: created, its header not written yet (the sink writes it with the
   * first rows) */
  if (left == 0) {
    free(text);
    return G6_OK;
  }
  if (left < hl || memcmp(line, g6_csv_option_header, hl) != 0 ||
      (left > hl && line[hl] != '\n' &&
       !(line[hl] == '\r' && left > hl + 1 && line[hl + 1] == '\n'))) {
    free(text);
    return g6_error_set(err, G6_EUNSUPPORTED,
                        "%s: not a per-strike option file (its first line is "
                        "not the 32-column header)",
                        path);
  }
  line += hl;
  line = line < end ? strchr(line, '\n') + 1 : end;
  while (line < end) {
    char *nl = memchr(line, '\n', (size_t)(end - line));
    lineno++;
    if (nl == NULL) { /* an incomplete last line: a write in progress */
      cut = true;
      break;
    }
    *nl = '\0';
    if (nl > line && nl[-1] == '\r')
      nl[-1] = '\0';
    g6_csv_strike_row row;
    g6_error e;
    if (line[0] != '\0') {
      if (g6_csv_strike_row_parse(line, &row, &e) != G6_OK) {
        st = g6_error_set(err, G6_EPARSE, "%s:%zu: %s", path, lineno, e.msg);
        break;
      }
      if (!fn(ctx, &row))
        break;
    }
    line = nl + 1;
  }
  free(text);
  if (torn != NULL)
    *torn = cut && st == G6_OK;
  return st;
}

/* ---- the book --------------------------------------------------------------
 */

struct g6_csv_book {
  g6_csv_strike_row *rows;
  size_t n, cap;
  bool sorted, oom;
  size_t conflicts;            /* rows dropped as differing duplicates */
  g6_csv_strike_row conflict; /* the first of them */
  size_t *chain_start; /* n_chains + 1 offsets into rows */
  size_t n_chains;
  size_t torn; /* files that ended in an incomplete line */
  size_t file_rows; /* rows the last g6_csv_book_add_file added */
  /* while a file is added: the IST day its name says (day_ts, day_ts +
   * 86400), or day_ts 0; the first row of another day and its number */
  int64_t day_ts;
  size_t day_rows;
  bool stray;
  g6_csv_strike_row stray_row;
  size_t stray_at;
};

g6_csv_book *g6_csv_book_new(void) { return calloc(1, sizeof(g6_csv_book)); }

void g6_csv_book_free(g6_csv_book *b) {
  if (b == NULL)
    return;
  free(b->rows);
  free(b->chain_start);
  free(b);
}

static bool add_row(void *ctx, const g6_csv_strike_row *row) {
  g6_csv_book *b = ctx;
  b->day_rows++;
  if (b->day_ts != 0 && (row->ts < b->day_ts || row->ts >= b->day_ts + 86400)) {
    b->stray = true;
    b->stray_row = *row;
    b->stray_at = b->day_rows;
    return false;
  }
  if (!g6_array_room(&b->rows, &b->cap, b->n, sizeof(*b->rows), 1024)) {
    b->oom = true;
    return false;
  }
  b->rows[b->n++] = *row;
  b->sorted = false;
  return true;
}

/* The IST midnight of the day a file's name says (".../YYYY-MM-DD.csv",
 * g6_chain's names); 0 for other names. */
static int64_t name_day(const char *path) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  char day[11];
  g6_date d;
  if (strlen(base) != 14 || strcmp(base + 10, ".csv") != 0)
    return 0;
  memcpy(day, base, 10);
  day[10] = '\0';
  return g6_date_parse(day, &d) == G6_OK ? g6_ist_epoch(d, 0, 0, 0) : 0;
}

g6_status g6_csv_book_add_file(g6_csv_book *b, const char *path,
                               g6_error *err) {
  size_t before = b->n;
  b->oom = false;
  b->stray = false;
  b->day_rows = 0;
  b->day_ts = name_day(path);
  bool cut = false;
  g6_status st = g6_csv_strike_file_torn(path, add_row, b, &cut, err);
  if (st == G6_OK && b->oom)
    st = g6_error_set(err, G6_ENOMEM, "%s: out of memory", path);
  if (st == G6_OK && b->stray) {
    char ts[20], day[11];
    g6_ist_format_ts(b->stray_row.ts, ts);
    g6_ist_format_date(b->day_ts, day);
    st = g6_error_set(err, G6_EPARSE,
                      "%s: data row %zu is of %s, not of %s as the file's "
                      "name says (g6_chain writes a row to the file of its "
                      "IST day: renamed or concatenated?); none of its rows "
                      "is used",
                      path, b->stray_at, ts, day);
  }
  /* a file is used whole or not at all: the rows before a bad line would
   * make chains that lack its strike at every later time */
  if (st != G6_OK) {
    b->n = before;
    cut = false;
  }
  b->file_rows = b->n - before;
  b->day_ts = 0;
  if (cut)
    b->torn++;
  return st;
}

size_t g6_csv_book_file_rows(const g6_csv_book *b) { return b->file_rows; }

size_t g6_csv_book_torn(const g6_csv_book *b) { return b->torn; }

static int tag_rank(const char *tag) {
  int i = g6_expiry_tag_index(tag);
  return i >= 0 ? i : G6_EXPIRY_TAG_COUNT;
}

static int cmp_rows(const void *pa, const void *pb) {
  const g6_csv_strike_row *a = pa, *b = pb;
  if (a->ts != b->ts)
    return a->ts < b->ts ? -1 : 1;
  int c = strcmp(a->index, b->index);
  if (c != 0)
    return c;
  int ra = tag_rank(a->tag), rb = tag_rank(b->tag);
  if (ra != rb)
    return ra < rb ? -1 : 1;
  if ((c = strcmp(a->tag, b->tag)) != 0)
    return c;
  return a->strike < b->strike ? -1 : a->strike > b->strike;
}

/* Orders rows that cmp_rows finds equal by their values (NaN first), so
 * which of two differing duplicates is kept does not depend on the order
 * the files were read in. */
static int cmp_num(double a, double b) {
  if (isnan(a) || isnan(b))
    return isnan(a) == isnan(b) ? 0 : isnan(a) ? -1 : 1;
  return a < b ? -1 : a > b;
}

#define ROW_VALUES 23

/* The row's numbers in column order, for cmp_values. */
static void row_values(const g6_csv_strike_row *r, double v[ROW_VALUES]) {
  const double x[ROW_VALUES] = {
      r->offset,   r->index_price, r->atm,      r->ce,       r->pe,
      r->avg_ce,   r->avg_pe,      r->ce_vol,   r->pe_vol,   r->ce_oi,
      r->pe_oi,    r->ce_iv,       r->pe_iv,    r->ce_delta, r->pe_delta,
      r->ce_theta, r->pe_theta,    r->ce_vega,  r->pe_vega,  r->ce_gamma,
      r->pe_gamma, r->ce_rho,      r->pe_rho};
  memcpy(v, x, sizeof(x));
}

static int cmp_values(const g6_csv_strike_row *a, const g6_csv_strike_row *b) {
  double x[ROW_VALUES], y[ROW_VALUES];
  row_values(a, x);
  row_values(b, y);
  int c = 0;
  for (size_t k = 0; k < ROW_VALUES && c == 0; k++)
    c = cmp_num(x[k], y[k]);
  if (c == 0 && a->expiry.year != b->expiry.year)
    c = a->expiry.year < b->expiry.year ? -1 : 1;
  if (c == 0 && a->expiry.month != b->expiry.month)
    c = a->expiry.month < b->expiry.month ? -1 : 1;
  if (c == 0 && a->expiry.day != b->expiry.day)
    c = a->expiry.day < b->expiry.day ? -1 : 1;
  return c;
}

static int cmp_rows_values(const void *pa, const void *pb) {
  int c = cmp_rows(pa, pb);
  return c != 0 ? c : cmp_values(pa, pb);
}

static bool same_chain(const g6_csv_strike_row *a, const g6_csv_strike_row *b) {
  return a->ts == b->ts && strcmp(a->index, b->index) == 0;
}

static void sort_book(g6_csv_book *b) {
  if (b->sorted)
    return;
  if (b->n > 1) /* qsort must not get the NULL rows of an empty book */
    qsort(b->rows, b->n, sizeof(*b->rows), cmp_rows_values);
  /* a row given twice (the same file twice) counts once; a second row of
   * the same index, time, expiry and strike with other values is a
   * conflict: counted, the first by value kept */
  size_t u = 0;
  for (size_t i = 0; i < b->n; i++) {
    if (u > 0 && cmp_rows(&b->rows[u - 1], &b->rows[i]) == 0) {
      if (cmp_values(&b->rows[u - 1], &b->rows[i]) != 0 &&
          b->conflicts++ == 0)
        b->conflict = b->rows[i];
      continue;
    }
    b->rows[u++] = b->rows[i];
  }
  b->n = u;
  free(b->chain_start);
  b->chain_start = malloc((b->n + 1) * sizeof(size_t));
  b->n_chains = 0;
  if (b->chain_start == NULL) {
    b->n = 0; /* out of memory: an empty book rather than a wrong one */
    return;
  }
  for (size_t i = 0; i < b->n; i++)
    if (i == 0 || !same_chain(&b->rows[i - 1], &b->rows[i]))
      b->chain_start[b->n_chains++] = i;
  b->chain_start[b->n_chains] = b->n;
  b->sorted = true;
}

size_t g6_csv_book_conflicts(g6_csv_book *b, g6_csv_strike_row *first) {
  sort_book(b);
  if (b->conflicts > 0 && first != NULL)
    *first = b->conflict;
  return b->conflicts;
}

size_t g6_csv_book_chains(g6_csv_book *b) {
  sort_book(b);
  return b->n_chains;
}

size_t g6_csv_book_leg_count(g6_csv_book *b, size_t i) {
  sort_book(b);
  if (i >= b->n_chains)
    return 0;
  size_t n = 0;
  for (size_t k = b->chain_start[i]; k < b->chain_start[i + 1]; k++)
    n += (size_t)!isnan(b->rows[k].ce) + (size_t)!isnan(b->rows[k].pe);
  return n;
}

static g6_leg side_leg(const g6_csv_strike_row *r, bool put, int64_t expiry,
                       double T) {
  g6_leg l = g6_leg_make(r->strike, put ? G6_PUT : G6_CALL, expiry, T);
  l.last = put ? r->pe : r->ce;
  l.volume = put ? r->pe_vol : r->ce_vol;
  l.oi = put ? r->pe_oi : r->ce_oi;
  l.iv = put ? r->pe_iv : r->ce_iv;
  l.delta = put ? r->pe_delta : r->ce_delta;
  l.gamma = put ? r->pe_gamma : r->ce_gamma;
  l.theta = put ? r->pe_theta : r->ce_theta;
  l.vega = put ? r->pe_vega : r->ce_vega;
  l.rho = put ? r->pe_rho : r->ce_rho;
  return l;
}

void g6_csv_book_chain(g6_csv_book *b, size_t i, double r, double q,
                       g6_leg *legs, g6_report_input *in, const char **index,
                       int64_t *ts, g6_date *dates) {
  sort_book(b);
  memset(in, 0, sizeof(*in));
  in->r = r;
  in->q = q;
  in->legs = legs;
  in->S = in->atm = NAN;
  if (i >= b->n_chains)
    return;
  size_t start = b->chain_start[i], end = b->chain_start[i + 1], n = 0;
  const g6_csv_strike_row *first = &b->rows[start];
  *index = first->index;
  *ts = first->ts;
  in->S = first->index_price;
  in->atm = first->atm;
  for (size_t k = start; k < end;) {
    const char *tag = b->rows[k].tag;
    size_t e = k;
    while (e < end && strcmp(b->rows[e].tag, tag) == 0)
      e++;
    if (in->n_expiries < G6_REPORT_MAX_EXPIRIES) {
      g6_report_expiry_input *x = &in->ex[in->n_expiries];
      x->tag = tag;
      x->resolved = true;
      x->expiry = g6_expiry_epoch(b->rows[k].expiry);
      x->T = ((double)x->expiry - (double)*ts) / YEAR_SECONDS;
      x->first = n;
      for (size_t j = k; j < e; j++) {
        if (!isnan(b->rows[j].ce))
          legs[n++] = side_leg(&b->rows[j], false, x->expiry, x->T);
        if (!isnan(b->rows[j].pe))
          legs[n++] = side_leg(&b->rows[j], true, x->expiry, x->T);
      }
      x->n = n - x->first;
      if (dates != NULL)
        dates[in->n_expiries] = b->rows[k].expiry;
      in->n_expiries++;
    }
    k = e;
  }
  in->n_legs = n;
}
