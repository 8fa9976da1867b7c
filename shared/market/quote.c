#include "market/quote.h"

#include "core/ist.h"
#include "core/pages.h"
#include "market/quote_fast.h"

#include <yajl/yajl_parse.h>

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX G6_QUOTE_KEY_MAX
#define STACK_MAX 8

/* ---- table --------------------------------------------------------------- */

struct g6_quote_table {
  size_t n;
  const char **keys; /* the caller's (borrowed: quote.h) */
  size_t *key_len; /* strlen of each key: a body's key may hold a NUL */
  g6_quote *q;
  unsigned char *present;
  g6_status *failed; /* per entry: why it is absent (G6_OK: not failed) */
  unsigned char *malformed; /* per entry: its quote was sent malformed */
  size_t *slots; /* open addressing: entry index + 1, 0 = empty */
  size_t nslots; /* power of two */
};

static uint64_t fnv1a(const char *s, size_t len) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < len; i++) {
    h ^= (unsigned char)s[i];
    h *= 1099511628211ull;
  }
  return h;
}

long g6_quote_table_find_n(const g6_quote_table *t, const char *key,
                           size_t len) {
  if (t->nslots == 0)
    return -1;
  size_t mask = t->nslots - 1;
  for (size_t h = (size_t)fnv1a(key, len) & mask;; h = (h + 1) & mask) {
    size_t e = t->slots[h];
    if (e == 0)
      return -1;
    /* lengths first: "NSE:INFY\u0000x" is not "NSE:INFY", and no byte past
     * a shorter key is read */
    if (t->key_len[e - 1] == len && memcmp(t->keys[e - 1], key, len) == 0)
      return (long)(e - 1);
  }
}

g6_quote_table *g6_quote_table_new(const char *const *keys, size_t n) {
  g6_quote_table *t = calloc(1, sizeof(*t));
  if (t == NULL)
    return NULL;
  size_t ns = 8;
  while (ns < 2 * n + 2)
    ns *= 2;
  t->nslots = ns;
  t->slots = calloc(ns, sizeof(*t->slots));
  t->keys = calloc(n ? n : 1, sizeof(*t->keys));
  t->key_len = calloc(n ? n : 1, sizeof(*t->key_len));
  t->q = calloc(n ? n : 1, sizeof(*t->q));
  t->present = calloc(n ? n : 1, 1);
  t->failed = calloc(n ? n : 1, sizeof(*t->failed)); /* all G6_OK */
  t->malformed = calloc(n ? n : 1, 1);
  if (t->slots == NULL || t->keys == NULL || t->key_len == NULL ||
      t->q == NULL || t->present == NULL || t->failed == NULL ||
      t->malformed == NULL) {
    g6_quote_table_free(t);
    return NULL;
  }
  for (size_t i = 0; i < n; i++) {
    size_t len = keys[i] ? strlen(keys[i]) : 0;
    if (len == 0 || len >= KEY_MAX) {
      g6_quote_table_free(t);
      return NULL;
    }
    if (g6_quote_table_find_n(t, keys[i], len) >= 0)
      continue; /* duplicate request */
    const char *k = keys[i];
    t->keys[t->n] = k;
    t->key_len[t->n] = len;
    size_t mask = t->nslots - 1, h = (size_t)fnv1a(k, len) & mask;
    while (t->slots[h] != 0)
      h = (h + 1) & mask;
    t->slots[h] = ++t->n;
  }
  return t;
}

void g6_quote_table_free(g6_quote_table *t) {
  if (t == NULL)
    return;
  free(t->keys);
  free(t->key_len);
  free(t->q);
  free(t->present);
  free(t->failed);
  free(t->malformed);
  free(t->slots);
  free(t);
}

size_t g6_quote_table_size(const g6_quote_table *t) { return t->n; }

const char *g6_quote_table_key(const g6_quote_table *t, size_t i) {
  return i < t->n ? t->keys[i] : NULL;
}

long g6_quote_table_find(const g6_quote_table *t, const char *key) {
  return g6_quote_table_find_n(t, key, strlen(key));
}

const g6_quote *g6_quote_table_get(const g6_quote_table *t, size_t i) {
  return (i < t->n && t->present[i]) ? &t->q[i] : NULL;
}

const g6_quote *g6_quote_table_lookup(const g6_quote_table *t,
                                      const char *key) {
  long i = g6_quote_table_find(t, key);
  return i < 0 ? NULL : g6_quote_table_get(t, (size_t)i);
}

void g6_quote_table_set(g6_quote_table *t, size_t i, const g6_quote *q) {
  if (i >= t->n)
    return;
  t->q[i] = *q;
  t->present[i] = 1;
}

size_t g6_quote_table_found(const g6_quote_table *t) {
  size_t n = 0;
  for (size_t i = 0; i < t->n; i++)
    n += t->present[i];
  return n;
}

void g6_quote_table_set_failed(g6_quote_table *t, size_t i, g6_status why) {
  if (i < t->n)
    t->failed[i] = why;
}

g6_status g6_quote_table_failed(const g6_quote_table *t, size_t i) {
  return i < t->n && !t->present[i] ? t->failed[i] : G6_OK;
}

void g6_quote_table_set_malformed(g6_quote_table *t, size_t i) {
  if (i < t->n) {
    t->present[i] = 0;
    t->malformed[i] = 1;
  }
}

bool g6_quote_table_malformed(const g6_quote_table *t, size_t i) {
  return i < t->n && !t->present[i] && t->malformed[i];
}

void g6_quote_table_clear(g6_quote_table *t) {
  memset(t->present, 0, t->n ? t->n : 1);
  memset(t->malformed, 0, t->n ? t->n : 1);
  memset(t->q, 0, (t->n ? t->n : 1) * sizeof(*t->q));
}

/* ---- parser -------------------------------------------------------------- */

typedef enum pctx {
  C_ROOT,  /* before the top-level value */
  C_TOP,   /* the envelope object */
  C_DATA,  /* data: {key: quote} */
  C_QUOTE, /* one quote object */
  C_OHLC,
  C_DEPTH,
  C_SIDE,  /* depth.buy / depth.sell array */
  C_LEVEL, /* one depth level object */
  C_DONE,  /* after the top-level value */
} pctx;

typedef enum key_id {
  K_OTHER = 0,
  /* envelope */
  K_STATUS, K_DATA, K_ERROR_TYPE, K_MESSAGE,
  /* quote */
  K_LAST_PRICE, K_VOLUME, K_OI, K_AVERAGE_PRICE, K_BUY_QUANTITY,
  K_SELL_QUANTITY, K_TOKEN, K_TIMESTAMP, K_OHLC, K_DEPTH,
  /* ohlc */
  K_OPEN, K_HIGH, K_LOW, K_CLOSE,
  /* depth */
  K_BUY, K_SELL,
  /* level */
  K_PRICE, K_QUANTITY, K_ORDERS,
  K_INSTRUMENT, /* a data key */
} key_id;

typedef enum vkind { V_NULL, V_BOOL, V_NUM, V_STR, V_MAP, V_ARR } vkind;

static const char *const vkind_name[] = {"null",   "a boolean", "a number",
                                         "a string", "an object", "an array"};

struct g6_quote_parser {
  g6_quote_table *t;
  yajl_handle h;     /* made when the fast path gives a body up */
  bool yajl_only;    /* g6_quote_parse_reference: never the fast path */
  size_t max_bytes, bytes;
  char *body;        /* the body so far, page-backed (core/pages.h) */
  size_t body_cap;   /* bytes mapped, padding included */
  pctx stack[STACK_MAX];
  int sp;            /* stack[sp] is the current context */
  size_t skip;       /* > 0 while skipping an unknown nested value */
  key_id key;        /* key of the value about to come */
  char ikey[KEY_MAX];/* current data key (printable, for messages) */
  long entry;        /* current quote's table index, -1 if not requested */
  g6_quote cur;
  bool cur_bad;      /* a field of the current quote is wrong: it is
                        dropped, the body read on */
  int side;          /* 0 buy, 1 sell */
  int level;         /* index of the level within its side */
  double lv_price;
  int64_t lv_qty;
  unsigned char *seen; /* per entry: already in this response */
  /* envelope */
  int status;        /* 0 missing, 1 success, 2 error, 3 other */
  int data_kind;     /* 0 missing, 1 object, 2 null */
  g6_quote_parse_info info;
  g6_status failed;
  g6_error ferr;
};

static int pfail(g6_quote_parser *p, g6_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int pfail(g6_quote_parser *p, g6_status code, const char *fmt, ...) {
  if (p->failed == G6_OK) {
    va_list ap;
    va_start(ap, fmt);
    g6_error_vset(&p->ferr, code, fmt, ap);
    va_end(ap);
    p->failed = code;
  }
  return 0; /* cancels the yajl parse */
}

void g6_quote_printable_copy(char *dst, size_t cap, const unsigned char *s,
                             size_t len) {
  g6_printable((const char *)s, len, dst, cap);
}

static int push(g6_quote_parser *p, pctx c) {
  if (p->sp + 1 >= STACK_MAX)
    return pfail(p, G6_EINTERNAL, "quote parser stack overflow");
  p->stack[++p->sp] = c;
  return 1;
}

#define KEYIS(lit) (len == sizeof(lit) - 1 && memcmp(s, lit, len) == 0)

static key_id classify(pctx c, const unsigned char *us, size_t len) {
  const char *s = (const char *)us;
  switch (c) {
  case C_TOP:
    if (KEYIS("status")) return K_STATUS;
    if (KEYIS("data")) return K_DATA;
    if (KEYIS("error_type")) return K_ERROR_TYPE;
    if (KEYIS("message")) return K_MESSAGE;
    return K_OTHER;
  case C_DATA:
    return K_INSTRUMENT;
  case C_QUOTE:
    if (KEYIS("last_price")) return K_LAST_PRICE;
    if (KEYIS("volume")) return K_VOLUME;
    if (KEYIS("oi")) return K_OI;
    if (KEYIS("average_price")) return K_AVERAGE_PRICE;
    if (KEYIS("buy_quantity")) return K_BUY_QUANTITY;
    if (KEYIS("sell_quantity")) return K_SELL_QUANTITY;
    if (KEYIS("instrument_token")) return K_TOKEN;
    if (KEYIS("timestamp")) return K_TIMESTAMP;
    if (KEYIS("ohlc")) return K_OHLC;
    if (KEYIS("depth")) return K_DEPTH;
    return K_OTHER;
  case C_OHLC:
    if (KEYIS("open")) return K_OPEN;
    if (KEYIS("high")) return K_HIGH;
    if (KEYIS("low")) return K_LOW;
    if (KEYIS("close")) return K_CLOSE;
    return K_OTHER;
  case C_DEPTH:
    if (KEYIS("buy")) return K_BUY;
    if (KEYIS("sell")) return K_SELL;
    return K_OTHER;
  case C_LEVEL:
    if (KEYIS("price")) return K_PRICE;
    if (KEYIS("quantity")) return K_QUANTITY;
    if (KEYIS("orders")) return K_ORDERS;
    return K_OTHER;
  default:
    return K_OTHER;
  }
}

static const char *key_name(key_id k) {
  static const char *const names[] = {
      "?", "status", "data", "error_type", "message", "last_price", "volume",
      "oi", "average_price", "buy_quantity", "sell_quantity",
      "instrument_token", "timestamp", "ohlc", "depth", "open", "high", "low",
      "close", "buy", "sell", "price", "quantity", "orders", "?"};
  return names[k];
}

/* Inside data: one instrument's value (sp 2) or anything within it. */
static bool in_data(const g6_quote_parser *p) {
  return p->sp >= 2 && p->stack[2] == C_DATA;
}

static int qbad(g6_quote_parser *p, vkind k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Something in one instrument's quote is wrong (a known field of the wrong
 * type or out of range, a depth level that is not an object): that quote
 * is dropped and its entry marked malformed at its end, the first such
 * message of the body kept; the rest of the body is read on. A container
 * value is skipped whole. Returns 1 (the parse goes on). */
static int qbad(g6_quote_parser *p, vkind k, const char *fmt, ...) {
  if (!p->cur_bad && p->entry >= 0 && p->info.malformed == 0) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->info.malformed_first, sizeof(p->info.malformed_first), fmt,
              ap);
    va_end(ap);
  }
  p->cur_bad = true;
  p->key = K_OTHER;
  if (k == V_MAP || k == V_ARR)
    p->skip = 1;
  return 1;
}

/* An instrument's quote has ended: it is stored, counted as incomplete, or
 * (cur_bad) dropped and marked malformed. */
static void end_quote(g6_quote_parser *p) {
  if (p->cur_bad) {
    if (p->entry >= 0) {
      p->info.quotes++;
      p->info.malformed++;
      g6_quote_table_set_malformed(p->t, (size_t)p->entry);
    }
    p->cur_bad = false;
    return;
  }
  g6_quote_end_object(p->t, p->entry, &p->cur, &p->info);
}

static int wrong_type(g6_quote_parser *p, vkind k) {
  if (p->stack[p->sp] == C_TOP || p->stack[p->sp] == C_ROOT)
    return pfail(p, G6_EPROTO, "quote response: \"%s\" is %s",
                 key_name(p->key), vkind_name[k]);
  return qbad(p, k, "field \"%s\" of \"%s\" is %s", key_name(p->key),
              p->ikey, vkind_name[k]);
}

bool g6_quote_count(double d, int64_t *out) {
  if (!isfinite(d) || d < -9.2e18 || d > 9.2e18 || d != floor(d))
    return false;
  *out = (int64_t)d;
  return true;
}

static int two(const unsigned char *s) {
  return (s[0] - '0') * 10 + (s[1] - '0');
}

int64_t g6_quote_kite_time(const unsigned char *s, size_t len) {
  /* "YYYY-MM-DD HH:MM:SS" in IST, or ISO 8601's forms of it: 'T' for the
   * space, a fraction of a second (dropped), a zone (Z, +HH:MM, +HHMM,
   * -...) that says which instant it is (none: IST, as Kite's) */
  const char *c = (const char *)s;
  if (len < 19 || (s[10] != ' ' && s[10] != 'T') ||
      !g6_digit_shape(c + 11, 8, "dd:dd:dd"))
    return G6_QUOTE_NOT_A_TIME;
  char d[11];
  memcpy(d, s, 10);
  d[10] = '\0';
  g6_date date;
  if (g6_date_parse(d, &date) != G6_OK)
    return G6_QUOTE_NOT_A_TIME;
  int hh = two(s + 11), mm = two(s + 14), ss = two(s + 17);
  if (hh > 23 || mm > 59 || ss > 60)
    return G6_QUOTE_NOT_A_TIME;
  size_t i = 19;
  if (i < len && s[i] == '.') {
    size_t f = ++i;
    while (i < len && s[i] >= '0' && s[i] <= '9')
      i++;
    if (i == f)
      return G6_QUOTE_NOT_A_TIME; /* "12:00:00." */
  }
  int64_t zone = G6_IST_OFFSET_S; /* seconds east of UTC */
  if (i < len && (s[i] == 'Z' || s[i] == 'z') && i + 1 == len) {
    zone = 0;
    i++;
  } else if (i < len && (s[i] == '+' || s[i] == '-')) {
    size_t z = i + 1, left = len - z;
    int zh, zm;
    if (left == 5 && g6_digit_shape(c + z, 5, "dd:dd")) {
      zh = two(s + z);
      zm = two(s + z + 3);
    } else if (left == 4 && g6_digit_shape(c + z, 4, "dddd")) {
      zh = two(s + z);
      zm = two(s + z + 2);
    } else {
      return G6_QUOTE_NOT_A_TIME;
    }
    if (zh > 14 || zm > 59)
      return G6_QUOTE_NOT_A_TIME;
    zone = (s[i] == '-' ? -1 : 1) * (int64_t)(zh * 3600 + zm * 60);
    i = len;
  }
  if (i != len)
    return G6_QUOTE_NOT_A_TIME;
  /* g6_ist_epoch reads the wall time as IST; a zone moves it */
  int64_t t = g6_ist_epoch(date, hh, mm, ss) + G6_IST_OFFSET_S - zone;
  return t > 0 ? t : 0; /* 1970-01-01 05:30:00 IST: Kite's "never" */
}

void g6_quote_bad_time(g6_quote *q, g6_quote_parse_info *info,
                       const char *key, const char *what,
                       const unsigned char *str, size_t slen) {
  q->timestamp = 0;
  q->fields &= ~(uint32_t)G6_QF_TIMESTAMP;
  q->fields |= G6_QF_TIME_UNREADABLE;
  if (info->bad_times++ > 0)
    return;
  if (str != NULL) {
    char shown[40];
    g6_quote_printable_copy(shown, sizeof(shown), str, slen);
    snprintf(info->bad_time_first, sizeof(info->bad_time_first),
             "\"timestamp\" of \"%s\" is \"%s\"", key, shown);
  } else {
    snprintf(info->bad_time_first, sizeof(info->bad_time_first),
             "\"timestamp\" of \"%s\" is %s", key, what);
  }
}

/* A scalar or container value arrived in the current context. */
static int on_value(g6_quote_parser *p, vkind k, double num,
                    const unsigned char *str, size_t slen) {
  if (p->skip > 0) {
    if (k == V_MAP || k == V_ARR)
      p->skip++;
    return 1;
  }
  pctx c = p->stack[p->sp];
  key_id key = p->key;
  p->key = K_OTHER;
  switch (c) {
  case C_ROOT:
    if (k != V_MAP)
      return pfail(p, G6_EPROTO, "quote response: top level is %s, not an "
                                 "object", vkind_name[k]);
    return push(p, C_TOP);
  case C_DONE:
    return pfail(p, G6_EPARSE, "quote response: data after the document");
  case C_TOP:
    p->key = key;
    switch (key) {
    case K_STATUS:
      if (k != V_STR)
        return wrong_type(p, k);
      p->status = (slen == 7 && memcmp(str, "success", 7) == 0) ? 1
                  : (slen == 5 && memcmp(str, "error", 5) == 0) ? 2 : 3;
      return 1;
    case K_DATA:
      if (p->data_kind != 0)
        return pfail(p, G6_EPROTO, "quote response: \"data\" given twice");
      if (k == V_NULL) {
        p->data_kind = 2;
        return 1;
      }
      if (k != V_MAP)
        return wrong_type(p, k);
      p->data_kind = 1;
      return push(p, C_DATA);
    case K_ERROR_TYPE:
    case K_MESSAGE:
      if (k == V_NULL)
        return 1;
      if (k != V_STR)
        return wrong_type(p, k);
      if (key == K_ERROR_TYPE)
        g6_quote_printable_copy(p->info.error_type,
                                sizeof(p->info.error_type), str, slen);
      else
        g6_quote_printable_copy(p->info.message, sizeof(p->info.message), str,
                                slen);
      return 1;
    default:
      break;
    }
    break;
  case C_DATA:
    if (k != V_MAP) {
      qbad(p, k, "data[\"%s\"] is %s, not an object", p->ikey,
           vkind_name[k]);
      end_quote(p); /* nothing inside to wait for */
      return 1;
    }
    memset(&p->cur, 0, sizeof(p->cur));
    return push(p, C_QUOTE);
  case C_QUOTE:
    switch (key) {
    case K_LAST_PRICE:
    case K_VOLUME:
    case K_OI:
    case K_AVERAGE_PRICE:
    case K_BUY_QUANTITY:
    case K_SELL_QUANTITY:
    case K_TOKEN: {
      if (k == V_NULL)
        return 1;
      p->key = key;
      if (k != V_NUM)
        return wrong_type(p, k);
      p->key = K_OTHER;
      g6_quote *q = &p->cur;
      int64_t iv = 0;
      if (key != K_LAST_PRICE && key != K_AVERAGE_PRICE &&
          !g6_quote_count(num, &iv))
        return qbad(p, k,
                    "field \"%s\" of \"%s\" is not a whole number within "
                    "+-9.2e18 (%.17g)",
                    key_name(key), p->ikey, num);
      switch (key) {
      case K_LAST_PRICE: q->last_price = num; q->fields |= G6_QF_LAST_PRICE; break;
      case K_AVERAGE_PRICE: q->average_price = num; q->fields |= G6_QF_AVERAGE_PRICE; break;
      case K_VOLUME: q->volume = iv; q->fields |= G6_QF_VOLUME; break;
      case K_OI: q->oi = iv; q->fields |= G6_QF_OI; break;
      case K_BUY_QUANTITY: q->buy_quantity = iv; q->fields |= G6_QF_BUY_QUANTITY; break;
      case K_SELL_QUANTITY: q->sell_quantity = iv; q->fields |= G6_QF_SELL_QUANTITY; break;
      default: q->instrument_token = (uint64_t)iv; q->fields |= G6_QF_TOKEN; break;
      }
      return 1;
    }
    case K_TIMESTAMP: {
      /* a time g6 cannot read loses the quote's time, not its prices
       * (quote.h): counted, the first named */
      if (k == V_NULL)
        return 1;
      int64_t t = k == V_STR ? g6_quote_kite_time(str, slen)
                             : G6_QUOTE_NOT_A_TIME;
      if (t == G6_QUOTE_NOT_A_TIME) {
        if (p->entry >= 0)
          g6_quote_bad_time(&p->cur, &p->info, p->ikey, vkind_name[k],
                            k == V_STR ? str : NULL, slen);
        if (k == V_MAP || k == V_ARR)
          p->skip = 1;
        return 1;
      }
      p->cur.timestamp = t;
      p->cur.fields &= ~(uint32_t)G6_QF_TIME_UNREADABLE;
      if (t != 0)
        p->cur.fields |= G6_QF_TIMESTAMP;
      return 1;
    }
    case K_OHLC:
    case K_DEPTH:
      if (k == V_NULL)
        return 1;
      if (k != V_MAP) {
        p->key = key;
        return wrong_type(p, k);
      }
      return push(p, key == K_OHLC ? C_OHLC : C_DEPTH);
    default:
      break;
    }
    break;
  case C_OHLC:
    if (key == K_OTHER)
      break;
    if (k == V_NULL)
      return 1;
    if (k != V_NUM) {
      p->key = key;
      return wrong_type(p, k);
    }
    p->cur.fields |= G6_QF_OHLC;
    if (key == K_OPEN) p->cur.open = num;
    else if (key == K_HIGH) p->cur.high = num;
    else if (key == K_LOW) p->cur.low = num;
    else p->cur.close = num;
    return 1;
  case C_DEPTH:
    if (key == K_OTHER)
      break;
    if (k == V_NULL)
      return 1;
    if (k != V_ARR) {
      p->key = key;
      return wrong_type(p, k);
    }
    p->side = key == K_BUY ? 0 : 1;
    p->level = 0;
    return push(p, C_SIDE);
  case C_SIDE:
    if (k == V_NULL)
      return 1;
    if (k != V_MAP)
      return qbad(p, k, "a depth level of \"%s\" is %s", p->ikey,
                  vkind_name[k]);
    p->lv_price = 0;
    p->lv_qty = 0;
    return push(p, C_LEVEL);
  case C_LEVEL:
    if (key == K_OTHER)
      break;
    if (k == V_NULL)
      return 1;
    if (k != V_NUM) {
      p->key = key;
      return wrong_type(p, k);
    }
    if (key == K_PRICE) {
      p->lv_price = num;
    } else if (key == K_QUANTITY) {
      if (!g6_quote_count(num, &p->lv_qty))
        return qbad(p, k,
                    "depth quantity of \"%s\" is not a whole number within "
                    "+-9.2e18 (%.17g)",
                    p->ikey, num);
    }
    return 1;
  }
  /* an unknown key: skip its value whatever it is */
  if (k == V_MAP || k == V_ARR)
    p->skip = 1;
  return 1;
}

void g6_quote_end_level(g6_quote *q, int side, int level, double price,
                        int64_t qty) {
  if (qty > 0) {
    q->depth_levels++;
    q->fields |= G6_QF_DEPTH;
    if (side == 0)
      q->depth_buy_qty += qty;
    else
      q->depth_sell_qty += qty;
  }
  if (level == 0) {
    if (side == 0) {
      q->bid = qty > 0 ? price : 0;
      q->bid_qty = qty;
    } else {
      q->ask = qty > 0 ? price : 0;
      q->ask_qty = qty;
    }
  }
}

void g6_quote_end_object(g6_quote_table *t, long entry, const g6_quote *q,
                         g6_quote_parse_info *info) {
  if (entry < 0)
    return;
  info->quotes++;
  if (!(q->fields & G6_QF_LAST_PRICE)) {
    info->incomplete++;
    return;
  }
  g6_quote_table_set(t, (size_t)entry, q);
}

static int on_end(g6_quote_parser *p) {
  if (p->skip > 0) {
    p->skip--;
    return 1;
  }
  pctx c = p->stack[p->sp];
  if (p->sp > 0)
    p->sp--;
  switch (c) {
  case C_TOP:
    p->stack[0] = C_DONE;
    p->sp = 0;
    return 1;
  case C_QUOTE:
    end_quote(p);
    return 1;
  case C_LEVEL:
    g6_quote_end_level(&p->cur, p->side, p->level++, p->lv_price, p->lv_qty);
    return 1;
  default:
    return 1;
  }
}

static int cb_null(void *ctx) {
  return on_value(ctx, V_NULL, 0, NULL, 0);
}
static int cb_bool(void *ctx, int b) {
  (void)b;
  return on_value(ctx, V_BOOL, 0, NULL, 0);
}
/* Decimal text to the nearest double. Quotes are short decimals ("164.5",
 * "5668350"), which the exact fast path takes (Clinger 1990: a mantissa
 * below 2^53 times or divided by a power of ten up to 1e22, both exact, is
 * one correctly rounded operation); anything else goes to strtod. false
 * when the value overflows a double. */
static bool decimal_to_double(const char *s, size_t len, double *out) {
  static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                               1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                               1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  size_t i = 0;
  bool neg = len > 0 && s[0] == '-';
  i += neg;
  uint64_t m = 0;
  int digits = 0, exp10 = 0;
  for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++)
    m = m * 10 + (uint64_t)(s[i] - '0');
  if (i < len && s[i] == '.')
    for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++, exp10--)
      m = m * 10 + (uint64_t)(s[i] - '0');
  if (i == len && digits > 0 && digits <= 15 && exp10 >= -22) {
    double d = (double)m; /* exact: m < 10^15 < 2^53 */
    d = exp10 < 0 ? d / p10[-exp10] : d;
    /* "-0" is the integer 0, as simdjson (the fast path) reads it; "-0.0"
     * keeps its sign */
    *out = neg && (m != 0 || exp10 != 0) ? -d : d;
    return true;
  }
  /* any length: a long text is still a number (simdjson reads it too) */
  char small[128], *buf = len < sizeof(small) ? small : malloc(len + 1);
  if (buf == NULL)
    return false;
  memcpy(buf, s, len);
  buf[len] = '\0';
  errno = 0;
  double d = strtod(buf, NULL);
  bool overflow = errno == ERANGE && isinf(d);
  if (buf != small)
    free(buf);
  if (overflow)
    return false;
  *out = d;
  return true;
}

static int cb_number(void *ctx, const char *s, size_t len) {
  g6_quote_parser *p = ctx;
  double d = 0;
  if (p->skip == 0 && !decimal_to_double(s, len, &d)) {
    if (!in_data(p))
      return pfail(p, G6_EPARSE, "quote response: number %.*s out of range",
                   (int)(len < 40 ? len : 40), s);
    pctx c = p->stack[p->sp];
    int n = (int)(len < 40 ? len : 40);
    if (c == C_DATA) { /* the instrument's value itself */
      qbad(p, V_NUM, "data[\"%s\"] is a number out of range (%.*s)", p->ikey,
           n, s);
      end_quote(p);
    } else if (c == C_SIDE) {
      qbad(p, V_NUM, "a depth level of \"%s\" is a number out of range "
                     "(%.*s)", p->ikey, n, s);
    } else if (p->key == K_TIMESTAMP && c == C_QUOTE) {
      if (p->entry >= 0)
        g6_quote_bad_time(&p->cur, &p->info, p->ikey, vkind_name[V_NUM],
                          NULL, 0);
    } else if (p->key != K_OTHER) {
      qbad(p, V_NUM, "field \"%s\" of \"%s\" is a number out of range "
                     "(%.*s)", key_name(p->key), p->ikey, n, s);
    }
    p->key = K_OTHER; /* an unknown field's value is skipped, whatever */
    return 1;
  }
  return on_value(ctx, V_NUM, d, NULL, 0);
}
static int cb_string(void *ctx, const unsigned char *s, size_t len) {
  return on_value(ctx, V_STR, 0, s, len);
}
static int cb_start_map(void *ctx) { return on_value(ctx, V_MAP, 0, NULL, 0); }
static int cb_start_array(void *ctx) {
  return on_value(ctx, V_ARR, 0, NULL, 0);
}
static int cb_end(void *ctx) { return on_end(ctx); }

static int cb_map_key(void *vp, const unsigned char *s, size_t len) {
  g6_quote_parser *p = vp;
  if (p->skip > 0)
    return 1;
  pctx c = p->stack[p->sp];
  p->key = classify(c, s, len);
  if (c == C_DATA) {
    g6_quote_printable_copy(p->ikey, sizeof(p->ikey), s, len);
    p->entry = len < KEY_MAX
                   ? g6_quote_table_find_n(p->t, (const char *)s, len)
                   : -1;
    if (p->entry < 0) {
      p->info.unexpected++;
    } else if (p->seen[p->entry]) {
      /* which copy is right cannot be told: the instrument's quote is
       * malformed (counted once), this copy read and dropped */
      if (!g6_quote_table_malformed(p->t, (size_t)p->entry)) {
        if (p->info.malformed++ == 0)
          snprintf(p->info.malformed_first, sizeof(p->info.malformed_first),
                   "\"%s\" appears twice", p->ikey);
        if (g6_quote_table_get(p->t, (size_t)p->entry) == NULL)
          p->info.incomplete--; /* the first copy was counted so */
        g6_quote_table_set_malformed(p->t, (size_t)p->entry);
      }
      p->entry = -1;
    } else {
      p->seen[p->entry] = 1;
    }
  }
  return 1;
}

static const yajl_callbacks callbacks = {
    .yajl_null = cb_null,
    .yajl_boolean = cb_bool,
    .yajl_number = cb_number,
    .yajl_string = cb_string,
    .yajl_start_map = cb_start_map,
    .yajl_map_key = cb_map_key,
    .yajl_end_map = cb_end,
    .yajl_start_array = cb_start_array,
    .yajl_end_array = cb_end,
};

/* ---- the body buffer ----------------------------------------------------- */

/* A parser keeps the body until finish; the buffer is page-backed
 * (core/pages.h) and handed from one parser of a thread to the next, so a
 * cycle's batches reuse pages already mapped instead of faulting in ~110
 * fresh ones each (a sixth of the parse). A thread's buffer is returned to
 * the system when the thread ends, or at once when it grew beyond what a
 * batch needs. */
typedef struct body_buf {
  char *data;
  size_t cap;
} body_buf;

#define BODY_KEEP_MAX (2u * G6_QUOTE_FAST_MAX)

static pthread_key_t body_key;
static pthread_once_t body_once = PTHREAD_ONCE_INIT;
static bool body_key_ok;

static void body_release(void *v) {
  body_buf *b = v;
  g6_pages_free(b->data, b->cap);
  free(b);
}

static void body_key_make(void) {
  body_key_ok = pthread_key_create(&body_key, body_release) == 0;
}

/* The thread's spare buffer (the caller owns it now), or an empty one. */
static body_buf body_take(void) {
  body_buf b = {NULL, 0};
  pthread_once(&body_once, body_key_make);
  body_buf *spare = body_key_ok ? pthread_getspecific(body_key) : NULL;
  if (spare != NULL) {
    b = *spare;
    free(spare);
    pthread_setspecific(body_key, NULL);
  }
  return b;
}

/* Gives a buffer back to the thread, or to the system. */
static void body_give(body_buf b) {
  if (b.data == NULL)
    return;
  body_buf *spare = NULL;
  if (body_key_ok && b.cap <= BODY_KEEP_MAX &&
      pthread_getspecific(body_key) == NULL &&
      (spare = malloc(sizeof(*spare))) != NULL) {
    *spare = b;
    if (pthread_setspecific(body_key, spare) == 0)
      return;
    free(spare);
  }
  g6_pages_free(b.data, b.cap);
}

g6_quote_parser *g6_quote_parser_new(g6_quote_table *t, size_t max_bytes) {
  g6_quote_parser *p = calloc(1, sizeof(*p));
  if (p == NULL)
    return NULL;
  p->t = t;
  p->max_bytes = max_bytes;
  p->seen = calloc(t->n ? t->n : 1, 1);
  if (p->seen == NULL) {
    g6_quote_parser_free(p);
    return NULL;
  }
  p->stack[0] = C_ROOT;
  p->entry = -1;
  body_buf b = body_take();
  p->body = b.data;
  p->body_cap = b.cap;
  g6_quote_table_clear(t);
  return p;
}

void g6_quote_parser_free(g6_quote_parser *p) {
  if (p == NULL)
    return;
  if (p->h != NULL)
    yajl_free(p->h);
  body_give((body_buf){p->body, p->body_cap});
  free(p->seen);
  free(p);
}

static g6_status parser_error(g6_quote_parser *p, const char *data, size_t len,
                              size_t before, g6_error *err) {
  if (p->failed == G6_OK) {
    size_t off = before + yajl_get_bytes_consumed(p->h);
    unsigned char *m = yajl_get_error(p->h, 0, (const unsigned char *)data, len);
    char msg[128];
    g6_quote_printable_copy(msg, sizeof(msg), m, m ? strlen((char *)m) : 0);
    if (m)
      yajl_free_error(p->h, m);
    /* yajl's message ends in a newline */
    size_t ml = strlen(msg);
    while (ml > 0 && (msg[ml - 1] == '?' || msg[ml - 1] == ' '))
      msg[--ml] = '\0';
    g6_error_set(&p->ferr, G6_EPARSE,
                 "quote response: malformed JSON at byte %zu: %s", off, msg);
    p->failed = G6_EPARSE;
  }
  g6_quote_table_clear(p->t);
  return g6_error_set(err, p->failed, "%s", p->ferr.msg);
}

static g6_status fail_now(g6_quote_parser *p, g6_status st, g6_error *err,
                          const char *msg) {
  p->failed = st;
  g6_error_set(&p->ferr, st, "%s", msg);
  g6_quote_table_clear(p->t);
  return g6_error_set(err, p->failed, "%s", p->ferr.msg);
}

/* Keeps the body (the fast path needs all of it, and the padding after it);
 * the parse happens in g6_quote_parser_finish. */
g6_status g6_quote_parser_feed(g6_quote_parser *p, const char *data,
                               size_t len, g6_error *err) {
  if (p->failed != G6_OK)
    return g6_error_set(err, p->failed, "%s", p->ferr.msg);
  if (p->max_bytes != 0 && len > p->max_bytes - p->bytes) {
    char msg[96];
    snprintf(msg, sizeof(msg), "quote response: body larger than %zu bytes",
             p->max_bytes);
    return fail_now(p, G6_ETOOBIG, err, msg);
  }
  size_t need = p->bytes + len + G6_QUOTE_FAST_PADDING;
  if (need > p->body_cap) {
    size_t cap = p->body_cap ? p->body_cap : 64 * 1024;
    while (cap < need)
      cap *= 2;
    char *b = g6_pages_resize(p->body, p->body_cap, cap);
    if (b == NULL)
      return fail_now(p, G6_ENOMEM, err, "quote response: out of memory");
    p->body = b;
    p->body_cap = cap;
  }
  if (len > 0)
    memcpy(p->body + p->bytes, data, len);
  p->bytes += len;
  return G6_OK;
}

/* The body through the fast path (market/quote_fast.h), or, when that gives
 * it up, through yajl and the callbacks above, which say what is wrong. */
static g6_status parse_body(g6_quote_parser *p, g6_error *err) {
  if (!p->yajl_only && p->bytes > 0 && p->bytes <= G6_QUOTE_FAST_MAX) {
    g6_quote_fast_out o = {.t = p->t, .seen = p->seen, .info = &p->info};
    if (g6_quote_fast_parse(p->body, p->bytes, &o)) {
      p->status = o.status;
      p->data_kind = o.data_kind;
      p->info.fast_path = true;
      return G6_OK;
    }
    /* start over: yajl sees what a fresh parser sees */
    g6_quote_table_clear(p->t);
    memset(p->seen, 0, p->t->n ? p->t->n : 1);
    memset(&p->info, 0, sizeof(p->info));
  }
  p->h = yajl_alloc(&callbacks, NULL, p);
  if (p->h == NULL)
    return fail_now(p, G6_ENOMEM, err, "quote response: out of memory");
  if (p->bytes > 0 &&
      yajl_parse(p->h, (const unsigned char *)p->body, p->bytes) !=
          yajl_status_ok)
    return parser_error(p, p->body, p->bytes, 0, err);
  if (yajl_complete_parse(p->h) != yajl_status_ok && p->failed == G6_OK) {
    if (p->bytes > 0)
      /* everything was valid JSON so far: the document was cut */
      g6_error_set(&p->ferr, G6_ETRUNCATED,
                   "quote response: truncated after %zu bytes", p->bytes);
    else
      g6_error_set(&p->ferr, G6_EPROTO, "quote response: empty body");
    p->failed = p->ferr.code;
  }
  return p->failed;
}

g6_status g6_quote_parser_finish(g6_quote_parser *p, g6_quote_parse_info *info,
                                 g6_error *err) {
  g6_status s = p->failed;
  if (s == G6_OK)
    s = parse_body(p, NULL);
  if (s == G6_OK) {
    if (p->status == 0)
      s = g6_error_set(&p->ferr, G6_EPROTO,
                       "quote response: no \"status\" in the envelope");
    else if (p->status == 3)
      s = g6_error_set(&p->ferr, G6_EPROTO,
                       "quote response: \"status\" is neither \"success\" nor "
                       "\"error\"");
    else if (p->status == 2) {
      p->info.is_error = true;
      if (p->info.error_type[0] == '\0')
        s = g6_error_set(&p->ferr, G6_EPROTO,
                         "quote response: error envelope without "
                         "\"error_type\"");
      else
        s = g6_error_set(&p->ferr, G6_EHTTP, "Kite error %s: %s",
                         p->info.error_type, p->info.message);
    } else if (p->data_kind != 1)
      s = g6_error_set(&p->ferr, G6_EPROTO,
                       "quote response: status success without a \"data\" "
                       "object");
    if (s == G6_OK && p->info.quotes > 0 &&
        p->info.incomplete == p->info.quotes)
      s = g6_error_set(&p->ferr, G6_EPROTO,
                       "quote response: none of the %zu quotes has a numeric "
                       "last_price (schema drift?)",
                       p->info.quotes);
    else if (s == G6_OK && p->info.quotes > 0 &&
             p->info.incomplete + p->info.malformed == p->info.quotes)
      s = g6_error_set(&p->ferr, G6_EPROTO,
                       "quote response: none of the %zu quotes is usable, %zu "
                       "malformed (schema drift?), first: %s",
                       p->info.quotes, p->info.malformed,
                       p->info.malformed_first);
    p->failed = s;
  }
  p->info.bytes = p->bytes;
  if (info != NULL)
    *info = p->info;
  if (s != G6_OK) {
    g6_quote_table_clear(p->t);
    return g6_error_set(err, s, "%s", p->ferr.msg);
  }
  return G6_OK;
}

static g6_status parse_whole(g6_quote_table *t, const char *data, size_t len,
                             size_t max_bytes, g6_quote_parse_info *info,
                             g6_error *err, bool yajl_only) {
  g6_quote_parser *p = g6_quote_parser_new(t, max_bytes);
  if (p == NULL)
    return g6_error_set(err, G6_ENOMEM, "quote response: out of memory");
  p->yajl_only = yajl_only;
  g6_status s = g6_quote_parser_feed(p, data, len, err);
  g6_status f = g6_quote_parser_finish(p, info, s == G6_OK ? err : NULL);
  g6_quote_parser_free(p);
  return s != G6_OK ? s : f;
}

g6_status g6_quote_parse(g6_quote_table *t, const char *data, size_t len,
                         size_t max_bytes, g6_quote_parse_info *info,
                         g6_error *err) {
  return parse_whole(t, data, len, max_bytes, info, err, false);
}

g6_status g6_quote_parse_reference(g6_quote_table *t, const char *data,
                                   size_t len, size_t max_bytes,
                                   g6_quote_parse_info *info, g6_error *err) {
  return parse_whole(t, data, len, max_bytes, info, err, true);
}

g6_status g6_quote_error_status(const char *error_type) {
  static const struct {
    const char *type;
    g6_status st;
  } map[] = {
      {"TokenException", G6_EAUTH},
      {"PermissionException", G6_EFORBIDDEN},
      {"InputException", G6_EBADREQUEST},
      {"NetworkException", G6_EUPSTREAM},
      {"DataException", G6_EUPSTREAM_DATA},
      {"GeneralException", G6_EPROVIDER},
  };
  for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
    if (strcmp(error_type, map[i].type) == 0)
      return map[i].st;
  return G6_EHTTP;
}
