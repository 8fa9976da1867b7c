/* Daily ATM IV closes per index (see store/iv_history.h). */
#include "store/iv_history.h"
#include "core/array.h"

#include "core/buf.h"
#include "core/fsutil.h"
#include "core/json.h"
#include "store/csv_read.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int64_t day_of(g6_date d) {
  return g6_days_from_civil(d.year, d.month, d.day);
}

bool g6_iv_history_keeps(g6_date session, g6_date expiry) {
  return day_of(expiry) > day_of(session);
}

g6_status g6_iv_history_path(const char *data_dir, const char *index,
                             char *buf, size_t len) {
  int n = snprintf(buf, len, "%s/" G6_IV_HISTORY_DIR "/%s.csv", data_dir,
                   index);
  return n < 0 || (size_t)n >= len ? G6_EINVAL : G6_OK;
}

void g6_iv_history_free(g6_iv_history *h) {
  if (h == NULL)
    return;
  free(h->v);
  memset(h, 0, sizeof(*h));
}

/* One cell: empty (unknown) or a plain finite number in [0, 100] (an IV as
 * a fraction; 100 = 10,000 % is beyond any market). */
static bool cell(const char *s, size_t len, double *out) {
  if (len == 0) {
    *out = NAN;
    return true;
  }
  double v;
  /* the writer's shortest form: no sign, no blanks (strtod takes both) */
  if (s[0] == ' ' || s[0] == '+' || !g6_csv_number(s, len, &v) || v < 0 ||
      v > 100)
    return false;
  *out = v;
  return true;
}

/* A line (without its newline) into *c; a reason when it is not a close. */
static const char *parse_line(const char *s, size_t len, g6_iv_close *c) {
  char date[11];
  if (len < 10 || (len > 10 && s[10] != ','))
    return "expected YYYY-MM-DD and four cells";
  memcpy(date, s, 10);
  date[10] = '\0';
  if (g6_date_parse(date, &c->date) != G6_OK)
    return "not a date YYYY-MM-DD";
  size_t at = 11;
  for (int t = 0; t < G6_EXPIRY_TAG_COUNT; t++) {
    if (at > len)
      return "fewer than four cells after the date";
    const char *comma = memchr(s + at, ',', len - at);
    size_t end = comma ? (size_t)(comma - s) : len;
    if ((t < G6_EXPIRY_TAG_COUNT - 1) != (comma != NULL))
      return "expected four cells after the date";
    if (!cell(s + at, end - at, &c->iv[t]))
      return "a cell is neither empty nor a number from 0 to 100";
    at = end + 1;
  }
  return NULL;
}

static g6_status push(g6_iv_history *h, const g6_iv_close *c) {
  if (!g6_array_room(&h->v, &h->cap, h->n, sizeof(*h->v), 64))
    return G6_ENOMEM;
  h->v[h->n++] = *c;
  return G6_OK;
}

/* Counts a line it cannot use; names the first, with its start. */
static void skip(g6_iv_history *h, int line, const char *why, const char *s,
                 size_t len) {
  if (h->skipped++ > 0)
    return;
  h->first_skipped = line;
  char ex[48];
  g6_printable(s, len < 40 ? len : 40, ex, sizeof(ex));
  snprintf(h->why, sizeof(h->why), "\"%s%s\": %s", ex, len > 40 ? "..." : "",
           why);
}

static g6_status parse_text(const char *text, size_t len, g6_iv_history *h,
                            g6_error *err, const char *path) {
  int line = 0;
  for (size_t at = 0; at < len;) {
    const char *nl = memchr(text + at, '\n', len - at);
    size_t end = nl ? (size_t)(nl - text) : len;
    size_t l = end - at;
    if (l > 0 && text[end - 1] == '\r')
      l--;
    line++;
    const char *s = text + at;
    at = end + 1;
    if (l == 0 || (line == 1 && l == strlen(G6_IV_HISTORY_HEADER) &&
                   memcmp(s, G6_IV_HISTORY_HEADER, l) == 0))
      continue;
    g6_iv_close c;
    const char *why = parse_line(s, l, &c);
    if (why == NULL && h->n > 0 && day_of(c.date) <= day_of(h->v[h->n - 1].date))
      why = "the date is not after the previous line's";
    if (why != NULL) {
      skip(h, line, why, s, l);
      continue;
    }
    if (push(h, &c) != G6_OK)
      return g6_error_set(err, G6_ENOMEM, "%s: out of memory", path);
  }
  return G6_OK;
}

g6_status g6_iv_history_read(const char *path, g6_iv_history *h,
                             g6_error *err) {
  memset(h, 0, sizeof(*h));
  char *text = NULL;
  size_t len = 0;
  g6_status st = g6_read_file(path, G6_IV_HISTORY_MAX_BYTES, &text, &len, err);
  if (st == G6_ENOENT)
    return G6_OK; /* no close kept yet */
  if (st != G6_OK)
    return st;
  st = parse_text(text, len, h, err, path);
  free(text);
  return st;
}

g6_status g6_iv_history_append(const char *path, const g6_iv_close *c,
                               bool durable, g6_error *err) {
  bool any = false;
  for (int t = 0; t < G6_EXPIRY_TAG_COUNT; t++)
    any = any || isfinite(c->iv[t]);
  if (!any)
    return g6_error_set(err, G6_EINVAL, "%s: no known ATM IV to keep", path);
  char *text = NULL;
  size_t len = 0;
  g6_status st = g6_read_file(path, G6_IV_HISTORY_MAX_BYTES, &text, &len, err);
  if (st != G6_OK && st != G6_ENOENT)
    return st;
  g6_iv_history h;
  memset(&h, 0, sizeof(h));
  if (st == G6_OK && (st = parse_text(text, len, &h, err, path)) != G6_OK) {
    free(text);
    g6_iv_history_free(&h);
    return st;
  }
  /* the session itself: kept before (a restart); only a later one: a line
   * dated ahead (a wrong clock, an edit, garbage that parses as a date)
   * that would silently refuse every close until its date, so it is an
   * error naming it */
  int64_t want = day_of(c->date);
  bool dup = false, later = h.n > 0 && day_of(h.v[h.n - 1].date) > want;
  for (size_t i = h.n; i > 0 && !dup && day_of(h.v[i - 1].date) >= want; i--)
    dup = day_of(h.v[i - 1].date) == want;
  g6_date last = h.n > 0 ? h.v[h.n - 1].date : c->date;
  g6_iv_history_free(&h);
  if (dup || later) {
    free(text);
    char d[11], l[11];
    g6_date_format(c->date, d);
    g6_date_format(last, l);
    if (dup)
      return g6_error_set(err, G6_EEXIST, "%s: already has %s", path, d);
    return g6_error_set(err, G6_ERANGE,
                        "%s: its last session, %s, is after %s: closes are "
                        "added in date order (remove the line of %s if it "
                        "is wrong)",
                        path, l, d, l);
  }
  g6_buf b = G6_BUF_INIT;
  bool ok;
  if (text == NULL)
    ok = g6_buf_puts(&b, G6_IV_HISTORY_HEADER "\n") == G6_OK;
  else
    ok = g6_buf_append(&b, text, len) == G6_OK &&
         (len == 0 || text[len - 1] == '\n' || g6_buf_putc(&b, '\n') == G6_OK);
  free(text);
  char d[11];
  g6_date_format(c->date, d);
  ok = ok && g6_buf_puts(&b, d) == G6_OK;
  for (int t = 0; t < G6_EXPIRY_TAG_COUNT; t++) {
    ok = ok && g6_buf_putc(&b, ',') == G6_OK;
    if (isfinite(c->iv[t])) {
      char num[32];
      g6_repr_double(c->iv[t], num);
      ok = ok && g6_buf_puts(&b, num) == G6_OK;
    }
  }
  ok = ok && g6_buf_putc(&b, '\n') == G6_OK;
  if (!ok) {
    g6_buf_free(&b);
    return g6_error_set(err, G6_ENOMEM, "%s: out of memory", path);
  }
  /* the directory on the first close, and again if someone removed it;
   * when durable each new level's entry is fsynced into its parent, so a
   * power loss does not take iv_history/ away with the close fsynced in
   * it */
  char dir[4096];
  snprintf(dir, sizeof(dir), "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash != NULL) {
    *slash = '\0';
    if ((st = g6_mkdir_p_durable(dir, 0755, durable, err)) != G6_OK) {
      g6_buf_free(&b);
      return st;
    }
  }
  /* what a writer killed mid-write left (an hour old: g6_analytics holds
   * no lock, another collectd may be writing now) */
  g6_atomic_remove_stale(path, 3600);
  st = g6_atomic_write(path, b.data, b.len, 0644, durable, err);
  g6_buf_free(&b);
  return st;
}

size_t g6_iv_history_window(const g6_iv_history *h, int tag, g6_date before,
                            size_t window, double *out) {
  if (tag < 0 || tag >= G6_EXPIRY_TAG_COUNT || window == 0)
    return 0;
  int64_t limit = day_of(before);
  size_t end = h->n; /* first session at or after `before` */
  while (end > 0 && day_of(h->v[end - 1].date) >= limit)
    end--;
  size_t start = end > window ? end - window : 0;
  for (size_t i = start; i < end; i++)
    out[i - start] = h->v[i].iv[tag];
  return end - start;
}
