#include "market/calendar.h"

#include "core/fsutil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* n bytes of s for a message: printable ASCII as it is, any other byte as
 * \xNN (a byte-order mark, a no-break space or a NUL would otherwise print
 * as nothing or as a plain space); truncated with "..." to fit out. */
static const char *shown(const char *s, size_t n, char *out, size_t cap) {
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    size_t w = c >= 0x20 && c < 0x7f ? 1 : 4;
    if (o + w + 4 > cap) {
      memcpy(out + o, "...", 4);
      return out;
    }
    if (w == 1)
      out[o++] = (char)c;
    else
      o += (size_t)snprintf(out + o, cap - o, "\\x%02X", c);
  }
  out[o] = '\0';
  return out;
}

/* "HH:MM" at s (exactly 5 characters) as seconds of the day; 24:00 allowed
 * as the end of the day. -1 when malformed. */
static int parse_hhmm(const char *s) {
  if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) ||
      s[2] != ':' || !isdigit((unsigned char)s[3]) ||
      !isdigit((unsigned char)s[4]))
    return -1;
  int h = (s[0] - '0') * 10 + (s[1] - '0'),
      m = (s[3] - '0') * 10 + (s[4] - '0');
  if (m > 59 || h > 24 || (h == 24 && m != 0))
    return -1;
  return h * 3600 + m * 60;
}

/* "HH:MM-HH:MM" (11 characters) with open before close. */
static bool parse_session(const char *tok, size_t len, int *open, int *close) {
  if (len != 11 || tok[5] != '-')
    return false;
  *open = parse_hhmm(tok);
  *close = parse_hhmm(tok + 6);
  return *open >= 0 && *close > *open;
}

static int cmp_entry(const void *a, const void *b) {
  int64_t x = ((const g6_calendar_entry *)a)->day,
          y = ((const g6_calendar_entry *)b)->day;
  return (x > y) - (x < y);
}

/* One parsed line: the date, and the session if the line has one. */
typedef struct line_item {
  int64_t day;
  bool session;
  int open, close;
  int line;
  char desc[G6_CALENDAR_DESC_MAX];
} line_item;

/* Parses [a, b) (comment and blanks trimmed); fills *it or err. */
static g6_status parse_line(const char *text, size_t a, size_t b,
                            const char *name, int line, line_item *it,
                            g6_error *err) {
  size_t te = a;
  while (te < b && !blank(text[te]))
    te++;
  char tok[32], show[4 * 32 + 4];
  size_t tl = te - a < sizeof(tok) - 1 ? te - a : sizeof(tok) - 1;
  memcpy(tok, text + a, tl);
  tok[tl] = '\0';
  g6_date d;
  int y, m, dd, k = 0;
  /* well formed, but no such day (2026-02-30, 2025-02-29): say why */
  if (te - a == 10 && g6_date_parse(tok, &d) != G6_OK &&
      sscanf(tok, "%4d-%2d-%2d%n", &y, &m, &dd, &k) == 3 && k == 10 &&
      isdigit((unsigned char)tok[0]) && isdigit((unsigned char)tok[5]) &&
      isdigit((unsigned char)tok[8]) && y >= 1970 && m >= 1 && m <= 12) {
    int64_t first = g6_days_from_civil(y, m, 1);
    int64_t next = m == 12 ? g6_days_from_civil(y + 1, 1, 1)
                           : g6_days_from_civil(y, m + 1, 1);
    return g6_error_set(err, G6_EPARSE,
                        "%s:%d: \"%s\" is not a valid date: %04d-%02d has "
                        "days 01 to %02d; expected YYYY-MM-DD, a day of the "
                        "calendar",
                        name, line, tok, y, m, (int)(next - first));
  }
  if (te - a >= sizeof(tok) || g6_date_parse(tok, &d) != G6_OK)
    return g6_error_set(err, G6_EPARSE,
                        "%s:%d: \"%s%s\" is not a valid date; expected "
                        "YYYY-MM-DD, then optionally a session HH:MM-HH:MM "
                        "(IST) and a description",
                        name, line, shown(tok, tl, show, sizeof(show)),
                        te - a >= sizeof(tok) ? "..." : "");
  memset(it, 0, sizeof(*it));
  it->day = g6_days_from_civil(d.year, d.month, d.day);
  it->line = line;
  size_t p = te;
  while (p < b && blank(text[p]))
    p++;
  size_t se = p;
  while (se < b && !blank(text[se]))
    se++;
  /* a second token that starts like a time is a session, or an error */
  if (se > p && isdigit((unsigned char)text[p])) {
    char st[4 * 32 + 4];
    if (!parse_session(text + p, se - p, &it->open, &it->close))
      return g6_error_set(
          err, G6_EPARSE,
          "%s:%d: \"%s\" is not a session; expected "
          "HH:MM-HH:MM in IST with the open before the close "
          "(e.g. 13:45-14:45)",
          name, line,
          shown(text + p, se - p < 32 ? se - p : 32, st, sizeof(st)));
    it->session = true;
    p = se;
    while (p < b && blank(text[p]))
      p++;
  }
  size_t dl = b - p < sizeof(it->desc) - 1 ? b - p : sizeof(it->desc) - 1;
  memcpy(it->desc, text + p, dl);
  it->desc[dl] = '\0';
  return G6_OK;
}

static int cmp_item(const void *a, const void *b) {
  const line_item *x = a, *y = b;
  if (x->day != y->day)
    return (x->day > y->day) - (x->day < y->day);
  return (x->line > y->line) - (x->line < y->line);
}

g6_status g6_calendar_parse(g6_calendar *cal, const char *text, size_t len,
                            const char *name, g6_error *err) {
  size_t cap = 16, n = 0;
  line_item *items = malloc(cap * sizeof(*items));
  if (items == NULL)
    return g6_error_set(err, G6_ENOMEM, "out of memory");
  size_t pos = 0;
  int line = 0;
  g6_status st = G6_OK;
  /* a UTF-8 byte-order mark (Windows editors write one) is not content */
  if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
    pos = 3;
  else if (len >= 2 && (memcmp(text, "\xFF\xFE", 2) == 0 ||
                        memcmp(text, "\xFE\xFF", 2) == 0))
    st = g6_error_set(
        err, G6_EPARSE,
        "%s:1: the file is UTF-16 (byte-order mark \\x%02X\\x%02X);"
        " a calendar file is UTF-8 or ASCII text: save it as "
        "UTF-8",
        name, (unsigned char)text[0], (unsigned char)text[1]);
  while (pos < len && st == G6_OK) {
    line++;
    /* a line ends in LF, CRLF or a lone CR (old Mac files): a CR must never
     * glue the next date into this line's description */
    size_t end = pos;
    while (end < len && text[end] != '\n' && text[end] != '\r')
      end++;
    size_t next = end + 1;
    if (end + 1 < len && text[end] == '\r' && text[end + 1] == '\n')
      next = end + 2;
    for (size_t i = pos; i < end; i++) {
      unsigned char c = (unsigned char)text[i];
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        st = g6_error_set(err, G6_EPARSE,
                          "%s:%d: byte \\x%02X (a control character) at "
                          "column %zu; a calendar file is text: dates, "
                          "sessions and descriptions separated by spaces or "
                          "tabs",
                          name, line, c, i - pos + 1);
        break;
      }
    }
    if (st != G6_OK)
      break;
    size_t a = pos, b = end;
    for (size_t i = a; i < b; i++)
      if (text[i] == '#') {
        b = i;
        break;
      }
    while (a < b && blank(text[a]))
      a++;
    while (b > a && blank(text[b - 1]))
      b--;
    pos = next;
    if (a == b)
      continue;
    if (n == cap) {
      line_item *p = realloc(items, 2 * cap * sizeof(*items));
      if (p == NULL) {
        st = g6_error_set(err, G6_ENOMEM, "out of memory");
        break;
      }
      items = p;
      cap *= 2;
    }
    st = parse_line(text, a, b, name, line, &items[n], err);
    if (st == G6_OK)
      n++;
  }
  /* fold the lines into one entry per date (sorted by date, then line, so
   * the first line of a date gives its description) */
  if (st == G6_OK)
    qsort(items, n, sizeof(*items), cmp_item);
  g6_calendar_entry *e = st == G6_OK ? calloc(n ? n : 1, sizeof(*e)) : NULL;
  if (st == G6_OK && e == NULL)
    st = g6_error_set(err, G6_ENOMEM, "out of memory");
  size_t u = 0;
  for (size_t i = 0; i < n && st == G6_OK; i++) {
    line_item *it = &items[i];
    g6_calendar_entry *x = u > 0 && e[u - 1].day == it->day ? &e[u - 1] : NULL;
    if (x == NULL) {
      x = &e[u++];
      x->day = it->day;
    }
    if (it->session) {
      if (x->special) {
        char ds[11];
        g6_date_format(g6_civil_from_days(it->day), ds);
        st = g6_error_set(err, G6_EPARSE,
                          "%s:%d: a second session for %s; one session per "
                          "date (put the whole session on one line)",
                          name, it->line, ds);
        break;
      }
      x->special = true;
      x->open_sod = it->open;
      x->close_sod = it->close;
      snprintf(x->session_desc, sizeof(x->session_desc), "%s", it->desc);
    } else if (!x->holiday) {
      x->holiday = true;
      snprintf(x->holiday_desc, sizeof(x->holiday_desc), "%s", it->desc);
    }
  }
  free(items);
  if (st != G6_OK) {
    free(e);
    return st;
  }
  free(cal->e);
  cal->e = e;
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
  free(cal->e);
  cal->e = NULL;
  cal->n = 0;
}

const g6_calendar_entry *g6_calendar_find(const g6_calendar *cal, int64_t day) {
  if (cal == NULL || cal->n == 0)
    return NULL;
  g6_calendar_entry key = {.day = day};
  return bsearch(&key, cal->e, cal->n, sizeof(*cal->e), cmp_entry);
}

bool g6_calendar_is_holiday(const g6_calendar *cal, int64_t day) {
  const g6_calendar_entry *x = g6_calendar_find(cal, day);
  return x != NULL && x->holiday;
}

bool g6_calendar_session(const g6_calendar *cal, int64_t day, int *open_sod,
                         int *close_sod) {
  const g6_calendar_entry *x = g6_calendar_find(cal, day);
  if (x != NULL && x->special) {
    *open_sod = x->open_sod;
    *close_sod = x->close_sod;
    return true;
  }
  if (g6_weekday(day) >= 5 || (x != NULL && x->holiday))
    return false;
  *open_sod = G6_SESSION_OPEN_S;
  *close_sod = G6_SESSION_CLOSE_S;
  return true;
}

bool g6_is_trading_day(const g6_calendar *cal, int64_t day) {
  int o, c;
  return g6_calendar_session(cal, day, &o, &c);
}

bool g6_market_is_open(const g6_calendar *cal, int64_t epoch) {
  g6_ist_tm tm;
  g6_ist_breakdown(epoch, &tm);
  int o, c;
  return g6_calendar_session(cal, tm.days, &o, &c) && tm.sod >= o && tm.sod < c;
}

int64_t g6_market_next_open(const g6_calendar *cal, int64_t epoch) {
  g6_ist_tm tm;
  g6_ist_breakdown(epoch, &tm);
  int64_t day = tm.days;
  for (int i = 0; i < 3660; i++, day++) {
    int o, c;
    if (!g6_calendar_session(cal, day, &o, &c))
      continue;
    if (day == tm.days && tm.sod >= o)
      continue; /* today's session already opened */
    return day * 86400 + o - G6_IST_OFFSET_S;
  }
  return -1;
}

size_t g6_calendar_year_entries(const g6_calendar *cal, int year) {
  if (cal == NULL)
    return 0;
  int64_t lo = g6_days_from_civil(year, 1, 1),
          hi = g6_days_from_civil(year + 1, 1, 1);
  size_t k = 0;
  for (size_t i = 0; i < cal->n; i++)
    k += cal->e[i].day >= lo && cal->e[i].day < hi;
  return k;
}

g6_status g6_calendar_set_get(g6_calendar_set *s, const char *path,
                              const g6_calendar **out, const char **path_out,
                              g6_error *err) {
  size_t k = 0;
  while (k < s->n && strcmp(s->cals[k].path, path) != 0)
    k++;
  if (k == s->n) {
    if (k == G6_CALENDAR_SET_MAX)
      return g6_error_set(err, G6_ETOOBIG, "more than %d calendar files",
                          G6_CALENDAR_SET_MAX);
    if (strlen(path) >= sizeof(s->cals[k].path))
      return g6_error_set(err, G6_EINVAL, "calendar path too long");
    s->cals[k].cal = (g6_calendar)G6_CALENDAR_INIT;
    g6_status st = g6_calendar_load(&s->cals[k].cal, path, err);
    if (st != G6_OK)
      return st;
    snprintf(s->cals[k].path, sizeof(s->cals[k].path), "%s", path);
    s->n++;
  }
  *out = &s->cals[k].cal;
  if (path_out != NULL)
    *path_out = s->cals[k].path;
  return G6_OK;
}

void g6_calendar_set_free(g6_calendar_set *s) {
  for (size_t k = 0; k < s->n; k++)
    g6_calendar_free(&s->cals[k].cal);
  s->n = 0;
}
