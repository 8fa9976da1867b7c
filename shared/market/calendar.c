#include "market/calendar.h"

#include "core/fsutil.h"

#include <stdlib.h>
#include <string.h>

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

g6_status g6_calendar_parse(g6_calendar *cal, const char *text, size_t len,
                            const char *name, g6_error *err) {
  size_t cap = 16, n = 0;
  int64_t *days = malloc(cap * sizeof(*days));
  if (days == NULL)
    return g6_error_set(err, G6_ENOMEM, "out of memory");
  size_t pos = 0;
  int line = 0;
  while (pos < len) {
    line++;
    size_t end = pos;
    while (end < len && text[end] != '\n')
      end++;
    /* Trim comment and surrounding white space. */
    size_t a = pos, b = end;
    for (size_t i = a; i < b; i++) {
      if (text[i] == '#') {
        b = i;
        break;
      }
    }
    while (a < b && (text[a] == ' ' || text[a] == '\t' || text[a] == '\r'))
      a++;
    while (b > a && (text[b - 1] == ' ' || text[b - 1] == '\t' ||
                     text[b - 1] == '\r'))
      b--;
    pos = end + 1;
    if (a == b)
      continue;
    size_t tok_end = a;
    while (tok_end < b && text[tok_end] != ' ' && text[tok_end] != '\t')
      tok_end++;
    char tok[32];
    size_t tl = tok_end - a;
    g6_date d;
    if (tl >= sizeof(tok)) {
      tl = sizeof(tok) - 1;
      memcpy(tok, text + a, tl);
      tok[tl] = '\0';
      free(days);
      return g6_error_set(err, G6_EPARSE,
                          "%s:%d: \"%s...\" is not a date; expected YYYY-MM-DD "
                          "optionally followed by a description",
                          name, line, tok);
    }
    memcpy(tok, text + a, tl);
    tok[tl] = '\0';
    if (g6_date_parse(tok, &d) != G6_OK) {
      free(days);
      return g6_error_set(err, G6_EPARSE,
                          "%s:%d: \"%s\" is not a valid date; expected "
                          "YYYY-MM-DD optionally followed by a description",
                          name, line, tok);
    }
    if (n == cap) {
      cap *= 2;
      int64_t *p = realloc(days, cap * sizeof(*days));
      if (p == NULL) {
        free(days);
        return g6_error_set(err, G6_ENOMEM, "out of memory");
      }
      days = p;
    }
    days[n++] = g6_days_from_civil(d.year, d.month, d.day);
  }
  qsort(days, n, sizeof(*days), cmp_i64);
  size_t u = 0;
  for (size_t i = 0; i < n; i++)
    if (u == 0 || days[u - 1] != days[i])
      days[u++] = days[i];
  free(cal->days);
  cal->days = days;
  cal->n = u;
  return G6_OK;
}

g6_status g6_calendar_load(g6_calendar *cal, const char *path, g6_error *err) {
  char *text = NULL;
  size_t len = 0;
  g6_status st = g6_read_file(path, 1 << 20, &text, &len, err);
  if (st != G6_OK)
    return st;
  st = g6_calendar_parse(cal, text, len, path, err);
  free(text);
  return st;
}

void g6_calendar_free(g6_calendar *cal) {
  free(cal->days);
  cal->days = NULL;
  cal->n = 0;
}

bool g6_calendar_is_holiday(const g6_calendar *cal, int64_t days) {
  if (cal == NULL || cal->n == 0)
    return false;
  return bsearch(&days, cal->days, cal->n, sizeof(*cal->days), cmp_i64) !=
         NULL;
}

bool g6_is_trading_day(const g6_calendar *cal, int64_t days) {
  return g6_weekday(days) < 5 && !g6_calendar_is_holiday(cal, days);
}

bool g6_market_is_open(const g6_calendar *cal, int64_t epoch) {
  g6_ist_tm tm;
  g6_ist_breakdown(epoch, &tm);
  return g6_is_trading_day(cal, tm.days) && tm.sod >= G6_SESSION_OPEN_S &&
         tm.sod < G6_SESSION_CLOSE_S;
}

int64_t g6_market_next_open(const g6_calendar *cal, int64_t epoch) {
  g6_ist_tm tm;
  g6_ist_breakdown(epoch, &tm);
  int64_t day = tm.days;
  if (tm.sod >= G6_SESSION_OPEN_S)
    day++;
  for (int i = 0; i < 3660; i++, day++) {
    if (g6_is_trading_day(cal, day))
      return day * 86400 + G6_SESSION_OPEN_S - G6_IST_OFFSET_S;
  }
  return -1;
}
