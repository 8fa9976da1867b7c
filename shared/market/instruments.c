#include "market/instruments.h"
#include "core/pages.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NCOLS 12
#define MAX_FIELDS 16
#define REC_MAX 1024 /* bytes of one record; real rows are < 200 */
#define DEFAULT_MAX_ROWS 4000000u

static const char *const header_cols[NCOLS] = {
    "instrument_token", "exchange_token", "tradingsymbol", "name",
    "last_price",       "expiry",         "strike",        "tick_size",
    "lot_size",         "instrument_type", "segment",      "exchange"};

enum { F_TOKEN, F_XTOKEN, F_SYMBOL, F_NAME, F_LAST, F_EXPIRY, F_STRIKE,
       F_TICK, F_LOT, F_TYPE, F_SEGMENT, F_EXCHANGE };

typedef enum pstate {
  ST_FIELD_START,
  ST_UNQUOTED,
  ST_QUOTED,
  ST_QUOTE_SEEN, /* a '"' inside a quoted field: end of field or "" */
  ST_SKIP,       /* rejected record: drop bytes until the next newline */
} pstate;

struct g6_instruments {
  g6_instrument *rows;
  size_t n, cap, max_rows;
  size_t *index_rows; /* positions of kind INDEX rows after sorting */
  size_t n_index;
  g6_instruments_stats st;
  /* parser state */
  pstate state;
  char rec[REC_MAX];
  size_t rec_len;
  size_t fstart[MAX_FIELDS];
  size_t nfields;
  bool field_quoted; /* the record had a quoted field (not an empty line) */
  uint32_t line;     /* the line being read (1 = the header) */
  uint32_t rec_line; /* the line the current record starts on */
  bool header_seen;
  bool finished;
  g6_status failed; /* sticky failure */
  char fail_msg[sizeof(((g6_error *)0)->msg)];
};

g6_instruments *g6_instruments_new(size_t max_rows) {
  g6_instruments *t = calloc(1, sizeof(*t));
  if (t != NULL) {
    t->max_rows = max_rows ? max_rows : DEFAULT_MAX_ROWS;
    t->line = t->rec_line = 1;
  }
  return t;
}

void g6_instruments_free(g6_instruments *t) {
  if (t == NULL)
    return;
  g6_pages_free(t->rows, t->cap * sizeof(*t->rows));
  free(t->index_rows);
  free(t);
}

static g6_status fail(g6_instruments *t, g6_error *err, g6_status code,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static g6_status fail(g6_instruments *t, g6_error *err, g6_status code,
                      const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(t->fail_msg, sizeof(t->fail_msg), fmt, ap);
  va_end(ap);
  t->failed = code;
  return g6_error_set(err, code, "%s", t->fail_msg);
}

/* Counts a rejected row (starting on `line`); the first of each reason
 * keeps its line and what was wrong. */
/* A message quoting the file's fields, made safe to log (control bytes
 * of a hostile CSV as '?'). */
static void scrub(char *what, size_t cap) {
  g6_printable(what, strnlen(what, cap), what, cap);
}

static void reject_line(g6_instruments *t, g6_inst_reject why, uint32_t line,
                        const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void reject_line(g6_instruments *t, g6_inst_reject why, uint32_t line,
                        const char *fmt, ...) {
  if (t->st.rejects[why]++ == 0) {
    t->st.first_line[why] = line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->st.first_what[why], sizeof(t->st.first_what[why]), fmt, ap);
    va_end(ap);
    scrub(t->st.first_what[why], sizeof(t->st.first_what[why]));
  }
  t->st.rejected++;
}

#define reject(t, why, ...) reject_line(t, why, (t)->rec_line, __VA_ARGS__)

static void reset_record(g6_instruments *t) {
  t->rec_line = t->line + 1; /* called at a record's newline */
  t->rec_len = 0;
  t->nfields = 0;
  t->fstart[0] = 0;
  t->field_quoted = false;
}

static const char *field(const g6_instruments *t, size_t i) {
  return t->rec + t->fstart[i];
}

/* Prints a field for an error message: bounded, control bytes as '?'. */
static void printable(const char *s, char *out, size_t len) {
  g6_printable(s, strlen(s), out, len);
}

static g6_status check_header(g6_instruments *t, g6_error *err) {
  const char *first = field(t, 0);
  if ((unsigned char)first[0] == 0xEF && (unsigned char)first[1] == 0xBB &&
      (unsigned char)first[2] == 0xBF)
    t->fstart[0] += 3; /* UTF-8 byte order mark */
  for (size_t i = 0; i < NCOLS && i < t->nfields; i++) {
    if (strcmp(field(t, i), header_cols[i]) != 0) {
      char got[48];
      printable(field(t, i), got, sizeof(got));
      return fail(t, err, G6_EPROTO,
                  "instruments CSV: header column %zu is \"%s\", expected "
                  "\"%s\" (expected columns: instrument_token,exchange_token,"
                  "tradingsymbol,name,last_price,expiry,strike,tick_size,"
                  "lot_size,instrument_type,segment,exchange)",
                  i + 1, got, header_cols[i]);
    }
  }
  if (t->nfields != NCOLS)
    return fail(t, err, G6_EPROTO,
                "instruments CSV: header has %zu columns, expected %d "
                "(instrument_token ... exchange)",
                t->nfields, NCOLS);
  t->header_seen = true;
  return G6_OK;
}

static bool parse_u64(const char *s, uint64_t *out) {
  if (!isdigit((unsigned char)s[0]))
    return false;
  errno = 0;
  char *end;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno != 0 || *end != '\0')
    return false;
  *out = v;
  return true;
}

static bool parse_num(const char *s, double *out) {
  if (s[0] == '\0' || isspace((unsigned char)s[0]))
    return false;
  char *end;
  double v = strtod(s, &end);
  if (*end != '\0' || !isfinite(v))
    return false;
  *out = v;
  return true;
}

/* A field for a reject's description: bounded, control bytes as '?'. */
#define SHOW(i) show(field(t, (i)), (char[40]){0}, 40)
static const char *show(const char *s, char *out, size_t len) {
  printable(s, out, len);
  return out;
}

static bool copy_field(char *dst, size_t cap, const char *src) {
  size_t n = strlen(src);
  if (n >= cap)
    return false;
  memcpy(dst, src, n + 1);
  return true;
}

static g6_status push_row(g6_instruments *t, const g6_instrument *in,
                          g6_error *err) {
  if (t->n >= t->max_rows)
    return fail(t, err, G6_ETOOBIG,
                "instruments CSV: more than %zu option/index rows", t->max_rows);
  if (t->n == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 1024;
    if (cap > t->max_rows)
      cap = t->max_rows;
    /* the table reaches MiBs and is replaced on every reload: page-backed,
     * never a malloc chunk (core/pages.h) */
    g6_instrument *p =
        g6_pages_resize(t->rows, t->cap * sizeof(*p), cap * sizeof(*p));
    if (p == NULL)
      return fail(t, err, G6_ENOMEM, "instruments CSV: out of memory");
    t->rows = p;
    t->cap = cap;
  }
  t->rows[t->n++] = *in;
  return G6_OK;
}

static g6_status process_row(g6_instruments *t, g6_error *err) {
  t->st.rows++;
  if (t->nfields != NCOLS) {
    reject(t, G6_INST_REJ_COLUMNS, "%zu fields, expected %d", t->nfields,
           NCOLS);
    return G6_OK;
  }
  const char *type = field(t, F_TYPE), *segment = field(t, F_SEGMENT);
  g6_instrument in;
  memset(&in, 0, sizeof(in));
  if (strcmp(type, "CE") == 0)
    in.kind = G6_INST_CE;
  else if (strcmp(type, "PE") == 0)
    in.kind = G6_INST_PE;
  else if (strcmp(segment, "INDICES") == 0)
    in.kind = G6_INST_INDEX;
  else {
    t->st.skipped++;
    return G6_OK;
  }
  if (!parse_u64(field(t, F_TOKEN), &in.instrument_token)) {
    reject(t, G6_INST_REJ_NUMBER,
           "instrument_token \"%s\" is not a whole number", SHOW(F_TOKEN));
    return G6_OK;
  }
  static const struct {
    size_t f;
    size_t cap;
  } lens[] = {{F_SYMBOL, G6_INST_SYMBOL_MAX},
              {F_NAME, G6_INST_SYMBOL_MAX},
              {F_EXCHANGE, sizeof(in.exchange)},
              {F_SEGMENT, sizeof(in.segment)}};
  for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++)
    if (strlen(field(t, lens[k].f)) >= lens[k].cap) {
      reject(t, G6_INST_REJ_TOO_LONG, "%s \"%s...\" is longer than %zu bytes",
             header_cols[lens[k].f], SHOW(lens[k].f), lens[k].cap - 1);
      return G6_OK;
    }
  copy_field(in.tradingsymbol, sizeof(in.tradingsymbol), field(t, F_SYMBOL));
  copy_field(in.name, sizeof(in.name), field(t, F_NAME));
  copy_field(in.exchange, sizeof(in.exchange), field(t, F_EXCHANGE));
  copy_field(in.segment, sizeof(in.segment), segment);
  if (in.tradingsymbol[0] == '\0' || in.exchange[0] == '\0') {
    reject(t, G6_INST_REJ_SYMBOL, "%s is empty",
           in.exchange[0] ? "tradingsymbol" : "exchange");
    return G6_OK;
  }
  in.line = t->rec_line;
  in.expiry_day = -1;
  if (in.kind == G6_INST_INDEX) {
    const char *root = in.name[0] ? in.name : in.tradingsymbol;
    if (!copy_field(in.root, sizeof(in.root), root)) {
      reject(t, G6_INST_REJ_TOO_LONG,
             "index name \"%s...\" is longer than %zu bytes",
             show(root, (char[40]){0}, 40), sizeof(in.root) - 1);
      return G6_OK;
    }
    t->st.indices++;
    return push_row(t, &in, err);
  }
  double strike, tick, lot;
  size_t bad = NCOLS; /* the field that is not a number in range */
  const char *rule = "";
  if (!parse_num(field(t, F_STRIKE), &strike) || strike < 0 || strike > 1e12)
    bad = F_STRIKE, rule = "a number 0 ... 1e12";
  else if (!parse_num(field(t, F_TICK), &tick) || tick < 0)
    bad = F_TICK, rule = "a number >= 0";
  else if (!parse_num(field(t, F_LOT), &lot) || lot < 0 || lot > 2e9 ||
           lot != floor(lot))
    bad = F_LOT, rule = "a whole number 0 ... 2e9";
  if (bad != NCOLS) {
    reject(t, G6_INST_REJ_NUMBER, "%s: %s \"%s\" is not %s",
           in.tradingsymbol, header_cols[bad], SHOW(bad), rule);
    return G6_OK;
  }
  g6_date d;
  if (g6_date_parse(field(t, F_EXPIRY), &d) != G6_OK) {
    reject(t, G6_INST_REJ_EXPIRY, "%s: expiry \"%s\" is not a YYYY-MM-DD date",
           in.tradingsymbol, SHOW(F_EXPIRY));
    return G6_OK;
  }
  in.strike = strike;
  in.strike_paise = llround(strike * 100.0);
  in.tick_size = tick;
  in.lot_size = (int32_t)lot;
  in.expiry_day = (int32_t)g6_days_from_civil(d.year, d.month, d.day);
  if (in.name[0] != '\0') {
    if (!copy_field(in.root, sizeof(in.root), in.name)) {
      reject(t, G6_INST_REJ_TOO_LONG,
             "name \"%s\" is longer than %zu bytes (an underlying's root)",
             in.name, sizeof(in.root) - 1);
      return G6_OK;
    }
    in.root_rule = G6_ROOT_NAME;
  } else {
    size_t k = 0;
    while (in.tradingsymbol[k] != '\0' &&
           !isdigit((unsigned char)in.tradingsymbol[k]))
      k++;
    if (k == 0 || in.tradingsymbol[k] == '\0') {
      reject(t, G6_INST_REJ_SYMBOL,
             "tradingsymbol \"%s\" has no root (letters before a digit) "
             "and name is empty",
             in.tradingsymbol);
      return G6_OK;
    }
    if (k >= sizeof(in.root)) {
      reject(t, G6_INST_REJ_TOO_LONG,
             "the root of tradingsymbol \"%s\" is longer than %zu bytes",
             in.tradingsymbol, sizeof(in.root) - 1);
      return G6_OK;
    }
    memcpy(in.root, in.tradingsymbol, k);
    in.root[k] = '\0';
    in.root_rule = G6_ROOT_SYMBOL;
  }
  /* the symbol names the kind and the expiry (exchange-calendar.md); it
   * must be exactly one of Kite's two forms with this row's strike and type,
   * else its kind is a guess: a weekly written NIFTY26DEC0126200CE was read
   * as a monthly and this_month collected weeklies */
  g6_date sd;
  in.series = (uint8_t)g6_expiry_of_contract(in.tradingsymbol, in.root,
                                             in.strike_paise, type, &sd);
  if (in.series == G6_EXPIRY_KIND_UNKNOWN) {
    char ex[11], st[32];
    g6_date_format(d, ex);
    if (!g6_strike_symbol_text(in.strike_paise, st, sizeof(st)))
      snprintf(st, sizeof(st), "%s", field(t, F_STRIKE));
    reject(t, G6_INST_REJ_FORM,
           "%s:%s is neither %s<YY><MON> nor %s<YY><M><DD> + strike %s + %s "
           "(expiry %s)",
           in.exchange, in.tradingsymbol, in.root, in.root, st, type, ex);
    return G6_OK;
  }
  /* when the symbol's date and the column disagree the contract was moved
   * after listing (NSE keeps the symbol): the column is the exchange's word,
   * the row is kept and noted */
  if ((in.series == G6_EXPIRY_WEEKLY &&
       !g6_date_equal(sd, d)) ||
      (in.series == G6_EXPIRY_MONTHLY &&
       (sd.year != d.year || sd.month != d.month))) {
    if (t->st.moved++ == 0) {
      char says[11], is[11];
      g6_date_format(in.series == G6_EXPIRY_WEEKLY ? sd
                                                   : (g6_date){sd.year,
                                                               sd.month, 1},
                     says);
      if (in.series == G6_EXPIRY_MONTHLY)
        says[7] = '\0'; /* a month: YYYY-MM */
      g6_date_format(d, is);
      t->st.moved_line = t->rec_line;
      snprintf(t->st.moved_what, sizeof(t->st.moved_what),
               "tradingsymbol %s names %s, expiry is %s", in.tradingsymbol,
               says, is);
      scrub(t->st.moved_what, sizeof(t->st.moved_what));
    }
  }
  t->st.root_rule[in.root_rule]++;
  t->st.options++;
  return push_row(t, &in, err);
}

/* Ends the current field: G6_OK, G6_ERANGE past MAX_FIELDS fields, or
 * G6_ETOOBIG when the record has no room left for the field's NUL (a run of
 * empty fields after a long one; it wrote past rec before). */
static g6_status end_field(g6_instruments *t) {
  if (t->nfields >= MAX_FIELDS)
    return G6_ERANGE;
  if (t->rec_len + 1 >= REC_MAX)
    return G6_ETOOBIG;
  t->rec[t->rec_len++] = '\0';
  t->nfields++;
  if (t->nfields < MAX_FIELDS)
    t->fstart[t->nfields] = t->rec_len;
  return G6_OK;
}

static g6_status end_record(g6_instruments *t, g6_error *err) {
  g6_status s = G6_OK;
  bool blank = t->nfields == 1 && field(t, 0)[0] == '\0' && !t->field_quoted;
  if (!blank) {
    if (!t->header_seen)
      s = check_header(t, err);
    else
      s = process_row(t, err);
  }
  reset_record(t);
  return s;
}

/* The record would overflow: reject it and skip to the next newline. */
static void skip_record(g6_instruments *t, g6_inst_reject why) {
  if (t->header_seen) {
    t->st.rows++;
    if (why == G6_INST_REJ_COLUMNS)
      reject(t, why, "more than %d fields", MAX_FIELDS);
    else if (why == G6_INST_REJ_TOO_LONG)
      reject(t, why, "the record is longer than %d bytes", REC_MAX - 2);
    else
      reject(t, why, "text after the closing quote of field %zu",
             t->nfields + 1);
  }
  reset_record(t);
  t->state = ST_SKIP;
}

static bool put(g6_instruments *t, char c) {
  if (t->rec_len + 2 >= REC_MAX) /* room for c and the field's NUL */
    return false;
  t->rec[t->rec_len++] = c;
  return true;
}

g6_status g6_instruments_feed(g6_instruments *t, const char *data, size_t len,
                              g6_error *err) {
  if (t->failed != G6_OK)
    return g6_error_set(err, t->failed, "%s", t->fail_msg);
  if (t->finished)
    return g6_error_set(err, G6_EINVAL, "instruments CSV: feed after finish");
  t->st.bytes += len;
  for (size_t i = 0; i < len; i++) {
    char c = data[i];
    g6_status fe;
    g6_status s = G6_OK;
    switch (t->state) {
    case ST_SKIP:
      if (c == '\n') {
        t->state = ST_FIELD_START;
        t->rec_line = ++t->line;
      }
      continue;
    case ST_FIELD_START:
      if (c == '"') {
        t->state = ST_QUOTED;
        t->field_quoted = true;
        continue;
      }
      /* fall through */
    case ST_UNQUOTED:
      if (c == ',') {
        if ((fe = end_field(t)) != G6_OK) {
          skip_record(t, fe == G6_ERANGE ? G6_INST_REJ_COLUMNS
                                         : G6_INST_REJ_TOO_LONG);
          continue;
        }
        t->state = ST_FIELD_START;
      } else if (c == '\n') {
        if ((fe = end_field(t)) != G6_OK) {
          skip_record(t, fe == G6_ERANGE ? G6_INST_REJ_COLUMNS
                                         : G6_INST_REJ_TOO_LONG);
          t->state = ST_FIELD_START;
          t->rec_line = ++t->line;
          continue;
        }
        s = end_record(t, err);
        t->state = ST_FIELD_START;
        t->line++;
      } else if (c == '\r') {
        continue; /* CRLF line ends (Zerodha's dumps use them) */
      } else if (!put(t, c)) {
        skip_record(t, G6_INST_REJ_TOO_LONG);
      } else {
        t->state = ST_UNQUOTED;
      }
      break;
    case ST_QUOTED:
      if (c == '"')
        t->state = ST_QUOTE_SEEN;
      else if (!put(t, c))
        skip_record(t, G6_INST_REJ_TOO_LONG);
      if (c == '\n') /* a line break inside the field */
        t->line++;
      break;
    case ST_QUOTE_SEEN:
      if (c == '"') {
        if (!put(t, c))
          skip_record(t, G6_INST_REJ_TOO_LONG);
        else
          t->state = ST_QUOTED;
      } else if (c == ',' || c == '\n') {
        t->state = ST_UNQUOTED;
        i--; /* handle the separator as after an unquoted field */
      } else if (c != '\r') {
        skip_record(t, G6_INST_REJ_QUOTE);
      }
      break;
    }
    if (s != G6_OK)
      return s;
  }
  return G6_OK;
}

static int cmp_rows(const void *pa, const void *pb) {
  const g6_instrument *a = pa, *b = pb;
  int c = strcmp(a->root, b->root);
  if (c != 0)
    return c;
  if ((c = strcmp(a->segment, b->segment)) != 0)
    return c;
  if (a->expiry_day != b->expiry_day)
    return a->expiry_day < b->expiry_day ? -1 : 1;
  if (a->strike_paise != b->strike_paise)
    return a->strike_paise < b->strike_paise ? -1 : 1;
  if (a->kind != b->kind)
    return a->kind < b->kind ? -1 : 1;
  return strcmp(a->tradingsymbol, b->tradingsymbol);
}

static bool same_contract(const g6_instrument *a, const g6_instrument *b) {
  return a->kind != G6_INST_INDEX && a->kind == b->kind &&
         a->expiry_day == b->expiry_day && a->strike_paise == b->strike_paise &&
         strcmp(a->root, b->root) == 0 && strcmp(a->segment, b->segment) == 0;
}

static int cmp_symbols(const void *pa, const void *pb, void *vrows) {
  const g6_instrument *rows = vrows;
  const g6_instrument *a = &rows[*(const size_t *)pa];
  const g6_instrument *b = &rows[*(const size_t *)pb];
  int c = strcmp(a->exchange, b->exchange);
  if (c == 0)
    c = strcmp(a->tradingsymbol, b->tradingsymbol);
  if (c == 0)
    c = (a->line > b->line) - (a->line < b->line);
  return c;
}

/* Rejects every copy of a trading symbol listed twice on one exchange with
 * different contents and of a contract listed under two symbols (the rows
 * are sorted): the dump is wrong there, and which copy is right cannot be
 * told. A row repeated byte for byte is kept once (counted as repeated). */
static g6_status drop_duplicates(g6_instruments *t, g6_error *err) {
  if (t->n < 2)
    return G6_OK;
  bool *dup = calloc(t->n, sizeof(*dup));   /* rejected */
  bool *same = calloc(t->n, sizeof(*same)); /* a repeat of a kept row */
  size_t *order = malloc(t->n * sizeof(*order));
  if (dup == NULL || same == NULL || order == NULL) {
    free(dup);
    free(same);
    free(order);
    return fail(t, err, G6_ENOMEM, "instruments CSV: out of memory");
  }
  for (size_t i = 0; i < t->n; i++)
    order[i] = i;
  qsort_r(order, t->n, sizeof(*order), cmp_symbols, t->rows);
  /* runs of one symbol (sorted by exchange, symbol, line): all copies
   * byte for byte the same (rows are zeroed before they are filled, so
   * their padding compares too) keep the first; any difference rejects
   * the whole run */
  for (size_t k = 0; k < t->n;) {
    const g6_instrument *a = &t->rows[order[k]];
    size_t end = k + 1;
    bool identical = true;
    for (; end < t->n; end++) {
      const g6_instrument *b = &t->rows[order[end]];
      if (strcmp(a->exchange, b->exchange) != 0 ||
          strcmp(a->tradingsymbol, b->tradingsymbol) != 0)
        break;
      g6_instrument x = *a, y = *b;
      x.line = y.line = 0;
      identical = identical && memcmp(&x, &y, sizeof(x)) == 0;
    }
    for (size_t j = k + 1; j < end; j++) {
      if (identical) {
        same[order[j]] = true;
        continue;
      }
      if (j == k + 1) {
        dup[order[k]] = true;
        reject_line(t, G6_INST_REJ_DUPLICATE, a->line,
                    "%s:%s is listed on lines %u and %u", a->exchange,
                    a->tradingsymbol, a->line, t->rows[order[j]].line);
      }
      dup[order[j]] = true;
      reject_line(t, G6_INST_REJ_DUPLICATE, t->rows[order[j]].line,
                  "%s:%s is listed on lines %u and %u", a->exchange,
                  a->tradingsymbol, a->line, t->rows[order[j]].line);
    }
    k = end;
  }
  /* one contract under two symbols; repeats (same) are not compared */
  for (size_t i = 1, prev = 0; i < t->n; i++) {
    if (same[i])
      continue;
    const g6_instrument *pa = &t->rows[prev], *pb = &t->rows[i];
    size_t p0 = prev;
    prev = i;
    if (!same_contract(pa, pb))
      continue;
    for (size_t j = 0; j < 2; j++) {
      size_t r = j == 0 ? p0 : i;
      if (!dup[r]) {
        dup[r] = true;
        reject_line(t, G6_INST_REJ_DUPLICATE, t->rows[r].line,
                    "%s %s %s is listed as %s (line %u) and %s (line %u)",
                    pa->segment, pa->root, pa->kind == G6_INST_CE ? "CE" : "PE",
                    pa->tradingsymbol, pa->line, pb->tradingsymbol, pb->line);
      }
    }
  }
  size_t kept = 0;
  for (size_t i = 0; i < t->n; i++) {
    const g6_instrument *r = &t->rows[i];
    if (same[i] && !dup[i])
      t->st.repeated++;
    if (!dup[i] && !same[i])
      t->rows[kept++] = *r;
    else if (r->kind == G6_INST_INDEX)
      t->st.indices--;
    else {
      t->st.options--;
      t->st.root_rule[r->root_rule]--;
    }
  }
  t->n = kept;
  free(dup);
  free(same);
  free(order);
  return G6_OK;
}

/* Marks the options of expiries that do not share one lot size (the rows
 * are sorted: an expiry's options are one run), counts those expiries and
 * describes the first.
 * Every contract of an expiry has one lot size (NSE revises lot sizes for
 * the contracts listed after a date, never within one expiry): two of them
 * mean the dump is wrong for that expiry, and which is right cannot be
 * told. */
static void note_mixed_lots(g6_instruments *t) {
  for (size_t k = 0; k < t->n;) {
    const g6_instrument *a = &t->rows[k];
    size_t end = k + 1;
    /* the first row that gives a lot size (0: the row does not say, as the
     * provider reads it) and the first that gives another */
    const g6_instrument *first = a->lot_size > 0 ? a : NULL, *other = NULL;
    for (; end < t->n; end++) {
      const g6_instrument *b = &t->rows[end];
      if (b->expiry_day != a->expiry_day || b->kind == G6_INST_INDEX ||
          strcmp(b->root, a->root) != 0 || strcmp(b->segment, a->segment) != 0)
        break;
      if (b->lot_size <= 0 || other != NULL)
        continue;
      if (first == NULL)
        first = b;
      else if (b->lot_size != first->lot_size)
        other = b;
    }
    if (a->kind == G6_INST_INDEX || other == NULL) {
      k = end;
      continue;
    }
    for (size_t i = k; i < end; i++)
      t->rows[i].lot_mixed = 1;
    if (t->st.mixed_lots++ == 0) {
      char date[11];
      g6_date_format(g6_civil_from_days(a->expiry_day), date);
      snprintf(t->st.mixed_lots_what, sizeof(t->st.mixed_lots_what),
               "%s %s %s: lot size %d on line %u (%s), %d on line %u (%s)",
               a->root, a->segment, date, (int)first->lot_size, first->line,
               first->tradingsymbol, (int)other->lot_size, other->line,
               other->tradingsymbol);
      scrub(t->st.mixed_lots_what, sizeof(t->st.mixed_lots_what));
    }
    k = end;
  }
}

g6_status g6_instruments_finish(g6_instruments *t, g6_error *err) {
  if (t->failed != G6_OK)
    return g6_error_set(err, t->failed, "%s", t->fail_msg);
  if (t->finished)
    return G6_OK;
  if (t->state == ST_QUOTED)
    return fail(t, err, G6_ETRUNCATED,
                "instruments CSV: input ends inside a quoted field");
  if (t->state != ST_SKIP && (t->rec_len > 0 || t->nfields > 0 ||
                              t->field_quoted)) {
    g6_status s = G6_OK;
    g6_status fe = end_field(t);
    if (fe != G6_OK) {
      skip_record(t, fe == G6_ERANGE ? G6_INST_REJ_COLUMNS
                                     : G6_INST_REJ_TOO_LONG);
    } else {
      s = end_record(t, err);
    }
    if (s != G6_OK)
      return s;
  }
  if (!t->header_seen)
    return fail(t, err, G6_EPROTO, "instruments CSV: empty (no header line)");
  if (t->n > 1)
    qsort(t->rows, t->n, sizeof(*t->rows), cmp_rows);
  g6_status ds = drop_duplicates(t, err);
  if (ds != G6_OK)
    return ds;
  note_mixed_lots(t);
  size_t n_index = 0;
  for (size_t i = 0; i < t->n; i++)
    n_index += t->rows[i].kind == G6_INST_INDEX;
  if (n_index > 0) {
    t->index_rows = malloc(n_index * sizeof(*t->index_rows));
    if (t->index_rows == NULL)
      return fail(t, err, G6_ENOMEM, "instruments CSV: out of memory");
    for (size_t i = 0; i < t->n; i++)
      if (t->rows[i].kind == G6_INST_INDEX)
        t->index_rows[t->n_index++] = i;
  }
  t->finished = true;
  return G6_OK;
}

g6_status g6_instruments_parse(const char *data, size_t len, size_t max_rows,
                               g6_instruments **out, g6_error *err) {
  *out = NULL;
  g6_instruments *t = g6_instruments_new(max_rows);
  if (t == NULL)
    return g6_error_set(err, G6_ENOMEM, "instruments CSV: out of memory");
  g6_status s = g6_instruments_feed(t, data, len, err);
  if (s == G6_OK)
    s = g6_instruments_finish(t, err);
  if (s != G6_OK) {
    g6_instruments_free(t);
    return s;
  }
  *out = t;
  return G6_OK;
}

const g6_instruments_stats *g6_instruments_get_stats(const g6_instruments *t) {
  return &t->st;
}

size_t g6_instruments_count(const g6_instruments *t) {
  return t->finished ? t->n : 0;
}

const g6_instrument *g6_instruments_at(const g6_instruments *t, size_t i) {
  return (t->finished && i < t->n) ? &t->rows[i] : NULL;
}

/* First row whose (root, segment) >= the given pair. */
static size_t lower_bound(const g6_instruments *t, const char *root,
                          const char *segment, int64_t expiry,
                          int64_t strike_paise, int kind) {
  size_t lo = 0, hi = t->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const g6_instrument *r = &t->rows[mid];
    int c = strcmp(r->root, root);
    if (c == 0)
      c = strcmp(r->segment, segment);
    if (c == 0 && r->expiry_day != expiry)
      c = r->expiry_day < expiry ? -1 : 1;
    if (c == 0 && r->strike_paise != strike_paise)
      c = r->strike_paise < strike_paise ? -1 : 1;
    if (c == 0 && r->kind != kind)
      c = r->kind < kind ? -1 : 1;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

size_t g6_instruments_expiries(const g6_instruments *t, const char *index,
                               const char *segment, int64_t today_day,
                               int64_t *out, size_t max) {
  if (!t->finished)
    return 0;
  size_t i = lower_bound(t, index, segment, today_day, INT64_MIN, -1);
  size_t found = 0;
  while (i < t->n) {
    const g6_instrument *r = &t->rows[i];
    if (strcmp(r->root, index) != 0 || strcmp(r->segment, segment) != 0)
      break;
    if (r->kind == G6_INST_INDEX || r->expiry_day < today_day) {
      i++;
      continue;
    }
    int64_t day = r->expiry_day;
    if (found < max)
      out[found] = day;
    found++;
    if (day == INT64_MAX)
      break;
    /* the rows are sorted by expiry: the next expiry's first row is a
     * binary search away, not a walk over this expiry's strikes (every
     * cycle asks, and an index lists thousands of contracts) */
    i = lower_bound(t, index, segment, day + 1, INT64_MIN, -1);
  }
  return found;
}

g6_expiry_kind g6_instruments_expiry_kind(const g6_instruments *t,
                                          const char *index,
                                          const char *segment,
                                          int64_t expiry_day) {
  if (!t->finished)
    return G6_EXPIRY_KIND_UNKNOWN;
  size_t i = lower_bound(t, index, segment, expiry_day, INT64_MIN, -1);
  /* the expiry's rows end where the next expiry's begin (sorted rows; no
   * date is day INT64_MAX) */
  size_t end = expiry_day == INT64_MAX
                   ? i
                   : lower_bound(t, index, segment, expiry_day + 1, INT64_MIN,
                                 -1);
  int kind = -1;
  for (; i < end; i++) {
    const g6_instrument *r = &t->rows[i];
    if (r->kind == G6_INST_INDEX)
      continue;
    if (kind < 0)
      kind = r->series;
    else if (kind != r->series)
      return G6_EXPIRY_KIND_UNKNOWN; /* the symbols disagree */
  }
  return kind < 0 ? G6_EXPIRY_KIND_UNKNOWN : (g6_expiry_kind)kind;
}

g6_status g6_instruments_find_option(const g6_instruments *t,
                                     const char *index, const char *segment,
                                     int64_t expiry_day, double strike,
                                     g6_opt_type type,
                                     const g6_instrument **out) {
  *out = NULL;
  if (!t->finished || !isfinite(strike))
    return G6_ENOENT;
  int64_t sp = llround(strike * 100.0);
  int kind = type == G6_CALL ? G6_INST_CE : G6_INST_PE;
  size_t i = lower_bound(t, index, segment, expiry_day, sp, kind);
  if (i < t->n) {
    const g6_instrument *r = &t->rows[i];
    if (strcmp(r->root, index) == 0 && strcmp(r->segment, segment) == 0 &&
        r->expiry_day == expiry_day && r->strike_paise == sp &&
        r->kind == kind) {
      *out = r;
      return G6_OK;
    }
  }
  return G6_ENOENT;
}

const g6_instrument *g6_instruments_find_index(const g6_instruments *t,
                                               const char *exchange,
                                               const char *tradingsymbol) {
  for (size_t k = 0; k < t->n_index; k++) {
    const g6_instrument *r = &t->rows[t->index_rows[k]];
    if (strcmp(r->exchange, exchange) == 0 &&
        strcmp(r->tradingsymbol, tradingsymbol) == 0)
      return r;
  }
  return NULL;
}

size_t g6_instrument_key(const g6_instrument *in, char *buf, size_t len) {
  /* snprintf's contract without snprintf (8,040 keys a cycle) */
  size_t e = strnlen(in->exchange, sizeof(in->exchange));
  size_t t = strnlen(in->tradingsymbol, sizeof(in->tradingsymbol));
  size_t n = e + 1 + t;
  if (len > 0) {
    char parts[sizeof(in->exchange) + 1 + sizeof(in->tradingsymbol)];
    memcpy(parts, in->exchange, e);
    parts[e] = ':';
    memcpy(parts + e + 1, in->tradingsymbol, t);
    size_t k = n < len ? n : len - 1;
    memcpy(buf, parts, k);
    buf[k] = '\0';
  }
  return n;
}

const char *g6_inst_reject_name(g6_inst_reject r) {
  static const char *const names[G6_INST_REJ_COUNT] = {
      "columns", "too_long", "number",    "expiry",
      "symbol",  "quote",    "duplicate", "symbol_form"};
  return (unsigned)r < G6_INST_REJ_COUNT ? names[r] : "unknown";
}

const char *g6_inst_root_rule_name(g6_inst_root_rule r) {
  return r == G6_ROOT_NAME ? "name" : r == G6_ROOT_SYMBOL ? "symbol" : "unknown";
}

size_t g6_instruments_rejects_text(const g6_instruments_stats *st, char *out,
                                   size_t len) {
  size_t n = 0;
  if (len > 0)
    out[0] = '\0';
  for (int r = 0; r < G6_INST_REJ_COUNT; r++) {
    if (st->rejects[r] == 0)
      continue;
    char part[64 + G6_INST_WHAT_MAX];
    int k = snprintf(part, sizeof(part), "%s%s=%llu (first: line %u, %s)",
                     n ? "; " : "", g6_inst_reject_name((g6_inst_reject)r),
                     (unsigned long long)st->rejects[r], st->first_line[r],
                     st->first_what[r]);
    if (k > 0 && len > n)
      snprintf(out + n, len - n, "%s", part);
    n += k > 0 ? (size_t)k : 0;
  }
  return n;
}
