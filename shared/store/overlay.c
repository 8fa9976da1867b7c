/* End-of-day weekday overlays (see store/overlay.h). */
#include "store/overlay.h"
#include "core/array.h"

#include "core/buf.h"
#include "core/fsutil.h"
#include "core/json.h"
#include "store/csv_read.h"
#include "store/retention.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NSER 18

/* snprintf into a path buffer; false when it does not fit. */
static bool fmt_path(char *out, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool fmt_path(char *out, size_t len, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(out, len, fmt, ap);
  va_end(ap);
  return n >= 0 && (size_t)n < len;
}
#define STATE_SCHEMA "g6.overlay.state/1"
#define MAX_FILE (64u << 20)

/* tp, avg_tp, then the 16 per-side series, in the master's column order. */
static const char *const ser[NSER] = {
    "tp",      "avg_tp",  "ce_vol",   "pe_vol",   "ce_oi",    "pe_oi",
    "ce_iv",   "pe_iv",   "ce_delta", "pe_delta", "ce_theta", "pe_theta",
    "ce_vega", "pe_vega", "ce_gamma", "pe_gamma", "ce_rho",   "pe_rho"};

static const char *const weekdays[7] = {"MONDAY",   "TUESDAY", "WEDNESDAY",
                                        "THURSDAY", "FRIDAY",  "SATURDAY",
                                        "SUNDAY"};

const char *g6_overlay_weekday(g6_date d) {
  return weekdays[g6_weekday(g6_days_from_civil(d.year, d.month, d.day))];
}

/* ---- state ----------------------------------------------------------------
 */

typedef struct orow {
  int sod;
  uint64_t counter;
  uint64_t n[NSER];
  double mean[NSER], ema[NSER];
} orow;

typedef struct ostate {
  orow *v;
  size_t n, cap;
  char (*applied)[11];
  size_t n_applied, cap_applied;
} ostate;

static void state_free(ostate *s) {
  free(s->v);
  free(s->applied);
  memset(s, 0, sizeof(*s));
}

static bool state_copy(ostate *dst, const ostate *src) {
  memset(dst, 0, sizeof(*dst));
  if (src->n) {
    dst->v = malloc(src->n * sizeof(orow));
    if (dst->v == NULL)
      return false;
    memcpy(dst->v, src->v, src->n * sizeof(orow));
  }
  dst->n = dst->cap = src->n;
  if (src->n_applied) {
    dst->applied = malloc(src->n_applied * sizeof(*dst->applied));
    if (dst->applied == NULL)
      return false;
    memcpy(dst->applied, src->applied, src->n_applied * sizeof(*src->applied));
  }
  dst->n_applied = dst->cap_applied = src->n_applied;
  return true;
}

static bool add_applied(ostate *s, const char *date) {
  if (s->n_applied == s->cap_applied) {
    size_t cap = s->cap_applied ? 2 * s->cap_applied : 16;
    char(*v)[11] = realloc(s->applied, cap * sizeof(*v));
    if (v == NULL)
      return false;
    s->applied = v;
    s->cap_applied = cap;
  }
  snprintf(s->applied[s->n_applied++], 11, "%s", date);
  return true;
}

/* The row of time `sod`, inserted (zeroed) in order when missing. */
static orow *row_at(ostate *s, int sod) {
  size_t lo = 0, hi = s->n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (s->v[mid].sod < sod)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < s->n && s->v[lo].sod == sod)
    return &s->v[lo];
  if (!g6_array_room(&s->v, &s->cap, s->n, sizeof(*s->v), 256))
    return NULL;
  memmove(&s->v[lo + 1], &s->v[lo], (s->n - lo) * sizeof(orow));
  s->n++;
  orow *r = &s->v[lo];
  memset(r, 0, sizeof(*r));
  r->sod = sod;
  return r;
}

static void put_time(g6_buf *b, int sod) {
  g6_buf_printf(b, "%02d:%02d:%02d", sod / 3600, sod / 60 % 60, sod % 60);
}

static bool parse_time(const char *s, size_t len, int *sod) {
  if (len != 8 || s[2] != ':' || s[5] != ':')
    return false;
  int v[3];
  for (int k = 0; k < 3; k++) {
    const char *p = s + 3 * k;
    if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
      return false;
    v[k] = (p[0] - '0') * 10 + (p[1] - '0');
  }
  if (v[0] > 23 || v[1] > 59 || v[2] > 59)
    return false;
  *sod = v[0] * 3600 + v[1] * 60 + v[2];
  return true;
}

static void put_repr(g6_buf *b, double v) {
  char r[32];
  g6_repr_double(v, r);
  g6_buf_puts(b, r);
}

static g6_status state_dump(const ostate *s, g6_buf *b) {
  g6_buf_puts(b, STATE_SCHEMA "\napplied");
  for (size_t i = 0; i < s->n_applied; i++)
    g6_buf_printf(b, ",%s", s->applied[i]);
  g6_buf_puts(b, "\ntimestamp,counter");
  for (int k = 0; k < NSER; k++)
    g6_buf_printf(b, ",%s_n,%s_mean,%s_ema", ser[k], ser[k], ser[k]);
  g6_buf_putc(b, '\n');
  for (size_t i = 0; i < s->n; i++) {
    const orow *r = &s->v[i];
    put_time(b, r->sod);
    g6_buf_printf(b, ",%llu", (unsigned long long)r->counter);
    for (int k = 0; k < NSER; k++) {
      g6_buf_printf(b, ",%llu,", (unsigned long long)r->n[k]);
      if (r->n[k]) {
        put_repr(b, r->mean[k]);
        g6_buf_putc(b, ',');
        put_repr(b, r->ema[k]);
      } else {
        g6_buf_putc(b, ',');
      }
    }
    g6_buf_putc(b, '\n');
  }
  return b->data == NULL ? G6_ENOMEM : G6_OK;
}

/* Splits a line at commas in place; returns the field count (<= max). */
static size_t split(char *line, char **f, size_t max) {
  size_t n = 0;
  for (char *p = line;;) {
    if (n == max)
      return max + 1;
    f[n++] = p;
    char *c = strchr(p, ',');
    if (c == NULL)
      return n;
    *c = '\0';
    p = c + 1;
  }
}

static bool num_field(const char *s, double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s || *end != '\0' || !isfinite(v))
    return false;
  *out = v;
  return true;
}

static bool count_field(const char *s, uint64_t *out) {
  char *end;
  errno = 0;
  if (s[0] < '0' || s[0] > '9')
    return false;
  unsigned long long v = strtoull(s, &end, 10);
  if (*end != '\0' || errno != 0)
    return false;
  *out = v;
  return true;
}

/* Reads a state file. G6_ENOENT when absent. */
static g6_status state_load(const char *path, ostate *s, g6_error *err) {
  memset(s, 0, sizeof(*s));
  char *text = NULL;
  size_t len = 0;
  g6_status st = g6_read_file(path, MAX_FILE, &text, &len, err);
  if (st != G6_OK)
    return st;
  size_t lineno = 0;
  char *save = NULL, *line = strtok_r(text, "\n", &save);
  enum { NF = 2 + 3 * NSER };
  char *f[NF + 1];
  for (; line != NULL; line = strtok_r(NULL, "\n", &save)) {
    lineno++;
    bool ok = true;
    if (lineno == 1) {
      ok = strcmp(line, STATE_SCHEMA) == 0;
    } else if (lineno == 2) {
      size_t n = split(line, f, NF);
      ok = n <= NF && strcmp(f[0], "applied") == 0;
      for (size_t i = 1; ok && i < n; i++) {
        g6_date d;
        ok = g6_date_parse(f[i], &d) == G6_OK && add_applied(s, f[i]);
      }
    } else if (lineno == 3) {
      ok = strncmp(line, "timestamp,counter,", 18) == 0;
    } else {
      size_t n = split(line, f, NF);
      int sod;
      orow r;
      memset(&r, 0, sizeof(r));
      ok = n == NF && parse_time(f[0], strlen(f[0]), &sod) &&
           count_field(f[1], &r.counter);
      for (int k = 0; ok && k < NSER; k++) {
        ok = count_field(f[2 + 3 * k], &r.n[k]);
        if (ok && r.n[k])
          ok = num_field(f[3 + 3 * k], &r.mean[k]) &&
               num_field(f[4 + 3 * k], &r.ema[k]);
      }
      orow *dst = ok ? row_at(s, sod) : NULL;
      if (ok && dst == NULL)
        st = g6_error_set(err, G6_ENOMEM, "out of memory");
      else if (ok)
        *dst = (r.sod = sod, r);
    }
    if (!ok) {
      st = g6_error_set(err, G6_EPARSE,
                        "%s:%zu: not a " STATE_SCHEMA " line; remove the "
                        "state file to start the master again from its CSV",
                        path, lineno);
      break;
    }
    if (st != G6_OK)
      break;
  }
  if (st == G6_OK && lineno < 3)
    st = g6_error_set(err, G6_EPARSE, "%s: truncated state file", path);
  free(text);
  if (st != G6_OK)
    state_free(s);
  return st;
}

/* Takes over a master the old platform wrote (no state file): its values,
 * with `counter` observations in every non-empty column. */
static g6_status master_import(const char *path, ostate *s, g6_error *err) {
  memset(s, 0, sizeof(*s));
  char *text = NULL;
  size_t len = 0;
  g6_status st = g6_read_file(path, MAX_FILE, &text, &len, err);
  if (st != G6_OK)
    return st;
  enum { MAXC = 64 };
  char *f[MAXC + 1];
  int col_mean[NSER], col_ema[NSER], col_ts = -1, col_counter = -1;
  for (int k = 0; k < NSER; k++)
    col_mean[k] = col_ema[k] = -1;
  size_t lineno = 0, ncol = 0;
  char *save = NULL, *line = strtok_r(text, "\n", &save);
  for (; line != NULL && st == G6_OK; line = strtok_r(NULL, "\n", &save)) {
    lineno++;
    size_t ll = strlen(line);
    if (ll > 0 && line[ll - 1] == '\r')
      line[ll - 1] = '\0';
    size_t n = split(line, f, MAXC);
    if (lineno == 1) {
      ncol = n;
      for (size_t c = 0; c < n && n <= MAXC; c++) {
        if (strcmp(f[c], "timestamp") == 0)
          col_ts = (int)c;
        else if (strcmp(f[c], "counter") == 0)
          col_counter = (int)c;
        for (int k = 0; k < NSER; k++) {
          char name[32];
          snprintf(name, sizeof(name), "%s_mean", ser[k]);
          if (strcmp(f[c], name) == 0)
            col_mean[k] = (int)c;
          snprintf(name, sizeof(name), "%s_ema", ser[k]);
          if (strcmp(f[c], name) == 0)
            col_ema[k] = (int)c;
        }
      }
      if (col_ts < 0 || col_counter < 0 || col_mean[0] < 0 || col_ema[0] < 0)
        st = g6_error_set(err, G6_EUNSUPPORTED,
                          "%s: not a weekday overlay master (no timestamp, "
                          "tp_mean, tp_ema and counter columns)",
                          path);
      continue;
    }
    int sod;
    orow r;
    memset(&r, 0, sizeof(r));
    bool ok = n == ncol && parse_time(f[col_ts], strlen(f[col_ts]), &sod) &&
              count_field(f[col_counter], &r.counter);
    for (int k = 0; ok && k < NSER; k++) {
      if (col_mean[k] < 0 || f[col_mean[k]][0] == '\0')
        continue;
      ok = num_field(f[col_mean[k]], &r.mean[k]) &&
           (col_ema[k] < 0 ? (r.ema[k] = r.mean[k], true)
                           : num_field(f[col_ema[k]], &r.ema[k]));
      r.n[k] = r.counter;
    }
    if (!ok) {
      st = g6_error_set(err, G6_EPARSE, "%s:%zu: not a master row", path,
                        lineno);
      break;
    }
    orow *dst = row_at(s, sod);
    if (dst == NULL)
      st = g6_error_set(err, G6_ENOMEM, "out of memory");
    else
      *dst = (r.sod = sod, r);
  }
  free(text);
  if (st != G6_OK)
    state_free(s);
  return st;
}

static void put_fixed(g6_buf *b, uint64_t n, double v) {
  if (n) /* never observed: empty, not 0 */
    g6_buf_printf(b, "%.6f", v);
}

static g6_status master_dump(const ostate *s, const char *index,
                             const char *tag, const char *offset, g6_buf *b) {
  g6_buf_puts(b, "timestamp,tp_mean,tp_ema,avg_tp_mean,avg_tp_ema");
  for (int k = 2; k < NSER; k++)
    g6_buf_printf(b, ",%s_mean", ser[k]);
  for (int k = 2; k < NSER; k++)
    g6_buf_printf(b, ",%s_ema", ser[k]);
  g6_buf_puts(b, ",counter,index,expiry_tag,offset\n");
  for (size_t i = 0; i < s->n; i++) {
    const orow *r = &s->v[i];
    put_time(b, r->sod);
    for (int k = 0; k < 2; k++) {
      g6_buf_putc(b, ',');
      put_fixed(b, r->n[k], r->mean[k]);
      g6_buf_putc(b, ',');
      put_fixed(b, r->n[k], r->ema[k]);
    }
    for (int k = 2; k < NSER; k++) {
      g6_buf_putc(b, ',');
      put_fixed(b, r->n[k], r->mean[k]);
    }
    for (int k = 2; k < NSER; k++) {
      g6_buf_putc(b, ',');
      put_fixed(b, r->n[k], r->ema[k]);
    }
    g6_buf_printf(b, ",%llu,%s,%s,%s\n", (unsigned long long)r->counter, index,
                  tag, offset);
  }
  return b->data == NULL ? G6_ENOMEM : G6_OK;
}

/* ---- one day of one file ---------------------------------------------------
 */

typedef struct day_row {
  int sod;
  double x[NSER];
} day_row;

typedef struct day {
  day_row *v;
  size_t n, cap;
  int open, close;
  bool oom;
  int64_t first_ts, end_ts; /* the day's [00:00, 24:00) IST */
  const char *index;        /* the index the file's directory names */
  size_t seen;              /* data rows passed so far */
  const g6_csv_strike_row *stray; /* a row of another day or index */
} day;

static double sum2(double a, double b) {
  return isnan(a) || isnan(b) ? NAN : a + b;
}

static bool day_add(void *ctx, const g6_csv_strike_row *r) {
  day *d = ctx;
  d->seen++;
  /* a file of another day or index under this name (a copy, a restore)
   * would be folded into the wrong weekday or index: refused */
  if (r->ts < d->first_ts || r->ts >= d->end_ts ||
      strcmp(r->index, d->index) != 0) {
    d->stray = r;
    return false;
  }
  if (r->sod < d->open || r->sod > d->close)
    return true;
  if (d->n == d->cap) {
    size_t cap = d->cap ? 2 * d->cap : 1024;
    day_row *v = realloc(d->v, cap * sizeof(*v));
    if (v == NULL) {
      d->oom = true;
      return false;
    }
    d->v = v;
    d->cap = cap;
  }
  day_row *o = &d->v[d->n++];
  o->sod = r->sod;
  const double x[NSER] = {sum2(r->ce, r->pe), sum2(r->avg_ce, r->avg_pe),
                          r->ce_vol,          r->pe_vol,
                          r->ce_oi,           r->pe_oi,
                          r->ce_iv,           r->pe_iv,
                          r->ce_delta,        r->pe_delta,
                          r->ce_theta,        r->pe_theta,
                          r->ce_vega,         r->pe_vega,
                          r->ce_gamma,        r->pe_gamma,
                          r->ce_rho,          r->pe_rho};
  memcpy(o->x, x, sizeof(x));
  return true;
}

static int cmp_day(const void *a, const void *b) {
  int x = ((const day_row *)a)->sod, y = ((const day_row *)b)->sod;
  return x < y ? -1 : x > y;
}

/* Folds the day into the state: per time of day the mean of that day's
 * rows, then the running mean and EMA of each column it observed. */
static g6_status apply_day(ostate *s, day *d, double alpha, size_t *times) {
  qsort(d->v, d->n, sizeof(*d->v), cmp_day);
  for (size_t i = 0; i < d->n;) {
    size_t j = i;
    double sum[NSER] = {0};
    uint64_t cnt[NSER] = {0};
    for (; j < d->n && d->v[j].sod == d->v[i].sod; j++)
      for (int k = 0; k < NSER; k++)
        if (!isnan(d->v[j].x[k])) {
          sum[k] += d->v[j].x[k];
          cnt[k]++;
        }
    orow *r = row_at(s, d->v[i].sod);
    if (r == NULL)
      return G6_ENOMEM;
    r->counter++;
    for (int k = 0; k < NSER; k++) {
      if (!cnt[k])
        continue;
      double x = sum[k] / (double)cnt[k];
      uint64_t n = ++r->n[k];
      /* the first day sets both exactly: a taken-over row with counter 0
       * holds values that count for nothing, and mean + (x - mean) is x
       * only up to rounding (a re-run from .before must give the same) */
      r->mean[k] = n == 1 ? x : r->mean[k] + (x - r->mean[k]) / (double)n;
      r->ema[k] = n == 1 ? x : alpha * x + (1 - alpha) * r->ema[k];
    }
    (*times)++;
    i = j;
  }
  return G6_OK;
}

/* ---- one master ------------------------------------------------------------
 */

static g6_status write_buf(const char *path, g6_buf *b, bool durable,
                           g6_error *err) {
  if (b->data == NULL)
    return g6_error_set(err, G6_ENOMEM, "out of memory");
  return g6_atomic_write(path, b->data, b->len, 0644, durable, err);
}

static bool same_applied(const ostate *a, const ostate *b, size_t n) {
  if (a->n_applied < n || b->n_applied < n)
    return false;
  for (size_t i = 0; i < n; i++)
    if (strcmp(a->applied[i], b->applied[i]) != 0)
      return false;
  return true;
}

/* One master's update, worked out before anything is written. */
typedef struct plan {
  char dir[PATH_MAX], master[PATH_MAX], state[PATH_MAX], before[PATH_MAX];
  char tag[NAME_MAX + 1], offset[NAME_MAX + 1];
  bool write;        /* false: the day was applied before a later one */
  bool keep_before;  /* a new day: the state before it goes to .before */
  ostate prev, next; /* the state before this day (keep_before), after it */
} plan;

static void plan_free(plan *pl) {
  state_free(&pl->prev);
  state_free(&pl->next);
}

/* Reads the day's file and the master's state and works out the master's
 * new state, writing nothing. *pl is set when there is something to write
 * (pl->write), or left with write false (no data row, nothing within the
 * session, a day applied before a later one). */
static g6_status prepare_master(const char *file, const char *out_dir,
                                const char *index, const char *tag,
                                const char *offset, g6_date date,
                                const g6_overlay_opts *o, g6_overlay_stats *st,
                                plan *pl, g6_error *err) {
  memset(pl, 0, sizeof(*pl));
  day d = {.open = o->open_sod,
           .close = o->close_sod,
           .first_ts = g6_ist_epoch(date, 0, 0, 0),
           .index = index};
  d.end_ts = d.first_ts + 86400;
  bool cut = false;
  g6_status rc = g6_csv_strike_file_torn(file, day_add, &d, &cut, err);
  if (rc == G6_OK && cut && st->torn++ == 0)
    snprintf(st->torn_first, sizeof(st->torn_first), "%s", file);
  if (rc == G6_OK && d.oom)
    rc = g6_error_set(err, G6_ENOMEM, "out of memory");
  if (rc == G6_OK && d.stray != NULL) {
    char ts[20], ds[11];
    g6_ist_format_ts(d.stray->ts, ts);
    g6_date_format(date, ds);
    rc = g6_error_set(err, G6_EPARSE,
                      "%s: data row %zu is of %s %s, not of %s %s as the "
                      "file's path says; nothing of it was folded in",
                      file, d.seen, d.stray->index, ts, index, ds);
  }
  if (rc != G6_OK) {
    free(d.v);
    return rc;
  }
  if (d.seen == 0) { /* empty, its header alone, or a cut line alone */
    if (st->empty++ == 0)
      snprintf(st->empty_first, sizeof(st->empty_first), "%s", file);
    free(d.v);
    return G6_OK;
  }
  st->files++;
  st->rows += d.n;
  if (d.n == 0) { /* nothing within the session */
    free(d.v);
    return G6_OK;
  }
  const char *wd = g6_overlay_weekday(date);
  snprintf(pl->tag, sizeof(pl->tag), "%s", tag);
  snprintf(pl->offset, sizeof(pl->offset), "%s", offset);
  if (!fmt_path(pl->dir, sizeof(pl->dir), "%s/%s/%s/%s", out_dir, index, tag,
                offset) ||
      !fmt_path(pl->master, sizeof(pl->master), "%s/%s.csv", pl->dir, wd) ||
      !fmt_path(pl->state, sizeof(pl->state), "%s/.%s.state", pl->dir, wd) ||
      !fmt_path(pl->before, sizeof(pl->before), "%s/.%s.before", pl->dir,
                wd)) {
    free(d.v);
    char shown[256];
    return g6_error_set(err, G6_EINVAL,
                        "%s/%s/%s/%s/.%s.before: the master's path is longer "
                        "than %d bytes; nothing was folded",
                        g6_printable_path(out_dir, strlen(out_dir), shown,
                                          sizeof(shown)),
                        index, tag, offset, wd, PATH_MAX - 1);
  }
  char ds[11];
  g6_date_format(date, ds);
  ostate cur;
  rc = state_load(pl->state, &cur, err);
  if (rc == G6_ENOENT) {
    rc = master_import(pl->master, &cur, err);
    if (rc == G6_ENOENT) { /* a new master */
      memset(&cur, 0, sizeof(cur));
      rc = G6_OK;
    }
  }
  if (rc != G6_OK) {
    free(d.v);
    return rc;
  }
  bool last = cur.n_applied && strcmp(cur.applied[cur.n_applied - 1], ds) == 0;
  bool earlier = false;
  for (size_t i = 0; i + 1 < cur.n_applied; i++)
    earlier |= strcmp(cur.applied[i], ds) == 0;
  if (earlier && !last) {
    st->skipped++; /* applied before a later day: not again */
  } else if (last) {
    /* the same day again: start from the state before it */
    rc = state_load(pl->before, &pl->next, err);
    if (rc == G6_OK && (pl->next.n_applied + 1 != cur.n_applied ||
                        !same_applied(&pl->next, &cur, pl->next.n_applied)))
      rc = g6_error_set(err, G6_EPARSE,
                        "%s does not hold the state before %s; remove %s and "
                        "%s to start the master again",
                        pl->before, ds, pl->state, pl->before);
    if (rc == G6_OK)
      st->replaced++;
  } else {
    /* kept in .before so this day can be run again */
    rc = state_copy(&pl->next, &cur) ? G6_OK : G6_ENOMEM;
    pl->keep_before = true;
    pl->prev = cur;
    memset(&cur, 0, sizeof(cur));
  }
  if (rc == G6_OK && !(earlier && !last)) {
    rc = apply_day(&pl->next, &d, o->alpha, &st->times);
    if (rc == G6_OK && !add_applied(&pl->next, ds))
      rc = G6_ENOMEM;
    pl->write = rc == G6_OK;
  }
  if (rc == G6_ENOMEM)
    g6_error_set(err, rc, "out of memory");
  state_free(&cur);
  free(d.v);
  if (rc != G6_OK)
    plan_free(pl);
  return rc;
}

/* Writes one master's update: .before (a new day), the state (the commit
 * point: the master follows from it), the master; each atomically. */
static g6_status write_master(const plan *pl, const char *index,
                              const g6_overlay_opts *o, g6_error *err) {
  g6_status rc = g6_mkdir_p(pl->dir, 0755, err);
  g6_buf b = G6_BUF_INIT;
  if (rc == G6_OK && pl->keep_before) {
    rc = state_dump(&pl->prev, &b);
    if (rc == G6_OK)
      rc = write_buf(pl->before, &b, o->durable, err);
  }
  g6_buf_reset(&b);
  if (rc == G6_OK)
    rc = state_dump(&pl->next, &b);
  if (rc == G6_OK)
    rc = write_buf(pl->state, &b, o->durable, err);
  g6_buf_reset(&b);
  if (rc == G6_OK)
    rc = master_dump(&pl->next, index, pl->tag, pl->offset, &b);
  if (rc == G6_OK)
    rc = write_buf(pl->master, &b, o->durable, err);
  if (rc == G6_ENOMEM)
    g6_error_set(err, rc, "out of memory");
  g6_buf_free(&b);
  return rc;
}

/* ---- one index, one day ----------------------------------------------------
 */

static bool dir_name_ok(const char *n) { return n[0] != '.'; }

/* A path that does not fit PATH_MAX: the index fails naming it (an entry
 * left out in silence would fold the day in without it). */
static g6_status too_long(g6_error *err, const char *dir, const char *name) {
  char shown[256], whole[PATH_MAX + NAME_MAX + 2];
  int n = snprintf(whole, sizeof(whole), "%s/%s", dir, name);
  size_t len = n < 0 ? 0 : (size_t)n >= sizeof(whole) ? sizeof(whole) - 1
                                                      : (size_t)n;
  return g6_error_set(err, G6_EINVAL,
                      "%s: the path is longer than %d bytes and cannot be "
                      "read; not folded",
                      g6_printable_path(whole, len, shown, sizeof(shown)),
                      PATH_MAX - 1);
}

/* Finds every file of the day under root, checks it and works out its
 * master's update (plans), writing nothing. */
static g6_status collect_plans(const char *root, const char *out_dir,
                               const char *index, g6_date date,
                               const g6_overlay_opts *o, g6_overlay_stats *st,
                               plan **plans, size_t *n_plans, size_t *files,
                               g6_error *err) {
  char ds[11];
  g6_date_format(date, ds);
  DIR *tags = opendir(root);
  if (tags == NULL)
    return g6_error_set(err, g6_status_from_errno(errno), "cannot read %s: %s",
                        root, strerror(errno));
  g6_status rc = G6_OK;
  size_t cap = 0;
  char shown_dir[PATH_MAX];
  struct dirent *t;
  while (rc == G6_OK && (t = readdir(tags)) != NULL) {
    if (!dir_name_ok(t->d_name))
      continue;
    char tdir[PATH_MAX];
    if (!fmt_path(tdir, sizeof(tdir), "%s/%s", root, t->d_name)) {
      rc = too_long(err, root, t->d_name);
      break;
    }
    struct stat ls;
    /* a directory link is never followed (g6_chain never writes through
     * one): what is behind it is not this index's day, and leaving it out
     * silently would fold the day in without it */
    if (lstat(tdir, &ls) == 0 && S_ISLNK(ls.st_mode)) {
      rc = g6_error_set(err, G6_EINVAL,
                        "%s is a symbolic link; it is not followed (g6_chain "
                        "never writes through one); not folded",
                        g6_printable(tdir, strlen(tdir), shown_dir,
                                     sizeof(shown_dir)));
      break;
    }
    DIR *offs = opendir(tdir);
    if (offs == NULL) {
      if (errno == ENOTDIR || errno == ENOENT)
        continue; /* a file beside the tags, or gone meanwhile */
      /* unreadable: the day would be folded in without it */
      rc = g6_error_set(err, g6_status_from_errno(errno), "cannot read %s: %s",
                        tdir, strerror(errno));
      break;
    }
    struct dirent *f;
    while (rc == G6_OK && (f = readdir(offs)) != NULL) {
      if (!dir_name_ok(f->d_name))
        continue;
      char file[PATH_MAX], odir[PATH_MAX];
      struct stat s;
      if (!fmt_path(odir, sizeof(odir), "%s/%s", tdir, f->d_name)) {
        rc = too_long(err, tdir, f->d_name);
        break;
      }
      bool seen = lstat(odir, &s) == 0;
      if (seen && S_ISLNK(s.st_mode)) {
        rc = g6_error_set(err, G6_EINVAL,
                          "%s is a symbolic link; it is not followed "
                          "(g6_chain never writes through one); not folded",
                          g6_printable(odir, strlen(odir), shown_dir,
                                       sizeof(shown_dir)));
        break;
      }
      if (!fmt_path(file, sizeof(file), "%s/%s.csv", odir, ds)) {
        if (seen && !S_ISDIR(s.st_mode))
          continue; /* a file beside the offsets: holds no day */
        char name[16];
        snprintf(name, sizeof(name), "%s.csv", ds);
        rc = too_long(err, odir, name);
        break;
      }
      if (stat(file, &s) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
          continue; /* no file of that day at this offset */
        rc = g6_error_set(err, g6_status_from_errno(errno),
                          "cannot read %s: %s", file, strerror(errno));
        break;
      }
      if (!S_ISREG(s.st_mode)) {
        rc = g6_error_set(err, G6_EINVAL,
                          "%s is not a regular file (the day's per-strike "
                          "file must be one)",
                          file);
        break;
      }
      /* the tag and offset go into the master's rows and path: only
       * names of g6's layout (no comma, quote, line break, control byte) */
      char rel[PATH_MAX], ix[32], shown[PATH_MAX];
      g6_retention_kind kind;
      bool dated, prunable;
      g6_date fdate;
      if (!fmt_path(rel, sizeof(rel), "%s/%s/%s/%s.csv", index, t->d_name,
                    f->d_name, ds) ||
          !g6_retention_classify(rel, &kind, ix, &dated, &fdate, &prunable) ||
          kind != G6_KIND_OPTIONS) {
        rc = g6_error_set(
            err, G6_EINVAL,
            "%s: not a directory of g6's layout (<INDEX>/<tag>/<offset>: a "
            "tag this_week, next_week, this_month, next_month or a date "
            "YYYY-MM-DD; an offset 0 or a sign and a number); not folded",
            g6_printable(file, strlen(file) - strlen(ds) - 5, shown,
                         sizeof(shown)));
        break;
      }
      (*files)++;
      if (!g6_array_room(plans, &cap, *n_plans, sizeof(**plans), 16)) {
        rc = g6_error_set(err, G6_ENOMEM, "out of memory");
        break;
      }
      plan *pl = &(*plans)[*n_plans];
      rc = prepare_master(file, out_dir, index, t->d_name, f->d_name, date, o,
                          st, pl, err);
      if (rc == G6_OK && pl->write)
        (*n_plans)++;
    }
    closedir(offs);
  }
  closedir(tags);
  return rc;
}

g6_status g6_overlay_update(const char *data_dir, const char *out_dir,
                            const char *index, g6_date date,
                            const g6_overlay_opts *o, g6_overlay_stats *st,
                            g6_error *err) {
  if (!(o->alpha > 0 && o->alpha <= 1) || o->open_sod < 0 ||
      o->close_sod < o->open_sod || o->close_sod >= 86400)
    return g6_error_set(err, G6_EINVAL,
                        "alpha must be in (0, 1] and the session window "
                        "within one day");
  char root[PATH_MAX], ds[11];
  g6_date_format(date, ds);
  if (!fmt_path(root, sizeof(root), "%s/%s", data_dir, index))
    return too_long(err, data_dir, index);
  /* every file of the day is read and checked, and every master's new
   * state worked out, before the first write: a file or directory that
   * fails leaves every master as it was */
  g6_overlay_stats day_st;
  memset(&day_st, 0, sizeof(day_st));
  plan *plans = NULL;
  size_t n_plans = 0, files = 0;
  g6_status rc = collect_plans(root, out_dir, index, date, o, &day_st, &plans,
                               &n_plans, &files, err);
  if (rc == G6_OK && files == 0)
    rc = g6_error_set(err, G6_ENOENT, "%s has no per-strike file of %s", root,
                      ds);
  for (size_t i = 0; i < n_plans && rc == G6_OK; i++) {
    rc = write_master(&plans[i], index, o, err);
    if (rc == G6_OK)
      day_st.updated++;
  }
  if (rc != G6_OK && day_st.updated > 0 && err != NULL) {
    /* a write failed (disk full) after others were made: each master is
     * consistent, and the same day run again completes it */
    char msg[sizeof(err->msg)];
    snprintf(msg, sizeof(msg), "%s", err->msg);
    g6_error_set(err, rc,
                 "%s (%zu of the day's %zu masters were updated before it; "
                 "run the day again once it is fixed: it replaces its own "
                 "contribution)",
                 msg, day_st.updated, n_plans);
  }
  for (size_t i = 0; i < n_plans; i++)
    plan_free(&plans[i]);
  free(plans);
  if (rc == G6_OK) {
    st->files += day_st.files;
    st->rows += day_st.rows;
    st->updated += day_st.updated;
    st->replaced += day_st.replaced;
    st->skipped += day_st.skipped;
    st->times += day_st.times;
    if (day_st.torn && st->torn == 0)
      memcpy(st->torn_first, day_st.torn_first, sizeof(st->torn_first));
    st->torn += day_st.torn;
    if (day_st.empty && st->empty == 0)
      memcpy(st->empty_first, day_st.empty_first, sizeof(st->empty_first));
    st->empty += day_st.empty;
  }
  return rc;
}
