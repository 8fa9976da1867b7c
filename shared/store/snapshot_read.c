/* Reading chain snapshots (see store/snapshot_read.h).
 *
 * yajl's callback parser feeds a small stack of frames (the top object, the
 * strikes and expiries arrays, an expiry, its rejects, its legs, a leg, or a
 * skipped unknown value). Each object frame knows its fields: the allowed
 * JSON types and a bit in a `seen` mask, so a missing or repeated field is
 * found when the object closes. A semantic problem does not stop the parse:
 * the first one is kept and the rest of the document is only scanned, so a
 * document of another schema is reported as such even when the problem
 * shows up before its "schema" key (keys are sorted: "expiries" comes
 * first). Checks that need the whole document (legs against the strike
 * ladder) run after the parse. */
#include "store/snapshot_read.h"
#include "core/array.h"

#include "core/fsutil.h"
#include "core/ist.h"

#include <yajl/yajl_parse.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STACK_MAX 32
#define SCHEMA_PREFIX "g6.chain.snapshot/"
#define MAX_STRIKES (2 * G6_MAX_STRIKES_PER_SIDE + 1)

/* ---- values ----------------------------------------------------------------
 */

enum {
  T_NULL = 1,
  T_BOOL = 2,
  T_INT = 4,
  T_REAL = 8,
  T_STR = 16,
  T_ARR = 32,
  T_OBJ = 64,
  T_OPTIONAL = 128 /* a field a reader accepts missing (added later) */
};
#define T_NUM (T_INT | T_REAL)

typedef struct value {
  int type; /* one T_* bit */
  bool b;
  double d;    /* numbers */
  bool i64_ok; /* an integer that fits int64 */
  int64_t i64;
  const char *s; /* strings and numbers: the text (not NUL-terminated) */
  size_t len;
} value;

static const char *type_name(int t) {
  switch (t) {
  case T_NULL:
    return "null";
  case T_BOOL:
    return "a boolean";
  case T_INT:
  case T_REAL:
    return "a number";
  case T_STR:
    return "a string";
  case T_ARR:
    return "an array";
  default:
    return "an object";
  }
}

static const double pow10_exact[23] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Clinger's fast path: a decimal with a mantissa below 2^53 and a power of
 * ten up to 22 is one correctly rounded multiplication or division of two
 * exact doubles. Prices ("125.35") take it; 17-digit values fall back to
 * strtod. */
static bool fast_decimal(const char *s, size_t len, double *out) {
  size_t i = 0;
  bool neg = false;
  if (i < len && s[i] == '-') {
    neg = true;
    i++;
  }
  uint64_t mant = 0;
  int exp10 = 0, digits = 0;
  bool dot = false;
  for (; i < len; i++) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      if (mant == 0 && c == '0') {
        if (dot)
          exp10--;
        continue;
      }
      if (++digits > 15)
        return false;
      mant = mant * 10 + (uint64_t)(c - '0');
      if (dot)
        exp10--;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (i < len) { /* exponent */
    if (s[i] != 'e' && s[i] != 'E')
      return false;
    i++;
    bool eneg = false;
    if (i < len && (s[i] == '+' || s[i] == '-'))
      eneg = s[i++] == '-';
    int e = 0;
    if (i == len)
      return false;
    for (; i < len; i++) {
      if (s[i] < '0' || s[i] > '9' || e > 1000)
        return false;
      e = e * 10 + (s[i] - '0');
    }
    exp10 += eneg ? -e : e;
  }
  double d = (double)mant;
  if (mant == 0)
    exp10 = 0;
  if (exp10 < -22 || exp10 > 22)
    return false;
  d = exp10 < 0 ? d / pow10_exact[-exp10] : d * pow10_exact[exp10];
  *out = neg ? -d : d;
  return true;
}

static void parse_number(const char *s, size_t len, value *v) {
  v->s = s;
  v->len = len;
  v->type = T_INT;
  for (size_t i = 0; i < len; i++)
    if (s[i] == '.' || s[i] == 'e' || s[i] == 'E')
      v->type = T_REAL;
  if (v->type == T_INT) {
    /* exact int64 when it fits (seq, epochs, counts) */
    size_t i = s[0] == '-' ? 1 : 0;
    uint64_t u = 0;
    bool over = false;
    for (; i < len; i++) {
      uint64_t dgt = (uint64_t)(s[i] - '0');
      if (u > (UINT64_MAX - dgt) / 10)
        over = true;
      else
        u = u * 10 + dgt;
    }
    bool neg = s[0] == '-';
    if (!over &&
        (neg ? u <= (uint64_t)INT64_MAX + 1 : u <= (uint64_t)INT64_MAX)) {
      v->i64_ok = true;
      v->i64 = neg ? (int64_t)(0 - u) : (int64_t)u;
    }
  }
  if (fast_decimal(s, len, &v->d))
    return;
  char small[64], *buf = small;
  if (len >= sizeof(small) && (buf = malloc(len + 1)) == NULL) {
    v->d = NAN; /* reported as not a finite number */
    return;
  }
  memcpy(buf, s, len);
  buf[len] = '\0';
  v->d = strtod(buf, NULL); /* overflow gives +-HUGE_VAL: not finite */
  if (buf != small)
    free(buf);
}

/* ---- fields
 * ------------------------------------------------------------------ */

typedef struct field {
  const char *name;
  unsigned char len;
  int types;
} field;

#define F(n, t)                                                                \
  { n, sizeof(n) - 1, t }

enum top_field {
  TF_SCHEMA,
  TF_INDEX,
  TF_UNDERLYING,
  TF_SEGMENT,
  TF_SEQ,
  TF_GENERATED_AT,
  TF_TIMESTAMP,
  TF_MARKET_OPEN,
  TF_STATUS,
  TF_ERROR,
  TF_SPOT,
  TF_ATM,
  TF_STEP,
  TF_DAY_HIGH,
  TF_DAY_LOW,
  TF_R,
  TF_Q,
  TF_STRIKES,
  TF_EXPIRIES,
  TF_VIX,
  TF_COUNT
};
static const field top_fields[TF_COUNT] = {F("schema", T_STR),
                                           F("index", T_STR),
                                           F("underlying", T_STR),
                                           F("segment", T_STR),
                                           F("seq", T_INT),
                                           F("generated_at", T_INT),
                                           F("timestamp", T_STR),
                                           F("market_open", T_BOOL),
                                           F("status", T_STR),
                                           F("error", T_STR | T_NULL),
                                           F("spot", T_NUM | T_NULL),
                                           F("atm", T_NUM | T_NULL),
                                           F("step", T_NUM | T_NULL),
                                           F("day_high", T_NUM | T_NULL),
                                           F("day_low", T_NUM | T_NULL),
                                           F("r", T_NUM | T_NULL),
                                           F("q", T_NUM | T_NULL),
                                           F("strikes", T_ARR),
                                           F("expiries", T_ARR),
                                           /* files before India VIX lack it */
                                           F("vix", T_NUM | T_NULL |
                                                        T_OPTIONAL)};

enum expiry_field {
  EF_TAG,
  EF_RULE,
  EF_RESOLVED,
  EF_DATE,
  EF_ERROR,
  EF_EXPIRY_EPOCH,
  EF_T,
  EF_STATUS,
  EF_LEGS_REQUESTED,
  EF_LEGS_LISTED,
  EF_LEGS_COLLECTED,
  EF_STRIKE_COVERAGE,
  EF_FIELD_COVERAGE,
  EF_PCR_OI,
  EF_PCR_VOLUME,
  EF_REJECTS,
  EF_LEGS,
  EF_KIND,
  EF_ARBITRAGE,
  EF_PARITY,
  EF_LOT_SIZE,
  EF_STRADDLE_OPEN,
  EF_COUNT
};
static const field expiry_fields[EF_COUNT] = {
    F("tag", T_STR),
    F("rule", T_STR),
    F("resolved", T_BOOL),
    F("date", T_STR | T_NULL),
    F("error", T_STR | T_NULL),
    F("expiry_epoch", T_INT | T_NULL),
    F("T", T_NUM | T_NULL),
    F("status", T_STR),
    F("legs_requested", T_INT),
    F("legs_listed", T_INT),
    F("legs_collected", T_INT),
    F("strike_coverage", T_NUM | T_NULL),
    F("field_coverage", T_NUM | T_NULL),
    F("pcr_oi", T_NUM | T_NULL),
    F("pcr_volume", T_NUM | T_NULL),
    F("rejects", T_OBJ),
    F("legs", T_ARR),
    /* weekly or monthly; files of g6 before it knew kinds lack it */
    F("kind", T_STR | T_NULL | T_OPTIONAL),
    /* quote sanity; files of g6 before the checks lack them */
    F("arbitrage", T_OBJ | T_OPTIONAL), F("parity", T_OBJ | T_OPTIONAL),
    /* the desk figures' inputs; files before them lack these */
    F("lot_size", T_NUM | T_NULL | T_OPTIONAL),
    F("straddle_open", T_NUM | T_NULL | T_OPTIONAL)};

enum parity_field {
  PF_DISCOUNT,
  PF_FORWARD,
  PF_OUTLIERS,
  PF_PAIRS,
  PF_RATE,
  PF_RESIDUAL,
  PF_COUNT
};
static const field parity_fields[PF_COUNT] = {
    F("discount", T_NUM | T_NULL), F("forward", T_NUM | T_NULL),
    F("outliers", T_INT),          F("pairs", T_INT),
    F("rate", T_NUM | T_NULL),     F("residual", T_NUM | T_NULL)};

enum leg_field {
  LF_STRIKE,
  LF_TYPE,
  LF_KEY,
  LF_QUOTED,
  LF_KEPT,
  LF_REJECT,
  LF_LAST,
  LF_AVG,
  LF_BID,
  LF_ASK,
  LF_VOLUME,
  LF_OI,
  LF_IV,
  LF_IV_STATUS,
  LF_DELTA,
  LF_GAMMA,
  LF_THETA,
  LF_VEGA,
  LF_RHO,
  LF_ARB,
  LF_OI_OPEN,
  LF_LAST_PREV,
  LF_OI_PREV,
  LF_COUNT
};
static const field leg_fields[LF_COUNT] = {
    F("strike", T_NUM),          F("type", T_STR),
    F("key", T_STR | T_NULL),    F("quoted", T_BOOL),
    F("kept", T_BOOL),           F("reject", T_STR | T_NULL),
    F("last", T_NUM | T_NULL),   F("avg", T_NUM | T_NULL),
    F("bid", T_NUM | T_NULL),    F("ask", T_NUM | T_NULL),
    F("volume", T_NUM | T_NULL), F("oi", T_NUM | T_NULL),
    F("iv", T_NUM | T_NULL),     F("iv_status", T_STR),
    F("delta", T_NUM | T_NULL),  F("gamma", T_NUM | T_NULL),
    F("theta", T_NUM | T_NULL),  F("vega", T_NUM | T_NULL),
    F("rho", T_NUM | T_NULL),
    /* the first no-arbitrage rule broken; absent from older files */
    F("arb", T_STR | T_NULL | T_OPTIONAL),
    /* the session's references (collector/session.h); optional: files
     * before them lack these */
    F("oi_open", T_NUM | T_NULL | T_OPTIONAL),
    F("last_prev", T_NUM | T_NULL | T_OPTIONAL),
    F("oi_prev", T_NUM | T_NULL | T_OPTIONAL)};

static int field_find(const field *f, int n, const unsigned char *k,
                      size_t len) {
  for (int i = 0; i < n; i++)
    if (f[i].len == len && memcmp(f[i].name, k, len) == 0)
      return i;
  return -1;
}

/* ---- parser state
 * -------------------------------------------------------------- */

typedef enum frame_kind {
  FR_TOP,
  FR_STRIKES,
  FR_EXPIRIES,
  FR_EXPIRY,
  FR_REJECTS,
  FR_ARB,    /* an expiry's "arbitrage" counts */
  FR_PARITY, /* an expiry's "parity" fit */
  FR_LEGS,
  FR_LEG,
  FR_SKIP
} frame_kind;

typedef struct frame {
  frame_kind kind;
  int field;     /* objects: the field of the value to come (-1 unknown) */
  size_t count;  /* arrays: elements so far */
  uint32_t seen; /* objects: fields seen */
} frame;

/* The legs of one expiry while they are parsed. */
typedef struct leg_buf {
  g6_chain_leg *v;
  size_t n, cap;
  bool kept_seen_true, kept_val; /* the "kept" flag, checked at the end */
} leg_buf;

typedef struct parser {
  g6_snapshot_doc *doc;
  const char *name;
  frame st[STACK_MAX];
  int sp; /* st[sp - 1] is the current frame; 0 before the top value */
  bool top_not_object;
  bool nomem;
  /* schema */
  bool schema_seen;
  char schema[64];
  /* first semantic problem */
  bool bad;
  g6_error err;
  /* strikes and legs */
  size_t strikes_cap;
  leg_buf legs[G6_MAX_EXPIRIES];
  bool kept[G6_MAX_EXPIRIES][2 * MAX_STRIKES];
  /* the expiry being parsed, and the key of a "rejects" or "arbitrage"
   * member */
  size_t ex;
  char rej_key[48]; /* copied: yajl may reuse its buffer */
  size_t rej_klen;
} parser;

/* "expiries[1].legs[6].iv" for the current position. */
static void path_of(const parser *p, char *out, size_t len) {
  size_t o = 0;
  out[0] = '\0';
  for (int i = 0; i < p->sp && o < len; i++) {
    const frame *f = &p->st[i];
    const char *fname = NULL;
    if (f->kind == FR_TOP && f->field >= 0)
      fname = top_fields[f->field].name;
    else if (f->kind == FR_EXPIRY && f->field >= 0)
      fname = expiry_fields[f->field].name;
    else if (f->kind == FR_LEG && f->field >= 0)
      fname = leg_fields[f->field].name;
    else if (f->kind == FR_PARITY && f->field >= 0)
      fname = parity_fields[f->field].name;
    int w = 0;
    if (fname != NULL)
      w = snprintf(out + o, len - o, "%s%s", o ? "." : "", fname);
    else if (f->kind == FR_STRIKES || f->kind == FR_EXPIRIES ||
             f->kind == FR_LEGS) /* inside an element it is counted already */
      w = snprintf(out + o, len - o, "[%zu]",
                   i + 1 < p->sp && f->count > 0 ? f->count - 1 : f->count);
    if (w > 0)
      o += (size_t)w;
  }
}

static void problem(parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Records the first semantic problem, prefixed with the name and path. */
static void problem(parser *p, const char *fmt, ...) {
  if (p->bad)
    return;
  p->bad = true;
  char path[160], msg[320];
  path_of(p, path, sizeof(path));
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  g6_error_set(&p->err, G6_EPROTO, "%s: %s%s%s", p->name, path,
               path[0] ? ": " : "", msg);
}

/* A printable, bounded excerpt of a value for messages. */
static void excerpt(const value *v, char *out, size_t len) {
  if (v->type == T_NULL)
    snprintf(out, len, "null");
  else if (v->type == T_BOOL)
    snprintf(out, len, "%s", v->b ? "true" : "false");
  else if (v->type == T_ARR || v->type == T_OBJ)
    snprintf(out, len, "%s", v->type == T_ARR ? "[...]" : "{...}");
  else {
    size_t n = v->len < 40 ? v->len : 40, o = 0;
    const char *q = v->type == T_STR ? "\"" : "";
    o += (size_t)snprintf(out, len, "%s", q);
    for (size_t i = 0; i < n && o + 4 < len; i++)
      out[o++] = isprint((unsigned char)v->s[i]) ? v->s[i] : '?';
    snprintf(out + o, len - o, "%s%s", v->len > 40 ? "..." : "", q);
  }
}

static frame *top(parser *p) { return p->sp > 0 ? &p->st[p->sp - 1] : NULL; }

static bool push(parser *p, frame_kind k) {
  if (p->sp == STACK_MAX) {
    problem(p, "nested deeper than %d levels", STACK_MAX);
    return false;
  }
  p->st[p->sp++] = (frame){k, -1, 0, 0};
  return true;
}

/* ---- storing values
 * ----------------------------------------------------------- */

static bool finite_num(parser *p, const value *v, double *out) {
  if (v->type == T_NULL) {
    *out = NAN;
    return true;
  }
  if (!isfinite(v->d)) {
    char ex[64];
    excerpt(v, ex, sizeof(ex));
    problem(p, "%s is not a finite number", ex);
    return false;
  }
  *out = v->d;
  return true;
}

static bool count_val(parser *p, const value *v, size_t *out) {
  if (!v->i64_ok || v->i64 < 0) {
    char ex[64];
    excerpt(v, ex, sizeof(ex));
    problem(p, "%s: expected a count from 0 to %lld", ex, (long long)INT64_MAX);
    return false;
  }
  *out = (size_t)v->i64;
  return true;
}

/* Names, quote keys and dates: printable ASCII (what g6 and Kite write),
 * so a read document can always be written again. */
static bool str_into(parser *p, const value *v, char *dst, size_t cap) {
  bool ascii = true;
  for (size_t i = 0; i < v->len && ascii; i++)
    ascii = v->s[i] >= 0x20 && v->s[i] < 0x7f;
  if (v->len >= cap || !ascii) {
    char ex[64];
    excerpt(v, ex, sizeof(ex));
    problem(p, "%s: expected at most %zu printable ASCII characters", ex,
            cap - 1);
    return false;
  }
  memcpy(dst, v->s, v->len);
  dst[v->len] = '\0';
  return true;
}

static bool str_is(const value *v, const char *s) {
  size_t n = strlen(s);
  return v->len == n && memcmp(v->s, s, n) == 0;
}

static bool status_token(parser *p, const value *v, g6_status *out) {
  if (v->type == T_NULL) {
    *out = G6_OK;
    return true;
  }
  for (int s = 0; s < G6_STATUS_COUNT; s++)
    if (str_is(v, g6_status_name((g6_status)s))) {
      *out = (g6_status)s;
      return true;
    }
  char ex[64];
  excerpt(v, ex, sizeof(ex));
  problem(p, "%s is not a g6 status token (ok, timeout, notfound, ...)", ex);
  return false;
}

static bool chain_status(parser *p, const value *v, g6_chain_status *out) {
  for (int s = G6_CHAIN_OK; s <= G6_CHAIN_STALE; s++)
    if (str_is(v, g6_chain_status_name((g6_chain_status)s))) {
      *out = (g6_chain_status)s;
      return true;
    }
  char ex[64];
  excerpt(v, ex, sizeof(ex));
  problem(p, "%s: allowed: OK, PARTIAL, EMPTY, STALE", ex);
  return false;
}

static bool reject_reason(const value *v, g6_reject_reason *out) {
  for (int r = 1; r < G6_REJECT_REASON_COUNT; r++)
    if (str_is(v, g6_reject_reason_name((g6_reject_reason)r))) {
      *out = (g6_reject_reason)r;
      return true;
    }
  return false;
}

static bool label_ok(const value *v, size_t max) {
  if (v->len == 0 || v->len > max)
    return false;
  for (size_t i = 0; i < v->len; i++)
    if (!isalnum((unsigned char)v->s[i]) && v->s[i] != '_' && v->s[i] != '-')
      return false;
  return true;
}

static void top_value(parser *p, int f, const value *v) {
  g6_snapshot_doc *d = p->doc;
  char ex[64];
  switch (f) {
  case TF_SCHEMA:
    p->schema_seen = true;
    /* quoted in the wrong_schema message: NUL and control bytes as '?'
     * (schema_ok wants printable ASCII anyway) */
    g6_printable(v->s, v->len, p->schema, sizeof(p->schema));
    break;
  case TF_INDEX:
    if (str_into(p, v, d->ix.name, sizeof(d->ix.name)) &&
        !g6_index_name_valid(d->ix.name)) {
      excerpt(v, ex, sizeof(ex));
      problem(p, "%s: an index name is 1-31 letters, digits, '_' or '-'", ex);
    }
    break;
  case TF_UNDERLYING:
    str_into(p, v, d->ix.underlying, sizeof(d->ix.underlying));
    break;
  case TF_SEGMENT:
    str_into(p, v, d->ix.segment, sizeof(d->ix.segment));
    break;
  case TF_SEQ:
    if (!v->i64_ok || v->i64 < 1) {
      excerpt(v, ex, sizeof(ex));
      problem(p, "%s: expected an integer from 1 to %lld", ex,
              (long long)INT64_MAX);
    } else {
      d->seq = (uint64_t)v->i64;
    }
    break;
  case TF_GENERATED_AT:
    if (!v->i64_ok || v->i64 < 0 || v->i64 > G6_SNAPSHOT_EPOCH_MAX) {
      excerpt(v, ex, sizeof(ex));
      problem(p, "%s: expected Unix seconds from 0 to %lld (year 9999)", ex,
              (long long)G6_SNAPSHOT_EPOCH_MAX);
    } else {
      d->generated_at = v->i64;
    }
    break;
  case TF_TIMESTAMP:
    if (g6_ist_parse_ts(v->s, v->len, &d->ts) != G6_OK) {
      excerpt(v, ex, sizeof(ex));
      problem(p, "%s: expected DD-MM-YYYY HH:MM:SS", ex);
    }
    break;
  case TF_MARKET_OPEN:
    d->market_open = v->b;
    break;
  case TF_STATUS:
    chain_status(p, v, &d->status);
    break;
  case TF_ERROR:
    status_token(p, v, &d->error);
    break;
  case TF_SPOT:
    finite_num(p, v, &d->spot);
    break;
  case TF_ATM:
    finite_num(p, v, &d->atm);
    break;
  case TF_STEP:
    if (finite_num(p, v, &d->step))
      d->ix.step = d->step;
    break;
  case TF_DAY_HIGH:
    finite_num(p, v, &d->day_high);
    break;
  case TF_DAY_LOW:
    finite_num(p, v, &d->day_low);
    break;
  case TF_R:
    finite_num(p, v, &d->r);
    break;
  case TF_Q:
    finite_num(p, v, &d->q);
    break;
  case TF_VIX:
    finite_num(p, v, &d->vix);
    break;
  }
}

static void strike_value(parser *p, const value *v) {
  g6_snapshot_doc *d = p->doc;
  double k;
  if (!(v->type & T_NUM)) {
    problem(p, "expected a number, got %s", type_name(v->type));
    return;
  }
  if (!finite_num(p, v, &k))
    return;
  if (!(k > 0) || (d->n_strikes > 0 && !(k > d->strikes[d->n_strikes - 1]))) {
    problem(p, "strike %.17g: strikes must be positive and ascending", k);
    return;
  }
  if (d->n_strikes == MAX_STRIKES) {
    problem(p, "more than %d strikes", MAX_STRIKES);
    return;
  }
  if (!g6_array_room(&d->strikes, &p->strikes_cap, d->n_strikes,
                     sizeof(*d->strikes), 64)) {
    p->nomem = true;
    return;
  }
  d->strikes[d->n_strikes++] = k;
}

static void expiry_value(parser *p, int f, const value *v) {
  g6_expiry_result *x = &p->doc->expiries[p->ex];
  char ex[64];
  switch (f) {
  case EF_TAG:
    if (!label_ok(v, sizeof(p->doc->tags[0]) - 1)) {
      excerpt(v, ex, sizeof(ex));
      problem(p, "%s: a tag is 1-15 letters, digits, '_' or '-'", ex);
    } else {
      memcpy(p->doc->tags[p->ex], v->s, v->len);
      p->doc->tags[p->ex][v->len] = '\0';
    }
    break;
  case EF_RULE:
    if (str_is(v, "date")) {
      x->spec.rule = G6_EXPIRY_DATE;
      break;
    }
    for (int r = 0; r < G6_EXPIRY_TAG_COUNT; r++)
      if (str_is(v, g6_expiry_tags[r])) {
        x->spec.rule = (g6_expiry_rule)r;
        return;
      }
    excerpt(v, ex, sizeof(ex));
    problem(p,
            "%s: allowed: this_week, next_week, this_month, next_month, "
            "date",
            ex);
    break;
  case EF_RESOLVED:
    x->resolved = v->b;
    break;
  case EF_DATE:
    if (v->type == T_STR) {
      char buf[16];
      if (!str_into(p, v, buf, sizeof(buf)))
        break;
      if (g6_date_parse(buf, &x->date) != G6_OK) {
        excerpt(v, ex, sizeof(ex));
        problem(p, "%s: expected a date YYYY-MM-DD", ex);
      }
    }
    break;
  case EF_ERROR:
    status_token(p, v, &x->resolve_status);
    break;
  case EF_EXPIRY_EPOCH:
    if (v->type != T_NULL &&
        (!v->i64_ok || v->i64 < 1 || v->i64 > G6_SNAPSHOT_EPOCH_MAX)) {
      excerpt(v, ex, sizeof(ex));
      problem(p, "%s: expected Unix seconds from 1 to %lld (year 9999)", ex,
              (long long)G6_SNAPSHOT_EPOCH_MAX);
    } else {
      x->expiry_epoch = v->type == T_NULL ? 0 : v->i64;
    }
    break;
  case EF_T:
    finite_num(p, v, &x->T);
    break;
  case EF_STATUS:
    chain_status(p, v, &x->status);
    break;
  case EF_LEGS_REQUESTED:
    count_val(p, v, &x->legs_requested);
    break;
  case EF_LEGS_LISTED:
    count_val(p, v, &x->legs_listed);
    break;
  case EF_LEGS_COLLECTED:
    count_val(p, v, &x->legs_collected);
    break;
  case EF_STRIKE_COVERAGE:
    finite_num(p, v, &x->strike_coverage);
    break;
  case EF_FIELD_COVERAGE:
    finite_num(p, v, &x->field_coverage);
    break;
  case EF_PCR_OI:
    finite_num(p, v, &x->pcr_oi);
    break;
  case EF_PCR_VOLUME:
    finite_num(p, v, &x->pcr_volume);
    break;
  case EF_LOT_SIZE:
    if (finite_num(p, v, &x->lot_size) && !(isnan(x->lot_size) ||
                                           x->lot_size > 0)) {
      excerpt(v, ex, sizeof(ex));
      problem(p, "%s: a lot size is a positive number or null", ex);
    }
    break;
  case EF_STRADDLE_OPEN:
    finite_num(p, v, &x->straddle_open);
    break;
  case EF_KIND:
    x->kind = G6_EXPIRY_KIND_UNKNOWN;
    if (v->type == T_STR) {
      if (str_is(v, g6_expiry_kind_name(G6_EXPIRY_WEEKLY)))
        x->kind = G6_EXPIRY_WEEKLY;
      else if (str_is(v, g6_expiry_kind_name(G6_EXPIRY_MONTHLY)))
        x->kind = G6_EXPIRY_MONTHLY;
      else {
        excerpt(v, ex, sizeof(ex));
        problem(p, "%s: allowed: weekly, monthly, null", ex);
      }
    }
    break;
  }
}

/* A member of a map of counts: "rejects" (by reason) or "arbitrage" (by
 * rule, and the checked and flagged legs). */
static void map_count(parser *p, frame_kind kind, const unsigned char *key,
                      size_t klen, const value *v) {
  value k = {.type = T_STR, .s = (const char *)key, .len = klen};
  g6_expiry_result *x = &p->doc->expiries[p->ex];
  size_t n;
  if (!(v->type & T_INT)) {
    problem(p, "%s.%.*s: expected a count, got %s",
            kind == FR_REJECTS ? "rejects" : "arbitrage",
            (int)(klen < 40 ? klen : 40), (const char *)key,
            type_name(v->type));
    return;
  }
  if (!count_val(p, v, &n))
    return;
  /* unknown keys (a newer writer) are ignored */
  if (kind == FR_REJECTS) {
    g6_reject_reason r;
    if (reject_reason(&k, &r))
      x->rejects[r] = n;
    return;
  }
  if (str_is(&k, "checked"))
    x->arb_checked = n;
  else if (str_is(&k, "flagged"))
    x->arb_flagged = n;
  for (int r = 1; r < G6_ARB_RULE_COUNT; r++)
    if (str_is(&k, g6_arb_rule_name((g6_arb_rule)r)))
      x->arb_violations[r] = n;
}

static void parity_value(parser *p, int f, const value *v) {
  g6_parity_fit *fit = &p->doc->expiries[p->ex].parity;
  switch (f) {
  case PF_DISCOUNT:
    finite_num(p, v, &fit->discount);
    break;
  case PF_FORWARD:
    finite_num(p, v, &fit->forward);
    break;
  case PF_OUTLIERS:
    count_val(p, v, &fit->outliers);
    break;
  case PF_PAIRS:
    count_val(p, v, &fit->pairs);
    break;
  case PF_RATE:
    finite_num(p, v, &fit->rate);
    break;
  case PF_RESIDUAL:
    finite_num(p, v, &fit->residual);
    break;
  }
}

static g6_chain_leg *cur_leg(parser *p) {
  leg_buf *b = &p->legs[p->ex];
  return &b->v[b->n - 1];
}

static void leg_value(parser *p, int f, const value *v) {
  g6_chain_leg *l = cur_leg(p);
  char ex[64];
  switch (f) {
  case LF_STRIKE:
    finite_num(p, v, &l->q.strike);
    break;
  case LF_TYPE:
    if (str_is(v, "CE") || str_is(v, "PE")) {
      l->q.is_put = str_is(v, "PE");
    } else {
      excerpt(v, ex, sizeof(ex));
      problem(p, "%s: allowed: CE, PE", ex);
    }
    break;
  case LF_KEY:
    if (v->type == T_STR)
      str_into(p, v, l->key, sizeof(l->key));
    break;
  case LF_QUOTED:
    l->q.quoted = v->b;
    break;
  case LF_KEPT: {
    leg_buf *b = &p->legs[p->ex];
    p->kept[p->ex][b->n - 1] = v->b;
    break;
  }
  case LF_REJECT:
    if (v->type == T_NULL) {
      l->reject = G6_REJECT_NONE;
    } else if (!reject_reason(v, &l->reject)) {
      excerpt(v, ex, sizeof(ex));
      char allowed[256] = "null";
      for (int r = 1; r < G6_REJECT_REASON_COUNT; r++) {
        size_t n = strlen(allowed);
        snprintf(allowed + n, sizeof(allowed) - n, ", %s",
                 g6_reject_reason_name((g6_reject_reason)r));
      }
      problem(p, "%s: allowed: %s", ex, allowed);
    }
    break;
  case LF_LAST:
    finite_num(p, v, &l->q.last);
    break;
  case LF_AVG:
    finite_num(p, v, &l->q.avg);
    break;
  case LF_BID:
    finite_num(p, v, &l->q.bid);
    break;
  case LF_ASK:
    finite_num(p, v, &l->q.ask);
    break;
  case LF_VOLUME:
    finite_num(p, v, &l->q.volume);
    break;
  case LF_OI:
    finite_num(p, v, &l->q.oi);
    break;
  case LF_IV:
    finite_num(p, v, &l->iv);
    break;
  case LF_IV_STATUS:
    status_token(p, v, &l->iv_status);
    break;
  case LF_DELTA:
    finite_num(p, v, &l->delta);
    break;
  case LF_GAMMA:
    finite_num(p, v, &l->gamma);
    break;
  case LF_THETA:
    finite_num(p, v, &l->theta);
    break;
  case LF_VEGA:
    finite_num(p, v, &l->vega);
    break;
  case LF_RHO:
    finite_num(p, v, &l->rho);
    break;
  case LF_ARB:
    l->arb = G6_ARB_NONE;
    if (v->type == T_NULL)
      break;
    for (int r = 1; r < G6_ARB_RULE_COUNT; r++)
      if (str_is(v, g6_arb_rule_name((g6_arb_rule)r))) {
        l->arb = (g6_arb_rule)r;
        return;
      }
    excerpt(v, ex, sizeof(ex));
    problem(p,
            "%s: allowed: null, bounds, vertical, butterfly, calendar, "
            "crossed, stale_last",
            ex);
    break;
  case LF_OI_OPEN:
    finite_num(p, v, &l->oi_open);
    break;
  case LF_LAST_PREV:
    finite_num(p, v, &l->last_prev);
    break;
  case LF_OI_PREV:
    finite_num(p, v, &l->oi_prev);
    break;
  }
}

/* ---- dispatch of values and containers
 * ------------------------------------------ */

/* Checks the type of an object member against its field; marks it seen. */
static bool member_ok(parser *p, frame *fr, const field *fields,
                      const value *v) {
  int type = v->type;
  if (fr->field < 0)
    return false; /* unknown key: ignored */
  const field *f = &fields[fr->field];
  uint32_t bit = 1u << fr->field;
  if (fr->seen & bit) {
    problem(p, "appears twice");
    return false;
  }
  fr->seen |= bit;
  if (type == T_REAL && (f->types & T_NUM) == T_INT) {
    char ex[64];
    excerpt(v, ex, sizeof(ex));
    problem(p, "expected an integer, got %s", ex);
    return false;
  }
  if (!(f->types & type)) {
    const char *want = (f->types & T_NUM)    ? "a number"
                       : (f->types & T_STR)  ? "a string"
                       : (f->types & T_BOOL) ? "a boolean"
                       : (f->types & T_ARR)  ? "an array"
                                             : "an object";
    problem(p, "expected %s%s, got %s", want,
            (f->types & T_NULL) ? " or null" : "", type_name(type));
    return false;
  }
  return true;
}

/* A scalar or the start of a container arrives in the current frame.
 * Returns the frame kind to push for a container (FR_SKIP to ignore it). */
static frame_kind on_value(parser *p, const value *v) {
  frame *fr = top(p);
  if (fr == NULL) { /* the top-level value */
    if (v->type != T_OBJ) {
      p->top_not_object = true;
      return FR_SKIP;
    }
    return FR_TOP;
  }
  if (p->bad && fr->kind != FR_TOP)
    return FR_SKIP; /* only the schema is still of interest */
  switch (fr->kind) {
  case FR_TOP:
    if (p->bad && fr->field != TF_SCHEMA) {
      if (fr->field >= 0)
        fr->seen |= 1u << fr->field;
      return FR_SKIP;
    }
    if (!member_ok(p, fr, top_fields, v))
      return FR_SKIP;
    if (fr->field == TF_STRIKES)
      return FR_STRIKES;
    if (fr->field == TF_EXPIRIES)
      return FR_EXPIRIES;
    top_value(p, fr->field, v);
    return FR_SKIP;
  case FR_STRIKES:
    strike_value(p, v);
    fr->count++;
    return FR_SKIP;
  case FR_EXPIRIES:
    if (v->type != T_OBJ) {
      problem(p, "expected an object, got %s", type_name(v->type));
      fr->count++;
      return FR_SKIP;
    }
    if (fr->count == G6_MAX_EXPIRIES) {
      problem(p, "more than %d expiries", G6_MAX_EXPIRIES);
      return FR_SKIP;
    }
    p->ex = fr->count++;
    p->doc->n_expiries = p->ex + 1;
    {
      g6_expiry_result *x = &p->doc->expiries[p->ex];
      x->T = x->strike_coverage = x->field_coverage = NAN;
      x->pcr_oi = x->pcr_volume = NAN;
      x->parity.forward = x->parity.discount = NAN; /* unless "parity" */
      x->parity.rate = x->parity.residual = NAN;
      x->lot_size = x->straddle_open = NAN;
      x->tag = p->doc->tags[p->ex];
    }
    return FR_EXPIRY;
  case FR_EXPIRY:
    if (!member_ok(p, fr, expiry_fields, v))
      return FR_SKIP;
    if (fr->field == EF_REJECTS)
      return FR_REJECTS;
    if (fr->field == EF_ARBITRAGE)
      return FR_ARB;
    if (fr->field == EF_PARITY)
      return FR_PARITY;
    if (fr->field == EF_LEGS)
      return FR_LEGS;
    expiry_value(p, fr->field, v);
    return FR_SKIP;
  case FR_REJECTS:
  case FR_ARB:
    return FR_SKIP; /* handled by the key callback's value (below) */
  case FR_PARITY:
    if (member_ok(p, fr, parity_fields, v))
      parity_value(p, fr->field, v);
    return FR_SKIP;
  case FR_LEGS: {
    if (v->type != T_OBJ) {
      problem(p, "expected an object, got %s", type_name(v->type));
      fr->count++;
      return FR_SKIP;
    }
    leg_buf *b = &p->legs[p->ex];
    if (b->n == 2 * MAX_STRIKES) {
      problem(p, "more than %d legs", 2 * MAX_STRIKES);
      return FR_SKIP;
    }
    if (!g6_array_room(&b->v, &b->cap, b->n, sizeof(*b->v), 64)) {
      p->nomem = true;
      return FR_SKIP;
    }
    g6_chain_leg *l = &b->v[b->n++];
    fr->count++;
    memset(l, 0, sizeof(*l));
    l->q.last = l->q.avg = l->q.bid = l->q.ask = l->q.volume = l->q.oi = NAN;
    l->iv = l->delta = l->gamma = l->theta = l->vega = l->rho = NAN;
    l->oi_open = l->last_prev = l->oi_prev = NAN;
    return FR_LEG;
  }
  case FR_LEG:
    if (member_ok(p, fr, leg_fields, v))
      leg_value(p, fr->field, v);
    return FR_SKIP;
  case FR_SKIP:
    return FR_SKIP;
  }
  return FR_SKIP;
}

static int scalar(parser *p, const value *v) {
  frame *fr = top(p);
  if (fr != NULL && (fr->kind == FR_REJECTS || fr->kind == FR_ARB)) {
    if (!p->bad)
      map_count(p, fr->kind, (const unsigned char *)p->rej_key, p->rej_klen,
                v);
  } else {
    on_value(p, v);
  }
  return !p->nomem;
}

static int cb_null(void *ctx) {
  value v = {.type = T_NULL};
  return scalar(ctx, &v);
}

static int cb_bool(void *ctx, int b) {
  value v = {.type = T_BOOL, .b = b != 0};
  return scalar(ctx, &v);
}

static int cb_number(void *ctx, const char *s, size_t len) {
  value v = {0};
  parse_number(s, len, &v);
  return scalar(ctx, &v);
}

static int cb_string(void *ctx, const unsigned char *s, size_t len) {
  value v = {.type = T_STR, .s = (const char *)s, .len = len};
  return scalar(ctx, &v);
}

static int open_container(parser *p, int type) {
  frame *fr = top(p);
  frame_kind k;
  if (fr != NULL && (fr->kind == FR_REJECTS || fr->kind == FR_ARB)) {
    if (!p->bad)
      problem(p, "%s.%.*s: expected a count, got %s",
              fr->kind == FR_REJECTS ? "rejects" : "arbitrage",
              (int)(p->rej_klen < 40 ? p->rej_klen : 40),
              (const char *)p->rej_key, type_name(type));
    k = FR_SKIP;
  } else {
    value v = {.type = type};
    k = on_value(p, &v);
  }
  if (!push(p, k))
    return 0;
  return !p->nomem;
}

static int cb_start_map(void *ctx) { return open_container(ctx, T_OBJ); }
static int cb_start_array(void *ctx) { return open_container(ctx, T_ARR); }

static int cb_map_key(void *ctx, const unsigned char *k, size_t len) {
  parser *p = ctx;
  frame *fr = top(p);
  switch (fr->kind) {
  case FR_TOP:
    fr->field = field_find(top_fields, TF_COUNT, k, len);
    break;
  case FR_EXPIRY:
    fr->field = field_find(expiry_fields, EF_COUNT, k, len);
    break;
  case FR_LEG:
    fr->field = field_find(leg_fields, LF_COUNT, k, len);
    break;
  case FR_PARITY:
    fr->field = field_find(parity_fields, PF_COUNT, k, len);
    break;
  case FR_REJECTS:
  case FR_ARB:
    /* matched against printable tokens and quoted in messages: control
     * bytes as '?' (no token has one, so no key matches by it) */
    g6_printable((const char *)k, len, p->rej_key, sizeof(p->rej_key));
    p->rej_klen = strlen(p->rej_key);
    break;
  default:
    break;
  }
  return 1;
}

/* Names the first field of `fields` missing from `seen`. */
static void check_missing(parser *p, const frame *fr, const field *fields,
                          int n) {
  for (int i = 0; i < n; i++)
    if (!(fr->seen & (1u << i)) && !(fields[i].types & T_OPTIONAL)) {
      problem(p, "missing field \"%s\"", fields[i].name);
      return;
    }
}

static int cb_end(void *ctx) {
  parser *p = ctx;
  frame *fr = top(p);
  if (fr == NULL)
    return 0;
  if (!p->bad) {
    frame saved = *fr;
    fr->field = -1; /* the path names the object, not its last member */
    if (saved.kind == FR_TOP)
      check_missing(p, &saved, top_fields, TF_COUNT);
    else if (saved.kind == FR_EXPIRY)
      check_missing(p, &saved, expiry_fields, EF_COUNT);
    else if (saved.kind == FR_LEG)
      check_missing(p, &saved, leg_fields, LF_COUNT);
    else if (saved.kind == FR_PARITY)
      check_missing(p, &saved, parity_fields, PF_COUNT);
  }
  p->sp--;
  return 1;
}

static const yajl_callbacks callbacks = {
    cb_null,      cb_bool,    NULL,   NULL,           cb_number, cb_string,
    cb_start_map, cb_map_key, cb_end, cb_start_array, cb_end,
};

/* ---- whole-document checks
 * ------------------------------------------------------- */

/* The schema: "g6.chain.snapshot/1" or a minor revision "…/1.N". */
static bool schema_ok(const char *s) {
  size_t n = strlen(SCHEMA_PREFIX);
  if (strncmp(s, SCHEMA_PREFIX, n) != 0)
    return false;
  s += n;
  if (s[0] != '1')
    return false;
  return s[1] == '\0' || (s[1] == '.' && isdigit((unsigned char)s[2]));
}

/* A kept leg holds what g6_chain keeps (g6_leg_check's rules: a positive
 * last price, no negative volume, OI or average price) and, when solved, a
 * positive IV; else the message says which and returns false. */
static bool kept_leg_ok(const g6_chain_leg *l, char *why, size_t cap) {
  g6_reject_reason r = g6_leg_check(&l->q, NAN, 0); /* no band check */
  if (r == G6_REJECT_NONPOSITIVE_PRICE)
    snprintf(why, cap, "last %.17g is not a positive price", l->q.last);
  else if (r == G6_REJECT_NEGATIVE_FIELD)
    snprintf(why, cap, "volume %.17g, oi %.17g, avg %.17g: none may be "
                       "negative", l->q.volume, l->q.oi, l->q.avg);
  else if (r != G6_REJECT_NONE)
    snprintf(why, cap, "%s", g6_reject_reason_name(r));
  else if (isfinite(l->iv) && !(l->iv > 0))
    snprintf(why, cap, "iv %.17g is not positive", l->iv);
  else
    return true;
  return false;
}

static g6_status check_legs(parser *p, g6_error *err) {
  g6_snapshot_doc *d = p->doc;
  if ((isfinite(d->spot) && !(d->spot > 0)) ||
      (isfinite(d->atm) && !(d->atm > 0)))
    return g6_error_set(err, G6_EPROTO,
                        "%s: spot %.17g, atm %.17g: a price is positive or "
                        "null",
                        p->name, d->spot, d->atm);
  for (size_t e = 0; e < d->n_expiries; e++) {
    g6_expiry_result *x = &d->expiries[e];
    leg_buf *b = &p->legs[e];
    if (x->resolved && isfinite(x->T) && x->T < 0)
      return g6_error_set(err, G6_EPROTO,
                          "%s: expiries[%zu]: T %.17g is negative (an expiry "
                          "that passed is not resolved)",
                          p->name, e, x->T);
    size_t want = x->resolved ? 2 * d->n_strikes : 0;
    if (b->n != want)
      return g6_error_set(err, G6_EPROTO,
                          "%s: expiries[%zu].legs: %zu legs; expected %zu "
                          "(%s: 2 per strike of the %zu in \"strikes\")",
                          p->name, e, b->n, want,
                          x->resolved ? "resolved" : "not resolved: none",
                          d->n_strikes);
    if (x->resolved && (x->expiry_epoch == 0 || x->date.year == 0))
      return g6_error_set(err, G6_EPROTO,
                          "%s: expiries[%zu]: resolved but date or "
                          "expiry_epoch is null",
                          p->name, e);
    /* the writer's tag is one of the four, and a rule's own tag */
    if (g6_expiry_tag_index(x->tag) < 0 ||
        (x->spec.rule != G6_EXPIRY_DATE &&
         strcmp(x->tag, g6_expiry_tags[x->spec.rule]) != 0))
      return g6_error_set(err, G6_EPROTO,
                          "%s: expiries[%zu]: tag \"%s\" with rule \"%s\"; a "
                          "tag is this_week, next_week, this_month or "
                          "next_month, the rule's own unless the rule is a "
                          "date",
                          p->name, e, x->tag,
                          x->spec.rule == G6_EXPIRY_DATE
                              ? "date"
                              : g6_expiry_tags[x->spec.rule]);
    if (x->spec.rule == G6_EXPIRY_DATE)
      x->spec.date = x->date;
    for (size_t i = 0; i < b->n; i++) {
      g6_chain_leg *l = &b->v[i];
      if (l->q.strike != d->strikes[i / 2] || l->q.is_put != (int)(i % 2))
        return g6_error_set(
            err, G6_EPROTO,
            "%s: expiries[%zu].legs[%zu]: %s %.17g where the ladder has %s "
            "%.17g (legs are CE then PE of each strike, ascending)",
            p->name, e, i, l->q.is_put ? "PE" : "CE", l->q.strike,
            i % 2 ? "PE" : "CE", d->strikes[i / 2]);
      if (p->kept[e][i] != (l->reject == G6_REJECT_NONE))
        return g6_error_set(err, G6_EPROTO,
                            "%s: expiries[%zu].legs[%zu]: kept is %s but "
                            "reject is %s",
                            p->name, e, i, p->kept[e][i] ? "true" : "false",
                            l->reject == G6_REJECT_NONE
                                ? "null"
                                : g6_reject_reason_name(l->reject));
      char why[160];
      if (p->kept[e][i] && !kept_leg_ok(l, why, sizeof(why)))
        return g6_error_set(err, G6_EPROTO,
                            "%s: expiries[%zu].legs[%zu] (%s %.17g) is kept "
                            "but %s",
                            p->name, e, i, l->q.is_put ? "PE" : "CE",
                            l->q.strike, why);
    }
    x->legs = b->v;
    b->v = NULL;
  }
  return G6_OK;
}

g6_status g6_snapshot_parse(const char *text, size_t len, const char *name,
                            g6_snapshot_doc *doc, g6_error *err) {
  memset(doc, 0, sizeof(*doc));
  doc->spot = doc->atm = doc->step = doc->day_high = doc->day_low = NAN;
  doc->r = doc->q = doc->vix = NAN;
  /* refused, as Python's json.load of the file (opened as text) refuses
   * it: g6_chain never writes one, so the file went through an editor or
   * another tool; said so rather than "not JSON near byte 1" */
  if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
    return g6_error_set(err, G6_EPARSE,
                        "%s begins with a UTF-8 byte-order mark (bytes EF BB "
                        "BF, which g6_chain never writes: an editor's?); a "
                        "snapshot is JSON without one (Python's json.load "
                        "refuses it too): remove those 3 bytes",
                        name ? name : "snapshot");
  parser *p = calloc(1, sizeof(*p));
  if (p == NULL)
    return g6_error_set(err, G6_ENOMEM, "out of memory");
  p->doc = doc;
  p->name = name ? name : "snapshot";
  g6_error_clear(&p->err);
  g6_status st = G6_OK;
  yajl_handle h = yajl_alloc(&callbacks, NULL, p);
  if (h == NULL) {
    free(p);
    return g6_error_set(err, G6_ENOMEM, "out of memory");
  }
  yajl_status ys = yajl_parse(h, (const unsigned char *)text, len);
  bool body_ok = ys == yajl_status_ok;
  if (body_ok)
    ys = yajl_complete_parse(h);
  if (p->nomem) {
    st = g6_error_set(err, G6_ENOMEM, "%s: out of memory", p->name);
  } else if (ys != yajl_status_ok) {
    size_t off = yajl_get_bytes_consumed(h);
    if (body_ok) {
      st = g6_error_set(err, G6_ETRUNCATED,
                        "%s: the document ends early (%zu bytes; an empty or "
                        "cut-off file)",
                        p->name, len);
    } else if (ys == yajl_status_client_canceled) {
      st = g6_error_set(err, G6_EPROTO, "%s", p->err.msg);
    } else {
      unsigned char *msg = yajl_get_error(h, 0, NULL, 0);
      char m[128];
      snprintf(m, sizeof(m), "%s", msg ? (const char *)msg : "parse error");
      for (char *c = m; *c; c++)
        if (*c == '\n')
          *c = ' ';
      st = g6_error_set(err, G6_EPARSE, "%s: not JSON near byte %zu: %s",
                        p->name, off, m);
      if (msg)
        yajl_free_error(h, msg);
    }
  } else if (p->top_not_object) {
    st = g6_error_set(err, G6_EUNSUPPORTED,
                      "%s: not a " G6_SNAPSHOT_SCHEMA
                      " document (the top level is not an object)",
                      p->name);
  } else if (!p->schema_seen) {
    st = g6_error_set(err, G6_EUNSUPPORTED,
                      "%s: not a " G6_SNAPSHOT_SCHEMA
                      " document (no \"schema\" field)",
                      p->name);
  } else if (!schema_ok(p->schema)) {
    st = g6_error_set(err, G6_EUNSUPPORTED,
                      "%s: schema \"%s\" is not supported; this reader "
                      "reads " G6_SNAPSHOT_SCHEMA,
                      p->name, p->schema);
  } else if (p->bad) {
    st = g6_error_set(err, G6_EPROTO, "%s", p->err.msg);
  } else {
    st = check_legs(p, err);
  }
  yajl_free(h);
  for (size_t e = 0; e < G6_MAX_EXPIRIES; e++)
    free(p->legs[e].v);
  free(p);
  if (st != G6_OK)
    g6_snapshot_doc_free(doc);
  return st;
}

g6_status g6_snapshot_read_file(const char *path, size_t max_bytes,
                                g6_snapshot_doc *doc, g6_error *err) {
  memset(doc, 0, sizeof(*doc));
  char *text = NULL;
  size_t len = 0;
  g6_status st = g6_read_file(
      path, max_bytes ? max_bytes : G6_SNAPSHOT_MAX_BYTES, &text, &len, err);
  if (st != G6_OK)
    return st;
  st = g6_snapshot_parse(text, len, path, doc, err);
  free(text);
  return st;
}

void g6_snapshot_doc_free(g6_snapshot_doc *doc) {
  if (doc == NULL)
    return;
  free(doc->strikes);
  for (size_t e = 0; e < G6_MAX_EXPIRIES; e++)
    free(doc->expiries[e].legs);
  memset(doc, 0, sizeof(*doc));
}

void g6_snapshot_doc_view(const g6_snapshot_doc *doc, g6_snapshot *v) {
  memset(v, 0, sizeof(*v));
  v->ix = &doc->ix;
  v->seq = doc->seq;
  v->generated_at = doc->generated_at;
  v->ts = doc->ts;
  v->market_open = doc->market_open;
  v->status = doc->status;
  v->error = doc->error;
  v->spot = doc->spot;
  v->atm = doc->atm;
  v->step = doc->step;
  v->day_high = doc->day_high;
  v->day_low = doc->day_low;
  v->vix = doc->vix;
  v->r = doc->r;
  v->q = doc->q;
  v->n_strikes = doc->n_strikes;
  v->strikes = doc->strikes;
  v->n_expiries = doc->n_expiries;
  v->expiries = doc->expiries;
}

const char *g6_snapshot_error_cause(g6_status st) {
  switch (st) {
  case G6_OK:
    return NULL;
  case G6_ENOENT:
    return "missing";
  case G6_ETOOBIG:
    return "too_big";
  case G6_ETRUNCATED:
    return "truncated";
  case G6_EPARSE:
    return "malformed";
  case G6_EUNSUPPORTED:
    return "wrong_schema";
  case G6_EPROTO:
    return "invalid";
  default:
    return "unreadable";
  }
}

const char *g6_snapshot_expiry_label(const g6_expiry_result *x, char buf[11]) {
  if (x->spec.rule != G6_EXPIRY_DATE)
    return x->tag;
  if (!x->resolved)
    return NULL;
  g6_date_format(x->date, buf);
  return buf;
}

/* ---- feeding the analytics
 * ----------------------------------------------------- */

/* The first expiry before e that resolved to the same instant, or -1. */
static long same_as(const g6_snapshot_doc *d, size_t e) {
  for (size_t k = 0; k < e; k++)
    if (d->expiries[k].resolved && d->expiries[e].resolved &&
        d->expiries[k].expiry_epoch == d->expiries[e].expiry_epoch)
      return (long)k;
  return -1;
}

size_t g6_snapshot_doc_leg_count(const g6_snapshot_doc *d) {
  size_t n = 0;
  for (size_t e = 0; e < d->n_expiries; e++) {
    const g6_expiry_result *x = &d->expiries[e];
    if (!x->resolved || x->legs == NULL || same_as(d, e) >= 0)
      continue;
    for (size_t i = 0; i < 2 * d->n_strikes; i++)
      n += x->legs[i].reject == G6_REJECT_NONE;
  }
  return n;
}

/* The report's leg_exists for a document (ctx): the leg at strike i of
 * expiry e is a contract unless g6_chain dropped it as not listed or beyond
 * StrikeBand. The report's expiry e is the document's expiry e (both list
 * every rule in order; two rules sharing a contract each keep their legs).
 * True when the document cannot tell (an expiry that did not resolve has no
 * legs: g6_chain counts each of its legs as missing too). */
static bool doc_leg_exists(const void *ctx, size_t e, size_t i, bool put) {
  const g6_snapshot_doc *d = ctx;
  if (e >= d->n_expiries || i >= d->n_strikes || d->expiries[e].legs == NULL)
    return true;
  return g6_reject_leg_exists(d->expiries[e].legs[2 * i + put].reject);
}

void g6_snapshot_doc_report_input(const g6_snapshot_doc *d, g6_leg *legs,
                                  g6_report_input *in) {
  g6_snapshot_doc_report_input_ex(d, legs, false, in);
}

void g6_snapshot_doc_report_input_ex(const g6_snapshot_doc *d, g6_leg *legs,
                                     bool exclude_flagged,
                                     g6_report_input *in) {
  memset(in, 0, sizeof(*in));
  in->S = d->spot;
  in->atm = d->atm;
  in->r = d->r;
  in->q = d->q;
  in->legs = legs;
  /* every expiry asked for a call and a put at each strike of the ladder:
   * the legs left out below are missing from the PCR window, but for those
   * that are no contract (their reject says so) */
  in->strikes = d->strikes;
  in->n_strikes = d->n_strikes;
  in->leg_exists = doc_leg_exists;
  in->leg_exists_ctx = d;
  size_t n = 0;
  for (size_t e = 0; e < d->n_expiries && e < G6_REPORT_MAX_EXPIRIES; e++) {
    const g6_expiry_result *x = &d->expiries[e];
    g6_report_expiry_input *ri = &in->ex[in->n_expiries++];
    ri->tag = x->tag;
    ri->resolved = x->resolved && x->legs != NULL;
    ri->expiry = x->expiry_epoch;
    ri->T = x->T;
    ri->parity = x->parity;
    long same = same_as(d, e);
    if (!ri->resolved)
      continue;
    if (same >= 0) { /* two rules, one expiry: share its legs */
      ri->first = in->ex[same].first;
      ri->n = in->ex[same].n;
      continue;
    }
    ri->first = n;
    for (size_t i = 0; i < 2 * d->n_strikes; i++) {
      const g6_chain_leg *l = &x->legs[i];
      if (l->reject != G6_REJECT_NONE ||
          (exclude_flagged && l->arb != G6_ARB_NONE))
        continue;
      g6_leg *o = &legs[n++];
      *o = g6_leg_make(l->q.strike, l->q.is_put ? G6_PUT : G6_CALL,
                       x->expiry_epoch, x->T);
      o->last = l->q.last;
      o->bid = l->q.bid;
      o->ask = l->q.ask;
      o->oi = l->q.oi;
      o->volume = l->q.volume;
      o->iv = l->iv;
      o->delta = l->delta;
      o->gamma = l->gamma;
      o->theta = l->theta;
      o->vega = l->vega;
      o->rho = l->rho;
      o->oi_open = l->oi_open;
      o->last_prev = l->last_prev;
      o->oi_prev = l->oi_prev;
    }
    ri->n = n - ri->first;
  }
  in->n_legs = n;
}
